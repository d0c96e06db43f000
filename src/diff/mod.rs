//! `ladder diff OLD NEW` (SPEC §8.6): what changed between two runs of
//! `evaluate`, per employee id, and whether the scheme or the inputs did.
//!
//! Both files are read at once, each on its own thread ([`read`]), and
//! walked side by side: when the two runs keep the same order (the common
//! case: both keep input order) each pair is compared as it arrives and
//! nothing is kept. A record whose id does not match waits in a map until
//! its partner turns up, so any order works and memory grows only with the
//! disorder; what still waits at the end is in one run only.

pub mod read;
mod write;

use crate::error::{Exit, Result};
use read::{Kind, Msg, Names, Record, RunMeta, SharedNames};
use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// The formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Readable on a terminal: one line per employee, then the summary
    Table,
    /// One row per changed field: id, field, old, new
    Csv,
    /// One document: changed, removed, added, summary
    Json,
}

pub struct Request {
    pub old: String,
    pub new: String,
    pub format: DiffFormat,
    /// Exit 4 when a status or a recommended grade differs (or an id is in one run only).
    pub exit_code: bool,
}

/// One field that differs: its name and the two values (normalised; blank for null).
pub struct Change<'a> {
    pub field: &'a str,
    pub old: &'a str,
    pub new: &'a str,
}

/// The counts, and what the two metas say.
#[derive(Default)]
pub struct Summary {
    pub changed: u64,
    pub unchanged: u64,
    pub added: u64,
    pub removed: u64,
    /// Employees whose status or recommended grade differs, plus those in one run only.
    pub decisions_moved: u64,
    pub old: FileFacts,
    pub new: FileFacts,
    pub fields_only_in_old: Vec<String>,
    pub fields_only_in_new: Vec<String>,
}

#[derive(Default)]
pub struct FileFacts {
    pub path: String,
    pub kind: Option<Kind>,
    pub meta: Option<RunMeta>,
}

/// Whether a property of the run changed, as far as the two files can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Same(String),
    Changed(String, String),
    /// Why it cannot be told.
    Unknown(String),
}

impl Summary {
    fn verdict(&self, what: &str, get: impl Fn(&RunMeta) -> Option<String>) -> Verdict {
        let side = |f: &FileFacts, label: &str| match (&f.meta, f.kind) {
            (Some(m), _) => get(m).ok_or_else(|| format!("{label}'s meta has no {what}")),
            (None, Some(k)) => Err(format!("{label} is {}, which has no meta", k.as_str())),
            (None, None) => Err(format!("{label} has no meta")),
        };
        match (side(&self.old, "OLD"), side(&self.new, "NEW")) {
            (Ok(a), Ok(b)) if a == b => Verdict::Same(a),
            (Ok(a), Ok(b)) => Verdict::Changed(a, b),
            (Err(e), _) | (_, Err(e)) => Verdict::Unknown(e),
        }
    }

    pub fn scheme(&self) -> Verdict {
        self.verdict("scheme hash", |m| m.scheme_sha256.clone())
    }

    pub fn inputs(&self) -> Verdict {
        self.verdict("input hashes", |m| m.inputs.as_ref().map(|i| i.join(" ")))
    }

    pub fn as_of(&self) -> Verdict {
        self.verdict("as-of date", |m| m.as_of.clone())
    }

    pub fn scheme_ids(&self) -> Verdict {
        self.verdict("scheme id", |m| m.scheme.clone())
    }
}

/// One run being read.
struct Side {
    rx: Receiver<Msg>,
    queue: std::vec::IntoIter<Record>,
    done: bool,
    facts: FileFacts,
    /// Records waiting for their partner, by (id, occurrence), with their place in the file.
    pending: HashMap<(Box<str>, u32), (u64, Record)>,
    read: u64,
    /// Which fields this file's records have (by field number), told by the reader at the end.
    fields: Vec<bool>,
}

impl Side {
    fn start(path: &str, names: &SharedNames) -> Side {
        // A few batches in flight: enough to keep both readers busy, little memory.
        let (tx, rx) = sync_channel(4);
        let (thread_path, thread_names) = (path.to_string(), Arc::clone(names));
        std::thread::spawn(move || read::read(&thread_path, thread_names, tx));
        Side {
            rx,
            queue: Vec::new().into_iter(),
            done: false,
            facts: FileFacts { path: path.to_string(), ..FileFacts::default() },
            pending: HashMap::new(),
            read: 0,
            fields: Vec::new(),
        }
    }

    fn next(&mut self) -> Result<Option<Record>> {
        loop {
            if let Some(r) = self.queue.next() {
                self.read += 1;
                return Ok(Some(r));
            }
            if self.done {
                return Ok(None);
            }
            match self.rx.recv() {
                Ok(Msg::Kind(k)) => self.facts.kind = Some(k),
                Ok(Msg::Meta(m)) => self.facts.meta = Some(m),
                Ok(Msg::Records(batch)) => self.queue = batch.into_iter(),
                Ok(Msg::Present(fields)) => self.fields = fields,
                Ok(Msg::Failed(message)) => return Err(anyhow::anyhow!(message).into()),
                // A reader thread that ended without `End` panicked; say so rather than claim a short file is whole.
                Err(_) => return Err(anyhow::anyhow!("{}: reading stopped unexpectedly", self.facts.path).into()),
                Ok(Msg::End) => self.done = true,
            }
        }
    }

    fn has_field(&self, f: u16) -> bool {
        self.fields.get(usize::from(f)).copied().unwrap_or(false)
    }
}

