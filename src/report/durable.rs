//! Report files written so that no reader sees half of one and a finished
//! run's file survives a crash: a temporary file beside the target, made
//! durable (`fsync`), then renamed over it.
//!
//! Making hundreds of megabytes durable only at the end would leave the
//! run waiting for all of it; a helper thread asks for what has been
//! written so far to be written back every [`SYNC_STEP`] bytes, so the
//! disk works while the evaluation does and the last sync waits only for
//! the tail.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::thread::JoinHandle;

/// Bytes written between two requests to write back.
#[cfg(not(test))]
const SYNC_STEP: u64 = 32 << 20;
/// Small in unit tests, so a small report goes through several write-backs.
#[cfg(test)]
const SYNC_STEP: u64 = 1 << 16;

/// Writes to a temporary file beside `path`, then renames it over `path`, so
/// a reader never sees half a report and a failed run leaves the old file.
pub fn write_atomically<T>(path: &str, write: impl FnOnce(&mut (dyn Write + Send)) -> Result<T>) -> Result<T> {
    let target = std::path::Path::new(path);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut temp =
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("{path}: cannot create a temporary file in {}", dir.display()))?;
    let value = {
        let file = temp.as_file_mut();
        let mut out = std::io::BufWriter::with_capacity(1 << 16, SyncAhead::new(file)?);
        let value = write(&mut out)?;
        out.flush().with_context(|| format!("{path}: cannot write"))?;
        let ahead = out.into_inner().map_err(|e| e.into_error()).with_context(|| format!("{path}: cannot write"))?;
        ahead.finish().with_context(|| format!("{path}: cannot write"))?;
        value
    };
    temp.as_file().sync_all().with_context(|| format!("{path}: cannot write"))?;
    // The temporary file is private (0600); the report gets the permissions
    // of the file it replaces, or those of a newly created file.
    let permissions = std::fs::metadata(target).map(|m| m.permissions()).ok().or_else(|| new_file_permissions(dir));
    if let Some(p) = permissions {
        temp.as_file().set_permissions(p).with_context(|| format!("{path}: cannot set permissions"))?;
    }
    temp.persist(target).with_context(|| format!("{path}: cannot replace the file"))?;
    Ok(value)
}

/// A file writer whose helper thread writes back what has been written so
/// far, every `SYNC_STEP` bytes (one request at a time: if the helper is
/// still busy, the request waits for the next step).
struct SyncAhead<'f> {
    file: &'f mut File,
    written: u64,
    next_request: u64,
    requests: Option<SyncSender<()>>,
    helper: Option<JoinHandle<io::Result<()>>>,
}

impl<'f> SyncAhead<'f> {
    fn new(file: &'f mut File) -> io::Result<SyncAhead<'f>> {
        let clone = file.try_clone()?;
        let (requests, received) = sync_channel::<()>(1);
        let helper = std::thread::Builder::new().name("ladder-sync".into()).spawn(move || {
            // Every request is served, so an error is never missed.
            for () in received {
                clone.sync_data()?;
            }
            Ok(())
        })?;
        Ok(SyncAhead { file, written: 0, next_request: SYNC_STEP, requests: Some(requests), helper: Some(helper) })
    }

    /// Waits for the helper; a write-back that failed is this file's error.
    fn finish(mut self) -> io::Result<()> {
        self.stop()
    }

    fn stop(&mut self) -> io::Result<()> {
        drop(self.requests.take());
        match self.helper.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the thread writing the file back stopped")),
            None => Ok(()),
        }
    }
}

impl Write for SyncAhead<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written >= self.next_request {
            self.next_request = self.written + SYNC_STEP;
            if let Some(requests) = &self.requests {
                match requests.try_send(()) {
                    Ok(()) | Err(TrySendError::Full(())) => {}
                    // The helper stopped on an error: report it now.
                    Err(TrySendError::Disconnected(())) => self.stop()?,
                }
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for SyncAhead<'_> {
    /// A run that failed still waits for the helper (it holds the file open).
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The permissions a file newly created in `dir` gets (0666 less the umask):
/// the umask can only be read by changing it, so a scratch file shows it.
#[cfg(unix)]
fn new_file_permissions(dir: &std::path::Path) -> Option<std::fs::Permissions> {
    let probe = tempfile::Builder::new().prefix(".ladder-umask-").tempfile_in(dir).ok()?;
    let path = probe.path().to_path_buf();
    drop(probe); // removes it; recreate with the default mode
    let mode = std::fs::File::create(&path).and_then(|f| f.metadata()).map(|m| m.permissions());
    let _ = std::fs::remove_file(&path);
    mode.ok()
}

#[cfg(not(unix))]
fn new_file_permissions(_dir: &std::path::Path) -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_written_whole_across_many_write_backs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        // Three and a half steps, in odd-sized writes.
        let bytes: Vec<u8> = (0..SYNC_STEP as usize * 7 / 2).map(|i| (i % 251) as u8).collect();
        write_atomically(path.to_str().unwrap(), |out| {
            for piece in bytes.chunks(100_003) {
                out.write_all(piece)?;
            }
            Ok(())
        })
        .unwrap();
        assert!(std::fs::read(&path).unwrap() == bytes);
    }

    #[test]
    fn a_failed_run_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let failed: Result<()> = write_atomically(path.to_str().unwrap(), |out| {
            out.write_all(&vec![b'x'; SYNC_STEP as usize + 1])?;
            anyhow::bail!("row 7 is bad")
        });
        assert_eq!(failed.unwrap_err().to_string(), "row 7 is bad");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "the temporary file is gone");
    }
}
