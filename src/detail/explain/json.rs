//! The explanation as one JSON document (`explain --format json`).

use super::{
    date_value, decimal_value, figure_value, json, meta_value, opt_text, Explanation, Found, Gap, GradeRef, Map, Node, Origin, Scheme,
    Status, TestValue, Value,
};

fn found_value(scheme: &Scheme, found: &Found) -> Value {
    match found {
        Found::Missing => Value::Null,
        Found::Number(n) => figure_value(Some(*n)),
        Found::Bool(b) => Value::Bool(*b),
        Found::Date(d) => Value::String(d.to_string()),
        Found::Level(_, t) | Found::Text(t) | Found::Unreadable(t, _) => Value::String(t.clone()),
        Found::Band(i) => scheme.bands.get(*i).map_or(Value::Null, |b| Value::String(b.id.clone())),
        Found::Quarters(qs) => Value::Array(qs.iter().map(|(p, s)| json!({"period": p.to_string(), "score": figure_value(*s)})).collect()),
    }
}

fn test_value_json(v: &TestValue) -> Value {
    match v {
        TestValue::Number(n) => decimal_value(*n),
        TestValue::Bool(b) => Value::Bool(*b),
        other => Value::String(other.to_string()),
    }
}

pub fn node_value(scheme: &Scheme, node: &Node) -> Value {
    match node {
        Node::All { holds, children } => json!({"all": children.iter().map(|c| node_value(scheme, c)).collect::<Vec<_>>(), "holds": holds}),
        Node::Any { holds, children } => json!({"any": children.iter().map(|c| node_value(scheme, c)).collect::<Vec<_>>(), "holds": holds}),
        Node::Not { holds, child } => json!({"not": node_value(scheme, child), "holds": holds}),
        Node::Test { holds, test, found, says } => {
            let mut m = Map::new();
            m.insert("test".into(), test.describe(&scheme.column_facts.names).into());
            m.insert("fact".into(), test.subject_name(&scheme.column_facts.names).into());
            let checks: Vec<Value> = test.checks.iter().map(|c| json!({"op": c.op.key(), "value": test_value_json(&c.value)})).collect();
            m.insert("required".into(), checks.into());
            m.insert("found".into(), found_value(scheme, found));
            if let Found::Unreadable(_, kind) = found {
                m.insert("unreadable_as".into(), (*kind).into());
            }
            m.insert("holds".into(), (*holds).into());
            m.insert("says".into(), says.clone().into());
            m.insert("at".into(), test.at.clone().into());
            Value::Object(m)
        }
    }
}

fn gap_value(g: &Gap) -> Value {
    let mut m = Map::new();
    m.insert("test".into(), g.test.clone().into());
    m.insert("change".into(), g.change.clone().into());
    if let Some(d) = g.delta {
        m.insert("delta".into(), decimal_value(d));
    }
    if let Some(on) = g.on {
        m.insert("on".into(), on.to_string().into());
    }
    if !g.any_of.is_empty() {
        let options: Vec<Value> = g.any_of.iter().map(|o| Value::Array(o.iter().map(gap_value).collect())).collect();
        m.insert("any_of".into(), options.into());
    }
    Value::Object(m)
}

fn id_title(scheme: &Scheme, g: Option<GradeRef>) -> Value {
    g.map_or(Value::Null, |g| json!({"id": scheme.grade(g).id, "title": scheme.grade(g).title}))
}

