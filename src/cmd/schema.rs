//! `ladder schema`: the JSON Schema of the scheme YAML, for editors.

use crate::error::{Exit, Result};
use crate::scheme::schema::schema_json;
use std::io::Write;

pub fn run(out: &mut dyn Write) -> Result<Exit> {
    out.write_all(schema_json().as_bytes())?;
    Ok(Exit::Ok)
}
