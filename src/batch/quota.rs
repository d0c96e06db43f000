//! Promotion quotas (SPEC §8.4): after every row's decision, the promotion
//! candidates are ordered (composite, then months in grade, then input
//! order) and each takes the first of its options whose quotas have room.
//!
//! Both batches feed the same [`Collector`] one decided row at a time, in
//! input order, and apply the same [`Allocation`]: the in-memory reference
//! from its outcomes, the streaming batch from an extra pass over its spool.
//! Memory is per candidate (its options and group ids) and per quota group,
//! never per row.

use crate::calendar::whole_months;
use crate::decision::{Decision, Status, Verdict};
use crate::input::records::{Layout, Row};
use crate::rule::words::Words;
use crate::scheme::{CohortField, GradeRef, Quota, Scheme};
use chrono::NaiveDate;
use fixedbitset::FixedBitSet;
use rust_decimal::Decimal;

/// A quota group id where a row has no group (the quota does not concern it).
const NO_GROUP: u32 = u32::MAX;

/// What allocation needs of one candidate.
#[derive(Debug, Clone)]
struct Candidate {
    /// Row index in input order (0 = the first record).
    row: u64,
    /// The row's line (`what-if` reads back the rows whose allocation a change moves).
    line: u64,
    /// The employee's id (`explain` names who took a quota's last slot).
    id: Box<str>,
    composite: Option<Decimal>,
    months_in_grade: Option<u32>,
    /// The next grade (when its rule held), then the bridges that hold, in scheme order.
    options: Vec<GradeRef>,
    /// Per quota, the candidate's group (`NO_GROUP` where its grade reaches none of the quota's grades).
    groups: Box<[u32]>,
}

/// A decided row as the collector counts it.
#[derive(Debug, Clone)]
pub struct Noted {
    index: u64,
    /// Per quota, the row's group when its grade reaches the quota's grades.
    keys: Vec<Option<String>>,
    /// What the queue needs of it, when it is promoted.
    candidate: Option<Promoted>,
}

/// A promoted row's place in the queue (its order keys) and its options.
#[derive(Debug, Clone)]
struct Promoted {
    line: u64,
    id: Box<str>,
    composite: Option<Decimal>,
    months_in_grade: Option<u32>,
    options: Vec<GradeRef>,
}

impl Noted {
    /// The note as row `index`'s (pass 1 notes a row before its index is known).
    #[must_use]
    pub fn at(self, index: u64) -> Noted {
        Noted { index, ..self }
    }
}

impl Tally {
    /// Counts what `other` gathered of other rows too (its groups matched by name).
    pub fn merge(&mut self, other: Tally) {
        let Tally { groups: other_groups, candidates } = other;
        // Per quota: `other`'s group id → this tally's.
        let ids: Vec<Vec<u32>> = self
            .groups
            .iter_mut()
            .zip(other_groups)
            .map(|(mine, theirs)| {
                theirs
                    .names
                    .into_iter()
                    .zip(theirs.heads)
                    .map(|(name, heads)| {
                        let id = mine.intern(name);
                        mine.heads[id as usize] += heads;
                        id
                    })
                    .collect()
            })
            .collect();
        for mut c in candidates {
            for (q, g) in c.groups.iter_mut().enumerate() {
                if *g != NO_GROUP {
                    *g = ids[q][*g as usize];
                }
            }
            self.candidates.push(c);
        }
    }
}

/// One quota's groups: the values of its `per` fields (one group without
/// `per`), each with its head count and, after allocation, what was taken.
#[derive(Debug, Default, Clone)]
pub struct QuotaGroups {
    keys: hashbrown::HashMap<String, u32>,
    /// Each group's `per` values, each followed by U+001F.
    pub names: Vec<String>,
    /// Employees (not in error) whose grade reaches the quota's grades.
    pub heads: Vec<u64>,
    /// Promotions granted, after allocation.
    pub taken: Vec<u64>,
    /// The row that took the last slot granted, after allocation.
    pub last_taker: Vec<Option<u64>>,
}

