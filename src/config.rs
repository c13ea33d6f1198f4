//! `postsale.yaml` → `Config`: every key optional with a documented default, unknown keys and
//! bad values reported as diagnostics with file:line and a "did you mean". Parsing goes through
//! `crate::yaml`, the one module that knows the YAML crate.

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::metrics::basis::{Basis, Windowing};
use crate::metrics::catalog;
use crate::metrics::conventions::{
    self, ChurnRecognition, Conventions, RetentionBasis, SamePeriod,
};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The config file's name inside a project.
pub const FILE: &str = "postsale.yaml";

/// The project configuration. `Config::default()` is what a project without `postsale.yaml` gets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Project name shown in titles. Default "postsale".
    pub name: String,
    /// ISO 4217 code of the project currency, used in formatting. Default "USD".
    pub currency: String,
    /// First month of the fiscal year, 1–12 or a month name (`april`, `Apr`). Default 1.
    #[serde(deserialize_with = "month_number")]
    pub fiscal_year_start: u32,
    /// "Now" for every computation. Default: today. `--as-of` overrides it.
    pub as_of: Option<NaiveDate>,
    /// Gross margin in percent, for LTV. Default 80.
    pub gross_margin: f64,
    /// ACV band boundaries in ARR (currency units), ascending. Default [10000, 50000], giving
    /// the bands `< 10K`, `10K–50K`, `≥ 50K`.
    pub acv_bands: Vec<f64>,
    /// Folder of the CSV tables, relative to the project. Default "data".
    pub data_dir: String,
    /// Where `postsale metrics` computes: `in-process` (load the tables and compute here) or
    /// `warehouse` (the metrics pushdown computes run as SQL on the database of `database:`;
    /// see "Pushdown to the warehouse" in README.md). Default `in-process`.
    pub engine: Engine,
    /// Health scoring.
    pub health: HealthConfig,
    /// Renewal forecasting.
    pub renewals: RenewalConfig,
    /// Lenient data loading: rows with errors are skipped and reported as warnings instead of
    /// failing. Default false.
    pub lenient: bool,
    /// Targets per metric id (in the metric's unit); a target overrides the benchmark bands for
    /// status colouring. One number is annual (it judges TTM, fiscal-year and annualised rates);
    /// a rate may also set `{ annual: 110, quarter: 102, month: 100.5 }`.
    pub targets: BTreeMap<String, Target>,
    /// The `typst` program for the PDFs: a name looked up on PATH or a path (relative to the
    /// project). Default: `typst` on PATH. The POSTSALE_TYPST environment variable overrides it.
    pub typst: Option<String>,
    /// Globs (relative to the output folder: `CNAME`, `docs/**`, `*.txt`) of files the user keeps
    /// in the output folder; every build carries them over. `.git`, `CNAME` and `.nojekyll` are
    /// always kept. Default: none.
    pub keep: Vec<String>,
    /// The window of dates the data may hold; a date outside it is a data error (a typo such as
    /// `0206-03` for `2026-03`). Default 1970-01-01 to 2199-12-31.
    pub dates: DateWindow,
    /// The words pages and PDFs show for the data's own codes, code → label (`check_in: Weekly
    /// sync`, `tier_b: Tier B`): activity types, churn reasons, renewal stages, dimension names
    /// and breakdown groups. A code not named here is humanised (`product_fit` → "Product fit").
    /// Default: none.
    pub labels: BTreeMap<String, String>,
    /// Lifetime value: the cap on the customer lifetime behind `ltv`, `ltv_simple` and
    /// `ltv_cac_ratio`.
    pub ltv: LtvConfig,
    /// Report usage: the web server's access logs the build and `postsale check` read.
    pub usage: UsageConfig,
    /// The address the site is published at (`https://reports.example.com/cs/`): the e-mail
    /// digests link to their report there. An `http://` or `https://` URL; a trailing slash is
    /// added. Default: none, and the digests link to the page's path inside the site folder.
    pub site_url: Option<String>,
    /// The metric conventions: a named profile and any of its settings overridden. Default: the
    /// `postsale` profile (METRICS.md's definitions).
    pub conventions: ConventionsConfig,
    /// Tables read from a PostgreSQL database instead of the data folder. Default: none.
    pub database: Option<DatabaseConfig>,
}

/// `database:` — tables read from a PostgreSQL-protocol database: the environment variable that
/// holds the connection string (never the secret itself in the file) and, per table, a table
/// name or a query.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// The environment variable holding the connection string
    /// (`postgres://user:password@host:port/dbname?sslmode=...`). Default
    /// `POSTSALE_DATABASE_URL`.
    pub url_env: String,
    /// Table of DATA.md → where its rows are: a table name (`accounts`, `crm.accounts`,
    /// `"Sales"."Accounts"`) or a query starting with `select` or `with`. A table listed here
    /// is not read from the data folder.
    pub tables: BTreeMap<String, String>,
    /// Where `url_env` is in postsale.yaml (line, column), for the error when it is unset.
    #[serde(skip)]
    pub at: (usize, usize),
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url_env: "POSTSALE_DATABASE_URL".into(),
            tables: BTreeMap::new(),
            at: (1, 1),
        }
    }
}

impl DatabaseConfig {
    /// The SQL that reads `table`: its query, or `select * from` its table name; None when the
    /// table is not read from the database.
    pub fn sql(&self, table: &str) -> Option<String> {
        let source = self.tables.get(table)?.trim();
        Some(if is_query(source) {
            source.to_string()
        } else {
            format!("select * from {source}")
        })
    }

