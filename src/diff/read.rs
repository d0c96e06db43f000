//! Reading a results file of `ladder evaluate` back (json, ndjson or csv,
//! told apart by content), one record at a time, on its own thread: `diff`
//! pulls records from two files side by side, and serde's json reader pushes
//! them, so each file is read by a thread that sends batches down a channel.
//!
//! A record is kept compact (values normalised into one byte buffer) because
//! records of ids not yet matched wait in a map.

use crate::report::FIELDS;
use rust_decimal::Decimal;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
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

/// Reads `path` (`-`: standard input) and sends what it finds; returns when the file is read or the receiver is gone.
pub fn read(path: &str, names: SharedNames, tx: SyncSender<Msg>) {
    let mut reader = Reader {
        path: path.to_string(),
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
    };
    let result = reader.run();
    let _ = match result {
        Ok(()) => reader.flush().and_then(|()| {
            let present = std::mem::take(&mut reader.present);
            reader.tx.send(Msg::Present(present)).and_then(|()| reader.tx.send(Msg::End)).map_err(|_| Stop::Gone)
        }),
        Err(Stop::Failed(message)) => reader.tx.send(Msg::Failed(message)).map_err(|_| Stop::Gone),
        Err(Stop::Gone) => Ok(()),
    };
}

enum Stop {
    Failed(String),
    /// The receiver hung up (the other file failed): stop quietly.
    Gone,
}

struct Reader {
    path: String,
    names: SharedNames,
    /// This thread's copy of the field numbers it has used (the shared table is locked only for a new name).
    local: hashbrown::HashMap<String, u16>,
    /// json: the keys of the last record in order, with what each is (`None`: the id).
    key_order: Vec<(Box<str>, Option<u16>)>,
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
            Kind::Json => self.json(input),
            Kind::Ndjson => self.ndjson(input),
            Kind::Csv => self.csv(input),
        }
    }

    /// Which kind of file this is, from its first bytes (the BOM and blank space skipped).
    fn sniff(&self, input: &mut BufReader<Box<dyn Read + Send>>) -> std::io::Result<Result<Kind, Stop>> {
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
        let i = self.names.lock().unwrap_or_else(|p| p.into_inner()).intern(name);
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

    fn ndjson(&mut self, mut input: BufReader<Box<dyn Read + Send>>) -> Result<(), Stop> {
        let mut line_no = 0u64;
        // One buffer for every line.
        let mut line = Vec::new();
        loop {
            line.clear();
            match input.read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return self.fail(format_args!("line {}: cannot read: {e}", line_no + 1)),
            }
            line_no += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut de = serde_json::Deserializer::from_slice(&line);
            let record = RecordSeed { reader: self }.deserialize(&mut de).and_then(|r| de.end().map(|()| r));
            match record {
                Ok(id) => self.push(&id)?,
                Err(e) => return self.fail(format_args!("line {line_no}, column {}: {}", e.column(), message(&e))),
            }
        }
        Ok(())
    }

    fn json(&mut self, input: BufReader<Box<dyn Read + Send>>) -> Result<(), Stop> {
        let mut de = serde_json::Deserializer::from_reader(input);
        let outcome = DocumentSeed { reader: self }.deserialize(&mut de).and_then(|()| de.end());
        match outcome {
            Ok(()) => Ok(()),
            Err(_) if self.gone => Err(Stop::Gone),
            Err(e) => self.fail(format_args!("line {}, column {}: {}", e.line(), e.column(), message(&e))),
        }
    }

    fn csv(&mut self, input: BufReader<Box<dyn Read + Send>>) -> Result<(), Stop> {
        let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
        let headers = match csv.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return self.fail(format_args!("line 1: cannot read the header: {e}")),
        };
        let header: Vec<String> =
            headers.iter().map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{feff}').trim().to_string()).collect();
        let Some(id_col) = header.iter().position(|h| h == "id") else {
            return self.fail("line 1: not a results file (no `id` column); expected the json, ndjson or csv output of `ladder evaluate`");
        };
        if !header.iter().any(|h| h == "status") {
            return self
                .fail("line 1: not a results file (no `status` column); expected the json, ndjson or csv output of `ladder evaluate`");
        }
        let mut fields = Vec::with_capacity(header.len());
        for h in &header {
            fields.push(self.field(h)?);
        }
        let is_text: Vec<bool> = fields.iter().map(|&f| self.is_text(f)).collect();
        let mut record = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return self.fail(format_args!("line {line}: not a results row: {e}"));
                }
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            // One UTF-8 check for the whole row; a cell is then a slice of it
            // (cells end at ASCII delimiters, so on character boundaries).
            let whole = match simdutf8::basic::from_utf8(record.as_slice()) {
                Ok(whole) => whole,
                Err(_) => {
                    let bad = record.iter().position(|c| std::str::from_utf8(c).is_err()).unwrap_or(0);
                    return self.fail(format_args!("line {line}, column {}: not UTF-8 text", header.get(bad).map_or("", String::as_str)));
                }
            };
            let mut id = "";
            for i in 0..record.len() {
                let cell = record.range(i).and_then(|r| whole.get(r)).unwrap_or("");
                let cell = unprotect(cell);
                if i == id_col {
                    id = cell;
                } else {
                    let field = fields[i];
                    self.encode(field, &normalise(is_text[i], cell));
                }
            }
            self.push(id)?;
        }
        Ok(())
    }
}

