//! The decisions the seeds need (issue 16 items 1, 2, 5, 7): a highest grade
//! with bridges out is `hold` (SPEC §5), demotion to a named grade and
//! grades exempt from the scheme-wide demotion (SPEC §8.1), grades decided by
//! a committee (`decided_by`, docs/decisions.md), and `ladder show` drawing
//! them. First on a small scheme written for the purpose, then on the
//! built-in customer-service scheme with employees built by hand for each
//! seed rule. Every run is the binary, as a user runs it.

use super::harness::Test;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const SCHEME: &str = r"
scheme: decisions
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, min: 90}
  - {id: B, min: 80}
  - {id: C, min: 0}
requires: [{fact: kpi, min: 60}]
demotion: {fact: major_incident, is: true}
positions:
  - id: eng
    kpis: [{id: q, weight: 100}]
    competencies: {core: {weight: 100, items: [skill]}}
sequences:
  - id: tech
    grades:
      - {id: T1}
      - id: T2
        requires: [{fact: months_in_grade, min: 12}]
        demotion: {when: {fact: red_line, is: true}, to: M1}
      - id: T3
        requires: [{fact: kpi, min: 90}]
        scheme_demotion: false
  - id: mgmt
    grades:
      - {id: M1}
      - id: M2
        decided_by: 董事会
        requires: [{fact: kpi, min: 80}, {fact: months_in_grade, min: 12}]
  - id: expert
    grades:
      - id: X1
        scheme_demotion: false
        demotion: {fact: red_line, is: true}
bridges:
  - {from: T3, to: M1, requires: [{fact: months_in_grade, min: 24}, {fact: kpi, min: 85}]}
  - {from: T3, to: M2, requires: [{fact: kpi, min: 95}]}
  - {from: T3, to: X1, requires: [{months_since: hire_date, min: 60}]}
";

const HEADER: &str = "id,position,sequence,grade,hire_date,grade_date,major_incident,red_line,2026Q3.q,2026Q4.q,2026H2.skill";

/// One employee: sequence, grade, dates, the flags [major_incident, red_line], the KPI of both quarters.
fn row(id: &str, sequence: &str, grade: &str, hire: &str, since: &str, flags: [&str; 2], kpi: &str) -> String {
    let [incident, red] = flags;
    format!("{id},eng,{sequence},{grade},{hire},{since},{incident},{red},{kpi},{kpi},4")
}

fn ladder(args: &[&str], stdin: Option<String>) -> (Option<i32>, String, String) {
    let run = Test::new().args(args).stdin_if(stdin).run();
    (Some(run.code), run.stdout, run.stderr)
}

fn scheme_file(dir: &Path, yaml: &str) -> String {
    super::harness::write(dir, "scheme.yaml", yaml)
}

/// Evaluates rows with the small scheme as of 2026-12-31; results by id.
fn evaluate(rows: &[String]) -> BTreeMap<String, Value> {
    let dir = tempfile::tempdir().unwrap();
    let scheme = scheme_file(dir.path(), SCHEME);
    let csv = dir.path().join("staff.csv");
    std::fs::write(&csv, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let (code, out, err) =
        ladder(&["evaluate", "--ladder", &scheme, "--as-of", "2026-12-31", "--format", "json", csv.to_str().unwrap()], None);
    assert_eq!(code, Some(0), "{err}");
    by_id(&out)
}

fn by_id(json: &str) -> BTreeMap<String, Value> {
    let v: Value = serde_json::from_str(json).unwrap();
    v["results"].as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap().to_string(), r.clone())).collect()
}

fn unmet(r: &Value) -> Vec<String> {
    r["unmet"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect()
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap()).collect()
}

// ---------------------------------------------------------------------------
// SPEC §5: the top of a sequence with a way out

