//! `ladder calibrate` (SPEC §8.5): the calibration committee's worksheet.
//! Per rank cohort (or per group of `--by` columns), the head count in
//! each band — the composite's band, before calibration — against the
//! scheme's `distribution` target (percentage × head count, rounded half
//! away from zero) and the difference.

use crate::batch::memory::Evaluation;
use crate::error::{Error, Exit};
use crate::input::records::Input;
use crate::report::durable::stderr_line;
use crate::rule::Reserved;
use crate::scheme::{CohortField, Scheme};
use anyhow::{bail, Result};
use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CalibrateFormat {
    /// A table per group, for reading
    Table,
    /// One row per group and band, for a spreadsheet
    Csv,
    /// One JSON document: the groups, their bands, and the totals
    Json,
}

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
    fn json(&self, scheme: &Scheme) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let mut by = Map::new();
                for (f, v) in self.fields.iter().zip(&g.values) {
                    by.insert(f.clone(), Value::String(v.clone()));
                }
                let bands: Vec<Value> = g
                    .bands
                    .iter()
                    .map(|l| json!({"band": scheme.bands[l.band].id, "count": l.count, "target": l.target, "difference": l.difference()}))
                    .collect();
                json!({"group": by, "head_count": g.head_count, "forced": g.forced, "bands": bands})
            })
            .collect();
        let totals: Vec<Value> = (0..scheme.bands.len())
            .map(|b| {
                let count: usize = self.groups.iter().map(|g| g.bands[b].count).sum();
                let target: i64 = self.groups.iter().map(|g| g.bands[b].target).sum();
                json!({"band": scheme.bands[b].id, "count": count, "target": target, "difference": count as i64 - target})
            })
            .collect();
        let head_count: usize = self.groups.iter().map(|g| g.head_count).sum();
        let distribution: Map<String, Value> = scheme
            .bands
            .iter()
            .zip(scheme.distribution.iter().flat_map(|d| d.percent.iter()))
            .map(|(b, p)| (b.id.clone(), crate::report::json::figure_number(*p).into()))
            .collect();
        json!({
            "scheme": scheme.id,
            "by": self.fields,
            "distribution": distribution,
            "distribution_min_cohort": scheme.distribution.as_ref().map(|d| d.min_cohort),
            "groups": groups,
            "totals": {"head_count": head_count, "unbanded": self.unbanded, "bands": totals},
        })
    }

    fn csv(&self, scheme: &Scheme, out: &mut dyn Write) -> Result<()> {
        let mut w = crate::report::csv_writer(out);
        let mut header: Vec<String> = self.fields.clone();
        header.extend(["head_count", "forced", "band", "count", "target", "difference"].map(String::from));
        w.write_record(&header)?;
        for g in &self.groups {
            for l in &g.bands {
                let mut row: Vec<String> = g.values.iter().map(|v| crate::report::spreadsheet_safe(v).into_owned()).collect();
                row.extend([
                    g.head_count.to_string(),
                    g.forced.to_string(),
                    scheme.bands[l.band].id.clone(),
                    l.count.to_string(),
                    l.target.to_string(),
                    l.difference().to_string(),
                ]);
                w.write_record(&row)?;
            }
        }
        w.flush()?;
        Ok(())
    }

    fn table(&self, scheme: &Scheme, out: &mut dyn Write) -> Result<()> {
        use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};
        let pct = |b: usize| scheme.distribution.as_ref().map_or(Decimal::ZERO, |d| d.percent[b]).normalize();
        for g in &self.groups {
            let label: Vec<String> =
                self.fields.iter().zip(&g.values).map(|(f, v)| format!("{f} {}", if v.is_empty() { "(blank)" } else { v })).collect();
            let label = if label.is_empty() { "everyone".to_string() } else { label.join(", ") };
            let forced = if g.forced { String::new() } else { " — under distribution_min_cohort, keeps its bands".to_string() };
            writeln!(out, "{label}: {} employees{forced}", g.head_count)?;
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED);
            t.set_header(["band", "target %", "count", "target", "difference"]);
            for l in &g.bands {
                let diff = l.difference();
                let diff = if diff > 0 { format!("+{diff}") } else { diff.to_string() };
                t.add_row([
                    Cell::new(format!("{} {}", scheme.bands[l.band].id, scheme.bands[l.band].title)),
                    Cell::new(pct(l.band)).set_alignment(CellAlignment::Right),
                    Cell::new(l.count).set_alignment(CellAlignment::Right),
                    Cell::new(l.target).set_alignment(CellAlignment::Right),
                    Cell::new(diff).set_alignment(CellAlignment::Right),
                ]);
            }
            writeln!(out, "{t}\n")?;
        }
        let head_count: usize = self.groups.iter().map(|g| g.head_count).sum();
        writeln!(
            out,
            "{} group(s), {head_count} employees with a band; {} without one (in error or without a composite) are in no group.",
            self.groups.len(),
            self.unbanded
        )?;
        writeln!(out, "difference = count − target: +n means n more than the target in that band, −n that many fewer.")?;
        Ok(())
    }
}

/// What `ladder calibrate` needs, resolved by `cli::request`.
pub struct Request {
    pub scheme: Scheme,
    pub input: Input,
    pub scores: Option<Input>,
    pub as_of: NaiveDate,
    /// `--header-row`: the header's line (none: found among the first rows).
    pub header_row: Option<u64>,
    /// `--by`: group by these columns instead of the scheme's cohort.
    pub by: Vec<String>,
    pub format: CalibrateFormat,
}

pub fn run(req: &Request, out: &mut dyn Write) -> crate::error::Result<Exit> {
    let scheme = &req.scheme;
    if scheme.distribution.is_none() {
        return Err(Error::Unusable(anyhow::anyhow!(
            "the scheme `{}` has no `distribution`: `ladder calibrate` compares each cohort's bands with it (SPEC §8.5); add one, e.g. `distribution: {{A: 10, B: 20, C: 60, D: 10}}`",
            scheme.id
        )));
    }
    let evaluation = crate::batch::memory::evaluate_with(scheme, &req.input, req.scores.as_ref(), req.as_of, req.header_row)?;
    for note in &evaluation.notes {
        stderr_line(format_args!("note: {note}"));
    }
    for w in &evaluation.warnings {
        stderr_line(format_args!("warning: {w}"));
    }
    let sheet = sheet(&evaluation, &req.by)?;
    match req.format {
        CalibrateFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &sheet.json(scheme)).map_err(anyhow::Error::from)?;
            writeln!(out)?;
        }
        CalibrateFormat::Csv => sheet.csv(scheme, out)?,
        CalibrateFormat::Table => sheet.table(scheme, out)?,
    }
    Ok(Exit::Ok)
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
