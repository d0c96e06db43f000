//! `table`: a readable table (CJK-aligned by comfy-table) and a summary,
//! labelled in English or Chinese (`--lang`).

use super::{Meta, ResultRecord, Summary};
use crate::decision::Status;
use crate::exact::format_figure_fixed;
use crate::report::i18n::{Label, Lang};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, Color, ColumnConstraint, ContentArrangement, Table};
use rust_decimal::Decimal;
use std::io::Write;

/// The widest text a table cell shows: a table is for reading, and comfy-table
/// would spend minutes laying out a 10 MB cell.
const CELL_CHARS: usize = 200;

/// The most results a table shows; the rest are counted in the summary and
/// a closing note (a terminal cannot be read past this, and drawing a
/// million rows would hold them all in memory).
pub const TABLE_ROWS: usize = 10_000;

/// The note under a table that left results out.
pub fn write_left_out(left_out: u64, out: &mut dyn Write) -> std::io::Result<()> {
    if left_out == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "… and {left_out} more results not shown: a table shows the first {TABLE_ROWS}; use --format csv (or json, ndjson) or --output FILE for all of them"
    )
}

/// A cell's text, each line cut to [`CELL_CHARS`] and at most 40 lines.
fn cut(text: &str) -> String {
    let mut lines: Vec<String> = text
        .lines()
        .take(40)
        .map(|l| match l.char_indices().nth(CELL_CHARS) {
            None => crate::terminal::safe(l).into_owned(),
            Some((at, _)) => format!("{}… ({} characters)", crate::terminal::safe(&l[..at]), l.chars().count()),
        })
        .collect();
    if text.lines().nth(40).is_some() {
        lines.push(format!("… ({} lines)", text.lines().count()));
    }
    lines.join("\n")
}

fn figure(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".into(), format_figure_fixed)
}

fn status_color(s: Status) -> Color {
    match s {
        Status::Promote => Color::Green,
        Status::Hold => Color::Reset,
        Status::Top => Color::Cyan,
        Status::Demote => Color::Yellow,
        Status::Error => Color::Red,
        Status::Place => Color::Blue,
    }
}

/// The columns of the table, in order.
const COLUMNS: [Label; 12] = [
    Label::Id,
    Label::Name,
    Label::Grade,
    Label::Kpi,
    Label::Competency,
    Label::Composite,
    Label::Band,
    Label::RankPct,
    Label::Status,
    Label::Recommended,
    Label::EligibleOn,
    Label::Why,
];

/// The band, and where a `distribution` moves it the calibrated band
/// (`A → C`): the two figures a committee compares.
pub fn band_text(r: &ResultRecord) -> Option<String> {
    let band = r.band.as_deref()?;
    Some(match r.calibrated_band.as_deref() {
        Some(c) if c != band => format!("{band} → {c}"),
        _ => band.to_string(),
    })
}

/// The lines of the `why` column: errors, demotion reasons, unmet tests, open
/// bridges. A promotion over a bridge reads as one (`→ M1 (bridge)`): the
/// tests of the grade above it did not block it, so they are not listed.
pub fn why(r: &ResultRecord, lang: Lang, scheme: &crate::scheme::Scheme) -> Vec<String> {
    let mut why: Vec<String> = r.errors.clone();
    why.extend(r.demoted_by.iter().map(|d| format!("{}: {d}", lang.demotion())));
    let bridged = match (&r.recommended_grade, r.status) {
        (Some(target), Status::Promote) if r.next_grade.as_ref() != Some(target) => Some(target),
        _ => None,
    };
    match bridged {
        Some(target) => why.push(format!("→ {} ({})", lang.grade(scheme, target), lang.bridge())),
        None => why.extend(r.unmet.iter().cloned()),
    }
    let open: Vec<&str> =
        r.alternatives.iter().map(std::convert::AsRef::as_ref).filter(|a| Some(*a) != bridged.map(std::convert::AsRef::as_ref)).collect();
    if !open.is_empty() {
        why.push(format!("{}: {}", lang.bridge_open(), lang.grades(scheme, &open)));
    }
    why
}

/// The narrowest width a table is fitted to: below it, wrapping the reasons
/// to a few characters helps no one.
const MIN_WIDTH: u16 = 40;

/// The width of the terminal on stdout: `COLUMNS` when set to a number (as
/// `COLUMNS=100 ladder …` asks), else what the terminal says; None when
/// stdout is no terminal (comfy-table asks it through crossterm).
pub fn terminal_width() -> Option<u16> {
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<u16>().ok()).filter(|c| *c > 0);
    // A terminal that reports no size (0 columns, as a bare pseudo-terminal may) gets no wrapping.
    columns.or_else(|| Table::new().width().filter(|w| *w > 0)).map(|w| w.max(MIN_WIDTH))
}

/// `width`: the terminal's (see [`terminal_width`]); the `why` column wraps to
/// fit it and no other column does (a figure is never cut). None: no wrapping.
pub fn write_table(
    meta: &Meta,
    records: &[ResultRecord],
    summary: &Summary,
    out: &mut dyn Write,
    color: bool,
    lang: Lang,
    width: Option<u16>,
) -> std::io::Result<()> {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Disabled);
    if !color {
        table.force_no_tty();
    }
    table.set_header(COLUMNS.map(|c| lang.label(c)));
    for r in records {
        let why = why(r, lang, meta.scheme);
        let mut status = Cell::new(lang.status(r.status));
        if color {
            status = status.fg(status_color(r.status));
        }
        table.add_row(vec![
            Cell::new(cut(&r.id)),
            Cell::new(cut(&r.name)),
            Cell::new(cut(lang.grade(meta.scheme, &r.grade))),
            Cell::new(figure(r.kpi)),
            Cell::new(figure(r.competency)),
            Cell::new(figure(r.composite)),
            Cell::new(cut(&band_text(r).unwrap_or_else(|| "—".into()))),
            Cell::new(figure(r.rank_pct)),
            status,
            Cell::new(cut(r.recommended_grade.as_deref().map_or("—", |g| lang.grade(meta.scheme, g)))),
            Cell::new(r.eligible_on.as_deref().unwrap_or("")),
            Cell::new(cut(&why.join("\n"))),
        ]);
    }
    if let Some(width) = width {
        table.set_width(width).set_content_arrangement(ContentArrangement::Dynamic);
        let why = COLUMNS.len() - 1;
        for (i, column) in table.column_iter_mut().enumerate() {
            if i != why {
                column.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
    }
    let quarters = meta.periods.quarters.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(" ");
    let halves = meta.periods.halves.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(" ");
    let title = lang.title_line(&meta.scheme.title, &meta.scheme.id, &meta.periods.as_of.to_string(), &quarters, &halves);
    writeln!(out, "{}", crate::terminal::safe(&title))?;
    writeln!(out, "{table}")?;
    let line = match summary.evaluated {
        Some(evaluated) => lang.summary_line_of(summary.total, evaluated, &summary.by_status),
        None => lang.summary_line(summary.total, &summary.by_status),
    };
    writeln!(out, "{line}")
}
