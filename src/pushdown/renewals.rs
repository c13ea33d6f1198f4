//! The renewals family as SQL: the renewals due in the period (METRICS.md, Renewals;
//! `metrics::renewals`): how many and how much ARR is due, open, closed, won and lost, renewed
//! and expanded, and the rates over them. The query returns the exact counts and cent sums per
//! group; `evaluate` finishes the rates as the engine does.

use super::dialect::literal;
use super::{Row, Spec, Totals, mrr_ctes, sum, totals_query};
use crate::metrics::{Value, Values, pct};

/// The metrics of the family.
pub(super) const METRICS: &[&str] = &[
    "renewals_due",
    "renewals_due_arr",
    "renewals_open",
    "renewal_rate",
    "renewal_gdr",
    "renewal_nrr",
    "save_rate",
    "arr_save_rate",
    "escalation_rate",
    "early_renewal_rate",
    "avg_days_early",
    "multi_year_rate",
    "expansion_at_renewal_rate",
    "avg_expansion_arr",
];

/// The query: the renewals due in the period, classified per row, their sums per group and the
/// readable metric columns `ids`.
pub(super) fn sql(spec: &Spec, ids: &[&str]) -> String {
    let d = spec.dialect;
    let period = spec.period;
    let early_days = spec.config.renewals.early_days;
    let mut ctes = Vec::new();
    if spec.by.is_some_and(|b| b.needs_mrr()) {
        ctes.push(mrr_ctes(spec));
    }
    let won = literal("closed_won");
    let lost = literal("closed_lost");
    ctes.push(format!(
        "due AS (\n\
         -- the renewals due in the period ({start} to {end}), money in cents; closed = won or lost\n\
         \x20 SELECT src.account_id AS account_id,\n\
         \x20        {arr} AS arr_cents,\n\
         \x20        CASE WHEN src.stage IN ({won}, {lost}) THEN 1 ELSE 0 END AS closed,\n\
         \x20        CASE WHEN src.stage = {won} THEN 1 ELSE 0 END AS won,\n\
         \x20        -- renewed ARR: a won renewal's renewed_arr (its arr when empty), 0 when lost\n\
         \x20        CASE WHEN src.stage = {won} THEN COALESCE({renewed}, {arr})\n\
         \x20             WHEN src.stage = {lost} THEN 0 ELSE {renewed} END AS renewed_cents,\n\
         \x20        COALESCE({expansion}, 0) AS expansion_cents,\n\
         \x20        CASE WHEN src.at_risk THEN 1 ELSE 0 END AS at_risk,\n\
         \x20        CASE WHEN src.escalated THEN 1 ELSE 0 END AS escalated,\n\
         \x20        COALESCE(src.term_months, 12) AS term_months,\n\
         \x20        {days_early} AS days_early\n\
         \x20 FROM {relation}\n\
         \x20 WHERE {due_on} BETWEEN {start_lit} AND {end_lit}\n\
         )",
        start = period.start,
        end = period.end,
        arr = d.cents("src.arr"),
        renewed = d.cents("src.renewed_arr"),
        expansion = d.cents("src.expansion_arr"),
        days_early = d.days_between(&d.date("src.closed_on"), &d.date("src.due_on")),
        relation = spec.relations.of("renewals", "src"),
        due_on = d.date("src.due_on"),
        start_lit = d.date_literal(period.start),
        end_lit = d.date_literal(period.end),
    ));
    let columns = [
        sum(
            "CASE WHEN r.account_id IS NULL THEN 0 ELSE 1 END",
            "due_count",
        ),
        sum("r.arr_cents", "due_cents"),
        sum("r.closed", "closed_count"),
        sum("r.won", "won_count"),
        sum("r.closed * r.arr_cents", "closed_cents"),
        sum(
            "CASE WHEN r.closed = 1 THEN r.renewed_cents ELSE 0 END",
            "renewed_cents",
        ),
        sum("r.won * r.expansion_cents", "won_expansion_cents"),
        sum("r.closed * r.at_risk", "at_risk_closed_count"),
        sum("r.won * r.at_risk", "saved_count"),
        sum(
            "CASE WHEN r.closed = 1 AND r.at_risk = 1 THEN r.renewed_cents ELSE 0 END",
            "at_risk_renewed_cents",
        ),
        sum("r.closed * r.at_risk * r.arr_cents", "at_risk_closed_cents"),
        sum("r.escalated", "escalated_count"),
        sum(
            &format!("CASE WHEN r.won = 1 AND r.days_early >= {early_days} THEN 1 ELSE 0 END"),
            "early_count",
        ),
        sum(
            &format!(
                "CASE WHEN r.won = 1 AND r.days_early >= {early_days} THEN r.days_early ELSE 0 END"
            ),
            "early_days_sum",
        ),
        sum(
            "CASE WHEN r.won = 1 AND r.term_months > 12 THEN 1 ELSE 0 END",
            "multi_year_count",
        ),
        sum(
            "CASE WHEN r.won = 1 AND r.expansion_cents > 0 THEN 1 ELSE 0 END",
            "expanded_count",
        ),
    ];
    let readable: Vec<String> = ids
        .iter()
        .filter_map(|id| metric_sql(spec, id).map(|expr| format!("{expr} AS {id}")))
        .collect();
    let totals = Totals {
        rows: "due AS r",
        joined: "LEFT JOIN due AS r ON r.account_id = g.account_id",
        comment: format!(
            "the exact counts and sums per group (early: won and closed >= {early_days} days before due_on)"
        ),
        columns: &columns,
    };
    totals_query(spec, ctes, totals, readable)
}

