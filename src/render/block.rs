//! Neutral values of rendered report components: what a component shows (formatted text, status
//! names, chart SVGs, links), before it becomes HTML (the theme's Tera templates) or Typst
//! (`crate::render::typst`). Building them is `crate::site::components`; nothing here computes
//! or formats a number.

use serde::Serialize;

/// A column of a table.
#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub label: String,
    pub numeric: bool,
}

/// A cell: text, an optional link and status class, and a sort key for the script.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableCell {
    pub text: String,
    pub href: Option<String>,
    /// CSS classes: `num` and `status-good|warning|bad|missing|neutral`.
    pub class: Option<String>,
    pub sort: Option<String>,
    /// For a rate: the basis of the value (`month`, `quarter`, `year`, `ttm`, `annualised`),
    /// written as `data-basis`.
    pub basis: Option<&'static str>,
    /// For a judged rate: the basis of the target or bands that judged it (`annual`,
    /// `quarter`, `month`), written as `data-judged-on`.
    pub judged_on: Option<&'static str>,
    /// A tooltip, e.g. why a rate has no status.
    pub title: Option<String>,
    /// Chips shown instead of `text` in HTML (an action row's reasons and tasks); `text` keeps
    /// their words for PDFs and CSV files.
    pub chips: Vec<Chip>,
}

/// A small labelled badge in a table cell: a reason with its status, or a named task.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Chip {
    pub text: String,
    /// `good`, `warning`, `bad`, `neutral`, or `task` for a named task.
    pub kind: &'static str,
}

/// A line under a table: "Showing 25 of 61 accounts" with a link to the full list, or a
/// footnote such as the LTV lifetime cap.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TableNote {
    pub text: String,
    /// The link's words and target, after the text.
    pub link: Option<(String, String)>,
}

impl TableCell {
    /// The status named by the cell's class (`good`, `warning`, `bad`, `missing`, `neutral`).
    pub fn status(&self) -> Option<&str> {
        self.class
            .as_deref()?
            .split(' ')
            .find_map(|c| c.strip_prefix("status-"))
    }

    /// Whether the cell holds a number (right-aligned).
    pub fn numeric(&self) -> bool {
        self.class
            .as_deref()
            .is_some_and(|c| c.split(' ').any(|c| c == "num"))
    }
}

/// A table.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Table {
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<TableCell>>,
    pub sortable: bool,
    /// Lines under the table: a truncation notice, footnotes.
    pub notes: Vec<TableNote>,
}

impl Table {
    /// An empty, sortable table with these (label, numeric) columns.
    pub fn new(columns: &[(&str, bool)]) -> Table {
        Table {
            caption: None,
            columns: columns
                .iter()
                .map(|(l, n)| Column {
                    label: (*l).to_string(),
                    numeric: *n,
                })
                .collect(),
            rows: Vec::new(),
            sortable: true,
            notes: Vec::new(),
        }
    }
}

/// A KPI tile: the value with its status, target, changes and sparkline.
#[derive(Debug, Clone, Serialize)]
pub struct Tile {
    /// The metric name, with the basis of the headline value for a rate ("Net revenue
    /// retention (TTM)").
    pub name: String,
    /// The metric id, as `data-metric` (with `data-period`, the entry of `numbers.json`).
    pub metric: &'static str,
    /// The id of the period the headline value covers, as `data-period`: the page's period, or
    /// the trailing twelve months a short-window rate headlines.
    pub period: String,
    /// The headline value's basis key for a rate (`ttm`, `month`...), as `data-basis`.
    pub basis: Option<&'static str>,
    /// The basis of the target or bands that judged the headline (`annual`...), as
    /// `data-judged-on`.
    pub judged_on: Option<&'static str>,
    /// Why a rate has no status although its metric has a target or bands.
    pub why_neutral: Option<String>,
    /// The period's own figure beside a TTM headline: "this month: 99.6%".
    pub aside: Option<String>,
    pub href: String,
    pub value: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub target: Option<String>,
    pub change: String,
    pub change_year: String,
    /// Why the changes are "—" for a snapshot metric ("snapshot: no history").
    pub change_title: Option<&'static str>,
    pub previous_label: String,
    pub year_ago_label: String,
    /// A note in small type under the value: for a survey score the answers it rests on ("n =
    /// 345 responses", "small sample (n = 12)"); for the LTV family the lifetime cap.
    pub sample: Option<String>,
    /// The sparkline, a standalone SVG.
    pub sparkline: String,
}

