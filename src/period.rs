//! Periods: ISO weeks, months, quarters and years (with a configurable fiscal start), `ttm`,
//! the latest complete period for an as-of date, the previous period and the same period a year
//! earlier. Pure calendar arithmetic; knows nothing about metrics.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// A calendar month as a single integer (`year * 12 + month0`), cheap to index and compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month(pub i32);

impl Month {
    /// The month `year-month` (month is 1..=12).
    pub fn new(year: i32, month: u32) -> Month {
        Month(year * 12 + month as i32 - 1)
    }

    /// The month containing `date`.
    pub fn of(date: NaiveDate) -> Month {
        Month::new(date.year(), date.month())
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1..=12
    pub fn month(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    /// The month `n` months later (or earlier when negative).
    pub fn plus(self, n: i32) -> Month {
        Month(self.0 + n)
    }

    pub fn prev(self) -> Month {
        self.plus(-1)
    }

    pub fn next(self) -> Month {
        self.plus(1)
    }

    /// First day of the month.
    pub fn first_day(self) -> NaiveDate {
        // Every Month built from a valid date or year/month maps to a valid first day.
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1).unwrap_or(NaiveDate::MIN)
    }

    /// Last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    /// Parse `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Month> {
        let b = text.as_bytes();
        if b.len() != 7 || b[4] != b'-' {
            return None;
        }
        let year: i32 = text[..4].parse().ok()?;
        let month: u32 = text[5..].parse().ok()?;
        if !(1..=12).contains(&month)
            || !b[..4].iter().all(u8::is_ascii_digit)
            || !b[5..].iter().all(u8::is_ascii_digit)
        {
            return None;
        }
        Some(Month::new(year, month))
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// The kind of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodKind {
    /// ISO week, Monday to Sunday, id `2026-W47`.
    Week,
    /// Calendar month, id `2026-10`.
    Month,
    /// Fiscal quarter, id `2026-Q3`.
    Quarter,
    /// Fiscal year, id `2026`.
    Year,
    /// Trailing twelve months ending at a month, id `ttm-2026-10`.
    Ttm,
}

/// A closed date range with an id and a kind. `start` and `end` are inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Period {
    pub kind: PeriodKind,
    pub id: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// The months whose MRR a period's revenue metrics use: the months it covers, except a
    /// week, which uses the month containing its last day (METRICS.md, Periods).
    pub fn months(&self) -> (Month, Month) {
        match self.kind {
            PeriodKind::Week => (Month::of(self.end), Month::of(self.end)),
            _ => (Month::of(self.start), Month::of(self.end)),
        }
    }

    /// Whether `date` lies inside the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    /// A month as a period (tests and callers that already have a month).
    pub fn month(m: Month) -> Period {
        Period {
            kind: PeriodKind::Month,
            id: m.to_string(),
            start: m.first_day(),
            end: m.last_day(),
        }
    }

    /// Months `first..=last` as a period of the given kind and id (callers that know both).
    pub fn months_range(
        kind: PeriodKind,
        id: impl Into<String>,
        first: Month,
        last: Month,
    ) -> Period {
        Period {
            kind,
            id: id.into(),
            start: first.first_day(),
            end: last.last_day(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_arithmetic_crosses_years() {
        let jan = Month::new(2026, 1);
        assert_eq!(jan.prev(), Month::new(2025, 12));
        assert_eq!(jan.prev().to_string(), "2025-12");
        assert_eq!(
            Month::parse("2024-02").map(Month::last_day),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(Month::parse("2024-13"), None);
    }

    #[test]
    fn a_week_uses_the_month_of_its_last_day() {
        // 2025-W53? No: 2026-W01 runs Mon 2025-12-29 .. Sun 2026-01-04.
        let week = Period {
            kind: PeriodKind::Week,
            id: "2026-W01".into(),
            start: NaiveDate::from_ymd_opt(2025, 12, 29).unwrap_or_default(),
            end: NaiveDate::from_ymd_opt(2026, 1, 4).unwrap_or_default(),
        };
        assert_eq!(week.months(), (Month::new(2026, 1), Month::new(2026, 1)));
    }
}
