//! The scheme drawn (`ladder show`), for people who would rather look than read — a
//! table of the sequences with each grade's rule on one line, or a graph of
//! the sequences with promotion arrows and dashed bridge arrows (Mermaid
//! flowchart or Graphviz digraph), or the whole scheme as JSON.

use crate::report::json::decimal_value;
use crate::rule::words::{Lang, Words};
use crate::rule::{Rule, Subject, TestValue};
use crate::scheme::{GradeRef, Scheme};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::io::Write;

/// How `show` prints the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ShowFormat {
    /// Sequences one after another, a grade per line with its rule, then the bridges
    #[default]
    Table,
    /// The whole scheme as one JSON document, rules as trees
    Json,
    /// A Mermaid flowchart (renders on GitHub, GitLab, mermaid.live)
    Mermaid,
    /// A Graphviz digraph (`dot -Tsvg`)
    Dot,
}

/// Writes the scheme; `lang` is the table's language (json and the graphs
/// are read by programs and keep the scheme's own words).
pub fn write(scheme: &Scheme, format: ShowFormat, lang: Lang, out: &mut dyn Write) -> std::io::Result<()> {
    let text = match format {
        ShowFormat::Table => table(scheme, &Words::new(lang, scheme, None)),
        ShowFormat::Json => {
            let mut t = serde_json::to_string_pretty(&json_value(scheme)).map_err(std::io::Error::other)?;
            t.push('\n');
            t
        }
        ShowFormat::Mermaid => mermaid(scheme),
        ShowFormat::Dot => dot(scheme),
    };
    out.write_all(text.as_bytes())
}

/// A rule on one line: `months_in_grade >= 12 and any of (a or b)`.
pub fn rule_line(rule: &Rule, names: &[String]) -> String {
    rule_line_in(rule, &RuleWords::Names(names))
}

/// How a rule's tests are named: by the scheme's names (English), or in
/// the words of a language.
enum RuleWords<'a> {
    Names(&'a [String]),
    In(&'a Scheme, &'a Words),
}

/// [`rule_line`] in `words`.
fn rule_line_in(rule: &Rule, words: &RuleWords) -> String {
    let vocabulary = match words {
        RuleWords::Names(_) => Words::english(),
        RuleWords::In(_, w) => w,
    };
    match rule {
        Rule::All(rules) => rules.iter().map(|r| nested(r, words, vocabulary)).collect::<Vec<_>>().join(vocabulary.all_of().1),
        other => nested(other, words, vocabulary),
    }
}

fn nested(rule: &Rule, words: &RuleWords, vocabulary: &Words) -> String {
    let ((all, and), (any, or)) = (vocabulary.all_of(), vocabulary.any_of());
    let join = |rules: &[Rule], sep: &str| rules.iter().map(|r| nested(r, words, vocabulary)).collect::<Vec<_>>().join(sep);
    match rule {
        Rule::All(rules) => format!("{all}{})", join(rules, and)),
        Rule::Any(rules) => format!("{any}{})", join(rules, or)),
        Rule::Not(r) => format!("{}({})", vocabulary.not(), nested(r, words, vocabulary)),
        Rule::Test(t) => match words {
            RuleWords::Names(names) => t.describe(names),
            RuleWords::In(scheme, w) => w.test(t, scheme),
        },
    }
}

fn grade_label(scheme: &Scheme, g: GradeRef) -> String {
    format!("{} {}", scheme.grade(g).id, scheme.grade(g).title)
}

