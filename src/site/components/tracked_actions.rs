//! The tracked_actions component: the tracked actions of one issue of a review, as the engine's
//! `metrics::actions::review` lists them (open by owner with days overdue, closed since the
//! previous issue with their outcome, or every action), each with its target and how the target
//! metric moved since the action was opened; formatted and linked as one table. Metric values
//! are read through the build's `Facts`, so a page and its actions share one computation.

use super::*;
use crate::data::{Action, ActionOwner};
use crate::metrics::actions::{self, Issue, Movement, NoChange, Owned, State, Target, Tracked};
use crate::report::component::ActionsShow;
use chrono::NaiveDate;

/// "12 days", "1 day".
fn days(n: i64) -> String {
    format!("{n} day{}", if n == 1 { "" } else { "s" })
}

/// The text of a date cell, sorted by the date, kept on one line.
fn date_cell(date: Option<NaiveDate>) -> TableCell {
    TableCell {
        class: Some("nowrap".into()),
        sort: Some(date.map_or(String::new(), |d| d.to_string())),
        ..text(date.map_or(format::MISSING.to_string(), |d| d.to_string()))
    }
}

impl Renderer<'_, '_> {
    /// The tracked actions of `page`'s issue that `show` asks for: a CSM page's own, an
    /// account's, a segment's, or everyone's; at most `limit` rows.
    pub(super) fn tracked_actions(
        &self,
        page: &Page,
        show: ActionsShow,
        limit: Option<usize>,
    ) -> Table {
        let ctx = &self.facts.ctx;
        let owned = match &page.entity {
            Entity::All => Owned::All,
            Entity::Csm(c) => Owned::Owner(*c),
            Entity::Segment(s) => Owned::Segment(s),
            Entity::Account(a) => Owned::Account(*a),
        };
        let issue = match show {
            ActionsShow::All => Issue::ever(ctx.as_of),
            _ => Issue::of(&page.period, ctx.as_of, self.fiscal()),
        };
        let value = |target: &Target, period: &Period, def: &'static MetricDef| {
            let entity = match target {
                Target::Account(a) => Entity::Account(*a),
                Target::Segment(s) => Entity::Segment(s.clone()),
                Target::Company => Entity::All,
            };
            self.facts.value(&entity, period, def.id)
        };
        let review = actions::review(ctx, issue, owned, &value);
        let movement = ("movement", true);
        let columns: &[(&str, bool)] = match show {
            ActionsShow::Open => &[
                ("owner", false),
                ("action", false),
                ("target", false),
                ("created", false),
                ("due", false),
                ("overdue", true),
                movement,
            ],
            ActionsShow::Closed => &[
                ("owner", false),
                ("action", false),
                ("target", false),
                ("closed", false),
                ("outcome", false),
                movement,
            ],
            ActionsShow::All => &[
                ("owner", false),
                ("action", false),
                ("target", false),
                ("created", false),
                ("due", false),
                ("status", false),
                ("outcome", false),
                movement,
            ],
        };
        let mut table = Table::new(columns);
        let rows: Vec<&Tracked> = match show {
            ActionsShow::Open => review.open.iter().collect(),
            ActionsShow::Closed => review.closed.iter().collect(),
            ActionsShow::All => review.open.iter().chain(&review.closed).collect(),
        };
        let all = ctx.data.actions.as_deref().unwrap_or_default();
        let shown = rows.len().min(limit.unwrap_or(usize::MAX));
        // A list of open actions cut short keeps the most pressing ones, still by owner.
        let kept: Vec<&Tracked> = match show {
            ActionsShow::Open => actions::most_pressing(ctx.data, &review, shown),
            _ => rows.iter().take(shown).copied().collect(),
        };
        for t in &kept {
            let Some(action) = all.get(t.action as usize) else {
                continue;
            };
            table.rows.push(self.action_row(page, action, t, show));
        }
        let on = issue.on;
        let (open, overdue, closed) = (review.open.len(), review.overdue, review.closed.len());
        let last = on.pred_opt().unwrap_or(on);
        // Under a "Tracked actions" heading the captions need not say "actions".
        table.caption = Some(if ctx.data.actions.is_none() {
            "No tracked actions: the project has no actions.csv.".to_string()
        } else {
            match show {
                ActionsShow::Open if open == 0 => format!("None open on {on}."),
                ActionsShow::Open => format!("{open} open, {overdue} overdue, on {on}."),
                ActionsShow::Closed if closed == 0 => format!(
                    "None done or dropped since the previous issue ({} to {last}).",
                    issue.since
                ),
                ActionsShow::Closed => format!(
                    "{closed} done or dropped since the previous issue ({} to {last}).",
                    issue.since
                ),
                ActionsShow::All if rows.is_empty() => format!("None up to {on}."),
                ActionsShow::All => format!(
                    "{} in all: {open} open ({overdue} overdue), {closed} closed, as of {on}.",
                    rows.len()
                ),
            }
        });
        if shown < rows.len() {
            let which = match show {
                ActionsShow::Open => ", the most overdue first",
                _ => "",
            };
            table.notes.push(TableNote {
                text: format!("Showing {shown} of {}{which}", rows.len()),
                link: None,
            });
        }
        if kept.iter().any(|t| t.movement.is_some()) {
            table.notes.push(TableNote {
                text: format!(
                    "Movement: the target metric over the last complete month before the action was opened, then before {on}; rates (NRR, GRR, churn) over the twelve months to those months (TTM)."
                ),
                link: None,
            });
        }
        table
    }

    /// One action's row, in the columns of `show`.
    fn action_row(
        &self,
        page: &Page,
        action: &Action,
        t: &Tracked,
        show: ActionsShow,
    ) -> Vec<TableCell> {
        let data = self.facts.ctx.data;
        let owner = match &action.owner {
            ActionOwner::Csm(c) => link(
                actions::owner_name(data, &action.owner),
                page.links.csm(&page.root, data, *c),
            ),
            ActionOwner::Other(name) => text(name.clone()),
        };
        let mut row = vec![
            owner,
            text(action.title.clone()),
            self.target_cell(page, action, t.movement.as_ref()),
        ];
        let outcome = || text(action.outcome.clone().unwrap_or_default());
        match show {
            ActionsShow::Open => {
                row.push(date_cell(Some(action.created_on)));
                row.push(date_cell(action.due_on));
                row.push(match t.state {
                    State::Open { overdue: Some(n) } => TableCell {
                        class: Some("num status-bad".into()),
                        ..num(days(n), Some(n as f64))
                    },
                    _ => num("", None),
                });
            }
            ActionsShow::Closed => {
                row.push(self.state_cell(t.state));
                row.push(outcome());
            }
            ActionsShow::All => {
                row.push(date_cell(Some(action.created_on)));
                row.push(date_cell(action.due_on));
                row.push(self.state_cell(t.state));
                row.push(outcome());
            }
        }
        row.push(self.movement_cell(t.movement.as_ref()));
        row
    }

    /// Where an action stands: "open", "overdue 12 days", "done 2026-10-20", "dropped …".
    fn state_cell(&self, state: State) -> TableCell {
        let (words, status, sort) = match state {
            State::Open { overdue: None } => ("open".to_string(), None, String::new()),
            State::Open { overdue: Some(n) } => {
                (format!("overdue {}", days(n)), Some("bad"), String::new())
            }
            State::Done(on) => (format!("done {on}"), Some("good"), on.to_string()),
            State::Dropped(on) => (format!("dropped {on}"), Some("neutral"), on.to_string()),
        };
        TableCell {
            class: Some(status.map_or("nowrap".to_string(), |s| format!("nowrap status-{s}"))),
            sort: Some(sort),
            ..text(words)
        }
    }

    /// What an action targets: where its metric is measured and the metric ("Acme Labs:
    /// Average health score", "SMB segment: Logo churn rate (TTM)"), or, without a metric, the
    /// account or segment it is about; linked to that page.
    fn target_cell(&self, page: &Page, action: &Action, m: Option<&Movement>) -> TableCell {
        let data = self.facts.ctx.data;
        let target = match m {
            Some(m) => m.target.clone(),
            None => match (&action.account, &action.segment) {
                (Some(a), _) => Target::Account(*a),
                (None, Some(s)) => Target::Segment(s.clone()),
                (None, None) => Target::Company,
            },
        };
        let (scope, href) = match &target {
            // No link from an account's page to itself.
            Target::Account(a) if page.entity == Entity::Account(*a) => {
                (self.account_name(*a), None)
            }
            Target::Account(a) => (
                self.account_name(*a),
                page.links.account(&page.root, data, *a),
            ),
            Target::Segment(s) => (format!("{s} segment"), page.links.segment(&page.root, s)),
            Target::Company => ("Company".to_string(), None),
        };
        let words = match m {
            Some(m) => {
                let mut words = format!("{scope}: {}", basis::named(m.metric, m.basis));
                // An account's action measured over its segment says whose action it is.
                if let (Some(a), Target::Segment(_) | Target::Company) = (action.account, &target) {
                    words.push_str(&format!(" (for {})", self.account_name(a)));
                }
                words
            }
            None if target == Target::Company => format::MISSING.to_string(),
            None => scope,
        };
        link(words, href)
    }

    /// How the target metric moved: "50 → 70 (+20 pts)", coloured by whether the move is good
    /// news; or why there is no change.
    fn movement_cell(&self, m: Option<&Movement>) -> TableCell {
        let Some(m) = m else {
            return num("", None);
        };
        let def = m.metric;
        let (before, now) = (self.fmt(def, m.before.value), self.fmt(def, m.now.value));
        let title = Some(format!(
            "{}: {} over {}, {} over {}",
            basis::named(def, m.basis),
            before,
            m.before.period.label(),
            now,
            m.now.period.label()
        ));
        // The basis is named in the target column ("(TTM)") and the title: the colour here is
        // whether the move is good news, not a judgement against a target on that basis.
        match m.change {
            Ok(change) => {
                let delta = format::delta(def, m.now.value, m.before.value);
                let status = delta
                    .as_ref()
                    .map_or("neutral", |d| kpis::movement(def.direction, d.direction));
                let signed = delta.map_or(format::MISSING.to_string(), |d| d.signed());
                TableCell {
                    class: Some(format!("num nowrap status-{status}")),
                    title,
                    ..num(format!("{before} → {now} ({signed})"), Some(change))
                }
            }
            Err(why) => {
                let words = match why {
                    NoChange::Snapshot => "no history (snapshot)".to_string(),
                    NoChange::TooSoon => "no complete month yet".to_string(),
                    NoChange::Missing if m.before.value.is_none() && m.now.value.is_none() => {
                        format::MISSING.to_string()
                    }
                    NoChange::Missing => format!("{before} → {now}"),
                };
                TableCell {
                    title: title.filter(|_| why != NoChange::Snapshot),
                    ..num(words, None)
                }
            }
        }
    }
}
