//! Each decision path of SPEC §5 and the arithmetic edges of SPEC §4, on a
//! small scheme written for the purpose, through the library.

use chrono::NaiveDate;
use ladder::batch::memory::evaluate;
use ladder::decision::Status;
use ladder::report::ResultRecord;
use ladder::scheme::load_scheme;
use rust_decimal::Decimal;
use std::str::FromStr;

const SCHEME: &str = r"
scheme: test
review: {quarters: 2, halves: 1}
scales:
  competency: {min: 1, max: 5}
  education: [高中, 大专, 本科]
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, min: 90}
  - {id: B, min: 80}
  - {id: C, min: 0}
requires:
  - {fact: kpi, min: 60}
demotion:
  any:
    - {fact: major_incident, is: true}
    - {streak: kpi, quarters: 3, below: 60}
positions:
  - id: eng
    title: 工程师
    kpis:
      - {id: quality, weight: 50}
      - {id: volume, weight: 50}
    competencies:
      core: {weight: 60, items: [skill, care]}
      attitude: {weight: 40, items: [duty]}
  - id: rate
    kpis:
      - {id: pass_rate, weight: 40, scoring: {target: 99, zero_at: 90}}
      - {id: complaints, weight: 60, scoring: {target: 0.3, zero_at: 1.3}}
    competencies:
      core: {weight: 100, items: [skill]}
sequences:
  - id: tech
    grades:
      - {id: T1, title: 初级}
      - id: T2
        title: 中级
        requires:
          - {fact: months_in_grade, min: 12}
          - {fact: kpi, min: 85}
          - any:
              - {fact: customer_commendations, min: 1}
              - {fact: internal_commendations, min: 1}
      - id: T3
        requires:
          - {fact: education, min: 大专}
          - {fact: exam_passed, is: true}
          - {fact: rank_pct, max: 50}
  - id: mgmt
    grades:
      - {id: M1}
      - {id: M2, requires: [{fact: months_in_company, min: 60}]}
bridges:
  - {from: T2, to: M1, requires: [{fact: composite, min: 80}]}
  - {from: T3, to: M2, requires: [{fact: band, min: A}]}
";

const HEADER: &str = "id,name,position,sequence,grade,hire_date,grade_date,birth_date,education,exam_passed,major_incident,customer_commendations,internal_commendations,2026Q2.quality,2026Q2.volume,2026Q3.quality,2026Q3.volume,2026Q4.quality,2026Q4.volume,2026H2.skill,2026H2.care,2026H2.duty,2026Q3.pass_rate,2026Q3.complaints,2026Q4.pass_rate,2026Q4.complaints";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

fn run_with(scheme_yaml: &str, rows: &[&str], as_of: NaiveDate) -> Vec<ResultRecord<'static>> {
    let scheme = super::harness::load_yaml("scheme.yaml", scheme_yaml);
    let text = format!("{HEADER}\n{}\n", rows.join("\n"));
    let input = super::harness::input("staff.csv", text);
    let evaluation = evaluate(&scheme, &input, None, as_of).unwrap_or_else(|e| panic!("{e:#}"));
    evaluation.outcomes.iter().map(|o| ResultRecord::new(&scheme, o).into_owned()).collect()
}

fn run(rows: &[&str]) -> Vec<ResultRecord<'static>> {
    run_with(SCHEME, rows, as_of())
}

#[allow(clippy::unnecessary_wraps)] // the figures it is compared with are Options
fn d(s: &str) -> Option<Decimal> {
    Some(Decimal::from_str(s).unwrap())
}

/// A T1 engineer row with the given dates, facts and KPI scores (Q3, Q4 quality/volume).
fn t1(id: &str, grade_date: &str, commendations: &str, scores: [&str; 4]) -> String {
    let [q3a, q3b, q4a, q4b] = scores;
    format!("{id},name,eng,tech,T1,2020-01-01,{grade_date},1990-05-05,本科,yes,no,{commendations},,,,{q3a},{q3b},{q4a},{q4b},4,4,4,,,,")
}

