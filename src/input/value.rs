//! Reading cell text as the typed values of SPEC §3: numbers (with an
//! optional trailing `%`), booleans, dates and ordinal levels.

use rust_decimal::Decimal;
use std::borrow::Cow;

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

/// The most significant digits a number may have: a Decimal holds 28 exactly,
/// and `ladder` never rounds a value it reads.
pub const MAX_DIGITS: usize = 28;

/// `12`, `3.5`, `95%` (= 95), exactly. No exponents, no thousands separators,
/// at most [`MAX_DIGITS`] significant digits.
pub fn parse_number(text: &str) -> Option<Decimal> {
    let t = crate::input::cells::trim(text);
    let t = t.strip_suffix('%').map_or(t, str::trim_end);
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut mantissa: i128 = 0;
    let mut scale: u32 = 0;
    let (mut seen_digit, mut seen_point, mut significant) = (false, false, 0usize);
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                if seen_point {
                    scale += 1;
                }
                if mantissa != 0 || b != b'0' {
                    significant += 1;
                }
                if significant > MAX_DIGITS || scale > MAX_DIGITS as u32 {
                    return None;
                }
                mantissa = mantissa * 10 + i128::from(b - b'0');
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    Decimal::try_from_i128_with_scale(if negative { -mantissa } else { mantissa }, scale).ok()
}

/// Why a cell is not a number, for messages.
pub fn not_a_number(text: &str) -> String {
    // At most one `%` and one sign: `85%%` and `--5` are not numbers at all
    // (stripping every one made them "too many digits").
    let t = text.trim();
    let t = t.strip_suffix('%').map_or(t, str::trim_end);
    let t = t.strip_prefix(['-', '+']).unwrap_or(t);
    let shaped = t.bytes().any(|b| b.is_ascii_digit()) && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') && t.matches('.').count() <= 1;
    if shaped {
        format!("`{}` has more significant digits than the {MAX_DIGITS} that can be computed exactly", excerpt(text))
    } else {
        format!("`{}` is not a number", excerpt(text))
    }
}

/// `true/false`, `yes/no`, `y/n`, `1/0`, `是/否`, any case.
pub fn parse_bool(text: &str) -> Option<bool> {
    // ASCII case-folding is enough: no other character lowercases to a
    // letter of these words (it was `to_lowercase`, an allocation per test).
    // By length first: one comparison a cell, not ten (a yes/no column is
    // read by a test or two of every row).
    let t = crate::input::cells::trim(text);
    let word = |w: &str| t.eq_ignore_ascii_case(w);
    match t.len() {
        1 => match t.as_bytes()[0] {
            b'1' | b'y' | b'Y' => Some(true),
            b'0' | b'n' | b'N' => Some(false),
            _ => None,
        },
        2 => word("no").then_some(false),
        // `是` and `否` are three bytes in UTF-8.
        3 if word("yes") || t == "是" => Some(true),
        3 => (t == "否").then_some(false),
        4 => word("true").then_some(true),
        5 => word("false").then_some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// The words [`parse_bool`] reads, compared one by one: its reference.
    fn parse_bool_by_words(text: &str) -> Option<bool> {
        let t = crate::input::cells::trim(text);
        let is = |words: [&str; 5]| words.iter().any(|w| t.eq_ignore_ascii_case(w));
        if is(["true", "yes", "y", "1", "是"]) {
            Some(true)
        } else if is(["false", "no", "n", "0", "否"]) {
            Some(false)
        } else {
            None
        }
    }

    proptest::proptest! {
        #[test]
        fn booleans_are_read_as_the_word_list_says(text in "[ ]?(true|TRUE|True|false|FaLsE|yes|YES|no|No|y|Y|n|N|1|0|是|否|2|ye|tru|fals|nO|[a-z是否]{0,6})[ ]?") {
            proptest::prop_assert_eq!(parse_bool(&text), parse_bool_by_words(&text), "{:?}", text);
        }
    }

    #[test]
    fn doubled_signs_and_percents_are_not_numbers() {
        for text in ["85%%", "--5", "+-5", "-+5", "%85"] {
            assert_eq!(not_a_number(text), format!("`{text}` is not a number"), "{text}");
        }
        assert!(not_a_number("123456789012345678901234567890").contains("significant digits"));
        assert!(not_a_number("-123456789012345678901234567890 %").contains("significant digits"));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("95%"), Some(Decimal::from(95)));
        assert_eq!(parse_number(" 3.50 "), Decimal::from_str("3.50").ok());
        assert_eq!(parse_number("-2"), Some(Decimal::from(-2)));
        assert_eq!(parse_number("0.50"), Decimal::from_str("0.50").ok());
        assert_eq!(parse_number(".5"), Decimal::from_str("0.5").ok());
        assert_eq!(parse_number("5."), Some(Decimal::from(5)));
        assert_eq!(parse_number("0000000000000000000000000000000001"), Some(Decimal::ONE));
        for bad in ["", "abc", "1e5", "1,000", "NaN", ".", "1.2.3", "%", "-", "+.", "１"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
        // 29 significant digits would be rounded by a Decimal: refused instead.
        assert_eq!(parse_number("85.0049999999999999999999999999"), None);
        assert!(not_a_number("85.0049999999999999999999999999").contains("significant digits"));
        assert_eq!(parse_number("85.00499999999999999999999999").map(|d| d.to_string()), Some("85.00499999999999999999999999".into()));
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
        // Trimmed, any case; other letters that fold to ASCII (the Kelvin sign) stay themselves.
        assert_eq!(parse_bool(" TrUe\u{3000}"), Some(true));
        for other in ["tru", "yess", "\u{212A}", "nO!", ""] {
            assert_eq!(parse_bool(other), None, "{other}");
        }
    }
}
