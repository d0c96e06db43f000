//! Exact arithmetic never wraps (issue 14 item 7): with many competency
//! groups of coprime sizes the common denominator of a half rating outgrows
//! 64 and then 128 bits. The fixed-point path (`compute_lean`), the general
//! path (`compute`) and an independent computation with rationals of any
//! size (num-rational over BigInt, written here from SPEC §4) must give the
//! same half ratings and competency, to the digit, and nothing may panic.

use crate::harness::lean_into;
use chrono::NaiveDate;
use ladder::figures::{compute, Figures, Periods, ScoreColumns, ScoreSource};
use ladder::input::records::{parse_row, Layout};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::str::FromStr;

const HALVES: [&str; 2] = ["2026H1", "2026H2"];
/// Pairwise coprime sizes: their lcm is their product (past 2^64 from the first 16 of them, past 2^127 with all 26).
const SIZES: [usize; 26] = [16, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101];

#[derive(Debug, Clone)]
struct Case {
    sizes: Vec<usize>,
    /// Group weights, summing to 100, as text.
    weights: Vec<String>,
    /// [half][group][item].
    ratings: Vec<Vec<Vec<String>>>,
}

/// A rating on the 1..5 scale with up to 3 decimals, mostly fewer: short
/// values keep the wrapped lcm's products within a Decimal, where it went
/// unnoticed (wider ones overflowed into the exact path by luck).
fn rating() -> impl Strategy<Value = String> {
    (1u32..=4, prop_oneof![3 => 0u32..=1, 1 => 0u32..=3], 0u32..1000).prop_map(|(w, d, f)| match d {
        0 => w.to_string(),
        _ => format!("{w}.{:0width$}", f % 10u32.pow(d), width = d as usize),
    })
}

/// A half where every group's mean is the same `m` with a 5 in the third
/// decimal (ratings m + δ, m − δ, m, m, …): the rating is exactly on a
/// rounding edge, where a truncated common denominator shows (random
/// ratings land a hair off the edge, where a wrapped lcm is wrong only in
/// the 17th digit).
fn edge_half(sizes: Vec<usize>) -> impl Strategy<Value = Vec<Vec<String>>> {
    let deltas = prop::collection::vec(prop::sample::select(vec!["0", "0.005", "0.125", "0.5"]), sizes.len());
    ((1u32..=4, 0u32..=99), deltas).prop_map(move |((whole, cents), deltas)| {
        let m = Decimal::from_str(&format!("{whole}.{cents:02}5")).unwrap();
        sizes
            .iter()
            .zip(deltas)
            .map(|(&size, delta)| {
                let delta = Decimal::from_str(delta).unwrap();
                let delta = if m - delta < Decimal::ONE || m + delta > Decimal::from(5) { Decimal::ZERO } else { delta };
                (0..size)
                    .map(|i| match (size, i) {
                        (1, _) => m,
                        (_, 0) => m + delta,
                        (_, 1) => m - delta,
                        _ => m,
                    })
                    .map(|r| r.normalize().to_string())
                    .collect()
            })
            .collect()
    })
}

fn case() -> impl Strategy<Value = Case> {
    // Few groups (the fixed-point path takes them), or many (past 64 or 128 bits).
    let count = prop_oneof![1usize..=4, 12usize..=SIZES.len()];
    (count, any::<u64>(), prop_oneof![2 => Just(0u32), 1 => 1u32..=2], any::<bool>())
        .prop_flat_map(|(n, seed, decimals, on_edge)| {
            // A rotation of the sizes, so that small and large groups both come first.
            let sizes: Vec<usize> = (0..n).map(|i| SIZES[(i + seed as usize) % SIZES.len()]).collect();
            let unit = 10u64.pow(decimals);
            let raw = prop::collection::vec(1u64..=50, n);
            let ratings: Vec<BoxedStrategy<Vec<Vec<String>>>> = HALVES
                .iter()
                .map(|_| match on_edge {
                    true => edge_half(sizes.clone()).boxed(),
                    false => sizes.iter().map(|&s| prop::collection::vec(rating(), s)).collect::<Vec<_>>().boxed(),
                })
                .collect();
            (Just(sizes), raw, ratings).prop_map(move |(sizes, raw, ratings)| {
                let total: u64 = raw.iter().sum();
                let mut parts: Vec<u64> = raw.iter().map(|r| r * 100 * unit / total).collect();
                parts[0] += 100 * unit - parts.iter().sum::<u64>();
                let weights = parts.into_iter().map(|p| Decimal::new(p as i64, decimals).normalize().to_string()).collect();
                Case { sizes, weights, ratings }
            })
        })
        .boxed()
}

fn yaml(case: &Case) -> String {
    let mut groups = String::new();
    for (g, (size, weight)) in case.sizes.iter().zip(&case.weights).enumerate() {
        let items: Vec<String> = (0..*size).map(|i| format!("g{g}i{i}")).collect();
        groups.push_str(&format!("      g{g}: {{weight: {weight}, items: [{}]}}\n", items.join(", ")));
    }
    format!(
        r"scheme: coprime
title: Coprime
review: {{quarters: 1, halves: 2}}
scales:
  competency: {{min: 1, max: 5}}
composite: {{kpi: 50, competency: 50}}
bands:
  - {{id: A, min: 80}}
  - {{id: B, min: 0}}
demotion:
  any:
    - {{streak: kpi, quarters: 1, below: 10}}
positions:
  - id: p
    title: P
    kpis:
      - {{id: a, weight: 100}}
    competencies:
{groups}sequences:
  - id: s
    grades:
      - {{id: G1}}
      - {{id: G2, requires: [{{fact: competency, min: 3}}]}}
"
    )
}

