//! Survival analysis of customer lifetime: the first subscription spell of
//! each account, from its first month with MRR to the first month without, censored at the last
//! complete month; Kaplan–Meier curves with Greenwood 95 % intervals (on the log(−log) scale, so
//! they stay inside [0, 1]), the median lifetime, the log-rank test between groups, and the
//! restricted mean lifetime that a survival-based LTV would use. Pure functions of the data; the
//! CLI and pages format them.

use crate::data::{AccountIx, Accounts, MrrTable};
use crate::metrics::{Context, Scope};
use crate::period::{Month, Period, PeriodKind};

/// z for a two-sided 95 % interval.
const Z95: f64 = 1.959_963_984_540_054;

/// One account's first spell: how many months it paid, whether it then stopped (an event) or
/// was still paying in the last complete month (censored), and how many of those months passed
/// before the data starts (left truncation: the account is at risk only after them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spell {
    pub months: u32,
    pub event: bool,
    pub entry: u32,
}

/// The first spell of every account in scope whose first MRR month is on or before `last` (the
/// last complete month), from `mrr`. An account already paying in the table's first month
/// started before the data: when its `signed_on` is earlier, its spell is counted from that
/// month and enters the risk set only at the data's start (delayed entry), so long-standing
/// customers are not taken for new ones.
pub fn spells(
    accounts: &Accounts,
    mrr: &MrrTable,
    scope: Scope,
    last: Month,
) -> Vec<(AccountIx, Spell)> {
    let data_start = mrr.spans_held().iter().flatten().map(|s| s.0).min();
    let mut out = Vec::new();
    for a in scope.accounts(mrr.accounts() as AccountIx) {
        let Some(first) = mrr.first_active(a) else {
            continue;
        };
        if first > last {
            continue;
        }
        let mut m = first.next();
        while m <= last && mrr.get(a, m).0 > 0 {
            m = m.next();
        }
        let signed = accounts
            .rows
            .get(a as usize)
            .and_then(|r| r.signed_on)
            .map(Month::of);
        let start = match (data_start, signed) {
            (Some(d), Some(s)) if first == d && s < first => s,
            _ => first,
        };
        out.push((
            a,
            Spell {
                months: u32::try_from(m.0 - start.0).unwrap_or(0),
                event: m <= last,
                entry: u32::try_from(first.0 - start.0).unwrap_or(0),
            },
        ));
    }
    out
}

/// The spells of the accounts in scope as of the context's date: the last complete month is the
/// latest complete month on `ctx.as_of`, the MRR the one the conventions recognise.
pub fn spells_as_of(ctx: &Context, scope: Scope) -> Vec<(AccountIx, Spell)> {
    let Some(mrr) = ctx.mrr() else {
        return Vec::new();
    };
    let last = Period::latest_complete(PeriodKind::Month, ctx.as_of, ctx.config.fiscal_year_start)
        .months()
        .1;
    spells(&ctx.data.accounts, mrr, scope, last)
}

/// Per month t of 0..=longest: spells at risk (entered before t, lasting at least t months)
/// and spells ending at t.
fn risk_table(spells: &[Spell], longest: usize) -> (Vec<f64>, Vec<f64>) {
    let size = longest + 2;
    let (mut lasting, mut entered, mut ended) = (vec![0.0; size], vec![0.0; size], vec![0.0; size]);
    for s in spells {
        lasting[(s.months as usize).min(size - 1)] += 1.0;
        entered[(s.entry as usize).min(size - 1)] += 1.0;
        if s.event {
            ended[(s.months as usize).min(size - 1)] += 1.0;
        }
    }
    // at_risk[t] = #{months ≥ t} − #{entry ≥ t}.
    let mut at_risk = vec![0.0; size];
    let (mut lasting_from, mut entering_from) = (0.0, 0.0);
    for t in (0..size).rev() {
        lasting_from += lasting[t];
        entering_from += entered[t];
        at_risk[t] = lasting_from - entering_from;
    }
    (at_risk, ended)
}

/// One month of a Kaplan–Meier curve: S(t) is the probability of still paying after `month`
/// months.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub month: u32,
    /// Spells that lasted at least `month` months.
    pub at_risk: u64,
    /// Spells that ended after exactly `month` months.
    pub events: u64,
    pub survival: f64,
    /// The Greenwood 95 % interval of `survival`, on the log(−log) scale.
    pub lower: f64,
    pub upper: f64,
}

