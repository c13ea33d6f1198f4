//! Cohort retention (METRICS.md, Cohorts): accounts grouped by the month or quarter of their
//! first MRR; for each age in months, logo retention (active / cohort size) and revenue
//! retention (cohort MRR / cohort MRR at age 0), as a triangle for heat maps and curves, and
//! churn by cohort (logos lost within the first 12 months of age).

use super::{Scope, Value, pct};
use crate::data::{AccountIx, MrrTable};
use crate::period::Month;

/// How accounts are grouped into cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortGrain {
    Month,
    Quarter,
}

/// One cohort's row of the triangle.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRow {
    /// `2025-03` or `2025-Q1` (calendar quarters).
    pub cohort: String,
    /// The cohort's first month; age n is month `first + n`.
    pub first: Month,
    /// Accounts whose first MRR month falls in the cohort.
    pub size: u64,
    /// Σ MRR at age 0 (in cents): for a quarter cohort, each account's first month of MRR lies
    /// in the quarter, so age 0 counts the MRR of the cohort's first month.
    pub start_mrr: i64,
    /// Logo retention by age (percent), ages 0 up to the last month.
    pub logo: Vec<Value>,
    /// Revenue retention by age (percent).
    pub revenue: Vec<Value>,
    /// Logos lost within the first 12 months of age, in percent of the cohort; None while the
    /// cohort is younger than 12 months.
    pub churn_12m: Value,
}

/// The retention triangle of every cohort up to `last`. Age is counted in months from the
/// cohort's first month; an account joining later in a quarter cohort counts from its own
/// first month as active from then on (its earlier ages count as not yet active, so quarter
/// cohorts reach 100 % only at the end of the quarter).
pub fn triangle(mrr: &MrrTable, scope: Scope, grain: CohortGrain, last: Month) -> Vec<CohortRow> {
    let accounts = mrr.accounts() as AccountIx;
    // Cohort start month → members.
    let mut members: std::collections::BTreeMap<Month, Vec<AccountIx>> =
        std::collections::BTreeMap::new();
    for a in scope.accounts(accounts) {
        let Some(first) = mrr.first_active(a) else {
            continue;
        };
        if first > last {
            continue;
        }
        let key = match grain {
            CohortGrain::Month => first,
            CohortGrain::Quarter => first.plus(-((first.month() as i32 - 1) % 3)),
        };
        members.entry(key).or_default().push(a);
    }
    members
        .into_iter()
        .map(|(first, list)| {
            let ages = (last.0 - first.0 + 1).max(0) as usize;
            let size = list.len() as u64;
            let mut active = vec![0u64; ages];
            let mut revenue = vec![0i64; ages];
            for &a in &list {
                for (n, (act, rev)) in active.iter_mut().zip(revenue.iter_mut()).enumerate() {
                    let v = mrr.get(a, first.plus(n as i32)).0;
                    if v > 0 {
                        *act += 1;
                        *rev += v;
                    }
                }
            }
            // Age 0 of a quarter cohort is its first month; revenue is measured against the sum
            // of each member's first-month MRR, so late joiners count fully.
            let start_mrr: i64 = list
                .iter()
                .map(|&a| mrr.first_active(a).map_or(0, |m| mrr.get(a, m).cents()))
                .sum();
            let churn_12m = (ages > 12).then(|| {
                let lost = list
                    .iter()
                    .filter(|&&a| {
                        let own_first = mrr.first_active(a).unwrap_or(first);
                        (1..=12).any(|n| mrr.get(a, own_first.plus(n)).0 == 0)
                            && own_first.plus(12) <= last
                    })
                    .count();
                pct(lost as f64, size as f64)
            });
            CohortRow {
                cohort: match grain {
                    CohortGrain::Month => first.to_string(),
                    CohortGrain::Quarter => {
                        format!("{}-Q{}", first.year(), (first.month() - 1) / 3 + 1)
                    }
                },
                first,
                size,
                start_mrr,
                logo: active.iter().map(|&n| pct(n as f64, size as f64)).collect(),
                revenue: revenue
                    .iter()
                    .map(|&r| pct(r as f64, start_mrr as f64))
                    .collect(),
                churn_12m: churn_12m.flatten(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{dataset, month};
    use super::*;

    #[test]
    fn monthly_triangle_by_hand() {
        // January cohort: a (100, 100, 120) and b (100, 0, 0); February cohort: c (50, 50).
        let ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-01", 100),
                ("a", "2026-02", 100),
                ("a", "2026-03", 120),
                ("b", "2026-01", 100),
                ("c", "2026-02", 50),
                ("c", "2026-03", 50),
            ],
        );
        let mrr = ds.mrr.as_ref().unwrap_or_else(|| panic!());
        let t = triangle(mrr, Scope::All, CohortGrain::Month, month("2026-03"));
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].cohort.as_str(), t[0].size, t[0].start_mrr),
            ("2026-01", 2, 20_000)
        );
        // Logo: 2/2, 1/2, 1/2. Revenue: 200/200, 100/200, 120/200.
        assert_eq!(t[0].logo, vec![Some(100.0), Some(50.0), Some(50.0)]);
        assert_eq!(t[0].revenue, vec![Some(100.0), Some(50.0), Some(60.0)]);
        assert_eq!(t[1].logo, vec![Some(100.0), Some(100.0)]);
        // Younger than 12 months: churn within the first year is not known yet.
        assert_eq!(t[0].churn_12m, None);
    }

    #[test]
    fn quarter_cohorts_and_first_year_churn() {
        // Q1 2025: a joins in January and stays; b joins in March and leaves after 6 months.
        let mut rows = Vec::new();
        for n in 0..16 {
            rows.push(("a", month("2025-01").plus(n).to_string(), 100));
        }
        for n in 0..6 {
            rows.push(("b", month("2025-03").plus(n).to_string(), 100));
        }
        let r: Vec<(&str, &str, i64)> = rows.iter().map(|(a, m, v)| (*a, m.as_str(), *v)).collect();
        let ds = dataset(&[("a", ""), ("b", "")], &r);
        let mrr = ds.mrr.as_ref().unwrap_or_else(|| panic!());
        let t = triangle(mrr, Scope::All, CohortGrain::Quarter, month("2026-04"));
        assert_eq!((t[0].cohort.as_str(), t[0].size), ("2025-Q1", 2));
        // Age 0 = January: only a is active yet; age 2 = March: both.
        assert_eq!(&t[0].logo[..3], &[Some(50.0), Some(50.0), Some(100.0)]);
        // b left within its first 12 months: 1 of 2.
        assert_eq!(t[0].churn_12m, Some(50.0));
        // Empty scope: no cohorts.
        assert!(
            triangle(
                mrr,
                Scope::Only(&[false, false]),
                CohortGrain::Month,
                month("2026-04")
            )
            .is_empty()
        );
    }
}
