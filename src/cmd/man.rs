//! `ladder man`: the manual page (roff), generated from the one clap
//! definition of the command line.

use crate::error::{Exit, Result};
use std::io::Write;

pub fn run(command: clap::Command, out: &mut dyn Write) -> Result<Exit> {
    clap_mangen::Man::new(command).render(out)?;
    Ok(Exit::Ok)
}
