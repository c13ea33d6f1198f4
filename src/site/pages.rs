//! The page plan and page rendering. Every page is a `Job`; `render_all` renders jobs in
//! parallel. A report page renders in three passes: Tera evaluates the body (variables, loops,
//! and component calls, which leave a placeholder holding their arguments), pulldown-cmark turns
//! the Markdown into HTML, and each placeholder is replaced by its component's HTML. A report's
//! PDF source takes the same first pass, then `crate::render::typst` turns the Markdown and the
//! components' values into Typst.

use super::Project;
use super::components::{Page, Renderer, TABLE_TEMPLATE, escape};
use super::facts::{Entity, Facts};
use super::links::{Links, file_id};
use crate::diagnostic::Diagnostic;
use crate::metrics::catalog::{self, MetricDef};
use crate::metrics::{Context, status};
use crate::period::{Period, PeriodKind};
use crate::render::block::{Block, Column, Table, TableCell};
use crate::render::typst;
use crate::report::component::{self, Component, Source};
use crate::report::{Layout, Paper};
use crate::report::{Per, Report};
use chrono::NaiveDate;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value as Json;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The Tera template name of a report body.
fn body_template(slug: &str) -> String {
    format!("reports/{slug}.md.html")
}

/// Tera with the theme's templates, every report body, and the component functions.
pub fn tera(project: &Project) -> Result<tera::Tera, Vec<Diagnostic>> {
    let mut tera = project.theme.tera()?;
    for def in component::COMPONENTS {
        let name = def.name;
        tera.register_function(name, move |args: &HashMap<String, Json>| {
            let sorted: BTreeMap<&String, &Json> = args.iter().collect();
            let payload = serde_json::json!([name, sorted]).to_string();
            Ok(Json::String(placeholder(&payload)))
        });
    }
    let mut problems = Vec::new();
    for r in &project.reports {
        if let Err(e) = tera.add_raw_template(&body_template(&r.slug), &r.body) {
            problems.push(r.template_problem(&e));
        }
    }
    if problems.is_empty() {
        Ok(tera)
    } else {
        Err(problems)
    }
}

fn placeholder(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() * 2 + 2);
    out.push(OPEN);
    for b in payload.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out.push(CLOSE);
    out
}

/// A decoded placeholder: the component's name and its evaluated arguments.
type Decoded = (String, Vec<(String, Option<Json>)>);

fn decode(hex: &str) -> Option<Decoded> {
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    let value: Json = serde_json::from_slice(&bytes?).ok()?;
    let name = value.get(0)?.as_str()?.to_string();
    let args = value
        .get(1)?
        .as_object()?
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    Some((name, args))
}

/// What `Site::render_all` wrote.
#[derive(Debug)]
pub struct Rendered {
    pub pages: usize,
    pub bytes: u64,
    /// Per report slug (in project order), then "catalog pages" (the metric pages, the
    /// Definitions and the data-quality page): pages rendered and the time spent rendering them,
    /// summed over threads.
    pub reports: Vec<(String, (usize, Duration))>,
}

/// One page to render.
#[derive(Debug, Clone)]
pub enum Job {
    /// A report for a period (and an entity, for `per:` reports).
    Report {
        report: usize,
        period: Period,
        entity: Entity,
        path: String,
    },
    /// The list of issues of a cadence report.
    Archive {
        report: usize,
    },
    /// The list of entities of a `per:` report.
    Entities {
        report: usize,
    },
    Metric(&'static MetricDef),
    Definitions,
    DataQuality,
}

#[derive(Debug, Clone, Serialize)]
struct NavItem {
    title: String,
    href: String,
    current: bool,
}

#[derive(Debug, Clone, Serialize)]
struct LinkItem {
    label: String,
    href: String,
    note: Option<String>,
}

/// Everything page rendering shares.
pub struct Site<'a> {
    project: &'a Project,
    tera: &'a tera::Tera,
    facts: Facts<'a>,
    links: Links,
    as_of: NaiveDate,
    /// Whether PDFs are compiled, so the latest issue of each PDF report links to its PDF.
    pdf: bool,
    /// The segments of the data, sorted (the `segments` variable of report bodies).
    segments: Vec<String>,
    /// The `by` dimensions the data offers.
    dimensions: Vec<String>,
    /// Whether tables are written by `components::table_html` rather than by the theme's
    /// `components/table.html`: when the project does not override that template, whose output
    /// is the same (tables are most of the site's markup, and Tera's loops are slow).
    native_tables: bool,
}

