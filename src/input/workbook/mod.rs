//! Workbooks as input: an employee (or scores) file saved from Excel or
//! LibreOffice is read with calamine and turned into the UTF-8 CSV text the
//! rest of `ladder` reads, so every message, format and exit code is the same
//! as for a CSV export of the sheet.
//!
//! The CSV keeps the sheet's geometry: line N of the CSV is row N of the
//! sheet (rows above the first used one become blank lines, which the CSV
//! reader skips), so a message that names line 12 names spreadsheet row 12.
//! Cells are written as a person reads them in Excel:
//! - a date cell (a number with a date format) as `2024-03-05`, with
//!   ` HH:MM:SS` only when it holds a time of day;
//! - a number as the shortest decimal that reads back as the same binary
//!   value, limited to Excel's 15 significant digits: 85.0 is `85`, 85.25 is
//!   `85.25`, and the `0.30000000000000004` of a formula is `0.3`;
//! - a number with a percent format (`0%`, `0.0%`) as the number shown with
//!   its `%` (0.972 is `97.2%`), exactly as Excel's CSV export writes it
//!   (SPEC §3); calamine does not expose number formats, so for `.xlsx` the
//!   styles and the sheet's cell styles are read from the package (`package`);
//! - TRUE/FALSE as `true`/`false`; an error cell as its code (`#N/A`);
//! - text as written, a line break inside a cell as a space (a quoted line
//!   break would shift every later line number by one).
//!
//! A damaged workbook is an error naming the file, never a panic: shared
//! string references are checked before calamine reads the sheet, and
//! calamine's own panics are contained.

use anyhow::{anyhow, bail, Context, Result};
use calamine::{Data, Ods, Range, Reader, SheetType, SheetVisible, Sheets, Xls, Xlsb, Xlsx};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};

mod package;
use package::{ods_has_percent_cells, xlsx_percent_cells};

/// The workbook kinds calamine reads, by file extension (any case).
const EXTENSIONS: [&str; 7] = ["xlsx", "xlsm", "xlsb", "xls", "xla", "xlam", "ods"];

/// The extensions, for messages.
pub const EXTENSIONS_TEXT: &str = ".xlsx, .xlsm, .xlsb, .xls, .xla, .xlam, .ods";

/// Is `path` a workbook (by its extension)? `-` (standard input) never is.
pub fn is_workbook(path: &str) -> bool {
    extension(path).is_some()
}

/// The kind of workbook these bytes are, by their signature, for standard
/// input, which has no extension: a zip package is `.xlsx` (or `.ods` when
/// its first entry says so, `.xlsb` when it has a binary workbook part), an
/// OLE compound file is `.xls`; anything else is not a workbook (CSV).
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    if bytes.starts_with(OLE) {
        return Some("xls");
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    // An OpenDocument package stores its `mimetype` first, uncompressed.
    let head = &bytes[..bytes.len().min(128)];
    if memchr::memmem::find(head, b"application/vnd.oasis.opendocument.spreadsheet").is_some() {
        return Some("ods");
    }
    let binary =
        zip::ZipArchive::new(Cursor::new(bytes)).is_ok_and(|zip| zip.file_names().any(|n| n.eq_ignore_ascii_case("xl/workbook.bin")));
    Some(if binary { "xlsb" } else { "xlsx" })
}

/// A workbook read from standard input, already spooled to `spool`: the
/// first sheet as CSV in a new temporary file (rewound), its length and the
/// workbook's SHA-256; `None` when the bytes are not a workbook's.
pub fn spooled_workbook(spool: &mut std::fs::File) -> Result<Option<(std::fs::File, u64, String)>> {
    use std::io::{Read, Seek};
    let mut signature = [0u8; 8];
    spool.rewind()?;
    let read = spool.read(&mut signature)?;
    if sniff(&signature[..read]).is_none() {
        spool.rewind()?;
        return Ok(None);
    }
    let mut bytes = Vec::new();
    spool.rewind()?;
    spool.read_to_end(&mut bytes).context("cannot read standard input")?;
    let mut file = tempfile::tempfile().context("cannot create a temporary file for the workbook")?;
    let sheet = {
        let mut out = std::io::BufWriter::new(&mut file);
        let sheet = bytes_to_csv(STDIN, &bytes, None, &mut out)?;
        out.flush().context("cannot write a temporary file for the workbook")?;
        sheet
    };
    let len = file.seek(std::io::SeekFrom::End(0))?;
    file.rewind()?;
    Ok(Some((file, len, sheet.sha256)))
}

