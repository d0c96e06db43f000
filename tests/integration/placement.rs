//! Initial placement, 初评 (SPEC §8.3): `evaluate --placement` and `explain
//! --placement` on hand-built employees, whose every placement is worked
//! out by hand below; the streaming batch against the in-memory one; the
//! required columns, the tenure column and its row errors; rank cohorts
//! without the grade; quotas, bridges and demotion left out.

use super::harness::{report_of, streamed, SchemeAndStaff as Files, Test};
use serde_json::Value;
use std::path::Path;

/// A composite that is the one KPI score; the scheme-wide `requires`
/// (kpi >= 60) is ANDed into every grade's rule but the lowest's. T2 asks
/// for the exam, T3 does not: an employee who fails T2 may still be placed
/// at T3 (no stepping). A bridge out of T2 that always holds, a demotion
/// and a quota that would stop every promotion: none of them applies.
const SCHEME: &str = r"scheme: placing
review: {quarters: 1, halves: 1}
composite: {kpi: 100, competency: 0}
bands:
  - {id: A, min: 90}
  - {id: B, min: 80}
  - {id: C, min: 60}
  - {id: D, min: 0}
requires: [{fact: kpi, min: 60}]
demotion: {fact: major_incident, is: true}
cohort: [department, grade]
placement: {tenure: job_start}
quotas:
  - {grade: [T2, T3, T4, M2], max: 0}
positions:
  - id: eng
    kpis: [{id: q, weight: 100}]
    competencies: {core: {weight: 100, items: [skill]}}
sequences:
  - id: tech
    grades:
      - {id: T1, title: 初级}
      - id: T2
        requires: [{fact: months_in_grade, min: 12}, {fact: exam_passed, is: true}]
      - id: T3
        requires: [{fact: months_in_grade, min: 36}, {fact: kpi, min: 80}]
      - id: T4
        requires: [{fact: months_in_grade, min: 60}, {fact: kpi, min: 90}, {fact: rank, max: 1}]
  - id: mgmt
    grades:
      - {id: M1}
      - id: M2
        requires: [{fact: kpi, min: 85}]
bridges:
  - {from: T2, to: M1, requires: {fact: kpi, min: 0}}
";

const HEADER: &str =
    "id,department,position,sequence,grade,hire_date,grade_date,job_start,exam_passed,major_incident,2026Q4.q,2026H2.skill";

/// (id, department, sequence, grade cell, grade_date cell, job_start, exam, major_incident, KPI score).
type Staff = (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

/// As of 2026-12-31.
const STAFF: [Staff; 11] = [
    // 83 months, 95, first of 华东 tech: T4, the top.
    ("P01", "华东", "tech", "", "", "2020-01-01", "yes", "no", "95"),
    // A grade of the other sequence, shown as it is; 42 months, 85, no exam: T2 fails, T3 holds.
    ("P02", "华东", "tech", "M1", "2026-12-01", "2023-06-30", "no", "no", "85"),
    // A grade no sequence has, shown as it is; 18 months, 70: T2.
    ("P03", "华东", "tech", "nonsense", "", "2025-06-30", "yes", "no", "70"),
    // KPI 50: the scheme-wide rule fails everywhere; the lowest grade needs nothing.
    ("P04", "华南", "tech", "T3", "2010-01-01", "2010-01-01", "yes", "no", "50"),
    // 33 months: T2; T3 opens when the 36th month completes (2027-03-15). A
    // major incident would demote, but placement does not demote.
    ("P05", "华南", "tech", "T1", "2024-03-15", "2024-03-15", "yes", "yes", "85"),
    // A blank tenure: no value, months_in_grade fails: T1, no eligible_on.
    ("P06", "华南", "tech", "T2", "2020-01-01", "", "yes", "no", "75"),
    // A tenure that is not a date: a row error.
    ("P07", "华南", "tech", "T1", "", "soon", "yes", "no", "80"),
    // A tenure after the as-of date: a row error.
    ("P08", "华南", "tech", "T1", "", "2027-05-01", "yes", "no", "80"),
    // A grade and grade_date ordinary evaluation refuses, not read: 12 months exactly: T2.
    ("P09", "华南", "tech", "T9", "xx", "2025-12-31", "yes", "no", "65"),
    // The other sequence: 华东 mgmt is a cohort of its own.
    ("P10", "华东", "mgmt", "", "", "2026-01-01", "no", "no", "88"),
    // A grade's title in the grade cell, shown as written; 60 months, 60: T2 (T3 needs 80).
    ("P11", "华东", "tech", "初级", "", "2021-12-31", "yes", "no", "60"),
];

fn csv(header: &str, staff: &[Staff]) -> String {
    let rows = staff.iter().map(|(id, dept, seq, grade, grade_date, job_start, exam, incident, q)| {
        format!("{id},{dept},eng,{seq},{grade},2010-01-01,{grade_date},{job_start},{exam},{incident},{q},3")
    });
    super::harness::csv_text(header, rows)
}

fn write(scheme: &str, text: &str) -> Files {
    Files::new(scheme, text)
}

fn json_results(files: &Files, extra: &[&str]) -> (Option<i32>, Vec<Value>, Value) {
    let mut args = vec!["evaluate", "--format", "json"];
    args.extend_from_slice(extra);
    let out = files.run(&args);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("json: {}", out.stderr));
    // meta says whether the run placed, and by which tenure (to reproduce it).
    let placing = extra.contains(&"--placement");
    assert_eq!(doc["meta"].get("placement").is_some(), placing, "{}", doc["meta"]);
    (Some(out.code), doc["results"].as_array().unwrap().clone(), doc["summary"].clone())
}