    /// The problems of `database:`: the variable's name, unknown tables, and names that are
    /// neither a table name nor a query.
    fn problems(&self, text: &str) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut error = |path: &[&str], message: String, help: String| {
            let (line, column) = crate::yaml::locate(text, path);
            problems.push(Diagnostic::error(FILE, line, column, message).with_help(help));
        };
        let name_ok = |n: &str| {
            n.bytes().next().is_some_and(|b| !b.is_ascii_digit())
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        };
        if !name_ok(&self.url_env) {
            let help = if self.url_env.contains("://") {
                "url_env names the environment variable that holds the connection string; keep the \
                 string itself (and its password) out of postsale.yaml"
            } else {
                "a name such as POSTSALE_DATABASE_URL"
            };
            error(
                &["database", "url_env"],
                format!(
                    "bad value for 'database.url_env' (found '{}', expected the name of an environment variable: letters, digits and _)",
                    if self.url_env.contains("://") {
                        "a connection string"
                    } else {
                        &self.url_env
                    }
                ),
                help.into(),
            );
        }
        let known = crate::data::schema::TABLES;
        for (table, source) in &self.tables {
            if !known.contains(&table.as_str()) {
                error(
                    &["database", "tables", table],
                    format!("unknown table '{table}' in database.tables"),
                    did_you_mean(table, known).replace('`', "'"),
                );
                continue;
            }
            let source = source.trim();
            if !is_query(source) && !is_table_name(source) {
                error(
                    &["database", "tables", table],
                    format!(
                        "bad value for 'database.tables.{table}' (found '{source}', expected a table name such as {table} or finance.{table}, or a query starting with select or with)"
                    ),
                    "quote a name with capitals or spaces in double quotes: '\"Sales\".\"Accounts\"'".into(),
                );
            }
        }
        problems
    }
}

/// Whether `source` is a query (starts with the word `select` or `with`, any case).
fn is_query(source: &str) -> bool {
    let word: String = source
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    (word == "select" || word == "with") && source.len() > word.len()
}

/// Whether `source` is a table name: one to three dot-separated identifiers, each plain
/// (`finance`, `mrr_monthly`) or double-quoted (`"Sales"`, with `""` for a quote).
fn is_table_name(source: &str) -> bool {
    let mut parts = 0;
    let mut rest = source;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            // Up to the closing quote that is not a doubled one.
            let bytes = quoted.as_bytes();
            let mut i = 0;
            let mut end = None;
            while i < bytes.len() {
                if bytes[i] == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    end = Some(i);
                    break;
                }
                i += 1;
            }
            match end {
                Some(e) if e > 0 => rest = &quoted[e + 1..],
                _ => return false,
            }
        } else {
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'$')
                .count();
            if len == 0 || rest.as_bytes()[0].is_ascii_digit() || rest.as_bytes()[0] == b'$' {
                return false;
            }
            rest = &rest[len..];
        }
        parts += 1;
        match rest.strip_prefix('.') {
            Some(after) if parts < 3 => rest = after,
            Some(_) => return false,
            None => return rest.is_empty(),
        }
    }
}

/// `conventions:` — which convention the numbers follow on the edge cases SaaS-metrics tools
/// disagree on. `profile` picks a named set (`postsale`, `chartmogul`, `profitwell`,
/// `baremetrics`); each other key overrides that one setting.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConventionsConfig {
    /// A profile of `metrics::conventions::PROFILES`. Default `postsale`.
    pub profile: Option<String>,
    /// A former customer returning after at most this many months without MRR is a
    /// reactivation, later it is new. Default (`postsale`): any return is a reactivation.
    pub reactivation_window_months: Option<u32>,
    /// `cohort` or `aggregate`: what NRR and GRR are measured over.
    pub retention: Option<RetentionBasis>,
    /// `mrr_stop` or `term_end`: when churn is recognised.
    pub churn_recognition: Option<ChurnRecognition>,
    /// `counted` or `ignored`: an account that starts and churns within one period.
    pub same_period_start_and_churn: Option<SamePeriod>,
}

impl ConventionsConfig {
    /// Only the named profile, no override (`metrics --profile NAME`).
    pub fn of_profile(name: &str) -> ConventionsConfig {
        ConventionsConfig {
            profile: Some(name.to_string()),
            ..ConventionsConfig::default()
        }
    }

    /// Exactly these settings, whatever the profile's.
    pub fn exactly(c: Conventions) -> ConventionsConfig {
        ConventionsConfig {
            profile: None,
            reactivation_window_months: c.reactivation_window_months,
            retention: Some(c.retention),
            churn_recognition: Some(c.churn_recognition),
            same_period_start_and_churn: Some(c.same_period),
        }
    }

    /// The settings in force: the profile's (postsale's when it is unknown: validation reports
    /// that), then each override.
    pub fn resolved(&self) -> Conventions {
        let base = self
            .profile
            .as_deref()
            .and_then(conventions::profile)
            .map_or_else(Conventions::default, |p| p.settings);
        Conventions {
            reactivation_window_months: self
                .reactivation_window_months
                .or(base.reactivation_window_months),
            retention: self.retention.unwrap_or(base.retention),
            churn_recognition: self.churn_recognition.unwrap_or(base.churn_recognition),
            same_period: self.same_period_start_and_churn.unwrap_or(base.same_period),
        }
    }

    /// The name of the profile in force (`postsale` by default).
    pub fn profile_name(&self) -> &str {
        self.profile.as_deref().unwrap_or("postsale")
    }

    /// The profile and the settings in force, in words: "chartmogul (NRR and GRR from the
    /// aggregate movements; ...)".
    pub fn label(&self) -> String {
        let overridden = if self.overridden() {
            ", with overrides"
        } else {
            ""
        };
        format!(
            "{}{overridden} ({})",
            self.profile_name(),
            self.resolved().describe()
        )
    }

    /// Whether any setting overrides the profile's.
    pub fn overridden(&self) -> bool {
        self.reactivation_window_months.is_some()
            || self.retention.is_some()
            || self.churn_recognition.is_some()
            || self.same_period_start_and_churn.is_some()
    }
}

