//! `ladder explain`: everything behind one employee's decision, for an HR
//! analyst who should not have to open the YAML — every KPI item of every
//! quarter, every competency rating of every half, the figures and how they
//! were reached, the rule tree of each move open to the employee with what
//! each test required and found, and the least change that would meet each
//! failing test where that can be computed.
//!
//! The explanation is built once as plain data ([`Explanation`]) and printed
//! as text or JSON from it, so the two formats never disagree. Nothing here
//! computes a figure of its own: the figures are the evaluation's, and the
//! values shown "for reading" (item scores, weighted parts, group means) are
//! rounded only for display.

use crate::batch::memory::{rank_pct, Evaluation, Outcome};
use crate::calendar::{add_months, parse_date, whole_months, whole_years};
use crate::decision::Status;
use crate::exact::{format_figure, format_figure_fixed, Exact};
use crate::report::json::{decimal_value, figure_value};
use crate::report::ResultRecord;
use crate::rule::eval::{passes, Env, Found, Trace};
use crate::rule::{Check, Computed, FactRef, Op, Reserved, Rule, Subject, Test, TestValue};
use crate::scheme::{GradeRef, Scheme, Scoring};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

/// How `explain` and `what-if` print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DetailFormat {
    /// Text for reading
    #[default]
    Text,
    /// One JSON document with the same content
    Json,
}

/// Prints a one-employee document (explain, what-if) as text or as JSON.
pub fn write_detail(
    format: DetailFormat,
    out: &mut dyn Write,
    json: impl FnOnce() -> Value,
    text: impl FnOnce(&mut String) -> std::fmt::Result,
) -> std::io::Result<()> {
    match format {
        DetailFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json())?;
            writeln!(out)
        }
        DetailFormat::Text => {
            let mut s = String::new();
            text(&mut s).expect("writing to a String cannot fail");
            out.write_all(s.as_bytes())
        }
    }
}

/// Everything behind one employee's decision.
pub struct Explanation<'e> {
    pub evaluation: &'e Evaluation<'e>,
    pub index: usize,
    pub record: ResultRecord<'e>,
    pub quarters: Vec<QuarterView>,
    pub halves: Vec<HalfView>,
    pub rank: Option<Rank>,
    pub rules: Vec<RuleView>,
}

/// One quarter the evaluation read.
pub struct QuarterView {
    pub period: String,
    /// In the review window (else read only by streak rules).
    pub in_window: bool,
    pub items: Vec<KpiLine>,
    /// The quarter's score (a figure); None when the quarter has no score.
    pub score: Option<Decimal>,
}

pub struct KpiLine {
    pub id: String,
    pub title: String,
    pub weight: Decimal,
    /// The value in the file (a raw measure under `scoring`).
    pub given: Option<Decimal>,
    pub scoring: Option<Scoring>,
    /// The 0..100 score and weight × score / 100, rounded for reading only.
    pub score: Option<Decimal>,
    pub weighted: Option<Decimal>,
}

pub struct HalfView {
    pub period: String,
    pub groups: Vec<GroupLine>,
    pub rating: Option<Decimal>,
}

pub struct GroupLine {
    pub id: String,
    pub weight: Decimal,
    pub items: Vec<(String, String, Option<Decimal>)>,
    /// The group's mean and weight × mean / 100, rounded for reading only.
    pub mean: Option<Decimal>,
    pub weighted: Option<Decimal>,
}

/// The employee's place in the cohort of the same grade.
pub struct Rank {
    /// 1 + the number with a strictly higher composite.
    pub position: usize,
    pub cohort: usize,
    /// Others with the same composite.
    pub tied: usize,
}

/// A rule of a move open to the employee, evaluated.
pub struct RuleView {
    pub kind: RuleKind,
    pub to: Option<GradeRef>,
    pub title: Option<String>,
    pub holds: bool,
    pub parts: Vec<(Origin, Node)>,
    /// The least change that would meet each failing test (empty when the rule holds).
    pub changes: Vec<Gap>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    NextGrade,
    Bridge,
    Demotion,
}

impl RuleKind {
    fn as_str(self) -> &'static str {
        match self {
            RuleKind::NextGrade => "next_grade",
            RuleKind::Bridge => "bridge",
            RuleKind::Demotion => "demotion",
        }
    }
}

/// Where a top-level part of a rule was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The grade's (or bridge's) own rule.
    Own,
    /// The scheme-wide `requires` or `demotion`.
    SchemeWide,
}

/// A rule node with its outcome.
pub enum Node {
    All { holds: bool, children: Vec<Node> },
    Any { holds: bool, children: Vec<Node> },
    Not { holds: bool, child: Box<Node> },
    Test { holds: bool, test: Test, found: Found, says: String },
}

impl Node {
    fn from_trace(scheme: &Scheme, t: &Trace) -> Node {
        match t {
            Trace::All { holds, children } => {
                Node::All { holds: *holds, children: children.iter().map(|c| Node::from_trace(scheme, c)).collect() }
            }
            Trace::Any { holds, children } => {
                Node::Any { holds: *holds, children: children.iter().map(|c| Node::from_trace(scheme, c)).collect() }
            }
            Trace::Not { holds, child } => Node::Not { holds: *holds, child: Box::new(Node::from_trace(scheme, child)) },
            Trace::Test { holds, test, found } => {
                Node::Test { holds: *holds, test: (*test).clone(), found: found.clone(), says: t.describe(scheme) }
            }
        }
    }

    pub fn holds(&self) -> bool {
        match self {
            Node::All { holds, .. } | Node::Any { holds, .. } | Node::Not { holds, .. } | Node::Test { holds, .. } => *holds,
        }
    }
}

