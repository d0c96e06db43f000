//! `ladder explain`: one employee's decision in full (the explanation itself
//! is built in `detail::explain`). A file on disk is scanned, not held in
//! memory (`detail::scanned`); standard input, a scheme with quotas (whose
//! queue needs every row's decision), `--placement` and a file the scan
//! cannot read go the in-memory way, which is the reference.

use crate::batch::memory::{evaluate_as, How};
use crate::decision::Status;
use crate::detail::explain::{explain, explain_among, Explanation};
use crate::detail::{find, unknown_id, DetailFormat};
use crate::error::{Error, Exit, Result};
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
    /// The employee to explain.
    pub id: String,
    pub format: DetailFormat,
    /// The language of the text (json is always in the scheme's own words).
    pub lang: Lang,
    /// Explain the placement (`--placement`, SPEC §8.3).
    pub placement: bool,
    /// Evaluate every row in memory (the reference path) even where a scan would do.
    pub in_memory: bool,
}

/// Whether the file can be scanned rather than read whole: a path (standard
/// input cannot be read twice) and a scheme without quotas.
pub fn scannable(scheme: &Scheme, files: &Files, in_memory: bool) -> bool {
    !in_memory && files.employees != "-" && scheme.quotas.is_empty()
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    // The scan ranks promotion cohorts (placement ranks otherwise: in memory).
    if !req.placement && scannable(&req.scheme, &req.files, req.in_memory) {
        // Unreadable scores: the in-memory path says so, in its order.
        if let Ok(scores) = req.files.read_scores() {
            let scan = crate::batch::scan::Request::of_files(&req.scheme, &req.files, scores.as_ref(), req.as_of);
            // A file the scan cannot read goes the in-memory way, whose messages are the reference.
            if let Ok(found) = crate::detail::scanned::one(&scan, &req.id, false, req.lang) {
                let one = found.map_err(Error::UnknownId)?;
                return show(&one.evaluation, explain_among(&one.evaluation, 0, one.others), req.format, out);
            }
        }
    }
    // Standard input's first lines are checked before the rest is read.
    let (input, scores) = req.files.read_all_checked(&|head, eof, display| {
        crate::batch::memory::check_head(&req.scheme, req.files.encoding, req.files.header_row, req.placement, head, eof, display)
    })?;
    let how = How { header_row: req.files.header_row, lang: req.lang, placement: req.placement };
    let evaluation = evaluate_as(&req.scheme, &input, scores.as_ref(), req.as_of, &how)?;
    let index = find(&evaluation, &req.id).ok_or_else(|| Error::UnknownId(unknown_id(&evaluation, &req.id, &input.display)))?;
    show(&evaluation, explain(&evaluation, index), req.format, out)
}

fn show(
    evaluation: &crate::batch::memory::Evaluation,
    explanation: Explanation,
    format: DetailFormat,
    out: &mut dyn Write,
) -> Result<Exit> {
    for note in &evaluation.notes {
        stderr_line(format_args!("note: {note}"));
    }
    for w in &evaluation.warnings {
        stderr_line(format_args!("warning: {w}"));
    }
    explanation.write(format, out)?;
    Ok(Exit::row_errors_if(explanation.record.status == Status::Error))
}
