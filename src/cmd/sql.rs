//! `postsale sql`: prints the SQL that computes metrics in the warehouse (`crate::pushdown`),
//! commented with each metric's definition, for an analyst to read and run in psql.

use crate::metrics::cohorts::CohortGrain;
use crate::pushdown::{self, Dialect, GroupBy, Spec};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// The cohort grain of `cohort_retention`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Cohorts {
    Month,
    Quarter,
}

/// The pseudo-metric that prints the cohort retention triangle's query.
pub const COHORT_RETENTION: &str = "cohort_retention";

/// Arguments of `postsale sql`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Metric ids (default: every metric pushdown computes), or `cohort_retention` for the
    /// cohort retention triangle up to the period's last month.
    pub metrics: Vec<String>,
    /// The cohorts of `cohort_retention`: by month or by calendar quarter of the first MRR.
    #[arg(long, value_enum, default_value_t = Cohorts::Quarter)]
    pub cohorts: Cohorts,
    /// Period: 2026-W47, 2026-10, 2026-Q3, 2026 or ttm (default: the latest complete month).
    #[arg(long)]
    pub period: Option<String>,
    /// Split by a column of accounts (segment, region, csm_id, ...), acv_band or cohort.
    #[arg(long)]
    pub by: Option<String>,
    /// The SQL dialect: postgres (also Citus, YugabyteDB), redshift or greenplum.
    #[arg(long, value_enum, default_value_t = Dialect::Postgres)]
    pub dialect: Dialect,
    /// "Now" for the period (YYYY-MM-DD); overrides as_of in postsale.yaml.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Generate under a named conventions profile instead of the project's `conventions:`.
    #[arg(long)]
    pub profile: Option<String>,
    /// The project folder (with postsale.yaml).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
    /// Instead of metric queries, print the psql script that creates the tables and loads the
    /// CSV files of this folder (`data`, say) into the database.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["metrics", "period", "by", "profile"])]
    pub load: Option<PathBuf>,
    /// The database schema the `--load` script creates its tables in.
    #[arg(long, value_name = "NAME", default_value = "public", requires = "load")]
    pub schema: String,
}

/// Runs the command, printing the queries to stdout.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(data) = &args.load {
        return print(&pushdown::load::script(data, &args.schema)?);
    }
    let mut config = crate::config::load(&args.project)?;
    if let Some(name) = &args.profile {
        super::metrics::check_profile(name)?;
        config.conventions = crate::config::ConventionsConfig::of_profile(name);
    }
    let as_of = config.resolve_as_of(args.as_of, super::metrics::today());
    let period = super::period_arg(args.period.as_deref(), &config, as_of)?;
    let by = match &args.by {
        Some(name) => Some(GroupBy::parse(name).map_err(|e| anyhow::anyhow!("--by: {e}"))?),
        None => None,
    };
    let cohort = args.metrics.iter().any(|m| m == COHORT_RETENTION);
    let metrics: Vec<String> = args
        .metrics
        .iter()
        .filter(|m| *m != COHORT_RETENTION)
        .cloned()
        .collect();
    if cohort && by.is_some() {
        anyhow::bail!("--by: cohort_retention is not split by groups (its rows are the cohorts)");
    }
    let relations = super::metrics::relations(&config);
    let spec = Spec {
        period: &period,
        by: by.as_ref(),
        config: &config,
        dialect: args.dialect,
        relations: &relations,
    };
    let mut texts = Vec::new();
    if !cohort || !metrics.is_empty() {
        let ids = metric_ids(&metrics)?;
        texts.extend(pushdown::plan(&ids, &spec)?.into_iter().map(|q| q.sql));
    }
    if cohort {
        let grain = match args.cohorts {
            Cohorts::Month => CohortGrain::Month,
            Cohorts::Quarter => CohortGrain::Quarter,
        };
        texts.push(pushdown::cohorts::sql(&spec, grain));
    }
    print(&texts.join("\n"))
}

fn print(text: &str) -> anyhow::Result<()> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")
}

/// The ids asked for, each a catalog metric (with a suggestion otherwise), or every metric
/// pushdown computes.
fn metric_ids(requested: &[String]) -> anyhow::Result<Vec<&'static str>> {
    if requested.is_empty() {
        return Ok(pushdown::supported().collect());
    }
    Ok(super::catalog_metrics(requested, "postsale sql", |_| None)?
        .into_iter()
        .map(|def| def.id)
        .collect())
}
