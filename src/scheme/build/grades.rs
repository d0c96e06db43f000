//! The grades of each sequence (their rules, demotions and who decides),
//! demotions to a named grade resolved once every grade is known, and the
//! bridges between sequences.

use super::names::Names;
use super::positions::BuiltSequence;
use super::rules::Rules;
use super::Placed;
use crate::scheme::load::{Problem, SourceFile};
use crate::scheme::raw::{describe, RawBridge, RawGrade, RawSequence};
use crate::scheme::{Bridge, Grade, GradeRef, Sequence};
use serde_yaml::{Mapping, Value};
use std::collections::HashMap;

/// A demotion's `to`, resolved once every grade is known.
pub(super) struct DemotionTarget<'a> {
    file: &'a SourceFile,
    /// The path of `to`.
    path: String,
    /// The (sequence, grade) whose demotion it is.
    from: (usize, usize),
    /// The grade it names.
    to: String,
}

/// Every sequence with its grades built, and the demotions that name a grade.
pub(super) fn sequences<'a>(
    placed: &[Placed<'a, RawSequence>],
    built: Vec<BuiltSequence>,
    rules: &mut Rules,
    problems: &mut Vec<Problem>,
) -> (Vec<Sequence>, Vec<DemotionTarget<'a>>) {
    let mut sequences_out: Vec<Sequence> = Vec::new();
    let mut demotion_targets = Vec::new();
    for (placed, (seq_id, seq_title, grades)) in placed.iter().zip(built) {
        let mut out = Vec::new();
        for (gi, (gid, gtitle)) in grades.into_iter().enumerate() {
            let at = GradeAt { file: placed.file, base: format!("{}.grades[{gi}]", placed.path), index: (sequences_out.len(), gi) };
            out.push(grade(&at, &placed.item.grades[gi], gid, gtitle, rules, &mut demotion_targets, problems));
        }
        sequences_out.push(Sequence { id: seq_id, title: seq_title, grades: out });
    }
    (sequences_out, demotion_targets)
}

/// Where a grade is written, and which it is.
struct GradeAt<'a> {
    file: &'a SourceFile,
    base: String,
    index: (usize, usize),
}

fn grade<'a>(
    at: &GradeAt<'a>,
    g: &RawGrade,
    id: String,
    title: String,
    rules: &mut Rules,
    targets: &mut Vec<DemotionTarget<'a>>,
    problems: &mut Vec<Problem>,
) -> Grade {
    let requires = g.requires.as_ref().and_then(|v| rules.parse(at.file, &format!("{}.requires", at.base), v, problems));
    // `{when: RULE, to: GRADE}` (SPEC §8.1) or a plain rule; a rule never has a `when` or `to` key.
    let named = g.demotion.as_ref().and_then(Value::as_mapping).filter(|m| m.contains_key("when") || m.contains_key("to"));
    let demotion = match named {
        Some(map) => demotion_to_named(at, map, rules, targets, problems),
        None => g.demotion.as_ref().and_then(|v| rules.parse(at.file, &format!("{}.demotion", at.base), v, problems)),
    };
    let decided_by =
        match &g.decided_by {
            Some(d) if d.trim().is_empty() => {
                problems.push(at.file.problem_at_value(
                    &format!("{}.decided_by", at.base),
                    "`decided_by` names who decides (董事会, a committee); it is empty",
                ));
                None
            }
            d => d.as_ref().map(|d| d.trim().to_string()),
        };
    Grade { id, title, requires, demotion, demotion_to: None, scheme_demotion: g.scheme_demotion.unwrap_or(true), decided_by }
}

