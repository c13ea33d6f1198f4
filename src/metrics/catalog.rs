//! The metric catalog: every metric's definition as data (id, name, unit, direction, formula
//! text, benchmark bands, source tables). The engine, `postsale metrics`, the README reference,
//! the Definitions page and report validation all read this one list.

use super::status::Status;

/// Which METRICS.md section a metric belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Revenue,
    Growth,
    Health,
    Renewals,
    Expansion,
    Operations,
    Support,
    Experience,
}

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::Revenue => "Revenue",
            Section::Growth => "Growth",
            Section::Health => "Health and usage",
            Section::Renewals => "Renewals",
            Section::Expansion => "Expansion pipeline",
            Section::Operations => "Operations",
            Section::Support => "Support",
            Section::Experience => "Experience",
        }
    }
}

/// The unit a metric is expressed in; it decides formatting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Project currency, full precision in JSON (e.g. 1234.56).
    Money,
    /// Percent: 105.0 means 105 %.
    Percent,
    /// A whole number of things.
    Count,
    /// A multiple, shown as `3.2×`.
    Ratio,
    /// A score on its own scale (NPS −100..100, CSAT 1–5, CES 1–7, health 0–100).
    Score,
    /// A number of days.
    Days,
    /// A number of hours.
    Hours,
}

impl Unit {
    pub fn name(self) -> &'static str {
        match self {
            Unit::Money => "money",
            Unit::Percent => "percent",
            Unit::Count => "count",
            Unit::Ratio => "ratio",
            Unit::Score => "score",
            Unit::Days => "days",
            Unit::Hours => "hours",
        }
    }
}

/// Whether a higher value is better, worse, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    Neutral,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
            Direction::Neutral => "neutral",
        }
    }
}

/// One benchmark band: `min <= value < max` (an open end is None), its label from the source
/// articles (best, good, acceptable, warning, critical, ...) and the status it colours with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub label: &'static str,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub status: Status,
}

const fn band(label: &'static str, min: Option<f64>, max: Option<f64>, status: Status) -> Band {
    Band {
        label,
        min,
        max,
        status,
    }
}

/// A metric definition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricDef {
    /// METRICS.md id, used everywhere (code, JSON, templates, config targets).
    pub id: &'static str,
    pub name: &'static str,
    pub section: Section,
    pub unit: Unit,
    pub direction: Direction,
    /// The definition as shown on the Definitions page and in the README.
    pub formula: &'static str,
    /// Benchmark bands, empty when METRICS.md gives none.
    pub bands: &'static [Band],
    /// The tables (CSV stems) the metric needs; it is left out when one is absent.
    pub tables: &'static [&'static str],
}

impl MetricDef {
    /// How the metric's value depends on the window it is measured over: the cohort rates of
    /// METRICS.md (NRR, GRR, logo and revenue churn, logo retention, expansion rate) take the
    /// window's basis; the annualised churn rates are annualised; everything else has no basis.
    pub fn windowing(&self) -> super::basis::Windowing {
        use super::basis::Windowing;
        match self.id {
            "nrr"
            | "grr"
            | "logo_churn_rate"
            | "logo_retention_rate"
            | "revenue_churn_rate"
            | "expansion_rate" => Windowing::Window,
            "logo_churn_rate_annualised" | "revenue_churn_rate_annualised" => Windowing::Annualised,
            _ => Windowing::None,
        }
    }

    /// Whether the metric is a snapshot on the as-of date (renewals at risk now, open tasks,
    /// the open expansion pipeline, the period's renewals still open now) rather than a value
    /// over its period: the engine keeps no history of it, so it is never compared with an
    /// earlier period (such a comparison would read "+0.0 %").
    pub fn is_snapshot(&self) -> bool {
        matches!(
            self.id,
            "at_risk_accounts"
                | "at_risk_arr"
                | "tasks_overdue"
                | "tasks_due_today"
                | "tasks_due_this_week"
                | "expansion_pipeline_arr"
                | "expansion_pipeline_count"
                | "expansion_deal_size"
                | "renewals_open"
        )
    }
}

