//! Rank cohorts (SPEC §4, §8.2): what makes two employees one cohort
//! ([`CohortKey`]), and each cohort's composites counted per hundredth
//! ([`Cohorts`]), from which a composite's rank, rank_pct and cohort size
//! are one lookup. Every evaluation ranks through these: in memory, the
//! streaming batch, and the scans of one employee.

use crate::figures::Standing;
use crate::input::records::{Layout, Row};
use crate::rule::Reserved;
use crate::scheme::{CohortField, Scheme};
use anyhow::Result;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// What makes two employees one rank cohort (SPEC §8.2): the resolved
/// position, sequence and grade where the cohort names them, and the text
/// of its other fields. The default cohort (sequence, grade) has no text,
/// so building its key allocates nothing.
#[derive(Debug, Clone, Default, Eq)]
pub struct CohortKey {
    /// Position, sequence and grade index; `u32::MAX` where the cohort does not group by it.
    refs: [u32; 3],
    /// The other fields' values, each followed by U+001F (a blank cell is a value of its own).
    text: String,
}

// Written out only because `PartialEq` is: the same fields, hashed as derived.
impl std::hash::Hash for CohortKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.refs.hash(state);
        self.text.hash(state);
    }
}

impl PartialEq for CohortKey {
    fn eq(&self, other: &CohortKey) -> bool {
        // Two default keys (no text) are compared without calling memcmp on
        // nothing: every row's key is compared once or twice, and that call
        // was 4 % of a million rows' time.
        self.refs == other.refs && self.text.len() == other.text.len() && (self.text.is_empty() || self.text == other.text)
    }
}

impl CohortKey {
    /// A key of text alone (tests).
    #[cfg(test)]
    pub(crate) fn with_text(text: &str) -> CohortKey {
        CohortKey { refs: [u32::MAX; 3], text: text.to_string() }
    }

    /// The key of a row whose reserved fields resolved (only those rank).
    /// Under placement (SPEC §8.3) the grade is left out of the cohort and
    /// the sequence added when it is not there: `[department, grade]` ranks
    /// as `[department, sequence]`.
    pub fn of(scheme: &Scheme, layout: &Layout, row: &Row) -> CohortKey {
        let mut key = CohortKey { refs: [u32::MAX; 3], text: String::new() };
        let index = |n: Option<usize>| n.map_or(u32::MAX - 1, |n| n as u32);
        if layout.placement.is_some() {
            key.refs[1] = index(row.sequence);
        }
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        for field in &scheme.cohort.fields {
            let text = match field {
                CohortField::Reserved(Reserved::Position) => {
                    key.refs[0] = index(row.position);
                    continue;
                }
                CohortField::Reserved(Reserved::Sequence) => {
                    key.refs[1] = index(row.grade.map(|g| g.sequence).or(row.sequence));
                    continue;
                }
                CohortField::Reserved(Reserved::Grade) if layout.placement.is_some() => continue,
                CohortField::Reserved(Reserved::Grade) => {
                    // Grade ids are unique scheme-wide: the index with the sequence names it.
                    key.refs[2] = index(row.grade.map(|g| g.index));
                    key.refs[1] = key.refs[1].min(index(row.grade.map(|g| g.sequence)));
                    continue;
                }
                CohortField::Reserved(Reserved::Id) => std::borrow::Cow::Borrowed(row.id.as_str()),
                CohortField::Reserved(Reserved::Name) => std::borrow::Cow::Borrowed(row.name.as_str()),
                CohortField::Reserved(Reserved::HireDate) => date(row.hire_date).into(),
                CohortField::Reserved(Reserved::GradeDate) => date(row.grade_date).into(),
                CohortField::Reserved(Reserved::BirthDate) => date(row.birth_date).into(),
                CohortField::Column(id) => layout.facts.get(*id).copied().flatten().map_or("", |c| row.cell(c)).into(),
            };
            key.text.push_str(&text);
            key.text.push('\u{1f}');
        }
        key
    }
}

