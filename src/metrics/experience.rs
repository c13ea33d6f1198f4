//! Experience metrics from surveys.csv (METRICS.md, Experience): NPS, CSAT, CES and the survey
//! response rate over the responses dated inside a period.

use super::{Context, Scope, Value, Values, pct};
use crate::data::{SurveyKind, SurveyResponse};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Counts behind an NPS.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NpsBreakdown {
    /// Scores 9–10.
    pub promoters: u64,
    /// Scores 7–8.
    pub passives: u64,
    /// Scores 0–6.
    pub detractors: u64,
}

impl NpsBreakdown {
    pub fn answered(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// % promoters − % detractors, missing when nobody answered.
    pub fn nps(&self) -> Value {
        let n = self.answered() as f64;
        pct(self.promoters as f64 - self.detractors as f64, n)
    }
}

/// Sums of one period's survey responses.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Tally {
    nps: NpsBreakdown,
    csat_sum: i64,
    csat_n: u64,
    csat_satisfied: u64,
    ces_sum: i64,
    ces_n: u64,
    sent: u64,
    answered: u64,
}

impl Tally {
    fn add(&mut self, r: &SurveyResponse) {
        self.sent += 1;
        let Some(score) = r.score else { return };
        self.answered += 1;
        match r.kind {
            SurveyKind::Nps if score >= 9 => self.nps.promoters += 1,
            SurveyKind::Nps if score >= 7 => self.nps.passives += 1,
            SurveyKind::Nps => self.nps.detractors += 1,
            SurveyKind::Csat => {
                self.csat_sum += score;
                self.csat_n += 1;
                if score >= 4 {
                    self.csat_satisfied += 1;
                }
            }
            SurveyKind::Ces => {
                self.ces_sum += score;
                self.ces_n += 1;
            }
        }
    }

    fn write(&self, out: &mut Values) {
        let mean = |sum: i64, n: u64| {
            if n == 0 {
                None
            } else {
                Some(sum as f64 / n as f64)
            }
        };
        out.insert("nps", self.nps.nps());
        out.insert("csat", mean(self.csat_sum, self.csat_n));
        out.insert(
            "csat_satisfied_pct",
            pct(self.csat_satisfied as f64, self.csat_n as f64),
        );
        out.insert("ces", mean(self.ces_sum, self.ces_n));
        out.insert(
            "survey_response_rate",
            pct(self.answered as f64, self.sent as f64),
        );
    }
}

/// The responses of accounts in `scope` dated in `start..=end`.
fn responses<'a>(
    ctx: &'a Context,
    scope: Scope<'a>,
    start: NaiveDate,
    end: NaiveDate,
) -> impl Iterator<Item = &'a SurveyResponse> {
    // Surveys are sorted by account: a narrow scope reads only its accounts' responses.
    super::scoped_rows(
        ctx.data.surveys.as_deref().unwrap_or_default(),
        scope,
        ctx.data.accounts.rows.len() as crate::data::AccountIx,
        |r| r.account,
    )
    .filter(move |r| start <= r.date && r.date <= end)
}

/// The NPS counts of accounts in `scope` over `start..=end` (a period, or a CSM's book).
pub fn nps_breakdown(
    ctx: &Context,
    scope: Scope,
    start: NaiveDate,
    end: NaiveDate,
) -> NpsBreakdown {
    let mut t = Tally::default();
    responses(ctx, scope, start, end).for_each(|r| t.add(r));
    t.nps
}

/// Below this many answers a survey score is a small sample: shown with its count and without
/// a good/bad status.
pub const SMALL_SAMPLE: u64 = 30;

/// How many answered responses each survey metric of a period rests on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponseCounts {
    /// Answered NPS surveys.
    pub nps: u64,
    /// Answered CSAT surveys.
    pub csat: u64,
    /// Answered CES surveys.
    pub ces: u64,
}

impl ResponseCounts {
    /// The answers behind metric `id`, `None` for a metric that is not a survey score.
    pub fn of(&self, id: &str) -> Option<u64> {
        match id {
            "nps" => Some(self.nps),
            "csat" | "csat_satisfied_pct" => Some(self.csat),
            "ces" => Some(self.ces),
            _ => None,
        }
    }

    /// Whether metric `id` is a survey score resting on fewer than `SMALL_SAMPLE` answers.
    pub fn small(&self, id: &str) -> bool {
        self.of(id).is_some_and(|n| n < SMALL_SAMPLE)
    }
}

/// The answered responses per survey kind of accounts in `scope` over `start..=end`.
pub fn response_counts(
    ctx: &Context,
    scope: Scope,
    start: NaiveDate,
    end: NaiveDate,
) -> ResponseCounts {
    let mut t = Tally::default();
    responses(ctx, scope, start, end).for_each(|r| t.add(r));
    ResponseCounts {
        nps: t.nps.answered(),
        csat: t.csat_n,
        ces: t.ces_n,
    }
}

