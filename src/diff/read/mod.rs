//! Reading a results file of `ladder evaluate` back (json, ndjson or csv,
//! told apart by content), one record at a time, on its own thread: `diff`
//! pulls records from two files side by side, and serde's json reader pushes
//! them, so each file is read by a thread that sends batches down a channel.
//!
//! A record is kept compact (values normalised into one byte buffer) because
//! records of ids not yet matched wait in a map.
//!
//! This module holds what every format shares: the messages, the record,
//! the field names, the reader's state, and how a figure is normalised. The
//! formats: [`csv`]; json and ndjson by [`json_scan`], a scanner of the flat
//! records `evaluate` writes, which hands anything else to [`json_serde`],
//! serde_json's reader (the reference the scanner is held equal to).

mod csv;
mod json_scan;
mod json_serde;
#[cfg(test)]
mod scan_tests;

use crate::report::FIELDS;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::str::FromStr;
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};

/// Records sent per message: fewer channel hand-overs.
const BATCH: usize = 512;

/// Fields whose values are text even when they look like numbers (an id
/// `007`, a grade `3`): compared as written, never as decimals.
const TEXT_FIELDS: [&str; 15] = [
    "id",
    "name",
    "sequence",
    "grade",
    "position",
    "band",
    "calibrated_band",
    "status",
    "recommended_grade",
    "next_grade",
    "eligible_on",
    "unmet",
    "alternatives",
    "errors",
    "cohort",
];

/// The kind of results file, found from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Json,
    Ndjson,
    Csv,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Json => "json",
            Kind::Ndjson => "ndjson",
            Kind::Csv => "csv",
        }
    }
}

/// What a json `meta` says about the run (csv and ndjson have none).
#[derive(Debug, Clone, Default)]
pub struct RunMeta {
    pub scheme: Option<String>,
    /// SHA-256 of the scheme: `meta.scheme_sha256`, or computed from `meta.scheme_files` for older files.
    pub scheme_sha256: Option<String>,
    /// The SHA-256 of each input file, in order.
    pub inputs: Option<Vec<String>>,
    pub as_of: Option<String>,
}

/// Field names, numbered the same for both files (shared by the two reader threads).
#[derive(Default)]
pub struct Names {
    names: Vec<String>,
    index: HashMap<String, u16>,
}

impl Names {
    pub fn new() -> Names {
        let mut names = Names::default();
        for f in FIELDS {
            names.intern(f);
        }
        names
    }

    fn intern(&mut self, name: &str) -> Option<u16> {
        if let Some(&i) = self.index.get(name) {
            return Some(i);
        }
        let i = u16::try_from(self.names.len()).ok()?;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        Some(i)
    }

    pub fn name(&self, i: u16) -> &str {
        self.names.get(usize::from(i)).map_or("", String::as_str)
    }

    pub fn find(&self, name: &str) -> Option<u16> {
        self.index.get(name).copied()
    }
}

pub type SharedNames = Arc<Mutex<Names>>;

/// A file being read, past its first bytes (looked at, not consumed, to tell its kind).
type Input = BufReader<Box<dyn Read + Send>>;

/// One result: its id, which occurrence of that id in its file it is
/// (a file with duplicate ids pairs the first with the first), and its other fields.
#[derive(Debug)]
pub struct Record {
    pub id: Box<str>,
    pub occurrence: u32,
    /// The values, normalised, one after another (one allocation, and `str`
    /// already: reading a field back needs no UTF-8 check).
    text: Box<str>,
    /// Per field, in file order: its number and where its value ends in `text`.
    ends: Box<[(u16, u32)]>,
}

impl Record {
    /// The fields as (field number, normalised value).
    pub fn fields(&self) -> impl Iterator<Item = (u16, &str)> {
        let mut start = 0usize;
        self.ends.iter().map(move |&(field, end)| {
            let end = end as usize;
            let value = self.text.get(start..end).unwrap_or("");
            start = end;
            (field, value)
        })
    }

