//! Pushdown: the metric definitions of the catalog as SQL, for data too large to move. A
//! family of metrics (the revenue movements and cohort rates of mrr; the renewals due in a
//! period) becomes one query that returns, per group, the exact integer sums the engine's
//! formulas start from (cents and counts) beside readable metric columns; `postsale metrics`
//! under `engine: warehouse` reads the sums and finishes each metric with the engine's own
//! arithmetic, so its output is the in-process engine's to the last digit. `postsale sql`
//! prints the same queries for an analyst.
//!
//! The SQL is the subset PostgreSQL-protocol engines that scale out share; where they differ,
//! `dialect` spells it. Only the default metric conventions and those the SQL reproduces are
//! supported: churn recognised at the end of the paid term is refused (`Unsupported`).

pub mod cohorts;
pub mod dialect;
mod health;
pub mod load;
mod renewals;
mod revenue;
pub mod warehouse;

pub use dialect::Dialect;

use crate::config::Config;
use crate::metrics::Values;
use crate::metrics::breakdown::{self, NO_ARR_LABEL, NONE_LABEL};
use crate::metrics::catalog;
use crate::metrics::conventions::{ChurnRecognition, Conventions};
use crate::period::Period;
use dialect::{ident, literal};
use std::collections::BTreeMap;
use std::fmt;

/// The families of metrics pushdown computes, one query each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// mrr: the movements, the bridge, NRR, GRR, logo churn, expansion rate, ARPA.
    Revenue,
    /// renewals: counts and ARR due, renewed, churned, the renewal rates.
    Renewals,
    /// health (and mrr for the paying accounts): the health distribution and drops.
    Health,
}

impl Family {
    /// The metric ids of the family, in catalog order.
    pub fn metrics(self) -> &'static [&'static str] {
        match self {
            Family::Revenue => revenue::METRICS,
            Family::Renewals => renewals::METRICS,
            Family::Health => health::METRICS,
        }
    }

    /// The tables the family's query reads (accounts only to group).
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            Family::Revenue => &["mrr"],
            Family::Renewals => &["renewals"],
            Family::Health => &["health", "mrr"],
        }
    }
}

/// The family that computes metric `id`, if pushdown computes it.
pub fn family(id: &str) -> Option<Family> {
    [Family::Revenue, Family::Renewals, Family::Health]
        .into_iter()
        .find(|f| f.metrics().contains(&id))
}

/// Every metric id pushdown computes, in catalog order.
pub fn supported() -> impl Iterator<Item = &'static str> {
    catalog::CATALOG
        .iter()
        .map(|d| d.id)
        .filter(|id| family(id).is_some())
}

/// What pushdown cannot do, with what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsupported {
    /// Metrics computed only in process.
    Metrics(Vec<String>),
    /// A metric convention the SQL does not reproduce.
    Convention(&'static str),
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Unsupported::Metrics(ids) => write!(
                f,
                "pushdown does not compute {} (it computes: {}); run them with `engine: \
                 in-process`",
                ids.join(", "),
                supported().collect::<Vec<_>>().join(", ")
            ),
            Unsupported::Convention(what) => write!(
                f,
                "pushdown does not support the convention {what}; use `engine: in-process` or \
                 another conventions profile"
            ),
        }
    }
}

impl std::error::Error for Unsupported {}

/// What a breakdown splits accounts by, as columns of the accounts table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// A column of accounts (segment, region, csm_id, or any other, lower case).
    Column(String),
    /// ARR at the start of the period (12 × MRR of the month before it) in the configured bands.
    AcvBand,
    /// The calendar quarter of the account's first MRR month.
    Cohort,
}

