//! A batch evaluation: read the rows, compute every employee's figures, rank
//! each cohort, then decide. Rows keep their input order.

use crate::decision::{decide, Decision, Verdict};
pub use crate::figures::Standing;
use crate::figures::{compute, compute_lean, Figures, Periods, ScoreColumns, ScoreSource};
use crate::input::cells::Cells;
use crate::input::records::{parse_row, read_long_scores, records_reader, Input, Layout, LongScores, Row};
use crate::rule::eval::Env;
use crate::rule::words::{Lang, Words};
use crate::rule::Reserved;
use crate::scheme::{CohortField, Scheme};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// One employee, evaluated.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub row: Row,
    /// None for a row in error.
    pub figures: Option<Figures>,
    /// The row's rank cohort, when it has a composite and ranks.
    pub cohort: Option<CohortKey>,
    pub standing: Option<Standing>,
    pub decision: Decision,
}

/// Everything a report needs.
pub struct Evaluation<'s> {
    pub scheme: &'s Scheme,
    pub periods: Periods,
    pub layout: Layout,
    /// The input files: (name, SHA-256).
    pub inputs: Vec<(String, String)>,
    pub outcomes: Vec<Outcome>,
    /// Things worth saying on stderr that are not row errors.
    pub warnings: Vec<String>,
    /// What is worth knowing of how the file was read (the header found below title rows).
    pub notes: Vec<String>,
    /// The quota allocation (SPEC §8.4), when the scheme has quotas.
    pub quotas: Option<crate::batch::quota::Allocation>,
    /// The words the decisions' texts were written in.
    pub words: Words,
}

impl Evaluation<'_> {
    pub fn env<'a>(&'a self, outcome: &'a Outcome, time_as_of: NaiveDate) -> Option<Env<'a>> {
        Some(Env {
            scheme: self.scheme,
            layout: &self.layout,
            row: &outcome.row,
            figures: outcome.figures.as_ref()?,
            standing: outcome.standing,
            time_as_of,
            words: &self.words,
        })
    }
}

/// Reads the employee rows of `input` (and `scores`), then evaluates them.
pub fn evaluate<'s>(scheme: &'s Scheme, input: &Input, scores: Option<&Input>, as_of: NaiveDate) -> Result<Evaluation<'s>> {
    evaluate_with(scheme, input, scores, as_of, None)
}

/// [`evaluate`], with the header on line `header_row` (`--header-row`) when given.
pub fn evaluate_with<'s>(
    scheme: &'s Scheme,
    input: &Input,
    scores: Option<&Input>,
    as_of: NaiveDate,
    header_row: Option<u64>,
) -> Result<Evaluation<'s>> {
    evaluate_in(scheme, input, scores, as_of, header_row, Lang::En)
}

/// [`evaluate_with`], the decisions' texts written in `lang`.
pub fn evaluate_in<'s>(
    scheme: &'s Scheme,
    input: &Input,
    scores: Option<&Input>,
    as_of: NaiveDate,
    header_row: Option<u64>,
    lang: Lang,
) -> Result<Evaluation<'s>> {
    evaluate_as(scheme, input, scores, as_of, &How { header_row, lang, placement: false })
}

/// [`evaluate_with`], placing (`--placement`, SPEC §8.3) instead of promoting when `placement`.
pub fn evaluate_placing<'s>(
    scheme: &'s Scheme,
    input: &Input,
    scores: Option<&Input>,
    as_of: NaiveDate,
    header_row: Option<u64>,
    placement: bool,
) -> Result<Evaluation<'s>> {
    evaluate_as(scheme, input, scores, as_of, &How { header_row, lang: Lang::En, placement })
}

/// How a file is read and evaluated, besides its scheme, inputs and as-of date.
#[derive(Debug, Clone, Copy, Default)]
pub struct How {
    /// `--header-row`: the header's line, when given.
    pub header_row: Option<u64>,
    /// The language of the decisions' texts.
    pub lang: Lang,
    /// `--placement` (SPEC §8.3): placing instead of promoting.
    pub placement: bool,
}

/// Checks the first lines of standard input (see `records::read_head`)
/// before the rest is read: an endless or wrong stream is refused at once.
/// UTF-8 text only (GBK is decoded whole later); a head that ends in the
/// middle of a quoted cell is left to the full read, and so is one too short
/// to hold the rows the header is looked for in.
pub fn check_head(
    scheme: &Scheme,
    encoding: crate::input::records::Encoding,
    header_row: Option<u64>,
    placement: bool,
    head: &[u8],
    eof: bool,
    display: &str,
) -> Result<()> {
    let Ok(text) = std::str::from_utf8(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)) else { return Ok(()) };
    let complete = if eof { text } else { text.rfind('\n').map_or("", |end| &text[..=end]) };
    let rows = complete.lines().filter(|l| !l.trim_matches([',', ' ', '\r']).is_empty()).count() as u64;
    let needed = header_row.unwrap_or(0).max(12);
    if encoding == crate::input::records::Encoding::Gbk
        || crate::input::split::open_quote(complete.as_bytes()).is_some()
        || (!eof && rows < needed)
    {
        return Ok(());
    }
    read_layout(scheme, complete.as_bytes(), display, header_row, placement).map(|_| ())
}

