//! Hostile input, the rest of issue 14 (docs/bad-input.md, "Hostile input"):
//! a quote never closed, old-Mac line ends, binary and UTF-16 files, an
//! endless standard input, control characters bound for a terminal, a table
//! of too many rows, a header with too many problems, bad GBK, and workbooks
//! that would expand without bound. Every run has a timeout.

use super::harness::{write, Test};
use rust_xlsxwriter::Workbook;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SCHEME: &str = "tests/fixtures/bad/scheme.yaml";
const AS_OF: &str = "2026-12-31";
const HEADER: &str = "id,name,position,sequence,grade,hire_date,grade_date,education,2026Q3.quality,2026Q3.volume,2026Q4.quality,2026Q4.volume,2026H2.skill,2026H2.care";

fn row(id: &str, name: &str) -> String {
    format!("{id},{name},engineer,technical,T1,2024-01-01,2024-01-01,大专,85,90,88,80,4,4.5")
}

type Run = super::harness::Run<Vec<u8>>;

/// Runs the binary with `args` (the scheme and as-of date added after the
/// command), feeding `stdin`, with a 30-second timeout.
fn run(args: &[&str], stdin: Option<&[u8]>) -> Run {
    Test::new()
        .arg(args[0])
        .args(["--ladder", SCHEME, "--as-of", AS_OF])
        .args(&args[1..])
        .timeout(Duration::from_secs(30))
        .stdin_if(stdin)
        .run_bytes()
}

#[test]
fn a_quote_never_closed_is_reported_where_it_opened_with_the_lines_it_swallows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("{HEADER}\n{}\n", row("E1", "张伟"));
    text.push_str(&row("E2", "\"王芳")); // line 3: the quote opens, never closes
    text.push('\n');
    for i in 3..9 {
        text.push_str(&row(&format!("E{i}"), "李娜"));
        text.push('\n');
    }
    let path = write(dir.path(), "staff.csv", text.as_bytes());
    let expected = "staff.csv:3: a quote opened here is never closed: it swallows lines 3–9 (7 lines) into one cell";
    for args in [vec!["evaluate", &path], vec!["explain", "E1", &path], vec!["evaluate", "-f", "csv", "-"]] {
        let stdin = (args.last() == Some(&"-")).then_some(text.as_bytes());
        let r = run(&args, stdin);
        let expected = if stdin.is_some() { expected.replace(&path, "<stdin>").replace("staff.csv", "<stdin>") } else { expected.into() };
        r.expect(1, &[&expected]);
        assert!(r.stdout.is_empty(), "nothing is evaluated");
    }

    // CR LF line ends, in a file of several thousand rows (many blocks), the
    // quote opened in a later cell of a record on line 2,001.
    let mut text = format!("{HEADER}\r\n");
    for i in 0..3000 {
        let name = if i == 1999 { "x,\"quoted" } else { "n" };
        text.push_str(&format!("E{i},{name},engineer,technical,T1,2024-01-01,2024-01-01,大专,85,90,88,80,4,4.5\r\n"));
    }
    let path = write(dir.path(), "big.csv", text.as_bytes());
    run(&["evaluate", "-f", "csv", &path], None)
        .expect(1, &["big.csv:2001: a quote opened here is never closed: it swallows lines 2001–3001 (1001 lines)"]);

    // A closed quote spanning lines, and a quote inside an unquoted cell, are no problem.
    let text = format!("{HEADER}\n{}\n{}\n", row("E1", "\"张\n伟\""), row("E2", "王\"芳"));
    let path = write(dir.path(), "fine.csv", text.as_bytes());
    run(&["evaluate", "-f", "csv", &path], None).expect(0, &[]);
}

#[test]
fn old_mac_line_ends_are_counted_as_lines() {
    let dir = tempfile::tempdir().unwrap();
    for rows in [3usize, 4000] {
        let mut text = format!("{HEADER}\r");
        for i in 1..=rows {
            let line = row(&format!("E{i}"), "n");
            // The last row has a date that does not exist.
            let line = if i == rows { line.replacen("2024-01-01", "2024-02-30", 1) } else { line };
            text.push_str(&line);
            text.push('\r');
        }
        let path = write(dir.path(), "mac.csv", text.as_bytes());
        let last = rows + 1;
        let at = format!("mac.csv:{last}: E{rows}: hire_date: `2024-02-30`");
        run(&["evaluate", "-f", "csv", &path], None).expect(3, &[&at]);
        let explained = run(&["explain", &format!("E{rows}"), &path], None);
        assert!(
            String::from_utf8_lossy(&explained.stdout).contains(&format!("line {last} of")),
            "{}",
            String::from_utf8_lossy(&explained.stdout)
        );
    }
}

