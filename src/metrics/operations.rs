//! Expansion pipeline, operations and support (METRICS.md, Expansion pipeline and Operations):
//! open pipeline, close rate, expansion against quota; capacity, activity mix and completion,
//! contact gaps, QBR coverage, task buckets; support response, resolution, escalation, reopen
//! rates and ticket spikes.

use super::{Context, Scope, Value, Values, pct};
use crate::data::{
    AccountIx, ActivityCategory, ActivityStatus, CsmIx, Money, OpportunityStage, TaskStatus, Ticket,
};
use crate::period::{Month, Period};
use chrono::{Datelike, Days, NaiveDate};
use rayon::prelude::*;

fn mean(sum: f64, n: usize) -> Value {
    if n == 0 { None } else { Some(sum / n as f64) }
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

/// The last completed activity of an account on or before `day`.
pub fn last_contact(ctx: &Context, account: AccountIx, day: NaiveDate) -> Option<NaiveDate> {
    let rows = ctx.data.activities_of(account)?;
    let i = rows.partition_point(|a| a.date <= day);
    rows[..i]
        .iter()
        .rev()
        .find(|a| a.status == ActivityStatus::Completed)
        .map(|a| a.date)
}

/// Completed activities of an account in `from..=to`.
pub fn touchpoints(ctx: &Context, account: AccountIx, from: NaiveDate, to: NaiveDate) -> usize {
    ctx.data.activities_of(account).map_or(0, |rows| {
        rows.iter()
            .filter(|a| a.status == ActivityStatus::Completed && from <= a.date && a.date <= to)
            .count()
    })
}

/// The calendar quarter containing `day`: first and last day.
pub fn quarter_of(day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = Month::new(day.year(), (day.month0() / 3) * 3 + 1);
    (first.first_day(), first.plus(2).last_day())
}

/// Whether an account had a completed QBR in the quarter containing `day` (up to `day`).
pub fn qbr_done(ctx: &Context, account: AccountIx, day: NaiveDate) -> bool {
    let (start, _) = quarter_of(day);
    ctx.data.activities_of(account).is_some_and(|rows| {
        rows.iter().any(|a| {
            a.kind == "qbr"
                && a.status == ActivityStatus::Completed
                && start <= a.date
                && a.date <= day
        })
    })
}

/// Tasks by bucket on `day`: (overdue, due today, due later this ISO week), open tasks only.
pub fn task_buckets(
    ctx: &Context,
    csm: Option<CsmIx>,
    scope: Scope,
    day: NaiveDate,
) -> (u64, u64, u64) {
    let week_end = day + Days::new(u64::from(6 - day.weekday().num_days_from_monday()));
    let mut b = (0, 0, 0);
    let tasks = ctx.data.tasks.as_deref().unwrap_or_default();
    // Tasks are sorted by account, those without one first: they count in every scope.
    let unassigned = tasks.partition_point(|t| t.account.is_none());
    let count = ctx.data.accounts.rows.len() as AccountIx;
    let assigned = super::scoped_rows(&tasks[unassigned..], scope, count, |t| {
        t.account.unwrap_or(AccountIx::MAX)
    });
    for t in tasks[..unassigned].iter().chain(assigned) {
        if t.status != TaskStatus::Open || csm.is_some_and(|c| c != t.csm) {
            continue;
        }
        if t.due_on < day {
            b.0 += 1;
        } else if t.due_on == day {
            b.1 += 1;
        } else if t.due_on <= week_end {
            b.2 += 1;
        }
    }
    b
}

/// Whether an account's tickets spiked on `day`: tickets opened in the last 30 days ≥ 2 × the
/// mean of the three 30-day windows before (and at least 2 tickets).
pub fn ticket_spike(ctx: &Context, account: AccountIx, day: NaiveDate) -> bool {
    let Some(tickets) = ctx.data.tickets_of(account) else {
        return false;
    };
    let mut windows = [0u32; 4];
    for t in tickets {
        let age = (day - t.opened_at.date()).num_days();
        if (0..120).contains(&age) {
            windows[(age / 30) as usize] += 1;
        }
    }
    let prior = f64::from(windows[1] + windows[2] + windows[3]) / 3.0;
    windows[0] >= 2 && f64::from(windows[0]) >= 2.0 * prior
}

/// Hours from a ticket's opening to `at` (its first response or resolution), if any.
pub(crate) fn hours(t: &Ticket, at: Option<chrono::NaiveDateTime>) -> Option<f64> {
    at.map(|x| (x - t.opened_at).num_minutes() as f64 / 60.0)
}

/// One CSM's book and performance over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct CsmPerformance {
    pub csm: CsmIx,
    pub accounts: u64,
    /// The book's ARR, exact: Σ 12 × MRR of the period's last month.
    pub arr: Money,
    /// accounts / capacity_accounts × 100.
    pub capacity_use: Value,
    /// Expansion ARR won in the period (opportunities won + expansion at renewal), exact.
    pub expansion_arr: Money,
    /// expansion_arr / (expansion_quota × months / 12) × 100.
    pub quota_attainment: Value,
    pub values: Values,
}

