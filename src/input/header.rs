//! Finding the header of an employee file as HR systems export it (SPEC §3,
//! "Spreadsheets as they are exported"): title rows above the header, a
//! two-level header (a group row such as `2026Q3` over the item names) and
//! `--header-row N`. Every reader of the employee file (the streaming batch,
//! the in-memory batch behind `explain` and `what-if`) finds its header here,
//! so that they cannot disagree on which rows are the header.
//!
//! Rows are counted as the file's lines (a workbook's CSV has one line per
//! sheet row), so "row 3" here is "line 3" in every other message.

use crate::calendar::looks_like_period;
use anyhow::{bail, Result};
use std::io::Read;

/// Rows searched for the header when the first one is not it.
pub const SEARCHED_ROWS: u64 = 10;

/// The columns a header must have: for each required field, the names it may
/// go by (its own and the scheme's `columns:` aliases). The first is the id.
#[derive(Debug, Clone)]
pub struct Required {
    pub fields: Vec<Vec<String>>,
}

impl Required {
    /// Does a row of names hold every required column?
    fn held_by(&self, names: &[String]) -> bool {
        self.fields.iter().all(|field| field.iter().any(|n| names.iter().any(|h| h == n)))
    }

    /// The id's column in a row of names.
    fn id_column(&self, names: &[String]) -> Option<usize> {
        let id = self.fields.first()?;
        names.iter().position(|h| id.iter().any(|n| n == h))
    }

    /// "`id`, `position`, …", for messages.
    fn list(&self) -> String {
        self.fields.iter().filter_map(|f| f.first()).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
    }
}

/// The header found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// One name a column, trimmed (two-level headers combined).
    pub names: Vec<String>,
    /// The line of the header's (upper) row.
    pub line: u64,
    /// The line of its second level, for a two-level header.
    pub second: Option<u64>,
    /// Byte offset just past the header's last row: the records start there.
    pub end: u64,
    /// What to say on stderr about the rows used (None: the first row, one level).
    pub note: Option<String>,
    /// Set when the first row was taken only because no row of the first
    /// [`SEARCHED_ROWS`] held every required column: the line to add to
    /// the problems of that row.
    pub not_found: Option<String>,
}

/// One record of the top of the file.
struct Top {
    line: u64,
    cells: Vec<String>,
    /// Byte offset just past it.
    end: u64,
}

impl Top {
    fn blank(&self) -> bool {
        self.cells.iter().all(std::string::String::is_empty)
    }
}

