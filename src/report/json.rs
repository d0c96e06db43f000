//! `json` (one document with meta, results and summary) and `ndjson` (one
//! result per line). Figures are JSON numbers with at most 2 decimals. Both
//! are written record by record, so a million results never sit in memory.

use super::{Meta, ResultRecord, Summary};
use crate::exact::{append_figure, FigureText};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Map, Number, Value};
use std::borrow::Cow;
use std::io::{self, Write};
use std::str::FromStr;

/// A figure as a JSON number with at most 2 decimals.
pub fn figure_number(d: Decimal) -> Number {
    Number::from_str(FigureText::new(d).as_str()).expect("a formatted decimal is a JSON number")
}

/// A figure as a JSON number with at most 2 decimals; null when absent.
pub fn figure_value(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, |d| Value::Number(figure_number(d)))
}

/// A decimal as an exact JSON number, without trailing zeros (weights, thresholds).
pub fn decimal_value(d: Decimal) -> Value {
    Value::Number(Number::from_str(&d.normalize().to_string()).expect("a decimal is a JSON number"))
}

/// One result as JSON, borrowing from the record: serialized straight to
/// the output (no `Value` tree), fields in SPEC order.
#[derive(Serialize)]
struct RecordJson<'a> {
    id: &'a str,
    name: &'a str,
    sequence: &'a str,
    grade: &'a str,
    position: &'a str,
    kpi: Option<Number>,
    kpi_quarters: Option<usize>,
    competency: Option<Number>,
    competency_halves: Option<usize>,
    competency_pct: Option<Number>,
    composite: Option<Number>,
    band: Option<&'a str>,
    calibrated_band: Option<&'a str>,
    rank_pct: Option<Number>,
    rank: Option<usize>,
    cohort_size: Option<usize>,
    status: &'static str,
    recommended_grade: Option<&'a str>,
    next_grade: Option<&'a str>,
    eligible_on: Option<&'a str>,
    unmet: &'a [String],
    alternatives: &'a [Cow<'a, str>],
    quota_position: Option<usize>,
    errors: &'a [String],
}

impl<'a> RecordJson<'a> {
    fn new(r: &'a ResultRecord) -> RecordJson<'a> {
        let figure = |d: Option<Decimal>| d.map(figure_number);
        RecordJson {
            id: &r.id,
            name: &r.name,
            sequence: &r.sequence,
            grade: &r.grade,
            position: &r.position,
            kpi: figure(r.kpi),
            kpi_quarters: r.kpi_quarters,
            competency: figure(r.competency),
            competency_halves: r.competency_halves,
            competency_pct: figure(r.competency_pct),
            composite: figure(r.composite),
            band: r.band.as_deref(),
            calibrated_band: r.calibrated_band.as_deref(),
            rank_pct: figure(r.rank_pct),
            rank: r.rank,
            cohort_size: r.cohort_size,
            status: r.status.as_str(),
            recommended_grade: r.recommended_grade.as_deref(),
            next_grade: r.next_grade.as_deref(),
            eligible_on: r.eligible_on.as_deref(),
            unmet: &r.unmet,
            alternatives: &r.alternatives,
            quota_position: r.quota_position,
            errors: &r.errors,
        }
    }
}

pub fn record_value(r: &ResultRecord) -> Value {
    serde_json::to_value(RecordJson::new(r)).expect("a result always serializes")
}

pub fn meta_value(meta: &Meta) -> Value {
    let scheme_files: Vec<Value> = meta.scheme.sources.iter().map(|s| json!({"path": s.path, "sha256": s.sha256})).collect();
    let inputs: Vec<Value> = meta.inputs.iter().map(|(p, h)| json!({"path": p, "sha256": h})).collect();
    let mut value = json!({
        "tool": "ladder",
        "version": env!("CARGO_PKG_VERSION"),
        "scheme": meta.scheme.id,
        "scheme_files": scheme_files,
        "scheme_sha256": crate::scheme::scheme_sha256_of(meta.scheme.sources.iter().map(|s| s.sha256.as_str())),
        "as_of": meta.periods.as_of.to_string(),
        "window": {
            "quarters": meta.periods.quarters.iter().map(std::string::ToString::to_string).collect::<Vec<_>>(),
            "halves": meta.periods.halves.iter().map(std::string::ToString::to_string).collect::<Vec<_>>(),
        },
        "inputs": inputs,
    });
    // Only a placement run says so: an ordinary run's meta is as it was.
    if meta.placement {
        value["placement"] = json!({"tenure": meta.scheme.placement.tenure.name()});
    }
    value
}

pub fn summary_value(summary: &Summary) -> Value {
    let mut by_status = Map::new();
    for (status, n) in &summary.by_status {
        by_status.insert(status.as_str().into(), (*n).into());
    }
    json!({"total": summary.total, "by_status": by_status})
}

/// Pretty JSON of `value`, every line after the first indented by `indent` spaces.
fn pretty_indented(value: &Value, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("JSON values always serialize");
    text.replace('\n', &format!("\n{}", " ".repeat(indent)))
}

/// The `json` document, written in three steps; the same bytes as
/// `serde_json::to_writer_pretty` of the whole document.
pub struct JsonDocument {
    records: usize,
}

impl JsonDocument {
    pub fn begin(meta: &Meta, out: &mut dyn Write) -> io::Result<JsonDocument> {
        write!(out, "{{\n  \"meta\": {},\n  \"results\": [", pretty_indented(&meta_value(meta), 2))?;
        Ok(JsonDocument { records: 0 })
    }