impl Explanation<'_> {
    pub fn to_json(&self) -> Value {
        let o = self.outcome();
        let r = &self.record;
        let d = &o.decision;
        let decision = json!({
            "status": r.status.as_str(),
            "recommended_grade": opt_text(r.recommended_grade.as_deref()),
            "next_grade": opt_text(r.next_grade.as_deref()),
            "eligible_on": opt_text(r.eligible_on.as_deref()),
            "unmet": r.unmet,
            "alternatives": r.alternatives,
            "via_bridge": d.via_bridge,
        });
        let mut doc = json!({
            "meta": meta_value(self.evaluation),
            "employee": self.employee_json(),
            "errors": o.row.errors,
            "quarters": self.quarters_json(),
            "halves": self.halves_json(),
            "figures": self.figures_json(),
            "decision": decision,
            "rules": self.rules_json(),
        });
        // Only a scheme with quotas has a queue to show.
        let quotas = self.quota_json();
        if !quotas.is_null() {
            doc["quotas"] = quotas;
        }
        doc
    }

    /// Who: the row's reserved cells, resolved, and the time facts.
    fn employee_json(&self) -> Value {
        let scheme = self.scheme();
        let row = &self.outcome().row;
        let (mig, mic, age) = self.time_facts();
        let position = row.position.map(|p| &scheme.positions[p]);
        json!({
            "id": row.id,
            "name": row.name,
            "line": row.line,
            "position": position.map_or(Value::String(row.position_text.clone()), |p| json!({"id": p.id, "title": p.title})),
            "sequence": row.grade.map(|g| g.sequence).or(row.sequence).map_or(Value::String(row.sequence_text.clone()), |q| json!({"id": scheme.sequences[q].id, "title": scheme.sequences[q].title})),
            "grade": row.grade.map_or(Value::String(row.grade_text.clone()), |g| json!({"id": scheme.grade(g).id, "title": scheme.grade(g).title})),
            "hire_date": date_value(row.hire_date),
            "grade_date": date_value(row.grade_date),
            "birth_date": date_value(row.birth_date),
            "months_in_grade": mig,
            "months_in_company": mic,
            "age": age,
        })
    }

    /// Each quarter read: its items, their weights, values and scores.
    fn quarters_json(&self) -> Vec<Value> {
        self
            .quarters
            .iter()
            .map(|q| {
                let items: Vec<Value> = q
                    .items
                    .iter()
                    .map(|k| {
                        json!({
                            "id": k.id,
                            "title": k.title,
                            "weight": decimal_value(k.weight),
                            "value": k.given.map_or(Value::Null, decimal_value),
                            "scoring": k.scoring.map_or(Value::Null, |s| json!({"target": decimal_value(s.target), "zero_at": decimal_value(s.zero_at)})),
                            "score": figure_value(k.score),
                            "weighted": figure_value(k.weighted),
                        })
                    })
                    .collect();
                json!({"period": q.period, "in_window": q.in_window, "scored": q.score.is_some(), "items": items, "score": figure_value(q.score)})
            })
            .collect()
    }

    /// Each half read: its groups and their ratings.
    fn halves_json(&self) -> Vec<Value> {
        self
            .halves
            .iter()
            .map(|h| {
                let groups: Vec<Value> = h
                    .groups
                    .iter()
                    .map(|g| {
                        let items: Vec<Value> = g.items.iter().map(|(id, title, r)| json!({"id": id, "title": title, "rating": r.map_or(Value::Null, decimal_value)})).collect();
                        json!({"id": g.id, "weight": decimal_value(g.weight), "items": items, "mean": figure_value(g.mean), "weighted": figure_value(g.weighted)})
                    })
                    .collect();
                json!({"period": h.period, "scored": h.rating.is_some(), "groups": groups, "rating": figure_value(h.rating)})
            })
            .collect()
    }

    /// The figures of SPEC §4, with band and rank; null for a row in error.
    fn figures_json(&self) -> Value {
        let scheme = self.scheme();
        let o = self.outcome();
        let position = o.row.position.map(|p| &scheme.positions[p]);
        o.figures.as_ref().filter(|_| self.record.status != Status::Error).map_or(Value::Null, |f| {
            let position = position.expect("figures imply a position");
            let item_means: Map<String, Value> = position.kpis.iter().zip(&f.item_means).map(|(k, m)| (k.id.clone(), figure_value(*m))).collect();
            let group_means: Map<String, Value> = position.groups.iter().zip(&f.group_means).map(|(g, m)| (g.id.clone(), figure_value(*m))).collect();
            json!({
                "kpi": figure_value(f.kpi),
                "kpi_quarters": f.kpi_quarters,
                "kpi_min": figure_value(f.kpi_min),
                "competency": figure_value(f.competency),
                "competency_halves": f.competency_halves,
                "competency_pct": figure_value(f.competency_pct),
                "composite": figure_value(f.composite),
                "band": f.band.map_or(Value::Null, |b| json!({"id": scheme.bands[b].id, "title": scheme.bands[b].title, "min": decimal_value(scheme.bands[b].min)})),
                "calibrated_band": opt_text(o.standing.and_then(|s| s.calibrated_band).map(|b| scheme.bands[b].id.as_str())),
                "rank_pct": figure_value(o.standing.map(|s| s.rank_pct)),
                "rank": self.rank.as_ref().map_or(Value::Null, |k| json!({"position": k.position, "cohort": k.cohort, "tied": k.tied})),
                "kpi_items": item_means,
                "competency_groups": group_means,
            })
        })
    }

    /// Every rule that decided: its parts as traced and the changes that would meet it.
    fn rules_json(&self) -> Vec<Value> {
        let scheme = self.scheme();
        self.rules
            .iter()
            .map(|rv| {
                let parts: Vec<Value> = rv
                    .parts
                    .iter()
                    .map(|(origin, n)| {
                        let mut v = node_value(scheme, n);
                        if let Value::Object(m) = &mut v {
                            m.insert("from".into(), if *origin == Origin::Own { "own" } else { "scheme" }.into());
                        }
                        v
                    })
                    .collect();
                json!({
                    "kind": rv.kind.as_str(),
                    "to": id_title(scheme, rv.to),
                    "title": opt_text(rv.title.as_deref()),
                    "holds": rv.holds,
                    "parts": parts,
                    "changes": rv.changes.iter().map(gap_value).collect::<Vec<_>>(),
                })
            })
            .collect()
    }

    /// [`Explanation::text_quotas`] as json: null without quotas.
    fn quota_json(&self) -> Value {
        let e = self.evaluation;
        let Some(allocation) = &e.quotas else { return Value::Null };
        let Some(allotted) = allocation.of(self.quota_row) else { return json!({"candidate": false}) };
        let scheme = e.scheme;
        let options: Vec<Value> = allotted
            .options
            .iter()
            .enumerate()
            .map(|(i, option)| {
                let quotas: Vec<Value> = allocation
                    .quotas_of(scheme, allotted, *option)
                    .into_iter()
                    .map(|(q, g, taken, cap, last)| {
                        let group = allocation.group_text(scheme, q, g);
                        json!({
                            "grades": scheme.quotas[q].grades.iter().map(|g| scheme.grade(*g).id.clone()).collect::<Vec<_>>(),
                            "group": if group.is_empty() { Value::Null } else { Value::String(group.trim().trim_start_matches('(').trim_end_matches(')').to_string()) },
                            "taken": taken,
                            "cap": cap,
                            "last_taken_by": last.and_then(|row| allocation.id_of(row)),
                            "at": scheme.quotas[q].at,
                        })
                    })
                    .collect();
                json!({"grade": scheme.grade(*option).id, "taken": allotted.took == Some(i), "quotas": quotas})
            })
            .collect();
        json!({"candidate": true, "position": allotted.place, "candidates": allocation.candidates, "options": options})
    }
}
