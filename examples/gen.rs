//! Generates realistic employee rows for a built-in (or any) scheme, for
//! benchmarks: `cargo run --release --example gen -- --employees 1000000 > big.csv`.
//! Deterministic from `--seed`.

use ladder::rule::{Rule, Subject, TestValue};
use ladder::scheme::{load_scheme, Position, Scheme};
use std::io::{BufWriter, Write};

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What to generate (the command line's options; tests include this file
/// and call [`generate`] directly).
pub struct Options {
    pub employees: usize,
    pub scheme: String,
    pub seed: u64,
    pub positions: Option<Vec<String>>,
}

fn options() -> Options {
    let mut o = Options { employees: 1000, scheme: "telecom-after-sales".into(), seed: 1, positions: None };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--employees" => o.employees = value.parse().expect("--employees N"),
            "--scheme" => o.scheme = value,
            "--seed" => o.seed = value.parse().expect("--seed N"),
            "--positions" => o.positions = Some(value.split(',').map(str::to_string).collect()),
            other => panic!("unknown argument {other}; use --employees N --scheme NAME|PATH --seed N --positions a,b|all"),
        }
        i += 2;
    }
    o
}

/// The position closest to 5 KPI items and 15 ratings (SPEC §7's shape).
fn default_position(scheme: &Scheme) -> &Position {
    scheme
        .positions
        .iter()
        .min_by_key(|p| {
            let ratings: usize = p.groups.iter().map(|g| g.items.len()).sum();
            p.kpis.len().abs_diff(5) * 3 + ratings.abs_diff(15)
        })
        .expect("a scheme has positions")
}

/// How a fact column is tested, to generate plausible values.
enum FactKind {
    Number(f64),
    Bool,
    /// A yes/no that triggers a demotion: rare.
    RareBool,
    Date,
    Level(Vec<String>),
    Text(String),
}

fn fact_kinds(scheme: &Scheme) -> Vec<FactKind> {
    let mut kinds: Vec<Option<FactKind>> = scheme.column_facts.names.iter().map(|_| None).collect();
    let mut visit = |rule: &Rule| {
        rule.for_each_test(&mut |t| {
            let id = match &t.subject {
                Subject::Fact(ladder::rule::FactRef::Column { id, .. })
                | Subject::MonthsSince(ladder::rule::FactRef::Column { id, .. }) => *id,
                _ => return,
            };
            if kinds[id].is_some() {
                return;
            }
            kinds[id] = Some(match (&t.subject, &t.checks[0].value) {
                (Subject::MonthsSince(_), _) => FactKind::Date,
                (_, TestValue::Number(n)) => FactKind::Number(n.to_string().parse().unwrap_or(10.0)),
                (_, TestValue::Bool(_)) => FactKind::Bool,
                (_, TestValue::Date(_)) => FactKind::Date,
                (_, TestValue::Level(..)) => {
                    let scale = scheme.ordinal_scales.iter().find(|(n, _)| *n == scheme.column_facts.names[id]);
                    FactKind::Level(scale.map(|s| s.1.clone()).unwrap_or_default())
                }
                (_, other) => FactKind::Text(other.to_string()),
            });
        });
    };
    for r in scheme.rules() {
        visit(r);
    }
    // Yes/no facts that demote (a major incident) are rare in a real staff.
    let mut demoting = vec![false; kinds.len()];
    let demotion_rules =
        scheme.demotion.iter().chain(scheme.sequences.iter().flat_map(|s| s.grades.iter().flat_map(|g| g.demotion.iter())));
    for r in demotion_rules {
        r.for_each_test(&mut |t| {
            if let Subject::Fact(ladder::rule::FactRef::Column { id, .. }) = &t.subject {
                demoting[*id] = true;
            }
        });
    }
    kinds
        .into_iter()
        .zip(demoting)
        .map(|(k, d)| match (k.unwrap_or(FactKind::Number(1.0)), d) {
            (FactKind::Bool, true) => FactKind::RareBool,
            (k, _) => k,
        })
        .collect()
}

fn date(rng: &mut Rng, from_year: u64, years: u64) -> String {
    format!("{}-{:02}-{:02}", from_year + rng.below(years), 1 + rng.below(12), 1 + rng.below(28))
}

fn main() {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    generate(&options(), &mut out).unwrap();
    out.flush().unwrap();
}

