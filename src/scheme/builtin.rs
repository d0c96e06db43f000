//! The built-in schemes: every folder under `ladders/`, embedded at build time
//! so that `ladder` works with no set-up.

use include_dir::{include_dir, Dir};

static LADDERS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/ladders");

/// The scheme used when no `--ladder` is given.
pub const DEFAULT: &str = "telecom-after-sales";

/// The names of the built-in schemes, sorted.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = LADDERS.dirs().filter_map(|d| d.path().file_name().and_then(|n| n.to_str())).collect();
    names.sort_unstable();
    names
}

/// The YAML files of a built-in scheme, in name order: (path shown in messages, text).
pub fn files(name: &str) -> Option<Vec<(String, &'static [u8])>> {
    let dir = LADDERS.get_dir(name)?;
    let mut files: Vec<(String, &'static [u8])> = dir
        .files()
        .filter(|f| matches!(f.path().extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .map(|f| (format!("ladders/{}", f.path().display()), f.contents()))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Some(files)
}
