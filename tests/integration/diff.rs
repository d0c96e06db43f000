//! `ladder diff` (SPEC §8.6): two evaluations of the example staff, under
//! the built-in scheme and under a copy with one threshold changed; the
//! changed set must be what a join of the two json results says, whatever
//! the formats of the two files, in whatever order their rows come.

use super::harness::{ladder, Test};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const STAFF: &str = "examples/telecom-after-sales.csv";

/// A copy of the built-in scheme with T2's months in grade lowered from 6 to 3.
fn changed_scheme(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("ladders/telecom-after-sales");
    let to = dir.join("scheme");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "technical.yaml" {
            let old = "{fact: months_in_grade, min: 6}";
            assert!(text.contains(old));
            text = text.replacen(old, "{fact: months_in_grade, min: 3}", 1);
        }
        std::fs::write(to.join(path.file_name().unwrap()), text).unwrap();
    }
    to
}

/// Evaluates the staff as of 2026-12-31 into `dir/name` (the format from its extension).
fn evaluate(dir: &Path, name: &str, ladder_dir: Option<&Path>) -> String {
    let out = dir.join(name).to_str().unwrap().to_string();
    let format = name.rsplit('.').next().unwrap();
    let mut args = vec!["evaluate", "--as-of", "2026-12-31", "--quiet", "--format", format, "--output", &out];
    let l;
    if let Some(d) = ladder_dir {
        l = d.to_str().unwrap().to_string();
        args.extend(["--ladder", &l]);
    }
    args.push(STAFF);
    let run = ladder(&args);
    assert!(run.code == 0 || run.code == 3, "evaluate failed: {}", run.stderr);
    out
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text.get(..300).unwrap_or(text)))
}

/// A value as text for comparing: null and "" alike, lists joined with `; `, numbers by value.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.as_f64().unwrap().to_string(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

type Changes = BTreeMap<String, BTreeSet<(String, String, String)>>;

/// The join, done here: id → the (field, old, new) that differ.
fn join(old: &Value, new: &Value) -> Changes {
    let by_id = |doc: &Value| -> BTreeMap<String, serde_json::Map<String, Value>> {
        doc["results"].as_array().unwrap().iter().map(|r| (r["id"].as_str().unwrap().to_string(), r.as_object().unwrap().clone())).collect()
    };
    let (old, new) = (by_id(old), by_id(new));
    let mut changes = Changes::new();
    for (id, a) in &old {
        let Some(b) = new.get(id) else { continue };
        for (field, va) in a {
            let vb = &b[field];
            if text(va) != text(vb) {
                changes.entry(id.clone()).or_default().insert((field.clone(), text(va), text(vb)));
            }
        }
    }
    changes
}

/// The changed set of `diff --format json`.
fn diff_changes(old: &str, new: &str) -> (Changes, Value) {
    let run = ladder(&["diff", "--format", "json", old, new]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = json(&run.stdout);
    let mut changes = Changes::new();
    for c in doc["changed"].as_array().cloned().unwrap_or_default() {
        let id = c["id"].as_str().unwrap().to_string();
        for f in c["changes"].as_array().unwrap() {
            changes.entry(id.clone()).or_default().insert((f["field"].as_str().unwrap().to_string(), text(&f["old"]), text(&f["new"])));
        }
    }
    (changes, doc)
}

#[test]
fn the_changed_set_is_the_join_of_the_two_results() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = changed_scheme(dir.path());
    let old = evaluate(dir.path(), "old.json", None);
    let new = evaluate(dir.path(), "new.json", Some(&scheme));
    let expected = join(&json(&std::fs::read_to_string(&old).unwrap()), &json(&std::fs::read_to_string(&new).unwrap()));
    assert!(!expected.is_empty(), "the threshold change must move someone");
    assert!(expected.values().flatten().any(|(f, _, _)| f == "status"));
    let (changes, doc) = diff_changes(&old, &new);
    assert_eq!(changes, expected);
    let s = &doc["summary"];
    let total = json(&std::fs::read_to_string(&old).unwrap())["results"].as_array().unwrap().len() as u64;
    assert_eq!(s["changed"], expected.len() as u64);
    assert_eq!(s["unchanged"].as_u64().unwrap() + s["changed"].as_u64().unwrap(), total);
    assert_eq!((s["added"].as_u64(), s["removed"].as_u64()), (Some(0), Some(0)));
    assert_eq!(s["scheme"]["changed"], true, "{s}");
    assert_eq!(s["inputs"]["changed"], false, "{s}");
    assert_eq!(s["as_of"]["changed"], false, "{s}");
}

