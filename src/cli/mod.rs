//! The command line (SPEC §6): arguments, dispatch, exit codes.

use crate::batch::stream;
use crate::decision::Status;
use crate::input::records::{read_input, Encoding};
use crate::report::durable::write_atomically;
use crate::report::i18n::Lang;
use crate::report::Format;
use crate::scheme::{builtin, load_scheme, Scheme};
use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

/// Exit codes (SPEC §6).
pub mod exit {
    /// Every row was evaluated.
    pub const OK: u8 = 0;
    /// The scheme or an input could not be used; nothing was evaluated.
    pub const UNUSABLE: u8 = 1;
    /// The command line was wrong.
    pub const USAGE: u8 = 2;
    /// Evaluated, but some rows are `error`.
    pub const ROW_ERRORS: u8 = 3;
}

/// `ladder --version`: the package version and the git revision it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("LADDER_GIT_REVISION"), ")");

#[derive(Debug, Parser)]
#[command(name = "ladder", version = VERSION, about = "Evaluate promotions on dual-track career ladders", long_about = None)]
#[command(
    after_help = "Exit status: 0 every row evaluated; 1 the scheme or an input could not be used; 2 usage error; 3 evaluated, but some rows are errors."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate every employee of a file: figures, status, reasons, next grade
    #[command(
        after_help = "Examples:\n  ladder evaluate --as-of 2026-12-31 examples/telecom-after-sales.csv\n  ladder evaluate --ladder customer-service --format csv --output results.csv staff.csv\n  ladder evaluate --sheet 2026年度 --format html --output review.html staff.xlsx\n  ladder evaluate --encoding gbk --lang zh --status promote,demote 员工.csv\n  cat staff.csv | ladder evaluate --format ndjson -"
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
        after_help = "Examples:\n  ladder what-if E003 --set grade_date=2025-09-01 --as-of 2026-12-31 examples/telecom-after-sales.csv\n  ladder what-if E004 --set exam_passed=true --set 2026Q4.repairs=90 staff.csv\n\nKeys: any column header of the file (facts, reserved columns such as grade, grade_date, hire_date), or a score PERIOD.ITEM of the employee's position; an empty value blanks the cell.\nExit status: 0 answered; 1 the scheme or the file could not be used, or no employee has that id; 2 usage error, including an unknown key or a value that cannot stand; 3 the employee is in error after the changes."
    )]
    WhatIf(WhatIfArgs),
    /// The calibration committee's worksheet: per cohort, the head count in each band against the scheme's distribution
    #[command(
        after_help = "Examples:\n  ladder calibrate --ladder examples/review-cycle --as-of 2026-12-31 examples/review-cycle.csv\n  ladder calibrate --ladder examples/review-cycle --by department --format csv staff.csv\n\nThe band counted is the composite's band, before calibration; the target is the distribution's percentage × head count, rounded half away from zero; difference = count − target.\nExit status: 0 printed; 1 the scheme has no `distribution`, or the scheme, the file or a --by column could not be used; 2 usage error."
    )]
    Calibrate(crate::cmd::calibrate::CalibrateArgs),
    /// Show the scheme: sequences, grades and their rules, bridges — as a table or a graph
    #[command(
        after_help = "Examples:\n  ladder show\n  ladder show --ladder customer-service --format mermaid\n  ladder show --format dot | dot -Tsvg > ladders.svg"
    )]
    Show(ShowArgs),
    /// Print the JSON Schema of the scheme YAML, for editors (ladders/ladder.schema.json)
    #[command(
        after_help = "Examples:\n  ladder schema > ladder.schema.json\n\nIn a scheme file, a first line `# yaml-language-server: $schema=ladder.schema.json` lets editors with the YAML language server (VS Code, Neovim, Helix…) complete keys and flag mistakes as you type."
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
    #[arg(long, short = 'f', value_enum, default_value_t = crate::cmd::explain::DetailFormat::Text)]
    pub format: crate::cmd::explain::DetailFormat,
}

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// The id of the employee
    #[arg(value_name = "EMPLOYEE_ID")]
    pub id: String,
    /// A change to the employee's row: a column header (or score PERIOD.ITEM) and its new value; repeat for several
    #[arg(long = "set", value_name = "KEY=VALUE", required = true, value_parser = crate::cmd::what_if::parse_set)]
    pub set: Vec<(String, String)>,
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = crate::cmd::explain::DetailFormat::Text)]
    pub format: crate::cmd::explain::DetailFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = crate::cmd::show::ShowFormat::Table)]
    pub format: crate::cmd::show::ShowFormat,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the results to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Only print results with these statuses (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub status: Vec<Status>,
    /// Print no warnings, row-error notes or progress on standard error
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Language of the labels of `table` and `html` (header, status words); data and machine formats never change
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("`{text}` is not a date (expected YYYY-MM-DD)"))
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { exit::USAGE } else { exit::OK });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::from(exit::OK);
            }
            eprintln!("error: {e:#}");
            ExitCode::from(exit::UNUSABLE)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