/// Reads the employee rows of `input` (and `scores`) as `how` says, then evaluates them.
pub fn evaluate_as<'s>(scheme: &'s Scheme, input: &Input, scores: Option<&Input>, as_of: NaiveDate, how: &How) -> Result<Evaluation<'s>> {
    let long = match scores {
        Some(s) => read_long_scores(scheme, s)?,
        None => LongScores::default(),
    };
    let How { header_row, lang, placement } = *how;
    let (layout, header) = read_layout(scheme, input.text.as_bytes(), &input.display, header_row, placement)?;
    // The records start past the header's last row, on the line they are on in the file.
    // Past a CR LF's line feed the header's end may fall before (lines are counted once).
    let end = crate::input::split::past_crlf(input.text.as_bytes(), header.end as usize);
    let rest = input.text.as_bytes().get(end..).unwrap_or_default();
    let first_line = 1 + crate::input::split::line_ends(&input.text.as_bytes()[..input.text.len() - rest.len()]);
    let mut reader = records_reader(rest);
    let mut rows = Vec::new();
    let mut lines = crate::input::split::Lines::new(rest, first_line);
    let mut last = None;
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: malformed CSV", input.display))?;
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let line = lines.at(start);
        last = Some((start, line));
        if record.as_slice().len() > crate::input::split::MAX_RECORD {
            // As the streaming batch: a quote never closed says so, else the record is too long.
            crate::input::split::last_record_open_quote(rest, start, line)
                .map_err(|bad| anyhow::anyhow!("{}", bad.message(&input.display)))?;
            anyhow::bail!("{}: line {line}: {}", input.display, crate::input::split::record_too_long());
        }
        let cells = Cells::from(record);
        if cells.is_blank() {
            continue;
        }
        rows.push(parse_row(scheme, &layout, line, cells, as_of));
    }
    // A quote never closed swallows the rest of the file into one cell.
    if let Some((start, line)) = last {
        crate::input::split::last_record_open_quote(rest, start, line).map_err(|bad| anyhow::anyhow!("{}", bad.message(&input.display)))?;
    }
    let mut evaluation = evaluate_rows_in(scheme, layout, rows, &long, as_of, input, scores, lang);
    evaluation.notes.extend(header.note);
    Ok(evaluation)
}

/// Finds the header at the top of `source` (see `header`) and maps it. When
/// no row of the first ten has every required column, the problems are the
/// first row's, with a line saying so.
pub fn read_layout<R: std::io::Read>(
    scheme: &Scheme,
    source: R,
    display: &str,
    header_row: Option<u64>,
    placement: bool,
) -> Result<(Layout, crate::input::header::Header)> {
    let required = crate::input::records::required_columns_for(scheme, placement);
    let header = crate::input::header::find(source, &required, header_row, display)?;
    match Layout::new_for(scheme, header.names.clone(), display, header.line, placement) {
        Ok(layout) => Ok((layout, header)),
        Err(e) => match &header.not_found {
            Some(line) => Err(anyhow::anyhow!("{e:#}\n{line}")),
            None => Err(e),
        },
    }
}

/// What every row of one file is evaluated with.
pub struct Batch<'a> {
    pub scheme: &'a Scheme,
    pub layout: &'a Layout,
    pub periods: &'a Periods,
    pub columns: &'a ScoreColumns,
    pub long: &'a LongScores,
    /// Keep every item's score for `explain` (the in-memory path); a
    /// streaming batch needs only the figures and takes the faster way.
    pub detail: bool,
    /// The words the decisions' texts are written in.
    pub words: &'a Words,
}

