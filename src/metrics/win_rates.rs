//! The renewal forecast from history (issue 15, part 4): ARR win rates by stage and T-minus
//! bucket learned from closed renewals and their stage history (renewal_stages.csv), used as an
//! alternative to the configured stage weights, and both methods backtested on past quarters:
//! each quarter's renewals forecast from what was known on its first day, against the ARR they
//! went on to renew.

use super::Context;
use super::renewals::{BUCKETS, OPEN_STAGES, stage_weight};
use crate::data::{Renewal, RenewalStage, RenewalStageEntry};
use crate::period::{Period, PeriodKind};
use chrono::{Days, NaiveDate};

/// The days before due at which a closed renewal's stage is read to learn the rates: one per
/// T-minus bucket (120 days or more, 90–120, 60–90, 30–60, under 30).
const READ_AT: [u64; 5] = [120, 90, 60, 30, 15];

/// A cell with fewer closed renewals than this falls back to its stage's rate over every
/// bucket, and a stage with fewer to the configured weight.
pub const MIN_CELL: u64 = 5;

/// One cell of the learned table: the closed renewals that were in the stage at the bucket, and
/// the share of their ARR they renewed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub renewals: u64,
    /// Σ arr and Σ renewed ARR (cents).
    pub arr: i64,
    pub renewed: i64,
}

impl Cell {
    /// Renewed ARR / ARR up for renewal.
    pub fn rate(&self) -> Option<f64> {
        (self.arr > 0).then(|| self.renewed as f64 / self.arr as f64)
    }

    fn add(&mut self, other: Cell) {
        self.renewals += other.renewals;
        self.arr += other.arr;
        self.renewed += other.renewed;
    }
}

/// Win rates learned from the renewals closed before a day: `cells[bucket][open stage]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WinRates {
    pub cells: [[Cell; 4]; 5],
}

impl WinRates {
    /// The probability for an open renewal in `stage` at `bucket`: the cell's rate, else the
    /// stage's rate over every bucket, else `fallback` (the configured weight); with where it
    /// came from.
    pub fn probability(&self, bucket: usize, stage: RenewalStage, fallback: f64) -> f64 {
        let s = stage as usize;
        let cell = self.cells.get(bucket).and_then(|row| row.get(s)).copied();
        if let Some(rate) = cell
            .filter(|c| c.renewals >= MIN_CELL)
            .and_then(|c| c.rate())
        {
            return rate;
        }
        let mut whole = Cell::default();
        for row in &self.cells {
            if let Some(c) = row.get(s) {
                whole.add(*c);
            }
        }
        whole
            .rate()
            .filter(|_| whole.renewals >= MIN_CELL)
            .unwrap_or(fallback)
    }
}

/// The stage of `r` on `day` from its history (`entries`, sorted by date): the last entry on or
/// before the day; not_engaged before any.
pub fn stage_on(entries: &[&RenewalStageEntry], day: NaiveDate) -> RenewalStage {
    entries
        .iter()
        .take_while(|e| e.entered_on <= day)
        .last()
        .map_or(RenewalStage::NotEngaged, |e| e.stage)
}

/// The T-minus bucket of a renewal due `days` after the day it is read.
pub fn bucket(days: i64) -> usize {
    match days {
        d if d >= 120 => 0,
        d if d >= 90 => 1,
        d if d >= 60 => 2,
        d if d >= 30 => 3,
        _ => 4,
    }
}

/// Each renewal's stage-history entries, sorted by date (by renewal index).
pub fn histories<'a>(ctx: &Context<'a>) -> Vec<Vec<&'a RenewalStageEntry>> {
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    let mut out: Vec<Vec<&RenewalStageEntry>> = vec![Vec::new(); renewals.len()];
    for e in ctx.data.renewal_stages.as_deref().unwrap_or_default() {
        if let Some(list) = out.get_mut(e.renewal as usize) {
            list.push(e);
        }
    }
    for list in &mut out {
        list.sort_by_key(|e| e.entered_on);
    }
    out
}

/// The day a renewal closed: its closed_on, else the date its history entered a closed stage,
/// else its due date.
fn closed_day(r: &Renewal, history: &[&RenewalStageEntry]) -> NaiveDate {
    r.closed_on
        .or_else(|| {
            history
                .iter()
                .find(|e| e.stage.is_closed())
                .map(|e| e.entered_on)
        })
        .unwrap_or(r.due_on)
}

/// Learns the win rates from the renewals closed before `day`: each is read at T-120, T-90,
/// T-60, T-30 and T-15 (when it was still open then) and counted in its stage's cell.
pub fn learn(ctx: &Context, histories: &[Vec<&RenewalStageEntry>], day: NaiveDate) -> WinRates {
    let mut rates = WinRates::default();
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    for (r, history) in renewals.iter().zip(histories) {
        if !r.stage.is_closed() {
            continue;
        }
        let closed = closed_day(r, history);
        if closed >= day {
            continue;
        }
        let renewed = r.renewed().map_or(0, |m| m.cents());
        for (b, before) in READ_AT.iter().enumerate() {
            let at = r
                .due_on
                .checked_sub_days(Days::new(*before))
                .unwrap_or(r.due_on);
            if at >= closed {
                continue;
            }
            let stage = stage_on(history, at);
            if stage.is_closed() {
                continue;
            }
            let cell = &mut rates.cells[b][stage as usize];
            cell.renewals += 1;
            cell.arr += r.arr.cents();
            cell.renewed += renewed;
        }
    }
    rates
}

