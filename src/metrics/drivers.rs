//! What drives retention (issue 15, part 1): for each outcome (a renewal lost, churn within 90
//! or 180 days, expansion within 12 months) and each candidate driver known before the outcome
//! (QBR attendance, early feature adoption, ticket volume, health, NPS, time to value, sponsor
//! change, usage decline, CSM load), the outcome's rate among the units with the driver against
//! those without, their difference with a 95 % interval (Newcombe's hybrid score interval from
//! two Wilson intervals, sound for small groups and rates near 0 or 1), the sample sizes, and a
//! small-sample flag. An association, not a cause: the pages say so.

use super::health::{score_on, usage_declined};
use super::{Context, Scope, Value, signals};
use crate::data::{AccountIx, RenewalStage};
use crate::period::{Month, Period, PeriodKind};
use chrono::{Days, NaiveDate};

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// A group smaller than this, or with fewer outcomes than `SMALL_EVENTS`, is a small sample.
pub const SMALL_GROUP: u64 = 30;
pub const SMALL_EVENTS: u64 = 5;

/// An outcome the study explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A closed renewal lost (closed_lost), drivers at 90 days before its due date.
    RenewalLost,
    /// An active account without MRR in some month of the next 3 months.
    Churn90,
    /// ... of the next 6 months.
    Churn180,
    /// An active account whose MRR 12 months later is above its MRR now.
    Expansion12,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::RenewalLost,
        Outcome::Churn90,
        Outcome::Churn180,
        Outcome::Expansion12,
    ];

    /// The outcome in words.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::RenewalLost => "renewal lost",
            Outcome::Churn90 => "churned within 90 days",
            Outcome::Churn180 => "churned within 180 days",
            Outcome::Expansion12 => "expanded within 12 months",
        }
    }

    /// Whether a higher rate of the outcome is good.
    pub fn good(self) -> bool {
        self == Outcome::Expansion12
    }
}

/// A candidate driver: how it splits the units, in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Driver {
    pub id: &'static str,
    /// The group with the driver ("no QBR in the 180 days before").
    pub with: &'static str,
    /// The group without it.
    pub without: &'static str,
}

/// The drivers, in table order.
pub const DRIVERS: [Driver; 9] = [
    Driver {
        id: "qbr",
        with: "no QBR held in the 180 days before",
        without: "a QBR held in the 180 days before",
    },
    Driver {
        id: "early_adoption",
        with: "feature adoption in the first 90 days above the median",
        without: "at or below the median",
    },
    Driver {
        id: "tickets",
        with: "2 or more tickets in the 90 days before",
        without: "fewer than 2",
    },
    Driver {
        id: "health",
        with: "health below green",
        without: "green health",
    },
    Driver {
        id: "nps",
        with: "last NPS answer a detractor (0–6), within a year",
        without: "a passive or promoter",
    },
    Driver {
        id: "time_to_value",
        with: "time to value above the median",
        without: "at or below the median",
    },
    Driver {
        id: "sponsor_change",
        with: "a sponsor change in the 90 days before",
        without: "no sponsor change",
    },
    Driver {
        id: "usage_decline",
        with: "usage (DAU/MAU) down from two months before",
        without: "no decline",
    },
    Driver {
        id: "csm_load",
        with: "the CSM's book above its capacity",
        without: "within capacity",
    },
];

/// One unit of a study: an account at the day its drivers are read, and whether the outcome
/// followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub account: AccountIx,
    pub day: NaiveDate,
    pub outcome: bool,
}

/// One group's counts: units and outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub units: u64,
    pub outcomes: u64,
}

impl Counts {
    fn rate(self) -> Value {
        (self.units > 0).then(|| self.outcomes as f64 / self.units as f64)
    }
}

/// A driver's association with an outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub outcome: Outcome,
    pub driver: Driver,
    pub with: Counts,
    pub without: Counts,
    /// The outcome's rate with the driver minus without, in points, with its 95 % interval.
    pub difference: Value,
    pub lower: Value,
    pub upper: Value,
    /// Either group under `SMALL_GROUP` units or `SMALL_EVENTS` outcomes.
    pub small: bool,
}

impl Effect {
    /// Whether the interval excludes zero.
    pub fn clear(&self) -> bool {
        matches!((self.lower, self.upper), (Some(l), Some(u)) if l > 0.0 || u < 0.0)
    }
}

