//! `ladder what-if`: one employee evaluated twice, before and after changes to
//! their row, side by side. The rest of the file stays as it is, so rank and
//! every cohort figure are recomputed against the real cohort: the changed
//! cells are written into the employee's row and every row is evaluated
//! again, through the same code as `evaluate`.

mod keys;

use super::scanned::{self, Place};
use super::{find, indent, meta_value, plain_table, record_value, unknown_id, write_json, write_text, DetailFormat};
use crate::batch::memory::{evaluate_in, evaluate_rows_in, Evaluation, Outcome};
use crate::batch::scan;
use crate::calendar::Period;
use crate::decision::Status;
use crate::error::Error;
use crate::input::records::{parse_row, read_long_scores, Input, Layout, LongScore, LongScores};
use crate::input::value::parse_number;
use crate::report::i18n::Lang;
use crate::report::ResultRecord;
use crate::scheme::{Scheme, Scoring};
use chrono::NaiveDate;
use keys::{check_value, raw_measure, resolve, score_of, Target};
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::io::Write;

/// One cell changed.
#[derive(Debug, Clone)]
pub struct Change {
    /// The key as given.
    pub key: String,
    /// The header of the column it names (a score not in the file: `PERIOD.ITEM`;
    /// a whole quarter: `PERIOD`).
    pub column: String,
    pub before: String,
    pub after: String,
    pub kind: ChangeKind,
}

/// What a change stands for, beyond its text.
#[derive(Debug, Clone)]
pub enum ChangeKind {
    /// A cell: a fact, a reserved field or a plain score.
    Cell,
    /// A KPI item that holds a raw measure (`scoring:`): the score each
    /// value converts to, rounded for reading (None: blank or not a number).
    RawMeasure { scoring: Scoring, before: Option<Decimal>, after: Option<Decimal> },
    /// A quarter's KPI score given whole: it stands in place of its items.
    Quarter(Period),
}

pub struct WhatIf<'s> {
    pub before: Evaluation<'s>,
    pub after: Evaluation<'s>,
    pub index: usize,
    pub changes: Vec<Change>,
    /// The other employees whose result the change moves (through rank), in
    /// file order, with what moved: worked out as they are evaluated, so a
    /// scan need not keep their outcomes (thousands, on a million rows).
    others: Vec<OtherChanged>,
}

/// Another employee's id, and their fields that differ after the change:
/// the `{field: {before, after}}` object as compact json text, read back
/// one at a time as the answer is written. A change of grade can move a
/// quarter of a million others: as json values (a map, strings and numbers
/// each their own allocation) they took about 1 KB each.
type OtherChanged = (String, Box<str>);

/// What changed for another employee, evaluated before and after; None when nothing did.
fn other_changed(scheme: &Scheme, before: &Outcome, after: &Outcome) -> Option<OtherChanged> {
    let (b, a) = (ResultRecord::new(scheme, before), ResultRecord::new(scheme, after));
    let d = differences(&record_value(&b), &record_value(&a));
    (!d.is_empty()).then(|| (b.id.clone(), Value::Object(d).to_string().into_boxed_str()))
}

/// An other's changed fields, read back from their json text (written by [`other_changed`]).
fn changed_fields(text: &str) -> Map<String, Value> {
    match serde_json::from_str(text) {
        Ok(Value::Object(d)) => d,
        _ => unreachable!("written by other_changed as a json object"),
    }
}

/// One other as the answer's json lists it.
fn other_value(id: &str, text: &str) -> Value {
    Value::Object(Map::from_iter([
        ("id".to_string(), Value::String(id.to_string())),
        ("changed".to_string(), Value::Object(changed_fields(text))),
    ]))
}

