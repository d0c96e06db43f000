//! The header where HR exports put it (issue 13 item 2, SPEC §3): title rows
//! above the header, a blank row, a two-level header (a period group merged
//! over the item names), `--header-row N`, all-blank rows among the data,
//! and no qualifying row in the first ten. Each file, CSV or workbook
//! (written by rust_xlsxwriter, with merged cells as Excel exports them),
//! must evaluate to exactly what the same data gives as a clean CSV; line
//! numbers in messages stay the file's (the sheet's) rows.

use super::harness::{ladder, s, Run, ROOT};
use rust_xlsxwriter::Workbook;
use serde_json::Value;
use std::path::{Path, PathBuf};

const CLEAN: &str = "examples/customer-service.csv";
const LADDER: &str = "customer-service";
const AS_OF: &str = "2026-12-31";
const TITLE: &str = "2026年度客服序列晋升评审名单（人力资源部导出）";

/// `evaluate` of `file` in `format`, with `extra` arguments.
fn evaluate(file: &str, format: &str, extra: &[&str]) -> Run {
    let mut args = vec!["evaluate", "--ladder", LADDER, "--as-of", AS_OF, "-f", format];
    args.extend_from_slice(extra);
    args.push(file);
    ladder(&args)
}

fn workdir(name: &str) -> PathBuf {
    super::harness::workdir("header_rows", name)
}

/// The clean example: its header and its rows.
fn clean() -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(Path::new(ROOT).join(CLEAN)).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for row in rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn blank_row(width: usize) -> Vec<String> {
    vec![String::new(); width]
}

/// The header as two rows, as a Chinese HR export has it: the plain columns
/// in the upper row (merged down over the lower one), each period once over
/// its items (merged across them), the item names in the lower row.
fn two_levels(header: &[String]) -> (Vec<String>, Vec<String>) {
    let mut upper = Vec::new();
    let mut lower = Vec::new();
    let mut group = "";
    for h in header {
        match h.split_once('.') {
            Some((period, item)) => {
                upper.push(if period == group { String::new() } else { period.to_string() });
                group = period;
                lower.push(item.to_string());
            }
            None => {
                upper.push(h.clone());
                lower.push(String::new());
            }
        }
    }
    (upper, lower)
}

/// Merged cells, as Excel keeps them: (first row, first column, last row, last column, text).
type Merge = (u32, u16, u32, u16, String);

/// The merges of a two-level header whose upper row is sheet row `row` (0-based).
fn header_merges(upper: &[String], row: u32) -> Vec<Merge> {
    let mut merges = Vec::new();
    let mut c = 0;
    while c < upper.len() {
        let next = (c + 1..upper.len()).find(|&n| !upper[n].is_empty()).unwrap_or(upper.len());
        let is_period = upper[c].len() == 6 && upper[c].as_bytes()[4].is_ascii_alphabetic();
        if is_period {
            if next - c > 1 {
                merges.push((row, c as u16, row, (next - 1) as u16, upper[c].clone()));
            }
        } else {
            merges.push((row, c as u16, row + 1, c as u16, upper[c].clone()));
        }
        c = if is_period { next } else { c + 1 };
    }
    merges
}

/// Writes the rows into a workbook as text cells, then the merges over them.
fn workbook(path: &Path, rows: &[Vec<String>], merges: &[Merge]) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let merged = merges.iter().any(|(r1, c1, r2, c2, _)| (*r1..=*r2).contains(&(r as u32)) && (*c1..=*c2).contains(&(c as u16)));
            if !cell.is_empty() && !merged {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    for (r1, c1, r2, c2, text) in merges {
        sheet.merge_range(*r1, *c1, *r2, *c2, text, &rust_xlsxwriter::Format::new()).unwrap();
    }
    book.save(path).unwrap();
}