#[test]
fn promotes_to_the_next_grade_when_its_rule_holds() {
    let r = &run(&[&t1("E1", "2025-01-01", "1", ["90", "90", "90", "90"])])[0];
    assert_eq!(r.status, Status::Promote);
    assert_eq!(r.recommended_grade.as_deref(), Some("T2"));
    assert_eq!(r.next_grade.as_deref(), Some("T2"));
    assert!(r.unmet.is_empty());
    assert_eq!(r.kpi, d("90"));
    assert_eq!(r.kpi_quarters, Some(2));
    // competency 4 on 1..5 is 75 %; composite = 0.7 × 90 + 0.3 × 75 = 85.5.
    assert_eq!(r.competency_pct, d("75"));
    assert_eq!(r.composite, d("85.5"));
    assert_eq!(r.band.as_deref(), Some("B"));
}

#[test]
fn holds_with_every_unmet_test_and_the_date_time_alone_fixes() {
    let r = &run(&[&t1("E1", "2026-03-31", "", ["90", "90", "90", "90"])])[0];
    assert_eq!(r.status, Status::Hold);
    assert_eq!(r.recommended_grade.as_deref(), Some("T1"));
    assert_eq!(r.unmet.len(), 2, "{:?}", r.unmet);
    assert_eq!(r.unmet[0], "months_in_grade >= 12 (found 9)");
    assert_eq!(r.unmet[1], "any of (customer_commendations >= 1 (no value) or internal_commendations >= 1 (no value))");
    // A commendation is not a time fact: no date can fix this.
    assert_eq!(r.eligible_on, None);

    let r = &run(&[&t1("E1", "2026-03-31", "1", ["90", "90", "90", "90"])])[0];
    assert_eq!(r.status, Status::Hold);
    assert_eq!(r.eligible_on.as_deref(), Some("2027-03-31"));
}

#[test]
fn eligible_on_follows_month_ends() {
    // Entered the grade on Jan 31: 12 months are completed on 2027-01-31;
    // as of 2026-02-28, 0 months in the grade are still 1 on 2026-02-28 (Jan 31 → Feb 28).
    let r = &run(&[&t1("E1", "2026-01-31", "1", ["90", "90", "90", "90"])])[0];
    assert_eq!(r.eligible_on.as_deref(), Some("2027-01-31"));
    let rows = [t1("E1", "2025-02-28", "1", ["90", "90", "90", "90"])];
    let r = &run_with(SCHEME, &[rows[0].as_str()], NaiveDate::from_ymd_opt(2026, 2, 27).unwrap())[0];
    // Window as of 2026-02-27 is 2025Q3..2025Q4: no scores there, so kpi fails and nothing is eligible.
    assert_eq!(r.kpi, None);
    assert_eq!(r.eligible_on, None);
}

#[test]
fn a_weighted_score_landing_exactly_on_a_threshold_meets_it() {
    // 0.5 × 84.99 + 0.5 × 85.01 = 85.00 exactly; kpi >= 85 holds.
    let r = &run(&[&t1("E1", "2025-01-01", "1", ["84.99", "85.01", "84.99", "85.01"])])[0];
    assert_eq!(r.kpi, d("85"));
    assert_eq!(r.status, Status::Promote);
}

#[test]
fn half_cents_round_away_from_zero_and_the_rounded_figure_is_compared() {
    // Quarter score 0.5 × 84.99 + 0.5 × 85 = 84.995 → 85.00, which meets kpi >= 85.
    let r = &run(&[&t1("E1", "2025-01-01", "1", ["84.99", "85", "84.99", "85"])])[0];
    assert_eq!(r.kpi, d("85"));
    assert_eq!(r.status, Status::Promote);
    // 84.985 → 84.99 does not.
    let r = &run(&[&t1("E1", "2025-01-01", "1", ["84.98", "84.99", "84.98", "84.99"])])[0];
    assert_eq!(r.kpi, d("84.99"));
    assert_eq!(r.status, Status::Hold);
    assert_eq!(r.unmet, ["kpi >= 85 (found 84.99)"]);
}

#[test]
fn group_means_stay_exact_inside_the_half_rating() {
    // core mean (4 + 3)/2 = 3.5, attitude 5: 0.6 × 3.5 + 0.4 × 5 = 4.1.
    let row = "E1,n,eng,tech,T1,2020-01-01,2025-01-01,,本科,yes,no,1,,,,90,90,90,90,4,3,5,,,,";
    let r = &run(&[row])[0];
    assert_eq!(r.competency, d("4.1"));
    assert_eq!(r.competency_pct, d("77.5"));
}