/// Where the rest of the file is: every row in memory (the reference), or
/// in a scan's counts (`detail::scanned`).
enum Rest<'a, 's> {
    Memory(&'a Input),
    Scanned(&'a scan::Request<'s>, Box<Place>),
}

/// Evaluates the file, then again with the employee's cells changed; the
/// texts of both decisions in `lang`.
#[allow(clippy::too_many_arguments)]
pub fn what_if<'s>(
    scheme: &'s Scheme,
    input: &Input,
    scores: Option<&Input>,
    as_of: NaiveDate,
    id: &str,
    sets: &[(String, String)],
    header_row: Option<u64>,
    lang: crate::report::i18n::Lang,
) -> Result<WhatIf<'s>, Error> {
    let before = evaluate_in(scheme, input, scores, as_of, header_row, lang).map_err(Error::Unusable)?;
    let index = find(&before, id).ok_or_else(|| Error::UnknownId(unknown_id(&before, id, &input.display)))?;
    changed(scheme, Rest::Memory(input), before, index, scores, as_of, id, sets, lang)
}

/// [`what_if`] on a file that is scanned rather than held in memory: the
/// same answer, in the memory of a streaming batch. The outer error is a
/// file the scan could not read: the in-memory path's message is the one to show.
pub fn what_if_scanned<'s>(
    req: &scan::Request<'s>,
    id: &str,
    sets: &[(String, String)],
    lang: Lang,
) -> anyhow::Result<Result<WhatIf<'s>, Error>> {
    // Under quotas the queue needs `evaluate`'s pass 1, which finds the employee too: no scan first.
    let found = match req.scheme.quotas.is_empty() {
        true => scanned::one(req, id, true, lang)?,
        false => scanned::one_for_change(req, id, lang)?,
    };
    let one = match found {
        Ok(one) => one,
        Err(message) => return Ok(Err(Error::UnknownId(message))),
    };
    let place = anyhow::Context::context(one.place, "internal error: a scan without its place")?;
    match changed(req.scheme, Rest::Scanned(req, Box::new(place)), one.evaluation, 0, req.scores, req.as_of, id, sets, lang) {
        Err(Error::Unusable(e)) => Err(e),
        answer => Ok(answer),
    }
}

/// The employee at `index` of `before` with `sets` applied, and the rows that changes.
#[allow(clippy::too_many_arguments)]
fn changed<'s>(
    scheme: &'s Scheme,
    rest: Rest<'_, 's>,
    before: Evaluation<'s>,
    index: usize,
    scores: Option<&Input>,
    as_of: NaiveDate,
    id: &str,
    sets: &[(String, String)],
    lang: Lang,
) -> Result<WhatIf<'s>, Error> {
    let display = match &rest {
        Rest::Memory(input) => input.display.clone(),
        Rest::Scanned(_, place) => place.scan.display.clone(),
    };
    let row = &before.outcomes[index].row;
    let layout = &before.layout;
    let mut long = match scores {
        Some(s) => read_long_scores(scheme, s).map_err(Error::Unusable)?,
        None => LongScores::default(),
    };

    let targets = resolved_sets(scheme, &before, index, sets)?;
    // The employee's row with the changes; every other row as it was.
    let mut cells: Vec<String> = row.cells.iter().map(str::to_string).collect();
    let changes = apply_sets(scheme, layout, &before.outcomes[index], &targets, &mut cells, &mut long, id)?;
    let layout_after = Layout::new_at(scheme, layout.headers.clone(), &display, layout.header_line).map_err(Error::Unusable)?;
    let (before, after, index, others) = match rest {
        Rest::Memory(input) => {
            let rows = before
                .outcomes
                .iter()
                .enumerate()
                .map(|(i, o)| {
                    let c = if i == index { crate::input::cells::Cells::from(cells.clone()) } else { o.row.cells.clone() };
                    parse_row(scheme, &layout_after, o.row.line, c, as_of)
                })
                .collect();
            let after = evaluate_rows_in(scheme, layout_after, rows, &long, as_of, input, scores, lang);
            let others = (0..before.outcomes.len())
                .filter(|i| *i != index)
                .filter_map(|i| other_changed(scheme, &before.outcomes[i], &after.outcomes[i]))
                .collect();
            (before, after, index, others)
        }
        Rest::Scanned(req, place) => {
            let diff = |b: &Outcome, a: &Outcome| other_changed(scheme, b, a);
            let (before, after, others) =
                scanned::what_if_after(req, before, *place, layout_after, cells.into(), &long, diff).map_err(Error::Unusable)?;
            (before, after, 0, others)
        }
    };

    // A change may not make the row invalid: that is a bad value, not an answer.
    let was = &before.outcomes[index].row.errors;
    let new: Vec<&String> = after.outcomes[index].row.errors.iter().filter(|e| !was.contains(e)).collect();
    if !new.is_empty() {
        let given: Vec<String> = changes.iter().map(|c| format!("{}={}", c.key, c.after)).collect();
        let list: Vec<String> = new.iter().map(|e| format!("  - {e}")).collect();
        return Err(Error::Usage(format!("--set {}: the row of {id} would be invalid:\n{}", given.join(" "), list.join("\n"))));
    }
    Ok(WhatIf { before, after, index, changes, others })
}

