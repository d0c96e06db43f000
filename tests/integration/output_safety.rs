//! A hostile environment (issue 14, items 1–3 and 6): `--output` never
//! replaces an input, writes into FIFOs and devices instead of renaming a
//! file over them, follows a symlink to the file it replaces; an interrupted
//! run leaves the old report and no temporary file; a closed pipe, a full
//! disk or an unwritable stderr ends with a status, never a panic (101).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-12-31";
const BIN: &str = env!("CARGO_BIN_EXE_ladder");

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name)
}

/// A scratch directory holding a copy of the telecom example as `staff.csv`.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let staff = dir.path().join("staff.csv");
    std::fs::copy(example("telecom-after-sales.csv"), &staff).unwrap();
    (dir, staff)
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Waits for `child` at most 60 s (a hang is a failure, not a stuck suite).
fn wait(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("ladder did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

fn run_in(dir: &Path, args: &[&str], stdout: Stdio, stderr: Stdio) -> Outcome {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap();
    let out_reader = child.stdout.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            std::io::Read::read_to_end(&mut s, &mut v).unwrap();
            v
        })
    });
    let err_reader = child.stderr.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut v = String::new();
            std::io::Read::read_to_string(&mut s, &mut v).unwrap();
            v
        })
    });
    let status = wait(&mut child);
    Outcome {
        code: status.code(),
        stdout: out_reader.map(|t| t.join().unwrap()).unwrap_or_default(),
        stderr: err_reader.map(|t| t.join().unwrap()).unwrap_or_default(),
    }
}

fn run(dir: &Path, args: &[&str]) -> Outcome {
    run_in(dir, args, Stdio::piped(), Stdio::piped())
}

// ---------------------------------------------------------------- item 1

/// `--output` naming an input, however spelt: exit 2 naming both, the input
/// byte for byte, nothing created.
#[track_caller]
fn assert_refused(dir: &Path, args: &[&str], output: &str, input: &str) {
    let before: Vec<(String, Vec<u8>)> =
        names(dir).into_iter().map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap_or_default())).collect();
    let out = run(dir, args);
    assert_eq!(out.code, Some(2), "exit 2 for {args:?}; stderr: {}", out.stderr);
    assert!(out.stderr.contains(&format!("--output `{output}`")), "names the output: {}", out.stderr);
    assert!(out.stderr.contains(&format!("`{input}`")), "names the input `{input}`: {}", out.stderr);
    assert!(out.stdout.is_empty());
    let after: Vec<(String, Vec<u8>)> =
        names(dir).into_iter().map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap_or_default())).collect();
    assert!(before == after, "every file as it was, none added, for {args:?}");
}

#[test]
fn output_naming_the_employee_file_is_refused_however_it_is_spelt() {
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::create_dir(d.join("sub")).unwrap();
    std::os::unix::fs::symlink("staff.csv", d.join("link.csv")).unwrap();
    std::fs::hard_link(d.join("staff.csv"), d.join("hard.csv")).unwrap();
    let absolute = d.join("staff.csv").display().to_string();
    for output in ["staff.csv", "./sub/../staff.csv", absolute.as_str(), "link.csv", "hard.csv"] {
        assert_refused(d, &["evaluate", "--as-of", AS_OF, "--output", output, "staff.csv"], output, "staff.csv");
    }
    // The employee file given through a symlink, the output by its own name.
    assert_refused(d, &["evaluate", "--as-of", AS_OF, "--output", "staff.csv", "link.csv"], "staff.csv", "link.csv");
}

#[test]
fn output_naming_the_scores_or_a_scheme_file_is_refused() {
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::copy(example("telecom-after-sales-scores.csv"), d.join("scores.csv")).unwrap();
    assert_refused(
        d,
        &["evaluate", "--as-of", AS_OF, "--scores", "scores.csv", "--output", "./scores.csv", "staff.csv"],
        "./scores.csv",
        "scores.csv",
    );
    let scheme = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad/scheme.yaml");
    std::fs::copy(&scheme, d.join("scheme.yaml")).unwrap();
    assert_refused(d, &["evaluate", "--ladder", "scheme.yaml", "--output", "scheme.yaml", "staff.csv"], "scheme.yaml", "scheme.yaml");
    // Any YAML file of a scheme directory, whatever the case of its extension.
    std::fs::create_dir(d.join("scheme")).unwrap();
    std::fs::copy(&scheme, d.join("scheme/a.yaml")).unwrap();
    std::fs::write(d.join("scheme/b.YML"), "# more\n").unwrap();
    for output in ["scheme/a.yaml", "scheme/b.YML"] {
        assert_refused(d, &["evaluate", "--ladder", "scheme", "--output", output, "staff.csv"], output, output);
    }
}

