//! Promotion quotas (SPEC §8.4) through the binary: caps by count and by
//! percentage, per department (a blank one a value of its own), a cap
//! shared by two grades, a grade in two quotas, the allocation order with
//! ties, falling through to a bridge, `hold` when no option has room, the
//! unmet lines, quota_position; the validation of `quotas:`; and, with
//! proptest, the streaming batch against the in-memory one on random files.

use super::harness::{csv_text, SchemeAndStaff as Files, Test};
use serde_json::Value;

const SCHEME: &str = r"scheme: quotas
review: {quarters: 1, halves: 1}
composite: {kpi: 100, competency: 0}
bands:
  - {id: A, min: 90}
  - {id: B, min: 80}
  - {id: C, min: 0}
positions:
  - id: eng
    kpis: [{id: q, weight: 100}]
    competencies: {core: {weight: 100, items: [skill]}}
sequences:
  - id: tech
    grades:
      - {id: T1}
      - {id: T2, requires: {fact: kpi, min: 60}}
      - {id: T3, requires: {fact: kpi, min: 60}}
  - id: mgmt
    grades:
      - {id: M1}
      - {id: M2, requires: {fact: kpi, min: 60}}
bridges:
  - {from: T1, to: M1, requires: {fact: kpi, min: 80}}
  - {from: T2, to: M2, requires: {fact: kpi, min: 80}}
quotas:
  - {grade: T2, max: 2}
  - {grade: M1, max_pct: 50, per: [department]}
  - {grade: [T3, M2], max: 1}
  - {grade: [T2], max: 1, per: [department]}
";

const HEADER: &str = "id,department,position,sequence,grade,hire_date,grade_date,2026Q4.q,2026H2.skill";

/// (id, department, grade, grade_date, KPI score = composite).
const STAFF: [(&str, &str, &str, &str, &str); 12] = [
    ("A1", "华东", "T1", "2024-01-01", "95"),
    ("A2", "华东", "T1", "2023-01-01", "90"), // ties A3 and A4 on composite, longer in grade: first of them
    ("A3", "华东", "T1", "2024-01-01", "90"), // ties A4 on both: input order
    ("A4", "华南", "T1", "2024-01-01", "90"),
    ("A5", "", "T1", "2024-01-01", "85"),     // blank department: a group of its own, head count 1
    ("A6", "华东", "T1", "2024-01-01", "70"), // no bridge (kpi < 80)
    ("A7", "华东", "T1", "2024-01-01", "50"), // not a candidate, but a head of 华东
    ("B1", "华东", "T2", "2024-01-01", "88"),
    ("B2", "华东", "T2", "2022-01-01", "88"),
    ("B3", "华东", "M1", "2024-01-01", "99"),
    ("E1", "", "T3", "2024-01-01", "50"), // top: counts nowhere
    ("E1", "", "T1", "2024-01-01", "99"), // a duplicate id, in error: were it a head, A5's group would have a slot
];

/// The scheme and a staff file of (id, department, grade, grade date, KPI score) rows.
fn write(scheme: &str, header: &str, staff: &[(&str, &str, &str, &str, &str)]) -> Files {
    let rows = staff.iter().map(|(id, dept, grade, since, q)| {
        let seq = if grade.starts_with('M') { "mgmt" } else { "tech" };
        format!("{id},{dept},eng,{seq},{grade},2020-01-01,{since},{q},3")
    });
    Files::new(scheme, &csv_text(header, rows))
}

/// The json results; one row (a duplicate id) is in error, so exit 3.
fn results(files: &Files) -> Vec<Value> {
    files.results(3)
}

