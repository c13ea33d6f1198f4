//! `postsale usage`: read web-server access logs, count the views and readers of each report of
//! the project in the 30 and 90 days before as-of, and list the reports nobody read in 90 days
//! as sunset candidates; a table for people or JSON for programs, and optionally a standalone
//! HTML page. The counting is `crate::usage`'s; this only wires and formats.

use crate::diagnostic::Diagnostics;
use crate::usage::{self, Usage, WINDOWS, page};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `postsale usage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people, then the sunset candidates.
    Table,
    /// One JSON object: as_of, base_path, reports, sunset, covered_days, logs.
    Json,
}

/// Arguments of `postsale usage`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Access logs in Common or Combined Log Format, plain or gzip-compressed (default: the
    /// logs `usage: logs:` names in postsale.yaml).
    #[arg(long = "log", value_name = "FILE", num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// "Now" (YYYY-MM-DD): the windows are the 30 and 90 days before it; overrides as_of in
    /// postsale.yaml (default: that, else today).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// The URL path the site is served under, e.g. /reports/cs/ (default: `usage: base_path:`
    /// in postsale.yaml, else /).
    #[arg(long)]
    pub base_path: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the usage page (standalone HTML in the site's style) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The project folder (with postsale.yaml and reports/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command: the result to stdout, problems in the logs to stderr.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = crate::config::load(&args.project)?;
    let as_of = config.resolve_as_of(args.as_of, super::metrics::today());
    let reports = crate::site::load_reports(&args.project, None).map_err(Diagnostics)?;
    let logs: Vec<(PathBuf, String)> = if args.logs.is_empty() {
        if config.usage.logs.is_empty() {
            anyhow::bail!(
                "no access logs: give them with --log FILE..., or name them under `usage: logs:` in postsale.yaml"
            );
        }
        usage::configured_logs(&args.project, &config.usage.logs).map_err(Diagnostics)?
    } else {
        args.logs
            .iter()
            .map(|p| (p.clone(), p.display().to_string()))
            .collect()
    };
    let base_path = args
        .base_path
        .clone()
        .unwrap_or_else(|| config.usage.base_path.clone());
    let (usage, problems) = usage::read_logs(&logs, &reports, &base_path, as_of);
    let (errors, warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(|d| d.is_error());
    for warning in &warnings {
        eprintln!("{warning}");
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors).into());
    }
    if let Some(warning) = usage::nothing_mapped(&usage) {
        eprintln!("{warning}");
    }
    let text = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&usage).context("failed to write the JSON")? + "\n"
        }
        Format::Table => table(&usage),
    };
    if let Some(path) = &args.html {
        let theme = crate::site::load_theme(&args.project).map_err(Diagnostics)?;
        let css = theme
            .files
            .get("static/style.css")
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        std::fs::write(path, page::html(&usage, &config.name, &css))
            .with_context(|| format!("failed to write {}", path.display()))?;
    }
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    Ok(())
}

/// The table for people: one line per report, then the sunset candidates and what the logs held.
fn table(usage: &Usage) -> String {
    let [w0, w1] = WINDOWS;
    let header = [
        "report".to_string(),
        "title".to_string(),
        format!("views {w0}d"),
        format!("readers {w0}d"),
        format!("views {w1}d"),
        format!("readers {w1}d"),
        "last view".to_string(),
    ];
    let mut rows = vec![header];
    for r in &usage.reports {
        rows.push([
            r.report.clone(),
            r.title.clone(),
            r.views_30.to_string(),
            r.readers_30.to_string(),
            r.views_90.to_string(),
            r.readers_90.to_string(),
            r.last_view
                .map_or_else(|| "never".into(), |d| d.to_string()),
        ]);
    }
    let widths: Vec<usize> = (0..7)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = format!(
        "Report usage as of {} (the {w0} and {w1} days before; site path {})\n",
        usage.as_of, usage.base_path
    );
    for row in &rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            // Text left, numbers right.
            if (2..6).contains(&c) {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
    if usage.sunset.is_empty() {
        out.push_str(&format!(
            "Sunset candidates: none (every report viewed in {w1} days)\n"
        ));
    } else {
        out.push_str(&format!("Sunset candidates (no view in {w1} days):\n"));
        for slug in &usage.sunset {
            if let Some(r) = usage.reports.iter().find(|r| &r.report == slug) {
                let last = r
                    .last_view
                    .map_or_else(|| "never viewed".into(), |d| format!("last viewed {d}"));
                out.push_str(&format!("  {} ({}): {last}\n", r.file, r.title));
            }
        }
    }
    let logs = &usage.logs;
    let span = match (logs.first_day, logs.last_day) {
        (Some(a), Some(b)) => format!(", {a} to {b}"),
        _ => String::new(),
    };
    out.push_str(&format!(
        "\nLogs: {}, {} ({} not in log format){span}; left out: {}, {} from {} on; {} of the \
         site's own pages.\n",
        page::count(logs.files as u64, "file"),
        page::count(logs.lines, "line"),
        logs.malformed,
        page::count(logs.bot_requests, "bot request"),
        page::count(logs.after_as_of, "view"),
        usage.as_of,
        page::count(logs.site_page_views, "view"),
    ));
    if let Some(note) = page::coverage_note(usage) {
        out.push_str(&format!("note: {note}\n"));
    }
    out
}
