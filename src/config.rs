//! `postsale.yaml` → `Config`: every key optional with a documented default, unknown keys and
//! bad values reported as diagnostics with file:line and a "did you mean". Parsing goes through
//! `crate::yaml`, the one module that knows the YAML crate.

use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The project configuration. `Config::default()` is what a project without `postsale.yaml` gets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Project name shown in titles. Default "postsale".
    pub name: String,
    /// ISO 4217 code of the project currency, used in formatting. Default "USD".
    pub currency: String,
    /// First month of the fiscal year, 1–12. Default 1 (January).
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
    /// Health scoring.
    pub health: HealthConfig,
    /// Renewal forecasting.
    pub renewals: RenewalConfig,
    /// Targets per metric id (in the metric's unit); a target overrides the benchmark bands for
    /// status colouring.
    pub targets: BTreeMap<String, f64>,
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
            health: HealthConfig::default(),
            renewals: RenewalConfig::default(),
            targets: BTreeMap::new(),
        }
    }
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
}

impl Default for RenewalConfig {
    fn default() -> Self {
        RenewalConfig {
            stage_weights: StageWeights::default(),
            early_days: 30,
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
