//! The command line (SPEC §6): parse the arguments ([`args`]), resolve them
//! into a request ([`request`]), run its command, and — the one place that
//! does — print an error and turn the outcome into the exit status.

pub mod args;
pub mod request;

use crate::cmd;
use crate::error::{Error, Exit};
use crate::report::durable::{stderr_line, to_stdout, WriteFailed};
use args::Cli;
use clap::{CommandFactory, Parser};
use request::Request;
use std::io::Write;
use std::process::ExitCode;

/// Runs the command line and returns the exit status.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // A usage error on stderr: if stderr cannot take it, the status still tells.
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return Exit::Usage.into();
        }
        // --help, --version: the output itself, which must arrive for a 0.
        Err(e) => {
            let printed = e.print().and_then(|()| std::io::stdout().flush());
            return match printed {
                Ok(()) => Exit::Ok.into(),
                Err(io) => fail(&Error::Unusable(WriteFailed::new("stdout", &io).into())),
            };
        }
    };
    match request::resolve(cli).and_then(run_to_stdout) {
        Ok(exit) => exit.into(),
        Err(e) => fail(&e),
    }
}

/// Runs the request with standard output, buffered and watched, as its
/// `out`. A failed write of stdout is the run's error, before any error of
/// the command itself.
fn run_to_stdout(request: Request) -> Result<Exit, Error> {
    let mut failed = None;
    let written = to_stdout(|out| {
        run(request, out).map_err(|e| {
            failed = Some(e);
            anyhow::anyhow!("the command failed")
        })
    });
    match (written, failed) {
        (Ok(exit), _) => Ok(exit),
        (Err(e), Some(command)) if !e.is::<WriteFailed>() => Err(command),
        (Err(e), _) => Err(Error::Unusable(e)),
    }
}

/// The exit status of a run that failed, after its message on stderr. A
/// reader that closed the pipe wanted no more: that ends quietly.
fn fail(e: &Error) -> ExitCode {
    if e.is_broken_pipe() {
        return Exit::BrokenPipe.into();
    }
    stderr_line(format_args!("error: {e}"));
    e.code().into()
}

/// Runs one resolved request, writing its output to `out`.
pub fn run(request: Request, out: &mut (dyn Write + Send)) -> Result<Exit, Error> {
    match request {
        Request::Evaluate(r) => cmd::evaluate::run(&r, out),
        Request::Check(r) => cmd::check::run(&r, out),
        Request::Explain(r) => cmd::explain::run(&r, out),
        Request::WhatIf(r) => cmd::what_if::run(&r, out),
        Request::Calibrate(r) => cmd::calibrate::run(&r, out),
        Request::Show(r) => cmd::show::run(&r, out),
        Request::Diff(r) => cmd::diff::run(&r, out),
        Request::Template(r) => cmd::template::run(&r, out),
        Request::Schema => cmd::schema::run(out),
        Request::Completions(shell) => cmd::completions::run(shell, Cli::command(), out),
        Request::Man => cmd::man::run(Cli::command(), out),
    }
}