/// Every `--set` resolved to what it names and its value checked, before
/// anything changes: all the problems at once, or the targets with their key and value.
fn resolved_sets(
    scheme: &Scheme,
    before: &Evaluation,
    index: usize,
    sets: &[(String, String)],
) -> Result<Vec<(Target, String, String)>, Error> {
    let layout = &before.layout;
    let mut problems = Vec::new();
    let mut targets = Vec::new();
    for (i, (key, value)) in sets.iter().enumerate() {
        if sets[..i].iter().any(|(k, _)| k == key) {
            problems.push(format!("--set {key}: given more than once"));
            continue;
        }
        match resolve(scheme, before, index, key) {
            Err(message) => problems.push(format!("--set {key}={value}: {message}")),
            Ok(target) => {
                if let Err(message) = check_value(scheme, layout, &target, key, value) {
                    problems.push(format!("--set {key}={value}: {message}"));
                }
                targets.push((target, key.clone(), value.clone()));
            }
        }
    }
    // A quarter set whole reads none of its items: an item of it set too would count for nothing.
    for (target, key, value) in &targets {
        let period = match target {
            Target::Score(p, _) => Some(*p),
            Target::Column(c) => score_of(layout, *c).map(|(p, _)| p),
            Target::Quarter(_) => None,
        };
        if let Some(p) = period.filter(|p| targets.iter().any(|(t, _, _)| matches!(t, Target::Quarter(q) if q == p))) {
            problems.push(format!("--set {key}={value}: {p} is set whole (--set {p}=…), so its items are not read: set one or the other"));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Usage(problems.join("\n")));
    }

    Ok(targets)
}

