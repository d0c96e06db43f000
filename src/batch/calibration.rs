//! The calibration sheet of SPEC §8.5, computed once for every place that
//! shows it: `ladder calibrate` (table, csv, json) and the calibration
//! section of the html and xlsx reports of `evaluate`. Per rank cohort (or
//! per group of `--by` columns), the head count in each band — the
//! composite's band, before calibration — against the scheme's
//! `distribution` target (percentage × head count, rounded half away from
//! zero) and the difference.

use crate::batch::memory::Evaluation;
use crate::rule::Reserved;
use crate::scheme::{CohortField, Scheme};
use anyhow::{bail, Result};
use rust_decimal::{Decimal, RoundingStrategy};

/// One band of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandLine {
    pub band: usize,
    pub count: usize,
    /// percentage × head count / 100, rounded half away from zero.
    pub target: i64,
}

impl BandLine {
    /// count − target: positive, that many more than the target (to move
    /// down, or up from the bottom band); negative, that many to bring in.
    pub fn difference(&self) -> i64 {
        self.count as i64 - self.target
    }
}

/// One group: its values of the grouping fields, and its bands.
#[derive(Debug, Clone)]
pub struct Group {
    pub values: Vec<String>,
    pub head_count: usize,
    /// Whether the distribution applies to it (its size reaches `distribution_min_cohort`).
    pub forced: bool,
    pub bands: Vec<BandLine>,
}

/// The worksheet.
#[derive(Debug)]
pub struct Sheet {
    /// The grouping fields' names.
    pub fields: Vec<String>,
    pub groups: Vec<Group>,
    /// Employees without a band (in error, or without a composite): in no group.
    pub unbanded: usize,
}

/// How a row's value of one grouping field is read.
enum Field {
    Reserved(Reserved),
    Column(usize),
}

/// Groups the banded employees of `evaluation` by the scheme's cohort, or by
/// the `by` columns; an unknown column is an error naming it.
pub fn sheet(evaluation: &Evaluation, by: &[String]) -> Result<Sheet> {
    let scheme = evaluation.scheme;
    let Some(distribution) = &scheme.distribution else {
        bail!("the scheme `{}` has no `distribution`: `ladder calibrate` compares each cohort's bands with it (SPEC §8.5); add one, e.g. `distribution: {{A: 10, B: 20, C: 60, D: 10}}`", scheme.id);
    };
    let layout = &evaluation.layout;
    let (names, fields): (Vec<String>, Vec<Field>) = if by.is_empty() {
        let fields = scheme
            .cohort
            .fields
            .iter()
            .map(|f| match f {
                CohortField::Reserved(r) => Field::Reserved(*r),
                CohortField::Column(id) => match layout.facts.get(*id).copied().flatten() {
                    Some(c) => Field::Column(c),
                    None => Field::Reserved(Reserved::Id), // not reached: the layout has every cohort column
                },
            })
            .collect();
        (scheme.cohort.names(scheme).map(String::from).collect(), fields)
    } else {
        let mut fields = Vec::new();
        for name in by {
            let field = match Reserved::from_name(name) {
                Some(r) => Field::Reserved(r),
                None => match layout.by_name.get(name) {
                    Some(c) => Field::Column(*c),
                    None => bail!(
                        "{}: --by `{name}`: the file has no such column (its columns include {})",
                        evaluation.inputs.first().map_or("the employee file", |(d, _)| d.as_str()),
                        layout.headers.iter().filter(|h| !h.contains('.')).take(12).cloned().collect::<Vec<_>>().join(", ")
                    ),
                },
            };
            fields.push(field);
        }
        (by.to_vec(), fields)
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<Vec<String>, usize> = std::collections::HashMap::new();
    let mut unbanded = 0;
    for o in &evaluation.outcomes {
        let band = o.figures.as_ref().and_then(|f| f.band).filter(|_| o.row.errors.is_empty());
        let Some(band) = band else {
            unbanded += 1;
            continue;
        };
        let values: Vec<String> = fields.iter().map(|f| value(scheme, &o.row, f)).collect();
        let at = *index.entry(values.clone()).or_insert_with(|| {
            groups.push(Group {
                values,
                head_count: 0,
                forced: false,
                bands: (0..scheme.bands.len()).map(|band| BandLine { band, count: 0, target: 0 }).collect(),
            });
            groups.len() - 1
        });
        groups[at].head_count += 1;
        groups[at].bands[band].count += 1;
    }
    for g in &mut groups {
        g.forced = g.head_count >= distribution.min_cohort;
        for (line, pct) in g.bands.iter_mut().zip(&distribution.percent) {
            line.target = target(*pct, g.head_count);
        }
    }
    Ok(Sheet { fields: names, groups, unbanded })
}

/// percentage × head count / 100, rounded half away from zero (exact: the
/// percentage is a decimal of the scheme, the product has no rounding).
pub fn target(pct: Decimal, head_count: usize) -> i64 {
    let exact = pct * Decimal::from(head_count) / Decimal::ONE_HUNDRED;
    i64::try_from(exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero).mantissa()).unwrap_or(i64::MAX)
}

