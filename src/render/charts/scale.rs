//! Value axes: a "nice" range with round ticks for any data (empty, single-valued, negative),
//! the mapping from values to pixels, and tick labels that never repeat; and time axes: where
//! dated category labels fall when they are not evenly spaced.

use super::Axis;
use crate::render::format;
use chrono::Datelike as _;

/// A linear value axis mapped onto a pixel span; `lo < hi` always holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
    /// Pixel of `lo` and of `hi` (for a vertical axis `from` is the larger, bottom pixel).
    pub from: i32,
    pub to: i32,
}

impl Scale {
    /// A range with round ticks covering every finite value in `values`, and zero if `zero`.
    /// `integral` keeps the step at 1 or more. No data gives 0..1.
    pub fn nice(values: &[f64], zero: bool, integral: bool) -> Scale {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if lo > hi {
            (lo, hi) = (0.0, 1.0);
        }
        if zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
            // All equal: open a band around the value, not crossing zero needlessly.
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
            let (l, h) = (lo - pad, hi + pad);
            lo = if lo >= 0.0 { l.max(0.0) } else { l };
            hi = if hi < 0.0 { h.min(0.0) } else { h };
            if hi <= lo {
                hi = lo + 1.0;
            }
        }
        let mut step = nice_step((hi - lo) / 5.0);
        if integral && step < 1.0 {
            step = 1.0;
        }
        if !step.is_finite() || step <= 0.0 {
            return Scale {
                lo: 0.0,
                hi: 1.0,
                step: 0.5,
                from: 0,
                to: 1,
            };
        }
        // A little slack so 3.9 / 0.1 = 38.99999999999999 still starts at 3.9.
        let lo = (lo / step + 1e-9).floor() * step;
        let mut hi = (hi / step - 1e-9).ceil() * step;
        if hi <= lo {
            hi = lo + step;
        }
        Scale {
            lo,
            hi,
            step,
            from: 0,
            to: 1,
        }
    }

    /// The same scale drawn from pixel `from` (at `lo`) to pixel `to` (at `hi`).
    pub fn span(self, from: i32, to: i32) -> Scale {
        Scale { from, to, ..self }
    }

    /// The pixel of `value`.
    pub fn px(&self, value: f64) -> i32 {
        let t = (value - self.lo) / (self.hi - self.lo);
        let p = f64::from(self.from) + t * f64::from(self.to - self.from);
        if p.is_finite() {
            p.round().clamp(-10_000.0, 10_000.0) as i32
        } else {
            self.from
        }
    }

    /// The pixel of zero, or of the end of the range nearest to it.
    pub fn baseline(&self) -> i32 {
        self.px(0.0_f64.clamp(self.lo, self.hi))
    }

    /// The tick values, `lo` to `hi` by `step` (at most 50).
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round();
        let n = if n.is_finite() {
            n.clamp(0.0, 50.0) as usize
        } else {
            0
        };
        let first = (self.lo / self.step).round();
        // Steps below 1 are 10^-m times 1, 2 or 5, whose inverse is whole: k / 5 gives 0.6
        // where k * 0.2 gives 0.6000000000000001.
        let inverse = (1.0 / self.step).round();
        (0..=n)
            .map(|i| {
                let k = first + i as f64;
                let t = if self.step < 1.0 {
                    k / inverse
                } else {
                    k * self.step
                };
                // No negative zero.
                if t == 0.0 { 0.0 } else { t }
            })
            .collect()
    }

    /// Tick labels in the axis format; when the short format would repeat a label ($1K, $1K),
    /// a precise one.
    pub fn labels(&self, axis: &Axis) -> Vec<(f64, String)> {
        let ticks = self.ticks();
        let places = decimals(self.step);
        let short: Vec<String> = ticks
            .iter()
            .map(|&t| match axis {
                Axis::Score | Axis::Health => format::fixed(t, places),
                _ => axis.label(t),
            })
            .collect();
        let repeats = short.windows(2).any(|w| w[0] == w[1]);
        let labels = if repeats {
            ticks
                .iter()
                .map(|&t| match axis {
                    Axis::Money { currency } => format::money(t, currency),
                    Axis::Percent => format!("{}%", format::fixed(t, places)),
                    Axis::Ratio => format!("{}×", format::fixed(t, places)),
                    Axis::Count => format::count(t),
                    Axis::Days => format!("{} d", format::fixed(t, places)),
                    Axis::Score | Axis::Health => format::fixed(t, places),
                })
                .collect()
        } else {
            short
        };
        ticks.into_iter().zip(labels).collect()
    }
}

