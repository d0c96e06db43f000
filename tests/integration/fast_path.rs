//! The fixed-point path of the figures (`figures::compute_lean`, used by
//! `ladder evaluate`) against the general exact path (`figures::compute`,
//! used by `explain`): on random schemes — weights, scales, composite
//! weights, band minimums and `scoring` targets with decimals — and random
//! cells — up to 8 decimals, `%`, signs, blanks, out-of-range values and
//! text — both give the same figures, to the digit, or the same errors.

use crate::harness::lean_into;
use chrono::NaiveDate;
use ladder::figures::{compute, Figures, Periods, ScoreColumns, ScoreSource};
use ladder::input::records::{parse_row, Layout};
use ladder::scheme::Scheme;
use proptest::prelude::*;

const QUARTERS: [&str; 5] = ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"];
const HALVES: [&str; 3] = ["2026H1", "2026H2", "2027H1"];
const KPIS: [&str; 4] = ["a", "b", "c", "d"];
const RATINGS: [&str; 5] = ["r1", "r2", "r3", "r4", "r5"];

/// A number with up to `max_decimals` decimals, as text.
fn number(whole: std::ops::RangeInclusive<u32>, max_decimals: u32) -> impl Strategy<Value = String> {
    (whole, 0..=max_decimals, any::<u32>()).prop_map(|(w, d, f)| {
        if d == 0 {
            w.to_string()
        } else {
            format!("{w}.{:0width$}", f % 10u32.pow(d), width = d as usize)
        }
    })
}

/// Weights that sum to exactly 100, some with decimals.
fn weights(n: usize) -> impl Strategy<Value = Vec<String>> {
    (prop::collection::vec(1u32..=1000, n), 0u32..=3).prop_map(|(raw, decimals)| {
        let unit = 10u64.pow(decimals);
        let total: u64 = raw.iter().map(|&r| u64::from(r)).sum();
        let mut parts: Vec<u64> = raw.iter().map(|&r| u64::from(r) * 100 * unit / total).collect();
        let short = 100 * unit - parts.iter().sum::<u64>();
        parts[0] += short;
        parts.into_iter().map(|p| rust_decimal::Decimal::new(p as i64, decimals).normalize().to_string()).collect()
    })
}

#[derive(Debug, Clone)]
struct Case {
    yaml: String,
    cells: Vec<String>,
}

fn scheme_yaml(
    kpi_weights: &[String],
    group_weights: &[String],
    composite: &[String],
    scale: (String, String),
    scoring: Option<(String, String)>,
    band: String,
) -> String {
    let scoring = scoring.map(|(t, z)| format!(", scoring: {{target: {t}, zero_at: {z}}}")).unwrap_or_default();
    format!(
        r"scheme: fast
title: Fast
review: {{quarters: 3, halves: 2}}
scales:
  competency: {{min: {}, max: {}}}
composite: {{kpi: {}, competency: {}}}
bands:
  - {{id: A, min: {band}}}
  - {{id: B, min: 0}}
demotion:
  any:
    - {{streak: kpi, quarters: 4, below: 10}}
positions:
  - id: p
    title: P
    kpis:
      - {{id: a, weight: {}}}
      - {{id: b, weight: {}{scoring}}}
      - {{id: c, weight: {}}}
      - {{id: d, weight: {}}}
    competencies:
      one: {{weight: {}, items: [r1, r2]}}
      two: {{weight: {}, items: [r3, r4, r5]}}
sequences:
  - id: s
    grades:
      - {{id: G1}}
      - {{id: G2, requires: [{{fact: kpi.a, min: 50}}, {{fact: competency.two, min: 3}}]}}
",
        scale.0,
        scale.1,
        composite[0],
        composite[1],
        kpi_weights[0],
        kpi_weights[1],
        kpi_weights[2],
        kpi_weights[3],
        group_weights[0],
        group_weights[1]
    )
}