/// Reads the top of `source` (a CSV stream from its first byte, decoded)
/// and finds the header: row `header_row` when given, else the first row
/// when it holds every required column, else the first of the first
/// [`SEARCHED_ROWS`] rows that does; the row below becomes the header's
/// second level when it is one (see [`second_level`]).
pub fn find<R: Read>(source: R, required: &Required, header_row: Option<u64>, display: &str) -> Result<Header> {
    let mut rows = TopReader::new(source);
    // The rows read so far, blank ones left out.
    let mut top: Vec<Top> = Vec::new();
    let chosen = match header_row {
        Some(n) => {
            let at = loop {
                match rows.next(display)? {
                    None => {
                        let last = top.last().map_or(0, |t| t.line);
                        bail!("{display}: --header-row {n}: the file has no row {n} (its last non-blank row is line {last})")
                    }
                    Some(row) if row.line == n => {
                        if row.blank() {
                            bail!("{display}: --header-row {n}: line {n} is blank (expected the header row)");
                        }
                        top.push(row);
                        break top.len() - 1;
                    }
                    Some(row) if row.line > n => {
                        bail!("{display}: --header-row {n}: line {n} is blank, or inside a quoted cell that spans lines (expected the header row)")
                    }
                    Some(row) => {
                        if !row.blank() {
                            top.push(row);
                        }
                    }
                }
            };
            Chosen::Named(at)
        }
        None => {
            let mut found = None;
            while let Some(row) = rows.next(display)? {
                if row.line > SEARCHED_ROWS + 1 {
                    break;
                }
                if row.blank() {
                    continue;
                }
                top.push(row);
                // A row qualifies on its own names, or on the names its second
                // level (the row now read below it) gives it.
                let n = top.len();
                if n >= 2 && top[n - 2].line <= SEARCHED_ROWS && qualifies(&top[n - 2], Some(&top[n - 1]), required) {
                    found = Some(n - 2);
                    break;
                }
            }
            // The last row read may qualify alone (nothing read below it).
            if found.is_none() {
                if let Some(last) = top.last() {
                    if last.line <= SEARCHED_ROWS && qualifies(last, None, required) {
                        found = Some(top.len() - 1);
                    }
                }
            }
            match found {
                Some(i) => Chosen::Found(i),
                None if top.is_empty() => {
                    bail!("{display}: line 1: the file is empty: expected a header row (id, position, sequence, grade, hire_date, grade_date, …)")
                }
                None => Chosen::NotFound,
            }
        }
    };
    let at = match chosen {
        Chosen::Named(i) | Chosen::Found(i) => i,
        Chosen::NotFound => 0,
    };
    // The row below, for a second level (read now if it was not yet).
    if top.len() == at + 1 {
        while let Some(row) = rows.next(display)? {
            if !row.blank() {
                top.push(row);
                break;
            }
        }
    }
    let upper = &top[at];
    let lower = top.get(at + 1).filter(|lower| second_level(upper, lower, required));
    let names = match lower {
        Some(lower) => combine(&upper.cells, &lower.cells),
        None => upper.cells.clone(),
    };
    let end = lower.map_or(upper.end, |l| l.end);
    let first_line = top[0].line;
    let lines = match lower {
        Some(l) => format!("lines {}–{} (a two-level header: the group row over the names)", upper.line, l.line),
        None => format!("line {}", upper.line),
    };
    let note = match chosen {
        Chosen::Found(_) if upper.line > first_line => {
            let above =
                if upper.line == 2 { "line 1 above it is".to_string() } else { format!("lines 1–{} above it are", upper.line - 1) };
            Some(format!(
                "{display}: the header is {lines}, the first row with every required column; {above} skipped as titles (--header-row N names another row)"
            ))
        }
        Chosen::Named(_) | Chosen::Found(_) if lower.is_some() => Some(format!("{display}: the header is {lines}")),
        _ => None,
    };
    let not_found = matches!(chosen, Chosen::NotFound).then(|| {
        format!(
            "{display}: no row of the first {SEARCHED_ROWS} has every required column ({}); if the header is further down, name it with --header-row N",
            required.list()
        )
    });
    Ok(Header { names, line: upper.line, second: lower.map(|l| l.line), end, note, not_found })
}

enum Chosen {
    /// `--header-row`: the index in `top`.
    Named(usize),
    /// Found by the search.
    Found(usize),
    /// No row qualified: the first is used, for its problems.
    NotFound,
}

/// Does `row` (with the row below it, when read) hold every required column?
fn qualifies(row: &Top, below: Option<&Top>, required: &Required) -> bool {
    if required.held_by(&row.cells) {
        return true;
    }
    match below {
        Some(lower) if second_level(row, lower, required) => required.held_by(&combine(&row.cells, &lower.cells)),
        _ => false,
    }
}

/// Is `lower` the second level of the header row `upper`? When `upper` has
/// blank cells (a merged group leaves all but its first cell blank), and
/// `lower` has a blank id cell and text under every one of them. A column
/// blank in both rows (an unnamed spacer, or the empty columns a sheet's
/// used range ends with) is left out of the test; at least one blank cell
/// of `upper` must have text under it.
pub fn second_level_cells(upper: &[String], lower: &[String], id_column: usize) -> bool {
    let blank = |row: &[String], i: usize| row.get(i).map_or(true, std::string::String::is_empty);
    if !blank(lower, id_column) {
        return false;
    }
    // Blank upper cells with text below them; one blank in both rows is no
    // column to name, and is left out.
    let width = upper.len().max(lower.len());
    (0..width).any(|i| blank(upper, i) && !blank(lower, i))
}

/// [`second_level_cells`], with the id column of `upper` (no id column, no
/// second level), and only when the combined names still hold every
/// required column: a data row with a blank id below a header with an
/// unnamed column must stay a data row (its cells would rename `position`,
/// `grade`, … and lose them).
fn second_level(upper: &Top, lower: &Top, required: &Required) -> bool {
    match required.id_column(&upper.cells) {
        Some(id) => second_level_cells(&upper.cells, &lower.cells, id) && required.held_by(&combine(&upper.cells, &lower.cells)),
        None => false,
    }
}

