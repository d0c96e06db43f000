//! Dates, whole-month arithmetic and review periods (quarters and halves).
//!
//! SPEC §4: a month is completed on the same day of a later month, or on that
//! month's last day when it has no such day (Jan 31 → Feb 28 is one month).

use chrono::{Datelike, Months, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// Today on the local clock: the review date when `--as-of` is not given.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Parses `2024-03-05`, `2024-3-5` or `2024/3/5`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    // YYYY, then `-` or `/`, M or MM, the same separator, D or DD: read as
    // bytes (every row has several dates; splitting and parsing strings was
    // a tenth of reading a row).
    let bytes = text.trim().as_bytes();
    let digit = |b: u8| b.is_ascii_digit().then(|| u32::from(b - b'0'));
    // A number of 1 or 2 digits at `at`: (value, bytes read).
    let small = |at: usize| -> Option<(u32, usize)> {
        let first = digit(*bytes.get(at)?)?;
        match bytes.get(at + 1).and_then(|&b| digit(b)) {
            Some(second) => Some((first * 10 + second, 2)),
            None => Some((first, 1)),
        }
    };
    let year = bytes.get(..4)?.iter().try_fold(0u32, |y, &b| Some(y * 10 + digit(b)?))?;
    let separator = *bytes.get(4).filter(|&&b| b == b'-' || b == b'/')?;
    let (month, m_len) = small(5)?;
    if bytes.get(5 + m_len) != Some(&separator) {
        return None;
    }
    let (day, d_len) = small(6 + m_len)?;
    if bytes.len() != 6 + m_len + d_len {
        return None;
    }
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// `date` plus `months`, clamped to the end of a shorter month.
pub fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

/// Whole months completed from `from` to `to`; 0 when `from` is after `to`.
pub fn whole_months(from: NaiveDate, to: NaiveDate) -> u32 {
    if from >= to {
        return 0;
    }
    let diff = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let mut months = diff.max(0) as u32;
    while months > 0 && add_months(from, months).map_or(true, |d| d > to) {
        months -= 1;
    }
    months
}

/// Whole years completed from `from` to `to`.
pub fn whole_years(from: NaiveDate, to: NaiveDate) -> u32 {
    whole_months(from, to) / 12
}

/// A review period: a quarter (KPI) or a half (competencies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i32,
    pub kind: PeriodKind,
    /// 1..=4 for quarters, 1..=2 for halves.
    pub number: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    Quarter,
    Half,
}

impl Period {
    pub fn quarter(year: i32, number: u8) -> Period {
        Period { year, kind: PeriodKind::Quarter, number }
    }

    pub fn half(year: i32, number: u8) -> Period {
        Period { year, kind: PeriodKind::Half, number }
    }

    fn months_long(self) -> u32 {
        match self.kind {
            PeriodKind::Quarter => 3,
            PeriodKind::Half => 6,
        }
    }

    fn per_year(self) -> u8 {
        match self.kind {
            PeriodKind::Quarter => 4,
            PeriodKind::Half => 2,
        }
    }

