//! The scheme's top-level sections that stand alone: its id, `review`,
//! `scales`, `composite`, `bands` and `columns`.

use super::{check_weight, computed_name, Single, HUNDRED};
use crate::rule::Reserved;
use crate::scheme::load::{Problem, SourceFile};
use crate::scheme::raw::{describe, number_of, Headers, RawBand, RawComposite, RawReview};
use crate::scheme::{Band, Composite, Range, Review};
use rust_decimal::Decimal;
use serde_yaml::Value;
use std::collections::BTreeMap;

/// `scheme: ID`, trimmed; empty (with a problem) when blank or missing.
pub(super) fn id(id: Option<Single<String>>, first_file: &SourceFile, problems: &mut Vec<Problem>) -> String {
    match id {
        Some(s) if !s.value.trim().is_empty() => s.value.trim().to_string(),
        Some(s) => {
            problems.push(s.file.problem_at_value("scheme", "the scheme id is empty"));
            String::new()
        }
        None => {
            problems.push(first_file.problem_at("", "missing `scheme: ID` (the scheme's id)"));
            String::new()
        }
    }
}

/// `review: {quarters, halves}`, each from 1 to 40; 4 and 2 when absent.
pub(super) fn review(review: Option<Single<RawReview>>, problems: &mut Vec<Problem>) -> Review {
    match review {
        Some(r) => {
            for (key, n) in [("quarters", r.value.quarters), ("halves", r.value.halves)] {
                if n == 0 || n > 40 {
                    problems
                        .push(r.file.problem_at_value(&format!("review.{key}"), format!("`review.{key}` must be from 1 to 40, found {n}")));
                }
            }
            Review { quarters: r.value.quarters, halves: r.value.halves }
        }
        None => Review { quarters: 4, halves: 2 },
    }
}

/// The competency range and the ordinal scales: kpi is fixed at 0..100;
/// competency is a range; the rest are ordinal.
pub(super) fn scales(scales: Option<Single<BTreeMap<String, Value>>>, problems: &mut Vec<Problem>) -> (Range, Vec<(String, Vec<String>)>) {
    let mut competency_scale = Range { min: Decimal::ONE, max: Decimal::from(5) };
    let mut ordinal_scales: Vec<(String, Vec<String>)> = Vec::new();
    let Some(s) = scales else { return (competency_scale, ordinal_scales) };
    for (name, value) in s.value {
        let path = format!("scales.{name}");
        match name.as_str() {
            "kpi" | "competency" => match range_of(value, s.file, &path) {
                Ok(range) if name == "kpi" => {
                    if range.min != Decimal::ZERO || range.max != HUNDRED {
                        problems.push(s.file.problem_at(
                            &path,
                            format!("`scales.kpi` is always 0..100 (item scores are percentages), found {}..{}", range.min, range.max),
                        ));
                    }
                }
                Ok(range) => {
                    if range.min >= range.max {
                        problems.push(
                            s.file.problem_at(&path, format!("`scales.competency` needs min < max, found {}..{}", range.min, range.max)),
                        );
                    }
                    competency_scale = range;
                }
                Err(m) => problems.push(s.file.problem_at(&path, m)),
            },
            _ => match value.as_sequence() {
                Some(levels) if !levels.is_empty() => {
                    ordinal_scales.push((name.clone(), ordinal_levels(s.file, &path, name, levels, problems)));
                }
                Some(_) => problems.push(s.file.problem_at(&path, format!("the `{name}` scale is empty: list its levels, lowest first"))),
                _ => problems.push(
                    s.file.problem_at(&path, format!("an ordinal scale is a list of levels, lowest first; found {}", describe(value))),
                ),
            },
        }
    }
    (competency_scale, ordinal_scales)
}

/// The levels of the ordinal scale `name`, lowest first: texts, each once,
/// and the name neither reserved nor computed.
fn ordinal_levels(file: &SourceFile, path: &str, name: &str, levels: &[Value], problems: &mut Vec<Problem>) -> Vec<String> {
    let mut texts = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        match level.as_str() {
            Some(t) if texts.iter().any(|x: &String| x == t) => {
                problems.push(file.problem_at_value(&format!("{path}[{i}]"), format!("`{t}` appears twice on the `{name}` scale")));
            }
            Some(t) => texts.push(t.to_string()),
            None => {
                problems.push(file.problem_at_value(&format!("{path}[{i}]"), format!("a scale level is text, found {}", describe(level))));
            }
        }
    }
    if Reserved::from_name(name).is_some() || computed_name(name) {
        problems.push(file.problem_at(path, format!("`{name}` is a reserved or computed fact and cannot be an ordinal scale")));
    }
    texts
}