use Direction::*;
use Section::*;
use Status::{Bad, Good, Warning};
use Unit::*;

const NRR_BANDS: &[Band] = &[
    band("best", Some(120.0), None, Good),
    band("good", Some(110.0), Some(120.0), Good),
    band("acceptable", Some(100.0), Some(110.0), Good),
    band("warning", Some(90.0), Some(100.0), Warning),
    band("critical", None, Some(90.0), Bad),
];
const GRR_BANDS: &[Band] = &[
    band("best", Some(95.0), None, Good),
    band("good", Some(90.0), Some(95.0), Good),
    band("acceptable", Some(85.0), Some(90.0), Good),
    band("warning", Some(80.0), Some(85.0), Warning),
    band("critical", None, Some(80.0), Bad),
];
const ANNUAL_LOGO_CHURN_BANDS: &[Band] = &[
    band("best", None, Some(5.0), Good),
    band("good", Some(5.0), Some(10.0), Good),
    band("acceptable", Some(10.0), Some(15.0), Good),
    band("warning", Some(15.0), Some(20.0), Warning),
    band("critical", Some(20.0), None, Bad),
];
const NPS_BANDS: &[Band] = &[
    band("best", Some(50.0), None, Good),
    band("good", Some(30.0), Some(50.0), Good),
    band("acceptable", Some(10.0), Some(30.0), Good),
    band("weak", None, Some(10.0), Bad),
];
const LTV_CAC_BANDS: &[Band] = &[
    band("excellent", Some(5.0), None, Good),
    band("good", Some(3.0), Some(5.0), Good),
    band("below target", Some(1.0), Some(3.0), Warning),
    band("losing money", None, Some(1.0), Bad),
];
const LAND_EXPAND_BANDS: &[Band] = &[
    band("excellent", Some(2.0), None, Good),
    band("good", Some(1.5), Some(2.0), Good),
    band("fair", Some(1.2), Some(1.5), Warning),
    band("weak", None, Some(1.2), Bad),
];

const MRR: &[&str] = &["mrr"];
const MRR_ACCOUNTS: &[&str] = &["mrr", "accounts"];
const SURVEYS: &[&str] = &["surveys"];
const HEALTH: &[&str] = &["health"];
const HEALTH_MRR: &[&str] = &["health", "mrr"];
const USAGE: &[&str] = &["usage"];
const ONBOARDING: &[&str] = &["onboarding"];
const RENEWALS: &[&str] = &["renewals"];
const RENEWALS_ACTIVITIES: &[&str] = &["renewals", "activities"];
const RENEWALS_FORECASTS: &[&str] = &["renewals", "forecasts"];

const OPPORTUNITIES: &[&str] = &["opportunities"];
const ACTIVITIES: &[&str] = &["activities"];
const TASKS: &[&str] = &["tasks"];
const TICKETS: &[&str] = &["tickets"];
const PROACTIVE_BANDS: &[Band] = &[
    band("on target", Some(70.0), None, Good),
    band("below target", None, Some(70.0), Warning),
];
const RESPONSE_BANDS: &[Band] = &[
    band("on target", None, Some(4.0), Good),
    band("slow", Some(4.0), None, Warning),
];
const RESOLUTION_BANDS: &[Band] = &[
    band("on target", None, Some(24.0), Good),
    band("slow", Some(24.0), None, Warning),
];
const TICKET_ESCALATION_BANDS: &[Band] = &[
    band("on target", None, Some(10.0), Good),
    band("high", Some(10.0), None, Warning),
];

