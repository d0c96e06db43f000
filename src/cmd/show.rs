//! `ladder show`: the scheme as a table, JSON, or a Mermaid or Graphviz graph
//! (drawn by `report::scheme`).

use crate::error::{Exit, Result};
use crate::report::scheme::{write, ShowFormat};
use crate::scheme::Scheme;
use std::io::Write;

pub struct Request {
    pub scheme: Scheme,
    pub format: ShowFormat,
    /// The language of the table (the other formats never change).
    pub lang: crate::report::i18n::Lang,
}

pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    write(&req.scheme, req.format, req.lang, out)?;
    Ok(Exit::Ok)
}
