//! The scheme YAML as written (SPEC §2), before validation. Unknown keys are
//! rejected here (`deny_unknown_fields`), so a typo is never ignored. Rules
//! stay as YAML values: their shape is checked in `rule.rs` with locations.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// One YAML file of a scheme. In a directory every file holds some of these
/// keys; they are merged in file-name order.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    /// The scheme's id (required in one file of the scheme).
    pub scheme: Option<String>,
    /// The scheme's name for people.
    pub title: Option<String>,
    /// The review window: the last `quarters` complete quarters and `halves` complete halves (default 4 and 2).
    pub review: Option<RawReview>,
    /// `kpi` and `competency` are ranges; every other key is an ordinal scale.
    #[schemars(with = "Option<crate::scheme::schema::ScalesSchema>")]
    pub scales: Option<BTreeMap<String, Value>>,
    /// Weights of the composite: {kpi: 70, competency: 30}, summing to 100.
    pub composite: Option<RawComposite>,
    /// Bands by composite, highest first, strictly descending, the last at 0.
    pub bands: Option<Vec<RawBand>>,
    /// Reserved field or fact → the header(s) of the employee file that hold it.
    pub columns: Option<BTreeMap<String, Headers>>,
    /// Scheme-wide: ANDed into every promotion and bridge rule.
    #[schemars(with = "Option<crate::scheme::schema::RuleSchema>")]
    pub requires: Option<Value>,
    /// Scheme-wide: when it holds, the employee is demoted (ORed with each grade's own).
    #[schemars(with = "Option<crate::scheme::schema::RuleSchema>")]
    pub demotion: Option<Value>,
    /// Jobs, with their weighted KPI items and competency groups.
    pub positions: Option<Vec<RawPosition>>,
    /// Tracks of grades, lowest grade first.
    pub sequences: Option<Vec<RawSequence>>,
    /// Moves from a grade of one sequence to a grade of another.
    pub bridges: Option<Vec<RawBridge>>,
    /// The fields whose equal values form a rank cohort (SPEC §8.2): reserved fields or column names; default [sequence, grade].
    pub cohort: Option<Vec<String>>,
    /// Forced distribution (SPEC §8.5): band id → percent of each cohort, every band in the bands' order, summing to 100.
    pub distribution: Option<indexmap_like::OrderedMap<Num>>,
    /// Cohorts smaller than this keep their band under `distribution` (default 10).
    pub distribution_min_cohort: Option<usize>,
    /// Promotion quotas (SPEC §8.4): caps on the promotions into grades, by count or percentage, per group.
    pub quotas: Option<Vec<RawQuota>>,
    /// Initial placement (SPEC §8.3, `evaluate --placement`): where time in grade is read from.
    pub placement: Option<RawPlacement>,
}

/// `placement: {tenure: service_start_date}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Placement")]
pub struct RawPlacement {
    /// Under `--placement`, months_in_grade is time in the job: `months_in_company` (the default), `hire_date`, or a date column of the employee file (months since it).
    pub tenure: Option<String>,
}

/// One quota: `{grade: S4, max: 2}` or `{grade: [M1, P1], max_pct: 20, per: [department]}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Quota")]
pub struct RawQuota {
    /// The grade, or the grades that share one cap.
    pub grade: GradeIds,
    /// At most this many promotions into the grade(s).
    pub max: Option<Num>,
    /// At most this percentage of the head count the grade(s) are reached from, rounded down.
    pub max_pct: Option<Num>,
    /// Columns (or reserved fields): the cap applies to each group of equal values separately.
    pub per: Option<Vec<String>>,
}

/// A grade id or a list of grade ids.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeIds(pub Vec<String>);

impl<'de> Deserialize<'de> for GradeIds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<GradeIds, D::Error> {
        Headers::deserialize(deserializer).map(|h| GradeIds(h.0))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Review")]
pub struct RawReview {
    pub quarters: usize,
    pub halves: usize,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Range")]
pub struct RawRange {
    pub min: Num,
    pub max: Num,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Composite")]
pub struct RawComposite {
    pub kpi: Num,
    pub competency: Num,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Band")]
pub struct RawBand {
    pub id: String,
    pub title: Option<String>,
    pub min: Num,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Position")]
pub struct RawPosition {
    pub id: String,
    pub title: Option<String>,
    #[serde(default)]
    pub kpis: Vec<RawKpi>,
    /// Group name → group, in the order written.
    #[serde(default)]
    pub competencies: indexmap_like::OrderedMap<RawGroup>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "KpiItem")]
pub struct RawKpi {
    pub id: String,
    pub title: Option<String>,
    pub weight: Num,
    /// The file holds a raw measure: 100 at `target`, 0 at `zero_at`, linear between.
    pub scoring: Option<RawScoring>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scoring")]
pub struct RawScoring {
    pub target: Num,
    pub zero_at: Num,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "CompetencyGroup")]
pub struct RawGroup {
    /// A title for reports in Chinese (核心能力); the group's name otherwise.
    pub title: Option<String>,
    pub weight: Num,
    #[serde(default)]
    pub items: Vec<RawItem>,
}

/// A competency item: `problem_solving` or `{id: problem_solving, title: 解决问题能力}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "CompetencyItem")]
pub enum RawItem {
    Id(String),
    Titled(RawTitledItem),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TitledItem")]
pub struct RawTitledItem {
    pub id: String,
    pub title: Option<String>,
}

impl RawItem {
    pub fn id(&self) -> &str {
        match self {
            RawItem::Id(id) => id,
            RawItem::Titled(t) => &t.id,
        }
    }

