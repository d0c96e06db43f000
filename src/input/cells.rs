//! The cells of one CSV record as text, checked once.
//!
//! `csv::StringRecord` checks UTF-8 field by field, one call per cell: on a
//! million rows of 68 cells with Chinese names that was a tenth of the whole
//! evaluation. [`Cells`] keeps a record as one string and where each cell
//! ends: the text is checked in one pass, and a cell is a slice of it that
//! must start and end on character boundaries. Filling one reuses its
//! buffers, so reading a file does not allocate per row.

/// A record whose every cell is valid UTF-8 (checked when it is made).
#[derive(Debug, Clone, Default)]
pub struct Cells {
    text: String,
    /// Where each cell ends in `text`.
    ends: Vec<u32>,
    /// Bytes between one cell and the next: 0, or 1 for the comma of a line
    /// kept as it was read (`fill_plain`).
    gap: u32,
}

/// Ends that do not cut a text into cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotWhole;

/// A cell that is not UTF-8: its index (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotUtf8 {
    pub field: usize,
}

impl Cells {
    /// The cells of `record`, checked: the whole record is UTF-8 and no cell
    /// starts or ends inside a character.
    pub fn new(record: &csv::ByteRecord) -> Result<Cells, NotUtf8> {
        let mut cells = Cells::default();
        cells.fill(record.as_slice(), record.iter().map(<[u8]>::len))?;
        Ok(cells)
    }

    /// Makes these the cells whose bytes, one after another, are `bytes`,
    /// with the given lengths (which must add up to all of `bytes`); the
    /// buffers are reused. On a problem the cells are left empty.
    pub fn fill(&mut self, bytes: &[u8], lengths: impl IntoIterator<Item = usize>) -> Result<(), NotUtf8> {
        self.text.clear();
        self.ends.clear();
        self.gap = 0;
        let mut end = 0usize;
        let mut fits = true;
        for length in lengths {
            // Lengths that overrun the bytes (or 32 bits) are refused below.
            end = end.saturating_add(length);
            fits &= end <= bytes.len();
            self.ends.push(u32::try_from(end).unwrap_or(u32::MAX));
        }
        let fits = fits && end == bytes.len();
        // simdutf8: checked many times faster than by the standard library.
        match simdutf8::basic::from_utf8(bytes) {
            Ok(text) if fits && self.ends.iter().all(|&e| text.is_char_boundary(e as usize)) => {
                self.text.push_str(text);
                Ok(())
            }
            _ => Err(self.clear_with(bytes)),
        }
    }

    /// Makes these the cells of `text` that end at `ends`, each cell
    /// starting `gap` bytes (0 or 1) after the one before ends; the ends
    /// must leave every cell on character boundaries and end with the text.
    /// The buffers are reused. On a problem the cells are left empty.
    pub fn fill_text(&mut self, text: &str, ends: impl IntoIterator<Item = u32>, gap: u32) -> Result<(), NotWhole> {
        self.text.clear();
        self.ends.clear();
        self.gap = gap;
        let mut start = 0u32;
        for end in ends {
            if end < start || !text.is_char_boundary(start as usize) || !text.is_char_boundary(end as usize) {
                self.ends.clear();
                return Err(NotWhole);
            }
            self.ends.push(end);
            start = end.saturating_add(gap);
        }
        if self.ends.last().copied().unwrap_or(0) as usize != text.len() {
            self.ends.clear();
            return Err(NotWhole);
        }
        self.text.push_str(text);
        Ok(())
    }

    /// Bytes between one cell and the next (0, or 1 for a line's comma).
    pub fn gap(&self) -> u32 {
        self.gap
    }

    /// Cells `first..first + count` as one run of text (the gaps between
    /// them included), where the run starts in this record's text, and
    /// their ends; None when the record has fewer cells.
    pub fn run(&self, first: usize, count: usize) -> Option<(&[u8], u32, &[u32])> {
        let ends = self.ends.get(first..first.checked_add(count)?)?;
        let start = match first.checked_sub(1) {
            Some(before) => self.ends[before] + self.gap,
            None => 0,
        };
        let end = ends.last().copied().unwrap_or(start);
        Some((self.text.as_bytes().get(start as usize..end as usize)?, start, ends))
    }

    /// Leaves the cells empty and names the first cell of `bytes` that is
    /// not UTF-8 on its own.
    fn clear_with(&mut self, bytes: &[u8]) -> NotUtf8 {
        let mut start = 0;
        let field = self
            .ends
            .iter()
            .position(|&end| {
                let cell = bytes.get(start..end as usize);
                start = end as usize;
                cell.map_or(true, |c| std::str::from_utf8(c).is_err())
            })
            .unwrap_or(0);
        self.text.clear();
        self.ends.clear();
        NotUtf8 { field }
    }

