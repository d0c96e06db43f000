//! The analyst's world (issue 6): Excel workbooks in, Chinese headers and
//! GBK exports, the JSON Schema of the scheme YAML checked by an independent
//! validator, shell completions and the man page, the `html` report opened in
//! a real (headless) browser, and `--version`.
//!
//! Two tests need programs from outside Rust and FAIL when they are missing,
//! so CI never passes by skipping them: Python with `jsonschema` and `yaml`
//! (skip with LADDER_SKIP_PYTHON=1) and Chromium (skip with
//! LADDER_SKIP_CHROMIUM=1). `.ci/run` installs both.

use super::harness::{ladder as run, s, Test, ROOT};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::Value;
use std::path::{Path, PathBuf};

const TELECOM_CSV: &str = "examples/telecom-after-sales.csv";
const TELECOM_SCORES: &str = "examples/telecom-after-sales-scores.csv";

fn workdir(name: &str) -> PathBuf {
    super::harness::workdir("analyst", name)
}

// ---------------------------------------------------------------- Excel in

const DATE_COLUMNS: [&str; 6] = ["hire_date", "grade_date", "birth_date", "入职日期", "任职日期", "出生日期"];

/// Writes a CSV file's cells into a real workbook, the way an analyst's sheet
/// holds them: dates in date columns as Excel dates with a date format,
/// numbers as numbers — except every third one, stored as text ("numbers
/// stored as text", Excel's green triangle) — and everything else as text.
fn workbook_from_csv(csv_path: &Path, xlsx_path: &Path, sheet: &str) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(csv_path).unwrap();
    let mut book = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    let other_date_format = Format::new().set_num_format("d mmm yyyy");
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    let mut headers = Vec::new();
    let mut numbers = 0usize;
    for (r, record) in reader.records().enumerate() {
        let record = record.unwrap();
        if r == 0 {
            headers = record.iter().map(str::to_string).collect();
        }
        for (c, cell) in record.iter().enumerate() {
            let (row, col) = (r as u32, c as u16);
            if cell.is_empty() {
                continue;
            }
            let is_date_column = r > 0 && DATE_COLUMNS.contains(&headers[c].as_str());
            let date = chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d").ok().filter(|_| is_date_column);
            if let Some(d) = date {
                use chrono::Datelike;
                let excel = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).unwrap();
                let format = if r % 2 == 0 { &date_format } else { &other_date_format };
                ws.write_date_with_format(row, col, &excel, format).unwrap();
                continue;
            }
            match cell.parse::<f64>() {
                // Only cells whose text is the number's shortest form: `85.50` stays text.
                Ok(f) if r > 0 && f.is_finite() && f.to_string() == cell => {
                    numbers += 1;
                    if numbers % 3 == 0 {
                        ws.write_string(row, col, cell).unwrap();
                    } else {
                        ws.write_number(row, col, f).unwrap();
                    }
                }
                _ => {
                    ws.write_string(row, col, cell).unwrap();
                }
            }
        }
    }
    book.save(xlsx_path).unwrap();
}

#[test]
fn a_workbook_gives_byte_identical_results_to_the_csv() {
    let dir = workdir("identical");
    let xlsx = dir.join("staff.xlsx");
    workbook_from_csv(&Path::new(ROOT).join(TELECOM_CSV), &xlsx, "员工");
    for format in ["ndjson", "csv", "table"] {
        let from_csv = run(&["evaluate", "--as-of", "2026-12-31", "--format", format, "--scores", TELECOM_SCORES, TELECOM_CSV]);
        let from_xlsx = run(&["evaluate", "--as-of", "2026-12-31", "--format", format, "--scores", TELECOM_SCORES, s(&xlsx)]);
        assert_eq!(from_csv.code, 3, "the example has rows in error");
        assert_eq!(from_xlsx.code, from_csv.code, "{format}: {}", from_xlsx.stderr);
        assert_eq!(from_xlsx.stdout, from_csv.stdout, "{format}");
        // Row errors name the same lines: spreadsheet rows are CSV lines.
        assert_eq!(from_xlsx.stderr.replace(s(&xlsx), TELECOM_CSV), from_csv.stderr, "{format}");
        assert!(from_csv.stderr.contains(&format!("{TELECOM_CSV}:7: E006")), "{}", from_csv.stderr);
    }
    // `explain` and `what-if` read workbooks too.
    let csv = run(&["explain", "E003", "--as-of", "2026-12-31", TELECOM_CSV]);
    let book = run(&["explain", "E003", "--as-of", "2026-12-31", s(&xlsx)]);
    assert_eq!((book.code, book.stdout.replace(s(&xlsx), TELECOM_CSV)), (csv.code, csv.stdout.clone()));
    assert!(csv.stdout.contains("line 4 of"), "the employee's row");
    let csv = run(&["what-if", "E003", "--set", "grade_date=2025-09-01", "--as-of", "2026-12-31", TELECOM_CSV]);
    let book = run(&["what-if", "E003", "--set", "grade_date=2025-09-01", "--as-of", "2026-12-31", "--sheet", "员工", s(&xlsx)]);
    assert_eq!((book.code, book.stdout.replace(s(&xlsx), TELECOM_CSV)), (csv.code, csv.stdout.clone()));
}