impl QuotaGroups {
    fn intern(&mut self, key: String) -> u32 {
        if let Some(id) = self.keys.get(&key) {
            return *id;
        }
        let id = self.names.len() as u32;
        self.names.push(key.clone());
        self.keys.insert(key, id);
        self.heads.push(0);
        self.taken.push(0);
        self.last_taker.push(None);
        id
    }
}

/// Gathers the head counts and the candidates, row by row in input order.
pub struct Collector<'s> {
    scheme: &'s Scheme,
    tally: Tally,
    noter: Noter<'s>,
}

/// What a [`Collector`] has gathered so far: kept by a streaming pass 1
/// for the quota pass to go on with. The order rows are added in does not
/// matter: candidates are sorted before allocation, and groups are told
/// apart by name wherever two allocations are compared.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    groups: Vec<QuotaGroups>,
    candidates: Vec<Candidate>,
}

/// What a row counts for, worked out without changing the collector (so
/// the workers of a streaming pass can do it in parallel).
#[derive(Clone)]
pub struct Noter<'s> {
    scheme: &'s Scheme,
    /// Per quota: is each grade (by sequence, then index) one its grades are reached from?
    sources: Vec<Vec<Vec<bool>>>,
}

impl<'s> Collector<'s> {
    pub fn new(scheme: &'s Scheme) -> Collector<'s> {
        let sources = scheme
            .quotas
            .iter()
            .map(|q| {
                scheme
                    .sequences
                    .iter()
                    .enumerate()
                    .map(|(s, seq)| (0..seq.grades.len()).map(|index| q.is_source(scheme, GradeRef { sequence: s, index })).collect())
                    .collect()
            })
            .collect();
        let tally = Tally { groups: vec![QuotaGroups::default(); scheme.quotas.len()], candidates: Vec::new() };
        Collector { scheme, tally, noter: Noter { scheme, sources } }
    }

    /// A collector going on from `tally` (gathered by one of `scheme`).
    pub fn resume(scheme: &'s Scheme, tally: Tally) -> Collector<'s> {
        Collector { tally, ..Collector::new(scheme) }
    }

    /// What was gathered, to be resumed later.
    pub fn into_tally(self) -> Tally {
        self.tally
    }

    /// A noter for this collector's scheme.
    pub fn noter(&self) -> Noter<'s> {
        self.noter.clone()
    }

    /// Notes row `index` once decided: a head of every quota its grade reaches
    /// (unless in error), and a candidate when it is promoted.
    pub fn add(&mut self, index: u64, layout: &Layout, row: &Row, composite: Option<Decimal>, as_of: NaiveDate, decision: &Decision) {
        if let Some(noted) = self.noter.note(index, layout, row, composite, as_of, &decision.verdict()) {
            self.add_noted(noted);
        }
    }

    /// Counts a noted row (rows in input order).
    pub fn add_noted(&mut self, noted: Noted) {
        let Noted { index, keys, candidate } = noted;
        let Tally { groups: quota_groups, candidates } = &mut self.tally;
        let mut groups = vec![NO_GROUP; keys.len()];
        for (q, key) in keys.into_iter().enumerate() {
            if let Some(key) = key {
                let id = quota_groups[q].intern(key);
                quota_groups[q].heads[id as usize] += 1;
                groups[q] = id;
            }
        }
        if let Some(Promoted { line, id, composite, months_in_grade, options }) = candidate {
            let groups = groups.into_boxed_slice();
            candidates.push(Candidate { row: index, line, id, composite, months_in_grade, options, groups });
        }
    }

    /// Allocates the quotas: every candidate's place, the option it took and what it could not take.
    pub fn allocate(self) -> Allocation {
        let Collector { scheme, tally: Tally { mut groups, mut candidates }, .. } = self;
        // Composite higher first (none last), then longer in grade (none last), then input order.
        candidates.sort_by(|a, b| {
            desc_none_last(a.composite.as_ref(), b.composite.as_ref())
                .then(desc_none_last(a.months_in_grade.as_ref(), b.months_in_grade.as_ref()))
                .then(a.row.cmp(&b.row))
        });
        let caps: Vec<Vec<u64>> = scheme.quotas.iter().zip(&groups).map(|(q, g)| g.heads.iter().map(|h| cap(q, *h)).collect()).collect();
        let count = candidates.len();
        let mut allotted = Vec::with_capacity(count);
        // Each candidate's record moves into its allocation: memory stays one record a candidate.
        for (place, c) in candidates.into_iter().enumerate() {
            let mut missed = Vec::new();
            let mut took = None;
            for (i, option) in c.options.iter().enumerate() {
                // The quotas of this option, in the scheme's order; the first full one is named.
                let quotas = scheme.quotas.iter().enumerate().filter(|(_, q)| q.grades.contains(option)).map(|(q, _)| q);
                let full = quotas.clone().find(|q| {
                    let g = c.groups[*q];
                    // A candidate always counts in its options' quotas; a missing group would be a bug: treat as full.
                    g == NO_GROUP || groups[*q].taken[g as usize] >= caps[*q][g as usize]
                });
                match full {
                    Some(q) => missed.push((i, q, c.groups[q])),
                    None => {
                        for q in quotas {
                            let g = c.groups[q] as usize;
                            groups[q].taken[g] += 1;
                            groups[q].last_taker[g] = Some(c.row);
                        }
                        took = Some(i);
                        break;
                    }
                }
            }
            allotted.push(Allotted {
                row: c.row,
                line: c.line,
                id: c.id,
                place: place + 1,
                options: c.options,
                took,
                missed: missed.into_iter().map(|(i, q, g)| Missed { option: i, quota: q, group: g }).collect(),
                groups: c.groups,
            });
        }
        // What each missed quota held when the candidate's turn came is what
        // the line says; the counts only grow, and a full quota stays full, so
        // the final counts say the same.
        allotted.sort_unstable_by_key(|a| a.row);
        Allocation::new(allotted, groups, caps, count)
    }
}

impl Noter<'_> {
    /// What [`Collector::add`] keeps of a row; None when it counts nowhere.
    pub fn note(
        &self,
        index: u64,
        layout: &Layout,
        row: &Row,
        composite: Option<Decimal>,
        as_of: NaiveDate,
        verdict: &Verdict,
    ) -> Option<Noted> {
        if verdict.status == Status::Error {
            return None;
        }
        let grade = row.grade?;
        let promote = verdict.status == Status::Promote;
        // Most rows count nowhere: known before any group key is made.
        if !promote && !self.sources.iter().any(|s| s[grade.sequence][grade.index]) {
            return None;
        }
        let keys: Vec<Option<String>> = self
            .scheme
            .quotas
            .iter()
            .enumerate()
            .map(|(q, quota)| self.sources[q][grade.sequence][grade.index].then(|| group_key(self.scheme, layout, row, quota)))
            .collect();
        let candidate = promote.then(|| Promoted {
            line: row.line,
            id: row.id.as_str().into(),
            composite,
            months_in_grade: row.grade_date.map(|d| whole_months(d, as_of)),
            options: verdict.options.clone(),
        });
        Some(Noted { index, keys, candidate })
    }
}