/// A ranked row, as [`Members`] gives it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub line: u64,
    pub cohort: u32,
    /// The composite in hundredths (`i32::MIN` when it has no exact one).
    pub composite: i32,
    /// The composite's band (the scheme's first whose minimum it reaches).
    pub band: Option<u32>,
}

/// Every ranked row of some cohorts, one by one (`what-if`: whose standing
/// a change moves). Kept as bytes, 4 or 5 a row: the line's distance from
/// the row before (LEB128), the cohort's index (LEB128) and the composite in
/// hundredths (2 bytes; 6 when it is not in 0..65535). A `Member` a row
/// took 24 bytes: 15 MB at five million rows for one cohort of 625,000,
/// the whole of `what-if`'s memory above `explain`'s. The band is not
/// kept: it is the composite's, found again as a row is read back.
#[derive(Debug, Default)]
pub struct Members {
    bytes: Vec<u8>,
    /// The line of the last row added (lines only grow: rows come in file order).
    last_line: u64,
    /// The cohorts of the rows, by their index.
    pub keys: KeyPlaces,
}

/// The composite's two bytes when it has no exact value in 0..65535: the full `i32` follows.
const WIDE_COMPOSITE: u16 = u16::MAX;

impl Members {
    /// Keeps the row on `line` (after every line added before), ranked in
    /// `key`'s cohort with `composite`.
    pub fn add(&mut self, line: u64, key: &CohortKey, composite: Decimal) {
        let cohort = self.keys.place(key);
        // Rows come in file order, so the step is small; wrapping keeps any order exact.
        let step = line.wrapping_sub(self.last_line);
        self.last_line = line;
        let h = hundredths(composite).unwrap_or(i32::MIN);
        // Writing to a Vec cannot fail.
        let _ = leb128::write::unsigned(&mut self.bytes, step);
        let _ = leb128::write::unsigned(&mut self.bytes, u64::from(cohort));
        match u16::try_from(h) {
            Ok(short) if short != WIDE_COMPOSITE => self.bytes.extend_from_slice(&short.to_le_bytes()),
            _ => {
                self.bytes.extend_from_slice(&WIDE_COMPOSITE.to_le_bytes());
                self.bytes.extend_from_slice(&h.to_le_bytes());
            }
        }
    }

    /// The rows in the order they were added, each with its band in `scheme`.
    pub fn iter<'a>(&'a self, scheme: &'a Scheme) -> impl Iterator<Item = Member> + 'a {
        let mut rest: &[u8] = &self.bytes;
        let mut line = 0u64;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            // The bytes are this type's own: they always read back.
            line = line.wrapping_add(leb128::read::unsigned(&mut rest).ok()?);
            let cohort = u32::try_from(leb128::read::unsigned(&mut rest).ok()?).ok()?;
            let (short, after) = rest.split_first_chunk::<2>()?;
            rest = after;
            let composite = match u16::from_le_bytes(*short) {
                WIDE_COMPOSITE => {
                    let (wide, after) = rest.split_first_chunk::<4>()?;
                    rest = after;
                    i32::from_le_bytes(*wide)
                }
                short => i32::from(short),
            };
            let band = band_of(scheme, composite);
            Some(Member { line, cohort, composite, band })
        })
    }
}

/// The band of a composite in hundredths (`Scheme::band_of`, as its figures gave it).
fn band_of(scheme: &Scheme, h: i32) -> Option<u32> {
    let composite = (h != i32::MIN).then(|| Decimal::new(i64::from(h), 2))?;
    scheme.band_of(composite).map(|b| b as u32)
}

/// The composites of each cohort, for rank, counted per hundredth: a
/// composite has 2 decimals and lies in 0..=100 (every weight, score and
/// percentage it is made of does). A cohort starts as a sorted list of the
/// composites it has and becomes a table of 10,001 counters (about 40 KB)
/// once it holds many distinct ones: a million employees in a few cohorts
/// take a few tables, and a cohort per department of three takes a few
/// bytes, not 40 KB each.
#[derive(Debug, Default, Clone)]
pub struct Cohorts {
    /// Cohort keys are interned: the key once, whatever the head count,
    /// with the place of its counts in `counted`.
    keys: hashbrown::HashMap<CohortKey, u32>,
    counted: Vec<Cohort>,
    /// [`Cohorts::finish`] has turned the tables' counts into ranks.
    finished: bool,
}

