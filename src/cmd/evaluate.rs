//! `ladder evaluate`: every employee of a file, streamed through the batch,
//! written to stdout or (whole and durably) to `--output`.

use crate::batch::stream;
use crate::decision::Status;
use crate::error::{Exit, Result};
use crate::input::records::Input;
use crate::input::Files;
use crate::report::durable::stderr_line;
use crate::report::durable::{write_output, Destination};
use crate::report::i18n::Lang;
use crate::report::Format;
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
    let batch = stream::Request {
        scheme: &req.scheme,
        employees: &req.files.employees,
        encoding: req.files.encoding,
        sheet: req.files.sheet.as_deref(),
        scores: req.scores.as_ref(),
        as_of: req.as_of,
        format: req.format,
        statuses: &req.statuses,
        color: req.color,
        width: req.width,
        lang: req.lang,
        progress: req.progress,
        header_row: req.files.header_row,
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