/// The Typst source of one report's PDF and the files it refers to, as site paths.
pub struct PdfSource {
    /// The report file, for error messages: `reports/board.md`.
    pub report: String,
    /// `board/2026-Q3.typ`.
    pub source: String,
    /// `board/2026-Q3.pdf`.
    pub pdf: String,
    /// The source and its chart SVGs (path → bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

impl<'a> Site<'a> {
    /// The site of `project` as of `as_of`; `pdf` says whether PDFs are compiled (for links).
    pub fn new(
        project: &'a Project,
        tera: &'a tera::Tera,
        as_of: NaiveDate,
        pdf: bool,
    ) -> Site<'a> {
        let ctx = Context {
            data: &project.data,
            config: &project.config,
            as_of,
        };
        let mut links = Links::default();
        for r in &project.reports {
            let slot = match r.front.per {
                Some(Per::Account) => &mut links.account,
                Some(Per::Csm) => &mut links.csm,
                Some(Per::Segment) => &mut links.segment,
                None => continue,
            };
            if slot.is_none() {
                *slot = Some(r.slug.clone());
            }
        }
        let mut segments: Vec<String> = project
            .data
            .accounts
            .rows
            .iter()
            .filter_map(|a| a.segment.clone())
            .collect();
        segments.sort_unstable();
        segments.dedup();
        Site {
            project,
            tera,
            facts: Facts::new(ctx),
            links,
            as_of,
            pdf,
            segments,
            dimensions: super::dimensions(&project.data),
            native_tables: project.theme.is_default(TABLE_TEMPLATE),
        }
    }

    fn fiscal(&self) -> u32 {
        self.project.config.fiscal_year_start
    }

    /// The period a report's page shows now.
    fn latest(&self, r: &Report) -> Period {
        Period::latest_complete(r.period_kind(), self.as_of, self.fiscal())
    }

    /// The issues of a report: its latest complete period and the archive before it, newest
    /// first. Standing and per-entity reports have one.
    fn issues(&self, r: &Report) -> Vec<Period> {
        let latest = self.latest(r);
        if r.front.cadence.is_none() {
            return vec![latest];
        }
        let mut all = latest.history(r.front.archive, self.fiscal());
        all.reverse();
        all
    }

    fn report_path(r: &Report, period: &Period) -> String {
        match (r.front.cadence, r.slug.as_str()) {
            (None, "index") => "index.html".into(),
            (None, slug) => format!("{slug}.html"),
            (Some(_), slug) => format!("{slug}/{}.html", period.id),
        }
    }

    /// The entities of a `per:` report, as (entity, id, display name).
    fn entities(&self, per: Per) -> Vec<(Entity, String, String)> {
        let data = &self.project.data;
        match per {
            Per::Account => data
                .accounts
                .rows
                .iter()
                .enumerate()
                .map(|(i, a)| (Entity::Account(i as u32), a.id.clone(), a.name.clone()))
                .collect(),
            Per::Csm => data
                .csms
                .iter()
                .flat_map(|t| t.rows.iter().enumerate())
                .map(|(i, c)| (Entity::Csm(i as u32), c.id.clone(), c.name.clone()))
                .collect(),
            Per::Segment => {
                let mut segments: Vec<String> = data
                    .accounts
                    .rows
                    .iter()
                    .filter_map(|a| a.segment.clone())
                    .collect();
                segments.sort();
                segments.dedup();
                segments
                    .into_iter()
                    .map(|s| (Entity::Segment(s.clone()), s.clone(), s))
                    .collect()
            }
        }
    }

