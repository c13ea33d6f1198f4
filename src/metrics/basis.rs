//! The basis of a rate: the window a retention or churn rate is measured over (a month, a quarter,
//! a year, the trailing twelve months) or "annualised". A rate over one month and the same rate
//! over twelve are different numbers, so every rate says its basis, and a target or benchmark band
//! judges only values on its own basis (`judge`). Targets and bands are annual unless a target
//! names another basis (`targets: { nrr: { annual: 110, quarter: 102, month: 100.5 } }`).

use super::Value;
use super::catalog::MetricDef;
use super::status::{self, Status};
use crate::period::{Period, PeriodKind};
use serde::Serialize;

/// The window a rate's value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// One month (a week's revenue metrics use the month containing its last day).
    Month,
    /// One fiscal quarter.
    Quarter,
    /// One fiscal year.
    Year,
    /// The trailing twelve months ending at a month.
    Ttm,
    /// A rate over any window, compounded to twelve months.
    Annualised,
}

/// How a metric's value depends on the length of the window it is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Windowing {
    /// Not a window rate (money, counts, scores, renewal outcomes): no basis.
    None,
    /// A cohort rate over the window (NRR, GRR, logo churn...): its basis is the window's.
    Window,
    /// Annualised whatever the window.
    Annualised,
}

impl Basis {
    /// The basis of `def`'s value over `period`, `None` for a metric that is not a window rate.
    pub fn of(def: &MetricDef, period: &Period) -> Option<Basis> {
        match def.windowing() {
            Windowing::None => None,
            Windowing::Annualised => Some(Basis::Annualised),
            Windowing::Window => Some(match period.kind {
                PeriodKind::Week | PeriodKind::Month => Basis::Month,
                PeriodKind::Quarter => Basis::Quarter,
                PeriodKind::Year => Basis::Year,
                PeriodKind::Ttm => Basis::Ttm,
            }),
        }
    }

    /// The short label shown after a rate's name: "month", "quarter", "year", "TTM",
    /// "annualised".
    pub fn label(self) -> &'static str {
        match self {
            Basis::Month => "month",
            Basis::Quarter => "quarter",
            Basis::Year => "year",
            Basis::Ttm => "TTM",
            Basis::Annualised => "annualised",
        }
    }

    /// The name in data attributes, JSON and CSS: `month`, `quarter`, `year`, `ttm`,
    /// `annualised`.
    pub fn key(self) -> &'static str {
        match self {
            Basis::Month => "month",
            Basis::Quarter => "quarter",
            Basis::Year => "year",
            Basis::Ttm => "ttm",
            Basis::Annualised => "annualised",
        }
    }

    /// Whether the value covers (or is scaled to) twelve months: what annual targets and the
    /// benchmark bands judge.
    pub fn is_annual(self) -> bool {
        matches!(self, Basis::Year | Basis::Ttm | Basis::Annualised)
    }

    /// The basis a target for this basis is written under in `targets:`: `annual` for the
    /// twelve-month bases, else `quarter` or `month`.
    pub fn target_key(self) -> &'static str {
        if self.is_annual() {
            "annual"
        } else {
            self.key()
        }
    }
}

/// The period a headline (a KPI tile) shows `def` over when the page covers `period`: for a
/// window rate over less than twelve months, the trailing twelve months ending at the period's
/// last month (METRICS.md: the executive headline uses the trailing 12 months ending at the
/// period's last month), with the period's own figure beside it; otherwise the period itself.
pub fn headline_period(def: &MetricDef, period: &Period) -> Period {
    if def.windowing() == Windowing::Window && period.months_count() < 12 {
        Period::ttm_ending(period.months().1)
    } else {
        period.clone()
    }
}

/// A metric name with its basis, "Net revenue retention (TTM)"; the bare name without one, or
/// when the name already says it ("Logo churn rate (annualised)").
pub fn named(def: &MetricDef, basis: Option<Basis>) -> String {
    match basis {
        Some(b) if !def.name.ends_with(&format!("({})", b.label())) => {
            format!("{} ({})", def.name, b.label())
        }
        _ => def.name.to_string(),
    }
}

