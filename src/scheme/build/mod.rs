//! From parsed files to a validated `Scheme`: merges a directory's files and
//! checks everything SPEC §2 lists, collecting every problem. `build` calls
//! one function a section, in the order its problems are reported: `top`
//! (id, review, scales, composite, bands, columns), `positions` (positions
//! and sequences), `names` (the titles a cell may use instead of an id),
//! `rules` (the rule parser and its vocabulary), `grades` (grades, demotions,
//! bridges), `committee` (quotas, cohort, distribution, placement).

mod committee;
mod grades;
mod names;
mod positions;
mod rules;
mod top;

use super::load::{Problem, SourceFile};
use super::raw::{
    indexmap_like::OrderedMap, Headers, Num, RawBand, RawBridge, RawComposite, RawFile, RawPlacement, RawPosition, RawQuota, RawReview,
    RawSequence,
};
use super::{raw, Bridge, Placement, Quota, Scheme, Sequence, Source, Tenure};
use crate::rule::{ColumnRegistry, Reserved, Rule, Subject};
use rust_decimal::Decimal;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// A merged list element: which file it came from and its path there.
struct Placed<'a, T> {
    file: &'a SourceFile,
    path: String,
    item: &'a T,
}

/// A top-level key set in exactly one file.
struct Single<'a, T> {
    file: &'a SourceFile,
    value: &'a T,
}

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// Every top-level key of the scheme, gathered from all its files: a key
/// such as `bands` from the one file that sets it, a list such as
/// `positions` merged across files.
struct Sections<'a> {
    id: Option<Single<'a, String>>,
    title: Option<Single<'a, String>>,
    review: Option<Single<'a, RawReview>>,
    scales: Option<Single<'a, BTreeMap<String, Value>>>,
    composite: Option<Single<'a, RawComposite>>,
    bands: Option<Single<'a, Vec<RawBand>>>,
    columns: Option<Single<'a, BTreeMap<String, Headers>>>,
    requires: Option<Single<'a, Value>>,
    demotion: Option<Single<'a, Value>>,
    positions: Vec<Placed<'a, RawPosition>>,
    sequences: Vec<Placed<'a, RawSequence>>,
    bridges: Vec<Placed<'a, RawBridge>>,
    cohort: Option<Single<'a, Vec<String>>>,
    distribution: Option<Single<'a, OrderedMap<Num>>>,
    min_cohort: Option<Single<'a, usize>>,
    quotas: Vec<Placed<'a, RawQuota>>,
    placement: Option<Single<'a, RawPlacement>>,
}

impl<'a> Sections<'a> {
    /// Field by field in the order the keys' problems are reported.
    fn gather(files: &'a [SourceFile], problems: &mut Vec<Problem>) -> Self {
        Sections {
            id: single(files, "scheme", |r| r.scheme.as_ref(), problems),
            title: single(files, "title", |r| r.title.as_ref(), problems),
            review: single(files, "review", |r| r.review.as_ref(), problems),
            scales: single(files, "scales", |r| r.scales.as_ref(), problems),
            composite: single(files, "composite", |r| r.composite.as_ref(), problems),
            bands: single(files, "bands", |r| r.bands.as_ref(), problems),
            columns: single(files, "columns", |r| r.columns.as_ref(), problems),
            requires: single(files, "requires", |r| r.requires.as_ref(), problems),
            demotion: single(files, "demotion", |r| r.demotion.as_ref(), problems),
            positions: list(files, "positions", |r| r.positions.as_ref()),
            sequences: list(files, "sequences", |r| r.sequences.as_ref()),
            bridges: list(files, "bridges", |r| r.bridges.as_ref()),
            cohort: single(files, "cohort", |r| r.cohort.as_ref(), problems),
            distribution: single(files, "distribution", |r| r.distribution.as_ref(), problems),
            min_cohort: single(files, "distribution_min_cohort", |r| r.distribution_min_cohort.as_ref(), problems),
            quotas: list(files, "quotas", |r| r.quotas.as_ref()),
            placement: single(files, "placement", |r| r.placement.as_ref(), problems),
        }
    }
}

/// The one file that sets `key`; each further file that sets it is a problem.
fn single<'a, T>(
    files: &'a [SourceFile],
    key: &str,
    field: fn(&RawFile) -> Option<&T>,
    problems: &mut Vec<Problem>,
) -> Option<Single<'a, T>> {
    let mut found: Option<Single<T>> = None;
    for file in files {
        if let Some(value) = field(&file.raw) {
            if let Some(first) = &found {
                problems.push(file.problem_at(key, format!("`{key}` is already defined in {}", first.file.render(key))));
            } else {
                found = Some(Single { file, value });
            }
        }
    }
    found
}

/// The elements of the list `key` from every file, in file order.
fn list<'a, T>(files: &'a [SourceFile], key: &str, field: fn(&RawFile) -> Option<&Vec<T>>) -> Vec<Placed<'a, T>> {
    let mut all = Vec::new();
    for file in files {
        for (i, item) in field(&file.raw).into_iter().flatten().enumerate() {
            all.push(Placed { file, path: format!("{key}[{i}]"), item });
        }
    }
    all
}

