//! Employee records on arbitrary text, against a small valid scheme: header
//! mapping, row parsing, figures, rules, decisions and every report format
//! must never panic or hang. A NUL byte splits the input into the employee
//! file and a long-form `--scores` file. The first two bytes, when the input
//! starts with `@`, pick the as-of date from across chrono's whole range.
#![no_main]

use ladder::batch::memory::evaluate;
use ladder::input::records::Input;
use ladder::report::{Format, Report};
use ladder::scheme::{load_scheme_files, Scheme};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const SCHEME: &str = include_str!("../../tests/fixtures/bad/scheme.yaml");

fn scheme() -> &'static Scheme {
    static CELL: OnceLock<Scheme> = OnceLock::new();
    CELL.get_or_init(|| load_scheme_files(vec![("scheme.yaml".into(), SCHEME.as_bytes().to_vec())]).expect("the fixture scheme is valid"))
}

fn input(name: &str, bytes: &[u8]) -> Input {
    Input { display: name.into(), path: name.into(), sha256: String::new(), text: String::from_utf8_lossy(bytes).into_owned() }
}

fuzz_target!(|data: &[u8]| {
    let mut as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    let mut data = data;
    if let [b'@', hi, lo, rest @ ..] = data {
        // Spread 65 536 choices over every day chrono knows, ends included.
        let (min, max) = (chrono::NaiveDate::MIN, chrono::NaiveDate::MAX);
        let span = (max - min).num_days();
        let k = i64::from(u16::from_be_bytes([*hi, *lo]));
        as_of = min + chrono::Duration::days(span * k / i64::from(u16::MAX));
        data = rest;
    }
    let (employees, scores) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let employees = input("employees.csv", employees);
    let scores = scores.map(|s| input("scores.csv", s));
    if let Ok(evaluation) = evaluate(scheme(), &employees, scores.as_ref(), as_of) {
        let report = Report::new(&evaluation, |_| true);
        for format in [Format::Table, Format::Json, Format::Ndjson, Format::Csv] {
            let mut out = Vec::new();
            report.write(format, &mut out, false).unwrap();
        }
    }
});