/// The experience metrics per touchpoint (responses without one are grouped as `(none)`).
pub fn by_touchpoint(
    ctx: &Context,
    scope: Scope,
    start: NaiveDate,
    end: NaiveDate,
) -> BTreeMap<String, Values> {
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for r in responses(ctx, scope, start, end) {
        tallies
            .entry(r.touchpoint.as_deref().unwrap_or("(none)").to_string())
            .or_default()
            .add(r);
    }
    tallies
        .into_iter()
        .map(|(k, t)| {
            let mut v = Values::new();
            t.write(&mut v);
            (k, v)
        })
        .collect()
}

/// Adds the experience metrics of `period` for the accounts in `scope` to `out`.
pub fn compute(ctx: &Context, period: &crate::period::Period, scope: Scope, out: &mut Values) {
    if ctx.data.surveys.is_none() {
        return;
    }
    let mut t = Tally::default();
    responses(ctx, scope, period.start, period.end).for_each(|r| t.add(r));
    t.write(out);
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month};
    use super::*;
    use crate::period::Period;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, d).unwrap_or_default()
    }

    fn with_surveys(rows: &[(u32, &str, SurveyKind, Option<i64>, u32)]) -> crate::data::Dataset {
        let mut ds = dataset(&[("a", "SMB"), ("b", "Enterprise")], &[]);
        ds.surveys = Some(
            rows.iter()
                .map(|(account, tp, kind, score, d)| SurveyResponse {
                    account: *account,
                    date: day(*d),
                    kind: *kind,
                    score: *score,
                    touchpoint: Some((*tp).into()),
                })
                .collect(),
        );
        ds
    }

    fn values(ds: &crate::data::Dataset, scope: Scope) -> Values {
        let config = config();
        let ctx = Context {
            data: ds,
            config: &config,
            as_of: day(30),
        };
        let mut out = Values::new();
        compute(&ctx, &Period::month(month("2026-04")), scope, &mut out);
        out
    }

    #[test]
    fn nps_30_from_5_promoters_3_passives_2_detractors() {
        use SurveyKind::Nps;
        let scores = [10, 9, 9, 10, 9, 8, 7, 7, 6, 0];
        let rows: Vec<_> = scores
            .iter()
            .map(|&s| (0, "qbr", Nps, Some(s), 10))
            .collect();
        let v = values(&with_surveys(&rows), Scope::All);
        // 50 % promoters − 20 % detractors.
        assert_eq!(v["nps"], Some(30.0));
        assert_eq!(v["survey_response_rate"], Some(100.0));
        assert_eq!(v["csat"], None);
    }

    #[test]
    fn csat_ces_and_response_rate() {
        use SurveyKind::*;
        let ds = with_surveys(&[
            (0, "support", Csat, Some(5), 1), // first day of the period counts
            (0, "support", Csat, Some(4), 2),
            (1, "support", Csat, Some(2), 30), // last day counts
            (1, "onboarding", Ces, Some(3), 5),
            (1, "onboarding", Ces, Some(6), 6),
            (1, "onboarding", Ces, None, 7), // sent, not answered
        ]);
        let v = values(&ds, Scope::All);
        // CSAT 5, 4, 2 → mean 11/3, two of three satisfied; CES 3 and 6; 5 of 6 answered.
        assert_eq!(v["csat"], Some(11.0 / 3.0));
        assert_eq!(v["csat_satisfied_pct"], Some(2.0 / 3.0 * 100.0));
        assert_eq!(v["ces"], Some(4.5));
        assert_eq!(v["survey_response_rate"], Some(5.0 / 6.0 * 100.0));
        assert_eq!(v["nps"], None);
    }

    #[test]
    fn scope_and_touchpoints() {
        use SurveyKind::Nps;
        let ds = with_surveys(&[
            (0, "qbr", Nps, Some(10), 3),
            (1, "support", Nps, Some(0), 3),
            (1, "support", Nps, None, 4),
        ]);
        let only_b = [false, true];
        let v = values(&ds, Scope::Only(&only_b));
        assert_eq!(v["nps"], Some(-100.0));
        assert_eq!(v["survey_response_rate"], Some(50.0));
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: day(30),
        };
        let t = by_touchpoint(&ctx, Scope::All, day(1), day(30));
        assert_eq!(t["qbr"]["nps"], Some(100.0));
        assert_eq!(t["support"]["nps"], Some(-100.0));
        let counts = response_counts(&ctx, Scope::All, day(1), day(30));
        assert_eq!(
            counts,
            ResponseCounts {
                nps: 2,
                csat: 0,
                ces: 0
            }
        );
        assert_eq!(counts.of("nps"), Some(2));
        assert_eq!(counts.of("nrr"), None);
        assert!(counts.small("nps"));
        assert!(!counts.small("nrr"));
        let b = nps_breakdown(&ctx, Scope::All, day(1), day(30));
        assert_eq!(
            (b.promoters, b.passives, b.detractors, b.answered()),
            (1, 0, 1, 2)
        );
    }

    #[test]
    fn no_surveys_table_and_empty_period() {
        let mut ds = with_surveys(&[]);
        let v = values(&ds, Scope::All);
        assert_eq!(v["nps"], None);
        assert_eq!(v["survey_response_rate"], None);
        ds.surveys = None;
        assert!(values(&ds, Scope::All).is_empty());
    }
}
