//! `explain`, `what-if` and `show`, run as a user runs them: whole runs
//! snapshotted with insta (`INSTA_UPDATE=always cargo test --test explain`,
//! then read the diff of tests/snapshots/explain__*.snap), and properties
//! checked against `evaluate`: explain's figures are evaluate's figures, and
//! what-if's "after" is what evaluate says of the changed file.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::str::FromStr;

use super::harness::{ladder as run, Run, Test};

fn run_stdin(args: &[&str], stdin: Option<&[u8]>) -> Run {
    Test::new().args(args).stdin_if(stdin).run()
}

const TELECOM: [&str; 5] =
    ["--as-of", "2026-12-31", "--scores", "examples/telecom-after-sales-scores.csv", "examples/telecom-after-sales.csv"];
const CUSTOMER: [&str; 5] = ["--ladder", "customer-service", "--as-of", "2026-12-31", "examples/customer-service.csv"];

fn with<'a>(head: &[&'a str], inputs: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(inputs).copied().collect()
}

/// Replaces what changes whenever a scheme file or an example is edited
/// (hashes, rule locations) so the snapshots show what explain says.
fn redact(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match k.as_str() {
                    "sha256" => *x = Value::String("[sha256]".into()),
                    "at" => *x = Value::String("[file:line:column]".into()),
                    _ => redact(x),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// `technical.yaml:30:17` → `technical.yaml:L:C`, so comments added to a scheme do not move snapshots.
fn without_locations(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(".yaml:") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (l, after) = rest.split_at(digits(rest));
        if let (false, Some(after)) = (l.is_empty(), after.strip_prefix(':')) {
            let c = digits(after);
            if c > 0 {
                out.push_str("L:C");
                rest = &after[c..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn redacted_json(r: &Run) -> String {
    let mut v = r.json();
    redact(&mut v);
    format!("exit: {}\n{}\n--- stderr\n{}", r.code, serde_json::to_string_pretty(&v).unwrap(), r.stderr)
}

// ---------------------------------------------------------------------------
// explain: snapshots of the shipped examples, one employee per kind of story.

#[test]
fn explain_hold_on_tenure_alone() {
    // E003 holds only on months_in_grade: the gap is a date, and eligible_on agrees.
    insta::assert_snapshot!(run(&with(&["explain", "E003"], &TELECOM)).transcript());
}

#[test]
fn explain_many_failing_tests_with_alternatives() {
    // E004: `any` alternatives each with their own gap, a yes/no test.
    insta::assert_snapshot!(run(&with(&["explain", "E004"], &TELECOM)).transcript());
}

#[test]
fn explain_rank_band_and_kpi_min_gaps() {
    // E018: rank_pct in a cohort, a bridge; E025: band, kpi_min and tenure together.
    insta::assert_snapshot!("explain_rank", run(&with(&["explain", "E018"], &TELECOM)).transcript());
    insta::assert_snapshot!("explain_band_kpi_min", run(&with(&["explain", "E025"], &TELECOM)).transcript());
}

#[test]
fn explain_promotion_over_a_bridge_and_a_long_form_score() {
    // E009 promotes over a bridge; E015's 2026Q4 comes from --scores with a `scoring` item.
    insta::assert_snapshot!("explain_bridge", run(&with(&["explain", "E009"], &TELECOM)).transcript());
    insta::assert_snapshot!("explain_long_scores", run(&with(&["explain", "E015"], &TELECOM)).transcript());
}

#[test]
fn explain_demotion_and_top() {
    insta::assert_snapshot!("explain_demote_streak", run(&with(&["explain", "E007"], &TELECOM)).transcript());
    insta::assert_snapshot!("explain_top", run(&with(&["explain", "E026"], &TELECOM)).transcript());
}

#[test]
fn explain_gaps_in_chinese() {
    // The gaps' Chinese sentences: a date the calendar reaches (E003), a
    // streak (E007), band and kpi_min (E025), rank (E018), and the nested
    // `any` and months_since of customer-service (C012, C015).
    for id in ["E003", "E007", "E025", "E018"] {
        insta::assert_snapshot!(format!("explain_zh_{id}"), run(&with(&["explain", id, "--lang", "zh"], &TELECOM)).transcript());
    }
    for id in ["C012", "C015"] {
        insta::assert_snapshot!(format!("explain_zh_{id}"), run(&with(&["explain", id, "--lang", "zh"], &CUSTOMER)).transcript());
    }
}

#[test]
fn explain_an_employee_in_error_shows_the_errors_and_exits_3() {
    let r = run(&with(&["explain", "E006"], &TELECOM));
    assert_eq!(r.code, 3);
    insta::assert_snapshot!(r.transcript());
}

#[test]
fn explain_customer_service_raw_measures_and_nested_rules() {
    // C001: `scoring` lines (raw → score, both directions) and a quarter missing from the window.
    insta::assert_snapshot!("explain_cs_scoring", run(&with(&["explain", "C001"], &CUSTOMER)).transcript());
    // C012: an `any` of an `all`; C015: months_since a date column.
    insta::assert_snapshot!("explain_cs_nested_any", run(&with(&["explain", "C012"], &CUSTOMER)).transcript());
    insta::assert_snapshot!("explain_cs_months_since", run(&with(&["explain", "C015"], &CUSTOMER)).transcript());
}

#[test]
fn explain_reads_standard_input() {
    let csv = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/telecom-after-sales.csv")).unwrap();
    let from_stdin =
        run_stdin(&["explain", "E003", "--as-of", "2026-12-31", "--scores", "examples/telecom-after-sales-scores.csv", "-"], Some(&csv));
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    let from_file = run(&with(&["explain", "E003"], &TELECOM));
    assert_eq!(from_stdin.stdout.replace("<stdin>", "examples/telecom-after-sales.csv"), from_file.stdout);
}

#[test]
fn explain_json() {
    insta::assert_snapshot!("explain_json_e003", redacted_json(&run(&with(&["explain", "E003", "--format", "json"], &TELECOM))));
    insta::assert_snapshot!("explain_json_c013", redacted_json(&run(&with(&["explain", "C013", "--format", "json"], &CUSTOMER))));
}

// ---------------------------------------------------------------------------
// explain agrees with evaluate, for every employee of both examples.

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap_or_else(|_| panic!("not a number: {v}"))
}

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn mean(values: &[Decimal]) -> Option<Decimal> {
    (!values.is_empty()).then(|| round2(values.iter().sum::<Decimal>() / Decimal::from(values.len())))
}

/// Checks every employee in CI, every third locally (two runs of the binary
/// each); returns (employees in the file, employees checked).
fn check_agreement(inputs: &[&str]) -> (usize, usize) {
    let step = super::harness::scaled(3, 1);
    let nd = run(&with(&["evaluate", "--format", "ndjson"], inputs));
    assert!(nd.code == 0 || nd.code == 3, "{}", nd.stderr);
    let scheme_name = if inputs.contains(&"customer-service") { "customer-service" } else { "telecom-after-sales" };
    let scheme = run(&["show", "--ladder", scheme_name, "--format", "json"]).json();
    let (w_kpi, w_comp) = (dec(&scheme["composite"]["kpi"]), dec(&scheme["composite"]["competency"]));
    let (c_min, c_max) = (dec(&scheme["scales"]["competency"]["min"]), dec(&scheme["scales"]["competency"]["max"]));
    let mut checked = 0;
    for line in nd.stdout.lines().step_by(step) {
        let want: Value = serde_json::from_str(line).unwrap();
        let id = want["id"].as_str().unwrap();
        let r = run(&with(&["explain", id, "--format", "json"], inputs));
        assert_eq!(r.code, if want["status"] == "error" { 3 } else { 0 }, "{id}: {}", r.stderr);
        let got = r.json();
        let f = &got["figures"];
        let d = &got["decision"];
        for key in ["kpi", "kpi_quarters", "competency", "competency_halves", "competency_pct", "composite", "rank_pct"] {
            let g = if f.is_null() { &Value::Null } else { &f[key] };
            assert_eq!(g, &want[key], "{id}: {key}");
        }
        let band = if f.is_null() || f["band"].is_null() { Value::Null } else { f["band"]["id"].clone() };
        assert_eq!(band, want["band"], "{id}: band");
        for key in ["status", "recommended_grade", "next_grade", "eligible_on", "unmet", "alternatives"] {
            assert_eq!(d[key], want[key], "{id}: {key}");
        }
        assert_eq!(got["errors"], want["errors"], "{id}: errors");
        assert_eq!(got["employee"]["id"], want["id"]);

        // The breakdown adds up to the figures.
        if !f.is_null() {
            let quarter_scores: Vec<Decimal> = got["quarters"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|q| q["in_window"] == true && q["scored"] == true)
                .map(|q| dec(&q["score"]))
                .collect();
            assert_eq!(quarter_scores.len() as u64, f["kpi_quarters"].as_u64().unwrap(), "{id}");
            assert_eq!(mean(&quarter_scores), f["kpi"].as_number().map(|_| dec(&f["kpi"])), "{id}: kpi from the quarters shown");
            assert_eq!(quarter_scores.iter().min().copied(), f["kpi_min"].as_number().map(|_| dec(&f["kpi_min"])), "{id}: kpi_min");
            let ratings: Vec<Decimal> =
                got["halves"].as_array().unwrap().iter().filter(|h| h["scored"] == true).map(|h| dec(&h["rating"])).collect();
            assert_eq!(
                mean(&ratings),
                f["competency"].as_number().map(|_| dec(&f["competency"])),
                "{id}: competency from the halves shown"
            );
            if let (Some(k), Some(c)) = (f["kpi"].as_number(), f["competency"].as_number()) {
                let (k, c) = (dec(&Value::Number(k.clone())), dec(&Value::Number(c.clone())));
                let pct = round2((c - c_min) / (c_max - c_min) * Decimal::ONE_HUNDRED);
                assert_eq!(pct, dec(&f["competency_pct"]), "{id}: competency_pct");
                assert_eq!(round2((w_kpi * k + w_comp * pct) / Decimal::ONE_HUNDRED), dec(&f["composite"]), "{id}: composite");
                let rank = &f["rank"];
                let pct = round2(Decimal::from(100 * rank["position"].as_u64().unwrap()) / Decimal::from(rank["cohort"].as_u64().unwrap()));
                assert_eq!(pct, dec(&f["rank_pct"]), "{id}: rank_pct from the rank shown");
            }
            // Every unmet test of the decision is a failing part of the next grade's rule.
            if let Some(next) = got["rules"].as_array().unwrap().iter().find(|r| r["kind"] == "next_grade") {
                let failing: Vec<&Value> = next["parts"].as_array().unwrap().iter().filter(|p| p["holds"] == false).collect();
                if d["status"] == "hold" || d["status"] == "demote" {
                    // A grade decided by a committee adds its own line (docs/decisions.md).
                    let tests = d["unmet"].as_array().unwrap().iter().filter(|u| !u.as_str().unwrap().starts_with("decided by ")).count();
                    assert_eq!(failing.len(), tests, "{id}: unmet");
                    assert_eq!(next["changes"].as_array().unwrap().len(), failing.len(), "{id}: one change per failing test");
                }
            }
        }
        // The text says the same.
        let text = run(&with(&["explain", id], inputs)).stdout;
        assert!(text.contains(&format!("Decision: {}", want["status"].as_str().unwrap())), "{id}: {text}");
        if let Some(k) = want["kpi"].as_number() {
            assert!(text.contains(&format!("{:.2}", dec(&Value::Number(k.clone())))), "{id}: kpi in the text");
        }
        checked += 1;
    }
    (nd.stdout.lines().count(), checked)
}

#[test]
fn explain_figures_agree_with_evaluate_for_every_employee() {
    let step = super::harness::scaled(3, 1);
    assert_eq!(check_agreement(&TELECOM), (35, 35usize.div_ceil(step)));
    assert_eq!(check_agreement(&CUSTOMER), (41, 41usize.div_ceil(step)));
}

// ---------------------------------------------------------------------------
// what-if

#[test]
fn what_if_snapshots() {
    insta::assert_snapshot!("what_if_tenure", run(&with(&["what-if", "E003", "--set", "grade_date=2025-09-01"], &TELECOM)).transcript());
    // A score change moves the cohort's ranks: other employees are named.
    insta::assert_snapshot!(
        "what_if_cohort",
        run(&with(&["what-if", "E015", "--set", "2026Q4.standardization=60"], &TELECOM)).transcript()
    );
    insta::assert_snapshot!(
        "what_if_several",
        run(&with(&["what-if", "C013", "--set", "leave_days=20", "--set", "cadre_training=1", "--set", "tickets=520"], &CUSTOMER))
            .transcript()
    );
    insta::assert_snapshot!(
        "what_if_json",
        redacted_json(&run(&with(&["what-if", "E003", "--set", "grade_date=2025-09-01", "--format", "json"], &TELECOM)))
    );
}

/// The employee file with one cell of one row changed.
fn edited_file(path: &str, id: &str, column: &str, value: &str) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == column).unwrap();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    {
        let mut w = csv::Writer::from_writer(file.as_file_mut());
        w.write_record(&headers).unwrap();
        for rec in reader.records() {
            let mut cells: Vec<String> = rec.unwrap().iter().map(String::from).collect();
            if cells[0] == id {
                cells[col] = value.to_string();
            }
            w.write_record(&cells).unwrap();
        }
        w.flush().unwrap();
    }
    file.as_file_mut().flush().unwrap();
    file
}

#[test]
fn what_if_flips_a_tenure_blocked_employee_and_leaves_everything_else_unchanged() {
    let r = run(&with(&["what-if", "E003", "--set", "grade_date=2025-09-01", "--format", "json"], &TELECOM));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let (before, after) = (&v["before"], &v["after"]);
    assert_eq!(before["status"], "hold");
    assert_eq!(before["eligible_on"], "2027-03-16");
    assert_eq!(before["unmet"], serde_json::json!(["months_in_grade >= 6 (found 3)"]));
    assert_eq!(after["status"], "promote");
    assert_eq!(after["recommended_grade"], "T2");
    assert_eq!(after["eligible_on"], Value::Null);
    assert_eq!(after["unmet"], serde_json::json!([]));
    let changed: BTreeSet<&str> = v["changed"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(changed, BTreeSet::from(["status", "recommended_grade", "eligible_on", "unmet"]));
    assert_eq!(v["others_changed"], serde_json::json!([]));

    // "before" is what evaluate says; "after" is what evaluate says of the edited file,
    // and every other employee's result is the same in both files.
    let original = run(&with(&["evaluate", "--format", "ndjson"], &TELECOM));
    let edited = edited_file("examples/telecom-after-sales.csv", "E003", "grade_date", "2025-09-01");
    let path = edited.path().to_str().unwrap();
    let changed =
        run(&["evaluate", "--format", "ndjson", "--as-of", "2026-12-31", "--scores", "examples/telecom-after-sales-scores.csv", path]);
    let lines = |r: &Run| -> Vec<Value> { r.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect() };
    let (old, new) = (lines(&original), lines(&changed));
    assert_eq!(old.len(), new.len());
    for (o, n) in old.iter().zip(&new) {
        if o["id"] == "E003" {
            assert_eq!(o, before);
            assert_eq!(n, after);
        } else {
            assert_eq!(o, n, "{} changed", o["id"]);
        }
    }
}

#[test]
fn what_if_reaches_the_same_answer_as_evaluate_on_the_changed_file_for_a_score() {
    // A score change re-ranks the cohort: what-if's other employees are evaluate's.
    let r = run(&with(&["what-if", "E010", "--set", "2026Q4.inquiry_handling=40", "--format", "json"], &TELECOM));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let edited = edited_file("examples/telecom-after-sales.csv", "E010", "2026Q4.inquiry_handling", "40");
    let path = edited.path().to_str().unwrap();
    let changed =
        run(&["evaluate", "--format", "ndjson", "--as-of", "2026-12-31", "--scores", "examples/telecom-after-sales-scores.csv", path]);
    let original = run(&with(&["evaluate", "--format", "ndjson"], &TELECOM));
    let mut others = Vec::new();
    for (o, n) in original.stdout.lines().zip(changed.stdout.lines()) {
        let (o, n): (Value, Value) = (serde_json::from_str(o).unwrap(), serde_json::from_str(n).unwrap());
        if o["id"] == "E010" {
            assert_eq!(n, v["after"]);
        } else if o != n {
            others.push(o["id"].clone());
        }
    }
    let reported: Vec<Value> = v["others_changed"].as_array().unwrap().iter().map(|x| x["id"].clone()).collect();
    assert_eq!(reported, others);
    assert!(!others.is_empty(), "the change was meant to move someone else's rank");
}

#[test]
fn what_if_can_fix_a_row_in_error() {
    // E006's 2026Q2 lacks card_records: supplying it makes the row evaluable.
    let r = run(&with(&["what-if", "E006", "--set", "2026Q2.card_records=80", "--format", "json"], &TELECOM));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["before"]["status"], "error");
    assert_ne!(v["after"]["status"], "error");
    assert_eq!(v["after"]["errors"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------
// Error paths: exit 1 for an id the file does not have, exit 2 for a --set that cannot stand.

#[test]
fn unknown_employee_id_exits_1() {
    let r = run(&with(&["explain", "E999"], &TELECOM));
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    insta::assert_snapshot!("unknown_id_explain", r.transcript());
    let r = run(&with(&["what-if", "e003", "--set", "grade_date=2025-09-01"], &TELECOM));
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("unknown_id_what_if", r.transcript());
}

#[test]
fn bad_sets_exit_2_and_say_why() {
    let cases: &[(&str, &[&str])] = &[
        ("unknown_key", &["--set", "grade_dat=2025-09-01"]),
        ("not_a_date", &["--set", "grade_date=2025-02-30"]),
        ("date_after_as_of", &["--set", "grade_date=2027-01-01"]),
        ("not_a_grade", &["--set", "grade=T9"]),
        ("not_a_number_for_a_rule", &["--set", "onsite_services=lots"]),
        ("not_yes_no", &["--set", "exam_passed=maybe"]),
        ("not_on_the_scale", &["--set", "education=小学"]),
        ("score_not_a_number", &["--set", "2026Q3.inquiry_handling=abc"]),
        ("score_out_of_range", &["--set", "2026Q3.inquiry_handling=120"]),
        ("score_not_of_the_position", &["--set", "2026Q3.standardization=90"]),
        ("score_outside_the_window", &["--set", "2025Q1.inquiry_handling=90"]),
        ("id_is_not_settable", &["--set", "id=E100"]),
        ("key_twice", &["--set", "tech_docs=1", "--set", "tech_docs=2"]),
        ("not_key_value", &["--set", "grade_date"]),
    ];
    let mut all = String::new();
    for (name, set) in cases {
        let mut args = vec!["what-if", "E003"];
        args.extend_from_slice(set);
        args.extend(TELECOM);
        let r = run(&args);
        assert_eq!(r.code, 2, "{name}: {}", r.transcript());
        assert!(r.stdout.is_empty(), "{name}");
        assert!(r.stderr.starts_with("error:"), "{name}: {}", r.stderr);
        all.push_str(&format!("== {name}\n{}", without_locations(&r.stderr)));
    }
    insta::assert_snapshot!(all);
    // --set is required.
    assert_eq!(run(&with(&["what-if", "E003"], &TELECOM)).code, 2);
}

#[test]
fn a_blank_value_clears_a_cell() {
    let r = run(&with(&["what-if", "E003", "--set", "customer_commendations=", "--format", "json"], &TELECOM));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["set"][0]["after"], "");
    // E003 had one customer commendation and no internal one: the `any` now fails.
    let unmet = v["after"]["unmet"].as_array().unwrap();
    assert!(unmet.iter().any(|u| u.as_str().unwrap().contains("customer_commendations >= 1 (no value)")), "{unmet:?}");
}

// ---------------------------------------------------------------------------
// show

#[test]
fn show_table_and_mermaid_of_the_built_in_schemes() {
    for scheme in ["telecom-after-sales", "customer-service"] {
        insta::assert_snapshot!(format!("show_table_{scheme}"), run(&["show", "--ladder", scheme]).transcript());
        insta::assert_snapshot!(format!("show_mermaid_{scheme}"), run(&["show", "--ladder", scheme, "--format", "mermaid"]).transcript());
        insta::assert_snapshot!(format!("show_dot_{scheme}"), run(&["show", "--ladder", scheme, "--format", "dot"]).transcript());
    }
}

#[test]
fn show_json_is_the_scheme_with_rules_as_trees() {
    let v = run(&["show", "--format", "json"]).json();
    assert_eq!(v["scheme"], "telecom-after-sales");
    let technical = v["sequences"].as_array().unwrap().iter().find(|s| s["id"] == "technical").unwrap();
    let grades: Vec<&str> = technical["grades"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(grades, ["T1", "T2", "T3", "T4", "T5"]);
    let t2 = &technical["grades"][1];
    assert_eq!(t2["requires"]["all"][0], serde_json::json!({"fact": "months_in_grade", "min": 6, "text": "months_in_grade >= 6"}));
    assert!(t2["requires"]["all"][1]["any"].is_array());
    assert_eq!(
        v["demotion"]["any"][1],
        serde_json::json!({"streak": "kpi", "quarters": 2, "below": 60, "text": "kpi < 60 in each of the last 2 quarters"})
    );
    let bridges: Vec<(String, String)> =
        v["bridges"].as_array().unwrap().iter().map(|b| (b["from"].as_str().unwrap().into(), b["to"].as_str().unwrap().into())).collect();
    assert_eq!(bridges, [("T2".into(), "M1".into()), ("T3".into(), "M2".into()), ("T4".into(), "M3".into())]);
}

/// A scheme whose ids and titles hold every character a graph syntax could trip on.
const TRICKY: &str = r#"
scheme: tricky "one"
title: 'A "quoted" \ title <b>&amp; #1 `tick` 晋升'
review: {quarters: 4, halves: 2}
scales:
  competency: {min: 1, max: 5}
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, title: 'top "A"', min: 90}
  - {id: D, title: rest, min: 0}
positions:
  - id: p
    title: 'pos "x"'
    kpis:
      - {id: k, title: 'K <1>', weight: 100}
    competencies:
      core: {weight: 100, items: [{id: c, title: C}]}
sequences:
  - id: 'seq"1'
    title: 'Seq "one" \n end'
    grades:
      - {id: 'G"1', title: 'first "grade" \ back'}
      - id: 'G#2'
        title: 'second <grade> & `x` ;}]'
        requires:
          - {fact: kpi, min: 60}
  - id: s2
    title: 第二 序列
    grades:
      - {id: H1, title: '主管 "甲"'}
bridges:
  - {from: 'G"1', to: H1, title: 'bridge "q" \ #1 <x> |pipe|', requires: {fact: kpi, min: 80}}
"#;

/// The text with Mermaid entity codes (`#quot;`, `#35;`) removed.
fn strip_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('#') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find(';') {
            Some(j) if j > 0 && after[..j].chars().all(|c| c.is_ascii_alphanumeric()) => rest = &after[j + 1..],
            _ => {
                out.push('#');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn tricky_scheme() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tricky.yaml"), TRICKY).unwrap();
    dir
}

#[test]
fn graph_labels_are_quoted_and_escaped() {
    let dir = tricky_scheme();
    let path = dir.path().join("tricky.yaml");
    let path = path.to_str().unwrap();
    assert_eq!(run(&["check", "--ladder", path]).code, 0);
    let mermaid = run(&["show", "--ladder", path, "--format", "mermaid"]);
    assert_eq!(mermaid.code, 0);
    // Inside a Mermaid label only entity codes (`#quot;`) stand for the characters Mermaid would read.
    for line in mermaid.stdout.lines().filter(|l| l.contains("[\"") || l.contains("|\"")) {
        assert_eq!(line.matches('"').count(), 2, "{line}");
        let inner = line.split('"').nth(1).unwrap();
        assert!(!strip_entities(inner).contains(['#', '<', '>', '&', '`']), "{line}");
    }
    insta::assert_snapshot!("tricky_mermaid", mermaid.stdout);
    let dot = run(&["show", "--ladder", path, "--format", "dot"]);
    assert_eq!(dot.code, 0);
    insta::assert_snapshot!("tricky_dot", dot.stdout);
}

/// `dot` on PATH, or why not. CI installs graphviz (.ci/run); elsewhere the
/// test fails without it unless LADDER_SKIP_GRAPHVIZ=1.
fn graphviz() -> bool {
    let found = std::process::Command::new("dot").arg("-V").output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("LADDER_SKIP_GRAPHVIZ").as_deref() == Ok("1") {
            eprintln!("skipping: graphviz `dot` is not on PATH and LADDER_SKIP_GRAPHVIZ=1");
            return false;
        }
        panic!("graphviz `dot` is not on PATH: install graphviz (`apt-get install graphviz`), or set LADDER_SKIP_GRAPHVIZ=1 to skip");
    }
    true
}

#[test]
fn dot_output_renders_with_graphviz() {
    if !graphviz() {
        return;
    }
    let dir = tricky_scheme();
    let tricky = dir.path().join("tricky.yaml");
    for scheme in ["telecom-after-sales", "customer-service", tricky.to_str().unwrap()] {
        let graph = run(&["show", "--ladder", scheme, "--format", "dot"]);
        assert_eq!(graph.code, 0, "{scheme}: {}", graph.stderr);
        let out = std::process::Command::new("dot")
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child.stdin.take().unwrap().write_all(graph.stdout.as_bytes())?;
                child.wait_with_output()
            })
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{scheme}: dot -Tsvg failed: {stderr}\n{}", graph.stdout);
        assert!(!stderr.contains("Error") && !stderr.contains("syntax"), "{scheme}: {stderr}");
        let svg = String::from_utf8_lossy(&out.stdout);
        assert!(svg.contains("<svg"), "{scheme}");
        // Every grade is a node of the picture.
        let titles = run(&["show", "--ladder", scheme, "--format", "json"]).json();
        for seq in titles["sequences"].as_array().unwrap() {
            for g in seq["grades"].as_array().unwrap() {
                let id = g["id"].as_str().unwrap().replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
                assert!(svg.contains(&id), "{scheme}: {id} not drawn");
            }
        }
    }
}

#[test]
fn a_short_row_cannot_take_a_value_for_a_cell_it_lacks() {
    let header =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/telecom-after-sales.csv")).unwrap();
    let header = header.lines().next().unwrap();
    let csv = format!("{header}\nX1,短,engineer,technical,T1,2024-01-01\n");
    let r = run_stdin(&["what-if", "X1", "--set", "grade_date=2025-01-01", "--as-of", "2026-12-31", "-"], Some(csv.as_bytes()));
    assert_eq!(r.code, 2, "{}", r.transcript());
    assert!(r.stderr.contains("has 6 cells, so no cell for `grade_date` (column 7)"), "{}", r.stderr);
    // explain shows the row's errors, exit 3.
    let r = run_stdin(&["explain", "X1", "--as-of", "2026-12-31", "-"], Some(csv.as_bytes()));
    assert_eq!(r.code, 3, "{}", r.transcript());
    assert!(r.stdout.contains("Decision: error"), "{}", r.stdout);
}