/// A Kaplan–Meier curve with its counts and median.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    pub subjects: u64,
    pub events: u64,
    /// Months 1..=the longest spell, each with at least one spell at risk.
    pub steps: Vec<Step>,
    /// The first month at which S(t) ≤ 0.5; None when the curve stays above a half.
    pub median: Option<u32>,
}

impl Curve {
    /// S(t) after `month` months (1 at month 0; the last value beyond the last step).
    pub fn survival_at(&self, month: u32) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.month <= month)
            .last()
            .map_or(1.0, |s| s.survival)
    }

    /// The restricted mean lifetime in months up to `horizon` months: Σ S(t) for t in
    /// 0..horizon. Beyond the last observed month the curve is extended with the constant
    /// monthly hazard it shows overall (S(T) = (1 − h)^T at its last month T), so a short
    /// history does not cut the lifetime off. None without spells.
    pub fn restricted_mean(&self, horizon: u32) -> Option<f64> {
        if self.subjects == 0 {
            return None;
        }
        let last = self.steps.last().map_or(0, |s| s.month);
        let s_last = self.survival_at(last);
        let monthly = if last > 0 && s_last > 0.0 {
            s_last.powf(1.0 / f64::from(last))
        } else {
            0.0
        };
        let mut sum = 0.0;
        for t in 0..horizon {
            sum += if t <= last {
                self.survival_at(t)
            } else {
                s_last * monthly.powi(i32::try_from(t - last).unwrap_or(i32::MAX))
            };
        }
        Some(sum)
    }
}

/// The Kaplan–Meier estimate of `spells`: S(t) = Π_{i ≤ t} (1 − d_i / n_i), Greenwood's variance
/// Var(log S) = Σ d_i / (n_i (n_i − d_i)), and the interval S^exp(±1.96 √V / |log S|).
pub fn kaplan_meier(spells: &[Spell]) -> Curve {
    let longest = spells.iter().map(|s| s.months).max().unwrap_or(0);
    let (at_risk, ended) = risk_table(spells, longest as usize);
    let (mut survival, mut greenwood) = (1.0f64, 0.0f64);
    let mut steps = Vec::new();
    let mut median = None;
    for month in 1..=longest {
        let (n, d) = (at_risk[month as usize] as u64, ended[month as usize] as u64);
        if n == 0 {
            // Nobody at risk yet (every spell entered later) or any more.
            continue;
        }
        survival *= 1.0 - d as f64 / n as f64;
        if d > 0 && n > d {
            greenwood += d as f64 / (n as f64 * (n - d) as f64);
        }
        let (lower, upper) = interval(survival, greenwood);
        if median.is_none() && survival <= 0.5 {
            median = Some(month);
        }
        steps.push(Step {
            month,
            at_risk: n,
            events: d,
            survival,
            lower,
            upper,
        });
    }
    Curve {
        subjects: spells.len() as u64,
        events: spells.iter().filter(|s| s.event).count() as u64,
        steps,
        median,
    }
}

/// The 95 % interval of S on the log(−log) scale: S^exp(±z √V / |log S|), V = Greenwood's sum.
fn interval(survival: f64, greenwood: f64) -> (f64, f64) {
    if survival >= 1.0 || greenwood == 0.0 {
        return (survival, survival);
    }
    if survival <= 0.0 {
        return (0.0, 0.0);
    }
    let log = survival.ln();
    let half = Z95 * greenwood.sqrt() / log.abs();
    (survival.powf(half.exp()), survival.powf((-half).exp()))
}

/// The log-rank test of equal survival across groups.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRank {
    /// The χ² statistic (O − E)ᵀ V⁻¹ (O − E) over all groups but the last.
    pub chi2: f64,
    /// Degrees of freedom: groups − 1.
    pub df: usize,
    /// P(χ²_df ≥ chi2).
    pub p: f64,
}

