//! The subcommands, one module each, all of one shape: a `Request` (what
//! `cli::request` resolved) and `run(request, out) -> Result<Exit>`. A command
//! writes its output to `out`; `cli` prints any error and sets the exit status.

pub mod calibrate;
pub mod check;
pub mod completions;
pub mod diff;
pub mod evaluate;
pub mod explain;
pub mod man;
pub mod schema;
pub mod show;
pub mod template;
pub mod what_if;