/// `values` and two more, `fraction` of their span beyond each end: room for value labels over
/// bars, for dots at the edge of a scatter.
pub(super) fn padded(values: &[f64], fraction: f64) -> Vec<f64> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let mut out = values.to_vec();
    if lo <= hi {
        let pad = (hi - lo) * fraction;
        // Zero stays put when it is the end of the data: bars stand on it.
        out.push(if lo == 0.0 { 0.0 } else { lo - pad });
        out.push(if hi == 0.0 { 0.0 } else { hi + pad });
    }
    out
}

/// `padded` values kept within the domain of `values` on `axis`: never below zero when no value
/// is (money, counts, days, percentages and ratios alike), and within 0–100 for a score whose
/// values all lie there. So padding for dots at the edge cannot open a −$200K or 120 tick.
pub(super) fn padded_within(values: &[f64], fraction: f64, axis: &Axis) -> Vec<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let non_negative = finite.iter().all(|&v| v >= 0.0);
    let lo = if non_negative { 0.0 } else { f64::NEG_INFINITY };
    let hi = match axis {
        Axis::Score | Axis::Health if non_negative && finite.iter().all(|&v| v <= 100.0) => 100.0,
        _ => f64::INFINITY,
    };
    padded(&finite, fraction)
        .into_iter()
        .map(|v| v.clamp(lo, hi))
        .collect()
}

/// Where each label of a time axis falls, as a fraction of the axis (first 0, last 1), when the
/// labels are dates or periods of one kind (`2026-03-31`, `2026-03`, `2026-Q1`, `2026-W05`,
/// `2026`), strictly increasing and *not* evenly spaced: days by days, months by months. `None`
/// for evenly spaced or non-time labels, which stay one slot apart.
pub(super) fn time_positions(labels: &[String]) -> Option<Vec<f64>> {
    if labels.len() < 3 {
        return None;
    }
    let kind = TimeKind::of(labels.first()?)?;
    let ordinals: Vec<i64> = labels
        .iter()
        .map(|l| kind.ordinal(l))
        .collect::<Option<_>>()?;
    let gaps: Vec<i64> = ordinals.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.iter().any(|&g| g <= 0) || gaps.windows(2).all(|w| w[0] == w[1]) {
        return None;
    }
    let (first, span) = (
        ordinals[0],
        (ordinals[ordinals.len() - 1] - ordinals[0]) as f64,
    );
    Some(
        ordinals
            .iter()
            .map(|&o| (o - first) as f64 / span)
            .collect(),
    )
}

/// The shape of a time label, and so the unit its positions count in.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TimeKind {
    Day,
    Month,
    Quarter,
    Week,
    Year,
}

impl TimeKind {
    fn of(label: &str) -> Option<TimeKind> {
        let b = label.as_bytes();
        let digits =
            |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
        if !digits(0..4) {
            return None;
        }
        match (b.len(), b.get(4), b.get(5)) {
            (4, _, _) => Some(TimeKind::Year),
            (7, Some(b'-'), Some(b'Q')) if digits(6..7) => Some(TimeKind::Quarter),
            (7, Some(b'-'), _) if digits(5..7) => Some(TimeKind::Month),
            (8, Some(b'-'), Some(b'W')) if digits(6..8) => Some(TimeKind::Week),
            (10, Some(b'-'), _) if digits(5..7) && b.get(7) == Some(&b'-') && digits(8..10) => {
                Some(TimeKind::Day)
            }
            _ => None,
        }
    }

