//! The batch behind `ladder evaluate`: two streaming passes, so a million
//! employees need memory for their ranks, not for their rows.
//!
//! [`run`] is three passes, each a function of its own:
//! - [`count`] (pass 1) reads the file (cut into blocks of records that the
//!   pool parses, see `chunk`), computes every row's figures, counts the
//!   composites of each cohort (rank needs the whole cohort), checks ids and
//!   keeps what the later passes need of each row in a temporary file (see
//!   `spool`);
//! - [`allocate`] (`quota_pass`), only with quotas, decides the kept rows
//!   whose verdict waits for the ranks and allocates the quotas (SPEC §8.4);
//! - [`write_results`] (pass 2) reads the kept rows, decides and writes.
//!
//! Each pass is a pipeline of chunks: the pool evaluates one chunk while it
//! reads the next and hands the results of the one before to the sink;
//! results are written in input order, byte-identical to a serial run.

use crate::batch::chunk::{for_each_chunk, Chunk};
use crate::batch::cohorts::{CohortKey, Cohorts, Members};
use crate::batch::ids::Seen;
use crate::batch::memory::{duplicate_error, unknown_score_ids, Batch, Outcome};
use crate::batch::quota::{Allocation, Collector, Noted, Tally};
use crate::batch::reading::{read_record, KeptRow as Found, Reading, Start, Wanted};
use crate::batch::sink_rows::{SinkRow, SinkRows};
use crate::batch::spool::{Kept, KeptRow, RowSpool};
use crate::decision::Status;
use crate::figures::{Figures, Periods, Standing};
use crate::input::cells::Cells;
use crate::input::records::{parse_row, resolved_row, Input, LongScores, Row};
use crate::input::source::Source;
use crate::input::split::Cutter;
use crate::input::value::excerpt;
use crate::input::Files;
use crate::report::{Format, Formatted, Meta, ResultRecord, Summary, Writer};
use crate::rule::words::Words;
use crate::scheme::Scheme;
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use fixedbitset::FixedBitSet;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::fs::File;
use std::io::{BufReader, Seek, Write};
use std::sync::atomic::{AtomicU64, Ordering};

mod quota_pass;
use quota_pass::{allocate, Allocations};

/// Rows in error noted on stderr by file and line; the results list them all.
const MAX_ERROR_NOTES: usize = 20;

pub struct Request<'a> {
    pub scheme: &'a Scheme,
    /// The employee file (a path, or `-` for standard input), its encoding,
    /// the sheet of a workbook (`--sheet`; none: the first) and the
    /// header's line (`--header-row`; none: found as SPEC §3 says).
    pub files: &'a Files,
    pub scores: Option<&'a Input>,
    pub as_of: NaiveDate,
    pub format: Format,
    /// Statuses to print (empty: all).
    pub statuses: &'a [Status],
    pub color: bool,
    /// The terminal's width a table fits (None: no wrapping).
    pub width: Option<u16>,
    /// Labels of `table` and `html`.
    pub lang: crate::report::i18n::Lang,
    pub progress: bool,
    /// Place instead of promote (`--placement`, SPEC §8.3).
    pub placement: bool,
}

pub struct Done {
    pub summary: Summary,
    /// Rows in `error` (counted whether printed or not).
    pub errors: usize,
    /// `FILE:LINE: ID: problems` for the first rows in error, for stderr.
    pub error_notes: Vec<String>,
    pub rows: usize,
    pub warnings: Vec<String>,
    /// How the file was read (the header found below title rows), for stderr.
    pub notes: Vec<String>,
    /// Score columns of periods under way on the as-of date (never read), said
    /// when the as-of date was not given (see `calendar::under_way_note`).
    pub under_way: Option<String>,
}

/// A `what-if` change, for the queue of the file as changed (the file
/// itself is not touched): the employee's record read as other cells, with
/// other long-form scores; every other row ranked as if the employee had
/// moved out of their cohort and composite into the new ones.
pub struct Change<'a> {
    /// The changed record's row index and line.
    pub index: u64,
    pub line: u64,
    pub cells: &'a Cells,
    /// The long-form scores with the change (only the employee's differ).
    pub long: &'a LongScores,
    /// The employee's cohort and composite (in hundredths) before the change, when ranked.
    pub was: Option<(&'a CohortKey, i32)>,
}

