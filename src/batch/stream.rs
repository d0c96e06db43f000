//! The batch behind `ladder evaluate`: two streaming passes, so a million
//! employees need memory for their ranks, not for their rows.
//!
//! Pass 1 reads the file (cut into blocks of records that the pool parses,
//! see `blocks`), computes every row's figures, counts the composites of
//! each cohort (rank needs the whole cohort), checks ids and keeps what
//! pass 2 needs of each row in a temporary file (see `row_spool`); pass 2
//! reads that file, decides and writes. Each pass is a pipeline of chunks:
//! the pool evaluates one chunk while it reads the next and hands the
//! results of the one before to the sink; results are written in input
//! order, byte-identical to a serial run.

use crate::batch::memory::{duplicate_error, read_layout, unknown_score_ids, Batch, CohortKey, Cohorts};
use crate::batch::spool::RowSpool;
use crate::decision::Status;
use crate::figures::{Periods, ScoreColumns};
use crate::input::cells::Cells;
use crate::input::records::{parse_row, resolved_row, Encoding, Input, LongScores};
use crate::input::split::{parse_block, BadKind, BadRecord, BlockReader, Cutter, RawChunk};
use crate::input::value::excerpt;
use crate::report::{Format, Formatted, Meta, ResultRecord, Summary, Writer};
use crate::scheme::Scheme;
use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use hashbrown::HashTable;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufReader, Read, Seek, Write};
use std::sync::{Arc, Mutex};

/// Rows in error noted on stderr by file and line; the results list them all.
const MAX_ERROR_NOTES: usize = 20;

pub struct Request<'a> {
    pub scheme: &'a Scheme,
    /// A path, or `-` for standard input.
    pub employees: &'a str,
    pub encoding: Encoding,
    /// The sheet of a workbook input (`--sheet`); `None`: the first.
    pub sheet: Option<&'a str>,
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
    /// The header's line (`--header-row`); `None`: found as SPEC §3 says.
    pub header_row: Option<u64>,
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

/// The employee file, re-readable: a file, or standard input spooled to a temporary file.
pub(super) struct Source {
    pub(super) display: String,
    file: File,
    encoding: Encoding,
    pub(super) len: u64,
    /// A workbook's SHA-256 (its file, not the CSV made of it).
    pub(super) sha256: Option<String>,
}

