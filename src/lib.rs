//! `ladder`: a promotion evaluator for dual-track career ladders.
//!
//! The binary is a thin wrapper around [`cli::main`]; everything else lives
//! here, one folder per layer, dependencies one way (docs/architecture.md
//! draws the map):
//! - [`cli`]: the command line (arguments, the resolved request, exit status); [`error`]: exit codes and errors;
//! - [`cmd`]: the subcommands, one `run` each; [`diff`]: two results files compared (`ladder diff`); [`detail`]: one employee in detail (explain, what-if);
//! - [`report`]: the output formats, their labels ([`report::i18n`]), the scheme drawn, report files written durably;
//! - [`batch`]: a whole file evaluated, in memory or streamed in two passes;
//! - [`decision`]: the status of one employee; [`figures`]: KPI and competency figures; [`rule`]: the rule language and its evaluation;
//! - [`input`]: opening, decoding and splitting the records, finding their header, workbooks, cells and their values;
//! - [`scheme`]: the scheme model, loading (file, directory, built-in), validation and its JSON Schema;
//! - [`calendar`], [`exact`]: dates and periods, exact arithmetic; [`suggest`]: "did you mean" for names that name nothing.
//!
//! A module is public only when the integration tests, the examples
//! (`gen`, `parse_only`) or the fuzz targets reach into it, or its types
//! appear in a public module's signatures (`calendar`, `exact`); `diff`,
//! `error`, `suggest` and `terminal` are the binary's alone.

pub mod batch;
pub mod calendar;
pub mod cli;
pub mod cmd;
pub mod decision;
pub mod detail;
mod diff;
mod error;
pub mod exact;
pub mod figures;
pub mod input;
pub mod report;
pub mod rule;
pub mod scheme;
mod suggest;
mod terminal;

/// `ladder --version`: the package version and the git revision it was built from.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("LADDER_GIT_REVISION"), ")");
