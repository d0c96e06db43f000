//! Figures kept from pass 1 for pass 2 of a batch, in a temporary file.
//!
//! Pass 1 computes every employee's figures anyway (the composite needs
//! all the score cells); writing them down costs less than computing them
//! again from the cells in pass 2. Each row gets one fixed-size record, so
//! a chunk of rows is one contiguous read: a flag byte, then every figure
//! in hundredths as a little-endian `i32` (`i32::MIN` for none). A figure
//! that is not a 2-decimal value fitting an `i32`, or a row without
//! figures (in error, say), gets flag 0: pass 2 computes that row itself.
//! The KPI items' and competency groups' means have room only when a rule
//! reads them (pass 2 reads nothing else of them).

use super::{Figures, HalfScore, Periods, QuarterScore};
use crate::scheme::Scheme;
use rust_decimal::Decimal;

const NONE: i32 = i32::MIN;

/// A figure's slot: its hundredths ([`NONE`] for none); None when it is
/// not a 2-decimal value that fits an `i32` other than `NONE`. Read from
/// the decimal's parts: `mantissa()` builds an `i128` first.
#[inline]
fn slot(d: Option<Decimal>) -> Option<i32> {
    let Some(d) = d else { return Some(NONE) };
    let b = d.serialize();
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let (flags, lo, mid, hi) = (word(0), word(4), word(8), word(12));
    if (flags >> 16) & 0xFF != 2 || mid != 0 || hi != 0 {
        return None;
    }
    let h = if flags >> 31 == 1 { -i64::from(lo) } else { i64::from(lo) };
    i32::try_from(h).ok().filter(|&h| h != NONE)
}

/// The record layout of one file's rows (sizes fixed by the scheme and periods).
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    quarters: usize,
    halves: usize,
    /// Room for the KPI items' and competency groups' means: none when no
    /// rule reads them (pass 2 reads them only for a rule).
    kpis: usize,
    groups: usize,
}

impl Layout {
    pub fn new(scheme: &Scheme, periods: &Periods) -> Layout {
        // Only a rule reads the means in a batch: without one they are not kept.
        let (items, groups) = scheme.rules_read_means();
        let kpis = scheme.positions.iter().map(|p| p.kpis.len()).max().unwrap_or(0);
        let groups_most = scheme.positions.iter().map(|p| p.groups.len()).max().unwrap_or(0);
        Layout {
            quarters: periods.quarters_read.len(),
            halves: periods.halves.len(),
            kpis: if items { kpis } else { 0 },
            groups: if groups { groups_most } else { 0 },
        }
    }

    /// Bytes of one row's record.
    pub fn size(&self) -> usize {
        // flag, kpi_quarters, competency_halves, band, item count, group count,
        // then kpi, kpi_min, competency, competency_pct, composite and the lists.
        6 + 4 * (5 + self.quarters + self.halves + self.kpis + self.groups)
    }

    /// Appends the record of `figures` (or of a row pass 2 must compute) to `out`.
    pub fn encode(&self, figures: Option<&Figures>, out: &mut Vec<u8>) {
        let start = out.len();
        if figures.and_then(|f| self.try_encode(f, out)).is_none() {
            out.truncate(start);
            out.resize(start + self.size(), 0);
        }
        debug_assert_eq!(out.len(), start + self.size());
    }