    /// The label as a count of this kind's units from a fixed origin; `None` when it is of
    /// another kind or not a real date.
    fn ordinal(self, label: &str) -> Option<i64> {
        if TimeKind::of(label)? != self {
            return None;
        }
        let num = |r: std::ops::Range<usize>| label.get(r)?.parse::<i64>().ok();
        let year = num(0..4)?;
        match self {
            TimeKind::Year => Some(year),
            TimeKind::Quarter => Some(year * 4 + num(6..7).filter(|q| (1..=4).contains(q))?),
            TimeKind::Month => Some(year * 12 + num(5..7).filter(|m| (1..=12).contains(m))?),
            TimeKind::Week => {
                let week = u32::try_from(num(6..8)?).ok()?;
                let monday = chrono::NaiveDate::from_isoywd_opt(
                    i32::try_from(year).ok()?,
                    week,
                    chrono::Weekday::Mon,
                )?;
                Some(i64::from(monday.num_days_from_ce()) / 7)
            }
            TimeKind::Day => {
                let day = chrono::NaiveDate::parse_from_str(label, "%Y-%m-%d").ok()?;
                Some(i64::from(day.num_days_from_ce()))
            }
        }
    }
}

/// 1, 2 or 5 times a power of ten, the nearest to `raw` on a log scale (2.5 is left out: it
/// would print as "$3K" in short money).
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let fraction = raw / magnitude;
    let nice = if fraction >= 50f64.sqrt() {
        10.0
    } else if fraction >= 10f64.sqrt() {
        5.0
    } else if fraction >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    nice * magnitude
}