/// Writes the header and `o.employees` rows of the scheme `o.scheme` to `out`.
pub fn generate(o: &Options, out: &mut impl Write) -> std::io::Result<()> {
    let scheme = load_scheme(Some(&o.scheme)).unwrap_or_else(|e| panic!("{e}"));
    let positions: Vec<&Position> = match &o.positions {
        None => vec![default_position(&scheme)],
        Some(names) if names == &["all"] => scheme.positions.iter().collect(),
        Some(names) => names.iter().map(|n| &scheme.positions[scheme.find_position(n).expect("a position of the scheme")]).collect(),
    };
    // As of 2026-12-31: the window is 2026Q1..Q4 and 2026H1..H2; streaks may look back to 2025.
    let quarters = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4"];
    let quarters = &quarters[quarters.len() - scheme.review.quarters.max(scheme.max_streak).min(6)..];
    let halves = ["2026H1", "2026H2"];
    let mut kpi_items: Vec<&str> = Vec::new();
    let mut comp_items: Vec<&str> = Vec::new();
    for p in &positions {
        for k in &p.kpis {
            if !kpi_items.contains(&k.id.as_str()) {
                kpi_items.push(&k.id);
            }
        }
        for i in p.groups.iter().flat_map(|g| &g.items) {
            if !comp_items.contains(&i.id.as_str()) {
                comp_items.push(&i.id);
            }
        }
    }
    let kinds = fact_kinds(&scheme);
    let mut header = vec![
        "id".to_string(),
        "name".into(),
        "position".into(),
        "sequence".into(),
        "grade".into(),
        "hire_date".into(),
        "grade_date".into(),
        "birth_date".into(),
    ];
    header.extend(scheme.column_facts.names.iter().cloned());
    for q in quarters {
        header.extend(kpi_items.iter().map(|i| format!("{q}.{i}")));
    }
    for h in halves {
        header.extend(comp_items.iter().map(|i| format!("{h}.{i}")));
    }
    writeln!(out, "{}", header.join(","))?;

    let mut rng = Rng(o.seed);
    let mut line = String::with_capacity(1024);
    for n in 0..o.employees {
        line.clear();
        let p = positions[rng.below(positions.len() as u64) as usize];
        let s = &scheme.sequences[rng.below(scheme.sequences.len() as u64) as usize];
        let g = &s.grades[rng.below(s.grades.len() as u64) as usize];
        let talent = 55 + rng.below(40); // each employee's level, so statuses vary
        line.push_str(&format!("E{n:07},员工{n},{},{},{},", p.id, s.id, g.id));
        line.push_str(&format!("{},{},{}", date(&mut rng, 2005, 15), date(&mut rng, 2020, 6), date(&mut rng, 1965, 35)));
        for k in &kinds {
            line.push(',');
            match k {
                FactKind::Number(t) => {
                    // Around the threshold; percentages (thresholds 50..100) stay at or below 100.
                    let v = (t * (60 + rng.below(80)) as f64 / 100.0).round();
                    line.push_str(&format!("{}", if (50.0..=100.0).contains(t) { v.min(100.0) } else { v }));
                }
                FactKind::Bool => line.push_str(if rng.chance(if talent > 85 { 80 } else { 30 }) { "yes" } else { "no" }),
                FactKind::RareBool => line.push_str(if rng.chance(2) { "yes" } else { "no" }),
                FactKind::Date => line.push_str(&date(&mut rng, 2015, 11)),
                FactKind::Level(levels) if !levels.is_empty() => line.push_str(&levels[rng.below(levels.len() as u64) as usize]),
                FactKind::Level(_) => {}
                FactKind::Text(t) => line.push_str(t),
            }
        }
        for _ in quarters {
            for item in &kpi_items {
                line.push(',');
                let k = p.kpis.iter().find(|k| k.id == *item);
                match k.map(|k| k.scoring) {
                    None => {}
                    Some(Some(sc)) => {
                        let (t, z): (f64, f64) = (sc.target.to_string().parse().unwrap(), sc.zero_at.to_string().parse().unwrap());
                        let r = z + (t - z) * (talent as f64 / 100.0) + (t - z) * (rng.below(30) as f64 - 15.0) / 100.0;
                        line.push_str(&format!("{r:.2}"));
                    }
                    Some(None) => {
                        let v = (talent + rng.below(20)).saturating_sub(10);
                        if v >= 100 {
                            line.push_str("100");
                        } else {
                            line.push_str(&format!("{v}.{}", rng.below(10)));
                        }
                    }
                }
            }
        }
        let has = |item: &str| p.groups.iter().any(|g| g.items.iter().any(|i| i.id == item));
        for _ in halves {
            for item in &comp_items {
                line.push(',');
                if has(item) {
                    let steps = (talent - 50) / 12 + rng.below(3); // 0..=6 half-steps above 2
                    line.push_str(&format!("{}", 2.0 + steps.min(6) as f64 * 0.5));
                }
            }
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    Ok(())
}
