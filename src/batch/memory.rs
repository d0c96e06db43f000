//! A batch evaluation: read the rows, compute every employee's figures, rank
//! each cohort, then decide. Rows keep their input order.

use crate::decision::{decide, Decision};
use crate::figures::{compute, compute_lean, Figures, Periods, ScoreColumns, ScoreSource};
use crate::input::cells::Cells;
use crate::input::records::{parse_row, read_long_scores, records_reader, Input, Layout, LongScores, Row};
use crate::rule::eval::Env;
use crate::scheme::{GradeRef, Scheme};
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
    pub rank_pct: Option<Decimal>,
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
}

impl Evaluation<'_> {
    pub fn env<'a>(&'a self, outcome: &'a Outcome, time_as_of: NaiveDate) -> Option<Env<'a>> {
        Some(Env {
            scheme: self.scheme,
            layout: &self.layout,
            row: &outcome.row,
            figures: outcome.figures.as_ref()?,
            rank_pct: outcome.rank_pct,
            time_as_of,
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
    let long = match scores {
        Some(s) => read_long_scores(scheme, s)?,
        None => LongScores::default(),
    };
    let (layout, header) = read_layout(scheme, input.text.as_bytes(), &input.display, header_row)?;
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
    let mut evaluation = evaluate_rows(scheme, layout, rows, &long, as_of, input, scores);
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
) -> Result<(Layout, crate::input::header::Header)> {
    let header = crate::input::header::find(source, &crate::input::records::required_columns(scheme), header_row, display)?;
    match Layout::new_at(scheme, header.names.clone(), display, header.line) {
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
        };
        let computed = if self.detail {
            compute(self.scheme, position, self.periods, &source)
        } else {
            compute_lean(self.scheme, position, self.periods, &source, spare)
        };
        match computed {
            Ok(f) => Some(f),
            Err(errors) => {
                row.errors.extend(errors);
                None
            }
        }
    }

    /// The decision for a row whose figures and rank are known.
    pub fn decide(&self, row: &Row, figures: Option<&Figures>, rank_pct: Option<Decimal>) -> Decision {
        match (row.grade, figures) {
            (Some(grade), Some(figures)) if row.errors.is_empty() => {
                let env = Env { scheme: self.scheme, layout: self.layout, row, figures, rank_pct, time_as_of: self.periods.as_of };
                decide(&env, grade)
            }
            _ => Decision::error(),
        }
    }
}

/// The composites of each sequence+grade cohort, for rank_pct, counted per
/// hundredth: a composite has 2 decimals and lies in 0..=100 (every weight,
/// score and percentage it is made of does), so a cohort is a table of
/// 10,001 counters, whatever its size — about 40 KB, where a list of a
/// million composites took 4 MB and a binary search per employee.
#[derive(Debug, Default)]
pub struct Cohorts {
    cohorts: hashbrown::HashMap<GradeRef, Cohort>,
}

#[derive(Debug)]
struct Cohort {
    /// The composite (in hundredths) counted by `counts[0]`.
    offset: i32,
    /// Before `finish`: how many have each composite; after: how many have
    /// a strictly higher one.
    counts: Vec<u32>,
    size: usize,
}

/// The widest table a cohort may grow to (composites outside 0..=100 do not
/// occur; this bounds the memory if one ever did).
const MAX_SPAN: i64 = 1_000_000;

/// A composite in hundredths; None if it is not one (more decimals, or huge).
fn hundredths(composite: Decimal) -> Option<i32> {
    if composite.scale() == 2 {
        return i32::try_from(composite.mantissa()).ok();
    }
    let mut c = composite;
    c.rescale(2);
    (c == composite).then(|| i32::try_from(c.mantissa()).ok()).flatten()
}

impl Cohort {
    fn new() -> Cohort {
        Cohort { offset: 0, counts: vec![0; 10_001], size: 0 }
    }

    /// Widens the table to hold `h`; false when that would pass `MAX_SPAN`.
    fn cover(&mut self, h: i32) -> bool {
        let (lo, hi) = (i64::from(self.offset), i64::from(self.offset) + self.counts.len() as i64 - 1);
        let (new_lo, new_hi) = (lo.min(i64::from(h)), hi.max(i64::from(h)));
        if (new_lo, new_hi) == (lo, hi) {
            return true;
        }
        if new_hi - new_lo + 1 > MAX_SPAN {
            return false;
        }
        let mut counts = vec![0; (new_hi - new_lo + 1) as usize];
        counts[(lo - new_lo) as usize..(hi - new_lo + 1) as usize].copy_from_slice(&self.counts);
        self.counts = counts;
        self.offset = new_lo as i32;
        true
    }
}

impl Cohorts {
    /// Adds a composite; refuses (rather than mis-ranks) one that cannot be a composite.
    pub fn add(&mut self, grade: GradeRef, composite: Decimal) -> Result<()> {
        let cohort = self.cohorts.entry(grade).or_insert_with(Cohort::new);
        let h = hundredths(composite)
            .filter(|h| cohort.cover(*h))
            .with_context(|| format!("internal error: composite {composite} is outside 0..=100 with 2 decimals"))?;
        cohort.counts[(h - cohort.offset) as usize] += 1;
        cohort.size += 1;
        Ok(())
    }

    /// Call once every composite is in: turns the counts into how many are higher.
    pub fn finish(&mut self) {
        for cohort in self.cohorts.values_mut() {
            let mut higher = 0;
            for count in cohort.counts.iter_mut().rev() {
                let here = *count;
                *count = higher;
                higher += here;
            }
        }
    }

    pub fn rank_pct(&self, grade: GradeRef, composite: Decimal) -> Option<Decimal> {
        let cohort = self.cohorts.get(&grade)?;
        let index = i64::from(hundredths(composite)?) - i64::from(cohort.offset);
        let higher = match usize::try_from(index) {
            Err(_) => cohort.size, // below the lowest: everyone is higher
            Ok(i) => cohort.counts.get(i).map_or(0, |n| *n as usize),
        };
        rank_pct(higher, cohort.size)
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
    let periods = Periods::new(scheme, as_of);
    let columns = ScoreColumns::new(scheme, &layout, &periods);
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut duplicate_of: Vec<Option<u64>> = Vec::with_capacity(rows.len());
    for row in &rows {
        duplicate_of.push(if row.id.is_empty() { None } else { seen.get(row.id.as_str()).copied() });
        seen.entry(row.id.as_str()).or_insert(row.line);
    }
    let warnings: Vec<String> = unknown_score_ids(long, &input.display, |id| seen.contains_key(id)).into_iter().collect();
    let batch = Batch { scheme, layout: &layout, periods: &periods, columns: &columns, long, detail: true };

    let mut cohorts = Cohorts::default();
    let mut outcomes: Vec<Outcome> = rows
        .into_iter()
        .zip(duplicate_of)
        .map(|(mut row, dup)| {
            if let Some(first) = dup {
                row.errors.push(duplicate_error(&row.id, first));
            }
            let mut figures = batch.figures(&mut row);
            if let (Some(g), Some(c)) = (row.grade, figures.as_ref().and_then(|f| f.composite)) {
                if let Err(e) = cohorts.add(g, c) {
                    row.errors.push(e.to_string());
                    figures = None;
                }
            }
            Outcome { row, figures, rank_pct: None, decision: Decision::error() }
        })
        .collect();
    cohorts.finish();
    for o in &mut outcomes {
        if let (Some(g), Some(c)) = (o.row.grade, o.figures.as_ref().and_then(|f| f.composite)) {
            o.rank_pct = cohorts.rank_pct(g, c);
        }
        o.decision = batch.decide(&o.row, o.figures.as_ref(), o.rank_pct);
    }

    let mut inputs = vec![(input.display.clone(), input.sha256.clone())];
    if let Some(s) = scores {
        inputs.push((s.display.clone(), s.sha256.clone()));
    }
    Evaluation { scheme, periods, layout, inputs, outcomes, warnings, notes: Vec::new() }
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

    #[test]
    fn cohorts_count_the_strictly_higher() {
        let grade = GradeRef { sequence: 0, index: 0 };
        let mut cohorts = Cohorts::default();
        for c in ["90", "85.5", "85.5", "70", "0", "100", "-0.01"] {
            cohorts.add(grade, c.parse().unwrap()).unwrap();
        }
        cohorts.finish();
        let rank = |c: &str| cohorts.rank_pct(grade, c.parse().unwrap()).map(|r| r.to_string());
        assert_eq!(rank("100"), Some("14.29".into())); // 1st of 7
        assert_eq!(rank("85.5"), Some("42.86".into())); // 2 higher: 3rd of 7
        assert_eq!(rank("-0.01"), Some("100.00".into()));
        assert_eq!(rank("-5"), Some("114.29".into())); // below every composite (not one of them)
        assert!(cohorts.rank_pct(GradeRef { sequence: 1, index: 0 }, "50".parse().unwrap()).is_none());
        assert!(cohorts.add(grade, "99999999".parse().unwrap()).is_err(), "refused, not mis-ranked");
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
