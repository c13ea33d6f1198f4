//! The attention component: what needs attention on the as-of date, as the engine's
//! `metrics::attention` computes it (open ARR due in the next 30 and 90 days and overdue, the
//! renewals at risk, most urgent first, each with the open tracked action about its account or
//! "no action", and how many at-risk accounts have none) plus "what changed", formatted and
//! linked. The at-risk
//! tables share its due-date words.

use super::*;
use crate::metrics::attention::{self, RiskItem};
use crate::metrics::renewals::{AT_RISK_RULE, OpenTotal};
use crate::render::block::{Attention, RiskRow, Window};
use chrono::NaiveDate;

/// A renewal's due date in words on as-of: "2026-11-21, in 20 days", "due today (2026-11-01)",
/// "overdue 15 days (due 2026-10-17)".
pub(super) fn due_words(due_on: NaiveDate, days: i64) -> String {
    let n = |d: i64| format!("{d} day{}", if d == 1 { "" } else { "s" });
    match days {
        d if d < 0 => format!("overdue {} (due {due_on})", n(-d)),
        0 => format!("due today ({due_on})"),
        d => format!("{due_on}, in {}", n(d)),
    }
}

impl Renderer<'_, '_> {
    /// A metric's name with the window its value covers, for renewal metrics ("ARR up for
    /// renewal, due in Week 43, 2026 (19–25 Oct)", "At-risk ARR, as of 2026-11-01").
    pub(super) fn windowed_name(&self, page: &Page, def: &MetricDef, name: String) -> String {
        match renewals::window(def.id, &page.period, self.facts.ctx.as_of) {
            Some(window) => format!("{name}, {window}"),
            None => name,
        }
    }

    /// A window: its count and what it is ("39 renewals due in the next 30 days"), its ARR.
    fn window(&self, total: OpenTotal, what: &str, status: Option<&'static str>) -> Window {
        let n = total.count;
        Window {
            label: format!(
                "{} renewal{} {what}",
                format::count(n as f64),
                if n == 1 { "" } else { "s" }
            ),
            value: self.money(total.arr.to_f64()),
            status,
        }
    }

    /// A risk's reasons in words: the renewal's own flag (with its reason), then the account's
    /// risk factors.
    pub(super) fn risk_reasons(&self, r: &RiskItem) -> Vec<String> {
        let reason = r.flagged.flatten().map(|x| self.phrase(x.name()));
        let flag = r.flagged.map(|_| match &reason {
            Some(reason) => format!("flagged: {reason}"),
            None => "flagged".to_string(),
        });
        // A factor the flag already names ("usage decline") is not said twice.
        flag.into_iter()
            .chain(
                r.factors
                    .iter()
                    .map(|f| f.name().to_string())
                    .filter(|f| reason.as_ref() != Some(f)),
            )
            .collect()
    }

    /// The attention block of `page`: its accounts, on as-of, `limit` risks and `changes` lines.
    pub(super) fn attention(&self, page: &Page, limit: usize, changes: usize) -> Block {
        let mask = self.group_mask(page);
        let snapshots = self.facts.snapshots();
        let a = attention::attention(&self.facts.ctx, page_scope(page, &mask), &|i| {
            snapshots
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| views::account_snapshot(&self.facts.ctx, i))
        });
        let windows = vec![
            self.window(
                a.due_30,
                &format!("due in the next {} days", renewals::DUE_SOON_DAYS),
                None,
            ),
            self.window(
                a.due_90,
                &format!("due in the next {} days", renewals::DUE_WINDOW_DAYS),
                None,
            ),
            self.window(a.overdue, "overdue", (a.overdue.count > 0).then_some("bad")),
            Window {
                label: format!(
                    "{} account{} at risk",
                    a.at_risk_accounts,
                    if a.at_risk_accounts == 1 { "" } else { "s" }
                ),
                value: self.money(a.at_risk_arr.to_f64()),
                status: (a.at_risk_accounts > 0).then_some("warning"),
            },
        ];
        let shown = a.risks.len().min(limit);
        let risks = a
            .risks
            .iter()
            .take(limit)
            .map(|r| {
                let account = self.account_cell(page, r.account);
                let csm = self.csm_cell(page, r.account);
                RiskRow {
                    account: account.text,
                    account_href: account.href,
                    csm: csm.text,
                    csm_href: csm.href,
                    arr: self.money(r.arr.to_f64()),
                    due: due_words(r.due_on, r.days),
                    overdue: r.days < 0,
                    reasons: self.risk_reasons(r),
                    action: self.action_chip(a.without_action.is_some(), r),
                    churn_factors: self.facts.scoreboard().map_or(String::new(), |b| {
                        b.churn_factors(r.account)
                            .iter()
                            .map(|f| f.0.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    }),
                    churn: self.facts.scoreboard().and_then(|b| {
                        b.of(r.account).map(|s| Chip {
                            text: format!("churn risk {} in 90 days", format::probability(s.churn)),
                            kind: if b.is_riskiest(r.account) {
                                "bad"
                            } else {
                                "neutral"
                            },
                        })
                    }),
                }
            })
            .collect();
        let risks_caption = match a.risks.len() {
            0 => format!(
                "Open renewals at risk on {}: none ({AT_RISK_RULE}).",
                a.as_of
            ),
            n if shown < n => format!(
                "The {shown} most urgent of {n} open renewals at risk on {} ({AT_RISK_RULE}).",
                a.as_of
            ),
            n => format!(
                "The {n} open renewal{} at risk on {}, most urgent first ({AT_RISK_RULE}).",
                if n == 1 { "" } else { "s" },
                a.as_of
            ),
        };
        Block::Attention(Attention {
            as_of: format!("as of {}", a.as_of),
            windows,
            risks,
            risks_caption,
            actions_note: a.without_action.map(|n| {
                format!(
                    "{n} of {} at-risk account{} {} no owned action.",
                    a.at_risk_accounts,
                    if a.at_risk_accounts == 1 { "" } else { "s" },
                    if n == 1 { "has" } else { "have" }
                )
            }),
            changes: self.changes(page, changes),
        })
    }

    /// The chip of a risk's account: the owner of the open tracked action about it, or "no
    /// action"; none when the project tracks no actions.
    fn action_chip(&self, tracked: bool, r: &RiskItem) -> Option<Chip> {
        if !tracked {
            return None;
        }
        let data = self.facts.ctx.data;
        let action = r
            .action
            .and_then(|i| data.actions.as_deref()?.get(i as usize));
        Some(match action {
            Some(x) => Chip {
                text: format!(
                    "action: {}",
                    crate::metrics::actions::owner_name(data, &x.owner)
                ),
                kind: "task",
            },
            None => Chip {
                text: "no action".into(),
                kind: "bad",
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::due_words;
    use chrono::NaiveDate;

    #[test]
    fn due_dates_read_as_days_to_go_or_overdue() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        assert_eq!(due_words(day(11, 21), 20), "2026-11-21, in 20 days");
        assert_eq!(due_words(day(11, 2), 1), "2026-11-02, in 1 day");
        assert_eq!(due_words(day(11, 1), 0), "due today (2026-11-01)");
        assert_eq!(due_words(day(10, 31), -1), "overdue 1 day (due 2026-10-31)");
        assert_eq!(
            due_words(day(10, 17), -15),
            "overdue 15 days (due 2026-10-17)"
        );
    }
}
