//! The figures of SPEC §4 for one employee: quarterly KPI scores, half-year
//! competency ratings, kpi, competency, competency_pct, composite and band.
//! Exact until each named figure is rounded; a data problem is an error for
//! the row, never a silent zero.

use crate::calendar::{Period, PeriodKind};
use crate::exact::{add_exact, big, big_decimal, mean_round2, mul_exact, round2_big, round_ratio, within, Exact, Overflow};
use crate::input::records::{Layout, LongScore, Row};
use crate::input::value::parse_number;
use crate::scheme::{Position, Scheme, Scoring};
use chrono::NaiveDate;
use num_traits::Zero;
use rust_decimal::Decimal;

mod fast;
mod problem;
mod score_cells;
pub mod spool;

pub use problem::ScoreProblem;

/// The periods an evaluation reads.
#[derive(Debug, Clone)]
pub struct Periods {
    pub as_of: NaiveDate,
    /// Every quarter read, oldest first: the window plus what streaks look back to.
    pub quarters_read: Vec<Period>,
    /// The review window's quarters, oldest first (the tail of `quarters_read`).
    pub quarters: Vec<Period>,
    pub halves: Vec<Period>,
}

impl Periods {
    pub fn new(scheme: &Scheme, as_of: NaiveDate) -> Periods {
        let read = scheme.review.quarters.max(scheme.max_streak);
        let quarters_read = Period::window(PeriodKind::Quarter, read, as_of);
        let quarters = quarters_read[read - scheme.review.quarters..].to_vec();
        let halves = Period::window(PeriodKind::Half, scheme.review.halves, as_of);
        Periods { as_of, quarters_read, quarters, halves }
    }
}

/// One KPI item's value in a quarter.
#[derive(Debug, Clone)]
pub struct ItemScore {
    /// The value in the file: the score, or the raw measure under `scoring`.
    pub given: Decimal,
    /// The 0..100 score, exact.
    pub score: Exact,
}

#[derive(Debug, Clone)]
pub struct QuarterScore {
    pub period: Period,
    /// Aligned with the position's KPI items.
    pub items: Vec<Option<ItemScore>>,
    /// Σ weight × score / 100, rounded; None when the quarter has no score.
    pub score: Option<Decimal>,
}

#[derive(Debug, Clone)]
pub struct HalfScore {
    pub period: Period,
    /// Ratings by group, aligned with the position's groups and their items.
    pub ratings: Vec<Vec<Option<Decimal>>>,
    pub rating: Option<Decimal>,
}

