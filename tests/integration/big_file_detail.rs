//! `explain` and `what-if` on a file that is scanned rather than held in
//! memory (issue 18 item 3) answer exactly what the in-memory evaluation of
//! every row answers (the reference): on files of the benchmark's generator
//! (`examples/gen.rs`, included here), with duplicate ids and rows in error
//! added, for the built-in scheme and for one with text cohorts and a forced
//! distribution; for what-if, changes that move the employee's composite,
//! cohort or neither. The files are a few hundred rows in CI and about 150
//! locally (`harness::scaled`): enough for every id the checks name.

#[allow(dead_code)]
#[path = "../../examples/gen.rs"]
mod gen;

use ladder::cmd::{explain, what_if};
use ladder::decision::Status;
use ladder::detail::DetailFormat;
use ladder::input::records::Encoding;
use ladder::input::Files;
use ladder::report::i18n::Lang;
use ladder::scheme::load_scheme;
use std::path::{Path, PathBuf};

use super::harness::scaled;

/// A generated file, with a duplicate id and two rows in error appended.
fn generated(dir: &Path, scheme: &str, employees: usize, seed: u64) -> PathBuf {
    let mut text = Vec::new();
    let o = gen::Options { employees, scheme: scheme.into(), seed, positions: None };
    gen::generate(&o, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // A later row with an earlier id (a duplicate, in error) and a row whose grade resolves to nothing.
    let dup = lines[3].replacen(',', ",dup ", 1);
    lines.push(dup);
    let mut bad: Vec<String> = lines[4].split(',').map(str::to_string).collect();
    bad[0] = "BAD1".into();
    bad[4] = "no-such-grade".into();
    lines.push(bad.join(","));
    let path = dir.join(format!("{}-{employees}-{seed}.csv", scheme.replace('/', "_")));
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn files(path: &Path) -> Files {
    Files { employees: path.to_string_lossy().into_owned(), scores: None, encoding: Encoding::Utf8, sheet: None, header_row: None }
}

/// The output (or the error) of `explain` both ways.
fn explain_both(scheme: &str, path: &Path, id: &str, format: DetailFormat) -> (String, String) {
    explain_both_in(scheme, path, id, format, Lang::En)
}

fn explain_both_in(scheme: &str, path: &Path, id: &str, format: DetailFormat, lang: Lang) -> (String, String) {
    let run = |in_memory| {
        let req = explain::Request {
            scheme: load_scheme(Some(scheme)).unwrap(),
            files: files(path),
            as_of: "2026-12-31".parse().unwrap(),
            id: id.into(),
            format,
            lang,
            placement: false,
            in_memory,
        };
        let mut out = Vec::new();
        match explain::run(&req, &mut out) {
            Ok(exit) => format!("{exit:?}\n{}", String::from_utf8(out).unwrap()),
            Err(e) => format!("error: {e}"),
        }
    };
    (run(false), run(true))
}

fn what_if_both(scheme: &str, path: &Path, id: &str, sets: &[(&str, &str)], format: DetailFormat) -> (String, String) {
    what_if_both_in(scheme, path, id, sets, format, Lang::En)
}

fn what_if_both_in(scheme: &str, path: &Path, id: &str, sets: &[(&str, &str)], format: DetailFormat, lang: Lang) -> (String, String) {
    let run = |in_memory| {
        let req = what_if::Request {
            scheme: load_scheme(Some(scheme)).unwrap(),
            files: files(path),
            as_of: "2026-12-31".parse().unwrap(),
            as_of_given: true,
            id: id.into(),
            sets: sets.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(),
            format,
            lang,
            in_memory,
        };
        let mut out = Vec::new();
        match what_if::run(&req, &mut out) {
            Ok(exit) => format!("{exit:?}\n{}", String::from_utf8(out).unwrap()),
            Err(e) => format!("error: {e}"),
        }
    };
    (run(false), run(true))
}

/// The cells of the row with `id`, by header.
fn row_of(path: &Path, id: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row = lines.find(|l| l.starts_with(&format!("{id},"))).unwrap();
    header.iter().zip(row.split(',')).map(|(h, c)| ((*h).to_string(), c.to_string())).collect()
}

fn cell<'a>(row: &'a [(String, String)], column: &str) -> &'a str {
    &row.iter().find(|(h, _)| h == column).unwrap().1
}

