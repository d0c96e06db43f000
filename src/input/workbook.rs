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
//! - TRUE/FALSE as `true`/`false`; an error cell as its code (`#N/A`);
//! - text as written, a line break inside a cell as a space (a quoted line
//!   break would shift every later line number by one).

use anyhow::{bail, Context, Result};
use calamine::{Data, Ods, Range, Reader, SheetType, SheetVisible, Sheets, Xls, Xlsb, Xlsx};
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};

/// The workbook kinds calamine reads, by file extension (any case).
const EXTENSIONS: [&str; 7] = ["xlsx", "xlsm", "xlsb", "xls", "xla", "xlam", "ods"];

/// The extensions, for messages.
pub const EXTENSIONS_TEXT: &str = ".xlsx, .xlsm, .xlsb, .xls, .xla, .xlam, .ods";

/// Is `path` a workbook (by its extension)? `-` (standard input) never is.
pub fn is_workbook(path: &str) -> bool {
    extension(path).is_some()
}

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
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    check_zip(path, &bytes)?;
    let mut book = open(path, bytes)?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => match names.iter().find(|n| *n == wanted) {
            Some(n) => n.clone(),
            None => bail!("{path}: no sheet named `{wanted}`; the workbook's sheets are {}", list(&names)),
        },
        None => first_sheet(&book).with_context(|| format!("{path}: the workbook has no worksheet"))?,
    };
    let range = read_range(&mut book, &name, path)?;
    let rows = write_csv(&range, out).with_context(|| format!("{path}: cannot convert sheet `{name}`"))?;
    Ok(Sheet { name, sha256, rows })
}

/// The sheet converted in memory (for `explain`, `what-if` and `--scores`).
pub fn sheet_to_string(path: &str, sheet: Option<&str>) -> Result<(String, Sheet)> {
    let mut buffer = Vec::new();
    let sheet = sheet_to_csv(path, sheet, &mut buffer)?;
    let text = String::from_utf8(buffer).expect("calamine gives UTF-8 text and the CSV writer adds only ASCII");
    Ok((text, sheet))
}

fn open(path: &str, bytes: Vec<u8>) -> Result<Sheets<Cursor<Vec<u8>>>> {
    let reader = Cursor::new(bytes);
    let ext = extension(path).unwrap_or_default();
    let not_a = |kind: &str, e: &dyn std::fmt::Display| anyhow::anyhow!("{path}: not a readable {kind} workbook: {e}");
    Ok(match ext.as_str() {
        "xls" | "xla" => Sheets::Xls(Xls::new(reader).map_err(|e| not_a("Excel 97-2003 (.xls)", &e))?),
        "xlsb" => Sheets::Xlsb(Xlsb::new(reader).map_err(|e| not_a("Excel binary (.xlsb)", &e))?),
        "ods" => Sheets::Ods(Ods::new(reader).map_err(|e| not_a("OpenDocument (.ods)", &e))?),
        _ => Sheets::Xlsx(Xlsx::new(reader).map_err(|e| not_a("Excel (.xlsx)", &e))?),
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
fn read_range(book: &mut Sheets<Cursor<Vec<u8>>>, name: &str, path: &str) -> Result<Range<Data>> {
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
    check_area(path, name, cells.iter().map(|c| c.get_position()), cells.len())?;
    Ok(Range::from_sparse(cells))
}

/// The first visible worksheet, else the first worksheet of any visibility.
fn first_sheet(book: &Sheets<Cursor<Vec<u8>>>) -> Option<String> {
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
fn write_csv(range: &Range<Data>, out: &mut dyn Write) -> Result<usize> {
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
    for row in start.0..=end.0 {
        record.clear();
        for column in 0..=end.1 {
            record.push(range.get_value((row, column)).map(cell_text).unwrap_or_default());
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
