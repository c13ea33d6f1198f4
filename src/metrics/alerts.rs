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
    if rules.0.is_empty() {
        return Vec::new();
    }
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
            Some(_) if self.list.len() == 1 => Scope::One(self.list[0]),
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
        // One account needs no mask (`Members::scope` makes it `Scope::One`): an account scope
        // over many accounts must not build a mask over every account for each of them.
        let members = |list: Vec<AccountIx>| {
            let mut mask = vec![false; if list.len() > 1 { count } else { 0 }];
            for &a in &list {
                if let Some(m) = mask.get_mut(a as usize) {
                    *m = true;
                }
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
            .map(|s| account_match(s.account, s.health, s.arr))
            .collect(),
        Condition::UsageDecline => members
            .scope()
            .accounts(count)
            .filter_map(|a| snapshots?.get(a as usize))
            .filter(|s| s.risk_factors.contains(&RiskFactor::UsageDecline))
            .map(|s| account_match(s.account, s.health, s.arr))
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

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, scored};
    use super::*;
    use crate::data::{Dataset, OptI64, UsageRow};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn used(account: AccountIx, date: NaiveDate, dau: f64) -> UsageRow {
        UsageRow {
            account,
            date,
            active_users: Some(dau).into(),
            monthly_active_users: Some(100.0).into(),
            seats: OptI64::from(None),
            features_used: OptI64::from(None),
            features_available: OptI64::from(None),
        }
    }

    /// Three accounts paying $1,000 a month from August to October 2026; a2 doubles in October.
    /// - a0 (SMB, CSM c1): health 60 on 1 Oct, 40 on 5 Nov; DAU/MAU 50 % in September, 20 % in
    ///   November;
    /// - a1 (SMB, CSM c2): health 30 since 1 Oct; a $5,000.50 renewal flagged at risk due 1 Dec;
    /// - a2 (Enterprise, CSM c1): health 45 on 1 Oct, 70 on 3 Nov.
    fn data() -> Dataset {
        let mut mrr = Vec::new();
        for id in ["a0", "a1", "a2"] {
            for m in ["2026-08", "2026-09"] {
                mrr.push((id, m, 1_000));
            }
        }
        mrr.extend([("a0", "2026-10", 1_000), ("a1", "2026-10", 1_000)]);
        mrr.push(("a2", "2026-10", 2_000));
        let mut ds = dataset(&[("a0", "SMB"), ("a1", "SMB"), ("a2", "Enterprise")], &mrr);
        for (i, csm) in ["c1", "c2", "c1"].iter().enumerate() {
            ds.accounts.rows[i].csm_id = Some(csm.to_string());
        }
        ds.health = Some(vec![
            scored(0, d(10, 1), 60.0),
            scored(0, d(11, 5), 40.0),
            scored(1, d(10, 1), 30.0),
            scored(2, d(10, 1), 45.0),
            scored(2, d(11, 3), 70.0),
        ]);
        ds.usage = Some(vec![used(0, d(9, 5), 50.0), used(0, d(11, 5), 20.0)]);
        ds.renewals = Some(vec![crate::metrics::fixture::renewal(
            1,
            d(12, 1),
            Money(500_050),
            true,
        )]);
        ds
    }

    fn run(rules: &str, as_of: NaiveDate) -> Vec<Alert> {
        let Ok(rules) = crate::alerts::parse(rules) else {
            panic!("valid rules");
        };
        let ds = data();
        let config = config();
        evaluate(
            &Context {
                data: &ds,
                config: &config,
                as_of,
            },
            &rules,
        )
    }

    /// An alert in brief: rule, scope key, status, matched accounts with their new flag.
    type Brief = (String, Option<String>, Status, Vec<(String, bool)>);

    fn summary(alerts: &[Alert]) -> Vec<Brief> {
        alerts
            .iter()
            .map(|a| {
                let matches = match &a.evidence {
                    Evidence::Matches { matches, .. } => {
                        matches.iter().map(|m| (m.account.clone(), m.new)).collect()
                    }
                    _ => Vec::new(),
                };
                (a.rule.clone(), a.scope.key.clone(), a.status, matches)
            })
            .collect()
    }

    fn s(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn health_below_new_ongoing_and_resolved_by_scope() {
        // As of 8 Nov (previous evaluation 1 Nov): a0 fell to 40 (new), a1 stays at 30
        // (ongoing), a2 rose from 45 to 70 (resolved). The rule 'quiet' watches c2 only: a1 is
        // ongoing there, so it reports nothing.
        let rules = "rules:
  company: { health_below: 50 }
  books: { health_below: 50, scope: { csm: each }, every_time: true, resolved: true }
  accounts: { health_below: 50, scope: { account: each }, resolved: true }
  enterprise: { health_below: 50, scope: { segment: Enterprise }, resolved: true }
  quiet: { health_below: 50, scope: { csm: c2 } }
";
        let alerts = run(rules, d(11, 8));
        assert_eq!(
            summary(&alerts),
            [
                // Per account: a0 new, a1 ongoing (not reported without every_time), a2
                // resolved.
                (
                    s("accounts"),
                    Some(s("a0")),
                    Status::New,
                    vec![(s("a0"), true)]
                ),
                (
                    s("accounts"),
                    Some(s("a2")),
                    Status::Resolved,
                    vec![(s("a2"), false)]
                ),
                // c1 (a0, a2): a0 is new, so the book's alert is new; c2 (a1) is ongoing.
                (
                    s("books"),
                    Some(s("c1")),
                    Status::New,
                    vec![(s("a0"), true)]
                ),
                (
                    s("books"),
                    Some(s("c2")),
                    Status::Ongoing,
                    vec![(s("a1"), false)]
                ),
                // One new match makes the company alert new; both listed.
                (
                    s("company"),
                    None,
                    Status::New,
                    vec![(s("a0"), true), (s("a1"), false)]
                ),
                // Resolved lists what matched then, with the score then.
                (
                    s("enterprise"),
                    Some(s("Enterprise")),
                    Status::Resolved,
                    vec![(s("a2"), false)]
                ),
            ]
        );
        let Evidence::Matches { matches, arr, .. } = &alerts[4].evidence else {
            panic!("matches");
        };
        // $12,000 a year each (12 × October's $1,000).
        assert_eq!(*arr, Money(2_400_000));
        assert_eq!(matches[0].health, Some(40.0));
        let Evidence::Matches { matches, .. } = &alerts[5].evidence else {
            panic!("matches");
        };
        assert_eq!(matches[0].health, Some(45.0));
        // A week later nothing changed: only every_time's ongoing alerts are reported.
        let later = run(rules, d(11, 15));
        assert_eq!(
            summary(&later),
            [
                (
                    s("books"),
                    Some(s("c1")),
                    Status::Ongoing,
                    vec![(s("a0"), false)]
                ),
                (
                    s("books"),
                    Some(s("c2")),
                    Status::Ongoing,
                    vec![(s("a1"), false)]
                ),
            ]
        );
    }

    #[test]
    fn renewal_at_risk_within_days_and_usage_decline() {
        // r1 is due 1 Dec: 23 days after 8 Nov (within 25), 30 days after 1 Nov (not).
        // a0's DAU/MAU fell from 50 % (September) to 20 % (November): a decline on 8 Nov; on
        // 1 Nov October has no usage rows, so no decline then.
        let rules = "rules:
  due: { renewal_at_risk: { due_within_days: 25 }, severity: critical, recipients: [team] }
  usage: { usage_decline: true, severity: info }
";
        let alerts = run(rules, d(11, 8));
        assert_eq!(
            summary(&alerts),
            [
                (s("due"), None, Status::New, vec![(s("a1"), true)]),
                (s("usage"), None, Status::New, vec![(s("a0"), true)]),
            ]
        );
        let Evidence::Matches {
            condition,
            matches,
            arr,
        } = &alerts[0].evidence
        else {
            panic!("matches");
        };
        assert_eq!(condition, "renewal at risk due within 25 days");
        assert_eq!(matches[0].renewal.as_deref(), Some("r1"));
        assert_eq!(matches[0].due_on, Some(d(12, 1)));
        assert_eq!(*arr, Money(500_050));
        assert_eq!(alerts[0].recipients, ["team"]);
        // Within 30 days both dates hold: ongoing, not reported.
        let wider = "rules:\n  due: { renewal_at_risk: { due_within_days: 30 } }\n";
        assert!(run(wider, d(11, 8)).is_empty());
    }

    #[test]
    fn metric_thresholds_and_changes() {
        // As of 3 Nov the latest complete month is October (MRR $4,000); on 27 Oct, the previous
        // evaluation, it was September ($3,000; August $3,000 too).
        let rules = "rules:
  big: { metric: mrr, above: 3500 }
  small: { metric: mrr, below: 3500, resolved: true }
  jump: { metric: mrr, change: { by: 20, unit: pct }, severity: critical }
  week: { metric: mrr, change: { by: 500, against: previous_week } }
  segments: { metric: mrr, change: { by: 50, unit: pct }, scope: { segment: each } }
";
        let alerts = run(rules, d(11, 3));
        let Ok(rules) = crate::alerts::parse(rules) else {
            panic!("valid rules");
        };
        assert_eq!(rules.0.len(), 5);
        let view: Vec<(&str, Option<&str>, Status)> = alerts
            .iter()
            .map(|a| (a.rule.as_str(), a.scope.key.as_deref(), a.status))
            .collect();
        // Critical first; then by rule id. SMB's MRR did not change ($2,000): no alert.
        assert_eq!(
            view,
            [
                ("jump", None, Status::New),
                ("big", None, Status::New),
                ("segments", Some("Enterprise"), Status::New),
                ("small", None, Status::Resolved),
                ("week", None, Status::New),
            ]
        );
        // +33.3 % from September's $3,000 to October's $4,000.
        let Evidence::Change {
            period,
            value,
            earlier_period,
            earlier_value,
            change,
            ..
        } = &alerts[0].evidence
        else {
            panic!("a change");
        };
        assert_eq!(
            (period.as_str(), earlier_period.as_str()),
            ("2026-10", "2026-09")
        );
        assert_eq!((*value, *earlier_value), (Some(4_000.0), Some(3_000.0)));
        assert!(change.is_some_and(|c| (c - 100.0 / 3.0).abs() < 1e-9));
        assert_eq!(
            alerts[1].evidence,
            Evidence::Threshold {
                metric: "mrr",
                period: "2026-10".into(),
                basis: None,
                value: Some(4_000.0),
                above: true,
                threshold: 3_500.0,
            }
        );
        // The week's change is October now against September a week ago: +$1,000.
        let Evidence::Change {
            earlier_period,
            change,
            ..
        } = &alerts[4].evidence
        else {
            panic!("a change");
        };
        assert_eq!(
            (earlier_period.as_str(), *change),
            ("2026-09", Some(1_000.0))
        );
        // A week later (10 Nov: October then and now) the threshold still holds (ongoing, not
        // reported) and last week's jump is no news.
        let later: Vec<String> = run(rules_text(), d(11, 10))
            .iter()
            .map(|a| format!("{} {}", a.rule, a.status.name()))
            .collect();
        assert_eq!(later, ["week resolved"]);
    }

    fn rules_text() -> &'static str {
        "rules:
  big: { metric: mrr, above: 3500 }
  jump: { metric: mrr, change: { by: 20, unit: pct } }
  week: { metric: mrr, change: { by: 500, against: previous_week }, resolved: true }
"
    }
}
