//! What a `--set KEY=VALUE` of `what-if` names and whether its value can
//! be read: a column of the file (by its header, a reserved field or fact
//! by its own name, or a header the scheme's `columns:` maps), a score not
//! in the file, or a quarter's KPI score set whole; each refused with a
//! message that says what would be accepted.

use super::ChangeKind;
use crate::batch::memory::Evaluation;
use crate::calendar::{Period, PeriodKind};
use crate::input::records::Layout;
use crate::input::value::{parse_bool, parse_number};
use crate::rule::{FactRef, Reserved, Subject, TestValue};
use crate::scheme::Scheme;
use rust_decimal::Decimal;

/// Where a `--set` goes.
pub(super) enum Target {
    /// A column of the employee file.
    Column(usize),
    /// A score that is not a column of the file (it may come from `--scores`).
    Score(Period, String),
    /// A quarter's KPI score, set whole (`2026Q4=90`).
    Quarter(Period),
}

/// A change of a KPI item that holds a raw measure: the scores its values
/// convert to (SPEC §4 `scoring`), so the reader sees what the number does.
pub(super) fn raw_measure(
    scheme: &Scheme,
    position: Option<usize>,
    score: Option<&(Period, String)>,
    before: &str,
    after: &str,
) -> ChangeKind {
    let Some((period, item)) = score else { return ChangeKind::Cell };
    if period.kind != PeriodKind::Quarter {
        return ChangeKind::Cell;
    }
    let scoring = position.and_then(|p| scheme.positions[p].kpis.iter().find(|k| k.id == *item)).and_then(|k| k.scoring);
    let Some(scoring) = scoring else { return ChangeKind::Cell };
    let converted = |v: &str| parse_number(v).and_then(|raw| crate::figures::convert(raw, scoring).ok()).and_then(|e| e.round2().ok());
    ChangeKind::RawMeasure { scoring, before: converted(before), after: converted(after) }
}

/// The (period, item) a column holds, when it is a score column.
pub(super) fn score_of(layout: &Layout, column: usize) -> Option<(Period, String)> {
    layout.scores.iter().find(|(_, c)| **c == column).map(|((p, item), _)| (*p, item.clone()))
}

/// The column a key names in the user's words: a header of the file, a
/// reserved field or fact by its own name, or a header the scheme's
/// `columns:` maps to it (whichever of the two the file uses).
fn column_of(scheme: &Scheme, layout: &Layout, key: &str) -> Option<usize> {
    if let Some(c) = layout.by_name.get(key) {
        return Some(*c);
    }
    let reserved = Reserved::from_name(key).or_else(|| scheme.columns.iter().find(|(_, h)| h == key).map(|(r, _)| *r));
    if let Some(c) = reserved.and_then(|r| layout.reserved.get(&r)) {
        return Some(*c);
    }
    let fact = scheme.fact_columns.iter().find(|(_, h)| h == key).map_or(key, |(f, _)| f.as_str());
    let id = scheme.column_facts.names.iter().position(|n| n == fact)?;
    layout.facts.get(id).copied().flatten()
}

/// The item id a score key's item names: its id, or its title (after NFKC) when
/// that title is one item's of the employee's position (of any position
/// when the position is unknown).
fn item_of(scheme: &Scheme, position: Option<usize>, kind: PeriodKind, item: &str) -> Result<String, String> {
    let positions: Vec<&crate::scheme::Position> = match position {
        Some(p) => vec![&scheme.positions[p]],
        None => scheme.positions.iter().collect(),
    };
    let mut items: Vec<(&str, &str)> = Vec::new();
    for p in positions {
        match kind {
            PeriodKind::Quarter => items.extend(p.kpis.iter().map(|k| (k.id.as_str(), k.title.as_str()))),
            PeriodKind::Half => items.extend(p.groups.iter().flat_map(|g| g.items.iter().map(|i| (i.id.as_str(), i.title.as_str())))),
        }
    }
    if items.iter().any(|(id, _)| *id == item) {
        return Ok(item.to_string());
    }
    let wanted = crate::scheme::title_key(item);
    let mut ids: Vec<&str> =
        items.iter().filter(|(_, t)| !t.is_empty() && crate::scheme::title_key(t) == wanted).map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    match ids.as_slice() {
        [one] => Ok((*one).to_string()),
        [] => Ok(item.to_string()), // unknown: `check_score_key` says so, with the list
        many => Err(format!("the title `{item}` is shared by the items {}: name one by its id", many.join(", "))),
    }
}

