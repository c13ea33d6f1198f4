//! Churn and expansion scores (issue 15, parts 2 and 3): per account, the probability of
//! churning (a month without MRR) within the next 90 days and of expanding (MRR above today's)
//! within the next 180 days, from features known before the scoring day only, by an
//! L2-regularised logistic regression trained on monthly snapshots of history whose outcome
//! window closed before the as-of date; and its time-based backtest (train before a cutoff, test
//! after) with AUC, Brier score, a reliability table, top-decile lift and MRR capture, against
//! two baselines: the health score alone and a rule (health below the yellow band or usage
//! declining). No row dated on or after the scoring day is read, so scores as of T are the
//! same whether or not the files hold later rows.

use super::health::{score_on, usage_declined};
use super::{Context, signals};
use crate::data::{AccountIx, MrrTable};
use crate::period::{Month, Period, PeriodKind};
use chrono::{Days, NaiveDate};

/// The features, in vector order (after the intercept).
pub const FEATURES: [&str; 10] = [
    "health score",
    "no health score",
    "DAU/MAU",
    "usage declining",
    "tickets in 90 days",
    "no QBR in 180 days",
    "NPS detractor",
    "sponsor change in 90 days",
    "MRR",
    "MRR change over 3 months",
];

/// The yes/no features (the others are numbers).
const FLAGS: [usize; 5] = [1, 3, 5, 6, 7];

/// The examples per parallel task of the fit.
const CHUNK: usize = 8192;

/// The L2 penalty on the standardised coefficients.
const LAMBDA: f64 = 1.0;

/// What is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A month without MRR within the 3 months from the scoring day.
    Churn90,
    /// MRR 6 months on above the MRR of the month before the scoring day.
    Expansion180,
}

impl Target {
    /// The months the outcome window spans.
    fn months(self) -> i32 {
        match self {
            Target::Churn90 => 3,
            Target::Expansion180 => 6,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::Churn90 => "churn within 90 days",
            Target::Expansion180 => "expansion within 180 days",
        }
    }
}

/// The features of `account` on `day` (the first day of a month), from rows dated before it.
/// None when the account had no MRR in the month before.
pub fn features(
    ctx: &Context,
    mrr: &MrrTable,
    account: AccountIx,
    day: NaiveDate,
) -> Option<[f64; 10]> {
    let month = Month::of(day);
    let now = mrr.get(account, month.prev());
    if now.0 <= 0 {
        return None;
    }
    let before = |days: u64| day.checked_sub_days(Days::new(days)).unwrap_or(day);
    let health = score_on(ctx, account, before(1));
    let stickiness = super::health::month_usage(ctx, account, month.prev())
        .and_then(|u| u.stickiness())
        .unwrap_or(0.0);
    let tickets = signals::tickets_opened(ctx, account, day, 90).unwrap_or(0);
    let qbr = signals::qbr_held(ctx, account, day, 180) == Some(true);
    let detractor = signals::nps_detractor(ctx, account, day, 365) == Some(true);
    let sponsor = signals::sponsor_changed(ctx, account, day, 90) == Some(true);
    let three_ago = mrr.get(account, month.plus(-4)).to_f64();
    let change = if three_ago > 0.0 {
        now.to_f64() / three_ago - 1.0
    } else {
        0.0
    };
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    Some([
        health.unwrap_or(0.0),
        flag(health.is_none()),
        stickiness,
        flag(usage_declined(ctx, account, before(1)) == Some(true)),
        (tickets as f64).ln_1p(),
        flag(!qbr),
        flag(detractor),
        flag(sponsor),
        now.to_f64().ln(),
        change.clamp(-1.0, 3.0),
    ])
}

/// The outcome for an account scored on the first day of `month`: None when its window is not
/// over by `last` (the last complete month).
fn outcome(
    mrr: &MrrTable,
    account: AccountIx,
    month: Month,
    last: Month,
    target: Target,
) -> Option<bool> {
    let end = month.plus(target.months() - 1);
    if end > last {
        return None;
    }
    Some(match target {
        Target::Churn90 => {
            let mut m = month;
            let mut gone = false;
            while m <= end {
                gone |= mrr.get(account, m).0 == 0;
                m = m.next();
            }
            gone
        }
        Target::Expansion180 => mrr.get(account, end) > mrr.get(account, month.prev()),
    })
}

