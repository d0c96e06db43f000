//! `ladder calibrate` (SPEC §8.5): the calibration committee's worksheet.
//! Per rank cohort (or per group of `--by` columns), the head count in
//! each band — the composite's band, before calibration — against the
//! scheme's `distribution` target (percentage × head count, rounded half
//! away from zero) and the difference. The sheet is computed in
//! `batch::calibration` (the html and xlsx reports show it too); this
//! module prints it.

use crate::batch::calibration::{group_label, sheet, Sheet};
use crate::error::{Error, Exit};
use crate::input::records::Input;
use crate::report::durable::stderr_line;
use crate::scheme::Scheme;
use anyhow::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;
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
        let totals: Vec<Value> = self
            .totals(scheme)
            .iter()
            .map(|l| json!({"band": scheme.bands[l.band].id, "count": l.count, "target": l.target, "difference": l.difference()}))
            .collect();
        let head_count = self.head_count();
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
            let label = group_label(&self.fields, &g.values);
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
        let head_count = self.head_count();
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