/// How messages name standard input.
const STDIN: &str = "<stdin>";

fn extension(path: &str) -> Option<String> {
    let ext = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
    EXTENSIONS.contains(&ext.as_str()).then_some(ext)
}

/// What was read from a workbook.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// The sheet's name.
    pub name: String,
    /// SHA-256 of the workbook file, as `meta` reports for any input.
    pub sha256: String,
    /// Rows written (the last used row of the sheet).
    pub rows: usize,
}

/// Reads one sheet of the workbook at `path` (the first visible worksheet
/// when `sheet` is `None`) and writes it to `out` as UTF-8 CSV.
pub fn sheet_to_csv(path: &str, sheet: Option<&str>, out: &mut dyn Write) -> Result<Sheet> {
    let bytes = std::fs::read(path).with_context(|| format!("{path}: cannot read the file"))?;
    bytes_to_csv(path, &bytes, sheet, out)
}

/// Like [`sheet_to_csv`] for a workbook already in memory (standard input):
/// `name` is the file's name for messages, and its extension, if it is a
/// workbook's, says the kind; otherwise the bytes' signature does.
pub fn bytes_to_csv(name: &str, bytes: &[u8], sheet: Option<&str>, out: &mut dyn Write) -> Result<Sheet> {
    let path = name;
    let sha256 = format!("{:x}", Sha256::digest(bytes));
    check_zip(path, bytes)?;
    let ext = extension(path).or_else(|| sniff(bytes).map(str::to_string)).unwrap_or_else(|| "xlsx".into());
    let mut book = open(path, &ext, bytes)?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => match names.iter().find(|n| *n == wanted) {
            Some(n) => n.clone(),
            None => bail!("{path}: no sheet named `{wanted}`; the workbook's sheets are {}", list(&names)),
        },
        None => first_sheet(&book).with_context(|| format!("{path}: the workbook has no worksheet"))?,
    };
    let damaged = |what: String| anyhow!("{path}: not a readable workbook: sheet `{name}`: {what}");
    let percent = match ext.as_str() {
        "xlsx" | "xlsm" | "xlam" => xlsx_percent_cells(bytes, &name).map_err(damaged)?,
        "ods" if ods_has_percent_cells(bytes) => bail!(
            "{path}: sheet `{name}` has percent-formatted cells, which ladder cannot read from an .ods file \
             (it would see 0.88 where 88% is shown); save the sheet as .xlsx or CSV"
        ),
        _ => Vec::new(),
    };
    // Read cell by cell and checked for a sparse spread before it is laid out (see `read_range`).
    let range = contained(|| read_range(&mut book, &name, path)).map_err(damaged)??;
    let rows = write_csv(&range, &percent, out).with_context(|| format!("{path}: cannot convert sheet `{name}`"))?;
    Ok(Sheet { name, sha256, rows })
}

/// The sheet converted in memory (for `explain`, `what-if` and `--scores`).
pub fn sheet_to_string(path: &str, sheet: Option<&str>) -> Result<(String, Sheet)> {
    let mut buffer = Vec::new();
    let sheet = sheet_to_csv(path, sheet, &mut buffer)?;
    utf8(path, buffer, sheet)
}

/// A workbook read from standard input into `bytes`, its first sheet
/// converted in memory.
pub fn stdin_to_string(bytes: &[u8]) -> Result<(String, Sheet)> {
    let mut buffer = Vec::new();
    let sheet = bytes_to_csv(STDIN, bytes, None, &mut buffer)?;
    utf8(STDIN, buffer, sheet)
}

