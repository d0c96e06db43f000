//! The report of `diff`, written as it is found: table (a line per
//! employee, then the summary), csv (a row per changed field) or json.

use super::read::Record;
use super::{Change, DiffFormat, Summary, Verdict};
use crate::report::csv_out::{csv_writer, spreadsheet_safe};
use serde_json::{json, Number, Value};
use std::io::{self, Write};
use std::str::FromStr;

pub struct Writer<'o> {
    format: DiffFormat,
    out: &'o mut dyn Write,
    /// json: items written in the open list; which list is open.
    items: u64,
    list: Option<&'static str>,
}

/// An employee's key as shown: the id, and which occurrence when the id repeats in a file.
fn shown_id(r: &Record) -> String {
    if r.occurrence == 0 {
        r.id.to_string()
    } else {
        format!("{} (occurrence {})", r.id, r.occurrence + 1)
    }
}

/// A value as JSON: blank is null, a number stays a number.
fn json_value(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    match Number::from_str(text) {
        Ok(n) if text.parse::<f64>().is_ok() && !text.starts_with('+') => Value::Number(n),
        _ => Value::String(text.to_string()),
    }
}

fn blank(text: &str) -> &str {
    if text.is_empty() {
        "(blank)"
    } else {
        text
    }
}

impl<'o> Writer<'o> {
    pub fn begin(format: DiffFormat, out: &'o mut dyn Write) -> io::Result<Writer<'o>> {
        match format {
            DiffFormat::Csv => {
                let mut w = csv_writer(&mut *out);
                w.write_record(["id", "field", "old", "new"])?;
                w.flush()?;
            }
            DiffFormat::Json => write!(out, "{{")?,
            DiffFormat::Table => {}
        }
        Ok(Writer { format, out, items: 0, list: None })
    }

    /// json: opens `list` if it is not the one open, then separates the item.
    fn json_item(&mut self, list: &'static str) -> io::Result<()> {
        if self.list != Some(list) {
            if self.list.is_some() {
                write!(self.out, "\n  ],")?;
            }
            write!(self.out, "\n  \"{list}\": [")?;
            self.list = Some(list);
            self.items = 0;
        }
        let sep = if self.items == 0 { "" } else { "," };
        self.items += 1;
        write!(self.out, "{sep}\n    ")
    }

    fn csv_rows(&mut self, rows: &[[&str; 4]]) -> io::Result<()> {
        let mut w = csv_writer(&mut *self.out);
        for row in rows {
            w.write_record(row.iter().map(|c| spreadsheet_safe(c).into_owned()))?;
        }
        w.flush()
    }

    pub fn changed(&mut self, r: &Record, changes: &[Change]) -> io::Result<()> {
        let id = shown_id(r);
        match self.format {
            DiffFormat::Table => {
                let parts: Vec<String> = changes.iter().map(|c| format!("{} {} → {}", c.field, blank(c.old), blank(c.new))).collect();
                writeln!(self.out, "~ {id}: {}", parts.join("; "))
            }
            DiffFormat::Csv => {
                let rows: Vec<[&str; 4]> = changes.iter().map(|c| [id.as_str(), c.field, c.old, c.new]).collect();
                self.csv_rows(&rows)
            }
            DiffFormat::Json => {
                self.json_item("changed")?;
                let list: Vec<Value> =
                    changes.iter().map(|c| json!({"field": c.field, "old": json_value(c.old), "new": json_value(c.new)})).collect();
                let v = json!({"id": &*r.id, "occurrence": r.occurrence + 1, "changes": list});
                write!(self.out, "{}", serde_json::to_string(&v).map_err(io::Error::other)?)
            }
        }
    }

    fn one_side(&mut self, r: &Record, status: &str, removed: bool) -> io::Result<()> {
        let id = shown_id(r);
        let (sign, word, list) = if removed { ("-", "removed", "removed") } else { ("+", "added", "added") };
        match self.format {
            DiffFormat::Table => {
                let run = if removed { "OLD" } else { "NEW" };
                writeln!(self.out, "{sign} {id}: {word} (only in {run}; status {})", blank(status))
            }
            DiffFormat::Csv => {
                let marker = if removed { "(removed)" } else { "(added)" };
                let (old, new) = if removed { (status, "") } else { ("", status) };
                self.csv_rows(&[[id.as_str(), marker, old, new]])
            }
            DiffFormat::Json => {
                self.json_item(list)?;
                let v = json!({"id": &*r.id, "occurrence": r.occurrence + 1, "status": json_value(status)});
                write!(self.out, "{}", serde_json::to_string(&v).map_err(io::Error::other)?)
            }
        }
    }

    pub fn removed(&mut self, r: &Record, status: &str) -> io::Result<()> {
        self.one_side(r, status, true)
    }

    pub fn added(&mut self, r: &Record, status: &str) -> io::Result<()> {
        self.one_side(r, status, false)
    }

    pub fn end(self, s: &Summary) -> io::Result<()> {
        match self.format {
            DiffFormat::Table => {
                if s.changed + s.added + s.removed > 0 {
                    writeln!(self.out)?;
                }
                for line in summary_lines(s) {
                    writeln!(self.out, "{line}")?;
                }
                Ok(())
            }
            // csv holds the rows only; the summary goes where diagnostics go.
            DiffFormat::Csv => {
                for line in summary_lines(s) {
                    eprintln!("{line}");
                }
                Ok(())
            }
            DiffFormat::Json => {
                if self.list.is_some() {
                    write!(self.out, "\n  ],")?;
                }
                let text = serde_json::to_string_pretty(&summary_json(s)).map_err(io::Error::other)?;
                writeln!(self.out, "\n  \"summary\": {}\n}}", text.replace('\n', "\n  "))
            }
        }
    }
}

fn verdict_json(v: &Verdict) -> Value {
    match v {
        Verdict::Same(value) => json!({"changed": false, "old": value, "new": value}),
        Verdict::Changed(a, b) => json!({"changed": true, "old": a, "new": b}),
        Verdict::Unknown(why) => json!({"changed": null, "unknown": why}),
    }
}

fn summary_json(s: &Summary) -> Value {
    let file = |f: &super::FileFacts| json!({"path": f.path, "format": f.kind.map(super::read::Kind::as_str)});
    json!({
        "changed": s.changed,
        "unchanged": s.unchanged,
        "added": s.added,
        "removed": s.removed,
        "decisions_moved": s.decisions_moved,
        "old": file(&s.old),
        "new": file(&s.new),
        "scheme": verdict_json(&s.scheme()),
        "scheme_id": verdict_json(&s.scheme_ids()),
        "inputs": verdict_json(&s.inputs()),
        "as_of": verdict_json(&s.as_of()),
        "fields_only_in_old": s.fields_only_in_old,
        "fields_only_in_new": s.fields_only_in_new,
    })
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The summary as lines of text (table, and stderr under csv).
fn summary_lines(s: &Summary) -> Vec<String> {
    let mut lines = Vec::new();
    lines.push(format!(
        "changed {}, unchanged {}, added {}, removed {} ({} with a different status or recommended grade, or in one run only)",
        s.changed, s.unchanged, s.added, s.removed, s.decisions_moved
    ));
    let scheme = match (s.scheme(), s.scheme_ids()) {
        (Verdict::Same(h), _) => format!("scheme: unchanged (sha256 {}…)", short(&h)),
        (Verdict::Changed(a, b), Verdict::Same(id)) => format!("scheme: changed ({id}: sha256 {}… → {}…)", short(&a), short(&b)),
        (Verdict::Changed(a, b), Verdict::Changed(x, y)) => {
            format!("scheme: changed ({x} → {y}: sha256 {}… → {}…)", short(&a), short(&b))
        }
        (Verdict::Changed(a, b), Verdict::Unknown(_)) => format!("scheme: changed (sha256 {}… → {}…)", short(&a), short(&b)),
        (Verdict::Unknown(why), _) => format!("scheme: cannot tell ({why})"),
    };
    lines.push(scheme);
    lines.push(match s.inputs() {
        Verdict::Same(_) => "inputs: unchanged (same SHA-256)".to_string(),
        Verdict::Changed(..) => "inputs: changed (different SHA-256)".to_string(),
        Verdict::Unknown(why) => format!("inputs: cannot tell ({why})"),
    });
    match s.as_of() {
        Verdict::Same(d) => lines.push(format!("as of: {d} in both")),
        Verdict::Changed(a, b) => lines.push(format!("as of: {a} → {b}")),
        Verdict::Unknown(_) => {}
    }
    if !s.fields_only_in_old.is_empty() {
        lines.push(format!("fields only in OLD (not compared): {}", s.fields_only_in_old.join(", ")));
    }
    if !s.fields_only_in_new.is_empty() {
        lines.push(format!("fields only in NEW (not compared): {}", s.fields_only_in_new.join(", ")));
    }
    lines
}
