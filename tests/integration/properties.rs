//! Properties of the evaluator, checked with proptest through the library
//! API (no process per case, so hundreds of cases run in seconds):
//! - no row, however malformed, makes evaluation (or any report format) panic;
//! - composite and competency_pct stay within 0..100, kpi within 0..100;
//! - raising any single score never lowers kpi, competency or composite;
//! - a promotion never skips a grade (next grade, or a bridge's target);
//! - results do not depend on the order of the rows, except for their order.
//!
//! The randomized stress runs over arbitrary bytes (`stress_*`) are
//! `#[ignore]`d: they stand in for the fuzz targets of `fuzz/` where
//! cargo-fuzz cannot run; docs/bad-input.md says how long they ran and what
//! they found. Run them with
//! `PROPTEST_CASES=100000 cargo test --release --test properties -- --ignored`.

use chrono::NaiveDate;
use ladder::batch::memory::{evaluate, Batch, Evaluation};
use ladder::decision::Status;
use ladder::figures::ScoreColumns;
use ladder::input::records::{Input, LongScores};
use ladder::report::{Format, Report};
use ladder::rule::Rule;
use ladder::scheme::{load_scheme, Scheme};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A scheme with every kind of rule: time, score, band, rank, `any`, a
/// streak demotion, a `scoring` item, bridges both ways, and tests on a
/// number column and a yes/no column (facts read from the file).
const SCHEME: &str = r"
scheme: props
title: Properties
review: {quarters: 2, halves: 1}
scales:
  competency: {min: 1, max: 5}
  education: [高中, 大专, 本科]
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, min: 90}
  - {id: B, min: 60}
  - {id: C, min: 0}
demotion:
  any:
    - {streak: kpi, quarters: 3, below: 40}
positions:
  - id: eng
    title: 工程师
    kpis:
      - {id: quality, weight: 50}
      - {id: volume, weight: 30}
      - {id: pass_rate, weight: 20, scoring: {target: 99, zero_at: 90}}
    competencies:
      core: {weight: 60, items: [skill, care]}
      attitude: {weight: 40, items: [diligence]}
sequences:
  - id: tech
    grades:
      - {id: T1}
      - {id: T2, requires: [{fact: kpi, min: 70}, {fact: months_in_grade, min: 12}, {fact: exam_passed, is: true}]}
      - {id: T3, requires: [{fact: composite, min: 80}, {fact: months_in_company, min: 24}, {fact: leave_days, max: 20}]}
      - {id: T4, requires: [{fact: band, is: A}, {fact: rank_pct, max: 50}]}
  - id: mgmt
    grades:
      - {id: M1}
      # Text tests too (position, sequence, grade, name), which are compared without a copy.
      - id: M2
        requires:
          any:
            - {fact: kpi, min: 85}
            - {fact: competency, min: 4}
            - {fact: leave_days, below: 3}
            - all: [{fact: sequence, is: tech}, {fact: grade, is: M1}, {not: {fact: position, is: eng}}]
            - {fact: name, is: 张三}
      # Nested rules: their texts, written from a trace and from the rule as it is evaluated, are compared on every shape.
      - id: M3
        requires:
          - {fact: composite, min: 90}
          - {fact: age, min: 30}
          - {fact: education, min: 大专}
          - any:
              - all: [{fact: kpi, min: 80}, {fact: leave_days, max: 5}, {not: {fact: education, is: 高中}}]
              - not: {fact: exam_passed, is: false}
        demotion:
          all:
            - {fact: kpi, below: 60}
            - any:
                - {fact: leave_days, above: 20}
                - all: [{fact: exam_passed, is: false}, {any: [{fact: age, min: 40}, {fact: competency, below: 3}]}]
bridges:
  - {from: T2, to: M1, requires: [{fact: competency, min: 3.5}]}
  - {from: T3, to: M2, requires: [{fact: rank_pct, max: 50}]}
  - {from: M2, to: T3, requires: [{fact: kpi, min: 80}]}
";

const QUARTERS: [&str; 3] = ["2026Q2", "2026Q3", "2026Q4"];
const KPIS: [&str; 3] = ["quality", "volume", "pass_rate"];
const RATINGS: [&str; 3] = ["skill", "care", "diligence"];
const GRADES: [(&str, &str); 7] =
    [("tech", "T1"), ("tech", "T2"), ("tech", "T3"), ("tech", "T4"), ("mgmt", "M1"), ("mgmt", "M2"), ("mgmt", "M3")];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
}

