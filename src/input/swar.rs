//! Eight bytes at a time: finding ASCII bytes in text with a few word
//! operations instead of a branch per byte. Every mask is exact (bytes never
//! carry into each other), which the property tests check byte by byte.

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// A word of eight bytes, the first in the lowest byte.
#[inline]
pub fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

/// The top bit of each byte of `word` that is `byte`, and of no other.
#[inline]
pub fn equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    // Adding within the low 7 bits never carries into the next byte.
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The top bit of each byte of `word` below `n` (1 ≤ n ≤ 0x80), and of no other.
#[inline]
pub fn below(word: u64, n: u8) -> u64 {
    debug_assert!((1..=0x80).contains(&n));
    // A byte b < 0x80 is below n exactly when b + (0x80 − n) stays below 0x80.
    let t = (word & LOW7) + ONES * u64::from(0x80 - n);
    !(t | word) & HIGH
}

/// Does any byte of `bytes` set a top bit in `mask`? `mask` must leave
/// bytes of `pad` unmarked: a text shorter than a word is padded with it.
#[inline]
pub fn any(bytes: &[u8], pad: u8, mask: impl Fn(u64) -> u64) -> bool {
    if bytes.len() < 8 {
        // Most cells of a report are this short: the word is built here,
        // not copied into by `memcpy` (a call for each cell).
        let mut w = u64::from_le_bytes([pad; 8]);
        for (i, &b) in bytes.iter().enumerate() {
            w = (w & !(0xFF << (8 * i))) | (u64::from(b) << (8 * i));
        }
        return mask(w) != 0;
    }
    let mut words = bytes.chunks_exact(8);
    if words.by_ref().any(|w| mask(word(w)) != 0) {
        return true;
    }
    // The last eight bytes hold the rest (bytes looked at twice change no answer).
    !words.remainder().is_empty() && mask(word(&bytes[bytes.len() - 8..])) != 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn marked(mask: u64) -> Vec<bool> {
        (0..8).map(|i| mask >> (8 * i + 7) & 1 == 1).collect()
    }

    proptest! {
        #[test]
        fn masks_mark_exactly_the_bytes(bytes in proptest::array::uniform8(proptest::arbitrary::any::<u8>()), byte in proptest::arbitrary::any::<u8>(), n in 1u8..=0x80) {
            let w = u64::from_le_bytes(bytes);
            prop_assert_eq!(marked(equal(w, byte)), bytes.iter().map(|&b| b == byte).collect::<Vec<_>>());
            prop_assert_eq!(marked(below(w, n)), bytes.iter().map(|&b| b < n).collect::<Vec<_>>());
        }

        #[test]
        fn any_finds_a_byte_wherever_it_is(bytes in proptest::collection::vec(prop_oneof![Just(b'"'), Just(b'#'), Just(b'!'), proptest::arbitrary::any::<u8>()], 0..30)) {
            prop_assert_eq!(super::any(&bytes, b'a', |w| equal(w, b'"')), bytes.contains(&b'"'));
        }
    }

    #[test]
    fn neighbours_of_a_match_are_not_marked() {
        // `-` is `,` ^ 1 and `+` is `,` − 1: the classic zero-byte trick marks them after a comma.
        let w = u64::from_le_bytes(*b",-+,,-a\x80");
        assert_eq!(marked(equal(w, b',')), [true, false, false, true, true, false, false, false]);
        let w = u64::from_le_bytes(*b"\x1f \x00!\x7f\x80\xff\x20");
        assert_eq!(marked(below(w, 0x20)), [true, false, true, false, false, false, false, false]);
    }
}
