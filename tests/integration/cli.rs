//! Whole runs of the binary on the shipped examples: exit code, stdout and
//! stderr, snapshotted with insta (review changes with `cargo insta review`,
//! or `INSTA_UPDATE=always cargo test` and read the diff).

use super::harness::Test;
use std::path::Path;

/// The outcome of one run, as one snapshot-friendly text.
fn run(args: &[&str]) -> String {
    run_with_stdin(args, None)
}

fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> String {
    Test::new().args(args).stdin_if(stdin).run().transcript()
}

const TELECOM: [&str; 5] =
    ["--as-of", "2026-12-31", "--scores", "examples/telecom-after-sales-scores.csv", "examples/telecom-after-sales.csv"];

fn telecom(format: &str) -> String {
    let mut args = vec!["evaluate", "--format", format];
    args.extend(TELECOM);
    run(&args)
}

fn customer_service(format: &str) -> String {
    run(&["evaluate", "--ladder", "customer-service", "--format", format, "--as-of", "2026-12-31", "examples/customer-service.csv"])
}

#[test]
fn telecom_example_table() {
    insta::assert_snapshot!(telecom("table"));
}

/// The built-in scheme files' hashes change with every edit of a comment in
/// `ladders/`; the snapshot keeps their paths and the input's hash.
fn without_scheme_hashes(text: &str) -> String {
    let mut out = Vec::new();
    let mut after_scheme_path = false;
    for line in text.lines() {
        if after_scheme_path && line.trim_start().starts_with("\"sha256\"") {
            out.push(line.split(':').next().unwrap_or("").to_string() + ": \"[sha256 of the built-in file]\"");
        } else {
            out.push(line.to_string());
        }
        after_scheme_path = line.contains("\"path\": \"ladders/");
    }
    out.join("\n") + "\n"
}

#[test]
fn telecom_example_json() {
    insta::assert_snapshot!(without_scheme_hashes(&telecom("json")));
}

#[test]
fn telecom_example_ndjson() {
    insta::assert_snapshot!(telecom("ndjson"));
}

#[test]
fn telecom_example_csv() {
    insta::assert_snapshot!(telecom("csv"));
}

#[test]
fn customer_service_example_table() {
    insta::assert_snapshot!(customer_service("table"));
}

#[test]
fn customer_service_example_ndjson() {
    insta::assert_snapshot!(customer_service("ndjson"));
}

#[test]
fn the_examples_show_every_status() {
    for output in [telecom("ndjson"), customer_service("ndjson")] {
        let lines: Vec<serde_json::Value> =
            output.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(lines.len() >= 30, "at least 30 employees");
        let has = |f: &dyn Fn(&serde_json::Value) -> bool| lines.iter().any(f);
        for status in ["promote", "hold", "top", "demote", "error"] {
            assert!(has(&|r| r["status"] == status), "no {status}");
        }
        assert!(has(&|r| r["status"] == "promote" && r["recommended_grade"] != r["next_grade"]), "no bridge promotion");
        assert!(has(&|r| r["status"] == "hold" && !r["eligible_on"].is_null()), "no eligible_on");
        assert!(has(&|r| r["status"] == "hold" && r["eligible_on"].is_null() && !r["unmet"].as_array().unwrap().is_empty()));
    }
}

#[test]
fn the_default_scheme_is_the_telecom_one_and_stdin_works() {
    let csv = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/telecom-after-sales.csv")).unwrap();
    let from_stdin = run_with_stdin(
        &["evaluate", "--format", "ndjson", "--as-of", "2026-12-31", "--scores", "examples/telecom-after-sales-scores.csv", "-"],
        Some(&csv),
    );
    // The same results; stderr names the input as <stdin>.
    let stdout = |run: &str| run.split("--- stderr").next().unwrap().to_string();
    assert_eq!(stdout(&from_stdin), stdout(&telecom("ndjson")));
    assert!(from_stdin.contains("row error: <stdin>:7: E006"), "{from_stdin}");
}

#[test]
fn a_utf8_bom_is_ignored() {
    let csv = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customer-service.csv")).unwrap();
    let with_bom = run_with_stdin(
        &["evaluate", "--ladder", "customer-service", "--format", "ndjson", "--as-of", "2026-12-31", "-"],
        Some(&format!("\u{feff}{csv}")),
    );
    let stdout = |run: &str| run.split("--- stderr").next().unwrap().to_string();
    assert_eq!(stdout(&with_bom), stdout(&customer_service("ndjson")));
}

#[test]
fn status_filter_keeps_matching_rows() {
    let mut args = vec!["evaluate", "--format", "csv", "--status", "promote,top"];
    args.extend(TELECOM);
    let out = run(&args);
    let rows: Vec<&str> = out.lines().skip(3).take_while(|l| !l.starts_with("---")).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains(",promote,") || r.contains(",top,")), "{out}");
}

