//! The alerts on the site: the alerts page's list and, on an account's, a CSM's or a segment's
//! page, the alerts of that scope. The alerts come from the engine (`metrics::alerts`) and their
//! words from `render::alerts`; this module only picks them for a page and links their scopes.

use super::facts::Entity;
use super::links::Links;
use crate::data::Dataset;
use crate::metrics::alerts::Alert;
use chrono::NaiveDate;
use serde::Serialize;

/// One alert as a template shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AlertView {
    pub rule: String,
    /// `new`, `ongoing` or `resolved`.
    pub status: &'static str,
    /// `critical`, `warning` or `info`.
    pub severity: &'static str,
    /// `company`, `segment`, `csm` or `account`.
    pub scope_kind: &'static str,
    pub scope_name: String,
    /// The scope's page, relative to the page shown on (None: the company, or no such page).
    pub scope_href: Option<String>,
    /// Why it fires, line by line: the summary, then one line per matching account, linked to
    /// the account's page.
    pub lines: Vec<AlertLine>,
    pub recipients: Vec<String>,
}

/// One line of an alert's reasons.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AlertLine {
    pub text: String,
    /// The page of the account the line is about, relative to the page shown on.
    pub href: Option<String>,
}

/// The alerts as templates show them, on a page at `root` (`../` per folder level).
pub(crate) fn views(
    alerts: &[&Alert],
    links: &Links,
    data: &Dataset,
    root: &str,
    currency: &str,
    as_of: NaiveDate,
) -> Vec<AlertView> {
    let previous = crate::metrics::alerts::previous_date(as_of);
    alerts
        .iter()
        .map(|a| {
            let key = a.scope.key.as_deref().unwrap_or_default();
            let scope_href = match a.scope.kind {
                "account" => data
                    .accounts
                    .index
                    .get(key)
                    .and_then(|&i| links.account(root, data, i)),
                "csm" => data
                    .csms
                    .as_ref()
                    .and_then(|c| c.index.get(key))
                    .and_then(|&i| links.csm(root, data, i)),
                "segment" => links.segment(root, key),
                _ => None,
            };
            AlertView {
                rule: a.rule.clone(),
                status: a.status.name(),
                severity: a.severity.name(),
                scope_kind: a.scope.kind,
                scope_name: a.scope.name.clone(),
                scope_href,
                lines: lines(a, currency, previous, |account| {
                    data.accounts
                        .index
                        .get(account)
                        .and_then(|&i| links.account(root, data, i))
                }),
                recipients: a.recipients.clone(),
            }
        })
        .collect()
}

/// The words of `alert` (`render::alerts::why`), each matching account's line with the link
/// `href` gives its account: the words list the matches in order after one summary line.
fn lines(
    alert: &Alert,
    currency: &str,
    previous: NaiveDate,
    href: impl Fn(&str) -> Option<String>,
) -> Vec<AlertLine> {
    let accounts: Vec<&str> = match &alert.evidence {
        crate::metrics::alerts::Evidence::Matches { matches, .. } => {
            matches.iter().map(|m| m.account.as_str()).collect()
        }
        _ => Vec::new(),
    };
    crate::render::alerts::why(currency, alert, previous)
        .into_iter()
        .enumerate()
        .map(|(i, text)| AlertLine {
            href: i
                .checked_sub(1)
                .and_then(|m| accounts.get(m))
                .and_then(|a| href(a)),
            text,
        })
        .collect()
}

/// The alerts whose scope is `entity` (an account, a CSM or a segment page); none for a page
/// over every account (the alerts page lists those).
pub(crate) fn of_entity<'a>(
    alerts: &'a [Alert],
    entity: &Entity,
    data: &Dataset,
) -> Vec<&'a Alert> {
    let (kind, key) = match entity {
        Entity::All => return Vec::new(),
        Entity::Account(a) => (
            "account",
            data.accounts.rows.get(*a as usize).map(|a| &a.id),
        ),
        Entity::Csm(c) => (
            "csm",
            data.csms
                .as_ref()
                .and_then(|t| t.rows.get(*c as usize))
                .map(|c| &c.id),
        ),
        Entity::Segment(s) => ("segment", Some(s)),
    };
    alerts
        .iter()
        .filter(|a| a.scope.kind == kind && a.scope.key.as_ref() == key)
        .collect()
}
