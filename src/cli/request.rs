//! From arguments to a request a command can run: the sheet checked, the
//! scheme loaded, the as-of date settled, the inputs a command reads whole
//! read, and whether stdout and stderr are terminals decided. The order is
//! the order in which problems are reported (the first one stops the run).

use super::args::{
    CalibrateArgs, Cli, Command, DiffArgs, EvaluateArgs, ExplainArgs, InputArgs, SchemeArgs, ShowArgs, TemplateArgs, WhatIfArgs,
};
use crate::calendar::today;
use crate::cmd;
use crate::diff::DiffFormat;
use crate::error::{Error, Result};
use crate::input::Files;
use crate::report::durable::{self, Destination, FileId};
use crate::report::Format;
use crate::scheme::{load_scheme, Scheme};
use chrono::NaiveDate;
use std::io::IsTerminal;
use std::path::Path;

/// One subcommand with everything it needs.
pub enum Request {
    Evaluate(cmd::evaluate::Request),
    Check(cmd::check::Request),
    Explain(cmd::explain::Request),
    WhatIf(cmd::what_if::Request),
    Calibrate(cmd::calibrate::Request),
    Show(cmd::show::Request),
    Diff(cmd::diff::Request),
    Template(cmd::template::Request),
    Schema,
    Completions(clap_complete::Shell),
    Man,
}

/// Resolves the parsed command line.
pub fn resolve(cli: Cli) -> Result<Request> {
    Ok(match cli.command {
        Command::Evaluate(args) => Request::Evaluate(evaluate(args)?),
        Command::Check(args) => Request::Check(cmd::check::Request { scheme: scheme(&args)?, ladder: args.ladder }),
        Command::Explain(args) => Request::Explain(explain(args)?),
        Command::WhatIf(args) => Request::WhatIf(what_if(args)?),
        Command::Calibrate(args) => Request::Calibrate(calibrate(args)?),
        Command::Show(ShowArgs { scheme: s, format, lang }) => Request::Show(cmd::show::Request { scheme: scheme(&s)?, format, lang }),
        Command::Diff(args) => Request::Diff(diff(args)?),
        Command::Template(args) => Request::Template(template(args)?),
        Command::Schema => Request::Schema,
        Command::Completions { shell } => Request::Completions(shell),
        Command::Man => Request::Man,
    })
}

fn scheme(args: &SchemeArgs) -> Result<Scheme> {
    load_scheme(args.ladder.as_deref()).map_err(|e| Error::Unusable(e.into()))
}

fn files(args: &InputArgs) -> Files {
    Files {
        employees: args.employees.clone(),
        scores: args.scores.clone(),
        encoding: args.encoding,
        sheet: args.sheet.clone(),
        header_row: args.header_row,
    }
}

/// The input files, the sheet checked first; then the scheme; then the as-of date.
fn inputs(args: &InputArgs) -> Result<(Files, Scheme, NaiveDate)> {
    let files = files(args);
    files.check_sheet().map_err(Error::Usage)?;
    let scheme = scheme(&args.scheme)?;
    Ok((files, scheme, args.as_of.unwrap_or_else(today)))
}

fn evaluate(args: EvaluateArgs) -> Result<cmd::evaluate::Request> {
    let files = files(&args.input);
    files.check_sheet().map_err(Error::Usage)?;
    // Where the report goes, and that it replaces no input, is settled
    // before anything is read or written.
    let output = match &args.output {
        None => None,
        Some(path) => {
            let d = durable::destination(path).and_then(|d| refuse_inputs(path, &d, &args.input).map(|()| d)).map_err(Error::Usage)?;
            Some((path.clone(), d))
        }
    };
    // The format, a usage error too, before any file is read (after the
    // destination: that an input would be replaced is the graver news).
    let format = output_format(args.format, args.output.as_deref(), std::io::stdout().is_terminal()).map_err(Error::Usage)?;
    let scheme = scheme(&args.input.scheme)?;
    // The scheme's reader decides which files it read: those too are spared.
    if let Some((path, Destination::Replace(target))) = &output {
        if let Some(out) = FileId::of(target) {
            if let Some(source) = scheme.sources.iter().find(|s| FileId::of(Path::new(&s.path)).is_some_and(|f| f.same(&out))) {
                return Err(Error::Usage(replaces_input(path, "a file of the scheme", &source.path)));
            }
        }
    }
    let as_of = args.input.as_of.unwrap_or_else(today);
    // The scores are read whole; the employees are streamed by the batch.
    let scores = files.read_scores()?;
    // Colour only on a terminal, for the table, unless NO_COLOR says otherwise.
    let color = args.output.is_none() && format == Format::Table && std::io::stdout().is_terminal() && !no_color();
    // A table on a terminal fits its width; piped or written to a file it is never wrapped.
    let width =
        (args.output.is_none() && format == Format::Table && std::io::stdout().is_terminal()).then(crate::report::terminal_width).flatten();
    Ok(cmd::evaluate::Request {
        scheme,
        files,
        scores,
        as_of,
        as_of_given: args.input.as_of.is_some(),
        format,
        output,
        statuses: args.status,
        color,
        width,
        lang: args.lang,
        quiet: args.quiet,
        progress: std::io::stderr().is_terminal() && !args.quiet,
        placement: args.placement,
    })
}

fn explain(args: ExplainArgs) -> Result<cmd::explain::Request> {
    let (files, scheme, as_of) = inputs(&args.input)?;
    // The files are read by the command: a big one is scanned, not held whole.
    let lang = detail_lang(args.format, args.lang);
    Ok(cmd::explain::Request { scheme, files, as_of, id: args.id, format: args.format, lang, placement: args.placement, in_memory: false })
}

