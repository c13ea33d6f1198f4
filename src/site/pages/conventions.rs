//! The conventions page (`conventions.html`): the headline revenue numbers under every metric
//! conventions profile side by side, each difference explained with what it moves in this data,
//! and the profiles with their sources. The numbers come from `metrics::conventions::compare`;
//! this module only lays them out.

use super::{NavItem, Site};
use crate::diagnostic::Diagnostic;
use crate::metrics::catalog;
use crate::metrics::conventions::{self, Effects, PROFILES};
use crate::period::{Period, PeriodKind};
use crate::render::block::{Table, TableCell};
use crate::render::format;
use crate::site::facts::Entity;

/// The metrics the page compares, in row order.
const METRICS: [&str; 9] = [
    "nrr",
    "grr",
    "revenue_churn_rate",
    "logo_churn_rate",
    "new_mrr",
    "reactivation_mrr",
    "churned_mrr",
    "mrr",
    "ltv",
];

/// One explained difference, as the template shows it.
#[derive(serde::Serialize)]
struct Explained {
    title: &'static str,
    text: String,
}

impl Site<'_> {
    /// The page, rendered.
    pub(super) fn conventions_page(&self, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = "conventions.html".to_string();
        let file = "themes/default/templates/conventions.html";
        let ctx = &self.facts.ctx;
        let last = Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal());
        let ttm = Period::ttm_ending(last.months().1);
        let quarter = Period::latest_complete(PeriodKind::Quarter, self.as_of, self.fiscal());
        let (columns, compared, effects) = conventions::compare(ctx, &[ttm.clone(), quarter]);
        let currency = &self.project.config.currency;
        let renderer = self.renderer();
        let page = self.page(&path, last, Entity::All);
        let err = |e: String| Diagnostic::file_error(file, e);
        let mut html = String::new();
        for period in &compared {
            let mut heads: Vec<(&str, bool)> = vec![("metric", false)];
            let titles: Vec<String> = columns
                .iter()
                .map(|c| {
                    if c.is_project {
                        format!("{} (this site)", c.title)
                    } else {
                        c.title.clone()
                    }
                })
                .collect();
            heads.extend(titles.iter().map(|t| (t.as_str(), true)));
            let mut table = Table::new(&heads);
            table.sortable = false;
            table.caption = Some(format!(
                "{} ({} to {}) under each profile; in brackets, the difference from this site's numbers",
                period.period.label(),
                period.period.start,
                period.period.end
            ));
            let own = columns.iter().position(|c| c.is_project).unwrap_or(0);
            for id in METRICS {
                let Some(def) = catalog::get(id) else {
                    continue;
                };
                if period.values.iter().all(|v| v.get(id).is_none()) {
                    continue;
                }
                let get = |i: usize| period.values[i].get(id).copied().flatten();
                let mut row = vec![TableCell {
                    text: def.name.to_string(),
                    ..TableCell::default()
                }];
                let own_text = format::value(def, get(own), currency);
                for i in 0..columns.len() {
                    let value = get(i);
                    let mut text = format::value(def, value, currency);
                    let change = format::change(def, value, get(own));
                    // A difference is shown where the numbers as printed differ.
                    if text != own_text && change != format::MISSING {
                        text = format!("{text} ({change})");
                    }
                    row.push(TableCell {
                        text,
                        class: Some("num".into()),
                        // The exact value, for sorting and the CSV file.
                        sort: Some(value.map_or(String::new(), |v| v.to_string())),
                        ..TableCell::default()
                    });
                }
                table.rows.push(row);
            }
            html.push_str(&renderer.render_table(&table).map_err(err)?);
            html.push_str(&page.download(&table, currency));
        }
        let profiles: Vec<serde_json::Value> = PROFILES
            .iter()
            .map(|p| {
                serde_json::json!({"name": p.name, "title": p.title,
                    "settings": p.settings.describe(), "note": p.note, "sources": p.sources})
            })
            .collect();
        let mut tera = self.base_context(nav, &path, "Metric conventions");
        tera.insert("label", &self.project.config.conventions.label());
        tera.insert("tables", &html);
        tera.insert(
            "effects",
            &explain(
                &effects,
                &ttm,
                self.project.data.renewals.is_some(),
                currency,
            ),
        );
        tera.insert("profiles", &profiles);
        self.template("conventions.html", &tera, file, html.len())
            .map(|h| (path, h))
    }
}

