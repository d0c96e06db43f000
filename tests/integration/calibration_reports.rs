//! The calibration sheet in the reports (issue 17 item 3, SPEC §8.5): with a
//! `distribution`, `evaluate --format html` has a calibration section and
//! `--format xlsx` a calibration sheet, each holding what `ladder calibrate
//! --format json` says of the same file — the html's numbers read from the
//! page, the workbook's read back with calamine cell by cell. Without a
//! distribution there is neither. These two formats are evaluated in memory
//! (the cohort columns are not kept by the streaming batch): their results,
//! notes and exit code are checked against the streamed json of the same run.

use super::harness::{ladder, Run, Test};
use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

const LADDER: &str = "examples/review-cycle";
const STAFF: &str = "examples/review-cycle.csv";
const AS_OF: &str = "2026-12-31";

/// `ladder COMMAND --ladder examples/review-cycle --as-of … EXTRA… STAFF`.
fn review(command: &str, extra: &[&str]) -> Run {
    let mut args = vec![command, "--ladder", LADDER, "--as-of", AS_OF];
    args.extend_from_slice(extra);
    args.push(STAFF);
    ladder(&args)
}

/// What `ladder calibrate --format json` says of the example.
fn calibrate_json() -> Value {
    let run = review("calibrate", &["--format", "json"]);
    run.code(0);
    run.json()
}

/// A group's label as people read it: `department 华东, sequence technical`.
fn label(group: &Value) -> String {
    let parts: Vec<String> = group["group"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = v.as_str().unwrap();
            format!("{k} {}", if v.is_empty() { "(blank)" } else { v })
        })
        .collect();
    if parts.is_empty() {
        "everyone".into()
    } else {
        parts.join(", ")
    }
}

/// The part of the page from `<div class="chart KIND" data-group="LABEL"` to its `</div>`.
fn html_group<'a>(page: &'a str, kind: &str, label: &str) -> &'a str {
    let start = format!("<div class=\"chart {kind}\" data-group=\"{label}\"");
    let at = page.find(&start).unwrap_or_else(|| panic!("no {kind} `{label}` in the calibration section"));
    let rest = &page[at..];
    &rest[..rest.find("</div>").expect("the group's div ends")]
}

/// Checks one group's bands in the page against calibrate's json bands.
#[track_caller]
fn check_html_bands(part: &str, bands: &Value) {
    for b in bands.as_array().unwrap() {
        let row = format!(
            "<tr data-band=\"{}\" data-count=\"{}\" data-target=\"{}\" data-difference=\"{}\">",
            b["band"].as_str().unwrap(),
            b["count"],
            b["target"],
            b["difference"]
        );
        assert!(part.contains(&row), "{row} not in:\n{part}");
        // The drawing: one target bar and one count bar a band, titled with their numbers.
        let band = b["band"].as_str().unwrap();
        assert!(part.contains(&format!("<title>{band} target: {}</title>", b["target"])), "the target bar of {band}:\n{part}");
        assert!(part.contains(&format!("<title>{band} count: {}</title>", b["count"])), "the count bar of {band}:\n{part}");
    }
    let bars = part.matches("<rect class=\"count\"").count();
    assert_eq!(bars, bands.as_array().unwrap().len(), "one count bar per band");
}