impl Source {
    /// Opens the employee file; `check_head` sees the first bytes of
    /// standard input (up to its first [`HEAD_LINES`] lines) before the rest
    /// is spooled, so that an endless or wrong stream is refused at once.
    pub(super) fn open(
        path: &str,
        encoding: Encoding,
        sheet: Option<&str>,
        check_head: impl Fn(&[u8], bool, &str) -> Result<()>,
    ) -> Result<Source> {
        if crate::input::workbook::is_workbook(path) {
            // The sheet as a UTF-8 CSV in a temporary file; from here on it is a CSV input.
            let mut file = tempfile::tempfile().context("cannot create a temporary file for the workbook")?;
            let read = {
                let mut out = std::io::BufWriter::new(&mut file);
                let read = crate::input::workbook::sheet_to_csv(path, sheet, &mut out)?;
                out.flush().context("cannot write a temporary file for the workbook")?;
                read
            };
            let len = file.seek(std::io::SeekFrom::End(0))?;
            return Ok(Source { display: path.to_string(), file, encoding: Encoding::Utf8, len, sha256: Some(read.sha256) });
        }
        if let Some(sheet) = sheet {
            bail!("{path}: --sheet `{sheet}` is for workbooks ({}); this file is read as CSV", crate::input::workbook::EXTENSIONS_TEXT);
        }
        let (display, mut file) = if path == "-" {
            let display = "<stdin>".to_string();
            let mut stdin = std::io::stdin().lock();
            let (head, eof) = crate::input::records::read_head(&mut stdin).context("cannot read standard input")?;
            // A workbook piped in (known by its signature) is checked once spooled.
            if crate::input::workbook::sniff(&head).is_none() {
                crate::input::records::sniff(&head, &display)?;
                check_head(&head, eof, &display)?;
            }
            let mut spool = tempfile::tempfile().context("cannot create a temporary file for standard input")?;
            spool.write_all(&head).context("cannot write a temporary file for standard input")?;
            std::io::copy(&mut stdin, &mut spool).context("cannot read standard input")?;
            // A workbook piped in is known by its signature (issue 13 item 9).
            if let Some((file, len, sha256)) = crate::input::workbook::spooled_workbook(&mut spool)? {
                return Ok(Source { display, file, encoding: Encoding::Utf8, len, sha256: Some(sha256) });
            }
            (display, spool)
        } else {
            let mut file = File::open(path).with_context(|| format!("{path}: cannot read the file"))?;
            let mut head = Vec::with_capacity(crate::input::records::SNIFF_BYTES);
            (&mut file)
                .take(crate::input::records::SNIFF_BYTES as u64)
                .read_to_end(&mut head)
                .with_context(|| format!("{path}: cannot read the file"))?;
            crate::input::records::sniff(&head, path)?;
            (path.to_string(), file)
        };
        let len = file.seek(std::io::SeekFrom::End(0)).with_context(|| format!("{display}: cannot read the file"))?;
        // UTF-8 (the default) is checked as it is read, record by record
        // (see `Cells`), before anything is written. `auto` must know which it
        // is before reading, and GBK is checked whole, so that a bad byte
        // anywhere stops the run with its line and column, as for any input.
        if encoding == Encoding::Utf8 {
            return Ok(Source { display, file, encoding, len, sha256: None });
        }
        file.rewind()?;
        if encoding == Encoding::Auto && decodes(&mut file, encoding_rs::UTF_8)? {
            return Ok(Source { display, file, encoding: Encoding::Utf8, len, sha256: None });
        }
        file.rewind()?;
        if !decodes(&mut file, encoding_rs::GB18030)? {
            return Err(decode_failure(&mut file, encoding, &display));
        }
        Ok(Source { display, file, encoding: Encoding::Gbk, len, sha256: None })
    }

    /// A reading error as the user should see it: bytes that are not UTF-8
    /// (found while reading, in the header or a record) get the same located
    /// message as a file checked before reading.
    pub(super) fn located(&self, e: anyhow::Error) -> anyhow::Error {
        if self.encoding != Encoding::Utf8 {
            return e;
        }
        let Ok(mut file) = self.file.try_clone() else { return e };
        // Any other problem (a header that does not fit the scheme, say) is
        // still worth checking for: a binary file is better called that.
        let valid = file.rewind().is_ok() && decodes(&mut file, encoding_rs::UTF_8).unwrap_or(true);
        if valid {
            e
        } else {
            decode_failure(&mut file, Encoding::Utf8, &self.display)
        }
    }

    /// The file as UTF-8 from its start, hashing the raw bytes into `hash`.
    /// A UTF-8 file is read straight, its BOM left out; GBK, and UTF-16
    /// (known by its BOM), go through a decoder, which copies every byte
    /// through its buffer.
    pub(super) fn decoded(&self, hash: Option<Arc<Mutex<Sha256>>>) -> Result<Box<dyn Read + Send>> {
        let mut file = self.file.try_clone().with_context(|| format!("{}: cannot read the file", self.display))?;
        file.rewind()?;
        let mut head = Vec::with_capacity(3);
        (&mut file).take(3).read_to_end(&mut head)?;
        file.rewind()?;
        let mut raw: Box<dyn Read + Send> = match hash {
            Some(hash) => Box::new(Hashing { inner: file, hash }),
            // The file itself reads into a buffer without zeroing it first.
            None => Box::new(file),
        };
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new;
        Ok(match self.encoding {
            Encoding::Gbk => Box::new(decoder().encoding(Some(encoding_rs::GB18030)).build(BufReader::with_capacity(1 << 16, raw))),
            _ if matches!(head.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) => {
                Box::new(decoder().bom_sniffing(true).strip_bom(true).build(BufReader::with_capacity(1 << 16, raw)))
            }
            _ => {
                if head == [0xEF, 0xBB, 0xBF] {
                    raw.read_exact(&mut [0; 3])?; // hashed, and left out
                }
                raw
            }
        })
    }
}

