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

mod gaps;
mod json;
mod text;

use gaps::{ordinal, GapContext};

use super::{date_value, indent, meta_value, opt_text, plain_table, write_detail, DetailFormat};
use crate::batch::cohorts::rank_pct;
use crate::batch::memory::{Evaluation, Outcome};
use crate::calendar::{add_months, parse_date, whole_months, whole_years};
use crate::decision::Status;
use crate::exact::{format_figure, format_figure_fixed, Exact};
use crate::report::json::{decimal_value, figure_value};
use crate::report::ResultRecord;
use crate::rule::eval::{passes, Env, Found, Trace};
use crate::rule::words::{Lang, Words};
use crate::rule::{Check, Computed, FactRef, Op, Reserved, Rule, Subject, Test, TestValue};
use crate::scheme::{GradeRef, Scheme, Scoring};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

/// Everything behind one employee's decision.
pub struct Explanation<'e> {
    pub evaluation: &'e Evaluation<'e>,
    pub index: usize,
    /// The employee's row in the file, as the quota allocation numbers rows
    /// (`index` in an evaluation of every row; a scanned file's differs).
    pub quota_row: u64,
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
    /// Under `--placement`: the rule of the grade the employee is placed at.
    Placed,
}

impl RuleKind {
    fn as_str(self) -> &'static str {
        match self {
            RuleKind::NextGrade => "next_grade",
            RuleKind::Bridge => "bridge",
            RuleKind::Demotion => "demotion",
            RuleKind::Placed => "placed_grade",
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
    /// The node of a trace; its tests say what they found in `words`.
    fn from_trace(scheme: &Scheme, words: &Words, t: &Trace) -> Node {
        match t {
            Trace::All { holds, children } => {
                Node::All { holds: *holds, children: children.iter().map(|c| Node::from_trace(scheme, words, c)).collect() }
            }
            Trace::Any { holds, children } => {
                Node::Any { holds: *holds, children: children.iter().map(|c| Node::from_trace(scheme, words, c)).collect() }
            }
            Trace::Not { holds, child } => Node::Not { holds: *holds, child: Box::new(Node::from_trace(scheme, words, child)) },
            Trace::Test { holds, test, found } => {
                Node::Test { holds: *holds, test: (*test).clone(), found: found.clone(), says: t.describe_in(scheme, words) }
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

/// Explains the employee at `index` of the evaluation.
pub fn explain<'e>(evaluation: &'e Evaluation<'e>, index: usize) -> Explanation<'e> {
    explain_among(evaluation, index, cohort_others(evaluation, index))
}

/// [`explain`], given the composites of the other members of the employee's
/// rank cohort, highest first: a streamed file keeps only those, not their rows.
pub fn explain_among<'e>(evaluation: &'e Evaluation<'e>, index: usize, others: Vec<Decimal>) -> Explanation<'e> {
    let scheme = evaluation.scheme;
    let outcome = &evaluation.outcomes[index];
    let record = ResultRecord::new(scheme, outcome);
    let mut explanation = Explanation {
        evaluation,
        index,
        quota_row: index as u64,
        record,
        quarters: Vec::new(),
        halves: Vec::new(),
        rank: None,
        rules: Vec::new(),
    };
    // Under placement (SPEC §8.3) the rules are those of the placed grade and the one above it.
    let placing = evaluation.layout.placement.is_some();
    let grade = if placing { outcome.decision.recommended } else { outcome.row.grade };
    let (Some(figures), Some(position), Some(grade)) = (outcome.figures.as_ref(), outcome.row.position, grade) else {
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
        let higher = others.iter().filter(|x| **x > c).count();
        let tied = others.iter().filter(|x| **x == c).count();
        explanation.rank = Some(Rank { position: higher + 1, cohort: others.len() + 1, tied });
    }
    if let Some(env) = evaluation.env(outcome, evaluation.periods.as_of) {
        let ctx = GapContext { env: &env, others };
        if placing && grade.index > 0 {
            let own = scheme.grade(grade).requires.as_ref();
            explanation.rules.push(rule_view(&ctx, RuleKind::Placed, Some(grade), None, own, scheme.requires.as_ref()));
        }
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
        // Placement uses no bridge and no demotion.
        if placing {
            return explanation;
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
        let g = scheme.grade(grade);
        let own_demotion = g.demotion.as_ref();
        // An exempt grade (`scheme_demotion: false`) is judged by its own demotion only.
        let wide_demotion = scheme.demotion.as_ref().filter(|_| g.scheme_demotion);
        if wide_demotion.is_some() || own_demotion.is_some() {
            explanation.rules.push(rule_view(&ctx, RuleKind::Demotion, g.demotion_to, None, own_demotion, wide_demotion));
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
                    parts.push((origin, Node::from_trace(scheme, ctx.env.words, &c)));
                    traces.push(c);
                }
            }
            other => {
                parts.push((origin, Node::from_trace(scheme, ctx.env.words, &other)));
                traces.push(other);
            }
        }
    }
    let holds = if kind == RuleKind::Demotion { parts.iter().any(|(_, n)| n.holds()) } else { parts.iter().all(|(_, n)| n.holds()) };
    let changes = if kind == RuleKind::Demotion || holds { Vec::new() } else { traces.iter().flat_map(|t| gaps::gaps(ctx, t)).collect() };
    RuleView { kind, to, title, holds, parts, changes }
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

    pub fn write(&self, format: DetailFormat, out: &mut dyn Write) -> std::io::Result<()> {
        write_detail(format, out, || self.to_json(), |s| self.text(s))
    }
}
