//! The vocabularies of the rule texts: the one grammar of `rule::eval`
//! (`months_in_grade >= 12 (found 10)`, `any of (… or …)`) writes its words
//! through [`Words`], in English or in Chinese (`任职月数 >= 12 (实际 9)`).
//! Chinese names facts as the analyst knows them: by the header the
//! employee file uses (or the scheme maps through `columns:`), KPI items by
//! their titles, grades, positions and sequences by their titles.

use crate::exact::FigureText;
use crate::input::records::Layout;
use crate::input::value::excerpt;
use crate::rule::found::Found;
use crate::rule::{Computed, FactRef, Reserved, Subject, Test, TestValue};
use crate::scheme::{GradeRef, Scheme};
#[cfg(test)]
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The language of the texts of reports meant for reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// English
    #[default]
    En,
    /// 简体中文 (Simplified Chinese)
    #[value(alias = "zh-cn", alias = "zh_CN", alias = "cn")]
    Zh,
}

/// The words rule texts are written in.
#[derive(Debug, Default)]
pub struct Words {
    /// None: English, the scheme's own names (and the machine formats' texts).
    chinese: Option<Box<Chinese>>,
}

/// Chinese names, worked out once for a scheme (and the file's header).
#[derive(Debug)]
struct Chinese {
    /// Column facts, by their registry id.
    facts: Vec<String>,
    /// Reserved fields, in [`Reserved::ALL`]'s order.
    reserved: Vec<String>,
    /// KPI item id → title.
    kpi_items: HashMap<String, String>,
    /// Competency group id → title.
    groups: HashMap<String, String>,
}

static ENGLISH: Words = Words { chinese: None };

/// The Chinese word for a computed fact (docs/analyst.md lists them).
pub fn computed_zh(c: Computed) -> &'static str {
    match c {
        Computed::Kpi => "KPI得分",
        Computed::KpiQuarters => "KPI考核季度数",
        Computed::KpiMin => "KPI最低季度得分",
        Computed::Competency => "能力评价得分",
        Computed::CompetencyHalves => "能力评价半年数",
        Computed::CompetencyPct => "能力评价百分制得分",
        Computed::Composite => "综合得分",
        Computed::Band => "绩效等级",
        Computed::CalibratedBand => "校准后等级",
        Computed::RankPct => "排名百分位",
        Computed::Rank => "排名",
        Computed::CohortSize => "同组人数",
        Computed::MonthsInGrade => "任职月数",
        Computed::MonthsInCompany => "司龄月数",
        Computed::Age => "年龄",
    }
}

/// The Chinese word for a reserved field the scheme maps no header to.
fn reserved_zh(r: Reserved) -> &'static str {
    match r {
        Reserved::Id => "工号",
        Reserved::Name => "姓名",
        Reserved::Position => "岗位",
        Reserved::Sequence => "序列",
        Reserved::Grade => "职级",
        Reserved::HireDate => "入职日期",
        Reserved::GradeDate => "任职日期",
        Reserved::BirthDate => "出生日期",
    }
}

/// The Chinese for what a cell could not be read as (`Found::Unreadable`).
pub(crate) fn kind_zh(kind: &str) -> &str {
    match kind {
        "a number" => "数字",
        "yes/no" => "是/否",
        "a date" => "日期",
        "a level of its scale" => "该量表中的等级",
        other => other,
    }
}

/// The header a field goes by: the one the file uses when it is one the
/// scheme maps (`--lang zh` names facts as the file does), else the first
/// the scheme maps, else None.
fn header_of<'a>(field: &str, mapped: impl Iterator<Item = &'a String> + Clone, layout: Option<&'a Layout>) -> Option<&'a String> {
    let used = layout.and_then(|l| mapped.clone().find(|h| l.by_name.contains_key(h.as_str())));
    used.or_else(|| mapped.clone().next()).filter(|h| h.as_str() != field)
}

