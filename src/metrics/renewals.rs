//! Renewal metrics (METRICS.md, Renewals). Renewals *of a period* are those due in it; closed
//! means closed_won or closed_lost; open renewals are pending, never lost. Also the forecast and
//! its board line, pipeline coverage, stage buckets with stalled renewals, forecast accuracy,
//! at-risk accounts and ARR, save rates, and the breakdowns by CSM spread, tenure and leading
//! indicator. Money sums are integer cents.

use super::health::{HealthBand, account_rows, score_on, usage_declined};
use super::win_rates;
use super::{Context, Scope, Value, Values, pct};
use crate::config::ForecastMethod;
use crate::data::{AccountIx, ActivityStatus, ForecastSnapshot, Money, Renewal, RenewalStage};
use crate::period::{Month, Period, PeriodKind};
use chrono::{Days, NaiveDate};
use std::collections::BTreeMap;

/// The renewals of accounts in scope due in `period`.
pub fn due_in<'a>(
    ctx: &'a Context,
    period: &'a Period,
    scope: Scope<'a>,
) -> impl Iterator<Item = &'a Renewal> + 'a {
    let count = ctx.data.accounts.rows.len() as AccountIx;
    super::scoped_rows(
        ctx.data.renewals.as_deref().unwrap_or_default(),
        scope,
        count,
        |r| r.account,
    )
    .filter(move |r| period.contains(r.due_on))
}

/// The probability an open renewal renews: its forecast_probability, else (`renewals.forecast`)
/// its stage weight, or the win rate of its stage and T-minus bucket learned from the renewals
/// closed before as-of (`win_rates`, learned once per as-of day).
pub fn probability(ctx: &Context, r: &Renewal) -> f64 {
    if let Some(p) = r.forecast_probability {
        return p;
    }
    match r.stage {
        RenewalStage::ClosedWon => 1.0,
        RenewalStage::ClosedLost => 0.0,
        open => {
            let weight = stage_weight(ctx, open);
            match ctx.config.renewals.forecast {
                ForecastMethod::Weights => weight,
                ForecastMethod::History => {
                    let rates = ctx.data.win_rates.get_or(ctx.as_of, || {
                        win_rates::learn(ctx, &win_rates::histories(ctx), ctx.as_of)
                    });
                    let days = (r.due_on - ctx.as_of).num_days();
                    rates.probability(win_rates::bucket(days), open, weight)
                }
            }
        }
    }
}

/// The configured weight of an open stage (`renewals.stage_weights`); 0 for a closed one.
pub(crate) fn stage_weight(ctx: &Context, stage: RenewalStage) -> f64 {
    let w = &ctx.config.renewals.stage_weights;
    match stage {
        RenewalStage::NotEngaged => w.not_engaged,
        RenewalStage::InitialDiscussion => w.initial_discussion,
        RenewalStage::ProposalSent => w.proposal_sent,
        RenewalStage::Negotiation => w.negotiation,
        RenewalStage::ClosedWon | RenewalStage::ClosedLost => 0.0,
    }
}

/// Expected renewed ARR in cents: renewed ARR when won, 0 when lost, arr × probability open.
fn expected_cents(ctx: &Context, r: &Renewal) -> f64 {
    match r.stage {
        RenewalStage::ClosedWon | RenewalStage::ClosedLost => {
            r.renewed().map_or(0, Money::cents) as f64
        }
        _ => r.arr.cents() as f64 * probability(ctx, r),
    }
}

/// The board line: "$45M in renewals next quarter: $42M high confidence, $2M at risk, $1M
/// already lost. Forecast $41.5M (92 % retention)". Money in currency units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoardLine {
    /// ARR of every renewal due.
    pub due: f64,
    /// ARR of won renewals and of open ones not at risk (`is_at_risk`).
    pub high_confidence: f64,
    /// ARR of open renewals at risk (`is_at_risk`: flagged, or red health within 180 days).
    pub at_risk: f64,
    /// ARR of closed_lost renewals.
    pub lost: f64,
    /// Renewed ARR of won + expected ARR of open.
    pub forecast: f64,
    /// forecast / due × 100.
    pub forecast_retention: Value,
    /// Each line's share of `due` in percent, from the exact sums: due (100), high
    /// confidence, at risk, lost; `None` when nothing is due.
    pub shares: BoardShares,
}

/// The board line's parts as percentages of the ARR due.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoardShares {
    /// 100 when anything is due.
    pub due: Value,
    pub high_confidence: Value,
    pub at_risk: Value,
    pub lost: Value,
}

/// The board line of `period`.
pub fn board_line(ctx: &Context, period: &Period, scope: Scope) -> BoardLine {
    let (mut due, mut high, mut risk, mut lost, mut forecast) = (0i64, 0i64, 0i64, 0i64, 0.0);
    for r in due_in(ctx, period, scope) {
        due += r.arr.cents();
        forecast += expected_cents(ctx, r);
        match r.stage {
            RenewalStage::ClosedLost => lost += r.arr.cents(),
            RenewalStage::ClosedWon => high += r.arr.cents(),
            _ if is_at_risk(ctx, r) => risk += r.arr.cents(),
            _ => high += r.arr.cents(),
        }
    }
    let units = |c: i64| c as f64 / 100.0;
    BoardLine {
        due: units(due),
        high_confidence: units(high),
        at_risk: units(risk),
        lost: units(lost),
        forecast: forecast / 100.0,
        forecast_retention: pct(forecast, due as f64),
        shares: BoardShares {
            due: pct(due as f64, due as f64),
            high_confidence: pct(high as f64, due as f64),
            at_risk: pct(risk as f64, due as f64),
            lost: pct(lost as f64, due as f64),
        },
    }
}

/// T-minus buckets for open renewals, by days from `as_of` to due.
pub const BUCKETS: [&str; 5] = ["T-120+", "T-90..120", "T-60..90", "T-30..60", "< T-30"];

/// The bucket of a renewal due in `days`, and the stage it should at least have reached.
fn bucket(days: i64) -> (usize, RenewalStage) {
    match days {
        d if d >= 120 => (0, RenewalStage::NotEngaged),
        d if d >= 90 => (1, RenewalStage::NotEngaged),
        d if d >= 60 => (2, RenewalStage::InitialDiscussion),
        d if d >= 30 => (3, RenewalStage::ProposalSent),
        _ => (4, RenewalStage::Negotiation),
    }
}

/// Whether an open renewal is stalled on `as_of`: not_engaged inside T-90, initial_discussion
/// inside T-60, proposal_sent inside T-30.
pub fn is_stalled(r: &Renewal, as_of: NaiveDate) -> bool {
    if r.stage.is_closed() {
        return false;
    }
    let (_, expected) = bucket((r.due_on - as_of).num_days());
    r.stage < expected
}

/// Open renewals (due on or after as_of) per bucket and stage: count, ARR (exact), stalled count.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StageCell {
    pub count: u64,
    pub arr: Money,
    pub stalled: u64,
}

/// `BUCKETS` × open stages (not_engaged..negotiation).
pub fn stage_distribution(ctx: &Context, scope: Scope) -> [[StageCell; 4]; 5] {
    let mut grid: [[StageCell; 4]; 5] = Default::default();
    for r in ctx.data.renewals.iter().flatten() {
        if r.stage.is_closed() || r.due_on < ctx.as_of || !scope.includes(r.account) {
            continue;
        }
        let (b, _) = bucket((r.due_on - ctx.as_of).num_days());
        let cell = &mut grid[b][r.stage as usize];
        cell.count += 1;
        cell.arr += r.arr;
        cell.stalled += u64::from(is_stalled(r, ctx.as_of));
    }
    grid
}

/// The open stages, in the order a renewal moves through them.
pub const OPEN_STAGES: [RenewalStage; 4] = [
    RenewalStage::NotEngaged,
    RenewalStage::InitialDiscussion,
    RenewalStage::ProposalSent,
    RenewalStage::Negotiation,
];

/// The open renewals of one stage: how many and their ARR, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StageTotal {
    /// The stage.
    pub(crate) stage: RenewalStage,
    /// Open renewals in the stage.
    pub(crate) count: u64,
    /// Their ARR, in cents.
    pub(crate) arr: Money,
}

/// The window of "renewals due" wherever the site lists or sums them without another window
/// stated: from as-of through this many days later.
pub(crate) const DUE_WINDOW_DAYS: u64 = 90;

/// The short window of "renewals due soon": from as-of through this many days later. A CSM's
/// "renewal due" reason, the book summary and the attention block use it beside
/// `DUE_WINDOW_DAYS`.
pub(crate) const DUE_SOON_DAYS: u64 = 30;

/// The open renewals of the accounts in scope due from `as_of` through `days` days later (both
/// included), soonest first (then by id).
pub(crate) fn open_due_within<'a>(
    ctx: &'a Context,
    scope: Scope<'a>,
    days: u64,
) -> Vec<&'a Renewal> {
    let mut out = open_due_or_overdue_within(ctx, scope, days);
    out.retain(|r| ctx.as_of <= r.due_on);
    out
}

