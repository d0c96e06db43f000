//! What pass 1 of a batch keeps of each row for pass 2, in a temporary file.
//!
//! Pass 2 decides and writes. It needs each row's figures (pass 1 computed
//! them) and the few cells the decision and the report read: the id, the
//! name and the columns rules test, not the score cells, which are most of
//! a row. Keeping just those spares pass 2 reading and splitting the whole
//! file again. A row pass 2 must evaluate as it was (in error, or with
//! figures the figure record cannot hold) is kept whole, every cell.
//!
//! A projected row keeps what resolving its other reserved cells gave
//! (position, grade, dates) instead of those cells, so pass 2 does not
//! resolve them again.
//!
//! The file is a run of chunks: `u32` bytes and `u32` rows, then the rows'
//! records, then the text of their cells, row after row. A record is `u32`
//! bytes (of what follows), `u32` bytes of its text, `u64` line, the figure
//! record ([`figures::spool`](crate::figures::spool); its flag says whether
//! the row is projected), for a projected row its position, sequence and
//! grade index (`u32`) and three dates (`i32` days from the common era,
//! `i32::MIN` for none), then `u32` cells and their ends in its text: `u16` when the count's
//! high bit is set (a row of at most 65,535 bytes of text), else `u32`.
//! Numbers are little-endian. The text of a chunk is checked as UTF-8 in
//! one go (row by row, that was a tenth of pass 2's reading). The file is
//! this process's own, so a record that does not read back is reported as
//! a damaged temporary file, not trusted.

use crate::figures::{spool, Figures, Periods};
use crate::input::cells::Cells;
use crate::input::records::{Layout, Resolved, Row, TenureColumn};
use crate::rule::Reserved;
use crate::scheme::{GradeRef, Scheme};
use anyhow::{bail, Result};
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;
use std::io::{Read, Write};
use std::ops::Range;

/// How rows are kept: the figure record, and the columns a projected row keeps.
pub struct RowSpool {
    pub figures: spool::Layout,
    /// Columns of the file a projected row keeps, in file order.
    columns: Vec<usize>,
    /// Those columns as runs of neighbours, (first, how many): a row read
    /// as one line keeps each run in one copy, commas and all.
    runs: Vec<(usize, usize)>,
    /// The layout of a projected row's cells (those columns, with their headers).
    pub projected: Layout,
    /// The scheme's positions, and grades of each sequence: a resolved row
    /// read back must point inside them.
    positions: usize,
    grades: Vec<usize>,
}

/// The high bit of a record's cell count: its cells' ends are `u16`, not `u32`.
const NARROW_ENDS: u32 = 1 << 31;
/// The next bit: its cells are one byte apart (the commas of the line they
/// were read from), not one after another. (A record is at most
/// `split::MAX_RECORD`, 16 MiB: its cells count below both bits.)
const GAPPED: u32 = 1 << 30;

/// One row read back.
pub struct KeptRow<'a> {
    pub line: u64,
    /// The figure record (pass 1's figures of a projected row).
    pub figures: &'a [u8],
    /// What a projected row resolved to; None for a row kept whole (cells
    /// of the file's layout, figures to compute).
    pub resolved: Option<Resolved>,
}

/// Bytes of a projected row's `Resolved`.
const RESOLVED: usize = 24;

const HEADER: usize = 8; // a chunk's bytes and rows

/// What a worker keeps of its rows, in order: their records, and the text
/// of their cells apart.
#[derive(Default)]
pub struct Kept {
    records: Vec<u8>,
    text: Vec<u8>,
}

impl Kept {
    /// Room for the rows a worker usually keeps in one go: doubling from
    /// nothing copied every byte kept about once more.
    pub fn new() -> Kept {
        Kept { records: Vec::with_capacity(1 << 15), text: Vec::with_capacity(1 << 14) }
    }
}

/// One chunk read back: its bytes, and where each row's record and text are.
#[derive(Default)]
pub struct KeptChunk {
    bytes: Vec<u8>,
    rows: Vec<(Range<usize>, Range<usize>)>,
    /// Where the text of the rows starts in `bytes`.
    text: usize,
}

impl KeptChunk {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Bytes of the chunk in the file.
    pub fn file_bytes(&self) -> usize {
        HEADER + self.bytes.len()
    }

    /// The text of the chunk's rows, checked as UTF-8 once for all.
    pub fn text(&self) -> Result<&str> {
        simdutf8::basic::from_utf8(&self.bytes[self.text..]).map_err(|_| damaged())
    }

