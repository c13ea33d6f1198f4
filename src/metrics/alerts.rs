//! Alert evaluation: a pure function of (data, config, rules, as-of) → the alerts that fire, each
//! with the values that made it fire. Stateless: an alert's status compares the condition on the
//! as-of date with the condition one week earlier (`PREVIOUS_DAYS`), both computed from the
//! same data, so a rerun gives the same answer. It knows the rules (`crate::alerts`), not how
//! they are printed or delivered.

use super::basis::Basis;
use super::catalog::MetricDef;
use super::views::{AccountSnapshot, RiskFactor, account_snapshot};
use super::{Context, Part, Scope, Value, compute_part};
use crate::alerts::{Change, Condition, Rule, RuleScope, Rules, Severity, Window};
use crate::data::{AccountIx, Money};
use crate::period::Period;
use chrono::{Days, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// Days between two evaluations: alerts are weekly, like the review they feed. An alert is `new`
/// when its condition holds on the as-of date and did not this many days earlier.
pub const PREVIOUS_DAYS: u64 = 7;

/// Whether an alert starts, continues or stops at this evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Holds now, did not at the previous evaluation.
    New,
    /// Held then and holds now (reported only with `every_time`).
    Ongoing,
    /// Held then, not now (reported only with `resolved`).
    Resolved,
}

impl Status {
    /// The name as shown.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Ongoing => "ongoing",
            Status::Resolved => "resolved",
        }
    }
}

/// The accounts an alert is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AlertScope {
    /// `company`, `segment`, `csm` or `account`.
    pub kind: &'static str,
    /// The segment, the csm id or the account id (None for the company).
    pub key: Option<String>,
    /// What pages call it: the segment, the CSM's or the account's name.
    pub name: String,
}

/// One alert that fires.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: String,
    pub severity: Severity,
    pub status: Status,
    pub scope: AlertScope,
    pub recipients: Vec<String>,
    /// Why it fires (or, resolved, the values now).
    pub evidence: Evidence,
}

/// The values behind an alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Evidence {
    /// A metric against a threshold.
    Threshold {
        metric: &'static str,
        period: String,
        basis: Option<Basis>,
        value: Value,
        above: bool,
        threshold: f64,
    },
    /// A metric's change against an earlier value.
    Change {
        metric: &'static str,
        period: String,
        basis: Option<Basis>,
        value: Value,
        /// The earlier period (the previous period, or the latest complete one a week earlier).
        earlier_period: String,
        earlier_value: Value,
        /// Points, or percent of the earlier value with `relative`.
        change: Value,
        by: f64,
        relative: bool,
    },
    /// The accounts or renewals that match, largest ARR first.
    Matches {
        /// What matches, in words: "health below 50", "renewal at risk due within 90 days",
        /// "usage decline".
        condition: String,
        matches: Vec<Match>,
        /// Their ARR, exact.
        #[serde(serialize_with = "money")]
        arr: Money,
    },
}

/// One account (or renewal) matching an alert's condition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// The account id.
    pub account: String,
    pub name: String,
    /// The renewal id, for a renewal condition.
    pub renewal: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// The account's health score on the as-of date, for a health condition.
    pub health: Option<f64>,
    /// The renewal's ARR, or the account's ARR now; exact.
    #[serde(serialize_with = "money")]
    pub arr: Money,
    /// It did not match at the previous evaluation.
    pub new: bool,
}

/// Money in JSON: currency units with the cents as decimals (exact below 2^53 cents).
fn money<S: serde::Serializer>(value: &Money, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(value.to_f64())
}

/// The previous evaluation date of `as_of`.
pub fn previous_date(as_of: NaiveDate) -> NaiveDate {
    as_of
        .checked_sub_days(Days::new(PREVIOUS_DAYS))
        .unwrap_or(as_of)
}