#[test]
fn scoring_converts_raw_measures_in_both_directions() {
    // pass_rate 94.5 → 50; complaints 0.8 → 50 (lower is better); quarter = 50.
    // Q4: pass_rate 99.5 → 100, complaints 2 → 0: 0.4 × 100 = 40.
    let row = "R1,n,rate,tech,T1,2020-01-01,2025-01-01,,本科,yes,no,1,,,,,,,,4,,,94.5,0.8,99.5,2";
    let r = &run(&[row])[0];
    assert_eq!(r.errors, Vec::<String>::new());
    assert_eq!(r.kpi, d("45"));
}

#[test]
fn bridges_promote_when_the_next_grade_fails_and_are_listed_as_alternatives() {
    let t2 = |id: &str, composite_scores: &str| {
        format!("{id},n,eng,tech,T2,2020-01-01,2025-01-01,,高中,yes,no,1,,,,{composite_scores},4,4,4,,,,")
    };
    // education 高中 < 大专: T3 fails; composite 85.5 >= 80: the bridge to M1 holds.
    let r = &run(&[&t2("E1", "90,90,90,90")])[0];
    assert_eq!(r.status, Status::Promote);
    assert_eq!(r.recommended_grade.as_deref(), Some("M1"));
    assert_eq!(r.next_grade.as_deref(), Some("T3"));
    assert_eq!(r.alternatives, ["M1"]);
    // Alone in its cohort, rank_pct is 100 (SPEC §4).
    assert_eq!(r.unmet, ["education >= 大专 (found 高中)", "rank_pct <= 50 (found 100)"]);
    // The scheme-wide requires (kpi >= 60) is ANDed into the bridge: kpi 50 closes it.
    let r = &run(&[&t2("E1", "50,50,50,50")])[0];
    assert_eq!(r.status, Status::Hold);
    assert!(r.alternatives.is_empty());
}

#[test]
fn top_grade_is_top_unless_a_bridge_holds() {
    let t3 = |scores: &str| format!("E1,n,eng,tech,T3,2020-01-01,2025-01-01,,本科,yes,no,1,,,,{scores},5,5,5,,,,");
    // T3 is the highest of tech but has a bridge out to M2: hold (SPEC §5), the bridge's gap in unmet.
    let r = &run(&[&t3("80,80,80,80")])[0];
    assert_eq!(r.status, Status::Hold);
    assert_eq!(r.recommended_grade.as_deref(), Some("T3"));
    assert_eq!(r.next_grade, None);
    assert_eq!(r.unmet, vec!["M2: band >= A (found B)".to_string()]);
    assert_eq!(r.eligible_on, None);
    // composite 0.7 × 95 + 0.3 × 100 = 96.5: band A opens the bridge to M2.
    let r = &run(&[&t3("95,95,95,95")])[0];
    assert_eq!(r.status, Status::Promote);
    assert_eq!(r.recommended_grade.as_deref(), Some("M2"));
    assert_eq!(r.next_grade, None);
    // M2 is the highest of mgmt with no bridge out: top.
    let r = &run(&["E2,n,eng,mgmt,M2,2020-01-01,2025-01-01,,本科,yes,no,1,,,,80,80,80,80,5,5,5,,,,"])[0];
    assert_eq!(r.status, Status::Top);
    assert_eq!(r.recommended_grade.as_deref(), Some("M2"));
    assert!(r.unmet.is_empty());
}

#[test]
fn demotion_wins_and_recommends_the_grade_below_or_the_same_at_the_bottom() {
    let row = |grade: &str, incident: &str| {
        format!("E1,n,eng,tech,{grade},2020-01-01,2025-01-01,,本科,yes,{incident},1,,,,90,90,90,90,4,4,4,,,,")
    };
    let r = &run(&[&row("T2", "是")])[0];
    assert_eq!(r.status, Status::Demote);
    assert_eq!(r.recommended_grade.as_deref(), Some("T1"));
    assert_eq!(r.next_grade.as_deref(), Some("T3"));
    let r = &run(&[&row("T1", "yes")])[0];
    assert_eq!(r.status, Status::Demote);
    assert_eq!(r.recommended_grade.as_deref(), Some("T1"));
}

#[test]
fn a_streak_looks_back_past_the_review_window() {
    // The window is 2 quarters, the streak 3: 2026Q2 is read for the streak only.
    let low = "E1,n,eng,tech,T1,2020-01-01,2025-01-01,,本科,yes,no,1,,50,50,50,50,50,50,4,4,4,,,,";
    let r = &run(&[low])[0];
    assert_eq!(r.status, Status::Demote);
    assert_eq!(r.kpi_quarters, Some(2));
    // Without a 2026Q2 score the streak is not complete: no demotion.
    let gap = "E1,n,eng,tech,T1,2020-01-01,2025-01-01,,本科,yes,no,1,,,,50,50,50,50,4,4,4,,,,";
    assert_eq!(run(&[gap])[0].status, Status::Hold);
}

