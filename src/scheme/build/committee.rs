//! The review committee's sections (SPEC §8): `quotas`, `cohort`,
//! `distribution` and `placement`.

use super::grades::find_grade;
use super::names::Names;
use super::{computed_name, Placed, Single, HUNDRED};
use crate::rule::{ColumnRegistry, Reserved};
use crate::scheme::load::{Problem, SourceFile};
use crate::scheme::raw::{indexmap_like::OrderedMap, Num, RawPlacement, RawQuota};
use crate::scheme::{Band, Cohort, CohortField, Distribution, Placement, Quota, Sequence, Tenure};
use rust_decimal::Decimal;

/// One `quotas:` entry (SPEC §8.4): known grades, each once, a `max` or a
/// `max_pct` (or both) that cannot be negative, a percentage up to 100, and
/// `per` fields like a cohort's (a column joins the registry so the
/// employee file must have it).
pub(super) fn build_quota(
    q: &Placed<RawQuota>,
    sequences: &[Sequence],
    names: &Names,
    registry: &mut ColumnRegistry,
    problems: &mut Vec<Problem>,
) -> Option<Quota> {
    let before = problems.len();
    let raw = q.item;
    let mut grades = Vec::new();
    if raw.grade.0.is_empty() {
        problems.push(q.file.problem_at_value(&format!("{}.grade", q.path), "a quota names at least one grade"));
    }
    for (i, id) in raw.grade.0.iter().enumerate() {
        // `grade: S4` is located at the scalar, `grade: [M1, P1]` at each element.
        let path = if q.file.index.scalar(&format!("{}.grade", q.path)).is_some() {
            format!("{}.grade", q.path)
        } else {
            format!("{}.grade[{i}]", q.path)
        };
        match find_grade(sequences, id.trim()) {
            None => problems
                .push(q.file.problem_at_value(&path, format!("quota grade `{id}`: no grade has that id{}", names.grade_hint(id.trim())))),
            Some(g) if grades.contains(&g) => {
                problems.push(q.file.problem_at_value(&path, format!("`{id}` is listed twice in this quota")));
            }
            Some(g) => grades.push(g),
        }
    }
    if raw.max.is_none() && raw.max_pct.is_none() {
        problems.push(q.file.problem_at(&q.path, "a quota needs `max` (a count) or `max_pct` (a percentage of the head count), or both"));
    }
    let mut max = None;
    if let Some(m) = raw.max {
        let path = format!("{}.max", q.path);
        if m.0 < Decimal::ZERO || m.0.fract() != Decimal::ZERO {
            problems.push(q.file.problem_at_value(&path, format!("`max` is a whole number of promotions, 0 or more, found {}", m.0)));
        } else {
            match u64::try_from(m.0) {
                Ok(n) => max = Some(n),
                Err(_) => problems.push(q.file.problem_at_value(&path, format!("`max` is too large: {}", m.0))),
            }
        }
    }
    if let Some(p) = raw.max_pct {
        if p.0 < Decimal::ZERO || p.0 > HUNDRED {
            problems.push(
                q.file.problem_at_value(&format!("{}.max_pct", q.path), format!("`max_pct` is a percentage from 0 to 100, found {}", p.0)),
            );
        }
    }
    let mut per = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in raw.per.iter().flatten().enumerate() {
        let path = format!("{}.per[{i}]", q.path);
        let name = name.trim();
        if name.is_empty() {
            problems.push(q.file.problem_at_value(&path, "a `per` field cannot be blank"));
        } else if seen.contains(&name) {
            problems.push(q.file.problem_at_value(&path, format!("`{name}` is listed twice in `per`")));
        } else {
            match group_field(q.file, &path, name, "a quota's `per`", registry) {
                Ok(field) => {
                    seen.push(name);
                    per.push(field);
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    (problems.len() == before).then(|| Quota { grades, max, max_pct: raw.max_pct.map(|p| p.0), per, at: q.file.render(&q.path) })
}

/// `cohort:` (SPEC §8.2): reserved fields or column names, each once; a
/// column joins the registry so the employee file must have it.
pub(super) fn build_cohort(cohort: Option<Single<Vec<String>>>, registry: &mut ColumnRegistry, problems: &mut Vec<Problem>) -> Cohort {
    let Some(c) = cohort else { return Cohort::default() };
    let mut fields = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in c.value.iter().enumerate() {
        let path = format!("cohort[{i}]");
        let name = name.trim();
        if name.is_empty() {
            problems.push(c.file.problem_at_value(&path, "a cohort field cannot be blank"));
            continue;
        }
        if seen.contains(&name) {
            problems.push(c.file.problem_at_value(&path, format!("`{name}` is listed twice in `cohort`")));
            continue;
        }
        seen.push(name);
        match group_field(c.file, &path, name, "a cohort", registry) {
            Ok(field) => fields.push(field),
            Err(problem) => problems.push(problem),
        }
    }
    Cohort { fields, at: Some(c.file.render("cohort")) }
}

/// A field a cohort or a quota's `per` (`who`) groups by: a reserved field,
/// or a column, which joins the registry so the employee file must have
/// it; never a computed figure.
fn group_field(file: &SourceFile, path: &str, name: &str, who: &str, registry: &mut ColumnRegistry) -> Result<CohortField, Problem> {
    if let Some(r) = Reserved::from_name(name) {
        Ok(CohortField::Reserved(r))
    } else if computed_name(name) || name.starts_with("kpi.") || name.starts_with("competency.") {
        Err(file.problem_at_value(
            path,
            format!("`{name}` is a computed figure; {who} groups by reserved fields (sequence, grade, position, …) or columns of the employee file"),
        ))
    } else {
        Ok(CohortField::Column(registry.register(name, &file.render(path))))
    }
}

/// `distribution:` and `distribution_min_cohort:` (SPEC §8.5): every band,
/// in the bands' order, percentages from 0 to 100 that sum to 100.
pub(super) fn build_distribution(
    distribution: Option<Single<OrderedMap<Num>>>,
    min_cohort: Option<Single<usize>>,
    bands: &[Band],
    problems: &mut Vec<Problem>,
) -> Option<Distribution> {
    let Some(d) = distribution else {
        if let Some(m) = min_cohort {
            problems.push(m.file.problem_at("distribution_min_cohort", "`distribution_min_cohort` needs a `distribution`"));
        }
        return None;
    };
    let band_ids: Vec<&str> = bands.iter().map(|b| b.id.as_str()).collect();
    let written: Vec<&str> = d.value.0.iter().map(|(k, _)| k.as_str()).collect();
    let mut sum = Decimal::ZERO;
    let mut percent = vec![Decimal::ZERO; bands.len()];
    for (key, value) in &d.value.0 {
        let path = format!("distribution.{key}");
        match band_ids.iter().position(|b| b == key) {
            None => problems.push(d.file.problem_at(
                &path,
                format!(
                    "`{key}` is not a band; the bands are {}",
                    if band_ids.is_empty() { "none (no `bands`)".to_string() } else { band_ids.join(", ") }
                ),
            )),
            Some(i) => percent[i] = value.0,
        }
        if value.0 < Decimal::ZERO || value.0 > HUNDRED {
            problems.push(d.file.problem_at_value(&path, format!("a percentage is from 0 to 100, found {}", value.0)));
        }
        sum += value.0;
    }
    let missing: Vec<&str> = band_ids.iter().copied().filter(|b| !written.contains(b)).collect();
    if !missing.is_empty() {
        problems.push(
            d.file.problem_at("distribution", format!("`distribution` must name every band (0 allowed); missing {}", missing.join(", "))),
        );
    } else if written.iter().all(|w| band_ids.contains(w)) && written != band_ids {
        problems.push(d.file.problem_at(
            "distribution",
            format!(
                "`distribution` lists the bands in the order {}; write them in the bands' order: {}",
                written.join(", "),
                band_ids.join(", ")
            ),
        ));
    }
    if sum != HUNDRED {
        problems.push(d.file.problem_at("distribution", format!("`distribution` percentages sum to {}, expected 100", sum.normalize())));
    }
    let min = match min_cohort {
        Some(m) if *m.value == 0 => {
            problems.push(m.file.problem_at_value("distribution_min_cohort", "`distribution_min_cohort` is at least 1"));
            10
        }
        Some(m) => *m.value,
        None => 10,
    };
    Some(Distribution { percent, min_cohort: min })
}

/// `placement: {tenure: FACT}` (SPEC §8.3): `months_in_company` (or
/// `hire_date`, the same months), or a date column of the employee file.
/// The column is not registered as a fact: the file needs it only under
/// `--placement`, where the layout looks it up.
pub(super) fn build_placement(placement: Option<Single<RawPlacement>>, problems: &mut Vec<Problem>) -> Placement {
    let Some(p) = placement else { return Placement::default() };
    let at = Some(p.file.render("placement"));
    let Some(name) = p.value.tenure.as_deref().map(str::trim) else { return Placement { tenure: Tenure::MonthsInCompany, at } };
    let path = "placement.tenure";
    let tenure = match name {
        "months_in_company" | "hire_date" => Tenure::MonthsInCompany,
        "" => {
            problems.push(p.file.problem_at_value(path, "`placement.tenure` cannot be blank: write `months_in_company` or a date column"));
            Tenure::MonthsInCompany
        }
        "grade_date" | "months_in_grade" => {
            problems.push(p.file.problem_at_value(
                path,
                format!("`{name}` cannot be the tenure: under --placement the grade date is not read (time in grade is what the tenure gives); write `months_in_company` or a date column such as the date the job started"),
            ));
            Tenure::MonthsInCompany
        }
        _ if Reserved::from_name(name).is_some() || computed_name(name) || name.starts_with("kpi.") || name.starts_with("competency.") => {
            problems.push(p.file.problem_at_value(
                path,
                format!("`{name}` cannot be the tenure: expected `months_in_company` or a date column of the employee file (months since that date)"),
            ));
            Tenure::MonthsInCompany
        }
        _ => Tenure::Column(name.to_string()),
    };
    Placement { tenure, at }
}