/// A plain score cell: what the fast path takes.
fn kpi_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => number(0..=100, 3),
        1 => number(0..=99, 6),
        1 => number(0..=100, 2).prop_map(|n| format!("{n}%")),
        1 => prop_oneof![Just("100".to_string()), Just("0".into()), Just("-0".into()), Just("+7.5".into()), Just(".5".into()), Just("5.".into())],
    ]
}

fn rating_cell() -> impl Strategy<Value = String> {
    // Inside every scale the cases use (1..5, 0..10, 0.5..4.75).
    prop_oneof![8 => number(1..=3, 2), 1 => number(1..=3, 6), 1 => Just("4.75".to_string()), 1 => Just("1".to_string())]
}

/// A cell that sends the row the general way (or makes it an error).
fn odd_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        number(0..=99, 8),
        Just("100.0000001".to_string()),
        Just("-1".to_string()),
        Just("abc".to_string()),
        Just("101".to_string()),
        Just("7".to_string()),
        Just("12345678901234567890".to_string()),
    ]
}

/// Rows where whole periods are blank happen often, so some quarters and halves are unscored.
fn case() -> impl Strategy<Value = Case> {
    let scale = prop_oneof![
        4 => Just(("1".to_string(), "5".to_string())),
        2 => Just(("0".to_string(), "10".to_string())),
        2 => Just(("0.5".to_string(), "4.75".to_string())),
        1 => Just(("1.0000001".to_string(), "5".to_string())),
    ];
    let scoring = prop_oneof![
        3 => Just(None),
        3 => (number(80..=99, 2), number(50..=79, 3)).prop_map(|(t, z)| Some((t, z))),
        3 => (number(0..=1, 2), number(2..=5, 1)).prop_map(|(t, z)| Some((t, z))),
        1 => Just(Some(("99.0000001".to_string(), "90".to_string()))),
    ];
    let band = prop_oneof![9 => number(1..=99, 2), 1 => Just("80.0000001".to_string())];
    let blank_quarters = prop::collection::vec(prop::bool::weighted(0.2), QUARTERS.len());
    let blank_halves = prop::collection::vec(prop::bool::weighted(0.2), HALVES.len());
    // Two rows in three are clean; the others have one odd cell somewhere.
    let odd = prop::option::weighted(0.33, (any::<prop::sample::Index>(), odd_cell()));
    (
        weights(4),
        weights(2),
        weights(2),
        scale,
        scoring,
        band,
        prop::collection::vec(kpi_cell(), QUARTERS.len() * KPIS.len()),
        prop::collection::vec(rating_cell(), HALVES.len() * RATINGS.len()),
        blank_quarters,
        blank_halves,
        odd,
    )
        .prop_map(|(kw, gw, cw, scale, scoring, band, mut kpis, mut ratings, bq, bh, odd)| {
            for (q, blank) in bq.iter().enumerate() {
                if *blank {
                    kpis[q * KPIS.len()..(q + 1) * KPIS.len()].iter_mut().for_each(String::clear);
                }
            }
            for (h, blank) in bh.iter().enumerate() {
                if *blank {
                    ratings[h * RATINGS.len()..(h + 1) * RATINGS.len()].iter_mut().for_each(String::clear);
                }
            }
            let yaml = scheme_yaml(&kw, &gw, &cw, scale, scoring, band);
            let mut cells: Vec<String> = ["E1", "p", "s", "G1", "2020-01-01", "2021-01-01"].map(String::from).to_vec();
            cells.extend(kpis);
            cells.extend(ratings);
            if let Some((at, text)) = odd {
                let first_score = 6;
                let i = first_score + at.index(cells.len() - first_score);
                cells[i] = text;
            }
            Case { yaml, cells }
        })
}

fn header() -> Vec<String> {
    let mut h: Vec<String> = ["id", "position", "sequence", "grade", "hire_date", "grade_date"].map(String::from).to_vec();
    for q in QUARTERS {
        h.extend(KPIS.iter().map(|k| format!("{q}.{k}")));
    }
    for half in HALVES {
        h.extend(RATINGS.iter().map(|r| format!("{half}.{r}")));
    }
    h
}