/// (status, recommended_grade, quota_position, unmet) of each row.
fn allocation(r: &Value) -> (String, String, Value, Vec<String>) {
    (
        r["status"].as_str().unwrap().into(),
        r["recommended_grade"].as_str().unwrap_or("").into(),
        r["quota_position"].clone(),
        r["unmet"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect(),
    )
}

#[test]
fn candidates_take_the_first_option_with_room_in_order() {
    let files = write(SCHEME, HEADER, &STAFF);
    let r = results(&files);
    let row = |s: &str, g: &str, p: Option<u64>, unmet: &[&str]| {
        (s.to_string(), g.to_string(), p.map_or(Value::Null, Value::from), unmet.iter().map(|u| (*u).to_string()).collect::<Vec<_>>())
    };
    let t2_east = "quota for T2 (department 华东) is full (1 of 1)";
    let t2 = "quota for T2 is full (2 of 2)";
    let shared = "quota for T3, M2 is full (1 of 1)";
    let expected = [
        row("promote", "T2", Some(2), &[]),        // A1: 95, takes T2 (华东 1 of 1, all 1 of 2)
        row("promote", "M1", Some(3), &[t2_east]), // A2: T2's per-department quota is full: over the bridge
        row("promote", "M1", Some(4), &[t2_east]), // A3: M1 华东: 50 % of 5 heads = 2 (2.5 rounded down)
        row("promote", "T2", Some(5), &[]),        // A4: 华南 has its own T2 slot; the count cap 2 of 2
        row("hold", "T1", Some(8), &[t2, "quota for M1 (department (blank)) is full (0 of 0)"]), // A5
        row("hold", "T1", Some(9), &[t2]),         // A6: no bridge: one line
        row("hold", "T1", None, &["kpi >= 60 (found 50)"]), // A7: not a candidate
        row("hold", "T2", Some(7), &[shared, shared]), // B1: ties B2 on composite, shorter in grade
        row("hold", "T2", Some(6), &[shared, shared]), // B2: T3 and the bridge to M2 share one full cap
        row("promote", "M2", Some(1), &[]),        // B3: 99, first
        row("top", "T3", None, &[]),               // E1
    ];
    for (i, want) in expected.iter().enumerate() {
        assert_eq!(&allocation(&r[i]), want, "row {} ({})", i + 1, r[i]["id"]);
    }
    assert_eq!((&r[11]["status"], &r[11]["quota_position"]), (&Value::from("error"), &Value::Null));
    // A candidate held by a quota has no eligible_on: time alone will not open a slot.
    assert_eq!(r[4]["eligible_on"], Value::Null);
    assert_eq!(r[1]["alternatives"], serde_json::json!(["M1"]), "alternatives stay what the rules allow");
}

#[test]
fn bad_quotas_are_located_problems() {
    let bad = SCHEME.replace(
        "quotas:\n",
        "quotas:\n  - {grade: T9, max: 1}\n  - {grade: T2}\n  - {grade: T2, max: -1, max_pct: -5}\n  - {grade: [M1, X1], max_pct: 100.5, per: [kpi]}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = super::harness::write(dir.path(), "bad.yaml", bad);
    let out = Test::new().args(["check", "--ladder", &path]).run_bytes();
    assert_eq!(Some(out.code), Some(1));
    let err = out.stderr.as_str();
    let file = path.as_str();
    for (message, at) in [
        ("quota grade `T9`: no grade has that id", "26:13"),
        ("a quota needs `max` (a count) or `max_pct` (a percentage of the head count), or both", "27:5"),
        ("`max` is a whole number of promotions, 0 or more, found -1", "28:22"),
        ("`max_pct` is a percentage from 0 to 100, found -5", "28:35"),
        ("quota grade `X1`: no grade has that id", "29:18"),
        ("`max_pct` is a percentage from 0 to 100, found 100.5", "29:32"),
        ("`kpi` is a computed figure", "29:45"),
    ] {
        let located = err.lines().skip_while(|l| !l.contains(message)).nth(1).unwrap_or_default();
        assert!(located.ends_with(&format!("{file}:{at}")), "{message} at {at}:\n{err}");
    }
}

#[test]
fn a_per_column_the_file_lacks_is_an_input_problem() {
    let files = write(SCHEME, &HEADER.replace("department", "dept"), &STAFF);
    let out = files.run(&["evaluate"]);
    assert_eq!(Some(out.code), Some(1), "nothing evaluated");
    let err = out.stderr.as_str();
    assert!(err.contains("line 1 (header)") && err.contains("counts per `department`, which is not a column of this file"), "{err}");
    assert!(err.contains("scheme.yaml:27:5"), "names the quota: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn no_quotas_no_quota_position_and_csv_carries_it() {
    let plain = SCHEME[..SCHEME.find("quotas:").unwrap()].to_string();
    let files = write(&plain, HEADER, &STAFF);
    let r = results(&files);
    assert!(r.iter().all(|r| r["quota_position"].is_null()));
    assert_eq!(r[4]["status"], "promote", "without quotas A5 is promoted");
    let files = write(SCHEME, HEADER, &STAFF);
    let out = files.run(&["evaluate", "--format", "csv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "quota_position").unwrap();
    assert_eq!(header[col - 1], "alternatives");
    let b3 = text.lines().find(|l| l.starts_with("B3,")).unwrap();
    assert_eq!(b3.split(',').nth(col), Some("1"));
}

mod streaming {
    //! The streaming batch (an extra pass over its spool) and the in-memory
    //! reference allocate alike, byte for byte, on random files.
    use super::super::harness::{report_of, streamed};
    use super::SCHEME;
    use ladder::report::Format;
    use proptest::prelude::*;

    /// A row: department, grade, months in grade, KPI score (coarse, so ties are common; blank: no composite).
    fn row() -> impl Strategy<Value = (usize, usize, u32, Option<u32>)> {
        (0..3usize, 0..5usize, 0..40u32, proptest::option::weighted(0.9, 10..20u32))
    }

    fn csv(rows: &[(usize, usize, u32, Option<u32>)]) -> String {
        let mut text = format!("{}\n", super::HEADER);
        for (i, (dept, grade, months, kpi)) in rows.iter().enumerate() {
            let dept = ["华东", "华南", ""][*dept];
            let (seq, grade) = [("tech", "T1"), ("tech", "T2"), ("mgmt", "M1"), ("tech", "T3"), ("mgmt", "M2")][*grade];
            let since = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() - chrono::Months::new(*months);
            let kpi = kpi.map(|k| (k * 5).to_string()).unwrap_or_default();
            // Every 9th row repeats an id: a row in error.
            let id = if i % 9 == 8 { "R0".to_string() } else { format!("R{i}") };
            text.push_str(&format!("{id},{dept},eng,{seq},{grade},2010-01-01,{since},{kpi},3\n"));
        }
        text
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: super::super::harness::cases(64), failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn streaming_allocates_what_the_in_memory_batch_does(
            rows in proptest::collection::vec(row(), 1..40),
            pct in 0..=100u32,
            extra in proptest::bool::ANY,
            ranked in proptest::bool::ANY,
        ) {
            // A percentage cap per department on a grade reached by step and by bridge, at times.
            let mut scheme_text = format!("{SCHEME}{}", if extra { format!("  - {{grade: M2, max_pct: {pct}, per: [department]}}\n") } else { String::new() });
            // A bridge that reads rank, at times: its rows' verdicts wait for the ranks (the quota pass).
            if ranked {
                scheme_text = scheme_text.replace(
                    "{from: T2, to: M2, requires: {fact: kpi, min: 80}}",
                    "{from: T2, to: M2, requires: [{fact: kpi, min: 80}, {fact: rank_pct, max: 50}]}",
                );
                prop_assert!(scheme_text.contains("rank_pct"));
            }
            let scheme = super::super::harness::load_yaml("q.yaml", &scheme_text);
            let text = csv(&rows);
            let dir = tempfile::tempdir().unwrap();
            let path = super::super::harness::write(dir.path(), "staff.csv", &text);
            let input = super::super::harness::input(&path, text);
            let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
            let evaluation = ladder::batch::memory::evaluate(&scheme, &input, None, as_of).unwrap();
            prop_assert_eq!(streamed(&scheme, &path, as_of, Format::Csv, false), report_of(&evaluation, Format::Csv));
            // The allocation is not idle: candidates got places.
            let placed = evaluation.outcomes.iter().filter(|o| o.decision.quota_position.is_some()).count();
            let promoted_before = evaluation.quotas.as_ref().map_or(0, |a| a.candidates);
            prop_assert_eq!(placed, promoted_before);
        }
    }
}

#[test]
fn explain_shows_the_place_the_quotas_and_the_last_taker() {
    let files = write(SCHEME, HEADER, &STAFF);
    let out = files.run(&["explain", "A5"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Decision: hold"), "{text}");
    assert!(text.contains("the quota of every option is full"), "{text}");
    assert!(text.contains("Quotas: place 8 of 9 in the queue"), "{text}");
    assert!(text.contains("quota for T2 (department (blank)): 0 of 1 taken"), "its own group's per-department quota had room: {text}");
    assert!(text.contains(": 2 of 2 taken; the last slot went to A4"), "{text}");
    assert!(text.contains("quota for M1 (department (blank))") && text.contains("0 of 0 taken ·"), "{text}");

    let out = files.run(&["explain", "A2", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let q = &doc["quotas"];
    assert_eq!((q["position"].as_u64(), q["candidates"].as_u64()), (Some(3), Some(9)));
    assert_eq!(q["options"][0]["grade"], "T2");
    assert_eq!(q["options"][0]["taken"], false);
    assert_eq!(q["options"][1]["grade"], "M1");
    assert_eq!(q["options"][1]["taken"], true);
    let m1 = &q["options"][1]["quotas"][0];
    assert_eq!((m1["taken"].as_u64(), m1["cap"].as_u64(), m1["last_taken_by"].as_str()), (Some(2), Some(2), Some("A3")));
    assert_eq!(m1["group"], "department 华东");

    let out = files.run(&["explain", "A7"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Quotas: not a candidate"));
}
