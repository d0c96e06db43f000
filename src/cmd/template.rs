//! `ladder template`: the employee file a scheme expects (issue 13 item 7),
//! as one header row and no data rows: the reserved columns (under the
//! scheme's own headers where `columns:` maps them), every column fact its
//! rules, cohort and quotas read, and the score columns of the periods an
//! evaluation on the as-of date reads. As CSV, or as a workbook with
//! drop-down lists (positions, sequences, grades, scale levels, yes/no),
//! date-formatted date columns, a frozen header and a sheet that says what
//! each column holds.

use crate::calendar::Period;
use crate::error::{Exit, Result};
use crate::figures::Periods;
use crate::report::durable::{write_output, Destination};
use crate::rule::{Check, Computed, FactRef, Reserved, Subject, TestValue};
use crate::scheme::Scheme;
use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format as CellFormat, FormatBorder, Formula, Workbook,
    Worksheet, XlsxError,
};
use std::io::Write;
use unicode_width::UnicodeWidthStr;

/// The file `ladder template` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TemplateFormat {
    /// One header line (UTF-8, no byte-order mark)
    Csv,
    /// A workbook: drop-down lists, date columns, frozen header, a sheet describing each column
    Xlsx,
}

impl TemplateFormat {
    /// The format `--output FILE` asks for by its extension (any case).
    pub fn from_extension(path: &str) -> Option<TemplateFormat> {
        let ext = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(TemplateFormat::Csv),
            "xlsx" => Some(TemplateFormat::Xlsx),
            _ => None,
        }
    }
}

/// Which names the header row uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Headers {
    /// The scheme's `columns:` header (its first) where it maps one, else the field's own name
    #[default]
    Scheme,
    /// Always the field's own name (`id`, `hire_date`, `exam_passed`): for pipelines
    Ids,
}

pub struct Request {
    pub scheme: Scheme,
    pub as_of: NaiveDate,
    pub format: TemplateFormat,
    /// `--output` as given and where it goes (none: `out`).
    pub output: Option<(String, Destination)>,
    pub headers: Headers,
}

/// What a column holds, which decides its drop-down list or number format.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// The employee id: text, so that `00123` keeps its zeros.
    Id,
    Text,
    Position,
    Sequence,
    Grade,
    Date,
    Number,
    /// Yes or no: `是`/`否` under a Chinese header, else `true`/`false`.
    Bool,
    /// A level of the ordinal scale with this index in `scheme.ordinal_scales`.
    Level(usize),
    /// A KPI item's score (0..100), or its raw measure when a position scores it with `scoring`.
    Kpi {
        raw: bool,
    },
    /// A competency rating on the scheme's competency scale.
    Rating,
}

/// One column of the template.
#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
    /// What it holds, for the workbook's `columns` sheet.
    pub about: String,
    pub required: bool,
}

