//! The promotion scheme (SPEC §2): its model, and loading it from a YAML
//! file, a directory of YAML files, or a built-in scheme, with every problem
//! reported at once and located.

mod build;
pub mod builtin;
mod load;
pub mod locate;
pub mod raw;
pub mod schema;

pub use load::{load_scheme, load_scheme_files, Problem, SchemeError};

use crate::rule::{ColumnRegistry, Reserved, Rule};
use rust_decimal::Decimal;

/// One complete promotion system, validated.
#[derive(Debug, Clone)]
pub struct Scheme {
    pub id: String,
    pub title: String,
    pub review: Review,
    pub competency_scale: Range,
    /// Ordinal scales such as education, lowest level first.
    pub ordinal_scales: Vec<(String, Vec<String>)>,
    pub composite: Composite,
    /// Highest first; the last reaches the bottom of the composite scale.
    pub bands: Vec<Band>,
    /// CSV header names for reserved fields, besides their own names (`columns:`;
    /// a field may have several).
    pub columns: Vec<(Reserved, String)>,
    /// CSV header names for column facts, besides their own names (`columns:`
    /// entries whose key is a fact a rule reads, such as `education: 学历`).
    pub fact_columns: Vec<(String, String)>,
    pub requires: Option<Rule>,
    pub demotion: Option<Rule>,
    pub positions: Vec<Position>,
    pub sequences: Vec<Sequence>,
    pub bridges: Vec<Bridge>,
    /// Every non-reserved column fact that a rule names.
    pub column_facts: ColumnRegistry,
    /// The longest KPI streak a rule asks for, in quarters.
    pub max_streak: usize,
    /// The files the scheme was read from, with their SHA-256.
    pub sources: Vec<Source>,
    /// The fields whose equal values form a rank cohort (SPEC §8.2).
    pub cohort: Cohort,
    /// Forced distribution of each cohort over the bands (SPEC §8.5).
    pub distribution: Option<Distribution>,
    /// Caps on promotions into grades (SPEC §8.4), in the scheme's order.
    pub quotas: Vec<Quota>,
    /// What `--placement` reads time in grade from (SPEC §8.3).
    pub placement: Placement,
}

/// `placement:` (SPEC §8.3): under `--placement`, months_in_grade is time in the job.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    pub tenure: Tenure,
    /// `file:line:column` of the `placement:` key; None for the default.
    pub at: Option<String>,
}

/// Where time in the job counts from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Tenure {
    /// The hire date (`months_in_company`), the default.
    #[default]
    MonthsInCompany,
    /// A date column of the employee file, by its name (`columns:` may give it other headers).
    Column(String),
}

impl Tenure {
    /// The name as the scheme writes it.
    pub fn name(&self) -> &str {
        match self {
            Tenure::MonthsInCompany => "months_in_company",
            Tenure::Column(name) => name,
        }
    }
}

/// `quotas:` entry: one cap shared by the promotions into its grades.
#[derive(Debug, Clone)]
pub struct Quota {
    pub grades: Vec<GradeRef>,
    /// A count.
    pub max: Option<u64>,
    /// A percentage (0..=100) of the head count the grades are reached from.
    pub max_pct: Option<Decimal>,
    /// The fields whose equal values each get their own cap (and head count).
    pub per: Vec<CohortField>,
    /// `file:line:column` of the entry, for messages.
    pub at: String,
}

