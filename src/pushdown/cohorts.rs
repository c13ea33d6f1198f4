//! Cohort retention as SQL (METRICS.md, Cohorts; `metrics::cohorts::triangle`): accounts by the
//! month or calendar quarter of their first MRR, and for each age in months (from each account's
//! own first month) the members with MRR, their MRR and what they kept of their first month's
//! MRR, plus the members without MRR in some month of ages 1–12. The query returns those exact
//! counts and cent sums; `evaluate` builds the engine's `CohortRow`s from them.

use super::{ResultSet, Row, Spec, mrr_ctes};
use crate::metrics::cohorts::{CohortGrain, CohortRow};
use crate::metrics::pct;
use crate::period::Month;
use std::collections::BTreeMap;

/// Months in one cohort.
fn width(grain: CohortGrain) -> i32 {
    match grain {
        CohortGrain::Month => 1,
        CohortGrain::Quarter => 3,
    }
}

/// The query of every complete cohort up to the period's last month.
pub fn sql(spec: &Spec, grain: CohortGrain) -> String {
    let (_, last) = spec.period.months();
    let g = width(grain);
    // Months are numbered from January of year 0, so a calendar quarter starts at m − m mod 3.
    let start = match grain {
        CohortGrain::Month => "pa.first_month".to_string(),
        CohortGrain::Quarter => "pa.first_month - MOD(pa.first_month, 3)".to_string(),
    };
    format!(
        "-- postsale {version}: cohort retention by {grain_name} up to {last}\n\
         -- Age n of an account is the month n months after its own first month with MRR; a cohort\n\
         -- has reached age n when its last month + n <= {last}. The cohort holding the data's first\n\
         -- month with MRR is left out (its members started before the data). Money in cents.\n\
         -- logo retention = active / size x 100; revenue retention = mrr_cents / mrr_cents at age 0\n\
         -- x 100; gross = kept_cents / mrr_cents at age 0 x 100; churn in 12 months = lost_12m / size.\n\
         WITH\n{mrr},\n\
         members AS (\n\
         -- each account with MRR, its cohort and its MRR in its first month\n\
         \x20 SELECT pa.account_id, pa.first_month, {start} AS cohort_start, f.cents AS start_cents\n\
         \x20 FROM per_account AS pa\n\
         \x20 JOIN mrr_cents AS f ON f.account_id = pa.account_id AND f.m = pa.first_month\n\
         \x20 CROSS JOIN (SELECT MIN(first_month) AS data_first FROM per_account) AS b\n\
         \x20 WHERE pa.first_month IS NOT NULL\n\
         \x20   AND {start} > b.data_first\n\
         \x20   AND {start} + {g1} <= {last_n}\n\
         ),\n\
         ages AS (\n\
         -- per cohort and age reached: members with MRR, their MRR and min(MRR, first month's MRR)\n\
         \x20 SELECT mb.cohort_start, mc.m - mb.first_month AS age,\n\
         \x20        COUNT(*) AS active,\n\
         \x20        SUM(mc.cents) AS mrr_cents,\n\
         \x20        SUM(CASE WHEN mc.cents < mb.start_cents THEN mc.cents ELSE mb.start_cents END) AS kept_cents\n\
         \x20 FROM members AS mb\n\
         \x20 JOIN mrr_cents AS mc ON mc.account_id = mb.account_id\n\
         \x20 WHERE mc.cents > 0\n\
         \x20   AND mc.m >= mb.first_month\n\
         \x20   AND mc.m - mb.first_month <= {last_n} - (mb.cohort_start + {g1})\n\
         \x20 GROUP BY mb.cohort_start, mc.m - mb.first_month\n\
         ),\n\
         held AS (\n\
         -- months with MRR among ages 1-12, per member\n\
         \x20 SELECT mb.account_id, COUNT(*) AS months\n\
         \x20 FROM members AS mb\n\
         \x20 JOIN mrr_cents AS mc ON mc.account_id = mb.account_id\n\
         \x20 WHERE mc.cents > 0 AND mc.m BETWEEN mb.first_month + 1 AND mb.first_month + 12\n\
         \x20 GROUP BY mb.account_id\n\
         ),\n\
         sizes AS (\n\
         \x20 SELECT mb.cohort_start, COUNT(*) AS size,\n\
         \x20        SUM(CASE WHEN COALESCE(h.months, 0) < 12 THEN 1 ELSE 0 END) AS lost_12m\n\
         \x20 FROM members AS mb\n\
         \x20 LEFT JOIN held AS h ON h.account_id = mb.account_id\n\
         \x20 GROUP BY mb.cohort_start\n\
         )\n\
         SELECT s.cohort_start, s.size, s.lost_12m, a.age, a.active, a.mrr_cents, a.kept_cents\n\
         FROM sizes AS s\n\
         LEFT JOIN ages AS a ON a.cohort_start = s.cohort_start\n\
         ORDER BY s.cohort_start, a.age;\n",
        version = env!("CARGO_PKG_VERSION"),
        grain_name = match grain {
            CohortGrain::Month => "month",
            CohortGrain::Quarter => "quarter",
        },
        mrr = mrr_ctes(spec),
        g1 = g - 1,
        last_n = last.0,
    )
}

/// The triangle from the query's result, as `metrics::cohorts::triangle` builds it.
pub fn evaluate(
    spec: &Spec,
    grain: CohortGrain,
    result: ResultSet,
) -> Result<Vec<CohortRow>, String> {
    let (_, last) = spec.period.months();
    struct Tally {
        size: u64,
        lost: u64,
        ages: BTreeMap<i64, (u64, i64, i64)>,
    }
    let mut cohorts: BTreeMap<i64, Tally> = BTreeMap::new();
    for cells in result.rows {
        let row = Row { set: result, cells };
        let start = row.int("cohort_start")?;
        let tally = cohorts.entry(start).or_insert(Tally {
            size: row.count("size")?,
            lost: row.count("lost_12m")?,
            ages: BTreeMap::new(),
        });
        if row.text("age")?.is_some() {
            tally.ages.insert(
                row.int("age")?,
                (
                    row.count("active")?,
                    row.int("mrr_cents")?,
                    row.int("kept_cents")?,
                ),
            );
        }
    }
    cohorts
        .into_iter()
        .map(|(start, tally)| {
            let first = Month(i32::try_from(start).map_err(|_| format!("month {start}"))?);
            let reached = last.0 - (first.0 + width(grain) - 1);
            let ages = usize::try_from(reached + 1).unwrap_or(0);
            let at = |n: usize| tally.ages.get(&(n as i64)).copied().unwrap_or((0, 0, 0));
            let active: Vec<u64> = (0..ages).map(|n| at(n).0).collect();
            let mrr: Vec<i64> = (0..ages).map(|n| at(n).1).collect();
            let kept: Vec<i64> = (0..ages).map(|n| at(n).2).collect();
            let size = tally.size;
            let start_mrr = mrr.first().copied().unwrap_or(0);
            let lost_12m = (ages > 12).then_some(tally.lost);
            Ok(CohortRow {
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
                revenue: mrr
                    .iter()
                    .map(|&r| pct(r as f64, start_mrr as f64))
                    .collect(),
                gross: kept
                    .iter()
                    .map(|&k| pct(k as f64, start_mrr as f64))
                    .collect(),
                churn_12m: lost_12m.and_then(|lost| pct(lost as f64, size as f64)),
                lost_12m,
                active,
                mrr,
                kept,
            })
        })
        .collect()
}