#[derive(Debug, Clone)]
struct Cohort {
    counts: Counts,
    size: usize,
}

#[derive(Debug, Clone)]
enum Counts {
    /// (composite in hundredths, how many), sorted by composite: 8 bytes a
    /// distinct composite (a cohort per employee stays small); after
    /// `finish`, (composite, how many are strictly higher, how many have it).
    Sparse(Vec<(i32, u32)>),
    Finished(Vec<(i32, u32, u32)>),
    /// `counts[i]` counts composite `offset + i`; after `finish`, how many are strictly higher.
    Dense {
        offset: i32,
        counts: Vec<u32>,
    },
}

/// Distinct composites a cohort holds in its map before it becomes a table.
const SPARSE_MAX: usize = 2_048;

/// The widest table a cohort may grow to (composites outside 0..=100 do not
/// occur; this bounds the memory if one ever did).
const MAX_SPAN: i64 = 1_000_000;

/// A composite in hundredths; None if it is not one (more decimals, or huge).
pub(crate) fn hundredths(composite: Decimal) -> Option<i32> {
    if composite.scale() == 2 {
        return i32::try_from(composite.mantissa()).ok();
    }
    let mut c = composite;
    c.rescale(2);
    (c == composite).then(|| i32::try_from(c.mantissa()).ok()).flatten()
}

impl Cohort {
    /// Counts `h`; false when a table would pass `MAX_SPAN`.
    fn add(&mut self, h: i32) -> bool {
        if let Counts::Sparse(list) = &mut self.counts {
            match list.binary_search_by_key(&h, |(k, _)| *k) {
                Ok(i) => list[i].1 += 1,
                Err(i) => list.insert(i, (h, 1)),
            }
            if list.len() > SPARSE_MAX {
                let (lo, hi) = (list.first().map_or(h, |e| e.0), list.last().map_or(h, |e| e.0));
                let (lo, hi) = (lo.min(0), hi.max(10_000));
                if i64::from(hi) - i64::from(lo) + 1 > MAX_SPAN {
                    // Only a new composite makes the list grow: take it out again.
                    list.retain(|(k, _)| *k != h);
                    return false;
                }
                let mut counts = vec![0; (hi - lo + 1) as usize];
                for (k, n) in list.iter() {
                    counts[(k - lo) as usize] = *n;
                }
                self.counts = Counts::Dense { offset: lo, counts };
            }
            self.size += 1;
            return true;
        }
        let Counts::Dense { offset, counts } = &mut self.counts else { return false };
        let (lo, hi) = (i64::from(*offset), i64::from(*offset) + counts.len() as i64 - 1);
        let (new_lo, new_hi) = (lo.min(i64::from(h)), hi.max(i64::from(h)));
        if (new_lo, new_hi) != (lo, hi) {
            if new_hi - new_lo + 1 > MAX_SPAN {
                return false;
            }
            let mut wider = vec![0; (new_hi - new_lo + 1) as usize];
            wider[(lo - new_lo) as usize..(hi - new_lo + 1) as usize].copy_from_slice(counts);
            *counts = wider;
            *offset = new_lo as i32;
        }
        counts[(i64::from(h) - i64::from(*offset)) as usize] += 1;
        self.size += 1;
        true
    }

    /// How many have a composite strictly higher than `h`.
    fn higher(&self, h: i32) -> usize {
        match &self.counts {
            Counts::Dense { offset, counts } => match usize::try_from(i64::from(h) - i64::from(*offset)) {
                Err(_) => self.size, // below the lowest: everyone is higher
                Ok(i) => counts.get(i).map_or(0, |n| *n as usize),
            },
            Counts::Finished(sorted) => {
                let i = sorted.partition_point(|(k, _, _)| *k < h);
                match sorted.get(i) {
                    Some((k, above, _)) if *k == h => *above as usize,
                    Some((_, above, count)) => (*above + *count) as usize,
                    None => 0,
                }
            }
            Counts::Sparse(_) => 0, // not finished: never asked
        }
    }
}

