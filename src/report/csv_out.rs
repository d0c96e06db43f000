//! `csv`: one row per result; list fields joined with `; `; every text cell
//! is made safe to open in a spreadsheet.

use super::{ResultRecord, FIELDS};
use crate::exact::format_figure;
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

fn figure(d: Option<Decimal>) -> Cow<'static, str> {
    d.map_or(Cow::Borrowed(""), |d| Cow::Owned(format_figure(d)))
}

fn count(n: Option<usize>) -> Cow<'static, str> {
    n.map_or(Cow::Borrowed(""), |n| Cow::Owned(n.to_string()))
}

/// The cells of one result, in `FIELDS` order.
pub fn cells(r: &ResultRecord) -> [Cow<'_, str>; 20] {
    fn opt(s: &Option<String>) -> Cow<'_, str> {
        s.as_deref().map_or(Cow::Borrowed(""), spreadsheet_safe)
    }
    fn list(l: &[String]) -> Cow<'_, str> {
        match l {
            [] => Cow::Borrowed(""),
            [one] => spreadsheet_safe(one),
            many => Cow::Owned(spreadsheet_safe(&many.join("; ")).into_owned()),
        }
    }
    [
        spreadsheet_safe(&r.id),
        spreadsheet_safe(&r.name),
        spreadsheet_safe(&r.sequence),
        spreadsheet_safe(&r.grade),
        spreadsheet_safe(&r.position),
        figure(r.kpi),
        count(r.kpi_quarters),
        figure(r.competency),
        count(r.competency_halves),
        figure(r.competency_pct),
        figure(r.composite),
        opt(&r.band),
        figure(r.rank_pct),
        Cow::Borrowed(r.status.as_str()),
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
        writer.write_record(cells(r).iter().map(|c| c.as_bytes()))?;
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