/// The units of `outcome` as of `ctx.as_of` for the accounts in scope.
pub fn units(ctx: &Context, scope: Scope, outcome: Outcome) -> Vec<Unit> {
    let last = Period::latest_complete(PeriodKind::Month, ctx.as_of, ctx.config.fiscal_year_start)
        .months()
        .1;
    match outcome {
        Outcome::RenewalLost => ctx
            .data
            .renewals
            .as_deref()
            .unwrap_or_default()
            .iter()
            .filter(|r| r.stage.is_closed() && r.due_on < ctx.as_of && scope.includes(r.account))
            .map(|r| Unit {
                account: r.account,
                day: r.due_on.checked_sub_days(Days::new(90)).unwrap_or(r.due_on),
                outcome: r.stage == RenewalStage::ClosedLost,
            })
            .collect(),
        Outcome::Churn90 | Outcome::Churn180 | Outcome::Expansion12 => {
            let Some(mrr) = ctx.mrr() else {
                return Vec::new();
            };
            let months = match outcome {
                Outcome::Churn90 => 3,
                Outcome::Churn180 => 6,
                _ => 12,
            };
            // Drivers read on the first day of the window's first month; the window ends at the
            // last complete month.
            let start = last.plus(1 - months);
            let day = start.first_day();
            scope
                .accounts(mrr.accounts() as AccountIx)
                .filter(|&a| mrr.get(a, start.prev()).0 > 0)
                .map(|a| {
                    let happened = if outcome == Outcome::Expansion12 {
                        mrr.get(a, last) > mrr.get(a, start.prev())
                    } else {
                        let mut m = start;
                        let mut gone = false;
                        while m <= last {
                            gone |= mrr.get(a, m).0 == 0;
                            m = m.next();
                        }
                        gone
                    };
                    Unit {
                        account: a,
                        day,
                        outcome: happened,
                    }
                })
                .collect()
        }
    }
}

/// What the drivers read, indexed once per study: each account's onboarding dates and the
/// active book of each CSM per month.
struct Reader<'c, 'a> {
    ctx: &'c Context<'a>,
    /// Per account: (signed_on, first_value_on) from onboarding.csv.
    onboarding: Vec<Option<(NaiveDate, NaiveDate)>>,
    /// Month → active accounts per CSM (csms.csv order) in that month.
    books: std::collections::HashMap<Month, Vec<i64>>,
}

impl<'c, 'a> Reader<'c, 'a> {
    fn new(ctx: &'c Context<'a>) -> Self {
        let mut onboarding = vec![None; ctx.data.accounts.rows.len()];
        for row in ctx.data.onboarding.as_deref().unwrap_or_default() {
            if let (Some(slot), Some(signed), Some(value)) = (
                onboarding.get_mut(row.account as usize),
                row.signed_on,
                row.first_value_on,
            ) {
                *slot = Some((signed, value));
            }
        }
        Reader {
            ctx,
            onboarding,
            books: std::collections::HashMap::new(),
        }
    }

    /// The value of every driver for `account` on `day` (data before `day` only), in `DRIVERS`
    /// order: Some(true) with the driver, Some(false) without, None when the data cannot say.
    /// Early adoption and time to value are numbers, split at the median of the study's units.
    fn read(&mut self, account: AccountIx, day: NaiveDate) -> [Reading; 9] {
        let ctx = self.ctx;
        let before = |days: u64| day.checked_sub_days(Days::new(days)).unwrap_or(day);
        let data = ctx.data;
        let qbr = signals::qbr_held(ctx, account, day, 180);
        let early_adoption = data.usage_of(account).and_then(|rows| {
            let first = rows.first()?.date;
            let end = first.checked_add_days(Days::new(90))?;
            if end > day {
                return None;
            }
            let shares: Vec<f64> = rows
                .iter()
                .take_while(|r| r.date < end)
                .filter_map(|r| {
                    let (used, available) = (r.features_used.get()?, r.features_available.get()?);
                    (available > 0).then(|| used as f64 / available as f64)
                })
                .collect();
            (!shares.is_empty()).then(|| shares.iter().sum::<f64>() / shares.len() as f64)
        });
        let tickets = signals::tickets_opened(ctx, account, day, 90).map(|n| n >= 2);
        let health = score_on(ctx, account, before(1)).map(|s| s < ctx.config.health.bands.green);
        let nps = signals::nps_detractor(ctx, account, day, 365);
        let time_to_value = self
            .onboarding
            .get(account as usize)
            .copied()
            .flatten()
            .and_then(|(signed, value)| (value < day).then(|| (value - signed).num_days() as f64));
        let sponsor = signals::sponsor_changed(ctx, account, day, 90);
        let decline = usage_declined(ctx, account, before(1));
        [
            Reading::Flag(qbr.map(|held| !held)),
            Reading::Number(early_adoption),
            Reading::Flag(tickets),
            Reading::Flag(health),
            Reading::Flag(nps),
            Reading::Number(time_to_value),
            Reading::Flag(sponsor),
            Reading::Flag(decline),
            Reading::Flag(self.over_capacity(account, day)),
        ]
    }

