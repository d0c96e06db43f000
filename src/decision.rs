//! The decision of SPEC §5 for one employee: demote, promote (next grade or
//! bridge), hold or top, with every unmet test, the alternatives, and the
//! date on which time alone would make the employee eligible.

use crate::calendar::{add_months, whole_months};
use crate::rule::eval::{time_bases, uses_time, Env};
use crate::rule::{FactRef, Rule, Subject};
use crate::scheme::GradeRef;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Promote,
    Hold,
    Top,
    Demote,
    Error,
    /// Placed by `--placement` (SPEC §8.3), not promoted.
    Place,
}

impl Status {
    /// The statuses of an ordinary evaluation, in the summary's order.
    pub const ALL: [Status; 5] = [Status::Promote, Status::Hold, Status::Top, Status::Demote, Status::Error];
    /// Every status, `place` (only under `--placement`) last.
    pub const EVERY: [Status; 6] = [Status::Promote, Status::Hold, Status::Top, Status::Demote, Status::Error, Status::Place];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Promote => "promote",
            Status::Hold => "hold",
            Status::Top => "top",
            Status::Demote => "demote",
            Status::Error => "error",
            Status::Place => "place",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Decision {
    pub status: Status,
    pub recommended: Option<GradeRef>,
    pub next: Option<GradeRef>,
    pub eligible_on: Option<NaiveDate>,
    pub unmet: Vec<String>,
    pub alternatives: Vec<GradeRef>,
    /// The promotion goes over a bridge rather than to the next grade.
    pub via_bridge: bool,
    /// The demotion tests that held, when the status is `demote`.
    pub demoted_by: Vec<String>,
    /// The candidate's place in the quota order (SPEC §8.4); None without quotas or when not promoted.
    pub quota_position: Option<usize>,
}

impl Decision {
    pub fn error() -> Decision {
        Decision {
            status: Status::Error,
            recommended: None,
            next: None,
            eligible_on: None,
            unmet: Vec::new(),
            alternatives: Vec::new(),
            via_bridge: false,
            demoted_by: Vec::new(),
            quota_position: None,
        }
    }

    /// What the quota queue reads of this decision.
    pub fn verdict(&self) -> Verdict {
        let mut options = Vec::new();
        if self.status == Status::Promote {
            // SPEC §5's order: the next grade when its rule held, then the bridges that hold.
            if !self.via_bridge {
                options.extend(self.recommended);
            }
            options.extend(self.alternatives.iter().copied());
        }
        Verdict { status: self.status, options }
    }
}

/// What the quota queue (SPEC §8.4) needs of a decision: its status and,
/// when it promotes, its options in SPEC §5's order (the next grade when
/// its rule held, then the bridges whose rules hold, in scheme order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    pub options: Vec<GradeRef>,
}

/// How far ahead eligible_on looks (SPEC §5: 20 years).
const HORIZON_MONTHS: u32 = 240;

/// Bytes first set aside for the text of an unmet test (most fit).
const UNMET_TEXT: usize = 96;

/// The parts of the rule to enter `grade`: its own `requires`, then the scheme-wide one.
pub fn entry_rule<'s>(env: &Env<'s>, own: Option<&'s Rule>) -> impl Iterator<Item = &'s Rule> + Clone {
    own.into_iter().chain(env.scheme.requires.as_ref())
}

/// What fails of rule parts, one line each: a top-level `all` is reported
/// child by child, and only failing parts are evaluated for their texts.
/// Also whether every failing part tests a time fact: when one does not, it
/// fails whatever the date, so there is no eligible_on to look for (most
/// employees on hold).
fn unmet<'r>(env: &Env, parts: impl Iterator<Item = &'r Rule>) -> (Vec<String>, bool) {
    let mut unmet = Vec::new();
    let mut only_time_fails = true;
    let mut report = |rule: &Rule| {
        if !env.holds(rule) {
            // Room for the usual text: growing it step by step cost more than writing it.
            let mut text = String::with_capacity(UNMET_TEXT);
            env.write_failure(rule, &mut text);
            unmet.push(text);
            only_time_fails &= uses_time(rule);
        }
    };
    for part in parts {
        match part {
            Rule::All(children) => children.iter().for_each(&mut report),
            other => report(other),
        }
    }
    (unmet, only_time_fails)
}

/// The unmet line of a grade no rule promotes into.
pub fn decided_by_text(body: &str) -> String {
    crate::rule::words::Words::english().decided_by(body)
}