/// The names of a two-level header: a column's lower cell, prefixed with the
/// period when its group (its upper cell, or the nearest non-blank upper
/// cell on its left, where a merge left it blank) is a period; its upper cell
/// when the lower one is blank.
pub fn combine(upper: &[String], lower: &[String]) -> Vec<String> {
    let width = upper.len().max(lower.len());
    let mut group = "";
    (0..width)
        .map(|i| {
            let up = upper.get(i).map_or("", String::as_str);
            let low = lower.get(i).map_or("", String::as_str);
            if !up.is_empty() {
                group = up;
            }
            if low.is_empty() {
                up.to_string()
            } else if looks_like_period(group) {
                format!("{group}.{low}")
            } else {
                low.to_string()
            }
        })
        .collect()
}

/// Reads records from the top of a stream, each with its line and the byte
/// offset past it. The bytes read are kept to count lines: the csv reader
/// reads ahead, so the line of a record is counted in the bytes it was read
/// from, up to where the record starts.
struct TopReader<R> {
    reader: csv::Reader<Keep<R>>,
    kept: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
    record: csv::ByteRecord,
    counted: usize,
    line: u64,
}

/// Passes bytes through, keeping a copy.
struct Keep<R> {
    inner: R,
    kept: std::rc::Rc<std::cell::RefCell<Vec<u8>>>,
}

