//! `ladder diff`'s shortcuts (issue 17 item 5) against the plain paths they
//! stand beside: records compared without allocating only when both list the
//! same fields once each in the same order; figures kept as written only when
//! already in normal form; json values read without a `serde_json::Value`.
//! Each case below takes the plain path on one side of the shortcut's
//! condition, and the report must be what the plain comparison says.

use super::harness::Test;

/// OLD: one result per line; NEW: the same ids, each varied in one way.
const OLD: &str = r#"{"id":"E1","status":"hold","kpi":85.5,"unmet":["a","b"]}
{"id":"E2","status":"hold","kpi":70,"band":"B"}
{"id":"E3","status":"hold","kpi":85.5}
{"id":"E4","status":"hold","kpi":"007.50"}
{"id":"E5","status":"hold","kpi":1,"kpi":2}
{"id":"E6","status":"hold","kpi":60,"band":"C"}
{"id":"E7","status":"hold","name":"A\"b","unmet":[["x",1.50],{"k":null}]}
"#;

const NEW: &str = r#"{"id":"E1","status":"hold","kpi":85.5,"unmet":["a","b"]}
{"id":"E2","band":"B","kpi":70.0,"status":"hold"}
{"id":"E3","status":"hold","kpi":85.50}
{"id":"E4","status":"hold","kpi":7.6}
{"id":"E5","status":"hold","kpi":1,"kpi":2}
{"id":"E6","band":"D","status":"promote","kpi":60}
{"id":"E7","status":"hold","name":"A\"b","unmet":[["x",1.5],{"k":null}]}
"#;

/// What the plain comparison reports, in NEW's field order:
/// E1 same; E2 reordered, 70 = 70.0; E3 85.5 = 85.50; E4 007.50 is 7.5;
/// E5 a repeated field: each of NEW's values against OLD's last (`2`);
/// E6 reordered and changed; E7 a list's items compared as text, as written.
const EXPECTED: &str = "id,field,old,new
E4,kpi,7.5,7.6
E5,kpi,2,1
E6,band,C,D
E6,status,hold,promote
E7,unmet,\"x; 1.50; {\"\"k\"\":null}\",\"x; 1.5; {\"\"k\"\":null}\"
";

/// The ndjson lines as one json document of `evaluate`'s shape.
fn document(lines: &str) -> String {
    format!("{{\"meta\": {{}}, \"results\": [\n{}\n]}}", lines.trim_end().replace('\n', ",\n"))
}

fn diff(old: (&str, String), new: (&str, String)) -> String {
    let run = Test::new().file(old.0, old.1).file(new.0, new.1).args(["diff", "--format", "csv"]).arg_path(old.0).arg_path(new.0).run();
    run.code(0);
    run.stdout_text()
}

#[test]
fn ndjson_pairs_take_the_plain_path_where_the_shortcut_does_not_hold() {
    assert_eq!(diff(("old.ndjson", OLD.into()), ("new.ndjson", NEW.into())), EXPECTED);
}

#[test]
fn json_documents_read_from_a_stream_give_the_same_report() {
    assert_eq!(diff(("old.json", document(OLD)), ("new.json", document(NEW))), EXPECTED);
    assert_eq!(diff(("old.json", document(OLD)), ("new.ndjson", NEW.into())), EXPECTED);
}

#[test]
fn csv_figures_not_in_normal_form_are_normalised() {
    let old = "id,status,kpi,band\nE1,hold,85.50,B\nE2,hold,007,B\nE3,hold,-0.0,B\nE4,hold,1.25,B\n";
    let new = "id,band,kpi,status\nE1,B,85.5,hold\nE2,B,7,hold\nE3,B,0,hold\nE4,B,1.250,promote\n";
    assert_eq!(diff(("old.csv", old.into()), ("new.csv", new.into())), "id,field,old,new\nE4,status,hold,promote\n");
    // The same columns in the same order: the shortcut's side.
    let new = "id,status,kpi,band\nE1,hold,85.5,B\nE2,hold,7,B\nE3,hold,0,B\nE4,promote,1.250,B\n";
    assert_eq!(diff(("old.csv", old.into()), ("new.csv", new.into())), "id,field,old,new\nE4,status,hold,promote\n");
}