/// Everything fixed for one run, shared by its passes.
struct Run<'a> {
    req: &'a Request<'a>,
    source: &'a Source,
    periods: &'a Periods,
    /// The batch rows kept whole are evaluated with (the file's layout).
    batch: Batch<'a>,
    /// What pass 1 keeps of each row, and how it reads back.
    kept: &'a RowSpool,
    /// The batch projected rows are evaluated with (their own layout).
    projected: Batch<'a>,
}

/// Pass 1's result: what the later passes need to know of the whole file.
struct Counted {
    rows: u64,
    /// Row index → line of the first row with its id.
    duplicates: hashbrown::HashMap<u64, u64>,
    cohorts: Cohorts,
    warnings: Vec<String>,
    /// The first row with the id pass 1 was asked to find, and its cohort when it has one.
    employee: Option<(Found, Option<CohortKey>)>,
    /// Every ranked row of the cohorts pass 1 was asked to keep (`what-if`).
    members: Members,
    /// With quotas: what pass 1 could already note for the queue.
    queue: Option<QueueSoFar>,
}

/// What pass 1 gathers of the quota queue (SPEC §8.4). Most rows' verdicts
/// read no rank (a test before it failed, or no rule of their grade reads
/// one): those are noted as pass 1 meets them, and the quota pass decides
/// only the rest, once every composite is counted.
struct QueueSoFar {
    /// The rows noted in pass 1.
    tally: Tally,
    /// By row index: the rows the quota pass decides (their verdicts read a
    /// rank, or promote; the employee asked for, whom `what-if` changes).
    waiting: FixedBitSet,
    /// The rows that wait, kept for the quota pass in their own temporary
    /// file (with `evaluate`, every row is in pass 1's too: reading all of
    /// it took the quota pass a tenth of a second on a million rows).
    spool: Spool,
}

/// A row's place in the quota queue as pass 1 sees it.
enum Queued {
    /// Its verdict read no rank: how it counts (None: nowhere), its row
    /// index still to fill.
    // Boxed: most rows are noted as counting nowhere (None), and every row
    // in flight carries this; a note inline made each a hundred bytes longer.
    Noted(Option<Box<Noted>>),
    /// Its verdict waits for the ranks.
    Waits,
}

/// The rows pass 1 keeps in a temporary file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// Every row, for pass 2 to write them all (`evaluate`); with quotas,
    /// the rows that wait in a second file too.
    Every,
    /// Only the rows the quota pass decides (`explain` and `what-if` under quotas).
    Waiting,
}

/// A worker's share of a chunk in pass 1.
#[derive(Default)]
struct CountedPiece {
    /// Each row's line, id, cohort and composite, for the sink.
    rows: SinkRows,
    /// With quotas, what each row counts for in the queue (else empty).
    queued: Vec<Queued>,
    /// The rows with the id pass 1 was asked to find (line, cells): rarely any.
    found: Vec<(u64, Cells)>,
    kept: KeptRows,
    /// Figures whose lists the next row's are computed into.
    spare: Figures,
}

impl CountedPiece {
    fn new() -> Box<CountedPiece> {
        let kept = KeptRows { rows: Kept::new(), ..Default::default() };
        Box::new(CountedPiece { kept, ..Default::default() })
    }
}

/// What a worker keeps of its rows for the temporary files (see [`Spools`]).
#[derive(Default)]
struct KeptRows {
    /// The rows [`Keep`] says, and how many.
    rows: Kept,
    count: usize,
    /// With [`Keep::Every`] and quotas, the rows that wait, kept again (and how many).
    waiting: Kept,
    waiting_count: usize,
}

impl KeptRows {
    /// Keeps `row` where `keep` says, and apart when it `waits` for the
    /// quota pass and every row is kept.
    fn keep(&mut self, spool: &RowSpool, keep: Keep, waits: bool, row: &Row, figures: Option<&Figures>) {
        if keep == Keep::Every || waits {
            spool.write_row(row, figures, &mut self.rows);
            self.count += 1;
        }
        if keep == Keep::Every && waits {
            spool.write_row(row, figures, &mut self.waiting);
            self.waiting_count += 1;
        }
    }
}

/// One chunk of the rows pass 1 kept (see `spool`), with cells reused from
/// chunk to chunk like pass 1's.
#[derive(Default)]
struct KeptChunk {
    kept: crate::batch::spool::KeptChunk,
    cells: Vec<Cells>,
}