/// serde_json's message without the "at line L column C" it ends with (the place is said first, as in every message).
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Undoes the CSV writer's spreadsheet safety (SPEC §6): `'=…` was `=…`.
fn unprotect(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// A JSON value as the text csv would hold: null → blank, lists joined with `; `.
fn json_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(json_text).collect::<Vec<_>>().join("; "),
        Value::Object(_) => value.to_string(),
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

fn run_meta(meta: &Value) -> RunMeta {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let scheme_sha256 = text(meta.get("scheme_sha256")).or_else(|| {
        let files = meta.get("scheme_files")?.as_array()?;
        let hashes: Option<Vec<&str>> = files.iter().map(|f| f.get("sha256").and_then(Value::as_str)).collect();
        Some(crate::scheme::scheme_sha256_of(hashes?))
    });
    let inputs = meta
        .get("inputs")
        .and_then(Value::as_array)
        .and_then(|list| list.iter().map(|i| i.get("sha256").and_then(Value::as_str).map(str::to_string)).collect());
    RunMeta { scheme: text(meta.get("scheme")), scheme_sha256, inputs, as_of: text(meta.get("as_of")) }
}

/// The json document: `meta` (sent as soon as it is read), `results` (streamed), anything else skipped.
struct DocumentSeed<'r> {
    reader: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a results document {\"meta\", \"results\", \"summary\"}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut results = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "meta" => {
                    let meta: Value = map.next_value()?;
                    self.reader.tx.send(Msg::Meta(run_meta(&meta))).map_err(|_| gone::<A::Error>(self.reader))?;
                }
                "results" => {
                    map.next_value_seed(ResultsSeed { reader: self.reader })?;
                    results = true;
                }
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        if !results {
            return Err(de::Error::custom("not a results file (no `results` list); expected the json output of `ladder evaluate`"));
        }
        Ok(())
    }
}

/// The receiver hung up: say so and stop the parse.
fn gone<E: de::Error>(reader: &mut Reader) -> E {
    reader.gone = true;
    E::custom("stopped")
}

struct ResultsSeed<'r> {
    reader: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(id) = seq.next_element_seed(RecordSeed { reader: &mut *self.reader })? {
            if self.reader.push(&id).is_err() {
                return Err(gone(self.reader));
            }
        }
        Ok(())
    }
}

/// One result object, straight into its id and encoded fields: keys are
/// looked up without being allocated, and no map of the record is built.
struct RecordSeed<'r> {
    reader: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = String;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        self.reader.rec.clear();
        self.reader.key_place = 0;
        // The value's text, reused from field to field.
        let mut text = std::mem::take(&mut self.reader.scratch);
        while let Some(key) = map.next_key_seed(KeySeed { reader: &mut *self.reader })? {
            match key {
                None => {
                    let value: Value = map.next_value()?;
                    id = Some(match value {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        other => return Err(de::Error::custom(format!("`id` is {other}, expected a string"))),
                    })
                }
                Some(field) => {
                    text.clear();
                    map.next_value_seed(TextSeed { out: &mut text })?;
                    let value = normalise(self.reader.is_text(field), &text);
                    self.reader.encode(field, &value);
                }
            }
        }
        self.reader.scratch = text;
        match id {
            Some(id) => Ok(id),
            None => Err(de::Error::custom("a result without an `id`")),
        }
    }
}

/// A json value written straight into `out` as [`json_text`] would give it,
/// without building a [`Value`] (no allocation for a string, bool or null;
/// a number or an object still goes through `Value`, as in [`json_text`]).
struct TextSeed<'o> {
    out: &'o mut String,
}

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.out.push_str(v);
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.out.push_str(&json_text(&Value::from(v)));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.out.push_str(&json_text(&Value::from(v)));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.out.push_str(&json_text(&Value::from(v)));
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut first = true;
        loop {
            let before = self.out.len();
            if seq.next_element_seed(TextSeed { out: &mut *self.out })?.is_none() {
                return Ok(());
            }
            // Items joined with `; `: the separator goes in once the item is known to exist.
            if !first {
                self.out.insert_str(before, "; ");
            }
            first = false;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        // A number (serde_json's arbitrary precision hands it over as a map) or an object.
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match &value {
            Value::Number(n) => self.out.push_str(n.as_str()),
            other => self.out.push_str(&json_text(other)),
        }
        Ok(())
    }
}

/// A key of a result: `None` for `id`, else the field's number.
struct KeySeed<'r> {
    reader: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Option<u16>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Option<u16>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        // Results list their keys in the same order: the key at this place
        // in the last record is the likely one (a comparison, no hashing).
        let r = self.reader;
        let place = r.key_place;
        r.key_place += 1;
        if let Some((name, field)) = r.key_order.get(place) {
            if **name == *key {
                return Ok(*field);
            }
        }
        let field = if key == "id" { None } else { Some(r.field(key).map_err(|_| E::custom("more than 65535 different field names"))?) };
        r.key_order.truncate(place);
        r.key_order.push((key.into(), field));
        Ok(field)
    }
}

#[cfg(test)]
mod tests {
    use super::{json_text, normalise, normalise_plain, unprotect, TextSeed};
    use proptest::prelude::*;
    use serde::de::DeserializeSeed;
    use serde_json::Value;

    #[test]
    fn figures_compare_as_numbers_and_text_as_written() {
        assert_eq!(normalise(false, "85.00"), normalise(false, "85"));
        assert_ne!(normalise(false, "85.01"), normalise(false, "85"));
        assert_eq!(normalise(true, "3.0"), "3.0");
        assert_eq!(normalise(false, "-0"), "0");
        assert_eq!(normalise(false, "007.50"), "7.5");
        assert_eq!(unprotect("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unprotect("'plain"), "'plain");
    }

    /// A value's text through [`TextSeed`] from a slice (ndjson) and from a reader (json).
    fn seeded(json: &str) -> (String, String) {
        let mut slice = String::new();
        TextSeed { out: &mut slice }.deserialize(&mut serde_json::Deserializer::from_str(json)).unwrap();
        let mut read = String::new();
        TextSeed { out: &mut read }.deserialize(&mut serde_json::Deserializer::from_reader(json.as_bytes())).unwrap();
        (slice, read)
    }

    #[test]
    fn a_value_is_written_as_json_text_gives_it() {
        for json in [
            r#""plain""#,
            r#""esc\"aped\n\u00e9""#,
            "85.50",
            "-0",
            "1e5",
            "12345678901234567890123456789.5",
            "true",
            "false",
            "null",
            "[]",
            r#"["a", 1.50, null, ["b", []], {"k": [1, 2]}, true]"#,
            r#"{"b": 1, "a": "x"}"#,
        ] {
            let plain = json_text(&serde_json::from_str::<Value>(json).unwrap());
            assert_eq!(seeded(json), (plain.clone(), plain), "{json}");
        }
    }

    proptest! {
        /// The shortcut for figures already in normal form gives what the Decimal round trip gives.
        #[test]
        fn normalise_is_normalise_plain(text in "-?[0-9]{0,21}(\\.[0-9]{0,21})?|[ .0-9eE+-]{0,8}|\\PC{0,6}") {
            prop_assert_eq!(normalise(false, &text), normalise_plain(&text));
        }

        /// Any json value (strings with escapes, numbers as written, nested lists and objects).
        #[test]
        fn text_seed_is_json_text(value in json_value()) {
            let json = value.to_string();
            let plain = json_text(&serde_json::from_str::<Value>(&json).unwrap());
            prop_assert_eq!(seeded(&json), (plain.clone(), plain));
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            "-?[0-9]{1,20}(\\.[0-9]{1,20})?".prop_map(|n| serde_json::from_str::<Value>(&n).unwrap_or(Value::Null)),
            "\\PC{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[a-z]{1,3}", inner), 0..3).prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }
}
