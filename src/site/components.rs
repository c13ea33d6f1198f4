//! Renders checked report components (`crate::report::component::Component`) for one page in
//! two steps: [`Renderer::build`] makes the component's neutral value (`crate::render::block`:
//! KPI tiles, inline values, charts with their data tables, tables with drill-down links, "what
//! changed" and the account snapshot), which [`Renderer::html`] turns into HTML through the
//! theme's component templates (every value escaped by Tera) and `crate::render::typst` into
//! Typst for the PDFs. Numbers come from `Facts` (the metric engine's results); this module
//! chooses, formats and links them.

use super::facts::{Entity, Facts};
use super::links::Links;
use crate::data::{AccountIx, CsmIx, RenewalStage};
use crate::metrics::catalog::{MetricDef, Unit};
use crate::metrics::health::{self, HealthBand};
use crate::metrics::status::{self, Status};
use crate::metrics::views::{self, AccountSnapshot, Lifecycle};
use crate::metrics::{Scope, Value, breakdown, cohorts, experience, renewals, revenue, segments};
use crate::period::{Month, Period, PeriodKind};
use crate::render::block::{Block, Change, Column, Fact, Figure, Table, TableCell, Tile};
use crate::render::charts::{self, Axis, Chart, Point, Series, Step, Tone};
use crate::render::format;
use crate::report::component::{Component, Source};
use chrono::Days;
use std::cell::Cell;

/// Where a component is rendered: the page's period, entity and path depth.
pub struct Page<'p> {
    /// `../` repeated to reach the site root.
    pub root: String,
    pub period: Period,
    pub entity: Entity,
    /// Numbers the charts of the page (`chart-1`, ...).
    pub charts: Cell<usize>,
    pub links: &'p Links,
    /// The page's own path (`monthly/2026-10.html`), naming its CSV files.
    pub path: String,
    /// Numbers the data tables of the page (`monthly/2026-10.table-1.csv`, ...).
    pub tables: Cell<usize>,
    /// Where the page's CSV files go, as (site path, bytes), for the build's output writer.
    pub downloads: &'p std::sync::Mutex<Vec<(String, Vec<u8>)>>,
}

impl Page<'_> {
    /// Registers `table` as the page's next CSV file beside it and returns the link to put
    /// under the table.
    fn download(&self, table: &Table, currency: &str) -> String {
        let n = self.tables.get() + 1;
        self.tables.set(n);
        let stem = self.path.strip_suffix(".html").unwrap_or(&self.path);
        let file = format!("{stem}.table-{n}.csv");
        let name = file.rsplit('/').next().unwrap_or(&file).to_string();
        self.downloads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((file, table_csv(table, currency).into_bytes()));
        format!(
            "<p class=\"download\"><a href=\"{}\" download>Download CSV</a></p>\n",
            escape(&name)
        )
    }
}

/// A CSV field: a text from the data guarded against spreadsheet formulas (a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a `'`), quoted when it holds a comma, quote or line
/// break.
pub(crate) fn csv_field(text: &str, guard: bool) -> String {
    let guarded = if guard && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A numeric cell's exact value for a CSV file, from the number it was built from (its sort
/// key): money (shown with the currency's symbol) in currency units with two decimals, every
/// other number (percents as numbers, ratios, counts, days) as the engine computed it to ten
/// decimals; empty when missing. `None` for a cell without a number.
fn csv_number(cell: &TableCell, currency: &str) -> Option<String> {
    let v: f64 = cell.sort.as_deref()?.parse().ok()?;
    if !v.is_finite() {
        return Some(String::new());
    }
    let shown = cell.text.trim_start_matches('-');
    let symbol = format::money(0.0, currency);
    let symbol = symbol.trim_end_matches('0');
    let money = !symbol.is_empty() && shown.starts_with(symbol);
    Some(if money {
        format::fixed(v, 2)
    } else {
        // Ten decimals, trailing zeros dropped: the engine's value without the last bits of
        // floating-point noise (`6.300000000000011` → `6.3`); no "-0".
        let text = format::fixed(v, 10);
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    })
}

/// A table as a CSV file: the column labels, then one line per row; numbers exact (see
/// `csv_number`), texts as shown, guarded by `csv_field`. Lines end with CRLF (RFC 4180).
pub(crate) fn table_csv(table: &Table, currency: &str) -> String {
    let mut out = String::new();
    let header: Vec<String> = table
        .columns
        .iter()
        .map(|c| csv_field(&c.label, true))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| {
                if cell.numeric() {
                    if cell.sort.as_deref() == Some("") && cell.text == format::MISSING {
                        return String::new();
                    }
                    if let Some(n) = csv_number(cell, currency) {
                        return n;
                    }
                }
                csv_field(&cell.text, true)
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn text(t: impl Into<String>) -> TableCell {
    TableCell {
        text: t.into(),
        ..TableCell::default()
    }
}

fn num(t: impl Into<String>, sort: Option<f64>) -> TableCell {
    TableCell {
        text: t.into(),
        class: Some("num".into()),
        sort: Some(sort.map_or_else(String::new, |v| format!("{v}"))),
        ..TableCell::default()
    }
}

fn link(t: impl Into<String>, href: Option<String>) -> TableCell {
    TableCell {
        text: t.into(),
        href,
        ..TableCell::default()
    }
}

/// The CSS status name of a status.
fn status_name(s: Status) -> &'static str {
    match s {
        Status::Good => "good",
        Status::Warning => "warning",
        Status::Bad => "bad",
        Status::Missing => "missing",
        Status::Neutral => "neutral",
    }
}

fn tone(s: Status) -> Tone {
    match s {
        Status::Good => Tone::Good,
        Status::Warning => Tone::Warning,
        Status::Bad => Tone::Bad,
        Status::Missing => Tone::Missing,
        Status::Neutral => Tone::Neutral,
    }
}

fn band_tone(b: HealthBand) -> Tone {
    match b {
        HealthBand::Green => Tone::Good,
        HealthBand::Yellow => Tone::Warning,
        HealthBand::Red => Tone::Bad,
    }
}

/// The note beside a survey score: "n = 345 responses", or "small sample (n = 12)" below
/// `experience::SMALL_SAMPLE` answers.
pub(crate) fn sample_note(answers: u64) -> String {
    if answers < experience::SMALL_SAMPLE {
        format!("small sample (n = {answers})")
    } else {
        format!("n = {} responses", format::count(answers as f64))
    }
}

fn band_status(b: Option<HealthBand>) -> &'static str {
    match b {
        Some(HealthBand::Green) => "good",
        Some(HealthBand::Yellow) => "warning",
        Some(HealthBand::Red) => "bad",
        None => "missing",
    }
}

/// One series of values as a bar chart (`kind` "bar") or a plain line chart.
fn one_series(
    kind: &str,
    labels: Vec<String>,
    name: &str,
    values: Vec<Option<f64>>,
    axis: Axis,
) -> Chart {
    let series = vec![Series {
        name: name.into(),
        values,
        tone: Tone::Accent(0),
    }];
    if kind == "bar" {
        Chart::Bar {
            labels,
            series,
            stacked: false,
            axis,
        }
    } else {
        Chart::Line {
            labels,
            series,
            rolling12: false,
            target: None,
            axis,
        }
    }
}

/// The engine scope of a page: its one account, its mask, or everyone.
fn page_scope<'m>(page: &Page, mask: &'m Option<std::sync::Arc<Vec<bool>>>) -> Scope<'m> {
    match (&page.entity, mask) {
        (Entity::Account(a), _) => Scope::One(*a),
        (_, Some(m)) => Scope::Only(m),
        (_, None) => Scope::All,
    }
}

/// Renders components of one build.
pub struct Renderer<'r, 'a> {
    pub facts: &'r Facts<'a>,
    pub tera: &'r tera::Tera,
    pub currency: &'r str,
    /// Write tables with `table_html` instead of the theme's template (see `Site`).
    pub native_tables: bool,
}

impl Renderer<'_, '_> {
    fn fiscal(&self) -> u32 {
        self.facts.ctx.config.fiscal_year_start
    }

    fn target(&self, id: &str) -> Option<f64> {
        self.facts.ctx.config.targets.get(id).copied()
    }

    fn fmt(&self, def: &MetricDef, v: Value) -> String {
        format::value(def, v, self.currency)
    }

    fn money(&self, v: f64) -> String {
        format::money(v, self.currency)
    }

    /// The words for a data code, the project's `labels:` first (`check_in` → "Check-in").
    fn words(&self, code: &str) -> String {
        format::words_with(&self.facts.ctx.config.labels, code)
    }

