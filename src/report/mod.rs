//! Results as the SPEC §6 fields, and the output formats that print them.

pub mod csv_out;
pub use csv_out::{csv_writer, spreadsheet_safe};
pub mod durable;
mod html;
pub mod i18n;
pub mod json;
pub mod scheme;
mod table;
pub use table::terminal_width;
mod xlsx;

use crate::batch::memory::{Evaluation, Outcome};
use crate::decision::Status;
use crate::figures::Periods;
use crate::report::i18n::Lang;
use crate::scheme::Scheme;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::io::Write;

/// How `evaluate` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// A table for reading, with a summary by status
    #[default]
    Table,
    /// One JSON document: meta, results, summary
    Json,
    /// One JSON result per line
    Ndjson,
    /// One CSV row per result, safe to open in a spreadsheet
    Csv,
    /// One self-contained HTML page: summary, charts, the ladder, a sortable table
    Html,
    /// A workbook: results (figures as numbers, dates as dates), summary and meta sheets
    Xlsx,
}

impl Format {
    /// The extensions `--output` picks a format by, for messages.
    pub const EXTENSIONS_TEXT: &'static str = ".csv, .json, .ndjson, .jsonl, .html, .htm, .xlsx";

    /// The format `--output FILE` asks for by its extension (any case).
    pub fn from_extension(path: &str) -> Option<Format> {
        let ext = std::path::Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" => Format::Csv,
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            "html" | "htm" => Format::Html,
            "xlsx" => Format::Xlsx,
            _ => return None,
        })
    }
}

/// One result, with exactly the fields of SPEC §6.
///
/// Names the scheme holds (sequence, grade, position, band) are borrowed
/// from it when they resolved, so a batch does not copy them for every row;
/// what the row itself said is owned.
#[derive(Debug, Clone)]
pub struct ResultRecord<'s> {
    pub id: String,
    pub name: String,
    pub sequence: Cow<'s, str>,
    pub grade: Cow<'s, str>,
    pub position: Cow<'s, str>,
    pub kpi: Option<Decimal>,
    pub kpi_quarters: Option<usize>,
    pub competency: Option<Decimal>,
    pub competency_halves: Option<usize>,
    pub competency_pct: Option<Decimal>,
    pub composite: Option<Decimal>,
    pub band: Option<Cow<'s, str>>,
    /// The band by the scheme's `distribution` (SPEC §8.5).
    pub calibrated_band: Option<Cow<'s, str>>,
    pub rank_pct: Option<Decimal>,
    pub rank: Option<usize>,
    pub cohort_size: Option<usize>,
    pub status: Status,
    pub recommended_grade: Option<Cow<'s, str>>,
    pub next_grade: Option<Cow<'s, str>>,
    pub eligible_on: Option<String>,
    pub unmet: Vec<String>,
    pub alternatives: Vec<Cow<'s, str>>,
    /// A promotion candidate's place in the quota order (SPEC §8.4); None
    /// until the scheme has `quotas`.
    pub quota_position: Option<usize>,
    pub errors: Vec<String>,
    /// Not a SPEC field: why a `demote` happened, for the table.
    pub demoted_by: Vec<String>,
}

/// The field names, in order.
pub const FIELDS: [&str; 24] = [
    "id",
    "name",
    "sequence",
    "grade",
    "position",
    "kpi",
    "kpi_quarters",
    "competency",
    "competency_halves",
    "competency_pct",
    "composite",
    "band",
    "calibrated_band",
    "rank_pct",
    "rank",
    "cohort_size",
    "status",
    "recommended_grade",
    "next_grade",
    "eligible_on",
    "unmet",
    "alternatives",
    "quota_position",
    "errors",
];

