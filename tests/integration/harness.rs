//! The one way the integration binary runs `ladder` (as just's
//! `tests/lib.rs`): a [`Test`] builder — arguments, standard input, files in
//! a temporary directory, environment, working directory — that runs the
//! built binary and returns a [`Run`] (exit code, stdout, stderr) with the
//! assertions tests share. Every run is bounded in time, and a panic or a
//! death by signal fails the test whatever it expected: no input may crash
//! the binary.
//!
//! ```ignore
//! let run = Test::new().file("staff.csv", csv).args(["evaluate", "--format", "json"]).arg_path("staff.csv").run();
//! run.code(3).stderr_has(&["row error"]);
//! ```
//!
//! Also shared here, so no module keeps its own copy: a scheme and a staff
//! file run at the review date ([`SchemeAndStaff`]), files written for
//! several runs ([`write`], [`workdir`]), the bad-input fixture scheme
//! edited ([`bad_scheme_with`]), a run on a pseudo-terminal
//! ([`Test::run_on_terminal`]); for tests of the library, a scheme from YAML
//! text ([`load_yaml`]), rows held in memory ([`input`]) and the streaming
//! batch against the in-memory report ([`streamed`], [`report_of`]); and how
//! thorough a run is ([`thorough`], [`scaled`], [`cases`]: local runs small,
//! CI's `LADDER_TEST_THOROUGH=1` full).

#![allow(dead_code)] // each module uses its part of the harness

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The repository: the default working directory, so that `examples/…`
/// and `tests/fixtures/…` resolve.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The built binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_ladder");

/// How long a run may take before it is killed and the test fails (a
/// loaded 2-core machine runs debug builds of 10 MB inputs in seconds).
const TIMEOUT: Duration = Duration::from_secs(60);

/// One invocation of `ladder`, built up, then [`run`](Test::run).
pub struct Test {
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    dir: Option<tempfile::TempDir>,
    current_dir: PathBuf,
    env: Vec<(OsString, OsString)>,
    /// Variables removed from the inherited environment.
    env_removed: Vec<OsString>,
    timeout: Duration,
}

impl Default for Test {
    fn default() -> Test {
        Test::new()
    }
}