/// Decimals needed to tell ticks `step` apart: 0 for 1 and above, 1 for 0.5, 2 for 0.05.
fn decimals(step: f64) -> usize {
    let d = -(step.log10() + 1e-9).floor();
    if d.is_finite() && d > 0.0 {
        (d as usize).min(6)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::charts::tests::usd;

    fn ticks(values: &[f64], zero: bool, integral: bool) -> Vec<f64> {
        Scale::nice(values, zero, integral).ticks()
    }

    #[test]
    fn round_ticks_cover_the_data() {
        // 1.23M / 5 = 246K, nearest round step 200K, so 0 to 1.4M in 8 ticks.
        assert_eq!(
            ticks(&[120_000.0, 1_230_000.0], true, false),
            vec![
                0.0, 200_000.0, 400_000.0, 600_000.0, 800_000.0, 1e6, 1.2e6, 1.4e6
            ]
        );
        // NRR around 100%: no zero, steps of 2 points.
        assert_eq!(
            ticks(&[96.5, 104.2], false, false),
            vec![96.0, 98.0, 100.0, 102.0, 104.0, 106.0]
        );
        assert_eq!(
            ticks(&[-3.0, 4.0], false, false),
            vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0]
        );
    }

    #[test]
    fn degenerate_ranges_do_not_panic() {
        assert_eq!(ticks(&[], false, false), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        // Counts never get fractional ticks.
        assert_eq!(ticks(&[0.0, 2.0], true, true), vec![0.0, 1.0, 2.0]);
        // One value: a band around it that does not cross zero.
        let one = Scale::nice(&[5.0], false, false);
        assert!(one.lo >= 0.0 && one.lo < 5.0 && one.hi > 5.0, "{one:?}");
        let zero = Scale::nice(&[0.0, 0.0], true, false);
        assert!(zero.hi > zero.lo);
        let negative = Scale::nice(&[-7.0], false, false);
        assert!(negative.hi <= 0.0 && negative.lo < -7.0, "{negative:?}");
        let wild = Scale::nice(&[f64::NAN, f64::INFINITY, 3.0], false, false);
        assert!(wild.lo < 3.0 && wild.hi > 3.0);
        let huge = Scale::nice(&[-1e308, 1e308], false, false);
        assert!(huge.ticks().len() <= 51);
    }

    #[test]
    fn padding_leaves_zero_alone() {
        assert_eq!(padded(&[0.0, 100.0], 0.1), vec![0.0, 100.0, 0.0, 110.0]);
        assert_eq!(padded(&[-50.0, 50.0], 0.1), vec![-50.0, 50.0, -60.0, 60.0]);
        assert_eq!(padded(&[], 0.1), Vec::<f64>::new());
    }

    #[test]
    fn padding_stays_within_the_domain() {
        // ARR 20K..190K padded by 5 % of 170K = 8.5K would reach 11.5K below and 198.5K above;
        // nothing goes below 0, so the axis does not either.
        let arr = Scale::nice(
            &padded_within(&[20_000.0, 190_000.0], 0.05, &usd()),
            false,
            false,
        );
        assert!(arr.lo >= 0.0, "{arr:?}");
        // Starting 5K above zero, 5 % of 195K would cross it: clamped to 0, not −$200K.
        let near = padded_within(&[5_000.0, 200_000.0], 0.05, &usd());
        assert_eq!(near[2], 0.0);
        assert_eq!(Scale::nice(&near, false, false).lo, 0.0);
        // Health 12..97 padded by 4.25 reaches 101.25: held at 100, so the last tick is 100.
        let score = Scale::nice(
            &padded_within(&[12.0, 97.0], 0.05, &Axis::Score),
            false,
            false,
        );
        assert_eq!((score.lo, score.hi), (0.0, 100.0));
        // Negative values (NPS) keep their padding.
        let nps = padded_within(&[-40.0, 60.0], 0.05, &Axis::Score);
        assert_eq!(nps[2..], [-45.0, 65.0]);
    }

    fn strings(labels: &[&str]) -> Vec<String> {
        labels.iter().map(|l| (*l).to_string()).collect()
    }

    #[test]
    fn irregular_dates_fall_by_time() {
        // Health scores on Jan 1, Jan 2, Jan 11 and Jan 31: 0, 1, 10 and 30 days in.
        let days = strings(&["2026-01-01", "2026-01-02", "2026-01-11", "2026-01-31"]);
        assert_eq!(
            time_positions(&days),
            Some(vec![0.0, 1.0 / 30.0, 10.0 / 30.0, 1.0])
        );
        // A missing month leaves its gap: Jan, Feb, Apr are 0, 1 and 3 months in.
        let months = strings(&["2026-01", "2026-02", "2026-04"]);
        assert_eq!(time_positions(&months), Some(vec![0.0, 1.0 / 3.0, 1.0]));
        let quarters = strings(&["2025-Q3", "2025-Q4", "2026-Q3"]);
        assert_eq!(time_positions(&quarters), Some(vec![0.0, 0.25, 1.0]));
        // ISO weeks across a year end: 2025-W52, 2026-W01 (one week later), 2026-W03.
        let weeks = strings(&["2025-W52", "2026-W01", "2026-W03"]);
        assert_eq!(time_positions(&weeks), Some(vec![0.0, 1.0 / 3.0, 1.0]));
    }

    #[test]
    fn even_or_unknown_labels_keep_their_slots() {
        assert_eq!(
            time_positions(&strings(&["2026-01", "2026-02", "2026-03"])),
            None
        );
        assert_eq!(
            time_positions(&strings(&["SMB", "Mid-market", "Enterprise"])),
            None
        );
        // Mixed kinds, out of order, or not a date.
        assert_eq!(
            time_positions(&strings(&["2026-01", "2026-02-01", "2026-04"])),
            None
        );
        assert_eq!(
            time_positions(&strings(&["2026-03", "2026-01", "2026-02"])),
            None
        );
        assert_eq!(
            time_positions(&strings(&["2026-01-01", "2026-02-30", "2026-03-09"])),
            None
        );
        assert_eq!(
            time_positions(&strings(&["2026-01", "2026-13", "2026-14"])),
            None
        );
    }

    #[test]
    fn pixels() {
        let s = Scale::nice(&[0.0, 100.0], true, false).span(300, 100);
        assert_eq!(s.px(0.0), 300);
        assert_eq!(s.px(100.0), 100);
        assert_eq!(s.px(50.0), 200);
        assert_eq!(s.baseline(), 300);
        assert_eq!(s.px(f64::NAN), 300);
    }

    #[test]
    fn labels_never_repeat() {
        let short = Scale::nice(&[0.0, 1_200_000.0], true, false).labels(&usd());
        let texts: Vec<&str> = short.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(
            texts,
            ["$0", "$200K", "$400K", "$600K", "$800K", "$1.0M", "$1.2M"]
        );
        // 800..1,200 by 100 would read $800, $900, $1K, $1K, $1K: full amounts instead.
        let fine = Scale::nice(&[800.0, 1_200.0], false, false).labels(&usd());
        let texts: Vec<&str> = fine.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(texts, ["$800", "$900", "$1,000", "$1,100", "$1,200"]);
        let pct = Scale::nice(&[96.5, 104.2], false, false).labels(&Axis::Percent);
        assert_eq!(pct[0].1, "96.0%");
        assert_eq!(pct[2].1, "100.0%");
        let score = Scale::nice(&[3.9, 4.6], false, false).labels(&Axis::Score);
        assert_eq!(score[0].1, "3.9");
    }
}