impl Quota {
    /// The grades, by id, for messages: `S4` or `M1, P1`.
    pub fn name(&self, scheme: &Scheme) -> String {
        self.grades.iter().map(|g| scheme.grade(*g).id.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The names of the `per` fields.
    pub fn per_names<'a>(&'a self, scheme: &'a Scheme) -> impl Iterator<Item = &'a str> {
        self.per.iter().map(move |f| match f {
            CohortField::Reserved(r) => r.name(),
            CohortField::Column(id) => scheme.column_facts.names[*id].as_str(),
        })
    }

    /// Is `g` a grade this quota's grades are reached from: directly below
    /// one of them in its sequence, or the source of a bridge into one?
    pub fn is_source(&self, scheme: &Scheme, g: GradeRef) -> bool {
        self.grades
            .iter()
            .any(|t| (t.sequence == g.sequence && t.index == g.index + 1) || scheme.bridges.iter().any(|b| b.from == g && b.to == *t))
    }
}

/// What a rank cohort groups by (`cohort:`, default `[sequence, grade]`).
#[derive(Debug, Clone)]
pub struct Cohort {
    pub fields: Vec<CohortField>,
    /// `file:line:column` of the `cohort:` key; None for the default.
    pub at: Option<String>,
}

impl Default for Cohort {
    fn default() -> Cohort {
        Cohort { fields: vec![CohortField::Reserved(Reserved::Sequence), CohortField::Reserved(Reserved::Grade)], at: None }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortField {
    Reserved(Reserved),
    /// A column fact, by its id in `column_facts`.
    Column(usize),
}

impl Cohort {
    /// The names of the fields, for messages and reports.
    pub fn names<'a>(&'a self, scheme: &'a Scheme) -> impl Iterator<Item = &'a str> {
        self.fields.iter().map(move |f| match f {
            CohortField::Reserved(r) => r.name(),
            CohortField::Column(id) => scheme.column_facts.names[*id].as_str(),
        })
    }
}

/// `distribution:`: the percentage of each cohort per band, in the bands' order.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// One per band, in the bands' order; they sum to 100.
    pub percent: Vec<Decimal>,
    /// Cohorts smaller than this keep their band.
    pub min_cohort: usize,
}

impl Distribution {
    /// The calibrated band of a printed rank_pct in a cohort of `size`
    /// (SPEC §8.5): the first band whose cumulative percentage rank_pct does
    /// not exceed; a small cohort keeps `band`.
    pub fn calibrate(&self, band: Option<usize>, rank_pct: Decimal, size: usize) -> Option<usize> {
        if size < self.min_cohort {
            return band;
        }
        let mut cumulative = Decimal::ZERO;
        for (i, p) in self.percent.iter().enumerate() {
            cumulative += *p;
            if rank_pct <= cumulative {
                return Some(i);
            }
        }
        // rank_pct is at most 100 and the percentages sum to 100: the last band.
        self.percent.len().checked_sub(1)
    }
}

#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Copy)]
pub struct Review {
    pub quarters: usize,
    pub halves: usize,
}

#[derive(Debug, Clone, Copy)]
pub struct Range {
    pub min: Decimal,
    pub max: Decimal,
}

#[derive(Debug, Clone, Copy)]
pub struct Composite {
    pub kpi: Decimal,
    pub competency: Decimal,
}

#[derive(Debug, Clone)]
pub struct Band {
    pub id: String,
    pub title: String,
    pub min: Decimal,
}

#[derive(Debug, Clone)]
pub struct Position {
    pub id: String,
    pub title: String,
    pub kpis: Vec<KpiItem>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone)]
pub struct KpiItem {
    pub id: String,
    pub title: String,
    pub weight: Decimal,
    pub scoring: Option<Scoring>,
}

/// The CSV holds a raw measure r; the score is 100 at `target`, 0 at `zero_at`.
#[derive(Debug, Clone, Copy)]
pub struct Scoring {
    pub target: Decimal,
    pub zero_at: Decimal,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    /// `title:` (核心能力), for reports in Chinese; None: the id.
    pub title: Option<String>,
    pub weight: Decimal,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct Sequence {
    pub id: String,
    pub title: String,
    pub grades: Vec<Grade>,
}

#[derive(Debug, Clone)]
pub struct Grade {
    pub id: String,
    pub title: String,
    /// The rule to enter this grade from the one below.
    pub requires: Option<Rule>,
    pub demotion: Option<Rule>,
    /// Where the grade's own demotion sends the employee (`{when, to}`, SPEC
    /// §8.1); `None`: the grade below.
    pub demotion_to: Option<GradeRef>,
    /// Whether the scheme-wide demotion applies (`scheme_demotion: false` exempts).
    pub scheme_demotion: bool,
    /// Promotion into this grade is decided by this body, never by a rule.
    pub decided_by: Option<String>,
}

/// A grade's place: its sequence and its index in it (0 = lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GradeRef {
    pub sequence: usize,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct Bridge {
    pub from: GradeRef,
    pub to: GradeRef,
    pub title: Option<String>,
    pub requires: Option<Rule>,
}

impl Scheme {
    /// The band of a composite (SPEC §4): the first, best first, whose minimum it reaches.
    pub fn band_of(&self, composite: Decimal) -> Option<usize> {
        self.bands.iter().position(|b| composite >= b.min)
    }

    pub fn grade(&self, g: GradeRef) -> &Grade {
        &self.sequences[g.sequence].grades[g.index]
    }

    pub fn grade_above(&self, g: GradeRef) -> Option<GradeRef> {
        (g.index + 1 < self.sequences[g.sequence].grades.len()).then_some(GradeRef { index: g.index + 1, ..g })
    }

    pub fn grade_below(&self, g: GradeRef) -> GradeRef {
        GradeRef { index: g.index.saturating_sub(1), ..g }
    }

    /// Every rule of the scheme: the scheme-wide `requires` and `demotion`,
    /// each grade's `requires` and `demotion`, each bridge's `requires`.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        let grades = self.sequences.iter().flat_map(|s| s.grades.iter());
        self.requires
            .iter()
            .chain(self.demotion.iter())
            .chain(grades.flat_map(|g| g.requires.iter().chain(g.demotion.iter())))
            .chain(self.bridges.iter().flat_map(|b| b.requires.iter()))
    }

    /// Whether any rule reads a KPI item's mean (`kpi.ITEM`), and whether
    /// any reads a competency group's (`competency.GROUP`): a batch
    /// computes and keeps them only then.
    pub fn rules_read_means(&self) -> (bool, bool) {
        let (mut items, mut groups) = (false, false);
        for rule in self.rules() {
            rule.for_each_test(&mut |t| match &t.subject {
                crate::rule::Subject::Fact(crate::rule::FactRef::KpiItem(_)) => items = true,
                crate::rule::Subject::Fact(crate::rule::FactRef::CompetencyGroup(_)) => groups = true,
                _ => {}
            });
        }
        (items, groups)
    }

    /// The demotion rules that apply to a grade (SPEC §8.1), each with the
    /// grade it recommends and whether it is the grade's own: the scheme-wide
    /// one first unless the grade is exempt (`scheme_demotion: false`), then
    /// the grade's own.
    pub fn demotions(&self, g: GradeRef) -> impl Iterator<Item = (&Rule, GradeRef, bool)> {
        let grade = self.grade(g);
        let below = self.grade_below(g);
        let wide = self.demotion.as_ref().filter(|_| grade.scheme_demotion).map(|r| (r, below, false));
        let own = grade.demotion.as_ref().map(|r| (r, grade.demotion_to.unwrap_or(below), true));
        wide.into_iter().chain(own)
    }

    /// Whether a rule may promote into this grade (no `decided_by`).
    pub fn reachable_by_rule(&self, g: GradeRef) -> bool {
        self.grade(g).decided_by.is_none()
    }

    /// Finds a position by id, or else by its title (after NFKC, [`title_key`]).
    pub fn find_position(&self, text: &str) -> Option<usize> {
        find_by_id_or_title(&self.positions, text, |p| (&p.id, &p.title))
    }

    pub fn find_sequence(&self, text: &str) -> Option<usize> {
        find_by_id_or_title(&self.sequences, text, |s| (&s.id, &s.title))
    }

    pub fn find_grade_in(&self, sequence: usize, text: &str) -> Option<GradeRef> {
        find_by_id_or_title(&self.sequences[sequence].grades, text, |g| (&g.id, &g.title)).map(|index| GradeRef { sequence, index })
    }

    /// Finds a grade anywhere in the scheme (grade ids are unique scheme-wide).
    pub fn find_grade(&self, text: &str) -> Option<GradeRef> {
        (0..self.sequences.len()).find_map(|s| self.find_grade_in(s, text))
    }

    /// The grade's bridges, in scheme order.
    pub fn bridges_from(&self, g: GradeRef) -> impl Iterator<Item = &Bridge> {
        self.bridges.iter().filter(move |b| b.from == g)
    }
}

fn find_by_id_or_title<T>(items: &[T], text: &str, key: impl Fn(&T) -> (&String, &String)) -> Option<usize> {
    items.iter().position(|i| key(i).0 == text).or_else(|| items.iter().position(|i| key(i).1 == text)).or_else(|| {
        // Titles match after NFKC (SPEC §3): only a cell that matched nothing pays for it.
        let wanted = title_key(text);
        items.iter().position(|i| !key(i).1.is_empty() && title_key(key(i).1) == wanted)
    })
}

/// A title as it is compared (SPEC §3): trimmed and in Unicode NFKC, so that
/// a full-width `（一）` typed by an input method finds the scheme's `(一)`.
/// Ids and headers are compared exactly; only titles go through this.
pub fn title_key(title: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
    let trimmed = title.trim();
    if is_nfkc_quick(trimmed.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(trimmed)
    } else {
        // NFKC may itself produce edge spaces (an ideographic space U+3000 becomes U+0020).
        std::borrow::Cow::Owned(trimmed.nfkc().collect::<String>().trim().to_string())
    }
}

/// SHA-256 of a scheme from the SHA-256 of its files, in order (as `meta.scheme_sha256`).
pub fn scheme_sha256_of<'a>(file_hashes: impl IntoIterator<Item = &'a str>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for f in file_hashes {
        h.update(f.as_bytes());
        h.update(b"\n");
    }
    format!("{:x}", h.finalize())
}

#[cfg(test)]
mod tests {
    use super::Distribution;

    #[test]
    fn calibration_takes_the_first_band_whose_cumulative_percentage_is_not_exceeded() {
        let d = Distribution { percent: ["10", "20", "60", "10"].iter().map(|p| p.parse().unwrap()).collect(), min_cohort: 10 };
        let band = |pct: &str| d.calibrate(Some(3), pct.parse().unwrap(), 10);
        assert_eq!(band("5"), Some(0));
        assert_eq!(band("10"), Some(0), "exactly the cumulative 10: still A");
        assert_eq!(band("10.01"), Some(1));
        assert_eq!(band("30"), Some(1));
        assert_eq!(band("90"), Some(2));
        assert_eq!(band("90.01"), Some(3));
        assert_eq!(band("100"), Some(3));
        assert_eq!(d.calibrate(Some(3), "10".parse().unwrap(), 9), Some(3), "a cohort under min_cohort keeps its band");
        let empty_top = Distribution { percent: ["0", "50", "50"].iter().map(|p| p.parse().unwrap()).collect(), min_cohort: 1 };
        assert_eq!(empty_top.calibrate(None, "1".parse().unwrap(), 100), Some(1), "a 0 % band is never given");
    }
}
