//! A catalogue of bad inputs (docs/bad-input.md lists them): every broken
//! scheme and every broken employee file gets a message naming the file, the
//! line, the column and what was expected, and the exit code of SPEC §6 —
//! 1 when the scheme or a file cannot be used, 3 when only some rows are bad
//! (the good rows are still evaluated). Nothing panics and nothing hangs:
//! every run of the binary has a 30-second timeout (generous, so a loaded machine does not fail it; a hang still does).
//!
//! Also here: encodings, spreadsheet-safe CSV, atomic `--output` and
//! byte-identical output for the same inputs.

use super::harness::{bad_scheme_with as scheme_with, excerpt, write, Test, BAD_SCHEME as SCHEME};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

const FIXTURES: &str = "tests/fixtures/bad";
const AS_OF: &str = "2026-12-31";
/// The header and one good row of the fixture employee files.
const HEADER: &str = "id,name,position,sequence,grade,hire_date,grade_date,education,2026Q3.quality,2026Q3.volume,2026Q4.quality,2026Q4.volume,2026H2.skill,2026H2.care";
const GOOD_ROW: &str = "E1,张伟,engineer,technical,T1,2024-01-01,2024-01-01,大专,85,90,88,80,4,4.5";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

type Run = super::harness::Run<Vec<u8>>;

/// The CSV results this catalogue reads (only here: other modules read json).
trait CsvResults {
    fn csv_results(&self) -> Vec<(String, String, String)>;
    fn result(&self, nth: usize, id: &str) -> (String, String);
    fn row_error(&self, nth: usize, id: &str, parts: &[&str]) -> &Self;
    fn row_ok(&self, nth: usize, id: &str) -> &Self;
}

impl CsvResults for Run {
    /// The CSV results: id → (status, errors), in file order.
    fn csv_results(&self) -> Vec<(String, String, String)> {
        let mut reader = csv::Reader::from_reader(self.stdout.as_slice());
        let headers = reader.headers().expect("csv header").clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
        let (id, status, errors) = (col("id"), col("status"), col("errors"));
        reader.records().map(|r| r.expect("csv row")).map(|r| (r[id].to_string(), r[status].to_string(), r[errors].to_string())).collect()
    }

    /// The status and errors of the `nth` result (0-based; ids may repeat).
    #[track_caller]
    fn result(&self, nth: usize, id: &str) -> (String, String) {
        let results = self.csv_results();
        let (rid, status, errors) = results.get(nth).unwrap_or_else(|| panic!("no result {nth}: {results:?}")).clone();
        assert_eq!(rid, id, "result {nth}");
        (status, errors)
    }

    /// Result `nth` is an error whose message holds every part.
    #[track_caller]
    fn row_error(&self, nth: usize, id: &str, parts: &[&str]) -> &Run {
        let (status, errors) = self.result(nth, id);
        assert_eq!(status, "error", "{id}: {errors}");
        for part in parts {
            assert!(errors.contains(part), "errors of {id} lack {part:?}: {}", excerpt(&errors));
        }
        self
    }

    /// Result `nth` was evaluated (not an error).
    #[track_caller]
    fn row_ok(&self, nth: usize, id: &str) -> &Run {
        let (status, errors) = self.result(nth, id);
        assert_ne!(status, "error", "{id} should be evaluated: {errors}");
        self
    }
}

/// A run of the binary with a 30-second timeout (generous, so a loaded
/// machine does not fail it; a hang still does).
fn ladder<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Test::new().args(args).timeout(Duration::from_secs(30)).run_bytes()
}

fn ladder_in<I, S>(stdin: Option<Vec<u8>>, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Test::new().args(args).timeout(Duration::from_secs(30)).stdin_if(stdin).run_bytes()
}

fn check(scheme: &str) -> Run {
    ladder(["check", "--ladder", scheme])
}