fn table(scheme: &Scheme, words: &Words) -> String {
    let lang = words.lang();
    let zh = lang == Lang::Zh;
    let line = |r: &Rule| rule_line_in(r, &RuleWords::In(scheme, words));
    let mut s = String::new();
    let _ = writeln!(s, "{} ({})", scheme.title, scheme.id);
    let (q, h, k, c) =
        (scheme.review.quarters, scheme.review.halves, scheme.composite.kpi.normalize(), scheme.composite.competency.normalize());
    let _ = match zh {
        true => writeln!(s, "考核窗口：最近 {q} 个季度、{h} 个半年 · 综合得分：KPI {k} + 能力评价 {c}"),
        false => writeln!(s, "review: last {q} quarters and {h} halves · composite: kpi {k} + competency {c}"),
    };
    let bands: Vec<String> = scheme.bands.iter().map(|b| format!("{} {} ≥ {}", b.id, b.title, b.min.normalize())).collect();
    let _ = writeln!(s, "{}{}", lang.pick("bands: ", "绩效等级："), bands.join(lang.pick(", ", "，")));
    if let Some(r) = &scheme.requires {
        let _ = writeln!(s, "{}{}", lang.pick("every promotion and bridge also requires: ", "每次晋升和转换通道还须满足："), line(r));
    }
    if let Some(r) = &scheme.demotion {
        let _ = writeln!(s, "{}{}", lang.pick("demotion, at every grade: ", "各职级通用降级条件："), line(r));
    }
    for (si, seq) in scheme.sequences.iter().enumerate() {
        let _ = writeln!(s);
        let _ = match zh {
            true => writeln!(s, "{} ({})，从最低职级起", seq.title, seq.id),
            false => writeln!(s, "{} ({}), lowest grade first", seq.title, seq.id),
        };
        let header = match zh {
            true => ["职级", "名称", "从下一职级晋升的条件", "降级"],
            false => ["grade", "title", "to enter it from the grade below", "demotion"],
        };
        let mut t = new_table(&header);
        for (i, g) in seq.grades.iter().enumerate() {
            let mut rule = match (&g.requires, i) {
                (_, 0) => lang.pick("— (the entry grade)", "—（入门职级）").to_string(),
                (Some(r), _) => line(r),
                (None, _) => lang.pick("no rule of its own", "无自身规则").to_string(),
            };
            if let Some(body) = &g.decided_by {
                // The rule stays shown: it is what a candidate put to the board meets.
                rule = match zh {
                    true => format!("由{body}决定，不按规则晋升（候选人须满足：{rule}）"),
                    false => format!("decided by {body}, never by rule (candidates meet: {rule})"),
                };
            }
            t.add_row(vec![g.id.clone(), g.title.clone(), rule, demotion_cell(scheme, GradeRef { sequence: si, index: i }, words)]);
        }
        let _ = writeln!(s, "{t}");
    }
    if !scheme.bridges.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{}",
            lang.pick("Bridges (tried in this order when the next grade is not reached)", "转换通道（未达到高一级职级时按此顺序尝试）")
        );
        let header = match zh {
            true => ["从", "到", "名称", "规则"],
            false => ["from", "to", "title", "rule"],
        };
        let mut t = new_table(&header);
        for b in &scheme.bridges {
            t.add_row(vec![
                grade_label(scheme, b.from),
                grade_label(scheme, b.to),
                b.title.clone().unwrap_or_default(),
                b.requires.as_ref().map_or(lang.pick("no rule of its own", "无自身规则").into(), line),
            ]);
        }
        let _ = writeln!(s, "{t}");
    }
    s
}

/// Where a grade's demotion sends the employee, and when (SPEC §8.1).
fn demotion_cell(scheme: &Scheme, g: GradeRef, words: &Words) -> String {
    let zh = words.lang() == Lang::Zh;
    let grade = scheme.grade(g);
    let mut lines = Vec::new();
    if let Some(d) = &grade.demotion {
        let rule = rule_line_in(d, &RuleWords::In(scheme, words));
        lines.push(match (grade.demotion_to, zh) {
            (Some(to), false) => format!("to {} when {rule}", grade_label(scheme, to)),
            (None, false) => format!("to the grade below when {rule}"),
            (Some(to), true) => format!("满足 {rule} 时降至 {}", grade_label(scheme, to)),
            (None, true) => format!("满足 {rule} 时降至下一职级"),
        });
    }
    match (&scheme.demotion, grade.scheme_demotion) {
        (Some(_), true) => {
            let below = scheme.grade_below(g);
            // The grade's own rule, when it holds, names the target.
            lines.push(match zh {
                false => {
                    let to = if below == g {
                        format!("stays {} (the lowest grade)", grade.id)
                    } else {
                        format!("to {}", grade_label(scheme, below))
                    };
                    let lead = if grade.demotion.is_some() { "otherwise, scheme-wide" } else { "scheme-wide" };
                    format!("{lead}: {to}")
                }
                true => {
                    let to = if below == g {
                        format!("保持 {}（最低职级）", grade.id)
                    } else {
                        format!("降至 {}", grade_label(scheme, below))
                    };
                    let lead = if grade.demotion.is_some() { "否则按通用降级" } else { "通用降级" };
                    format!("{lead}：{to}")
                }
            });
        }
        (Some(_), false) => lines.push(if zh { "不适用通用降级".into() } else { "exempt from the scheme-wide demotion".into() }),
        (None, _) => {}
    }
    if lines.is_empty() {
        "—".into()
    } else {
        lines.join("\n")
    }
}