impl Words {
    /// The English words: the scheme's ids, as every machine format prints them.
    pub fn english() -> &'static Words {
        &ENGLISH
    }

    /// The words of `lang` for `scheme`; `layout`, when given, is the
    /// employee file's header, whose own names for mapped facts win.
    pub fn new(lang: Lang, scheme: &Scheme, layout: Option<&Layout>) -> Words {
        if lang == Lang::En {
            return Words::default();
        }
        let facts = scheme
            .column_facts
            .names
            .iter()
            .map(|name| {
                let mapped = scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| h);
                header_of(name, mapped, layout).unwrap_or(name).clone()
            })
            .collect();
        let reserved = Reserved::ALL
            .iter()
            .map(|r| {
                let mapped = scheme.columns.iter().filter(|(f, _)| f == r).map(|(_, h)| h);
                header_of(r.name(), mapped, layout).map_or_else(|| reserved_zh(*r).to_string(), Clone::clone)
            })
            .collect();
        let mut kpi_items = HashMap::new();
        let mut groups = HashMap::new();
        for p in &scheme.positions {
            for k in &p.kpis {
                kpi_items.entry(k.id.clone()).or_insert_with(|| k.title.clone());
            }
            for g in &p.groups {
                if let Some(title) = &g.title {
                    groups.entry(g.id.clone()).or_insert_with(|| title.clone());
                }
            }
        }
        Words { chinese: Some(Box::new(Chinese { facts, reserved, kpi_items, groups })) }
    }

    pub fn lang(&self) -> Lang {
        if self.chinese.is_some() {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// `all of (`, and the word between its parts.
    pub(crate) fn all_of(&self) -> (&'static str, &'static str) {
        match self.chinese {
            None => ("all of (", " and "),
            Some(_) => ("全部满足 (", " 且 "),
        }
    }

    /// `any of (`, and the word between its parts.
    pub(crate) fn any_of(&self) -> (&'static str, &'static str) {
        match self.chinese {
            None => ("any of (", " or "),
            Some(_) => ("任一满足 (", " 或 "),
        }
    }

    pub(crate) fn not(&self) -> &'static str {
        match self.chinese {
            None => "not ",
            Some(_) => "并非 ",
        }
    }

    /// What a test requires: `months_in_grade >= 12` or `任职月数 >= 12`.
    pub fn write_test(&self, test: &Test, scheme: &Scheme, out: &mut String) {
        let Some(zh) = &self.chinese else {
            out.push_str(test.described(&scheme.column_facts.names));
            return;
        };
        if let Subject::Streak { quarters } = test.subject {
            out.push_str(&format!("最近 {quarters} 个季度每季 "));
        }
        let subject = zh.subject(&test.subject);
        for (i, check) in test.checks.iter().enumerate() {
            if i > 0 {
                out.push_str(" 且 ");
            }
            out.push_str(&subject);
            out.push(' ');
            out.push_str(check.op.symbol());
            out.push(' ');
            match &check.value {
                TestValue::Number(n) => out.push_str(&n.normalize().to_string()),
                TestValue::Bool(b) => out.push_str(yes_no(*b)),
                TestValue::Date(d) => out.push_str(&d.to_string()),
                TestValue::Text(t) => out.push_str(&titled(scheme, &test.subject, t)),
                TestValue::Level(_, t) | TestValue::Band(_, t) => out.push_str(t),
            }
        }
    }

    /// [`Words::write_test`], as a string.
    pub fn test(&self, test: &Test, scheme: &Scheme) -> String {
        let mut text = String::new();
        self.write_test(test, scheme, &mut text);
        text
    }

    /// What a test found: `found 10`, `no value`; `实际 9`, `无值`.
    pub fn write_found(&self, found: &Found, test: Option<&Test>, scheme: &Scheme, out: &mut String) {
        if self.chinese.is_none() {
            return found.write_display(scheme, out);
        }
        match found {
            Found::Missing => out.push_str("无值"),
            Found::Number(n) => {
                out.push_str("实际 ");
                out.push_str(FigureText::new(*n).as_str());
            }
            Found::Bool(b) => {
                out.push_str("实际 ");
                out.push_str(yes_no(*b));
            }
            Found::Date(d) => out.push_str(&format!("实际 {d}")),
            Found::Level(_, t) => {
                out.push_str("实际 ");
                out.push_str(&excerpt(t));
            }
            Found::Text(t) => {
                out.push_str("实际 ");
                match test {
                    Some(test) => out.push_str(&excerpt(&titled(scheme, &test.subject, t))),
                    None => out.push_str(&excerpt(t)),
                }
            }
            Found::Band(i) => {
                out.push_str("实际 ");
                out.push_str(scheme.bands.get(*i).map_or("?", |b| b.id.as_str()));
            }
            Found::Unreadable(t, kind) => out.push_str(&format!("实际 `{}`，不是{}", excerpt(t), kind_zh(kind))),
            Found::Quarters(qs) => {
                let parts: Vec<String> =
                    qs.iter().map(|(p, s)| format!("{p} {}", s.map_or("无得分".to_string(), crate::exact::format_figure))).collect();
                out.push_str("实际 ");
                out.push_str(&parts.join("，"));
            }
        }
    }

    /// [`Words::write_found`], as a string.
    pub fn found(&self, found: &Found, test: Option<&Test>, scheme: &Scheme) -> String {
        let mut text = String::new();
        self.write_found(found, test, scheme, &mut text);
        text
    }

    /// A test's subject as a name: `months_in_grade`, `months_since(joined)`; `任职月数`, `自入职日期起月数`.
    pub fn subject_name(&self, test: &Test, scheme: &Scheme) -> String {
        match &self.chinese {
            None => test.subject_name(&scheme.column_facts.names),
            Some(zh) => zh.subject(&test.subject),
        }
    }

    /// A value a test is compared with: `true`, `大专`; in Chinese `是`, titles for ids.
    pub fn value(&self, value: &TestValue, test: &Test, scheme: &Scheme) -> String {
        match (&self.chinese, value) {
            (None, v) => v.to_string(),
            (Some(_), TestValue::Bool(b)) => yes_no(*b).to_string(),
            (Some(_), TestValue::Text(t)) => titled(scheme, &test.subject, t),
            (Some(_), v) => v.to_string(),
        }
    }

    /// A fact's name: `months_in_grade`, `kpi.standardization`; `任职月数`, `服务规范化执行`.
    pub fn fact(&self, fact: &FactRef, scheme: &Scheme) -> String {
        match &self.chinese {
            None => crate::rule::fact_name(fact, &scheme.column_facts.names),
            Some(zh) => zh.fact(fact),
        }
    }

    /// A grade as reports for reading show it: its id, or (Chinese) its title.
    pub fn grade<'s>(&self, scheme: &'s Scheme, g: GradeRef) -> &'s str {
        let grade = scheme.grade(g);
        match self.chinese {
            None => &grade.id,
            Some(_) => &grade.title,
        }
    }

    /// The unmet line of a grade no rule promotes into.
    pub fn decided_by(&self, body: &str) -> String {
        // Pieces pushed, not `format!`: every held row below such a grade has this line.
        let (before, after) = match self.chinese {
            None => ("decided by ", ", not by rule"),
            Some(_) => ("由", "决定，不按规则晋升"),
        };
        joined([before, body, after])
    }

    /// An unmet line of a bridge out of a highest grade: `M3: kpi >= 85 (found 80)`.
    pub fn bridge_line(&self, scheme: &Scheme, target: GradeRef, line: &str) -> String {
        // Pieces pushed, not `format!`: a held row of a grade with bridges has several of these.
        let grade = scheme.grade(target);
        let (before, name, after) = match self.chinese {
            None => ("", grade.id.as_str(), ": "),
            Some(_) => ("转", grade.title.as_str(), "："),
        };
        joined([before, name, after, line])
    }

    /// A quota's `per` field: its own name, or (Chinese) the file's header.
    pub fn per_field<'a>(&'a self, name: &'a str, scheme: &Scheme) -> &'a str {
        let Some(zh) = &self.chinese else { return name };
        if let Some(r) = Reserved::from_name(name) {
            return &zh.reserved[r as usize];
        }
        match scheme.column_facts.names.iter().position(|n| n == name) {
            Some(id) => zh.facts.get(id).map_or(name, String::as_str),
            None => name,
        }
    }

    /// `quota for S4 (department 华东) is full (2 of 2)`.
    pub fn quota_full(&self, grades: &str, group: &str, taken: u64, cap: u64) -> String {
        match self.chinese {
            None => format!("quota for {grades}{group} is full ({taken} of {cap})"),
            Some(_) => format!("{grades}{group} 晋升名额已满 (已用 {taken}，共 {cap})"),
        }
    }

    /// Between the items of a list in a line: `M1, P1`, `客服主管、项目主管`.
    pub fn list_separator(&self) -> &'static str {
        match self.chinese {
            None => ", ",
            Some(_) => "、",
        }
    }

    /// A `per` value that is blank: `department (blank)`.
    pub fn blank(&self) -> &'static str {
        match self.chinese {
            None => "(blank)",
            Some(_) => "(空)",
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "是"
    } else {
        "否"
    }
}

