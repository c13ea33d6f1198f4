//! The account signals the analyses read as of a day, from rows dated before it only: QBRs held,
//! tickets opened, the last NPS answer and sponsor changes in a window of days. One definition
//! for the drivers study and the churn and expansion scores. None when the table is absent (or,
//! for NPS, when there is no answer in the window).

use super::Context;
use super::health::account_rows;
use crate::data::{AccountIx, ActivityStatus, SurveyKind};
use chrono::{Days, NaiveDate};

/// The first day of the `days` days before `day`.
fn window_start(day: NaiveDate, days: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(days)).unwrap_or(day)
}

/// Whether a completed QBR was held in the `days` days before `day`.
pub fn qbr_held(ctx: &Context, account: AccountIx, day: NaiveDate, days: u64) -> Option<bool> {
    let from = window_start(day, days);
    ctx.data.activities_of(account).map(|rows| {
        rows.iter().any(|r| {
            r.kind.as_str() == "qbr"
                && r.status == ActivityStatus::Completed
                && from <= r.date
                && r.date < day
        })
    })
}

/// The tickets opened in the `days` days before `day`.
pub fn tickets_opened(
    ctx: &Context,
    account: AccountIx,
    day: NaiveDate,
    days: u64,
) -> Option<usize> {
    let from = window_start(day, days);
    ctx.data.tickets_of(account).map(|rows| {
        rows.iter()
            .filter(|t| from <= t.opened_at.date() && t.opened_at.date() < day)
            .count()
    })
}

/// Whether the last NPS answer of the `days` days before `day` was a detractor (0–6).
pub fn nps_detractor(ctx: &Context, account: AccountIx, day: NaiveDate, days: u64) -> Option<bool> {
    let from = window_start(day, days);
    let rows = ctx.data.surveys.as_deref()?;
    account_rows(rows, account, |r| r.account)
        .iter()
        .filter(|r| r.kind == SurveyKind::Nps && from <= r.date && r.date < day)
        .filter_map(|r| r.score)
        .next_back()
        .map(|score| score <= 6)
}

/// Whether the sponsor changed in the `days` days before `day`.
pub fn sponsor_changed(
    ctx: &Context,
    account: AccountIx,
    day: NaiveDate,
    days: u64,
) -> Option<bool> {
    let from = window_start(day, days);
    ctx.data.sponsor_changes.as_deref().map(|rows| {
        account_rows(rows, account, |c| c.account)
            .iter()
            .any(|c| from <= c.date && c.date < day)
    })
}
