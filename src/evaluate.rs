//! A batch evaluation: read the rows, compute every employee's figures, rank
//! each cohort, then decide. Rows keep their input order.

use crate::decide::{decide, Decision};
use crate::eval::Env;
use crate::exact::Exact;
use crate::figures::{compute, Figures, Periods, ScoreSource};
use crate::records::{csv_reader, parse_row, read_long_scores, Input, Layout, LongScores, Row};
use crate::scheme::{GradeRef, Scheme};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

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
    let long = match scores {
        Some(s) => read_long_scores(scheme, s)?,
        None => LongScores::default(),
    };
    let mut reader = csv_reader(input.text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) if !(h.len() == 1 && h[0].trim().is_empty()) => h.iter().map(|h| h.trim().to_string()).collect(),
        Ok(_) => anyhow::bail!("{}: the file is empty: expected a header row (id, position, sequence, grade, hire_date, grade_date, …)", input.display),
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read the header row", input.display)),
    };
    let layout = Layout::new(scheme, headers, &input.display)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.with_context(|| format!("{}: malformed CSV", input.display))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // a blank line (Excel leaves them at the end) is not an employee
        }
        let cells = record.iter().map(|c| c.trim().to_string()).collect();
        rows.push(parse_row(scheme, &layout, line, cells, as_of));
    }
    Ok(evaluate_rows(scheme, layout, rows, &long, as_of, input, scores))
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
    let mut warnings = Vec::new();
    let mut seen: HashMap<&str, u64> = HashMap::new();
    let mut duplicate_of: Vec<Option<u64>> = Vec::with_capacity(rows.len());
    for row in &rows {
        duplicate_of.push(if row.id.is_empty() { None } else { seen.get(row.id.as_str()).copied() });
        seen.entry(row.id.as_str()).or_insert(row.line);
    }
    let known_ids: HashSet<&str> = seen.keys().copied().collect();
    let mut unknown: Vec<&str> = long.by_id.keys().map(String::as_str).filter(|id| !known_ids.contains(id)).collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        let shown: Vec<&str> = unknown.iter().take(5).copied().collect();
        warnings.push(format!(
            "{}: scores for {} id(s) not in {} were not used: {}{}",
            long.display,
            unknown.len(),
            input.display,
            shown.join(", "),
            if unknown.len() > 5 { ", …" } else { "" }
        ));
    }

    let mut outcomes: Vec<Outcome> = rows
        .into_iter()
        .zip(duplicate_of)
        .map(|(mut row, dup)| {
            if let Some(first) = dup {
                row.errors.push(format!("id: `{}` is a duplicate of the row on line {first}", row.id));
            }
            let mut figures = None;
            if row.errors.is_empty() {
                if let Some(p) = row.position {
                    let source = ScoreSource {
                        layout: &layout,
                        row: &row,
                        long: long.by_id.get(&row.id).map_or(&[], Vec::as_slice),
                        long_display: &long.display,
                    };
                    match compute(scheme, &scheme.positions[p], &periods, &source) {
                        Ok(f) => figures = Some(f),
                        Err(errors) => row.errors.extend(errors),
                    }
                }
            }
            Outcome { row, figures, rank_pct: None, decision: Decision::error() }
        })
        .collect();

    // Rank within each sequence+grade cohort, by composite.
    let mut cohorts: HashMap<GradeRef, Vec<Decimal>> = HashMap::new();
    for o in &outcomes {
        if let (Some(g), Some(c)) = (o.row.grade, o.figures.as_ref().and_then(|f| f.composite)) {
            cohorts.entry(g).or_default().push(c);
        }
    }
    for composites in cohorts.values_mut() {
        composites.sort_unstable_by(|a, b| b.cmp(a));
    }
    for o in &mut outcomes {
        if let (Some(g), Some(c)) = (o.row.grade, o.figures.as_ref().and_then(|f| f.composite)) {
            let cohort = &cohorts[&g];
            let higher = cohort.partition_point(|x| *x > c);
            o.rank_pct = rank_pct(higher, cohort.len());
        }
    }

    let mut inputs = vec![(input.display.clone(), input.sha256.clone())];
    if let Some(s) = scores {
        inputs.push((s.display.clone(), s.sha256.clone()));
    }
    let mut evaluation = Evaluation { scheme, periods, layout, inputs, outcomes: Vec::new(), warnings };
    for mut o in std::mem::take(&mut outcomes) {
        if let (Some(grade), Some(env)) = (o.row.grade, evaluation.env(&o, as_of)) {
            o.decision = decide(&env, grade);
        }
        evaluation.outcomes.push(o);
    }
    evaluation
}

/// 100 × (1 + higher) / size, rounded.
pub fn rank_pct(higher: usize, size: usize) -> Option<Decimal> {
    Exact::from_int(100 * (1 + higher as i64)).div_int(size).ok()?.round2().ok()
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
}