impl HalfScore {
    /// The exact mean of group `g`'s ratings; None when the half has no
    /// rating. Computed on demand: a rational mean costs a gcd, and only
    /// `explain` shows it (the half rating is computed without it).
    pub fn group_mean(&self, g: usize) -> Option<Exact> {
        self.rating?;
        let ratings = self.ratings.get(g)?;
        Exact::mean(ratings.iter().flatten().map(|r| Exact::from_decimal(*r)))?.ok()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub quarters: Vec<QuarterScore>,
    pub halves: Vec<HalfScore>,
    pub kpi: Option<Decimal>,
    pub kpi_quarters: usize,
    pub kpi_min: Option<Decimal>,
    pub competency: Option<Decimal>,
    pub competency_halves: usize,
    pub competency_pct: Option<Decimal>,
    pub composite: Option<Decimal>,
    /// Index into the scheme's bands.
    pub band: Option<usize>,
    /// `kpi.ITEM` by the position's item order. Empty in a batch's lean
    /// figures when no rule reads one ([`Scheme::rules_read_means`]).
    pub item_means: Vec<Option<Decimal>>,
    /// `competency.GROUP` by the position's group order (empty likewise).
    pub group_means: Vec<Option<Decimal>>,
}

/// Where each score of each position lives in the employee file, worked out
/// once per file so that rows are read by index, not by name.
#[derive(Debug, Clone)]
pub struct ScoreColumns {
    positions: Vec<PositionColumns>,
    /// The scheme's constants for the fixed-point path; None when one has too many decimals.
    fast: Option<fast::Plan>,
}

#[derive(Debug, Clone)]
struct PositionColumns {
    /// [quarter read][KPI item] → column.
    quarters: Vec<Vec<Option<usize>>>,
    /// [half][group][item] → column.
    halves: Vec<Vec<Vec<Option<usize>>>>,
    /// [quarter read] → its KPI items' first column, when the items are
    /// neighbours in the file, in order (then the fast path reads their
    /// cells one after another, not each by its column).
    quarter_runs: Vec<Option<usize>>,
    /// [half] → the same, of every rating of the half, group after group.
    half_runs: Vec<Option<usize>>,
    /// The least common multiple of the group sizes: half ratings are
    /// Σ weight × sum × (lcm / size) / (100 × lcm), all in integers.
    /// None when it does not fit 64 bits: then by rationals.
    lcm: Option<u64>,
}

impl ScoreColumns {
    pub fn new(scheme: &Scheme, layout: &Layout, periods: &Periods) -> ScoreColumns {
        let col = |p: Period, item: &str| layout.scores.get(&(p, item.to_string())).copied();
        let positions = scheme
            .positions
            .iter()
            .map(|pos| {
                let quarters: Vec<Vec<Option<usize>>> =
                    periods.quarters_read.iter().map(|&q| pos.kpis.iter().map(|k| col(q, &k.id)).collect()).collect();
                let halves: Vec<Vec<Vec<Option<usize>>>> = periods
                    .halves
                    .iter()
                    .map(|&h| pos.groups.iter().map(|g| g.items.iter().map(|i| col(h, &i.id)).collect()).collect())
                    .collect();
                PositionColumns {
                    quarter_runs: quarters.iter().map(|q| first_of_run(q.iter().copied())).collect(),
                    half_runs: halves.iter().map(|h| first_of_run(h.iter().flatten().copied())).collect(),
                    quarters,
                    halves,
                    lcm: group_lcm(pos),
                }
            })
            .collect();
        ScoreColumns { positions, fast: fast::Plan::new(scheme) }
    }
}

/// The first of `columns` when they are all there and neighbours, in order.
fn first_of_run(mut columns: impl Iterator<Item = Option<usize>>) -> Option<usize> {
    let first = columns.next()??;
    for (expected, column) in (first + 1..).zip(columns) {
        if column? != expected {
            return None;
        }
    }
    Some(first)
}

/// The least common multiple of a position's group sizes (both ways of
/// computing a half rating weigh each group's sum by lcm / size); None when
/// it does not fit 64 bits, as with many groups of coprime sizes (it used
/// to wrap, and a half rating came out wrong).
fn group_lcm(position: &Position) -> Option<u64> {
    position.groups.iter().try_fold(1u64, |l, g| {
        let size = g.items.len().max(1) as u64;
        // lcm = l / gcd × size, checked; num_integer::lcm would wrap.
        (l / num_integer::gcd(l, size)).checked_mul(size)
    })
}

/// Where an employee's score cells come from: wide columns and long-form lines.
pub struct ScoreSource<'a> {
    pub columns: &'a ScoreColumns,
    pub row: &'a Row,
    pub long: &'a [LongScore],
    pub long_display: &'a str,
    /// Quarters whose KPI score is given whole (what-if's `--set 2026Q4=90`;
    /// None: `--set 2026Q4=`, no score): that stands, the items are not read.
    pub quarter_scores: &'a [(Period, Option<Decimal>)],
}