/// Another grade of the same sequence as the employee's, taken from a row of the file.
fn other_grade(path: &Path, id: &str) -> String {
    let own = row_of(path, id);
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (s, g) = (header.iter().position(|h| *h == "sequence").unwrap(), header.iter().position(|h| *h == "grade").unwrap());
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| {
            c.len() > g && c[s] == cell(&own, "sequence") && c[g] != cell(&own, "grade") && !c[g].is_empty() && c[g] != "no-such-grade"
        })
        .map(|c| c[g].to_string())
        .unwrap()
}

fn check(scheme: &str, employees: usize, seed: u64) {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), scheme, employees, seed);
    let ids = ["E0000000", "E0000017", "BAD1", "e0000005", "E9999999", "dup"];
    for id in ids.iter().copied().chain([&*format!("E{:07}", employees - 1)]) {
        let (scanned, reference) = explain_both(scheme, &path, id, DetailFormat::Json);
        assert_eq!(scanned, reference, "explain {id} on {scheme}");
    }
    let (scanned, reference) = explain_both(scheme, &path, "E0000002", DetailFormat::Text);
    assert_eq!(scanned, reference, "explain E0000002 as text on {scheme}");
    // In Chinese: the scan writes the reasons in the language asked for, as the reference does.
    for id in ["E0000002", "E0000017"] {
        let (scanned, reference) = explain_both_in(scheme, &path, id, DetailFormat::Text, Lang::Zh);
        assert_eq!(scanned, reference, "explain {id} as text in Chinese on {scheme}");
    }
    // CI tries every change on both employees; a local run each change on
    // one of them, alternately (every change is still tried).
    let all = super::harness::thorough();
    for (i, id) in ["E0000001", "E0000123"].into_iter().enumerate() {
        let row = row_of(&path, id);
        let score = row.iter().find(|(h, c)| h.starts_with("2026Q4.") && !c.is_empty()).unwrap().0.clone();
        let grade = other_grade(&path, id);
        let changes: Vec<Vec<(&str, &str)>> = vec![
            vec![(&score, "100")],
            vec![(&score, "0")],
            vec![(&score, cell(&row, &score))],
            vec![("grade", &grade)],
            vec![("grade_date", "2000-01-01")],
            vec![("grade", &grade), (&score, "100")],
            vec![("no_such_column", "1")],
            vec![("grade", "no-such-grade")],
            // A quarter's KPI score set whole (`2026Q4=90`), and one too high.
            vec![("2026Q4", "90")],
            vec![("2026Q4", "101")],
        ];
        for (k, sets) in changes.iter().enumerate() {
            if !all && k % 2 != i {
                continue;
            }
            let (scanned, reference) = what_if_both(scheme, &path, id, sets, DetailFormat::Json);
            assert_eq!(scanned, reference, "what-if {id} {sets:?} on {scheme}");
        }
        let (scanned, reference) = what_if_both(scheme, &path, id, &changes[0], DetailFormat::Text);
        assert_eq!(scanned, reference, "what-if {id} as text on {scheme}");
        // In Chinese, a score moved (others' ranks move) and a grade changed (a second cohort).
        for sets in [&changes[0], &changes[3]] {
            let (scanned, reference) = what_if_both_in(scheme, &path, id, sets, DetailFormat::Text, Lang::Zh);
            assert_eq!(scanned, reference, "what-if {id} {sets:?} as text in Chinese on {scheme}");
        }
    }
}

#[test]
fn scanned_explain_and_what_if_equal_the_in_memory_reference() {
    check("telecom-after-sales", scaled(160, 500), 7);
}