#[test]
fn output_naming_the_file_on_standard_input_is_refused() {
    let (dir, staff) = scratch();
    let before = std::fs::read(&staff).unwrap();
    let status = Command::new(BIN)
        .args(["evaluate", "--as-of", AS_OF, "--output", "staff.csv", "-"])
        .current_dir(dir.path())
        .stdin(File::open(&staff).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert!(std::fs::read(&staff).unwrap() == before);
}

#[test]
fn output_beside_the_inputs_is_written() {
    // The check refuses the inputs only: a new file in the same directory, or
    // the name of an input in another directory, is a report like any other.
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::create_dir(d.join("out")).unwrap();
    for output in ["report.csv", "out/staff.csv"] {
        let out = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", output, "staff.csv"]);
        assert_eq!(out.code, Some(3), "{}", out.stderr);
        assert!(std::fs::read_to_string(d.join(output)).unwrap().starts_with("id,name,"));
    }
}

// ---------------------------------------------------------------- item 2

/// A private device node `name` (`c major minor`) in `dir`: a test that
/// broke would replace it, never the machine's /dev/null or /dev/full.
/// None where device nodes cannot be made (no CAP_MKNOD).
fn device(dir: &Path, name: &str, minor: &str) -> Option<PathBuf> {
    let path = dir.join(name);
    let made = Command::new("mknod").arg(&path).args(["c", "1", minor]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if !made {
        eprintln!("cannot make device nodes here: the {name} case is skipped");
    }
    made.then_some(path)
}

#[test]
fn output_to_a_device_writes_into_it_and_leaves_it_a_device() {
    let (dir, _) = scratch();
    let Some(null) = device(dir.path(), "null", "3") else { return };
    let out = run(dir.path(), &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", "null", "staff.csv"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(std::fs::symlink_metadata(&null).unwrap().file_type().is_char_device(), "still a device");
    assert_eq!(names(dir.path()), ["null", "staff.csv"], "no temporary file beside it");
}

#[test]
fn output_to_a_fifo_writes_into_it_and_leaves_it_a_fifo() {
    let (dir, _) = scratch();
    let d = dir.path();
    let fifo = d.join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let (sender, received) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || sender.send(std::fs::read(fifo).unwrap()));
    }
    let out = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", "pipe", "staff.csv"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    // A run that renamed a file over the FIFO never opened it: no hang, a failure.
    let through_fifo = received.recv_timeout(Duration::from_secs(20)).expect("the report came through the FIFO");
    let plain = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "staff.csv"]);
    assert!(!plain.stdout.is_empty() && through_fifo == plain.stdout, "the FIFO got the report");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "still a FIFO");
    assert_eq!(names(d), ["pipe", "staff.csv"]);
}

use std::os::unix::fs::FileTypeExt;

#[test]
fn output_dash_and_dev_stdout_go_to_standard_output() {
    let (dir, _) = scratch();
    let d = dir.path();
    let plain = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "staff.csv"]);
    for output in ["-", "/dev/stdout"] {
        let out = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", output, "staff.csv"]);
        assert_eq!(out.code, Some(3), "{}", out.stderr);
        assert!(out.stdout == plain.stdout, "--output {output} prints what stdout would");
    }
    assert_eq!(names(d), ["staff.csv"], "no file named `-`, no temporary file");
}

#[test]
fn output_to_dev_stdout_appends_to_a_file_opened_for_appending() {
    // `>> log` then `--output /dev/stdout`: the earlier content stays.
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::write(d.join("log"), "earlier\n").unwrap();
    let log = File::options().append(true).open(d.join("log")).unwrap();
    let out = run_in(
        d,
        &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", "/dev/stdout", "staff.csv"],
        Stdio::from(log),
        Stdio::piped(),
    );
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    let text = std::fs::read_to_string(d.join("log")).unwrap();
    assert!(text.starts_with("earlier\nid,name,"), "{}", &text[..40.min(text.len())]);
}

