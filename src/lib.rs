//! `ladder`: a promotion evaluator for dual-track career ladders.
//!
//! The binary is a thin wrapper around [`cli::main`]; everything else lives
//! here, one module per concern:
//! - [`scheme`]: the scheme model, loading (file, directory, built-in) and validation;
//! - [`rule`]: the rule language and its parsing;
//! - [`records`]: the employee CSV and long-form scores; [`header`]: where its header is (title rows, two levels); [`cells`]: a record's cells as text, checked once;
//! - [`calendar`], [`exact`], [`value`]: dates and periods, exact arithmetic, cell values;
//! - [`figures`]: KPI and competency figures; [`eval`]: rules against one employee;
//! - [`decide`]: the status of one employee; [`evaluate`]: a whole batch;
//! - [`report`]: the output formats; [`durable`]: report files written whole and durably; [`cli`]: the command line;
//! - [`explain`], [`what_if`], [`show`]: one employee in full, one employee before and after changes, the scheme as a table or graph;
//! - [`swar`]: finding ASCII bytes eight at a time;
//! - [`xlsx`]: workbooks as input; [`i18n`]: Chinese labels; [`schema`]: the JSON Schema of the scheme YAML.

pub mod blocks;
pub mod calendar;
pub mod cells;
pub mod cli;
pub mod decide;
pub mod durable;
pub mod eval;
pub mod evaluate;
pub mod exact;
pub mod explain;
pub mod figures;
pub mod header;
pub mod i18n;
pub mod records;
pub mod report;
pub mod row_spool;
pub mod rule;
pub mod schema;
pub mod scheme;
pub mod show;
pub mod stream;
pub mod swar;
pub mod value;
pub mod what_if;
pub mod xlsx;