/// Open renewals of the accounts in scope due at most `days` days after `as_of`, overdue ones
/// included (an open renewal past its due date still needs work), soonest first: the renewals
/// table's selection.
pub(crate) fn open_due_or_overdue_within<'a>(
    ctx: &'a Context,
    scope: Scope<'a>,
    days: u64,
) -> Vec<&'a Renewal> {
    let horizon = ctx
        .as_of
        .checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX);
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    let count = ctx.data.accounts.rows.len() as AccountIx;
    let mut out: Vec<&Renewal> = super::scoped_rows(renewals, scope, count, |r| r.account)
        .filter(|r| !r.stage.is_closed() && r.due_on <= horizon)
        .collect();
    out.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.id.cmp(&b.id)));
    out
}

/// One renewal as a table row shows it on as-of: the renewal and what is derived from it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RenewalRow<'a> {
    /// The renewal (its ARR, exact, and its dates, stage and outcome).
    pub(crate) renewal: &'a Renewal,
    /// Days from as-of to the due date: negative once past due.
    pub(crate) days: i64,
    /// Open and at risk on as-of (`is_at_risk`).
    pub(crate) at_risk: bool,
    /// Open and behind the stage its T-minus bucket expects (`is_stalled`).
    pub(crate) stalled: bool,
    /// The chance an open renewal renews, in percent (`probability` × 100); None once closed.
    pub(crate) forecast_pct: Option<f64>,
    /// Checklist items done, and how many there are.
    pub(crate) checklist: (usize, usize),
}

/// The table row of renewal `r` on as-of.
pub(crate) fn renewal_row<'a>(ctx: &Context, r: &'a Renewal) -> RenewalRow<'a> {
    RenewalRow {
        renewal: r,
        days: (r.due_on - ctx.as_of).num_days(),
        at_risk: is_at_risk(ctx, r),
        stalled: is_stalled(r, ctx.as_of),
        forecast_pct: (!r.stage.is_closed()).then(|| probability(ctx, r) * 100.0),
        checklist: (
            r.checklist.iter().filter(|c| **c == Some(true)).count(),
            r.checklist.len(),
        ),
    }
}

/// Open renewals of the accounts in scope due from `as_of` through `days` days later, per open
/// stage in `OPEN_STAGES` order. The stages are separate groups, not steps of a conversion.
pub(crate) fn open_by_stage(ctx: &Context, scope: Scope, days: u64) -> [StageTotal; 4] {
    let mut out = OPEN_STAGES.map(|stage| StageTotal {
        stage,
        count: 0,
        arr: Money(0),
    });
    for r in open_due_within(ctx, scope, days) {
        if let Some(total) = out.iter_mut().find(|t| t.stage == r.stage) {
            total.count += 1;
            total.arr += r.arr;
        }
    }
    out
}

/// Renewal ARR due in each of `months` months from the month of `as_of`, of the accounts in
/// scope, by state: not engaged, in progress (the other open stages), won, lost. Exact cents.
pub(crate) fn pipeline_by_month(
    ctx: &Context,
    scope: Scope,
    months: i32,
) -> Vec<(Month, [Money; 4])> {
    let first = Month::of(ctx.as_of);
    let mut out: Vec<(Month, [Money; 4])> = (0..months)
        .map(|i| (first.plus(i), [Money(0); 4]))
        .collect();
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    let count = ctx.data.accounts.rows.len() as AccountIx;
    for r in super::scoped_rows(renewals, scope, count, |r| r.account) {
        let m = Month::of(r.due_on);
        let Some((_, row)) = out.iter_mut().find(|(x, _)| *x == m) else {
            continue;
        };
        let j = match r.stage {
            RenewalStage::NotEngaged => 0,
            RenewalStage::ClosedWon => 2,
            RenewalStage::ClosedLost => 3,
            _ => 1,
        };
        row[j] += r.arr;
    }
    out
}

/// Days after `as_of` within which an open renewal of an account in red health is at risk.
pub(crate) const RED_HEALTH_DAYS: i64 = 180;

/// The at-risk rule of open renewals in words, for the pages that state it beside the number.
pub(crate) const AT_RISK_RULE: &str =
    "flagged at risk, or red health and due within 180 days; overdue included";

/// Whether a renewal puts ARR at risk on `as_of`: it is open (not closed won or lost) and either
/// flagged at_risk, or due within `RED_HEALTH_DAYS` for an account in red health. An open renewal
/// past its due date stays at risk (it is overdue, not resolved).
pub fn is_at_risk(ctx: &Context, r: &Renewal) -> bool {
    if r.stage.is_closed() {
        return false;
    }
    r.at_risk || (within_red_health_window(ctx, r) && red_health(ctx, r.account))
}

/// Whether `r` is due no later than `RED_HEALTH_DAYS` after as-of (overdue included).
fn within_red_health_window(ctx: &Context, r: &Renewal) -> bool {
    (r.due_on - ctx.as_of).num_days() <= RED_HEALTH_DAYS
}

/// Whether `account`'s health score on as-of is in the red band.
fn red_health(ctx: &Context, account: AccountIx) -> bool {
    score_on(ctx, account, ctx.as_of)
        .is_some_and(|s| HealthBand::of(s, &ctx.config.health.bands) == HealthBand::Red)
}

/// The renewals of the accounts in scope at risk on as-of (`is_at_risk`), in account order: the
/// one set behind `at_risk_accounts`, `at_risk_arr`, the at-risk tables and the attention block.
pub(crate) fn at_risk<'a>(ctx: &'a Context, scope: Scope<'a>) -> impl Iterator<Item = &'a Renewal> {
    super::scoped_rows(
        ctx.data.renewals.as_deref().unwrap_or_default(),
        scope,
        ctx.data.accounts.rows.len() as AccountIx,
        |r| r.account,
    )
    .filter(move |r| is_at_risk(ctx, r))
}

/// Tables a metric reads when present beyond the ones the catalog requires, so that
/// `postsale metrics ID` loads them and a value never depends on the other metrics asked for:
/// the at-risk rule reads health.csv for red health.
pub(crate) fn also_reads(id: &str) -> &'static [&'static str] {
    match id {
        "at_risk_accounts" | "at_risk_arr" => &["health"],
        _ => &[],
    }
}

/// The window a renewal metric's value covers, for its label: "due in Week 43, 2026 (19–25
/// Oct)" for the renewals due in the period, "as of 2026-11-01" for the at-risk snapshot; None
/// for the other metrics.
pub(crate) fn window(id: &str, period: &Period, as_of: NaiveDate) -> Option<String> {
    match id {
        "renewals_due" | "renewals_due_arr" | "renewals_open" => {
            Some(format!("due in {}", period.label()))
        }
        "at_risk_accounts" | "at_risk_arr" => Some(format!("as of {as_of}")),
        _ => None,
    }
}

/// Open renewals: how many and their ARR, exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct OpenTotal {
    /// Open renewals.
    pub(crate) count: usize,
    /// Their ARR.
    pub(crate) arr: Money,
}

/// The open renewals of the accounts in scope due from as-of through `days` days later (both
/// ends included): "due in the next `days` days". Overdue ones are not in it (see `overdue`).
pub(crate) fn due_within(ctx: &Context, scope: Scope, days: u64) -> OpenTotal {
    let days = i64::try_from(days).unwrap_or(i64::MAX);
    open_total(ctx, scope, |d| (0..=days).contains(&d))
}

/// The open renewals of the accounts in scope past their due date on as-of.
pub(crate) fn overdue(ctx: &Context, scope: Scope) -> OpenTotal {
    open_total(ctx, scope, |d| d < 0)
}

/// The open renewals in scope whose days from as-of to due pass `keep`.
fn open_total(ctx: &Context, scope: Scope, keep: impl Fn(i64) -> bool) -> OpenTotal {
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    let count = ctx.data.accounts.rows.len() as AccountIx;
    let mut total = OpenTotal::default();
    for r in super::scoped_rows(renewals, scope, count, |r| r.account) {
        if !r.stage.is_closed() && keep((r.due_on - ctx.as_of).num_days()) {
            total.count += 1;
            total.arr += r.arr;
        }
    }
    total
}

/// The renewals a forecast on a page of `period` covers: those due in the period after it, or,
/// for a trailing period (whose successor is mostly past), the twelve months from the month of
/// as-of on. A forecast always looks forward.
pub(crate) fn forecast_window(period: &Period, as_of: NaiveDate, fiscal_start: u32) -> Period {
    match period.kind {
        PeriodKind::Ttm => {
            let first = Month::of(as_of);
            Period::months_range(
                PeriodKind::Ttm,
                format!("next-{first}"),
                first,
                first.plus(11),
            )
        }
        _ => period.next(fiscal_start),
    }
}

/// The open renewals at risk on `as_of` (`at_risk`) by risk reason (`unspecified` when none is
/// given): how many and their ARR, exact.
pub fn at_risk_by_reason(ctx: &Context, scope: Scope) -> BTreeMap<&'static str, (u64, Money)> {
    let mut out: BTreeMap<&'static str, (u64, Money)> = BTreeMap::new();
    for r in at_risk(ctx, scope) {
        let e = out
            .entry(r.risk_reason.map_or("unspecified", |x| x.name()))
            .or_default();
        e.0 += 1;
        e.1 += r.arr;
    }
    out
}

