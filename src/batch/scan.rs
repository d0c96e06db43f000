//! One employee of a big file without the file in memory (`explain`,
//! `what-if`). Rank needs the composites of the employee's whole cohort, not
//! the others' rows: a scan reads every record as `evaluate`'s first pass
//! does (blocks parsed by the pool, the fast figures, ids checked, each
//! cohort's composites counted per hundredth) and keeps only the rows it is
//! asked for. Those few rows are then evaluated by the exact detailed path,
//! against the cohort's composites ([`standing_in`]); the result is the one
//! the in-memory evaluation gives (`tests/integration/big_file_detail.rs`
//! holds the two equal), in the memory of a streaming batch.
//!
//! Only the employee's cohort needs composites, so the employee is looked
//! for first ([`locate`]: a search for the id's bytes, and only the blocks
//! that hold them split into cells, stopping at the first match); the scan
//! then computes figures only for the rows of that cohort ([`Wanted`]).
//! Every row is still read, split and its id checked, as before.

use crate::batch::chunk::{for_each_chunk, Chunk};
use crate::batch::cohorts::{hundredths, standing_at, CohortKey, Cohorts, Members};
use crate::batch::ids::Seen;
use crate::batch::memory::{read_layout, unknown_score_ids, Batch, Evaluation, Outcome};
use crate::batch::reading::{read_record, Reading, Start};
pub use crate::batch::reading::{KeptRow, Wanted};
use crate::batch::sink_rows::{SinkRow, SinkRows};
use crate::figures::{Figures, Periods, Standing};
use crate::input::cells::Cells;
use crate::input::records::{parse_row, Input, Layout, LongScores, Row};
use crate::input::source::Source;
use crate::input::split::{parse_block_where, BlockReader, Cutter};
use crate::input::Files;
use crate::scheme::Scheme;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use indicatif::ProgressBar;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicBool, Ordering};

/// The employee file and how to read it, as `evaluate` takes it.
pub struct Request<'a> {
    pub scheme: &'a Scheme,
    /// The employee file: a path (standard input cannot be read twice: the
    /// caller reads it whole), its encoding, sheet and header's line.
    pub files: &'a Files,
    pub scores: Option<&'a Input>,
    pub as_of: NaiveDate,
    /// The answer names the file's hash (json): the records are hashed as
    /// they are read. The text answer does not, and is spared the SHA-256.
    pub hash: bool,
}

