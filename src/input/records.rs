//! Employee records (SPEC §3): reading the CSV (UTF-8 with or without BOM, or
//! GBK), mapping headers to reserved fields, score columns and facts, and the
//! long-form `--scores` file. Problems with the file as a whole make it
//! unusable; problems in one row make that row an `error`.

use crate::calendar::{looks_like_period, parse_date, Period, PeriodKind};
use crate::input::cells::Cells;
use crate::input::value::excerpt;
use crate::rule::Reserved;
use crate::scheme::{GradeRef, Scheme, Tenure};
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;

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

/// [`read_input_from`], with `check_head` seeing the first lines of
/// standard input (see [`read_head`]) before the rest is read, so that an
/// endless or wrong stream is refused at once (`yes | ladder explain X -`).
pub fn read_input_checked(
    path: &str,
    encoding: Encoding,
    sheet: Option<&str>,
    check_head: &dyn Fn(&[u8], bool, &str) -> Result<()>,
) -> Result<Input> {
    if crate::input::workbook::is_workbook(path) {
        let (text, read) = crate::input::workbook::sheet_to_string(path, sheet)?;
        return Ok(Input { display: path.to_string(), path: path.to_string(), sha256: read.sha256, text });
    }
    if let Some(sheet) = sheet {
        bail!(
            "{}: --sheet `{sheet}` is for workbooks ({}); this file is read as CSV",
            display_name(path),
            crate::input::workbook::EXTENSIONS_TEXT
        );
    }
    let display = display_name(path);
    let mut source: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).with_context(|| format!("{display}: cannot read the file"))?)
    };
    // A binary file (or UTF-16) is refused on its first few KB, before the rest is read.
    let mut bytes = Vec::new();
    (&mut source).take(SNIFF_BYTES as u64).read_to_end(&mut bytes).with_context(|| format!("{display}: cannot read the file"))?;
    // A workbook piped in is known by its signature (issue 13 item 9).
    let workbook = path == "-" && crate::input::workbook::sniff(&bytes).is_some();
    if !workbook {
        sniff(&bytes, display.as_str())?;
        if path == "-" {
            let (more, eof) = read_head(&mut source).with_context(|| format!("{display}: cannot read the file"))?;
            bytes.extend_from_slice(&more);
            check_head(&bytes, eof, &display)?;
        }
    }
    source.read_to_end(&mut bytes).with_context(|| format!("{display}: cannot read the file"))?;
    if workbook {
        let (text, read) = crate::input::workbook::stdin_to_string(&bytes)?;
        return Ok(Input { display, path: path.to_string(), sha256: read.sha256, text });
    }
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let text = decode(&bytes, encoding, &display)?;
    Ok(Input { display, path: path.to_string(), sha256, text })
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

/// The header problems listed; the rest are counted.
pub const MAX_HEADER_PROBLEMS: usize = 20;

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
    let column = column_at(bytes, offset).map(|c| format!(", column {c}")).unwrap_or_default();
    format!("line {line}{column}")
}

fn display_name(path: &str) -> String {
    if path == "-" {
        "<stdin>".to_string()
    } else {
        path.to_string()
    }
}

pub(crate) fn decode(bytes: &[u8], encoding: Encoding, display: &str) -> Result<String> {
    let utf8 = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let gbk = || encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes).map(|c| c.into_owned());
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
                let column = column_at(utf8, offset).map(|c| format!(", column {c}")).unwrap_or_default();
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
fn column_at(bytes: &[u8], offset: usize) -> Option<String> {
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
    Some(format!("{}{name}", index + 1))
}

/// What each column of the employee file is.
#[derive(Debug, Default)]
pub struct Layout {
    pub headers: Vec<String>,
    pub reserved: ReservedColumns,
    /// (period, item id) → column.
    pub scores: HashMap<(Period, String), usize>,
    /// Column fact id (scheme registry) → column.
    pub facts: Vec<Option<usize>>,
    /// Header name → column, for `--set` and other lookups.
    pub by_name: HashMap<String, usize>,
    /// The line of the header row (below title rows, the first of a two-level header).
    pub header_line: u64,
    /// Under `--placement` (SPEC §8.3): where time in the job counts from.
    /// The grade and grade_date cells are then not read.
    pub placement: Option<TenureColumn>,
}

/// Where a placement's time in the job counts from: the hire date
/// (`months_in_company`), or a date column of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenureColumn {
    HireDate,
    Column(usize),
}