/// A row's value of a grouping field: the id a reserved field resolved to
/// (a grade written by its title is its grade), else the cell.
fn value(scheme: &Scheme, row: &crate::input::records::Row, field: &Field) -> String {
    match field {
        Field::Reserved(Reserved::Grade) => row.grade.map(|g| scheme.grade(g).id.clone()).unwrap_or_default(),
        Field::Reserved(Reserved::Sequence) => row.grade.map(|g| scheme.sequences[g.sequence].id.clone()).unwrap_or_default(),
        Field::Reserved(Reserved::Position) => row.position.map(|p| scheme.positions[p].id.clone()).unwrap_or_default(),
        Field::Reserved(Reserved::Id) => row.id.clone(),
        Field::Reserved(Reserved::Name) => row.name.clone(),
        Field::Reserved(Reserved::HireDate) => row.hire_date.map(|d| d.to_string()).unwrap_or_default(),
        Field::Reserved(Reserved::GradeDate) => row.grade_date.map(|d| d.to_string()).unwrap_or_default(),
        Field::Reserved(Reserved::BirthDate) => row.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        Field::Column(c) => row.cell(*c).to_string(),
    }
}

impl Sheet {
    /// Every group's bands added up, band by band (targets too: each group's
    /// target is rounded on its own, so these need not add up to the head count).
    pub fn totals(&self, scheme: &Scheme) -> Vec<BandLine> {
        (0..scheme.bands.len())
            .map(|band| BandLine {
                band,
                count: self.groups.iter().map(|g| g.bands[band].count).sum(),
                target: self.groups.iter().map(|g| g.bands[band].target).sum(),
            })
            .collect()
    }

    /// The employees in a group (those with a band).
    pub fn head_count(&self) -> usize {
        self.groups.iter().map(|g| g.head_count).sum()
    }
}

/// A group's label for people: `department 华东, grade T2` (a blank value
/// as `(blank)`), or `everyone` when nothing groups.
pub fn group_label(fields: &[String], values: &[String]) -> String {
    let label: Vec<String> = fields.iter().zip(values).map(|(f, v)| format!("{f} {}", if v.is_empty() { "(blank)" } else { v })).collect();
    if label.is_empty() {
        "everyone".to_string()
    } else {
        label.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn targets_round_half_away_from_zero() {
        let t = |p: &str, n| target(p.parse().unwrap(), n);
        assert_eq!(t("10", 15), 2, "1.5 → 2");
        assert_eq!(t("10", 14), 1, "1.4 → 1");
        assert_eq!(t("20", 12), 2, "2.4 → 2");
        assert_eq!(t("60", 15), 9);
        assert_eq!(t("12.5", 4), 1, "0.5 → 1");
        assert_eq!(t("0", 100), 0);
        assert_eq!(t("100", 7), 7);
    }
}
