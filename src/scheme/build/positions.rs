//! `positions:` (KPI items and competency groups, their weights) and
//! `sequences:` (their grades' ids and titles), each id once.

use super::{check_weight, Placed, HUNDRED};
use crate::scheme::load::{Problem, SourceFile};
use crate::scheme::raw::{RawPosition, RawSequence};
use crate::scheme::{Group, Item, KpiItem, Position, Scoring};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// An id not blank and not seen before (`seen`: id → where it was first defined).
fn check_id(file: &SourceFile, path: &str, id: &str, what: &str, seen: &mut HashMap<String, String>, problems: &mut Vec<Problem>) {
    if id.trim().is_empty() {
        problems.push(file.problem_at(path, format!("{what} id is empty")));
    } else if let Some(first) = seen.get(id) {
        problems.push(file.problem_at_value(path, format!("{what} `{id}` is defined twice (first at {first})")));
    } else {
        seen.insert(id.to_string(), file.render(path));
    }
}

/// Each position: its KPI items' weights sum to 100, its competency groups'
/// weights too, each group has items, every id once.
pub(super) fn build_positions(placed: &[Placed<RawPosition>], problems: &mut Vec<Problem>) -> Vec<Position> {
    let mut seen = HashMap::new();
    let mut out = Vec::new();
    for Placed { file, path, item: p } in placed {
        check_id(file, &format!("{path}.id"), &p.id, "position", &mut seen, problems);
        let mut kpis = Vec::new();
        let mut kpi_ids = HashMap::new();
        let mut sum = Decimal::ZERO;
        for (i, k) in p.kpis.iter().enumerate() {
            let kpath = format!("{path}.kpis[{i}]");
            check_id(file, &format!("{kpath}.id"), &k.id, "KPI item", &mut kpi_ids, problems);
            check_weight(file, &format!("{kpath}.weight"), k.weight, problems);
            sum += k.weight.0;
            let scoring = k.scoring.as_ref().map(|s| Scoring { target: s.target.0, zero_at: s.zero_at.0 });
            if let Some(s) = &scoring {
                if s.target == s.zero_at {
                    problems.push(file.problem_at(
                        &format!("{kpath}.scoring"),
                        format!("`scoring` of `{}` has target = zero_at = {}: no score can be derived", k.id, s.target),
                    ));
                }
            }
            kpis.push(KpiItem { id: k.id.clone(), title: k.title.clone().unwrap_or_else(|| k.id.clone()), weight: k.weight.0, scoring });
        }
        if p.kpis.is_empty() {
            problems.push(file.problem_at(path, format!("position `{}` has no KPI items (`kpis`)", p.id)));
        } else if sum != HUNDRED {
            problems.push(file.problem_at(
                &format!("{path}.kpis"),
                format!("KPI weights of position `{}` sum to {}, expected 100", p.id, sum.normalize()),
            ));
        }
        let mut groups = Vec::new();
        let mut group_sum = Decimal::ZERO;
        let mut item_ids = HashMap::new();
        for (name, g) in &p.competencies.0 {
            let gpath = format!("{path}.competencies.{name}");
            check_weight(file, &format!("{gpath}.weight"), g.weight, problems);
            group_sum += g.weight.0;
            if g.items.is_empty() {
                problems.push(file.problem_at(&gpath, format!("competency group `{name}` of position `{}` has no items", p.id)));
            }
            let mut items = Vec::new();
            for (i, item) in g.items.iter().enumerate() {
                check_id(file, &format!("{gpath}.items[{i}]"), item.id(), "competency item", &mut item_ids, problems);
                items.push(Item { id: item.id().to_string(), title: item.title().unwrap_or(item.id()).to_string() });
            }
            groups.push(Group { id: name.clone(), title: g.title.clone(), weight: g.weight.0, items });
        }
        if p.competencies.0.is_empty() {
            problems.push(file.problem_at(path, format!("position `{}` has no competency groups (`competencies`)", p.id)));
        } else if group_sum != HUNDRED {
            problems.push(file.problem_at(
                &format!("{path}.competencies"),
                format!("competency group weights of position `{}` sum to {}, expected 100", p.id, group_sum.normalize()),
            ));
        }
        out.push(Position { id: p.id.clone(), title: p.title.clone().unwrap_or_else(|| p.id.clone()), kpis, groups });
    }
    out
}

/// A sequence's id and title, and its grades' ids and titles.
pub(super) type BuiltSequence = (String, String, Vec<(String, String)>);

/// Each sequence has grades; sequence ids once, grade ids once across all sequences.
pub(super) fn build_sequences(placed: &[Placed<RawSequence>], problems: &mut Vec<Problem>) -> Vec<BuiltSequence> {
    let mut seen = HashMap::new();
    let mut grade_ids = HashMap::new();
    let mut out = Vec::new();
    for Placed { file, path, item: s } in placed {
        check_id(file, &format!("{path}.id"), &s.id, "sequence", &mut seen, problems);
        if s.grades.is_empty() {
            problems.push(file.problem_at(path, format!("sequence `{}` has no grades", s.id)));
        }
        let grades = s
            .grades
            .iter()
            .enumerate()
            .map(|(i, g)| {
                check_id(file, &format!("{path}.grades[{i}].id"), &g.id, "grade", &mut grade_ids, problems);
                (g.id.clone(), g.title.clone().unwrap_or_else(|| g.id.clone()))
            })
            .collect();
        out.push((s.id.clone(), s.title.clone().unwrap_or_else(|| s.id.clone()), grades));
    }
    out
}
