//! Benchmark status: where a value sits against its metric's bands from METRICS.md, or against a
//! configured target, which overrides the bands. One status, one colour, everywhere.

use super::Value;
use super::catalog::{Band, Direction, MetricDef, Unit};
use serde::Serialize;

/// The colour of a number: green good, amber warning, red bad, grey missing; neutral when the
/// metric has neither bands nor a target (shown without colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Good,
    Warning,
    Bad,
    Missing,
    Neutral,
}

impl Status {
    /// The CSS class and JSON name.
    pub fn css_class(self) -> &'static str {
        match self {
            Status::Good => "good",
            Status::Warning => "warning",
            Status::Bad => "bad",
            Status::Missing => "missing",
            Status::Neutral => "neutral",
        }
    }

    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Status::Good => "good",
            Status::Warning => "warning",
            Status::Bad => "bad",
            Status::Missing => "missing",
            Status::Neutral => "",
        }
    }
}

/// The benchmark band `value` falls in (`min <= value < max`).
pub fn band(def: &MetricDef, value: Value) -> Option<&'static Band> {
    let v = value?;
    def.bands
        .iter()
        .find(|b| b.min.is_none_or(|lo| v >= lo) && b.max.is_none_or(|hi| v < hi))
}

/// How far short of a target still counts as a warning: 5 % of |target|, at least one point
/// for percent metrics.
pub fn tolerance(def: &MetricDef, target: f64) -> f64 {
    let t = target.abs() * 0.05;
    if def.unit == Unit::Percent {
        t.max(1.0)
    } else {
        t
    }
}

/// The status of `value`: against `target` when one is configured (meeting it is good, missing
/// it by at most the tolerance a warning, else bad; a neutral metric is good within the
/// tolerance either side), else against the metric's bands.
pub fn status(def: &MetricDef, value: Value, target: Option<f64>) -> Status {
    let Some(v) = value else {
        return Status::Missing;
    };
    if let Some(t) = target {
        let tol = tolerance(def, t);
        let shortfall = match def.direction {
            Direction::HigherIsBetter => t - v,
            Direction::LowerIsBetter => v - t,
            Direction::Neutral => (v - t).abs() - tol,
        };
        return if shortfall <= 0.0 {
            Status::Good
        } else if shortfall <= tol {
            Status::Warning
        } else {
            Status::Bad
        };
    }
    match band(def, value) {
        Some(b) => b.status,
        None => Status::Neutral,
    }
}

/// Which renewal benchmark of METRICS.md a metric is measured against per segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewalBenchmark {
    /// Logo renewal rate (`renewal_rate`).
    Logo,
    /// Gross dollar retention at renewal (`renewal_gdr`).
    Dollar,
    /// Net retention at renewal (`renewal_nrr`).
    Net,
}

impl RenewalBenchmark {
    /// The benchmark a metric id is compared with per segment, if any.
    pub fn of(id: &str) -> Option<RenewalBenchmark> {
        match id {
            "renewal_rate" => Some(RenewalBenchmark::Logo),
            "renewal_gdr" => Some(RenewalBenchmark::Dollar),
            "renewal_nrr" => Some(RenewalBenchmark::Net),
            _ => None,
        }
    }
}

/// The benchmark range (low, high) of a segment: SMB logo 70–85 / dollar 75–90 / net 85–100;
/// Mid-Market 85–92 / 88–95 / 95–110; Enterprise 90–97 / 92–98 / 100–120.
pub fn segment_renewal_benchmark(segment: &str, kind: RenewalBenchmark) -> Option<(f64, f64)> {
    let row = match segment.to_ascii_lowercase().as_str() {
        "smb" => [(70.0, 85.0), (75.0, 90.0), (85.0, 100.0)],
        "mid-market" | "mid market" | "midmarket" => [(85.0, 92.0), (88.0, 95.0), (95.0, 110.0)],
        "enterprise" => [(90.0, 97.0), (92.0, 98.0), (100.0, 120.0)],
        _ => return None,
    };
    Some(row[kind as usize])
}

