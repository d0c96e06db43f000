//! `json` (one document with meta, results and summary) and `ndjson` (one
//! result per line). Figures are JSON numbers with at most 2 decimals. Both
//! are written record by record, so a million results never sit in memory.

use super::{Meta, ResultRecord, Summary};
use crate::exact::FigureText;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{json, Map, Number, Value};
use std::io::{self, Write};
use std::str::FromStr;

/// A figure as a JSON number with at most 2 decimals.
fn figure_number(d: Decimal) -> Number {
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
    rank_pct: Option<Number>,
    status: &'static str,
    recommended_grade: Option<&'a str>,
    next_grade: Option<&'a str>,
    eligible_on: Option<&'a str>,
    unmet: &'a [String],
    alternatives: &'a [String],
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
            rank_pct: figure(r.rank_pct),
            status: r.status.as_str(),
            recommended_grade: r.recommended_grade.as_deref(),
            next_grade: r.next_grade.as_deref(),
            eligible_on: r.eligible_on.as_deref(),
            unmet: &r.unmet,
            alternatives: &r.alternatives,
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
    json!({
        "tool": "ladder",
        "version": env!("CARGO_PKG_VERSION"),
        "scheme": meta.scheme.id,
        "scheme_files": scheme_files,
        "as_of": meta.periods.as_of.to_string(),
        "window": {
            "quarters": meta.periods.quarters.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "halves": meta.periods.halves.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        },
        "inputs": inputs,
    })
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

pub fn write_ndjson_record(r: &ResultRecord, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &RecordJson::new(r))?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::pretty_indented;
    use serde_json::json;

    #[test]
    fn indenting_matches_nested_pretty_printing() {
        let inner = json!({"a": [1, 2], "b": {"c": null}});
        let whole = serde_json::to_string_pretty(&json!({"x": [inner.clone()]})).unwrap();
        let built = format!("{{\n  \"x\": [\n    {}\n  ]\n}}", pretty_indented(&inner, 4));
        assert_eq!(whole, built);
    }
}
