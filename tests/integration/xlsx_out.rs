//! The workbook out (issue 13 item 4, SPEC §6): `--format xlsx` read back
//! with calamine and, independently, with openpyxl (tests/xlsx_check.py),
//! and compared cell by cell with the json output of the same run; the
//! summary and meta sheets; `--lang zh` labels; the format picked from
//! `--output`'s extension, and the usage errors.

use super::harness::{ladder_bytes as ladder, ROOT};
use calamine::{open_workbook, Data, Reader, Xlsx};
use serde_json::Value;
use std::path::{Path, PathBuf};

const AS_OF: &str = "2026-12-31";

/// The two examples: (name, arguments before the output options).
const EXAMPLES: [(&str, &[&str]); 2] = [
    ("telecom", &["--scores", "examples/telecom-after-sales-scores.csv", "examples/telecom-after-sales.csv"]),
    ("customer", &["--ladder", "customer-service", "examples/customer-service.csv"]),
];

type Run = super::harness::Run<Vec<u8>>;

fn workdir(name: &str) -> PathBuf {
    super::harness::workdir("xlsx_out", name)
}

/// `evaluate --as-of AS_OF -q` with `args` then `input`.
fn evaluate(input: &[&str], args: &[&str]) -> Run {
    let mut all = vec!["evaluate", "--as-of", AS_OF, "-q"];
    all.extend_from_slice(args);
    all.extend_from_slice(input);
    ladder(&all)
}

/// Writes the example as json (to stdout) and as xlsx (to `dir/name.xlsx`,
/// the format picked from the extension), with `extra` arguments.
fn json_and_xlsx(dir: &Path, name: &str, input: &[&str], extra: &[&str]) -> (Value, PathBuf) {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let json = evaluate(input, &args);
    assert_eq!(json.code, 3, "{}", json.stderr);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    let path = dir.join(format!("{name}.xlsx"));
    let mut args = vec!["--output", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let xlsx = evaluate(input, &args);
    assert_eq!(xlsx.code, 3, "{}", xlsx.stderr);
    (json, path)
}

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    book.worksheet_range(name).unwrap()
}

/// The cell at (row, col), 0-based; Empty beyond the range.
fn cell(range: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    range.get_value((row as u32, col as u32)).cloned().unwrap_or(Data::Empty)
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        other => panic!("{other:?} is not a text cell"),
    }
}

/// One json value against its cell: null and empty lists as empty cells,
/// numbers as numbers equal to json's, `eligible_on` as a date, lists
/// joined with `; `, text as text.
fn check_cell(field: &str, want: &Value, got: &Data, at: &str) {
    match want {
        Value::Null => assert!(matches!(got, Data::Empty), "{at}: {got:?}, json null"),
        Value::Array(items) if items.is_empty() => assert!(matches!(got, Data::Empty), "{at}: {got:?}, json []"),
        Value::Array(items) => {
            let joined = items.iter().map(|i| i.as_str().unwrap()).collect::<Vec<_>>().join("; ");
            assert_eq!(text(got), joined, "{at}");
        }
        Value::Number(n) => {
            let want: f64 = n.to_string().parse().unwrap();
            let got = match got {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                other => panic!("{at}: {other:?} is not a number (json {n})"),
            };
            assert_eq!(got, want, "{at}");
        }
        Value::String(s) if field == "eligible_on" => {
            let date = match got {
                Data::DateTime(d) => d.as_datetime().unwrap().date(),
                other => panic!("{at}: {other:?} is not a date cell (json {s})"),
            };
            assert_eq!(date.to_string(), *s, "{at}");
        }
        Value::String(s) if s.is_empty() => assert!(matches!(got, Data::Empty | Data::String(_)) && got.to_string().is_empty(), "{at}"),
        Value::String(s) => assert_eq!(text(got), *s, "{at}"),
        other => panic!("{at}: unexpected json {other}"),
    }
}