/// One training or test example.
#[derive(Debug, Clone, Copy)]
struct Example {
    account: AccountIx,
    month: Month,
    x: [f64; 10],
    y: bool,
}

/// At most this many account-months of history are read for training and the backtest: a model
/// of ten coefficients is estimated as well from a few hundred thousand snapshots as from
/// millions, and the snapshots are most of the cost of the scores.
pub const MAX_HISTORY: usize = 400_000;

/// Every how many accounts (by account order) the history is read: 1 (every account) while
/// `accounts × months` is within `MAX_HISTORY`, else the smallest stride that brings it within.
/// Deterministic, so the scores are the same on every run.
fn sample_stride(accounts: usize, months: usize) -> usize {
    let mut stride = (accounts * months).div_ceil(MAX_HISTORY).max(1);
    // Accounts 0, stride, 2 × stride, …: one more than accounts / stride when it does not divide.
    while accounts.div_ceil(stride) * months > MAX_HISTORY {
        stride += 1;
    }
    stride
}

/// The features of every paying account on the first day of each month `from..=to`, computed
/// once (one month per task, in parallel) and shared by the training, the backtest and the
/// scores. A month's features read only rows dated before its first day.
pub struct Snapshots {
    from: Month,
    /// The history (months before the last) holds every `stride`-th account.
    stride: usize,
    /// `months[i]`: the accounts with features in month `from + i`, in account order.
    months: Vec<Vec<(AccountIx, [f64; 10])>>,
}

impl Snapshots {
    /// The snapshots of months `from..=to`: every account in the last month (the scoring
    /// month), and in the months before it every `stride`-th account (`sample_stride`).
    fn new(ctx: &Context, mrr: &MrrTable, from: Month, to: Month) -> Snapshots {
        use rayon::prelude::*;
        let count = usize::try_from(to.0 - from.0 + 1).unwrap_or(0);
        let accounts = mrr.accounts();
        let stride = sample_stride(accounts, count.saturating_sub(1));
        // One account's months in a row keep its rows of every table in the cache; the
        // accounts' lists are then dealt into months, in account order.
        let by_account: Vec<Vec<(usize, [f64; 10])>> = (0..accounts as AccountIx)
            .into_par_iter()
            .map(|a| {
                let history = (a as usize).is_multiple_of(stride);
                (0..count)
                    .filter(|&i| history || i + 1 == count)
                    .filter_map(|i| {
                        let day = from.plus(i as i32).first_day();
                        features(ctx, mrr, a, day).map(|x| (i, x))
                    })
                    .collect()
            })
            .collect();
        let mut months: Vec<Vec<(AccountIx, [f64; 10])>> = vec![Vec::new(); count];
        for (a, list) in by_account.into_iter().enumerate() {
            for (i, x) in list {
                months[i].push((a as AccountIx, x));
            }
        }
        Snapshots {
            from,
            stride,
            months,
        }
    }

    /// The snapshot of `month` (empty outside the range).
    fn month(&self, month: Month) -> &[(AccountIx, [f64; 10])] {
        usize::try_from(month.0 - self.from.0)
            .ok()
            .and_then(|i| self.months.get(i))
            .map_or(&[], Vec::as_slice)
    }

    /// The examples of scoring months `from..=to` whose outcome window closed by `last`.
    fn examples(
        &self,
        mrr: &MrrTable,
        from: Month,
        to: Month,
        last: Month,
        target: Target,
    ) -> Vec<Example> {
        let mut out = Vec::new();
        let mut month = from;
        while month <= to {
            for &(account, x) in self.month(month) {
                if let Some(y) = outcome(mrr, account, month, last, target) {
                    out.push(Example {
                        account,
                        month,
                        x,
                        y,
                    });
                }
            }
            month = month.next();
        }
        out
    }
}

/// A fitted model: the features' training means and standard deviations, and the coefficients
/// (intercept first) on the standardised features.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub target: Target,
    pub mean: [f64; 10],
    pub sd: [f64; 10],
    pub coef: [f64; 11],
    pub examples: usize,
    pub events: usize,
}

impl Model {
    /// The probability for features `x`.
    pub fn probability(&self, x: &[f64; 10]) -> f64 {
        sigmoid(self.logit(x))
    }

