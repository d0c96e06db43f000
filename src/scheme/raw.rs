//! The scheme YAML as written (SPEC §2), before validation. Unknown keys are
//! rejected here (`deny_unknown_fields`), so a typo is never ignored. Rules
//! stay as YAML values: their shape is checked in `rule.rs` with locations.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::str::FromStr;

/// One YAML file of a scheme. In a directory every file holds some of these
/// keys; they are merged in file-name order.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    pub scheme: Option<String>,
    pub title: Option<String>,
    pub review: Option<RawReview>,
    /// `kpi` and `competency` are ranges; every other key is an ordinal scale.
    pub scales: Option<BTreeMap<String, Value>>,
    pub composite: Option<RawComposite>,
    pub bands: Option<Vec<RawBand>>,
    pub columns: Option<BTreeMap<String, String>>,
    pub requires: Option<Value>,
    pub demotion: Option<Value>,
    pub positions: Option<Vec<RawPosition>>,
    pub sequences: Option<Vec<RawSequence>>,
    pub bridges: Option<Vec<RawBridge>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReview {
    pub quarters: usize,
    pub halves: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    pub min: Num,
    pub max: Num,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComposite {
    pub kpi: Num,
    pub competency: Num,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub id: String,
    pub title: Option<String>,
    pub min: Num,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPosition {
    pub id: String,
    pub title: Option<String>,
    #[serde(default)]
    pub kpis: Vec<RawKpi>,
    /// Group name → group, in the order written.
    #[serde(default)]
    pub competencies: indexmap_like::OrderedMap<RawGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKpi {
    pub id: String,
    pub title: Option<String>,
    pub weight: Num,
    pub scoring: Option<RawScoring>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScoring {
    pub target: Num,
    pub zero_at: Num,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub weight: Num,
    #[serde(default)]
    pub items: Vec<RawItem>,
}

/// A competency item: `problem_solving` or `{id: problem_solving, title: 解决问题能力}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum RawItem {
    Id(String),
    Titled(RawTitledItem),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSequence {
    pub id: String,
    pub title: Option<String>,
    #[serde(default)]
    pub grades: Vec<RawGrade>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrade {
    pub id: String,
    pub title: Option<String>,
    pub requires: Option<Value>,
    pub demotion: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBridge {
    pub from: String,
    pub to: String,
    pub title: Option<String>,
    pub requires: Option<Value>,
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
    crate::value::parse_number(text).filter(|_| !text.trim().ends_with('%')).ok_or_else(|| {
        if text.bytes().filter(u8::is_ascii_digit).count() > crate::value::MAX_DIGITS {
            format!("`{text}` has more significant digits than the {} that can be computed exactly", crate::value::MAX_DIGITS)
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

    impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct MapVisitor<V>(PhantomData<V>);
            impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
                type Value = OrderedMap<V>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a mapping of group name to {weight, items}")
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