#[test]
fn mixed_formats_and_orders_give_the_same_answer() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = changed_scheme(dir.path());
    let d = dir.path();
    let (old_json, new_json) = (evaluate(d, "old.json", None), evaluate(d, "new.json", Some(&scheme)));
    let (old_csv, new_csv) = (evaluate(d, "old.csv", None), evaluate(d, "new.csv", Some(&scheme)));
    let (old_nd, new_nd) = (evaluate(d, "old.ndjson", None), evaluate(d, "new.ndjson", Some(&scheme)));
    // The same results in reverse order, under a name that does not say the format.
    let reversed = d.join("new-reversed.txt");
    let mut lines: Vec<String> = std::fs::read_to_string(&new_nd).unwrap().lines().map(str::to_string).collect();
    lines.reverse();
    std::fs::write(&reversed, lines.join("\n") + "\n").unwrap();
    let reversed = reversed.to_str().unwrap();

    let (want, _) = diff_changes(&old_json, &new_json);
    assert!(!want.is_empty());
    for (old, new) in
        [(&old_json, &new_csv), (&old_csv, &new_json), (&old_nd, &new_csv), (&old_csv, &new_nd), (&old_json, &reversed.to_string())]
    {
        let (got, doc) = diff_changes(old, new);
        assert_eq!(got, want, "{old} vs {new}");
        let s = &doc["summary"];
        assert_eq!((s["added"].as_u64(), s["removed"].as_u64()), (Some(0), Some(0)), "{old} vs {new}: {s}");
        assert_eq!(s["unchanged"].as_u64().unwrap() + s["changed"].as_u64().unwrap(), 35);
        assert_eq!(doc["summary"]["scheme"]["changed"], Value::Null, "csv and ndjson cannot tell");
    }
    let table = ladder(&["diff", &old_csv, &new_json]);
    assert!(table.stdout.contains("scheme: cannot tell (OLD is csv"), "{}", table.stdout);
}

#[test]
fn figures_compare_by_value_and_blank_equals_null() {
    let dir = tempfile::tempdir().unwrap();
    let old = evaluate(dir.path(), "old.json", None);
    let csv = evaluate(dir.path(), "old.csv", None);
    // 86.05 written as 86.050, and an empty list cell quoted: the same values.
    let text = std::fs::read_to_string(&csv).unwrap();
    let edited = text.replacen(",86.05,", ",86.050,", 1).replacen(",T2,T2,,,,", ",T2,T2,\"\",,,", 1);
    assert_ne!(edited, text);
    std::fs::write(&csv, edited).unwrap();
    let run = ladder(&["diff", "--format", "csv", &old, &csv]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "id,field,old,new\n");
    assert!(run.stderr.contains("changed 0,"), "{}", run.stderr);
    // A real change of a figure is seen.
    std::fs::write(&csv, text.replacen(",86.05,", ",86.06,", 1)).unwrap();
    let run = ladder(&["diff", "--format", "csv", &old, &csv]);
    assert_eq!(run.stdout, "id,field,old,new\nE001,kpi,86.05,86.06\n");
    // A figure alone is no decision moved: --exit-code stays 0.
    assert_eq!(ladder(&["diff", "--exit-code", &old, &csv]).code, 0);
}