impl Test {
    /// No arguments, no standard input, `NO_COLOR=1`, run from the repository.
    pub fn new() -> Test {
        Test {
            args: Vec::new(),
            stdin: None,
            dir: None,
            current_dir: PathBuf::from(ROOT),
            env: vec![("NO_COLOR".into(), "1".into())],
            env_removed: Vec::new(),
            timeout: TIMEOUT,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Test {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// The path of `name` in the test's temporary directory, as an argument.
    pub fn arg_path(mut self, name: &str) -> Test {
        let path = self.path(name);
        self.args.push(path.into());
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Test {
        self.stdin = Some(bytes.into());
        self
    }

    /// Standard input when there is some (tests that run with and without).
    pub fn stdin_if<B: Into<Vec<u8>>>(mut self, bytes: Option<B>) -> Test {
        self.stdin = bytes.map(Into::into);
        self
    }

    /// Writes `bytes` to `name` in the test's temporary directory (made on
    /// first use, removed when the [`Run`] is dropped).
    pub fn file(mut self, name: &str, bytes: impl AsRef<[u8]>) -> Test {
        let path = self.path(name);
        if let Some(parent) = Path::new(&path).parent() {
            std::fs::create_dir_all(parent).expect("a directory for a test file");
        }
        std::fs::write(&path, bytes).expect("a test file written");
        self
    }

    /// Where `name` is in the test's temporary directory.
    pub fn path(&mut self, name: &str) -> String {
        let dir = self.dir.get_or_insert_with(|| tempfile::tempdir().expect("a temporary directory"));
        dir.path().join(name).to_str().expect("a UTF-8 temporary path").to_string()
    }

    /// Runs from `dir` instead of the repository.
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Test {
        self.current_dir = dir.as_ref().to_path_buf();
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Test {
        self.env.push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// Runs without `key` (set here, or inherited), e.g. without `NO_COLOR`.
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Test {
        self.env.retain(|(k, _)| k != key.as_ref());
        self.env_removed.push(key.as_ref().to_os_string());
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Test {
        self.timeout = timeout;
        self
    }

    /// Runs the binary on a pseudo-terminal (util-linux `script` gives it
    /// one), stdin empty and stderr discarded (a progress bar draws on it);
    /// stdout as the terminal got it (CR LF line ends). `None` where there
    /// is no `script` on the PATH.
    pub fn run_on_terminal(self) -> Option<Vec<u8>> {
        let script = which("script")?;
        let quote = |a: &OsStr| format!("'{}'", a.to_str().expect("a UTF-8 argument").replace('\'', r"'\''"));
        let words: Vec<String> = std::iter::once(OsStr::new(BIN)).chain(self.args.iter().map(OsString::as_os_str)).map(quote).collect();
        let mut cmd = std::process::Command::new(script);
        cmd.args(["-qec", &format!("{} 2>/dev/null", words.join(" ")), "/dev/null"])
            .current_dir(&self.current_dir)
            .stdin(std::process::Stdio::null());
        for k in &self.env_removed {
            cmd.env_remove(k);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        Some(cmd.output().expect("script runs").stdout)
    }

    /// Runs the binary; stdout as text, which must be UTF-8 (everything
    /// but a workbook is).
    pub fn run(self) -> Run<String> {
        let run = self.run_bytes();
        let stdout = String::from_utf8(run.stdout).unwrap_or_else(|e| panic!("stdout is not UTF-8: {e}"));
        Run { code: run.code, stdout, stderr: run.stderr, dir: run.dir }
    }

    /// Runs the binary; stdout as bytes (a workbook, or bytes that must be checked as they are).
    pub fn run_bytes(self) -> Run<Vec<u8>> {
        let mut cmd = assert_cmd::Command::new(BIN);
        cmd.args(&self.args).current_dir(&self.current_dir).timeout(self.timeout);
        for k in &self.env_removed {
            cmd.env_remove(k);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        if let Some(input) = self.stdin {
            cmd.write_stdin(input);
        }
        let out = cmd.output().expect("the ladder binary runs");
        // Every message ladder writes is UTF-8, whatever the input's bytes.
        let stderr = String::from_utf8(out.stderr).unwrap_or_else(|e| panic!("ladder {:?}: stderr is not UTF-8: {e}", self.args));
        let code = out.status.code().unwrap_or_else(|| {
            panic!("ladder {:?} was killed (timeout after {:?}, or a signal): {:?}\nstderr:\n{stderr}", self.args, self.timeout, out.status)
        });
        assert!(!stderr.contains("panicked"), "ladder {:?} panicked:\n{stderr}", self.args);
        Run { code, stdout: out.stdout, stderr, dir: self.dir }
    }
}

/// What a run gave: its exit code, stdout (text or bytes) and stderr.
pub struct Run<O = String> {
    pub code: i32,
    pub stdout: O,
    pub stderr: String,
    /// The test's files, kept as long as the run is.
    dir: Option<tempfile::TempDir>,
}

impl<O: AsRef<[u8]>> Run<O> {
    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(self.stdout.as_ref()).into_owned()
    }

    /// Asserts the exit code, showing stderr and the start of stdout when it differs.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Run<O> {
        assert_eq!(self.code, expected, "exit code; stderr:\n{}\nstdout:\n{}", excerpt(&self.stderr), excerpt(&self.stdout_text()));
        self
    }

    /// Every part appears in stderr.
    #[track_caller]
    pub fn stderr_has(&self, parts: &[&str]) -> &Run<O> {
        for part in parts {
            assert!(self.stderr.contains(part), "stderr lacks {part:?}:\n{}", excerpt(&self.stderr));
        }
        self
    }

    /// The exit code, and every part in stderr.
    #[track_caller]
    pub fn expect(&self, code: i32, parts: &[&str]) -> &Run<O> {
        self.code(code).stderr_has(parts)
    }

    /// Refused as unusable (exit 1), saying every part.
    #[track_caller]
    pub fn refused(&self, parts: &[&str]) -> &Run<O> {
        self.expect(1, parts)
    }

    #[track_caller]
    pub fn stdout_empty(&self) -> &Run<O> {
        assert!(self.stdout.as_ref().is_empty(), "stdout should be empty:\n{}", excerpt(&self.stdout_text()));
        self
    }

    /// Stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(self.stdout.as_ref())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", excerpt(&self.stdout_text()), excerpt(&self.stderr)))
    }

    /// The `results` array of stdout's JSON document (`--format json`).
    #[track_caller]
    pub fn results(&self) -> Vec<serde_json::Value> {
        self.json()["results"].as_array().unwrap_or_else(|| panic!("no results array:\n{}", excerpt(&self.stdout_text()))).clone()
    }

    /// Exit code, stdout and stderr as one snapshot-friendly text.
    pub fn transcript(&self) -> String {
        format!("exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout_text(), self.stderr)
    }

    /// The path of `name` in the test's temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.as_ref().expect("the test wrote files").path().join(name)
    }
}

/// At most the first 3000 bytes of `text` (on a character boundary), for a message.
pub fn excerpt(text: &str) -> String {
    if text.len() <= 3000 {
        text.to_string()
    } else {
        let cut = (0..=3000).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        format!("{}… ({} bytes)", &text[..cut], text.len())
    }
}

/// A fresh directory `CARGO_TARGET_TMPDIR/MODULE/NAME` for one test's
/// files, kept after the run (as artifacts to look at when a test fails).
pub fn workdir(module: &str, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(module).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a test directory");
    dir
}

/// Writes `bytes` to `dir/name` and returns the path as an argument (for
/// files that several runs of one test share).
pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("a test file written");
    path.to_str().expect("a UTF-8 temporary path").to_string()
}

/// The fixture scheme of the bad-input tests (`tests/fixtures/bad/scheme.yaml`).
pub const BAD_SCHEME: &str = "tests/fixtures/bad/scheme.yaml";

/// The fixture scheme with each `from` replaced by `to`; each `from` must
/// occur in it exactly once, so an edit of the fixture cannot silently
/// change which place a test changes.
pub fn bad_scheme_with(replacements: &[(&str, &str)]) -> String {
    let mut text = std::fs::read_to_string(Path::new(ROOT).join(BAD_SCHEME)).expect("the fixture scheme");
    for (from, to) in replacements {
        assert_eq!(text.matches(from).count(), 1, "{from:?} is not once in the fixture scheme");
        text = text.replacen(from, to, 1);
    }
    text
}

/// A scheme (`scheme.yaml`) and an employee file (`staff.csv`) in a
/// temporary directory, run on at the review date 2026-12-31: the shape of
/// the review-cycle tests (cohorts, quotas, placement).
pub struct SchemeAndStaff {
    _dir: tempfile::TempDir,
    pub scheme: PathBuf,
    pub staff: PathBuf,
}

impl SchemeAndStaff {
    pub fn new(scheme: &str, staff_csv: &str) -> SchemeAndStaff {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let scheme_path = dir.path().join("scheme.yaml");
        std::fs::write(&scheme_path, scheme).expect("the scheme written");
        let staff_path = dir.path().join("staff.csv");
        std::fs::write(&staff_path, staff_csv).expect("the employee file written");
        SchemeAndStaff { _dir: dir, scheme: scheme_path, staff: staff_path }
    }

    /// `ladder ARGS --ladder SCHEME --as-of 2026-12-31 STAFF`.
    pub fn run(&self, args: &[&str]) -> Run<Vec<u8>> {
        on_review_date(args, &self.scheme, &self.staff)
    }

    /// The `results` of `evaluate --format json`, which must exit with `code`.
    #[track_caller]
    pub fn results(&self, code: i32) -> Vec<serde_json::Value> {
        self.run(&["evaluate", "--format", "json"]).code(code).results()
    }
}

/// `ladder ARGS --ladder SCHEME --as-of 2026-12-31 STAFF`, stdout as bytes.
pub fn on_review_date(args: &[&str], scheme: &Path, staff: &Path) -> Run<Vec<u8>> {
    Test::new().args(args).args(["--ladder", s(scheme), "--as-of", "2026-12-31", s(staff)]).run_bytes()
}

/// What the in-memory evaluation writes in `format`: the reference the
/// streaming batch is compared with.
pub fn report_of(evaluation: &ladder::batch::memory::Evaluation, format: ladder::report::Format) -> String {
    let mut out = Vec::new();
    ladder::report::Report::new(evaluation, |_| true).write(format, &mut out, false).expect("a report written to memory");
    String::from_utf8_lossy(&out).into_owned()
}

/// What the streaming batch of `ladder evaluate` (fixed-point figures,
/// figures kept from pass 1, parallel chunks) writes for the UTF-8 CSV file
/// `employees` in `format`, in English, every status, no colour.
pub fn streamed(
    scheme: &ladder::scheme::Scheme,
    employees: &str,
    as_of: chrono::NaiveDate,
    format: ladder::report::Format,
    placement: bool,
) -> String {
    let files = ladder::input::Files {
        employees: employees.to_string(),
        scores: None,
        encoding: ladder::input::records::Encoding::Utf8,
        sheet: None,
        header_row: None,
    };
    let request = ladder::batch::stream::Request {
        scheme,
        files: &files,
        scores: None,
        as_of,
        format,
        statuses: &[],
        color: false,
        width: None,
        lang: ladder::report::i18n::Lang::En,
        progress: false,
        placement,
    };
    let mut out = Vec::new();
    ladder::batch::stream::run(&request, &mut out).expect("the streaming batch runs");
    String::from_utf8_lossy(&out).into_owned()
}

/// The scheme in `yaml`, loaded from the file `name` in a temporary
/// directory (the loader reads files); a problem fails the test, showing
/// the text.
pub fn load_yaml(name: &str, yaml: &str) -> ladder::scheme::Scheme {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = write(dir.path(), name, yaml);
    ladder::scheme::load_scheme(Some(&path)).unwrap_or_else(|e| panic!("{e:#}\n{yaml}"))
}

/// Employee rows held in memory as the library reads a file `name` (no hash).
pub fn input(name: &str, text: String) -> ladder::input::records::Input {
    ladder::input::records::Input { display: name.into(), path: name.into(), sha256: String::new(), text }
}

/// Header and rows as the text of a CSV file, one line a row.
pub fn csv_text(header: &str, rows: impl IntoIterator<Item = String>) -> String {
    let mut text = format!("{header}\n");
    for row in rows {
        text.push_str(&row);
        text.push('\n');
    }
    text
}

/// Whether the run is CI's thorough one: `LADDER_TEST_THOROUGH=1` (set by
/// `.ci/run`). Locally (unset, or `0`) the slow tests check fewer random
/// cases, smaller generated files and a sample of the rows, so that a warm
/// `cargo test` stays quick; CI checks what these tests always checked.
pub fn thorough() -> bool {
    std::env::var_os("LADDER_TEST_THOROUGH").is_some_and(|v| !v.is_empty() && v != "0")
}

/// `ci` in the thorough run, `local` otherwise (a size, a count of runs).
pub fn scaled(local: usize, ci: usize) -> usize {
    if thorough() {
        ci
    } else {
        local
    }
}

/// Proptest cases: `ci` in the thorough run, a quarter of them (at least
/// 16) locally. Each test keeps the rest of its configuration.
pub fn cases(ci: u32) -> u32 {
    if thorough() {
        ci
    } else {
        (ci / 4).max(16).min(ci)
    }
}

/// Where `program` is on the PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(program)).find(|p| p.is_file()))
}

/// A path as an argument.
pub fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `ladder ARGS` from the repository, stdout as text: the common case.
pub fn ladder<S: AsRef<OsStr>>(args: &[S]) -> Run {
    Test::new().args(args).run()
}

/// `ladder ARGS` from the repository, stdout as bytes (a workbook).
pub fn ladder_bytes<S: AsRef<OsStr>>(args: &[S]) -> Run<Vec<u8>> {
    Test::new().args(args).run_bytes()
}

#[test]
#[should_panic(expected = "exit code")]
fn a_wrong_exit_code_fails_the_test() {
    ladder(&["--version"]).code(1);
}

#[test]
#[should_panic(expected = "stderr lacks")]
fn a_missing_message_fails_the_test() {
    ladder(&["check", "--ladder", "no-such-scheme"]).expect(1, &["a message ladder never prints"]);
}

#[test]
fn files_are_written_to_the_test_directory_and_passed_by_path() {
    let scheme = std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/bad/scheme.yaml")).expect("the fixture scheme");
    let run = Test::new().file("s/scheme.yaml", scheme).args(["check", "--ladder"]).arg_path("s/scheme.yaml").run();
    run.code(0);
    assert!(run.path("s/scheme.yaml").is_file(), "the file lives as long as the run");
    let stdin = Test::new().args(["diff", "--format", "csv", "-", "tests/fixtures/bad/scheme.yaml"]).stdin("id,status\n").run();
    assert_ne!(stdin.code, 0, "a scheme is not a results file");
    stdin.stderr_has(&["tests/fixtures/bad/scheme.yaml"]);
}

#[test]
#[should_panic(expected = "is not once in the fixture scheme")]
fn a_replacement_the_fixture_lacks_fails_the_test() {
    bad_scheme_with(&[("a text the fixture scheme never holds", "x")]);
}

#[test]
fn local_runs_are_smaller_and_the_thorough_run_is_full() {
    if thorough() {
        assert_eq!((scaled(1, 2), cases(256), cases(48)), (2, 256, 48));
    } else {
        assert_eq!((scaled(1, 2), cases(256), cases(48), cases(8)), (1, 64, 16, 8));
    }
}

/// `figures::compute_lean` into `start` (its lists reused, as a batch
/// reuses the last row's), as a value.
pub fn lean_into(
    scheme: &ladder::scheme::Scheme,
    position: usize,
    periods: &ladder::figures::Periods,
    source: &ladder::figures::ScoreSource,
    mut start: ladder::figures::Figures,
) -> Result<ladder::figures::Figures, Vec<ladder::figures::ScoreProblem>> {
    ladder::figures::compute_lean(scheme, position, periods, source, &mut start).map(|()| start)
}