impl Batch<'_> {
    /// The figures of a parsed row; data problems are added to its errors.
    pub fn figures(&self, row: &mut Row) -> Option<Figures> {
        self.figures_reusing(row, Figures::default())
    }

    /// [`Batch::figures`], in `spare`'s lists where it can (a batch computes a million).
    pub fn figures_reusing(&self, row: &mut Row, spare: Figures) -> Option<Figures> {
        if !row.errors.is_empty() {
            return None;
        }
        let position = row.position?;
        let source = ScoreSource {
            columns: self.columns,
            row,
            long: self.long.by_id.get(&row.id).map_or(&[], Vec::as_slice),
            long_display: &self.long.display,
            quarter_scores: self.long.quarter_scores.get(&row.id).map_or(&[], Vec::as_slice),
        };
        let computed = if self.detail {
            compute(self.scheme, position, self.periods, &source)
        } else {
            compute_lean(self.scheme, position, self.periods, &source, spare)
        };
        match computed {
            Ok(f) => Some(f),
            Err(errors) => {
                row.errors.extend(errors.iter().map(ToString::to_string));
                None
            }
        }
    }

    /// The decision for a row whose figures and rank are known.
    pub fn decide(&self, row: &Row, figures: Option<&Figures>, standing: Option<Standing>) -> Decision {
        let Some(figures) = figures.filter(|_| row.errors.is_empty()) else { return Decision::error() };
        let env =
            Env { scheme: self.scheme, layout: self.layout, row, figures, standing, time_as_of: self.periods.as_of, words: self.words };
        if self.layout.placement.is_some() {
            // SPEC §8.3: placed within the sequence; the grade cell is not read.
            return row.sequence.map_or_else(Decision::error, |sequence| crate::decision::place(&env, sequence));
        }
        row.grade.map_or_else(Decision::error, |grade| decide(&env, grade))
    }

    /// [`Batch::decide`]'s verdict alone (what the quota queue reads), without the texts.
    pub fn verdict(&self, row: &Row, figures: Option<&Figures>, standing: Option<Standing>) -> Verdict {
        let error = || Decision::error().verdict();
        let Some(figures) = figures.filter(|_| row.errors.is_empty()) else { return error() };
        if self.layout.placement.is_some() {
            // Placing is not promoting: no queue reads it (SPEC §8.4); the whole decision, to be exact.
            return self.decide(row, Some(figures), standing).verdict();
        }
        let env =
            Env { scheme: self.scheme, layout: self.layout, row, figures, standing, time_as_of: self.periods.as_of, words: self.words };
        row.grade.map_or_else(error, |grade| crate::decision::verdict(&env, grade))
    }
}

/// What makes two employees one rank cohort (SPEC §8.2): the resolved
/// position, sequence and grade where the cohort names them, and the text
/// of its other fields. The default cohort (sequence, grade) has no text,
/// so building its key allocates nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CohortKey {
    /// Position, sequence and grade index; `u32::MAX` where the cohort does not group by it.
    refs: [u32; 3],
    /// The other fields' values, each followed by U+001F (a blank cell is a value of its own).
    text: String,
}

impl CohortKey {
    /// The key of a row whose reserved fields resolved (only those rank).
    /// Under placement (SPEC §8.3) the grade is left out of the cohort and
    /// the sequence added when it is not there: `[department, grade]` ranks
    /// as `[department, sequence]`.
    pub fn of(scheme: &Scheme, layout: &Layout, row: &Row) -> CohortKey {
        let mut key = CohortKey { refs: [u32::MAX; 3], text: String::new() };
        let index = |n: Option<usize>| n.map_or(u32::MAX - 1, |n| n as u32);
        if layout.placement.is_some() {
            key.refs[1] = index(row.sequence);
        }
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        for field in &scheme.cohort.fields {
            let text = match field {
                CohortField::Reserved(Reserved::Position) => {
                    key.refs[0] = index(row.position);
                    continue;
                }
                CohortField::Reserved(Reserved::Sequence) => {
                    key.refs[1] = index(row.grade.map(|g| g.sequence).or(row.sequence));
                    continue;
                }
                CohortField::Reserved(Reserved::Grade) if layout.placement.is_some() => continue,
                CohortField::Reserved(Reserved::Grade) => {
                    // Grade ids are unique scheme-wide: the index with the sequence names it.
                    key.refs[2] = index(row.grade.map(|g| g.index));
                    key.refs[1] = key.refs[1].min(index(row.grade.map(|g| g.sequence)));
                    continue;
                }
                CohortField::Reserved(Reserved::Id) => std::borrow::Cow::Borrowed(row.id.as_str()),
                CohortField::Reserved(Reserved::Name) => std::borrow::Cow::Borrowed(row.name.as_str()),
                CohortField::Reserved(Reserved::HireDate) => date(row.hire_date).into(),
                CohortField::Reserved(Reserved::GradeDate) => date(row.grade_date).into(),
                CohortField::Reserved(Reserved::BirthDate) => date(row.birth_date).into(),
                CohortField::Column(id) => layout.facts.get(*id).copied().flatten().map_or("", |c| row.cell(c)).into(),
            };
            key.text.push_str(&text);
            key.text.push('\u{1f}');
        }
        key
    }
}