    /// The words for a data code inside a sentence ("by ACV band", "by segment").
    fn phrase(&self, code: &str) -> String {
        format::phrase_with(&self.facts.ctx.config.labels, code)
    }

    fn axis(&self, unit: Unit) -> Axis {
        match unit {
            Unit::Money => Axis::Money {
                currency: self.currency.to_string(),
            },
            Unit::Percent => Axis::Percent,
            Unit::Count => Axis::Count,
            Unit::Ratio => Axis::Ratio,
            Unit::Days | Unit::Hours => Axis::Days,
            Unit::Score => Axis::Score,
        }
    }

    fn money_axis(&self) -> Axis {
        Axis::Money {
            currency: self.currency.to_string(),
        }
    }

    fn template(&self, name: &str, ctx: &tera::Context) -> Result<String, String> {
        super::pages::render_bounded(self.tera, name, ctx, super::pages::THEME_BYTES).map_err(|e| {
            match e {
                Some(e) => super::theme::tera_error(&e),
                None => format!(
                    "{name} wrote more than {} MB for one component",
                    super::pages::THEME_BYTES >> 20
                ),
            }
        })
    }

    /// The mask of the page's accounts (`None` for everyone).
    fn scope_mask(&self, page: &Page) -> Option<std::sync::Arc<Vec<bool>>> {
        self.facts.mask(&page.entity)
    }

    /// The mask for `page_scope`: none on an account page, which uses `Scope::One` rather than
    /// a mask over every account.
    fn group_mask(&self, page: &Page) -> Option<std::sync::Arc<Vec<bool>>> {
        match page.entity {
            Entity::Account(_) => None,
            _ => self.facts.mask(&page.entity),
        }
    }

    /// Renders one component to HTML.
    /// A data table (a component table, or a chart's "Data of this chart") also goes out as a
    /// CSV file beside the page, linked under the table.
    pub fn render(&self, page: &Page, component: &Component) -> Result<String, String> {
        self.page_html(page, &self.build(page, component)?)
    }

    /// A component's value as HTML on `page`: as `html`, and its data table (if any) also as
    /// a CSV file beside the page, linked under the table.
    pub fn page_html(&self, page: &Page, block: &Block) -> Result<String, String> {
        match block {
            Block::Table(table) => {
                let mut html = self.render_table(table)?;
                html.push_str(&page.download(table, self.currency));
                Ok(html)
            }
            Block::Figure(figure) => {
                let mut table = self.render_table(&figure.table)?;
                table.push_str(&page.download(&figure.table, self.currency));
                self.figure_html(figure, table)
            }
            _ => self.html(block),
        }
    }

    fn figure_html(&self, figure: &Figure, table: String) -> Result<String, String> {
        let mut ctx = tera::Context::new();
        ctx.insert("svg", &figure.svg);
        ctx.insert("title", &figure.title);
        ctx.insert("table", &table);
        self.template("components/figure.html", &ctx)
    }

    /// Builds the neutral value of one component: what it shows, for HTML or Typst.
    pub fn build(&self, page: &Page, component: &Component) -> Result<Block, String> {
        Ok(match component {
            Component::Kpis(defs) => Block::Tiles(self.kpis(page, defs)),
            Component::Value { metric, show } => self.inline_value(page, metric, show),
            Component::Chart {
                kind,
                source,
                periods,
                title,
            } => Block::Figure(self.chart(page, kind, source, *periods, title.as_deref())?),
            Component::Table {
                of,
                columns,
                metrics,
                by,
                limit,
            } => Block::Table(self.table(page, of, columns, metrics, by.as_deref(), *limit)?),
            Component::Changes(count) => Block::Changes(self.changes(page, *count)),
            Component::Snapshot => self.snapshot(page)?,
        })
    }

    /// A component's value as HTML, through the theme's component templates.
    pub fn html(&self, block: &Block) -> Result<String, String> {
        let mut ctx = tera::Context::new();
        match block {
            Block::Tiles(tiles) => {
                ctx.insert("tiles", tiles);
                self.template("components/tiles.html", &ctx)
            }
            Block::Inline {
                text,
                status,
                href,
                title,
            } => Ok(format!(
                "<a class=\"value status-{status}\" href=\"{}\" title=\"{}\">{}</a>",
                escape(href),
                escape(title),
                escape(text)
            )),
            Block::Figure(figure) => self.figure_html(figure, self.render_table(&figure.table)?),
            Block::Table(table) => self.render_table(table),
            Block::Changes(changes) => {
                ctx.insert("changes", changes);
                self.template("components/changes.html", &ctx)
            }
            Block::Snapshot { facts, risks } => {
                ctx.insert("items", facts);
                ctx.insert("risks", risks.as_deref().unwrap_or_default());
                ctx.insert("assessed", &risks.is_some());
                self.template("components/snapshot.html", &ctx)
            }
        }
    }

    pub fn render_table(&self, table: &Table) -> Result<String, String> {
        if self.native_tables {
            return Ok(table_html(table));
        }
        let mut ctx = tera::Context::new();
        ctx.insert("caption", &table.caption);
        ctx.insert("columns", &table.columns);
        ctx.insert("rows", &table.rows);
        ctx.insert("sortable", &table.sortable);
        self.template("components/table.html", &ctx)
    }

    fn previous_periods(&self, page: &Page) -> (Period, Period) {
        (
            page.period.previous(self.fiscal()),
            page.period.year_ago(self.fiscal()),
        )
    }

    /// The sparkline SVG of a metric over the page's last `count` periods.
    fn sparkline(&self, page: &Page, def: &MetricDef, count: usize, status: Status) -> String {
        let values: Vec<Value> = page
            .period
            .history(count, self.fiscal())
            .iter()
            .map(|p| self.facts.value(&page.entity, p, def.id))
            .collect();
        let id = self.next_chart_id(page);
        charts::svg(
            &Chart::Sparkline {
                values,
                tone: tone(status),
            },
            &id,
            &format!("{} trend", def.name),
            &format!("{} over the last {count} periods", def.name),
        )
    }

    fn next_chart_id(&self, page: &Page) -> String {
        let n = page.charts.get() + 1;
        page.charts.set(n);
        format!("chart-{n}")
    }