    /// The last day of the period.
    pub fn last_day(self) -> NaiveDate {
        let end_month = self.number as u32 * self.months_long();
        let last = if end_month == 12 {
            NaiveDate::from_ymd_opt(self.year, 12, 31)
        } else {
            NaiveDate::from_ymd_opt(self.year, end_month + 1, 1).and_then(|d| d.pred_opt())
        };
        // A year outside chrono's range only comes from an as-of date at its
        // very edge (`--as-of +262142-12-31`): saturate rather than panic.
        last.unwrap_or(if self.year < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
    }

    pub fn previous(self) -> Period {
        if self.number == 1 {
            Period { year: self.year - 1, number: self.per_year(), ..self }
        } else {
            Period { number: self.number - 1, ..self }
        }
    }

    /// The last complete period of this kind on `as_of`.
    pub fn last_complete(kind: PeriodKind, as_of: NaiveDate) -> Period {
        let months = match kind {
            PeriodKind::Quarter => 3,
            PeriodKind::Half => 6,
        };
        let current = Period { year: as_of.year(), kind, number: ((as_of.month() - 1) / months + 1) as u8 };
        if current.last_day() <= as_of {
            current
        } else {
            current.previous()
        }
    }

    /// The last `count` complete periods on `as_of`, oldest first.
    pub fn window(kind: PeriodKind, count: usize, as_of: NaiveDate) -> Vec<Period> {
        let mut periods = Vec::with_capacity(count);
        let mut p = Period::last_complete(kind, as_of);
        for _ in 0..count {
            periods.push(p);
            p = p.previous();
        }
        periods.reverse();
        periods
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.kind {
            PeriodKind::Quarter => 'Q',
            PeriodKind::Half => 'H',
        };
        write!(f, "{}{}{}", self.year, letter, self.number)
    }
}

/// Why a period label is not a period.
#[derive(Debug, PartialEq, Eq)]
pub struct BadPeriod;

impl FromStr for Period {
    type Err = BadPeriod;

