//! Text bound for a terminal (the table, explain/what-if text, notes and
//! errors on stderr) with its control characters shown escaped: a cell
//! holding ESC, OSC, BEL, CR or a bidi override must not move the cursor,
//! retitle the window, hide what follows or reorder a line. Machine formats
//! (json, ndjson, csv) keep the data exact and never pass through here.

use std::borrow::Cow;

/// Whether `c` is shown escaped: C0 controls but line feed and tab (the
/// layout of multi-line messages), DEL, C1 controls, and the bidirectional
/// embeddings, overrides and isolates (they reorder the rest of a line:
/// "Trojan Source").
fn is_unsafe(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// `text` with every unsafe character written as `\u{…}` (Rust's notation,
/// so `\u{1b}` for ESC); text without one is borrowed as it is.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_overrides_are_escaped_the_rest_is_kept() {
        assert_eq!(safe("\u{1b}]0;pwn\u{7}x\u{1b}[31mred\r"), "\\u{1b}]0;pwn\\u{7}x\\u{1b}[31mred\\u{d}");
        assert_eq!(safe("a\u{202e}b\u{9b}c\u{7f}"), "a\\u{202e}b\\u{9b}c\\u{7f}");
        assert_eq!(safe("张伟\tline\nnext"), "张伟\tline\nnext");
        assert!(matches!(safe("plain"), Cow::Borrowed(_)));
    }
}