/// Compares the two runs and writes the report to `out`.
pub fn run(req: &Request, out: &mut dyn Write) -> Result<Exit> {
    let names: SharedNames = Arc::new(Mutex::new(Names::new()));
    let mut old = Side::start(&req.old, &names);
    let mut new = Side::start(&req.new, &names);
    let mut w = write::Writer::begin(req.format, out)?;
    let mut summary = Summary::default();
    let status = field_no(&names, "status");
    let grade = field_no(&names, "recommended_grade");
    let mut cmp = Comparer { names: &names, scratch: Vec::new(), status, grade };
    loop {
        let a = old.next()?;
        let b = new.next()?;
        match (a, b) {
            (None, None) => break,
            (Some(a), Some(b)) if a.id == b.id && a.occurrence == b.occurrence => cmp.pair(&a, &b, &mut summary, &mut w)?,
            (a, b) => {
                // A waiting record's id lives in the map's key only (put back if it is never matched).
                if let Some(mut a) = a {
                    match new.pending.remove(&(a.id.clone(), a.occurrence)) {
                        Some((_, b)) => cmp.pair(&a, &b, &mut summary, &mut w)?,
                        None => {
                            old.pending.insert((std::mem::take(&mut a.id), a.occurrence), (old.read, a));
                        }
                    }
                }
                if let Some(mut b) = b {
                    match old.pending.remove(&(b.id.clone(), b.occurrence)) {
                        Some((_, a)) => cmp.pair(&a, &b, &mut summary, &mut w)?,
                        None => {
                            new.pending.insert((std::mem::take(&mut b.id), b.occurrence), (new.read, b));
                        }
                    }
                }
            }
        }
    }
    // What still waits is in one run only; reported in file order.
    let names = names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for (pending, removed) in [(std::mem::take(&mut old.pending), true), (std::mem::take(&mut new.pending), false)] {
        let mut left: Vec<(u64, Record)> = pending
            .into_iter()
            .map(|((id, _), (seq, mut r))| {
                r.id = id;
                (seq, r)
            })
            .collect();
        left.sort_unstable_by_key(|(seq, _)| *seq);
        for (_, r) in &left {
            let status = r.get(status).unwrap_or("");
            if removed {
                summary.removed += 1;
                w.removed(r, status)?;
            } else {
                summary.added += 1;
                w.added(r, status)?;
            }
            summary.decisions_moved += 1;
        }
    }
    let count = old.fields.len().max(new.fields.len());
    for f in 0..count {
        let f = u16::try_from(f).unwrap_or(u16::MAX);
        match (old.has_field(f), new.has_field(f)) {
            (true, false) => summary.fields_only_in_old.push(names.name(f).to_string()),
            (false, true) => summary.fields_only_in_new.push(names.name(f).to_string()),
            _ => {}
        }
    }
    summary.old = std::mem::take(&mut old.facts);
    summary.new = std::mem::take(&mut new.facts);
    w.end(&summary)?;
    Ok(if req.exit_code && summary.decisions_moved > 0 { Exit::Changed } else { Exit::Ok })
}

fn field_no(names: &SharedNames, name: &str) -> u16 {
    let names = names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Both are among the fields every `Names` starts with.
    names.find(name).unwrap_or(u16::MAX)
}

struct Comparer<'n> {
    names: &'n SharedNames,
    /// The old record's values by field number, reused from pair to pair.
    scratch: Vec<Option<(u32, u32)>>,
    status: u16,
    grade: u16,
}

impl Comparer<'_> {
    /// Compares the fields the two records both have.
    fn pair(&mut self, a: &Record, b: &Record, summary: &mut Summary, w: &mut write::Writer) -> Result<()> {
        if same(a, b) {
            summary.unchanged += 1;
            return Ok(());
        }
        self.pair_plain(a, b, summary, w)
    }

    /// [`Comparer::pair`] for any two records: fields matched by number, in any order.
    fn pair_plain(&mut self, a: &Record, b: &Record, summary: &mut Summary, w: &mut write::Writer) -> Result<()> {
        let olds: Vec<(u16, &str)> = a.fields().collect();
        self.scratch.clear();
        for (i, (f, _)) in olds.iter().enumerate() {
            let f = usize::from(*f);
            if f >= self.scratch.len() {
                self.scratch.resize(f + 1, None);
            }
            self.scratch[f] = Some((i as u32, 0));
        }
        let mut changes: Vec<(u16, &str, &str)> = Vec::new();
        for (f, new_value) in b.fields() {
            if let Some(Some((i, _))) = self.scratch.get(usize::from(f)) {
                let old_value = olds[*i as usize].1;
                if old_value != new_value {
                    changes.push((f, old_value, new_value));
                }
            }
        }
        if changes.is_empty() {
            summary.unchanged += 1;
            return Ok(());
        }
        summary.changed += 1;
        if changes.iter().any(|(f, _, _)| *f == self.status || *f == self.grade) {
            summary.decisions_moved += 1;
        }
        let names = self.names.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let changes: Vec<Change> = changes.iter().map(|&(f, old, new)| Change { field: names.name(f), old, new }).collect();
        // One of the two came from a map, without its id.
        w.changed(if b.id.is_empty() { a } else { b }, &changes)?;
        Ok(())
    }
}

/// The common case, told without allocating: the same fields in the same
/// order, each once (numbers rising), with the same values. Anything else
/// (a difference, another order, a repeated field) is left to `pair_plain`.
fn same(a: &Record, b: &Record) -> bool {
    let mut last = None;
    let mut bs = b.fields();
    for (f, old) in a.fields() {
        match bs.next() {
            Some((g, new)) if g == f && new == old && last < Some(f) => last = Some(f),
            _ => return false,
        }
    }
    bs.next().is_none()
}