/// Is `field` required of the employee file? Under `--placement` the grade
/// and grade_date are not read (SPEC §8.3), so not required.
fn required(field: Reserved, placement: bool) -> bool {
    field.is_required() && !(placement && matches!(field, Reserved::Grade | Reserved::GradeDate))
}

/// The headers a placement's tenure column may go by: its name and its `columns:` aliases.
fn tenure_names(scheme: &Scheme) -> Option<Vec<String>> {
    match &scheme.placement.tenure {
        Tenure::MonthsInCompany => None,
        Tenure::Column(name) => Some(
            std::iter::once(name.clone()).chain(scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| h.clone())).collect(),
        ),
    }
}

/// The columns a header must have (SPEC §3): each required reserved field,
/// under its own name or the scheme's `columns:` aliases; the id first.
pub fn required_columns(scheme: &Scheme) -> crate::input::header::Required {
    required_columns_for(scheme, false)
}

/// [`required_columns`], under `--placement` when `placement` (SPEC §8.3: id,
/// position, sequence, hire_date, and the tenure column when it is a column).
pub fn required_columns_for(scheme: &Scheme, placement: bool) -> crate::input::header::Required {
    let mut fields: Vec<Vec<String>> = Reserved::ALL
        .iter()
        .filter(|f| required(**f, placement))
        .map(|field| {
            std::iter::once(field.name().to_string())
                .chain(scheme.columns.iter().filter(|(r, _)| r == field).map(|(_, h)| h.clone()))
                .collect()
        })
        .collect();
    if placement {
        fields.extend(tenure_names(scheme));
    }
    crate::input::header::Required { fields }
}

impl Layout {
    /// Maps the header row (line 1), checking that the file is usable with this scheme.
    pub fn new(scheme: &Scheme, headers: Vec<String>, display: &str) -> Result<Layout> {
        Layout::new_at(scheme, headers, display, 1)
    }

    /// [`Layout::new`] for a header on `line` (below title rows): messages name that line.
    pub fn new_at(scheme: &Scheme, headers: Vec<String>, display: &str, line: u64) -> Result<Layout> {
        Layout::new_for(scheme, headers, display, line, false)
    }