#[test]
fn ids_in_one_run_only_are_added_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let nd = evaluate(dir.path(), "all.ndjson", None);
    let lines: Vec<String> = std::fs::read_to_string(&nd).unwrap().lines().map(str::to_string).collect();
    let old = dir.path().join("old.ndjson");
    let new = dir.path().join("new.ndjson");
    // OLD lacks the second row, NEW lacks the fifth.
    let keep = |skip: usize| lines.iter().enumerate().filter(|(i, _)| *i != skip).flat_map(|(_, l)| [l.as_str(), "\n"]).collect::<String>();
    std::fs::write(&old, keep(1)).unwrap();
    std::fs::write(&new, keep(4)).unwrap();
    let id = |i: usize| json(&lines[i])["id"].as_str().unwrap().to_string();
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let run = ladder(&["diff", "--format", "json", old, new]);
    let doc = json(&run.stdout);
    let ids = |list: &str| doc[list].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids("added"), vec![id(1)]);
    assert_eq!(ids("removed"), vec![id(4)]);
    assert_eq!(doc["summary"]["changed"], 0);
    assert_eq!(doc["summary"]["unchanged"], lines.len() as u64 - 2);
    let table = ladder(&["diff", old, new]);
    assert!(table.stdout.contains(&format!("+ {}: added", id(1))), "{}", table.stdout);
    assert!(table.stdout.contains(&format!("- {}: removed", id(4))), "{}", table.stdout);
    // An employee in one run only is a decision that moved.
    assert_eq!(ladder(&["diff", "--exit-code", old, new]).code, 4);
}

#[test]
fn exit_code_four_only_when_a_decision_moved() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = changed_scheme(dir.path());
    let old = evaluate(dir.path(), "old.json", None);
    let same = evaluate(dir.path(), "same.csv", None);
    let new = evaluate(dir.path(), "new.ndjson", Some(&scheme));
    assert_eq!(ladder(&["diff", "--exit-code", &old, &same]).code, 0);
    assert_eq!(ladder(&["diff", &old, &new]).code, 0, "without --exit-code a difference is no failure");
    let run = ladder(&["diff", "--exit-code", &old, &new]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stdout.contains("status hold → promote"), "{}", run.stdout);
    // --output writes the report, the format from its extension.
    let report = dir.path().join("changes.csv");
    let run = ladder(&["diff", "--output", report.to_str().unwrap(), &old, &new]);
    assert_eq!(run.code, 0);
    assert!(std::fs::read_to_string(&report).unwrap().starts_with("id,field,old,new\n"));
}

#[test]
fn a_file_that_is_not_results_is_exit_1_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let good = evaluate(dir.path(), "good.ndjson", None);
    let lines: Vec<String> = std::fs::read_to_string(&good).unwrap().lines().map(str::to_string).collect();
    let cases: Vec<(&str, String, &str)> = vec![
        ("broken.ndjson", format!("{}\n{}\n{{\"id\": \"X\", \"status\": \n", lines[0], lines[1]), "line 3"),
        ("no-id.ndjson", format!("{}\n{{\"status\": \"hold\"}}\n", lines[0]), "a result without an `id`"),
        ("staff.csv", std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(STAFF)).unwrap(), "line 1: not a results file"),
        ("ragged.csv", "id,status,kpi\nE1,hold,80\nE2,hold\n".to_string(), "line 3"),
        ("truncated.json", "{\n  \"meta\": {},\n  \"results\": [\n    {\"id\": \"E1\"},\n    {\"id\": ".to_string(), "line 5"),
        ("other.json", "{\n  \"rows\": []\n}\n".to_string(), "no `results` list"),
        ("book.xlsx", "PK\u{3}\u{4}rest".to_string(), "line 1: not a results file (a zip or workbook)"),
    ];
    for (name, content, place) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, content).unwrap();
        let path = path.to_str().unwrap();
        for args in [[good.as_str(), path], [path, good.as_str()]] {
            let run = ladder(&["diff", args[0], args[1]]);
            assert_eq!(run.code, 1, "{name}: {}{}", run.stdout, run.stderr);
            assert!(run.stderr.contains(path) && run.stderr.contains(place), "{name}: {}", run.stderr);
        }
    }
    let run = ladder(&["diff", &good, "/nonexistent/results.json"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("/nonexistent/results.json: cannot open"), "{}", run.stderr);
}