/// The log-rank test across `groups` (each a list of spells), None with fewer than two
/// non-empty groups or no event. At each month t with d events among n at risk, group g
/// expects E_g = d n_g / n and the covariance is V_gh = d (n − d) / (n − 1) · n_g / n · (δ_gh −
/// n_h / n).
pub fn log_rank(groups: &[&[Spell]]) -> Option<LogRank> {
    let groups: Vec<&[Spell]> = groups.iter().copied().filter(|g| !g.is_empty()).collect();
    let k = groups.len();
    if k < 2 {
        return None;
    }
    let longest = groups
        .iter()
        .flat_map(|g| g.iter().map(|s| s.months))
        .max()
        .unwrap_or(0) as usize;
    let tables: Vec<(Vec<f64>, Vec<f64>)> = groups.iter().map(|g| risk_table(g, longest)).collect();
    let m = k - 1;
    let mut o_minus_e = vec![0.0; m];
    let mut v = vec![vec![0.0; m]; m];
    let mut any_event = false;
    for t in 1..=longest {
        let n: f64 = tables.iter().map(|(a, _)| a[t]).sum();
        let d: f64 = tables.iter().map(|(_, e)| e[t]).sum();
        if d == 0.0 || n < 2.0 {
            continue;
        }
        any_event = true;
        let spread = d * (n - d) / (n - 1.0);
        for g in 0..m {
            let ng = tables[g].0[t];
            o_minus_e[g] += tables[g].1[t] - d * ng / n;
            for h in 0..m {
                let nh = tables[h].0[t];
                let delta = if g == h { 1.0 } else { 0.0 };
                v[g][h] += spread * ng / n * (delta - nh / n);
            }
        }
    }
    if !any_event {
        return None;
    }
    let chi2 = quadratic_form(&v, &o_minus_e)?;
    Some(LogRank {
        chi2,
        df: m,
        p: chi2_survival(chi2, m as f64),
    })
}

/// xᵀ A⁻¹ x by Gaussian elimination with partial pivoting; None when A is singular.
fn quadratic_form(a: &[Vec<f64>], x: &[f64]) -> Option<f64> {
    let n = x.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .zip(x)
        .map(|(row, &xi)| {
            let mut r = row.clone();
            r.push(xi);
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let (above, below) = m.split_at_mut(col + 1);
        let pivot_row = &above[col];
        for row in below.iter_mut() {
            let f = row[col] / pivot_row[col];
            for (cell, p) in row.iter_mut().zip(pivot_row).skip(col) {
                *cell -= f * p;
            }
        }
    }
    // Back substitution: y = A⁻¹ x.
    let mut y = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|c| m[row][c] * y[c]).sum();
        y[row] = (m[row][n] - s) / m[row][row];
    }
    Some(x.iter().zip(&y).map(|(a, b)| a * b).sum())
}

/// P(χ²_df ≥ x): the regularised upper incomplete gamma function Q(df / 2, x / 2).
pub fn chi2_survival(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_gamma_q(df / 2.0, x / 2.0)
}