/// Rounds to 2 decimals, half away from zero (SPEC §4), by hand on BigInts.
fn round2(r: &BigRational) -> Decimal {
    let scaled = r * BigRational::from_integer(BigInt::from(100));
    let (n, d) = (scaled.numer().clone(), scaled.denom().clone());
    let (q, rem) = (&n / &d, &n % &d);
    let q = if rem.abs() * 2 >= d.abs() { q + n.signum() } else { q };
    Decimal::from_i128_with_scale(i128::try_from(q).unwrap(), 2)
}

fn big(text: &str) -> BigRational {
    let d = Decimal::from_str(text).unwrap();
    BigRational::new(BigInt::from(d.mantissa()), BigInt::from(10).pow(d.scale()))
}

/// The half ratings and the competency, from SPEC §4 alone.
fn expected(case: &Case) -> (Vec<Decimal>, Decimal) {
    let halves: Vec<Decimal> = case
        .ratings
        .iter()
        .map(|half| {
            let mut total = BigRational::zero();
            for (ratings, weight) in half.iter().zip(&case.weights) {
                let sum: BigRational = ratings.iter().map(|r| big(r)).sum();
                total += big(weight) * sum / BigInt::from(ratings.len());
            }
            round2(&(total / BigInt::from(100)))
        })
        .collect();
    let sum: BigRational = halves.iter().map(|h| big(&h.to_string())).sum();
    let competency = round2(&(sum / BigInt::from(halves.len())));
    (halves, competency)
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let text = yaml(case);
    let scheme = super::harness::load_yaml("coprime.yaml", &text);
    let mut header: Vec<String> = ["id", "position", "sequence", "grade", "hire_date", "grade_date", "2026Q4.a"].map(String::from).to_vec();
    let mut cells: Vec<String> = ["E1", "p", "s", "G1", "2020-01-01", "2021-01-01", "90"].map(String::from).to_vec();
    for (half, groups) in HALVES.iter().zip(&case.ratings) {
        for (g, ratings) in groups.iter().enumerate() {
            for (i, r) in ratings.iter().enumerate() {
                header.push(format!("{half}.g{g}i{i}"));
                cells.push(r.clone());
            }
        }
    }
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let layout = Layout::new(&scheme, header, "coprime.csv").unwrap();
    let periods = Periods::new(&scheme, as_of);
    let columns = ScoreColumns::new(&scheme, &layout, &periods);
    let row = parse_row(&scheme, &layout, 2, csv::StringRecord::from(cells), as_of);
    prop_assert!(row.errors.is_empty(), "{:?}", row.errors);
    let source = ScoreSource { columns: &columns, row: &row, long: &[], long_display: "", quarter_scores: &[] };
    let position = row.position.unwrap();
    let general = compute(&scheme, position, &periods, &source);
    let lean = lean_into(&scheme, position, &periods, &source, Figures::default());
    let (halves, competency) = expected(case);
    for (name, figures) in [("general", general), ("lean", lean)] {
        let f = figures.map_err(|e| TestCaseError::fail(format!("{name}: {e:?}")))?;
        let got: Vec<Decimal> = f.halves.iter().map(|h| h.rating.unwrap()).collect();
        prop_assert_eq!(&got, &halves, "{} half ratings, sizes {:?}", name, case.sizes);
        prop_assert_eq!(f.competency, Some(competency), "{} competency", name);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(super::harness::cases(48)))]

    #[test]
    fn coprime_group_sizes_never_wrap(case in case()) {
        check(&case)?;
    }
}

/// The issue's case: every group's mean is 3.875 (the first as 62/16), so
/// the half rating is 3.875 → 3.88 whatever the weights; with 16 or more
/// groups of coprime sizes the common denominator used to wrap and give 3.87.
#[test]
fn many_groups_round_three_point_eight_seven_five_up() {
    for n in [16, SIZES.len()] {
        let sizes: Vec<usize> = SIZES[..n].to_vec();
        let weights = (0..n).map(|g| if g == 0 { format!("{}", 100 - 3 * (n - 1)) } else { "3".to_string() }).collect();
        let group = |g: usize, size: usize| -> Vec<String> {
            (0..size)
                .map(|i| match (g, i) {
                    (0, 0 | 1) => "3",
                    (0, _) => "4",
                    (_, 0) => "4.375",
                    (_, 1) => "3.375",
                    _ => "3.875",
                })
                .map(String::from)
                .collect()
        };
        let ratings = HALVES.map(|_| sizes.iter().enumerate().map(|(g, &s)| group(g, s)).collect()).to_vec();
        let case = Case { sizes, weights, ratings };
        assert_eq!(expected(&case), (vec![Decimal::new(388, 2); 2], Decimal::new(388, 2)));
        check(&case).unwrap();
    }
}