impl GroupBy {
    /// Parses a dimension name as `metrics --by` does (case-insensitive): acv_band, cohort, or
    /// a column of the accounts table (a plain identifier).
    pub fn parse(name: &str) -> Result<GroupBy, String> {
        let lower = name.trim().to_ascii_lowercase();
        match lower.as_str() {
            "acv_band" => return Ok(GroupBy::AcvBand),
            "cohort" => return Ok(GroupBy::Cohort),
            _ => {}
        }
        let plain = lower
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && lower.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if plain {
            Ok(GroupBy::Column(lower))
        } else {
            let mut known: Vec<&str> = breakdown::ATTRIBUTES.to_vec();
            known.extend(["acv_band", "cohort"]);
            Err(format!(
                "unknown dimension '{name}' (expected {} or another column of accounts)",
                known.join(", ")
            ))
        }
    }

    /// The name as on the command line.
    pub fn name(&self) -> &str {
        match self {
            GroupBy::Column(c) => c,
            GroupBy::AcvBand => "acv_band",
            GroupBy::Cohort => "cohort",
        }
    }

    /// Whether the group label needs the account's MRR (its start ARR or first month).
    fn needs_mrr(&self) -> bool {
        !matches!(self, GroupBy::Column(_))
    }
}

/// Where the SQL reads each table: a table name (`mrr`, `analytics.mrr`) or a query of its own.
#[derive(Debug, Clone, Default)]
pub struct Relations {
    sources: BTreeMap<String, String>,
}

impl Relations {
    /// Every table read under its own name.
    pub fn named() -> Relations {
        Relations::default()
    }

    /// Reads `table` from `source`: a table name, or a query (`select ...`, `with ...`).
    pub fn with(mut self, table: &str, source: &str) -> Relations {
        self.sources.insert(table.to_string(), source.to_string());
        self
    }

    /// The relation to write after FROM for `table`, aliased `alias`.
    fn of(&self, table: &str, alias: &str) -> String {
        let source = self
            .sources
            .get(table)
            .map_or(table, |s| s.trim().trim_end_matches(';').trim());
        // A query starts with the word select or with (a table may be called `selections`).
        let word: String = source
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_lowercase();
        if (word == "select" || word == "with") && source.len() > word.len() {
            format!("(\n    {source}\n  ) AS {alias}")
        } else {
            format!("{source} AS {alias}")
        }
    }
}

/// Everything a query depends on.
#[derive(Debug, Clone, Copy)]
pub struct Spec<'a> {
    pub period: &'a Period,
    pub by: Option<&'a GroupBy>,
    pub config: &'a Config,
    pub dialect: Dialect,
    pub relations: &'a Relations,
}

impl Spec<'_> {
    fn conventions(&self) -> Conventions {
        self.config.conventions.resolved()
    }
}

/// One generated query: the family, the metrics asked of it (readable columns), and the SQL.
#[derive(Debug, Clone)]
pub struct Query {
    pub family: Family,
    pub metrics: Vec<&'static str>,
    pub sql: String,
}

/// The queries computing `metrics` (ids), one per family, in family order: an error naming
/// what pushdown does not compute or the convention it does not reproduce.
pub fn plan(metrics: &[&str], spec: &Spec) -> Result<Vec<Query>, Unsupported> {
    let unsupported: Vec<String> = metrics
        .iter()
        .filter(|id| family(id).is_none())
        .map(|id| id.to_string())
        .collect();
    if !unsupported.is_empty() {
        return Err(Unsupported::Metrics(unsupported));
    }
    let mut by_family: BTreeMap<Family, Vec<&'static str>> = BTreeMap::new();
    for def in catalog::CATALOG {
        if metrics.contains(&def.id)
            && let Some(f) = family(def.id)
        {
            by_family.entry(f).or_default().push(def.id);
        }
    }
    if by_family.contains_key(&Family::Revenue)
        && spec.conventions().churn_recognition == ChurnRecognition::TermEnd
    {
        return Err(Unsupported::Convention(
            "churn_recognition: term_end (churn at the end of the paid term, which reads each \
             account's renewal terms month by month)",
        ));
    }
    Ok(by_family
        .into_iter()
        .map(|(family, ids)| {
            let body = match family {
                Family::Revenue => revenue::sql(spec, &ids),
                Family::Renewals => renewals::sql(spec, &ids),
                Family::Health => health::sql(spec, &ids),
            };
            Query {
                family,
                sql: format!("{}{body}", header(spec, &ids)),
                metrics: ids,
            }
        })
        .collect())
}