fn scheme() -> &'static Scheme {
    static SCHEME_CELL: OnceLock<Scheme> = OnceLock::new();
    SCHEME_CELL.get_or_init(|| super::harness::load_yaml("props.yaml", SCHEME))
}

fn header() -> Vec<String> {
    let mut h: Vec<String> =
        ["id", "name", "position", "sequence", "grade", "hire_date", "grade_date", "birth_date", "education"].map(String::from).to_vec();
    for q in QUARTERS {
        h.extend(KPIS.iter().map(|k| format!("{q}.{k}")));
    }
    h.extend(RATINGS.iter().map(|r| format!("2026H2.{r}")));
    h.extend(FACTS.map(String::from));
    h
}

/// The fact columns, after the scores.
const FACTS: [&str; 2] = ["leave_days", "exam_passed"];

/// Index of the first score column.
const FIRST_SCORE: usize = 9;

/// Index one past the last score column (3 quarters × 3 KPIs, 3 ratings).
const END_SCORE: usize = FIRST_SCORE + 12;

fn to_csv(rows: &[Vec<String>]) -> String {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    w.write_record(header()).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn input(text: String) -> Input {
    super::harness::input("props.csv", text)
}

fn run(rows: &[Vec<String>]) -> Evaluation<'static> {
    run_with(scheme(), rows)
}

fn run_with(scheme: &'static Scheme, rows: &[Vec<String>]) -> Evaluation<'static> {
    evaluate(scheme, &input(to_csv(rows)), None, as_of()).expect("a usable file")
}

/// The scheme ranked in cohorts of a column (blank cells and values off the
/// scale included) and sequence, with a forced distribution over small
/// cohorts, and rules on rank, cohort_size and calibrated_band (SPEC §8.2, §8.5).
fn cohort_scheme() -> &'static Scheme {
    static SCHEME_CELL: OnceLock<Scheme> = OnceLock::new();
    SCHEME_CELL.get_or_init(|| {
        let yaml = SCHEME.replace(
            "{fact: band, is: A}, {fact: rank_pct, max: 50}",
            "{fact: calibrated_band, min: B}, {any: [{fact: rank, max: 1}, {fact: rank_pct, max: 50}, {fact: cohort_size, below: 2}]}",
        );
        assert_ne!(yaml, SCHEME);
        let yaml = format!("{yaml}\ncohort: [education, sequence]\ndistribution: {{A: 20, B: 50, C: 30}}\ndistribution_min_cohort: 3\n");
        super::harness::load_yaml("cohorts.yaml", &yaml)
    })
}

/// The scheme with M2 decided by the board: no rule promotes into it, even
/// when its rule (easily met: any of five tests) holds, and the bridge from
/// T3 into it is never taken by rule.
fn board_scheme() -> &'static Scheme {
    static SCHEME_CELL: OnceLock<Scheme> = OnceLock::new();
    SCHEME_CELL.get_or_init(|| {
        let yaml = SCHEME.replace("      - id: M2\n        requires:", "      - id: M2\n        decided_by: 董事会\n        requires:");
        assert_ne!(yaml, SCHEME);
        super::harness::load_yaml("board.yaml", &yaml)
    })
}

/// Every report format renders without panicking.
fn render_all(e: &Evaluation) {
    let report = Report::new(e, |_| true);
    for format in [Format::Table, Format::Json, Format::Ndjson, Format::Csv] {
        let mut out = Vec::new();
        report.write(format, &mut out, false).unwrap();
    }
}

fn decimal(hundredths: u32) -> String {
    Decimal::new(i64::from(hundredths), 2).normalize().to_string()
}

fn date() -> impl Strategy<Value = String> {
    (2000i32..=2026, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}"))
}

