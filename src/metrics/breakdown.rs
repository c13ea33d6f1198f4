//! Breakdowns: any account-based metric split by an account attribute (segment, industry,
//! region, source, plan, csm_id, any extra accounts.csv column), by ACV band or by cohort (the
//! calendar quarter of the account's first MRR). Each group is
//! computed by the same engine with the group's accounts as scope, so groups recombine to the
//! total.

use super::health::{BandTotals, band_totals};
use super::views::AccountSnapshot;
use super::{Context, Scope, Value, Values, pct};
use crate::data::{Account, AccountIx, Accounts, ChurnReason, Money};
use crate::diagnostic::did_you_mean;
use crate::period::Period;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// The built-in account attributes that can split metrics.
pub const ATTRIBUTES: [&str; 6] = ["segment", "industry", "region", "source", "plan", "csm_id"];

/// The label of accounts whose attribute is empty.
pub const NONE_LABEL: &str = "(none)";

/// What to split by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dimension {
    /// One of `ATTRIBUTES`.
    Attribute(&'static str),
    /// An extra accounts.csv column, by its index in `Accounts::extra_columns`.
    Extra(usize, String),
    /// ARR at the start of the period (12 × MRR of the month before it) in the configured bands.
    AcvBand,
    /// The calendar quarter of the account's first MRR month (`2025-Q1`), as in cohort triangles.
    Cohort,
}

impl Dimension {
    /// Parses a dimension name (case-insensitive), with a "did you mean" listing the valid ones.
    pub fn parse(name: &str, accounts: &Accounts) -> Result<Dimension, String> {
        let lower = name.trim().to_ascii_lowercase();
        if let Some(a) = ATTRIBUTES.iter().find(|a| **a == lower) {
            return Ok(Dimension::Attribute(a));
        }
        if lower == "acv_band" {
            return Ok(Dimension::AcvBand);
        }
        if lower == "cohort" {
            return Ok(Dimension::Cohort);
        }
        if let Some(i) = accounts
            .extra_columns
            .iter()
            .position(|c| c.to_ascii_lowercase() == lower)
        {
            return Ok(Dimension::Extra(i, accounts.extra_columns[i].clone()));
        }
        let mut known: Vec<&str> = ATTRIBUTES.to_vec();
        known.extend(["acv_band", "cohort"]);
        known.extend(accounts.extra_columns.iter().map(String::as_str));
        Err(format!(
            "unknown dimension '{name}' ({})",
            did_you_mean(name, &known)
        ))
    }

    /// The dimension's name as written in reports and on the command line.
    pub fn name(&self) -> &str {
        match self {
            Dimension::Attribute(a) => a,
            Dimension::Extra(_, name) => name,
            Dimension::AcvBand => "acv_band",
            Dimension::Cohort => "cohort",
        }
    }

    fn attribute<'a>(&self, account: &'a Account) -> Option<&'a str> {
        match self {
            Dimension::Attribute("segment") => account.segment.as_deref(),
            Dimension::Attribute("industry") => account.industry.as_deref(),
            Dimension::Attribute("region") => account.region.as_deref(),
            Dimension::Attribute("source") => account.source.as_deref(),
            Dimension::Attribute("plan") => account.plan.as_deref(),
            Dimension::Attribute(_) => account.csm_id.as_deref(),
            Dimension::Extra(i, _) => account.extra.get(*i).and_then(|v| v.as_deref()),
            Dimension::AcvBand | Dimension::Cohort => None,
        }
    }
}

/// Labels for ACV bands from ascending boundaries: `< 10K`, `10K–50K`, `≥ 50K`.
pub fn acv_band_labels(bounds: &[f64]) -> Vec<String> {
    let short = |v: f64| {
        if v >= 1_000_000.0 && v % 100_000.0 == 0.0 {
            format!("{}M", v / 1_000_000.0)
        } else if v >= 1_000.0 && v % 100.0 == 0.0 {
            format!("{}K", v / 1_000.0)
        } else {
            format!("{v}")
        }
    };
    let mut labels = Vec::new();
    if let Some(first) = bounds.first() {
        labels.push(format!("< {}", short(*first)));
    }
    for w in bounds.windows(2) {
        labels.push(format!("{}–{}", short(w[0]), short(w[1])));
    }
    if let Some(last) = bounds.last() {
        labels.push(format!("≥ {}", short(*last)));
    }
    labels
}

/// The label of accounts without ARR at the start of the period in an ACV breakdown.
pub const NO_ARR_LABEL: &str = "no ARR at start";

