//! `postsale analyze`: the analytics layer on the command line, one subcommand per analysis.

pub mod drivers;
pub mod model;
pub mod renewals;
pub mod scenario;
pub mod survival;

/// A project loaded for an analysis: its config (under `profile`, a conventions profile, when
/// given), the as-of date (`as_of`, else the config's, else today) and the data (the tables
/// `only` names, all when None; load warnings printed).
pub(crate) fn load_project(
    project: &std::path::Path,
    as_of: Option<chrono::NaiveDate>,
    profile: Option<&str>,
    only: impl FnOnce(&crate::config::Config) -> Option<Vec<&'static str>>,
) -> anyhow::Result<(
    crate::config::Config,
    chrono::NaiveDate,
    crate::data::Dataset,
)> {
    let mut config = crate::config::load(project)?;
    if let Some(name) = profile {
        super::metrics::check_profile(name)?;
        config.conventions = crate::config::ConventionsConfig::of_profile(name);
    }
    let as_of = config.resolve_as_of(as_of, super::metrics::today());
    let loaded = crate::data::load::load(
        &project.join(&config.data_dir),
        &crate::data::load::LoadOptions {
            only: only(&config),
            ..crate::data::load::LoadOptions::from_config(&config)
        },
    )?;
    for warning in &loaded.warnings {
        eprintln!("{warning}");
    }
    Ok((config, as_of, loaded.dataset))
}

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
    /// The time-based backtest of the churn (90 days) and expansion (180 days) models: AUC,
    /// Brier score, reliability, top-decile lift and MRR capture, against two baselines.
    ChurnModel(model::ModelArgs),
    /// Each account's churn and expansion probability as of the as-of date (CSV:
    /// account_id,churn_probability,expansion_probability).
    Scores(model::ScoresArgs),
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
        What::ChurnModel(a) => model::run_model(a),
        What::Scores(a) => model::run_scores(a),
        What::Scenario(a) => scenario::run(a),
    }
}
