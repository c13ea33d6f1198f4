//! `postsale metrics`: load config and data, compute one period (optionally split by a
//! dimension) with the metric engine, and print a table for people or JSON / CSV for programs.
//! Formatting only: every number comes from `crate::metrics`.

use crate::config::{Config, ConventionsConfig, ForecastMethod};
use crate::data::load::{LoadOptions, load};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::metrics::basis::{self, Basis};
use crate::metrics::breakdown::{self, Dimension};
use crate::metrics::catalog::{self, MetricDef};
use crate::metrics::conventions::{self, ChurnRecognition};
use crate::metrics::{self, Context, Scope, Values, status};
use crate::period::Period;
use crate::render::format;
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;

/// Output format of `postsale metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people: value, previous period, a year ago, status.
    Table,
    /// One JSON object: as_of, period, metrics (and groups with --by).
    Json,
    /// Tidy CSV: period,group,metric,value.
    Csv,
}

/// Arguments of `postsale metrics`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Metric ids to print (default: every metric the project's data supports).
    pub metrics: Vec<String>,
    /// Period: 2026-W47, 2026-10, 2026-Q3, 2026 or ttm (default: the latest complete month).
    #[arg(long)]
    pub period: Option<String>,
    /// Split account-based metrics by an account attribute (segment, region, csm_id, any extra
    /// accounts.csv column) or by acv_band.
    #[arg(long)]
    pub by: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// "Now" for the computation (YYYY-MM-DD); overrides as_of in postsale.yaml.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Compute under a named conventions profile (postsale, chartmogul, profitwell,
    /// baremetrics) instead of the project's `conventions:`.
    #[arg(long)]
    pub profile: Option<String>,
    /// The project folder (with postsale.yaml and data/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command, printing to stdout.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut config = crate::config::load(&args.project)?;
    if let Some(name) = &args.profile {
        check_profile(name)?;
        config.conventions = ConventionsConfig::of_profile(name);
    }
    let as_of = config.resolve_as_of(args.as_of, today());
    if config.engine == crate::config::Engine::Warehouse {
        return warehouse(&args, &config, as_of);
    }
    let data_dir = args.project.join(&config.data_dir);
    // Only the tables the requested metrics read, those they need and those they read when
    // present (`postsale check` validates the rest), and always mrr.csv when present: it says
    // which accounts are active. A metric's value never depends on the others asked for.
    let mut needed: Vec<&'static str> = catalog::CATALOG
        .iter()
        .filter(|m| args.metrics.is_empty() || args.metrics.iter().any(|id| id == m.id))
        .flat_map(|m| {
            m.tables
                .iter()
                .chain(metrics::renewals::also_reads(m.id))
                .copied()
        })
        .chain(["mrr"])
        // Churn at the end of the paid term reads the renewal terms.
        .chain(
            (config.conventions.resolved().churn_recognition == ChurnRecognition::TermEnd)
                .then_some("renewals"),
        )
        .collect();
    // The forecast from history learns from the renewals' stage history.
    if config.renewals.forecast == ForecastMethod::History && needed.contains(&"renewals") {
        needed.push("renewal_stages");
    }
    let options = LoadOptions {
        only: Some(needed),
        ..LoadOptions::from_config(&config)
    };
    let loaded = load(&data_dir, &options)?;
    for warning in &loaded.warnings {
        eprintln!("{warning}");
    }
    let data = loaded.dataset;
    let period = super::period_arg(args.period.as_deref(), &config, as_of)?;
    let selected = select_metrics(&args.metrics, &data)?;
    let ctx = Context {
        data: &data,
        config: &config,
        as_of,
    };
    let dimension = match &args.by {
        Some(name) => {
            Some(Dimension::parse(name, &data.accounts).map_err(|e| anyhow::anyhow!("--by: {e}"))?)
        }
        None => None,
    };
    let total = metrics::compute(&ctx, &period, Scope::All);
    let groups = dimension
        .as_ref()
        .map(|dim| breakdown::breakdown(&ctx, &period, dim));
    let groups = groups.as_deref();

    let text = match args.format {
        Format::Json => json(&config, as_of, &period, &selected, &total, groups)?,
        Format::Csv => csv(&period, &selected, &total, groups)?,
        Format::Table => {
            let previous = period.previous(config.fiscal_year_start);
            let year_ago = period.year_ago(config.fiscal_year_start);
            let before = metrics::compute(&ctx, &previous, Scope::All);
            let last_year = metrics::compute(&ctx, &year_ago, Scope::All);
            table(
                &config,
                &period,
                &selected,
                [&total, &before, &last_year],
                groups,
                [&previous, &year_ago],
            )
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .context("failed to write to stdout")?;
    // The process ends here: let it hand the memory back at once rather than free millions of
    // rows one by one (a tenth of a second on a large data set).
    std::mem::forget(data);
    Ok(())
}

/// Where pushdown's SQL reads each table: the queries and table names of `database: tables:`,
/// the table's own name otherwise.
pub(crate) fn relations(config: &Config) -> crate::pushdown::Relations {
    let mut relations = crate::pushdown::Relations::named();
    if let Some(database) = &config.database {
        for (table, source) in &database.tables {
            relations = relations.with(table, source);
        }
    }
    relations
}

/// `engine: warehouse`: the metrics asked for (default: every metric pushdown computes whose
/// tables `database: tables:` lists) computed as SQL on the database, printed as the in-process
/// engine prints them. A metric pushdown does not compute is an error naming it.
fn warehouse(args: &Args, config: &Config, as_of: NaiveDate) -> anyhow::Result<()> {
    use crate::pushdown::{self, GroupBy, warehouse};
    let Some(database) = &config.database else {
        anyhow::bail!("engine: warehouse needs a database: section in postsale.yaml");
    };
    let listed = |t: &str| database.tables.contains_key(t);
    let ids: Vec<&'static str> = if args.metrics.is_empty() {
        pushdown::supported()
            .filter(|id| pushdown::family(id).is_some_and(|f| f.tables().iter().all(|t| listed(t))))
            .collect()
    } else {
        super::catalog_metrics(&args.metrics, "postsale metrics", |_| None)?
            .into_iter()
            .map(|def| def.id)
            .collect()
    };
    // Every table the SQL reads must be in the database.
    let mut needed: Vec<&str> = ids
        .iter()
        .filter_map(|id| pushdown::family(id))
        .flat_map(|f| f.tables().iter().copied())
        .collect();
    if args.by.is_some() {
        needed.push("accounts");
    }
    if let Some(missing) = needed.iter().find(|t| !listed(t)) {
        anyhow::bail!(
            "engine: warehouse reads {missing} from the database, but database.tables does not \
             list it (add `{missing}: tablename` or a query)"
        );
    }
    let period = super::period_arg(args.period.as_deref(), config, as_of)?;
    let by = match &args.by {
        Some(name) => Some(GroupBy::parse(name).map_err(|e| anyhow::anyhow!("--by: {e}"))?),
        None => None,
    };
    let selected: Vec<&'static MetricDef> = ids.iter().filter_map(|id| catalog::get(id)).collect();
    let mut client = crate::data::source::connect(database, "that engine: warehouse runs on")
        .map_err(|d| Diagnostics(vec![d]))?;
    let relations = relations(config);
    let mut compute = |period: &Period, by: Option<&GroupBy>| {
        warehouse::compute(&mut client, &ids, period, by, config, &relations)
    };
    let now = compute(&period, by.as_ref())?;
    let text = match args.format {
        Format::Json => json(
            config,
            as_of,
            &period,
            &selected,
            &now.total,
            now.groups.as_deref(),
        )?,
        Format::Csv => csv(&period, &selected, &now.total, now.groups.as_deref())?,
        Format::Table => {
            let previous = period.previous(config.fiscal_year_start);
            let year_ago = period.year_ago(config.fiscal_year_start);
            let before = compute(&previous, None)?.total;
            let last_year = compute(&year_ago, None)?.total;
            table(
                config,
                &period,
                &selected,
                [&now.total, &before, &last_year],
                now.groups.as_deref(),
                [&previous, &year_ago],
            )
        }
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .context("failed to write to stdout")
}

/// An error with a suggestion unless `name` is a conventions profile (`--profile`).
pub(crate) fn check_profile(name: &str) -> anyhow::Result<()> {
    if conventions::profile(name).is_some() {
        return Ok(());
    }
    Err(Diagnostics(vec![
        Diagnostic::file_error(
            "postsale",
            format!("--profile: unknown conventions profile '{name}'"),
        )
        .with_help(did_you_mean(name, &conventions::profile_names())),
    ])
    .into())
}

/// Today's date (UTC) from the system clock: the default as-of date.
pub(crate) fn today() -> NaiveDate {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0);
    NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(days)))
        .unwrap_or_default()
}