/// The alerts of `rules` on `ctx.as_of`: new ones, ongoing ones of `every_time` rules and
/// resolved ones of `resolved` rules; by severity (critical first), then rule id, then scope.
pub fn evaluate(ctx: &Context, rules: &Rules) -> Vec<Alert> {
    let before = Context {
        as_of: previous_date(ctx.as_of),
        ..*ctx
    };
    let needs_snapshots = rules.0.iter().any(|r| {
        matches!(
            r.condition,
            Condition::HealthBelow(_) | Condition::UsageDecline
        )
    });
    let snapshots = needs_snapshots.then(|| [snapshots(ctx), snapshots(&before)]);
    let groups = Groups::of(ctx);
    let mut out = Vec::new();
    for rule in &rules.0 {
        for (scope, members) in groups.instances(ctx, &rule.scope) {
            let found = match &rule.condition {
                Condition::Threshold { .. } | Condition::Change { .. } => {
                    metric_alert(ctx, &before, rule, &members)
                }
                _ => match_alert(ctx, &before, rule, &members, snapshots.as_ref()),
            };
            let Some((status, evidence)) = found else {
                continue;
            };
            let reported = match status {
                Status::New => true,
                Status::Ongoing => rule.every_time,
                Status::Resolved => rule.resolved,
            };
            if reported {
                out.push(Alert {
                    rule: rule.id.clone(),
                    severity: rule.severity,
                    status,
                    scope,
                    recipients: rule.recipients.clone(),
                    evidence,
                });
            }
        }
    }
    out.sort_by(|a, b| (a.severity, &a.rule, &a.scope).cmp(&(b.severity, &b.rule, &b.scope)));
    out
}

/// The status from whether the condition held then and holds now; None when it holds at neither.
fn status(then: bool, now: bool) -> Option<Status> {
    match (then, now) {
        (false, true) => Some(Status::New),
        (true, true) => Some(Status::Ongoing),
        (true, false) => Some(Status::Resolved),
        (false, false) => None,
    }
}

/// The accounts of one alert: all of them, or a mask with its list.
struct Members {
    mask: Option<Vec<bool>>,
    list: Vec<AccountIx>,
}

impl Members {
    fn scope(&self) -> Scope<'_> {
        match &self.mask {
            None => Scope::All,
            Some(mask) if self.list.len() == 1 => Scope::One(self.list[0]),
            Some(mask) => Scope::Members {
                mask,
                list: &self.list,
            },
        }
    }
}

/// The accounts by segment and by CSM.
struct Groups {
    segments: BTreeMap<String, Vec<AccountIx>>,
    csms: BTreeMap<String, Vec<AccountIx>>,
}

impl Groups {
    fn of(ctx: &Context) -> Groups {
        let mut segments: BTreeMap<String, Vec<AccountIx>> = BTreeMap::new();
        let mut csms: BTreeMap<String, Vec<AccountIx>> = BTreeMap::new();
        for (i, a) in ctx.data.accounts.rows.iter().enumerate() {
            if let Some(s) = &a.segment {
                segments.entry(s.clone()).or_default().push(i as AccountIx);
            }
            if let Some(c) = &a.csm_id {
                csms.entry(c.clone()).or_default().push(i as AccountIx);
            }
        }
        Groups { segments, csms }
    }

    /// Each alert scope of a rule scope with its accounts, in key order.
    fn instances(&self, ctx: &Context, scope: &RuleScope) -> Vec<(AlertScope, Members)> {
        let count = ctx.data.accounts.rows.len();
        let members = |list: Vec<AccountIx>| {
            let mut mask = vec![false; count];
            for &a in &list {
                mask[a as usize] = true;
            }
            Members {
                mask: Some(mask),
                list,
            }
        };
        let pick = |groups: &BTreeMap<String, Vec<AccountIx>>, only: &Option<String>| {
            groups
                .iter()
                .filter(|(k, _)| only.as_ref().is_none_or(|o| o == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Vec<_>>()
        };
        match scope {
            RuleScope::Company => vec![(
                AlertScope {
                    kind: "company",
                    key: None,
                    name: ctx.config.name.clone(),
                },
                Members {
                    mask: None,
                    list: Vec::new(),
                },
            )],
            RuleScope::Segment(only) => pick(&self.segments, only)
                .into_iter()
                .map(|(k, list)| {
                    let scope = AlertScope {
                        kind: "segment",
                        key: Some(k.clone()),
                        name: k,
                    };
                    (scope, members(list))
                })
                .collect(),
            RuleScope::Csm(only) => pick(&self.csms, only)
                .into_iter()
                .map(|(k, list)| {
                    let name = ctx
                        .data
                        .csms
                        .as_ref()
                        .and_then(|c| c.index.get(&k).map(|&i| c.rows[i as usize].name.clone()))
                        .unwrap_or_else(|| k.clone());
                    let scope = AlertScope {
                        kind: "csm",
                        key: Some(k),
                        name,
                    };
                    (scope, members(list))
                })
                .collect(),
            RuleScope::Account => ctx
                .data
                .accounts
                .rows
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let scope = AlertScope {
                        kind: "account",
                        key: Some(a.id.clone()),
                        name: a.name.clone(),
                    };
                    (scope, members(vec![i as AccountIx]))
                })
                .collect(),
        }
    }
}

