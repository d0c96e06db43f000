//! `table`: a readable table (CJK-aligned by comfy-table) and a summary.

use super::{Meta, ResultRecord, Summary};
use crate::decide::Status;
use crate::exact::format_figure_fixed;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Color, ContentArrangement, Table};
use rust_decimal::Decimal;
use std::io::Write;

/// The widest text a table cell shows: a table is for reading, and comfy-table
/// would spend minutes laying out a 10 MB cell.
const CELL_CHARS: usize = 200;

/// A cell's text, each line cut to [`CELL_CHARS`] and at most 40 lines.
fn cut(text: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .take(40)
        .map(|l| match l.char_indices().nth(CELL_CHARS) {
            None => l.to_string(),
            Some((at, _)) => format!("{}… ({} characters)", &l[..at], l.chars().count()),
        })
        .collect();
    if text.lines().nth(40).is_some() {
        lines.push(format!("… ({} lines)", text.lines().count()));
    }
    lines.join("\n")
}

fn figure(d: Option<Decimal>) -> String {
    d.map(format_figure_fixed).unwrap_or_else(|| "—".into())
}

fn status_color(s: Status) -> Color {
    match s {
        Status::Promote => Color::Green,
        Status::Hold => Color::Reset,
        Status::Top => Color::Cyan,
        Status::Demote => Color::Yellow,
        Status::Error => Color::Red,
    }
}

pub fn write_table(meta: &Meta, records: &[ResultRecord], summary: &Summary, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
    if !color {
        table.force_no_tty();
    }
    table.set_header([
        "id",
        "name",
        "grade",
        "kpi",
        "competency",
        "composite",
        "band",
        "rank_pct",
        "status",
        "recommended",
        "eligible_on",
        "why",
    ]);
    for r in records {
        let mut why: Vec<String> = r.errors.clone();
        why.extend(r.demoted_by.iter().map(|d| format!("demotion: {d}")));
        why.extend(r.unmet.iter().cloned());
        if !r.alternatives.is_empty() {
            why.push(format!("bridge open to: {}", r.alternatives.join(", ")));
        }
        let mut status = Cell::new(r.status.as_str());
        if color {
            status = status.fg(status_color(r.status));
        }
        table.add_row(vec![
            Cell::new(cut(&r.id)),
            Cell::new(cut(&r.name)),
            Cell::new(cut(&r.grade)),
            Cell::new(figure(r.kpi)),
            Cell::new(figure(r.competency)),
            Cell::new(figure(r.composite)),
            Cell::new(r.band.as_deref().unwrap_or("—")),
            Cell::new(figure(r.rank_pct)),
            status,
            Cell::new(cut(r.recommended_grade.as_deref().unwrap_or("—"))),
            Cell::new(r.eligible_on.as_deref().unwrap_or("")),
            Cell::new(cut(&why.join("\n"))),
        ]);
    }
    writeln!(
        out,
        "{} ({}) · as of {} · quarters {} · halves {}",
        meta.scheme.title,
        meta.scheme.id,
        meta.periods.as_of,
        meta.periods.quarters.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" "),
        meta.periods.halves.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" "),
    )?;
    writeln!(out, "{table}")?;
    let counts: Vec<String> = summary.by_status.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{} {n}", s.as_str())).collect();
    writeln!(out, "{} employees: {}", summary.total, if counts.is_empty() { "none".into() } else { counts.join(", ") })
}