/// One line of "what changed".
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The metric name, with its basis for a rate ("Net revenue retention (month)").
    pub name: String,
    pub href: String,
    pub verb: &'static str,
    pub change: String,
    pub value: String,
    pub previous: String,
    pub status: &'static str,
    /// Whether the move itself is good news: "good" when the metric moved the way it should
    /// (churned MRR fell, ARR rose), "bad" the other way, "neutral" for metrics with no direction.
    pub movement: &'static str,
}

/// One fact of an account snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    pub href: Option<String>,
    pub status: Option<&'static str>,
}

/// A chart: the chart itself (drawn for PDFs), its web page form (see `charts::html`), title, text
/// alternative and data.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The chart, drawn for a PDF by `charts::pdf_svg` at the size its frame needs.
    pub chart: crate::render::charts::Chart,
    /// The chart's page-unique id.
    pub id: String,
    pub html: String,
    pub title: String,
    pub alt: String,
    pub table: Table,
}

/// One open renewal at risk in the attention block, formatted and linked.
#[derive(Debug, Clone, Serialize)]
pub struct RiskRow {
    pub account: String,
    pub account_href: Option<String>,
    pub csm: String,
    pub csm_href: Option<String>,
    pub arr: String,
    /// "due 2026-11-21, in 20 days", "due today" or "overdue 15 days (due 2026-10-17)".
    pub due: String,
    pub overdue: bool,
    /// The reasons in words: "flagged at risk: budget", "red health", "sponsor change".
    pub reasons: Vec<String>,
    /// The open tracked action about the account ("action: Avery Stone", kind `task`) or "no
    /// action" (kind `bad`); None without actions.csv.
    pub action: Option<Chip>,
    /// The account's churn score: "churn risk 34.0% in 90 days" (kind `bad` among the riskiest
    /// tenth, else `neutral`); None when it has no score.
    pub churn: Option<Chip>,
    /// What raises that score, in words ("sponsor change in 90 days, usage declining"); empty
    /// when it is not above an average account's.
    pub churn_factors: String,
}

/// One renewal window of the attention block: "39 renewals due in the next 30 days", "$2,312,400".
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub label: String,
    pub value: String,
    pub status: Option<&'static str>,
}

/// The attention block: what needs attention on the as-of date.
#[derive(Debug, Clone, Serialize)]
pub struct Attention {
    /// "as of 2026-11-01".
    pub as_of: String,
    /// The renewal windows: due in the next 30 and 90 days, overdue, at risk.
    pub windows: Vec<Window>,
    /// The most urgent at-risk renewals.
    pub risks: Vec<RiskRow>,
    /// What the list is: "The 5 most urgent of 20 open renewals at risk (…)".
    pub risks_caption: String,
    /// "3 of 12 at-risk accounts have no owned action"; None without actions.csv.
    pub actions_note: Option<String>,
    /// What changed against the previous period.
    pub changes: Vec<Change>,
}

/// A rendered component, ready for HTML or Typst.
#[derive(Debug, Clone)]
pub enum Block {
    Tiles(Vec<Tile>),
    /// A metric value inside a sentence.
    Inline {
        text: String,
        status: &'static str,
        href: String,
        title: String,
        /// For a rate: the value's basis key (`data-basis`).
        basis: Option<&'static str>,
        /// For a judged rate: the basis of what judged it (`data-judged-on`).
        judged_on: Option<&'static str>,
    },
    Figure(Box<Figure>),
    Table(Table),
    Changes(Vec<Change>),
    Snapshot {
        facts: Vec<Fact>,
        /// The named risk factors; None where risk is not assessed (a churned account, a
        /// CSM's book), so no "no risk factors" line either.
        risks: Option<Vec<&'static str>>,
    },
    Attention(Attention),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_name_their_status_and_alignment() {
        let cell = TableCell {
            class: Some("num status-bad".into()),
            ..TableCell::default()
        };
        assert_eq!(cell.status(), Some("bad"));
        assert!(cell.numeric());
        assert_eq!(TableCell::default().status(), None);
    }
}
