//! Employee records (SPEC §3): reading the CSV (UTF-8 with or without BOM, or
//! GBK), one row parsed against the file's layout (`input::layout`, whose
//! items are re-exported here), and the long-form `--scores` file. Problems
//! with the file as a whole make it unusable; problems in one row make that
//! row an `error`.

use crate::calendar::{parse_date, Period, PeriodKind};
use crate::input::cells::Cells;
use crate::input::value::excerpt;
use crate::rule::Reserved;
use crate::scheme::{GradeRef, Scheme};
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use std::io::Read;

use super::layout::{item_named, item_suggestion, required, scheme_items, ItemNamed};
pub use super::layout::{required_columns, required_columns_for, Layout, ReservedColumns, TenureColumn, MAX_HEADER_PROBLEMS};

/// The text encodings `--encoding` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark
    #[default]
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GBK / GB18030, as saved by Excel on a Chinese system
    #[value(alias = "gb18030", alias = "gb2312")]
    Gbk,
    /// UTF-8 when the bytes are valid UTF-8, else GB18030
    Auto,
}

/// An input file, read whole and decoded.
pub struct Input {
    /// The name shown in messages (`-` is shown as `<stdin>`).
    pub display: String,
    pub path: String,
    pub sha256: String,
    pub text: String,
}

/// Reads a file (or stdin for `-`) and decodes it; a workbook (`.xlsx`, …)
/// is read from its first sheet.
pub fn read_input(path: &str, encoding: Encoding) -> Result<Input> {
    read_input_from(path, encoding, None)
}

/// [`read_input`], choosing the sheet of a workbook (`--sheet`): the sheet
/// becomes CSV text (see `xlsx`) and `encoding` does not apply.
pub fn read_input_from(path: &str, encoding: Encoding, sheet: Option<&str>) -> Result<Input> {
    read_input_checked(path, encoding, sheet, &|_, _, _| Ok(()))
}

/// A check of standard input's first lines: (bytes, whether the input ended
/// within them, its name for messages).
pub type HeadCheck<'a> = dyn Fn(&[u8], bool, &str) -> Result<()> + 'a;

/// [`read_input_from`], with `check_head` seeing the first lines of
/// standard input (see [`read_head`]) before the rest is read, so that an
/// endless or wrong stream is refused at once (`yes | ladder explain X -`).
pub fn read_input_checked(path: &str, encoding: Encoding, sheet: Option<&str>, check_head: &HeadCheck<'_>) -> Result<Input> {
    super::source::Source::open(path, encoding, sheet, check_head)?.read_whole(path)
}

/// Lines of standard input read (and checked) before the rest is read: the
/// header is found among the first ten rows, below up to a few title rows.
const HEAD_LINES: usize = 64;

/// The first [`HEAD_LINES`] lines of `input` (up to 1 MiB, or all of it).
/// Whether the input ended within it.
pub fn read_head(input: &mut impl Read) -> std::io::Result<(Vec<u8>, bool)> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut buf = [0u8; 4096];
    let mut lines = 0;
    while head.len() < (1 << 20) && lines < HEAD_LINES {
        let n = input.read(&mut buf)?;
        if n == 0 {
            return Ok((head, true));
        }
        lines += crate::input::split::line_ends(&buf[..n]) as usize;
        head.extend_from_slice(&buf[..n]);
    }
    Ok((head, false))
}

/// How much of a text input [`sniff`] looks at.
pub const SNIFF_BYTES: usize = 8 << 10;

/// Refuses, on the first bytes of a CSV input (up to [`SNIFF_BYTES`]), what
/// is no CSV text at all: a NUL byte means a binary file or UTF-16 (which is
/// said, with what to do), and a zip archive is a workbook with the wrong name.
pub fn sniff(head: &[u8], display: &str) -> Result<()> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    // UTF-16 with a byte-order mark is read (see `batch::stream`).
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Ok(());
    }
    if head.starts_with(b"PK\x03\x04") {
        bail!(
            "{display}: line 1: this is a zip archive, not CSV text: a workbook? name it with its extension ({})",
            crate::input::workbook::EXTENSIONS_TEXT
        );
    }
    let Some(nul) = memchr::memchr(0, head) else { return Ok(()) };
    // Text in UTF-16 has a NUL in every other byte (the high byte of ASCII),
    // all at even offsets (big-endian) or all at odd ones (little-endian).
    let (even, odd) =
        head.iter().enumerate().filter(|(_, b)| **b == 0).fold((0, 0), |(e, o), (i, _)| if i % 2 == 0 { (e + 1, o) } else { (e, o + 1) });
    let pairs = head.len() / 2;
    if pairs >= 2 && (even.max(odd) * 10 >= pairs * 3) && even.min(odd) * 20 <= even.max(odd) {
        let order = if odd > even { "little-endian" } else { "big-endian" };
        bail!("{display}: line 1: this looks like UTF-16 text ({order}, without a byte-order mark), not UTF-8: save the file as UTF-8 (in Excel: CSV UTF-8)");
    }
    let line = crate::input::split::line_ends(&head[..nul]) + 1;
    bail!("{display}: line {line}: a NUL byte at offset {nul}: this is a binary file, not CSV text (expected employee records, one a line)")
}