/// The `targets` applied to the employee's `cells` and long-form scores
/// (`long`, which also takes the quarters set whole): what each changes.
fn apply_sets(
    scheme: &Scheme,
    layout: &Layout,
    employee: &Outcome,
    targets: &[(Target, String, String)],
    cells: &mut [String],
    long: &mut LongScores,
    id: &str,
) -> Result<Vec<Change>, Error> {
    let row = &employee.row;
    let mut changes = Vec::new();
    let own_long = long.by_id.entry(row.id.clone()).or_default();
    let mut quarter_scores = Vec::new();
    for (target, key, value) in targets {
        let (period, item) = match target {
            Target::Quarter(p) => {
                let was = employee
                    .figures
                    .as_ref()
                    .and_then(|f| f.quarters.iter().find(|q| q.period == *p))
                    .and_then(|q| q.score)
                    .map(crate::exact::format_figure)
                    .unwrap_or_default();
                changes.push(Change {
                    key: key.clone(),
                    column: p.to_string(),
                    before: was,
                    after: value.clone(),
                    kind: ChangeKind::Quarter(*p),
                });
                // Checked by `check_value`: blank (no score), or a number of the KPI scale.
                quarter_scores.push((*p, parse_number(value)));
                continue;
            }
            Target::Column(c) => {
                if cells.len() <= *c {
                    return Err(Error::Usage(format!(
                        "--set {key}={value}: the row of {id} (line {}) has {} cells, so no cell for `{}` (column {}): fix the row first",
                        row.line,
                        cells.len(),
                        layout.headers[*c],
                        c + 1
                    )));
                }
                let mut was = std::mem::replace(&mut cells[*c], value.clone());
                let score = score_of(layout, *c);
                if let (true, Some((p, item))) = (was.is_empty(), &score) {
                    // A blank cell may be filled by a long-form score: that is the value before.
                    was =
                        own_long.iter().find(|s| s.period == *p && s.item == *item).map(|s| s.value.trim().to_string()).unwrap_or_default();
                }
                let kind = raw_measure(scheme, row.position, score.as_ref(), &was, value);
                changes.push(Change { key: key.clone(), column: layout.headers[*c].clone(), before: was, after: value.clone(), kind });
                match score {
                    Some(score) => score,
                    None => continue,
                }
            }
            Target::Score(p, item) => {
                let was =
                    own_long.iter().find(|s| s.period == *p && s.item == *item).map(|s| s.value.trim().to_string()).unwrap_or_default();
                let kind = raw_measure(scheme, row.position, Some(&(*p, item.clone())), &was, value);
                changes.push(Change { key: key.clone(), column: format!("{p}.{item}"), before: was, after: value.clone(), kind });
                (*p, item.clone())
            }
        };
        // The new value replaces a long-form score for the same period and item.
        own_long.retain(|s| !(s.period == period && s.item == item));
        if matches!(target, Target::Score(..)) && !value.is_empty() {
            own_long.push(LongScore { period, item, value: value.clone(), line: 0 });
        }
    }
    if !quarter_scores.is_empty() {
        long.quarter_scores.insert(row.id.clone(), quarter_scores);
    }
    Ok(changes)
}

/// The fields that differ between two results: field → (before, after).
fn differences(before: &Value, after: &Value) -> Map<String, Value> {
    let mut changed = Map::new();
    if let (Value::Object(b), Value::Object(a)) = (before, after) {
        for (k, bv) in b {
            let av = a.get(k).unwrap_or(&Value::Null);
            if bv != av {
                changed.insert(k.clone(), json!({"before": bv, "after": av}));
            }
        }
    }
    changed
}

