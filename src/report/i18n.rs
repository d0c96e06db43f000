//! Labels for people: the words of the `table`, `html` and xlsx reports in
//! English or Chinese (`--lang zh`) — the header, the status words, the
//! summary line. The reasons a rule failed are written in the same language
//! by `rule::words`; the machine formats (json, ndjson, csv) never change,
//! so a pipeline reads the same fields whatever the analyst prefers.

use crate::decision::Status;
use crate::scheme::Scheme;

pub use crate::rule::words::Lang;

/// The columns of the `table` (and `html`) report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Id,
    Name,
    Sequence,
    Grade,
    Position,
    Kpi,
    Competency,
    Composite,
    Band,
    RankPct,
    Status,
    Recommended,
    EligibleOn,
    Why,
}

impl Lang {
    /// One of two texts, by language (for the headings of the html report).
    pub fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    pub fn label(self, label: Label) -> &'static str {
        use Label::{Band, Competency, Composite, EligibleOn, Grade, Id, Kpi, Name, Position, RankPct, Recommended, Sequence, Status, Why};
        match self {
            Lang::En => match label {
                Id => "id",
                Name => "name",
                Sequence => "sequence",
                Grade => "grade",
                Position => "position",
                Kpi => "kpi",
                Competency => "competency",
                Composite => "composite",
                Band => "band",
                RankPct => "rank_pct",
                Status => "status",
                Recommended => "recommended",
                EligibleOn => "eligible_on",
                Why => "why",
            },
            Lang::Zh => match label {
                Id => "工号",
                Name => "姓名",
                Sequence => "序列",
                Grade => "职级",
                Position => "岗位",
                Kpi => "KPI",
                Competency => "能力评价",
                Composite => "综合得分",
                Band => "等级",
                RankPct => "排名%",
                Status => "结论",
                Recommended => "建议职级",
                EligibleOn => "可晋升日期",
                Why => "原因",
            },
        }
    }

    /// The header of a result field in a workbook: the field's name, or its Chinese label.
    pub fn field(self, field: &'static str) -> &'static str {
        if self == Lang::En {
            return field;
        }
        match field {
            "id" => "工号",
            "name" => "姓名",
            "sequence" => "序列",
            "grade" => "职级",
            "position" => "岗位",
            "kpi" => "KPI得分",
            "kpi_quarters" => "KPI考核季度数",
            "competency" => "能力评价得分",
            "competency_halves" => "能力评价半年数",
            "competency_pct" => "能力评价百分制得分",
            "composite" => "综合得分",
            "band" => "绩效等级",
            "calibrated_band" => "校准后等级",
            "rank_pct" => "排名百分位",
            "rank" => "排名",
            "cohort_size" => "同组人数",
            "status" => "结论",
            "recommended_grade" => "建议职级",
            "next_grade" => "高一级职级",
            "eligible_on" => "可晋升日期",
            "unmet" => "未满足条件",
            "alternatives" => "可转通道",
            "quota_position" => "名额排序",
            "errors" => "数据错误",
            other => other,
        }
    }

    /// The status word: `promote` or 晋升.
    pub fn status(self, status: Status) -> &'static str {
        match self {
            Lang::En => status.as_str(),
            Lang::Zh => match status {
                Status::Promote => "晋升",
                Status::Hold => "保持",
                Status::Top => "已到顶",
                Status::Demote => "降级",
                Status::Error => "错误",
                Status::Place => "定级",
            },
        }
    }

    /// The title line: scheme, as-of date and the window.
    pub fn title_line(self, scheme: &str, id: &str, as_of: &str, quarters: &str, halves: &str) -> String {
        match self {
            Lang::En => format!("{scheme} ({id}) · as of {as_of} · quarters {quarters} · halves {halves}"),
            Lang::Zh => format!("{scheme} ({id}) · 评估日期 {as_of} · 考核季度 {quarters} · 评价半年 {halves}"),
        }
    }

    /// The summary line: `35 employees: promote 9, hold 14`.
    pub fn summary_line(self, total: usize, counts: &[(Status, usize)]) -> String {
        let parts: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{} {n}", self.status(*s))).collect();
        match self {
            Lang::En => format!("{total} employees: {}", if parts.is_empty() { "none".into() } else { parts.join(", ") }),
            Lang::Zh => format!("共 {total} 人：{}", if parts.is_empty() { "无".into() } else { parts.join("，") }),
        }
    }

    /// The summary of a table that `--status` filtered: `3 of 35 employees: demote 3`.
    pub fn summary_line_of(self, shown: usize, evaluated: usize, counts: &[(Status, usize)]) -> String {
        let parts: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(s, n)| format!("{} {n}", self.status(*s))).collect();
        match self {
            Lang::En => format!("{shown} of {evaluated} employees: {}", if parts.is_empty() { "none".into() } else { parts.join(", ") }),
            Lang::Zh => format!("共 {evaluated} 人，显示 {shown} 人：{}", if parts.is_empty() { "无".into() } else { parts.join("，") }),
        }
    }

    /// The prefix of a demotion reason in the `why` column.
    pub fn demotion(self) -> &'static str {
        match self {
            Lang::En => "demotion",
            Lang::Zh => "降级",
        }
    }

    /// A grade as a report for reading shows it: its id, or (Chinese) its
    /// title (中级客服专员). A text the scheme does not know stays as it is.
    pub fn grade<'a>(self, scheme: &'a Scheme, text: &'a str) -> &'a str {
        match self {
            Lang::En => text,
            Lang::Zh => scheme.find_grade(text).map_or(text, |g| &scheme.grade(g).title),
        }
    }

    /// A sequence, shown as [`Lang::grade`] shows a grade.
    pub fn sequence<'a>(self, scheme: &'a Scheme, text: &'a str) -> &'a str {
        match self {
            Lang::En => text,
            Lang::Zh => scheme.find_sequence(text).map_or(text, |s| &scheme.sequences[s].title),
        }
    }

    /// A position, shown as [`Lang::grade`] shows a grade.
    pub fn position<'a>(self, scheme: &'a Scheme, text: &'a str) -> &'a str {
        match self {
            Lang::En => text,
            Lang::Zh => scheme.find_position(text).map_or(text, |p| &scheme.positions[p].title),
        }
    }

    /// Grades joined for one line: `P1, M1`.
    pub fn grades<S: AsRef<str>>(self, scheme: &Scheme, texts: &[S]) -> String {
        let shown: Vec<&str> = texts.iter().map(|t| self.grade(scheme, t.as_ref())).collect();
        shown.join(self.pick(", ", "、"))
    }

    /// `→ M1 (bridge)`: a promotion over a bridge.
    pub fn bridge(self) -> &'static str {
        match self {
            Lang::En => "bridge",
            Lang::Zh => "转通道",
        }
    }

    /// `bridge open to: M1`.
    pub fn bridge_open(self) -> &'static str {
        match self {
            Lang::En => "bridge open to",
            Lang::Zh => "可转通道",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_chinese_word() {
        let words: Vec<&str> = Status::ALL.iter().map(|s| Lang::Zh.status(*s)).collect();
        assert_eq!(words, ["晋升", "保持", "已到顶", "降级", "错误"]);
        assert_eq!(Lang::En.status(Status::Top), "top");
    }

    #[test]
    fn summary_lines() {
        let counts = [(Status::Promote, 2), (Status::Hold, 0), (Status::Error, 1)];
        assert_eq!(Lang::En.summary_line(3, &counts), "3 employees: promote 2, error 1");
        assert_eq!(Lang::Zh.summary_line(3, &counts), "共 3 人：晋升 2，错误 1");
    }
}
