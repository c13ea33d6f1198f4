//! `postsale check`: loads and validates the config, every data table, every report definition
//! (front matter, component calls, template syntax) and the theme; prints every problem with
//! file:line:column; writes nothing. Exit status 1 on any error.

use crate::site;
use std::path::PathBuf;

/// Arguments of `postsale check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder (with postsale.yaml, data/, reports/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
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