/// A well-formed row: a known grade, dates, and each period either blank or
/// complete with in-range values.
fn valid_row(id: String) -> impl Strategy<Value = Vec<String>> {
    let quarter = prop_oneof![
        1 => Just(None),
        4 => (0u32..=10_000, 0u32..=10_000, 8_000u32..=10_000).prop_map(Some),
    ];
    let half = prop_oneof![
        1 => Just(None),
        4 => (100u32..=500, 100u32..=500, 100u32..=500).prop_map(Some),
    ];
    // Education: a level, a blank, or a word that is not on the scale.
    let education = prop::sample::select(vec!["高中", "大专", "本科", "", "博士"]);
    // Fact cells: mostly readable, sometimes blank or not what the rule compares.
    let leave_days = prop_oneof![
        6 => (0u32..=30).prop_map(|n| n.to_string()),
        1 => (0u32..=3000).prop_map(decimal),
        1 => prop::sample::select(vec!["", "-3", "x", "20.00", "3.0"]).prop_map(String::from),
    ];
    let exam_passed = prop::sample::select(vec!["true", "false", "是", "否", "yes", "no", "1", "0", "", "maybe"]);
    let facts = (leave_days, exam_passed);
    (0..GRADES.len(), date(), date(), (1960i32..=2004), education, proptest::collection::vec(quarter, 3), half, facts).prop_map(
        move |(g, hire, grade_date, born, education, quarters, half, (leave_days, exam_passed))| {
            let (sequence, grade) = GRADES[g];
            let mut row = vec![
                id.clone(),
                format!("n{id}"),
                "eng".into(),
                sequence.into(),
                grade.into(),
                hire,
                grade_date,
                format!("{born}-06-15"),
                education.into(),
            ];
            for q in quarters {
                match q {
                    None => row.extend(["", "", ""].map(String::from)),
                    // pass_rate is a raw measure, 80..100, converted by `scoring`.
                    Some((a, b, c)) => row.extend([decimal(a), decimal(b), decimal(c)]),
                }
            }
            match half {
                None => row.extend(["", "", ""].map(String::from)),
                Some((a, b, c)) => row.extend([decimal(a), decimal(b), decimal(c)]),
            }
            row.extend([leave_days, exam_passed.to_string()]);
            row
        },
    )
}

fn valid_rows(max: usize) -> impl Strategy<Value = Vec<Vec<String>>> {
    (1..=max).prop_flat_map(|n| (0..n).map(|i| valid_row(format!("E{i}"))).collect::<Vec<_>>())
}

/// Cell text meant to break things: odd numbers, odd dates, formulas, huge
/// and tiny values, control characters, unknown grades.
fn nasty_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("-".to_string()),
        Just("NaN".to_string()),
        Just("1e5".to_string()),
        Just("-0".to_string()),
        Just("100.000000000000000000000000001".to_string()),
        Just("79228162514264337593543950335".to_string()),
        Just("79228162514264337593543950336".to_string()),
        Just("0.0000000000000000000000000001".to_string()),
        Just("-79228162514264337593543950335".to_string()),
        Just("95%".to_string()),
        Just("%".to_string()),
        Just("2026-02-30".to_string()),
        Just("9999-12-31".to_string()),
        Just("0000-01-01".to_string()),
        Just("2024/2/29".to_string()),
        Just("是".to_string()),
        Just("=HYPERLINK(\"x\")".to_string()),
        Just("T1".to_string()),
        Just("M3".to_string()),
        Just("tech".to_string()),
        Just("eng".to_string()),
        Just("E0".to_string()),
        (0u32..=20_000).prop_map(decimal),
        (-1000i64..=1000).prop_map(|n| n.to_string()),
        "\\PC{0,8}",
        "[ \t\r\n\"',;]{0,4}",
    ]
}

