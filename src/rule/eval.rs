//! Evaluating rules against one employee: every test records what it found,
//! so a decision can always say what was required and what was there.

use crate::calendar::{parse_date, whole_months, whole_years, Period};
use crate::figures::{Figures, Standing};
use crate::input::records::{Layout, Row};
use crate::input::value::{parse_bool, parse_number};
pub use crate::rule::found::Found;
use crate::rule::words::Words;
use crate::rule::{Check, Computed, FactRef, Op, Reserved, Rule, Subject, Test, TestValue};
use crate::scheme::Scheme;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;

/// Everything a rule can look at for one employee.
pub struct Env<'a> {
    pub scheme: &'a Scheme,
    pub layout: &'a Layout,
    pub row: &'a Row,
    pub figures: &'a Figures,
    /// The place in the rank cohort (rank_pct, rank, cohort_size,
    /// calibrated_band), or that it is not known yet.
    pub standing: Ranking<'a>,
    /// The date time facts are measured to (the as-of date, or a later one for eligible_on).
    pub time_as_of: NaiveDate,
    /// The words the texts of the decision are written in.
    pub words: &'a Words,
}

/// How much is known of an employee's place in the rank cohort.
#[derive(Debug, Clone, Copy)]
pub enum Ranking<'a> {
    /// The standing (None: not ranked, in error or without a composite).
    Known(Option<Standing>),
    /// Not known yet: pass 1 of a batch asks a verdict before every
    /// composite is counted. Reading the standing sets the flag, and a
    /// verdict that did must be asked again once the ranks are known; one
    /// that did not is the same whatever they turn out to be.
    NotYet(&'a Cell<bool>),
}

impl Ranking<'_> {
    /// The standing as far as it is known; reading it is noted.
    fn get(self) -> Option<Standing> {
        match self {
            Ranking::Known(standing) => standing,
            Ranking::NotYet(read) => {
                read.set(true);
                None
            }
        }
    }
}

