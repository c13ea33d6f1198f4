//! Segment economics and churn composition (METRICS.md, Segment economics) and churn reasons
//! from churns.csv. Built from the same engine values per segment, so nothing is computed twice.

use super::breakdown::{self, Dimension};
use super::revenue::{ltv_lifetime_years, mean_cac, retention, revenue_churn_over};
use super::{Context, Scope, Value, pct};
use crate::data::{ChurnReason, Money};
use crate::period::{Month, Period};
use std::collections::BTreeMap;

/// One group's unit economics and its part of the period's churn (a group of a breakdown
/// dimension: segment, industry, region, source, ACV band, any accounts.csv column).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEconomics {
    /// The group's label, as the breakdown names it.
    pub group: String,
    /// The group's accounts (every account of accounts.csv in it).
    pub accounts: u64,
    /// Mean acquisition_cost of the group's accounts acquired (first MRR) in the trailing 12
    /// months, as `ltv_cac_ratio` counts it.
    pub cac: Value,
    pub sales_cycle_days: Value,
    /// Months of gross margin to earn back the CAC: CAC / (monthly revenue per account × gross
    /// margin), the monthly revenue being ARPA (annual) / 12.
    pub payback_months: Value,
    /// The lifetime LTV assumes: 1 / annual revenue churn (100 − GRR over the trailing 12
    /// months), in years, capped at `ltv.max_lifetime_years`.
    pub lifetime_years: Value,
    pub ltv: Value,
    pub ltv_cac_ratio: Value,
    /// The group's customers at the period start / all customers then × 100.
    pub base_logo_share: Value,
    /// The group's MRR at the period start / all MRR then × 100.
    pub base_mrr_share: Value,
    /// Logos of the group churned in the period, and their share of all churned logos × 100.
    pub churned_logos: u64,
    pub churned_logo_share: Value,
    /// MRR of the group churned in the period (exact), and its share of all churned MRR × 100.
    pub churned_mrr: Money,
    pub churned_mrr_share: Value,
}

impl GroupEconomics {
    /// How far the group's share of churned MRR exceeds its share of the starting MRR, in
    /// points: positive when the group loses more than its weight.
    pub fn over_representation(&self) -> Value {
        self.churned_mrr_share
            .zip(self.base_mrr_share)
            .map(|(c, b)| c - b)
    }
}

/// A group whose share of churned MRR exceeds its share of the base by more than this many
/// points is over-represented in churn (pages flag it).
pub const OVER_REPRESENTED_PTS: f64 = 5.0;