/// The comment block opening a query: what it computes, over which months and groups, and the
/// definition of each metric from the catalog.
fn header(spec: &Spec, ids: &[&'static str]) -> String {
    let (s, e) = spec.period.months();
    let mut text = format!(
        "-- postsale {}: {} ({} to {}; revenue months {} to {})\n",
        env!("CARGO_PKG_VERSION"),
        spec.period.label(),
        spec.period.start,
        spec.period.end,
        s,
        e,
    );
    text.push_str(&format!(
        "-- Groups: {}. Dialect: {}. Conventions: {}.\n",
        spec.by.map_or("none (the total)".to_string(), |b| format!(
            "by {}",
            b.name()
        )),
        spec.dialect,
        spec.conventions().describe(),
    ));
    text.push_str(
        "-- Money in integer cents; months numbered year * 12 + month - 1. The *_cents and count\n\
         -- columns are the exact sums `postsale metrics` finishes the metrics from.\n--\n",
    );
    for id in ids {
        if let Some(def) = catalog::get(id) {
            text.push_str(&wrap_comment(&format!(
                "{} ({}): {}",
                def.id, def.name, def.formula
            )));
        }
    }
    text
}

/// `text` as `--` comment lines of at most 100 characters.
fn wrap_comment(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("--");
    for word in text.split_whitespace() {
        if line.chars().count() + 1 + word.chars().count() > 100 && line.len() > 2 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("--  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The CTEs that read mrr as integer cents per (account, month number), and per account the MRR
/// of the month before the period (`start_cents`), of its last month (`end_cents`), of twelve
/// months before that (`year_ago_cents`) and its first month with MRR (`first_month`).
fn mrr_ctes(spec: &Spec) -> String {
    let d = spec.dialect;
    let (s, e) = spec.period.months();
    format!(
        "mrr_cents AS (\n\
         -- mrr(a, m) in integer cents; a missing (account, month) is 0\n\
         \x20 SELECT src.account_id AS account_id,\n\
         \x20        {month} AS m,\n\
         \x20        {cents} AS cents\n\
         \x20 FROM {relation}\n\
         ),\n\
         per_account AS (\n\
         -- start_a = mrr(a, {before}), end_a = mrr(a, {e}), mrr(a, {year_ago}) and a's first month with MRR\n\
         \x20 SELECT account_id,\n\
         \x20        SUM(CASE WHEN m = {before_n} THEN cents ELSE 0 END) AS start_cents,\n\
         \x20        SUM(CASE WHEN m = {e_n} THEN cents ELSE 0 END) AS end_cents,\n\
         \x20        SUM(CASE WHEN m = {year_ago_n} THEN cents ELSE 0 END) AS year_ago_cents,\n\
         \x20        MIN(CASE WHEN cents > 0 THEN m END) AS first_month\n\
         \x20 FROM mrr_cents\n\
         \x20 GROUP BY account_id\n\
         )",
        month = d.month_number("src.month"),
        cents = d.cents("src.mrr"),
        relation = spec.relations.of("mrr", "src"),
        before = s.prev(),
        before_n = s.prev().0,
        e_n = e.0,
        year_ago = e.plus(-12),
        year_ago_n = e.plus(-12).0,
    )
}

/// The CTE `grouped (account_id, group_label)`: each account of accounts with its group's
/// label, as the in-process breakdown labels it. The ACV band and cohort read `per_account`.
fn grouped_cte(spec: &Spec, by: &GroupBy) -> String {
    let d = spec.dialect;
    let (s, _) = spec.period.months();
    let label = match by {
        GroupBy::Column(column) => format!(
            "COALESCE(NULLIF({}, ''), {})",
            d.text(&format!("ac.{}", ident(column))),
            literal(NONE_LABEL)
        ),
        GroupBy::AcvBand => {
            let bounds = &spec.config.acv_bands;
            let names = breakdown::acv_band_labels(bounds);
            let mut case = format!(
                "CASE WHEN COALESCE(pa.start_cents, 0) <= 0 THEN {}",
                literal(NO_ARR_LABEL)
            );
            for (bound, name) in bounds.iter().zip(&names) {
                // ARR = 12 × start MRR, compared in cents with the bound in currency units.
                case.push_str(&format!(
                    "\n              WHEN 12 * pa.start_cents < {} THEN {}",
                    bound_cents(*bound),
                    literal(name)
                ));
            }
            case.push_str(&format!(
                "\n              ELSE {} END",
                literal(names.last().map_or("", String::as_str))
            ));
            case
        }
        GroupBy::Cohort => format!(
            "CASE WHEN pa.first_month IS NULL THEN {none}\n\
             \x20             ELSE CAST(pa.first_month / 12 AS VARCHAR(11)) || '-Q'\n\
             \x20                  || CAST(MOD(pa.first_month, 12) / 3 + 1 AS VARCHAR(1)) END",
            none = literal(NONE_LABEL)
        ),
    };
    let comment = match by {
        GroupBy::Column(c) => format!("accounts.{c}, empty as '{NONE_LABEL}'"),
        GroupBy::AcvBand => format!(
            "the ACV band of 12 x mrr(a, {}), without it '{NO_ARR_LABEL}'",
            s.prev()
        ),
        GroupBy::Cohort => "the calendar quarter of the first month with MRR".to_string(),
    };
    let join = if by.needs_mrr() {
        "\n  LEFT JOIN per_account AS pa ON pa.account_id = ac.account_id"
    } else {
        ""
    };
    format!(
        "grouped AS (\n\
         -- each account's group: {comment}\n\
         \x20 SELECT ac.account_id AS account_id,\n\
         \x20        {label} AS group_label\n\
         \x20 FROM {accounts}{join}\n\
         )",
        accounts = spec.relations.of("accounts", "ac"),
    )
}

/// An ACV bound in currency units as integer cents of ARR.
fn bound_cents(bound: f64) -> i64 {
    (bound * 100.0).round() as i64
}

/// `COALESCE(SUM(expr), 0) AS name`, one aggregate column.
fn sum(expr: &str, name: &str) -> String {
    format!("COALESCE(SUM({expr}), 0) AS {name}")
}

/// The part of a family's query that sums its rows per group.
struct Totals<'a> {
    /// The rows summed, with their aliases: `due AS r`.
    rows: &'a str,
    /// The same rows joined to each account of a group (`g`): `LEFT JOIN due AS r ON
    /// r.account_id = g.account_id`, so an empty group still has its row of zeros.
    joined: &'a str,
    /// What the sums are, for the comment above them.
    comment: String,
    /// The sums ([`sum`]).
    columns: &'a [String],
}

/// A family's whole query: its `ctes`, the `totals` CTE (one row, or one per group of
/// `spec.by` in label order) and the final SELECT of every total with the readable metric
/// columns (`expression AS metric_id`).
fn totals_query(
    spec: &Spec,
    mut ctes: Vec<String>,
    totals: Totals,
    readable: Vec<String>,
) -> String {
    let (from, label, group, order) = match spec.by {
        Some(by) => {
            ctes.push(grouped_cte(spec, by));
            (
                format!("grouped AS g\n  {}", totals.joined),
                "g.group_label,\n         ",
                "\n  GROUP BY g.group_label",
                "\nORDER BY group_label",
            )
        }
        None => (totals.rows.to_string(), "", "", ""),
    };
    ctes.push(format!(
        "totals AS (\n\
         -- {comment}\n\
         \x20 SELECT {label}{columns}\n\
         \x20 FROM {from}{group}\n\
         )",
        comment = totals.comment,
        columns = totals.columns.join(",\n         "),
    ));
    format!(
        "WITH\n{}\nSELECT totals.*,\n       {}\nFROM totals{order};\n",
        ctes.join(",\n"),
        readable.join(",\n       ")
    )
}

/// A query's result as returned by the database: column names and text cells (NULL as None).
#[derive(Debug, Clone, Copy)]
pub struct ResultSet<'a> {
    pub columns: &'a [String],
    pub rows: &'a [Vec<Option<String>>],
}

/// One result row by column name.
struct Row<'a> {
    set: ResultSet<'a>,
    cells: &'a [Option<String>],
}

impl Row<'_> {
    fn text(&self, column: &str) -> Result<Option<&str>, String> {
        let i = self
            .set
            .columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(column))
            .ok_or_else(|| format!("the result has no column {column}"))?;
        Ok(self.cells.get(i).and_then(|c| c.as_deref()))
    }

    /// An integer sum (NUMERIC without decimals or BIGINT), exact.
    fn int(&self, column: &str) -> Result<i64, String> {
        let text = self
            .text(column)?
            .ok_or_else(|| format!("column {column} is NULL, expected an integer"))?;
        let trimmed = text.trim();
        let whole = trimmed
            .split_once('.')
            .filter(|(_, frac)| frac.bytes().all(|b| b == b'0'))
            .map_or(trimmed, |(w, _)| w);
        whole
            .parse::<i64>()
            .map_err(|_| format!("column {column}: found '{text}', expected an integer"))
    }

    fn count(&self, column: &str) -> Result<u64, String> {
        let n = self.int(column)?;
        u64::try_from(n).map_err(|_| format!("column {column}: found {n}, expected a count"))
    }
}

