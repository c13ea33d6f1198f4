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
    /// The last projected quarter in one sentence.
    headline: String,
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
                headline: String::new(),
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
            // The chart starts at the actual ARR at the end of the starting quarter.
            let labels: Vec<String> = std::iter::once(&p.from)
                .chain(&p.periods)
                .map(Period::label)
                .collect();
            let start = p.assumptions.iter().find_map(|a| match a.quantity {
                scenario::Quantity::Money(m) if a.label == scenario::STARTING_MRR => {
                    Some((m * 12).to_f64())
                }
                _ => None,
            });
            let arr = |points: &[scenario::Point]| -> Vec<Option<f64>> {
                std::iter::once(start)
                    .chain(points.iter().map(|x| Some(x.arr.to_f64())))
                    .collect()
            };
            let series = vec![
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
            ];
            let axis = Axis::Money {
                currency: currency.clone(),
            };
            let chart = Chart::lines(labels, series, axis);
            section.chart = charts::html(
                &chart,
                &format!("scenario-{}", section.id),
                &format!(
                    "ARR at each quarter's end: actual, then baseline and {}",
                    s.name
                ),
                &format!(
                    "ARR at the end of {} and projected per quarter after it, baseline from \
                     current rates against the scenario",
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
            let rows = crate::render::scenario::rows(&p, currency);
            if let Some(last) = rows.last() {
                section.headline = format!(
                    "At the end of {}: ARR {} against {} in the baseline ({}), {} logos against \
                     {} ({}).",
                    last[0], last[2], last[1], last[3], last[9], last[8], last[10]
                );
            }
            for ((row, b), sc) in rows.into_iter().zip(&p.baseline).zip(&p.scenario) {
                // The exact values, for the CSV file.
                let exact = [
                    None,
                    Some(b.arr.to_f64()),
                    Some(sc.arr.to_f64()),
                    Some((sc.arr - b.arr).to_f64()),
                    b.nrr,
                    sc.nrr,
                    b.grr,
                    sc.grr,
                    Some(b.logos),
                    Some(sc.logos),
                    Some(sc.logos - b.logos),
                ];
                table.rows.push(
                    row.into_iter()
                        .zip(exact)
                        .enumerate()
                        .map(|(i, (text, value))| TableCell {
                            text,
                            // "Q4 2026" on one line.
                            class: Some(if i == 0 { "nowrap" } else { "num" }.to_string()),
                            sort: (i > 0).then(|| value.map_or(String::new(), |v| v.to_string())),
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
