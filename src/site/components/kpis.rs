//! KPI tiles, inline values and "what changed": a metric's value against the previous period
//! and a year ago, with its status and sparkline.

use super::*;

impl Renderer<'_, '_> {
    pub(super) fn previous_periods(&self, page: &Page) -> (Period, Period) {
        (
            page.period.previous(self.fiscal()),
            page.period.year_ago(self.fiscal()),
        )
    }

    /// The sparkline SVG of a metric over `history`, the page's last periods (or the trailing
    /// twelve months ending at each).
    pub(super) fn sparkline(
        &self,
        page: &Page,
        def: &MetricDef,
        history: &[Period],
        status: Status,
    ) -> String {
        let count = history.len();
        // A snapshot has only its value now: the last point, no line.
        let values: Vec<Value> = history
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i + 1 == count {
                    self.facts.value(&page.entity, p, def.id)
                } else {
                    self.earlier(page, def, p)
                }
            })
            .collect();
        let id = self.next_chart_id(page);
        charts::svg(
            &Chart::Sparkline {
                values,
                tone: tone(status),
            },
            &id,
            &format!("{} trend", def.name),
            &format!("{} over the last {count} periods", def.name),
        )
    }

    pub(super) fn next_chart_id(&self, page: &Page) -> String {
        let n = page.charts.get() + 1;
        page.charts.set(n);
        format!("chart-{n}")
    }

    pub(super) fn kpis(&self, page: &Page, defs: &[&'static MetricDef]) -> Vec<Tile> {
        let fiscal = self.fiscal();
        let (previous, year_ago) = self.previous_periods(page);
        let tiles: Vec<Tile> = defs
            .iter()
            .map(|def| {
                // A rate over a short window headlines the trailing twelve months ending at the
                // period's last month, the period's own figure beside it; its changes compare
                // the TTM values ending at the previous period's and the year-ago period's end.
                let headline = basis::headline_period(def, &page.period);
                let trailing = headline != page.period;
                let at = |p: &Period| basis::headline_period(def, p);
                let v = self.facts.value(&page.entity, &headline, def.id);
                let j = self.judge(def, v, &headline);
                // A survey score shows the answers it rests on; from a small sample it gets
                // no good/bad colour.
                let answers = self.facts.responses(&page.entity, &page.period).of(def.id);
                let small = answers.is_some_and(|n| n < experience::SMALL_SAMPLE);
                let st = if small && v.is_some() {
                    Status::Neutral
                } else {
                    j.status
                };
                let aside = trailing.then(|| {
                    let own = self.facts.value(&page.entity, &page.period, def.id);
                    format!("{}: {}", this_period(&page.period), self.fmt(def, own))
                });
                Tile {
                    sample: answers
                        .filter(|_| v.is_some())
                        .map(sample_note)
                        .or_else(|| {
                            crate::metrics::explain::footnote(def.id, self.facts.ctx.config)
                        }),
                    name: self.windowed_name(page, def, basis::named(def, j.basis)),
                    metric: def.id,
                    period: headline.id.clone(),
                    basis: j.basis.map(Basis::key),
                    judged_on: j.judged_on.filter(|_| st == j.status),
                    why_neutral: j.why_neutral.clone(),
                    aside,
                    href: format!("{}metrics/{}.html", page.root, def.id),
                    value: if def.unit == Unit::Money {
                        v.map_or(format::MISSING.into(), |v| {
                            format::money_short(v, self.currency)
                        })
                    } else {
                        self.fmt(def, v)
                    },
                    status: status_name(st),
                    // The sample note says why a small sample has no status word.
                    status_label: st.label(),
                    target: j.target.map(|t| self.fmt(def, Some(t))),
                    change: format::change(def, v, self.earlier(page, def, &at(&previous))),
                    change_year: format::change(def, v, self.earlier(page, def, &at(&year_ago))),
                    change_title: def.is_snapshot().then_some(format::NO_HISTORY),
                    previous_label: "previous".into(),
                    year_ago_label: "a year ago".into(),
                    sparkline: {
                        let history: Vec<Period> =
                            page.period.history(12, fiscal).iter().map(at).collect();
                        self.sparkline(page, def, &history, st)
                    },
                }
            })
            .collect();
        tiles
    }

    pub(super) fn inline_value(&self, page: &Page, def: &MetricDef, show: &str) -> Block {
        let (previous, year_ago) = self.previous_periods(page);
        let v = self.facts.value(&page.entity, &page.period, def.id);
        let j = self.judge(def, v, &page.period);
        let st = j.status;
        let shown = match show {
            "previous" => self.fmt(def, self.earlier(page, def, &previous)),
            "year_ago" => self.fmt(def, self.earlier(page, def, &year_ago)),
            "change" => format::change(def, v, self.earlier(page, def, &previous)),
            "change_year" => format::change(def, v, self.earlier(page, def, &year_ago)),
            "target" => self.fmt(def, j.target),
            "status" => st.label().to_string(),
            _ => self.fmt(def, v),
        };
        // The title names the basis and the period ("Net revenue retention (quarter), Q3
        // 2026"), and why a rate has no status.
        let mut title = format!("{}, {}", basis::named(def, j.basis), page.period.label());
        if let Some(why) = &j.why_neutral {
            title.push_str(&format!(" ({why})"));
        }
        Block::Inline {
            text: shown,
            status: status_name(st),
            href: format!("{}metrics/{}.html", page.root, def.id),
            title,
            basis: j.basis.map(Basis::key),
            judged_on: j.judged_on,
        }
    }

    pub(super) fn changes(&self, page: &Page, count: usize) -> Vec<Change> {
        let (previous, _) = self.previous_periods(page);
        let now = self.facts.values(&page.entity, &page.period);
        let before = self.facts.values(&page.entity, &previous);
        // A survey score from a small sample in either period is noise, not a change: W43's
        // NPS of 100 rests on one answer.
        let small = |period: &Period, id: &str| {
            self.facts
                .responses(&page.entity, period)
                .of(id)
                .is_some_and(|n| n < experience::SMALL_SAMPLE)
        };
        // The headline metrics that moved most, relative to their previous value (percent
        // metrics by points over 10, so a 2-point NRR move ranks like a 20 % ARR move).
        let mut moves: Vec<(f64, &'static MetricDef, f64, f64)> = HEADLINE
            .iter()
            .filter_map(|id| {
                let def = crate::metrics::catalog::get(id)?;
                if small(&page.period, id) || small(&previous, id) {
                    return None;
                }
                let (Some(a), Some(b)) = (
                    now.get(id).copied().flatten(),
                    before.get(id).copied().flatten(),
                ) else {
                    return None;
                };
                let size = match def.unit {
                    Unit::Percent | Unit::Score => (a - b).abs() / 10.0,
                    _ if b != 0.0 => ((a - b) / b).abs(),
                    _ => return None,
                };
                (size > 0.0).then_some((size, def, a, b))
            })
            .collect();
        moves.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.id.cmp(y.1.id)));
        // Each line says the change as shown: its verb carries the sign ("fell 8 pts", never
        // "fell -7.6 pts"), its size is computed from the two values as printed, and a move
        // too small to show ("rose 0.0 pts") is left out.
        let changes: Vec<Change> = moves
            .into_iter()
            .filter_map(|(_, def, a, b)| {
                let delta = format::delta(def, Some(a), Some(b))?;
                (delta.direction != std::cmp::Ordering::Equal).then(|| Change {
                    name: self.named(def, &page.period),
                    href: format!("{}metrics/{}.html", page.root, def.id),
                    verb: delta.verb(),
                    change: delta.size,
                    value: self.fmt(def, Some(a)),
                    previous: self.fmt(def, Some(b)),
                    status: status_name(self.judge(def, Some(a), &page.period).status),
                    movement: movement(def.direction, delta.direction),
                })
            })
            .take(count)
            .collect();
        changes
    }
}

/// The metrics `changes()` looks at.
const HEADLINE: &[&str] = &[
    "arr",
    "nrr",
    "grr",
    "logo_churn_rate",
    "expansion_rate",
    "new_mrr",
    "churned_mrr",
    "nps",
    "renewal_rate",
    "ltv",
];

/// Whether a move is good news for a metric with this direction: "good", "bad" or "neutral".
pub(super) fn movement(
    better: crate::metrics::catalog::Direction,
    moved: std::cmp::Ordering,
) -> &'static str {
    use crate::metrics::catalog::Direction;
    use std::cmp::Ordering::{Greater, Less};
    match (better, moved) {
        (Direction::HigherIsBetter, Greater) | (Direction::LowerIsBetter, Less) => "good",
        (Direction::HigherIsBetter, Less) | (Direction::LowerIsBetter, Greater) => "bad",
        _ => "neutral",
    }
}