/// A worker's share of a chunk in pass 2, formatted (the costly part, done
/// in parallel); pieces come back in input order.
#[derive(Default)]
struct WrittenPiece<'s> {
    formatted: Formatted<'s>,
    errors: usize,
    /// `FILE:LINE: ID: problems` of its rows in error.
    notes: Vec<String>,
    /// A row that did not read back from the temporary file.
    damaged: Option<anyhow::Error>,
    /// Figures whose lists the next row's are decoded into.
    spare: Figures,
}

/// What pass 2 wrote: rows in error, the first of them noted, rows read back.
struct Written {
    errors: usize,
    error_notes: Vec<String>,
    read: u64,
}

pub fn run(req: &Request, out: &mut (dyn Write + Send)) -> Result<Done> {
    with_run(req, names_the_hash(req.format), |run, reading, cutter| {
        let (scheme, source, layout, periods) = (req.scheme, run.source, &reading.layout, &reading.periods);
        let progress = if req.progress {
            let bar = ProgressBar::new(source.len * 2);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {percent}% {eta}").expect("a valid template").progress_chars("=> "),
            );
            bar.set_message("evaluating");
            bar
        } else {
            ProgressBar::hidden()
        };
        let (mut counted, spool) = count(run, cutter, &progress, None, None, Keep::Every).map_err(|e| source.located(e))?;
        let Some(mut spool) = spool else { bail!("internal error: pass 1 kept no rows for pass 2") };
        let queue = counted.queue.take();
        let allocation = allocate(run, &counted, queue, None)?.map(|a| a.before);

        let inputs = reading.inputs(source, req.scores);
        let meta = Meta { scheme, periods, inputs, placement: req.placement };
        let mut writer = Writer::begin_in(req.format, meta, req.color, req.lang, out)?.width(req.width);
        let written = write_results(run, &counted, allocation.as_ref(), &mut spool, &mut writer, out, &progress)?;
        if !req.statuses.is_empty() {
            writer.evaluated(counted.rows as usize);
        }
        let summary = writer.end(out)?;
        progress.finish_and_clear();
        let Counted { rows, warnings, .. } = counted;
        if written.read != rows {
            bail!("the temporary file of pass 1 does not read back: pass 1 kept {rows} rows, pass 2 read {}", written.read);
        }
        let Written { errors, mut error_notes, .. } = written;
        if errors > error_notes.len() {
            error_notes.push(format!("{}: … and {} more rows in error (see the results)", source.display, errors - error_notes.len()));
        }
        let under_way = crate::calendar::under_way_note(layout.score_periods(), req.as_of);
        let notes = reading.header.note.clone().into_iter().collect();
        Ok(Done { summary, errors, error_notes, rows: rows as usize, warnings, notes, under_way })
    })
}

