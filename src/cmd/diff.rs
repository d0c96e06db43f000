//! `ladder diff OLD NEW` (SPEC §8.6): the comparison (in [`crate::diff`])
//! written to stdout or, whole and durably, to `--output`.

use crate::diff;
use crate::error::{Error, Exit, Result};
use crate::report::durable::write_atomically;
use std::io::Write;

pub struct Request {
    pub compare: diff::Request,
    /// Write the report to this file instead of `out`.
    pub output: Option<String>,
}

pub fn run(req: &Request, out: &mut (dyn Write + Send)) -> Result<Exit> {
    match &req.output {
        // The report is kept only when the comparison finished.
        Some(path) => write_atomically(path, |file| diff::run(&req.compare, file).map_err(|e| anyhow::anyhow!("{e}"))).map_err(Error::from),
        None => diff::run(&req.compare, out),
    }
}