/// Where GB18030 decoding fails in `bytes`: the offset of the first malformed sequence.
fn gbk_error_offset(bytes: &[u8]) -> Option<usize> {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(4096);
    let mut at = 0;
    loop {
        out.clear();
        let (result, read) = decoder.decode_to_string_without_replacement(&bytes[at..], &mut out, true);
        match result {
            encoding_rs::DecoderResult::Malformed(bad, after) => return Some((at + read).saturating_sub(bad as usize + after as usize)),
            encoding_rs::DecoderResult::InputEmpty => return None,
            encoding_rs::DecoderResult::OutputFull => at += read,
        }
    }
}

/// `line L, column C `NAME`` of byte `offset`.
fn place(bytes: &[u8], offset: usize) -> String {
    let line = crate::input::split::line_ends(&bytes[..offset.min(bytes.len())]) + 1;
    let column = format!(", column {}", column_at(bytes, offset));
    format!("line {line}{column}")
}

pub(crate) fn decode(bytes: &[u8], encoding: Encoding, display: &str) -> Result<String> {
    let utf8 = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let gbk = || encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes).map(std::borrow::Cow::into_owned);
    match encoding {
        Encoding::Gbk => gbk().ok_or_else(|| {
            let offset = gbk_error_offset(bytes).unwrap_or(0);
            anyhow::anyhow!("{display}: {}: not valid GBK/GB18030 text (invalid byte at offset {offset})", place(bytes, offset))
        }),
        Encoding::Utf8 | Encoding::Auto => match std::str::from_utf8(utf8) {
            Ok(text) => Ok(text.to_string()),
            Err(e) if encoding == Encoding::Auto => gbk().ok_or_else(|| {
                let offset = e.valid_up_to();
                anyhow::anyhow!("{display}: {}: the file is neither UTF-8 (invalid byte at offset {offset}) nor GBK", place(utf8, offset))
            }),
            Err(e) => {
                let offset = e.valid_up_to();
                let line = crate::input::split::line_ends(&utf8[..offset]) + 1;
                let column = format!(", column {}", column_at(utf8, offset));
                let hint = if gbk().is_some() {
                    "; it looks like GBK (Excel on a Chinese system): try --encoding gbk"
                } else {
                    "; save the file as UTF-8 (in Excel: CSV UTF-8)"
                };
                bail!("{display}: line {line}{column}: not valid UTF-8 (invalid byte at offset {offset}){hint}")
            }
        },
    }
}

/// The column holding byte `offset` of a CSV text whose first line is the
/// header: "3 `name`". Counts commas outside quotes on the line, so it is a
/// guide for a person, not a parser (a quoted cell spanning lines confuses it).
fn column_at(bytes: &[u8], offset: usize) -> String {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before.iter().rposition(|b| matches!(b, b'\n' | b'\r')).map_or(0, |i| i + 1);
    let mut quoted = false;
    let mut index = 0;
    for b in &before[line_start..] {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => index += 1,
            _ => {}
        }
    }
    let header_end = bytes.iter().position(|b| matches!(b, b'\n' | b'\r')).unwrap_or(bytes.len());
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    let name = csv_reader(header.as_bytes())
        .headers()
        .ok()
        // A title row above the header has blank cells: no name then.
        .and_then(|h| h.get(index).filter(|n| !n.trim().is_empty()).map(|n| format!(" `{}`", excerpt(n.trim()))))
        .unwrap_or_default();
    format!("{}{name}", index + 1)
}

/// One long-form score: `id,period,item,value`.
#[derive(Debug, Clone)]
pub struct LongScore {
    pub period: Period,
    pub item: String,
    pub value: String,
    pub line: u64,
}

/// Long-form scores by employee id.
#[derive(Debug, Default, Clone)]
pub struct LongScores {
    pub display: String,
    pub by_id: hashbrown::HashMap<String, Vec<LongScore>>,
    /// Quarter KPI scores given whole, by employee id: what-if's
    /// `--set 2026Q4=90` (no file holds them).
    pub quarter_scores: hashbrown::HashMap<String, Vec<(Period, Option<rust_decimal::Decimal>)>>,
}