/// Higher first, none last.
fn desc_none_last<T: Ord>(a: Option<&T>, b: Option<&T>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => b.cmp(a),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

/// The cap of a quota over `heads`: `max`, and `max_pct` of the head count
/// rounded down to a whole person; the smaller when both are set.
pub fn cap(quota: &Quota, heads: u64) -> u64 {
    let by_pct = quota.max_pct.map(|p| {
        // floor(mantissa × heads / (100 × 10^scale)), exactly: mantissa < 2^96 and heads < 2^32 fit a u128.
        let (mantissa, scale) = (p.mantissa().unsigned_abs(), p.scale());
        let product = mantissa.saturating_mul(u128::from(heads));
        let denominator = 100u128 * 10u128.pow(scale);
        u64::try_from(product / denominator).unwrap_or(u64::MAX)
    });
    match (quota.max, by_pct) {
        (Some(m), Some(p)) => m.min(p),
        (Some(m), None) => m,
        (None, Some(p)) => p,
        (None, None) => u64::MAX, // validation requires one of them
    }
}

/// The values of the quota's `per` fields for a row, each followed by U+001F
/// (a blank cell is a value of its own).
fn group_key(scheme: &Scheme, layout: &Layout, row: &Row, quota: &Quota) -> String {
    use crate::rule::Reserved;
    let mut key = String::new();
    for field in &quota.per {
        match field {
            CohortField::Reserved(Reserved::Position) => {
                key.push_str(row.position.map_or(row.position_text.as_str(), |p| &scheme.positions[p].id));
            }
            CohortField::Reserved(Reserved::Sequence) => {
                key.push_str(
                    row.grade.map(|g| g.sequence).or(row.sequence).map_or(row.sequence_text.as_str(), |s| &scheme.sequences[s].id),
                );
            }
            CohortField::Reserved(Reserved::Grade) => key.push_str(row.grade.map_or(row.grade_text.as_str(), |g| &scheme.grade(g).id)),
            CohortField::Reserved(Reserved::Id) => key.push_str(&row.id),
            CohortField::Reserved(Reserved::Name) => key.push_str(&row.name),
            CohortField::Reserved(Reserved::HireDate) => key.push_str(&row.hire_date.map(|d| d.to_string()).unwrap_or_default()),
            CohortField::Reserved(Reserved::GradeDate) => key.push_str(&row.grade_date.map(|d| d.to_string()).unwrap_or_default()),
            CohortField::Reserved(Reserved::BirthDate) => key.push_str(&row.birth_date.map(|d| d.to_string()).unwrap_or_default()),
            CohortField::Column(id) => key.push_str(layout.facts.get(*id).copied().flatten().map_or("", |c| row.cell(c))),
        }
        key.push('\u{1f}');
    }
    key
}

/// An option a candidate could not take, and the first full quota of it.
#[derive(Debug, Clone)]
pub struct Missed {
    /// Index into the candidate's options.
    pub option: usize,
    pub quota: usize,
    pub group: u32,
}

/// One candidate's allocation.
#[derive(Debug, Clone)]
pub struct Allotted {
    pub row: u64,
    pub line: u64,
    pub id: Box<str>,
    /// Its place in the quota order (1 = first).
    pub place: usize,
    pub options: Vec<GradeRef>,
    /// The option it took; None: every option's quota was full.
    pub took: Option<usize>,
    pub missed: Vec<Missed>,
    /// Per quota, its group (`u32::MAX` where the quota does not concern it).
    pub groups: Box<[u32]>,
}

/// What an allocation does to a candidate (see [`Allocation::effect`]):
/// its place, options, the option taken, and per option missed (option,
/// quota, group name, taken, cap), which is what its unmet line says.
#[derive(PartialEq)]
struct Effect<'a> {
    place: usize,
    options: &'a [GradeRef],
    took: Option<usize>,
    missed: Vec<MissedLine<'a>>,
}