/// The outcome of a rule, node by node.
#[derive(Debug, Clone)]
pub enum Trace<'r> {
    All { holds: bool, children: Vec<Trace<'r>> },
    Any { holds: bool, children: Vec<Trace<'r>> },
    Not { holds: bool, child: Box<Trace<'r>> },
    Test { holds: bool, test: &'r Test, found: Found },
}

impl Trace<'_> {
    pub fn holds(&self) -> bool {
        match self {
            Trace::All { holds, .. } | Trace::Any { holds, .. } | Trace::Not { holds, .. } | Trace::Test { holds, .. } => *holds,
        }
    }

    /// The node as one line: `months_in_grade >= 12 (found 10)`.
    pub fn describe(&self, scheme: &Scheme) -> String {
        self.describe_in(scheme, Words::english())
    }

    /// [`Trace::describe`] in `words`: `任职月数 >= 12 (实际 10)`.
    pub fn describe_in(&self, scheme: &Scheme, words: &Words) -> String {
        text(|out| write_description(&TraceTexts { trace: self, scheme, words }, out))
    }

    /// What held, as one line: only the holding parts of an `any`.
    pub fn success(&self, scheme: &Scheme) -> String {
        self.success_in(scheme, Words::english())
    }

    /// [`Trace::success`] in `words`.
    pub fn success_in(&self, scheme: &Scheme, words: &Words) -> String {
        text(|out| write_success(&TraceTexts { trace: self, scheme, words }, out))
    }

    /// What failed, as one line: only the failing parts of an `all`.
    pub fn failure(&self, scheme: &Scheme) -> String {
        self.failure_in(scheme, Words::english())
    }

    /// [`Trace::failure`] in `words`.
    pub fn failure_in(&self, scheme: &Scheme, words: &Words) -> String {
        text(|out| write_failure(&TraceTexts { trace: self, scheme, words }, out))
    }
}

fn text(write: impl FnOnce(&mut String)) -> String {
    let mut text = String::new();
    write(&mut text);
    text
}

/// The shape of a rule's node, for its texts.
#[derive(Clone, Copy)]
enum Branch {
    All,
    Any,
    Not,
}

/// What a rule's texts are written from: its trace (`explain`), or the
/// rule itself, evaluated part by part as its text is written (a batch
/// writes about three unmet texts a row and needs no trace). One grammar,
/// below, serves both.
trait Texts: Sized {
    fn holds(&self) -> bool;
    /// The vocabulary the grammar's words come from.
    fn words(&self) -> &Words;
    /// `all`, `any` or `not` and its parts; None for a test.
    fn branch(&self) -> Option<(Branch, impl Iterator<Item = Self> + Clone)>;
    /// A test and what it found: `months_in_grade >= 12 (found 10)`.
    fn write_test(&self, out: &mut String);
}

/// The node as one line, every part of it.
fn write_description<T: Texts>(node: &T, out: &mut String) {
    match node.branch() {
        None => node.write_test(out),
        Some((Branch::All, parts)) => write_joined(node.words().all_of(), parts, out, write_description),
        Some((Branch::Any, parts)) => write_joined(node.words().any_of(), parts, out, write_description),
        Some((Branch::Not, parts)) => {
            out.push_str(node.words().not());
            parts.for_each(|part| write_description(&part, out));
        }
    }
}

/// What failed: only the failing parts of an `all` (the one itself when
/// only one fails).
fn write_failure<T: Texts>(node: &T, out: &mut String) {
    match node.branch() {
        Some((Branch::All, parts)) => {
            let failing = parts.filter(|part| !part.holds());
            match failing.clone().count() {
                1 => failing.for_each(|part| write_failure(&part, out)),
                _ => write_joined(node.words().all_of(), failing, out, write_failure),
            }
        }
        Some((Branch::Any, parts)) => write_joined(node.words().any_of(), parts, out, write_failure),
        _ => write_description(node, out),
    }
}

/// What held: only the holding parts of an `any` (the one itself when only
/// one holds).
fn write_success<T: Texts>(node: &T, out: &mut String) {
    match node.branch() {
        Some((Branch::Any, parts)) => {
            let holding = parts.filter(Texts::holds);
            match holding.clone().count() {
                1 => holding.for_each(|part| write_success(&part, out)),
                _ => write_joined(node.words().any_of(), holding, out, write_success),
            }
        }
        Some((Branch::All, parts)) => write_joined(node.words().all_of(), parts, out, write_success),
        _ => write_description(node, out),
    }
}

/// `open`, each part written by `write` with `separator` between them, then `)`.
fn write_joined<T>((open, separator): (&str, &str), parts: impl Iterator<Item = T>, out: &mut String, write: fn(&T, &mut String)) {
    out.push_str(open);
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        write(&part, out);
    }
    out.push(')');
}

/// `months_in_grade >= 12 (found 10)`, `任职月数 >= 12 (实际 10)`.
fn write_test(test: &Test, found: &Found, scheme: &Scheme, words: &Words, out: &mut String) {
    words.write_test(test, scheme, out);
    out.push_str(" (");
    words.write_found(found, Some(test), scheme, out);
    out.push(')');
}

/// A trace, with the scheme its texts name things by and their words.
struct TraceTexts<'t, 'r> {
    trace: &'t Trace<'r>,
    scheme: &'t Scheme,
    words: &'t Words,
}

impl Texts for TraceTexts<'_, '_> {
    fn holds(&self) -> bool {
        self.trace.holds()
    }

    fn words(&self) -> &Words {
        self.words
    }

    fn branch(&self) -> Option<(Branch, impl Iterator<Item = Self> + Clone)> {
        let (branch, parts) = match self.trace {
            Trace::All { children, .. } => (Branch::All, children.as_slice()),
            Trace::Any { children, .. } => (Branch::Any, children.as_slice()),
            Trace::Not { child, .. } => (Branch::Not, std::slice::from_ref(&**child)),
            Trace::Test { .. } => return None,
        };
        let (scheme, words) = (self.scheme, self.words);
        Some((branch, parts.iter().map(move |trace| TraceTexts { trace, scheme, words })))
    }

    fn write_test(&self, out: &mut String) {
        if let Trace::Test { test, found, .. } = self.trace {
            write_test(test, found, self.scheme, self.words, out);
        }
    }
}

/// A rule, evaluated for one employee as its text is written.
struct RuleTexts<'e, 'a, 'r> {
    env: &'e Env<'a>,
    rule: &'r Rule,
}

