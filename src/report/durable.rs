//! Where output goes, and how it gets there without destroying anything.
//!
//! - `--output FILE`: a temporary file beside the target, made durable
//!   (`fsync`), then renamed over it, so no reader sees half a report and a
//!   failed or interrupted run (SIGINT, SIGTERM, SIGHUP) leaves the old file
//!   and no temporary one. Through a symlink, the link's target is replaced
//!   and the link stays. A FIFO, a device or `-` is written straight into.
//! - Standard output and every output file are watched: a failed write
//!   (a closed pipe, a full disk) becomes a [`WriteFailed`] naming the
//!   target, which `cli::main` turns into an exit status, never a panic.
//! - Messages on stderr go through [`stderr_line`], which ignores a stderr
//!   that cannot be written (`eprintln!` panics there).
//!
//! Making hundreds of megabytes durable only at the end would leave the
//! run waiting for all of it; a helper thread asks for what has been
//! written so far to be written back every [`SYNC_STEP`] bytes, so the
//! disk works while the evaluation does and the last sync waits only for
//! the tail.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

/// Bytes written between two requests to write back.
#[cfg(not(test))]
const SYNC_STEP: u64 = 32 << 20;
/// Small in unit tests, so a small report goes through several write-backs.
#[cfg(test)]
const SYNC_STEP: u64 = 1 << 16;

/// Symlinks followed from `--output` to the file replaced, as the kernel's own limit.
const MAX_LINKS: usize = 40;

/// A write to standard output or to the report that failed: the run cannot
/// have delivered its results.
#[derive(Debug)]
pub struct WriteFailed {
    /// `stdout`, or the path as the user gave it.
    pub target: String,
    pub kind: io::ErrorKind,
    message: String,
}

impl WriteFailed {
    pub fn new(target: &str, error: &io::Error) -> WriteFailed {
        let text = error.to_string();
        // "No space left on device (os error 28)": the number tells a user nothing.
        let message = match text.rfind(" (os error ") {
            Some(cut) if text.ends_with(')') => text[..cut].to_string(),
            _ => text,
        };
        WriteFailed { target: target.to_string(), kind: error.kind(), message }
    }
}

impl std::fmt::Display for WriteFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: cannot write: {}", self.target, self.message)
    }
}

impl std::error::Error for WriteFailed {}

/// A writer that remembers its first failure, so the failure is reported as
/// a failed write of this target whatever the code above did with the error
/// (wrapped it in a csv or json error, or only passed it on).
struct Watched<W> {
    inner: W,
    failure: Option<io::Error>,
}

impl<W: Write> Watched<W> {
    fn new(inner: W) -> Watched<W> {
        Watched { inner, failure: None }
    }

    fn watch<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            if e.kind() != io::ErrorKind::Interrupted && self.failure.is_none() {
                self.failure = Some(io::Error::new(e.kind(), e.to_string()));
            }
        }
        result
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.watch(result)
    }
}

/// Runs `write` on a buffered, watched `sink` and flushes it; a failed write
/// of the sink is the run's error, as a [`WriteFailed`] naming `target`.
/// Returns the sink, flushed, for what remains to be done with it.
fn write_watched<T, W: Write + Send>(target: &str, sink: W, write: impl FnOnce(&mut (dyn Write + Send)) -> Result<T>) -> Result<(T, W)> {
    let mut out = io::BufWriter::with_capacity(1 << 16, Watched::new(sink));
    let result = write(&mut out).and_then(|value| {
        out.flush()?;
        Ok(value)
    });
    if let Some(e) = out.get_mut().failure.take() {
        return Err(WriteFailed::new(target, &e).into());
    }
    let value = result?;
    let watched = out.into_inner().map_err(|e| WriteFailed::new(target, e.error()))?;
    Ok((value, watched.inner))
}

/// Writes to standard output through `write`, buffered and flushed: a closed
/// pipe or a full disk is a [`WriteFailed`] for `stdout`.
pub fn to_stdout<T>(write: impl FnOnce(&mut (dyn Write + Send)) -> Result<T>) -> Result<T> {
    // Not locked: `evaluate` writes its results from the pool's threads.
    write_watched("stdout", io::stdout(), write).map(|(value, _)| value)
}

