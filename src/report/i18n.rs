//! Labels for people: the words of the `table` and `html` reports in English
//! or Chinese (`--lang zh`). Only labels change — the header, the status
//! words, the summary line; data (ids, grades, the reasons a rule failed)
//! is printed as it is, and the machine formats (json, ndjson, csv) never
//! change, so a pipeline reads the same fields whatever the analyst prefers.

use crate::decision::Status;

/// The language of the labels of reports meant for reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Lang {
    /// English
    #[default]
    En,
    /// 简体中文 (Simplified Chinese)
    #[value(alias = "zh-cn", alias = "zh_CN", alias = "cn")]
    Zh,
}

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
        use Label::*;
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
