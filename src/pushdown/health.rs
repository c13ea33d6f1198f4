//! The health family as SQL: the health distribution on the period's last day (METRICS.md,
//! Health; `metrics::health`): of the paying accounts (MRR > 0 in the period's last month) with
//! a score, the share in each band by accounts and by ARR, and the significant drops since the
//! day before the period. A row's score is `score`, else the weighted mean of the components
//! present, computed in DOUBLE PRECISION in the engine's order so that every band falls as in
//! process. The mean score is not pushed down: a sum of floating-point scores depends on the
//! order the engine adds them in, and pushdown returns only exact sums.

use super::{Row, Spec, Totals, mrr_ctes, sum, totals_query};
use crate::metrics::{Values, pct};
use chrono::Days;

/// The metrics of the family.
pub(super) const METRICS: &[&str] = &[
    "health_green_pct",
    "health_yellow_pct",
    "health_red_pct",
    "health_green_arr_pct",
    "health_yellow_arr_pct",
    "health_red_arr_pct",
    "health_significant_drops",
];

/// A number as a DOUBLE PRECISION literal (Rust prints the shortest text that reads back as
/// the same double, so the database computes with the engine's value).
fn double(v: f64) -> String {
    format!("CAST({v:?} AS DOUBLE PRECISION)")
}

/// The query: each account's latest score on the period's last day and on the day before the
/// period, the paying scored accounts with their ARR and band, and the sums per group.
pub(super) fn sql(spec: &Spec, ids: &[&str]) -> String {
    let d = spec.dialect;
    let config = spec.config;
    let w = &config.health.weights;
    let bands = &config.health.bands;
    let period = spec.period;
    let before_day = period
        .start
        .checked_sub_days(Days::new(1))
        .unwrap_or(period.start);
    let components = [
        ("usage", w.usage),
        ("engagement", w.engagement),
        ("support", w.support),
        ("outcomes", w.outcomes),
    ];
    let weighted: Vec<String> = components
        .iter()
        .map(|(c, weight)| {
            format!(
                "COALESCE(CAST(src.{c} AS DOUBLE PRECISION) * {}, 0)",
                double(*weight)
            )
        })
        .collect();
    let weights: Vec<String> = components
        .iter()
        .map(|(c, weight)| {
            format!(
                "CASE WHEN src.{c} IS NULL THEN 0 ELSE {} END",
                double(*weight)
            )
        })
        .collect();
    let mut ctes = vec![mrr_ctes(spec)];
    ctes.push(format!(
        "health_scores AS (\n\
         -- a row's score: score, else the weighted mean of the components present\n\
         \x20 SELECT src.account_id AS account_id,\n\
         \x20        {day} AS day,\n\
         \x20        CASE WHEN src.score IS NOT NULL THEN CAST(src.score AS DOUBLE PRECISION)\n\
         \x20             WHEN {weight_sum} > 0\n\
         \x20             THEN ({weighted_sum}) / ({weight_sum}) END AS score\n\
         \x20 FROM {relation}\n\
         )",
        day = d.date("src.date"),
        weight_sum = weights.join(" + "),
        weighted_sum = weighted.join(" + "),
        relation = spec.relations.of("health", "src"),
    ));
    for (name, day) in [("latest", period.end), ("earlier", before_day)] {
        ctes.push(format!(
            "{name} AS (\n\
             -- each account's latest scored row dated on or before {day} (ties: the higher score)\n\
             \x20 SELECT account_id, score,\n\
             \x20        ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY day DESC, score DESC) AS rn\n\
             \x20 FROM health_scores\n\
             \x20 WHERE score IS NOT NULL AND day <= {lit}\n\
             )",
            lit = d.date_literal(day),
        ));
    }
    ctes.push(format!(
        "scored AS (\n\
         -- the paying accounts (MRR > 0 in {e}) with a score on {end}: ARR in cents and band\n\
         \x20 SELECT pa.account_id,\n\
         \x20        12 * pa.end_cents AS arr_cents,\n\
         \x20        CASE WHEN l.score >= {green} THEN 0 WHEN l.score >= {yellow} THEN 1 ELSE 2 END AS band,\n\
         \x20        CASE WHEN b.score - l.score >= {drop} THEN 1 ELSE 0 END AS dropped\n\
         \x20 FROM per_account AS pa\n\
         \x20 JOIN latest AS l ON l.account_id = pa.account_id AND l.rn = 1\n\
         \x20 LEFT JOIN earlier AS b ON b.account_id = pa.account_id AND b.rn = 1\n\
         \x20 WHERE pa.end_cents > 0\n\
         )",
        e = period.months().1,
        end = period.end,
        green = double(bands.green),
        yellow = double(bands.yellow),
        drop = double(config.health.significant_drop),
    ));
    let mut columns = vec![
        sum(
            "CASE WHEN sc.account_id IS NULL THEN 0 ELSE 1 END",
            "scored_accounts",
        ),
        sum("sc.arr_cents", "scored_arr_cents"),
    ];
    for (i, band) in ["green", "yellow", "red"].iter().enumerate() {
        columns.push(sum(
            &format!("CASE WHEN sc.band = {i} THEN 1 ELSE 0 END"),
            &format!("{band}_accounts"),
        ));
        columns.push(sum(
            &format!("CASE WHEN sc.band = {i} THEN sc.arr_cents ELSE 0 END"),
            &format!("{band}_arr_cents"),
        ));
    }
    columns.push(sum("sc.dropped", "significant_drops"));
    let readable: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            let expr = match *id {
                "health_significant_drops" => "significant_drops".to_string(),
                _ => {
                    let band = id.strip_prefix("health_")?;
                    match band.strip_suffix("_arr_pct") {
                        Some(b) => d.percent(&format!("{b}_arr_cents"), "scored_arr_cents"),
                        None => d.percent(
                            &format!("{}_accounts", band.strip_suffix("_pct")?),
                            "scored_accounts",
                        ),
                    }
                }
            };
            Some(format!("{expr} AS {id}"))
        })
        .collect();
    let totals = Totals {
        rows: "scored AS sc",
        joined: "LEFT JOIN scored AS sc ON sc.account_id = g.account_id",
        comment: "the exact counts and ARR per band and group".into(),
        columns: &columns,
    };
    totals_query(spec, ctes, totals, readable)
}

/// The metrics of one result row, with the engine's arithmetic.
pub(super) fn evaluate(_spec: &Spec, row: &Row) -> Result<Values, String> {
    let n = row.count("scored_accounts")? as f64;
    let arr = row.int("scored_arr_cents")? as f64;
    let mut out = Values::new();
    for band in ["green", "yellow", "red"] {
        let accounts = row.count(&format!("{band}_accounts"))? as f64;
        let band_arr = row.int(&format!("{band}_arr_cents"))? as f64;
        let (count_id, arr_id) = match band {
            "green" => ("health_green_pct", "health_green_arr_pct"),
            "yellow" => ("health_yellow_pct", "health_yellow_arr_pct"),
            _ => ("health_red_pct", "health_red_arr_pct"),
        };
        out.insert(count_id, pct(accounts, n));
        out.insert(arr_id, pct(band_arr, arr));
    }
    out.insert(
        "health_significant_drops",
        Some(row.count("significant_drops")? as f64),
    );
    Ok(out)
}
