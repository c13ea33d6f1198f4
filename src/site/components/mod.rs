//! Renders checked report components (`crate::report::component::Component`) for one page in
//! two steps: [`Renderer::build`] makes the component's neutral value (`crate::render::block`:
//! KPI tiles, inline values, charts with their data tables, tables with drill-down links, "what
//! changed", the account snapshot and the tracked actions), which [`Renderer::html`] turns into HTML through the
//! theme's component templates (every value escaped by Tera) and `crate::render::typst` into
//! Typst for the PDFs. Numbers come from `Facts` (the metric engine's results); this module
//! chooses, formats and links them.

use super::facts::{Entity, Facts};
use super::links::Links;
use crate::data::{AccountIx, CsmIx, Money, RenewalStage};
use crate::metrics::basis::{self, Basis, Judgement};
use crate::metrics::catalog::{MetricDef, Unit};
use crate::metrics::health::{self, HealthBand};
use crate::metrics::scores::Scoreboard;
use crate::metrics::status::Status;
use crate::metrics::views::{self, AccountSnapshot, Lifecycle};
use crate::metrics::{Scope, Value, breakdown, cohorts, experience, operations, renewals, revenue};
use crate::period::{Month, Period, PeriodKind};
use crate::render::block::{
    Block, Change, Chip, Column, Fact, Figure, Table, TableCell, TableNote, Tile,
};
use crate::render::charts::{self, Axis, Chart, Point, Series, Step, Tone};
use crate::render::format;
use crate::report::component::{ChartType, Component, DataSource, Source, TableKind};
use chrono::Days;
use std::cell::Cell;

mod attention;
mod chart;
mod cohort;
mod csv;
mod economics;
mod html;
mod kpis;
mod leading;
mod snapshot;
mod survival;
mod table;
mod tracked_actions;

pub(crate) use csv::table_csv;
use html::basis_attributes;
pub use html::{TABLE_TEMPLATE, escape, table_html};
use table::*;

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
    /// The "Download CSV" link under `table`, the page's next table. On a report or index
    /// page the CSV is a file beside the page (`monthly/2026-10.table-1.csv`), registered for
    /// the build's output writer. On an account or CSM page (tens of thousands of them, each
    /// table a few hundred bytes) it travels inside the page as a `data:` link with the same
    /// file name, so a large site does not create seven files per account.
    pub(crate) fn download(&self, table: &Table, currency: &str) -> String {
        let n = self.tables.get() + 1;
        self.tables.set(n);
        let stem = self.path.strip_suffix(".html").unwrap_or(&self.path);
        let file = format!("{stem}.table-{n}.csv");
        let name = file.rsplit('/').next().unwrap_or(&file).to_string();
        let csv = table_csv(table, currency);
        let link = match self.entity {
            Entity::Account(_) | Entity::Csm(_) => {
                format!(
                    "href=\"{}\" download=\"{}\"",
                    csv::data_url(&csv),
                    escape(&name)
                )
            }
            Entity::All | Entity::Segment(_) => {
                self.downloads
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((file, csv.into_bytes()));
                format!("href=\"{}\" download", escape(&name))
            }
        };
        format!("<p class=\"download\"><a {link}>Download CSV</a></p>\n")
    }
}

pub(crate) fn text(t: impl Into<String>) -> TableCell {
    TableCell {
        text: t.into(),
        ..TableCell::default()
    }
}

