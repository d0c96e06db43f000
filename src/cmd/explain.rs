//! `ladder explain`: one employee's decision in full (the explanation itself
//! is built in `detail::explain`). A file on disk is scanned, not held in
//! memory (`detail::scanned`); under quotas, whose queue needs every row's
//! decision, `evaluate`'s first passes allocate them (`batch::stream`,
//! nothing held per row). Standard input, `--placement` and a file the scan
//! cannot read go the in-memory way, which is the reference.

use crate::batch::memory::{evaluate_as, Evaluation, How};
use crate::decision::Status;
use crate::detail::explain::{explain, explain_among, Explanation};
use crate::detail::{find, unknown_id, DetailFormat};
use crate::error::{Error, Exit, Result};
use crate::input::Files;
use crate::report::durable::stderr_line;
use crate::report::i18n::Lang;
use crate::scheme::Scheme;
use chrono::NaiveDate;
use rust_decimal::Decimal;
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

/// Whether the file can be scanned rather than read whole: a path
/// (standard input cannot be read twice), unless the in-memory reference is asked for.
pub fn scannable(files: &Files, in_memory: bool) -> bool {
    !in_memory && files.employees != "-"
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    // The scan ranks promotion cohorts (placement ranks otherwise: in memory).
    if !req.placement && scannable(&req.files, req.in_memory) {
        // Unreadable scores: the in-memory path says so, in its order.
        if let Ok(scores) = req.files.read_scores() {
            // A file the scan cannot read goes the in-memory way, whose messages are the reference.
            if let Some(found) = scanned(req, scores.as_ref()) {
                let (evaluation, others, row) = found?;
                let mut explanation = explain_among(&evaluation, 0, others);
                explanation.quota_row = row;
                return show(&evaluation, explanation, req.format, out);
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

/// The employee of a scanned file, evaluated with the composites of their
/// cohort and, under quotas, the file's queue applied to their decision
/// (SPEC §8.4); with those composites and their row index. None when the
/// file cannot be read this way (the in-memory path then says why).
fn scanned<'s>(req: &'s Request, scores: Option<&'s crate::input::records::Input>) -> Option<Result<(Evaluation<'s>, Vec<Decimal>, u64)>> {
    let scan = crate::batch::scan::Request::of_files(&req.scheme, &req.files, scores, req.as_of, req.format == DetailFormat::Json);
    // Under quotas `evaluate`'s first passes find the employee as they allocate the queue.
    let found = match req.scheme.quotas.is_empty() {
        true => crate::detail::scanned::one(&scan, &req.id, false, req.lang),
        false => crate::detail::scanned::one_queued(&scan, &req.id, req.lang),
    };
    let found = found.ok()?;
    let one = match found {
        Ok(one) => one,
        Err(message) => return Some(Err(Error::UnknownId(message))),
    };
    let evaluation = one.evaluation;
    Some(Ok((evaluation, one.others, one.row_index)))
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
