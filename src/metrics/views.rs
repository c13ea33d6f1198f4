//! Per-entity views the site and PDFs render without computing anything themselves: the account
//! snapshot (with named risk factors and an urgency score), a CSM's book (ranked action list,
//! upcoming renewals with their checklist, tasks, performance) and the team view with the at-risk
//! list for leadership. Everything is taken "as of" `ctx.as_of`.

use super::attention::RiskItem;
use super::health::{HealthBand, account_rows, month_usage, score_on, usage_declined};
use super::operations::{
    CsmPerformance, csm_performance, last_contact, qbr_done, quarter_of, task_buckets,
    ticket_spike, touchpoints,
};
use super::renewals::{DUE_SOON_DAYS, DUE_WINDOW_DAYS, OpenTotal, due_within, is_at_risk};
use super::{Context, Scope};
use crate::data::{
    AccountIx, CsmIx, Money, OpportunityStage, RenewalStage, SurveyKind, TaskStatus,
};
use crate::period::{Month, Period};
use chrono::{Days, NaiveDate};

/// A named reason an account needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RiskFactor {
    /// Health score in the red band.
    RedHealth,
    /// Health fell by at least the significant drop over the last 30 days.
    SignificantDrop,
    /// DAU/MAU fell by ≥ 30 % over 60 days.
    UsageDecline,
    /// No completed activity in 60+ days.
    NoContact,
    /// A champion or executive sponsor changed in the last 90 days.
    SponsorChange,
    /// Tickets of the last 30 days ≥ 2 × the prior 90 days' mean.
    TicketSpike,
    /// An open renewal is at risk (`renewals::is_at_risk`: flagged, or red health and due within
    /// 180 days; overdue included).
    RenewalAtRisk,
}

impl RiskFactor {
    pub fn name(self) -> &'static str {
        match self {
            RiskFactor::RedHealth => "red health",
            RiskFactor::SignificantDrop => "significant health drop",
            RiskFactor::UsageDecline => "usage decline",
            RiskFactor::NoContact => "no contact in 60+ days",
            RiskFactor::SponsorChange => "sponsor change",
            RiskFactor::TicketSpike => "ticket spike",
            RiskFactor::RenewalAtRisk => "renewal at risk",
        }
    }

    /// Points in the urgency score.
    pub fn weight(self) -> f64 {
        match self {
            RiskFactor::RedHealth | RiskFactor::RenewalAtRisk => 3.0,
            RiskFactor::SignificantDrop | RiskFactor::UsageDecline | RiskFactor::SponsorChange => {
                2.0
            }
            RiskFactor::NoContact | RiskFactor::TicketSpike => 1.0,
        }
    }
}

/// Where an account is in its life as a customer on `as_of`, from its MRR by complete month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// No MRR in any complete month up to as-of.
    Prospect,
    /// Paying, first MRR more than 90 days before as-of, no return in the last 90 days.
    Active,
    /// First MRR in a month starting within the last 90 days of as-of.
    New { since: NaiveDate },
    /// MRR went to zero on `on` (the first day of the first month without MRR) and stayed
    /// there through the latest complete month.
    Churned { on: NaiveDate },
    /// Paying again since `on` (the first day of the month MRR came back after months without
    /// it), within the last 90 days of as-of.
    Reactivated { on: NaiveDate },
}

impl Lifecycle {
    /// The badge text: "active", "new since 2026-09-01", "churned on 2025-12-01", …
    pub fn label(self) -> String {
        match self {
            Lifecycle::Prospect => "no revenue yet".into(),
            Lifecycle::Active => "active".into(),
            Lifecycle::New { since } => format!("new since {since}"),
            Lifecycle::Churned { on } => format!("churned on {on}"),
            Lifecycle::Reactivated { on } => format!("reactivated on {on}"),
        }
    }

    pub fn is_churned(self) -> bool {
        matches!(self, Lifecycle::Churned { .. })
    }
}

/// The lifecycle of `account` on `ctx.as_of`, from its MRR up to the latest complete month.
pub fn lifecycle(ctx: &Context, account: AccountIx) -> Lifecycle {
    let Some(mrr) = ctx.mrr() else {
        return Lifecycle::Prospect;
    };
    let last = Month::of(ctx.as_of).prev();
    let Some(first) = mrr.first_active(account).filter(|f| *f <= last) else {
        return Lifecycle::Prospect;
    };
    let paying = |m: Month| mrr.get(account, m) > Money::ZERO;
    let window = minus(ctx.as_of, 90);
    if !paying(last) {
        // The month after the last paying one (there is one: `first` paid).
        let mut m = last;
        while m > first && !paying(m.prev()) {
            m = m.prev();
        }
        return Lifecycle::Churned { on: m.first_day() };
    }
    if first.first_day() >= window {
        return Lifecycle::New {
            since: first.first_day(),
        };
    }
    // The latest return after a month without MRR, if it falls within the window.
    let mut m = last;
    while m > first && m.first_day() >= window {
        if paying(m) && !paying(m.prev()) {
            return Lifecycle::Reactivated { on: m.first_day() };
        }
        m = m.prev();
    }
    Lifecycle::Active
}

/// An account's next open renewal.
#[derive(Debug, Clone, PartialEq)]
pub struct NextRenewal {
    pub id: String,
    pub due_on: NaiveDate,
    pub days: i64,
    /// The renewal's ARR, exact.
    pub arr: Money,
    pub stage: RenewalStage,
    pub stalled: bool,
    /// The five checklist items (initial_conversation … contract_ready).
    pub checklist: [Option<bool>; 5],
}

