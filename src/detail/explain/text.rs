//! The explanation as text for reading (`explain`, the default).

use super::*;

impl Explanation<'_> {
    pub(super) fn text(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        let e = self.evaluation;
        let o = self.outcome();
        let row = &o.row;
        let r = &self.record;
        let (mig, mic, age) = self.time_facts();

        // Who, and against what.
        let name = if row.name.is_empty() { String::new() } else { format!(" {}", row.name) };
        writeln!(s, "{}{name} · line {} of {}", row.id, row.line, e.inputs.first().map_or("", |(p, _)| p.as_str()))?;
        match row.position {
            Some(p) => writeln!(s, "  position   {} {}", scheme.positions[p].id, scheme.positions[p].title)?,
            None => writeln!(s, "  position   {}", row.position_text)?,
        }
        match row.grade {
            Some(g) => {
                let seq = &scheme.sequences[g.sequence];
                writeln!(s, "  grade      {} {} ({} {})", scheme.grade(g).id, scheme.grade(g).title, seq.id, seq.title)?
            }
            // Placement reads no grade: the cell is shown as given.
            None if e.layout.placement.is_some() => {
                let seq = row.sequence.map(|q| format!("{} {}", scheme.sequences[q].id, scheme.sequences[q].title)).unwrap_or_default();
                writeln!(s, "  grade      `{}` as given, not read by the placement ({seq})", row.grade_text)?
            }
            None => writeln!(s, "  grade      {} ({})", row.grade_text, row.sequence_text)?,
        }
        if let Some(d) = row.hire_date {
            writeln!(s, "  hired      {d} ({} months in the company)", mic.unwrap_or(0))?;
        }
        match (row.grade_date, e.layout.placement.is_some()) {
            (Some(d), true) => writeln!(
                s,
                "  in the job since {d} ({} months, counted as months_in_grade: placement tenure `{}`)",
                mig.unwrap_or(0),
                scheme.placement.tenure.name()
            )?,
            (Some(d), false) => writeln!(s, "  in grade   since {d} ({} months)", mig.unwrap_or(0))?,
            (None, _) => {}
        }
        if let Some(d) = row.birth_date {
            writeln!(s, "  born       {d} (age {})", age.unwrap_or(0))?;
        }
        let join = |ps: &[crate::calendar::Period]| ps.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" ");
        writeln!(
            s,
            "  scheme     {} ({}) · as of {} · quarters {} · halves {}",
            scheme.title,
            scheme.id,
            e.periods.as_of,
            join(&e.periods.quarters),
            join(&e.periods.halves)
        )?;
        writeln!(s)?;

        // The decision first, in one paragraph.
        let grade_name = |id: &Option<Cow<str>>| -> String {
            id.as_deref()
                .map(|id| match scheme.find_grade(id) {
                    Some(g) => format!("{} {}", id, scheme.grade(g).title),
                    None => id.to_string(),
                })
                .unwrap_or_else(|| "—".into())
        };
        write!(s, "Decision: {}", r.status.as_str())?;
        match r.status {
            Status::Error => writeln!(s, " — the row cannot be evaluated:")?,
            Status::Promote => writeln!(
                s,
                " — recommend {}{}",
                grade_name(&r.recommended_grade),
                if o.decision.via_bridge { " (over a bridge)" } else { "" }
            )?,
            Status::Hold if r.next_grade.is_none() => {
                writeln!(s, " — stays {}, the top of its sequence; no bridge out is open", grade_name(&r.recommended_grade))?
            }
            Status::Hold => writeln!(s, " — stays {}; next grade {}", grade_name(&r.recommended_grade), grade_name(&r.next_grade))?,
            Status::Top => writeln!(s, " — {} is the top of its sequence and no bridge is open", grade_name(&r.recommended_grade))?,
            Status::Demote => writeln!(s, " — recommend {}", grade_name(&r.recommended_grade))?,
            Status::Place if r.next_grade.is_none() => {
                writeln!(s, " — placed at {}, the top of its sequence (initial placement)", grade_name(&r.recommended_grade))?
            }
            Status::Place => writeln!(
                s,
                " — placed at {} (initial placement); next grade {}",
                grade_name(&r.recommended_grade),
                grade_name(&r.next_grade)
            )?,
        }
        for err in &r.errors {
            writeln!(s, "  - {err}")?;
        }
        if r.status == Status::Error {
            return Ok(());
        }
        if let Some(on) = &r.eligible_on {
            writeln!(s, "  eligible on {on}, if only time moves on and everything else stays as it is")?;
        } else if r.status == Status::Hold && r.quota_position.is_some() {
            writeln!(s, "  no eligible_on: a promotion's rule holds, but the quota of every option is full (see Quotas below)")?;
        } else if r.status == Status::Hold || (r.status == Status::Place && r.next_grade.is_some()) {
            writeln!(s, "  no eligible_on: waiting alone does not make the rule hold")?;
        }
        if r.status == Status::Demote {
            for rv in self.rules.iter().filter(|rv| rv.kind == RuleKind::Demotion) {
                for (_, node) in rv.parts.iter().filter(|(_, n)| n.holds()) {
                    for why in holding_tests(node) {
                        writeln!(s, "  demoted by: {why}")?;
                    }
                }
            }
        }
        for u in &r.unmet {
            writeln!(s, "  unmet: {u}")?;
        }
        if !r.alternatives.is_empty() {
            writeln!(s, "  bridges open: {}", r.alternatives.join(", "))?;
        }
        writeln!(s)?;

        self.text_kpi(s)?;
        self.text_competencies(s)?;
        self.text_figures(s)?;
        self.text_rules(s)?;
        self.text_quotas(s)?;
        let _ = (mig, mic);
        Ok(())
    }

    /// The quota queue (SPEC §8.4): the place, and each option's quotas with
    /// how many were taken and who took the last slot.
    fn text_quotas(&self, s: &mut String) -> std::fmt::Result {
        let e = self.evaluation;
        let Some(allocation) = &e.quotas else { return Ok(()) };
        let Some(allotted) = allocation.of(self.index as u64) else {
            if self.record.status != Status::Error {
                writeln!(s, "Quotas: not a candidate (quotas cap promotions; this row's decision is not one)")?;
                writeln!(s)?;
            }
            return Ok(());
        };
        writeln!(
            s,
            "Quotas: place {} of {} in the queue (composite, higher first; then months in grade, longer first; then file order)",
            allotted.place, allocation.candidates
        )?;
        let scheme = e.scheme;
        for (i, option) in allotted.options.iter().enumerate() {
            let verdict = match allotted.took {
                Some(t) if t == i => "taken",
                Some(t) if t < i => "not tried (an earlier option was taken)",
                _ => "full",
            };
            writeln!(s, "  {} {}: {verdict}", scheme.grade(*option).id, scheme.grade(*option).title)?;
            let quotas = allocation.quotas_of(scheme, allotted, *option);
            if quotas.is_empty() {
                writeln!(s, "    no quota caps it")?;
            }
            for (q, g, taken, cap, last) in quotas {
                let last = match last {
                    Some(row) => format!("; the last slot went to {}", e.outcomes.get(row as usize).map_or("?", |o| o.row.id.as_str())),
                    None => String::new(),
                };
                writeln!(
                    s,
                    "    quota for {}{}: {taken} of {cap} taken{last} · {}",
                    scheme.quotas[q].name(scheme),
                    allocation.group_text(scheme, q, g),
                    scheme.quotas[q].at
                )?;
            }
        }
        writeln!(s)
    }

    fn text_kpi(&self, s: &mut String) -> std::fmt::Result {
        writeln!(s, "KPI by quarter (quarter score = Σ weight × score / 100, rounded; scores and weighted parts are shown rounded)")?;
        for q in &self.quarters {
            let note = if q.in_window { "" } else { " (before the window, read only by streak rules)" };
            match q.score {
                None => {
                    let counted = if q.in_window { " — not counted" } else { "" };
                    writeln!(s, "  {}{note}: no scores{counted}", q.period)?;
                    continue;
                }
                Some(score) => writeln!(s, "  {}{note}: quarter score {}", q.period, format_figure_fixed(score))?,
            }
            let mut t = plain_table(&["item", "title", "weight", "score", "weighted"]);
            for k in &q.items {
                let score = match (k.score, k.given, k.scoring) {
                    (Some(sc), Some(raw), Some(sg)) => format!(
                        "raw {} → {} (target {}, zero at {})",
                        raw.normalize(),
                        format_figure_fixed(sc),
                        sg.target.normalize(),
                        sg.zero_at.normalize()
                    ),
                    (Some(sc), _, _) => format_figure_fixed(sc),
                    _ => "—".into(),
                };
                t.add_row(vec![
                    k.id.clone(),
                    k.title.clone(),
                    k.weight.normalize().to_string(),
                    score,
                    k.weighted.map_or("—".into(), format_figure_fixed),
                ]);
            }
            writeln!(s, "{}", indent(&t.to_string(), 4))?;
        }
        writeln!(s)
    }

    fn text_competencies(&self, s: &mut String) -> std::fmt::Result {
        writeln!(s, "Competencies by half (half rating = Σ group weight × group mean / 100, rounded; means are shown rounded)")?;
        for h in &self.halves {
            match h.rating {
                None => {
                    writeln!(s, "  {}: no ratings — not counted", h.period)?;
                    continue;
                }
                Some(rating) => writeln!(s, "  {}: half rating {}", h.period, format_figure_fixed(rating))?,
            }
            let mut t = plain_table(&["group / item", "title", "rating", "weight", "weighted"]);
            for g in &h.groups {
                t.add_row(vec![
                    g.id.clone(),
                    "(group mean)".into(),
                    g.mean.map_or("—".into(), format_figure_fixed),
                    g.weight.normalize().to_string(),
                    g.weighted.map_or("—".into(), format_figure_fixed),
                ]);
                for (id, title, rating) in &g.items {
                    t.add_row(vec![
                        format!("  {id}"),
                        title.clone(),
                        rating.map_or("—".into(), |r| r.normalize().to_string()),
                        String::new(),
                        String::new(),
                    ]);
                }
            }
            writeln!(s, "{}", indent(&t.to_string(), 4))?;
        }
        writeln!(s)
    }

    fn text_figures(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        let o = self.outcome();
        let Some(f) = o.figures.as_ref() else { return Ok(()) };
        let fx = |d: Option<Decimal>| d.map_or("—".into(), format_figure_fixed);
        writeln!(s, "Figures")?;
        let kpi_note = match f.kpi {
            Some(_) => format!("mean of the {} scored quarter(s) of the window; lowest {}", f.kpi_quarters, fx(f.kpi_min)),
            None => "no scored quarter in the window".into(),
        };
        writeln!(s, "  kpi             {:<8} {kpi_note}", fx(f.kpi))?;
        let comp_note = match f.competency {
            Some(_) => format!("mean of the {} scored half(s) of the window", f.competency_halves),
            None => "no scored half in the window".into(),
        };
        writeln!(s, "  competency      {:<8} {comp_note}", fx(f.competency))?;
        let scale = scheme.competency_scale;
        if let Some(c) = f.competency {
            writeln!(
                s,
                "  competency_pct  {:<8} ({} − {}) / ({} − {}) × 100",
                fx(f.competency_pct),
                format_figure_fixed(c),
                scale.min.normalize(),
                scale.max.normalize(),
                scale.min.normalize()
            )?;
        } else {
            writeln!(s, "  competency_pct  —")?;
        }
        match (f.composite, f.kpi, f.competency_pct) {
            (Some(c), Some(k), Some(p)) => writeln!(
                s,
                "  composite       {:<8} ({} × {} + {} × {}) / 100",
                format_figure_fixed(c),
                scheme.composite.kpi.normalize(),
                format_figure_fixed(k),
                scheme.composite.competency.normalize(),
                format_figure_fixed(p)
            )?,
            _ => writeln!(s, "  composite       —        needs both a kpi and a competency")?,
        }
        match f.band {
            Some(b) => {
                let band = &scheme.bands[b];
                writeln!(s, "  band            {} {}  (from {})", band.id, band.title, band.min.normalize())?
            }
            None => writeln!(s, "  band            —")?,
        }
        let grade = cohort_label(self.evaluation, &o.row);
        if let Some(b) = o.standing.and_then(|s| s.calibrated_band) {
            writeln!(s, "  calibrated_band {} {}  (by the distribution)", scheme.bands[b].id, scheme.bands[b].title)?;
        }
        match &self.rank {
            Some(k) => {
                let tied = match k.tied {
                    0 => String::new(),
                    1 => ", tied with 1 other".into(),
                    n => format!(", tied with {n} others"),
                };
                writeln!(
                    s,
                    "  rank            {} of {} in {grade}{tied} (rank_pct {})",
                    ordinal(k.position),
                    k.cohort,
                    fx(o.standing.map(|s| s.rank_pct))
                )?
            }
            None => writeln!(s, "  rank            — not ranked without a composite")?,
        }
        if let Some(p) = o.row.position.map(|p| &scheme.positions[p]) {
            let items: Vec<String> = p.kpis.iter().zip(&f.item_means).map(|(k, m)| format!("{} {}", k.id, fx(*m))).collect();
            writeln!(s, "  kpi.ITEM        {}", items.join(", "))?;
            let groups: Vec<String> = p.groups.iter().zip(&f.group_means).map(|(g, m)| format!("{} {}", g.id, fx(*m))).collect();
            writeln!(s, "  competency.GROUP {}", groups.join(", "))?;
        }
        writeln!(s)
    }

    fn text_rules(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        if self.rules.is_empty() {
            return Ok(());
        }
        writeln!(s, "Rules (✓ holds, ✗ does not; [scheme] marks the scheme-wide part)")?;
        for rv in &self.rules {
            let to = rv.to.map(|g| format!("{} {}", scheme.grade(g).id, scheme.grade(g).title)).unwrap_or_default();
            let verdict = match (rv.kind, rv.holds) {
                (RuleKind::Demotion, true) => "applies",
                (RuleKind::Demotion, false) => "does not apply",
                (_, true) => "met",
                (_, false) => "not met",
            };
            // A grade the board decides is not entered by rule, whatever the verdict.
            let decided = match (rv.kind, rv.to.and_then(|g| scheme.grade(g).decided_by.as_ref())) {
                (RuleKind::NextGrade | RuleKind::Bridge, Some(body)) => format!("; {}", crate::decision::decided_by_text(body)),
                _ => String::new(),
            };
            let verdict = format!("{verdict}{decided}");
            match rv.kind {
                RuleKind::Demotion if to.is_empty() => writeln!(s, "  Demotion (any of these) — {verdict}")?,
                RuleKind::Demotion => writeln!(s, "  Demotion (any of these; the grade's own sends to {to}) — {verdict}")?,
                RuleKind::NextGrade => writeln!(s, "  Next grade {to} — {verdict}")?,
                RuleKind::Placed => writeln!(s, "  Placed grade {to} (its own rule alone decides) — {verdict}")?,
                RuleKind::Bridge => {
                    let title = rv.title.as_ref().map(|t| format!(" ({t})")).unwrap_or_default();
                    writeln!(s, "  Bridge to {to}{title} — {verdict}")?
                }
            }
            for (origin, node) in &rv.parts {
                let tag = if *origin == Origin::SchemeWide { "  [scheme]" } else { "" };
                write_node(s, node, 4, tag)?;
            }
            if !rv.changes.is_empty() {
                let what = match rv.kind {
                    RuleKind::NextGrade => format!("To become eligible for {to}"),
                    _ => format!("To open the bridge to {to}"),
                };
                writeln!(s, "    {what} (each change alone is the least that meets its test; all are needed):")?;
                for g in &rv.changes {
                    write_gap(s, g, 6)?;
                }
            }
        }
        Ok(())
    }
}

