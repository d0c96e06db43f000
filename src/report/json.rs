//! `json` (one document with meta, results and summary) and `ndjson` (one
//! result per line). Figures are JSON numbers with at most 2 decimals.

use super::{summary, Report, ResultRecord};
use crate::exact::format_figure;
use rust_decimal::Decimal;
use serde_json::{json, Map, Number, Value};
use std::io::Write;
use std::str::FromStr;

fn figure(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, |d| Value::Number(Number::from_str(&format_figure(d)).expect("a formatted decimal is a JSON number")))
}

fn text(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

pub fn record_value(r: &ResultRecord) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), r.id.clone().into());
    m.insert("name".into(), r.name.clone().into());
    m.insert("sequence".into(), r.sequence.clone().into());
    m.insert("grade".into(), r.grade.clone().into());
    m.insert("position".into(), r.position.clone().into());
    m.insert("kpi".into(), figure(r.kpi));
    m.insert("kpi_quarters".into(), r.kpi_quarters.map_or(Value::Null, Value::from));
    m.insert("competency".into(), figure(r.competency));
    m.insert("competency_halves".into(), r.competency_halves.map_or(Value::Null, Value::from));
    m.insert("competency_pct".into(), figure(r.competency_pct));
    m.insert("composite".into(), figure(r.composite));
    m.insert("band".into(), text(&r.band));
    m.insert("rank_pct".into(), figure(r.rank_pct));
    m.insert("status".into(), r.status.as_str().into());
    m.insert("recommended_grade".into(), text(&r.recommended_grade));
    m.insert("next_grade".into(), text(&r.next_grade));
    m.insert("eligible_on".into(), text(&r.eligible_on));
    m.insert("unmet".into(), r.unmet.clone().into());
    m.insert("alternatives".into(), r.alternatives.clone().into());
    m.insert("errors".into(), r.errors.clone().into());
    Value::Object(m)
}

pub fn meta_value(report: &Report) -> Value {
    let e = report.evaluation;
    let scheme_files: Vec<Value> = e.scheme.sources.iter().map(|s| json!({"path": s.path, "sha256": s.sha256})).collect();
    let inputs: Vec<Value> = e.inputs.iter().map(|(p, h)| json!({"path": p, "sha256": h})).collect();
    json!({
        "tool": "ladder",
        "version": env!("CARGO_PKG_VERSION"),
        "scheme": e.scheme.id,
        "scheme_files": scheme_files,
        "as_of": e.periods.as_of.to_string(),
        "window": {
            "quarters": e.periods.quarters.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "halves": e.periods.halves.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        },
        "inputs": inputs,
    })
}

pub fn summary_value(records: &[ResultRecord]) -> Value {
    let mut by_status = Map::new();
    for (status, n) in summary(records) {
        by_status.insert(status.as_str().into(), n.into());
    }
    json!({"total": records.len(), "by_status": by_status})
}

pub fn write_json(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let doc = json!({
        "meta": meta_value(report),
        "results": report.records.iter().map(record_value).collect::<Vec<_>>(),
        "summary": summary_value(&report.records),
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn write_ndjson(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    for r in &report.records {
        serde_json::to_writer(&mut *out, &record_value(r))?;
        writeln!(out)?;
    }
    Ok(())
}
