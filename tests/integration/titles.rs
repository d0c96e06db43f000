//! Titles as people type them (SPEC §3): a position, sequence or grade
//! cell and a score header's item may be written by title, matched after
//! trimming and Unicode NFKC (`受理服务代表（一）` with full-width brackets
//! finds `受理服务代表(一)`); a title shared by two item ids is a problem
//! naming them; two titles equal after NFKC are a scheme problem.

use super::harness::{write as written, Test};

const EXAMPLE: &str = "examples/telecom-after-sales.csv";
const AS_OF: &str = "2026-12-31";

/// The `results` of `evaluate --format json` (meta holds the file's hash,
/// which differs between two spellings of one file).
fn results(file: &str) -> Vec<serde_json::Value> {
    let out = Test::new().args(["evaluate", "--format", "json", "--as-of", AS_OF]).arg(file).run_bytes();
    assert!(matches!(out.code, 0 | 3), "{}", out.stderr);
    out.results()
}

#[test]
fn full_width_brackets_and_spaces_in_titles_find_the_scheme_title() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    assert!(text.contains(",受理服务代表(一),"), "the example names a position by its title");
    let typed = text.replace(",受理服务代表(一),", ",受理服务代表（一）,").replace(",初级技术员,", ",初级技术员\u{3000},");
    assert_ne!(typed, text);
    let clean = results(&written(dir.path(), "clean.csv", &text));
    let as_typed = results(&written(dir.path(), "typed.csv", &typed));
    assert_eq!(clean, as_typed);
    assert!(clean.iter().any(|r| r["position"] != "engineer" && r["status"] != "error"));
}

#[test]
fn a_score_header_may_name_its_item_by_title() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    // standardization is 服务规范化执行 (seed 001 §9.8.1); full-width digits in the title stay NFKC-equal.
    let titled = header.replace(".standardization", ".服务规范化执行");
    assert_ne!(titled, header);
    let clean = results(&written(dir.path(), "clean.csv", &text));
    let by_title = results(&written(dir.path(), "titled.csv", format!("{titled}\n{body}")));
    assert_eq!(clean, by_title);

    // Both spellings of one column: a problem, not a silent choice.
    let both = header.replacen("2026Q4.install_pass", "2026Q4.服务规范化执行", 1);
    let out = Test::new().args(["evaluate", "--as-of", AS_OF]).arg(written(dir.path(), "both.csv", format!("{both}\n{body}"))).run_bytes();
    let stderr = out.stderr.as_str();
    assert_eq!(Some(out.code), Some(1), "{stderr}");
    assert!(stderr.contains("is the score of `2026Q4.standardization`, as column"), "{stderr}");
}

#[test]
fn a_title_shared_by_two_items_is_a_problem_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = std::fs::read_to_string("tests/fixtures/bad/scheme.yaml")
        .unwrap()
        .replacen("{id: quality, weight: 60}", "{id: quality, title: 质量, weight: 60}", 1)
        .replacen("{id: volume, weight: 40}", "{id: volume, title: 质量, weight: 40}", 1);
    let scheme = written(dir.path(), "scheme.yaml", &scheme);
    let csv = "id,position,sequence,grade,hire_date,grade_date,2026Q4.质量\nE1,engineer,technical,T1,2020-01-01,2020-01-01,80\n";
    let out =
        Test::new().args(["evaluate", "--as-of", AS_OF, "--ladder"]).arg(&scheme).arg(written(dir.path(), "staff.csv", csv)).run_bytes();
    let stderr = out.stderr.as_str();
    assert_eq!(Some(out.code), Some(1), "{stderr}");
    assert!(stderr.contains("`质量` is the title of the KPI items `quality`, `volume`"), "{stderr}");
}

#[test]
fn titles_equal_after_nfkc_are_one_title() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = std::fs::read_to_string("tests/fixtures/bad/scheme.yaml")
        .unwrap()
        .replacen("      - {id: T1}", "      - {id: T1, title: 技术员(一)}", 1)
        .replacen("      - {id: M1}", "      - {id: M1, title: 技术员（一）}", 1);
    let out = Test::new().args(["check", "--ladder"]).arg(written(dir.path(), "scheme.yaml", &scheme)).run_bytes();
    let stderr = out.stderr.as_str();
    assert_eq!(Some(out.code), Some(1), "{stderr}");
    assert!(stderr.contains("grade `M1` has the same title"), "{stderr}");
}
