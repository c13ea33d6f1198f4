//! `postsale metrics`: load, compute one period, print a table, JSON or CSV.

/// Arguments of `postsale metrics`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Metric ids to print (default: all the data supports).
    pub metrics: Vec<String>,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("not yet implemented")
}