    /// `2026Q3` or `2026H1`.
    fn from_str(s: &str) -> Result<Period, BadPeriod> {
        let bytes = s.as_bytes();
        if bytes.len() != 6 || !bytes[..4].iter().all(u8::is_ascii_digit) || !bytes[5].is_ascii_digit() {
            return Err(BadPeriod);
        }
        let year: i32 = s[..4].parse().map_err(|_| BadPeriod)?;
        let number = bytes[5] - b'0';
        match (bytes[4].to_ascii_uppercase(), number) {
            (b'Q', 1..=4) => Ok(Period::quarter(year, number)),
            (b'H', 1..=2) => Ok(Period::half(year, number)),
            _ => Err(BadPeriod),
        }
    }
}

/// Does `s` look like a period (4 digits, Q or H, digits), valid or not?
pub fn looks_like_period(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 6
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4].to_ascii_uppercase(), b'Q' | b'H')
        && b[5..].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first reading of SPEC §3's date forms (split on the separator), kept to check the byte reader against.
    fn parse_date_by_splitting(text: &str) -> Option<NaiveDate> {
        let text = text.trim();
        let sep = if text.contains('-') { '-' } else { '/' };
        let mut parts = text.split(sep);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.is_empty() || m.len() > 2 || d.is_empty() || d.len() > 2 {
            return None;
        }
        if ![y, m, d].iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    #[test]
    fn dates_read_as_bytes_agree_with_splitting() {
        let mut cases: Vec<String> = [
            "2024-03-05",
            "2024-3-5",
            "2024/3/5",
            "2024/03/05",
            " 2024-03-05 ",
            "2024-3/5",
            "2024/3-5",
            "2024-02-30",
            "2024-02-29",
            "2023-02-29",
            "0000-01-01",
            "2024-13-01",
            "2024-00-10",
            "2024-1-001",
            "2024--1-1",
            "24-1-1",
            "20241-1-1",
            "2024-1-",
            "2024-1",
            "2024",
            "",
            "-",
            "2024-1-1-1",
            "２０２４-1-1",
            "2024-01-01x",
            "+024-1-1",
            "2024-1-1\u{3000}",
            "\u{3000}2024-1-1",
        ]
        .map(String::from)
        .to_vec();
        for y in ["1999", "2000", "2024"] {
            for m in ["0", "1", "01", "9", "12", "13", "123", ""] {
                for d in ["0", "1", "09", "28", "29", "31", "32", "311", ""] {
                    for (a, b) in [('-', '-'), ('/', '/'), ('-', '/'), ('/', '-'), ('.', '.')] {
                        cases.push(format!("{y}{a}{m}{b}{d}"));
                    }
                }
            }
        }
        for c in cases {
            assert_eq!(parse_date(&c), parse_date_by_splitting(&c), "{c:?}");
        }
    }

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn parses_the_three_date_spellings() {
        assert_eq!(parse_date("2024-03-05"), parse_date("2024-3-5"));
        assert_eq!(parse_date("2024/3/5"), NaiveDate::from_ymd_opt(2024, 3, 5));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-1-1-1"), None);
        assert_eq!(parse_date("26-1-1"), None);
        assert_eq!(parse_date("2026-01-01T00:00"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn jan_31_to_feb_28_is_one_month() {
        assert_eq!(whole_months(date("2025-01-31"), date("2025-02-27")), 0);
        assert_eq!(whole_months(date("2025-01-31"), date("2025-02-28")), 1);
        assert_eq!(whole_months(date("2025-01-30"), date("2025-02-28")), 1);
        assert_eq!(whole_months(date("2025-01-31"), date("2025-03-30")), 1);
        assert_eq!(whole_months(date("2025-01-31"), date("2025-03-31")), 2);
    }

    #[test]
    fn leap_days() {
        // Born on Feb 29: a year is completed on Feb 28 of a common year.
        assert_eq!(whole_years(date("2024-02-29"), date("2025-02-27")), 0);
        assert_eq!(whole_years(date("2024-02-29"), date("2025-02-28")), 1);
        assert_eq!(whole_months(date("2024-01-31"), date("2024-02-29")), 1);
        assert_eq!(whole_months(date("2024-01-31"), date("2024-02-28")), 0);
        assert_eq!(whole_years(date("2000-02-29"), date("2024-02-29")), 24);
    }

    #[test]
    fn same_day_completes_a_month_and_future_dates_give_zero() {
        assert_eq!(whole_months(date("2025-03-15"), date("2026-03-15")), 12);
        assert_eq!(whole_months(date("2025-03-15"), date("2026-03-14")), 11);
        assert_eq!(whole_months(date("2027-01-01"), date("2026-03-14")), 0);
    }

    #[test]
    fn review_window_takes_complete_periods_only() {
        let q = Period::window(PeriodKind::Quarter, 4, date("2026-12-31"));
        let labels: Vec<String> = q.iter().map(Period::to_string).collect();
        assert_eq!(labels, ["2026Q1", "2026Q2", "2026Q3", "2026Q4"]);
        let q = Period::window(PeriodKind::Quarter, 2, date("2026-12-30"));
        assert_eq!(q.iter().map(Period::to_string).collect::<Vec<_>>(), ["2026Q2", "2026Q3"]);
        let h = Period::window(PeriodKind::Half, 2, date("2026-07-01"));
        assert_eq!(h.iter().map(Period::to_string).collect::<Vec<_>>(), ["2025H2", "2026H1"]);
    }

    #[test]
    fn period_labels() {
        assert_eq!("2026Q3".parse::<Period>(), Ok(Period::quarter(2026, 3)));
        assert_eq!("2026h1".parse::<Period>(), Ok(Period::half(2026, 1)));
        assert_eq!("2026Q5".parse::<Period>(), Err(BadPeriod));
        assert_eq!("2026H3".parse::<Period>(), Err(BadPeriod));
        assert!(looks_like_period("2026Q5"));
        assert!(!looks_like_period("note"));
        assert_eq!(Period::quarter(2024, 1).last_day(), date("2024-03-31"));
        assert_eq!(Period::half(2024, 2).last_day(), date("2024-12-31"));
    }

    #[test]
    fn periods_at_the_ends_of_the_calendar_do_not_panic() {
        // Regression: `--as-of +262142-12-31` panicked looking for 262143-01-01.
        assert_eq!(Period::quarter(NaiveDate::MAX.year(), 4).last_day(), NaiveDate::MAX);
        assert_eq!(Period::quarter(NaiveDate::MAX.year() + 1, 1).last_day(), NaiveDate::MAX);
        assert_eq!(Period::half(NaiveDate::MIN.year() - 1, 2).last_day(), NaiveDate::MIN);
        let window = Period::window(PeriodKind::Quarter, 4, NaiveDate::MAX);
        assert_eq!(window.last().unwrap().to_string(), format!("{}Q4", NaiveDate::MAX.year()));
        Period::window(PeriodKind::Half, 40, NaiveDate::MIN);
    }
}