pub fn run(cli: Cli) -> Result<u8> {
    let input = match &cli.command {
        Command::Evaluate(a) => Some(&a.input),
        Command::Explain(a) => Some(&a.input),
        Command::WhatIf(a) => Some(&a.input),
        Command::Calibrate(a) => Some(&a.input),
        _ => None,
    };
    if let Some(code) = input.and_then(check_sheet) {
        return Ok(code);
    }
    match cli.command {
        Command::Evaluate(args) => run_evaluate(args),
        Command::Check(args) => run_check(args),
        Command::Explain(args) => crate::cmd::explain::run(args),
        Command::WhatIf(args) => crate::cmd::what_if::run(args),
        Command::Calibrate(args) => crate::cmd::calibrate::run(args),
        Command::Show(args) => crate::cmd::show::run(args),
        Command::Schema => {
            let mut out = std::io::stdout().lock();
            out.write_all(crate::scheme::schema::schema_json().as_bytes())?;
            Ok(exit::OK)
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "ladder", &mut std::io::stdout().lock());
            Ok(exit::OK)
        }
        Command::Man => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
            out.flush()?;
            Ok(exit::OK)
        }
    }
}

/// `--sheet` on an input that is not a workbook is a usage error (exit 2).
fn check_sheet(input: &InputArgs) -> Option<u8> {
    let sheet = input.sheet.as_deref()?;
    if crate::input::workbook::is_workbook(&input.employees) {
        return None;
    }
    eprintln!(
        "error: --sheet `{sheet}`: `{}` is not a workbook ({}); --sheet applies to workbooks only",
        input.employees,
        crate::input::workbook::EXTENSIONS_TEXT
    );
    Some(exit::USAGE)
}

pub fn load(args: &SchemeArgs) -> Result<Scheme> {
    Ok(load_scheme(args.ladder.as_deref())?)
}

pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn run_evaluate(args: EvaluateArgs) -> Result<u8> {
    let scheme = load(&args.input.scheme)?;
    let as_of = args.input.as_of.unwrap_or_else(today);
    let scores = args.input.scores.as_deref().map(|s| read_input(s, args.input.encoding)).transpose()?;
    let stderr_is_terminal = std::io::stderr().is_terminal();
    let mut request = stream::Request {
        scheme: &scheme,
        employees: &args.input.employees,
        encoding: args.input.encoding,
        sheet: args.input.sheet.as_deref(),
        scores: scores.as_ref(),
        as_of,
        format: args.format,
        statuses: &args.status,
        color: false,
        lang: args.lang,
        progress: stderr_is_terminal && !args.quiet,
        header_row: args.input.header_row,
    };
    let done = match &args.output {
        Some(path) => write_atomically(path, |out| stream::run(&request, out))?,
        None => {
            let stdout = std::io::stdout();
            request.color = args.format == Format::Table && stdout.is_terminal() && !no_color();
            // Not locked: the results are written from the pool's threads.
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
            let done = stream::run(&request, &mut out)?;
            out.flush()?;
            done
        }
    };
    if !args.quiet {
        for note in &done.notes {
            eprintln!("note: {note}");
        }
        for w in &done.warnings {
            eprintln!("warning: {w}");
        }
        for note in &done.error_notes {
            eprintln!("row error: {note}");
        }
    }
    Ok(if done.errors > 0 { exit::ROW_ERRORS } else { exit::OK })
}

/// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn run_check(args: SchemeArgs) -> Result<u8> {
    let scheme = load(&args)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ok: {} ({})", scheme.id, scheme.title)?;
    let source = match &args.ladder {
        None => format!("built-in (default: {})", builtin::DEFAULT),
        Some(l) => l.clone(),
    };
    writeln!(out, "  from:      {source}, {} file(s)", scheme.sources.len())?;
    writeln!(out, "  review:    last {} quarters, last {} halves", scheme.review.quarters, scheme.review.halves)?;
    writeln!(out, "  composite: kpi {} + competency {}", scheme.composite.kpi, scheme.composite.competency)?;
    let bands: Vec<String> = scheme.bands.iter().map(|b| format!("{} {} (>= {})", b.id, b.title, b.min)).collect();
    writeln!(out, "  bands:     {}", bands.join(", "))?;
    let cohort: Vec<&str> = scheme.cohort.names(&scheme).collect();
    writeln!(out, "  cohort:    [{}]{}", cohort.join(", "), if scheme.cohort.at.is_none() { " (the default)" } else { "" })?;
    if let Some(d) = &scheme.distribution {
        let parts: Vec<String> = scheme.bands.iter().zip(&d.percent).map(|(b, p)| format!("{} {}%", b.id, p.normalize())).collect();
        writeln!(out, "  distribution: {} (cohorts of {} or more)", parts.join(", "), d.min_cohort)?;
    }
    writeln!(out, "  positions: {}", scheme.positions.len())?;
    for p in &scheme.positions {
        let groups: Vec<String> = p.groups.iter().map(|g| format!("{} {}×{}", g.id, g.weight, g.items.len())).collect();
        writeln!(out, "    {} {}: {} KPI items; competencies {}", p.id, p.title, p.kpis.len(), groups.join(", "))?;
    }
    writeln!(out, "  sequences: {}", scheme.sequences.len())?;
    for s in &scheme.sequences {
        let grades: Vec<String> = s.grades.iter().map(|g| format!("{} {}", g.id, g.title)).collect();
        writeln!(out, "    {} {}: {}", s.id, s.title, grades.join(" → "))?;
    }
    writeln!(out, "  bridges:   {}", scheme.bridges.len())?;
    for b in &scheme.bridges {
        writeln!(out, "    {} → {}", scheme.grade(b.from).id, scheme.grade(b.to).id)?;
    }
    if !scheme.column_facts.names.is_empty() {
        writeln!(out, "  columns the rules read: {}", scheme.column_facts.names.join(", "))?;
    }
    Ok(exit::OK)
}