    /// The normalised value of a field, if the record has it.
    pub fn get(&self, field: u16) -> Option<&str> {
        self.fields().find(|(f, _)| *f == field).map(|(_, v)| v)
    }
}

/// A record being built: reused from record to record, copied out at its exact size.
#[derive(Default)]
struct Fields {
    text: String,
    ends: Vec<(u16, u32)>,
}

impl Fields {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push(&mut self, field: u16, value: &str) {
        // A record over 4 GiB cannot come from a file `evaluate` wrote; its
        // later values read back as blank rather than fail.
        let before = self.text.len();
        self.text.push_str(value);
        let end = u32::try_from(self.text.len()).unwrap_or_else(|_| u32::try_from(before).unwrap_or(u32::MAX));
        self.ends.push((field, end));
    }
}

/// What a reader thread sends.
pub enum Msg {
    Kind(Kind),
    Meta(RunMeta),
    Records(Vec<Record>),
    /// Which field numbers the file's records had (sent before `End`).
    Present(Vec<bool>),
    /// The file cannot be read as results: a message naming the file and where.
    Failed(String),
    End,
}

/// How json and ndjson are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parser {
    /// The scanner, serde_json for anything it does not expect: what `diff` uses.
    Scan,
    /// serde_json alone: the reference the scanner is tested against.
    #[cfg_attr(not(test), allow(dead_code))]
    Serde,
}

/// Reads `path` (`-`: standard input) and sends what it finds; returns when the file is read or the receiver is gone.
pub fn read(path: &str, names: SharedNames, tx: SyncSender<Msg>) {
    read_with(path, names, tx, Parser::Scan);
}

/// [`read`] with the json parser chosen.
pub fn read_with(path: &str, names: SharedNames, tx: SyncSender<Msg>, parser: Parser) {
    Reader::new(path, names, tx, parser).read_all();
}

enum Stop {
    Failed(String),
    /// The receiver hung up (the other file failed): stop quietly.
    Gone,
}

struct Reader {
    path: String,
    parser: Parser,
    /// json: results serde_json is to read and not send (the scanner's stand-in
    /// for what it sent already when it hands the rest of a document over).
    skip: u32,
    /// Results the scanner took (the others went through serde_json).
    scanned: u64,
    names: SharedNames,
    /// This thread's copy of the field numbers it has used (the shared table is locked only for a new name).
    local: hashbrown::HashMap<String, u16>,
    /// json: the keys of the last record in order, with what each is (`None`: the id).
    key_order: Vec<Key>,
    /// json: the place of the next key in the record being read.
    key_place: usize,
    /// Occurrences of each id so far, by a hash of the id (a million ids in 16 bytes each).
    seen: hashbrown::HashMap<u64, u32, IdentityHash>,
    id_hash: hashbrown::DefaultHashBuilder,
    batch: Vec<Record>,
    tx: SyncSender<Msg>,
    /// The receiver hung up while serde_json was parsing.
    gone: bool,
    /// By field number: is it a text field (compared as written)?
    text: Vec<bool>,
    /// By field number: has a record of this file had it?
    present: Vec<bool>,
    /// The record being read.
    rec: Fields,
    /// json: a value's text before it is normalised.
    scratch: String,
}

/// A key of the last json record: its name, what it is (`None`: the id),
/// and whether it is written plainly in JSON (no `"`, `\\` or control
/// character: the scanner may then match the file's bytes against it).
struct Key {
    name: Box<str>,
    field: Option<u16>,
    plain: bool,
}

impl Key {
    fn new(name: &str, field: Option<u16>) -> Key {
        let plain = name.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
        Key { name: name.into(), field, plain }
    }
}

/// The `seen` map's keys are hashes already.
type IdentityHash = BuildHasherDefault<Identity>;