    /// Computes the shared views (account snapshots, the team view of the latest complete
    /// month) in parallel before the pages render.
    pub fn precompute(&self) {
        let month = Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal());
        rayon::join(
            || self.facts.snapshots().len(),
            || self.facts.team(&month).0.len(),
        );
    }

    /// Every page of the site.
    pub fn plan(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (i, r) in self.project.reports.iter().enumerate() {
            if let Some(per) = r.front.per {
                let period = self.latest(r);
                for (entity, id, _) in self.entities(per) {
                    jobs.push(Job::Report {
                        report: i,
                        period: period.clone(),
                        entity,
                        path: format!("{}/{}.html", r.slug, file_id(&id)),
                    });
                }
                jobs.push(Job::Entities { report: i });
                continue;
            }
            for period in self.issues(r) {
                jobs.push(Job::Report {
                    report: i,
                    path: Self::report_path(r, &period),
                    period,
                    entity: Entity::All,
                });
            }
            if r.front.cadence.is_some() {
                jobs.push(Job::Archive { report: i });
            }
        }
        let data = &self.project.data;
        for def in catalog::CATALOG {
            if def.tables.iter().all(|t| data.has_table(t)) {
                jobs.push(Job::Metric(def));
            }
        }
        jobs.push(Job::Definitions);
        jobs.push(Job::DataQuality);
        jobs
    }

    /// Renders every job in parallel, handing each page to `write` (relative path, bytes) as soon
    /// as it is rendered, so the pages are never all held at once. Returns what was written, or
    /// every problem (of rendering or of writing).
    pub fn render_all(
        &self,
        jobs: &[Job],
        progress: bool,
        write: &(dyn Fn(String, Vec<u8>) -> anyhow::Result<()> + Sync),
    ) -> Result<Rendered, Vec<Diagnostic>> {
        let bar = if progress {
            indicatif::ProgressBar::new(jobs.len() as u64).with_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} pages {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            )
        } else {
            indicatif::ProgressBar::hidden()
        };
        let nav = self.nav();
        // Pages differ in cost by four orders of magnitude (a cadence report against an account
        // page), so the list is cut into small pieces that an idle thread can always take:
        // rayon's adaptive split alone left one core idle for most of a large build.
        let results: Vec<Result<(usize, u64, Duration), Diagnostic>> = jobs
            .par_iter()
            .with_max_len(8)
            .map(|job| {
                let started = Instant::now();
                let (path, html) = self.render(job, &nav)?;
                let bytes = html.len() as u64;
                write(path.clone(), html.into_bytes())
                    .map_err(|e| Diagnostic::file_error(path, format!("{e:#}")))?;
                bar.inc(1);
                Ok((self.kind(job), bytes, started.elapsed()))
            })
            .collect();
        bar.finish_and_clear();
        let mut rendered = Rendered {
            pages: 0,
            bytes: 0,
            reports: self
                .project
                .reports
                .iter()
                .map(|r| r.slug.clone())
                .chain(["catalog pages".to_string()])
                .map(|name| (name, (0, Duration::ZERO)))
                .collect(),
        };
        let mut problems = Vec::new();
        for r in results {
            match r {
                Ok((kind, bytes, took)) => {
                    rendered.pages += 1;
                    rendered.bytes += bytes;
                    let (pages, time) = &mut rendered.reports[kind].1;
                    *pages += 1;
                    *time += took;
                }
                Err(d) => problems.push(d),
            }
        }
        if problems.is_empty() {
            Ok(rendered)
        } else {
            Err(problems)
        }
    }

    /// Which line of `Rendered::reports` a job counts in: its report, or the last line (metric,
    /// definitions and data-quality pages).
    fn kind(&self, job: &Job) -> usize {
        match job {
            Job::Report { report, .. } | Job::Archive { report } | Job::Entities { report } => {
                *report
            }
            Job::Metric(_) | Job::Definitions | Job::DataQuality => self.project.reports.len(),
        }
    }

    /// The theme's static files, under `assets/`.
    pub fn static_files(&self) -> Vec<(String, Vec<u8>)> {
        self.project
            .theme
            .under("static")
            .map(|(p, b)| (format!("assets/{p}"), b.to_vec()))
            .collect()
    }

    fn nav(&self) -> Vec<NavItem> {
        let mut reports: Vec<&Report> = self
            .project
            .reports
            .iter()
            .filter(|r| r.front.nav && r.has_output(crate::report::Output::Html))
            .collect();
        reports.sort_by(|a, b| a.front.order.cmp(&b.front.order).then(a.slug.cmp(&b.slug)));
        let mut items: Vec<NavItem> = reports
            .iter()
            .map(|r| NavItem {
                title: r.front.title.clone(),
                href: if r.front.per.is_some() {
                    format!("{}/index.html", r.slug)
                } else {
                    Self::report_path(r, &self.latest(r))
                },
                current: false,
            })
            .collect();
        items.push(NavItem {
            title: "Definitions".into(),
            href: "definitions.html".into(),
            current: false,
        });
        items
    }

    fn base_context(&self, nav: &[NavItem], path: &str, title: &str) -> tera::Context {
        let depth = path.matches('/').count();
        let root = "../".repeat(depth);
        let section = path.split('/').next().unwrap_or(path);
        let nav: Vec<NavItem> = nav
            .iter()
            .map(|n| NavItem {
                current: n.href == path
                    || (n.href.contains('/') && n.href.split('/').next() == Some(section)),
                ..n.clone()
            })
            .collect();
        let mut ctx = tera::Context::new();
        ctx.insert("root", &root);
        ctx.insert("nav", &nav);
        ctx.insert("title", title);
        ctx.insert("project", &self.project.config.name);
        ctx.insert("as_of", &self.as_of.to_string());
        ctx
    }

    fn renderer(&self) -> Renderer<'_, 'a> {
        Renderer {
            facts: &self.facts,
            tera: self.tera,
            currency: &self.project.config.currency,
            native_tables: self.native_tables,
        }
    }

    fn page<'p>(&'p self, path: &str, period: Period, entity: Entity) -> Page<'p> {
        Page {
            root: "../".repeat(path.matches('/').count()),
            period,
            entity,
            charts: Cell::new(0),
            links: &self.links,
        }
    }

    fn template(&self, name: &str, ctx: &tera::Context, file: &str) -> Result<String, Diagnostic> {
        self.tera
            .render(name, ctx)
            .map_err(|e| Diagnostic::file_error(file, super::theme::tera_error(&e)))
    }

    fn render(&self, job: &Job, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        match job {
            Job::Report {
                report,
                period,
                entity,
                path,
            } => {
                let r = &self.project.reports[*report];
                self.report_page(r, period, entity, path, nav)
                    .map(|h| (path.clone(), h))
            }
            Job::Archive { report } => {
                let r = &self.project.reports[*report];
                let path = format!("{}/index.html", r.slug);
                let issues: Vec<LinkItem> = self
                    .issues(r)
                    .iter()
                    .map(|p| LinkItem {
                        label: p.label(),
                        href: format!("{}.html", p.id),
                        note: None,
                    })
                    .collect();
                let mut ctx = self.base_context(nav, &path, &r.front.title);
                ctx.insert("heading", &format!("{}: all issues", r.front.title));
                ctx.insert("description", &r.front.description);
                ctx.insert("issues", &issues);
                self.template(
                    "archive.html",
                    &ctx,
                    "themes/default/templates/archive.html",
                )
                .map(|h| (path, h))
            }
            Job::Entities { report } => {
                let r = &self.project.reports[*report];
                let path = format!("{}/index.html", r.slug);
                let per = r.front.per.unwrap_or(Per::Account);
                let mut items: Vec<LinkItem> = self
                    .entities(per)
                    .into_iter()
                    .map(|(_, id, name)| LinkItem {
                        href: format!("{}.html", file_id(&id)),
                        note: (name != id).then(|| id.clone()),
                        label: name,
                    })
                    .collect();
                items.sort_by(|a, b| a.label.cmp(&b.label).then(a.href.cmp(&b.href)));
                let mut ctx = self.base_context(nav, &path, &r.front.title);
                ctx.insert("heading", &r.front.title);
                ctx.insert("description", &r.front.description);
                ctx.insert("items", &items);
                self.template(
                    "index_list.html",
                    &ctx,
                    "themes/default/templates/index_list.html",
                )
                .map(|h| (path, h))
            }
            Job::Metric(def) => self.metric_page(def, nav),
            Job::Definitions => self.definitions_page(nav),
            Job::DataQuality => self.data_quality_page(nav),
        }
    }

    fn entity_name(&self, entity: &Entity) -> Option<String> {
        let data = &self.project.data;
        match entity {
            Entity::All => None,
            Entity::Csm(c) => data
                .csms
                .as_ref()
                .and_then(|t| t.rows.get(*c as usize))
                .map(|c| c.name.clone()),
            Entity::Segment(s) => Some(s.clone()),
            Entity::Account(a) => data.accounts.rows.get(*a as usize).map(|a| a.name.clone()),
        }
    }

    fn report_page(
        &self,
        r: &Report,
        period: &Period,
        entity: &Entity,
        path: &str,
        nav: &[NavItem],
    ) -> Result<String, Diagnostic> {
        let page = self.page(path, period.clone(), entity.clone());
        let body = self.report_body(r, &page)?;
        let entity_name = self.entity_name(entity);
        let heading = match &entity_name {
            Some(n) => format!("{}: {n}", r.front.title),
            None => r.front.title.clone(),
        };
        let mut ctx = self.base_context(nav, path, &heading);
        ctx.insert("heading", &heading);
        ctx.insert(
            "period_label",
            &match r.front.per {
                Some(_) => format!("As of {}", self.as_of),
                None => period.label(),
            },
        );
        ctx.insert("audience", &r.front.audience);
        ctx.insert("description", &r.front.description);
        ctx.insert("body", &body);
        let pdf = (self.pdf && self.gets_pdf(r) && period.id == self.latest(r).id).then(|| {
            format!(
                "{}.pdf",
                path.rsplit('/')
                    .next()
                    .unwrap_or(path)
                    .trim_end_matches(".html")
            )
        });
        ctx.insert("pdf", &pdf);
        if r.front.cadence.is_some() {
            let issues = self.issues(r);
            let at = issues.iter().position(|p| p.id == period.id);
            let item = |p: &Period| serde_json::json!({"label": p.label(), "href": format!("{}.html", p.id)});
            ctx.insert(
                "archive",
                &serde_json::json!({
                    "index": "index.html",
                    "previous": at.and_then(|i| issues.get(i + 1)).map(item),
                    "next": at.and_then(|i| i.checked_sub(1)).and_then(|i| issues.get(i)).map(item),
                }),
            );
        }
        self.template("report.html", &ctx, &r.file)
    }

    /// The Markdown body of a report for one page: its Tera template evaluated, with component
    /// calls left as placeholders.
    fn body_text(&self, r: &Report, page: &Page) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert("project", &self.project.config.name);
        ctx.insert("as_of", &self.as_of.to_string());
        ctx.insert(
            "period",
            &serde_json::json!({"id": page.period.id, "label": page.period.label(),
                "start": page.period.start.to_string(), "end": page.period.end.to_string()}),
        );
        let entity = match &page.entity {
            Entity::All => Json::Null,
            e => serde_json::json!({"name": self.entity_name(e), "kind": match e {
                Entity::Csm(_) => "csm", Entity::Segment(_) => "segment", _ => "account" }}),
        };
        ctx.insert("entity", &entity);
        ctx.insert("segments", &self.segments);
        self.tera
            .render(&body_template(&r.slug), &ctx)
            .map_err(|e| r.template_problem(&e))
    }

    /// The body of a report for one page as HTML: Tera, then Markdown, then components.
    fn report_body(&self, r: &Report, page: &Page) -> Result<String, Diagnostic> {
        let html = markdown(&self.body_text(r, page)?);
        self.substitute(&html, r, page)
    }

    /// The neutral value of the component in a placeholder.
    fn component(
        &self,
        hex: &str,
        r: &Report,
        page: &Page,
        dims: &[&str],
    ) -> Result<Block, Diagnostic> {
        let (name, args) = decode(hex).ok_or_else(|| {
            Diagnostic::file_error(
                &r.file,
                "a component placeholder was altered by the template",
            )
        })?;
        let component = component::check(&name, &args, dims).map_err(|problems| {
            let text: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
            Diagnostic::file_error(&r.file, format!("in {name}(): {}", text.join("; ")))
        })?;
        self.renderer()
            .build(page, &component)
            .map_err(|e| Diagnostic::file_error(&r.file, format!("in {name}(): {e}")))
    }

    /// Whether a report gets a PDF: `pdf` is among its outputs and it has no `per`.
    fn gets_pdf(&self, r: &Report) -> bool {
        r.has_output(crate::report::Output::Pdf) && r.front.per.is_none()
    }

    /// The Typst sources of the PDFs: the latest issue of every PDF report, in parallel.
    pub fn pdf_sources(&self) -> Result<Vec<PdfSource>, Vec<Diagnostic>> {
        let reports: Vec<&Report> = self
            .project
            .reports
            .iter()
            .filter(|r| self.gets_pdf(r))
            .collect();
        let results: Vec<Result<PdfSource, Diagnostic>> = reports
            .par_iter()
            .map(|r| self.pdf_source(r, &self.latest(r)))
            .collect();
        let (ok, problems): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        if problems.is_empty() {
            Ok(ok.into_iter().filter_map(Result::ok).collect())
        } else {
            Err(problems.into_iter().filter_map(Result::err).collect())
        }
    }

    /// The Typst source of one report issue and its chart SVGs.
    fn pdf_source(&self, r: &Report, period: &Period) -> Result<PdfSource, Diagnostic> {
        let html_path = Self::report_path(r, period);
        let base = html_path.trim_end_matches(".html").to_string();
        let page = self.page(&html_path, period.clone(), Entity::All);
        let dims: Vec<&str> = self.dimensions.iter().map(String::as_str).collect();
        let stem = base.rsplit('/').next().unwrap_or(&base).to_string();
        let mut assets = typst::Assets {
            dir: stem.clone(),
            ..typst::Assets::default()
        };
        let body = typst::markdown(&self.body_text(r, &page)?, (OPEN, CLOSE), &mut |hex| {
            self.component(hex, r, &page, &dims)
                .map(|b| typst::block(&b, &mut assets))
        })?;
        let (layout, paper) = (r.front.pdf.layout, r.front.pdf.paper);
        let mut subtitle = period.label();
        if !r.front.audience.is_empty() {
            subtitle.push_str(&format!(" · for {}", r.front.audience));
        }
        let root = "../".repeat(base.matches('/').count());
        let text = format!(
            "// Generated by postsale from {file} ({label}, as of {as_of}); the PDF beside it is\n\
             // compiled from it. To try a change by hand, edit this file and run, in the site folder:\n\
             //   typst compile --root . --font-path {fonts} --ignore-system-fonts {base}.typ\n\
             // The next build overwrites it: keep changes in {file} or the theme's typst/postsale.typ.\n\
             #import \"{root}assets/typst/postsale.typ\": *\n\
             #show: layout-{layout}.with(title: {title}, subtitle: {subtitle}, project: {project}, paper: \"{paper}\")\n\n{body}",
            file = r.file,
            label = period.label(),
            as_of = self.as_of,
            fonts = super::pdf::FONTS_DIR,
            layout = match layout {
                Layout::Onepager => "onepager",
                Layout::Deck => "deck",
                Layout::Document => "document",
            },
            title = typst::string(&r.front.title),
            subtitle = typst::string(&subtitle),
            project = typst::string(&self.project.config.name),
            paper = match paper {
                Paper::A4 => "a4",
                Paper::Letter => "us-letter",
            },
        );
        let mut files = vec![(format!("{base}.typ"), text.into_bytes())];
        let folder = base
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        files.extend(
            assets
                .files
                .into_iter()
                .map(|(p, b)| (format!("{folder}{p}"), b)),
        );
        Ok(PdfSource {
            report: r.file.clone(),
            source: format!("{base}.typ"),
            pdf: format!("{base}.pdf"),
            files,
        })
    }

    /// Replaces each component placeholder with its HTML; a placeholder alone in a paragraph
    /// replaces the paragraph.
    fn substitute(&self, html: &str, r: &Report, page: &Page) -> Result<String, Diagnostic> {
        let dims: Vec<&str> = self.dimensions.iter().map(String::as_str).collect();
        let renderer = self.renderer();
        let mut out = String::with_capacity(html.len() * 2);
        let mut rest = html;
        while let Some(start) = rest.find(OPEN) {
            let Some(len) = rest[start..].find(CLOSE) else {
                break;
            };
            let hex = &rest[start + OPEN.len_utf8()..start + len];
            let after = &rest[start + len + CLOSE.len_utf8()..];
            let html = renderer
                .html(&self.component(hex, r, page, &dims)?)
                .map_err(|e| Diagnostic::file_error(&r.file, e))?;
            let block = rest[..start].ends_with("<p>") && after.starts_with("</p>");
            if block {
                out.push_str(&rest[..start - 3]);
                out.push_str(&html);
                rest = &after[4..];
            } else {
                out.push_str(&rest[..start]);
                out.push_str(&html);
                rest = after;
            }
        }
        out.push_str(rest);
        Ok(out)
    }

    fn metric_page(
        &self,
        def: &'static MetricDef,
        nav: &[NavItem],
    ) -> Result<(String, String), Diagnostic> {
        let path = format!("metrics/{}.html", def.id);
        let period = Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal());
        let page = self.page(&path, period.clone(), Entity::All);
        let renderer = self.renderer();
        let file = "the metric catalog";
        let err = |e: String| Diagnostic::file_error(file, format!("metric page {}: {e}", def.id));
        let mut body = String::new();
        body.push_str(
            &renderer
                .render(&page, &Component::Kpis(vec![def]))
                .map_err(err)?,
        );
        body.push_str("<h2>History</h2>\n");
        body.push_str(
            &renderer
                .render(
                    &page,
                    &Component::Chart {
                        kind: "line",
                        source: Source::Metrics(vec![def]),
                        periods: 24,
                        title: Some(format!("{} by month, last 24 months", def.name)),
                    },
                )
                .map_err(err)?,
        );
        let account_based = def.tables.iter().any(|t| *t != "csms");
        if account_based {
            body.push_str(&format!(
                "<h2>Breakdowns, {}</h2>\n",
                escape(&period.label())
            ));
            for dim in ["segment", "acv_band", "cohort", "region"] {
                if !self.dimensions.iter().any(|d| d == dim) {
                    continue;
                }
                body.push_str(&format!("<h3>By {}</h3>\n", escape(&dim.replace('_', " "))));
                body.push_str(
                    &renderer
                        .render(
                            &page,
                            &Component::Table {
                                of: "breakdown",
                                columns: Vec::new(),
                                metrics: vec![def],
                                by: Some(dim.to_string()),
                                limit: None,
                            },
                        )
                        .map_err(err)?,
                );
            }
        }
        let bands: Vec<serde_json::Value> = def
            .bands
            .iter()
            .map(|b| serde_json::json!({"label": b.label, "status": status_class(b.status)}))
            .collect();
        let target =
            self.project.config.targets.get(def.id).map(|t| {
                crate::render::format::value(def, Some(*t), &self.project.config.currency)
            });
        let mut ctx = self.base_context(nav, &path, def.name);
        ctx.insert(
            "metric",
            &serde_json::json!({
                "id": def.id, "name": def.name, "section": def.section.name(), "unit": def.unit.name(),
                "direction": def.direction.name(), "formula": def.formula, "bands": bands,
                "target": target, "tables": def.tables.iter().map(|t| format!("{t}.csv")).collect::<Vec<_>>().join(", "),
            }),
        );
        ctx.insert("body", &body);
        self.template("metric.html", &ctx, file).map(|h| (path, h))
    }

    fn definitions_page(&self, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = "definitions.html".to_string();
        let mut sections: Vec<serde_json::Value> = Vec::new();
        let mut order: Vec<&'static str> = Vec::new();
        for def in catalog::CATALOG {
            if !order.contains(&def.section.name()) {
                order.push(def.section.name());
            }
        }
        for name in order {
            let metrics: Vec<serde_json::Value> = catalog::CATALOG
                .iter()
                .filter(|d| d.section.name() == name)
                .filter(|d| d.tables.iter().all(|t| self.project.data.has_table(t)))
                .map(|d| {
                    serde_json::json!({"id": d.id, "name": d.name, "formula": d.formula,
                        "bands": d.bands.iter().map(|b| b.label).collect::<Vec<_>>().join("; ")})
                })
                .collect();
            if !metrics.is_empty() {
                sections.push(serde_json::json!({"id": file_id(&name.to_lowercase()), "name": name, "metrics": metrics}));
            }
        }
        let mut ctx = self.base_context(nav, &path, "Definitions");
        ctx.insert("sections", &sections);
        self.template(
            "definitions.html",
            &ctx,
            "themes/default/templates/definitions.html",
        )
        .map(|h| (path, h))
    }

    fn data_quality_page(&self, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = "data-quality.html".to_string();
        let data = &self.project.data;
        let renderer = self.renderer();
        let mut tables = Table {
            caption: Some("Rows read per table".into()),
            columns: vec![
                Column {
                    label: "table".into(),
                    numeric: false,
                },
                Column {
                    label: "rows".into(),
                    numeric: true,
                },
            ],
            rows: Vec::new(),
            sortable: true,
        };
        for (name, rows) in &data.row_counts {
            tables.rows.push(vec![
                TableCell {
                    text: name.clone(),
                    ..TableCell::default()
                },
                TableCell {
                    text: crate::render::format::count(*rows as f64),
                    class: Some("num".into()),
                    sort: Some(rows.to_string()),
                    href: None,
                },
            ]);
        }
        let accounts = data.accounts.rows.len().max(1) as f64;
        let share = |n: usize| crate::render::format::percent(n as f64 / accounts * 100.0);
        let snapshots = self.facts.snapshots();
        let coverage = [
            (
                "accounts with a segment",
                data.accounts
                    .rows
                    .iter()
                    .filter(|a| a.segment.is_some())
                    .count(),
            ),
            (
                "accounts with a CSM",
                data.accounts
                    .rows
                    .iter()
                    .filter(|a| a.csm.is_some())
                    .count(),
            ),
            (
                "accounts with MRR last month",
                snapshots.iter().filter(|s| s.arr > 0.0).count(),
            ),
            (
                "accounts with a health score",
                snapshots.iter().filter(|s| s.health.is_some()).count(),
            ),
            (
                "accounts with a contact ever",
                snapshots
                    .iter()
                    .filter(|s| s.last_contact.is_some())
                    .count(),
            ),
        ];
        let mut cov = Table {
            caption: Some(format!(
                "Coverage of the {} accounts",
                data.accounts.rows.len()
            )),
            columns: vec![
                Column {
                    label: "field".into(),
                    numeric: false,
                },
                Column {
                    label: "accounts".into(),
                    numeric: true,
                },
                Column {
                    label: "share".into(),
                    numeric: true,
                },
            ],
            rows: Vec::new(),
            sortable: false,
        };
        for (label, n) in coverage {
            cov.rows.push(vec![
                TableCell {
                    text: label.into(),
                    ..TableCell::default()
                },
                TableCell {
                    text: crate::render::format::count(n as f64),
                    class: Some("num".into()),
                    ..TableCell::default()
                },
                TableCell {
                    text: share(n),
                    class: Some("num".into()),
                    ..TableCell::default()
                },
            ]);
        }
        let file = "themes/default/templates/data_quality.html";
        let err = |e: String| Diagnostic::file_error(file, e);
        let html = format!(
            "{}{}",
            renderer.render_table(&tables).map_err(err)?,
            renderer.render_table(&cov).map_err(err)?
        );
        let mut ctx = self.base_context(nav, &path, "Data quality");
        ctx.insert("tables", &html);
        ctx.insert("problems", &self.project.data_notes);
        self.template("data_quality.html", &ctx, file)
            .map(|h| (path, h))
    }
}

fn status_class(s: status::Status) -> &'static str {
    match s {
        status::Status::Good => "good",
        status::Status::Warning => "warning",
        status::Status::Bad => "bad",
        status::Status::Missing => "missing",
        status::Status::Neutral => "neutral",
    }
}

/// Markdown to HTML (tables, strikethrough), with headings moved one level down so that the
/// page's title stays its only `h1`.
pub fn markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let shift = |l: HeadingLevel| match l {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    let events = Parser::new_ext(text, options).map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shift(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shift(level))),
        other => other,
    });
    let mut html = String::with_capacity(text.len() * 2);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_round_trip() {
        let payload = serde_json::json!(["kpis", {"metrics": "nrr, <b>"}]).to_string();
        let token = placeholder(&payload);
        let hex = token.trim_start_matches(OPEN).trim_end_matches(CLOSE);
        let (name, args) = decode(hex).expect("decodes");
        assert_eq!(name, "kpis");
        assert_eq!(args[0].1, Some(Json::String("nrr, <b>".into())));
    }

    #[test]
    fn markdown_headings_move_down_one_level() {
        let html = markdown("# Title\n\nText *em*\n");
        assert_eq!(html, "<h2>Title</h2>\n<p>Text <em>em</em></p>\n");
    }
}