#[test]
fn json_meta_names_the_workbook_and_its_sha256() {
    use sha2::Digest;
    let dir = workdir("meta");
    let xlsx = dir.join("staff.xlsx");
    workbook_from_csv(&Path::new(ROOT).join(TELECOM_CSV), &xlsx, "Sheet1");
    let out = run(&["evaluate", "--as-of", "2026-12-31", "--format", "json", s(&xlsx)]);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let sha = format!("{:x}", sha2::Sha256::digest(std::fs::read(&xlsx).unwrap()));
    assert_eq!(doc["meta"]["inputs"][0]["path"], s(&xlsx));
    assert_eq!(doc["meta"]["inputs"][0]["sha256"], sha.as_str());
}

/// What each kind of cell becomes, checked on the CSV text the sheet turns into.
#[test]
fn excel_cells_read_as_a_person_reads_them() {
    let dir = workdir("cells");
    let xlsx = dir.join("cells.xlsx");
    let mut book = Workbook::new();
    let ymd = Format::new().set_num_format("yyyy-mm-dd");
    let chinese_date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let with_time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let ws = book.add_worksheet();
    for (c, h) in ["id", "name", "hire_date", "grade_date", "a", "b", "c", "d", "e", "f", "g"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "E1").unwrap();
    ws.write_string(1, 1, "<b>张伟</b>\n二").unwrap();
    ws.write_date_with_format(1, 2, ExcelDateTime::from_ymd(2024, 3, 5).unwrap(), &ymd).unwrap();
    ws.write_date_with_format(1, 3, ExcelDateTime::from_ymd(2023, 12, 31).unwrap(), &chinese_date).unwrap();
    ws.write_number(1, 4, 85.0).unwrap();
    ws.write_number(1, 5, 85.25).unwrap();
    ws.write_string(1, 6, "85").unwrap();
    ws.write_number(1, 7, 0.1 + 0.2).unwrap();
    ws.write_boolean(1, 8, true).unwrap();
    ws.write_datetime_with_format(1, 9, ExcelDateTime::from_ymd(2024, 3, 5).unwrap().and_hms(8, 30, 0).unwrap(), &with_time).unwrap();
    ws.write_number(1, 10, 97.1).unwrap();
    ws.write_string(3, 0, "E2").unwrap();
    ws.write_number(3, 4, 1e-7).unwrap();
    book.save(&xlsx).unwrap();

    let (text, sheet) = ladder::input::workbook::sheet_to_string(s(&xlsx), None).unwrap();
    assert_eq!(sheet.name, "Sheet1");
    assert_eq!(sheet.rows, 4);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,name,hire_date,grade_date,a,b,c,d,e,f,g");
    assert_eq!(lines[1], "E1,<b>张伟</b> 二,2024-03-05,2023-12-31,85,85.25,85,0.3,true,2024-03-05 08:30:00,97.1");
    assert_eq!(lines[2], ",,,,,,,,,,", "an empty row stays a line, so later lines keep their row numbers");
    assert_eq!(lines[3], "E2,,,,0.0000001,,,,,,");
    assert_eq!(lines.len(), 4);
}

/// A scheme small enough to write by hand, for workbooks made by hand.
const TINY_SCHEME: &str = "
scheme: tiny
composite: {kpi: 50, competency: 50}
bands: [{id: A, min: 80}, {id: B, min: 0}]
positions:
  - id: agent
    kpis: [{id: calls, weight: 60}, {id: quality, weight: 40}]
    competencies: {core: {weight: 100, items: [listening]}}
sequences:
  - id: skill
    grades:
      - {id: S1}
      - {id: S2, requires: [{fact: months_in_grade, min: 12}, {fact: kpi, min: 80}]}
";