/// `evaluate --format csv` of an employee file against the fixture scheme.
fn evaluate(file: &str, extra: &[&str]) -> Run {
    let mut args = vec!["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "--format", "csv"];
    args.extend_from_slice(extra);
    args.push(file);
    ladder(args)
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

// ---------------------------------------------------------------------------
// The scheme

#[test]
fn the_fixture_scheme_and_file_are_good() {
    check(SCHEME).code(0);
    evaluate(&fixture("good.csv"), &[]).code(0).row_ok(0, "E1").row_ok(1, "E2");
}

#[test]
fn scheme_broken_yaml() {
    check(&fixture("scheme-broken.yaml")).code(1).stdout_empty().stderr_has(&["scheme-broken.yaml:6:1", "YAML syntax error", "']'"]);
}

#[test]
fn scheme_wrong_type() {
    check(&fixture("scheme-wrong-type.yaml")).code(1).stderr_has(&[
        "scheme-wrong-type.yaml:4:20",
        "review.quarters",
        "\"two\"",
        "expected a whole number",
    ]);
}

#[test]
fn scheme_unknown_key() {
    check(&fixture("scheme-unknown-key.yaml")).code(1).stderr_has(&["scheme-unknown-key.yaml:18:22", "unknown field `wieght`", "`weight`"]);
}

#[test]
fn scheme_weights_off_by_a_hundredth() {
    check(&fixture("scheme-weights-off.yaml")).code(1).stderr_has(&["scheme-weights-off.yaml:16:5", "sum to 99.99, expected 100"]);
}

#[test]
fn scheme_duplicate_ids_across_the_files_of_a_directory() {
    check(&fixture("scheme-duplicate-ids")).code(1).stderr_has(&[
        "grade `T2` is defined twice",
        "d-more.yaml:6:14",
        "c-sequences.yaml:5:9",
    ]);
}

#[test]
fn scheme_ordinal_value_off_its_scale() {
    check(&fixture("scheme-ordinal-off-scale.yaml")).code(1).stderr_has(&[
        "scheme-ordinal-off-scale.yaml:30:60",
        "`博士` is not on the `education` scale",
        "高中, 大专, 本科",
    ]);
}

#[test]
fn scheme_bridge_to_nowhere() {
    check(&fixture("scheme-bridge-to-nowhere.yaml")).code(1).stderr_has(&["scheme-bridge-to-nowhere.yaml:36:20", "`M9`", "no grade"]);
}

#[test]
fn scheme_alias_bomb() {
    check(&fixture("scheme-alias-bomb.yaml")).code(1).stderr_has(&["scheme-alias-bomb.yaml:5:12", "alias"]);
}

#[test]
fn scheme_deeply_nested_flow_collections() {
    // Guards a hang: libyaml is quadratic in flow depth; 100 000 `[` took minutes.
    let dir = temp_dir();
    let deep = write(dir.path(), "deep.yaml", format!("scheme: x\nscales: {{a: {}{}}}\n", "[".repeat(100_000), "]".repeat(100_000)));
    let run = check(&deep);
    run.code(1).stderr_has(&["deep.yaml:2:", "nests deeper than 128 levels"]);
    assert!(run.stderr.len() < 2000, "the snippet of a long line is cut: {} bytes", run.stderr.len());
}

#[test]
fn scheme_deeply_nested_rule() {
    let dir = temp_dir();
    let rule = format!("{}{{fact: kpi, min: 1}}{}", "{not: ".repeat(5000), "}".repeat(5000));
    let text = scheme_with(&[(
        "        requires:\n          - {fact: months_in_grade, min: 12}",
        &format!("        requires:\n          - {rule}"),
    )]);
    let path = write(dir.path(), "deep-rule.yaml", text);
    check(&path).code(1).stderr_has(&["deep-rule.yaml:27:", "nests deeper than 128 levels"]);
}

#[test]
fn scheme_block_nesting_within_the_limit_is_fine() {
    // 100 nested `not`s are silly but legal.
    let dir = temp_dir();
    let rule = format!("{}{{fact: kpi, min: 1}}{}", "{not: ".repeat(100), "}".repeat(100));
    let text = scheme_with(&[("          - {fact: months_in_grade, min: 12}", &format!("          - {rule}"))]);
    check(&write(dir.path(), "hundred.yaml", text)).code(0);
}

#[test]
fn scheme_empty_file() {
    check(&fixture("scheme-empty.yaml")).code(1).stderr_has(&["scheme-empty.yaml:1:1", "the file is empty"]);
}

#[test]
fn scheme_binary_file() {
    let dir = temp_dir();
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    bytes.extend((0..=255u8).cycle().take(4096));
    let path = write(dir.path(), "binary.yaml", bytes);
    check(&path).code(1).stderr_has(&["binary.yaml:2:", "a scheme is a YAML text file"]);
    // Valid UTF-8 with NUL bytes is no scheme either.
    let path = write(dir.path(), "nul.yaml", "scheme: x\ntitle: a\0b\n");
    check(&path).code(1).stderr_has(&["nul.yaml:2:9", "NUL bytes"]);
}

#[test]
fn scheme_every_problem_is_reported_at_once_without_evaluating() {
    let dir = temp_dir();
    let text = scheme_with(&[("{id: volume, weight: 40}", "{id: volume, weight: 39.99}"), ("to: M1,", "to: M9,")]);
    let path = write(dir.path(), "two.yaml", text);
    let run = ladder(["evaluate", "--ladder", &path, "--as-of", AS_OF, &fixture("good.csv")]);
    run.code(1).stdout_empty().stderr_has(&["two.yaml:16:5", "two.yaml:36:20", "2 problems", "nothing was evaluated"]);
    assert!(!run.stderr.contains("error: error:"), "one `error:` per problem:\n{}", run.stderr);
}

#[test]
fn scheme_missing() {
    check("tests/fixtures/bad/no-such-scheme.yaml").code(1).stderr_has(&["no-such-scheme.yaml", "no such file"]);
}

// ---------------------------------------------------------------------------
// Employee records

#[test]
fn records_missing_required_columns() {
    evaluate(&fixture("records-missing-columns.csv"), &[]).code(1).stdout_empty().stderr_has(&[
        "records-missing-columns.csv: line 1",
        "missing the required column `grade`",
        "missing the required column `grade_date`",
    ]);
}

#[test]
fn records_duplicate_headers() {
    evaluate(&fixture("records-duplicate-headers.csv"), &[])
        .code(1)
        .stdout_empty()
        .stderr_has(&["records-duplicate-headers.csv: line 1", "column 15 `name` repeats the header of column 2"]);
}

#[test]
fn records_duplicate_ids() {
    evaluate(&fixture("records-duplicate-ids.csv"), &[]).code(3).row_ok(0, "E1").row_ok(1, "E2").row_error(
        2,
        "E1",
        &["id", "duplicate", "line 2"],
    );
}

#[test]
fn records_ragged_rows() {
    evaluate(&fixture("records-ragged.csv"), &[])
        .code(3)
        .row_ok(0, "E1")
        .row_error(1, "E2", &["line 3", "6 cells", "header has 14", "`grade_date`"])
        .row_error(2, "E3", &["line 4", "15 cells", "past the last column `2026H2.care`"]);
}

#[test]
fn records_bad_date() {
    evaluate(&fixture("records-bad-date.csv"), &[]).code(3).row_ok(0, "E1").row_error(
        1,
        "E2",
        &["hire_date", "`2026-02-30`", "YYYY-MM-DD"],
    );
}

#[test]
fn records_scores_out_of_range() {
    evaluate(&fixture("records-score-out-of-range.csv"), &[]).code(3).row_ok(0, "E1").row_error(
        1,
        "E2",
        &["2026Q3.quality: 185", "0..100", "2026H2.care: 7", "1..5"],
    );
}

#[test]
fn records_score_not_a_number() {
    evaluate(&fixture("records-score-not-a-number.csv"), &[]).code(3).row_ok(0, "E1").row_error(
        1,
        "E2",
        &["2026Q3.volume", "`n/a` is not a number"],
    );
}

#[test]
fn records_partial_periods() {
    evaluate(&fixture("records-partial-period.csv"), &[]).code(3).row_ok(0, "E1").row_error(
        1,
        "E2",
        &["2026Q3", "volume", "2026H2", "care"],
    );
}

#[test]
fn records_period_column_for_an_unknown_item() {
    evaluate(&fixture("records-unknown-item.csv"), &[]).code(1).stdout_empty().stderr_has(&[
        "records-unknown-item.csv: line 1",
        "column 15 `2026Q4.qualty`",
        "no KPI item",
        "did you mean `2026Q4.quality`?",
    ]);
}

#[test]
fn records_period_that_does_not_exist() {
    evaluate(&fixture("records-unknown-period.csv"), &[]).code(1).stderr_has(&[
        "records-unknown-period.csv: line 1",
        "column 15 `2026Q5.quality`",
        "`2026Q5` is not a period",
    ]);
}

#[test]
fn records_unknown_grade() {
    evaluate(&fixture("records-unknown-grade.csv"), &[]).code(3).row_ok(0, "E1").row_error(1, "E2", &["grade", "`T9`", "technical"]);
}

#[test]
fn records_scores_file_conflicting_with_the_wide_columns() {
    evaluate(&fixture("records-scores-conflict.csv"), &["--scores", &fixture("records-scores-conflict-long.csv")])
        .code(3)
        .row_ok(0, "E1") // the same value in both places is no conflict
        .row_error(1, "E2", &["2026Q3.quality", "`85`", "records-scores-conflict-long.csv line 3", "`70`"]);
}

#[test]
fn records_scores_file_with_a_bad_line() {
    let dir = temp_dir();
    let long = write(dir.path(), "long.csv", "id,period,item,value\nE1,2026Q3,quality,85\nE1,2026Q7,quality,85\nE1,2026Q3,qualty,1\n");
    evaluate(&fixture("good.csv"), &["--scores", &long])
        .code(1)
        .stdout_empty()
        .stderr_has(&["long.csv: line 3: column `period`: `2026Q7` is not a period", "long.csv: line 4: column `item`: `qualty`"]);
}

#[test]
fn records_empty_file() {
    evaluate(&fixture("records-empty.csv"), &[]).code(1).stdout_empty().stderr_has(&[
        "records-empty.csv: line 1",
        "the file is empty",
        "header",
    ]);
}

#[test]
fn records_header_only() {
    let run = evaluate(&fixture("records-header-only.csv"), &[]);
    run.code(0).stderr_has(&["records-header-only.csv", "no employee rows"]);
    assert!(run.csv_results().is_empty());
}

#[test]
fn records_invalid_utf8() {
    let dir = temp_dir();
    let mut bytes = format!("{HEADER}\n{GOOD_ROW}\nE2,").into_bytes();
    bytes.extend_from_slice(b"\xff\xfe\xfd");
    bytes.extend_from_slice(b",engineer,technical,T1,2024-01-01,2024-01-01,x,85,90,88,80,4,4.5\n");
    let path = write(dir.path(), "broken-utf8.csv", bytes);
    evaluate(&path, &[]).code(1).stdout_empty().stderr_has(&["broken-utf8.csv: line 3, column 2 `name`", "not valid UTF-8", "UTF-8"]);
}

/// Found while reading (UTF-8 is not checked ahead of the run): a bad byte
/// far down the file still stops it before anything is written, located.
#[test]
fn records_invalid_utf8_far_down() {
    let dir = temp_dir();
    let mut text = format!("{HEADER}\n");
    for i in 0..9_998 {
        text.push_str(&GOOD_ROW.replacen("E1,", &format!("E{i},"), 1));
        text.push('\n');
    }
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"X1,\xe5\x91,engineer,technical,T1,2024-01-01,2024-01-01,x,85,90,88,80,4,4.5\n");
    let path = write(dir.path(), "late-utf8.csv", bytes);
    let out = dir.path().join("out.csv");
    evaluate(&path, &["--output", out.to_str().unwrap()])
        .code(1)
        .stdout_empty()
        .stderr_has(&["late-utf8.csv: line 10000, column 2 `name`", "not valid UTF-8"]);
    assert!(!out.exists(), "no report is written");
}

#[test]
fn records_binary_file() {
    let dir = temp_dir();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let path = write(dir.path(), "binary.csv", bytes);
    // Refused on its first bytes (a NUL at offset 0), before the rest is read.
    evaluate(&path, &[]).code(1).stdout_empty().stderr_has(&["binary.csv: line 1: a NUL byte at offset 0: this is a binary file"]);
}

/// A 10 MB cell in CI (2 MB locally: the same paths, a fifth of the
/// bytes), made here rather than committed.
fn big() -> String {
    "x".repeat(big_len())
}

fn big_len() -> usize {
    super::harness::scaled(2_000_000, 10_000_000)
}

#[test]
fn records_10_mb_name_is_kept_whole() {
    let dir = temp_dir();
    let name = big();
    let path = write(dir.path(), "big-name.csv", format!("{HEADER}\n{}\n", GOOD_ROW.replace("张伟", &name)));
    let run = evaluate(&path, &[]);
    run.code(0);
    assert!(run.stdout_text().contains(&name), "nothing lost: the name is in the csv output");
    let json = ladder(["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "--format", "json", &path]);
    json.code(0);
    assert!(json.stdout_text().contains(&name), "nothing lost: the name is in the json output");
}

#[test]
fn records_10_mb_score_cell_is_cut_in_the_message() {
    let dir = temp_dir();
    let path = write(
        dir.path(),
        "big-score.csv",
        format!("{HEADER}\n{GOOD_ROW}\n{}\n", GOOD_ROW.replace("E1", "E2").replace(",85,", &format!(",{},", big()))),
    );
    let run = evaluate(&path, &[]);
    run.code(3).row_ok(0, "E1").row_error(1, "E2", &["2026Q3.quality", "is not a number", &format!("({} characters)", big_len())]);
    assert!(run.stdout.len() < 10_000, "the 10 MB cell is not echoed: {} bytes", run.stdout.len());
}

#[test]
fn records_10_mb_header_is_cut_in_the_message() {
    let dir = temp_dir();
    let path = write(dir.path(), "big-header.csv", format!("{HEADER},2026Q4.{}\n{GOOD_ROW},1\n", big()));
    let run = evaluate(&path, &[]);
    run.code(1).stderr_has(&["big-header.csv: line 1", "column 15", &format!("({} characters)", big_len() + 7)]);
    assert!(run.stderr.len() < 2_000, "the 10 MB header is not echoed: {} bytes", run.stderr.len());
}

#[test]
fn records_10_mb_name_in_a_table() {
    let dir = temp_dir();
    let path = write(dir.path(), "big-name.csv", format!("{HEADER}\n{}\n", GOOD_ROW.replace("张伟", &big())));
    ladder(["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, &path]).code(0);
}

#[test]
fn records_10_mb_fact_cell_is_cut_in_unmet() {
    let dir = temp_dir();
    let row = GOOD_ROW.replace(",T1,", ",T2,").replace("大专", &big());
    let path = write(dir.path(), "big-fact.csv", format!("{HEADER}\n{row}\n"));
    let run = evaluate(&path, &[]);
    run.code(0);
    assert!(run.stdout.len() < 10_000, "the 10 MB cell is not echoed: {} bytes", run.stdout.len());
}

// ---------------------------------------------------------------------------
// Encodings

fn gbk_bytes(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn good_text() -> String {
    std::fs::read_to_string(fixture("good.csv")).expect("good.csv")
}

#[test]
fn encoding_utf8_with_bom() {
    let dir = temp_dir();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(good_text().into_bytes());
    let path = write(dir.path(), "bom.csv", bytes);
    let run = evaluate(&path, &[]);
    run.code(0).row_ok(0, "E1").row_ok(1, "E2");
    assert!(run.stdout_text().contains("张伟"));
    assert_eq!(run.stdout, evaluate(&fixture("good.csv"), &[]).stdout, "a BOM changes nothing");
    // The report's SHA-256 is of the file as it is, BOM included.
    use sha2::Digest;
    let json = ladder(["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "--format", "json", &path]).stdout_text();
    let sha = format!("{:x}", sha2::Sha256::digest(std::fs::read(&path).unwrap()));
    assert!(json.contains(&format!("\"sha256\": \"{sha}\"")), "{json}");
    assert!(json.contains("张伟"));
}

#[test]
fn encoding_utf16_with_bom() {
    // Read through the decoder, which knows UTF-16 by its BOM (a UTF-8 file is read straight).
    let dir = temp_dir();
    let expected = evaluate(&fixture("good.csv"), &[]).stdout;
    for (name, bom, units) in [("le.csv", b"\xFF\xFE", u16::to_le_bytes as fn(u16) -> [u8; 2]), ("be.csv", b"\xFE\xFF", u16::to_be_bytes)] {
        let mut bytes = bom.to_vec();
        bytes.extend(good_text().encode_utf16().flat_map(units));
        let run = evaluate(&write(dir.path(), name, bytes), &[]);
        assert_eq!(run.stdout, expected, "{name}");
    }
}

#[test]
fn encoding_gbk_with_the_flag() {
    let dir = temp_dir();
    let path = write(dir.path(), "gbk.csv", gbk_bytes(&good_text()));
    let utf8 = evaluate(&fixture("good.csv"), &[]);
    for flag in ["gbk", "gb18030", "auto"] {
        let run = evaluate(&path, &["--encoding", flag]);
        run.code(0);
        assert!(run.stdout_text().contains("张伟") && run.stdout_text().contains("王芳"), "--encoding {flag}");
        assert_eq!(run.stdout, utf8.stdout, "--encoding {flag} reads the same as UTF-8");
    }
}

#[test]
fn encoding_gbk_without_the_flag_gets_a_hint() {
    let dir = temp_dir();
    let path = write(dir.path(), "gbk.csv", gbk_bytes(&good_text()));
    evaluate(&path, &[]).code(1).stdout_empty().stderr_has(&["gbk.csv: line 2, column 2 `name`", "not valid UTF-8", "try --encoding gbk"]);
}

#[test]
fn encoding_gbk_scores_file() {
    let dir = temp_dir();
    let employees = write(dir.path(), "gbk.csv", gbk_bytes(&good_text()));
    let scores = write(dir.path(), "scores.csv", gbk_bytes("id,period,item,value\nE1,2026Q3,quality,85\n"));
    evaluate(&employees, &["--encoding", "gbk", "--scores", &scores]).code(0);
}

#[test]
fn stdin_is_read_like_a_file() {
    let run = ladder_in(
        Some(std::fs::read(fixture("records-bad-date.csv")).unwrap()),
        ["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "-f", "csv", "-"],
    );
    run.code(3).row_ok(0, "E1").row_error(1, "E2", &["hire_date"]);
    ladder_in(Some(Vec::new()), ["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "-"]).code(1).stderr_has(&["<stdin>: line 1", "empty"]);
}

// ---------------------------------------------------------------------------
// Spreadsheet safety

#[test]
fn csv_output_never_starts_a_formula() {
    let names = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "=1+2"];
    let dir = temp_dir();
    let mut text = format!("{HEADER}\n");
    for (i, name) in names.iter().enumerate() {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        text.push_str(&GOOD_ROW.replace("E1", &format!("E{i}")).replace("张伟", &quoted));
        text.push('\n');
    }
    // A formula in the id and in a cell that ends up in an error message, too.
    text.push_str(&GOOD_ROW.replace("E1,", "=E9,").replace(",T1,", ",=cmd|'/c calc'!A1,"));
    text.push('\n');
    let path = write(dir.path(), "formulas.csv", text);
    let run = evaluate(&path, &[]);
    run.code(3);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(run.stdout.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), names.len() + 1);
    for (row, name) in rows.iter().zip(names) {
        assert_eq!(&row[1], format!("'{name}"), "the name cell is defused and otherwise kept");
    }
    assert_eq!(&rows[names.len()][0], "'=E9");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "a cell starts a formula: {cell:?}");
        }
    }
    // JSON is not a spreadsheet: the names stay as they are.
    let json = ladder(["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "--format", "json", &path]);
    assert!(json.stdout_text().contains("\"name\": \"+1\""), "{}", excerpt(&json.stdout_text()));
}

// ---------------------------------------------------------------------------
// Nothing lost or half-written

fn listing(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn a_failing_run_leaves_the_previous_output_untouched() {
    let dir = temp_dir();
    let out = write(dir.path(), "report.csv", "the previous report\n");
    let before = listing(dir.path());
    for (scheme, employees) in [
        (fixture("scheme-broken.yaml"), fixture("good.csv")),
        (SCHEME.to_string(), fixture("records-empty.csv")),
        (SCHEME.to_string(), fixture("records-unknown-item.csv")),
    ] {
        let run = ladder(["evaluate", "--ladder", &scheme, "--as-of", AS_OF, "--format", "csv", "--output", &out, &employees]);
        run.code(1).stdout_empty();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "the previous report\n", "{scheme} {employees}");
        assert_eq!(listing(dir.path()), before, "no temporary file is left behind");
    }
}

#[test]
fn a_successful_run_replaces_the_output_whole() {
    let dir = temp_dir();
    let out = write(dir.path(), "report.csv", "the previous report\n");
    let run =
        ladder(["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "--format", "csv", "--output", &out, &fixture("records-bad-date.csv")]);
    run.code(3).stdout_empty();
    let written = std::fs::read(&out).unwrap();
    assert_eq!(written, evaluate(&fixture("records-bad-date.csv"), &[]).stdout, "the file holds what stdout would");
    assert_eq!(listing(dir.path()), BTreeSet::from(["report.csv".to_string()]), "no temporary file is left behind");
}

#[test]
fn output_into_a_missing_directory_fails_cleanly() {
    let dir = temp_dir();
    let out = dir.path().join("no-such-dir").join("report.csv");
    let run = ladder(["evaluate", "--ladder", SCHEME, "--as-of", AS_OF, "--output", out.to_str().unwrap(), &fixture("good.csv")]);
    // A usage error said before anything is read, naming the directory (issue 13 item 9).
    run.code(2).stderr_has(&["no-such-dir` does not exist"]);
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn same_inputs_give_byte_identical_output() {
    let inputs: [(&str, &str); 3] = [
        ("telecom-after-sales", "examples/telecom-after-sales.csv"),
        (SCHEME, "tests/fixtures/bad/records-ragged.csv"),
        (SCHEME, "tests/fixtures/bad/records-duplicate-ids.csv"),
    ];
    for (scheme, file) in inputs {
        for format in ["json", "csv", "ndjson", "table"] {
            let run = || ladder(["evaluate", "--ladder", scheme, "--as-of", AS_OF, "--format", format, file]);
            let (a, b) = (run(), run());
            assert!(!a.stdout.is_empty(), "{file} {format}");
            assert_eq!(a.code, b.code);
            assert_eq!(a.stdout, b.stdout, "{file} --format {format} differs between two runs");
            assert_eq!(a.stderr, b.stderr);
        }
    }
}

// ---------------------------------------------------------------------------
// Regressions

#[test]
fn as_of_at_the_ends_of_the_calendar_does_not_panic() {
    // Regression: `--as-of +262142-12-31` (chrono's last day) panicked in
    // calendar::Period::last_day looking for 262143-01-01.
    for as_of in ["+262142-12-31", "-262143-01-01"] {
        for format in ["csv", "json", "table"] {
            let run = ladder(["evaluate", &format!("--as-of={as_of}"), "--format", format, "examples/telecom-after-sales.csv"]);
            assert!(run.code == 0 || run.code == 3, "--as-of {as_of} --format {format}: exit {}\n{}", run.code, run.stderr);
        }
    }
}

/// Excel saves CSV with CRLF line ends, and files may have empty lines: a
/// row in error is still named by the line it is on (the csv crate places a
/// record after a CRLF on the line before), in the batch, in `explain` and
/// in a `--scores` file.
#[test]
fn lines_are_right_with_crlf_and_empty_lines() {
    let dir = temp_dir();
    let bad = GOOD_ROW.replacen("E1,", "E2,", 1).replacen("2024-01-01", "2024-13-01", 1);
    let text = format!("{HEADER}\r\n{GOOD_ROW}\r\n\r\n\r\n{bad}\r\n");
    let path = write(dir.path(), "crlf.csv", text);
    evaluate(&path, &[]).code(3).stderr_has(&["crlf.csv:5: E2: hire_date: `2024-13-01` is not a date"]);
    let explained = ladder(["explain", "E2", "--ladder", SCHEME, "--as-of", AS_OF, &path]);
    assert!(explained.stdout_text().contains("line 5 of"), "{}", explained.stdout_text());
    let scores = write(dir.path(), "scores.csv", "id,period,item,value\r\nE1,2026Q3,quality,85\r\n\r\nE1,2026Q9,quality,85\r\n");
    let good = write(dir.path(), "good.csv", format!("{HEADER}\r\n{GOOD_ROW}\r\n"));
    evaluate(&good, &["--scores", &scores]).code(1).stderr_has(&["scores.csv: line 4"]);
}
