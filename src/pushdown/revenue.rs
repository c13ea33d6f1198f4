//! The revenue family as SQL: MRR, ARR, ARPA and active accounts at the period's last month,
//! the MRR movements of its months (new, reactivation, expansion, contraction, churned, the
//! bridge from the starting MRR), and the starting cohort's NRR, GRR, logo churn and expansion
//! rate (METRICS.md, Revenue; `metrics::revenue`). The query returns the exact sums of
//! `revenue::Movements` and `revenue::Retention` per group; `evaluate` builds those and finishes
//! with the engine's own functions.

use super::{Row, Spec, Totals, mrr_ctes, sum, totals_query};
use crate::data::Money;
use crate::metrics::conventions::{RetentionBasis, SamePeriod};
use crate::metrics::revenue::{Movements, Retention, annualise, retention_rates};
use crate::metrics::{Value, Values};

/// The metrics of the family.
pub(super) const METRICS: &[&str] = &[
    "mrr",
    "arr",
    "active_accounts",
    "arpa",
    "starting_mrr",
    "new_mrr",
    "reactivation_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "nrr",
    "grr",
    "logo_churn_rate",
    "logo_retention_rate",
    "revenue_churn_rate",
    "logo_churn_rate_annualised",
    "revenue_churn_rate_annualised",
    "expansion_rate",
    "acv_growth",
];