/// Everything an account page, a book row or an action needs.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSnapshot {
    pub account: AccountIx,
    /// ARR now, exact (12 × MRR of the latest complete month).
    pub arr: Money,
    /// Active, new, churned or reactivated (see [`lifecycle`]).
    pub lifecycle: Lifecycle,
    /// The score on as-of; None without one, and for a churned account.
    pub health: Option<f64>,
    /// The band of `health`.
    pub band: Option<HealthBand>,
    /// Score change over the last 90 days (None for a churned account).
    pub health_change_90d: Option<f64>,
    /// Scores of the rows of the last 90 days, oldest first.
    pub health_trend: Vec<(NaiveDate, f64)>,
    /// DAU/MAU in percent (mean DAU / MAU × 100, as `dau_mau`) of the last six complete months,
    /// oldest first.
    pub usage_trend: Vec<(Month, Option<f64>)>,
    pub last_contact: Option<NaiveDate>,
    pub touchpoints_this_quarter: usize,
    pub qbr_done_this_quarter: bool,
    pub latest_nps: Option<i64>,
    pub open_tickets: usize,
    pub next_renewal: Option<NextRenewal>,
    /// None for a churned account: there is nothing left to put at risk.
    pub risk_factors: Vec<RiskFactor>,
    /// Orders action lists: see `urgency`; 0 for a churned account.
    pub urgency: f64,
}

impl AccountSnapshot {
    /// Whether the account has ARR at risk: an open renewal at risk (the one meaning of "at risk"
    /// the at-risk tables and the team view share; never for a churned account).
    pub(crate) fn has_renewal_at_risk(&self) -> bool {
        self.risk_factors.contains(&RiskFactor::RenewalAtRisk)
    }
}

/// The urgency score: Σ risk-factor weights × a time factor (renewal within 30 days × 2, within
/// 90 days × 1.5, else × 1) × log10(ARR + 10), so that among equally risky accounts the larger
/// and sooner renewal comes first. 0 without risk factors.
pub fn urgency(factors: &[RiskFactor], arr: Money, days_to_renewal: Option<i64>) -> f64 {
    let points: f64 = factors.iter().map(|f| f.weight()).sum();
    let time = match days_to_renewal {
        Some(d) if d <= 30 => 2.0,
        Some(d) if d <= 90 => 1.5,
        _ => 1.0,
    };
    points * time * (arr.to_f64().max(0.0) + 10.0).log10()
}

fn minus(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(day)
}

/// The snapshot of `account` on `ctx.as_of`.
pub fn account_snapshot(ctx: &Context, account: AccountIx) -> AccountSnapshot {
    let today = ctx.as_of;
    let last_month = Month::of(today).prev();
    let arr = ctx
        .mrr()
        .map_or(Money::ZERO, |m| m.get(account, last_month) * 12);
    let lifecycle = lifecycle(ctx, account);
    // A churned account has no health now: its last score describes a customer that left.
    let health = score_on(ctx, account, today).filter(|_| !lifecycle.is_churned());
    let band = health.map(|s| HealthBand::of(s, &ctx.config.health.bands));
    let before90 = score_on(ctx, account, minus(today, 90));
    let health_trend: Vec<(NaiveDate, f64)> = ctx
        .data
        .health_of(account)
        .map(|rows| {
            rows.iter()
                .filter(|r| minus(today, 90) <= r.date && r.date <= today)
                .filter_map(|r| {
                    super::health::row_score(r, &ctx.config.health.weights).map(|s| (r.date, s))
                })
                .collect()
        })
        .unwrap_or_default();
    let usage_trend = (1..=6)
        .rev()
        .map(|i| Month::of(today).plus(-i))
        .map(|m| (m, month_usage(ctx, account, m).and_then(|u| u.stickiness())))
        .collect();
    let (q_start, _) = quarter_of(today);
    let contact = last_contact(ctx, account, today);
    let surveys = ctx
        .data
        .surveys
        .as_deref()
        .map_or(&[][..], |s| account_rows(s, account, |s| s.account));
    let renewals = ctx
        .data
        .renewals
        .as_deref()
        .map_or(&[][..], |r| account_rows(r, account, |r| r.account));
    let latest_nps = surveys
        .iter()
        .filter(|s| s.kind == SurveyKind::Nps && s.date <= today)
        .filter_map(|s| s.score.map(|v| (s.date, v)))
        .max_by_key(|(d, _)| *d)
        .map(|(_, v)| v);
    let open_tickets = ctx.data.tickets_of(account).map_or(0, |t| {
        t.iter()
            .filter(|t| {
                t.opened_at.date() <= today && t.resolved_at.is_none_or(|r| r.date() > today)
            })
            .count()
    });
    // The earliest open renewal, overdue ones included: past due is not resolved.
    let next = renewals
        .iter()
        .filter(|r| !r.stage.is_closed())
        .min_by_key(|r| r.due_on);
    let mut factors = Vec::new();
    if band == Some(HealthBand::Red) {
        factors.push(RiskFactor::RedHealth);
    }
    if let (Some(now), Some(before)) = (health, score_on(ctx, account, minus(today, 30)))
        && before - now >= ctx.config.health.significant_drop
    {
        factors.push(RiskFactor::SignificantDrop);
    }
    if usage_declined(ctx, account, minus(today, 1)) == Some(true) {
        factors.push(RiskFactor::UsageDecline);
    }
    if ctx.data.activities.is_some() && contact.is_none_or(|d| (today - d).num_days() >= 60) {
        factors.push(RiskFactor::NoContact);
    }
    if ctx.data.sponsor_changes.as_deref().is_some_and(|c| {
        account_rows(c, account, |c| c.account)
            .iter()
            .any(|c| minus(today, 90) <= c.date && c.date <= today)
    }) {
        factors.push(RiskFactor::SponsorChange);
    }
    if ticket_spike(ctx, account, today) {
        factors.push(RiskFactor::TicketSpike);
    }
    if renewals.iter().any(|r| is_at_risk(ctx, r)) {
        factors.push(RiskFactor::RenewalAtRisk);
    }
    if lifecycle.is_churned() {
        // A churned account is no risk any more: no factors, so no urgency.
        factors.clear();
    }
    let next_renewal = next.map(|r| NextRenewal {
        id: r.id.clone(),
        due_on: r.due_on,
        days: (r.due_on - today).num_days(),
        arr: r.arr,
        stage: r.stage,
        stalled: super::renewals::is_stalled(r, today),
        checklist: r.checklist,
    });
    let urgency = urgency(&factors, arr, next_renewal.as_ref().map(|n| n.days));
    AccountSnapshot {
        account,
        arr,
        lifecycle,
        health,
        band,
        health_change_90d: health.zip(before90).map(|(a, b)| a - b),
        health_trend,
        usage_trend,
        last_contact: contact,
        touchpoints_this_quarter: touchpoints(ctx, account, q_start, today),
        qbr_done_this_quarter: qbr_done(ctx, account, today),
        latest_nps,
        open_tickets,
        next_renewal,
        risk_factors: factors,
        urgency,
    }
}