fn load(yaml: &str) -> Scheme {
    super::harness::load_yaml("fast.yaml", yaml)
}

/// Every figure as text, so that `85` and `85.00` would differ.
fn shown(f: &Figures) -> Vec<String> {
    let d = |v: Option<rust_decimal::Decimal>| v.map_or("-".to_string(), |v| v.to_string());
    let mut out = vec![
        d(f.kpi),
        f.kpi_quarters.to_string(),
        d(f.kpi_min),
        d(f.competency),
        f.competency_halves.to_string(),
        d(f.competency_pct),
        d(f.composite),
        format!("{:?}", f.band),
    ];
    out.extend(f.quarters.iter().map(|q| format!("{} {}", q.period, d(q.score))));
    out.extend(f.halves.iter().map(|h| format!("{} {}", h.period, d(h.rating))));
    out.extend(f.item_means.iter().map(|m| d(*m)));
    out.extend(f.group_means.iter().map(|m| d(*m)));
    out
}

/// Figures of some other row, every field set: what a batch reuses.
fn stale() -> Figures {
    let one = Some(rust_decimal::Decimal::ONE);
    let quarter = ladder::figures::QuarterScore { period: "2020Q1".parse().unwrap(), items: Vec::new(), score: one };
    let half = ladder::figures::HalfScore { period: "2020H1".parse().unwrap(), ratings: Vec::new(), rating: one };
    Figures {
        quarters: vec![quarter; 7],
        halves: vec![half; 3],
        kpi: one,
        kpi_quarters: 9,
        kpi_min: one,
        competency: one,
        competency_halves: 9,
        competency_pct: one,
        composite: one,
        band: Some(7),
        item_means: vec![one; 40],
        group_means: vec![one; 40],
    }
}

fn check(case: &Case, as_of: NaiveDate) -> Result<(), TestCaseError> {
    let scheme = load(&case.yaml);
    let layout = Layout::new(&scheme, header(), "fast.csv").unwrap();
    let periods = Periods::new(&scheme, as_of);
    let columns = ScoreColumns::new(&scheme, &layout, &periods);
    let row = parse_row(&scheme, &layout, 2, csv::StringRecord::from(case.cells.clone()), as_of);
    prop_assert!(row.errors.is_empty(), "{:?}", row.errors);
    let source = ScoreSource { columns: &columns, row: &row, long: &[], long_display: "", quarter_scores: &[] };
    let position = row.position.unwrap();
    let general = compute(&scheme, position, &periods, &source);
    let lean = lean_into(&scheme, position, &periods, &source, Figures::default());
    // Lists reused from another row's figures change nothing.
    let reused = lean_into(&scheme, position, &periods, &source, stale());
    prop_assert_eq!(lean.as_ref().map(shown), reused.as_ref().map(shown));
    match (&general, &lean) {
        (Ok(g), Ok(l)) => prop_assert_eq!(shown(g), shown(l), "{}\n{:?}", case.yaml, case.cells),
        (Err(g), Err(l)) => prop_assert_eq!(g, l),
        _ => prop_assert!(
            false,
            "one path failed: general {:?}, lean {:?}\n{}\n{:?}",
            general.as_ref().map(shown),
            lean.as_ref().map(shown),
            case.yaml,
            case.cells
        ),
    }
    // A scheme whose rules read no item or group mean: the lean way leaves
    // them out, every other figure as before.
    let without = load(&case.yaml.replace("kpi.a", "kpi").replace("competency.two", "competency"));
    prop_assert_eq!(without.rules_read_means(), (false, false));
    let columns = ScoreColumns::new(&without, &layout, &periods);
    let source = ScoreSource { columns: &columns, ..source };
    let lean_without = lean_into(&without, position, &periods, &source, stale());
    if let (Ok(g), Ok(l)) = (&general, &lean_without) {
        // Left out by the lean way; the general way (an odd cell) computes them.
        let d = |means: &[Option<rust_decimal::Decimal>]| means.iter().map(|m| m.map(|m| m.to_string())).collect::<Vec<_>>();
        prop_assert!(l.item_means.is_empty() || d(&l.item_means) == d(&g.item_means));
        prop_assert!(l.group_means.is_empty() || d(&l.group_means) == d(&g.group_means));
        let kept = |f: &Figures| shown(&Figures { item_means: Vec::new(), group_means: Vec::new(), ..f.clone() });
        prop_assert_eq!(kept(g), kept(l));
    } else {
        prop_assert_eq!(general.is_ok(), lean_without.is_ok());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(super::harness::cases(600)))]

    #[test]
    fn lean_figures_equal_the_general_ones(case in case(), as_of in prop_oneof![
        Just(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
        Just(NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()),
        Just(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()),
    ]) {
        check(&case, as_of)?;
    }
}

