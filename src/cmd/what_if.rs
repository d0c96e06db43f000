//! `ladder what-if`: one employee before and after changes to their row (the
//! two evaluations are made in `detail::what_if`). A file on disk is
//! scanned, not held in memory, as for `explain` (see `cmd::explain`).

use crate::detail::what_if::{what_if, what_if_scanned, WhatIf};
use crate::detail::DetailFormat;
use crate::error::{Exit, Result};
use crate::input::Files;
use crate::report::durable::stderr_line;
use crate::report::i18n::Lang;
use crate::scheme::Scheme;
use chrono::NaiveDate;
use std::io::Write;

pub struct Request {
    pub scheme: Scheme,
    /// The employee file (read by `run`, scanned or whole) and the scores' path.
    pub files: Files,
    pub as_of: NaiveDate,
    /// `--as-of` was given (else it is today, and a quarter under way is worth a note).
    pub as_of_given: bool,
    /// The employee.
    pub id: String,
    /// The changes, `KEY=VALUE` split.
    pub sets: Vec<(String, String)>,
    pub format: DetailFormat,
    /// The language of the text (json is always in the scheme's own words).
    pub lang: Lang,
    /// Evaluate every row in memory (the reference path) even where a scan would do.
    pub in_memory: bool,
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    if crate::cmd::explain::scannable(&req.files, req.in_memory) {
        if let Ok(scores) = req.files.read_scores() {
            let scan = crate::batch::scan::Request::of_files(
                &req.scheme,
                &req.files,
                scores.as_ref(),
                req.as_of,
                req.format == DetailFormat::Json,
            );
            if let Ok(answer) = what_if_scanned(&scan, &req.id, &req.sets, req.lang) {
                return show(req, answer?, out);
            }
        }
    }
    // Standard input's first lines are checked before the rest is read.
    let (input, scores) = req.files.read_all_checked(&|head, eof, display| {
        crate::batch::memory::check_head(&req.scheme, req.files.encoding, req.files.header_row, false, head, eof, display)
    })?;
    let answer = what_if(&req.scheme, &input, scores.as_ref(), req.as_of, &req.id, &req.sets, req.files.header_row, req.lang)?;
    show(req, answer, out)
}

fn show(req: &Request, answer: WhatIf, out: &mut dyn Write) -> Result<Exit> {
    for note in &answer.before.notes {
        stderr_line(format_args!("note: {note}"));
    }
    if !req.as_of_given {
        if let Some(note) = crate::calendar::under_way_note(answer.before.layout.score_periods(), req.as_of) {
            stderr_line(format_args!("note: {note}"));
        }
    }
    for w in &answer.before.warnings {
        stderr_line(format_args!("warning: {w}"));
    }
    let exit = Exit::row_errors_if(answer.ends_in_error());
    answer.write(req.format, out)?;
    Ok(exit)
}
