//! The command line as clap reads it (SPEC §6): the arguments of every
//! subcommand, checked for form only; `request` turns them into what a
//! command runs on.

use crate::decision::Status;
use crate::detail::DetailFormat;
use crate::diff::DiffFormat;
use crate::input::records::Encoding;
use crate::report::i18n::Lang;
use crate::report::scheme::ShowFormat;
use crate::report::Format;
use crate::VERSION;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

/// The examples of `--help` are kept under 79 columns, long ones continued
/// with `\`, so that clap, which wraps help to the terminal, never breaks a
/// command a reader copies (issue 13 item 9; tests/integration/small_things.rs).
#[derive(Debug, Parser)]
#[command(name = "ladder", version = VERSION, about = "Evaluate promotions on dual-track career ladders", long_about = None)]
#[command(
    after_help = "Exit status: 0 every row evaluated; 1 the scheme or an input could not be used; 2 usage error; 3 evaluated, but some rows are errors; 4 `diff --exit-code`: a status or recommended grade differs."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate every employee of a file: figures, status, reasons, next grade
    #[command(
        after_help = "Examples:\n  ladder evaluate --as-of 2026-12-31 examples/telecom-after-sales.csv\n  ladder evaluate --ladder customer-service --format csv \\\n      --output results.csv staff.csv\n  ladder evaluate --sheet 2026年度 --format html \\\n      --output review.html staff.xlsx\n  ladder evaluate --encoding gbk --lang zh --status promote,demote 员工.csv\n  cat staff.csv | ladder evaluate --format ndjson -"
    )]
    Evaluate(EvaluateArgs),
    /// Validate a scheme and print a summary of it
    #[command(after_help = "Examples:\n  ladder check\n  ladder check --ladder my-scheme/")]
    Check(SchemeArgs),
    /// Everything behind one employee's decision: every score, figure and test, and what would change it
    #[command(
        after_help = "Examples:\n  ladder explain E003 --as-of 2026-12-31 examples/telecom-after-sales.csv\n  ladder explain C007 --ladder customer-service --format json staff.csv\n\nExit status: 0 explained; 1 the scheme or the file could not be used, or no employee has that id; 2 usage error; 3 the employee's row is in error (the errors are shown)."
    )]
    Explain(ExplainArgs),
    /// One employee before and after changes to their row (--set KEY=VALUE), side by side
    #[command(
        after_help = "Examples:\n  ladder what-if E003 --set grade_date=2025-09-01 --as-of 2026-12-31 \\\n      examples/telecom-after-sales.csv\n  ladder what-if E004 --set exam_passed=true --set 2026Q4.repairs=90 staff.csv\n  ladder what-if E004 --set 通过考试=是 --set 2026Q4=90 员工.xlsx\n\nKeys: any column header of the file, or the name the scheme's `columns:` maps it from (facts, reserved columns such as grade, grade_date, hire_date); a score PERIOD.ITEM of the employee's position, the item by its id or its title; or a quarter's whole KPI score, PERIOD (2026Q4=90: its items are then not read). An empty value blanks the cell.\nExit status: 0 answered; 1 the scheme or the file could not be used, or no employee has that id; 2 usage error, including an unknown key or a value that cannot stand; 3 the employee is in error after the changes."
    )]
    WhatIf(WhatIfArgs),
    /// The calibration committee's worksheet: per cohort, the head count in each band against the scheme's distribution
    #[command(
        after_help = "Examples:\n  ladder calibrate --ladder examples/review-cycle --as-of 2026-12-31 \\\n      examples/review-cycle.csv\n  ladder calibrate --ladder examples/review-cycle --by department \\\n      --format csv staff.csv\n\nThe band counted is the composite's band, before calibration; the target is the distribution's percentage × head count, rounded half away from zero; difference = count − target.\nExit status: 0 printed; 1 the scheme has no `distribution`, or the scheme, the file or a --by column could not be used; 2 usage error."
    )]
    Calibrate(CalibrateArgs),
    /// Show the scheme: sequences, grades and their rules, bridges — as a table or a graph
    #[command(
        after_help = "Examples:\n  ladder show\n  ladder show --ladder customer-service --format mermaid\n  ladder show --format dot | dot -Tsvg > ladders.svg"
    )]
    Show(ShowArgs),
    /// Compare two results files of `evaluate` (json, ndjson or csv): who changed, what, and whether the scheme or inputs did
    #[command(
        after_help = "Examples:\n  ladder evaluate --format json --output old.json staff.csv\n  ladder evaluate --ladder new-scheme/ --format json \\\n      --output new.json staff.csv\n  ladder diff old.json new.json\n  ladder diff --format csv --output changes.csv old.json new.csv\n  ladder diff --exit-code old.ndjson new.ndjson || echo \"decisions moved\"\n\nExit status: 0 compared; 1 a file could not be read or is not a results file (the file and line are named); 2 usage error; 4 with --exit-code, some status or recommended grade differs, or an id is in one run only."
    )]
    Diff(DiffArgs),
    /// Write the employee file the scheme expects: its columns, one header row, no data rows
    #[command(
        after_help = "Examples:\n  ladder template --output staff.xlsx\n  ladder template --ladder customer-service --as-of 2026-12-31 --output staff.csv\n  ladder template --headers ids --format csv > staff.csv\n\nColumns: the reserved ones (under the scheme's `columns:` headers), every fact the rules, cohort and quotas read, and a score column for each item of any position in each period an evaluation on the as-of date reads.\nIn a workbook: drop-down lists for position, sequence, grade, scale levels and yes/no, date columns formatted as dates, a frozen header, and a `columns` sheet saying what each column holds."
    )]
    Template(TemplateArgs),
    /// Print the JSON Schema of the scheme YAML, for editors (ladders/ladder.schema.json)
    #[command(
        after_help = "Examples:\n  ladder schema > ladder.schema.json\n\nIn a scheme file, this first line:\n  # yaml-language-server: $schema=ladder.schema.json\nlets editors with the YAML language server (VS Code, Neovim, Helix…) complete keys and flag mistakes as you type."
    )]
    Schema,
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  ladder completions bash > ~/.local/share/bash-completion/completions/ladder\n  source <(ladder completions bash)      # this bash session only\n  ladder completions zsh > \"${fpath[1]}/_ladder\"\n  ladder completions fish > ~/.config/fish/completions/ladder.fish\n  ladder completions powershell >> $PROFILE"
    )]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on standard output
    #[command(after_help = "Examples:\n  ladder man | man -l -\n  ladder man > ~/.local/share/man/man1/ladder.1")]
    Man,
}

