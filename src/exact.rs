//! Exact arithmetic for every figure `ladder` computes.
//!
//! Inputs arrive as decimal text; intermediate values (a converted raw
//! measure, a competency group's mean) can be non-terminating decimals such
//! as 10/3, so they are kept as exact rationals. Only the figures SPEC §4
//! names are rounded — once, to 2 decimals, half away from zero — and the
//! rounded value is a `Decimal`, which is what gets compared and printed.

use num_bigint::BigInt;
use num_rational::{BigRational, Ratio};
use num_traits::{CheckedAdd, CheckedDiv, CheckedMul, CheckedSub, Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;
use std::fmt;

/// An exact rational value. Arithmetic is checked: an overflow (only
/// possible with absurdly precise inputs) is reported, never wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Exact(Ratio<i128>);

/// The one arithmetic failure: a value too precise to hold exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a figure is too large or too precise to compute exactly")
    }
}

impl std::error::Error for Overflow {}

pub type ExactResult = Result<Exact, Overflow>;

// `add`, `sub`, `mul`, `div` return a Result (an overflow is reported, never
// wrapped), so they cannot be the operator traits.
#[allow(clippy::should_implement_trait)]
impl Exact {
    pub const ZERO: Exact = Exact(Ratio::new_raw(0, 1));

    pub fn from_int(n: i64) -> Exact {
        Exact(Ratio::from_integer(i128::from(n)))
    }

    pub fn from_decimal(d: Decimal) -> Exact {
        // A Decimal is mantissa / 10^scale with a 96-bit mantissa and scale <= 28,
        // so both fit an i128. Left unreduced: comparisons and arithmetic do not
        // need it, and reducing costs a gcd per value.
        Exact(Ratio::new_raw(d.mantissa(), POW10[d.scale() as usize]))
    }

    pub fn add(self, other: Exact) -> ExactResult {
        self.0.checked_add(&other.0).map(Exact).ok_or(Overflow)
    }

    pub fn sub(self, other: Exact) -> ExactResult {
        self.0.checked_sub(&other.0).map(Exact).ok_or(Overflow)
    }

    pub fn mul(self, other: Exact) -> ExactResult {
        self.0.checked_mul(&other.0).map(Exact).ok_or(Overflow)
    }

    pub fn div(self, other: Exact) -> ExactResult {
        if other.0.is_zero() {
            return Err(Overflow);
        }
        self.0.checked_div(&other.0).map(Exact).ok_or(Overflow)
    }

    pub fn div_int(self, n: usize) -> ExactResult {
        self.div(Exact::from_int(n as i64))
    }

    pub fn is_negative(self) -> bool {
        self.0.is_negative()
    }

    /// Rounds to 2 decimals, half away from zero: the only rounding `ladder` does.
    pub fn round2(self) -> Result<Decimal, Overflow> {
        let numer = i128::checked_mul(*self.0.numer(), 100).ok_or(Overflow)?;
        let denom = *self.0.denom(); // always positive in a reduced Ratio
        let quotient = numer / denom;
        let remainder = (numer % denom).abs();
        // Half away from zero: bump the magnitude when 2·remainder >= denominator.
        let twice = i128::checked_mul(remainder, 2).ok_or(Overflow)?;
        let magnitude_bump = i128::from(twice >= denom);
        let rounded = if numer < 0 { quotient - magnitude_bump } else { quotient + magnitude_bump };
        Decimal::try_from_i128_with_scale(rounded, 2).map_err(|_| Overflow)
    }

    /// Sum of values, exact.
    pub fn sum<I: IntoIterator<Item = Exact>>(values: I) -> ExactResult {
        values.into_iter().try_fold(Exact::ZERO, Exact::add)
    }

    /// Mean of values, exact; `None` for no values.
    pub fn mean<I: IntoIterator<Item = Exact>>(values: I) -> Option<ExactResult> {
        let mut count = 0usize;
        let mut total = Exact::ZERO;
        for v in values {
            count += 1;
            total = match total.add(v) {
                Ok(t) => t,
                Err(e) => return Some(Err(e)),
            };
        }
        (count > 0).then(|| total.div_int(count))
    }
}

/// A rational of any size: the fallback when an [`Exact`] computation
/// overflows 128 bits (a common denominator of many coprime group sizes or
/// `scoring` spans). Slower, so only used after the checked path refused.
pub fn big(e: Exact) -> BigRational {
    BigRational::new(BigInt::from(*e.0.numer()), BigInt::from(*e.0.denom()))
}

pub fn big_decimal(d: Decimal) -> BigRational {
    big(Exact::from_decimal(d))
}