impl<'s> ResultRecord<'s> {
    pub fn new(scheme: &'s Scheme, o: &Outcome) -> ResultRecord<'s> {
        ResultRecord::build(scheme, o, |o| {
            (o.row.id.clone(), o.row.name.clone(), o.decision.unmet.clone(), o.row.errors.clone(), o.decision.demoted_by.clone())
        })
    }

    /// The record of an outcome whose texts are not needed afterwards: they
    /// are moved out, not copied (a batch makes a million of these).
    pub fn from_outcome(scheme: &'s Scheme, o: &mut Outcome) -> ResultRecord<'s> {
        let texts = (
            std::mem::take(&mut o.row.id),
            std::mem::take(&mut o.row.name),
            std::mem::take(&mut o.decision.unmet),
            std::mem::take(&mut o.row.errors),
            std::mem::take(&mut o.decision.demoted_by),
        );
        ResultRecord::build(scheme, o, |_| texts)
    }

    /// `texts`: the id, name, unmet tests, errors and demotion reasons.
    #[allow(clippy::type_complexity)]
    fn build(
        scheme: &'s Scheme,
        o: &Outcome,
        texts: impl FnOnce(&Outcome) -> (String, String, Vec<String>, Vec<String>, Vec<String>),
    ) -> ResultRecord<'s> {
        let row = &o.row;
        let f = o.figures.as_ref();
        let d = &o.decision;
        let grade_id = |g: crate::scheme::GradeRef| Cow::Borrowed(scheme.grade(g).id.as_str());
        let own = |text: &String| Cow::Owned(text.clone());
        let error = d.status == Status::Error;
        // Figures of a row in error are not reported: they may rest on bad data.
        let fig = |get: fn(&crate::figures::Figures) -> Option<Decimal>| if error { None } else { f.and_then(get) };
        let (id, name, unmet, errors, demoted_by) = texts(o);
        let band_id = |b: usize| Cow::Borrowed(scheme.bands[b].id.as_str());
        let standing = if error { None } else { o.standing };
        ResultRecord {
            id,
            name,
            sequence: row.sequence.map_or_else(|| own(&row.sequence_text), |s| Cow::Borrowed(scheme.sequences[s].id.as_str())),
            grade: row.grade.map_or_else(|| own(&row.grade_text), grade_id),
            position: row.position.map_or_else(|| own(&row.position_text), |p| Cow::Borrowed(scheme.positions[p].id.as_str())),
            kpi: fig(|f| f.kpi),
            kpi_quarters: if error { None } else { f.map(|f| f.kpi_quarters) },
            competency: fig(|f| f.competency),
            competency_halves: if error { None } else { f.map(|f| f.competency_halves) },
            competency_pct: fig(|f| f.competency_pct),
            composite: fig(|f| f.composite),
            band: if error { None } else { f.and_then(|f| f.band).map(band_id) },
            calibrated_band: if error { None } else { standing.and_then(|s| s.calibrated_band).map(band_id) },
            rank_pct: standing.map(|s| s.rank_pct),
            rank: standing.map(|s| s.rank),
            cohort_size: standing.map(|s| s.cohort_size),
            status: d.status,
            recommended_grade: d.recommended.map(grade_id),
            next_grade: d.next.map(grade_id),
            eligible_on: d.eligible_on.map(|e| e.to_string()),
            unmet,
            alternatives: d.alternatives.iter().map(|g| grade_id(*g)).collect(),
            quota_position: d.quota_position,
            errors,
            demoted_by,
        }
    }

    /// The record with nothing borrowed from the scheme (to outlive it).
    pub fn into_owned(self) -> ResultRecord<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        ResultRecord {
            sequence: own(self.sequence),
            grade: own(self.grade),
            position: own(self.position),
            band: self.band.map(own),
            calibrated_band: self.calibrated_band.map(own),
            recommended_grade: self.recommended_grade.map(own),
            next_grade: self.next_grade.map(own),
            alternatives: self.alternatives.into_iter().map(own).collect(),
            id: self.id,
            name: self.name,
            kpi: self.kpi,
            kpi_quarters: self.kpi_quarters,
            competency: self.competency,
            competency_halves: self.competency_halves,
            competency_pct: self.competency_pct,
            composite: self.composite,
            rank_pct: self.rank_pct,
            rank: self.rank,
            cohort_size: self.cohort_size,
            status: self.status,
            quota_position: self.quota_position,
            eligible_on: self.eligible_on,
            unmet: self.unmet,
            errors: self.errors,
            demoted_by: self.demoted_by,
        }
    }
}

/// What `json` says about the run.
pub struct Meta<'a> {
    pub scheme: &'a Scheme,
    pub periods: &'a Periods,
    /// The input files: (name, SHA-256).
    pub inputs: Vec<(String, String)>,
    /// A placement run (`--placement`, SPEC §8.3): json's meta says so, with the tenure.
    pub placement: bool,
}

/// Counts by status.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub total: usize,
    pub by_status: Vec<(Status, usize)>,
    /// Every employee evaluated, when `--status` printed only some (`3 of 35 employees`).
    pub evaluated: Option<usize>,
}

impl Summary {
    pub fn new() -> Summary {
        Summary { total: 0, by_status: Status::ALL.iter().map(|s| (*s, 0)).collect(), evaluated: None }
    }

    pub fn add(&mut self, status: Status) {
        self.total += 1;
        match self.by_status.iter_mut().find(|(s, _)| *s == status) {
            Some(entry) => entry.1 += 1,
            // `place` is counted only in a placement's summary (SPEC §8.3).
            None => self.by_status.push((status, 1)),
        }
    }