/// The query: the CTEs of mrr, the month-by-month steps and movements per account, the sums
/// per group, and the readable metric columns `ids`.
pub(super) fn sql(spec: &Spec, ids: &[&str]) -> String {
    let (s, e) = spec.period.months();
    let conv = spec.conventions();
    let mut ctes = vec![mrr_ctes(spec)];
    ctes.push(format!(
        "steps AS (\n\
         -- each month m of {s}..{e} against m - 1, per account: prev = mrr(a, m - 1), cur = mrr(a, m)\n\
         \x20 SELECT account_id, m, SUM(cur) AS cur, SUM(prev) AS prev\n\
         \x20 FROM (\n\
         \x20   SELECT account_id, m, cents AS cur, 0 AS prev FROM mrr_cents WHERE m BETWEEN {s_n} AND {e_n}\n\
         \x20   UNION ALL\n\
         \x20   SELECT account_id, m + 1 AS m, 0 AS cur, cents AS prev FROM mrr_cents WHERE m BETWEEN {b_n} AND {e1_n}\n\
         \x20 ) AS pairs\n\
         \x20 GROUP BY account_id, m\n\
         )",
        s_n = s.0,
        e_n = e.0,
        b_n = s.prev().0,
        e1_n = e.prev().0,
    ));
    // A return is new (not a reactivation) when it is the account's first MRR, or, under a
    // reactivation window, when it comes after more than the window's months without MRR.
    let mut is_new = "(st.m = pa.first_month)".to_string();
    let mut returns_join = "";
    if let Some(window) = conv.reactivation_window_months {
        ctes.push(
            "returns AS (\n\
             -- for each month with MRR, the account's previous month with MRR\n\
             \x20 SELECT account_id, m, LAG(m) OVER (PARTITION BY account_id ORDER BY m) AS last_active\n\
             \x20 FROM mrr_cents\n\
             \x20 WHERE cents > 0\n\
             )"
            .to_string(),
        );
        is_new = format!("(st.m = pa.first_month OR st.m - r.last_active - 1 > {window})");
        returns_join = "\n  LEFT JOIN returns AS r ON r.account_id = st.account_id AND r.m = st.m";
    }
    let ignored = if conv.same_period == SamePeriod::Ignored {
        "\n  -- same_period: ignored: an account without MRR before the period and at its end is left out\
         \n  WHERE NOT (pa.start_cents = 0 AND pa.end_cents = 0)"
    } else {
        ""
    };
    ctes.push(format!(
        "movements AS (\n\
         -- the MRR movements per account, month by month (so the bridge balances to the cent)\n\
         \x20 SELECT st.account_id,\n\
         \x20        SUM(CASE WHEN st.prev <= 0 AND st.cur > 0 AND {is_new} THEN st.cur ELSE 0 END) AS new_cents,\n\
         \x20        SUM(CASE WHEN st.prev <= 0 AND st.cur > 0 AND NOT {is_new} THEN st.cur ELSE 0 END) AS reactivation_cents,\n\
         \x20        SUM(CASE WHEN st.prev > 0 AND st.cur > st.prev THEN st.cur - st.prev ELSE 0 END) AS expansion_cents,\n\
         \x20        SUM(CASE WHEN st.prev > 0 AND st.cur > 0 AND st.cur < st.prev THEN st.prev - st.cur ELSE 0 END) AS contraction_cents,\n\
         \x20        SUM(CASE WHEN st.prev > 0 AND st.cur <= 0 THEN st.prev ELSE 0 END) AS churned_cents\n\
         \x20 FROM steps AS st\n\
         \x20 JOIN per_account AS pa ON pa.account_id = st.account_id{returns_join}{ignored}\n\
         \x20 GROUP BY st.account_id\n\
         )"
    ));
    let cohort = "pa.start_cents > 0";
    let columns = [
        sum("pa.start_cents", "starting_cents"),
        sum("pa.end_cents", "ending_cents"),
        sum(
            "CASE WHEN pa.end_cents > 0 THEN 1 ELSE 0 END",
            "active_accounts",
        ),
        sum("pa.year_ago_cents", "year_ago_cents"),
        sum(
            "CASE WHEN pa.year_ago_cents > 0 THEN 1 ELSE 0 END",
            "year_ago_active_accounts",
        ),
        sum("mv.new_cents", "new_cents"),
        sum("mv.reactivation_cents", "reactivation_cents"),
        sum("mv.expansion_cents", "expansion_cents"),
        sum("mv.contraction_cents", "contraction_cents"),
        sum("mv.churned_cents", "churned_cents"),
        sum(
            &format!("CASE WHEN {cohort} THEN 1 ELSE 0 END"),
            "cohort_size",
        ),
        sum(
            &format!("CASE WHEN {cohort} THEN pa.start_cents ELSE 0 END"),
            "cohort_start_cents",
        ),
        sum(
            &format!("CASE WHEN {cohort} THEN pa.end_cents ELSE 0 END"),
            "cohort_end_cents",
        ),
        sum(
            &format!(
                "CASE WHEN {cohort} AND pa.end_cents <> 0 AND pa.end_cents > pa.start_cents \
                 THEN pa.end_cents - pa.start_cents ELSE 0 END"
            ),
            "cohort_expansion_cents",
        ),
        sum(
            &format!(
                "CASE WHEN {cohort} AND pa.end_cents <> 0 AND pa.end_cents <= pa.start_cents \
                 THEN pa.start_cents - pa.end_cents ELSE 0 END"
            ),
            "cohort_contraction_cents",
        ),
        sum(
            &format!("CASE WHEN {cohort} AND pa.end_cents = 0 THEN pa.start_cents ELSE 0 END"),
            "cohort_churned_cents",
        ),
        sum(
            &format!("CASE WHEN {cohort} AND pa.end_cents = 0 THEN 1 ELSE 0 END"),
            "churned_logos",
        ),
        sum(
            &format!("CASE WHEN {cohort} AND pa.end_cents > pa.start_cents THEN 1 ELSE 0 END"),
            "expanded_logos",
        ),
    ];
    let readable: Vec<String> = ids
        .iter()
        .filter_map(|id| metric_sql(spec, id).map(|expr| format!("{expr} AS {id}")))
        .collect();
    let totals = Totals {
        rows: "per_account AS pa\n  LEFT JOIN movements AS mv ON mv.account_id = pa.account_id",
        joined: "LEFT JOIN per_account AS pa ON pa.account_id = g.account_id\n  \
                 LEFT JOIN movements AS mv ON mv.account_id = g.account_id",
        comment: format!(
            "the exact sums per group: the bridge, the snapshot at {e} and {}, the starting cohort",
            e.plus(-12)
        ),
        columns: &columns,
    };
    totals_query(spec, ctes, totals, readable)
}