const TINY_HEADER: [&str; 11] = [
    "id",
    "name",
    "position",
    "sequence",
    "grade",
    "hire_date",
    "grade_date",
    "2026Q3.calls",
    "2026Q3.quality",
    "2026Q4.calls",
    "2026Q4.quality",
];

fn tiny_scheme(dir: &Path) -> PathBuf {
    let path = dir.join("tiny.yaml");
    std::fs::write(&path, TINY_SCHEME).unwrap();
    path
}

/// Sheet `first` (a decoy) and sheet `staff`: an empty first row, the
/// header on row 2, a blank row 4, and a row in error on row 5.
fn tiny_workbook(path: &Path) {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    book.add_worksheet().set_name("first").unwrap().write_string(0, 0, "not the employees").unwrap();
    let ws = book.add_worksheet();
    ws.set_name("staff").unwrap();
    for (c, h) in TINY_HEADER.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let rows: [(u32, &str, &str); 2] = [(2, "A1", "S1"), (4, "A2", "S9")];
    for (row, id, grade) in rows {
        ws.write_string(row, 0, id).unwrap();
        ws.write_string(row, 1, "李娜").unwrap();
        ws.write_string(row, 2, "agent").unwrap();
        ws.write_string(row, 3, "skill").unwrap();
        ws.write_string(row, 4, grade).unwrap();
        ws.write_date_with_format(row, 5, ExcelDateTime::from_ymd(2024, 3, 5).unwrap(), &date).unwrap();
        ws.write_date_with_format(row, 6, ExcelDateTime::from_ymd(2024, 3, 5).unwrap(), &date).unwrap();
        ws.write_number(row, 7, 85.25).unwrap();
        ws.write_number(row, 8, 90.0).unwrap();
        ws.write_string(row, 9, "80").unwrap();
        ws.write_number(row, 10, 85.0).unwrap();
    }
    book.save(path).unwrap();
}

