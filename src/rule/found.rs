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
        match self {
            Found::Missing => out.push_str("no value"),
            Found::Number(n) => {
                out.push_str("found ");
                out.push_str(crate::exact::FigureText::new(*n).as_str());
            }
            Found::Level(_, t) | Found::Text(t) => {
                out.push_str("found ");
                out.push_str(&excerpt(t));
            }
            Found::Band(i) => {
                out.push_str("found ");
                out.push_str(scheme.bands.get(*i).map_or("?", |b| b.id.as_str()));
            }
            other => out.push_str(&other.display_rare(scheme)),
        }
    }

    fn display_rare(&self, scheme: &Scheme) -> String {
        match self {
            Found::Missing => "no value".into(),
            Found::Number(n) => format!("found {}", crate::exact::format_figure(*n)),
            Found::Bool(b) => format!("found {b}"),
            Found::Date(d) => format!("found {d}"),
            Found::Level(_, t) | Found::Text(t) => format!("found {}", excerpt(t)),
            Found::Band(i) => format!("found {}", scheme.bands.get(*i).map_or("?", |b| b.id.as_str())),
            Found::Unreadable(t, kind) => format!("found `{}`, not {kind}", excerpt(t)),
            Found::Quarters(qs) => {
                let parts: Vec<String> =
                    qs.iter().map(|(p, s)| format!("{p} {}", s.map_or("no score".to_string(), crate::exact::format_figure))).collect();
                format!("found {}", parts.join(", "))
            }
        }
    }
}