impl<'a> ScoreSource<'a> {
    /// The text given for (period, item), checking the two sources agree.
    fn text(&self, wide_column: Option<usize>, period: Period, item: &str, errors: &mut Vec<ScoreProblem>) -> Option<&'a str> {
        let wide = wide_column.map(|c| self.row.cell(c)).filter(|t| !t.is_empty()); // cell() trims
        if self.long.is_empty() {
            return wide;
        }
        let mut long_values = self.long.iter().filter(|s| s.period == period && s.item == item && !s.value.trim().is_empty());
        let long = long_values.next();
        if let Some(first) = long {
            for other in long_values {
                if !same_value(&other.value, &first.value) {
                    errors.push(ScoreProblem::LongFormDisagrees {
                        period,
                        item: item.to_string(),
                        file: self.long_display.to_string(),
                        first: (first.value.clone(), first.line),
                        other: (other.value.clone(), other.line),
                    });
                }
            }
        }
        match (wide, long) {
            (Some(w), Some(l)) if !same_value(w, &l.value) => {
                errors.push(ScoreProblem::SourcesDisagree {
                    period,
                    item: item.to_string(),
                    wide: w.to_string(),
                    file: self.long_display.to_string(),
                    long: (l.value.clone(), l.line),
                });
                Some(w)
            }
            (Some(w), _) => Some(w),
            (None, Some(l)) => Some(l.value.trim()),
            (None, None) => None,
        }
    }
}