/// The clean CSV's results, in csv and json (without `meta`, which names
/// the file): run once and shared by every comparison, as they cannot differ.
fn expected() -> (String, Value) {
    static EXPECTED: std::sync::OnceLock<(String, Value)> = std::sync::OnceLock::new();
    EXPECTED
        .get_or_init(|| {
            let csv = evaluate(CLEAN, "csv", &[]);
            assert_eq!(csv.code, 3, "the example has two rows in error: {}", csv.stderr);
            let json = evaluate(CLEAN, "json", &[]);
            (csv.stdout, results(&json.stdout))
        })
        .clone()
}

fn results(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).expect("json output");
    v.as_object_mut().unwrap().remove("meta");
    v
}

/// `file` evaluates exactly as the clean CSV; returns the csv run's stderr.
fn same_as_clean(file: &str, extra: &[&str]) -> String {
    let (csv, json) = expected();
    let run = evaluate(file, "csv", extra);
    assert_eq!(run.code, 3, "{file}: {}", run.stderr);
    assert_eq!(run.stdout, csv, "{file}: csv output differs from the clean CSV's");
    let run_json = evaluate(file, "json", extra);
    assert_eq!(results(&run_json.stdout), json, "{file}: json results differ from the clean CSV's");
    run.stderr
}

#[test]
fn a_title_row_above_the_header_is_skipped_with_a_note() {
    let dir = workdir("title");
    let (header, rows) = clean();
    let width = header.len();
    let mut all = vec![vec![TITLE.to_string()].into_iter().chain(blank_row(width - 1)).collect::<Vec<_>>(), header];
    all.extend(rows);
    let csv = dir.join("title.csv");
    std::fs::write(&csv, csv_text(&all)).unwrap();
    let stderr = same_as_clean(s(&csv), &[]);
    assert!(stderr.contains("note: ") && stderr.contains("the header is line 2"), "{stderr}");
    // The row errors name the file's lines: C004 is the example's line 5, one further down here.
    assert!(stderr.contains("title.csv:6: C004: hire_date"), "{stderr}");

    let xlsx = dir.join("title.xlsx");
    workbook(&xlsx, &all, &[(0, 0, 0, (width - 1) as u16, TITLE.to_string())]);
    let stderr = same_as_clean(s(&xlsx), &[]);
    assert!(stderr.contains("title.xlsx: the header is line 2"), "{stderr}");
    assert!(stderr.contains("title.xlsx:6: C004: hire_date"), "{stderr}");
    // Saved by Excel on a Chinese system: GBK, CRLF line ends; read through the decoder.
    let gbk = dir.join("title-gbk.csv");
    let text = csv_text(&all).replace('\n', "\r\n");
    std::fs::write(&gbk, encoding_rs::GBK.encode(&text).0).unwrap();
    let stderr = same_as_clean(s(&gbk), &["--encoding", "gbk"]);
    assert!(stderr.contains("title-gbk.csv: the header is line 2") && stderr.contains("title-gbk.csv:6: C004"), "{stderr}");
    // --quiet keeps stderr empty.
    let quiet = evaluate(s(&xlsx), "csv", &["--quiet"]);
    assert_eq!(quiet.stderr, "");
}

/// A title, a blank row, a two-level header (rows 3–4) and the data from row 5.
fn title_blank_two_levels() -> Vec<Vec<String>> {
    let (header, rows) = clean();
    let width = header.len();
    let (upper, lower) = two_levels(&header);
    let mut all = vec![vec![TITLE.to_string()].into_iter().chain(blank_row(width - 1)).collect(), blank_row(width), upper, lower];
    all.extend(rows);
    all
}