/// Why an account is on a CSM's action list: one chip of its row. The order of the variants is
/// the order of urgency: a renewal that is overdue or due soon comes before anything else, then
/// the signs of churn risk, then late and coming tasks; "no contact" and "expansion-ready" come
/// last.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// An open renewal whose due date passed `days` days ago.
    RenewalOverdue { days: i64 },
    /// The next open renewal is due in `days` days (0: today), at most 30.
    RenewalDue { days: i64 },
    /// An open renewal is flagged at risk (or the account is red with a renewal within 180 days).
    RenewalAtRisk,
    /// Health fell by `points` (at least the significant drop) over the last 7 days.
    HealthDrop { points: f64 },
    /// Health in the red band, with the score.
    RedHealth { score: f64 },
    /// Open tasks on the account past their due date.
    OverdueTasks { count: usize },
    /// Open tasks on the account due within the next 7 days (today included).
    TasksDueSoon { count: usize },
    /// No completed activity for `days` days (60 or more), or never (`None`).
    NoContact { days: Option<i64> },
    /// Green health with growing usage, active seats or an open opportunity.
    ExpansionReady,
}

impl Reason {
    /// The urgency tier: lower is more urgent.
    fn tier(self) -> u8 {
        match self {
            Reason::RenewalOverdue { .. } => 0,
            Reason::RenewalDue { .. } => 1,
            Reason::RenewalAtRisk => 2,
            Reason::HealthDrop { .. } => 3,
            Reason::RedHealth { .. } => 4,
            Reason::OverdueTasks { .. } => 5,
            Reason::TasksDueSoon { .. } => 6,
            Reason::NoContact { .. } => 7,
            Reason::ExpansionReady => 8,
        }
    }

    /// Within a tier: the longer overdue and the sooner due come first.
    fn days_key(self) -> i64 {
        match self {
            Reason::RenewalOverdue { days } => -days,
            Reason::RenewalDue { days } => days,
            _ => 0,
        }
    }

    /// The chip's words: "renewal due today", "renewal overdue by 3 days", "red health (33)",
    /// "no contact in 74 days", "2 overdue tasks", …
    pub fn label(self) -> String {
        let days = |n: i64| {
            if n == 1 {
                "1 day".into()
            } else {
                format!("{n} days")
            }
        };
        let tasks = |n: usize| {
            if n == 1 {
                "1 task".into()
            } else {
                format!("{n} tasks")
            }
        };
        match self {
            Reason::RenewalOverdue { days: d } => format!("renewal overdue by {}", days(d)),
            Reason::RenewalDue { days: 0 } => "renewal due today".into(),
            Reason::RenewalDue { days: 1 } => "renewal due tomorrow".into(),
            Reason::RenewalDue { days: d } => format!("renewal due in {}", days(d)),
            Reason::OverdueTasks { count } => format!("{} overdue", tasks(count)),
            Reason::RenewalAtRisk => "renewal at risk".into(),
            Reason::HealthDrop { points } => {
                format!("health down {points:.0} pts this week")
            }
            Reason::RedHealth { score } => format!("red health ({score:.0})"),
            Reason::TasksDueSoon { count } => format!("{} due within 7 days", tasks(count)),
            Reason::NoContact { days: Some(d) } => format!("no contact in {}", days(d)),
            Reason::NoContact { days: None } => "never contacted".into(),
            Reason::ExpansionReady => "expansion-ready".into(),
        }
    }

    /// The chip's status: `bad` for what is late or red, `warning` for what is coming, `good`
    /// for an opportunity.
    pub fn status(self) -> &'static str {
        match self {
            Reason::RenewalOverdue { .. }
            | Reason::OverdueTasks { .. }
            | Reason::RenewalAtRisk
            | Reason::HealthDrop { .. }
            | Reason::RedHealth { .. } => "bad",
            Reason::RenewalDue { days } if days <= 7 => "bad",
            Reason::RenewalDue { .. } | Reason::NoContact { .. } => "warning",
            Reason::TasksDueSoon { .. } => "neutral",
            Reason::ExpansionReady => "good",
        }
    }
}

/// An open task named on an action row.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTask {
    pub title: String,
    pub due_on: NaiveDate,
    /// Days from as-of to the due date: negative when overdue, 0 when due today.
    pub days: i64,
}

impl NamedTask {
    /// "Send the renewal quote (due today)", "… (2 days overdue)", "… (due 2026-11-05)".
    pub fn label(&self) -> String {
        let when = match self.days {
            0 => "due today".to_string(),
            1 => "due tomorrow".to_string(),
            -1 => "1 day overdue".to_string(),
            d if d < 0 => format!("{} days overdue", -d),
            _ => format!("due {}", self.due_on),
        };
        format!("{} ({when})", self.title)
    }
}

/// One row of a CSM's action list: an account, every reason it needs attention (most urgent
/// first) and its open tasks that are overdue or due within 7 days (earliest first).
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub account: AccountIx,
    pub reasons: Vec<Reason>,
    pub tasks: Vec<NamedTask>,
    /// The account's urgency score (see [`urgency`]): the tie-break between rows whose most
    /// urgent reasons are alike.
    pub urgency: f64,
}