#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::create_dir(d.join("reports")).unwrap();
    std::fs::write(d.join("reports/2026.csv"), "old report").unwrap();
    // A chain of two links, the first relative to its own directory.
    std::os::unix::fs::symlink("reports/2026.csv", d.join("latest.csv")).unwrap();
    std::os::unix::fs::symlink(d.join("latest.csv"), d.join("current.csv")).unwrap();
    let out = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", "current.csv", "staff.csv"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(std::fs::symlink_metadata(d.join("current.csv")).unwrap().file_type().is_symlink());
    assert!(std::fs::symlink_metadata(d.join("latest.csv")).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(d.join("reports/2026.csv")).unwrap().starts_with("id,name,"));
    assert_eq!(names(d), ["current.csv", "latest.csv", "reports", "staff.csv"]);
    assert_eq!(names(&d.join("reports")), ["2026.csv"], "the temporary file was beside the target, and is gone");
    // A dangling link: the file it names is created.
    std::os::unix::fs::symlink("reports/2027.csv", d.join("next.csv")).unwrap();
    let out = run(d, &["evaluate", "--as-of", AS_OF, "--format", "csv", "--output", "next.csv", "staff.csv"]);
    assert_eq!(out.code, Some(3), "{}", out.stderr);
    assert!(std::fs::symlink_metadata(d.join("next.csv")).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(d.join("reports/2027.csv")).unwrap().starts_with("id,name,"));
}

