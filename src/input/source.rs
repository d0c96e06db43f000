//! Opening an input file, once for every way it is read: a CSV file as it
//! is, standard input spooled to a temporary file (its first lines checked
//! before the rest is read), a workbook's sheet converted to CSV in a
//! temporary file; the encoding settled (UTF-8, GBK, UTF-16 by its BOM).
//! The streaming batch reads a [`Source`] again and again; the in-memory
//! path reads it whole ([`Source::read_whole`]).

use crate::input::records::{Encoding, HeadCheck, Input};
use anyhow::{bail, Context, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
use std::sync::{Arc, Mutex};

/// The employee file, re-readable: a file, or standard input spooled to a temporary file.
pub struct Source {
    /// The name shown in messages (`-` is shown as `<stdin>`).
    pub display: String,
    file: File,
    encoding: Encoding,
    pub len: u64,
    /// A workbook's SHA-256 (its file, not the CSV made of it).
    pub sha256: Option<String>,
}

impl Source {
    /// Opens the employee file; `check_head` sees the first bytes of
    /// standard input (up to its first [`HEAD_LINES`] lines) before the rest
    /// is spooled, so that an endless or wrong stream is refused at once.
    pub fn open(path: &str, encoding: Encoding, sheet: Option<&str>, check_head: &HeadCheck<'_>) -> Result<Source> {
        if crate::input::workbook::is_workbook(path) {
            // The sheet as a UTF-8 CSV in a temporary file; from here on it is a CSV input.
            let mut file = tempfile::tempfile().context("cannot create a temporary file for the workbook")?;
            let read = {
                let mut out = std::io::BufWriter::new(&mut file);
                let read = crate::input::workbook::sheet_to_csv(path, sheet, &mut out)?;
                out.flush().context("cannot write a temporary file for the workbook")?;
                read
            };
            let len = file.seek(std::io::SeekFrom::End(0))?;
            return Ok(Source { display: path.to_string(), file, encoding: Encoding::Utf8, len, sha256: Some(read.sha256) });
        }
        if let Some(sheet) = sheet {
            bail!("{path}: --sheet `{sheet}` is for workbooks ({}); this file is read as CSV", crate::input::workbook::EXTENSIONS_TEXT);
        }
        let (display, mut file) = if path == "-" {
            let display = "<stdin>".to_string();
            let mut stdin = std::io::stdin().lock();
            let (head, eof) = crate::input::records::read_head(&mut stdin).context("cannot read standard input")?;
            // A workbook piped in (known by its signature) is checked once spooled.
            if crate::input::workbook::sniff(&head).is_none() {
                crate::input::records::sniff(&head, &display)?;
                check_head(&head, eof, &display)?;
            }
            let mut spool = tempfile::tempfile().context("cannot create a temporary file for standard input")?;
            spool.write_all(&head).context("cannot write a temporary file for standard input")?;
            std::io::copy(&mut stdin, &mut spool).context("cannot read standard input")?;
            // A workbook piped in is known by its signature (issue 13 item 9).
            if let Some((file, len, sha256)) = crate::input::workbook::spooled_workbook(&mut spool)? {
                return Ok(Source { display, file, encoding: Encoding::Utf8, len, sha256: Some(sha256) });
            }
            (display, spool)
        } else {
            let mut file = File::open(path).with_context(|| format!("{path}: cannot read the file"))?;
            let mut head = Vec::with_capacity(crate::input::records::SNIFF_BYTES);
            (&mut file)
                .take(crate::input::records::SNIFF_BYTES as u64)
                .read_to_end(&mut head)
                .with_context(|| format!("{path}: cannot read the file"))?;
            crate::input::records::sniff(&head, path)?;
            (path.to_string(), file)
        };
        let len = file.seek(std::io::SeekFrom::End(0)).with_context(|| format!("{display}: cannot read the file"))?;
        // UTF-8 (the default) is checked as it is read, record by record
        // (see `Cells`), before anything is written. `auto` must know which it
        // is before reading, and GBK is checked whole, so that a bad byte
        // anywhere stops the run with its line and column, as for any input.
        if encoding == Encoding::Utf8 {
            return Ok(Source { display, file, encoding, len, sha256: None });
        }
        file.rewind()?;
        if encoding == Encoding::Auto && decodes(&mut file, encoding_rs::UTF_8)? {
            return Ok(Source { display, file, encoding: Encoding::Utf8, len, sha256: None });
        }
        file.rewind()?;
        if !decodes(&mut file, encoding_rs::GB18030)? {
            return Err(decode_failure(&mut file, encoding, &display));
        }
        Ok(Source { display, file, encoding: Encoding::Gbk, len, sha256: None })
    }

    /// A reading error as the user should see it: bytes that are not UTF-8
    /// (found while reading, in the header or a record) get the same located
    /// message as a file checked before reading.
    pub fn located(&self, e: anyhow::Error) -> anyhow::Error {
        if self.encoding != Encoding::Utf8 {
            return e;
        }
        let Ok(mut file) = self.file.try_clone() else { return e };
        // Any other problem (a header that does not fit the scheme, say) is
        // still worth checking for: a binary file is better called that.
        let valid = file.rewind().is_ok() && decodes(&mut file, encoding_rs::UTF_8).unwrap_or(true);
        if valid {
            e
        } else {
            decode_failure(&mut file, Encoding::Utf8, &self.display)
        }
    }

    /// The file as UTF-8 from its start, hashing the raw bytes into `hash`.
    /// A UTF-8 file is read straight, its BOM left out; GBK, and UTF-16
    /// (known by its BOM), go through a decoder, which copies every byte
    /// through its buffer.
    pub fn decoded(&self, hash: Option<Arc<Mutex<Sha256>>>) -> Result<Box<dyn Read + Send>> {
        let mut file = self.file.try_clone().with_context(|| format!("{}: cannot read the file", self.display))?;
        file.rewind()?;
        let mut head = Vec::with_capacity(3);
        (&mut file).take(3).read_to_end(&mut head)?;
        file.rewind()?;
        let mut raw: Box<dyn Read + Send> = match hash {
            Some(hash) => Box::new(Hashing { inner: file, hash }),
            // The file itself reads into a buffer without zeroing it first.
            None => Box::new(file),
        };
        let decoder = encoding_rs_io::DecodeReaderBytesBuilder::new;
        Ok(match self.encoding {
            Encoding::Gbk => Box::new(decoder().encoding(Some(encoding_rs::GB18030)).build(BufReader::with_capacity(1 << 16, raw))),
            _ if matches!(head.as_slice(), [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) => {
                Box::new(decoder().bom_sniffing(true).strip_bom(true).build(BufReader::with_capacity(1 << 16, raw)))
            }
            _ => {
                if head == [0xEF, 0xBB, 0xBF] {
                    raw.read_exact(&mut [0; 3])?; // hashed, and left out
                }
                raw
            }
        })
    }
}

impl Source {
    /// The whole file as text, for the paths that hold every row in memory
    /// (a workbook's sheet as CSV; a text file decoded as the streaming
    /// batch decodes it), with the SHA-256 of its raw bytes.
    pub fn read_whole(&self, path: &str) -> Result<Input> {
        let hash = Arc::new(Mutex::new(Sha256::new()));
        let mut bytes = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        self.decoded(self.sha256.is_none().then(|| hash.clone()))?
            .read_to_end(&mut bytes)
            .with_context(|| format!("{}: cannot read the file", self.display))?;
        let sha256 = match &self.sha256 {
            Some(workbook) => workbook.clone(),
            None => format!("{:x}", hash.lock().expect("no panics while hashing").clone().finalize()),
        };
        // UTF-8 is checked here, as the streaming batch checks it record by
        // record; GBK and UTF-16 were checked when the file was opened.
        let text = String::from_utf8(bytes).map_err(|e| self.located(anyhow::anyhow!("{}: not valid UTF-8: {e}", self.display)))?;
        Ok(Input { display: self.display.clone(), path: path.to_string(), sha256, text })
    }
}

/// Does the file decode without a single malformed byte?
fn decodes(file: &mut File, encoding: &'static encoding_rs::Encoding) -> Result<bool> {
    let mut decoder = encoding.new_decoder_with_bom_removal();
    let mut buf = vec![0u8; 1 << 16];
    let mut out = String::with_capacity(1 << 17);
    loop {
        let n = file.read(&mut buf)?;
        out.clear();
        let (result, _) = decoder.decode_to_string_without_replacement(&buf[..n], &mut out, n == 0);
        if let encoding_rs::DecoderResult::Malformed(..) = result {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// The located message for a file that does not decode (the rare path: reads it whole).
fn decode_failure(file: &mut File, encoding: Encoding, display: &str) -> anyhow::Error {
    let mut bytes = Vec::new();
    if let Err(e) = file.rewind().and_then(|()| file.read_to_end(&mut bytes)) {
        return anyhow::Error::new(e).context(format!("{display}: cannot read the file"));
    }
    match crate::input::records::decode(&bytes, encoding, display) {
        Err(e) => e,
        Ok(_) => anyhow::anyhow!("{display}: the file does not decode as {encoding:?}"),
    }
}

/// Passes bytes through, feeding them to a SHA-256.
struct Hashing<R> {
    inner: R,
    hash: Arc<Mutex<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.lock().expect("no panics while hashing").update(&buf[..n]);
        Ok(n)
    }
}