fn utf8(path: &str, buffer: Vec<u8>, sheet: Sheet) -> Result<(String, Sheet)> {
    // calamine gives UTF-8 text and the CSV writer adds only ASCII; should
    // that ever change, say so rather than panic.
    let text = String::from_utf8(buffer).map_err(|_| anyhow!("{path}: the sheet did not convert to UTF-8 text"))?;
    Ok((text, sheet))
}

type Book<'a> = Sheets<Cursor<&'a [u8]>>;

fn open<'a>(path: &str, ext: &str, bytes: &'a [u8]) -> Result<Book<'a>> {
    let reader = Cursor::new(bytes);
    let not_a = |kind: &str, e: &dyn std::fmt::Display| anyhow!("{path}: not a readable {kind} workbook: {e}");
    let opened = contained(|| -> Result<Book<'a>> {
        Ok(match ext {
            "xls" | "xla" => Sheets::Xls(Xls::new(reader).map_err(|e| not_a("Excel 97-2003 (.xls)", &e))?),
            "xlsb" => Sheets::Xlsb(Xlsb::new(reader).map_err(|e| not_a("Excel binary (.xlsb)", &e))?),
            "ods" => Sheets::Ods(Ods::new(reader).map_err(|e| not_a("OpenDocument (.ods)", &e))?),
            _ => Sheets::Xlsx(Xlsx::new(reader).map_err(|e| not_a("Excel (.xlsx)", &e))?),
        })
    });
    opened.map_err(|what| anyhow!("{path}: not a readable workbook: {what}"))?
}

/// Runs `f` (a calamine call) with its panics contained: a damaged workbook
/// can make calamine index out of bounds, and that is the file's fault, to
/// be reported with its name, not a crash. The panic hook is silenced for
/// the call so nothing is printed but the error.
fn contained<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    result.map_err(|payload| {
        let why = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        format!("its content is damaged (the reader stopped: {why})")
    })
}

/// What a workbook may expand to in memory: the sum of its zip entries'
/// uncompressed sizes. A real HR export of 100,000 employees stays far below.
pub const MAX_UNZIPPED: u64 = 1 << 30;

/// The most an entry of over [`RATIO_FROM`] bytes may expand over its
/// compressed size: XML compresses 10–30 times; a "zip bomb" thousands.
pub const MAX_RATIO: u64 = 200;
const RATIO_FROM: u64 = 1 << 20;

/// The most cells a sheet's used range may span when nearly all of them are
/// empty (see [`check_area`]).
pub const MAX_SPARSE_AREA: u64 = 20_000_000;

/// Refuses a zip workbook (`.xlsx`, `.xlsm`, `.ods`) that would expand past
/// [`MAX_UNZIPPED`] or whose entries expand more than [`MAX_RATIO`] times,
/// from the sizes in its directory, before anything is decompressed (the zip
/// reader stops each entry at its stated size, so a lying size cannot expand more).
fn check_zip(path: &str, bytes: &[u8]) -> Result<()> {
    if !bytes.starts_with(b"PK") {
        return Ok(()); // .xls, .xlsb's own checks: calamine says what it is not
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // calamine reports a damaged archive, located
    };
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let Ok(entry) = archive.by_index_raw(i) else { continue };
        let (size, packed) = (entry.size(), entry.compressed_size());
        total = total.saturating_add(size);
        if size > RATIO_FROM && size / packed.max(1) > MAX_RATIO {
            bail!(
                "{path}: the workbook's part `{}` expands {} times ({packed} bytes to {size}): refused as a decompression bomb (the limit is {MAX_RATIO} times)",
                crate::input::value::excerpt(entry.name()),
                size / packed.max(1)
            );
        }
    }
    if total > MAX_UNZIPPED {
        bail!(
            "{path}: the workbook expands to {} MiB: refused (the limit is {} MiB; save the sheet as CSV)",
            total >> 20,
            MAX_UNZIPPED >> 20
        );
    }
    Ok(())
}

