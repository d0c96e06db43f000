//! `xlsx`: the workbook an analyst hands to the committee (SPEC §6). A
//! `results` sheet with exactly the result fields (figures as numbers,
//! dates as dates, lists joined with `; `, null as an empty cell, frozen
//! header, filters, status coloured), a `summary` sheet (counts by status,
//! and by grade and status, as the html report) and a `meta` sheet (what
//! json's `meta` holds), and with a `distribution` a `calibration` sheet
//! (SPEC §8.5, as `ladder calibrate` computes it, with charts). Results are
//! written row by row in rust_xlsxwriter's constant-memory mode, so a big
//! batch never sits in memory (but with a `distribution`, `evaluate`
//! evaluates in memory to group the cohorts, see `cmd::evaluate`).
//!
//! The results sheet is written from the json form of each record, field by
//! field in [`FIELDS`] order: a field added to the record reaches the
//! workbook with the same value the json output gives it. With `--lang zh`
//! the workbook is for reading in Chinese: the results sheet's header and
//! status words are Chinese, grades, positions and sequences are shown by
//! their titles (the reasons come in Chinese from the decision itself).

use super::i18n::{Label, Lang};
use super::{json, Meta, ResultRecord, Summary, FIELDS};
use crate::decision::Status;
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format as CellFormat, FormatBorder, Workbook, Worksheet, XlsxError};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{self, Seek, Write};
use unicode_width::UnicodeWidthStr;

/// Fields whose text is a date (`YYYY-MM-DD`): written as Excel dates.
const DATE_FIELDS: [&str; 1] = ["eligible_on"];
/// The most characters an Excel cell holds.
const CELL_CHARS: usize = 32_767;
/// The rows of a sheet, the header included.
const SHEET_ROWS: u32 = 1_048_576;
/// The widest column the results sheet sets (in character widths): a long
/// list of reasons should not push the other columns off the screen.
const MAX_WIDTH: usize = 60;
const DATE_FORMAT: &str = "yyyy-mm-dd";

fn xlsx_error(e: XlsxError) -> io::Error {
    io::Error::other(format!("cannot write the workbook: {e}"))
}

/// The formats of the cells, made once.
struct Formats {
    header: CellFormat,
    decimal: CellFormat,
    date: CellFormat,
    promote: CellFormat,
    demote: CellFormat,
    error: CellFormat,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: CellFormat::new().set_bold().set_border_bottom(FormatBorder::Thin),
            decimal: CellFormat::new().set_num_format("0.00"),
            date: CellFormat::new().set_num_format(DATE_FORMAT),
            // Excel's own "Good", "Bad" and an orange for rows in error.
            promote: CellFormat::new().set_background_color(Color::RGB(0xC6EFCE)).set_font_color(Color::RGB(0x006100)),
            demote: CellFormat::new().set_background_color(Color::RGB(0xFFC7CE)).set_font_color(Color::RGB(0x9C0006)),
            error: CellFormat::new().set_background_color(Color::RGB(0xFCE4D6)).set_font_color(Color::RGB(0x833C0B)),
        }
    }

    /// The colour of a status cell; hold, top and others stay neutral.
    fn status(&self, status: &str) -> Option<&CellFormat> {
        match status {
            "promote" => Some(&self.promote),
            "demote" => Some(&self.demote),
            "error" => Some(&self.error),
            _ => None,
        }
    }
}

/// Results counted by (sequence, grade) and status, as the records name them.
struct GradeCounts {
    /// (sequence, grade, grade title, count per status of [`Status::EVERY`]).
    rows: Vec<(String, String, String, Vec<usize>)>,
    index: HashMap<(String, String), usize>,
}

impl GradeCounts {
    /// The scheme's grades first, in its order; other grade texts as they come.
    fn new(meta: &Meta) -> GradeCounts {
        let mut counts = GradeCounts { rows: Vec::new(), index: HashMap::new() };
        for s in &meta.scheme.sequences {
            for g in &s.grades {
                counts.index.insert((s.id.clone(), g.id.clone()), counts.rows.len());
                counts.rows.push((s.id.clone(), g.id.clone(), g.title.clone(), vec![0; Status::EVERY.len()]));
            }
        }
        counts
    }