/// Up to `good` valid rows followed by a number of nasty ones in `nasty`.
fn good_then_nasty(good: usize, nasty: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Vec<String>>> {
    (valid_rows(good), proptest::collection::vec(nasty_row(), nasty)).prop_map(|(mut rows, nasty)| {
        rows.extend(nasty);
        rows
    })
}

fn nasty_row() -> impl Strategy<Value = Vec<String>> {
    let n = header().len();
    proptest::collection::vec(nasty_cell(), n - 2..=n + 2)
}

fn figures_of(e: &Evaluation, id: &str) -> Option<(Option<Decimal>, Option<Decimal>, Option<Decimal>)> {
    let o = e.outcomes.iter().find(|o| o.row.id == id)?;
    o.figures.as_ref().map(|f| (f.kpi, f.competency, f.composite))
}

/// What a result says, for comparing two runs.
fn summary(e: &Evaluation) -> HashMap<String, String> {
    let report = Report::new(e, |_| true);
    report
        .records
        .iter()
        .map(|r| {
            (
                r.id.clone(),
                format!(
                    "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                    r.kpi,
                    r.competency,
                    r.competency_pct,
                    r.composite,
                    r.band,
                    r.rank_pct,
                    r.status,
                    r.recommended_grade,
                    r.next_grade,
                    r.eligible_on,
                    r.unmet,
                    (&r.alternatives, &r.errors)
                ),
            )
        })
        .collect()
}

/// The streaming batch of `ladder evaluate` (fixed-point figures, figures
/// kept from pass 1, parallel chunks) writes what the in-memory evaluation
/// (the general exact path) writes, byte for byte.
fn streamed_equals_in_memory(scheme: &'static Scheme, rows: &[Vec<String>]) -> Result<(), TestCaseError> {
    let text = to_csv(rows);
    let dir = tempfile::tempdir().unwrap();
    let path = super::harness::write(dir.path(), "rows.csv", &text);
    let evaluation = run_with(scheme, rows);
    for format in [Format::Csv, Format::Ndjson] {
        prop_assert_eq!(
            super::harness::streamed(scheme, &path, as_of(), format, false),
            super::harness::report_of(&evaluation, format),
            "{:?}",
            format
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: super::harness::cases(96), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn streaming_evaluation_writes_what_the_in_memory_one_does(rows in good_then_nasty(12, 0..4)) {
        streamed_equals_in_memory(scheme(), &rows)?;
    }

    /// The same with cohorts of a column and a forced distribution.
    #[test]
    fn streaming_and_in_memory_agree_on_cohorts_of_a_column(rows in good_then_nasty(16, 0..3)) {
        streamed_equals_in_memory(cohort_scheme(), &rows)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: super::harness::cases(256), failure_persistence: None, ..ProptestConfig::default() })]

    /// The quick truth of a rule (`holds`, which skips building findings
    /// where that allocates) is the truth of its full trace, for every rule
    /// of the scheme and every employee, nasty rows included.
    #[test]
    fn a_rule_holds_exactly_when_its_trace_does(rows in good_then_nasty(6, 0..3)) {
        let e = run(&rows);
        let s = scheme();
        let grades = s.sequences.iter().flat_map(|q| q.grades.iter());
        let rules: Vec<_> = [&s.requires, &s.demotion]
            .into_iter()
            .chain(grades.flat_map(|g| [&g.requires, &g.demotion]))
            .chain(s.bridges.iter().map(|b| &b.requires))
            .flatten()
            .collect();
        // Every part of every rule, down to each test.
        fn parts<'r>(rule: &'r Rule, out: &mut Vec<&'r Rule>) {
            out.push(rule);
            match rule {
                Rule::All(rules) | Rule::Any(rules) => rules.iter().for_each(|r| parts(r, out)),
                Rule::Not(rule) => parts(rule, out),
                Rule::Test(_) => {}
            }
        }
        let mut all = Vec::new();
        for r in &rules {
            parts(r, &mut all);
        }
        for outcome in &e.outcomes {
            let Some(env) = e.env(outcome, as_of()) else { continue };
            for rule in &all {
                let trace = env.eval(rule);
                prop_assert_eq!(env.holds(rule), trace.holds(), "{} on {:?}", outcome.row.id, rule);
                // The texts written as the rule is evaluated are the trace's (the same found values, the same parts held).
                let written = |write: &dyn Fn(&mut String)| {
                    let mut text = String::new();
                    write(&mut text);
                    text
                };
                prop_assert_eq!(written(&|t| env.write_description(rule, t)), trace.describe(s));
                prop_assert_eq!(written(&|t| env.write_failure(rule, t)), trace.failure(s));
                prop_assert_eq!(written(&|t| env.write_success(rule, t)), trace.success(s));
            }
        }
    }

    #[test]
    fn no_row_makes_evaluation_panic(all in good_then_nasty(3, 1..6)) {
        let e = run(&all);
        prop_assert_eq!(e.outcomes.len(), all.iter().filter(|r| r.iter().any(|c| !c.trim().is_empty())).count());
        render_all(&e);
    }

    #[test]
    fn figures_stay_on_their_scales(rows in valid_rows(8)) {
        let e = run(&rows);
        let hundred = Decimal::ONE_HUNDRED;
        for o in &e.outcomes {
            prop_assert!(o.row.errors.is_empty(), "{:?}", o.row.errors);
            let f = o.figures.as_ref().unwrap();
            for (name, v) in [("kpi", f.kpi), ("competency_pct", f.competency_pct), ("composite", f.composite), ("rank_pct", o.standing.map(|s| s.rank_pct))] {
                if let Some(v) = v {
                    prop_assert!(v >= Decimal::ZERO && v <= hundred, "{} = {} for {}", name, v, o.row.id);
                }
            }
            if let Some(c) = f.competency {
                prop_assert!(c >= Decimal::ONE && c <= Decimal::from(5), "competency = {}", c);
            }
        }
        render_all(&e);
    }

    #[test]
    fn raising_one_score_never_lowers_a_figure(row in valid_row("E1".into()), pick in any::<prop::sample::Index>(), raise in 1u32..=5_000) {
        let filled: Vec<usize> = (FIRST_SCORE..END_SCORE).filter(|i| !row[*i].is_empty()).collect();
        prop_assume!(!filled.is_empty());
        let column = filled[pick.index(filled.len())];
        let old: Decimal = row[column].parse().unwrap();
        let max = if column >= FIRST_SCORE + 9 { Decimal::from(5) } else { Decimal::ONE_HUNDRED };
        let new = (old + Decimal::new(i64::from(raise), 2)).min(max);
        let mut raised = row.clone();
        raised[column] = new.normalize().to_string();
        let (before, after) = (run(&[row]), run(&[raised]));
        let (b, a) = (figures_of(&before, "E1").unwrap(), figures_of(&after, "E1").unwrap());
        for (name, x, y) in [("kpi", b.0, a.0), ("competency", b.1, a.1), ("composite", b.2, a.2)] {
            if let (Some(x), Some(y)) = (x, y) {
                prop_assert!(y >= x, "{} fell from {} to {} when {} rose from {} to {}", name, x, y, header()[column], old, new);
            }
            prop_assert_eq!(x.is_some(), y.is_some(), "{} appeared or vanished", name);
        }
    }

    #[test]
    fn a_promotion_never_skips_a_grade(rows in valid_rows(8)) {
        let e = run(&rows);
        let s = scheme();
        for o in &e.outcomes {
            let Some(grade) = o.row.grade else { continue };
            let d = &o.decision;
            match d.status {
                Status::Promote => {
                    let to = d.recommended.unwrap();
                    let next = s.grade_above(grade);
                    let bridged = s.bridges_from(grade).any(|b| b.to == to);
                    prop_assert!(Some(to) == next || bridged, "{} at {} promoted to {}", o.row.id, s.grade(grade).id, s.grade(to).id);
                    prop_assert_eq!(d.via_bridge, Some(to) != next);
                }
                Status::Demote => {
                    let to = d.recommended.unwrap();
                    prop_assert!(to.sequence == grade.sequence && grade.index.checked_sub(to.index).is_some_and(|d| d <= 1));
                }
                Status::Hold | Status::Top => prop_assert_eq!(d.recommended, Some(grade)),
                Status::Error => prop_assert_eq!(d.recommended, None),
                Status::Place => prop_assert!(false, "{}: `place` only under --placement", o.row.id),
            }
        }
    }

    /// The quota pass asks each row only whether it promotes and into what
    /// (`decision::verdict`, no texts written): that is what the whole
    /// decision says, on every scheme shape here, a grade the board decides
    /// (with a bridge into it) included, and on rows in error.
    #[test]
    fn the_quota_verdict_is_what_the_whole_decision_says(rows in good_then_nasty(10, 0..3)) {
        for s in [scheme(), cohort_scheme(), board_scheme()] {
            let e = run_with(s, &rows);
            for o in &e.outcomes {
                let Some(env) = e.env(o, as_of()) else { continue };
                let Some(grade) = o.row.grade.filter(|_| o.row.errors.is_empty()) else { continue };
                let whole = ladder::decision::decide(&env, grade);
                prop_assert_eq!(ladder::decision::verdict(&env, grade), whole.verdict(), "{} at {}", o.row.id, s.grade(grade).id);
            }
            let (columns, long) = (ScoreColumns::new(s, &e.layout, &e.periods), LongScores::default());
            let batch = Batch { scheme: s, layout: &e.layout, periods: &e.periods, columns: &columns, long: &long, detail: false, words: &e.words };
            for o in &e.outcomes {
                prop_assert_eq!(batch.verdict(&o.row, o.figures.as_ref(), o.standing), batch.decide(&o.row, o.figures.as_ref(), o.standing).verdict());
            }
            // Asked before the ranks are known (pass 1), a verdict is given only when it read
            // no rank; it is then the verdict under the real ranks and under any others.
            for o in &e.outcomes {
                let Some(early) = batch.verdict_before_ranks(&o.row, o.figures.as_ref()) else { continue };
                prop_assert_eq!(&early, &batch.verdict(&o.row, o.figures.as_ref(), o.standing), "{}", o.row.id);
                for other in [None, Some(top_of_many()), Some(last_of_many())] {
                    prop_assert_eq!(&early, &batch.verdict(&o.row, o.figures.as_ref(), other), "{} ranked otherwise", o.row.id);
                }
            }
        }
    }

    #[test]
    fn results_do_not_depend_on_row_order(rows in valid_rows(10), seed in any::<u64>()) {
        let mut shuffled = rows.clone();
        // A Fisher-Yates shuffle driven by the seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let (a, b) = (run(&rows), run(&shuffled));
        let order: Vec<&str> = b.outcomes.iter().map(|o| o.row.id.as_str()).collect();
        let expected: Vec<&str> = shuffled.iter().map(|r| r[0].as_str()).collect();
        prop_assert_eq!(order, expected, "results keep the input order");
        prop_assert_eq!(summary(&a), summary(&b));
    }
}