/// Every CSM of csms.csv with the metrics of their book (the engine's values with the CSM's
/// accounts as scope), capacity use and expansion against quota.
pub fn csm_performance(ctx: &Context, period: &Period) -> Vec<CsmPerformance> {
    let Some(csms) = &ctx.data.csms else {
        return Vec::new();
    };
    let (_, last) = period.months();
    let months = f64::from(period.months_count());
    // Each CSM's accounts, in order, from one pass over the accounts.
    let mut books: Vec<Vec<AccountIx>> = vec![Vec::new(); csms.rows.len()];
    for (a, account) in ctx.data.accounts.rows.iter().enumerate() {
        if let Some(book) = account.csm.and_then(|c| books.get_mut(c as usize)) {
            book.push(a as AccountIx);
        }
    }
    csms.rows
        .par_iter()
        .zip(books.par_iter())
        .enumerate()
        .map(|(i, (csm, book))| {
            let i = i as CsmIx;
            let mut mask = vec![false; ctx.data.accounts.rows.len()];
            for &a in book {
                mask[a as usize] = true;
            }
            let scope = Scope::Members {
                mask: &mask,
                list: book,
            };
            let accounts = book.len() as u64;
            let arr = ctx.mrr().map_or(Money::ZERO, |m| {
                book.iter().map(|&a| m.get(a, last) * 12).sum()
            });
            let opportunities = ctx.data.opportunities.as_deref().unwrap_or_default();
            let count = ctx.data.accounts.rows.len() as AccountIx;
            let won: Money = super::scoped_rows(opportunities, scope, count, |o| o.account)
                .filter(|o| {
                    o.stage == OpportunityStage::Won
                        && o.closed_on.is_some_and(|c| period.contains(c))
                })
                .map(|o| o.arr)
                .sum::<Money>()
                + super::renewals::due_in(ctx, period, scope)
                    .filter_map(|r| r.expansion_arr)
                    .sum::<Money>();
            let quota = csm.expansion_quota.map(|q| q.to_f64() * months / 12.0);
            CsmPerformance {
                csm: i,
                accounts,
                arr,
                capacity_use: csm
                    .capacity_accounts
                    .and_then(|c| pct(accounts as f64, c as f64)),
                expansion_arr: won,
                quota_attainment: quota.and_then(|q| pct(won.to_f64(), q)),
                values: super::compute(ctx, period, scope),
            }
        })
        .collect()
}

/// Adds the expansion-pipeline, operations and support metrics of `period` for `scope`.
pub fn compute(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    // Four independent groups, computed in parallel (the activity and ticket ones each read a
    // table of a million rows or more).
    super::in_parallel(ctx, period, scope, &GROUPS, out);
}