/// A status and what it was judged against.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub status: Status,
    /// The target that judged the value, if one did.
    pub target: Option<f64>,
    /// The basis of the value.
    pub basis: Option<Basis>,
    /// For a rate judged good, warning or bad: the basis of what judged it, as written in
    /// `targets:` (`annual`, `quarter`, `month`; the bands are `annual`). It always equals
    /// `basis.target_key()`; pages expose both so a test can check every status.
    pub judged_on: Option<&'static str>,
    /// Why a value has no good/bad status although its metric has a target or bands.
    pub why_neutral: Option<String>,
}

/// The status of `value`, a value of `def` on `basis`, against `target` (the configured target
/// for that basis, see `Config::target`) or else the metric's bands. Bands are annual: they judge
/// only values with no basis or an annual one (TTM, year, annualised). A rate on a basis with no
/// target of its own and no bands that fit it is neutral, and says why.
pub fn judge(
    def: &MetricDef,
    value: Value,
    basis: Option<Basis>,
    target: Option<f64>,
) -> Judgement {
    let bands_fit = basis.is_none_or(Basis::is_annual);
    let status = if target.is_some() || bands_fit || value.is_none() {
        status::status(def, value, target)
    } else {
        Status::Neutral
    };
    let why_neutral = match basis {
        Some(b) if target.is_none() && !bands_fit && value.is_some() => Some(format!(
            "no {} target: targets and benchmark bands judge annual (TTM) values",
            b.label()
        )),
        _ => None,
    };
    let judged = matches!(status, Status::Good | Status::Warning | Status::Bad);
    Judgement {
        status,
        target,
        basis,
        judged_on: basis.filter(|_| judged).map(Basis::target_key),
        why_neutral,
    }
}

