//! Rank cohorts, rank and cohort_size (SPEC §8.2), the forced distribution
//! and calibrated_band (§8.5), the result fields of §6 and `ladder
//! calibrate`, through the binary, on a scheme whose composite is the one
//! KPI score, so every rank is known by hand.

use super::harness::{csv_text, on_review_date as ladder, SchemeAndStaff as Files, Test};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const SCHEME: &str = r"scheme: cohorts
review: {quarters: 1, halves: 1}
composite: {kpi: 100, competency: 0}
bands:
  - {id: A, min: 90}
  - {id: B, min: 80}
  - {id: C, min: 60}
  - {id: D, min: 0}
cohort: [department, grade]
distribution: {A: 10, B: 20, C: 60, D: 10}
distribution_min_cohort: 4
positions:
  - id: eng
    kpis: [{id: q, weight: 100}]
    competencies: {core: {weight: 100, items: [skill]}}
sequences:
  - id: tech
    grades:
      - {id: T1, title: 初级}
      - id: T2
        requires: {any: [{fact: rank, max: 1}, {fact: rank_pct, max: 30}]}
      - id: T3
        requires: [{fact: calibrated_band, min: B}, {fact: cohort_size, min: 2}]
";

const HEADER: &str = "id,department,position,sequence,grade,hire_date,grade_date,2026Q4.q,2026H2.skill";

/// (id, department, grade, KPI score): the composite is the score.
const STAFF: [(&str, &str, &str, &str); 13] = [
    // 华东 T1: 95 first, 90 and 90 tied second, 70 fourth; a cohort of 4 is calibrated.
    ("E01", "华东", "T1", "95"),
    ("E02", "华东", "T1", "90"),
    ("E03", "华东", "初级", "90"), // by the grade's title: the same cohort
    ("E04", "华东", "T1", "70"),
    // blank department, T1: a cohort of its own, of 2 (kept bands).
    ("E05", "", "T1", "80"),
    ("E06", "", "T1", "85"),
    // 华南 T1: alone.
    ("E07", "华南", "T1", "50"),
    // no KPI score: no composite, no rank.
    ("E08", "华东", "T1", ""),
    // 华东 T2: four ranked, 90 is A by its composite but 2nd of 4 (rank_pct 50): C.
    ("E09", "华东", "T2", "92"),
    ("E10", "华东", "T2", "90"),
    ("E11", "华东", "T2", "65"),
    ("E12", "华东", "T2", "60"),
    // a row in error (a duplicate id): no figures, in no cohort.
    ("E12", "华东", "T2", "99"),
];

/// The scheme and a staff file of (id, department, grade, KPI score) rows.
fn write(scheme: &str, header: &str, staff: &[(&str, &str, &str, &str)]) -> Files {
    let rows = staff.iter().map(|(id, dept, grade, q)| format!("{id},{dept},eng,tech,{grade},2020-01-01,2024-01-01,{q},3"));
    Files::new(scheme, &csv_text(header, rows))
}

/// The json results; one row (the duplicate id) is in error, so exit 3.
fn results(files: &Files) -> Vec<Value> {
    files.results(3)
}

/// (rank, cohort_size, rank_pct, band, calibrated_band, status) of each row, by its place.
fn standing(r: &Value) -> (Value, Value, String, Value, Value, String) {
    (
        r["rank"].clone(),
        r["cohort_size"].clone(),
        r["rank_pct"].to_string(),
        r["band"].clone(),
        r["calibrated_band"].clone(),
        r["status"].as_str().unwrap().into(),
    )
}