/// The composites of each cohort, for rank, counted per hundredth: a
/// composite has 2 decimals and lies in 0..=100 (every weight, score and
/// percentage it is made of does). A cohort starts as a sorted list of the
/// composites it has and becomes a table of 10,001 counters (about 40 KB)
/// once it holds many distinct ones: a million employees in a few cohorts
/// take a few tables, and a cohort per department of three takes a few
/// bytes, not 40 KB each.
#[derive(Debug, Default)]
pub struct Cohorts {
    /// Cohort keys are interned: the key once, its counts, whatever the head count.
    cohorts: hashbrown::HashMap<CohortKey, Cohort>,
}

#[derive(Debug)]
struct Cohort {
    counts: Counts,
    size: usize,
}

#[derive(Debug)]
enum Counts {
    /// (composite in hundredths, how many), sorted by composite: 8 bytes a
    /// distinct composite (a cohort per employee stays small); after
    /// `finish`, (composite, how many are strictly higher, how many have it).
    Sparse(Vec<(i32, u32)>),
    Finished(Vec<(i32, u32, u32)>),
    /// `counts[i]` counts composite `offset + i`; after `finish`, how many are strictly higher.
    Dense {
        offset: i32,
        counts: Vec<u32>,
    },
}

/// Distinct composites a cohort holds in its map before it becomes a table.
const SPARSE_MAX: usize = 2_048;

/// The widest table a cohort may grow to (composites outside 0..=100 do not
/// occur; this bounds the memory if one ever did).
const MAX_SPAN: i64 = 1_000_000;

/// A composite in hundredths; None if it is not one (more decimals, or huge).
pub(crate) fn hundredths(composite: Decimal) -> Option<i32> {
    if composite.scale() == 2 {
        return i32::try_from(composite.mantissa()).ok();
    }
    let mut c = composite;
    c.rescale(2);
    (c == composite).then(|| i32::try_from(c.mantissa()).ok()).flatten()
}

impl Cohort {
    /// Counts `h`; false when a table would pass `MAX_SPAN`.
    fn add(&mut self, h: i32) -> bool {
        if let Counts::Sparse(list) = &mut self.counts {
            match list.binary_search_by_key(&h, |(k, _)| *k) {
                Ok(i) => list[i].1 += 1,
                Err(i) => list.insert(i, (h, 1)),
            }
            if list.len() > SPARSE_MAX {
                let (lo, hi) = (list.first().map_or(h, |e| e.0), list.last().map_or(h, |e| e.0));
                let (lo, hi) = (lo.min(0), hi.max(10_000));
                if i64::from(hi) - i64::from(lo) + 1 > MAX_SPAN {
                    // Only a new composite makes the list grow: take it out again.
                    list.retain(|(k, _)| *k != h);
                    return false;
                }
                let mut counts = vec![0; (hi - lo + 1) as usize];
                for (k, n) in list.iter() {
                    counts[(k - lo) as usize] = *n;
                }
                self.counts = Counts::Dense { offset: lo, counts };
            }
            self.size += 1;
            return true;
        }
        let Counts::Dense { offset, counts } = &mut self.counts else { return false };
        let (lo, hi) = (i64::from(*offset), i64::from(*offset) + counts.len() as i64 - 1);
        let (new_lo, new_hi) = (lo.min(i64::from(h)), hi.max(i64::from(h)));
        if (new_lo, new_hi) != (lo, hi) {
            if new_hi - new_lo + 1 > MAX_SPAN {
                return false;
            }
            let mut wider = vec![0; (new_hi - new_lo + 1) as usize];
            wider[(lo - new_lo) as usize..(hi - new_lo + 1) as usize].copy_from_slice(counts);
            *counts = wider;
            *offset = new_lo as i32;
        }
        counts[(i64::from(h) - i64::from(*offset)) as usize] += 1;
        self.size += 1;
        true
    }

    /// How many have a composite strictly higher than `h`.
    fn higher(&self, h: i32) -> usize {
        match &self.counts {
            Counts::Dense { offset, counts } => match usize::try_from(i64::from(h) - i64::from(*offset)) {
                Err(_) => self.size, // below the lowest: everyone is higher
                Ok(i) => counts.get(i).map_or(0, |n| *n as usize),
            },
            Counts::Finished(sorted) => {
                let i = sorted.partition_point(|(k, _, _)| *k < h);
                match sorted.get(i) {
                    Some((k, above, _)) if *k == h => *above as usize,
                    Some((_, above, count)) => (*above + *count) as usize,
                    None => 0,
                }
            }
            Counts::Sparse(_) => 0, // not finished: never asked
        }
    }
}

