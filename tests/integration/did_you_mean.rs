//! "Say what is meant" (issue 13 item 6): a near miss gets the name that was
//! meant — an unknown fact (`month_in_grade`), an unknown YAML key, a grade
//! or position named by its title where an id is needed, a score header
//! written with an item's title (accepted when the title is one item's
//! only); `ladder check` warns about facts nothing maps; a YAML tab is named
//! as such; carets land under the character on lines with CJK text.

use super::harness::{Run, Test};
use serde_json::Value;
use std::path::{Path, PathBuf};
use unicode_width::UnicodeWidthStr;

const AS_OF: &str = "2026-12-31";

/// A small scheme; `RULE` is the rule to enter S2, `BRIDGE` the bridge's `from`.
const SCHEME: &str = "scheme: dym
title: 测试方案
review: {quarters: 2, halves: 1}
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, title: 优秀, min: 80}
  - {id: B, title: 合格, min: 0}
positions:
  - id: sales
    title: 销售代表
    kpis:
      - {id: standardization, title: 服务规范化执行, weight: 60}
      - {id: volume, title: 销售额(万元), weight: 40}
    competencies:
      core: {weight: 100, items: [{id: care, title: 客户关怀}]}
  - id: clerk
    title: 销售助理
    kpis:
      - {id: accuracy, title: 准确率, weight: 50}
      - {id: accuracy_check, title: 准确率, weight: 50}
    competencies:
      core: {weight: 100, items: [care]}
sequences:
  - id: sell
    title: 销售序列
    grades:
      - {id: S1, title: 初级销售}
      - id: S2
        title: 高级销售
        requires: RULE
  - id: mgmt
    title: 管理序列
    grades:
      - {id: M1, title: 主管}
bridges:
  - {from: BRIDGE, to: M1, requires: {fact: rank_pct, max: 30}}
";

const HEADER: &str =
    "id,position,sequence,grade,hire_date,grade_date,2026Q3.standardization,2026Q3.volume,2026Q4.standardization,2026Q4.volume,2026H2.care";
const ROWS: &str =
    "E1,sales,sell,S1,2020-01-01,2024-01-01,80,90,85,70,4\nE2,销售代表,销售序列,初级销售,2021-01-01,2026-06-01,60,70,75,80,3\n";

/// A run from `dir` (the scheme and file are named relative to it).
fn ladder(dir: &Path, args: &[&str]) -> Run {
    Test::new().current_dir(dir).args(args).run()
}

/// A fresh directory holding `scheme.yaml` (RULE and BRIDGE filled in).
fn setup(name: &str, rule: &str, bridge: &str) -> PathBuf {
    let dir = super::harness::workdir("did_you_mean", name);
    super::harness::write(&dir, "scheme.yaml", SCHEME.replace("RULE", rule).replace("BRIDGE", bridge));
    dir
}

fn evaluate(dir: &Path, csv: &str) -> Run {
    std::fs::write(dir.join("staff.csv"), csv).unwrap();
    ladder(dir, &["evaluate", "--ladder", "scheme.yaml", "--as-of", AS_OF, "--format", "json", "staff.csv"])
}

#[test]
fn an_unknown_fact_gets_the_computed_fact_meant_and_check_warns_about_it() {
    let dir = setup("fact", "{fact: month_in_grade, min: 12}", "S2");
    let check = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(check.code, 0, "a warning, not an error: {}", check.stderr);
    assert!(
        check.stderr.contains("warning: `month_in_grade` (read at scheme.yaml:30:")
            && check.stderr.contains("is neither computed nor mapped by `columns:`: the employee file must have a column `month_in_grade`; did you mean the computed fact `months_in_grade`?"),
        "{}",
        check.stderr
    );
    let run = evaluate(&dir, &format!("{HEADER}\n{ROWS}"));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("tests the fact `month_in_grade`, which is neither computed nor a column of this file; did you mean `months_in_grade`? (computed facts: kpi, kpi_quarters, kpi_min,"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("months_in_company, age)"), "the whole list: {}", run.stderr);
}

