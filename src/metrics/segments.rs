//! Segment economics and churn composition (METRICS.md, Segment economics) and churn reasons
//! from churns.csv. Built from the same engine values per segment, so nothing is computed twice.

use super::breakdown::{self, Dimension};
use super::revenue::{lifetime_years, retention};
use super::{Context, Scope, Value, pct};
use crate::data::{ChurnReason, Money};
use crate::period::{Month, Period};
use std::collections::BTreeMap;

/// One segment's unit economics.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentEconomics {
    pub segment: String,
    pub accounts: u64,
    /// Mean acquisition_cost of the segment's accounts that have one.
    pub cac: Value,
    pub sales_cycle_days: Value,
    /// 1 / annual logo churn rate, in years, capped at `ltv.max_lifetime_years`.
    pub lifetime_years: Value,
    pub ltv: Value,
    pub ltv_cac_ratio: Value,
    /// Logos of the segment churned in the period / all churned logos × 100.
    pub churned_logo_share: Value,
    /// Churned MRR of the segment in the period / all churned MRR × 100.
    pub churned_mrr_share: Value,
}

/// Segment economics for `period`, one row per segment (sorted), with churn shares summing to
/// 100 over the segments.
pub fn economics(ctx: &Context, period: &Period) -> Vec<SegmentEconomics> {
    let dim = Dimension::Attribute("segment");
    let groups = breakdown::groups(ctx, &dim, period);
    let (s, e) = period.months();
    let churn = |mask: &[bool]| {
        ctx.data.mrr.as_ref().map_or((0, Money::ZERO), |m| {
            let r = retention(m, Scope::Only(mask), s, e);
            (r.churned_logos, r.churned)
        })
    };
    let all_mask = vec![true; ctx.data.accounts.rows.len()];
    let (all_logos, all_mrr) = churn(&all_mask);
    groups
        .iter()
        .map(|(label, mask)| {
            let values = super::compute(ctx, period, Scope::Only(mask));
            let members: Vec<_> = ctx
                .data
                .accounts
                .rows
                .iter()
                .zip(mask)
                .filter(|(_, m)| **m)
                .map(|(a, _)| a)
                .collect();
            let mean = |xs: Vec<f64>| {
                if xs.is_empty() {
                    None
                } else {
                    Some(xs.iter().sum::<f64>() / xs.len() as f64)
                }
            };
            let cac = mean(
                members
                    .iter()
                    .filter_map(|a| a.acquisition_cost.map(Money::to_f64))
                    .collect(),
            );
            let cycle = mean(
                members
                    .iter()
                    .filter_map(|a| a.sales_cycle_days.map(|d| d as f64))
                    .collect(),
            );
            let annual_churn =
                ctx.data.mrr.as_ref().and_then(|m| {
                    retention(m, Scope::Only(mask), e.plus(-11), e).logo_churn_rate()
                });
            let ltv = values.get("ltv").copied().flatten();
            let (logos, churned) = churn(mask);
            SegmentEconomics {
                segment: label.clone(),
                accounts: members.len() as u64,
                cac,
                sales_cycle_days: cycle,
                lifetime_years: lifetime_years(annual_churn, ctx.config.ltv.max_lifetime_years),
                ltv,
                ltv_cac_ratio: match (ltv, cac) {
                    (Some(l), Some(c)) if c > 0.0 => Some(l / c),
                    _ => None,
                },
                churned_logo_share: pct(logos as f64, all_logos as f64),
                churned_mrr_share: pct(churned.0 as f64, all_mrr.0 as f64),
            }
        })
        .collect()
}

/// Churns of one reason in a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReasonTally {
    pub accounts: u64,
    /// MRR lost: the account's MRR in the month before the month of churned_on.
    pub mrr: Money,
    /// ARR lost: 12 × that MRR.
    pub arr: Money,
    /// Competitor name → churns to it.
    pub competitors: BTreeMap<String, u64>,
}