    pub fn of(records: &[ResultRecord]) -> Summary {
        let mut summary = Summary::new();
        for r in records {
            summary.add(r.status);
        }
        summary
    }
}

/// A result made ready for a [`Writer`]: the streaming formats are formatted
/// already (this is the costly part, so it can run in parallel); `table` and
/// `html` keep the record.
pub enum Prepared<'s> {
    Bytes { status: Status, bytes: Vec<u8> },
    Record(Box<ResultRecord<'s>>),
}

impl<'s> Prepared<'s> {
    pub fn new(format: Format, r: ResultRecord<'s>) -> Prepared<'s> {
        let mut bytes = Vec::with_capacity(256);
        let written = match format {
            Format::Json => {
                bytes = json::JsonDocument::record_text(&r).into_bytes();
                Ok(())
            }
            Format::Ndjson => json::write_ndjson_record(&r, &mut bytes),
            Format::Csv => csv_out::append_csv_record(&r, &mut bytes),
            Format::Table | Format::Html | Format::Xlsx => return Prepared::Record(Box::new(r)),
        };
        // Writing into a Vec cannot fail.
        debug_assert!(written.is_ok());
        Prepared::Bytes { status: r.status, bytes }
    }
}

/// Bytes a [`Formatted`] sets aside when it is first written to: about
/// the csv of a chunk's rows (32 KiB regrew 0.4 % of a run's instructions;
/// 128 KiB, the same peak memory on a million rows).
const FIRST_BYTES: usize = 1 << 17;

/// Results formatted together (a worker's share of a chunk): `csv` and
/// `ndjson` results as one run of bytes, others as [`Prepared`] results.
/// One buffer for many rows spares an allocation per row.
#[derive(Default)]
pub struct Formatted<'s> {
    bytes: Vec<u8>,
    /// The status of each result in `bytes`, for the summary.
    statuses: Vec<Status>,
    prepared: Vec<Prepared<'s>>,
}

impl<'s> Formatted<'s> {
    /// Keeps `r` for a format that lays out every result at the end
    /// (`table`, `html`, ...): the ones [`Formatted::write`] does not write.
    pub fn keep(&mut self, format: Format, r: ResultRecord<'s>) {
        self.prepared.push(Prepared::new(format, r));
    }

    /// Writes `r` when `format` is written row by row (`csv`, `ndjson`),
    /// borrowed (a record is 520 bytes, and most runs write a million);
    /// false, having written nothing, for any other format ([`Formatted::keep`]).
    pub fn write(&mut self, format: Format, r: &ResultRecord) -> bool {
        if !matches!(format, Format::Csv | Format::Ndjson) {
            return false;
        }
        if self.bytes.capacity() == 0 {
            // Room for the rows a worker usually formats in one go: doubling
            // from nothing copied every byte written about once more.
            self.bytes.reserve(FIRST_BYTES);
        }
        let written = match format {
            Format::Csv => csv_out::append_csv_record(r, &mut self.bytes),
            _ => json::write_ndjson_record(r, &mut self.bytes),
        };
        // Writing into a Vec cannot fail.
        debug_assert!(written.is_ok());
        self.statuses.push(r.status);
        true
    }
}

/// Writes results one by one in any format; `table` and `html` need them
/// all and keep them until the end.
pub struct Writer<'m> {
    format: Format,
    meta: Meta<'m>,
    color: bool,
    lang: Lang,
    summary: Summary,
    json: Option<json::JsonDocument>,
    xlsx: Option<xlsx::XlsxBook>,
    table_rows: Vec<ResultRecord<'m>>,
    /// Results past [`table::TABLE_ROWS`], counted but not kept (`table` only).
    table_left_out: u64,
    /// The terminal's width a `table` fits (None: not a terminal, no wrapping).
    width: Option<u16>,
    /// The calibration sheet `html` and `xlsx` show (SPEC §8.5; see [`Writer::calibration`]).
    calibration: Option<crate::batch::calibration::Sheet>,
}

