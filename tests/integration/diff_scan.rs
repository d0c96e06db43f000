//! `ladder diff`'s json scanner (issue 17 item 5) seen from the command
//! line: a json document larger than the scanner's chunk, with a result it
//! hands over to serde_json in the middle, gives the report the plain
//! comparison gives, from a file and from standard input alike; a broken
//! document fails with serde_json's message at the file's line and column.
//! (src/diff/read/scan_tests.rs holds the scanner equal to serde_json's path
//! record by record.)

use super::harness::Test;

/// Employees, more than one chunk (256 KiB) of json.
const N: usize = 3000;

/// One result as `evaluate` writes it (compact: one line).
fn row(i: usize, status: &str, kpi: &str) -> String {
    format!(
        r#"{{"id":"E{i:04}","name":"张{i}","grade":"T1","kpi":{kpi},"band":"B","calibrated_band":null,"status":"{status}","unmet":["kpi 80 < 85","a \"quoted\" word"],"alternatives":[],"errors":[]}}"#
    )
}

fn document(rows: &[String]) -> String {
    format!("{{\n  \"meta\": {{\"scheme\": \"s\"}},\n  \"results\": [\n    {}\n  ],\n  \"summary\": {{}}\n}}\n", rows.join(",\n    "))
}

fn diff(files: &[(&str, &str)], old: &str, new: &str, stdin: Option<&str>) -> (i32, String, String) {
    let mut test = Test::new();
    for (name, text) in files {
        test = test.file(name, text);
    }
    test = test.args(["diff", "--format", "csv"]).arg_path(old);
    test = match stdin {
        Some(text) => test.arg("-").stdin(text),
        None => test.arg_path(new),
    };
    let run = test.run();
    (run.code, run.stdout.clone(), run.stderr.clone())
}

#[test]
fn a_large_document_with_a_result_for_serde_json_in_the_middle() {
    let old: Vec<String> = (0..N).map(|i| row(i, "hold", "85.5")).collect();
    let mut new = old.clone();
    // Every 500th moves; the middle one repeats a field (serde_json's path:
    // each of NEW's values against OLD's), after which serde_json reads the rest.
    for i in (0..N).step_by(500) {
        new[i] = row(i, "promote", "85.50");
    }
    let mid = N / 2 + 1;
    new[mid] = row(mid, "hold", "85.5").replacen("\"kpi\":85.5", "\"kpi\":85.5,\"kpi\":90", 1);
    let (old_nd, new_json) = (old.join("\n") + "\n", document(&new));
    let mut expected = String::from("id,field,old,new\n");
    for i in (0..N).step_by(500) {
        expected.push_str(&format!("E{i:04},status,hold,promote\n"));
    }
    let files = [("old.ndjson", old_nd.as_str()), ("new.json", new_json.as_str())];
    let (code, from_file, stderr) = diff(&files, "old.ndjson", "new.json", None);
    assert_eq!(code, 0, "{stderr}");
    let mut want = expected.lines().map(str::to_string).collect::<Vec<_>>();
    // The repeated field: its second value differs from OLD's one.
    want.push(format!("E{mid:04},kpi,85.5,90"));
    want.sort();
    let mut got: Vec<String> = from_file.lines().map(str::to_string).collect();
    got.sort();
    assert_eq!(got, want);
    let (code, from_stdin, stderr) = diff(&files[..1], "old.ndjson", "", Some(&new_json));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(from_stdin, from_file);
}

#[test]
fn a_broken_document_fails_at_its_line_and_column_from_a_file_and_from_stdin() {
    let rows: Vec<String> = (0..N).map(|i| row(i, "hold", "85.5")).collect();
    let old = rows.join("\n") + "\n";
    let good = document(&rows);
    // Two commas in the 2001st result (its own line, well past the first chunk), and the same on one line.
    let broken = good.replacen("\"E2000\",", "\"E2000\",,", 1);
    let one_line = broken.replace('\n', "");
    for (doc, line) in [(&broken, 2004), (&one_line, 1)] {
        let at = doc.find(",,").unwrap();
        let line_start = doc[..at].rfind('\n').map_or(0, |n| n + 1);
        let column = at + 2 - line_start;
        let files = [("old.ndjson", old.as_str()), ("new.json", doc.as_str())];
        let (code, _, from_file) = diff(&files, "old.ndjson", "new.json", None);
        assert_eq!(code, 1);
        assert!(from_file.contains(&format!("new.json: line {line}, column {column}: key must be a string")), "{from_file}");
        let (code, _, from_stdin) = diff(&files[..1], "old.ndjson", "", Some(doc));
        assert_eq!(code, 1);
        assert!(from_stdin.contains(&format!("-: line {line}, column {column}: key must be a string")), "{from_stdin}");
    }
}