/// A cohort's place in [`Cohorts`] (see [`Cohorts::index`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CohortIndex(u32);

/// Cohort keys, each kept once with its place (the order it was first met
/// in), so that many rows can carry a `u32` instead of a key: a worker's
/// rows for the sink that counts them ([`KeyPlaces::places_in`] finds each
/// key in [`Cohorts`] once, not once a row: reading every row's key there,
/// where another core had written it, was a cache miss a row, a tenth of a
/// million rows' first pass), and what-if's [`Members`].
#[derive(Debug, Default)]
pub struct KeyPlaces {
    keys: Vec<CohortKey>,
    places: hashbrown::HashMap<CohortKey, u32>,
}

impl KeyPlaces {
    /// The place of `key` (kept when it is new). A worker's share of one
    /// chunk, or the cohorts a what-if ranks, hold far fewer than
    /// `u32::MAX` keys.
    pub fn place(&mut self, key: &CohortKey) -> u32 {
        if let Some(&i) = self.places.get(key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.places.insert(key.clone(), i);
        self.keys.push(key.clone());
        i
    }

    /// The place of `key`, when it was met.
    pub fn get(&self, key: &CohortKey) -> Option<u32> {
        self.places.get(key).copied()
    }

    /// The key at `place`.
    pub fn key(&self, place: u32) -> &CohortKey {
        &self.keys[place as usize]
    }

    /// Each key's place in `cohorts`, by its place here.
    pub fn places_in(&self, cohorts: &mut Cohorts) -> Result<Vec<CohortIndex>> {
        self.keys.iter().map(|key| cohorts.index(key)).collect()
    }
}

impl Cohorts {
    /// Adds a composite; refuses (rather than mis-ranks) one that cannot be a composite.
    pub fn add(&mut self, key: CohortKey, composite: Decimal) -> Result<()> {
        let at = self.index(&key)?;
        self.add_at(at, composite)
    }

    /// The place of cohort `key`, made when it is new: a run of rows of
    /// known cohorts is then counted without hashing a key a row.
    pub fn index(&mut self, key: &CohortKey) -> Result<CohortIndex> {
        if let Some(&i) = self.keys.get(key) {
            return Ok(CohortIndex(i));
        }
        let Ok(i) = u32::try_from(self.counted.len()) else { anyhow::bail!("more than 4,294,967,295 rank cohorts") };
        self.keys.insert(key.clone(), i);
        self.counted.push(Cohort { counts: Counts::Sparse(Vec::new()), size: 0 });
        Ok(CohortIndex(i))
    }

    /// [`Cohorts::add`] into the cohort at `at`.
    pub fn add_at(&mut self, at: CohortIndex, composite: Decimal) -> Result<()> {
        let added = hundredths(composite).is_some_and(|h| self.counted[at.0 as usize].add(h));
        if !added {
            anyhow::bail!("internal error: composite {composite} is outside 0..=100 with 2 decimals");
        }
        Ok(())
    }

    fn get(&self, key: &CohortKey) -> Option<&Cohort> {
        self.keys.get(key).map(|&i| &self.counted[i as usize])
    }

    /// Call once every composite is in: turns the counts into how many are higher.
    pub fn finish(&mut self) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        for cohort in &mut self.counted {
            match &mut cohort.counts {
                Counts::Sparse(list) => {
                    let mut higher = 0;
                    let mut sorted: Vec<(i32, u32, u32)> = Vec::with_capacity(list.len());
                    for (k, n) in list.iter().rev() {
                        sorted.push((*k, higher, *n));
                        higher += *n;
                    }
                    sorted.reverse();
                    cohort.counts = Counts::Finished(sorted);
                }
                Counts::Dense { counts, .. } => {
                    let mut higher = 0;
                    for count in counts.iter_mut().rev() {
                        let here = *count;
                        *count = higher;
                        higher += here;
                    }
                }
                Counts::Finished(_) => {}
            }
        }
    }

