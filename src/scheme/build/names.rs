//! The titles a cell of the employee file may use instead of an id: each
//! must stand for one thing only, and a name that is no id gets a hint.

use super::Placed;
use crate::rule::Reserved;
use crate::scheme::load::{Problem, SourceFile};
use crate::scheme::raw::{RawPosition, RawSequence};
use std::collections::HashMap;

/// The ids and titles (empty when none) of the positions, sequences and
/// grades, for naming one where an id is needed.
pub(super) struct Names {
    positions: Vec<(String, String)>,
    sequences: Vec<(String, String)>,
    grades: Vec<(String, String)>,
}

impl Names {
    /// The employee file may name a position, sequence or grade by its
    /// title: a title must then stand for one thing only.
    pub(super) fn check(positions: &[Placed<RawPosition>], sequences: &[Placed<RawSequence>], problems: &mut Vec<Problem>) -> Self {
        let named = |file, path: &String, id: &'_ str, title| Named { file, path: path.clone(), id: id.to_string(), title };
        let position_names: Vec<Named> = positions.iter().map(|p| named(p.file, &p.path, &p.item.id, p.item.title.clone())).collect();
        check_titles("position", &position_names, problems);
        let sequence_names: Vec<Named> = sequences.iter().map(|s| named(s.file, &s.path, &s.item.id, s.item.title.clone())).collect();
        check_titles("sequence", &sequence_names, problems);
        let grade_names: Vec<Named> = sequences
            .iter()
            .flat_map(|s| {
                s.item
                    .grades
                    .iter()
                    .enumerate()
                    .map(move |(i, g)| named(s.file, &format!("{}.grades[{i}]", s.path), &g.id, g.title.clone()))
            })
            .collect();
        check_titles("grade", &grade_names, problems);
        let pairs = |names: &[Named]| names.iter().map(|n| (n.id.clone(), n.title.clone().unwrap_or_default())).collect();
        Names { positions: pairs(&position_names), sequences: pairs(&sequence_names), grades: pairs(&grade_names) }
    }

    /// A grade named where an id is needed (bridges, demotion targets,
    /// quotas, rules): its title gets the id, a typo the closest id.
    pub(super) fn grade_hint(&self, text: &str) -> String {
        id_hint("grade", text, &self.grades)
    }

    /// Why `text`, tested against `field` in a rule, is no id of that kind.
    pub(super) fn not_an_id(&self, field: Reserved, text: &str) -> Option<String> {
        let pairs = match field {
            Reserved::Position => &self.positions,
            Reserved::Sequence => &self.sequences,
            _ => &self.grades,
        };
        let what = field.name();
        (!pairs.iter().any(|(id, _)| id == text)).then(|| format!("no {what} has the id `{text}`{}", id_hint(what, text, pairs)))
    }
}

/// What to add to "no grade has that id": "; `初级` is the title of grade
/// `G1`: name it by its id `G1`", or "; did you mean `G1`?" (ids and titles
/// compared after NFKC, as the employee file's cells are).
fn id_hint(what: &str, text: &str, pairs: &[(String, String)]) -> String {
    let key = crate::scheme::title_key(text);
    if let Some((id, title)) = pairs.iter().find(|(_, t)| !t.is_empty() && crate::scheme::title_key(t) == key) {
        return format!("; `{title}` is the title of {what} `{id}`: name it by its id `{id}`");
    }
    let names = pairs.iter().flat_map(|(id, t)| [id.as_str(), t.as_str()]).filter(|n| !n.is_empty());
    match crate::suggest::closest(text, names) {
        Some(near) => {
            let id = pairs.iter().find(|(id, t)| id == near || t == near).map_or(near, |(id, _)| id.as_str());
            if id == near {
                format!("; did you mean `{id}`?")
            } else {
                format!("; did you mean `{id}` ({near})?")
            }
        }
        None => String::new(),
    }
}

/// Something a cell of the employee file may name by id or by title.
struct Named<'a> {
    file: &'a SourceFile,
    path: String,
    id: String,
    title: Option<String>,
}

/// Two of a kind with the same title (trimmed, after NFKC), or a title that is another's
/// id: a cell holding it would silently mean the first match.
fn check_titles(what: &str, named: &[Named], problems: &mut Vec<Problem>) {
    // Keyed as cells are matched: after NFKC, so `（一）` and `(一)` collide.
    let mut by_title: HashMap<String, &Named> = HashMap::new();
    for n in named {
        let Some(title) = n.title.as_deref().map(str::trim) else { continue };
        let key = crate::scheme::title_key(title).into_owned();
        if key.is_empty() || title == n.id.trim() {
            continue;
        }
        let at = format!("{}.title", n.path);
        if let Some(other) = named.iter().find(|o| o.id.trim() == title) {
            problems.push(n.file.problem_at_value(
                &at,
                format!(
                    "the title `{title}` of {what} `{}` is the id of {what} `{}` (at {}): a cell `{title}` in the employee file would mean `{}`; give `{}` another title",
                    n.id,
                    other.id,
                    other.file.render(&format!("{}.id", other.path)),
                    other.id,
                    n.id
                ),
            ));
        } else if let Some(first) = by_title.get(&key) {
            problems.push(n.file.problem_at_value(
                &at,
                format!(
                    "{what} `{}` has the same title `{title}` as {what} `{}` (at {}): a cell `{title}` in the employee file could mean either; give them different titles",
                    n.id,
                    first.id,
                    first.file.render(&format!("{}.title", first.path))
                ),
            ));
        } else {
            by_title.insert(key, n);
        }
    }
}
