//! Cohort retention (METRICS.md, Cohorts): accounts grouped by the month or quarter of their
//! first MRR; for each age in months (counted from each account's own first month), logo
//! retention (active / cohort size) and revenue retention (cohort MRR / cohort MRR at age 0, from
//! exact cent sums), as a triangle for heat maps and curves, and churn by cohort (logos lost
//! within the first 12 months of age). Formatting and the choice of cohorts to show are the
//! pages' business.

use super::{Scope, Value, pct};
use crate::data::{AccountIx, MrrTable};
use crate::period::Month;
use std::collections::BTreeMap;

/// How accounts are grouped into cohorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CohortGrain {
    Month,
    /// Calendar quarters.
    Quarter,
}

impl CohortGrain {
    /// The first month of the cohort that `month` belongs to.
    fn start(self, month: Month) -> Month {
        match self {
            CohortGrain::Month => month,
            CohortGrain::Quarter => month.plus(-((month.month() as i32 - 1) % 3)),
        }
    }

    /// Months in one cohort.
    fn months(self) -> i32 {
        match self {
            CohortGrain::Month => 1,
            CohortGrain::Quarter => 3,
        }
    }
}

/// One cohort's row of the triangle.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortRow {
    /// `2025-03` or `2025-Q1` (calendar quarters).
    pub cohort: String,
    /// The cohort's first month.
    pub first: Month,
    /// Accounts whose first MRR month falls in the cohort.
    pub size: u64,
    /// Σ MRR at age 0 in cents: each member's MRR in its own first month.
    pub start_mrr: i64,
    /// Members with MRR at each age the whole cohort has reached (age n of an account is the
    /// month n months after its own first MRR month).
    pub active: Vec<u64>,
    /// Σ MRR in cents at each age the whole cohort has reached.
    pub mrr: Vec<i64>,
    /// Logo retention by age (percent): `active[n] / size × 100`.
    pub logo: Vec<Value>,
    /// Revenue retention by age (percent): `mrr[n] / start_mrr × 100`, the cohort's NRR.
    pub revenue: Vec<Value>,
    /// Σ over members of min(MRR at age n, MRR at age 0), in cents: what the cohort kept of its
    /// starting MRR, expansion left out.
    pub kept: Vec<i64>,
    /// Gross revenue retention by age (percent): `kept[n] / start_mrr × 100`, the cohort's GRR.
    pub gross: Vec<Value>,
    /// Members without MRR in some month of ages 1–12; None until the whole cohort has reached
    /// age 12.
    pub lost_12m: Option<u64>,
    /// Logos without MRR in some month of ages 1–12, in percent of the cohort; None until the
    /// whole cohort has reached age 12.
    pub churn_12m: Value,
}

/// Cohorts pooled at one age: every cohort of a list that has reached it, counted as one.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// The cohorts that reached the age.
    pub cohorts: u64,
    /// Their members.
    pub size: u64,
    /// Their MRR at age 0, in cents.
    pub start_mrr: i64,
    /// Σ active at the age / Σ size × 100.
    pub logo: Value,
    /// Σ MRR at the age / Σ MRR at age 0 × 100 (NRR).
    pub revenue: Value,
    /// Σ kept at the age / Σ MRR at age 0 × 100 (GRR).
    pub gross: Value,
    /// Σ lost in ages 1–12 / Σ size × 100, over the cohorts that reached age 12.
    pub churn_12m: Value,
}

/// `rows` pooled at `age` months: sums over the cohorts that reached it, never a mean of
/// percentages, so a small cohort weighs what its members weigh.
pub fn pooled(rows: &[CohortRow], age: usize) -> Pooled {
    let reached: Vec<&CohortRow> = rows.iter().filter(|r| r.active.len() > age).collect();
    let size: u64 = reached.iter().map(|r| r.size).sum();
    let start: i64 = reached.iter().map(|r| r.start_mrr).sum();
    let sum = |f: &dyn Fn(&CohortRow) -> i64| reached.iter().map(|r| f(r)).sum::<i64>() as f64;
    let twelve: Vec<&CohortRow> = rows.iter().filter(|r| r.lost_12m.is_some()).collect();
    Pooled {
        cohorts: reached.len() as u64,
        size,
        start_mrr: start,
        logo: pct(sum(&|r| r.active[age] as i64), size as f64),
        revenue: pct(sum(&|r| r.mrr[age]), start as f64),
        gross: pct(sum(&|r| r.kept[age]), start as f64),
        churn_12m: pct(
            twelve.iter().filter_map(|r| r.lost_12m).sum::<u64>() as f64,
            twelve.iter().map(|r| r.size).sum::<u64>() as f64,
        ),
    }
}