    /// Makes these the cells of `line`, split at every comma: a line of a
    /// CSV file that has no quote character.
    pub fn fill_plain(&mut self, line: &str) {
        self.text.clear();
        self.text.push_str(line);
        self.ends.clear();
        self.gap = 1;
        // Commas are ASCII: every cut is on a character boundary. A line of
        // over 4 GiB cannot be in a chunk of the file (see `blocks`).
        push_commas(line.as_bytes(), &mut self.ends);
        self.ends.push(line.len() as u32);
    }

    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { (self.ends[i - 1] + self.gap) as usize };
        self.text.get(start..end)
    }

    /// The bytes of cell `i`, empty past the last cell: for readers of
    /// ASCII (numbers), which need no character boundaries checked.
    #[inline]
    pub fn bytes(&self, i: usize) -> &[u8] {
        let Some(&end) = self.ends.get(i) else { return &[] };
        let start = match i.checked_sub(1) {
            Some(before) => self.ends[before] + self.gap,
            None => 0,
        };
        self.text.as_bytes().get(start as usize..end as usize).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// A record with no cell that is not blank (Excel leaves such lines at the end).
    pub fn is_blank(&self) -> bool {
        if self.gap == 0 {
            self.text.trim().is_empty()
        } else {
            self.text.chars().all(|c| c == ',' || c.is_whitespace())
        }
    }
}

/// Pushes where each comma of `bytes` is onto `ends`, eight bytes at a time.
/// Commas are a few bytes apart: a search call per comma (memchr) cost
/// more than the bit tricks of one pass.
fn push_commas(bytes: &[u8], ends: &mut Vec<u32>) {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0u32;
    for word in &mut words {
        let mut commas = crate::input::swar::equal(crate::input::swar::word(word), b',');
        while commas != 0 {
            ends.push(at + commas.trailing_zeros() / 8);
            commas &= commas - 1;
        }
        at += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b',' {
            ends.push(at + i as u32);
        }
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
        let mut text = String::new();
        let mut ends = Vec::with_capacity(record.len());
        for field in &record {
            text.push_str(field);
            ends.push(text.len() as u32);
        }
        Cells { text, ends, gap: 0 }
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

    proptest! {
        /// Every comma is found, and nothing else (bytes next to a comma, `-` = `,` ^ 1 and ones above 0x80 included).
        #[test]
        fn commas_are_found_as_memchr_finds_them(bytes in proptest::collection::vec(prop_oneof![Just(b','), Just(b'-'), Just(b'\xac'), any::<u8>()], 0..40)) {
            let mut found = Vec::new();
            push_commas(&bytes, &mut found);
            let expected: Vec<u32> = memchr::memchr_iter(b',', &bytes).map(|i| i as u32).collect();
            prop_assert_eq!(found, expected);
        }
    }

    fn record(fields: &[&[u8]]) -> csv::ByteRecord {
        csv::ByteRecord::from(fields.to_vec())
    }

    #[test]
    fn utf8_cells_are_text() {
        let cells = Cells::new(&record(&["员工0".as_bytes(), b"", b"85"])).unwrap();
        assert_eq!(cells.iter().collect::<Vec<_>>(), ["员工0", "", "85"]);
        assert_eq!(cells.get(3), None);
    }

    #[test]
    fn a_character_split_across_cells_is_refused() {
        // "员" is E5 91 98: valid when the cells are joined, not cell by cell.
        let bad = Cells::new(&record(&[b"a\xE5", b"\x91\x98"])).unwrap_err();
        assert_eq!(bad.field, 0);
        let bad = Cells::new(&record(&[b"ok", b"\xFF"])).unwrap_err();
        assert_eq!(bad.field, 1);
        // Refused cells are left empty, their buffers kept for the next record.
        let mut cells = Cells::new(&record(&[b"x", b"y"])).unwrap();
        assert!(cells.fill(b"ok\xFF", [2, 1]).is_err());
        assert!(cells.is_empty() && cells.get(0).is_none());
        cells.fill_plain("a,,b");
        assert_eq!(cells.iter().collect::<Vec<_>>(), ["a", "", "b"]);
        assert!(!cells.is_blank());
        cells.fill_plain(", ,\u{3000}");
        assert!(cells.is_blank() && cells.len() == 3);
        cells.fill_plain("");
        assert_eq!(cells.iter().collect::<Vec<_>>(), [""]);
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
            prop_assert_eq!(Cells::new(&record(&refs)).is_ok(), every_cell_utf8);
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
            prop_assert_eq!(Cells::new(&record(&fields)).is_ok(), every_cell_utf8);
        }
    }
}