    pub fn title(&self) -> Option<&str> {
        match self {
            RawItem::Id(_) => None,
            RawItem::Titled(t) => t.title.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Sequence")]
pub struct RawSequence {
    pub id: String,
    pub title: Option<String>,
    #[serde(default)]
    pub grades: Vec<RawGrade>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Grade")]
pub struct RawGrade {
    pub id: String,
    pub title: Option<String>,
    /// The rule to enter this grade from the one below.
    #[schemars(with = "Option<crate::scheme::schema::RuleSchema>")]
    pub requires: Option<Value>,
    /// This grade's own demotion: a rule (ORed with the scheme-wide one; the
    /// grade below is recommended), or `{when: RULE, to: GRADE}` (GRADE is
    /// recommended, of any sequence).
    #[schemars(with = "Option<crate::scheme::schema::DemotionSchema>")]
    pub demotion: Option<Value>,
    /// `false`: the scheme-wide `demotion` does not apply to this grade (only
    /// its own does). Default true.
    pub scheme_demotion: Option<bool>,
    /// Who decides promotion into this grade (a committee, the board: `董事会`).
    /// No rule promotes into it, neither the next-grade step nor a bridge.
    pub decided_by: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Bridge")]
pub struct RawBridge {
    /// A grade id.
    pub from: String,
    /// A grade id of another sequence.
    pub to: String,
    pub title: Option<String>,
    /// The bridge's whole rule (with the scheme-wide `requires`).
    #[schemars(with = "Option<crate::scheme::schema::RuleSchema>")]
    pub requires: Option<Value>,
}

/// The value of a `columns:` entry: one header (`工号`) or a list of headers
/// (`[工号, 员工编号]`), any of which may name the column in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Headers(pub Vec<String>);

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Headers, D::Error> {
        struct HeadersVisitor;
        impl<'de> serde::de::Visitor<'de> for HeadersVisitor {
            type Value = Headers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a header name or a list of header names")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Headers, E> {
                Ok(Headers(vec![text.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Headers, A::Error> {
                let mut headers = Vec::new();
                while let Some(h) = seq.next_element::<String>()? {
                    headers.push(h);
                }
                Ok(Headers(headers))
            }
        }
        deserializer.deserialize_any(HeadersVisitor)
    }
}

/// A number written in YAML, kept as an exact decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub Decimal);

impl<'de> Deserialize<'de> for Num {
    /// Reads the number's text as written (`50.000000000000000001` stays
    /// exactly that), never through an f64.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Num, D::Error> {
        struct NumVisitor;
        impl serde::de::Visitor<'_> for NumVisitor {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Num, E> {
                exact_number(text).map(Num).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Num, E> {
                Ok(Num(Decimal::from(n)))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Num, E> {
                Ok(Num(Decimal::from(n)))
            }
        }
        deserializer.deserialize_str(NumVisitor)
    }
}

/// A number from its YAML text: decimal digits with an optional sign and
/// point, at most 28 significant digits, exactly.
pub fn exact_number(text: &str) -> Result<Decimal, String> {
    crate::input::value::parse_number(text).filter(|_| !text.trim().ends_with('%')).ok_or_else(|| {
        if text.bytes().filter(u8::is_ascii_digit).count() > crate::input::value::MAX_DIGITS {
            format!("`{text}` has more significant digits than the {} that can be computed exactly", crate::input::value::MAX_DIGITS)
        } else {
            format!("expected a number written with decimal digits (like 40 or 12.5), found `{text}`")
        }
    })
}

/// The exact decimal a YAML number stands for (floats by their shortest text).
pub fn number_of(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(Decimal::from(i))
            } else if let Some(u) = n.as_u64() {
                Some(Decimal::from(u))
            } else {
                let f = n.as_f64()?;
                if !f.is_finite() {
                    return None;
                }
                Decimal::from_str(&f.to_string()).ok()
            }
        }
        _ => None,
    }
}

/// A short description of a YAML value for messages.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("`{n}`"),
        Value::String(s) => format!("`{s}`"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// A mapping that keeps its keys in the order written (competency groups are
/// shown in that order).
pub mod indexmap_like {
    use serde::de::{MapAccess, Visitor};
    use serde::{Deserialize, Deserializer};
    use std::fmt;
    use std::marker::PhantomData;

    #[derive(Debug)]
    pub struct OrderedMap<V>(pub Vec<(String, V)>);

    impl<V> Default for OrderedMap<V> {
        fn default() -> Self {
            OrderedMap(Vec::new())
        }
    }

    /// What a mapping of these values is, for the message when it is not one.
    pub trait Expecting {
        const EXPECTING: &'static str;
    }

    impl Expecting for super::RawGroup {
        const EXPECTING: &'static str = "a mapping of group name to {weight, items}";
    }

    impl Expecting for super::Num {
        const EXPECTING: &'static str = "a mapping of band id to a percentage, e.g. {A: 10, B: 20, C: 60, D: 10}";
    }

    impl<'de, V: Deserialize<'de> + Expecting> Deserialize<'de> for OrderedMap<V> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct MapVisitor<V>(PhantomData<V>);
            impl<'de, V: Deserialize<'de> + Expecting> Visitor<'de> for MapVisitor<V> {
                type Value = OrderedMap<V>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str(V::EXPECTING)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut entries = Vec::new();
                    while let Some((k, v)) = map.next_entry::<String, V>()? {
                        entries.push((k, v));
                    }
                    Ok(OrderedMap(entries))
                }
            }
            deserializer.deserialize_map(MapVisitor(PhantomData))
        }
    }
}