    fn logit(&self, x: &[f64; 10]) -> f64 {
        self.coef[0]
            + (0..10)
                .map(|i| self.coef[i + 1] * (x[i] - self.mean[i]) / self.sd[i])
                .sum::<f64>()
    }

    /// The features that push `x`'s score up the most against the average account, in words
    /// ("low DAU/MAU", "usage declining"), with their contribution to the logit, largest
    /// first; a yes/no feature only when it holds.
    pub fn top_factors(&self, x: &[f64; 10], n: usize) -> Vec<(String, f64)> {
        let mut parts: Vec<(String, f64)> = (0..10)
            .filter(|&i| !FLAGS.contains(&i) || x[i] > 0.5)
            .map(|i| {
                let words = if FLAGS.contains(&i) {
                    FEATURES[i].to_string()
                } else if x[i] > self.mean[i] {
                    format!("high {}", FEATURES[i])
                } else {
                    format!("low {}", FEATURES[i])
                };
                (words, self.coef[i + 1] * (x[i] - self.mean[i]) / self.sd[i])
            })
            .filter(|(_, c)| *c > 0.0)
            .collect();
        parts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        parts.truncate(n);
        parts
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Fits the L2-regularised logistic regression by Newton's method (IRLS) on standardised
/// features, the intercept unpenalised. None without both outcomes among the examples.
fn fit(examples: &[Example], target: Target) -> Option<Model> {
    use rayon::prelude::*;
    let n = examples.len();
    let events = examples.iter().filter(|e| e.y).count();
    if events == 0 || events == n {
        return None;
    }
    let mut mean = [0.0; 10];
    let mut sd = [0.0; 10];
    for i in 0..10 {
        mean[i] = examples.iter().map(|e| e.x[i]).sum::<f64>() / n as f64;
        let var = examples
            .iter()
            .map(|e| (e.x[i] - mean[i]).powi(2))
            .sum::<f64>()
            / n as f64;
        sd[i] = if var > 1e-12 { var.sqrt() } else { 1.0 };
    }
    let rows: Vec<([f64; 11], bool)> = examples
        .iter()
        .map(|e| {
            let mut z = [1.0; 11];
            for i in 0..10 {
                z[i + 1] = (e.x[i] - mean[i]) / sd[i];
            }
            (z, e.y)
        })
        .collect();
    let mut coef = [0.0; 11];
    let base = events as f64 / n as f64;
    coef[0] = (base / (1.0 - base)).ln();
    // The penalised negative log-likelihood Newton minimises; each step is halved until it
    // does not increase it, so near-separable data cannot throw the coefficients off. Sums
    // run over fixed chunks in parallel and add up in chunk order, so every run gives the
    // same bits.
    let objective = |c: &[f64; 11]| -> f64 {
        let parts: Vec<f64> = rows
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut loss = 0.0;
                for (z, y) in chunk {
                    let t: f64 = z.iter().zip(c).map(|(a, b)| a * b).sum();
                    // log(1 + e^t) − y t, computed stably.
                    let softplus = if t > 0.0 {
                        t + (-t).exp().ln_1p()
                    } else {
                        t.exp().ln_1p()
                    };
                    loss += softplus - if *y { t } else { 0.0 };
                }
                loss
            })
            .collect();
        parts.iter().sum::<f64>() + LAMBDA / 2.0 * c[1..].iter().map(|b| b * b).sum::<f64>()
    };
    let mut current = objective(&coef);
    for _ in 0..50 {
        let parts: Vec<([f64; 11], [[f64; 11]; 11])> = rows
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut grad = [0.0; 11];
                let mut hess = [[0.0; 11]; 11];
                for (z, y) in chunk {
                    let p = sigmoid(z.iter().zip(&coef).map(|(a, b)| a * b).sum());
                    let r = p - if *y { 1.0 } else { 0.0 };
                    let w = p * (1.0 - p);
                    for i in 0..11 {
                        grad[i] += r * z[i];
                        for j in i..11 {
                            hess[i][j] += w * z[i] * z[j];
                        }
                    }
                }
                (grad, hess)
            })
            .collect();
        let mut grad = [0.0; 11];
        let mut hess = [[0.0; 11]; 11];
        for (g, h) in &parts {
            for i in 0..11 {
                grad[i] += g[i];
                for j in i..11 {
                    hess[i][j] += h[i][j];
                }
            }
        }
        let upper = hess;
        for (i, row) in hess.iter_mut().enumerate() {
            for (j, cell) in row.iter_mut().enumerate().take(i) {
                *cell = upper[j][i];
            }
            if i > 0 {
                grad[i] += LAMBDA * coef[i];
                row[i] += LAMBDA;
            }
        }
        let step = solve(hess, grad)?;
        let mut scale = 1.0;
        let mut next = coef;
        loop {
            for ((n, c), d) in next.iter_mut().zip(&coef).zip(&step) {
                *n = c - scale * d;
            }
            let value = objective(&next);
            if value <= current || scale < 1e-6 {
                current = value.min(current);
                break;
            }
            scale /= 2.0;
        }
        let moved = (0..11)
            .map(|i| (next[i] - coef[i]).abs())
            .fold(0.0, f64::max);
        coef = next;
        if moved < 1e-10 {
            break;
        }
    }
    Some(Model {
        target,
        mean,
        sd,
        coef,
        examples: n,
        events,
    })
}