/// Every field of every result of `json` against the results sheet of `path`.
fn compare_results(json: &Value, path: &Path, name: &str) {
    let results = json["results"].as_array().unwrap();
    let fields: Vec<&str> = results[0].as_object().unwrap().keys().map(String::as_str).collect();
    let range = sheet(path, "results");
    let header: Vec<String> = (0..fields.len()).map(|c| text(&cell(&range, 0, c))).collect();
    assert_eq!(header, fields, "{name}: the header is the json fields, in order");
    assert_eq!(range.width(), fields.len(), "{name}: no column beyond the fields");
    assert_eq!(range.height(), results.len() + 1, "{name}: one row per result");
    let mut dates = 0;
    for (i, r) in results.iter().enumerate() {
        for (c, field) in fields.iter().enumerate() {
            let got = cell(&range, i + 1, c);
            dates += usize::from(matches!(got, Data::DateTime(_)));
            check_cell(field, &r[*field], &got, &format!("{name} row {} {field}", i + 2));
        }
    }
    assert!(dates > 0, "{name}: some eligible_on dates were written");
}

/// Every field of every result, cell by cell, for both examples.
#[test]
fn the_results_sheet_equals_the_json_output_cell_by_cell() {
    let dir = workdir("cells");
    for (name, input) in EXAMPLES {
        let (json, path) = json_and_xlsx(&dir, name, input, &[]);
        compare_results(&json, &path, name);
    }
}

/// Text that csv defuses (`=…`, `-…`) is a text cell in the workbook, as
/// json has it: an xlsx text cell is never read as a formula.
#[test]
fn formula_like_text_stays_text() {
    let dir = workdir("formula");
    let example = std::fs::read_to_string(Path::new(ROOT).join("examples/customer-service.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(example.as_bytes());
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(reader.headers().unwrap()).unwrap();
    for (i, record) in reader.records().enumerate() {
        let mut cells: Vec<String> = record.unwrap().iter().map(String::from).collect();
        match i {
            0 => cells[1] = "=SUM(A1)".into(),
            1 => cells[1] = "-1 张三".into(),
            _ => {}
        }
        out.write_record(&cells).unwrap();
    }
    let staff = dir.join("staff.csv");
    std::fs::write(&staff, out.into_inner().unwrap()).unwrap();
    let input = ["--ladder", "customer-service", staff.to_str().unwrap()];
    let (json, path) = json_and_xlsx(&dir, "formula", &input, &[]);
    compare_results(&json, &path, "formula");
    assert_eq!(cell(&sheet(&path, "results"), 1, 1), Data::String("=SUM(A1)".into()));
}

/// The summary's counts by status and by grade, and the meta sheet's items.
#[test]
fn the_summary_and_meta_sheets_hold_the_counts_and_the_run() {
    let dir = workdir("summary");
    let (name, input) = EXAMPLES[0];
    let (json, path) = json_and_xlsx(&dir, name, input, &[]);
    let summary = sheet(&path, "summary");
    let by_status = json["summary"]["by_status"].as_object().unwrap();
    assert_eq!(text(&cell(&summary, 2, 0)), "status");
    for (i, (status, n)) in by_status.iter().enumerate() {
        assert_eq!(text(&cell(&summary, 3 + i, 0)), *status);
        assert_eq!(cell(&summary, 3 + i, 1), Data::Float(n.as_u64().unwrap() as f64), "{status}");
    }
    let total_row = 3 + by_status.len();
    assert_eq!(text(&cell(&summary, total_row, 0)), "total");
    assert_eq!(cell(&summary, total_row, 1), Data::Float(json["summary"]["total"].as_u64().unwrap() as f64));
    // By grade: each grade's row counts its results by status; the totals add up.
    let head = total_row + 2;
    assert_eq!(text(&cell(&summary, head, 1)), "grade");
    let results = json["results"].as_array().unwrap();
    let mut counted = 0.0;
    let mut row = head + 1;
    while let Data::String(grade) = cell(&summary, row, 1) {
        let sequence = text(&cell(&summary, row, 0));
        for (i, status) in by_status.keys().enumerate() {
            let want = results.iter().filter(|r| r["grade"] == *grade && r["sequence"] == *sequence && r["status"] == *status).count();
            assert_eq!(cell(&summary, row, 3 + i), Data::Float(want as f64), "{sequence} {grade} {status}");
        }
        if let Data::Float(n) = cell(&summary, row, 3 + by_status.len()) {
            counted += n;
        }
        row += 1;
    }
    assert_eq!(counted, results.len() as f64, "every result is in one grade's row");

    let meta = sheet(&path, "meta");
    let items: Vec<(String, Data, Data)> =
        (1..meta.height()).map(|r| (text(&cell(&meta, r, 0)), cell(&meta, r, 1), cell(&meta, r, 2))).collect();
    let value = |label: &str| items.iter().find(|(l, _, _)| l == label).map(|(_, v, _)| v.clone()).unwrap();
    let m = &json["meta"];
    assert_eq!(value("version"), Data::String(m["version"].as_str().unwrap().into()));
    assert_eq!(value("scheme"), Data::String(m["scheme"].as_str().unwrap().into()));
    match value("as_of") {
        Data::DateTime(d) => assert_eq!(d.as_datetime().unwrap().date().to_string(), AS_OF),
        other => panic!("as_of is {other:?}, not a date"),
    }
    let quarters: Vec<&str> = m["window"]["quarters"].as_array().unwrap().iter().map(|q| q.as_str().unwrap()).collect();
    assert_eq!(value("quarters"), Data::String(quarters.join("; ")));
    let inputs: Vec<(String, String)> =
        items.iter().filter(|(l, _, _)| l == "input").map(|(_, v, h)| (v.to_string(), h.to_string())).collect();
    let want: Vec<(String, String)> = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["path"].as_str().unwrap().into(), i["sha256"].as_str().unwrap().into()))
        .collect();
    assert_eq!(inputs, want);
    assert_eq!(want.len(), 2, "the employee file and the scores file");
    assert!(want.iter().all(|(_, h)| h.len() == 64), "{want:?}");
}