#[test]
fn sheet_choice_row_numbers_and_a_missing_sheet() {
    let dir = workdir("sheets");
    let scheme = tiny_scheme(&dir);
    let xlsx = dir.join("staff.xlsx");
    tiny_workbook(&xlsx);
    let run_with = |extra: &[&str]| {
        let mut a = vec!["evaluate", "--ladder", s(&scheme), "--as-of", "2026-12-31", "--format", "ndjson"];
        a.extend_from_slice(extra);
        a.push(s(&xlsx));
        run(&a)
    };

    let out = run_with(&["--sheet", "staff"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let rows: Vec<Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2);
    // 2026Q3: 0.6 × 85.25 + 0.4 × 90 = 87.15; 2026Q4 (80 stored as text): 0.6 × 80 + 0.4 × 85 = 82; kpi 84.58 (84.575 rounded).
    assert_eq!(rows[0]["id"], "A1");
    assert_eq!(rows[0]["kpi"].to_string(), "84.58");
    assert_eq!(rows[0]["status"], "promote", "the Excel date 2024-03-05 gives 33 months in grade");
    assert_eq!(rows[1]["status"], "error");
    assert!(out.stderr.contains(&format!("{}:5: A2: grade: `S9`", s(&xlsx))), "spreadsheet row 5: {}", out.stderr);

    // Without --sheet the first sheet is read, and it is not an employee file.
    let first = run_with(&[]);
    assert_eq!(first.code, 1);
    assert!(first.stderr.contains("missing the required column `id`"), "{}", first.stderr);

    let missing = run_with(&["--sheet", "Staff 2026"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stdout.is_empty());
    assert!(missing.stderr.contains("no sheet named `Staff 2026`; the workbook's sheets are `first`, `staff`"), "{}", missing.stderr);
}

#[test]
fn sheet_on_a_csv_is_a_usage_error() {
    let out = run(&["evaluate", "--sheet", "staff", TELECOM_CSV]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--sheet") && out.stderr.contains("not a workbook"), "{}", out.stderr);
    let out = run(&["explain", "E001", "--sheet", "staff", TELECOM_CSV]);
    assert_eq!(out.code, 2);
}

#[test]
fn a_broken_workbook_is_reported_not_a_panic() {
    let dir = workdir("broken");
    let fake = dir.join("staff.xlsx");
    std::fs::write(&fake, "id,name\nE1,x\n").unwrap();
    let out = run(&["evaluate", s(&fake)]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("not a readable Excel (.xlsx) workbook"), "{}", out.stderr);
}

// ------------------------------------------------------- labels in Chinese

#[test]
fn lang_zh_labels_the_table_in_chinese_and_leaves_machine_formats_alone() {
    let out = run(&["evaluate", "--lang", "zh", "--as-of", "2026-12-31", "--scores", TELECOM_SCORES, TELECOM_CSV]);
    assert_eq!(out.code, 3);
    let header = out.stdout.lines().find(|l| l.contains("工号")).expect("a Chinese header");
    for label in ["姓名", "职级", "综合得分", "结论", "建议职级", "原因"] {
        assert!(header.contains(label), "{label} in {header}");
    }
    for word in ["晋升", "保持", "已到顶", "降级", "错误"] {
        assert!(out.stdout.contains(&format!("┆ {word}")), "status word {word}");
    }
    assert!(!out.stdout.contains("┆ promote"));
    assert!(out.stdout.trim_end().ends_with("共 35 人：晋升 10，保持 17，已到顶 2，降级 3，错误 3"), "{}", out.stdout);
    for format in ["ndjson", "csv", "json"] {
        let zh = run(&["evaluate", "--lang", "zh", "--format", format, "--as-of", "2026-12-31", TELECOM_CSV]);
        let en = run(&["evaluate", "--format", format, "--as-of", "2026-12-31", TELECOM_CSV]);
        assert_eq!(zh.stdout, en.stdout, "{format}");
    }
}

/// The whole Chinese table of the customer-service example, as a reviewer sees it.
#[test]
fn lang_zh_table_snapshot() {
    let out = run(&["evaluate", "--ladder", "customer-service", "--lang", "zh", "--as-of", "2026-12-31", "examples/customer-service.csv"]);
    insta::assert_snapshot!(format!("exit: {}\n--- stdout\n{}--- stderr\n{}", out.code, out.stdout, out.stderr));
}

// ------------------------------------------------------- shell conventions

#[test]
fn bash_completions_load_in_bash() {
    let bin = std::path::PathBuf::from(super::harness::BIN);
    let script = format!("source <('{}' completions bash) && complete -p ladder", bin.display());
    let out = std::process::Command::new("bash").args(["-c", &script]).output().expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("complete") && stdout.contains("ladder"), "{stdout}");
    // The completion knows the subcommands and the new flags.
    let text = run(&["completions", "bash"]).stdout;
    for word in ["evaluate", "explain", "what-if", "completions", "--sheet", "--lang", "html"] {
        assert!(text.contains(word), "{word}");
    }
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(out.stdout.contains("ladder") && out.stdout.contains("evaluate"), "{shell}");
    }
    assert_eq!(run(&["completions", "tcsh"]).code, 2);
}

#[test]
fn the_man_page_has_every_subcommand() {
    let out = run(&["man"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with(".ie") || out.stdout.contains(".TH ladder"), "roff: {}", &out.stdout[..200.min(out.stdout.len())]);
    for sub in ["evaluate", "check", "explain", "what\\-if", "show", "schema", "completions", "man"] {
        assert!(out.stdout.contains(sub), "{sub}");
    }
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    for sub in ["evaluate", "check", "explain", "what-if", "show", "schema", "completions", "man"] {
        let out = run(&[sub, "--help"]);
        assert_eq!(out.code, 0, "{sub}");
        assert!(out.stdout.contains("Examples:\n  ladder "), "{sub}: {}", out.stdout);
    }
}

#[test]
fn version_names_the_git_revision() {
    let out = run(&["--version"]);
    assert_eq!(out.code, 0);
    let line = out.stdout.trim_end();
    let rest = line.strip_prefix(&format!("ladder {} (", env!("CARGO_PKG_VERSION"))).unwrap_or_else(|| panic!("{line}"));
    let revision = rest.strip_suffix(')').unwrap();
    let in_git = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(ROOT)
        .output()
        .is_ok_and(|o| o.status.success());
    if in_git {
        assert!(revision.len() >= 4 && revision.chars().all(|c| c.is_ascii_hexdigit()), "{line}");
    } else {
        assert_eq!(revision, "unknown");
    }
}

#[test]
fn no_colour_unless_a_terminal_asks_for_it() {
    let args = ["evaluate", "--as-of", "2026-12-31", TELECOM_CSV];
    // Piped (not a terminal): no escape codes, with or without NO_COLOR.
    let piped = Test::new().env_remove("NO_COLOR").args(args).run_bytes();
    assert!(!piped.stdout.contains(&0x1b), "no ANSI escapes when stdout is a pipe");
    // On a terminal (script(1) gives the command a pty): colour, unless NO_COLOR is set.
    let Some(coloured) = Test::new().env_remove("NO_COLOR").args(args).run_on_terminal() else { return };
    assert!(coloured.contains(&0x1b), "a terminal gets colour");
    let plain = Test::new().env_remove("NO_COLOR").env("NO_COLOR", "1").args(args).run_on_terminal().expect("script is there");
    assert!(!plain.contains(&0x1b), "NO_COLOR=1 turns it off");
}

/// Runs `cmd` to the end, killing it (and failing the test) after `limit`:
/// a browser that hangs must not hang the test run.
fn output_within(mut cmd: std::process::Command, limit: std::time::Duration) -> std::process::Output {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the program starts");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stderr.read_to_end(&mut buf).map(|_| buf)
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    std::process::Output { status, stdout: out.join().unwrap().unwrap(), stderr: err.join().unwrap().unwrap() }
}

fn which(program: &str) -> Result<PathBuf, ()> {
    super::harness::which(program).ok_or(())
}

#[test]
fn quiet_and_status_filters() {
    let loud = run(&["evaluate", "--as-of", "2026-12-31", "--format", "ndjson", TELECOM_CSV]);
    assert!(loud.stderr.contains("row error:"));
    let quiet = run(&["evaluate", "--quiet", "--as-of", "2026-12-31", "--format", "ndjson", TELECOM_CSV]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (3, ""), "--quiet prints nothing on stderr");
    let some = run(&["evaluate", "--status", "promote,demote", "--as-of", "2026-12-31", "--format", "ndjson", TELECOM_CSV]);
    let statuses: Vec<String> =
        some.stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["status"].as_str().unwrap().to_string()).collect();
    assert!(statuses.iter().any(|s| s == "promote") && statuses.iter().any(|s| s == "demote"));
    assert!(statuses.iter().all(|s| s == "promote" || s == "demote"), "{statuses:?}");
    assert_eq!(some.code, 3, "rows in error count even when not printed");
}

// -------------------------------------------------------------- html report

fn html_report(dir: &Path, extra: &[&str]) -> PathBuf {
    let page = dir.join("report.html");
    let mut args = vec!["evaluate", "--format", "html", "--as-of", "2026-12-31", "--scores", TELECOM_SCORES, "--output", s(&page)];
    args.extend_from_slice(extra);
    args.push(TELECOM_CSV);
    let out = run(&args);
    assert_eq!(out.code, 3, "{}", out.stderr);
    page
}

#[test]
fn the_html_report_is_one_self_contained_page() {
    let dir = workdir("html-static");
    let html = std::fs::read_to_string(html_report(&dir, &[])).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["http://", "https://", "src=", "<link", "@import", "url(http"] {
        assert!(!html.contains(external), "no external resource: {external}");
    }
    assert_eq!(html.matches("<tr data-i=").count(), 35, "one row per employee");
    assert_eq!(html.matches("<svg class=\"histogram\"").count(), 9, "one histogram per grade with composites");
    assert!(html.contains("<svg id=\"ladder\""));
    assert_eq!(html.matches("<g class=\"grade\"").count(), 9, "every grade of the ladder");
    assert_eq!(html.matches("<path class=\"bridge\"").count(), 3, "every bridge");
    assert!(html.contains("<table id=\"by-grade\">"));
    assert!(html.contains("months_in_grade &gt;= 6 (found 3)"), "unmet rules, escaped");
    // The same inputs give the same bytes.
    let again = std::fs::read_to_string(html_report(&workdir("html-static-2"), &[])).unwrap();
    assert_eq!(html.replace("html-static-2", "html-static"), again.replace("html-static-2", "html-static"));
    // Chinese labels.
    let zh = std::fs::read_to_string(html_report(&workdir("html-zh"), &["--lang", "zh"])).unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">") && zh.contains(">晋升<") && zh.contains(">结论</th>"));
}