#[test]
fn output_is_written_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("results.json");
    std::fs::write(&target, "old").unwrap();
    let mut args = vec!["evaluate", "--format", "json", "--output", target.to_str().unwrap()];
    args.extend(TELECOM);
    let out = run(&args);
    assert!(out.starts_with("exit: 3\n--- stdout\n--- stderr\n"), "{out}");
    let written = std::fs::read_to_string(&target).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(doc["meta"]["scheme"], "telecom-after-sales");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
}

#[test]
fn check_summarises_the_built_in_schemes() {
    insta::assert_snapshot!(run(&["check"]));
    insta::assert_snapshot!(run(&["check", "--ladder", "customer-service"]));
}

#[test]
fn usage_errors_exit_2() {
    assert!(run(&["evaluate"]).starts_with("exit: 2\n"));
    assert!(run(&["evaluate", "--as-of", "2026-13-01", "x.csv"]).starts_with("exit: 2\n"));
    assert!(run(&["evaluate", "--format", "xml", "x.csv"]).starts_with("exit: 2\n"));
}

#[test]
fn an_unusable_input_exits_1_and_names_it() {
    let out = run(&["evaluate", "--as-of", "2026-12-31", "no-such-file.csv"]);
    assert!(out.starts_with("exit: 1\n--- stdout\n--- stderr\nerror: no-such-file.csv: cannot read the file"), "{out}");
    let out = run(&["check", "--ladder", "no-such-scheme"]);
    assert!(out.starts_with("exit: 1\n"), "{out}");
    assert!(out.contains("built-in: customer-service, telecom-after-sales"), "{out}");
}

#[test]
fn every_row_evaluated_exits_0() {
    let csv = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/customer-service.csv")).unwrap();
    let good: String = csv
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0)
        .chain(csv.lines().enumerate().skip(1).take(3))
        .flat_map(|(_, l)| [l, "\n"])
        .collect();
    let out = run_with_stdin(&["evaluate", "--ladder", "customer-service", "--format", "csv", "--as-of", "2026-12-31", "-"], Some(&good));
    assert!(out.starts_with("exit: 0\n"), "{out}");
}

#[test]
fn parallel_output_is_byte_identical_to_a_single_threaded_run() {
    for format in ["csv", "ndjson", "json", "table"] {
        let mut args = vec!["evaluate", "--format", format];
        args.extend(TELECOM);
        let run = |threads: &str| Test::new().args(&args).env("RAYON_NUM_THREADS", threads).run_bytes().stdout;
        assert_eq!(run("1"), run("4"), "--format {format}");
    }
}

/// Several chunks of rows (512 KiB a chunk), each shared out among workers: the pieces
/// come back in input order whatever the number of threads. CI copies the
/// example 300 times (about 8 chunks), a local run 80 times (3 chunks).
#[test]
fn parallel_output_of_many_chunks_is_byte_identical_to_a_single_threaded_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = std::fs::read_to_string(root.join("examples/telecom-after-sales.csv")).unwrap();
    let mut lines = example.lines();
    let mut big = format!("{}\n", lines.next().unwrap());
    let rows: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let copies = super::harness::scaled(80, 300);
    for copy in 0..copies {
        for row in &rows {
            // A new id for every copy (a repeated id would be a duplicate, in error).
            let (id, rest) = row.split_once(',').unwrap();
            big.push_str(&format!("{id}-{copy},{rest}\n"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("big.csv");
    assert!(big.len() > 1 << 20, "more than two chunks of 512 KiB: {} bytes", big.len());
    std::fs::write(&input, big).unwrap();
    for format in ["csv", "ndjson"] {
        let run = |threads: &str| {
            Test::new()
                .args(["evaluate", "--quiet", "--as-of", "2026-12-31", "--format", format, "--scores"])
                .arg(root.join("examples/telecom-after-sales-scores.csv"))
                .arg(&input)
                .env("RAYON_NUM_THREADS", threads)
                .run_bytes()
                .stdout
        };
        let single = run("1");
        // At least 100 bytes a row (1 MB in CI, as before the size was scaled).
        assert!(single.len() > copies * rows.len() * 100, "the run wrote {} bytes", single.len());
        assert_eq!(single, run("2"), "--format {format}, 2 threads");
        assert_eq!(single, run("5"), "--format {format}, 5 threads");
    }
}

#[cfg(unix)]
#[test]
fn output_files_get_ordinary_permissions_not_the_temporary_files_private_ones() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("results.csv");
    let mut args = vec!["evaluate", "--format", "csv", "--output", target.to_str().unwrap()];
    args.extend(TELECOM);
    run(&args);
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_ne!(mode, 0o600, "a new report is readable like any new file (umask applies)");
    // An existing report keeps its permissions.
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    run(&args);
    assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o640);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no scratch file left behind");
}