    /// The place of `composite` in the cohort `key` (after `finish`).
    pub fn standing(&self, scheme: &Scheme, key: &CohortKey, composite: Decimal, band: Option<usize>) -> Option<Standing> {
        let cohort = self.get(key)?;
        let higher = cohort.higher(hundredths(composite)?);
        standing_at(scheme, higher, cohort.size, band)
    }

    /// [`Cohorts::standing`] once one member has moved: out of `from` (its
    /// cohort and composite in hundredths, as counted) and into `to`. The
    /// queue of a what-if's changed file ranks every row so, from the counts
    /// of the file as it is.
    pub fn standing_moved(
        &self,
        scheme: &Scheme,
        key: &CohortKey,
        composite: Decimal,
        band: Option<usize>,
        from: Option<(&CohortKey, i32)>,
        to: Option<(&CohortKey, i32)>,
    ) -> Option<Standing> {
        let h = hundredths(composite)?;
        let (mut higher, mut size) = self.get(key).map_or((0, 0), |c| (c.higher(h), c.size));
        if let Some((_, m)) = from.filter(|(k, _)| *k == key) {
            size = size.saturating_sub(1);
            higher = higher.saturating_sub(usize::from(m > h));
        }
        if let Some((_, m)) = to.filter(|(k, _)| *k == key) {
            size += 1;
            higher += usize::from(m > h);
        }
        standing_at(scheme, higher, size, band)
    }

    /// Every composite the cohort `key` holds, in hundredths, highest first
    /// (one employee in detail needs the others' composites, and the counts
    /// are all a batch keeps), before or after [`Cohorts::finish`]; empty for
    /// a cohort nobody is in.
    pub fn composites(&self, key: &CohortKey) -> Vec<i32> {
        let Some(cohort) = self.get(key) else { return Vec::new() };
        let mut out = Vec::with_capacity(cohort.size);
        let mut push = |h: i32, n: u32| out.extend(std::iter::repeat(h).take(n as usize));
        match &cohort.counts {
            Counts::Sparse(list) => list.iter().rev().for_each(|(h, n)| push(*h, *n)),
            Counts::Finished(list) => list.iter().rev().for_each(|(h, _, n)| push(*h, *n)),
            Counts::Dense { offset, counts } if !self.finished => {
                counts.iter().enumerate().rev().for_each(|(i, n)| push(*offset + i as i32, *n));
            }
            // Finished: `counts[i]` is how many are higher than `offset + i`,
            // so as many have `offset + i` as the one below counts more.
            Counts::Dense { offset, counts } => {
                for (i, higher) in counts.iter().enumerate().rev() {
                    let below = if i == 0 { cohort.size as u32 } else { counts[i - 1] };
                    push(*offset + i as i32, below - higher);
                }
            }
        }
        out
    }

    /// The cohorts, each with its size (for `calibrate`).
    pub fn sizes(&self) -> impl Iterator<Item = (&CohortKey, usize)> {
        self.keys.iter().map(|(k, &i)| (k, self.counted[i as usize].size))
    }
}

/// The standing of a composite with `higher` composites strictly above it
/// in a cohort of `size` (its band calibrated under a distribution); None
/// in an empty cohort. Every way of ranking (counts, a list, counts with
/// one member moved) ends here.
pub fn standing_at(scheme: &Scheme, higher: usize, size: usize, band: Option<usize>) -> Option<Standing> {
    let pct = rank_pct(higher, size)?;
    let calibrated_band = scheme.distribution.as_ref().and_then(|d| d.calibrate(band, pct, size));
    Some(Standing { rank_pct: pct, rank: higher + 1, cohort_size: size, calibrated_band })
}

