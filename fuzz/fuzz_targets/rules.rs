//! The rule parser on arbitrary text: the bytes become the `requires` of a
//! grade in an otherwise valid scheme, so every input reaches the rule
//! parser (nesting, operators, values of every kind, anchors) rather than
//! stopping at the scheme's outer keys. A rule must parse or be reported
//! with its location, never panic or recurse without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

const SCHEME: &str = include_str!("../../tests/fixtures/bad/scheme.yaml");

fuzz_target!(|data: &[u8]| {
    let Ok(rule) = std::str::from_utf8(data) else { return };
    // A block rule indented under `rules_under_test:` would be a key the
    // scheme refuses; the fuzzed text goes in as the scheme-wide `requires`.
    let mut text = SCHEME.lines().filter(|l| !l.starts_with("requires:")).collect::<Vec<_>>().join("\n");
    text.push_str("\nrequires:\n");
    for line in rule.lines() {
        text.push_str("  ");
        text.push_str(line);
        text.push('\n');
    }
    if let Err(e) = ladder::scheme::load_scheme_files(vec![("scheme.yaml".into(), text.into_bytes())]) {
        let _ = e.to_string();
    }
});