/// Text cohorts (department, sequence), a forced distribution and rank
/// rules: the review-cycle example without its quotas (with them: below).
#[test]
fn scanned_detail_equals_the_reference_with_cohorts_and_a_distribution() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/review-cycle");
    for entry in std::fs::read_dir(&example).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if let Some(at) = text.find("\nquotas:") {
            text.truncate(at + 1); // the quotas are the file's last section
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let scheme = dir.path().to_str().unwrap();
    assert!(load_scheme(Some(scheme)).unwrap().quotas.is_empty() && load_scheme(Some(scheme)).unwrap().distribution.is_some());
    check(scheme, scaled(160, 400), 11);
}

/// The review-cycle example with its quotas (a count, and a percentage per
/// department): `explain` scans the file and takes the queue from
/// `evaluate`'s first passes, and answers what the in-memory evaluation
/// does, place in the queue, full quotas and the last taker's id included.
#[test]
fn scanned_explain_under_quotas_equals_the_reference() {
    let scheme = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/review-cycle");
    assert!(!load_scheme(Some(scheme)).unwrap().quotas.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let employees = scaled(160, 400);
    let path = generated(dir.path(), scheme, employees, 13);
    // The ids to check, picked from the reference: candidates that took a
    // capped grade, candidates the queue left on hold, and others.
    let reference_scheme = load_scheme(Some(scheme)).unwrap();
    let (input, _) = files(&path).read_all().unwrap();
    let how = ladder::batch::memory::How { header_row: None, lang: Lang::En, placement: false };
    let e = ladder::batch::memory::evaluate_as(&reference_scheme, &input, None, "2026-12-31".parse().unwrap(), &how).unwrap();
    let capped = |g| reference_scheme.quotas.iter().any(|q| q.grades.contains(&g));
    let candidates = |status| {
        e.outcomes
            .iter()
            .filter(move |o| o.decision.quota_position.is_some() && o.decision.status == status)
            .filter(|o| status != Status::Promote || o.decision.recommended.is_some_and(capped))
            .map(|o| o.row.id.clone())
            .take(3)
            .collect::<Vec<_>>()
    };
    let (took, held) = (candidates(Status::Promote), candidates(Status::Hold));
    assert!(
        !took.is_empty() && !held.is_empty(),
        "the file must have candidates that took a capped grade ({took:?}) and that found it full ({held:?})"
    );
    let others = ["E0000000", "E0000001", "BAD1", "dup", "E9999999"].map(String::from);
    for id in took.iter().chain(&held).chain(&others) {
        let (scanned, reference) = explain_both(scheme, &path, id, DetailFormat::Json);
        assert_eq!(scanned, reference, "explain {id} under quotas");
    }
    for id in [&took[0], &held[0]] {
        let (scanned, reference) = explain_both_in(scheme, &path, id, DetailFormat::Text, Lang::Zh);
        assert_eq!(scanned, reference, "explain {id} as text in Chinese under quotas");
    }
}

/// `what-if` under quotas scans too: the queue is allocated for the file as
/// it is and as the change makes it (`evaluate`'s first passes, twice), and
/// every row the two queues treat differently is read back and listed, as
/// the in-memory evaluation of every row lists it: a held candidate raised
/// to the top (it takes the slot, and the last taker loses it), a taker
/// lowered, a grade changed (the head counts of `max_pct` move), the
/// department changed (another `per` group), nothing changed.
#[test]
fn scanned_what_if_under_quotas_equals_the_reference() {
    let scheme = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/review-cycle");
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), scheme, scaled(160, 400), 13);
    let reference_scheme = load_scheme(Some(scheme)).unwrap();
    let (input, _) = files(&path).read_all().unwrap();
    let how = ladder::batch::memory::How { header_row: None, lang: Lang::En, placement: false };
    let e = ladder::batch::memory::evaluate_as(&reference_scheme, &input, None, "2026-12-31".parse().unwrap(), &how).unwrap();
    let first = |status| {
        e.outcomes.iter().find(|o| o.decision.quota_position.is_some() && o.decision.status == status).map(|o| o.row.id.clone()).unwrap()
    };
    let (took, held) = (first(Status::Promote), first(Status::Hold));
    let mut lists_others = false;
    for id in [&held, &took, &"E0000001".to_string()] {
        let row = row_of(&path, id);
        let score = row.iter().find(|(h, c)| h.starts_with("2026Q4.") && !c.is_empty()).unwrap().0.clone();
        let grade = other_grade(&path, id);
        let department = if cell(&row, "department") == "华东" { "华南" } else { "华东" };
        let changes: Vec<Vec<(&str, &str)>> = vec![
            vec![(&score, "100")],
            vec![(&score, "0")],
            vec![("grade", &grade)],
            vec![("grade_date", "2000-01-01")],
            vec![("department", department)],
            vec![(&score, cell(&row, &score))],
        ];
        for sets in &changes {
            let (scanned, reference) = what_if_both(scheme, &path, id, sets, DetailFormat::Json);
            assert_eq!(scanned, reference, "what-if {id} {sets:?} under quotas");
            if let Some((_, json)) = scanned.split_once('\n') {
                let json: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
                lists_others |=
                    json["others_changed"].as_array().is_some_and(|o| o.iter().any(|o| o["changed"].get("quota_position").is_some()));
            }
        }
    }
    assert!(lists_others, "some change must move another candidate's place in the queue");
    let row = row_of(&path, &held);
    let score = row.iter().find(|(h, c)| h.starts_with("2026Q4.") && !c.is_empty()).unwrap().0.clone();
    let (scanned, reference) = what_if_both_in(scheme, &path, &held, &[(&score, "100")], DetailFormat::Text, Lang::Zh);
    assert_eq!(scanned, reference, "what-if {held} as text in Chinese under quotas");
}