/// The tests that make a holding node hold.
fn holding_tests(node: &Node) -> Vec<String> {
    match node {
        Node::Test { holds: true, says, .. } => vec![says.clone()],
        Node::All { holds: true, children } | Node::Any { holds: true, children } => children.iter().flat_map(holding_tests).collect(),
        Node::Not { holds: true, child } => vec![format!("not ({})", node_line(child))],
        _ => Vec::new(),
    }
}

/// A node on one line.
fn node_line(node: &Node) -> String {
    match node {
        Node::Test { says, .. } => says.clone(),
        Node::All { children, .. } => format!("all of ({})", children.iter().map(node_line).collect::<Vec<_>>().join(" and ")),
        Node::Any { children, .. } => format!("any of ({})", children.iter().map(node_line).collect::<Vec<_>>().join(" or ")),
        Node::Not { child, .. } => format!("not ({})", node_line(child)),
    }
}

fn write_node(s: &mut String, node: &Node, depth: usize, tag: &str) -> std::fmt::Result {
    let pad = " ".repeat(depth);
    let mark = |h: bool| if h { "✓" } else { "✗" };
    match node {
        Node::Test { holds, says, .. } => writeln!(s, "{pad}{} {says}{tag}", mark(*holds)),
        Node::All { holds, children } | Node::Any { holds, children } => {
            let word = if matches!(node, Node::All { .. }) { "all of" } else { "any of" };
            writeln!(s, "{pad}{} {word}:{tag}", mark(*holds))?;
            for c in children {
                write_node(s, c, depth + 4, "")?;
            }
            Ok(())
        }
        Node::Not { holds, child } => {
            writeln!(s, "{pad}{} not:{tag}", mark(*holds))?;
            write_node(s, child, depth + 4, "")
        }
    }
}