#[derive(Debug, Args)]
pub struct SchemeArgs {
    /// Scheme: a YAML file, a directory of YAML files, or a built-in name
    #[arg(long, short = 'l', value_name = "PATH|NAME")]
    pub ladder: Option<String>,
}

#[derive(Debug, Args)]
pub struct InputArgs {
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// The review date (YYYY-MM-DD); the window is the complete periods before it [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Long-form scores: a CSV with columns id,period,item,value
    #[arg(long, value_name = "FILE")]
    pub scores: Option<String>,
    /// Text encoding of the CSV inputs (workbooks need none)
    #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
    pub encoding: Encoding,
    /// The sheet of a workbook input to read [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// The row of the header, counting every row of the sheet or file from 1 (title and blank rows too) [default: the first row with every required column, of the first 10]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
    /// Employee records: CSV, or a workbook (.xlsx, .xlsm, .xlsb, .xls, .ods); `-` reads CSV from standard input
    #[arg(value_name = "EMPLOYEES.csv|.xlsx")]
    pub employees: String,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The id of the employee to explain
    #[arg(value_name = "EMPLOYEE_ID")]
    pub id: String,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = DetailFormat::Text)]
    pub format: DetailFormat,
    /// Language of the text for reading: its reasons (任职月数 >= 12 (实际 9)), facts by the file's headers, labels; json never changes
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Explain the initial placement (as `evaluate --placement`) instead of the promotion
    #[arg(long)]
    pub placement: bool,
}

#[derive(Debug, Args)]
pub struct CalibrateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Group by these columns (headers of the employee file, or reserved fields such as grade; repeat or separate with commas) instead of the scheme's cohort
    #[arg(long, value_name = "COLUMN", value_delimiter = ',')]
    pub by: Vec<String>,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = crate::cmd::calibrate::CalibrateFormat::Table)]
    pub format: crate::cmd::calibrate::CalibrateFormat,
}

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// The id of the employee
    #[arg(value_name = "EMPLOYEE_ID")]
    pub id: String,
    /// A change to the employee's row: a column header (or score PERIOD.ITEM) and its new value; repeat for several
    #[arg(long = "set", value_name = "KEY=VALUE", required = true, value_parser = parse_set)]
    pub set: Vec<(String, String)>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = DetailFormat::Text)]
    pub format: DetailFormat,
    /// Language of the text for reading: its reasons (任职月数 >= 12 (实际 9)), facts by the file's headers, labels; json never changes
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = ShowFormat::Table)]
    pub format: ShowFormat,
    /// Language of the table: rules in Chinese words, facts by the scheme's headers, grades by title; json, mermaid and dot never change
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format [default: from --output's extension (.csv, .json, .ndjson, .jsonl, .html, .xlsx), else table]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<Format>,
    /// Write the results to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Only print results with these statuses (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<Status>,
    /// Print no warnings, row-error notes or progress on standard error
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Language of `table`, `html` and `xlsx`: labels, status words, reasons (任职月数 >= 12 (实际 9)), facts by the file's headers, grades by title; json, ndjson and csv never change
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Initial placement (初评): place each employee at the highest grade of the sequence whose rule holds, time in grade read from the scheme's `placement: {tenure}`; the grade and grade_date cells are not read
    #[arg(long)]
    pub placement: bool,
}

#[derive(Debug, Args)]
pub struct TemplateArgs {
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// The review date (YYYY-MM-DD) the score columns are for: the periods an evaluation on it reads [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// File format [default: from --output's extension (.csv, .xlsx), else csv]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<crate::cmd::template::TemplateFormat>,
    /// Write the template to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// The names of the header row
    #[arg(long, value_enum, default_value_t = crate::cmd::template::Headers::Scheme)]
    pub headers: crate::cmd::template::Headers,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier results (json, ndjson or csv written by `evaluate`; `-` for standard input)
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The later results (any of the same formats; need not be the format of OLD)
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format [default: from the extension of --output (.csv, .json), else table]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<DiffFormat>,
    /// Exit 4 when any status or recommended grade differs, or an id is in one run only
    #[arg(long)]
    pub exit_code: bool,
    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
}

/// `--as-of` takes every form a date cell takes (SPEC §6), through the same
/// parser; chrono's reading is kept for the signed years at the ends of its
/// calendar (`+262142-12-31`), which no cell holds.
fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    crate::calendar::parse_date(text)
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .ok_or_else(|| format!("`{text}` is not a date (expected {})", crate::calendar::DATE_FORMS))
}

/// `KEY=VALUE`, for clap. The value may be empty (a blank cell).
pub fn parse_set(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE (e.g. grade_date=2025-09-01 or 2026Q3.standardization=95)")),
    }
}
