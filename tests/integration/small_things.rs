//! The smaller frictions of issue 13 item 9, each held by a test: a table
//! that fits the terminal, `--status` summaries that say of how many, a
//! note for a quarter under way when `--as-of` is not given, help examples
//! that are never wrapped, `--output` into a missing directory, workbook
//! header problems by column letter, and a bridge promotion that reads as one.
//! (A workbook on stdin is held by `workbook_cells`.)

use super::harness::{Run, Test};
use chrono::Datelike;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// A run without the terminal width of the test's environment, then `env`.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut test = Test::new().args(args).env_remove("COLUMNS");
    for (k, v) in env {
        test = test.env(k, v);
    }
    test.run()
}

fn run(args: &[&str]) -> Run {
    run_env(args, &[])
}

const TELECOM: [&str; 3] = ["--as-of", "2026-12-31", "examples/telecom-after-sales.csv"];

fn with<'a>(head: &[&'a str], tail: &[&'a str]) -> Vec<&'a str> {
    head.iter().chain(tail).copied().collect()
}

// ------------------------------------------------------------ table width

/// The telecom example's table, written by the library with `width`.
fn table(width: Option<u16>) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scheme = ladder::scheme::load_scheme(Some("telecom-after-sales")).unwrap();
    let input = ladder::input::records::read_input(
        root.join("examples/telecom-after-sales.csv").to_str().unwrap(),
        ladder::input::records::Encoding::default(),
    )
    .unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let e = ladder::batch::memory::evaluate(&scheme, &input, None, as_of).unwrap();
    let report = ladder::report::Report::new(&e, |_| true);
    let meta = ladder::report::Meta { scheme: e.scheme, periods: &e.periods, inputs: e.inputs.clone(), placement: false };
    let mut out = Vec::new();
    let mut writer = ladder::report::Writer::begin(ladder::report::Format::Table, meta, false, &mut out).unwrap().width(width);
    for r in &report.records {
        writer.record(r.clone(), &mut out).unwrap();
    }
    writer.end(&mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// The cells of the table's rows (`│ a ┆ b ┆ … │`), trimmed.
fn cells(line: &str) -> Vec<String> {
    line.trim_matches('│').split('┆').map(|c| c.trim().to_string()).collect()
}

#[test]
fn a_table_on_a_terminal_wraps_its_reasons_to_the_width_and_never_a_figure() {
    let wide = table(None);
    let fitted = table(Some(120));
    let widest = |t: &str| t.lines().filter(|l| l.starts_with(['┌', '│', '╞', '└'])).map(UnicodeWidthStr::width).max().unwrap();
    assert!(widest(&wide) > 120, "the example's table is wider than 120 unwrapped");
    assert!(widest(&fitted) <= 120, "fitted to 120: {}\n{fitted}", widest(&fitted));
    // Every row's figures are whole, in the first line of its row, as unwrapped.
    let first_lines = |t: &str| -> Vec<Vec<String>> {
        t.lines().filter(|l| l.starts_with('│')).map(cells).filter(|c| !c[0].is_empty()).map(|c| c[..11].to_vec()).collect()
    };
    assert_eq!(first_lines(&wide), first_lines(&fitted));
    // The reasons wrap: the same words, over more lines.
    let reasons = |t: &str| -> String {
        t.lines().filter(|l| l.starts_with('│')).map(|l| cells(l)[11].clone()).collect::<Vec<_>>().join(" ").split_whitespace().collect()
    };
    assert_eq!(reasons(&wide), reasons(&fitted));
    assert!(fitted.lines().count() > wide.lines().count());
}

#[test]
fn a_table_not_on_a_terminal_is_never_wrapped_whatever_columns_says() {
    let plain = run(&with(&["evaluate"], &TELECOM));
    let narrow = run_env(&with(&["evaluate"], &TELECOM), &[("COLUMNS", "60")]);
    assert_eq!(plain.code, 3);
    assert_eq!(plain.stdout, narrow.stdout, "piped output is the same byte for byte");
    assert_eq!(plain.stdout, table(None), "and it is the unwrapped table");
}

/// On a real terminal (a pseudo-terminal through util-linux `script`), the
/// table fits `COLUMNS`. Skipped, and said, where `script` is missing.
#[test]
fn a_table_on_a_pseudo_terminal_fits_columns() {
    if super::harness::which("script").is_none() {
        eprintln!("skipped: no `script` to give the run a terminal");
        return;
    }
    let widest = |columns: Option<&str>| -> usize {
        let mut test = Test::new().args(["evaluate", "--as-of", "2026-12-31", "examples/telecom-after-sales.csv"]).env_remove("COLUMNS");
        if let Some(c) = columns {
            test = test.env("COLUMNS", c);
        }
        let out = test.run_on_terminal().expect("script is there");
        let text = String::from_utf8_lossy(&out).into_owned();
        let rows: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| l.starts_with(['┌', '│', '└'])).collect();
        assert!(!rows.is_empty(), "{text}");
        rows.iter().map(|l| UnicodeWidthStr::width(*l)).max().unwrap()
    };
    let fitted = widest(Some("130"));
    assert!(fitted <= 130, "{fitted}");
    assert!(fitted > 110, "the reasons take the room there is: {fitted}");
    // A pseudo-terminal without a size (0 columns) and no COLUMNS: not wrapped at all.
    let unwrapped = table(None).lines().map(UnicodeWidthStr::width).max().unwrap();
    assert_eq!(widest(None), unwrapped);
}

// ------------------------------------------------------------- --status

#[test]
fn a_status_filtered_summary_says_of_how_many() {
    let r = run(&with(&["evaluate", "--status", "demote"], &TELECOM));
    assert_eq!(r.stdout.lines().last(), Some("3 of 35 employees: demote 3"), "{}", r.stdout);
    let all = run(&with(&["evaluate"], &TELECOM));
    assert!(all.stdout.lines().last().unwrap().starts_with("35 employees: "), "{}", all.stdout);
    let zh = run(&with(&["evaluate", "--status", "demote", "--lang", "zh"], &TELECOM));
    assert!(zh.stdout.lines().last().unwrap().starts_with("共 35 人，显示 3 人"), "{}", zh.stdout);
    let html = run(&with(&["evaluate", "--status", "demote", "--format", "html"], &TELECOM));
    assert!(html.stdout.contains("<b>3</b>of 35 employees"), "html summary");
}

// ------------------------------------------------- a quarter under way

#[test]
fn without_as_of_a_quarter_under_way_in_the_file_is_noted_with_how_to_include_it() {
    // The file's latest scores are moved to the quarter and half of today.
    let today = chrono::Local::now().date_naive();
    let quarter = ladder::calendar::Period::quarter(today.year(), ((today.month() - 1) / 3 + 1) as u8);
    let half = ladder::calendar::Period::half(today.year(), ((today.month() - 1) / 6 + 1) as u8);
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/telecom-after-sales.csv")).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let header = header.replace("2026Q4.", &format!("{quarter}.")).replace("2026H2.", &format!("{half}."));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staff.csv");
    std::fs::write(&file, format!("{header}\n{rows}")).unwrap();
    let file = file.to_str().unwrap();

    let r = run(&["evaluate", "--format", "csv", file]);
    let noted: Vec<&str> = r.stderr.lines().filter(|l| l.contains("not complete as of")).collect();
    if quarter.last_day() == today {
        // The last day of a quarter: it is complete, and read.
        assert!(noted.is_empty(), "{}", r.stderr);
    } else {
        let end = if half.last_day() > today { half.last_day() } else { quarter.last_day() };
        assert_eq!(noted.len(), 1, "{}", r.stderr);
        assert!(noted[0].starts_with(&format!("note: the file has scores for {quarter}")), "{}", noted[0]);
        assert!(noted[0].ends_with(&format!("to include them: --as-of {end}")), "{}", noted[0]);
    }
    // Said for what-if too; never when --as-of is given.
    let w = run(&["what-if", "E001", "--set", "exam_passed=true", file]);
    assert_eq!(w.stderr.contains("not complete as of"), quarter.last_day() != today, "{}", w.stderr);
    let given = run(&["evaluate", "--format", "csv", "--as-of", &today.to_string(), file]);
    assert!(!given.stderr.contains("not complete as of"), "{}", given.stderr);
}

