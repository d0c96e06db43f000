//! The least change that would meet a failing test: how much higher a
//! score, how many more months, which route to a composite or rank — in
//! the evaluation's words (English, or Chinese with `--lang zh`).

use super::{
    add_months, format_figure, parse_date, passes, rank_pct, Check, Computed, Decimal, Env, FactRef, Found, Gap, Lang, NaiveDate, Op,
    Reserved, Scheme, Subject, Test, TestValue, Trace, Words,
};
use crate::calendar::Period;
use crate::rule::words::computed_zh;

pub(super) struct GapContext<'a> {
    pub(super) env: &'a Env<'a>,
    /// The other members of the cohort's composites, highest first.
    pub(super) others: Vec<Decimal>,
}

pub(super) fn gaps(ctx: &GapContext, trace: &Trace) -> Vec<Gap> {
    if trace.holds() {
        return Vec::new();
    }
    let (scheme, words) = (ctx.env.scheme, ctx.env.words);
    let zh = words.lang() == Lang::Zh;
    match trace {
        Trace::All { children, .. } => children.iter().flat_map(|c| gaps(ctx, c)).collect(),
        Trace::Any { children, .. } => {
            let mut gap = Gap::says(written(trace, scheme, words), if zh { "以下任选其一" } else { "any one of these" }.into());
            gap.any_of = children.iter().map(|c| gaps(ctx, c)).collect();
            vec![gap]
        }
        Trace::Not { child, .. } => {
            let change = match zh {
                true => format!("{} 须不再成立", child.describe_in(scheme, words)),
                false => format!("{} must no longer hold", child.describe(scheme)),
            };
            vec![Gap::says(written(trace, scheme, words), change)]
        }
        Trace::Test { test, found, .. } => vec![test_gap(ctx, test, found)],
    }
}

/// A rule node as written, without what was found: `any of (a >= 1 or b >= 1)`.
fn written(trace: &Trace, scheme: &Scheme, words: &Words) -> String {
    let ((all, and), (any, or)) = (words.all_of(), words.any_of());
    let join = |children: &[Trace], sep: &str| children.iter().map(|c| written(c, scheme, words)).collect::<Vec<_>>().join(sep);
    match trace {
        Trace::All { children, .. } => format!("{all}{})", join(children, and)),
        Trace::Any { children, .. } => format!("{any}{})", join(children, or)),
        Trace::Not { child, .. } => format!("{}({})", words.not(), written(child, scheme, words)),
        Trace::Test { test, .. } => words.test(test, scheme),
    }
}

/// `at least 12`, `above 3`, `at most 30`, `below 23`, `exactly true`;
/// in Chinese `不低于 12`, `高于 3`, `不高于 30`, `低于 23`, `为 是`.
fn target(check: &Check, test: &Test, scheme: &Scheme, words: &Words) -> String {
    let value = words.value(&check.value, test, scheme);
    if words.lang() == Lang::Zh {
        let word = match check.op {
            Op::Min => "不低于",
            Op::Max => "不高于",
            Op::Above => "高于",
            Op::Below => "低于",
            Op::Is => "为",
        };
        return format!("{word} {value}");
    }
    let word = match check.op {
        Op::Min => "at least",
        Op::Max => "at most",
        Op::Above => "above",
        Op::Below => "below",
        Op::Is => return value,
    };
    format!("{word} {value}")
}

fn fig(d: Decimal) -> String {
    format_figure(d)
}

