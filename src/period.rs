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

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The fiscal year (named by the calendar year it ends in, see `Period::parse`) and the 0-based
/// fiscal month index of `m`.
fn fiscal_position(m: Month, fiscal_start: u32) -> (i32, i32) {
    let shifted = m.0 - (fiscal_start as i32 - 1);
    let year_index = shifted.div_euclid(12);
    // With a January start the fiscal year is the calendar year; otherwise it is named by the
    // calendar year in which it ends.
    let name = if fiscal_start == 1 {
        year_index
    } else {
        year_index + 1
    };
    (name, shifted.rem_euclid(12))
}

/// The first month of fiscal year `year` (named as in `fiscal_position`).
fn fiscal_year_first_month(year: i32, fiscal_start: u32) -> Month {
    let start_year = if fiscal_start == 1 { year } else { year - 1 };
    Month::new(start_year, fiscal_start)
}

/// The Monday of ISO week `week` of ISO year `year`, if that week exists.
fn iso_week_monday(year: i32, week: u32) -> Option<NaiveDate> {
    NaiveDate::from_isoywd_opt(year, week, chrono::Weekday::Mon)
}

impl Period {
    /// The ISO week containing `date`.
    pub fn week_of(date: NaiveDate) -> Period {
        let iso = date.iso_week();
        let monday = date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
        Period {
            kind: PeriodKind::Week,
            id: format!("{:04}-W{:02}", iso.year(), iso.week()),
            start: monday,
            end: monday + chrono::Days::new(6),
        }
    }

    /// The fiscal quarter containing month `m`.
    pub fn quarter_of(m: Month, fiscal_start: u32) -> Period {
        let (year, index) = fiscal_position(m, fiscal_start);
        let first = m.plus(-(index % 3));
        Period::months_range(
            PeriodKind::Quarter,
            format!("{year:04}-Q{}", index / 3 + 1),
            first,
            first.plus(2),
        )
    }

    /// The fiscal year containing month `m`.
    pub fn year_of(m: Month, fiscal_start: u32) -> Period {
        let (year, index) = fiscal_position(m, fiscal_start);
        let first = m.plus(-index);
        Period::months_range(
            PeriodKind::Year,
            format!("{year:04}"),
            first,
            first.plus(11),
        )
    }

    /// The twelve months ending with `last`.
    pub fn ttm_ending(last: Month) -> Period {
        Period::months_range(PeriodKind::Ttm, format!("ttm-{last}"), last.plus(-11), last)
    }

    /// The period of `kind` that contains `date`.
    pub fn containing(kind: PeriodKind, date: NaiveDate, fiscal_start: u32) -> Period {
        let m = Month::of(date);
        match kind {
            PeriodKind::Week => Period::week_of(date),
            PeriodKind::Month => Period::month(m),
            PeriodKind::Quarter => Period::quarter_of(m, fiscal_start),
            PeriodKind::Year => Period::year_of(m, fiscal_start),
            PeriodKind::Ttm => Period::ttm_ending(m),
        }
    }

    /// The latest period of `kind` that is complete on `as_of`: its end is strictly before
    /// `as_of` (the as-of day itself is in progress). For `Ttm`, the twelve months ending at the
    /// latest complete month.
    pub fn latest_complete(kind: PeriodKind, as_of: NaiveDate, fiscal_start: u32) -> Period {
        let yesterday = as_of.pred_opt().unwrap_or(as_of);
        let current = Period::containing(kind, as_of, fiscal_start);
        if current.end <= yesterday {
            return current;
        }
        match kind {
            PeriodKind::Ttm => Period::ttm_ending(Month::of(as_of).prev()),
            _ => current.previous(fiscal_start),
        }
    }

    /// The period of the same kind just before this one.
    pub fn previous(&self, fiscal_start: u32) -> Period {
        self.shift(-1, fiscal_start)
    }

    /// The period of the same kind just after this one.
    pub fn next(&self, fiscal_start: u32) -> Period {
        self.shift(1, fiscal_start)
    }

    /// `n` periods of the same kind later (earlier when negative). A ttm moves by one month.
    pub fn shift(&self, n: i32, fiscal_start: u32) -> Period {
        let (first, last) = self.months();
        match self.kind {
            PeriodKind::Week => Period::week_of(
                self.start
                    .checked_add_signed(chrono::Duration::weeks(i64::from(n)))
                    .unwrap_or(self.start),
            ),
            PeriodKind::Month => Period::month(first.plus(n)),
            PeriodKind::Quarter => Period::quarter_of(first.plus(3 * n), fiscal_start),
            PeriodKind::Year => Period::year_of(first.plus(12 * n), fiscal_start),
            PeriodKind::Ttm => Period::ttm_ending(last.plus(n)),
        }
    }

