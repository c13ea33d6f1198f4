//! Table components: metrics, breakdowns, accounts, renewals, tasks and the other table kinds,
//! with their cells and drill-down links.

use super::*;
use crate::metrics::explain;

impl Renderer<'_, '_> {
    /// The account's name as shown: "Name (ID)" when names repeat.
    pub(super) fn account_name(&self, a: AccountIx) -> String {
        self.facts.account_label(a)
    }

    pub(super) fn csm_cell(&self, page: &Page, a: AccountIx) -> TableCell {
        let data = self.facts.ctx.data;
        let acc = data.accounts.rows.get(a as usize);
        let csm = acc.and_then(|r| r.csm);
        let name = csm
            .and_then(|c| data.csms.as_ref().and_then(|t| t.rows.get(c as usize)))
            .map(|c| c.name.clone())
            .or_else(|| acc.and_then(|r| r.csm_id.clone()))
            .unwrap_or_else(|| format::MISSING.into());
        let href = csm.and_then(|c| page.links.csm(&page.root, data, c));
        link(name, href)
    }

    pub(super) fn account_cell(&self, page: &Page, a: AccountIx) -> TableCell {
        link(
            self.account_name(a),
            page.links.account(&page.root, self.facts.ctx.data, a),
        )
    }

    pub(super) fn snapshot_cell(
        &self,
        page: &Page,
        s: &AccountSnapshot,
        column: &str,
    ) -> TableCell {
        let data = self.facts.ctx.data;
        let acc = data.accounts.rows.get(s.account as usize);
        match column {
            "account" => self.account_cell(page, s.account),
            "segment" => text(
                acc.and_then(|a| a.segment.clone())
                    .unwrap_or_else(|| format::MISSING.into()),
            ),
            "csm" => self.csm_cell(page, s.account),
            "arr" => {
                let arr = s.arr.to_f64();
                num(self.money(arr), Some(arr))
            }
            "health" => TableCell {
                class: Some(format!("num status-{}", band_status(s.band))),
                ..num(
                    s.health
                        .map_or(format::MISSING.into(), |h| format!("{h:.0}")),
                    s.health,
                )
            },
            "band" => TableCell {
                class: Some(format!("status-{}", band_status(s.band))),
                ..text(s.band.map_or(format::MISSING, |b| b.name()))
            },
            "health_change" => num(
                s.health_change_90d
                    .map_or(format::MISSING.into(), |c| format::signed(c, 0)),
                s.health_change_90d,
            ),
            "last_contact" => TableCell {
                sort: Some(s.last_contact.map_or(String::new(), |d| d.to_string())),
                ..text(
                    s.last_contact
                        .map_or("never".to_string(), |d| d.to_string()),
                )
            },
            "touchpoints" => num(
                s.touchpoints_this_quarter.to_string(),
                Some(s.touchpoints_this_quarter as f64),
            ),
            "qbr" => text(if s.qbr_done_this_quarter {
                "done"
            } else {
                "not yet"
            }),
            "nps" => num(
                s.latest_nps
                    .map_or(format::MISSING.into(), |n| n.to_string()),
                s.latest_nps.map(|n| n as f64),
            ),
            "open_tickets" => num(s.open_tickets.to_string(), Some(s.open_tickets as f64)),
            "next_renewal" | "due_on" => text(
                s.next_renewal
                    .as_ref()
                    .map_or(format::MISSING.into(), |r| r.due_on.to_string()),
            ),
            "days_to_renewal" | "days" => days_cell(s.next_renewal.as_ref().map(|r| r.days)),
            "stage" => text(
                s.next_renewal
                    .as_ref()
                    .map_or(format::MISSING.into(), |r| stage_label(r.stage, r.stalled)),
            ),
            "risk_factors" => TableCell {
                class: (!s.risk_factors.is_empty()).then(|| "status-bad".to_string()),
                ..text(
                    s.risk_factors
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            },
            "urgency" => num(format::fixed(s.urgency, 1), Some(s.urgency)),
            "churn_factors" => text(self.facts.scoreboard().map_or(String::new(), |b| {
                b.churn_factors(s.account)
                    .iter()
                    .map(|f| f.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })),
            "churn_risk" | "expansion_chance" => {
                let board = self.facts.scoreboard();
                let score = board.and_then(|b| b.of(s.account));
                let p = score.map(|x| {
                    if column == "churn_risk" {
                        x.churn
                    } else {
                        x.expansion
                    }
                });
                TableCell {
                    class: Some(
                        if column == "churn_risk" && board.is_some_and(|b| b.is_riskiest(s.account))
                        {
                            "num status-bad".into()
                        } else {
                            "num".into()
                        },
                    ),
                    ..num(p.map_or(format::MISSING.into(), format::probability), p)
                }
            }
            _ => text(""),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn table(
        &self,
        page: &Page,
        of: TableKind,
        columns: &[&'static str],
        metrics: &[&'static MetricDef],
        by: Option<&str>,
        limit: Option<usize>,
    ) -> Result<Table, String> {
        let labels: Vec<(&str, bool)> = columns
            .iter()
            .map(|c| (column_label(c), is_numeric(c)))
            .collect();
        let mut table = Table::new(&labels);
        let data = self.facts.ctx.data;
        let as_of = self.facts.ctx.as_of;
        let latest_month = Period::latest_complete(PeriodKind::Month, as_of, self.fiscal());
        // (rows there were, what they are) of a table whose list has no page of its own.
        let mut note_later: Option<(usize, &str)> = None;
        match of {
            TableKind::Metrics => {
                let (previous, year_ago) = self.previous_periods(page);
                for def in metrics {
                    let v = self.facts.value(&page.entity, &page.period, def.id);
                    let p = self.earlier(page, def, &previous);
                    let y = self.earlier(page, def, &year_ago);
                    // A snapshot's earlier columns are "—", and say why.
                    let earlier = |cell: TableCell| TableCell {
                        title: def.is_snapshot().then(|| format::NO_HISTORY.to_string()),
                        ..cell
                    };
                    let j = self.judge(def, v, &page.period);
                    let (st, target) = (j.status, j.target);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "metric" => link(
                                self.named(def, &page.period),
                                Some(format!("{}metrics/{}.html", page.root, def.id)),
                            ),
                            "value" => self.judged_cell(def, v, &j),
                            "previous" => earlier(num(self.fmt(def, p), p)),
                            "year_ago" => earlier(num(self.fmt(def, y), y)),
                            "change" => earlier(num(format::change(def, v, p), None)),
                            "change_year" => earlier(num(format::change(def, v, y), None)),
                            "target" => num(self.fmt(def, target), target),
                            _ => TableCell {
                                class: Some(format!("status-{}", status_name(st))),
                                basis: j.basis.map(Basis::key),
                                judged_on: j.judged_on,
                                title: j.why_neutral.clone(),
                                ..text(st.label())
                            },
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            TableKind::Breakdown => {
                let dim_name = by.unwrap_or("segment");
                let dim = breakdown::Dimension::parse(dim_name, &data.accounts)?;
                let mut header = vec![(self.words(dim.name()), false)];
                header.extend(metrics.iter().map(|m| (self.named(m, &page.period), true)));
                table.columns = header
                    .into_iter()
                    .map(|(label, numeric)| Column { label, numeric })
                    .collect();
                for (label, mask) in breakdown::groups(&self.facts.ctx, &dim, &page.period) {
                    let mask: Vec<bool> = match self.scope_mask(page) {
                        Some(scope) => mask
                            .iter()
                            .zip(scope.iter())
                            .map(|(a, b)| *a && *b)
                            .collect(),
                        None => mask,
                    };
                    if !mask.iter().any(|m| *m) {
                        continue;
                    }
                    let values = self.facts.group_values(
                        &page.entity,
                        (dim.name(), &label),
                        &mask,
                        &page.period,
                        metrics,
                    );
                    let mut row = vec![if dim_name == "segment" {
                        link(self.words(&label), page.links.segment(&page.root, &label))
                    } else if dim_name == "csm_id" {
                        let href = data
                            .csms
                            .as_ref()
                            .and_then(|t| t.index.get(&label))
                            .and_then(|c| page.links.csm(&page.root, data, *c));
                        link(label.clone(), href)
                    } else {
                        text(self.words(&label))
                    }];
                    for def in metrics {
                        let v = values.get(def.id).copied().flatten();
                        let b = Basis::of(def, &page.period);
                        let target = self.facts.ctx.config.target(def.id, b);
                        let j = basis::judge_segment(def, v, b, target, &label);
                        row.push(self.judged_cell(def, v, &j));
                    }
                    table.rows.push(row);
                }
            }
            TableKind::AtRisk => {
                // One row per open renewal at risk: its own ARR and due date (overdue ones
                // say so), the account's other columns from its snapshot.
                let (_, at_risk) = self.facts.team(&latest_month);
                let mask = self.scope_mask(page);
                let snapshots = self.facts.snapshots();
                let mine: Vec<_> = at_risk
                    .iter()
                    .filter(|r| mask.as_ref().is_none_or(|m| m[r.account as usize]))
                    .collect();
                let total = mine.len();
                let shown = mine.len().min(limit.unwrap_or(25));
                table.caption = Some(format!(
                    "{} open renewal{} at risk on {as_of}{} ({})",
                    mine.len(),
                    if mine.len() == 1 { "" } else { "s" },
                    if shown < mine.len() {
                        format!(", {shown} most urgent shown")
                    } else {
                        String::new()
                    },
                    renewals::AT_RISK_RULE
                ));
                for r in mine.into_iter().take(shown) {
                    let Some(s) = snapshots.get(r.account as usize) else {
                        continue;
                    };
                    let arr = r.arr.to_f64();
                    table.rows.push(
                        columns
                            .iter()
                            .map(|c| match *c {
                                "arr" => num(self.money(arr), Some(arr)),
                                "days_to_renewal" => days_cell(Some(r.days)),
                                "risk_factors" => TableCell {
                                    class: Some("status-bad".into()),
                                    ..text(self.risk_reasons(r).join(", "))
                                },
                                "urgency" => num(format::fixed(r.urgency, 1), Some(r.urgency)),
                                c => self.snapshot_cell(page, s, c),
                            })
                            .collect(),
                    );
                }
                note_shown(
                    &mut table,
                    total,
                    "open renewals at risk",
                    accounts_index(page),
                );
            }
            TableKind::Accounts => {
                let rows: Vec<AccountSnapshot> = match &page.entity {
                    Entity::Csm(c) => self.facts.book(*c).accounts.clone(),
                    _ => {
                        let mask = self.scope_mask(page);
                        let mut v: Vec<AccountSnapshot> = self
                            .facts
                            .snapshots()
                            .iter()
                            .filter(|s| mask.as_ref().is_none_or(|m| m[s.account as usize]))
                            .filter(|s| s.arr > Money::ZERO)
                            .cloned()
                            .collect();
                        v.sort_by(|a, b| {
                            b.urgency
                                .total_cmp(&a.urgency)
                                .then(b.arr.cmp(&a.arr))
                                .then(a.account.cmp(&b.account))
                        });
                        v
                    }
                };
                for s in rows.iter().take(limit.unwrap_or(usize::MAX)) {
                    table.rows.push(
                        columns
                            .iter()
                            .map(|c| self.snapshot_cell(page, s, c))
                            .collect(),
                    );
                }
                note_shown(&mut table, rows.len(), "accounts", accounts_index(page));
            }
            TableKind::Renewals => self.renewals_table(page, columns, limit, &mut table),
            TableKind::Movers => {
                let mask = self.group_mask(page);
                let scope = page_scope(page, &mask);
                let from = as_of.checked_sub_days(Days::new(7)).unwrap_or(as_of);
                let mut movers = health::movers(&self.facts.ctx, scope, from, as_of);
                movers.retain(|m| m.change() != 0.0);
                movers.sort_by(|a, b| {
                    b.change()
                        .abs()
                        .total_cmp(&a.change().abs())
                        .then(a.account.cmp(&b.account))
                });
                let snapshots = self.facts.snapshots();
                note_later = Some((movers.len(), "accounts whose health moved"));
                for m in movers.iter().take(limit.unwrap_or(10)) {
                    let arr = snapshots
                        .get(m.account as usize)
                        .map_or(0.0, |s| s.arr.to_f64());
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "account" => self.account_cell(page, m.account),
                            "csm" => self.csm_cell(page, m.account),
                            "before" => num(format!("{:.0}", m.before), Some(m.before)),
                            "after" => num(format!("{:.0}", m.after), Some(m.after)),
                            "change" => TableCell {
                                class: Some(
                                    if m.change() < 0.0 {
                                        "num status-bad"
                                    } else {
                                        "num status-good"
                                    }
                                    .into(),
                                ),
                                ..num(format::signed(m.change(), 0), Some(m.change()))
                            },
                            _ => num(self.money(arr), Some(arr)),
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
            TableKind::Team => {
                let (performance, _) = self.facts.team(&latest_month);
                // The team's values are over the latest complete month, named so.
                let mut header: Vec<(String, bool)> =
                    labels.iter().map(|(l, n)| ((*l).to_string(), *n)).collect();
                header.extend(metrics.iter().map(|m| (self.named(m, &latest_month), true)));
                table.columns = header
                    .into_iter()
                    .map(|(label, numeric)| Column { label, numeric })
                    .collect();
                for p in performance {
                    if let Entity::Csm(c) = page.entity
                        && c != p.csm
                    {
                        continue;
                    }
                    let csm = data.csms.as_ref().and_then(|t| t.rows.get(p.csm as usize));
                    let mut row: Vec<TableCell> = columns
                        .iter()
                        .map(|c| match *c {
                            "csm" => link(
                                csm.map_or(String::new(), |c| c.name.clone()),
                                page.links.csm(&page.root, data, p.csm),
                            ),
                            "accounts" => num(p.accounts.to_string(), Some(p.accounts as f64)),
                            "arr" => num(self.money(p.arr.to_f64()), Some(p.arr.to_f64())),
                            "capacity_use" => num(
                                p.capacity_use
                                    .map_or(format::MISSING.into(), format::percent),
                                p.capacity_use,
                            ),
                            "expansion_arr" => {
                                let v = p.expansion_arr.to_f64();
                                num(self.money(v), Some(v))
                            }
                            _ => num(
                                p.quota_attainment
                                    .map_or(format::MISSING.into(), format::percent),
                                p.quota_attainment,
                            ),
                        })
                        .collect();
                    for def in metrics {
                        let v = p.values.get(def.id).copied().flatten();
                        let j = self.judge(def, v, &latest_month);
                        row.push(self.judged_cell(def, v, &j));
                    }
                    table.rows.push(row);
                }
            }
            TableKind::Actions => {
                let actions: Vec<crate::metrics::views::Action> = match &page.entity {
                    Entity::Csm(c) => self.facts.book(*c).actions.clone(),
                    _ => Vec::new(),
                };
                let snapshots = self.facts.snapshots();
                note_later = Some((actions.len(), "accounts to act on"));
                for (rank, a) in actions.iter().take(limit.unwrap_or(20)).enumerate() {
                    let s = snapshots.get(a.account as usize);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "rank" => num((rank + 1).to_string(), Some((rank + 1) as f64)),
                            "account" => self.account_cell(page, a.account),
                            "action" => action_cell(a),
                            "arr" => {
                                let arr = s.map_or(0.0, |s| s.arr.to_f64());
                                num(self.money(arr), Some(arr))
                            }
                            "days_to_renewal" => {
                                let d = s.and_then(|s| s.next_renewal.as_ref()).map(|r| r.days);
                                num(
                                    d.map_or(format::MISSING.into(), |d| d.to_string()),
                                    d.map(|d| d as f64),
                                )
                            }
                            _ => num(format::fixed(a.urgency, 1), Some(a.urgency)),
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            TableKind::Tasks => {
                let (overdue, today, week) = match &page.entity {
                    // The CSM's book counted them already.
                    Entity::Csm(c) => self.facts.book(*c).tasks,
                    _ => {
                        let mask = self.scope_mask(page);
                        let scope = match &mask {
                            Some(m) => Scope::Only(m),
                            None => Scope::All,
                        };
                        crate::metrics::operations::task_buckets(
                            &self.facts.ctx,
                            None,
                            scope,
                            as_of,
                        )
                    }
                };
                for (label, n, class) in [
                    ("overdue", overdue, "status-bad"),
                    ("due today", today, "status-warning"),
                    ("due later this week", week, "status-neutral"),
                ] {
                    table.rows.push(vec![
                        TableCell {
                            class: Some(class.into()),
                            ..text(label)
                        },
                        num(n.to_string(), Some(n as f64)),
                    ]);
                }
                table.sortable = false;
            }
            TableKind::Forecast => {
                // Forward from as-of: the next period, or the twelve months from the month of
                // as-of for a trailing period.
                let next = renewals::forecast_window(&page.period, as_of, self.fiscal());
                let mask = self.group_mask(page);
                let scope = page_scope(page, &mask);
                let line = renewals::board_line(&self.facts.ctx, &next, scope);
                let window = if next.kind == PeriodKind::Ttm {
                    let (first, last) = next.months();
                    format!(
                        "the 12 months from {} to {}",
                        Period::month(first).label(),
                        Period::month(last).label()
                    )
                } else {
                    next.label()
                };
                table.caption = Some(format!(
                    "Renewals due in {window}, as of {as_of}; at risk: open renewals {}",
                    renewals::AT_RISK_RULE
                ));
                let shares = line.shares;
                for (label, v, share, class) in [
                    ("due", line.due, shares.due, None),
                    (
                        "high confidence",
                        line.high_confidence,
                        shares.high_confidence,
                        Some("status-good"),
                    ),
                    (
                        "at risk",
                        line.at_risk,
                        shares.at_risk,
                        Some("status-warning"),
                    ),
                    ("already lost", line.lost, shares.lost, Some("status-bad")),
                    ("forecast", line.forecast, line.forecast_retention, None),
                ] {
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "line" => TableCell {
                                class: class.map(str::to_string),
                                ..text(label)
                            },
                            "arr" => num(self.money(v), Some(v)),
                            _ => num(share.map_or(format::MISSING.into(), format::percent), None),
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            TableKind::HealthBands => {
                let mask = self.group_mask(page);
                let totals = health::band_totals(self.facts.snapshots(), page_scope(page, &mask));
                for b in &totals.bands {
                    let share =
                        |s: Option<f64>| num(s.map_or(format::MISSING.into(), format::percent), s);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "band" => TableCell {
                                class: Some(format!("status-{}", band_status(Some(b.band)))),
                                ..text(b.band.name())
                            },
                            "accounts" => {
                                num(format::count(b.accounts as f64), Some(b.accounts as f64))
                            }
                            "accounts_share" => share(b.accounts_share),
                            "arr" => num(self.money(b.arr.to_f64()), Some(b.arr.to_f64())),
                            _ => share(b.arr_share),
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            TableKind::ChurnReasons => {
                let mask = self.group_mask(page);
                let scope = page_scope(page, &mask);
                for r in breakdown::churn_reason_shares(&self.facts.ctx, &page.period, scope) {
                    let mrr = r.mrr.to_f64();
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "reason" => text(self.words(r.reason.name())),
                            "accounts" => num(r.accounts.to_string(), Some(r.accounts as f64)),
                            "mrr" => num(self.money(mrr), Some(mrr)),
                            _ => num(
                                r.share.map_or(format::MISSING.into(), format::percent),
                                r.share,
                            ),
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
            TableKind::LeadingIndicators => self.leading_indicators(page, columns, &mut table),
            TableKind::StageHealth => self.stage_health(page, columns, &mut table),
            TableKind::Drivers => self.drivers(page, columns, &mut table),
            TableKind::AtRiskTrajectory => self.at_risk_trajectory(page, columns, &mut table),
            TableKind::Cohorts | TableKind::CohortsMonthly => {
                let dim = match by {
                    Some(name) => Some(breakdown::Dimension::parse(name, &data.accounts)?),
                    None => None,
                };
                self.cohorts_table(page, of, dim.as_ref(), columns, limit, &mut table);
            }
            TableKind::Economics | TableKind::ChurnComposition | TableKind::ChurnReasonsBy => {
                let dim = breakdown::Dimension::parse(by.unwrap_or("segment"), &data.accounts)?;
                self.economics(page, of, &dim, columns, &mut table);
            }
            TableKind::Activities => {
                let Entity::Account(a) = page.entity else {
                    return Err(
                        "an activities table belongs on an account page (per: account)".into(),
                    );
                };
                let rows = data.activities_of(a).unwrap_or_default();
                note_later = Some((rows.len(), "activities, latest first"));
                for act in rows.iter().rev().take(limit.unwrap_or(15)) {
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "date" => text(act.date.to_string()),
                            "type" => text(self.words(&act.kind)),
                            "status" => text(self.words(act.status.name())),
                            "csm" => text(
                                act.csm
                                    .and_then(|c| {
                                        data.csms.as_ref().and_then(|t| t.rows.get(c as usize))
                                    })
                                    .map_or(String::new(), |c| c.name.clone()),
                            ),
                            _ => num(
                                act.minutes
                                    .get()
                                    .map_or(format::MISSING.into(), |m| m.to_string()),
                                act.minutes.get().map(|m| m as f64),
                            ),
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
            TableKind::Tickets => {
                let Entity::Account(a) = page.entity else {
                    return Err("a tickets table belongs on an account page (per: account)".into());
                };
                let rows = data.tickets_of(a).unwrap_or_default();
                note_later = Some((rows.len(), "tickets, latest first"));
                for t in rows.iter().rev().take(limit.unwrap_or(15)) {
                    let first = operations::hours(t, t.first_response_at);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "opened" => text(t.opened_at.format("%Y-%m-%d %H:%M").to_string()),
                            "priority" => text(self.words(t.priority.as_deref().unwrap_or(""))),
                            "status" => text(match (t.resolved_at, t.reopened) {
                                (Some(_), true) => "Resolved (reopened before)",
                                (Some(_), false) => "Resolved",
                                (None, _) => "Open",
                            }),
                            "first_response_hours" => num(
                                first.map_or(format::MISSING.into(), |h| format!("{h:.1} h")),
                                first,
                            ),
                            _ => num(
                                t.csat.map_or(format::MISSING.into(), |c| c.to_string()),
                                t.csat.map(|c| c as f64),
                            ),
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
        }
        if let Some((total, noun)) = note_later {
            note_shown(&mut table, total, noun, None);
        }
        // The LTV family's lifetime cap, once per table that shows one of them.
        for def in metrics {
            if let Some(text) = explain::footnote(def.id, self.facts.ctx.config)
                && !table.notes.iter().any(|n| n.text == text)
            {
                table.notes.push(TableNote { text, link: None });
            }
        }
        Ok(table)
    }

    pub(super) fn renewals_table(
        &self,
        page: &Page,
        columns: &[&'static str],
        limit: Option<usize>,
        table: &mut Table,
    ) {
        let data = self.facts.ctx.data;
        let as_of = self.facts.ctx.as_of;
        let all = data.renewals.as_deref().unwrap_or_default();
        let mask = self.group_mask(page);
        let selected: Vec<&crate::data::Renewal> = match page.entity {
            // An account page lists every renewal of the account, latest first (renewals are
            // sorted by account).
            Entity::Account(a) => health::account_rows(all, a, |r| r.account)
                .iter()
                .rev()
                .collect(),
            _ => {
                let v = renewals::open_due_or_overdue_within(
                    &self.facts.ctx,
                    page_scope(page, &mask),
                    renewals::DUE_WINDOW_DAYS,
                );
                let horizon = as_of
                    .checked_add_days(Days::new(renewals::DUE_WINDOW_DAYS))
                    .unwrap_or(as_of);
                table.caption = Some(format!(
                    "Open renewals due in the next {} days (to {horizon}) or overdue, as of {as_of}",
                    renewals::DUE_WINDOW_DAYS
                ));
                v
            }
        };
        let total = selected.len();
        for row in selected.into_iter().take(limit.unwrap_or(50)) {
            let row = renewals::renewal_row(&self.facts.ctx, row);
            let (r, days) = (row.renewal, row.days);
            let arr = r.arr.to_f64();
            let row = columns
                .iter()
                .map(|c| match *c {
                    "account" => self.account_cell(page, r.account),
                    "csm" => self.csm_cell(page, r.account),
                    "due_on" => text(r.due_on.to_string()),
                    // A closed renewal has no days to go: its close (or due) date instead.
                    "days" if r.stage.is_closed() => num(
                        match r.closed_on {
                            Some(d) => format!("closed {d}"),
                            None => format!("due {}", r.due_on),
                        },
                        Some(days as f64),
                    ),
                    "days" => days_cell(Some(days)),
                    "arr" => num(self.money(arr), Some(arr)),
                    "stage" if r.stage.is_closed() => TableCell {
                        class: (r.stage == RenewalStage::ClosedLost)
                            .then(|| "status-bad".to_string()),
                        ..text(closed_outcome(r.stage))
                    },
                    "stage" => TableCell {
                        class: row.at_risk.then(|| "status-bad".to_string()),
                        ..text(
                            stage_label(r.stage, row.stalled)
                                + if row.at_risk { ", at risk" } else { "" },
                        )
                    },
                    "forecast" => match row.forecast_pct {
                        Some(p) => num(format!("{p:.0}%"), Some(p)),
                        None => text(closed_outcome(r.stage)),
                    },
                    "checklist" => {
                        let (done, items) = row.checklist;
                        num(format!("{done} of {items}"), Some(done as f64))
                    }
                    _ => {
                        let v = r.renewed_arr.map(|m| m.to_f64());
                        num(v.map_or(format::MISSING.into(), |v| self.money(v)), v)
                    }
                })
                .collect();
            table.rows.push(row);
        }
        note_shown(table, total, "renewals", None);
    }
}

/// Days to an open renewal: the count, or "overdue N" in the bad colour once it is past due.
fn days_cell(days: Option<i64>) -> TableCell {
    match days {
        Some(d) if d < 0 => TableCell {
            class: Some("num status-bad".into()),
            ..num(format!("overdue {}", -d), Some(d as f64))
        },
        Some(d) => num(d.to_string(), Some(d as f64)),
        None => num(format::MISSING, None),
    }
}

/// A closed renewal's outcome in a word: "renewed" (closed won) or "lost" (closed lost).
pub(super) fn closed_outcome(stage: RenewalStage) -> &'static str {
    if stage == RenewalStage::ClosedLost {
        "lost"
    } else {
        "renewed"
    }
}

pub(super) fn stage_label(stage: RenewalStage, stalled: bool) -> String {
    let name = stage.name().replace('_', " ");
    if stalled {
        format!("{name}, stalled")
    } else {
        name
    }
}

pub(super) fn kind_noun(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Week => "week",
        PeriodKind::Month | PeriodKind::Ttm => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::Year => "year",
    }
}

/// A column key's header text.
pub(super) fn column_label(key: &str) -> &str {
    match key {
        "arr" => "ARR",
        "csm" => "CSM",
        "nps" => "NPS",
        "qbr" => "QBR this quarter",
        "mrr" => "MRR lost",
        "days_to_renewal" => "days to renewal",
        "due_on" => "due",
        "health_change" => "health change (90 d)",
        "last_contact" => "last contact",
        "risk_factors" => "risk factors",
        "churn_risk" => "churn risk (90 d)",
        "expansion_chance" => "expansion chance (180 d)",
        "churn_factors" => "churn score raised by",
        "open_tickets" => "open tickets",
        "next_renewal" => "next renewal",
        "year_ago" => "a year ago",
        "change_year" => "change vs a year ago",
        "change" => "change vs previous",
        "capacity_use" => "capacity use",
        "expansion_arr" => "expansion ARR",
        "quota_attainment" => "quota attainment",
        "renewed_arr" => "renewed ARR",
        "accounts_share" => "share of accounts",
        "arr_share" => "share of ARR",
        "first_response_hours" => "first response",
        "line" => "renewals",
        "renewal_rate" => "renewal rate",
        "difference" => "vs all closed",
        "days_in_stage" => "mean days in stage",
        "at_risk_arr" => "ARR at risk",
        "share_of_due" => "share of ARR due",
        "cac" => "CAC",
        "sales_cycle_days" => "sales cycle (days)",
        "payback_months" => "CAC payback (months)",
        "lifetime_months" => "lifetime (months)",
        "ltv" => "LTV",
        "ltv_cac" => "LTV:CAC",
        "base_logo_share" => "share of customers",
        "churned_logos" => "churned logos",
        "churned_logo_share" => "share of churned logos",
        "base_mrr_share" => "share of MRR",
        "churned_mrr" => "churned MRR",
        "churned_mrr_share" => "share of churned MRR",
        "over_representation" => "churn vs weight",
        "start_mrr" => "MRR at start",
        "logo_3" => "logos at 3 mo",
        "logo_6" => "6 mo",
        "logo_12" => "12 mo",
        "logo_24" => "24 mo",
        "nrr_12" => "NRR 12 mo",
        "grr_12" => "GRR 12 mo",
        "churn_12m" => "lost in year 1",
        "driver_gap" => "difference",
        "interval" => "95 % interval",
        other => other,
    }
}

pub(super) fn is_numeric(key: &str) -> bool {
    !matches!(
        key,
        "metric"
            | "account"
            | "segment"
            | "csm"
            | "band"
            | "last_contact"
            | "qbr"
            | "next_renewal"
            | "due_on"
            | "stage"
            | "risk_factors"
            | "churn_factors"
            | "status"
            | "action"
            | "bucket"
            | "line"
            | "reason"
            | "date"
            | "type"
            | "opened"
            | "priority"
            | "signal"
            | "group"
            | "cohort"
            | "when"
            | "driver"
            | "note"
    )
}

/// An action row's reasons as status chips, then its named tasks; the text (PDFs, CSV) says the
/// same: "renewal due today, 1 task overdue; tasks: Send the quote (2 days overdue)".
fn action_cell(a: &views::Action) -> TableCell {
    let reasons: Vec<String> = a.reasons.iter().map(|r| r.label()).collect();
    let tasks: Vec<String> = a.tasks.iter().map(|t| t.label()).collect();
    let mut words = reasons.join(", ");
    if !tasks.is_empty() {
        words += &format!("; tasks: {}", tasks.join(", "));
    }
    let chips = a
        .reasons
        .iter()
        .zip(reasons)
        .map(|(r, text)| Chip {
            text,
            kind: r.status(),
        })
        .chain(tasks.into_iter().map(|text| Chip { text, kind: "task" }))
        .collect();
    TableCell {
        chips,
        ..text(words)
    }
}

/// The account list page ("all accounts"), when the site has account pages.
fn accounts_index(page: &Page) -> Option<(String, String)> {
    let dir = page.links.account.as_ref()?;
    Some((
        "all accounts".into(),
        format!("{}{dir}/index.html", page.root),
    ))
}

/// Says under `table` that it shows fewer rows than the `total` there are ("Showing 25 of 61
/// accounts"), with a link to the full list when there is one.
fn note_shown(table: &mut Table, total: usize, noun: &str, link: Option<(String, String)>) {
    let shown = table.rows.len();
    if total > shown {
        table.notes.push(TableNote {
            text: format!("Showing {shown} of {total} {noun}"),
            link,
        });
    }
}
