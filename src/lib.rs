//! `ladder`: a promotion evaluator for dual-track career ladders.
//!
//! The binary is a thin wrapper around [`cli::main`]; everything else lives
//! here, one module per concern:
//! - [`scheme`]: the scheme model, loading (file, directory, built-in) and validation;
//! - [`rule`]: the rule language and its parsing;
//! - [`records`]: the employee CSV and long-form scores;
//! - [`calendar`], [`exact`], [`value`]: dates and periods, exact arithmetic, cell values;
//! - [`figures`]: KPI and competency figures; [`eval`]: rules against one employee;
//! - [`decide`]: the status of one employee; [`evaluate`]: a whole batch;
//! - [`report`]: the output formats; [`cli`]: the command line.

pub mod calendar;
pub mod cli;
pub mod decide;
pub mod eval;
pub mod evaluate;
pub mod exact;
pub mod figures;
pub mod records;
pub mod report;
pub mod rule;
pub mod scheme;
pub mod stream;
pub mod value;
