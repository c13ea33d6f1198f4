//! The scenarios page (`scenarios.html`, with files in `scenarios/`): each what-if scenario's
//! projection, baseline against scenario per quarter with a line chart of ARR, and its
//! assumptions beside it. The numbers come from `analytics::scenario`; this module lays them out.

use super::{NavItem, Site};
use crate::analytics::scenario;
use crate::diagnostic::Diagnostic;
use crate::period::{Period, PeriodKind};
use crate::render::block::{Table, TableCell};
use crate::render::charts::{self, Axis, Chart, Series, Tone};
use crate::site::facts::Entity;

/// One scenario as the template shows it.
#[derive(serde::Serialize)]
struct Section {
    id: String,
    name: String,
    description: Option<String>,
    file: String,
    /// Why it could not be projected on this data (then nothing else).
    error: Option<String>,
    from: String,
    currency: String,
    chart: String,
    table: String,
    assumptions: Vec<AssumptionView>,
}

#[derive(serde::Serialize)]
struct AssumptionView {
    label: String,
    value: String,
    source: &'static str,
    note: String,
}

impl Site<'_> {
    /// The page, rendered.
    pub(super) fn scenarios_page(&self, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = "scenarios.html".to_string();
        let file = "themes/default/templates/scenarios.html";
        let currency = &self.project.config.currency;
        let last = Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal());
        let page = self.page(&path, last, Entity::All);
        let renderer = self.renderer();
        let err = |e: String| Diagnostic::file_error(file, e);
        let mut sections = Vec::new();
        let mut size = 0;
        for s in &self.project.scenarios {
            let mut section = Section {
                id: super::file_id(&s.id),
                name: s.name.clone(),
                description: s.description.clone(),
                file: format!("{}/{}.yaml", scenario::file::DIR, s.id),
                error: None,
                from: String::new(),
                currency: currency.clone(),
                chart: String::new(),
                table: String::new(),
                assumptions: Vec::new(),
            };
            let p = match scenario::run(&self.facts.ctx, s) {
                Ok(p) => p,
                Err(e) => {
                    section.error = Some(e.to_string());
                    sections.push(section);
                    continue;
                }
            };
            section.from = p.from.label();
            let labels: Vec<String> = p.periods.iter().map(Period::label).collect();
            let arr = |points: &[scenario::Point]| -> Vec<Option<f64>> {
                points.iter().map(|x| Some(x.arr.to_f64())).collect()
            };
            let chart = Chart::Line {
                labels,
                series: vec![
                    Series {
                        name: "baseline".into(),
                        values: arr(&p.baseline),
                        tone: Tone::Neutral,
                    },
                    Series {
                        name: "scenario".into(),
                        values: arr(&p.scenario),
                        tone: Tone::Accent(0),
                    },
                ],
                rolling12: false,
                target: None,
                references: Vec::new(),
                axis: Axis::Money {
                    currency: currency.clone(),
                },
            };
            section.chart = charts::html(
                &chart,
                &format!("scenario-{}", section.id),
                &format!("ARR at each quarter's end: baseline and {}", s.name),
                &format!(
                    "Projected ARR per quarter from the end of {}, baseline from current rates \
                     against the scenario",
                    section.from
                ),
            );
            let heads: Vec<(&str, bool)> = crate::render::scenario::HEADS
                .iter()
                .enumerate()
                .map(|(i, h)| (*h, i > 0))
                .collect();
            let mut table = Table::new(&heads);
            table.sortable = false;
            table.caption = Some(format!(
                "Projected quarters after {}: ARR at the quarter's end in {currency}, NRR and GRR \
                 of the quarter, active logos at its end",
                section.from
            ));
            for row in crate::render::scenario::rows(&p, currency) {
                table.rows.push(
                    row.into_iter()
                        .enumerate()
                        .map(|(i, text)| TableCell {
                            text,
                            class: (i > 0).then(|| "num".to_string()),
                            ..TableCell::default()
                        })
                        .collect(),
                );
            }
            section.table = renderer.render_table(&table).map_err(err)?;
            section.table.push_str(&page.download(&table, currency));
            section.assumptions = p
                .assumptions
                .iter()
                .map(|a| AssumptionView {
                    label: a.label.clone(),
                    value: crate::render::scenario::quantity(a.quantity, currency),
                    source: a.source.name(),
                    note: a.note.clone(),
                })
                .collect();
            size += section.table.len() + section.chart.len();
            sections.push(section);
        }
        let mut tera = self.base_context(nav, &path, "What-if scenarios");
        tera.insert("sections", &sections);
        self.template("scenarios.html", &tera, file, size)
            .map(|h| (path, h))
    }
}
