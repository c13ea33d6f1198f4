//! `postsale analyze scenario FILE`: load the config, the scenario file and the data, project
//! the scenario with `analytics::scenario` and print the quarters (baseline, scenario,
//! difference) and every assumption: a table for people or JSON for programs. Formatting only.

use crate::analytics::scenario::{self, Point, Projection, Quantity, Scenario};
use crate::data::load::{LoadOptions, load};
use crate::metrics::Context;
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `postsale analyze scenario`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The quarters as a table, then the assumptions.
    Table,
    /// One JSON object: scenario, as_of, from, quarters, assumptions.
    Json,
}

/// Arguments of `postsale analyze scenario`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario file (YAML, usually scenarios/NAME.yaml).
    pub file: PathBuf,
    /// "Now" (YYYY-MM-DD): the projection starts at the end of the latest complete quarter.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// The project folder (with postsale.yaml and data/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command, printing to stdout.
pub fn run(args: Args) -> anyhow::Result<()> {
    let shown = args.file.display().to_string();
    let (config, scen) = match (
        crate::config::load(&args.project),
        scenario::file::load(&args.file, &shown),
    ) {
        (Ok(config), Ok(s)) => (config, s),
        (config, s) => {
            let mut problems = config.err().map(|d| d.0).unwrap_or_default();
            problems.extend(s.err().map(|d| d.0).unwrap_or_default());
            return Err(crate::diagnostic::Diagnostics(problems).into());
        }
    };
    let as_of = config.resolve_as_of(args.as_of, super::super::metrics::today());
    let loaded = load(
        &args.project.join(&config.data_dir),
        &LoadOptions::from_config(&config),
    )?;
    for warning in &loaded.warnings {
        eprintln!("{warning}");
    }
    let data = loaded.dataset;
    let problems = scenario::file::check_against(std::slice::from_ref(&scen), &data);
    if !problems.is_empty() {
        return Err(crate::diagnostic::Diagnostics(problems).into());
    }
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let projection = scenario::run(&ctx, &scen).map_err(|e| {
        crate::diagnostic::Diagnostics(vec![crate::diagnostic::Diagnostic::file_error(
            shown.as_str(),
            e.0,
        )])
    })?;
    let text = match args.format {
        Format::Json => json(&scen, as_of, &projection)?,
        Format::Table => table(&scen, &shown, as_of, &projection, &config.currency),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    Ok(())
}

/// A rate rounded to 4 decimals for JSON (the same bytes on every run).
fn round4(v: Option<f64>) -> Option<f64> {
    v.map(|v| (v * 10_000.0).round() / 10_000.0)
}

fn point(p: &Point) -> serde_json::Value {
    serde_json::json!({
        "arr": p.arr.to_f64(),
        "nrr": round4(p.nrr),
        "grr": round4(p.grr),
        "logos": round4(Some(p.logos)),
    })
}

/// The JSON document.
fn json(s: &Scenario, as_of: NaiveDate, p: &Projection) -> anyhow::Result<String> {
    let quarters: Vec<serde_json::Value> = p
        .periods
        .iter()
        .zip(p.baseline.iter().zip(&p.scenario))
        .map(|(period, (b, sc))| {
            let diff = |a: Option<f64>, b: Option<f64>| round4(a.zip(b).map(|(a, b)| a - b));
            serde_json::json!({
                "period": period.label(),
                "start": period.start,
                "end": period.end,
                "baseline": point(b),
                "scenario": point(sc),
                "difference": {
                    "arr": (sc.arr - b.arr).to_f64(),
                    "nrr": diff(sc.nrr, b.nrr),
                    "grr": diff(sc.grr, b.grr),
                    "logos": round4(Some(sc.logos - b.logos)),
                },
            })
        })
        .collect();
    let assumptions: Vec<serde_json::Value> = p
        .assumptions
        .iter()
        .map(|a| {
            let (unit, value) = match a.quantity {
                Quantity::Percent(v) => ("percent", round4(Some(v))),
                Quantity::Money(m) => ("money", Some(m.to_f64())),
                Quantity::Count(v) => ("count", round4(Some(v))),
                Quantity::Number(v) => ("number", round4(Some(v))),
            };
            serde_json::json!({
                "label": a.label,
                "value": value,
                "unit": unit,
                "source": a.source.name(),
                "note": a.note,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "scenario": { "id": s.id, "name": s.name, "description": s.description },
        "as_of": as_of,
        "from": p.from.label(),
        "from_end": p.from.end,
        "by_segment": p.by_segment,
        "quarters": quarters,
        "assumptions": assumptions,
    });
    let mut text = serde_json::to_string_pretty(&doc).context("failed to write JSON")?;
    text.push('\n');
    Ok(text)
}

/// The projection for people: a heading, the quarters as aligned columns, the assumptions.
fn table(s: &Scenario, shown: &str, as_of: NaiveDate, p: &Projection, currency: &str) -> String {
    let mut out = format!("Scenario: {} ({shown})\n", s.name);
    if let Some(d) = &s.description {
        out.push_str(&format!("{}\n", d.trim()));
    }
    out.push_str(&format!(
        "Projected from the end of {} (the latest complete quarter on {as_of}); ARR in {currency}, \
         NRR and GRR per quarter.\n\n",
        p.from.label()
    ));
    let rows = crate::render::scenario::rows(p, currency);
    let heads = crate::render::scenario::HEADS;
    let widths: Vec<usize> = (0..heads.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([heads[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i == 0 {
                text.push_str(&format!("{cell}{}", " ".repeat(pad)));
            } else {
                text.push_str(&format!("  {}{cell}", " ".repeat(pad)));
            }
        }
        text.push('\n');
        text
    };
    out.push_str(&line(heads.to_vec()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out.push_str("\nAssumptions:\n");
    for a in &p.assumptions {
        out.push_str(&format!(
            "  {}: {} ({}: {})\n",
            a.label,
            crate::render::scenario::quantity(a.quantity, currency),
            a.source.name(),
            a.note
        ));
    }
    out
}