/// Does the file decode without a single malformed byte?
fn decodes(file: &mut File, encoding: &'static encoding_rs::Encoding) -> Result<bool> {
    let mut decoder = encoding.new_decoder_with_bom_removal();
    let mut buf = vec![0u8; 1 << 16];
    let mut out = String::with_capacity(1 << 17);
    loop {
        let n = file.read(&mut buf)?;
        out.clear();
        let (result, _) = decoder.decode_to_string_without_replacement(&buf[..n], &mut out, n == 0);
        if let encoding_rs::DecoderResult::Malformed(..) = result {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// The located message for a file that does not decode (the rare path: reads it whole).
fn decode_failure(file: &mut File, encoding: Encoding, display: &str) -> anyhow::Error {
    let mut bytes = Vec::new();
    if let Err(e) = file.rewind().and_then(|_| file.read_to_end(&mut bytes)) {
        return anyhow::Error::new(e).context(format!("{display}: cannot read the file"));
    }
    match crate::input::records::decode(&bytes, encoding, display) {
        Err(e) => e,
        Ok(_) => anyhow::anyhow!("{display}: the file does not decode as {encoding:?}"),
    }
}

/// Passes bytes through, feeding them to a SHA-256.
struct Hashing<R> {
    inner: R,
    hash: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.lock().expect("no panics while hashing").update(&buf[..n]);
        Ok(n)
    }
}

/// Employee ids seen so far, packed: one string arena and a table of indices
/// (about 25 bytes an employee). Offsets and lines are u32: a file beyond
/// 4 GiB of ids or 4,294,967,295 lines is refused rather than mis-counted.
pub(super) struct IdSet {
    arena: String,
    ends: Vec<u32>,
    first_line: Vec<u32>,
    table: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

impl IdSet {
    pub(super) fn new() -> IdSet {
        IdSet { arena: String::new(), ends: Vec::new(), first_line: Vec::new(), table: HashTable::new(), hasher: Default::default() }
    }

    /// Room for about `ids` more ids of `bytes` bytes each, so the arrays do
    /// not double (and briefly hold twice their size) while a big file fills them.
    pub(super) fn reserve(&mut self, ids: usize, bytes: usize) {
        self.arena.reserve(ids * bytes);
        self.ends.reserve(ids);
        self.first_line.reserve(ids);
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        self.table.reserve(ids, |i: &u32| {
            let i = *i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&arena[start..ends[i] as usize])
        });
    }

    fn get(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// Adds `id`; returns the line of its first row when it was already there.
    pub(super) fn insert(&mut self, id: &str, line: u64) -> Result<Option<u64>> {
        let hash = self.hasher.hash_one(id);
        if let Some(&index) = self.table.find(hash, |&i| self.get(i) == id) {
            return Ok(Some(u64::from(self.first_line[index as usize])));
        }
        let (Ok(line), Ok(end)) = (u32::try_from(line), u32::try_from(self.arena.len() + id.len())) else {
            bail!("the file is too large: more than 4,294,967,295 lines or 4 GiB of employee ids");
        };
        self.arena.push_str(id);
        self.ends.push(end);
        self.first_line.push(line);
        let index = (self.ends.len() - 1) as u32;
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        let lookup = |i: &u32| {
            let i = *i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&arena[start..ends[i] as usize])
        };
        self.table.insert_unique(hash, index, lookup);
        Ok(None)
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.table.find(self.hasher.hash_one(id), |&i| self.get(i) == id).is_some()
    }
}

/// Pass 1: whole records cut from the file, and the records of each block
/// once parsed. The records are reused from chunk to chunk (a record's
/// buffers outlive the row made of it), so reading does not allocate once
/// the first chunks are in.
#[derive(Default)]
pub(super) struct Chunk {
    pub(super) raw: RawChunk,
    /// Each block's reader and records.
    pub(super) blocks: Vec<ParsedBlock>,
}

/// A block's reader and the records read from it (line, cells).
pub(super) type ParsedBlock = (BlockReader, Vec<(u64, Cells)>);

impl Chunk {
    /// Parses the chunk's blocks in parallel, each into its records; the
    /// first problem in the file's order, as a serial reading would meet it.
    pub(super) fn parse_blocks(&mut self, display: &str) -> Result<&mut [ParsedBlock]> {
        let Chunk { raw, blocks } = self;
        if blocks.len() < raw.blocks.len() {
            blocks.resize_with(raw.blocks.len(), Default::default);
        }
        let blocks = &mut blocks[..raw.blocks.len()];
        let parsed: Vec<Result<(), BadRecord>> = raw
            .blocks
            .par_iter()
            .zip(blocks.par_iter_mut())
            .map(|(block, (reader, records))| parse_block(reader, &raw.bytes[block.start..block.end], block.line, records))
            .collect();
        if let Some(bad) = parsed.into_iter().find_map(Result::err) {
            return Err(bad_record(bad, display));
        }
        Ok(blocks)
    }
}

/// Pass 2: one chunk of the rows pass 1 kept (see `row_spool`), with cells
/// reused from chunk to chunk like pass 1's.
#[derive(Default)]
struct KeptChunk {
    kept: crate::batch::spool::KeptChunk,
    cells: Vec<Cells>,
}

/// A record that is not UTF-8; `Source::located` turns it into the message
/// with line, column and a hint, as for a file checked before reading.
#[derive(Debug)]
struct RecordNotUtf8 {
    display: String,
    line: u64,
    field: usize,
}

impl std::fmt::Display for RecordNotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: line {}: field {}: not valid UTF-8; if the file was saved by Excel on a Chinese system, try --encoding gbk",
            self.display,
            self.line,
            self.field + 1
        )
    }
}