/// The indexes of the renewals of the accounts in scope (renewals are sorted by account).
fn scoped_renewals<'a>(
    renewals: &'a [Renewal],
    scope: Scope<'a>,
    count: AccountIx,
) -> impl Iterator<Item = usize> + 'a {
    let whole = matches!(scope, Scope::All);
    let walk = whole.then_some(0..renewals.len()).into_iter().flatten();
    let jump = (!whole)
        .then(move || {
            scope.accounts(count).flat_map(move |a| {
                renewals.partition_point(|r| r.account < a)
                    ..renewals.partition_point(|r| r.account <= a)
            })
        })
        .into_iter()
        .flatten();
    walk.chain(jump)
}

/// The latest forecast snapshot of a renewal dated on or before `day` (snapshots are sorted by
/// renewal, then day).
fn latest_snapshot(
    snapshots: &[ForecastSnapshot],
    renewal: usize,
    day: NaiveDate,
) -> Option<&ForecastSnapshot> {
    let renewal = renewal as u32;
    let end = snapshots.partition_point(|s| (s.renewal, s.snapshot_on) <= (renewal, day));
    snapshots[..end].last().filter(|s| s.renewal == renewal)
}

/// ARR of renewals due in the period whose forecast snapshot at T-`days` was flagged at risk,
/// exact; None without forecast snapshots or renewals.
pub fn at_risk_arr_at(ctx: &Context, period: &Period, scope: Scope, days: u64) -> Option<Money> {
    let snapshots = ctx.data.forecasts.as_deref()?;
    let renewals = ctx.data.renewals.as_deref()?;
    let count = ctx.data.accounts.rows.len() as AccountIx;
    Some(
        scoped_renewals(renewals, scope, count)
            .filter(|&i| {
                let r = &renewals[i];
                let cutoff = r
                    .due_on
                    .checked_sub_days(Days::new(days))
                    .unwrap_or(r.due_on);
                period.contains(r.due_on)
                    && latest_snapshot(snapshots, i, cutoff).is_some_and(|s| s.at_risk)
            })
            .map(|i| renewals[i].arr)
            .sum(),
    )
}

/// Forecast accuracy: actual renewed ARR of the period's closed renewals / their forecast ARR
/// in the latest snapshot on or before `day` × 100.
pub fn forecast_accuracy(ctx: &Context, period: &Period, scope: Scope, day: NaiveDate) -> Value {
    let snapshots = ctx.data.forecasts.as_deref()?;
    let renewals = ctx.data.renewals.as_deref()?;
    let count = ctx.data.accounts.rows.len() as AccountIx;
    let (mut forecast, mut actual) = (0i64, 0i64);
    for i in scoped_renewals(renewals, scope, count) {
        let r = &renewals[i];
        if !period.contains(r.due_on) || !r.stage.is_closed() {
            continue;
        }
        if let Some(s) = latest_snapshot(snapshots, i, day) {
            forecast += s.forecast_arr.cents();
            actual += r.renewed().map_or(0, Money::cents);
        }
    }
    pct(actual as f64, forecast as f64)
}

/// Mean days spent in each stage, from renewal_stages.csv (an entry lasts until the next entry of
/// the same renewal; the last, unless closed, until as_of).
pub fn time_in_stage(ctx: &Context, scope: Scope) -> BTreeMap<RenewalStage, Value> {
    let (Some(entries), Some(renewals)) = (
        ctx.data.renewal_stages.as_deref(),
        ctx.data.renewals.as_deref(),
    ) else {
        return BTreeMap::new();
    };
    let mut by_renewal: BTreeMap<u32, Vec<(NaiveDate, RenewalStage)>> = BTreeMap::new();
    for e in entries
        .iter()
        .filter(|e| scope.includes(renewals[e.renewal as usize].account))
    {
        by_renewal
            .entry(e.renewal)
            .or_default()
            .push((e.entered_on, e.stage));
    }
    let mut sums: BTreeMap<RenewalStage, (i64, u64)> = BTreeMap::new();
    for list in by_renewal.values_mut() {
        list.sort();
        for (i, (entered, stage)) in list.iter().enumerate() {
            if stage.is_closed() {
                continue;
            }
            let until = list.get(i + 1).map_or(ctx.as_of, |(d, _)| *d);
            let e = sums.entry(*stage).or_default();
            e.0 += (until - *entered).num_days().max(0);
            e.1 += 1;
        }
    }
    sums.into_iter()
        .map(|(s, (days, n))| (s, mean(days as f64, n)))
        .collect()
}

/// Renewal rate (logo) of closed renewals, in percent.
fn rate<'a>(rs: impl Iterator<Item = &'a Renewal>) -> (u64, u64, Value) {
    let (mut won, mut closed) = (0u64, 0u64);
    for r in rs.filter(|r| r.stage.is_closed()) {
        closed += 1;
        won += u64::from(r.stage == RenewalStage::ClosedWon);
    }
    (won, closed, pct(won as f64, closed as f64))
}

/// Renewal rate by tenure: the account's 1st, 2nd and 3rd+ renewal (ordered by due date over
/// all of renewals.csv), for renewals due in the period.
pub fn rate_by_tenure(ctx: &Context, period: &Period, scope: Scope) -> [(u64, u64, Value); 3] {
    let Some(all) = ctx.data.renewals.as_deref() else {
        return [(0, 0, None); 3];
    };
    let mut order: Vec<&Renewal> = all.iter().collect();
    order.sort_by_key(|r| (r.account, r.due_on));
    let mut seen: BTreeMap<u32, usize> = BTreeMap::new();
    let mut groups: [Vec<&Renewal>; 3] = Default::default();
    for r in order {
        let n = seen.entry(r.account).or_default();
        *n += 1;
        if period.contains(r.due_on) && scope.includes(r.account) {
            groups[(*n).min(3) - 1].push(r);
        }
    }
    groups.map(|g| rate(g.into_iter()))
}

/// Leading indicators on the period's closed renewals: renewal rate (won, closed, rate) with and
/// without each signal.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadingIndicators {
    pub value_review: [(u64, u64, Value); 2],
    pub sponsor_change_90d: [(u64, u64, Value); 2],
    pub usage_decline_t60: [(u64, u64, Value); 2],
}

pub fn leading_indicators(ctx: &Context, period: &Period, scope: Scope) -> LeadingIndicators {
    let closed: Vec<&Renewal> = due_in(ctx, period, scope)
        .filter(|r| r.stage.is_closed())
        .collect();
    let split = |test: &dyn Fn(&Renewal) -> Option<bool>| {
        let yes = rate(closed.iter().copied().filter(|r| test(r) == Some(true)));
        let no = rate(closed.iter().copied().filter(|r| test(r) == Some(false)));
        [yes, no]
    };
    let sponsor = |r: &Renewal| {
        let changes = ctx.data.sponsor_changes.as_deref()?;
        let from = r.due_on.checked_sub_days(Days::new(90)).unwrap_or(r.due_on);
        let mine = account_rows(changes, r.account, |c| c.account);
        Some(mine.iter().any(|c| from <= c.date && c.date <= r.due_on))
    };
    let decline = |r: &Renewal| {
        usage_declined(
            ctx,
            r.account,
            r.due_on.checked_sub_days(Days::new(60)).unwrap_or(r.due_on),
        )
    };
    LeadingIndicators {
        value_review: split(&|r: &Renewal| r.value_review_done),
        sponsor_change_90d: split(&sponsor),
        usage_decline_t60: split(&decline),
    }
}

/// A group of closed renewals smaller than this is marked as a small sample wherever its rate
/// is shown: one renewal more or less moves its rate by over ten points.
pub const SMALL_GROUP: u64 = 10;

/// One row of the leading-indicator view: a signal known before the renewals closed, one of its
/// groups, and the renewal rate (logo) of the period's closed renewals in that group.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalGroup {
    /// "Health at T-90", "Value review", "Sponsor change (90 days before due)", "Usage decline
    /// at T-60".
    pub signal: &'static str,
    /// The group: "≥ 75", "done", "none"...
    pub group: &'static str,
    pub won: u64,
    pub closed: u64,
    pub rate: Value,
    /// The group's rate minus the rate of every closed renewal of the period, in points.
    pub difference: Value,
}

/// The leading-indicator view of the period's closed renewals for `scope`: each signal's groups
/// with their renewal rates, against the rate of all of them. Renewals a signal cannot say
/// anything about (no health score at T-90, no usage data) are in none of its groups.
pub fn signal_groups(ctx: &Context, period: &Period, scope: Scope) -> Vec<SignalGroup> {
    let all = rate(due_in(ctx, period, scope));
    let row = |signal, group, (won, closed, r): (u64, u64, Value)| SignalGroup {
        signal,
        group,
        won,
        closed,
        rate: r,
        difference: r.zip(all.2).map(|(a, b)| a - b),
    };
    let mut out: Vec<SignalGroup> = super::health::health_at_t90(ctx, scope, period)
        .into_iter()
        .map(|b| row("Health at T-90", b.label, (b.won, b.closed, b.renewal_rate)))
        .collect();
    let l = leading_indicators(ctx, period, scope);
    for (signal, groups, [yes, no]) in [
        ("Value review", ["done", "not done"], l.value_review),
        (
            "Sponsor change (90 days before due)",
            ["changed", "none"],
            l.sponsor_change_90d,
        ),
        (
            "Usage decline at T-60",
            ["declined", "none"],
            l.usage_decline_t60,
        ),
    ] {
        out.push(row(signal, groups[0], yes));
        out.push(row(signal, groups[1], no));
    }
    out
}