/// What a value needs, after "needs": `+2.35`, `−3`, `to rise by more than 2`, `to fall by more than 1`.
fn amount(op: Op, delta: Decimal, zh: bool) -> String {
    let magnitude = fig(delta.abs());
    match (op, delta < Decimal::ZERO) {
        (Op::Above, _) if zh => format!("提高超过 {magnitude}"),
        (Op::Below, _) if zh => format!("降低超过 {magnitude}"),
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

/// The words every gap of one test is written with.
struct Wording<'a> {
    zh: bool,
    /// The subject's name: `months_in_grade`, `任职月数`.
    name: String,
    /// The failing checks' targets joined: `at least 12 and below 30`.
    targets: String,
    words: &'a Words,
}

fn test_gap(ctx: &GapContext, test: &Test, found: &Found) -> Gap {
    let (scheme, words) = (ctx.env.scheme, ctx.env.words);
    let zh = words.lang() == Lang::Zh;
    let and = if zh { " 且 " } else { " and " };
    let name = words.subject_name(test, scheme);
    let written = words.test(test, scheme);
    if let (Subject::Streak { quarters }, Found::Quarters(seen)) = (&test.subject, found) {
        let targets = test.checks.iter().map(|c| target(c, test, scheme, words)).collect::<Vec<_>>().join(and);
        let wording = Wording { zh, name, targets, words };
        return Gap::says(written, streak_change(test, *quarters, seen, &wording));
    }
    let failing: Vec<&Check> = test.checks.iter().filter(|c| !passes(found, c)).collect();
    let Some(check) = failing.first().copied() else {
        return Gap::says(written.clone(), written);
    };
    let targets = failing.iter().map(|c| target(c, test, scheme, words)).collect::<Vec<_>>().join(and);
    let wording = Wording { zh, name, targets, words };
    match (found, &check.value) {
        (Found::Number(f), TestValue::Number(r)) => number_gap(ctx, test, check, &failing, (*f, *r), written, &wording),
        (Found::Band(f), _) => {
            let (change, delta) = band_gap(ctx, test, check, *f);
            Gap { delta, ..Gap::says(written, change) }
        }
        (Found::Number(_) | Found::Quarters(_), _) => Gap::says(written.clone(), written),
        _ => Gap::says(written, other_change(test, check, found, scheme, &wording)),
    }
}

/// A streak: each quarter's own shortfall.
fn streak_change(test: &Test, quarters: usize, seen: &[(Period, Option<Decimal>)], w: &Wording) -> String {
    let (zh, name, targets) = (w.zh, &w.name, &w.targets);
    let mut parts = Vec::new();
    if seen.len() < quarters {
        parts.push(match zh {
            true => format!("只能读到 {} 个季度", seen.len()),
            false => format!("only {} quarter(s) can be read", seen.len()),
        });
    }
    for (period, score) in seen {
        match score {
            None if zh => parts.push(format!("{period} 无得分")),
            None => parts.push(format!("{period} has no score")),
            Some(s) => {
                for c in &test.checks {
                    if let TestValue::Number(r) = c.value {
                        if !c.op.accepts(s.cmp(&r)) {
                            parts.push(match zh {
                                true => format!("{period}（{}）需 {}", fig(*s), amount(c.op, r - s, zh)),
                                false => format!("{period} ({}) needs {}", fig(*s), amount(c.op, r - s, zh)),
                            });
                        }
                    }
                }
            }
        }
    }
    match zh {
        true => format!("最近 {quarters} 个季度每季 {name} 须{targets}：{}", parts.join("；")),
        false => format!("{name} needs {targets} in each of the last {quarters} quarters: {}", parts.join("; ")),
    }
}

/// A value that is not a number: missing, unreadable, a yes/no, a text, a date or a scale level.
fn other_change(test: &Test, check: &Check, found: &Found, scheme: &Scheme, w: &Wording) -> String {
    let (zh, name, targets) = (w.zh, &w.name, &w.targets);
    match found {
        Found::Missing if zh => format!("{name} 无值：须{targets}"),
        Found::Missing => format!("{name} has no value: it needs to be {targets}"),
        Found::Unreadable(text, kind) if zh => format!("{name}：`{text}` 不是{}；须{targets}", crate::rule::words::kind_zh(kind)),
        Found::Unreadable(text, kind) => format!("{name}: `{text}` is not {kind}; it needs to be {targets}"),
        Found::Level(_, f) => match (check.op, &check.value, zh) {
            (Op::Min, v, false) => format!("{name} needs {v} or higher (found {f})"),
            (Op::Above, v, false) => format!("{name} needs a level above {v} (found {f})"),
            (Op::Max, v, false) => format!("{name} needs {v} or lower (found {f})"),
            (Op::Below, v, false) => format!("{name} needs a level below {v} (found {f})"),
            (Op::Is, v, false) => format!("{name} must be {v} (found {f})"),
            (Op::Min, v, true) => format!("{name} 须达到 {v} 或更高（实际 {f}）"),
            (Op::Above, v, true) => format!("{name} 须高于 {v}（实际 {f}）"),
            (Op::Max, v, true) => format!("{name} 须为 {v} 或更低（实际 {f}）"),
            (Op::Below, v, true) => format!("{name} 须低于 {v}（实际 {f}）"),
            (Op::Is, v, true) => format!("{name} 须为 {v}（实际 {f}）"),
        },
        _ if zh => format!("{name} 须{targets}（{}）", w.words.found(found, Some(test), scheme)),
        _ => format!("{name} must be {targets} ({})", found.display(scheme)),
    }
}

/// A number `f` that misses `r`: by how much, and what that means for its subject.
fn number_gap(
    ctx: &GapContext,
    test: &Test,
    check: &Check,
    failing: &[&Check],
    (f, r): (Decimal, Decimal),
    written: String,
    w: &Wording,
) -> Gap {
    let env = ctx.env;
    let (zh, name, targets) = (w.zh, &w.name, &w.targets);
    let delta = r - f;
    let found_text = fig(f);
    let mut gap = Gap { test: written, change: String::new(), delta: Some(delta), on: None, any_of: Vec::new() };
    if check.op == Op::Is {
        gap.change = match zh {
            true => format!("{name} 须为 {r}（实际 {found_text}）", r = fig(r)),
            false => format!("{name} must be {r} (found {found_text})", r = fig(r)),
        };
        return gap;
    }
    let up = matches!(check.op, Op::Min | Op::Above);
    // Time facts: when the calendar alone gets there.
    if let Some(base) = time_base(env, &test.subject) {
        (gap.change, gap.on) = time_change(check, base, (f, r), w);
        return gap;
    }
    let figures = env.figures;
    let how = amount(check.op, delta, zh);
    let meaning = match &test.subject {
        Subject::Fact(FactRef::Computed(Computed::Kpi)) if zh => {
            format!("评估窗口内 {} 个已评分季度的平均分须{targets}", figures.kpi_quarters)
        }
        Subject::Fact(FactRef::Computed(Computed::Kpi)) => {
            format!("an average of {targets} over the window's {} scored quarter(s)", figures.kpi_quarters)
        }
        Subject::Fact(FactRef::Computed(Computed::KpiMin)) if up => {
            let low: Vec<String> = window_scores(env)
                .into_iter()
                .filter(|(_, s)| !failing.iter().all(|c| passes(&Found::Number(*s), c)))
                .map(|(p, s)| format!("{p} {}", fig(s)))
                .collect();
            match zh {
                true => format!("窗口内每个已评分季度须{targets}，而 {} 未达到", low.join("、")),
                false => format!(
                    "every scored quarter of the window {targets}, and {} {} not",
                    low.join(", "),
                    if low.len() == 1 { "is" } else { "are" }
                ),
            }
        }
        Subject::Fact(FactRef::KpiItem(_)) if zh => format!("窗口内该指标的平均分须{targets}"),
        Subject::Fact(FactRef::KpiItem(_)) => format!("a mean item score of {targets} over the window"),
        Subject::Fact(FactRef::CompetencyGroup(_)) if zh => format!("窗口内该组的平均评分须{targets}"),
        Subject::Fact(FactRef::CompetencyGroup(_)) => format!("a mean group rating of {targets} over the window"),
        Subject::Fact(FactRef::Computed(Computed::KpiQuarters)) if up && zh => {
            format!("窗口内还需 {} 个已评分季度", fig(delta.ceil().max(Decimal::ONE)))
        }
        Subject::Fact(FactRef::Computed(Computed::KpiQuarters)) if up => {
            format!("{} more scored quarter(s) in the window", fig(delta.ceil().max(Decimal::ONE)))
        }
        Subject::Fact(FactRef::Computed(Computed::CompetencyHalves)) if up && zh => {
            format!("窗口内还需 {} 个已评分半年", fig(delta.ceil().max(Decimal::ONE)))
        }
        Subject::Fact(FactRef::Computed(Computed::CompetencyHalves)) if up => {
            format!("{} more scored half(s) in the window", fig(delta.ceil().max(Decimal::ONE)))
        }
        Subject::Fact(FactRef::Computed(Computed::Composite)) if up => format!("{targets}{}", composite_routes(env.scheme, delta, zh)),
        Subject::Fact(FactRef::Computed(Computed::RankPct)) if !up => {
            let change = rank_gap(ctx, check, f);
            gap.change = match zh {
                true => format!("{name} 须{targets}：{change}（实际 {found_text}）"),
                false => format!("{name} needs {targets}: {change} (found {found_text})"),
            };
            return gap;
        }
        _ => targets.clone(),
    };
    gap.change = match zh {
        true => format!("{name} 需 {how}：{meaning}（实际 {found_text}）"),
        false => format!("{name} needs {how}: {meaning} (found {found_text})"),
    };
    gap
}

/// A time fact `f` short of `r`: how many more months or years, and the
/// date the calendar gets there (waiting never lowers one).
fn time_change(check: &Check, (base, per): (NaiveDate, u32), (f, r): (Decimal, Decimal), w: &Wording) -> (String, Option<NaiveDate>) {
    let (zh, name, targets) = (w.zh, &w.name, &w.targets);
    let found_text = fig(f);
    if !matches!(check.op, Op::Min | Op::Above) {
        let change = match zh {
            true => format!("{name} 须{targets}（实际 {found_text}）；时间推移只会使其增加"),
            false => format!("{name} must be {targets} (found {found_text}); waiting only adds to it"),
        };
        return (change, None);
    }
    let needed = if check.op == Op::Above { r.floor() + Decimal::ONE } else { r.ceil() };
    let unit_count = needed - f;
    let months = needed.try_into().ok().and_then(|n: u32| n.checked_mul(per));
    let on = months.and_then(|m| add_months(base, m));
    if zh {
        let unit = if per == 12 { "年" } else { "个月" };
        let when = on.map(|on| format!("，于 {on}")).unwrap_or_default();
        return (format!("{name}：还需 {} {unit}{when}（须{targets}，实际 {found_text}）", fig(unit_count)), on);
    }
    let unit = if per == 12 { "year" } else { "month" };
    let plural = if unit_count == Decimal::ONE { "" } else { "s" };
    let change = match on {
        Some(on) => format!("{name}: {} more {unit}{plural}, on {on} ({targets}, found {found_text})", fig(unit_count)),
        None => format!("{name}: {} more {unit}{plural} ({targets}, found {found_text})", fig(unit_count)),
    };
    (change, on)
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
fn composite_routes(scheme: &Scheme, delta: Decimal, zh: bool) -> String {
    let hundred = Decimal::ONE_HUNDRED;
    let mut routes = Vec::new();
    let (kpi, pct) = match zh {
        true => (computed_zh(Computed::Kpi), computed_zh(Computed::CompetencyPct)),
        false => ("kpi", "competency_pct"),
    };
    for (name, weight) in [(kpi, scheme.composite.kpi), (pct, scheme.composite.competency)] {
        if weight > Decimal::ZERO {
            if let Some(need) = delta.checked_mul(hundred).and_then(|x| x.checked_div(weight)) {
                routes.push(format!("{name} +{}", fig(ceil2(need))));
            }
        }
    }
    if routes.is_empty() {
        String::new()
    } else if zh {
        format!("；单独提高 {} 即可", routes.join(" 或 "))
    } else {
        format!("; alone, {} would do it", routes.join(" or "))
    }
}

fn band_gap(ctx: &GapContext, test: &Test, check: &Check, found: usize) -> (String, Option<Decimal>) {
    let (scheme, words) = (ctx.env.scheme, ctx.env.words);
    let zh = words.lang() == Lang::Zh;
    let bands = &scheme.bands;
    let found_id = bands.get(found).map_or("?", |b| b.id.as_str());
    let composite = ctx.env.figures.composite;
    let band = computed_zh(Computed::Band);
    let TestValue::Band(r, id) = &check.value else {
        return match zh {
            true => (format!("{band} 须{}（实际 {found_id}）", target(check, test, scheme, words)), None),
            false => (format!("band must be {} (found {found_id})", target(check, test, scheme, words)), None),
        };
    };
    // Bands are listed best first; band `needed` starts at bands[needed].min.
    let better_or_equal = |needed: usize| -> (String, Option<Decimal>) {
        let min = bands[needed].min;
        let b = &bands[needed].id;
        match (composite, zh) {
            (Some(c), false) => (
                format!(
                    "band needs {b} or better: a composite of at least {}, {} (found {found_id}, composite {}){}",
                    fig(min),
                    amount(Op::Min, min - c, zh),
                    fig(c),
                    composite_routes(scheme, min - c, zh)
                ),
                Some(min - c),
            ),
            (Some(c), true) => (
                format!(
                    "{band} 须达到 {b} 或更好：综合得分至少 {}，{}（实际 {found_id}，综合得分 {}）{}",
                    fig(min),
                    amount(Op::Min, min - c, zh),
                    fig(c),
                    composite_routes(scheme, min - c, zh)
                ),
                Some(min - c),
            ),
            (None, false) => (format!("band needs {b} or better (no composite)"), None),
            (None, true) => (format!("{band} 须达到 {b} 或更好（无综合得分）"), None),
        }
    };
    match check.op {
        Op::Min => better_or_equal(*r),
        Op::Above if *r > 0 => better_or_equal(*r - 1),
        Op::Is if found > *r => better_or_equal(*r),
        _ if zh => (format!("{band} 须 {} {id}（实际 {found_id}）", check.op.symbol()), None),
        _ => (format!("band must be {} {id} (found {found_id})", check.op.symbol()), None),
    }
}

/// What rank in the cohort would meet a `rank_pct` ceiling.
fn rank_gap(ctx: &GapContext, check: &Check, _found: Decimal) -> String {
    let zh = ctx.env.words.lang() == Lang::Zh;
    let n = ctx.others.len() + 1;
    let best = (0..n).rev().find(|h| rank_pct(*h, n).is_some_and(|p| passes(&Found::Number(p), check)));
    let Some(h) = best else {
        let top = rank_pct(0, n).map_or("?".into(), fig);
        return match zh {
            true => format!("在 {n} 人的同组中无法达到：即使第一名，排名百分位也是 {top}"),
            false => format!("not reachable in a cohort of {n}: even first place gives rank_pct {top}"),
        };
    };
    let now = ctx.env.figures.composite.map(|c| 1 + ctx.others.iter().filter(|x| **x > c).count());
    if zh {
        let now = now.map(|p| format!("，目前第 {p} 名")).unwrap_or_default();
        let place = if h == 0 { "第一名".to_string() } else { format!("第 {} 名或更好", h + 1) };
        return match ctx.others.get(h) {
            Some(needed) => format!("{n} 人中{place}{now}：其他人不变时，综合得分至少 {} 即可", fig(*needed)),
            None => format!("{n} 人中{place}{now}"),
        };
    }
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