impl std::error::Error for RecordNotUtf8 {}

/// The error for a record of a block that cannot be read.
fn bad_record(bad: BadRecord, display: &str) -> anyhow::Error {
    match bad.problem {
        BadKind::NotUtf8 { field } => anyhow::Error::new(RecordNotUtf8 { display: display.to_string(), line: bad.line, field }),
        BadKind::Csv(_) | BadKind::OpenQuote { .. } => anyhow::anyhow!("{}", bad.message(display)),
    }
}

/// Runs `work` over chunks in a pipeline: while the pool evaluates chunk N
/// and `fill`s chunk N+1, it also hands the results of chunk N−1 to `sink`
/// (in order). The sink runs as one of the pool's tasks, not on the calling
/// thread: a third busy thread on two cores had the pool's threads
/// preempted in the middle of their work (−4 % wall time at 1M rows).
/// `fill` returns how far it got (for the progress bar), or None when
/// there was nothing left to read.
pub(super) fn for_each_chunk<C: Default + Send, T: Send>(
    progress: &ProgressBar,
    mut fill: impl FnMut(&mut C) -> Result<Option<u64>> + Send,
    work: impl Fn(&mut C) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<()> + Send,
) -> Result<()> {
    // The whole loop is one task of the pool, so that going from one chunk
    // to the next does not wait for this thread to wake up.
    rayon::scope(|_| {
        let (mut current, mut next) = (C::default(), C::default());
        let mut more = fill(&mut current)?.is_some();
        let mut pending: Option<T> = None;
        while more {
            let mut evaluated = None;
            let sunk = rayon::in_place_scope(|scope| {
                scope.spawn(|_| evaluated = Some(rayon::join(|| fill(&mut next), || work(&mut current))));
                pending.take().map_or(Ok(()), &mut sink)
            });
            sunk?;
            let (read, done) = evaluated.expect("a scope ends when its tasks do");
            pending = Some(done);
            let read = read?;
            if let Some(at) = read {
                progress.set_position(at);
            }
            more = read.is_some();
            std::mem::swap(&mut current, &mut next);
        }
        pending.map_or(Ok(()), sink)
    })
}

