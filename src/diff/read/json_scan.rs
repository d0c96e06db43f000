//! The json and ndjson scanner: reads the records `ladder evaluate` writes
//! straight from the bytes, several times faster than serde_json's general
//! parser (issue 17 item 5). A record it takes is a flat object whose values
//! are strings, numbers, `true`, `false`, `null` or lists of those, each key
//! once; a json document it takes is `{"meta": …, "results": [ … ] …}`.
//!
//! Anything else is handed to serde_json ([`super::json_serde`]) so that the
//! records and the messages are exactly what serde_json gives: an ndjson
//! line, or the rest of a json document from the end of the last record
//! taken (the scanner sends nothing it has not read whole). Values are
//! written as serde_json's path writes them: strings unescaped (by
//! serde_json, and only when they hold a `\`), numbers as serde_json's
//! arbitrary precision keeps them (`E` → `e`, an exponent's `+` written),
//! lists joined with `; `, then [`normalise`]d.

use super::json_serde::{run_meta, Place};
use super::{normalise, Input, Key, Msg, Reader, Stop};
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// Bytes read at a time.
const CHUNK: usize = 1 << 18;

/// Why a scan stopped short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Miss {
    /// The bytes ran out: read more (json) or give the line to serde_json (ndjson).
    More,
    /// Not what `evaluate` writes (or not JSON): serde_json reads it.
    Other,
}

type Scanned<T> = Result<T, Miss>;

/// JSON's whitespace, exactly as serde_json skips it.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// A place in text known to be UTF-8.
struct Cur<'t> {
    t: &'t str,
    i: usize,
}

impl<'t> Cur<'t> {
    fn bytes(&self) -> &'t [u8] {
        self.t.as_bytes()
    }

    fn ws(&mut self) {
        let b = self.bytes();
        while self.i < b.len() && is_ws(b[self.i]) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Scanned<u8> {
        self.bytes().get(self.i).copied().ok_or(Miss::More)
    }

    /// Steps over `byte`, or misses.
    fn eat(&mut self, byte: u8) -> Scanned<()> {
        if self.peek()? == byte {
            self.i += 1;
            Ok(())
        } else {
            Err(Miss::Other)
        }
    }

    /// A string (at its `"`): its text, unescaped when it holds a `\`.
    fn string(&mut self) -> Scanned<Cow<'t, str>> {
        let b = self.bytes();
        let start = self.i + 1;
        let mut j = start;
        let mut escaped = false;
        loop {
            match b.get(j) {
                None => return Err(Miss::More),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    // The escaped byte cannot end the string; `\u` digits are checked by serde_json.
                    j += 2;
                }
                // serde_json refuses control characters in a string.
                Some(&c) if c < 0x20 => return Err(Miss::Other),
                Some(_) => j += 1,
            }
        }
        let raw = self.t.get(start - 1..=j).ok_or(Miss::Other)?;
        self.i = j + 1;
        if escaped {
            // serde_json's own unescaping (surrogate pairs, lone surrogates refused), so the text is its.
            serde_json::from_str::<String>(raw).map(Cow::Owned).map_err(|_| Miss::Other)
        } else {
            Ok(Cow::Borrowed(&raw[1..raw.len() - 1]))
        }
    }

    /// Steps over digits; how many.
    fn digits(&mut self) -> usize {
        let b = self.bytes();
        let from = self.i;
        while self.i < b.len() && b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        self.i - from
    }

    /// A number (at its `-` or first digit), written into `out` as serde_json's
    /// arbitrary precision keeps it.
    fn number(&mut self, out: &mut String) -> Scanned<()> {
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return Err(Miss::Other),
        }
        if self.peek()? == b'.' {
            self.i += 1;
            if self.digits() == 0 {
                self.peek()?;
                return Err(Miss::Other);
            }
        }
        let mantissa = self.i;
        let exponent = matches!(self.peek()?, b'e' | b'E');
        if exponent {
            self.i += 1;
            let sign = match self.peek()? {
                s @ (b'+' | b'-') => {
                    self.i += 1;
                    s
                }
                _ => b'+',
            };
            let from = self.i;
            if self.digits() == 0 {
                self.peek()?;
                return Err(Miss::Other);
            }
            // The end of the bytes may cut the number short: the caller's next `peek` tells.
            out.push_str(&self.t[start..mantissa]);
            out.push('e');
            out.push(char::from(sign));
            out.push_str(&self.t[from..self.i]);
        } else {
            out.push_str(&self.t[start..self.i]);
        }
        Ok(())
    }

    /// `true`, `false` or `null` (at its first letter); its text (null: blank).
    fn literal(&mut self) -> Scanned<&'static str> {
        let rest = &self.bytes()[self.i..];
        for (word, text) in [(&b"true"[..], "true"), (b"false", "false"), (b"null", "")] {
            if rest.starts_with(word) {
                self.i += word.len();
                return Ok(text);
            }
            if word.starts_with(rest) {
                return Err(Miss::More);
            }
        }
        Err(Miss::Other)
    }

    /// A value that is not a list, its text appended to `out`.
    fn scalar(&mut self, out: &mut String) -> Scanned<()> {
        match self.peek()? {
            b'"' => out.push_str(&self.string()?),
            b'-' | b'0'..=b'9' => self.number(out)?,
            b't' | b'f' | b'n' => out.push_str(self.literal()?),
            _ => return Err(Miss::Other),
        }
        Ok(())
    }

    /// A value, its text appended to `out`: lists of scalars joined with `; `.
    fn value(&mut self, out: &mut String) -> Scanned<()> {
        if self.peek()? != b'[' {
            return self.scalar(out);
        }
        self.i += 1;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.scalar(out)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                    out.push_str("; ");
                }
                b']' => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(Miss::Other),
            }
        }
    }
}