/// One past quarter of the backtest: the renewals due in it, forecast on its first day by the
/// configured stage weights and by the rates learned from renewals closed before that day,
/// against the ARR they renewed.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    pub quarter: Period,
    pub renewals: u64,
    /// ARR due, and renewed (currency units).
    pub due: f64,
    pub actual: f64,
    pub by_weights: f64,
    pub by_history: f64,
}

impl Backtest {
    /// A forecast's error in percent of the actual renewed ARR.
    pub fn error(forecast: f64, actual: f64) -> Option<f64> {
        (actual > 0.0).then(|| (forecast - actual) / actual * 100.0)
    }
}

/// The backtest over the last `quarters` complete quarters whose renewals due have all closed.
pub fn backtest(ctx: &Context, quarters: usize) -> Vec<Backtest> {
    let renewals = ctx.data.renewals.as_deref().unwrap_or_default();
    let histories = histories(ctx);
    let fiscal = ctx.config.fiscal_year_start;
    let latest = Period::latest_complete(PeriodKind::Quarter, ctx.as_of, fiscal);
    let mut out = Vec::new();
    for k in 0..quarters as i32 * 2 {
        if out.len() == quarters {
            break;
        }
        let quarter = latest.shift(-k, fiscal);
        let start = quarter.start;
        let due: Vec<(usize, &Renewal)> = renewals
            .iter()
            .enumerate()
            .filter(|(_, r)| quarter.contains(r.due_on))
            .collect();
        if due.is_empty() || due.iter().any(|(_, r)| !r.stage.is_closed()) {
            continue;
        }
        let rates = learn(ctx, &histories, start);
        let (mut arr, mut actual, mut by_weights, mut by_history) = (0i64, 0i64, 0.0, 0.0);
        for (i, r) in &due {
            let history = &histories[*i];
            arr += r.arr.cents();
            actual += r.renewed().map_or(0, |m| m.cents());
            let closed = closed_day(r, history);
            let stage = stage_on(history, start);
            let known = if closed < start {
                // Already closed on the quarter's first day: its outcome is known.
                Some(r.renewed().map_or(0, |m| m.cents()) as f64)
            } else {
                None
            };
            let a = r.arr.cents() as f64;
            let b = bucket((r.due_on - start).num_days());
            let open_stage = if stage.is_closed() {
                RenewalStage::Negotiation
            } else {
                stage
            };
            by_weights += known.unwrap_or(a * stage_weight(ctx, open_stage));
            by_history += known
                .unwrap_or(a * rates.probability(b, open_stage, stage_weight(ctx, open_stage)));
        }
        out.push(Backtest {
            quarter,
            renewals: due.len() as u64,
            due: arr as f64 / 100.0,
            actual: actual as f64 / 100.0,
            by_weights: by_weights / 100.0,
            by_history: by_history / 100.0,
        });
    }
    out.reverse();
    out
}

/// The mean absolute percentage error of the forecasts `pick` takes from each quarter.
pub fn mean_abs_error(tests: &[Backtest], pick: fn(&Backtest) -> f64) -> Option<f64> {
    let errors: Vec<f64> = tests
        .iter()
        .filter_map(|t| Backtest::error(pick(t), t.actual))
        .map(f64::abs)
        .collect();
    (!errors.is_empty()).then(|| errors.iter().sum::<f64>() / errors.len() as f64)
}