/// What fails of entering grade `target`: its `decided_by` first, then the
/// failing tests of its rule; and whether only time facts fail.
fn unmet_for(env: &Env, target: GradeRef, own: Option<&Rule>) -> (Vec<String>, bool) {
    let (mut unmet, only_time_fails) = unmet(env, entry_rule(env, own));
    match &env.scheme.grade(target).decided_by {
        // Time cannot open a grade the board decides: no eligible_on.
        Some(body) => {
            unmet.insert(0, env.words.decided_by(body));
            (unmet, false)
        }
        None => (unmet, only_time_fails),
    }
}

/// The targets of the bridges out of `grade` whose rules hold, in scheme
/// order. A bridge into a grade the board decides is never taken by rule.
fn bridges_that_hold<'e>(env: &'e Env, grade: GradeRef) -> impl Iterator<Item = GradeRef> + 'e {
    let scheme = env.scheme;
    scheme
        .bridges_from(grade)
        .filter(move |b| scheme.reachable_by_rule(b.to) && entry_rule(env, b.requires.as_ref()).all(|r| env.holds(r)))
        .map(|b| b.to)
}

pub fn decide(env: &Env, grade: GradeRef) -> Decision {
    let scheme = env.scheme;
    let next = scheme.grade_above(grade);

    // A bridge into a grade the board decides is never taken by rule.
    let alternatives: Vec<GradeRef> = bridges_that_hold(env, grade).collect();

    // The next grade's rule holds exactly when none of its tests is unmet.
    let (next_holds, unmet, only_time_fails) = match next {
        Some(n) => {
            let (unmet, only_time_fails) = unmet_for(env, n, scheme.grade(n).requires.as_ref());
            (unmet.is_empty(), unmet, only_time_fails)
        }
        None => (false, Vec::new(), false),
    };

    // SPEC §8.1: the grade's own demotion sends to its target; the scheme-wide one to the grade below.
    let mut demoted_to = None;
    let mut demoted_by = Vec::new();
    for (rule, target, own) in scheme.demotions(grade) {
        if env.holds(rule) {
            if own || demoted_to.is_none() {
                demoted_to = Some(target);
            }
            let mut text = String::with_capacity(UNMET_TEXT);
            env.write_success(rule, &mut text); // what held, of the rules that hold
                                                // A grade's own rule may repeat the scheme-wide one only to name a target.
            if !demoted_by.contains(&text) {
                demoted_by.push(text);
            }
        }
    }
    let mut decision = Decision {
        status: Status::Hold,
        recommended: Some(grade),
        next,
        eligible_on: None,
        unmet,
        alternatives,
        via_bridge: false,
        demoted_by,
        quota_position: None,
    };
    if let Some(target) = demoted_to {
        decision.status = Status::Demote;
        decision.recommended = Some(target);
    } else if next_holds {
        decision.status = Status::Promote;
        decision.recommended = next;
        decision.unmet.clear();
    } else if let Some(first) = decision.alternatives.first() {
        decision.status = Status::Promote;
        decision.recommended = Some(*first);
        decision.via_bridge = true;
    } else if let Some(n) = next {
        if only_time_fails {
            decision.eligible_on = eligible_on(env, scheme.grade(n).requires.as_ref());
        }
    } else if scheme.bridges_from(grade).next().is_none() {
        decision.status = Status::Top;
    } else {
        // SPEC §5: a highest grade with a way out is `hold`; unmet says what
        // each bridge still needs, eligible_on when time alone opens one.
        for b in scheme.bridges_from(grade) {
            let (unmet, only_time_fails) = unmet_for(env, b.to, b.requires.as_ref());
            decision.unmet.extend(unmet.into_iter().map(|u| env.words.bridge_line(scheme, b.to, &u)));
            if only_time_fails {
                if let Some(d) = eligible_on(env, b.requires.as_ref()) {
                    decision.eligible_on = Some(decision.eligible_on.map_or(d, |e| e.min(d)));
                }
            }
        }
    }
    decision
}