#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; anything else is folded in, never lost.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Reader {
    fn new(path: &str, names: SharedNames, tx: SyncSender<Msg>, parser: Parser) -> Reader {
        Reader {
            path: path.to_string(),
            parser,
            skip: 0,
            scanned: 0,
            names,
            local: hashbrown::HashMap::new(),
            key_order: Vec::new(),
            key_place: 0,
            seen: hashbrown::HashMap::default(),
            id_hash: hashbrown::DefaultHashBuilder::default(),
            batch: Vec::new(),
            tx,
            gone: false,
            text: Vec::new(),
            present: Vec::new(),
            rec: Fields::default(),
            scratch: String::new(),
        }
    }

    /// Reads the file and sends what it finds, then `End` or `Failed`.
    fn read_all(&mut self) {
        let result = self.run();
        let _ = match result {
            Ok(()) => self.flush().and_then(|()| {
                let present = std::mem::take(&mut self.present);
                self.tx.send(Msg::Present(present)).and_then(|()| self.tx.send(Msg::End)).map_err(|_| Stop::Gone)
            }),
            Err(Stop::Failed(message)) => self.tx.send(Msg::Failed(message)).map_err(|_| Stop::Gone),
            Err(Stop::Gone) => Ok(()),
        };
    }

    fn fail<T>(&self, message: impl fmt::Display) -> Result<T, Stop> {
        Err(Stop::Failed(format!("{}: {message}", self.path)))
    }

    fn run(&mut self) -> Result<(), Stop> {
        let source: Box<dyn Read + Send> = if self.path == "-" {
            Box::new(std::io::stdin())
        } else {
            match std::fs::File::open(&self.path) {
                Ok(f) => Box::new(f),
                Err(e) => return self.fail(format_args!("cannot open: {e}")),
            }
        };
        let mut input = BufReader::with_capacity(1 << 16, source);
        let kind = match self.sniff(&mut input) {
            Ok(k) => k,
            Err(e) => return self.fail(format_args!("cannot read: {e}")),
        }?;
        self.tx.send(Msg::Kind(kind)).map_err(|_| Stop::Gone)?;
        match kind {
            Kind::Json if self.parser == Parser::Scan => self.json_scan(input),
            Kind::Ndjson if self.parser == Parser::Scan => self.ndjson_scan(input),
            Kind::Json => self.json_serde(input),
            Kind::Ndjson => self.ndjson_serde(input),
            Kind::Csv => self.csv(input),
        }
    }

    /// Which kind of file this is, from its first bytes (the BOM and blank space skipped).
    fn sniff(&self, input: &mut Input) -> std::io::Result<Result<Kind, Stop>> {
        let head = input.fill_buf()?;
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
        let head = &head[start..];
        let not_results = |what: &str| {
            Err(Stop::Failed(format!(
                "{}: line 1: not a results file ({what}); expected the json, ndjson or csv output of `ladder evaluate`",
                self.path
            )))
        };
        Ok(match head.first() {
            // An empty file is an ndjson file of no results (`--status` can filter every row out).
            None => Ok(Kind::Ndjson),
            Some(b'{') => {
                // ndjson: the first line is a whole result; a json document's first line is not.
                let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
                match serde_json::from_slice::<Map<String, Value>>(line) {
                    Ok(object) if object.contains_key("id") => Ok(Kind::Ndjson),
                    _ => Ok(Kind::Json),
                }
            }
            Some(b'P') if head.starts_with(b"PK\x03\x04") => not_results("a zip or workbook"),
            Some(b'[') => not_results("a JSON list, not an object with `results`"),
            Some(_) if head.iter().take(4096).any(|&b| b == 0) => not_results("binary data"),
            Some(_) => Ok(Kind::Csv),
        })
    }

    /// The number of a field, the same in both files.
    fn field(&mut self, name: &str) -> Result<u16, Stop> {
        if let Some(&i) = self.local.get(name) {
            return Ok(i);
        }
        let i = self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner).intern(name);
        match i {
            Some(i) => {
                self.local.insert(name.to_string(), i);
                let n = usize::from(i);
                if n >= self.text.len() {
                    self.text.resize(n + 1, false);
                }
                self.text[n] = TEXT_FIELDS.contains(&name);
                Ok(i)
            }
            None => self.fail("more than 65535 different field names"),
        }
    }

    fn is_text(&self, field: u16) -> bool {
        self.text.get(usize::from(field)).copied().unwrap_or(false)
    }

    /// Adds a value to the record being read.
    fn encode(&mut self, field: u16, value: &str) {
        let n = usize::from(field);
        if n >= self.present.len() {
            self.present.resize(n + 1, false);
        }
        self.present[n] = true;
        self.rec.push(field, value);
    }

    /// Adds the record read (`self.rec`) to the batch, numbering the occurrences of its id.
    fn push(&mut self, id: &str) -> Result<(), Stop> {
        // foldhash (hashbrown's), not SipHash: several times faster on short ids, as well mixed.
        let n = self.seen.entry(self.id_hash.hash_one(id)).or_insert(0);
        let occurrence = *n;
        *n += 1;
        self.batch.push(Record { id: id.into(), occurrence, text: self.rec.text.as_str().into(), ends: self.rec.ends.as_slice().into() });
        self.rec.clear();
        if self.batch.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Stop> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.tx.send(Msg::Records(batch)).map_err(|_| Stop::Gone)
    }
}