    /// Appends the record of `f`; None when a figure does not fit it (`out` then holds part of one).
    fn try_encode<'f>(&self, f: &'f Figures, out: &mut Vec<u8>) -> Option<()> {
        // No room: the means are not kept (a row the general way computed has them all the same).
        let kept = |means: &'f [Option<Decimal>], room: usize| if room > 0 { means } else { &[] };
        let (items, groups) = (kept(&f.item_means, self.kpis), kept(&f.group_means, self.groups));
        let fits = f.quarters.len() == self.quarters
            && f.halves.len() == self.halves
            && items.len() <= self.kpis
            && groups.len() <= self.groups
            && f.kpi_quarters <= 255
            && f.competency_halves <= 255
            && f.band.map_or(true, |b| b < 255);
        if !fits {
            return None;
        }
        out.extend_from_slice(&[
            1,
            f.kpi_quarters as u8,
            f.competency_halves as u8,
            f.band.map_or(255, |b| b as u8),
            items.len() as u8,
            groups.len() as u8,
        ]);
        // Every slot is written in place: one resize rather than an append
        // per figure, and plain loops (a chain of the lists cost twice as much).
        let at = out.len();
        out.resize(at + 4 * (5 + self.quarters + self.halves + self.kpis + self.groups), 0);
        let mut slots = out[at..].chunks_exact_mut(4);
        let mut put = |d: Option<Decimal>| -> Option<()> {
            slots.next()?.copy_from_slice(&slot(d)?.to_le_bytes());
            Some(())
        };
        for d in [f.kpi, f.kpi_min, f.competency, f.competency_pct, f.composite] {
            put(d)?;
        }
        for q in &f.quarters {
            put(q.score)?;
        }
        for h in &f.halves {
            put(h.rating)?;
        }
        for (means, room) in [(items, self.kpis), (groups, self.groups)] {
            for &d in means {
                put(d)?;
            }
            for _ in means.len()..room {
                put(None)?;
            }
        }
        Some(())
    }

    /// The figures of one record, or None when pass 2 must compute them.
    pub fn decode(&self, record: &[u8], periods: &Periods) -> Option<Figures> {
        let mut figures = Figures::default();
        self.decode_into(record, periods, &mut figures).then_some(figures)
    }

    /// Like `decode`, into `figures`, reusing its lists (a batch decodes a
    /// million rows); false when pass 2 must compute them.
    pub fn decode_into(&self, record: &[u8], periods: &Periods, figures: &mut Figures) -> bool {
        if record.len() != self.size() || record[0] != 1 {
            return false;
        }
        // Hundredths as a Decimal without Decimal::new's checks: the scale is 2.
        let slots = &record[6..];
        let value = |i: usize| match i32::from_le_bytes([slots[4 * i], slots[4 * i + 1], slots[4 * i + 2], slots[4 * i + 3]]) {
            NONE => None,
            h => Some(Decimal::from_parts(h.unsigned_abs(), 0, 0, h < 0, 2)),
        };
        let f = figures;
        (f.kpi, f.kpi_min, f.competency, f.competency_pct, f.composite) = (value(0), value(1), value(2), value(3), value(4));
        // The lists keep their length from row to row: only the figures change.
        let (quarters, halves) = (&periods.quarters_read, &periods.halves);
        if f.quarters.len() != quarters.len() || f.quarters.iter().zip(quarters).any(|(q, p)| q.period != *p || !q.items.is_empty()) {
            f.quarters.clear();
            f.quarters.extend(quarters.iter().map(|&period| QuarterScore { period, items: Vec::new(), score: None }));
        }
        if f.halves.len() != halves.len() || f.halves.iter().zip(halves).any(|(h, p)| h.period != *p || !h.ratings.is_empty()) {
            f.halves.clear();
            f.halves.extend(halves.iter().map(|&period| HalfScore { period, ratings: Vec::new(), rating: None }));
        }
        let mut at = 5;
        for q in &mut f.quarters {
            q.score = value(at);
            at += 1;
        }
        for h in &mut f.halves {
            h.rating = value(at);
            at += 1;
        }
        // The means in use; the rest of their room is empty.
        let (items, groups) = (usize::from(record[4]).min(self.kpis), usize::from(record[5]).min(self.groups));
        f.item_means.clear();
        f.item_means.extend((at..at + items).map(value));
        at += self.kpis;
        f.group_means.clear();
        f.group_means.extend((at..at + groups).map(value));
        f.kpi_quarters = usize::from(record[1]);
        f.competency_halves = usize::from(record[2]);
        f.band = (record[3] != 255).then_some(usize::from(record[3]));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Period, PeriodKind};
    use chrono::NaiveDate;

    fn periods() -> Periods {
        let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        Periods {
            as_of,
            quarters_read: Period::window(PeriodKind::Quarter, 4, as_of),
            quarters: Period::window(PeriodKind::Quarter, 4, as_of),
            halves: Period::window(PeriodKind::Half, 2, as_of),
        }
    }

    #[allow(clippy::unnecessary_wraps)] // the figures it fills are Options
    fn d(h: i64) -> Option<Decimal> {
        Some(Decimal::new(h, 2))
    }

    fn shown(f: &Figures) -> String {
        let q: Vec<_> = f.quarters.iter().map(|q| (q.period, q.score)).collect();
        let h: Vec<_> = f.halves.iter().map(|h| (h.period, h.rating)).collect();
        format!(
            "{:?} {} {:?} {:?} {} {:?} {:?} {:?} {q:?} {h:?} {:?} {:?}",
            f.kpi,
            f.kpi_quarters,
            f.kpi_min,
            f.competency,
            f.competency_halves,
            f.competency_pct,
            f.composite,
            f.band,
            f.item_means,
            f.group_means
        )
    }

    #[test]
    fn figures_come_back_as_they_went() {
        let p = periods();
        let layout = Layout { quarters: 4, halves: 2, kpis: 5, groups: 3 };
        let f = Figures {
            quarters: p
                .quarters_read
                .iter()
                .zip([d(8512), None, d(0), d(10000)])
                .map(|(&period, score)| QuarterScore { period, items: vec![], score })
                .collect(),
            halves: p.halves.iter().zip([d(350), d(425)]).map(|(&period, rating)| HalfScore { period, ratings: vec![], rating }).collect(),
            kpi: d(6171),
            kpi_quarters: 3,
            kpi_min: d(0),
            competency: d(388),
            competency_halves: 2,
            competency_pct: d(7200),
            composite: d(6480),
            band: Some(2),
            item_means: vec![d(1), None, d(-5)],
            group_means: vec![d(400), d(375), None],
        };
        let mut out = Vec::new();
        layout.encode(Some(&f), &mut out);
        layout.encode(None, &mut out);
        assert_eq!(out.len(), 2 * layout.size());
        assert_eq!(shown(&layout.decode(&out[..layout.size()], &p).unwrap()), shown(&f));
        assert!(layout.decode(&out[layout.size()..], &p).is_none());
    }

    #[test]
    fn figures_that_do_not_fit_are_computed_again() {
        let p = periods();
        let layout = Layout { quarters: 4, halves: 2, kpis: 5, groups: 3 };
        let base = || Figures {
            quarters: p.quarters_read.iter().map(|&period| QuarterScore { period, items: vec![], score: None }).collect(),
            halves: p.halves.iter().map(|&period| HalfScore { period, ratings: vec![], rating: None }).collect(),
            ..Figures::default()
        };
        let odd = [
            Figures { kpi: Some(Decimal::new(855, 1)), ..base() },
            Figures { kpi: Some(Decimal::new(i64::from(i32::MAX) + 1, 2)), ..base() },
            Figures { kpi: Some(Decimal::new(i64::from(i32::MIN), 2)), ..base() },
            Figures { quarters: Vec::new(), ..base() },
        ];
        for f in odd {
            let mut out = Vec::new();
            layout.encode(Some(&f), &mut out);
            assert_eq!(out.len(), layout.size());
            assert!(layout.decode(&out, &p).is_none(), "{}", shown(&f));
        }
    }
}