impl Cohorts {
    /// Adds a composite; refuses (rather than mis-ranks) one that cannot be a composite.
    pub fn add(&mut self, key: CohortKey, composite: Decimal) -> Result<()> {
        let cohort = self.cohorts.entry(key).or_insert_with(|| Cohort { counts: Counts::Sparse(Vec::new()), size: 0 });
        let added = hundredths(composite).is_some_and(|h| cohort.add(h));
        if !added {
            anyhow::bail!("internal error: composite {composite} is outside 0..=100 with 2 decimals");
        }
        Ok(())
    }

    /// Call once every composite is in: turns the counts into how many are higher.
    pub fn finish(&mut self) {
        for cohort in self.cohorts.values_mut() {
            match &mut cohort.counts {
                Counts::Sparse(list) => {
                    let mut higher = 0;
                    let mut sorted: Vec<(i32, u32, u32)> = Vec::with_capacity(list.len());
                    for (k, n) in list.iter().rev() {
                        sorted.push((*k, higher, *n));
                        higher += *n;
                    }
                    sorted.reverse();
                    cohort.counts = Counts::Finished(sorted);
                }
                Counts::Dense { counts, .. } => {
                    let mut higher = 0;
                    for count in counts.iter_mut().rev() {
                        let here = *count;
                        *count = higher;
                        higher += here;
                    }
                }
                Counts::Finished(_) => {}
            }
        }
    }

    /// The place of `composite` in the cohort `key` (after `finish`).
    pub fn standing(&self, scheme: &Scheme, key: &CohortKey, composite: Decimal, band: Option<usize>) -> Option<Standing> {
        let cohort = self.cohorts.get(key)?;
        let higher = cohort.higher(hundredths(composite)?);
        let pct = rank_pct(higher, cohort.size)?;
        let calibrated_band = scheme.distribution.as_ref().and_then(|d| d.calibrate(band, pct, cohort.size));
        Some(Standing { rank_pct: pct, rank: higher + 1, cohort_size: cohort.size, calibrated_band })
    }

    /// [`Cohorts::standing`] once one member has moved: out of `from` (its
    /// cohort and composite in hundredths, as counted) and into `to`. The
    /// queue of a what-if's changed file ranks every row so, from the counts
    /// of the file as it is.
    pub fn standing_moved(
        &self,
        scheme: &Scheme,
        key: &CohortKey,
        composite: Decimal,
        band: Option<usize>,
        from: Option<(&CohortKey, i32)>,
        to: Option<(&CohortKey, i32)>,
    ) -> Option<Standing> {
        let h = hundredths(composite)?;
        let (mut higher, mut size) = self.cohorts.get(key).map_or((0, 0), |c| (c.higher(h), c.size));
        if let Some((_, m)) = from.filter(|(k, _)| *k == key) {
            size = size.saturating_sub(1);
            higher = higher.saturating_sub(usize::from(m > h));
        }
        if let Some((_, m)) = to.filter(|(k, _)| *k == key) {
            size += 1;
            higher += usize::from(m > h);
        }
        if size == 0 {
            return None;
        }
        let pct = rank_pct(higher, size)?;
        let calibrated_band = scheme.distribution.as_ref().and_then(|d| d.calibrate(band, pct, size));
        Some(Standing { rank_pct: pct, rank: higher + 1, cohort_size: size, calibrated_band })
    }

    /// Every composite the cohort `key` holds, in hundredths, highest first
    /// (one employee in detail needs the others' composites, and the counts
    /// are all a batch keeps). Asked before [`Cohorts::finish`], which turns
    /// a table's counts into ranks; empty for a cohort nobody is in.
    pub fn composites(&self, key: &CohortKey) -> Vec<i32> {
        let Some(cohort) = self.cohorts.get(key) else { return Vec::new() };
        let mut out = Vec::with_capacity(cohort.size);
        let mut push = |h: i32, n: u32| out.extend(std::iter::repeat(h).take(n as usize));
        match &cohort.counts {
            Counts::Sparse(list) => list.iter().rev().for_each(|(h, n)| push(*h, *n)),
            Counts::Finished(list) => list.iter().rev().for_each(|(h, _, n)| push(*h, *n)),
            Counts::Dense { offset, counts } => counts.iter().enumerate().rev().for_each(|(i, n)| push(*offset + i as i32, *n)),
        }
        out
    }

    /// The cohorts, each with its size (for `calibrate`).
    pub fn sizes(&self) -> impl Iterator<Item = (&CohortKey, usize)> {
        self.cohorts.iter().map(|(k, c)| (k, c.size))
    }
}