/// Which profiles choose each option of a setting, as "postsale and profitwell".
fn choosing(pick: impl Fn(&conventions::Conventions) -> bool) -> String {
    let names: Vec<&str> = PROFILES
        .iter()
        .filter(|p| pick(&p.settings))
        .map(|p| p.name)
        .collect();
    match names.as_slice() {
        [] => "no profile".into(),
        [one] => (*one).into(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Each convention's effect over `period`, in words with this data's numbers.
fn explain(e: &Effects, period: &Period, has_renewals: bool, currency: &str) -> Vec<Explained> {
    use conventions::{ChurnRecognition, RetentionBasis, SamePeriod};
    let money = |m: crate::data::Money| format::money(m.to_f64(), currency);
    let pct = |v: Option<f64>| v.map_or(format::MISSING.into(), format::percent);
    let label = period.label();
    let cohort = choosing(|c| c.retention == RetentionBasis::Cohort);
    let aggregate = choosing(|c| c.retention == RetentionBasis::Aggregate);
    let term_end = choosing(|c| c.churn_recognition == ChurnRecognition::TermEnd);
    let ignored = choosing(|c| c.same_period == SamePeriod::Ignored);
    let stops = if !has_renewals {
        "Without renewals.csv the paid terms are unknown, so recognising churn at the term's end \
         changes nothing."
            .to_string()
    } else if e.early_stops == 0 {
        "No account in this data stops paying while an annual term it paid for is still running \
         (renewals.csv: due_on and term_months), so both give the same numbers."
            .to_string()
    } else {
        format!(
            "{} accounts stop paying while an annual term they paid for is still running; \
             recognising their churn at the term's end keeps {} account-months of MRR, and \
             changes the numbers of {} accounts in {label}.",
            e.early_stops, e.months_added, e.early_stops_in_period
        )
    };
    let returned: u64 = e.returns.iter().map(|r| r.1).sum();
    let gaps = e
        .returns
        .iter()
        .filter(|r| r.1 > 0)
        .map(|(l, n, m)| format!("{n} after {l} without MRR ({})", money(*m)))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        Explained {
            title: "NRR and GRR: starting cohort or aggregate movements",
            text: format!(
                "Over the starting cohort NRR for {label} is {}; from the aggregate movements \
                 (1 − (churn + contraction − expansion − reactivation) / starting MRR) it is {}. \
                 The aggregate adds {} of reactivation MRR and {} of movements of accounts after \
                 they joined during the period; the cohort leaves both out, since those accounts \
                 were not customers at its start. Cohort: {cohort}. Aggregate: {aggregate}.",
                pct(e.cohort_nrr),
                pct(e.aggregate_nrr),
                money(e.reactivation),
                money(e.joined_later_net),
            ),
        },
        Explained {
            title: "Churn when the MRR stops, or at the end of the paid term",
            text: format!("{stops} Term end: {term_end}; the others: when the MRR stops."),
        },
        Explained {
            title: "An account that starts and churns within one period",
            text: if e.same_period_accounts == 0 {
                format!(
                    "No account started and churned within {label}, so counting or ignoring \
                     such accounts gives the same numbers. Ignored: {ignored}; the others count \
                     them."
                )
            } else {
                format!(
                    "{} accounts started and churned within {label}, bringing {} of new or \
                 reactivation MRR and taking {} of churn. Ignoring them lowers both by those \
                 amounts; cohort NRR and GRR do not change, as such accounts are never in the \
                 starting cohort. Ignored: {ignored}; the others count them.",
                    e.same_period_accounts,
                    money(e.same_period_new),
                    money(e.same_period_churned),
                )
            },
        },
        Explained {
            title: "Reactivation window",
            text: if returned == 0 {
                format!(
                    "No former customer returned in {label}, so a window changes nothing. Every \
                     profile here counts any return as a reactivation; set \
                     reactivation_window_months to count late returns as new."
                )
            } else {
                format!(
                    "{returned} former customers returned in {label}: {gaps}. With a window of N \
                     months, the returns after longer gaps count as new MRR instead of \
                     reactivation. Every profile here counts any return as a reactivation; set \
                     reactivation_window_months to use a window (3 for a 90-day rule)."
                )
            },
        },
    ]
}