    /// The same period a year earlier. For weeks, the same ISO week number of the previous ISO
    /// year (week 53 maps to week 52 when that year has none).
    pub fn year_ago(&self, fiscal_start: u32) -> Period {
        match self.kind {
            PeriodKind::Week => {
                let iso = self.start.iso_week();
                let monday = iso_week_monday(iso.year() - 1, iso.week())
                    .or_else(|| iso_week_monday(iso.year() - 1, 52))
                    .unwrap_or(self.start);
                Period::week_of(monday)
            }
            PeriodKind::Month => Period::month(Month::of(self.start).plus(-12)),
            PeriodKind::Quarter | PeriodKind::Year | PeriodKind::Ttm => {
                self.shift_months(-12, fiscal_start)
            }
        }
    }

    fn shift_months(&self, months: i32, fiscal_start: u32) -> Period {
        let (first, last) = self.months();
        match self.kind {
            PeriodKind::Quarter => Period::quarter_of(first.plus(months), fiscal_start),
            PeriodKind::Year => Period::year_of(first.plus(months), fiscal_start),
            PeriodKind::Ttm => Period::ttm_ending(last.plus(months)),
            PeriodKind::Month => Period::month(first.plus(months)),
            PeriodKind::Week => self.clone(),
        }
    }

    /// The `count` periods of this kind ending with this one, oldest first (archives and
    /// sparklines).
    pub fn history(&self, count: usize, fiscal_start: u32) -> Vec<Period> {
        let mut periods: Vec<Period> = (0..count as i32)
            .map(|i| self.shift(-i, fiscal_start))
            .collect();
        periods.reverse();
        periods
    }

    /// Number of months in `months()`: 1 for a week or a month, 3, 12.
    pub fn months_count(&self) -> i32 {
        let (first, last) = self.months();
        last.0 - first.0 + 1
    }

    /// A label for people: `Week 47, 2026 (16–22 Nov)`, `October 2026`, `Q3 2026`, `2026`,
    /// `12 months to October 2026`.
    pub fn label(&self) -> String {
        let month_name = |m: Month| format!("{} {}", MONTH_NAMES[m.month() as usize - 1], m.year());
        match self.kind {
            PeriodKind::Week => {
                let short = |d: NaiveDate| &MONTH_NAMES[d.month0() as usize][..3];
                let days = if self.start.month() == self.end.month() {
                    format!(
                        "{}–{} {}",
                        self.start.day(),
                        self.end.day(),
                        short(self.end)
                    )
                } else {
                    format!(
                        "{} {} – {} {}",
                        self.start.day(),
                        short(self.start),
                        self.end.day(),
                        short(self.end)
                    )
                };
                let iso = self.start.iso_week();
                format!("Week {}, {} ({days})", iso.week(), iso.year())
            }
            PeriodKind::Month => month_name(Month::of(self.start)),
            PeriodKind::Quarter => match self.id.split_once('-') {
                Some((year, q)) => format!("{q} {year}"),
                None => self.id.clone(),
            },
            PeriodKind::Year => self.id.clone(),
            PeriodKind::Ttm => format!("12 months to {}", month_name(Month::of(self.end))),
        }
    }