impl Texts for RuleTexts<'_, '_, '_> {
    fn holds(&self) -> bool {
        self.env.holds(self.rule)
    }

    fn words(&self) -> &Words {
        self.env.words
    }

    fn branch(&self) -> Option<(Branch, impl Iterator<Item = Self> + Clone)> {
        let (branch, parts) = match self.rule {
            Rule::All(rules) => (Branch::All, rules.as_slice()),
            Rule::Any(rules) => (Branch::Any, rules.as_slice()),
            Rule::Not(rule) => (Branch::Not, std::slice::from_ref(&**rule)),
            Rule::Test(_) => return None,
        };
        let env = self.env;
        Some((branch, parts.iter().map(move |rule| RuleTexts { env, rule })))
    }

    fn write_test(&self, out: &mut String) {
        if let Rule::Test(test) = self.rule {
            write_test(test, &self.env.test(test).1, self.env.scheme, self.env.words, out);
        }
    }
}

impl Env<'_> {
    /// [`Trace::describe`] of `rule`, appended to `out` without building the
    /// trace (its nodes, their lists and a string for each part).
    pub fn write_description(&self, rule: &Rule, out: &mut String) {
        write_description(&RuleTexts { env: self, rule }, out);
    }

    /// [`Trace::failure`] of `rule`, appended to `out` the same way.
    pub fn write_failure(&self, rule: &Rule, out: &mut String) {
        write_failure(&RuleTexts { env: self, rule }, out);
    }

    /// [`Trace::success`] of `rule`, appended to `out` the same way.
    pub fn write_success(&self, rule: &Rule, out: &mut String) {
        write_success(&RuleTexts { env: self, rule }, out);
    }

    pub fn eval<'r>(&self, rule: &'r Rule) -> Trace<'r> {
        match rule {
            Rule::All(rules) => {
                let children: Vec<Trace> = rules.iter().map(|r| self.eval(r)).collect();
                Trace::All { holds: children.iter().all(Trace::holds), children }
            }
            Rule::Any(rules) => {
                let children: Vec<Trace> = rules.iter().map(|r| self.eval(r)).collect();
                Trace::Any { holds: children.iter().any(Trace::holds), children }
            }
            Rule::Not(rule) => {
                let child = self.eval(rule);
                Trace::Not { holds: !child.holds(), child: Box::new(child) }
            }
            Rule::Test(test) => {
                let (holds, found) = self.test(test);
                Trace::Test { holds, test, found }
            }
        }
    }

    /// Just the truth of a rule.
    pub fn holds(&self, rule: &Rule) -> bool {
        match rule {
            Rule::All(rules) => rules.iter().all(|r| self.holds(r)),
            Rule::Any(rules) => rules.iter().any(|r| self.holds(r)),
            Rule::Not(rule) => !self.holds(rule),
            Rule::Test(test) => self.test_holds(test),
        }
    }

    /// Just the truth of a test. What was found is only built where that
    /// does not allocate: a streak's quarters and a scale level's text are
    /// not needed to know whether the test holds (most tests of most
    /// employees are only asked that).
    fn test_holds(&self, test: &Test) -> bool {
        match &test.subject {
            Subject::Streak { quarters } => {
                let qs = &self.figures.quarters;
                qs.len() >= *quarters
                    && qs[qs.len() - quarters..].iter().all(|q| q.score.is_some_and(|s| test.checks.iter().all(|c| compare_number(s, c))))
            }
            Subject::Fact(FactRef::Column { id, scale: Some(scale) })
                if test.checks.iter().all(|c| matches!(c.value, TestValue::Level(..))) =>
            {
                let text = self.column_text(*id);
                let level = self.scheme.ordinal_scales[*scale].1.iter().position(|x| x == text);
                match level {
                    // The level's text is only shown, never compared.
                    Some(i) if !text.is_empty() => test.checks.iter().all(|c| passes(&Found::Level(i, String::new()), c)),
                    _ => test.checks.is_empty(),
                }
            }
            // The usual tests (a figure, a number or yes/no cell) read
            // straight from the figures or the cell, compared the shared
            // way; anything else through `read`.
            Subject::Fact(fact) => test.checks.iter().all(|check| {
                // A text compared where it lies, without the copy `read`
                // makes of it (`position is engineer`: two tests a technical row).
                if let TestValue::Text(required) = &check.value {
                    if let Some(text) = self.text_of(fact) {
                        // Missing ("") passes no check.
                        return check.op == Op::Is && !text.is_empty() && text == required;
                    }
                }
                let number = match (&check.value, fact) {
                    (TestValue::Number(_), FactRef::Computed(c)) if !c.is_band() => self.computed_number(*c),
                    (TestValue::Number(_), FactRef::Column { id, .. }) => parse_number(self.column_text(*id)),
                    (TestValue::Bool(_), FactRef::Column { id, .. }) => {
                        return parse_bool(self.column_text(*id)).is_some_and(|b| passes(&Found::Bool(b), check))
                    }
                    _ => return passes(&self.read(fact, &check.value), check),
                };
                // None: a blank or unreadable cell, or a figure without a value.
                number.is_some_and(|n| compare_number(n, check))
            }),
            Subject::MonthsSince(_) => self.test(test).0,
        }
    }

    /// A computed fact that is a number (every one but `band`); None when it has no value.
    fn computed_number(&self, c: Computed) -> Option<Decimal> {
        let f = self.figures;
        let count = |n: usize| Some(Decimal::from(n));
        match c {
            Computed::Kpi => f.kpi,
            Computed::KpiQuarters => count(f.kpi_quarters),
            Computed::KpiMin => f.kpi_min,
            Computed::Competency => f.competency,
            Computed::CompetencyHalves => count(f.competency_halves),
            Computed::CompetencyPct => f.competency_pct,
            Computed::Composite => f.composite,
            Computed::Band | Computed::CalibratedBand => None,
            Computed::RankPct => self.standing.get().map(|s| s.rank_pct),
            Computed::Rank => self.standing.get().and_then(|s| count(s.rank)),
            Computed::CohortSize => self.standing.get().and_then(|s| count(s.cohort_size)),
            Computed::MonthsInGrade => self.row.grade_date.and_then(|d| count(whole_months(d, self.time_as_of) as usize)),
            Computed::MonthsInCompany => self.row.hire_date.and_then(|d| count(whole_months(d, self.time_as_of) as usize)),
            Computed::Age => self.row.birth_date.and_then(|d| count(whole_years(d, self.time_as_of) as usize)),
        }
    }

    fn test(&self, test: &Test) -> (bool, Found) {
        match &test.subject {
            Subject::Streak { quarters } => {
                let qs = &self.figures.quarters;
                let start = qs.len().saturating_sub(*quarters);
                let seen: Vec<(Period, Option<Decimal>)> = qs[start..].iter().map(|q| (q.period, q.score)).collect();
                let holds = seen.len() == *quarters
                    && seen.iter().all(|(_, s)| s.is_some_and(|s| test.checks.iter().all(|c| compare_number(s, c))));
                (holds, Found::Quarters(seen))
            }
            Subject::MonthsSince(fact) => {
                let found = match self.date_of(fact) {
                    Found::Date(d) => Found::Number(Decimal::from(whole_months(d, self.time_as_of))),
                    other => other,
                };
                let holds = matches!(found, Found::Number(n) if test.checks.iter().all(|c| compare_number(n, c)));
                (holds, found)
            }
            Subject::Fact(fact) => {
                let mut first_found = None;
                let mut holds = true;
                for check in &test.checks {
                    let found = self.read(fact, &check.value);
                    let ok = passes(&found, check);
                    if !ok && holds {
                        holds = false;
                        first_found = Some(found);
                    } else if first_found.is_none() {
                        first_found = Some(found);
                    }
                }
                (holds, first_found.unwrap_or(Found::Missing))
            }
        }
    }

    fn date_of(&self, fact: &FactRef) -> Found {
        let text = match fact {
            FactRef::Reserved(Reserved::HireDate) => return self.row.hire_date.map_or(Found::Missing, Found::Date),
            FactRef::Reserved(Reserved::GradeDate) => return self.row.grade_date.map_or(Found::Missing, Found::Date),
            FactRef::Reserved(Reserved::BirthDate) => return self.row.birth_date.map_or(Found::Missing, Found::Date),
            FactRef::Column { id, .. } => self.column_text(*id),
            _ => return Found::Missing,
        };
        if text.is_empty() {
            Found::Missing
        } else {
            parse_date(text).map_or_else(|| Found::Unreadable(text.to_string(), "a date"), Found::Date)
        }
    }

    /// The text of a reserved text fact, or of a column, borrowed ("" for
    /// none): what `read` finds of it tested against a text, without the
    /// copy. None for any other fact.
    fn text_of(&self, fact: &FactRef) -> Option<&str> {
        let text = match fact {
            FactRef::Reserved(Reserved::Id) => &self.row.id,
            FactRef::Reserved(Reserved::Name) => &self.row.name,
            FactRef::Reserved(Reserved::Position) => self.row.position.map_or("", |p| self.scheme.positions[p].id.as_str()),
            FactRef::Reserved(Reserved::Sequence) => {
                // Under placement, no grade is read.
                self.row.grade.map(|g| g.sequence).or(self.row.sequence).map_or("", |s| self.scheme.sequences[s].id.as_str())
            }
            FactRef::Reserved(Reserved::Grade) => self.row.grade.map_or("", |g| self.scheme.grade(g).id.as_str()),
            FactRef::Column { id, .. } => self.column_text(*id),
            _ => return None,
        };
        Some(text)
    }

    fn column_text(&self, id: usize) -> &str {
        self.layout.facts.get(id).copied().flatten().map_or("", |c| self.row.cell(c))
    }

    /// Reads a fact as the kind of the value it is tested against.
    fn read(&self, fact: &FactRef, against: &TestValue) -> Found {
        let f = self.figures;
        let number = |n: Option<Decimal>| n.map_or(Found::Missing, Found::Number);
        match fact {
            FactRef::Computed(Computed::Band) => f.band.map_or(Found::Missing, Found::Band),
            FactRef::Computed(Computed::CalibratedBand) => {
                self.standing.get().and_then(|s| s.calibrated_band).map_or(Found::Missing, Found::Band)
            }
            FactRef::Computed(c) => self.computed_number(*c).map_or(Found::Missing, Found::Number),
            FactRef::KpiItem(item) => {
                let position = self.row.position.map(|p| &self.scheme.positions[p]);
                let index = position.and_then(|p| p.kpis.iter().position(|k| k.id == *item));
                number(index.and_then(|i| f.item_means.get(i).copied().flatten()))
            }
            FactRef::CompetencyGroup(group) => {
                let position = self.row.position.map(|p| &self.scheme.positions[p]);
                let index = position.and_then(|p| p.groups.iter().position(|g| g.id == *group));
                number(index.and_then(|i| f.group_means.get(i).copied().flatten()))
            }
            FactRef::Reserved(r) => match r {
                Reserved::HireDate | Reserved::GradeDate | Reserved::BirthDate => self.date_of(fact),
                Reserved::Id | Reserved::Name | Reserved::Position | Reserved::Sequence | Reserved::Grade => {
                    text_or_missing(self.text_of(fact).unwrap_or_default())
                }
            },
            FactRef::Column { id, scale } => {
                let text = self.column_text(*id);
                if text.is_empty() {
                    return Found::Missing;
                }
                match against {
                    TestValue::Number(_) => parse_number(text).map_or_else(|| Found::Unreadable(text.into(), "a number"), Found::Number),
                    TestValue::Bool(_) => parse_bool(text).map_or_else(|| Found::Unreadable(text.into(), "yes/no"), Found::Bool),
                    TestValue::Date(_) => parse_date(text).map_or_else(|| Found::Unreadable(text.into(), "a date"), Found::Date),
                    TestValue::Level(..) => {
                        let levels = scale.map(|s| &self.scheme.ordinal_scales[s].1);
                        match levels.and_then(|l| l.iter().position(|x| x == text)) {
                            Some(i) => Found::Level(i, text.to_string()),
                            None => Found::Unreadable(text.into(), "a level of its scale"),
                        }
                    }
                    TestValue::Band(..) | TestValue::Text(_) => Found::Text(text.to_string()),
                }
            }
        }
    }
}