/// Solves A x = b (11 × 11) by Gaussian elimination with partial pivoting.
fn solve(mut a: [[f64; 11]; 11], mut b: [f64; 11]) -> Option<[f64; 11]> {
    for col in 0..11 {
        let pivot = (col..11).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..11 {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (cell, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *cell -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 11];
    for row in (0..11).rev() {
        let s: f64 = (row + 1..11).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// The last complete month on `ctx.as_of`.
fn last_month(ctx: &Context) -> Month {
    Period::latest_complete(PeriodKind::Month, ctx.as_of, ctx.config.fiscal_year_start)
        .months()
        .1
}

/// One account's scores on the as-of date's month.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub account: AccountIx,
    pub churn: f64,
    pub expansion: f64,
    /// The churn score's top contributing features.
    pub churn_factors: Vec<(String, f64)>,
}

/// One decile of the reliability table: mean predicted probability against the observed rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bin {
    pub examples: usize,
    pub predicted: f64,
    pub observed: f64,
}

/// How well a score ranks and calibrates on the test examples.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub name: &'static str,
    pub auc: Option<f64>,
    /// Brier score (None for a baseline that is not a probability).
    pub brier: Option<f64>,
    /// Event rate in the riskiest decile / overall event rate.
    pub lift: Option<f64>,
    /// Share of the churned MRR (events' MRR) held by the riskiest decile.
    pub mrr_capture: Option<f64>,
}

/// The backtest of one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    pub target: Target,
    /// Training months end before `cutoff`'s outcome window; test months from `cutoff` on.
    pub cutoff: Month,
    pub train_examples: usize,
    pub test_examples: usize,
    pub test_events: usize,
    /// The snapshots hold every `history_stride`-th account (`MAX_HISTORY`); 1: every account.
    pub history_stride: usize,
    pub model: Evaluation,
    pub baselines: Vec<Evaluation>,
    pub reliability: Vec<Bin>,
    /// Whether the model's AUC beats every baseline's.
    pub beats_baselines: bool,
}

/// The history the models learn from: the feature snapshots of every month from the fifth month
/// of the data (so that three months of MRR change exist) to the month after the last complete
/// one (the scoring month).
pub struct Study<'a> {
    mrr: &'a MrrTable,
    snapshots: Snapshots,
    /// The first snapshot month.
    first: Month,
    /// The last complete month on the as-of date.
    last: Month,
    /// The health score below which the rule baseline flags an account (the yellow band).
    yellow: f64,
}

