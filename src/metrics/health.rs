//! Health and usage (METRICS.md, Health): the composite score from components with the
//! configured weights, band shares by customers and by ARR, movers and significant drops, health
//! at T-90 against renewal outcomes, DAU/MAU, active share of seats, feature adoption, usage
//! decline, and time to value.

use super::views::AccountSnapshot;
use super::{Context, Scope, Value, Values, pct};
use crate::config::{HealthBands, HealthWeights};
use crate::data::{AccountIx, HealthRow, Money, RenewalStage};
use crate::period::{Month, Period};
use chrono::{Days, NaiveDate};

/// A health band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HealthBand {
    Green,
    Yellow,
    Red,
}

impl HealthBand {
    pub fn name(self) -> &'static str {
        match self {
            HealthBand::Green => "green",
            HealthBand::Yellow => "yellow",
            HealthBand::Red => "red",
        }
    }

    /// The band of a score with the configured lower bounds.
    pub fn of(score: f64, bands: &HealthBands) -> HealthBand {
        if score >= bands.green {
            HealthBand::Green
        } else if score >= bands.yellow {
            HealthBand::Yellow
        } else {
            HealthBand::Red
        }
    }
}

/// A row's score: `score` when given, else the weighted mean of the components present.
pub fn row_score(row: &HealthRow, w: &HealthWeights) -> Option<f64> {
    if row.score.is_some() {
        return row.score.get();
    }
    let parts = [
        (row.usage, w.usage),
        (row.engagement, w.engagement),
        (row.support, w.support),
        (row.outcomes, w.outcomes),
    ];
    let (sum, weight) = parts
        .iter()
        .filter_map(|(v, w)| v.get().map(|v| (v * w, *w)))
        .fold((0.0, 0.0), |(s, t), (a, b)| (s + a, t + b));
    if weight > 0.0 {
        Some(sum / weight)
    } else {
        None
    }
}

/// The rows of one account in a table sorted by account (health, usage, activities, sponsor
/// changes): the first by binary search, the last by galloping from the first (an account has a
/// few dozen rows, so a few nearby reads instead of a second search over the whole table).
pub(crate) fn account_rows<T>(
    rows: &[T],
    account: AccountIx,
    key: impl Fn(&T) -> AccountIx,
) -> &[T] {
    let lo = rows.partition_point(|r| key(r) < account);
    let rest = &rows[lo..];
    // Everything before `from` belongs to the account, `to` does not (or is the end).
    let (mut from, mut to, mut step) = (0, 0, 1);
    while to < rest.len() && key(&rest[to]) <= account {
        from = to + 1;
        to = (to + step).min(rest.len());
        step *= 2;
    }
    let hi = from + rest[from..to].partition_point(|r| key(r) <= account);
    &rest[..hi]
}

/// The health score of `account` on `day`: its latest row dated on or before it.
pub fn score_on(ctx: &Context, account: AccountIx, day: NaiveDate) -> Option<f64> {
    let rows = ctx.data.health_of(account)?;
    let i = rows.partition_point(|r| r.date <= day);
    rows[..i]
        .iter()
        .rev()
        .find_map(|r| row_score(r, &ctx.config.health.weights))
}

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(day)
}

/// The accounts a health share is taken over: active (MRR > 0) in the period's last month when
/// mrr.csv exists, else every account in scope.
fn active_accounts<'a>(
    ctx: &'a Context,
    scope: Scope<'a>,
    m: Month,
) -> impl Iterator<Item = (AccountIx, i64)> + 'a {
    scope
        .accounts(ctx.data.accounts.rows.len() as AccountIx)
        .filter_map(move |a| match ctx.mrr() {
            Some(mrr) => {
                let v = mrr.get(a, m).0;
                (v > 0).then_some((a, v * 12))
            }
            None => Some((a, 0)),
        })
}

/// One account's score change between two days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mover {
    pub account: AccountIx,
    pub before: f64,
    pub after: f64,
}

impl Mover {
    pub fn change(&self) -> f64 {
        self.after - self.before
    }
}