/// The independent groups of the part, computed in parallel.
pub(super) const GROUPS: [super::Group; 4] = [
    expansion_pipeline,
    activity_metrics,
    task_metrics,
    support_metrics,
];

/// The expansion pipeline: open ARR and count, deal size, close rate, days to close, won ARR.
fn expansion_pipeline(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    if let Some(opps) = &ctx.data.opportunities {
        let count = ctx.data.accounts.rows.len() as AccountIx;
        let (open, closed): (Vec<_>, Vec<_>) =
            super::scoped_rows(opps, scope, count, |o| o.account)
                .filter(|o| match o.stage {
                    OpportunityStage::Open => o.created_on <= period.end,
                    _ => o.closed_on.is_some_and(|c| period.contains(c)),
                })
                .partition(|o| o.stage == OpportunityStage::Open);
        let won: Vec<_> = closed
            .iter()
            .filter(|o| o.stage == OpportunityStage::Won)
            .collect();
        let open_arr: Money = open.iter().map(|o| o.arr).sum();
        out.insert("expansion_pipeline_arr", Some(open_arr.to_f64()));
        out.insert("expansion_pipeline_count", Some(open.len() as f64));
        out.insert("expansion_deal_size", mean(open_arr.to_f64(), open.len()));
        out.insert(
            "expansion_close_rate",
            pct(won.len() as f64, closed.len() as f64),
        );
        let days: Vec<f64> = won
            .iter()
            .filter_map(|o| o.closed_on.map(|c| (c - o.created_on).num_days() as f64))
            .collect();
        out.insert(
            "expansion_days_to_close",
            mean(days.iter().sum(), days.len()),
        );
        out.insert(
            "expansion_won_arr",
            Some(won.iter().map(|o| o.arr).sum::<Money>().to_f64()),
        );
    }
}

/// Activity completion, proactive share, completed activities, contact gaps and QBR completion.
fn activity_metrics(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    if let Some(activities) = &ctx.data.activities {
        let count = ctx.data.accounts.rows.len() as AccountIx;
        let in_period: Vec<_> = super::scoped_rows(activities, scope, count, |a| a.account)
            .filter(|a| period.contains(a.date))
            .collect();
        let completed = in_period
            .iter()
            .filter(|a| a.status == ActivityStatus::Completed)
            .count();
        let planned = in_period
            .iter()
            .filter(|a| {
                matches!(
                    a.status,
                    ActivityStatus::Completed
                        | ActivityStatus::Scheduled
                        | ActivityStatus::NoShow
                        | ActivityStatus::Cancelled
                )
            })
            .count();
        out.insert(
            "activity_completion_pct",
            pct(completed as f64, planned as f64),
        );
        let (mut proactive, mut categorised) = (0i64, 0i64);
        for a in in_period
            .iter()
            .filter(|a| a.status == ActivityStatus::Completed)
        {
            if let (Some(c), Some(m)) = (a.category, a.minutes.get()) {
                categorised += m;
                if c == ActivityCategory::Proactive {
                    proactive += m;
                }
            }
        }
        out.insert(
            "proactive_share_pct",
            pct(proactive as f64, categorised as f64),
        );
        out.insert("activities_completed", Some(completed as f64));
        // Coverage on the period's last day, over accounts active then.
        let (_, last) = period.months();
        let day = period.end;
        let active: Vec<AccountIx> = scope
            .accounts(ctx.data.accounts.rows.len() as AccountIx)
            .filter(|&a| ctx.mrr().is_none_or(|m| m.get(a, last).cents() > 0))
            .collect();
        let quiet = active
            .iter()
            .filter(|&&a| last_contact(ctx, a, day).is_none_or(|d| (day - d).num_days() >= 60))
            .count();
        out.insert("accounts_not_contacted_60d", Some(quiet as f64));
        out.insert(
            "accounts_not_contacted_60d_pct",
            pct(quiet as f64, active.len() as f64),
        );
        let qbr = active.iter().filter(|&&a| qbr_done(ctx, a, day)).count();
        out.insert("qbr_completion_pct", pct(qbr as f64, active.len() as f64));
    }
}

