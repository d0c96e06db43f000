//! The layout of the employee file: what each column of the header row is
//! (SPEC §3): the reserved fields, score columns named by item id or title,
//! the facts rules read, the placement's tenure column; and every problem
//! with the header, named by column.

use crate::calendar::{looks_like_period, Period, PeriodKind};
use crate::input::value::excerpt;
use crate::rule::Reserved;
use crate::scheme::{Scheme, Tenure};
use anyhow::{bail, Result};
use std::collections::HashMap;

/// The header problems listed; the rest are counted.
pub const MAX_HEADER_PROBLEMS: usize = 20;

/// What each column of the employee file is.
#[derive(Debug, Default, Clone)]
pub struct Layout {
    pub headers: Vec<String>,
    pub reserved: ReservedColumns,
    /// (period, item id) → column.
    pub scores: HashMap<(Period, String), usize>,
    /// Column fact id (scheme registry) → column.
    pub facts: Vec<Option<usize>>,
    /// Header name → column, for `--set` and other lookups.
    pub by_name: HashMap<String, usize>,
    /// The line of the header row (below title rows, the first of a two-level header).
    pub header_line: u64,
    /// Under `--placement` (SPEC §8.3): where time in the job counts from.
    /// The grade and grade_date cells are then not read.
    pub placement: Option<TenureColumn>,
}

/// Where a placement's time in the job counts from: the hire date
/// (`months_in_company`), or a date column of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenureColumn {
    HireDate,
    Column(usize),
}

/// Is `field` required of the employee file? Under `--placement` the grade
/// and grade_date are not read (SPEC §8.3), so not required.
pub(super) fn required(field: Reserved, placement: bool) -> bool {
    field.is_required() && !(placement && matches!(field, Reserved::Grade | Reserved::GradeDate))
}

/// The headers a placement's tenure column may go by: its name and its `columns:` aliases.
fn tenure_names(scheme: &Scheme) -> Option<Vec<String>> {
    match &scheme.placement.tenure {
        Tenure::MonthsInCompany => None,
        Tenure::Column(name) => Some(
            std::iter::once(name.clone()).chain(scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| h.clone())).collect(),
        ),
    }
}

/// The columns a header must have (SPEC §3): each required reserved field,
/// under its own name or the scheme's `columns:` aliases; the id first.
pub fn required_columns(scheme: &Scheme) -> crate::input::header::Required {
    required_columns_for(scheme, false)
}

/// [`required_columns`], under `--placement` when `placement` (SPEC §8.3: id,
/// position, sequence, hire_date, and the tenure column when it is a column).
pub fn required_columns_for(scheme: &Scheme, placement: bool) -> crate::input::header::Required {
    let mut fields: Vec<Vec<String>> = Reserved::ALL
        .iter()
        .filter(|f| required(**f, placement))
        .map(|field| {
            std::iter::once(field.name().to_string())
                .chain(scheme.columns.iter().filter(|(r, _)| r == field).map(|(_, h)| h.clone()))
                .collect()
        })
        .collect();
    if placement {
        fields.extend(tenure_names(scheme));
    }
    crate::input::header::Required { fields }
}

impl Layout {
    /// Maps the header row (line 1), checking that the file is usable with this scheme.
    pub fn new(scheme: &Scheme, headers: Vec<String>, display: &str) -> Result<Layout> {
        Layout::new_at(scheme, headers, display, 1)
    }

    /// [`Layout::new`] for a header on `line` (below title rows): messages name that line.
    pub fn new_at(scheme: &Scheme, headers: Vec<String>, display: &str, line: u64) -> Result<Layout> {
        Layout::new_for(scheme, headers, display, line, false)
    }

    /// [`Layout::new_at`], for `--placement` when `placement` (SPEC §8.3).
    pub fn new_for(scheme: &Scheme, headers: Vec<String>, display: &str, line: u64, placement: bool) -> Result<Layout> {
        if headers.iter().all(std::string::String::is_empty) {
            bail!("{display}: line {line}: the file is empty: expected a header row (id, position, sequence, grade, hire_date, grade_date, …)");
        }
        let mut problems = Vec::new();
        let by_name = columns_by_name(&headers, display, &mut problems);
        let reserved = reserved_columns(scheme, &headers, &by_name, placement, &mut problems);
        let scores = score_columns(scheme, &headers, display, &mut problems);
        let facts = fact_columns(scheme, &headers, &by_name, &mut problems);
        let placement = placement.then(|| tenure_column(scheme, &headers, &by_name, &mut problems));
        if !problems.is_empty() {
            return Err(header_error(problems, display, line));
        }
        Ok(Layout { headers, reserved, scores, facts, by_name, header_line: line, placement })
    }
}