impl<'a> Request<'a> {
    /// The scan of the employee file `files` names (its `--header-row` too),
    /// for an answer that names the file's hash when `hash`.
    pub fn of_files(scheme: &'a Scheme, files: &'a Files, scores: Option<&'a Input>, as_of: NaiveDate, hash: bool) -> Request<'a> {
        Request { scheme, files, scores, as_of, hash }
    }
}

/// Opens the employee file of `req` once for all the reads of one
/// employee's answer (a workbook's sheet is turned into CSV here, once).
pub fn open(req: &Request) -> Result<Source> {
    req.files.open_employees(&|_, _, _| Ok(()))
}

/// What the "no employee with id" message says of the file's ids.
#[derive(Debug, Default)]
pub struct Ids {
    /// Rows with an id.
    pub count: usize,
    pub first: Option<String>,
    pub last: Option<String>,
    /// The first id that differs from the one asked for only in case or spaces.
    pub close: Option<String>,
}

/// What a scan read.
pub struct Scan {
    pub display: String,
    pub layout: Layout,
    /// The input files: (name, SHA-256), as the in-memory evaluation has them.
    pub inputs: Vec<(String, String)>,
    pub long: LongScores,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    /// Every cohort's composites, counted (not finished: see [`Cohorts::composites`]).
    pub cohorts: Cohorts,
    /// Rows whose id an earlier row has: row index → that row's line.
    pub duplicates: hashbrown::HashMap<u64, u64>,
    /// The rows `select` kept, in file order (duplicates left out).
    pub kept: Vec<KeptRow>,
    pub ids: Ids,
    /// With `members`: every ranked row's line, cohort, composite and band,
    /// so that the rows whose standing a change moves are known without
    /// evaluating the file again (4 or 5 bytes a row), and their cohorts.
    pub members: Members,
    /// Where the records start in the file as read (past the header's rows).
    pub records_start: u64,
    /// The cohorts ranked: `cohorts` and `members` hold these, no others.
    pub wanted: Wanted,
}

/// Asked of every row, with its lean figures and, when it has a composite, its cohort.
pub type RowTest<'a> = dyn Fn(&Row, Option<&Figures>, Option<&CohortKey>) -> bool + Sync + 'a;

/// Reads every record of the file once (see the module's comment). `id`
/// is only used to find an id close to it, for the message when it is
/// missing; `members`: keep [`Scan::members`]; the figures are computed
/// for the rows of the `wanted` cohorts only (the others are given None).
pub fn scan(req: &Request, source: &Source, id: &str, select: &RowTest, members: bool, wanted: Wanted) -> Result<Scan> {
    let scheme = req.scheme;
    let start =
        Start { scheme, source, scores: req.scores, as_of: req.as_of, header_row: req.files.header_row, placement: false, hash: req.hash };
    let (reading, mut cutter) = Reading::start(&start)?;
    // The scan decides nothing (the rows' figures only): any words will do.
    let batch = reading.batch(scheme, crate::rule::words::Words::english());

    #[derive(Default)]
    struct Piece {
        /// Each row's line, id, cohort and composite.
        rows: SinkRows,
        /// The cells of the rows `select` keeps (rarely any), by their place in `rows`.
        kept: Vec<(usize, Cells)>,
        spare: Figures,
    }
    let work = |chunk: &mut Chunk| -> Result<(usize, Vec<Box<Piece>>)> {
        let bytes = chunk.raw.bytes.len();
        Ok((
            bytes,
            chunk
                .parse_blocks(&source.display)?
                .par_iter_mut()
                .flat_map(|(_, records)| records.par_iter_mut())
                .fold(Box::<Piece>::default, |mut piece, (line, record)| {
                    read_record(&batch, &wanted, *line, record, &mut piece.spare, |row, figures, cohort| {
                        if select(row, figures, cohort.as_ref().map(|(k, _)| k)) {
                            piece.kept.push((piece.rows.len(), row.cells.clone()));
                        }
                        piece.rows.push(*line, &row.id, cohort);
                    });
                    piece
                })
                .collect(),
        ))
    };
    let read = |chunk: &mut Chunk| chunk.fill_from(&mut cutter, &source.display);
    let mut seen = Seen::default();
    let mut ids = Ids::default();
    let mut cohorts = Cohorts::default();
    let mut kept = Vec::new();
    let mut kept_members = Members::default();
    for_each_chunk(&ProgressBar::hidden(), read, work, |pieces| {
        let (bytes, mut pieces) = pieces?;
        // After the first chunk, the id set sized for the whole file, as `evaluate` does.
        if seen.rows == 0 {
            let first_ids: Vec<&str> = pieces.iter().flat_map(|p| p.rows.ids()).collect();
            seen.ids.reserve_for_file(source.len, bytes, first_ids.into_iter());
        }
        for piece in &mut pieces {
            let Piece { rows, kept: kept_cells, .. } = &mut **piece;
            let mut kept_cells = kept_cells.drain(..).peekable();
            // The piece's last row with an id.
            let mut last = None;
            for (i, SinkRow { line, id: row_id, cohort }) in rows.in_cohorts(&mut cohorts)?.enumerate() {
                let cells = kept_cells.next_if(|(at, _)| *at == i).map(|(_, cells)| cells);
                if !row_id.is_empty() {
                    last = Some(row_id);
                    ids.count += 1;
                    if ids.first.is_none() {
                        ids.first = Some(row_id.to_string());
                    }
                    if ids.close.is_none() && is_close(row_id, id) {
                        ids.close = Some(row_id.to_string());
                    }
                }
                let index = seen.rows;
                if !seen.first(line, row_id)? {
                    continue;
                }
                if let Some((at, key, composite)) = cohort {
                    if members {
                        kept_members.add(line, key, composite);
                    }
                    cohorts.add_at(at, composite)?;
                }
                if let Some(cells) = cells {
                    kept.push(KeptRow { line, index, cells });
                }
            }
            if let Some(last) = last {
                ids.last = Some(last.to_string());
            }
        }
        Ok(())
    })
    .map_err(|e| source.located(e))?;
    let Seen { ids: id_set, duplicates, .. } = seen;
    let warnings = unknown_score_ids(&reading.long, &source.display, |i| id_set.contains(i)).into_iter().collect();
    drop(id_set);
    crate::batch::chunk::release_freed_memory();
    let inputs = reading.inputs(source, req.scores);
    let Reading { layout, header, long, .. } = reading;
    Ok(Scan {
        display: source.display.clone(),
        layout,
        inputs,
        long,
        warnings,
        notes: header.note.into_iter().collect(),
        cohorts,
        duplicates,
        kept,
        ids,
        members: kept_members,
        records_start: header.end,
        wanted,
    })
}

/// The cohort a scan for employee `id` must rank: a search for the bytes of
/// the id in the file, where only the blocks that hold them are split into
/// cells and read as rows, until the first row with the id (the employee).
/// No cohort (`Wanted::Cohorts` empty) when no row has the id.
/// [`Wanted::Every`] when it cannot tell: an id a quoted cell may write
/// differently (`"` doubled), a record it cannot read; the scan then ranks
/// every cohort, and says what is wrong in its own order.
pub fn locate(req: &Request, source: &Source, id: &str) -> Wanted {
    locate_row(req, source, id).ok().flatten().unwrap_or(Wanted::Every)
}

fn locate_row(req: &Request, source: &Source, id: &str) -> Result<Option<Wanted>> {
    if id.is_empty() || id.contains('"') {
        return Ok(None);
    }
    let scheme = req.scheme;
    let (layout, header) = read_layout(scheme, source.decoded(None)?, &source.display, req.files.header_row, false)?;
    let mut cutter = Cutter::new(source.decoded(None)?, header.end)?;
    let finder = memchr::memmem::Finder::new(id.as_bytes());
    let found = AtomicBool::new(false);
    let read = |chunk: &mut Chunk| -> Result<Option<u64>> {
        // Stop reading once the employee is found.
        if found.load(Ordering::Relaxed) {
            return Ok(None);
        }
        chunk.fill_from(&mut cutter, &source.display)
    };
    // The first row of the chunk with the id: its cohort, when it has one.
    let work = |chunk: &mut Chunk| -> Result<Option<Wanted>> {
        let raw = &chunk.raw;
        // Made once a chunk, and only when a block holds the id (an id short
        // enough to be in every block has every block read).
        let mut reader = None;
        for block in &raw.blocks {
            let bytes = &raw.bytes[block.start..block.end];
            if finder.find(bytes).is_none() {
                continue;
            }
            let mut records = Vec::new();
            parse_block_where(reader.get_or_insert_with(BlockReader::default), bytes, block.line, &mut records, |_| true)
                .map_err(|bad| anyhow::anyhow!("{}", bad.message(&source.display)))?;
            for (line, cells) in records {
                let row = parse_row(scheme, &layout, line, cells, req.as_of);
                if row.id == id {
                    let key = row.errors.is_empty().then(|| CohortKey::of(scheme, &layout, &row));
                    return Ok(Some(Wanted::Cohorts(key.into_iter().collect())));
                }
            }
        }
        Ok(None)
    };
    let mut first = None;
    for_each_chunk(&ProgressBar::hidden(), read, work, |wanted| {
        if let (None, Some(wanted)) = (&first, wanted?) {
            first = Some(wanted);
            found.store(true, Ordering::Relaxed);
        }
        Ok(())
    })?;
    // Read to the end without a row with the id: there is none (its bytes
    // would be in the row's block), so no cohort need be ranked; the scan
    // only gathers what the message says of the file's ids.
    Ok(Some(first.unwrap_or(Wanted::Cohorts(Vec::new()))))
}

/// The records on `lines` of the file `scan` read (whose records start at
/// `records_start`), each handed to `each` (line, cells) as its chunk is
/// read, by the pool (a change of grade can move a whole cohort: a quarter
/// of a million rows evaluated twice); what `each` returns, in file order.
/// Nothing else is evaluated, and the other records are not split into cells.
pub fn pick_lines<T: Send>(
    source: &Source,
    records_start: u64,
    lines: &hashbrown::HashSet<u64>,
    each: impl Fn(u64, Cells) -> Option<T> + Sync,
) -> Result<Vec<T>> {
    let mut cutter =
        Cutter::new(source.decoded(None)?, records_start).with_context(|| format!("{}: cannot read the file", source.display))?;
    let read = |chunk: &mut Chunk| chunk.fill_from(&mut cutter, &source.display);
    let work = |chunk: &mut Chunk| -> Result<Vec<Option<T>>> {
        let blocks = chunk.parse_blocks_where(&source.display, |line| lines.contains(&line))?;
        let records: Vec<(u64, Cells)> = blocks.iter_mut().flat_map(|(_, records)| records.drain(..)).collect();
        // An indexed collect: the results keep the records' order.
        Ok(records.into_par_iter().map(|(line, cells)| each(line, cells)).collect())
    };
    let mut picked = Vec::new();
    for_each_chunk(&ProgressBar::hidden(), read, work, |results| {
        picked.extend(results?.into_iter().flatten());
        Ok(())
    })
    .map_err(|e| source.located(e))?;
    Ok(picked)
}

/// An id that differs from `id` only in case or surrounding spaces (the
/// "did you mean" of an unknown id).
pub fn is_close(candidate: &str, id: &str) -> bool {
    candidate.eq_ignore_ascii_case(id) || candidate.trim() == id.trim()
}

/// The standing of `composite` in a cohort whose composites (in hundredths,
/// highest first) are `cohort`, as [`Cohorts::standing`] gives it.
pub fn standing_in(scheme: &Scheme, cohort: &[i32], composite: Decimal, band: Option<usize>) -> Option<Standing> {
    let h = hundredths(composite)?;
    if cohort.is_empty() {
        return None;
    }
    standing_at(scheme, cohort.partition_point(|c| *c > h), cohort.len(), band)
}

/// One row evaluated by `batch`, ranked by `standing`: what `evaluate_rows`
/// makes of it (a `batch` with `detail` keeps every item's score, as
/// `explain` needs; without, the fast figures, the same figures).
pub fn outcome(batch: &Batch, row: Row, standing: impl FnOnce(&CohortKey, Decimal, Option<usize>) -> Option<Standing>) -> Outcome {
    let mut row = row;
    let figures = batch.figures(&mut row);
    let cohort = figures.as_ref().and_then(|f| f.composite).map(|_| CohortKey::of(batch.scheme, batch.layout, &row));
    let standing = match (&cohort, &figures) {
        (Some(key), Some(f)) => f.composite.and_then(|c| standing(key, c, f.band)),
        _ => None,
    };
    let decision = batch.decide(&row, figures.as_ref(), standing);
    Outcome { row, figures, cohort, standing, decision }
}

/// An evaluation of a few rows of the file (the others are in the cohorts' counts).
/// Its texts in `lang`, as the in-memory evaluation writes them.
pub fn evaluation(
    scheme: &Scheme,
    as_of: NaiveDate,
    layout: Layout,
    (inputs, notes): (Vec<(String, String)>, Vec<String>),
    warnings: Vec<String>,
    outcomes: Vec<Outcome>,
    lang: crate::rule::words::Lang,
) -> Evaluation<'_> {
    let words = crate::rule::words::Words::new(lang, scheme, Some(&layout));
    Evaluation { scheme, periods: Periods::new(scheme, as_of), layout, inputs, outcomes, warnings, notes, quotas: None, words }
}

/// A composite's place removed from (or added to) a cohort's list, highest first.
pub fn without(cohort: &mut Vec<i32>, h: i32) {
    if let Some(i) = cohort.iter().position(|c| *c == h) {
        cohort.remove(i);
    }
}

pub fn with(cohort: &mut Vec<i32>, h: i32) {
    let at = cohort.partition_point(|c| *c > h);
    cohort.insert(at, h);
}