/// Open renewals due on or after as-of for `scope`, per open stage: how many, their ARR
/// (exact), how many are stalled, and the mean days renewals spent in the stage
/// (renewal_stages.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    pub stage: RenewalStage,
    pub open: u64,
    pub arr: Money,
    pub stalled: u64,
    pub days_in_stage: Value,
}

/// The stage view: `stage_distribution` summed over the T-minus buckets, with `time_in_stage`.
pub fn stage_rows(ctx: &Context, scope: Scope) -> Vec<StageRow> {
    let grid = stage_distribution(ctx, scope);
    let days = time_in_stage(ctx, scope);
    RenewalStage::ALL[..4]
        .iter()
        .enumerate()
        .map(|(i, stage)| StageRow {
            stage: *stage,
            open: grid.iter().map(|b| b[i].count).sum(),
            arr: grid.iter().map(|b| b[i].arr).sum(),
            stalled: grid.iter().map(|b| b[i].stalled).sum(),
            days_in_stage: days.get(stage).copied().flatten(),
        })
        .collect()
}

/// The spread of renewal rates across CSMs (max − min, points) over the period, with the rates.
/// A spread above 15 points is flagged on pages.
pub fn csm_spread(ctx: &Context, period: &Period) -> (BTreeMap<String, Value>, Value) {
    let mut by: BTreeMap<String, Vec<&Renewal>> = BTreeMap::new();
    for r in due_in(ctx, period, Scope::All) {
        if let Some(csm) = &ctx.data.accounts.rows[r.account as usize].csm_id {
            by.entry(csm.clone()).or_default().push(r);
        }
    }
    let rates: BTreeMap<String, Value> = by
        .into_iter()
        .map(|(k, v)| (k, rate(v.into_iter()).2))
        .collect();
    let known: Vec<f64> = rates.values().flatten().copied().collect();
    let spread = known
        .iter()
        .copied()
        .reduce(f64::max)
        .zip(known.iter().copied().reduce(f64::min))
        .map(|(a, b)| a - b);
    (rates, spread)
}

/// Mix of expansion at renewal by type (`unspecified` when none is given): how many won renewals
/// due in the period expanded, and their expansion ARR, exact.
pub fn expansion_mix(
    ctx: &Context,
    period: &Period,
    scope: Scope,
) -> BTreeMap<&'static str, (u64, Money)> {
    let mut out: BTreeMap<&'static str, (u64, Money)> = BTreeMap::new();
    for r in due_in(ctx, period, scope).filter(|r| r.stage == RenewalStage::ClosedWon) {
        if let Some(e) = r.expansion_arr.filter(|e| e.cents() > 0) {
            let k = out
                .entry(r.expansion_type.map_or("unspecified", |t| t.name()))
                .or_default();
            k.0 += 1;
            k.1 += e;
        }
    }
    out
}

fn mean(sum: f64, n: u64) -> Value {
    if n == 0 { None } else { Some(sum / n as f64) }
}

/// Adds the renewal metrics of `period` for `scope` to `out`. The at-risk accounts and ARR (every
/// renewal in scope checked against the risk rules) are computed in parallel with the rest.
pub fn compute(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    if ctx.data.renewals.is_none() {
        return;
    }
    super::in_parallel(ctx, period, scope, &GROUPS, out);
}

/// The independent groups of the part, computed in parallel.
pub(super) const GROUPS: [super::Group; 2] = [due_metrics, at_risk_metrics];

/// The metrics of the renewals due in the period.
fn due_metrics(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    let rs: Vec<&Renewal> = due_in(ctx, period, scope).collect();
    let closed: Vec<&Renewal> = rs.iter().copied().filter(|r| r.stage.is_closed()).collect();
    let won: Vec<&Renewal> = closed
        .iter()
        .copied()
        .filter(|r| r.stage == RenewalStage::ClosedWon)
        .collect();
    let cents = |it: &mut dyn Iterator<Item = i64>| it.sum::<i64>() as f64;
    let closed_arr = cents(&mut closed.iter().map(|r| r.arr.cents()));
    let renewed = cents(&mut closed.iter().map(|r| r.renewed().map_or(0, Money::cents)));
    let expansion = cents(&mut won.iter().map(|r| r.expansion_arr.map_or(0, Money::cents)));
    out.insert("renewals_due", Some(rs.len() as f64));
    out.insert(
        "renewals_due_arr",
        Some(cents(&mut rs.iter().map(|r| r.arr.cents())) / 100.0),
    );
    out.insert("renewals_open", Some((rs.len() - closed.len()) as f64));
    out.insert("renewal_rate", pct(won.len() as f64, closed.len() as f64));
    out.insert("renewal_gdr", pct(renewed, closed_arr));
    out.insert("renewal_nrr", pct(renewed + expansion, closed_arr));
    let line = board_line(ctx, period, scope);
    out.insert("renewal_forecast_arr", Some(line.forecast));
    out.insert("renewal_forecast_retention", line.forecast_retention);
    // Coverage of the renewal target: by default ARR due × the GRR target (90 % without one).
    let grr_target = ctx
        .config
        .target("grr", Some(super::basis::Basis::Ttm))
        .unwrap_or(90.0);
    out.insert(
        "pipeline_coverage",
        pct(line.forecast, line.due * grr_target / 100.0),
    );

    let at_risk_closed: Vec<&Renewal> = closed.iter().copied().filter(|r| r.at_risk).collect();
    let saved: Vec<&Renewal> = at_risk_closed
        .iter()
        .copied()
        .filter(|r| r.stage == RenewalStage::ClosedWon)
        .collect();
    out.insert(
        "save_rate",
        pct(saved.len() as f64, at_risk_closed.len() as f64),
    );
    out.insert(
        "arr_save_rate",
        pct(
            cents(
                &mut at_risk_closed
                    .iter()
                    .map(|r| r.renewed().map_or(0, Money::cents)),
            ),
            cents(&mut at_risk_closed.iter().map(|r| r.arr.cents())),
        ),
    );
    out.insert(
        "escalation_rate",
        pct(
            rs.iter().filter(|r| r.escalated).count() as f64,
            rs.len() as f64,
        ),
    );
    let early_days = ctx.config.renewals.early_days;
    let early: Vec<i64> = won
        .iter()
        .filter_map(|r| r.closed_on.map(|c| (r.due_on - c).num_days()))
        .filter(|d| *d >= early_days)
        .collect();
    out.insert(
        "early_renewal_rate",
        pct(early.len() as f64, won.len() as f64),
    );
    out.insert(
        "avg_days_early",
        mean(early.iter().sum::<i64>() as f64, early.len() as u64),
    );
    out.insert(
        "multi_year_rate",
        pct(
            won.iter().filter(|r| r.term_months > 12).count() as f64,
            won.len() as f64,
        ),
    );
    let expanded: Vec<&Renewal> = won
        .iter()
        .copied()
        .filter(|r| r.expansion_arr.is_some_and(|e| e.cents() > 0))
        .collect();
    out.insert(
        "expansion_at_renewal_rate",
        pct(expanded.len() as f64, won.len() as f64),
    );
    out.insert(
        "avg_expansion_arr",
        mean(expansion / 100.0, expanded.len() as u64),
    );
    let discounts: Vec<f64> = won.iter().filter_map(|r| r.discount_pct).collect();
    out.insert(
        "avg_discount_pct",
        mean(discounts.iter().sum(), discounts.len() as u64),
    );
    let save_discounts: Vec<f64> = saved.iter().filter_map(|r| r.discount_pct).collect();
    out.insert(
        "save_discount_pct",
        mean(save_discounts.iter().sum(), save_discounts.len() as u64),
    );
    let to_close: Vec<i64> = closed
        .iter()
        .filter_map(|r| Some((r.closed_on? - r.first_outreach_on?).num_days()))
        .collect();
    out.insert(
        "days_to_close",
        mean(to_close.iter().sum::<i64>() as f64, to_close.len() as u64),
    );
    let to_sign: Vec<i64> = won
        .iter()
        .filter_map(|r| Some((r.closed_on? - r.proposal_sent_on?).num_days()))
        .collect();
    out.insert(
        "proposal_to_signature_days",
        mean(to_sign.iter().sum::<i64>() as f64, to_sign.len() as u64),
    );
    if ctx.data.activities.is_some() {
        let counts: Vec<usize> = closed
            .iter()
            .filter_map(|r| {
                let (from, to) = (r.first_outreach_on?, r.closed_on?);
                let mine = ctx.data.activities_of(r.account).unwrap_or_default();
                let done = |a: &&crate::data::Activity| a.status == ActivityStatus::Completed;
                Some(
                    mine.iter()
                        .filter(done)
                        .filter(|a| from <= a.date && a.date <= to)
                        .count(),
                )
            })
            .collect();
        out.insert(
            "touchpoints_to_close",
            mean(counts.iter().sum::<usize>() as f64, counts.len() as u64),
        );
    }
    if ctx.data.forecasts.is_some() {
        let h30 = period
            .end
            .checked_sub_days(Days::new(30))
            .unwrap_or(period.end);
        out.insert(
            "forecast_accuracy_30d",
            forecast_accuracy(ctx, period, scope, h30),
        );
        out.insert(
            "forecast_accuracy_start",
            forecast_accuracy(ctx, period, scope, period.start),
        );
    }
}