#[test]
fn a_two_level_header_below_a_title_and_a_blank_row() {
    let dir = workdir("two_levels");
    let all = title_blank_two_levels();
    assert!(all[2].contains(&"2026Q3".to_string()) && all[3].contains(&"invoicing".to_string()));
    let csv = dir.join("two_levels.csv");
    std::fs::write(&csv, csv_text(&all)).unwrap();
    let stderr = same_as_clean(s(&csv), &[]);
    assert!(stderr.contains("the header is lines 3–4 (a two-level header"), "{stderr}");
    // Example line 5 (C004) is line 5 + 3 here: title, blank row, second level.
    assert!(stderr.contains("two_levels.csv:8: C004: hire_date"), "{stderr}");

    let xlsx = dir.join("two_levels.xlsx");
    let width = all[2].len() as u16;
    let mut merges = vec![(0, 0, 0, width - 1, TITLE.to_string())];
    merges.extend(header_merges(&all[2], 2));
    assert!(merges.iter().any(|m| m.4 == "2026Q3" && m.3 > m.1), "a group merged across its items");
    workbook(&xlsx, &all, &merges);
    let stderr = same_as_clean(s(&xlsx), &[]);
    assert!(stderr.contains("two_levels.xlsx: the header is lines 3–4"), "{stderr}");
    assert!(stderr.contains("two_levels.xlsx:8: C004: hire_date"), "{stderr}");

    // explain and what-if (the in-memory reader) find the same header: the
    // same explanation as from the clean CSV, and the same record as the batch.
    for file in [s(&csv), s(&xlsx)] {
        let ours = ladder(&["explain", "C001", "--ladder", LADDER, "--as-of", AS_OF, "-f", "json", file]);
        let theirs = ladder(&["explain", "C001", "--ladder", LADDER, "--as-of", AS_OF, "-f", "json", CLEAN]);
        assert_eq!(ours.code, 0, "{}", ours.stderr);
        let (mut ours_v, mut theirs_v) = (results(&ours.stdout), results(&theirs.stdout));
        // The employee's line is the file's: three rows further down (title, blank row, second level).
        assert_eq!((ours_v["employee"]["line"].as_u64(), theirs_v["employee"]["line"].as_u64()), (Some(5), Some(2)));
        ours_v["employee"].as_object_mut().unwrap().remove("line");
        theirs_v["employee"].as_object_mut().unwrap().remove("line");
        assert_eq!(ours_v, theirs_v);
        assert!(ours.stderr.contains("the header is lines 3–4"), "{}", ours.stderr);
        let bad = ladder(&["explain", "C004", "--ladder", LADDER, "--as-of", AS_OF, file]);
        assert_eq!(bad.code, 3);
        let what_if = ladder(&["what-if", "C002", "--set", "hire_date=2026-03-01", "--ladder", LADDER, "--as-of", AS_OF, file]);
        let clean = ladder(&["what-if", "C002", "--set", "hire_date=2026-03-01", "--ladder", LADDER, "--as-of", AS_OF, CLEAN]);
        assert_eq!((what_if.code, &what_if.stdout), (clean.code, &clean.stdout), "{}", what_if.stderr);
    }
    // The batch's record of C001 is explain's.
    let batch: Value = serde_json::from_str(&evaluate(s(&xlsx), "json", &[]).stdout).unwrap();
    let explained: Value =
        serde_json::from_str(&ladder(&["explain", "C001", "--ladder", LADDER, "--as-of", AS_OF, "-f", "json", s(&xlsx)]).stdout).unwrap();
    let record = batch["results"].as_array().unwrap().iter().find(|r| r["id"] == "C001").unwrap();
    for field in ["kpi", "competency", "composite", "rank_pct"] {
        assert_eq!(record[field], explained["figures"][field], "{field}");
    }
    assert_eq!(record["band"], explained["figures"]["band"]["id"]);
    for field in ["status", "recommended_grade", "next_grade", "unmet"] {
        assert_eq!(record[field], explained["decision"][field], "{field}");
    }
}

