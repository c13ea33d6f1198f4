//! Field coverage for the data-quality page: how many accounts have a segment, a CSM, MRR in the
//! latest complete month, a health score and a contact ever, and their share of all accounts.

use super::views::AccountSnapshot;
use super::{Context, Value, pct};
use crate::data::Money;

/// How many accounts have one field, and their share of every account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Coverage {
    /// What the accounts have: "accounts with a segment", …
    pub(crate) label: &'static str,
    /// Accounts that have it.
    pub(crate) accounts: usize,
    /// `accounts` / every account × 100; missing when there are no accounts.
    pub(crate) share: Value,
}

/// The coverage rows on as-of; `snapshots` are every account's snapshot, in account order.
pub(crate) fn coverage(ctx: &Context, snapshots: &[AccountSnapshot]) -> Vec<Coverage> {
    let rows = &ctx.data.accounts.rows;
    let counts = [
        (
            "accounts with a segment",
            rows.iter().filter(|a| a.segment.is_some()).count(),
        ),
        (
            "accounts with a CSM",
            rows.iter().filter(|a| a.csm.is_some()).count(),
        ),
        (
            "accounts with MRR last month",
            snapshots.iter().filter(|s| s.arr > Money::ZERO).count(),
        ),
        (
            "accounts with a health score",
            snapshots.iter().filter(|s| s.health.is_some()).count(),
        ),
        (
            "accounts with a contact ever",
            snapshots
                .iter()
                .filter(|s| s.last_contact.is_some())
                .count(),
        ),
    ];
    counts
        .into_iter()
        .map(|(label, n)| Coverage {
            label,
            accounts: n,
            share: pct(n as f64, rows.len() as f64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset};
    use super::super::views::account_snapshot;
    use super::*;
    use crate::data::Dataset;
    use chrono::NaiveDate;

    #[test]
    fn coverage_counts_accounts_and_their_share() {
        // Three accounts, one with a segment, two with a CSM; MRR in April for a and b only
        // (c's $0 counts as none).
        let mut ds = dataset(
            &[("a", "smb"), ("b", ""), ("c", "")],
            &[
                ("a", "2026-04", 100),
                ("b", "2026-04", 5),
                ("c", "2026-04", 0),
            ],
        );
        ds.accounts.rows[0].csm = Some(0);
        ds.accounts.rows[2].csm = Some(1);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
        };
        let snapshots: Vec<_> = (0..3).map(|a| account_snapshot(&ctx, a)).collect();
        let rows: Vec<(&str, usize, Value)> = coverage(&ctx, &snapshots)
            .iter()
            .map(|c| (c.label, c.accounts, c.share))
            .collect();
        // n / 3 × 100, in that order.
        let (third, two_thirds) = (1.0 / 3.0 * 100.0, 2.0 / 3.0 * 100.0);
        assert_eq!(
            rows,
            [
                ("accounts with a segment", 1, Some(third)),
                ("accounts with a CSM", 2, Some(two_thirds)),
                ("accounts with MRR last month", 2, Some(two_thirds)),
                ("accounts with a health score", 0, Some(0.0)),
                ("accounts with a contact ever", 0, Some(0.0)),
            ]
        );
        // No accounts: no shares.
        let empty = Dataset::default();
        let ctx = Context {
            data: &empty,
            ..ctx
        };
        assert!(coverage(&ctx, &[]).iter().all(|c| c.share.is_none()));
    }
}