/// The employee's row as pass 1 met it, and what explaining it needs of the file.
pub struct Employee {
    pub row: Found,
    /// The composites of the employee's cohort, highest first, in hundredths (empty: not ranked).
    pub cohort: Vec<i32>,
    pub layout: crate::input::records::Layout,
    pub long: LongScores,
    /// The input files (name, SHA-256), for the meta.
    pub inputs: Vec<(String, String)>,
    /// How the file was read (the header found below title rows).
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

/// Whether the run allocates quotas: the scheme has some, and it promotes
/// (quotas do not apply to placement: placing is not promoting).
fn has_queue(req: &Request) -> bool {
    !req.scheme.quotas.is_empty() && !req.placement
}

/// Whether the meta of `format` names the input's hash: only then are the
/// records hashed as they are read.
fn names_the_hash(format: Format) -> bool {
    matches!(format, Format::Json | Format::Html | Format::Xlsx)
}

/// The cutter of a file's records, after its header.
type Records = Cutter<Box<dyn std::io::Read + Send>>;

/// Opens the file of `req` and reads its header (hashing the records as
/// they are read when `hash`), sets up what every pass shares, and hands
/// it to `passes` with the cutter of the records.
fn with_run<T>(req: &Request, hash: bool, passes: impl FnOnce(&Run, &Reading, Records) -> Result<T>) -> Result<T> {
    let files = req.files;
    let source = files.open_employees(&|head, eof, display| {
        crate::batch::memory::check_head(req.scheme, files.encoding, files.header_row, req.placement, head, eof, display)
    })?;
    with_source(req, &source, hash, passes)
}

/// [`with_run`] on the file of `req` opened as `source`.
fn with_source<T>(req: &Request, source: &Source, hash: bool, passes: impl FnOnce(&Run, &Reading, Records) -> Result<T>) -> Result<T> {
    let (reading, cutter, kept) = read_start(req, source, hash)?;
    with_run_of(req, source, &reading, &kept, |run| passes(run, &reading, cutter))
}

/// The header of the file of `req` (opened as `source`) read, the cutter
/// of its records, and how pass 1 keeps each row for the later passes.
fn read_start(req: &Request, source: &Source, hash: bool) -> Result<(Reading, Records, RowSpool)> {
    let scheme = req.scheme;
    let header_row = req.files.header_row;
    let start = Start { scheme, source, scores: req.scores, as_of: req.as_of, header_row, placement: req.placement, hash };
    let (reading, cutter) = Reading::start(&start)?;
    // What the later passes need of every row (its figures and a few cells),
    // written down: cheaper than reading and splitting the whole file again.
    let kept = RowSpool::new(scheme, &reading.layout, &reading.periods);
    Ok((reading, cutter, kept))
}

/// The run of `req` over a file read as `reading`, its rows kept by `kept`.
fn with_run_of<T>(req: &Request, source: &Source, reading: &Reading, kept: &RowSpool, passes: impl FnOnce(&Run) -> T) -> T {
    let scheme = req.scheme;
    // Reasons are written in --lang only where people read them: the
    // machine formats keep the scheme's own words whatever the language.
    let words = match req.format {
        Format::Table | Format::Html | Format::Xlsx => Words::new(req.lang, scheme, Some(&reading.layout)),
        Format::Json | Format::Ndjson | Format::Csv => Words::default(),
    };
    let batch = reading.batch(scheme, &words);
    // Projected rows are evaluated on their own layout (and need no figures computed).
    let projected = Batch { layout: &kept.projected, ..batch };
    let run = Run { req, source, periods: &reading.periods, batch, kept, projected };
    passes(&run)
}

/// `evaluate`'s pass 1 of a file with quotas, kept for its quota pass
/// (SPEC §8.4): one employee's place in the queue needs every row's
/// verdict. `explain` and `what-if` of a big file find the employee in
/// the same read, and `what-if` knows its change only then, so the quota
/// pass is run later, from what pass 1 kept (and pass 1 is not run again,
/// nor a scan before it).
pub struct PassOne {
    reading: Reading,
    kept: RowSpool,
    counted: Counted,
}

/// What [`PassOne`] found of the employee asked for, and of their cohorts.
pub struct PassOneFound {
    pub employee: Employee,
    /// Every ranked row of the cohorts pass 1 was asked to keep.
    pub members: Members,
    /// Where the records start in the file as read (past the header's rows).
    pub records_start: u64,
}

/// Pass 1 of the file opened as `source`, nothing written: the first row
/// with the id `employee` kept, and every ranked row of the cohorts
/// `members_of`. None without quotas, before reading anything.
pub fn pass_one(req: &Request, source: &Source, employee: Option<&str>, members_of: Option<&Wanted>) -> Result<Option<PassOne>> {
    if !has_queue(req) {
        return Ok(None);
    }
    let (reading, cutter, kept) = read_start(req, source, names_the_hash(req.format))?;
    let (counted, _) = with_run_of(req, source, &reading, &kept, |run| {
        // Only the quota pass reads rows back: it needs only the rows that wait for it.
        count(run, cutter, &ProgressBar::hidden(), employee, members_of, Keep::Waiting).map_err(|e| source.located(e))
    })?;
    Ok(Some(PassOne { reading, kept, counted }))
}

impl PassOne {
    /// The employee's row and what explaining it needs (None when no row
    /// has the id), with the members of the cohorts asked for.
    pub fn found(&mut self, req: &Request, source: &Source) -> Option<PassOneFound> {
        let (row, key) = self.counted.employee.take()?;
        let reading = &self.reading;
        let employee = Employee {
            cohort: key.map(|key| self.counted.cohorts.composites(&key)).unwrap_or_default(),
            row,
            layout: reading.layout.clone(),
            long: reading.long.clone(),
            inputs: reading.inputs(source, req.scores),
            notes: reading.header.note.clone().into_iter().collect(),
            warnings: std::mem::take(&mut self.counted.warnings),
        };
        Some(PassOneFound { employee, members: std::mem::take(&mut self.counted.members), records_start: reading.header.end })
    }