/// Each header → its column; a header written twice is a problem.
fn columns_by_name(headers: &[String], display: &str, problems: &mut Vec<String>) -> HashMap<String, usize> {
    let mut by_name = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            continue;
        }
        if let Some(first) = by_name.insert(h.clone(), i) {
            problems.push(format!(
                "column {} `{}` repeats the header of column {}",
                column_label(display, i),
                excerpt(h),
                column_label(display, first)
            ));
        }
    }
    by_name
}

/// The column of each reserved field, under its name or a `columns:` alias:
/// a required one missing (with the header one typo away), or named twice, is a problem.
fn reserved_columns(
    scheme: &Scheme,
    headers: &[String],
    by_name: &HashMap<String, usize>,
    placement: bool,
    problems: &mut Vec<String>,
) -> ReservedColumns {
    let mut reserved = ReservedColumns::default();
    for field in Reserved::ALL {
        let names = std::iter::once(field.name()).chain(scheme.columns.iter().filter(|(r, _)| *r == field).map(|(_, h)| h.as_str()));
        let found: Vec<usize> = names.filter_map(|n| by_name.get(n).copied()).collect();
        match found.as_slice() {
            [] if required(field, placement) => {
                let aliases: Vec<String> = scheme.columns.iter().filter(|(r, _)| *r == field).map(|(_, h)| format!("`{h}`")).collect();
                let alias = if aliases.is_empty() { String::new() } else { format!(" (or {})", aliases.join(", ")) };
                // A header one typo away (`hire_dat`, `入职日`) is probably the one meant.
                let unused = headers.iter().map(String::as_str).filter(|h| !h.is_empty() && !h.contains('.'));
                let mut names =
                    std::iter::once(field.name()).chain(scheme.columns.iter().filter(|(r, _)| *r == field).map(|(_, h)| h.as_str()));
                let near = names
                    .find_map(|n| crate::suggest::closest(n, unused.clone()))
                    .map(|h| format!("; the file has `{}`: a typo?", excerpt(h)))
                    .unwrap_or_default();
                problems.push(format!("missing the required column `{}`{alias}{near}", field.name()));
            }
            [] => {}
            [one] => {
                reserved.insert(field, *one);
            }
            [a, b, ..] => problems.push(format!("both `{}` and `{}` name the {} column", headers[*a], headers[*b], field.name())),
        }
    }
    reserved
}

/// The score columns, `PERIOD.ITEM` → column: a period that is none, an
/// item no position has (or a title several share), or a score twice, is a problem.
fn score_columns(scheme: &Scheme, headers: &[String], display: &str, problems: &mut Vec<String>) -> HashMap<(Period, String), usize> {
    // Items by id and title, in the scheme's order: a header may name an
    // item by its title when the title is one item's only (SPEC §3).
    let (kpi_items, comp_items) = scheme_items(scheme);
    let mut scores: HashMap<(Period, String), usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let Some((period_text, item)) = h.split_once('.') else { continue };
        if !looks_like_period(period_text) {
            continue;
        }
        let col = column_label(display, i);
        let Ok(p) = period_text.parse::<Period>() else {
            problems.push(format!(
                "column {col} `{}`: `{}` is not a period (expected YYYYQ1..YYYYQ4 or YYYYH1..YYYYH2)",
                excerpt(h),
                excerpt(period_text)
            ));
            continue;
        };
        let (items, what) = match p.kind {
            PeriodKind::Quarter => (&kpi_items, "KPI item"),
            PeriodKind::Half => (&comp_items, "competency item"),
        };
        match item_named(item, items) {
            ItemNamed::Id(id) => {
                if let Some(first) = scores.insert((p, id.to_string()), i) {
                    problems.push(format!(
                        "column {col} `{}` is the score of `{p}.{id}`, as column {} `{}` is: keep one",
                        excerpt(h),
                        first + 1,
                        excerpt(&headers[first])
                    ));
                }
            }
            ItemNamed::Shared(ids) => problems.push(format!(
                "column {col} `{}`: `{}` is the title of the {what}s {}: name the item by its id ({})",
                excerpt(h),
                excerpt(item),
                ids.iter().map(|id| format!("`{id}`")).collect::<Vec<_>>().join(", "),
                ids.iter().map(|id| format!("`{p}.{id}`")).collect::<Vec<_>>().join(" or ")
            )),
            ItemNamed::None => {
                let suggestion = item_suggestion(item, items, &format!("{p}."));
                problems.push(format!(
                    "column {col} `{}`: `{}` is no {what} of any position (by id or title){suggestion}",
                    excerpt(h),
                    excerpt(item)
                ));
            }
        }
    }
    scores
}

