//! The scheme loader on arbitrary bytes: YAML parsing, the location index,
//! merging and validation must return a scheme or located problems, never
//! panic, hang or blow up memory. The two bytes 0xFF 0x00 split the input
//! into several files of one directory scheme, so merging is fuzzed too
//! (any other NUL stays inside its file).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut files = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(2).position(|w| w == [0xFF, 0x00]) {
        files.push(rest[..i].to_vec());
        rest = &rest[i + 2..];
    }
    files.push(rest.to_vec());
    let files = files.into_iter().take(4).enumerate().map(|(i, bytes)| (format!("f{i}.yaml"), bytes)).collect();
    if let Err(e) = ladder::scheme::load_scheme_files(files) {
        let _ = e.to_string();
    }
});