/// The columns of the employee file for `scheme` on `as_of`, in order:
/// reserved fields, column facts (in the order the scheme first names them),
/// KPI scores by quarter (oldest first), competency ratings by half.
pub fn columns(scheme: &Scheme, as_of: NaiveDate, headers: Headers) -> Vec<Column> {
    let mut out = Vec::new();
    let reserved_header = |field: Reserved| -> String {
        match headers {
            Headers::Scheme => scheme.columns.iter().find(|(r, _)| *r == field).map(|(_, h)| h.clone()),
            Headers::Ids => None,
        }
        .unwrap_or_else(|| field.name().to_string())
    };
    let reads_birth_date = reads(scheme, |f| matches!(f, FactRef::Computed(Computed::Age) | FactRef::Reserved(Reserved::BirthDate)));
    for field in Reserved::ALL {
        // A birth date is personal data: asked for only when a rule needs it (age).
        if field == Reserved::BirthDate && !reads_birth_date {
            continue;
        }
        let (kind, about) = match field {
            Reserved::Id => (Kind::Id, "employee id, unique in the file".to_string()),
            Reserved::Name => (Kind::Text, "display name".to_string()),
            Reserved::Position => (Kind::Position, "position: its id or its title".to_string()),
            Reserved::Sequence => (Kind::Sequence, "sequence: its id or its title".to_string()),
            Reserved::Grade => (Kind::Grade, "current grade, of that sequence: its id or its title".to_string()),
            Reserved::HireDate => (Kind::Date, "hire date".to_string()),
            Reserved::GradeDate => (Kind::Date, "date the employee entered the current grade".to_string()),
            Reserved::BirthDate => (Kind::Date, "birth date (a rule reads the age)".to_string()),
        };
        out.push(Column { header: reserved_header(field), kind, about, required: field.is_required() });
    }
    let kinds = fact_kinds(scheme);
    for (id, name) in scheme.column_facts.names.iter().enumerate() {
        let header = match headers {
            Headers::Scheme => scheme.fact_columns.iter().find(|(f, _)| f == name).map(|(_, h)| h.clone()),
            Headers::Ids => None,
        }
        .unwrap_or_else(|| name.clone());
        let kind = kinds[id].clone().unwrap_or(Kind::Text);
        let what = match &kind {
            Kind::Date => "a date".to_string(),
            Kind::Number => "a number".to_string(),
            Kind::Bool => "yes or no".to_string(),
            Kind::Level(s) => format!("a level of the scale `{}`", scheme.ordinal_scales[*s].0),
            _ => "text".to_string(),
        };
        let about = format!("the fact `{name}` ({what}), first read at {}", scheme.column_facts.first_use[id]);
        out.push(Column { header, kind, about, required: true });
    }
    let periods = Periods::new(scheme, as_of);
    let kpi_items = kpi_items(scheme);
    for quarter in &periods.quarters_read {
        let looked_back = !periods.quarters.contains(quarter);
        for (item, title, positions, raw) in &kpi_items {
            let what = if *raw { "raw measure (converted by the item's scoring)" } else { "KPI score 0–100" };
            let back = if looked_back { "; before the review window, read by a KPI streak" } else { "" };
            out.push(Column {
                header: format!("{quarter}.{item}"),
                kind: Kind::Kpi { raw: *raw },
                about: format!("{what} of {quarter}: {title} ({}){back}", positions.join(", ")),
                required: false,
            });
        }
    }
    let scale = scheme.competency_scale;
    for half in &periods.halves {
        for (item, title, positions) in competency_items(scheme) {
            out.push(Column {
                header: format!("{half}.{item}"),
                kind: Kind::Rating,
                about: format!("competency rating {}–{} of {half}: {title} ({})", scale.min, scale.max, positions.join(", ")),
                required: false,
            });
        }
    }
    out
}

/// Does any rule read a fact for which `test` holds?
fn reads(scheme: &Scheme, test: impl Fn(&FactRef) -> bool) -> bool {
    let mut found = false;
    for_each_rule(scheme, &mut |t| {
        if let Subject::Fact(f) | Subject::MonthsSince(f) = &t.subject {
            found |= test(f);
        }
    });
    found
}

fn for_each_rule<'a>(scheme: &'a Scheme, f: &mut dyn FnMut(&'a crate::rule::Test)) {
    for r in scheme.rules() {
        r.for_each_test(f);
    }
}

/// The kind of each column fact, by its registry id, from the tests that
/// read it: a date under `months_since` or tested against a date, a scale
/// level, yes/no under `is: true`, a number. None: no rule tests it (a
/// cohort or quota groups by it): text.
fn fact_kinds(scheme: &Scheme) -> Vec<Option<Kind>> {
    let mut kinds: Vec<Option<Kind>> = vec![None; scheme.column_facts.names.len()];
    for_each_rule(scheme, &mut |t| {
        let kind = match &t.subject {
            Subject::MonthsSince(FactRef::Column { id, .. }) => Some((*id, Kind::Date)),
            Subject::Fact(FactRef::Column { id, scale: Some(s) }) => Some((*id, Kind::Level(*s))),
            Subject::Fact(FactRef::Column { id, scale: None }) => t.checks.first().map(|Check { value, .. }| {
                let kind = match value {
                    TestValue::Number(_) => Kind::Number,
                    TestValue::Bool(_) => Kind::Bool,
                    TestValue::Date(_) => Kind::Date,
                    TestValue::Level(..) | TestValue::Band(..) | TestValue::Text(_) => Kind::Text,
                };
                (*id, kind)
            }),
            _ => None,
        };
        if let Some((id, kind)) = kind {
            // The first test that names the fact decides; the scheme's
            // validation already refuses values of the wrong kind.
            kinds[id].get_or_insert(kind);
        }
    });
    kinds
}

/// Every KPI item id of any position, in the scheme's order, once: (id,
/// title, the positions that have it, whether any of them scores it from a
/// raw measure).
fn kpi_items(scheme: &Scheme) -> Vec<(String, String, Vec<String>, bool)> {
    let mut items: Vec<(String, String, Vec<String>, bool)> = Vec::new();
    for p in &scheme.positions {
        for k in &p.kpis {
            match items.iter_mut().find(|i| i.0 == k.id) {
                Some(i) => {
                    i.2.push(p.id.clone());
                    i.3 |= k.scoring.is_some();
                }
                None => items.push((k.id.clone(), k.title.clone(), vec![p.id.clone()], k.scoring.is_some())),
            }
        }
    }
    items
}