#[test]
fn rank_pct_counts_strictly_higher_composites_in_the_cohort() {
    let row = |id: &str, s: &str| format!("{id},n,eng,tech,T2,2020-01-01,2025-01-01,,本科,yes,no,1,,,,{s},{s},{s},{s},4,4,4,,,,");
    let rows = [row("A", "90"), row("B", "90"), row("C", "80"), row("D", "70")];
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let r = run(&refs);
    let ranks: Vec<_> = r.iter().map(|r| r.rank_pct).collect();
    assert_eq!(ranks, [d("25"), d("25"), d("75"), d("100")]);
    // T3 needs rank_pct <= 50: A and B pass that test, C and D do not.
    assert!(r[0].unmet.iter().all(|u| !u.starts_with("rank_pct")));
    assert!(r[2].unmet.iter().any(|u| u == "rank_pct <= 50 (found 75)"));
}

#[test]
fn data_problems_make_the_row_an_error_and_others_are_still_evaluated() {
    let good = t1("E1", "2025-01-01", "1", ["90", "90", "90", "90"]);
    let partial = t1("E2", "2025-01-01", "1", ["90", "", "90", "90"]);
    let unknown_grade = "E3,n,eng,tech,T9,2020-01-01,2025-01-01,,本科,yes,no,1,,,,90,90,90,90,4,4,4,,,,";
    let out_of_range = t1("E4", "2025-01-01", "1", ["90", "101", "90", "90"]);
    let future = t1("E5", "2027-01-01", "1", ["90", "90", "90", "90"]);
    let duplicate = t1("E1", "2025-01-01", "1", ["90", "90", "90", "90"]);
    // Not a number leaves the item without a score: the period's own problem, not also "none for volume".
    let not_a_number = t1("E6", "2025-01-01", "1", ["90", "abc", "90", "90"]);
    let r = run(&[&good, &partial, unknown_grade, &out_of_range, &future, &duplicate, &not_a_number]);
    assert_eq!(r[0].status, Status::Promote);
    for (i, expected) in [
        (1, "2026Q3: the quarter has some scores but none for volume"),
        (2, "grade: `T9` is not a grade of the `tech` sequence"),
        (3, "2026Q3.volume: 101 is outside the KPI scale 0..100"),
        (4, "grade_date: 2027-01-01 is after the as-of date 2026-12-31"),
        (5, "id: `E1` is a duplicate of the row on line 2"),
        (6, "2026Q3.volume: `abc` is not a number"),
    ] {
        assert_eq!(r[i].status, Status::Error, "row {i}");
        assert_eq!(r[i].errors, [expected], "row {i}");
        assert_eq!((r[i].kpi, r[i].composite, r[i].recommended_grade.as_deref()), (None, None, None));
    }
}

#[test]
fn titles_resolve_to_ids() {
    let row = "E1,n,工程师,tech,中级,2020-01-01,2025-01-01,,本科,yes,no,1,,,,90,90,90,90,4,4,4,,,,";
    let r = &run(&[row])[0];
    assert_eq!((&*r.position, &*r.grade), ("eng", "T2"));
}

#[test]
fn item_and_group_facts_and_months_since() {
    let scheme = SCHEME.replace(
        "      - {id: M2, requires: [{fact: months_in_company, min: 60}]}",
        "      - {id: M2, requires: [{fact: kpi.quality, min: 80}, {fact: competency.attitude, min: 4.5}, {months_since: birth_date, min: 24}]}",
    );
    let row = "E1,n,eng,mgmt,M1,2020-01-01,2025-01-01,2025-06-01,本科,yes,no,1,,,,80,60,79.99,60,4,4,4.5,,,,";
    let r = &run_with(&scheme, &[row], as_of())[0];
    assert_eq!(r.status, Status::Hold);
    // kpi.quality = (80 + 79.99) / 2 = 79.995 → 80.00 meets 80; attitude 4.5 meets 4.5.
    assert_eq!(r.unmet, ["months_since(birth_date) >= 24 (found 18)"]);
    assert_eq!(r.eligible_on.as_deref(), Some("2027-06-01"));
}

