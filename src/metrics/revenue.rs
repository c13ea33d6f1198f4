//! Revenue metrics from mrr.csv (METRICS.md, Revenue and Growth): MRR, ARR, ARPA, the MRR
//! movements with an exactly balancing bridge, cohort retention over a period (NRR, GRR, logo
//! churn), annualised rates, LTV and growth. All sums are integer cents; ratios are formed from
//! exact sums and become `f64` only at the end.

use super::conventions::{Conventions, RetentionBasis, SamePeriod};
use super::{Context, Scope, Value, Values, pct};
use crate::config::LtvLifetime;
use crate::data::{AccountIx, Money, MrrTable};
use crate::period::{Month, Period};

/// The MRR bridge over months `first..=last`:
/// starting + new + reactivation + expansion − contraction − churned = ending, to the cent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Movements {
    /// MRR of the month before `first`.
    pub starting: Money,
    pub new: Money,
    pub reactivation: Money,
    pub expansion: Money,
    pub contraction: Money,
    pub churned: Money,
    /// MRR of `last`.
    pub ending: Money,
}

/// Retention of the starting cohort C over a period (accounts with MRR in the month before it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// |C|
    pub cohort_size: u64,
    /// Σ start_a = Σ mrr(a, s−1)
    pub start: Money,
    /// Σ end_a = Σ mrr(a, e)
    pub end: Money,
    pub expansion: Money,
    pub contraction: Money,
    pub churned: Money,
    /// |{a ∈ C : end_a = 0}|
    pub churned_logos: u64,
    /// |{a ∈ C : end_a > start_a}|
    pub expanded_logos: u64,
}

impl Retention {
    /// NRR in percent: Σ end / Σ start × 100.
    pub fn nrr(&self) -> Value {
        pct(
            (self.start + self.expansion - self.contraction - self.churned).0 as f64,
            self.start.0 as f64,
        )
    }

    /// GRR in percent: (Σ start − contraction − churned) / Σ start × 100.
    pub fn grr(&self) -> Value {
        pct(
            (self.start - self.contraction - self.churned).0 as f64,
            self.start.0 as f64,
        )
    }

    /// Logo churn in percent of the starting cohort.
    pub fn logo_churn_rate(&self) -> Value {
        pct(self.churned_logos as f64, self.cohort_size as f64)
    }

    /// Share of the starting cohort that ended above its start, in percent.
    pub fn expansion_rate(&self) -> Value {
        pct(self.expanded_logos as f64, self.cohort_size as f64)
    }
}

/// The MRR bridge of months `first..=last` for the accounts in scope, under the conventions
/// `conv`: a return after more than its reactivation window without MRR is new, and with
/// `same_period: ignored` an account without MRR both before the period and at its end (it
/// started and churned inside it) is left out.
pub fn movements(
    mrr: &MrrTable,
    conv: Conventions,
    scope: Scope,
    first: Month,
    last: Month,
) -> Movements {
    let mut m = Movements::default();
    if last < first {
        return m;
    }
    let accounts = mrr.accounts() as AccountIx;
    for a in scope.accounts(accounts) {
        let (before, end) = (mrr.get(a, first.prev()), mrr.get(a, last));
        m.starting += before;
        m.ending += end;
        let Some(first_ever) = mrr.first_active(a) else {
            continue;
        };
        if conv.same_period == SamePeriod::Ignored && before.0 == 0 && end.0 == 0 {
            continue;
        }
        // Month by month, so each month's changes telescope and the bridge balances exactly.
        let mut prev = before.0;
        let mut month = first;
        while month <= last {
            let cur = mrr.get(a, month).0;
            match (prev > 0, cur > 0) {
                (false, true) if month == first_ever => m.new.0 += cur,
                (false, true) if returns_as_new(mrr, conv, a, month) => m.new.0 += cur,
                (false, true) => m.reactivation.0 += cur,
                (true, true) if cur > prev => m.expansion.0 += cur - prev,
                (true, true) if cur < prev => m.contraction.0 += prev - cur,
                (true, false) => m.churned.0 += prev,
                _ => {}
            }
            prev = cur;
            month = month.next();
        }
    }
    m
}

/// Whether account `a`, returning in `month` after months without MRR, is new under the
/// reactivation window: it was without MRR for more than the window's months.
fn returns_as_new(mrr: &MrrTable, conv: Conventions, a: AccountIx, month: Month) -> bool {
    let Some(window) = conv.reactivation_window_months else {
        return false;
    };
    mrr.last_active_before(a, month)
        .is_some_and(|last| i64::from(month.0 - last.0 - 1) > i64::from(window))
}