fn by_id<'a>(results: &'a [Value], id: &str) -> &'a Value {
    results.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("no result for {id}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

#[test]
fn places_each_employee_at_the_highest_grade_whose_rule_holds() {
    let files = write(SCHEME, &csv(HEADER, &STAFF));
    let (code, results, summary) = json_results(&files, &["--placement"]);
    assert_eq!(code, Some(3), "two rows are in error");
    // (id, status, grade shown, recommended, next, eligible_on)
    let expected: [(&str, &str, &str, Value, Value, Value); 11] = [
        ("P01", "place", "", "T4".into(), Value::Null, Value::Null),
        ("P02", "place", "M1", "T3".into(), "T4".into(), Value::Null),
        ("P03", "place", "nonsense", "T2".into(), "T3".into(), Value::Null),
        ("P04", "place", "T3", "T1".into(), "T2".into(), Value::Null),
        ("P05", "place", "T1", "T2".into(), "T3".into(), "2027-03-15".into()),
        ("P06", "place", "T2", "T1".into(), "T2".into(), Value::Null),
        ("P07", "error", "T1", Value::Null, Value::Null, Value::Null),
        ("P08", "error", "T1", Value::Null, Value::Null, Value::Null),
        ("P09", "place", "T9", "T2".into(), "T3".into(), Value::Null),
        ("P10", "place", "", "M2".into(), Value::Null, Value::Null),
        ("P11", "place", "初级", "T2".into(), "T3".into(), Value::Null),
    ];
    for (id, status, grade, recommended, next, eligible) in expected {
        let r = by_id(&results, id);
        assert_eq!(r["status"], status, "{id}: {r}");
        assert_eq!(r["grade"], grade, "{id}: the grade cell is shown as it is");
        assert_eq!(r["recommended_grade"], recommended, "{id}");
        assert_eq!(r["next_grade"], next, "{id}");
        assert_eq!(r["eligible_on"], eligible, "{id}");
        assert_eq!(r["alternatives"], Value::Array(Vec::new()), "{id}: bridges are not used");
        assert_eq!(r["quota_position"], Value::Null, "{id}: quotas do not apply");
    }
    assert_eq!(summary["by_status"]["place"], 9);
    let out = files.run(&["evaluate", "--format", "json", "--placement"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["meta"]["placement"]["tenure"], "job_start");
    assert_eq!(summary["by_status"]["error"], 2);
    assert_eq!(summary["by_status"]["promote"], 0);
}

#[test]
fn unmet_lists_the_failing_tests_of_the_grade_above() {
    let files = write(SCHEME, &csv(HEADER, &STAFF));
    let (_, results, _) = json_results(&files, &["--placement"]);
    let unmet = |id: &str| strings(&by_id(&results, id)["unmet"]);
    assert!(unmet("P01").is_empty(), "at the top: nothing above");
    assert_eq!(unmet("P02"), ["months_in_grade >= 60 (found 42)", "kpi >= 90 (found 85)", "rank <= 1 (found 2)"]);
    assert_eq!(unmet("P03"), ["months_in_grade >= 36 (found 18)", "kpi >= 80 (found 70)"]);
    // The lowest grade needed nothing; the grade above needs the scheme-wide rule too.
    assert_eq!(unmet("P04"), ["kpi >= 60 (found 50)"]);
    assert_eq!(unmet("P05"), ["months_in_grade >= 36 (found 33)"]);
    assert_eq!(unmet("P06"), ["months_in_grade >= 12 (no value)"]);
    assert!(unmet("P10").is_empty());
    let errors = |id: &str| strings(&by_id(&results, id)["errors"]).join("; ");
    assert!(errors("P07").contains("job_start: `soon` is not a date"), "{}", errors("P07"));
    assert!(errors("P08").contains("job_start: 2027-05-01 is after the as-of date 2026-12-31"), "{}", errors("P08"));
    for id in ["P07", "P08"] {
        assert_eq!(by_id(&results, id)["kpi"], Value::Null, "{id}: a row in error has no figures");
    }
}

#[test]
fn ordinary_evaluation_of_the_same_file_is_unchanged() {
    // Without --placement the grade cells are read: P01's blank grade and
    // P09's unknown one are errors, and promotions step one grade.
    let files = write(SCHEME, &csv(HEADER, &STAFF));
    let (code, results, summary) = json_results(&files, &[]);
    assert_eq!(code, Some(3));
    assert_eq!(by_id(&results, "P01")["status"], "error");
    assert_eq!(by_id(&results, "P09")["status"], "error");
    assert_eq!(by_id(&results, "P05")["status"], "demote", "the major incident demotes outside placement");
    assert_eq!(summary["by_status"].get("place"), None, "no `place` count outside placement");
}

#[test]
fn ranks_within_department_and_sequence_not_grade() {
    // `cohort: [department, grade]` ranks as [department, sequence]: 华东
    // tech holds P01, P02, P03 and P11 whatever their grade cells say; 华东
    // mgmt is P10 alone; 华南 tech holds P04, P05, P06, P09 (P07, P08 are in error).
    let files = write(SCHEME, &csv(HEADER, &STAFF));
    let (_, results, _) = json_results(&files, &["--placement"]);
    let standing = |id: &str| {
        let r = by_id(&results, id);
        (r["rank"].clone(), r["cohort_size"].clone(), r["rank_pct"].to_string())
    };
    let n = |x: u64| Value::from(x);
    assert_eq!(standing("P01"), (n(1), n(4), "25".into()));
    assert_eq!(standing("P02"), (n(2), n(4), "50".into()));
    assert_eq!(standing("P03"), (n(3), n(4), "75".into()));
    assert_eq!(standing("P11"), (n(4), n(4), "100".into()));
    assert_eq!(standing("P10"), (n(1), n(1), "100".into()));
    assert_eq!(standing("P05"), (n(1), n(4), "25".into()));
    assert_eq!(standing("P04"), (n(4), n(4), "100".into()));
    // The default cohort [sequence, grade] ranks by sequence alone: every tech row in one.
    let files = write(&SCHEME.replace("cohort: [department, grade]\n", ""), &csv(HEADER, &STAFF));
    let (_, results, _) = json_results(&files, &["--placement"]);
    assert_eq!(by_id(&results, "P01")["cohort_size"], 8);
    assert_eq!(by_id(&results, "P10")["cohort_size"], 1);
    // A cohort naming the sequence already keeps it once: [department, sequence].
    let files = write(&SCHEME.replace("cohort: [department, grade]", "cohort: [sequence, department]"), &csv(HEADER, &STAFF));
    let (_, results, _) = json_results(&files, &["--placement"]);
    assert_eq!(by_id(&results, "P01")["cohort_size"], 4);
    // And one without either gains it: [department].
    let files = write(&SCHEME.replace("cohort: [department, grade]", "cohort: [department]"), &csv(HEADER, &STAFF));
    let (_, results, _) = json_results(&files, &["--placement"]);
    assert_eq!(by_id(&results, "P01")["cohort_size"], 4);
    assert_eq!(by_id(&results, "P10")["cohort_size"], 1);
}

#[test]
fn tenure_from_months_in_company_by_default() {
    // Without `placement:` the job starts on the hire date (2010-01-01 for
    // everyone here): 203 months, so only the KPI and the exam decide.
    let files = write(&SCHEME.replace("placement: {tenure: job_start}\n", ""), &csv(HEADER, &STAFF));
    let (code, results, _) = json_results(&files, &["--placement"]);
    assert_eq!(code, Some(0), "job_start is not read: its bad cells are no error");
    let placed = |id: &str| by_id(&results, id)["recommended_grade"].as_str().unwrap().to_string();
    assert_eq!(placed("P03"), "T2", "70: T3 needs 80");
    assert_eq!(placed("P05"), "T3", "85, 203 months");
    assert_eq!(placed("P06"), "T2", "75: T3 needs 80; a blank job_start is not read");
    assert_eq!(placed("P02"), "T3", "no exam for T2, but T3 holds alone");
    assert_eq!(placed("P01"), "T4");
}

#[test]
fn a_missing_tenure_column_stops_the_run() {
    let header = HEADER.replace("job_start", "start");
    let files = write(SCHEME, &csv(&header, &STAFF));
    let out = files.run(&["evaluate", "--placement", "--format", "csv"]);
    assert_eq!(Some(out.code), Some(1));
    let err = out.stderr.as_str();
    assert!(err.contains("job_start") && err.contains("not a column of this file"), "{err}");
    assert!(out.stdout.is_empty(), "nothing evaluated");
    // Ordinary evaluation does not need it.
    let out = files.run(&["evaluate", "--format", "csv"]);
    assert_eq!(Some(out.code), Some(3), "{}", out.stderr.as_str());
}

#[test]
fn grade_and_grade_date_columns_are_not_required() {
    // No grade, no grade_date, and a title row above the header: the header
    // is found by the placement's required columns (§3).
    let text = "初评 2026\n\
        id,department,position,sequence,hire_date,job_start,exam_passed,major_incident,2026Q4.q,2026H2.skill\n\
        A1,华东,eng,tech,2010-01-01,2020-01-01,yes,no,95,3\n";
    let files = write(SCHEME, text);
    let (code, results, _) = json_results(&files, &["--placement"]);
    assert_eq!(code, Some(0));
    assert_eq!(results[0]["recommended_grade"], "T4");
    assert_eq!(results[0]["grade"], "");
    let out = files.run(&["evaluate", "--format", "csv"]);
    assert_eq!(Some(out.code), Some(1), "ordinary evaluation needs the grade");
    // The tenure column is required to find the header under placement.
    let files = write(SCHEME, &text.replace("job_start", "started"));
    let out = files.run(&["evaluate", "--placement", "--format", "csv"]);
    assert_eq!(Some(out.code), Some(1));
    assert!(out.stderr.as_str().contains("job_start"));
}

#[test]
fn every_format_carries_the_placement() {
    let files = write(SCHEME, &csv(HEADER, &STAFF));
    let out = files.run(&["evaluate", "--placement", "--format", "csv"]);
    assert_eq!(Some(out.code), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    let p02 = text.lines().find(|l| l.starts_with("P02,")).unwrap();
    assert!(p02.contains(",place,T3,T4,,months_in_grade >= 60 (found 42); kpi >= 90 (found 85); rank <= 1 (found 2),,,"), "{p02}");
    let out = files.run(&["evaluate", "--placement", "--format", "ndjson"]);
    let lines: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 11);
    assert_eq!(lines[1]["status"], "place");
    assert_eq!(lines[1]["recommended_grade"], "T3");
    let out = files.run(&["evaluate", "--placement"]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("place") && table.contains("T4"), "{table}");
    let out = files.run(&["evaluate", "--placement", "--status", "place", "--format", "csv"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 1 + 9, "--status place filters");
    for ext in ["html", "xlsx"] {
        let path = files.staff.with_extension(format!("out.{ext}"));
        let out = files.run(&["evaluate", "--placement", "--output", path.to_str().unwrap()]);
        assert_eq!(Some(out.code), Some(3), "{ext}: {}", out.stderr.as_str());
        assert!(std::fs::metadata(&path).unwrap().len() > 0);
    }
    // The html summary counts placements at the grade placed at, in a `place` column.
    let html = std::fs::read_to_string(files.staff.with_extension("out.html")).unwrap();
    assert!(html.contains("<th class=\"n status place\">place</th>"), "a place column");
    let by_grade = &html[html.find("id=\"by-grade\"").unwrap()..];
    let by_grade = &by_grade[..by_grade.find("</table>").unwrap()];
    assert!(!by_grade.contains("nonsense") && !by_grade.contains("<td>M1"), "not at the given grade: {by_grade}");
    assert!(by_grade.contains("<td>T4 "), "{by_grade}");
}

#[test]
fn explain_shows_the_placement() {
    let files = write(SCHEME, &csv(HEADER, &STAFF));
    let out = files.run(&["explain", "P02", "--placement"]);
    assert_eq!(Some(out.code), Some(0), "{}", out.stderr.as_str());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Decision: place — placed at T3"), "{text}");
    assert!(text.contains("unmet: kpi >= 90 (found 85)"), "{text}");
    assert!(text.contains("`M1` as given, not read by the placement"), "{text}");
    assert!(text.contains("in the job since 2023-06-30 (42 months"), "{text}");
    assert!(text.contains("2nd of 4 in the cohort department 华东, sequence tech"), "{text}");
    let out = files.run(&["explain", "P02", "--placement", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["decision"]["status"], "place", "{doc}");
    assert_eq!(doc["decision"]["recommended_grade"], "T3");
    assert_eq!(doc["decision"]["alternatives"], Value::Array(Vec::new()));
    let kinds: Vec<(Value, Value, Value)> =
        doc["rules"].as_array().unwrap().iter().map(|r| (r["kind"].clone(), r["to"]["id"].clone(), r["holds"].clone())).collect();
    let k = |kind: &str, to: &str, holds: bool| (Value::from(kind), Value::from(to), Value::from(holds));
    assert_eq!(kinds, [k("placed_grade", "T3", true), k("next_grade", "T4", false)], "no bridge, no demotion");
    // Without --placement P02's grade cell (M1) is not of its sequence: an error.
    let out = files.run(&["explain", "P02"]);
    assert_eq!(Some(out.code), Some(3));
    let out = files.run(&["explain", "P07", "--placement"]);
    assert_eq!(Some(out.code), Some(3), "a row error");
    assert!(String::from_utf8_lossy(&out.stdout).contains("job_start: `soon` is not a date"));
}

#[test]
fn the_placement_key_is_validated() {
    for (tenure, message) in [
        ("grade_date", "under --placement the grade date is not read"),
        ("kpi", "cannot be the tenure"),
        ("position", "cannot be the tenure"),
        ("''", "cannot be blank"),
    ] {
        let files = write(&SCHEME.replace("{tenure: job_start}", &format!("{{tenure: {tenure}}}")), "id\n");
        let out = Test::new().args(["check", "--ladder", files.scheme.to_str().unwrap()]).run_bytes();
        assert_eq!(Some(out.code), Some(1), "{tenure}");
        let err = out.stderr.as_str();
        assert!(err.contains(message) && err.contains("scheme.yaml:"), "{tenure}: {err}");
    }
    let files = write(&SCHEME.replace("{tenure: job_start}", "{tenure: job_start, since: 2020}"), "id\n");
    let out = Test::new().args(["check", "--ladder", files.scheme.to_str().unwrap()]).run_bytes();
    assert_eq!(Some(out.code), Some(1), "an unknown key");
    // A header the tenure column may go by, through `columns:`.
    let scheme = SCHEME.replace("placement:", "columns: {job_start: 入岗日期}\nplacement:");
    let files = write(&scheme, &csv(&HEADER.replace("job_start", "入岗日期"), &STAFF));
    let (code, results, _) = json_results(&files, &["--placement"]);
    assert_eq!(code, Some(3));
    assert_eq!(by_id(&results, "P05")["eligible_on"], "2027-03-15");
}

#[test]
fn the_json_schema_knows_the_placement_key() {
    let out = Test::new().arg("schema").run_bytes();
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = schema.to_string();
    assert!(schema["properties"]["placement"].is_object(), "{}", &text[..200]);
    assert!(text.contains("\"tenure\""));
}

/// The streaming batch (`evaluate`) and the in-memory one (`explain`,
/// `what-if`) place alike, row for row, byte for byte.
#[test]
fn streaming_places_what_the_in_memory_batch_does() {
    use ladder::report::Format;
    let text = csv(HEADER, &STAFF);
    let files = write(SCHEME, &text);
    let scheme = ladder::scheme::load_scheme(Some(files.scheme.to_str().unwrap())).unwrap();
    let path = files.staff.to_str().unwrap();
    let input = super::harness::input(path, text);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    for format in [Format::Csv, Format::Ndjson] {
        let evaluation = ladder::batch::memory::evaluate_placing(&scheme, &input, None, as_of, None, true).unwrap();
        let streamed = streamed(&scheme, path, as_of, format, true);
        assert_eq!(streamed, report_of(&evaluation, format));
        assert!(streamed.matches("place").count() >= 9);
    }
}

/// The built-in customer-service scheme places by 客服岗龄 (seed 003 附 初评):
/// time in grade counts from service_start_date, not the grade date.
#[test]
fn customer_service_places_by_service_start_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = root.join("examples/customer-service.csv");
    let run = |placement: bool| {
        let mut cmd = Test::new().args(["evaluate", "--ladder", "customer-service", "--as-of", "2026-12-31", "--format", "json"]);
        if placement {
            cmd = cmd.arg("--placement");
        }
        let out = cmd.arg(&examples).run_bytes();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["results"].as_array().unwrap().clone()
    };
    let placed = run(true);
    assert!(placed.iter().all(|r| r["status"] == "place" || r["status"] == "error"));
    assert!(placed.iter().any(|r| r["status"] == "place"));
    // Without service_start_date the run stops (the tenure column is required under placement).
    let text = std::fs::read_to_string(&examples).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("cs.csv");
    std::fs::write(&renamed, text.replacen("service_start_date", "service_start", 1)).unwrap();
    let out =
        Test::new().args(["evaluate", "--ladder", "customer-service", "--as-of", "2026-12-31", "--placement"]).arg(&renamed).run_bytes();
    assert_eq!(Some(out.code), Some(1));
    assert!(out.stderr.as_str().contains("service_start_date"));
}

mod streaming {
    //! The streaming batch and the in-memory one place alike, byte for byte,
    //! on random files: grade cells of every kind, tenures blank, bad or
    //! after the as-of date, repeated ids, departments with blanks.
    use super::super::harness::{report_of, streamed};
    use super::{Staff, HEADER, SCHEME};
    use ladder::report::Format;
    use proptest::prelude::*;

    /// (department, sequence, grade cell, tenure, exam, KPI score).
    type Drawn = (usize, usize, usize, Option<u32>, bool, Option<u32>);

    fn row() -> impl Strategy<Value = Drawn> {
        (
            0..3usize,
            0..3usize,
            0..5usize,
            proptest::option::weighted(0.9, 0..110u32),
            any::<bool>(),
            proptest::option::weighted(0.9, 8..20u32),
        )
    }

    fn staff(rows: &[Drawn]) -> Vec<Staff> {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        rows.iter()
            .enumerate()
            .map(|(i, (dept, seq, grade, tenure, exam, kpi))| {
                // Every 7th row repeats an id: a row in error.
                let id = if i % 7 == 6 { "R0".to_string() } else { format!("R{i}") };
                let tenure = match tenure {
                    None => String::new(),
                    Some(105..) => "2027-02-01".into(), // after the as-of date: a row error
                    Some(100..) => "2026-02-30".into(), // not a date: a row error
                    Some(m) => (chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap() - chrono::Months::new(*m)).to_string(),
                };
                (
                    leak(id),
                    ["华东", "华南", ""][*dept],
                    ["tech", "mgmt", "nope"][*seq],
                    ["", "T1", "M2", "T9", "初级"][*grade],
                    "",
                    leak(tenure),
                    if *exam { "yes" } else { "no" },
                    "no",
                    leak(kpi.map(|k| (k * 5).to_string()).unwrap_or_default()),
                )
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: super::super::harness::cases(48), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn streaming_places_what_the_in_memory_batch_does_on_random_files(rows in proptest::collection::vec(row(), 1..40)) {
            let text = super::csv(HEADER, &staff(&rows));
            let files = super::write(SCHEME, &text);
            let scheme = ladder::scheme::load_scheme(Some(files.scheme.to_str().unwrap())).unwrap();
            let path = files.staff.to_str().unwrap();
            let input = super::super::harness::input(path, text);
            let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
            let evaluation = ladder::batch::memory::evaluate_placing(&scheme, &input, None, as_of, None, true).unwrap();
            prop_assert_eq!(streamed(&scheme, path, as_of, Format::Csv, true), report_of(&evaluation, Format::Csv));
        }
    }
}

/// Seed 003 附 初评(一): "初次评定按照客服岗龄": in the built-in
/// customer-service scheme months_in_grade is counted from
/// service_start_date (入(转)客服岗), not from the hire date, and the grade
/// cells may be blank. Three copies of the example's C010 (中级, hired and
/// in the job since 2021-03-01) with blank grade cells: as it is; in the job
/// since 2025-12-31 only; with no job start at all.
#[test]
fn customer_service_counts_time_in_grade_from_the_service_start() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/customer-service.csv")).unwrap();
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let c010: Vec<&str> = lines.find(|l| l.starts_with("C010,")).unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut csv = format!("{}\n", header.join(","));
    for (id, start) in [("A", c010[col("service_start_date")]), ("B", "2025-12-31"), ("C", "")] {
        let mut row: Vec<&str> = c010.clone();
        row[0] = id;
        row[col("grade")] = "";
        row[col("grade_date")] = "";
        row[col("service_start_date")] = start;
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cs.csv");
    std::fs::write(&path, csv).unwrap();
    let out = Test::new()
        .args(["evaluate", "--ladder", "customer-service", "--as-of", "2026-12-31", "--format", "json", "--placement"])
        .arg(&path)
        .run_bytes();
    assert_eq!(Some(out.code), Some(0), "{}", out.stderr.as_str());
    let results = serde_json::from_slice::<Value>(&out.stdout).unwrap()["results"].as_array().unwrap().clone();
    let placed = |id: &str| (by_id(&results, id)["recommended_grade"].clone(), strings(&by_id(&results, id)["unmet"]));
    // Three tied composites: rank_pct 33.33 keeps every one below S4 (名列前茅 is top 30 %).
    assert_eq!(placed("A"), ("S3".into(), vec!["rank_pct <= 30 (found 33.33)".to_string()]));
    assert_eq!(
        placed("B"),
        ("S3".into(), vec!["months_since(service_start_date) >= 24 (found 12)".to_string(), "rank_pct <= 30 (found 33.33)".to_string()]),
        "12 months in the job: months_in_grade >= 12 holds for S3 and S4"
    );
    assert_eq!(
        placed("C"),
        ("S2".into(), vec!["months_in_grade >= 12 (no value)".to_string(), "months_since(service_start_date) >= 6 (no value)".to_string()]),
        "no job start: no months in grade, whatever the hire date"
    );
}
