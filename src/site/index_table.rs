//! The tables of the entity index pages (`accounts/index.html`, `csm/index.html`, …): one row per
//! account, CSM or segment with the engine's values (ARR, health, owner, status) as sortable,
//! filterable cells. Values come from the account snapshots and CSM books; this only selects and
//! formats them (no sums).

use super::components::{band_status, num, text};
use super::facts::Facts;
use super::links::{Links, file_id};
use crate::data::{CsmIx, Dataset};
use crate::metrics::views::{AccountSnapshot, Lifecycle};
use crate::render::block::{Table, TableCell};
use crate::render::format;

/// A numeric cell (see [`num`]) coloured by `status` (`good`, `warning`, `bad`, `missing`).
fn num_status(t: impl Into<String>, sort: Option<f64>, status: Option<&str>) -> TableCell {
    let cell = num(t, sort);
    match status {
        Some(s) => TableCell {
            class: Some(format!("num status-{s}")),
            ..cell
        },
        None => cell,
    }
}

/// A link cell to an entity page in the index's own folder.
fn own_page(label: &str, id: &str) -> TableCell {
    TableCell {
        text: label.into(),
        href: Some(format!("{}.html", file_id(id))),
        ..TableCell::default()
    }
}

/// A CSM's name, linked to the CSM's page when there is one (relative to `root`).
fn csm_cell(data: &Dataset, links: &Links, root: &str, csm: Option<CsmIx>) -> TableCell {
    let name = csm
        .and_then(|c| data.csms.as_ref()?.rows.get(c as usize))
        .map(|c| c.name.clone());
    TableCell {
        href: csm.and_then(|c| links.csm(root, data, c)),
        ..text(name.unwrap_or_default())
    }
}

/// An account's status: its lifecycle, and "at risk" beside it; sorted at risk first, then new,
/// reactivated, active, churned and no revenue yet.
fn status_cell(s: &AccountSnapshot) -> TableCell {
    let (rank, tone) = match s.lifecycle {
        Lifecycle::New { .. } => (1, None),
        Lifecycle::Reactivated { .. } => (2, None),
        Lifecycle::Active => (3, None),
        Lifecycle::Churned { .. } => (4, Some("missing")),
        Lifecycle::Prospect => (5, Some("missing")),
    };
    let risky = s.has_renewal_at_risk();
    let label = s.lifecycle.label();
    let tone = if risky { Some("bad") } else { tone };
    TableCell {
        text: if risky {
            format!("at risk · {label}")
        } else {
            label
        },
        class: tone.map(|t| format!("status-{t}")),
        sort: Some(if risky { 0 } else { rank }.to_string()),
        ..TableCell::default()
    }
}

/// One row per account: account (linked when it has a page: `pages`, the report's `select:`,
/// None for every account), id, owner, segment, ARR, health score (coloured by band) and
/// status; sorted by name, then id.
pub(super) fn accounts(
    facts: &Facts,
    links: &Links,
    root: &str,
    currency: &str,
    pages: Option<&[bool]>,
) -> Table {
    let data = facts.ctx.data;
    let mut table = Table::new(&[
        ("account", false),
        ("id", false),
        ("owner", false),
        ("segment", false),
        ("ARR", true),
        ("health", true),
        ("status", false),
    ]);
    let mut order: Vec<usize> = (0..data.accounts.rows.len()).collect();
    let rows = &data.accounts.rows;
    order.sort_by(|&a, &b| {
        rows[a]
            .name
            .cmp(&rows[b].name)
            .then(rows[a].id.cmp(&rows[b].id))
    });
    let snapshots = facts.snapshots();
    for i in order {
        let account = &rows[i];
        let Some(s) = snapshots.get(i) else {
            continue;
        };
        let arr = s.arr.to_f64();
        let has_page = pages.is_none_or(|p| p.get(i).copied().unwrap_or(false));
        table.rows.push(vec![
            if has_page {
                own_page(&account.name, &account.id)
            } else {
                text(account.name.clone())
            },
            text(account.id.clone()),
            csm_cell(data, links, root, account.csm),
            text(account.segment.clone().unwrap_or_default()),
            num(format::money(arr, currency), Some(arr)),
            match s.health {
                Some(h) => num_status(format!("{h:.0}"), Some(h), Some(band_status(s.band))),
                None => num(format::MISSING, None),
            },
            status_cell(s),
        ]);
    }
    table
}