/// Group label → account mask, sorted by label; ACV bands in ascending order (`< 10K`,
/// `10K–50K`, `≥ 50K`, then `no ARR at start`). Empty attributes form the `(none)` group; in an
/// ACV breakdown, accounts without MRR in the month before the period form `no ARR at start`
/// (new accounts land there).
pub fn groups(ctx: &Context, dim: &Dimension, period: &Period) -> Vec<(String, Vec<bool>)> {
    let accounts = &ctx.data.accounts.rows;
    let labels: Vec<String> = match dim {
        Dimension::AcvBand => {
            let bounds = &ctx.config.acv_bands;
            let names = acv_band_labels(bounds);
            let before = period.months().0.prev();
            (0..accounts.len())
                .map(|a| {
                    let arr = ctx
                        .mrr()
                        .map_or(0.0, |m| (m.get(a as u32, before) * 12).to_f64());
                    if arr <= 0.0 {
                        NO_ARR_LABEL.to_string()
                    } else {
                        let i = bounds.iter().take_while(|b| arr >= **b).count();
                        names.get(i).cloned().unwrap_or_default()
                    }
                })
                .collect()
        }
        Dimension::Cohort => (0..accounts.len())
            .map(|a| {
                ctx.mrr()
                    .and_then(|m| {
                        let first = m.first_active(a as u32)?;
                        Some(format!("{}-Q{}", first.year(), (first.month() - 1) / 3 + 1))
                    })
                    .unwrap_or_else(|| NONE_LABEL.to_string())
            })
            .collect(),
        _ => accounts
            .iter()
            .map(|a| dim.attribute(a).unwrap_or(NONE_LABEL).to_string())
            .collect(),
    };
    let mut by_label: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
    for (a, label) in labels.iter().enumerate() {
        by_label
            .entry(label)
            .or_insert_with(|| vec![false; accounts.len()])[a] = true;
    }
    let mut groups: Vec<(String, Vec<bool>)> = by_label
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    if *dim == Dimension::AcvBand {
        let order = acv_band_labels(&ctx.config.acv_bands);
        let rank = |label: &str| order.iter().position(|o| o == label).unwrap_or(order.len());
        groups.sort_by_key(|(label, _)| rank(label));
    }
    groups
}

/// Every metric of `period` per group of `dim`, computed in parallel, in the order of `groups`.
pub fn breakdown(ctx: &Context, period: &Period, dim: &Dimension) -> Vec<(String, Values)> {
    groups(ctx, dim, period)
        .into_par_iter()
        .map(|(label, mask)| {
            let values = super::compute(ctx, period, Scope::Only(&mask));
            (label, values)
        })
        .collect()
}

/// Health band totals per group of `dim` (the groups of [`groups`], in their order) of the
/// accounts in `scope`, from their snapshots; groups without a scored paying account are left
/// out. The groups' totals add up to `health::band_totals` of the scope, exactly.
pub(crate) fn band_totals_by_group(
    ctx: &Context,
    dim: &Dimension,
    period: &Period,
    snapshots: &[AccountSnapshot],
    scope: Scope,
) -> Vec<(String, BandTotals)> {
    groups(ctx, dim, period)
        .into_iter()
        .filter_map(|(label, group)| {
            let mask: Vec<bool> = group
                .iter()
                .enumerate()
                .map(|(a, g)| *g && scope.includes(a as AccountIx))
                .collect();
            let totals = band_totals(snapshots, Scope::Only(&mask));
            (totals.accounts > 0).then_some((label, totals))
        })
        .collect()
}

/// Churns of one reason in a period, with their share of all churned MRR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ReasonShare {
    /// The reason.
    pub(crate) reason: ChurnReason,
    /// Accounts that churned for it.
    pub(crate) accounts: u64,
    /// The MRR they took, exact: each account's MRR in the month before it churned.
    pub(crate) mrr: Money,
    /// mrr / the MRR of every churn of the period × 100; `None` when that is zero.
    pub(crate) share: Value,
}