/// The metrics to print: the ids asked for (each must exist and have its tables), or every
/// catalog metric whose tables are present.
fn select_metrics(
    requested: &[String],
    data: &crate::data::Dataset,
) -> anyhow::Result<Vec<&'static MetricDef>> {
    if requested.is_empty() {
        return Ok(catalog::CATALOG
            .iter()
            .filter(|m| missing_table(m, data).is_none())
            .collect());
    }
    Ok(super::catalog_metrics(
        requested,
        "postsale metrics",
        |def| {
            missing_table(def, data).map(|table| {
                format!(
                    "metric '{}' needs {table}.csv, which the project does not have",
                    def.id
                )
            })
        },
    )?)
}

/// The first table `def` needs that the data set lacks.
fn missing_table(def: &MetricDef, data: &crate::data::Dataset) -> Option<&'static str> {
    def.tables
        .iter()
        .copied()
        .find(|table| !data.has_table(table))
}

fn json_number(value: metrics::Value) -> serde_json::Value {
    value
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn json_metrics(selected: &[&MetricDef], values: &Values) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = selected
        .iter()
        .map(|def| {
            (
                def.id.to_string(),
                json_number(values.get(def.id).copied().flatten()),
            )
        })
        .collect();
    serde_json::Value::Object(map)
}