impl<'m> Writer<'m> {
    pub fn begin(format: Format, meta: Meta<'m>, color: bool, out: &mut dyn Write) -> std::io::Result<Writer<'m>> {
        Writer::begin_in(format, meta, color, Lang::En, out)
    }

    /// [`Writer::begin`], the formats for reading labelled in `lang`.
    pub fn begin_in(format: Format, meta: Meta<'m>, color: bool, lang: Lang, out: &mut dyn Write) -> std::io::Result<Writer<'m>> {
        let json = match format {
            Format::Json => Some(json::JsonDocument::begin(&meta, out)?),
            Format::Csv => {
                csv_out::write_csv_header(out)?;
                None
            }
            _ => None,
        };
        let xlsx = if format == Format::Xlsx { Some(xlsx::XlsxBook::begin(&meta, lang)?) } else { None };
        Ok(Writer {
            format,
            meta,
            color,
            lang,
            summary: Summary::new(),
            json,
            xlsx,
            table_rows: Vec::new(),
            table_left_out: 0,
            width: None,
            calibration: None,
        })
    }

    /// The width of the terminal a `table` is printed on (its reasons wrap to fit).
    #[must_use]
    pub fn width(mut self, width: Option<u16>) -> Writer<'m> {
        self.width = width;
        self
    }

    /// `--status` printed some of `evaluated` employees: the summary says of how many.
    pub fn evaluated(&mut self, evaluated: usize) {
        self.summary.evaluated = Some(evaluated);
    }

    /// The calibration sheet of the whole evaluation, for `html` (a
    /// section) and `xlsx` (a sheet); the other formats have no place for it.
    #[must_use]
    pub fn calibration(mut self, sheet: Option<crate::batch::calibration::Sheet>) -> Writer<'m> {
        self.calibration = sheet;
        self
    }

    pub fn record(&mut self, r: ResultRecord<'m>, out: &mut dyn Write) -> std::io::Result<()> {
        let prepared = Prepared::new(self.format, r);
        self.prepared(prepared, out)
    }

    /// Writes a result prepared (possibly on another thread) by [`Prepared::new`].
    pub fn prepared(&mut self, p: Prepared<'m>, out: &mut dyn Write) -> std::io::Result<()> {
        match p {
            Prepared::Bytes { status, bytes } => {
                self.summary.add(status);
                match self.format {
                    Format::Json => self.json.as_mut().expect("begun as json").record_prepared(&bytes, out),
                    _ => out.write_all(&bytes),
                }
            }
            Prepared::Record(r) => {
                self.summary.add(r.status);
                match self.xlsx.as_mut() {
                    // Straight into the workbook: it keeps the rows on disk, not in memory.
                    Some(book) => book.record(&r, &self.meta),
                    // A table is for reading: past its cap the results are only
                    // counted, so a million rows never sit in memory to be drawn.
                    None if self.format == Format::Table && self.table_rows.len() >= table::TABLE_ROWS => {
                        self.table_left_out += 1;
                        Ok(())
                    }
                    None => {
                        self.table_rows.push(*r);
                        Ok(())
                    }
                }
            }
        }
    }

    /// Writes results formatted together, in their order.
    pub fn formatted(&mut self, f: Formatted<'m>, out: &mut dyn Write) -> std::io::Result<()> {
        f.statuses.iter().for_each(|s| self.summary.add(*s));
        out.write_all(&f.bytes)?;
        f.prepared.into_iter().try_for_each(|p| self.prepared(p, out))
    }

    pub fn end(self, out: &mut dyn Write) -> std::io::Result<Summary> {
        match self.format {
            Format::Json => self.json.expect("begun as json").end(&self.summary, out)?,
            Format::Table => {
                table::write_table(&self.meta, &self.table_rows, &self.summary, out, self.color, self.lang, self.width)?;
                table::write_left_out(self.table_left_out, out)?;
            }
            Format::Html => html::write_html(&self.meta, &self.table_rows, &self.summary, self.calibration.as_ref(), out, self.lang)?,
            Format::Xlsx => self.xlsx.expect("begun as xlsx").end(&self.meta, &self.summary, self.calibration.as_ref(), self.lang, out)?,
            Format::Ndjson | Format::Csv => {}
        }
        Ok(self.summary)
    }
}

/// Everything a format needs to print, in memory (explain, what-if, tests).
pub struct Report<'a> {
    pub evaluation: &'a Evaluation<'a>,
    pub records: Vec<ResultRecord<'a>>,
}

impl<'a> Report<'a> {
    pub fn new(evaluation: &'a Evaluation<'a>, keep: impl Fn(&ResultRecord) -> bool) -> Report<'a> {
        let records = evaluation.outcomes.iter().map(|o| ResultRecord::new(evaluation.scheme, o)).filter(|r| keep(r)).collect();
        Report { evaluation, records }
    }

    pub fn write(&self, format: Format, out: &mut dyn Write, color: bool) -> std::io::Result<()> {
        let e = self.evaluation;
        let meta = Meta { scheme: e.scheme, periods: &e.periods, inputs: e.inputs.clone(), placement: e.layout.placement.is_some() };
        let mut writer = Writer::begin(format, meta, color, out)?;
        for r in &self.records {
            writer.record(r.clone(), out)?;
        }
        writer.end(out).map(|_| ())
    }
}
