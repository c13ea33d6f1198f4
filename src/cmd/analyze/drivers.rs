//! `postsale analyze drivers`: the drivers study of `metrics::drivers` as a table for people,
//! CSV or JSON. Formatting only.

use crate::metrics::drivers::{self, Effect};
use crate::metrics::{Context, Scope};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Per outcome, the drivers ranked by the size of their difference.
    Table,
    /// outcome,driver,with,without,units_with,outcomes_with,units_without,outcomes_without,
    /// difference_pts,lower_pts,upper_pts,small_sample
    Csv,
    /// One JSON object: as_of, effects.
    Json,
}

/// Arguments of `postsale analyze drivers`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// "Now" (YYYY-MM-DD): outcomes up to the latest complete month before it.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// The project folder.
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command, printing to stdout.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (config, as_of, data) = super::load_project(&args.project, args.as_of, None, |_| None)?;
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let effects = drivers::study(&ctx, Scope::All);
    let text = match args.format {
        Format::Table => table(&effects),
        Format::Csv => csv(&effects)?,
        Format::Json => json(as_of, &effects)?,
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    Ok(())
}

/// Points with one decimal and a sign.
fn pts(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:+.1}"))
}

fn rate(outcomes: u64, units: u64) -> String {
    if units == 0 {
        "—".into()
    } else {
        format!("{:.1}% of {units}", outcomes as f64 / units as f64 * 100.0)
    }
}

fn table(effects: &[Effect]) -> String {
    let mut text = String::from(
        "What goes with each outcome: the outcome's rate with and without each driver, the \
         difference in points with its 95% interval. Associations, not causes.\n",
    );
    for outcome in drivers::Outcome::ALL {
        text.push_str(&format!(
            "\n{}\n",
            crate::render::format::capitalised(outcome.name())
        ));
        let mut rows = vec![vec![
            "driver".to_string(),
            "with".into(),
            "without".into(),
            "difference (pts)".into(),
            "95% interval".into(),
            String::new(),
        ]];
        for e in effects.iter().filter(|e| e.outcome == outcome) {
            rows.push(vec![
                e.driver.with.to_string(),
                rate(e.with.outcomes, e.with.units),
                rate(e.without.outcomes, e.without.units),
                pts(e.difference),
                format!("{} to {}", pts(e.lower), pts(e.upper)),
                if e.small {
                    "small sample".into()
                } else if e.clear() {
                    "interval excludes 0".into()
                } else {
                    String::new()
                },
            ]);
        }
        text.push_str(&crate::render::format::text_table(&rows, &[0, 5]));
    }
    text
}

fn number(v: Option<f64>) -> String {
    v.map_or(String::new(), |v| format!("{v:.4}"))
}

fn csv(effects: &[Effect]) -> anyhow::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "outcome",
        "driver",
        "with",
        "without",
        "units_with",
        "outcomes_with",
        "units_without",
        "outcomes_without",
        "difference_pts",
        "lower_pts",
        "upper_pts",
        "small_sample",
    ])?;
    for e in effects {
        w.write_record([
            e.outcome.name().to_string(),
            e.driver.id.to_string(),
            e.driver.with.to_string(),
            e.driver.without.to_string(),
            e.with.units.to_string(),
            e.with.outcomes.to_string(),
            e.without.units.to_string(),
            e.without.outcomes.to_string(),
            number(e.difference),
            number(e.lower),
            number(e.upper),
            e.small.to_string(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn json(as_of: NaiveDate, effects: &[Effect]) -> anyhow::Result<String> {
    let effects: Vec<serde_json::Value> = effects
        .iter()
        .map(|e| {
            serde_json::json!({"outcome": e.outcome.name(), "driver": e.driver.id,
                "with": {"label": e.driver.with, "units": e.with.units, "outcomes": e.with.outcomes},
                "without": {"label": e.driver.without, "units": e.without.units, "outcomes": e.without.outcomes},
                "difference_pts": e.difference, "lower_pts": e.lower, "upper_pts": e.upper,
                "small_sample": e.small})
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "as_of": as_of.to_string(),
        "note": "associations, not causes",
        "effects": effects,
    }))?;
    text.push('\n');
    Ok(text)
}
