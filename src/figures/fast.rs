//! The figures of the common case in fixed-point integers: every cell read
//! at six decimals, every sum an `i128`, each named figure rounded once with
//! an integer division. Exact like the general path (no value is ever
//! rounded before SPEC §4 says so), and many times faster: no `Decimal`
//! arithmetic, no rationals, no allocation per cell.
//!
//! Anything unusual goes the general way ([`super::compute`]), which also
//! writes the messages: a cell that is not a number, has more than six
//! decimals or is out of its scale, a partial quarter or half, long-form
//! scores, a scheme constant with more than six decimals, an overflow. The
//! fast path then returns `None`; it never decides an error itself.
//!
//! The lean figures it returns carry no per-item detail (`QuarterScore::items`
//! and `HalfScore::ratings` are empty): they are for deciding and reporting,
//! not for `explain`, which uses the general path.

use super::score_cells::{read_cells, read_run};
use super::{Figures, HalfScore, Periods, PositionColumns, QuarterScore};
use crate::input::records::Row;
use crate::scheme::{Position, Scheme};
use rust_decimal::Decimal;

/// Decimals every value is held at.
const DECIMALS: u32 = 6;
/// 1 at [`DECIMALS`] decimals.
const ONE: i128 = 1_000_000;
/// A figure in hundredths is a value at 6 decimals divided by this.
const TO_HUNDREDTHS: i128 = ONE / 100;

/// The scheme's constants at six decimals, worked out once per file.
#[derive(Debug, Clone)]
pub struct Plan {
    /// None for a position the fast path cannot take (a constant with more decimals).
    positions: Vec<Option<PositionPlan>>,
    competency_min: i128,
    competency_max: i128,
    composite_kpi: i128,
    composite_competency: i128,
    /// Band minimums, in the scheme's order (highest first).
    bands: Vec<i128>,
    /// Whether the KPI items' and competency groups' means are computed: a
    /// batch's lean figures leave them empty when no rule reads them
    /// ([`Scheme::rules_read_means`]).
    means: (bool, bool),
}

#[derive(Debug, Clone)]
struct PositionPlan {
    kpis: Vec<KpiPlan>,
    groups: Vec<GroupPlan>,
    /// The least common multiple of the group sizes.
    lcm: i128,
    /// The KPI weights in 64 bits when every item is plain (no `scoring`)
    /// and a quarter's Σ weight × 100 fits 64 bits (always, in practice):
    /// then a quarter is summed in `i64` with no overflow check.
    weights64: Option<Vec<i64>>,
    /// With `scoring` items, when every quarter's sum is bounded to fit an
    /// `i128`: the product of their spans, and each item's weight × 10^6 ×
    /// (product / its span), so a quarter is one sum over that common
    /// denominator with no overflow check ([`quarter_score_scored`]).
    scored: Option<ScoredPlan>,
}

#[derive(Debug, Clone)]
struct ScoredPlan {
    denominator: i128,
    /// Per item: its weight × 10^6 × (denominator / span) for a `scoring`
    /// item, its weight × denominator for a plain one.
    factors: Vec<i128>,
}

#[derive(Debug, Clone, Copy)]
struct KpiPlan {
    weight: i128,
    /// The weight when it fits 64 bits (always, in practice): i64 × i64
    /// never overflows an i128, so no overflow check is needed.
    weight64: Option<i64>,
    scoring: Option<ScoringPlan>,
}

/// `scoring: {target, zero_at}` at six decimals, turned so that the score is
/// `100 × (toward − start) / span` with a positive span.
#[derive(Debug, Clone, Copy)]
struct ScoringPlan {
    zero_at: i128,
    target: i128,
    span: i128,
    higher_is_better: bool,
}