/// The status of a metric for one segment: a configured target first; then, for the renewal
/// metrics, the segment's benchmark (at or above its low end good, up to 5 points below a
/// warning, further below bad); otherwise the metric's own bands.
pub fn segment_status(def: &MetricDef, value: Value, segment: &str, target: Option<f64>) -> Status {
    if target.is_some() || value.is_none() {
        return status(def, value, target);
    }
    match RenewalBenchmark::of(def.id).and_then(|kind| segment_renewal_benchmark(segment, kind)) {
        Some((low, _)) => match value {
            Some(v) if v >= low => Status::Good,
            Some(v) if v >= low - 5.0 => Status::Warning,
            _ => Status::Bad,
        },
        None => status(def, value, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalog::get;

    fn s(id: &str, v: f64) -> Status {
        status(get(id).unwrap_or_else(|| panic!("{id}")), Some(v), None)
    }

    #[test]
    fn nrr_band_edges() {
        // best ≥ 120, good 110–120, acceptable 100–110, warning 90–100, critical < 90.
        assert_eq!(
            band(get("nrr").unwrap_or_else(|| panic!()), Some(120.0)).map(|b| b.label),
            Some("best")
        );
        assert_eq!(
            band(get("nrr").unwrap_or_else(|| panic!()), Some(119.99)).map(|b| b.label),
            Some("good")
        );
        assert_eq!(s("nrr", 100.0), Status::Good);
        assert_eq!(s("nrr", 99.99), Status::Warning);
        assert_eq!(s("nrr", 90.0), Status::Warning);
        assert_eq!(s("nrr", 89.99), Status::Bad);
    }

    #[test]
    fn grr_logo_churn_and_nps_edges() {
        assert_eq!(s("grr", 85.0), Status::Good);
        assert_eq!(s("grr", 84.9), Status::Warning);
        assert_eq!(s("grr", 79.9), Status::Bad);
        // Lower is better: annual logo churn 15 is a warning, 20 critical, 14.9 acceptable.
        assert_eq!(s("logo_churn_rate_annualised", 14.9), Status::Good);
        assert_eq!(s("logo_churn_rate_annualised", 15.0), Status::Warning);
        assert_eq!(s("logo_churn_rate_annualised", 20.0), Status::Bad);
        assert_eq!(s("nps", 10.0), Status::Good);
        assert_eq!(s("nps", 9.0), Status::Bad);
        assert_eq!(
            band(get("nps").unwrap_or_else(|| panic!()), Some(-40.0)).map(|b| b.label),
            Some("weak")
        );
    }

    #[test]
    fn pipeline_coverage_bands_are_reachable_under_the_default_target() {
        // The default target is ARR due × the GRR target (90 %), so a forecast of every dollar
        // due gives 100 / 0.9 = 111.1 %, the ceiling: it must be able to read as covered.
        assert_eq!(s("pipeline_coverage", 100.0 / 0.9), Status::Good);
        assert_eq!(s("pipeline_coverage", 100.0), Status::Good);
        assert_eq!(s("pipeline_coverage", 99.9), Status::Warning);
        assert_eq!(s("pipeline_coverage", 90.0), Status::Warning);
        assert_eq!(s("pipeline_coverage", 89.9), Status::Bad);
        // A configured target (a pipeline goal well above the renewal target) judges instead.
        let coverage = get("pipeline_coverage").unwrap_or_else(|| panic!());
        assert_eq!(status(coverage, Some(111.1), Some(150.0)), Status::Bad);
    }

    #[test]
    fn targets_override_bands() {
        let nrr = get("nrr").unwrap_or_else(|| panic!());
        // Target 110: 110 meets it; 105 is within the tolerance (5.5 points); 104 is not.
        assert_eq!(status(nrr, Some(110.0), Some(110.0)), Status::Good);
        assert_eq!(status(nrr, Some(105.0), Some(110.0)), Status::Warning);
        assert_eq!(status(nrr, Some(104.0), Some(110.0)), Status::Bad);
        // Lower is better: churned MRR target 1,000 → 1,040 is a warning, 1,100 bad.
        let churned = get("churned_mrr").unwrap_or_else(|| panic!());
        assert_eq!(status(churned, Some(900.0), Some(1000.0)), Status::Good);
        assert_eq!(status(churned, Some(1040.0), Some(1000.0)), Status::Warning);
        assert_eq!(status(churned, Some(1100.0), Some(1000.0)), Status::Bad);
        // Percent tolerance is at least one point.
        let ret = get("logo_retention_rate").unwrap_or_else(|| panic!());
        assert_eq!(tolerance(ret, 10.0), 1.0);
    }

    #[test]
    fn per_segment_renewal_benchmarks() {
        let rate = get("renewal_rate").unwrap_or_else(|| panic!());
        assert_eq!(
            segment_renewal_benchmark("SMB", RenewalBenchmark::Logo),
            Some((70.0, 85.0))
        );
        assert_eq!(
            segment_renewal_benchmark("Enterprise", RenewalBenchmark::Net),
            Some((100.0, 120.0))
        );
        // 88 % logo renewal is good for Mid-Market (85–92) but a warning for Enterprise (90–97)
        // and bad for Enterprise at 84.
        assert_eq!(
            segment_status(rate, Some(88.0), "Mid-Market", None),
            Status::Good
        );
        assert_eq!(
            segment_status(rate, Some(88.0), "Enterprise", None),
            Status::Warning
        );
        assert_eq!(
            segment_status(rate, Some(84.0), "Enterprise", None),
            Status::Bad
        );
        // A target wins; an unknown segment has no benchmark.
        assert_eq!(
            segment_status(rate, Some(88.0), "Enterprise", Some(85.0)),
            Status::Good
        );
        assert_eq!(
            segment_status(rate, Some(88.0), "Startups", None),
            Status::Neutral
        );
        assert_eq!(segment_status(rate, None, "SMB", None), Status::Missing);
    }

    #[test]
    fn missing_and_neutral() {
        assert_eq!(
            status(get("nrr").unwrap_or_else(|| panic!()), None, Some(100.0)),
            Status::Missing
        );
        assert_eq!(s("mrr", 1000.0), Status::Neutral);
        assert_eq!(Status::Missing.css_class(), "missing");
    }
}