pub(crate) fn num(t: impl Into<String>, sort: Option<f64>) -> TableCell {
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

/// The CSS and JSON name of a status: `good`, `warning`, `bad`, `missing`, `neutral`.
pub(crate) fn status_name(s: Status) -> &'static str {
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

pub(crate) fn band_status(b: Option<HealthBand>) -> &'static str {
    match b {
        Some(HealthBand::Green) => "good",
        Some(HealthBand::Yellow) => "warning",
        Some(HealthBand::Red) => "bad",
        None => "missing",
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

    /// The status of `def`'s value `v` over `period`, judged only by a target or bands on the
    /// value's basis (a month's NRR is not judged by the annual 110 % target).
    fn judge(&self, def: &MetricDef, v: Value, period: &Period) -> Judgement {
        let b = Basis::of(def, period);
        basis::judge(def, v, b, self.facts.ctx.config.target(def.id, b))
    }

    /// `def`'s value over an earlier `period`, to compare with: none for a snapshot metric,
    /// which the engine computes only as of the as-of date (`format::NO_HISTORY`).
    fn earlier(&self, page: &Page, def: &MetricDef, period: &Period) -> Value {
        if def.is_snapshot() {
            None
        } else {
            self.facts.value(&page.entity, period, def.id)
        }
    }

    /// A metric's name with the basis of its values over `period`: "Net revenue retention
    /// (month)"; the bare name for a metric that is not a rate over a window.
    fn named(&self, def: &MetricDef, period: &Period) -> String {
        basis::named(def, Basis::of(def, period))
    }

    /// A numeric cell of a value judged as `j`: its status class, the bases of the value and of
    /// what judged it as data attributes, and why it has no status as a tooltip.
    fn judged_cell(&self, def: &MetricDef, v: Value, j: &Judgement) -> TableCell {
        TableCell {
            class: Some(format!("num status-{}", status_name(j.status))),
            basis: j.basis.map(Basis::key),
            judged_on: j.judged_on,
            title: j.why_neutral.clone(),
            ..num(self.fmt(def, v), v)
        }
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
        ctx.insert("svg", &figure.html);
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
            } => Block::Figure(Box::new(self.chart(
                page,
                *kind,
                source,
                *periods,
                title.as_deref(),
            )?)),
            Component::Table {
                of,
                columns,
                metrics,
                by,
                limit,
            } => Block::Table(self.table(page, *of, columns, metrics, by.as_deref(), *limit)?),
            Component::Changes(count) => Block::Changes(self.changes(page, *count)),
            Component::Snapshot => self.snapshot(page)?,
            Component::Attention { limit, changes } => self.attention(page, *limit, *changes),
            Component::TrackedActions { show, limit } => {
                Block::Table(self.tracked_actions(page, *show, *limit))
            }
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
                basis,
                judged_on,
            } => Ok(format!(
                "<a class=\"value status-{status}\" href=\"{}\" title=\"{}\"{}>{}</a>",
                escape(href),
                escape(title),
                basis_attributes(*basis, *judged_on),
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
            Block::Attention(a) => {
                ctx.insert("as_of", &a.as_of);
                ctx.insert("windows", &a.windows);
                ctx.insert("caption", &a.risks_caption);
                ctx.insert("risks", &a.risks);
                ctx.insert("actions_note", &a.actions_note);
                ctx.insert("changes", &a.changes);
                self.template("components/attention.html", &ctx)
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
        ctx.insert("notes", &table.notes);
        self.template("components/table.html", &ctx)
    }
}

/// The period's own figure beside a TTM headline: "this month", "this quarter"; a week's rates
/// are those of the month containing its last day.
fn this_period(period: &Period) -> String {
    match period.kind {
        PeriodKind::Quarter => "this quarter".into(),
        PeriodKind::Week => period.end.format("%B %Y").to_string(),
        _ => "this month".into(),
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

#[cfg(test)]
mod tests {
    use super::chart::renewal_stages_figure;
    use super::csv::csv_field;
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
        ctx.insert("notes", &table.notes);
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
                ..TableCell::default()
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
            vec![
                cell("NRR", None, None, None),
                TableCell {
                    basis: Some("month"),
                    title: Some("no month target: \"annual\" & TTM".into()),
                    ..cell("99.6%", None, Some("num status-neutral"), Some("99.6"))
                },
                TableCell {
                    basis: Some("ttm"),
                    judged_on: Some("annual"),
                    ..cell("101.6%", None, Some("num status-good"), None)
                },
            ],
        ];
        full.rows[1][2].chips = vec![
            Chip {
                text: "renewal due <today>".into(),
                kind: "bad",
            },
            Chip {
                text: "Call 'Ann' & co (due 2026-11-03)".into(),
                kind: "task",
            },
        ];
        full.notes = vec![
            TableNote {
                text: "Showing 2 of 7 accounts".into(),
                link: Some((
                    "all <accounts>".into(),
                    "../accounts/index.html?a=1&b=2".into(),
                )),
            },
            TableNote {
                text: "LTV's lifetime is capped at 5 years".into(),
                link: None,
            },
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
