//! `csv`: one row per result; list fields joined with `; `; every text cell
//! is made safe to open in a spreadsheet.

use super::{ResultRecord, FIELDS};
use crate::exact::FigureText;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::io::{self, Write};

/// A text cell that a spreadsheet would read as a formula gets a leading `'`;
/// any other is borrowed as it is.
pub fn spreadsheet_safe(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// One cell of a result: text, or a figure written on the stack.
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    Figure(FigureText),
}

fn figure(d: Option<Decimal>) -> Cell<'static> {
    d.map_or(Cell::Text(Cow::Borrowed("")), |d| Cell::Figure(FigureText::new(d)))
}

fn count(n: Option<usize>) -> Cell<'static> {
    figure(n.map(Decimal::from))
}

/// The cells of one result, in `FIELDS` order.
pub fn cells(r: &ResultRecord) -> [Cell<'_>; 20] {
    fn text(s: &str) -> Cell<'_> {
        Cell::Text(spreadsheet_safe(s))
    }
    fn opt(s: &Option<String>) -> Cell<'_> {
        Cell::Text(s.as_deref().map_or(Cow::Borrowed(""), spreadsheet_safe))
    }
    fn list(l: &[String]) -> Cell<'_> {
        Cell::Text(match l {
            [] => Cow::Borrowed(""),
            [one] => spreadsheet_safe(one),
            many => Cow::Owned(spreadsheet_safe(&many.join("; ")).into_owned()),
        })
    }
    [
        text(&r.id),
        text(&r.name),
        text(&r.sequence),
        text(&r.grade),
        text(&r.position),
        figure(r.kpi),
        count(r.kpi_quarters),
        figure(r.competency),
        count(r.competency_halves),
        figure(r.competency_pct),
        figure(r.composite),
        opt(&r.band),
        figure(r.rank_pct),
        Cell::Text(Cow::Borrowed(r.status.as_str())),
        opt(&r.recommended_grade),
        opt(&r.next_grade),
        opt(&r.eligible_on),
        list(&r.unmet),
        list(&r.alternatives),
        list(&r.errors),
    ]
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
/// write it (the property test below holds them to that). Written by hand
/// because this runs once per employee, in parallel: the crate's writer
/// buffers each record and checks every byte of every cell, figures
/// included, and that was 8 % of a batch evaluation.
pub fn append_csv_record(r: &ResultRecord, out: &mut Vec<u8>) -> io::Result<()> {
    for (i, cell) in cells(r).iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match cell {
            // Digits, a point and a sign: never quoted.
            Cell::Figure(f) => out.extend_from_slice(f.as_str().as_bytes()),
            Cell::Text(t) => push_field(t.as_bytes(), out),
        }
    }
    out.push(b'\n');
    Ok(())
}

/// One field as the csv crate writes it by default (`QuoteStyle::Necessary`):
/// in quotes, with its quotes doubled, when it holds a comma, a quote or a
/// line end; else as it is.
fn push_field(field: &[u8], out: &mut Vec<u8>) {
    if !field.iter().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &b in field {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::{csv_writer, push_field, spreadsheet_safe};
    use proptest::prelude::*;

    proptest! {
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