pub(super) fn resolve(scheme: &Scheme, e: &Evaluation, index: usize, key: &str) -> Result<Target, String> {
    let layout = &e.layout;
    let row = &e.outcomes[index].row;
    if let Some(c) = column_of(scheme, layout, key) {
        if layout.reserved.get(&Reserved::Id) == Some(&c) {
            return Err("the id cannot be changed: it is how the employee is found".into());
        }
        if let Some((p, item)) = score_of(layout, c) {
            check_score_key(scheme, e, row.position, p, &item)?;
        }
        return Ok(Target::Column(c));
    }
    // A whole quarter: `2026Q4=90`.
    if let Ok(p) = key.parse::<Period>() {
        return match p.kind {
            PeriodKind::Quarter => {
                check_period_read(e, p)?;
                Ok(Target::Quarter(p))
            }
            PeriodKind::Half => Err(format!(
                "a half's rating is not set whole: set its competency items ({})",
                example_item(scheme, e, row.position, PeriodKind::Half)
            )),
        };
    }
    if let Some((p, item)) = key.split_once('.').and_then(|(p, i)| Some((p.parse::<Period>().ok()?, i))) {
        let item = item_of(scheme, row.position, p.kind, item)?;
        // The file may hold the item under its id while the key gave its title.
        if let Some(c) = layout.scores.get(&(p, item.clone())) {
            check_score_key(scheme, e, row.position, p, &item)?;
            return Ok(Target::Column(*c));
        }
        check_score_key(scheme, e, row.position, p, &item)?;
        return Ok(Target::Score(p, item));
    }
    if Reserved::from_name(key).is_some() {
        return Err(format!("the file has no `{key}` column"));
    }
    Err(format!(
        "unknown key: `{key}` is not a column of {} (keys are column headers, such as grade or grade_date, scores such as {}, or a quarter's KPI score such as {})",
        e.inputs.first().map_or("the file", |(p, _)| p.as_str()),
        example_score(scheme, e, row.position),
        e.periods.quarters.last().map_or("2026Q4".into(), std::string::ToString::to_string),
    ))
}

/// `2026H2.ITEM` for a message: the last period read of that kind and an item of the position.
fn example_item(scheme: &Scheme, e: &Evaluation, position: Option<usize>, kind: PeriodKind) -> String {
    let p = position.map(|p| &scheme.positions[p]);
    let (item, period) = match kind {
        PeriodKind::Quarter => (p.and_then(|p| p.kpis.first()).map(|k| k.id.as_str()), e.periods.quarters.last()),
        PeriodKind::Half => {
            (p.and_then(|p| p.groups.first()).and_then(|g| g.items.first()).map(|i| i.id.as_str()), e.periods.halves.last())
        }
    };
    format!("{}.{}", period.map_or("PERIOD".into(), std::string::ToString::to_string), item.unwrap_or("ITEM"))
}

fn example_score(scheme: &Scheme, e: &Evaluation, position: Option<usize>) -> String {
    example_item(scheme, e, position, PeriodKind::Quarter)
}

/// A score key must name an item of the employee's position, in a period the evaluation reads.
fn check_score_key(scheme: &Scheme, e: &Evaluation, position: Option<usize>, period: Period, item: &str) -> Result<(), String> {
    check_period_read(e, period)?;
    let Some(p) = position.map(|p| &scheme.positions[p]) else { return Ok(()) };
    let (known, what): (Vec<&str>, &str) = match period.kind {
        PeriodKind::Quarter => (p.kpis.iter().map(|k| k.id.as_str()).collect(), "KPI item"),
        PeriodKind::Half => (p.groups.iter().flat_map(|g| g.items.iter().map(|i| i.id.as_str())).collect(), "competency item"),
    };
    if !known.contains(&item) {
        return Err(format!("`{item}` is no {what} of the position {} (its {what}s: {})", p.id, known.join(", ")));
    }
    Ok(())
}

