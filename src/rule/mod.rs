//! The rule language of SPEC §2: lists, `all`/`any`/`not`, fact tests,
//! streaks and `months_since`, parsed from YAML into a typed tree whose every
//! test knows where it was written.

pub mod eval;
pub mod found;
pub mod words;

use crate::calendar::parse_date;
use crate::scheme::raw::{describe, number_of};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_yaml::Value;
use std::collections::HashMap;
use std::fmt;

#[derive(Debug, Clone)]
pub enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Test(Test),
}

/// One test: a subject and one or more checks that must all hold.
#[derive(Debug, Clone)]
pub struct Test {
    pub subject: Subject,
    pub checks: Vec<Check>,
    /// `file:line:column` of the test in the scheme.
    pub at: String,
    /// [`Test::describe`], made once: every unmet test of every row prints it.
    described: std::sync::OnceLock<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    Fact(FactRef),
    /// Each of the last `quarters` complete quarters has a KPI score passing the checks.
    Streak {
        quarters: usize,
    },
    /// Whole months from the date in a column to the as-of date.
    MonthsSince(FactRef),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FactRef {
    Computed(Computed),
    /// `kpi.ITEM`: mean of one KPI item's scores over the window.
    KpiItem(String),
    /// `competency.GROUP`: mean of one competency group's means over the window.
    CompetencyGroup(String),
    Reserved(Reserved),
    /// Any other CSV column, by its registry id; `scale` when it is an ordinal fact.
    Column {
        id: usize,
        scale: Option<usize>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Computed {
    Kpi,
    KpiQuarters,
    KpiMin,
    Competency,
    CompetencyHalves,
    CompetencyPct,
    Composite,
    Band,
    CalibratedBand,
    RankPct,
    Rank,
    CohortSize,
    MonthsInGrade,
    MonthsInCompany,
    Age,
}

impl Computed {
    pub const ALL: [(Computed, &'static str); 15] = [
        (Computed::Kpi, "kpi"),
        (Computed::KpiQuarters, "kpi_quarters"),
        (Computed::KpiMin, "kpi_min"),
        (Computed::Competency, "competency"),
        (Computed::CompetencyHalves, "competency_halves"),
        (Computed::CompetencyPct, "competency_pct"),
        (Computed::Composite, "composite"),
        (Computed::Band, "band"),
        (Computed::CalibratedBand, "calibrated_band"),
        (Computed::RankPct, "rank_pct"),
        (Computed::Rank, "rank"),
        (Computed::CohortSize, "cohort_size"),
        (Computed::MonthsInGrade, "months_in_grade"),
        (Computed::MonthsInCompany, "months_in_company"),
        (Computed::Age, "age"),
    ];

    pub fn name(self) -> &'static str {
        Computed::ALL.iter().find(|(c, _)| *c == self).map_or("?", |(_, n)| *n)
    }

    /// What to say of a fact that is neither computed nor a column: the
    /// closest computed fact, reserved field or column (`columns`), then the
    /// list of computed facts: "; did you mean `months_in_grade`? (computed
    /// facts: kpi, …)".
    pub fn hint<'a>(name: &str, columns: impl IntoIterator<Item = &'a str>) -> String {
        let computed = Computed::ALL.iter().map(|(_, n)| *n);
        let reserved = Reserved::ALL.iter().map(|r| r.name());
        let near = crate::suggest::did_you_mean(name, computed.clone().chain(reserved).chain(columns));
        let list: Vec<&str> = computed.collect();
        format!("{near} (computed facts: {})", list.join(", "))
    }

    /// Facts compared by the bands' order.
    pub fn is_band(self) -> bool {
        matches!(self, Computed::Band | Computed::CalibratedBand)
    }

    /// Facts that change with the calendar alone (SPEC §5, eligible_on).
    pub fn is_time(self) -> bool {
        matches!(self, Computed::MonthsInGrade | Computed::MonthsInCompany | Computed::Age)
    }
}

/// The reserved columns (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reserved {
    Id,
    Name,
    Position,
    Sequence,
    Grade,
    HireDate,
    GradeDate,
    BirthDate,
}

impl Reserved {
    pub const ALL: [Reserved; 8] = [
        Reserved::Id,
        Reserved::Name,
        Reserved::Position,
        Reserved::Sequence,
        Reserved::Grade,
        Reserved::HireDate,
        Reserved::GradeDate,
        Reserved::BirthDate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reserved::Id => "id",
            Reserved::Name => "name",
            Reserved::Position => "position",
            Reserved::Sequence => "sequence",
            Reserved::Grade => "grade",
            Reserved::HireDate => "hire_date",
            Reserved::GradeDate => "grade_date",
            Reserved::BirthDate => "birth_date",
        }
    }

