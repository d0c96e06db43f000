//! The scanner ([`super::json_scan`]) held equal to serde_json's path
//! ([`super::json_serde`]): everything a reader sends (kind, meta, each
//! result's id, occurrence and normalised fields, the fields present, the
//! message of a file that fails, the field names in the order they were
//! numbered) must be the same, on generated records and documents, on the
//! results `ladder evaluate` writes for every example, and on the shapes the
//! scanner hands over to serde_json. Each test also checks how many results
//! the scanner took itself, so a scanner that handed everything over would
//! fail them.

use super::{Msg, Names, Parser, Reader, SharedNames};
use proptest::prelude::*;
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

/// What one reader sent, in a form that compares (field numbers as names).
#[derive(Debug, PartialEq)]
struct Outcome {
    events: Vec<String>,
    names: Vec<String>,
}

/// Reads the file at `path` with `parser`: what it sent, and how many results the scanner took.
fn read_as(path: &str, parser: Parser) -> (Outcome, u64) {
    let path = path.to_string();
    let names: SharedNames = Arc::new(Mutex::new(Names::new()));
    let (tx, rx) = sync_channel(4);
    let thread_names = Arc::clone(&names);
    let reader = std::thread::spawn(move || {
        let mut reader = Reader::new(&path, thread_names, tx, parser);
        reader.read_all();
        reader.scanned
    });
    let mut msgs = Vec::new();
    while let Ok(msg) = rx.recv() {
        msgs.push(msg);
    }
    let scanned = reader.join().unwrap();
    let names = names.lock().unwrap();
    let name = |f: u16| names.name(f).to_string();
    let mut events = Vec::new();
    for msg in msgs {
        match msg {
            Msg::Kind(k) => events.push(format!("kind {k:?}")),
            Msg::Meta(m) => events.push(format!("meta {m:?}")),
            Msg::Records(batch) => {
                for r in batch {
                    let fields: Vec<String> = r.fields().map(|(f, v)| format!("{}={v:?}", name(f))).collect();
                    events.push(format!("{:?}#{} {}", r.id, r.occurrence, fields.join(" ")));
                }
            }
            Msg::Present(p) => {
                let present: Vec<String> = (0..p.len()).filter(|&i| p[i]).map(|i| name(i as u16)).collect();
                events.push(format!("present {present:?}"));
            }
            Msg::Failed(message) => events.push(format!("failed {message}")),
            Msg::End => events.push("end".to_string()),
        }
    }
    (Outcome { events, names: names.names.clone() }, scanned)
}

/// Both readers on `bytes`: they must agree; how many results the scanner took.
fn agree(bytes: &[u8]) -> (Outcome, u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results");
    std::fs::write(&path, bytes).unwrap();
    let path = path.to_str().unwrap();
    let (scan, scanned) = read_as(path, Parser::Scan);
    let (serde, none) = read_as(path, Parser::Serde);
    assert_eq!(none, 0);
    assert_eq!(scan, serde, "on:\n{}", String::from_utf8_lossy(bytes));
    (scan, scanned)
}

fn results(outcome: &Outcome) -> usize {
    outcome.events.iter().filter(|e| e.starts_with('"')).count()
}

fn failed(outcome: &Outcome) -> Option<&str> {
    outcome.events.iter().find_map(|e| e.strip_prefix("failed "))
}

const ROW: &str = r#"{"id":"E1","name":"张伟","grade":"T1","kpi":86.05,"rank":2,"band":"B","calibrated_band":null,"unmet":["a \"b\"","c"],"alternatives":[],"errors":[]}"#;

