//! `csv`: one row per result; list fields joined with `; `; every text cell
//! is made safe to open in a spreadsheet.

use super::{ResultRecord, FIELDS};
use crate::exact::format_figure;
use rust_decimal::Decimal;
use std::io::{self, Write};

/// A text cell that a spreadsheet would read as a formula gets a leading `'`.
pub fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn figure(d: Option<Decimal>) -> String {
    d.map(format_figure).unwrap_or_default()
}

/// The cells of one result, in `FIELDS` order.
pub fn cells(r: &ResultRecord) -> [String; 20] {
    let safe = |s: &str| spreadsheet_safe(s);
    let opt = |s: &Option<String>| s.as_deref().map(safe).unwrap_or_default();
    let list = |l: &[String]| safe(&l.join("; "));
    [
        safe(&r.id),
        safe(&r.name),
        safe(&r.sequence),
        safe(&r.grade),
        safe(&r.position),
        figure(r.kpi),
        r.kpi_quarters.map(|n| n.to_string()).unwrap_or_default(),
        figure(r.competency),
        r.competency_halves.map(|n| n.to_string()).unwrap_or_default(),
        figure(r.competency_pct),
        figure(r.composite),
        opt(&r.band),
        figure(r.rank_pct),
        r.status.as_str().to_string(),
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

pub fn write_csv_record(r: &ResultRecord, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv_writer(out);
    w.write_record(cells(r))?;
    w.flush()
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