/// The warning for long-form scores of ids the employee file does not have.
pub fn unknown_score_ids(long: &LongScores, employees: &str, is_known: impl Fn(&str) -> bool) -> Option<String> {
    let mut unknown: Vec<&str> = long.by_id.keys().map(String::as_str).filter(|id| !is_known(id)).collect();
    if unknown.is_empty() {
        return None;
    }
    unknown.sort_unstable();
    let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
    Some(format!(
        "{}: scores for {} id(s) not in {employees} were not used: {}{}",
        long.display,
        unknown.len(),
        shown.join(", "),
        if unknown.len() > 5 { ", …" } else { "" }
    ))
}

/// Evaluates parsed rows (shared by `evaluate` and `what-if`).
pub fn evaluate_rows<'s>(
    scheme: &'s Scheme,
    layout: Layout,
    rows: Vec<Row>,
    long: &LongScores,
    as_of: NaiveDate,
    input: &Input,
    scores: Option<&Input>,
) -> Evaluation<'s> {
    evaluate_rows_in(scheme, layout, rows, long, as_of, input, scores, Lang::En)
}

/// [`evaluate_rows`], the decisions' texts written in `lang`.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_rows_in<'s>(
    scheme: &'s Scheme,
    layout: Layout,
    rows: Vec<Row>,
    long: &LongScores,
    as_of: NaiveDate,
    input: &Input,
    scores: Option<&Input>,
    lang: Lang,
) -> Evaluation<'s> {
    let words = Words::new(lang, scheme, Some(&layout));
    let periods = Periods::new(scheme, as_of);
    let columns = ScoreColumns::new(scheme, &layout, &periods);
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut duplicate_of: Vec<Option<u64>> = Vec::with_capacity(rows.len());
    for row in &rows {
        duplicate_of.push(if row.id.is_empty() { None } else { seen.get(row.id.as_str()).copied() });
        seen.entry(row.id.as_str()).or_insert(row.line);
    }
    let warnings: Vec<String> = unknown_score_ids(long, &input.display, |id| seen.contains_key(id)).into_iter().collect();
    let batch = Batch { scheme, layout: &layout, periods: &periods, columns: &columns, long, detail: true, words: &words };

    let mut cohorts = Cohorts::default();
    let mut outcomes: Vec<Outcome> = rows
        .into_iter()
        .zip(duplicate_of)
        .map(|(mut row, dup)| {
            if let Some(first) = dup {
                row.errors.push(duplicate_error(&row.id, first));
            }
            let mut figures = batch.figures(&mut row);
            let mut cohort = None;
            if let Some(c) = figures.as_ref().and_then(|f| f.composite) {
                let key = CohortKey::of(scheme, &layout, &row);
                match cohorts.add(key.clone(), c) {
                    Ok(()) => cohort = Some(key),
                    Err(e) => {
                        row.errors.push(e.to_string());
                        figures = None;
                    }
                }
            }
            Outcome { row, figures, cohort, standing: None, decision: Decision::error() }
        })
        .collect();
    cohorts.finish();
    for o in &mut outcomes {
        if let (Some(key), Some(f)) = (&o.cohort, &o.figures) {
            o.standing = f.composite.and_then(|c| cohorts.standing(scheme, key, c, f.band));
        }
        o.decision = batch.decide(&o.row, o.figures.as_ref(), o.standing);
    }
    // Quotas do not apply to placement (SPEC §8.4: placing is not promoting).
    let quotas = if layout.placement.is_some() { None } else { allocate_quotas(scheme, &layout, as_of, &mut outcomes, &words) };

    let mut inputs = vec![(input.display.clone(), input.sha256.clone())];
    if let Some(s) = scores {
        inputs.push((s.display.clone(), s.sha256.clone()));
    }
    Evaluation { scheme, periods, layout, inputs, outcomes, warnings, notes: Vec::new(), quotas, words }
}

/// Allocates the scheme's quotas over the decided outcomes (SPEC §8.4) and
/// applies the allocation to their decisions; None without quotas.
pub fn allocate_quotas(
    scheme: &Scheme,
    layout: &Layout,
    as_of: NaiveDate,
    outcomes: &mut [Outcome],
    words: &Words,
) -> Option<crate::batch::quota::Allocation> {
    if scheme.quotas.is_empty() {
        return None;
    }
    let mut collector = crate::batch::quota::Collector::new(scheme);
    for (i, o) in outcomes.iter().enumerate() {
        collector.add(i as u64, layout, &o.row, o.figures.as_ref().and_then(|f| f.composite), as_of, &o.decision);
    }
    let allocation = collector.allocate();
    for (i, o) in outcomes.iter_mut().enumerate() {
        allocation.apply(scheme, words, i as u64, o.row.grade, &mut o.decision);
    }
    Some(allocation)
}