/// The stage names of the learned table's columns and the bucket names of its rows.
pub fn labels() -> ([&'static str; 4], [&'static str; 5]) {
    (OPEN_STAGES.map(RenewalStage::name), BUCKETS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{Money, RenewalIx};
    use crate::metrics::fixture::{config, dataset, renewal};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn entry(renewal: RenewalIx, stage: RenewalStage, on: NaiveDate) -> RenewalStageEntry {
        RenewalStageEntry {
            renewal,
            stage,
            entered_on: on,
        }
    }

    /// Six renewals due 2026-03-01, each in negotiation from T-45 (2026-01-15); four won in
    /// full, two lost; closed on the due date.
    fn six_closed() -> crate::data::Dataset {
        let mut ds = dataset(&[("a", "")], &[("a", "2026-01", 100)]);
        let due = day(2026, 3, 1);
        let mut renewals = Vec::new();
        let mut stages = Vec::new();
        for i in 0..6u32 {
            let won = i < 4;
            renewals.push(crate::data::Renewal {
                id: format!("r{i}"),
                stage: if won {
                    RenewalStage::ClosedWon
                } else {
                    RenewalStage::ClosedLost
                },
                closed_on: Some(due),
                renewed_arr: Some(if won {
                    Money::units(1_000)
                } else {
                    Money::ZERO
                }),
                ..renewal(0, due, Money::units(1_000), false)
            });
            stages.push(entry(i, RenewalStage::Negotiation, day(2026, 1, 15)));
            stages.push(entry(
                i,
                if won {
                    RenewalStage::ClosedWon
                } else {
                    RenewalStage::ClosedLost
                },
                due,
            ));
        }
        ds.renewals = Some(renewals);
        ds.renewal_stages = Some(stages);
        ds
    }

    #[test]
    fn the_history_method_forecasts_open_renewals_with_the_learned_rates() {
        use crate::config::ForecastMethod;
        use crate::metrics::renewals::probability;
        let mut ds = six_closed();
        // An open renewal due 2026-06-20, in negotiation since 2026-05-01: on 2026-06-01 it is
        // 19 days from due (the last bucket), where 4 of the 6 closed renewals' ARR renewed.
        let open = crate::data::Renewal {
            id: "open".into(),
            stage: RenewalStage::Negotiation,
            ..renewal(0, day(2026, 6, 20), Money::units(1_000), false)
        };
        if let Some(r) = ds.renewals.as_mut() {
            r.push(open.clone());
        }
        let mut config = config();
        let ctx = |config: &crate::config::Config, ds: &crate::data::Dataset| {
            let ctx = Context {
                data: ds,
                config,
                as_of: day(2026, 6, 1),
            };
            probability(&ctx, &open)
        };
        assert_eq!(ctx(&config, &ds), 0.85);
        config.renewals.forecast = ForecastMethod::History;
        assert_eq!(ctx(&config, &ds), 4.0 / 6.0);
        // A stated forecast_probability wins over either method.
        let stated = crate::data::Renewal {
            forecast_probability: Some(0.3),
            ..open.clone()
        };
        let c = Context {
            data: &ds,
            config: &config,
            as_of: day(2026, 6, 1),
        };
        assert_eq!(probability(&c, &stated), 0.3);
        // Before anything closed, history knows nothing and the weight stands.
        let early = Context {
            as_of: day(2026, 2, 1),
            ..c
        };
        assert_eq!(probability(&early, &open), 0.85);
    }

    #[test]
    fn rates_are_learned_per_stage_and_bucket_and_fall_back() {
        let ds = six_closed();
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: day(2026, 6, 1),
        };
        let h = histories(&ctx);
        let rates = learn(&ctx, &h, day(2026, 4, 1));
        // Read at T-120, T-90, T-60: not engaged (before the first entry); at T-30 and T-15:
        // negotiation. Each cell holds the six renewals, 4 of 6 renewed.
        for b in 0..3 {
            assert_eq!(rates.cells[b][0].renewals, 6);
        }
        assert_eq!(rates.cells[3][3].renewals, 6);
        assert_eq!(rates.cells[4][3].rate(), Some(4.0 / 6.0));
        assert_eq!(
            rates.probability(4, RenewalStage::Negotiation, 0.85),
            4.0 / 6.0
        );
        // An empty cell of a stage seen elsewhere takes the stage's rate; an unseen stage the
        // configured weight.
        assert_eq!(
            rates.probability(0, RenewalStage::Negotiation, 0.85),
            4.0 / 6.0
        );
        assert_eq!(rates.probability(2, RenewalStage::ProposalSent, 0.75), 0.75);
        // Nothing closed before the day: nothing learned.
        assert_eq!(learn(&ctx, &h, day(2026, 2, 1)), WinRates::default());
    }

    #[test]
    fn the_stage_on_a_day_and_the_buckets() {
        let a = entry(0, RenewalStage::InitialDiscussion, day(2026, 1, 10));
        let b = entry(0, RenewalStage::ProposalSent, day(2026, 2, 10));
        let list = [&a, &b];
        assert_eq!(stage_on(&list, day(2026, 1, 1)), RenewalStage::NotEngaged);
        assert_eq!(
            stage_on(&list, day(2026, 1, 10)),
            RenewalStage::InitialDiscussion
        );
        assert_eq!(stage_on(&list, day(2026, 3, 1)), RenewalStage::ProposalSent);
        assert_eq!(
            [bucket(200), bucket(90), bucket(89), bucket(30), bucket(-3)],
            [0, 1, 2, 3, 4]
        );
    }

    #[test]
    fn errors_and_their_mean() {
        assert_eq!(Backtest::error(110.0, 100.0), Some(10.0));
        assert_eq!(Backtest::error(1.0, 0.0), None);
        let q = |by_weights, by_history| Backtest {
            quarter: Period::quarter_of(crate::period::Month::new(2026, 1), 1),
            renewals: 1,
            due: 100.0,
            actual: 100.0,
            by_weights,
            by_history,
        };
        let tests = [q(90.0, 104.0), q(120.0, 98.0)];
        assert_eq!(mean_abs_error(&tests, |t| t.by_weights), Some(15.0));
        assert_eq!(mean_abs_error(&tests, |t| t.by_history), Some(3.0));
        assert_eq!(mean_abs_error(&[], |t| t.by_history), None);
    }
}
