//! `postsale analyze renewals`: the renewal win rates learned from history (`metrics::win_rates`)
//! and the backtest of the forecast by configured stage weights against the forecast by learned
//! rates over past quarters, as a table or JSON. Formatting only.

use crate::metrics::Context;
use crate::metrics::win_rates::{self, Backtest};
use crate::render::format;
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The learned rates (stage × T-minus bucket) and the backtest per quarter.
    Table,
    /// One JSON object: as_of, rates, backtest, mean absolute errors.
    Json,
}

/// Arguments of `postsale analyze renewals`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many past quarters to backtest.
    #[arg(long, default_value_t = 6)]
    pub quarters: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// "Now" (YYYY-MM-DD): rates are learned from renewals closed before it.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// The project folder.
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command, printing to stdout.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (config, as_of, data) = super::load_project(&args.project, args.as_of, None, |_| {
        Some(vec!["renewals", "renewal_stages"])
    })?;
    if data.renewals.is_none() {
        anyhow::bail!("the renewal forecast needs renewals.csv, which the project does not have");
    }
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let histories = win_rates::histories(&ctx);
    let rates = win_rates::learn(&ctx, &histories, as_of);
    let tests = win_rates::backtest(&ctx, args.quarters);
    let (stages, buckets) = win_rates::labels();
    let currency = &config.currency;
    let text = match args.format {
        Format::Json => {
            let cells: Vec<serde_json::Value> = buckets
                .iter()
                .enumerate()
                .flat_map(|(b, bucket)| {
                    let rates = &rates;
                    stages.iter().enumerate().map(move |(s, stage)| {
                        let c = rates.cells[b][s];
                        serde_json::json!({"bucket": bucket, "stage": stage,
                            "renewals": c.renewals, "rate": c.rate(),
                            "arr": c.arr as f64 / 100.0, "renewed_arr": c.renewed as f64 / 100.0})
                    })
                })
                .collect();
            let quarters: Vec<serde_json::Value> = tests
                .iter()
                .map(|t| {
                    serde_json::json!({"quarter": t.quarter.id, "renewals": t.renewals,
                        "due": t.due, "actual": t.actual, "by_weights": t.by_weights,
                        "by_history": t.by_history,
                        "error_weights_pct": Backtest::error(t.by_weights, t.actual),
                        "error_history_pct": Backtest::error(t.by_history, t.actual)})
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "as_of": as_of.to_string(),
                "min_cell": win_rates::MIN_CELL,
                "rates": cells,
                "backtest": quarters,
                "mean_abs_error_weights_pct": win_rates::mean_abs_error(&tests, |t| t.by_weights),
                "mean_abs_error_history_pct": win_rates::mean_abs_error(&tests, |t| t.by_history),
            }))?;
            text.push('\n');
            text
        }
        Format::Table => {
            let mut rows = vec![
                std::iter::once("T-minus".to_string())
                    .chain(stages.iter().map(|s| s.replace('_', " ")))
                    .collect::<Vec<_>>(),
            ];
            for (b, bucket) in buckets.iter().enumerate() {
                let mut row = vec![bucket.to_string()];
                for s in 0..stages.len() {
                    let c = rates.cells[b][s];
                    row.push(c.rate().map_or("—".into(), |r| {
                        format!("{} (n={})", format::percent(r * 100.0), c.renewals)
                    }));
                }
                rows.push(row);
            }
            let mut text = format!(
                "Renewal win rates learned from renewals closed before {as_of}: renewed ARR / ARR \
                 due, by the stage each was in at each T-minus point (cells under {} renewals fall \
                 back to the stage's rate, then to the configured weight)\n\n",
                win_rates::MIN_CELL
            );
            text.push_str(&format::text_table(&rows, &[0]));
            let mut rows = vec![
                [
                    "quarter",
                    "renewals",
                    "ARR due",
                    "renewed",
                    "by stage weights",
                    "error",
                    "by history",
                    "error",
                ]
                .map(String::from)
                .to_vec(),
            ];
            let pct = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:+.1}%"));
            for t in &tests {
                rows.push(vec![
                    t.quarter.id.clone(),
                    t.renewals.to_string(),
                    format::money(t.due, currency),
                    format::money(t.actual, currency),
                    format::money(t.by_weights, currency),
                    pct(Backtest::error(t.by_weights, t.actual)),
                    format::money(t.by_history, currency),
                    pct(Backtest::error(t.by_history, t.actual)),
                ]);
            }
            text.push_str(
                "\nBacktest: each quarter's renewals forecast on its first day, against the ARR \
                 they renewed\n\n",
            );
            text.push_str(&format::text_table(&rows, &[0]));
            let mean = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.1}%"));
            text.push_str(&format!(
                "\nMean absolute error: stage weights {}, history {}\n",
                mean(win_rates::mean_abs_error(&tests, |t| t.by_weights)),
                mean(win_rates::mean_abs_error(&tests, |t| t.by_history))
            ));
            text
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    Ok(())
}