// ---------------------------------------------------------------------------
// Randomized stress over arbitrary input: the stand-in for `fuzz/` where
// cargo-fuzz cannot run. Ignored by default (slow); see docs/bad-input.md.

fn stress_config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000);
    ProptestConfig { cases, failure_persistence: None, max_shrink_iters: 2_000, ..ProptestConfig::default() }
}

/// Text near a valid scheme: the fixture with a few bytes changed, cut or repeated.
fn mutated_scheme() -> impl Strategy<Value = Vec<u8>> {
    let edits = proptest::collection::vec((any::<prop::sample::Index>(), 0u8..4, any::<u8>(), 1usize..40), 1..8);
    edits.prop_map(|edits| {
        let mut bytes = SCHEME.as_bytes().to_vec();
        for (at, kind, byte, len) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => {
                    let end = (i + len).min(bytes.len());
                    bytes.drain(i..end);
                }
                2 => {
                    let end = (i + len).min(bytes.len());
                    let chunk = bytes[i..end].to_vec();
                    bytes.splice(i..i, chunk);
                }
                _ => bytes.insert(i, b"[]{}:-&*!|>'\"#,\n "[byte as usize % 17]),
            }
        }
        bytes
    })
}

fn load_bytes(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fuzz.yaml");
    std::fs::write(&path, bytes).unwrap();
    if let Err(e) = load_scheme(Some(path.to_str().unwrap())) {
        // Every problem is located in the file.
        let text = e.to_string();
        assert!(text.contains("fuzz.yaml"), "{text}");
    }
}