/// Accounts in scope with a score on both days, largest drop first (ties by account).
pub fn movers(ctx: &Context, scope: Scope, from: NaiveDate, to: NaiveDate) -> Vec<Mover> {
    let mut out: Vec<Mover> = scope
        .accounts(ctx.data.accounts.rows.len() as AccountIx)
        .filter_map(|a| {
            Some(Mover {
                account: a,
                before: score_on(ctx, a, from)?,
                after: score_on(ctx, a, to)?,
            })
        })
        .collect();
    out.sort_by(|x, y| {
        x.change()
            .total_cmp(&y.change())
            .then(x.account.cmp(&y.account))
    });
    out
}

/// Renewal outcome by health 90 days before due, for closed renewals due in the period, in the
/// fixed bands of METRICS.md: `≥ 75`, `50–74`, `< 50`.
#[derive(Debug, Clone, PartialEq)]
pub struct T90Band {
    pub label: &'static str,
    pub closed: u64,
    pub won: u64,
    pub renewal_rate: Value,
}

pub fn health_at_t90(ctx: &Context, scope: Scope, period: &Period) -> Vec<T90Band> {
    let mut counts = [(0u64, 0u64); 3];
    for r in ctx.data.renewals.iter().flatten() {
        if !period.contains(r.due_on) || !r.stage.is_closed() || !scope.includes(r.account) {
            continue;
        }
        let Some(score) = score_on(ctx, r.account, days_before(r.due_on, 90)) else {
            continue;
        };
        let i = if score >= 75.0 {
            0
        } else if score >= 50.0 {
            1
        } else {
            2
        };
        counts[i].0 += 1;
        if r.stage == RenewalStage::ClosedWon {
            counts[i].1 += 1;
        }
    }
    ["≥ 75", "50–74", "< 50"]
        .iter()
        .zip(counts)
        .map(|(label, (closed, won))| T90Band {
            label,
            closed,
            won,
            renewal_rate: pct(won as f64, closed as f64),
        })
        .collect()
}

/// One account's usage in a month: mean DAU, MAU, seats and features (latest row's).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MonthUsage {
    pub dau: Option<f64>,
    pub mau: Option<f64>,
    pub seats: Option<i64>,
    pub features_used: Option<i64>,
    pub features_available: Option<i64>,
}

impl MonthUsage {
    /// DAU / MAU in percent.
    pub fn stickiness(&self) -> Value {
        match (self.dau, self.mau) {
            (Some(d), Some(m)) => pct(d, m),
            _ => None,
        }
    }
}

/// The usage of `account` in month `m`; None without rows that month.
pub fn month_usage(ctx: &Context, account: AccountIx, m: Month) -> Option<MonthUsage> {
    let rows = ctx.data.usage_of(account)?;
    let (first, last) = (m.first_day(), m.last_day());
    let lo = rows.partition_point(|r| r.date < first);
    let hi = rows.partition_point(|r| r.date <= last);
    let rows = &rows[lo..hi];
    if rows.is_empty() {
        return None;
    }
    let dau: Vec<f64> = rows.iter().filter_map(|r| r.active_users.get()).collect();
    let latest_features = rows.iter().rev().find(|r| r.features_available.is_some());
    Some(MonthUsage {
        dau: (!dau.is_empty()).then(|| dau.iter().sum::<f64>() / dau.len() as f64),
        mau: rows
            .iter()
            .filter_map(|r| r.monthly_active_users.get())
            .reduce(f64::max),
        seats: rows.iter().filter_map(|r| r.seats.get()).max(),
        features_used: latest_features.and_then(|r| r.features_used.get()),
        features_available: latest_features.and_then(|r| r.features_available.get()),
    })
}