/// The JSON object of PRODUCT.md: as_of, period {id, start, end}, metrics, and groups with --by.
fn json(
    config: &Config,
    as_of: NaiveDate,
    period: &Period,
    selected: &[&MetricDef],
    total: &Values,
    groups: Option<&[(String, Values)]>,
) -> anyhow::Result<String> {
    let mut object = serde_json::json!({
        "as_of": as_of.to_string(),
        "period": {"id": period.id, "start": period.start.to_string(), "end": period.end.to_string()},
        "metrics": json_metrics(selected, total),
    });
    if let (Some(groups), Some(map)) = (groups, object.as_object_mut()) {
        let groups: serde_json::Map<String, serde_json::Value> = groups
            .iter()
            .map(|(label, values)| (label.clone(), json_metrics(selected, values)))
            .collect();
        map.insert("groups".into(), serde_json::Value::Object(groups));
    }
    if let (Some(note), Some(map)) = (conventions_note(config), object.as_object_mut()) {
        map.insert("conventions".into(), serde_json::Value::String(note));
    }
    let mut text = serde_json::to_string_pretty(&object)?;
    text.push('\n');
    Ok(text)
}

/// Tidy CSV, one row per (group, metric); the total has an empty group.
fn csv(
    period: &Period,
    selected: &[&MetricDef],
    total: &Values,
    groups: Option<&[(String, Values)]>,
) -> anyhow::Result<String> {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    writer.write_record(["period", "group", "metric", "value"])?;
    let mut rows = vec![("", total)];
    if let Some(groups) = groups {
        rows.extend(
            groups
                .iter()
                .map(|(label, values)| (label.as_str(), values)),
        );
    }
    for (group, values) in rows {
        for def in selected {
            let value = values
                .get(def.id)
                .copied()
                .flatten()
                .map(|v| v.to_string())
                .unwrap_or_default();
            writer.write_record([period.id.as_str(), group, def.id, value.as_str()])?;
        }
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// Aligned text: without --by, value / previous / year ago / status per metric; with --by, one
/// column per group beside the total.
fn table(
    config: &Config,
    period: &Period,
    selected: &[&MetricDef],
    [total, previous, year_ago]: [&Values; 3],
    groups: Option<&[(String, Values)]>,
    [previous_period, year_ago_period]: [&Period; 2],
) -> String {
    let get = |values: &Values, def: &MetricDef| values.get(def.id).copied().flatten();
    let show =
        |values: &Values, def: &MetricDef| format::value(def, get(values, def), &config.currency);
    let mut rows: Vec<Vec<String>> = Vec::new();
    match groups {
        None => {
            rows.push(
                [
                    "Metric",
                    "Value",
                    &format!("vs {}", previous_period.id),
                    &format!("vs {}", year_ago_period.id),
                    "Status",
                ]
                .map(String::from)
                .to_vec(),
            );
            for def in selected {
                let value = get(total, def);
                // A rate is named and judged on its basis (a month's NRR has no annual target).
                let basis = Basis::of(def, period);
                let judged = basis::judge(def, value, basis, config.target(def.id, basis));
                let state = judged.status;
                let band = match judged.why_neutral {
                    Some(_) => "",
                    None => status::band(def, value).map(|b| b.label).unwrap_or(""),
                };
                rows.push(vec![
                    basis::named(def, basis),
                    show(total, def),
                    // A snapshot (as of today) has no earlier value to compare with.
                    format::change(
                        def,
                        value,
                        get(previous, def).filter(|_| !def.is_snapshot()),
                    ),
                    format::change(
                        def,
                        value,
                        get(year_ago, def).filter(|_| !def.is_snapshot()),
                    ),
                    if band.is_empty() || band == state.label() {
                        state.label().to_string()
                    } else {
                        format!("{} ({band})", state.label())
                    },
                ]);
            }
        }
        Some(groups) => {
            let mut header = vec!["Metric".to_string(), "Total".to_string()];
            header.extend(groups.iter().map(|(label, _)| label.clone()));
            rows.push(header);
            for def in selected {
                let mut row = vec![def.name.to_string(), show(total, def)];
                row.extend(groups.iter().map(|(_, values)| show(values, def)));
                rows.push(row);
            }
        }
    }
    let mut text = format!(
        "{} — {} ({} to {})\n\n",
        config.name,
        period.label(),
        period.start,
        period.end
    );
    text.push_str(&format::text_table(&rows, &[0]));
    if let Some(note) = conventions_note(config) {
        text.push_str(&format!("\nConventions: {note}\n"));
    }
    text
}

/// The conventions the numbers follow, when they are not postsale's default.
fn conventions_note(config: &Config) -> Option<String> {
    let c = &config.conventions;
    (c.profile_name() != "postsale" || c.resolved() != conventions::Conventions::default())
        .then(|| c.label())
}