#[test]
fn the_html_report_escapes_every_text() {
    let dir = workdir("html-escape");
    let scheme = tiny_scheme(&dir);
    let csv = dir.join("staff.csv");
    std::fs::write(
        &csv,
        format!(
            "{}\nX1,<script>alert(1)</script>,agent,skill,S1,2024-03-05,2024-03-05,85,90,80,85\n\"<img src=x onerror=alert(2)>\",\"a&b \"\"q\"\"\",agent,skill,<b>S9</b>,2024-03-05,2024-03-05,85,90,80,85\n",
            TINY_HEADER.join(",")
        ),
    )
    .unwrap();
    let out = run(&["evaluate", "--ladder", s(&scheme), "--format", "html", "--as-of", "2026-12-31", s(&csv)]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    let html = out.stdout;
    assert!(!html.contains("<script>alert"), "a name is never markup");
    assert!(!html.contains("<img"), "an id is never markup");
    assert!(!html.contains("<b>S9"), "a grade is never markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b &quot;q&quot;"));
    assert_eq!(html.matches("<script>").count(), 1, "only the page's own script");
}

/// Opens the report in headless Chromium: the page renders (screenshot kept
/// under target/), its script runs, and sorting by a column reorders the rows.
#[test]
fn the_html_report_renders_and_sorts_in_a_browser() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|c| which(c).ok()) else {
        if std::env::var_os("LADDER_SKIP_CHROMIUM").is_some_and(|v| v == "1") {
            eprintln!("skipped: chromium is missing and LADDER_SKIP_CHROMIUM=1");
            return;
        }
        panic!("chromium is needed to test the html report (.ci/run installs it; LADDER_SKIP_CHROMIUM=1 skips this test)");
    };
    let dir = workdir("html-browser");
    let page = html_report(&dir, &[]);
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let browse = |extra: &[String]| {
        let profile = tempfile::tempdir().unwrap();
        let mut cmd = std::process::Command::new(&chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--window-size=1280,2000",
        ]);
        cmd.arg(format!("--user-data-dir={}", profile.path().display())).args(extra);
        let out = output_within(cmd, std::time::Duration::from_secs(120));
        assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shot = dir.join("report.png");
    browse(&[format!("--screenshot={}", shot.display()), url.clone()]);
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "a real picture, not a blank page ({} bytes)", png.len());

    let composites = |dom: &str| -> Vec<Option<f64>> {
        dom.split("<tr data-i=")
            .skip(1)
            .map(|row| {
                // kpi, competency, composite are the first three numeric cells.
                let cells: Vec<&str> = row.split("<td class=\"n\" data-v=\"").skip(1).take(3).collect();
                let v = cells[2].split('"').next().unwrap();
                (!v.is_empty()).then(|| v.parse().unwrap())
            })
            .collect()
    };
    let dom = browse(&["--dump-dom".into(), url.clone()]);
    assert!(dom.contains("data-ready=\"1\""), "the page's script ran");
    assert_eq!(dom.matches("<tr data-i=").count(), 35, "every row rendered");
    assert!(!dom.contains("data-sorted="), "not sorted before a click");

    let sorted = browse(&["--dump-dom".into(), format!("{url}#sort=composite:desc")]);
    assert!(sorted.contains("data-sorted=\"composite:desc\""), "the sort ran");
    let values = composites(&sorted);
    assert_eq!(values.len(), 35);
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    assert!(present.windows(2).all(|w| w[0] >= w[1]), "descending: {present:?}");
    let first_blank = values.iter().position(Option::is_none).unwrap();
    assert!(values[first_blank..].iter().all(Option::is_none), "rows without a composite sort last");
    assert!(sorted.contains("aria-sort=\"descending\""));

    let by_id = browse(&["--dump-dom".into(), format!("{url}#sort=id:desc")]);
    let first_row = by_id.split("<tr data-i=").nth(1).unwrap();
    assert!(first_row.contains("<td>E035</td>"), "the last id first: {}", &first_row[..200.min(first_row.len())]);
}

