//! `postsale check`: loads and validates the config and every data table, prints every problem
//! with file:line:column, writes nothing. Exit status 1 on any error.

use crate::data::load::{LoadOptions, load};
use std::path::PathBuf;

/// Arguments of `postsale check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder (with postsale.yaml and data/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the checks; the summary goes to stdout, problems to stderr.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = crate::config::load(&args.project)?;
    let data_dir = args.project.join(&config.data_dir);
    let loaded = load(
        &data_dir,
        &LoadOptions {
            lenient: config.lenient,
            ..LoadOptions::default()
        },
    )?;
    for warning in &loaded.warnings {
        eprintln!("{warning}");
    }
    for notice in &loaded.notices {
        println!("note: {notice}");
    }
    let rows: usize = loaded.dataset.row_counts.values().sum();
    println!(
        "ok: postsale.yaml and {} tables ({rows} rows) are valid{}",
        loaded.dataset.row_counts.len(),
        if loaded.warnings.is_empty() {
            String::new()
        } else {
            format!(", {} warnings", loaded.warnings.len())
        }
    );
    Ok(())
}