/// Reads a `--scores` file. Bad structure or unknown periods/items make it unusable.
pub fn read_long_scores(scheme: &Scheme, input: &Input) -> Result<LongScores> {
    let display = &input.display;
    let mut reader = csv_reader(input.text.as_bytes());
    let headers: Vec<String> =
        reader.headers().with_context(|| format!("{display}: cannot read the header"))?.iter().map(|h| h.trim().to_string()).collect();
    let expected = ["id", "period", "item", "value"];
    let col = |name: &str| headers.iter().position(|h| h == name);
    let cols: Vec<Option<usize>> = expected.iter().map(|n| col(n)).collect();
    if cols.iter().any(Option::is_none) {
        bail!("{display}: line 1 (header): expected the columns id,period,item,value, found {}", headers.join(","));
    }
    let cols: Vec<usize> = cols.into_iter().flatten().collect();
    let (kpi_items, comp_items) = scheme_items(scheme);
    let mut by_id: hashbrown::HashMap<String, Vec<LongScore>> = hashbrown::HashMap::new();
    let mut problems = Vec::new();
    let mut lines = crate::input::split::Lines::new(input.text.as_bytes(), 1);
    for record in reader.records() {
        let record = record.with_context(|| format!("{display}: malformed CSV"))?;
        let line = lines.at(record.position().map_or(0, |p| p.byte() as usize));
        let cell = |i: usize| record.get(cols[i]).unwrap_or("").trim();
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (id, period_text, item, value) = (cell(0), cell(1), cell(2), cell(3));
        if id.is_empty() {
            problems.push(format!("{display}: line {line}: column `id`: empty (expected an employee id)"));
            continue;
        }
        let Ok(period) = period_text.parse::<Period>() else {
            problems.push(format!(
                "{display}: line {line}: column `period`: `{}` is not a period (expected e.g. 2026Q3 or 2026H1)",
                excerpt(period_text)
            ));
            continue;
        };
        let (items, what) = match period.kind {
            PeriodKind::Quarter => (&kpi_items, "KPI item"),
            PeriodKind::Half => (&comp_items, "competency item"),
        };
        // An item by its id, or by a title that is one item's only (as in a header).
        let item = match item_named(item, items) {
            ItemNamed::Id(id) => id,
            ItemNamed::Shared(ids) => {
                let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
                problems.push(format!(
                    "{display}: line {line}: column `item`: `{}` is the title of the {what}s {}: name the item by its id",
                    excerpt(item),
                    ids.join(", ")
                ));
                continue;
            }
            ItemNamed::None => {
                let suggestion = item_suggestion(item, items, "");
                problems.push(format!(
                    "{display}: line {line}: column `item`: `{}` is no {what} of any position (by id or title){suggestion}",
                    excerpt(item)
                ));
                continue;
            }
        };
        by_id.entry(id.to_string()).or_default().push(LongScore { period, item: item.to_string(), value: value.to_string(), line });
        if problems.len() > 50 {
            break;
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(LongScores { display: display.clone(), by_id, quarter_scores: hashbrown::HashMap::new() })
}

/// The one place CSV readers are configured.
pub fn csv_reader<R: Read>(source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().flexible(true).has_headers(true).buffer_capacity(1 << 16).from_reader(source)
}

/// A reader of the records below a header (`header` has read it): every row is a record.
pub fn records_reader<R: Read>(source: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new().flexible(true).has_headers(false).buffer_capacity(1 << 16).from_reader(source)
}

/// An employee row, with its reserved fields resolved.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// The row's cells as read (`cell` trims them).
    pub cells: Cells,
    pub id: String,
    pub name: String,
    /// The position cell as written, when it names no position (else empty).
    pub position_text: String,
    /// The sequence cell as written, when the grade does not resolve (else empty).
    pub sequence_text: String,
    /// The sequence, when the cell names one (even if the grade does not resolve).
    pub sequence: Option<usize>,
    /// The grade cell as written, when it names no grade of the sequence (else empty).
    pub grade_text: String,
    pub position: Option<usize>,
    pub grade: Option<GradeRef>,
    pub hire_date: Option<NaiveDate>,
    pub grade_date: Option<NaiveDate>,
    pub birth_date: Option<NaiveDate>,
    pub errors: Vec<String>,
}

impl Row {
    /// The cell, trimmed ("" past the end of a short row).
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", crate::input::cells::trim)
    }
}