// ---------------------------------------------- Chinese headers, GBK exports

/// The telecom example as a Chinese HR system exports it: Chinese headers
/// (the aliases of the built-in scheme's `columns:`, some the second header
/// of a list) and GBK bytes.
fn chinese_export(dir: &Path) -> PathBuf {
    let renames = [
        ("id", "员工编号"),
        ("name", "姓名"),
        ("position", "岗位"),
        ("sequence", "序列"),
        ("grade", "职级"),
        ("hire_date", "入职日期"),
        ("grade_date", "任职日期"),
        ("birth_date", "出生日期"),
        ("education", "学历"),
        ("customer_satisfaction", "客户满意度"),
        ("first_contact_resolution", "一次性解决率"),
        ("onsite_services", "现场服务次数"),
        ("tech_docs", "技术文档数"),
        ("large_projects", "大型项目数"),
        ("customer_commendations", "客户表扬次数"),
        ("internal_commendations", "内部表扬次数"),
        ("exam_passed", "通过考试"),
        ("major_incident", "重大事故"),
    ];
    let text = std::fs::read_to_string(Path::new(ROOT).join(TELECOM_CSV)).unwrap();
    let (header, body) = text.split_once('\n').unwrap();
    let header: Vec<String> =
        header.split(',').map(|h| renames.iter().find(|(en, _)| *en == h).map_or(h.to_string(), |(_, zh)| (*zh).to_string())).collect();
    assert!(header.iter().filter(|h| !h.is_ascii()).count() == renames.len(), "every renamed column is in the example");
    let utf8 = format!("{}\n{body}", header.join(","));
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(&utf8);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really GBK, not UTF-8");
    let path = dir.join("员工导出.csv");
    std::fs::write(&path, &bytes).unwrap();
    path
}

