//! From parsed files to a validated `Scheme`: merges a directory's files and
//! checks everything SPEC §2 lists, collecting every problem.

use super::load::{Problem, SourceFile};
use super::raw::{describe, number_of, Num, RawBridge, RawPlacement, RawPosition, RawQuota, RawSequence};
use super::*;
use crate::rule::{parse_rule, ColumnRegistry, Reserved, Rule, RuleContext, Subject};
use rust_decimal::Decimal;
use serde_yaml::Value;
use std::collections::HashMap;

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

pub(super) fn build(files: &[SourceFile]) -> Result<Scheme, Vec<Problem>> {
    let mut problems = Vec::new();

    macro_rules! single {
        ($field:ident) => {{
            let mut found: Option<Single<_>> = None;
            for file in files {
                if let Some(value) = &file.raw.$field {
                    if let Some(first) = &found {
                        problems.push(file.problem_at(
                            stringify!($field),
                            format!("`{}` is already defined in {}", stringify!($field), first.file.render(stringify!($field))),
                        ));
                    } else {
                        found = Some(Single { file, value });
                    }
                }
            }
            found
        }};
    }
    macro_rules! list {
        ($field:ident) => {{
            let mut all = Vec::new();
            for file in files {
                for (i, item) in file.raw.$field.iter().flatten().enumerate() {
                    all.push(Placed { file, path: format!("{}[{i}]", stringify!($field)), item });
                }
            }
            all
        }};
    }

    let first_file = &files[0];
    let id = single!(scheme);
    let title = single!(title);
    let review = single!(review);
    let scales = single!(scales);
    let composite = single!(composite);
    let bands = single!(bands);
    let columns = single!(columns);
    let requires = single!(requires);
    let demotion = single!(demotion);
    let positions = list!(positions);
    let sequences = list!(sequences);
    let bridges = list!(bridges);
    let cohort = single!(cohort);
    let distribution = single!(distribution);
    let min_cohort = single!(distribution_min_cohort);
    let quotas = list!(quotas);
    let placement = single!(placement);

    let id = match id {
        Some(s) if !s.value.trim().is_empty() => s.value.trim().to_string(),
        Some(s) => {
            problems.push(s.file.problem_at_value("scheme", "the scheme id is empty"));
            String::new()
        }
        None => {
            problems.push(first_file.problem_at("", "missing `scheme: ID` (the scheme's id)"));
            String::new()
        }
    };
    let title = title.map(|t| t.value.clone()).unwrap_or_else(|| id.clone());

    let review = match review {
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
    };

    // Scales: kpi is fixed at 0..100; competency is a range; the rest are ordinal.
    let mut competency_scale = Range { min: Decimal::ONE, max: Decimal::from(5) };
    let mut ordinal_scales: Vec<(String, Vec<String>)> = Vec::new();
    if let Some(s) = &scales {
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
                                s.file
                                    .problem_at(&path, format!("`scales.competency` needs min < max, found {}..{}", range.min, range.max)),
                            );
                        }
                        competency_scale = range;
                    }
                    Err(m) => problems.push(s.file.problem_at(&path, m)),
                },
                _ => match value.as_sequence() {
                    Some(levels) if !levels.is_empty() => {
                        let mut texts = Vec::new();
                        for (i, level) in levels.iter().enumerate() {
                            match level.as_str() {
                                Some(t) if texts.iter().any(|x: &String| x == t) => problems.push(
                                    s.file.problem_at_value(&format!("{path}[{i}]"), format!("`{t}` appears twice on the `{name}` scale")),
                                ),
                                Some(t) => texts.push(t.to_string()),
                                None => problems.push(s.file.problem_at_value(
                                    &format!("{path}[{i}]"),
                                    format!("a scale level is text, found {}", describe(level)),
                                )),
                            }
                        }
                        if Reserved::from_name(name).is_some() || Computed_name(name) {
                            problems.push(
                                s.file.problem_at(&path, format!("`{name}` is a reserved or computed fact and cannot be an ordinal scale")),
                            );
                        }
                        ordinal_scales.push((name.clone(), texts));
                    }
                    Some(_) => {
                        problems.push(s.file.problem_at(&path, format!("the `{name}` scale is empty: list its levels, lowest first")))
                    }
                    _ => problems.push(
                        s.file.problem_at(&path, format!("an ordinal scale is a list of levels, lowest first; found {}", describe(value))),
                    ),
                },
            }
        }
    }

    let composite = match composite {
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
            check_weight(c.file, "composite.kpi", c.value.kpi, &mut problems);
            check_weight(c.file, "composite.competency", c.value.competency, &mut problems);
            Composite { kpi: c.value.kpi.0, competency: c.value.competency.0 }
        }
        None => {
            problems.push(first_file.problem_at("", "missing `composite: {kpi: W, competency: W}`"));
            Composite { kpi: HUNDRED, competency: Decimal::ZERO }
        }
    };

    let bands = match bands {
        Some(b) => {
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
                Some(last) if last.min > Decimal::ZERO => problems.push(b.file.problem_at(&format!("bands[{}].min", out.len() - 1), format!("the lowest band `{}` starts at {}: it must reach the composite scale's minimum 0, or some composites would have no band", last.id, last.min))),
                _ => {}
            }
            out
        }
        // No bands: every band is null (a scheme may rank without naming bands).
        None => Vec::new(),
    };

    // `columns:` maps a reserved field, or a fact a rule reads, to one header or several.
    let mut column_aliases = Vec::new();
    let mut fact_aliases: Vec<(String, String)> = Vec::new();
    if let Some(c) = &columns {
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
    }

    let positions_built = build_positions(&positions, &competency_scale, &mut problems);
    let sequences_built = build_sequences(&sequences, &mut problems);
    // The employee file may name a position, sequence or grade by its title:
    // a title must then stand for one thing only.
    let named = |file, path: &String, id: &'_ str, title| Named { file, path: path.clone(), id: id.to_string(), title };
    let position_names: Vec<Named> = positions.iter().map(|p| named(p.file, &p.path, &p.item.id, p.item.title.clone())).collect();
    check_titles("position", &position_names, &mut problems);
    let sequence_names: Vec<Named> = sequences.iter().map(|s| named(s.file, &s.path, &s.item.id, s.item.title.clone())).collect();
    check_titles("sequence", &sequence_names, &mut problems);
    let grade_names: Vec<Named> = sequences
        .iter()
        .flat_map(|s| {
            s.item.grades.iter().enumerate().map(move |(i, g)| named(s.file, &format!("{}.grades[{i}]", s.path), &g.id, g.title.clone()))
        })
        .collect();
    check_titles("grade", &grade_names, &mut problems);
    // A grade named where an id is needed (bridges, demotion targets,
    // quotas, rules): its title gets the id, a typo the closest id.
    let grade_pairs: Vec<(String, String)> = grade_names.iter().map(|n| (n.id.clone(), n.title.clone().unwrap_or_default())).collect();
    let grade_hint = |text: &str| id_hint("grade", text, &grade_pairs);
    let positions = positions_built;

    // Rules need the scheme's vocabulary.
    let band_ids: Vec<String> = bands.iter().map(|b| b.id.clone()).collect();
    let mut kpi_items: Vec<String> = positions.iter().flat_map(|p| p.kpis.iter().map(|k| k.id.clone())).collect();
    kpi_items.dedup();
    let mut groups: Vec<String> = positions.iter().flat_map(|p| p.groups.iter().map(|g| g.id.clone())).collect();
    groups.dedup();
    let position_pairs: Vec<(String, String)> =
        position_names.iter().map(|n| (n.id.clone(), n.title.clone().unwrap_or_default())).collect();
    let sequence_pairs: Vec<(String, String)> =
        sequence_names.iter().map(|n| (n.id.clone(), n.title.clone().unwrap_or_default())).collect();
    let not_an_id = |field: Reserved, text: &str| -> Option<String> {
        let pairs = match field {
            Reserved::Position => &position_pairs,
            Reserved::Sequence => &sequence_pairs,
            _ => &grade_pairs,
        };
        let what = field.name();
        (!pairs.iter().any(|(id, _)| id == text)).then(|| format!("no {what} has the id `{text}`{}", id_hint(what, text, pairs)))
    };
    let mut registry = ColumnRegistry::default();
    let mut rule = |file: &SourceFile, path: &str, value: &Value, problems: &mut Vec<Problem>| -> Option<Rule> {
        let locate = |p: &str| file.render(p);
        let scalar = |p: &str| file.index.scalar(p).map(str::to_string);
        let mut ctx = RuleContext {
            ordinal_scales: &ordinal_scales,
            band_ids: &band_ids,
            kpi_items: &kpi_items,
            competency_groups: &groups,
            columns: &mut registry,
            locate: &locate,
            scalar: &scalar,
            not_an_id: &not_an_id,
        };
        let mut found = Vec::new();
        let parsed = parse_rule(value, path, &mut ctx, &mut found);
        problems.extend(found.into_iter().map(|(p, m)| file.problem_at(&p, m)));
        parsed
    };

    // `requires:` with nothing after it reads as no rule at all; say so
    // rather than let an empty key mean "nothing required" or "never demoted".
    for file in files {
        for (key, value) in [("requires", &file.raw.requires), ("demotion", &file.raw.demotion)] {
            null_rule(file, key, value.as_ref(), &mut problems);
        }
    }
    for placed in &sequences {
        for (gi, g) in placed.item.grades.iter().enumerate() {
            for (key, value) in [("requires", &g.requires), ("demotion", &g.demotion)] {
                null_rule(placed.file, &format!("{}.grades[{gi}].{key}", placed.path), value.as_ref(), &mut problems);
            }
        }
    }
    for placed in &bridges {
        null_rule(placed.file, &format!("{}.requires", placed.path), placed.item.requires.as_ref(), &mut problems);
    }
    let requires = requires.and_then(|r| rule(r.file, "requires", r.value, &mut problems));
    let demotion = demotion.and_then(|r| rule(r.file, "demotion", r.value, &mut problems));
    let mut sequences_out: Vec<Sequence> = Vec::new();
    // (file, path of `to`, (sequence, grade) it belongs to, the grade it names), resolved once every grade is known.
    let mut demotion_targets: Vec<(&SourceFile, String, (usize, usize), String)> = Vec::new();
    for (placed, (seq_id, seq_title, grades)) in sequences.iter().zip(sequences_built) {
        let mut out = Vec::new();
        for (gi, (gid, gtitle)) in grades.into_iter().enumerate() {
            let g = &placed.item.grades[gi];
            let base = format!("{}.grades[{gi}]", placed.path);
            let requires = g.requires.as_ref().and_then(|v| rule(placed.file, &format!("{base}.requires"), v, &mut problems));
            // `{when: RULE, to: GRADE}` (SPEC §8.1) or a plain rule; a rule never has a `when` or `to` key.
            let named = g.demotion.as_ref().and_then(Value::as_mapping).filter(|m| m.contains_key("when") || m.contains_key("to"));
            let demotion = match named {
                Some(map) => {
                    let path = format!("{base}.demotion");
                    for key in map.keys() {
                        if !matches!(key.as_str(), Some("when" | "to")) {
                            problems.push(placed.file.problem_at(
                                &path,
                                format!("unknown key {} in a demotion to a named grade (expected when, to)", describe(key)),
                            ));
                        }
                    }
                    match map.get("to") {
                        Some(Value::String(to)) => {
                            demotion_targets.push((placed.file, format!("{path}.to"), (sequences_out.len(), gi), to.clone()))
                        }
                        Some(other) => problems.push(
                            placed.file.problem_at_value(&format!("{path}.to"), format!("`to` is a grade id, found {}", describe(other))),
                        ),
                        None => {
                            problems.push(placed.file.problem_at(&path, "a demotion with `when` needs `to: GRADE` (the grade recommended)"))
                        }
                    }
                    match map.get("when") {
                        Some(v) => rule(placed.file, &format!("{path}.when"), v, &mut problems),
                        None => {
                            problems.push(placed.file.problem_at(&path, "a demotion with `to` needs `when: RULE` (when it applies)"));
                            None
                        }
                    }
                }
                None => g.demotion.as_ref().and_then(|v| rule(placed.file, &format!("{base}.demotion"), v, &mut problems)),
            };
            let decided_by = match &g.decided_by {
                Some(d) if d.trim().is_empty() => {
                    problems.push(placed.file.problem_at_value(
                        &format!("{base}.decided_by"),
                        "`decided_by` names who decides (董事会, a committee); it is empty",
                    ));
                    None
                }
                d => d.as_ref().map(|d| d.trim().to_string()),
            };
            out.push(Grade {
                id: gid,
                title: gtitle,
                requires,
                demotion,
                demotion_to: None,
                scheme_demotion: g.scheme_demotion.unwrap_or(true),
                decided_by,
            });
        }
        sequences_out.push(Sequence { id: seq_id, title: seq_title, grades: out });
    }

    let find_grade = |id: &str| -> Option<GradeRef> {
        sequences_out
            .iter()
            .enumerate()
            .find_map(|(s, seq)| seq.grades.iter().position(|g| g.id == id).map(|index| GradeRef { sequence: s, index }))
    };
    let mut resolved_targets = Vec::new();
    for (file, path, (s, gi), to) in demotion_targets {
        match find_grade(&to) {
            None => problems.push(file.problem_at_value(&path, format!("demotion to `{to}`: no grade has that id{}", grade_hint(&to)))),
            Some(target) if target == (GradeRef { sequence: s, index: gi }) => problems.push(file.problem_at_value(
                &path,
                format!("demotion of `{to}` to `{to}` itself: name another grade, or write the rule alone to demote to the grade below"),
            )),
            Some(target) => resolved_targets.push(((s, gi), target)),
        }
    }
    let mut bridges_out = Vec::new();
    let mut seen_bridges: HashMap<(GradeRef, GradeRef), String> = HashMap::new();
    for placed in &bridges {
        let b: &RawBridge = placed.item;
        let from = find_grade(&b.from);
        let to = find_grade(&b.to);
        for (key, id, found) in [("from", &b.from, from), ("to", &b.to, to)] {
            if found.is_none() {
                problems.push(placed.file.problem_at_value(
                    &format!("{}.{key}", placed.path),
                    format!("bridge {key} `{id}`: no grade has that id{}", grade_hint(id)),
                ));
            }
        }
        let requires = b.requires.as_ref().and_then(|v| rule(placed.file, &format!("{}.requires", placed.path), v, &mut problems));
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

    let quotas: Vec<Quota> = quotas.iter().filter_map(|q| build_quota(q, &find_grade, &grade_hint, &mut registry, &mut problems)).collect();
    for ((s, gi), target) in resolved_targets {
        sequences_out[s].grades[gi].demotion_to = Some(target);
    }
    let cohort = build_cohort(cohort, &mut registry, &mut problems);
    let distribution = build_distribution(distribution, min_cohort, &bands, &mut problems);
    let placement = build_placement(placement, &mut problems);

    if positions.is_empty() && problems.is_empty() {
        problems.push(first_file.problem_at("", "the scheme has no `positions`"));
    }
    if sequences_out.is_empty() && problems.is_empty() {
        problems.push(first_file.problem_at("", "the scheme has no `sequences`"));
    }
    // A `columns:` key that is not a reserved field must be a fact some rule reads.
    if let Some(c) = &columns {
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
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut max_streak = 0;
    let all_rules = requires
        .iter()
        .chain(demotion.iter())
        .chain(sequences_out.iter().flat_map(|s| s.grades.iter().flat_map(|g| g.requires.iter().chain(g.demotion.iter()))))
        .chain(bridges_out.iter().flat_map(|b| b.requires.iter()));
    for r in all_rules {
        r.for_each_test(&mut |t| {
            if let Subject::Streak { quarters } = t.subject {
                max_streak = max_streak.max(quarters);
            }
        });
    }

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
        sequences: sequences_out,
        bridges: bridges_out,
        column_facts: registry,
        max_streak,
        sources: files.iter().map(|f| Source { path: f.path.clone(), sha256: f.sha256.clone() }).collect(),
        cohort,
        distribution,
        quotas,
        placement,
    })
}