/// Figures compare as numbers: `85`, `85.0` and `85.00` are one value.
/// A figure already in its shortest form (most of what `evaluate` writes)
/// is kept as it is; anything else goes through [`normalise_plain`].
fn normalise(is_text: bool, text: &str) -> std::borrow::Cow<'_, str> {
    if is_text || text.is_empty() || is_normal_decimal(text) {
        return text.into();
    }
    normalise_plain(text)
}

/// What [`normalise`] gives a figure: the decimal, normalised (trailing zeros
/// dropped), or the text as it is when it is not a number.
fn normalise_plain(text: &str) -> std::borrow::Cow<'_, str> {
    match Decimal::from_str(text.trim()) {
        Ok(d) => d.normalize().to_string().into(),
        Err(_) => text.into(),
    }
}

/// Whether `text` is a decimal exactly as `Decimal::normalize` writes it:
/// `-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?`, not `-0`, and few enough digits
/// (18) that the decimal holds them all.
fn is_normal_decimal(text: &str) -> bool {
    let b = text.as_bytes();
    let (negative, b) = match b.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(dot) => (&b[..dot], Some(&b[dot + 1..])),
        None => (b, None),
    };
    let digits = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_digit);
    if !digits(int) || (int.len() > 1 && int[0] == b'0') {
        return false;
    }
    let frac_len = match frac {
        None => 0,
        Some(f) if digits(f) && f.last() != Some(&b'0') => f.len(),
        Some(_) => return false,
    };
    if negative && int == b"0" && frac.is_none() {
        return false;
    }
    int.len() + frac_len <= 18
}

#[cfg(test)]
mod tests {
    use super::{normalise, normalise_plain};
    use proptest::prelude::*;

    #[test]
    fn figures_compare_as_numbers_and_text_as_written() {
        assert_eq!(normalise(false, "85.00"), normalise(false, "85"));
        assert_ne!(normalise(false, "85.01"), normalise(false, "85"));
        assert_eq!(normalise(true, "3.0"), "3.0");
        assert_eq!(normalise(false, "-0"), "0");
        assert_eq!(normalise(false, "007.50"), "7.5");
    }

    proptest! {
        /// The shortcut for figures already in normal form gives what the Decimal round trip gives.
        #[test]
        fn normalise_is_normalise_plain(text in "-?[0-9]{0,21}(\\.[0-9]{0,21})?|[ .0-9eE+-]{0,8}|\\PC{0,6}") {
            prop_assert_eq!(normalise(false, &text), normalise_plain(&text));
        }
    }
}