/// Refuses a sheet whose used range spans more than [`MAX_SPARSE_AREA`]
/// cells while holding under one in 50 of them: one cell at A1 and one at
/// XFD1048576 would be a range of 17 billion cells, and a CSV of as many commas.
fn check_area(path: &str, name: &str, positions: impl Iterator<Item = (u32, u32)>, used: usize) -> Result<()> {
    let (mut rows, mut columns) = (0u64, 0u64);
    for (r, c) in positions {
        rows = rows.max(u64::from(r) + 1);
        columns = columns.max(u64::from(c) + 1);
    }
    let area = rows.saturating_mul(columns);
    if area > MAX_SPARSE_AREA && area / (used as u64).max(1) > 50 {
        bail!(
            "{path}: sheet `{name}`: its cells spread over {rows} rows × {columns} columns but only {used} hold anything: refused (a sheet of employees is dense; delete the stray cells far to the right or below)"
        );
    }
    Ok(())
}

/// The sheet's used cells as a range, checked by [`check_area`] before the
/// range is laid out (an `.xlsx` or `.xlsb` is read cell by cell for it;
/// the other kinds have no cell reader and are read whole).
fn read_range(book: &mut Book<'_>, name: &str, path: &str) -> Result<Range<Data>> {
    let cannot = |e: &dyn std::fmt::Display| anyhow::anyhow!("{path}: sheet `{name}`: cannot be read: {e}");
    let mut cells = Vec::new();
    match book {
        Sheets::Xlsx(x) => {
            let mut reader = match x.worksheet_cells_reader(name) {
                Ok(reader) => reader,
                Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Range::empty()),
                Err(e) => return Err(cannot(&e)),
            };
            while let Some(cell) = reader.next_cell().map_err(|e| cannot(&e))? {
                if !matches!(cell.get_value(), calamine::DataRef::Empty) {
                    cells.push(calamine::Cell::new(cell.get_position(), Data::from(cell.get_value().clone())));
                }
            }
        }
        Sheets::Xlsb(x) => {
            let mut reader = x.worksheet_cells_reader(name).map_err(|e| cannot(&e))?;
            while let Some(cell) = reader.next_cell().map_err(|e| cannot(&e))? {
                if !matches!(cell.get_value(), calamine::DataRef::Empty) {
                    cells.push(calamine::Cell::new(cell.get_position(), Data::from(cell.get_value().clone())));
                }
            }
        }
        _ => {
            let range = book.worksheet_range(name).map_err(|e| cannot(&e))?;
            let used = range.used_cells().count();
            check_area(path, name, range.used_cells().map(|(r, c, _)| (r as u32, c as u32)), used)?;
            return Ok(range);
        }
    }
    check_area(path, name, cells.iter().map(calamine::Cell::get_position), cells.len())?;
    Ok(Range::from_sparse(cells))
}