/// `--lang zh` labels the summary and meta sheets, and writes the results
/// sheet for Chinese readers (issue 13 item 5): Chinese header and status
/// words, grades by title, reasons in Chinese; the figures stay json's.
#[test]
fn lang_zh_labels_every_sheet_and_keeps_the_figures() {
    let dir = workdir("zh");
    let (name, input) = EXAMPLES[1];
    let (json, path) = json_and_xlsx(&dir, name, input, &["--lang", "zh"]);
    let summary = sheet(&path, "summary");
    assert_eq!(text(&cell(&summary, 2, 0)), "结论");
    assert_eq!(text(&cell(&summary, 3, 0)), "晋升");
    assert!(text(&cell(&summary, 0, 0)).contains("评估日期 2026-12-31"));
    let meta = sheet(&path, "meta");
    assert_eq!(text(&cell(&meta, 1, 0)), "工具");
    let results = sheet(&path, "results");
    assert_eq!(text(&cell(&results, 0, 0)), "工号");
    let keys: Vec<&String> = json["results"][0].as_object().unwrap().keys().collect();
    let col = |key: &str| keys.iter().position(|k| *k == key).unwrap();
    let zh_status = [("promote", "晋升"), ("hold", "保持"), ("top", "已到顶"), ("demote", "降级"), ("error", "错误")];
    for (i, r) in json["results"].as_array().unwrap().iter().enumerate() {
        let status = r["status"].as_str().unwrap();
        let word = zh_status.iter().find(|(en, _)| *en == status).unwrap().1;
        assert_eq!(text(&cell(&results, i + 1, col("status"))), word, "row {i}");
        assert_eq!(text(&cell(&results, i + 1, col("id"))), r["id"].as_str().unwrap());
        match (&r["kpi"], cell(&results, i + 1, col("kpi"))) {
            (Value::Number(n), Data::Float(f)) => assert_eq!(f, n.as_f64().unwrap(), "row {i}"),
            (Value::Null, Data::Empty) => {}
            (j, c) => panic!("row {i}: kpi {j} against {c:?}"),
        }
    }
}