impl<'a> Study<'a> {
    /// The study of `ctx`'s data; None without MRR.
    pub fn new(ctx: &Context<'a>) -> Option<Study<'a>> {
        let mrr = ctx.mrr()?;
        let last = last_month(ctx);
        let first = mrr
            .spans_held()
            .iter()
            .flatten()
            .map(|s| s.0)
            .min()?
            .plus(4);
        Some(Study {
            mrr,
            snapshots: Snapshots::new(ctx, mrr, first, last.next()),
            first,
            last,
            yellow: ctx.config.health.bands.yellow,
        })
    }

    /// The model for `target` trained on every month whose outcome window closed by the last
    /// complete month.
    pub fn train(&self, target: Target) -> Option<Model> {
        let to = self.last.plus(1 - target.months());
        fit(
            &self
                .snapshots
                .examples(self.mrr, self.first, to, self.last, target),
            target,
        )
    }

    /// The scores of every account paying in the last complete month, as of the first day of
    /// the month after it; None without a model (one outcome only in history).
    pub fn scores(&self) -> Option<Vec<Score>> {
        let churn = self.train(Target::Churn90)?;
        let expansion = self.train(Target::Expansion180)?;
        Some(self.score_with(&churn, &expansion))
    }

    /// The scores of the scoring month's accounts under the two models.
    fn score_with(&self, churn: &Model, expansion: &Model) -> Vec<Score> {
        self.snapshots
            .month(self.last.next())
            .iter()
            .map(|(a, x)| Score {
                account: *a,
                churn: churn.probability(x),
                expansion: expansion.probability(x),
                churn_factors: churn.top_factors(x, 3),
            })
            .collect()
    }

    /// The time-based backtest: train on months whose outcome window closed before `cutoff`
    /// (12 months before the last complete month), test on the months from `cutoff` whose
    /// window closed by the last complete month.
    pub fn backtest(&self, target: Target) -> Option<Backtest> {
        let (mrr, last) = (self.mrr, self.last);
        let cutoff = last.plus(-11);
        let train = self.snapshots.examples(
            mrr,
            self.first,
            cutoff.plus(-target.months()),
            cutoff.prev(),
            target,
        );
        let test =
            self.snapshots
                .examples(mrr, cutoff, last.plus(1 - target.months()), last, target);
        let model = fit(&train, target)?;
        let predicted: Vec<f64> = test.iter().map(|e| model.probability(&e.x)).collect();
        let weights: Vec<f64> = test
            .iter()
            .map(|e| mrr.get(e.account, e.month.prev()).to_f64())
            .collect();
        let outcomes: Vec<bool> = test.iter().map(|e| e.y).collect();
        let sign = if target == Target::Churn90 { 1.0 } else { -1.0 };
        // Health alone: lower health, higher churn risk (higher expansion chance reversed). Missing
        // health scores rank in the middle.
        let health: Vec<f64> = test
            .iter()
            .map(|e| {
                if e.x[1] > 0.5 {
                    0.0
                } else {
                    sign * (50.0 - e.x[0])
                }
            })
            .collect();
        let yellow = self.yellow;
        let rule: Vec<f64> = test
            .iter()
            .map(|e| {
                let flagged = (e.x[1] < 0.5 && e.x[0] < yellow) || e.x[3] > 0.5;
                sign * if flagged { 1.0 } else { 0.0 }
            })
            .collect();
        let model_eval = evaluate("model", &predicted, &outcomes, &weights, true);
        let baselines = vec![
            evaluate("health score alone", &health, &outcomes, &weights, false),
            evaluate(
                "rule: health below yellow or usage declining",
                &rule,
                &outcomes,
                &weights,
                false,
            ),
        ];
        let beats = baselines.iter().all(|b| {
            matches!((model_eval.auc, b.auc), (Some(m), Some(x)) if m > x) || b.auc.is_none()
        });
        Some(Backtest {
            target,
            cutoff,
            train_examples: train.len(),
            test_examples: test.len(),
            test_events: outcomes.iter().filter(|y| **y).count(),
            history_stride: self.snapshots.stride,
            reliability: reliability(&predicted, &outcomes),
            model: model_eval,
            baselines,
            beats_baselines: beats,
        })
    }
}

/// What the site shows of the models: each paying account's scores (by account index), the
/// churn score at which the riskiest tenth begins, and both backtests.
#[derive(Debug, Clone, PartialEq)]
pub struct Scoreboard {
    /// The day the scores are as of: the first day after the last complete month.
    pub scored_on: NaiveDate,
    /// `by_account[a]`: account `a`'s scores (None when it did not pay in the last month).
    pub by_account: Vec<Option<Score>>,
    /// The lowest churn probability of the riskiest tenth of the scored accounts.
    pub riskiest_tenth: f64,
    /// The churn model the scores come from.
    pub churn: Model,
    /// The churn and the expansion backtests (a target without one is left out).
    pub backtests: Vec<Backtest>,
}

impl Scoreboard {
    /// The scores and backtests of `ctx`'s data; None without a model (no MRR, or one outcome
    /// only in history).
    pub fn new(ctx: &Context) -> Option<Scoreboard> {
        let study = Study::new(ctx)?;
        let churn = study.train(Target::Churn90)?;
        let expansion = study.train(Target::Expansion180)?;
        let scores = study.score_with(&churn, &expansion);
        let mut by_account = vec![None; ctx.data.accounts.rows.len()];
        let mut ranked: Vec<f64> = scores.iter().map(|s| s.churn).collect();
        ranked.sort_by(|a, b| b.total_cmp(a));
        let riskiest_tenth = ranked
            .get(ranked.len().div_ceil(10).saturating_sub(1))
            .copied()
            .unwrap_or(1.0);
        for s in scores {
            if let Some(slot) = by_account.get_mut(s.account as usize) {
                *slot = Some(s);
            }
        }
        Some(Scoreboard {
            scored_on: study.last.next().first_day(),
            by_account,
            riskiest_tenth,
            churn,
            backtests: [Target::Churn90, Target::Expansion180]
                .into_iter()
                .filter_map(|t| study.backtest(t))
                .collect(),
        })
    }