/// [`decide`]'s verdict alone: the same rules asked only whether they hold,
/// without writing what failed or looking for eligible_on. The quota pass
/// decides every row once more for this alone (`decide(..).verdict()` is the
/// reference; a property test holds them equal).
pub fn verdict(env: &Env, grade: GradeRef) -> Verdict {
    let scheme = env.scheme;
    let verdict = |status, options| Verdict { status, options };
    if scheme.demotions(grade).any(|(rule, _, _)| env.holds(rule)) {
        return verdict(Status::Demote, Vec::new());
    }
    let next = scheme.grade_above(grade);
    // A grade the board decides is never entered by rule (its unmet has the `decided_by` line).
    let next_holds = next.filter(|n| {
        let target = scheme.grade(*n);
        target.decided_by.is_none() && entry_rule(env, target.requires.as_ref()).all(|r| env.holds(r))
    });
    let mut options: Vec<GradeRef> = next_holds.into_iter().collect();
    options.extend(bridges_that_hold(env, grade));
    if !options.is_empty() {
        verdict(Status::Promote, options)
    } else if next.is_none() && scheme.bridges_from(grade).next().is_none() {
        verdict(Status::Top, options)
    } else {
        verdict(Status::Hold, options)
    }
}

/// The placement of SPEC §8.3 in `sequence`: the highest grade whose own
/// `requires` (with the scheme-wide one) holds, each grade's rule alone
/// deciding (no stepping); the lowest grade needs nothing. A grade no rule
/// reaches (`decided_by`) is not placed into. No bridges, no demotion.
/// Against the grade above: its failing tests, and eligible_on as for `hold`.
pub fn place(env: &Env, sequence: usize) -> Decision {
    let scheme = env.scheme;
    let grades = scheme.sequences[sequence].grades.len();
    let grade = |index: usize| GradeRef { sequence, index };
    let placed = (1..grades)
        .rev()
        .map(grade)
        .find(|g| scheme.reachable_by_rule(*g) && entry_rule(env, scheme.grade(*g).requires.as_ref()).all(|r| env.holds(r)))
        .unwrap_or(grade(0));
    let next = scheme.grade_above(placed);
    let (unmet, eligible) = match next {
        Some(n) => {
            let requires = scheme.grade(n).requires.as_ref();
            let (unmet, only_time_fails) = unmet_for(env, n, requires);
            let eligible = if only_time_fails && !unmet.is_empty() { eligible_on(env, requires) } else { None };
            (unmet, eligible)
        }
        None => (Vec::new(), None),
    };
    Decision {
        status: Status::Place,
        recommended: Some(placed),
        next,
        eligible_on: eligible,
        unmet,
        alternatives: Vec::new(),
        via_bridge: false,
        demoted_by: Vec::new(),
        quota_position: None,
    }
}

/// The first date after the as-of date on which the entry rule would hold if
/// only the calendar moved on.
///
/// Only the dates at which some time test can change are tried: a time fact
/// moves one step at each month (or year) boundary from its base date, and a
/// test against a number `k` changes only where the fact reaches `⌊k⌋`, `⌈k⌉`
/// or one past them. With the first boundary after the as-of date (in case
/// the rule holds already) that is a subset of [`eligible_on_by_month`]'s
/// dates holding every date where the rule's truth can change, so the first
/// date that holds is the same; a time test against anything but a number
/// keeps every month of its base. A scheme whose anchors expand into
/// thousands of time tests so costs a few dates per test, not 240 months ×
/// every test.
pub fn eligible_on(env: &Env, own: Option<&Rule>) -> Option<NaiveDate> {
    let parts: Vec<&Rule> = entry_rule(env, own).collect();
    if !parts.iter().any(|r| uses_time(r)) {
        return None;
    }
    if parts.iter().any(|r| holds_regardless_of_time(env, r) == Some(false)) {
        return None;
    }
    let as_of = env.time_as_of;
    let limit = add_months(as_of, HORIZON_MONTHS)?;
    let mut dates: Vec<NaiveDate> = Vec::new();
    let mut every_month: Vec<NaiveDate> = Vec::new();
    let push = |base: NaiveDate, m: u32, dates: &mut Vec<NaiveDate>| {
        if let Some(d) = add_months(base, m).filter(|d| *d > as_of && *d <= limit) {
            dates.push(d);
        }
    };
    for part in &parts {
        for (base, steps) in time_steps(part, env) {
            // The first boundary after the as-of date.
            let first = whole_months(base, as_of);
            push(base, first, &mut dates);
            push(base, first + 1, &mut dates);
            match steps {
                Some(steps) => steps.into_iter().for_each(|m| push(base, m, &mut dates)),
                None if !every_month.contains(&base) => every_month.push(base),
                None => {}
            }
        }
    }
    for base in every_month {
        push_monthly(base, as_of, limit, &mut dates);
    }
    first_date_holding(dates, env, &parts)
}

