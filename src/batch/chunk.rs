//! The streaming reader's unit of work: a chunk of whole records cut from
//! the file, its blocks parsed in parallel, and the pipeline that runs a
//! pass over the chunks (read the next, evaluate this one, hand on the
//! last) in input order.

use crate::input::cells::Cells;
use crate::input::split::{parse_block_where, BadKind, BadRecord, BlockReader, Cutter, RawChunk};
use anyhow::{Context, Result};
use indicatif::ProgressBar;
use rayon::prelude::*;

/// Pass 1: whole records cut from the file, and the records of each block
/// once parsed. The records are reused from chunk to chunk (a record's
/// buffers outlive the row made of it), so reading does not allocate once
/// the first chunks are in.
#[derive(Default)]
pub struct Chunk {
    pub raw: RawChunk,
    /// Each block's reader and records.
    pub blocks: Vec<ParsedBlock>,
}

/// A block's reader and the records read from it (line, cells).
pub type ParsedBlock = (BlockReader, Vec<(u64, Cells)>);

impl Chunk {
    /// Cuts the next chunk of records from `cutter` into this one: how far
    /// into the file it got (for the progress bar), None at the end. The
    /// `fill` of [`for_each_chunk`] for every pass that reads the file.
    pub fn fill_from<R: std::io::Read>(&mut self, cutter: &mut Cutter<R>, display: &str) -> Result<Option<u64>> {
        let more = cutter.next_chunk(&mut self.raw).with_context(|| format!("{display}: cannot read the file"))?;
        Ok(more.then(|| self.raw.offset + self.raw.bytes.len() as u64))
    }

    /// Parses the chunk's blocks in parallel, each into its records; the
    /// first problem in the file's order, as a serial reading would meet it.
    pub fn parse_blocks(&mut self, display: &str) -> Result<&mut [ParsedBlock]> {
        self.parse_blocks_where(display, |_| true)
    }

    /// [`Chunk::parse_blocks`], keeping only the records on lines `keep` accepts.
    pub fn parse_blocks_where(&mut self, display: &str, keep: impl Fn(u64) -> bool + Sync) -> Result<&mut [ParsedBlock]> {
        let Chunk { raw, blocks } = self;
        if blocks.len() < raw.blocks.len() {
            blocks.resize_with(raw.blocks.len(), Default::default);
        }
        let blocks = &mut blocks[..raw.blocks.len()];
        let parsed: Vec<Result<(), BadRecord>> = raw
            .blocks
            .par_iter()
            .zip(blocks.par_iter_mut())
            .map(|(block, (reader, records))| parse_block_where(reader, &raw.bytes[block.start..block.end], block.line, records, &keep))
            .collect();
        if let Some(bad) = parsed.into_iter().find_map(Result::err) {
            return Err(bad_record(bad, display));
        }
        Ok(blocks)
    }
}

/// A record that is not UTF-8; `Source::located` turns it into the message
/// with line, column and a hint, as for a file checked before reading.
#[derive(Debug)]
struct RecordNotUtf8 {
    display: String,
    line: u64,
    field: usize,
}

impl std::fmt::Display for RecordNotUtf8 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: line {}: field {}: not valid UTF-8; if the file was saved by Excel on a Chinese system, try --encoding gbk",
            self.display,
            self.line,
            self.field + 1
        )
    }
}

impl std::error::Error for RecordNotUtf8 {}

/// The error for a record of a block that cannot be read.
fn bad_record(bad: BadRecord, display: &str) -> anyhow::Error {
    match bad.problem {
        BadKind::NotUtf8 { field } => anyhow::Error::new(RecordNotUtf8 { display: display.to_string(), line: bad.line, field }),
        BadKind::Csv(_) | BadKind::OpenQuote { .. } => anyhow::anyhow!("{}", bad.message(display)),
    }
}

/// How the allocator hands freed memory back to the system at once, set by
/// the binary, which chooses the allocator ([`set_release_freed_memory`]).
static RELEASE_FREED_MEMORY: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Sets what [`release_freed_memory`] runs on each thread (once; later calls change nothing).
pub fn set_release_freed_memory(release: fn()) {
    let _ = RELEASE_FREED_MEMORY.set(release);
}

/// Once a pass has dropped its id set (tens of MB), every thread of the
/// pool and the calling thread hand back what was freed of their memory.
/// The set was allocated by the pool thread that ran the pass's sink and
/// freed on the calling thread: mimalloc keeps such memory until the
/// owning thread allocates again and a purge delay has passed, and
/// meanwhile the next phase's memory came on top of it (`what-if` of a
/// million rows peaked at 46–48 MB against `explain`'s 43). Does nothing
/// when no release was set (the library's tests).
pub fn release_freed_memory() {
    if let Some(release) = RELEASE_FREED_MEMORY.get() {
        rayon::broadcast(|_| release());
        release();
    }
}

/// Runs `work` over chunks in a pipeline: while the pool evaluates chunk N
/// and `fill`s chunk N+1, it also hands the results of chunk N−1 to `sink`
/// (in order). The sink runs as one of the pool's tasks, not on the calling
/// thread: a third busy thread on two cores had the pool's threads
/// preempted in the middle of their work (−4 % wall time at 1M rows).
/// `fill` returns how far it got (for the progress bar), or None when
/// there was nothing left to read.
pub fn for_each_chunk<C: Default + Send, T: Send>(
    progress: &ProgressBar,
    mut fill: impl FnMut(&mut C) -> Result<Option<u64>> + Send,
    work: impl Fn(&mut C) -> T + Sync,
    mut sink: impl FnMut(T) -> Result<()> + Send,
) -> Result<()> {
    // The whole loop is one task of the pool, so that going from one chunk
    // to the next does not wait for this thread to wake up.
    rayon::scope(|_| {
        let (mut current, mut next) = (C::default(), C::default());
        let mut more = fill(&mut current)?.is_some();
        let mut pending: Option<T> = None;
        while more {
            let mut evaluated = None;
            let sunk = rayon::in_place_scope(|scope| {
                scope.spawn(|_| evaluated = Some(rayon::join(|| fill(&mut next), || work(&mut current))));
                pending.take().map_or(Ok(()), &mut sink)
            });
            sunk?;
            let (read, done) = evaluated.expect("a scope ends when its tasks do");
            pending = Some(done);
            let read = read?;
            if let Some(at) = read {
                progress.set_position(at);
            }
            more = read.is_some();
            std::mem::swap(&mut current, &mut next);
        }
        pending.map_or(Ok(()), sink)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static RELEASED: AtomicUsize = AtomicUsize::new(0);

    #[test]
    fn freed_memory_is_released_on_every_pool_thread_and_the_caller() {
        release_freed_memory(); // nothing set yet: nothing runs
        assert_eq!(RELEASED.load(Ordering::SeqCst), 0);
        set_release_freed_memory(|| {
            RELEASED.fetch_add(1, Ordering::SeqCst);
        });
        release_freed_memory();
        // At least (a batch of another test may release at the same time).
        assert!(RELEASED.load(Ordering::SeqCst) > rayon::current_num_threads());
    }
}