    /// Account `a`'s scores.
    pub fn of(&self, a: AccountIx) -> Option<&Score> {
        self.by_account.get(a as usize).and_then(Option::as_ref)
    }

    /// The factors that raise account `a`'s churn score, when it is above an average account's
    /// (for a lower score they are noise): none otherwise.
    pub fn churn_factors(&self, a: AccountIx) -> &[(String, f64)] {
        match self.of(a) {
            Some(s) if s.churn > sigmoid(self.churn.coef[0]) => &s.churn_factors,
            _ => &[],
        }
    }

    /// Whether account `a` is among the riskiest tenth by churn score.
    pub fn is_riskiest(&self, a: AccountIx) -> bool {
        self.of(a).is_some_and(|s| s.churn >= self.riskiest_tenth)
    }
}

/// AUC, Brier (for probabilities), top-decile lift and MRR capture of `scores` against
/// `outcomes`.
fn evaluate(
    name: &'static str,
    scores: &[f64],
    outcomes: &[bool],
    weights: &[f64],
    probability: bool,
) -> Evaluation {
    let n = scores.len();
    let events = outcomes.iter().filter(|y| **y).count();
    let brier = (probability && n > 0).then(|| {
        scores
            .iter()
            .zip(outcomes)
            .map(|(p, y)| (p - if *y { 1.0 } else { 0.0 }).powi(2))
            .sum::<f64>()
            / n as f64
    });
    // The riskiest decile: the top tenth by score, ties broken by position.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let top: Vec<usize> = order.iter().copied().take(n.div_ceil(10)).collect();
    let top_events = top.iter().filter(|&&i| outcomes[i]).count();
    let lift = (events > 0 && !top.is_empty())
        .then(|| (top_events as f64 / top.len() as f64) / (events as f64 / n as f64));
    let event_mrr: f64 = (0..n).filter(|&i| outcomes[i]).map(|i| weights[i]).sum();
    let top_mrr: f64 = top
        .iter()
        .filter(|&&i| outcomes[i])
        .map(|&i| weights[i])
        .sum();
    Evaluation {
        name,
        auc: auc(scores, outcomes),
        brier,
        lift,
        mrr_capture: (event_mrr > 0.0).then(|| top_mrr / event_mrr),
    }
}

/// The area under the ROC curve: the probability a random event scores above a random
/// non-event, ties counting a half (Mann–Whitney, by ranks).
pub fn auc(scores: &[f64], outcomes: &[bool]) -> Option<f64> {
    let positives = outcomes.iter().filter(|y| **y).count();
    let negatives = outcomes.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks over ties.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += rank * order[i..=j].iter().filter(|&&k| outcomes[k]).count() as f64;
        i = j + 1;
    }
    let p = positives as f64;
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * negatives as f64))
}

