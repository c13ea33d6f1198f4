//! When a schedule sends: the occurrences of a `When` in the schedule's time zone, as instants.
//! `due` says whether the latest occurrence should be sent now (within the grace period) or was
//! missed; `next` gives the one after an instant. Local times are turned into instants with the
//! zone's rules: a time that does not exist (the hour skipped when clocks go forward) moves to the
//! first instant after the gap; a time that exists twice (clocks go back) is the earlier one.
//! Whether an occurrence was already sent is the ledger's business, not this module's.

use super::{Delivery, Schedule, When};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// What a schedule has to do at an instant. (`Due::Due` and `Due::NotDue` read as the
/// delivery code uses them: the names are the shared API of `deliver`.)
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    /// No occurrence at or before the instant (a board calendar with no meeting near enough).
    NotDue,
    /// The latest occurrence is within the grace period: send it (unless the ledger has it).
    Due { occurrence: DateTime<Utc> },
    /// The latest occurrence is older than the grace period: too late to send.
    Missed { occurrence: DateTime<Utc> },
}

/// The latest occurrence of `s` at or before `now`, and whether it is still to be sent.
pub(crate) fn due(s: &Schedule, d: &Delivery, now: DateTime<Utc>) -> Due {
    let Some(occurrence) = latest(s, d, now) else {
        return Due::NotDue;
    };
    if now - occurrence < Duration::hours(i64::from(d.grace_hours)) {
        Due::Due { occurrence }
    } else {
        Due::Missed { occurrence }
    }
}

/// The first occurrence of `s` strictly after `after`; none when a board calendar has no
/// meeting late enough.
pub(crate) fn next(s: &Schedule, d: &Delivery, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let tz = zone(s, d);
    match s.when {
        When::BeforeBoard { days, at } => board_occurrences(d, days, at, tz)
            .filter(|t| *t > after)
            .min(),
        _ => {
            // Every kind recurs within 31 days; a day either side covers the zone's offset.
            let today = after.with_timezone(&tz).date_naive();
            (-1..=64)
                .filter_map(|k| shift(today, k))
                .filter_map(|day| on(s.when, day, tz))
                .find(|t| *t > after)
        }
    }
}

/// An instant as given on the command line (`--now`): RFC 3339 with its offset, such as
/// `2026-12-07T12:00:00Z` or `2026-12-07T07:00:00-05:00`.
pub(crate) fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "bad time '{text}' (expected RFC 3339 with an offset, such as 2026-12-07T12:00:00Z)"
            )
        })
}

/// The latest occurrence at or before `now`.
fn latest(s: &Schedule, d: &Delivery, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let tz = zone(s, d);
    match s.when {
        When::BeforeBoard { days, at } => board_occurrences(d, days, at, tz)
            .filter(|t| *t <= now)
            .max(),
        _ => {
            let today = now.with_timezone(&tz).date_naive();
            (-64..=1)
                .rev()
                .filter_map(|k| shift(today, k))
                .filter_map(|day| on(s.when, day, tz))
                .find(|t| *t <= now)
        }
    }
}

/// The schedule's time zone: its own, else the file's.
fn zone(s: &Schedule, d: &Delivery) -> Tz {
    s.timezone.unwrap_or(d.timezone)
}

/// `day` moved by `k` days.
fn shift(day: NaiveDate, k: i64) -> Option<NaiveDate> {
    let n = Days::new(k.unsigned_abs());
    if k < 0 {
        day.checked_sub_days(n)
    } else {
        day.checked_add_days(n)
    }
}

/// The occurrence of a recurring `when` on the local `day`, if it sends that day.
fn on(when: When, day: NaiveDate, tz: Tz) -> Option<DateTime<Utc>> {
    let at = match when {
        When::Daily { at } => at,
        When::Weekly { day: weekday, at } if day.weekday() == weekday => at,
        When::Monthly { day: 0, at } if day.succ_opt()?.day() == 1 => at,
        When::Monthly { day: d, at } if d != 0 && day.day() == d => at,
        _ => return None,
    };
    instant(day.and_time(at), tz)
}

/// The occurrences of a `before_board` schedule: `days` before each meeting, at `at`.
fn board_occurrences(
    d: &Delivery,
    days: u32,
    at: chrono::NaiveTime,
    tz: Tz,
) -> impl Iterator<Item = DateTime<Utc>> + '_ {
    d.board_calendar
        .iter()
        .filter_map(move |meeting| meeting.checked_sub_days(Days::new(u64::from(days))))
        .filter_map(move |day| instant(day.and_time(at), tz))
}