/// Rounds to 2 decimals, half away from zero, like [`Exact::round2`]; an
/// error only when the rounded figure itself does not fit a Decimal.
pub fn round2_big(r: &BigRational) -> Result<Decimal, Overflow> {
    let numer = r.numer() * BigInt::from(100);
    let denom = r.denom(); // positive: BigRational::new normalizes the sign
    if denom.is_zero() {
        return Err(Overflow);
    }
    // Truncating division: the remainder has the numerator's sign.
    let (quotient, remainder) = (&numer / denom, &numer % denom);
    let bump = remainder.abs() * BigInt::from(2) >= denom.abs();
    let rounded = match (bump, numer.is_negative()) {
        (false, _) => quotient,
        (true, false) => quotient + 1,
        (true, true) => quotient - 1,
    };
    Decimal::try_from_i128_with_scale(rounded.to_i128().ok_or(Overflow)?, 2).map_err(|_| Overflow)
}

/// The mean of `values` rounded to 2 decimals, exact whatever the
/// denominators: rationals in 128 bits, or of any size when those overflow.
/// None for no values.
pub fn mean_round2(values: &[Exact]) -> Result<Option<Decimal>, Overflow> {
    match Exact::mean(values.iter().copied()) {
        None => Ok(None),
        Some(Ok(m)) => match m.round2() {
            Ok(r) => Ok(Some(r)),
            Err(_) => mean_big(values).map(Some),
        },
        Some(Err(_)) => mean_big(values).map(Some),
    }
}

fn mean_big(values: &[Exact]) -> Result<Decimal, Overflow> {
    let total: BigRational = values.iter().map(|v| big(*v)).sum();
    round2_big(&(total / BigInt::from(values.len())))
}

/// 10^0 ..= 10^28.
const POW10: [i128; 29] = {
    let mut table = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

/// `a.cmp(&b)`, on aligned `i128` mantissas where the scales differ by at
/// most 9 (`Decimal`'s own comparison rescales through 96-bit arithmetic,
/// several times slower; a rule test compares a figure at 2 decimals with
/// a whole number, a million rows times several tests).
pub fn compare(a: Decimal, b: Decimal) -> std::cmp::Ordering {
    let (sa, sb) = (a.scale() as usize, b.scale() as usize);
    let (ma, mb) = (a.mantissa(), b.mantissa());
    // |m| < 2^96 and 10^9 < 2^30: an aligned mantissa stays below 2^126.
    if sa >= sb && sa - sb <= 9 {
        ma.cmp(&(mb * POW10[sa - sb]))
    } else if sb > sa && sb - sa <= 9 {
        (ma * POW10[sb - sa]).cmp(&mb)
    } else {
        a.cmp(&b)
    }
}

/// Is `v` within `min..=max`? Every score cell is range-checked and
/// `Decimal`'s comparison is slow, so small bounds (the scales' 0..100 and
/// 1..5) are compared as aligned i128 integers; anything wider falls back.
pub fn within(v: Decimal, min: Decimal, max: Decimal) -> bool {
    // Compares `a` with a bound `b`; one whose mantissa is below 2^31 and
    // scale at most 18 is aligned to `a` whatever `a`'s scale.
    fn cmp(a: Decimal, b: Decimal) -> std::cmp::Ordering {
        let (sa, sb) = (a.scale() as usize, b.scale() as usize);
        let mb = b.mantissa();
        if sb <= 18 && mb.unsigned_abs() < 1 << 31 && sa >= sb {
            // |mb| < 2^31, 10^(sa - sb) <= 10^28 < 2^94: the product is below 2^125.
            a.mantissa().cmp(&(mb * POW10[sa - sb]))
        } else {
            compare(a, b)
        }
    }
    cmp(v, min).is_ge() && cmp(v, max).is_le()
}

/// `a × b`, or None when the exact product does not fit a Decimal (rust_decimal
/// would round it; `ladder` never rounds silently). Computed on the
/// mantissas, so exactness does not hang on how rust_decimal scales a zero.
pub fn mul_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale() + b.scale();
    let product = a.mantissa().checked_mul(b.mantissa())?;
    if scale > 28 {
        // Only a zero needs no more than 28 decimals here.
        return (product == 0).then_some(Decimal::ZERO);
    }
    Decimal::try_from_i128_with_scale(product, scale).ok()
}