#[test]
fn binary_and_utf16_files_are_refused_on_their_first_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}\n{}\n", row("E1", "张伟"));
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let path = write(dir.path(), "u16.csv", &utf16);
    for args in [vec!["evaluate", &path], vec!["explain", "E1", &path]] {
        run(&args, None).expect(
            1,
            &["u16.csv: line 1: this looks like UTF-16 text (little-endian, without a byte-order mark)", "save the file as UTF-8"],
        );
    }
    let utf16be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    run(&["evaluate", "-"], Some(&utf16be)).expect(1, &["<stdin>: line 1: this looks like UTF-16 text (big-endian"]);

    let mut binary = b"id,name\nE1,\x01\x02".to_vec();
    binary.extend([0u8; 64]);
    let path = write(dir.path(), "bin.csv", &binary);
    run(&["evaluate", &path], None).expect(1, &["bin.csv: line 2: a NUL byte at offset 13: this is a binary file, not CSV text"]);
    run(&["explain", "E1", &path], None).expect(1, &["a NUL byte at offset 13"]);
}

/// Feeds the child an endless stream (like `yes`) and checks it stops by
/// itself within 10 s, with `expected` in its stderr.
fn endless_stdin(line: &'static [u8], expected: &str) {
    endless_stdin_to(&["evaluate"], line, expected);
}