/// The scanner's state beside the reader's.
pub(super) struct Scanner {
    /// By field number: the record that last had it (a field twice in one record is left to serde_json).
    stamps: Vec<u32>,
    record: u32,
    /// A value's text before it is normalised.
    text: String,
}

impl Scanner {
    fn new() -> Scanner {
        Scanner { stamps: Vec::new(), record: 0, text: String::new() }
    }

    /// One record (at its `{`) into `r.rec`; its id. Nothing is sent or marked present.
    fn record<'t>(&mut self, r: &mut Reader, c: &mut Cur<'t>) -> Scanned<Cow<'t, str>> {
        c.eat(b'{')?;
        r.rec.clear();
        r.key_place = 0;
        self.record = self.record.wrapping_add(1);
        if self.record == 0 {
            self.stamps.iter_mut().for_each(|s| *s = 0);
            self.record = 1;
        }
        let mut id = None;
        c.ws();
        loop {
            if c.peek()? != b'"' {
                return Err(Miss::Other);
            }
            let field = match known_key(r, c) {
                Some(field) => field,
                None => key(r, &c.string()?)?,
            };
            c.ws();
            c.eat(b':')?;
            c.ws();
            match field {
                None => {
                    if id.is_some() || c.peek()? != b'"' {
                        return Err(Miss::Other);
                    }
                    id = Some(c.string()?);
                }
                Some(field) => {
                    let n = usize::from(field);
                    if n >= self.stamps.len() {
                        self.stamps.resize(n + 1, 0);
                    }
                    if self.stamps[n] == self.record {
                        return Err(Miss::Other);
                    }
                    self.stamps[n] = self.record;
                    self.text.clear();
                    // A lone string, the usual value, is normalised from the bytes themselves.
                    if c.peek()? == b'"' {
                        let s = c.string()?;
                        r.rec.push(field, &normalise(r.is_text(field), &s));
                    } else {
                        c.value(&mut self.text)?;
                        r.rec.push(field, &normalise(r.is_text(field), &self.text));
                    }
                }
            }
            c.ws();
            match c.peek()? {
                b',' => {
                    c.i += 1;
                    c.ws();
                }
                b'}' => {
                    c.i += 1;
                    break;
                }
                _ => return Err(Miss::Other),
            }
        }
        id.ok_or(Miss::Other)
    }

    /// The next result of a json list (after a `,` unless it is the first).
    fn next_result<'t>(&mut self, r: &mut Reader, c: &mut Cur<'t>, first: bool) -> Scanned<Cow<'t, str>> {
        c.ws();
        if !first {
            c.eat(b',')?;
            c.ws();
        }
        self.record(r, c)
    }
}

/// What a key is (`None`: the id), as serde_json's path finds it: first
/// against the key at this place in the last record.
fn key(r: &mut Reader, key: &str) -> Scanned<Option<u16>> {
    let place = r.key_place;
    r.key_place += 1;
    if let Some(k) = r.key_order.get(place) {
        if *k.name == *key {
            return Ok(k.field);
        }
    }
    let field = if key == "id" { None } else { Some(r.field(key).map_err(|_| Miss::Other)?) };
    r.key_order.truncate(place);
    r.key_order.push(Key::new(key, field));
    Ok(field)
}

