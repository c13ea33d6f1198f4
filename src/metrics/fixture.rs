//! Test-only builders for small hand-computed data sets.

use crate::config::Config;
use crate::data::{Account, Accounts, Dataset, Money, MrrTable};
use crate::period::Month;

/// `YYYY-MM` → Month (test input is always well formed).
pub fn month(text: &str) -> Month {
    Month::parse(text).unwrap_or(Month(0))
}

/// Accounts `(id, segment)` and MRR rows `(id, month, units)`; the MRR table spans the rows.
pub fn dataset(accounts: &[(&str, &str)], mrr: &[(&str, &str, i64)]) -> Dataset {
    let mut table = Accounts::default();
    for (i, (id, segment)) in accounts.iter().enumerate() {
        table.index.insert(id.to_string(), i as u32);
        table.rows.push(Account {
            id: id.to_string(),
            name: id.to_string(),
            segment: (!segment.is_empty()).then(|| segment.to_string()),
            ..Account::default()
        });
    }
    let first = mrr.iter().map(|r| month(r.1)).min().unwrap_or(Month(0));
    let last = mrr.iter().map(|r| month(r.1)).max().unwrap_or(Month(-1));
    let mut m = MrrTable::zeros(accounts.len(), first, last);
    for (id, mo, units) in mrr {
        if let Some(&a) = table.index.get(*id) {
            m.set(a, month(mo), Money::units(*units));
        }
    }
    Dataset {
        accounts: table,
        mrr: Some(m),
        ..Dataset::default()
    }
}

/// One health.csv row of `account` on `date` with an overall `score` and no components (rows
/// must come sorted by account).
pub fn scored(
    account: crate::data::AccountIx,
    date: chrono::NaiveDate,
    score: f64,
) -> crate::data::HealthRow {
    crate::data::HealthRow {
        account,
        date,
        score: Some(score).into(),
        usage: crate::data::OptF64::NONE,
        engagement: crate::data::OptF64::NONE,
        support: crate::data::OptF64::NONE,
        outcomes: crate::data::OptF64::NONE,
    }
}

/// The default config.
pub fn config() -> Config {
    Config::default()
}

/// An open renewal of `account` (id `r<account>`) due on `due` for `arr`, at the negotiation
/// stage, flagged at risk when `at_risk`, every other field empty: tests set what they need with
/// `Renewal { stage: ..., ..renewal(...) }`.
pub fn renewal(
    account: crate::data::AccountIx,
    due: chrono::NaiveDate,
    arr: crate::data::Money,
    at_risk: bool,
) -> crate::data::Renewal {
    crate::data::Renewal {
        id: format!("r{account}"),
        account,
        due_on: due,
        arr,
        stage: crate::data::RenewalStage::Negotiation,
        forecast_probability: None,
        at_risk,
        risk_reason: None,
        renewed_arr: None,
        expansion_arr: None,
        expansion_type: None,
        discount_pct: None,
        closed_on: None,
        first_outreach_on: None,
        proposal_sent_on: None,
        escalated: false,
        term_months: 12,
        value_review_done: None,
        checklist: [None; 5],
    }
}