/// 100 × (1 + higher) / size, rounded: in hundredths, 10,000 × (1 + higher) / size
/// rounded half up (both are positive).
pub fn rank_pct(higher: usize, size: usize) -> Option<Decimal> {
    let (numerator, size) = (10_000 * (1 + higher as i128), size as i128);
    if size == 0 {
        return None;
    }
    let (quotient, remainder) = (numerator / size, numerator % size);
    Some(Decimal::from_i128_with_scale(quotient + i128::from(2 * remainder >= size), 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_equal_exactly_when_their_refs_and_texts_are() {
        let key = |refs: [u32; 3], text: &str| CohortKey { refs, text: text.to_string() };
        let hasher = hashbrown::DefaultHashBuilder::default();
        let hash = |k: &CohortKey| std::hash::BuildHasher::hash_one(&hasher, k);
        assert_eq!(key([1, 2, 3], ""), key([1, 2, 3], ""));
        assert_eq!(key([1, 2, 3], "售后\u{1f}"), key([1, 2, 3], "售后\u{1f}"));
        assert_eq!(hash(&key([1, 2, 3], "a\u{1f}")), hash(&key([1, 2, 3], "a\u{1f}")));
        assert_ne!(key([1, 2, 3], ""), key([1, 2, 4], ""));
        assert_ne!(key([1, 2, 3], "a\u{1f}"), key([1, 2, 3], "b\u{1f}"), "same length, other text");
        assert_ne!(key([1, 2, 3], ""), key([1, 2, 3], "\u{1f}"), "a blank cell is a value of its own");
    }

    #[test]
    fn rank_pct_counts_strictly_higher() {
        assert_eq!(rank_pct(0, 1), Some(Decimal::from(100)));
        assert_eq!(rank_pct(0, 20), Some(Decimal::from(5)));
        assert_eq!(rank_pct(2, 3), Some(Decimal::from(100)));
        assert_eq!(rank_pct(0, 3).map(|d| d.to_string()), Some("33.33".into()));
        assert_eq!(rank_pct(1, 6).map(|d| d.to_string()), Some("33.33".into()));
        assert_eq!(rank_pct(0, 8).map(|d| d.to_string()), Some("12.50".into()));
    }

    /// Ranks `composites` in one cohort; `filler` distinct extra composites
    /// (below them all) turn the sparse map into a table.
    fn ranked(composites: &[&str], filler: usize) -> (Cohorts, usize) {
        let mut cohorts = Cohorts::default();
        for c in composites {
            cohorts.add(CohortKey::default(), c.parse().unwrap()).unwrap();
        }
        for i in 0..filler {
            cohorts.add(CohortKey::default(), Decimal::new(-1 - i as i64, 2) - Decimal::from(1)).unwrap();
        }
        cohorts.finish();
        (cohorts, composites.len() + filler)
    }

    #[test]
    fn cohorts_count_the_strictly_higher() {
        for filler in [0, SPARSE_MAX + 5] {
            let (cohorts, size) = ranked(&["90", "85.5", "85.5", "70", "0", "100", "-0.01"], filler);
            let dense = matches!(cohorts.get(&CohortKey::default()).unwrap().counts, Counts::Dense { .. });
            assert_eq!(dense, filler > 0);
            let higher = |c: &str| cohorts.get(&CohortKey::default()).unwrap().higher(hundredths(c.parse().unwrap()).unwrap());
            assert_eq!(higher("100"), 0, "1st");
            assert_eq!(higher("85.5"), 2, "ties share the rank after the two higher");
            assert_eq!(higher("-0.01"), 6);
            assert_eq!(higher("86"), 2, "a composite not in the cohort");
            assert_eq!(higher("-5000"), size, "below every composite");
            assert_eq!(higher("101"), 0);
        }
        let mut cohorts = Cohorts::default();
        assert!(cohorts.add(CohortKey::default(), "99999999".parse().unwrap()).is_err(), "refused, not mis-ranked");
        assert!(cohorts.add(CohortKey::default(), "1.234".parse().unwrap()).is_err());
    }

    /// A cohort's composites come back as they went in, highest first, in either form.
    #[test]
    fn composites_list_what_was_added() {
        for filler in [0, SPARSE_MAX + 5] {
            let mut cohorts = Cohorts::default();
            let mut given: Vec<i32> = vec![9000, 8550, 8550, 7000, 0, 10_000, 1];
            given.extend((0..filler).map(|i| (i % 9000) as i32));
            for h in &given {
                cohorts.add(CohortKey::default(), Decimal::new(i64::from(*h), 2)).unwrap();
            }
            given.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(cohorts.composites(&CohortKey::default()), given, "filler {filler}");
            let other = CohortKey { refs: [1, 2, 3], text: String::new() };
            assert!(cohorts.composites(&other).is_empty());
            // The same list once the counts are ranks (and finishing twice changes nothing).
            cohorts.finish();
            cohorts.finish();
            assert_eq!(cohorts.composites(&CohortKey::default()), given, "finished, filler {filler}");
        }
    }

    /// Sparse and dense cohorts count exactly what a brute-force count does.
    #[test]
    fn both_forms_agree_with_counting() {
        let mut seed = 12_345u64;
        for (n, spread) in [(50usize, 10_001u64), (5_000, 10_001), (3_000, 40)] {
            let composites: Vec<i32> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    ((seed >> 33) % spread) as i32
                })
                .collect();
            let mut cohorts = Cohorts::default();
            for c in &composites {
                cohorts.add(CohortKey::default(), Decimal::new(i64::from(*c), 2)).unwrap();
            }
            cohorts.finish();
            let cohort = &cohorts.get(&CohortKey::default()).unwrap();
            for probe in composites.iter().take(200).chain([&-1, &10_000, &10_001]) {
                let brute = composites.iter().filter(|c| *c > probe).count();
                assert_eq!(cohort.higher(*probe), brute, "{probe} in {n} over {spread}");
            }
            assert_eq!(cohort.size, n);
        }
    }

    #[test]
    fn standing_gives_rank_size_and_calibrated_band() {
        let mut scheme = crate::scheme::load_scheme(None).unwrap();
        scheme.distribution = Some(crate::scheme::Distribution {
            percent: ["10", "20", "60", "10"].iter().map(|p| p.parse().unwrap()).collect(),
            min_cohort: 3,
        });
        let (cohorts, _) = ranked(&["90", "80", "80", "70"], 0);
        let s = cohorts.standing(&scheme, &CohortKey::default(), "80".parse().unwrap(), Some(1)).unwrap();
        assert_eq!((s.rank, s.cohort_size, s.rank_pct.to_string()), (2, 4, "50.00".to_string()));
        assert_eq!(s.calibrated_band, Some(2), "50 is past A 10 and B 30, within C 90");
        let top = cohorts.standing(&scheme, &CohortKey::default(), "90".parse().unwrap(), Some(0)).unwrap();
        assert_eq!(top.calibrated_band, Some(1), "rank_pct 25: past A's 10, within B's 30");
        assert!(cohorts.standing(&scheme, &CohortKey { refs: [1; 3], text: String::new() }, "80".parse().unwrap(), None).is_none());
        let (small, _) = ranked(&["90", "80"], 0);
        let kept = small.standing(&scheme, &CohortKey::default(), "80".parse().unwrap(), Some(3)).unwrap();
        assert_eq!(kept.calibrated_band, Some(3), "a cohort under distribution_min_cohort keeps its band");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, failure_persistence: None, ..Default::default() })]
        /// Ranking as if one member moved (what-if's queue of the changed
        /// file) is ranking the counts of the cohorts as they are after the
        /// move: rebuilt here from the moved list, for every composite and
        /// for composites no one has. Sparse and dense cohorts, the member
        /// moving within its cohort or to another, a new one or none.
        #[test]
        fn standing_after_a_move_is_the_standing_of_the_moved_counts(
            members in proptest::collection::vec((0u32..3, 0i32..=10_000), 1..60),
            dense in proptest::bool::ANY,
            pick in proptest::sample::select((0usize..60).collect::<Vec<_>>()),
            to_cohort in proptest::option::of(0u32..4),
            to_composite in 0i32..=10_000,
            probes in proptest::collection::vec(0i32..=10_000, 4),
        ) {
            let scheme = crate::scheme::load_scheme(None).unwrap();
            let key = |c: u32| CohortKey { refs: [c, 0, 0], text: String::new() };
            // Dense: spread many distinct composites so each cohort becomes a table.
            let filler: Vec<(u32, i32)> = if dense { (0..3).flat_map(|c| (0..=SPARSE_MAX as i32).map(move |h| (c, h * 4))).collect() } else { Vec::new() };
            let build = |list: &[(u32, i32)]| {
                let mut cohorts = Cohorts::default();
                for (c, h) in list {
                    cohorts.add(key(*c), Decimal::new(i64::from(*h), 2)).unwrap();
                }
                cohorts.finish();
                cohorts
            };
            let before: Vec<(u32, i32)> = members.iter().copied().chain(filler.iter().copied()).collect();
            let moved = pick % members.len();
            let (from_cohort, from_h) = members[moved];
            let mut after = before.clone();
            after.remove(moved);
            if let Some(c) = to_cohort {
                after.push((c, to_composite));
            }
            let (counted, reference) = (build(&before), build(&after));
            let from_key = key(from_cohort);
            let to_key = to_cohort.map(key);
            let from = Some((&from_key, from_h));
            let to = to_key.as_ref().map(|k| (k, to_composite));
            for c in 0..4 {
                let probes = after.iter().filter(|(k, _)| *k == c).map(|(_, h)| *h).chain(probes.iter().copied());
                for h in probes {
                    let composite = Decimal::new(i64::from(h), 2);
                    proptest::prop_assert_eq!(
                        counted.standing_moved(&scheme, &key(c), composite, None, from, to),
                        reference.standing(&scheme, &key(c), composite, None),
                        "cohort {} composite {}", c, h
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, failure_persistence: None, ..Default::default() })]
        /// The members read back are the rows added, as a plain list of
        /// `Member`s would keep them (the band from the composite as the
        /// scheme's bands give it): lines in file order with any step, a
        /// line out of order, cohorts new and met before, and composites
        /// short and wide (past 655.34, or negative).
        #[test]
        fn members_read_back_as_added(
            rows in proptest::collection::vec((0u64..5, 0u32..4, proptest::prop_oneof![0i64..=10_000, 0i64..=100_000, -5_000i64..0]), 0..80),
            far in proptest::option::of((0usize..80, 1u64 << 40..u64::MAX)),
            back in proptest::option::of(0usize..80),
        ) {
            let scheme = crate::scheme::load_scheme(None).unwrap();
            let key = |c: u32| CohortKey { refs: [c, 0, 0], text: String::new() };
            let mut members = Members::default();
            let mut reference = Vec::new();
            let mut line = 0u64;
            for (i, (step, cohort, h)) in rows.iter().enumerate() {
                line = match (far, back) {
                    (Some((at, far_line)), _) if at == i => far_line,
                    (_, Some(at)) if at == i => line / 2,
                    _ => line.saturating_add(*step),
                };
                let composite = Decimal::new(*h, 2);
                members.add(line, &key(*cohort), composite);
                let index = members.keys.get(&key(*cohort)).unwrap();
                let band = scheme.bands.iter().position(|b| composite >= b.min).map(|b| b as u32);
                reference.push(Member { line, cohort: index, composite: i32::try_from(*h).unwrap(), band });
            }
            let read: Vec<Member> = members.iter(&scheme).collect();
            proptest::prop_assert_eq!(read, reference);
        }
    }

    #[test]
    fn rank_pct_agrees_with_exact_division() {
        use crate::exact::Exact;
        for size in 1..=400usize {
            for higher in 0..size {
                let exact = Exact::from_int(100 * (1 + higher as i64)).div_int(size).unwrap().round2().unwrap();
                assert_eq!(rank_pct(higher, size).unwrap().to_string(), exact.to_string(), "{higher} of {size}");
            }
        }
    }
}