/// A period must be one the evaluation reads, or the change counts for nothing.
fn check_period_read(e: &Evaluation, period: Period) -> Result<(), String> {
    let read: &[Period] = match period.kind {
        PeriodKind::Quarter => &e.periods.quarters_read,
        PeriodKind::Half => &e.periods.halves,
    };
    if !read.contains(&period) {
        let list: Vec<String> = read.iter().map(std::string::ToString::to_string).collect();
        return Err(format!(
            "{period} is not read as of {} (the periods read are {}): the change would count for nothing",
            e.periods.as_of,
            list.join(", ")
        ));
    }
    Ok(())
}

/// A value must be readable as what it is used for: a score as a number, a
/// fact as the kind its rules test it as. A blank is "no value" and always allowed.
pub(super) fn check_value(scheme: &Scheme, layout: &Layout, target: &Target, key: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if let Target::Quarter(p) = target {
        return match parse_number(value) {
            None => Err(format!("`{value}` is not a number (a quarter's KPI score, 0..100)")),
            Some(v) if !crate::exact::within(v, Decimal::ZERO, Decimal::ONE_HUNDRED) => Err(format!("{v} is outside the KPI scale 0..100")),
            // A quarter score is a figure of 2 decimals (SPEC §4): no hidden third.
            Some(v) if v.normalize().scale() > 2 => Err(format!("{p}'s KPI score is a figure of 2 decimals; `{value}` has more")),
            Some(_) => Ok(()),
        };
    }
    let is_score = match target {
        Target::Score(..) | Target::Quarter(_) => true,
        Target::Column(c) => score_of(layout, *c).is_some(),
    };
    if is_score {
        return match parse_number(value) {
            Some(_) => Ok(()),
            None => Err(format!("`{value}` is not a number")),
        };
    }
    let Target::Column(column) = target else { return Ok(()) };
    let mut problem = None;
    for rule in scheme.rules() {
        rule.for_each_test(&mut |t| {
            if problem.is_some() {
                return;
            }
            let names_column =
                |f: &FactRef| matches!(f, FactRef::Column { id, .. } if layout.facts.get(*id).copied().flatten() == Some(*column));
            match &t.subject {
                Subject::MonthsSince(f) if names_column(f) && crate::calendar::parse_date(value).is_none() => {
                    problem = Some(format!("the rule at {} reads `{key}` as a date; `{value}` is not a date (expected YYYY-MM-DD)", t.at));
                }
                Subject::Fact(f) if names_column(f) => {
                    for c in &t.checks {
                        let bad = match &c.value {
                            TestValue::Number(_) => parse_number(value).is_none().then_some("a number".to_string()),
                            TestValue::Bool(_) => parse_bool(value).is_none().then_some("yes/no (true/false, 是/否)".to_string()),
                            TestValue::Date(_) => crate::calendar::parse_date(value).is_none().then_some("a date (YYYY-MM-DD)".to_string()),
                            TestValue::Level(..) => {
                                let levels = match f {
                                    FactRef::Column { scale: Some(s), .. } => scheme.ordinal_scales.get(*s).map(|(_, l)| l.as_slice()),
                                    _ => None,
                                };
                                levels.filter(|l| !l.iter().any(|x| x == value)).map(|l| format!("a level of its scale ({})", l.join(", ")))
                            }
                            TestValue::Band(..) | TestValue::Text(_) => None,
                        };
                        if let Some(kind) = bad {
                            problem = Some(format!("the rule at {} tests `{key}` as {kind}; `{value}` is not", t.at));
                            return;
                        }
                    }
                }
                _ => {}
            }
        });
    }
    problem.map_or(Ok(()), Err)
}
