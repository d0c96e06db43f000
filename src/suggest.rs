//! "Did you mean": the known name closest to one that names nothing, for
//! messages about typos (`month_in_grade`, `reveiw`, `2026Q4.csatt`). The
//! distance is strsim's Damerau–Levenshtein over characters, so a swapped
//! pair of letters counts one edit and a CJK title is compared character
//! by character.

/// The known name closest to `word`: the same ignoring ASCII case, else the
/// nearest within a few edits (1 for short words, 2 from 4 characters, 3
/// from 9). Ties go to the name listed first. None: nothing is close.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    let budget = match len {
        0 => return None,
        1..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    let mut best: Option<(&str, usize)> = None;
    for k in known {
        if k == word {
            continue;
        }
        if k.eq_ignore_ascii_case(word) {
            return Some(k);
        }
        // The distance is at least the difference in length: skip the long
        // shots (and never run the quadratic distance over a 10 MB header).
        if len.abs_diff(k.chars().count()) > budget {
            continue;
        }
        let d = strsim::damerau_levenshtein(word, k);
        if d <= budget && best.map_or(true, |(_, bd)| d < bd) {
            best = Some((k, d));
        }
    }
    best.map(|(k, _)| k)
}

/// "; did you mean `review`?", or nothing when no name is close.
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, known).map(|k| format!("; did you mean `{k}`?")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_found_and_long_shots_are_not() {
        let facts = ["months_in_grade", "months_in_company", "kpi", "kpi_min", "age"];
        assert_eq!(closest("month_in_grade", facts), Some("months_in_grade"));
        assert_eq!(closest("reveiw", ["review", "scheme"]), Some("review"), "a swap is one edit");
        assert_eq!(closest("KPI", facts), Some("kpi"));
        assert_eq!(closest("kpj", facts), Some("kpi"));
        assert_eq!(closest("tenure", facts), None);
        assert_eq!(closest("", facts), None);
        assert_eq!(closest("kpi", facts), None, "the word itself is no suggestion");
        assert_eq!(closest("服务规范执行", ["服务规范化执行", "维修数量"]), Some("服务规范化执行"));
        assert_eq!(did_you_mean("csatt", ["csat"]), "; did you mean `csat`?");
        assert_eq!(did_you_mean("zzz", ["csat"]), "");
    }
}
