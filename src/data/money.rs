//! Exact money: integer minor units (cents). Parsed from text, summed as integers, turned into
//! `f64` only for display and JSON. Parsing lives here too, so there is one money grammar.
//!
//! Why no sum overflows `i64` (about 9.2e18 cents): the loader accepts an amount of at most
//! `Money::MAX_AMOUNT` (10^13 currency units, 10^15 cents: more than any one contract in any
//! currency, a billion-dollar ARR in Indonesian rupiah included) and a money column whose amounts
//! add up to at most `Money::MAX_TOTAL` (10^15 units, 10^17 cents) over its whole file; both are
//! data errors beyond that. The bound on one amount alone would not do: ten thousand rows at the
//! bound already pass `i64`. Every sum the metric engine forms (an MRR bridge, a month's MRR, a
//! cohort's revenue, the ARR of a set of renewals, the forecasts of a week) adds amounts of one
//! column, each row at most once, so it is at most that column's total; the largest expression
//! built on such a sum is a total times 12 (ARR from MRR) plus or minus a few more totals, under
//! 2e18 cents. `Money`'s operators therefore use plain `i64` arithmetic; a value built outside
//! the loader (tests, the demo generator) keeps to the same bounds.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

/// An amount of the project currency in minor units (1/100).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(pub i64);

/// Why a text is not an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoneyError {
    /// Not a plain decimal number.
    Syntax,
    /// A decimal number, but beyond `Money::MAX_AMOUNT` either way.
    OutOfRange,
}

impl Money {
    pub const ZERO: Money = Money(0);

    /// The largest amount a data file may hold, either sign: 10^13 currency units.
    pub const MAX_AMOUNT: Money = Money(1_000_000_000_000_000);

    /// The largest sum of one money column over its whole file: 10^15 currency units (see the
    /// module header for why this bound keeps every sum of the engine inside `i64`).
    pub const MAX_TOTAL: Money = Money(100_000_000_000_000_000);

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
    /// `33.333333`). No thousands separators, no currency symbols. None beyond `MAX_AMOUNT`.
    pub fn parse(text: &str) -> Option<Money> {
        Money::parse_checked(text).ok()
    }

    /// `parse`, telling a text that is no number from a number beyond `MAX_AMOUNT`, whatever
    /// its number of digits (it never overflows).
    pub fn parse_checked(text: &str) -> Result<Money, MoneyError> {
        let bytes = text.as_bytes();
        let (negative, digits) = match bytes.first() {
            None => return Err(MoneyError::Syntax),
            Some(b'-') => (true, &bytes[1..]),
            Some(b'+') => (false, &bytes[1..]),
            Some(_) => (false, bytes),
        };
        // Whole units above this are out of range; checked before each step, so `whole` stays
        // far from overflow however many digits follow.
        const MAX_UNITS: i64 = Money::MAX_AMOUNT.0 / 100;
        let mut too_large = false;
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
                        if whole > MAX_UNITS {
                            too_large = true;
                        } else {
                            whole = whole * 10 + d;
                        }
                    } else if frac_digits < 2 {
                        frac = frac * 10 + d;
                        frac_digits += 1;
                    } else if frac_digits == 2 {
                        round_up = d >= 5;
                        frac_digits += 1;
                    }
                }
                b'.' if !seen_dot => seen_dot = true,
                _ => return Err(MoneyError::Syntax),
            }
        }
        if !seen_digit {
            return Err(MoneyError::Syntax);
        }
        while frac_digits < 2 {
            frac *= 10;
            frac_digits += 1;
        }
        // `whole` is at most 10 × MAX_UNITS + 9 here: no overflow in cents.
        let cents = whole * 100 + frac + i64::from(round_up);
        if too_large || cents > Money::MAX_AMOUNT.0 {
            return Err(MoneyError::OutOfRange);
        }
        Ok(Money(if negative { -cents } else { cents }))
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
    fn bounds_amounts_without_overflow() {
        // 10^13 units is the largest amount; one cent more, or 9.2e16 (which wrapped `i64`
        // cents before), or a thousand digits, is out of range rather than wrong.
        assert_eq!(
            Money::parse_checked("10000000000000"),
            Ok(Money::MAX_AMOUNT)
        );
        assert_eq!(
            Money::parse_checked("-10000000000000.00"),
            Ok(Money(-Money::MAX_AMOUNT.0))
        );
        for big in [
            "10000000000000.01",
            "92233720368547758.07",
            "-92233720368547758.08",
            "10000000000000.005",
        ] {
            assert_eq!(
                Money::parse_checked(big),
                Err(MoneyError::OutOfRange),
                "{big}"
            );
        }
        let long = "9".repeat(1000);
        assert_eq!(Money::parse_checked(&long), Err(MoneyError::OutOfRange));
        assert_eq!(Money::parse(&long), None);
        assert_eq!(
            Money::parse_checked(&format!("{long}x")),
            Err(MoneyError::Syntax)
        );
        // 9,999,999,999,999.994 rounds down to the bound's last cent below it.
        assert_eq!(
            Money::parse_checked("9999999999999.994"),
            Ok(Money(Money::MAX_AMOUNT.0 - 1))
        );
        // The module header's argument: 12 totals at the bound fit in i64.
        assert!(Money::MAX_TOTAL.0.checked_mul(12 * 7).is_some());
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