/// The least change that would meet one failing test.
#[derive(Debug, Clone)]
pub struct Gap {
    /// The test, as written.
    pub test: String,
    /// What it would take, in words.
    pub change: String,
    /// How far the value is from the requirement (required − found), where it is a number.
    pub delta: Option<Decimal>,
    /// The date on which a time fact reaches the requirement.
    pub on: Option<NaiveDate>,
    /// For a failing `any`: each alternative's changes (any one alternative suffices).
    pub any_of: Vec<Vec<Gap>>,
}

impl Gap {
    fn says(test: String, change: String) -> Gap {
        Gap { test, change, delta: None, on: None, any_of: Vec::new() }
    }
}

/// Finds the employee's row: the first row with that id (a later row with the
/// same id is a duplicate, in error).
pub fn find(evaluation: &Evaluation, id: &str) -> Option<usize> {
    evaluation.outcomes.iter().position(|o| o.row.id == id)
}

/// Explains the employee at `index` of the evaluation.
pub fn explain<'e>(evaluation: &'e Evaluation<'e>, index: usize) -> Explanation<'e> {
    let scheme = evaluation.scheme;
    let outcome = &evaluation.outcomes[index];
    let record = ResultRecord::new(scheme, outcome);
    let mut explanation =
        Explanation { evaluation, index, record, quarters: Vec::new(), halves: Vec::new(), rank: None, rules: Vec::new() };
    let (Some(figures), Some(position), Some(grade)) = (outcome.figures.as_ref(), outcome.row.position, outcome.row.grade) else {
        return explanation;
    };
    if outcome.decision.status == Status::Error {
        return explanation;
    }
    let position = &scheme.positions[position];
    let hundred = Exact::from_int(100);
    let round = |e: Option<Exact>| e.and_then(|e| e.round2().ok());
    let window_start = evaluation.periods.quarters_read.len() - evaluation.periods.quarters.len();
    for (i, q) in figures.quarters.iter().enumerate() {
        let items = position
            .kpis
            .iter()
            .zip(&q.items)
            .map(|(k, s)| KpiLine {
                id: k.id.clone(),
                title: k.title.clone(),
                weight: k.weight,
                given: s.as_ref().map(|s| s.given),
                scoring: k.scoring,
                score: round(s.as_ref().map(|s| s.score)),
                weighted: round(s.as_ref().and_then(|s| Exact::from_decimal(k.weight).mul(s.score).ok()?.div(hundred).ok())),
            })
            .collect();
        explanation.quarters.push(QuarterView { period: q.period.to_string(), in_window: i >= window_start, items, score: q.score });
    }
    for h in &figures.halves {
        let groups = position
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let ratings = h.ratings.get(g).cloned().unwrap_or_default();
                let mean = h.group_mean(g);
                GroupLine {
                    id: group.id.clone(),
                    weight: group.weight,
                    items: group.items.iter().zip(ratings).map(|(item, r)| (item.id.clone(), item.title.clone(), r)).collect(),
                    mean: round(mean),
                    weighted: round(mean.and_then(|m| Exact::from_decimal(group.weight).mul(m).ok()?.div(hundred).ok())),
                }
            })
            .collect();
        explanation.halves.push(HalfView { period: h.period.to_string(), groups, rating: h.rating });
    }
    if let Some(c) = figures.composite {
        let cohort: Vec<Decimal> = cohort_others(evaluation, index);
        let higher = cohort.iter().filter(|x| **x > c).count();
        let tied = cohort.iter().filter(|x| **x == c).count();
        explanation.rank = Some(Rank { position: higher + 1, cohort: cohort.len() + 1, tied });
    }
    if let Some(env) = evaluation.env(outcome, evaluation.periods.as_of) {
        let others = cohort_others(evaluation, index);
        let ctx = GapContext { env: &env, others };
        if let Some(next) = scheme.grade_above(grade) {
            explanation.rules.push(rule_view(
                &ctx,
                RuleKind::NextGrade,
                Some(next),
                None,
                scheme.grade(next).requires.as_ref(),
                scheme.requires.as_ref(),
            ));
        }
        for b in scheme.bridges_from(grade) {
            explanation.rules.push(rule_view(
                &ctx,
                RuleKind::Bridge,
                Some(b.to),
                b.title.clone(),
                b.requires.as_ref(),
                scheme.requires.as_ref(),
            ));
        }
        let own_demotion = scheme.grade(grade).demotion.as_ref();
        if scheme.demotion.is_some() || own_demotion.is_some() {
            explanation.rules.push(rule_view(&ctx, RuleKind::Demotion, None, None, own_demotion, scheme.demotion.as_ref()));
        }
    }
    explanation
}

/// The composites of the other members of the employee's rank cohort, highest first.
fn cohort_others(evaluation: &Evaluation, index: usize) -> Vec<Decimal> {
    let Some(cohort) = evaluation.outcomes.get(index).and_then(|o| o.cohort.as_ref()) else { return Vec::new() };
    let mut others: Vec<Decimal> = evaluation
        .outcomes
        .iter()
        .enumerate()
        .filter(|(i, o)| *i != index && o.cohort.as_ref() == Some(cohort))
        .filter_map(|(_, o)| o.figures.as_ref().and_then(|f| f.composite))
        .collect();
    others.sort_unstable_by(|a, b| b.cmp(a));
    others
}