#[test]
fn scheme_numbers_are_read_exactly_from_their_text() {
    // 85.00000000000000001 as an f64 is 85: read from its text it is not met by kpi 85.
    let scheme = SCHEME.replace("          - {fact: kpi, min: 85}", "          - {fact: kpi, min: 85.00000000000000001}");
    let r = &run_with(&scheme, &[&t1("E1", "2025-01-01", "1", ["85", "85", "85", "85"])], as_of())[0];
    assert_eq!(r.status, Status::Hold);
    assert_eq!(r.unmet, ["kpi >= 85.00000000000000001 (found 85)"]);
    // Weights that miss 100 by 1e-18 do not sum to 100.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scheme.yaml");
    std::fs::write(&path, SCHEME.replace("{id: quality, weight: 50}", "{id: quality, weight: 50.000000000000000001}")).unwrap();
    let problems = load_scheme(Some(path.to_str().unwrap())).unwrap_err().to_string();
    assert!(problems.contains("KPI weights of position `eng` sum to 100.000000000000000001, expected 100"), "{problems}");
}

#[test]
fn cells_with_more_digits_than_can_be_exact_are_refused_not_rounded() {
    let r = &run(&[&t1("E1", "2025-01-01", "1", ["85.0049999999999999999999999999", "85", "85", "85"])])[0];
    assert_eq!(r.status, Status::Error);
    assert!(r.errors[0].contains("more significant digits than the 28"), "{:?}", r.errors);
}

#[test]
fn a_scheme_without_bands_has_null_bands() {
    let scheme = SCHEME
        .replace("bands:\n  - {id: A, min: 90}\n  - {id: B, min: 80}\n  - {id: C, min: 0}\n", "")
        .replace("{fact: band, min: A}", "{fact: composite, min: 90}");
    assert!(!scheme.contains("bands:") && !scheme.contains("fact: band"));
    let r = &run_with(&scheme, &[&t1("E1", "2025-01-01", "1", ["90", "90", "90", "90"])], as_of())[0];
    assert_eq!((r.composite, r.band.as_deref(), r.status), (d("85.5"), None, Status::Promote));
}

/// The texts of nested rules: only the failing parts of an `all` that
/// failed, every part of an `any` that failed, only the holding parts of an
/// `any` that held, one part alone when only one is left.
#[test]
fn nested_rules_say_what_failed_and_what_held() {
    let scheme = SCHEME
        .replace(
            "      - {id: M1}\n",
            "      - id: M1
        demotion:
          all:
            - {fact: kpi, below: 75}
            - any: [{fact: education, min: 本科}, {fact: exam_passed, is: false}, {fact: customer_commendations, min: 1}]
            - any:
                - {fact: exam_passed, is: false}
                - all: [{fact: education, max: 本科}, {any: [{fact: exam_passed, is: false}, {fact: education, min: 本科}]}]
",
        )
        .replace(
            "      - {id: M2, requires: [{fact: months_in_company, min: 60}]}",
            "      - id: M2
        requires:
          - any:
              - all: [{fact: kpi, min: 80}, {fact: education, min: 本科}, {fact: exam_passed, is: false}]
              - all: [{fact: education, min: 本科}, {any: [{all: [{fact: kpi, min: 80}, {fact: education, min: 本科}]}, {fact: exam_passed, is: false}]}]
              - not: {fact: customer_commendations, min: 1}",
        );
    // kpi (80 + 60) / 2 and (79.99 + 60) / 2, then their mean: 70.
    let row = "E1,n,eng,mgmt,M1,2020-01-01,2025-01-01,2025-06-01,本科,yes,no,1,,,,80,60,79.99,60,4,4,4.5,,,,";
    let r = &run_with(&scheme, &[row], as_of())[0];
    assert_eq!(r.status, Status::Demote);
    assert_eq!(
        r.demoted_by,
        ["all of (kpi < 75 (found 70) and any of (education >= 本科 (found 本科) or customer_commendations >= 1 (found 1)) \
          and all of (education <= 本科 (found 本科) and education >= 本科 (found 本科)))"]
    );
    assert_eq!(
        r.unmet,
        ["any of (all of (kpi >= 80 (found 70) and exam_passed = false (found true)) \
          or any of (kpi >= 80 (found 70) or exam_passed = false (found true)) or not customer_commendations >= 1 (found 1))"]
    );
}