/// `a + b`, or None when the exact sum does not fit a Decimal: the mantissas
/// aligned to the larger scale and added as integers. (Checking the scale
/// of rust_decimal's sum instead refused `0 + 0.0`, whose zero it scales
/// its own way: a row of zero scores was an error.)
pub fn add_exact(a: Decimal, b: Decimal) -> Option<Decimal> {
    let scale = a.scale().max(b.scale());
    let aligned = |d: Decimal| d.mantissa().checked_mul(POW10[(scale - d.scale()) as usize]);
    let sum = aligned(a)?.checked_add(aligned(b)?)?;
    Decimal::try_from_i128_with_scale(sum, scale).ok()
}

/// `num / den` rounded to 2 decimals, half away from zero, computed exactly
/// with integers (no intermediate rounding); the fast path of every figure.
pub fn round_ratio(num: Decimal, den: Decimal) -> Result<Decimal, Overflow> {
    if den.is_zero() {
        return Err(Overflow);
    }
    // num = a / 10^p, den = b / 10^q, so num / den × 100 = a × 10^q × 100 / (b × 10^p).
    let fast = || -> Option<Decimal> {
        let n = num.mantissa().checked_mul(POW10[den.scale() as usize])?.checked_mul(100)?;
        let d = den.mantissa().checked_mul(POW10[num.scale() as usize])?;
        let (n, d) = if d < 0 { (n.checked_neg()?, d.checked_neg()?) } else { (n, d) };
        let quotient = n / d;
        let remainder = (n % d).abs();
        let bump = i128::from(remainder.checked_mul(2)? >= d);
        let rounded = if n < 0 { quotient - bump } else { quotient + bump };
        Decimal::try_from_i128_with_scale(rounded, 2).ok()
    };
    match fast() {
        Some(r) => Ok(r),
        None => Exact::from_decimal(num).div(Exact::from_decimal(den))?.round2(),
    }
}

/// Rounds an exact decimal to 2 places, half away from zero.
pub fn round2_decimal(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// Formats a figure with at most 2 decimals and no trailing zeros (`85.5`, `90`).
pub fn format_figure(d: Decimal) -> String {
    FigureText::new(d).as_str().to_string()
}

/// A figure's text as [`format_figure`] writes it, on the stack: a million
/// rows print several million figures, and allocating each was a measurable
/// part of writing a row.
pub enum FigureText {
    /// The usual figure, 2 decimals or fewer and a whole part within `u64`:
    /// at most a sign, 20 digits, a point and 2 decimals.
    Inline {
        bytes: [u8; 24],
        len: u8,
    },
    Other(String),
}

impl FigureText {
    pub fn new(d: Decimal) -> FigureText {
        let mut text = Inline::default();
        if push_usual_figure(d, |part| text.push(part)) {
            return FigureText::Inline { bytes: text.bytes, len: text.len as u8 };
        }
        FigureText::Other(unusual_figure(d))
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Only ASCII digits, `-` and `.` are pushed.
            FigureText::Inline { bytes, len } => std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default(),
            FigureText::Other(s) => s,
        }
    }
}

/// Appends a figure's text as [`format_figure`] writes it to `out` (the
/// writers of csv and json rows: no UTF-8 check, no copy through a buffer).
pub fn append_figure(d: Decimal, out: &mut Vec<u8>) {
    if !push_usual_figure(d, |part| out.extend_from_slice(part)) {
        out.extend_from_slice(unusual_figure(d).as_bytes());
    }
}

/// Pushes the text of the usual figure, 2 decimals or fewer and a whole
/// part within `u64`, in parts; false, having pushed nothing, for any other.
#[inline]
fn push_usual_figure(d: Decimal, mut push: impl FnMut(&[u8])) -> bool {
    // Every computed figure already has 2 decimals: print its digits
    // directly (`format!` and 128-bit integers made this a tenth of
    // writing a row).
    let magnitude = u64::try_from(d.mantissa().unsigned_abs());
    let (Ok(magnitude), scale @ 0..=2) = (magnitude, d.scale()) else { return false };
    // Divisions by constants, in 64 bits: a 128-bit division was most of the cost.
    let (whole, mut fraction, mut places) = match scale {
        0 => (magnitude, 0, 0),
        1 => (magnitude / 10, (magnitude % 10) as u8, 1),
        _ => (magnitude / 100, (magnitude % 100) as u8, 2),
    };
    while places > 0 && fraction % 10 == 0 {
        fraction /= 10;
        places -= 1;
    }
    if d.mantissa() < 0 {
        push(b"-");
    }
    push(itoa::Buffer::new().format(whole).as_bytes());
    match places {
        0 => {}
        1 => push(&[b'.', b'0' + fraction]),
        _ => push(&[b'.', b'0' + fraction / 10, b'0' + fraction % 10]),
    }
    true
}