fn rule_view(
    ctx: &GapContext,
    kind: RuleKind,
    to: Option<GradeRef>,
    title: Option<String>,
    own: Option<&Rule>,
    wide: Option<&Rule>,
) -> RuleView {
    let scheme = ctx.env.scheme;
    let mut parts = Vec::new();
    let mut traces = Vec::new();
    for (origin, rule) in [(Origin::Own, own), (Origin::SchemeWide, wide)] {
        let Some(rule) = rule else { continue };
        match ctx.env.eval(rule) {
            // A demotion rule is one condition; a promotion rule's top-level list is its parts.
            Trace::All { children, .. } if kind != RuleKind::Demotion => {
                for c in children {
                    parts.push((origin, Node::from_trace(scheme, &c)));
                    traces.push(c);
                }
            }
            other => {
                parts.push((origin, Node::from_trace(scheme, &other)));
                traces.push(other);
            }
        }
    }
    let holds = if kind == RuleKind::Demotion { parts.iter().any(|(_, n)| n.holds()) } else { parts.iter().all(|(_, n)| n.holds()) };
    let changes = if kind == RuleKind::Demotion || holds { Vec::new() } else { traces.iter().flat_map(|t| gaps(ctx, t)).collect() };
    RuleView { kind, to, title, holds, parts, changes }
}

// ---------------------------------------------------------------------------
// The least change that meets a failing test.

struct GapContext<'a> {
    env: &'a Env<'a>,
    /// The other members of the cohort's composites, highest first.
    others: Vec<Decimal>,
}

fn gaps(ctx: &GapContext, trace: &Trace) -> Vec<Gap> {
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

// ---------------------------------------------------------------------------
// JSON.

fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn date_value(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_string()))
}

/// The SPEC §6 result fields of a record, as `evaluate --format json` prints them.
pub fn record_value(r: &ResultRecord) -> Value {
    json!({
        "id": r.id,
        "name": r.name,
        "sequence": r.sequence,
        "grade": r.grade,
        "position": r.position,
        "kpi": figure_value(r.kpi),
        "kpi_quarters": r.kpi_quarters,
        "competency": figure_value(r.competency),
        "competency_halves": r.competency_halves,
        "competency_pct": figure_value(r.competency_pct),
        "composite": figure_value(r.composite),
        "band": opt_text(r.band.as_deref()),
        "calibrated_band": opt_text(r.calibrated_band.as_deref()),
        "rank_pct": figure_value(r.rank_pct),
        "rank": r.rank,
        "cohort_size": r.cohort_size,
        "status": r.status.as_str(),
        "recommended_grade": opt_text(r.recommended_grade.as_deref()),
        "next_grade": opt_text(r.next_grade.as_deref()),
        "eligible_on": opt_text(r.eligible_on.as_deref()),
        "unmet": r.unmet,
        "alternatives": r.alternatives,
        "quota_position": r.quota_position,
        "errors": r.errors,
    })
}

/// Tool, scheme, as-of date, window and inputs, so a review can be reproduced.
pub fn meta_value(e: &Evaluation) -> Value {
    let scheme_files: Vec<Value> = e.scheme.sources.iter().map(|s| json!({"path": s.path, "sha256": s.sha256})).collect();
    let inputs: Vec<Value> = e.inputs.iter().map(|(p, h)| json!({"path": p, "sha256": h})).collect();
    json!({
        "tool": "ladder",
        "version": env!("CARGO_PKG_VERSION"),
        "scheme": e.scheme.id,
        "scheme_files": scheme_files,
        "as_of": e.periods.as_of.to_string(),
        "window": {
            "quarters": e.periods.quarters.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "halves": e.periods.halves.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        },
        "inputs": inputs,
    })
}

fn found_value(scheme: &Scheme, found: &Found) -> Value {
    match found {
        Found::Missing => Value::Null,
        Found::Number(n) => figure_value(Some(*n)),
        Found::Bool(b) => Value::Bool(*b),
        Found::Date(d) => Value::String(d.to_string()),
        Found::Level(_, t) | Found::Text(t) | Found::Unreadable(t, _) => Value::String(t.clone()),
        Found::Band(i) => scheme.bands.get(*i).map_or(Value::Null, |b| Value::String(b.id.clone())),
        Found::Quarters(qs) => Value::Array(qs.iter().map(|(p, s)| json!({"period": p.to_string(), "score": figure_value(*s)})).collect()),
    }
}

fn test_value_json(v: &TestValue) -> Value {
    match v {
        TestValue::Number(n) => decimal_value(*n),
        TestValue::Bool(b) => Value::Bool(*b),
        other => Value::String(other.to_string()),
    }
}

pub fn node_value(scheme: &Scheme, node: &Node) -> Value {
    match node {
        Node::All { holds, children } => json!({"all": children.iter().map(|c| node_value(scheme, c)).collect::<Vec<_>>(), "holds": holds}),
        Node::Any { holds, children } => json!({"any": children.iter().map(|c| node_value(scheme, c)).collect::<Vec<_>>(), "holds": holds}),
        Node::Not { holds, child } => json!({"not": node_value(scheme, child), "holds": holds}),
        Node::Test { holds, test, found, says } => {
            let mut m = Map::new();
            m.insert("test".into(), test.describe(&scheme.column_facts.names).into());
            m.insert("fact".into(), test.subject_name(&scheme.column_facts.names).into());
            let checks: Vec<Value> = test.checks.iter().map(|c| json!({"op": c.op.key(), "value": test_value_json(&c.value)})).collect();
            m.insert("required".into(), checks.into());
            m.insert("found".into(), found_value(scheme, found));
            if let Found::Unreadable(_, kind) = found {
                m.insert("unreadable_as".into(), (*kind).into());
            }
            m.insert("holds".into(), (*holds).into());
            m.insert("says".into(), says.clone().into());
            m.insert("at".into(), test.at.clone().into());
            Value::Object(m)
        }
    }
}

