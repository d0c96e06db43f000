//! Employee records on arbitrary text, against a small valid scheme: header
//! mapping, row parsing, figures, rules, decisions and every report format
//! must never panic or hang. A NUL byte splits the input into the employee
//! file and a long-form `--scores` file.
#![no_main]

use ladder::evaluate::evaluate;
use ladder::records::Input;
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
    let (employees, scores) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let employees = input("employees.csv", employees);
    let scores = scores.map(|s| input("scores.csv", s));
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    if let Ok(evaluation) = evaluate(scheme(), &employees, scores.as_ref(), as_of) {
        let report = Report::new(&evaluation, |_| true);
        for format in [Format::Table, Format::Json, Format::Ndjson, Format::Csv] {
            let mut out = Vec::new();
            report.write(format, &mut out, false).unwrap();
        }
    }
});