/// Resolves the reserved fields of one record; data problems go to `errors`.
pub fn parse_row(scheme: &Scheme, layout: &Layout, line: u64, cells: impl Into<Cells>, as_of: NaiveDate) -> Row {
    let cells = cells.into();
    let mut errors = Vec::new();
    errors.extend(cell_count_error(layout, line, cells.len()));
    let get = |field: Reserved| reserved_cell(layout, &cells, field);
    let id = get(Reserved::Id).to_string();
    let name = get(Reserved::Name).to_string();
    let position_text = get(Reserved::Position);
    let sequence_text = get(Reserved::Sequence);
    let grade_text = get(Reserved::Grade);
    let placing = layout.placement.is_some();
    for (field, value) in [
        (Reserved::Id, id.as_str()),
        (Reserved::Position, position_text),
        (Reserved::Sequence, sequence_text),
        (Reserved::Grade, grade_text),
    ] {
        if value.is_empty() && required(field, placing) {
            errors.push(format!("{}: missing (line {line})", column_name(layout, field)));
        }
    }
    let position = look_up(layout, Reserved::Position, position_text, |t| scheme.find_position(t), &mut errors);
    let sequence = look_up(layout, Reserved::Sequence, sequence_text, |t| scheme.find_sequence(t), &mut errors);
    let grade = match sequence {
        // Placement reads no grade: the cell is only shown as it is.
        _ if placing => None,
        Some(s) if !grade_text.is_empty() => grade_in(scheme, layout, s, grade_text, &mut errors),
        _ => None,
    };
    let (hire_date, grade_date, birth_date) = row_dates(layout, &cells, as_of, &mut errors);
    // The texts as written are kept only where they did not resolve (they
    // stand in for the ids in reports and `explain`); most rows need none.
    let unresolved = |text: &str, resolved: bool| if resolved { String::new() } else { text.to_string() };
    let position_text = unresolved(position_text, position.is_some());
    let sequence_text = unresolved(sequence_text, grade.is_some() || (placing && sequence.is_some()));
    // Under placement the grade cell is shown as it is, whatever it holds.
    let grade_text = if placing { grade_text.to_string() } else { unresolved(grade_text, grade.is_some()) };
    Row {
        line,
        cells,
        id,
        name,
        position_text,
        sequence_text,
        sequence,
        grade_text,
        position,
        grade,
        hire_date,
        grade_date,
        birth_date,
        errors,
    }
}

/// A row with fewer or more cells than the header has columns.
fn cell_count_error(layout: &Layout, line: u64, given: usize) -> Option<String> {
    let expected = layout.headers.len();
    match given.cmp(&expected) {
        std::cmp::Ordering::Less => {
            let missing = &layout.headers[given..];
            let names = if missing.len() <= 3 {
                missing.iter().map(|h| format!("`{}`", excerpt(h))).collect::<Vec<_>>().join(", ")
            } else {
                format!("`{}` … `{}`", excerpt(&missing[0]), excerpt(&missing[missing.len() - 1]))
            };
            Some(format!("line {line}: the row has {given} cells, the header has {expected}: no cell for {names}"))
        }
        std::cmp::Ordering::Greater => Some(format!(
            "line {line}: the row has {given} cells, the header has {expected}: {} cell(s) past the last column `{}`",
            given - expected,
            excerpt(layout.headers.last().map_or("", String::as_str))
        )),
        std::cmp::Ordering::Equal => None,
    }
}

/// The position or sequence (`field`) a cell names by id or title: none
/// when blank, none with an error when it names nothing of the scheme.
fn look_up(
    layout: &Layout,
    field: Reserved,
    text: &str,
    find: impl FnOnce(&str) -> Option<usize>,
    errors: &mut Vec<String>,
) -> Option<usize> {
    if text.is_empty() {
        return None;
    }
    let found = find(text);
    if found.is_none() {
        errors.push(format!("{}: `{}` is not a {} of the scheme", column_name(layout, field), excerpt(text), field.name()));
    }
    found
}

/// The grade a cell names in sequence `s`; an error (naming the sequence
/// it belongs to, if any) when `s` has no such grade.
fn grade_in(scheme: &Scheme, layout: &Layout, s: usize, text: &str, errors: &mut Vec<String>) -> Option<GradeRef> {
    let g = scheme.find_grade_in(s, text);
    if g.is_none() {
        let elsewhere =
            scheme.find_grade(text).map(|g| format!(" (it is a grade of `{}`)", scheme.sequences[g.sequence].id)).unwrap_or_default();
        errors.push(format!(
            "{}: `{}` is not a grade of the `{}` sequence{elsewhere}",
            column_name(layout, Reserved::Grade),
            excerpt(text),
            scheme.sequences[s].id
        ));
    }
    g
}