/// A metric's value over the latest complete `window` on `ctx.as_of`, with that period.
fn metric_value(ctx: &Context, def: &MetricDef, window: Window, scope: Scope) -> (Period, Value) {
    let period = Period::latest_complete(window.kind(), ctx.as_of, ctx.config.fiscal_year_start);
    let value = value_over(ctx, def, &period, scope);
    (period, value)
}

fn value_over(ctx: &Context, def: &MetricDef, period: &Period, scope: Scope) -> Value {
    compute_part(ctx, period, scope, Part::of(def.section))
        .get(def.id)
        .copied()
        .flatten()
}

/// A metric's value and the earlier value it is compared with, with their periods.
fn change_values(
    ctx: &Context,
    def: &MetricDef,
    window: Window,
    change: &Change,
    scope: Scope,
) -> ((Period, Value), (Period, Value)) {
    let now = metric_value(ctx, def, window, scope);
    let earlier = if change.against_week {
        let week_ago = Context {
            as_of: previous_date(ctx.as_of),
            ..*ctx
        };
        metric_value(&week_ago, def, window, scope)
    } else {
        let period = now.0.previous(ctx.config.fiscal_year_start);
        let value = value_over(ctx, def, &period, scope);
        (period, value)
    };
    (now, earlier)
}

/// The change from `earlier` to `now`: points, or percent of `earlier` (missing from 0).
fn difference(now: Value, earlier: Value, relative: bool) -> Value {
    let (now, earlier) = (now?, earlier?);
    if relative {
        (earlier != 0.0).then(|| (now - earlier) / earlier.abs() * 100.0)
    } else {
        Some(now - earlier)
    }
}

/// Whether a change reaches `by` (a fall of at least |by| when negative, a rise when positive).
fn reaches(change: Value, by: f64) -> bool {
    change.is_some_and(|c| if by < 0.0 { c <= by } else { c >= by })
}

/// The status and evidence of a metric rule over `members`, if it holds now or held then.
fn metric_alert(
    now: &Context,
    then: &Context,
    rule: &Rule,
    members: &Members,
) -> Option<(Status, Evidence)> {
    let scope = members.scope();
    match &rule.condition {
        Condition::Threshold {
            metric,
            window,
            above,
            threshold,
        } => {
            let crosses = |v: Value| {
                v.is_some_and(|v| {
                    if *above {
                        v > *threshold
                    } else {
                        v < *threshold
                    }
                })
            };
            let (period, value) = metric_value(now, metric, *window, scope);
            let (_, before) = metric_value(then, metric, *window, scope);
            let status = status(crosses(before), crosses(value))?;
            Some((
                status,
                Evidence::Threshold {
                    metric: metric.id,
                    basis: Basis::of(metric, &period),
                    period: period.id,
                    value,
                    above: *above,
                    threshold: *threshold,
                },
            ))
        }
        Condition::Change {
            metric,
            window,
            change,
        } => {
            let holds = |ctx: &Context| {
                let ((period, value), (earlier_period, earlier_value)) =
                    change_values(ctx, metric, *window, change, scope);
                let diff = difference(value, earlier_value, change.relative);
                (
                    reaches(diff, change.by),
                    period,
                    value,
                    earlier_period,
                    earlier_value,
                    diff,
                )
            };
            let (held, ..) = holds(then);
            let (holds_now, period, value, earlier_period, earlier_value, diff) = holds(now);
            let status = status(held, holds_now)?;
            Some((
                status,
                Evidence::Change {
                    metric: metric.id,
                    basis: Basis::of(metric, &period),
                    period: period.id,
                    value,
                    earlier_period: earlier_period.id,
                    earlier_value,
                    change: diff,
                    by: change.by,
                    relative: change.relative,
                },
            ))
        }
        _ => None,
    }
}

