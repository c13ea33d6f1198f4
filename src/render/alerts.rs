//! Alerts in words: the lines that say why an alert fires (or, resolved, that it no longer
//! does), shared by `postsale alerts` and the site. Formatting only: the values come from
//! `metrics::alerts`.

use crate::metrics::alerts::{Alert, Evidence, Status};
use crate::metrics::{Value, basis, catalog};
use crate::render::format;
use chrono::NaiveDate;

/// `n word` or `n words`.
pub(crate) fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The lines saying why an alert fires (or, resolved, that it no longer does).
pub(crate) fn why(currency: &str, alert: &Alert, previous: NaiveDate) -> Vec<String> {
    let resolved = alert.status == Status::Resolved;
    let no_longer = if resolved { "no longer " } else { "" };
    let metric = |id: &str, period: &str, basis: Option<basis::Basis>, value: Value| {
        catalog::get(id).map_or_else(
            || format!("{id} {value:?}"),
            |def| {
                format!(
                    "{} {} over {period}",
                    basis::named(def, basis),
                    format::value(def, value, currency)
                )
            },
        )
    };
    let unit_of = |id: &str, v: f64| {
        catalog::get(id).map_or_else(
            || v.to_string(),
            |def| format::value(def, Some(v), currency),
        )
    };
    match &alert.evidence {
        Evidence::Threshold {
            metric: id,
            period,
            basis,
            value,
            above,
            threshold,
        } => vec![format!(
            "{}: {no_longer}{} {}",
            metric(id, period, *basis, *value),
            if *above { "above" } else { "below" },
            unit_of(id, *threshold),
        )],
        Evidence::Change {
            metric: id,
            period,
            basis,
            value,
            earlier_period,
            earlier_value,
            change,
            by,
            relative,
        } => {
            let unit = if *relative { " %" } else { " pts" };
            let earlier = catalog::get(id).map_or_else(String::new, |def| {
                format::value(def, *earlier_value, currency)
            });
            vec![format!(
                "{}: {} from {earlier} over {earlier_period} ({no_longer}at least {}{unit})",
                metric(id, period, *basis, *value),
                change.map_or("—".into(), |c| format!("{}{unit}", format::signed(c, 1))),
                format::signed(*by, 1),
            )]
        }
        Evidence::Matches {
            condition,
            matches,
            arr,
        } => {
            let noun = if matches.iter().any(|m| m.renewal.is_some()) {
                "renewal"
            } else {
                "account"
            };
            let arr = format::money(arr.to_f64(), currency);
            let mut lines = vec![if resolved {
                format!(
                    "no {noun} matches '{condition}' any more; on {previous}: {}, {arr} ARR",
                    plural(matches.len(), noun)
                )
            } else {
                format!(
                    "{} matching '{condition}', {arr} ARR",
                    plural(matches.len(), noun)
                )
            }];
            for m in matches {
                let mut line = format!("  {} ({})", m.name, m.account);
                if let (Some(id), Some(due)) = (&m.renewal, m.due_on) {
                    line.push_str(&format!(" renewal {id} due {due}"));
                }
                if let Some(h) = m.health {
                    line.push_str(&format!(" health {}", format::health(h)));
                }
                line.push_str(&format!(
                    ", ARR {}",
                    format::money(m.arr.to_f64(), currency)
                ));
                if m.new {
                    line.push_str(", new");
                }
                lines.push(line);
            }
            lines
        }
    }
}
