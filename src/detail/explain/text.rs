//! The explanation as text for reading (`explain`, the default), in the
//! language of the evaluation's words (`--lang`): its reasons come in that
//! language from the evaluation; its own words are picked here.

use super::*;

impl Explanation<'_> {
    /// The language the text is written in.
    fn lang(&self) -> Lang {
        self.evaluation.words.lang()
    }

    pub(super) fn text(&self, s: &mut String) -> std::fmt::Result {
        self.text_who(s)?;
        self.text_decision(s)?;
        if self.record.status == Status::Error {
            return Ok(());
        }
        self.text_kpi(s)?;
        self.text_competencies(s)?;
        self.text_figures(s)?;
        self.text_rules(s)?;
        self.text_quotas(s)
    }

    /// Who, and against what: the row's reserved cells and the scheme's title line.
    fn text_who(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        let lang = self.lang();
        let zh = lang == Lang::Zh;
        let e = self.evaluation;
        let row = &self.outcome().row;
        let (mig, mic, age) = self.time_facts();
        let name = if row.name.is_empty() { String::new() } else { format!(" {}", row.name) };
        let file = e.inputs.first().map_or("", |(p, _)| p.as_str());
        if zh {
            writeln!(s, "{}{name} · {file} 第 {} 行", row.id, row.line)?;
        } else {
            writeln!(s, "{}{name} · line {} of {file}", row.id, row.line)?;
        }
        let label = |en: &'static str, zh: &'static str| lang.pick(en, zh);
        match row.position {
            Some(p) => writeln!(s, "  {}{} {}", label("position   ", "岗位     "), scheme.positions[p].id, scheme.positions[p].title)?,
            None => writeln!(s, "  {}{}", label("position   ", "岗位     "), row.position_text)?,
        }
        match row.grade {
            Some(g) => {
                let seq = &scheme.sequences[g.sequence];
                let grade = scheme.grade(g);
                writeln!(s, "  {}{} {} ({} {})", label("grade      ", "职级     "), grade.id, grade.title, seq.id, seq.title)?;
            }
            // Placement reads no grade: the cell is shown as given.
            None if e.layout.placement.is_some() => {
                let seq = row.sequence.map(|q| format!("{} {}", scheme.sequences[q].id, scheme.sequences[q].title)).unwrap_or_default();
                writeln!(s, "  grade      `{}` as given, not read by the placement ({seq})", row.grade_text)?;
            }
            None => writeln!(s, "  {}{} ({})", label("grade      ", "职级     "), row.grade_text, row.sequence_text)?,
        }
        if let Some(d) = row.hire_date {
            match zh {
                true => writeln!(s, "  入职     {d}（司龄 {} 个月）", mic.unwrap_or(0))?,
                false => writeln!(s, "  hired      {d} ({} months in the company)", mic.unwrap_or(0))?,
            }
        }
        match (row.grade_date, e.layout.placement.is_some()) {
            (Some(d), true) => writeln!(
                s,
                "  in the job since {d} ({} months, counted as months_in_grade: placement tenure `{}`)",
                mig.unwrap_or(0),
                scheme.placement.tenure.name()
            )?,
            (Some(d), false) => match zh {
                true => writeln!(s, "  任职     自 {d}（{} 个月）", mig.unwrap_or(0))?,
                false => writeln!(s, "  in grade   since {d} ({} months)", mig.unwrap_or(0))?,
            },
            (None, _) => {}
        }
        if let Some(d) = row.birth_date {
            match zh {
                true => writeln!(s, "  出生     {d}（{} 岁）", age.unwrap_or(0))?,
                false => writeln!(s, "  born       {d} (age {})", age.unwrap_or(0))?,
            }
        }
        let join = |ps: &[crate::calendar::Period]| ps.iter().map(std::string::ToString::to_string).collect::<Vec<_>>().join(" ");
        let title =
            lang.title_line(&scheme.title, &scheme.id, &e.periods.as_of.to_string(), &join(&e.periods.quarters), &join(&e.periods.halves));
        writeln!(s, "  {}{title}", label("scheme     ", "方案     "))?;
        writeln!(s)
    }

    /// The decision, in one paragraph: the status and the grade, what
    /// stands in the way, and when time alone gets there.
    fn text_decision(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        let lang = self.lang();
        let zh = lang == Lang::Zh;
        let o = self.outcome();
        let r = &self.record;
        let grade_name = |id: &Option<Cow<str>>| -> String {
            id.as_deref().map_or_else(
                || "—".into(),
                |id| match scheme.find_grade(id) {
                    Some(g) => format!("{} {}", id, scheme.grade(g).title),
                    None => id.to_string(),
                },
            )
        };
        let (recommended, next) = (grade_name(&r.recommended_grade), grade_name(&r.next_grade));
        if zh {
            write!(s, "结论：{}", lang.status(r.status))?;
            match r.status {
                Status::Error => writeln!(s, " — 该行无法评估：")?,
                Status::Promote => writeln!(s, " — 建议晋升为 {recommended}{}", if o.decision.via_bridge { "（经转换通道）" } else { "" })?,
                Status::Hold if r.next_grade.is_none() => writeln!(s, " — 保持 {recommended}，已是本序列最高职级；没有可走的转换通道")?,
                Status::Hold => writeln!(s, " — 保持 {recommended}；高一级职级 {next}")?,
                Status::Top => writeln!(s, " — {recommended} 是本序列最高职级，且没有转换通道")?,
                Status::Demote => writeln!(s, " — 建议降为 {recommended}")?,
                Status::Place if r.next_grade.is_none() => writeln!(s, " — 定级为 {recommended}，本序列最高职级（初次定级）")?,
                Status::Place => writeln!(s, " — 定级为 {recommended}（初次定级）；高一级职级 {next}")?,
            }
        } else {
            write!(s, "Decision: {}", r.status.as_str())?;
            match r.status {
                Status::Error => writeln!(s, " — the row cannot be evaluated:")?,
                Status::Promote => {
                    writeln!(s, " — recommend {recommended}{}", if o.decision.via_bridge { " (over a bridge)" } else { "" })?;
                }
                Status::Hold if r.next_grade.is_none() => {
                    writeln!(s, " — stays {recommended}, the top of its sequence; no bridge out is open")?;
                }
                Status::Hold => writeln!(s, " — stays {recommended}; next grade {next}")?,
                Status::Top => writeln!(s, " — {recommended} is the top of its sequence and no bridge is open")?,
                Status::Demote => writeln!(s, " — recommend {recommended}")?,
                Status::Place if r.next_grade.is_none() => {
                    writeln!(s, " — placed at {recommended}, the top of its sequence (initial placement)")?;
                }
                Status::Place => writeln!(s, " — placed at {recommended} (initial placement); next grade {next}")?,
            }
        }
        for err in &r.errors {
            writeln!(s, "  - {err}")?;
        }
        if r.status == Status::Error {
            return Ok(());
        }
        if let Some(on) = &r.eligible_on {
            match zh {
                true => writeln!(s, "  可晋升日期 {on}（其他条件不变、只随时间推移时）")?,
                false => writeln!(s, "  eligible on {on}, if only time moves on and everything else stays as it is")?,
            }
        } else if r.status == Status::Hold && r.quota_position.is_some() {
            writeln!(
                s,
                "  {}",
                lang.pick(
                    "no eligible_on: a promotion's rule holds, but the quota of every option is full (see Quotas below)",
                    "无可晋升日期：晋升条件已满足，但每个选项的名额都已满（见下方“名额”）"
                )
            )?;
        } else if r.status == Status::Hold || (r.status == Status::Place && r.next_grade.is_some()) {
            writeln!(
                s,
                "  {}",
                lang.pick("no eligible_on: waiting alone does not make the rule hold", "无可晋升日期：仅靠时间推移无法满足条件")
            )?;
        }
        if r.status == Status::Demote {
            for rv in self.rules.iter().filter(|rv| rv.kind == RuleKind::Demotion) {
                for (_, node) in rv.parts.iter().filter(|(_, n)| n.holds()) {
                    for why in holding_tests(node, lang) {
                        writeln!(s, "  {}{why}", lang.pick("demoted by: ", "降级原因："))?;
                    }
                }
            }
        }
        for u in &r.unmet {
            writeln!(s, "  {}{u}", lang.pick("unmet: ", "未满足："))?;
        }
        if !r.alternatives.is_empty() {
            writeln!(s, "  {}{}", lang.pick("bridges open: ", "可转通道："), lang.grades(scheme, &r.alternatives))?;
        }
        writeln!(s)
    }

    /// The quota queue (SPEC §8.4): the place, and each option's quotas with
    /// how many were taken and who took the last slot.
    fn text_quotas(&self, s: &mut String) -> std::fmt::Result {
        let e = self.evaluation;
        let Some(allocation) = &e.quotas else { return Ok(()) };
        let lang = self.lang();
        let Some(allotted) = allocation.of(self.quota_row) else {
            if self.record.status != Status::Error {
                writeln!(
                    s,
                    "{}",
                    lang.pick(
                        "Quotas: not a candidate (quotas cap promotions; this row's decision is not one)",
                        "名额：不是候选人（名额只限制晋升，本行的结论不是晋升）"
                    )
                )?;
                writeln!(s)?;
            }
            return Ok(());
        };
        match lang {
            Lang::En => writeln!(
                s,
                "Quotas: place {} of {} in the queue (composite, higher first; then months in grade, longer first; then file order)",
                allotted.place, allocation.candidates
            )?,
            Lang::Zh => writeln!(
                s,
                "名额：排队第 {} 位，共 {} 人（先按综合得分从高到低，再按任职月数从长到短，再按文件顺序）",
                allotted.place, allocation.candidates
            )?,
        }
        let scheme = e.scheme;
        let words = &e.words;
        for (i, option) in allotted.options.iter().enumerate() {
            let verdict = match allotted.took {
                Some(t) if t == i => lang.pick("taken", "已获得"),
                Some(t) if t < i => lang.pick("not tried (an earlier option was taken)", "未尝试（已获得更靠前的选项）"),
                _ => lang.pick("full", "已满"),
            };
            writeln!(s, "  {} {}: {verdict}", scheme.grade(*option).id, scheme.grade(*option).title)?;
            let quotas = allocation.quotas_of(scheme, allotted, *option);
            if quotas.is_empty() {
                writeln!(s, "    {}", lang.pick("no quota caps it", "不受名额限制"))?;
            }
            for (q, g, taken, cap, last) in quotas {
                let last_id = last.map(|row| allocation.id_of(row).unwrap_or("?"));
                let group = allocation.group_text_in(scheme, words, q, g);
                match lang {
                    Lang::En => {
                        let last = last_id.map(|id| format!("; the last slot went to {id}")).unwrap_or_default();
                        let name = scheme.quotas[q].name(scheme);
                        writeln!(s, "    quota for {name}{group}: {taken} of {cap} taken{last} · {}", scheme.quotas[q].at)?;
                    }
                    Lang::Zh => {
                        let last = last_id.map(|id| format!("；最后一个名额给了 {id}")).unwrap_or_default();
                        let grades: Vec<&str> = scheme.quotas[q].grades.iter().map(|g| words.grade(scheme, *g)).collect();
                        writeln!(s, "    {}{group} 名额：已用 {taken}，共 {cap}{last} · {}", grades.join("、"), scheme.quotas[q].at)?;
                    }
                }
            }
        }
        writeln!(s)
    }

    fn text_kpi(&self, s: &mut String) -> std::fmt::Result {
        let lang = self.lang();
        writeln!(
            s,
            "{}",
            lang.pick(
                "KPI by quarter (quarter score = Σ weight × score / 100, rounded; scores and weighted parts are shown rounded)",
                "各季度KPI（季度得分 = Σ 权重 × 得分 / 100，四舍五入；得分与加权分按四舍五入显示）"
            )
        )?;
        for q in &self.quarters {
            let note = if q.in_window {
                ""
            } else {
                lang.pick(" (before the window, read only by streak rules)", "（评估窗口之前，仅供连续季度规则读取）")
            };
            let colon = lang.pick(": ", "：");
            match q.score {
                None => {
                    let counted = if q.in_window { lang.pick(" — not counted", " — 不计入") } else { "" };
                    writeln!(s, "  {}{note}{colon}{}{counted}", q.period, lang.pick("no scores", "无得分"))?;
                    continue;
                }
                Some(score) => {
                    writeln!(s, "  {}{note}{colon}{} {}", q.period, lang.pick("quarter score", "季度得分"), format_figure_fixed(score))?;
                }
            }
            let header = match lang {
                Lang::En => ["item", "title", "weight", "score", "weighted"],
                Lang::Zh => ["指标", "名称", "权重", "得分", "加权分"],
            };
            let mut t = plain_table(&header);
            for k in &q.items {
                let score = match (k.score, k.given, k.scoring) {
                    (Some(sc), Some(raw), Some(sg)) if lang == Lang::Zh => format!(
                        "原始值 {} → {}（目标值 {}，零分值 {}）",
                        raw.normalize(),
                        format_figure_fixed(sc),
                        sg.target.normalize(),
                        sg.zero_at.normalize()
                    ),
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
        let lang = self.lang();
        writeln!(
            s,
            "{}",
            lang.pick(
                "Competencies by half (half rating = Σ group weight × group mean / 100, rounded; means are shown rounded)",
                "各半年能力评价（半年评分 = Σ 组权重 × 组均分 / 100，四舍五入；均分按四舍五入显示）"
            )
        )?;
        for h in &self.halves {
            match h.rating {
                None => {
                    writeln!(s, "  {}{}", h.period, lang.pick(": no ratings — not counted", "：无评分 — 不计入"))?;
                    continue;
                }
                Some(rating) => writeln!(s, "  {}{} {}", h.period, lang.pick(": half rating", "：半年评分"), format_figure_fixed(rating))?,
            }
            let header = match lang {
                Lang::En => ["group / item", "title", "rating", "weight", "weighted"],
                Lang::Zh => ["组 / 项目", "名称", "评分", "权重", "加权分"],
            };
            let mut t = plain_table(&header);
            for g in &h.groups {
                t.add_row(vec![
                    g.id.clone(),
                    lang.pick("(group mean)", "（组均分）").into(),
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
        if self.lang() == Lang::Zh {
            return self.text_figures_zh(s);
        }
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
                writeln!(s, "  band            {} {}  (from {})", band.id, band.title, band.min.normalize())?;
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
                )?;
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

    /// The figures in Chinese: each named as `rule::words` names it in reasons.
    fn text_figures_zh(&self, s: &mut String) -> std::fmt::Result {
        use crate::rule::words::computed_zh;
        let scheme = self.scheme();
        let o = self.outcome();
        let Some(f) = o.figures.as_ref() else { return Ok(()) };
        let fx = |d: Option<Decimal>| d.map_or("—".into(), format_figure_fixed);
        let mut t = plain_table(&["指标", "数值", "说明"]);
        let kpi_note = match f.kpi {
            Some(_) => format!("窗口内 {} 个已评分季度的平均分；最低 {}", f.kpi_quarters, fx(f.kpi_min)),
            None => "窗口内没有已评分的季度".into(),
        };
        t.add_row(vec![computed_zh(Computed::Kpi).to_string(), fx(f.kpi), kpi_note]);
        let comp_note = match f.competency {
            Some(_) => format!("窗口内 {} 个已评分半年的平均分", f.competency_halves),
            None => "窗口内没有已评分的半年".into(),
        };
        t.add_row(vec![computed_zh(Computed::Competency).to_string(), fx(f.competency), comp_note]);
        let scale = scheme.competency_scale;
        let pct_note = f.competency.map_or(String::new(), |c| {
            format!(
                "({} − {}) / ({} − {}) × 100",
                format_figure_fixed(c),
                scale.min.normalize(),
                scale.max.normalize(),
                scale.min.normalize()
            )
        });
        t.add_row(vec![computed_zh(Computed::CompetencyPct).to_string(), fx(f.competency_pct), pct_note]);
        let composite_note = match (f.composite, f.kpi, f.competency_pct) {
            (Some(_), Some(k), Some(p)) => format!(
                "({} × {} + {} × {}) / 100",
                scheme.composite.kpi.normalize(),
                format_figure_fixed(k),
                scheme.composite.competency.normalize(),
                format_figure_fixed(p)
            ),
            _ => "须同时有KPI得分和能力评价得分".into(),
        };
        t.add_row(vec![computed_zh(Computed::Composite).to_string(), fx(f.composite), composite_note]);
        let band = f.band.map(|b| &scheme.bands[b]);
        t.add_row(vec![
            computed_zh(Computed::Band).to_string(),
            band.map_or("—".into(), |b| format!("{} {}", b.id, b.title)),
            band.map_or(String::new(), |b| format!("综合得分 ≥ {}", b.min.normalize())),
        ]);
        if let Some(b) = o.standing.and_then(|s| s.calibrated_band) {
            let b = &scheme.bands[b];
            t.add_row(vec![computed_zh(Computed::CalibratedBand).to_string(), format!("{} {}", b.id, b.title), "按强制分布校准".into()]);
        }
        let rank = match &self.rank {
            Some(k) => {
                let tied = if k.tied > 0 { format!("，与 {} 人并列", k.tied) } else { String::new() };
                // The default cohort is the grade: by its title, as the reports in Chinese name grades.
                let cohort = match (&scheme.cohort.at, o.row.grade) {
                    (None, Some(g)) => scheme.grade(g).title.clone(),
                    _ => cohort_label(self.evaluation, &o.row),
                };
                (
                    format!("{} / {}", k.position, k.cohort),
                    format!("{cohort}中第 {} 名{tied}；排名百分位 {}", k.position, fx(o.standing.map(|s| s.rank_pct))),
                )
            }
            None => ("—".into(), "没有综合得分，不参与排名".into()),
        };
        t.add_row(vec![computed_zh(Computed::Rank).to_string(), rank.0, rank.1]);
        if let Some(p) = o.row.position.map(|p| &scheme.positions[p]) {
            for (k, m) in p.kpis.iter().zip(&f.item_means) {
                t.add_row(vec![k.title.clone(), fx(*m), "窗口内该KPI指标的平均分".into()]);
            }
            for (g, m) in p.groups.iter().zip(&f.group_means) {
                let name = self.evaluation.words.fact(&FactRef::CompetencyGroup(g.id.clone()), scheme);
                t.add_row(vec![name, fx(*m), "窗口内该能力组的平均评分".into()]);
            }
        }
        writeln!(s, "各项得分")?;
        writeln!(s, "{}", indent(&t.to_string(), 2))?;
        writeln!(s)
    }

    fn text_rules(&self, s: &mut String) -> std::fmt::Result {
        let scheme = self.scheme();
        if self.rules.is_empty() {
            return Ok(());
        }
        let lang = self.lang();
        writeln!(
            s,
            "{}",
            lang.pick(
                "Rules (✓ holds, ✗ does not; [scheme] marks the scheme-wide part)",
                "规则（✓ 满足，✗ 不满足；[方案] 标出全方案通用的部分）"
            )
        )?;
        for rv in &self.rules {
            let to = rv.to.map(|g| format!("{} {}", scheme.grade(g).id, scheme.grade(g).title)).unwrap_or_default();
            let verdict = match (rv.kind, rv.holds) {
                (RuleKind::Demotion, true) => lang.pick("applies", "适用"),
                (RuleKind::Demotion, false) => lang.pick("does not apply", "不适用"),
                (_, true) => lang.pick("met", "满足"),
                (_, false) => lang.pick("not met", "未满足"),
            };
            // A grade the board decides is not entered by rule, whatever the verdict.
            let decided = match (rv.kind, rv.to.and_then(|g| scheme.grade(g).decided_by.as_ref())) {
                (RuleKind::NextGrade | RuleKind::Bridge, Some(body)) => {
                    format!("{}{}", lang.pick("; ", "；"), self.evaluation.words.decided_by(body))
                }
                _ => String::new(),
            };
            let verdict = format!("{verdict}{decided}");
            let title = rv.title.as_ref().map(|t| format!(" ({t})")).unwrap_or_default();
            match (rv.kind, lang) {
                (RuleKind::Demotion, Lang::En) if to.is_empty() => writeln!(s, "  Demotion (any of these) — {verdict}")?,
                (RuleKind::Demotion, Lang::En) => writeln!(s, "  Demotion (any of these; the grade's own sends to {to}) — {verdict}")?,
                (RuleKind::NextGrade, Lang::En) => writeln!(s, "  Next grade {to} — {verdict}")?,
                (RuleKind::Placed, Lang::En) => writeln!(s, "  Placed grade {to} (its own rule alone decides) — {verdict}")?,
                (RuleKind::Bridge, Lang::En) => writeln!(s, "  Bridge to {to}{title} — {verdict}")?,
                (RuleKind::Demotion, Lang::Zh) if to.is_empty() => writeln!(s, "  降级（满足任一条即降级）— {verdict}")?,
                (RuleKind::Demotion, Lang::Zh) => writeln!(s, "  降级（满足任一条即降级；本职级自己的规则降至 {to}）— {verdict}")?,
                (RuleKind::NextGrade, Lang::Zh) => writeln!(s, "  晋升至 {to} — {verdict}")?,
                (RuleKind::Placed, Lang::Zh) => writeln!(s, "  定级为 {to}（仅看该职级自己的规则）— {verdict}")?,
                (RuleKind::Bridge, Lang::Zh) => writeln!(s, "  转换通道至 {to}{title} — {verdict}")?,
            }
            for (origin, node) in &rv.parts {
                let tag = if *origin == Origin::SchemeWide { lang.pick("  [scheme]", "  [方案]") } else { "" };
                write_node(s, node, 4, tag, lang)?;
            }
            if !rv.changes.is_empty() {
                match (rv.kind, lang) {
                    (RuleKind::NextGrade, Lang::En) => writeln!(
                        s,
                        "    To become eligible for {to} (each change alone is the least that meets its test; all are needed):"
                    )?,
                    (_, Lang::En) => {
                        writeln!(
                            s,
                            "    To open the bridge to {to} (each change alone is the least that meets its test; all are needed):"
                        )?;
                    }
                    (RuleKind::NextGrade, Lang::Zh) => writeln!(s, "    要晋升至 {to}（每项改变是满足该条件的最小改变，需全部做到）：")?,
                    (_, Lang::Zh) => writeln!(s, "    要打开至 {to} 的转换通道（每项改变是满足该条件的最小改变，需全部做到）：")?,
                }
                for g in &rv.changes {
                    write_gap(s, g, 6, lang)?;
                }
            }
        }
        Ok(())
    }
}

/// The tests that make a holding node hold.
fn holding_tests(node: &Node, lang: Lang) -> Vec<String> {
    match node {
        Node::Test { holds: true, says, .. } => vec![says.clone()],
        Node::All { holds: true, children } | Node::Any { holds: true, children } => {
            children.iter().flat_map(|c| holding_tests(c, lang)).collect()
        }
        Node::Not { holds: true, child } => vec![format!("{}({})", lang.pick("not ", "并非 "), node_line(child, lang))],
        _ => Vec::new(),
    }
}

/// A node on one line.
fn node_line(node: &Node, lang: Lang) -> String {
    let join = |children: &[Node], and: &str| children.iter().map(|c| node_line(c, lang)).collect::<Vec<_>>().join(and);
    match node {
        Node::Test { says, .. } => says.clone(),
        Node::All { children, .. } => format!("{}({})", lang.pick("all of ", "全部满足 "), join(children, lang.pick(" and ", " 且 "))),
        Node::Any { children, .. } => format!("{}({})", lang.pick("any of ", "任一满足 "), join(children, lang.pick(" or ", " 或 "))),
        Node::Not { child, .. } => format!("{}({})", lang.pick("not ", "并非 "), node_line(child, lang)),
    }
}

fn write_node(s: &mut String, node: &Node, depth: usize, tag: &str, lang: Lang) -> std::fmt::Result {
    let pad = " ".repeat(depth);
    let mark = |h: bool| if h { "✓" } else { "✗" };
    match node {
        Node::Test { holds, says, .. } => writeln!(s, "{pad}{} {says}{tag}", mark(*holds)),
        Node::All { holds, children } | Node::Any { holds, children } => {
            let word = match node {
                Node::All { .. } => lang.pick("all of:", "全部满足："),
                _ => lang.pick("any of:", "任一满足："),
            };
            writeln!(s, "{pad}{} {word}{tag}", mark(*holds))?;
            for c in children {
                write_node(s, c, depth + 4, "", lang)?;
            }
            Ok(())
        }
        Node::Not { holds, child } => {
            writeln!(s, "{pad}{} {}{tag}", mark(*holds), lang.pick("not:", "并非："))?;
            write_node(s, child, depth + 4, "", lang)
        }
    }
}

fn write_gap(s: &mut String, g: &Gap, depth: usize, lang: Lang) -> std::fmt::Result {
    let pad = " ".repeat(depth);
    if g.any_of.is_empty() {
        return writeln!(s, "{pad}- {}", g.change);
    }
    writeln!(s, "{pad}- {}", lang.pick("any one of:", "以下任选其一："))?;
    for (i, option) in g.any_of.iter().enumerate() {
        let letter = char::from(b'a' + (i % 26) as u8);
        match option.as_slice() {
            [one] if one.any_of.is_empty() => writeln!(s, "{pad}    {letter}) {}", one.change)?,
            _ => {
                writeln!(s, "{pad}    {letter}) {}", lang.pick("all of:", "全部："))?;
                for g in option {
                    write_gap(s, g, depth + 7, lang)?;
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
                parts.push(format!("position {}", row.position.map(|p| scheme.positions[p].id.as_str()).unwrap_or_default()));
            }
            CohortField::Reserved(r) => {
                let col = evaluation.layout.reserved.get(r).copied();
                parts.push(format!("{} {}", r.name(), col.map_or("", |c| row.cell(c))));
            }
            CohortField::Column(id) => {
                let value = evaluation.layout.facts.get(*id).copied().flatten().map_or("", |c| row.cell(c));
                parts.push(format!("{} {}", scheme.column_facts.names[*id], if value.is_empty() { "(blank)" } else { value }));
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
