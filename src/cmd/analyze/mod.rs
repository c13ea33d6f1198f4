//! `postsale analyze`: the analytics layer on the command line, one subcommand per analysis.

pub mod drivers;
pub mod renewals;
pub mod scenario;
pub mod survival;

/// Arguments of `postsale analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

/// The analyses.
#[derive(Debug, clap::Subcommand)]
pub enum What {
    /// Kaplan–Meier survival of customer lifetime (first subscription spells), overall or by a
    /// dimension, with Greenwood 95 % intervals, medians and the log-rank test.
    Survival(survival::Args),
    /// What goes with retention: each outcome's rate with and without each candidate driver,
    /// the difference with a 95 % interval, small samples flagged.
    Drivers(drivers::Args),
    /// Renewal win rates learned from closed renewals by stage and T-minus bucket, and the
    /// forecast by them backtested against the configured stage weights on past quarters.
    Renewals(renewals::Args),
    /// Project ARR, NRR, GRR and logos 4–8 quarters ahead under a scenario file, against the
    /// baseline from current rates, with every assumption listed.
    Scenario(scenario::Args),
}

/// Runs the chosen analysis.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.what {
        What::Survival(a) => survival::run(a),
        What::Drivers(a) => drivers::run(a),
        What::Renewals(a) => renewals::run(a),
        What::Scenario(a) => scenario::run(a),
    }
}
