//! What a run can end in: the exit codes of SPEC §6 and the errors that stop
//! a command, each knowing its code (as casey/just's `Error::code()`). Only
//! `cli` prints an error and turns it into the process's exit status.

use crate::report::durable::WriteFailed;
use std::fmt;

/// The exit status of a run (SPEC §6; `ladder --help` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Every row was evaluated (or the command did what it was asked).
    Ok = 0,
    /// The scheme or an input could not be used; nothing was evaluated.
    Unusable = 1,
    /// The command line was wrong.
    Usage = 2,
    /// Evaluated, but some rows are `error`.
    RowErrors = 3,
    /// `diff --exit-code`: a status or a recommended grade differs between the two runs.
    Changed = 4,
    /// Standard output (or the `--output` FIFO) was closed by its reader:
    /// 128 + SIGPIPE, what a shell shows for a process SIGPIPE ended.
    BrokenPipe = 141,
}

impl Exit {
    /// `RowErrors` when any row is in error, else `Ok`.
    pub fn row_errors_if(any: bool) -> Exit {
        if any {
            Exit::RowErrors
        } else {
            Exit::Ok
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit as u8)
    }
}

/// Why a command stopped before it could answer.
#[derive(Debug)]
pub enum Error {
    /// The scheme or an input could not be used, or the output could not be written.
    Unusable(anyhow::Error),
    /// No employee has the id asked for (`explain`, `what-if`).
    UnknownId(String),
    /// An argument that cannot stand: `--sheet` on a CSV file, a bad `--set`.
    Usage(String),
}

impl Error {
    /// The exit status this error ends the run with.
    pub fn code(&self) -> Exit {
        match self {
            Error::Unusable(_) | Error::UnknownId(_) => Exit::Unusable,
            Error::Usage(_) => Exit::Usage,
        }
    }

    /// Writing to a closed pipe (`ladder … | head`) is no failure: the reader
    /// has what it wanted.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Unusable(e) => e.chain().any(|c| {
                c.downcast_ref::<WriteFailed>().is_some_and(|w| w.kind == std::io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // `{:#}`: the whole chain of causes on one line.
            Error::Unusable(e) => write!(f, "{e:#}"),
            Error::UnknownId(message) | Error::Usage(message) => f.write_str(message),
        }
    }
}

impl From<anyhow::Error> for Error {
    fn from(e: anyhow::Error) -> Self {
        Error::Unusable(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Unusable(e.into())
    }
}

/// A command's result: how it ended, or why it stopped.
pub type Result<T> = std::result::Result<T, Error>;
