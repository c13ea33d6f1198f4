//! What needs attention on as-of: the open renewals at risk (the one rule of
//! `renewals::is_at_risk`), each with its owner, due date or days overdue, its account's
//! reasons and the open tracked action that covers the account (`actions::owned_accounts`),
//! most urgent first; how many at-risk accounts no open action covers; and the open renewal ARR
//! due in the next 30 and 90 days and overdue. The home page's attention block, the at-risk tables and the board's top risks read
//! it. Money is exact; how a reason reads and how a row looks is the site's business.

use super::actions::{ActionIx, owned_accounts};
use super::renewals::{self, OpenTotal};
use super::views::{AccountSnapshot, RiskFactor, urgency};
use super::{Context, Scope};
use crate::data::{AccountIx, CsmIx, Money, RiskReason};
use chrono::NaiveDate;

/// One open renewal at risk on as-of.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RiskItem {
    /// The account renewing.
    pub(crate) account: AccountIx,
    /// Its CSM, if any.
    pub(crate) csm: Option<CsmIx>,
    /// The renewal's ARR: what is at risk.
    pub(crate) arr: Money,
    /// The renewal's due date.
    pub(crate) due_on: NaiveDate,
    /// Days from as-of to the due date; negative when the renewal is overdue.
    pub(crate) days: i64,
    /// Whether the renewal itself is flagged at risk, and the reason it gives.
    pub(crate) flagged: Option<Option<RiskReason>>,
    /// The account's risk factors on as-of other than "renewal at risk" (red health, usage
    /// decline, sponsor change, …), in `RiskFactor` order.
    pub(crate) factors: Vec<RiskFactor>,
    /// `views::urgency` of the account's risk factors, this renewal's ARR and days.
    pub(crate) urgency: f64,
    /// The open tracked action about the account (the one due first), if any.
    pub(crate) action: Option<ActionIx>,
}

/// The attention block's numbers on as-of, for the accounts in scope.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attention {
    /// The date everything is taken on.
    pub(crate) as_of: NaiveDate,
    /// Every open renewal at risk, most urgent first (then sooner, then larger, then account).
    pub(crate) risks: Vec<RiskItem>,
    /// Accounts with a renewal at risk: `at_risk_accounts`.
    pub(crate) at_risk_accounts: usize,
    /// Σ ARR of the renewals at risk: `at_risk_arr`, exact.
    pub(crate) at_risk_arr: Money,
    /// Of the `at_risk_accounts`, those no open tracked action is about; None without
    /// actions.csv.
    pub(crate) without_action: Option<usize>,
    /// Open renewals due from as-of through `DUE_SOON_DAYS` (30) days later.
    pub(crate) due_30: OpenTotal,
    /// Open renewals due from as-of through `DUE_WINDOW_DAYS` (90) days later (those of 30
    /// included).
    pub(crate) due_90: OpenTotal,
    /// Open renewals past their due date.
    pub(crate) overdue: OpenTotal,
}

/// The open renewals at risk in scope, most urgent first; `snapshot` gives an account's
/// snapshot (`views::account_snapshot`, or one computed already).
pub(crate) fn at_risk_renewals(
    ctx: &Context,
    scope: Scope,
    snapshot: &dyn Fn(AccountIx) -> AccountSnapshot,
) -> Vec<RiskItem> {
    let owned = owned_accounts(ctx.data, ctx.as_of).unwrap_or_default();
    let mut items: Vec<RiskItem> = renewals::at_risk(ctx, scope)
        .map(|r| {
            let s = snapshot(r.account);
            let days = (r.due_on - ctx.as_of).num_days();
            RiskItem {
                account: r.account,
                csm: ctx
                    .data
                    .accounts
                    .rows
                    .get(r.account as usize)
                    .and_then(|a| a.csm),
                arr: r.arr,
                due_on: r.due_on,
                days,
                flagged: r.at_risk.then_some(r.risk_reason),
                factors: s
                    .risk_factors
                    .iter()
                    .copied()
                    .filter(|f| *f != RiskFactor::RenewalAtRisk)
                    .collect(),
                urgency: urgency(&s.risk_factors, r.arr, Some(days)),
                action: owned.get(&r.account).copied(),
            }
        })
        .collect();
    items.sort_by(|a, b| {
        b.urgency
            .total_cmp(&a.urgency)
            .then(a.days.cmp(&b.days))
            .then(b.arr.cmp(&a.arr))
            .then(a.account.cmp(&b.account))
    });
    items
}

