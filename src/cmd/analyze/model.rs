//! `postsale analyze churn-model` (the time-based backtest of the churn and expansion models
//! against their baselines) and `postsale analyze scores` (each account's churn and expansion
//! probability as of the as-of date, with the churn score's top factors). Formatting only:
//! `metrics::scores` computes everything.

use crate::metrics::Context;
use crate::metrics::scores::{Backtest, Evaluation, Study, Target};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `churn-model`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelFormat {
    Table,
    Json,
}

/// Output format of `scores`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScoresFormat {
    /// account_id,churn_probability,expansion_probability
    Csv,
    /// The same with the churn score's top factors, riskiest first.
    Table,
}

/// Arguments of `postsale analyze churn-model`.
#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    #[arg(long, value_enum, default_value_t = ModelFormat::Table)]
    pub format: ModelFormat,
    /// "Now" (YYYY-MM-DD): nothing on or after the first day of its month is read.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Arguments of `postsale analyze scores`.
#[derive(Debug, clap::Args)]
pub struct ScoresArgs {
    #[arg(long, value_enum, default_value_t = ScoresFormat::Csv)]
    pub format: ScoresFormat,
    /// "Now" (YYYY-MM-DD): the scores are as of the first day after its latest complete month.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Loads the project and runs `f` on its context.
fn with_context(
    project: &std::path::Path,
    as_of: Option<NaiveDate>,
    f: impl FnOnce(&Context) -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    let (config, as_of, data) = super::load_project(project, as_of, None, |_| None)?;
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let text = f(&ctx)?;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")
}

/// Runs `churn-model`.
pub fn run_model(args: ModelArgs) -> anyhow::Result<()> {
    with_context(&args.project, args.as_of, |ctx| {
        let study = Study::new(ctx);
        let tests: Vec<Backtest> = [Target::Churn90, Target::Expansion180]
            .into_iter()
            .filter_map(|t| study.as_ref()?.backtest(t))
            .collect();
        if tests.is_empty() {
            anyhow::bail!("no model: the history has no MRR or only one outcome");
        }
        Ok(match args.format {
            ModelFormat::Json => json(ctx.as_of, &tests)?,
            ModelFormat::Table => table(&tests),
        })
    })
}

fn evaluation_json(e: &Evaluation) -> serde_json::Value {
    serde_json::json!({"name": e.name, "auc": e.auc, "brier": e.brier, "lift_top_decile": e.lift,
        "mrr_capture_top_decile": e.mrr_capture})
}

fn json(as_of: NaiveDate, tests: &[Backtest]) -> anyhow::Result<String> {
    let tests: Vec<serde_json::Value> = tests
        .iter()
        .map(|t| {
            serde_json::json!({
                "target": t.target.name(),
                "test_from": t.cutoff.to_string(),
                "train_examples": t.train_examples,
                "test_examples": t.test_examples,
                "test_events": t.test_events,
                "history_stride": t.history_stride,
                "model": evaluation_json(&t.model),
                "baselines": t.baselines.iter().map(evaluation_json).collect::<Vec<_>>(),
                "beats_baselines": t.beats_baselines,
                "reliability": t.reliability.iter().map(|b| serde_json::json!({
                    "examples": b.examples, "predicted": b.predicted, "observed": b.observed,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "as_of": as_of.to_string(),
        "method": "L2-regularised logistic regression (lambda 1 on standardised features), trained on monthly snapshots before the test months; time-based split",
        "backtests": tests,
    }))?;
    text.push('\n');
    Ok(text)
}

fn table(tests: &[Backtest]) -> String {
    let f =
        |v: Option<f64>, digits: usize| v.map_or("—".to_string(), |v| format!("{v:.digits$}"));
    let mut text = String::new();
    for t in tests {
        text.push_str(&format!(
            "{}: trained on {} snapshots before {}, tested on {} snapshots from {} on ({} events)\n",
            crate::render::format::capitalised(t.target.name()),
            t.train_examples,
            t.cutoff,
            t.test_examples,
            t.cutoff,
            t.test_events
        ));
        text.push_str("  score                                          AUC   Brier   lift@10%  MRR captured@10%\n");
        for e in std::iter::once(&t.model).chain(&t.baselines) {
            text.push_str(&format!(
                "  {:<45} {:>5}  {:>6}  {:>8}  {:>16}\n",
                e.name,
                f(e.auc, 3),
                f(e.brier, 4),
                f(e.lift, 2),
                e.mrr_capture
                    .map_or("—".into(), |c| format!("{:.1}%", c * 100.0))
            ));
        }
        text.push_str(if t.beats_baselines {
            "  The model ranks better than both baselines (AUC).\n"
        } else {
            "  The model does NOT beat its baselines (AUC): prefer the simpler score.\n"
        });
        text.push_str("  Reliability (tenths by predicted probability): predicted → observed\n");
        for b in &t.reliability {
            text.push_str(&format!(
                "    {:>5.1}% → {:>5.1}% of {}\n",
                b.predicted * 100.0,
                b.observed * 100.0,
                b.examples
            ));
        }
        text.push('\n');
    }
    text
}

/// Runs `scores`.
pub fn run_scores(args: ScoresArgs) -> anyhow::Result<()> {
    with_context(&args.project, args.as_of, |ctx| {
        let Some(mut scores) = Study::new(ctx).and_then(|s| s.scores()) else {
            anyhow::bail!("no model: the history has no MRR or only one outcome");
        };
        let id = |a: u32| {
            ctx.data
                .accounts
                .rows
                .get(a as usize)
                .map_or(String::new(), |r| r.id.clone())
        };
        Ok(match args.format {
            ScoresFormat::Csv => {
                let mut w = ::csv::Writer::from_writer(Vec::new());
                w.write_record(["account_id", "churn_probability", "expansion_probability"])?;
                for s in &scores {
                    w.write_record([
                        id(s.account),
                        format!("{:.6}", s.churn),
                        format!("{:.6}", s.expansion),
                    ])?;
                }
                String::from_utf8(w.into_inner()?)?
            }
            ScoresFormat::Table => {
                scores.sort_by(|a, b| b.churn.total_cmp(&a.churn).then(a.account.cmp(&b.account)));
                let mut text = String::from(
                    "account     churn (90 d)  expansion (180 d)  what raises the churn score\n",
                );
                for s in &scores {
                    let factors: Vec<&str> = s.churn_factors.iter().map(|f| f.0.as_str()).collect();
                    text.push_str(&format!(
                        "{:<10}  {:>11.1}%  {:>16.1}%  {}\n",
                        id(s.account),
                        s.churn * 100.0,
                        s.expansion * 100.0,
                        factors.join(", ")
                    ));
                }
                text
            }
        })
    })
}
