//! Exact money: integer minor units (cents). Parsed from text, summed as integers, turned into
//! `f64` only for display and JSON. Parsing lives here too, so there is one money grammar.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// An amount of the project currency in minor units (1/100).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

impl Money {
    pub const ZERO: Money = Money(0);

    /// From whole currency units (tests and the demo generator).
    pub const fn units(units: i64) -> Money {
        Money(units * 100)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    /// The amount in currency units as `f64`, for display and JSON only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parse a decimal number such as `1234`, `-12.5`, `0.07`, `1e3` is not accepted.
    /// More than two decimals are rounded half away from zero to the cent (exports often carry
    /// `33.333333`). No thousands separators, no currency symbols.
    pub fn parse(text: &str) -> Option<Money> {
        let bytes = text.as_bytes();
        let (negative, digits) = match bytes.first()? {
            b'-' => (true, &bytes[1..]),
            b'+' => (false, &bytes[1..]),
            _ => (false, bytes),
        };
        let mut whole: i64 = 0;
        let mut frac: i64 = 0;
        let mut frac_digits = 0u32;
        let mut round_up = false;
        let mut seen_digit = false;
        let mut seen_dot = false;
        for &b in digits {
            match b {
                b'0'..=b'9' => {
                    seen_digit = true;
                    let d = i64::from(b - b'0');
                    if !seen_dot {
                        whole = whole.checked_mul(10)?.checked_add(d)?;
                    } else if frac_digits < 2 {
                        frac = frac * 10 + d;
                        frac_digits += 1;
                    } else if frac_digits == 2 {
                        round_up = d >= 5;
                        frac_digits += 1;
                    }
                }
                b'.' if !seen_dot => seen_dot = true,
                _ => return None,
            }
        }
        if !seen_digit {
            return None;
        }
        while frac_digits < 2 {
            frac *= 10;
            frac_digits += 1;
        }
        let mut cents = whole.checked_mul(100)?.checked_add(frac)?;
        if round_up {
            cents = cents.checked_add(1)?;
        }
        Some(Money(if negative { -cents } else { cents }))
    }
}

impl fmt::Display for Money {
    /// Plain decimal with two places (`1234.50`), as written back to CSV by the demo.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Mul<i64> for Money {
    type Output = Money;
    fn mul(self, rhs: i64) -> Money {
        Money(self.0 * rhs)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        Money(iter.map(|m| m.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly() {
        assert_eq!(Money::parse("1234"), Some(Money(123_400)));
        assert_eq!(Money::parse("1234.5"), Some(Money(123_450)));
        assert_eq!(Money::parse("0.07"), Some(Money(7)));
        assert_eq!(Money::parse("-12.34"), Some(Money(-1234)));
        assert_eq!(Money::parse(".5"), Some(Money(50)));
        // Three or more decimals round half away from zero to the cent.
        assert_eq!(Money::parse("33.335"), Some(Money(3334)));
        assert_eq!(Money::parse("33.334999"), Some(Money(3333)));
        assert_eq!(Money::parse("-0.005"), Some(Money(-1)));
    }

    #[test]
    fn rejects_what_is_not_a_plain_decimal() {
        for bad in [
            "", "-", ".", "1,234", "$12", "1e3", "12.3.4", "12 ", " 12", "abc",
        ] {
            assert_eq!(Money::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn sums_a_tenth_of_a_cent_free() {
        // 0.1 + 0.2 is exactly 0.30 in cents, unlike binary floating point.
        let total: Money = ["0.1", "0.2"].iter().filter_map(|s| Money::parse(s)).sum();
        assert_eq!(total, Money(30));
        assert_eq!(total.to_string(), "0.30");
        assert_eq!(Money(-5).to_string(), "-0.05");
    }
}
