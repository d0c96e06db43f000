//! Everything between a file and a parsed record: opening and decoding the
//! input (CSV in UTF-8 or GBK, or a workbook), splitting it into blocks of
//! whole records for the worker threads, the cells of one record, and cell
//! text read as typed values.

pub mod cells;
pub mod header;
mod layout;
pub mod records;
pub mod source;
pub mod split;
pub mod swar;
pub mod value;
pub mod workbook;

use records::{read_input, Encoding, Input};

/// The input files a command names: the employee records (a path, or `-` for
/// standard input), the long-form scores, their text encoding and the sheet
/// of a workbook.
#[derive(Debug, Clone)]
pub struct Files {
    pub employees: String,
    pub scores: Option<String>,
    pub encoding: Encoding,
    pub sheet: Option<String>,
    /// `--header-row`: the header's line (none: found among the first rows).
    pub header_row: Option<u64>,
}

impl Files {
    /// The employee file opened for reading (a workbook's sheet turned into
    /// CSV, standard input's first lines seen by `check_head`).
    pub fn open_employees(&self, check_head: &records::HeadCheck<'_>) -> anyhow::Result<source::Source> {
        source::Source::open(&self.employees, self.encoding, self.sheet.as_deref(), check_head)
    }

    /// `--sheet` names a sheet of a workbook: on any other file it is a usage
    /// error, said before anything is read.
    pub fn check_sheet(&self) -> Result<(), String> {
        match self.sheet.as_deref() {
            Some(sheet) if !workbook::is_workbook(&self.employees) => Err(format!(
                "--sheet `{sheet}`: `{}` is not a workbook ({}); --sheet applies to workbooks only",
                self.employees,
                workbook::EXTENSIONS_TEXT
            )),
            _ => Ok(()),
        }
    }

    /// The long-form scores, read whole.
    pub fn read_scores(&self) -> anyhow::Result<Option<Input>> {
        self.scores.as_deref().map(|s| read_input(s, self.encoding)).transpose()
    }

    /// The employee records and then the scores, read whole (one employee in
    /// detail needs the whole cohort in memory).
    pub fn read_all(&self) -> anyhow::Result<(Input, Option<Input>)> {
        self.read_all_checked(&|_, _, _| Ok(()))
    }

    /// [`Files::read_all`], standard input's first lines checked by
    /// `check_head` before the rest is read (see `records::read_input_checked`).
    pub fn read_all_checked(&self, check_head: &records::HeadCheck<'_>) -> anyhow::Result<(Input, Option<Input>)> {
        let input = crate::input::records::read_input_checked(&self.employees, self.encoding, self.sheet.as_deref(), check_head)?;
        Ok((input, self.read_scores()?))
    }
}
