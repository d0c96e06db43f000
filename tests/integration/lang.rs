//! `--lang zh` all the way (issue 13 item 5): in every format meant for
//! reading (table, html, xlsx, explain and what-if text, show's table) the
//! reasons are Chinese (`任职月数 >= 12 (实际 9)`, `(无值)`), facts are named
//! by the file's own header where the scheme maps one through `columns:`,
//! KPI items and competency groups by their titles, grades, positions and
//! sequences by their titles; the machine formats (json, ndjson, csv, and
//! explain/what-if/show json) are byte-identical whatever `--lang`, and
//! English output is what it was (the snapshots of `cli` and `explain`
//! guard that).

use super::harness::{ladder as run, Run, ROOT};
use calamine::{open_workbook, Data, Reader, Xlsx};
use std::path::{Path, PathBuf};

const TELECOM: &str = "examples/telecom-after-sales.csv";
const SERVICE: &str = "examples/customer-service.csv";
const CYCLE: &str = "examples/review-cycle.csv";
const AS_OF: &str = "2026-12-31";

/// `evaluate` of one of the examples (with its scheme), then `extra` arguments.
fn evaluate(example: &str, extra: &[&str]) -> Run {
    let mut args = vec!["evaluate", "--as-of", AS_OF];
    args.extend(scheme_of(example));
    args.extend_from_slice(extra);
    args.push(example);
    run(&args)
}

fn scheme_of(example: &str) -> Vec<&'static str> {
    match example {
        SERVICE => vec!["--ladder", "customer-service"],
        CYCLE => vec!["--ladder", "examples/review-cycle"],
        _ => vec![],
    }
}

fn workdir(name: &str) -> PathBuf {
    super::harness::workdir("lang", name)
}

/// The table's lines about one employee (its row and the wrapped lines under it).
fn table_rows_of<'a>(table: &'a str, id: &str) -> String {
    let mut lines = table.lines().skip_while(|l| !l.starts_with(&format!("│ {id} "))).collect::<Vec<&'a str>>();
    if let Some(end) = lines.iter().skip(1).position(|l| !l.starts_with("│      ┆")) {
        lines.truncate(end + 1);
    }
    lines.join("\n")
}

#[test]
fn the_table_gives_chinese_reasons_titles_and_the_files_headers() {
    let zh = evaluate(TELECOM, &["--lang", "zh"]);
    assert_eq!(zh.code, 3, "{}", zh.stderr);
    // E003 waits for tenure: months_in_grade >= 6 (found 3).
    let e003 = table_rows_of(&zh.stdout, "E003");
    assert!(e003.contains("任职月数 >= 6 (实际 3)"), "{e003}");
    assert!(e003.contains("初级技术员") && !e003.contains(" T1 "), "the grade by its title: {e003}");
    // E005: customer_satisfaction, mapped to 客户满意度 by `columns:`, below 85.
    let e005 = table_rows_of(&zh.stdout, "E005");
    assert!(e005.contains("客户满意度 >= 85 (实际 83)"), "{e005}");
    // A demotion by a streak, and an `any` with a `not`, in Chinese words.
    assert!(zh.stdout.contains("降级: 最近 2 个季度每季 KPI得分 < 60 (实际 2026Q3"), "{}", zh.stdout);
    assert!(zh.stdout.contains("任一满足 (并非 岗位 = 售后工程师 (实际 售后工程师) 或 全部满足 (现场服务次数 >= 50 (实际 38) 且"));
    // No English reason is left.
    for english in ["(found ", "no value", "any of (", "months_in_grade", "customer_satisfaction", "bridge open to"] {
        assert!(!zh.stdout.contains(english), "`{english}` in the Chinese table");
    }
    // Without --lang (or with --lang en) the table is the English one.
    let en = evaluate(TELECOM, &[]);
    assert!(table_rows_of(&en.stdout, "E003").contains("months_in_grade >= 6 (found 3)"));
    assert_eq!(evaluate(TELECOM, &["--lang", "en"]).stdout, en.stdout);
}