/// `judge` for one breakdown group's value: a rate as `judge`; any other metric against its
/// target, else (the renewal metrics) the segment's benchmark (`status::segment_status`).
pub fn judge_segment(
    def: &MetricDef,
    value: Value,
    basis: Option<Basis>,
    target: Option<f64>,
    segment: &str,
) -> Judgement {
    if basis.is_some() {
        return judge(def, value, basis, target);
    }
    Judgement {
        status: status::segment_status(def, value, segment, target),
        target,
        basis,
        judged_on: None,
        why_neutral: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalog::get;
    use crate::period::Month;

    fn def(id: &str) -> &'static MetricDef {
        get(id).unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn a_rate_takes_its_basis_from_the_window() {
        let october = Period::month(Month::new(2026, 10));
        let week = Period::week_of(october.end);
        let quarter = Period::quarter_of(Month::new(2026, 10), 1);
        let year = Period::year_of(Month::new(2026, 10), 1);
        let ttm = Period::ttm_ending(Month::new(2026, 10));
        let nrr = def("nrr");
        assert_eq!(Basis::of(nrr, &october), Some(Basis::Month));
        // A week's revenue metrics use the month containing its last day.
        assert_eq!(Basis::of(nrr, &week), Some(Basis::Month));
        assert_eq!(Basis::of(nrr, &quarter), Some(Basis::Quarter));
        assert_eq!(Basis::of(nrr, &year), Some(Basis::Year));
        assert_eq!(Basis::of(def("logo_churn_rate"), &ttm), Some(Basis::Ttm));
        assert_eq!(
            Basis::of(def("logo_churn_rate_annualised"), &october),
            Some(Basis::Annualised)
        );
        // Money, scores and renewal outcomes have no basis.
        assert_eq!(Basis::of(def("mrr"), &october), None);
        assert_eq!(Basis::of(def("nps"), &october), None);
        assert_eq!(Basis::of(def("renewal_rate"), &october), None);
        assert_eq!(named(nrr, Some(Basis::Ttm)), "Net revenue retention (TTM)");
        assert_eq!(named(def("mrr"), None), "MRR");
        assert_eq!(
            named(def("logo_churn_rate_annualised"), Some(Basis::Annualised)),
            "Logo churn rate (annualised)"
        );
    }

    #[test]
    fn annual_targets_and_bands_judge_only_annual_values() {
        let nrr = def("nrr");
        // October's NRR 99.6 % against the annual 110 % target: no status, and why.
        let month = judge(nrr, Some(99.6), Some(Basis::Month), None);
        assert_eq!(month.status, Status::Neutral);
        assert_eq!(
            month.why_neutral.as_deref(),
            Some("no month target: targets and benchmark bands judge annual (TTM) values")
        );
        // The same value on the TTM basis is judged: a warning against the 110 % target
        // (within 5.5 points), "warning" against the bands (90–100).
        let ttm = judge(nrr, Some(105.0), Some(Basis::Ttm), Some(110.0));
        assert_eq!((ttm.status, ttm.target), (Status::Warning, Some(110.0)));
        assert_eq!(
            judge(nrr, Some(99.6), Some(Basis::Ttm), None).status,
            Status::Warning
        );
        // A month target judges a month value: 100.6 meets 100.5.
        let own = judge(nrr, Some(100.6), Some(Basis::Month), Some(100.5));
        assert_eq!(own.status, Status::Good);
        assert_eq!(own.why_neutral, None);
        assert_eq!(own.judged_on, Some("month"));
        assert_eq!(ttm.judged_on, Some("annual"));
        assert_eq!(month.judged_on, None);
        // Annualised churn meets the annual bands (15–20 warning).
        assert_eq!(
            judge(
                def("logo_churn_rate_annualised"),
                Some(16.0),
                Some(Basis::Annualised),
                None
            )
            .status,
            Status::Warning
        );
        // A missing value stays missing; a metric with no basis is judged as before.
        assert_eq!(
            judge(nrr, None, Some(Basis::Month), None).status,
            Status::Missing
        );
        assert_eq!(
            judge(def("nps"), Some(45.0), None, Some(40.0)).status,
            Status::Good
        );
        // Per segment: a month's NRR stays unjudged; renewal rates meet their segment's
        // benchmark (88 % is good for Mid-Market, 85–92).
        let seg = judge_segment(nrr, Some(99.6), Some(Basis::Month), None, "SMB");
        assert_eq!(seg.status, Status::Neutral);
        assert_eq!(
            judge_segment(def("renewal_rate"), Some(88.0), None, None, "Mid-Market").status,
            Status::Good
        );
    }

    #[test]
    fn headlines_of_rates_are_the_trailing_twelve_months() {
        let october = Period::month(Month::new(2026, 10));
        let q3 = Period::quarter_of(Month::new(2026, 9), 1);
        let ttm = headline_period(def("nrr"), &october);
        assert_eq!(
            (ttm.kind, ttm.id.as_str()),
            (PeriodKind::Ttm, "ttm-2026-10")
        );
        assert_eq!(
            (ttm.start, ttm.end),
            (
                Month::new(2025, 11).first_day(),
                Month::new(2026, 10).last_day()
            )
        );
        assert_eq!(headline_period(def("grr"), &q3).id, "ttm-2026-09");
        // Money and already-annual values keep the page's period.
        assert_eq!(headline_period(def("mrr"), &october), october);
        let year = Period::year_of(Month::new(2025, 6), 1);
        assert_eq!(headline_period(def("nrr"), &year), year);
        assert_eq!(
            headline_period(def("logo_churn_rate_annualised"), &october),
            october
        );
    }

    #[test]
    fn target_keys_group_the_annual_bases() {
        assert_eq!(Basis::Ttm.target_key(), "annual");
        assert_eq!(Basis::Year.target_key(), "annual");
        assert_eq!(Basis::Annualised.target_key(), "annual");
        assert_eq!(Basis::Quarter.target_key(), "quarter");
        assert_eq!(Basis::Month.target_key(), "month");
    }
}