/// A `{min, max}` range, its numbers read exactly from their text at `path`.
fn range_of(value: &Value, file: &SourceFile, path: &str) -> Result<Range, String> {
    let map = value.as_mapping().ok_or_else(|| format!("a scale range is {{min, max}}, found {}", describe(value)))?;
    let get = |k: &str| -> Result<Decimal, String> {
        let v = map.get(k).filter(|v| v.is_number()).ok_or_else(|| format!("a scale range needs a numeric `{k}`"))?;
        match file.index.scalar(&format!("{path}.{k}")) {
            Some(text) => super::raw::exact_number(text),
            None => number_of(v).ok_or_else(|| format!("a scale range needs a numeric `{k}`")),
        }
    };
    if let Some(extra) = map.keys().filter_map(Value::as_str).find(|k| !matches!(*k, "min" | "max")) {
        return Err(format!("unknown key `{extra}` in a scale range (expected min, max)"));
    }
    Ok(Range { min: get("min")?, max: get("max")? })
}

/// `composite: {kpi: W, competency: W}`, weights from 0 to 100 that sum to 100.
pub(super) fn composite(composite: Option<Single<RawComposite>>, first_file: &SourceFile, problems: &mut Vec<Problem>) -> Composite {
    match composite {
        Some(c) => {
            let sum = c.value.kpi.0 + c.value.competency.0;
            if sum != HUNDRED {
                problems.push(c.file.problem_at(
                    "composite",
                    format!(
                        "composite weights sum to {} (kpi {} + competency {}), expected 100",
                        sum.normalize(),
                        c.value.kpi.0,
                        c.value.competency.0
                    ),
                ));
            }
            check_weight(c.file, "composite.kpi", c.value.kpi, problems);
            check_weight(c.file, "composite.competency", c.value.competency, problems);
            Composite { kpi: c.value.kpi.0, competency: c.value.competency.0 }
        }
        None => {
            problems.push(first_file.problem_at("", "missing `composite: {kpi: W, competency: W}`"));
            Composite { kpi: HUNDRED, competency: Decimal::ZERO }
        }
    }
}

/// `bands:`, each id once, strictly descending, the lowest reaching 0.
pub(super) fn bands(bands: Option<Single<Vec<RawBand>>>, problems: &mut Vec<Problem>) -> Vec<Band> {
    // No bands: every band is null (a scheme may rank without naming bands).
    let Some(b) = bands else { return Vec::new() };
    let mut out: Vec<Band> = Vec::new();
    for (i, band) in b.value.iter().enumerate() {
        let path = format!("bands[{i}]");
        if out.iter().any(|o| o.id == band.id) {
            problems.push(b.file.problem_at(&format!("{path}.id"), format!("band `{}` is defined twice", band.id)));
        }
        if let Some(prev) = out.last() {
            if band.min.0 >= prev.min {
                problems.push(b.file.problem_at(
                    &format!("{path}.min"),
                    format!(
                        "bands must be strictly descending: `{}` has min {} after `{}` with min {}",
                        band.id, band.min.0, prev.id, prev.min
                    ),
                ));
            }
        }
        out.push(Band { id: band.id.clone(), title: band.title.clone().unwrap_or_else(|| band.id.clone()), min: band.min.0 });
    }
    match out.last() {
        None => problems.push(b.file.problem_at("bands", "the band list is empty")),
        Some(last) if last.min > Decimal::ZERO => problems.push(b.file.problem_at(
            &format!("bands[{}].min", out.len() - 1),
            format!(
                "the lowest band `{}` starts at {}: it must reach the composite scale's minimum 0, or some composites would have no band",
                last.id, last.min
            ),
        )),
        _ => {}
    }
    out
}

/// Headers a reserved field also goes by, as in `Scheme::columns`.
type ReservedAliases = Vec<(Reserved, String)>;
/// Headers a fact also goes by, as in `Scheme::fact_columns`.
type FactAliases = Vec<(String, String)>;

/// `columns:` maps a reserved field, or a fact a rule reads, to one header
/// or several: the reserved fields' aliases, then the facts'.
pub(super) fn columns(columns: Option<&Single<BTreeMap<String, Headers>>>, problems: &mut Vec<Problem>) -> (ReservedAliases, FactAliases) {
    let mut column_aliases = Vec::new();
    let mut fact_aliases: FactAliases = Vec::new();
    let Some(c) = columns else { return (column_aliases, fact_aliases) };
    for (field, headers) in c.value {
        let path = format!("columns.{field}");
        if headers.0.is_empty() {
            problems.push(c.file.problem_at(&path, format!("`columns.{field}` lists no header")));
        }
        for (i, header) in headers.0.iter().enumerate() {
            let header = header.trim().to_string();
            if header.is_empty() {
                let at = if headers.0.len() == 1 { path.clone() } else { format!("{path}[{i}]") };
                problems.push(c.file.problem_at_value(&at, format!("`columns.{field}`: a header cannot be blank")));
                continue;
            }
            match Reserved::from_name(field) {
                Some(r) => column_aliases.push((r, header)),
                None => fact_aliases.push((field.clone(), header)),
            }
        }
    }
    (column_aliases, fact_aliases)
}
