//! `postsale check`: loads and validates the config, every data table, every report definition
//! (front matter, component calls, template syntax) and the theme; prints every problem with
//! file:line:column; writes nothing. Exit status 1 on any error. With `--usage-log` (or the
//! logs `usage:` names in postsale.yaml), also warns about the reports nobody read in 90 days
//! (`crate::usage`).

use crate::site;
use std::path::PathBuf;

/// Arguments of `postsale check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder (with postsale.yaml, data/, reports/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
    /// Access logs of the published site: warn about reports with no view in 90 days
    /// (default: the logs `usage: logs:` names in postsale.yaml).
    #[arg(long = "usage-log", value_name = "FILE", num_args = 1..)]
    pub usage_logs: Vec<PathBuf>,
    /// The URL path the site is served under in those logs, e.g. /reports/cs/ (default:
    /// `usage: base_path:` in postsale.yaml, else /).
    #[arg(long)]
    pub base_path: Option<String>,
}

/// Runs the checks; the summary goes to stdout, problems to stderr.
pub fn run(args: Args) -> anyhow::Result<()> {
    let project = site::load_project(&args.project)?;
    // Template problems and entity page names that collide, reported together.
    let mut problems = site::pages::tera(&project).err().unwrap_or_default();
    problems.extend(site::links::name_collisions(&project));
    if !problems.is_empty() {
        return Err(crate::diagnostic::Diagnostics(problems).into());
    }
    project.data_notes.print_warnings();
    for notice in &project.data_notes.notices {
        println!("note: {notice}");
    }
    let configured = &project.config.usage;
    if !args.usage_logs.is_empty() || !configured.logs.is_empty() {
        let as_of = project.config.resolve_as_of(None, super::metrics::today());
        // The logs given on the command line, else those postsale.yaml names.
        let (logs, base_path) = if args.usage_logs.is_empty() {
            let logs = crate::usage::configured_logs(&project.dir, &configured.logs)
                .map_err(crate::diagnostic::Diagnostics)?;
            (
                logs,
                args.base_path
                    .clone()
                    .unwrap_or_else(|| configured.base_path.clone()),
            )
        } else {
            let logs = args
                .usage_logs
                .iter()
                .map(|p| (p.clone(), p.display().to_string()))
                .collect();
            (logs, args.base_path.clone().unwrap_or_else(|| "/".into()))
        };
        let (usage, problems) = crate::usage::read_logs(&logs, &project.reports, &base_path, as_of);
        let (errors, warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(|d| d.is_error());
        if !errors.is_empty() {
            return Err(crate::diagnostic::Diagnostics(errors).into());
        }
        for warning in warnings
            .iter()
            .chain(&crate::usage::sunset_warnings(&usage))
        {
            eprintln!("{warning}");
        }
    }
    let rows: usize = project.data.row_counts.values().sum();
    let tables = format!("{} tables ({rows} rows)", project.data.row_counts.len());
    let reports = format!("{} reports", project.reports.len());
    match project.rules.0.len() {
        0 => println!("ok: postsale.yaml, {tables} and {reports} are valid"),
        n => println!(
            "ok: postsale.yaml, {tables}, {reports} and {n} alert rule{} are valid",
            if n == 1 { "" } else { "s" }
        ),
    }
    // The process ends here: let it hand the memory back at once rather than free millions of
    // rows one by one.
    std::mem::forget(project);
    Ok(())
}