pub(super) fn build(files: &[SourceFile]) -> Result<Scheme, Vec<Problem>> {
    let mut problems = Vec::new();
    let sections = Sections::gather(files, &mut problems);
    let first_file = &files[0];

    let id = top::id(sections.id, first_file, &mut problems);
    let title = sections.title.map_or_else(|| id.clone(), |t| t.value.clone());
    let review = top::review(sections.review, &mut problems);
    let (competency_scale, ordinal_scales) = top::scales(sections.scales, &mut problems);
    let composite = top::composite(sections.composite, first_file, &mut problems);
    let bands = top::bands(sections.bands, &mut problems);
    let (column_aliases, fact_aliases) = top::columns(sections.columns.as_ref(), &mut problems);

    let positions = positions::build_positions(&sections.positions, &mut problems);
    let sequences = positions::build_sequences(&sections.sequences, &mut problems);
    let names = names::Names::check(&sections.positions, &sections.sequences, &mut problems);

    let mut rules = rules::Rules::new(&ordinal_scales, &bands, &positions, &names);
    rules::null_rules(files, &sections.sequences, &sections.bridges, &mut problems);
    let requires = sections.requires.and_then(|r| rules.parse(r.file, "requires", r.value, &mut problems));
    let demotion = sections.demotion.and_then(|r| rules.parse(r.file, "demotion", r.value, &mut problems));
    let (mut sequences, demotion_targets) = grades::sequences(&sections.sequences, sequences, &mut rules, &mut problems);
    let resolved_targets = grades::resolve_demotions(demotion_targets, &sequences, &names, &mut problems);
    let bridges = grades::bridges(&sections.bridges, &sequences, &mut rules, &names, &mut problems);
    let mut registry = rules.into_registry();

    let quotas: Vec<Quota> =
        sections.quotas.iter().filter_map(|q| committee::build_quota(q, &sequences, &names, &mut registry, &mut problems)).collect();
    for ((s, gi), target) in resolved_targets {
        sequences[s].grades[gi].demotion_to = Some(target);
    }
    let cohort = committee::build_cohort(sections.cohort, &mut registry, &mut problems);
    let distribution = committee::build_distribution(sections.distribution, sections.min_cohort, &bands, &mut problems);
    let placement = committee::build_placement(sections.placement, &mut problems);

    if positions.is_empty() && problems.is_empty() {
        problems.push(first_file.problem_at("", "the scheme has no `positions`"));
    }
    if sequences.is_empty() && problems.is_empty() {
        problems.push(first_file.problem_at("", "the scheme has no `sequences`"));
    }
    if let Some(c) = &sections.columns {
        unread_columns(c, &placement, &registry, &mut problems);
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let max_streak = max_streak(requires.iter().chain(demotion.iter()), &sequences, &bridges);
    Ok(Scheme {
        id,
        title,
        review,
        competency_scale,
        ordinal_scales,
        composite,
        bands,
        columns: column_aliases,
        fact_columns: fact_aliases,
        requires,
        demotion,
        positions,
        sequences,
        bridges,
        column_facts: registry,
        max_streak,
        sources: files.iter().map(|f| Source { path: f.path.clone(), sha256: f.sha256.clone() }).collect(),
        cohort,
        distribution,
        quotas,
        placement,
    })
}

/// A `columns:` key that is not a reserved field must be a fact some rule reads.
fn unread_columns(c: &Single<BTreeMap<String, Headers>>, placement: &Placement, registry: &ColumnRegistry, problems: &mut Vec<Problem>) {
    for field in c.value.keys().filter(|f| Reserved::from_name(f).is_none()) {
        // The placement's tenure column may have its own header too.
        let tenure = matches!(&placement.tenure, Tenure::Column(name) if name == field);
        if !tenure && !registry.names.iter().any(|n| n == field) {
            let near = crate::suggest::did_you_mean(
                field,
                Reserved::ALL.iter().map(|r| r.name()).chain(registry.names.iter().map(String::as_str)),
            );
            problems.push(c.file.problem_at(&format!("columns.{field}"), format!("`{field}` is neither a reserved field (id, name, position, sequence, grade, hire_date, grade_date, birth_date) nor a fact that a rule reads; `columns` maps those to the headers of the employee file{near}")));
        }
    }
}

/// The longest streak any rule tests, in quarters: how much history a row needs.
fn max_streak<'a>(scheme_rules: impl Iterator<Item = &'a Rule>, sequences: &'a [Sequence], bridges: &'a [Bridge]) -> usize {
    let mut max_streak = 0;
    let all_rules = scheme_rules
        .chain(sequences.iter().flat_map(|s| s.grades.iter().flat_map(|g| g.requires.iter().chain(g.demotion.iter()))))
        .chain(bridges.iter().flat_map(|b| b.requires.iter()));
    for r in all_rules {
        r.for_each_test(&mut |t| {
            if let Subject::Streak { quarters } = t.subject {
                max_streak = max_streak.max(quarters);
            }
        });
    }
    max_streak
}

/// A figure the evaluator computes (`composite`, `months_in_grade`, …), not a column.
fn computed_name(name: &str) -> bool {
    crate::rule::Computed::ALL.iter().any(|(_, n)| *n == name)
}

fn check_weight(file: &SourceFile, path: &str, weight: Num, problems: &mut Vec<Problem>) {
    if weight.0 < Decimal::ZERO || weight.0 > HUNDRED {
        problems.push(file.problem_at_value(path, format!("a weight is from 0 to 100, found {}", weight.0)));
    }
}
