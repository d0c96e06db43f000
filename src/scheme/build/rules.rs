//! Rules in the scheme: the parser with the scheme's vocabulary (scales,
//! bands, KPI items, competency groups, ids), the column facts rules name,
//! and rule keys written with nothing after them.

use super::names::Names;
use super::Placed;
use crate::rule::{parse_rule, ColumnRegistry, Rule, RuleContext};
use crate::scheme::load::{Problem, SourceFile};
use crate::scheme::raw::{RawBridge, RawSequence};
use crate::scheme::{Band, Position};
use serde_yaml::Value;

/// What a rule may name, and the column facts the rules parsed so far name.
pub(super) struct Rules<'a> {
    ordinal_scales: &'a [(String, Vec<String>)],
    band_ids: Vec<String>,
    kpi_items: Vec<String>,
    groups: Vec<String>,
    names: &'a Names,
    registry: ColumnRegistry,
}

impl<'a> Rules<'a> {
    pub(super) fn new(ordinal_scales: &'a [(String, Vec<String>)], bands: &[Band], positions: &[Position], names: &'a Names) -> Self {
        let band_ids: Vec<String> = bands.iter().map(|b| b.id.clone()).collect();
        let mut kpi_items: Vec<String> = positions.iter().flat_map(|p| p.kpis.iter().map(|k| k.id.clone())).collect();
        kpi_items.dedup();
        let mut groups: Vec<String> = positions.iter().flat_map(|p| p.groups.iter().map(|g| g.id.clone())).collect();
        groups.dedup();
        Rules { ordinal_scales, band_ids, kpi_items, groups, names, registry: ColumnRegistry::default() }
    }

    /// The rule at `path` of `file`, its problems located there.
    pub(super) fn parse(&mut self, file: &SourceFile, path: &str, value: &Value, problems: &mut Vec<Problem>) -> Option<Rule> {
        let locate = |p: &str| file.render(p);
        let scalar = |p: &str| file.index.scalar(p).map(str::to_string);
        let names = self.names;
        let not_an_id = |field, text: &str| names.not_an_id(field, text);
        let mut ctx = RuleContext {
            ordinal_scales: self.ordinal_scales,
            band_ids: &self.band_ids,
            kpi_items: &self.kpi_items,
            competency_groups: &self.groups,
            columns: &mut self.registry,
            locate: &locate,
            scalar: &scalar,
            not_an_id: &not_an_id,
        };
        let mut found = Vec::new();
        let parsed = parse_rule(value, path, &mut ctx, &mut found);
        problems.extend(found.into_iter().map(|(p, m)| file.problem_at(&p, m)));
        parsed
    }

    /// The column facts every rule parsed names (quotas and the cohort add theirs).
    pub(super) fn into_registry(self) -> ColumnRegistry {
        self.registry
    }
}

/// `requires:` with nothing after it reads as no rule at all; say so
/// rather than let an empty key mean "nothing required" or "never demoted".
pub(super) fn null_rules(
    files: &[SourceFile],
    sequences: &[Placed<RawSequence>],
    bridges: &[Placed<RawBridge>],
    problems: &mut Vec<Problem>,
) {
    for file in files {
        for (key, value) in [("requires", &file.raw.requires), ("demotion", &file.raw.demotion)] {
            null_rule(file, key, value.as_ref(), problems);
        }
    }
    for placed in sequences {
        for (gi, g) in placed.item.grades.iter().enumerate() {
            for (key, value) in [("requires", &g.requires), ("demotion", &g.demotion)] {
                null_rule(placed.file, &format!("{}.grades[{gi}].{key}", placed.path), value.as_ref(), problems);
            }
        }
    }
    for placed in bridges {
        null_rule(placed.file, &format!("{}.requires", placed.path), placed.item.requires.as_ref(), problems);
    }
}

/// A rule key written with no value (`demotion:`, `requires: ~`): serde
/// reads it as absent, the index still has its (empty) scalar.
fn null_rule(file: &SourceFile, path: &str, value: Option<&Value>, problems: &mut Vec<Problem>) {
    if value.is_none() && file.index.scalar(path).is_some() {
        let key = path.rsplit('.').next().unwrap_or(path);
        problems.push(file.problem_at(path, format!("`{key}` is empty: write a rule, or leave the key out")));
    }
}
