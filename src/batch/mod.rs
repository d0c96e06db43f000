//! A whole file evaluated: the in-memory reference ([`memory`]) and the
//! streaming two-pass batch `ladder evaluate` runs ([`stream`]), with what its
//! first pass keeps of each row for the second ([`spool`]), the chunked
//! pipeline both streaming readers run on ([`chunk`]), how they start and
//! read each record ([`reading`]), what their workers hand their sinks of
//! each row ([`sink_rows`]) and the id set that finds duplicates as
//! rows stream past ([`ids`]), and the rank cohorts every evaluation
//! counts ([`cohorts`]). The one-employee scan of `explain` and
//! `what-if` ([`scan`]) is the second streaming reader.

pub mod calibration;
mod chunk;
pub mod cohorts;
mod ids;
pub mod memory;
pub mod quota;
pub mod reading;
pub mod scan;
mod sink_rows;
pub mod spool;
pub mod stream;

pub use chunk::set_release_freed_memory;