    /// Whether the account's CSM had more active accounts (MRR in the month before `day`) than
    /// the CSM's capacity_accounts; None without a CSM, csms.csv or a capacity.
    fn over_capacity(&mut self, account: AccountIx, day: NaiveDate) -> Option<bool> {
        let ctx = self.ctx;
        let csm = ctx.data.accounts.rows.get(account as usize)?.csm?;
        let csms = ctx.data.csms.as_ref()?;
        let capacity = csms.rows.get(csm as usize)?.capacity_accounts?;
        let mrr = ctx.mrr()?;
        let month = Month::of(day).prev();
        let books = self.books.entry(month).or_insert_with(|| {
            let mut books = vec![0i64; csms.rows.len()];
            for (a, row) in ctx.data.accounts.rows.iter().enumerate() {
                if let Some(c) = row.csm
                    && mrr.get(a as AccountIx, month).0 > 0
                    && let Some(n) = books.get_mut(c as usize)
                {
                    *n += 1;
                }
            }
            books
        });
        Some(*books.get(csm as usize)? > capacity)
    }
}

/// One driver's reading for a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    Flag(Option<bool>),
    Number(Option<f64>),
}

/// The study: every driver against every outcome for the accounts in scope, ranked within each
/// outcome by the size of the difference (the small samples after the others).
pub fn study(ctx: &Context, scope: Scope) -> Vec<Effect> {
    let mut reader = Reader::new(ctx);
    let mut out = Vec::new();
    for outcome in Outcome::ALL {
        let units = units(ctx, scope, outcome);
        let readings: Vec<[Reading; 9]> = units
            .iter()
            .map(|u| reader.read(u.account, u.day))
            .collect();
        let mut effects: Vec<Effect> = DRIVERS
            .iter()
            .enumerate()
            .map(|(i, driver)| {
                let values: Vec<Option<bool>> = split(readings.iter().map(|r| r[i]));
                effect(outcome, *driver, &units, &values)
            })
            .collect();
        effects.sort_by(|a, b| {
            a.small.cmp(&b.small).then(
                b.difference
                    .map(f64::abs)
                    .unwrap_or(-1.0)
                    .total_cmp(&a.difference.map(f64::abs).unwrap_or(-1.0)),
            )
        });
        out.extend(effects);
    }
    out
}

/// Flags as they are; numbers split at their median (above it: with the driver).
fn split(readings: impl Iterator<Item = Reading>) -> Vec<Option<bool>> {
    let readings: Vec<Reading> = readings.collect();
    let mut numbers: Vec<f64> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::Number(v) => *v,
            Reading::Flag(_) => None,
        })
        .collect();
    numbers.sort_by(f64::total_cmp);
    let median = median(&numbers);
    readings
        .into_iter()
        .map(|r| match r {
            Reading::Flag(f) => f,
            Reading::Number(v) => v.zip(median).map(|(v, m)| v > m),
        })
        .collect()
}