#[test]
fn a_highest_grade_with_bridges_out_is_hold_with_each_bridges_gaps() {
    // T3 is the top of tech; three bridges leave it. kpi 80: no bridge holds, and M1's needs a
    // score, so time alone opens only X1 (60 months since hire: 2027-03-15).
    let r = evaluate(&[row("A", "tech", "T3", "2022-03-15", "2025-06-10", ["no", "no"], "80")]);
    let a = &r["A"];
    assert_eq!(a["status"], "hold", "{a}");
    assert_eq!(a["recommended_grade"], "T3");
    assert_eq!(a["next_grade"], Value::Null);
    assert_eq!(
        unmet(a),
        [
            "M1: months_in_grade >= 24 (found 18)",
            "M1: kpi >= 85 (found 80)",
            "M2: decided by 董事会, not by rule",
            "M2: kpi >= 95 (found 80)",
            "X1: months_since(hire_date) >= 60 (found 57)",
        ]
    );
    assert_eq!(a["eligible_on"], "2027-03-15");
    assert_eq!(ids(&a["alternatives"]), Vec::<&str>::new());
}

#[test]
fn eligible_on_at_the_top_is_the_first_date_any_bridge_opens_by_time_alone() {
    // kpi 88: M1's bridge opens by tenure on 2027-06-10, X1's on 2030-01-05; the first wins.
    let r = evaluate(&[
        row("B", "tech", "T3", "2025-01-05", "2025-06-10", ["no", "no"], "88"),
        // Only X1 can open with time, and not within 20 years of a future hire: none.
        row("C", "tech", "T3", "2025-01-05", "2025-06-10", ["no", "no"], "70"),
    ]);
    assert_eq!(r["B"]["status"], "hold");
    assert_eq!(r["B"]["eligible_on"], "2027-06-10", "{}", r["B"]);
    assert_eq!(r["C"]["eligible_on"], "2030-01-05", "{}", r["C"]);
}

#[test]
fn only_a_highest_grade_with_no_bridge_out_is_top() {
    let r = evaluate(&[
        row("X", "expert", "X1", "2010-01-01", "2015-01-01", ["no", "no"], "70"),
        row("M", "mgmt", "M2", "2010-01-01", "2015-01-01", ["no", "no"], "70"),
    ]);
    for id in ["X", "M"] {
        assert_eq!(r[id]["status"], "top", "{}", r[id]);
        assert_eq!(unmet(&r[id]), Vec::<String>::new());
        assert_eq!(r[id]["eligible_on"], Value::Null);
    }
}

#[test]
fn a_bridge_that_holds_promotes_but_never_into_a_grade_the_board_decides() {
    // kpi 96 meets every bridge's rule, M2's too; M2 is decided by the board, so it is no alternative.
    let r = evaluate(&[row("D", "tech", "T3", "2015-01-05", "2024-06-10", ["no", "no"], "96")]);
    assert_eq!(r["D"]["status"], "promote", "{}", r["D"]);
    assert_eq!(r["D"]["recommended_grade"], "M1");
    assert_eq!(ids(&r["D"]["alternatives"]), ["M1", "X1"]);
}

// ---------------------------------------------------------------------------
// decided_by

#[test]
fn the_grade_below_a_board_decided_grade_holds_and_says_why() {
    let r = evaluate(&[
        // Meets M2's rule: the board's decision is the one thing unmet.
        row("E", "mgmt", "M1", "2015-01-05", "2024-06-10", ["no", "no"], "85"),
        // Only tenure is short: without decided_by eligible_on would be 2027-06-10; the board is no date.
        row("F", "mgmt", "M1", "2015-01-05", "2026-06-10", ["no", "no"], "85"),
    ]);
    assert_eq!(r["E"]["status"], "hold", "{}", r["E"]);
    assert_eq!(r["E"]["next_grade"], "M2");
    assert_eq!(unmet(&r["E"]), ["decided by 董事会, not by rule"]);
    assert_eq!(r["E"]["eligible_on"], Value::Null);
    assert_eq!(unmet(&r["F"]), ["decided by 董事会, not by rule", "months_in_grade >= 12 (found 6)"]);
    assert_eq!(r["F"]["eligible_on"], Value::Null);
}

