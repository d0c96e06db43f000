//! The employee ids of a file seen so far, packed, to find duplicates
//! exactly (SPEC §5) while the rows themselves stream past.

use anyhow::{bail, Result};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// Employee ids seen so far, packed: one string arena and a table of indices
/// (about 25 bytes an employee). Offsets and lines are u32: a file beyond
/// 4 GiB of ids or 4,294,967,295 lines is refused rather than mis-counted.
pub struct IdSet {
    arena: String,
    ends: Vec<u32>,
    first_line: Vec<u32>,
    table: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
}

/// Every row's id as a read of the file meets them: the first row with an
/// id is the one that counts, a later one is its duplicate (SPEC §5), not
/// ranked. `evaluate`'s pass 1 and the one-employee scan both keep this.
#[derive(Default)]
pub struct Seen {
    pub ids: IdSet,
    /// Rows whose id an earlier row has: row index → that row's line.
    pub duplicates: hashbrown::HashMap<u64, u64>,
    /// Rows met so far.
    pub rows: u64,
}

impl Seen {
    /// The next row, on `line`, with `id` (empty: none); false when an
    /// earlier row has the id.
    pub fn first(&mut self, line: u64, id: &str) -> Result<bool> {
        let index = self.rows;
        self.rows += 1;
        if id.is_empty() {
            return Ok(true);
        }
        match self.ids.insert(id, line)? {
            Some(first) => {
                self.duplicates.insert(index, first);
                Ok(false)
            }
            None => Ok(true),
        }
    }
}

impl Default for IdSet {
    fn default() -> IdSet {
        IdSet::new()
    }
}

impl IdSet {
    pub fn new() -> IdSet {
        IdSet {
            arena: String::new(),
            ends: Vec::new(),
            first_line: Vec::new(),
            table: HashTable::new(),
            hasher: hashbrown::DefaultHashBuilder::default(),
        }
    }

    /// Room for about `ids` more ids of `bytes` bytes each, so the arrays do
    /// not double (and briefly hold twice their size) while a big file fills them.
    pub fn reserve(&mut self, ids: usize, bytes: usize) {
        self.arena.reserve(ids * bytes);
        self.ends.reserve(ids);
        self.first_line.reserve(ids);
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        self.table.reserve(ids, |i: &u32| {
            let i = *i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&arena[start..ends[i] as usize])
        });
    }

    /// After a file's first chunk of records (`chunk_bytes` bytes, whose
    /// ids are `first_ids`), room for the ids of the whole file of
    /// `file_len` bytes, estimated from the bytes a row takes (an estimate:
    /// it only saves regrowing), with a sixteenth to spare.
    pub fn reserve_for_file<'i>(&mut self, file_len: u64, chunk_bytes: usize, first_ids: impl ExactSizeIterator<Item = &'i str>) {
        let count = first_ids.len();
        if count == 0 {
            return;
        }
        // A row has at least its six required cells (≈ 30 bytes): a first
        // chunk of odd tiny rows cannot make the guess huge.
        let estimate = file_len as usize / (chunk_bytes / count).max(32);
        let rows = estimate + estimate / 16;
        let id_bytes = first_ids.map(str::len).sum::<usize>() / count;
        self.reserve(rows, id_bytes.max(1));
    }

    fn get(&self, index: u32) -> &str {
        let i = index as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    /// Adds `id`; returns the line of its first row when it was already there.
    pub fn insert(&mut self, id: &str, line: u64) -> Result<Option<u64>> {
        let hash = self.hasher.hash_one(id);
        if let Some(&index) = self.table.find(hash, |&i| self.get(i) == id) {
            return Ok(Some(u64::from(self.first_line[index as usize])));
        }
        let (Ok(line), Ok(end)) = (u32::try_from(line), u32::try_from(self.arena.len() + id.len())) else {
            bail!("the file is too large: more than 4,294,967,295 lines or 4 GiB of employee ids");
        };
        self.arena.push_str(id);
        self.ends.push(end);
        self.first_line.push(line);
        let index = (self.ends.len() - 1) as u32;
        let (arena, ends, hasher) = (&self.arena, &self.ends, &self.hasher);
        let lookup = |i: &u32| {
            let i = *i as usize;
            let start = if i == 0 { 0 } else { ends[i - 1] as usize };
            hasher.hash_one(&arena[start..ends[i] as usize])
        };
        self.table.insert_unique(hash, index, lookup);
        Ok(None)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.table.find(self.hasher.hash_one(id), |&i| self.get(i) == id).is_some()
    }
}
