//! `ladder what-if`: one employee before and after changes to their row (the
//! two evaluations are made in `detail::what_if`).

use crate::detail::what_if::what_if;
use crate::detail::DetailFormat;
use crate::error::{Exit, Result};
use crate::input::records::Input;
use crate::report::durable::stderr_line;
use crate::scheme::Scheme;
use chrono::NaiveDate;
use std::io::Write;

pub struct Request {
    pub scheme: Scheme,
    pub input: Input,
    pub scores: Option<Input>,
    pub as_of: NaiveDate,
    /// `--as-of` was given (else it is today, and a quarter under way is worth a note).
    pub as_of_given: bool,
    /// `--header-row`: the header's line (none: found among the first rows).
    pub header_row: Option<u64>,
    /// The employee.
    pub id: String,
    /// The changes, `KEY=VALUE` split.
    pub sets: Vec<(String, String)>,
    pub format: DetailFormat,
    /// The language of the text (json is always in the scheme's own words).
    pub lang: crate::report::i18n::Lang,
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    let answer = what_if(&req.scheme, &req.input, req.scores.as_ref(), req.as_of, &req.id, &req.sets, req.header_row, req.lang)?;
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
    answer.write(req.format, out)?;
    Ok(Exit::row_errors_if(answer.ends_in_error()))
}
