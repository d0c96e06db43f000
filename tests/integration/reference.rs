//! Differential test: an independent Python implementation of SPEC §3–§5
//! (`tests/reference/ladder_ref.py`, exact fractions) and the binary must
//! agree on every status, grade and figure of random schemes and employees
//! (`gen_cases.py`). Needs python3 with PyYAML (`.ci/run` installs it); set
//! LADDER_SKIP_PYTHON=1 to skip where Python cannot be had. The number of
//! random cases is LADDER_REFERENCE_CASES (24 by default; `.ci/run` sets 300).

use std::path::Path;
use std::process::Command;

fn python_available() -> bool {
    let ok = Command::new("python3").args(["-c", "import yaml"]).status().is_ok_and(|s| s.success());
    assert!(
        ok || std::env::var_os("LADDER_SKIP_PYTHON").is_some(),
        "python3 with PyYAML is needed for the reference comparison (pip install pyyaml), or set LADDER_SKIP_PYTHON=1"
    );
    ok
}

fn run_python(args: &[&str]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3").args(args).current_dir(root).output().expect("python3 runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "python3 {}:\n{text}", args.join(" "));
    text
}

#[test]
fn the_reference_passes_its_own_hand_computed_checks() {
    if python_available() {
        run_python(&["tests/reference/ladder_ref.py", "--selftest"]);
    }
}

#[test]
fn the_binary_agrees_with_the_reference_on_random_cases() {
    if python_available() {
        // A dozen cases locally keep `cargo test` quick; CI sets hundreds.
        let cases = std::env::var("LADDER_REFERENCE_CASES").unwrap_or_else(|_| "24".into());
        let out = run_python(&[
            "tests/reference/compare.py",
            "--ladder-bin",
            env!("CARGO_BIN_EXE_ladder"),
            "--cases",
            &cases,
            "--seed",
            "20261231",
            // Two cases at a time: this is the longest test, and it would
            // otherwise run on one core after the others have finished.
            "--jobs",
            "2",
        ]);
        assert!(out.contains(&format!("{cases} cases,")) && out.contains("rows agree"), "{out}");
    }
}