/// Tasks overdue, due today and due this week on the as-of day.
fn task_metrics(ctx: &Context, _period: &Period, scope: Scope, out: &mut Values) {
    if ctx.data.tasks.is_some() {
        let (overdue, today, week) = task_buckets(ctx, None, scope, ctx.as_of);
        out.insert("tasks_overdue", Some(overdue as f64));
        out.insert("tasks_due_today", Some(today as f64));
        out.insert("tasks_due_this_week", Some(week as f64));
    }
}

/// Tickets opened, response and resolution medians, escalation and reopen rates, spikes.
fn support_metrics(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    if let Some(tickets) = &ctx.data.tickets {
        let count = ctx.data.accounts.rows.len() as AccountIx;
        let opened: Vec<&Ticket> = super::scoped_rows(tickets, scope, count, |t| t.account)
            .filter(|t| period.contains(t.opened_at.date()))
            .collect();
        out.insert("tickets_opened", Some(opened.len() as f64));
        out.insert(
            "first_response_hours",
            median(
                opened
                    .iter()
                    .filter_map(|t| hours(t, t.first_response_at))
                    .collect(),
            ),
        );
        out.insert(
            "resolution_hours",
            median(
                opened
                    .iter()
                    .filter_map(|t| hours(t, t.resolved_at))
                    .collect(),
            ),
        );
        out.insert(
            "ticket_escalation_rate",
            pct(
                opened.iter().filter(|t| t.escalated).count() as f64,
                opened.len() as f64,
            ),
        );
        out.insert(
            "ticket_reopen_rate",
            pct(
                opened.iter().filter(|t| t.reopened).count() as f64,
                opened.len() as f64,
            ),
        );
        let spikes = scope
            .accounts(ctx.data.accounts.rows.len() as AccountIx)
            .filter(|&a| ticket_spike(ctx, a, period.end))
            .count();
        out.insert("ticket_spike_accounts", Some(spikes as f64));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month};
    use super::*;
    use crate::data::{Activity, Csm, Csms, Dataset, Opportunity, Task};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn values(ds: &Dataset, as_of: NaiveDate) -> Values {
        let config = config();
        let ctx = Context {
            data: ds,
            config: &config,
            as_of,
        };
        let mut out = Values::new();
        compute(&ctx, &Period::month(month("2026-04")), Scope::All, &mut out);
        out
    }

    fn activity(
        account: AccountIx,
        date: NaiveDate,
        kind: &str,
        status: ActivityStatus,
        category: ActivityCategory,
        minutes: i64,
    ) -> Activity {
        Activity {
            account,
            csm: None,
            date,
            kind: kind.into(),
            status,
            category: Some(category),
            minutes: Some(minutes).into(),
        }
    }

    #[test]
    fn expansion_pipeline() {
        let mut ds = dataset(&[("a", ""), ("b", "")], &[]);
        let opp = |account, created, arr, stage, closed| Opportunity {
            id: format!("o{account}{arr}"),
            account,
            created_on: created,
            arr: Money::units(arr),
            kind: None,
            stage,
            closed_on: closed,
        };
        ds.opportunities = Some(vec![
            opp(0, d(3, 1), 10_000, OpportunityStage::Open, None),
            opp(1, d(4, 10), 30_000, OpportunityStage::Open, None),
            opp(1, d(5, 10), 99_000, OpportunityStage::Open, None), // created after April
            opp(0, d(3, 11), 5_000, OpportunityStage::Won, Some(d(4, 10))), // 30 days
            opp(0, d(3, 1), 7_000, OpportunityStage::Lost, Some(d(4, 20))),
            opp(1, d(2, 1), 9_000, OpportunityStage::Won, Some(d(3, 20))), // closed in March
        ]);
        let v = values(&ds, d(5, 1));
        assert_eq!(v["expansion_pipeline_arr"], Some(40_000.0));
        assert_eq!(v["expansion_pipeline_count"], Some(2.0));
        assert_eq!(v["expansion_deal_size"], Some(20_000.0));
        assert_eq!(v["expansion_close_rate"], Some(50.0)); // 1 won of 2 closed in April
        assert_eq!(v["expansion_days_to_close"], Some(30.0));
        assert_eq!(v["expansion_won_arr"], Some(5_000.0));
    }

    #[test]
    fn activity_mix_contact_gaps_and_qbrs() {
        use ActivityCategory::*;
        use ActivityStatus::*;
        // a: a 60-minute proactive QBR on 10 April and a 20-minute reactive call; b: last
        // contact on 25 February (64 days before 30 April); c: a cancelled call only.
        let mut ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-04", 1),
                ("b", "2026-04", 1),
                ("c", "2026-04", 1),
            ],
        );
        ds.activities = Some(vec![
            activity(0, d(4, 10), "qbr", Completed, Proactive, 60),
            activity(0, d(4, 12), "call", Completed, Reactive, 20),
            activity(1, d(2, 25), "email", Completed, Proactive, 10),
            activity(2, d(4, 15), "call", Cancelled, Proactive, 30),
        ]);
        let v = values(&ds, d(5, 1));
        assert_eq!(v["activity_completion_pct"], Some(2.0 / 3.0 * 100.0));
        assert_eq!(v["proactive_share_pct"], Some(75.0)); // 60 of 80 minutes
        assert_eq!(v["activities_completed"], Some(2.0));
        assert_eq!(v["accounts_not_contacted_60d"], Some(2.0)); // b (64 days) and c (never)
        assert_eq!(v["qbr_completion_pct"], Some(1.0 / 3.0 * 100.0));
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        assert_eq!(last_contact(&ctx, 0, d(4, 30)), Some(d(4, 12)));
        assert_eq!(touchpoints(&ctx, 0, d(4, 1), d(4, 30)), 2);
    }

    #[test]
    fn task_buckets_on_the_as_of_day() {
        let mut ds = dataset(&[("a", "")], &[]);
        let task = |due, status| Task {
            id: format!("{due}{status:?}"),
            csm: 0,
            account: Some(0),
            title: "t".into(),
            due_on: due,
            status,
            completed_on: None,
            source: None,
            playbook: None,
        };
        // Wednesday 6 May: one overdue, one today, one on Sunday 10 May, one next week, one done.
        ds.tasks = Some(vec![
            task(d(5, 1), TaskStatus::Open),
            task(d(5, 6), TaskStatus::Open),
            task(d(5, 10), TaskStatus::Open),
            task(d(5, 11), TaskStatus::Open),
            task(d(4, 1), TaskStatus::Done),
        ]);
        let v = values(&ds, d(5, 6));
        assert_eq!(
            (
                v["tasks_overdue"],
                v["tasks_due_today"],
                v["tasks_due_this_week"]
            ),
            (Some(1.0), Some(1.0), Some(1.0))
        );
    }

    #[test]
    fn task_buckets_of_a_scope_count_its_tasks_and_the_unassigned() {
        let mut ds = dataset(&[("a", ""), ("b", "")], &[]);
        let task = |account: Option<AccountIx>, due| Task {
            id: format!("{account:?}{due}"),
            csm: 0,
            account,
            title: "t".into(),
            due_on: due,
            status: TaskStatus::Open,
            completed_on: None,
            source: None,
            playbook: None,
        };
        // Sorted as the loader keeps them: unassigned first, then by account.
        ds.tasks = Some(vec![
            task(None, d(5, 1)),
            task(Some(0), d(5, 2)),
            task(Some(0), d(5, 6)),
            task(Some(1), d(5, 3)),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 6),
        };
        // b: its overdue task and the unassigned one; a: its overdue and today tasks, and the unassigned.
        assert_eq!(
            task_buckets(&ctx, None, Scope::Only(&[false, true]), d(5, 6)),
            (2, 0, 0)
        );
        assert_eq!(task_buckets(&ctx, None, Scope::One(0), d(5, 6)), (2, 1, 0));
        assert_eq!(task_buckets(&ctx, None, Scope::All, d(5, 6)), (3, 1, 0));
    }

    #[test]
    fn support_medians_rates_and_spikes() {
        let mut ds = dataset(&[("a", ""), ("b", "")], &[]);
        let at = |m, day, h| d(m, day).and_hms_opt(h, 0, 0).unwrap_or_default();
        let ticket =
            |account, opened: chrono::NaiveDateTime, first: u32, resolved: u32, escalated| Ticket {
                account,
                opened_at: opened,
                first_response_at: Some(opened + chrono::Duration::hours(i64::from(first))),
                resolved_at: Some(opened + chrono::Duration::hours(i64::from(resolved))),
                priority: None,
                escalated,
                reopened: false,
                csat: None,
            };
        // April: responses after 1, 2 and 9 hours (median 2), resolutions 10, 20, 30 (median 20).
        let mut rows = vec![
            ticket(0, at(4, 5, 9), 1, 10, true),
            ticket(0, at(4, 20, 9), 2, 20, false),
            ticket(0, at(4, 25, 9), 9, 30, false),
        ];
        // b: one ticket in each earlier window, none lately: no spike. a: 3 in the last 30 days.
        rows.push(ticket(1, at(2, 1, 9), 1, 1, false));
        rows.sort_by_key(|t| (t.account, t.opened_at));
        ds.tickets = Some(rows);
        let v = values(&ds, d(5, 1));
        assert_eq!(v["tickets_opened"], Some(3.0));
        assert_eq!(v["first_response_hours"], Some(2.0));
        assert_eq!(v["resolution_hours"], Some(20.0));
        assert_eq!(v["ticket_escalation_rate"], Some(1.0 / 3.0 * 100.0));
        assert_eq!(v["ticket_reopen_rate"], Some(0.0));
        assert_eq!(v["ticket_spike_accounts"], Some(1.0));
    }

    #[test]
    fn csm_book_capacity_and_quota() {
        let mut ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-04", 1_000),
                ("b", "2026-04", 500),
                ("c", "2026-04", 100),
            ],
        );
        ds.accounts.rows[0].csm = Some(0);
        ds.accounts.rows[1].csm = Some(0);
        ds.accounts.rows[2].csm = Some(1);
        let csm = |id: &str, capacity, quota| Csm {
            id: id.into(),
            name: id.into(),
            capacity_accounts: Some(capacity),
            expansion_quota: Some(Money::units(quota)),
            ..Csm::default()
        };
        ds.csms = Some(Csms {
            rows: vec![csm("C1", 4, 120_000), csm("C2", 10, 0)],
            index: Default::default(),
        });
        ds.opportunities = Some(vec![Opportunity {
            id: "o".into(),
            account: 1,
            created_on: d(3, 1),
            arr: Money::units(5_000),
            kind: None,
            stage: OpportunityStage::Won,
            closed_on: Some(d(4, 2)),
        }]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let p = csm_performance(&ctx, &Period::month(month("2026-04")));
        // C1: 2 of 4 accounts, ARR (1,000 + 500) × 12, $5K won against a monthly quota of $10K.
        assert_eq!(
            (p[0].accounts, p[0].arr, p[0].capacity_use),
            (2, Money::units(18_000), Some(50.0))
        );
        assert_eq!(
            (p[0].expansion_arr, p[0].quota_attainment),
            (Money::units(5_000), Some(50.0))
        );
        assert_eq!(p[0].values["mrr"], Some(1_500.0));
        // C2 has no quota to attain: missing, not 0 or infinite.
        assert_eq!(p[1].quota_attainment, None);
    }

    #[test]
    fn absent_tables_add_nothing() {
        let ds = dataset(&[("a", "")], &[]);
        assert!(values(&ds, d(5, 1)).is_empty());
    }
}
