//! What calamine reads from an .xlsx package but does not expose: which
//! cells have a percent number format (the styles and the sheet's cell
//! styles), every shared-string reference checked before calamine reads it,
//! and whether an .ods holds percentage cells.

use quick_xml::events::{BytesStart, Event};
use std::io::{BufReader, Cursor};

type Package<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;
type XmlPart<'z, 'a> = quick_xml::Reader<BufReader<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>>;

/// The cells (row, column; from 0, row-major) of sheet `sheet` that hold a
/// number with a percent format. Reading the sheet's XML also checks every
/// shared-string reference (calamine reads `x` or `-1` as the first string
/// and panics on one past the end), so a damaged cell is named here.
pub(super) fn xlsx_percent_cells(bytes: &[u8], sheet: &str) -> std::result::Result<Vec<(u32, u32)>, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a zip package: {e}"))?;
    let percent_styles = percent_styles(&mut zip)?;
    let strings = shared_string_count(&mut zip)?;
    let Some(part) = sheet_part(&mut zip, sheet)? else {
        return Ok(Vec::new()); // calamine says what is missing
    };
    let Some(mut xml) = xml_part(&mut zip, &part)? else {
        return Ok(Vec::new());
    };
    let xml_error = |e: &dyn std::fmt::Display| format!("{part}: {e}");
    let mut cells = Vec::new();
    let mut buf = Vec::new();
    // Where the next cell without an `r` attribute goes, as Excel counts.
    let (mut row, mut next_column) = (0u32, 0u32);
    let mut first_row = true;
    // The shared-string cell being read and whether its `<v>` is open.
    let mut shared: Option<(u32, u32)> = None;
    let mut in_value = false;
    let mut value = String::new();
    loop {
        buf.clear();
        let event = xml.read_event_into(&mut buf).map_err(|e| xml_error(&e))?;
        // `<c .../>` has no value to check.
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"row" => {
                row = match attribute(&e, b"r").and_then(|r| r.parse::<u32>().ok()) {
                    Some(r) if r >= 1 => r - 1,
                    _ if first_row => 0,
                    _ => row.saturating_add(1),
                };
                first_row = false;
                next_column = 0;
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"c" => {
                // Every cell of the sheet passes here: its attributes are read
                // once, as bytes (`r`, `t` and `s` never hold entities).
                let (mut at, mut kind, mut style) = (None, None, 0);
                for a in e.attributes().with_checks(false).flatten() {
                    match a.key.as_ref() {
                        b"r" => at = std::str::from_utf8(&a.value).ok().and_then(cell_position),
                        b"t" => kind = Some(a.value),
                        b"s" => style = std::str::from_utf8(&a.value).ok().and_then(|s| s.parse().ok()).unwrap_or(0),
                        _ => {}
                    }
                }
                let at = at.unwrap_or((row, next_column));
                next_column = at.1.saturating_add(1);
                let numeric = matches!(kind.as_deref(), None | Some(b"n"));
                if numeric && percent_styles.get(style) == Some(&true) {
                    cells.push(at);
                }
                shared = (!empty && kind.as_deref() == Some(b"s")).then_some(at);
            }
            Event::Start(e) if e.local_name().as_ref() == b"v" && shared.is_some() => {
                in_value = true;
                value.clear();
            }
            Event::Text(t) if in_value => {
                value.push_str(&t.unescape().map_err(|e| xml_error(&e))?);
            }
            Event::End(e) if e.local_name().as_ref() == b"v" && in_value => {
                in_value = false;
                if let Some(at) = shared.take() {
                    check_shared_string(&value, strings, at)?;
                }
            }
            Event::End(e) if e.local_name().as_ref() == b"c" => {
                shared = None;
                in_value = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // Excel writes rows and cells in order; a hand-edited package may not.
    if cells.windows(2).any(|w| w[0] > w[1]) {
        cells.sort_unstable();
    }
    Ok(cells)
}

pub(super) fn check_shared_string(value: &str, strings: usize, at: (u32, u32)) -> std::result::Result<(), String> {
    let cell = cell_name(at);
    match value.trim().parse::<usize>() {
        Ok(index) if index < strings => Ok(()),
        Ok(index) => Err(format!("cell {cell}: shared string {index} does not exist (the workbook has {strings}); the file is damaged")),
        Err(_) => Err(format!(
            "cell {cell}: `{value}` is not a shared-string number (expected 0 to {}); the file is damaged",
            strings.saturating_sub(1)
        )),
    }
}

/// `B12` for (11, 1).
pub(super) fn cell_name((row, column): (u32, u32)) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(column) + 1;
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), u64::from(row) + 1)
}

/// (11, 1) for `B12`; `None` for anything else.
pub(super) fn cell_position(name: &str) -> Option<(u32, u32)> {
    let split = name.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = name.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let column = letters.bytes().fold(0u32, |n, b| n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1));
    let row: u32 = digits.parse().ok()?;
    Some((row.checked_sub(1)?, column - 1))
}

/// An attribute's unescaped value, if present and readable.
fn attribute(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| attribute_value(&a))
}

fn attribute_value(a: &quick_xml::events::attributes::Attribute<'_>) -> Option<String> {
    let raw = std::str::from_utf8(&a.value).ok()?;
    quick_xml::escape::unescape(raw).ok().map(std::borrow::Cow::into_owned)
}

