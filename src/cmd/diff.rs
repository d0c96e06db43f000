//! `ladder diff OLD NEW` (SPEC §8.6): its arguments, and the comparison
//! (in [`crate::diff`]) written to stdout or, whole and durably, to `--output`.

use crate::diff::{self, DiffFormat};
use crate::error::{Error, Exit, Result};
use crate::report::durable::write_atomically;
use clap::Args;
use std::io::Write;

pub use crate::diff::Request;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier results (json, ndjson or csv written by `evaluate`; `-` for standard input)
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The later results (any of the same formats; need not be the format of OLD)
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format [default: from the extension of --output (.csv, .json), else table]
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<DiffFormat>,
    /// Exit 4 when any status or recommended grade differs, or an id is in one run only
    #[arg(long)]
    pub exit_code: bool,
    /// Write the report to FILE (atomically) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<String>,
}

/// The request, with the format settled.
pub fn request(args: DiffArgs) -> Result<(Request, Option<String>)> {
    if args.old == "-" && args.new == "-" {
        return Err(Error::Usage("OLD and NEW cannot both be standard input (`-`)".to_string()));
    }
    let format = match (args.format, args.output.as_deref()) {
        (Some(f), _) => f,
        (None, Some(path)) if path.to_ascii_lowercase().ends_with(".csv") => DiffFormat::Csv,
        (None, Some(path)) if path.to_ascii_lowercase().ends_with(".json") => DiffFormat::Json,
        _ => DiffFormat::Table,
    };
    Ok((Request { old: args.old, new: args.new, format, exit_code: args.exit_code }, args.output))
}

pub fn run(req: &(Request, Option<String>), out: &mut (dyn Write + Send)) -> Result<Exit> {
    let (req, output) = req;
    match output {
        // The report is kept only when the comparison finished.
        Some(path) => write_atomically(path, |file| diff::run(req, file).map_err(|e| anyhow::anyhow!("{e}"))).map_err(Error::from),
        None => diff::run(req, out),
    }
}
