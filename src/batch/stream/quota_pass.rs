//! The quota pass (SPEC §8.4), between pass 1 and pass 2 when the scheme
//! has quotas: the rows pass 1 left waiting (their verdict reads a rank)
//! decided once every composite is counted, added to what pass 1 counted,
//! and the queue allocated; with a `what-if` change, the queue of the file
//! as changed too, in the same read.

use super::{has_queue, read_back, read_kept, Change, Counted, KeptChunk, QueueSoFar, Ranked, Run};
use crate::batch::chunk::for_each_chunk;
use crate::batch::cohorts::{hundredths, CohortKey};
use crate::batch::memory::{duplicate_error, Batch};
use crate::batch::quota::{Allocation, Collector, Noted};
use crate::figures::Figures;
use crate::input::cells::Cells;
use crate::input::records::{parse_row, Row};
use anyhow::{bail, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::sync::atomic::{AtomicU64, Ordering};

/// The quota pass (SPEC §8.4), only with quotas: going on from what pass 1
/// noted (`queue`), every kept row it left waiting decided once more,
/// keeping of each only what allocation needs (head counts, and of a
/// candidate its order keys, options and groups), then allocated.
/// Quotas do not apply to placement (placing is not promoting).
/// With a `what-if` change, also the queue of the file as changed, in the
/// same read: the changed record is evaluated whole, and every other row
/// ranked as if the employee had moved (`Cohorts::standing_moved`); its
/// verdict is asked again only when that moves its standing.
pub(super) fn allocate(run: &Run, counted: &Counted, queue: Option<QueueSoFar>, change: Option<&Change>) -> Result<Option<Allocations>> {
    let req = run.req;
    let scheme = req.scheme;
    let Some(QueueSoFar { tally, waiting, mut spool }) = queue.filter(|_| has_queue(req)) else { return Ok(None) };
    // The row index of the temporary file's k-th row.
    let waiting_rows: Vec<u64> = waiting.ones().map(|i| i as u64).collect();
    let row_index = |k: u64| waiting_rows.get(k as usize).copied();
    // The row a change is made to is noted here, as it is and as changed.
    if change.is_some_and(|c| !waiting.contains(c.index as usize)) {
        bail!("internal error: the changed row was noted for the quota queue before the change");
    }
    // The rows read here are counted apart, then added to what pass 1
    // noted. With a change, the queue of the file as changed is counted in
    // the same read; a row pass 1 noted counts the same in it (its verdict
    // read no rank), so it starts from a copy of pass 1's tally, made once
    // this read is done: made before, it came on top of pass 1's id set,
    // just freed but not yet given back (5 MB more at the peak on a million).
    let mut collector = Collector::new(scheme);
    let mut collector_after = change.map(|_| Collector::new(scheme));
    let index = AtomicU64::new(0);
    let noter = collector.noter();
    let changed = change.map(|c| changed_record(run, counted, c));
    // Where the changed record ranks now.
    let to = changed.as_ref().and_then(|c| Some((&c.key, hundredths(c.composite?)?)));
    let rank = |key: &CohortKey, composite, band| counted.cohorts.standing(scheme, key, composite, band);
    // The changed file ranks every row as if the employee had moved.
    let rank_after = |c: &Change, key: &CohortKey, composite, band| counted.cohorts.standing_moved(scheme, key, composite, band, c.was, to);
    let changed: Option<(u64, Option<Noted>)> = change.zip(changed.as_ref()).map(|(c, ChangedRecord { row, figures, key, composite })| {
        let standing = composite.zip(figures.as_ref()).and_then(|(composite, f)| rank_after(c, key, composite, f.band));
        let verdict = run.batch.verdict(row, figures.as_ref(), standing);
        (c.index, noter.note(c.index, run.batch.layout, row, *composite, req.as_of, &verdict))
    });
    // Each row noted for the queue as the file is, and (with a change) as changed.
    type Both = (Option<Noted>, Option<Noted>);
    let evaluate = |chunk: &mut KeptChunk| -> Result<Vec<Both>> {
        let KeptChunk { kept: rows, cells } = chunk;
        cells.resize_with(rows.len(), Cells::default);
        let first = index.fetch_add(rows.len() as u64, Ordering::SeqCst);
        let text = rows.text().ok();
        let noted: Vec<Result<Both>> = rows
            .rows()
            .zip(cells.par_iter_mut())
            .enumerate()
            // A worker's figures are decoded into the lists of its last row's (not new ones a row).
            .map_init(Figures::default, |spare, (i, ((record, cells_text), cells))| {
                let index = row_index(first + i as u64)
                    .ok_or_else(|| anyhow::anyhow!("the temporary file of pass 1 has more rows than it kept"))?;
                let kept_row = run.kept.read_row(record, text.and_then(|t| t.get(cells_text)), cells)?;
                let (batch, mut row, mut figures, Ranked { key, standing }) =
                    read_back(run, counted, &rank, index, kept_row, std::mem::take(cells), std::mem::take(spare));
                // Only whether it promotes, and into what: not the texts of what failed.
                let verdict = batch.verdict(&row, figures.as_ref(), standing);
                let composite = figures.as_ref().and_then(|f| f.composite);
                let noted = noter.note(index, batch.layout, &row, composite, req.as_of, &verdict);
                let noted_after = match (change, &changed) {
                    (Some(_), Some((at, changed))) if *at == index => changed.clone(),
                    (Some(c), _) => {
                        // Another row's verdict moves only with its standing (its cohort as read back).
                        let moved = match (&key, figures.as_ref()) {
                            (Some(key), Some(f)) => f.composite.and_then(|m| rank_after(c, key, m, f.band)),
                            _ => None,
                        };
                        match moved == standing {
                            true => noted.clone(),
                            false => {
                                noter.note(index, batch.layout, &row, composite, req.as_of, &batch.verdict(&row, figures.as_ref(), moved))
                            }
                        }
                    }
                    (None, _) => None,
                };
                *cells = std::mem::take(&mut row.cells);
                if let Some(figures) = figures.take() {
                    *spare = figures;
                }
                Ok((noted, noted_after))
            })
            .collect();
        noted.into_iter().filter(|n| !matches!(n, Ok((None, None)))).collect()
    };
    // Counted chunk by chunk: only the candidates are kept.
    for_each_chunk(
        &ProgressBar::hidden(),
        |chunk| read_kept(&mut spool, chunk),
        evaluate,
        |noted| {
            for (before, after) in noted? {
                if let Some(n) = before {
                    collector.add_noted(n);
                }
                if let (Some(collector), Some(n)) = (collector_after.as_mut(), after) {
                    collector.add_noted(n);
                }
            }
            Ok(())
        },
    )?;
    let (read, kept) = (index.load(Ordering::SeqCst), waiting_rows.len() as u64);
    if read != kept {
        bail!("the temporary file of pass 1 does not read back: pass 1 kept {kept} rows, the quota pass read {read}");
    }
    let after = collector_after.map(|waiting| {
        let mut after = tally.clone();
        after.merge(waiting.into_tally());
        Collector::resume(scheme, after).allocate()
    });
    let mut before = tally;
    before.merge(collector.into_tally());
    Ok(Some(Allocations { before: Collector::resume(scheme, before).allocate(), after }))
}

/// The queue of the file, and with a change the queue of the file as changed.
pub(super) struct Allocations {
    pub(super) before: Allocation,
    pub(super) after: Option<Allocation>,
}

/// The record `what-if` changed, evaluated whole with the changed scores.
struct ChangedRecord {
    row: Row,
    figures: Option<Figures>,
    key: CohortKey,
    /// None when it is not ranked (in error, or no composite).
    composite: Option<Decimal>,
}

fn changed_record(run: &Run, counted: &Counted, c: &Change) -> ChangedRecord {
    let req = run.req;
    let batch = Batch { long: c.long, ..run.batch };
    let mut row = parse_row(req.scheme, batch.layout, c.line, c.cells.clone(), req.as_of);
    if let Some(first_line) = counted.duplicates.get(&c.index) {
        row.errors.push(duplicate_error(&row.id, *first_line));
    }
    let figures = batch.figures(&mut row);
    let key = CohortKey::of(req.scheme, batch.layout, &row);
    let composite = figures.as_ref().filter(|_| row.errors.is_empty()).and_then(|f| f.composite);
    ChangedRecord { row, figures, key, composite }
}
