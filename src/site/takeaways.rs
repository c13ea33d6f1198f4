//! Which metric leads each top-level section of a deck, and its reading from the engine: the
//! first metric the section's components name (KPI tiles, chart and table metrics), else the
//! metric a chart's data or a table kind is about (the MRR bridge: MRR; at-risk accounts:
//! at-risk ARR); a "what changed" list leads with its first line. The sentence itself is
//! `crate::render::takeaway`; a section with no lead keeps its heading.

use super::components::Page;
use super::facts::Facts;
use crate::metrics::basis::headline_period;
use crate::metrics::catalog::{self, MetricDef};
use crate::metrics::experience;
use crate::render::takeaway::Reading;
use crate::report::component::{Component, DataSource, Source, TableKind};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// One level-1 section of a report body: its heading as written and its component
/// placeholders' payloads, in order.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Section {
    pub(crate) heading: String,
    pub(crate) components: Vec<String>,
}

/// The level-1 sections of `text` (Markdown whose components are `open` payload `close`), in
/// order; what comes before the first heading belongs to none.
pub(crate) fn sections(text: &str, (open, close): (char, char)) -> Vec<Section> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut out: Vec<Section> = Vec::new();
    let mut in_heading = false;
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                in_heading = true;
                out.push(Section::default());
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => in_heading = false,
            Event::Text(t) | Event::Code(t) => {
                let Some(section) = out.last_mut() else {
                    continue;
                };
                if in_heading {
                    section.heading.push_str(&t);
                    continue;
                }
                let mut rest: &str = &t;
                while let Some(start) = rest.find(open) {
                    let body = &rest[start + open.len_utf8()..];
                    let Some(end) = body.find(close) else { break };
                    section.components.push(body[..end].to_string());
                    rest = &body[end + close.len_utf8()..];
                }
            }
            _ => {}
        }
    }
    out
}

/// What a section's title is about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Lead {
    /// A metric's move over the period.
    Metric(&'static MetricDef),
    /// A metric's move on the basis KPI tiles and `basis="ttm"` charts show it: a rate over a
    /// short window over the trailing twelve months ending at the period's end.
    Headline(&'static MetricDef),
    /// The first line of the "what changed" list.
    FirstChange,
}

/// The metric a chart's named data source is about.
fn data_lead(data: &DataSource) -> Option<&'static str> {
    Some(match data {
        DataSource::MrrMovements | DataSource::MrrBridge | DataSource::Mrr => "mrr",
        DataSource::Usage => "dau_mau",
        // The renewal charts cover the next 90 days or months from as-of, not the page's
        // period that `renewals_due_arr` measures: no metric of the catalog leads them.
        DataSource::RenewalStages
        | DataSource::RenewalPipeline
        | DataSource::HealthBands
        | DataSource::HealthBandsArr
        | DataSource::Cohorts
        | DataSource::CohortsRevenue
        | DataSource::CohortCurves
        | DataSource::Survival
        | DataSource::Accounts
        | DataSource::Health => return None,
    })
}

/// The metric a table kind is about (tables of named metrics lead with the first).
fn table_lead(of: &TableKind) -> Option<&'static str> {
    Some(match of {
        TableKind::AtRisk => "at_risk_arr",
        TableKind::Movers => "health_significant_drops",
        TableKind::ChurnReasons => "churned_mrr",
        TableKind::Tasks | TableKind::Actions => "tasks_overdue",
        TableKind::Activities => "activities_completed",
        TableKind::Tickets => "tickets_opened",
        TableKind::LeadingIndicators => "renewal_rate",
        // Open renewals from as-of on, and the snapshots' at-risk flags: no catalog metric
        // measures either over the page's period.
        TableKind::StageHealth | TableKind::AtRiskTrajectory | TableKind::Drivers => return None,
        TableKind::Economics => "ltv_cac_ratio",
        TableKind::ChurnComposition | TableKind::ChurnReasonsBy => "churned_mrr",
        TableKind::Cohorts | TableKind::CohortsMonthly => "logo_retention_rate",
        TableKind::Metrics
        | TableKind::Renewals
        | TableKind::Breakdown
        | TableKind::Accounts
        | TableKind::Team
        | TableKind::Forecast
        | TableKind::HealthBands => return None,
    })
}