/// The hire, grade and birth dates of a row, none after `as_of`.
fn row_dates(
    layout: &Layout,
    cells: &Cells,
    as_of: NaiveDate,
    errors: &mut Vec<String>,
) -> (Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>) {
    let placing = layout.placement.is_some();
    let get = |field: Reserved| reserved_cell(layout, cells, field);
    let mut date_in = |name: &dyn Fn() -> String, text: &str, needed: bool| -> Option<NaiveDate> {
        if text.is_empty() {
            if needed {
                errors.push(format!("{}: missing (expected a date, YYYY-MM-DD)", name()));
            }
            return None;
        }
        match parse_date(text) {
            None => {
                errors.push(format!("{}: `{}` is not a date (expected YYYY-MM-DD, YYYY-M-D or YYYY/M/D)", name(), excerpt(text)));
                None
            }
            Some(d) if d > as_of => {
                errors.push(format!("{}: {d} is after the as-of date {as_of}", name()));
                None
            }
            Some(d) => Some(d),
        }
    };
    let mut date = |field: Reserved| date_in(&|| column_name(layout, field), get(field), required(field, placing));
    let hire_date = date(Reserved::HireDate);
    // Under placement time in grade is time in the job (SPEC §8.3): the
    // grade date is where the tenure counts from; a blank tenure cell is no value.
    let grade_date = match layout.placement {
        None => date(Reserved::GradeDate),
        Some(TenureColumn::HireDate) => hire_date,
        Some(TenureColumn::Column(c)) => {
            let name = || layout.headers.get(c).cloned().unwrap_or_default();
            date_in(&name, cells.get(c).map_or("", crate::input::cells::trim), false)
        }
    };
    let birth_date = date_in(&|| column_name(layout, Reserved::BirthDate), get(Reserved::BirthDate), false);
    (hire_date, grade_date, birth_date)
}

/// The cell of a reserved field, trimmed ("" when the file has no such column).
fn reserved_cell<'c>(layout: &Layout, cells: &'c Cells, field: Reserved) -> &'c str {
    layout.reserved.get(&field).and_then(|c| cells.get(*c)).map_or("", crate::input::cells::trim)
}

/// What `parse_row` resolved of a row without problems: kept by a batch's
/// pass 1 so that pass 2 need not resolve the row again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub position: usize,
    pub sequence: usize,
    /// None under `--placement`, which reads no grade.
    pub grade: Option<GradeRef>,
    pub hire_date: Option<NaiveDate>,
    pub grade_date: Option<NaiveDate>,
    pub birth_date: Option<NaiveDate>,
}

impl Row {
    /// What was resolved, when the row has no problems.
    pub fn resolved(&self) -> Option<Resolved> {
        // Without problems a row has a grade, except under placement (its sequence then).
        let sequence = self.grade.map(|g| g.sequence).or(self.sequence);
        match (self.errors.is_empty(), self.position, sequence) {
            (true, Some(position), Some(sequence)) => Some(Resolved {
                position,
                sequence,
                grade: self.grade,
                hire_date: self.hire_date,
                grade_date: self.grade_date,
                birth_date: self.birth_date,
            }),
            _ => None,
        }
    }
}

/// The row `parse_row` makes of `cells` when it resolves to `resolved`
/// (a row without problems: every text resolved, no errors).
pub fn resolved_row(layout: &Layout, line: u64, cells: Cells, resolved: &Resolved) -> Row {
    let (id, name) = (reserved_cell(layout, &cells, Reserved::Id).to_string(), reserved_cell(layout, &cells, Reserved::Name).to_string());
    // Placement shows the grade cell as it is (the projected layout keeps it).
    let grade_text = if layout.placement.is_some() { reserved_cell(layout, &cells, Reserved::Grade).to_string() } else { String::new() };
    Row {
        line,
        cells,
        id,
        name,
        position_text: String::new(),
        sequence_text: String::new(),
        sequence: Some(resolved.sequence),
        grade_text,
        position: Some(resolved.position),
        grade: resolved.grade,
        hire_date: resolved.hire_date,
        grade_date: resolved.grade_date,
        birth_date: resolved.birth_date,
        errors: Vec::new(),
    }
}

/// The header of a reserved field's column as the file spells it (`工号`
/// when `columns:` maps id to it), for messages.
fn column_name(layout: &Layout, field: Reserved) -> String {
    layout.reserved.get(&field).and_then(|c| layout.headers.get(*c)).cloned().unwrap_or_else(|| field.name().to_string())
}