fn list_minus(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

/// One quarter's KPI score before and after.
struct QuarterRow {
    period: Period,
    before: Option<Decimal>,
    after: Option<Decimal>,
    /// Set whole by `--set PERIOD=VALUE`.
    set: bool,
}

/// A change as JSON: what was given, and for a raw measure the scores it converts to.
fn change_value(c: &Change) -> Value {
    let mut v = json!({"key": c.key, "column": c.column, "before": c.before, "after": c.after});
    match &c.kind {
        ChangeKind::Cell => {}
        ChangeKind::RawMeasure { scoring, before, after } => {
            v["raw_measure"] = json!({
                "target": crate::report::json::decimal_value(scoring.target),
                "zero_at": crate::report::json::decimal_value(scoring.zero_at),
                "score_before": crate::report::json::figure_value(*before),
                "score_after": crate::report::json::figure_value(*after),
            });
        }
        ChangeKind::Quarter(_) => v["quarter_score"] = Value::Bool(true),
    }
    v
}

impl WhatIf<'_> {
    /// The window's quarters, and any quarter set whole outside it (a streak's), oldest first.
    fn quarter_rows(&self) -> Vec<QuarterRow> {
        let set: Vec<Period> =
            self.changes.iter().filter_map(|c| if let ChangeKind::Quarter(p) = c.kind { Some(p) } else { None }).collect();
        let score = |e: &Evaluation, p: Period| {
            e.outcomes[self.index].figures.as_ref().and_then(|f| f.quarters.iter().find(|q| q.period == p)).and_then(|q| q.score)
        };
        self.before
            .periods
            .quarters_read
            .iter()
            .filter(|p| self.before.periods.quarters.contains(p) || set.contains(p))
            .map(|&p| QuarterRow { period: p, before: score(&self.before, p), after: score(&self.after, p), set: set.contains(&p) })
            .collect()
    }

    fn records(&self, i: usize) -> (ResultRecord<'_>, ResultRecord<'_>) {
        (ResultRecord::new(self.before.scheme, &self.before.outcomes[i]), ResultRecord::new(self.after.scheme, &self.after.outcomes[i]))
    }

    /// The employee is in error after the changes.
    pub fn ends_in_error(&self) -> bool {
        self.after.outcomes[self.index].decision.status == Status::Error
    }

    /// The answer as json, the others' changes included.
    pub fn into_json(self) -> Value {
        let others = self.others.iter().map(|(id, d)| other_value(id, d)).collect();
        let mut json = self.json_without_others();
        json["others_changed"] = Value::Array(others);
        json
    }

    /// The answer as pretty json, written as [`WhatIf::into_json`] would be,
    /// but with the others read back and written one at a time (a change
    /// of grade can move the rank of a quarter of a million).
    fn write_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut json = self.json_without_others();
        json["others_changed"] = Value::Array(Vec::new());
        if self.others.is_empty() {
            return write_json(out, &json);
        }
        // The document up to its last field's `[`: pretty json ends `"others_changed": []\n}`.
        let text = serde_json::to_string_pretty(&json)?;
        let head = text.strip_suffix("[]\n}").expect("others_changed is the last field, an empty array");
        out.write_all(head.as_bytes())?;
        out.write_all(b"[")?;
        for (i, (id, d)) in self.others.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            // An element of the array two levels deep: its own pretty text, indented twice.
            let element = serde_json::to_string_pretty(&other_value(id, d))?;
            for (j, line) in element.lines().enumerate() {
                if j > 0 {
                    out.write_all(b"\n")?;
                }
                out.write_all(b"    ")?;
                out.write_all(line.as_bytes())?;
            }
        }
        out.write_all(b"\n  ]\n}\n")
    }

    /// The answer as json but for the others (the last field, `others_changed`).
    fn json_without_others(&self) -> Value {
        let (b, a) = self.records(self.index);
        let (bv, av) = (record_value(&b), record_value(&a));
        let changes: Vec<Value> = self.changes.iter().map(change_value).collect();
        json!({
            "meta": meta_value(&self.before),
            "id": b.id,
            "set": changes,
            "before": bv,
            "after": av,
            "changed": differences(&bv, &av),
            "quarters": self.quarter_rows().iter().map(|q| json!({
                "period": q.period.to_string(),
                "before": crate::report::json::figure_value(q.before),
                "after": crate::report::json::figure_value(q.after),
                "set": q.set,
            })).collect::<Vec<_>>(),
            "unmet_now_met": list_minus(&b.unmet, &a.unmet),
            "unmet_new": list_minus(&a.unmet, &b.unmet),
        })
    }

    pub fn write(self, format: DetailFormat, out: &mut dyn Write) -> std::io::Result<()> {
        match format {
            DetailFormat::Json => self.write_json(out),
            DetailFormat::Text => write_text(out, |s| self.text(s)),
        }
    }

    // The reasons come in --lang from the evaluations; the words of this text are picked here.
    fn text(&self, s: &mut String) -> std::fmt::Result {
        self.text_changes(s)?;
        self.text_table(s)?;
        self.text_unmet_and_others(s)
    }

    /// Who, and each change: the value before and after, and what it means for a score.
    fn text_changes(&self, s: &mut String) -> std::fmt::Result {
        let lang = self.before.words.lang();
        let (b, _) = self.records(self.index);
        let name = if b.name.is_empty() { String::new() } else { format!(" {}", b.name) };
        let scheme = self.before.scheme;
        let (sequence, grade) = (lang.sequence(scheme, &b.sequence), lang.grade(scheme, &b.grade));
        let as_of = self.before.periods.as_of;
        match lang {
            Lang::En => writeln!(s, "What if: {}{name} ({sequence} {grade}) · as of {as_of}", b.id)?,
            Lang::Zh => writeln!(s, "假如：{}{name}（{sequence} {grade}）· 评估日期 {as_of}", b.id)?,
        }
        for c in &self.changes {
            let show = |v: &str| if v.is_empty() { lang.pick("(blank)", "(空)").to_string() } else { v.to_string() };
            let column = if c.column == c.key { String::new() } else { format!(" [{} {}]", lang.pick("column", "列"), c.column) };
            writeln!(s, "  {}{column}: {} → {}", c.key, show(&c.before), show(&c.after))?;
            let score = |d: &Option<Decimal>| d.map_or("no score".to_string(), crate::exact::format_figure_fixed);
            match &c.kind {
                ChangeKind::Cell => {}
                ChangeKind::RawMeasure { scoring, before, after } => writeln!(
                    s,
                    "    a raw measure (scoring: 100 at {}, 0 at {}): it scores {} → {}",
                    scoring.target.normalize(),
                    scoring.zero_at.normalize(),
                    score(before),
                    score(after)
                )?,
                ChangeKind::Quarter(p) => {
                    writeln!(s, "    {p}'s KPI score set whole: it stands in place of the quarter's items, which are not read")?;
                }
            }
        }
        writeln!(s)
    }

    /// The result fields before and after, side by side, with the quarters' KPI scores.
    fn text_table(&self, s: &mut String) -> std::fmt::Result {
        let lang = self.before.words.lang();
        let scheme = self.before.scheme;
        let (b, a) = self.records(self.index);
        let (bv, av) = (record_value(&b), record_value(&a));
        let mut t = plain_table(&[lang.pick("field", "项目"), lang.pick("before", "修改前"), lang.pick("after", "修改后"), ""]);
        let fields = [
            "status",
            "recommended_grade",
            "next_grade",
            "eligible_on",
            "grade",
            "position",
            "kpi",
            "kpi_quarters",
            "competency",
            "competency_halves",
            "competency_pct",
            "composite",
            "band",
            "calibrated_band",
            "rank_pct",
            "rank",
            "cohort_size",
            "unmet",
            "alternatives",
            "errors",
        ];
        for f in fields {
            if f == "kpi" {
                // The quarter scores the kpi is the mean of; a quarter set whole says so.
                for q in self.quarter_rows() {
                    let after = match (figure_text(&crate::report::json::figure_value(q.after)), q.set) {
                        (t, true) => format!("{t} (set)"),
                        (t, false) => t,
                    };
                    let mark = if q.before != q.after || q.set { "changed" } else { "" };
                    t.add_row(vec![
                        format!("{} KPI", q.period),
                        figure_text(&crate::report::json::figure_value(q.before)),
                        after,
                        mark.to_string(),
                    ]);
                }
            }
            let figure = matches!(f, "kpi" | "competency" | "competency_pct" | "composite" | "rank_pct");
            let show = |v: &Value| if figure { figure_text(v) } else { cell_text(v) };
            let (x, y) = (show(&bv[f]), show(&av[f]));
            if f == "errors" && bv[f] == av[f] && bv[f].as_array().is_some_and(Vec::is_empty) {
                continue;
            }
            let mark = if bv[f] == av[f] { "" } else { lang.pick("changed", "有变化") };
            let (x, y) = match f {
                "status" => (status_word(lang, &bv[f], x), status_word(lang, &av[f], y)),
                "recommended_grade" | "next_grade" | "grade" | "alternatives" => {
                    (grades_text(lang, scheme, &x), grades_text(lang, scheme, &y))
                }
                "position" => (lang.position(scheme, &x).to_string(), lang.position(scheme, &y).to_string()),
                _ => (x, y),
            };
            t.add_row(vec![lang.field(f).to_string(), x, y, mark.to_string()]);
        }
        writeln!(s, "{}", indent(&t.to_string(), 2))?;
        writeln!(s)
    }

    /// The unmet lines the change clears and adds, and the other employees whose result it changes.
    fn text_unmet_and_others(&self, s: &mut String) -> std::fmt::Result {
        let lang = self.before.words.lang();
        let (b, a) = self.records(self.index);
        let met = list_minus(&b.unmet, &a.unmet);
        let new = list_minus(&a.unmet, &b.unmet);
        if !met.is_empty() {
            writeln!(s, "{}", lang.pick("No longer unmet:", "不再未满足："))?;
            for u in met {
                writeln!(s, "  - {u}")?;
            }
        }
        if !new.is_empty() {
            writeln!(s, "{}", lang.pick("Newly unmet:", "新增未满足："))?;
            for u in new {
                writeln!(s, "  - {u}")?;
            }
        }
        let others = &self.others;
        if others.is_empty() {
            writeln!(s, "{}", lang.pick("Other employees: no result changed.", "其他员工：结果均无变化。"))?;
        } else {
            writeln!(
                s,
                "{}",
                lang.pick("Other employees whose result changed (the cohort is ranked again):", "结果有变化的其他员工（同组重新排名）：")
            )?;
            for (id, d) in others {
                let d = changed_fields(d);
                let parts: Vec<String> = d
                    .iter()
                    .map(|(k, v)| {
                        format!("{k} {} → {}", cell_text(&v["before"]).replace('\n', "; "), cell_text(&v["after"]).replace('\n', "; "))
                    })
                    .collect();
                writeln!(s, "  {id}: {}", parts.join(", "))?;
            }
        }
        Ok(())
    }
}

