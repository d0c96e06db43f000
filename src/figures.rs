//! The figures of SPEC §4 for one employee: quarterly KPI scores, half-year
//! competency ratings, kpi, competency, competency_pct, composite and band.
//! Exact until each named figure is rounded; a data problem is an error for
//! the row, never a silent zero.

use crate::calendar::{Period, PeriodKind};
use crate::exact::{Exact, Overflow};
use crate::records::{Layout, LongScore, Row};
use crate::scheme::{Position, Scheme, Scoring};
use crate::value::{excerpt, parse_number};
use chrono::NaiveDate;
use rust_decimal::Decimal;

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
    /// Exact group means (None when the half has no rating).
    pub group_means: Vec<Option<Exact>>,
    pub rating: Option<Decimal>,
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
    /// `kpi.ITEM` by the position's item order.
    pub item_means: Vec<Option<Decimal>>,
    /// `competency.GROUP` by the position's group order.
    pub group_means: Vec<Option<Decimal>>,
}

/// Where an employee's score cells come from: wide columns and long-form lines.
pub struct ScoreSource<'a> {
    pub layout: &'a Layout,
    pub row: &'a Row,
    pub long: &'a [LongScore],
    pub long_display: &'a str,
}

impl ScoreSource<'_> {
    /// The text given for (period, item), checking the two sources agree.
    fn text(&self, period: Period, item: &str, errors: &mut Vec<String>) -> Option<String> {
        let wide = self.layout.scores.get(&(period, item.to_string())).map(|c| self.row.cell(*c).trim()).filter(|t| !t.is_empty());
        let mut long_values = self.long.iter().filter(|s| s.period == period && s.item == item && !s.value.trim().is_empty());
        let long = long_values.next();
        for other in long_values {
            if !same_value(&other.value, &long.unwrap().value) {
                errors.push(format!(
                    "{period}.{item}: {} gives `{}` on line {} and `{}` on line {}",
                    self.long_display,
                    excerpt(&long.unwrap().value),
                    long.unwrap().line,
                    excerpt(&other.value),
                    other.line
                ));
            }
        }
        match (wide, long) {
            (Some(w), Some(l)) if !same_value(w, &l.value) => {
                errors.push(format!(
                    "{period}.{item}: the employee file gives `{}`, {} line {} gives `{}`",
                    excerpt(w),
                    self.long_display,
                    l.line,
                    excerpt(l.value.trim())
                ));
                Some(w.to_string())
            }
            (Some(w), _) => Some(w.to_string()),
            (None, Some(l)) => Some(l.value.trim().to_string()),
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

/// Computes every figure of one employee; returns the data problems instead when there are any.
pub fn compute(scheme: &Scheme, position: &Position, periods: &Periods, source: &ScoreSource) -> Result<Figures, Vec<String>> {
    let mut errors = Vec::new();
    let hundred = Exact::from_int(100);
    let overflow = |errors: &mut Vec<String>, e: Overflow| errors.push(e.to_string());

    let mut quarters = Vec::with_capacity(periods.quarters_read.len());
    for &period in &periods.quarters_read {
        let mut items = Vec::with_capacity(position.kpis.len());
        for k in &position.kpis {
            let Some(text) = source.text(period, &k.id, &mut errors) else {
                items.push(None);
                continue;
            };
            let Some(given) = parse_number(&text) else {
                errors.push(format!("{period}.{}: `{}` is not a number", k.id, excerpt(&text)));
                items.push(None);
                continue;
            };
            let score = match k.scoring {
                Some(s) => convert(given, s),
                None => {
                    if given < Decimal::ZERO || given > Decimal::ONE_HUNDRED {
                        errors.push(format!("{period}.{}: {given} is outside the KPI scale 0..100", k.id));
                    }
                    Ok(Exact::from_decimal(given))
                }
            };
            match score {
                Ok(score) => items.push(Some(ItemScore { given, score })),
                Err(e) => {
                    overflow(&mut errors, e);
                    items.push(None)
                }
            }
        }
        let present = items.iter().filter(|i| i.is_some()).count();
        let score = if present == 0 {
            None
        } else if present < items.len() {
            let missing: Vec<&str> = position.kpis.iter().zip(&items).filter(|(_, i)| i.is_none()).map(|(k, _)| k.id.as_str()).collect();
            if !errors.iter().any(|e| e.starts_with(&period.to_string())) {
                errors.push(format!("{period}: the quarter has some scores but none for {}", missing.join(", ")));
            }
            None
        } else {
            let weighted = position.kpis.iter().zip(&items).try_fold(Exact::ZERO, |acc, (k, i)| {
                acc.add(Exact::from_decimal(k.weight).mul(i.as_ref().map_or(Exact::ZERO, |i| i.score))?)
            });
            match weighted.and_then(|w| w.div(hundred)).and_then(Exact::round2) {
                Ok(s) => Some(s),
                Err(e) => {
                    overflow(&mut errors, e);
                    None
                }
            }
        };
        quarters.push(QuarterScore { period, items, score });
    }

    let (cmin, cmax) = (scheme.competency_scale.min, scheme.competency_scale.max);
    let mut halves = Vec::with_capacity(periods.halves.len());
    for &period in &periods.halves {
        let mut ratings = Vec::with_capacity(position.groups.len());
        for g in &position.groups {
            let mut group = Vec::with_capacity(g.items.len());
            for item in &g.items {
                let value = source.text(period, &item.id, &mut errors).and_then(|text| match parse_number(&text) {
                    None => {
                        errors.push(format!("{period}.{}: `{}` is not a number", item.id, excerpt(&text)));
                        None
                    }
                    Some(v) if v < cmin || v > cmax => {
                        errors.push(format!("{period}.{}: {v} is outside the competency scale {cmin}..{cmax}", item.id));
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
        let mut group_means = vec![None; position.groups.len()];
        let rating = if present == 0 {
            None
        } else if present < total {
            let missing: Vec<&str> = position
                .groups
                .iter()
                .zip(&ratings)
                .flat_map(|(g, rs)| g.items.iter().zip(rs).filter(|(_, r)| r.is_none()).map(|(i, _)| i.id.as_str()))
                .collect();
            if !errors.iter().any(|e| e.starts_with(&period.to_string())) {
                errors.push(format!("{period}: the half has some ratings but none for {}", missing.join(", ")));
            }
            None
        } else {
            let result = (|| -> Result<Decimal, Overflow> {
                let mut sum = Exact::ZERO;
                for (i, (g, rs)) in position.groups.iter().zip(&ratings).enumerate() {
                    let mean = Exact::mean(rs.iter().flatten().map(|r| Exact::from_decimal(*r))).unwrap_or(Ok(Exact::ZERO))?;
                    group_means[i] = Some(mean);
                    sum = sum.add(Exact::from_decimal(g.weight).mul(mean)?)?;
                }
                sum.div(hundred)?.round2()
            })();
            match result {
                Ok(r) => Some(r),
                Err(e) => {
                    overflow(&mut errors, e);
                    None
                }
            }
        };
        halves.push(HalfScore { period, ratings, group_means, rating });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    summarize(scheme, position, periods, quarters, halves).map_err(|e| vec![e.to_string()])
}

fn summarize(
    scheme: &Scheme,
    position: &Position,
    periods: &Periods,
    quarters: Vec<QuarterScore>,
    halves: Vec<HalfScore>,
) -> Result<Figures, Overflow> {
    let hundred = Exact::from_int(100);
    let skip = periods.quarters_read.len() - periods.quarters.len();
    let window: Vec<&QuarterScore> = quarters[skip..].iter().filter(|q| q.score.is_some()).collect();
    let kpi = Exact::mean(window.iter().filter_map(|q| q.score.map(Exact::from_decimal))).transpose()?.map(Exact::round2).transpose()?;
    let kpi_min = window.iter().filter_map(|q| q.score).min();
    let scored_halves: Vec<&HalfScore> = halves.iter().filter(|h| h.rating.is_some()).collect();
    let competency =
        Exact::mean(scored_halves.iter().filter_map(|h| h.rating.map(Exact::from_decimal))).transpose()?.map(Exact::round2).transpose()?;
    let scale = scheme.competency_scale;
    let competency_pct = match competency {
        Some(c) => Some(
            Exact::from_decimal(c)
                .sub(Exact::from_decimal(scale.min))?
                .div(Exact::from_decimal(scale.max).sub(Exact::from_decimal(scale.min))?)?
                .mul(hundred)?
                .round2()?,
        ),
        None => None,
    };
    let composite = match (kpi, competency_pct) {
        (Some(k), Some(c)) => Some(
            Exact::from_decimal(scheme.composite.kpi)
                .mul(Exact::from_decimal(k))?
                .add(Exact::from_decimal(scheme.composite.competency).mul(Exact::from_decimal(c))?)?
                .div(hundred)?
                .round2()?,
        ),
        _ => None,
    };
    let band = composite.and_then(|c| scheme.bands.iter().position(|b| c >= b.min));
    let mut item_means = Vec::with_capacity(position.kpis.len());
    for i in 0..position.kpis.len() {
        let values = window.iter().filter_map(|q| q.items[i].as_ref().map(|s| s.score));
        item_means.push(Exact::mean(values).transpose()?.map(Exact::round2).transpose()?);
    }
    let mut group_means = Vec::with_capacity(position.groups.len());
    for g in 0..position.groups.len() {
        let values = scored_halves.iter().filter_map(|h| h.group_means[g]);
        group_means.push(Exact::mean(values).transpose()?.map(Exact::round2).transpose()?);
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
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
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