/// A position, sequence or grade id as its title (the value of an `is` test on them).
fn titled(scheme: &Scheme, subject: &Subject, id: &str) -> String {
    let title = match subject {
        Subject::Fact(FactRef::Reserved(Reserved::Position)) => scheme.positions.iter().find(|p| p.id == id).map(|p| &p.title),
        Subject::Fact(FactRef::Reserved(Reserved::Sequence)) => scheme.sequences.iter().find(|s| s.id == id).map(|s| &s.title),
        Subject::Fact(FactRef::Reserved(Reserved::Grade)) => scheme.find_grade(id).map(|g| &scheme.grade(g).title),
        _ => None,
    };
    title.map_or(id, String::as_str).to_string()
}

impl Chinese {
    fn fact(&self, fact: &FactRef) -> String {
        match fact {
            FactRef::Computed(c) => computed_zh(*c).to_string(),
            FactRef::KpiItem(i) => self.kpi_items.get(i).cloned().unwrap_or_else(|| format!("KPI.{i}")),
            FactRef::CompetencyGroup(g) => self.groups.get(g).cloned().unwrap_or_else(|| format!("能力评价.{g}")),
            FactRef::Reserved(r) => self.reserved[*r as usize].clone(),
            FactRef::Column { id, .. } => self.facts.get(*id).cloned().unwrap_or_default(),
        }
    }