    /// Each row's record, and the span of its cells in [`KeptChunk::text`].
    pub fn rows(&self) -> impl IndexedParallelIterator<Item = (&[u8], Range<usize>)> {
        let text = self.text;
        self.rows.par_iter().map(move |(record, cells)| (&self.bytes[record.clone()], cells.start - text..cells.end - text))
    }
}

impl RowSpool {
    pub fn new(scheme: &Scheme, layout: &Layout, periods: &Periods) -> RowSpool {
        // What pass 2 reads of a projected row's cells: its id and name (the
        // rest of its reserved cells is in what it resolved to) and the
        // columns rules test.
        // Under placement the grade cell is shown as it is, and the tenure
        // column is kept with the rest.
        let placing = layout.placement.is_some();
        let id_and_name = move |r: &Reserved| matches!(r, Reserved::Id | Reserved::Name) || (placing && *r == Reserved::Grade);
        let reserved = layout.reserved.iter().filter(move |(r, _)| id_and_name(r));
        let tenure = match layout.placement {
            Some(TenureColumn::Column(c)) => Some(c),
            _ => None,
        };
        let mut columns: Vec<usize> =
            reserved.clone().map(|(_, &c)| c).chain(layout.facts.iter().flatten().copied()).chain(tenure).collect();
        columns.sort_unstable();
        columns.dedup();
        let kept = |c: usize| columns.binary_search(&c).ok();
        let projected = Layout {
            headers: columns.iter().map(|&c| layout.headers[c].clone()).collect(),
            reserved: reserved.filter_map(|(&r, &c)| Some((r, kept(c)?))).collect(),
            scores: std::collections::HashMap::default(),
            facts: layout.facts.iter().map(|c| c.and_then(kept)).collect(),
            by_name: columns.iter().enumerate().map(|(i, &c)| (layout.headers[c].clone(), i)).collect(),
            header_line: layout.header_line,
            placement: layout.placement.map(|t| match t {
                TenureColumn::Column(c) => TenureColumn::Column(kept(c).unwrap_or(usize::MAX)),
                TenureColumn::HireDate => TenureColumn::HireDate,
            }),
        };
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &c in &columns {
            match runs.last_mut() {
                Some((first, n)) if *first + *n == c => *n += 1,
                _ => runs.push((c, 1)),
            }
        }
        RowSpool {
            figures: spool::Layout::new(scheme, periods),
            columns,
            runs,
            projected,
            positions: scheme.positions.len(),
            grades: scheme.sequences.iter().map(|s| s.grades.len()).collect(),
        }
    }

