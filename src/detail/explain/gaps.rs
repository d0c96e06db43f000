//! The least change that would meet a failing test: how much higher a
//! score, how many more months, which route to a composite or rank.

use super::*;

pub(super) struct GapContext<'a> {
    pub(super) env: &'a Env<'a>,
    /// The other members of the cohort's composites, highest first.
    pub(super) others: Vec<Decimal>,
}

pub(super) fn gaps(ctx: &GapContext, trace: &Trace) -> Vec<Gap> {
    if trace.holds() {
        return Vec::new();
    }
    let scheme = ctx.env.scheme;
    match trace {
        Trace::All { children, .. } => children.iter().flat_map(|c| gaps(ctx, c)).collect(),
        Trace::Any { children, .. } => {
            let mut gap = Gap::says(written(trace, &scheme.column_facts.names), "any one of these".into());
            gap.any_of = children.iter().map(|c| gaps(ctx, c)).collect();
            vec![gap]
        }
        Trace::Not { child, .. } => {
            vec![Gap::says(written(trace, &scheme.column_facts.names), format!("{} must no longer hold", child.describe(scheme)))]
        }
        Trace::Test { test, found, .. } => vec![test_gap(ctx, test, found)],
    }
}

/// A rule node as written, without what was found: `any of (a >= 1 or b >= 1)`.
fn written(trace: &Trace, names: &[String]) -> String {
    let join = |children: &[Trace], sep: &str| children.iter().map(|c| written(c, names)).collect::<Vec<_>>().join(sep);
    match trace {
        Trace::All { children, .. } => format!("all of ({})", join(children, " and ")),
        Trace::Any { children, .. } => format!("any of ({})", join(children, " or ")),
        Trace::Not { child, .. } => format!("not ({})", written(child, names)),
        Trace::Test { test, .. } => test.describe(names),
    }
}

/// `at least 12`, `above 3`, `at most 30`, `below 23`, `exactly true`.
fn target(check: &Check) -> String {
    let words = match check.op {
        Op::Min => "at least",
        Op::Max => "at most",
        Op::Above => "above",
        Op::Below => "below",
        Op::Is => return check.value.to_string(),
    };
    format!("{words} {}", check.value)
}

fn fig(d: Decimal) -> String {
    format_figure(d)
}

/// What a value needs, after "needs": `+2.35`, `−3`, `to rise by more than 2`, `to fall by more than 1`.
fn amount(op: Op, delta: Decimal) -> String {
    let magnitude = fig(delta.abs());
    match (op, delta < Decimal::ZERO) {
        (Op::Above, _) => format!("to rise by more than {magnitude}"),
        (Op::Below, _) => format!("to fall by more than {magnitude}"),
        (_, true) => format!("−{magnitude}"),
        (_, false) => format!("+{magnitude}"),
    }
}

/// Rounds up to 2 decimals (the least 2-decimal value at or above `d`).
fn ceil2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToPositiveInfinity)
}