/// NRR and GRR in percent of months `first..=last` under the retention convention: over the
/// starting cohort `ret` (METRICS.md), or from the MRR movements `moves` against the starting
/// MRR (aggregate: 1 − (churn + contraction − expansion − reactivation) / starting MRR).
pub fn retention_rates(conv: Conventions, ret: &Retention, moves: &Movements) -> (Value, Value) {
    match conv.retention {
        RetentionBasis::Cohort => (ret.nrr(), ret.grr()),
        RetentionBasis::Aggregate => {
            let start = moves.starting.0 as f64;
            let lost = moves.churned + moves.contraction;
            (
                pct(
                    (moves.starting - lost + moves.expansion + moves.reactivation).0 as f64,
                    start,
                ),
                pct((moves.starting - lost).0 as f64, start),
            )
        }
    }
}

/// The revenue churn rate (100 − GRR) of months `first..=last` under the conventions, for LTV
/// and the unit economics.
pub(crate) fn revenue_churn_over(
    conv: Conventions,
    mrr: &MrrTable,
    scope: Scope,
    first: Month,
    last: Month,
) -> Value {
    let ret = retention(mrr, scope, first, last);
    let moves = match conv.retention {
        RetentionBasis::Cohort => Movements::default(),
        RetentionBasis::Aggregate => movements(mrr, conv, scope, first, last),
    };
    retention_rates(conv, &ret, &moves).1.map(|g| 100.0 - g)
}

/// Retention of the starting cohort over months `first..=last`.
pub fn retention(mrr: &MrrTable, scope: Scope, first: Month, last: Month) -> Retention {
    let mut r = Retention::default();
    let accounts = mrr.accounts() as AccountIx;
    for a in scope.accounts(accounts) {
        let start = mrr.get(a, first.prev());
        if start.0 <= 0 {
            continue;
        }
        let end = mrr.get(a, last);
        r.cohort_size += 1;
        r.start += start;
        r.end += end;
        if end.0 == 0 {
            r.churned += start;
            r.churned_logos += 1;
        } else if end > start {
            r.expansion += end - start;
            r.expanded_logos += 1;
        } else {
            r.contraction += start - end;
        }
    }
    r
}

/// MRR per month `first..=last` for the accounts in scope (for charts and sparklines).
pub fn mrr_series(mrr: &MrrTable, scope: Scope, first: Month, last: Month) -> Vec<(Month, Money)> {
    let accounts = mrr.accounts() as AccountIx;
    let mut month = first;
    let mut out = Vec::new();
    while month <= last {
        let total: Money = scope.accounts(accounts).map(|a| mrr.get(a, month)).sum();
        out.push((month, total));
        month = month.next();
    }
    out
}

/// MRR and active accounts at month `m`.
fn snapshot(mrr: &MrrTable, scope: Scope, m: Month) -> (Money, u64) {
    let accounts = mrr.accounts() as AccountIx;
    scope
        .accounts(accounts)
        .map(|a| mrr.get(a, m))
        .filter(|v| v.0 > 0)
        .fold((Money::ZERO, 0), |(sum, n), v| (sum + v, n + 1))
}

/// ARPA (annual revenue per active account) at month `m`, in currency units.
fn arpa(mrr: &MrrTable, scope: Scope, m: Month) -> Value {
    let (total, active) = snapshot(mrr, scope, m);
    if active == 0 {
        None
    } else {
        Some((total * 12).to_f64() / active as f64)
    }
}

/// Annualises a rate in percent measured over `months` months: 1 − (1 − r)^(12/k).
pub fn annualise(rate_pct: Value, months: i32) -> Value {
    let r = rate_pct? / 100.0;
    if months <= 0 {
        return None;
    }
    Some((1.0 - (1.0 - r).powf(12.0 / f64::from(months))) * 100.0)
}

/// The expected customer lifetime in years: 1 / the annual churn rate (in percent), capped at
/// `max_years` so that a low or zero churn rate gives a finite, believable lifetime. None when
/// the churn rate is missing or negative.
pub(crate) fn lifetime_years(annual_churn_pct: Value, max_years: f64) -> Value {
    let churn = annual_churn_pct? / 100.0;
    if churn < 0.0 {
        return None;
    }
    // churn = 0 divides to infinity, which the cap turns into `max_years`.
    Some((1.0 / churn).min(max_years))
}

/// The customer lifetime in years from survival: the Kaplan–Meier restricted mean of the first
/// spells of the accounts in scope (censored at `last`), over `max_years`; None without spells.
pub(crate) fn survival_lifetime_years(
    ctx: &Context,
    mrr: &MrrTable,
    scope: Scope,
    last: Month,
    max_years: f64,
) -> Value {
    let spells: Vec<super::survival::Spell> =
        super::survival::spells(&ctx.data.accounts, mrr, scope, last)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
    // Whole months of the cap (a cap of 5 years: 60 months).
    let horizon = (max_years * 12.0).round().clamp(0.0, f64::from(u32::MAX)) as u32;
    Some(super::survival::kaplan_meier(&spells).restricted_mean(horizon)? / 12.0)
}