    /// Every cohort's composites as pass 1 counted them, and the rows whose
    /// id an earlier row has (row index → that row's line).
    pub fn counts(&self) -> (&Cohorts, &hashbrown::HashMap<u64, u64>) {
        (&self.counted.cohorts, &self.counted.duplicates)
    }

    /// The quota pass over this pass 1 (once): the queue of the file and, with
    /// `change`, of the file as changed (with the changed record read as
    /// changed and every rank moved with it).
    pub fn queues(&mut self, req: &Request, source: &Source, change: Option<&Change>) -> Result<(Allocation, Option<Allocation>)> {
        let PassOne { reading, kept, counted } = self;
        // Taken, not copied (the candidates are most of the memory it holds): the quota pass runs once.
        let Some(queue) = counted.queue.take() else { bail!("internal error: the quota pass of one pass 1 was asked twice") };
        let allocations = with_run_of(req, source, reading, kept, |run| allocate(run, counted, Some(queue), change))?;
        let Some(Allocations { before, after }) = allocations else { bail!("internal error: a scheme with quotas gave no queue") };
        Ok((before, after))
    }
}

/// Pass 1: every row's figures (kept in a temporary file, returned to be
/// read from the start, with [`Keep::Every`]), the composites of each
/// cohort, the ids (duplicates found exactly); with quotas, what it can
/// note for the queue, and the rows that wait for the quota pass in a file
/// of their own.
/// `employee`: an id whose first row is kept whole (explain under quotas).
fn count(
    run: &Run,
    mut cutter: Records,
    progress: &ProgressBar,
    employee: Option<&str>,
    members_of: Option<&Wanted>,
    keep: Keep,
) -> Result<(Counted, Option<Spool>)> {
    let Run { req, source, batch, kept, .. } = run;
    let mut seen = Seen::default();
    let mut cohorts = Cohorts::default();
    let mut members = Members::default();
    let mut found_row = None;
    // With quotas, each row's verdict is asked for before the ranks are
    // known; those that read none (most) are noted here, the others wait
    // for the quota pass.
    let mut collector = has_queue(req).then(|| Collector::new(req.scheme));
    let noter = collector.as_ref().map(Collector::noter);
    let mut waiting = FixedBitSet::new();
    let mut spools = Spools::new(keep, collector.is_some())?;
    // The blocks of a chunk are parsed in parallel, then its rows are shared
    // out one by one (blocks alone are too coarse: the last one of a chunk
    // would keep one core waiting).
    let evaluate = |chunk: &mut Chunk| -> Result<(usize, Vec<Box<CountedPiece>>)> {
        let bytes = chunk.raw.bytes.len();
        let pieces = chunk
            .parse_blocks(&source.display)?
            .par_iter_mut()
            .flat_map(|(_, records)| records.par_iter_mut())
            // Boxed: the fold hands its accumulator on by value for every row.
            .fold(CountedPiece::new, |mut piece, (line, record)| {
                read_record(batch, &Wanted::Every, *line, record, &mut piece.spare, |row, figures, cohort| {
                    let asked_for = employee.is_some_and(|id| row.id == id);
                    if asked_for {
                        piece.found.push((*line, row.cells.clone()));
                    }
                    // The employee asked for waits: `what-if` changes their row. So does
                    // a candidate: the queue keeps a record of each, which would sit in
                    // memory beside the id set until the end of this pass.
                    let queued = noter.as_ref().map(|noter| {
                        match batch.verdict_before_ranks(row, figures).filter(|v| !asked_for && v.status != Status::Promote) {
                            Some(verdict) => {
                                let composite = figures.and_then(|f| f.composite);
                                Queued::Noted(noter.note(0, batch.layout, row, composite, req.as_of, &verdict).map(Box::new))
                            }
                            None => Queued::Waits,
                        }
                    });
                    piece.kept.keep(kept, keep, matches!(queued, Some(Queued::Waits)), row, figures);
                    piece.queued.extend(queued);
                    piece.rows.push(*line, &row.id, cohort);
                });
                piece
            })
            .collect();
        Ok((bytes, pieces))
    };
    let read_records = |chunk: &mut Chunk| chunk.fill_from(&mut cutter, &source.display);
    for_each_chunk(progress, read_records, evaluate, |evaluated| {
        let (bytes, mut pieces) = evaluated?;
        spools.write_chunk(&pieces)?;
        // After the first chunk, the id set sized for the whole file.
        if seen.rows == 0 {
            let first_ids: Vec<&str> = pieces.iter().flat_map(|p| p.rows.ids()).collect();
            seen.ids.reserve_for_file(source.len, bytes, first_ids.into_iter());
        }
        for piece in &mut pieces {
            let CountedPiece { rows, queued, found, .. } = &mut **piece;
            let mut queued = queued.drain(..);
            for SinkRow { line, id, cohort } in rows.in_cohorts(&mut cohorts)? {
                let index = seen.rows;
                let first = seen.first(line, id)?;
                match (queued.next(), collector.as_mut()) {
                    // A later row with an id met before is in error: it counts nowhere.
                    (Some(Queued::Noted(Some(noted))), Some(collector)) if first => collector.add_noted(noted.at(index)),
                    (Some(Queued::Waits), _) => waiting.grow_and_insert(index as usize),
                    _ => {}
                }
                // The employee asked for: the first row with their id (never a duplicate).
                if first && found_row.is_none() && employee == Some(id) {
                    if let Some((_, cells)) = found.iter_mut().find(|(l, _)| *l == line) {
                        let key = cohort.map(|(_, key, _)| key.clone());
                        found_row = Some((Found { line, index, cells: std::mem::take(cells) }, key));
                    }
                }
                if let (true, Some((at, key, composite))) = (first, cohort) {
                    if members_of.is_some_and(|w| w.ranks(key)) {
                        members.add(line, key, composite);
                    }
                    cohorts.add_at(at, composite)?;
                }
            }
        }
        Ok(())
    })?;
    cohorts.finish();
    let Seen { ids, duplicates, rows } = seen;
    let mut warnings: Vec<String> = unknown_score_ids(batch.long, &source.display, |id| ids.contains(id)).into_iter().collect();
    if rows == 0 {
        warnings.push(format!("{}: no employee rows below the header", source.display));
    }
    drop(ids);
    crate::batch::chunk::release_freed_memory();
    let (spool, waiting_spool) = spools.finish()?;
    let queue = match (collector, waiting_spool) {
        (Some(collector), Some(spool)) => Some(QueueSoFar { tally: collector.into_tally(), waiting, spool }),
        _ => None,
    };
    Ok((Counted { rows, duplicates, cohorts, warnings, employee: found_row, members, queue }, spool))
}

/// Pass 1's temporary files being written: the rows [`Keep`] says, and
/// with `evaluate` under quotas the rows that wait apart.
struct Spools {
    keep: Keep,
    kept: SpoolWriter,
    waiting: Option<SpoolWriter>,
}

impl Spools {
    fn new(keep: Keep, quotas: bool) -> Result<Spools> {
        let waiting = match keep {
            Keep::Every if quotas => Some(SpoolWriter::new()?),
            // With Keep::Waiting, the rows kept are those that wait.
            _ => None,
        };
        Ok(Spools { keep, kept: SpoolWriter::new()?, waiting })
    }