/// Under quotas, a change moves the queue through rank too: the built-in
/// scheme with the bridge 中级技术员 → 班组长 on rank alone (rank_pct ≤ 30
/// in the cohort, no scheme-wide rule) and 班组长 capped, where raising or lowering one 中级技术员
/// moves the others' rank_pct across 30, so they join or leave the queue,
/// and everyone behind them moves in it.
/// The changed file's queue ranks every row as if the employee had moved
/// (`Cohorts::standing_moved`): this fails if it ranks them as they were.
#[test]
fn scanned_what_if_under_quotas_moves_the_queue_through_rank() {
    let dir = tempfile::tempdir().unwrap();
    let scheme_dir = dir.path().join("scheme");
    std::fs::create_dir(&scheme_dir).unwrap();
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("ladders/telecom-after-sales");
    for entry in std::fs::read_dir(&builtin).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "bridges.yaml" {
            // The bridge 中级技术员 → 班组长 on rank alone, so that rank decides who is in the queue.
            let from = text.find("  - from: T2").unwrap();
            let rank = from + text[from..].find("      - {fact: rank_pct, max: 30}").unwrap();
            let requires = from + text[from..].find("    requires:\n").unwrap() + "    requires:\n".len();
            text.replace_range(requires..rank, "");
        }
        if path.file_name().unwrap() == "scheme.yaml" {
            // No scheme-wide rule either: every 中级技术员 in the top 30 % is a candidate.
            let at = text.find("\nrequires:\n").unwrap() + 1;
            let end = at + text[at..].find("\n\n").unwrap();
            text.replace_range(at..end, "requires: [{fact: kpi, min: 0}]");
            text.push_str("quotas:\n  - {grade: M1, max: 1}\n  - {grade: M3, max_pct: 5}\n");
        }
        std::fs::write(scheme_dir.join(path.file_name().unwrap()), text).unwrap();
    }
    let scheme = scheme_dir.to_str().unwrap();
    let path = generated(dir.path(), "telecom-after-sales", scaled(200, 500), 21);
    // The 中级技术员 by rank_pct, from the reference: the last one in the top
    // 30 % (lowered, it leaves the queue and the next one joins) and the
    // first one below it (raised, it pushes the last one out).
    let reference_scheme = load_scheme(Some(scheme)).unwrap();
    let (input, _) = files(&path).read_all().unwrap();
    let how = ladder::batch::memory::How { header_row: None, lang: Lang::En, placement: false };
    let e = ladder::batch::memory::evaluate_as(&reference_scheme, &input, None, "2026-12-31".parse().unwrap(), &how).unwrap();
    let mut t2: Vec<(rust_decimal::Decimal, String)> = e
        .outcomes
        .iter()
        .filter(|o| o.row.grade.is_some_and(|g| reference_scheme.grade(g).id == "T2"))
        .filter_map(|o| Some((o.standing?.rank_pct, o.row.id.clone())))
        .collect();
    t2.sort();
    let thirty = rust_decimal::Decimal::from(30);
    let last_in = t2.iter().rev().find(|(pct, _)| *pct <= thirty).expect("a 中级技术员 in the top 30 %").1.clone();
    let first_out = t2.iter().find(|(pct, _)| *pct > thirty).expect("a 中级技术员 below the top 30 %").1.clone();
    let quarters = ["2026Q1", "2026Q2", "2026Q3", "2026Q4"];
    let mut moved_status = false;
    for (id, value) in [(&last_in, "0"), (&first_out, "100"), (&last_in, "100"), (&first_out, "0")] {
        let sets: Vec<(&str, &str)> = quarters.iter().map(|q| (*q, value)).collect();
        let (scanned, reference) = what_if_both(scheme, &path, id, &sets, DetailFormat::Json);
        assert_eq!(scanned, reference, "what-if {id} {sets:?} under quotas");
        let json: serde_json::Value = serde_json::from_str(scanned.split_once('\n').unwrap().1).unwrap();
        moved_status |= json["others_changed"].as_array().unwrap().iter().any(|o| o["changed"].get("status").is_some());
    }
    assert!(moved_status, "some change must move another's status (through rank, into or out of the queue)");
}