#[test]
fn rank_and_cohort_size_within_department_and_grade() {
    let files = write(SCHEME, HEADER, &STAFF);
    let r = results(&files);
    let n = |x: u64| Value::from(x);
    let s = |x: &str| Value::from(x);
    let expected = [
        (n(1), n(4), "25", s("A"), s("B"), "promote"),                        // E01: rank 1 of 4
        (n(2), n(4), "50", s("A"), s("C"), "hold"),                           // E02: tied 2nd: one higher, rank_pct 50
        (n(2), n(4), "50", s("A"), s("C"), "hold"),                           // E03: the title's grade, the same cohort
        (n(4), n(4), "100", s("C"), s("D"), "hold"),                          // E04
        (n(2), n(2), "100", s("B"), s("B"), "hold"),                          // E05: blank department, cohort of 2: keeps B
        (n(1), n(2), "50", s("B"), s("B"), "promote"),                        // E06: first of 2: rank max 1 holds
        (n(1), n(1), "100", s("D"), s("D"), "promote"),                       // E07: alone: rank 1, rank_pct 100
        (Value::Null, Value::Null, "null", Value::Null, Value::Null, "hold"), // E08: no composite
        (n(1), n(4), "25", s("A"), s("B"), "promote"),                        // E09: calibrated B → T3
        (n(2), n(4), "50", s("A"), s("C"), "hold"),                           // E10: A by composite, C by rank
        (n(3), n(4), "75", s("C"), s("C"), "hold"),
        (n(4), n(4), "100", s("C"), s("D"), "hold"),
        (Value::Null, Value::Null, "null", Value::Null, Value::Null, "error"), // duplicate id
    ];
    for (i, (got, want)) in r.iter().zip(expected).enumerate() {
        let want = (want.0, want.1, want.2.to_string(), want.3, want.4, want.5.to_string());
        assert_eq!(standing(got), want, "row {} ({})", i + 1, got["id"]);
    }
    // The unmet tests name the computed facts as written.
    assert!(r[9]["unmet"].as_array().unwrap().iter().any(|u| u == "calibrated_band >= B (found C)"), "{}", r[9]["unmet"]);
    assert_eq!(r[0]["quota_position"], Value::Null);
}

#[test]
fn fields_are_in_spec_order_in_every_format() {
    let files = write(SCHEME, HEADER, &STAFF);
    let spec = "id,name,sequence,grade,position,kpi,kpi_quarters,competency,competency_halves,competency_pct,composite,band,calibrated_band,rank_pct,rank,cohort_size,status,recommended_grade,next_grade,eligible_on,unmet,alternatives,quota_position,errors";
    let csv = files.run(&["evaluate", "--format", "csv"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(spec));
    // E02: rank 2 of 4; E08: no composite → empty cells, not zeros.
    let rows: Vec<Vec<String>> =
        csv::Reader::from_reader(text.as_bytes()).records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    let col = |name: &str| spec.split(',').position(|f| f == name).unwrap();
    assert_eq!(
        [
            &rows[1][col("band")],
            &rows[1][col("calibrated_band")],
            &rows[1][col("rank_pct")],
            &rows[1][col("rank")],
            &rows[1][col("cohort_size")]
        ],
        ["A", "C", "50", "2", "4"]
    );
    for f in ["calibrated_band", "rank_pct", "rank", "cohort_size", "quota_position"] {
        assert_eq!(rows[7][col(f)], "", "{f} of a row without composite");
    }
    let ndjson = files.run(&["evaluate", "--format", "ndjson"]);
    let first = String::from_utf8(ndjson.stdout).unwrap().lines().next().unwrap().to_string();
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&first).unwrap().keys().cloned().collect();
    assert_eq!(keys.join(","), spec, "ndjson keys in order");
}

#[test]
fn without_distribution_calibrated_band_is_null_and_the_default_cohort_is_sequence_and_grade() {
    let plain = SCHEME
        .replace("cohort: [department, grade]\n", "")
        .replace("distribution: {A: 10, B: 20, C: 60, D: 10}\ndistribution_min_cohort: 4\n", "")
        .replace("[{fact: calibrated_band, min: B}, {fact: cohort_size, min: 2}]", "[{fact: cohort_size, min: 2}]");
    let files = write(&plain, HEADER, &STAFF);
    let r = results(&files);
    // T1 is one cohort of 7 ranked employees, whatever the department.
    assert!(r[..7].iter().all(|x| x["cohort_size"] == 7 && x["calibrated_band"].is_null()), "{r:?}");
    assert_eq!(r[0]["rank"], 1);
    assert_eq!(r[6]["rank"], 7, "50 is the lowest of T1");
    assert_eq!(r[4]["rank"], 5, "80 has 95, 90, 90, 85 above it");
}