    /// The rows a chunk's pieces kept, in order.
    fn write_chunk(&mut self, pieces: &[Box<CountedPiece>]) -> Result<()> {
        self.kept.write_chunk(pieces.iter().map(|p| p.kept.count).sum(), pieces.iter().map(|p| &p.kept.rows))?;
        if let Some(waiting) = self.waiting.as_mut() {
            waiting.write_chunk(pieces.iter().map(|p| p.kept.waiting_count).sum(), pieces.iter().map(|p| &p.kept.waiting))?;
        }
        Ok(())
    }

    /// The files written, to be read from the start: every row's (with
    /// [`Keep::Every`]) and the rows that wait (with quotas).
    fn finish(self) -> Result<(Option<Spool>, Option<Spool>)> {
        let kept = self.kept.finish()?;
        Ok(match self.keep {
            Keep::Every => (Some(kept), self.waiting.map(SpoolWriter::finish).transpose()?),
            Keep::Waiting => (None, Some(kept)),
        })
    }
}

/// A temporary file of pass 1, to be read from the start.
type Spool = BufReader<File>;

/// A temporary file of pass 1 being written (see `spool`).
struct SpoolWriter(std::io::BufWriter<File>);

impl SpoolWriter {
    fn new() -> Result<SpoolWriter> {
        let file = tempfile::tempfile().context("cannot create a temporary file for pass 1")?;
        Ok(SpoolWriter(std::io::BufWriter::with_capacity(1 << 16, file)))
    }