// ---------------------------------------------------------------------------
// SPEC §8.1

#[test]
fn a_grades_own_demotion_names_its_target_in_another_sequence() {
    let r = evaluate(&[
        row("G1", "tech", "T2", "2015-01-05", "2024-06-10", ["no", "yes"], "85"),
        row("G2", "tech", "T2", "2015-01-05", "2024-06-10", ["yes", "no"], "85"),
        row("G3", "tech", "T2", "2015-01-05", "2024-06-10", ["yes", "yes"], "85"),
        row("G4", "tech", "T1", "2015-01-05", "2024-06-10", ["yes", "no"], "85"),
    ]);
    // Its own rule: its target, M1 of mgmt.
    assert_eq!((r["G1"]["status"].as_str(), r["G1"]["recommended_grade"].as_str()), (Some("demote"), Some("M1")));
    assert_eq!(r["G1"]["next_grade"], "T3");
    // Only the scheme-wide rule: the grade below.
    assert_eq!(r["G2"]["recommended_grade"], "T1", "{}", r["G2"]);
    // Both: the grade's own target.
    assert_eq!(r["G3"]["recommended_grade"], "M1", "{}", r["G3"]);
    // The scheme-wide rule at the bottom: the same grade.
    assert_eq!((r["G4"]["status"].as_str(), r["G4"]["recommended_grade"].as_str()), (Some("demote"), Some("T1")));
}

#[test]
fn an_exempt_grade_ignores_the_scheme_wide_demotion_but_not_its_own() {
    let r = evaluate(&[
        row("H1", "tech", "T3", "2015-01-05", "2024-06-10", ["yes", "no"], "96"),
        row("H2", "expert", "X1", "2015-01-05", "2024-06-10", ["yes", "no"], "70"),
        row("H3", "expert", "X1", "2015-01-05", "2024-06-10", ["no", "yes"], "70"),
    ]);
    // A major incident does not demote T3 or X1 (scheme_demotion: false).
    assert_eq!(r["H1"]["status"], "promote", "{}", r["H1"]);
    assert_eq!(r["H2"]["status"], "top", "{}", r["H2"]);
    // X1's own rule still does: the same grade, at the bottom.
    assert_eq!((r["H3"]["status"].as_str(), r["H3"]["recommended_grade"].as_str()), (Some("demote"), Some("X1")));
}

#[test]
fn explain_names_the_demotion_target_and_the_board() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = scheme_file(dir.path(), SCHEME);
    let csv = format!(
        "{HEADER}\n{}\n{}\n",
        row("G1", "tech", "T2", "2015-01-05", "2024-06-10", ["no", "yes"], "85"),
        row("E", "mgmt", "M1", "2015-01-05", "2024-06-10", ["no", "no"], "85")
    );
    let (code, out, err) = ladder(&["explain", "G1", "--ladder", &scheme, "--as-of", "2026-12-31", "-"], Some(csv.clone()));
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("Decision: demote — recommend M1"), "{out}");
    assert!(out.contains("the grade's own sends to M1"), "{out}");
    let (_, out, _) = ladder(&["explain", "E", "--ladder", &scheme, "--as-of", "2026-12-31", "-"], Some(csv));
    assert!(out.contains("Next grade M2 M2 — met; decided by 董事会, not by rule"), "{out}");
    assert!(out.contains("unmet: decided by 董事会, not by rule"), "{out}");
}

