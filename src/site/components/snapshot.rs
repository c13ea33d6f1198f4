//! The snapshot component: an account's lifecycle, ARR, health, usage, contact, renewal and risk
//! factors, or a CSM book's summary.

use super::*;

impl Renderer<'_, '_> {
    pub(super) fn snapshot(&self, page: &Page) -> Result<Block, String> {
        let a = match page.entity {
            Entity::Account(a) => a,
            Entity::Csm(c) => return Ok(self.book_summary(c)),
            _ => {
                return Err(
                    "snapshot() belongs on an account or a CSM page (per: account, per: csm)"
                        .into(),
                );
            }
        };
        let s = self
            .facts
            .snapshots()
            .get(a as usize)
            .ok_or("unknown account")?;
        let data = self.facts.ctx.data;
        let acc = data
            .accounts
            .rows
            .get(a as usize)
            .ok_or("unknown account")?;
        let csm = self.csm_cell(page, a);
        let item = |label, value: String| Fact {
            label,
            value,
            href: None,
            status: None,
        };
        let mut items = vec![
            Fact {
                label: "Status",
                value: s.lifecycle.label(),
                href: None,
                status: match s.lifecycle {
                    Lifecycle::Churned { .. } => Some("bad"),
                    Lifecycle::New { .. } | Lifecycle::Reactivated { .. } => Some("good"),
                    Lifecycle::Active | Lifecycle::Prospect => None,
                },
            },
            item("ARR", self.money(s.arr.to_f64())),
            item(
                "Segment",
                acc.segment
                    .clone()
                    .unwrap_or_else(|| format::MISSING.into()),
            ),
            Fact {
                label: "CSM",
                value: csm.text,
                href: csm.href,
                status: None,
            },
            Fact {
                label: "Health",
                value: match (s.health, s.band, s.lifecycle) {
                    (Some(h), Some(b), _) => format!("{h:.0} ({})", b.name()),
                    // Its last score describes a customer that has left.
                    (_, _, Lifecycle::Churned { on }) => format!("— (churned on {on})"),
                    _ => format::MISSING.into(),
                },
                href: None,
                status: (!s.lifecycle.is_churned()).then(|| band_status(s.band)),
            },
            item(
                "Health change, 90 days",
                s.health_change_90d.map_or(format::MISSING.into(), |c| {
                    format!("{} points", format::signed(c, 0))
                }),
            ),
            item(
                "DAU/MAU, latest month",
                s.usage_trend
                    .last()
                    .and_then(|(_, v)| *v)
                    .map_or(format::MISSING.into(), format::percent),
            ),
            item(
                "Last contact",
                s.last_contact.map_or("never".into(), |d| d.to_string()),
            ),
            item(
                "Touchpoints this quarter",
                s.touchpoints_this_quarter.to_string(),
            ),
            item(
                "QBR this quarter",
                if s.qbr_done_this_quarter {
                    "done".into()
                } else {
                    "not yet".into()
                },
            ),
            item(
                "Latest NPS",
                s.latest_nps
                    .map_or(format::MISSING.into(), |n| n.to_string()),
            ),
            item("Open tickets", s.open_tickets.to_string()),
        ];
        items.push(match &s.next_renewal {
            Some(r) => Fact {
                label: "Next renewal",
                value: format!(
                    "{}, {} ({})",
                    super::attention::due_words(r.due_on, r.days),
                    self.money(r.arr.to_f64()),
                    stage_label(r.stage, r.stalled)
                ),
                href: None,
                // An open renewal past due is overdue, not resolved.
                status: (r.days < 0).then_some("bad"),
            },
            None => item("Next renewal", "none open".into()),
        });
        if s.lifecycle.is_churned() {
            // Nothing left at risk: no urgency, no risk factors.
            return Ok(Block::Snapshot {
                facts: items,
                risks: None,
            });
        }
        items.push(item("Urgency", format::fixed(s.urgency, 1)));
        if let Some(board) = self.facts.scoreboard() {
            items.extend(self.score_facts(page, board, a));
        }
        Ok(Block::Snapshot {
            facts: items,
            risks: Some(s.risk_factors.iter().map(|f| f.name()).collect()),
        })
    }

    /// An account's churn and expansion scores, with the churn score's top factors in words,
    /// each linking to the page with the models' backtests.
    fn score_facts(&self, page: &Page, board: &Scoreboard, a: AccountIx) -> Vec<Fact> {
        let href = Some(format!("{}{}", page.root, crate::site::pages::SCORES_PAGE));
        let Some(score) = board.of(a) else {
            return vec![Fact {
                label: "Churn risk, next 90 days",
                value: "not scored (no MRR last month)".into(),
                href,
                status: None,
            }];
        };
        let factors: Vec<&str> = board
            .churn_factors(a)
            .iter()
            .map(|f| f.0.as_str())
            .collect();
        let riskiest = board.is_riskiest(a);
        let mut churn = format::probability(score.churn);
        if riskiest {
            churn += " (riskiest tenth)";
        }
        let mut facts = vec![
            Fact {
                label: "Churn risk, next 90 days",
                value: churn,
                href: href.clone(),
                status: riskiest.then_some("bad"),
            },
            Fact {
                label: "Expansion chance, next 180 days",
                value: format::probability(score.expansion),
                href,
                status: None,
            },
        ];
        if !factors.is_empty() {
            facts.push(Fact {
                label: "Churn score raised by",
                value: factors.join(", "),
                href: None,
                status: None,
            });
        }
        facts
    }

    /// A CSM page's lead: the book's ARR, health mix, renewals due in 30 and 90 days and open
    /// tasks, all from the engine's book summary.
    pub(super) fn book_summary(&self, csm: CsmIx) -> Block {
        let s = self.facts.book(csm).summary;
        let item = |label, value: String, status| Fact {
            label,
            value,
            href: None,
            status,
        };
        // The labels are static text: they name the engine's windows, which must match.
        const _: () = assert!(renewals::DUE_SOON_DAYS == 30 && renewals::DUE_WINDOW_DAYS == 90);
        let due = |d: renewals::OpenTotal| {
            format!(
                "{} ({})",
                format::count(d.count as f64),
                self.money(d.arr.to_f64())
            )
        };
        let [green, yellow, red, unscored] = s.health_mix;
        let mut mix = format!("{green} green, {yellow} yellow, {red} red");
        if unscored > 0 {
            mix += &format!(", {unscored} without a score");
        }
        let facts = vec![
            item("Book ARR", self.money(s.arr.to_f64()), None),
            item("Accounts", format::count(s.accounts as f64), None),
            item("Health mix", mix, (red > 0).then_some("bad")),
            item("Renewals due in 30 days", due(s.due_30), None),
            item("Renewals due in 90 days", due(s.due_90), None),
            item(
                "Open tasks",
                if s.overdue_tasks > 0 {
                    format!("{} ({} overdue)", s.open_tasks, s.overdue_tasks)
                } else {
                    s.open_tasks.to_string()
                },
                (s.overdue_tasks > 0).then_some("warning"),
            ),
        ];
        Block::Snapshot { facts, risks: None }
    }
}
