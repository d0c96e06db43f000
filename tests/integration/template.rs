//! `ladder template` (issue 13 item 7): the file it writes, filled in with
//! one employee, evaluates with no problem, for both built-in schemes, as
//! CSV and as a workbook; the workbook's drop-down lists, date columns,
//! frozen header and sheets; the periods follow `--as-of`; a cohort's and a
//! quota's `per` column is asked for.

use super::harness::ladder_bytes as ladder;
use calamine::{open_workbook, Data, Reader, Xlsx};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-12-31";

fn workdir(name: &str) -> PathBuf {
    super::harness::workdir("template", name)
}

/// The built-in schemes: (name, position, sequence, grade of the employee added).
const SCHEMES: [(&str, &str, &str, &str); 2] =
    [("telecom-after-sales", "engineer", "technical", "T1"), ("customer-service", "cs_specialist", "skill", "S1")];

/// What an analyst would type under each header of a built-in scheme's template.
enum Cell {
    Text(String),
    Number(f64),
    Date(u16, u8, u8),
}

fn cell_for(header: &str, (_, position, sequence, grade): (&str, &str, &str, &str)) -> Cell {
    let text = |s: &str| Cell::Text(s.to_string());
    match header {
        "工号" => text("E1"),
        "姓名" => text("张三"),
        "岗位" => text(position),
        "序列" => text(sequence),
        "职级" => text(grade),
        "入职日期" => Cell::Date(2018, 1, 15),
        "任职日期" => Cell::Date(2019, 1, 15),
        "出生日期" => Cell::Date(1990, 5, 1),
        "入客服岗日期" => Cell::Date(2018, 6, 1),
        "通过考试" | "已转正" => text("是"),
        "重大事故" => text("否"),
        "学历" => text("本科"),
        h if h.len() > 7 && h.as_bytes()[4] == b'Q' => Cell::Number(90.0),
        h if h.len() > 7 && h.as_bytes()[4] == b'H' => Cell::Number(4.0),
        _ => Cell::Number(3.0),
    }
}

fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Date(y, m, d) => format!("{y}-{m:02}-{d:02}"),
    }
}

