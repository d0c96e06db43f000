//! Reading json and ndjson results with serde_json: a `DeserializeSeed`
//! visitor that writes each record straight into the reader's compact form.
//! It accepts any JSON, gives serde_json's located messages, and is the
//! reference the scanner ([`super::json_scan`]) is held equal to; the scanner
//! hands it every record or document it does not expect.

use super::{normalise, Input, Key, Msg, Reader, RunMeta, Stop};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::io::{BufRead, Read};

impl Reader {
    pub(super) fn ndjson_serde(&mut self, mut input: Input) -> Result<(), Stop> {
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
            self.ndjson_line(&line, line_no)?;
        }
        Ok(())
    }

    /// One line of ndjson (not blank, without its `\n`), its result sent.
    pub(super) fn ndjson_line(&mut self, line: &[u8], line_no: u64) -> Result<(), Stop> {
        let mut de = serde_json::Deserializer::from_slice(line);
        let record = RecordSeed { reader: self }.deserialize(&mut de).and_then(|r| de.end().map(|()| r));
        match record {
            Ok(id) => self.push(&id),
            Err(e) => self.fail(format_args!("line {line_no}, column {}: {}", e.column(), message(&e))),
        }
    }

    pub(super) fn json_serde(&mut self, input: Input) -> Result<(), Stop> {
        self.json_document(input, Place::START)
    }

    /// A json document from `input`, whose first byte is at `place`.
    pub(super) fn json_document(&mut self, input: impl Read, place: Place) -> Result<(), Stop> {
        let mut de = serde_json::Deserializer::from_reader(input);
        let outcome = DocumentSeed { reader: self }.deserialize(&mut de).and_then(|()| de.end());
        match outcome {
            Ok(()) => Ok(()),
            Err(_) if self.gone => Err(Stop::Gone),
            Err(e) => {
                let (line, column) = place.of(e.line() as u64, e.column() as u64);
                self.fail(format_args!("line {line}, column {column}: {}", message(&e)))
            }
        }
    }
}

/// Where a stream given to serde_json starts in the file, so that its
/// messages name the file's line and column. The scanner hands serde_json
/// the rest of a document behind a made-up opening (`{"results":[`) of
/// `prefix` bytes, which stands where the file's line `line` already had
/// `column` bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Place {
    pub line: u64,
    pub column: u64,
    pub prefix: u64,
}

impl Place {
    /// The stream is the file.
    pub const START: Place = Place { line: 1, column: 0, prefix: 0 };

    /// The file's (line, column) of serde_json's (line, column) in the stream.
    fn of(self, line: u64, column: u64) -> (u64, u64) {
        match line {
            // An I/O error has no place.
            0 => (0, 0),
            1 => (self.line, (column + self.column).saturating_sub(self.prefix)),
            _ => (self.line + line - 1, column),
        }
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

pub(super) fn run_meta(meta: &Value) -> RunMeta {
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
            if self.reader.skip > 0 {
                self.reader.skip -= 1;
                continue;
            }
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
                    });
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

impl Visitor<'_> for KeySeed<'_> {
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
        if let Some(k) = r.key_order.get(place) {
            if *k.name == *key {
                return Ok(k.field);
            }
        }
        let field = if key == "id" { None } else { Some(r.field(key).map_err(|_| E::custom("more than 65535 different field names"))?) };
        r.key_order.truncate(place);
        r.key_order.push(Key::new(key, field));
        Ok(field)
    }
}

#[cfg(test)]
mod tests {
    use super::{json_text, TextSeed};
    use proptest::prelude::*;
    use serde::de::DeserializeSeed;
    use serde_json::Value;

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