/// Every competency item id of any position, in the scheme's order, once.
fn competency_items(scheme: &Scheme) -> Vec<(String, String, Vec<String>)> {
    let mut items: Vec<(String, String, Vec<String>)> = Vec::new();
    for p in &scheme.positions {
        for i in p.groups.iter().flat_map(|g| &g.items) {
            match items.iter_mut().find(|x| x.0 == i.id) {
                Some(x) => x.2.push(p.id.clone()),
                None => items.push((i.id.clone(), i.title.clone(), vec![p.id.clone()])),
            }
        }
    }
    items
}

pub fn run(req: &Request, out: &mut (dyn Write + Send)) -> Result<Exit> {
    let columns = columns(&req.scheme, req.as_of, req.headers);
    // The default as-of is today: say which periods the score columns are for.
    crate::report::durable::stderr_line(format_args!(
        "note: score columns for {} (the periods an evaluation on {} reads)",
        periods_text(&req.scheme, req.as_of),
        req.as_of
    ));
    let write = |w: &mut (dyn Write + Send)| -> anyhow::Result<()> {
        match req.format {
            TemplateFormat::Csv => write_csv(&columns, w),
            TemplateFormat::Xlsx => write_xlsx(&req.scheme, &columns, req.as_of, w),
        }
    };
    match &req.output {
        Some((path, destination)) => write_output(path, destination, write)?,
        None => {
            write(out)?;
            out.flush()?;
        }
    }
    Ok(Exit::Ok)
}

fn write_csv(columns: &[Column], out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(columns.iter().map(|c| c.header.as_str()))?;
    w.flush()?;
    Ok(())
}

/// The last row of a sheet (0-based): validations and formats cover the
/// whole column, however many employees are pasted in.
const LAST_ROW: u32 = 1_048_575;
const DATE_FORMAT: &str = "yyyy-mm-dd";

fn xlsx_error(e: XlsxError) -> anyhow::Error {
    anyhow::anyhow!("cannot write the workbook: {e}")
}

/// A list of the `lists` sheet: its header and values, once each.
struct List {
    header: String,
    values: Vec<String>,
}

impl List {
    fn new(header: &str, values: impl IntoIterator<Item = String>) -> List {
        let mut unique: Vec<String> = Vec::new();
        for v in values {
            if !unique.contains(&v) {
                unique.push(v);
            }
        }
        List { header: header.to_string(), values: unique }
    }
}

