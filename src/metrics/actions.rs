//! Tracked actions (actions.csv) as one issue of a review sees them: the actions open on the
//! issue's date, by owner, with the overdue ones and their days overdue; those closed (done or
//! dropped) since the previous issue; and, for each action with a metric, how that metric moved
//! since the action was opened. Also which accounts an open action covers, for the attention
//! list. Metric values come from the engine (`compute_part`, or the caller's cache of it); how
//! an action, an owner or a movement reads is the site's business.
//!
//! An issue of a review covering a period is taken the day after the period ends, or on the
//! as-of date for the latest issue (whose next period is not complete yet); the previous issue
//! was taken on the period's first day. An action is open on a day when it was created before
//! it and not closed before it; it is closed since the previous issue when its closing date lies
//! from the previous issue's day up to (not including) this one's, so consecutive issues neither
//! skip nor repeat an action.

use super::basis::{self, Basis};
use super::catalog::{self, MetricDef, Unit};
use super::{Context, Value};
use crate::data::{AccountIx, Action, ActionOwner, ActionStatus, CsmIx, Dataset};
use crate::period::{Period, PeriodKind};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

/// Index of an action in `Dataset::actions`.
pub(crate) type ActionIx = u32;

/// The days an issue of a review is taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Issue {
    /// The day the previous issue was taken: actions closed from this day on are news.
    pub(crate) since: NaiveDate,
    /// The day this issue is taken: actions are open or overdue as of this day.
    pub(crate) on: NaiveDate,
}

impl Issue {
    /// The issue of a review covering `period` on `as_of`: taken the day after the period
    /// ends, or on as-of when the next period is not complete on as-of (the latest issue);
    /// the previous issue was taken on the period's first day.
    pub(crate) fn of(period: &Period, as_of: NaiveDate, fiscal_start: u32) -> Issue {
        let next = period.next(fiscal_start);
        let archived = next.end < as_of;
        let on = match period.end.succ_opt() {
            Some(after) if archived => after,
            _ => as_of,
        };
        Issue {
            since: period.start.min(on),
            on,
        }
    }

    /// Every action up to `on`: the open ones and all those ever closed (an account's page).
    pub(crate) fn ever(on: NaiveDate) -> Issue {
        Issue {
            since: NaiveDate::MIN,
            on,
        }
    }
}

/// Which actions a review lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owned<'a> {
    /// Every action.
    All,
    /// The actions about one account.
    Account(AccountIx),
    /// The actions a CSM owns.
    Owner(CsmIx),
    /// The actions about a segment or about one of its accounts.
    Segment(&'a str),
}

impl Owned<'_> {
    fn includes(&self, data: &Dataset, a: &Action) -> bool {
        match *self {
            Owned::All => true,
            Owned::Account(x) => a.account == Some(x),
            Owned::Owner(c) => a.owner == ActionOwner::Csm(c),
            Owned::Segment(s) => {
                a.segment.as_deref() == Some(s)
                    || a.account
                        .and_then(|x| data.accounts.rows.get(x as usize))
                        .is_some_and(|acc| acc.segment.as_deref() == Some(s))
            }
        }
    }
}

/// Where an action's metric is measured.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Account(AccountIx),
    Segment(String),
    Company,
}

/// Whether `def` means something for a single account. Metrics that count or share out
/// accounts (logo churn, active accounts, the share in each health band, accounts not
/// contacted, …) or divide by them (ARPA, LTV) do not: an account action with one of them is
/// measured over the account's segment instead.
fn per_account(def: &MetricDef) -> bool {
    !matches!(
        def.id,
        "active_accounts"
            | "arpa"
            | "logo_churn_rate"
            | "logo_retention_rate"
            | "logo_churn_rate_annualised"
            | "ltv"
            | "ltv_simple"
            | "ltv_cac_ratio"
            | "acv_growth"
            | "land_expand_ratio"
            | "health_green_pct"
            | "health_yellow_pct"
            | "health_red_pct"
            | "health_green_arr_pct"
            | "health_yellow_arr_pct"
            | "health_red_arr_pct"
            | "health_significant_drops"
            | "usage_decline_pct"
            | "at_risk_accounts"
            | "accounts_not_contacted_60d"
            | "accounts_not_contacted_60d_pct"
            | "qbr_completion_pct"
            | "ticket_spike_accounts"
    )
}