fn same_value(a: &str, b: &str) -> bool {
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// The 0..100 score of a raw measure under `scoring`, exact and clamped.
pub fn convert(raw: Decimal, s: Scoring) -> Result<Exact, Overflow> {
    let (r, t, z) = (Exact::from_decimal(raw), Exact::from_decimal(s.target), Exact::from_decimal(s.zero_at));
    let hundred = Exact::from_int(100);
    let higher_is_better = s.zero_at < s.target;
    let (at_or_past_target, at_or_past_zero) =
        if higher_is_better { (raw >= s.target, raw <= s.zero_at) } else { (raw <= s.target, raw >= s.zero_at) };
    if at_or_past_target {
        return Ok(hundred);
    }
    if at_or_past_zero {
        return Ok(Exact::ZERO);
    }
    // Between: 100 × (r − Z) / (T − Z); the same formula mirrors itself when Z > T.
    hundred.mul(r.sub(z)?)?.div(t.sub(z)?)
}

/// Σ weight × score / 100 of a complete quarter, rounded. Plain scores are
/// summed as decimals (exact, fast); converted raw measures as rationals,
/// of any size when 128 bits do not hold their common denominator.
fn quarter_score(position: &Position, items: &[Option<ItemScore>]) -> Result<Decimal, Overflow> {
    let plain = || -> Option<Decimal> {
        let mut sum = Decimal::ZERO;
        for (k, i) in position.kpis.iter().zip(items) {
            if k.scoring.is_some() {
                return None;
            }
            sum = add_exact(sum, mul_exact(k.weight, i.as_ref()?.given)?)?;
        }
        Some(sum)
    };
    if let Some(sum) = plain() {
        return round_ratio(sum, Decimal::ONE_HUNDRED);
    }
    let score = |i: &Option<ItemScore>| i.as_ref().map_or(Exact::ZERO, |i| i.score);
    let small = || -> Result<Decimal, Overflow> {
        let weighted =
            position.kpis.iter().zip(items).try_fold(Exact::ZERO, |acc, (k, i)| acc.add(Exact::from_decimal(k.weight).mul(score(i))?))?;
        weighted.div(Exact::from_int(100))?.round2()
    };
    small().or_else(|_| {
        let weighted: num_rational::BigRational = position.kpis.iter().zip(items).map(|(k, i)| big_decimal(k.weight) * big(score(i))).sum();
        round2_big(&(weighted / num_bigint::BigInt::from(100)))
    })
}

/// Σ group_weight × mean(group) / 100 of a complete half, rounded: in
/// integers as Σ weight × sum × (lcm / size) / (100 × lcm); with rationals
/// when a value or the lcm is too wide for that, and with rationals of any
/// size when 128 bits are not enough. Never a wrapped figure.
fn half_rating(position: &Position, lcm: Option<u64>, ratings: &[Vec<Option<Decimal>>]) -> Result<Decimal, Overflow> {
    if let Some(lcm) = lcm {
        let mut numerator = Some(Decimal::ZERO);
        for (g, rs) in position.groups.iter().zip(ratings) {
            let sum = rs.iter().flatten().try_fold(Decimal::ZERO, |acc, r| add_exact(acc, *r));
            let factor = Decimal::from(lcm / rs.len().max(1) as u64);
            numerator = numerator.zip(sum).and_then(|(n, s)| add_exact(n, mul_exact(g.weight, mul_exact(s, factor)?)?));
        }
        if let Some(n) = numerator {
            if let Some(denominator) = Decimal::from(lcm).checked_mul(Decimal::ONE_HUNDRED) {
                return round_ratio(n, denominator);
            }
        }
    }
    let small = || -> Result<Decimal, Overflow> {
        let mut total = Exact::ZERO;
        for (g, rs) in position.groups.iter().zip(ratings) {
            let mean = Exact::mean(rs.iter().flatten().map(|r| Exact::from_decimal(*r))).unwrap_or(Ok(Exact::ZERO))?;
            total = total.add(Exact::from_decimal(g.weight).mul(mean)?)?;
        }
        total.div(Exact::from_int(100))?.round2()
    };
    small().or_else(|_| {
        let mut total = num_rational::BigRational::zero();
        for (g, rs) in position.groups.iter().zip(ratings) {
            let sum: num_rational::BigRational = rs.iter().flatten().map(|r| big_decimal(*r)).sum();
            total += big_decimal(g.weight) * sum / num_bigint::BigInt::from(rs.len().max(1));
        }
        round2_big(&(total / num_bigint::BigInt::from(100)))
    })
}

/// [`compute`] without the per-item detail `explain` shows: the common case
/// (plain cells, no long-form scores) in fixed-point integers, anything else
/// the general way. The figures are the same either way, but that the
/// fixed-point way leaves the means out when no rule reads them.
/// The figures go into `out`, in its lists where the fixed-point way can
/// (a batch computes a million rows' figures).
pub fn compute_lean(
    scheme: &Scheme,
    position_index: usize,
    periods: &Periods,
    source: &ScoreSource,
    out: &mut Figures,
) -> Result<(), Vec<ScoreProblem>> {
    if let (Some(plan), true) = (&source.columns.fast, source.long.is_empty() && source.quarter_scores.is_empty()) {
        if fast::compute(plan, position_index, periods, &source.columns.positions[position_index], source.row, out).is_some() {
            return Ok(());
        }
    }
    *out = compute(scheme, position_index, periods, source)?;
    Ok(())
}

/// Computes every figure of one employee; returns the data problems instead when there are any.
pub fn compute(scheme: &Scheme, position_index: usize, periods: &Periods, source: &ScoreSource) -> Result<Figures, Vec<ScoreProblem>> {
    let position = &scheme.positions[position_index];
    let columns = &source.columns.positions[position_index];
    let mut errors: Vec<ScoreProblem> = Vec::new();
    let has_problem = |errors: &[ScoreProblem], period: Period| errors.iter().any(|e| e.period() == Some(period));

    let mut quarters = Vec::with_capacity(periods.quarters_read.len());
    for (qi, &period) in periods.quarters_read.iter().enumerate() {
        if let Some((_, score)) = source.quarter_scores.iter().find(|(p, _)| *p == period) {
            quarters.push(QuarterScore { period, items: vec![None; position.kpis.len()], score: *score });
            continue;
        }
        let mut items = Vec::with_capacity(position.kpis.len());
        for (ki, k) in position.kpis.iter().enumerate() {
            let Some(text) = source.text(columns.quarters[qi][ki], period, &k.id, &mut errors) else {
                items.push(None);
                continue;
            };
            let Some(given) = parse_number(text) else {
                errors.push(ScoreProblem::NotANumber { period, item: k.id.clone(), text: text.to_string() });
                items.push(None);
                continue;
            };
            let score = match k.scoring {
                Some(s) => convert(given, s),
                None => {
                    if !within(given, Decimal::ZERO, Decimal::ONE_HUNDRED) {
                        errors.push(ScoreProblem::OutsideKpiScale { period, item: k.id.clone(), given });
                    }
                    Ok(Exact::from_decimal(given))
                }
            };
            match score {
                Ok(score) => items.push(Some(ItemScore { given, score })),
                Err(e) => {
                    errors.push(e.into());
                    items.push(None);
                }
            }
        }
        let present = items.iter().filter(|i| i.is_some()).count();
        let score = if present == 0 {
            None
        } else if present < items.len() {
            // A period with a problem of its own already says what is wrong with it.
            if !has_problem(&errors, period) {
                let missing = position.kpis.iter().zip(&items).filter(|(_, i)| i.is_none()).map(|(k, _)| k.id.clone()).collect();
                errors.push(ScoreProblem::Partial { period, missing });
            }
            None
        } else {
            match quarter_score(position, &items) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.push(e.into());
                    None
                }
            }
        };
        quarters.push(QuarterScore { period, items, score });
    }

    let (cmin, cmax) = (scheme.competency_scale.min, scheme.competency_scale.max);
    let mut halves = Vec::with_capacity(periods.halves.len());
    for (hi, &period) in periods.halves.iter().enumerate() {
        let mut ratings = Vec::with_capacity(position.groups.len());
        for (gi, g) in position.groups.iter().enumerate() {
            let mut group = Vec::with_capacity(g.items.len());
            for (ii, item) in g.items.iter().enumerate() {
                let value =
                    source.text(columns.halves[hi][gi][ii], period, &item.id, &mut errors).and_then(|text| match parse_number(text) {
                        None => {
                            errors.push(ScoreProblem::NotANumber { period, item: item.id.clone(), text: text.to_string() });
                            None
                        }
                        Some(value) if !within(value, cmin, cmax) => {
                            errors.push(ScoreProblem::OutsideCompetencyScale {
                                period,
                                item: item.id.clone(),
                                value,
                                min: cmin,
                                max: cmax,
                            });
                            None
                        }
                        Some(v) => Some(v),
                    });
                group.push(value);
            }
            ratings.push(group);
        }
        let total: usize = ratings.iter().map(Vec::len).sum();
        let present: usize = ratings.iter().flatten().filter(|r| r.is_some()).count();
        let rating = if present == 0 {
            None
        } else if present < total {
            if !has_problem(&errors, period) {
                let missing = position
                    .groups
                    .iter()
                    .zip(&ratings)
                    .flat_map(|(g, rs)| g.items.iter().zip(rs).filter(|(_, r)| r.is_none()).map(|(i, _)| i.id.clone()))
                    .collect();
                errors.push(ScoreProblem::Partial { period, missing });
            }
            None
        } else {
            match half_rating(position, columns.lcm, &ratings) {
                Ok(r) => Some(r),
                Err(e) => {
                    errors.push(e.into());
                    None
                }
            }
        };
        halves.push(HalfScore { period, ratings, rating });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    summarize(scheme, position, periods, quarters, halves).map_err(|e| vec![e.into()])
}