#[test]
fn evaluate_json_meta_holds_the_scheme_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let changed = changed_scheme(dir.path());
    // An unchanged copy of the built-in scheme: the same content, so the same hash.
    let copy = dir.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("ladders/telecom-after-sales")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
    }
    let meta =
        |scheme: Option<&Path>, name: &str| json(&std::fs::read_to_string(evaluate(dir.path(), name, scheme)).unwrap())["meta"].clone();
    let (builtin, copied, other) = (meta(None, "a.json"), meta(Some(&copy), "b.json"), meta(Some(&changed), "c.json"));
    for m in [&builtin, &copied, &other] {
        let mut h = Sha256::new();
        for f in m["scheme_files"].as_array().unwrap() {
            h.update(f["sha256"].as_str().unwrap().as_bytes());
            h.update(b"\n");
        }
        assert_eq!(m["scheme_sha256"].as_str().unwrap(), format!("{:x}", h.finalize()));
    }
    assert_eq!(builtin["scheme_sha256"], copied["scheme_sha256"]);
    assert_ne!(builtin["scheme_sha256"], other["scheme_sha256"]);
    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    let run = ladder(&["diff", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(run.stdout.contains("scheme: unchanged"), "{}", run.stdout);
}

#[test]
fn duplicate_ids_pair_in_order_and_stdin_reads_one_side() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.ndjson");
    let new = dir.path().join("new.csv");
    // `evaluate` keeps duplicate ids (as error rows): the first pairs with the first.
    std::fs::write(
        &old,
        concat!(
            "{\"id\":\"E1\",\"status\":\"hold\",\"kpi\":80}\n",
            "{\"id\":\"E1\",\"status\":\"error\",\"kpi\":null}\n",
            "{\"id\":\"E2\",\"status\":\"promote\",\"kpi\":90.5}\n",
        ),
    )
    .unwrap();
    std::fs::write(&new, "id,status,kpi\nE2,promote,90.50\nE1,hold,80.00\nE1,error,70\n").unwrap();
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let run = ladder(&["diff", "--format", "csv", old, new]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "id,field,old,new\nE1 (occurrence 2),kpi,,70\n");
    // One side from standard input gives the same answer; both is a usage error.
    let out = Test::new().args(["diff", "--format", "csv", "-", new]).stdin(std::fs::read(old).unwrap()).run();
    assert_eq!(out.stdout, run.stdout);
    assert_eq!(ladder(&["diff", "-", "-"]).code, 2);
}

#[test]
fn truncated_and_garbled_files_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for name in ["r.json", "r.ndjson", "r.csv"] {
        files.push(std::fs::read(evaluate(dir.path(), name, None)).unwrap());
    }
    let good = evaluate(dir.path(), "good.json", None);
    let bad = dir.path().join("bad");
    let bad = bad.to_str().unwrap();
    for (k, bytes) in files.iter().enumerate() {
        for cut in (1..bytes.len()).step_by(bytes.len() / 7) {
            let mut garbled = bytes[..cut].to_vec();
            // Every other case: a byte in the middle made invalid UTF-8 or a quote.
            if cut % 2 == 1 {
                garbled[cut / 2] = if k == 2 { b'"' } else { 0xFF };
            }
            std::fs::write(bad, &garbled).unwrap();
            let run = ladder(&["diff", &good, bad]);
            assert!(run.code == 0 || run.code == 1, "cut {cut} of file {k}: exit {}: {}", run.code, run.stderr);
            assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
            if run.code == 1 {
                assert!(run.stderr.contains(bad) && run.stderr.contains("line "), "{}", run.stderr);
            }
        }
    }
}