fn what_if(args: WhatIfArgs) -> Result<cmd::what_if::Request> {
    let (files, scheme, as_of) = inputs(&args.input)?;
    Ok(cmd::what_if::Request {
        scheme,
        files,
        as_of,
        as_of_given: args.input.as_of.is_some(),
        id: args.id,
        sets: args.set,
        format: args.format,
        lang: detail_lang(args.format, args.lang),
        in_memory: false,
    })
}

/// The language of explain's and what-if's texts: json is for programs and
/// keeps the scheme's own words whatever `--lang` says.
fn detail_lang(format: crate::detail::DetailFormat, lang: crate::report::i18n::Lang) -> crate::report::i18n::Lang {
    match format {
        crate::detail::DetailFormat::Text => lang,
        crate::detail::DetailFormat::Json => crate::report::i18n::Lang::En,
    }
}

fn calibrate(args: CalibrateArgs) -> Result<cmd::calibrate::Request> {
    let (files, scheme, as_of) = inputs(&args.input)?;
    let (input, scores) = files.read_all()?;
    Ok(cmd::calibrate::Request { scheme, input, scores, as_of, header_row: files.header_row, by: args.by, format: args.format })
}

fn diff(args: DiffArgs) -> Result<cmd::diff::Request> {
    if args.old == "-" && args.new == "-" {
        return Err(Error::Usage("OLD and NEW cannot both be standard input (`-`)".to_string()));
    }
    let format = match (args.format, args.output.as_deref()) {
        (Some(f), _) => f,
        (None, Some(path)) if path.to_ascii_lowercase().ends_with(".csv") => DiffFormat::Csv,
        (None, Some(path)) if path.to_ascii_lowercase().ends_with(".json") => DiffFormat::Json,
        _ => DiffFormat::Table,
    };
    let compare = crate::diff::Request { old: args.old, new: args.new, format, exit_code: args.exit_code };
    Ok(cmd::diff::Request { compare, output: args.output })
}

fn template(args: TemplateArgs) -> Result<cmd::template::Request> {
    use cmd::template::TemplateFormat;
    let output = match &args.output {
        None => None,
        Some(path) => Some((path.clone(), durable::destination(path).map_err(Error::Usage)?)),
    };
    let format = match (args.format, args.output.as_deref()) {
        (Some(f), _) => f,
        (None, None) => TemplateFormat::Csv,
        (None, Some(path)) => TemplateFormat::from_extension(path)
            .ok_or_else(|| Error::Usage(format!("--output {path}: a template is .csv or .xlsx; name the format with --format csv|xlsx")))?,
    };
    if format == TemplateFormat::Xlsx && args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Error::Usage("xlsx is binary: use --output FILE.xlsx".into()));
    }
    let scheme = scheme(&args.scheme)?;
    Ok(cmd::template::Request { scheme, as_of: args.as_of.unwrap_or_else(today), format, output, headers: args.headers })
}

/// The format of `evaluate`'s results: `--format` if given, else the one
/// `--output`'s extension names, else `table`. A binary workbook is not
/// written to a terminal.
pub fn output_format(format: Option<Format>, output: Option<&str>, stdout_terminal: bool) -> std::result::Result<Format, String> {
    let format = match (format, output) {
        (Some(f), _) => f,
        (None, None) => Format::Table,
        (None, Some(path)) => Format::from_extension(path).ok_or_else(|| {
            let ext = std::path::Path::new(path).extension().map(|e| format!("`.{}`", e.to_string_lossy()));
            format!(
                "--output {path}: no format is known for {} (known: {}); name one with --format",
                ext.as_deref().unwrap_or("a file without an extension"),
                Format::EXTENSIONS_TEXT
            )
        })?,
    };
    if format == Format::Xlsx && output.is_none() && stdout_terminal {
        return Err("xlsx is binary: use --output FILE.xlsx".into());
    }
    Ok(format)
}

/// `NO_COLOR` set to anything but the empty string turns colour off (no-color.org).
fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn refuse_inputs(path: &str, destination: &Destination, input: &InputArgs) -> std::result::Result<(), String> {
    let out = match destination {
        Destination::Replace(target) | Destination::Stream(target) => FileId::of(target),
        // `/dev/stdout` redirected to an input file: that file is the output.
        Destination::Stdout if path != "-" => FileId::of(Path::new(path)),
        Destination::Stdout => None,
    };
    let Some(out) = out else { return Ok(()) };
    let same = |p: &str| FileId::of(Path::new(p)).is_some_and(|f| f.same(&out));
    if input.employees == "-" {
        if FileId::of_stdin().is_some_and(|f| f.same(&out)) {
            return Err(replaces_input(path, "the employee file", "- (standard input)"));
        }
    } else if same(&input.employees) {
        return Err(replaces_input(path, "the employee file", &input.employees));
    }
    if let Some(scores) = input.scores.as_deref().filter(|s| same(s)) {
        return Err(replaces_input(path, "the --scores file", scores));
    }
    if let Some(ladder) = input.scheme.ladder.as_deref() {
        let at = Path::new(ladder);
        if at.is_dir() {
            // Every YAML file of the directory, whatever the case of its extension.
            let entries = std::fs::read_dir(at).into_iter().flatten().filter_map(std::result::Result::ok).map(|e| e.path());
            for file in entries.filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
            }) {
                if FileId::of(&file).is_some_and(|f| f.same(&out)) {
                    return Err(replaces_input(path, "a file of the scheme", &file.display().to_string()));
                }
            }
        } else if same(ladder) {
            return Err(replaces_input(path, "the scheme file", ladder));
        }
    }
    Ok(())
}
fn replaces_input(path: &str, what: &str, input: &str) -> String {
    format!("--output `{path}` is {what} `{input}`: the report would replace it; write the report to another file")
}