fn gap_value(g: &Gap) -> Value {
    let mut m = Map::new();
    m.insert("test".into(), g.test.clone().into());
    m.insert("change".into(), g.change.clone().into());
    if let Some(d) = g.delta {
        m.insert("delta".into(), decimal_value(d));
    }
    if let Some(on) = g.on {
        m.insert("on".into(), on.to_string().into());
    }
    if !g.any_of.is_empty() {
        let options: Vec<Value> = g.any_of.iter().map(|o| Value::Array(o.iter().map(gap_value).collect())).collect();
        m.insert("any_of".into(), options.into());
    }
    Value::Object(m)
}

fn id_title(scheme: &Scheme, g: Option<GradeRef>) -> Value {
    g.map_or(Value::Null, |g| json!({"id": scheme.grade(g).id, "title": scheme.grade(g).title}))
}

impl Explanation<'_> {
    fn outcome(&self) -> &Outcome {
        &self.evaluation.outcomes[self.index]
    }

    fn scheme(&self) -> &Scheme {
        self.evaluation.scheme
    }

    /// The time facts of the employee on the as-of date.
    fn time_facts(&self) -> (Option<u32>, Option<u32>, Option<u32>) {
        let row = &self.outcome().row;
        let as_of = self.evaluation.periods.as_of;
        (
            row.grade_date.map(|d| whole_months(d, as_of)),
            row.hire_date.map(|d| whole_months(d, as_of)),
            row.birth_date.map(|d| whole_years(d, as_of)),
        )
    }

    pub fn to_json(&self) -> Value {
        let scheme = self.scheme();
        let o = self.outcome();
        let row = &o.row;
        let r = &self.record;
        let (mig, mic, age) = self.time_facts();
        let position = row.position.map(|p| &scheme.positions[p]);
        let employee = json!({
            "id": row.id,
            "name": row.name,
            "line": row.line,
            "position": position.map_or(Value::String(row.position_text.clone()), |p| json!({"id": p.id, "title": p.title})),
            "sequence": row.grade.map_or(Value::String(row.sequence_text.clone()), |g| json!({"id": scheme.sequences[g.sequence].id, "title": scheme.sequences[g.sequence].title})),
            "grade": row.grade.map_or(Value::String(row.grade_text.clone()), |g| json!({"id": scheme.grade(g).id, "title": scheme.grade(g).title})),
            "hire_date": date_value(row.hire_date),
            "grade_date": date_value(row.grade_date),
            "birth_date": date_value(row.birth_date),
            "months_in_grade": mig,
            "months_in_company": mic,
            "age": age,
        });
        let quarters: Vec<Value> = self
            .quarters
            .iter()
            .map(|q| {
                let items: Vec<Value> = q
                    .items
                    .iter()
                    .map(|k| {
                        json!({
                            "id": k.id,
                            "title": k.title,
                            "weight": decimal_value(k.weight),
                            "value": k.given.map_or(Value::Null, decimal_value),
                            "scoring": k.scoring.map_or(Value::Null, |s| json!({"target": decimal_value(s.target), "zero_at": decimal_value(s.zero_at)})),
                            "score": figure_value(k.score),
                            "weighted": figure_value(k.weighted),
                        })
                    })
                    .collect();
                json!({"period": q.period, "in_window": q.in_window, "scored": q.score.is_some(), "items": items, "score": figure_value(q.score)})
            })
            .collect();
        let halves: Vec<Value> = self
            .halves
            .iter()
            .map(|h| {
                let groups: Vec<Value> = h
                    .groups
                    .iter()
                    .map(|g| {
                        let items: Vec<Value> = g.items.iter().map(|(id, title, r)| json!({"id": id, "title": title, "rating": r.map_or(Value::Null, decimal_value)})).collect();
                        json!({"id": g.id, "weight": decimal_value(g.weight), "items": items, "mean": figure_value(g.mean), "weighted": figure_value(g.weighted)})
                    })
                    .collect();
                json!({"period": h.period, "scored": h.rating.is_some(), "groups": groups, "rating": figure_value(h.rating)})
            })
            .collect();
        let figures = o.figures.as_ref().filter(|_| r.status != Status::Error).map_or(Value::Null, |f| {
            let position = position.expect("figures imply a position");
            let item_means: Map<String, Value> = position.kpis.iter().zip(&f.item_means).map(|(k, m)| (k.id.clone(), figure_value(*m))).collect();
            let group_means: Map<String, Value> = position.groups.iter().zip(&f.group_means).map(|(g, m)| (g.id.clone(), figure_value(*m))).collect();
            json!({
                "kpi": figure_value(f.kpi),
                "kpi_quarters": f.kpi_quarters,
                "kpi_min": figure_value(f.kpi_min),
                "competency": figure_value(f.competency),
                "competency_halves": f.competency_halves,
                "competency_pct": figure_value(f.competency_pct),
                "composite": figure_value(f.composite),
                "band": f.band.map_or(Value::Null, |b| json!({"id": scheme.bands[b].id, "title": scheme.bands[b].title, "min": decimal_value(scheme.bands[b].min)})),
                "calibrated_band": opt_text(o.standing.and_then(|s| s.calibrated_band).map(|b| scheme.bands[b].id.as_str())),
                "rank_pct": figure_value(o.standing.map(|s| s.rank_pct)),
                "rank": self.rank.as_ref().map_or(Value::Null, |k| json!({"position": k.position, "cohort": k.cohort, "tied": k.tied})),
                "kpi_items": item_means,
                "competency_groups": group_means,
            })
        });
        let d = &o.decision;
        let decision = json!({
            "status": r.status.as_str(),
            "recommended_grade": opt_text(r.recommended_grade.as_deref()),
            "next_grade": opt_text(r.next_grade.as_deref()),
            "eligible_on": opt_text(r.eligible_on.as_deref()),
            "unmet": r.unmet,
            "alternatives": r.alternatives,
            "via_bridge": d.via_bridge,
        });
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|rv| {
                let parts: Vec<Value> = rv
                    .parts
                    .iter()
                    .map(|(origin, n)| {
                        let mut v = node_value(scheme, n);
                        if let Value::Object(m) = &mut v {
                            m.insert("from".into(), if *origin == Origin::Own { "own" } else { "scheme" }.into());
                        }
                        v
                    })
                    .collect();
                json!({
                    "kind": rv.kind.as_str(),
                    "to": id_title(scheme, rv.to),
                    "title": opt_text(rv.title.as_deref()),
                    "holds": rv.holds,
                    "parts": parts,
                    "changes": rv.changes.iter().map(gap_value).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut doc = json!({
            "meta": meta_value(self.evaluation),
            "employee": employee,
            "errors": row.errors,
            "quarters": quarters,
            "halves": halves,
            "figures": figures,
            "decision": decision,
            "rules": rules,
        });
        // Only a scheme with quotas has a queue to show.
        let quotas = self.quota_json();
        if !quotas.is_null() {
            doc["quotas"] = quotas;
        }
        doc
    }

    pub fn write(&self, format: DetailFormat, out: &mut dyn Write) -> std::io::Result<()> {
        write_detail(format, out, || self.to_json(), |s| self.text(s))
    }

    fn text(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        let e = self.evaluation;
        let o = self.outcome();
        let row = &o.row;
        let r = &self.record;
        let (mig, mic, age) = self.time_facts();

        // Who, and against what.
        let name = if row.name.is_empty() { String::new() } else { format!(" {}", row.name) };
        writeln!(s, "{}{name} · line {} of {}", row.id, row.line, e.inputs.first().map_or("", |(p, _)| p.as_str()))?;
        match row.position {
            Some(p) => writeln!(s, "  position   {} {}", scheme.positions[p].id, scheme.positions[p].title)?,
            None => writeln!(s, "  position   {}", row.position_text)?,
        }
        match row.grade {
            Some(g) => {
                let seq = &scheme.sequences[g.sequence];
                writeln!(s, "  grade      {} {} ({} {})", scheme.grade(g).id, scheme.grade(g).title, seq.id, seq.title)?
            }
            None => writeln!(s, "  grade      {} ({})", row.grade_text, row.sequence_text)?,
        }
        if let Some(d) = row.hire_date {
            writeln!(s, "  hired      {d} ({} months in the company)", mic.unwrap_or(0))?;
        }
        if let Some(d) = row.grade_date {
            writeln!(s, "  in grade   since {d} ({} months)", mig.unwrap_or(0))?;
        }
        if let Some(d) = row.birth_date {
            writeln!(s, "  born       {d} (age {})", age.unwrap_or(0))?;
        }
        let join = |ps: &[crate::calendar::Period]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ");
        writeln!(
            s,
            "  scheme     {} ({}) · as of {} · quarters {} · halves {}",
            scheme.title,
            scheme.id,
            e.periods.as_of,
            join(&e.periods.quarters),
            join(&e.periods.halves)
        )?;
        writeln!(s)?;

        // The decision first, in one paragraph.
        let grade_name = |id: &Option<Cow<str>>| -> String {
            id.as_deref()
                .map(|id| match scheme.find_grade(id) {
                    Some(g) => format!("{} {}", id, scheme.grade(g).title),
                    None => id.to_string(),
                })
                .unwrap_or_else(|| "—".into())
        };
        write!(s, "Decision: {}", r.status.as_str())?;
        match r.status {
            Status::Error => writeln!(s, " — the row cannot be evaluated:")?,
            Status::Promote => writeln!(
                s,
                " — recommend {}{}",
                grade_name(&r.recommended_grade),
                if o.decision.via_bridge { " (over a bridge)" } else { "" }
            )?,
            Status::Hold => writeln!(s, " — stays {}; next grade {}", grade_name(&r.recommended_grade), grade_name(&r.next_grade))?,
            Status::Top => writeln!(s, " — {} is the top of its sequence and no bridge is open", grade_name(&r.recommended_grade))?,
            Status::Demote => writeln!(s, " — recommend {}", grade_name(&r.recommended_grade))?,
        }
        for err in &r.errors {
            writeln!(s, "  - {err}")?;
        }
        if r.status == Status::Error {
            return Ok(());
        }
        if let Some(on) = &r.eligible_on {
            writeln!(s, "  eligible on {on}, if only time moves on and everything else stays as it is")?;
        } else if r.status == Status::Hold && r.quota_position.is_some() {
            writeln!(s, "  no eligible_on: a promotion's rule holds, but the quota of every option is full (see Quotas below)")?;
        } else if r.status == Status::Hold {
            writeln!(s, "  no eligible_on: waiting alone does not make the rule hold")?;
        }
        if r.status == Status::Demote {
            for rv in self.rules.iter().filter(|rv| rv.kind == RuleKind::Demotion) {
                for (_, node) in rv.parts.iter().filter(|(_, n)| n.holds()) {
                    for why in holding_tests(node) {
                        writeln!(s, "  demoted by: {why}")?;
                    }
                }
            }
        }
        for u in &r.unmet {
            writeln!(s, "  unmet: {u}")?;
        }
        if !r.alternatives.is_empty() {
            writeln!(s, "  bridges open: {}", r.alternatives.join(", "))?;
        }
        writeln!(s)?;
        self.text_quotas(s)?;

        self.text_kpi(s)?;
        self.text_competencies(s)?;
        self.text_figures(s)?;
        self.text_rules(s)?;
        let _ = (mig, mic);
        Ok(())
    }

    /// The quota queue (SPEC §8.4): the place, and each option's quotas with
    /// how many were taken and who took the last slot.
    fn text_quotas(&self, s: &mut String) -> std::fmt::Result {
        let e = self.evaluation;
        let Some(allocation) = &e.quotas else { return Ok(()) };
        let Some(allotted) = allocation.of(self.index as u64) else {
            if self.record.status != Status::Error {
                writeln!(s, "Quotas: not a candidate (quotas cap promotions; this row's decision is not one)")?;
                writeln!(s)?;
            }
            return Ok(());
        };
        writeln!(
            s,
            "Quotas: place {} of {} in the queue (composite, higher first; then months in grade, longer first; then file order)",
            allotted.place, allocation.candidates
        )?;
        let scheme = e.scheme;
        for (i, option) in allotted.options.iter().enumerate() {
            let verdict = match allotted.took {
                Some(t) if t == i => "taken",
                Some(t) if t < i => "not tried (an earlier option was taken)",
                _ => "full",
            };
            writeln!(s, "  {} {}: {verdict}", scheme.grade(*option).id, scheme.grade(*option).title)?;
            let quotas = allocation.quotas_of(scheme, allotted, *option);
            if quotas.is_empty() {
                writeln!(s, "    no quota caps it")?;
            }
            for (q, g, taken, cap, last) in quotas {
                let last = match last {
                    Some(row) => format!("; the last slot went to {}", e.outcomes.get(row as usize).map_or("?", |o| o.row.id.as_str())),
                    None => String::new(),
                };
                writeln!(
                    s,
                    "    quota for {}{}: {taken} of {cap} taken{last} · {}",
                    scheme.quotas[q].name(scheme),
                    allocation.group_text(scheme, q, g),
                    scheme.quotas[q].at
                )?;
            }
        }
        writeln!(s)
    }

    /// [`Explanation::text_quotas`] as json: null without quotas.
    fn quota_json(&self) -> Value {
        let e = self.evaluation;
        let Some(allocation) = &e.quotas else { return Value::Null };
        let Some(allotted) = allocation.of(self.index as u64) else { return json!({"candidate": false}) };
        let scheme = e.scheme;
        let options: Vec<Value> = allotted
            .options
            .iter()
            .enumerate()
            .map(|(i, option)| {
                let quotas: Vec<Value> = allocation
                    .quotas_of(scheme, allotted, *option)
                    .into_iter()
                    .map(|(q, g, taken, cap, last)| {
                        let group = allocation.group_text(scheme, q, g);
                        json!({
                            "grades": scheme.quotas[q].grades.iter().map(|g| scheme.grade(*g).id.clone()).collect::<Vec<_>>(),
                            "group": if group.is_empty() { Value::Null } else { Value::String(group.trim().trim_start_matches('(').trim_end_matches(')').to_string()) },
                            "taken": taken,
                            "cap": cap,
                            "last_taken_by": last.and_then(|row| e.outcomes.get(row as usize)).map(|o| o.row.id.clone()),
                            "at": scheme.quotas[q].at,
                        })
                    })
                    .collect();
                json!({"grade": scheme.grade(*option).id, "taken": allotted.took == Some(i), "quotas": quotas})
            })
            .collect();
        json!({"candidate": true, "position": allotted.place, "candidates": allocation.candidates, "options": options})
    }

    fn text_kpi(&self, s: &mut String) -> std::fmt::Result {
        writeln!(s, "KPI by quarter (quarter score = Σ weight × score / 100, rounded; scores and weighted parts are shown rounded)")?;
        for q in &self.quarters {
            let note = if q.in_window { "" } else { " (before the window, read only by streak rules)" };
            match q.score {
                None => {
                    let counted = if q.in_window { " — not counted" } else { "" };
                    writeln!(s, "  {}{note}: no scores{counted}", q.period)?;
                    continue;
                }
                Some(score) => writeln!(s, "  {}{note}: quarter score {}", q.period, format_figure_fixed(score))?,
            }
            let mut t = plain_table(&["item", "title", "weight", "score", "weighted"]);
            for k in &q.items {
                let score = match (k.score, k.given, k.scoring) {
                    (Some(sc), Some(raw), Some(sg)) => format!(
                        "raw {} → {} (target {}, zero at {})",
                        raw.normalize(),
                        format_figure_fixed(sc),
                        sg.target.normalize(),
                        sg.zero_at.normalize()
                    ),
                    (Some(sc), _, _) => format_figure_fixed(sc),
                    _ => "—".into(),
                };
                t.add_row(vec![
                    k.id.clone(),
                    k.title.clone(),
                    k.weight.normalize().to_string(),
                    score,
                    k.weighted.map_or("—".into(), format_figure_fixed),
                ]);
            }
            writeln!(s, "{}", indent(&t.to_string(), 4))?;
        }
        writeln!(s)
    }

    fn text_competencies(&self, s: &mut String) -> std::fmt::Result {
        writeln!(s, "Competencies by half (half rating = Σ group weight × group mean / 100, rounded; means are shown rounded)")?;
        for h in &self.halves {
            match h.rating {
                None => {
                    writeln!(s, "  {}: no ratings — not counted", h.period)?;
                    continue;
                }
                Some(rating) => writeln!(s, "  {}: half rating {}", h.period, format_figure_fixed(rating))?,
            }
            let mut t = plain_table(&["group / item", "title", "rating", "weight", "weighted"]);
            for g in &h.groups {
                t.add_row(vec![
                    g.id.clone(),
                    "(group mean)".into(),
                    g.mean.map_or("—".into(), format_figure_fixed),
                    g.weight.normalize().to_string(),
                    g.weighted.map_or("—".into(), format_figure_fixed),
                ]);
                for (id, title, rating) in &g.items {
                    t.add_row(vec![
                        format!("  {id}"),
                        title.clone(),
                        rating.map_or("—".into(), |r| r.normalize().to_string()),
                        String::new(),
                        String::new(),
                    ]);
                }
            }
            writeln!(s, "{}", indent(&t.to_string(), 4))?;
        }
        writeln!(s)
    }

    fn text_figures(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        let o = self.outcome();
        let Some(f) = o.figures.as_ref() else { return Ok(()) };
        let fx = |d: Option<Decimal>| d.map_or("—".into(), format_figure_fixed);
        writeln!(s, "Figures")?;
        let kpi_note = match f.kpi {
            Some(_) => format!("mean of the {} scored quarter(s) of the window; lowest {}", f.kpi_quarters, fx(f.kpi_min)),
            None => "no scored quarter in the window".into(),
        };
        writeln!(s, "  kpi             {:<8} {kpi_note}", fx(f.kpi))?;
        let comp_note = match f.competency {
            Some(_) => format!("mean of the {} scored half(s) of the window", f.competency_halves),
            None => "no scored half in the window".into(),
        };
        writeln!(s, "  competency      {:<8} {comp_note}", fx(f.competency))?;
        let scale = scheme.competency_scale;
        if let Some(c) = f.competency {
            writeln!(
                s,
                "  competency_pct  {:<8} ({} − {}) / ({} − {}) × 100",
                fx(f.competency_pct),
                format_figure_fixed(c),
                scale.min.normalize(),
                scale.max.normalize(),
                scale.min.normalize()
            )?;
        } else {
            writeln!(s, "  competency_pct  —")?;
        }
        match (f.composite, f.kpi, f.competency_pct) {
            (Some(c), Some(k), Some(p)) => writeln!(
                s,
                "  composite       {:<8} ({} × {} + {} × {}) / 100",
                format_figure_fixed(c),
                scheme.composite.kpi.normalize(),
                format_figure_fixed(k),
                scheme.composite.competency.normalize(),
                format_figure_fixed(p)
            )?,
            _ => writeln!(s, "  composite       —        needs both a kpi and a competency")?,
        }
        match f.band {
            Some(b) => {
                let band = &scheme.bands[b];
                writeln!(s, "  band            {} {}  (from {})", band.id, band.title, band.min.normalize())?
            }
            None => writeln!(s, "  band            —")?,
        }
        let grade = cohort_label(self.evaluation, &o.row);
        if let Some(b) = o.standing.and_then(|s| s.calibrated_band) {
            writeln!(s, "  calibrated_band {} {}  (by the distribution)", scheme.bands[b].id, scheme.bands[b].title)?;
        }
        match &self.rank {
            Some(k) => {
                let tied = match k.tied {
                    0 => String::new(),
                    1 => ", tied with 1 other".into(),
                    n => format!(", tied with {n} others"),
                };
                writeln!(
                    s,
                    "  rank            {} of {} in {grade}{tied} (rank_pct {})",
                    ordinal(k.position),
                    k.cohort,
                    fx(o.standing.map(|s| s.rank_pct))
                )?
            }
            None => writeln!(s, "  rank            — not ranked without a composite")?,
        }
        if let Some(p) = o.row.position.map(|p| &scheme.positions[p]) {
            let items: Vec<String> = p.kpis.iter().zip(&f.item_means).map(|(k, m)| format!("{} {}", k.id, fx(*m))).collect();
            writeln!(s, "  kpi.ITEM        {}", items.join(", "))?;
            let groups: Vec<String> = p.groups.iter().zip(&f.group_means).map(|(g, m)| format!("{} {}", g.id, fx(*m))).collect();
            writeln!(s, "  competency.GROUP {}", groups.join(", "))?;
        }
        writeln!(s)
    }

    fn text_rules(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        if self.rules.is_empty() {
            return Ok(());
        }
        writeln!(s, "Rules (✓ holds, ✗ does not; [scheme] marks the scheme-wide part)")?;
        for rv in &self.rules {
            let to = rv.to.map(|g| format!("{} {}", scheme.grade(g).id, scheme.grade(g).title)).unwrap_or_default();
            let verdict = match (rv.kind, rv.holds) {
                (RuleKind::Demotion, true) => "applies",
                (RuleKind::Demotion, false) => "does not apply",
                (_, true) => "met",
                (_, false) => "not met",
            };
            match rv.kind {
                RuleKind::NextGrade => writeln!(s, "  Next grade {to} — {verdict}")?,
                RuleKind::Bridge => {
                    let title = rv.title.as_ref().map(|t| format!(" ({t})")).unwrap_or_default();
                    writeln!(s, "  Bridge to {to}{title} — {verdict}")?
                }
                RuleKind::Demotion => writeln!(s, "  Demotion (any of these) — {verdict}")?,
            }
            for (origin, node) in &rv.parts {
                let tag = if *origin == Origin::SchemeWide { "  [scheme]" } else { "" };
                write_node(s, node, 4, tag)?;
            }
            if !rv.changes.is_empty() {
                let what = match rv.kind {
                    RuleKind::NextGrade => format!("To become eligible for {to}"),
                    _ => format!("To open the bridge to {to}"),
                };
                writeln!(s, "    {what} (each change alone is the least that meets its test; all are needed):")?;
                for g in &rv.changes {
                    write_gap(s, g, 6)?;
                }
            }
        }
        Ok(())
    }
}

/// The tests that make a holding node hold.
fn holding_tests(node: &Node) -> Vec<String> {
    match node {
        Node::Test { holds: true, says, .. } => vec![says.clone()],
        Node::All { holds: true, children } | Node::Any { holds: true, children } => children.iter().flat_map(holding_tests).collect(),
        Node::Not { holds: true, child } => vec![format!("not ({})", node_line(child))],
        _ => Vec::new(),
    }
}

/// A node on one line.
fn node_line(node: &Node) -> String {
    match node {
        Node::Test { says, .. } => says.clone(),
        Node::All { children, .. } => format!("all of ({})", children.iter().map(node_line).collect::<Vec<_>>().join(" and ")),
        Node::Any { children, .. } => format!("any of ({})", children.iter().map(node_line).collect::<Vec<_>>().join(" or ")),
        Node::Not { child, .. } => format!("not ({})", node_line(child)),
    }
}

fn write_node(s: &mut String, node: &Node, depth: usize, tag: &str) -> std::fmt::Result {
    let pad = " ".repeat(depth);
    let mark = |h: bool| if h { "✓" } else { "✗" };
    match node {
        Node::Test { holds, says, .. } => writeln!(s, "{pad}{} {says}{tag}", mark(*holds)),
        Node::All { holds, children } | Node::Any { holds, children } => {
            let word = if matches!(node, Node::All { .. }) { "all of" } else { "any of" };
            writeln!(s, "{pad}{} {word}:{tag}", mark(*holds))?;
            for c in children {
                write_node(s, c, depth + 4, "")?;
            }
            Ok(())
        }
        Node::Not { holds, child } => {
            writeln!(s, "{pad}{} not:{tag}", mark(*holds))?;
            write_node(s, child, depth + 4, "")
        }
    }
}

fn write_gap(s: &mut String, g: &Gap, depth: usize) -> std::fmt::Result {
    let pad = " ".repeat(depth);
    if g.any_of.is_empty() {
        return writeln!(s, "{pad}- {}", g.change);
    }
    writeln!(s, "{pad}- any one of:")?;
    for (i, option) in g.any_of.iter().enumerate() {
        let letter = char::from(b'a' + (i % 26) as u8);
        match option.as_slice() {
            [one] if one.any_of.is_empty() => writeln!(s, "{pad}    {letter}) {}", one.change)?,
            _ => {
                writeln!(s, "{pad}    {letter}) all of:")?;
                for g in option {
                    write_gap(s, g, depth + 7)?;
                }
            }
        }
    }
    Ok(())
}

/// A borderless table for the text reports (CJK-aware column widths).
pub fn plain_table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(header.iter().copied());
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    t
}

/// Indents every line, and drops trailing spaces.
pub fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines().map(|l| format!("{pad}{}", l.trim_end())).collect::<Vec<_>>().join("\n")
}

