//! `postsale alerts`: load the config, the rules of `alerts.yaml` and the data, evaluate the rules
//! with the metric engine (`metrics::alerts`) and print what fires and why: a table for people
//! or JSON for programs. Formatting only: every number comes from `crate::metrics`.

use crate::alerts::Rules;
use crate::config::Config;
use crate::data::load::{LoadOptions, load};
use crate::metrics::alerts::{self, Alert, Evidence, Status};
use crate::metrics::basis;
use crate::metrics::catalog;
use crate::metrics::{Context, Value};
use crate::render::format;
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `postsale alerts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Each alert with its status, severity, scope, the values that made it fire and its
    /// recipients.
    Table,
    /// One JSON object: as_of, previous (the evaluation compared with), alerts.
    Json,
}

/// Arguments of `postsale alerts`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// "Now" for the evaluation (YYYY-MM-DD); overrides as_of in postsale.yaml.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// The project folder (with postsale.yaml, alerts.yaml and data/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command, printing to stdout. Firing alerts are not a failure: the exit status is 0
/// unless the project cannot be read.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = crate::config::load(&args.project)?;
    let rules = crate::alerts::load(&args.project)?;
    let as_of = config.resolve_as_of(args.as_of, super::metrics::today());
    let loaded = load(
        &args.project.join(&config.data_dir),
        &LoadOptions::from_config(&config),
    )?;
    for warning in &loaded.warnings {
        eprintln!("{warning}");
    }
    let data = loaded.dataset;
    let problems = crate::alerts::check_against(&rules, &data);
    if !problems.is_empty() {
        return Err(crate::diagnostic::Diagnostics(problems).into());
    }
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let fired = alerts::evaluate(&ctx, &rules);
    let text = match args.format {
        Format::Json => json(as_of, &fired)?,
        Format::Table => table(&config, &rules, as_of, &fired),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    std::mem::forget(data);
    Ok(())
}

/// The JSON document: `{ "as_of", "previous", "alerts": [...] }`.
fn json(as_of: NaiveDate, fired: &[Alert]) -> anyhow::Result<String> {
    let doc = serde_json::json!({
        "as_of": as_of,
        "previous": alerts::previous_date(as_of),
        "alerts": fired,
    });
    let mut text = serde_json::to_string_pretty(&doc).context("failed to write JSON")?;
    text.push('\n');
    Ok(text)
}

/// The alerts for people: a heading, then each alert as a block.
fn table(config: &Config, rules: &Rules, as_of: NaiveDate, fired: &[Alert]) -> String {
    let previous = alerts::previous_date(as_of);
    let mut out = String::new();
    if rules.0.is_empty() {
        out.push_str(&format!(
            "No alert rules: write them in {} (see the README).\n",
            crate::alerts::FILE
        ));
        return out;
    }
    let rules_count = rules.0.len();
    out.push_str(&format!(
        "Alerts as of {as_of} (against the evaluation of {previous}): {} from {}\n",
        plural(fired.len(), "alert"),
        plural(rules_count, "rule"),
    ));
    for alert in fired {
        out.push('\n');
        let scope = match &alert.scope.key {
            None => "company".to_string(),
            Some(key) if *key == alert.scope.name => format!("{} {key}", alert.scope.kind),
            Some(key) => format!("{} {} ({key})", alert.scope.kind, alert.scope.name),
        };
        out.push_str(&format!(
            "{:<8}  {:<8}  {}  {scope}\n",
            alert.status.name(),
            alert.severity.name(),
            alert.rule,
        ));
        for line in why(config, alert, previous) {
            out.push_str(&format!("  {line}\n"));
        }
        if !alert.recipients.is_empty() {
            out.push_str(&format!("  to: {}\n", alert.recipients.join(", ")));
        }
    }
    out
}

/// `n word` or `n words`.
fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The lines saying why an alert fires (or, resolved, that it no longer does).
fn why(config: &Config, alert: &Alert, previous: NaiveDate) -> Vec<String> {
    let currency = config.currency.as_str();
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