/// The retention triangle of every complete cohort up to `last`, oldest first.
///
/// - Age n of an account is the month n months after its own first MRR month, so every cohort
///   starts at 100 % (a quarter cohort's late joiners count from their own first month).
/// - A cohort has reached age n when its last member could have: the cohort's last month + n ≤
///   `last`. A cohort whose months run past `last` (the current quarter) is left out: it may
///   still gain members.
/// - The cohort holding the first month with MRR in the table is left out: accounts already
///   paying then started before the data, so that cohort's members are unknown.
pub fn triangle(mrr: &MrrTable, scope: Scope, grain: CohortGrain, last: Month) -> Vec<CohortRow> {
    let accounts = mrr.accounts() as AccountIx;
    let data_first = (0..accounts).filter_map(|a| mrr.first_active(a)).min();
    // Cohort start month → (member, its first MRR month).
    let mut members: BTreeMap<Month, Vec<(AccountIx, Month)>> = BTreeMap::new();
    for a in scope.accounts(accounts) {
        let Some(own_first) = mrr.first_active(a) else {
            continue;
        };
        let start = grain.start(own_first);
        if data_first.is_some_and(|d| start <= d) {
            continue;
        }
        if start.plus(grain.months() - 1) > last {
            continue;
        }
        members.entry(start).or_default().push((a, own_first));
    }
    members
        .into_iter()
        .map(|(first, list)| {
            let reached = last.0 - (first.0 + grain.months() - 1);
            let ages = usize::try_from(reached + 1).unwrap_or(0);
            let size = list.len() as u64;
            let mut active = vec![0u64; ages];
            let mut sums = vec![0i64; ages];
            let mut kept = vec![0i64; ages];
            for &(a, own_first) in &list {
                let start = mrr.get(a, own_first).cents();
                for (n, ((act, sum), k)) in active
                    .iter_mut()
                    .zip(sums.iter_mut())
                    .zip(kept.iter_mut())
                    .enumerate()
                {
                    let v = mrr.get(a, own_first.plus(n as i32)).cents();
                    if v > 0 {
                        *act += 1;
                        *sum = sum.saturating_add(v);
                        *k = k.saturating_add(v.min(start));
                    }
                }
            }
            let start_mrr = sums.first().copied().unwrap_or(0);
            let lost_12m = (ages > 12).then(|| {
                list.iter()
                    .filter(|&&(a, own_first)| {
                        (1..=12).any(|n| mrr.get(a, own_first.plus(n)).cents() <= 0)
                    })
                    .count() as u64
            });
            let churn_12m = lost_12m.map(|lost| pct(lost as f64, size as f64));
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
                revenue: sums
                    .iter()
                    .map(|&r| pct(r as f64, start_mrr as f64))
                    .collect(),
                gross: kept
                    .iter()
                    .map(|&k| pct(k as f64, start_mrr as f64))
                    .collect(),
                kept,
                lost_12m,
                active,
                mrr: sums,
                churn_12m: churn_12m.flatten(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{dataset, month};
    use super::*;

    /// `(account, first month, MRR units in each of the following months)`.
    fn rows(spans: &[(&'static str, &str, &[i64])]) -> Vec<(&'static str, String, i64)> {
        let mut out = Vec::new();
        for (a, first, values) in spans {
            for (n, v) in values.iter().enumerate() {
                out.push((*a, month(first).plus(n as i32).to_string(), *v));
            }
        }
        out
    }

    fn build(spans: &[(&'static str, &str, &[i64])]) -> crate::data::Dataset {
        let r = rows(spans);
        let r: Vec<(&str, &str, i64)> = r.iter().map(|(a, m, v)| (*a, m.as_str(), *v)).collect();
        let ids: Vec<(&str, &str)> = spans.iter().map(|(a, _, _)| (*a, "")).collect();
        dataset(&ids, &r)
    }

    #[test]
    fn monthly_triangle_by_hand() {
        // o pays from the data's first month (its cohort is unknown); January cohort: a (100,
        // 100, 120) and b (100, then gone); February cohort: c (50, 50).
        let ds = build(&[
            ("o", "2025-12", &[70, 70, 70, 70]),
            ("a", "2026-01", &[100, 100, 120]),
            ("b", "2026-01", &[100]),
            ("c", "2026-02", &[50, 50]),
        ]);
        let mrr = ds.mrr.as_ref().unwrap_or_else(|| panic!());
        let t = triangle(mrr, Scope::All, CohortGrain::Month, month("2026-03"));
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[0].cohort.as_str(), t[0].size, t[0].start_mrr),
            ("2026-01", 2, 20_000)
        );
        // Logo: 2/2, 1/2, 1/2. Revenue: 200/200, 100/200, 120/200 (cents sums).
        assert_eq!(t[0].active, vec![2, 1, 1]);
        assert_eq!(t[0].mrr, vec![20_000, 10_000, 12_000]);
        assert_eq!(t[0].logo, vec![Some(100.0), Some(50.0), Some(50.0)]);
        assert_eq!(t[0].revenue, vec![Some(100.0), Some(50.0), Some(60.0)]);
        // February has reached ages 0 and 1 only: March is the last month.
        assert_eq!(t[1].logo, vec![Some(100.0), Some(100.0)]);
        // Younger than 12 months: churn within the first year is not known yet.
        assert_eq!(t[0].churn_12m, None);
        assert_eq!(t[0].lost_12m, None);
        // GRR keeps at most each member's start: a's 120 counts 100. 200, 100, 100 of 200.
        assert_eq!(t[0].kept, vec![20_000, 10_000, 10_000]);
        assert_eq!(t[0].gross, vec![Some(100.0), Some(50.0), Some(50.0)]);
        // Pooled at age 1: both cohorts (3 members, 250 at start): logos 1 + 1 of 3... January
        // has 1 of 2 active and February 1 of 1: 2 of 3; MRR 100 + 50 of 250.
        let p = pooled(&t, 1);
        assert_eq!((p.cohorts, p.size), (2, 3));
        assert_eq!(p.logo, Some(2.0 / 3.0 * 100.0));
        assert_eq!(p.revenue, Some(15_000.0 / 25_000.0 * 100.0));
        assert_eq!(p.gross, Some(15_000.0 / 25_000.0 * 100.0));
        // At age 2 only January has reached it; nobody has reached 12 months.
        let p = pooled(&t, 2);
        assert_eq!((p.cohorts, p.size, p.revenue), (1, 2, Some(60.0)));
        assert_eq!(p.churn_12m, None);
        // No cohort at all: nothing to pool.
        let none = pooled(&[], 0);
        assert_eq!(
            (none.cohorts, none.size, none.logo, none.gross),
            (0, 0, None, None)
        );
    }

    #[test]
    fn quarter_cohorts_count_age_from_each_account_s_first_month() {
        // Q1 2025: a joins in January at 100 and expands to 150 at age 12; b joins in March at
        // 200 and leaves after 6 months. Q2 2025: c joins in May at 40. Q2 2026: d joins in
        // April 2026, a quarter not over on the last month. o pays from the data's first month,
        // November 2024, so e, joining in December, is in a quarter whose members are unknown.
        let mut a = vec![100; 12];
        a.extend([150, 150, 150, 150]);
        let ds = build(&[
            ("o", "2024-11", &[10; 18]),
            ("e", "2024-12", &[10; 17]),
            ("a", "2025-01", &a),
            ("b", "2025-03", &[200; 6]),
            ("c", "2025-05", &[40; 12]),
            ("d", "2026-04", &[90]),
        ]);
        let mrr = ds.mrr.as_ref().unwrap_or_else(|| panic!());
        let t = triangle(mrr, Scope::All, CohortGrain::Quarter, month("2026-04"));
        assert_eq!(t.len(), 2, "2024-Q4 (o, e) and 2026-Q2 (d) are left out");
        let q1 = &t[0];
        assert_eq!(
            (q1.cohort.as_str(), q1.size, q1.start_mrr),
            ("2025-Q1", 2, 30_000)
        );
        // The cohort's last month is March 2025: April 2026 is age 13, so ages 0..=13.
        assert_eq!(q1.logo.len(), 14);
        // Age 0 is each member's own first month: 100 + 200 of 300.
        assert_eq!((q1.logo[0], q1.revenue[0]), (Some(100.0), Some(100.0)));
        // Age 5: both still pay. Age 6: b has left, 100 of 300 remains.
        assert_eq!((q1.logo[5], q1.revenue[5]), (Some(100.0), Some(100.0)));
        assert_eq!(q1.mrr[6], 10_000);
        assert_eq!(q1.logo[6], Some(50.0));
        // One third, as the engine divides: 10,000 of 30,000 cents.
        assert_eq!(q1.revenue[6], Some(10_000.0 / 30_000.0 * 100.0));
        // Age 12: a expanded to 150: 150 of 300.
        assert_eq!((q1.logo[12], q1.revenue[12]), (Some(50.0), Some(50.0)));
        // b left within its first 12 months: 1 of 2.
        assert_eq!(q1.churn_12m, Some(50.0));
        assert_eq!(q1.lost_12m, Some(1));
        // GRR at age 12 keeps a's starting 100 of its 150: 100 of 300; NRR 150 of 300.
        assert_eq!(q1.gross[12], Some(10_000.0 / 30_000.0 * 100.0));
        // Pooled at 12 months: only Q1 2025 reached it; so did its 12-month churn.
        let p = pooled(&t, 12);
        assert_eq!((p.cohorts, p.size, p.churn_12m), (1, 2, Some(50.0)));
        // Q2 2025 ends in June 2025: ages 0..=10 reached, c pays throughout.
        assert_eq!(t[1].cohort, "2025-Q2");
        assert_eq!(t[1].logo, vec![Some(100.0); 11]);
        assert_eq!(t[1].churn_12m, None);
        // Empty scope: no cohorts.
        let none = [false; 6];
        assert!(
            triangle(
                mrr,
                Scope::Only(&none),
                CohortGrain::Quarter,
                month("2026-04")
            )
            .is_empty()
        );
    }
}