/// Every account's snapshot on `ctx.as_of`, in account order.
fn snapshots(ctx: &Context) -> Vec<AccountSnapshot> {
    use rayon::prelude::*;
    (0..ctx.data.accounts.rows.len() as AccountIx)
        .into_par_iter()
        .map(|a| account_snapshot(ctx, a))
        .collect()
}

/// The matches of a match rule on one date: (account, renewal index or None, health) keyed for
/// comparison with the other date.
fn matches_on(
    ctx: &Context,
    condition: &Condition,
    members: &Members,
    snapshots: Option<&Vec<AccountSnapshot>>,
) -> Vec<Match> {
    let count = ctx.data.accounts.rows.len() as AccountIx;
    let accounts = &ctx.data.accounts.rows;
    let account_match = |a: AccountIx, health: Option<f64>, arr: Money| Match {
        account: accounts[a as usize].id.clone(),
        name: accounts[a as usize].name.clone(),
        renewal: None,
        due_on: None,
        health,
        arr,
        new: false,
    };
    match condition {
        Condition::RenewalAtRisk { due_within_days } => {
            super::renewals::at_risk(ctx, members.scope())
                .filter(|r| (r.due_on - ctx.as_of).num_days() <= *due_within_days)
                .map(|r| Match {
                    renewal: Some(r.id.clone()),
                    due_on: Some(r.due_on),
                    ..account_match(r.account, None, r.arr)
                })
                .collect()
        }
        Condition::HealthBelow(limit) => members
            .scope()
            .accounts(count)
            .filter_map(|a| snapshots?.get(a as usize))
            .filter(|s| s.health.is_some_and(|h| h < *limit))
            .map(|s| account_match(s.account, s.health, s.arr_money))
            .collect(),
        Condition::UsageDecline => members
            .scope()
            .accounts(count)
            .filter_map(|a| snapshots?.get(a as usize))
            .filter(|s| s.risk_factors.contains(&RiskFactor::UsageDecline))
            .map(|s| account_match(s.account, s.health, s.arr_money))
            .collect(),
        _ => Vec::new(),
    }
}

/// The status and evidence of an account or renewal rule over `members`: it holds while anything
/// matches; it is `new` when something matches that did not at the previous evaluation (so a
/// second account turning red re-raises a company-wide alert), `ongoing` when every match
/// matched then too, `resolved` when nothing matches now but something did (listing those).
fn match_alert(
    now: &Context,
    then: &Context,
    rule: &Rule,
    members: &Members,
    snapshots: Option<&[Vec<AccountSnapshot>; 2]>,
) -> Option<(Status, Evidence)> {
    let key = |m: &Match| (m.account.clone(), m.renewal.clone());
    let before = matches_on(then, &rule.condition, members, snapshots.map(|s| &s[1]));
    let mut current = matches_on(now, &rule.condition, members, snapshots.map(|s| &s[0]));
    let earlier: std::collections::HashSet<_> = before.iter().map(key).collect();
    for m in &mut current {
        m.new = !earlier.contains(&key(m));
    }
    let status = match (before.is_empty(), current.is_empty()) {
        (_, false) if current.iter().any(|m| m.new) => Status::New,
        (false, false) => Status::Ongoing,
        (false, true) => Status::Resolved,
        (true, true) => return None,
        (true, false) => Status::New,
    };
    let mut matches = if current.is_empty() { before } else { current };
    matches.sort_by(|a, b| {
        b.arr
            .cmp(&a.arr)
            .then_with(|| a.account.cmp(&b.account))
            .then_with(|| a.renewal.cmp(&b.renewal))
    });
    let arr = matches.iter().map(|m| m.arr).sum();
    let condition = match &rule.condition {
        Condition::HealthBelow(limit) => format!("health below {limit}"),
        Condition::RenewalAtRisk { due_within_days } => {
            format!("renewal at risk due within {due_within_days} days")
        }
        _ => "usage decline".to_string(),
    };
    Some((
        status,
        Evidence::Matches {
            condition,
            matches,
            arr,
        },
    ))
}