/// Reads the employee file and the long-form scores an `InputArgs` names.
pub fn read_inputs(args: &crate::cli::InputArgs) -> anyhow::Result<(crate::input::records::Input, Option<crate::input::records::Input>)> {
    let input = crate::input::records::read_input_from(&args.employees, args.encoding, args.sheet.as_deref())?;
    let scores = args.scores.as_deref().map(|s| crate::input::records::read_input(s, args.encoding)).transpose()?;
    Ok((input, scores))
}

/// `ladder explain`.
pub fn run(args: crate::cli::ExplainArgs) -> anyhow::Result<u8> {
    use crate::cli::exit;
    let scheme = crate::cli::load(&args.input.scheme)?;
    let as_of = args.input.as_of.unwrap_or_else(crate::cli::today);
    let (input, scores) = read_inputs(&args.input)?;
    let evaluation = crate::batch::memory::evaluate_with(&scheme, &input, scores.as_ref(), as_of, args.input.header_row)?;
    for note in &evaluation.notes {
        eprintln!("note: {note}");
    }
    for w in &evaluation.warnings {
        eprintln!("warning: {w}");
    }
    let Some(index) = find(&evaluation, &args.id) else {
        eprintln!("error: {}", crate::cmd::what_if::unknown_id(&evaluation, &args.id, &input.display));
        return Ok(exit::UNUSABLE);
    };
    let explanation = explain(&evaluation, index);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    explanation.write(args.format, &mut out)?;
    out.flush()?;
    Ok(if explanation.record.status == Status::Error { exit::ROW_ERRORS } else { exit::OK })
}