/// The benchmark's second scheme: 40 ratings a half, which the fast figures
/// now take (the scan's composites are the fast path's, the reference's the
/// exact path's: any difference would move a rank).
#[test]
fn scanned_detail_equals_the_reference_on_the_wide_scheme() {
    check(concat!(env!("CARGO_MANIFEST_DIR"), "/bench/wide-scheme"), scaled(140, 300), 5);
}

/// The what-if answer lists others whose rank moved: the check above must
/// see some, or it would hold nothing about them.
#[test]
fn a_moved_composite_moves_others_and_both_paths_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), "telecom-after-sales", scaled(200, 600), 3);
    let row = row_of(&path, "E0000010");
    let score = row.iter().find(|(h, c)| h.starts_with("2026Q4.") && !c.is_empty()).unwrap().0.clone();
    let (scanned, reference) = what_if_both("telecom-after-sales", &path, "E0000010", &[(&score, "0")], DetailFormat::Json);
    assert_eq!(scanned, reference);
    let json: serde_json::Value = serde_json::from_str(scanned.split_once('\n').unwrap().1).unwrap();
    assert!(json["others_changed"].as_array().is_some_and(|o| !o.is_empty()), "{json:#}");
}

/// The employee is looked for by the bytes of their id before the scan, and
/// only their cohort is ranked: an id that is also inside an earlier row's
/// name, a quoted id cell (a block the csv reader parses), a duplicate and
/// an id with a quote in it (which the search leaves to the scan of every
/// cohort) all answer as the in-memory reference does.
/// A member whose composite ties the employee's old one: raising the
/// employee puts one more composite above it (its rank moves), lowering
/// the employee does not. The scan only looks at the members between the
/// old and the new composite, the lower one included: this holds that edge.
#[test]
fn a_member_tied_with_the_old_composite_moves_when_the_employee_rises() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), "telecom-after-sales", scaled(120, 300), 17);
    // TIE1: E0000010's row under another id (same cohort, same composite).
    let text = std::fs::read_to_string(&path).unwrap();
    let twin = text.lines().find(|l| l.starts_with("E0000010,")).unwrap().replacen("E0000010", "TIE1", 1);
    std::fs::write(&path, format!("{text}{twin}\n")).unwrap();
    let row = row_of(&path, "E0000010");
    let score = row.iter().find(|(h, c)| h.starts_with("2026Q4.") && !c.is_empty()).unwrap().0.clone();
    for (value, tie_moves) in [("100", true), ("0", false)] {
        let (scanned, reference) = what_if_both("telecom-after-sales", &path, "E0000010", &[(&score, value)], DetailFormat::Json);
        assert_eq!(scanned, reference, "{score}={value}");
        let json: serde_json::Value = serde_json::from_str(scanned.split_once('\n').unwrap().1).unwrap();
        let listed = json["others_changed"].as_array().unwrap().iter().any(|o| o["id"] == "TIE1");
        assert_eq!(listed, tie_moves, "{score}={value}: {json:#}");
    }
}