    pub fn from_name(name: &str) -> Option<Reserved> {
        Reserved::ALL.into_iter().find(|r| r.name() == name)
    }

    pub fn is_required(self) -> bool {
        !matches!(self, Reserved::Name | Reserved::BirthDate)
    }

    fn is_date(self) -> bool {
        matches!(self, Reserved::HireDate | Reserved::GradeDate | Reserved::BirthDate)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Min,
    Max,
    Above,
    Below,
    Is,
}

impl Op {
    pub fn key(self) -> &'static str {
        match self {
            Op::Min => "min",
            Op::Max => "max",
            Op::Above => "above",
            Op::Below => "below",
            Op::Is => "is",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Min => ">=",
            Op::Max => "<=",
            Op::Above => ">",
            Op::Below => "<",
            Op::Is => "=",
        }
    }

    fn from_key(key: &str) -> Option<Op> {
        [Op::Min, Op::Max, Op::Above, Op::Below, Op::Is].into_iter().find(|op| op.key() == key)
    }

    /// Does `ordering` (found compared with required) satisfy this operator?
    pub fn accepts(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Op::Min => ordering != Less,
            Op::Max => ordering != Greater,
            Op::Above => ordering == Greater,
            Op::Below => ordering == Less,
            Op::Is => ordering == Equal,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub op: Op,
    pub value: TestValue,
}

/// The value a fact is tested against; its kind decides how the fact is read.
#[derive(Debug, Clone, PartialEq)]
pub enum TestValue {
    Number(Decimal),
    Bool(bool),
    Date(NaiveDate),
    /// A level of an ordinal scale: its index (lowest first) and text.
    Level(usize, String),
    /// A band: its index in the band list (best first) and id.
    Band(usize, String),
    Text(String),
}

impl fmt::Display for TestValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestValue::Number(n) => write!(f, "{}", n.normalize()),
            TestValue::Bool(b) => write!(f, "{b}"),
            TestValue::Date(d) => write!(f, "{d}"),
            TestValue::Level(_, t) | TestValue::Band(_, t) | TestValue::Text(t) => f.write_str(t),
        }
    }
}

/// What rule parsing needs to know about the scheme.
pub struct RuleContext<'a> {
    pub ordinal_scales: &'a [(String, Vec<String>)],
    pub band_ids: &'a [String],
    pub kpi_items: &'a [String],
    pub competency_groups: &'a [String],
    /// Registry of the non-reserved column facts rules name, filled while parsing.
    pub columns: &'a mut ColumnRegistry,
    /// Renders a YAML path of the current file as `file:line:column`.
    pub locate: &'a dyn Fn(&str) -> String,
    /// The text of the scalar at a YAML path of the current file, as written.
    pub scalar: &'a dyn Fn(&str) -> Option<String>,
    /// Why a value tested against `position`, `sequence` or `grade` names
    /// none of that kind's ids (a title, a typo); None when it is an id.
    pub not_an_id: &'a dyn Fn(Reserved, &str) -> Option<String>,
}

