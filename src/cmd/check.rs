//! `ladder check`: the scheme validated (loading it does that) and
//! summarised — where it came from, its review window, composite, bands,
//! positions, sequences and bridges.

use crate::error::{Exit, Result};
use crate::report::durable::stderr_line;
use crate::rule::{Computed, Reserved};
use crate::scheme::{builtin, Scheme};
use std::io::Write;

pub struct Request {
    pub scheme: Scheme,
    /// `--ladder` as given (none: the built-in default).
    pub ladder: Option<String>,
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    let scheme = &req.scheme;
    writeln!(out, "ok: {} ({})", scheme.id, scheme.title)?;
    let source = match &req.ladder {
        None => format!("built-in (default: {})", builtin::DEFAULT),
        Some(l) => l.clone(),
    };
    writeln!(out, "  from:      {source}, {} file(s)", scheme.sources.len())?;
    writeln!(out, "  review:    last {} quarters, last {} halves", scheme.review.quarters, scheme.review.halves)?;
    writeln!(out, "  composite: kpi {} + competency {}", scheme.composite.kpi, scheme.composite.competency)?;
    let bands: Vec<String> = scheme.bands.iter().map(|b| format!("{} {} (>= {})", b.id, b.title, b.min)).collect();
    writeln!(out, "  bands:     {}", bands.join(", "))?;
    let cohort: Vec<&str> = scheme.cohort.names(scheme).collect();
    writeln!(out, "  cohort:    [{}]{}", cohort.join(", "), if scheme.cohort.at.is_none() { " (the default)" } else { "" })?;
    if let Some(d) = &scheme.distribution {
        let parts: Vec<String> = scheme.bands.iter().zip(&d.percent).map(|(b, p)| format!("{} {}%", b.id, p.normalize())).collect();
        writeln!(out, "  distribution: {} (cohorts of {} or more)", parts.join(", "), d.min_cohort)?;
    }
    writeln!(out, "  positions: {}", scheme.positions.len())?;
    for p in &scheme.positions {
        let groups: Vec<String> = p.groups.iter().map(|g| format!("{} {}×{}", g.id, g.weight, g.items.len())).collect();
        writeln!(out, "    {} {}: {} KPI items; competencies {}", p.id, p.title, p.kpis.len(), groups.join(", "))?;
    }
    writeln!(out, "  sequences: {}", scheme.sequences.len())?;
    for s in &scheme.sequences {
        let grades: Vec<String> = s.grades.iter().map(|g| format!("{} {}", g.id, g.title)).collect();
        writeln!(out, "    {} {}: {}", s.id, s.title, grades.join(" → "))?;
    }
    writeln!(out, "  bridges:   {}", scheme.bridges.len())?;
    for b in &scheme.bridges {
        writeln!(out, "    {} → {}", scheme.grade(b.from).id, scheme.grade(b.to).id)?;
    }
    if !scheme.column_facts.names.is_empty() {
        writeln!(out, "  columns the rules read: {}", scheme.column_facts.names.join(", "))?;
    }
    for warning in unmapped_facts(scheme) {
        stderr_line(format_args!("warning: {warning}"));
    }
    Ok(Exit::Ok)
}

/// The facts read that are neither computed nor given a header by
/// `columns:`: each must be a column of the employee file under its own
/// name, and a typo of a computed fact (`month_in_grade`) lands here.
pub fn unmapped_facts(scheme: &Scheme) -> Vec<String> {
    let known: Vec<&str> = Computed::ALL.iter().map(|(_, n)| *n).chain(Reserved::ALL.iter().map(|r| r.name())).collect();
    scheme
        .column_facts
        .names
        .iter()
        .zip(&scheme.column_facts.first_use)
        .filter(|(name, _)| !scheme.fact_columns.iter().any(|(f, _)| f == *name))
        .map(|(name, at)| {
            let near = match crate::suggest::closest(name, known.iter().copied()) {
                Some(c) if Computed::ALL.iter().any(|(_, n)| *n == c) => format!("; did you mean the computed fact `{c}`?"),
                Some(r) => format!("; did you mean the reserved column `{r}`?"),
                None => String::new(),
            };
            format!(
                "`{name}` (read at {at}) is neither computed nor mapped by `columns:`: the employee file must have a column `{name}`{near}"
            )
        })
        .collect()
}
