//! `ladder evaluate`: every employee of a file, streamed through the batch,
//! written to stdout or (whole and durably) to `--output`.
//!
//! One exception: the `html` and `xlsx` reports of a scheme with a
//! `distribution` show the calibration sheet (SPEC §8.5), which groups the
//! employees by their cohort's columns — cells the streaming batch does not
//! keep for its results. Those two are evaluated in memory, as `ladder
//! calibrate` is (the same results: the streaming batch is tested to write
//! byte for byte what the in-memory evaluation writes), and the sheet is
//! computed once by `batch::calibration` for both.

use crate::batch::stream;
use crate::decision::Status;
use crate::error::{Exit, Result};
use crate::input::records::Input;
use crate::input::value::excerpt;
use crate::input::Files;
use crate::report::durable::stderr_line;
use crate::report::durable::{write_output, Destination};
use crate::report::i18n::Lang;
use crate::report::{Format, Meta, ResultRecord, Writer};
use crate::scheme::Scheme;
use chrono::NaiveDate;
use std::io::Write;

pub struct Request {
    pub scheme: Scheme,
    pub files: Files,
    /// The long-form scores, read whole.
    pub scores: Option<Input>,
    pub as_of: NaiveDate,
    /// `--as-of` was given (else it is today, and a quarter under way is worth a note).
    pub as_of_given: bool,
    pub format: Format,
    /// `--output` as given and where it goes (none: `out`).
    pub output: Option<(String, Destination)>,
    /// Statuses to print (empty: all).
    pub statuses: Vec<Status>,
    pub color: bool,
    /// The terminal's width a table fits (None: not a terminal).
    pub width: Option<u16>,
    pub lang: Lang,
    /// No warnings or row-error notes on stderr.
    pub quiet: bool,
    pub progress: bool,
    /// Place instead of promote (`--placement`, SPEC §8.3).
    pub placement: bool,
}

pub fn run(req: &Request, out: &mut (dyn Write + Send)) -> Result<Exit> {
    if matches!(req.format, Format::Html | Format::Xlsx) && req.scheme.distribution.is_some() {
        return run_in_memory(req, out);
    }
    let batch = stream::Request {
        scheme: &req.scheme,
        files: &req.files,
        scores: req.scores.as_ref(),
        as_of: req.as_of,
        format: req.format,
        statuses: &req.statuses,
        color: req.color,
        width: req.width,
        lang: req.lang,
        progress: req.progress,
        placement: req.placement,
    };
    let done = match &req.output {
        Some((path, destination)) => write_output(path, destination, |file| stream::run(&batch, file))?,
        None => {
            let done = stream::run(&batch, out)?;
            out.flush()?;
            done
        }
    };
    if !req.quiet {
        for note in &done.notes {
            stderr_line(format_args!("note: {note}"));
        }
        if let (false, Some(note)) = (req.as_of_given, &done.under_way) {
            stderr_line(format_args!("note: {note}"));
        }
        for w in &done.warnings {
            stderr_line(format_args!("warning: {w}"));
        }
        for note in &done.error_notes {
            stderr_line(format_args!("row error: {note}"));
        }
    }
    Ok(Exit::row_errors_if(done.errors > 0))
}

/// Rows in error noted on stderr by file and line (as the streaming batch does).
const MAX_ERROR_NOTES: usize = 20;

/// `evaluate` of a report with the calibration sheet: the whole file
/// evaluated in memory, the sheet computed from it, then written like any
/// other report, with the same notes on stderr and the same exit status.
fn run_in_memory(req: &Request, out: &mut (dyn Write + Send)) -> Result<Exit> {
    let input = crate::input::records::read_input_from(&req.files.employees, req.files.encoding, req.files.sheet.as_deref())?;
    let how = crate::batch::memory::How { header_row: req.files.header_row, lang: req.lang, placement: req.placement };
    let evaluation = crate::batch::memory::evaluate_as(&req.scheme, &input, req.scores.as_ref(), req.as_of, &how)?;
    // Every banded employee counts, whatever `--status` prints: the committee
    // calibrates whole cohorts.
    let sheet = crate::batch::calibration::sheet(&evaluation, &[])?;
    let mut errors = 0usize;
    let mut error_notes = Vec::new();
    let write = |out: &mut dyn Write, errors: &mut usize, error_notes: &mut Vec<String>| -> anyhow::Result<()> {
        let meta =
            Meta { scheme: evaluation.scheme, periods: &evaluation.periods, inputs: evaluation.inputs.clone(), placement: req.placement };
        let mut writer = Writer::begin_in(req.format, meta, req.color, req.lang, out)?.calibration(Some(sheet));
        for o in &evaluation.outcomes {
            let r = ResultRecord::new(evaluation.scheme, o);
            if r.status == Status::Error {
                *errors += 1;
                if error_notes.len() < MAX_ERROR_NOTES {
                    error_notes.push(format!("{}:{}: {}: {}", input.display, o.row.line, excerpt(&r.id), r.errors.join("; ")));
                }
            }
            if req.statuses.is_empty() || req.statuses.contains(&r.status) {
                writer.record(r, out)?;
            }
        }
        if !req.statuses.is_empty() {
            writer.evaluated(evaluation.outcomes.len());
        }
        writer.end(out)?;
        Ok(())
    };
    match &req.output {
        Some((path, destination)) => write_output(path, destination, |file| write(file, &mut errors, &mut error_notes))?,
        None => {
            write(out, &mut errors, &mut error_notes)?;
            out.flush()?;
        }
    }
    if errors > error_notes.len() {
        error_notes.push(format!("{}: … and {} more rows in error (see the results)", input.display, errors - error_notes.len()));
    }
    if !req.quiet {
        for note in &evaluation.notes {
            stderr_line(format_args!("note: {note}"));
        }
        for w in &evaluation.warnings {
            stderr_line(format_args!("warning: {w}"));
        }
        if evaluation.outcomes.is_empty() {
            stderr_line(format_args!("warning: {}: no employee rows below the header", input.display));
        }
        for note in &error_notes {
            stderr_line(format_args!("row error: {note}"));
        }
    }
    Ok(Exit::row_errors_if(errors > 0))
}