/// Where `action`'s metric `def` is measured: its account when the metric means something for
/// one account, else its segment (as written, or its account's), else the whole company.
pub(crate) fn target(data: &Dataset, action: &Action, def: &MetricDef) -> Target {
    if let Some(a) = action.account
        && per_account(def)
    {
        return Target::Account(a);
    }
    let segment = action.segment.clone().or_else(|| {
        action
            .account
            .and_then(|a| data.accounts.rows.get(a as usize))
            .and_then(|acc| acc.segment.clone())
    });
    segment.map_or(Target::Company, Target::Segment)
}

/// A metric's value over one period.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reading {
    pub(crate) period: Period,
    pub(crate) value: Value,
}

/// Why a movement has no change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoChange {
    /// A snapshot metric (at-risk ARR, open tasks, …): the engine keeps no history of it.
    Snapshot,
    /// No month has been completed since the action was opened.
    TooSoon,
    /// A value is missing at either end (or the relative base is zero).
    Missing,
}

/// How an action's metric moved since the action was opened: its value over the last complete
/// month before the action was created against the last complete month before the issue,
/// both on the metric's headline basis (a window rate such as NRR, GRR or logo churn over the
/// trailing twelve months ending at that month; any other metric over the month itself).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Movement {
    pub(crate) metric: &'static MetricDef,
    pub(crate) target: Target,
    /// The basis of both readings, for a rate.
    pub(crate) basis: Option<Basis>,
    pub(crate) before: Reading,
    pub(crate) now: Reading,
    /// The change: in points for percents and scores, in percent of the earlier value
    /// otherwise; or why there is none.
    pub(crate) change: Result<f64, NoChange>,
}

/// Where an action stands on the issue's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Open; `overdue` days past its due date when it is overdue.
    Open {
        overdue: Option<i64>,
    },
    Done(NaiveDate),
    Dropped(NaiveDate),
}

/// One action in a review.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tracked {
    pub(crate) action: ActionIx,
    pub(crate) state: State,
    /// For an action with a metric.
    pub(crate) movement: Option<Movement>,
}

/// The actions of one issue of a review.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Review {
    pub(crate) issue: Issue,
    /// Open on the issue's day, by owner (name), the most overdue first, then by due date.
    pub(crate) open: Vec<Tracked>,
    /// Of `open`, how many are overdue.
    pub(crate) overdue: usize,
    /// Closed since the previous issue, the latest first.
    pub(crate) closed: Vec<Tracked>,
}

/// The name an owner goes by: the CSM's name, or the owner as written.
pub(crate) fn owner_name<'d>(data: &'d Dataset, owner: &'d ActionOwner) -> &'d str {
    match owner {
        ActionOwner::Csm(c) => data
            .csms
            .as_ref()
            .and_then(|t| t.rows.get(*c as usize))
            .map_or("", |c| c.name.as_str()),
        ActionOwner::Other(name) => name,
    }
}

/// Whether `a` is open on `on`: created before it, and not closed before it.
fn open_on(a: &Action, on: NaiveDate) -> bool {
    a.created_on < on && a.closed_on.is_none_or(|c| c >= on)
}

/// A metric's value for a target over a period, as the caller computes it (the engine, or a
/// cache of it).
pub(crate) type ValueOf<'v> = dyn Fn(&Target, &Period, &'static MetricDef) -> Value + 'v;