/// `usage:` — where the published site's access logs are, so that every build writes the usage
/// page (`usage.html`) and `postsale check` warns about the reports nobody read in 90 days.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UsageConfig {
    /// Access logs (Common or Combined Log Format, plain or gzip), relative to the project: a
    /// file, or a folder whose every file is read. Default: none (no usage page).
    pub logs: Vec<String>,
    /// The URL path the site is served under, e.g. `/reports/cs/`. Default `/`.
    pub base_path: String,
}

impl Default for UsageConfig {
    fn default() -> Self {
        UsageConfig {
            logs: Vec::new(),
            base_path: "/".into(),
        }
    }
}

/// `ltv:` — how long a customer may be expected to stay, at most.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LtvConfig {
    /// The longest lifetime, in years, that LTV may assume: 1 / annual churn is capped here, so
    /// a low or zero churn rate does not make LTV (nearly) infinite. Default 5.
    pub max_lifetime_years: f64,
    /// How the lifetime is estimated: `churn_rate` (1 / the annual churn rate, METRICS.md) or
    /// `survival` (the Kaplan–Meier restricted mean of the first subscription spells, up to
    /// the cap). Default `churn_rate`.
    pub lifetime: LtvLifetime,
}

/// `ltv.lifetime`: where the customer lifetime behind LTV comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LtvLifetime {
    /// 1 / the annual churn rate (revenue churn for `ltv`, logo churn for `ltv_simple`).
    #[default]
    ChurnRate,
    /// The restricted mean lifetime of the Kaplan–Meier curve of first spells.
    Survival,
}

impl Default for LtvConfig {
    fn default() -> Self {
        LtvConfig {
            max_lifetime_years: 5.0,
            lifetime: LtvLifetime::ChurnRate,
        }
    }
}

/// One metric's entry of `targets:`: one number, or one per basis (`annual`, `quarter`, `month`;
/// `ttm` and `year` are other names for `annual`).
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// One number: annual for a rate (TTM, fiscal-year and annualised values), the one target
    /// of any other metric.
    Annual(f64),
    /// Basis key (as written) → target.
    PerBasis(BTreeMap<String, f64>),
}

/// The keys of a per-basis target, with the other names of `annual`.
const TARGET_BASES: [&str; 5] = ["annual", "ttm", "year", "quarter", "month"];

impl Target {
    /// The target that judges a value on `basis` (`None`: a metric with no basis), if any.
    pub fn for_basis(&self, basis: Option<Basis>) -> Option<f64> {
        match (self, basis) {
            (Target::Annual(t), None) => Some(*t),
            (Target::Annual(t), Some(b)) => b.is_annual().then_some(*t),
            (Target::PerBasis(_), None) => None,
            (Target::PerBasis(map), Some(b)) => {
                let wanted = b.target_key();
                map.iter()
                    .find(|(key, _)| match key.as_str() {
                        "ttm" | "year" => wanted == "annual",
                        key => key == wanted,
                    })
                    .map(|(_, t)| *t)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// A number, or a mapping of basis to number; anything else is a type error naming
        /// what was found.
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Target;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, or one per basis such as { annual: 110, month: 100.5 }")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Target, E> {
                Ok(Target::Annual(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Target, E> {
                Ok(Target::Annual(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Target, E> {
                Ok(Target::Annual(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Target, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, value)) = map.next_entry::<String, f64>()? {
                    out.insert(key, value);
                }
                Ok(Target::PerBasis(out))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `dates:` — the earliest and latest date (or month) the data may hold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DateWindow {
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
}

impl Default for DateWindow {
    fn default() -> Self {
        DateWindow {
            earliest: NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN),
            latest: NaiveDate::from_ymd_opt(2199, 12, 31).unwrap_or(NaiveDate::MAX),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            name: "postsale".into(),
            currency: "USD".into(),
            fiscal_year_start: 1,
            as_of: None,
            gross_margin: 80.0,
            acv_bands: vec![10_000.0, 50_000.0],
            data_dir: "data".into(),
            engine: Engine::InProcess,
            health: HealthConfig::default(),
            renewals: RenewalConfig::default(),
            lenient: false,
            targets: BTreeMap::new(),
            typst: None,
            keep: Vec::new(),
            dates: DateWindow::default(),
            labels: BTreeMap::new(),
            ltv: LtvConfig::default(),
            usage: UsageConfig::default(),
            site_url: None,
            conventions: ConventionsConfig::default(),
            database: None,
        }
    }
}

/// `engine:` — where the metrics are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// Load the tables and compute in this process.
    #[default]
    InProcess,
    /// Run the metrics pushdown computes as SQL on the database.
    Warehouse,
}

/// `health:` — component weights, score bands and the significant-drop threshold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    pub weights: HealthWeights,
    pub bands: HealthBands,
    /// A drop of at least this many points is significant. Default 10.
    pub significant_drop: f64,
}

impl Default for HealthConfig {
    fn default() -> Self {
        HealthConfig {
            weights: HealthWeights::default(),
            bands: HealthBands::default(),
            significant_drop: 10.0,
        }
    }
}

/// `health.weights:` — relative weights of the score components. Defaults 40/30/15/15.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthWeights {
    pub usage: f64,
    pub engagement: f64,
    pub support: f64,
    pub outcomes: f64,
}

impl Default for HealthWeights {
    fn default() -> Self {
        HealthWeights {
            usage: 40.0,
            engagement: 30.0,
            support: 15.0,
            outcomes: 15.0,
        }
    }
}

/// `health.bands:` — lower bounds of the green and yellow bands. Defaults 80 and 50.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthBands {
    pub green: f64,
    pub yellow: f64,
}

impl Default for HealthBands {
    fn default() -> Self {
        HealthBands {
            green: 80.0,
            yellow: 50.0,
        }
    }
}

/// `renewals:` — stage weights for the forecast and the early-renewal threshold.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenewalConfig {
    pub stage_weights: StageWeights,
    /// A won renewal closed at least this many days before due_on is early. Default 30.
    pub early_days: i64,
    /// Where an open renewal's probability comes from when it has no forecast_probability.
    pub forecast: ForecastMethod,
}

impl Default for RenewalConfig {
    fn default() -> Self {
        RenewalConfig {
            stage_weights: StageWeights::default(),
            early_days: 30,
            forecast: ForecastMethod::Weights,
        }
    }
}

/// `renewals.forecast`: the probability of an open renewal without a forecast_probability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastMethod {
    /// The configured weight of its stage (`stage_weights`).
    #[default]
    Weights,
    /// The ARR win rate of its stage and T-minus bucket learned from the renewals closed before
    /// the as-of date (renewal_stages.csv), falling back to the stage's rate over every bucket
    /// and then to the weight where history is thin.
    History,
}

impl ForecastMethod {
    /// The method in words.
    pub fn describe(self) -> &'static str {
        match self {
            ForecastMethod::Weights => "the configured stage weights",
            ForecastMethod::History => "the win rates learned from history",
        }
    }
}

/// `renewals.stage_weights:` — probability (0–1) that an open renewal in the stage renews.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StageWeights {
    pub not_engaged: f64,
    pub initial_discussion: f64,
    pub proposal_sent: f64,
    pub negotiation: f64,
}

impl Default for StageWeights {
    fn default() -> Self {
        StageWeights {
            not_engaged: 0.5,
            initial_discussion: 0.6,
            proposal_sent: 0.75,
            negotiation: 0.85,
        }
    }
}

/// `fiscal_year_start` as a number (1–12, checked in validation) or an English month name.
fn month_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u32),
        Name(String),
    }
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let raw = Raw::deserialize(deserializer).map_err(|_| {
        serde::de::Error::custom("expected a month number 1-12 or a month name such as april")
    })?;
    match raw {
        Raw::Number(n) => Ok(n),
        Raw::Name(name) => {
            let lower = name.trim().to_ascii_lowercase();
            NAMES
                .iter()
                .position(|n| lower.get(..3).is_some_and(|p| n.starts_with(p)) && "january february march april may june july august september october november december".split(' ').any(|full| full.starts_with(&lower)))
                .map(|i| i as u32 + 1)
                .ok_or_else(|| serde::de::Error::custom(format!("expected a month number 1-12 or a month name, found '{name}'")))
        }
    }
}