/// A missed option as its unmet line reads: (option, quota, group name, taken, cap).
type MissedLine<'a> = (usize, usize, &'a str, Option<u64>, Option<u64>);

/// The outcome of allocation, by row.
#[derive(Debug, Default)]
pub struct Allocation {
    /// By row index.
    allotted: Vec<Allotted>,
    /// The candidates' row indexes: most rows are not one, and pass 2 asks
    /// for every row (a binary search each was 1.7 % of `evaluate`'s time).
    rows: FixedBitSet,
    /// Per quota.
    pub groups: Vec<QuotaGroups>,
    /// Per quota, per group.
    pub caps: Vec<Vec<u64>>,
    /// How many candidates there were.
    pub candidates: usize,
}

impl Allocation {
    fn new(allotted: Vec<Allotted>, groups: Vec<QuotaGroups>, caps: Vec<Vec<u64>>, candidates: usize) -> Allocation {
        let mut rows = FixedBitSet::new();
        for a in &allotted {
            // A row index counts rows read into memory's reach: it fits a usize.
            rows.grow_and_insert(a.row as usize);
        }
        Allocation { allotted, rows, groups, caps, candidates }
    }

    /// The allocation of row `index`, when it was a candidate.
    pub fn of(&self, index: u64) -> Option<&Allotted> {
        if !self.rows.contains(index as usize) {
            return None;
        }
        self.allotted.binary_search_by_key(&index, |a| a.row).ok().map(|i| &self.allotted[i])
    }