/// No result (a file with its header only): a workbook with the header only.
#[test]
fn a_workbook_with_no_results_has_its_header() {
    let dir = workdir("empty");
    let example = std::fs::read_to_string(Path::new(ROOT).join("examples/customer-service.csv")).unwrap();
    let header_only = dir.join("header-only.csv");
    std::fs::write(&header_only, format!("{}\n", example.lines().next().unwrap())).unwrap();
    let path = dir.join("none.xlsx");
    let run = evaluate(&["--ladder", "customer-service", header_only.to_str().unwrap()], &["--output", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let range = sheet(&path, "results");
    assert_eq!(range.height(), 1, "{range:?}");
    assert_eq!(text(&cell(&range, 0, 0)), "id");
    let summary = sheet(&path, "summary");
    let total_row = 3 + ladder::decision::Status::ALL.len();
    assert_eq!(text(&cell(&summary, total_row, 0)), "total");
    assert_eq!(cell(&summary, total_row, 1), Data::Float(0.0));
}

/// An independent reader: openpyxl checks every cell, the number and date
/// formats, the frozen header, the filter, the status colours and the
/// column widths against the json output (tests/xlsx_check.py).
#[test]
fn openpyxl_reads_the_workbook_as_the_json_output() {
    let skip = std::env::var_os("LADDER_SKIP_PYTHON").is_some_and(|v| v == "1");
    let probe = std::process::Command::new("python3").args(["-c", "import openpyxl"]).output();
    match probe {
        Ok(o) if o.status.success() => {}
        _ if skip => {
            eprintln!("skipped: python3 with openpyxl is missing and LADDER_SKIP_PYTHON=1");
            return;
        }
        _ => panic!(
            "python3 with openpyxl is needed (.ci/run installs it: python3 -m pip install openpyxl; LADDER_SKIP_PYTHON=1 skips this test)"
        ),
    }
    let dir = workdir("openpyxl");
    for (name, input) in EXAMPLES {
        let json = evaluate(input, &["--format", "json"]);
        let json_path = dir.join(format!("{name}.json"));
        std::fs::write(&json_path, &json.stdout).unwrap();
        let xlsx_path = dir.join(format!("{name}.xlsx"));
        let xlsx = evaluate(input, &["--format", "xlsx", "--output", xlsx_path.to_str().unwrap()]);
        assert_eq!(xlsx.code, 3, "{}", xlsx.stderr);
        let check = std::process::Command::new("python3")
            .arg(Path::new(ROOT).join("tests/xlsx_check.py"))
            .args([&xlsx_path, &json_path])
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(check.status.success(), "{name}: openpyxl found differences:\n{report}{}", String::from_utf8_lossy(&check.stderr));
        assert!(report.contains("0 problems"), "{report}");
    }
}

/// `--output`'s extension picks the format (any case); `--format` wins.
#[test]
fn the_output_extension_picks_the_format() {
    let dir = workdir("extension");
    let input = EXAMPLES[1].1;
    let starts = |bytes: &[u8], prefix: &[u8]| bytes.starts_with(prefix);
    type Check = fn(&[u8]) -> bool;
    let cases: [(&str, Check); 8] = [
        ("r.csv", |b| b.starts_with(b"id,name,")),
        ("R.CSV", |b| b.starts_with(b"id,name,")),
        ("r.json", |b| serde_json::from_slice::<Value>(b).is_ok_and(|v| v["results"].is_array())),
        ("r.ndjson", |b| {
            b.split(|c| *c == b'\n')
                .filter(|l| !l.is_empty())
                .all(|l| serde_json::from_slice::<Value>(l).is_ok_and(|v| v["id"].is_string()))
        }),
        ("r.jsonl", |b| b.starts_with(b"{\"id\":")),
        ("r.html", |b| String::from_utf8_lossy(b).to_ascii_lowercase().starts_with("<!doctype html")),
        ("r.Xlsx", |b| b.starts_with(b"PK\x03\x04")),
        ("r.xlsx", |b| b.starts_with(b"PK\x03\x04")),
    ];
    for (file, check) in cases {
        let path = dir.join(file);
        let run = evaluate(input, &["--output", path.to_str().unwrap()]);
        assert_eq!(run.code, 3, "{file}: {}", run.stderr);
        let bytes = std::fs::read(&path).unwrap();
        assert!(check(&bytes), "{file}: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(80)]));
    }
    // An explicit --format wins over the extension.
    let path = dir.join("explicit.json");
    let run = evaluate(input, &["--format", "csv", "--output", path.to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(starts(&std::fs::read(&path).unwrap(), b"id,name,"));
    let path = dir.join("report.txt");
    let run = evaluate(input, &["--format", "table", "--output", path.to_str().unwrap()]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(std::fs::read_to_string(&path).unwrap().contains("employees"));
    // Without --output nor --format: the table, as before.
    let run = evaluate(input, &[]);
    assert!(String::from_utf8_lossy(&run.stdout).contains("employees:"), "{}", run.stderr);
}

/// An unknown extension without --format is a usage error naming it and
/// the known ones, and no file is written.
#[test]
fn an_unknown_extension_without_format_is_a_usage_error() {
    let dir = workdir("unknown");
    for (file, named) in [("results.txt", "`.txt`"), ("results.XLS", "`.XLS`"), ("results", "a file without an extension")] {
        let path = dir.join(file);
        let run = evaluate(EXAMPLES[1].1, &["--output", path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert!(run.stderr.contains(named), "{file}: {}", run.stderr);
        assert!(run.stderr.contains(".xlsx") && run.stderr.contains(".ndjson") && run.stderr.contains("--format"), "{}", run.stderr);
        assert!(!path.exists(), "{file} was written");
    }
    // A usage error comes before any file is read.
    let run = evaluate(&["no-such-staff.csv"], &["--output", "results.txt"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("`.txt`"), "{}", run.stderr);
}

/// xlsx on standard output: refused on a terminal (a usage error), written
/// when standard output is a pipe.
#[test]
fn xlsx_to_standard_output_only_when_it_is_not_a_terminal() {
    use ladder::cli::request::output_format;
    use ladder::report::Format;
    let refused = output_format(Some(Format::Xlsx), None, true).unwrap_err();
    assert_eq!(refused, "xlsx is binary: use --output FILE.xlsx");
    assert_eq!(output_format(Some(Format::Xlsx), None, false), Ok(Format::Xlsx));
    assert_eq!(output_format(Some(Format::Xlsx), Some("r.xlsx"), true), Ok(Format::Xlsx));
    assert_eq!(output_format(None, Some("r.xlsx"), true), Ok(Format::Xlsx));
    assert_eq!(output_format(None, None, true), Ok(Format::Table));
    assert_eq!(output_format(Some(Format::Csv), Some("r.xlsx"), true), Ok(Format::Csv));
    // assert_cmd's stdout is a pipe: the workbook comes through, whole.
    let run = evaluate(EXAMPLES[1].1, &["--format", "xlsx"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let dir = workdir("stdout");
    let path = dir.join("piped.xlsx");
    std::fs::write(&path, &run.stdout).unwrap();
    assert!(sheet(&path, "results").height() > 1);
}

/// The workbook is dated the review, not the run: the same inputs give
/// the same bytes (a review can be reproduced and compared).
#[test]
fn the_same_inputs_give_the_same_workbook() {
    let dir = workdir("reproducible");
    let (a, b) = (dir.join("a.xlsx"), dir.join("b.xlsx"));
    for path in [&a, &b] {
        let run = evaluate(EXAMPLES[0].1, &["--output", path.to_str().unwrap()]);
        assert_eq!(run.code, 3, "{}", run.stderr);
        // The creation time has a resolution of a second.
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(), "the two workbooks differ");
}
