//! A whole file evaluated: the in-memory reference ([`memory`]) and the
//! streaming two-pass batch `ladder evaluate` runs ([`stream`]), with what its
//! first pass keeps of each row for the second ([`spool`]).

pub mod calibration;
pub mod memory;
pub mod quota;
pub mod scan;
pub mod spool;
pub mod stream;