    /// Appends one row to `out`: projected when it has no problems and its
    /// figures fit the figure record, whole otherwise.
    pub fn write_row(&self, row: &Row, figures: Option<&Figures>, kept: &mut Kept) {
        let Kept { records: out, text } = kept;
        let start = out.len();
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&row.line.to_le_bytes());
        let flag = out.len();
        let resolved = row.resolved();
        self.figures.encode(figures.filter(|_| resolved.is_some()), out);
        let columns = match resolved {
            Some(r) if out[flag] == 1 => {
                write_resolved(&r, out);
                Some(self.columns.as_slice())
            }
            _ => None,
        };
        let cells = &row.cells;
        let text_start = text.len();
        if !(columns.is_some() && cells.gap() == 1 && self.write_runs(cells, out, text)) {
            write_cells(cells, columns, out, text);
        }
        let size = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&size.to_le_bytes());
        out[start + 4..start + 8].copy_from_slice(&((text.len() - text_start) as u32).to_le_bytes());
    }

    /// The kept cells of a row read as one line, run by run: the count,
    /// then each run's text in one copy with its commas (a comma between
    /// runs) and its cells' ends in the kept text; false, having written
    /// nothing, when the row lacks a kept column. One copy a run rather
    /// than two a cell: 1.2 % of the built-in scheme's instructions.
    fn write_runs(&self, cells: &Cells, out: &mut Vec<u8>, text: &mut Vec<u8>) -> bool {
        let runs = || self.runs.iter().map(|&(first, n)| cells.run(first, n));
        let Some(length) = runs().try_fold(self.runs.len().saturating_sub(1), |sum, run| Some(sum + run?.0.len())) else {
            return false;
        };
        let narrow = u16::try_from(length).is_ok();
        let count = self.columns.len() as u32 | GAPPED | if narrow { NARROW_ENDS } else { 0 };
        out.extend_from_slice(&count.to_le_bytes());
        let text_start = text.len();
        for (i, (bytes, start, ends)) in runs().flatten().enumerate() {
            if i > 0 {
                text.push(b',');
            }
            // A cell's end in the kept text: its end in the line, moved with its run.
            let at = (text.len() - text_start) as u32;
            text.extend_from_slice(bytes);
            for &end in ends {
                let end = end - start + at;
                match narrow {
                    true => out.extend_from_slice(&(end as u16).to_le_bytes()),
                    false => out.extend_from_slice(&end.to_le_bytes()),
                }
            }
        }
        true
    }

    /// Writes one chunk of `rows` rows (`pieces`, in order).
    pub fn write_chunk(out: &mut impl Write, rows: usize, pieces: &[&Kept]) -> Result<()> {
        let bytes: usize = pieces.iter().map(|p| p.records.len() + p.text.len()).sum();
        let (Ok(bytes), Ok(rows)) = (u32::try_from(bytes), u32::try_from(rows)) else {
            bail!("a chunk of rows is too large for the temporary file");
        };
        out.write_all(&bytes.to_le_bytes())?;
        out.write_all(&rows.to_le_bytes())?;
        for piece in pieces {
            out.write_all(&piece.records)?;
        }
        for piece in pieces {
            out.write_all(&piece.text)?;
        }
        Ok(())
    }

    /// Reads the next chunk into `chunk` (reusing its buffers); false at
    /// the end of the file.
    pub fn read_chunk(input: &mut impl Read, chunk: &mut KeptChunk) -> Result<bool> {
        let KeptChunk { bytes: buffer, rows, text } = chunk;
        rows.clear();
        let mut header = [0u8; HEADER];
        match input.read_exact(&mut header) {
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
            other => other?,
        }
        let bytes = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
        buffer.resize(bytes, 0);
        input.read_exact(buffer)?;
        // The records, each with the length of its text; then the texts.
        let mut at = 0;
        for _ in 0..count {
            let size = read_u32(buffer, at).ok_or_else(damaged)? as usize;
            let text_len = read_u32(buffer, at + 4).ok_or_else(damaged)? as usize;
            let end = at + 4 + size;
            if size < 4 || end > buffer.len() {
                return Err(damaged());
            }
            rows.push((at + 8..end, 0..text_len));
            at = end;
        }
        *text = at;
        for (_, cells) in rows.iter_mut() {
            *cells = at..at + cells.end;
            at = cells.end;
        }
        if at != buffer.len() {
            return Err(damaged());
        }
        Ok(true)
    }

    /// One row of a chunk read back, from its record and the text of its
    /// cells: its cells go into `cells` (reusing its buffers).
    pub fn read_row<'a>(&self, record: &'a [u8], text: Option<&str>, cells: &mut Cells) -> Result<KeptRow<'a>> {
        let size = self.figures.size();
        let (line, rest) = record.split_at_checked(8).ok_or_else(damaged)?;
        let (figures, rest) = rest.split_at_checked(size).ok_or_else(damaged)?;
        let (resolved, rest) = match figures.first() == Some(&1) {
            true => {
                let (bytes, rest) = rest.split_at_checked(RESOLVED).ok_or_else(damaged)?;
                let resolved = read_resolved(bytes).filter(|r| {
                    let grade_fits = |n: usize| r.grade.map_or(true, |g| g.sequence == r.sequence && g.index < n);
                    r.position < self.positions && self.grades.get(r.sequence).is_some_and(|&n| grade_fits(n))
                });
                (Some(resolved.ok_or_else(damaged)?), rest)
            }
            false => (None, rest),
        };
        let count = read_u32(rest, 0).ok_or_else(damaged)?;
        let (narrow, gap, count) = (count & NARROW_ENDS != 0, u32::from(count & GAPPED != 0), (count & !(NARROW_ENDS | GAPPED)) as usize);
        let ends = &rest[4..];
        let width = if narrow { 2 } else { 4 };
        if ends.len() != count * width {
            return Err(damaged());
        }
        // A damaged record has ends that go back, past the text or inside a character: refused by `fill_text`.
        let text = text.ok_or_else(damaged)?;
        let filled = match narrow {
            true => cells.fill_text(text, ends.chunks_exact(2).map(|e| u32::from(u16::from_le_bytes([e[0], e[1]]))), gap),
            false => cells.fill_text(text, ends.chunks_exact(4).map(|e| u32::from_le_bytes([e[0], e[1], e[2], e[3]])), gap),
        };
        filled.map_err(|_| damaged())?;
        let line = u64::from_le_bytes(line.try_into().map_err(|_| damaged())?);
        Ok(KeptRow { line, figures, resolved })
    }
}