    fn kpis(&self, page: &Page, defs: &[&'static MetricDef]) -> Vec<Tile> {
        let (previous, year_ago) = self.previous_periods(page);
        let tiles: Vec<Tile> = defs
            .iter()
            .map(|def| {
                let v = self.facts.value(&page.entity, &page.period, def.id);
                let target = self.target(def.id);
                // A survey score shows the answers it rests on; from a small sample it gets
                // no good/bad colour.
                let answers = self.facts.responses(&page.entity, &page.period).of(def.id);
                let small = answers.is_some_and(|n| n < experience::SMALL_SAMPLE);
                let st = if small && v.is_some() {
                    Status::Neutral
                } else {
                    status::status(def, v, target)
                };
                Tile {
                    sample: answers.filter(|_| v.is_some()).map(sample_note),
                    name: def.name.to_string(),
                    href: format!("{}metrics/{}.html", page.root, def.id),
                    value: if def.unit == Unit::Money {
                        v.map_or(format::MISSING.into(), |v| {
                            format::money_short(v, self.currency)
                        })
                    } else {
                        self.fmt(def, v)
                    },
                    status: status_name(st),
                    // The sample note says why a small sample has no status word.
                    status_label: st.label(),
                    target: target.map(|t| self.fmt(def, Some(t))),
                    change: format::change(
                        def,
                        v,
                        self.facts.value(&page.entity, &previous, def.id),
                    ),
                    change_year: format::change(
                        def,
                        v,
                        self.facts.value(&page.entity, &year_ago, def.id),
                    ),
                    previous_label: "previous".into(),
                    year_ago_label: "a year ago".into(),
                    sparkline: self.sparkline(page, def, 12, st),
                }
            })
            .collect();
        tiles
    }

    fn inline_value(&self, page: &Page, def: &MetricDef, show: &str) -> Block {
        let (previous, year_ago) = self.previous_periods(page);
        let v = self.facts.value(&page.entity, &page.period, def.id);
        let st = status::status(def, v, self.target(def.id));
        let shown = match show {
            "previous" => self.fmt(def, self.facts.value(&page.entity, &previous, def.id)),
            "year_ago" => self.fmt(def, self.facts.value(&page.entity, &year_ago, def.id)),
            "change" => format::change(def, v, self.facts.value(&page.entity, &previous, def.id)),
            "change_year" => {
                format::change(def, v, self.facts.value(&page.entity, &year_ago, def.id))
            }
            "target" => self.fmt(def, self.target(def.id)),
            "status" => st.label().to_string(),
            _ => self.fmt(def, v),
        };
        Block::Inline {
            text: shown,
            status: status_name(st),
            href: format!("{}metrics/{}.html", page.root, def.id),
            title: def.name.to_string(),
        }
    }

    fn changes(&self, page: &Page, count: usize) -> Vec<Change> {
        let (previous, _) = self.previous_periods(page);
        let now = self.facts.values(&page.entity, &page.period);
        let before = self.facts.values(&page.entity, &previous);
        // The headline metrics that moved most, relative to their previous value (percent
        // metrics by points over 10, so a 2-point NRR move ranks like a 20 % ARR move).
        let mut moves: Vec<(f64, &'static MetricDef, f64, f64)> = HEADLINE
            .iter()
            .filter_map(|id| {
                let def = crate::metrics::catalog::get(id)?;
                let (Some(a), Some(b)) = (
                    now.get(id).copied().flatten(),
                    before.get(id).copied().flatten(),
                ) else {
                    return None;
                };
                let size = match def.unit {
                    Unit::Percent | Unit::Score => (a - b).abs() / 10.0,
                    _ if b != 0.0 => ((a - b) / b).abs(),
                    _ => return None,
                };
                (size > 0.0).then_some((size, def, a, b))
            })
            .collect();
        moves.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.id.cmp(y.1.id)));
        // Each line says the change as shown: its verb carries the sign ("fell 8 pts", never
        // "fell -7.6 pts"), its size is computed from the two values as printed, and a move
        // too small to show ("rose 0.0 pts") is left out.
        let changes: Vec<Change> = moves
            .into_iter()
            .filter_map(|(_, def, a, b)| {
                let delta = format::delta(def, Some(a), Some(b))?;
                (delta.direction != std::cmp::Ordering::Equal).then(|| Change {
                    name: def.name,
                    href: format!("{}metrics/{}.html", page.root, def.id),
                    verb: delta.verb(),
                    change: delta.size,
                    value: self.fmt(def, Some(a)),
                    previous: self.fmt(def, Some(b)),
                    status: status_name(status::status(def, Some(a), self.target(def.id))),
                    movement: movement(def.direction, delta.direction),
                })
            })
            .take(count)
            .collect();
        changes
    }

    fn account_name(&self, a: AccountIx) -> String {
        self.facts
            .ctx
            .data
            .accounts
            .rows
            .get(a as usize)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    }