/// The rank cohort of a row for reading: its grade under the default
/// cohort, else each `cohort:` field with the row's value.
fn cohort_label(evaluation: &Evaluation, row: &crate::input::records::Row) -> String {
    let scheme = evaluation.scheme;
    let grade = row.grade.map(|g| scheme.grade(g).id.clone()).unwrap_or_default();
    if scheme.cohort.at.is_none() {
        return grade;
    }
    let parts: Vec<String> = scheme
        .cohort
        .fields
        .iter()
        .map(|f| match f {
            crate::scheme::CohortField::Reserved(crate::rule::Reserved::Grade) => format!("grade {grade}"),
            crate::scheme::CohortField::Reserved(crate::rule::Reserved::Sequence) => {
                format!("sequence {}", row.grade.map(|g| scheme.sequences[g.sequence].id.as_str()).unwrap_or_default())
            }
            crate::scheme::CohortField::Reserved(crate::rule::Reserved::Position) => {
                format!("position {}", row.position.map(|p| scheme.positions[p].id.as_str()).unwrap_or_default())
            }
            crate::scheme::CohortField::Reserved(r) => {
                let col = evaluation.layout.reserved.get(r).copied();
                format!("{} {}", r.name(), col.map_or("", |c| row.cell(c)))
            }
            crate::scheme::CohortField::Column(id) => {
                let col = evaluation.layout.facts.get(*id).copied().flatten();
                let value = col.map_or("", |c| row.cell(c));
                format!("{} {}", scheme.column_facts.names[*id], if value.is_empty() { "(blank)" } else { value })
            }
        })
        .collect();
    if parts.is_empty() {
        "the whole file".into()
    } else {
        format!("the cohort {}", parts.join(", "))
    }
}