#[test]
fn the_html_report_has_the_calibration_section_with_calibrates_numbers() {
    let expected = calibrate_json();
    let run = review("evaluate", &["--format", "html"]);
    run.code(3);
    let page = &run.stdout;
    let section = &page[page.find("<h2 id=\"calibration\">").expect("a calibration section")..];
    let section = &section[..section.find("<h2>").expect("the results follow")];
    assert!(section.contains("A 10 % · B 20 % · C 60 % · D 10 %"), "the distribution is named:\n{section}");
    let groups = expected["groups"].as_array().unwrap();
    assert!(groups.len() >= 3, "the example has several cohorts");
    for g in groups {
        let part = html_group(section, "calibration-group", &label(g));
        assert!(part.contains(&format!("data-head-count=\"{}\"", g["head_count"])), "{part}");
        assert!(part.contains(&format!("data-forced=\"{}\"", g["forced"])), "{part}");
        assert_eq!(part.contains("keeps its bands"), !g["forced"].as_bool().unwrap(), "a small cohort is said to keep its bands");
        check_html_bands(part, &g["bands"]);
    }
    assert_eq!(section.matches("class=\"chart calibration-group\"").count(), groups.len(), "one drawing per group");
    let totals = html_group(section, "calibration-total", "all groups");
    assert!(totals.contains(&format!("data-head-count=\"{}\"", expected["totals"]["head_count"])), "{totals}");
    check_html_bands(totals, &expected["totals"]["bands"]);
    assert!(section.contains(&format!("data-unbanded=\"{}\"", expected["totals"]["unbanded"])), "{section}");
    // Self-contained: nothing fetched.
    assert!(!section.contains("src=") && !section.contains("href="), "no external asset");
}

#[test]
fn the_calibration_counts_every_employee_whatever_status_is_printed() {
    let all = review("evaluate", &["--format", "html"]);
    let promoted = review("evaluate", &["--format", "html", "--status", "promote"]);
    let section = |page: &str| {
        let s = &page[page.find("<h2 id=\"calibration\">").unwrap()..];
        s[..s.find("<h2>").unwrap()].to_string()
    };
    assert_eq!(section(&promoted.stdout), section(&all.stdout));
    assert!(
        promoted.stdout.matches("<tr data-i=").count() < all.stdout.matches("<tr data-i=").count(),
        "--status still filters the results"
    );
}

/// The cells of a sheet, by (row, column).
fn cells(path: &Path, sheet: &str) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    book.worksheet_range(sheet).unwrap_or_else(|e| panic!("sheet {sheet}: {e}"))
}

#[track_caller]
fn number(range: &calamine::Range<Data>, row: u32, col: u32) -> i64 {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) if f.fract() == 0.0 => *f as i64,
        Some(Data::Int(i)) => *i,
        other => panic!("({row}, {col}): a whole number expected, found {other:?}"),
    }
}

#[track_caller]
fn text(range: &calamine::Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        None | Some(Data::Empty) => String::new(),
        other => panic!("({row}, {col}): text expected, found {other:?}"),
    }
}

#[track_caller]
fn percent(range: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        Some(Data::Int(i)) => *i as f64,
        other => panic!("({row}, {col}): a number expected, found {other:?}"),
    }
}