// ------------------------------------------------------- help examples

#[test]
fn help_examples_are_never_wrapped_on_an_80_column_terminal() {
    let commands = ["evaluate", "check", "explain", "what-if", "calibrate", "show", "diff", "schema", "completions", "man"];
    let mut examples = 0;
    for c in commands {
        let r = run_env(&[c, "--help"], &[("COLUMNS", "80")]);
        assert_eq!(r.code, 0, "{c}: {}", r.stderr);
        let block: Vec<&str> = r.stdout.lines().skip_while(|l| *l != "Examples:").skip(1).take_while(|l| !l.trim().is_empty()).collect();
        assert!(!block.is_empty(), "{c}: no examples:\n{}", r.stdout);
        let mut continued = false;
        for line in block {
            // A command's line, or the continuation of one ended by `\`.
            let starts = ["  ladder ", "  cat ", "  source "].iter().any(|s| line.starts_with(s));
            assert!(starts || (continued && line.starts_with("      ")), "{c}: a wrapped example line: `{line}`");
            assert!(UnicodeWidthStr::width(line) <= 80, "{c}: `{line}`");
            continued = line.ends_with('\\');
            examples += 1;
        }
        assert!(!continued, "{c}: the last example ends with `\\`");
    }
    assert!(examples > 20);
}

