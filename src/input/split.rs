//! A CSV stream cut into blocks of whole records, so that several threads
//! can parse one file: reading records is a large part of a batch, and one
//! thread doing it for all the others holds them back.
//!
//! The reading thread only finds where records end. In a stretch without a
//! quote character every line feed or carriage return ends a record (or an
//! empty line, which the csv crate skips), so a chunk ends after the last
//! one; a stretch with quotes is scanned once by `csv_core`, the csv crate's
//! own parser, for where its records end. Whichever thread takes a block
//! then parses it: split at commas and line ends when it has no quotes and
//! is UTF-8, else read by the csv crate as usual (`parse_block`).
//!
//! Lines are counted here too: the csv crate places a record after a CRLF
//! line on the line before it, and one after empty lines on the first empty one.

use crate::input::cells::Cells;
use anyhow::Result;
use std::io::Read;

/// Bytes a chunk of blocks aims at (about 2,000 rows of the benchmark's file:
/// big enough to share out, small enough to stay lean).
const CHUNK_BYTES: usize = 1 << 19;

/// The longest record read (bytes). No row of employees comes near it: a
/// spreadsheet cell holds at most 32,767 characters, and a record past this
/// would cost several times its size on its way to a report.
pub const MAX_RECORD: usize = 16 << 20;

/// Why a record longer than [`MAX_RECORD`] is refused.
pub fn record_too_long() -> String {
    format!(
        "a record of over {} MiB: no row of employees is that long (a spreadsheet cell holds at most 32,767 characters); is this a CSV file of employees?",
        MAX_RECORD >> 20
    )
}

/// Blocks per chunk, for the threads to share.
const BLOCKS: usize = 8;

/// One block of whole records: its bytes and the line its first byte is on.
#[derive(Default)]
pub struct Block {
    pub start: usize,
    pub end: usize,
    pub line: u64,
}

/// Whole records cut from the stream, in blocks.
#[derive(Default)]
pub struct RawChunk {
    pub bytes: Vec<u8>,
    pub blocks: Vec<Block>,
    /// Where `bytes` starts in the stream.
    pub offset: u64,
}

/// Cuts a stream into chunks of whole records.
pub struct Cutter<R> {
    input: R,
    /// Bytes read past the last cut.
    carry: Vec<u8>,
    /// The stream's offset and line at the start of `carry`.
    offset: u64,
    line: u64,
    eof: bool,
    chunk_bytes: usize,
    max_record: usize,
    /// For stretches with quotes: the parser that finds where records end
    /// (made once: making one builds its tables), and the ends it found.
    scanner: csv_core::Reader,
    ends: Vec<usize>,
}

impl<R: Read> Cutter<R> {
    /// Cuts `input` from byte `skip` on (past the header).
    pub fn new(mut input: R, skip: u64) -> std::io::Result<Cutter<R>> {
        let mut skipped = Vec::new();
        (&mut input).take(skip).read_to_end(&mut skipped)?;
        // A header ending in a CR LF's carriage return: its line feed is
        // skipped too, so the line is not counted twice.
        let mut carry = Vec::new();
        if skipped.last() == Some(&b'\r') {
            (&mut input).take(1).read_to_end(&mut carry)?;
            if carry == b"\n" {
                skipped.append(&mut carry);
            }
        }
        let line = 1 + newlines(&skipped);
        Ok(Cutter {
            input,
            carry,
            offset: skipped.len() as u64,
            line,
            eof: false,
            chunk_bytes: CHUNK_BYTES,
            max_record: MAX_RECORD,
            scanner: csv_core::Reader::new(),
            ends: Vec::new(),
        })
    }

    #[cfg(test)]
    fn chunk_bytes(self, chunk_bytes: usize) -> Cutter<R> {
        Cutter { chunk_bytes, ..self }
    }

    #[cfg(test)]
    fn max_record(self, max_record: usize) -> Cutter<R> {
        Cutter { max_record, ..self }
    }

