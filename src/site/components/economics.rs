//! The "where churn comes from" tables: unit economics per group of a dimension, each group's
//! share of churn against its share of the base, and churn reasons by group. The numbers are
//! the engine's (`metrics::segments`); this only lays them out.

use super::*;
use crate::metrics::breakdown::Dimension;
use crate::metrics::segments::{self, OVER_REPRESENTED_PTS};
use crate::report::component::TableKind;

impl Renderer<'_, '_> {
    /// `table(of="economics" | "churn_composition" | "churn_reasons_by", by=...)`, company-wide
    /// over the page's period.
    pub(super) fn economics(
        &self,
        page: &Page,
        of: TableKind,
        dim: &Dimension,
        columns: &[&str],
        table: &mut Table,
    ) {
        let ctx = &self.facts.ctx;
        // "segment", "ACV band": the dimension's words inside a sentence.
        let dimension = {
            let words = self.words(dim.name());
            let mut chars = words.chars();
            match (chars.next(), chars.next()) {
                (Some(first), Some(second)) if !second.is_uppercase() => {
                    first.to_lowercase().chain(words.chars().skip(1)).collect()
                }
                _ => words,
            }
        };
        let opt =
            |v: Option<f64>, f: &dyn Fn(f64) -> String| num(v.map_or(format::MISSING.into(), f), v);
        if of == TableKind::ChurnReasonsBy {
            table.caption = Some(format!(
                "Churned accounts of {} (churns.csv) by {dimension} and reason; share: of the \
                 group's churned MRR",
                page.period.label()
            ));
            for (label, mask) in breakdown::groups(ctx, dim, &page.period) {
                let reasons = segments::churn_reasons(ctx, &page.period, Scope::Only(&mask));
                let total: i64 = reasons.values().map(|t| t.mrr.0).sum();
                for (reason, tally) in reasons {
                    let mrr = tally.mrr.to_f64();
                    let share = crate::metrics::pct(tally.mrr.0 as f64, total as f64);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "group" => text(self.words(&label)),
                            "reason" => text(self.words(reason.name())),
                            "accounts" => {
                                num(tally.accounts.to_string(), Some(tally.accounts as f64))
                            }
                            "mrr" => num(self.money(mrr), Some(mrr)),
                            _ => opt(share, &format::percent),
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
            return;
        }
        let rows = segments::economics(ctx, &page.period, dim, of == TableKind::Economics);
        if of == TableKind::Economics
            && let Some(note) = crate::metrics::explain::footnote("ltv", ctx.config)
        {
            table.notes.push(TableNote {
                text: note,
                link: None,
            });
        }
        table.caption = Some(if of == TableKind::Economics {
            format!(
                "Unit economics by {dimension}, every account: CAC is the mean over the accounts \
                 acquired in the trailing 12 months (as LTV:CAC counts it), the sales cycle the \
                 mean over the accounts that have one; payback = CAC / (monthly revenue per account × \
                 gross margin) in {}; lifetime = 1 / annual revenue churn, as LTV assumes",
                page.period.label()
            )
        } else {
            format!(
                "Where churn comes from in {}, by {dimension}, every account: each group's share \
                 of the customers and MRR at the start beside its share of what churned; churn vs \
                 weight = share of churned MRR − share of MRR, flagged above +{OVER_REPRESENTED_PTS} \
                 pts",
                page.period.label()
            )
        });
        // A group with no customer at the start and no churn (accounts with no ARR yet in an
        // ACV band breakdown) has no part in either side: left out.
        let rows = rows.into_iter().filter(|r| {
            of == TableKind::Economics
                || r.base_logo_share.is_some_and(|s| s > 0.0)
                || r.churned_logos > 0
        });
        for r in rows {
            let over = r.over_representation();
            let row = columns
                .iter()
                .map(|c| match *c {
                    "group" => text(self.words(&r.group)),
                    "accounts" => num(format::count(r.accounts as f64), Some(r.accounts as f64)),
                    "cac" => opt(r.cac, &|v| self.money(v)),
                    "sales_cycle_days" => opt(r.sales_cycle_days, &|v| format::fixed(v, 0)),
                    "payback_months" => opt(r.payback_months, &|v| format::fixed(v, 1)),
                    "lifetime_months" => {
                        let months = r.lifetime_years.map(|y| y * 12.0);
                        opt(months, &|v| format::fixed(v, 0))
                    }
                    "ltv" => opt(r.ltv, &|v| self.money(v)),
                    "ltv_cac" => opt(r.ltv_cac_ratio, &|v| format!("{}×", format::fixed(v, 1))),
                    "base_logo_share" => opt(r.base_logo_share, &format::percent),
                    "churned_logos" => num(
                        format::count(r.churned_logos as f64),
                        Some(r.churned_logos as f64),
                    ),
                    "churned_logo_share" => opt(r.churned_logo_share, &format::percent),
                    "base_mrr_share" => opt(r.base_mrr_share, &format::percent),
                    "churned_mrr" => {
                        let v = r.churned_mrr.to_f64();
                        num(self.money(v), Some(v))
                    }
                    "churned_mrr_share" => opt(r.churned_mrr_share, &format::percent),
                    _ => TableCell {
                        class: Some(
                            if over.is_some_and(|o| o > OVER_REPRESENTED_PTS) {
                                "num status-bad"
                            } else {
                                "num"
                            }
                            .into(),
                        ),
                        ..opt(over, &|v| format!("{} pts", format::signed(v, 1)))
                    },
                })
                .collect();
            table.rows.push(row);
        }
    }
}
