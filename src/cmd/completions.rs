//! `ladder completions SHELL`: a completion script, generated from the one
//! clap definition of the command line.

use crate::error::{Exit, Result};
use std::io::Write;

pub fn run(shell: clap_complete::Shell, mut command: clap::Command, out: &mut dyn Write) -> Result<Exit> {
    // clap_complete panics when its writer fails: it writes to memory.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "ladder", &mut script);
    out.write_all(&script)?;
    Ok(Exit::Ok)
}