/// The action row of the account of snapshot `s` in CSM `csm`'s book, or None when nothing
/// needs doing (or the account has churned: it is no longer in anyone's hands).
fn action(ctx: &Context, csm: CsmIx, s: &AccountSnapshot) -> Option<Action> {
    if s.lifecycle.is_churned() {
        return None;
    }
    let today = ctx.as_of;
    let mut reasons = Vec::new();
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    let overdue_renewal = account_rows(renewals, s.account, |r| r.account)
        .iter()
        .filter(|r| !r.stage.is_closed() && r.due_on < today)
        .map(|r| (today - r.due_on).num_days())
        .max();
    if let Some(days) = overdue_renewal {
        reasons.push(Reason::RenewalOverdue { days });
    }
    // The next renewal includes an overdue one, which `RenewalOverdue` already names.
    if let Some(n) = s
        .next_renewal
        .as_ref()
        .filter(|n| (0..=DUE_SOON_DAYS as i64).contains(&n.days))
    {
        reasons.push(Reason::RenewalDue { days: n.days });
    }
    let mut tasks: Vec<NamedTask> = ctx
        .data
        .tasks
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|t| t.csm == csm && t.account == Some(s.account) && t.status == TaskStatus::Open)
        .map(|t| NamedTask {
            title: t.title.clone(),
            due_on: t.due_on,
            days: (t.due_on - today).num_days(),
        })
        .filter(|t| t.days < 7)
        .collect();
    tasks.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.title.cmp(&b.title)));
    let overdue = tasks.iter().filter(|t| t.days < 0).count();
    if s.risk_factors.contains(&RiskFactor::RenewalAtRisk) {
        reasons.push(Reason::RenewalAtRisk);
    }
    if let (Some(now), Some(before)) = (s.health, score_on(ctx, s.account, minus(today, 7)))
        && before - now >= ctx.config.health.significant_drop
    {
        reasons.push(Reason::HealthDrop {
            points: before - now,
        });
    }
    if let (Some(HealthBand::Red), Some(score)) = (s.band, s.health) {
        reasons.push(Reason::RedHealth { score });
    }
    if overdue > 0 {
        reasons.push(Reason::OverdueTasks { count: overdue });
    }
    if tasks.len() > overdue {
        reasons.push(Reason::TasksDueSoon {
            count: tasks.len() - overdue,
        });
    }
    if s.risk_factors.contains(&RiskFactor::NoContact) {
        reasons.push(Reason::NoContact {
            days: s.last_contact.map(|d| (today - d).num_days()),
        });
    }
    if expansion_ready(ctx, s) {
        reasons.push(Reason::ExpansionReady);
    }
    if reasons.is_empty() {
        return None;
    }
    Some(Action {
        account: s.account,
        reasons,
        tasks,
        urgency: s.urgency,
    })
}

/// Orders action rows: by their most urgent reason's tier (then the longer overdue or sooner
/// due renewal), then the account's urgency score, then ARR (`arr` of the account), then the
/// account.
fn by_first_reason(a: &Action, b: &Action, arr: impl Fn(AccountIx) -> Money) -> std::cmp::Ordering {
    let key = |x: &Action| x.reasons.first().map(|r| (r.tier(), r.days_key()));
    key(a)
        .cmp(&key(b))
        .then(b.urgency.total_cmp(&a.urgency))
        .then(arr(b.account).cmp(&arr(a.account)))
        .then(a.account.cmp(&b.account))
}

/// A CSM's book on `ctx.as_of`.
#[derive(Debug, Clone, PartialEq)]
pub struct CsmBook {
    pub csm: CsmIx,
    /// The book, most urgent first (then larger ARR, then account order).
    pub accounts: Vec<AccountSnapshot>,
    /// One row per account that needs attention, most urgent first (see [`Reason`]).
    pub actions: Vec<Action>,
    /// Open renewals due within 30, 60 and 90 days (snapshots' indexes into `accounts`).
    pub renewals_30_60_90: [Vec<usize>; 3],
    /// Open tasks: overdue, due today, due later this week.
    pub tasks: (u64, u64, u64),
    /// The book's totals the CSM page leads with.
    pub summary: BookSummary,
}

/// A CSM book's totals on `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BookSummary {
    /// Accounts in the book (paying, or with an open renewal).
    pub accounts: usize,
    /// The book's ARR, exact: Σ 12 × MRR of the latest complete month.
    pub arr: Money,
    /// Accounts by health band: green, yellow, red, and those without a score.
    pub health_mix: [usize; 4],
    /// Accounts with an open renewal at risk (`AccountSnapshot::has_renewal_at_risk`).
    pub at_risk_accounts: usize,
    /// Open renewals of the book's accounts due from as-of through `DUE_SOON_DAYS` (30) days
    /// later: `renewals::due_within`, as the attention block counts them.
    pub(crate) due_30: OpenTotal,
    /// Open renewals of the book's accounts due from as-of through `DUE_WINDOW_DAYS` (90) days
    /// later (those of 30 included).
    pub(crate) due_90: OpenTotal,
    /// The CSM's open tasks, whatever their due date.
    pub open_tasks: usize,
    /// Of those, the ones past due.
    pub overdue_tasks: usize,
}