/// Whether DAU/MAU fell by at least 30 % (relative) over 60 days: from the month two calendar
/// months before the month of `day` to the month of `day`. Always two months apart (October
/// against August), where "the month 60 days before" would be one month back for a 31-day
/// month's end and two for other days.
pub fn usage_declined(ctx: &Context, account: AccountIx, day: NaiveDate) -> Option<bool> {
    let month = Month::of(day);
    let now = month_usage(ctx, account, month)?.stickiness()?;
    let before = month_usage(ctx, account, month.prev().prev())?.stickiness()?;
    if before <= 0.0 {
        return None;
    }
    Some(now <= before * 0.7)
}

fn median(mut xs: Vec<f64>) -> Value {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Time-to-value benchmark in days for a segment (METRICS.md): SMB 7–30, Mid-Market 30–60,
/// Enterprise 60–120, product-led 1–7.
pub fn time_to_value_benchmark(segment: &str) -> Option<(f64, f64)> {
    match segment.to_ascii_lowercase().as_str() {
        "smb" => Some((7.0, 30.0)),
        "mid-market" | "mid market" | "midmarket" => Some((30.0, 60.0)),
        "enterprise" => Some((60.0, 120.0)),
        "product-led" | "plg" => Some((1.0, 7.0)),
        _ => None,
    }
}

/// Adds the health, usage and onboarding metrics of `period` for `scope` to `out`: three
/// independent groups, the first two reading a table of a million rows or more, computed in
/// parallel and merged.
pub fn compute(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    super::in_parallel(ctx, period, scope, &GROUPS, out);
}

/// The independent groups of the part, computed in parallel.
pub(super) const GROUPS: [super::Group; 3] = [health_metrics, usage_metrics, onboarding_metrics];

/// Average score, band shares by customers and by ARR, significant drops.
fn health_metrics(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    let (_, last) = period.months();
    if ctx.data.health.is_some() {
        let bands = &ctx.config.health.bands;
        let (mut n, mut sum, mut arr_total) = (0u64, 0.0, 0i64);
        let mut by_band = [(0u64, 0i64); 3];
        let mut drops = 0u64;
        let start_day = days_before(period.start, 1);
        for (a, arr) in active_accounts(ctx, scope, last) {
            let Some(score) = score_on(ctx, a, period.end) else {
                continue;
            };
            n += 1;
            sum += score;
            arr_total += arr;
            let b = HealthBand::of(score, bands) as usize;
            by_band[b].0 += 1;
            by_band[b].1 += arr;
            if score_on(ctx, a, start_day)
                .is_some_and(|before| before - score >= ctx.config.health.significant_drop)
            {
                drops += 1;
            }
        }
        out.insert(
            "health_score_avg",
            if n == 0 { None } else { Some(sum / n as f64) },
        );
        for (i, band) in ["green", "yellow", "red"].iter().enumerate() {
            let (count_id, arr_id) = match *band {
                "green" => ("health_green_pct", "health_green_arr_pct"),
                "yellow" => ("health_yellow_pct", "health_yellow_arr_pct"),
                _ => ("health_red_pct", "health_red_arr_pct"),
            };
            out.insert(count_id, pct(by_band[i].0 as f64, n as f64));
            if ctx.mrr().is_some() {
                out.insert(arr_id, pct(by_band[i].1 as f64, arr_total as f64));
            }
        }
        out.insert("health_significant_drops", Some(drops as f64));
    }
}

/// DAU/MAU, active seat share, feature adoption and usage decline.
fn usage_metrics(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    let (_, last) = period.months();
    if ctx.data.usage.is_some() {
        let (mut dau, mut mau, mut used, mut available) = (0.0, 0.0, 0i64, 0i64);
        let (mut seat_mau, mut seats) = (0.0, 0.0);
        let (mut declined, mut measured) = (0u64, 0u64);
        for (a, _) in active_accounts(ctx, scope, last) {
            if let Some(u) = month_usage(ctx, a, last) {
                if let (Some(d), Some(m)) = (u.dau, u.mau) {
                    dau += d;
                    mau += m;
                }
                if let (Some(m), Some(s)) = (u.mau, u.seats) {
                    seat_mau += m;
                    seats += s as f64;
                }
                if let (Some(fu), Some(fa)) = (u.features_used, u.features_available) {
                    used += fu;
                    available += fa;
                }
            }
            if let Some(d) = usage_declined(ctx, a, period.end) {
                measured += 1;
                declined += u64::from(d);
            }
        }
        out.insert("dau_mau", pct(dau, mau));
        out.insert("active_seat_pct", pct(seat_mau, seats));
        out.insert("feature_adoption_pct", pct(used as f64, available as f64));
        out.insert("usage_decline_pct", pct(declined as f64, measured as f64));
    }
}

/// Time to first login, to onboarded and to value: medians over the period's milestones.
fn onboarding_metrics(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    if let Some(rows) = &ctx.data.onboarding {
        let mut days = [Vec::new(), Vec::new(), Vec::new()];
        for r in rows.iter().filter(|r| scope.includes(r.account)) {
            let Some(signed) = r.signed_on else { continue };
            for (i, milestone) in [
                r.first_login_on,
                r.onboarding_completed_on,
                r.first_value_on,
            ]
            .into_iter()
            .enumerate()
            {
                if let Some(d) = milestone.filter(|d| period.contains(*d)) {
                    days[i].push((d - signed).num_days() as f64);
                }
            }
        }
        let [login, onboarded, value] = days;
        out.insert("time_to_first_login_days", median(login));
        out.insert("time_to_onboarded_days", median(onboarded));
        out.insert("time_to_value_days", median(value));
    }
}

/// Paying accounts (ARR > 0) with a health score in one band: how many and their ARR, exact,
/// with their shares of all scored paying accounts and of their ARR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BandTotal {
    /// The band.
    pub(crate) band: HealthBand,
    /// Accounts in the band.
    pub(crate) accounts: u64,
    /// Their ARR, in cents.
    pub(crate) arr: Money,
    /// accounts / all scored accounts × 100; `None` when there are none.
    pub(crate) accounts_share: Value,
    /// arr / the ARR of all scored accounts × 100; `None` when that is zero.
    pub(crate) arr_share: Value,
}