/// The metric values of each row of a query's result: (group label or None for the total,
/// values of every metric of the family), groups sorted as the in-process breakdown sorts them.
pub fn evaluate(
    query: &Query,
    spec: &Spec,
    result: ResultSet,
) -> Result<Vec<(Option<String>, Values)>, String> {
    let mut out = Vec::new();
    for cells in result.rows {
        let row = Row { set: result, cells };
        let label = if spec.by.is_some() {
            Some(
                row.text("group_label")?
                    .ok_or("a group label is NULL")?
                    .to_string(),
            )
        } else {
            None
        };
        let values = match query.family {
            Family::Revenue => revenue::evaluate(spec, &row)?,
            Family::Renewals => renewals::evaluate(spec, &row)?,
            Family::Health => health::evaluate(spec, &row)?,
        };
        out.push((label, values));
    }
    sort_groups(spec, &mut out);
    Ok(out)
}

/// Groups in the breakdown's order: by label, ACV bands in ascending order.
fn sort_groups(spec: &Spec, rows: &mut [(Option<String>, Values)]) {
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    if spec.by == Some(&GroupBy::AcvBand) {
        let order = breakdown::acv_band_labels(&spec.config.acv_bands);
        let rank = |label: &Option<String>| {
            order
                .iter()
                .position(|o| Some(o) == label.as_ref())
                .unwrap_or(order.len())
        };
        rows.sort_by_key(|(label, _)| rank(label));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relation_is_a_table_name_or_a_query() {
        let r = Relations::named()
            .with("mrr", "select * from billing.mrr;")
            .with("accounts", "selections")
            .with("health", "WITH h AS (select 1) select * from h");
        assert_eq!(
            r.of("mrr", "src"),
            "(\n    select * from billing.mrr\n  ) AS src"
        );
        assert_eq!(r.of("accounts", "ac"), "selections AS ac");
        assert!(r.of("health", "src").starts_with("(\n    WITH h"));
        assert_eq!(r.of("renewals", "src"), "renewals AS src");
    }

    #[test]
    fn dimensions_are_columns_or_the_derived_ones() {
        assert_eq!(
            GroupBy::parse("Segment"),
            Ok(GroupBy::Column("segment".into()))
        );
        assert_eq!(GroupBy::parse("acv_band"), Ok(GroupBy::AcvBand));
        assert_eq!(GroupBy::parse("cohort"), Ok(GroupBy::Cohort));
        assert!(GroupBy::parse("x; drop table t").is_err());
    }
}