fn write_gap(s: &mut String, g: &Gap, depth: usize) -> std::fmt::Result {
    let pad = " ".repeat(depth);
    if g.any_of.is_empty() {
        return writeln!(s, "{pad}- {}", g.change);
    }
    writeln!(s, "{pad}- any one of:")?;
    for (i, option) in g.any_of.iter().enumerate() {
        let letter = char::from(b'a' + (i % 26) as u8);
        match option.as_slice() {
            [one] if one.any_of.is_empty() => writeln!(s, "{pad}    {letter}) {}", one.change)?,
            _ => {
                writeln!(s, "{pad}    {letter}) all of:")?;
                for g in option {
                    write_gap(s, g, depth + 7)?;
                }
            }
        }
    }
    Ok(())
}

/// The placement's cohort (SPEC §8.3): the scheme's fields without the
/// grade, with the sequence.
fn placement_cohort_label(evaluation: &Evaluation, row: &crate::input::records::Row) -> String {
    use crate::rule::Reserved;
    use crate::scheme::CohortField;
    let scheme = evaluation.scheme;
    let sequence = format!("sequence {}", row.sequence.map_or("", |q| scheme.sequences[q].id.as_str()));
    let mut parts: Vec<String> = Vec::new();
    for f in &scheme.cohort.fields {
        match f {
            CohortField::Reserved(Reserved::Grade | Reserved::Sequence) => {}
            CohortField::Reserved(Reserved::Position) => {
                parts.push(format!("position {}", row.position.map(|p| scheme.positions[p].id.as_str()).unwrap_or_default()))
            }
            CohortField::Reserved(r) => {
                let col = evaluation.layout.reserved.get(r).copied();
                parts.push(format!("{} {}", r.name(), col.map_or("", |c| row.cell(c))))
            }
            CohortField::Column(id) => {
                let value = evaluation.layout.facts.get(*id).copied().flatten().map_or("", |c| row.cell(c));
                parts.push(format!("{} {}", scheme.column_facts.names[*id], if value.is_empty() { "(blank)" } else { value }))
            }
        }
    }
    parts.push(sequence);
    format!("the cohort {} (placement: the grade left out)", parts.join(", "))
}