/// Reads `postsale.yaml` from `project_dir` (defaults when absent) and validates every value,
/// reporting all problems at once with their line and column.
pub fn load(project_dir: &Path) -> Result<Config, Diagnostics> {
    let path = project_dir.join(FILE);
    let text = match crate::files::read_text(&path, "a YAML file") {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(Diagnostics(vec![Diagnostic::file_error(
                FILE,
                format!("cannot read the file: {e}"),
            )]));
        }
    };
    // Every problem at once: those of reading (syntax, duplicate and unknown keys, wrong types)
    // and, on what could be read, those of validation, in file order.
    let (config, mut problems) = crate::yaml::parse_all::<Config>(&text, FILE);
    let Some(mut config) = config else {
        return Err(Diagnostics(problems));
    };
    problems.extend(config.validate(&text));
    if let Some(database) = &mut config.database {
        database.at = crate::yaml::locate(&text, &["database", "url_env"]);
    }
    config.site_url = config.site_url.map(|url| with_slash(url.trim()));
    problems.sort_by_key(|d| (d.line, d.column));
    if problems.is_empty() {
        Ok(config)
    } else {
        Err(Diagnostics(problems))
    }
}

/// Whether `url` is an absolute `http://` or `https://` address with a host and no spaces,
/// quotes or angle brackets (it is written into e-mails as a link).
fn site_url_ok(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c))
    })
}

/// `url` ending with one `/`, so that a site path appends to it.
fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

