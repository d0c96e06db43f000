//! `csv`: one row per result; list fields joined with `; `; every text cell
//! is made safe to open in a spreadsheet.

use super::{ResultRecord, FIELDS};
use crate::exact::append_figure;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::io::{self, Write};

/// A text cell that a spreadsheet would read as a formula gets a leading `'`;
/// any other is borrowed as it is.
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    // Each of these is one byte in UTF-8: the first byte tells.
    if matches!(text.as_bytes().first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The one place CSV writers are configured.
/// A writer is made per record (records are formatted in parallel), so its
/// buffer is small: the default 8 KiB would be zeroed for every row.
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().buffer_capacity(1024).from_writer(out)
}

pub fn write_csv_header(out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv_writer(out);
    w.write_record(FIELDS)?;
    w.flush()
}

/// Appends one result as CSV to `out`, as the csv crate's writer would
/// write its cells (the property tests below hold them to that). Written by
/// hand because this runs once per employee: the crate's writer buffers
/// each record and checks every byte of every cell, figures included, and
/// that was 8 % of a batch evaluation.
pub fn append_csv_record(r: &ResultRecord, out: &mut Vec<u8>) -> io::Result<()> {
    for text in [&*r.id, &*r.name, &*r.sequence, &*r.grade, &*r.position] {
        push_text(text, out);
        out.push(b',');
    }
    push_figure(r.kpi, out);
    push_figure(r.kpi_quarters.map(Decimal::from), out);
    push_figure(r.competency, out);
    push_figure(r.competency_halves.map(Decimal::from), out);
    push_figure(r.competency_pct, out);
    push_figure(r.composite, out);
    for band in [&r.band, &r.calibrated_band] {
        push_text(band.as_deref().unwrap_or(""), out);
        out.push(b',');
    }
    push_figure(r.rank_pct, out);
    push_figure(r.rank.map(Decimal::from), out);
    push_figure(r.cohort_size.map(Decimal::from), out);
    push_text(r.status.as_str(), out);
    out.push(b',');
    for text in [r.recommended_grade.as_deref(), r.next_grade.as_deref(), r.eligible_on.as_deref()] {
        push_text(text.unwrap_or(""), out);
        out.push(b',');
    }
    push_list(&r.unmet, out);
    out.push(b',');
    push_list(&r.alternatives, out);
    out.push(b',');
    push_figure(r.quota_position.map(Decimal::from), out);
    push_list(&r.errors, out);
    out.push(b'\n');
    Ok(())
}

/// A figure and the comma after it: digits, a point and a sign never need quotes.
fn push_figure(d: Option<Decimal>, out: &mut Vec<u8>) {
    if let Some(d) = d {
        append_figure(d, out);
    }
    out.push(b',');
}

/// A text cell, made spreadsheet safe.
fn push_text(text: &str, out: &mut Vec<u8>) {
    push_field(spreadsheet_safe(text).as_bytes(), out);
}

/// A list joined with `; ` as one text cell, without joining it first.
fn push_list<S: AsRef<str>>(items: &[S], out: &mut Vec<u8>) {
    let quoted = items.iter().any(|i| needs_quotes(i.as_ref().as_bytes()));
    if quoted {
        out.push(b'"');
    }
    // The joined text starts as its first item does.
    if items.first().map(AsRef::as_ref).is_some_and(|first| spreadsheet_safe(first).len() != first.len()) {
        out.push(b'\'');
    }
    for (i, item) in items.iter().map(AsRef::as_ref).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"; ");
        }
        if quoted {
            push_escaped(item.as_bytes(), out);
        } else {
            out.extend_from_slice(item.as_bytes());
        }
    }
    if quoted {
        out.push(b'"');
    }
}

/// One field as the csv crate writes it by default (`QuoteStyle::Necessary`):
/// in quotes, with its quotes doubled, when it holds a comma, a quote or a
/// line end; else as it is.
fn push_field(field: &[u8], out: &mut Vec<u8>) {
    if !needs_quotes(field) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    push_escaped(field, out);
    out.push(b'"');
}

/// Does a field hold a comma, a quote or a line end?
fn needs_quotes(field: &[u8]) -> bool {
    use crate::input::swar::{any, equal};
    any(field, b'a', |w| equal(w, b',') | equal(w, b'"') | equal(w, b'\r') | equal(w, b'\n'))
}

/// Bytes inside quotes: each quote doubled.
fn push_escaped(field: &[u8], out: &mut Vec<u8>) {
    for &b in field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_writer, push_field, push_list, spreadsheet_safe};
    use proptest::prelude::*;

    proptest! {
        /// A list is written as its items joined with `; `, made spreadsheet safe, as one field.
        #[test]
        fn lists_are_written_as_their_joined_text(items in proptest::collection::vec("[a-z,\"\r\n 张;'=+@-]{0,6}", 0..4)) {
            let mut expected = Vec::new();
            push_field(spreadsheet_safe(&items.join("; ")).as_bytes(), &mut expected);
            let mut written = Vec::new();
            push_list(&items, &mut written);
            prop_assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&expected));
        }

        /// Fields are written exactly as the csv crate writes them.
        #[test]
        fn fields_are_written_as_the_csv_crate_does(fields in proptest::collection::vec("[a-z,\"\r\n 张;'=-]{0,12}", 2..6)) {
            let mut expected = csv_writer(Vec::new());
            expected.write_record(&fields).unwrap();
            let expected = expected.into_inner().unwrap();
            let mut written = Vec::new();
            for (i, field) in fields.iter().enumerate() {
                if i > 0 {
                    written.push(b',');
                }
                push_field(field.as_bytes(), &mut written);
            }
            written.push(b'\n');
            prop_assert_eq!(String::from_utf8_lossy(&written), String::from_utf8_lossy(&expected));
        }
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"http://x\",\"y\")"), "'=HYPERLINK(\"http://x\",\"y\")");
        for s in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet_safe(s).starts_with('\''), "{s}");
        }
        assert_eq!(spreadsheet_safe("张伟"), "张伟");
    }
}