/// Unit economics and churn composition for `period`, one row per group of `dim` (in the
/// breakdown's order). The churn and base shares of the groups each sum to 100. Without
/// `unit_economics` only the churn composition is computed (the CAC, payback, lifetime and LTV
/// fields are None): it needs no metric beyond the MRR movements.
pub fn economics(
    ctx: &Context,
    period: &Period,
    dim: &Dimension,
    unit_economics: bool,
) -> Vec<GroupEconomics> {
    let groups = breakdown::groups(ctx, dim, period);
    let (s, e) = period.months();
    let retention_of = |mask: &[bool]| ctx.mrr().map(|m| retention(m, Scope::Only(mask), s, e));
    let all_mask = vec![true; ctx.data.accounts.rows.len()];
    let all = retention_of(&all_mask);
    let share = |part: f64, whole: Option<f64>| whole.and_then(|w| pct(part, w));
    let margin = ctx.config.gross_margin / 100.0;
    groups
        .iter()
        .map(|(label, mask)| {
            // Only the revenue metrics (ARPA, LTV, LTV:CAC) are read, and only for the unit
            // economics.
            let values = if unit_economics {
                super::compute_part(ctx, period, Scope::Only(mask), super::Part::Revenue)
            } else {
                super::Values::new()
            };
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
            let cac = ctx
                .mrr()
                .filter(|_| unit_economics)
                .and_then(|m| mean_cac(ctx, m, Scope::Only(mask), e.plus(-11), e));
            let cycle = mean(
                members
                    .iter()
                    .filter_map(|a| a.sales_cycle_days.map(|d| d as f64))
                    .collect(),
            );
            // The annual revenue churn LTV divides by, so lifetime × ARPA × margin = LTV.
            let annual_churn = ctx.mrr().filter(|_| unit_economics).and_then(|m| {
                revenue_churn_over(ctx.conventions(), m, Scope::Only(mask), e.plus(-11), e)
            });
            let ltv = values.get("ltv").copied().flatten();
            let arpa = values.get("arpa").copied().flatten();
            let r = retention_of(mask);
            let (base_logos, base_mrr, logos, churned) =
                r.as_ref().map_or((0, Money::ZERO, 0, Money::ZERO), |r| {
                    (r.cohort_size, r.start, r.churned_logos, r.churned)
                });
            GroupEconomics {
                group: label.clone(),
                accounts: members.len() as u64,
                cac,
                sales_cycle_days: cycle,
                payback_months: match (cac, arpa) {
                    (Some(c), Some(a)) if a * margin > 0.0 => Some(c / (a / 12.0 * margin)),
                    _ => None,
                },
                lifetime_years: ctx
                    .mrr()
                    .filter(|_| unit_economics)
                    .and_then(|m| ltv_lifetime_years(ctx, m, Scope::Only(mask), e, annual_churn)),
                ltv,
                ltv_cac_ratio: values.get("ltv_cac_ratio").copied().flatten(),
                base_logo_share: share(
                    base_logos as f64,
                    all.as_ref().map(|a| a.cohort_size as f64),
                ),
                base_mrr_share: share(base_mrr.0 as f64, all.as_ref().map(|a| a.start.0 as f64)),
                churned_logos: logos,
                churned_logo_share: share(
                    logos as f64,
                    all.as_ref().map(|a| a.churned_logos as f64),
                ),
                churned_mrr: churned,
                churned_mrr_share: share(
                    churned.0 as f64,
                    all.as_ref().map(|a| a.churned.0 as f64),
                ),
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
        let mrr = ctx.mrr().map_or(Money::ZERO, |m| m.get(c.account, before));
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
        let rows = economics(
            &ctx,
            &Period::month(month("2026-04")),
            &Dimension::Attribute("segment"),
            true,
        );
        let names: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
        assert_eq!(names, ["Enterprise", "SMB"]);
        let (ent, smb) = (&rows[0], &rows[1]);
        // Logos: SMB 2 of 3, Enterprise 1 of 3. MRR: SMB 400 of 1,400, Enterprise 1,000.
        assert_eq!(smb.churned_logo_share, Some(2.0 / 3.0 * 100.0));
        assert_eq!(ent.churned_mrr_share, Some(1_000.0 / 1_400.0 * 100.0));
        // Both CACs belong to accounts acquired before the trailing 12 months (May 2025 to
        // April 2026) that `ltv_cac_ratio` counts: no CAC, no payback, no ratio.
        assert_eq!(smb.cac, None);
        assert_eq!(smb.ltv_cac_ratio, None);
        assert_eq!(smb.sales_cycle_days, Some(20.0));
        // Lifetime is LTV's: 1 / annual revenue churn. SMB kept nothing of 400: 1 year.
        // Enterprise kept 2,000 of 3,000: churn 33.3 %, 3 years.
        assert_eq!(smb.lifetime_years, Some(1.0));
        let years = ent.lifetime_years.unwrap_or_default();
        assert!((years - 3.0).abs() < 1e-9, "{years}");
        // SMB has no active account left: ARPA and so LTV and the payback are missing.
        assert_eq!(smb.ltv, None);
        assert_eq!(smb.payback_months, None);
        assert_eq!(ent.cac, None);
        assert_eq!(ent.payback_months, None);
        // The base at the start (March): SMB 2 of 4 logos, 400 of 3,400 MRR.
        assert_eq!(smb.base_logo_share, Some(50.0));
        assert_eq!(smb.base_mrr_share, Some(400.0 / 3_400.0 * 100.0));
        assert_eq!((smb.churned_logos, smb.churned_mrr), (2, Money::units(400)));
        // SMB is 11.8 % of the base and 28.6 % of the churned MRR: over-represented.
        let over = smb.over_representation().unwrap_or_default();
        assert!((over - (400.0 / 1_400.0 - 400.0 / 3_400.0) * 100.0).abs() < 1e-9);
        assert!(over > OVER_REPRESENTED_PTS);
        assert!(ent.over_representation().unwrap_or_default() < 0.0);
        // The churn composition alone: the same shares, no unit economics.
        let alone = economics(
            &ctx,
            &Period::month(month("2026-04")),
            &Dimension::Attribute("segment"),
            false,
        );
        assert_eq!(alone[1].churned_mrr_share, smb.churned_mrr_share);
        assert_eq!(alone[1].base_mrr_share, smb.base_mrr_share);
        assert_eq!(
            (alone[1].lifetime_years, alone[1].ltv, alone[1].cac),
            (None, None, None)
        );
        // The groups' shares recombine to 100.
        let sum = |f: fn(&GroupEconomics) -> Value| rows.iter().filter_map(f).sum::<f64>();
        for total in [
            sum(|r| r.base_logo_share),
            sum(|r| r.base_mrr_share),
            sum(|r| r.churned_logo_share),
            sum(|r| r.churned_mrr_share),
        ] {
            assert!((total - 100.0).abs() < 1e-9, "{total}");
        }
    }

    #[test]
    fn payback_and_ltv_cac_of_a_recent_account() {
        // n1 joined in February 2026 at 2,000 a month with a CAC of 4,800; o1 has paid 1,000 a
        // month since April 2025 (no CAC). April 2026: ARPA (3,000 × 12) / 2 = 18,000 a year.
        let mut mrr = vec![
            ("n1", "2026-02", 2_000),
            ("n1", "2026-03", 2_000),
            ("n1", "2026-04", 2_000),
        ];
        let months: Vec<String> = (0..13)
            .map(|n| month("2025-04").plus(n).to_string())
            .collect();
        mrr.extend(months.iter().map(|m| ("o1", m.as_str(), 1_000)));
        let mut ds = dataset(&[("n1", "Enterprise"), ("o1", "Enterprise")], &mrr);
        ds.accounts.rows[0].acquisition_cost = Some(Money::units(4_800));
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(2026, 5, 1),
        };
        let rows = economics(
            &ctx,
            &Period::month(month("2026-04")),
            &Dimension::Attribute("segment"),
            true,
        );
        let n = &rows[0];
        // CAC: n1's, the one account acquired in the trailing 12 months. Payback: 4,800 /
        // (18,000 / 12 × 0.8) = 4 months.
        assert_eq!((n.cac, n.payback_months), (Some(4_800.0), Some(4.0)));
        // No revenue lost in the year: the 5-year cap; LTV = 18,000 × 0.8 × 5 = 72,000, and
        // LTV:CAC (the catalog's) is 72,000 / 4,800 = 15.
        assert_eq!(n.lifetime_years, Some(5.0));
        assert_eq!(n.ltv, Some(72_000.0));
        assert_eq!(n.ltv_cac_ratio, Some(15.0));
    }

    #[test]
    fn economics_of_an_empty_data_set() {
        let ds = dataset(&[], &[]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: d(2026, 5, 1),
        };
        let rows = economics(
            &ctx,
            &Period::month(month("2026-04")),
            &Dimension::Attribute("segment"),
            true,
        );
        assert!(rows.is_empty());
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
