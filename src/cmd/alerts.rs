//! `postsale alerts`: load the config, the rules of `alerts.yaml` and the data, evaluate the rules
//! with the metric engine (`metrics::alerts`) and print what fires and why: a table for people
//! or JSON for programs. Formatting only: every number comes from `crate::metrics`.

use crate::alerts::Rules;
use crate::config::Config;
use crate::data::load::{LoadOptions, load};
use crate::metrics::Context;
use crate::metrics::alerts::{self, Alert};
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
    // The problems of both files at once.
    let (config, rules) = match (
        crate::config::load(&args.project),
        crate::alerts::load(&args.project),
    ) {
        (Ok(config), Ok(rules)) => (config, rules),
        (config, rules) => {
            let mut problems = config.err().map(|d| d.0).unwrap_or_default();
            problems.extend(rules.err().map(|d| d.0).unwrap_or_default());
            return Err(crate::diagnostic::Diagnostics(problems).into());
        }
    };
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
    let plural = crate::render::alerts::plural;
    out.push_str(&format!(
        "Alerts as of {as_of} (against the evaluation of {previous}): {} from {}\n",
        plural(fired.len(), "alert"),
        plural(rules.0.len(), "rule"),
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
        for line in crate::render::alerts::why(&config.currency, alert, previous) {
            out.push_str(&format!("  {line}\n"));
        }
        if !alert.recipients.is_empty() {
            out.push_str(&format!("  to: {}\n", alert.recipients.join(", ")));
        }
    }
    out
}