/// Q(a, x) = Γ(a, x) / Γ(a): the series for x < a + 1, the continued fraction (modified Lentz)
/// otherwise.
fn upper_gamma_q(a: f64, x: f64) -> f64 {
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        // P(a, x) = e^{−x} x^a / Γ(a) · Σ x^n / (a (a+1) … (a+n)).
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..500 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, nine coefficients).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        sum += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::fixture::{dataset, month};

    fn spell(months: u32, event: bool) -> Spell {
        Spell {
            months,
            event,
            entry: 0,
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "expected {b}, found {a}");
    }

    #[test]
    fn first_spells_end_at_the_first_month_without_mrr_or_are_censored() {
        let ds = dataset(
            &[("churns", ""), ("stays", ""), ("late", ""), ("gap", "")],
            &[
                ("churns", "2026-01", 10),
                ("churns", "2026-02", 10),
                ("stays", "2026-02", 10),
                ("stays", "2026-03", 10),
                ("late", "2026-05", 10), // starts after the last complete month
                ("gap", "2026-01", 10),
                ("gap", "2026-03", 10), // the second spell does not count
            ],
        );
        let mrr = ds.mrr.as_ref().unwrap_or_else(|| panic!());
        let got = spells(&ds.accounts, mrr, Scope::All, month("2026-03"));
        assert_eq!(
            got,
            [
                (0, spell(2, true)),  // paid Jan, Feb; stopped in March
                (1, spell(2, false)), // paid Feb, Mar: still paying at the end
                (3, spell(1, true)),  // paid Jan, stopped in Feb
            ]
        );
    }

    #[test]
    fn kaplan_meier_by_hand() {
        // Six spells: events at 1, 2, 2, 4; censored at 3 and 5.
        // t=1: n=6, d=1 → S = 5/6. t=2: n=5, d=2 → S = 5/6 · 3/5 = 1/2. t=3: n=3, d=0.
        // t=4: n=2, d=1 → S = 1/4. t=5: n=1, d=0.
        let s = [
            spell(1, true),
            spell(2, true),
            spell(2, true),
            spell(3, false),
            spell(4, true),
            spell(5, false),
        ];
        let c = kaplan_meier(&s);
        let got: Vec<(u32, u64, u64)> = c
            .steps
            .iter()
            .map(|s| (s.month, s.at_risk, s.events))
            .collect();
        assert_eq!(got, [(1, 6, 1), (2, 5, 2), (3, 3, 0), (4, 2, 1), (5, 1, 0)]);
        close(c.steps[0].survival, 5.0 / 6.0);
        close(c.steps[1].survival, 0.5);
        close(c.steps[3].survival, 0.25);
        assert_eq!(c.median, Some(2));
        assert_eq!((c.subjects, c.events), (6, 4));
        // Greenwood at t=2: 1/(6·5) + 2/(5·3) = 1/30 + 4/30 = 1/6; log S = ln ½.
        let half = Z95 * (1.0f64 / 6.0).sqrt() / 0.5f64.ln().abs();
        close(c.steps[1].lower, 0.5f64.powf(half.exp()));
        close(c.steps[1].upper, 0.5f64.powf((-half).exp()));
        assert!(
            c.steps
                .iter()
                .all(|s| s.lower <= s.survival && s.survival <= s.upper)
        );
        // Restricted mean over 4 months: S(0) + S(1) + S(2) + S(3) = 1 + 5/6 + 1/2 + 1/2.
        close(
            c.restricted_mean(4).unwrap_or_default(),
            1.0 + 5.0 / 6.0 + 1.0,
        );
    }

    #[test]
    fn customers_older_than_the_data_enter_late() {
        // A: 3 months, ended. B: signed 2 months before the data, 4 months, ended. C: 5 months,
        // censored. t=1,2: A and C at risk (B enters after month 2). t=3: A, B, C; A ends →
        // S = 2/3. t=4: B, C; B ends → S = 1/3. t=5: C.
        let b = Spell {
            months: 4,
            event: true,
            entry: 2,
        };
        let c = kaplan_meier(&[spell(3, true), b, spell(5, false)]);
        let got: Vec<(u32, u64, u64)> = c
            .steps
            .iter()
            .map(|s| (s.month, s.at_risk, s.events))
            .collect();
        assert_eq!(got, [(1, 2, 0), (2, 2, 0), (3, 3, 1), (4, 2, 1), (5, 1, 0)]);
        close(c.steps[2].survival, 2.0 / 3.0);
        close(c.steps[3].survival, 1.0 / 3.0);
        // From the data: "old" pays January–February 2026, the data's first months, and signed
        // in November 2025: a 4-month spell entered after 2 months.
        let mut ds = dataset(
            &[("old", ""), ("new", "")],
            &[
                ("old", "2026-01", 10),
                ("old", "2026-02", 10),
                ("new", "2026-02", 10),
            ],
        );
        ds.accounts.rows[0].signed_on = chrono::NaiveDate::from_ymd_opt(2025, 11, 15);
        ds.accounts.rows[1].signed_on = chrono::NaiveDate::from_ymd_opt(2025, 6, 1);
        let mrr = ds.mrr.as_ref().unwrap_or_else(|| panic!());
        let got = spells(&ds.accounts, mrr, Scope::All, month("2026-03"));
        assert_eq!(
            got,
            [
                (
                    0,
                    Spell {
                        months: 4,
                        event: true,
                        entry: 2
                    }
                ),
                // "new" starts after the data's first month: its own first MRR month counts.
                (
                    1,
                    Spell {
                        months: 1,
                        event: true,
                        entry: 0
                    }
                ),
            ]
        );
    }

    #[test]
    fn no_spell_no_event_and_everyone_lost() {
        let empty = kaplan_meier(&[]);
        assert!(empty.steps.is_empty() && empty.median.is_none());
        assert_eq!(empty.restricted_mean(12), None);
        let censored = kaplan_meier(&[spell(3, false), spell(3, false)]);
        assert!(
            censored
                .steps
                .iter()
                .all(|s| s.survival == 1.0 && s.lower == 1.0)
        );
        assert_eq!(censored.median, None);
        // Constant hazard of 0 beyond the data: the lifetime is the whole horizon.
        close(censored.restricted_mean(24).unwrap_or_default(), 24.0);
        let all = kaplan_meier(&[spell(1, true), spell(1, true)]);
        assert_eq!(all.steps[0].survival, 0.0);
        assert_eq!((all.steps[0].lower, all.steps[0].upper), (0.0, 0.0));
        assert_eq!(all.median, Some(1));
        close(all.restricted_mean(12).unwrap_or_default(), 1.0); // only month 0
    }

    #[test]
    fn the_restricted_mean_extends_the_curve_with_its_own_hazard() {
        // Four spells, one event at 1 of 4, the others censored at 2: S(1) = S(2) = 3/4.
        let c = kaplan_meier(&[
            spell(1, true),
            spell(2, false),
            spell(2, false),
            spell(2, false),
        ]);
        // Monthly survival fitted to S(2) = 3/4: q = (3/4)^(1/2); S(3) = 3/4 · q.
        let q = 0.75f64.sqrt();
        close(
            c.restricted_mean(4).unwrap_or_default(),
            1.0 + 0.75 + 0.75 + 0.75 * q,
        );
    }

    #[test]
    fn chi_square_tail_probabilities() {
        close_to(chi2_survival(3.841_458_820_694_124, 1.0), 0.05, 1e-9);
        close_to(chi2_survival(5.991_464_547_107_979, 2.0), 0.05, 1e-9);
        close_to(chi2_survival(2.0, 2.0), (-1.0f64).exp(), 1e-12); // Q(1, 1) = e^{-1}
        // Even df: Q(5, 15) = e^{−15} Σ_{k<5} 15^k / k! = e^{−15} (1 + 15 + 112.5 + 562.5 + 2,109.375).
        close_to(
            chi2_survival(30.0, 10.0),
            (-15.0f64).exp() * 2_800.375,
            1e-15,
        );
        assert_eq!(chi2_survival(0.0, 3.0), 1.0);
    }

    fn close_to(a: f64, b: f64, tolerance: f64) {
        assert!((a - b).abs() < tolerance, "expected {b}, found {a}");
    }

    #[test]
    fn log_rank_by_hand() {
        // A: events at 1 and 2. B: censored at 2 and 3.
        // t=1: n=4 (A 2, B 2), d=1 (A): E_A = 1·2/4 = ½, V = 1·3/3 · ½ · ½ = ¼.
        // t=2: n=3 (A 1, B 2), d=1 (A): E_A = ⅓, V = 1·2/2 · ⅓ · ⅔ = 2/9.
        // O − E = 2 − 5/6 = 7/6; V = 1/4 + 2/9 = 17/36; χ² = (49/36) / (17/36) = 49/17.
        let a = [spell(1, true), spell(2, true)];
        let b = [spell(2, false), spell(3, false)];
        let lr = log_rank(&[&a, &b]).unwrap_or_else(|| panic!("a test"));
        close(lr.chi2, 49.0 / 17.0);
        assert_eq!(lr.df, 1);
        close_to(lr.p, chi2_survival(49.0 / 17.0, 1.0), 1e-15);
        // Identical groups give no evidence of a difference.
        let same = log_rank(&[&a, &a]).unwrap_or_else(|| panic!("a test"));
        close(same.chi2, 0.0);
        close(same.p, 1.0);
        // One group, or no event: no test.
        assert_eq!(log_rank(&[&a]), None);
        assert_eq!(log_rank(&[&b, &b]), None);
    }

    #[test]
    fn log_rank_with_three_groups_has_two_degrees_of_freedom() {
        let a = [spell(1, true), spell(1, true), spell(2, true)];
        let b = [spell(3, true), spell(4, false), spell(5, false)];
        let c = [spell(2, true), spell(3, false), spell(6, false)];
        let lr = log_rank(&[&a, &b, &c]).unwrap_or_else(|| panic!("a test"));
        assert_eq!(lr.df, 2);
        assert!(lr.chi2 > 0.0 && (0.0..=1.0).contains(&lr.p));
        // The statistic does not depend on which group is left out of the quadratic form.
        let again = log_rank(&[&c, &b, &a]).unwrap_or_else(|| panic!("a test"));
        close_to(lr.chi2, again.chi2, 1e-9);
    }
}