/// The grade label with a mark when the board decides who enters it.
fn node_label(g: &crate::scheme::Grade, sep: &str) -> String {
    match &g.decided_by {
        Some(body) => format!("{} {}{sep}decided by {body}", g.id, g.title),
        None => format!("{} {}", g.id, g.title),
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .force_no_tty()
        .set_header(header.iter().copied());
    t
}

// ---------------------------------------------------------------------------
// Graphs. Node ids are generated (`g0_1`: sequence 0, grade 1), so any grade
// id is safe; every title goes into a quoted, escaped label.

fn node_id(g: GradeRef) -> String {
    format!("g{}_{}", g.sequence, g.index)
}

/// A Mermaid label: entity codes for the characters Mermaid would read as syntax or HTML.
pub fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn mermaid(scheme: &Scheme) -> String {
    let names = &scheme.column_facts.names;
    let mut s = String::new();
    // The title goes in front matter, a YAML document: a JSON string is valid YAML.
    let title = serde_json::to_string(&format!("{} ({})", scheme.title, scheme.id)).unwrap_or_default();
    let _ = writeln!(s, "---\ntitle: {title}\n---");
    let _ = writeln!(s, "flowchart BT");
    // Mermaid styles links by their order of appearance.
    let mut links = 0usize;
    let mut decided: Vec<String> = Vec::new();
    for (si, seq) in scheme.sequences.iter().enumerate() {
        let _ = writeln!(s, "  subgraph s{si}[\"{}\"]", mermaid_text(&format!("{} ({})", seq.title, seq.id)));
        let _ = writeln!(s, "    direction BT");
        for (gi, g) in seq.grades.iter().enumerate() {
            let node = node_id(GradeRef { sequence: si, index: gi });
            let _ = writeln!(s, "    {node}[\"{}\"]", mermaid_text(&node_label(g, " · ")));
            if g.decided_by.is_some() {
                decided.push(node);
            }
        }
        for gi in 1..seq.grades.len() {
            let _ = writeln!(
                s,
                "    {} --> {}",
                node_id(GradeRef { sequence: si, index: gi - 1 }),
                node_id(GradeRef { sequence: si, index: gi })
            );
            links += 1;
        }
        let _ = writeln!(s, "  end");
    }
    for b in &scheme.bridges {
        let label = b.title.clone().unwrap_or_else(|| b.requires.as_ref().map(|r| rule_line(r, names)).unwrap_or_default());
        if label.is_empty() {
            let _ = writeln!(s, "  {} -.-> {}", node_id(b.from), node_id(b.to));
        } else {
            let _ = writeln!(s, "  {} -.->|\"{}\"| {}", node_id(b.from), mermaid_text(&label), node_id(b.to));
        }
        links += 1;
    }
    // Demotions to a named grade: dashed like bridges, but red and pointing down.
    let mut demotion_links = Vec::new();
    for (si, seq) in scheme.sequences.iter().enumerate() {
        for (gi, g) in seq.grades.iter().enumerate() {
            if let Some(to) = g.demotion_to {
                let _ = writeln!(s, "  {} -.->|\"demotion\"| {}", node_id(GradeRef { sequence: si, index: gi }), node_id(to));
                demotion_links.push(links.to_string());
                links += 1;
            }
        }
    }
    if !demotion_links.is_empty() {
        let _ = writeln!(s, "  linkStyle {} stroke:#c0392b,color:#c0392b", demotion_links.join(","));
    }
    if !decided.is_empty() {
        let _ = writeln!(s, "  classDef decided stroke-width:3px,stroke-dasharray:4 2");
        let _ = writeln!(s, "  class {} decided", decided.join(","));
    }
    s
}

/// A DOT double-quoted string, quotes included.
pub fn dot_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn dot(scheme: &Scheme) -> String {
    let names = &scheme.column_facts.names;
    let mut s = String::new();
    let _ = writeln!(s, "digraph {} {{", dot_text(&scheme.id));
    let _ = writeln!(
        s,
        "  graph [label={}, labelloc=t, rankdir=BT, fontname=\"sans-serif\"];",
        dot_text(&format!("{} ({})", scheme.title, scheme.id))
    );
    let _ = writeln!(s, "  node [shape=box, style=rounded, fontname=\"sans-serif\"];");
    let _ = writeln!(s, "  edge [fontname=\"sans-serif\", fontsize=10];");
    for (si, seq) in scheme.sequences.iter().enumerate() {
        let _ = writeln!(s, "  subgraph \"cluster_{si}\" {{");
        let _ = writeln!(s, "    label={};", dot_text(&format!("{} ({})", seq.title, seq.id)));
        for (gi, g) in seq.grades.iter().enumerate() {
            let (label, style) = match &g.decided_by {
                Some(body) => (format!("{}\n{}\ndecided by {body}", g.id, g.title), ", style=\"rounded,bold,dashed\""),
                None => (format!("{}\n{}", g.id, g.title), ""),
            };
            let _ = writeln!(s, "    {} [label={}{style}];", node_id(GradeRef { sequence: si, index: gi }), dot_text(&label));
        }
        for (gi, g) in seq.grades.iter().enumerate().skip(1) {
            let tooltip = g.requires.as_ref().map_or(String::new(), |r| format!(" [tooltip={}]", dot_text(&rule_line(r, names))));
            let _ = writeln!(
                s,
                "    {} -> {}{tooltip};",
                node_id(GradeRef { sequence: si, index: gi - 1 }),
                node_id(GradeRef { sequence: si, index: gi })
            );
        }
        let _ = writeln!(s, "  }}");
    }
    for b in &scheme.bridges {
        let mut attrs = vec!["style=dashed".to_string()];
        if let Some(t) = &b.title {
            attrs.push(format!("label={}", dot_text(t)));
        }
        if let Some(r) = &b.requires {
            attrs.push(format!("tooltip={}", dot_text(&rule_line(r, names))));
        }
        let _ = writeln!(s, "  {} -> {} [{}];", node_id(b.from), node_id(b.to), attrs.join(", "));
    }
    for (si, seq) in scheme.sequences.iter().enumerate() {
        for (gi, g) in seq.grades.iter().enumerate() {
            if let (Some(to), Some(d)) = (g.demotion_to, &g.demotion) {
                let _ = writeln!(
                    s,
                    "  {} -> {} [style=dashed, color=red, fontcolor=red, label=\"demotion\", tooltip={}];",
                    node_id(GradeRef { sequence: si, index: gi }),
                    node_id(to),
                    dot_text(&rule_line(d, names))
                );
            }
        }
    }
    let _ = writeln!(s, "}}");
    s
}

// ---------------------------------------------------------------------------
// JSON: the scheme as it was read, rules as trees in the YAML's own shape.

fn test_value(v: &TestValue) -> Value {
    match v {
        TestValue::Number(n) => decimal_value(*n),
        TestValue::Bool(b) => Value::Bool(*b),
        other => Value::String(other.to_string()),
    }
}

/// A rule in the shape it is written in YAML: `{"all": [...]}`, `{"fact": "kpi", "min": 60}`.
pub fn rule_value(rule: &Rule, names: &[String]) -> Value {
    match rule {
        Rule::All(rules) => json!({"all": rules.iter().map(|r| rule_value(r, names)).collect::<Vec<_>>()}),
        Rule::Any(rules) => json!({"any": rules.iter().map(|r| rule_value(r, names)).collect::<Vec<_>>()}),
        Rule::Not(r) => json!({"not": rule_value(r, names)}),
        Rule::Test(t) => {
            let mut m = Map::new();
            match &t.subject {
                Subject::Fact(_) => {
                    m.insert("fact".into(), t.subject_name(names).into());
                }
                Subject::Streak { quarters } => {
                    m.insert("streak".into(), "kpi".into());
                    m.insert("quarters".into(), (*quarters).into());
                }
                Subject::MonthsSince(f) => {
                    m.insert("months_since".into(), crate::rule::fact_name(f, names).into());
                }
            }
            for c in &t.checks {
                m.insert(c.op.key().into(), test_value(&c.value));
            }
            m.insert("text".into(), t.describe(names).into());
            Value::Object(m)
        }
    }
}

fn json_value(scheme: &Scheme) -> Value {
    let names = &scheme.column_facts.names;
    let rule = |r: &Option<Rule>| r.as_ref().map_or(Value::Null, |r| rule_value(r, names));
    let line = |r: &Option<Rule>| r.as_ref().map_or(Value::Null, |r| Value::String(rule_line(r, names)));
    let positions: Vec<Value> = scheme
        .positions
        .iter()
        .map(|p| {
            let kpis: Vec<Value> = p
                .kpis
                .iter()
                .map(|k| {
                    json!({
                        "id": k.id, "title": k.title, "weight": decimal_value(k.weight),
                        "scoring": k.scoring.map_or(Value::Null, |s| json!({"target": decimal_value(s.target), "zero_at": decimal_value(s.zero_at)})),
                    })
                })
                .collect();
            let groups: Vec<Value> = p
                .groups
                .iter()
                .map(|g| json!({"id": g.id, "weight": decimal_value(g.weight), "items": g.items.iter().map(|i| json!({"id": i.id, "title": i.title})).collect::<Vec<_>>()}))
                .collect();
            json!({"id": p.id, "title": p.title, "kpis": kpis, "competencies": groups})
        })
        .collect();
    let sequences: Vec<Value> = scheme
        .sequences
        .iter()
        .map(|seq| {
            let grades: Vec<Value> = seq
                .grades
                .iter()
                .map(|g| {
                    json!({
                        "id": g.id, "title": g.title, "requires": rule(&g.requires), "requires_text": line(&g.requires),
                        "demotion": rule(&g.demotion),
                        "demotion_to": g.demotion_to.map(|t| scheme.grade(t).id.clone()),
                        "scheme_demotion": g.scheme_demotion,
                        "decided_by": g.decided_by,
                    })
                })
                .collect();
            json!({"id": seq.id, "title": seq.title, "grades": grades})
        })
        .collect();
    let bridges: Vec<Value> = scheme
        .bridges
        .iter()
        .map(|b| {
            json!({
                "from": scheme.grade(b.from).id, "to": scheme.grade(b.to).id, "title": b.title,
                "requires": rule(&b.requires), "requires_text": line(&b.requires),
            })
        })
        .collect();
    let scales: Map<String, Value> = std::iter::once((
        "competency".to_string(),
        json!({"min": decimal_value(scheme.competency_scale.min), "max": decimal_value(scheme.competency_scale.max)}),
    ))
    .chain(scheme.ordinal_scales.iter().map(|(n, levels)| (n.clone(), json!(levels))))
    .collect();
    json!({
        "scheme": scheme.id,
        "title": scheme.title,
        "review": {"quarters": scheme.review.quarters, "halves": scheme.review.halves},
        "scales": scales,
        "composite": {"kpi": decimal_value(scheme.composite.kpi), "competency": decimal_value(scheme.composite.competency)},
        "bands": scheme.bands.iter().map(|b| json!({"id": b.id, "title": b.title, "min": decimal_value(b.min)})).collect::<Vec<_>>(),
        "requires": rule(&scheme.requires),
        "demotion": rule(&scheme.demotion),
        "positions": positions,
        "sequences": sequences,
        "bridges": bridges,
        "files": scheme.sources.iter().map(|s| json!({"path": s.path, "sha256": s.sha256})).collect::<Vec<_>>(),
    })
}