#[test]
fn a_gbk_export_with_chinese_headers_reads_like_the_english_csv() {
    let dir = workdir("chinese");
    let export = chinese_export(&dir);
    let english = run(&["evaluate", "--as-of", "2026-12-31", "--format", "ndjson", "--scores", TELECOM_SCORES, TELECOM_CSV]);
    let chinese =
        run(&["evaluate", "--encoding", "gbk", "--as-of", "2026-12-31", "--format", "ndjson", "--scores", TELECOM_SCORES, s(&export)]);
    assert_eq!(chinese.code, english.code, "{}", chinese.stderr);
    // Messages name a column as the file spells it: 职级, not grade.
    assert!(chinese.stdout.contains("职级: `高级主管` is not a grade"), "{}", chinese.stdout);
    assert_eq!(chinese.stdout.replace("职级: `", "grade: `"), english.stdout);
    assert_eq!(chinese.stderr.replace(s(&export), TELECOM_CSV).replace("职级: `", "grade: `"), english.stderr);
    // Without --encoding the bytes are refused with a hint, never misread.
    let utf8 = run(&["evaluate", "--as-of", "2026-12-31", s(&export)]);
    assert_eq!(utf8.code, 1);
    assert!(utf8.stderr.contains("--encoding gbk"), "{}", utf8.stderr);
    // The table in Chinese, from a Chinese file.
    let table = run(&["evaluate", "--encoding", "auto", "--lang", "zh", "--as-of", "2026-12-31", s(&export)]);
    assert!(table.stdout.contains("工号") && table.stdout.contains("已到顶"), "{}", table.stdout);
}