/// The column of each fact the scheme's rules, cohort and quotas read (by
/// registry id): one missing is a problem that says who reads it.
fn fact_columns(scheme: &Scheme, headers: &[String], by_name: &HashMap<String, usize>, problems: &mut Vec<String>) -> Vec<Option<usize>> {
    scheme
        .column_facts
        .names
        .iter()
        .enumerate()
        .map(|(id, name)| {
            // The fact's own name, or a header `columns:` gives it (`education: 学历`).
            let aliases = scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| h.as_str());
            let mut found: Vec<usize> = std::iter::once(name.as_str()).chain(aliases).filter_map(|n| by_name.get(n).copied()).collect();
            found.sort_unstable();
            if let [a, b, ..] = found.as_slice() {
                problems.push(format!("both `{}` and `{}` name the `{name}` column", headers[*a], headers[*b]));
            }
            let col = found.first().copied();
            if col.is_none() {
                problems.push(missing_fact(scheme, headers, id, name));
            }
            col
        })
        .collect()
}

/// Why the fact `name` (registry id `id`) missing from the file matters:
/// the cohort, a quota or a rule reads it.
fn missing_fact(scheme: &Scheme, headers: &[String], id: usize, name: &str) -> String {
    let aliases: Vec<String> = scheme.fact_columns.iter().filter(|(f, _)| f == name).map(|(_, h)| format!("`{h}`")).collect();
    let alias = if aliases.is_empty() { String::new() } else { format!(" (under that name or as {})", aliases.join(", ")) };
    let by_cohort = scheme.cohort.fields.contains(&crate::scheme::CohortField::Column(id));
    let quota = scheme.quotas.iter().find(|q| q.per.contains(&crate::scheme::CohortField::Column(id)));
    match (&scheme.cohort.at, quota) {
        (Some(at), _) if by_cohort => format!("the cohort at {at} groups by `{name}`, which is not a column of this file{alias}"),
        (_, Some(q)) => format!("the quota at {} counts per `{name}`, which is not a column of this file{alias}", q.at),
        _ => {
            // A typo of a computed fact or of a header: say which.
            let columns = headers.iter().map(String::as_str).filter(|h| !h.is_empty() && !h.contains('.'));
            format!(
                "the rule at {} tests the fact `{name}`, which is neither computed nor a column of this file{alias}{}",
                scheme.column_facts.first_use[id],
                crate::rule::Computed::hint(name, columns)
            )
        }
    }
}

/// Under `--placement`: where time in the job counts from, the hire date or
/// the scheme's tenure column, which the file must then have once.
fn tenure_column(scheme: &Scheme, headers: &[String], by_name: &HashMap<String, usize>, problems: &mut Vec<String>) -> TenureColumn {
    let Some(names) = tenure_names(scheme) else { return TenureColumn::HireDate };
    let mut found: Vec<usize> = names.iter().filter_map(|n| by_name.get(n).copied()).collect();
    found.sort_unstable();
    match found.as_slice() {
        [] => {
            let at = scheme.placement.at.as_deref().unwrap_or("the scheme");
            let also = if names.len() > 1 {
                format!(" (under that name or as {})", names[1..].iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
            } else {
                String::new()
            };
            problems
                .push(format!("the placement at {at} reads time in the job from `{}`, which is not a column of this file{also}", names[0]));
        }
        [_, b, ..] => problems.push(format!("both `{}` and `{}` name the `{}` column", headers[found[0]], headers[*b], names[0])),
        _ => {}
    }
    TenureColumn::Column(found.first().copied().unwrap_or(usize::MAX))
}

/// The header's problems as one error, a line each: a wide wrong file (a
/// million columns) must not print a million lines: the first ones say
/// enough, as for rows in error.
fn header_error(mut problems: Vec<String>, display: &str, line: u64) -> anyhow::Error {
    let total = problems.len();
    if total > MAX_HEADER_PROBLEMS {
        // Missing required columns (a few at most) say the most: kept first.
        problems.sort_by_key(|p| !p.starts_with("missing the required column"));
    }
    problems.truncate(MAX_HEADER_PROBLEMS);
    if total > MAX_HEADER_PROBLEMS {
        problems.push(format!("… and {} more problems with the header", total - MAX_HEADER_PROBLEMS));
    }
    anyhow::anyhow!("{display}: line {line} (header): {}", problems.join(&format!("\n{display}: line {line} (header): ")))
}

/// How a header message names column `index` (from 0): its number in a CSV,
/// its letter in a workbook (`S`), as Excel shows it to the person fixing it.
fn column_label(display: &str, index: usize) -> String {
    match u16::try_from(index) {
        Ok(i) if crate::input::workbook::is_workbook(display) => rust_xlsxwriter::utility::column_number_to_name(i),
        _ => (index + 1).to_string(),
    }
}

impl Layout {
    /// The periods the file has score columns for.
    pub fn score_periods(&self) -> impl Iterator<Item = Period> + '_ {
        self.scores.keys().map(|(p, _)| *p)
    }
}