/// The mean of decimals, rounded: exact integer arithmetic, or rationals
/// (of any size if need be) when the sum does not fit a Decimal.
fn mean_rounded<I: IntoIterator<Item = Decimal>>(values: I) -> Result<Option<Decimal>, Overflow> {
    let values: Vec<Decimal> = values.into_iter().collect();
    if values.is_empty() {
        return Ok(None);
    }
    match values.iter().try_fold(Decimal::ZERO, |sum, v| add_exact(sum, *v)) {
        Some(sum) => round_ratio(sum, Decimal::from(values.len() as u64)).map(Some),
        None => mean_round2(&values.iter().map(|v| Exact::from_decimal(*v)).collect::<Vec<_>>()),
    }
}

fn summarize(
    scheme: &Scheme,
    position: &Position,
    periods: &Periods,
    quarters: Vec<QuarterScore>,
    halves: Vec<HalfScore>,
) -> Result<Figures, Overflow> {
    let skip = periods.quarters_read.len() - periods.quarters.len();
    let window: Vec<&QuarterScore> = quarters[skip..].iter().filter(|q| q.score.is_some()).collect();
    let kpi = mean_rounded(window.iter().filter_map(|q| q.score))?;
    let kpi_min = window.iter().filter_map(|q| q.score).min();
    let scored_halves: Vec<&HalfScore> = halves.iter().filter(|h| h.rating.is_some()).collect();
    let competency = mean_rounded(scored_halves.iter().filter_map(|h| h.rating))?;
    let scale = scheme.competency_scale;
    let competency_pct = match competency {
        Some(c) => {
            let above_min = c.checked_sub(scale.min).and_then(|d| mul_exact(d, Decimal::ONE_HUNDRED)).ok_or(Overflow)?;
            Some(round_ratio(above_min, scale.max.checked_sub(scale.min).ok_or(Overflow)?)?)
        }
        None => None,
    };
    let composite = match (kpi, competency_pct) {
        (Some(k), Some(c)) => {
            let weighted =
                add_exact(mul_exact(scheme.composite.kpi, k).ok_or(Overflow)?, mul_exact(scheme.composite.competency, c).ok_or(Overflow)?)
                    .ok_or(Overflow)?;
            Some(round_ratio(weighted, Decimal::ONE_HUNDRED)?)
        }
        _ => None,
    };
    let band = composite.and_then(|c| scheme.band_of(c));
    let mut item_means = Vec::with_capacity(position.kpis.len());
    for (i, k) in position.kpis.iter().enumerate() {
        let mean = if k.scoring.is_none() {
            mean_rounded(window.iter().filter_map(|q| q.items[i].as_ref().map(|s| s.given)))?
        } else {
            mean_round2(&window.iter().filter_map(|q| q.items[i].as_ref().map(|s| s.score)).collect::<Vec<_>>())?
        };
        item_means.push(mean);
    }
    let mut group_means = Vec::with_capacity(position.groups.len());
    for (g, group) in position.groups.iter().enumerate() {
        // Every half has the same items, so the mean of the halves' means is
        // Σ ratings / (items × halves): one exact division.
        let count = scored_halves.len() * group.items.len();
        let total = scored_halves.iter().flat_map(|h| h.ratings[g].iter().flatten()).try_fold(Decimal::ZERO, |a, r| add_exact(a, *r));
        group_means.push(match (count, total) {
            (0, _) => None,
            (_, Some(t)) => Some(round_ratio(t, Decimal::from(count as u64))?),
            // The same mean as rationals (a half's mean dropped on an overflow would skew it).
            (_, None) => mean_round2(
                &scored_halves.iter().flat_map(|h| h.ratings[g].iter().flatten().map(|r| Exact::from_decimal(*r))).collect::<Vec<_>>(),
            )?,
        });
    }
    Ok(Figures {
        kpi_quarters: window.len(),
        competency_halves: scored_halves.len(),
        quarters,
        halves,
        kpi,
        kpi_min,
        competency,
        competency_pct,
        composite,
        band,
        item_means,
        group_means,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::{Group, Item};
    use std::str::FromStr;

    #[test]
    fn a_run_is_columns_all_there_and_neighbours_in_order() {
        let run = |columns: &[Option<usize>]| first_of_run(columns.iter().copied());
        assert_eq!(run(&[Some(4)]), Some(4));
        assert_eq!(run(&[Some(4), Some(5), Some(6)]), Some(4));
        assert_eq!(run(&[Some(4), Some(6)]), None, "a gap");
        assert_eq!(run(&[Some(5), Some(4)]), None, "out of order");
        assert_eq!(run(&[Some(4), Some(4)]), None, "one column twice");
        assert_eq!(run(&[Some(4), None]), None, "a column missing");
        assert_eq!(run(&[None, Some(5)]), None);
        assert_eq!(run(&[]), None);
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// A position with groups of `sizes` items, weights summing to 100.
    fn position(sizes: &[usize]) -> Position {
        let n = sizes.len();
        let groups = sizes
            .iter()
            .enumerate()
            .map(|(g, &size)| Group {
                id: format!("g{g}"),
                title: None,
                // Uneven weights with decimals: 100 − 3.25 × (n − 1) for the first.
                weight: if g == 0 { d("100") - d("3.25") * Decimal::from(n - 1) } else { d("3.25") },
                items: (0..size).map(|i| Item { id: format!("g{g}i{i}"), title: String::new() }).collect(),
            })
            .collect();
        Position { id: "p".into(), title: "P".into(), kpis: Vec::new(), groups }
    }

    /// Every group's mean is 3.875: the first group (16 items) as 62/16, the
    /// others as 3.875 ± 0.5 around 3.875s.
    fn ratings(sizes: &[usize]) -> Vec<Vec<Option<Decimal>>> {
        sizes
            .iter()
            .enumerate()
            .map(|(g, &size)| {
                (0..size)
                    .map(|i| {
                        Some(match (g, i) {
                            (0, 0 | 1) => d("3"),
                            (0, _) => d("4"),
                            (_, 0) => d("4.375"),
                            (_, 1) => d("3.375"),
                            _ => d("3.875"),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn many_coprime_groups_keep_the_half_rating_exact() {
        // 16 × 13 × 17 × … × 61 > 2^64: the common denominator used to wrap
        // (a wrong rating in release, a panic in debug).
        let sizes = [16, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61];
        let p = position(&sizes);
        assert_eq!(group_lcm(&p), None);
        assert_eq!(half_rating(&p, group_lcm(&p), &ratings(&sizes)).unwrap(), d("3.88"));
        // Up to 113, with a first rating off 3.875 in every group but the
        // first, so that each mean keeps its group's size as denominator: the
        // rating is 3.875 ± a little, whose common denominator outgrows 128
        // bits, so rationals of any size answer, on each side of the edge.
        let primes = (67..=113).filter(|n: &usize| (2..*n).all(|q| n % q != 0));
        let sizes: Vec<usize> = sizes.iter().copied().chain(primes).collect();
        let p = position(&sizes);
        for (first, expected) in [("4", "3.88"), ("3.75", "3.87")] {
            let mut r = ratings(&sizes);
            for group in r.iter_mut().skip(1) {
                group.fill(Some(d("3.875")));
                group[0] = Some(d(first));
            }
            let exact_small = r.iter().zip(&p.groups).try_fold(Exact::ZERO, |acc, (rs, g)| {
                let mean = Exact::mean(rs.iter().flatten().map(|r| Exact::from_decimal(*r))).unwrap()?;
                acc.add(Exact::from_decimal(g.weight).mul(mean)?)
            });
            assert!(exact_small.is_err(), "the case must overflow 128-bit rationals");
            assert_eq!(half_rating(&p, group_lcm(&p), &r).unwrap(), d(expected), "first rating {first}");
        }
        // Below 64 bits the lcm is still the integer path's.
        let small = position(&[16, 3, 5]);
        assert_eq!(group_lcm(&small), Some(240));
        assert_eq!(half_rating(&small, Some(240), &ratings(&[16, 3, 5])).unwrap(), d("3.88"));
    }

    #[test]
    fn scoring_converts_in_both_directions_and_clamps() {
        let up = Scoring { target: d("99"), zero_at: d("90") };
        assert_eq!(convert(d("99.5"), up).unwrap().round2().unwrap(), d("100"));
        assert_eq!(convert(d("90"), up).unwrap().round2().unwrap(), d("0"));
        assert_eq!(convert(d("93"), up).unwrap().round2().unwrap(), d("33.33"));
        let down = Scoring { target: d("0.3"), zero_at: d("1.3") };
        assert_eq!(convert(d("0.2"), down).unwrap().round2().unwrap(), d("100"));
        assert_eq!(convert(d("0.8"), down).unwrap().round2().unwrap(), d("50"));
        assert_eq!(convert(d("2"), down).unwrap().round2().unwrap(), d("0"));
    }
}

/// An employee's place in the cohort: the computed facts `rank_pct`,
/// `rank`, `cohort_size` and `calibrated_band` (SPEC §8.2, §8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub rank_pct: Decimal,
    /// 1 + the number of the cohort with a strictly higher composite.
    pub rank: usize,
    pub cohort_size: usize,
    /// The band by the scheme's `distribution`; None without one.
    pub calibrated_band: Option<usize>,
}