/// The cells of `columns` (every cell when None), one after another: the
/// count, then each cell's end in the kept text.
fn write_cells(cells: &Cells, columns: Option<&[usize]>, out: &mut Vec<u8>, text: &mut Vec<u8>) {
    let count = columns.map_or(cells.len(), <[usize]>::len);
    let cell = |i: usize| cells.bytes(columns.map_or(i, |c| c[i]));
    let text_start = text.len();
    // Ends in 16 bits when the row's text allows (nearly every row): less
    // to write and read back. Written so first; a longer row's are
    // written again in 32.
    let count_at = out.len();
    out.extend_from_slice(&(count as u32 | NARROW_ENDS).to_le_bytes());
    for i in 0..count {
        text.extend_from_slice(cell(i));
        out.extend_from_slice(&((text.len() - text_start) as u16).to_le_bytes());
    }
    if text.len() - text_start > usize::from(u16::MAX) {
        out.truncate(count_at);
        out.extend_from_slice(&(count as u32).to_le_bytes());
        let mut end = 0;
        for i in 0..count {
            end += cell(i).len();
            out.extend_from_slice(&(end as u32).to_le_bytes());
        }
    }
}

fn write_resolved(r: &Resolved, out: &mut Vec<u8>) {
    // A placement's row has a sequence and no grade: index u32::MAX.
    for n in [r.position as u32, r.sequence as u32, r.grade.map_or(u32::MAX, |g| g.index as u32)] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    for date in [r.hire_date, r.grade_date, r.birth_date] {
        out.extend_from_slice(&date.map_or(i32::MIN, |d| d.num_days_from_ce()).to_le_bytes());
    }
}