/// Any other figure (more decimals, or beyond `u64`): the general way.
fn unusual_figure(d: Decimal) -> String {
    round2_decimal(d).normalize().to_string()
}

#[derive(Default)]
struct Inline {
    bytes: [u8; 24],
    len: usize,
}

impl Inline {
    fn push(&mut self, part: &[u8]) {
        self.bytes[self.len..self.len + part.len()].copy_from_slice(part);
        self.len += part.len();
    }
}

/// Formats a figure with exactly 2 decimals (`85.50`), for tables.
pub fn format_figure_fixed(d: Decimal) -> String {
    let mut r = round2_decimal(d);
    r.rescale(2);
    r.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    proptest! {
        /// The aligned comparison is `Decimal`'s, on every scale and size.
        #[test]
        fn compare_is_decimals_own(lo in any::<u32>(), mid in prop_oneof![Just(0u32), any::<u32>()], hi in prop_oneof![Just(0u32), any::<u32>()],
                                    negative in any::<bool>(), scale in 0u32..=28,
                                    other in any::<i64>(), other_scale in 0u32..=28) {
            let a = Decimal::from_parts(lo, mid, hi, negative, scale);
            let b = Decimal::new(other, other_scale);
            prop_assert_eq!(compare(a, b), a.cmp(&b));
            prop_assert_eq!(compare(b, a), b.cmp(&a));
            prop_assert_eq!(compare(a, a), std::cmp::Ordering::Equal);
            // Equal values at other scales (85 and 85.00).
            let c = Decimal::new(other, 0);
            let mut scaled = c;
            scaled.rescale(other_scale.min(9));
            prop_assert_eq!(compare(c, scaled), c.cmp(&scaled));
        }
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn ex(s: &str) -> Exact {
        Exact::from_decimal(d(s))
    }

    #[test]
    fn rounds_half_away_from_zero_at_the_third_decimal() {
        assert_eq!(ex("0.005").round2().unwrap(), d("0.01"));
        assert_eq!(ex("0.004999").round2().unwrap(), d("0.00"));
        assert_eq!(ex("84.995").round2().unwrap(), d("85.00"));
        assert_eq!(ex("-0.005").round2().unwrap(), d("-0.01"));
        assert_eq!(ex("2.675").round2().unwrap(), d("2.68")); // 2.675 is 2.67499.. as f64
    }

    #[test]
    fn thirds_stay_exact_until_rounded() {
        // 30 × (10/3) / 100 = 1 exactly; plus 2.495 is 3.495 → 3.50.
        let third_sum = ex("10").div_int(3).unwrap();
        let part = third_sum.mul(ex("30")).unwrap().div(ex("100")).unwrap();
        let total = part.add(ex("2.495")).unwrap();
        assert_eq!(total.round2().unwrap(), d("3.50"));
    }

    #[test]
    fn mean_of_nothing_is_none() {
        assert!(Exact::mean(Vec::new()).is_none());
        assert_eq!(Exact::mean(vec![ex("85"), ex("86")]).unwrap().unwrap().round2().unwrap(), d("85.50"));
    }

    #[test]
    fn round_ratio_is_exact() {
        assert_eq!(round_ratio(d("84.995"), d("1")).unwrap(), d("85.00"));
        assert_eq!(round_ratio(d("8499.5"), d("100")).unwrap(), d("85.00"));
        assert_eq!(round_ratio(d("10"), d("3")).unwrap(), d("3.33"));
        assert_eq!(round_ratio(d("20"), d("3")).unwrap(), d("6.67"));
        assert_eq!(round_ratio(d("-0.005"), d("1")).unwrap(), d("-0.01"));
        assert_eq!(round_ratio(d("1"), d("-0.008")).unwrap(), d("-125"));
        assert_eq!(round_ratio(d("0.3"), d("0.1")).unwrap(), d("3"));
        assert!(round_ratio(d("1"), d("0")).is_err());
        // Too wide for the integer path: falls back to rationals, still exact.
        let big = Decimal::MAX;
        assert_eq!(round_ratio(big, big).unwrap(), d("1"));
    }

    #[test]
    fn exact_mul_and_add_refuse_to_round() {
        assert_eq!(mul_exact(d("0.5"), d("85.25")), Some(d("42.625")));
        assert_eq!(mul_exact(d("0.0000000000000001"), d("0.0000000000000001")), None);
        assert_eq!(add_exact(d("0.1"), d("0.02")), Some(d("0.12")));
        assert_eq!(add_exact(Decimal::MAX, d("1")), None);
        // Zeros of any scale add up exactly.
        assert_eq!(add_exact(d("0"), d("0.0")), Some(d("0")));
        assert_eq!(add_exact(d("0.000"), d("5.5")), Some(d("5.5")));
        assert_eq!(add_exact(d("0.00"), d("-0.0")), Some(d("0")));
        assert_eq!(mul_exact(d("0.00"), d("70")), Some(d("0")));
        assert_eq!(mul_exact(d("0.00000000000000000001"), d("0.00000000000000000001")), None);
        assert_eq!(mul_exact(d("0.00000000000000000000"), d("0.00000000000000000001")), Some(d("0")));
    }

    #[test]
    fn big_rationals_round_like_exact_ones() {
        for text in ["0.005", "0.004999", "84.995", "-0.005", "-84.995", "2.675", "3.875", "0", "-0.0049"] {
            assert_eq!(round2_big(&big_decimal(d(text))).unwrap(), ex(text).round2().unwrap(), "{text}");
        }
        // 1/3 and -2/3.
        assert_eq!(round2_big(&BigRational::new(1.into(), 3.into())).unwrap(), d("0.33"));
        assert_eq!(round2_big(&BigRational::new((-2).into(), 3.into())).unwrap(), d("-0.67"));
        // Too large to print as a Decimal: an error, not a wrapped figure.
        assert!(round2_big(&BigRational::from_integer(BigInt::from(1) << 200)).is_err());
    }

    #[test]
    fn means_past_128_bits_stay_exact() {
        // Thirty values whose denominators are distinct primes' powers of ten
        // apart are fine in i128; values with 28 decimals each and coprime
        // counts overflow it when summed with a third: the big path answers.
        let tiny = Exact::from_decimal(Decimal::from_i128_with_scale(1, 28));
        let third = ex("10").div_int(3).unwrap();
        let odd = Exact(Ratio::new(1, i128::MAX / 7));
        let values = [tiny, third, odd, ex("3.875")];
        assert!(Exact::sum(values).is_err(), "the case must overflow 128 bits");
        // (10/3 + 3.875 + tiny + odd) / 4 = 1.80208..., rounds to 1.80.
        assert_eq!(mean_round2(&values).unwrap(), Some(d("1.80")));
        assert_eq!(mean_round2(&[]).unwrap(), None);
    }

    #[test]
    fn unreduced_values_compare_by_value() {
        assert_eq!(ex("2.50"), ex("2.5"));
        assert!(ex("2.50") < ex("2.51"));
    }

    #[test]
    fn within_agrees_with_decimal_ordering() {
        let values = [
            "0",
            "-0.5",
            "85",
            "85.00",
            "84.999",
            "100",
            "100.0001",
            "-100",
            "3.5",
            "79228162514264337593543950335",
            "-79228162514264337593543950335",
            "0.0000000000000000000000000001",
            "2147483648",
            "0.000000000000000000001",
        ];
        for v in values {
            for lo in values {
                for hi in values {
                    let expected = d(v) >= d(lo) && d(v) <= d(hi);
                    assert_eq!(within(d(v), d(lo), d(hi)), expected, "{v} in {lo}..={hi}");
                }
            }
        }
    }

    /// Both writers of a figure's text write the normalized decimal.
    fn check_figure(d: Decimal) {
        let expected = round2_decimal(d).normalize().to_string();
        assert_eq!(format_figure(d), expected, "{d}");
        let mut out = b"x,".to_vec();
        append_figure(d, &mut out);
        assert_eq!(out, format!("x,{expected}").into_bytes(), "{d}");
    }

    #[test]
    fn figures_print_as_the_normalized_decimal() {
        for scale in 0..=3 {
            for m in -20_500i64..=20_500 {
                check_figure(Decimal::new(m, scale));
            }
        }
        let wide = |m: i128, scale| Decimal::from_i128_with_scale(m, scale);
        let u64_max = i128::from(u64::MAX);
        for d in [
            Decimal::MAX,
            Decimal::MIN,
            Decimal::new(-1, 28),
            Decimal::new(5, 3),
            wide(u64_max, 2),
            wide(-u64_max, 1),
            wide(u64_max + 1, 2),
        ] {
            check_figure(d);
        }
    }

    #[test]
    fn formats_figures() {
        assert_eq!(format_figure(d("85.50")), "85.5");
        assert_eq!(format_figure(d("90.00")), "90");
        assert_eq!(format_figure_fixed(d("90")), "90.00");
    }
}
