//! The command line (SPEC §6): parse the arguments ([`args`]), resolve them
//! into a request ([`request`]), run its command, and — the one place that
//! does — print an error and turn the outcome into the exit status.

pub mod args;
pub mod request;

use crate::cmd;
use crate::error::{Error, Exit};
use args::Cli;
use clap::{CommandFactory, Parser};
use request::Request;
use std::io::Write;
use std::process::ExitCode;

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return (if e.use_stderr() { Exit::Usage } else { Exit::Ok }).into();
        }
    };
    // Not locked: `evaluate` writes its results from the pool's threads.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let result = request::resolve(cli).and_then(|request| {
        let exit = run(request, &mut out)?;
        out.flush()?;
        Ok(exit)
    });
    match result {
        Ok(exit) => exit.into(),
        Err(e) if e.is_broken_pipe() => Exit::Ok.into(),
        Err(e) => {
            drop(out);
            eprintln!("error: {}", crate::terminal::safe(&e.to_string()));
            e.code().into()
        }
    }
}

/// Runs one resolved request, writing its output to `out`.
pub fn run(request: Request, out: &mut (dyn Write + Send)) -> Result<Exit, Error> {
    match request {
        Request::Evaluate(r) => cmd::evaluate::run(&r, out),
        Request::Check(r) => cmd::check::run(&r, out),
        Request::Explain(r) => cmd::explain::run(&r, out),
        Request::WhatIf(r) => cmd::what_if::run(&r, out),
        Request::Show(r) => cmd::show::run(&r, out),
        Request::Schema => cmd::schema::run(out),
        Request::Completions(shell) => cmd::completions::run(shell, Cli::command(), out),
        Request::Man => cmd::man::run(Cli::command(), out),
    }
}