    /// Parses a period id: `2026-W47`, `2026-10`, `2026-Q3`, `2026` or `ttm` (the twelve months
    /// ending at the latest complete month on `as_of`), case-insensitive. Quarters and years are
    /// fiscal: with `fiscal_start` 1 they are calendar quarters and years; otherwise a fiscal
    /// year is named by the calendar year in which it ends (with an April start, `2027` runs
    /// from April 2026 to March 2027 and `2027-Q1` is April–June 2026).
    pub fn parse(text: &str, fiscal_start: u32, as_of: NaiveDate) -> Result<Period, String> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let expected = "expected 2026-W47, 2026-10, 2026-Q3, 2026 or ttm";
        if lower == "ttm" {
            return Ok(Period::latest_complete(
                PeriodKind::Ttm,
                as_of,
                fiscal_start,
            ));
        }
        let bad = || format!("bad period (found '{t}', {expected})");
        let year_of = |s: &str| -> Result<i32, String> {
            if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        match lower.split_once('-') {
            None => {
                let year = year_of(&lower)?;
                Ok(Period::year_of(
                    fiscal_year_first_month(year, fiscal_start),
                    fiscal_start,
                ))
            }
            Some((y, rest)) => {
                let year = year_of(y)?;
                if let Some(w) = rest.strip_prefix('w') {
                    let week: u32 = w.parse().map_err(|_| bad())?;
                    let monday = iso_week_monday(year, week)
                        .filter(|d| d.iso_week().week() == week && d.iso_week().year() == year)
                        .ok_or_else(|| format!("{year} has no ISO week {week} (found '{t}')"))?;
                    Ok(Period::week_of(monday))
                } else if let Some(q) = rest.strip_prefix('q') {
                    match q {
                        "1" | "2" | "3" | "4" => {
                            let n: i32 = q.parse().map_err(|_| bad())?;
                            let first =
                                fiscal_year_first_month(year, fiscal_start).plus(3 * (n - 1));
                            Ok(Period::quarter_of(first, fiscal_start))
                        }
                        _ => Err(format!("bad quarter (found '{t}', expected Q1 to Q4)")),
                    }
                } else {
                    let m = Month::parse(&lower).ok_or_else(bad)?;
                    Ok(Period::month(m))
                }
            }
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

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn p(text: &str) -> Period {
        Period::parse(text, 1, d(2026, 11, 24)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_weekly_example_of_metrics_md() {
        // Tuesday 2026-11-24: the latest complete ISO week is W47, Mon 16 – Sun 22 Nov.
        let w = Period::latest_complete(PeriodKind::Week, d(2026, 11, 24), 1);
        assert_eq!(
            (w.id.as_str(), w.start, w.end),
            ("2026-W47", d(2026, 11, 16), d(2026, 11, 22))
        );
        assert_eq!(w.label(), "Week 47, 2026 (16–22 Nov)");
    }

    #[test]
    fn latest_complete_of_every_kind() {
        let as_of = d(2026, 11, 24);
        let id = |k| Period::latest_complete(k, as_of, 1).id;
        assert_eq!(id(PeriodKind::Month), "2026-10");
        assert_eq!(id(PeriodKind::Quarter), "2026-Q3");
        assert_eq!(id(PeriodKind::Year), "2025");
        assert_eq!(id(PeriodKind::Ttm), "ttm-2026-10");
        // On the first day of a month the month that just ended is complete...
        assert_eq!(
            Period::latest_complete(PeriodKind::Month, d(2026, 11, 1), 1).id,
            "2026-10"
        );
        // ...but on its last day it is still in progress.
        assert_eq!(
            Period::latest_complete(PeriodKind::Month, d(2026, 10, 31), 1).id,
            "2026-09"
        );
        // Sunday is the last day of an ISO week: still in progress.
        assert_eq!(
            Period::latest_complete(PeriodKind::Week, d(2026, 11, 22), 1).id,
            "2026-W46"
        );
        assert_eq!(
            Period::latest_complete(PeriodKind::Week, d(2026, 11, 23), 1).id,
            "2026-W47"
        );
    }

    #[test]
    fn year_ends_for_every_kind() {
        // 1 Jan 2027: December, Q4 and the year 2026 have all just completed.
        let as_of = d(2027, 1, 1);
        assert_eq!(
            Period::latest_complete(PeriodKind::Month, as_of, 1).id,
            "2026-12"
        );
        assert_eq!(
            Period::latest_complete(PeriodKind::Quarter, as_of, 1).id,
            "2026-Q4"
        );
        assert_eq!(
            Period::latest_complete(PeriodKind::Year, as_of, 1).id,
            "2026"
        );
        assert_eq!(p("2026-01").previous(1).id, "2025-12");
        assert_eq!(p("2026-Q1").previous(1).id, "2025-Q4");
        assert_eq!(p("2025-Q4").next(1).id, "2026-Q1");
        assert_eq!(p("2026").previous(1).id, "2025");
        assert_eq!(p("2026-W01").previous(1).id, "2025-W52");
    }

    #[test]
    fn iso_week_53() {
        // 2026 starts on a Thursday, so it has 53 ISO weeks; W53 is 28 Dec 2026 – 3 Jan 2027.
        let w = p("2026-W53");
        assert_eq!((w.start, w.end), (d(2026, 12, 28), d(2027, 1, 3)));
        assert_eq!(w.next(1).id, "2027-W01");
        // It spans two years; its revenue month is the month of its last day.
        assert_eq!(w.months(), (Month::new(2027, 1), Month::new(2027, 1)));
        assert_eq!(w.label(), "Week 53, 2026 (28 Dec – 3 Jan)");
        // 2020 had a W53, 2021 did not.
        assert!(Period::parse("2020-W53", 1, d(2026, 1, 1)).is_ok());
        assert_eq!(
            Period::parse("2021-W53", 1, d(2026, 1, 1)),
            Err("2021 has no ISO week 53 (found '2021-W53')".to_string())
        );
        // A year ago of W53 falls back to W52 when the earlier year has no W53.
        assert_eq!(w.year_ago(1).id, "2025-W52");
        assert_eq!(p("2026-W47").year_ago(1).id, "2025-W47");
    }

    #[test]
    fn a_week_spanning_two_years_belongs_to_its_iso_year() {
        // Wed 31 Dec 2025 is in 2026-W01 (the week with the year's first Thursday).
        let w = Period::week_of(d(2025, 12, 31));
        assert_eq!(
            (w.id.as_str(), w.start, w.end),
            ("2026-W01", d(2025, 12, 29), d(2026, 1, 4))
        );
    }

    #[test]
    fn fiscal_year_starting_in_april() {
        // FY named by the calendar year it ends in: FY2027 = Apr 2026 – Mar 2027.
        let fy = Period::parse("2027", 4, d(2026, 11, 24)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((fy.start, fy.end), (d(2026, 4, 1), d(2027, 3, 31)));
        let q1 = Period::parse("2027-Q1", 4, d(2026, 11, 24)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((q1.start, q1.end), (d(2026, 4, 1), d(2026, 6, 30)));
        // On 24 Nov 2026 the latest complete fiscal quarter is Jul–Sep 2026 = FY2027 Q2.
        let q = Period::latest_complete(PeriodKind::Quarter, d(2026, 11, 24), 4);
        assert_eq!(
            (q.id.as_str(), q.start, q.end),
            ("2027-Q2", d(2026, 7, 1), d(2026, 9, 30))
        );
        // The latest complete fiscal year is Apr 2025 – Mar 2026 = FY2026.
        let y = Period::latest_complete(PeriodKind::Year, d(2026, 11, 24), 4);
        assert_eq!(
            (y.id.as_str(), y.start, y.end),
            ("2026", d(2025, 4, 1), d(2026, 3, 31))
        );
        // Q4 of FY2027 is Jan–Mar 2027; the next quarter is Q1 of FY2028.
        let q4 = Period::parse("2027-Q4", 4, d(2026, 11, 24)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((q4.start, q4.end), (d(2027, 1, 1), d(2027, 3, 31)));
        assert_eq!(q4.next(4).id, "2028-Q1");
        assert_eq!(q.year_ago(4).id, "2026-Q2");
    }

    #[test]
    fn ttm_at_a_year_start_and_leap_years() {
        // On 1 Jan 2027 the ttm is Jan–Dec 2026.
        let t = Period::latest_complete(PeriodKind::Ttm, d(2027, 1, 1), 1);
        assert_eq!(
            (t.id.as_str(), t.start, t.end),
            ("ttm-2026-12", d(2026, 1, 1), d(2026, 12, 31))
        );
        assert_eq!(t.year_ago(1).id, "ttm-2025-12");
        assert_eq!(t.months_count(), 12);
        assert_eq!(t.label(), "12 months to December 2026");
        // February 2024 has 29 days.
        assert_eq!(p("2024-02").end, d(2024, 2, 29));
        assert_eq!(p("ttm").id, "ttm-2026-10");
    }

    #[test]
    fn parse_accepts_every_form_and_explains_errors() {
        assert_eq!(p("2026-q3").label(), "Q3 2026");
        assert_eq!(p("2026-10").label(), "October 2026");
        assert_eq!(p("2026").months_count(), 12);
        assert_eq!(p("2026-W47").months_count(), 1);
        let err = |t: &str| {
            Period::parse(t, 1, d(2026, 11, 24))
                .err()
                .unwrap_or_default()
        };
        assert_eq!(
            err("2026-Q5"),
            "bad quarter (found '2026-Q5', expected Q1 to Q4)"
        );
        assert_eq!(
            err("2026-13"),
            "bad period (found '2026-13', expected 2026-W47, 2026-10, 2026-Q3, 2026 or ttm)"
        );
        assert_eq!(
            err("last month"),
            "bad period (found 'last month', expected 2026-W47, 2026-10, 2026-Q3, 2026 or ttm)"
        );
        assert!(err("2026-W54").contains("no ISO week 54"));
    }

    #[test]
    fn history_lists_periods_oldest_first() {
        let ids: Vec<String> = p("2026-Q1")
            .history(3, 1)
            .into_iter()
            .map(|q| q.id)
            .collect();
        assert_eq!(ids, ["2025-Q3", "2025-Q4", "2026-Q1"]);
    }
}
