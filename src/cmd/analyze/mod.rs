//! `postsale analyze`: analytics beyond the metric catalog, one subcommand each.

pub mod scenario;

/// Arguments of `postsale analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// The analyses.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Project ARR, NRR, GRR and logos 4–8 quarters ahead under a scenario file, against the
    /// baseline from current rates, with every assumption listed.
    Scenario(scenario::Args),
}

/// Runs the chosen analysis.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.what {
        What::Scenario(args) => scenario::run(args),
    }
}