#[test]
fn a_blank_cell_is_no_value_and_a_mapped_header_names_its_fact() {
    // E004's onsite_services blanked, and the file headed with the scheme's own Chinese header.
    let text = std::fs::read_to_string(Path::new(ROOT).join(TELECOM)).unwrap();
    let header_end = text.find('\n').unwrap();
    let header = text[..header_end].replace("first_contact_resolution", "一次性解决率");
    let columns: Vec<&str> = text[..header_end].split(',').collect();
    let onsite = columns.iter().position(|c| *c == "onsite_services").unwrap();
    let rows: Vec<String> = text[header_end + 1..]
        .lines()
        .map(|line| {
            if !line.starts_with("E004,") {
                return line.to_string();
            }
            let mut cells: Vec<&str> = line.split(',').collect();
            cells[onsite] = "";
            cells.join(",")
        })
        .collect();
    let dir = workdir("blank");
    let file = dir.join("staff.csv");
    std::fs::write(&file, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    let zh = run(&["evaluate", "--lang", "zh", "--as-of", AS_OF, file.to_str().unwrap()]);
    let e004 = table_rows_of(&zh.stdout, "E004");
    assert!(e004.contains("现场服务次数 >= 50 (无值)"), "{e004}");
    let explain = run(&["explain", "E004", "--lang", "zh", "--as-of", AS_OF, file.to_str().unwrap()]);
    assert!(explain.stdout.contains("✗ 一次性解决率 >= 85 (实际 80)"), "{}", explain.stdout);
    let en = run(&["explain", "E004", "--as-of", AS_OF, file.to_str().unwrap()]);
    assert!(en.stdout.contains("✗ first_contact_resolution >= 85 (found 80)"), "{}", en.stdout);
}

#[test]
fn the_files_own_header_wins_among_the_headers_the_scheme_maps() {
    // customer-service maps service_start_date to [入客服岗日期, 转客服岗日期].
    let text = std::fs::read_to_string(Path::new(ROOT).join(SERVICE)).unwrap();
    let dir = workdir("own-header");
    let first = dir.join("first.csv");
    let second = dir.join("second.csv");
    std::fs::write(&first, text.replacen("service_start_date", "入客服岗日期", 1)).unwrap();
    std::fs::write(&second, text.replacen("service_start_date", "转客服岗日期", 1)).unwrap();
    let zh = |file: &Path| run(&["evaluate", "--ladder", "customer-service", "--lang", "zh", "--as-of", AS_OF, file.to_str().unwrap()]);
    // C015 has served 18 of the 24 months S4 asks.
    assert!(table_rows_of(&zh(&first).stdout, "C015").contains("自入客服岗日期起月数 >= 24 (实际 18)"));
    assert!(table_rows_of(&zh(&second).stdout, "C015").contains("自转客服岗日期起月数 >= 24 (实际 18)"));
    // The example's own header is the fact's id: the scheme's first header names it.
    assert!(table_rows_of(&evaluate(SERVICE, &["--lang", "zh"]).stdout, "C015").contains("自入客服岗日期起月数 >= 24 (实际 18)"));
}

#[test]
fn bridge_prefixes_decided_by_and_quota_lines_are_chinese_with_titles() {
    let zh = evaluate(SERVICE, &["--lang", "zh"]).stdout;
    // C029 holds at the top of the skill sequence: each bridge's gap, prefixed with its target's title.
    let c029 = table_rows_of(&zh, "C029");
    assert!(c029.contains("转客服经理：排名百分位 <= 30 (实际 50)"), "{c029}");
    assert!(!c029.contains("M2:"), "{c029}");
    assert!(table_rows_of(&zh, "C035").contains("由决策层或董事会决定，不按规则晋升"));
    // Open bridges by title, listed with 、.
    assert!(table_rows_of(&zh, "C010").contains("可转通道: 项目主管、客服主管"));
    // Quotas (the review cycle's scheme): the grades by title.
    let cycle = evaluate(CYCLE, &["--lang", "zh"]).stdout;
    assert!(cycle.contains("高级技术员 晋升名额已满 (已用 1，共 1)"), "{cycle}");
    assert!(cycle.contains("区域/模块主管、服务部经理 晋升名额已满 (已用 2，共 2)"), "{cycle}");
    let en = evaluate(CYCLE, &[]).stdout;
    assert!(en.contains("quota for T3 is full (1 of 1)") && en.contains("quota for M2, M3 is full (2 of 2)"), "{en}");
}

#[test]
fn machine_formats_are_byte_identical_whatever_the_language() {
    for example in [TELECOM, SERVICE, CYCLE] {
        for format in ["json", "ndjson", "csv"] {
            let en = evaluate(example, &["--format", format]);
            let zh = evaluate(example, &["--format", format, "--lang", "zh"]);
            assert_eq!((zh.code, &zh.stdout), (en.code, &en.stdout), "{example} {format}");
            assert!(en.stdout.contains("(found "), "{example} {format}: English reasons");
        }
        for detail in ["explain", "what-if"] {
            let id = if example == SERVICE { "C013" } else { "E004" };
            let mut args = vec![detail, id, "--format", "json", "--as-of", AS_OF];
            if detail == "what-if" {
                args.extend(["--set", "exam_passed=true"]);
            }
            args.extend(scheme_of(example));
            args.push(example);
            let en = run(&args);
            args.extend(["--lang", "zh"]);
            let zh = run(&args);
            assert_eq!((zh.code, &zh.stdout), (en.code, &en.stdout), "{detail} {example}");
        }
    }
    for format in ["json", "mermaid", "dot"] {
        let en = run(&["show", "--ladder", "customer-service", "--format", format]);
        let zh = run(&["show", "--ladder", "customer-service", "--format", format, "--lang", "zh"]);
        assert_eq!(zh.stdout, en.stdout, "show {format}");
    }
}

#[test]
fn html_shows_chinese_reasons_and_titles() {
    let dir = workdir("html");
    let page = dir.join("review.html");
    let out = evaluate(SERVICE, &["--lang", "zh", "--output", page.to_str().unwrap()]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<li>任一满足 (学历 &gt;= 大专 (实际 中专) 或 任职月数 &gt;= 18 (实际 14))</li>"), "C012's reason");
    assert!(html.contains("<td title=\"技能通道\">中级客服专员</td><td>客服专员</td>"), "grade, sequence and position by title");
    assert!(html.contains("<li>可转通道: 项目主管、客服主管</li>"));
    assert!(!html.contains("(found "));
    let en_page = dir.join("review-en.html");
    evaluate(SERVICE, &["--output", en_page.to_str().unwrap()]);
    let en = std::fs::read_to_string(&en_page).unwrap();
    assert!(en.contains("<li>any of (education &gt;= 大专 (found 中专) or months_in_grade &gt;= 18 (found 14))</li>"));
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

#[test]
fn xlsx_results_are_headed_and_worded_in_chinese() {
    let dir = workdir("xlsx");
    let book = dir.join("review.xlsx");
    let out = evaluate(TELECOM, &["--lang", "zh", "--output", book.to_str().unwrap()]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let mut workbook: Xlsx<_> = open_workbook(&book).unwrap();
    let results = workbook.worksheet_range("results").unwrap();
    let header: Vec<String> = results.rows().next().unwrap().iter().map(cell_text).collect();
    assert_eq!(&header[..5], ["工号", "姓名", "序列", "职级", "岗位"]);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    let e003 = results.rows().find(|r| cell_text(&r[0]) == "E003").expect("E003");
    assert_eq!(cell_text(&e003[col("序列")]), "专业技术序列");
    assert_eq!(cell_text(&e003[col("职级")]), "初级技术员");
    assert_eq!(cell_text(&e003[col("岗位")]), "受理服务代表(二)");
    assert_eq!(cell_text(&e003[col("结论")]), "保持");
    assert_eq!(cell_text(&e003[col("高一级职级")]), "中级技术员");
    assert_eq!(cell_text(&e003[col("未满足条件")]), "任职月数 >= 6 (实际 3)");
    // Figures stay numbers.
    assert!(matches!(e003[col("KPI得分")], Data::Float(_) | Data::Int(_)), "{:?}", e003[col("KPI得分")]);
    // Without --lang the sheet is the json's fields, as before.
    let en_book = dir.join("review-en.xlsx");
    evaluate(TELECOM, &["--output", en_book.to_str().unwrap()]);
    let mut en: Xlsx<_> = open_workbook(&en_book).unwrap();
    let en_results = en.worksheet_range("results").unwrap();
    let en_e003 = en_results.rows().find(|r| cell_text(&r[0]) == "E003").expect("E003");
    assert_eq!(cell_text(&en_results.rows().next().unwrap()[3]), "grade");
    assert_eq!(cell_text(&en_e003[3]), "T1");
    assert_eq!(cell_text(&en_e003[20]), "months_in_grade >= 6 (found 3)");
}

#[test]
fn explain_speaks_chinese_with_lang_zh() {
    let zh = run(&["explain", "E003", "--lang", "zh", "--as-of", AS_OF, TELECOM]);
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    for line in [
        "结论：保持 — 保持 T1 初级技术员；高一级职级 T2 中级技术员",
        "  可晋升日期 2027-03-16",
        "  未满足：任职月数 >= 6 (实际 3)",
        "    ✗ 任职月数 >= 6 (实际 3)",
    ] {
        assert!(zh.stdout.contains(line), "`{line}` in\n{}", zh.stdout);
    }
    assert!(zh.stdout.contains("晋升至 T2 中级技术员 — 未满足"), "{}", zh.stdout);
    let en = run(&["explain", "E003", "--as-of", AS_OF, TELECOM]);
    assert!(en.stdout.contains("  unmet: months_in_grade >= 6 (found 3)"), "{}", en.stdout);
    assert_eq!(run(&["explain", "E003", "--lang", "en", "--as-of", AS_OF, TELECOM]).stdout, en.stdout);
    // What it would take, in Chinese too; no English reason left.
    let zh = run(&["explain", "E004", "--lang", "zh", "--as-of", AS_OF, TELECOM]).stdout;
    for line in [
        "- 现场服务次数 需 +12：不低于 50（实际 38）",
        "- 通过考试 须为 是（实际 否）",
        "a) 岗位 = 售后工程师 (实际 售后工程师) 须不再成立",
        "  KPI得分    ",
    ] {
        assert!(zh.contains(line), "`{line}` in\n{zh}");
    }
    for english in ["(found ", " needs ", "any of", "Figures", "unmet:"] {
        assert!(!zh.contains(english), "`{english}` in\n{zh}");
    }
    let en = run(&["explain", "E004", "--as-of", AS_OF, TELECOM]).stdout;
    assert!(en.contains("- onsite_services needs +12: at least 50 (found 38)"), "{en}");
}

#[test]
fn what_if_speaks_chinese_with_lang_zh() {
    let args = ["what-if", "E003", "--set", "grade_date=2025-09-01", "--as-of", AS_OF, TELECOM];
    let zh = run(&[&args[..], &["--lang", "zh"]].concat());
    assert_eq!(zh.code, 0, "{}", zh.stderr);
    assert!(zh.stdout.starts_with("假如：E003 李娜（专业技术序列 初级技术员）"), "{}", zh.stdout);
    assert!(zh.stdout.contains("不再未满足：\n  - 任职月数 >= 6 (实际 3)"), "{}", zh.stdout);
    assert!(zh.stdout.contains("  结论 ") && zh.stdout.contains("晋升"), "{}", zh.stdout);
    let en = run(&args);
    assert!(en.stdout.contains("No longer unmet:\n  - months_in_grade >= 6 (found 3)"), "{}", en.stdout);
}

#[test]
fn show_writes_rules_in_chinese_and_groups_by_their_titles() {
    let zh = run(&["show", "--ladder", "customer-service", "--lang", "zh"]);
    assert!(zh.stdout.contains("┆ 任职月数 >= 12 且 自入客服岗日期起月数 >= 6 且 带出新人数 >= 1 且 任一满足 (客户表扬次数 >= 1 或 内部表扬次数 >= 1) 且 通过考试 = 是"), "{}", zh.stdout);
    assert!(zh.stdout.contains("各职级通用降级条件：任一满足 (重大事故 = 是 或 最近 2 个季度每季 KPI得分 < 60)"));
    // A competency group with a `title` is named by it (the built-in schemes
    // give theirs: 核心能力, 参照能力, 态度); without one, by its id.
    let built_in = run(&["show", "--lang", "zh"]).stdout;
    assert!(built_in.contains("态度 >= 3.5") && !built_in.contains("能力评价.attitude"), "{built_in}");
    let dir = workdir("group-title");
    for entry in std::fs::read_dir(Path::new(ROOT).join("ladders/telecom-after-sales")).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "positions.yaml" {
            assert!(text.contains("      attitude:\n        title: 态度\n"));
            text = text.replace("      attitude:\n        title: 态度\n", "      attitude:\n");
        }
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
    let untitled = run(&["show", "--lang", "zh", "--ladder", dir.to_str().unwrap()]);
    assert_eq!(untitled.code, 0, "{}", untitled.stderr);
    assert!(untitled.stdout.contains("能力评价.attitude >= 3.5"), "{}", untitled.stdout);
    // English keeps the scheme's names.
    let en = run(&["show", "--ladder", dir.to_str().unwrap()]).stdout;
    assert!(en.contains("competency.attitude >= 3.5"), "{en}");
}
