//! `what-if --set` in the user's words (issue 13 item 8): the file's own
//! headers and the names the scheme's `columns:` maps, score keys with item
//! titles, a quarter's KPI score set whole (`2026Q4=90`), the quarter scores
//! in the before/after, and raw measures shown with the score they convert to.

use super::harness::{Run, Test};
use serde_json::Value;
use std::io::Write;

/// A run without the terminal width of the test's environment.
fn run(args: &[&str]) -> Run {
    Test::new().args(args).env_remove("COLUMNS").run()
}

const TELECOM: &str = "examples/telecom-after-sales.csv";
const CUSTOMER: &str = "examples/customer-service.csv";

fn what_if(ladder: &str, file: &str, id: &str, sets: &[&str], json: bool) -> Run {
    let mut args = vec!["what-if", id, "--ladder", ladder, "--as-of", "2026-12-31"];
    for s in sets {
        args.extend(["--set", s]);
    }
    if json {
        args.extend(["--format", "json"]);
    }
    args.push(file);
    run(&args)
}

/// The customer-service example with some headers renamed (as a Chinese HR export names them).
fn renamed(renames: &[(&str, &str)]) -> tempfile::NamedTempFile {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(CUSTOMER)).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(|h| renames.iter().find(|(from, _)| *from == h).map_or(h.to_string(), |(_, to)| (*to).to_string()))
        .collect();
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    {
        let mut w = csv::Writer::from_writer(file.as_file_mut());
        w.write_record(&headers).unwrap();
        for r in reader.records() {
            w.write_record(&r.unwrap()).unwrap();
        }
        w.flush().unwrap();
    }
    file.as_file_mut().flush().unwrap();
    file
}

#[test]
fn a_fact_is_set_by_the_files_header_or_by_the_name_columns_maps_it_from() {
    // C008 holds on `exam_passed = true (found false)` among others.
    let chinese = renamed(&[("exam_passed", "通过考试"), ("grade_date", "任职日期")]);
    let chinese = chinese.path().to_str().unwrap();
    let mut afters = Vec::new();
    for (file, key, column) in [
        (CUSTOMER, "通过考试=是", "exam_passed"),
        (CUSTOMER, "exam_passed=是", "exam_passed"),
        (chinese, "通过考试=是", "通过考试"),
        (chinese, "exam_passed=是", "通过考试"),
    ] {
        let r = what_if("customer-service", file, "C008", &[key], true);
        assert_eq!(r.code, 0, "{file} {key}: {}", r.stderr);
        let v = r.json();
        assert_eq!(v["set"][0]["column"], column, "{file} {key}");
        assert_eq!(v["set"][0]["before"], "false", "{file} {key}");
        let was_unmet = v["before"]["unmet"].as_array().unwrap().iter().any(|u| u == "exam_passed = true (found false)");
        let still_unmet = v["after"]["unmet"].as_array().unwrap().iter().any(|u| u.as_str().unwrap().starts_with("exam_passed"));
        assert!(was_unmet && !still_unmet, "{file} {key}: {v}");
        afters.push(v["after"].clone());
    }
    assert!(afters.windows(2).all(|w| w[0] == w[1]), "the same change whatever its name: {afters:?}");

    // A reserved field by the header the scheme maps (任职日期 is grade_date).
    for key in ["任职日期=2025-01-01", "grade_date=2025-01-01"] {
        let r = what_if("customer-service", chinese, "C008", &[key], true);
        assert_eq!(r.code, 0, "{key}: {}", r.stderr);
        assert_eq!(r.json()["set"][0]["column"], "任职日期", "{key}");
    }
}

#[test]
fn a_score_key_may_name_the_item_by_its_title() {
    let by_id = what_if("customer-service", CUSTOMER, "C013", &["2026Q3.satisfaction=95"], true);
    let by_title = what_if("customer-service", CUSTOMER, "C013", &["2026Q3.客户满意度=95"], true);
    assert_eq!((by_id.code, by_title.code), (0, 0), "{}{}", by_id.stderr, by_title.stderr);
    let (a, b) = (by_id.json(), by_title.json());
    assert_eq!(b["set"][0]["column"], "2026Q3.satisfaction", "the title names the item's column");
    assert_eq!(a["after"], b["after"]);
    assert_ne!(a["before"]["kpi"], a["after"]["kpi"], "the change counts");
    // A title of no item of the position is refused with the position's items.
    let r = what_if("customer-service", CUSTOMER, "C013", &["2026Q3.满意=95"], false);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is no KPI item of the position cs_specialist"), "{}", r.stderr);
}

/// Titles match after NFKC (SPEC §3): the full-width brackets an input
/// method types find the scheme's `部门人员总体服务质量(外部客户满意度)`.
#[test]
fn a_score_key_title_matches_after_nfkc() {
    let by_id = what_if("telecom-after-sales", TELECOM, "E033", &["2026Q3.dept_service_quality=95"], true);
    let typed = what_if("telecom-after-sales", TELECOM, "E033", &["2026Q3.部门人员总体服务质量（外部客户满意度）=95"], true);
    assert_eq!((by_id.code, typed.code), (0, 0), "{}{}", by_id.stderr, typed.stderr);
    assert_eq!(typed.json()["set"][0]["column"], "2026Q3.dept_service_quality");
    assert_eq!(by_id.json()["after"], typed.json()["after"]);
}

