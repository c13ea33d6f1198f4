//! `postsale demo`: writes the synthetic data set of `crate::demo` to a folder.

use std::path::PathBuf;

/// Arguments of `postsale demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of accounts to generate.
    #[arg(long, default_value_t = 300)]
    pub accounts: usize,
    /// Number of months of history, ending at the last complete month before --end.
    #[arg(long, default_value_t = 36)]
    pub months: usize,
    /// Random seed: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder to write the CSV files into (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = args;
    anyhow::bail!("not yet implemented")
}