#[test]
fn a_fact_that_is_a_column_of_the_file_and_mapped_facts_are_no_warning() {
    let dir = setup("column", "{fact: months_in_grade, min: 12}", "S2");
    let check = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!((check.code, check.stderr.as_str()), (0, ""), "nothing to warn about");
    // A column fact nothing maps: the warning names it, with no guess.
    let dir = setup("unmapped", "{fact: tickets, min: 100}", "S2");
    let check = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(check.code, 0);
    assert!(check.stderr.contains("must have a column `tickets`\n"), "{}", check.stderr);
    std::fs::write(dir.join("scheme.yaml"), std::fs::read_to_string(dir.join("scheme.yaml")).unwrap() + "columns: {tickets: 操作票数}\n")
        .unwrap();
    let check = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!((check.code, check.stderr.as_str()), (0, ""), "mapped by columns:");
    // The built-in schemes map every fact they read.
    for scheme in ["telecom-after-sales", "customer-service"] {
        let check = ladder(&dir, &["check", "--ladder", scheme]);
        assert_eq!((check.code, check.stderr.as_str()), (0, ""), "{scheme}");
    }
}

#[test]
fn an_unknown_key_gets_the_key_meant() {
    let dir = setup("key", "{fact: months_in_grade, min: 12}", "S2");
    let text = std::fs::read_to_string(dir.join("scheme.yaml")).unwrap().replace("review:", "reveiw:");
    std::fs::write(dir.join("scheme.yaml"), text).unwrap();
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown field `reveiw`: did you mean `review`? (expected one of `scheme`, `title`, `review`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> scheme.yaml:3:1"), "{}", run.stderr);
    // An operator and a rule form too.
    let dir = setup("op", "{fact: months_in_grade, mn: 12}", "S2");
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert!(run.stderr.contains("unknown operator `mn`: expected min, max, above, below or is; did you mean `min`?"), "{}", run.stderr);
    let dir = setup("form", "{fakt: months_in_grade, min: 12}", "S2");
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert!(run.stderr.contains("`streak` or `months_since`; did you mean `fact`?"), "{}", run.stderr);
    let dir = setup("item", "{fact: kpi.standardisation, min: 60}", "S2");
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert!(run.stderr.contains("did you mean `kpi.standardization`?"), "{}", run.stderr);
}

#[test]
fn a_grade_or_position_named_by_title_gets_its_id() {
    let dir = setup("bridge", "{fact: months_in_grade, min: 12}", "高级销售");
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("bridge from `高级销售`: no grade has that id; `高级销售` is the title of grade `S2`: name it by its id `S2`"),
        "{}",
        run.stderr
    );
    // A full-width variant of a title is the title (NFKC); a typo gets the closest id.
    let dir = setup("rule", "[{fact: position, is: 销售代表}, {fact: grade, is: S９}, {fact: sequence, is: sel}]", "S2");
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no position has the id `销售代表`; `销售代表` is the title of position `sales`: name it by its id `sales`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no grade has the id `S９`; did you mean `S1`?"), "{}", run.stderr);
    assert!(run.stderr.contains("no sequence has the id `sel`; did you mean `sell`?"), "{}", run.stderr);
    // Ids are fine.
    let dir = setup("ids", "[{fact: position, is: sales}, {fact: grade, is: S1}]", "S2");
    assert_eq!(ladder(&dir, &["check", "--ladder", "scheme.yaml"]).code, 0);
}

/// The results of a json run, without `meta` (its input hash differs with the file).
fn results(run: &Run) -> Vec<Value> {
    run.results()
}

#[test]
fn a_score_header_may_name_its_item_by_title() {
    let dir = setup("titles", "{fact: months_in_grade, min: 12}", "S2");
    let by_id = evaluate(&dir, &format!("{HEADER}\n{ROWS}"));
    assert_eq!(by_id.code, 0, "{}", by_id.stderr);
    // Titles, one of them with full-width brackets (NFKC), give the same results.
    let titled = HEADER
        .replace("2026Q3.standardization", "2026Q3.服务规范化执行")
        .replace("2026Q4.volume", "2026Q4.销售额（万元）")
        .replace("2026H2.care", "2026H2.客户关怀");
    let by_title = evaluate(&dir, &format!("{titled}\n{ROWS}"));
    assert_eq!(by_title.code, 0, "{}", by_title.stderr);
    assert_eq!(results(&by_title), results(&by_id));
    assert_eq!(results(&by_id)[0]["kpi"].as_f64(), Some(81.5), "80×.6+90×.4 = 84, 85×.6+70×.4 = 79");

    // A title two items share names them; an unknown one gets the closest item.
    let shared = format!("{HEADER},2026Q3.准确率\n{}", ROWS.replace('\n', ",\n"));
    let run = evaluate(&dir, &shared);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("column 12 `2026Q3.准确率`: `准确率` is the title of the KPI items `accuracy`, `accuracy_check`: name the item by its id (`2026Q3.accuracy` or `2026Q3.accuracy_check`)"),
        "{}",
        run.stderr
    );
    let typo = HEADER.replace("2026Q3.standardization", "2026Q3.服务规范执行");
    let run = evaluate(&dir, &format!("{typo}\n{ROWS}"));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("column 7 `2026Q3.服务规范执行`: `服务规范执行` is no KPI item of any position (by id or title); did you mean `2026Q3.standardization` (服务规范化执行)?"),
        "{}",
        run.stderr
    );
    // The same item twice, by id and by title: one must go.
    let twice = format!("{HEADER},2026Q3.服务规范化执行\n{}", ROWS.replace('\n', ",80\n"));
    let run = evaluate(&dir, &twice);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is the score of `2026Q3.standardization`, as column 7 `2026Q3.standardization` is"), "{}", run.stderr);
}

