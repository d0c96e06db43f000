//! Scheme validation against hostile or careless schemes (issue 14): an
//! empty rule where a rule is expected, rules nested deep in block style,
//! titles that could stand for two ids, unreadable files in a scheme
//! directory. Each is a located problem (`file:line:column`) and exit 1,
//! never a silent meaning, a skipped file or a crash.

use super::harness::{bad_scheme_with as scheme_with, write, Run, Test, BAD_SCHEME as SCHEME};
use std::time::Duration;

fn check(scheme: &str) -> Run<Vec<u8>> {
    Test::new().args(["check", "--ladder", scheme]).timeout(Duration::from_secs(20)).run_bytes()
}

#[test]
fn the_fixture_scheme_is_good() {
    let out = Test::new().args(["check", "--ladder", SCHEME]).run_bytes();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// Every empty rule list, at any depth, is a problem at its own line and
/// column; `demotion: []` used to demote every employee.
#[test]
fn empty_rule_lists_are_problems_where_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let grade_rule = "        requires:\n          - {fact: months_in_grade, min: 12}\n          - {fact: kpi, min: 80}";
    let cases: [(&str, String, &[&str]); 9] = [
        ("top-demotion", String::new(), &[":3:1", "`demotion` is an empty list"]),
        ("grade-requires", "        requires: []".into(), &[":26:9", "`requires` is an empty list"]),
        ("all", "        requires:\n          all: []".into(), &[":27:11", "`all` needs at least one rule"]),
        ("any", "        requires:\n          any: []".into(), &[":27:11", "`any` needs at least one rule"]),
        ("not", "        requires:\n          - not: []".into(), &[":27:13", "`not` is an empty list"]),
        ("deep", "        requires:\n          - any:\n              - {fact: kpi, min: 1}\n              - not:\n                  all:\n                    - []".into(), &[":31:23", "the rule is an empty list"]),
        ("grade-demotion", "        demotion: []\n        requires: [{fact: kpi, min: 80}]".into(), &[":26:9", "`demotion` is an empty list"]),
        ("null-demotion", "        demotion:\n        requires: [{fact: kpi, min: 80}]".into(), &[":26:9", "`demotion` is empty"]),
        ("null-requires", "        requires: ~".into(), &[":26:9", "`requires` is empty"]),
    ];
    for (name, rule, expected) in cases {
        let text = match name {
            // On line 3, right after `scheme: mini`.
            "top-demotion" => scheme_with(&[("scheme: mini\n", "scheme: mini\ndemotion: []\n")]),
            _ => scheme_with(&[(grade_rule, &rule)]),
        };
        let path = write(dir.path(), &format!("{name}.yaml"), text);
        let mut parts = vec![format!("{path}{}", expected[0])];
        parts.extend(expected[1..].iter().map(|s| (*s).to_string()));
        check(&path).refused(&parts.iter().map(String::as_str).collect::<Vec<_>>());
    }
    // A bridge's empty rule too.
    let text = scheme_with(&[("requires: [{fact: rank_pct, max: 50}]", "requires: []")]);
    let path = write(dir.path(), "bridge.yaml", text);
    check(&path).refused(&[&format!("{path}:36:24"), "`requires` is an empty list"]);
}

/// Rules nested 100 000 deep in block style (`- - - …` on one line, and
/// `all:` / `- all:` on lines of their own) are refused at the level that
/// passes the limit; yaml-rust2's loader recursed once a level and the
/// process aborted on a stack overflow after 1.7 GB.
#[test]
fn rules_nested_deep_in_block_style_are_refused_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let dashes = format!("scheme: x\ndemotion:\n  {}{{fact: kpi, min: 1}}\n", "- ".repeat(100_000));
    let path = write(dir.path(), "dashes.yaml", dashes);
    // Level 1 is the root mapping, the 128th `- ` opens level 129: column 3 + 2 × 127.
    check(&path).refused(&[&format!("{path}:3:257"), "nests deeper than 128 levels"]);
    let mut lines = vec!["scheme: x".to_string(), "demotion:".to_string()];
    for level in 0..1_000 {
        let indent = " ".repeat(2 + 4 * level);
        lines.push(format!("{indent}all:"));
        lines.push(format!("{indent}  -"));
    }
    lines.push(format!("{}{{fact: kpi, min: 1}}", " ".repeat(2 + 4 * 1_000)));
    let path = write(dir.path(), "all.yaml", lines.join("\n") + "\n");
    check(&path).refused(&[&format!("{path}:130:"), "nests deeper than 128 levels"]);
}

/// A case: its name, the replacements in the fixture scheme, the expected location and message parts.
type Case = (&'static str, &'static [(&'static str, &'static str)], &'static [&'static str]);