/// The attention block of the accounts in scope on as-of.
pub(crate) fn attention(
    ctx: &Context,
    scope: Scope,
    snapshot: &dyn Fn(AccountIx) -> AccountSnapshot,
) -> Attention {
    let risks = at_risk_renewals(ctx, scope, snapshot);
    let mut accounts: Vec<AccountIx> = risks.iter().map(|r| r.account).collect();
    accounts.sort_unstable();
    accounts.dedup();
    let without_action = ctx.data.actions.as_ref().map(|_| {
        let covered: std::collections::BTreeSet<AccountIx> = risks
            .iter()
            .filter(|r| r.action.is_some())
            .map(|r| r.account)
            .collect();
        accounts.len() - covered.len()
    });
    Attention {
        as_of: ctx.as_of,
        at_risk_accounts: accounts.len(),
        without_action,
        at_risk_arr: risks.iter().map(|r| r.arr).sum(),
        risks,
        due_30: renewals::due_within(ctx, scope, renewals::DUE_SOON_DAYS),
        due_90: renewals::due_within(ctx, scope, renewals::DUE_WINDOW_DAYS),
        overdue: renewals::overdue(ctx, scope),
    }
}

#[cfg(test)]
mod tests {
    use super::super::compute;
    use super::super::fixture::{config, dataset, month};
    use super::super::views::account_snapshot;
    use super::*;
    use crate::data::{Dataset, HealthRow, Renewal, RenewalStage, SponsorChange, SponsorRole};
    use crate::period::Period;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn health(account: AccountIx, score: f64) -> HealthRow {
        HealthRow {
            account,
            date: d(10, 1),
            score: Some(score).into(),
            usage: crate::data::OptF64::NONE,
            engagement: crate::data::OptF64::NONE,
            support: crate::data::OptF64::NONE,
            outcomes: crate::data::OptF64::NONE,
        }
    }

    fn renewal(account: AccountIx, due: NaiveDate, cents: i64, at_risk: bool) -> Renewal {
        crate::metrics::fixture::renewal(account, due, Money(cents), at_risk)
    }

    /// As of 1 November 2026, five accounts paying $1,000 a month in October:
    /// - a0 (CSM 0): $12,000.50 renewal flagged at risk for budget, due 17 October: 15 days overdue;
    /// - a1 (CSM 1): red health (30), $5,000 renewal due 21 November (20 days), a champion change
    ///   in October;
    /// - a2: red health (40), but its $9,999.99 renewal is due 1 June 2027 (212 days): not at risk;
    /// - a3: green, $3,000 renewal due 31 January 2027 (91 days): due, not at risk, outside 90;
    /// - a4: green, $700.01 renewal due 1 December (30 days), and a won one due 5 November.
    fn data() -> Dataset {
        let ids = ["a0", "a1", "a2", "a3", "a4"];
        let accounts: Vec<(&str, &str)> = ids.iter().map(|i| (*i, "")).collect();
        let mrr: Vec<(&str, &str, i64)> = ids.iter().map(|i| (*i, "2026-10", 1_000)).collect();
        let mut ds = dataset(&accounts, &mrr);
        ds.accounts.rows[0].csm = Some(0);
        ds.accounts.rows[1].csm = Some(1);
        let mut budget = renewal(0, d(10, 17), 1_200_050, true);
        budget.risk_reason = Some(RiskReason::Budget);
        let mut won = renewal(4, d(11, 5), 50_000, false);
        won.stage = RenewalStage::ClosedWon;
        ds.renewals = Some(vec![
            budget,
            renewal(1, d(11, 21), 500_000, false),
            renewal(
                2,
                NaiveDate::from_ymd_opt(2027, 6, 1).unwrap_or_default(),
                999_999,
                false,
            ),
            renewal(
                3,
                NaiveDate::from_ymd_opt(2027, 1, 31).unwrap_or_default(),
                300_000,
                false,
            ),
            won,
            renewal(4, d(12, 1), 70_001, false),
        ]);
        ds.health = Some(vec![
            health(0, 60.0),
            health(1, 30.0),
            health(2, 40.0),
            health(3, 90.0),
            health(4, 90.0),
        ]);
        ds.sponsor_changes = Some(vec![SponsorChange {
            account: 1,
            date: d(10, 10),
            role: SponsorRole::Champion,
        }]);
        ds
    }