/// `placement: {tenure: FACT}` (SPEC §8.3): `months_in_company` (or
/// `hire_date`, the same months), or a date column of the employee file.
/// The column is not registered as a fact: the file needs it only under
/// `--placement`, where the layout looks it up.
fn build_placement(placement: Option<Single<RawPlacement>>, problems: &mut Vec<Problem>) -> Placement {
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
        _ if Reserved::from_name(name).is_some() || Computed_name(name) || name.starts_with("kpi.") || name.starts_with("competency.") => {
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

/// A rule key written with no value (`demotion:`, `requires: ~`): serde
/// reads it as absent, the index still has its (empty) scalar.
fn null_rule(file: &SourceFile, path: &str, value: Option<&Value>, problems: &mut Vec<Problem>) {
    if value.is_none() && file.index.scalar(path).is_some() {
        let key = path.rsplit('.').next().unwrap_or(path);
        problems.push(file.problem_at(path, format!("`{key}` is empty: write a rule, or leave the key out")));
    }
}

/// What to add to "no grade has that id": "; `初级` is the title of grade
/// `G1`: name it by its id `G1`", or "; did you mean `G1`?" (ids and titles
/// compared after NFKC, as the employee file's cells are).
fn id_hint(what: &str, text: &str, pairs: &[(String, String)]) -> String {
    let key = crate::scheme::title_key(text);
    if let Some((id, title)) = pairs.iter().find(|(_, t)| !t.is_empty() && crate::scheme::title_key(t) == key) {
        return format!("; `{title}` is the title of {what} `{id}`: name it by its id `{id}`");
    }
    let names = pairs.iter().flat_map(|(id, t)| [id.as_str(), t.as_str()]).filter(|n| !n.is_empty());
    match crate::suggest::closest(text, names) {
        Some(near) => {
            let id = pairs.iter().find(|(id, t)| id == near || t == near).map_or(near, |(id, _)| id.as_str());
            if id == near {
                format!("; did you mean `{id}`?")
            } else {
                format!("; did you mean `{id}` ({near})?")
            }
        }
        None => String::new(),
    }
}

/// Something a cell of the employee file may name by id or by title.
struct Named<'a> {
    file: &'a SourceFile,
    path: String,
    id: String,
    title: Option<String>,
}

/// Two of a kind with the same title (trimmed, after NFKC), or a title that is another's
/// id: a cell holding it would silently mean the first match.
fn check_titles(what: &str, named: &[Named], problems: &mut Vec<Problem>) {
    // Keyed as cells are matched: after NFKC, so `（一）` and `(一)` collide.
    let mut by_title: HashMap<String, &Named> = HashMap::new();
    for n in named {
        let Some(title) = n.title.as_deref().map(str::trim) else { continue };
        let key = super::title_key(title).into_owned();
        if key.is_empty() || title == n.id.trim() {
            continue;
        }
        let at = format!("{}.title", n.path);
        if let Some(other) = named.iter().find(|o| o.id.trim() == title) {
            problems.push(n.file.problem_at_value(
                &at,
                format!(
                    "the title `{title}` of {what} `{}` is the id of {what} `{}` (at {}): a cell `{title}` in the employee file would mean `{}`; give `{}` another title",
                    n.id,
                    other.id,
                    other.file.render(&format!("{}.id", other.path)),
                    other.id,
                    n.id
                ),
            ));
        } else if let Some(first) = by_title.get(&key) {
            problems.push(n.file.problem_at_value(
                &at,
                format!(
                    "{what} `{}` has the same title `{title}` as {what} `{}` (at {}): a cell `{title}` in the employee file could mean either; give them different titles",
                    n.id,
                    first.id,
                    first.file.render(&format!("{}.title", first.path))
                ),
            ));
        } else {
            by_title.insert(key, n);
        }
    }
}

/// One `quotas:` entry (SPEC §8.4): known grades, each once, a `max` or a
/// `max_pct` (or both) that cannot be negative, a percentage up to 100, and
/// `per` fields like a cohort's (a column joins the registry so the
/// employee file must have it).
fn build_quota(
    q: &Placed<RawQuota>,
    find_grade: &dyn Fn(&str) -> Option<GradeRef>,
    grade_hint: &dyn Fn(&str) -> String,
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
        match find_grade(id.trim()) {
            None => {
                problems.push(q.file.problem_at_value(&path, format!("quota grade `{id}`: no grade has that id{}", grade_hint(id.trim()))))
            }
            Some(g) if grades.contains(&g) => {
                problems.push(q.file.problem_at_value(&path, format!("`{id}` is listed twice in this quota")))
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
        } else if let Some(r) = Reserved::from_name(name) {
            seen.push(name);
            per.push(CohortField::Reserved(r));
        } else if Computed_name(name) || name.starts_with("kpi.") || name.starts_with("competency.") {
            problems.push(q.file.problem_at_value(
                &path,
                format!("`{name}` is a computed figure; a quota's `per` groups by reserved fields (sequence, grade, position, …) or columns of the employee file"),
            ));
        } else {
            seen.push(name);
            per.push(CohortField::Column(registry.register(name, &q.file.render(&path))));
        }
    }
    (problems.len() == before).then(|| Quota { grades, max, max_pct: raw.max_pct.map(|p| p.0), per, at: q.file.render(&q.path) })
}

/// `cohort:` (SPEC §8.2): reserved fields or column names, each once; a
/// column joins the registry so the employee file must have it.
fn build_cohort(cohort: Option<Single<Vec<String>>>, registry: &mut ColumnRegistry, problems: &mut Vec<Problem>) -> Cohort {
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
        if let Some(r) = Reserved::from_name(name) {
            fields.push(CohortField::Reserved(r));
        } else if Computed_name(name) || name.starts_with("kpi.") || name.starts_with("competency.") {
            problems.push(c.file.problem_at_value(
                &path,
                format!("`{name}` is a computed figure; a cohort groups by reserved fields (sequence, grade, position, …) or columns of the employee file"),
            ));
        } else {
            fields.push(CohortField::Column(registry.register(name, &c.file.render(&path))));
        }
    }
    Cohort { fields, at: Some(c.file.render("cohort")) }
}