#[test]
fn every_mistake_in_the_new_keys_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let bad = SCHEME
        .replace("to: M1}", "to: Z9}")
        .replace("      - {id: M1}", "      - {id: M1, demotion: {when: {fact: red_line, is: true}, to: M1}}")
        .replace("decided_by: 董事会", "decided_by: \"\"")
        .replace("      - {id: T1}", "      - {id: T1, demotion: {when: {fact: red_line, is: true}, too: M1}}");
    let path = scheme_file(dir.path(), &bad);
    let (code, _, err) = ladder(&["check", "--ladder", &path], None);
    assert_eq!(code, Some(1), "{err}");
    let located = |text: &str, at: &str| {
        let lines: Vec<&str> = err.lines().collect();
        lines.windows(2).any(|w| w[0].contains(text) && w[1].contains(at))
    };
    for (at, text) in [
        ("scheme.yaml:17:18", "unknown key `too` in a demotion to a named grade"),
        ("scheme.yaml:17:18", "a demotion with `when` needs `to: GRADE`"),
        ("scheme.yaml:20:58", "demotion to `Z9`: no grade has that id"),
        ("scheme.yaml:26:67", "demotion of `M1` to `M1` itself"),
        ("scheme.yaml:28:21", "`decided_by` names who decides"),
    ] {
        assert!(located(text, at), "{text} at {at}:\n{err}");
    }
    // A `scheme_demotion` that is not yes/no is refused too, where it is written.
    let path = scheme_file(dir.path(), &SCHEME.replace("scheme_demotion: false\n  - id: mgmt", "scheme_demotion: no-thanks\n  - id: mgmt"));
    let (code, _, err) = ladder(&["check", "--ladder", &path], None);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("scheme.yaml:23:") && err.contains("scheme_demotion"), "{err}");
}

#[test]
fn the_json_schema_has_the_new_keys() {
    let (code, out, _) = ladder(&["schema"], None);
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    let grade = &v["$defs"]["Grade"]["properties"];
    assert_eq!(grade["scheme_demotion"]["type"], serde_json::json!(["boolean", "null"]));
    assert!(grade["decided_by"]["type"].to_string().contains("string"), "{}", grade["decided_by"]);
    let named = v["$defs"]["Demotion"]["anyOf"].as_array().unwrap().iter().find(|s| s["properties"]["when"].is_object()).cloned();
    let named = named.expect("a {when, to} form");
    assert_eq!(named["required"], serde_json::json!(["when", "to"]));
}

#[test]
fn show_draws_demotion_targets_and_marks_board_grades() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = scheme_file(dir.path(), SCHEME);
    let (_, table, _) = ladder(&["show", "--ladder", &scheme], None);
    assert!(table.contains("demotion"), "{table}");
    assert!(table.contains("to M1 M1 when red_line = true"), "{table}");
    assert!(table.contains("exempt from the scheme-wide demotion"), "{table}");
    assert!(table.contains("decided by 董事会, never by rule"), "{table}");
    let (_, mermaid, _) = ladder(&["show", "--ladder", &scheme, "--format", "mermaid"], None);
    // tech T2 (g0_1) → mgmt M1 (g1_0), after 2 promotion arrows of tech, 1 of mgmt and 3 bridges: link 6.
    assert!(mermaid.contains("g0_1 -.->|\"demotion\"| g1_0"), "{mermaid}");
    assert!(mermaid.contains("linkStyle 6 stroke:#c0392b"), "{mermaid}");
    assert!(mermaid.contains("g1_1[\"M2 M2 · decided by 董事会\"]") && mermaid.contains("class g1_1 decided"), "{mermaid}");
    let (_, dot, _) = ladder(&["show", "--ladder", &scheme, "--format", "dot"], None);
    assert!(dot.contains("g0_1 -> g1_0 [style=dashed, color=red"), "{dot}");
    assert!(dot.contains("decided by 董事会\", style=\"rounded,bold,dashed\""), "{dot}");
    let (_, json, _) = ladder(&["show", "--ladder", &scheme, "--format", "json"], None);
    let v: Value = serde_json::from_str(&json).unwrap();
    let tech = &v["sequences"][0]["grades"];
    assert_eq!(tech[1]["demotion_to"], "M1");
    assert_eq!(tech[2]["scheme_demotion"], false);
    assert_eq!(v["sequences"][1]["grades"][1]["decided_by"], "董事会");
}

