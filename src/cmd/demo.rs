//! `postsale demo`: writes the synthetic data set of `crate::demo` to a folder.

use crate::demo::{Format, Options, check_out, generate_as};
use crate::period::Month;
use std::path::PathBuf;

/// Arguments of `postsale demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of accounts to generate.
    #[arg(long, default_value_t = 300)]
    pub accounts: usize,
    /// Number of months of MRR history, ending with --end.
    #[arg(long, default_value_t = 36)]
    pub months: usize,
    /// Random seed: the same arguments give the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Last month of history (YYYY-MM); "now" for the data is the first day after it.
    #[arg(long, default_value = "2026-10", value_parser = parse_month)]
    pub end: Month,
    /// Folder to write the tables into (created if missing). It must be new or empty, and
    /// never a project root (a folder holding postsale.yaml).
    #[arg(long)]
    pub out: PathBuf,
    /// Write into a folder that is not empty, overwriting the tables of the same names (other
    /// files are left alone). Never allows a project root.
    #[arg(long)]
    pub force: bool,
    /// File format of the tables: csv (`<table>.csv`) or parquet (`<table>.parquet`).
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,
}

fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("expected a month like 2026-10, found '{text}'"))
}

/// Generates the data set and prints one line per file.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.accounts == 0 || args.months == 0 {
        anyhow::bail!("--accounts and --months must be at least 1");
    }
    check_out(&args.out, args.force)?;
    let options = Options {
        accounts: args.accounts,
        months: args.months,
        seed: args.seed,
        end: args.end,
    };
    let summary = generate_as(&options, &args.out, args.format)?;
    let rows: usize = summary.files.iter().map(|(_, n)| n).sum();
    println!(
        "wrote {} tables, {rows} rows, to {} ({} accounts, {} months to {})",
        summary.files.len(),
        args.out.display(),
        args.accounts,
        args.months,
        args.end
    );
    Ok(())
}