#[test]
fn the_employee_is_found_by_their_id_whatever_else_holds_its_bytes() {
    use ladder::batch::scan::{locate, Request, Wanted};
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), "telecom-after-sales", scaled(120, 300), 13);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Row E0000002's name holds E0000040; E0000040's id cell is quoted;
    // E0000050's id is written with a quote in it.
    lines[3] = lines[3].replacen(",员工2,", ",员工2 E0000040,", 1);
    lines[41] = lines[41].replacen("E0000040,", "\"E0000040\",", 1);
    lines[51] = lines[51].replacen("E0000050,", "\"E0000\"\"050\",", 1);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert!(std::fs::read_to_string(&path).unwrap().contains("员工2 E0000040,"));

    let scheme = load_scheme(Some("telecom-after-sales")).unwrap();
    let files = files(&path);
    let req = Request::of_files(&scheme, &files, None, "2026-12-31".parse().unwrap(), true);
    let source = ladder::batch::scan::open(&req).unwrap();
    let ranked = |id: &str| match locate(&req, &source, id) {
        Wanted::Every => None,
        Wanted::Cohorts(keys) => Some(keys.len()),
    };
    // Found, each in one cohort: not left to the scan of every cohort.
    assert_eq!(ranked("E0000040"), Some(1));
    assert_eq!(ranked("E0000003"), Some(1));
    // A row in error ranks nothing, nor does an id no row has (its bytes
    // in no row, or only inside longer ids and names); an id with a quote
    // is left to the scan of every cohort.
    assert_eq!(ranked("BAD1"), Some(0));
    assert_eq!(ranked("E9999999"), Some(0));
    assert_eq!(ranked("E000004"), Some(0));
    assert_eq!(ranked("E0000\"050"), None);

    for id in ["E0000040", "E0000003", "dup", "BAD1", "E0000\"050", "E9999999", "E000004"] {
        let (scanned, reference) = explain_both("telecom-after-sales", &path, id, DetailFormat::Json);
        assert_eq!(scanned, reference, "explain {id}");
    }
    let row = row_of(&path, "E0000003");
    let score = row.iter().find(|(h, c)| h.starts_with("2026Q4.") && !c.is_empty()).unwrap().0.clone();
    let (scanned, reference) = what_if_both("telecom-after-sales", &path, "E0000040", &[(&score, "100")], DetailFormat::Json);
    assert_eq!(scanned, reference, "what-if E0000040");
}