/// The key at `c` (its `"`) when it is, byte for byte, the plainly written
/// key at this place in the last record (the usual case: results list
/// their keys in one order): what it is, and `c` past it. Else `None`, `c` unmoved.
#[allow(clippy::option_option)] // `None`: not that key; `Some(None)`: the id
fn known_key(r: &mut Reader, c: &mut Cur) -> Option<Option<u16>> {
    let k = r.key_order.get(r.key_place).filter(|k| k.plain)?;
    let rest = &c.bytes()[c.i + 1..];
    let n = k.name.len();
    if rest.get(n) != Some(&b'"') || rest[..n] != *k.name.as_bytes() {
        return None;
    }
    c.i += n + 2;
    r.key_place += 1;
    Some(k.field)
}

impl Reader {
    /// Sends the record scanned into `self.rec`, its fields marked present.
    fn commit(&mut self, id: &str) -> Result<(), Stop> {
        for &(field, _) in &self.rec.ends {
            let n = usize::from(field);
            if n >= self.present.len() {
                self.present.resize(n + 1, false);
            }
            self.present[n] = true;
        }
        self.scanned += 1;
        self.push(id)
    }

    pub(super) fn ndjson_scan(&mut self, input: Input) -> Result<(), Stop> {
        let mut buf = Chunks::new(input, false);
        let mut scanner = Scanner::new();
        let mut line_no = 0u64;
        loop {
            let end = match memchr::memchr(b'\n', &buf.data[buf.start..]) {
                Some(k) => buf.start + k,
                None if !buf.eof => {
                    if let Err(e) = buf.fill() {
                        return self.fail(format_args!("line {}: cannot read: {e}", line_no + 1));
                    }
                    continue;
                }
                None if buf.start == buf.data.len() => return Ok(()),
                // The last line, without a newline.
                None => buf.data.len(),
            };
            line_no += 1;
            let line = &buf.data[buf.start..end];
            buf.start = (end + 1).min(buf.data.len());
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let scanned = simdutf8::basic::from_utf8(line).ok().and_then(|t| {
                let mut c = Cur { t, i: 0 };
                c.ws();
                let id = scanner.record(self, &mut c).ok()?;
                c.ws();
                (c.i == t.len()).then_some(id)
            });
            match scanned {
                Some(id) => self.commit(&id)?,
                None => self.ndjson_line(line, line_no)?,
            }
        }
    }

    pub(super) fn json_scan(&mut self, input: Input) -> Result<(), Stop> {
        let mut buf = Chunks::new(input, true);
        // The document's opening, up to the `[` of its results.
        let meta = loop {
            let (t, bad) = valid(&buf.data);
            match head(t) {
                Ok((meta, at)) => {
                    buf.start = at;
                    break meta;
                }
                Err(Miss::More) if !bad && !buf.eof => {
                    if let Err(e) = buf.fill() {
                        return self.fail(format_args!("line 0, column 0: {e}"));
                    }
                }
                // Any other opening: serde_json reads the whole file.
                Err(_) => return self.json_document(buf.rest(0, ""), Place::START),
            }
        };
        self.tx.send(Msg::Meta(run_meta(&meta))).map_err(|_| Stop::Gone)?;
        let mut scanner = Scanner::new();
        let mut taken = 0u64;
        loop {
            let (t, bad) = valid(&buf.data);
            let mut c = Cur { t, i: buf.start };
            let miss = loop {
                match scanner.next_result(self, &mut c, taken == 0) {
                    Ok(id) => {
                        buf.start = c.i;
                        taken += 1;
                        self.commit(&id)?;
                    }
                    Err(miss) => break miss,
                }
            };
            if miss == Miss::More && !bad && !buf.eof {
                if let Err(e) = buf.fill() {
                    return self.fail(format_args!("line 0, column 0: {e}"));
                }
                continue;
            }
            // The end of the results, or something else: serde_json reads the
            // rest from the end of the last result sent, after a stand-in
            // opening (with a stand-in result it does not send, so that a `,`
            // is where the file has it).
            let place = buf.place();
            let opening = if taken == 0 { "{\"results\":[" } else { "{\"results\":[{\"id\":\"\"}" };
            self.skip = u32::from(taken > 0);
            let start = buf.start;
            return self.json_document(buf.rest(start, opening), Place { prefix: opening.len() as u64, ..place });
        }
    }
}