/// The accounts and ARR of the renewals at risk now (`at_risk`), over every renewal in scope.
fn at_risk_metrics(ctx: &Context, _period: &Period, scope: Scope, out: &mut Values) {
    let mut accounts: Vec<AccountIx> = Vec::new();
    let mut arr = Money(0);
    for r in at_risk(ctx, scope) {
        accounts.push(r.account);
        arr += r.arr;
    }
    accounts.dedup();
    out.insert("at_risk_accounts", Some(accounts.len() as f64));
    out.insert("at_risk_arr", Some(arr.to_f64()));
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month};
    use super::*;
    use crate::config::Config;
    use crate::data::{Dataset, SponsorChange, SponsorRole};
    use crate::period::PeriodKind;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn q3() -> Period {
        Period::months_range(
            PeriodKind::Quarter,
            "2026-Q3",
            month("2026-07"),
            month("2026-09"),
        )
    }

    fn renewal(account: u32, arr: i64, stage: RenewalStage) -> Renewal {
        Renewal {
            id: String::new(),
            stage,
            ..crate::metrics::fixture::renewal(account, d(8, 15), Money::units(arr), false)
        }
    }

    fn with(renewals: Vec<Renewal>) -> Dataset {
        let n = renewals
            .iter()
            .map(|r| r.account)
            .max()
            .map_or(0, |m| m + 1);
        let ids: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
        let accounts: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "")).collect();
        let mut ds = dataset(&accounts, &[]);
        ds.mrr = None;
        ds.renewals = Some(renewals);
        ds
    }

    fn values_with(ds: &Dataset, config: &Config, as_of: NaiveDate) -> Values {
        let ctx = Context {
            data: ds,
            config,
            as_of,
        };
        let mut out = Values::new();
        compute(&ctx, &q3(), Scope::All, &mut out);
        out
    }

    fn values(ds: &Dataset) -> Values {
        values_with(ds, &config(), d(10, 1))
    }

    #[test]
    fn worked_example_85_of_100_renewed() {
        // 85 of 100 closed renewals won; 10 more still open are pending, not lost.
        let mut rs: Vec<Renewal> = (0..100)
            .map(|i| {
                renewal(
                    i,
                    1_000,
                    if i < 85 {
                        RenewalStage::ClosedWon
                    } else {
                        RenewalStage::ClosedLost
                    },
                )
            })
            .collect();
        rs.extend((100..110).map(|i| renewal(i, 1_000, RenewalStage::Negotiation)));
        let v = values(&with(rs));
        assert_eq!(v["renewal_rate"], Some(85.0));
        assert_eq!(v["renewals_due"], Some(110.0));
        assert_eq!(v["renewals_open"], Some(10.0));
    }

    #[test]
    fn worked_example_850k_of_1m_is_85_pct_gdr() {
        // $1M up for renewal: $600K renewed in full, $300K renewed at $250K, $100K lost;
        // the $50K expansion counts only in the net figure.
        let mut a = renewal(0, 600_000, RenewalStage::ClosedWon);
        a.expansion_arr = Some(Money::units(50_000));
        let mut b = renewal(1, 300_000, RenewalStage::ClosedWon);
        b.renewed_arr = Some(Money::units(250_000));
        let c = renewal(2, 100_000, RenewalStage::ClosedLost);
        let v = values(&with(vec![a, b, c]));
        assert_eq!(v["renewal_gdr"], Some(85.0));
        assert_eq!(v["renewal_nrr"], Some(90.0));
        assert_eq!(v["expansion_at_renewal_rate"], Some(50.0));
        assert_eq!(v["avg_expansion_arr"], Some(50_000.0));
    }

    #[test]
    fn worked_example_1_2m_weighted_on_1m_target_is_120_pct() {
        // Two open $1M renewals at probability 0.6: $1.2M weighted. With a GRR target of 50 %
        // the renewal target is $2M × 50 % = $1M.
        let mut a = renewal(0, 1_000_000, RenewalStage::Negotiation);
        a.forecast_probability = Some(0.6);
        let mut b = renewal(1, 1_000_000, RenewalStage::ProposalSent);
        b.forecast_probability = Some(0.6);
        let mut config = config();
        config
            .targets
            .insert("grr".into(), crate::config::Target::Annual(50.0));
        let v = values_with(&with(vec![a, b]), &config, d(7, 1));
        assert_eq!(v["renewal_forecast_arr"], Some(1_200_000.0));
        assert_eq!(v["pipeline_coverage"], Some(120.0));
    }

    #[test]
    fn worked_example_700k_kept_of_1m_at_risk_is_70_pct() {
        // At-risk renewals: $500K kept in full, $300K kept at $200K, $200K lost → $700K of $1M;
        // two of three logos saved.
        let mut a = renewal(0, 500_000, RenewalStage::ClosedWon);
        let mut b = renewal(1, 300_000, RenewalStage::ClosedWon);
        b.renewed_arr = Some(Money::units(200_000));
        let mut c = renewal(2, 200_000, RenewalStage::ClosedLost);
        for r in [&mut a, &mut b, &mut c] {
            r.at_risk = true;
        }
        a.discount_pct = Some(20.0);
        b.discount_pct = Some(10.0);
        let d4 = renewal(3, 100_000, RenewalStage::ClosedWon);
        let v = values(&with(vec![a, b, c, d4]));
        assert_eq!(v["arr_save_rate"], Some(70.0));
        assert_eq!(v["save_rate"], Some(2.0 / 3.0 * 100.0));
        assert_eq!(v["save_discount_pct"], Some(15.0));
    }

    #[test]
    fn the_board_line() {
        // $45M due: $40M won, $2M open not at risk, $2M open at risk, $1M lost.
        let won = renewal(0, 40_000_000, RenewalStage::ClosedWon);
        let mut open = renewal(1, 2_000_000, RenewalStage::Negotiation);
        open.forecast_probability = Some(0.75);
        let mut risky = renewal(2, 2_000_000, RenewalStage::ProposalSent);
        risky.at_risk = true;
        risky.forecast_probability = Some(0.25);
        let lost = renewal(3, 1_000_000, RenewalStage::ClosedLost);
        let ds = with(vec![won, open, risky, lost]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let line = board_line(&ctx, &q3(), Scope::All);
        // Forecast: 40M + 1.5M + 0.5M = 42M, 93.3 % of 45M.
        assert_eq!(
            (line.due, line.high_confidence, line.at_risk, line.lost),
            (45e6, 42e6, 2e6, 1e6)
        );
        assert_eq!(line.forecast, 42e6);
        assert_eq!(line.forecast_retention, Some(42.0 / 45.0 * 100.0));
        // Shares of the $45M due, from the exact cents: 42/45, 2/45, 1/45.
        assert_eq!(
            line.shares,
            BoardShares {
                due: Some(100.0),
                high_confidence: Some(4_200_000_000.0 / 4_500_000_000.0 * 100.0),
                at_risk: Some(200_000_000.0 / 4_500_000_000.0 * 100.0),
                lost: Some(100_000_000.0 / 4_500_000_000.0 * 100.0),
            }
        );
        // Nothing due the quarter after: zero sums and no shares of nothing.
        let q4 = Period::months_range(
            crate::period::PeriodKind::Quarter,
            "2026-Q4",
            month("2026-10"),
            month("2026-12"),
        );
        let none = board_line(&ctx, &q4, Scope::All);
        assert_eq!((none.due, none.forecast_retention), (0.0, None));
        assert_eq!(
            none.shares,
            BoardShares {
                due: None,
                high_confidence: None,
                at_risk: None,
                lost: None
            }
        );
    }

    #[test]
    fn timing_discounts_terms_and_escalations() {
        let mut a = renewal(0, 1_000, RenewalStage::ClosedWon);
        a.closed_on = Some(d(7, 1)); // 45 days before 15 August: early
        a.first_outreach_on = Some(d(5, 2)); // 60 days to close
        a.proposal_sent_on = Some(d(6, 21)); // 10 days to signature
        a.term_months = 24;
        a.discount_pct = Some(8.0);
        let mut b = renewal(1, 1_000, RenewalStage::ClosedWon);
        b.closed_on = Some(d(8, 1)); // 14 days early: not early
        b.first_outreach_on = Some(d(6, 2)); // 60 days
        b.escalated = true;
        let v = values(&with(vec![
            a,
            b,
            renewal(2, 1_000, RenewalStage::NotEngaged),
        ]));
        assert_eq!(v["early_renewal_rate"], Some(50.0));
        assert_eq!(v["avg_days_early"], Some(45.0));
        assert_eq!(v["multi_year_rate"], Some(50.0));
        assert_eq!(v["days_to_close"], Some(60.0));
        assert_eq!(v["proposal_to_signature_days"], Some(10.0));
        assert_eq!(v["avg_discount_pct"], Some(8.0));
        assert_eq!(v["escalation_rate"], Some(1.0 / 3.0 * 100.0));
    }

    #[test]
    fn no_renewals_or_all_open_leave_ratios_missing() {
        let v = values(&with(vec![renewal(0, 1_000, RenewalStage::Negotiation)]));
        for id in [
            "renewal_rate",
            "renewal_gdr",
            "renewal_nrr",
            "save_rate",
            "arr_save_rate",
            "early_renewal_rate",
            "multi_year_rate",
            "avg_discount_pct",
            "days_to_close",
        ] {
            assert_eq!(v[id], None, "{id}");
        }
        let mut empty = with(Vec::new());
        let v = values(&empty);
        assert_eq!(v["renewals_due"], Some(0.0));
        assert_eq!(v["pipeline_coverage"], None);
        assert_eq!(v["renewal_forecast_retention"], None);
        empty.renewals = None;
        assert!(values(&empty).is_empty());
    }

    #[test]
    fn stalled_renewals_by_bucket() {
        // As of 1 July: due in 50 days (T-30..60) still in initial_discussion: stalled;
        // due in 100 days in not_engaged: fine; due in 20 days in proposal_sent: stalled.
        let mut a = renewal(0, 1_000, RenewalStage::InitialDiscussion);
        a.due_on = d(8, 20);
        let mut b = renewal(1, 2_000, RenewalStage::NotEngaged);
        b.due_on = d(10, 9);
        let mut c = renewal(2, 3_000, RenewalStage::ProposalSent);
        c.due_on = d(7, 21);
        let ds = with(vec![a.clone(), b.clone(), c.clone()]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        assert!(is_stalled(&a, d(7, 1)));
        assert!(!is_stalled(&b, d(7, 1)));
        assert!(is_stalled(&c, d(7, 1)));
        let grid = stage_distribution(&ctx, Scope::All);
        assert_eq!(
            grid[3][1],
            StageCell {
                count: 1,
                arr: Money::units(1_000),
                stalled: 1
            }
        );
        assert_eq!(
            grid[1][0],
            StageCell {
                count: 1,
                arr: Money::units(2_000),
                stalled: 0
            }
        );
        assert_eq!(grid[4][2].stalled, 1);
    }

    #[test]
    fn a_renewal_row_derives_days_risk_forecast_and_checklist() {
        // As of 1 July: due 20 August (50 days) in initial_discussion (stage weight 60 %),
        // flagged at risk, two of five checklist items done; a second one overdue by 5 days with
        // its own 35 %; a third closed won.
        let mut a = renewal(0, 1_000, RenewalStage::InitialDiscussion);
        a.due_on = d(8, 20);
        a.at_risk = true;
        a.checklist = [Some(true), Some(false), Some(true), None, None];
        let mut b = renewal(1, 2_000, RenewalStage::Negotiation);
        b.due_on = d(6, 26);
        b.forecast_probability = Some(0.35);
        let mut c = renewal(2, 3_000, RenewalStage::ClosedWon);
        c.checklist = [Some(true); 5];
        let ds = with(vec![a.clone(), b.clone(), c.clone()]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let row = renewal_row(&ctx, &a);
        assert_eq!(
            (
                row.days,
                row.at_risk,
                row.stalled,
                row.forecast_pct,
                row.checklist
            ),
            (50, true, true, Some(60.0), (2, 5))
        );
        assert_eq!(row.renewal.arr, Money::units(1_000));
        let row = renewal_row(&ctx, &b);
        assert_eq!(
            (
                row.days,
                row.at_risk,
                row.stalled,
                row.forecast_pct,
                row.checklist
            ),
            (-5, false, false, Some(35.0), (0, 5))
        );
        // Closed: no forecast, never at risk or stalled.
        let row = renewal_row(&ctx, &c);
        assert_eq!(
            (
                row.days,
                row.at_risk,
                row.stalled,
                row.forecast_pct,
                row.checklist
            ),
            (45, false, false, None, (5, 5))
        );
    }

    #[test]
    fn open_renewals_by_stage_in_exact_cents() {
        // As of 1 July, 90 days reach 29 September. In the window: two not_engaged renewals
        // ($1,000.10 + $2,000.25 = $3,000.35), one negotiation ($500). Out: a proposal due 30
        // June (past), a negotiation due 30 September (day 91), a won and a lost renewal.
        let mut a = renewal(0, 0, RenewalStage::NotEngaged);
        a.arr = Money(100_010);
        a.due_on = d(7, 1);
        let mut b = renewal(1, 0, RenewalStage::NotEngaged);
        b.arr = Money(200_025);
        b.due_on = d(9, 29);
        let mut c = renewal(2, 500, RenewalStage::Negotiation);
        c.due_on = d(8, 1);
        let mut past = renewal(3, 7_000, RenewalStage::ProposalSent);
        past.due_on = d(6, 30);
        let mut late = renewal(4, 9_000, RenewalStage::Negotiation);
        late.due_on = d(9, 30);
        let won = renewal(5, 4_000, RenewalStage::ClosedWon);
        let lost = renewal(6, 3_000, RenewalStage::ClosedLost);
        let ds = with(vec![a, b, c, past, late, won, lost]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let stages = open_by_stage(&ctx, Scope::All, 90);
        let total = |stage, count, cents| StageTotal {
            stage,
            count,
            arr: Money(cents),
        };
        assert_eq!(
            stages,
            [
                total(RenewalStage::NotEngaged, 2, 300_035),
                total(RenewalStage::InitialDiscussion, 0, 0),
                total(RenewalStage::ProposalSent, 0, 0),
                total(RenewalStage::Negotiation, 1, 50_000),
            ]
        );
        // Only account 1 in scope: its $2,000.25 alone.
        let mask = [false, true, false, false, false, false, false];
        let one = open_by_stage(&ctx, Scope::Only(&mask), 90);
        assert_eq!(one[0], total(RenewalStage::NotEngaged, 1, 200_025));
        assert_eq!(one[3].count, 0);
        // The same window as a list, soonest first: a (1 July), c (1 August), b (29 September).
        let due: Vec<u32> = open_due_within(&ctx, Scope::All, DUE_WINDOW_DAYS)
            .iter()
            .map(|r| r.account)
            .collect();
        assert_eq!(due, vec![0, 2, 1]);
        // A window of 0 days is today's renewals; no renewals table, nothing due.
        assert_eq!(open_due_within(&ctx, Scope::All, 0).len(), 1);
        let empty = Dataset::default();
        let ctx = Context {
            data: &empty,
            config: &config,
            as_of: d(7, 1),
        };
        assert!(open_due_within(&ctx, Scope::All, 90).is_empty());
        assert_eq!(
            open_by_stage(&ctx, Scope::All, 90)[0],
            total(RenewalStage::NotEngaged, 0, 0)
        );
    }

    #[test]
    fn pipeline_by_month_and_state_in_exact_cents() {
        // As of 1 July, three months: July, August, September. August holds the fixture's
        // default due date (15 August): $1,000.01 not engaged, $300 + $200 in progress (proposal
        // and negotiation), $50 won; a lost renewal due in October is out of range.
        let mut a = renewal(0, 0, RenewalStage::NotEngaged);
        a.arr = Money(100_001);
        let b = renewal(1, 300, RenewalStage::ProposalSent);
        let c = renewal(2, 200, RenewalStage::Negotiation);
        let won = renewal(3, 50, RenewalStage::ClosedWon);
        let mut lost = renewal(4, 999, RenewalStage::ClosedLost);
        lost.due_on = d(10, 1);
        let ds = with(vec![a, b, c, won, lost]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let grid = pipeline_by_month(&ctx, Scope::All, 3);
        let zero = [Money(0); 4];
        assert_eq!(
            grid,
            vec![
                (month("2026-07"), zero),
                (
                    month("2026-08"),
                    [Money(100_001), Money(50_000), Money(5_000), Money(0)]
                ),
                (month("2026-09"), zero),
            ]
        );
    }

    #[test]
    fn at_risk_by_flag_or_red_health() {
        let mut flagged = renewal(0, 1_000, RenewalStage::Negotiation);
        flagged.at_risk = true;
        flagged.risk_reason = Some(crate::data::RiskReason::Budget);
        let red = renewal(1, 2_000, RenewalStage::Negotiation);
        let mut far = renewal(2, 4_000, RenewalStage::Negotiation);
        far.due_on = d(12, 31); // red but more than 180 days out on 1 June
        let mut ds = with(vec![flagged, red, far]);
        ds.health = Some(
            [1u32, 2]
                .iter()
                .map(|&a| crate::data::HealthRow {
                    account: a,
                    date: d(5, 1),
                    score: Some(30.0).into(),
                    usage: crate::data::OptF64::NONE,
                    engagement: crate::data::OptF64::NONE,
                    support: crate::data::OptF64::NONE,
                    outcomes: crate::data::OptF64::NONE,
                })
                .collect(),
        );
        let v = values_with(&ds, &config(), d(6, 1));
        assert_eq!(v["at_risk_accounts"], Some(2.0));
        assert_eq!(v["at_risk_arr"], Some(3_000.0));
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(6, 1),
        };
        let by = at_risk_by_reason(&ctx, Scope::All);
        assert_eq!(by.get("budget"), Some(&(1, Money::units(1_000))));
        assert_eq!(by.get("unspecified"), Some(&(1, Money::units(2_000))));
    }

    /// Red health (score 30) on 1 May for each of `accounts`.
    fn red(accounts: &[u32]) -> Vec<crate::data::HealthRow> {
        accounts
            .iter()
            .map(|&a| crate::data::HealthRow {
                account: a,
                date: d(5, 1),
                score: Some(30.0).into(),
                usage: crate::data::OptF64::NONE,
                engagement: crate::data::OptF64::NONE,
                support: crate::data::OptF64::NONE,
                outcomes: crate::data::OptF64::NONE,
            })
            .collect()
    }

    #[test]
    fn an_open_renewal_past_due_stays_at_risk() {
        // As of 1 September, three renewals due 15 August are past due: a0's flagged open one
        // stays at risk (overdue, nothing resolved); a1's open one of an account in red health is
        // within 180 days (overdue counts); a2's flagged one was lost, so nothing is left at risk.
        let mut flagged = renewal(0, 1_000, RenewalStage::Negotiation);
        flagged.at_risk = true;
        let red_open = renewal(1, 2_000, RenewalStage::InitialDiscussion);
        let mut lost = renewal(2, 4_000, RenewalStage::ClosedLost);
        lost.at_risk = true;
        let mut ds = with(vec![flagged, red_open, lost]);
        ds.health = Some(red(&[1, 2]));
        let config = config();
        for day in [d(8, 15), d(8, 16), d(9, 1)] {
            let v = values_with(&ds, &config, day);
            assert_eq!(v["at_risk_accounts"], Some(2.0), "as of {day}");
            assert_eq!(v["at_risk_arr"], Some(3_000.0), "as of {day}");
        }
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(9, 1),
        };
        // 17 days overdue: $3,000 open past due, nothing due in the next 30 days.
        assert_eq!(
            overdue(&ctx, Scope::All),
            OpenTotal {
                count: 2,
                arr: Money::units(3_000)
            }
        );
        assert_eq!(due_within(&ctx, Scope::All, 30), OpenTotal::default());
    }

    #[test]
    fn the_board_line_counts_red_health_as_at_risk() {
        // One meaning of at risk: an unflagged open renewal of an account in red health, due in
        // the quarter (within 180 days of 1 July), is at risk in the board line as in the metric.
        let red_open = renewal(0, 2_500, RenewalStage::Negotiation);
        let fine = renewal(1, 1_000, RenewalStage::Negotiation);
        let mut ds = with(vec![red_open, fine]);
        ds.health = Some(red(&[0]));
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let line = board_line(&ctx, &q3(), Scope::All);
        assert_eq!((line.at_risk, line.high_confidence), (2_500.0, 1_000.0));
        let v = values_with(&ds, &config, d(7, 1));
        assert_eq!(v["at_risk_arr"], Some(line.at_risk));
    }

    #[test]
    fn renewals_due_in_the_next_30_and_90_days_in_exact_cents() {
        // As of 1 July: due 1 July (day 0) and 31 July (day 30) are in the next 30 days; 29
        // September (day 90) only in the next 90; 30 September (day 91) in neither; the one due
        // 30 June is overdue; a won renewal due 10 July is closed, so not due.
        let at = |account, cents, due| Renewal {
            arr: Money(cents),
            due_on: due,
            ..renewal(account, 0, RenewalStage::ProposalSent)
        };
        let mut won = at(5, 100_000, d(7, 10));
        won.stage = RenewalStage::ClosedWon;
        let ds = with(vec![
            at(0, 100_001, d(7, 1)),
            at(1, 50_000, d(7, 31)),
            at(2, 25_000, d(9, 29)),
            at(3, 99_999, d(9, 30)),
            at(4, 7_000, d(6, 30)),
            won,
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let total = |count, cents| OpenTotal {
            count,
            arr: Money(cents),
        };
        assert_eq!(due_within(&ctx, Scope::All, 30), total(2, 150_001));
        assert_eq!(due_within(&ctx, Scope::All, 90), total(3, 175_001));
        assert_eq!(overdue(&ctx, Scope::All), total(1, 7_000));
        let mask = [false, true, true, false, false, false];
        assert_eq!(due_within(&ctx, Scope::Only(&mask), 90), total(2, 75_000));
    }

    #[test]
    fn a_forecast_looks_forward() {
        // The trailing twelve months to October 2026 would be followed by the twelve months to
        // November 2026, eleven of them past on 1 November: the forecast takes November 2026 to
        // October 2027 instead. A quarter's forecast is the next quarter.
        let ttm = Period::ttm_ending(month("2026-10"));
        let w = forecast_window(&ttm, d(11, 1), 1);
        assert_eq!(
            (w.start, w.end),
            (
                d(11, 1),
                NaiveDate::from_ymd_opt(2027, 10, 31).unwrap_or_default()
            )
        );
        let next = forecast_window(&q3(), d(11, 1), 1);
        assert_eq!(
            (next.id.as_str(), next.start, next.end),
            ("2026-Q4", d(10, 1), d(12, 31))
        );
    }

    #[test]
    fn renewal_metrics_name_their_window() {
        let week = Period::week_of(d(10, 21));
        assert_eq!(
            window("renewals_due_arr", &week, d(11, 1)).as_deref(),
            Some("due in Week 43, 2026 (19–25 Oct)")
        );
        assert_eq!(
            window("at_risk_arr", &week, d(11, 1)).as_deref(),
            Some("as of 2026-11-01")
        );
        assert_eq!(window("renewal_rate", &week, d(11, 1)), None);
    }

    #[test]
    fn at_risk_reads_health_when_present() {
        // `postsale metrics at_risk_arr` alone must load health.csv, or the red-health clause
        // would count nothing.
        assert_eq!(also_reads("at_risk_arr"), ["health"]);
        assert_eq!(also_reads("at_risk_accounts"), ["health"]);
        assert!(also_reads("renewal_rate").is_empty());
    }

    #[test]
    fn tenure_spread_and_leading_indicators() {
        // a0: first renewal in 2025 (won), second in Q3 (won); a1: first renewal in Q3 (lost).
        let mut old = renewal(0, 1_000, RenewalStage::ClosedWon);
        old.due_on = NaiveDate::from_ymd_opt(2025, 8, 15).unwrap_or_default();
        let mut second = renewal(0, 1_000, RenewalStage::ClosedWon);
        second.value_review_done = Some(true);
        let mut first = renewal(1, 1_000, RenewalStage::ClosedLost);
        first.value_review_done = Some(false);
        let mut ds = with(vec![old, second, first]);
        ds.accounts.rows[0].csm_id = Some("C1".into());
        ds.accounts.rows[1].csm_id = Some("C2".into());
        ds.sponsor_changes = Some(vec![SponsorChange {
            account: 1,
            date: d(7, 1),
            role: SponsorRole::Champion,
        }]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(10, 1),
        };
        let t = rate_by_tenure(&ctx, &q3(), Scope::All);
        assert_eq!(t[0], (0, 1, Some(0.0))); // 1st renewals in Q3: a1, lost
        assert_eq!(t[1], (1, 1, Some(100.0))); // 2nd: a0, won
        let (rates, spread) = csm_spread(&ctx, &q3());
        assert_eq!(rates.get("C1"), Some(&Some(100.0)));
        assert_eq!(spread, Some(100.0));
        let li = leading_indicators(&ctx, &q3(), Scope::All);
        assert_eq!(li.value_review, [(1, 1, Some(100.0)), (0, 1, Some(0.0))]);
        // a1 changed champion 45 days before its due date.
        assert_eq!(
            li.sponsor_change_90d,
            [(0, 1, Some(0.0)), (1, 1, Some(100.0))]
        );
    }

    #[test]
    fn signal_groups_compare_each_group_with_every_closed_renewal() {
        // Q3: a0 won with a value review, a1 lost without one (and a champion change 45 days
        // before due), a2 won with no answer on the review; an open renewal counts nowhere.
        let mut a = renewal(0, 1_000, RenewalStage::ClosedWon);
        a.value_review_done = Some(true);
        let mut b = renewal(1, 1_000, RenewalStage::ClosedLost);
        b.value_review_done = Some(false);
        let c = renewal(2, 1_000, RenewalStage::ClosedWon);
        let open = renewal(0, 5_000, RenewalStage::Negotiation);
        let mut ds = with(vec![a, b, c, open]);
        ds.sponsor_changes = Some(vec![SponsorChange {
            account: 1,
            date: d(7, 1),
            role: SponsorRole::Champion,
        }]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(10, 1),
        };
        let rows = signal_groups(&ctx, &q3(), Scope::All);
        let find = |signal: &str, group: &str| {
            rows.iter()
                .find(|r| r.signal == signal && r.group == group)
                .map(|r| (r.won, r.closed, r.rate, r.difference))
        };
        // All closed: 2 of 3 won, 66.7 %.
        let all = pct(2.0, 3.0).unwrap_or_default();
        assert_eq!(
            find("Value review", "done"),
            Some((1, 1, Some(100.0), Some(100.0 - all)))
        );
        assert_eq!(
            find("Value review", "not done"),
            Some((0, 1, Some(0.0), Some(-all)))
        );
        assert_eq!(
            find("Sponsor change (90 days before due)", "changed"),
            Some((0, 1, Some(0.0), Some(-all)))
        );
        assert_eq!(
            find("Sponsor change (90 days before due)", "none"),
            Some((2, 2, Some(100.0), Some(100.0 - all)))
        );
        // No health data: the T-90 bands hold nobody, with no rate and no difference.
        assert_eq!(find("Health at T-90", "≥ 75"), Some((0, 0, None, None)));
        assert_eq!(rows.len(), 3 + 2 * 3);
    }

    #[test]
    fn stage_rows_sum_the_buckets_with_stalled_and_days_in_stage() {
        use crate::data::RenewalStageEntry;
        // As of 1 July: two initial_discussion renewals (one due in 50 days: stalled), one
        // not_engaged due in 100 days; a closed one counts nowhere.
        let mut a = renewal(0, 1_000, RenewalStage::InitialDiscussion);
        a.due_on = d(8, 20);
        let mut b = renewal(1, 2_000, RenewalStage::InitialDiscussion);
        b.due_on = d(12, 20);
        let mut c = renewal(2, 4_000, RenewalStage::NotEngaged);
        c.due_on = d(10, 9);
        let won = renewal(2, 8_000, RenewalStage::ClosedWon);
        let mut ds = with(vec![a, b, c, won]);
        // Renewal 0 entered initial_discussion on 1 June (30 days to as-of), renewal 1 on
        // 11 June (20 days).
        ds.renewal_stages = Some(vec![
            RenewalStageEntry {
                renewal: 0,
                stage: RenewalStage::InitialDiscussion,
                entered_on: d(6, 1),
            },
            RenewalStageEntry {
                renewal: 1,
                stage: RenewalStage::InitialDiscussion,
                entered_on: d(6, 11),
            },
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(7, 1),
        };
        let rows = stage_rows(&ctx, Scope::All);
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[1],
            StageRow {
                stage: RenewalStage::InitialDiscussion,
                open: 2,
                arr: Money::units(3_000),
                stalled: 1,
                days_in_stage: Some(25.0),
            }
        );
        assert_eq!(
            (rows[0].open, rows[0].arr, rows[0].stalled),
            (1, Money::units(4_000), 0)
        );
        assert_eq!(rows[0].days_in_stage, None);
        assert_eq!((rows[2].open, rows[3].open), (0, 0));
        // Empty data: every stage at zero.
        let empty = with(Vec::new());
        let ctx = Context {
            data: &empty,
            config: &config,
            as_of: d(7, 1),
        };
        assert!(
            stage_rows(&ctx, Scope::All)
                .iter()
                .all(|r| r.open == 0 && r.arr == Money::ZERO)
        );
    }

    #[test]
    fn forecast_accuracy_and_time_in_stage() {
        use crate::data::{ForecastSnapshot, RenewalStageEntry};
        let mut a = renewal(0, 1_000, RenewalStage::ClosedWon);
        a.renewed_arr = Some(Money::units(900));
        let mut ds = with(vec![a]);
        // Snapshots: 800 on 1 July (the period start) and 1,000 on 25 August (the latest before
        // T-30 = 31 August). Actual renewed ARR: 900.
        ds.forecasts = Some(vec![
            ForecastSnapshot {
                snapshot_on: d(7, 1),
                renewal: 0,
                forecast_arr: Money::units(800),
                at_risk: true,
            },
            ForecastSnapshot {
                snapshot_on: d(8, 25),
                renewal: 0,
                forecast_arr: Money::units(1_000),
                at_risk: false,
            },
        ]);
        ds.renewal_stages = Some(vec![
            RenewalStageEntry {
                renewal: 0,
                stage: RenewalStage::InitialDiscussion,
                entered_on: d(6, 1),
            },
            RenewalStageEntry {
                renewal: 0,
                stage: RenewalStage::ProposalSent,
                entered_on: d(6, 11),
            },
            RenewalStageEntry {
                renewal: 0,
                stage: RenewalStage::ClosedWon,
                entered_on: d(7, 1),
            },
        ]);
        let v = values(&ds);
        assert_eq!(v["forecast_accuracy_start"], Some(900.0 / 800.0 * 100.0));
        assert_eq!(v["forecast_accuracy_30d"], Some(90.0));
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(10, 1),
        };
        let t = time_in_stage(&ctx, Scope::All);
        assert_eq!(t.get(&RenewalStage::InitialDiscussion), Some(&Some(10.0)));
        assert_eq!(t.get(&RenewalStage::ProposalSent), Some(&Some(20.0)));
        // At T-90 (17 May) no snapshot yet; at T-30 (16 July) the 1 July snapshot was at risk.
        assert_eq!(
            at_risk_arr_at(&ctx, &q3(), Scope::All, 90),
            Some(Money::ZERO)
        );
        assert_eq!(
            at_risk_arr_at(&ctx, &q3(), Scope::All, 30),
            Some(Money::units(1_000))
        );
    }

    #[test]
    fn the_expansion_mix_adds_exact_cents() {
        // Three won renewals due in Q3 expanded by $0.10, $0.20 (seats) and $5 (no type); one
        // won without expansion and one lost one with expansion do not count. In f64 $0.10 +
        // $0.20 is not $0.30; in cents it is.
        let won = |account, cents, kind| {
            let mut r = renewal(account, 1_000, RenewalStage::ClosedWon);
            r.expansion_arr = Some(Money(cents));
            r.expansion_type = kind;
            r
        };
        let seats = Some(crate::data::ExpansionType::Seats);
        let mut lost = won(4, 900, seats);
        lost.stage = RenewalStage::ClosedLost;
        let ds = with(vec![
            won(0, 10, seats),
            won(1, 20, seats),
            won(2, 500, None),
            won(3, 0, seats),
            lost,
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(10, 1),
        };
        let mix = expansion_mix(&ctx, &q3(), Scope::All);
        assert_eq!(
            mix.into_iter().collect::<Vec<_>>(),
            [("seats", (2, Money(30))), ("unspecified", (1, Money(500)))]
        );
    }

    proptest::proptest! {
        #[test]
        fn stage_cells_and_risk_reasons_recombine_to_the_open_totals(
            rows in proptest::collection::vec(
                (0u32..5, -40i64..200, 0i64..1_000_000_000, 0usize..6, proptest::bool::ANY, 0usize..7),
                0..40,
            ),
        ) {
            // Renewals of five accounts due from 40 days before as-of (1 July) to 200 after, in
            // any stage, some flagged at risk with a reason or none.
            let mut renewals: Vec<Renewal> = rows
                .iter()
                .enumerate()
                .map(|(i, &(account, days, cents, stage, flagged, reason))| {
                    let mut r = renewal(account, 0, RenewalStage::ALL[stage]);
                    r.id = format!("r{i}");
                    r.arr = Money(cents);
                    r.due_on = d(7, 1)
                        .checked_add_signed(chrono::Duration::days(days))
                        .unwrap_or_default();
                    r.at_risk = flagged;
                    r.risk_reason = crate::data::RiskReason::ALL.get(reason).copied();
                    r
                })
                .collect();
            renewals.sort_by_key(|r| r.account);
            let ds = with(renewals);
            let config = config();
            let ctx = Context {
                data: &ds,
                config: &config,
                as_of: d(7, 1),
            };
            // The T-minus grid's cells of a stage add up to that stage's open total, and the
            // whole grid to every open renewal due from as-of on.
            let grid = stage_distribution(&ctx, Scope::All);
            let by_stage = open_by_stage(&ctx, Scope::All, 10_000);
            for (j, total) in by_stage.iter().enumerate() {
                proptest::prop_assert_eq!(grid.iter().map(|b| b[j].count).sum::<u64>(), total.count);
                proptest::prop_assert_eq!(grid.iter().map(|b| b[j].arr).sum::<Money>(), total.arr);
            }
            let open = due_within(&ctx, Scope::All, 10_000);
            proptest::prop_assert_eq!(
                grid.iter().flatten().map(|c| c.arr).sum::<Money>(),
                open.arr
            );
            let by_hand: i64 = rows
                .iter()
                .filter(|r| r.3 < 4 && r.1 >= 0)
                .map(|r| r.2)
                .sum();
            proptest::prop_assert_eq!(open.arr, Money(by_hand));
            // The reasons split the at-risk renewals, to the cent.
            let reasons = at_risk_by_reason(&ctx, Scope::All);
            let at_risk: Vec<&Renewal> = at_risk(&ctx, Scope::All).collect();
            proptest::prop_assert_eq!(
                reasons.values().map(|t| t.0).sum::<u64>(),
                at_risk.len() as u64
            );
            proptest::prop_assert_eq!(
                reasons.values().map(|t| t.1).sum::<Money>(),
                at_risk.iter().map(|r| r.arr).sum::<Money>()
            );
        }
    }
}
