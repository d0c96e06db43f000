//! One employee in detail: `explain` (everything behind a decision) and
//! `what-if` (the decision before and after changes to the row). What both
//! print — the format choice, the record and meta as JSON, the text tables,
//! finding the employee — lives here, so neither borrows from the other.

pub mod explain;
pub mod scanned;
pub mod what_if;

use crate::batch::memory::Evaluation;
use crate::report::ResultRecord;
use chrono::NaiveDate;
use serde_json::Value;
use std::io::Write;

/// How `explain` and `what-if` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DetailFormat {
    /// Text for reading
    #[default]
    Text,
    /// One JSON document with the same content
    Json,
}

/// Prints a one-employee document (explain, what-if) as text or as JSON.
pub fn write_detail(
    format: DetailFormat,
    out: &mut dyn Write,
    json: impl FnOnce() -> Value,
    text: impl FnOnce(&mut String) -> std::fmt::Result,
) -> std::io::Result<()> {
    match format {
        DetailFormat::Json => write_json(out, &json()),
        DetailFormat::Text => write_text(out, text),
    }
}

/// A detail's json, pretty, with a line end.
pub fn write_json(out: &mut dyn Write, json: &Value) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, json)?;
    writeln!(out)
}

/// A detail's text, as `text` writes it.
pub fn write_text(out: &mut dyn Write, text: impl FnOnce(&mut String) -> std::fmt::Result) -> std::io::Result<()> {
    let mut s = String::new();
    text(&mut s).expect("writing to a String cannot fail");
    // Cells of the file are in this text: never raw controls on a terminal.
    out.write_all(crate::terminal::safe(&s).as_bytes())
}

/// Finds the employee's row: the first row with that id (a later row with the
/// same id is a duplicate, in error).
pub fn find(evaluation: &Evaluation, id: &str) -> Option<usize> {
    evaluation.outcomes.iter().position(|o| o.row.id == id)
}

pub fn unknown_id(evaluation: &Evaluation, id: &str, display: &str) -> String {
    let ids: Vec<&str> = evaluation.outcomes.iter().map(|o| o.row.id.as_str()).filter(|i| !i.is_empty()).collect();
    let close = ids.iter().copied().find(|i| is_close(i, id));
    unknown_id_among(id, display, ids.len(), close, ids.first().copied(), ids.last().copied())
}

pub use crate::batch::scan::is_close;

/// [`unknown_id`] from what a scan kept of the ids: how many rows have one,
/// the first close to `id`, the first and the last.
pub fn unknown_id_among(id: &str, display: &str, count: usize, close: Option<&str>, first: Option<&str>, last: Option<&str>) -> String {
    let hint = match (close, first, last) {
        (Some(c), _, _) => format!("; did you mean `{c}`?"),
        (None, Some(first), Some(last)) => format!(" ({count} employees, ids {first} … {last})"),
        _ => " (the file has no employee rows)".into(),
    };
    format!("{display}: no employee with id `{id}`{hint}")
}

pub fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

pub fn date_value(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

/// The SPEC §6 result fields of a record, as `evaluate --format json` prints
/// them: the one record serialiser of `report::json`.
pub fn record_value(r: &ResultRecord) -> Value {
    crate::report::json::record_value(r)
}

/// Tool, scheme, as-of date, window and inputs, so a review can be reproduced:
/// the one `meta` of `report::json`, as `evaluate --format json` prints it.
pub fn meta_value(e: &Evaluation) -> Value {
    crate::report::json::meta_value(&crate::report::Meta {
        scheme: e.scheme,
        periods: &e.periods,
        inputs: e.inputs.clone(),
        placement: e.layout.placement.is_some(),
    })
}

/// A borderless table for the text reports (CJK-aware column widths).
pub fn plain_table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(header.iter().copied());
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    t
}

/// Indents every line, and drops trailing spaces.
pub fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines().map(|l| format!("{pad}{}", l.trim_end())).collect::<Vec<_>>().join("\n")
}