    fn with<T>(f: impl FnOnce(&Context) -> T) -> T {
        let ds = data();
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(11, 1),
        };
        f(&ctx)
    }

    #[test]
    fn the_attention_block_in_exact_cents() {
        with(|ctx| {
            let a = attention(ctx, Scope::All, &|i| account_snapshot(ctx, i));
            // At risk: a0 (flagged, overdue) and a1 (red, due in 20 days); a2 is red but 212
            // days out. $12,000.50 + $5,000.00.
            assert_eq!(a.at_risk_accounts, 2);
            assert_eq!(a.at_risk_arr, Money(1_700_050));
            // Next 30 days: a1 ($5,000, day 20) and a4 ($700.01, day 30); the won one is closed.
            assert_eq!(
                a.due_30,
                OpenTotal {
                    count: 2,
                    arr: Money(570_001)
                }
            );
            // Next 90 days: the same two; a3 is due on day 91.
            assert_eq!(a.due_90, a.due_30);
            assert_eq!(
                a.overdue,
                OpenTotal {
                    count: 1,
                    arr: Money(1_200_050)
                }
            );
            // The metric engine agrees on the same day.
            let v = compute(ctx, &Period::month(month("2026-10")), Scope::All);
            assert_eq!(v["at_risk_accounts"], Some(2.0));
            assert_eq!(v["at_risk_arr"], Some(17_000.50));
        });
    }

    #[test]
    fn risks_carry_owner_days_and_reasons_most_urgent_first() {
        with(|ctx| {
            let risks = at_risk_renewals(ctx, Scope::All, &|i| account_snapshot(ctx, i));
            // a1: red health (3) + sponsor change (2) + renewal at risk (3) = 8 points, due in 20
            // days (× 2): 16 × log10(5,010). a0: renewal at risk (3) only, overdue (× 2):
            // 6 × log10(12,010.50). a1 first.
            let summary: Vec<_> = risks
                .iter()
                .map(|r| (r.account, r.csm, r.days, r.flagged, r.factors.clone()))
                .collect();
            assert_eq!(
                summary,
                [
                    (
                        1,
                        Some(1),
                        20,
                        None,
                        vec![RiskFactor::RedHealth, RiskFactor::SponsorChange]
                    ),
                    (0, Some(0), -15, Some(Some(RiskReason::Budget)), vec![]),
                ]
            );
            assert!((risks[0].urgency - 16.0 * 5_010f64.log10()).abs() < 1e-9);
            assert!((risks[1].urgency - 6.0 * 12_010.5f64.log10()).abs() < 1e-9);
            // Scoped to a0 alone.
            let mask = [true, false, false, false, false];
            let mine = at_risk_renewals(ctx, Scope::Only(&mask), &|i| account_snapshot(ctx, i));
            assert_eq!(mine.iter().map(|r| r.account).collect::<Vec<_>>(), [0]);
        });
    }

    #[test]
    fn at_risk_accounts_without_an_open_owned_action_are_counted() {
        use crate::data::{Action, ActionOwner, ActionStatus};
        let mut ds = data();
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(11, 1),
        };
        // Without actions.csv nothing is said about actions.
        let a = attention(&ctx, Scope::All, &|i| account_snapshot(&ctx, i));
        assert_eq!(a.without_action, None);
        assert!(a.risks.iter().all(|r| r.action.is_none()));
        let open = |id: &str, account| Action {
            id: id.into(),
            title: id.into(),
            owner: ActionOwner::Other("Dana".into()),
            account: Some(account),
            segment: None,
            metric: None,
            created_on: d(10, 1),
            due_on: None,
            status: ActionStatus::Open,
            closed_on: None,
            outcome: None,
        };
        // a1 has an open action; a0's was done before as-of; a2 (not at risk) has one too.
        ds.actions = Some(vec![
            open("x0", 1),
            Action {
                status: ActionStatus::Done,
                closed_on: Some(d(10, 20)),
                ..open("x1", 0)
            },
            open("x2", 2),
        ]);
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(11, 1),
        };
        let a = attention(&ctx, Scope::All, &|i| account_snapshot(&ctx, i));
        let cover: Vec<_> = a.risks.iter().map(|r| (r.account, r.action)).collect();
        assert_eq!(cover, [(1, Some(0)), (0, None)]);
        // 1 of the 2 at-risk accounts has no owned action.
        assert_eq!((a.without_action, a.at_risk_accounts), (Some(1), 2));
    }

    #[test]
    fn an_overdue_renewal_is_the_accounts_next_one() {
        with(|ctx| {
            // a0's open renewal was due 17 October: on 1 November it is still its next renewal,
            // 15 days overdue, and the snapshot's urgency counts it as due now (× 2).
            let s = account_snapshot(ctx, 0);
            let next = s.next_renewal.as_ref().map(|n| (n.due_on, n.days));
            assert_eq!(next, Some((d(10, 17), -15)));
            assert_eq!(s.risk_factors, [RiskFactor::RenewalAtRisk]);
        });
    }
}