/// `evaluate --format json` of `file`: exit 0 and the one result.
fn evaluate_one(scheme: &str, file: &Path) -> Value {
    let run = ladder(&["evaluate", "--ladder", scheme, "--as-of", AS_OF, "--format", "json", file.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{scheme}: {}", run.stderr);
    let json: Value = serde_json::from_slice(&run.stdout).unwrap();
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{json}");
    results[0].clone()
}

fn assert_evaluated(scheme: &str, r: &Value) {
    assert_eq!(r["id"], "E1", "{scheme}: {r}");
    assert_ne!(r["status"], "error", "{scheme}: {r}");
    assert!(r["kpi"].is_number(), "{scheme}: every KPI column was read: {r}");
    assert_eq!(r["competency"].as_f64(), Some(4.0), "{scheme}: {r}");
}

#[test]
fn a_csv_template_with_one_row_added_evaluates_for_both_built_in_schemes() {
    let dir = workdir("csv");
    for s in SCHEMES {
        let (scheme, ..) = s;
        let run = ladder(&["template", "--ladder", scheme, "--as-of", AS_OF]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stderr.contains("2026Q1, 2026Q2, 2026Q3, 2026Q4; 2026H1, 2026H2"), "{}", run.stderr);
        let text = String::from_utf8(run.stdout).unwrap();
        assert_eq!(text.lines().count(), 1, "one header row, no data rows: {text}");
        let headers: Vec<String> = csv::Reader::from_reader(text.as_bytes()).headers().unwrap().iter().map(String::from).collect();
        assert_eq!(headers[0], "工号", "the scheme's own header for the id");
        // The bare template reads: no rows, no problem.
        let bare = dir.join(format!("{scheme}-bare.csv"));
        std::fs::write(&bare, &text).unwrap();
        let run = ladder(&["evaluate", "--ladder", scheme, "--as-of", AS_OF, "--format", "json", bare.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let row: Vec<String> = headers.iter().map(|h| csv_text(&cell_for(h, s))).collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&headers).unwrap();
        w.write_record(&row).unwrap();
        let path = dir.join(format!("{scheme}.csv"));
        std::fs::write(&path, w.into_inner().unwrap()).unwrap();
        assert_evaluated(scheme, &evaluate_one(scheme, &path));
    }
}

#[test]
fn the_ids_headers_evaluate_too() {
    let dir = workdir("ids");
    let run = ladder(&["template", "--headers", "ids", "--as-of", AS_OF]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = String::from_utf8(run.stdout).unwrap();
    let headers: Vec<&str> = text.trim_end().split(',').collect();
    assert_eq!(&headers[..7], ["id", "name", "position", "sequence", "grade", "hire_date", "grade_date"]);
    assert!(headers.contains(&"exam_passed") && headers.contains(&"education"), "{headers:?}");
    let english = |h: &str| match h {
        "id" => "E1".to_string(),
        "position" => "engineer".into(),
        "sequence" => "technical".into(),
        "grade" => "T1".into(),
        "hire_date" | "grade_date" => "2019-01-15".into(),
        "exam_passed" => "true".into(),
        "major_incident" => "false".into(),
        "education" => "本科".into(),
        "name" => "Zhang".into(),
        h => csv_text(&cell_for(h, SCHEMES[0])),
    };
    let row: Vec<String> = headers.iter().map(|h| english(h)).collect();
    let path = dir.join("ids.csv");
    std::fs::write(&path, format!("{text}{}\n", row.join(","))).unwrap();
    assert_evaluated("telecom-after-sales", &evaluate_one("telecom-after-sales", &path));
}

/// The text of a part of the workbook's zip.
fn part(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

fn sheet_rows(book: &mut Xlsx<std::io::BufReader<std::fs::File>>, sheet: &str) -> Vec<Vec<String>> {
    let range = book.worksheet_range(sheet).unwrap();
    range.rows().map(|r| r.iter().map(|c| if let Data::String(s) = c { s.clone() } else { c.to_string() }).collect()).collect()
}

/// The style of the 1-based column `n` in a sheet's `<cols>`, if it has one.
fn col_style(sheet: &str, n: usize) -> Option<String> {
    let attr = |col: &str, name: &str| -> Option<String> {
        let start = col.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(col[start..].split('"').next()?.to_string())
    };
    sheet.split("<col ").skip(1).map(|c| format!(" {}", c.split("/>").next().unwrap())).find_map(|col| {
        let col = col.as_str();
        let min: usize = attr(col, "min")?.parse().ok()?;
        let max: usize = attr(col, "max")?.parse().ok()?;
        (min..=max).contains(&n).then(|| attr(col, "style")).flatten()
    })
}

/// `A` for 0, `AA` for 26.
fn letter(mut i: usize) -> String {
    let mut s = Vec::new();
    i += 1;
    while i > 0 {
        s.push(b'A' + ((i - 1) % 26) as u8);
        i = (i - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

#[test]
fn an_xlsx_template_has_lists_dates_a_frozen_header_and_evaluates_with_a_row_added() {
    let dir = workdir("xlsx");
    for s in SCHEMES {
        let (scheme, position, ..) = s;
        let path = dir.join(format!("{scheme}-template.xlsx"));
        // The format comes from the extension.
        let run = ladder(&["template", "--ladder", scheme, "--as-of", AS_OF, "--output", path.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.is_empty());
        let csv = ladder(&["template", "--ladder", scheme, "--as-of", AS_OF, "--format", "csv"]);
        let csv_headers: Vec<String> = csv::Reader::from_reader(&csv.stdout[..]).headers().unwrap().iter().map(String::from).collect();

        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        assert_eq!(book.sheet_names(), ["employees", "columns", "lists"], "the employees sheet first: it is the one read");
        let rows = sheet_rows(&mut book, "employees");
        assert_eq!(rows.len(), 1, "one header row, no data rows");
        assert_eq!(rows[0], csv_headers, "the workbook's header is the CSV's");
        let lists = sheet_rows(&mut book, "lists");
        assert_eq!(lists[0][..3], ["position", "sequence", "grade"]);
        let positions: Vec<&str> = lists.iter().skip(1).map(|r| r[0].as_str()).filter(|v| !v.is_empty()).collect();
        assert!(positions.contains(&position), "ids and titles: {positions:?}");
        let about = sheet_rows(&mut book, "columns");
        assert_eq!(about.len(), csv_headers.len() + 1, "one line a column");
        assert!(about.iter().any(|r| r[0] == "学历" && r[2].contains("education")), "{about:?}");

        // The lists sheet is hidden; the header frozen; position, sequence
        // and grade have drop-down lists from it; the date columns are dates.
        let workbook_xml = part(&path, "xl/workbook.xml");
        assert!(workbook_xml.contains(r#"name="lists" sheetId="3" state="hidden""#), "{workbook_xml}");
        let sheet = part(&path, "xl/worksheets/sheet1.xml");
        assert!(sheet.contains(r#"ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen""#));
        for (header, list) in [("岗位", "A"), ("序列", "B"), ("职级", "C")] {
            let col = letter(csv_headers.iter().position(|h| h == header).unwrap());
            let validation = format!(r#"sqref="{col}2:{col}1048576"><formula1>lists!${list}$2:${list}$"#);
            assert!(sheet.contains(&validation), "{header}: {validation}");
        }
        let styles = part(&path, "xl/styles.xml");
        assert!(styles.contains(r#"formatCode="yyyy-mm-dd""#), "{styles}");
        let style = |header: &str| col_style(&sheet, csv_headers.iter().position(|h| h == header).unwrap() + 1);
        assert!(style("入职日期").is_some(), "the hire date column has a format");
        assert_eq!(style("入职日期"), style("任职日期"));
        assert_ne!(style("入职日期"), style("工号"), "dates are not text");
        assert_eq!(style("姓名"), None);
        assert!(sheet.contains(r#"<dataValidation type="date""#));

        // The bare template reads (no rows); then the analyst's filled-in copy.
        let run = ladder(&["evaluate", "--ladder", scheme, "--as-of", AS_OF, "--format", "json", path.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let filled = dir.join(format!("{scheme}.xlsx"));
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (col, h) in csv_headers.iter().enumerate() {
            let col = col as u16;
            ws.write_string(0, col, h).unwrap();
            match cell_for(h, s) {
                Cell::Text(t) => ws.write_string(1, col, t).map(|_| ()).unwrap(),
                Cell::Number(n) => ws.write_number(1, col, n).map(|_| ()).unwrap(),
                Cell::Date(y, m, d) => {
                    ws.write_datetime_with_format(1, col, ExcelDateTime::from_ymd(y, m, d).unwrap(), &date).map(|_| ()).unwrap();
                }
            }
        }
        wb.save(&filled).unwrap();
        assert_evaluated(scheme, &evaluate_one(scheme, &filled));
    }
}

#[test]
fn the_score_columns_follow_the_as_of_date() {
    let run = ladder(&["template", "--headers", "ids", "--as-of", "2026-06-30"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = String::from_utf8(run.stdout).unwrap();
    let periods: std::collections::BTreeSet<&str> = text.trim_end().split(',').filter_map(|h| h.split_once('.').map(|(p, _)| p)).collect();
    assert_eq!(periods.into_iter().collect::<Vec<_>>(), ["2025H2", "2025Q3", "2025Q4", "2026H1", "2026Q1", "2026Q2"]);
}

#[test]
fn a_cohort_and_a_quota_per_column_are_asked_for() {
    let run = ladder(&["template", "--ladder", "examples/review-cycle", "--headers", "ids", "--as-of", AS_OF]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.trim_end().split(',').any(|h| h == "department"), "{text}");
}

#[test]
fn an_unknown_extension_is_a_usage_error() {
    let dir = workdir("usage");
    let out = dir.join("template.txt");
    let run = ladder(&["template", "--output", out.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(".csv or .xlsx"), "{}", run.stderr);
    assert!(!out.exists());
}

#[test]
fn quarters_a_streak_looks_back_to_and_a_birth_date_for_age_are_asked_for() {
    let dir = workdir("streak");
    let scheme = "scheme: streak
title: 连续考核
review: {quarters: 2, halves: 1}
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, title: 优秀, min: 0}
positions:
  - id: p
    title: 岗位一
    kpis:
      - {id: k, title: 指标, weight: 100}
    competencies:
      core: {weight: 100, items: [c]}
sequences:
  - id: s
    title: 序列
    grades:
      - {id: G1, title: 一级}
      - {id: G2, title: 二级, requires: [{streak: kpi, quarters: 4, min: 60}, {fact: age, max: 50}, {fact: joined, min: 2020-01-01}]}
";
    std::fs::write(dir.join("scheme.yaml"), scheme).unwrap();
    let ladder_arg = dir.join("scheme.yaml");
    let run = ladder(&["template", "--ladder", ladder_arg.to_str().unwrap(), "--as-of", AS_OF]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = String::from_utf8(run.stdout).unwrap();
    assert_eq!(
        text.trim_end(),
        "id,name,position,sequence,grade,hire_date,grade_date,birth_date,joined,2026Q1.k,2026Q2.k,2026Q3.k,2026Q4.k,2026H2.c"
    );
    // Without `age`, no birth date is asked for.
    std::fs::write(dir.join("scheme.yaml"), scheme.replace("{fact: age, max: 50}, ", "")).unwrap();
    let run = ladder(&["template", "--ladder", ladder_arg.to_str().unwrap(), "--as-of", AS_OF]);
    assert!(!String::from_utf8(run.stdout).unwrap().contains("birth_date"));
    // The workbook formats the date fact `joined` as a date.
    let path = dir.join("t.xlsx");
    let run = ladder(&["template", "--ladder", ladder_arg.to_str().unwrap(), "--as-of", AS_OF, "--output", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sheet = part(&path, "xl/worksheets/sheet1.xml");
    assert_eq!(col_style(&sheet, 8), col_style(&sheet, 6), "joined (column 8) is a date like hire_date");
}