    /// Fills `chunk` with the next whole records; false at the end of the stream.
    pub fn next_chunk(&mut self, chunk: &mut RawChunk) -> std::io::Result<bool> {
        chunk.bytes.clear();
        chunk.blocks.clear();
        chunk.offset = self.offset;
        chunk.bytes.append(&mut self.carry);
        let mut want = self.chunk_bytes;
        let cut = loop {
            if !self.eof && chunk.bytes.len() < want {
                // `read_to_end` fills spare capacity without zeroing it first.
                let missing = (want - chunk.bytes.len()) as u64;
                let n = (&mut self.input).take(missing).read_to_end(&mut chunk.bytes)?;
                self.eof = (n as u64) < missing;
            }
            if self.eof {
                // The rest is whole records (the last may lack its line end).
                if memchr::memchr(b'"', &chunk.bytes).is_some() {
                    record_ends(&mut self.scanner, &chunk.bytes, &mut self.ends);
                }
                break chunk.bytes.len();
            }
            match self.last_record_end(&chunk.bytes) {
                Some(cut) => {
                    if cut == chunk.bytes.len() && chunk.bytes.last() == Some(&b'\r') {
                        // Whether a line feed follows decides how lines are counted.
                        let n = (&mut self.input).take(1).read_to_end(&mut chunk.bytes)?;
                        self.eof = n == 0;
                    }
                    break past_crlf(&chunk.bytes, cut);
                }
                // A record longer than the chunk: read on, up to a limit no
                // CSV of employees comes near (cells are indexed in 32 bits).
                None if want < self.max_record => want *= 2,
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        if self.max_record == MAX_RECORD {
                            format!("line {}: {}", self.line, record_too_long())
                        } else {
                            format!("line {}: a record of over {} MiB: is this a CSV file of employees?", self.line, self.max_record >> 20)
                        },
                    ))
                }
            }
        };
        self.carry.extend_from_slice(&chunk.bytes[cut..]);
        chunk.bytes.truncate(cut);
        if chunk.bytes.is_empty() {
            return Ok(false);
        }
        // Blocks of about equal size, each ending where a record does.
        let quoted = memchr::memchr(b'"', &chunk.bytes).is_some();
        let ends = block_ends(&chunk.bytes, BLOCKS, quoted.then_some(self.ends.as_slice()));
        let (mut start, mut line) = (0, self.line);
        for end in ends {
            chunk.blocks.push(Block { start, end, line });
            line += newlines(&chunk.bytes[start..end]);
            start = end;
        }
        self.line = line;
        self.offset += cut as u64;
        Ok(true)
    }
}

/// Line ends, counted as [`line_ends`] does: cuts never fall inside a CR LF
/// (see [`past_crlf`]), so each part counts its own.
fn newlines(bytes: &[u8]) -> u64 {
    line_ends(bytes)
}

/// A cut at `cut` moved past the line feed of a CR LF it would split, so that
/// lines counted part by part add up (a carriage return alone ends a line).
pub fn past_crlf(bytes: &[u8], cut: usize) -> usize {
    if cut > 0 && bytes.get(cut - 1) == Some(&b'\r') && bytes.get(cut) == Some(&b'\n') {
        cut + 1
    } else {
        cut
    }
}

impl<R> Cutter<R> {
    /// Where the last complete record of `bytes` (which starts where a
    /// record does) ends; None when no record ends in it. With quotes, the
    /// end of every record is left in `self.ends`.
    fn last_record_end(&mut self, bytes: &[u8]) -> Option<usize> {
        if memchr::memchr(b'"', bytes).is_none() {
            return memchr::memrchr2(b'\n', b'\r', bytes).map(|i| i + 1);
        }
        record_ends(&mut self.scanner, bytes, &mut self.ends);
        self.ends.last().copied()
    }
}