/// Prints one line on stderr. A stderr that is closed or full cannot carry
/// the message, and there is nowhere else to say so: the failure is ignored
/// (the exit status still tells).
pub fn stderr_line(line: impl std::fmt::Display) {
    // Cells of the input are in notes and errors: never raw controls on a terminal.
    let _ = writeln!(io::stderr().lock(), "{}", crate::terminal::safe(&line.to_string()));
}

/// Where `--output` sends the report.
#[derive(Debug, PartialEq, Eq)]
pub enum Destination {
    /// `-`, `/dev/stdout`, `/dev/fd/1`: this process's standard output, as it is
    /// (a file opened for appending stays appended to).
    Stdout,
    /// A FIFO, a device, a socket: written into, never replaced.
    Stream(PathBuf),
    /// A regular file, or nothing yet: replaced atomically. The path is the
    /// end of any chain of symlinks, so the link stays a link.
    Replace(PathBuf),
}

/// Decides where `--output PATH` goes, before anything is read. A directory,
/// or a chain of symlinks that does not end, is a usage error (the message).
pub fn destination(path: &str) -> Result<Destination, String> {
    if matches!(path, "-" | "/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") {
        return Ok(Destination::Stdout);
    }
    let mut at = PathBuf::from(path);
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&at).map_err(|e| format!("--output `{path}`: cannot read the link {}: {e}", at.display()))?;
                // A relative link is relative to the directory holding it.
                at = match at.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            Ok(m) if m.is_dir() => return Err(format!("--output `{path}` is a directory; it must name a file")),
            Ok(m) if m.is_file() => return Ok(Destination::Replace(at)),
            Ok(_) => return Ok(Destination::Stream(at)),
            // Nothing there yet: its directory must be, or no report can be written there.
            Err(_) => {
                missing_directory(path, &at)?;
                return Ok(Destination::Replace(at));
            }
        }
    }
    Err(format!("--output `{path}`: more than {MAX_LINKS} symbolic links in a row (a loop?)"))
}

/// The directory a new file `at` would go into, when that is missing or no
/// directory: said by its name (not by the temporary file's, issue 13 item 9).
fn missing_directory(path: &str, at: &Path) -> Result<(), String> {
    let dir = match at.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => return Ok(()),
    };
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(format!("--output `{path}`: `{}` is not a directory", dir.display())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Err(format!("--output `{path}`: the directory `{}` does not exist; create it first", dir.display()))
        }
        // Not ours to look at (permissions): writing the file will say.
        Err(_) => Ok(()),
    }
}

/// Writes the report for `--output PATH` to `destination` (from [`destination`]).
pub fn write_output<T>(path: &str, destination: &Destination, write: impl FnOnce(&mut (dyn Write + Send)) -> Result<T>) -> Result<T> {
    match destination {
        Destination::Stdout => write_watched(if path == "-" { "stdout" } else { path }, io::stdout(), write).map(|(value, _)| value),
        Destination::Stream(at) => {
            // No truncation: a FIFO or a device has nothing to truncate.
            let file = std::fs::OpenOptions::new().write(true).open(at).with_context(|| format!("{path}: cannot open for writing"))?;
            // Not synced: a pipe or a device has nothing to make durable.
            write_watched(path, file, write).map(|(value, _)| value)
        }
        Destination::Replace(at) => write_atomically_as(path, at, write),
    }
}

/// The identity of an existing file, to tell whether two paths name it:
/// its canonical path and, on Unix, its device and inode (hard links too).
#[derive(Debug)]
pub struct FileId {
    canonical: Option<PathBuf>,
    #[cfg(unix)]
    dev_ino: (u64, u64),
}

impl FileId {
    /// The file `path` names after every symlink; None when there is none.
    pub fn of(path: &Path) -> Option<FileId> {
        let meta = std::fs::metadata(path).ok()?;
        Some(FileId::from_meta(std::fs::canonicalize(path).ok(), &meta))
    }

    /// The file open as standard input, when it is a regular file.
    #[cfg(unix)]
    pub fn of_stdin() -> Option<FileId> {
        use std::os::fd::AsFd;
        let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
        let meta = File::from(fd).metadata().ok()?;
        meta.is_file().then(|| FileId::from_meta(None, &meta))
    }

    #[cfg(not(unix))]
    pub fn of_stdin() -> Option<FileId> {
        None
    }