/// Thirds, halves at the rounding edge, a composite exactly on a band's
/// minimum and a `scoring` item in both directions, by hand.
#[test]
fn edges_agree() {
    type Edge = ([&'static str; 4], Option<(&'static str, &'static str)>, [&'static str; 4], [&'static str; 5]);
    let cases: [Edge; 4] = [
        (["33.33", "33.33", "33.34", "0"], Some(("99", "90")), ["84.995", "85.005", "0.005", "99.994"], ["1", "2", "3.5", "4", "4.25"]),
        (["40", "20", "20", "20"], Some(("0.3", "1.3")), ["70", "0.8", "66.665", "100"], ["1", "2", "3.5", "4", "4.25"]),
        (["25", "25", "25", "25"], None, ["0", "100", "100%", "50.5"], ["1", "2", "3.5", "4", "4.25"]),
        // kpi 80, competency 4.2 = 80 %, composite 80: band A (min 80), not B.
        (["25", "25", "25", "25"], None, ["80", "80", "80", "80"], ["4.2", "4.2", "4.2", "4.2", "4.2"]),
    ];
    for (w, scoring, scores, ratings) in cases {
        let yaml = scheme_yaml(
            &w.map(String::from),
            &["33.3".into(), "66.7".into()],
            &["70".into(), "30".into()],
            ("1".into(), "5".into()),
            scoring.map(|(t, z)| (t.to_string(), z.to_string())),
            "80".into(),
        );
        let mut cells: Vec<String> = ["E1", "p", "s", "G1", "2020-01-01", "2021-01-01"].map(String::from).to_vec();
        for _ in QUARTERS {
            cells.extend(scores.map(String::from));
        }
        for _ in HALVES {
            cells.extend(ratings.map(String::from));
        }
        check(&Case { yaml, cells }, NaiveDate::from_ymd_opt(2027, 6, 30).unwrap()).unwrap();
    }
}

/// Found by the property above: zeros written `0`, `0.0` and `0%` made the
/// general path's exact sums refuse themselves ("too precise"), so a row of
/// zero scores was an error in `explain` while `evaluate` computed it.
#[test]
fn zeros_of_any_scale_agree() {
    let yaml = scheme_yaml(
        &["25", "25", "25", "25"].map(String::from),
        &["50".into(), "50".into()],
        &["50".into(), "50".into()],
        ("1".into(), "5".into()),
        None,
        "1".into(),
    );
    let mut cells: Vec<String> = ["E1", "p", "s", "G1", "2020-01-01", "2021-01-01"].map(String::from).to_vec();
    for first in ["0", "0.0", "0%", "0", "0"] {
        cells.extend([first, "0", "0", "0"].map(String::from));
    }
    cells.extend(std::iter::repeat("1".to_string()).take(HALVES.len() * RATINGS.len()));
    check(&Case { yaml, cells }, NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()).unwrap();
}