#[test]
fn the_xlsx_calibration_sheet_reads_back_as_calibrates_json() {
    let expected = calibrate_json();
    let mut test = Test::new();
    let out = test.path("review.xlsx");
    let run = test.args(["evaluate", "--ladder", LADDER, "--as-of", AS_OF, "--quiet", "--output", &out, STAFF]).run();
    run.code(3);
    let path = run.path("review.xlsx");
    let book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["results", "summary", "calibration", "meta"]);
    let sheet = cells(&path, "calibration");
    // calamine's range starts at the first cell used: A1 (the title).
    assert_eq!(sheet.start(), Some((0, 0)));
    assert!(text(&sheet, 0, 0).contains("A 10 % · B 20 % · C 60 % · D 10 %"));
    let by: Vec<&str> = expected["by"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let f = by.len() as u32;
    let heads: Vec<String> = (0..f + 7).map(|c| text(&sheet, 2, c)).collect();
    let mut want: Vec<String> = by.iter().map(|s| (*s).to_string()).collect();
    want.extend(["head_count", "forced", "band", "target_pct", "count", "target", "difference"].map(String::from));
    assert_eq!(heads, want);
    let pct = &expected["distribution"];
    let mut row = 3u32;
    for g in expected["groups"].as_array().unwrap() {
        for b in g["bands"].as_array().unwrap() {
            for (c, field) in by.iter().enumerate() {
                assert_eq!(text(&sheet, row, c as u32), g["group"][*field].as_str().unwrap(), "row {row}: {field}");
            }
            assert_eq!(number(&sheet, row, f), g["head_count"].as_i64().unwrap(), "row {row}: head_count");
            assert_eq!(sheet.get_value((row, f + 1)), Some(&Data::Bool(g["forced"].as_bool().unwrap())), "row {row}: forced");
            let band = b["band"].as_str().unwrap();
            assert_eq!(text(&sheet, row, f + 2), band, "row {row}: band");
            assert_eq!(percent(&sheet, row, f + 3), pct[band].as_f64().unwrap(), "row {row}: target_pct");
            assert_eq!(number(&sheet, row, f + 4), b["count"].as_i64().unwrap(), "row {row}: count");
            assert_eq!(number(&sheet, row, f + 5), b["target"].as_i64().unwrap(), "row {row}: target");
            assert_eq!(number(&sheet, row, f + 6), b["difference"].as_i64().unwrap(), "row {row}: difference");
            row += 1;
        }
    }
    // An empty row, then the totals: the head count, `total`, a row per band.
    assert!(matches!(sheet.get_value((row, f + 2)), None | Some(Data::Empty)), "an empty row after the groups");
    row += 1;
    let totals = &expected["totals"];
    assert_eq!(number(&sheet, row, f), totals["head_count"].as_i64().unwrap());
    assert_eq!(text(&sheet, row, f + 2), "total");
    for b in totals["bands"].as_array().unwrap() {
        row += 1;
        assert_eq!(text(&sheet, row, f + 2), b["band"].as_str().unwrap());
        assert_eq!(number(&sheet, row, f + 4), b["count"].as_i64().unwrap(), "total count of {}", b["band"]);
        assert_eq!(number(&sheet, row, f + 5), b["target"].as_i64().unwrap(), "total target of {}", b["band"]);
        assert_eq!(number(&sheet, row, f + 6), b["difference"].as_i64().unwrap(), "total difference of {}", b["band"]);
    }
    row += 2;
    assert_eq!(text(&sheet, row, 0), "unbanded");
    assert_eq!(number(&sheet, row, 1), totals["unbanded"].as_i64().unwrap());
    // Drawn: one native column chart per group and one of the totals, on this sheet.
    let groups = expected["groups"].as_array().unwrap().len();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let charts: Vec<String> = zip.file_names().filter(|n| n.starts_with("xl/charts/chart")).map(String::from).collect();
    assert_eq!(charts.len(), groups + 1, "{charts:?}");
    let mut xml = String::new();
    zip.by_name("xl/charts/chart1.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(xml.contains("<c:barChart>") && xml.contains("calibration!$"), "a column chart of the calibration sheet's cells");
}

/// The in-memory path writes the results the streaming batch writes, with
/// the same notes on stderr and the same exit code.
#[test]
fn the_reports_with_calibration_hold_the_streamed_results() {
    let streamed = review("evaluate", &["--format", "json"]);
    let csv = review("evaluate", &["--format", "csv"]);
    let mut test = Test::new();
    let out = test.path("review.xlsx");
    let xlsx = test.args(["evaluate", "--ladder", LADDER, "--as-of", AS_OF, "--output", &out, STAFF]).run();
    assert_eq!((xlsx.code, &xlsx.stderr), (csv.code, &csv.stderr), "the same exit code and notes as the streaming batch");
    assert!(xlsx.stderr.contains("row error: examples/review-cycle.csv:7: E006"), "{}", xlsx.stderr);
    let results = streamed.json()["results"].as_array().unwrap().clone();
    let sheet = cells(&xlsx.path("review.xlsx"), "results");
    let heads: Vec<String> = (0..sheet.width() as u32).map(|c| text(&sheet, 0, c)).collect();
    assert_eq!(sheet.height() - 1, results.len());
    for (i, r) in results.iter().enumerate() {
        let row = i as u32 + 1;
        for field in ["id", "status", "band", "calibrated_band", "recommended_grade", "eligible_on"] {
            let col = heads.iter().position(|h| h == field).unwrap() as u32;
            let cell = match sheet.get_value((row, col)) {
                Some(Data::DateTime(d)) => d.as_datetime().unwrap().date().to_string(),
                _ => text(&sheet, row, col),
            };
            assert_eq!(cell, r[field].as_str().unwrap_or(""), "row {row}: {field}");
        }
        for field in ["composite", "rank", "rank_pct", "cohort_size", "quota_position"] {
            let col = heads.iter().position(|h| h == field).unwrap() as u32;
            let cell = sheet.get_value((row, col)).and_then(|d| match d {
                Data::Float(f) => Some(*f),
                Data::Int(i) => Some(*i as f64),
                _ => None,
            });
            assert_eq!(cell, r[field].as_f64(), "row {row}: {field}");
        }
    }
    let html = review("evaluate", &["--format", "html"]);
    assert_eq!((html.code, &html.stderr), (csv.code, &csv.stderr));
    assert_eq!(html.stdout.matches("<tr data-i=").count(), results.len());
}

#[test]
fn without_a_distribution_there_is_no_calibration_section_or_sheet() {
    let html = ladder(&["evaluate", "--as-of", AS_OF, "--format", "html", "--quiet", "examples/telecom-after-sales.csv"]);
    assert!(!html.stdout.contains("id=\"calibration\""), "no calibration section");
    assert!(html.stdout.contains("<h2>"), "a report was written");
    let mut test = Test::new();
    let out = test.path("plain.xlsx");
    let run = test.args(["evaluate", "--as-of", AS_OF, "--quiet", "--output", &out, "examples/telecom-after-sales.csv"]).run();
    let book: Xlsx<_> = open_workbook(run.path("plain.xlsx")).unwrap();
    assert_eq!(book.sheet_names(), ["results", "summary", "meta"]);
}

/// `cohort: []` ranks the whole file as one group: no grouping column, one
/// group `everyone`, and the sheet's columns start at head_count.
#[test]
fn one_cohort_for_the_whole_file_has_no_grouping_column() {
    let scheme = std::fs::read_to_string(Path::new(super::harness::ROOT).join(LADDER).join("review.yaml")).unwrap();
    assert!(scheme.contains("cohort: [department, sequence]"));
    let mut test = Test::new();
    for entry in std::fs::read_dir(Path::new(super::harness::ROOT).join(LADDER)).unwrap() {
        let entry = entry.unwrap();
        let name = format!("scheme/{}", entry.file_name().to_str().unwrap());
        let text = std::fs::read_to_string(entry.path()).unwrap().replace("cohort: [department, sequence]", "cohort: []");
        test = test.file(&name, text);
    }
    let dir = test.path("scheme");
    let out = test.path("one.xlsx");
    let json = ladder(&["calibrate", "--ladder", &dir, "--as-of", AS_OF, "--format", "json", STAFF]).json();
    assert_eq!(json["groups"].as_array().unwrap().len(), 1);
    let run = test.args(["evaluate", "--ladder", &dir, "--as-of", AS_OF, "--quiet", "--output", &out, STAFF]).run();
    run.code(3);
    let sheet = cells(&run.path("one.xlsx"), "calibration");
    assert_eq!(text(&sheet, 2, 0), "head_count");
    let g = &json["groups"][0];
    for (i, b) in g["bands"].as_array().unwrap().iter().enumerate() {
        let row = 3 + i as u32;
        assert_eq!(number(&sheet, row, 0), g["head_count"].as_i64().unwrap());
        assert_eq!(text(&sheet, row, 2), b["band"].as_str().unwrap());
        assert_eq!(number(&sheet, row, 4), b["count"].as_i64().unwrap());
        assert_eq!(number(&sheet, row, 5), b["target"].as_i64().unwrap());
    }
    let html = ladder(&["evaluate", "--ladder", &dir, "--as-of", AS_OF, "--quiet", "--format", "html", STAFF]);
    let part = html_group(&html.stdout, "calibration-group", "everyone");
    check_html_bands(part, &g["bands"]);
}
