//! `ladder explain`: one employee's decision in full (the explanation itself
//! is built in `detail::explain`).

use crate::batch::memory::{evaluate_as, How};
use crate::decision::Status;
use crate::detail::explain::explain;
use crate::detail::{find, unknown_id, DetailFormat};
use crate::error::{Error, Exit, Result};
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
    /// `--header-row`: the header's line (none: found among the first rows).
    pub header_row: Option<u64>,
    /// The employee to explain.
    pub id: String,
    pub format: DetailFormat,
    /// The language of the text (json is always in the scheme's own words).
    pub lang: crate::report::i18n::Lang,
    /// Explain the placement (`--placement`, SPEC §8.3).
    pub placement: bool,
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    let how = How { header_row: req.header_row, lang: req.lang, placement: req.placement };
    let evaluation = evaluate_as(&req.scheme, &req.input, req.scores.as_ref(), req.as_of, &how)?;
    for note in &evaluation.notes {
        stderr_line(format_args!("note: {note}"));
    }
    for w in &evaluation.warnings {
        stderr_line(format_args!("warning: {w}"));
    }
    let index = find(&evaluation, &req.id).ok_or_else(|| Error::UnknownId(unknown_id(&evaluation, &req.id, &req.input.display)))?;
    let explanation = explain(&evaluation, index);
    explanation.write(req.format, out)?;
    Ok(Exit::row_errors_if(explanation.record.status == Status::Error))
}