/// A status cell in `lang`'s word.
fn status_word(lang: Lang, v: &Value, shown: String) -> String {
    Status::ALL.iter().find(|s| v.as_str() == Some(s.as_str())).map_or(shown, |s| lang.status(*s).to_string())
}

/// Grades (one a line) by their titles in Chinese.
fn grades_text(lang: Lang, scheme: &Scheme, text: &str) -> String {
    text.lines().map(|g| lang.grade(scheme, g)).collect::<Vec<_>>().join("\n")
}

/// A figure with 2 decimals, as `evaluate`'s table prints it.
fn figure_text(v: &Value) -> String {
    match v {
        Value::Number(n) => {
            rust_decimal::Decimal::from_str_exact(&n.to_string()).map_or_else(|_| n.to_string(), crate::exact::format_figure_fixed)
        }
        other => cell_text(other),
    }
}

/// A JSON field as table text: null as `—`, lists one per line.
fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(t) => t.clone(),
        Value::Array(items) if items.is_empty() => "—".into(),
        Value::Array(items) => items.iter().map(cell_text).collect::<Vec<_>>().join("\n"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The json answer written with the others one at a time is, byte for
    /// byte, the pretty print of the whole document (the reference), with
    /// others listed and with none.
    #[test]
    fn the_streamed_json_is_the_pretty_print_of_the_whole() {
        let scheme = crate::scheme::load_scheme(None).unwrap();
        let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/telecom-after-sales.csv");
        let input = crate::input::records::read_input(examples, crate::input::records::Encoding::Utf8).unwrap();
        let as_of = "2026-12-31".parse().unwrap();
        let mut listed = 0;
        for (id, set) in [("E016", ("2026Q4.standardization", "0")), ("E016", ("grade", "T2")), ("E001", ("grade_date", "2000-01-01"))] {
            let sets = [(set.0.to_string(), set.1.to_string())];
            let answer = what_if(&scheme, &input, None, as_of, id, &sets, None, Lang::En).unwrap();
            let mut streamed = Vec::new();
            answer.write_json(&mut streamed).unwrap();
            listed += answer.others.len();
            let mut whole = Vec::new();
            super::write_json(&mut whole, &answer.into_json()).unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), String::from_utf8(whole).unwrap(), "{id} {set:?}");
        }
        assert!(listed > 1, "some answer must list others");
    }
}