#[test]
fn plain_rows_are_scanned_and_odd_ones_handed_over_line_by_line() {
    let odd = [
        (r#"{"id":"E2","kpi":{"nested":1}}"#, "a nested object"),
        (r#"{"id":"E2","kpi":1,"kpi":2}"#, "a repeated field"),
        (r#"{"id":"E2","id":"E3"}"#, "a repeated id"),
        (r#"{"id":7,"kpi":1}"#, "a number id"),
        (r#"{"id":"E2","unmet":[["x"],"y"]}"#, "a nested list"),
        (r#"{"id":"E2","name":"\ud800"}"#, "a lone surrogate (refused by serde_json)"),
    ];
    for (line, what) in odd {
        let file = format!("{ROW}\n{line}\n{}\n", ROW.replace("E1", "E9"));
        let (outcome, scanned) = agree(file.as_bytes());
        // The plain rows are scanned; a line serde_json refuses ends the file.
        match failed(&outcome) {
            None => assert_eq!((results(&outcome), scanned), (3, 2), "{what}"),
            Some(_) => assert_eq!(scanned, 1, "{what}"),
        }
    }
    // Keys matched against the last record's only when written plainly: `a\\b` then the escape `a\b`.
    let file = concat!(
        r#"{"id":"E1","a\"b":1,"a\\b":2}"#,
        "\n",
        r#"{"id":"E2","a\"b":1,"a\b":2}"#,
        "\n",
        r#"{"id":"E3","a\"b":1,"a\\b":3,"a\u0062":4}"#,
        "\n"
    );
    let (outcome, scanned) = agree(file.as_bytes());
    assert_eq!((results(&outcome), scanned), (3, 3));
    for name in ["a\"b", "a\\b", "a\u{8}", "ab"] {
        assert!(outcome.names.iter().any(|n| n == name), "{name:?} in {:?}", outcome.names);
    }
    // Escapes in keys and values, blank lines, CRLF, blank space around tokens.
    let file = format!("\n{ROW}\r\n  {{ \"id\" : \"E\\u0032\" ,\t\"na\\u006de\": \"\\ud83d\\ude00 \\\"q\\\"\", \"kpi\" : -1.50e3 }}  \n\n");
    let (outcome, scanned) = agree(file.as_bytes());
    assert_eq!((results(&outcome), scanned), (2, 2));
}

#[test]
fn bad_ndjson_fails_with_serde_jsons_message() {
    for (file, place) in [
        (format!("{ROW}\n{{\"id\":\"E2\",\n"), "line 2, column"),
        (format!("{ROW}\n{{\"id\":\"E2\",}}\n"), "line 2, column"),
        (format!("{ROW}\n{{\"status\":\"hold\"}}\n"), "a result without an `id`"),
        (format!("{ROW}\n{{\"id\":\"E2\",\"name\":\"a\u{1}b\"}}\n"), "control character"),
        (format!("{ROW}\n{{\"id\":\"E2\"}} x\n"), "trailing characters"),
        (format!("{ROW}\n{{\"id\":\"E2\",\"kpi\":01}}\n"), "line 2, column"),
        (format!("{ROW}\n{{\"id\":\"E2\",\"kpi\":1.}}\n"), "line 2, column"),
        (format!("{ROW}\n{{\"id\":\"E2\",\"ok\":tru}}\n"), "line 2, column"),
        (format!("{ROW}\n[1]\n"), "line 2, column"),
    ] {
        let (outcome, scanned) = agree(file.as_bytes());
        assert_eq!(scanned, 1);
        let message = failed(&outcome).unwrap_or_else(|| panic!("{file}: no failure"));
        assert!(message.contains(place), "{file}: {message}");
    }
    let mut bytes = format!("{ROW}\n").into_bytes();
    bytes.extend_from_slice(b"{\"id\":\"E2\",\"name\":\"\xFF\"}\n");
    let (outcome, _) = agree(&bytes);
    assert!(failed(&outcome).is_some_and(|m| m.contains("line 2")));
}

/// A json document of `evaluate`'s shape around `rows`.
fn document(rows: &[&str]) -> String {
    format!("{{\n  \"meta\": {{\"scheme\": \"s\", \"scheme_sha256\": \"ab\", \"as_of\": \"2026-12-31\"}},\n  \"results\": [\n    {}\n  ],\n  \"summary\": {{\"total\": {}}}\n}}\n", rows.join(",\n    "), rows.len())
}

#[test]
fn json_documents_hand_the_rest_to_serde_json_from_the_last_result_taken() {
    let e2 = ROW.replace("E1", "E2");
    let (outcome, scanned) = agree(document(&[ROW, &e2]).as_bytes());
    assert_eq!((results(&outcome), scanned), (2, 2));
    assert!(failed(&outcome).is_none());
    let (outcome, scanned) = agree(document(&[]).as_bytes());
    assert_eq!((results(&outcome), scanned), (0, 0));
    // Results serde_json reads after the scanner stops: sent once each, in order.
    for odd in [r#"{"id":"E3","kpi":{"a":1}}"#, r#"{"id":"E3","kpi":1,"kpi":1}"#, r#"{"id":"E3"  ,  "kpi":  [1, [2]]}"#] {
        let (outcome, scanned) = agree(document(&[ROW, odd, &e2]).as_bytes());
        assert_eq!((results(&outcome), scanned), (3, 1), "{odd}");
        let (outcome, scanned) = agree(document(&[odd, ROW]).as_bytes());
        assert_eq!((results(&outcome), scanned), (2, 0), "{odd}");
    }
    // Broken documents: serde_json's message, at the file's line and column.
    let good = document(&[ROW, &e2]);
    for broken in [
        good.replacen("\"E2\",", "\"E2\",,", 1),
        good.replacen("}\n  ],", "},\n  ],", 1),
        good.replacen("\"summary\"", "\"summary\" x", 1),
        good.replacen(",\n    {\"id\":\"E2\"", "\n    {\"id\":\"E2\"", 1),
        good.replacen("86.05", "86.05.1", 1),
        good.replacen("\"E2\"", "\"E\\x2\"", 1),
        good[..good.len() / 2].to_string(),
        good[..good.len() - 3].to_string(),
        good.replace(']', "]]"),
        format!("{good}{{}}"),
    ] {
        // As written, and on one line (the failure on the line of the last result taken).
        for broken in [broken.clone(), broken.replace('\n', "")] {
            let (outcome, _) = agree(broken.as_bytes());
            let message = failed(&outcome).unwrap_or_else(|| panic!("no failure: {broken}"));
            assert!(message.contains("line "), "{message}");
        }
    }
}

#[test]
fn other_document_shapes_are_read_by_serde_json_whole() {
    let e2 = ROW.replace("E1", "E2");
    let good = document(&[ROW, &e2]);
    for other in [
        // meta after results, no meta, a key escaped, results twice, a BOM, not an object.
        format!("{{\"results\": [{ROW}], \"meta\": {{\"scheme\": \"x\"}}}}"),
        format!("{{\"results\": [{ROW}, {e2}]}}"),
        good.replacen("\"meta\"", "\"m\\u0065ta\"", 1),
        good.replacen("\"summary\"", &format!("\"results\": [{ROW}], \"summary\""), 1),
        format!("\u{feff}{good}"),
        good.replacen("\"results\": [", "\"results\": 5, \"x\": [", 1),
        "{\"meta\": {}}".to_string(),
        "{\"meta\": {} , \"results\"".to_string(),
    ] {
        let (outcome, scanned) = agree(other.as_bytes());
        if other.starts_with("{\"results\"") || other.contains("m\\u0065ta") || other.contains('\u{feff}') {
            assert_eq!(scanned, 0, "{other}");
        }
        let _ = outcome;
    }
    // A long document, read in several chunks, with CJK cut by a chunk's end somewhere.
    let rows: Vec<String> = (0..3000).map(|i| ROW.replace("E1", &format!("E{i}")).replace("张伟", &"张".repeat(i % 7))).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let (outcome, scanned) = agree(document(&rows).as_bytes());
    assert_eq!((results(&outcome), scanned), (3000, 3000));
    let mut broken = document(&rows).into_bytes();
    let at = broken.len() * 2 / 3;
    broken[at] = 0xFF;
    let (outcome, _) = agree(&broken);
    assert!(failed(&outcome).is_some());
}

/// `ladder evaluate`'s output for an example, in `format`.
fn evaluate(args: &[&str], format: &str) -> Vec<u8> {
    use clap::Parser as _;
    let root = env!("CARGO_MANIFEST_DIR");
    let mut argv = vec!["ladder".to_string(), "evaluate".into(), "--as-of".into(), "2026-12-31".into(), "--quiet".into()];
    argv.extend(["--format".into(), format.into()]);
    argv.extend(args.iter().map(|a| if a.starts_with("examples/") { format!("{root}/{a}") } else { (*a).to_string() }));
    let cli = crate::cli::args::Cli::try_parse_from(argv).unwrap();
    let request = crate::cli::request::resolve(cli).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    let mut out = Vec::new();
    crate::cli::run(request, &mut out).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    out
}

#[test]
fn every_examples_results_are_scanned_whole_and_read_as_serde_json_reads_them() {
    let examples: [&[&str]; 4] = [
        &["examples/telecom-after-sales.csv"],
        &["examples/telecom-after-sales.csv", "--scores", "examples/telecom-after-sales-scores.csv"],
        &["--ladder", "customer-service", "examples/customer-service.csv"],
        &["--ladder", "examples/review-cycle", "examples/review-cycle.csv"],
    ];
    for args in examples {
        for format in ["json", "ndjson"] {
            let bytes = evaluate(args, format);
            let (outcome, scanned) = agree(&bytes);
            assert!(failed(&outcome).is_none(), "{args:?} {format}");
            assert!(results(&outcome) > 0);
            assert_eq!(scanned as usize, results(&outcome), "{args:?} {format}: every result scanned");
        }
    }
}

/// A JSON string for `s`, each character written plainly or escaped as chosen by `how`.
fn quote(s: &str, how: &[u8]) -> String {
    let mut out = String::from("\"");
    for (i, ch) in s.chars().enumerate() {
        let pick = how.get(i % how.len().max(1)).copied().unwrap_or(0) % 3;
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if pick == 1 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
            '/' if pick == 2 => out.push_str("\\/"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,8}",
        "[a-z\"\\\\/ \n\t]{0,6}",
        prop::sample::select(vec!["张伟".to_string(), "王芳 李".into(), "😀x".into(), String::new(), "T2".into(), "85.50".into()]),
    ]
}

fn number() -> impl Strategy<Value = String> {
    ("-?", "(0|[1-9][0-9]{0,22})", "(\\.[0-9]{1,20})?", "([eE][+-]?[0-9]{1,3})?").prop_map(|(a, b, c, d)| format!("{a}{b}{c}{d}"))
}

/// A value as JSON text.
fn value() -> impl Strategy<Value = String> {
    let escapes = prop::collection::vec(any::<u8>(), 1..4);
    prop_oneof![
        4 => (text(), escapes.clone()).prop_map(|(s, how)| quote(&s, &how)),
        3 => number(),
        1 => prop::sample::select(vec!["null".to_string(), "true".into(), "false".into()]),
        2 => (prop::collection::vec((text(), escapes), 0..4), "[ \n]{0,2}").prop_map(|(items, ws)| {
            format!("[{ws}{}{ws}]", items.iter().map(|(s, how)| quote(s, how)).collect::<Vec<_>>().join(&format!(",{ws}")))
        }),
        1 => prop::collection::vec(prop_oneof![number(), Just("null".to_string())], 1..3).prop_map(|items| format!("[{}]", items.join(","))),
    ]
}

/// A record: the id and some fields in any order, blank space between tokens as chosen.
fn record() -> impl Strategy<Value = String> {
    let keys =
        prop::sample::subsequence(vec!["name", "grade", "kpi", "rank", "band", "status", "unmet", "extra", "errors", "composite"], 0..10);
    (
        text(),
        prop::collection::vec(any::<u8>(), 1..3),
        keys,
        prop::collection::vec(value(), 10),
        any::<u64>(),
        prop::collection::vec(0..5usize, 8),
    )
        .prop_map(|(id, how, keys, values, order, gaps)| {
            let mut pairs: Vec<(String, String)> = keys.iter().zip(values).map(|(k, v)| (quote(k, &how), v)).collect();
            pairs.push(("\"id\"".to_string(), quote(&id, &how)));
            // A shuffle, from the seed.
            let n = pairs.len();
            for i in (1..n).rev() {
                pairs.swap(i, (order.rotate_left(i as u32 * 7) as usize) % (i + 1));
            }
            let ws = |k: usize| ["", " ", "\n", "\t ", "\r\n"][gaps[k % gaps.len()]];
            let body: Vec<String> =
                pairs.iter().enumerate().map(|(i, (k, v))| format!("{}{k}{}:{}{v}{}", ws(i), ws(i + 1), ws(i + 2), ws(i + 3))).collect();
            format!("{{{}{}}}", body.join(","), ws(7))
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// ndjson: one record a line (the records' own line breaks made spaces), scanned whole.
    #[test]
    fn scanned_ndjson_is_serde_jsons(records in prop::collection::vec(record(), 0..6), crlf in any::<bool>()) {
        let lines: Vec<String> = records.iter().map(|r| r.replace(['\n', '\r'], " ")).collect();
        let file = lines.join(if crlf { "\r\n" } else { "\n" });
        let (outcome, scanned) = agree(file.as_bytes());
        prop_assert_eq!(scanned as usize, results(&outcome));
        prop_assert_eq!(results(&outcome), records.len());
    }

    /// json: the records as a document's results, with line breaks inside them.
    #[test]
    fn scanned_json_is_serde_jsons(records in prop::collection::vec(record(), 0..6)) {
        let rows: Vec<&str> = records.iter().map(String::as_str).collect();
        let (outcome, scanned) = agree(document(&rows).as_bytes());
        prop_assert_eq!(scanned as usize, results(&outcome));
        prop_assert_eq!(results(&outcome), records.len());
    }

    /// Any cut or one byte changed: the same results, or the same message.
    #[test]
    fn damaged_files_agree(records in prop::collection::vec(record(), 1..4), json in any::<bool>(), at in any::<prop::sample::Index>(), byte in prop::sample::select(b"{}[],:\"\\ 0x\n\xFF".to_vec()), cut in any::<bool>()) {
        let rows: Vec<&str> = records.iter().map(String::as_str).collect();
        let mut file = if json { document(&rows) } else { records.iter().map(|r| r.replace(['\n', '\r'], " ") + "\n").collect() }.into_bytes();
        let i = at.index(file.len());
        if cut { file.truncate(i) } else { file[i] = byte }
        agree(&file);
    }
}