/// The error of a row whose id an earlier row already has.
pub fn duplicate_error(id: &str, first_line: u64) -> String {
    format!("id: `{id}` is a duplicate of the row on line {first_line}")
}

/// 100 × (1 + higher) / size, rounded: in hundredths, 10,000 × (1 + higher) / size
/// rounded half up (both are positive).
pub fn rank_pct(higher: usize, size: usize) -> Option<Decimal> {
    let (numerator, size) = (10_000 * (1 + higher as i128), size as i128);
    if size == 0 {
        return None;
    }
    let (quotient, remainder) = (numerator / size, numerator % size);
    Some(Decimal::from_i128_with_scale(quotient + i128::from(2 * remainder >= size), 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_pct_counts_strictly_higher() {
        assert_eq!(rank_pct(0, 1), Some(Decimal::from(100)));
        assert_eq!(rank_pct(0, 20), Some(Decimal::from(5)));
        assert_eq!(rank_pct(2, 3), Some(Decimal::from(100)));
        assert_eq!(rank_pct(0, 3).map(|d| d.to_string()), Some("33.33".into()));
        assert_eq!(rank_pct(1, 6).map(|d| d.to_string()), Some("33.33".into()));
        assert_eq!(rank_pct(0, 8).map(|d| d.to_string()), Some("12.50".into()));
    }

    /// Ranks `composites` in one cohort; `filler` distinct extra composites
    /// (below them all) turn the sparse map into a table.
    fn ranked(composites: &[&str], filler: usize) -> (Cohorts, usize) {
        let mut cohorts = Cohorts::default();
        for c in composites {
            cohorts.add(CohortKey::default(), c.parse().unwrap()).unwrap();
        }
        for i in 0..filler {
            cohorts.add(CohortKey::default(), Decimal::new(-1 - i as i64, 2) - Decimal::from(1)).unwrap();
        }
        cohorts.finish();
        (cohorts, composites.len() + filler)
    }

    #[test]
    fn cohorts_count_the_strictly_higher() {
        for filler in [0, SPARSE_MAX + 5] {
            let (cohorts, size) = ranked(&["90", "85.5", "85.5", "70", "0", "100", "-0.01"], filler);
            let dense = matches!(cohorts.cohorts[&CohortKey::default()].counts, Counts::Dense { .. });
            assert_eq!(dense, filler > 0);
            let higher = |c: &str| cohorts.cohorts[&CohortKey::default()].higher(hundredths(c.parse().unwrap()).unwrap());
            assert_eq!(higher("100"), 0, "1st");
            assert_eq!(higher("85.5"), 2, "ties share the rank after the two higher");
            assert_eq!(higher("-0.01"), 6);
            assert_eq!(higher("86"), 2, "a composite not in the cohort");
            assert_eq!(higher("-5000"), size, "below every composite");
            assert_eq!(higher("101"), 0);
        }
        let mut cohorts = Cohorts::default();
        assert!(cohorts.add(CohortKey::default(), "99999999".parse().unwrap()).is_err(), "refused, not mis-ranked");
        assert!(cohorts.add(CohortKey::default(), "1.234".parse().unwrap()).is_err());
    }

    /// A cohort's composites come back as they went in, highest first, in either form.
    #[test]
    fn composites_list_what_was_added() {
        for filler in [0, SPARSE_MAX + 5] {
            let mut cohorts = Cohorts::default();
            let mut given: Vec<i32> = vec![9000, 8550, 8550, 7000, 0, 10_000, 1];
            given.extend((0..filler).map(|i| (i % 9000) as i32));
            for h in &given {
                cohorts.add(CohortKey::default(), Decimal::new(i64::from(*h), 2)).unwrap();
            }
            given.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(cohorts.composites(&CohortKey::default()), given, "filler {filler}");
            let other = CohortKey { refs: [1, 2, 3], text: String::new() };
            assert!(cohorts.composites(&other).is_empty());
        }
    }

    /// Sparse and dense cohorts count exactly what a brute-force count does.
    #[test]
    fn both_forms_agree_with_counting() {
        let mut seed = 12_345u64;
        for (n, spread) in [(50usize, 10_001u64), (5_000, 10_001), (3_000, 40)] {
            let composites: Vec<i32> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    ((seed >> 33) % spread) as i32
                })
                .collect();
            let mut cohorts = Cohorts::default();
            for c in &composites {
                cohorts.add(CohortKey::default(), Decimal::new(i64::from(*c), 2)).unwrap();
            }
            cohorts.finish();
            let cohort = &cohorts.cohorts[&CohortKey::default()];
            for probe in composites.iter().take(200).chain([&-1, &10_000, &10_001]) {
                let brute = composites.iter().filter(|c| *c > probe).count();
                assert_eq!(cohort.higher(*probe), brute, "{probe} in {n} over {spread}");
            }
            assert_eq!(cohort.size, n);
        }
    }

    #[test]
    fn standing_gives_rank_size_and_calibrated_band() {
        let mut scheme = crate::scheme::load_scheme(None).unwrap();
        scheme.distribution = Some(crate::scheme::Distribution {
            percent: ["10", "20", "60", "10"].iter().map(|p| p.parse().unwrap()).collect(),
            min_cohort: 3,
        });
        let (cohorts, _) = ranked(&["90", "80", "80", "70"], 0);
        let s = cohorts.standing(&scheme, &CohortKey::default(), "80".parse().unwrap(), Some(1)).unwrap();
        assert_eq!((s.rank, s.cohort_size, s.rank_pct.to_string()), (2, 4, "50.00".to_string()));
        assert_eq!(s.calibrated_band, Some(2), "50 is past A 10 and B 30, within C 90");
        let top = cohorts.standing(&scheme, &CohortKey::default(), "90".parse().unwrap(), Some(0)).unwrap();
        assert_eq!(top.calibrated_band, Some(1), "rank_pct 25: past A's 10, within B's 30");
        assert!(cohorts.standing(&scheme, &CohortKey { refs: [1; 3], text: String::new() }, "80".parse().unwrap(), None).is_none());
        let (small, _) = ranked(&["90", "80"], 0);
        let kept = small.standing(&scheme, &CohortKey::default(), "80".parse().unwrap(), Some(3)).unwrap();
        assert_eq!(kept.calibrated_band, Some(3), "a cohort under distribution_min_cohort keeps its band");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, failure_persistence: None, ..Default::default() })]
        /// Ranking as if one member moved (what-if's queue of the changed
        /// file) is ranking the counts of the cohorts as they are after the
        /// move: rebuilt here from the moved list, for every composite and
        /// for composites no one has. Sparse and dense cohorts, the member
        /// moving within its cohort or to another, a new one or none.
        #[test]
        fn standing_after_a_move_is_the_standing_of_the_moved_counts(
            members in proptest::collection::vec((0u32..3, 0i32..=10_000), 1..60),
            dense in proptest::bool::ANY,
            pick in proptest::sample::select((0usize..60).collect::<Vec<_>>()),
            to_cohort in proptest::option::of(0u32..4),
            to_composite in 0i32..=10_000,
            probes in proptest::collection::vec(0i32..=10_000, 4),
        ) {
            let scheme = crate::scheme::load_scheme(None).unwrap();
            let key = |c: u32| CohortKey { refs: [c, 0, 0], text: String::new() };
            // Dense: spread many distinct composites so each cohort becomes a table.
            let filler: Vec<(u32, i32)> = if dense { (0..3).flat_map(|c| (0..=SPARSE_MAX as i32).map(move |h| (c, h * 4))).collect() } else { Vec::new() };
            let build = |list: &[(u32, i32)]| {
                let mut cohorts = Cohorts::default();
                for (c, h) in list {
                    cohorts.add(key(*c), Decimal::new(i64::from(*h), 2)).unwrap();
                }
                cohorts.finish();
                cohorts
            };
            let before: Vec<(u32, i32)> = members.iter().copied().chain(filler.iter().copied()).collect();
            let moved = pick % members.len();
            let (from_cohort, from_h) = members[moved];
            let mut after = before.clone();
            after.remove(moved);
            if let Some(c) = to_cohort {
                after.push((c, to_composite));
            }
            let (counted, reference) = (build(&before), build(&after));
            let from_key = key(from_cohort);
            let to_key = to_cohort.map(key);
            let from = Some((&from_key, from_h));
            let to = to_key.as_ref().map(|k| (k, to_composite));
            for c in 0..4 {
                let probes = after.iter().filter(|(k, _)| *k == c).map(|(_, h)| *h).chain(probes.iter().copied());
                for h in probes {
                    let composite = Decimal::new(i64::from(h), 2);
                    proptest::prop_assert_eq!(
                        counted.standing_moved(&scheme, &key(c), composite, None, from, to),
                        reference.standing(&scheme, &key(c), composite, None),
                        "cohort {} composite {}", c, h
                    );
                }
            }
        }
    }

    #[test]
    fn rank_pct_agrees_with_exact_division() {
        use crate::exact::Exact;
        for size in 1..=400usize {
            for higher in 0..size {
                let exact = Exact::from_int(100 * (1 + higher as i64)).div_int(size).unwrap().round2().unwrap();
                assert_eq!(rank_pct(higher, size).unwrap().to_string(), exact.to_string(), "{higher} of {size}");
            }
        }
    }
}