fn write_xlsx(scheme: &Scheme, columns: &[Column], as_of: NaiveDate, out: &mut (dyn Write + Send)) -> anyhow::Result<()> {
    let mut workbook = Workbook::new();
    // Dated the as-of day, not the run: the same inputs give the same bytes.
    let mut properties = rust_xlsxwriter::DocProperties::new().set_title(&scheme.title).set_company("ladder");
    if let Some(date) = excel_date(as_of) {
        properties = properties.set_creation_datetime(&date);
    }
    workbook.set_properties(&properties);

    // The drop-down lists live on a hidden sheet: an inline list is capped
    // at 255 characters, which a scheme's titles soon pass.
    let mut lists = vec![
        List::new("position", scheme.positions.iter().flat_map(|p| [p.id.clone(), p.title.clone()])),
        List::new("sequence", scheme.sequences.iter().flat_map(|s| [s.id.clone(), s.title.clone()])),
        List::new("grade", scheme.sequences.iter().flat_map(|s| s.grades.iter().flat_map(|g| [g.id.clone(), g.title.clone()]))),
    ];
    let scale_list = |s: usize| 3 + s;
    for (name, levels) in &scheme.ordinal_scales {
        lists.push(List::new(name, levels.iter().cloned()));
    }

    let header = CellFormat::new().set_bold().set_border_bottom(FormatBorder::Thin).set_text_wrap();
    let text = CellFormat::new().set_num_format("@");
    let date = CellFormat::new().set_num_format(DATE_FORMAT);

    let sheet = workbook.add_worksheet();
    sheet.set_name("employees").map_err(xlsx_error)?;
    for (i, c) in columns.iter().enumerate() {
        let col = u16::try_from(i).map_err(|_| anyhow::anyhow!("the template has more columns than a sheet holds"))?;
        sheet.write_string_with_format(0, col, &c.header, &header).map_err(xlsx_error)?;
        // Wide enough for the header (CJK counts 2) and for a date.
        let width = c.header.width().max(if c.kind == Kind::Date { 10 } else { 8 }) + 2;
        sheet.set_column_width(col, width as f64).map_err(xlsx_error)?;
        match &c.kind {
            Kind::Id => {
                sheet.set_column_format(col, &text).map_err(xlsx_error)?;
            }
            Kind::Date => {
                sheet.set_column_format(col, &date).map_err(xlsx_error)?;
                let rule = DataValidationRule::Between(excel_date_of(1900, 3, 1)?, excel_date_of(9999, 12, 31)?);
                let v = DataValidation::new()
                    .allow_date(rule)
                    .set_error_title("Not a date")
                    .map_err(xlsx_error)?
                    .set_error_message(format!("`{}` holds a date, such as 2024-03-05", c.header))
                    .map_err(xlsx_error)?;
                sheet.add_data_validation(1, col, LAST_ROW, col, &v).map_err(xlsx_error)?;
            }
            Kind::Position => list_validation(sheet, col, 0, &lists[0], &c.header, "an id or a title of the scheme")?,
            Kind::Sequence => list_validation(sheet, col, 1, &lists[1], &c.header, "an id or a title of the scheme")?,
            Kind::Grade => list_validation(sheet, col, 2, &lists[2], &c.header, "an id or a title of the scheme")?,
            Kind::Level(s) => {
                let index = scale_list(*s);
                if let Some(list) = lists.get(index) {
                    list_validation(sheet, col, index, list, &c.header, "one of the scale's levels")?;
                }
            }
            Kind::Bool => {
                let (yes, no) = if c.header.is_ascii() { ("true", "false") } else { ("是", "否") };
                let v = DataValidation::new()
                    .allow_list_strings(&[yes, no])
                    .map_err(xlsx_error)?
                    .set_error_title("Yes or no")
                    .map_err(xlsx_error)?
                    .set_error_message(format!("`{}` holds {yes} or {no}", c.header))
                    .map_err(xlsx_error)?;
                sheet.add_data_validation(1, col, LAST_ROW, col, &v).map_err(xlsx_error)?;
            }
            Kind::Kpi { raw: false } => number_validation(sheet, col, 0.0, 100.0, &c.header, "a score from 0 to 100")?,
            Kind::Rating => {
                let (min, max) = (scheme.competency_scale.min, scheme.competency_scale.max);
                // Only the bounds of Excel's check are binary numbers; the tool reads the cells exactly.
                let bounds = (min.to_string().parse::<f64>(), max.to_string().parse::<f64>());
                if let (Ok(lo), Ok(hi)) = bounds {
                    number_validation(sheet, col, lo, hi, &c.header, &format!("a rating from {min} to {max}"))?;
                }
            }
            Kind::Kpi { raw: true } | Kind::Text | Kind::Number => {}
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    sheet.set_active(true);

    // What each column holds, for the person filling the sheet in.
    let about = workbook.add_worksheet();
    about.set_name("columns").map_err(xlsx_error)?;
    for (col, title) in ["column", "required", "holds"].iter().enumerate() {
        about.write_string_with_format(0, col as u16, *title, &header).map_err(xlsx_error)?;
    }
    let mut widths = [6usize, 8, 5];
    for (i, c) in columns.iter().enumerate() {
        let row = i as u32 + 1;
        let required = if c.required { "yes" } else { "" };
        for (col, value) in [c.header.as_str(), required, c.about.as_str()].into_iter().enumerate() {
            about.write_string(row, col as u16, value).map_err(xlsx_error)?;
            widths[col] = widths[col].max(value.width().min(100));
        }
    }
    for (col, w) in widths.iter().enumerate() {
        about.set_column_width(col as u16, (*w + 2) as f64).map_err(xlsx_error)?;
    }
    about.set_freeze_panes(1, 0).map_err(xlsx_error)?;

    let hidden = workbook.add_worksheet();
    hidden.set_name("lists").map_err(xlsx_error)?;
    for (col, list) in lists.iter().enumerate() {
        let col = col as u16;
        hidden.write_string_with_format(0, col, &list.header, &header).map_err(xlsx_error)?;
        for (row, v) in list.values.iter().enumerate() {
            hidden.write_string(row as u32 + 1, col, v).map_err(xlsx_error)?;
        }
    }
    hidden.set_hidden(true);

    let bytes = workbook.save_to_buffer().map_err(xlsx_error)?;
    out.write_all(&bytes)?;
    Ok(())
}

/// A drop-down list of column `index` of the `lists` sheet on column `col`.
fn list_validation(sheet: &mut Worksheet, col: u16, index: usize, list: &List, header: &str, what: &str) -> anyhow::Result<()> {
    if list.values.is_empty() {
        return Ok(());
    }
    let letter = column_letter(index);
    let range = format!("=lists!${letter}$2:${letter}${}", list.values.len() + 1);
    let message = format!("`{header}` holds {what}: pick one from the list");
    let v = DataValidation::new()
        .allow_list_formula(Formula::new(range))
        .set_error_title("Not in the list")
        .map_err(xlsx_error)?
        .set_error_message(message.chars().take(255).collect::<String>())
        .map_err(xlsx_error)?;
    sheet.add_data_validation(1, col, LAST_ROW, col, &v).map_err(xlsx_error)?;
    Ok(())
}

fn number_validation(sheet: &mut Worksheet, col: u16, min: f64, max: f64, header: &str, what: &str) -> anyhow::Result<()> {
    let message = format!("`{header}` holds {what}");
    let v = DataValidation::new()
        .allow_decimal_number(DataValidationRule::Between(min, max))
        .set_error_style(DataValidationErrorStyle::Stop)
        .set_error_title("Out of range")
        .map_err(xlsx_error)?
        .set_error_message(message.chars().take(255).collect::<String>())
        .map_err(xlsx_error)?;
    sheet.add_data_validation(1, col, LAST_ROW, col, &v).map_err(xlsx_error)?;
    Ok(())
}

/// `A`, `B`, … `Z`, `AA`, …: the column letters of the `lists` sheet.
fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

fn excel_date_of(year: u16, month: u8, day: u8) -> anyhow::Result<ExcelDateTime> {
    ExcelDateTime::from_ymd(year, month, day).map_err(xlsx_error)
}

fn excel_date(d: NaiveDate) -> Option<ExcelDateTime> {
    ExcelDateTime::from_ymd(u16::try_from(d.year()).ok()?, d.month() as u8, d.day() as u8).ok()
}

/// The periods a template for `as_of` has score columns for, for messages.
pub fn periods_text(scheme: &Scheme, as_of: NaiveDate) -> String {
    let p = Periods::new(scheme, as_of);
    let names = |ps: &[Period]| ps.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    format!("{}; {}", names(&p.quarters_read), names(&p.halves))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::load_scheme;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn letters_count_like_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }

    #[test]
    fn the_default_scheme_asks_for_its_mapped_headers_facts_and_window() {
        let scheme = load_scheme(None).unwrap();
        let cols = columns(&scheme, date("2026-12-31"), Headers::Scheme);
        let headers: Vec<&str> = cols.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(&headers[..7], ["工号", "姓名", "岗位", "序列", "职级", "入职日期", "任职日期"]);
        assert!(headers.contains(&"学历") && headers.contains(&"通过考试"), "{headers:?}");
        assert!(headers.contains(&"2026Q4.standardization") && headers.contains(&"2026Q1.standardization"), "{headers:?}");
        assert!(!headers.contains(&"2025Q4.standardization"), "the window is four quarters");
        assert!(headers.contains(&"2026H2.problem_solving") && headers.contains(&"2026H1.problem_solving"));
        assert!(!headers.iter().any(|h| h.starts_with("2025H2")));
        let education = cols.iter().find(|c| c.header == "学历").unwrap();
        assert!(matches!(education.kind, Kind::Level(_)), "{:?}", education.kind);
        let exam = cols.iter().find(|c| c.header == "通过考试").unwrap();
        assert_eq!(exam.kind, Kind::Bool);
        let ids = columns(&scheme, date("2026-12-31"), Headers::Ids);
        assert_eq!(ids[0].header, "id");
        assert!(ids.iter().any(|c| c.header == "exam_passed"));
    }

    #[test]
    fn a_date_column_read_by_months_since_is_a_date() {
        let scheme = load_scheme(Some("customer-service")).unwrap();
        let cols = columns(&scheme, date("2026-06-30"), Headers::Ids);
        let service = cols.iter().find(|c| c.header == "service_start_date").unwrap();
        assert_eq!(service.kind, Kind::Date);
        assert!(cols.iter().any(|c| c.header.starts_with("2026Q2.")));
        assert!(cols.iter().any(|c| c.header.starts_with("2025H2.")), "the last complete halves on 2026-06-30: 2025H2, 2026H1");
    }
}
