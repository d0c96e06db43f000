//! The one integration-test binary: every test of the `ladder` binary and
//! of the library's public paths, one module per concern, so a change to the
//! library relinks one test program instead of eight.
//!
//! Where a new test belongs:
//! - a whole run on the shipped examples (snapshots): `cli`;
//! - a bad scheme or a bad input file, and its located message: `bad_input`,
//!   `scheme_validation`; hostile input and environments: `hostile`,
//!   `output_safety`; arithmetic that must never wrap: `overflow`;
//! - a decision path or an arithmetic edge of SPEC §4–§5: `decisions`;
//!   demotion targets, `decided_by`, the top of a sequence: `decisions_seeds`;
//!   the built-in schemes against the seeds' own rules: `seeds`;
//! - `explain`, `what-if`, `show`: `explain`;
//! - spreadsheets as exported: `header_rows`, `workbook_cells`; Chinese
//!   exports, html, completions: `analyst`; the xlsx report: `xlsx_out`;
//! - the review cycle: `cohorts` (rank, distribution, calibrate), `quotas`, `diff`;
//! - fast path against the exact path: `fast_path`; other properties: `properties`;
//! - the independent Python reference of the SPEC: `reference`.

mod analyst;
mod bad_input;
mod big_file_detail;
mod calibration_reports;
mod cli;
mod cohorts;
mod decisions;
mod decisions_seeds;
mod did_you_mean;
mod diff;
mod diff_fast;
mod diff_scan;
mod explain;
mod fast_path;
mod harness;
mod header_rows;
mod hostile;
mod lang;
mod output_safety;
mod overflow;
mod placement;
mod properties;
mod quotas;
mod reference;
mod scheme_validation;
mod seeds;
mod small_things;
mod template;
mod titles;
mod what_if_words;
mod workbook_cells;
mod xlsx_out;