fn read_resolved(bytes: &[u8]) -> Option<Resolved> {
    let n = |i: usize| read_u32(bytes, 4 * i);
    let date = |i: usize| match n(i)? as i32 {
        i32::MIN => Some(None),
        days => NaiveDate::from_num_days_from_ce_opt(days).map(Some),
    };
    Some(Resolved {
        position: n(0)? as usize,
        sequence: n(1)? as usize,
        grade: match n(2)? {
            u32::MAX => None,
            index => Some(GradeRef { sequence: n(1)? as usize, index: index as usize }),
        },
        hire_date: date(3)?,
        grade_date: date(4)?,
        birth_date: date(5)?,
    })
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn damaged() -> anyhow::Error {
    anyhow::anyhow!("the temporary file of pass 1 does not read back (was it changed by another program?)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::{HalfScore, QuarterScore};
    use crate::input::records::{parse_row, resolved_row};

    const HEADER: &str = "id,name,position,sequence,grade,hire_date,grade_date,customer_satisfaction,major_incident,education,\
        onsite_services,first_contact_resolution,tech_docs,customer_commendations,internal_commendations,exam_passed,large_projects,\
        remark,2026Q4.inquiry_handling";
    const ROW: &str = "E1,张伟,service_rep_1,technical,T1,2020-01-01,2021-01-01,95,no,大专,50,90,1,1,0,yes,0,note,88";

    fn setup(row: &str) -> (RowSpool, Row, Periods) {
        setup_read(row, false)
    }

    /// The row's cells as the csv crate reads them (one after another), or
    /// as a line without quotes is read (`plain`: the line, cut at its commas).
    fn setup_read(row: &str, plain: bool) -> (RowSpool, Row, Periods) {
        let scheme = crate::scheme::load_scheme(None).expect("the default scheme");
        let layout = Layout::new(&scheme, HEADER.split(',').map(String::from).collect(), "t.csv").expect("a usable header");
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        let periods = Periods::new(&scheme, as_of);
        let spool = RowSpool::new(&scheme, &layout, &periods);
        let cells = match plain {
            true => {
                let mut cells = Cells::default();
                cells.fill_plain(row);
                cells
            }
            false => Cells::from(row.split(',').map(String::from).collect::<Vec<_>>()),
        };
        (spool, parse_row(&scheme, &layout, 7, cells, as_of), periods)
    }

    fn cells(c: &Cells) -> Vec<&str> {
        c.iter().collect()
    }

    fn figures(periods: &Periods) -> Figures {
        Figures {
            quarters: periods.quarters_read.iter().map(|&period| QuarterScore { period, items: vec![], score: None }).collect(),
            halves: periods.halves.iter().map(|&period| HalfScore { period, ratings: vec![], rating: None }).collect(),
            ..Figures::default()
        }
    }

    /// `rows` written as one chunk and read back.
    fn round_trip(spool: &RowSpool, rows: &[(&Row, Option<&Figures>)]) -> KeptChunk {
        let mut kept = Kept::new();
        for (row, figures) in rows {
            spool.write_row(row, *figures, &mut kept);
        }
        let mut file = Vec::new();
        RowSpool::write_chunk(&mut file, rows.len(), &[&kept]).unwrap();
        let mut chunk = KeptChunk::default();
        assert!(RowSpool::read_chunk(&mut file.as_slice(), &mut chunk).unwrap());
        assert_eq!(chunk.file_bytes(), file.len());
        chunk
    }

    /// Row `i` of a chunk: its record and its text.
    fn row_of(chunk: &KeptChunk, i: usize) -> (Vec<u8>, String) {
        let text = chunk.text().unwrap();
        let rows: Vec<(&[u8], Range<usize>)> = chunk.rows().collect();
        (rows[i].0.to_vec(), text[rows[i].1.clone()].to_string())
    }

    #[test]
    fn a_row_with_figures_keeps_the_cells_pass_2_reads_and_no_others() {
        let (spool, row, periods) = setup(ROW);
        let f = figures(&periods);
        let chunk = round_trip(&spool, &[(&row, Some(&f)), (&row, None)]);
        assert_eq!(chunk.len(), 2);
        let (record, text) = row_of(&chunk, 0);
        let mut back = Cells::default();
        let kept = spool.read_row(&record, Some(&text), &mut back).unwrap();
        assert_eq!(kept.line, 7);
        // Id, name and the columns rules test: not the resolved position,
        // sequence, grade and dates, the unused `remark` or the score.
        let all = cells(&row.cells);
        assert_eq!(cells(&back), [&all[..2], &all[7..17]].concat());
        assert_eq!(spool.projected.headers.len(), 12);
        assert_eq!(spool.projected.headers[2], "customer_satisfaction");
        assert!(spool.figures.decode(kept.figures, &periods).is_some());
        // What it resolved to comes back, and makes the row parse_row made.
        let resolved = kept.resolved.expect("a projected row keeps what it resolved to");
        assert_eq!(Some(resolved), row.resolved());
        let again = resolved_row(&spool.projected, kept.line, back, &resolved);
        assert_eq!(
            format!("{:?}", (&again.id, &again.name, again.position, again.grade, again.hire_date, again.grade_date)),
            format!("{:?}", (&row.id, &row.name, row.position, row.grade, row.hire_date, row.grade_date))
        );
        assert_eq!((again.birth_date, again.sequence, again.errors.len()), (None, row.sequence, 0));
        // The second row, without figures, is kept whole, after the first in the chunk's text.
        let (record, text) = row_of(&chunk, 1);
        let mut back = Cells::default();
        assert_eq!(spool.read_row(&record, Some(&text), &mut back).unwrap().resolved, None);
        assert_eq!(cells(&back), all);
    }

    #[test]
    fn a_row_in_error_is_kept_whole_and_a_damaged_one_is_refused() {
        // An unknown grade: figures or not, the row is kept whole.
        let (spool, row, periods) = setup(&ROW.replace(",T1,", ",T9,"));
        assert!(!row.errors.is_empty());
        let chunk = round_trip(&spool, &[(&row, Some(&figures(&periods)))]);
        let (record, text) = row_of(&chunk, 0);
        let mut back = Cells::default();
        let kept = spool.read_row(&record, Some(&text), &mut back).unwrap();
        assert_eq!((kept.line, kept.resolved), (7, None));
        assert_eq!(cells(&back), cells(&row.cells));
        for cut in [5, 24, record.len() - 1] {
            assert!(spool.read_row(&record[..cut], Some(&text), &mut back).is_err(), "cut at {cut}");
        }
        // Text that is short, or whose cells would end inside a character.
        assert!(spool.read_row(&record, Some(&text[..text.len() - 1]), &mut back).is_err());
        assert!(spool.read_row(&record, None, &mut back).is_err());
        let shifted = format!("x{}", &text[..text.len() - 1]);
        assert!(text.contains('张') && spool.read_row(&record, Some(&shifted), &mut back).is_err());
        // A chunk whose rows overrun it.
        let mut kept = Kept::new();
        spool.write_row(&row, None, &mut kept);
        let mut file = Vec::new();
        RowSpool::write_chunk(&mut file, 2, &[&kept]).unwrap();
        let mut chunk = KeptChunk::default();
        assert!(RowSpool::read_chunk(&mut file.as_slice(), &mut chunk).is_err());
        let mut file = Vec::new();
        RowSpool::write_chunk(&mut file, 1, &[&kept]).unwrap();
        assert!(RowSpool::read_chunk(&mut file.as_slice(), &mut chunk).unwrap());
        assert!(!RowSpool::read_chunk(&mut &file[file.len()..], &mut chunk).unwrap());
        // A chunk whose text is not UTF-8.
        let last = file.len() - 1;
        file[last] = 0xFF;
        assert!(RowSpool::read_chunk(&mut file.as_slice(), &mut chunk).unwrap());
        assert!(chunk.text().is_err());
    }

    #[test]
    fn a_row_of_more_than_64_kib_of_text_comes_back_whole() {
        // Its ends do not fit 16 bits: they are kept in 32, beside a narrow
        // row; read as the csv crate reads it, or as a plain line.
        let long = "备".repeat(30_000);
        for plain in [false, true] {
            let (spool, row, periods) = setup_read(&ROW.replace("张伟", &long), plain);
            let (_, short, _) = setup_read(ROW, plain);
            let f = figures(&periods);
            let chunk = round_trip(&spool, &[(&row, Some(&f)), (&short, Some(&f))]);
            for (i, original) in [&row, &short].into_iter().enumerate() {
                let (record, text) = row_of(&chunk, i);
                let mut back = Cells::default();
                spool.read_row(&record, Some(&text), &mut back).unwrap();
                let all = cells(&original.cells);
                assert_eq!(cells(&back), [&all[..2], &all[7..17]].concat(), "plain: {plain}");
            }
            assert!(row_of(&chunk, 0).1.len() > usize::from(u16::MAX));
        }
    }

    #[test]
    fn a_plain_line_keeps_its_runs_of_cells_with_their_commas() {
        // Id and name, then the ten columns rules test: two runs, each one
        // copy of the line, a comma between them.
        let (spool, row, periods) = setup_read(ROW, true);
        assert_eq!(spool.runs, [(0, 2), (7, 10)]);
        let chunk = round_trip(&spool, &[(&row, Some(&figures(&periods)))]);
        let (record, text) = row_of(&chunk, 0);
        assert_eq!(text, "E1,张伟,95,no,大专,50,90,1,1,0,yes,0");
        let mut back = Cells::default();
        spool.read_row(&record, Some(&text), &mut back).unwrap();
        let all = cells(&row.cells);
        assert_eq!(cells(&back), [&all[..2], &all[7..17]].concat());
        // Text one byte short, or shifted so a cell would start inside a character.
        assert!(spool.read_row(&record, Some(&text[..text.len() - 1]), &mut back).is_err());
        let shifted = format!("x{}", &text[..text.len() - 1]);
        assert!(spool.read_row(&record, Some(&shifted), &mut back).is_err());
        // A row that lacks a kept column is kept cell by cell: whole, as a row in error is.
        let short = ROW.rsplit_once(',').unwrap().0.rsplit_once(',').unwrap().0.rsplit_once(',').unwrap().0;
        let (_, row, _) = setup_read(short, true);
        let chunk = round_trip(&spool, &[(&row, Some(&figures(&periods)))]);
        let (record, text) = row_of(&chunk, 0);
        spool.read_row(&record, Some(&text), &mut back).unwrap();
        assert_eq!(cells(&back), cells(&row.cells));
    }

    #[test]
    fn a_resolved_grade_outside_the_scheme_is_refused() {
        let (spool, row, periods) = setup(ROW);
        let chunk = round_trip(&spool, &[(&row, Some(&figures(&periods)))]);
        let (mut record, text) = row_of(&chunk, 0);
        // The grade index sits after the line, the figure record, position and sequence.
        let at = 8 + spool.figures.size() + 8;
        record[at..at + 4].copy_from_slice(&999u32.to_le_bytes());
        assert!(spool.read_row(&record, Some(&text), &mut Cells::default()).is_err());
    }
}