    fn add(&mut self, sequence: &str, grade: &str, status: Status) {
        let key = (sequence.to_string(), grade.to_string());
        let i = match self.index.get(&key) {
            Some(i) => *i,
            None => {
                self.rows.push((key.0.clone(), key.1.clone(), String::new(), vec![0; Status::EVERY.len()]));
                self.index.insert(key, self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        if let Some(n) = Status::EVERY.iter().position(|s| *s == status).and_then(|at| self.rows[i].3.get_mut(at)) {
            *n += 1;
        }
    }
}

/// A workbook being written: the results sheet fills row by row.
pub struct XlsxBook {
    workbook: Workbook,
    results: Worksheet,
    formats: Formats,
    /// The next row of the results sheet.
    row: u32,
    /// The widest text of each column so far, in display widths (CJK counts 2).
    widths: Vec<usize>,
    grades: GradeCounts,
    lang: Lang,
}

impl XlsxBook {
    pub fn begin(meta: &Meta, lang: Lang) -> io::Result<XlsxBook> {
        let mut workbook = Workbook::new();
        // Dated the review, not the run: the same inputs give the same bytes.
        let mut properties = DocProperties::new().set_title(&meta.scheme.title).set_company("ladder");
        if let Some(date) = excel_date(&meta.periods.as_of.to_string()) {
            properties = properties.set_creation_datetime(&date);
        }
        workbook.set_properties(&properties);
        let mut results = workbook.new_worksheet_with_constant_memory();
        results.set_name("results").map_err(xlsx_error)?;
        let formats = Formats::new();
        for (col, field) in FIELDS.iter().enumerate() {
            results.write_string_with_format(0, col as u16, lang.field(field), &formats.header).map_err(xlsx_error)?;
        }
        // The filter's drop-down arrow takes about two characters.
        let widths = FIELDS.iter().map(|f| lang.field(f).width() + 2).collect();
        Ok(XlsxBook { workbook, results, formats, row: 1, widths, grades: GradeCounts::new(meta), lang })
    }

    /// One result, as the next row of the results sheet.
    pub fn record(&mut self, r: &ResultRecord, meta: &Meta) -> io::Result<()> {
        if self.row >= SHEET_ROWS {
            return Err(io::Error::other(format!(
                "an xlsx sheet holds at most {} results; use --format csv or ndjson for more",
                SHEET_ROWS - 1
            )));
        }
        // A placement is counted at the grade placed at (the given grade is not read).
        let grade = if r.status == Status::Place { r.recommended_grade.as_deref().unwrap_or(&r.grade) } else { &r.grade };
        self.grades.add(&r.sequence, grade, r.status);
        let mut value = json::record_value(r);
        if self.lang != Lang::En {
            shown_in(&mut value, r, meta, self.lang);
        }
        for (col, field) in FIELDS.iter().enumerate() {
            let width = self.cell(col as u16, field, value.get(field).unwrap_or(&Value::Null))?;
            if let Some(w) = self.widths.get_mut(col) {
                *w = (*w).max(width);
            }
        }
        self.row += 1;
        Ok(())
    }

    /// Writes one field of the current row; returns its display width.
    fn cell(&mut self, col: u16, field: &str, value: &Value) -> io::Result<usize> {
        let (row, sheet, formats) = (self.row, &mut self.results, &self.formats);
        let width = match value {
            Value::Null => 0,
            Value::Bool(b) => {
                sheet.write_boolean(row, col, *b).map_err(xlsx_error)?;
                5
            }
            Value::Number(n) => {
                // The number as json prints it (at most 2 decimals), as the nearest f64.
                let text = n.to_string();
                let number: f64 = text.parse().map_err(|_| io::Error::other(format!("{field}: `{text}` is not a number")))?;
                if text.contains(['.', 'e', 'E']) {
                    sheet.write_number_with_format(row, col, number, &formats.decimal).map_err(xlsx_error)?;
                } else {
                    sheet.write_number(row, col, number).map_err(xlsx_error)?;
                }
                text.len()
            }
            Value::String(text) => {
                let date = DATE_FIELDS.contains(&field).then(|| excel_date(text)).flatten();
                match date {
                    Some(date) => {
                        sheet.write_datetime_with_format(row, col, &date, &formats.date).map_err(xlsx_error)?;
                        DATE_FORMAT.len()
                    }
                    None if field == "status" => {
                        // Coloured by the status, whatever the word shown.
                        let colour = formats.status(text);
                        let word = Status::ALL.iter().find(|s| s.as_str() == text).map_or(text.as_str(), |s| self.lang.status(*s));
                        write_text(sheet, row, col, word, colour)?
                    }
                    None => write_text(sheet, row, col, text, None)?,
                }
            }
            Value::Array(items) => {
                let texts: Vec<String> = items.iter().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
                write_text(sheet, row, col, &texts.join("; "), None)?
            }
            Value::Object(_) => write_text(sheet, row, col, &value.to_string(), None)?,
        };
        Ok(width)
    }

    /// Finishes the results sheet, adds the summary and meta sheets, and
    /// writes the workbook to `out`.
    /// `calibration`: the calibration sheet, added after the summary when the
    /// scheme has a `distribution` (SPEC §8.5).
    pub fn end(
        mut self,
        meta: &Meta,
        summary: &Summary,
        calibration: Option<&crate::batch::calibration::Sheet>,
        lang: Lang,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let last_col = (FIELDS.len() - 1) as u16;
        let results = &mut self.results;
        results.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        results.autofilter(0, 0, self.row - 1, last_col).map_err(xlsx_error)?;
        for (col, width) in self.widths.iter().enumerate() {
            results.set_column_width(col as u16, (*width).min(MAX_WIDTH) as f64 + 1.0).map_err(xlsx_error)?;
        }
        self.workbook.push_worksheet(self.results);
        write_summary(self.workbook.add_worksheet(), meta, summary, &self.grades, lang, &self.formats)?;
        if let Some(sheet) = calibration {
            write_calibration(self.workbook.add_worksheet(), meta, sheet, lang, &self.formats)?;
        }
        write_meta(self.workbook.add_worksheet(), meta, lang, &self.formats)?;
        // Saved to a temporary file (the zip needs to seek), then copied out.
        let mut file = tempfile::tempfile()?;
        self.workbook.save_to_writer(&mut file).map_err(xlsx_error)?;
        file.rewind()?;
        io::copy(&mut file, out)?;
        Ok(())
    }
}

/// The names in a record's json form as `lang` shows them: grades,
/// positions and sequences by their titles.
fn shown_in(value: &mut Value, r: &ResultRecord, meta: &Meta, lang: Lang) {
    let scheme = meta.scheme;
    let mut set = |field: &str, text: &str| {
        if let Some(v) = value.get_mut(field) {
            *v = Value::String(text.to_string());
        }
    };
    set("sequence", lang.sequence(scheme, &r.sequence));
    set("grade", lang.grade(scheme, &r.grade));
    set("position", lang.position(scheme, &r.position));
    if let Some(g) = &r.recommended_grade {
        set("recommended_grade", lang.grade(scheme, g));
    }
    if let Some(g) = &r.next_grade {
        set("next_grade", lang.grade(scheme, g));
    }
    if let Some(v) = value.get_mut("alternatives") {
        *v = Value::Array(r.alternatives.iter().map(|g| Value::String(lang.grade(scheme, g).to_string())).collect());
    }
}

/// `YYYY-MM-DD` as an Excel date, if it is one Excel holds without doubt:
/// from 1900-03-01 (before it, Excel's fictitious 1900-02-29 makes readers
/// disagree by a day); earlier dates stay text.
fn excel_date(text: &str) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    if date < chrono::NaiveDate::from_ymd_opt(1900, 3, 1)? {
        return None;
    }
    ExcelDateTime::from_ymd(u16::try_from(date.year()).ok()?, date.month() as u8, date.day() as u8).ok()
}

/// A text cell, cut to what a cell holds; returns its display width.
fn write_text(sheet: &mut Worksheet, row: u32, col: u16, text: &str, format: Option<&CellFormat>) -> io::Result<usize> {
    let text = cut(text);
    match format {
        Some(f) => sheet.write_string_with_format(row, col, text, f),
        None => sheet.write_string(row, col, text),
    }
    .map_err(xlsx_error)?;
    // The widest line: a cell with line breaks shows them as lines.
    Ok(text.lines().map(UnicodeWidthStr::width).max().unwrap_or(0))
}

/// Text within Excel's limit of characters per cell (kept whole when it fits).
fn cut(text: &str) -> &str {
    match text.char_indices().nth(CELL_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The summary sheet: employees by status, then by grade and status.
fn write_summary(
    sheet: &mut Worksheet,
    meta: &Meta,
    summary: &Summary,
    grades: &GradeCounts,
    lang: Lang,
    formats: &Formats,
) -> io::Result<()> {
    sheet.set_name("summary").map_err(xlsx_error)?;
    let e = xlsx_error;
    let title = lang.title_line(
        &meta.scheme.title,
        &meta.scheme.id,
        &meta.periods.as_of.to_string(),
        &meta.periods.quarters.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(" "),
        &meta.periods.halves.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(" "),
    );
    sheet.write_string_with_format(0, 0, &title, &formats.header).map_err(e)?;
    // By status: rows 3.. (1-based), status word and count, then the total.
    sheet.write_string_with_format(2, 0, lang.label(Label::Status), &formats.header).map_err(e)?;
    sheet.write_string_with_format(2, 1, lang.pick("employees", "人数"), &formats.header).map_err(e)?;
    let mut row = 3u32;
    for (status, n) in &summary.by_status {
        let word = lang.status(*status);
        match formats.status(status.as_str()) {
            Some(f) => sheet.write_string_with_format(row, 0, word, f),
            None => sheet.write_string(row, 0, word),
        }
        .map_err(e)?;
        sheet.write_number(row, 1, *n as f64).map_err(e)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, lang.pick("total", "合计"), &formats.header).map_err(e)?;
    sheet.write_number_with_format(row, 1, summary.total as f64, &formats.header).map_err(e)?;
    // By grade and status, below, as the html report's table: grades with results only.
    row += 2;
    let heads = [lang.label(Label::Sequence), lang.label(Label::Grade), lang.pick("title", "名称")];
    for (col, head) in heads.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *head, &formats.header).map_err(e)?;
    }
    let first_status_col = heads.len() as u16;
    // `place` (the last status) has a column only in a placement's workbook.
    let placing = summary.by_status.iter().any(|(s, n)| *s == Status::Place && *n > 0);
    let shown = if placing { &Status::EVERY[..] } else { &Status::ALL[..] };
    for (i, status) in shown.iter().enumerate() {
        sheet.write_string_with_format(row, first_status_col + i as u16, lang.status(*status), &formats.header).map_err(e)?;
    }
    let total_col = first_status_col + shown.len() as u16;
    sheet.write_string_with_format(row, total_col, lang.pick("total", "合计"), &formats.header).map_err(e)?;
    let mut widths = [10usize, 10, 12];
    for (sequence, grade, title, counts) in &grades.rows {
        let total: usize = counts.iter().sum();
        if total == 0 {
            continue;
        }
        row += 1;
        for (col, text) in [sequence, grade, title].into_iter().enumerate() {
            sheet.write_string(row, col as u16, cut(text)).map_err(e)?;
            widths[col] = widths[col].max(text.width().min(MAX_WIDTH));
        }
        for (i, n) in counts.iter().take(shown.len()).enumerate() {
            sheet.write_number(row, first_status_col + i as u16, *n as f64).map_err(e)?;
        }
        sheet.write_number(row, total_col, total as f64).map_err(e)?;
    }
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *w as f64 + 2.0).map_err(e)?;
    }
    Ok(())
}