/// The instant of a local time in `tz`: the earlier of two (clocks going back), or for a time
/// in a gap (clocks going forward) the first instant after the gap.
fn instant(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    // Gaps are whole minutes and at most a day long (Samoa skipped 30 December 2011).
    for minutes in 0..=(26 * 60) {
        let t = local.checked_add_signed(Duration::minutes(minutes))?;
        // In a gap, the first valid local minute after it is the transition itself.
        if let Some(found) = tz.from_local_datetime(&t).earliest() {
            return Some(found.with_timezone(&Utc));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, Weekday};
    use std::collections::BTreeMap;

    fn utc(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    fn time(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M").unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn delivery(tz: Tz) -> Delivery {
        Delivery {
            from: "cs@example.com".into(),
            smtp: None,
            timezone: tz,
            lists: BTreeMap::new(),
            board_calendar: vec![date("2026-12-10"), date("2027-03-11")],
            schedules: Vec::new(),
            ledger: ".postsale/deliveries.jsonl".into(),
            grace_hours: 12,
        }
    }

    fn schedule(when: When) -> Schedule {
        Schedule {
            id: "s".into(),
            report: "weekly".into(),
            to: vec!["ceo@example.com".into()],
            cc: Vec::new(),
            when,
            timezone: None,
        }
    }

    #[test]
    fn weekly_in_new_york_across_the_november_change() {
        // Monday 07:00 New York. Clocks went back on Sunday 1 November 2026 (EDT −4 → EST −5).
        let d = delivery(chrono_tz::America::New_York);
        let s = schedule(When::Weekly {
            day: Weekday::Mon,
            at: time("07:00"),
        });
        // Monday 26 October is still EDT: 07:00 − (−4 h) = 11:00 UTC.
        assert_eq!(
            due(&s, &d, utc("2026-10-26T11:00:00Z")),
            Due::Due {
                occurrence: utc("2026-10-26T11:00:00Z")
            }
        );
        // One second earlier: the Monday before, a week old, is missed.
        assert_eq!(
            due(&s, &d, utc("2026-10-26T10:59:59Z")),
            Due::Missed {
                occurrence: utc("2026-10-19T11:00:00Z")
            }
        );
        // After the change, Monday 2 November 07:00 EST is 12:00 UTC.
        assert_eq!(
            next(&s, &d, utc("2026-10-26T11:00:00Z")),
            Some(utc("2026-11-02T12:00:00Z"))
        );
        // A cron run 11 h 59 min late still sends; 12 h late is missed (grace_hours: 12).
        assert_eq!(
            due(&s, &d, utc("2026-11-02T23:59:00Z")),
            Due::Due {
                occurrence: utc("2026-11-02T12:00:00Z")
            }
        );
        assert_eq!(
            due(&s, &d, utc("2026-11-03T00:00:00Z")),
            Due::Missed {
                occurrence: utc("2026-11-02T12:00:00Z")
            }
        );
    }

    #[test]
    fn daily_in_a_gap_and_in_a_repeated_hour() {
        // New York, 2026: clocks go forward on 8 March at 02:00 (to 03:00) and back on
        // 1 November at 02:00 (to 01:00).
        let d = delivery(chrono_tz::America::New_York);
        let s = schedule(When::Daily { at: time("02:30") });
        // 02:30 on 8 March does not exist: the first instant after the gap, 03:00 EDT = 07:00 UTC.
        assert_eq!(
            next(&s, &d, utc("2026-03-07T12:00:00Z")),
            Some(utc("2026-03-08T07:00:00Z"))
        );
        // The day before, 02:30 EST = 07:30 UTC; the day after, 02:30 EDT = 06:30 UTC.
        assert_eq!(
            next(&s, &d, utc("2026-03-06T12:00:00Z")),
            Some(utc("2026-03-07T07:30:00Z"))
        );
        assert_eq!(
            next(&s, &d, utc("2026-03-08T07:00:00Z")),
            Some(utc("2026-03-09T06:30:00Z"))
        );
        // 01:30 on 1 November happens twice: the earlier, 01:30 EDT = 05:30 UTC.
        let s = schedule(When::Daily { at: time("01:30") });
        assert_eq!(
            next(&s, &d, utc("2026-10-31T12:00:00Z")),
            Some(utc("2026-11-01T05:30:00Z"))
        );
        // At the second 01:30 (EST, 06:30 UTC) the occurrence is still the first one.
        assert_eq!(
            due(&s, &d, utc("2026-11-01T06:30:00Z")),
            Due::Due {
                occurrence: utc("2026-11-01T05:30:00Z")
            }
        );
    }

    #[test]
    fn weekly_in_berlin_across_the_march_change() {
        // Berlin goes from CET (+1) to CEST (+2) on Sunday 29 March 2026 at 02:00.
        let d = delivery(chrono_tz::Europe::Berlin);
        let s = schedule(When::Weekly {
            day: Weekday::Sun,
            at: time("02:15"),
        });
        // Sunday 22 March 02:15 CET = 01:15 UTC.
        assert_eq!(
            next(&s, &d, utc("2026-03-20T00:00:00Z")),
            Some(utc("2026-03-22T01:15:00Z"))
        );
        // Sunday 29 March 02:15 does not exist: 03:00 CEST = 01:00 UTC.
        assert_eq!(
            next(&s, &d, utc("2026-03-22T01:15:00Z")),
            Some(utc("2026-03-29T01:00:00Z"))
        );
        // Sunday 5 April 02:15 CEST = 00:15 UTC.
        assert_eq!(
            next(&s, &d, utc("2026-03-29T01:00:00Z")),
            Some(utc("2026-04-05T00:15:00Z"))
        );
        // A schedule's own zone wins over the file's: 07:00 in Tokyo (+9) is 22:00 UTC the day
        // before.
        let mut tokyo = schedule(When::Weekly {
            day: Weekday::Mon,
            at: time("07:00"),
        });
        tokyo.timezone = Some(chrono_tz::Asia::Tokyo);
        assert_eq!(
            next(&tokyo, &d, utc("2026-11-30T00:00:00Z")),
            Some(utc("2026-12-06T22:00:00Z"))
        );
    }

    #[test]
    fn monthly_on_a_day_and_on_the_last_day() {
        let d = delivery(chrono_tz::UTC);
        let second = schedule(When::Monthly {
            day: 2,
            at: time("08:00"),
        });
        assert_eq!(
            next(&second, &d, utc("2026-12-02T08:00:00Z")),
            Some(utc("2027-01-02T08:00:00Z"))
        );
        assert_eq!(
            due(&second, &d, utc("2026-12-01T00:00:00Z")),
            Due::Missed {
                occurrence: utc("2026-11-02T08:00:00Z")
            }
        );
        // Day 0 is the month's last day: 28 February 2027 (not a leap year), 29 February 2028.
        let last = schedule(When::Monthly {
            day: 0,
            at: time("18:00"),
        });
        assert_eq!(
            next(&last, &d, utc("2027-01-31T18:00:00Z")),
            Some(utc("2027-02-28T18:00:00Z"))
        );
        assert_eq!(
            next(&last, &d, utc("2028-02-01T00:00:00Z")),
            Some(utc("2028-02-29T18:00:00Z"))
        );
        assert_eq!(
            due(&last, &d, utc("2026-12-31T19:00:00Z")),
            Due::Due {
                occurrence: utc("2026-12-31T18:00:00Z")
            }
        );
    }

    #[test]
    fn instants_need_an_offset() {
        assert_eq!(
            parse_instant("2026-12-07T07:00:00-05:00"),
            Ok(utc("2026-12-07T12:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-12-07 07:00"),
            Err("bad time '2026-12-07 07:00' (expected RFC 3339 with an offset, such as 2026-12-07T12:00:00Z)".into())
        );
    }

    #[test]
    fn before_each_board_meeting() {
        // Meetings on 10 December 2026 and 11 March 2027; the pack goes 7 days before at 09:00
        // New York (EST, −5): 3 December 14:00 UTC and 4 March 14:00 UTC.
        let d = delivery(chrono_tz::America::New_York);
        let s = schedule(When::BeforeBoard {
            days: 7,
            at: time("09:00"),
        });
        assert_eq!(due(&s, &d, utc("2026-12-01T00:00:00Z")), Due::NotDue);
        assert_eq!(
            next(&s, &d, utc("2026-12-01T00:00:00Z")),
            Some(utc("2026-12-03T14:00:00Z"))
        );
        assert_eq!(
            due(&s, &d, utc("2026-12-03T15:00:00Z")),
            Due::Due {
                occurrence: utc("2026-12-03T14:00:00Z")
            }
        );
        assert_eq!(
            due(&s, &d, utc("2027-01-15T00:00:00Z")),
            Due::Missed {
                occurrence: utc("2026-12-03T14:00:00Z")
            }
        );
        assert_eq!(
            next(&s, &d, utc("2026-12-03T14:00:00Z")),
            Some(utc("2027-03-04T14:00:00Z"))
        );
        // After the last meeting's pack there is no next one.
        assert_eq!(next(&s, &d, utc("2027-03-04T14:00:00Z")), None);
    }
}