// ---------------------------------------------------------------------------
// The seeds, with the built-in customer-service scheme

const CS_FACTS: [&str; 19] = [
    "id",
    "position",
    "sequence",
    "grade",
    "hire_date",
    "grade_date",
    "education",
    "probation_passed",
    "service_start_date",
    "mentored",
    "customer_commendations",
    "commending_customers",
    "internal_commendations",
    "cadre_training",
    "leave_days",
    "tickets",
    "revenue",
    "exam_passed",
    "major_incident",
];

const QUARTERS: [&str; 4] = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"];
const HALVES: [&str; 2] = ["2026H1", "2026H2"];

/// A customer-service employee who meets every fact test unless told
/// otherwise, with a year of KPI at `kpi` and ratings of 4.5 for their
/// position (no scores when `kpi` is empty).
fn cs(id: &str, position: &str, sequence: &str, grade: &str, kpi: &str, over: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut c: BTreeMap<String, String> = [
        ("id", id),
        ("position", position),
        ("sequence", sequence),
        ("grade", grade),
        ("hire_date", "2012-03-05"),
        ("grade_date", "2023-11-03"),
        ("education", "本科"),
        ("probation_passed", "true"),
        ("service_start_date", "2012-03-05"),
        ("mentored", "2"),
        ("customer_commendations", "2"),
        ("commending_customers", "2"),
        ("internal_commendations", "2"),
        ("cadre_training", "1"),
        ("leave_days", "5"),
        ("tickets", "600"),
        ("revenue", "700000"),
        ("exam_passed", "true"),
        ("major_incident", "false"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
    .collect();
    let (items, ratings): (&[(&str, &str)], &[&str]) = match position {
        "cs_supervisor" => (
            &[
                ("forecast_receivables", kpi),
                ("revenue_target", kpi),
                ("gross_margin", kpi),
                ("complaint_rate", "0.3"),
                ("overdue_receivables", kpi),
            ],
            &[
                "team_building",
                "planning",
                "customer_maintenance",
                "cost_control",
                "exception_handling",
                "responsibility",
                "lead_by_example",
                "service_awareness",
            ],
        ),
        "cs_director" => (
            &[("customer_retention", kpi), ("damage_claims", kpi), ("branch_satisfaction", kpi), ("gross_margin", kpi)],
            &[
                "strategy",
                "team_building",
                "informatization",
                "customer_maintenance",
                "performance_management",
                "responsibility",
                "lead_by_example",
            ],
        ),
        _ => (
            &[
                ("system_accuracy", "98"),
                ("tracking_on_time", kpi),
                ("complaint_rate", "0.3"),
                ("satisfaction", kpi),
                ("receipt_return", kpi),
                ("invoicing", kpi),
            ],
            &[
                "learning",
                "innovation",
                "adaptability",
                "receptiveness",
                "office_skills",
                "exception_handling",
                "mentoring",
                "responsibility",
                "initiative",
                "service_awareness",
            ],
        ),
    };
    if !kpi.is_empty() {
        for q in QUARTERS {
            for (item, v) in items {
                c.insert(format!("{q}.{item}"), (*v).to_string());
            }
        }
        for h in HALVES {
            for item in ratings {
                c.insert(format!("{h}.{item}"), "4.5".to_string());
            }
        }
    }
    for (k, v) in over {
        c.insert((*k).to_string(), (*v).to_string());
    }
    c
}

/// Evaluates hand-built employees with a built-in scheme as of 2026-12-31.
fn builtin(scheme: &str, rows: &[BTreeMap<String, String>]) -> BTreeMap<String, Value> {
    let mut header: Vec<String> = CS_FACTS.iter().map(|s| (*s).to_string()).collect();
    for r in rows {
        for k in r.keys() {
            if !header.contains(k) {
                header.push(k.clone());
            }
        }
    }
    let mut text = header.join(",") + "\n";
    for r in rows {
        let cells: Vec<&str> = header.iter().map(|h| r.get(h).map_or("", String::as_str)).collect();
        text += &(cells.join(",") + "\n");
    }
    let (code, out, err) = ladder(&["evaluate", "--ladder", scheme, "--as-of", "2026-12-31", "--format", "json", "-"], Some(text.clone()));
    assert_eq!(code, Some(0), "{err}\n{text}");
    by_id(&out)
}

fn decision(r: &Value) -> (&str, &str) {
    (r["status"].as_str().unwrap(), r["recommended_grade"].as_str().unwrap_or(""))
}

#[test]
fn seed_003_a_demoted_supervisor_falls_back_to_zhongji() {
    // 003 第八章一 降级, 第二章 管理通道 ① and ②: 中级客服专员 → 客服主管 / 项目主管. A demoted
    // 客服主管 or 项目主管 goes back to 中级客服专员 (S3), not to the bottom of its own sequence.
    let incident = [("major_incident", "true")];
    let r = builtin(
        "customer-service",
        &[
            cs("A1", "cs_supervisor", "management", "M1", "", &incident),
            cs("A2", "cs_supervisor", "project", "P1", "", &incident),
            // KPI under 60 two quarters running (第五章五 表现较差) demotes the same way.
            cs("A3", "cs_supervisor", "management", "M1", "20", &[]),
            // Above the 主管 rung the scheme-wide rule steps one grade down.
            cs("A4", "cs_supervisor", "management", "M2", "", &incident),
            cs("A5", "cs_supervisor", "project", "P2", "", &incident),
            cs("A6", "cs_specialist", "skill", "S4", "", &incident),
        ],
    );
    assert_eq!(decision(&r["A1"]), ("demote", "S3"), "{}", r["A1"]);
    assert_eq!(decision(&r["A2"]), ("demote", "S3"), "{}", r["A2"]);
    assert_eq!(decision(&r["A3"]), ("demote", "S3"), "{}", r["A3"]);
    assert_eq!(decision(&r["A4"]), ("demote", "M1"));
    assert_eq!(decision(&r["A5"]), ("demote", "P1"));
    assert_eq!(decision(&r["A6"]), ("demote", "S3"));
}

#[test]
fn seed_003_senior_management_is_exempt_from_the_scheme_wide_demotion() {
    // 003 第八章一: 高级管理层以下的走免职、降级 — 客服副总监 (M3) and 客服总监 (M4) are not demoted,
    // neither for an incident nor for two poor quarters.
    let r = builtin(
        "customer-service",
        &[
            cs("B1", "cs_director", "management", "M3", "", &[("major_incident", "true")]),
            cs("B2", "cs_director", "management", "M4", "50", &[("major_incident", "true")]),
            cs("B3", "cs_director", "management", "M3", "50", &[]),
        ],
    );
    assert_eq!(decision(&r["B1"]), ("hold", "M3"), "{}", r["B1"]);
    assert_eq!(decision(&r["B2"]), ("top", "M4"), "{}", r["B2"]);
    assert_eq!(decision(&r["B3"]), ("hold", "M3"), "{}", r["B3"]);
}

#[test]
fn seed_003_the_board_decides_senior_management() {
    // 003 第四章五: 高级管理层(含)以上晋升 … 由决策层或者董事会 … 执行. A 客服经理 meeting every
    // condition of 客服副总监, a 副总监 meeting those of 总监, and a 项目经理 meeting the bridge to
    // 副总监 are not promoted by the rules: each is `hold`, the board named, no date.
    let r = builtin(
        "customer-service",
        &[
            cs("C1", "cs_supervisor", "management", "M2", "92", &[]),
            cs("C2", "cs_director", "management", "M3", "92", &[]),
            cs("C3", "cs_supervisor", "project", "P2", "92", &[]),
            // Short of tenure only: the board is still no date.
            cs("C4", "cs_supervisor", "management", "M2", "92", &[("grade_date", "2025-11-03")]),
        ],
    );
    for id in ["C1", "C2"] {
        assert_eq!(decision(&r[id]), ("hold", r[id]["grade"].as_str().unwrap()), "{}", r[id]);
        assert_eq!(unmet(&r[id]), ["decided by 决策层或董事会, not by rule"], "{}", r[id]);
        assert_eq!(r[id]["eligible_on"], Value::Null);
    }
    // P2 is the top of its sequence; its one bridge leads to M3.
    assert_eq!(decision(&r["C3"]), ("hold", "P2"), "{}", r["C3"]);
    assert_eq!(r["C3"]["next_grade"], Value::Null);
    assert_eq!(unmet(&r["C3"]), ["M3: decided by 决策层或董事会, not by rule"]);
    assert_eq!(ids(&r["C3"]["alternatives"]), Vec::<&str>::new());
    assert_eq!(unmet(&r["C4"]), ["decided by 决策层或董事会, not by rule", "months_in_grade >= 24 (found 13)"]);
    assert_eq!(r["C4"]["eligible_on"], Value::Null);
}

#[test]
fn seed_003_a_zishen_with_bridges_out_is_held_not_top() {
    // 003 第六章四(一): 资深客服专员 拥有往管理层转换的双重机会 — the top of the skill sequence with
    // bridges to 客服经理 (M2) and 项目经理 (P2). Without 储备干部 training neither holds: `hold`, each
    // bridge's gap in unmet; with it, the bridge is taken.
    let r = builtin(
        "customer-service",
        &[
            cs("Z1", "cs_specialist", "skill", "S5", "92", &[("cadre_training", "0")]),
            cs("Z2", "cs_specialist", "skill", "S5", "92", &[]),
            // Three more 资深 with lower scores, so the first two rank in the top 30 %.
            cs("Z3", "cs_specialist", "skill", "S5", "80", &[]),
            cs("Z4", "cs_specialist", "skill", "S5", "80", &[]),
            cs("Z5", "cs_specialist", "skill", "S5", "80", &[]),
        ],
    );
    assert_eq!(decision(&r["Z1"]), ("hold", "S5"), "{}", r["Z1"]);
    assert_eq!(r["Z1"]["next_grade"], Value::Null);
    assert_eq!(unmet(&r["Z1"]), ["M2: cadre_training >= 1 (found 0)", "P2: cadre_training >= 1 (found 0)"]);
    assert_eq!(r["Z1"]["eligible_on"], Value::Null);
    assert_eq!(decision(&r["Z2"]), ("promote", "M2"), "{}", r["Z2"]);
}

#[test]
fn telecom_tops_have_no_bridge_out_and_stay_top() {
    // Telecom T5 and M4 have no bridge out: `top` (seeds 000/004 give them no way out).
    let mut header = String::from("id,position,sequence,grade,hire_date,grade_date,education,customer_satisfaction,first_contact_resolution,onsite_services,tech_docs,large_projects,customer_commendations,internal_commendations,exam_passed,major_incident\n");
    header += "T5,engineer,technical,T5,2010-01-01,2020-01-01,本科,,,,,,,,,否\n";
    header += "M4,engineer,management,M4,2010-01-01,2020-01-01,本科,,,,,,,,,否\n";
    let (code, out, err) =
        ladder(&["evaluate", "--ladder", "telecom-after-sales", "--as-of", "2026-12-31", "--format", "json", "-"], Some(header));
    assert_eq!(code, Some(0), "{err}");
    let r = by_id(&out);
    assert_eq!(decision(&r["T5"]), ("top", "T5"));
    assert_eq!(decision(&r["M4"]), ("top", "M4"));
}