#[test]
fn header_row_names_the_header_and_counts_every_row() {
    let dir = workdir("named");
    let (header, rows) = clean();
    let width = header.len();
    // Twelve rows of titles and notes: the header (row 13) is past the search.
    let mut all: Vec<Vec<String>> = (0..12)
        .map(|i| {
            if i % 3 == 2 {
                blank_row(width)
            } else {
                vec![format!("{TITLE} 第{i}行")].into_iter().chain(blank_row(width - 1)).collect()
            }
        })
        .collect();
    all.push(header);
    all.extend(rows);
    let csv = dir.join("named.csv");
    std::fs::write(&csv, csv_text(&all)).unwrap();

    // (e) No row of the first ten qualifies: the first row's problems, and a line saying so.
    let run = evaluate(s(&csv), "csv", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("named.csv: line 1 (header): missing the required column `id`"), "{}", run.stderr);
    assert!(run.stderr.contains("no row of the first 10 has every required column"), "{}", run.stderr);
    assert!(run.stderr.contains("--header-row N"), "{}", run.stderr);

    // (c) --header-row 13 reads it, in the batch and in explain.
    same_as_clean(s(&csv), &["--header-row", "13"]);
    let xlsx = dir.join("named.xlsx");
    workbook(&xlsx, &all, &[]);
    let stderr = same_as_clean(s(&xlsx), &["--header-row", "13"]);
    assert!(stderr.contains("named.xlsx:17: C004"), "{stderr}");
    let explained = ladder(&["explain", "C001", "--ladder", LADDER, "--as-of", AS_OF, "--header-row", "13", s(&xlsx)]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);

    // A row that is not the header is refused as one, naming its line; a
    // blank row, or one past the end, is said to be so.
    let wrong = evaluate(s(&csv), "csv", &["--header-row", "14"]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("named.csv: line 14 (header): missing the required column"), "{}", wrong.stderr);
    let blank = evaluate(s(&csv), "csv", &["--header-row", "3"]);
    assert_eq!(blank.code, 1);
    assert!(blank.stderr.contains("--header-row 3: line 3 is blank"), "{}", blank.stderr);
    let past = evaluate(s(&xlsx), "csv", &["--header-row", "500"]);
    assert_eq!(past.code, 1);
    assert!(past.stderr.contains("--header-row 500: the file has no row 500"), "{}", past.stderr);
    let zero = evaluate(s(&csv), "csv", &["--header-row", "0"]);
    assert_eq!(zero.code, 2, "{}", zero.stderr);
}

#[test]
fn all_blank_rows_among_the_data_are_skipped() {
    let dir = workdir("blank_rows");
    let all = title_blank_two_levels();
    let width = all[0].len();
    // A blank row after every third employee, and two at the end.
    let mut spaced: Vec<Vec<String>> = all[..4].to_vec();
    for (i, row) in all[4..].iter().enumerate() {
        spaced.push(row.clone());
        if i % 3 == 0 {
            spaced.push(blank_row(width));
        }
    }
    spaced.push(blank_row(width));
    spaced.push(vec![" ".to_string(); width]);
    let csv = dir.join("blank_rows.csv");
    std::fs::write(&csv, csv_text(&spaced)).unwrap();
    let stderr = same_as_clean(s(&csv), &[]);
    // C004 is the fourth employee: one blank row after the first, so line 5 + 3 + 1.
    assert!(stderr.contains("blank_rows.csv:9: C004"), "{stderr}");
    let xlsx = dir.join("blank_rows.xlsx");
    let mut merges = vec![(0, 0, 0, (width - 1) as u16, TITLE.to_string())];
    merges.extend(header_merges(&spaced[2], 2));
    workbook(&xlsx, &spaced, &merges);
    let stderr = same_as_clean(s(&xlsx), &[]);
    assert!(stderr.contains("blank_rows.xlsx:9: C004"), "{stderr}");
}

#[test]
fn a_header_in_the_first_row_reads_as_before() {
    // No note for the usual file, and its messages still name line 1.
    let run = evaluate(CLEAN, "csv", &[]);
    assert!(!run.stderr.contains("note:"), "{}", run.stderr);
    let dir = workdir("plain");
    let (mut header, rows) = clean();
    header[0] = "staff_no".into();
    let mut all = vec![header];
    all.extend(rows);
    let csv = dir.join("plain.csv");
    std::fs::write(&csv, csv_text(&all)).unwrap();
    let run = evaluate(s(&csv), "csv", &[]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("plain.csv: line 1 (header): missing the required column `id` (or `工号`, `员工编号`)"), "{}", run.stderr);
}