    /// [`Layout::new_at`], for `--placement` when `placement` (SPEC §8.3).
    pub fn new_for(scheme: &Scheme, headers: Vec<String>, display: &str, line: u64, placement: bool) -> Result<Layout> {
        if headers.iter().all(|h| h.is_empty()) {
            bail!("{display}: line {line}: the file is empty: expected a header row (id, position, sequence, grade, hire_date, grade_date, …)");
        }
        let mut problems = Vec::new();
        let mut by_name = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                continue;
            }
            if let Some(first) = by_name.insert(h.clone(), i) {
                problems.push(format!(
                    "column {} `{}` repeats the header of column {}",
                    column_label(display, i),
                    excerpt(h),
                    column_label(display, first)
                ));
            }
        }
        let mut reserved = ReservedColumns::default();
        for field in Reserved::ALL {
            let names = std::iter::once(field.name()).chain(scheme.columns.iter().filter(|(r, _)| *r == field).map(|(_, h)| h.as_str()));
            let found: Vec<usize> = names.filter_map(|n| by_name.get(n).copied()).collect();
            match found.as_slice() {
                [] if required(field, placement) => {
                    let aliases: Vec<String> = scheme.columns.iter().filter(|(r, _)| *r == field).map(|(_, h)| format!("`{h}`")).collect();
                    let alias = if aliases.is_empty() { String::new() } else { format!(" (or {})", aliases.join(", ")) };
                    // A header one typo away (`hire_dat`, `入职日`) is probably the one meant.
                    let unused = headers.iter().map(String::as_str).filter(|h| !h.is_empty() && !h.contains('.'));
                    let names =
                        std::iter::once(field.name()).chain(scheme.columns.iter().filter(|(r, _)| *r == field).map(|(_, h)| h.as_str()));
                    let near = names
                        .filter_map(|n| crate::suggest::closest(n, unused.clone()))
                        .next()
                        .map(|h| format!("; the file has `{}`: a typo?", excerpt(h)))
                        .unwrap_or_default();
                    problems.push(format!("missing the required column `{}`{alias}{near}", field.name()));
                }
                [] => {}
                [one] => {
                    reserved.insert(field, *one);
                }
                [a, b, ..] => problems.push(format!("both `{}` and `{}` name the {} column", headers[*a], headers[*b], field.name())),
            }
        }
        // Items by id and title, in the scheme's order: a header may name an
        // item by its title when the title is one item's only (SPEC §3).
        let kpi_items: Vec<(&str, &str)> =
            scheme.positions.iter().flat_map(|p| p.kpis.iter().map(|k| (k.id.as_str(), k.title.as_str()))).collect();
        let comp_items: Vec<(&str, &str)> = scheme
            .positions
            .iter()
            .flat_map(|p| p.groups.iter().flat_map(|g| g.items.iter().map(|i| (i.id.as_str(), i.title.as_str()))))
            .collect();
        let mut scores: HashMap<(Period, String), usize> = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            let Some((period_text, item)) = h.split_once('.') else { continue };
            if !looks_like_period(period_text) {
                continue;
            }
            let col = column_label(display, i);
            match period_text.parse::<Period>() {
                Err(_) => problems.push(format!(
                    "column {col} `{}`: `{}` is not a period (expected YYYYQ1..YYYYQ4 or YYYYH1..YYYYH2)",
                    excerpt(h),
                    excerpt(period_text)
                )),
                Ok(p) => {
                    let (items, what) = match p.kind {
                        PeriodKind::Quarter => (&kpi_items, "KPI item"),
                        PeriodKind::Half => (&comp_items, "competency item"),
                    };
                    match item_named(item, items) {
                        ItemNamed::Id(id) => {
                            if let Some(first) = scores.insert((p, id.to_string()), i) {
                                problems.push(format!(
                                    "column {col} `{}` is the score of `{p}.{id}`, as column {} `{}` is: keep one",
                                    excerpt(h),
                                    first + 1,
                                    excerpt(&headers[first])
                                ));
                            }
                        }
                        ItemNamed::Shared(ids) => problems.push(format!(
                            "column {col} `{}`: `{}` is the title of the {what}s {}: name the item by its id ({})",
                            excerpt(h),
                            excerpt(item),
                            ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", "),
                            ids.iter().map(|id| format!("`{p}.{id}`")).collect::<Vec<_>>().join(" or ")
                        )),
                        ItemNamed::None => {
                            let suggestion = match closest_item(item, items) {
                                Some((id, title)) if title != id => format!("; did you mean `{p}.{id}` ({title})?"),
                                Some((id, _)) => format!("; did you mean `{p}.{id}`?"),
                                None => String::new(),
                            };
                            problems.push(format!(
                                "column {col} `{}`: `{}` is no {what} of any position (by id or title){suggestion}",
                                excerpt(h),
                                excerpt(item)
                            ));
                        }
                    }
                }
            }
        }
        let facts = scheme
            .column_facts
            .names
            .iter()
            .enumerate()
            .map(|(id, name)| {
                // The fact's own name, or a header `columns:` gives it (`education: 学历`).
                let aliases = scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| h.as_str());
                let mut found: Vec<usize> = std::iter::once(name.as_str()).chain(aliases).filter_map(|n| by_name.get(n).copied()).collect();
                found.sort_unstable();
                if let [a, b, ..] = found.as_slice() {
                    problems.push(format!("both `{}` and `{}` name the `{name}` column", headers[*a], headers[*b]));
                }
                let col = found.first().copied();
                if col.is_none() {
                    let aliases: Vec<String> =
                        scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| format!("`{h}`")).collect();
                    let alias = if aliases.is_empty() { String::new() } else { format!(" (under that name or as {})", aliases.join(", ")) };
                    let by_cohort = scheme.cohort.fields.contains(&crate::scheme::CohortField::Column(id));
                    let quota = scheme.quotas.iter().find(|q| q.per.contains(&crate::scheme::CohortField::Column(id)));
                    problems.push(match (&scheme.cohort.at, quota) {
                        (Some(at), _) if by_cohort => {
                            format!("the cohort at {at} groups by `{name}`, which is not a column of this file{alias}")
                        }
                        (_, Some(q)) => {
                            format!("the quota at {} counts per `{name}`, which is not a column of this file{alias}", q.at)
                        }
                        _ => {
                            // A typo of a computed fact or of a header: say which.
                            let columns = headers.iter().map(String::as_str).filter(|h| !h.is_empty() && !h.contains('.'));
                            format!(
                                "the rule at {} tests the fact `{name}`, which is neither computed nor a column of this file{alias}{}",
                                scheme.column_facts.first_use[id],
                                crate::rule::Computed::hint(name, columns)
                            )
                        }
                    });
                }
                col
            })
            .collect();
        let placement = placement.then(|| match tenure_names(scheme) {
            None => TenureColumn::HireDate,
            Some(names) => {
                let mut found: Vec<usize> = names.iter().filter_map(|n| by_name.get(n).copied()).collect();
                found.sort_unstable();
                match found.as_slice() {
                    [] => {
                        let at = scheme.placement.at.as_deref().unwrap_or("the scheme");
                        let also = if names.len() > 1 {
                            format!(
                                " (under that name or as {})",
                                names[1..].iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                            )
                        } else {
                            String::new()
                        };
                        problems.push(format!(
                            "the placement at {at} reads time in the job from `{}`, which is not a column of this file{also}",
                            names[0]
                        ));
                    }
                    [_, b, ..] => {
                        problems.push(format!("both `{}` and `{}` name the `{}` column", headers[found[0]], headers[*b], names[0]))
                    }
                    _ => {}
                }
                TenureColumn::Column(found.first().copied().unwrap_or(usize::MAX))
            }
        });
        if !problems.is_empty() {
            // A wide wrong file (a million columns) must not print a million
            // lines: the first ones say enough, as for rows in error.
            let total = problems.len();
            if total > MAX_HEADER_PROBLEMS {
                // Missing required columns (a few at most) say the most: kept first.
                problems.sort_by_key(|p| !p.starts_with("missing the required column"));
            }
            problems.truncate(MAX_HEADER_PROBLEMS);
            if total > MAX_HEADER_PROBLEMS {
                problems.push(format!("… and {} more problems with the header", total - MAX_HEADER_PROBLEMS));
            }
            bail!("{display}: line {line} (header): {}", problems.join(&format!("\n{display}: line {line} (header): ")));
        }
        Ok(Layout { headers, reserved, scores, facts, by_name, header_line: line, placement })
    }
}