/// The meta sheet: what json's `meta` holds, one item a row (files with
/// their SHA-256 in the third column).
fn write_meta(sheet: &mut Worksheet, meta: &Meta, lang: Lang, formats: &Formats) -> io::Result<()> {
    sheet.set_name("meta").map_err(xlsx_error)?;
    let e = xlsx_error;
    let heads = [lang.pick("item", "项目"), lang.pick("value", "内容"), "SHA-256"];
    for (col, head) in heads.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *head, &formats.header).map_err(e)?;
    }
    let join = |periods: Vec<String>| periods.join("; ");
    let mut rows: Vec<(&str, String, Option<&str>)> = vec![
        (lang.pick("tool", "工具"), "ladder".into(), None),
        (lang.pick("version", "版本"), env!("CARGO_PKG_VERSION").into(), None),
        (lang.pick("scheme", "方案"), meta.scheme.id.clone(), None),
        (lang.pick("scheme_title", "方案名称"), meta.scheme.title.clone(), None),
        (lang.pick("as_of", "评估日期"), meta.periods.as_of.to_string(), None),
        (lang.pick("quarters", "考核季度"), join(meta.periods.quarters.iter().map(std::string::ToString::to_string).collect()), None),
        (lang.pick("halves", "评价半年"), join(meta.periods.halves.iter().map(std::string::ToString::to_string).collect()), None),
    ];
    for s in &meta.scheme.sources {
        rows.push((lang.pick("scheme_file", "方案文件"), s.path.clone(), Some(&s.sha256)));
    }
    for (path, sha) in &meta.inputs {
        rows.push((lang.pick("input", "输入文件"), path.clone(), Some(sha)));
    }
    let as_of = lang.pick("as_of", "评估日期");
    let mut widths = [heads[0].width(), 12, 64];
    for (i, (label, value, sha)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, *label).map_err(e)?;
        match (*label == as_of).then(|| excel_date(value)).flatten() {
            Some(date) => sheet.write_datetime_with_format(row, 1, &date, &formats.date),
            None => sheet.write_string(row, 1, cut(value)),
        }
        .map_err(e)?;
        if let Some(sha) = sha {
            sheet.write_string(row, 2, *sha).map_err(e)?;
        }
        widths[0] = widths[0].max(label.width());
        widths[1] = widths[1].max(value.width().min(MAX_WIDTH * 2));
    }
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *w as f64 + 2.0).map_err(e)?;
    }
    Ok(())
}