fn endless_stdin_to(command: &[&str], line: &'static [u8], expected: &str) {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ladder"))
        .args(command)
        .args(["--ladder", SCHEME, "--as-of", AS_OF, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let block = line.repeat(4096);
        // Ends when the child closes its end (or after a minute, so the test cannot hang).
        while start.elapsed() < Duration::from_secs(60) && stdin.write_all(&block).is_ok() {}
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("`yes | ladder {} -` still running after 10 s", command.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    writer.join().unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(expected), "stderr lacks {expected:?}:\n{stderr}");
}

#[test]
fn an_endless_standard_input_is_checked_before_it_is_spooled() {
    endless_stdin(b"y\n", "<stdin>: line 1 (header): missing the required column `position`");
    endless_stdin(b"\x00\xff\x13", "<stdin>: line 1: a NUL byte at offset 0");
    // explain and what-if read standard input whole: its first lines are checked first.
    for command in [&["explain", "E1"][..], &["what-if", "E1", "--set", "education=本科"]] {
        endless_stdin_to(command, b"y\n", "<stdin>: ");
        endless_stdin_to(command, b"\x00\xff\x13", "<stdin>: line 1: a NUL byte at offset 0");
    }
}

/// Control characters, none of which may reach a terminal raw.
const RAW: [char; 7] = ['\u{1b}', '\u{7}', '\r', '\u{202e}', '\u{9b}', '\u{8}', '\u{2066}'];

#[track_caller]
fn no_raw_controls(what: &str, text: &str) {
    for c in RAW {
        assert!(!text.contains(c), "{what} holds a raw {c:?}:\n{text:?}");
    }
}

#[test]
fn control_characters_are_shown_escaped_on_a_terminal_and_kept_in_machine_formats() {
    let dir = tempfile::tempdir().unwrap();
    let name = "\u{1b}]0;pwned\u{7}\u{1b}[31mred\r\u{8}\u{9b}2J\u{202e}evil\u{2066}x";
    // E1 is fine; E2 is in error with the same text in its grade, so it is in
    // the `why` column, the stderr notes and explain.
    let text = format!(
        "{HEADER}\n{}\n{}\n",
        row("E1", &format!("\"{name}\"")),
        row("E2", &format!("\"{name}\"")).replacen("T1", &format!("\"T{name}\""), 1)
    );
    let path = write(dir.path(), "esc.csv", text.as_bytes());

    let table = run(&["evaluate", &path], None);
    table.expect(3, &["\\u{1b}]0;pwned\\u{7}\\u{1b}[31mred\\u{d}\\u{8}\\u{9b}2J\\u{202e}evil\\u{2066}x"]);
    let stdout = String::from_utf8(table.stdout.clone()).unwrap();
    no_raw_controls("the table", &stdout);
    no_raw_controls("stderr", &table.stderr);
    assert!(stdout.contains("\\u{1b}]0;pwned"), "{stdout}");

    for id in ["E1", "E2"] {
        let explained = run(&["explain", id, &path], None);
        no_raw_controls("explain", &String::from_utf8(explained.stdout).unwrap());
        no_raw_controls("explain's stderr", &explained.stderr);
    }
    let what_if = run(&["what-if", "E1", &path, "--set", "2026H2.care=5"], None);
    assert_eq!(what_if.code, 0, "{}", what_if.stderr);
    no_raw_controls("what-if", &String::from_utf8(what_if.stdout).unwrap());

    // Machine formats keep the data exact.
    let csv = run(&["evaluate", "-f", "csv", &path], None);
    assert!(String::from_utf8(csv.stdout).unwrap().contains(name), "csv keeps the name");
    let json = run(&["evaluate", "-f", "json", &path], None);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["results"][0]["name"], name);
}

#[test]
fn a_table_of_too_many_rows_is_cut_with_a_note_and_the_summary_counts_all() {
    let dir = tempfile::tempdir().unwrap();
    let rows = 10_003;
    let mut text = format!("{HEADER}\n");
    for i in 0..rows {
        text.push_str(&row(&format!("E{i}"), "n"));
        text.push('\n');
    }
    let path = write(dir.path(), "many.csv", text.as_bytes());
    let r = run(&["evaluate", &path], None);
    r.expect(0, &[]);
    let out = String::from_utf8(r.stdout).unwrap();
    assert!(out.contains("│ E9999 "), "the 10,000th row is shown");
    assert!(!out.contains("│ E10000 "), "the 10,001st is not");
    assert!(out.contains(&format!("{rows} employees")), "the summary counts every row");
    assert!(out.contains("… and 3 more results not shown: a table shows the first 10000; use --format csv"), "{}", &out[out.len() - 400..]);
}

#[test]
fn header_problems_are_capped_like_row_errors() {
    let dir = tempfile::tempdir().unwrap();
    let columns: Vec<String> = (0..30).map(|i| format!("2026Q3.wrong{i}")).collect();
    let text = format!("{HEADER},{}\n{}\n", columns.join(","), row("E1", "n"));
    let path = write(dir.path(), "wide.csv", text.as_bytes());
    let r = run(&["evaluate", &path], None);
    r.expect(1, &["… and 10 more problems with the header", "column 15 `2026Q3.wrong0`"]);
    assert_eq!(r.stderr.matches("(header): column").count(), 20, "{}", r.stderr);
}

#[test]
fn invalid_gbk_is_reported_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{HEADER}\n{}\n{}\n", row("E1", "张伟"), row("E2", "王芳"));
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let mut bytes = gbk.into_owned();
    // A lead byte followed by a byte no GBK character has, in E2's name (line 3).
    let at = bytes.windows(2).rposition(|w| w == b"E2").unwrap() + 3;
    bytes.splice(at..at, [0x81, 0x20]);
    let path = write(dir.path(), "gbk.csv", &bytes);
    for args in [vec!["evaluate", "--encoding", "gbk", &path], vec!["explain", "E1", "--encoding", "gbk", &path]] {
        run(&args, None).expect(1, &["gbk.csv: line 3, column 2 `name`: not valid GBK/GB18030 text (invalid byte at offset"]);
    }
}

#[test]
fn a_sparse_sheet_or_a_decompression_bomb_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // One header, one row, and one stray cell at the last row and column Excel has.
    let path = dir.path().join("stray.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in row("E1", "n").split(',').enumerate() {
        sheet.write_string(1, c as u16, v).unwrap();
    }
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(&path).unwrap();
    let path = path.to_str().unwrap();
    for args in [vec!["evaluate", path], vec!["explain", "E1", path]] {
        run(&args, None).expect(
            1,
            &["stray.xlsx: sheet `Sheet1`: its cells spread over 1048576 rows × 16384 columns but only 29 hold anything: refused"],
        );
    }

    // Shared strings that compress a thousand times.
    let path = dir.path().join("bomb.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for r in 1..200u32 {
        sheet.write_string(r, 1, format!("{r}{}", "a".repeat(32_000))).unwrap();
    }
    book.save(&path).unwrap();
    run(&["evaluate", path.to_str().unwrap()], None)
        .expect(1, &["bomb.xlsx: the workbook's part `xl/sharedStrings.xml` expands", "refused as a decompression bomb"]);
}