    /// One chunk of `rows` rows, kept by the workers' `pieces` in order.
    fn write_chunk<'k>(&mut self, rows: usize, pieces: impl Iterator<Item = &'k Kept>) -> Result<()> {
        let pieces: Vec<&Kept> = pieces.collect();
        RowSpool::write_chunk(&mut self.0, rows, &pieces).context("cannot write the temporary file of pass 1")
    }

    /// The file written, to be read from the start.
    fn finish(self) -> Result<Spool> {
        let mut file =
            self.0.into_inner().map_err(std::io::IntoInnerError::into_error).context("cannot write the temporary file of pass 1")?;
        file.rewind()?;
        Ok(BufReader::with_capacity(1 << 16, file))
    }
}

/// Reads the next chunk of kept rows; None at the end.
fn read_kept(spool: &mut Spool, chunk: &mut KeptChunk) -> Result<Option<u64>> {
    if !RowSpool::read_chunk(spool, &mut chunk.kept).context("cannot read the temporary file of pass 1")? {
        return Ok(None);
    }
    Ok(Some(chunk.kept.file_bytes() as u64))
}

/// A row's standing in its cohort, from its composite and band.
type Rank<'a> = dyn Fn(&CohortKey, Decimal, Option<usize>) -> Option<Standing> + Sync + 'a;

/// One kept row decided (pass 2): the row, its figures (in `spare`'s
/// lists where it can) and its decision, with the batch it was evaluated by.
// Inlined into the passes' folds, which then move the row and outcome less.
#[inline]
fn decide_kept<'r>(
    run: &'r Run,
    counted: &Counted,
    index: u64,
    kept_row: KeptRow<'_>,
    cells: Cells,
    spare: Figures,
) -> (&'r Batch<'r>, Outcome) {
    let rank = |key: &CohortKey, composite, band| counted.cohorts.standing(run.req.scheme, key, composite, band);
    let (batch, row, figures, Ranked { standing, .. }) = read_back(run, counted, &rank, index, kept_row, cells, spare);
    let decision = batch.decide(&row, figures.as_ref(), standing);
    (batch, Outcome { row, figures, cohort: None, standing, decision })
}

/// One kept row read back as the quota pass and pass 2 decide it: the row,
/// its figures and its standing (by `rank`), with the batch it is evaluated by.
#[inline] // as decide_kept
fn read_back<'r>(
    run: &'r Run,
    counted: &Counted,
    rank: &Rank,
    index: u64,
    kept_row: KeptRow<'_>,
    cells: Cells,
    spare: Figures,
) -> (&'r Batch<'r>, Row, Option<Figures>, Ranked) {
    let Run { req, kept, periods, .. } = run;
    let scheme = req.scheme;
    let line = kept_row.line;
    // A projected row is rebuilt from what pass 1 resolved, on its
    // own layout; a row kept whole is parsed as it was.
    let (batch, mut row) = match &kept_row.resolved {
        Some(resolved) => (&run.projected, resolved_row(&kept.projected, line, cells, resolved)),
        None => (&run.batch, parse_row(scheme, run.batch.layout, line, cells, req.as_of)),
    };
    if let Some(first_line) = counted.duplicates.get(&index) {
        row.errors.push(duplicate_error(&row.id, *first_line));
    }
    // Pass 1's figures of a projected row; a whole row's are computed here.
    let figures = match kept_row.resolved {
        Some(_) if row.errors.is_empty() => {
            let mut figures = spare;
            kept.figures.decode_into(kept_row.figures, periods, &mut figures).then_some(figures)
        }
        Some(_) => None,
        None => batch.figures(&mut row),
    };
    // A row in error (a duplicate id) has no figures and so no place in a cohort.
    let ranked = match figures.as_ref().filter(|_| row.errors.is_empty()) {
        Some(f) => f.composite.map(|c| (CohortKey::of(scheme, batch.layout, &row), c, f.band)),
        None => None,
    };
    let standing = ranked.as_ref().and_then(|(key, composite, band)| rank(key, *composite, *band));
    (batch, row, figures, Ranked { key: ranked.map(|(key, _, _)| key), standing })
}