/// The lifetime behind LTV for the accounts in scope, in years: 1 / the annual revenue churn
/// rate capped at `ltv.max_lifetime_years`, or the survival-based restricted mean
/// (`ltv.lifetime: survival`) up to `last`.
pub(crate) fn ltv_lifetime_years(
    ctx: &Context,
    mrr: &MrrTable,
    scope: Scope,
    last: Month,
    annual_revenue_churn: Value,
) -> Value {
    let cap = ctx.config.ltv.max_lifetime_years;
    match ctx.config.ltv.lifetime {
        LtvLifetime::ChurnRate => lifetime_years(annual_revenue_churn, cap),
        LtvLifetime::Survival => survival_lifetime_years(ctx, mrr, scope, last, cap),
    }
}

/// LTV = ARPA × gross margin × lifetime (years), the lifetime from `ltv_lifetime_years`.
pub fn ltv(arpa: Value, gross_margin_pct: f64, lifetime_years: Value) -> Value {
    Some(arpa? * gross_margin_pct / 100.0 * lifetime_years?)
}

/// Mean acquisition cost (currency units) of the accounts in scope whose first MRR month falls
/// in `first..=last`; None when none has a CAC.
pub(crate) fn mean_cac(
    ctx: &Context,
    mrr: &MrrTable,
    scope: Scope,
    first: Month,
    last: Month,
) -> Value {
    let (mut sum, mut n) = (Money::ZERO, 0u64);
    let rows = &ctx.data.accounts.rows;
    for a in scope.accounts(rows.len() as AccountIx) {
        let Some(cac) = rows[a as usize].acquisition_cost else {
            continue;
        };
        let Some(month) = mrr.first_active(a) else {
            continue;
        };
        if first <= month && month <= last {
            sum += cac;
            n += 1;
        }
    }
    if n == 0 {
        None
    } else {
        Some(sum.to_f64() / n as f64)
    }
}

/// Land-and-expand: mean MRR at tenure month 24 / mean MRR at tenure month 1, over accounts
/// whose tenure month 24 is complete on `as_of` and that are active in it.
fn land_expand_ratio(ctx: &Context, mrr: &MrrTable, scope: Scope) -> Value {
    let (mut at1, mut at24, mut n) = (0i128, 0i128, 0u64);
    let accounts = mrr.accounts() as AccountIx;
    for a in scope.accounts(accounts) {
        let Some(month1) = mrr.first_active(a) else {
            continue;
        };
        let month24 = month1.plus(23);
        let (first, last) = (mrr.get(a, month1).cents(), mrr.get(a, month24).cents());
        if month24.last_day() >= ctx.as_of || last <= 0 {
            continue;
        }
        at1 += i128::from(first);
        at24 += i128::from(last);
        n += 1;
    }
    if n == 0 || at1 == 0 {
        None
    } else {
        Some(at24 as f64 / at1 as f64)
    }
}