/// `demotion: {when: RULE, to: GRADE}`: the rule; the grade it names joins `targets`.
fn demotion_to_named<'a>(
    at: &GradeAt<'a>,
    map: &Mapping,
    rules: &mut Rules,
    targets: &mut Vec<DemotionTarget<'a>>,
    problems: &mut Vec<Problem>,
) -> Option<crate::rule::Rule> {
    let path = format!("{}.demotion", at.base);
    for key in map.keys() {
        if !matches!(key.as_str(), Some("when" | "to")) {
            problems.push(
                at.file.problem_at(&path, format!("unknown key {} in a demotion to a named grade (expected when, to)", describe(key))),
            );
        }
    }
    match map.get("to") {
        Some(Value::String(to)) => {
            targets.push(DemotionTarget { file: at.file, path: format!("{path}.to"), from: at.index, to: to.clone() });
        }
        Some(other) => {
            problems.push(at.file.problem_at_value(&format!("{path}.to"), format!("`to` is a grade id, found {}", describe(other))));
        }
        None => problems.push(at.file.problem_at(&path, "a demotion with `when` needs `to: GRADE` (the grade recommended)")),
    }
    match map.get("when") {
        Some(v) => rules.parse(at.file, &format!("{path}.when"), v, problems),
        None => {
            problems.push(at.file.problem_at(&path, "a demotion with `to` needs `when: RULE` (when it applies)"));
            None
        }
    }
}

/// The grade with this id, in whichever sequence.
pub(super) fn find_grade(sequences: &[Sequence], id: &str) -> Option<GradeRef> {
    sequences
        .iter()
        .enumerate()
        .find_map(|(s, seq)| seq.grades.iter().position(|g| g.id == id).map(|index| GradeRef { sequence: s, index }))
}

/// Each demotion's named grade: a known grade other than its own.
pub(super) fn resolve_demotions(
    targets: Vec<DemotionTarget>,
    sequences: &[Sequence],
    names: &Names,
    problems: &mut Vec<Problem>,
) -> Vec<((usize, usize), GradeRef)> {
    let mut resolved = Vec::new();
    for DemotionTarget { file, path, from: (s, gi), to } in targets {
        match find_grade(sequences, &to) {
            None => {
                problems.push(file.problem_at_value(&path, format!("demotion to `{to}`: no grade has that id{}", names.grade_hint(&to))));
            }
            Some(target) if target == (GradeRef { sequence: s, index: gi }) => problems.push(file.problem_at_value(
                &path,
                format!("demotion of `{to}` to `{to}` itself: name another grade, or write the rule alone to demote to the grade below"),
            )),
            Some(target) => resolved.push(((s, gi), target)),
        }
    }
    resolved
}

/// `bridges:` between known grades of two sequences, each pair once.
pub(super) fn bridges(
    placed: &[Placed<RawBridge>],
    sequences: &[Sequence],
    rules: &mut Rules,
    names: &Names,
    problems: &mut Vec<Problem>,
) -> Vec<Bridge> {
    let mut bridges_out = Vec::new();
    let mut seen_bridges: HashMap<(GradeRef, GradeRef), String> = HashMap::new();
    for placed in placed {
        let b: &RawBridge = placed.item;
        let from = find_grade(sequences, &b.from);
        let to = find_grade(sequences, &b.to);
        for (key, id, found) in [("from", &b.from, from), ("to", &b.to, to)] {
            if found.is_none() {
                problems.push(placed.file.problem_at_value(
                    &format!("{}.{key}", placed.path),
                    format!("bridge {key} `{id}`: no grade has that id{}", names.grade_hint(id)),
                ));
            }
        }
        let requires = b.requires.as_ref().and_then(|v| rules.parse(placed.file, &format!("{}.requires", placed.path), v, problems));
        if let (Some(from), Some(to)) = (from, to) {
            if from.sequence == to.sequence {
                problems.push(placed.file.problem_at(&placed.path, format!("bridge `{}` → `{}` stays in one sequence; a bridge moves across sequences (the next grade of a sequence needs no bridge)", b.from, b.to)));
            }
            if let Some(first) = seen_bridges.get(&(from, to)) {
                problems
                    .push(placed.file.problem_at(&placed.path, format!("bridge `{}` → `{}` is already defined at {first}", b.from, b.to)));
            }
            seen_bridges.insert((from, to), placed.file.render(&placed.path));
            bridges_out.push(Bridge { from, to, title: b.title.clone(), requires });
        }
    }
    bridges_out
}