/// The column facts named by rules, each with an id and where it was first named.
#[derive(Debug, Default, Clone)]
pub struct ColumnRegistry {
    pub names: Vec<String>,
    pub first_use: Vec<String>,
    by_name: HashMap<String, usize>,
}

impl ColumnRegistry {
    /// The id of a column fact named outside rules (a `cohort:` entry).
    pub fn register(&mut self, name: &str, at: &str) -> usize {
        self.id(name, at)
    }

    fn id(&mut self, name: &str, at: &str) -> usize {
        if let Some(id) = self.by_name.get(name) {
            return *id;
        }
        let id = self.names.len();
        self.names.push(name.to_string());
        self.first_use.push(at.to_string());
        self.by_name.insert(name.to_string(), id);
        id
    }
}

/// A problem found while parsing a rule: the YAML path and the message.
pub type RuleProblem = (String, String);

pub fn parse_rule(value: &Value, path: &str, ctx: &mut RuleContext, problems: &mut Vec<RuleProblem>) -> Option<Rule> {
    match value {
        // An empty list would hold for everyone (`demotion: []` demoted every
        // employee): a rule must say something.
        Value::Sequence(items) if items.is_empty() => {
            problems.push((path.into(), format!("{} is an empty list: a rule needs at least one test", rule_name(path))));
            None
        }
        Value::Sequence(items) => parse_list(items, path, ctx, problems).map(Rule::All),
        Value::Mapping(map) => {
            let keys: Vec<&str> = map.keys().filter_map(Value::as_str).collect();
            if keys.len() != map.len() {
                problems.push((path.into(), "rule keys must be text".into()));
                return None;
            }
            let only = |k: &str| keys.len() == 1 && keys[0] == k;
            if only("all") || only("any") {
                let key = keys[0];
                let sub_path = format!("{path}.{key}");
                let Some(items) = map[key].as_sequence() else {
                    problems.push((sub_path, format!("`{key}` takes a list of rules, found {}", describe(&map[key]))));
                    return None;
                };
                if items.is_empty() {
                    problems.push((sub_path, format!("`{key}` needs at least one rule")));
                    return None;
                }
                let rules = parse_list(items, &sub_path, ctx, problems)?;
                Some(if key == "all" { Rule::All(rules) } else { Rule::Any(rules) })
            } else if only("not") {
                parse_rule(&map["not"], &format!("{path}.not"), ctx, problems).map(|r| Rule::Not(Box::new(r)))
            } else if keys.contains(&"fact") || keys.contains(&"streak") || keys.contains(&"months_since") {
                parse_test(map, &keys, path, ctx, problems).map(Rule::Test)
            } else if keys.iter().any(|k| matches!(*k, "all" | "any" | "not")) {
                problems.push((path.into(), format!("`all`, `any` and `not` stand alone in a rule; found keys {}", keys.join(", "))));
                None
            } else {
                problems.push((
                    path.into(),
                    format!(
                        "unknown rule form (keys: {}); expected a list, `all`, `any`, `not`, `fact`, `streak` or `months_since`{}",
                        keys.join(", "),
                        keys.iter()
                            .find_map(|k| crate::suggest::closest(k, ["all", "any", "not", "fact", "streak", "months_since"]))
                            .map(|near| format!("; did you mean `{near}`?"))
                            .unwrap_or_default()
                    ),
                ));
                None
            }
        }
        other => {
            problems.push((path.into(), format!("expected a rule (a list or a mapping), found {}", describe(other))));
            None
        }
    }
}

/// How a message names the rule at `path`: `demotion`, `not`, or the list item.
fn rule_name(path: &str) -> String {
    match path.rsplit_once('.').map_or(path, |(_, last)| last) {
        last if last.ends_with(']') => "the rule".to_string(),
        last => format!("`{last}`"),
    }
}

