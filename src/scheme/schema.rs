//! The JSON Schema of the scheme YAML, for editors: with the first line
//! `# yaml-language-server: $schema=../ladder.schema.json` a YAML language
//! server (VS Code, Neovim, Helix, …) completes keys, shows their meaning and
//! flags a misspelt key or a value of the wrong kind while the file is typed.
//!
//! The schema is derived from the structs the loader reads (`scheme::raw`,
//! with schemars), so it cannot drift from them; the parts the loader keeps
//! as plain YAML values — rules and scales — are written here by hand,
//! following `rule.rs`. Every top-level key is optional, because a directory
//! scheme spreads its keys over several files. The schema checks shape only:
//! sums of weights, unknown grades and the like are `ladder check`'s job.
//!
//! `ladder schema` prints it; `ladders/ladder.schema.json` is the same text,
//! checked by a test.

use crate::rule::Computed;
use crate::scheme::raw::{indexmap_like::OrderedMap, GradeIds, Headers, Num, RawFile};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use std::borrow::Cow;

/// The schema as pretty JSON with a final newline (the bytes of `ladders/ladder.schema.json`).
pub fn schema_json() -> String {
    let mut schema = schemars::schema_for!(RawFile);
    schema.insert("title".into(), "ladder promotion scheme".into());
    schema.insert(
        "description".into(),
        "One YAML file of a ladder scheme (SPEC §2). A scheme is one file, or a directory whose files each hold some of these keys.".into(),
    );
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
    text.push('\n');
    text
}

impl JsonSchema for Num {
    fn schema_name() -> Cow<'static, str> {
        "Number".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "number", "description": "A number, read exactly from its text (40, 12.5)."})
    }
}

impl JsonSchema for GradeIds {
    fn schema_name() -> Cow<'static, str> {
        "GradeIds".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A grade id, or a list of grade ids that share one cap (S4, [M1, P1]).",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
            ]
        })
    }
}

impl JsonSchema for Headers {
    fn schema_name() -> Cow<'static, str> {
        "Headers".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "The header of the employee file that holds this field, or a list of headers any of which may (工号, [工号, 员工编号]).",
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1}
            ]
        })
    }
}

impl<V: JsonSchema> JsonSchema for OrderedMap<V> {
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", V::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "object", "additionalProperties": generator.subschema_for::<V>()})
    }
}

/// `scales:` — `kpi` and `competency` are ranges, every other key an ordinal scale.
pub struct ScalesSchema;

impl JsonSchema for ScalesSchema {
    fn schema_name() -> Cow<'static, str> {
        "Scales".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let range = |description: &str| {
            json_schema!({
                "type": "object",
                "description": description,
                "properties": {"min": {"type": "number"}, "max": {"type": "number"}},
                "required": ["min", "max"],
                "additionalProperties": false
            })
        };
        json_schema!({
            "type": "object",
            "description": "Scales: `kpi` (always 0..100), `competency` (the rating range, default 1..5), and ordinal scales such as `education: [初中, 高中, 大专, 本科]`, lowest level first.",
            "properties": {
                "kpi": range("KPI item scores: always {min: 0, max: 100}."),
                "competency": range("The competency rating range, e.g. {min: 1, max: 5}.")
            },
            "additionalProperties": {
                "type": "array",
                "description": "An ordinal scale: its levels, lowest first.",
                "items": {"type": "string"},
                "minItems": 1
            }
        })
    }
}

/// A rule (SPEC §2): a list (all must hold), `all`, `any`, `not`, or a test.
pub struct RuleSchema;

/// The value a fact is compared with: a number, a date or text (a scale
/// level, a band, …), or yes/no.
fn test_value(description: &str) -> Schema {
    json_schema!({"type": ["number", "string", "boolean"], "description": description})
}

fn number_value(description: &str) -> Schema {
    json_schema!({"type": "number", "description": description})
}