#[test]
fn a_cohort_column_the_file_lacks_is_an_input_problem() {
    let header = HEADER.replace("department", "dept");
    let files = write(SCHEME, &header, &STAFF);
    let out = files.run(&["evaluate"]);
    assert_eq!(Some(out.code), Some(1));
    let err = out.stderr.as_str();
    assert!(err.contains("groups by `department`, which is not a column of this file"), "{err}");
    assert!(err.contains("scheme.yaml:9"), "names where the cohort is: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_cohort_and_distribution_keys_are_located_problems() {
    let cases = [
        ("cohort: [department, grade]", "cohort: [department, composite]", "scheme.yaml:9", "`composite` is a computed figure"),
        ("cohort: [department, grade]", "cohort: [grade, grade]", "scheme.yaml:9", "`grade` is listed twice"),
        ("{A: 10, B: 20, C: 60, D: 10}", "{A: 10, B: 20, C: 60}", "scheme.yaml:10", "must name every band (0 allowed); missing D"),
        ("{A: 10, B: 20, C: 60, D: 10}", "{A: 10, B: 20, C: 60, D: 20}", "scheme.yaml:10", "sum to 110, expected 100"),
        ("{A: 10, B: 20, C: 60, D: 10}", "{B: 20, A: 10, C: 60, D: 10}", "scheme.yaml:10", "write them in the bands' order: A, B, C, D"),
        ("{A: 10, B: 20, C: 60, D: 10}", "{A: 10, B: 20, C: 60, E: 10}", "scheme.yaml:10", "`E` is not a band"),
        ("{A: 10, B: 20, C: 60, D: 10}", "{A: -10, B: 40, C: 60, D: 10}", "scheme.yaml:10", "a percentage is from 0 to 100, found -10"),
        ("{A: 10, B: 20, C: 60, D: 10}", "[10, 20, 60, 10]", "scheme.yaml:10", "expected a mapping of band id to a percentage"),
        ("distribution_min_cohort: 4", "distribution_min_cohort: 0", "scheme.yaml:11", "at least 1"),
        ("distribution_min_cohort: 4", "distribution_min_cohort: 4\ncohorts: [grade]", "scheme.yaml:12", "unknown field `cohorts`"),
        ("min: B}", "min: Q}", "scheme.yaml", "`Q` is not a band"),
    ];
    for (from, to, at, message) in cases {
        let scheme = SCHEME.replace(from, to);
        assert_ne!(scheme, SCHEME, "{to}");
        let files = write(&scheme, HEADER, &STAFF);
        let out = Test::new().args(["check", "--ladder", files.scheme.to_str().unwrap()]).run_bytes();
        let err = out.stderr.as_str();
        assert_eq!(Some(out.code), Some(1), "{to}: {err}");
        assert!(err.contains(message), "{to}: expected `{message}` in {err}");
        assert!(err.contains(at), "{to}: expected the place {at} in {err}");
    }
}

/// calibrate's counts are the evaluate results' bands, grouped; its
/// targets are percentage × head count rounded half away from zero.
#[test]
fn calibrate_totals_match_the_evaluate_results() {
    let files = write(SCHEME, HEADER, &STAFF);
    let r = results(&files);
    for by in [None, Some("department")] {
        let mut args = vec!["calibrate", "--format", "json"];
        if let Some(by) = by {
            args.extend(["--by", by]);
        }
        let out = files.run(&args);
        assert_eq!(Some(out.code), Some(0), "{}", out.stderr.as_str());
        let sheet: Value = serde_json::from_slice(&out.stdout).unwrap();
        // The same groups counted from evaluate's results (department from the file).
        let mut expected: BTreeMap<Vec<String>, BTreeMap<String, u64>> = BTreeMap::new();
        for (row, staff) in r.iter().zip(STAFF) {
            let Some(band) = row["band"].as_str() else { continue };
            let key = match by {
                None => vec![staff.1.to_string(), row["grade"].as_str().unwrap().to_string()],
                Some(_) => vec![staff.1.to_string()],
            };
            *expected.entry(key).or_default().entry(band.to_string()).or_default() += 1;
        }
        let mut got: BTreeMap<Vec<String>, BTreeMap<String, u64>> = BTreeMap::new();
        for g in sheet["groups"].as_array().unwrap() {
            let key: Vec<String> = g["group"].as_object().unwrap().values().map(|v| v.as_str().unwrap().to_string()).collect();
            let head: u64 = g["head_count"].as_u64().unwrap();
            let mut sum = 0;
            for b in g["bands"].as_array().unwrap() {
                let (count, target) = (b["count"].as_u64().unwrap(), b["target"].as_i64().unwrap());
                let pct = sheet["distribution"][b["band"].as_str().unwrap()].as_f64().unwrap();
                // Half away from zero on an exact product (these are never near a float's error).
                assert_eq!(target, (pct * head as f64 / 100.0 + 1e-9).round() as i64, "{g}");
                assert_eq!(b["difference"].as_i64().unwrap(), count as i64 - target);
                sum += count;
                if count > 0 {
                    got.entry(key.clone()).or_default().insert(b["band"].as_str().unwrap().to_string(), count);
                }
            }
            assert_eq!(sum, head);
            assert_eq!(g["forced"], head >= 4);
        }
        assert_eq!(got, expected, "by {by:?}");
        assert_eq!(sheet["totals"]["unbanded"], 2, "the row without composite and the row in error");
        assert_eq!(sheet["totals"]["head_count"], 11);
    }
    // 华东 T1 (4 employees): A 3 against a target of 0.4 → 0, so +3.
    let out = files.run(&["calibrate", "--format", "csv"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("department,grade,head_count,forced,band,count,target,difference\n"), "{text}");
    assert!(text.contains("\n华东,T1,4,true,A,3,0,3\n"), "{text}");
    assert!(text.contains("\n,T1,2,false,B,2,0,2\n"), "a blank department is a group of its own: {text}");
}

#[test]
fn calibrate_needs_a_distribution_and_known_columns() {
    let plain = SCHEME
        .replace("distribution: {A: 10, B: 20, C: 60, D: 10}\ndistribution_min_cohort: 4\n", "")
        .replace("[{fact: calibrated_band, min: B}, {fact: cohort_size, min: 2}]", "[{fact: cohort_size, min: 2}]");
    let files = write(&plain, HEADER, &STAFF);
    let out = files.run(&["calibrate"]);
    assert_eq!(Some(out.code), Some(1));
    assert!(out.stderr.as_str().contains("has no `distribution`"));
    let files = write(SCHEME, HEADER, &STAFF);
    let out = files.run(&["calibrate", "--by", "region"]);
    assert_eq!(Some(out.code), Some(1));
    assert!(out.stderr.as_str().contains("--by `region`: the file has no such column"));
    let table = files.run(&["calibrate"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("department 华东, grade T1: 4 employees"), "{text}");
    assert!(text.contains("department (blank), grade T1: 2 employees — under distribution_min_cohort"), "{text}");
}

#[test]
fn table_and_html_show_the_calibrated_band_and_the_rank() {
    let files = write(SCHEME, HEADER, &STAFF);
    let table = String::from_utf8(files.run(&["evaluate"]).stdout).unwrap();
    let e02 = table.lines().find(|l| l.contains("E02")).unwrap();
    assert!(e02.contains("A → C"), "{e02}");
    let e09 = table.lines().find(|l| l.contains("E09")).unwrap();
    assert!(e09.contains("A → B"), "{e09}");
    let e06 = table.lines().find(|l| l.contains("E06")).unwrap();
    assert!(e06.contains(" B ") && !e06.contains('→'), "a kept band is shown once: {e06}");
    let html = String::from_utf8(files.run(&["evaluate", "--format", "html"]).stdout).unwrap();
    assert!(html.contains("title=\"2 / 4\">50.00</td>"), "the rank on hover");
}

/// The shipped example: a `--ladder` directory with a cohort of a column and
/// a distribution; calibrate's counts are evaluate's bands.
#[test]
fn the_review_cycle_example_runs_and_its_sheet_adds_up() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scheme = root.join("examples/review-cycle");
    let staff = root.join("examples/review-cycle.csv");
    let check = Test::new().args(["check", "--ladder", scheme.to_str().unwrap()]).run_bytes();
    assert_eq!(Some(check.code), Some(0), "{}", check.stderr.as_str());
    let out = ladder(&["evaluate", "--format", "json"], &scheme, &staff);
    assert_eq!(Some(out.code), Some(3), "three rows in error, as in the telecom example");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["band"] != r["calibrated_band"]), "calibration moves someone");
    let mut by_band: BTreeMap<String, u64> = BTreeMap::new();
    for r in results {
        if let Some(b) = r["band"].as_str() {
            *by_band.entry(b.to_string()).or_default() += 1;
        }
    }
    let sheet = ladder(&["calibrate", "--format", "json"], &scheme, &staff);
    assert_eq!(Some(sheet.code), Some(0), "{}", sheet.stderr.as_str());
    let sheet: Value = serde_json::from_slice(&sheet.stdout).unwrap();
    let totals: BTreeMap<String, u64> = sheet["totals"]["bands"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["count"] != 0)
        .map(|b| (b["band"].as_str().unwrap().to_string(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(totals, by_band);
    assert_eq!(sheet["by"], serde_json::json!(["department", "sequence"]));
}