fn parse_list(items: &[Value], path: &str, ctx: &mut RuleContext, problems: &mut Vec<RuleProblem>) -> Option<Vec<Rule>> {
    let before = problems.len();
    let rules: Vec<Rule> =
        items.iter().enumerate().filter_map(|(i, item)| parse_rule(item, &format!("{path}[{i}]"), ctx, problems)).collect();
    (problems.len() == before).then_some(rules)
}

/// How a subject may be compared.
enum Kind {
    /// Numbers only (computed figures, months, streaks).
    Number,
    /// Bands by their order.
    Band,
    /// Dates only.
    Date,
    /// Text, `is` only (position, grade, …).
    Text,
    /// A CSV column: whatever the value's kind says.
    Column { scale: Option<usize> },
}

fn parse_test(
    map: &serde_yaml::Mapping,
    keys: &[&str],
    path: &str,
    ctx: &mut RuleContext,
    problems: &mut Vec<RuleProblem>,
) -> Option<Test> {
    let at = (ctx.locate)(path);
    let before = problems.len();
    let subject_keys: Vec<&str> = keys.iter().copied().filter(|k| matches!(*k, "fact" | "streak" | "months_since")).collect();
    if subject_keys.len() > 1 {
        problems.push((path.into(), format!("a test has one subject; found {}", subject_keys.join(" and "))));
        return None;
    }
    let subject_key = subject_keys[0];
    let subject_path = format!("{path}.{subject_key}");
    let Some(name) = map[subject_key].as_str().map(str::trim) else {
        problems.push((subject_path, format!("`{subject_key}` takes a name, found {}", describe(&map[subject_key]))));
        return None;
    };
    let (subject, kind) = match subject_key {
        "streak" => {
            if name != "kpi" {
                problems.push((subject_path, format!("a streak is over `kpi`, found `{name}`")));
            }
            let quarters = match map.get("quarters") {
                Some(v) => match v.as_u64() {
                    Some(n @ 1..=400) => n as usize,
                    _ => {
                        problems.push((
                            format!("{path}.quarters"),
                            format!("`quarters` takes a whole number from 1 to 400, found {}", describe(v)),
                        ));
                        1
                    }
                },
                None => {
                    problems.push((path.into(), "a streak needs `quarters: N`".into()));
                    1
                }
            };
            (Subject::Streak { quarters }, Kind::Number)
        }
        "months_since" => {
            let fact = resolve_fact(name, &at, ctx);
            match fact {
                FactRef::Column { .. } | FactRef::Reserved(Reserved::HireDate | Reserved::GradeDate | Reserved::BirthDate) => {}
                _ => problems.push((subject_path, format!("`months_since` takes a date column, found `{name}`"))),
            }
            (Subject::MonthsSince(fact), Kind::Number)
        }
        _ => {
            let fact = resolve_fact(name, &at, ctx);
            let kind = match &fact {
                FactRef::Computed(c) if c.is_band() => Kind::Band,
                FactRef::Computed(_) => Kind::Number,
                FactRef::KpiItem(item) => {
                    if !ctx.kpi_items.iter().any(|i| i == item) {
                        let near = crate::suggest::closest(item, ctx.kpi_items.iter().map(String::as_str))
                            .map(|n| format!("; did you mean `kpi.{n}`?"))
                            .unwrap_or_default();
                        problems.push((subject_path.clone(), format!("`{name}` names no KPI item of any position{near}")));
                    }
                    Kind::Number
                }
                FactRef::CompetencyGroup(group) => {
                    if !ctx.competency_groups.iter().any(|g| g == group) {
                        let near = crate::suggest::closest(group, ctx.competency_groups.iter().map(String::as_str))
                            .map(|n| format!("; did you mean `competency.{n}`?"))
                            .unwrap_or_default();
                        problems.push((subject_path.clone(), format!("`{name}` names no competency group of any position{near}")));
                    }
                    Kind::Number
                }
                FactRef::Reserved(r) if r.is_date() => Kind::Date,
                FactRef::Reserved(_) => Kind::Text,
                FactRef::Column { scale, .. } => Kind::Column { scale: *scale },
            };
            (Subject::Fact(fact), kind)
        }
    };
    let mut checks = Vec::new();
    for key in keys {
        if *key == subject_key || (subject_key == "streak" && *key == "quarters") {
            continue;
        }
        let value_path = format!("{path}.{key}");
        let Some(op) = Op::from_key(key) else {
            let near = crate::suggest::did_you_mean(key, ["min", "max", "above", "below", "is"]);
            problems.push((value_path, format!("unknown operator `{key}`: expected min, max, above, below or is{near}")));
            continue;
        };
        match test_value(&map[*key], &value_path, op, &kind, name, ctx) {
            // The row's position, sequence and grade are compared by id: a
            // title here would never match, silently.
            Ok(TestValue::Text(t))
                if matches!(&subject, Subject::Fact(FactRef::Reserved(Reserved::Position | Reserved::Sequence | Reserved::Grade))) =>
            {
                let Subject::Fact(FactRef::Reserved(r)) = &subject else { unreachable!("matched above") };
                match (ctx.not_an_id)(*r, &t) {
                    Some(message) => problems.push((value_path, message)),
                    None => checks.push(Check { op, value: TestValue::Text(t) }),
                }
            }
            Ok(value) => checks.push(Check { op, value }),
            Err(message) => problems.push((value_path, message)),
        }
    }
    if checks.is_empty() && problems.len() == before {
        problems.push((path.into(), "a test needs an operator: min, max, above, below or is".into()));
    }
    (problems.len() == before).then_some(Test { subject, checks, at, described: std::sync::OnceLock::new() })
}

