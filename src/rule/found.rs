//! What a rule's test found in an employee's data, and how it reads in a
//! message (`found 10`, `no value`): shared by the evaluation, which
//! records it, and the vocabularies, which word it.

use crate::calendar::Period;
use crate::input::value::excerpt;
use crate::scheme::Scheme;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// What a test found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Missing,
    Number(Decimal),
    Bool(bool),
    Date(NaiveDate),
    Level(usize, String),
    Band(usize),
    Text(String),
    /// A cell that could not be read as the kind tested.
    Unreadable(String, &'static str),
    /// A streak: each quarter's score, oldest first.
    Quarters(Vec<(Period, Option<Decimal>)>),
}

impl Found {
    pub fn display(&self, scheme: &Scheme) -> String {
        let mut text = String::new();
        self.write_display(scheme, &mut text);
        text
    }

    /// [`Found::display`], appended to `out` (unmet tests are written for
    /// most employees: the common kinds go straight in, without `format!`).
    pub fn write_display(&self, scheme: &Scheme, out: &mut String) {
        use std::fmt::Write;
        // Writing into a String cannot fail.
        let mut found = |text: &str| {
            out.push_str("found ");
            out.push_str(text);
        };
        match self {
            Found::Missing => out.push_str("no value"),
            Found::Number(n) => found(crate::exact::FigureText::new(*n).as_str()),
            Found::Bool(b) => found(if *b { "true" } else { "false" }),
            Found::Level(_, t) | Found::Text(t) => found(&excerpt(t)),
            Found::Band(i) => found(scheme.bands.get(*i).map_or("?", |b| b.id.as_str())),
            Found::Date(d) => {
                out.push_str("found ");
                crate::calendar::push_date(*d, out);
            }
            Found::Unreadable(t, kind) => {
                let _ = write!(out, "found `{}`, not {kind}", excerpt(t));
            }
            Found::Quarters(qs) => {
                out.push_str("found ");
                for (i, (p, s)) in qs.iter().enumerate() {
                    let separator = if i == 0 { "" } else { ", " };
                    let _ = write!(out, "{separator}{p} {}", s.map_or("no score".to_string(), crate::exact::format_figure));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of finding, as an unmet line writes it (they are written
    /// straight into the line: this pins the words).
    #[test]
    fn findings_read_as_they_did() {
        let scheme = crate::scheme::load_scheme(None).unwrap();
        let q = |p: &str| p.parse::<Period>().unwrap();
        let cases = [
            (Found::Missing, "no value".to_string()),
            (Found::Number(Decimal::new(5705, 2)), "found 57.05".into()),
            (Found::Bool(false), "found false".into()),
            (Found::Bool(true), "found true".into()),
            (Found::Date(NaiveDate::from_ymd_opt(2024, 3, 1).unwrap()), "found 2024-03-01".into()),
            (Found::Level(1, "本科".into()), "found 本科".into()),
            (Found::Text("engineer".into()), "found engineer".into()),
            (Found::Band(0), format!("found {}", scheme.bands[0].id)),
            (Found::Unreadable("abc".into(), "a number"), "found `abc`, not a number".into()),
            (
                Found::Quarters(vec![(q("2026Q3"), Some(Decimal::new(8550, 2))), (q("2026Q4"), None)]),
                "found 2026Q3 85.5, 2026Q4 no score".into(),
            ),
            (Found::Quarters(vec![(q("2026Q4"), Some(Decimal::from(90)))]), "found 2026Q4 90".into()),
        ];
        for (found, text) in cases {
            assert_eq!(found.display(&scheme), text, "{found:?}");
        }
    }
}
