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
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
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
    /// `[u16 field][u32 length][bytes]…`, fields in file order, values normalised.
    fields: Box<[u8]>,
}

impl Record {
    /// The fields as (field number, normalised value).
    pub fn fields(&self) -> impl Iterator<Item = (u16, &str)> {
        let mut rest: &[u8] = &self.fields;
        std::iter::from_fn(move || {
            if rest.len() < 6 {
                return None;
            }
            let field = u16::from_le_bytes([rest[0], rest[1]]);
            let len = u32::from_le_bytes([rest[2], rest[3], rest[4], rest[5]]) as usize;
            let value = std::str::from_utf8(&rest[6..6 + len]).unwrap_or("");
            rest = &rest[6 + len..];
            Some((field, value))
        })
    }

    /// The normalised value of a field, if the record has it.
    pub fn get(&self, field: u16) -> Option<&str> {
        self.fields().find(|(f, _)| *f == field).map(|(_, v)| v)
    }
}

/// What a reader thread sends.
pub enum Msg {
    Kind(Kind),
    Meta(RunMeta),
    Records(Vec<Record>),
    /// The file cannot be read as results: a message naming the file and where.
    Failed(String),
    End,
}

/// Reads `path` (`-`: standard input) and sends what it finds; returns when the file is read or the receiver is gone.
pub fn read(path: &str, names: SharedNames, tx: SyncSender<Msg>) {
    let mut reader = Reader {
        path: path.to_string(),
        names,
        local: HashMap::new(),
        seen: HashMap::default(),
        batch: Vec::new(),
        tx,
        gone: false,
        text: Vec::new(),
    };
    let result = reader.run();
    let _ = match result {
        Ok(()) => reader.flush().and_then(|()| reader.tx.send(Msg::End).map_err(|_| Stop::Gone)),
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
    local: HashMap<String, u16>,
    /// Occurrences of each id so far, by a hash of the id (a million ids in 16 bytes each).
    seen: HashMap<u64, u32, BuildHasherDefault<DefaultHasher>>,
    batch: Vec<Record>,
    tx: SyncSender<Msg>,
    /// The receiver hung up while serde_json was parsing.
    gone: bool,
    /// By field number: is it a text field (compared as written)?
    text: Vec<bool>,
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

    /// Adds a record to the batch, numbering the occurrences of its id.
    fn push(&mut self, id: &str, fields: Vec<u8>) -> Result<(), Stop> {
        let mut h = DefaultHasher::new();
        id.hash(&mut h);
        let n = self.seen.entry(h.finish()).or_insert(0);
        let occurrence = *n;
        *n += 1;
        self.batch.push(Record { id: id.into(), occurrence, fields: fields.into_boxed_slice() });
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

    fn ndjson(&mut self, input: BufReader<Box<dyn Read + Send>>) -> Result<(), Stop> {
        let mut line_no = 0u64;
        for line in input.split(b'\n') {
            line_no += 1;
            let line = match line {
                Ok(l) => l,
                Err(e) => return self.fail(format_args!("line {line_no}: cannot read: {e}")),
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut de = serde_json::Deserializer::from_slice(&line);
            let record = RecordSeed { reader: self }.deserialize(&mut de).and_then(|r| de.end().map(|()| r));
            match record {
                Ok((id, buf)) => self.push(&id, buf)?,
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
            let mut buf = Vec::with_capacity(record.as_slice().len() + 6 * header.len());
            let mut id = String::new();
            for (i, cell) in record.iter().enumerate() {
                let Ok(cell) = std::str::from_utf8(cell) else {
                    return self.fail(format_args!("line {line}, column {}: not UTF-8 text", header[i]));
                };
                let cell = unprotect(cell);
                if i == id_col {
                    id = cell.to_string();
                } else {
                    encode(&mut buf, fields[i], &normalise(&header[i], cell));
                }
            }
            self.push(&id, buf)?;
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
fn normalise<'a>(field: &str, text: &'a str) -> std::borrow::Cow<'a, str> {
    if TEXT_FIELDS.contains(&field) || text.is_empty() {
        return text.into();
    }
    match Decimal::from_str(text.trim()) {
        Ok(d) => d.normalize().to_string().into(),
        Err(_) => text.into(),
    }
}

fn encode(buf: &mut Vec<u8>, field: u16, value: &str) {
    buf.extend_from_slice(&field.to_le_bytes());
    // A cell over 4 GiB cannot come from a file `evaluate` wrote; clip rather than fail.
    let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&value.as_bytes()[..len as usize]);
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
        while let Some((id, buf)) = seq.next_element_seed(RecordSeed { reader: &mut *self.reader })? {
            if self.reader.push(&id, buf).is_err() {
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
    type Value = (String, Vec<u8>);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = (String, Vec<u8>);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a result object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id = None;
        let mut buf = Vec::with_capacity(256);
        while let Some(key) = map.next_key_seed(KeySeed { reader: &mut *self.reader })? {
            let value: Value = map.next_value()?;
            match key {
                None => {
                    id = Some(match value {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        other => return Err(de::Error::custom(format!("`id` is {other}, expected a string"))),
                    })
                }
                Some(field) => {
                    let text = json_text(&value);
                    let value = if self.reader.is_text(field) { text.into() } else { normalise("", &text) };
                    encode(&mut buf, field, &value);
                }
            }
        }
        match id {
            Some(id) => Ok((id, buf)),
            None => Err(de::Error::custom("a result without an `id`")),
        }
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
        if key == "id" {
            return Ok(None);
        }
        self.reader.field(key).map(Some).map_err(|_| E::custom("more than 65535 different field names"))
    }
}

#[cfg(test)]
mod tests {
    use super::{normalise, unprotect};

    #[test]
    fn figures_compare_as_numbers_and_text_as_written() {
        assert_eq!(normalise("kpi", "85.00"), normalise("kpi", "85"));
        assert_ne!(normalise("kpi", "85.01"), normalise("kpi", "85"));
        assert_eq!(normalise("grade", "3.0"), "3.0");
        assert_eq!(unprotect("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unprotect("'plain"), "'plain");
    }
}
