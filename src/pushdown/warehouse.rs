//! `engine: warehouse`: runs the generated queries on a database and turns their sums into the
//! metric values the in-process engine would print, total and per group.

use super::{Dialect, GroupBy, Query, Relations, ResultSet, Spec, plan};
use crate::config::Config;
use crate::diagnostic::did_you_mean;
use crate::metrics::Values;
use crate::period::Period;

/// A connection that runs one SQL statement and returns its columns and text cells.
pub trait Database {
    /// Runs `sql`; the error says what the server answered.
    fn rows(&mut self, sql: &str) -> Result<Table, String>;
}

impl Database for crate::data::postgres::Client {
    fn rows(&mut self, sql: &str) -> Result<Table, String> {
        self.query(sql)
            .map(|r| Table {
                columns: r.columns,
                rows: r.rows,
            })
            .map_err(|e| e.to_string())
    }
}

/// A result: column names and rows of text cells (NULL as None).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// The values of `metrics` for `period` computed by the database: the total, and the groups of
/// `by` (in the breakdown's order) when asked.
#[derive(Debug, Clone, Default)]
pub struct Computed {
    pub total: Values,
    pub groups: Option<Vec<(String, Values)>>,
    /// The dialect the server was found to speak.
    pub dialect: Option<Dialect>,
}

/// The dialect of the server behind `db`, from `SELECT version()`.
pub fn dialect(db: &mut dyn Database) -> Result<Dialect, String> {
    let table = db.rows("SELECT version()")?;
    let text = table
        .rows
        .first()
        .and_then(|r| r.first())
        .and_then(|c| c.as_deref())
        .unwrap_or_default();
    Ok(Dialect::detect(text))
}

/// Computes `metrics` on the database: one query per family for the total and, with `by`, one
/// per family for the groups.
pub fn compute(
    db: &mut dyn Database,
    metrics: &[&str],
    period: &Period,
    by: Option<&GroupBy>,
    config: &Config,
    relations: &Relations,
) -> anyhow::Result<Computed> {
    let dialect = dialect(db).map_err(|e| anyhow::anyhow!("the database: {e}"))?;
    if let Some(GroupBy::Column(column)) = by {
        check_column(db, relations, column)?;
    }
    let mut out = Computed {
        dialect: Some(dialect),
        ..Computed::default()
    };
    let mut groups: Vec<(String, Values)> = Vec::new();
    let groupings = match by {
        Some(b) => vec![None, Some(b)],
        None => vec![None],
    };
    for grouping in groupings {
        let spec = Spec {
            period,
            by: grouping,
            config,
            dialect,
            relations,
        };
        for query in plan(metrics, &spec)? {
            let rows = run(db, &query, &spec)?;
            for (label, values) in rows {
                match label {
                    None => out.total.extend(values),
                    Some(label) => match groups.iter_mut().find(|(l, _)| *l == label) {
                        Some((_, existing)) => existing.extend(values),
                        None => groups.push((label, values)),
                    },
                }
            }
        }
    }
    if let Some(by) = by {
        // The families' groups merged in first-seen order: put them in the breakdown's order.
        let spec = Spec {
            period,
            by: Some(by),
            config,
            dialect,
            relations,
        };
        let mut labelled: Vec<(Option<String>, Values)> =
            groups.into_iter().map(|(l, v)| (Some(l), v)).collect();
        super::sort_groups(&spec, &mut labelled);
        out.groups = Some(
            labelled
                .into_iter()
                .map(|(l, v)| (l.unwrap_or_default(), v))
                .collect(),
        );
    }
    Ok(out)
}

/// Runs one query and evaluates its rows.
fn run(
    db: &mut dyn Database,
    query: &Query,
    spec: &Spec,
) -> anyhow::Result<Vec<(Option<String>, Values)>> {
    let table = db
        .rows(&query.sql)
        .map_err(|e| anyhow::anyhow!("the {:?} query failed: {e}", query.family))?;
    super::evaluate(
        query,
        spec,
        ResultSet {
            columns: &table.columns,
            rows: &table.rows,
        },
    )
    .map_err(|e| anyhow::anyhow!("the {:?} query's result: {e}", query.family))
}

/// An error naming the accounts columns unless `column` is one of them.
fn check_column(db: &mut dyn Database, relations: &Relations, column: &str) -> anyhow::Result<()> {
    let table = db
        .rows(&format!(
            "SELECT * FROM {} WHERE 1 = 0",
            relations.of("accounts", "ac")
        ))
        .map_err(|e| anyhow::anyhow!("reading the columns of accounts: {e}"))?;
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if columns.iter().any(|c| c == column) {
        return Ok(());
    }
    let known: Vec<&str> = columns
        .iter()
        .map(String::as_str)
        .filter(|c| *c != "account_id" && *c != "name")
        .chain(["acv_band", "cohort"])
        .collect();
    anyhow::bail!(
        "--by: unknown dimension '{column}', not a column of accounts in the database ({})",
        did_you_mean(column, &known)
    )
}

/// The cohort retention triangle up to `period`'s last month, computed by the database.
pub fn cohort_triangle(
    db: &mut dyn Database,
    period: &Period,
    grain: crate::metrics::cohorts::CohortGrain,
    config: &Config,
    relations: &Relations,
) -> anyhow::Result<Vec<crate::metrics::cohorts::CohortRow>> {
    let dialect = dialect(db).map_err(|e| anyhow::anyhow!("the database: {e}"))?;
    let spec = Spec {
        period,
        by: None,
        config,
        dialect,
        relations,
    };
    let table = db
        .rows(&super::cohorts::sql(&spec, grain))
        .map_err(|e| anyhow::anyhow!("the cohort query failed: {e}"))?;
    super::cohorts::evaluate(
        &spec,
        grain,
        ResultSet {
            columns: &table.columns,
            rows: &table.rows,
        },
    )
    .map_err(|e| anyhow::anyhow!("the cohort query's result: {e}"))
}