fn test_gap(ctx: &GapContext, test: &Test, found: &Found) -> Gap {
    let env = ctx.env;
    let scheme = env.scheme;
    let name = test.subject_name(&scheme.column_facts.names);
    let written = test.describe(&scheme.column_facts.names);
    // A streak: each quarter's own shortfall.
    if let (Subject::Streak { quarters }, Found::Quarters(seen)) = (&test.subject, found) {
        let mut parts = Vec::new();
        if seen.len() < *quarters {
            parts.push(format!("only {} quarter(s) can be read", seen.len()));
        }
        for (period, score) in seen {
            match score {
                None => parts.push(format!("{period} has no score")),
                Some(s) => {
                    for c in &test.checks {
                        if let TestValue::Number(r) = c.value {
                            if !c.op.accepts(s.cmp(&r)) {
                                parts.push(format!("{period} ({}) needs {}", fig(*s), amount(c.op, r - s)));
                            }
                        }
                    }
                }
            }
        }
        let targets: Vec<String> = test.checks.iter().map(target).collect();
        let change = format!("{name} needs {} in each of the last {quarters} quarters: {}", targets.join(" and "), parts.join("; "));
        return Gap::says(written, change);
    }
    let failing: Vec<&Check> = test.checks.iter().filter(|c| !passes(found, c)).collect();
    let Some(check) = failing.first().copied() else {
        return Gap::says(written.clone(), written);
    };
    let targets: Vec<String> = failing.iter().map(|c| target(c)).collect();
    let targets = targets.join(" and ");
    match found {
        Found::Missing => return Gap::says(written, format!("{name} has no value: it needs to be {targets}")),
        Found::Unreadable(text, kind) => return Gap::says(written, format!("{name}: `{text}` is not {kind}; it needs to be {targets}")),
        Found::Bool(_) | Found::Text(_) | Found::Date(_) => {
            return Gap::says(written, format!("{name} must be {targets} ({})", found.display(scheme)));
        }
        Found::Level(_, f) => {
            let change = match (check.op, &check.value) {
                (Op::Min, v) => format!("{name} needs {v} or higher (found {f})"),
                (Op::Above, v) => format!("{name} needs a level above {v} (found {f})"),
                (Op::Max, v) => format!("{name} needs {v} or lower (found {f})"),
                (Op::Below, v) => format!("{name} needs a level below {v} (found {f})"),
                (Op::Is, v) => format!("{name} must be {v} (found {f})"),
            };
            return Gap::says(written, change);
        }
        Found::Band(f) => {
            let (change, delta) = band_gap(ctx, check, *f);
            return Gap { delta, ..Gap::says(written, change) };
        }
        Found::Quarters(_) => return Gap::says(written.clone(), written),
        Found::Number(_) => {}
    }
    let (Found::Number(f), TestValue::Number(r)) = (found, &check.value) else {
        return Gap::says(written.clone(), written);
    };
    let (f, r) = (*f, *r);
    let delta = r - f;
    let found_text = fig(f);
    let mut gap = Gap { test: written, change: String::new(), delta: Some(delta), on: None, any_of: Vec::new() };
    if check.op == Op::Is {
        gap.change = format!("{name} must be {r} (found {found_text})", r = fig(r));
        return gap;
    }
    let up = matches!(check.op, Op::Min | Op::Above);
    // Time facts: when the calendar alone gets there.
    if let Some((base, per)) = time_base(env, &test.subject) {
        if !up {
            gap.change = format!("{name} must be {targets} (found {found_text}); waiting only adds to it");
            return gap;
        }
        let needed = if check.op == Op::Above { r.floor() + Decimal::ONE } else { r.ceil() };
        let unit_count = needed - f;
        let unit = if per == 12 { "year" } else { "month" };
        let plural = if unit_count == Decimal::ONE { "" } else { "s" };
        let months = needed.try_into().ok().and_then(|n: u32| n.checked_mul(per));
        gap.on = months.and_then(|m| add_months(base, m));
        gap.change = match gap.on {
            Some(on) => format!("{name}: {} more {unit}{plural}, on {on} ({targets}, found {found_text})", fig(unit_count)),
            None => format!("{name}: {} more {unit}{plural} ({targets}, found {found_text})", fig(unit_count)),
        };
        return gap;
    }
    let figures = env.figures;
    let how = amount(check.op, delta);
    let meaning = match &test.subject {
        Subject::Fact(FactRef::Computed(Computed::Kpi)) => {
            format!("an average of {targets} over the window's {} scored quarter(s)", figures.kpi_quarters)
        }
        Subject::Fact(FactRef::Computed(Computed::KpiMin)) if up => {
            let low: Vec<String> = window_scores(env)
                .into_iter()
                .filter(|(_, s)| !failing.iter().all(|c| passes(&Found::Number(*s), c)))
                .map(|(p, s)| format!("{p} {}", fig(s)))
                .collect();
            format!(
                "every scored quarter of the window {targets}, and {} {} not",
                low.join(", "),
                if low.len() == 1 { "is" } else { "are" }
            )
        }
        Subject::Fact(FactRef::KpiItem(_)) => format!("a mean item score of {targets} over the window"),
        Subject::Fact(FactRef::CompetencyGroup(_)) => format!("a mean group rating of {targets} over the window"),
        Subject::Fact(FactRef::Computed(Computed::KpiQuarters)) if up => {
            format!("{} more scored quarter(s) in the window", fig(delta.ceil().max(Decimal::ONE)))
        }
        Subject::Fact(FactRef::Computed(Computed::CompetencyHalves)) if up => {
            format!("{} more scored half(s) in the window", fig(delta.ceil().max(Decimal::ONE)))
        }
        Subject::Fact(FactRef::Computed(Computed::Composite)) if up => format!("{targets}{}", composite_routes(scheme, delta)),
        Subject::Fact(FactRef::Computed(Computed::RankPct)) if !up => {
            let change = rank_gap(ctx, check, f);
            gap.change = format!("{name} needs {targets}: {change} (found {found_text})");
            return gap;
        }
        _ => targets.clone(),
    };
    gap.change = format!("{name} needs {how}: {meaning} (found {found_text})");
    gap
}