pub fn run(req: &Request, out: &mut (dyn Write + Send)) -> Result<Done> {
    let scheme = req.scheme;
    let source = Source::open(req.employees, req.encoding, req.sheet, |head, eof, display| {
        crate::batch::memory::check_head(scheme, req.encoding, req.header_row, req.placement, head, eof, display)
    })?;
    let long = match req.scores {
        Some(s) => crate::input::records::read_long_scores(scheme, s)?,
        None => LongScores::default(),
    };
    let progress = if req.progress {
        let bar = ProgressBar::new(source.len * 2);
        bar.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {percent}% {eta}").expect("a valid template").progress_chars("=> "));
        bar.set_message("evaluating");
        bar
    } else {
        ProgressBar::hidden()
    };

    // Pass 1: every row's figures (kept in a temporary file), composites, ids.
    let hash = matches!(req.format, Format::Json | Format::Html | Format::Xlsx).then(|| Arc::new(Mutex::new(Sha256::new())));
    let (layout, header) =
        read_layout(scheme, source.decoded(None)?, &source.display, req.header_row, req.placement).map_err(|e| source.located(e))?;
    // The records start past the header's last row (title rows and a second level included).
    let mut cutter =
        Cutter::new(source.decoded(hash.clone())?, header.end).with_context(|| format!("{}: cannot read the file", source.display))?;
    let periods = Periods::new(scheme, req.as_of);
    let columns = ScoreColumns::new(scheme, &layout, &periods);
    // Reasons are written in --lang only where people read them: the
    // machine formats keep the scheme's own words whatever the language.
    let words = match req.format {
        Format::Table | Format::Html | Format::Xlsx => crate::rule::words::Words::new(req.lang, scheme, Some(&layout)),
        Format::Json | Format::Ndjson | Format::Csv => crate::rule::words::Words::default(),
    };
    let batch = Batch { scheme, layout: &layout, periods: &periods, columns: &columns, long: &long, detail: false, words: &words };
    let mut ids = IdSet::new();
    let mut duplicates: hashbrown::HashMap<u64, u64> = hashbrown::HashMap::new(); // row index → line of the first row
    let mut cohorts = Cohorts::default();
    let mut rows = 0u64;
    // What pass 2 needs of every row (its figures and a few cells), written
    // down: cheaper than reading and splitting the whole file again.
    let kept = RowSpool::new(scheme, &layout, &periods);
    let spool_file = tempfile::tempfile().context("cannot create a temporary file for pass 1")?;
    let mut spool_out = std::io::BufWriter::with_capacity(1 << 16, spool_file.try_clone()?);
    type Pass1 = (u64, String, Option<(CohortKey, Decimal)>);
    #[derive(Default)]
    struct Piece1 {
        rows: Vec<Pass1>,
        kept: crate::batch::spool::Kept,
        /// Figures whose lists the next row's are computed into.
        spare: crate::figures::Figures,
    }
    impl Piece1 {
        fn new() -> Box<Piece1> {
            Box::new(Piece1 { kept: crate::batch::spool::Kept::new(), ..Default::default() })
        }
    }
    // The blocks of a chunk are parsed in parallel, then its rows are shared
    // out one by one (blocks alone are too coarse: the last one of a chunk
    // would keep one core waiting).
    let pass1 = |chunk: &mut Chunk| -> Result<(usize, Vec<Box<Piece1>>)> {
        let bytes = chunk.raw.bytes.len();
        let pieces = chunk
            .parse_blocks(&source.display)?
            .par_iter_mut()
            .flat_map(|(_, records)| records.par_iter_mut())
            // Boxed: the fold hands its accumulator on by value for every row.
            .fold(Piece1::new, |mut piece, (line, record)| {
                let mut row = parse_row(scheme, &layout, *line, std::mem::take(record), req.as_of);
                let figures = batch.figures_reusing(&mut row, std::mem::take(&mut piece.spare));
                kept.write_row(&row, figures.as_ref(), &mut piece.kept);
                let cohort = figures.as_ref().and_then(|f| f.composite).map(|c| (CohortKey::of(scheme, &layout, &row), c));
                let id = std::mem::take(&mut row.id);
                *record = row.cells;
                piece.rows.push((*line, id, cohort));
                if let Some(figures) = figures {
                    piece.spare = figures;
                }
                piece
            })
            .collect();
        Ok((bytes, pieces))
    };
    let read_records = |chunk: &mut Chunk| -> Result<Option<u64>> {
        let more = cutter.next_chunk(&mut chunk.raw).with_context(|| format!("{}: cannot read the file", source.display))?;
        Ok(more.then(|| chunk.raw.offset + chunk.raw.bytes.len() as u64))
    };
    for_each_chunk(&progress, read_records, pass1, |evaluated| {
        let (bytes, mut pieces) = evaluated?;
        let count = pieces.iter().map(|p| p.rows.len()).sum();
        let records: Vec<&crate::batch::spool::Kept> = pieces.iter().map(|p| &p.kept).collect();
        RowSpool::write_chunk(&mut spool_out, count, &records).context("cannot write the temporary file of pass 1")?;
        let composites = pieces.iter().flat_map(|p| p.rows.iter());
        // After the first chunk, size the id set for the whole file from
        // the bytes a row takes (an estimate: it only saves regrowing).
        if rows == 0 && count > 0 {
            // A row has at least its six required cells (≈ 30 bytes): a
            // first chunk of odd tiny rows cannot make the guess huge.
            let per_row = (bytes / count).max(32);
            let estimate = source.len as usize / per_row;
            let id_bytes = composites.clone().map(|(_, id, _)| id.len()).sum::<usize>() / count;
            ids.reserve(estimate + estimate / 16, id_bytes.max(1));
        }
        // The keys are moved into the cohorts, not copied.
        for (line, id, cohort) in pieces.iter_mut().flat_map(|p| p.rows.iter_mut()) {
            let duplicate = if id.is_empty() { None } else { ids.insert(id, *line)? };
            match duplicate {
                Some(first) => {
                    duplicates.insert(rows, first);
                }
                None => {
                    if let Some((key, composite)) = cohort.take() {
                        cohorts.add(key, composite)?;
                    }
                }
            }
            rows += 1;
        }
        Ok(())
    })
    .map_err(|e| source.located(e))?;
    cohorts.finish();
    let mut warnings: Vec<String> = unknown_score_ids(&long, &source.display, |id| ids.contains(id)).into_iter().collect();
    if rows == 0 {
        warnings.push(format!("{}: no employee rows below the header", source.display));
    }
    drop(ids);
    drop(cutter);
    spool_out.flush().context("cannot write the temporary file of pass 1")?;
    drop(spool_out);
    let mut spool_in = BufReader::with_capacity(1 << 16, spool_file);
    let spool_len = spool_in.seek(std::io::SeekFrom::End(0))?.max(1);
    spool_in.rewind()?;

    // Pass 2: decide and write, in order.
    let csv_hash = hash.map(|h| format!("{:x}", h.lock().expect("hashing done").clone().finalize())).unwrap_or_default();
    let mut inputs = vec![(source.display.clone(), source.sha256.clone().unwrap_or(csv_hash))];
    if let Some(s) = req.scores {
        inputs.push((s.display.clone(), s.sha256.clone()));
    }
    let meta = Meta { scheme, periods: &periods, inputs, placement: req.placement };
    let mut writer = Writer::begin_in(req.format, meta, req.color, req.lang, out)?.width(req.width);
    let mut errors = 0usize;
    let mut error_notes = Vec::new();
    let index = std::sync::atomic::AtomicU64::new(0);
    // Projected rows are evaluated on their own layout (and need no figures computed).
    let projected = Batch { layout: &kept.projected, ..batch };
    // Each worker formats its share of a chunk into one `Piece` (the costly
    // part, done in parallel); pieces come back in input order.
    #[derive(Default)]
    struct Piece<'s> {
        formatted: Formatted<'s>,
        errors: usize,
        /// `FILE:LINE: ID: problems` of its rows in error.
        notes: Vec<String>,
        /// A row that did not read back from the temporary file.
        damaged: Option<anyhow::Error>,
        /// Figures whose lists the next row's are decoded into.
        spare: crate::figures::Figures,
    }
    // One kept row decided, as both the quota pass and pass 2 need it: the
    // row, its figures (in `spare`'s lists where it can) and its decision.
    let decide_kept = |index: u64, kept_row: crate::batch::spool::KeptRow<'_>, cells: Cells, spare: crate::figures::Figures| {
        let line = kept_row.line;
        // A projected row is rebuilt from what pass 1 resolved, on its
        // own layout; a row kept whole is parsed as it was.
        let (batch, mut row) = match &kept_row.resolved {
            Some(resolved) => (&projected, resolved_row(&kept.projected, line, cells, resolved)),
            None => (&batch, parse_row(scheme, &layout, line, cells, req.as_of)),
        };
        if let Some(first_line) = duplicates.get(&index) {
            row.errors.push(duplicate_error(&row.id, *first_line));
        }
        // Pass 1's figures of a projected row; a whole row's are computed here.
        let figures = match kept_row.resolved {
            Some(_) if row.errors.is_empty() => {
                let mut figures = spare;
                kept.figures.decode_into(kept_row.figures, &periods, &mut figures).then_some(figures)
            }
            Some(_) => None,
            None => batch.figures(&mut row),
        };
        // A row in error (a duplicate id) has no figures and so no place in a cohort.
        let standing = match figures.as_ref().filter(|_| row.errors.is_empty()) {
            Some(f) => f.composite.and_then(|c| cohorts.standing(scheme, &CohortKey::of(scheme, batch.layout, &row), c, f.band)),
            None => None,
        };
        let decision = batch.decide(&row, figures.as_ref(), standing);
        (batch, crate::batch::memory::Outcome { row, figures, cohort: None, standing, decision })
    };

    // The quota pass (SPEC §8.4), only with quotas: every row decided once
    // more, keeping of each only what allocation needs (head counts, and of
    // a candidate its order keys, options and groups), then allocated.
    // Quotas do not apply to placement (placing is not promoting).
    let allocation = if scheme.quotas.is_empty() || req.placement {
        None
    } else {
        let mut collector = crate::batch::quota::Collector::new(scheme);
        let quota_index = std::sync::atomic::AtomicU64::new(0);
        let (noter, decide_ref) = (collector.noter(), &decide_kept);
        let pass_q = |chunk: &mut KeptChunk| -> Result<Vec<crate::batch::quota::Noted>> {
            let KeptChunk { kept: rows, cells } = chunk;
            cells.resize_with(rows.len(), Cells::default);
            let first = quota_index.fetch_add(rows.len() as u64, std::sync::atomic::Ordering::SeqCst);
            let text = rows.text().ok();
            let noted: Vec<Result<Option<crate::batch::quota::Noted>>> = rows
                .rows()
                .zip(cells.par_iter_mut())
                .enumerate()
                .map(|(i, ((record, cells_text), cells))| {
                    let kept_row = kept.read_row(record, text.and_then(|t| t.get(cells_text)), cells)?;
                    let index = first + i as u64;
                    let (batch, mut outcome) = decide_ref(index, kept_row, std::mem::take(cells), Default::default());
                    let composite = outcome.figures.as_ref().and_then(|f| f.composite);
                    let noted = noter.note(index, batch.layout, &outcome.row, composite, req.as_of, &outcome.decision);
                    *cells = std::mem::take(&mut outcome.row.cells);
                    Ok(noted)
                })
                .collect();
            noted.into_iter().filter_map(Result::transpose).collect()
        };
        let read_kept = |chunk: &mut KeptChunk| -> Result<Option<u64>> {
            if !RowSpool::read_chunk(&mut spool_in, &mut chunk.kept).context("cannot read the temporary file of pass 1")? {
                return Ok(None);
            }
            Ok(Some(source.len))
        };
        // Counted chunk by chunk: only the candidates are kept.
        for_each_chunk(&ProgressBar::hidden(), read_kept, pass_q, |noted| {
            noted?.into_iter().for_each(|n| collector.add_noted(n));
            Ok(())
        })?;
        spool_in.rewind()?;
        Some(collector.allocate())
    };

    let pass2 = |chunk: &mut KeptChunk| -> Vec<Box<Piece<'_>>> {
        let KeptChunk { kept: rows, cells } = chunk;
        cells.resize_with(rows.len(), Cells::default);
        let first = index.fetch_add(rows.len() as u64, std::sync::atomic::Ordering::SeqCst);
        // None when it is not UTF-8: each row is then damaged.
        let text = rows.text().ok();
        rows.rows()
            .zip(cells.par_iter_mut())
            .enumerate()
            // Boxed: the fold hands its accumulator on by value for every row.
            .fold(Box::<Piece>::default, |mut piece, (i, ((record, cells_text), cells))| {
                let kept_row = match kept.read_row(record, text.and_then(|t| t.get(cells_text)), cells) {
                    Ok(k) => k,
                    Err(e) => {
                        piece.damaged.get_or_insert(e);
                        return piece;
                    }
                };
                let line = kept_row.line;
                let row_index = first + i as u64;
                let (_, mut outcome) = decide_kept(row_index, kept_row, std::mem::take(cells), std::mem::take(&mut piece.spare));
                if let Some(allocation) = &allocation {
                    allocation.apply(scheme, &words, row_index, outcome.row.grade, &mut outcome.decision);
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
                if req.statuses.is_empty() || req.statuses.contains(&r.status) {
                    piece.formatted.push(req.format, r);
                }
                piece
            })
            .collect()
    };
    let mut spool_read = 0u64;
    let read_kept = |chunk: &mut KeptChunk| -> Result<Option<u64>> {
        if !RowSpool::read_chunk(&mut spool_in, &mut chunk.kept).context("cannot read the temporary file of pass 1")? {
            return Ok(None);
        }
        spool_read += chunk.kept.file_bytes() as u64;
        Ok(Some(source.len + source.len * spool_read / spool_len))
    };
    for_each_chunk(&progress, read_kept, pass2, |mut pieces| {
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
    if !req.statuses.is_empty() {
        writer.evaluated(rows as usize);
    }
    let summary = writer.end(out)?;
    progress.finish_and_clear();
    let read = index.into_inner();
    if read != rows {
        bail!("the temporary file of pass 1 does not read back: pass 1 kept {rows} rows, pass 2 read {read}");
    }
    if errors > error_notes.len() {
        error_notes.push(format!("{}: … and {} more rows in error (see the results)", source.display, errors - error_notes.len()));
    }
    let under_way = crate::calendar::under_way_note(layout.score_periods(), req.as_of);
    Ok(Done { summary, errors, error_notes, rows: rows as usize, warnings, notes: header.note.into_iter().collect(), under_way })
}