// ------------------------------------------------- --output's directory

#[test]
fn output_into_a_missing_directory_names_the_directory() {
    // Not `.tmp…`: the message must name no temporary file, and this one is not.
    let dir = tempfile::Builder::new().prefix("ladder-out").tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let target = missing.join("results.csv");
    let r = run(&with(&["evaluate", "--output", target.to_str().unwrap()], &TELECOM));
    assert_eq!(r.code, 2, "a usage error, before anything is read: {}", r.stderr);
    assert!(r.stderr.contains(&format!("the directory `{}` does not exist", missing.display())), "{}", r.stderr);
    assert!(!r.stderr.contains(".tmp"), "no temporary file named: {}", r.stderr);
    // A file where the directory should be.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let r = run(&with(&["evaluate", "--output", file.join("results.csv").to_str().unwrap()], &TELECOM));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains(&format!("`{}` is not a directory", file.display())), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "nothing was written");
}

// ------------------------------------------- workbook header by letter

#[test]
fn header_problems_in_a_workbook_name_the_column_letter() {
    let dir = tempfile::tempdir().unwrap();
    let mut header: Vec<String> = ["id", "position", "sequence", "grade", "hire_date", "grade_date"].map(String::from).to_vec();
    header.extend((1..=12).map(|i| format!("note{i}")));
    header.push("2026Q4.csatt".into()); // column 19: S
    header.push("note1".into()); // column 20: T repeats column G
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    let xlsx = dir.path().join("staff.xlsx");
    book.save(&xlsx).unwrap();
    let csv = dir.path().join("staff.csv");
    std::fs::write(&csv, format!("{}\n", header.join(","))).unwrap();

    let r = run(&["evaluate", "--as-of", "2026-12-31", xlsx.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("column S `2026Q4.csatt`: `csatt` is no KPI item of any position"), "{}", r.stderr);
    assert!(r.stderr.contains("column T `note1` repeats the header of column G"), "{}", r.stderr);
    // A CSV keeps the column's number.
    let r = run(&["evaluate", "--as-of", "2026-12-31", csv.to_str().unwrap()]);
    assert!(r.stderr.contains("column 19 `2026Q4.csatt`"), "{}", r.stderr);
}

// ----------------------------------------------------------------- bridge

#[test]
fn a_bridge_promotion_reads_as_one_in_the_table() {
    let r = run(&with(&["evaluate"], &TELECOM));
    let rows: Vec<Vec<String>> = r.stdout.lines().filter(|l| l.starts_with('│')).map(cells).collect();
    let why = |id: &str| -> Vec<String> {
        let start = rows.iter().position(|c| c[0] == id).unwrap();
        let end = rows[start + 1..].iter().position(|c| !c[0].is_empty()).map_or(rows.len(), |n| start + 1 + n);
        rows[start..end].iter().map(|c| c[11].clone()).filter(|w| !w.is_empty()).collect()
    };
    // E008 (T2) is promoted over the bridge to M1; T3's tests are not its reasons.
    assert_eq!(why("E008"), ["→ M1 (bridge)"]);
    // E016 is promoted to the grade above with a bridge open: said as before.
    assert_eq!(why("E016"), ["bridge open to: M2"]);
    // The data keep the unmet tests of the grade above (SPEC §6).
    let json = run(&with(&["evaluate", "--format", "json"], &TELECOM));
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let e008 = v["results"].as_array().unwrap().iter().find(|r| r["id"] == "E008").unwrap();
    assert_eq!((e008["recommended_grade"].as_str(), e008["next_grade"].as_str()), (Some("M1"), Some("T3")));
    assert!(!e008["unmet"].as_array().unwrap().is_empty());
}