impl JsonSchema for RuleSchema {
    fn schema_name() -> Cow<'static, str> {
        "Rule".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let rule = generator.subschema_for::<RuleSchema>();
        let fact_test = json_schema!({
            "type": "object",
            "title": "fact test",
            "description": "{fact: NAME, OP: VALUE}: every operator given must hold. A fact is computed (kpi, band, months_in_grade, …), `kpi.ITEM`, `competency.GROUP`, a reserved column or any column of the employee file.",
            "properties": {
                "fact": {"type": "string", "minLength": 1, "description": "The fact tested.", "examples": Computed::ALL.map(|(_, name)| name)},
                "min": test_value("At least (>=)."),
                "max": test_value("At most (<=)."),
                "above": test_value("Greater than (>)."),
                "below": test_value("Less than (<)."),
                "is": test_value("Equal to (=); `is: true` reads the cell as yes/no.")
            },
            "required": ["fact"],
            "minProperties": 2,
            "additionalProperties": false
        });
        let streak = json_schema!({
            "type": "object",
            "title": "streak",
            "description": "{streak: kpi, quarters: N, OP: X}: each of the last N complete quarters has a KPI score passing the test.",
            "properties": {
                "streak": {"const": "kpi", "description": "Always `kpi`."},
                "quarters": {"type": "integer", "minimum": 1, "maximum": 400, "description": "How many quarters, ending with the last complete one."},
                "min": number_value("Each quarter at least (>=)."),
                "max": number_value("Each quarter at most (<=)."),
                "above": number_value("Each quarter above (>)."),
                "below": number_value("Each quarter below (<)."),
                "is": number_value("Each quarter equal to (=).")
            },
            "required": ["streak", "quarters"],
            "minProperties": 3,
            "additionalProperties": false
        });
        let months_since = json_schema!({
            "type": "object",
            "title": "months since",
            "description": "{months_since: COLUMN, OP: N}: whole months from the date in COLUMN to the as-of date (a time fact, like months_in_grade).",
            "properties": {
                "months_since": {"type": "string", "minLength": 1, "description": "A date column: hire_date, grade_date, birth_date or a column of the employee file."},
                "min": number_value("At least (>=) this many months."),
                "max": number_value("At most (<=) this many months."),
                "above": number_value("More than (>) this many months."),
                "below": number_value("Fewer than (<) this many months."),
                "is": number_value("Exactly (=) this many months.")
            },
            "required": ["months_since"],
            "minProperties": 2,
            "additionalProperties": false
        });
        let list = |key: &str, description: &str| {
            json_schema!({
                "type": "object",
                "title": key,
                "description": description,
                "properties": {key: {"type": "array", "items": rule.clone(), "minItems": 1}},
                "required": [key],
                "additionalProperties": false
            })
        };
        json_schema!({
            "description": "A rule: a list (all must hold), {all: [...]}, {any: [...]}, {not: rule}, or a test ({fact: …}, {streak: kpi, …}, {months_since: …}).",
            "anyOf": [
                {"type": "array", "title": "list", "description": "Every rule of the list must hold.", "items": rule.clone()},
                list("all", "Every rule must hold."),
                list("any", "At least one rule must hold."),
                {
                    "type": "object",
                    "title": "not",
                    "description": "The rule must not hold.",
                    "properties": {"not": rule},
                    "required": ["not"],
                    "additionalProperties": false
                },
                fact_test,
                streak,
                months_since
            ]
        })
    }
}

/// A grade's `demotion` (SPEC §8.1): a rule, or `{when: RULE, to: GRADE}`.
pub struct DemotionSchema;

impl JsonSchema for DemotionSchema {
    fn schema_name() -> Cow<'static, str> {
        "Demotion".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let rule = generator.subschema_for::<RuleSchema>();
        json_schema!({
            "description": "A rule (the grade below is recommended when it holds), or {when: RULE, to: GRADE}: when RULE holds, GRADE (of any sequence) is recommended.",
            "anyOf": [
                rule.clone(),
                {
                    "type": "object",
                    "title": "demotion to a named grade",
                    "properties": {
                        "when": rule,
                        "to": {"type": "string", "minLength": 1, "description": "The grade recommended when the rule holds: a grade id of any sequence, not this grade."}
                    },
                    "required": ["when", "to"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_schema_is_json_with_every_top_level_key_optional() {
        let schema: serde_json::Value = serde_json::from_str(&super::schema_json()).unwrap();
        assert!(schema.get("required").is_none(), "a directory's files each hold only some keys");
        let keys: Vec<&str> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        for key in [
            "scheme",
            "title",
            "review",
            "scales",
            "composite",
            "bands",
            "columns",
            "requires",
            "demotion",
            "positions",
            "sequences",
            "bridges",
        ] {
            assert!(keys.contains(&key), "{key}");
        }
        assert_eq!(schema["additionalProperties"], false, "an unknown key is flagged");
        assert!(schema["$defs"]["Rule"]["anyOf"].is_array());
    }
}