    /// The row index of the candidate on `line` (rows in input order have growing lines).
    pub fn row_at_line(&self, line: u64) -> Option<u64> {
        self.allotted.binary_search_by_key(&line, |a| a.line).ok().map(|i| self.allotted[i].row)
    }

    /// What this allocation does to one candidate's decision, in terms that
    /// compare across two allocations of one file (a group by its name, not
    /// its id, which depends on the order the groups were met in).
    fn effect<'a>(&'a self, a: &'a Allotted) -> Effect<'a> {
        let missed = a
            .missed
            .iter()
            .map(|m| {
                let g = m.group as usize;
                let name = self.groups[m.quota].names.get(g).map_or("", String::as_str);
                let (taken, cap) = (self.groups[m.quota].taken.get(g).copied(), self.caps[m.quota].get(g).copied());
                (m.option, m.quota, name, taken, cap)
            })
            .collect();
        Effect { place: a.place, options: &a.options, took: a.took, missed }
    }

    /// The lines of the rows that `self` and `other`, two allocations of the
    /// same rows (before and after a `what-if` change), treat differently:
    /// a candidate of only one, or one whose place, option taken or full
    /// quota lines differ. Every other row's decision is the same under both.
    pub fn lines_that_differ(&self, other: &Allocation) -> Vec<u64> {
        let (a, b) = (&self.allotted, &other.allotted);
        let (mut i, mut j) = (0, 0);
        let mut lines = Vec::new();
        // Both lists are sorted by row: a merge.
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.row == y.row => {
                    if self.effect(x) != other.effect(y) {
                        lines.push(x.line);
                    }
                    (i, j) = (i + 1, j + 1);
                }
                // A candidate of one allocation only.
                (Some(x), Some(y)) if y.row < x.row => {
                    lines.push(y.line);
                    j += 1;
                }
                (None, Some(y)) => {
                    lines.push(y.line);
                    j += 1;
                }
                (Some(x), _) => {
                    lines.push(x.line);
                    i += 1;
                }
                (None, None) => break,
            }
        }
        lines
    }

    /// The id of row `index`, a candidate (who took a quota's last slot is one).
    pub fn id_of(&self, index: u64) -> Option<&str> {
        self.of(index).map(|a| &*a.id)
    }

    /// `quota for S4 is full (2 of 2)`, or `quota for S4 (department 华东) is full (2 of 2)`;
    /// in Chinese the grades by their titles and the `per` fields by the file's headers.
    pub fn full_line(&self, scheme: &Scheme, words: &Words, quota: usize, group: u32) -> String {
        let q = &scheme.quotas[quota];
        let g = group as usize;
        let (taken, cap) = (self.groups[quota].taken.get(g).copied().unwrap_or(0), self.caps[quota].get(g).copied().unwrap_or(0));
        let grades: Vec<&str> = q.grades.iter().map(|g| words.grade(scheme, *g)).collect();
        words.quota_full(&grades.join(words.list_separator()), &self.group_text_in(scheme, words, quota, group), taken, cap)
    }

    /// ` (department 华东)` for a quota with `per`; empty without.
    pub fn group_text(&self, scheme: &Scheme, quota: usize, group: u32) -> String {
        self.group_text_in(scheme, Words::english(), quota, group)
    }

    /// [`Allocation::group_text`] in `words`.
    pub fn group_text_in(&self, scheme: &Scheme, words: &Words, quota: usize, group: u32) -> String {
        let q = &scheme.quotas[quota];
        if q.per.is_empty() {
            return String::new();
        }
        let values = self.groups[quota].names.get(group as usize).map_or("", String::as_str);
        let parts: Vec<String> = q
            .per_names(scheme)
            .zip(values.split('\u{1f}'))
            .map(|(name, value)| {
                let name = words.per_field(name, scheme);
                if value.is_empty() {
                    format!("{name} {}", words.blank())
                } else {
                    format!("{name} {value}")
                }
            })
            .collect();
        format!(" ({})", parts.join(", "))
    }

    /// The quotas of an option, in the scheme's order, each with the
    /// candidate's group: (quota, group, taken, cap, row of the last taker).
    pub fn quotas_of(&self, scheme: &Scheme, allotted: &Allotted, option: GradeRef) -> Vec<(usize, u32, u64, u64, Option<u64>)> {
        scheme
            .quotas
            .iter()
            .enumerate()
            .filter(|(_, q)| q.grades.contains(&option))
            .filter_map(|(q, _)| {
                let g = *allotted.groups.get(q)?;
                let groups = self.groups.get(q)?;
                let i = g as usize;
                Some((q, g, *groups.taken.get(i)?, *self.caps.get(q)?.get(i)?, *groups.last_taker.get(i)?))
            })
            .collect()
    }

    /// Applies the allocation of row `index` to its decision: the option taken,
    /// or `hold`; a line in unmet for each option not taken; its place.
    pub fn apply(&self, scheme: &Scheme, words: &Words, index: u64, current: Option<GradeRef>, decision: &mut Decision) {
        let Some(a) = self.of(index) else { return };
        decision.quota_position = Some(a.place);
        for m in &a.missed {
            decision.unmet.push(self.full_line(scheme, words, m.quota, m.group));
        }
        match a.took {
            Some(i) => {
                decision.recommended = Some(a.options[i]);
                decision.via_bridge = Some(a.options[i]) != decision.next;
            }
            None => {
                decision.status = Status::Hold;
                decision.recommended = current;
                decision.via_bridge = false;
                decision.eligible_on = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(max: Option<u64>, pct: Option<&str>) -> Quota {
        Quota { grades: Vec::new(), max, max_pct: pct.map(|p| p.parse().unwrap()), per: Vec::new(), at: String::new() }
    }

    #[test]
    fn caps_round_down_and_fit_both() {
        assert_eq!(cap(&quota(Some(2), None), 100), 2);
        assert_eq!(cap(&quota(None, Some("20")), 9), 1, "1.8 rounds down");
        assert_eq!(cap(&quota(None, Some("20")), 10), 2, "exactly 2");
        assert_eq!(cap(&quota(None, Some("33.34")), 3), 1, "1.0002");
        assert_eq!(cap(&quota(None, Some("33.33")), 3), 0, "0.9999");
        assert_eq!(cap(&quota(Some(1), Some("50")), 10), 1, "both: the smaller");
        assert_eq!(cap(&quota(Some(9), Some("50")), 10), 5);
        assert_eq!(cap(&quota(None, Some("100")), 0), 0);
        assert_eq!(cap(&quota(None, Some("0.0000000000000000000000000001")), u64::from(u32::MAX)), 0);
    }

    /// A tally of one quota whose groups are met in the order of `heads`
    /// (name, head count), with one candidate in group `group`.
    fn tally(heads: &[(&str, u64)], row: u64, group: u32) -> Tally {
        let mut groups = QuotaGroups::default();
        for (name, count) in heads {
            let id = groups.intern((*name).to_string());
            groups.heads[id as usize] += count;
        }
        let candidate = Candidate {
            row,
            line: row + 2,
            id: format!("E{row}").into(),
            composite: None,
            months_in_grade: None,
            options: Vec::new(),
            groups: Box::new([group]),
        };
        Tally { groups: vec![groups], candidates: vec![candidate] }
    }

    #[test]
    fn tallies_merge_their_groups_by_name() {
        // Pass 1 met 华东 then 华南; the quota pass met 华南, 华北 and 华东, in that order.
        let mut merged = tally(&[("华东", 3), ("华南", 1)], 0, 1);
        merged.merge(tally(&[("华南", 2), ("华北", 1), ("华东", 1)], 7, 2));
        let g = &merged.groups[0];
        assert_eq!(g.names, ["华东", "华南", "华北"]);
        assert_eq!(g.heads, [4, 3, 1]);
        // Row 7's group was the quota pass's 华东 (its id 2): 华东 here.
        let groups: Vec<(u64, &str)> = merged.candidates.iter().map(|c| (c.row, g.names[c.groups[0] as usize].as_str())).collect();
        assert_eq!(groups, [(0, "华南"), (7, "华东")]);
        // A candidate of no group of a quota stays in none.
        let mut none = tally(&[("华东", 1)], 0, 0);
        none.merge(tally(&[], 9, NO_GROUP));
        assert_eq!(none.candidates[1].groups[0], NO_GROUP);
    }

    fn allotted(row: u64, place: usize, took: Option<usize>) -> Allotted {
        let options = vec![GradeRef { sequence: 0, index: 1 }];
        Allotted { row, line: row + 2, id: format!("E{row}").into(), place, options, took, missed: Vec::new(), groups: Box::new([0]) }
    }

    fn allocation(allotted: Vec<Allotted>) -> Allocation {
        Allocation::new(allotted, vec![QuotaGroups::default()], vec![vec![1]], 0)
    }

    #[test]
    fn the_rows_two_allocations_treat_differently_are_found_by_a_merge() {
        // Rows 1 and 5 only before, 4 and 9 only after; 3 moved place, 7 lost its option; 2 and 8 the same.
        let before = allocation(vec![
            allotted(1, 1, Some(0)),
            allotted(2, 2, Some(0)),
            allotted(3, 3, Some(0)),
            allotted(5, 4, Some(0)),
            allotted(7, 5, Some(0)),
            allotted(8, 6, None),
        ]);
        let after = allocation(vec![
            allotted(2, 2, Some(0)),
            allotted(3, 1, Some(0)),
            allotted(4, 3, Some(0)),
            allotted(7, 5, None),
            allotted(8, 6, None),
            allotted(9, 7, None),
        ]);
        let lines = |rows: &[u64]| rows.iter().map(|r| r + 2).collect::<Vec<_>>();
        assert_eq!(before.lines_that_differ(&after), lines(&[1, 3, 4, 5, 7, 9]));
        assert_eq!(after.lines_that_differ(&before), lines(&[1, 3, 4, 5, 7, 9]));
        assert_eq!(before.lines_that_differ(&before), lines(&[]));
        assert_eq!(before.row_at_line(9), Some(7));
        assert_eq!(before.row_at_line(6), None);
    }

    #[test]
    fn none_sorts_last_and_higher_first() {
        let mut v = vec![None, Some(1), Some(3), None, Some(2)];
        v.sort_by(|a, b| desc_none_last(a.as_ref(), b.as_ref()));
        assert_eq!(v, vec![Some(3), Some(2), Some(1), None, None]);
    }
}