/// The first visible worksheet, else the first worksheet of any visibility.
fn first_sheet(book: &Book<'_>) -> Option<String> {
    let sheets = book.sheets_metadata();
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    worksheets().find(|s| s.visible == SheetVisible::Visible).or_else(|| worksheets().next()).map(|s| s.name.clone())
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".into();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// Writes the range from row 1, column A, so CSV lines are sheet rows.
/// `percent` lists the cells (row, column; from 0) shown as percentages, in
/// row-major order.
fn write_csv(range: &Range<Data>, percent: &[(u32, u32)], out: &mut dyn Write) -> Result<usize> {
    let (Some(start), Some(end)) = (range.start(), range.end()) else {
        return Ok(0);
    };
    // Rows above the used range: empty lines (skipped by the reader, counted
    // in line numbers). Columns left of it: empty cells, so the header's
    // column numbers are the sheet's (A = 1).
    for _ in 0..start.0 {
        out.write_all(b"\n")?;
    }
    let mut writer = csv::WriterBuilder::new().flexible(false).from_writer(out);
    let width = end.1 as usize + 1;
    let mut record: Vec<String> = Vec::with_capacity(width);
    // Both walks are row-major, so one cursor finds every percent cell.
    let mut next = 0;
    for row in start.0..=end.0 {
        record.clear();
        for column in 0..=end.1 {
            while percent.get(next).is_some_and(|&p| p < (row, column)) {
                next += 1;
            }
            let shown_as_percent = percent.get(next) == Some(&(row, column));
            record.push(match range.get_value((row, column)) {
                Some(Data::Float(f)) if shown_as_percent => percent_text(*f),
                Some(Data::Int(i)) if shown_as_percent => percent_text(*i as f64),
                Some(cell) => cell_text(cell),
                None => String::new(),
            });
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok(end.0 as usize + 1)
}

/// The text of one cell, as described in the module comment.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => one_line(s),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        // A damaged date cell (`NaN`) is not 1899-12-30: keep its text, which
        // no date column accepts.
        Data::DateTime(dt) if !dt.as_f64().is_finite() => number_text(dt.as_f64()),
        Data::DateTime(dt) if dt.is_datetime() => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().format("%Y-%m-%d").to_string(),
            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => number_text(dt.as_f64()),
        },
        // A duration ([h]:mm) is its number of days, like any other number.
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// The text of a cell shown as a percentage: the number shown, with `%`.
/// ×100 is done on the decimal text of the stored number (Excel's 15
/// digits), by moving the point, so 0.972 is `97.2%` and never `97.19999%`.
pub fn percent_text(f: f64) -> String {
    let text = number_text(f);
    if !f.is_finite() {
        return text;
    }
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |d| ("-", d));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut all = format!("{whole}{fraction}");
    let point = whole.len() + 2;
    while all.len() < point {
        all.push('0');
    }
    let (whole, fraction) = all.split_at(point);
    let whole = whole.trim_start_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{sign}{whole}%")
    } else {
        format!("{sign}{whole}.{fraction}%")
    }
}

fn one_line(text: &str) -> String {
    if text.contains(['\n', '\r']) {
        text.replace("\r\n", " ").replace(['\n', '\r'], " ")
    } else {
        text.to_string()
    }
}

/// Excel keeps 15 significant decimal digits; what it shows and what a CSV
/// export writes never has more.
const EXCEL_DIGITS: usize = 15;

/// The shortest decimal text of `f` that reads back as `f` (Rust's `{}` for
/// f64 is exactly that, and never uses an exponent), after rounding to
/// Excel's 15 significant digits when `f` has more: so a typed 85.25 is
/// `85.25`, 85.0 is `85`, and binary noise such as 0.1 + 0.2 is `0.3`.
pub fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == 0.0 {
        return "0".into(); // also -0
    }
    let shortest = f.to_string();
    if significant_digits(&shortest) <= EXCEL_DIGITS {
        return shortest;
    }
    // `{:.14e}` rounds to 15 significant digits; its shortest form reads back.
    let rounded: f64 = format!("{:.*e}", EXCEL_DIGITS - 1, f).parse().expect("a formatted float parses");
    rounded.to_string()
}

fn significant_digits(text: &str) -> usize {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_start_matches('0');
    // Trailing zeros of a whole number (1000) are not significant either.
    let trimmed = if text.contains('.') { trimmed } else { trimmed.trim_end_matches('0') };
    trimmed.len()
}

#[cfg(test)]
mod tests {
    use super::package::{cell_name, cell_position, check_shared_string, is_percent_format};
    use super::*;

    #[test]
    fn numbers_print_as_typed() {
        assert_eq!(number_text(85.0), "85");
        assert_eq!(number_text(85.25), "85.25");
        assert_eq!(number_text(97.1), "97.1");
        assert_eq!(number_text(0.1 + 0.2), "0.3");
        assert_eq!(number_text(-0.0), "0");
        assert_eq!(number_text(-3.5), "-3.5");
        assert_eq!(number_text(1e21), "1000000000000000000000");
        assert_eq!(number_text(0.000123), "0.000123");
        assert_eq!(number_text(123456789012345.0), "123456789012345");
        assert_eq!(number_text(2.0f64.powi(60)), "1152921504606850000");
        assert_eq!(number_text(1.0 / 3.0), "0.333333333333333");
        // Every number of up to 15 significant digits survives unchanged.
        for text in ["12.34", "99.99", "0.5", "100", "4.5", "0.015", "98765.4321"] {
            assert_eq!(number_text(text.parse().unwrap()), text);
        }
    }