/// Up to `count` cuts of `bytes` (whole records) into parts of about equal
/// size, each where a record ends; the last is the end of `bytes`. `scanned`:
/// where the records end when `bytes` has quotes (found by `record_ends`;
/// those past `bytes` are ignored).
fn block_ends(bytes: &[u8], count: usize, scanned: Option<&[usize]>) -> Vec<usize> {
    let size = bytes.len().div_ceil(count).max(1);
    let mut ends = Vec::with_capacity(count);
    match scanned {
        None => {
            let mut at = 0;
            while at < bytes.len() {
                let end = match memchr::memchr2(b'\n', b'\r', bytes.get(at + size..).unwrap_or_default()) {
                    Some(i) => past_crlf(bytes, at + size + i + 1),
                    None => bytes.len(),
                };
                ends.push(end);
                at = end;
            }
        }
        Some(scanned) => {
            let mut next = size;
            for &end in scanned {
                let end = past_crlf(bytes, end);
                if end >= next && end < bytes.len() {
                    ends.push(end);
                    next = end + size;
                }
            }
            ends.push(bytes.len());
        }
    }
    ends
}

/// The end of each complete record of `bytes` (which starts where a record
/// does) into `ends`, as the csv crate reads them: `csv_core` with the csv
/// crate's defaults, the ones `records::csv_reader` uses.
fn record_ends(scanner: &mut csv_core::Reader, bytes: &[u8], ends: &mut Vec<usize>) {
    scanner.reset();
    ends.clear();
    let (mut out, mut field_ends) = ([0u8; 1 << 12], [0usize; 256]);
    let mut at = 0;
    // An empty input would mean the end of the stream to csv_core: stop before.
    while at < bytes.len() {
        let (result, read, _, _) = scanner.read_record(&bytes[at..], &mut out, &mut field_ends);
        at += read;
        match result {
            // The fields themselves are not kept: the buffers are reused.
            csv_core::ReadRecordResult::OutputFull | csv_core::ReadRecordResult::OutputEndsFull => {}
            csv_core::ReadRecordResult::Record => ends.push(at),
            csv_core::ReadRecordResult::InputEmpty | csv_core::ReadRecordResult::End => break,
        }
    }
}

/// The line each record of a stretch of CSV starts on, from where the csv
/// crate's reader was when it began the record.
pub struct Lines<'a> {
    bytes: &'a [u8],
    counted: usize,
    line: u64,
}

impl<'a> Lines<'a> {
    /// `bytes` starts on `line`.
    pub fn new(bytes: &'a [u8], line: u64) -> Lines<'a> {
        Lines { bytes, counted: 0, line }
    }

    /// The line of the record the reader began at `position` (an offset into
    /// `bytes`, never behind the one before): line ends the reader had not yet
    /// passed are skipped.
    pub fn at(&mut self, position: usize) -> u64 {
        let rest = self.bytes.get(position..).unwrap_or_default();
        let start = position + rest.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
        if start > self.counted {
            self.line += newlines(&self.bytes[self.counted..start]);
            self.counted = start;
        }
        self.line
    }
}

/// A record that is not UTF-8, at `line`, cell `field` (0-based).
#[derive(Debug)]
pub struct BadRecord {
    pub line: u64,
    pub problem: BadKind,
}

#[derive(Debug)]
pub enum BadKind {
    NotUtf8 {
        field: usize,
    },
    Csv(csv::Error),
    /// A quote opened on `line` is never closed: the record runs to the end
    /// of the input, on `last_line`.
    OpenQuote {
        last_line: u64,
    },
}

impl BadRecord {
    /// The message, after `FILE:` (or `FILE: ` for a CSV error).
    pub fn message(&self, display: &str) -> String {
        match &self.problem {
            BadKind::NotUtf8 { field } => format!("{display}: line {}, cell {}: not valid UTF-8", self.line, field + 1),
            BadKind::Csv(e) => format!("{display}: line {}: malformed CSV: {e}", self.line),
            BadKind::OpenQuote { last_line } => open_quote_message(display, self.line, *last_line),
        }
    }
}

/// `FILE:LINE: a quote opened here is never closed: …`, the lines it swallows.
pub fn open_quote_message(display: &str, line: u64, last_line: u64) -> String {
    let lines = last_line.saturating_sub(line) + 1;
    format!(
        "{display}:{line}: a quote opened here is never closed: it swallows lines {line}–{last_line} ({lines} lines) into one cell; \
         close the quote, or double a quote that is part of the text (\"\")"
    )
}

/// Where in `bytes` (a record's start to the end of the input) a quote opens
/// that is still open at the end, as `csv_core` reads quotes: a quote opens
/// a field only at the field's start, a doubled quote inside is text, and a
/// quote in the middle of an unquoted field is text.
pub fn open_quote(bytes: &[u8]) -> Option<usize> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        InField,
        Quoted,
        QuoteInQuoted,
    }
    let (mut state, mut opened) = (State::FieldStart, 0);
    for (i, &b) in bytes.iter().enumerate() {
        state = match (state, b) {
            (State::FieldStart, b'"') => {
                opened = i;
                State::Quoted
            }
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',' | b'\n' | b'\r') => State::FieldStart,
            _ => State::InField,
        };
    }
    (state == State::Quoted).then_some(opened)
}