/// Churn reasons of churns.csv dated in `period`, for accounts in `scope`.
pub fn churn_reasons(
    ctx: &Context,
    period: &Period,
    scope: Scope,
) -> BTreeMap<ChurnReason, ReasonTally> {
    let mut out: BTreeMap<ChurnReason, ReasonTally> = BTreeMap::new();
    for c in ctx.data.churns.iter().flatten() {
        if !period.contains(c.churned_on) || !scope.includes(c.account) {
            continue;
        }
        let tally = out.entry(c.reason).or_default();
        tally.accounts += 1;
        let before: Month = Month::of(c.churned_on).prev();
        let mrr = ctx
            .data
            .mrr
            .as_ref()
            .map_or(Money::ZERO, |m| m.get(c.account, before));
        tally.mrr += mrr;
        tally.arr += mrr * 12;
        if let Some(name) = &c.competitor {
            *tally.competitors.entry(name.clone()).or_default() += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month};
    use super::*;
    use crate::data::Churn;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn churn_composition_and_unit_economics() {
        // March → April: SMB s1 (100) and s2 (300) churn, Enterprise e1 (1,000) churns, e2 stays.
        let mut ds = dataset(
            &[
                ("s1", "SMB"),
                ("s2", "SMB"),
                ("e1", "Enterprise"),
                ("e2", "Enterprise"),
            ],
            &[
                ("s1", "2026-03", 100),
                ("s2", "2026-03", 300),
                ("e1", "2026-03", 1_000),
                ("e2", "2026-03", 2_000),
                ("e2", "2026-04", 2_000),
                // A year earlier all four were customers: the trailing-year cohort.
                ("s1", "2025-04", 100),
                ("s2", "2025-04", 300),
                ("e1", "2025-04", 1_000),
                ("e2", "2025-04", 2_000),
            ],
        );
        ds.accounts.rows[0].acquisition_cost = Some(Money::units(1_000));
        ds.accounts.rows[1].acquisition_cost = Some(Money::units(3_000));
        ds.accounts.rows[0].sales_cycle_days = Some(20);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(2026, 5, 1),
        };
        let rows = economics(&ctx, &Period::month(month("2026-04")));
        let names: Vec<&str> = rows.iter().map(|r| r.segment.as_str()).collect();
        assert_eq!(names, ["Enterprise", "SMB"]);
        let (ent, smb) = (&rows[0], &rows[1]);
        // Logos: SMB 2 of 3, Enterprise 1 of 3. MRR: SMB 400 of 1,400, Enterprise 1,000.
        assert_eq!(smb.churned_logo_share, Some(2.0 / 3.0 * 100.0));
        assert_eq!(ent.churned_mrr_share, Some(1_000.0 / 1_400.0 * 100.0));
        assert_eq!(smb.cac, Some(2_000.0));
        assert_eq!(smb.sales_cycle_days, Some(20.0));
        // SMB lost both logos this year: lifetime 1 year. Enterprise lost 1 of 2: 2 years.
        assert_eq!(smb.lifetime_years, Some(1.0));
        assert_eq!(ent.lifetime_years, Some(2.0));
        // SMB has no active account left: ARPA and so LTV are missing.
        assert_eq!(smb.ltv, None);
        assert_eq!(ent.cac, None);
    }

    #[test]
    fn churn_reasons_by_period() {
        let mut ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-03", 100),
                ("b", "2026-03", 50),
                ("c", "2026-01", 10),
            ],
        );
        let churn = |account, on, reason, competitor: Option<&str>| Churn {
            account,
            churned_on: on,
            reason,
            competitor: competitor.map(String::from),
            note: None,
        };
        ds.churns = Some(vec![
            churn(0, d(2026, 4, 1), ChurnReason::Competition, Some("Rival")),
            churn(1, d(2026, 4, 15), ChurnReason::Competition, Some("Rival")),
            churn(2, d(2026, 2, 1), ChurnReason::Price, None),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(2026, 5, 1),
        };
        let r = churn_reasons(&ctx, &Period::month(month("2026-04")), Scope::All);
        assert_eq!(r.len(), 1);
        let c = &r[&ChurnReason::Competition];
        // ARR lost = 12 × March MRR: (100 + 50) × 12.
        assert_eq!((c.accounts, c.arr), (2, Money::units(1_800)));
        assert_eq!(c.mrr, Money::units(150));
        assert_eq!(c.competitors.get("Rival"), Some(&2));
        assert!(churn_reasons(&ctx, &Period::month(month("2026-06")), Scope::All).is_empty());
    }
}