/// Reachable with the default renewal target (ARR due × the GRR target): the forecast can at
/// most equal the ARR due, so coverage peaks at 100 / GRR target (111 % at 90 %). The sales rule
/// of 150–200 % assumes a pipeline larger than its target; it fits only a configured target well
/// below the ARR due (`targets: { pipeline_coverage: 150 }` then judges instead of these bands).
const COVERAGE_BANDS: &[Band] = &[
    band("covered", Some(100.0), None, Good),
    band("thin", Some(90.0), Some(100.0), Warning),
    band("short", None, Some(90.0), Bad),
];
const ESCALATION_BANDS: &[Band] = &[
    band("healthy", None, Some(15.0), Good),
    band("high", Some(15.0), None, Warning),
];
const DISCOUNT_BANDS: &[Band] = &[
    band("normal", None, Some(10.0), Good),
    band("elevated", Some(10.0), Some(15.0), Warning),
    band("a problem", Some(15.0), None, Bad),
];

/// Every metric, in the order of METRICS.md.
pub const CATALOG: &[MetricDef] = &[
    MetricDef {
        id: "mrr",
        name: "MRR",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "Σ over accounts of mrr(a, m) for the period's last month m (a missing row is 0)",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "arr",
        name: "ARR",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "12 × MRR at the period's last month",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "arpa",
        name: "ARPA (annual)",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "ARR / active accounts at the period's last month (annual revenue per account)",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "active_accounts",
        name: "Active accounts",
        section: Revenue,
        unit: Count,
        direction: HigherIsBetter,
        formula: "accounts with mrr(a, m) > 0 at the period's last month",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "starting_mrr",
        name: "Starting MRR",
        section: Revenue,
        unit: Money,
        direction: Neutral,
        formula: "MRR of the month before the period's first month",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "new_mrr",
        name: "New MRR",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "Σ over the period's months of mrr(a, m) where mrr(a, m−1) = 0, mrr(a, m) > 0 and a had no MRR in any earlier month",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "reactivation_mrr",
        name: "Reactivation MRR",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "as new MRR, but for accounts that had MRR in some earlier month",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "expansion_mrr",
        name: "Expansion MRR",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "Σ over the period's months of mrr(a, m) − mrr(a, m−1) where both > 0 and mrr(a, m) is higher",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "contraction_mrr",
        name: "Contraction MRR",
        section: Revenue,
        unit: Money,
        direction: LowerIsBetter,
        formula: "Σ over the period's months of mrr(a, m−1) − mrr(a, m) where both > 0 and mrr(a, m) is lower",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "churned_mrr",
        name: "Churned MRR",
        section: Revenue,
        unit: Money,
        direction: LowerIsBetter,
        formula: "Σ over the period's months of mrr(a, m−1) where mrr(a, m−1) > 0 and mrr(a, m) = 0",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "nrr",
        name: "Net revenue retention",
        section: Revenue,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ end_a / Σ start_a × 100 over the starting cohort C (accounts with MRR in the month before the period), start_a = mrr(a, s−1), end_a = mrr(a, e)",
        bands: NRR_BANDS,
        tables: MRR,
    },
    MetricDef {
        id: "grr",
        name: "Gross revenue retention",
        section: Revenue,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ min(start_a, end_a) / Σ start_a × 100 over the starting cohort C",
        bands: GRR_BANDS,
        tables: MRR,
    },
    MetricDef {
        id: "logo_churn_rate",
        name: "Logo churn rate",
        section: Revenue,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "|{a ∈ C : end_a = 0}| / |C| × 100 over the period",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "logo_retention_rate",
        name: "Logo retention rate",
        section: Revenue,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "100 − logo churn rate",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "revenue_churn_rate",
        name: "Revenue churn rate",
        section: Revenue,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "100 − GRR",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "logo_churn_rate_annualised",
        name: "Logo churn rate (annualised)",
        section: Revenue,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "1 − (1 − r)^(12/k) for the logo churn rate r measured over the period's k months",
        bands: ANNUAL_LOGO_CHURN_BANDS,
        tables: MRR,
    },
    MetricDef {
        id: "revenue_churn_rate_annualised",
        name: "Revenue churn rate (annualised)",
        section: Revenue,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "1 − (1 − r)^(12/k) for the revenue churn rate r measured over the period's k months",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "ltv",
        name: "Customer lifetime value",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "ARPA × gross margin × lifetime, lifetime = 1 / annual revenue churn rate (trailing 12 months ending at the period's last month), capped at ltv.max_lifetime_years (default 5)",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "ltv_simple",
        name: "Lifetime value (simple)",
        section: Revenue,
        unit: Money,
        direction: HigherIsBetter,
        formula: "ARPA × average lifetime in years, lifetime = 1 / annual logo churn rate (trailing 12 months), capped at ltv.max_lifetime_years (default 5)",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "ltv_cac_ratio",
        name: "LTV:CAC",
        section: Revenue,
        unit: Ratio,
        direction: HigherIsBetter,
        formula: "LTV (capped lifetime) / mean acquisition_cost of accounts acquired (first MRR) in the trailing 12 months",
        bands: LTV_CAC_BANDS,
        tables: MRR_ACCOUNTS,
    },
    MetricDef {
        id: "expansion_rate",
        name: "Expansion rate",
        section: Growth,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "|{a ∈ C : end_a > start_a}| / |C| × 100",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "acv_growth",
        name: "ACV growth",
        section: Growth,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "(mean ARR per active account at the period end − the same a year earlier) / the latter × 100",
        bands: &[],
        tables: MRR,
    },
    MetricDef {
        id: "land_expand_ratio",
        name: "Land-and-expand ratio",
        section: Growth,
        unit: Ratio,
        direction: HigherIsBetter,
        formula: "mean MRR at tenure month 24 / mean MRR at tenure month 1, over accounts whose tenure month 24 is on or before as_of and active in it",
        bands: LAND_EXPAND_BANDS,
        tables: MRR,
    },
    MetricDef {
        id: "health_score_avg",
        name: "Average health score",
        section: Health,
        unit: Score,
        direction: HigherIsBetter,
        formula: "mean health score on the period's last day over active accounts with a score (score column, else the weighted mean of the components present)",
        bands: &[],
        tables: HEALTH,
    },
    MetricDef {
        id: "health_green_pct",
        name: "Healthy (green) accounts",
        section: Health,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "active accounts scoring ≥ the green bound (default 80) on the period's last day / active accounts with a score × 100",
        bands: &[],
        tables: HEALTH,
    },
    MetricDef {
        id: "health_yellow_pct",
        name: "Yellow accounts",
        section: Health,
        unit: Percent,
        direction: Neutral,
        formula: "active accounts scoring from the yellow bound (default 50) to below green / active accounts with a score × 100",
        bands: &[],
        tables: HEALTH,
    },
    MetricDef {
        id: "health_red_pct",
        name: "Red accounts",
        section: Health,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "active accounts scoring below the yellow bound / active accounts with a score × 100",
        bands: &[],
        tables: HEALTH,
    },
    MetricDef {
        id: "health_green_arr_pct",
        name: "ARR in green health",
        section: Health,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "ARR of green accounts / ARR of active accounts with a score × 100 (ARR = 12 × MRR of the period's last month)",
        bands: &[],
        tables: HEALTH_MRR,
    },
    MetricDef {
        id: "health_yellow_arr_pct",
        name: "ARR in yellow health",
        section: Health,
        unit: Percent,
        direction: Neutral,
        formula: "ARR of yellow accounts / ARR of active accounts with a score × 100",
        bands: &[],
        tables: HEALTH_MRR,
    },
    MetricDef {
        id: "health_red_arr_pct",
        name: "ARR in red health",
        section: Health,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "ARR of red accounts / ARR of active accounts with a score × 100",
        bands: &[],
        tables: HEALTH_MRR,
    },
    MetricDef {
        id: "health_significant_drops",
        name: "Significant health drops",
        section: Health,
        unit: Count,
        direction: LowerIsBetter,
        formula: "active accounts whose score fell by at least significant_drop points (default 10) from the day before the period to its last day",
        bands: &[],
        tables: HEALTH,
    },
    MetricDef {
        id: "dau_mau",
        name: "DAU/MAU",
        section: Health,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ mean DAU over the period's last month / Σ MAU of that month × 100, over active accounts with usage",
        bands: &[],
        tables: USAGE,
    },
    MetricDef {
        id: "active_seat_pct",
        name: "Active share of seats",
        section: Health,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ MAU / Σ seats in the period's last month × 100",
        bands: &[],
        tables: USAGE,
    },
    MetricDef {
        id: "feature_adoption_pct",
        name: "Feature adoption",
        section: Health,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ features_used / Σ features_available (latest row of the period's last month) × 100",
        bands: &[],
        tables: USAGE,
    },
    MetricDef {
        id: "usage_decline_pct",
        name: "Accounts with usage decline",
        section: Health,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "active accounts whose DAU/MAU fell by ≥ 30 % from the month two calendar months before the period's last month (60 days, the same distance for every month) to that month / accounts measured × 100",
        bands: &[],
        tables: USAGE,
    },
    MetricDef {
        id: "time_to_first_login_days",
        name: "Time to first login",
        section: Health,
        unit: Days,
        direction: LowerIsBetter,
        formula: "median days from signed_on to first_login_on, over first logins in the period",
        bands: &[],
        tables: ONBOARDING,
    },
    MetricDef {
        id: "time_to_onboarded_days",
        name: "Time to onboarded",
        section: Health,
        unit: Days,
        direction: LowerIsBetter,
        formula: "median days from signed_on to onboarding_completed_on, over completions in the period",
        bands: &[],
        tables: ONBOARDING,
    },
    MetricDef {
        id: "time_to_value_days",
        name: "Time to value",
        section: Health,
        unit: Days,
        direction: LowerIsBetter,
        formula: "median days from signed_on to first_value_on, over first values in the period (benchmarks: product-led 1–7, SMB 7–30, Mid-Market 30–60, Enterprise 60–120)",
        bands: &[],
        tables: ONBOARDING,
    },
    MetricDef {
        id: "renewals_due",
        name: "Renewals due",
        section: Renewals,
        unit: Count,
        direction: Neutral,
        formula: "renewals whose due_on lies in the period",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewals_due_arr",
        name: "ARR up for renewal",
        section: Renewals,
        unit: Money,
        direction: Neutral,
        formula: "Σ arr of the renewals due in the period",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewals_open",
        name: "Open renewals",
        section: Renewals,
        unit: Count,
        direction: Neutral,
        formula: "renewals due in the period not yet closed (pending, never counted as lost)",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewal_rate",
        name: "Renewal rate",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "closed_won / closed renewals due in the period × 100 (segment benchmarks: SMB 70–85, Mid-Market 85–92, Enterprise 90–97)",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewal_gdr",
        name: "Renewal gross dollar retention",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ renewed_arr / Σ arr over closed renewals due in the period × 100 (SMB 75–90, Mid-Market 88–95, Enterprise 92–98)",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewal_nrr",
        name: "Renewal net retention",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "(Σ renewed_arr + Σ expansion_arr) / Σ arr over closed renewals due in the period × 100 (SMB 85–100, Mid-Market 95–110, Enterprise 100–120)",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewal_forecast_arr",
        name: "Renewal forecast",
        section: Renewals,
        unit: Money,
        direction: HigherIsBetter,
        formula: "Σ renewed_arr of won + Σ arr × probability of open renewals due in the period (probability = forecast_probability, else the stage weight)",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "renewal_forecast_retention",
        name: "Forecast retention",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "renewal forecast / ARR due × 100",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "pipeline_coverage",
        name: "Pipeline coverage",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "renewal forecast (won + weighted open) / renewal target × 100, target = ARR due × the GRR target (90 without one); its ceiling is 100 / GRR target (111 at 90), so the bands sit at 90 and 100",
        bands: COVERAGE_BANDS,
        tables: RENEWALS,
    },
    MetricDef {
        id: "save_rate",
        name: "Save rate",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "at-risk closed renewals won / at-risk closed renewals × 100",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "arr_save_rate",
        name: "ARR save rate",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "Σ renewed_arr / Σ arr over at-risk closed renewals × 100",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "escalation_rate",
        name: "Escalation rate",
        section: Renewals,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "escalated renewals / renewals due in the period × 100",
        bands: ESCALATION_BANDS,
        tables: RENEWALS,
    },
    MetricDef {
        id: "early_renewal_rate",
        name: "Early renewal rate",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "won renewals closed at least early_days (default 30) before due_on / won × 100",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "avg_days_early",
        name: "Days early",
        section: Renewals,
        unit: Days,
        direction: HigherIsBetter,
        formula: "mean days between closed_on and due_on over early renewals",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "multi_year_rate",
        name: "Multi-year rate",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "won renewals with term_months > 12 / won × 100",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "expansion_at_renewal_rate",
        name: "Expansion at renewal",
        section: Renewals,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "won renewals with expansion_arr > 0 / won × 100",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "avg_expansion_arr",
        name: "Average expansion at renewal",
        section: Renewals,
        unit: Money,
        direction: HigherIsBetter,
        formula: "mean expansion_arr over won renewals that expanded",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "avg_discount_pct",
        name: "Average discount",
        section: Renewals,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "mean discount_pct over won renewals (normal 5–10, above 15 a problem)",
        bands: DISCOUNT_BANDS,
        tables: RENEWALS,
    },
    MetricDef {
        id: "save_discount_pct",
        name: "Save discount",
        section: Renewals,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "mean discount_pct over saved (at-risk, won) renewals",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "days_to_close",
        name: "Days to close",
        section: Renewals,
        unit: Days,
        direction: LowerIsBetter,
        formula: "mean closed_on − first_outreach_on over closed renewals",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "proposal_to_signature_days",
        name: "Proposal to signature",
        section: Renewals,
        unit: Days,
        direction: LowerIsBetter,
        formula: "mean closed_on − proposal_sent_on over won renewals",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "touchpoints_to_close",
        name: "Touchpoints to close",
        section: Renewals,
        unit: Count,
        direction: Neutral,
        formula: "mean completed activities of the account between first outreach and close, over closed renewals",
        bands: &[],
        tables: RENEWALS_ACTIVITIES,
    },
    MetricDef {
        id: "forecast_accuracy_30d",
        name: "Forecast accuracy (T-30)",
        section: Renewals,
        unit: Percent,
        direction: Neutral,
        formula: "actual renewed ARR / forecast ARR of the snapshot 30 days before the period end × 100, over the period's closed renewals",
        bands: &[],
        tables: RENEWALS_FORECASTS,
    },
    MetricDef {
        id: "forecast_accuracy_start",
        name: "Forecast accuracy (period start)",
        section: Renewals,
        unit: Percent,
        direction: Neutral,
        formula: "actual renewed ARR / forecast ARR of the snapshot at the period start × 100",
        bands: &[],
        tables: RENEWALS_FORECASTS,
    },
    MetricDef {
        id: "at_risk_accounts",
        name: "At-risk accounts",
        section: Renewals,
        unit: Count,
        direction: LowerIsBetter,
        formula: "accounts with an open renewal flagged at_risk, or in red health with a renewal due within 180 days, on the as-of date",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "at_risk_arr",
        name: "At-risk ARR",
        section: Renewals,
        unit: Money,
        direction: LowerIsBetter,
        formula: "Σ arr of those renewals on the as-of date",
        bands: &[],
        tables: RENEWALS,
    },
    MetricDef {
        id: "expansion_pipeline_arr",
        name: "Open expansion pipeline",
        section: Expansion,
        unit: Money,
        direction: HigherIsBetter,
        formula: "Σ arr of open opportunities created on or before the period end",
        bands: &[],
        tables: OPPORTUNITIES,
    },
    MetricDef {
        id: "expansion_pipeline_count",
        name: "Open expansion deals",
        section: Expansion,
        unit: Count,
        direction: HigherIsBetter,
        formula: "open opportunities created on or before the period end",
        bands: &[],
        tables: OPPORTUNITIES,
    },
    MetricDef {
        id: "expansion_deal_size",
        name: "Mean open deal size",
        section: Expansion,
        unit: Money,
        direction: HigherIsBetter,
        formula: "open pipeline ARR / open deals",
        bands: &[],
        tables: OPPORTUNITIES,
    },
    MetricDef {
        id: "expansion_close_rate",
        name: "Expansion close rate",
        section: Expansion,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "won / (won + lost) opportunities closed in the period × 100",
        bands: &[],
        tables: OPPORTUNITIES,
    },
    MetricDef {
        id: "expansion_days_to_close",
        name: "Expansion days to close",
        section: Expansion,
        unit: Days,
        direction: LowerIsBetter,
        formula: "mean closed_on − created_on over opportunities won in the period",
        bands: &[],
        tables: OPPORTUNITIES,
    },
    MetricDef {
        id: "expansion_won_arr",
        name: "Expansion ARR won",
        section: Expansion,
        unit: Money,
        direction: HigherIsBetter,
        formula: "Σ arr of opportunities won in the period",
        bands: &[],
        tables: OPPORTUNITIES,
    },
    MetricDef {
        id: "activity_completion_pct",
        name: "Activity completion",
        section: Operations,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "completed / (completed + scheduled + cancelled + no-show) activities dated in the period × 100",
        bands: &[],
        tables: ACTIVITIES,
    },
    MetricDef {
        id: "proactive_share_pct",
        name: "Proactive share of time",
        section: Operations,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "minutes of completed proactive activities / minutes of completed categorised activities × 100 (target ≥ 70)",
        bands: PROACTIVE_BANDS,
        tables: ACTIVITIES,
    },
    MetricDef {
        id: "activities_completed",
        name: "Completed activities",
        section: Operations,
        unit: Count,
        direction: Neutral,
        formula: "completed activities dated in the period",
        bands: &[],
        tables: ACTIVITIES,
    },
    MetricDef {
        id: "accounts_not_contacted_60d",
        name: "Accounts not contacted in 60+ days",
        section: Operations,
        unit: Count,
        direction: LowerIsBetter,
        formula: "active accounts whose last completed activity is 60 or more days before the period end (or never)",
        bands: &[],
        tables: ACTIVITIES,
    },
    MetricDef {
        id: "accounts_not_contacted_60d_pct",
        name: "Share not contacted in 60+ days",
        section: Operations,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "accounts not contacted in 60+ days / active accounts × 100",
        bands: &[],
        tables: ACTIVITIES,
    },
    MetricDef {
        id: "qbr_completion_pct",
        name: "QBR completion this quarter",
        section: Operations,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "active accounts with a completed qbr activity in the calendar quarter of the period end (up to it) / active accounts × 100",
        bands: &[],
        tables: ACTIVITIES,
    },
    MetricDef {
        id: "tasks_overdue",
        name: "Tasks overdue",
        section: Operations,
        unit: Count,
        direction: LowerIsBetter,
        formula: "open tasks due before the as-of date",
        bands: &[],
        tables: TASKS,
    },
    MetricDef {
        id: "tasks_due_today",
        name: "Tasks due today",
        section: Operations,
        unit: Count,
        direction: Neutral,
        formula: "open tasks due on the as-of date",
        bands: &[],
        tables: TASKS,
    },
    MetricDef {
        id: "tasks_due_this_week",
        name: "Tasks due this week",
        section: Operations,
        unit: Count,
        direction: Neutral,
        formula: "open tasks due after the as-of date up to the end of its ISO week",
        bands: &[],
        tables: TASKS,
    },
    MetricDef {
        id: "tickets_opened",
        name: "Tickets opened",
        section: Support,
        unit: Count,
        direction: Neutral,
        formula: "tickets opened in the period",
        bands: &[],
        tables: TICKETS,
    },
    MetricDef {
        id: "first_response_hours",
        name: "Median first response",
        section: Support,
        unit: Hours,
        direction: LowerIsBetter,
        formula: "median hours from opened_at to first_response_at over tickets opened in the period (target < 4)",
        bands: RESPONSE_BANDS,
        tables: TICKETS,
    },
    MetricDef {
        id: "resolution_hours",
        name: "Median resolution time",
        section: Support,
        unit: Hours,
        direction: LowerIsBetter,
        formula: "median hours from opened_at to resolved_at over tickets opened in the period (target < 24)",
        bands: RESOLUTION_BANDS,
        tables: TICKETS,
    },
    MetricDef {
        id: "ticket_escalation_rate",
        name: "Ticket escalation rate",
        section: Support,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "escalated / tickets opened in the period × 100 (target < 10)",
        bands: TICKET_ESCALATION_BANDS,
        tables: TICKETS,
    },
    MetricDef {
        id: "ticket_reopen_rate",
        name: "Ticket reopen rate",
        section: Support,
        unit: Percent,
        direction: LowerIsBetter,
        formula: "reopened / tickets opened in the period × 100",
        bands: &[],
        tables: TICKETS,
    },
    MetricDef {
        id: "ticket_spike_accounts",
        name: "Accounts with a ticket spike",
        section: Support,
        unit: Count,
        direction: LowerIsBetter,
        formula: "accounts whose tickets of the last 30 days before the period end are at least 2 (one ticket is never a spike, even after three quiet windows) and ≥ 2 × the mean of the three 30-day windows before",
        bands: &[],
        tables: TICKETS,
    },
    MetricDef {
        id: "nps",
        name: "Net Promoter Score",
        section: Experience,
        unit: Score,
        direction: HigherIsBetter,
        formula: "% promoters (9–10) − % detractors (0–6) of answered NPS responses in the period",
        bands: NPS_BANDS,
        tables: SURVEYS,
    },
    MetricDef {
        id: "csat",
        name: "CSAT",
        section: Experience,
        unit: Score,
        direction: HigherIsBetter,
        formula: "mean score (1–5) of answered CSAT responses in the period",
        bands: &[],
        tables: SURVEYS,
    },
    MetricDef {
        id: "csat_satisfied_pct",
        name: "CSAT satisfied",
        section: Experience,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "answered CSAT responses scoring 4–5 / answered CSAT responses × 100",
        bands: &[],
        tables: SURVEYS,
    },
    MetricDef {
        id: "ces",
        name: "Customer effort score",
        section: Experience,
        unit: Score,
        direction: LowerIsBetter,
        formula: "mean score (1–7) of answered CES responses in the period",
        bands: &[],
        tables: SURVEYS,
    },
    MetricDef {
        id: "survey_response_rate",
        name: "Survey response rate",
        section: Experience,
        unit: Percent,
        direction: HigherIsBetter,
        formula: "answered survey responses / sent survey responses in the period × 100",
        bands: &[],
        tables: SURVEYS,
    },
];

/// The definition of `id`, if the catalog has it.
pub fn get(id: &str) -> Option<&'static MetricDef> {
    CATALOG.iter().find(|m| m.id == id)
}

/// Every metric id, in catalog order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|m| m.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for m in CATALOG {
            assert!(seen.insert(m.id), "duplicate id {}", m.id);
            assert!(
                m.id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                m.id
            );
        }
    }

    #[test]
    fn bands_do_not_overlap() {
        for m in CATALOG {
            for pair in m.bands.windows(2) {
                let (hi, lo) = if m.direction == LowerIsBetter {
                    (pair[1], pair[0])
                } else {
                    (pair[0], pair[1])
                };
                assert_eq!(
                    hi.min, lo.max,
                    "{}: bands {} and {} must touch",
                    m.id, pair[0].label, pair[1].label
                );
            }
        }
    }
}