/// The totals of a book whose accounts are `accounts` (snapshots of CSM `csm`'s book).
fn book_summary(ctx: &Context, csm: CsmIx, accounts: &[AccountSnapshot]) -> BookSummary {
    let mut summary = BookSummary {
        accounts: accounts.len(),
        arr: accounts.iter().map(|s| s.arr).sum(),
        at_risk_accounts: accounts.iter().filter(|s| s.has_renewal_at_risk()).count(),
        ..BookSummary::default()
    };
    for s in accounts {
        let slot = match s.band {
            Some(HealthBand::Green) => 0,
            Some(HealthBand::Yellow) => 1,
            Some(HealthBand::Red) => 2,
            None => 3,
        };
        summary.health_mix[slot] += 1;
    }
    let mut list: Vec<AccountIx> = accounts.iter().map(|s| s.account).collect();
    list.sort_unstable();
    let mut mask = vec![false; ctx.data.accounts.rows.len()];
    for &a in &list {
        if let Some(m) = mask.get_mut(a as usize) {
            *m = true;
        }
    }
    let book = Scope::Members {
        mask: &mask,
        list: &list,
    };
    summary.due_30 = due_within(ctx, book, DUE_SOON_DAYS);
    summary.due_90 = due_within(ctx, book, DUE_WINDOW_DAYS);
    let today = ctx.as_of;
    for t in ctx.data.tasks.as_deref().unwrap_or_default() {
        if t.csm == csm && t.status == TaskStatus::Open {
            summary.open_tasks += 1;
            summary.overdue_tasks += usize::from(t.due_on < today);
        }
    }
    summary
}

/// Whether an account is expansion-ready: green health and either growing usage (DAU/MAU up over
/// 60 days), ≥ 90 % of seats active, or an open expansion opportunity.
fn expansion_ready(ctx: &Context, s: &AccountSnapshot) -> bool {
    if s.band != Some(HealthBand::Green) {
        return false;
    }
    let now = Month::of(ctx.as_of).prev();
    let growing = match (
        month_usage(ctx, s.account, now).and_then(|u| u.stickiness()),
        month_usage(ctx, s.account, now.plus(-2)).and_then(|u| u.stickiness()),
    ) {
        (Some(a), Some(b)) => a > b,
        _ => false,
    };
    let seats = month_usage(ctx, s.account, now).is_some_and(
        |u| matches!((u.mau, u.seats), (Some(m), Some(t)) if t > 0 && m / t as f64 >= 0.9),
    );
    let open_opportunity = ctx.data.opportunities.as_deref().is_some_and(|opps| {
        account_rows(opps, s.account, |o| o.account)
            .iter()
            .any(|o| o.stage == OpportunityStage::Open)
    });
    growing || seats || open_opportunity
}

fn by_urgency(a: &AccountSnapshot, b: &AccountSnapshot) -> std::cmp::Ordering {
    b.urgency
        .total_cmp(&a.urgency)
        .then(b.arr.cmp(&a.arr))
        .then(a.account.cmp(&b.account))
}

/// The book of CSM `csm`; `snapshot` gives an account's snapshot (`account_snapshot`, or one
/// computed already).
pub fn csm_book(
    ctx: &Context,
    csm: CsmIx,
    snapshot: &dyn Fn(AccountIx) -> AccountSnapshot,
) -> CsmBook {
    let mut accounts: Vec<AccountSnapshot> = ctx
        .data
        .accounts
        .rows
        .iter()
        .enumerate()
        .filter(|(_, a)| a.csm == Some(csm))
        .map(|(i, _)| snapshot(i as AccountIx))
        .filter(|s| s.arr > Money::ZERO || s.next_renewal.is_some())
        .collect();
    accounts.sort_by(by_urgency);
    let mut actions: Vec<Action> = accounts
        .iter()
        .filter_map(|s| action(ctx, csm, s))
        .collect();
    let arr = |a: AccountIx| {
        accounts
            .iter()
            .find(|s| s.account == a)
            .map_or(Money::ZERO, |s| s.arr)
    };
    actions.sort_by(|a, b| by_first_reason(a, b, arr));
    let mut renewals_30_60_90: [Vec<usize>; 3] = Default::default();
    for (i, s) in accounts.iter().enumerate() {
        if let Some(n) = &s.next_renewal {
            match n.days {
                d if d <= 30 => renewals_30_60_90[0].push(i),
                d if d <= 60 => renewals_30_60_90[1].push(i),
                d if d <= 90 => renewals_30_60_90[2].push(i),
                _ => {}
            }
        }
    }
    for list in &mut renewals_30_60_90 {
        list.sort_by_key(|&i| accounts[i].next_renewal.as_ref().map(|n| n.due_on));
    }
    let summary = book_summary(ctx, csm, &accounts);
    CsmBook {
        csm,
        summary,
        accounts,
        actions,
        renewals_30_60_90,
        tasks: task_buckets(ctx, Some(csm), Scope::All, ctx.as_of),
    }
}