/// Titles stand for ids in the employee file (SPEC §3): two grades,
/// positions or sequences with one title, or a title that is another's id,
/// are problems naming both places; a cell used to mean the first silently.
#[test]
fn a_title_stands_for_one_thing_only() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [Case; 4] = [
        (
            "grades",
            &[("      - {id: T1}", "      - {id: T1, title: 技术员}"), ("      - {id: M1}", "      - {id: M1, title: ' 技术员 '}")],
            &[":33:25", "grade `M1` has the same title `技术员` as grade `T1` (at ", ":24:18)"],
        ),
        (
            "title-is-an-id",
            &[("      - {id: M1}", "      - {id: M1, title: T2}")],
            &[":33:25", "the title `T2` of grade `M1` is the id of grade `T2` (at ", ":25:9)"],
        ),
        (
            "positions",
            &[("sequences:\n", "  - id: engineer2\n    title: 工程师\n    kpis: [{id: quality, weight: 100}]\n    competencies: {core: {weight: 100, items: [skill]}}\nsequences:\n")],
            &[":22:12", "position `engineer2` has the same title `工程师` as position `engineer` (at ", ":15:5)"],
        ),
        (
            "sequences",
            &[("  - id: technical\n", "  - id: technical\n    title: 序列\n"), ("  - id: management\n", "  - id: management\n    title: 序列\n")],
            &[":33:12", "sequence `management` has the same title `序列` as sequence `technical` (at ", ":23:5)"],
        ),
    ];
    for (name, replacements, expected) in cases {
        let path = write(dir.path(), &format!("{name}.yaml"), scheme_with(replacements));
        let mut parts = vec![format!("{path}{}", expected[0])];
        parts.extend(expected[1..].iter().map(|s| (*s).to_string()));
        check(&path).refused(&parts.iter().map(String::as_str).collect::<Vec<_>>());
    }
}

/// A directory scheme's file that cannot be read is an error naming it,
/// never a file silently left out (the rules it holds would be missing);
/// `.YAML` and `.YML` are YAML files like `.yaml`.
#[cfg(unix)]
#[test]
fn unreadable_files_of_a_scheme_directory_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let scheme = dir.path().join("scheme");
    std::fs::create_dir(&scheme).unwrap();
    std::fs::copy(SCHEME, scheme.join("Main.YAML")).unwrap();
    let shown = scheme.to_str().unwrap().to_string();
    let out = Test::new().args(["check", "--ladder", &shown]).run_bytes();
    assert_eq!(out.code, 0, "a .YAML file is read: {}", out.stderr);

    std::os::unix::fs::symlink(dir.path().join("gone.yaml"), scheme.join("extra.yaml")).unwrap();
    std::os::unix::fs::symlink(scheme.join("loop.yml"), scheme.join("loop.yml")).unwrap();
    let run = check(&shown);
    run.refused(&[&format!("{shown}/extra.yaml"), &format!("{shown}/loop.yml"), "cannot read:", "2 problems"]);
    // Other names are still no part of the scheme.
    std::fs::remove_file(scheme.join("extra.yaml")).unwrap();
    std::fs::remove_file(scheme.join("loop.yml")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), scheme.join("notes.txt")).unwrap();
    assert_eq!(check(&shown).code, 0);
}

/// Messages that point at the right place and say what is wrong (issue 14
/// items 15, 16): a duplicate key at its own line, an integer past 64 bits
/// "too large", an empty scale "empty".
#[test]
fn duplicate_keys_huge_integers_and_empty_scales_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, (&str, &str), &[&str]); 4] = [
        ("dup-top", ("title: Mini scheme for bad-input tests\n", "title: a\nbands: []\ntitle: b\n"), &[":5:1", "duplicate field `title`"]),
        (
            "dup-nested",
            ("core: {weight: 100, items: [skill, care]}", "core: {weight: 100, items: [skill, care], weight: 5}"),
            &[":20:49", "duplicate field `weight`"],
        ),
        (
            "huge",
            ("review: {quarters: 2, halves: 1}", "review: {quarters: 18446744073709551616, halves: 1}"),
            &[":4:20", "`18446744073709551616` is too large"],
        ),
        ("empty-scale", ("education: [高中, 大专, 本科]", "education: []"), &[":7:3", "the `education` scale is empty"]),
    ];
    for (name, replacement, expected) in cases {
        let path = write(dir.path(), &format!("{name}.yaml"), scheme_with(&[replacement]));
        let mut parts = vec![format!("{path}{}", expected[0])];
        parts.extend(expected[1..].iter().map(|s| (*s).to_string()));
        check(&path).refused(&parts.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