    fn subject(&self, subject: &Subject) -> String {
        match subject {
            Subject::Fact(f) => self.fact(f),
            Subject::Streak { .. } => computed_zh(Computed::Kpi).to_string(),
            Subject::MonthsSince(f) => format!("自{}起月数", self.fact(f)),
        }
    }
}

/// `pieces` one after another in one allocation: what the unmet lines
/// written a row use instead of `format!` (`[..].concat()` measured 0.2 %
/// more instructions on the customer-service scheme).
#[inline]
fn joined<const N: usize>(pieces: [&str; N]) -> String {
    let mut text = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
    for piece in pieces {
        text.push_str(piece);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Rule;

    fn scheme(name: &str) -> Scheme {
        crate::scheme::load_scheme(Some(name)).expect("a built-in scheme")
    }

    /// Every test of every grade's rule in the scheme.
    fn tests_of(scheme: &Scheme) -> Vec<&Test> {
        let mut rules: Vec<&Rule> = scheme.requires.iter().chain(&scheme.demotion).collect();
        for g in scheme.sequences.iter().flat_map(|s| &s.grades) {
            rules.extend(g.requires.iter().chain(&g.demotion));
        }
        let mut tests = Vec::new();
        for r in rules {
            r.for_each_test(&mut |t| tests.push(t));
        }
        tests
    }

    #[test]
    fn every_computed_fact_has_its_own_chinese_word() {
        let words: Vec<&str> = Computed::ALL.iter().map(|(c, _)| computed_zh(*c)).collect();
        for (i, (c, name)) in Computed::ALL.iter().enumerate() {
            assert_ne!(computed_zh(*c), *name);
            assert!(!words[..i].contains(&words[i]), "{} twice", words[i]);
        }
    }

    #[test]
    fn english_words_are_the_schemes_own_texts() {
        let scheme = scheme("customer-service");
        let english = Words::english();
        for t in tests_of(&scheme) {
            assert_eq!(english.test(t, &scheme), t.describe(&scheme.column_facts.names));
            assert_eq!(english.found(&Found::Missing, Some(t), &scheme), "no value");
        }
        assert_eq!(english.decided_by("董事会"), "decided by 董事会, not by rule");
    }

    #[test]
    fn chinese_names_facts_by_the_mapped_header_and_items_by_title() {
        let scheme = scheme("telecom-after-sales");
        let zh = Words::new(Lang::Zh, &scheme, None);
        assert_eq!(zh.lang(), Lang::Zh);
        let fcr = scheme.column_facts.names.iter().position(|n| n == "first_contact_resolution").unwrap();
        assert_eq!(zh.fact(&FactRef::Column { id: fcr, scale: None }, &scheme), "一次性解决率");
        assert_eq!(zh.fact(&FactRef::Reserved(Reserved::GradeDate), &scheme), "任职日期");
        assert_eq!(zh.fact(&FactRef::KpiItem("standardization".into()), &scheme), "服务规范化执行");
        assert_eq!(zh.fact(&FactRef::CompetencyGroup("attitude".into()), &scheme), "态度");
        assert_eq!(zh.fact(&FactRef::Computed(Computed::MonthsInGrade), &scheme), "任职月数");
        // No test of the scheme is left with an English fact name or word.
        for t in tests_of(&scheme) {
            let text = zh.test(t, &scheme);
            assert!(!text.contains(['_', 'a', 'e', 'i', 'o', 'u']), "{text}");
        }
        assert_eq!(zh.found(&Found::Number(Decimal::from(9)), None, &scheme), "实际 9");
        assert_eq!(zh.found(&Found::Unreadable("优".into(), "a number"), None, &scheme), "实际 `优`，不是数字");
    }
}
