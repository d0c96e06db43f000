//! Everything between a file and a parsed record: opening and decoding the
//! input (CSV in UTF-8 or GBK, or a workbook), splitting it into blocks of
//! whole records for the worker threads, the cells of one record, and cell
//! text read as typed values.

pub mod cells;
pub mod header;
pub mod records;
pub mod split;
pub mod swar;
pub mod value;
pub mod workbook;