#[test]
fn output_naming_a_directory_or_a_link_loop_is_a_usage_error() {
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::create_dir(d.join("reports")).unwrap();
    std::os::unix::fs::symlink("loop-b", d.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", d.join("loop-b")).unwrap();
    for (output, says) in [("reports", "is a directory"), ("loop-a", "symbolic links in a row")] {
        let out = run(d, &["evaluate", "--as-of", AS_OF, "--output", output, "staff.csv"]);
        assert_eq!(out.code, Some(2), "{}", out.stderr);
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
    assert_eq!(names(&d.join("reports")), Vec::<String>::new());
}

// ---------------------------------------------------------------- item 3

/// `copies` copies of the telecom example's rows, ids made unique.
fn big_input(path: &Path, copies: usize) {
    let text = std::fs::read_to_string(example("telecom-after-sales.csv")).unwrap();
    let mut lines = text.lines();
    let mut out = String::with_capacity(text.len() * copies);
    out.push_str(lines.next().unwrap());
    out.push('\n');
    let rows: Vec<&str> = lines.collect();
    for k in 0..copies {
        for row in &rows {
            let (id, rest) = row.split_once(',').unwrap();
            out.push_str(&format!("{id}x{k},{rest}\n"));
        }
    }
    std::fs::write(path, out).unwrap();
}

fn temporary_files(dir: &Path) -> Vec<String> {
    names(dir).into_iter().filter(|n| n.starts_with(".tmp") || n.starts_with(".ladder")).collect()
}

/// Starts a run into `out.csv`, waits for its temporary file, sends `signal`:
/// Some(status) when the signal came mid-run, None when the run ended first.
fn interrupt(dir: &Path, signal: &str) -> Option<ExitStatus> {
    let mut child = Command::new(BIN)
        .args(["evaluate", "--as-of", AS_OF, "--quiet", "--format", "csv", "--output", "out.csv", "big.csv"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while temporary_files(dir).is_empty() {
        if child.try_wait().unwrap().is_some() || start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let sent = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap();
    assert!(sent.success());
    let status = wait(&mut child);
    // Exit 3 is a run that finished before the signal: inconclusive.
    (status.code() != Some(3)).then_some(status)
}

#[test]
fn an_interrupted_run_leaves_the_old_report_and_no_temporary_file() {
    let (dir, _) = scratch();
    let d = dir.path();
    std::fs::write(d.join("out.csv"), "the old report").unwrap();
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let mut copies = 20;
        let status = loop {
            big_input(&d.join("big.csv"), copies);
            if let Some(status) = interrupt(d, signal) {
                break status;
            }
            // The run outran the signal; its report replaced the old one.
            std::fs::write(d.join("out.csv"), "the old report").unwrap();
            assert!(copies < 2000, "SIG{signal}: every run finished before the signal");
            copies *= 4;
        };
        assert_eq!(status.code(), Some(code), "SIG{signal}: exit 128 + the signal");
        assert_eq!(std::fs::read_to_string(d.join("out.csv")).unwrap(), "the old report", "SIG{signal}");
        assert_eq!(temporary_files(d), Vec::<String>::new(), "SIG{signal}: no temporary file left");
    }
}

// ---------------------------------------------------------------- item 6

/// Every command that prints on stdout, on the telecom example.
fn every_printing_command() -> Vec<Vec<String>> {
    let staff = example("telecom-after-sales.csv").display().to_string();
    let mut commands: Vec<Vec<&str>> = vec![];
    for format in ["table", "json", "ndjson", "csv"] {
        commands.push(vec!["evaluate", "--as-of", AS_OF, "--format", format, &staff]);
    }
    commands.extend([
        vec!["explain", "E003", "--as-of", AS_OF, &staff],
        vec!["explain", "E003", "--as-of", AS_OF, "--format", "json", &staff],
        vec!["what-if", "E003", "--set", "grade_date=2025-09-01", "--as-of", AS_OF, &staff],
        vec!["show"],
        vec!["show", "--format", "json"],
        vec!["show", "--format", "mermaid"],
        vec!["show", "--format", "dot"],
        vec!["check"],
        vec!["schema"],
        vec!["completions", "bash"],
        vec!["completions", "zsh"],
        vec!["man"],
        vec!["--help"],
        vec!["evaluate", "--help"],
        vec!["--version"],
    ]);
    commands.into_iter().map(|c| c.into_iter().map(String::from).collect()).collect()
}

fn args(command: &[String]) -> Vec<&str> {
    command.iter().map(String::as_str).collect()
}

#[test]
fn a_full_disk_on_stdout_is_an_error_never_a_panic_nor_success() {
    let dir = tempfile::tempdir().unwrap();
    for command in every_printing_command() {
        let full = File::options().write(true).open("/dev/full").unwrap();
        let out = run_in(dir.path(), &args(&command), Stdio::from(full), Stdio::piped());
        assert_eq!(out.code, Some(1), "{command:?}: stderr {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{command:?}: {}", out.stderr);
        assert!(out.stderr.contains("error: stdout: cannot write: No space left on device"), "{command:?}: {}", out.stderr);
    }
}

#[test]
fn a_full_disk_under_output_is_an_error_naming_the_file() {
    let (dir, _) = scratch();
    let Some(full) = device(dir.path(), "full", "7") else { return };
    let out = run(dir.path(), &["evaluate", "--as-of", AS_OF, "--format", "json", "--output", "full", "staff.csv"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("error: full: cannot write: No space left on device"), "{}", out.stderr);
    assert!(std::fs::symlink_metadata(&full).unwrap().file_type().is_char_device());
}

/// Runs `command` with its stdout a pipe whose reader is gone before it writes.
fn into_closed_pipe(dir: &Path, command: &[&str]) -> Outcome {
    let mut child = Command::new(BIN)
        .args(command)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let status = wait(&mut child);
    Outcome { code: status.code(), stdout: Vec::new(), stderr }
}

#[test]
fn a_closed_pipe_ends_quietly_with_141() {
    let dir = tempfile::tempdir().unwrap();
    for command in every_printing_command() {
        let out = into_closed_pipe(dir.path(), &args(&command));
        // 141 = 128 + SIGPIPE, the reader left; 0 only if everything was
        // written before it left (a pipe holds 64 KiB).
        assert!(matches!(out.code, Some(141 | 0)), "{command:?}: {:?} {}", out.code, out.stderr);
        assert!(out.stderr.is_empty(), "{command:?}: quiet, no message: {}", out.stderr);
    }
    // A report larger than a pipe holds cannot have been written whole.
    big_input(&dir.path().join("big.csv"), 40);
    let out = into_closed_pipe(dir.path(), &["evaluate", "--as-of", AS_OF, "--quiet", "--format", "csv", "big.csv"]);
    assert_eq!(out.code, Some(141), "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

/// `sh -c 'ladder … 2>&-'` or `2>/dev/full`: the exit status of the run.
fn with_stderr(redirect: &str, command: &str, dir: &Path) -> Option<i32> {
    let script = format!("exec \"$0\" {command} {redirect}");
    let status =
        Command::new("sh").arg("-c").arg(script).arg(BIN).current_dir(dir).stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap();
    status.code()
}

#[test]
fn an_unwritable_stderr_keeps_the_exit_status() {
    let (dir, _) = scratch();
    let d = dir.path();
    // Row-error notes (3), an unusable file (1), a usage error (2), an
    // unknown id (1), a bad --set (2), an output over an input (2).
    let cases = [
        (format!("evaluate --as-of {AS_OF} staff.csv"), 3),
        (format!("evaluate --as-of {AS_OF} --output out.csv staff.csv"), 3),
        (format!("evaluate --as-of {AS_OF} nothere.csv"), 1),
        ("evaluate --no-such-flag staff.csv".to_string(), 2),
        (format!("explain NOBODY --as-of {AS_OF} staff.csv"), 1),
        (format!("what-if E003 --set nosuchcolumn=1 --as-of {AS_OF} staff.csv"), 2),
        (format!("evaluate --as-of {AS_OF} --sheet x staff.csv"), 2),
        (format!("evaluate --as-of {AS_OF} --output staff.csv staff.csv"), 2),
    ];
    for redirect in ["2>&-", "2>/dev/full"] {
        for (command, code) in &cases {
            assert_eq!(with_stderr(redirect, command, d), Some(*code), "{command} {redirect}");
        }
    }
}