/// Adds the revenue and growth metrics of `period` for the accounts in `scope` to `out`.
pub fn compute(ctx: &Context, period: &Period, scope: Scope, out: &mut Values) {
    let Some(mrr) = ctx.mrr() else { return };
    let conv = ctx.conventions();
    let (s, e) = period.months();
    let k = period.months_count();
    let (total, active) = snapshot(mrr, scope, e);
    let moves = movements(mrr, conv, scope, s, e);
    let ret = retention(mrr, scope, s, e);
    let (nrr, grr) = retention_rates(conv, &ret, &moves);
    let money = |m: Money| Some(m.to_f64());
    out.insert("mrr", money(total));
    out.insert("arr", money(total * 12));
    out.insert("active_accounts", Some(active as f64));
    let arpa_now = arpa(mrr, scope, e);
    out.insert("arpa", arpa_now);
    out.insert("starting_mrr", money(moves.starting));
    out.insert("new_mrr", money(moves.new));
    out.insert("reactivation_mrr", money(moves.reactivation));
    out.insert("expansion_mrr", money(moves.expansion));
    out.insert("contraction_mrr", money(moves.contraction));
    out.insert("churned_mrr", money(moves.churned));
    let logo_churn = ret.logo_churn_rate();
    let revenue_churn = grr.map(|g| 100.0 - g);
    out.insert("nrr", nrr);
    out.insert("grr", grr);
    out.insert("logo_churn_rate", logo_churn);
    out.insert("logo_retention_rate", logo_churn.map(|c| 100.0 - c));
    out.insert("revenue_churn_rate", revenue_churn);
    out.insert("logo_churn_rate_annualised", annualise(logo_churn, k));
    out.insert("revenue_churn_rate_annualised", annualise(revenue_churn, k));
    out.insert("expansion_rate", ret.expansion_rate());

    // Lifetime value over the trailing twelve months ending at the period's last month.
    let (annual_revenue_churn, annual_logo_churn) = if k == 12 {
        (revenue_churn, logo_churn)
    } else {
        (
            revenue_churn_over(conv, mrr, scope, e.plus(-11), e),
            retention(mrr, scope, e.plus(-11), e).logo_churn_rate(),
        )
    };
    let cap = ctx.config.ltv.max_lifetime_years;
    let revenue_lifetime = ltv_lifetime_years(ctx, mrr, scope, e, annual_revenue_churn);
    // Survival follows logos: both LTVs use its lifetime.
    let logo_lifetime = match ctx.config.ltv.lifetime {
        LtvLifetime::ChurnRate => lifetime_years(annual_logo_churn, cap),
        LtvLifetime::Survival => revenue_lifetime,
    };
    let ltv_value = ltv(arpa_now, ctx.config.gross_margin, revenue_lifetime);
    out.insert("ltv", ltv_value);
    out.insert(
        "ltv_simple",
        arpa_now.zip(logo_lifetime).map(|(a, years)| a * years),
    );
    out.insert(
        "ltv_cac_ratio",
        match (ltv_value, mean_cac(ctx, mrr, scope, e.plus(-11), e)) {
            (Some(l), Some(c)) if c > 0.0 => Some(l / c),
            _ => None,
        },
    );
    out.insert(
        "acv_growth",
        match (arpa_now, arpa(mrr, scope, e.plus(-12))) {
            (Some(now), Some(before)) if before > 0.0 => Some((now - before) / before * 100.0),
            _ => None,
        },
    );
    out.insert("land_expand_ratio", land_expand_ratio(ctx, mrr, scope));
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, month};
    use super::*;
    use crate::period::PeriodKind;
    use chrono::NaiveDate;

    fn values(ds: &crate::data::Dataset, period: &Period, as_of: NaiveDate) -> Values {
        values_with(ds, period, as_of, &config())
    }

    fn values_with(
        ds: &crate::data::Dataset,
        period: &Period,
        as_of: NaiveDate,
        config: &crate::config::Config,
    ) -> Values {
        let ctx = Context {
            data: ds,
            config,
            as_of,
        };
        let mut out = Values::new();
        compute(&ctx, period, Scope::All, &mut out);
        out
    }

    fn close(v: Value, expected: f64) {
        let v = v.unwrap_or(f64::NAN);
        assert!(
            (v - expected).abs() < 1e-9,
            "expected {expected}, found {v}"
        );
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn worked_example_nrr_105_grr_90() {
        // Start $10M MRR; +$1.5M expansion, −$800K churn, −$200K contraction.
        let ds = dataset(
            &[("grow", ""), ("lost", ""), ("shrink", "")],
            &[
                ("grow", "2026-03", 5_000_000),
                ("grow", "2026-04", 6_500_000),
                ("lost", "2026-03", 800_000),
                ("shrink", "2026-03", 4_200_000),
                ("shrink", "2026-04", 4_000_000),
            ],
        );
        let v = values(&ds, &Period::month(month("2026-04")), day(2026, 5, 1));
        close(v["nrr"], 105.0); // (10 + 1.5 − 0.8 − 0.2) / 10
        close(v["grr"], 90.0); // (10 − 0.8 − 0.2) / 10, not the 91 one article prints
        close(v["revenue_churn_rate"], 10.0);
    }

    #[test]
    fn worked_example_nrr_105_from_arr() {
        // Start $1M ARR; +$200K expansion, −$100K churn, −$50K downgrade (MRR = ARR / 12).
        let ds = dataset(
            &[("a", ""), ("b", ""), ("c", "")],
            &[
                ("a", "2026-01", 50_000),
                ("a", "2026-02", 50_000 + 200_000 / 12),
                ("b", "2026-01", 100_000 / 12),
                ("c", "2026-01", 1_000_000 / 12 - 50_000 - 100_000 / 12),
                (
                    "c",
                    "2026-02",
                    1_000_000 / 12 - 50_000 - 100_000 / 12 - 50_000 / 12,
                ),
            ],
        );
        let r = retention(
            ds.mrr.as_ref().unwrap_or_else(|| panic!()),
            Scope::All,
            month("2026-02"),
            month("2026-02"),
        );
        // ARR / 12 in whole dollars: 83,333 start; +16,666 −8,333 −4,166 → 87,500 / 83,333.
        assert_eq!(r.start, Money::units(83_333));
        assert_eq!(r.end, Money::units(83_333 + 16_666 - 8_333 - 4_166));
        let nrr = r.nrr().unwrap_or_default();
        assert!((nrr - 105.0).abs() < 0.01, "{nrr}"); // 105 % up to the whole-dollar rounding of /12
    }

    #[test]
    fn worked_example_logo_churn_3_pct_quarter_11_5_annualised() {
        // 500 customers at the quarter start, 15 lost during the quarter.
        let ids: Vec<String> = (0..500).map(|i| format!("a{i}")).collect();
        let accounts: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "")).collect();
        let mut mrr = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            mrr.push((id.as_str(), "2026-03", 100));
            if i >= 15 {
                mrr.push((id.as_str(), "2026-06", 100));
            }
        }
        let ds = dataset(&accounts, &mrr);
        let q2 = Period::months_range(
            PeriodKind::Quarter,
            "2026-Q2",
            month("2026-04"),
            month("2026-06"),
        );
        let v = values(&ds, &q2, day(2026, 7, 1));
        close(v["logo_churn_rate"], 3.0);
        close(v["logo_retention_rate"], 97.0);
        // 1 − 0.97^4 = 0.11470719: "about 12 %" in the articles, 11.5 % shown.
        close(
            v["logo_churn_rate_annualised"],
            (1.0 - 0.97f64.powi(4)) * 100.0,
        );
        assert_eq!(
            format!("{:.1}", v["logo_churn_rate_annualised"].unwrap_or_default()),
            "11.5"
        );
    }

    #[test]
    fn survival_lifetime_ltv_uses_the_kaplan_meier_restricted_mean() {
        // a pays January–June 2026 (a 6-month spell, ended); b pays January–December (censored
        // at 12). S(t) = 1 for t < 6, ½ from 6 to 12; beyond 12 the curve keeps its own monthly
        // survival q = ½^(1/12). Over the 5-year cap (60 months):
        // Σ S = 6 × 1 + 7 × ½ + ½ Σ_{j=1..47} q^j.
        let mut rows = Vec::new();
        for m in 1..=12 {
            let month = format!("2026-{m:02}");
            if m <= 6 {
                rows.push(("a".to_string(), month.clone(), 100));
            }
            rows.push(("b".to_string(), month, 100));
        }
        let rows: Vec<(&str, &str, i64)> = rows
            .iter()
            .map(|(a, m, v)| (a.as_str(), m.as_str(), *v))
            .collect();
        let ds = dataset(&[("a", ""), ("b", "")], &rows);
        let mut config = config();
        config.ltv.lifetime = LtvLifetime::Survival;
        let v = values_with(
            &ds,
            &Period::month(month("2026-12")),
            day(2027, 1, 1),
            &config,
        );
        let q = 0.5f64.powf(1.0 / 12.0);
        let tail: f64 = (1..=47).map(|j| 0.5 * q.powi(j)).sum();
        let years = (6.0 + 3.5 + tail) / 12.0;
        // ARPA in December: b alone, 12 × 100.
        close(v["ltv"], 1_200.0 * 0.8 * years);
        close(v["ltv_simple"], 1_200.0 * years);
        // The churn-rate lifetime (the default) needs a customer a year before: none here.
        let default = values(&ds, &Period::month(month("2026-12")), day(2027, 1, 1));
        assert_eq!(default["ltv_simple"], None);
    }

    #[test]
    fn worked_example_ltv_240k() {
        // ARPA $30,000, margin 80 %, annual revenue churn 10 % → a 10-year lifetime → $240,000
        // when the cap allows ten years.
        close(
            ltv(Some(30_000.0), 80.0, lifetime_years(Some(10.0), 10.0)),
            240_000.0,
        );
        // The default 5-year cap: $30,000 × 0.8 × 5 = $120,000.
        close(
            ltv(Some(30_000.0), 80.0, lifetime_years(Some(10.0), 5.0)),
            120_000.0,
        );
        // Churn 25 %: a 4-year lifetime, under the cap: $30,000 × 0.8 × 4 = $96,000.
        close(
            ltv(Some(30_000.0), 80.0, lifetime_years(Some(25.0), 5.0)),
            96_000.0,
        );
        // No churn: the lifetime is the cap, never infinite: $30,000 × 0.8 × 5.
        close(
            ltv(Some(30_000.0), 80.0, lifetime_years(Some(0.0), 5.0)),
            120_000.0,
        );
        assert_eq!(ltv(None, 80.0, lifetime_years(Some(10.0), 5.0)), None);
        assert_eq!(ltv(Some(30_000.0), 80.0, lifetime_years(None, 5.0)), None);
        assert_eq!(lifetime_years(Some(0.0), 5.0), Some(5.0));
        assert_eq!(lifetime_years(Some(50.0), 5.0), Some(2.0));
    }

    #[test]
    fn worked_example_acv_growth_20_pct() {
        // Mean ARR per active account $35K a year ago, $42K now (MRR 35000/12 → 42000/12 × 12).
        let ds = dataset(
            &[("a", ""), ("b", "")],
            &[
                ("a", "2025-10", 2_500),
                ("b", "2025-10", 3_333),
                ("a", "2026-10", 3_500),
                ("b", "2026-10", 3_500),
            ],
        );
        let v = values(&ds, &Period::month(month("2026-10")), day(2026, 11, 1));
        // A year ago: (2,500 + 3,333) × 12 / 2 = 34,998; now 42,000.
        close(v["acv_growth"], (42_000.0 - 34_998.0) / 34_998.0 * 100.0);
        let exact = dataset(
            &[("a", "")],
            &[("a", "2025-10", 35_000), ("a", "2026-10", 42_000)],
        );
        close(
            values(&exact, &Period::month(month("2026-10")), day(2026, 11, 1))["acv_growth"],
            20.0,
        );
    }

    #[test]
    fn each_movement_on_hand_computed_data() {
        // Feb → Mar: n starts (new 50), r comes back after a gap (reactivation 70),
        // e grows 100 → 130 (+30), c shrinks 100 → 60 (−40), x leaves (churn 90).
        let ds = dataset(
            &[("n", ""), ("r", ""), ("e", ""), ("c", ""), ("x", "")],
            &[
                ("r", "2026-01", 70),
                ("e", "2026-02", 100),
                ("c", "2026-02", 100),
                ("x", "2026-02", 90),
                ("n", "2026-03", 50),
                ("r", "2026-03", 70),
                ("e", "2026-03", 130),
                ("c", "2026-03", 60),
            ],
        );
        let v = values(&ds, &Period::month(month("2026-03")), day(2026, 4, 1));
        close(v["starting_mrr"], 290.0);
        close(v["new_mrr"], 50.0);
        close(v["reactivation_mrr"], 70.0);
        close(v["expansion_mrr"], 30.0);
        close(v["contraction_mrr"], 40.0);
        close(v["churned_mrr"], 90.0);
        close(v["mrr"], 310.0); // 290 + 50 + 70 + 30 − 40 − 90
        close(v["arr"], 3_720.0);
        close(v["active_accounts"], 4.0);
        close(v["arpa"], 930.0); // 3,720 / 4
        // Cohort {e, c, x}: start 290, end 190 → NRR 65.5 %, GRR min(100,130)+60+0 = 160.
        close(v["nrr"], 190.0 / 290.0 * 100.0);
        close(v["grr"], 160.0 / 290.0 * 100.0);
        close(v["logo_churn_rate"], 100.0 / 3.0);
        close(v["expansion_rate"], 100.0 / 3.0);
    }

    #[test]
    fn ltv_simple_and_ltv_cac_on_twelve_months() {
        // Nine accounts at 100/month from Dec 2024 to Dec 2025, but a9 leaves in December;
        // a0 joins in February 2025 with a CAC of 500.
        let ids: Vec<String> = (0..10).map(|i| format!("a{i}")).collect();
        let accounts: Vec<(&str, &str)> = ids.iter().map(|i| (i.as_str(), "")).collect();
        let mut mrr = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let offsets = if i == 0 { 2..=12 } else { 0..=12 };
            for offset in offsets {
                if !(i == 9 && offset == 12) {
                    mrr.push((id.as_str(), month("2024-12").plus(offset).to_string(), 100));
                }
            }
        }
        let mrr_ref: Vec<(&str, &str, i64)> =
            mrr.iter().map(|(a, m, v)| (*a, m.as_str(), *v)).collect();
        let mut ds = dataset(&accounts, &mrr_ref);
        ds.accounts.rows[0].acquisition_cost = Some(Money::units(500));
        let ttm = Period::months_range(
            PeriodKind::Ttm,
            "ttm-2025-12",
            month("2025-01"),
            month("2025-12"),
        );
        // Cohort = the nine accounts active in December 2024; a9 left → 1/9 logo churn.
        // ARPA in December: 9 × 100 × 12 / 9 = 1,200. Revenue churn 100/900: a 9-year lifetime.
        // Uncapped (a 20-year cap): 1,200 × 0.8 × 9 = 8,640, and 1,200 × 9 = 10,800.
        let mut uncapped = config();
        uncapped.ltv.max_lifetime_years = 20.0;
        let v = values_with(&ds, &ttm, day(2026, 1, 1), &uncapped);
        close(v["ltv"], 8_640.0);
        close(v["ltv_simple"], 10_800.0);
        close(v["ltv_cac_ratio"], 8_640.0 / 500.0);
        // The default 5-year cap: 1,200 × 0.8 × 5 = 4,800 and 1,200 × 5 = 6,000; LTV:CAC 9.6.
        let v = values(&ds, &ttm, day(2026, 1, 1));
        close(v["ltv"], 4_800.0);
        close(v["ltv_simple"], 6_000.0);
        close(v["ltv_cac_ratio"], 9.6);
    }

    #[test]
    fn zero_churn_gives_the_capped_lifetime() {
        // Two accounts at 100/month all through 2025, nobody leaves: ARPA 1,200, churn 0 → the
        // lifetime is the cap (5 years): LTV 1,200 × 0.8 × 5 = 4,800, simple 1,200 × 5 = 6,000.
        let mut mrr = Vec::new();
        for id in ["a", "b"] {
            for offset in 0..=12 {
                mrr.push((id, month("2024-12").plus(offset).to_string(), 100));
            }
        }
        let mrr_ref: Vec<(&str, &str, i64)> =
            mrr.iter().map(|(a, m, v)| (*a, m.as_str(), *v)).collect();
        let ds = dataset(&[("a", ""), ("b", "")], &mrr_ref);
        let period = Period::month(month("2025-12"));
        let v = values(&ds, &period, day(2026, 1, 1));
        close(v["ltv"], 4_800.0);
        close(v["ltv_simple"], 6_000.0);
        // A 2-year cap: 1,200 × 0.8 × 2 = 1,920 and 1,200 × 2 = 2,400.
        let mut short = config();
        short.ltv.max_lifetime_years = 2.0;
        let v = values_with(&ds, &period, day(2026, 1, 1), &short);
        close(v["ltv"], 1_920.0);
        close(v["ltv_simple"], 2_400.0);
    }

    #[test]
    fn land_and_expand_ratio() {
        // a: 100 in its first month, 250 in its 24th; b: 100 → 150; c's 24th month is not over.
        let mut rows = Vec::new();
        let mut add = |id: &'static str, start: Month, first: i64, m24: i64| {
            for i in 0..24 {
                let v = if i == 23 { m24 } else { first };
                rows.push((id, start.plus(i).to_string(), v));
            }
        };
        add("a", month("2023-01"), 100, 250);
        add("b", month("2023-06"), 100, 150);
        add("c", month("2024-12"), 100, 900);
        let r: Vec<(&str, &str, i64)> = rows.iter().map(|(a, m, v)| (*a, m.as_str(), *v)).collect();
        let ds = dataset(&[("a", ""), ("b", ""), ("c", "")], &r);
        // c's tenure month 24 is 2026-11, not complete on 2026-11-10.
        let v = values(&ds, &Period::month(month("2026-10")), day(2026, 11, 10));
        close(v["land_expand_ratio"], 400.0 / 200.0);
    }

    #[test]
    fn empty_and_zero_denominators_are_missing() {
        // No MRR table: nothing is reported.
        let mut none = dataset(&[("a", "")], &[]);
        none.mrr = None;
        assert!(values(&none, &Period::month(month("2026-01")), day(2026, 2, 1)).is_empty());
        // An all-zero table: money is 0, ratios are missing.
        let zero = dataset(&[("a", "")], &[("a", "2026-01", 0)]);
        let v = values(&zero, &Period::month(month("2026-01")), day(2026, 2, 1));
        close(v["mrr"], 0.0);
        for id in [
            "nrr",
            "grr",
            "logo_churn_rate",
            "arpa",
            "ltv",
            "ltv_simple",
            "ltv_cac_ratio",
            "acv_growth",
            "land_expand_ratio",
            "expansion_rate",
        ] {
            assert_eq!(v[id], None, "{id}");
        }
        // A period before the data: an empty starting cohort.
        let ds = dataset(&[("a", "")], &[("a", "2026-01", 100)]);
        let v = values(&ds, &Period::month(month("2025-06")), day(2026, 2, 1));
        assert_eq!(v["nrr"], None);
        close(v["mrr"], 0.0);
        // No starting cohort a year back: the churn rate, so LTV, is missing.
        let v = values(&ds, &Period::month(month("2026-01")), day(2026, 2, 1));
        assert_eq!(v["ltv"], None);
        close(v["new_mrr"], 100.0);
    }

    #[test]
    fn a_period_after_the_data_churns_everyone() {
        // Missing (account, month) means 0, also after the table's last month.
        let ds = dataset(&[("a", "")], &[("a", "2026-01", 100)]);
        let v = values(&ds, &Period::month(month("2026-02")), day(2026, 3, 1));
        close(v["churned_mrr"], 100.0);
        close(v["logo_churn_rate"], 100.0);
        close(v["nrr"], 0.0);
    }

    #[test]
    fn trailing_twelve_month_retention_is_the_cohort_of_the_month_before_the_window() {
        // TTM ending October 2026: the cohort is the accounts with MRR in October 2025.
        // a 100 → 120 (expansion 20), b 200 → 150 (contraction 50), c 50 → 0 (churned, despite
        // MRR in March), d new in January (not in the cohort), e gone before the window.
        // S = 350, Σ end = 270: NRR 270/350 = 77.142857 %, GRR (350 − 50 − 50)/350 = 71.428571 %,
        // logo churn 1/3, expansion rate 1/3.
        let ds = dataset(
            &[("a", ""), ("b", ""), ("c", ""), ("d", ""), ("e", "")],
            &[
                ("a", "2025-10", 100),
                ("a", "2026-10", 120),
                ("b", "2025-10", 200),
                ("b", "2026-06", 400),
                ("b", "2026-10", 150),
                ("c", "2025-10", 50),
                ("c", "2026-03", 50),
                ("d", "2026-01", 300),
                ("d", "2026-10", 300),
                ("e", "2025-09", 80),
            ],
        );
        let ttm = Period::ttm_ending(month("2026-10"));
        let v = values(&ds, &ttm, day(2026, 11, 1));
        close(v["nrr"], 270.0 / 350.0 * 100.0);
        close(v["grr"], 250.0 / 350.0 * 100.0);
        close(v["logo_churn_rate"], 100.0 / 3.0);
        close(v["logo_retention_rate"], 200.0 / 3.0);
        close(v["revenue_churn_rate"], 100.0 / 350.0 * 100.0);
        close(v["expansion_rate"], 100.0 / 3.0);
        // Over twelve months the annualised rate is the rate itself.
        close(v["logo_churn_rate_annualised"], 100.0 / 3.0);
        // The fiscal year ending in the same month is the same window, so the same values.
        let fiscal = Period::year_of(month("2026-10"), 11);
        assert_eq!((fiscal.start, fiscal.end), (ttm.start, ttm.end));
        assert_eq!(values(&ds, &fiscal, day(2026, 11, 1)), v);
        // October alone is another window: no account has MRR in September 2026 here, so its
        // cohort is empty and its NRR missing, not the TTM value.
        let october = values(&ds, &Period::month(month("2026-10")), day(2026, 11, 1));
        assert_eq!(october["nrr"], None);
    }

    #[test]
    fn mrr_series_by_month() {
        let ds = dataset(
            &[("a", ""), ("b", "")],
            &[("a", "2026-01", 10), ("b", "2026-02", 5)],
        );
        let s = mrr_series(
            ds.mrr.as_ref().unwrap_or_else(|| panic!()),
            Scope::All,
            month("2025-12"),
            month("2026-02"),
        );
        assert_eq!(
            s,
            vec![
                (month("2025-12"), Money::ZERO),
                (month("2026-01"), Money::units(10)),
                (month("2026-02"), Money::units(5))
            ]
        );
    }

    proptest::proptest! {
        /// For any matrix (gaps, reactivations, zeros), any window, even outside the data, and any
        /// conventions,
        /// starting + new + reactivation + expansion − contraction − churned = ending, in cents.
        #[test]
        fn the_bridge_balances(
            cells in proptest::collection::vec(proptest::collection::vec(0i64..5, 1..14), 1..8),
            cents in proptest::collection::vec(0i64..1_000_000, 1..120),
            a in -3i32..16, len in 1i32..16,
            window in proptest::option::of(0u32..4), ignore in proptest::bool::ANY,
        ) {
            let months = cells.iter().map(Vec::len).max().unwrap_or(1);
            let mut table = MrrTable::zeros(cells.len(), month("2025-01"), month("2025-01").plus(months as i32 - 1));
            for (acc, row) in cells.iter().enumerate() {
                for (m, &pick) in row.iter().enumerate() {
                    // pick 0 → no MRR; otherwise an arbitrary amount in cents.
                    let v = if pick == 0 { 0 } else { cents[(acc * 13 + m * 7 + pick as usize) % cents.len()] };
                    table.set(acc as u32, month("2025-01").plus(m as i32), Money(v));
                }
            }
            let first = month("2025-01").plus(a);
            let last = first.plus(len - 1);
            // Under every convention: the window moves MRR between new and reactivation, and an
            // ignored start-and-churn account nets to zero.
            let conv = Conventions {
                reactivation_window_months: window,
                same_period: if ignore { SamePeriod::Ignored } else { SamePeriod::Counted },
                ..Conventions::default()
            };
            let m = movements(&table, conv, Scope::All, first, last);
            proptest::prop_assert_eq!(m.starting + m.new + m.reactivation + m.expansion - m.contraction - m.churned, m.ending);
            let r = retention(&table, Scope::All, first, last);
            proptest::prop_assert_eq!(r.start + r.expansion - r.contraction - r.churned, r.end);
        }
    }
}