    /// One result as it sits in the document's list (without the separator).
    pub fn record_text(r: &ResultRecord) -> String {
        let text = serde_json::to_string_pretty(&RecordJson::new(r)).expect("a result always serializes");
        text.replace('\n', "\n    ")
    }

    /// Writes a result made by [`JsonDocument::record_text`].
    pub fn record_prepared(&mut self, text: &[u8], out: &mut dyn Write) -> io::Result<()> {
        let sep = if self.records == 0 { "" } else { "," };
        self.records += 1;
        write!(out, "{sep}\n    ")?;
        out.write_all(text)
    }

    pub fn end(self, summary: &Summary, out: &mut dyn Write) -> io::Result<()> {
        if self.records > 0 {
            write!(out, "\n  ")?;
        }
        writeln!(out, "],\n  \"summary\": {}\n}}", pretty_indented(&summary_value(summary), 2))
    }
}

/// Appends one result as an `ndjson` line: the bytes `serde_json` writes
/// for it (a property test holds them to that), written by hand because
/// this runs once per employee and serde_json's numbers (arbitrary
/// precision: each one a string) cost a fifth of a batch evaluation.
pub fn write_ndjson_record(r: &ResultRecord, out: &mut Vec<u8>) -> io::Result<()> {
    // `,"key":` as one constant: a third of the copies a record makes.
    macro_rules! key {
        ($key:literal) => {
            out.extend_from_slice(concat!(",\"", $key, "\":").as_bytes())
        };
    }
    out.extend_from_slice(b"{\"id\":");
    push_string(&r.id, out);
    key!("name");
    push_string(&r.name, out);
    key!("sequence");
    push_string(&r.sequence, out);
    key!("grade");
    push_string(&r.grade, out);
    key!("position");
    push_string(&r.position, out);
    key!("kpi");
    push_figure(r.kpi, out);
    key!("kpi_quarters");
    push_count(r.kpi_quarters, out);
    key!("competency");
    push_figure(r.competency, out);
    key!("competency_halves");
    push_count(r.competency_halves, out);
    key!("competency_pct");
    push_figure(r.competency_pct, out);
    key!("composite");
    push_figure(r.composite, out);
    key!("band");
    push_optional(r.band.as_deref(), out);
    key!("calibrated_band");
    push_optional(r.calibrated_band.as_deref(), out);
    key!("rank_pct");
    push_figure(r.rank_pct, out);
    key!("rank");
    push_count(r.rank, out);
    key!("cohort_size");
    push_count(r.cohort_size, out);
    key!("status");
    push_string(r.status.as_str(), out);
    key!("recommended_grade");
    push_optional(r.recommended_grade.as_deref(), out);
    key!("next_grade");
    push_optional(r.next_grade.as_deref(), out);
    key!("eligible_on");
    push_optional(r.eligible_on.as_deref(), out);
    key!("unmet");
    push_strings(&r.unmet, out);
    key!("alternatives");
    push_strings(&r.alternatives, out);
    key!("quota_position");
    push_count(r.quota_position, out);
    key!("errors");
    push_strings(&r.errors, out);
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// A JSON array of strings.
fn push_strings<S: AsRef<str>>(list: &[S], out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_string(item.as_ref(), out);
    }
    out.push(b']');
}

fn push_figure(d: Option<Decimal>, out: &mut Vec<u8>) {
    match d {
        Some(d) => append_figure(d, out),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_count(n: Option<usize>, out: &mut Vec<u8>) {
    match n {
        Some(n) => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
}

fn push_optional(text: Option<&str>, out: &mut Vec<u8>) {
    match text {
        Some(t) => push_string(t, out),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string escaped as serde_json escapes it: `"` and `\\`, control
/// characters as `\n`-style or `\u00xx` escapes, everything else as it is.
fn push_string(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = text.as_bytes();
    use crate::input::swar::{any, below, equal};
    if !any(bytes, b'a', |w| equal(w, b'"') | equal(w, b'\\') | below(w, 0x20)) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut plain = 0; // start of the run not yet written
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0x00..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[plain..i]);
        plain = i + 1;
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
        } else {
            out.extend_from_slice(escape);
        }
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::{pretty_indented, write_ndjson_record, RecordJson};
    use crate::decision::Status;
    use crate::report::ResultRecord;
    use proptest::prelude::*;
    use rust_decimal::Decimal;
    use serde_json::json;

    fn text() -> impl Strategy<Value = String> {
        "[a-z\"\\\\/\u{0}-\u{1f}\u{7f}张 ]{0,8}"
    }

    fn figure() -> impl Strategy<Value = Option<Decimal>> {
        proptest::option::of((-100_000i64..100_000, 0u32..4).prop_map(|(m, scale)| Decimal::new(m, scale)))
    }

    prop_compose! {
        fn record()(
            texts in proptest::collection::vec(text(), 5),
            optional in proptest::collection::vec(proptest::option::of(text()), 5),
            figures in proptest::collection::vec(figure(), 5),
            counts in proptest::collection::vec(proptest::option::of(0usize..100_000), 5),
            lists in proptest::collection::vec(proptest::collection::vec(text(), 0..3), 3),
            status in proptest::sample::select(Status::ALL.to_vec()),
        ) -> ResultRecord<'static> {
            ResultRecord {
                id: texts[0].clone(),
                name: texts[1].clone(),
                sequence: texts[2].clone().into(),
                grade: texts[3].clone().into(),
                position: texts[4].clone().into(),
                kpi: figures[0],
                kpi_quarters: counts[0],
                competency: figures[1],
                competency_halves: counts[1],
                competency_pct: figures[2],
                composite: figures[3],
                band: optional[0].clone().map(Into::into),
                calibrated_band: optional[4].clone().map(Into::into),
                rank_pct: figures[4],
                rank: counts[2],
                cohort_size: counts[3],
                status,
                recommended_grade: optional[1].clone().map(Into::into),
                next_grade: optional[2].clone().map(Into::into),
                eligible_on: optional[3].clone(),
                unmet: lists[0].clone(),
                alternatives: lists[1].iter().cloned().map(Into::into).collect(),
                quota_position: counts[4],
                errors: lists[2].clone(),
                demoted_by: Vec::new(),
            }
        }
    }

    proptest! {
        /// An ndjson line is what serde_json writes for the record.
        #[test]
        fn ndjson_lines_are_what_serde_json_writes(r in record()) {
            let mut expected = serde_json::to_string(&RecordJson::new(&r)).unwrap();
            expected.push('\n');
            let mut written = Vec::new();
            write_ndjson_record(&r, &mut written).unwrap();
            prop_assert_eq!(String::from_utf8(written).unwrap(), expected);
        }
    }

    #[test]
    fn indenting_matches_nested_pretty_printing() {
        let inner = json!({"a": [1, 2], "b": {"c": null}});
        let whole = serde_json::to_string_pretty(&json!({"x": [inner.clone()]})).unwrap();
        let built = format!("{{\n  \"x\": [\n    {}\n  ]\n}}", pretty_indented(&inner, 4));
        assert_eq!(whole, built);
    }
}