/// The readable SQL expression of metric `id` over the columns of `totals`, as the engine
/// defines it under the conventions in force.
fn metric_sql(spec: &Spec, id: &str) -> Option<String> {
    let d = spec.dialect;
    let k = spec.period.months_count();
    let aggregate = spec.conventions().retention == RetentionBasis::Aggregate;
    let (nrr_num, grr_num, base) = if aggregate {
        (
            "starting_cents - churned_cents - contraction_cents + expansion_cents + reactivation_cents",
            "starting_cents - churned_cents - contraction_cents",
            "starting_cents",
        )
    } else {
        (
            "cohort_start_cents + cohort_expansion_cents - cohort_contraction_cents - cohort_churned_cents",
            "cohort_start_cents - cohort_contraction_cents - cohort_churned_cents",
            "cohort_start_cents",
        )
    };
    let grr = d.percent(grr_num, base);
    let logo_churn = d.percent("churned_logos", "cohort_size");
    let annualised = |rate: &str| {
        format!(
            "100 * (1 - POWER(1 - CAST({rate} AS DOUBLE PRECISION) / 100, \
             CAST(12 AS DOUBLE PRECISION) / {k}))"
        )
    };
    let arpa = |cents: &str, active: &str| d.divide(&d.units(&format!("12 * {cents}")), active);
    Some(match id {
        "mrr" => d.units("ending_cents"),
        "arr" => d.units("12 * ending_cents"),
        "active_accounts" => "active_accounts".to_string(),
        "arpa" => arpa("ending_cents", "active_accounts"),
        "starting_mrr" => d.units("starting_cents"),
        "new_mrr" => d.units("new_cents"),
        "reactivation_mrr" => d.units("reactivation_cents"),
        "expansion_mrr" => d.units("expansion_cents"),
        "contraction_mrr" => d.units("contraction_cents"),
        "churned_mrr" => d.units("churned_cents"),
        "nrr" => d.percent(nrr_num, base),
        "grr" => grr,
        "logo_churn_rate" => logo_churn,
        "logo_retention_rate" => format!("100 - {logo_churn}"),
        "revenue_churn_rate" => format!("100 - {grr}"),
        "logo_churn_rate_annualised" => annualised(&logo_churn),
        "revenue_churn_rate_annualised" => annualised(&format!("100 - {grr}")),
        "expansion_rate" => d.percent("expanded_logos", "cohort_size"),
        "acv_growth" => {
            let now = arpa("ending_cents", "active_accounts");
            let before = arpa("year_ago_cents", "year_ago_active_accounts");
            format!("100 * (({now}) - ({before})) / NULLIF({before}, 0)")
        }
        _ => return None,
    })
}

/// The metrics of one result row, with the engine's arithmetic (`metrics::revenue::compute`).
pub(super) fn evaluate(spec: &Spec, row: &Row) -> Result<Values, String> {
    let money = |column: &str| row.int(column).map(Money);
    let moves = Movements {
        starting: money("starting_cents")?,
        new: money("new_cents")?,
        reactivation: money("reactivation_cents")?,
        expansion: money("expansion_cents")?,
        contraction: money("contraction_cents")?,
        churned: money("churned_cents")?,
        ending: money("ending_cents")?,
    };
    let ret = Retention {
        cohort_size: row.count("cohort_size")?,
        start: money("cohort_start_cents")?,
        end: money("cohort_end_cents")?,
        expansion: money("cohort_expansion_cents")?,
        contraction: money("cohort_contraction_cents")?,
        churned: money("cohort_churned_cents")?,
        churned_logos: row.count("churned_logos")?,
        expanded_logos: row.count("expanded_logos")?,
    };
    let active = row.count("active_accounts")?;
    let conv = spec.conventions();
    let k = spec.period.months_count();
    let (nrr, grr) = retention_rates(conv, &ret, &moves);
    let arpa = |total: Money, active: u64| -> Value {
        (active != 0).then(|| (total * 12).to_f64() / active as f64)
    };
    let arpa_now = arpa(moves.ending, active);
    let arpa_before = arpa(
        money("year_ago_cents")?,
        row.count("year_ago_active_accounts")?,
    );
    let logo_churn = ret.logo_churn_rate();
    let revenue_churn = grr.map(|g| 100.0 - g);
    let mut out = Values::new();
    let units = |m: Money| Some(m.to_f64());
    out.insert("mrr", units(moves.ending));
    out.insert("arr", units(moves.ending * 12));
    out.insert("active_accounts", Some(active as f64));
    out.insert("arpa", arpa_now);
    out.insert("starting_mrr", units(moves.starting));
    out.insert("new_mrr", units(moves.new));
    out.insert("reactivation_mrr", units(moves.reactivation));
    out.insert("expansion_mrr", units(moves.expansion));
    out.insert("contraction_mrr", units(moves.contraction));
    out.insert("churned_mrr", units(moves.churned));
    out.insert("nrr", nrr);
    out.insert("grr", grr);
    out.insert("logo_churn_rate", logo_churn);
    out.insert("logo_retention_rate", logo_churn.map(|c| 100.0 - c));
    out.insert("revenue_churn_rate", revenue_churn);
    out.insert("logo_churn_rate_annualised", annualise(logo_churn, k));
    out.insert("revenue_churn_rate_annualised", annualise(revenue_churn, k));
    out.insert("expansion_rate", ret.expansion_rate());
    out.insert(
        "acv_growth",
        match (arpa_now, arpa_before) {
            (Some(now), Some(before)) if before > 0.0 => Some((now - before) / before * 100.0),
            _ => None,
        },
    );
    Ok(out)
}
