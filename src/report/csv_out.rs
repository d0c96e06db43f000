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

impl Cell<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Cell::Text(t) => t,
            Cell::Figure(f) => f.as_str(),
        }
    }
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

/// Appends one result as CSV to `out`. Records are formatted in parallel,
/// so each thread keeps one writer (its buffer is made once, not once per row).
pub fn append_csv_record(r: &ResultRecord, out: &mut Vec<u8>) -> io::Result<()> {
    /// The bytes a thread's writer has written, shared so they can be taken out.
    #[derive(Clone, Default)]
    struct Written(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
    impl Write for Written {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    thread_local! {
        static WRITER: (std::cell::RefCell<csv::Writer<Written>>, Written) = {
            let written = Written::default();
            (std::cell::RefCell::new(csv_writer(written.clone())), written)
        };
    }
    WRITER.with(|(writer, written)| {
        let mut writer = writer.borrow_mut();
        writer.write_record(cells(r).iter().map(|c| c.as_str().as_bytes()))?;
        writer.flush()?;
        let mut written = written.0.borrow_mut();
        out.extend_from_slice(&written);
        written.clear();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"http://x\",\"y\")"), "'=HYPERLINK(\"http://x\",\"y\")");
        for s in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet_safe(s).starts_with('\''), "{s}");
        }
        assert_eq!(spreadsheet_safe("张伟"), "张伟");
    }
}