/// How `action`'s metric moved from before it was created to before `on`.
fn movement(ctx: &Context, action: &Action, on: NaiveDate, value: &ValueOf) -> Option<Movement> {
    let def = catalog::get(action.metric?)?;
    let fiscal = ctx.config.fiscal_year_start;
    let month = |day| Period::latest_complete(PeriodKind::Month, day, fiscal);
    let (first, last) = (month(action.created_on), month(on));
    let (first, last) = (
        basis::headline_period(def, &first),
        basis::headline_period(def, &last),
    );
    let target = target(ctx.data, action, def);
    let reading = |period: Period| {
        let value = if def.is_snapshot() {
            None
        } else {
            value(&target, &period, def)
        };
        Reading { period, value }
    };
    let too_soon = first == last;
    let (before, now) = (reading(first), reading(last));
    let change = if def.is_snapshot() {
        Err(NoChange::Snapshot)
    } else if too_soon {
        Err(NoChange::TooSoon)
    } else {
        match (before.value, now.value) {
            (Some(b), Some(n)) if matches!(def.unit, Unit::Percent | Unit::Score) => Ok(n - b),
            (Some(b), Some(n)) if b != 0.0 => Ok((n - b) / b.abs() * 100.0),
            _ => Err(NoChange::Missing),
        }
    };
    Some(Movement {
        metric: def,
        basis: Basis::of(def, &before.period),
        target,
        before,
        now,
        change,
    })
}

/// The review of the actions `owned` lists at `issue`, each metric read through `value`.
pub(crate) fn review(ctx: &Context, issue: Issue, owned: Owned, value: &ValueOf) -> Review {
    let data = ctx.data;
    let actions = data.actions.as_deref().unwrap_or_default();
    let mut open = Vec::new();
    let mut closed = Vec::new();
    for (i, a) in actions.iter().enumerate() {
        if a.created_on >= issue.on || !owned.includes(data, a) {
            continue;
        }
        let state = if open_on(a, issue.on) {
            let overdue = a
                .due_on
                .filter(|due| *due < issue.on)
                .map(|due| (issue.on - due).num_days());
            State::Open { overdue }
        } else {
            match (a.status, a.closed_on) {
                (_, Some(c)) if c < issue.since => continue,
                (ActionStatus::Dropped, Some(c)) => State::Dropped(c),
                (_, Some(c)) => State::Done(c),
                // An open action is always open (`open_on`).
                (_, None) => continue,
            }
        };
        let tracked = Tracked {
            action: i as ActionIx,
            state,
            movement: movement(ctx, a, issue.on, value),
        };
        match state {
            State::Open { .. } => open.push(tracked),
            _ => closed.push(tracked),
        }
    }
    let action = |t: &Tracked| &actions[t.action as usize];
    open.sort_by(|x, y| {
        let overdue = |t: &Tracked| match t.state {
            State::Open { overdue } => std::cmp::Reverse(overdue),
            _ => std::cmp::Reverse(None),
        };
        let (a, b) = (action(x), action(y));
        owner_name(data, &a.owner)
            .to_lowercase()
            .cmp(&owner_name(data, &b.owner).to_lowercase())
            .then(overdue(x).cmp(&overdue(y)))
            .then(a.due_on.is_none().cmp(&b.due_on.is_none()))
            .then(a.due_on.cmp(&b.due_on))
            .then(a.id.cmp(&b.id))
    });
    closed.sort_by(|x, y| {
        let (a, b) = (action(x), action(y));
        b.closed_on.cmp(&a.closed_on).then(a.id.cmp(&b.id))
    });
    let overdue = open
        .iter()
        .filter(|t| matches!(t.state, State::Open { overdue: Some(_) }))
        .count();
    Review {
        issue,
        open,
        overdue,
        closed,
    }
}