/// The readable SQL expression of metric `id` over the columns of `totals`.
fn metric_sql(spec: &Spec, id: &str) -> Option<String> {
    let d = spec.dialect;
    Some(match id {
        "renewals_due" => "due_count".to_string(),
        "renewals_due_arr" => d.units("due_cents"),
        "renewals_open" => "due_count - closed_count".to_string(),
        "renewal_rate" => d.percent("won_count", "closed_count"),
        "renewal_gdr" => d.percent("renewed_cents", "closed_cents"),
        "renewal_nrr" => d.percent("renewed_cents + won_expansion_cents", "closed_cents"),
        "save_rate" => d.percent("saved_count", "at_risk_closed_count"),
        "arr_save_rate" => d.percent("at_risk_renewed_cents", "at_risk_closed_cents"),
        "escalation_rate" => d.percent("escalated_count", "due_count"),
        "early_renewal_rate" => d.percent("early_count", "won_count"),
        "avg_days_early" => d.divide("early_days_sum", "early_count"),
        "multi_year_rate" => d.percent("multi_year_count", "won_count"),
        "expansion_at_renewal_rate" => d.percent("expanded_count", "won_count"),
        "avg_expansion_arr" => d.divide(&d.units("won_expansion_cents"), "expanded_count"),
        _ => return None,
    })
}

/// The metrics of one result row, with the engine's arithmetic (`metrics::renewals`).
pub(super) fn evaluate(_spec: &Spec, row: &Row) -> Result<Values, String> {
    let count = |column: &str| row.count(column);
    // The engine sums cents as integers and turns the sum into f64 once.
    let cents = |column: &str| row.int(column).map(|c| c as f64);
    let mean = |sum: f64, n: u64| -> Value { (n != 0).then(|| sum / n as f64) };
    let due = count("due_count")?;
    let closed = count("closed_count")?;
    let won = count("won_count")?;
    let closed_arr = cents("closed_cents")?;
    let renewed = cents("renewed_cents")?;
    let expansion = cents("won_expansion_cents")?;
    let at_risk_closed = count("at_risk_closed_count")?;
    let early = count("early_count")?;
    let mut out = Values::new();
    out.insert("renewals_due", Some(due as f64));
    out.insert("renewals_due_arr", Some(cents("due_cents")? / 100.0));
    out.insert("renewals_open", Some((due - closed) as f64));
    out.insert("renewal_rate", pct(won as f64, closed as f64));
    out.insert("renewal_gdr", pct(renewed, closed_arr));
    out.insert("renewal_nrr", pct(renewed + expansion, closed_arr));
    out.insert(
        "save_rate",
        pct(count("saved_count")? as f64, at_risk_closed as f64),
    );
    out.insert(
        "arr_save_rate",
        pct(
            cents("at_risk_renewed_cents")?,
            cents("at_risk_closed_cents")?,
        ),
    );
    out.insert(
        "escalation_rate",
        pct(count("escalated_count")? as f64, due as f64),
    );
    out.insert("early_renewal_rate", pct(early as f64, won as f64));
    out.insert(
        "avg_days_early",
        mean(row.int("early_days_sum")? as f64, early),
    );
    out.insert(
        "multi_year_rate",
        pct(count("multi_year_count")? as f64, won as f64),
    );
    let expanded = count("expanded_count")?;
    out.insert(
        "expansion_at_renewal_rate",
        pct(expanded as f64, won as f64),
    );
    out.insert("avg_expansion_arr", mean(expansion / 100.0, expanded));
    Ok(out)
}