/// Under quotas with long-form scores (`--scores`): the changed file's queue
/// reads the employee's changed scores, and every answer is the in-memory
/// one: the example file, with three tight quotas (a count, a count shared
/// by two grades, and a percentage that rounds to none), every kind of row
/// (candidates taking and missing a slot, rows in error, top, demoted).
#[test]
fn scanned_what_if_under_quotas_with_long_form_scores_equals_the_reference() {
    let dir = tempfile::tempdir().unwrap();
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("ladders/telecom-after-sales");
    for entry in std::fs::read_dir(&builtin).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.file_name().unwrap() == "scheme.yaml" {
            text.push_str("quotas:\n  - {grade: T3, max: 1}\n  - {grade: [M1, M2], max: 1}\n  - {grade: T2, max_pct: 10}\n");
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    let scheme = dir.path().to_str().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let run = |id: &str, set: (&str, &str), in_memory: bool| {
        let mut files = files(&examples.join("telecom-after-sales.csv"));
        files.scores = Some(examples.join("telecom-after-sales-scores.csv").to_string_lossy().into_owned());
        let req = what_if::Request {
            scheme: load_scheme(Some(scheme)).unwrap(),
            files,
            as_of: "2026-12-31".parse().unwrap(),
            as_of_given: true,
            id: id.into(),
            sets: vec![(set.0.to_string(), set.1.to_string())],
            format: DetailFormat::Json,
            lang: Lang::En,
            in_memory,
        };
        let mut out = Vec::new();
        match what_if::run(&req, &mut out) {
            Ok(exit) => format!("{exit:?}\n{}", String::from_utf8(out).unwrap()),
            Err(e) => format!("error: {e}"),
        }
    };
    // E015 has long-form scores; E009 and E027 are candidates the queue treats differently; E006 is in error.
    for id in ["E015", "E009", "E016", "E027", "E030", "E006", "E001"] {
        for set in [("2026Q4.standardization", "100"), ("2026Q4.standardization", "0"), ("2026Q4", "10"), ("education", "本科")] {
            assert_eq!(run(id, set, false), run(id, set, true), "what-if {id} {set:?} under quotas with --scores");
        }
    }
}

/// Without quotas, one employee's answer runs no pass of `evaluate`: the
/// queue's passes are not started at all (they would read the whole file a
/// second time for nothing). A record pass 1 cannot read (bytes that are
/// not UTF-8) shows it: the queue of a scheme without quotas is None, not
/// that read's error; with quotas, the same file fails in pass 1.
#[test]
fn without_quotas_the_queue_reads_nothing() {
    use ladder::batch::stream;
    let dir = tempfile::tempdir().unwrap();
    let path = generated(dir.path(), "telecom-after-sales", 20, 1);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"E9000000,\xff\xfe,broken\n");
    std::fs::write(&path, bytes).unwrap();
    let files = files(&path);
    let queue = |scheme: &ladder::scheme::Scheme| {
        let req = stream::Request {
            scheme,
            files: &files,
            scores: None,
            as_of: "2026-12-31".parse().unwrap(),
            format: ladder::report::Format::Csv,
            statuses: &[],
            color: false,
            width: None,
            lang: Lang::En,
            progress: false,
            placement: false,
        };
        let source = ladder::input::source::Source::open(&files.employees, Encoding::Utf8, None, &|_, _, _| Ok(())).unwrap();
        stream::pass_one(&req, &source, None, None).map(|p| p.is_some())
    };
    let plain = load_scheme(Some("telecom-after-sales")).unwrap();
    assert!(plain.quotas.is_empty());
    assert!(matches!(queue(&plain), Ok(false)), "no quotas: no queue, and no pass read the file");
    // Any quota will do: the point is that there is a queue to allocate.
    let mut capped = plain.clone();
    capped.quotas = load_scheme(Some(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/review-cycle"))).unwrap().quotas;
    capped.quotas.retain(|q| q.per.is_empty());
    assert!(!capped.quotas.is_empty());
    let failed = queue(&capped).expect_err("with quotas pass 1 reads the file, and fails on the bad record");
    assert!(format!("{failed:#}").contains("UTF-8"), "{failed:#}");
}