fn text_or_missing(text: &str) -> Found {
    if text.is_empty() {
        Found::Missing
    } else {
        Found::Text(text.to_string())
    }
}

fn compare_number(found: Decimal, check: &Check) -> bool {
    match check.value {
        TestValue::Number(required) => check.op.accepts(crate::exact::compare(found, required)),
        _ => false,
    }
}

/// Does what was found pass the check? A missing or unreadable value never does.
pub fn passes(found: &Found, check: &Check) -> bool {
    let ordering: Option<Ordering> = match (found, &check.value) {
        (Found::Number(f), TestValue::Number(r)) => Some(crate::exact::compare(*f, *r)),
        (Found::Bool(f), TestValue::Bool(r)) => return check.op == Op::Is && f == r,
        (Found::Date(f), TestValue::Date(r)) => Some(f.cmp(r)),
        (Found::Level(f, _), TestValue::Level(r, _)) => Some(f.cmp(r)),
        // Bands are listed best first: a smaller index is a better band.
        (Found::Band(f), TestValue::Band(r, _)) => Some(r.cmp(f)),
        (Found::Text(f), TestValue::Text(r)) => return check.op == Op::Is && f == r,
        _ => None,
    };
    ordering.is_some_and(|o| check.op.accepts(o))
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// Does the rule test a fact that moves with the calendar?
pub fn uses_time(rule: &Rule) -> bool {
    let mut found = false;
    rule.for_each_test(&mut |t| {
        found |= matches!(t.subject, Subject::MonthsSince(_)) || matches!(&t.subject, Subject::Fact(FactRef::Computed(c)) if c.is_time());
    });
    found
}

/// The date a time test's fact counts from (None: no time fact, or no date).
pub fn time_base(t: &Test, env: &Env) -> Option<NaiveDate> {
    match &t.subject {
        Subject::Fact(FactRef::Computed(Computed::MonthsInGrade)) => env.row.grade_date,
        Subject::Fact(FactRef::Computed(Computed::MonthsInCompany)) => env.row.hire_date,
        Subject::Fact(FactRef::Computed(Computed::Age)) => env.row.birth_date,
        Subject::MonthsSince(f) => match env.date_of(f) {
            Found::Date(d) => Some(d),
            _ => None,
        },
        _ => None,
    }
}

/// The dates on which the rule's time facts can change, for eligible_on.
pub fn time_bases(rule: &Rule, env: &Env) -> Vec<NaiveDate> {
    let mut bases = Vec::new();
    rule.for_each_test(&mut |t| {
        if let Some(d) = time_base(t, env) {
            if !bases.contains(&d) {
                bases.push(d);
            }
        }
    });
    bases
}