    #[cfg_attr(not(unix), allow(unused_variables))]
    fn from_meta(canonical: Option<PathBuf>, meta: &std::fs::Metadata) -> FileId {
        FileId {
            canonical,
            #[cfg(unix)]
            dev_ino: {
                use std::os::unix::fs::MetadataExt;
                (meta.dev(), meta.ino())
            },
        }
    }

    pub fn same(&self, other: &FileId) -> bool {
        #[cfg(unix)]
        if self.dev_ino == other.dev_ino {
            return true;
        }
        matches!((&self.canonical, &other.canonical), (Some(a), Some(b)) if a == b)
    }
}

/// Temporary files that a signal must not leave behind.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // A poisoned list still lists the files.
    PENDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// On SIGINT, SIGTERM or SIGHUP: remove the pending temporary files, then
/// exit with 128 + the signal, as a shell shows a process the signal ended.
/// The handler holds the list's lock to the end, so a rename that holds it
/// either finishes first (the report is whole) or never starts.
fn handle_signals() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        // Without the handler a signal still ends the run and the old report
        // stays; only the temporary file would be left.
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
        let _ = std::thread::Builder::new().name("ladder-signals".into()).spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let files = pending();
                for f in files.iter() {
                    let _ = std::fs::remove_file(f);
                }
                std::process::exit(128 + signal);
            }
        });
    });
}

/// A temporary file listed in [`PENDING`] for as long as it exists.
struct PendingFile {
    temp: Option<tempfile::NamedTempFile>,
}

impl PendingFile {
    fn new_in(dir: &Path) -> io::Result<PendingFile> {
        handle_signals();
        // Created and listed under the lock: a signal cannot come between.
        let mut list = pending();
        let temp = tempfile::NamedTempFile::new_in(dir)?;
        list.push(temp.path().to_path_buf());
        Ok(PendingFile { temp: Some(temp) })
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.temp.as_mut().map(tempfile::NamedTempFile::as_file_mut).ok_or_else(|| io::Error::other("the temporary file is gone"))
    }

    fn persist(mut self, target: &Path) -> io::Result<()> {
        let mut list = pending();
        let Some(temp) = self.temp.take() else { return Err(io::Error::other("the temporary file is gone")) };
        let at = temp.path().to_path_buf();
        // On failure the temporary file is dropped (removed) under the lock too.
        let result = temp.persist(target).map(drop).map_err(|e| e.error);
        list.retain(|p| p != &at);
        result
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let mut list = pending();
            let at = temp.path().to_path_buf();
            drop(temp);
            list.retain(|p| p != &at);
        }
    }
}

/// Writes to a temporary file beside `path`, then renames it over `path`, so
/// a reader never sees half a report and a failed run leaves the old file.
pub fn write_atomically<T>(path: &str, write: impl FnOnce(&mut (dyn Write + Send)) -> Result<T>) -> Result<T> {
    write_atomically_as(path, Path::new(path), write)
}

