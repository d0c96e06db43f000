//! The data problems of one employee's scores (SPEC §5 step 1), typed: the
//! period and item each concerns, so that "has this period a problem
//! already?" is asked of the data, not of the message's first characters.
//! Each renders to the message the row's `errors` list shows.

use crate::calendar::{Period, PeriodKind};
use crate::exact::Overflow;
use crate::input::value::{excerpt, not_a_number};
use rust_decimal::Decimal;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum ScoreProblem {
    /// The `--scores` file gives one score twice with different values.
    LongFormDisagrees {
        period: Period,
        item: String,
        file: String,
        first: (String, u64),
        other: (String, u64),
    },
    /// The employee file and the `--scores` file give different values.
    SourcesDisagree {
        period: Period,
        item: String,
        wide: String,
        file: String,
        long: (String, u64),
    },
    NotANumber {
        period: Period,
        item: String,
        text: String,
    },
    OutsideKpiScale {
        period: Period,
        item: String,
        given: Decimal,
    },
    OutsideCompetencyScale {
        period: Period,
        item: String,
        value: Decimal,
        min: Decimal,
        max: Decimal,
    },
    /// A scored period missing some of its items.
    Partial {
        period: Period,
        missing: Vec<String>,
    },
    Overflow(Overflow),
}

impl ScoreProblem {
    /// The period the problem concerns (none for an arithmetic overflow).
    pub fn period(&self) -> Option<Period> {
        match self {
            ScoreProblem::LongFormDisagrees { period, .. }
            | ScoreProblem::SourcesDisagree { period, .. }
            | ScoreProblem::NotANumber { period, .. }
            | ScoreProblem::OutsideKpiScale { period, .. }
            | ScoreProblem::OutsideCompetencyScale { period, .. }
            | ScoreProblem::Partial { period, .. } => Some(*period),
            ScoreProblem::Overflow(_) => None,
        }
    }
}

impl From<Overflow> for ScoreProblem {
    fn from(e: Overflow) -> Self {
        ScoreProblem::Overflow(e)
    }
}

impl fmt::Display for ScoreProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoreProblem::LongFormDisagrees { period, item, file, first, other } => write!(
                f,
                "{period}.{item}: {file} gives `{}` on line {} and `{}` on line {}",
                excerpt(&first.0),
                first.1,
                excerpt(&other.0),
                other.1
            ),
            ScoreProblem::SourcesDisagree { period, item, wide, file, long } => write!(
                f,
                "{period}.{item}: the employee file gives `{}`, {file} line {} gives `{}`",
                excerpt(wide),
                long.1,
                excerpt(long.0.trim())
            ),
            ScoreProblem::NotANumber { period, item, text } => write!(f, "{period}.{item}: {}", not_a_number(text)),
            ScoreProblem::OutsideKpiScale { period, item, given } => {
                write!(f, "{period}.{item}: {given} is outside the KPI scale 0..100")
            }
            ScoreProblem::OutsideCompetencyScale { period, item, value, min, max } => {
                write!(f, "{period}.{item}: {value} is outside the competency scale {min}..{max}")
            }
            ScoreProblem::Partial { period, missing } => {
                let (whole, parts) = match period.kind {
                    PeriodKind::Quarter => ("quarter", "scores"),
                    PeriodKind::Half => ("half", "ratings"),
                };
                write!(f, "{period}: the {whole} has some {parts} but none for {}", missing.join(", "))
            }
            ScoreProblem::Overflow(e) => e.fmt(f),
        }
    }
}
