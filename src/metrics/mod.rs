//! The metric engine: the catalog of definitions (`catalog`) and the pure functions that compute
//! them from a `Dataset`, a `Period` and the `Config`. Every number any output shows comes from
//! here; nothing here knows about HTML, Typst or the terminal.

pub mod breakdown;
pub mod catalog;
pub mod cohorts;
pub mod experience;
#[cfg(test)]
pub(crate) mod fixture;
pub mod health;
pub mod operations;
pub mod renewals;
pub mod revenue;
pub mod segments;
pub mod status;
pub mod views;

use crate::config::Config;
use crate::data::{AccountIx, Dataset};
use crate::period::Period;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A metric value: `None` is *missing* (zero denominator or no data), never 0 or NaN.
pub type Value = Option<f64>;

/// Metric id → value, in id order.
pub type Values = BTreeMap<&'static str, Value>;

/// What every metric function reads: the data, the config and "now".
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub data: &'a Dataset,
    pub config: &'a Config,
    pub as_of: NaiveDate,
}

/// The accounts a computation is restricted to: all of them, or one breakdown group.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    /// `mask[account]` is true for the accounts in scope.
    Only(&'a [bool]),
}

impl Scope<'_> {
    /// Whether the account is in scope.
    pub fn includes(&self, account: AccountIx) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(mask) => mask.get(account as usize).copied().unwrap_or(false),
        }
    }
}

/// A ratio in percent, missing when the denominator is zero.
pub fn pct(numerator: f64, denominator: f64) -> Value {
    if denominator == 0.0 {
        None
    } else {
        Some(numerator / denominator * 100.0)
    }
}

/// Every scalar metric of the catalog for `period` over the accounts in `scope`. Metrics whose
/// tables are absent are left out (not reported as missing).
/// The five families are computed in parallel (each reads only the data) and merged in this order.
pub fn compute(ctx: &Context, period: &Period, scope: Scope) -> Values {
    use rayon::prelude::*;
    type Family = fn(&Context, &Period, Scope, &mut Values);
    const FAMILIES: [Family; 5] = [
        revenue::compute,
        experience::compute,
        health::compute,
        renewals::compute,
        operations::compute,
    ];
    let parts: Vec<Values> = FAMILIES
        .par_iter()
        .map(|family| {
            let mut values = Values::new();
            family(ctx, period, scope, &mut values);
            values
        })
        .collect();
    let mut out = Values::new();
    for part in parts {
        out.extend(part);
    }
    out
}