/// The name of the calibration sheet (charts refer to its cells by it).
pub const CALIBRATION_SHEET: &str = "calibration";
/// Groups drawn as a chart each on the calibration sheet (the table holds every group).
const CALIBRATION_CHARTS: usize = 24;

/// The calibration sheet (SPEC §8.5): what `ladder calibrate --format csv`
/// holds — one row per group and band, the group's fields first, then
/// `head_count`, `forced`, `band`, `target_pct`, `count`, `target`,
/// `difference`, numbers as numbers — from row 3; below it, after an empty
/// row, the totals (the head count in its column, `total` in the band's,
/// then a row per band) and, after another, the employees without a band. Each group
/// (up to [`CALIBRATION_CHARTS`]), and the totals, is drawn to the right as
/// a native column chart, count beside target.
fn write_calibration(
    sheet: &mut Worksheet,
    meta: &Meta,
    calibration: &crate::batch::calibration::Sheet,
    lang: Lang,
    formats: &Formats,
) -> io::Result<()> {
    use crate::batch::calibration::{group_label, BandLine};
    use rust_xlsxwriter::{Chart, ChartType};
    let e = xlsx_error;
    let scheme = meta.scheme;
    let Some(distribution) = &scheme.distribution else { return Ok(()) };
    sheet.set_name(CALIBRATION_SHEET).map_err(e)?;
    let shares: Vec<String> =
        scheme.bands.iter().zip(&distribution.percent).map(|(b, p)| format!("{} {} %", b.id, p.normalize())).collect();
    let title = match lang {
        Lang::En => format!(
            "calibration: distribution {}; cohorts under {} keep their bands; difference = count − target",
            shares.join(" · "),
            distribution.min_cohort
        ),
        Lang::Zh => {
            format!("强制分布校准：分布 {}；不足 {} 人的组保留原档次；差额 = 人数 − 目标", shares.join(" · "), distribution.min_cohort)
        }
    };
    sheet.write_string_with_format(0, 0, &title, &formats.header).map_err(e)?;
    let fields = calibration.fields.len() as u16;
    let heads: Vec<&str> = calibration
        .fields
        .iter()
        .map(String::as_str)
        .chain(["head_count", "forced", "band", "target_pct", "count", "target", "difference"])
        .collect();
    for (col, head) in heads.iter().enumerate() {
        sheet.write_string_with_format(2, col as u16, cut(head), &formats.header).map_err(e)?;
    }
    let (band_col, count_col, target_col) = (fields + 2, fields + 4, fields + 5);
    let mut widths: Vec<usize> = heads.iter().map(|h| h.width()).collect();
    // One band's numbers, from `col` on: target %, count, target, difference.
    let numbers = |sheet: &mut Worksheet, row: u32, col: u16, l: &BandLine| -> io::Result<()> {
        let pct = distribution.percent[l.band].normalize().to_string().parse::<f64>().unwrap_or(0.0);
        sheet.write_number(row, col, pct).map_err(e)?;
        sheet.write_number(row, col + 1, l.count as f64).map_err(e)?;
        sheet.write_number(row, col + 2, l.target as f64).map_err(e)?;
        sheet.write_number(row, col + 3, l.difference() as f64).map_err(e)?;
        Ok(())
    };
    let chart_col = heads.len() as u16 + 1;
    let (chart_w, chart_h) = (360u32, 220u32);
    // Rows a chart covers at the default row height (20 px), and a gap.
    let chart_rows = chart_h / 20 + 1;
    let mut charts = 0u32;
    let mut draw = |sheet: &mut Worksheet, name: &str, first: u32, last: u32| -> io::Result<()> {
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name(name);
        chart.set_width(chart_w).set_height(chart_h);
        for (col, series) in [(target_col, lang.pick("target", "目标")), (count_col, lang.pick("count", "人数"))] {
            chart.add_series().set_name(series).set_categories((CALIBRATION_SHEET, first, band_col, last, band_col)).set_values((
                CALIBRATION_SHEET,
                first,
                col,
                last,
                col,
            ));
        }
        sheet.insert_chart(2 + charts * chart_rows, chart_col, &chart).map_err(e)?;
        charts += 1;
        Ok(())
    };
    let mut row = 3u32;
    for (i, g) in calibration.groups.iter().enumerate() {
        let first = row;
        for l in &g.bands {
            for (col, value) in g.values.iter().enumerate() {
                write_text(sheet, row, col as u16, value, None)?;
                widths[col] = widths[col].max(value.width().min(MAX_WIDTH));
            }
            sheet.write_number(row, fields, g.head_count as f64).map_err(e)?;
            sheet.write_boolean(row, fields + 1, g.forced).map_err(e)?;
            sheet.write_string(row, band_col, &scheme.bands[l.band].id).map_err(e)?;
            numbers(sheet, row, fields + 3, l)?;
            row += 1;
        }
        if i < CALIBRATION_CHARTS && row > first {
            draw(sheet, &group_label(&calibration.fields, &g.values), first, row - 1)?;
        }
    }
    // The totals: band, then the same four numbers, under the band column.
    row += 1;
    sheet.write_number_with_format(row, fields, calibration.head_count() as f64, &formats.header).map_err(e)?;
    sheet.write_string_with_format(row, band_col, lang.pick("total", "合计"), &formats.header).map_err(e)?;
    let first = row + 1;
    for l in calibration.totals(scheme) {
        row += 1;
        sheet.write_string(row, band_col, &scheme.bands[l.band].id).map_err(e)?;
        numbers(sheet, row, fields + 3, &l)?;
    }
    if row >= first {
        draw(sheet, lang.pick("all groups", "全部"), first, row)?;
    }
    row += 2;
    sheet.write_string(row, 0, "unbanded").map_err(e)?;
    sheet.write_number(row, 1, calibration.unbanded as f64).map_err(e)?;
    sheet
        .write_string(
            row,
            2,
            lang.pick(
                "employees without a band (in error, or without a composite): in no group",
                "没有档次的人数（出错或没有综合得分），不计入任何组",
            ),
        )
        .map_err(e)?;
    sheet.set_freeze_panes(3, 0).map_err(e)?;
    for (col, w) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *w as f64 + 2.0).map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{cut, excel_date, CELL_CHARS};

    #[test]
    fn text_is_cut_to_what_a_cell_holds_on_a_character_boundary() {
        assert_eq!(cut("张伟"), "张伟");
        let long = "张".repeat(CELL_CHARS + 5);
        let kept = cut(&long);
        assert_eq!(kept.chars().count(), CELL_CHARS);
        assert!(long.starts_with(kept));
        let exact = "a".repeat(CELL_CHARS);
        assert_eq!(cut(&exact), exact);
    }

    #[test]
    fn dates_excel_cannot_hold_stay_text() {
        assert!(excel_date("2027-03-16").is_some());
        assert!(excel_date("1899-12-31").is_none(), "Excel's dates start in 1900");
        assert!(excel_date("1900-02-28").is_none(), "before Excel's fictitious 1900-02-29");
        assert!(excel_date("1900-03-01").is_some());
        assert!(excel_date("9999-12-31").is_some());
        assert!(excel_date("2027-3-16x").is_none());
    }
}