fn resolve_fact(name: &str, at: &str, ctx: &mut RuleContext) -> FactRef {
    if let Some((c, _)) = Computed::ALL.iter().find(|(_, n)| *n == name) {
        return FactRef::Computed(*c);
    }
    if let Some(item) = name.strip_prefix("kpi.") {
        return FactRef::KpiItem(item.to_string());
    }
    if let Some(group) = name.strip_prefix("competency.") {
        return FactRef::CompetencyGroup(group.to_string());
    }
    if let Some(r) = Reserved::from_name(name) {
        return FactRef::Reserved(r);
    }
    let scale = ctx.ordinal_scales.iter().position(|(s, _)| s == name);
    FactRef::Column { id: ctx.columns.id(name, at), scale }
}

/// A YAML number read exactly from its text (serde_yaml holds floats as f64).
fn exact_number_at(value: &Value, path: &str, ctx: &RuleContext) -> Option<Result<Decimal, String>> {
    if !matches!(value, Value::Number(_)) {
        return None;
    }
    Some(match (ctx.scalar)(path) {
        Some(text) => crate::scheme::raw::exact_number(&text),
        None => number_of(value).ok_or_else(|| format!("expected a finite number, found {}", describe(value))),
    })
}

fn test_value(value: &Value, path: &str, op: Op, kind: &Kind, fact: &str, ctx: &RuleContext) -> Result<TestValue, String> {
    let wrong = |expected: &str| format!("`{fact}` is compared with {expected}, found {}", describe(value));
    match kind {
        Kind::Number => match exact_number_at(value, path, ctx) {
            Some(n) => n.map(TestValue::Number),
            None => Err(wrong("a number")),
        },
        Kind::Band => {
            let id = value.as_str().ok_or_else(|| wrong("a band id"))?;
            let index = ctx
                .band_ids
                .iter()
                .position(|b| b == id)
                .ok_or_else(|| format!("`{id}` is not a band; the bands are {}", ctx.band_ids.join(", ")))?;
            Ok(TestValue::Band(index, id.to_string()))
        }
        Kind::Date => {
            let text = value.as_str().ok_or_else(|| wrong("a date"))?;
            parse_date(text).map(TestValue::Date).ok_or_else(|| wrong("a date (YYYY-MM-DD)"))
        }
        Kind::Text => {
            if op != Op::Is {
                return Err(format!("`{fact}` can only be tested with `is`"));
            }
            scalar_text(value).map(TestValue::Text).ok_or_else(|| wrong("a text"))
        }
        Kind::Column { scale: Some(scale) } => {
            let (name, levels) = &ctx.ordinal_scales[*scale];
            let text = scalar_text(value).ok_or_else(|| wrong(&format!("a level of the `{name}` scale")))?;
            let index = levels
                .iter()
                .position(|l| *l == text)
                .ok_or_else(|| format!("`{text}` is not on the `{name}` scale ({})", levels.join(", ")))?;
            Ok(TestValue::Level(index, text))
        }
        Kind::Column { scale: None } => match value {
            Value::Bool(b) if op == Op::Is => Ok(TestValue::Bool(*b)),
            Value::Bool(_) => Err(format!("a yes/no fact can only be tested with `is`, not `{}`", op.key())),
            Value::Number(_) => exact_number_at(value, path, ctx).unwrap_or_else(|| Err(wrong("a number"))).map(TestValue::Number),
            Value::String(s) => match parse_date(s) {
                Some(d) => Ok(TestValue::Date(d)),
                None if op == Op::Is => Ok(TestValue::Text(s.clone())),
                None => Err(format!("text can only be tested with `is`; `{s}` is not a number, date or scale level")),
            },
            _ => Err(wrong("a number, yes/no, date or text")),
        },
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Rule {
    /// Visits every test of the rule.
    pub fn for_each_test<'a>(&'a self, f: &mut dyn FnMut(&'a Test)) {
        match self {
            Rule::All(rules) | Rule::Any(rules) => rules.iter().for_each(|r| r.for_each_test(f)),
            Rule::Not(rule) => rule.for_each_test(f),
            Rule::Test(test) => f(test),
        }
    }
}

impl Test {
    /// The subject as written: `months_in_grade`, `kpi` (streak), `months_since(joined_service)`.
    pub fn subject_name(&self, column_names: &[String]) -> String {
        match &self.subject {
            Subject::Fact(f) => fact_name(f, column_names),
            Subject::Streak { .. } => "kpi".into(),
            Subject::MonthsSince(f) => format!("months_since({})", fact_name(f, column_names)),
        }
    }

    /// `months_in_grade >= 12`, `kpi >= 60 in each of the last 2 quarters`.
    /// `months_in_grade >= 12`: the same for every employee (the column
    /// names are the scheme's), so it is worked out once.
    pub fn describe(&self, column_names: &[String]) -> String {
        self.described(column_names).to_string()
    }

    /// [`Test::describe`], borrowed.
    pub fn described(&self, column_names: &[String]) -> &str {
        self.described.get_or_init(|| self.describe_now(column_names))
    }

    fn describe_now(&self, column_names: &[String]) -> String {
        let subject = self.subject_name(column_names);
        let checks: Vec<String> = self.checks.iter().map(|c| format!("{subject} {} {}", c.op.symbol(), c.value)).collect();
        let mut text = checks.join(" and ");
        if let Subject::Streak { quarters } = self.subject {
            text.push_str(&format!(" in each of the last {quarters} quarter{}", if quarters == 1 { "" } else { "s" }));
        }
        text
    }
}

pub fn fact_name(fact: &FactRef, column_names: &[String]) -> String {
    match fact {
        FactRef::Computed(c) => c.name().into(),
        FactRef::KpiItem(i) => format!("kpi.{i}"),
        FactRef::CompetencyGroup(g) => format!("competency.{g}"),
        FactRef::Reserved(r) => r.name().into(),
        FactRef::Column { id, .. } => column_names.get(*id).cloned().unwrap_or_default(),
    }
}
