//! Score cells read at six decimals, for the fixed-point figures
//! ([`super::fast`]): the plain shapes every export writes (`85`, `92.5`,
//! `95%`) as integers, without `Decimal`; None for anything else, which the
//! general way reads and, if it must, reports.

use crate::input::records::Row;

/// 10^(6 − decimals): brings a mantissa to six decimals.
const SCALE: [i64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// The usual cell, `85` or `92.5` (digits, at most one point, at most six
/// decimals, no sign, no `%`, no space), at six decimals; None for any
/// other, which [`parse_cell`] reads. One pass over the bytes: this runs
/// for every score of every employee.
#[inline]
fn parse_plain(text: &[u8]) -> Option<i64> {
    // 18 bytes hold at most 18 digits: no overflow below.
    if text.len() > 18 {
        return None;
    }
    let mut mantissa = 0i64;
    let mut point = None;
    for (i, &b) in text.iter().enumerate() {
        let digit = b.wrapping_sub(b'0');
        if digit < 10 {
            mantissa = mantissa * 10 + i64::from(digit);
        } else if b == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    let (digits, decimals) = match point {
        Some(p) => (text.len() - 1, text.len() - p - 1),
        None => (text.len(), 0),
    };
    if digits == 0 {
        return None;
    }
    mantissa.checked_mul(*SCALE.get(decimals)?)
}

/// [`parse_plain`] of the shapes most scores and ratings have (`5`, `85`,
/// `100`, `2.5`, `63.0`), by their positions: None for any other shape,
/// which `parse_plain` then reads (a unit test holds the two equal).
#[inline]
fn parse_short(text: &[u8]) -> Option<i64> {
    let d = |b: u8| {
        let d = b.wrapping_sub(b'0');
        (d < 10).then_some(i64::from(d))
    };
    Some(match *text {
        [a] => d(a)? * 1_000_000,
        [a, b] => (d(a)? * 10 + d(b)?) * 1_000_000,
        [a, b'.', c] => d(a)? * 1_000_000 + d(c)? * 100_000,
        [a, b, c] => (d(a)? * 100 + d(b)? * 10 + d(c)?) * 1_000_000,
        [a, b, b'.', c] => (d(a)? * 10 + d(b)?) * 1_000_000 + d(c)? * 100_000,
        _ => return None,
    })
}

/// A cell at six decimals: `85`, `92.5`, `95%`, `+3`, `.5`; None for
/// anything else, more than six decimals or more than 18 digits.
fn parse_cell(text: &[u8]) -> Option<i64> {
    let t = match text.strip_suffix(b"%") {
        Some(t) => t.trim_ascii_end(),
        None => text,
    };
    let (negative, digits) = match t.first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let value = parse_plain(digits)?;
    Some(if negative { -value } else { value })
}

/// Reads the cells of `columns` into `values`; returns how many are present
/// (not blank), or None when one is present but not a plain number, or when
/// a cell's edges are not ASCII (Unicode spaces are trimmed the general way).
pub(super) fn read_cells(row: &Row, columns: &[Option<usize>], values: &mut [i64]) -> Option<usize> {
    let mut present = 0;
    for (column, value) in columns.iter().zip(values.iter_mut()) {
        // No column, or none in this row: blank.
        let raw = match *column {
            Some(c) => row.cells.bytes(c),
            None => continue,
        };
        if let ScoreCell::Value(v) = cell_value(raw)? {
            *value = v;
            present += 1;
        }
    }
    Some(present)
}

/// The row lacks cells [`read_run`] was asked for.
#[derive(Debug, PartialEq)]
pub(super) struct NoRun;

/// [`read_cells`] of the columns `first..first + values.len()`, neighbours
/// in the file: their cells read one after another rather than each by its
/// column (a tenth of the row's figures went to looking them up): what
/// `read_cells` answers, or [`NoRun`] when the row lacks them (then read
/// them by column).
pub(super) fn read_run(row: &Row, first: usize, values: &mut [i64]) -> Result<Option<usize>, NoRun> {
    let (bytes, start, ends) = row.cells.run(first, values.len()).ok_or(NoRun)?;
    let gap = row.cells.gap() as usize;
    let (mut present, mut from) = (0, 0);
    for (&end, value) in ends.iter().zip(values.iter_mut()) {
        let to = (end - start) as usize;
        let raw = bytes.get(from..to).ok_or(NoRun)?;
        match cell_value(raw) {
            Some(ScoreCell::Value(v)) => {
                *value = v;
                present += 1;
            }
            Some(ScoreCell::Blank) => {}
            None => return Ok(None),
        }
        from = to + gap;
    }
    Ok(Some(present))
}

/// A score cell the fast path reads.
enum ScoreCell {
    Blank,
    Value(i64),
}

/// One score cell, its value at six decimals; None when it is not a plain
/// number or its edges are not ASCII.
#[inline]
fn cell_value(raw: &[u8]) -> Option<ScoreCell> {
    if raw.is_empty() {
        return Some(ScoreCell::Blank);
    }
    if let Some(v) = parse_short(raw).or_else(|| parse_plain(raw)) {
        return Some(ScoreCell::Value(v));
    }
    let text = match raw {
        // A Unicode space may need trimming: the general way.
        [first, ..] if !first.is_ascii() => return None,
        [.., last] if !last.is_ascii() => return None,
        _ => raw.trim_ascii(),
    };
    if text.is_empty() {
        return Some(ScoreCell::Blank);
    }
    parse_cell(text).map(ScoreCell::Value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::cells::Cells;

    /// 1 at six decimals.
    const ONE: i128 = 1_000_000;

    /// Every text of up to five characters from digits, a point, a sign, a
    /// letter and a space: the shapes `parse_short` reads give what
    /// `parse_plain` gives, and it reads every plain score of up to three
    /// digits with at most one decimal (the shapes it exists for).
    #[test]
    fn short_cells_read_as_plain_ones() {
        const ALPHABET: &[u8] = b"0123456789.+a ";
        let mut read = 0;
        for len in 0..=5u32 {
            for n in 0..(ALPHABET.len() as u32).pow(len) {
                let text: Vec<u8> = (0..len).map(|i| ALPHABET[(n / (ALPHABET.len() as u32).pow(i)) as usize % ALPHABET.len()]).collect();
                if let Some(short) = parse_short(&text) {
                    assert_eq!(Some(short), parse_plain(&text), "{:?}", String::from_utf8_lossy(&text));
                    read += 1;
                }
            }
        }
        // 10 + 100 + 1000 integers, 100 of `d.d` and 1000 of `dd.d`.
        assert_eq!(read, 2210);
    }

    #[test]
    fn cells_are_read_at_six_decimals_or_not_at_all() {
        let parse = |t: &str| parse_cell(t.as_bytes()).map(i128::from);
        assert_eq!(parse("85"), Some(85 * ONE));
        assert_eq!(parse("92.5"), Some(92_500_000));
        assert_eq!(parse("95%"), Some(95 * ONE));
        assert_eq!(parse("95 %"), Some(95 * ONE));
        assert_eq!(parse(".5"), Some(500_000));
        assert_eq!(parse("5."), Some(5 * ONE));
        assert_eq!(parse("-0.000001"), Some(-1));
        assert_eq!(parse("+3"), Some(3 * ONE));
        assert_eq!(parse("0.0000001"), None);
        assert_eq!(parse("1234567890123456789012"), None);
        for bad in ["", ".", "-", "%", "1e3", "1,5", "1.2.3", "８５", "85 "] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn plain_cells_read_as_the_general_way_does() {
        for text in ["85", "92.5", "0", "100", ".5", "5.", "0.000001", "000085.500000", "123456789012"] {
            assert_eq!(parse_plain(text.as_bytes()), parse_cell(text.as_bytes()), "{text:?}");
            assert!(parse_plain(text.as_bytes()).is_some(), "{text:?}");
        }
        // Left to the general way: signs, `%`, spaces, too many digits or decimals, not a number.
        for text in [
            "",
            ".",
            "-3",
            "+3",
            "95%",
            " 85",
            "85 ",
            "1.2.3",
            "0.0000001",
            "1234567890123456789",
            "123456789012345678",
            "1e3",
            "８５",
            "..5",
        ] {
            assert_eq!(parse_plain(text.as_bytes()), None, "{text:?}");
        }
    }

    proptest::proptest! {
        /// Neighbouring columns read one after another give what reading
        /// each by its column gives, in a row split at commas (cells a byte
        /// apart) and in one the csv crate read (cells one after another).
        #[test]
        fn a_run_of_cells_reads_as_each_cell_by_its_column(
            texts in proptest::collection::vec(
                proptest::prop_oneof![
                    "[0-9]{1,3}(\\.[0-9])?",
                    "[0-9]{1,2}\\.[0-9]{1,7}",
                    proptest::strategy::Just(String::new()),
                    proptest::strategy::Just(" 5 ".to_string()),
                    proptest::strategy::Just("95%".to_string()),
                    proptest::strategy::Just("x".to_string()),
                    proptest::strategy::Just("\u{3000}7".to_string()),
                ],
                1..12,
            ),
            first in 0usize..4,
            split_at_commas in proptest::bool::ANY,
        ) {
            let mut cells = Cells::default();
            if split_at_commas {
                cells.fill_plain(&texts.join(","));
            } else {
                cells = Cells::from(texts.clone());
            }
            let row = Row { cells, ..Row::default() };
            proptest::prop_assume!(first < texts.len());
            let n = texts.len() - first;
            let columns: Vec<Option<usize>> = (first..first + n).map(Some).collect();
            let (mut by_column, mut in_a_run) = ([0i64; 16], [0i64; 16]);
            let expected = read_cells(&row, &columns, &mut by_column[..n]);
            proptest::prop_assert_eq!(read_run(&row, first, &mut in_a_run[..n]), Ok(expected));
            proptest::prop_assert_eq!(by_column, in_a_run);
            // Past the row's last cell there is no run to read.
            proptest::prop_assert_eq!(read_run(&row, first, &mut in_a_run[..=n]), Err(NoRun));
        }

        /// A cell reads as the number it spells, at six decimals: its
        /// digits as one integer, scaled by the decimals it has (None with
        /// no digit or more than six decimals).
        #[test]
        fn cells_read_as_the_numbers_they_spell(
            sign in "[+-]?",
            whole in "[0-9]{0,9}",
            fraction in proptest::option::of("[0-9]{0,8}"),
            percent in "%?",
        ) {
            let decimals = fraction.as_ref().map_or(0, String::len);
            let text = format!("{sign}{whole}{}{percent}", fraction.as_ref().map_or(String::new(), |f| format!(".{f}")));
            let digits = format!("{whole}{}", fraction.clone().unwrap_or_default());
            let expected = (!digits.is_empty() && decimals <= 6).then(|| {
                let value = digits.parse::<i64>().unwrap() * 10i64.pow(6 - decimals as u32);
                if sign == "-" { -value } else { value }
            });
            proptest::prop_assert_eq!(parse_cell(text.as_bytes()), expected, "{}", text);
            if sign.is_empty() && percent.is_empty() {
                proptest::prop_assert_eq!(parse_plain(text.as_bytes()), expected, "{}", text);
            }
        }
    }
}
