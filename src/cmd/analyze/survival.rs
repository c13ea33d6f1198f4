//! `postsale analyze survival`: Kaplan–Meier curves of customer lifetime from
//! `metrics::survival`, overall or by a dimension, as a table for people, CSV
//! (`group,month,at_risk,events,survival,lower,upper`) or JSON. Formatting only.

use crate::metrics::breakdown::{self, Dimension};
use crate::metrics::conventions::ChurnRecognition;
use crate::metrics::survival::{self, Curve, LogRank, Spell};
use crate::metrics::{Context, Scope};
use crate::period::{Period, PeriodKind};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Per group: accounts, churned, median lifetime, survival at 12, 24 and 36 months with
    /// intervals, the restricted mean lifetime; then the log-rank test.
    Table,
    /// One row per group and month: group,month,at_risk,events,survival,lower,upper.
    Csv,
    /// One JSON object: as_of, last_month, by, groups (with their steps), log_rank.
    Json,
}

/// Arguments of `postsale analyze survival`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Split by an account attribute (segment, industry, region, source, plan, csm_id, any extra
    /// accounts.csv column) or by cohort (the quarter of the first MRR).
    #[arg(long)]
    pub by: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// "Now" (YYYY-MM-DD); spells are censored at the latest complete month before it.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Compute under a named conventions profile (churn at the MRR stop or at the term end).
    #[arg(long)]
    pub profile: Option<String>,
    /// The project folder.
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// One group's curve.
struct Group {
    name: String,
    spells: Vec<Spell>,
    curve: Curve,
}

/// Runs the command, printing to stdout.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (config, as_of, data) = super::load_project(
        &args.project,
        args.as_of,
        args.profile.as_deref(),
        |config| {
            let mut tables = vec!["mrr"];
            if config.conventions.resolved().churn_recognition == ChurnRecognition::TermEnd {
                tables.push("renewals");
            }
            Some(tables)
        },
    )?;
    if data.mrr.is_none() {
        anyhow::bail!("survival needs mrr.csv, which the project does not have");
    }
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let last = Period::latest_complete(PeriodKind::Month, as_of, config.fiscal_year_start);
    let masks: Vec<(String, Option<Vec<bool>>)> = match &args.by {
        None => vec![("all".to_string(), None)],
        Some(name) => {
            let dim =
                Dimension::parse(name, &data.accounts).map_err(|e| anyhow::anyhow!("--by: {e}"))?;
            if dim == Dimension::AcvBand {
                anyhow::bail!(
                    "--by acv_band: an account's band is its ARR at a period's start, which a \
                     churned account no longer has; split by segment or cohort instead"
                );
            }
            breakdown::groups(&ctx, &dim, &last)
                .into_iter()
                .map(|(label, mask)| (label, Some(mask)))
                .collect()
        }
    };
    let groups: Vec<Group> = masks
        .into_iter()
        .map(|(name, mask)| {
            let scope = mask.as_deref().map_or(Scope::All, Scope::Only);
            let spells: Vec<Spell> = survival::spells_as_of(&ctx, scope)
                .into_iter()
                .map(|(_, s)| s)
                .collect();
            let curve = survival::kaplan_meier(&spells);
            Group {
                name,
                spells,
                curve,
            }
        })
        // A group without a paying account (no cohort, say) has no curve.
        .filter(|g| !g.spells.is_empty())
        .collect();
    let test = (groups.len() > 1)
        .then(|| {
            let parts: Vec<&[Spell]> = groups.iter().map(|g| g.spells.as_slice()).collect();
            survival::log_rank(&parts)
        })
        .flatten();
    let horizon = (config.ltv.max_lifetime_years * 12.0).round().max(0.0) as u32;
    let text = match args.format {
        Format::Csv => csv(&groups)?,
        Format::Json => json(as_of, &last, args.by.as_deref(), &groups, test, horizon)?,
        Format::Table => table(&last, &groups, test, horizon),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    Ok(())
}

/// A probability with six decimals.
fn p6(v: f64) -> String {
    format!("{v:.6}")
}

fn csv(groups: &[Group]) -> anyhow::Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record([
        "group", "month", "at_risk", "events", "survival", "lower", "upper",
    ])?;
    for g in groups {
        for s in &g.curve.steps {
            w.write_record([
                g.name.clone(),
                s.month.to_string(),
                s.at_risk.to_string(),
                s.events.to_string(),
                p6(s.survival),
                p6(s.lower),
                p6(s.upper),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn json(
    as_of: NaiveDate,
    last: &Period,
    by: Option<&str>,
    groups: &[Group],
    test: Option<LogRank>,
    horizon: u32,
) -> anyhow::Result<String> {
    let groups: Vec<serde_json::Value> = groups
        .iter()
        .map(|g| {
            let steps: Vec<serde_json::Value> = g
                .curve
                .steps
                .iter()
                .map(|s| {
                    serde_json::json!({"month": s.month, "at_risk": s.at_risk, "events": s.events,
                        "survival": s.survival, "lower": s.lower, "upper": s.upper})
                })
                .collect();
            serde_json::json!({"group": g.name, "accounts": g.curve.subjects,
                "churned": g.curve.events, "median_months": g.curve.median,
                "restricted_mean_months": g.curve.restricted_mean(horizon),
                "horizon_months": horizon, "steps": steps})
        })
        .collect();
    let object = serde_json::json!({
        "as_of": as_of.to_string(),
        "last_month": last.id,
        "by": by,
        "groups": groups,
        "log_rank": test.map(|t| serde_json::json!({"chi2": t.chi2, "df": t.df, "p": t.p})),
    });
    let mut text = serde_json::to_string_pretty(&object)?;
    text.push('\n');
    Ok(text)
}

fn table(last: &Period, groups: &[Group], test: Option<LogRank>, horizon: u32) -> String {
    let at = |c: &Curve, m: u32| -> String {
        if c.steps.last().is_none_or(|s| s.month < m) {
            return "—".into();
        }
        let s = c.steps.iter().take_while(|s| s.month <= m).last().copied();
        s.map_or("—".into(), |s| {
            format!(
                "{:.1}% ({:.1}–{:.1})",
                s.survival * 100.0,
                s.lower * 100.0,
                s.upper * 100.0
            )
        })
    };
    let mut rows = vec![vec![
        "group".to_string(),
        "accounts".into(),
        "churned".into(),
        "median".into(),
        "after 12 months".into(),
        "after 24 months".into(),
        "after 36 months".into(),
        format!("mean lifetime (≤ {horizon} months)"),
    ]];
    for g in groups {
        let c = &g.curve;
        rows.push(vec![
            g.name.clone(),
            c.subjects.to_string(),
            c.events.to_string(),
            c.median
                .map_or("not reached".into(), |m| format!("{m} months")),
            at(c, 12),
            at(c, 24),
            at(c, 36),
            c.restricted_mean(horizon)
                .map_or("—".into(), |m| format!("{:.1} years", m / 12.0)),
        ]);
    }
    let mut text = format!(
        "Customer lifetime: first subscription spells, censored at {} (Kaplan–Meier, 95% Greenwood intervals; \
         accounts paying before the data starts counted from signed_on)\n\n",
        last.label()
    );
    text.push_str(&crate::render::format::text_table(&rows, &[0]));
    if let Some(t) = test {
        text.push_str(&format!(
            "\nLog-rank test of equal survival across the groups: chi² = {:.2}, df = {}, p {}\n",
            t.chi2,
            t.df,
            if t.p < 0.0001 {
                "< 0.0001".to_string()
            } else {
                format!("= {:.4}", t.p)
            }
        ));
    }
    text
}
