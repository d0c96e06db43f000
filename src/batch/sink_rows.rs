//! What the workers of a streaming pass hand its sink of each row: its
//! line, id and cohort, packed. The sink (the id set, the cohorts' counts)
//! reads, in file order, what another core wrote: every cache line a row
//! spans there is a miss, so a row is 40 bytes (104 before, with a string
//! of its own and its cohort key): its id is in one buffer of the worker's
//! rows, and its cohort key is kept once a worker ([`KeyPlaces`]).

use crate::batch::cohorts::{CohortIndex, CohortKey, Cohorts, KeyPlaces};
use anyhow::Result;
use rust_decimal::Decimal;

/// One worker's rows, in file order.
#[derive(Default)]
pub struct SinkRows {
    rows: Vec<PackedRow>,
    /// The rows' ids, one after another.
    ids: String,
    /// The rows' cohort keys, each once.
    keys: KeyPlaces,
}

struct PackedRow {
    line: u64,
    /// Where its id ends in `ids`.
    id_end: u32,
    /// Its cohort (a place in `keys`) and composite, when it is ranked.
    cohort: Option<(u32, Decimal)>,
}

/// A row as the sink reads it.
pub struct SinkRow<'a> {
    pub line: u64,
    pub id: &'a str,
    /// When it is ranked: its cohort's place in the [`Cohorts`] given to
    /// [`SinkRows::in_cohorts`] and the cohort's key, and its composite.
    pub cohort: Option<(CohortIndex, &'a CohortKey, Decimal)>,
}

impl SinkRows {
    pub fn push(&mut self, line: u64, id: &str, cohort: Option<(CohortKey, Decimal)>) {
        self.ids.push_str(id);
        let cohort = cohort.map(|(key, composite)| (self.keys.place(&key), composite));
        // A worker's rows are a share of one chunk (at most 16 MiB of records).
        self.rows.push(PackedRow { line, id_end: self.ids.len() as u32, cohort });
    }

    /// Rows pushed so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows' ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let ends = self.rows.iter().map(|r| r.id_end as usize);
        let starts = std::iter::once(0).chain(ends.clone());
        starts.zip(ends).map(|(start, end)| &self.ids[start..end])
    }

    /// The rows, in order, with each cohort key found in `cohorts` (made
    /// there when new) once for all the rows that have it.
    pub fn in_cohorts(&self, cohorts: &mut Cohorts) -> Result<impl Iterator<Item = SinkRow<'_>>> {
        let places = self.keys.places_in(cohorts)?;
        Ok(self.rows.iter().zip(self.ids()).map(move |(row, id)| SinkRow {
            line: row.line,
            id,
            cohort: row.cohort.map(|(place, composite)| (places[place as usize], self.keys.key(place), composite)),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_back_as_pushed_with_their_cohorts() {
        let key = CohortKey::with_text;
        let given = [
            (2, "E1", Some((key("a"), Decimal::new(8_050, 2)))),
            (3, "", None),
            (5, "长工号-0003", Some((key("b"), Decimal::new(7_000, 2)))),
            (6, "E4", Some((key("a"), Decimal::new(9_000, 2)))),
        ];
        let mut rows = SinkRows::default();
        for (line, id, cohort) in &given {
            rows.push(*line, id, cohort.clone());
        }
        assert_eq!(rows.ids().collect::<Vec<_>>(), ["E1", "", "长工号-0003", "E4"]);
        let mut cohorts = Cohorts::default();
        // A cohort the sink met before this worker's rows keeps its place.
        let b = cohorts.index(&key("b")).unwrap();
        let seen: Vec<_> = rows
            .in_cohorts(&mut cohorts)
            .unwrap()
            .map(|s| (s.line, s.id.to_string(), s.cohort.map(|(at, k, c)| (at, k.clone(), c))))
            .collect();
        let a = cohorts.index(&key("a")).unwrap();
        assert_ne!(a, b);
        let expected: Vec<_> = given
            .iter()
            .map(|(line, id, cohort)| {
                let at = cohort.as_ref().map(|(k, c)| (if *k == key("a") { a } else { b }, k.clone(), *c));
                (*line, (*id).to_string(), at)
            })
            .collect();
        assert_eq!(seen, expected);
    }
}