/// The scored paying accounts per health band, green, yellow, red, and their whole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BandTotals {
    /// Green, yellow, red.
    pub(crate) bands: [BandTotal; 3],
    /// Scored paying accounts: the sum of the bands' accounts.
    pub(crate) accounts: u64,
    /// Their ARR: the sum of the bands' ARR, exact.
    pub(crate) arr: Money,
}

/// The bands in display order.
pub(crate) const BANDS: [HealthBand; 3] = [HealthBand::Green, HealthBand::Yellow, HealthBand::Red];

/// Accounts and ARR per health band today, of the accounts in `scope` that pay (ARR > 0) and
/// have a score, from their snapshots. Sums are exact; shares come from the exact sums.
pub(crate) fn band_totals(snapshots: &[AccountSnapshot], scope: Scope) -> BandTotals {
    tally_bands(
        snapshots
            .iter()
            .filter(|s| s.arr > Money::ZERO && scope.includes(s.account))
            .map(|s| (s.band, s.arr)),
    )
}

/// Band totals of (band, ARR) pairs; pairs without a band count nowhere.
fn tally_bands(accounts: impl Iterator<Item = (Option<HealthBand>, Money)>) -> BandTotals {
    let mut counts = [0u64; 3];
    let mut arrs = [Money::ZERO; 3];
    for (band, arr) in accounts {
        let Some(band) = band else { continue };
        counts[band as usize] += 1;
        arrs[band as usize] += arr;
    }
    let accounts: u64 = counts.iter().sum();
    let arr: Money = arrs.iter().copied().sum();
    BandTotals {
        bands: BANDS.map(|band| {
            let i = band as usize;
            BandTotal {
                band,
                accounts: counts[i],
                arr: arrs[i],
                accounts_share: pct(counts[i] as f64, accounts as f64),
                arr_share: pct(arrs[i].cents() as f64, arr.cents() as f64),
            }
        }),
        accounts,
        arr,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month};
    use super::*;
    use crate::data::{Dataset, Money, Onboarding, Renewal, UsageRow};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn h(
        account: AccountIx,
        date: NaiveDate,
        score: Option<f64>,
        parts: [Option<f64>; 4],
    ) -> HealthRow {
        let [usage, engagement, support, outcomes] = parts;
        HealthRow {
            account,
            date,
            score: score.into(),
            usage: usage.into(),
            engagement: engagement.into(),
            support: support.into(),
            outcomes: outcomes.into(),
        }
    }

    /// Ten accounts active in April at 100/month, except a9 at 1,400: scores on 30 April are
    /// seven green, two yellow, one red.
    fn ten() -> Dataset {
        let ids: Vec<String> = (0..10).map(|i| format!("a{i}")).collect();
        let accounts: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "")).collect();
        let mrr: Vec<(&str, &str, i64)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), "2026-04", if i == 9 { 1_400 } else { 100 }))
            .collect();
        let mut ds = dataset(&accounts, &mrr);
        let scores = [90.0, 85.0, 80.0, 95.0, 88.0, 81.0, 99.0, 60.0, 50.0, 20.0];
        ds.health = Some(
            scores
                .iter()
                .enumerate()
                .map(|(a, s)| h(a as u32, d(4, 20), Some(*s), [None; 4]))
                .collect(),
        );
        ds
    }

    fn values(ds: &Dataset) -> Values {
        let config = config();
        let ctx = Context {
            data: ds,
            config: &config,
            as_of: d(5, 1),
        };
        let mut out = Values::new();
        compute(&ctx, &Period::month(month("2026-04")), Scope::All, &mut out);
        out
    }

    #[test]
    fn the_composite_score_weights_the_components_present() {
        let w = HealthWeights::default();
        // (40·50 + 30·100) / 70: support and outcomes are missing, so only 70 of the weight counts.
        let row = h(0, d(4, 1), None, [Some(50.0), Some(100.0), None, None]);
        assert_eq!(row_score(&row, &w), Some(5_000.0 / 70.0));
        // An explicit score wins over components.
        assert_eq!(
            row_score(&h(0, d(4, 1), Some(42.0), [Some(90.0); 4]), &w),
            Some(42.0)
        );
        assert_eq!(row_score(&h(0, d(4, 1), None, [None; 4]), &w), None);
    }

    #[test]
    fn the_score_on_a_day_is_the_latest_row_on_or_before_it() {
        let mut ds = dataset(&[("a", ""), ("b", "")], &[]);
        ds.health = Some(vec![
            h(0, d(4, 1), Some(70.0), [None; 4]),
            h(0, d(4, 15), Some(55.0), [None; 4]),
            h(1, d(4, 10), Some(90.0), [None; 4]),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        assert_eq!(score_on(&ctx, 0, d(3, 31)), None);
        assert_eq!(score_on(&ctx, 0, d(4, 14)), Some(70.0));
        assert_eq!(score_on(&ctx, 0, d(4, 15)), Some(55.0));
        assert_eq!(score_on(&ctx, 1, d(4, 30)), Some(90.0));
        // A 15-point fall from 1 to 15 April: the first mover.
        let m = movers(&ctx, Scope::All, d(4, 1), d(4, 15));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].change(), -15.0);
    }

    #[test]
    fn band_shares_by_customers_and_by_arr() {
        let v = values(&ten());
        // 7 of 10 customers green, 2 yellow (60, 50), 1 red (20).
        assert_eq!(v["health_green_pct"], Some(70.0));
        assert_eq!(v["health_yellow_pct"], Some(20.0));
        assert_eq!(v["health_red_pct"], Some(10.0));
        // ARR: green 7 × 1,200 = 8,400 of 9 × 1,200 + 16,800 = 27,600; the red account alone
        // carries 16,800 ("70 % of customers healthy, 30 % of ARR").
        assert_eq!(v["health_green_arr_pct"], Some(8_400.0 / 27_600.0 * 100.0));
        assert_eq!(v["health_red_arr_pct"], Some(16_800.0 / 27_600.0 * 100.0));
        assert_eq!(v["health_score_avg"], Some(74.8));
        // No rows before April: no drop can be measured.
        assert_eq!(v["health_significant_drops"], Some(0.0));
    }

    #[test]
    fn significant_drops_over_the_period() {
        let mut ds = ten();
        // a0 was 100 on 31 March (→ 90: a 10-point drop, significant); a1 was 90 (→ 85: not).
        if let Some(rows) = &mut ds.health {
            rows.push(h(0, d(3, 31), Some(100.0), [None; 4]));
            rows.push(h(1, d(3, 31), Some(90.0), [None; 4]));
            rows.sort_by_key(|r| (r.account, r.date));
        }
        assert_eq!(values(&ds)["health_significant_drops"], Some(1.0));
    }

    #[test]
    fn renewal_rate_by_health_at_t90() {
        let mut ds = ten();
        let renewal = |account, stage| Renewal {
            stage,
            ..crate::metrics::fixture::renewal(account, d(7, 19), Money::units(1_200), false)
        };

        // Due 19 July: T-90 is 20 April. a0 (90) won, a1 (85) lost, a7 (60) won, a9 (20) lost.
        ds.renewals = Some(vec![
            renewal(0, RenewalStage::ClosedWon),
            renewal(1, RenewalStage::ClosedLost),
            renewal(7, RenewalStage::ClosedWon),
            renewal(9, RenewalStage::ClosedLost),
            renewal(2, RenewalStage::Negotiation),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(8, 1),
        };
        let q3 = Period::months_range(
            crate::period::PeriodKind::Quarter,
            "2026-Q3",
            month("2026-07"),
            month("2026-09"),
        );
        let t = health_at_t90(&ctx, Scope::All, &q3);
        assert_eq!(
            (t[0].closed, t[0].won, t[0].renewal_rate),
            (2, 1, Some(50.0))
        );
        assert_eq!(
            (t[1].closed, t[1].won, t[1].renewal_rate),
            (1, 1, Some(100.0))
        );
        assert_eq!(
            (t[2].closed, t[2].won, t[2].renewal_rate),
            (1, 0, Some(0.0))
        );
    }

    fn usage(
        account: AccountIx,
        date: NaiveDate,
        dau: f64,
        mau: f64,
        seats: i64,
        features: (i64, i64),
    ) -> UsageRow {
        UsageRow {
            account,
            date,
            active_users: Some(dau).into(),
            monthly_active_users: Some(mau).into(),
            seats: Some(seats).into(),
            features_used: Some(features.0).into(),
            features_available: Some(features.1).into(),
        }
    }

    #[test]
    fn usage_metrics() {
        let mut ds = dataset(
            &[("a", ""), ("b", "")],
            &[("a", "2026-04", 100), ("b", "2026-04", 100)],
        );
        ds.usage = Some(vec![
            // a: February (two months before April) stickiness 50 %, April 30 %: a 40 % fall.
            usage(0, d(2, 1), 10.0, 20.0, 40, (2, 10)),
            // March is not the baseline: a March fall or rise does not count.
            usage(0, d(3, 1), 4.0, 20.0, 40, (2, 10)),
            usage(0, d(4, 1), 4.0, 20.0, 40, (3, 10)),
            usage(0, d(4, 15), 8.0, 20.0, 40, (4, 10)),
            // b: steady at 50 %.
            usage(1, d(2, 1), 30.0, 60.0, 80, (8, 10)),
            usage(1, d(3, 1), 30.0, 60.0, 80, (8, 10)),
            usage(1, d(4, 1), 30.0, 60.0, 80, (6, 10)),
        ]);
        let v = values(&ds);
        // a's April DAU is the mean 6; Σ DAU 36 / Σ MAU 80.
        assert_eq!(v["dau_mau"], Some(36.0 / 80.0 * 100.0));
        assert_eq!(v["active_seat_pct"], Some(80.0 / 120.0 * 100.0));
        // Features from each account's latest April row: (4 + 6) / 20.
        assert_eq!(v["feature_adoption_pct"], Some(50.0));
        // a's 6/20 = 30 % vs 50 % → −40 %: declined. b steady. One of two.
        assert_eq!(v["usage_decline_pct"], Some(50.0));
    }

    #[test]
    fn the_usage_decline_baseline_is_two_calendar_months_back_for_every_day() {
        let mut ds = dataset(&[("a", "")], &[("a", "2026-07", 100)]);
        // Stickiness: May 50 %, June 40 %, July 30 %, August 50 %.
        ds.usage = Some(vec![
            usage(0, d(5, 1), 10.0, 20.0, 40, (2, 10)),
            usage(0, d(6, 1), 8.0, 20.0, 40, (2, 10)),
            usage(0, d(7, 1), 6.0, 20.0, 40, (2, 10)),
            usage(0, d(8, 1), 10.0, 20.0, 40, (2, 10)),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(12, 1),
        };
        // 31 July and 1 July both compare July with May (−40 %), although 60 days before
        // 31 July is 1 June (June against July would be −25 %, no decline).
        assert_eq!(usage_declined(&ctx, 0, d(7, 31)), Some(true));
        assert_eq!(usage_declined(&ctx, 0, d(7, 1)), Some(true));
        // August against June: a rise.
        assert_eq!(usage_declined(&ctx, 0, d(8, 31)), Some(false));
        // June against April: no April usage, no answer.
        assert_eq!(usage_declined(&ctx, 0, d(6, 30)), None);
    }

    #[test]
    fn time_to_value_medians() {
        let mut ds = dataset(&[("a", "SMB"), ("b", "SMB"), ("c", "SMB")], &[]);
        let o = |account, login: Option<NaiveDate>, value: Option<NaiveDate>| Onboarding {
            account,
            signed_on: Some(d(3, 1)),
            first_login_on: login,
            onboarding_completed_on: None,
            first_value_on: value,
        };
        // First values in April after 40, 45 and 59 days... c's value is in May: outside.
        ds.onboarding = Some(vec![
            o(0, Some(d(3, 3)), Some(d(4, 10))),
            o(1, Some(d(3, 5)), Some(d(4, 15))),
            o(2, Some(d(4, 2)), Some(d(5, 2))),
        ]);
        let v = values(&ds);
        assert_eq!(v["time_to_value_days"], Some(42.5)); // median of 40 and 45
        assert_eq!(v["time_to_first_login_days"], Some(32.0)); // only c logged in during April
        assert_eq!(v["time_to_onboarded_days"], None);
        assert_eq!(time_to_value_benchmark("SMB"), Some((7.0, 30.0)));
    }

    #[test]
    fn empty_tables_and_no_scores_are_missing() {
        let mut ds = dataset(&[("a", "")], &[("a", "2026-04", 100)]);
        ds.health = Some(Vec::new());
        ds.usage = Some(Vec::new());
        let v = values(&ds);
        for id in [
            "health_score_avg",
            "health_green_pct",
            "health_red_arr_pct",
            "dau_mau",
            "active_seat_pct",
            "feature_adoption_pct",
            "usage_decline_pct",
        ] {
            assert_eq!(v[id], None, "{id}");
        }
        ds.health = None;
        ds.usage = None;
        assert!(values(&ds).is_empty());
    }

    #[test]
    fn band_totals_sum_exact_arr_and_share_from_the_sums() {
        let ds = ten();
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let snapshots: Vec<AccountSnapshot> = (0..10)
            .map(|a| super::super::views::account_snapshot(&ctx, a))
            .collect();
        let t = band_totals(&snapshots, Scope::All);
        // Seven green and two yellow at $1,200 ARR (12 × $100), a9 red at $16,800: $27,600.
        assert_eq!((t.accounts, t.arr), (10, Money::units(27_600)));
        let rows: Vec<_> = t
            .bands
            .iter()
            .map(|b| (b.band, b.accounts, b.arr))
            .collect();
        assert_eq!(
            rows,
            vec![
                (HealthBand::Green, 7, Money::units(8_400)),
                (HealthBand::Yellow, 2, Money::units(2_400)),
                (HealthBand::Red, 1, Money::units(16_800)),
            ]
        );
        let shares: Vec<_> = t.bands.iter().map(|b| b.accounts_share).collect();
        assert_eq!(shares, vec![Some(70.0), Some(20.0), Some(10.0)]);
        // 8,400 / 27,600 = 30.43 %: the same share the `health_green_arr_pct` metric reports.
        assert_eq!(t.bands[0].arr_share, Some(840_000.0 / 2_760_000.0 * 100.0));
        assert_eq!(t.bands[0].arr_share, values(&ds)["health_green_arr_pct"]);
        assert_eq!(t.bands[2].arr_share, values(&ds)["health_red_arr_pct"]);
        // One account (a9) in scope: all of it red.
        let red = band_totals(&snapshots, Scope::One(9));
        assert_eq!((red.accounts, red.arr), (1, Money::units(16_800)));
        assert_eq!(red.bands[2].arr_share, Some(100.0));
        assert_eq!(red.bands[0].arr_share, Some(0.0));
    }

    #[test]
    fn band_totals_of_nothing_have_no_shares() {
        // No accounts in scope: zero totals and no shares (a zero denominator), not 0 % or NaN.
        let t = tally_bands(std::iter::empty());
        assert_eq!((t.accounts, t.arr), (0, Money::ZERO));
        assert!(
            t.bands
                .iter()
                .all(|b| b.accounts_share.is_none() && b.arr_share.is_none())
        );
        // Scored accounts with zero ARR in total: account shares, but no ARR shares.
        let t = tally_bands(
            [
                (Some(HealthBand::Green), Money::ZERO),
                (None, Money::units(5)),
                (Some(HealthBand::Red), Money::ZERO),
            ]
            .into_iter(),
        );
        assert_eq!(t.accounts, 2);
        assert_eq!(t.bands[0].accounts_share, Some(50.0));
        assert_eq!(t.bands[1].accounts_share, Some(0.0));
        assert!(t.bands.iter().all(|b| b.arr_share.is_none()));
    }

    proptest::proptest! {
        #[test]
        fn band_totals_recombine_to_the_whole_exactly(
            accounts in proptest::collection::vec((0u8..4, 0i64..10_000_000_000), 0..200),
        ) {
            let band = |b: u8| [Some(HealthBand::Green), Some(HealthBand::Yellow), Some(HealthBand::Red), None][b as usize];
            let t = tally_bands(accounts.iter().map(|(b, c)| (band(*b), Money(*c))));
            let scored: Vec<&(u8, i64)> = accounts.iter().filter(|(b, _)| *b < 3).collect();
            proptest::prop_assert_eq!(t.accounts, scored.len() as u64);
            proptest::prop_assert_eq!(t.arr, Money(scored.iter().map(|(_, c)| c).sum()));
            proptest::prop_assert_eq!(t.bands.iter().map(|b| b.accounts).sum::<u64>(), t.accounts);
            proptest::prop_assert_eq!(t.bands.iter().map(|b| b.arr).sum::<Money>(), t.arr);
            if t.arr > Money::ZERO {
                let shares: f64 = t.bands.iter().filter_map(|b| b.arr_share).sum();
                proptest::prop_assert!((shares - 100.0).abs() < 1e-9);
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn account_rows_are_those_of_two_binary_searches(
            mut keys in proptest::collection::vec(0u32..40, 0..2000),
            account in 0u32..45,
            skew in 1u32..4,
        ) {
            // Skewed too: some accounts with many rows, far from an even spread.
            keys.iter_mut().for_each(|k| *k = k.pow(skew) / 40u32.pow(skew - 1));
            keys.sort_unstable();
            let lo = keys.partition_point(|&k| k < account);
            let hi = keys.partition_point(|&k| k <= account);
            let found = account_rows(&keys, account, |&k| k);
            proptest::prop_assert_eq!(found.as_ptr(), keys[lo..hi].as_ptr());
            proptest::prop_assert_eq!(found.len(), hi - lo);
        }
    }
}
