//! A whole file evaluated: the in-memory reference ([`memory`]) and the
//! streaming two-pass batch `ladder evaluate` runs ([`stream`]), with what its
//! first pass keeps of each row for the second ([`spool`]), the chunked
//! pipeline both streaming readers run on ([`chunk`]) and the id set that
//! finds duplicates as rows stream past ([`ids`]).

pub mod calibration;
mod chunk;
mod ids;
pub mod memory;
pub mod quota;
pub mod scan;
pub mod spool;
pub mod stream;