/// What the item part of a score header names.
#[derive(Debug, PartialEq)]
pub(super) enum ItemNamed<'a> {
    /// One item: by its id, or by a title no other item has.
    Id(&'a str),
    /// A title several items share: their ids.
    Shared(Vec<&'a str>),
    None,
}

/// The item `text` names among `items` (id, title): its id exactly, else its
/// title after NFKC and trimming (`受理服务代表（一）` is `受理服务代表(一)`).
pub(super) fn item_named<'a>(text: &str, items: &[(&'a str, &'a str)]) -> ItemNamed<'a> {
    if let Some((id, _)) = items.iter().find(|(id, _)| *id == text) {
        return ItemNamed::Id(id);
    }
    let wanted = crate::scheme::title_key(text);
    let mut ids: Vec<&str> = Vec::new();
    for (id, title) in items {
        if !title.is_empty() && crate::scheme::title_key(title) == wanted && !ids.contains(id) {
            ids.push(id);
        }
    }
    match ids.as_slice() {
        [] => ItemNamed::None,
        [one] => ItemNamed::Id(one),
        _ => ItemNamed::Shared(ids),
    }
}

/// Items as (id, title).
pub(super) type Items<'s> = Vec<(&'s str, &'s str)>;

/// Every KPI item, then every competency item, of every position in the
/// scheme's order (an item shared by positions repeats).
pub(super) fn scheme_items(scheme: &Scheme) -> (Items<'_>, Items<'_>) {
    let kpi_items: Items = scheme.positions.iter().flat_map(|p| p.kpis.iter().map(|k| (k.id.as_str(), k.title.as_str()))).collect();
    let comp_items: Items = scheme
        .positions
        .iter()
        .flat_map(|p| p.groups.iter().flat_map(|g| g.items.iter().map(|i| (i.id.as_str(), i.title.as_str()))))
        .collect();
    (kpi_items, comp_items)
}

/// "; did you mean `PREFIX.ID` (TITLE)?" for the item closest to `text`, or nothing.
pub(super) fn item_suggestion(text: &str, items: &[(&str, &str)], prefix: &str) -> String {
    match closest_item(text, items) {
        Some((id, title)) if title != id => format!("; did you mean `{prefix}{id}` ({title})?"),
        Some((id, _)) => format!("; did you mean `{prefix}{id}`?"),
        None => String::new(),
    }
}

/// The item whose id or title is closest to `text`, for "did you mean".
fn closest_item<'a>(text: &str, items: &[(&'a str, &'a str)]) -> Option<(&'a str, &'a str)> {
    let names = items.iter().flat_map(|(id, title)| [*id, *title]);
    let near = crate::suggest::closest(text, names)?;
    items.iter().find(|(id, title)| *id == near || *title == near).copied()
}

/// The column of each reserved field the file has, by field: looked up
/// eight times a row, where a hash map cost more than finding the cells.
#[derive(Debug, Clone, Default)]
pub struct ReservedColumns([Option<usize>; Reserved::ALL.len()]);

impl ReservedColumns {
    pub fn get(&self, field: &Reserved) -> Option<&usize> {
        self.0[*field as usize].as_ref()
    }

    pub fn insert(&mut self, field: Reserved, column: usize) {
        self.0[field as usize] = Some(column);
    }

    /// Each field the file has, with its column.
    pub fn iter(&self) -> impl Iterator<Item = (&Reserved, &usize)> + Clone {
        Reserved::ALL.iter().zip(&self.0).filter_map(|(field, column)| Some((field, column.as_ref()?)))
    }
}

impl FromIterator<(Reserved, usize)> for ReservedColumns {
    fn from_iter<I: IntoIterator<Item = (Reserved, usize)>>(fields: I) -> ReservedColumns {
        let mut columns = ReservedColumns::default();
        fields.into_iter().for_each(|(field, column)| columns.insert(field, column));
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_columns_are_found_by_field() {
        // The array is indexed by the field's place in `Reserved::ALL`.
        for (i, field) in Reserved::ALL.iter().enumerate() {
            assert_eq!(*field as usize, i, "{field:?}");
        }
        let columns: ReservedColumns = [(Reserved::Grade, 4), (Reserved::Id, 0), (Reserved::BirthDate, 9)].into_iter().collect();
        assert_eq!(columns.get(&Reserved::Grade), Some(&4));
        assert_eq!(columns.get(&Reserved::Name), None);
        let all: Vec<(Reserved, usize)> = columns.iter().map(|(f, c)| (*f, *c)).collect();
        assert_eq!(all, [(Reserved::Id, 0), (Reserved::Grade, 4), (Reserved::BirthDate, 9)]);
    }
}