/// The quarter scores of a what-if JSON: period → (before, after, set).
fn quarters(v: &Value) -> Vec<(String, Value, Value, bool)> {
    v["quarters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| (q["period"].as_str().unwrap().to_string(), q["before"].clone(), q["after"].clone(), q["set"] == true))
        .collect()
}

#[test]
fn a_quarters_kpi_score_set_whole_counts_as_that_quarters_score() {
    let r = what_if("telecom-after-sales", TELECOM, "E003", &["2026Q4=90"], true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let q = quarters(&v);
    assert_eq!(q.iter().map(|q| q.0.as_str()).collect::<Vec<_>>(), ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]);
    assert_eq!((q[3].2.to_string(), q[3].3), ("90".to_string(), true), "{q:?}");
    assert!(q[..3].iter().all(|q| q.1 == q.2 && !q.3), "the other quarters stay: {q:?}");
    assert_eq!(v["set"][0]["before"], q[3].1.to_string(), "the change shows the quarter's score before");

    // kpi is the mean of the quarter scores shown, the one set included.
    let scores: Vec<rust_decimal::Decimal> = q.iter().map(|q| q.2.to_string().parse().unwrap()).collect();
    let mean = (scores.iter().sum::<rust_decimal::Decimal>() / rust_decimal::Decimal::from(scores.len()))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    assert_eq!(v["after"]["kpi"].to_string().parse::<rust_decimal::Decimal>().unwrap(), mean);

    // The same as every item of the quarter at 90 (the weights sum to 100): another road to the same figures.
    let items: Vec<String> = ["inquiry_handling", "new_account_handling", "customer_data_reports", "internal_satisfaction"]
        .iter()
        .map(|i| format!("2026Q4.{i}=90"))
        .collect();
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    let by_items = what_if("telecom-after-sales", TELECOM, "E003", &items, true);
    assert_eq!(by_items.code, 0, "{}", by_items.stderr);
    assert_eq!(by_items.json()["after"], v["after"]);

    // The text marks it, beside the other quarters.
    let text = what_if("telecom-after-sales", TELECOM, "E003", &["2026Q4=90"], false);
    assert!(text.stdout.contains("stands in place of the quarter's items"), "{}", text.stdout);
    let row = text.stdout.lines().find(|l| l.trim_start().starts_with("2026Q4 KPI")).unwrap_or_else(|| panic!("{}", text.stdout));
    assert!(row.contains("90.00 (set)") && row.ends_with("changed"), "{row}");
    assert!(text.stdout.lines().any(|l| l.trim_start().starts_with("2026Q1 KPI")), "{}", text.stdout);
}

#[test]
fn a_quarter_set_whole_needs_none_of_its_items() {
    // E006's 2026Q2 lacks card_records: the row is in error until the quarter is given whole.
    let r = what_if("telecom-after-sales", TELECOM, "E006", &["2026Q2=80"], true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["before"]["status"], "error");
    assert_ne!(v["after"]["status"], "error", "{}", v["after"]);
    assert_eq!(v["after"]["kpi_quarters"], 4);
    // Blank: the quarter has no score (and still needs none of its items).
    let r = what_if("telecom-after-sales", TELECOM, "E006", &["2026Q2="], true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["after"]["kpi_quarters"], 3);
}

#[test]
fn a_quarter_score_that_cannot_stand_is_refused() {
    for (key, says) in [
        ("2026Q4=101", "outside the KPI scale 0..100"),
        ("2026Q4=ninety", "is not a number"),
        ("2026Q4=90.125", "a figure of 2 decimals"),
        ("2025Q1=90", "2025Q1 is not read as of 2026-12-31"),
        ("2026H2=4", "a half's rating is not set whole"),
    ] {
        let r = what_if("telecom-after-sales", TELECOM, "E003", &[key], false);
        assert_eq!(r.code, 2, "{key}: {}", r.stdout);
        assert!(r.stderr.contains(says), "{key}: {}", r.stderr);
    }
    // A quarter set whole and one of its items: the item would count for nothing.
    for keys in [["2026Q4=90", "2026Q4.inquiry_handling=80"], ["2026Q4.inquiry_handling=80", "2026Q4=90"]] {
        let r = what_if("telecom-after-sales", TELECOM, "E003", &keys, false);
        assert_eq!(r.code, 2, "{keys:?}: {}", r.stdout);
        assert!(r.stderr.contains("2026Q4 is set whole (--set 2026Q4=…), so its items are not read"), "{keys:?}: {}", r.stderr);
    }
    // Another quarter's item is fine.
    let r = what_if("telecom-after-sales", TELECOM, "E003", &["2026Q3=90", "2026Q4.inquiry_handling=80"], false);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn a_raw_measure_says_so_and_shows_the_score_it_converts_to() {
    // complaint_rate: 100 at 0.3, 0 at 1.5 (lower is better): 0.4 scores 100 × 1.1 / 1.2 = 91.67.
    let r = what_if("customer-service", CUSTOMER, "C013", &["2026Q4.complaint_rate=0.4"], true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let change = &r.json()["set"][0];
    let raw = &change["raw_measure"];
    assert_eq!((raw["target"].to_string(), raw["zero_at"].to_string()), ("0.3".into(), "1.5".into()), "{change}");
    assert_eq!(raw["score_after"].to_string(), "91.67", "{change}");
    // Before: the file's 0.44 scores 100 × 1.06 / 1.2 = 88.33.
    assert_eq!((change["before"].as_str(), raw["score_before"].to_string()), (Some("0.44"), "88.33".into()), "{change}");
    let text = what_if("customer-service", CUSTOMER, "C013", &["2026Q4.complaint_rate=0.4"], false).stdout;
    assert!(text.contains("a raw measure (scoring: 100 at 0.3, 0 at 1.5): it scores 88.33 → 91.67"), "{text}");
    // A plain score says nothing of the kind.
    let plain = what_if("customer-service", CUSTOMER, "C013", &["2026Q4.satisfaction=90"], true);
    assert!(plain.json()["set"][0].get("raw_measure").is_none(), "{}", plain.stdout);
}