/// One row per CSM: CSM (linked), team, manager, accounts in the book, the book's ARR, its
/// accounts in each health band and those with ARR at risk; sorted by name.
pub(super) fn csms(facts: &Facts, links: &Links, root: &str, currency: &str) -> Table {
    let data = facts.ctx.data;
    let mut table = Table::new(&[
        ("CSM", false),
        ("team", false),
        ("manager", false),
        ("accounts", true),
        ("ARR", true),
        ("green", true),
        ("yellow", true),
        ("red", true),
        ("at risk", true),
    ]);
    let Some(csms) = data.csms.as_ref() else {
        return table;
    };
    let mut order: Vec<usize> = (0..csms.rows.len()).collect();
    order.sort_by(|&a, &b| {
        csms.rows[a]
            .name
            .cmp(&csms.rows[b].name)
            .then(csms.rows[a].id.cmp(&csms.rows[b].id))
    });
    for i in order {
        let csm = &csms.rows[i];
        let book = facts.book(i as CsmIx);
        let summary = &book.summary;
        let arr = summary.arr.to_f64();
        let [green, yellow, red, _] = summary.health_mix;
        let risky = summary.at_risk_accounts;
        let manager = csm
            .manager_id
            .as_ref()
            .and_then(|m| csms.index.get(m).copied());
        table.rows.push(vec![
            own_page(&csm.name, &csm.id),
            text(csm.team.clone().unwrap_or_default()),
            csm_cell(data, links, root, manager),
            num(
                format::count(summary.accounts as f64),
                Some(summary.accounts as f64),
            ),
            num(format::money(arr, currency), Some(arr)),
            num(format::count(green as f64), Some(green as f64)),
            num(format::count(yellow as f64), Some(yellow as f64)),
            num_status(
                format::count(red as f64),
                Some(red as f64),
                (red > 0).then_some("bad"),
            ),
            num_status(
                format::count(risky as f64),
                Some(risky as f64),
                (risky > 0).then_some("bad"),
            ),
        ]);
    }
    table
}

/// One row per segment, linked to its page.
pub(super) fn segments(names: &[String]) -> Table {
    let mut table = Table::new(&[("segment", false)]);
    for name in names {
        table.rows.push(vec![own_page(name, name)]);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Money;
    use crate::metrics::views::RiskFactor;
    use chrono::NaiveDate;

    fn snapshot(lifecycle: Lifecycle, risk_factors: Vec<RiskFactor>) -> AccountSnapshot {
        AccountSnapshot {
            account: 0,
            arr: Money::units(12_000),
            lifecycle,
            health: Some(42.0),
            band: None,
            health_change_90d: None,
            health_trend: Vec::new(),
            usage_trend: Vec::new(),
            last_contact: None,
            touchpoints_this_quarter: 0,
            qbr_done_this_quarter: false,
            latest_nps: None,
            open_tickets: 0,
            next_renewal: None,
            risk_factors,
            urgency: 0.0,
        }
    }

    #[test]
    fn status_is_the_lifecycle_with_at_risk_first() {
        let on = NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default();
        // An open renewal at risk: red, sorted before everything else.
        let cell = status_cell(&snapshot(
            Lifecycle::Active,
            vec![RiskFactor::NoContact, RiskFactor::RenewalAtRisk],
        ));
        assert_eq!(
            (
                cell.text.as_str(),
                cell.class.as_deref(),
                cell.sort.as_deref()
            ),
            ("at risk · active", Some("status-bad"), Some("0"))
        );
        // Other risk factors alone do not make the account "at risk".
        let cell = status_cell(&snapshot(Lifecycle::Active, vec![RiskFactor::NoContact]));
        assert_eq!((cell.text.as_str(), cell.class), ("active", None));
        let cell = status_cell(&snapshot(Lifecycle::New { since: on }, Vec::new()));
        assert_eq!(
            (cell.text.as_str(), cell.sort.as_deref()),
            ("new since 2026-09-01", Some("1"))
        );
        let cell = status_cell(&snapshot(Lifecycle::Churned { on }, Vec::new()));
        assert_eq!(
            (
                cell.text.as_str(),
                cell.class.as_deref(),
                cell.sort.as_deref()
            ),
            ("churned on 2026-09-01", Some("status-missing"), Some("4"))
        );
    }
}
