//! Reading cell text as the typed values of SPEC §3: numbers (with an
//! optional trailing `%`), booleans, dates and ordinal levels.

use rust_decimal::Decimal;
use std::borrow::Cow;
use std::str::FromStr;

/// Longest cell text quoted in a message, in characters.
pub const EXCERPT_CHARS: usize = 60;

/// Cell text as quoted in a message: cut to [`EXCERPT_CHARS`] characters
/// with `…` and the full length, so a 10 MB cell cannot flood a report.
pub fn excerpt(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}… ({} characters)", &text[..cut], text.chars().count())),
    }
}

/// `12`, `3.5`, `95%` (= 95). No exponents, no thousands separators.
pub fn parse_number(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let t = t.strip_suffix('%').map(str::trim_end).unwrap_or(t);
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || digits.starts_with('.') && digits.len() == 1 {
        return None;
    }
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') || digits.bytes().filter(|b| *b == b'.').count() > 1 {
        return None;
    }
    Decimal::from_str(t).ok()
}

/// `true/false`, `yes/no`, `y/n`, `1/0`, `是/否`, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Some(true),
        "false" | "no" | "n" | "0" | "否" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(parse_number("95%"), Some(Decimal::from(95)));
        assert_eq!(parse_number(" 3.50 "), Decimal::from_str("3.50").ok());
        assert_eq!(parse_number("-2"), Some(Decimal::from(-2)));
        for bad in ["", "abc", "1e5", "1,000", "NaN", ".", "1.2.3", "%"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn excerpts_cut_long_text() {
        assert_eq!(excerpt("张伟"), "张伟");
        let long = "字".repeat(10_000);
        let e = excerpt(&long);
        assert!(e.starts_with(&"字".repeat(EXCERPT_CHARS)) && e.ends_with("… (10000 characters)"), "{e}");
    }

    #[test]
    fn booleans() {
        for t in ["true", "YES", "y", "1", "是"] {
            assert_eq!(parse_bool(t), Some(true));
        }
        for f in ["false", "No", "n", "0", "否"] {
            assert_eq!(parse_bool(f), Some(false));
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