/// The team view: every CSM's performance over `period` side by side, and the open renewals at
/// risk for leadership (`attention::at_risk_renewals`: flagged, or red health within 180 days,
/// overdue included), most urgent first.
pub(crate) fn team_view(ctx: &Context, period: &Period) -> (Vec<CsmPerformance>, Vec<RiskItem>) {
    let performance = csm_performance(ctx, period);
    let at_risk =
        super::attention::at_risk_renewals(ctx, Scope::All, &|a| account_snapshot(ctx, a));
    (performance, at_risk)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month, scored};
    use super::*;
    use crate::data::{
        Activity, ActivityStatus, Dataset, Money, Renewal, SponsorChange, SponsorRole, Task,
    };

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    /// A call CSM 0 completed with `account` on `date`.
    fn call(account: AccountIx, date: NaiveDate) -> Activity {
        Activity {
            account,
            csm: Some(0),
            date,
            kind: "call".into(),
            status: ActivityStatus::Completed,
            category: None,
            minutes: crate::data::OptI64::NONE,
        }
    }

    /// A task of CSM 0 on `account`.
    fn task(title: &str, account: AccountIx, due_on: NaiveDate, status: TaskStatus) -> Task {
        Task {
            id: title.into(),
            csm: 0,
            account: Some(account),
            title: title.into(),
            due_on,
            status,
            completed_on: None,
            source: None,
            playbook: None,
        }
    }

    fn renewal(account: AccountIx, due: NaiveDate, arr: i64, at_risk: bool) -> Renewal {
        Renewal {
            stage: RenewalStage::InitialDiscussion,
            checklist: [Some(true), Some(false), None, None, None],
            ..crate::metrics::fixture::renewal(account, due, Money::units(arr), at_risk)
        }
    }

    /// As of 1 May 2026, CSM 0 owns:
    /// - a: $12K ARR, health 90 → 35 over April (red, a drop), renewal at risk in 20 days, a
    ///   champion change in April, last contact 1 February;
    /// - b: $120K ARR, green 85 all along, contacted in April, renewal in 75 days;
    /// - c: $1.2K ARR, green, contacted, no renewal: nothing to do.
    fn book() -> Dataset {
        let mut ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-04", 1_000),
                ("b", "2026-04", 10_000),
                ("c", "2026-04", 100),
            ],
        );
        for a in &mut ds.accounts.rows {
            a.csm = Some(0);
        }
        ds.health = Some(vec![
            scored(0, d(1, 15), 90.0),
            scored(0, d(4, 1), 90.0),
            scored(0, d(4, 28), 35.0),
            scored(1, d(1, 15), 85.0),
            scored(2, d(1, 15), 85.0),
        ]);
        ds.activities = Some(vec![call(0, d(2, 1)), call(1, d(4, 20)), call(2, d(4, 21))]);
        ds.renewals = Some(vec![
            renewal(0, d(5, 21), 12_000, true),
            renewal(1, d(7, 15), 120_000, false),
        ]);
        ds.sponsor_changes = Some(vec![SponsorChange {
            account: 0,
            date: d(4, 10),
            role: SponsorRole::Champion,
        }]);
        ds
    }

    #[test]
    fn the_urgency_formula() {
        // Red health (3) + renewal at risk (3) = 6 points, renewal in 20 days (× 2), ARR $12K:
        // 12 × log10(12,010).
        let u = urgency(
            &[RiskFactor::RedHealth, RiskFactor::RenewalAtRisk],
            Money::units(12_000),
            Some(20),
        );
        assert!((u - 12.0 * 12_010f64.log10()).abs() < 1e-9);
        assert_eq!(urgency(&[], Money::units(1_000_000), Some(1)), 0.0);
        // Same risk, same timing: the larger account is more urgent.
        assert!(
            urgency(&[RiskFactor::NoContact], Money::units(100_000), None)
                > urgency(&[RiskFactor::NoContact], Money::units(1_000), None)
        );
    }

    #[test]
    fn snapshot_names_its_risk_factors() {
        let ds = book();
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let a = account_snapshot(&ctx, 0);
        assert_eq!(a.arr, Money::units(12_000));
        assert_eq!(a.band, Some(HealthBand::Red));
        assert_eq!(a.health_change_90d, Some(-55.0));
        assert_eq!(
            a.risk_factors,
            [
                RiskFactor::RedHealth,
                RiskFactor::SignificantDrop,
                RiskFactor::NoContact,
                RiskFactor::SponsorChange,
                RiskFactor::RenewalAtRisk
            ]
        );
        let next = a.next_renewal.as_ref().expect("next renewal");
        assert_eq!(
            (next.days, next.stage, next.stalled),
            (20, RenewalStage::InitialDiscussion, true)
        );
        assert_eq!(a.last_contact, Some(d(2, 1)));
        assert_eq!(a.health_trend, vec![(d(4, 1), 90.0), (d(4, 28), 35.0)]);
        let b = account_snapshot(&ctx, 1);
        assert!(b.risk_factors.is_empty());
        assert_eq!(b.urgency, 0.0);
        assert_eq!(b.touchpoints_this_quarter, 1);
    }

    #[test]
    fn the_book_ranks_actions_by_urgency() {
        let ds = book();
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let book = csm_book(&ctx, 0, &|a| account_snapshot(&ctx, a));
        let order: Vec<AccountIx> = book.accounts.iter().map(|s| s.account).collect();
        // a is urgent; b and c have no risk: the larger ARR first.
        assert_eq!(order, [0, 1, 2]);
        // One row: a, with every reason, the renewal in 20 days first.
        assert_eq!(book.actions.len(), 1);
        assert_eq!(book.actions[0].account, 0);
        assert_eq!(
            book.actions[0].reasons,
            [
                Reason::RenewalDue { days: 20 },
                Reason::RenewalAtRisk,
                // 90 on 24 April (the score of 1 April), 35 on 28 April.
                Reason::HealthDrop { points: 55.0 },
                Reason::RedHealth { score: 35.0 },
                // 1 February to 1 May.
                Reason::NoContact { days: Some(89) },
            ]
        );
        let chips: Vec<String> = book.actions[0].reasons.iter().map(|r| r.label()).collect();
        assert_eq!(
            chips,
            [
                "renewal due in 20 days",
                "renewal at risk",
                "health down 55 pts this week",
                "red health (35)",
                "no contact in 89 days"
            ]
        );
        // Renewals: a within 30 days, b within 90.
        assert_eq!(book.renewals_30_60_90, [vec![0], vec![], vec![1]]);
        let (_, at_risk) = team_view(&ctx, &crate::period::Period::month(month("2026-04")));
        assert_eq!(at_risk.iter().map(|s| s.account).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn the_action_list_has_one_row_per_account_ranked_by_its_most_urgent_reason() {
        // As of 1 May 2026, CSM 0 owns:
        // - big: $600K ARR, green, last contact 21 January (100 days): only "no contact";
        // - due: $1.2K ARR, green, contacted, renewal due today, a task overdue since 29 April,
        //   one due 3 May, one due 20 May (not yet named) and one done;
        // - late: $2.4K ARR, green, contacted, a renewal due 20 April still open;
        // - gone: churned in March, red, with an open renewal at risk: no row.
        let mut ds = dataset(
            &[("big", ""), ("due", ""), ("late", ""), ("gone", "")],
            &[
                ("big", "2026-04", 50_000),
                ("due", "2026-04", 100),
                ("late", "2026-04", 200),
                ("gone", "2026-02", 300),
                ("gone", "2026-03", 0),
            ],
        );
        for a in &mut ds.accounts.rows {
            a.csm = Some(0);
        }
        ds.health = Some(vec![
            scored(0, d(4, 1), 85.0),
            scored(1, d(4, 1), 85.0),
            scored(2, d(4, 1), 85.0),
            scored(3, d(4, 1), 20.0),
        ]);
        ds.activities = Some(vec![
            call(0, d(1, 21)),
            call(1, d(4, 20)),
            call(2, d(4, 20)),
            call(3, d(4, 20)),
        ]);
        ds.renewals = Some(vec![
            renewal(1, d(5, 1), 1_200, false),
            renewal(2, d(4, 20), 2_400, false),
            renewal(3, d(5, 20), 3_600, true),
        ]);
        ds.tasks = Some(vec![
            task("Book the QBR", 1, d(5, 3), TaskStatus::Open),
            task("Send the renewal quote", 1, d(4, 29), TaskStatus::Open),
            task("Plan the kickoff", 1, d(5, 20), TaskStatus::Open),
            task("Call the champion", 1, d(4, 10), TaskStatus::Done),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let book = csm_book(&ctx, 0, &|a| account_snapshot(&ctx, a));
        let rows: Vec<(AccountIx, Vec<String>)> = book
            .actions
            .iter()
            .map(|a| (a.account, a.reasons.iter().map(|r| r.label()).collect()))
            .collect();
        // The overdue renewal first, then the renewal due today (urgency 0) above the $600K
        // account not contacted for 100 days (urgency log10(600,010) ≈ 5.8); churned: no row.
        assert_eq!(
            rows,
            [
                (2, vec!["renewal overdue by 11 days".to_string()]),
                (
                    1,
                    vec![
                        "renewal due today".into(),
                        "1 task overdue".into(),
                        "1 task due within 7 days".into()
                    ]
                ),
                (0, vec!["no contact in 100 days".into()]),
            ]
        );
        assert!(book.actions[2].urgency > book.actions[1].urgency);
        let tasks: Vec<String> = book.actions[1].tasks.iter().map(|t| t.label()).collect();
        assert_eq!(
            tasks,
            [
                "Send the renewal quote (2 days overdue)",
                "Book the QBR (due 2026-05-03)"
            ]
        );
        assert_eq!(Reason::RenewalDue { days: 0 }.status(), "bad");
        assert_eq!(Reason::NoContact { days: None }.label(), "never contacted");
    }

    #[test]
    fn rows_rank_by_their_most_urgent_reason_then_urgency() {
        let row = |account, reason, urgency| Action {
            account,
            reasons: vec![reason],
            tasks: Vec::new(),
            urgency,
        };
        let mut rows = [
            row(0, Reason::NoContact { days: Some(90) }, 9.0),
            row(1, Reason::OverdueTasks { count: 3 }, 0.0),
            row(2, Reason::RedHealth { score: 30.0 }, 4.0),
            row(3, Reason::RenewalDue { days: 12 }, 0.0),
            row(4, Reason::RenewalDue { days: 3 }, 0.0),
            row(5, Reason::RenewalOverdue { days: 2 }, 0.0),
            row(6, Reason::RedHealth { score: 45.0 }, 8.0),
            row(7, Reason::RenewalOverdue { days: 20 }, 0.0),
        ];
        rows.sort_by(|a, b| by_first_reason(a, b, |_| Money::ZERO));
        // The longest-overdue renewal, the other overdue one, the sooner renewal due, then the
        // red accounts (the more urgent first), the late tasks and last the silent account.
        let order: Vec<AccountIx> = rows.iter().map(|r| r.account).collect();
        assert_eq!(order, [7, 5, 4, 3, 6, 2, 1, 0]);
    }

    #[test]
    fn lifecycle_reads_the_mrr_history() {
        // As of 1 May 2026 (latest complete month April); the 90-day window starts 31 January.
        let mut ds = dataset(
            &[
                ("active", ""),
                ("new", ""),
                ("churned", ""),
                ("back", ""),
                ("none", ""),
            ],
            &[
                ("active", "2025-10", 100),
                ("active", "2026-04", 100),
                ("new", "2026-03", 50),
                ("new", "2026-04", 50),
                ("churned", "2025-11", 400),
                ("churned", "2026-02", 400),
                ("back", "2025-06", 10),
                ("back", "2026-03", 10),
                ("back", "2026-04", 10),
                ("none", "2026-04", 0),
            ],
        );
        for m in ["2025-11", "2025-12", "2026-01", "2026-02", "2026-03"] {
            if let Some(mrr) = ds.mrr.as_mut() {
                mrr.set(0, month(m), Money::units(100));
            }
        }
        for m in ["2025-12", "2026-01"] {
            if let Some(mrr) = ds.mrr.as_mut() {
                mrr.set(2, month(m), Money::units(400));
            }
        }
        // The churned account is red and has an open renewal flagged at risk: still no risk.
        ds.health = Some(vec![scored(2, d(4, 20), 20.0)]);
        ds.renewals = Some(vec![renewal(2, d(5, 20), 4_800, true)]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let lives: Vec<String> = (0..5).map(|a| lifecycle(&ctx, a).label()).collect();
        assert_eq!(
            lives,
            [
                "active",
                "new since 2026-03-01",
                "churned on 2026-03-01",
                "reactivated on 2026-03-01",
                "no revenue yet"
            ]
        );
        let churned = account_snapshot(&ctx, 2);
        assert_eq!(churned.lifecycle, Lifecycle::Churned { on: d(3, 1) });
        // Its last score (20, red) is history, not its health now.
        assert_eq!((churned.health, churned.band), (None, None));
        assert_eq!(churned.health_change_90d, None);
        assert_eq!(churned.health_trend, vec![(d(4, 20), 20.0)]);
        assert!(churned.risk_factors.is_empty());
        assert_eq!(churned.urgency, 0.0);
        assert_eq!(churned.arr, Money::ZERO);
    }

    #[test]
    fn the_book_summary_adds_exact_money() {
        let mut ds = book();
        // A third renewal of b, due in 90 days exactly, at $0.10: exact cents.
        if let Some(r) = ds.renewals.as_mut() {
            let mut extra = renewal(1, d(7, 30), 0, false);
            extra.arr = Money(10);
            r.push(extra);
            // A closed renewal never counts.
            let mut lost = renewal(2, d(5, 10), 5_000, false);
            lost.stage = RenewalStage::ClosedLost;
            r.push(lost);
        }
        ds.tasks = Some(vec![
            task("call", 0, d(4, 20), TaskStatus::Open),
            task("call", 0, d(6, 20), TaskStatus::Open),
            task("call", 0, d(4, 1), TaskStatus::Done),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let book = csm_book(&ctx, 0, &|a| account_snapshot(&ctx, a));
        let s = book.summary;
        assert_eq!(s.accounts, 3);
        // $12,000 + $120,000 + $1,200.
        assert_eq!(s.arr, Money::units(133_200));
        // a red, b and c green.
        assert_eq!(s.health_mix, [2, 0, 1, 0]);
        // a's renewal is flagged at risk.
        assert_eq!(s.at_risk_accounts, 1);
        assert_eq!(
            s.due_30,
            OpenTotal {
                count: 1,
                arr: Money::units(12_000)
            }
        );
        assert_eq!(
            s.due_90,
            OpenTotal {
                count: 3,
                arr: Money(13_200_010)
            }
        );
        assert_eq!((s.open_tasks, s.overdue_tasks), (2, 1));
    }

    #[test]
    fn the_book_summary_counts_renewals_due_as_the_attention_block_does() {
        // The fixture book plus an overdue open renewal of c ($7): the attention block leaves it
        // out of "due in the next 30/90 days" and so does the book summary.
        let mut ds = book();
        if let Some(r) = ds.renewals.as_mut() {
            let mut late = renewal(2, d(4, 20), 7, false);
            late.id = "late".into();
            r.push(late);
        }
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(5, 1),
        };
        let s = csm_book(&ctx, 0, &|a| account_snapshot(&ctx, a)).summary;
        let a =
            super::super::attention::attention(&ctx, Scope::All, &|a| account_snapshot(&ctx, a));
        assert_eq!((s.due_30, s.due_90), (a.due_30, a.due_90));
        // a's $12,000 in 20 days; b's $120,000 in 75 days.
        assert_eq!(
            (s.due_30.count, s.due_30.arr, s.due_90.count, s.due_90.arr),
            (1, Money::units(12_000), 2, Money::units(132_000))
        );
        assert_eq!(a.overdue.arr, Money::units(7));
    }

    proptest::proptest! {
        #[test]
        fn csm_book_renewals_due_recombine_to_the_whole(
            rows in proptest::collection::vec((0u32..6, -40i64..120, 0i64..1_000_000_000, 0u8..3), 0..40),
            owners in proptest::collection::vec(0u32..3, 6),
        ) {
            // Six accounts owned by three CSMs, each with some MRR; renewals due from 40 days
            // before as-of to 120 after, some closed. Every book's "due in 30/90 days" adds up,
            // to the cent, to the whole book of business's.
            let names = ["a", "b", "c", "d", "e", "f"];
            let accounts: Vec<(&str, &str)> = names.iter().map(|n| (*n, "")).collect();
            let mrr: Vec<(&str, &str, i64)> = names.iter().map(|n| (*n, "2026-04", 100)).collect();
            let mut ds = dataset(&accounts, &mrr);
            for (a, csm) in ds.accounts.rows.iter_mut().zip(&owners) {
                a.csm = Some(*csm);
            }
            let mut renewals: Vec<Renewal> = rows
                .iter()
                .enumerate()
                .map(|(i, (account, days, cents, stage))| {
                    let due = d(5, 1)
                        .checked_add_signed(chrono::Duration::days(*days))
                        .unwrap_or_default();
                    let mut r = renewal(*account, due, 0, false);
                    r.id = format!("r{i}");
                    r.arr = Money(*cents);
                    r.stage = [
                        RenewalStage::NotEngaged,
                        RenewalStage::Negotiation,
                        RenewalStage::ClosedWon,
                    ][*stage as usize];
                    r
                })
                .collect();
            renewals.sort_by_key(|r| r.account);
            ds.renewals = Some(renewals);
            let config = config();
            let ctx = Context {
                data: &ds,
                config: &config,
                as_of: d(5, 1),
            };
            let mut sum = [OpenTotal::default(); 2];
            for csm in 0..3 {
                let s = csm_book(&ctx, csm, &|a| account_snapshot(&ctx, a)).summary;
                for (total, part) in sum.iter_mut().zip([s.due_30, s.due_90]) {
                    total.count += part.count;
                    total.arr += part.arr;
                }
            }
            let whole = [
                due_within(&ctx, Scope::All, DUE_SOON_DAYS),
                due_within(&ctx, Scope::All, DUE_WINDOW_DAYS),
            ];
            proptest::prop_assert_eq!(sum, whole);
            let by_hand = |days: i64| {
                let keep: Vec<&(u32, i64, i64, u8)> =
                    rows.iter().filter(|r| r.3 < 2 && (0..=days).contains(&r.1)).collect();
                OpenTotal {
                    count: keep.len(),
                    arr: Money(keep.iter().map(|r| r.2).sum()),
                }
            };
            proptest::prop_assert_eq!(whole, [by_hand(30), by_hand(90)]);
        }
    }
}
