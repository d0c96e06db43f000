//! The cells of one CSV record as text, checked once.
//!
//! `csv::StringRecord` checks UTF-8 field by field, one call per cell: on a
//! million rows of 68 cells with Chinese names that was a tenth of the whole
//! evaluation. [`Cells`] checks the record's bytes in one pass instead, plus
//! that every cell starts on a character boundary, which together prove
//! every cell is UTF-8; reading a cell then needs no check.

/// A record whose every cell is valid UTF-8 (checked when it is made).
#[derive(Debug, Clone, Default)]
pub struct Cells(csv::ByteRecord);

/// A cell that is not UTF-8: its index (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8 {
    pub field: usize,
}

impl Cells {
    /// Checks `record`: the whole buffer is UTF-8 and no cell starts inside
    /// a character (then every cell, a slice between character boundaries,
    /// is UTF-8 too).
    pub fn new(record: csv::ByteRecord) -> Result<Cells, (NotUtf8, csv::ByteRecord)> {
        let whole = record.as_slice();
        let mut start = 0;
        let mut boundaries = true;
        for field in record.iter() {
            // A continuation byte (10xxxxxx) never starts a character.
            if whole.get(start).is_some_and(|b| (0x80..0xC0).contains(b)) {
                boundaries = false;
                break;
            }
            start += field.len();
        }
        if boundaries && std::str::from_utf8(whole).is_ok() {
            return Ok(Cells(record));
        }
        let field = record.iter().position(|f| std::str::from_utf8(f).is_err()).unwrap_or(0);
        Err((NotUtf8 { field }, record))
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        // SAFETY: `Cells::new` (the only way to make a non-empty `Cells`;
        // `From<StringRecord>` starts from checked text) proved every cell
        // is UTF-8, and the record is not changed afterwards.
        self.0.get(i).map(|bytes| unsafe { std::str::from_utf8_unchecked(bytes) })
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// A record with no cell that is not blank (Excel leaves such lines at the end).
    pub fn is_blank(&self) -> bool {
        self.iter().all(|c| c.trim().is_empty())
    }

    /// The record back, to read the next one into its buffers.
    pub fn into_record(self) -> csv::ByteRecord {
        self.0
    }
}

/// `str::trim`, with a shortcut for the usual cell that starts and ends with
/// a visible ASCII character (`trim` decodes characters at both ends).
pub fn trim(text: &str) -> &str {
    match text.as_bytes() {
        [first, .., last] if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        [only] if only.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

impl From<csv::StringRecord> for Cells {
    fn from(record: csv::StringRecord) -> Cells {
        Cells(record.into_byte_record())
    }
}

impl From<Vec<String>> for Cells {
    fn from(cells: Vec<String>) -> Cells {
        Cells::from(csv::StringRecord::from(cells))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(fields: &[&[u8]]) -> csv::ByteRecord {
        csv::ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn utf8_cells_are_text() {
        let cells = Cells::new(record(&["员工0".as_bytes(), b"", b"85"])).unwrap();
        assert_eq!(cells.iter().collect::<Vec<_>>(), ["员工0", "", "85"]);
        assert_eq!(cells.get(3), None);
    }

    #[test]
    fn a_character_split_across_cells_is_refused() {
        // "员" is E5 91 98: valid when the cells are joined, not cell by cell.
        let (bad, _) = Cells::new(record(&[b"a\xE5", b"\x91\x98"])).unwrap_err();
        assert_eq!(bad.field, 0);
        let (bad, _) = Cells::new(record(&[b"ok", b"\xFF"])).unwrap_err();
        assert_eq!(bad.field, 1);
    }

    proptest! {
        /// The shortcut trims exactly as `str::trim`, spaces of any kind included.
        #[test]
        fn trim_is_str_trim(text in "[ \t\u{3000}\u{a0}a-z0-9.%是]{0,6}") {
            prop_assert_eq!(trim(&text), text.trim());
        }

        /// Whatever the bytes, a `Cells` is made exactly when every cell is UTF-8.
        #[test]
        fn made_exactly_when_every_cell_is_utf8(fields in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..6), 0..6)) {
            let every_cell_utf8 = fields.iter().all(|f| std::str::from_utf8(f).is_ok());
            let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(Cells::new(record(&refs)).is_ok(), every_cell_utf8);
        }

        #[test]
        fn split_characters_are_caught(text in "\\PC{0,12}", cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4)) {
            let bytes = text.as_bytes();
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(bytes.len() + 1)).collect();
            at.sort_unstable();
            let mut fields = Vec::new();
            let mut start = 0;
            for a in at {
                fields.push(&bytes[start..a]);
                start = a;
            }
            fields.push(&bytes[start..]);
            let every_cell_utf8 = fields.iter().all(|f| std::str::from_utf8(f).is_ok());
            prop_assert_eq!(Cells::new(record(&fields)).is_ok(), every_cell_utf8);
        }
    }
}