/// The `n` most pressing of `review`'s open actions (the most overdue, then the soonest due,
/// then those without a due date), kept in the review's order by owner: what a list cut to `n`
/// rows shows.
pub(crate) fn most_pressing<'r>(data: &Dataset, review: &'r Review, n: usize) -> Vec<&'r Tracked> {
    let actions = data.actions.as_deref().unwrap_or_default();
    let mut order: Vec<usize> = (0..review.open.len()).collect();
    let key = |i: &usize| {
        let t = &review.open[*i];
        let overdue = match t.state {
            State::Open { overdue } => overdue,
            _ => None,
        };
        let due = actions.get(t.action as usize).and_then(|a| a.due_on);
        (std::cmp::Reverse(overdue), due.is_none(), due, *i)
    };
    order.sort_by_key(key);
    order.truncate(n);
    order.sort_unstable();
    order.into_iter().map(|i| &review.open[i]).collect()
}

/// For each account an open action on `on` is about, that action (the one due first);
/// None without actions.csv.
pub(crate) fn owned_accounts(
    data: &Dataset,
    on: NaiveDate,
) -> Option<FxHashMap<AccountIx, ActionIx>> {
    let actions = data.actions.as_deref()?;
    let mut out: FxHashMap<AccountIx, ActionIx> = FxHashMap::default();
    for (i, a) in actions.iter().enumerate() {
        let Some(account) = a.account else { continue };
        if !open_on(a, on) {
            continue;
        }
        let key = |x: &Action| (x.due_on.is_none(), x.due_on, x.id.clone());
        out.entry(account)
            .and_modify(|held| {
                if key(a) < key(&actions[*held as usize]) {
                    *held = i as ActionIx;
                }
            })
            .or_insert(i as ActionIx);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, scored};
    use super::super::{Part, Scope, compute_part};
    use super::*;
    use crate::data::{Csm, Csms};

    /// `def`'s value over `period` for `target`, from the engine (`compute_part` of its part).
    pub(crate) fn value_at(
        ctx: &Context,
        target: &Target,
        period: &Period,
        def: &MetricDef,
    ) -> Value {
        let values = match target {
            Target::Account(a) => compute_part(ctx, period, Scope::One(*a), Part::of(def.section)),
            Target::Company => compute_part(ctx, period, Scope::All, Part::of(def.section)),
            Target::Segment(s) => {
                let mask: Vec<bool> = ctx
                    .data
                    .accounts
                    .rows
                    .iter()
                    .map(|a| a.segment.as_deref() == Some(s.as_str()))
                    .collect();
                let list: Vec<AccountIx> = (0..mask.len() as AccountIx)
                    .filter(|&a| mask[a as usize])
                    .collect();
                let scope = Scope::Members {
                    mask: &mask,
                    list: &list,
                };
                compute_part(ctx, period, scope, Part::of(def.section))
            }
        };
        values.get(def.id).copied().flatten()
    }

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn action(id: &str, owner: ActionOwner, created: NaiveDate) -> Action {
        Action {
            id: id.into(),
            title: format!("do {id}"),
            owner,
            account: None,
            segment: None,
            metric: None,
            created_on: created,
            due_on: None,
            status: ActionStatus::Open,
            closed_on: None,
            outcome: None,
        }
    }

    /// Three accounts paying since August 2025: a (SMB, $1,000 a month, $1,200 in October
    /// 2026), b (SMB, $500, churned in October 2026) and c (Enterprise, $2,000). Two CSMs, Zoe
    /// (0) and Al (1). a's health: 50 in August 2026, 70 in October.
    fn data() -> Dataset {
        let months: Vec<String> = (0..15)
            .map(|i| crate::period::Month::new(2025, 8).plus(i).to_string())
            .collect();
        let mut mrr: Vec<(&str, &str, i64)> = Vec::new();
        for (i, m) in months.iter().enumerate() {
            let october = i == 14;
            mrr.push(("a", m, if october { 1_200 } else { 1_000 }));
            mrr.push(("b", m, if october { 0 } else { 500 }));
            mrr.push(("c", m, 2_000));
        }
        let mut ds = dataset(&[("a", "SMB"), ("b", "SMB"), ("c", "Enterprise")], &mrr);
        let csm = |id: &str, name: &str| Csm {
            id: id.into(),
            name: name.into(),
            ..Csm::default()
        };
        ds.csms = Some(Csms {
            rows: vec![csm("C1", "Zoe"), csm("C2", "Al")],
            index: [("C1".to_string(), 0), ("C2".to_string(), 1)]
                .into_iter()
                .collect(),
        });
        ds.health = Some(vec![scored(0, d(8, 1), 50.0), scored(0, d(10, 1), 70.0)]);
        ds
    }

    fn with<T>(ds: &Dataset, on: NaiveDate, f: impl FnOnce(&Context) -> T) -> T {
        let config = config();
        let ctx = Context {
            data: ds,
            config: &config,
            as_of: on,
        };
        f(&ctx)
    }

    #[test]
    fn issues_are_taken_the_day_after_their_period_or_on_as_of_for_the_latest() {
        let week = Period::week_of(d(10, 19));
        // On Sunday 1 November the week of 19–25 October is the latest complete one: its issue
        // is taken on as-of, and its news start on the 19th.
        let latest = Issue::of(&week, d(11, 1), 1);
        assert_eq!((latest.since, latest.on), (d(10, 19), d(11, 1)));
        // Two weeks later it is archived: taken on Monday the 26th.
        let archived = Issue::of(&week, d(11, 9), 1);
        assert_eq!((archived.since, archived.on), (d(10, 19), d(10, 26)));
        let october = Period::month(crate::period::Month::new(2026, 10));
        assert_eq!(Issue::of(&october, d(11, 1), 1).on, d(11, 1));
        assert_eq!(Issue::of(&october, d(12, 1), 1).on, d(11, 1));
    }

    #[test]
    fn open_overdue_and_closed_since_the_last_issue_by_owner() {
        let mut ds = data();
        let al = ActionOwner::Csm(1);
        let zoe = ActionOwner::Csm(0);
        ds.actions = Some(vec![
            // Al's: due 20 October, still open on 1 November: 12 days overdue.
            Action {
                due_on: Some(d(10, 20)),
                account: Some(0),
                ..action("x1", al.clone(), d(9, 1))
            },
            // Zoe's: due 30 November, open.
            Action {
                due_on: Some(d(11, 30)),
                ..action("x2", zoe.clone(), d(10, 5))
            },
            // Al's, no due date: open, after his overdue one.
            action("x3", al.clone(), d(10, 6)),
            // Done on 20 October: news of this issue (since 1 October).
            Action {
                status: ActionStatus::Done,
                closed_on: Some(d(10, 20)),
                ..action("x4", zoe.clone(), d(9, 1))
            },
            // Dropped on 30 September: the previous issue's news.
            Action {
                status: ActionStatus::Dropped,
                closed_on: Some(d(9, 30)),
                ..action("x5", zoe.clone(), d(9, 1))
            },
            // "Dana" is no CSM; created on the issue day: not in this issue yet.
            action("x6", ActionOwner::Other("Dana".into()), d(11, 1)),
            // Dropped on 25 October, after x4: listed first.
            Action {
                status: ActionStatus::Dropped,
                closed_on: Some(d(10, 25)),
                ..action("x7", ActionOwner::Other("Dana".into()), d(10, 2))
            },
        ]);
        with(&ds, d(11, 1), |ctx| {
            let issue = Issue::of(
                &Period::month(crate::period::Month::new(2026, 10)),
                d(11, 1),
                1,
            );
            let r = review(ctx, issue, Owned::All, &|t, p, def| {
                value_at(ctx, t, p, def)
            });
            let ids = |list: &[Tracked]| -> Vec<(&str, State)> {
                list.iter()
                    .map(|t| {
                        (
                            ds.actions.as_deref().unwrap_or_default()[t.action as usize]
                                .id
                                .as_str(),
                            t.state,
                        )
                    })
                    .collect()
            };
            // Al before Zoe; Al's overdue one first.
            assert_eq!(
                ids(&r.open),
                [
                    ("x1", State::Open { overdue: Some(12) }),
                    ("x3", State::Open { overdue: None }),
                    ("x2", State::Open { overdue: None }),
                ]
            );
            assert_eq!(r.overdue, 1);
            // Cut to two rows: the overdue x1 and x2 (due 30 November) before x3 (no due
            // date), still by owner.
            let two: Vec<&str> = most_pressing(&ds, &r, 2)
                .iter()
                .map(|t| {
                    ds.actions.as_deref().unwrap_or_default()[t.action as usize]
                        .id
                        .as_str()
                })
                .collect();
            assert_eq!(two, ["x1", "x2"]);
            assert_eq!(
                ids(&r.closed),
                [
                    ("x7", State::Dropped(d(10, 25))),
                    ("x4", State::Done(d(10, 20)))
                ]
            );
            // On 20 October x4 was still open, and x1 not overdue yet (due that day).
            let earlier = Issue {
                since: d(10, 1),
                on: d(10, 20),
            };
            let r = review(ctx, earlier, Owned::Owner(0), &|t, p, def| {
                value_at(ctx, t, p, def)
            });
            assert_eq!(
                ids(&r.open),
                [
                    ("x2", State::Open { overdue: None }),
                    ("x4", State::Open { overdue: None })
                ]
            );
            assert!(r.closed.is_empty());
            // One account's actions, ever.
            let r = review(
                ctx,
                Issue::ever(d(11, 1)),
                Owned::Account(0),
                &|t, p, def| value_at(ctx, t, p, def),
            );
            assert_eq!(ids(&r.open), [("x1", State::Open { overdue: Some(12) })]);
            // No metric, no movement.
            assert_eq!(r.open[0].movement, None);
        });
    }

    #[test]
    fn an_empty_or_absent_table_reviews_to_nothing() {
        let mut ds = data();
        with(&ds, d(11, 1), |ctx| {
            let r = review(ctx, Issue::ever(d(11, 1)), Owned::All, &|_, _, _| None);
            assert!(r.open.is_empty() && r.closed.is_empty());
            assert_eq!(owned_accounts(ctx.data, d(11, 1)), None);
        });
        ds.actions = Some(Vec::new());
        with(&ds, d(11, 1), |ctx| {
            let r = review(
                ctx,
                Issue::ever(d(11, 1)),
                Owned::Segment("SMB"),
                &|_, _, _| None,
            );
            assert_eq!((r.open.len(), r.closed.len(), r.overdue), (0, 0, 0));
            assert_eq!(
                owned_accounts(ctx.data, d(11, 1)),
                Some(FxHashMap::default())
            );
        });
    }

    #[test]
    fn movement_since_opened_on_the_metrics_own_basis() {
        let mut ds = data();
        let zoe = ActionOwner::Csm(0);
        ds.actions = Some(vec![
            // a's health score: 50 in August (the month before 9 September), 70 in October:
            // +20 points, at the account.
            Action {
                account: Some(0),
                metric: Some("health_score_avg"),
                ..action("h", zoe.clone(), d(9, 9))
            },
            // Logo churn for account a is measured over its segment, SMB: over the twelve
            // months to August nobody churned (0 %); to October b churned, one of the two SMB
            // accounts active at the start of the window: 50 %, +50 points.
            Action {
                account: Some(0),
                metric: Some("logo_churn_rate"),
                ..action("l", zoe.clone(), d(9, 9))
            },
            // Company MRR: $3,500 in August, $3,200 in October: -8.57 %.
            Action {
                metric: Some("mrr"),
                ..action("m", zoe.clone(), d(9, 9))
            },
            // Opened in October, issue on 20 October: no month completed since.
            Action {
                metric: Some("mrr"),
                ..action("s", zoe.clone(), d(10, 2))
            },
            // A snapshot metric has no history.
            Action {
                segment: Some("Enterprise".into()),
                metric: Some("at_risk_arr"),
                ..action("r", zoe.clone(), d(9, 9))
            },
        ]);
        with(&ds, d(11, 1), |ctx| {
            let value = |t: &Target, p: &Period, def: &'static MetricDef| value_at(ctx, t, p, def);
            let r = review(ctx, Issue::ever(d(11, 1)), Owned::All, &value);
            let by_id = |id: &str| -> Movement {
                let actions = ctx.data.actions.as_deref().unwrap_or_default();
                r.open
                    .iter()
                    .find(|t| actions[t.action as usize].id == id)
                    .and_then(|t| t.movement.clone())
                    .unwrap_or_else(|| panic!("{id}"))
            };
            let h = by_id("h");
            assert_eq!(h.target, Target::Account(0));
            assert_eq!(
                (h.before.period.id.as_str(), h.now.period.id.as_str()),
                ("2026-08", "2026-10")
            );
            assert_eq!(
                (h.before.value, h.now.value, h.change),
                (Some(50.0), Some(70.0), Ok(20.0))
            );
            assert!(h.basis.is_none());
            let l = by_id("l");
            assert_eq!(l.target, Target::Segment("SMB".into()));
            assert_eq!(l.basis, Some(Basis::Ttm));
            assert_eq!(
                (l.before.period.id.as_str(), l.now.period.id.as_str()),
                ("ttm-2026-08", "ttm-2026-10")
            );
            assert_eq!(
                (l.before.value, l.now.value, l.change),
                (Some(0.0), Some(50.0), Ok(50.0))
            );
            let m = by_id("m");
            assert_eq!(m.target, Target::Company);
            assert_eq!(
                (m.before.value, m.now.value),
                (Some(3_500.0), Some(3_200.0))
            );
            assert!((m.change.unwrap_or_default() - -300.0 / 3_500.0 * 100.0).abs() < 1e-9);
            assert_eq!(by_id("r").change, Err(NoChange::Snapshot));
            assert_eq!(by_id("r").target, Target::Segment("Enterprise".into()));
            // On 20 October the last complete month is September for both ends of "s".
            let r = review(
                ctx,
                Issue {
                    since: d(10, 1),
                    on: d(10, 20),
                },
                Owned::All,
                &value,
            );
            let s = r.open.iter().find_map(|t| {
                (ctx.data.actions.as_deref().unwrap_or_default()[t.action as usize].id == "s")
                    .then(|| t.movement.clone())
                    .flatten()
            });
            assert_eq!(s.map(|s| s.change), Some(Err(NoChange::TooSoon)));
        });
    }

    #[test]
    fn open_account_actions_cover_their_accounts() {
        let mut ds = data();
        ds.actions = Some(vec![
            Action {
                account: Some(0),
                due_on: Some(d(11, 20)),
                ..action("late", ActionOwner::Csm(0), d(9, 1))
            },
            Action {
                account: Some(0),
                due_on: Some(d(11, 10)),
                ..action("soon", ActionOwner::Csm(1), d(9, 1))
            },
            // Closed before the day: covers nothing.
            Action {
                account: Some(1),
                status: ActionStatus::Done,
                closed_on: Some(d(10, 1)),
                ..action("done", ActionOwner::Csm(0), d(9, 1))
            },
            // A segment action covers no account.
            Action {
                segment: Some("Enterprise".into()),
                ..action("seg", ActionOwner::Csm(0), d(9, 1))
            },
        ]);
        let owned = owned_accounts(&ds, d(11, 1)).unwrap_or_default();
        // a: the action due first (index 1); b and c: none.
        assert_eq!(owned.into_iter().collect::<Vec<_>>(), [(0, 1)]);
        assert_eq!(owner_name(&ds, &ActionOwner::Csm(1)), "Al");
        assert_eq!(owner_name(&ds, &ActionOwner::Other("Dana".into())), "Dana");
    }
}