/// How a header message names column `index` (from 0): its number in a CSV,
/// its letter in a workbook (`S`), as Excel shows it to the person fixing it.
fn column_label(display: &str, index: usize) -> String {
    match u16::try_from(index) {
        Ok(i) if crate::input::workbook::is_workbook(display) => rust_xlsxwriter::utility::column_number_to_name(i),
        _ => (index + 1).to_string(),
    }
}

impl Layout {
    /// The periods the file has score columns for.
    pub fn score_periods(&self) -> impl Iterator<Item = Period> + '_ {
        self.scores.keys().map(|(p, _)| *p)
    }
}

/// What the item part of a score header names.
#[derive(Debug, PartialEq)]
enum ItemNamed<'a> {
    /// One item: by its id, or by a title no other item has.
    Id(&'a str),
    /// A title several items share: their ids.
    Shared(Vec<&'a str>),
    None,
}

/// The item `text` names among `items` (id, title): its id exactly, else its
/// title after NFKC and trimming (`受理服务代表（一）` is `受理服务代表(一)`).
fn item_named<'a>(text: &str, items: &[(&'a str, &'a str)]) -> ItemNamed<'a> {
    if let Some((id, _)) = items.iter().find(|(id, _)| *id == text) {
        return ItemNamed::Id(id);
    }
    let wanted = crate::scheme::title_key(text);
    let mut ids: Vec<&str> = Vec::new();
    for (id, title) in items {
        if !title.is_empty() && crate::scheme::title_key(title) == wanted && !ids.contains(id) {
            ids.push(id);
        }
    }
    match ids.as_slice() {
        [] => ItemNamed::None,
        [one] => ItemNamed::Id(one),
        _ => ItemNamed::Shared(ids),
    }
}

/// The item whose id or title is closest to `text`, for "did you mean".
fn closest_item<'a>(text: &str, items: &[(&'a str, &'a str)]) -> Option<(&'a str, &'a str)> {
    let names = items.iter().flat_map(|(id, title)| [*id, *title]);
    let near = crate::suggest::closest(text, names)?;
    items.iter().find(|(id, title)| *id == near || *title == near).copied()
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
#[derive(Debug, Default)]
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
    let kpi_items: Vec<(&str, &str)> =
        scheme.positions.iter().flat_map(|p| p.kpis.iter().map(|k| (k.id.as_str(), k.title.as_str()))).collect();
    let comp_items: Vec<(&str, &str)> = scheme
        .positions
        .iter()
        .flat_map(|p| p.groups.iter().flat_map(|g| g.items.iter().map(|i| (i.id.as_str(), i.title.as_str()))))
        .collect();
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
                let suggestion = match closest_item(item, items) {
                    Some((id, title)) if title != id => format!("; did you mean `{id}` ({title})?"),
                    Some((id, _)) => format!("; did you mean `{id}`?"),
                    None => String::new(),
                };
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
#[derive(Debug, Clone)]
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
    let (given, expected) = (cells.len(), layout.headers.len());
    if given < expected {
        let missing = &layout.headers[given..];
        let names = if missing.len() <= 3 {
            missing.iter().map(|h| format!("`{}`", excerpt(h))).collect::<Vec<_>>().join(", ")
        } else {
            format!("`{}` … `{}`", excerpt(&missing[0]), excerpt(&missing[missing.len() - 1]))
        };
        errors.push(format!("line {line}: the row has {given} cells, the header has {expected}: no cell for {names}"));
    } else if given > expected {
        errors.push(format!(
            "line {line}: the row has {given} cells, the header has {expected}: {} cell(s) past the last column `{}`",
            given - expected,
            excerpt(layout.headers.last().map_or("", String::as_str))
        ));
    }
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
    let position = if position_text.is_empty() {
        None
    } else {
        let p = scheme.find_position(position_text);
        if p.is_none() {
            errors.push(format!(
                "{}: `{}` is not a position of the scheme",
                column_name(layout, Reserved::Position),
                excerpt(position_text)
            ));
        }
        p
    };
    let sequence = if sequence_text.is_empty() {
        None
    } else {
        let s = scheme.find_sequence(sequence_text);
        if s.is_none() {
            errors.push(format!(
                "{}: `{}` is not a sequence of the scheme",
                column_name(layout, Reserved::Sequence),
                excerpt(sequence_text)
            ));
        }
        s
    };
    let grade = match sequence {
        // Placement reads no grade: the cell is only shown as it is.
        _ if placing => None,
        Some(s) if !grade_text.is_empty() => {
            let g = scheme.find_grade_in(s, grade_text);
            if g.is_none() {
                let elsewhere = scheme
                    .find_grade(grade_text)
                    .map(|g| format!(" (it is a grade of `{}`)", scheme.sequences[g.sequence].id))
                    .unwrap_or_default();
                errors.push(format!(
                    "{}: `{}` is not a grade of the `{}` sequence{elsewhere}",
                    column_name(layout, Reserved::Grade),
                    excerpt(grade_text),
                    scheme.sequences[s].id
                ));
            }
            g
        }
        _ => None,
    };
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

/// The column of each reserved field the file has, by field: looked up
/// eight times a row, where a hash map cost more than finding the cells.
#[derive(Debug, Clone, Default)]
pub struct ReservedColumns([Option<usize>; Reserved::ALL.len()]);

impl ReservedColumns {
    pub fn get(&self, field: &Reserved) -> Option<&usize> {
        self.0[*field as usize].as_ref()
    }

    pub fn insert(&mut self, field: Reserved, column: usize) {
        self.0[field as usize] = Some(column);
    }

    /// Each field the file has, with its column.
    pub fn iter(&self) -> impl Iterator<Item = (&Reserved, &usize)> + Clone {
        Reserved::ALL.iter().zip(&self.0).filter_map(|(field, column)| Some((field, column.as_ref()?)))
    }
}

impl FromIterator<(Reserved, usize)> for ReservedColumns {
    fn from_iter<I: IntoIterator<Item = (Reserved, usize)>>(fields: I) -> ReservedColumns {
        let mut columns = ReservedColumns::default();
        fields.into_iter().for_each(|(field, column)| columns.insert(field, column));
        columns
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_columns_are_found_by_field() {
        // The array is indexed by the field's place in `Reserved::ALL`.
        for (i, field) in Reserved::ALL.iter().enumerate() {
            assert_eq!(*field as usize, i, "{field:?}");
        }
        let columns: ReservedColumns = [(Reserved::Grade, 4), (Reserved::Id, 0), (Reserved::BirthDate, 9)].into_iter().collect();
        assert_eq!(columns.get(&Reserved::Grade), Some(&4));
        assert_eq!(columns.get(&Reserved::Name), None);
        let all: Vec<(Reserved, usize)> = columns.iter().map(|(f, c)| (*f, *c)).collect();
        assert_eq!(all, [(Reserved::Id, 0), (Reserved::Grade, 4), (Reserved::BirthDate, 9)]);
    }
}