#[test]
fn a_tab_is_named_with_its_place() {
    let dir = setup("tab", "{fact: months_in_grade, min: 12}", "S2");
    let text = std::fs::read_to_string(dir.join("scheme.yaml")).unwrap().replace("    title: 销售代表", "\ttitle: 销售代表");
    std::fs::write(dir.join("scheme.yaml"), text).unwrap();
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error: tab character: YAML indents with spaces\n  --> scheme.yaml:10:1"), "{}", run.stderr);
}

#[test]
fn carets_land_under_the_character_on_lines_with_cjk_text() {
    let dir = setup("caret", "{fact: months_in_grade, min: 12}", "S2");
    let text = std::fs::read_to_string(dir.join("scheme.yaml"))
        .unwrap()
        .replace("{id: volume, title: 销售额(万元), weight: 40}", "{id: volume, title: 销售额(万元), wieght: 40}");
    std::fs::write(dir.join("scheme.yaml"), text).unwrap();
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stderr.lines().collect();
    let source = lines.iter().position(|l| l.contains("wieght: 40}")).expect("the source line is shown");
    let (shown, caret) = (lines[source], lines[source + 1]);
    let at = caret.find('^').expect("a caret line");
    // On a terminal the caret's column is the display width of what is before it.
    let before_caret = caret[..at].width();
    let key = shown.find("wieght").unwrap();
    assert_eq!(before_caret, shown[..key].width(), "\n{shown}\n{caret}");
    assert_ne!(before_caret, shown[..key].chars().count(), "the line has wide characters: the test means something");
}

#[test]
fn a_required_column_one_typo_away_and_a_columns_key_get_what_was_meant() {
    let dir = setup("required", "{fact: months_in_grade, min: 12}", "S2");
    let run = evaluate(&dir, &format!("{}\n{ROWS}", HEADER.replace("hire_date", "hire_dat")));
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("missing the required column `hire_date`; the file has `hire_dat`: a typo?"), "{}", run.stderr);
    let text = std::fs::read_to_string(dir.join("scheme.yaml")).unwrap() + "columns: {hire_dat: 入职日期}\n";
    std::fs::write(dir.join("scheme.yaml"), text).unwrap();
    let run = ladder(&dir, &["check", "--ladder", "scheme.yaml"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("the headers of the employee file; did you mean `hire_date`?"), "{}", run.stderr);
}

#[test]
fn a_two_level_export_with_item_titles_under_the_periods_is_read() {
    // As a Chinese HR system exports it: a title row, the periods over the
    // items' titles, Chinese headers and titles in the cells.
    let dir = setup("two_level", "{fact: months_in_grade, min: 12}", "S2");
    let csv = "2026年度销售晋升名单,,,,,,,,,,
id,position,sequence,grade,hire_date,grade_date,2026Q3,,2026Q4,,2026H2
,,,,,,服务规范化执行,销售额（万元）,服务规范化执行,销售额(万元),客户关怀
E1,sales,sell,S1,2020-01-01,2024-01-01,80,90,85,70,4
E2,销售代表,销售序列,初级销售,2021-01-01,2026-06-01,60,70,75,80,3
";
    let exported = evaluate(&dir, csv);
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let clean = evaluate(&dir, &format!("{HEADER}\n{ROWS}"));
    assert_eq!(results(&exported), results(&clean), "the export reads as the clean file");
}