#[test]
fn columns_aliases_are_checked_and_located() {
    let dir = workdir("columns");
    let scheme_with = |columns: &str| {
        let path = dir.join("scheme.yaml");
        let text = TINY_SCHEME.replace(
            "sequences:",
            &format!(
                "columns: {columns}\nrequires: [{{fact: education, min: 大专}}]\nscales: {{education: [中专, 大专, 本科]}}\nsequences:"
            ),
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    // A key that is neither a reserved field nor a fact a rule reads: a typo, located.
    let scheme = scheme_with("{id: [工号, 员工编号], educaton: 学历}");
    let out = run(&["check", "--ladder", s(&scheme)]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr.contains("scheme.yaml:9:") && out.stderr.contains("9 | columns: {id: [工号, 员工编号], educaton: 学历}"),
        "located: {}",
        out.stderr
    );
    assert!(out.stderr.contains("`educaton` is neither a reserved field"), "{}", out.stderr);
    let out = run(&["check", "--ladder", s(&scheme_with("{id: []}"))]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("`columns.id` lists no header"), "{}", out.stderr);
    let out = run(&["check", "--ladder", s(&scheme_with("{id: {a: b}}"))]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("a header name or a list of header names"), "{}", out.stderr);

    // A fact by its Chinese header; both names at once is ambiguous.
    let scheme = scheme_with("{id: [工号, 员工编号], education: [学历, 最高学历]}");
    let header = TINY_HEADER.join(",").replacen("id,", "员工编号,", 1);
    let row = "A1,李娜,agent,skill,S1,2024-03-05,2024-03-05,85,90,80,85";
    let file = dir.join("staff.csv");
    std::fs::write(&file, format!("{header},最高学历\n{row},本科\n")).unwrap();
    let out = run(&["evaluate", "--ladder", s(&scheme), "--as-of", "2026-12-31", "--format", "ndjson", s(&file)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("\"status\":\"promote\""), "{}", out.stdout);
    std::fs::write(&file, format!("{header},学历,education\n{row},本科,本科\n")).unwrap();
    let out = run(&["evaluate", "--ladder", s(&scheme), "--as-of", "2026-12-31", s(&file)]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("both `学历` and `education` name the `education` column"), "{}", out.stderr);
    std::fs::write(&file, format!("{header}\n{row}\n")).unwrap();
    let out = run(&["evaluate", "--ladder", s(&scheme), "--as-of", "2026-12-31", s(&file)]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("neither computed nor a column of this file (under that name or as `学历`, `最高学历`)"), "{}", out.stderr);
}

// ------------------------------------------------------ schema for editors

#[test]
fn the_shipped_schema_is_what_ladder_schema_prints() {
    let out = run(&["schema"]);
    assert_eq!(out.code, 0);
    let shipped = std::fs::read_to_string(Path::new(ROOT).join("ladders/ladder.schema.json")).unwrap();
    assert!(shipped == out.stdout, "ladders/ladder.schema.json is stale: run `cargo run -q -- schema > ladders/ladder.schema.json`");
    let schema: Value = serde_json::from_str(&shipped).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

fn built_in_yaml_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in std::fs::read_dir(Path::new(ROOT).join("ladders")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if matches!(f.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "both built-in schemes: {files:?}");
    files
}

#[test]
fn every_built_in_yaml_file_names_the_schema() {
    for f in built_in_yaml_files() {
        let text = std::fs::read_to_string(&f).unwrap();
        assert_eq!(text.lines().next(), Some("# yaml-language-server: $schema=../ladder.schema.json"), "{}", f.display());
    }
}

/// Validates every file of the built-in schemes with an independent
/// validator (Python's `jsonschema`), and checks that the same validator
/// rejects what the loader rejects for its shape.
#[test]
fn the_built_in_schemes_validate_against_the_schema() {
    let skip = std::env::var_os("LADDER_SKIP_PYTHON").is_some_and(|v| v == "1");
    let probe = std::process::Command::new("python3").args(["-c", "import jsonschema, yaml"]).output();
    match probe {
        Ok(o) if o.status.success() => {}
        _ if skip => {
            eprintln!("skipped: python3 with jsonschema and yaml is missing and LADDER_SKIP_PYTHON=1");
            return;
        }
        _ => panic!(
            "python3 with the jsonschema and yaml modules is needed (.ci/run installs them: python3 -m pip install jsonschema pyyaml; LADDER_SKIP_PYTHON=1 skips this test)"
        ),
    }
    const SCRIPT: &str = r#"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    expect_valid = not path.endswith(".invalid.yaml")
    errors = list(validator.iter_errors(doc))
    if bool(errors) == expect_valid:
        bad += 1
        print("UNEXPECTED", "invalid" if errors else "valid", path, [e.message for e in errors][:3])
    else:
        print("ok", path)
sys.exit(1 if bad else 0)
"#;
    let dir = workdir("schema");
    // Shapes the loader rejects: the validator must reject them too (else the check above proves nothing).
    let invalid = [
        ("unknown-key", "scheme: x\nscheem: y\n"),
        ("misspelt-weight", "positions: [{id: a, kpis: [{id: k, wieght: 100}]}]\n"),
        ("rule-operator", "requires: [{fact: kpi, atleast: 60}]\n"),
        ("rule-nested", "sequences: [{id: s, grades: [{id: G1}, {id: G2, requires: {any: [{not: {fact: kpi}}]}}]}]\n"),
        ("streak-without-quarters", "demotion: {streak: kpi, below: 60}\n"),
        ("review-text", "review: {quarters: four, halves: 2}\n"),
        ("columns-number", "columns: {id: [工号, 3]}\n"),
    ];
    let mut args = vec![Path::new(ROOT).join("ladders/ladder.schema.json")];
    args.extend(built_in_yaml_files());
    for (name, text) in invalid {
        let path = dir.join(format!("{name}.invalid.yaml"));
        std::fs::write(&path, text).unwrap();
        let loader = run(&["check", "--ladder", s(&path)]);
        assert_eq!(loader.code, 1, "the loader rejects {name} too");
        args.push(path);
    }
    let valid = dir.join("all-forms.yaml");
    std::fs::write(
        &valid,
        "requires:\n  - {fact: kpi, min: 60, max: 100}\n  - all: [{fact: band, min: B}, {months_since: joined, above: 6}]\n  - any: [{fact: exam_passed, is: true}, {not: {fact: education, below: 大专}}]\ndemotion: {streak: kpi, quarters: 2, below: 60}\ncolumns: {id: 工号, name: [姓名, 名字]}\nscales: {competency: {min: 1, max: 5}, education: [中专, 大专]}\n",
    )
    .unwrap();
    args.push(valid);
    let out = std::process::Command::new("python3").arg("-c").arg(SCRIPT).args(&args).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{report}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(report.lines().filter(|l| l.starts_with("ok ")).count(), args.len() - 1, "{report}");
}