/// For each cell style (`cellXfs` entry, in order): is its number format a
/// percentage?
fn percent_styles(zip: &mut Package<'_>) -> std::result::Result<Vec<bool>, String> {
    let Some(mut xml) = xml_part(zip, "xl/styles.xml")? else {
        return Ok(Vec::new());
    };
    let mut percent_formats = std::collections::HashMap::new();
    let mut styles = Vec::new();
    let mut in_cell_styles = false;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|e| format!("xl/styles.xml: {e}"))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"numFmt" => {
                if let (Some(id), Some(code)) = (attribute(&e, b"numFmtId"), attribute(&e, b"formatCode")) {
                    percent_formats.insert(id, is_percent_format(&code));
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"cellXfs" => in_cell_styles = true,
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_cell_styles = false,
            Event::Start(e) | Event::Empty(e) if in_cell_styles && e.local_name().as_ref() == b"xf" => {
                let id = attribute(&e, b"numFmtId").unwrap_or_default();
                // Built-in formats 9 (`0%`) and 10 (`0.00%`) are the percent ones.
                let percent = percent_formats.get(&id).copied().unwrap_or(matches!(id.as_str(), "9" | "10"));
                styles.push(percent);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(styles)
}

/// Does a number format code show its number as a percentage: a `%` that is
/// not quoted text, escaped (`\%`), the character after `_` or `*`, or
/// inside `[...]`?
pub(super) fn is_percent_format(code: &str) -> bool {
    let mut chars = code.chars();
    let (mut quoted, mut bracket) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => bracket = true,
            ']' => bracket = false,
            '%' if !bracket => return true,
            _ => {}
        }
    }
    false
}

fn shared_string_count(zip: &mut Package<'_>) -> std::result::Result<usize, String> {
    let Some(mut xml) = xml_part(zip, "xl/sharedStrings.xml")? else {
        return Ok(0);
    };
    let (mut count, mut buf) = (0, Vec::new());
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|e| format!("xl/sharedStrings.xml: {e}"))? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"si" => count += 1,
            Event::Eof => return Ok(count),
            _ => {}
        }
    }
}

/// The package part of the sheet named `sheet` (`xl/worksheets/sheet1.xml`),
/// found as calamine finds it: workbook.xml's `r:id`, then its target.
fn sheet_part(zip: &mut Package<'_>, sheet: &str) -> std::result::Result<Option<String>, String> {
    let mut id = None;
    if let Some(mut xml) = xml_part(zip, "xl/workbook.xml")? {
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf).map_err(|e| format!("xl/workbook.xml: {e}"))? {
                Event::Start(e) | Event::Empty(e)
                    if e.local_name().as_ref() == b"sheet" && attribute(&e, b"name").as_deref() == Some(sheet) =>
                {
                    id = e
                        .attributes()
                        .flatten()
                        .find(|a| a.key.prefix().is_some() && a.key.local_name().as_ref() == b"id")
                        .and_then(|a| attribute_value(&a));
                    break;
                }
                Event::Eof => break,
                _ => {}
            }
        }
    }
    let Some(id) = id else { return Ok(None) };
    let Some(mut xml) = xml_part(zip, "xl/_rels/workbook.xml.rels")? else {
        return Ok(None);
    };
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).map_err(|e| format!("xl/_rels/workbook.xml.rels: {e}"))? {
            Event::Start(e) | Event::Empty(e)
                if e.local_name().as_ref() == b"Relationship" && attribute(&e, b"Id").as_deref() == Some(&id) =>
            {
                let Some(target) = attribute(&e, b"Target") else { return Ok(None) };
                let part = match target.strip_prefix('/') {
                    Some(absolute) => absolute.to_string(),
                    None if target.starts_with("xl/") => target,
                    None => format!("xl/{target}"),
                };
                return Ok(Some(part));
            }
            Event::Eof => return Ok(None),
            _ => {}
        }
    }
}

/// A streaming XML reader over a part of the package, found as calamine
/// finds it (any case, `\` or `/`); `None` when there is no such part.
fn xml_part<'z, 'a>(zip: &'z mut Package<'a>, part: &str) -> std::result::Result<Option<XmlPart<'z, 'a>>, String> {
    let found = zip.file_names().find(|n| n.replace('\\', "/").eq_ignore_ascii_case(part)).map(str::to_string);
    let Some(name) = found else {
        return Ok(None);
    };
    let file = zip.by_name(&name).map_err(|e| format!("{part}: {e}"))?;
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(file));
    // As lenient as calamine's reader, so that no workbook calamine reads is
    // refused here.
    let config = reader.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    Ok(Some(reader))
}

/// Does an .ods package hold a cell of value type `percentage`? calamine
/// reads such a cell as the fraction (0.88), which ladder must not take for
/// the 88% shown.
pub(super) fn ods_has_percent_cells(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return false };
    let Ok(mut file) = zip.by_name("content.xml") else { return false };
    let mut content = Vec::new();
    if std::io::Read::read_to_end(&mut file, &mut content).is_err() {
        return false;
    }
    memchr::memmem::find(&content, b"value-type=\"percentage\"").is_some()
}