/// Where a row read back ranks: its cohort (None when it is not ranked:
/// in error, or no composite) and its standing there.
struct Ranked {
    key: Option<CohortKey>,
    standing: Option<Standing>,
}

/// Pass 2: every kept row decided (and its quota applied) and written, in order.
fn write_results<'a>(
    run: &Run<'a>,
    counted: &Counted,
    allocation: Option<&Allocation>,
    spool: &mut Spool,
    writer: &mut Writer<'a>,
    out: &mut (dyn Write + Send),
    progress: &ProgressBar,
) -> Result<Written> {
    let Run { req, source, kept, .. } = run;
    let scheme = req.scheme;
    let index = AtomicU64::new(0);
    let evaluate = |chunk: &mut KeptChunk| -> Vec<Box<WrittenPiece<'a>>> {
        let KeptChunk { kept: rows, cells } = chunk;
        cells.resize_with(rows.len(), Cells::default);
        let first = index.fetch_add(rows.len() as u64, Ordering::SeqCst);
        // None when it is not UTF-8: each row is then damaged.
        let text = rows.text().ok();
        rows.rows()
            .zip(cells.par_iter_mut())
            .enumerate()
            // Boxed: the fold hands its accumulator on by value for every row.
            .fold(Box::<WrittenPiece>::default, |mut piece, (i, ((record, cells_text), cells))| {
                let kept_row = match kept.read_row(record, text.and_then(|t| t.get(cells_text)), cells) {
                    Ok(k) => k,
                    Err(e) => {
                        piece.damaged.get_or_insert(e);
                        return piece;
                    }
                };
                let line = kept_row.line;
                let row_index = first + i as u64;
                let (_, mut outcome) =
                    decide_kept(run, counted, row_index, kept_row, std::mem::take(cells), std::mem::take(&mut piece.spare));
                if let Some(allocation) = allocation {
                    allocation.apply(scheme, run.batch.words, row_index, outcome.row.grade, &mut outcome.decision);
                }
                *cells = std::mem::take(&mut outcome.row.cells);
                let r = ResultRecord::from_outcome(scheme, &mut outcome);
                if let Some(figures) = outcome.figures.take() {
                    piece.spare = figures; // its lists are reused for the next row
                }
                if r.status == Status::Error {
                    piece.errors += 1;
                    piece.notes.push(format!("{}:{line}: {}: {}", source.display, excerpt(&r.id), r.errors.join("; ")));
                }
                let shown = req.statuses.is_empty() || req.statuses.contains(&r.status);
                if shown && !piece.formatted.write(req.format, &r) {
                    piece.formatted.keep(req.format, r);
                }
                piece
            })
            .collect()
    };
    let spool_len = spool.seek(std::io::SeekFrom::End(0))?.max(1);
    spool.rewind()?;
    let mut spool_read = 0u64;
    let read = |chunk: &mut KeptChunk| -> Result<Option<u64>> {
        let Some(bytes) = read_kept(spool, chunk)? else { return Ok(None) };
        spool_read += bytes;
        Ok(Some(source.len + source.len * spool_read / spool_len))
    };
    let (mut errors, mut error_notes) = (0, Vec::new());
    for_each_chunk(progress, read, evaluate, |mut pieces| {
        // Nothing of a chunk with a damaged row is written.
        if let Some(e) = pieces.iter_mut().find_map(|p| p.damaged.take()) {
            return Err(e);
        }
        // Each piece straight to the output (its writer buffers small ones):
        // gathering a chunk's first copied every byte of the report once more.
        for piece in pieces {
            errors += piece.errors;
            let room = MAX_ERROR_NOTES.saturating_sub(error_notes.len());
            error_notes.extend(piece.notes.into_iter().take(room));
            writer.formatted(piece.formatted, out)?;
        }
        Ok(())
    })?;
    Ok(Written { errors, error_notes, read: index.into_inner() })
}