impl ScoringPlan {
    /// The score of raw measure `r` as `numerator / span`, clamped to 0..=100.
    fn numerator(self, r: i128) -> Option<i128> {
        let (past_target, past_zero, above_zero) = if self.higher_is_better {
            (r >= self.target, r <= self.zero_at, r.checked_sub(self.zero_at)?)
        } else {
            (r <= self.target, r >= self.zero_at, self.zero_at.checked_sub(r)?)
        };
        if past_target {
            self.span.checked_mul(100)
        } else if past_zero {
            Some(0)
        } else {
            above_zero.checked_mul(100)
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct GroupPlan {
    weight: i128,
    size: i128,
    /// lcm / size: the group's sum is weighed by this over the lcm.
    factor: i128,
    /// weight × factor when it fits 64 bits (always, in practice): times
    /// a 64-bit sum it never overflows an i128.
    weight_factor64: Option<i64>,
}

/// A scheme value at six decimals; None when it has more.
fn fixed(d: Decimal) -> Option<i128> {
    let scale = d.scale();
    (scale <= DECIMALS).then(|| d.mantissa().checked_mul(10i128.pow(DECIMALS - scale))).flatten()
}

impl Plan {
    /// None when a scheme-wide constant has more than six decimals.
    pub fn new(scheme: &Scheme) -> Option<Plan> {
        let plan = Plan {
            positions: scheme.positions.iter().map(PositionPlan::new).collect(),
            competency_min: fixed(scheme.competency_scale.min)?,
            competency_max: fixed(scheme.competency_scale.max)?,
            composite_kpi: fixed(scheme.composite.kpi)?,
            composite_competency: fixed(scheme.composite.competency)?,
            bands: scheme.bands.iter().map(|b| fixed(b.min)).collect::<Option<_>>()?,
            means: scheme.rules_read_means(),
        };
        (plan.competency_max > plan.competency_min).then_some(plan)
    }
}

impl PositionPlan {
    fn new(position: &Position) -> Option<PositionPlan> {
        let kpis = position
            .kpis
            .iter()
            .map(|k| {
                let scoring = match k.scoring {
                    None => None,
                    Some(s) => {
                        let (target, zero_at) = (fixed(s.target)?, fixed(s.zero_at)?);
                        let span = (target - zero_at).abs();
                        if span == 0 {
                            return None;
                        }
                        Some(ScoringPlan { zero_at, target, span, higher_is_better: zero_at < target })
                    }
                };
                let weight = fixed(k.weight)?;
                Some(KpiPlan { weight, weight64: i64::try_from(weight).ok(), scoring })
            })
            .collect::<Option<Vec<_>>>()?;
        // Rows are read into fixed buffers of MAX_ITEMS values.
        let ratings: usize = position.groups.iter().map(|g| g.items.len()).sum();
        if position.kpis.len() > MAX_ITEMS || position.groups.len() > MAX_ITEMS || ratings > MAX_RATINGS {
            return None;
        }
        let lcm = i128::from(super::group_lcm(position)?);
        let groups = position
            .groups
            .iter()
            .map(|g| {
                let size = g.items.len() as i128;
                (size > 0)
                    .then(|| {
                        let (weight, factor) = (fixed(g.weight)?, lcm / size);
                        let weight_factor64 = weight.checked_mul(factor).and_then(|wf| i64::try_from(wf).ok());
                        Some(GroupPlan { weight, size, factor, weight_factor64 })
                    })
                    .flatten()
            })
            .collect::<Option<Vec<_>>>()?;
        // A score is at most 100 (checked as it is read): Σ |weight| × 100 bounds the sum.
        let weights64 = kpis
            .iter()
            .map(|k| k.scoring.is_none().then_some(k.weight64).flatten())
            .collect::<Option<Vec<i64>>>()
            .filter(|w| w.iter().try_fold(0i64, |sum, w| sum.checked_add(w.checked_abs()?.checked_mul(100 * ONE as i64)?)).is_some());
        let scored = ScoredPlan::new(&kpis);
        Some(PositionPlan { kpis, groups, lcm, weights64, scored })
    }
}

impl ScoredPlan {
    /// None without `scoring` items, or when a quarter's sum could pass an
    /// `i128` (then [`quarter_score`] checks every step).
    fn new(kpis: &[KpiPlan]) -> Option<ScoredPlan> {
        if kpis.iter().all(|k| k.scoring.is_none()) {
            return None;
        }
        // The product of the spans, in item order: the denominator `quarter_score` builds.
        let denominator = kpis.iter().filter_map(|k| k.scoring).try_fold(1i128, |d, s| d.checked_mul(s.span))?;
        let factors = kpis
            .iter()
            .map(|k| match k.scoring {
                // A share is at most 100 × span over the span: weight × 100 × 10^6 × denominator bounds it.
                Some(s) => k.weight.checked_mul(ONE)?.checked_mul(denominator / s.span),
                // A plain score is at most 100 × 10^6.
                None => k.weight.checked_mul(denominator),
            })
            .collect::<Option<Vec<i128>>>()?;
        // Σ |factor| × 100 × span (or × 100 × 10^6) fits, with the rounding's room: no step can overflow.
        let bound = kpis.iter().zip(&factors).try_fold(0i128, |sum, (k, f)| {
            let most = match k.scoring {
                Some(s) => s.span.checked_mul(100)?,
                None => 100 * ONE,
            };
            sum.checked_add(f.checked_abs()?.checked_mul(most)?)
        })?;
        bound.checked_mul(4)?;
        denominator.checked_mul(ONE * ONE)?;
        Some(ScoredPlan { denominator, factors })
    }
}

/// The most KPI items, and competency groups, the fast path takes (a
/// position with more goes the general way).
const MAX_ITEMS: usize = 32;

/// The most competency ratings of a half the fast path takes: a half's
/// ratings are read into one buffer. Wider than [`MAX_ITEMS`]: 8 groups of
/// 5 items (bench/wide-scheme) went the general way, 6× slower, at 32.
const MAX_RATINGS: usize = 128;

/// A quarter's KPI score at six decimals, from its items' `values`; their
/// shares are added to `item_sums` when it is given (a quarter of the window).
fn quarter_score(kpis: &[KpiPlan], values: &[i64], mut item_sums: Option<&mut [i128; MAX_ITEMS]>) -> Option<i128> {
    let (mut plain, mut numerator, mut denominator) = (0i128, 0i128, 1i128);
    for (ki, (k, &value)) in kpis.iter().zip(values.iter()).enumerate() {
        let share = match k.scoring {
            None => {
                if !(0..=100 * ONE as i64).contains(&value) {
                    return None;
                }
                let term = match k.weight64 {
                    Some(w) => i128::from(w) * i128::from(value),
                    None => k.weight.checked_mul(i128::from(value))?,
                };
                plain = plain.checked_add(term)?;
                i128::from(value)
            }
            Some(s) => {
                let a = s.numerator(i128::from(value))?;
                let term = k.weight.checked_mul(a)?.checked_mul(ONE)?;
                numerator = numerator.checked_mul(s.span)?.checked_add(term.checked_mul(denominator)?)?;
                denominator = denominator.checked_mul(s.span)?;
                a
            }
        };
        if let Some(sums) = item_sums.as_deref_mut() {
            sums[ki] = sums[ki].checked_add(share)?;
        }
    }
    Some(if denominator == 1 {
        round_div(plain, ONE * ONE) // only plain items
    } else {
        round_div(plain.checked_mul(denominator)?.checked_add(numerator)?, denominator.checked_mul(ONE * ONE)?)
    })
}

/// [`quarter_score`] of a position with `scoring` items whose sums the plan
/// has bounded ([`ScoredPlan`]): one sum over the common denominator, no
/// overflow check. The same value: `quarter_score`'s fraction has that
/// denominator and, item by item, that numerator.
fn quarter_score_scored(
    kpis: &[KpiPlan],
    plan: &ScoredPlan,
    values: &[i64],
    mut item_sums: Option<&mut [i128; MAX_ITEMS]>,
) -> Option<i128> {
    let mut sum = 0i128;
    for (ki, ((k, &factor), &value)) in kpis.iter().zip(&plan.factors).zip(values).enumerate() {
        let share = match k.scoring {
            None => {
                if !(0..=100 * ONE as i64).contains(&value) {
                    return None;
                }
                i128::from(value)
            }
            Some(s) => s.numerator(i128::from(value))?,
        };
        sum += factor * share;
        if let Some(sums) = item_sums.as_deref_mut() {
            sums[ki] = sums[ki].checked_add(share)?;
        }
    }
    Some(round_div(sum, plan.denominator * ONE * ONE))
}

/// [`quarter_score`] of plain items whose weights the plan has bounded
/// ([`PositionPlan::weights64`]): the same sum in 64 bits, no overflow check.
fn quarter_score_64(weights: &[i64], values: &[i64], mut item_sums: Option<&mut [i128; MAX_ITEMS]>) -> Option<i128> {
    let mut plain = 0i64;
    for (ki, (&w, &value)) in weights.iter().zip(values.iter()).enumerate() {
        if !(0..=100 * ONE as i64).contains(&value) {
            return None;
        }
        plain += w * value;
        if let Some(sums) = item_sums.as_deref_mut() {
            sums[ki] += i128::from(value);
        }
    }
    Some(i128::from(round_div_64(plain, (ONE * ONE) as i64)))
}

/// `n / d` rounded half away from zero; `d` > 0. Most figures fit 64 bits,
/// where a division is several times cheaper than in 128.
#[inline]
fn round_div(n: i128, d: i128) -> i128 {
    match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) => i128::from(round_div_64(n, d)),
        _ => {
            let (q, r) = (n / d, n % d);
            // 2|r| >= d without doubling: d may be near i128::MAX (a product of spans).
            if r.unsigned_abs() >= d.unsigned_abs() - r.unsigned_abs() {
                q + n.signum()
            } else {
                q
            }
        }
    }
}

#[inline]
fn round_div_64(n: i64, d: i64) -> i64 {
    let (q, r) = (n / d, n % d);
    // |r| < d <= i64::MAX, so 2|r| fits a u64.
    if 2 * r.unsigned_abs() >= d as u64 {
        q + n.signum()
    } else {
        q
    }
}

/// A figure in hundredths as the `Decimal` the rest of `ladder` compares and prints.
fn figure(hundredths: i128) -> Option<Decimal> {
    // Figures fit 32 bits but for absurd schemes: then with the 96-bit checks.
    match i32::try_from(hundredths) {
        Ok(h) => Some(Decimal::from_parts(h.unsigned_abs(), 0, 0, h < 0, 2)),
        Err(_) => Decimal::try_from_i128_with_scale(hundredths, 2).ok(),
    }
}

/// The figures of one employee whose scores are all plain, written into
/// `out` (its lists are reused: a batch computes a million); None to go the
/// general way, with `out` left in any state.
pub(super) fn compute(
    plan: &Plan,
    position_index: usize,
    periods: &Periods,
    columns: &PositionColumns,
    row: &Row,
    out: &mut Figures,
) -> Option<()> {
    let position = plan.positions[position_index].as_ref()?;
    // The sums are filled in place: returned, they were copied (1 % of a batch's instructions).
    let mut kpi = KpiWindow { sum: 0, count: 0, min: None, item_sums: [0; MAX_ITEMS] };
    kpi_window(plan, position, periods, columns, row, &mut out.quarters, &mut kpi)?;
    let mut competency = CompetencyWindow { sum: 0, count: 0, group_sums: [0; MAX_ITEMS] };
    competency_window(plan, position, periods, columns, row, &mut out.halves, &mut competency)?;
    finish(plan, position, &kpi, &competency, out)
}

/// The window's quarters summed: Σ of their KPI scores (at 6 decimals), how
/// many are scored, the lowest, and per item Σ of its values (when a rule
/// reads the items' means).
struct KpiWindow {
    sum: i128,
    count: i128,
    min: Option<i128>,
    item_sums: [i128; MAX_ITEMS],
}

/// The window's halves summed: Σ of their ratings (at 6 decimals), how many
/// are scored, and per group Σ of its ratings.
struct CompetencyWindow {
    sum: i128,
    count: i128,
    group_sums: [i128; MAX_ITEMS],
}

/// Every quarter read, each quarter's score pushed to `quarters`, the window's added to `window`.
#[inline]
fn kpi_window(
    plan: &Plan,
    position: &PositionPlan,
    periods: &Periods,
    columns: &PositionColumns,
    row: &Row,
    quarters: &mut Vec<QuarterScore>,
    window: &mut KpiWindow,
) -> Option<()> {
    let window_start = periods.quarters_read.len() - periods.quarters.len();
    // Quarters: Σ weight × score in units of 10^-12 (weight and score at 6
    // decimals); a `scoring` item adds weight × numerator × 10^6 / span,
    // kept as a fraction over the product of the spans.
    quarters.clear();
    let mut values = [0i64; MAX_ITEMS];
    let values = &mut values[..position.kpis.len()]; // at most MAX_ITEMS: see PositionPlan::new
    for (qi, &period) in periods.quarters_read.iter().enumerate() {
        let present = match columns.quarter_runs[qi].map(|first| read_run(row, first, values)) {
            Some(Ok(present)) => present?,
            _ => read_cells(row, &columns.quarters[qi], values)?,
        };
        if present == 0 {
            quarters.push(QuarterScore { period, items: Vec::new(), score: None });
            continue;
        }
        if present < values.len() {
            return None;
        }
        let in_window = qi >= window_start;
        // Σ weight × score, and each item's value added to its window sum.
        let sums = (in_window && plan.means.0).then_some(&mut window.item_sums);
        let score = match &position.weights64 {
            Some(weights) => quarter_score_64(weights, values, sums),
            None => match &position.scored {
                Some(scored) => quarter_score_scored(&position.kpis, scored, values, sums),
                None => quarter_score(&position.kpis, values, sums),
            },
        }?;
        if in_window {
            window.sum = window.sum.checked_add(score)?;
            window.count += 1;
            window.min = Some(window.min.map_or(score, |m| m.min(score)));
        }
        quarters.push(QuarterScore { period, items: Vec::new(), score: Some(figure(score)?) });
    }
    Some(())
}

/// Every half read, each half's rating pushed to `halves`, the window's added to `window`.
#[inline]
fn competency_window(
    plan: &Plan,
    position: &PositionPlan,
    periods: &Periods,
    columns: &PositionColumns,
    row: &Row,
    halves: &mut Vec<HalfScore>,
    window: &mut CompetencyWindow,
) -> Option<()> {
    // Halves: Σ group weight × group sum × (lcm / size) / (lcm × 10^12).
    halves.clear();
    let (min, max) = (plan.competency_min, plan.competency_max);
    let mut ratings = [0i64; MAX_RATINGS];
    for (hi, &period) in periods.halves.iter().enumerate() {
        let groups = &columns.halves[hi];
        // Every group's ratings, one after the other.
        let total: usize = groups.iter().map(Vec::len).sum();
        let present = match columns.half_runs[hi].map(|first| read_run(row, first, &mut ratings[..total])) {
            Some(Ok(present)) => present?,
            _ => {
                let (mut present, mut at) = (0, 0);
                for cells in groups {
                    present += read_cells(row, cells, &mut ratings[at..at + cells.len()])?;
                    at += cells.len();
                }
                present
            }
        };
        if present == 0 {
            halves.push(HalfScore { period, ratings: Vec::new(), rating: None });
            continue;
        }
        if present < total {
            return None;
        }
        let (mut weighted, mut start) = (0i128, 0);
        for ((g, cells), group_sum) in position.groups.iter().zip(groups).zip(window.group_sums.iter_mut()) {
            let mut sum = 0i64;
            for &value in &ratings[start..start + cells.len()] {
                if i128::from(value) < min || i128::from(value) > max {
                    return None;
                }
                sum = sum.checked_add(value)?;
            }
            start += cells.len();
            *group_sum = group_sum.checked_add(i128::from(sum))?;
            let term = match g.weight_factor64 {
                Some(wf) => i128::from(wf) * i128::from(sum),
                None => g.weight.checked_mul(i128::from(sum))?.checked_mul(g.factor)?,
            };
            weighted = weighted.checked_add(term)?;
        }
        let rating = round_div(weighted, position.lcm.checked_mul(ONE * ONE)?);
        window.sum = window.sum.checked_add(rating)?;
        window.count += 1;
        halves.push(HalfScore { period, ratings: Vec::new(), rating: Some(figure(rating)?) });
    }
    Some(())
}

/// The figures of SPEC §4 from the windows' sums, each rounded once, into `out`.
#[inline]
fn finish(
    plan: &Plan,
    position: &PositionPlan,
    kpi_window: &KpiWindow,
    competency_window: &CompetencyWindow,
    out: &mut Figures,
) -> Option<()> {
    let (min, max) = (plan.competency_min, plan.competency_max);
    let (kpi_count, competency_count) = (kpi_window.count, competency_window.count);
    let kpi = (kpi_count > 0).then(|| round_div(kpi_window.sum, kpi_count));
    let competency = (competency_count > 0).then(|| round_div(competency_window.sum, competency_count));
    // (competency − min) / (max − min) × 100, in hundredths.
    let competency_pct = match competency {
        Some(c) => Some(round_div((c.checked_mul(TO_HUNDREDTHS)?.checked_sub(min)?).checked_mul(10_000)?, max - min)),
        None => None,
    };
    let composite = match (kpi, competency_pct) {
        (Some(k), Some(c)) => {
            Some(round_div(plan.composite_kpi.checked_mul(k)?.checked_add(plan.composite_competency.checked_mul(c)?)?, 100 * ONE))
        }
        _ => None,
    };
    let band = match composite {
        Some(c) => {
            let c = c.checked_mul(TO_HUNDREDTHS)?;
            plan.bands.iter().position(|&min| c >= min)
        }
        None => None,
    };
    let num = |h: Option<i128>| match h {
        None => Some(None),
        Some(h) => figure(h).map(Some),
    };
    out.item_means.clear();
    out.group_means.clear();
    let (items, groups) = plan.means;
    if items {
        for (k, &sum) in position.kpis.iter().zip(&kpi_window.item_sums) {
            let mean = match (kpi_count, k.scoring) {
                (0, _) => None,
                (_, None) => Some(figure(round_div(sum, kpi_count * TO_HUNDREDTHS))?),
                (_, Some(s)) => Some(figure(round_div(sum.checked_mul(100)?, s.span.checked_mul(kpi_count)?))?),
            };
            out.item_means.push(mean);
        }
    }
    if groups {
        for (g, &sum) in position.groups.iter().zip(&competency_window.group_sums) {
            let mean = match competency_count {
                0 => None,
                n => Some(figure(round_div(sum, g.size * n * TO_HUNDREDTHS))?),
            };
            out.group_means.push(mean);
        }
    }
    (out.kpi, out.kpi_min, out.competency) = (num(kpi)?, num(kpi_window.min)?, num(competency)?);
    (out.competency_pct, out.composite, out.band) = (num(competency_pct)?, num(composite)?, band);
    (out.kpi_quarters, out.competency_halves) = (kpi_count as usize, competency_count as usize);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_div_rounds_half_away_from_zero() {
        assert_eq!(round_div(5, 10), 1);
        assert_eq!(round_div(4, 10), 0);
        assert_eq!(round_div(-5, 10), -1);
        assert_eq!(round_div(-4, 10), 0);
        assert_eq!(round_div(15, 10), 2);
        assert_eq!(round_div(10, 3), 3);
        assert_eq!(round_div(20, 3), 7);
        // Past 64 bits, the same.
        let big = i128::from(i64::MAX) * 1000;
        assert_eq!(round_div(big + 500, 1000), i128::from(i64::MAX) + 1);
        assert_eq!(round_div(-(big + 499), 1000), -i128::from(i64::MAX));
        assert_eq!(round_div(i128::from(i64::MIN), 2), i128::from(i64::MIN) / 2);
        assert_eq!(round_div(i128::from(i64::MIN) + 1, 2), i128::from(i64::MIN) / 2);
    }
}