/// The line ends in `bytes`: a line feed, a CR LF, or a carriage return alone
/// (old Mac files) each end one line.
pub fn line_ends(bytes: &[u8]) -> u64 {
    let crlf = memchr::memmem::find_iter(bytes, b"\r\n").count();
    (memchr::memchr_iter(b'\n', bytes).count() + memchr::memchr_iter(b'\r', bytes).count() - crlf) as u64
}

/// The error of a block whose last record, starting at `start`, holds a quote
/// that is never closed (it can only be the input's last record: every other
/// one ended); `line` is the line the record starts on.
fn check_open_quote(bytes: &[u8], start: usize, line: u64) -> Result<(), BadRecord> {
    let record = bytes.get(start..).unwrap_or_default();
    // The record starts past the line ends the reader skipped.
    let skipped = record.iter().take_while(|b| matches!(b, b'\r' | b'\n')).count();
    let record = &record[skipped..];
    match open_quote(record) {
        None => Ok(()),
        Some(at) => {
            let quote_line = line + line_ends(&record[..at]);
            let body = &record[at..];
            let trimmed = body.len() - body.iter().rev().take_while(|b| matches!(b, b'\r' | b'\n')).count();
            Err(BadRecord { line: quote_line, problem: BadKind::OpenQuote { last_line: quote_line + line_ends(&body[..trimmed]) } })
        }
    }
}

/// A csv reader for blocks, made once and reused: making one builds the
/// parser's tables, which cost more than parsing a small block.
pub struct BlockReader(csv::Reader<std::io::Cursor<Vec<u8>>>, csv::ByteRecord);

impl Default for BlockReader {
    fn default() -> BlockReader {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(std::io::Cursor::new(Vec::new()));
        // The first seek reads the (empty) header row; from then on seeking only rewinds.
        let _ = reader.seek_raw(std::io::SeekFrom::Start(0), csv::Position::new());
        BlockReader(reader, csv::ByteRecord::new())
    }
}

/// Parses one block into `records` (reusing their buffers), skipping blank
/// records; each record with its line.
pub fn parse_block(reader: &mut BlockReader, bytes: &[u8], first_line: u64, records: &mut Vec<(u64, Cells)>) -> Result<(), BadRecord> {
    parse_block_where(reader, bytes, first_line, records, |_| true)
}