impl Config {
    /// Every out-of-range or inconsistent value, located in `text` (the file as read).
    pub fn validate(&self, text: &str) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let mut check = |ok: bool, path: &[&str], found: String, expected: &str| {
            if !ok {
                let (line, column) = crate::yaml::locate(text, path);
                problems.push(Diagnostic::error(
                    FILE,
                    line,
                    column,
                    format!(
                        "bad value for '{}' (found '{found}', expected {expected})",
                        path.join(".")
                    ),
                ));
            }
        };
        check(
            (1..=12).contains(&self.fiscal_year_start),
            &["fiscal_year_start"],
            self.fiscal_year_start.to_string(),
            "a month 1-12",
        );
        check(
            self.gross_margin > 0.0 && self.gross_margin <= 100.0,
            &["gross_margin"],
            self.gross_margin.to_string(),
            "a percentage above 0, at most 100",
        );
        check(
            self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase()),
            &["currency"],
            self.currency.clone(),
            "a three-letter ISO 4217 code such as USD",
        );
        check(
            self.acv_bands.iter().all(|b| *b > 0.0)
                && self.acv_bands.windows(2).all(|w| w[0] < w[1]),
            &["acv_bands"],
            format!("{:?}", self.acv_bands),
            "ascending positive ARR boundaries such as [10000, 50000]",
        );
        let w = &self.health.weights;
        for (key, value) in [
            ("usage", w.usage),
            ("engagement", w.engagement),
            ("support", w.support),
            ("outcomes", w.outcomes),
        ] {
            check(
                value >= 0.0,
                &["health", "weights", key],
                value.to_string(),
                "a weight of 0 or more",
            );
        }
        check(
            w.usage + w.engagement + w.support + w.outcomes > 0.0,
            &["health", "weights"],
            "all zero".into(),
            "at least one positive weight",
        );
        let b = &self.health.bands;
        check(
            (0.0..=100.0).contains(&b.green),
            &["health", "bands", "green"],
            b.green.to_string(),
            "a score 0-100",
        );
        check(
            (0.0..=100.0).contains(&b.yellow),
            &["health", "bands", "yellow"],
            b.yellow.to_string(),
            "a score 0-100",
        );
        check(
            b.yellow < b.green,
            &["health", "bands", "yellow"],
            b.yellow.to_string(),
            "a yellow bound below the green bound",
        );
        check(
            self.health.significant_drop > 0.0,
            &["health", "significant_drop"],
            self.health.significant_drop.to_string(),
            "a positive number of points",
        );
        let sw = &self.renewals.stage_weights;
        for (key, value) in [
            ("not_engaged", sw.not_engaged),
            ("initial_discussion", sw.initial_discussion),
            ("proposal_sent", sw.proposal_sent),
            ("negotiation", sw.negotiation),
        ] {
            check(
                (0.0..=1.0).contains(&value),
                &["renewals", "stage_weights", key],
                value.to_string(),
                "a probability 0-1",
            );
        }
        check(
            self.renewals.early_days >= 0,
            &["renewals", "early_days"],
            self.renewals.early_days.to_string(),
            "0 or more days",
        );
        check(
            self.ltv.max_lifetime_years > 0.0 && self.ltv.max_lifetime_years.is_finite(),
            &["ltv", "max_lifetime_years"],
            self.ltv.max_lifetime_years.to_string(),
            "a positive number of years such as 5",
        );
        if let Some(typst) = &self.typst {
            check(
                !typst.trim().is_empty() && !typst.contains('\0'),
                &["typst"],
                typst.clone(),
                "the typst program: a name on PATH such as typst, or a path",
            );
        }
        check(
            self.dates.earliest <= self.dates.latest,
            &["dates", "latest"],
            self.dates.latest.to_string(),
            "a date on or after dates.earliest",
        );
        for glob in &self.keep {
            if let Some(problem) = crate::site::output::keep_glob_problem(glob) {
                check(
                    false,
                    &["keep"],
                    glob.clone(),
                    &format!(
                        "a glob inside the output folder such as CNAME, docs/** or *.txt, not {problem}"
                    ),
                );
            }
        }
        if let Some(url) = &self.site_url {
            check(
                site_url_ok(url.trim()),
                &["site_url"],
                url.clone(),
                "the site's published address: an http:// or https:// URL such as https://reports.example.com/cs/",
            );
        }
        if let Some(name) = &self.conventions.profile
            && conventions::profile(name).is_none()
        {
            let (line, column) = crate::yaml::locate(text, &["conventions", "profile"]);
            problems.push(
                Diagnostic::error(
                    FILE,
                    line,
                    column,
                    format!("unknown conventions profile '{name}'"),
                )
                .with_help(did_you_mean(name, &conventions::profile_names())),
            );
        }
        problems.extend(self.target_problems(text));
        if self.engine == Engine::Warehouse && self.database.is_none() {
            let (line, column) = crate::yaml::locate(text, &["engine"]);
            problems.push(
                Diagnostic::error(
                    FILE,
                    line,
                    column,
                    "bad value for 'engine' (found 'warehouse' without a 'database:' section, \
                     expected the database the SQL runs on)",
                )
                .with_help(
                    "add database: { url_env: VAR, tables: { mrr: tablename, ... } }, or use \
                     engine: in-process",
                ),
            );
        }
        if let Some(database) = &self.database {
            problems.extend(database.problems(text));
        }
        problems
    }

    /// The configured target of metric `id` for a value on `basis` (`None`: a metric with no
    /// basis): a one-number target judges annual values only (TTM, year, annualised).
    pub fn target(&self, id: &str, basis: Option<Basis>) -> Option<f64> {
        self.targets.get(id)?.for_basis(basis)
    }

    /// The problems of `targets:`: unknown metrics, unknown or repeated basis keys, and a
    /// per-basis target on a metric without one.
    fn target_problems(&self, text: &str) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        let known: Vec<&str> = catalog::ids().collect();
        let mut error = |path: &[&str], message: String, help: String| {
            let (line, column) = crate::yaml::locate(text, path);
            let d = Diagnostic::error(FILE, line, column, message);
            problems.push(if help.is_empty() {
                d
            } else {
                d.with_help(help)
            });
        };
        for (id, target) in &self.targets {
            let Some(def) = catalog::get(id) else {
                error(
                    &["targets", id],
                    format!("unknown metric '{id}' in targets"),
                    did_you_mean(id, &known).replace('`', "'"),
                );
                continue;
            };
            let Target::PerBasis(map) = target else {
                continue;
            };
            let allowed: &[&str] = match def.windowing() {
                Windowing::Window => &TARGET_BASES,
                Windowing::Annualised => &TARGET_BASES[..3],
                Windowing::None => &[],
            };
            if allowed.is_empty() {
                error(
                    &["targets", id],
                    format!("'{id}' is not a rate over a window, so it has no basis in targets"),
                    format!("give one number, such as '{id}: 40'"),
                );
                continue;
            }
            for key in map.keys() {
                if !allowed.contains(&key.as_str()) {
                    let help = if def.windowing() == Windowing::Annualised {
                        format!(
                            "'{id}' is annualised: its one target is annual (annual, ttm or year)"
                        )
                    } else {
                        did_you_mean(key, allowed).replace('`', "'")
                    };
                    error(
                        &["targets", id, key],
                        format!("unknown basis '{key}' in targets.{id}"),
                        help,
                    );
                }
            }
            let annual: Vec<&String> = map
                .keys()
                .filter(|k| TARGET_BASES[..3].contains(&k.as_str()))
                .collect();
            if let [_, again, ..] = annual.as_slice() {
                error(
                    &["targets", id, again],
                    format!(
                        "targets.{id} sets the annual target twice ({})",
                        annual
                            .iter()
                            .map(|k| k.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "keep one: annual, ttm and year all name the twelve-month target".into(),
                );
            }
        }
        problems
    }

    /// The as-of date: the `--as-of` flag, else `as_of` in the config, else `today`.
    pub fn resolve_as_of(&self, flag: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
        flag.or(self.as_of).unwrap_or(today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(FILE), text).unwrap_or_else(|e| panic!("{e}"));
        match load(dir.path()) {
            Ok(_) => Vec::new(),
            Err(d) => d.0.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn no_file_and_empty_file_give_defaults() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(dir.path()).ok(), Some(Config::default()));
        std::fs::write(dir.path().join(FILE), "# nothing yet\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(dir.path()).ok(), Some(Config::default()));
    }

    #[test]
    fn labels_name_the_datas_codes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = "labels:\n  check_in: Weekly sync\n  tier_b: Tier B\n";
        std::fs::write(dir.path().join(FILE), text).unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.labels.get("check_in").map(String::as_str),
            Some("Weekly sync")
        );
        assert_eq!(c.labels.get("tier_b").map(String::as_str), Some("Tier B"));
        assert!(Config::default().labels.is_empty());
    }

    #[test]
    fn the_ltv_lifetime_cap_is_read_and_checked() {
        assert_eq!(Config::default().ltv.max_lifetime_years, 5.0);
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join(FILE), "ltv:\n  max_lifetime_years: 3\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.ltv.max_lifetime_years, 3.0);
        assert_eq!(
            errors("ltv:\n  max_lifetime_years: 0\n"),
            [
                "postsale.yaml:2:3: error: bad value for 'ltv.max_lifetime_years' (found '0', expected a positive number of years such as 5)"
            ]
        );
    }

    #[test]
    fn conventions_take_a_profile_and_overrides_and_name_bad_values() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join(FILE),
            "conventions:\n  profile: profitwell\n  retention: aggregate\n  reactivation_window_months: 3\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let resolved = c.conventions.resolved();
        assert_eq!(resolved.retention, RetentionBasis::Aggregate);
        assert_eq!(resolved.same_period, SamePeriod::Ignored); // from the profile
        assert_eq!(resolved.reactivation_window_months, Some(3));
        let problems =
            errors("conventions:\n  profile: chartmogull\n  churn_recognition: at_cancel\n");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0]
                .starts_with("postsale.yaml:2:3: error: unknown conventions profile 'chartmogull'")
                && problems[0].contains("did you mean `chartmogul`?"),
            "{problems:?}"
        );
        assert!(
            problems[1].starts_with("postsale.yaml:3:")
                && problems[1].contains("mrr_stop")
                && problems[1].contains("term_end"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_full_file_is_read() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = "name: Acme\ncurrency: EUR\nfiscal_year_start: april\nas_of: 2026-11-01\ngross_margin: 75\nacv_bands: [5000, 25000, 100000]\nlenient: true\nhealth:\n  weights: { usage: 50, engagement: 50, support: 0, outcomes: 0 }\n  bands: { green: 75, yellow: 40 }\n  significant_drop: 15\nrenewals:\n  stage_weights: { negotiation: 0.9 }\n  early_days: 45\ntargets:\n  nrr: 110\n";
        std::fs::write(dir.path().join(FILE), text).unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.name, "Acme");
        assert_eq!(c.fiscal_year_start, 4);
        assert_eq!(c.as_of, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(c.acv_bands, [5000.0, 25000.0, 100000.0]);
        assert_eq!(c.health.weights.usage, 50.0);
        assert_eq!(c.renewals.stage_weights.negotiation, 0.9);
        // Keys left out keep their defaults.
        assert_eq!(c.renewals.stage_weights.not_engaged, 0.5);
        assert_eq!(c.targets.get("nrr"), Some(&Target::Annual(110.0)));
        assert!(c.lenient);
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        assert_eq!(
            errors("name: x\ncurrency: USD\ngross_margn: 80\n"),
            [
                "postsale.yaml:3:1: error: unknown key 'gross_margn'\n  help: did you mean 'gross_margin'?"
            ]
        );
        assert_eq!(
            errors("health:\n  wieghts: { usage: 1 }\n"),
            [
                "postsale.yaml:2:3: error: unknown key 'wieghts' in 'health'\n  help: did you mean 'weights'?"
            ]
        );
    }

    #[test]
    fn a_bad_type_names_the_key() {
        assert_eq!(
            errors("gross_margin: lots\n"),
            ["postsale.yaml:1:15: error: 'gross_margin' should be a number; found the text 'lots'"]
        );
        assert_eq!(
            errors("fiscal_year_start: [4]\n"),
            [
                "postsale.yaml:1:20: error: bad value for 'fiscal_year_start' (expected a month number 1-12 or a month name such as april)"
            ]
        );
    }

    #[test]
    fn an_unknown_choice_lists_the_choices_and_the_nearest() {
        assert_eq!(
            errors("renewals:\n  forecast: histroy\n"),
            [
                "postsale.yaml:2:13: error: bad value for 'renewals.forecast' (found 'histroy', expected one of: weights, history)\n  help: did you mean 'history'?"
            ]
        );
        assert_eq!(
            errors("engine: spark\n"),
            [
                "postsale.yaml:1:9: error: bad value for 'engine' (found 'spark', expected one of: in-process, warehouse)"
            ]
        );
    }

    #[test]
    fn every_problem_of_every_kind_is_reported_in_one_run() {
        // Before: only the first problem, in serde's words, a duplicate key at 1:1.
        let e = errors(
            "name: Acme\ngross_margn: 80\nhealth:\n  bands:\n    green: high\nname: Other\ncurrency: usd\nrenewals:\n",
        );
        assert_eq!(
            e,
            [
                "postsale.yaml:2:1: error: unknown key 'gross_margn'\n  help: did you mean 'gross_margin'?",
                "postsale.yaml:5:12: error: 'health.bands.green' should be a number; found the text 'high'",
                "postsale.yaml:6:1: error: duplicate key 'name' (found 'name' again, expected each key once in a mapping; first on line 1)\n  help: keep one 'name' (YAML would silently use only one of them)",
                "postsale.yaml:7:1: error: bad value for 'currency' (found 'usd', expected a three-letter ISO 4217 code such as USD)",
                "postsale.yaml:8:10: error: 'renewals' should be a mapping of keys such as stage_weights, early_days, forecast; found nothing\n  help: remove the key to keep its defaults, or indent the keys that belong under it",
            ]
        );
    }

    #[test]
    fn a_bad_value_inside_a_list_or_map_points_at_it() {
        assert_eq!(
            errors("acv_bands: [10000, lots]\ntargets:\n  nrr: high\n  grr: 90\n"),
            [
                "postsale.yaml:1:20: error: a value inside 'acv_bands' should be a number; found the text 'lots'",
                "postsale.yaml:3:8: error: 'targets.nrr' should be a number, or one per basis such as { annual: 110, month: 100.5 }; found the text 'high'",
            ]
        );
        assert_eq!(
            errors("targets:\n  nrr: 100\n  nrr: 110\n"),
            [
                "postsale.yaml:3:3: error: duplicate key 'targets.nrr' (found 'nrr' again, expected each key once in a mapping; first on line 2)\n  help: keep one 'nrr' (YAML would silently use only one of them)"
            ]
        );
    }

    #[test]
    fn a_file_that_is_not_a_mapping_says_so() {
        assert_eq!(
            errors("- name: x\n"),
            [
                "postsale.yaml:1:1: error: postsale.yaml as a whole should be a mapping of keys such as name, currency, fiscal_year_start; found a list"
            ]
        );
        assert_eq!(
            errors("~\n"),
            [
                "postsale.yaml:1:1: error: postsale.yaml as a whole should be a mapping of keys such as name, currency, fiscal_year_start; found nothing"
            ]
        );
        assert_eq!(
            errors("health:\nweights: { usage: 1 }\n"),
            [
                "postsale.yaml:1:8: error: 'health' should be a mapping of keys such as weights, bands, significant_drop; found nothing\n  help: remove the key to keep its defaults, or indent the keys that belong under it",
                "postsale.yaml:2:1: error: unknown key 'weights'\n  help: expected one of: name, currency, fiscal_year_start, as_of, gross_margin, acv_bands, data_dir, engine, health, renewals, lenient, targets, typst, keep, dates, labels, ltv, usage, site_url, conventions, database",
            ]
        );
    }

    #[test]
    fn the_new_keys_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = "keep: [CNAME, 'docs/**']\ndates:\n  earliest: 2000-01-01\n";
        std::fs::write(dir.path().join(FILE), text).unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.keep, ["CNAME", "docs/**"]);
        assert_eq!(
            c.dates.earliest,
            NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
        );
        assert_eq!(c.dates.latest, DateWindow::default().latest);
        assert_eq!(
            errors("dates:\n  earliest: 2000-13-01\n  lateest: 2100-01-01\n"),
            [
                "postsale.yaml:2:13: error: bad value for 'dates.earliest' (found '2000-13-01', input is out of range)",
                "postsale.yaml:3:3: error: unknown key 'lateest' in 'dates'\n  help: did you mean 'latest'?",
            ]
        );
    }

    #[test]
    fn the_engine_is_in_process_or_warehouse_with_a_database() {
        let config = |text: &str| crate::yaml::parse_all::<Config>(text, FILE);
        assert_eq!(
            config("name: x\n").0.map(|c| c.engine),
            Some(Engine::InProcess)
        );
        assert_eq!(
            config("engine: warehouse\n").0.map(|c| c.engine),
            Some(Engine::Warehouse)
        );
        assert_eq!(
            errors("name: x\nengine: warehouse\n"),
            vec!["postsale.yaml:2:1: error: bad value for 'engine' (found 'warehouse' without a 'database:' section, expected the database the SQL runs on)\n  help: add database: { url_env: VAR, tables: { mrr: tablename, ... } }, or use engine: in-process".to_string()]
        );
        assert!(errors("engine: warehouse\ndatabase: { tables: { mrr: mrr } }\n").is_empty());
        let bad = errors("name: x\nengine: cloud\n");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("postsale.yaml:2:"), "{bad:?}");
        assert!(
            bad[0].contains("in-process") && bad[0].contains("warehouse"),
            "{bad:?}"
        );
    }

    #[test]
    fn database_tables_are_names_or_queries_of_known_tables() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = "database:\n  tables:\n    accounts: crm.\"Accounts\"\n    mrr: \"SELECT account_id, month, mrr FROM finance.mrr_monthly\"\n";
        std::fs::write(dir.path().join(FILE), text).unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let db = c.database.unwrap_or_default();
        assert_eq!(db.url_env, "POSTSALE_DATABASE_URL");
        assert_eq!(
            db.sql("accounts").as_deref(),
            Some("select * from crm.\"Accounts\"")
        );
        assert_eq!(
            db.sql("mrr").as_deref(),
            Some("SELECT account_id, month, mrr FROM finance.mrr_monthly")
        );
        assert_eq!(db.sql("health"), None);
        assert_eq!(
            errors(
                "database:\n  url_env: postgres://ana:pw@db/sales\n  tables:\n    mrrr: mrr\n    health: drop table x; --\n    usage: a.b.c.d\n"
            ),
            [
                "postsale.yaml:2:3: error: bad value for 'database.url_env' (found 'a connection string', expected the name of an environment variable: letters, digits and _)\n  help: url_env names the environment variable that holds the connection string; keep the string itself (and its password) out of postsale.yaml",
                "postsale.yaml:4:5: error: unknown table 'mrrr' in database.tables\n  help: did you mean 'mrr'?",
                "postsale.yaml:5:5: error: bad value for 'database.tables.health' (found 'drop table x; --', expected a table name such as health or finance.health, or a query starting with select or with)\n  help: quote a name with capitals or spaces in double quotes: '\"Sales\".\"Accounts\"'",
                "postsale.yaml:6:5: error: bad value for 'database.tables.usage' (found 'a.b.c.d', expected a table name such as usage or finance.usage, or a query starting with select or with)\n  help: quote a name with capitals or spaces in double quotes: '\"Sales\".\"Accounts\"'",
            ]
        );
        for name in [
            "mrr",
            "finance.mrr",
            "\"Sales\".\"Acc \"\"x\"\"\"",
            "db.s.t",
            "_x$1",
        ] {
            assert!(is_table_name(name), "{name}");
        }
        for name in ["", "1mrr", "a..b", "\"\"", "\"open", "mrr;", "a b"] {
            assert!(!is_table_name(name), "{name}");
        }
    }

    #[test]
    fn every_bad_value_is_reported_at_once_with_its_line() {
        let e = errors(
            "currency: usd\nfiscal_year_start: 13\nhealth:\n  bands:\n    green: 40\n    yellow: 60\ntargets:\n  nrrr: 110\n",
        );
        assert_eq!(
            e,
            [
                "postsale.yaml:1:1: error: bad value for 'currency' (found 'usd', expected a three-letter ISO 4217 code such as USD)",
                "postsale.yaml:2:1: error: bad value for 'fiscal_year_start' (found '13', expected a month 1-12)",
                "postsale.yaml:6:5: error: bad value for 'health.bands.yellow' (found '60', expected a yellow bound below the green bound)",
                "postsale.yaml:8:3: error: unknown metric 'nrrr' in targets\n  help: did you mean 'nrr'?",
            ]
        );
    }

    #[test]
    fn targets_are_annual_or_set_per_basis() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let text = "targets:\n  nrr: { ttm: 110, quarter: 102, month: 100.5 }\n  grr: 90\n  nps: 40\n  logo_churn_rate_annualised: { annual: 12 }\n";
        std::fs::write(dir.path().join(FILE), text).unwrap_or_else(|e| panic!("{e}"));
        let c = load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        // The TTM, fiscal-year and annualised values share the annual target.
        assert_eq!(c.target("nrr", Some(Basis::Ttm)), Some(110.0));
        assert_eq!(c.target("nrr", Some(Basis::Year)), Some(110.0));
        assert_eq!(c.target("nrr", Some(Basis::Quarter)), Some(102.0));
        assert_eq!(c.target("nrr", Some(Basis::Month)), Some(100.5));
        // One number is annual: it does not judge a month's or a quarter's GRR.
        assert_eq!(c.target("grr", Some(Basis::Ttm)), Some(90.0));
        assert_eq!(c.target("grr", Some(Basis::Month)), None);
        assert_eq!(c.target("grr", Some(Basis::Quarter)), None);
        // A metric with no basis keeps its one target.
        assert_eq!(c.target("nps", None), Some(40.0));
        assert_eq!(
            c.target("logo_churn_rate_annualised", Some(Basis::Annualised)),
            Some(12.0)
        );
        assert_eq!(c.target("expansion_rate", Some(Basis::Ttm)), None);
    }

    #[test]
    fn a_bad_per_basis_target_is_reported_at_its_line() {
        assert_eq!(
            errors(
                "targets:\n  nrr:\n    anual: 110\n    month: 100.5\n  nps: { month: 40 }\n  grr: { ttm: 90, annual: 91 }\n  logo_churn_rate_annualised: { quarter: 3 }\n  nrrr: 1\n"
            ),
            [
                "postsale.yaml:3:5: error: unknown basis 'anual' in targets.nrr\n  help: did you mean 'annual'?",
                "postsale.yaml:5:3: error: 'nps' is not a rate over a window, so it has no basis in targets\n  help: give one number, such as 'nps: 40'",
                "postsale.yaml:6:10: error: targets.grr sets the annual target twice (annual, ttm)\n  help: keep one: annual, ttm and year all name the twelve-month target",
                "postsale.yaml:7:33: error: unknown basis 'quarter' in targets.logo_churn_rate_annualised\n  help: 'logo_churn_rate_annualised' is annualised: its one target is annual (annual, ttm or year)",
                "postsale.yaml:8:3: error: unknown metric 'nrrr' in targets\n  help: did you mean 'nrr'?",
            ]
        );
    }

    #[test]
    fn an_empty_typst_program_is_an_error() {
        let problems = errors("typst: ' '\n");
        assert!(
            problems.iter().any(|d| d.contains("bad value for 'typst'")),
            "{problems:?}"
        );
        assert!(errors("typst: /opt/typst/bin/typst\n").is_empty());
    }

    #[test]
    fn a_month_name_of_wide_characters_is_an_error_not_a_crash() {
        // Found by the fuzzer: the first three bytes of '𛀀' are not a character boundary.
        let e = errors("fiscal_year_start: \u{1B000}\n");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("expected a month number"), "{e:?}");
    }

    #[test]
    fn as_of_prefers_the_flag_then_the_config() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default();
        let config = Config {
            as_of: Some(day(1)),
            ..Config::default()
        };
        assert_eq!(config.resolve_as_of(Some(day(5)), day(24)), day(5));
        assert_eq!(config.resolve_as_of(None, day(24)), day(1));
        assert_eq!(Config::default().resolve_as_of(None, day(24)), day(24));
    }

    #[test]
    fn keep_globs_stay_inside_the_output() {
        let found = errors("keep: [CNAME, \"../notes\"]\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .starts_with("postsale.yaml:1:1: error: bad value for 'keep' (found '../notes'"),
            "{found:?}"
        );
        assert!(errors("keep: [CNAME, \"docs/**\", \"*.txt\"]\n").is_empty());
    }

    #[test]
    fn site_url_is_an_http_address_and_gets_a_trailing_slash() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join(FILE),
            "site_url: https://reports.example.com/cs\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let config = load(dir.path()).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            config.site_url.as_deref(),
            Some("https://reports.example.com/cs/")
        );
        assert!(errors("site_url: http://localhost:8080/\n").is_empty());
        let found = errors("name: x\nsite_url: reports.example.com\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "postsale.yaml:2:1: error: bad value for 'site_url' (found 'reports.example.com', expected the site's published address"
            ),
            "{found:?}"
        );
        assert_eq!(errors("site_url: \"https://a.example/<x>\"\n").len(), 1);
        assert_eq!(errors("site_url: https://\n").len(), 1);
    }
}