/// A scheme whose T2 requires the given time tests (and any of them, nested).
fn time_scheme(tests: &[String]) -> String {
    format!(
        r"
scheme: timed
review: {{quarters: 2, halves: 1}}
scales:
  competency: {{min: 1, max: 5}}
composite: {{kpi: 70, competency: 30}}
bands:
  - {{id: A, min: 0}}
positions:
  - id: eng
    kpis: [{{id: quality, weight: 100}}]
    competencies: {{core: {{weight: 100, items: [skill]}}}}
sequences:
  - id: tech
    grades:
      - {{id: T1}}
      - id: T2
        requires:
          - any: [{}]
          - {}
",
        tests.join(", "),
        tests.first().cloned().unwrap_or_else(|| "{fact: months_in_grade, min: 1}".into())
    )
}

fn time_test() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let fact = prop::sample::select(vec!["fact: months_in_grade", "fact: months_in_company", "fact: age", "months_since: start_date"]);
    let op = prop::sample::select(vec!["min", "max", "above", "below", "is"]);
    let value = prop_oneof![(0u32..300).prop_map(|v| v.to_string()), (0u32..3000).prop_map(|v| format!("{}.{}", v / 10, v % 10))];
    (fact, op, value, any::<bool>())
        .prop_map(|(f, o, v, not)| if not { format!("{{not: {{{f}, {o}: {v}}}}}") } else { format!("{{{f}, {o}: {v}}}") })
}

fn any_date() -> impl proptest::strategy::Strategy<Value = NaiveDateText> {
    use proptest::prelude::*;
    (1990i32..2027, 1u32..13, 1u32..32)
        .prop_filter_map("a real date", |(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d).map(NaiveDateText))
}

#[derive(Debug, Clone)]
struct NaiveDateText(chrono::NaiveDate);

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(super::harness::cases(64)))]
    /// The bounded search of eligible_on finds what stepping through every
    /// month of 20 years finds, for any mix of time tests, operators,
    /// fractional thresholds, month-end dates and negations.
    #[test]
    fn eligible_on_tries_few_dates_and_agrees_with_every_month(
        tests in proptest::collection::vec(time_test(), 1..6),
        dates in proptest::collection::vec((any_date(), any_date(), any_date(), any_date()), 1..6),
        as_of_day in 0u64..90,
    ) {
        let scheme = super::harness::load_yaml("scheme.yaml", &time_scheme(&tests));
        let mut text = String::from("id,position,sequence,grade,hire_date,grade_date,birth_date,start_date,2026Q1.quality,2026Q2.quality,2026Q3.quality,2026Q4.quality,2026H1.skill,2026H2.skill\n");
        for (i, (hire, grade, birth, start)) in dates.iter().enumerate() {
            text.push_str(&format!("E{i},eng,tech,T1,{},{},{},{},80,80,80,80,3,3\n", hire.0, grade.0, birth.0, start.0));
        }
        let input = super::harness::input("t.csv", text);
        // In 2027Q1: the scores of 2026 are the window, so every row has figures.
        let as_of = chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Days::new(as_of_day);
        let evaluation = ladder::batch::memory::evaluate(&scheme, &input, None, as_of).unwrap();
        let t2 = scheme.grade(ladder::scheme::GradeRef { sequence: 0, index: 1 }).requires.as_ref();
        for o in &evaluation.outcomes {
            let env = evaluation.env(o, as_of);
            proptest::prop_assert!(env.is_some(), "no figures: {:?}", o.row.errors);
            if let Some(env) = env {
                proptest::prop_assert_eq!(ladder::decision::eligible_on(&env, t2), ladder::decision::eligible_on_by_month(&env, t2), "{:?}", o.row.line);
            }
        }
    }
}