/// For each time test of `rule`: its base date and the month counts from it
/// at which the test can change (None: any month, for a check against
/// something other than a number).
fn time_steps(rule: &Rule, env: &Env) -> Vec<(NaiveDate, Option<Vec<u32>>)> {
    use num_traits::ToPrimitive;
    let mut steps = Vec::new();
    rule.for_each_test(&mut |t| {
        let Some(base) = crate::rule::eval::time_base(t, env) else { return };
        let per = if matches!(t.subject, Subject::Fact(FactRef::Computed(crate::rule::Computed::Age))) { 12 } else { 1 };
        let mut months = Some(Vec::new());
        for check in &t.checks {
            match (&check.value, months.as_mut()) {
                (crate::rule::TestValue::Number(k), Some(months)) => {
                    let (low, high) = (k.floor().to_i64().unwrap_or(i64::MAX), k.ceil().to_i64().unwrap_or(i64::MAX));
                    for v in [low, high, low.saturating_add(1), high.saturating_add(1)] {
                        if let Some(m) = u32::try_from(v.max(0)).ok().and_then(|v| v.checked_mul(per)) {
                            months.push(m);
                        }
                    }
                }
                _ => months = None,
            }
        }
        steps.push((base, months));
    });
    steps
}

/// The reference for [`eligible_on`]: every month boundary of every base date
/// for 20 years, each tried in turn (the property tests hold the two equal).
pub fn eligible_on_by_month(env: &Env, own: Option<&Rule>) -> Option<NaiveDate> {
    let parts: Vec<&Rule> = entry_rule(env, own).collect();
    if !parts.iter().any(|r| uses_time(r)) {
        return None;
    }
    // Parts that do not move with time must already hold, or nothing will change.
    if parts.iter().any(|r| holds_regardless_of_time(env, r) == Some(false)) {
        return None;
    }
    let as_of = env.time_as_of;
    let limit = add_months(as_of, HORIZON_MONTHS)?;
    let mut dates: Vec<NaiveDate> = Vec::new();
    for part in &parts {
        for base in time_bases(part, env) {
            push_monthly(base, as_of, limit, &mut dates);
        }
    }
    first_date_holding(dates, env, &parts)
}

/// The dates after `as_of`, up to `limit`, on which a whole month from
/// `base` is completed (when a time fact counted from `base` moves on).
fn push_monthly(base: NaiveDate, as_of: NaiveDate, limit: NaiveDate, dates: &mut Vec<NaiveDate>) {
    let mut m = whole_months(base, as_of);
    while let Some(d) = add_months(base, m) {
        if d > limit {
            break;
        }
        if d > as_of {
            dates.push(d);
        }
        m += 1;
    }
}

/// The first of `dates` (in order) on which every one of `parts` holds.
fn first_date_holding(mut dates: Vec<NaiveDate>, env: &Env, parts: &[&Rule]) -> Option<NaiveDate> {
    dates.sort_unstable();
    dates.dedup();
    dates.into_iter().find(|d| {
        let later = Env { time_as_of: *d, ..*env };
        parts.iter().all(|r| later.holds(r))
    })
}

/// Three-valued truth: `None` when the answer depends on time facts.
fn holds_regardless_of_time(env: &Env, rule: &Rule) -> Option<bool> {
    match rule {
        Rule::All(rules) => {
            let mut unknown = false;
            for r in rules {
                match holds_regardless_of_time(env, r) {
                    Some(false) => return Some(false),
                    None => unknown = true,
                    Some(true) => {}
                }
            }
            (!unknown).then_some(true)
        }
        Rule::Any(rules) => {
            let mut unknown = false;
            for r in rules {
                match holds_regardless_of_time(env, r) {
                    Some(true) => return Some(true),
                    None => unknown = true,
                    Some(false) => {}
                }
            }
            (!unknown).then_some(false)
        }
        Rule::Not(r) => holds_regardless_of_time(env, r).map(|b| !b),
        Rule::Test(t) => {
            let timed =
                matches!(t.subject, Subject::MonthsSince(_)) || matches!(&t.subject, Subject::Fact(FactRef::Computed(c)) if c.is_time());
            if timed {
                None
            } else {
                Some(env.holds(rule))
            }
        }
    }
}

impl Copy for Env<'_> {}
#[allow(clippy::expl_impl_clone_on_copy)] // a derive would ask every field to be Clone, not Copy
impl Clone for Env<'_> {
    fn clone(&self) -> Self {
        *self
    }
}
