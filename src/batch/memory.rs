//! A batch evaluation: read the rows, compute every employee's figures, rank
//! each cohort, then decide. Rows keep their input order.

use crate::batch::cohorts::{CohortKey, Cohorts};
use crate::decision::{decide, Decision, Verdict};
pub use crate::figures::Standing;
use crate::figures::{compute, compute_lean, Figures, Periods, ScoreColumns, ScoreSource};
use crate::input::cells::Cells;
use crate::input::records::{parse_row, read_long_scores, records_reader, Input, Layout, LongScores, Row};
use crate::rule::eval::{Env, Ranking};
use crate::rule::words::{Lang, Words};
use crate::scheme::Scheme;
use anyhow::{Context, Result};
use chrono::NaiveDate;
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
            standing: Ranking::Known(outcome.standing),
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
        let mut figures = Figures::default();
        self.figures_into(row, &mut figures).then_some(figures)
    }

    /// [`Batch::figures`] into `out`, in its lists where it can (a batch
    /// computes a million, and moving the figures in and out of calls
    /// copied them several times a row): whether there are figures.
    pub fn figures_into(&self, row: &mut Row, out: &mut Figures) -> bool {
        if !row.errors.is_empty() {
            return false;
        }
        let Some(position) = row.position else { return false };
        let source = ScoreSource {
            columns: self.columns,
            row,
            long: self.long.by_id.get(&row.id).map_or(&[], Vec::as_slice),
            long_display: &self.long.display,
            quarter_scores: self.long.quarter_scores.get(&row.id).map_or(&[], Vec::as_slice),
        };
        let computed = if self.detail {
            compute(self.scheme, position, self.periods, &source).map(|f| *out = f)
        } else {
            compute_lean(self.scheme, position, self.periods, &source, out)
        };
        match computed {
            Ok(()) => true,
            Err(errors) => {
                row.errors.extend(errors.iter().map(ToString::to_string));
                false
            }
        }
    }

    /// The decision for a row whose figures and rank are known.
    pub fn decide(&self, row: &Row, figures: Option<&Figures>, standing: Option<Standing>) -> Decision {
        let Some(figures) = figures.filter(|_| row.errors.is_empty()) else { return Decision::error() };
        let env = self.env(row, figures, standing);
        if self.layout.placement.is_some() {
            // SPEC §8.3: placed within the sequence; the grade cell is not read.
            return row.sequence.map_or_else(Decision::error, |sequence| crate::decision::place(&env, sequence));
        }
        row.grade.map_or_else(Decision::error, |grade| decide(&env, grade))
    }

    /// What the rules of a row are evaluated against.
    fn env<'r>(&'r self, row: &'r Row, figures: &'r Figures, standing: Option<Standing>) -> Env<'r> {
        let standing = Ranking::Known(standing);
        Env { scheme: self.scheme, layout: self.layout, row, figures, standing, time_as_of: self.periods.as_of, words: self.words }
    }

    /// [`Batch::decide`]'s verdict alone (what the quota queue reads), without the texts.
    pub fn verdict(&self, row: &Row, figures: Option<&Figures>, standing: Option<Standing>) -> Verdict {
        let error = || Decision::error().verdict();
        let Some(figures) = figures.filter(|_| row.errors.is_empty()) else { return error() };
        if self.layout.placement.is_some() {
            // Placing is not promoting: no queue reads it (SPEC §8.4); the whole decision, to be exact.
            return self.decide(row, Some(figures), standing).verdict();
        }
        row.grade.map_or_else(error, |grade| crate::decision::verdict(&self.env(row, figures, standing), grade))
    }

    /// [`Batch::verdict`] before any rank is known (pass 1 of a batch with
    /// quotas): None when it read the standing (a rank test, or
    /// calibrated_band), so it must be asked again once every composite is
    /// counted; otherwise it is the verdict whatever the ranks turn out to be.
    pub fn verdict_before_ranks(&self, row: &Row, figures: Option<&Figures>) -> Option<Verdict> {
        let Some(figures) = figures.filter(|_| row.errors.is_empty()) else { return Some(Decision::error().verdict()) };
        // Placing is not promoting: no queue asks it (and a row without a grade is asked again).
        let grade = row.grade.filter(|_| self.layout.placement.is_none())?;
        let read = std::cell::Cell::new(false);
        let env = Env { standing: Ranking::NotYet(&read), ..self.env(row, figures, None) };
        let verdict = crate::decision::verdict(&env, grade);
        (!read.get()).then_some(verdict)
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