    #[test]
    fn cells_become_one_line_of_text() {
        assert_eq!(cell_text(&Data::String("张\n伟".into())), "张 伟");
        assert_eq!(cell_text(&Data::String("a\r\nb".into())), "a b");
        assert_eq!(cell_text(&Data::Bool(true)), "true");
        assert_eq!(cell_text(&Data::Int(7)), "7");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn percent_cells_show_the_number_shown() {
        assert_eq!(percent_text(0.88), "88%");
        assert_eq!(percent_text(0.972), "97.2%");
        assert_eq!(percent_text(0.1 + 0.2), "30%");
        assert_eq!(percent_text(0.9720000000000001), "97.2%");
        assert_eq!(percent_text(1.0), "100%");
        assert_eq!(percent_text(1.5), "150%");
        assert_eq!(percent_text(12.0), "1200%");
        assert_eq!(percent_text(0.0), "0%");
        assert_eq!(percent_text(-0.05), "-5%");
        assert_eq!(percent_text(0.00123), "0.123%");
        assert_eq!(percent_text(0.0000001), "0.00001%");
        assert_eq!(percent_text(0.123456789012345), "12.3456789012345%");
    }

    #[test]
    fn percent_formats_are_found_in_the_code() {
        for code in ["0%", "0.0%", "0.00%;[Red]-0.00%", "#,##0.0%", "0%\"zz\""] {
            assert!(is_percent_format(code), "{code}");
        }
        for code in ["0.00", "\"%\"0", "0\\%", "0_%", "[$%-804]0", "yyyy-mm-dd", "General", ""] {
            assert!(!is_percent_format(code), "{code}");
        }
    }

    #[test]
    fn cell_names_and_positions() {
        for (name, at) in [("A1", (0, 0)), ("B12", (11, 1)), ("Z3", (2, 25)), ("AA1", (0, 26)), ("XFD1048576", (1048575, 16383))] {
            assert_eq!(cell_position(name), Some(at), "{name}");
            assert_eq!(cell_name(at), name);
        }
        for bad in ["", "A", "12", "A0", "ABCD1", "A1x", "-1"] {
            assert_eq!(cell_position(bad), None, "{bad}");
        }
    }

    #[test]
    fn shared_string_references_are_checked() {
        assert!(check_shared_string("2", 3, (0, 0)).is_ok());
        let past = check_shared_string("3", 3, (1, 2)).unwrap_err();
        assert!(past.contains("cell C2") && past.contains("shared string 3"), "{past}");
        for bad in ["-1", "x", "", "1.5"] {
            assert!(check_shared_string(bad, 3, (0, 0)).unwrap_err().contains("not a shared-string number"), "{bad}");
        }
    }

    #[test]
    fn contained_panics_become_errors() {
        assert_eq!(contained(|| 7), Ok(7));
        let error = contained(|| -> u8 { panic!("index out of bounds") }).unwrap_err();
        assert!(error.contains("damaged") && error.contains("index out of bounds"), "{error}");
    }

    #[test]
    fn workbooks_on_standard_input_are_known_by_signature() {
        assert_eq!(sniff(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest"), Some("xls"));
        assert_eq!(sniff(b"PK\x03\x04 not really a zip"), Some("xlsx"));
        assert_eq!(sniff(b"PK\x03\x04....mimetypeapplication/vnd.oasis.opendocument.spreadsheet"), Some("ods"));
        assert_eq!(sniff(b"id,name\n"), None);
        assert_eq!(sniff(b"PK"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn workbooks_are_known_by_extension() {
        assert!(is_workbook("staff.xlsx"));
        assert!(is_workbook("dir/STAFF.XLSX"));
        assert!(is_workbook("a.ods"));
        assert!(is_workbook("a.xls"));
        assert!(!is_workbook("staff.csv"));
        assert!(!is_workbook("-"));
        assert!(!is_workbook("xlsx"));
    }
}