/// The date a time fact counts from, and months per unit.
fn time_base(env: &Env, subject: &Subject) -> Option<(NaiveDate, u32)> {
    match subject {
        Subject::Fact(FactRef::Computed(Computed::MonthsInGrade)) => Some((env.row.grade_date?, 1)),
        Subject::Fact(FactRef::Computed(Computed::MonthsInCompany)) => Some((env.row.hire_date?, 1)),
        Subject::Fact(FactRef::Computed(Computed::Age)) => Some((env.row.birth_date?, 12)),
        Subject::MonthsSince(fact) => {
            let date = match fact {
                FactRef::Reserved(Reserved::HireDate) => env.row.hire_date,
                FactRef::Reserved(Reserved::GradeDate) => env.row.grade_date,
                FactRef::Reserved(Reserved::BirthDate) => env.row.birth_date,
                FactRef::Column { id, .. } => env.layout.facts.get(*id).copied().flatten().and_then(|c| parse_date(env.row.cell(c))),
                _ => None,
            };
            Some((date?, 1))
        }
        _ => None,
    }
}

/// The window's scored quarters and their scores.
fn window_scores(env: &Env) -> Vec<(String, Decimal)> {
    let quarters = &env.figures.quarters;
    let start = quarters.len().saturating_sub(env.scheme.review.quarters);
    quarters[start..].iter().filter_map(|q| Some((q.period.to_string(), q.score?))).collect()
}

/// `; alone, kpi +1.79 or competency_pct +4.17 would do it`.
fn composite_routes(scheme: &Scheme, delta: Decimal) -> String {
    let hundred = Decimal::ONE_HUNDRED;
    let mut routes = Vec::new();
    for (name, weight) in [("kpi", scheme.composite.kpi), ("competency_pct", scheme.composite.competency)] {
        if weight > Decimal::ZERO {
            if let Some(need) = delta.checked_mul(hundred).and_then(|x| x.checked_div(weight)) {
                routes.push(format!("{name} +{}", fig(ceil2(need))));
            }
        }
    }
    if routes.is_empty() {
        String::new()
    } else {
        format!("; alone, {} would do it", routes.join(" or "))
    }
}

fn band_gap(ctx: &GapContext, check: &Check, found: usize) -> (String, Option<Decimal>) {
    let bands = &ctx.env.scheme.bands;
    let found_id = bands.get(found).map_or("?", |b| b.id.as_str());
    let composite = ctx.env.figures.composite;
    let TestValue::Band(r, id) = &check.value else {
        return (format!("band must be {} (found {found_id})", target(check)), None);
    };
    // Bands are listed best first; band `needed` starts at bands[needed].min.
    let better_or_equal = |needed: usize| -> (String, Option<Decimal>) {
        let min = bands[needed].min;
        match composite {
            Some(c) => (
                format!(
                    "band needs {} or better: a composite of at least {}, {} (found {found_id}, composite {}){}",
                    bands[needed].id,
                    fig(min),
                    amount(Op::Min, min - c),
                    fig(c),
                    composite_routes(ctx.env.scheme, min - c)
                ),
                Some(min - c),
            ),
            None => (format!("band needs {} or better (no composite)", bands[needed].id), None),
        }
    };
    match check.op {
        Op::Min => better_or_equal(*r),
        Op::Above if *r > 0 => better_or_equal(*r - 1),
        Op::Is if found > *r => better_or_equal(*r),
        _ => (format!("band must be {} {id} (found {found_id})", check.op.symbol()), None),
    }
}

/// What rank in the cohort would meet a `rank_pct` ceiling.
fn rank_gap(ctx: &GapContext, check: &Check, _found: Decimal) -> String {
    let n = ctx.others.len() + 1;
    let best = (0..n).rev().find(|h| rank_pct(*h, n).is_some_and(|p| passes(&Found::Number(p), check)));
    let Some(h) = best else {
        let top = rank_pct(0, n).map_or("?".into(), fig);
        return format!("not reachable in a cohort of {n}: even first place gives rank_pct {top}");
    };
    let now = ctx.env.figures.composite.map(|c| 1 + ctx.others.iter().filter(|x| **x > c).count());
    let now = now.map(|p| format!(", now {}", ordinal(p))).unwrap_or_default();
    let place = if h == 0 { "first place".to_string() } else { format!("rank {} or better", ordinal(h + 1)) };
    match ctx.others.get(h) {
        Some(needed) => format!("{place} of {n}{now}: a composite of at least {} would do it, the others unchanged", fig(*needed)),
        None => format!("{place} of {n}{now}"),
    }
}

/// `1st`, `2nd`, `3rd`, `11th`, `22nd`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