/// [`parse_block`], keeping only the records whose line `keep` accepts;
/// in a block without quotes the others are passed over without being split
/// into cells (`what-if` picking a few rows of a big file).
pub fn parse_block_where(
    reader: &mut BlockReader,
    bytes: &[u8],
    first_line: u64,
    records: &mut Vec<(u64, Cells)>,
    keep: impl Fn(u64) -> bool,
) -> Result<(), BadRecord> {
    if memchr::memchr(b'"', bytes).is_none() {
        // simdutf8: the standard check took a twentieth of an evaluation.
        if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
            split_plain(text, first_line, records, keep);
            return Ok(());
        }
    }
    parse_with_csv(reader, bytes, first_line, records)?;
    records.retain(|(line, _)| keep(*line));
    Ok(())
}

/// A block without a quote character, checked to be UTF-8: there every
/// carriage return or line feed ends a record (or an empty line) and every
/// comma ends a field, which is what the csv crate makes of such text,
/// without running its state machine over every byte (a third of the cost
/// of reading). Tested against the csv crate below.
fn split_plain(text: &str, first_line: u64, records: &mut Vec<(u64, Cells)>, keep: impl Fn(u64) -> bool) {
    let bytes = text.as_bytes();
    let (mut line, mut at, mut filled) = (first_line, 0, 0);
    while at < bytes.len() {
        match bytes[at] {
            b'\n' => {
                line += 1;
                at += 1;
                continue;
            }
            b'\r' => {
                // A carriage return alone ends a line (old Mac files).
                if bytes.get(at + 1) != Some(&b'\n') {
                    line += 1;
                }
                at += 1;
                continue;
            }
            _ => {}
        }
        let end = memchr::memchr2(b'\n', b'\r', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        if !keep(line) {
            at = end;
            continue;
        }
        if records.len() == filled {
            records.push((0, Cells::default()));
        }
        let (record_line, cells) = &mut records[filled];
        // Line ends are ASCII: `at` and `end` are on character boundaries.
        cells.fill_plain(&text[at..end]);
        if !cells.is_blank() {
            *record_line = line;
            filled += 1;
        }
        at = end;
    }
    records.truncate(filled);
}

/// Parses a block with the csv crate (quotes, or bytes that are not UTF-8:
/// the csv crate and `Cells` say exactly where).
fn parse_with_csv(reader: &mut BlockReader, bytes: &[u8], first_line: u64, records: &mut Vec<(u64, Cells)>) -> Result<(), BadRecord> {
    let BlockReader(reader, record) = reader;
    let data = reader.get_mut().get_mut();
    data.clear();
    data.extend_from_slice(bytes);
    if let Err(e) = reader.seek_raw(std::io::SeekFrom::Start(0), csv::Position::new()) {
        return Err(BadRecord { line: first_line, problem: BadKind::Csv(e) });
    }
    let mut lines = Lines::new(bytes, first_line);
    let (mut filled, mut last) = (0, None);
    loop {
        if records.len() == filled {
            records.push((0, Cells::default()));
        }
        let (line, cells) = &mut records[filled];
        match reader.read_byte_record(record) {
            Ok(false) => break,
            Ok(true) => {
                let start = record.position().map_or(0, |p| p.byte() as usize);
                let at = lines.at(start);
                last = Some((start, at));
                cells
                    .fill(record.as_slice(), record.iter().map(<[u8]>::len))
                    .map_err(|bad| BadRecord { line: at, problem: BadKind::NotUtf8 { field: bad.field } })?;
                if !cells.is_blank() {
                    *line = at;
                    filled += 1;
                }
            }
            Err(e) => {
                let at = lines.at(e.position().map_or(0, |p| p.byte() as usize));
                return Err(BadRecord { line: at, problem: BadKind::Csv(e) });
            }
        }
    }
    if let Some((start, line)) = last {
        check_open_quote(bytes, start, line)?;
    }
    records.truncate(filled);
    Ok(())
}

/// [`check_open_quote`] for the in-memory path: `bytes` holds the rest of
/// the input from the last record's `start`, on `line`.
pub fn last_record_open_quote(bytes: &[u8], start: usize, line: u64) -> Result<(), BadRecord> {
    check_open_quote(bytes, start, line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every record of `text` with its line, as cut and parsed here, in chunks of `chunk` bytes.
    fn cut_and_parse(text: &[u8], chunk: usize) -> Vec<(u64, Vec<String>)> {
        try_cut_and_parse(text, chunk).unwrap()
    }

    fn try_cut_and_parse(text: &[u8], chunk: usize) -> Result<Vec<(u64, Vec<String>)>, BadRecord> {
        let mut cutter = Cutter::new(text, 0).unwrap().chunk_bytes(chunk);
        let mut chunk = RawChunk::default();
        let mut out = Vec::new();
        let mut reader = BlockReader::default();
        while cutter.next_chunk(&mut chunk).unwrap() {
            for block in &chunk.blocks {
                let mut records = Vec::new();
                parse_block(&mut reader, &chunk.bytes[block.start..block.end], block.line, &mut records)?;
                out.extend(records.into_iter().map(|(line, c)| (line, c.iter().map(String::from).collect())));
            }
        }
        Ok(out)
    }

    /// The same records read in one go by the csv crate, with the line each starts on.
    fn serial(text: &[u8]) -> Vec<(u64, Vec<String>)> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text);
        let mut lines = Lines::new(text, 1);
        let mut out = Vec::new();
        for record in reader.byte_records() {
            let record = record.unwrap();
            let line = lines.at(record.position().unwrap().byte() as usize);
            let cells = Cells::new(&record).unwrap();
            if !cells.is_blank() {
                out.push((line, cells.iter().map(String::from).collect()));
            }
        }
        out
    }

    #[test]
    fn lines_are_where_records_start_whatever_the_line_ends() {
        let lf = b"a,b\nc,d\n\n\ne,f\n";
        let crlf = b"a,b\r\nc,d\r\n\r\n\r\ne,f\r\n";
        let quoted = b"a,\"b\nb\"\r\nc,d\n";
        assert_eq!(serial(lf).iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 5]);
        assert_eq!(serial(crlf).iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 5]);
        assert_eq!(serial(quoted).iter().map(|r| r.0).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn a_big_file_is_cut_where_records_end() {
        let file = |rows: usize| {
            let mut text = Vec::new();
            for i in 0..rows {
                let end: &[u8] = if i % 3 == 0 { b"\r\n" } else { b"\n" };
                let quoted = if i % 1000 == 7 { "\"x,\ny\"" } else { "x" };
                text.extend_from_slice(format!("E{i},{quoted},{}", i % 17).as_bytes());
                text.extend_from_slice(end);
            }
            text
        };
        let big = file(100_000);
        // 3-byte chunks are the slow case: 100,000 rows in CI
        // (LADDER_TEST_THOROUGH, README "Tests"), 20,000 locally.
        let thorough = std::env::var_os("LADDER_TEST_THOROUGH").is_some_and(|v| !v.is_empty() && v != "0");
        let small = if thorough { big.clone() } else { file(20_000) };
        for (chunk, text) in [(CHUNK_BYTES, &big), (1000, &big), (3, &small)] {
            let (cut, whole) = (cut_and_parse(text, chunk), serial(text));
            let first_difference = cut.iter().zip(&whole).position(|(a, b)| a != b);
            assert!(
                cut == whole,
                "chunks of {chunk} bytes: {} and {} records, first difference at {first_difference:?}",
                cut.len(),
                whole.len()
            );
        }
    }

    fn records(result: Result<(), BadRecord>, records: Vec<(u64, Cells)>) -> Result<Vec<(u64, Vec<String>)>, String> {
        match result {
            Ok(()) => Ok(records.into_iter().map(|(line, c)| (line, c.iter().map(String::from).collect())).collect()),
            Err(bad) => Err(format!("line {} {:?}", bad.line, bad.problem)),
        }
    }

    #[test]
    fn a_record_too_long_to_be_a_row_is_refused() {
        let mut text = vec![b'x'; 5 << 20];
        text.push(b'\n');
        let mut cutter = Cutter::new(text.as_slice(), 0).unwrap().chunk_bytes(1 << 20).max_record(4 << 20);
        let e = cutter.next_chunk(&mut RawChunk::default()).unwrap_err();
        assert!(e.to_string().contains("a record of over 4 MiB"), "{e}");
        let mut cutter = Cutter::new(text.as_slice(), 0).unwrap().chunk_bytes(1 << 20).max_record(8 << 20);
        assert!(cutter.next_chunk(&mut RawChunk::default()).unwrap());
    }

    proptest! {
        /// Split by hand or read by the csv crate, a block without quotes
        /// gives the same records on the same lines, and bytes that are not
        /// UTF-8 the same error.
        #[test]
        fn plain_splitting_is_the_csv_crate(bytes in proptest::collection::vec(prop::sample::select(vec![b'a', b' ', b',', b'\r', b'\n', 0xE5, 0x91, 0x98, 0xFF]), 0..80)) {
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            let fast = records(parse_block(&mut BlockReader::default(), &bytes, 3, &mut fast), fast);
            let slow = records(parse_with_csv(&mut BlockReader::default(), &bytes, 3, &mut slow), slow);
            prop_assert_eq!(fast, slow);
        }

        /// Picking the records of some lines (what-if's second read) gives
        /// exactly those records of the whole block, with or without quotes.
        #[test]
        fn picking_lines_is_filtering_the_records(text in "([a-c,\"]|\r\n|\n|\r){0,120}", wanted in proptest::collection::hash_set(3u64..40, 0..12)) {
            let (mut all, mut picked) = (Vec::new(), Vec::new());
            let all = records(parse_block(&mut BlockReader::default(), text.as_bytes(), 3, &mut all), all);
            let picked = records(parse_block_where(&mut BlockReader::default(), text.as_bytes(), 3, &mut picked, |l| wanted.contains(&l)), picked);
            let expected = all.map(|records| records.into_iter().filter(|(line, _)| wanted.contains(line)).collect::<Vec<_>>());
            prop_assert_eq!(picked, expected);
        }

        /// Cut in blocks or read in one go, the records and their lines are the same.
        #[test]
        fn cutting_changes_nothing(text in "([a-c,\"]|\r\n|\n|\r){0,200}", chunk in 1usize..64) {
            match open_quote(text.as_bytes()) {
                // A quote still open at the end is refused, however the text is cut.
                Some(_) => {
                    let refused = matches!(try_cut_and_parse(text.as_bytes(), chunk), Err(BadRecord { problem: BadKind::OpenQuote { .. }, .. }));
                    prop_assert!(refused, "an open quote was not refused");
                }
                None => prop_assert_eq!(cut_and_parse(text.as_bytes(), chunk), serial(text.as_bytes())),
            }
        }

        /// Where the hand-written scanner says a quote is open at the end,
        /// `csv_core` (the csv crate's parser) never ends the last record
        /// however many line ends follow.
        #[test]
        fn the_open_quote_scanner_is_csv_core(text in "([a-c,\"]|\r\n|\n|\r){0,60}") {
            let mut padded = text.clone().into_bytes();
            padded.extend_from_slice(b"\n\n");
            let mut ends = Vec::new();
            record_ends(&mut csv_core::Reader::new(), &padded, &mut ends);
            // Past the text, csv_core ends a record on the padding only when no quote is open.
            let ended_after = ends.iter().any(|&e| e > text.len());
            let last_start = ends.iter().copied().filter(|&e| e <= text.len()).max().unwrap_or(0);
            let trailing = text.as_bytes()[last_start..].iter().all(|b| matches!(b, b'\r' | b'\n'));
            prop_assert_eq!(open_quote(text.as_bytes()).is_some(), !ended_after && !trailing);
        }
    }
}