fn evaluate_text(text: String) {
    if let Ok(e) = evaluate(scheme(), &input(text), None, as_of()) {
        render_all(&e);
    }
}

proptest! {
    #![proptest_config(stress_config())]

    #[test]
    #[ignore = "randomized stress, minutes long: see docs/bad-input.md"]
    fn stress_scheme_loader_on_mutated_yaml(bytes in mutated_scheme()) {
        load_bytes(&bytes);
    }

    #[test]
    #[ignore = "randomized stress, minutes long: see docs/bad-input.md"]
    fn stress_scheme_loader_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        load_bytes(&bytes);
    }

    #[test]
    #[ignore = "randomized stress, minutes long: see docs/bad-input.md"]
    fn stress_evaluation_on_arbitrary_csv_text(body in "\\PC{0,300}", keep_header in any::<bool>()) {
        let text = if keep_header { format!("{}\n{body}", header().join(",")) } else { body };
        evaluate_text(text);
    }

    #[test]
    #[ignore = "randomized stress, minutes long: see docs/bad-input.md"]
    fn stress_evaluation_on_nasty_rows(rows in proptest::collection::vec(nasty_row(), 1..20)) {
        evaluate_text(to_csv(&rows));
    }
}

/// The top of a large cohort, calibrated into the first band.
fn top_of_many() -> ladder::figures::Standing {
    ladder::figures::Standing { rank_pct: Decimal::ONE, rank: 1, cohort_size: 100, calibrated_band: Some(0) }
}

/// The last of a large cohort, not calibrated.
fn last_of_many() -> ladder::figures::Standing {
    ladder::figures::Standing { rank_pct: Decimal::ONE_HUNDRED, rank: 100, cohort_size: 100, calibrated_band: None }
}