#[test]
fn thousands_of_time_tests_from_anchors_cost_little() {
    // 4 × 4 × 4 × 4 × 4 = 1,024 time tests from five levels of anchors, all
    // `any`, none within the 20 years: every date tried evaluates every test.
    let mut rule = String::from("&l0 {any: [{fact: months_in_grade, min: 400}, {fact: months_in_company, min: 401}, {fact: age, min: 95}, {months_since: start_date, min: 402}]}");
    for level in 1..5 {
        let prev = level - 1;
        rule = format!("&l{level} {{any: [{rule}, *l{prev}, *l{prev}, *l{prev}]}}");
    }
    let yaml = format!(
        "scheme: anchors\nreview: {{quarters: 2, halves: 1}}\nscales:\n  competency: {{min: 1, max: 5}}\ncomposite: {{kpi: 70, competency: 30}}\nbands:\n  - {{id: A, min: 0}}\npositions:\n  - id: eng\n    kpis: [{{id: quality, weight: 100}}]\n    competencies: {{core: {{weight: 100, items: [skill]}}}}\nsequences:\n  - id: tech\n    grades:\n      - {{id: T1}}\n      - id: T2\n        requires:\n          - {rule}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let scheme_path = write(dir.path(), "anchors.yaml", yaml.as_bytes());
    let mut text =
        String::from("id,position,sequence,grade,hire_date,grade_date,birth_date,start_date,2026Q3.quality,2026Q4.quality,2026H2.skill\n");
    // Six employees in CI, three locally (the month-by-month search is the slow part).
    for i in 0..super::harness::scaled(3, 6) {
        text.push_str(&format!("E{i},eng,tech,T1,2020-01-{:02},2021-03-{:02},1990-05-05,2022-07-07,80,80,3\n", i % 28 + 1, i % 28 + 1));
    }

    // Through the library: the same answer as the month-by-month search, at
    // a tenth of its cost at most (measured side by side, so load on the
    // machine slows both alike).
    let scheme = ladder::scheme::load_scheme(Some(scheme_path.as_str())).unwrap();
    let input = super::harness::input("s.csv", text.clone());
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let evaluation = ladder::batch::memory::evaluate(&scheme, &input, None, as_of).unwrap();
    let t2 = scheme.grade(ladder::scheme::GradeRef { sequence: 0, index: 1 }).requires.as_ref();
    let (mut bounded, mut stepped) = (Duration::ZERO, Duration::ZERO);
    for o in &evaluation.outcomes {
        let env = evaluation.env(o, as_of).expect("figures");
        let start = Instant::now();
        let fast = ladder::decision::eligible_on(&env, t2);
        bounded += start.elapsed();
        let start = Instant::now();
        let reference = ladder::decision::eligible_on_by_month(&env, t2);
        stepped += start.elapsed();
        assert_eq!(fast, reference);
        assert_eq!(fast, None, "no threshold is reached within 20 years");
    }
    assert!(bounded * 10 < stepped, "bounded search {bounded:?}, month by month {stepped:?}");

    // And end to end, within a timeout.
    let staff = write(dir.path(), "staff.csv", text.as_bytes());
    Test::new()
        .args(["evaluate", "--ladder", &scheme_path, "--as-of", AS_OF, "-f", "csv", &staff])
        .timeout(Duration::from_secs(60))
        .run()
        .code(0);
}

/// A cell far past what any spreadsheet holds (a spreadsheet cell holds
/// 32,767 characters) is refused on the line it starts, by the streaming
/// batch and by explain alike, before it is copied on its way to a report
/// (a 100 MB name cost eight times its size in memory).
#[test]
fn a_record_too_long_to_be_a_row_is_refused_on_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(17 << 20);
    let header_row = format!("{HEADER}\n{}\n", row(&format!("E1,{huge}"), "n"));
    let later_row = format!("{HEADER}\n{}\n{}\n", row("E0", "a"), row(&format!("E1,{huge}"), "n"));
    // Each run reads 17 MiB: CI runs both commands on both files, a local
    // run `evaluate` on the first and `explain` on the second.
    let both = super::harness::thorough();
    for (n, (name, text, line)) in [("second.csv", header_row, "line 2"), ("third.csv", later_row, "line 3")].into_iter().enumerate() {
        let path = write(dir.path(), name, text.as_bytes());
        let commands = [vec!["evaluate", "--format", "csv", &path], vec!["explain", "E0", &path]];
        for (c, command) in commands.into_iter().enumerate() {
            if !both && c != n {
                continue;
            }
            let out = run(&command, None);
            out.expect(1, &[name, line, "a record of over 16 MiB: no row of employees is that long"]);
            assert!(out.stdout.is_empty());
        }
    }
}