/// The reliability table: the test examples in ten groups of equal size by predicted
/// probability, each group's mean prediction against its observed rate.
fn reliability(predicted: &[f64], outcomes: &[bool]) -> Vec<Bin> {
    let n = predicted.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]).then(a.cmp(&b)));
    (0..10)
        .filter_map(|d| {
            let part = &order[d * n / 10..(d + 1) * n / 10];
            (!part.is_empty()).then(|| Bin {
                examples: part.len(),
                predicted: part.iter().map(|&i| predicted[i]).sum::<f64>() / part.len() as f64,
                observed: part.iter().filter(|&&i| outcomes[i]).count() as f64 / part.len() as f64,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_sampled_by_account_only_beyond_its_cap() {
        // The example (221 paying accounts, 60 months) is read whole; 50,000 accounts over 56
        // months (2.8 million account-months) every 8th: 7 would read 7,143 accounts, 400,008
        // account-months.
        assert_eq!(sample_stride(221, 60), 1);
        assert_eq!(sample_stride(0, 60), 1);
        assert_eq!(sample_stride(50_000, 56), 8);
        assert!(50_000usize.div_ceil(8) * 56 <= MAX_HISTORY);
        assert_eq!(sample_stride(MAX_HISTORY, 1), 1);
        assert_eq!(sample_stride(MAX_HISTORY + 1, 1), 2);
    }

    fn close(a: f64, b: f64, tolerance: f64) {
        assert!((a - b).abs() < tolerance, "expected {b}, found {a}");
    }

    #[test]
    fn auc_by_hand() {
        // Events score 0.9 and 0.4; non-events 0.8, 0.3, 0.1: of the 6 pairs the events win
        // 5 (0.9 beats all three, 0.4 beats 0.3 and 0.1) → 5/6.
        let auc = auc(
            &[0.9, 0.8, 0.4, 0.3, 0.1],
            &[true, false, true, false, false],
        );
        close(auc.unwrap_or_default(), 5.0 / 6.0, 1e-12);
        // All tied: one half.
        close(
            super::auc(&[1.0; 4], &[true, false, true, false]).unwrap_or_default(),
            0.5,
            1e-12,
        );
        assert_eq!(super::auc(&[1.0], &[true]), None);
    }

    #[test]
    fn lift_capture_and_brier_by_hand() {
        // Ten examples, one event at the top score with MRR 30 of the events' 40.
        let scores = [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.5];
        let outcomes = [
            true, false, false, false, false, false, false, false, false, true,
        ];
        let weights = [30.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 10.0];
        let e = evaluate("m", &scores, &outcomes, &weights, true);
        // Top decile = 1 example, an event: rate 1 against 2/10 overall → lift 5.
        close(e.lift.unwrap_or_default(), 5.0, 1e-12);
        close(e.mrr_capture.unwrap_or_default(), 0.75, 1e-12);
        // Brier: (0.1² + 8 × 0.1² + 0.5²) / 10.
        close(
            e.brier.unwrap_or_default(),
            (0.01 + 0.08 + 0.25) / 10.0,
            1e-12,
        );
    }

    #[test]
    fn the_fit_recovers_a_known_model_and_calibrates() {
        // One informative feature: y = 1 exactly when x0 > 0 for a noisy half. With a penalty the
        // coefficient stays finite, positive, and predictions sort the examples.
        let mut examples = Vec::new();
        for i in 0..200 {
            let v = (i % 20) as f64 - 9.5;
            let mut x = [0.0; 10];
            x[0] = v;
            x[2] = (i % 7) as f64; // noise
            examples.push(Example {
                account: 0,
                month: Month::new(2026, 1),
                x,
                y: v > 0.0 || (i % 10 == 0),
            });
        }
        let m = fit(&examples, Target::Churn90).unwrap_or_else(|| panic!("a fit"));
        assert!(m.coef[1] > 1.0, "{:?}", m.coef);
        let low = m.probability(&[-9.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        let high = m.probability(&[9.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
        assert!(low < 0.2 && high > 0.8, "{low} {high}");
        // Mean prediction equals the event rate at the optimum (the intercept's score equation).
        let mean: f64 = examples.iter().map(|e| m.probability(&e.x)).sum::<f64>() / 200.0;
        let rate = examples.iter().filter(|e| e.y).count() as f64 / 200.0;
        close(mean, rate, 1e-6);
        // One outcome only: no model.
        let all: Vec<Example> = examples.iter().map(|e| Example { y: true, ..*e }).collect();
        assert!(fit(&all, Target::Churn90).is_none());
    }
}