/// The longest UTF-8 start of `data`, and whether bytes that are not UTF-8
/// follow it (else what follows is a character cut by the chunk's end).
fn valid(data: &[u8]) -> (&str, bool) {
    match simdutf8::compat::from_utf8(data) {
        Ok(t) => (t, false),
        Err(e) => (std::str::from_utf8(&data[..e.valid_up_to()]).unwrap_or(""), e.error_len().is_some()),
    }
}

/// `{"meta": V, "results": [` at the start of `t` (blank space allowed
/// between): the meta and where the first result may start.
fn head(t: &str) -> Result<(serde_json::Value, usize), Miss> {
    let mut c = Cur { t, i: 0 };
    c.ws();
    c.eat(b'{')?;
    c.ws();
    key_is(&mut c, "meta")?;
    let mut values = serde_json::Deserializer::from_str(&t[c.i..]).into_iter::<serde_json::Value>();
    let meta = match values.next() {
        Some(Ok(meta)) => meta,
        Some(Err(e)) if e.is_eof() => return Err(Miss::More),
        Some(Err(_)) => return Err(Miss::Other),
        None => return Err(Miss::More),
    };
    c.i += values.byte_offset();
    c.ws();
    c.eat(b',')?;
    c.ws();
    key_is(&mut c, "results")?;
    c.eat(b'[')?;
    Ok((meta, c.i))
}

/// The key `name` (written plainly) and its `:`.
fn key_is(c: &mut Cur, name: &str) -> Scanned<()> {
    c.eat(b'"')?;
    let rest = &c.bytes()[c.i..];
    if rest.len() <= name.len() && name.as_bytes().starts_with(rest) {
        return Err(Miss::More);
    }
    if !rest.starts_with(name.as_bytes()) || rest[name.len()] != b'"' {
        return Err(Miss::Other);
    }
    c.i += name.len() + 1;
    c.ws();
    c.eat(b':')?;
    c.ws();
    Ok(())
}

/// How many `\n` in `bytes`: counted in runs of 255 into a byte, which the
/// compiler turns into wide compares (a plain count was 9 % of a json diff).
fn newlines(bytes: &[u8]) -> u64 {
    bytes.chunks(255).map(|run| u64::from(run.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n')))).sum()
}

/// The file in a buffer read a chunk at a time: `data[start..]` is not yet
/// taken; what is taken goes when more is read, its lines counted (for the
/// place of a message).
struct Chunks {
    input: Input,
    data: Vec<u8>,
    start: usize,
    eof: bool,
    /// json: lines that ended in what was dropped, and the bytes since its last newline.
    count_lines: bool,
    lines: u64,
    column: u64,
}

impl Chunks {
    fn new(input: Input, count_lines: bool) -> Chunks {
        Chunks { input, data: Vec::with_capacity(CHUNK), start: 0, eof: false, count_lines, lines: 0, column: 0 }
    }

    /// Drops what is taken and reads more (at least a byte, or the end).
    fn fill(&mut self) -> std::io::Result<()> {
        if self.count_lines {
            let gone = &self.data[..self.start];
            match memchr::memrchr(b'\n', gone) {
                Some(last) => {
                    self.lines += newlines(gone);
                    self.column = (gone.len() - last - 1) as u64;
                }
                None => self.column += gone.len() as u64,
            }
        }
        self.data.drain(..self.start);
        self.start = 0;
        // A chunk, or what is left (`read_to_end` retries on EINTR and writes into the spare capacity unzeroed).
        let read = (&mut self.input).take(CHUNK as u64).read_to_end(&mut self.data)?;
        self.eof = read == 0;
        Ok(())
    }

    /// The file's line and the bytes before `start` on it.
    fn place(&self) -> Place {
        let before = &self.data[..self.start];
        let lines = newlines(before);
        let column = match memchr::memrchr(b'\n', before) {
            Some(last) => (before.len() - last - 1) as u64,
            None => self.column + before.len() as u64,
        };
        Place { line: 1 + self.lines + lines, column, prefix: 0 }
    }

    /// `opening`, then the file from `data[from..]` on.
    fn rest(self, from: usize, opening: &'static str) -> impl Read {
        let head = Cursor::new(opening.as_bytes()).chain(Cursor::new(self.data[from..].to_vec()));
        std::io::BufReader::with_capacity(1 << 16, head.chain(self.input))
    }
}
