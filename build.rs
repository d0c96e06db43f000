//! Build script: records the git revision for `ladder --version`, so a
//! report can be traced to the exact code that made it. Outside a git
//! checkout (a source tarball, `cargo install` from crates.io) the revision
//! is "unknown". It also makes cargo rebuild when a built-in scheme changes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let revision = git_revision(&manifest).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=LADDER_GIT_REVISION={revision}");
    // Rebuild when the checked-out commit changes: HEAD itself (a checkout of
    // another branch) and the ref it points to (a new commit on the branch).
    if let (Some(git_dir), Some(common_dir)) = (git_path(&manifest, "--git-dir"), git_path(&manifest, "--git-common-dir")) {
        let head = git_dir.join("HEAD");
        println!("cargo:rerun-if-changed={}", head.display());
        if let Ok(text) = std::fs::read_to_string(&head) {
            if let Some(reference) = text.trim().strip_prefix("ref: ") {
                // A packed ref has no file of its own: then packed-refs holds it.
                // (Cargo reruns the script on every build for a path that does
                // not exist, so only existing files are named.)
                for path in [common_dir.join(reference), common_dir.join("packed-refs")] {
                    if path.exists() {
                        println!("cargo:rerun-if-changed={}", path.display());
                    }
                }
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    // The built-in schemes are embedded by `include_dir!`, which cargo cannot
    // see reading them: rebuild when anything under ladders/ changes.
    println!("cargo:rerun-if-changed=ladders");
}

fn git_revision(dir: &Path) -> Option<String> {
    let out = Command::new("git").args(["rev-parse", "--short", "HEAD"]).current_dir(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty() && text.chars().all(|c| c.is_ascii_hexdigit())).then_some(text)
}

/// `--git-dir` (where HEAD is) or `--git-common-dir` (where the refs are; they
/// differ in a `git worktree`), as an absolute path.
fn git_path(dir: &Path, which: &str) -> Option<PathBuf> {
    let out = Command::new("git").args(["rev-parse", which]).current_dir(dir).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    Some(if path.is_absolute() { path } else { dir.join(path) })
}
