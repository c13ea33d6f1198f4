//! The renewals' leading-indicator tables: outcomes by what was known before the renewals
//! closed, open renewals by stage (stalled, time in stage), and the ARR flagged at risk at T-90,
//! T-60 and T-30. The numbers are the engine's (`metrics::renewals`); this only lays them out.

use super::*;
use crate::metrics::renewals::{self, SMALL_GROUP};

impl Renderer<'_, '_> {
    /// `table(of="leading_indicators")`: the renewal rate of each signal's groups against all
    /// closed renewals of the page's period.
    pub(super) fn leading_indicators(&self, page: &Page, columns: &[&str], table: &mut Table) {
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        let rows = renewals::signal_groups(&self.facts.ctx, &page.period, scope);
        let small = rows.iter().any(|r| r.closed > 0 && r.closed < SMALL_GROUP);
        table.caption = Some(format!(
            "Renewals due in {} and closed, by what was known before they closed. A difference is \
             a correlation, not a cause{}",
            page.period.label(),
            if small {
                format!("; groups of fewer than {SMALL_GROUP} renewals are a small sample")
            } else {
                String::new()
            }
        ));
        for r in rows {
            let sample = r.closed > 0 && r.closed < SMALL_GROUP;
            let row = columns
                .iter()
                .map(|c| match *c {
                    "signal" => text(r.signal),
                    "group" => text(if sample {
                        format!("{} (small sample)", r.group)
                    } else {
                        r.group.to_string()
                    }),
                    "closed" => num(format::count(r.closed as f64), Some(r.closed as f64)),
                    "won" => num(format::count(r.won as f64), Some(r.won as f64)),
                    "renewal_rate" => num(
                        r.rate.map_or(format::MISSING.into(), format::percent),
                        r.rate,
                    ),
                    _ => num(
                        r.difference.map_or(format::MISSING.into(), |d| {
                            format!("{} pts", format::signed(d, 1))
                        }),
                        r.difference,
                    ),
                })
                .collect();
            table.rows.push(row);
        }
        table.sortable = false;
    }

    /// `table(of="stage_health")`: open renewals by stage, from the as-of date on.
    pub(super) fn stage_health(&self, page: &Page, columns: &[&str], table: &mut Table) {
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        table.caption = Some(format!(
            "Open renewals due on or after {}, by stage. Stalled: behind the stage expected by \
             then (not engaged inside T-90, initial discussion inside T-60, proposal sent inside \
             T-30). Days in stage: the mean over every stage entry of renewal_stages.csv",
            self.facts.ctx.as_of
        ));
        for r in renewals::stage_rows(&self.facts.ctx, scope) {
            let arr = r.arr.to_f64();
            let row = columns
                .iter()
                .map(|c| match *c {
                    "stage" => text(self.words(r.stage.name())),
                    "open" => num(format::count(r.open as f64), Some(r.open as f64)),
                    "arr" => num(self.money(arr), Some(arr)),
                    "stalled" => TableCell {
                        class: Some(
                            if r.stalled > 0 {
                                "num status-warning"
                            } else {
                                "num"
                            }
                            .into(),
                        ),
                        ..num(format::count(r.stalled as f64), Some(r.stalled as f64))
                    },
                    _ => num(
                        r.days_in_stage
                            .map_or(format::MISSING.into(), |d| format::fixed(d, 0)),
                        r.days_in_stage,
                    ),
                })
                .collect();
            table.rows.push(row);
        }
        table.sortable = false;
    }

    /// `table(of="at_risk_trajectory")`: the ARR of the period's renewals that the forecast
    /// snapshots flagged at risk 90, 60 and 30 days before each due date.
    pub(super) fn at_risk_trajectory(&self, page: &Page, columns: &[&str], table: &mut Table) {
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        let ctx = &self.facts.ctx;
        let due = self
            .facts
            .value(&page.entity, &page.period, "renewals_due_arr");
        table.caption = Some(format!(
            "Renewals due in {}: the ARR flagged at risk in the latest forecast snapshot \
             (forecasts.csv) on or before each renewal's T-90, T-60 and T-30",
            page.period.label()
        ));
        for days in [90, 60, 30] {
            let arr = renewals::at_risk_arr_at(ctx, &page.period, scope, days).map(|m| m.to_f64());
            let share = arr.zip(due).and_then(|(a, d)| crate::metrics::pct(a, d));
            let row = columns
                .iter()
                .map(|c| match *c {
                    "when" => text(format!("T-{days}")),
                    "at_risk_arr" => {
                        num(arr.map_or(format::MISSING.into(), |a| self.money(a)), arr)
                    }
                    _ => num(share.map_or(format::MISSING.into(), format::percent), share),
                })
                .collect();
            table.rows.push(row);
        }
        table.sortable = false;
    }
}

impl Renderer<'_, '_> {
    /// `table(of="drivers")`: the drivers study of `metrics::drivers` for the page's scope, one
    /// block of rows per outcome, the drivers ranked within it.
    pub(super) fn drivers(&self, page: &Page, columns: &[&str], table: &mut Table) {
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        table.caption = Some(format!(
            "What goes with each outcome, as of {}: the outcome's rate among the accounts with \
             each driver and without it (drivers read before the outcome), the difference in \
             points with its 95 % interval. Small samples (a group under {} or under {} \
             outcomes) are marked and ranked last. These are associations, not causes: an \
             account without QBRs may differ in other ways too",
            self.facts.ctx.as_of,
            crate::metrics::drivers::SMALL_GROUP,
            crate::metrics::drivers::SMALL_EVENTS
        ));
        let effects = crate::metrics::drivers::study(&self.facts.ctx, scope);
        let rate = |c: crate::metrics::drivers::Counts| {
            let v = (c.units > 0).then(|| c.outcomes as f64 / c.units as f64 * 100.0);
            num(
                v.map_or(format::MISSING.into(), |v| {
                    format!(
                        "{} of {}",
                        format::percent(v),
                        format::count(c.units as f64)
                    )
                }),
                v,
            )
        };
        let pts = |v: Option<f64>| v.map_or(format::MISSING.into(), |v| format!("{v:+.1} pts"));
        let mut outcome = None;
        for e in &effects {
            if outcome != Some(e.outcome) {
                outcome = Some(e.outcome);
                let mut heading = vec![text(format!("Outcome: {}", e.outcome.name()))];
                heading.extend(columns.iter().skip(1).map(|_| text(String::new())));
                table.rows.push(heading);
            }
            let row = columns
                .iter()
                .map(|c| match *c {
                    "driver" => text(e.driver.with.to_string()),
                    "with" => rate(e.with),
                    "without" => rate(e.without),
                    "driver_gap" => {
                        let tone = match e.difference {
                            Some(d) if e.clear() && !e.small => {
                                if (d > 0.0) == e.outcome.good() {
                                    "num status-good"
                                } else {
                                    "num status-bad"
                                }
                            }
                            _ => "num",
                        };
                        TableCell {
                            class: Some(tone.into()),
                            ..num(pts(e.difference), e.difference)
                        }
                    }
                    "interval" => num(format!("{} to {}", pts(e.lower), pts(e.upper)), None),
                    _ => text(
                        if e.small {
                            "small sample"
                        } else if e.clear() {
                            "interval excludes 0"
                        } else {
                            "could be chance"
                        }
                        .to_string(),
                    ),
                })
                .collect();
            table.rows.push(row);
        }
        table.sortable = false;
    }
}