impl<R: Read> Read for Keep<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut kept = self.kept.borrow_mut();
        // The top of a file of employees is a few short rows: past the
        // longest record there is one record too long to be a row.
        if kept.len() + n > crate::input::split::MAX_RECORD {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, crate::input::split::record_too_long()));
        }
        kept.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl<R: Read> TopReader<R> {
    fn new(source: R) -> TopReader<R> {
        let kept = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        // As `records::csv_reader` reads records, but every row is a record here.
        let reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(false)
            .buffer_capacity(1 << 16)
            .from_reader(Keep { inner: source, kept: kept.clone() });
        TopReader { reader, kept, record: csv::ByteRecord::new(), counted: 0, line: 1 }
    }

    /// The next record; None at the end of the stream.
    fn next(&mut self, display: &str) -> Result<Option<Top>> {
        let more = match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => more,
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(io) => {
                    // The record being read starts where the last one read ended.
                    let kept = self.kept.borrow();
                    let end = (self.reader.position().byte() as usize).min(kept.len());
                    let line = self.line + crate::input::split::line_ends(&kept[self.counted.min(end)..end]);
                    bail!("{display}: line {line}: {io}")
                }
                _ => bail!("{display}: line {}: malformed CSV: {e}", self.line),
            },
        };
        if !more {
            return Ok(None);
        }
        let start = self.record.position().map_or(0, |p| p.byte() as usize);
        let line = {
            // As `blocks::Lines::at`: line ends the reader had not yet passed are skipped.
            let kept = self.kept.borrow();
            let rest = kept.get(start..).unwrap_or_default();
            let start = start + rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            if start > self.counted {
                self.line += crate::input::split::line_ends(&kept[self.counted..start.min(kept.len())]);
                self.counted = start;
            }
            self.line
        };
        let mut cells = Vec::with_capacity(self.record.len());
        for (field, bytes) in self.record.iter().enumerate() {
            match std::str::from_utf8(bytes) {
                Ok(text) => cells.push(text.trim().to_string()),
                Err(_) => bail!(
                    "{display}: line {line}: field {}: not valid UTF-8; if the file was saved by Excel on a Chinese system, try --encoding gbk",
                    field + 1
                ),
            }
        }
        let end = self.reader.position().byte();
        Ok(Some(Top { line, cells, end }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn required() -> Required {
        let fields = ["id", "position", "sequence", "grade", "hire_date", "grade_date"];
        let mut fields: Vec<Vec<String>> = fields.iter().map(|f| vec![(*f).to_string()]).collect();
        fields[0].push("工号".to_string());
        Required { fields }
    }

    fn names(csv: &str, header_row: Option<u64>) -> Result<Header> {
        find(csv.as_bytes(), &required(), header_row, "t.csv")
    }

    const HEADER: &str = "id,position,sequence,grade,hire_date,grade_date";

    #[test]
    fn the_first_row_is_the_header_when_it_has_every_required_column() {
        let text = format!("{HEADER}\nE1,a,b,c,d,e\n");
        let h = names(&text, None).unwrap();
        assert_eq!(h.names.join(","), HEADER);
        assert_eq!((h.line, h.second, h.end, h.note, h.not_found), (1, None, HEADER.len() as u64 + 1, None, None));
    }

    #[test]
    fn title_rows_are_skipped_with_a_note() {
        let text = format!("Report 2026,,,,,\n,,,,,\n\n{HEADER}\nE1,a,b,c,d,e\n");
        let h = names(&text, None).unwrap();
        assert_eq!(h.names.join(","), HEADER);
        assert_eq!(h.line, 4);
        assert_eq!(&text[h.end as usize..], "E1,a,b,c,d,e\n");
        assert!(h.note.unwrap().contains("line 4"));
    }

    #[test]
    fn only_the_first_ten_rows_are_searched() {
        let text = format!("{}{HEADER}\nE1,a,b,c,d,e\n", "title\n".repeat(10));
        let h = names(&text, None).unwrap();
        assert_eq!((h.line, h.names.join(",")), (1, "title".to_string()));
        assert!(h.not_found.unwrap().contains("first 10"));
        let text = format!("{}{HEADER}\nE1,a,b,c,d,e\n", "title\n".repeat(9));
        assert_eq!(names(&text, None).unwrap().line, 10);
    }

    #[test]
    fn a_named_header_row_counts_blank_lines() {
        let text = format!("title\n\n{HEADER}\nE1,a,b,c,d,e\n");
        let h = names(&text, Some(3)).unwrap();
        assert_eq!((h.line, h.note), (3, None));
        assert!(names(&text, Some(2)).unwrap_err().to_string().contains("line 2 is blank"));
        assert!(names(&text, Some(9)).unwrap_err().to_string().contains("no row 9"));
        // A row that is not a header is taken as one, for Layout to judge.
        assert_eq!(names(&text, Some(4)).unwrap().names[0], "E1");
    }

    #[test]
    fn a_two_level_header_prefixes_the_period_of_its_group() {
        let text = "工号,position,sequence,grade,hire_date,grade_date,2026Q3,,2026Q4,,学历\n\
                    ,,,,,,standardization,csat,standardization,csat,\n\
                    E1,a,b,c,d,e,1,2,3,4,x\n";
        let h = names(text, None).unwrap();
        assert_eq!(
            h.names.join(","),
            "工号,position,sequence,grade,hire_date,grade_date,2026Q3.standardization,2026Q3.csat,2026Q4.standardization,2026Q4.csat,学历"
        );
        assert_eq!((h.line, h.second), (1, Some(2)));
        assert!(text[h.end as usize..].starts_with("E1,"));
        assert!(h.note.unwrap().contains("lines 1–2"));
    }

    #[test]
    fn a_data_row_is_no_second_level() {
        // Its id cell is filled.
        let text = format!("{HEADER},2026Q3,\nE1,a,b,c,d,e,1,2\n");
        let h = names(&text, None).unwrap();
        assert_eq!((h.second, h.names.len()), (None, 8));
        // Its id is blank, and it has a cell under the unnamed column: its
        // other cells would rename the required columns.
        let text = format!("{HEADER},\n,a,b,c,d,e,x\n");
        assert_eq!(names(&text, None).unwrap().second, None);
        let text = format!("{HEADER},\n,,,,,,x\n");
        assert_eq!(names(&text, None).unwrap().second, Some(2));
        // A blank under a blank upper cell.
        assert!(!second_level_cells(&cells("id,x,,"), &cells(",y,,"), 0));
        assert!(!second_level_cells(&cells("id,x,,z"), &cells(",y,,"), 0));
        assert!(second_level_cells(&cells("id,x,,"), &cells(",y,w,"), 0));
        assert!(!second_level_cells(&cells("id,x,y"), &cells(",y,w"), 0));
    }

    #[test]
    fn group_names_that_are_not_periods_are_dropped() {
        assert_eq!(combine(&cells("id,基本信息,,2026H1,"), &cells(",姓名,学历,p,q")), cells("id,姓名,学历,2026H1.p,2026H1.q"));
    }

    fn cells(row: &str) -> Vec<String> {
        row.split(',').map(String::from).collect()
    }
}