/// [`write_atomically`] to `target`, named `path` in messages (the path the
/// user gave, when `target` is the end of its symlinks).
fn write_atomically_as<T>(path: &str, target: &Path, write: impl FnOnce(&mut (dyn Write + Send)) -> Result<T>) -> Result<T> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // The directory is named, not the temporary file (tempfile's error carries its random name).
    let mut temp = PendingFile::new_in(dir).map_err(|e| {
        let why = match e.kind() {
            io::ErrorKind::NotFound => "the directory does not exist".to_string(),
            _ => WriteFailed::new(path, &io::Error::new(e.kind(), e.to_string().split(" at path ").next().unwrap_or_default())).message,
        };
        anyhow::anyhow!("{path}: cannot write into the directory `{}`: {why}", dir.display())
    })?;
    let value = {
        let (value, ahead) = write_watched(path, SyncAhead::new(temp.file()?)?, write)?;
        // A write-back that failed (the disk filled up) is this file's error.
        ahead.finish().map_err(|e| WriteFailed::new(path, &e))?;
        value
    };
    temp.file()?.sync_all().map_err(|e| WriteFailed::new(path, &e))?;
    // The temporary file is private (0600); the report gets the permissions
    // of the file it replaces, or those of a newly created file.
    let permissions = std::fs::metadata(target).map(|m| m.permissions()).ok().or_else(|| new_file_permissions(dir));
    if let Some(p) = permissions {
        temp.file()?.set_permissions(p).with_context(|| format!("{path}: cannot set permissions"))?;
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
    // Under the lock of the pending files: a signal waits until the probe is gone.
    let _signals_wait = pending();
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
    /// A writer that fails every write with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(self.0))
        }
    }

    #[test]
    fn a_failed_write_is_the_targets_failure_whatever_the_writer_made_of_it() {
        // The code above the writer swallowed the io error into its own.
        let failed = write_watched("report.csv", Failing(io::ErrorKind::StorageFull), |out| {
            out.write_all(&vec![b'x'; 1 << 17]).map_err(|_| anyhow::anyhow!("a row could not be printed"))
        })
        .map(|(v, _)| v)
        .unwrap_err();
        let w = failed.downcast_ref::<WriteFailed>().expect("a WriteFailed");
        assert_eq!(w.kind, io::ErrorKind::StorageFull);
        assert!(failed.to_string().starts_with("report.csv: cannot write: "), "{failed}");
        // Nothing reached the writer until the final flush: that failure counts too.
        let failed =
            write_watched("stdout", Failing(io::ErrorKind::BrokenPipe), |out| Ok(out.write_all(b"small")?)).map(|(v, _)| v).unwrap_err();
        assert_eq!(failed.downcast_ref::<WriteFailed>().map(|w| w.kind), Some(io::ErrorKind::BrokenPipe));
    }

    #[test]
    fn an_os_error_is_shown_without_its_number() {
        let e = WriteFailed::new("stdout", &io::Error::from_raw_os_error(28));
        assert_eq!(e.to_string(), "stdout: cannot write: No space left on device");
    }

    #[test]
    fn destinations() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let at = |name: &str| d.join(name).display().to_string();
        for stdout in ["-", "/dev/stdout", "/dev/fd/1"] {
            assert_eq!(destination(stdout), Ok(Destination::Stdout));
        }
        assert_eq!(destination(&at("new.csv")), Ok(Destination::Replace(d.join("new.csv"))));
        std::fs::create_dir(d.join("reports")).unwrap();
        assert!(destination(&at("reports")).unwrap_err().contains("is a directory"));
        std::fs::write(d.join("reports/a.csv"), "old").unwrap();
        std::os::unix::fs::symlink("reports/a.csv", d.join("link.csv")).unwrap();
        std::os::unix::fs::symlink(d.join("link.csv"), d.join("link2.csv")).unwrap();
        assert_eq!(destination(&at("link2.csv")), Ok(Destination::Replace(d.join("reports/a.csv"))));
        std::os::unix::fs::symlink("loop", d.join("loop")).unwrap();
        assert!(destination(&at("loop")).unwrap_err().contains("symbolic links in a row"));
        assert_eq!(destination("/dev/zero"), Ok(Destination::Stream("/dev/zero".into())));
    }

    #[test]
    fn a_report_through_a_symlink_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.csv"), "old").unwrap();
        std::os::unix::fs::symlink("a.csv", d.join("link.csv")).unwrap();
        let path = d.join("link.csv").display().to_string();
        write_output(&path, &destination(&path).unwrap(), |out| Ok(out.write_all(b"new")?)).unwrap();
        assert_eq!(std::fs::read_to_string(d.join("a.csv")).unwrap(), "new");
        assert!(std::fs::symlink_metadata(d.join("link.csv")).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 2, "no temporary file left");
    }

    #[test]
    fn one_file_under_many_names_is_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("a.csv"), "a").unwrap();
        std::fs::write(d.join("b.csv"), "a").unwrap();
        std::fs::hard_link(d.join("a.csv"), d.join("hard.csv")).unwrap();
        std::os::unix::fs::symlink("a.csv", d.join("soft.csv")).unwrap();
        let a = FileId::of(&d.join("a.csv")).unwrap();
        for same in ["hard.csv", "soft.csv", "./a.csv"] {
            assert!(FileId::of(&d.join(same)).unwrap().same(&a), "{same}");
        }
        assert!(!FileId::of(&d.join("b.csv")).unwrap().same(&a), "same bytes, another file");
        assert!(FileId::of(&d.join("none.csv")).is_none());
    }
}