/// The rank cohort of a row for reading: its grade under the default
/// cohort, else each `cohort:` field with the row's value.
fn cohort_label(evaluation: &Evaluation, row: &crate::input::records::Row) -> String {
    let scheme = evaluation.scheme;
    let grade = row.grade.map(|g| scheme.grade(g).id.clone()).unwrap_or_default();
    if evaluation.layout.placement.is_some() {
        return placement_cohort_label(evaluation, row);
    }
    if scheme.cohort.at.is_none() {
        return grade;
    }
    let parts: Vec<String> = scheme
        .cohort
        .fields
        .iter()
        .map(|f| match f {
            crate::scheme::CohortField::Reserved(crate::rule::Reserved::Grade) => format!("grade {grade}"),
            crate::scheme::CohortField::Reserved(crate::rule::Reserved::Sequence) => {
                format!("sequence {}", row.grade.map(|g| scheme.sequences[g.sequence].id.as_str()).unwrap_or_default())
            }
            crate::scheme::CohortField::Reserved(crate::rule::Reserved::Position) => {
                format!("position {}", row.position.map(|p| scheme.positions[p].id.as_str()).unwrap_or_default())
            }
            crate::scheme::CohortField::Reserved(r) => {
                let col = evaluation.layout.reserved.get(r).copied();
                format!("{} {}", r.name(), col.map_or("", |c| row.cell(c)))
            }
            crate::scheme::CohortField::Column(id) => {
                let col = evaluation.layout.facts.get(*id).copied().flatten();
                let value = col.map_or("", |c| row.cell(c));
                format!("{} {}", scheme.column_facts.names[*id], if value.is_empty() { "(blank)" } else { value })
            }
        })
        .collect();
    if parts.is_empty() {
        "the whole file".into()
    } else {
        format!("the cohort {}", parts.join(", "))
    }
}
