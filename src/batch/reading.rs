//! What a streaming read of the employee file needs, and how it reads one
//! record: shared by `evaluate`'s pass 1 ([`super::stream`]) and the
//! one-employee scan of `explain` and `what-if` ([`super::scan`]), which
//! read a file the same way and differ only in what they keep.

use crate::batch::cohorts::CohortKey;
use crate::batch::memory::{read_layout, Batch};
use crate::figures::{Figures, Periods, ScoreColumns};
use crate::input::cells::Cells;
use crate::input::header::Header;
use crate::input::records::{parse_row, read_long_scores, Input, Layout, LongScores, Row};
use crate::input::source::Source;
use crate::input::split::Cutter;
use crate::rule::words::Words;
use crate::scheme::Scheme;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::{Arc, Mutex};

/// The file's header and layout, the review periods and score columns, the
/// long-form scores, and the file's hash as it is read.
pub struct Reading {
    pub layout: Layout,
    pub header: Header,
    pub periods: Periods,
    pub columns: ScoreColumns,
    pub long: LongScores,
    /// Fed by the read, for the report's meta.
    hash: Option<Arc<Mutex<Sha256>>>,
}

/// Where a read is asked to start: the file opened, how to read it.
pub struct Start<'a> {
    pub scheme: &'a Scheme,
    pub source: &'a Source,
    pub scores: Option<&'a Input>,
    pub as_of: NaiveDate,
    pub header_row: Option<u64>,
    pub placement: bool,
    /// The meta names the file's hash: hash the records as they are read,
    /// unless the source has its hash already (a workbook's sheet).
    pub hash: bool,
}

impl Reading {
    /// Reads the header (and the long scores) and returns the cutter of the
    /// records after it, hashing them when asked.
    pub fn start(at: &Start) -> Result<(Reading, Cutter<Box<dyn Read + Send>>)> {
        let Start { scheme, source, scores, as_of, header_row, placement, hash } = *at;
        let long = match scores {
            Some(s) => read_long_scores(scheme, s)?,
            None => LongScores::default(),
        };
        let hash = (hash && source.sha256.is_none()).then(|| Arc::new(Mutex::new(Sha256::new())));
        let (layout, header) =
            read_layout(scheme, source.decoded(None)?, &source.display, header_row, placement).map_err(|e| source.located(e))?;
        // The records start past the header's last row (title rows and a second level included).
        let cutter =
            Cutter::new(source.decoded(hash.clone())?, header.end).with_context(|| format!("{}: cannot read the file", source.display))?;
        let periods = Periods::new(scheme, as_of);
        let columns = ScoreColumns::new(scheme, &layout, &periods);
        Ok((Reading { layout, header, periods, columns, long, hash }, cutter))
    }

    /// The batch the rows are read with: lean figures, decisions in `words`.
    pub fn batch<'a>(&'a self, scheme: &'a Scheme, words: &'a Words) -> Batch<'a> {
        Batch { scheme, layout: &self.layout, periods: &self.periods, columns: &self.columns, long: &self.long, detail: false, words }
    }

    /// The input files as the report's meta names them: (name, SHA-256),
    /// once the read is done.
    pub fn inputs(&self, source: &Source, scores: Option<&Input>) -> Vec<(String, String)> {
        let read = self.hash.as_ref().map(|h| format!("{:x}", h.lock().expect("hashing done").clone().finalize())).unwrap_or_default();
        let mut inputs = vec![(source.display.clone(), source.sha256.clone().unwrap_or(read))];
        if let Some(s) = scores {
            inputs.push((s.display.clone(), s.sha256.clone()));
        }
        inputs
    }
}

/// A row a read was asked to keep (the employee of `explain` and
/// `what-if`): its place in the file and its cells.
pub struct KeptRow {
    pub line: u64,
    /// The row's index in input order (0 = the first record), as `evaluate` numbers rows.
    pub index: u64,
    pub cells: Cells,
}

/// The cohorts a read ranks (computes the figures of their rows for).
#[derive(Debug, Clone)]
pub enum Wanted {
    /// Every cohort (`evaluate`; a scan that could not find the employee first).
    Every,
    /// Only these (none: the employee's row cannot be ranked).
    Cohorts(Vec<CohortKey>),
}

impl Wanted {
    /// Is `key`'s cohort ranked?
    pub fn ranks(&self, key: &CohortKey) -> bool {
        match self {
            Wanted::Every => true,
            Wanted::Cohorts(keys) => keys.contains(key),
        }
    }
}

/// Reads the record on `line` (its cells in `record`) and hands `use_row`
/// its row, its lean figures (when its cohort is wanted) and, when it has
/// a composite, its cohort. A row in error has no figures, nor one of a
/// cohort not wanted. The figures are computed into `spare`'s lists and the
/// cells go back to `record` afterwards: a read reuses them for a million
/// rows (and handing the row over, rather than returning it, copies less).
#[inline]
pub fn read_record<T>(
    batch: &Batch,
    wanted: &Wanted,
    line: u64,
    record: &mut Cells,
    spare: &mut Figures,
    use_row: impl FnOnce(&mut Row, Option<&Figures>, Option<(CohortKey, Decimal)>) -> T,
) -> T {
    let mut row = parse_row(batch.scheme, batch.layout, line, std::mem::take(record), batch.periods.as_of);
    let key = row.errors.is_empty().then(|| CohortKey::of(batch.scheme, batch.layout, &row)).filter(|k| wanted.ranks(k));
    let figures = (key.is_some() && batch.figures_into(&mut row, spare)).then_some(&*spare);
    let cohort = figures.and_then(|f| f.composite).zip(key).map(|(c, k)| (k, c));
    let used = use_row(&mut row, figures, cohort);
    *record = row.cells;
    used
}