/// What a component would title its section with, if it leads it.
pub(crate) fn lead(component: &Component) -> Option<Lead> {
    let id = match component {
        Component::Kpis(defs)
        | Component::Chart {
            source: Source::Trailing(defs),
            ..
        } => return defs.first().map(|d| Lead::Headline(d)),
        Component::Chart { source, .. } => match source {
            Source::Metrics(defs) => return defs.first().map(|d| Lead::Metric(d)),
            Source::Trailing(_) => return None,
            Source::Breakdown(def, _) => return Some(Lead::Metric(def)),
            Source::Data(data, _) => data_lead(data)?,
        },
        Component::Table { of, metrics, .. } => match metrics.first() {
            Some(def) => return Some(Lead::Metric(def)),
            None => table_lead(of)?,
        },
        Component::Changes(_) => return Some(Lead::FirstChange),
        Component::Value { .. }
        | Component::Snapshot
        | Component::Attention { .. }
        | Component::TrackedActions { .. } => return None,
    };
    catalog::get(id).map(Lead::Metric)
}

/// The engine's reading of `def` for the page: its value, the previous period's and the target
/// it is judged against (`config.targets`; none for a survey score from a small sample, which
/// gets no status either).
pub(crate) fn reading<'a>(
    facts: &Facts<'_>,
    page: &Page<'_>,
    lead: Lead,
    currency: &'a str,
) -> Option<Reading<'a>> {
    let fiscal = facts.ctx.config.fiscal_year_start;
    let (def, period, previous) = match lead {
        Lead::Metric(def) => (def, page.period.clone(), page.period.previous(fiscal)),
        Lead::Headline(def) => (
            def,
            headline_period(def, &page.period),
            headline_period(def, &page.period.previous(fiscal)),
        ),
        Lead::FirstChange => return None,
    };
    let small = facts
        .responses(&page.entity, &page.period)
        .of(def.id)
        .is_some_and(|n| n < experience::SMALL_SAMPLE);
    Some(Reading {
        def,
        basis: crate::metrics::basis::Basis::of(def, &period),
        current: facts.value(&page.entity, &period, def.id),
        previous: facts.value(&page.entity, &previous, def.id),
        target: target(facts, def, &period).filter(|_| !small),
        currency,
    })
}

/// The target a takeaway compares with: the configured target on the basis of the value over
/// `period` (a quarter's NRR is not compared with the annual target).
fn target(facts: &Facts<'_>, def: &MetricDef, period: &crate::period::Period) -> Option<f64> {
    let basis = crate::metrics::basis::Basis::of(def, period);
    facts.ctx.config.target(def.id, basis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_name_their_heading_and_components_in_order() {
        let text = "intro \u{E000}00\u{E001}\n\n# Retention\n\n\u{E000}aa\u{E001}\n\n\
                    text \u{E000}bb\u{E001}\n\n## Detail\n\n# What `changed`\n\nnone\n";
        assert_eq!(
            sections(text, ('\u{E000}', '\u{E001}')),
            vec![
                Section {
                    heading: "Retention".into(),
                    components: vec!["aa".into(), "bb".into()],
                },
                Section {
                    heading: "What changed".into(),
                    components: vec![],
                },
            ]
        );
    }

    #[test]
    fn a_section_leads_with_its_first_named_metric_or_its_data() {
        let nrr = catalog::get("nrr").expect("nrr");
        let grr = catalog::get("grr").expect("grr");
        assert_eq!(
            lead(&Component::Kpis(vec![nrr, grr])),
            Some(Lead::Headline(nrr))
        );
        let bridge = Component::Chart {
            kind: crate::report::component::ChartType::Waterfall,
            source: Source::Data(DataSource::MrrBridge, None),
            periods: 12,
            title: None,
        };
        assert_eq!(
            lead(&bridge),
            Some(Lead::Metric(catalog::get("mrr").expect("mrr")))
        );
        let at_risk = Component::Table {
            of: TableKind::AtRisk,
            columns: vec![],
            metrics: vec![],
            by: None,
            limit: None,
        };
        assert_eq!(
            lead(&at_risk),
            Some(Lead::Metric(
                catalog::get("at_risk_arr").expect("at_risk_arr")
            ))
        );
        assert_eq!(lead(&Component::Changes(3)), Some(Lead::FirstChange));
        assert_eq!(lead(&Component::Snapshot), None);
    }
}