/// `distribution:` and `distribution_min_cohort:` (SPEC §8.5): every band,
/// in the bands' order, percentages from 0 to 100 that sum to 100.
fn build_distribution(
    distribution: Option<Single<super::raw::indexmap_like::OrderedMap<Num>>>,
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

#[allow(non_snake_case)]
fn Computed_name(name: &str) -> bool {
    crate::rule::Computed::ALL.iter().any(|(_, n)| *n == name)
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

fn check_weight(file: &SourceFile, path: &str, weight: Num, problems: &mut Vec<Problem>) {
    if weight.0 < Decimal::ZERO || weight.0 > HUNDRED {
        problems.push(file.problem_at_value(path, format!("a weight is from 0 to 100, found {}", weight.0)));
    }
}

fn check_id(file: &SourceFile, path: &str, id: &str, what: &str, seen: &mut HashMap<String, String>, problems: &mut Vec<Problem>) {
    if id.trim().is_empty() {
        problems.push(file.problem_at(path, format!("{what} id is empty")));
    } else if let Some(first) = seen.get(id) {
        problems.push(file.problem_at_value(path, format!("{what} `{id}` is defined twice (first at {first})")));
    } else {
        seen.insert(id.to_string(), file.render(path));
    }
}

fn build_positions(placed: &[Placed<RawPosition>], competency_scale: &Range, problems: &mut Vec<Problem>) -> Vec<Position> {
    let _ = competency_scale;
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

type BuiltSequence = (String, String, Vec<(String, String)>);

fn build_sequences(placed: &[Placed<RawSequence>], problems: &mut Vec<Problem>) -> Vec<BuiltSequence> {
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