/// The churn reasons of `period` for the accounts in `scope`, in reason order, each with its
/// share of the churned MRR (computed from the exact sums).
pub(crate) fn churn_reason_shares(
    ctx: &Context,
    period: &Period,
    scope: Scope,
) -> Vec<ReasonShare> {
    let reasons = super::segments::churn_reasons(ctx, period, scope);
    let total: Money = reasons.values().map(|t| t.mrr).sum();
    reasons
        .into_iter()
        .map(|(reason, tally)| ReasonShare {
            reason,
            accounts: tally.accounts,
            mrr: tally.mrr,
            share: pct(tally.mrr.cents() as f64, total.cents() as f64),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month, scored};
    use super::*;
    use crate::data::{Money, MrrTable};
    use chrono::NaiveDate;

    #[test]
    fn parses_dimensions_with_suggestions() {
        let mut ds = dataset(&[("a", "SMB")], &[]);
        ds.accounts.extra_columns = vec!["Tier".into()];
        assert_eq!(
            Dimension::parse("Segment", &ds.accounts),
            Ok(Dimension::Attribute("segment"))
        );
        assert_eq!(
            Dimension::parse("tier", &ds.accounts),
            Ok(Dimension::Extra(0, "Tier".into()))
        );
        assert_eq!(
            Dimension::parse("acv_band", &ds.accounts),
            Ok(Dimension::AcvBand)
        );
        assert_eq!(
            Dimension::parse("Cohort", &ds.accounts),
            Ok(Dimension::Cohort)
        );
        assert_eq!(
            Dimension::parse("segmnt", &ds.accounts),
            Err("unknown dimension 'segmnt' (did you mean `segment`?)".into())
        );
    }

    #[test]
    fn acv_labels_from_bounds() {
        assert_eq!(
            acv_band_labels(&[10_000.0, 50_000.0]),
            ["< 10K", "10K–50K", "≥ 50K"]
        );
        assert_eq!(
            acv_band_labels(&[2_500.0, 1_000_000.0]),
            ["< 2.5K", "2.5K–1M", "≥ 1M"]
        );
    }

    #[test]
    fn acv_bands_use_arr_at_the_start_and_list_in_band_order() {
        // MRR in March × 12: a 500 → 6K, b 1,000 → 12K, c 5,000 → 60K; d is new in April.
        let ds = dataset(
            &[("a", ""), ("b", ""), ("c", ""), ("d", "")],
            &[
                ("a", "2026-03", 500),
                ("b", "2026-03", 1_000),
                ("c", "2026-03", 5_000),
                ("d", "2026-04", 100),
            ],
        );
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
        };
        let g = groups(&ctx, &Dimension::AcvBand, &Period::month(month("2026-04")));
        let labels: Vec<(&str, Vec<bool>)> =
            g.iter().map(|(l, m)| (l.as_str(), m.clone())).collect();
        assert_eq!(
            labels,
            // In band order, smallest first, not in the order of the labels' characters.
            [
                ("< 10K", vec![true, false, false, false]),
                ("10K–50K", vec![false, true, false, false]),
                ("≥ 50K", vec![false, false, true, false]),
                ("no ARR at start", vec![false, false, false, true]),
            ]
        );
    }

    #[test]
    fn cohorts_are_the_quarter_of_the_first_mrr() {
        // a first pays in February 2026 (Q1; its March gap does not matter), b in April (Q2), c never.
        let ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-02", 500),
                ("a", "2026-04", 500),
                ("b", "2026-04", 1_000),
            ],
        );
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default(),
        };
        let g = groups(&ctx, &Dimension::Cohort, &Period::month(month("2026-04")));
        let labels: Vec<(&str, Vec<bool>)> =
            g.iter().map(|(l, m)| (l.as_str(), m.clone())).collect();
        assert_eq!(
            labels,
            [
                ("(none)", vec![false, false, true]),
                ("2026-Q1", vec![true, false, false]),
                ("2026-Q2", vec![false, true, false]),
            ]
        );
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn snapshots(ctx: &Context) -> Vec<AccountSnapshot> {
        (0..ctx.data.accounts.rows.len() as AccountIx)
            .map(|a| super::super::views::account_snapshot(ctx, a))
            .collect()
    }

    #[test]
    fn band_totals_by_segment_leave_out_groups_without_scored_accounts() {
        // April MRR: SMB s1 $100 (score 90, green) and s2 $300 (20, red), Enterprise e1 $1,000
        // (60, yellow); x, without a segment, pays $2,000 but has no score.
        let mut ds = dataset(
            &[
                ("s1", "SMB"),
                ("s2", "SMB"),
                ("e1", "Enterprise"),
                ("x", ""),
            ],
            &[
                ("s1", "2026-04", 100),
                ("s2", "2026-04", 300),
                ("e1", "2026-04", 1_000),
                ("x", "2026-04", 2_000),
            ],
        );
        let on = day(2026, 4, 20);
        ds.health = Some(vec![
            scored(0, on, 90.0),
            scored(1, on, 20.0),
            scored(2, on, 60.0),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: day(2026, 5, 1),
        };
        let snaps = snapshots(&ctx);
        let period = Period::month(month("2026-04"));
        let dim = Dimension::Attribute("segment");
        let groups = band_totals_by_group(&ctx, &dim, &period, &snaps, Scope::All);
        let rows: Vec<(&str, [u64; 3], [Money; 3])> = groups
            .iter()
            .map(|(l, t)| {
                (
                    l.as_str(),
                    t.bands.map(|b| b.accounts),
                    t.bands.map(|b| b.arr),
                )
            })
            .collect();
        // "(none)" has no scored account; ARR is 12 × April MRR.
        assert_eq!(
            rows,
            vec![
                (
                    "Enterprise",
                    [0, 1, 0],
                    [Money::ZERO, Money::units(12_000), Money::ZERO]
                ),
                (
                    "SMB",
                    [1, 0, 1],
                    [Money::units(1_200), Money::ZERO, Money::units(3_600)]
                ),
            ]
        );
        // SMB: half the accounts green, but 1,200 / 4,800 = 25 % of the ARR.
        let smb = &groups[1].1;
        assert_eq!(smb.bands[0].accounts_share, Some(50.0));
        assert_eq!(smb.bands[0].arr_share, Some(25.0));
        assert_eq!(smb.bands[2].arr_share, Some(75.0));
        // A scope of one SMB account keeps only SMB, with that account alone.
        let one = band_totals_by_group(&ctx, &dim, &period, &snaps, Scope::One(1));
        assert_eq!(one.len(), 1);
        assert_eq!(
            (one[0].0.as_str(), one[0].1.arr),
            ("SMB", Money::units(3_600))
        );
        // Nobody in scope: no groups.
        let none = vec![false; 4];
        assert!(band_totals_by_group(&ctx, &dim, &period, &snaps, Scope::Only(&none)).is_empty());
    }

    #[test]
    fn churn_reason_shares_are_of_the_exact_churned_mrr() {
        use crate::data::Churn;
        let mut ds = dataset(
            &[("a", ""), ("b", ""), ("c", ""), ("z", "")],
            &[
                ("a", "2026-03", 100),
                ("b", "2026-03", 50),
                ("c", "2026-03", 30),
            ],
        );
        let churn = |account, on, reason| Churn {
            account,
            churned_on: on,
            reason,
            competitor: None,
            note: None,
        };
        ds.churns = Some(vec![
            churn(0, day(2026, 4, 1), ChurnReason::Competition),
            churn(1, day(2026, 4, 15), ChurnReason::Competition),
            churn(2, day(2026, 4, 20), ChurnReason::Price),
            // No MRR in March: a churn that took nothing.
            churn(3, day(2026, 4, 2), ChurnReason::Price),
        ]);
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: day(2026, 5, 1),
        };
        let rows = churn_reason_shares(&ctx, &Period::month(month("2026-04")), Scope::All);
        // March MRR lost, in reason order: price 30 (+ 0), competition 100 + 50 = 150; shares
        // 30 / 180 and 150 / 180.
        let got: Vec<_> = rows.iter().map(|r| (r.reason, r.accounts, r.mrr)).collect();
        assert_eq!(
            got,
            vec![
                (ChurnReason::Price, 2, Money::units(30)),
                (ChurnReason::Competition, 2, Money::units(150)),
            ]
        );
        assert_eq!(rows[0].share, Some(3_000.0 / 18_000.0 * 100.0));
        assert_eq!(rows[1].share, Some(15_000.0 / 18_000.0 * 100.0));
        // Only the churn without MRR in scope: a row, but no share of zero churned MRR.
        let rows = churn_reason_shares(&ctx, &Period::month(month("2026-04")), Scope::One(3));
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].mrr, rows[0].share), (Money::ZERO, None));
        // No churns in the period: no rows.
        assert!(churn_reason_shares(&ctx, &Period::month(month("2026-06")), Scope::All).is_empty());
    }

    proptest::proptest! {
        /// For random accounts in random segments with random scores, the segments' band
        /// totals add up to the whole's, account for account and cent for cent.
        #[test]
        fn band_totals_by_group_recombine_to_the_whole(
            accounts in proptest::collection::vec((0usize..4, 0i64..5_000_000, proptest::option::of(0u8..100)), 1..30),
        ) {
            let names = ["SMB", "Mid-Market", "Enterprise", ""];
            let ids: Vec<String> = (0..accounts.len()).map(|i| format!("a{i}")).collect();
            let list: Vec<(&str, &str)> = ids.iter().zip(&accounts).map(|(id, (s, _, _))| (id.as_str(), names[*s])).collect();
            let mut ds = dataset(&list, &[]);
            let mut table = MrrTable::zeros(ids.len(), month("2026-04"), month("2026-04"));
            for (a, (_, cents, _)) in accounts.iter().enumerate() {
                table.set(a as u32, month("2026-04"), Money(*cents));
            }
            ds.mrr = Some(table);
            ds.health = Some(accounts.iter().enumerate().filter_map(|(a, (_, _, s))| s.map(|s| scored(a as u32, day(2026, 4, 20), f64::from(s)))).collect());
            let config = config();
            let ctx = Context { data: &ds, config: &config, as_of: day(2026, 5, 1) };
            let snaps = snapshots(&ctx);
            let period = Period::month(month("2026-04"));
            let whole = band_totals(&snaps, Scope::All);
            for dim in [Dimension::Attribute("segment"), Dimension::AcvBand] {
                let parts = band_totals_by_group(&ctx, &dim, &period, &snaps, Scope::All);
                for i in 0..3 {
                    proptest::prop_assert_eq!(parts.iter().map(|(_, t)| t.bands[i].accounts).sum::<u64>(), whole.bands[i].accounts);
                    proptest::prop_assert_eq!(parts.iter().map(|(_, t)| t.bands[i].arr).sum::<Money>(), whole.bands[i].arr);
                }
                proptest::prop_assert_eq!(parts.iter().map(|(_, t)| t.arr).sum::<Money>(), whole.arr);
            }
        }

        /// For random accounts in random segments, the groups' money, counts and cohort sums add
        /// up to the total, and the total NRR is Σ group end / Σ group start.
        #[test]
        fn groups_recombine_to_the_total(
            segments in proptest::collection::vec(0usize..4, 1..12),
            cells in proptest::collection::vec(0i64..50_000, 1..200),
        ) {
            let names = ["SMB", "Mid-Market", "Enterprise", ""];
            let ids: Vec<String> = (0..segments.len()).map(|i| format!("a{i}")).collect();
            let accounts: Vec<(&str, &str)> = ids.iter().zip(&segments).map(|(id, s)| (id.as_str(), names[*s])).collect();
            let mut ds = dataset(&accounts, &[]);
            let mut table = MrrTable::zeros(ids.len(), month("2025-01"), month("2025-06"));
            for a in 0..ids.len() {
                for m in 0..6 {
                    let v = cells[(a * 6 + m) % cells.len()];
                    // About a third of the cells are empty: churn, new and reactivation happen.
                    table.set(a as u32, month("2025-01").plus(m as i32), Money(if v % 3 == 0 { 0 } else { v }));
                }
            }
            ds.mrr = Some(table);
            let config = config();
            let ctx = Context { data: &ds, config: &config, as_of: NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default() };
            let period = Period::months_range(crate::period::PeriodKind::Quarter, "2025-Q2", month("2025-04"), month("2025-06"));
            let total = super::super::compute(&ctx, &period, Scope::All);
            for dim in [Dimension::Attribute("segment"), Dimension::AcvBand, Dimension::Cohort] {
                let parts = breakdown(&ctx, &period, &dim);
                for id in ["mrr", "starting_mrr", "new_mrr", "reactivation_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr", "active_accounts"] {
                    let sum: f64 = parts.iter().map(|(_, v)| v[id].unwrap_or(0.0)).sum();
                    proptest::prop_assert!((sum - total[id].unwrap_or(0.0)).abs() < 1e-6, "{} {}", id, dim.name());
                }
                let mrr = ds.mrr.as_ref().ok_or_else(|| proptest::test_runner::TestCaseError::fail("mrr"))?;
                let (mut start, mut end) = (0i64, 0i64);
                for (_, mask) in groups(&ctx, &dim, &period) {
                    let r = super::super::revenue::retention(mrr, Scope::Only(&mask), month("2025-04"), month("2025-06"));
                    start += r.start.0;
                    end += r.end.0;
                }
                let nrr = if start == 0 { None } else { Some(end as f64 / start as f64 * 100.0) };
                match (nrr, total["nrr"]) {
                    (Some(a), Some(b)) => proptest::prop_assert!((a - b).abs() < 1e-9),
                    (a, b) => proptest::prop_assert_eq!(a, b),
                }
            }
        }
    }
}