    fn csm_cell(&self, page: &Page, a: AccountIx) -> TableCell {
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

    fn account_cell(&self, page: &Page, a: AccountIx) -> TableCell {
        link(
            self.account_name(a),
            page.links.account(&page.root, self.facts.ctx.data, a),
        )
    }

    fn snapshot_cell(&self, page: &Page, s: &AccountSnapshot, column: &str) -> TableCell {
        let data = self.facts.ctx.data;
        let acc = data.accounts.rows.get(s.account as usize);
        match column {
            "account" => self.account_cell(page, s.account),
            "segment" => text(
                acc.and_then(|a| a.segment.clone())
                    .unwrap_or_else(|| format::MISSING.into()),
            ),
            "csm" => self.csm_cell(page, s.account),
            "arr" => num(self.money(s.arr), Some(s.arr)),
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
            "days_to_renewal" | "days" => {
                let d = s.next_renewal.as_ref().map(|r| r.days);
                num(
                    d.map_or(format::MISSING.into(), |d| d.to_string()),
                    d.map(|d| d as f64),
                )
            }
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
            _ => text(""),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn table(
        &self,
        page: &Page,
        of: &str,
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
        match of {
            "metrics" => {
                let (previous, year_ago) = self.previous_periods(page);
                for def in metrics {
                    let v = self.facts.value(&page.entity, &page.period, def.id);
                    let p = self.facts.value(&page.entity, &previous, def.id);
                    let y = self.facts.value(&page.entity, &year_ago, def.id);
                    let target = self.target(def.id);
                    let st = status::status(def, v, target);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "metric" => link(
                                def.name,
                                Some(format!("{}metrics/{}.html", page.root, def.id)),
                            ),
                            "value" => TableCell {
                                class: Some(format!("num status-{}", status_name(st))),
                                ..num(self.fmt(def, v), v)
                            },
                            "previous" => num(self.fmt(def, p), p),
                            "year_ago" => num(self.fmt(def, y), y),
                            "change" => num(format::change(def, v, p), None),
                            "change_year" => num(format::change(def, v, y), None),
                            "target" => num(self.fmt(def, target), target),
                            _ => TableCell {
                                class: Some(format!("status-{}", status_name(st))),
                                ..text(st.label())
                            },
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            "breakdown" => {
                let dim_name = by.unwrap_or("segment");
                let dim = breakdown::Dimension::parse(dim_name, &data.accounts)?;
                let mut header = vec![(self.words(dim.name()), false)];
                header.extend(metrics.iter().map(|m| (m.name.to_string(), true)));
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
                        let st = status::segment_status(def, v, &label, self.target(def.id));
                        row.push(TableCell {
                            class: Some(format!("num status-{}", status_name(st))),
                            ..num(self.fmt(def, v), v)
                        });
                    }
                    table.rows.push(row);
                }
            }
            "at_risk" => {
                let (_, at_risk) = self.facts.team(&latest_month);
                let mask = self.scope_mask(page);
                for s in at_risk
                    .iter()
                    .filter(|s| mask.as_ref().is_none_or(|m| m[s.account as usize]))
                    .take(limit.unwrap_or(25))
                {
                    table.rows.push(
                        columns
                            .iter()
                            .map(|c| self.snapshot_cell(page, s, c))
                            .collect(),
                    );
                }
            }
            "accounts" => {
                let rows: Vec<AccountSnapshot> = match &page.entity {
                    Entity::Csm(c) => self.facts.book(*c).accounts.clone(),
                    _ => {
                        let mask = self.scope_mask(page);
                        let mut v: Vec<AccountSnapshot> = self
                            .facts
                            .snapshots()
                            .iter()
                            .filter(|s| mask.as_ref().is_none_or(|m| m[s.account as usize]))
                            .filter(|s| s.arr > 0.0)
                            .cloned()
                            .collect();
                        v.sort_by(|a, b| {
                            b.urgency
                                .total_cmp(&a.urgency)
                                .then(b.arr.total_cmp(&a.arr))
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
            }
            "renewals" => self.renewals_table(page, columns, limit, &mut table),
            "movers" => {
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
                for m in movers.iter().take(limit.unwrap_or(10)) {
                    let arr = snapshots.get(m.account as usize).map_or(0.0, |s| s.arr);
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
            "team" => {
                let (performance, _) = self.facts.team(&latest_month);
                let mut header = labels.clone();
                header.extend(metrics.iter().map(|m| (m.name, true)));
                table.columns = header
                    .into_iter()
                    .map(|(l, n)| Column {
                        label: l.to_string(),
                        numeric: n,
                    })
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
                            "arr" => num(self.money(p.arr), Some(p.arr)),
                            "capacity_use" => num(
                                p.capacity_use
                                    .map_or(format::MISSING.into(), format::percent),
                                p.capacity_use,
                            ),
                            "expansion_arr" => {
                                num(self.money(p.expansion_arr), Some(p.expansion_arr))
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
                        let st = status::status(def, v, self.target(def.id));
                        row.push(TableCell {
                            class: Some(format!("num status-{}", status_name(st))),
                            ..num(self.fmt(def, v), v)
                        });
                    }
                    table.rows.push(row);
                }
            }
            "actions" => {
                let actions: Vec<crate::metrics::views::Action> = match &page.entity {
                    Entity::Csm(c) => self.facts.book(*c).actions.clone(),
                    _ => Vec::new(),
                };
                let snapshots = self.facts.snapshots();
                for (rank, a) in actions.iter().take(limit.unwrap_or(20)).enumerate() {
                    let s = snapshots.get(a.account as usize);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "rank" => num((rank + 1).to_string(), Some((rank + 1) as f64)),
                            "account" => self.account_cell(page, a.account),
                            "action" => text(
                                a.reasons
                                    .iter()
                                    .map(|r| r.label())
                                    .collect::<Vec<_>>()
                                    .join(", "),
                            ),
                            "arr" => {
                                let arr = s.map_or(0.0, |s| s.arr);
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
            "tasks" => {
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
            "forecast" => {
                let next = page.period.next(self.fiscal());
                let mask = self.group_mask(page);
                let scope = page_scope(page, &mask);
                let line = renewals::board_line(&self.facts.ctx, &next, scope);
                table.caption = Some(format!("Renewals due in {}", next.label()));
                let share = |v: f64| {
                    if line.due > 0.0 {
                        format::percent(v / line.due * 100.0)
                    } else {
                        format::MISSING.into()
                    }
                };
                for (label, v, class) in [
                    ("due", line.due, None),
                    ("high confidence", line.high_confidence, Some("status-good")),
                    ("at risk", line.at_risk, Some("status-warning")),
                    ("already lost", line.lost, Some("status-bad")),
                    ("forecast", line.forecast, None),
                ] {
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "line" => TableCell {
                                class: class.map(str::to_string),
                                ..text(label)
                            },
                            "arr" => num(self.money(v), Some(v)),
                            _ => num(
                                if label == "forecast" {
                                    line.forecast_retention
                                        .map_or(format::MISSING.into(), format::percent)
                                } else {
                                    share(v)
                                },
                                None,
                            ),
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            "health_bands" => {
                let (counts, arrs) = self.band_totals(page, &self.scope_mask(page));
                let total_n: f64 = counts.iter().sum();
                let total_arr: f64 = arrs.iter().sum();
                for (i, band) in [HealthBand::Green, HealthBand::Yellow, HealthBand::Red]
                    .iter()
                    .enumerate()
                {
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "band" => TableCell {
                                class: Some(format!("status-{}", band_status(Some(*band)))),
                                ..text(band.name())
                            },
                            "accounts" => num(format::count(counts[i]), Some(counts[i])),
                            "accounts_share" => {
                                let s = crate::metrics::pct(counts[i], total_n);
                                num(s.map_or(format::MISSING.into(), format::percent), s)
                            }
                            "arr" => num(self.money(arrs[i]), Some(arrs[i])),
                            _ => {
                                let s = crate::metrics::pct(arrs[i], total_arr);
                                num(s.map_or(format::MISSING.into(), format::percent), s)
                            }
                        })
                        .collect();
                    table.rows.push(row);
                }
                table.sortable = false;
            }
            "churn_reasons" => {
                let mask = self.group_mask(page);
                let scope = page_scope(page, &mask);
                let reasons = segments::churn_reasons(&self.facts.ctx, &page.period, scope);
                let total: f64 = reasons.values().map(|t| t.arr.to_f64()).sum();
                for (reason, tally) in &reasons {
                    let arr = tally.arr.to_f64();
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "reason" => text(self.words(reason.name())),
                            "accounts" => {
                                num(tally.accounts.to_string(), Some(tally.accounts as f64))
                            }
                            "mrr" => num(self.money(arr / 12.0), Some(arr / 12.0)),
                            _ => {
                                let s = crate::metrics::pct(arr, total);
                                num(s.map_or(format::MISSING.into(), format::percent), s)
                            }
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
            "activities" => {
                let Entity::Account(a) = page.entity else {
                    return Err(
                        "an activities table belongs on an account page (per: account)".into(),
                    );
                };
                let rows = data.activities_of(a).unwrap_or_default();
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
            "tickets" => {
                let Entity::Account(a) = page.entity else {
                    return Err("a tickets table belongs on an account page (per: account)".into());
                };
                let rows = data.tickets_of(a).unwrap_or_default();
                for t in rows.iter().rev().take(limit.unwrap_or(15)) {
                    let first = t
                        .first_response_at
                        .map(|f| (f - t.opened_at).num_minutes() as f64 / 60.0);
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
            other => return Err(format!("unknown table kind '{other}'")),
        }
        Ok(table)
    }

    fn renewals_table(
        &self,
        page: &Page,
        columns: &[&'static str],
        limit: Option<usize>,
        table: &mut Table,
    ) {
        let data = self.facts.ctx.data;
        let as_of = self.facts.ctx.as_of;
        let horizon = as_of.checked_add_days(Days::new(90)).unwrap_or(as_of);
        let all = data.renewals.as_deref().unwrap_or_default();
        let selected: Vec<&crate::data::Renewal> = match page.entity {
            // An account page lists every renewal of the account, latest first (renewals are
            // sorted by account).
            Entity::Account(a) => health::account_rows(all, a, |r| r.account)
                .iter()
                .rev()
                .collect(),
            _ => {
                let mask = self.scope_mask(page);
                let mut v: Vec<&crate::data::Renewal> = all
                    .iter()
                    .filter(|r| !r.stage.is_closed())
                    .filter(|r| r.due_on >= as_of && r.due_on <= horizon)
                    .filter(|r| mask.as_ref().is_none_or(|m| m[r.account as usize]))
                    .collect();
                v.sort_by(|a, b| a.due_on.cmp(&b.due_on).then(a.id.cmp(&b.id)));
                v
            }
        };
        for r in selected.into_iter().take(limit.unwrap_or(50)) {
            let days = (r.due_on - as_of).num_days();
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
                    "days" => num(days.to_string(), Some(days as f64)),
                    "arr" => num(self.money(arr), Some(arr)),
                    "stage" if r.stage.is_closed() => TableCell {
                        class: (r.stage == RenewalStage::ClosedLost)
                            .then(|| "status-bad".to_string()),
                        ..text(closed_outcome(r.stage))
                    },
                    "stage" => TableCell {
                        class: r.at_risk.then(|| "status-bad".to_string()),
                        ..text(
                            stage_label(r.stage, renewals::is_stalled(r, as_of))
                                + if r.at_risk { ", at risk" } else { "" },
                        )
                    },
                    "forecast" => {
                        if r.stage.is_closed() {
                            text(closed_outcome(r.stage))
                        } else {
                            let p = renewals::probability(&self.facts.ctx, r) * 100.0;
                            num(format!("{p:.0}%"), Some(p))
                        }
                    }
                    "checklist" => {
                        let done = r.checklist.iter().filter(|c| **c == Some(true)).count();
                        num(format!("{done} of 5"), Some(done as f64))
                    }
                    _ => {
                        let v = r.renewed_arr.map(|m| m.to_f64());
                        num(v.map_or(format::MISSING.into(), |v| self.money(v)), v)
                    }
                })
                .collect();
            table.rows.push(row);
        }
    }

    /// Open renewals due in the next 90 days per stage (see [`renewal_stages_figure`]); the
    /// engine sums them (`renewals::open_by_stage`), this only formats.
    fn renewal_stages(&self, scope: Scope) -> (Chart, String, String, Table) {
        let stages = renewals::open_by_stage(&self.facts.ctx, scope, 90);
        renewal_stages_figure(&stages, self.currency)
    }

    /// Active accounts (MRR > 0 in the latest complete month) with a score, per band: counts
    /// and ARR, green, yellow, red.
    fn band_totals(
        &self,
        _page: &Page,
        mask: &Option<std::sync::Arc<Vec<bool>>>,
    ) -> ([f64; 3], [f64; 3]) {
        let mut counts = [0.0; 3];
        let mut arrs = [0.0; 3];
        for s in self.facts.snapshots() {
            if s.arr <= 0.0 || mask.as_ref().is_some_and(|m| !m[s.account as usize]) {
                continue;
            }
            let i = match s.band {
                Some(HealthBand::Green) => 0,
                Some(HealthBand::Yellow) => 1,
                Some(HealthBand::Red) => 2,
                None => continue,
            };
            counts[i] += 1.0;
            arrs[i] += s.arr;
        }
        (counts, arrs)
    }

    fn chart(
        &self,
        page: &Page,
        kind: &str,
        source: &Source,
        periods: usize,
        title: Option<&str>,
    ) -> Result<Figure, String> {
        let (chart, default_title, desc, table) = self.chart_data(page, kind, source, periods)?;
        let title = title.map_or(default_title, str::to_string);
        let id = self.next_chart_id(page);
        Ok(Figure {
            svg: charts::svg(&chart, &id, &title, &desc),
            title,
            alt: desc,
            table,
        })
    }

    /// The chart, its default title, its text description and its data as a table.
    fn chart_data(
        &self,
        page: &Page,
        kind: &str,
        source: &Source,
        periods: usize,
    ) -> Result<(Chart, String, String, Table), String> {
        let fiscal = self.fiscal();
        let data = self.facts.ctx.data;
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        match source {
            Source::Metrics(defs) => {
                let history = page.period.history(periods, fiscal);
                let labels: Vec<String> = history.iter().map(short_id).collect();
                let mut table = Table::new(&[("period", false)]);
                table.columns.extend(defs.iter().map(|d| Column {
                    label: d.name.to_string(),
                    numeric: true,
                }));
                let series: Vec<Series> = defs
                    .iter()
                    .enumerate()
                    .map(|(i, d)| Series {
                        name: d.name.to_string(),
                        values: history
                            .iter()
                            .map(|p| self.facts.value(&page.entity, p, d.id))
                            .collect(),
                        tone: Tone::Accent(i),
                    })
                    .collect();
                for (i, label) in labels.iter().enumerate() {
                    let mut row = vec![text(label.clone())];
                    for (s, d) in series.iter().zip(defs) {
                        let v = s.values[i];
                        row.push(num(self.fmt(d, v), v));
                    }
                    table.rows.push(row);
                }
                let unit = defs.first().map_or(Unit::Count, |d| d.unit);
                let names: Vec<&str> = defs.iter().map(|d| d.name).collect();
                let title = format!("{} by {}", names.join(", "), kind_noun(page.period.kind));
                let last = series
                    .first()
                    .and_then(|s| s.values.last().copied().flatten())
                    .zip(defs.first())
                    .map(|(v, d)| format!(" The latest value is {}.", self.fmt(d, Some(v))))
                    .unwrap_or_default();
                let desc = format!(
                    "{} over the {} periods from {} to {}.{last}",
                    names.join(", "),
                    labels.len(),
                    labels.first().cloned().unwrap_or_default(),
                    labels.last().cloned().unwrap_or_default()
                );
                let target = if defs.len() == 1 {
                    defs.first().and_then(|d| self.target(d.id))
                } else {
                    None
                };
                let chart = match kind {
                    "bar" => Chart::Bar {
                        labels,
                        series,
                        stacked: false,
                        axis: self.axis(unit),
                    },
                    "sparkline" => Chart::Sparkline {
                        values: series
                            .into_iter()
                            .next()
                            .map(|s| s.values)
                            .unwrap_or_default(),
                        tone: Tone::Accent(0),
                    },
                    _ => Chart::Line {
                        labels,
                        rolling12: defs.len() == 1 && periods >= 13,
                        series,
                        target,
                        axis: self.axis(unit),
                    },
                };
                Ok((chart, title, desc, table))
            }
            Source::Breakdown(def, dim_name) => {
                let dim = breakdown::Dimension::parse(dim_name, &data.accounts)?;
                let mut labels = Vec::new();
                let mut values = Vec::new();
                let dim_label = self.words(dim.name());
                let mut table = Table::new(&[(dim_label.as_str(), false), (def.name, true)]);
                for (label, group) in breakdown::groups(&self.facts.ctx, &dim, &page.period) {
                    let group: Vec<bool> = match &mask {
                        Some(m) => group.iter().zip(m.iter()).map(|(a, b)| *a && *b).collect(),
                        None => group,
                    };
                    if !group.iter().any(|g| *g) {
                        continue;
                    }
                    let v = self
                        .facts
                        .group_values(
                            &page.entity,
                            (dim.name(), &label),
                            &group,
                            &page.period,
                            &[*def],
                        )
                        .get(def.id)
                        .copied()
                        .flatten();
                    let label = self.words(&label);
                    table
                        .rows
                        .push(vec![text(label.clone()), num(self.fmt(def, v), v)]);
                    labels.push(label);
                    values.push(v);
                }
                let title = format!("{} by {}", def.name, self.phrase(dim.name()));
                let desc = format!(
                    "{} for {} by {}: {}.",
                    def.name,
                    page.period.label(),
                    self.phrase(dim.name()),
                    labels
                        .iter()
                        .zip(&values)
                        .map(|(l, v)| format!("{l} {}", self.fmt(def, *v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let chart = Chart::Bar {
                    labels,
                    series: vec![Series {
                        name: def.name.to_string(),
                        values,
                        tone: Tone::Accent(0),
                    }],
                    stacked: false,
                    axis: self.axis(def.unit),
                };
                Ok((chart, title, desc, table))
            }
            Source::Data(name, by) => {
                self.data_chart(page, kind, name, by.as_deref(), periods, scope)
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    fn data_chart(
        &self,
        page: &Page,
        kind: &str,
        name: &str,
        by: Option<&str>,
        periods: usize,
        scope: Scope,
    ) -> Result<(Chart, String, String, Table), String> {
        let fiscal = self.fiscal();
        let data = self.facts.ctx.data;
        let mrr = data.mrr.as_ref().ok_or("this chart needs mrr.csv")?;
        let money = |v: f64| self.money(v);
        match name {
            "mrr_movements" => {
                // Movements of trailing-twelve-month pages are drawn per month.
                let base = if page.period.kind == PeriodKind::Ttm {
                    Period::month(page.period.months().1)
                } else {
                    page.period.clone()
                };
                let history = base.history(periods, fiscal);
                let mut table = Table::new(&[
                    ("period", false),
                    ("new", true),
                    ("expansion", true),
                    ("reactivation", true),
                    ("contraction", true),
                    ("churned", true),
                ]);
                let mut s: [Vec<Option<f64>>; 5] = Default::default();
                let labels: Vec<String> = history.iter().map(|p| p.id.clone()).collect();
                for p in &history {
                    let (first, last) = p.months();
                    let m = revenue::movements(mrr, scope, first, last);
                    let vals = [
                        m.new.to_f64(),
                        m.expansion.to_f64(),
                        m.reactivation.to_f64(),
                        -m.contraction.to_f64(),
                        -m.churned.to_f64(),
                    ];
                    let mut row = vec![text(p.id.clone())];
                    for (i, v) in vals.iter().enumerate() {
                        s[i].push(Some(*v));
                        row.push(num(money(*v), Some(*v)));
                    }
                    table.rows.push(row);
                }
                let [new, expansion, reactivation, contraction, churned] = s;
                let series = vec![
                    Series {
                        name: "new".into(),
                        values: new,
                        tone: Tone::Good,
                    },
                    Series {
                        name: "expansion".into(),
                        values: expansion,
                        tone: Tone::Accent(0),
                    },
                    Series {
                        name: "reactivation".into(),
                        values: reactivation,
                        tone: Tone::Accent(1),
                    },
                    Series {
                        name: "contraction".into(),
                        values: contraction,
                        tone: Tone::Warning,
                    },
                    Series {
                        name: "churned".into(),
                        values: churned,
                        tone: Tone::Bad,
                    },
                ];
                Ok((
                    Chart::Bar {
                        labels: labels.clone(),
                        series,
                        stacked: kind == "stacked_bar",
                        axis: self.money_axis(),
                    },
                    "MRR movements".into(),
                    format!(
                        "New, expansion and reactivation MRR (up) against contraction and churned MRR (down) for the {} periods from {} to {}.",
                        labels.len(),
                        labels.first().cloned().unwrap_or_default(),
                        labels.last().cloned().unwrap_or_default()
                    ),
                    table,
                ))
            }
            "mrr_bridge" => {
                let (first, last) = page.period.months();
                let m = revenue::movements(mrr, scope, first, last);
                let steps = [
                    ("start MRR", m.starting.to_f64(), true),
                    ("new", m.new.to_f64(), false),
                    ("reactivated", m.reactivation.to_f64(), false),
                    ("expansion", m.expansion.to_f64(), false),
                    ("contraction", -m.contraction.to_f64(), false),
                    ("churned", -m.churned.to_f64(), false),
                    ("end MRR", m.ending.to_f64(), true),
                ];
                let mut table = Table::new(&[("step", false), ("MRR", true)]);
                table.sortable = false;
                for (l, v, _) in &steps {
                    table.rows.push(vec![text(*l), num(money(*v), Some(*v))]);
                }
                Ok((
                    Chart::Waterfall {
                        steps: steps
                            .iter()
                            .map(|(l, v, t)| Step {
                                label: (*l).to_string(),
                                value: *v,
                                total: *t,
                            })
                            .collect(),
                        axis: self.money_axis(),
                    },
                    format!("MRR bridge, {}", page.period.label()),
                    format!(
                        "MRR went from {} to {}: new {}, reactivation {}, expansion {}, contraction −{}, churned −{}.",
                        money(m.starting.to_f64()),
                        money(m.ending.to_f64()),
                        money(m.new.to_f64()),
                        money(m.reactivation.to_f64()),
                        money(m.expansion.to_f64()),
                        money(m.contraction.to_f64()),
                        money(m.churned.to_f64())
                    ),
                    table,
                ))
            }
            "health_bands" | "health_bands_arr" => {
                let by_arr = name == "health_bands_arr";
                let what = if by_arr { "ARR" } else { "Accounts" };
                let bands = [HealthBand::Green, HealthBand::Yellow, HealthBand::Red];
                if kind == "stacked_bar" {
                    let dim = breakdown::Dimension::parse(by.unwrap_or("segment"), &data.accounts)?;
                    let mut labels = Vec::new();
                    let mut series: Vec<Series> = bands
                        .iter()
                        .map(|b| Series {
                            name: b.name().into(),
                            values: Vec::new(),
                            tone: band_tone(*b),
                        })
                        .collect();
                    let dim_label = self.words(dim.name());
                    let mut table = Table::new(&[
                        (dim_label.as_str(), false),
                        ("green", true),
                        ("yellow", true),
                        ("red", true),
                    ]);
                    for (label, group) in breakdown::groups(&self.facts.ctx, &dim, &page.period) {
                        let group = match scope {
                            Scope::All => group,
                            _ => (0..group.len())
                                .map(|a| group[a] && scope.includes(a as crate::data::AccountIx))
                                .collect(),
                        };
                        let (counts, arrs) =
                            self.band_totals(page, &Some(std::sync::Arc::new(group)));
                        let vals = if by_arr { arrs } else { counts };
                        if vals.iter().sum::<f64>() == 0.0 {
                            continue;
                        }
                        let label = self.words(&label);
                        let mut row = vec![text(label.clone())];
                        for (i, v) in vals.iter().enumerate() {
                            series[i].values.push(Some(*v));
                            row.push(num(
                                if by_arr { money(*v) } else { format::count(*v) },
                                Some(*v),
                            ));
                        }
                        table.rows.push(row);
                        labels.push(label);
                    }
                    return Ok((
                        Chart::Bar {
                            labels,
                            series,
                            stacked: true,
                            axis: if by_arr {
                                self.money_axis()
                            } else {
                                Axis::Count
                            },
                        },
                        format!(
                            "Health bands by {} ({})",
                            self.phrase(dim.name()),
                            what.to_lowercase()
                        ),
                        format!(
                            "{what} in the green, yellow and red health bands per {}.",
                            self.phrase(dim.name())
                        ),
                        table,
                    ));
                }
                let (counts, arrs) = self.band_totals(page, &self.scope_mask(page));
                let vals = if by_arr { arrs } else { counts };
                let total: f64 = vals.iter().sum();
                let mut table = Table::new(&[("band", false), (what, true), ("share", true)]);
                table.sortable = false;
                let mut parts = Vec::new();
                for (b, v) in bands.iter().zip(vals) {
                    let share = crate::metrics::pct(v, total);
                    let shown = if by_arr { money(v) } else { format::count(v) };
                    parts.push(format!(
                        "{} {} ({})",
                        b.name(),
                        shown,
                        share.map_or(format::MISSING.into(), format::percent)
                    ));
                    table.rows.push(vec![
                        text(b.name()),
                        num(shown, Some(v)),
                        num(share.map_or(format::MISSING.into(), format::percent), share),
                    ]);
                }
                let chart = if kind == "donut" {
                    Chart::Donut {
                        slices: bands
                            .iter()
                            .zip(vals)
                            .map(|(b, v)| (b.name().to_string(), v, band_tone(*b)))
                            .collect(),
                        axis: if by_arr {
                            self.money_axis()
                        } else {
                            Axis::Count
                        },
                    }
                } else {
                    Chart::Bar {
                        labels: bands.iter().map(|b| b.name().to_string()).collect(),
                        series: vec![Series {
                            name: what.into(),
                            values: vals.iter().map(|v| Some(*v)).collect(),
                            tone: Tone::Accent(0),
                        }],
                        stacked: false,
                        axis: if by_arr {
                            self.money_axis()
                        } else {
                            Axis::Count
                        },
                    }
                };
                Ok((
                    chart,
                    format!(
                        "Health distribution by {}",
                        if by_arr { "ARR" } else { "customers" }
                    ),
                    format!("{what} per health band today: {}.", parts.join(", ")),
                    table,
                ))
            }
            "renewal_stages" | "renewal_pipeline" => {
                if name == "renewal_stages" {
                    return Ok(self.renewal_stages(scope));
                }
                let stage_names = ["not engaged", "in progress", "won", "lost"];
                let pipeline = renewals::pipeline_by_month(&self.facts.ctx, scope, 6);
                let months: Vec<Month> = pipeline.iter().map(|(m, _)| *m).collect();
                let grid: Vec<[f64; 4]> = pipeline
                    .iter()
                    .map(|(_, row)| row.map(crate::data::Money::to_f64))
                    .collect();
                let labels: Vec<String> = months.iter().map(|m| m.to_string()).collect();
                let tones = [Tone::Missing, Tone::Accent(0), Tone::Good, Tone::Bad];
                let series = (0..4)
                    .map(|j| Series {
                        name: stage_names[j].into(),
                        values: grid.iter().map(|row| Some(row[j])).collect(),
                        tone: tones[j],
                    })
                    .collect();
                let mut table = Table::new(&[
                    ("month", false),
                    ("not engaged", true),
                    ("in progress", true),
                    ("won", true),
                    ("lost", true),
                ]);
                table.sortable = false;
                for (l, row) in labels.iter().zip(&grid) {
                    let mut cells = vec![text(l.clone())];
                    cells.extend(row.iter().map(|v| num(money(*v), Some(*v))));
                    table.rows.push(cells);
                }
                Ok((
                    Chart::Bar {
                        labels,
                        series,
                        stacked: true,
                        axis: self.money_axis(),
                    },
                    "Renewal pipeline by month and stage".into(),
                    "Renewal ARR due in each of the next six months, by stage.".into(),
                    table,
                ))
            }
            "cohorts" => {
                let (_, last) = page.period.months();
                let rows = cohorts::triangle(mrr, scope, cohorts::CohortGrain::Month, last);
                let rows: Vec<_> = rows.into_iter().rev().take(12).rev().collect();
                let ages = 12usize;
                let columns: Vec<String> = (0..ages).map(|a| format!("M{a}")).collect();
                let mut table = Table::new(&[("cohort", false), ("accounts", true)]);
                table.columns.extend(columns.iter().map(|c| Column {
                    label: c.clone(),
                    numeric: true,
                }));
                table.sortable = false;
                let cells: Vec<Vec<Option<f64>>> = rows
                    .iter()
                    .map(|r| {
                        (0..ages)
                            .map(|a| r.logo.get(a).copied().flatten())
                            .collect()
                    })
                    .collect();
                for (r, c) in rows.iter().zip(&cells) {
                    let mut row = vec![
                        text(r.cohort.clone()),
                        num(r.size.to_string(), Some(r.size as f64)),
                    ];
                    row.extend(
                        c.iter()
                            .map(|v| num(v.map_or(format::MISSING.into(), format::percent), *v)),
                    );
                    table.rows.push(row);
                }
                Ok((
                    Chart::Heatmap {
                        rows: rows.iter().map(|r| r.cohort.clone()).collect(),
                        columns,
                        cells,
                        axis: Axis::Percent,
                    },
                    "Logo retention by monthly cohort".into(),
                    format!(
                        "Share of each monthly cohort's accounts still active, by months since the cohort's first month; the last {} cohorts.",
                        rows.len()
                    ),
                    table,
                ))
            }
            "accounts" => {
                let mut points: Vec<(&AccountSnapshot, f64)> = self
                    .facts
                    .snapshots()
                    .iter()
                    .filter(|s| s.arr > 0.0 && scope.includes(s.account))
                    .filter_map(|s| s.health.map(|h| (s, h)))
                    .collect();
                points.sort_by(|a, b| {
                    b.0.arr
                        .total_cmp(&a.0.arr)
                        .then(a.0.account.cmp(&b.0.account))
                });
                points.truncate(300);
                let mut table = Table::new(&[("account", false), ("ARR", true), ("health", true)]);
                for (s, h) in &points {
                    table.rows.push(vec![
                        self.account_cell(page, s.account),
                        num(money(s.arr), Some(s.arr)),
                        num(format!("{h:.0}"), Some(*h)),
                    ]);
                }
                Ok((
                    Chart::Scatter {
                        points: points
                            .iter()
                            .map(|(s, h)| Point {
                                x: s.arr,
                                y: *h,
                                label: self.account_name(s.account),
                                tone: s.band.map_or(Tone::Missing, band_tone),
                                href: page.links.account(
                                    &page.root,
                                    self.facts.ctx.data,
                                    s.account,
                                ),
                            })
                            .collect(),
                        legend: [HealthBand::Green, HealthBand::Yellow, HealthBand::Red]
                            .map(|b| (format!("health {}", b.name()), band_tone(b)))
                            .into(),
                        x_axis: self.money_axis(),
                        y_axis: Axis::Score,
                        x_title: "ARR".into(),
                        y_title: "health score".into(),
                    },
                    "Health against ARR".into(),
                    format!(
                        "Health score against ARR for the {} largest active accounts, coloured by health band.",
                        points.len()
                    ),
                    table,
                ))
            }
            "mrr" => {
                let (_, last) = page.period.months();
                let first = last.plus(-(periods as i32) + 1);
                let series = revenue::mrr_series(mrr, scope, first, last);
                let labels: Vec<String> = series.iter().map(|(m, _)| m.to_string()).collect();
                let values: Vec<Option<f64>> =
                    series.iter().map(|(_, v)| Some(v.to_f64())).collect();
                let mut table = Table::new(&[("month", false), ("MRR", true)]);
                for (l, v) in labels.iter().zip(&values) {
                    table.rows.push(vec![
                        text(l.clone()),
                        num(v.map_or(String::new(), money), *v),
                    ]);
                }
                let desc = format!(
                    "MRR per month from {} to {}; the latest is {}.",
                    labels.first().cloned().unwrap_or_default(),
                    labels.last().cloned().unwrap_or_default(),
                    values
                        .last()
                        .copied()
                        .flatten()
                        .map_or(format::MISSING.into(), money)
                );
                let chart = one_series(kind, labels, "MRR", values, self.money_axis());
                Ok((chart, "MRR".into(), desc, table))
            }
            "health" | "usage" => {
                let Entity::Account(a) = page.entity else {
                    return Err(format!(
                        "data '{name}' belongs on an account page (per: account)"
                    ));
                };
                let s = self
                    .facts
                    .snapshots()
                    .get(a as usize)
                    .ok_or("unknown account")?;
                let (labels, values, title, axis): (Vec<String>, Vec<Option<f64>>, &str, Axis) =
                    if name == "health" {
                        (
                            s.health_trend.iter().map(|(d, _)| d.to_string()).collect(),
                            s.health_trend.iter().map(|(_, v)| Some(*v)).collect(),
                            "Health score, last 90 days",
                            Axis::Score,
                        )
                    } else {
                        (
                            s.usage_trend.iter().map(|(m, _)| m.to_string()).collect(),
                            // Already in percent (METRICS.md `dau_mau`): shown as computed.
                            s.usage_trend.iter().map(|(_, v)| *v).collect(),
                            "DAU/MAU, last six months",
                            Axis::Percent,
                        )
                    };
                let mut table = Table::new(&[
                    ("date", false),
                    (if name == "health" { "score" } else { "DAU/MAU" }, true),
                ]);
                for (l, v) in labels.iter().zip(&values) {
                    let shown = match (name, v) {
                        (_, None) => format::MISSING.to_string(),
                        ("health", Some(v)) => format!("{v:.0}"),
                        (_, Some(v)) => format::percent(*v),
                    };
                    table.rows.push(vec![text(l.clone()), num(shown, *v)]);
                }
                let desc = format!(
                    "{title}: {} points, the latest {}.",
                    labels.len(),
                    table
                        .rows
                        .last()
                        .and_then(|r| r.get(1))
                        .map_or(format::MISSING.to_string(), |c| c.text.clone())
                );
                let chart = one_series(kind, labels, title, values, axis);
                Ok((chart, title.into(), desc, table))
            }
            other => Err(format!("unknown chart data '{other}'")),
        }
    }

    fn snapshot(&self, page: &Page) -> Result<Block, String> {
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
            item("ARR", self.money(s.arr)),
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
                value: match (s.health, s.band) {
                    (Some(h), Some(b)) => format!("{h:.0} ({})", b.name()),
                    _ => format::MISSING.into(),
                },
                href: None,
                status: Some(band_status(s.band)),
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
                    "{} in {} days, {} ({})",
                    r.due_on,
                    r.days,
                    self.money(r.arr),
                    stage_label(r.stage, r.stalled)
                ),
                href: None,
                status: None,
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
        Ok(Block::Snapshot {
            facts: items,
            risks: Some(s.risk_factors.iter().map(|f| f.name()).collect()),
        })
    }

    /// A CSM page's lead: the book's ARR, health mix, renewals due in 30 and 90 days and open
    /// tasks, all from the engine's book summary.
    fn book_summary(&self, csm: CsmIx) -> Block {
        let s = self.facts.book(csm).summary;
        let item = |label, value: String, status| Fact {
            label,
            value,
            href: None,
            status,
        };
        let due = |d: views::DueRenewals| {
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

/// The metrics `changes()` looks at.
const HEADLINE: &[&str] = &[
    "arr",
    "nrr",
    "grr",
    "logo_churn_rate",
    "expansion_rate",
    "new_mrr",
    "churned_mrr",
    "nps",
    "renewal_rate",
    "ltv",
];

/// Whether a move is good news for a metric with this direction: "good", "bad" or "neutral".
fn movement(better: crate::metrics::catalog::Direction, moved: std::cmp::Ordering) -> &'static str {
    use crate::metrics::catalog::Direction;
    use std::cmp::Ordering::{Greater, Less};
    match (better, moved) {
        (Direction::HigherIsBetter, Greater) | (Direction::LowerIsBetter, Less) => "good",
        (Direction::HigherIsBetter, Less) | (Direction::LowerIsBetter, Greater) => "bad",
        _ => "neutral",
    }
}

/// A period's id for chart axes: trailing-twelve-month periods by their last month.
fn short_id(p: &Period) -> String {
    if p.kind == PeriodKind::Ttm {
        p.months().1.to_string()
    } else {
        p.id.clone()
    }
}

/// Open renewals per stage as bars of ARR in stage order, each stage's count in its label, with
/// the table and the description: the stages are groups, not steps of a conversion, so no
/// funnel.
fn renewal_stages_figure(
    stages: &[renewals::StageTotal],
    currency: &str,
) -> (Chart, String, String, Table) {
    let name = |s: RenewalStage| s.name().replace('_', " ");
    let count = |t: &renewals::StageTotal| format::count(t.count as f64);
    let money = |t: &renewals::StageTotal| format::money(t.arr.to_f64(), currency);
    let mut table = Table::new(&[("stage", false), ("renewals", true), ("ARR", true)]);
    table.sortable = false;
    for t in stages {
        table.rows.push(vec![
            text(name(t.stage)),
            num(count(t), Some(t.count as f64)),
            num(money(t), Some(t.arr.to_f64())),
        ]);
    }
    let desc = format!(
        "Open renewals due in the next 90 days by stage (count, ARR): {}.",
        stages
            .iter()
            .map(|t| format!("{} {} ({})", name(t.stage), count(t), money(t)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let chart = Chart::Bar {
        labels: stages
            .iter()
            .map(|t| format!("{} ({})", name(t.stage), count(t)))
            .collect(),
        series: vec![Series {
            name: "ARR".into(),
            // An empty stage has no bar; no renewals at all is "no data", not a row of zeros.
            values: stages
                .iter()
                .map(|t| (t.count > 0).then(|| t.arr.to_f64()))
                .collect(),
            tone: Tone::Accent(0),
        }],
        stacked: false,
        axis: Axis::Money {
            currency: currency.to_string(),
        },
    };
    (chart, "Renewal stages, next 90 days".into(), desc, table)
}

/// A closed renewal's outcome in a word: "renewed" (closed won) or "lost" (closed lost).
fn closed_outcome(stage: RenewalStage) -> &'static str {
    if stage == RenewalStage::ClosedLost {
        "lost"
    } else {
        "renewed"
    }
}

fn stage_label(stage: RenewalStage, stalled: bool) -> String {
    let name = stage.name().replace('_', " ");
    if stalled {
        format!("{name}, stalled")
    } else {
        name
    }
}

fn kind_noun(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Week => "week",
        PeriodKind::Month | PeriodKind::Ttm => "month",
        PeriodKind::Quarter => "quarter",
        PeriodKind::Year => "year",
    }
}

/// A column key's header text.
fn column_label(key: &str) -> &str {
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
        other => other,
    }
}

fn is_numeric(key: &str) -> bool {
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
            | "status"
            | "action"
            | "bucket"
            | "line"
            | "reason"
            | "date"
            | "type"
            | "opened"
            | "priority"
    )
}

/// The theme file `table_html` stands in for.
pub const TABLE_TEMPLATE: &str = "templates/components/table.html";

/// A table exactly as the default theme's `components/table.html` renders it (a test compares
/// the two on tables with every kind of cell), written directly: values escaped as Tera's
/// autoescape does.
pub fn table_html(table: &Table) -> String {
    use std::fmt::Write;
    let esc = tera::escape_html;
    let mut out = String::with_capacity(256 + table.rows.len() * table.columns.len() * 48);
    out.push_str("<div class=\"table-wrap\">\n<table class=\"data");
    if table.sortable {
        out.push_str(" sortable");
    }
    out.push_str("\">\n");
    if let Some(caption) = table.caption.as_deref().filter(|c| !c.is_empty()) {
        let _ = write!(out, "<caption>{}</caption>", esc(caption));
    }
    out.push_str("\n<thead><tr>");
    for c in &table.columns {
        out.push_str("<th scope=\"col\"");
        if c.numeric {
            out.push_str(" class=\"num\"");
        }
        let _ = write!(out, ">{}</th>", esc(&c.label));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            out.push_str(if i == 0 { "<th scope=\"row\"" } else { "<td" });
            if let Some(class) = cell.class.as_deref().filter(|c| !c.is_empty()) {
                let _ = write!(out, " class=\"{}\"", esc(class));
            }
            if let Some(sort) = cell.sort.as_deref().filter(|c| !c.is_empty()) {
                let _ = write!(out, " data-sort=\"{}\"", esc(sort));
            }
            out.push('>');
            match cell.href.as_deref().filter(|c| !c.is_empty()) {
                Some(href) => {
                    let _ = write!(out, "<a href=\"{}\">{}</a>", esc(href), esc(&cell.text));
                }
                None => out.push_str(&esc(&cell.text)),
            }
            out.push_str(if i == 0 { "</th>" } else { "</td>" });
        }
        out.push_str("</tr>\n");
    }
    if table.rows.is_empty() {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"{}\" class=\"empty\">Nothing to show for this period.</td></tr>",
            table.columns.len()
        );
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_guarded_against_formulas() {
        assert_eq!(csv_field("Acme", true), "Acme");
        assert_eq!(csv_field("Acme, Inc.", true), "\"Acme, Inc.\"");
        assert_eq!(csv_field("say \"hi\"", true), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines", true), "\"two\nlines\"");
        assert_eq!(
            csv_field("=HYPERLINK(\"http://x\",\"y\")", true),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""
        );
        assert_eq!(csv_field("+1", true), "'+1");
        assert_eq!(csv_field("-2", true), "'-2");
        assert_eq!(csv_field("@SUM(A1)", true), "'@SUM(A1)");
        assert_eq!(csv_field("-2", false), "-2");
    }

    #[test]
    fn table_csv_writes_exact_money_and_percents() {
        let mut t = Table::new(&[("Account", false), ("ARR", true), ("NRR", true)]);
        t.rows.push(vec![
            text("=cmd|' /C calc'!A0"),
            num("$1,235", Some(1234.5)),
            num("99.6%", Some(99.56688672209485)),
        ]);
        t.rows.push(vec![
            text("Beta, Ltd"),
            num("-$12", Some(-12.0)),
            num(format::MISSING, None),
        ]);
        t.rows.push(vec![
            text("Zero"),
            num("$0", Some(-0.0)),
            num("0.0%", Some(-0.0)),
        ]);
        assert_eq!(
            table_csv(&t, "USD"),
            "Account,ARR,NRR\r\n\
             '=cmd|' /C calc'!A0,1234.50,99.5668867221\r\n\
             \"Beta, Ltd\",-12.00,\r\n\
             Zero,0.00,0\r\n"
        );
        // Another currency's symbol marks money too.
        let mut e = Table::new(&[("ARR", true)]);
        e.rows.push(vec![num("€1,000", Some(1000.0))]);
        assert_eq!(table_csv(&e, "EUR"), "ARR\r\n1000.00\r\n");
    }

    #[test]
    fn renewal_stages_are_bars_of_arr_with_counts_in_stage_order() {
        use crate::data::Money;
        let total = |stage, count, cents| renewals::StageTotal {
            stage,
            count,
            arr: Money(cents),
        };
        let stages = [
            total(RenewalStage::NotEngaged, 12, 15_000_000),
            total(RenewalStage::InitialDiscussion, 3, 4_000_000),
            total(RenewalStage::ProposalSent, 0, 0),
            total(RenewalStage::Negotiation, 1, 950_050),
        ];
        let (chart, title, desc, table) = renewal_stages_figure(&stages, "USD");
        assert_eq!(title, "Renewal stages, next 90 days");
        assert!(matches!(chart, Chart::Bar { stacked: false, .. }));
        let svg = charts::svg(&chart, "s", &title, &desc);
        // Stage order, the count beside each name; ARR over the bars; no funnel shares.
        let at = |label: &str| svg.find(&format!(">{label}</text>"));
        let order: Vec<Option<usize>> = [
            "not engaged (12)",
            "initial discussion (3)",
            "proposal sent (0)",
            "negotiation (1)",
        ]
        .iter()
        .map(|l| at(l))
        .collect();
        assert!(order.iter().all(Option::is_some), "{svg}");
        assert!(order.windows(2).all(|w| w[0] < w[1]));
        assert!(svg.contains(">$150K</text>") && svg.contains(">$40K</text>"));
        assert!(!svg.contains("%)</text>"));
        // Three bars (the empty stage has none) in the accent colour.
        let accent = format!("fill=\"{}\"", Tone::Accent(0).hex().to_uppercase());
        assert_eq!(svg.matches(&accent).count(), 3);
        assert_eq!(
            desc,
            "Open renewals due in the next 90 days by stage (count, ARR): not engaged 12 ($150,000), initial discussion 3 ($40,000), proposal sent 0 ($0), negotiation 1 ($9,501)."
        );
        assert_eq!(table.rows[3][1].text, "1");
        assert_eq!(table.rows[3][2].text, "$9,501");
        let none = stages.map(|t| renewals::StageTotal {
            count: 0,
            arr: Money(0),
            ..t
        });
        let (chart, ..) = renewal_stages_figure(&none, "USD");
        assert!(charts::svg(&chart, "n", "t", "d").contains(charts::NO_DATA));
    }

    #[test]
    fn escapes_every_html_special_character() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    /// A table as the default theme's template renders it, through Tera.
    fn through_template(table: &Table) -> String {
        let mut tera = tera::Tera::default();
        super::super::theme::guard::secure(&mut tera);
        let template = super::super::theme::DEFAULT
            .get_file(TABLE_TEMPLATE)
            .and_then(|f| f.contents_utf8())
            .expect("the default table template");
        tera.add_raw_template("table.html", template)
            .expect("parses");
        tera.autoescape_on(vec![".html"]);
        let mut ctx = tera::Context::new();
        ctx.insert("caption", &table.caption);
        ctx.insert("columns", &table.columns);
        ctx.insert("rows", &table.rows);
        ctx.insert("sortable", &table.sortable);
        tera.render("table.html", &ctx).expect("renders")
    }

    #[test]
    fn native_tables_match_the_default_template() {
        let cell =
            |text: &str, href: Option<&str>, class: Option<&str>, sort: Option<&str>| TableCell {
                text: text.into(),
                href: href.map(Into::into),
                class: class.map(Into::into),
                sort: sort.map(Into::into),
            };
        let mut full = Table::new(&[("account <&>", false), ("ARR", true), ("note", false)]);
        full.caption = Some("Top \"accounts\" / 'all'".into());
        full.rows = vec![
            vec![
                cell("Acme & Co", Some("../accounts/a&b.html"), None, None),
                cell("$1.2M", None, Some("num status-good"), Some("1200000")),
                cell("<script>alert('x')</script>", None, Some(""), Some("")),
            ],
            vec![
                cell("", Some(""), None, None),
                cell("—", None, Some("num"), None),
                cell("a/b", None, None, Some("2026-01-01")),
            ],
        ];
        let mut plain = Table::new(&[("step", false), ("MRR", true)]);
        plain.sortable = false;
        plain.caption = Some(String::new());
        let empty = Table::new(&[("a", false), ("b", true), ("c", true)]);
        for table in [&full, &plain, &empty] {
            assert_eq!(table_html(table), through_template(table));
        }
    }
}