/// The median of sorted values.
fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The effect of one driver: the units with a reading, split by it.
fn effect(outcome: Outcome, driver: Driver, units: &[Unit], values: &[Option<bool>]) -> Effect {
    let (mut with, mut without) = (Counts::default(), Counts::default());
    for (u, v) in units.iter().zip(values) {
        let group = match v {
            Some(true) => &mut with,
            Some(false) => &mut without,
            None => continue,
        };
        group.units += 1;
        group.outcomes += u64::from(u.outcome);
    }
    let (difference, lower, upper) = match newcombe(with, without) {
        Some((d, l, u)) => (Some(d * 100.0), Some(l * 100.0), Some(u * 100.0)),
        None => (None, None, None),
    };
    let small = [with, without].iter().any(|c| c.units < SMALL_GROUP)
        || with.outcomes + without.outcomes < SMALL_EVENTS;
    Effect {
        outcome,
        driver,
        with,
        without,
        difference,
        lower,
        upper,
        small,
    }
}

/// The Wilson score interval of a proportion.
fn wilson(c: Counts) -> Option<(f64, f64)> {
    let n = c.units as f64;
    let p = c.rate()?;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some((centre - half, centre + half))
}

/// The difference of two proportions with Newcombe's hybrid score interval (method 10):
/// d ± √((p₁ − l₁)² + (u₀ − p₀)²) below and √((u₁ − p₁)² + (p₀ − l₀)²) above.
fn newcombe(a: Counts, b: Counts) -> Option<(f64, f64, f64)> {
    let (p1, p0) = (a.rate()?, b.rate()?);
    let ((l1, u1), (l0, u0)) = (wilson(a)?, wilson(b)?);
    let d = p1 - p0;
    Some((
        d,
        d - ((p1 - l1).powi(2) + (u0 - p0).powi(2)).sqrt(),
        d + ((u1 - p1).powi(2) + (p0 - l0).powi(2)).sqrt(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tolerance: f64) {
        assert!((a - b).abs() < tolerance, "expected {b}, found {a}");
    }

    #[test]
    fn wilson_and_newcombe_match_the_published_example() {
        // Newcombe (1998), Table II example: 56/70 against 48/80 → difference 0.2000,
        // 95 % interval (method 10) 0.0524 to 0.3339.
        let (d, l, u) = newcombe(
            Counts {
                units: 70,
                outcomes: 56,
            },
            Counts {
                units: 80,
                outcomes: 48,
            },
        )
        .unwrap_or_default();
        close(d, 0.2, 1e-12);
        close(l, 0.0524, 5e-5);
        close(u, 0.3339, 5e-5);
        // Wilson for 0 of 10: (0, 0.2775).
        let (lo, hi) = wilson(Counts {
            units: 10,
            outcomes: 0,
        })
        .unwrap_or_default();
        close(lo, 0.0, 1e-12);
        close(hi, 0.2775, 5e-5);
        assert_eq!(
            newcombe(
                Counts::default(),
                Counts {
                    units: 3,
                    outcomes: 1
                }
            ),
            None
        );
    }

    #[test]
    fn effects_count_each_group_and_flag_small_samples() {
        let unit = |outcome| Unit {
            account: 0,
            day: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default(),
            outcome,
        };
        // With the driver: 3 of 4 lost; without: 1 of 4; one unit without a reading.
        let units: Vec<Unit> = [true, true, true, false, true, false, false, false, true]
            .into_iter()
            .map(unit)
            .collect();
        let values = [
            Some(true),
            Some(true),
            Some(true),
            Some(true),
            Some(false),
            Some(false),
            Some(false),
            Some(false),
            None,
        ];
        let e = effect(Outcome::RenewalLost, DRIVERS[0], &units, &values);
        assert_eq!(
            e.with,
            Counts {
                units: 4,
                outcomes: 3
            }
        );
        assert_eq!(
            e.without,
            Counts {
                units: 4,
                outcomes: 1
            }
        );
        close(e.difference.unwrap_or_default(), 50.0, 1e-9);
        assert!(e.small && !e.clear(), "8 units prove nothing: {e:?}");
    }

    #[test]
    fn numbers_split_at_their_median() {
        let r = |v: Option<f64>| Reading::Number(v);
        let got = split(
            [
                r(Some(1.0)),
                r(Some(5.0)),
                r(None),
                r(Some(3.0)),
                r(Some(9.0)),
            ]
            .into_iter(),
        );
        // Median of 1, 3, 5, 9 is 4: above it are 5 and 9.
        assert_eq!(
            got,
            [Some(false), Some(true), None, Some(false), Some(true)]
        );
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[2.0]), Some(2.0));
    }
}
