//! The page plan and page rendering. Every page is a `Job`; `render_all` renders jobs in
//! parallel. A report page renders in three passes: Tera evaluates the body (variables, loops,
//! and component calls, which leave a placeholder holding their arguments), pulldown-cmark turns
//! the Markdown into HTML, and each placeholder is replaced by its component's HTML. A report's
//! PDF source takes the same first pass, then `crate::render::typst` turns the Markdown and the
//! components' values into Typst.

use super::Project;
use super::components::{Page, Renderer, TABLE_TEMPLATE, escape};
use super::facts::{Entity, Facts};
use super::index_table;
use super::links::{Links, file_id};
use super::numbers::Numbers;
use super::theme::guard;
use crate::diagnostic::Diagnostic;
use crate::metrics::basis::{self, Basis, Windowing};
use crate::metrics::catalog::{self, MetricDef};
use crate::metrics::explain;
use crate::metrics::{Context, status};
use crate::period::{Period, PeriodKind};
use crate::render::block::{Block, Column, Table, TableCell};
use crate::render::typst;
use crate::report::component::{self, ChartType, Component, Source, TableKind};
use crate::report::{Layout, Paper};
use crate::report::{Per, Report};
use chrono::NaiveDate;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value as Json;
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod conventions;
mod scenarios;
mod scores;

/// The page of the churn and expansion scores and their backtests.
pub(crate) const SCORES_PAGE: &str = "scores.html";

#[path = "mail.rs"]
pub(crate) mod mail;

const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The Tera template name of a report body.
fn body_template(slug: &str) -> String {
    format!("reports/{slug}.md")
}

/// The most bytes a report body may write for one page (before components are filled in).
pub(crate) const PAGE_BYTES: usize = 16 << 20;

/// The most bytes a theme template may write for one page beyond the HTML the site hands it
/// (larger: the list of a `per:` report's entities is written by the theme).
pub(crate) const THEME_BYTES: usize = 256 << 20;

/// How long one page may take to render before the build stops (see `Watch`); the environment
/// variable `POSTSALE_PAGE_SECONDS` changes it.
pub(crate) const PAGE_TIME: Duration = Duration::from_secs(60);

/// How much the process's memory may grow while pages render before the build stops (see
/// `Watch`), in MB; the environment variable `POSTSALE_RENDER_MEMORY_MB` changes it. A whole
/// site of the 50,000-account benchmark grows it by about 200 MB.
pub(crate) const RENDER_MEMORY_MB: u64 = 4096;

/// The parsed templates of a build: the theme's, whose values are escaped for HTML, and the
/// report bodies, whose values are escaped for Markdown (they become HTML through
/// pulldown-cmark, which escapes for HTML itself).
pub struct Templates {
    pub theme: tera::Tera,
    pub bodies: tera::Tera,
}

/// Escapes a value for Markdown: a backslash before every ASCII punctuation character
/// (CommonMark allows one before each, and each then prints as itself), and line breaks, tabs
/// and other control characters as spaces, so that no value starts a block, a link, an image,
/// emphasis, raw HTML or a table cell. Component placeholders have no ASCII punctuation and
/// pass unchanged; placeholder characters are removed from the data before (`plain`).
pub(crate) fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else if c.is_control() {
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// A value from data or config as a report body's context gets it: without the private-use
/// characters that delimit component placeholders, so that no data can make one.
fn plain(value: Json) -> Json {
    match value {
        Json::String(s) if s.contains([OPEN, CLOSE]) => Json::String(s.replace([OPEN, CLOSE], "")),
        Json::Array(items) => Json::Array(items.into_iter().map(plain).collect()),
        Json::Object(map) => Json::Object(map.into_iter().map(|(k, v)| (k, plain(v))).collect()),
        other => other,
    }
}

/// The theme's templates, and every report body with the component functions; both with the
/// functions templates may call and checked statically (`theme::guard`).
pub fn tera(project: &Project) -> Result<Templates, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let theme = project.theme.tera().map_err(|d| problems.extend(d)).ok();
    let mut bodies = tera::Tera::default();
    guard::secure(&mut bodies);
    for def in component::COMPONENTS {
        let name = def.name;
        bodies.register_function(name, move |args: &HashMap<String, Json>| {
            let sorted: BTreeMap<&String, &Json> = args.iter().collect();
            let payload = serde_json::json!([name, sorted]).to_string();
            Ok(Json::String(placeholder(&payload)))
        });
    }
    let sources: Vec<guard::Source> = project
        .reports
        .iter()
        .map(|r| guard::Source {
            name: body_template(&r.slug),
            file: r.file.clone(),
            text: &r.body,
            first_line: r.body_line,
        })
        .collect();
    for (r, source) in project.reports.iter().zip(&sources) {
        if let Some(d) = guard::nesting(source) {
            problems.push(d);
        } else if let Err(e) = bodies.add_raw_template(&source.name, &r.body) {
            problems.push(r.template_problem(&e));
        }
    }
    bodies.autoescape_on(vec![".md"]);
    bodies.set_escape_fn(markdown_escape);
    problems.extend(guard::check(&bodies, &sources));
    match theme {
        Some(theme) if problems.is_empty() => Ok(Templates { theme, bodies }),
        _ => Err(problems),
    }
}

/// A writer that refuses to grow past `limit` bytes, so that a template that writes without
/// end fails instead of taking all memory.
struct Bounded {
    buf: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl Bounded {
    fn new(limit: usize) -> Bounded {
        Bounded {
            buf: Vec::new(),
            limit,
            exceeded: false,
        }
    }
}

impl std::io::Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + bytes.len() > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("the page is too large"));
        }
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders template `name` with at most `limit` bytes of output. `Err(None)` says the output
/// passed the limit.
pub(crate) fn render_bounded(
    tera: &tera::Tera,
    name: &str,
    ctx: &tera::Context,
    limit: usize,
) -> Result<String, Option<tera::Error>> {
    let mut out = Bounded::new(limit);
    match tera.render_to(name, ctx, &mut out) {
        Ok(()) => String::from_utf8(out.buf).map_err(|_| {
            Some(tera::Error::msg(
                "the template wrote text that is not UTF-8",
            ))
        }),
        Err(_) if out.exceeded => Err(None),
        Err(e) => Err(Some(e)),
    }
}

/// The pages being rendered, so that one that takes too long or makes memory run away stops the
/// build: Tera cannot be interrupted, so a thread beside the rendering (`Site::watched`) checks
/// the clock of every page in progress and the memory of the process (on Linux), and past a
/// limit prints which report it is, runs the abort hooks (which remove the unfinished output)
/// and ends the process with status 1.
struct Watch<'a> {
    next: AtomicU64,
    running: Mutex<BTreeMap<u64, (Instant, &'a str, usize)>>,
    limit: Duration,
    /// The most resident memory, in bytes, the process may reach while pages render: what it
    /// held when the watch began, plus the growth allowed.
    memory: Option<u64>,
    hooks: Mutex<Vec<Box<dyn Fn() + Send + Sync>>>,
    /// What happens to a page past a limit (file, line, which limit); by default
    /// `Watch::stop`. Tests replace it.
    stuck: Box<Stuck>,
}

/// The limit a page passed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Exceeded {
    /// It rendered for this long.
    Time(Duration),
    /// The process held this many bytes while it rendered.
    Memory(u64),
}

/// What the watch does with a page past a limit: (file, line, the limit passed).
type Stuck = dyn Fn(&str, usize, Exceeded) + Send + Sync;

/// The resident memory of this process in bytes (`VmRSS` of `/proc/self/status`); `None` where
/// there is no such file.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A page in progress; dropping it takes the page off the watch.
struct Watched<'w, 'a> {
    watch: &'w Watch<'a>,
    id: u64,
}

impl Drop for Watched<'_, '_> {
    fn drop(&mut self) {
        if let Ok(mut running) = self.watch.running.lock() {
            running.remove(&self.id);
        }
    }
}

impl<'a> Watch<'a> {
    /// A watch allowing `limit` per page and `growth_mb` of memory growth from now.
    fn new(limit: Duration, growth_mb: u64) -> Watch<'a> {
        Watch {
            next: AtomicU64::new(0),
            running: Mutex::new(BTreeMap::new()),
            limit,
            memory: resident_bytes().map(|now| now.saturating_add(growth_mb << 20)),
            hooks: Mutex::new(Vec::new()),
            stuck: Box::new(Watch::stop),
        }
    }

    /// The memory growth allowed, from `POSTSALE_RENDER_MEMORY_MB`, or [`RENDER_MEMORY_MB`].
    fn memory_from_env() -> u64 {
        std::env::var("POSTSALE_RENDER_MEMORY_MB")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|mb| *mb > 0)
            .unwrap_or(RENDER_MEMORY_MB)
    }

    /// The limit from `POSTSALE_PAGE_SECONDS`, or [`PAGE_TIME`].
    fn limit_from_env() -> Duration {
        std::env::var("POSTSALE_PAGE_SECONDS")
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .filter(|s| *s > 0)
            .map_or(PAGE_TIME, Duration::from_secs)
    }

    /// Puts a page of `file` (whose template starts at `line`) on the watch.
    fn start<'w>(&'w self, file: &'a str, line: usize) -> Watched<'w, 'a> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut running) = self.running.lock() {
            running.insert(id, (Instant::now(), file, line));
        }
        Watched { watch: self, id }
    }

    /// Calls `stuck` for the first page past the time limit, else, when the process holds more
    /// memory than allowed, for the page rendering longest (the likeliest cause).
    fn check(&self) {
        let passed = self.running.lock().ok().and_then(|running| {
            let late = running
                .values()
                .find(|(started, _, _)| started.elapsed() > self.limit)
                .map(|(started, file, line)| (*file, *line, Exceeded::Time(started.elapsed())));
            late.or_else(|| {
                let held =
                    resident_bytes().filter(|held| self.memory.is_some_and(|m| *held > m))?;
                running
                    .values()
                    .min_by_key(|(started, _, _)| *started)
                    .map(|(_, file, line)| (*file, *line, Exceeded::Memory(held)))
            })
        });
        if let Some((file, line, exceeded)) = passed {
            if let Ok(hooks) = self.hooks.lock() {
                for hook in hooks.iter() {
                    hook();
                }
            }
            (self.stuck)(file, line, exceeded);
        }
    }

    /// Prints the error and ends the process: the page's rendering cannot be stopped otherwise.
    fn stop(file: &str, line: usize, exceeded: Exceeded) {
        let (what, help) = match exceeded {
            Exceeded::Time(took) => (
                format!(
                    "rendering one page of this template took more than {} s",
                    took.as_secs()
                ),
                "look for loops inside loops over large ranges or lists; \
                 POSTSALE_PAGE_SECONDS raises the limit",
            ),
            Exceeded::Memory(held) => (
                format!(
                    "rendering a page of this template made postsale hold {} MB of memory",
                    held >> 20
                ),
                "look for a value built from itself in a loop (`{% set x = x ~ y %}` where y \
                 is x); POSTSALE_RENDER_MEMORY_MB raises the limit on growth",
            ),
        };
        let d = Diagnostic::error(
            file,
            line,
            1,
            format!("{what}, so the build stopped (the previous output is unchanged)"),
        )
        .with_help(help);
        eprintln!("{d}");
        std::process::exit(1);
    }
}

fn placeholder(payload: &str) -> String {
    let mut out = String::with_capacity(payload.len() * 2 + 2);
    out.push(OPEN);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in payload.bytes() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
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
    /// The pages' tables' CSV files written beside them.
    pub downloads: usize,
    /// The bytes of the pages and of their CSV files.
    pub bytes: u64,
    /// Per report slug (in project order), then "catalog pages" (the metric pages, the
    /// Definitions, the data-quality page and the alerts page): pages rendered and the time spent
    /// rendering them, summed over threads.
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
    /// The alerts of `alerts.yaml` (only with rules).
    Alerts,
    /// The metric conventions compared (only with mrr.csv).
    Conventions,
    /// The what-if scenarios of `scenarios/` (only with scenario files).
    Scenarios,
    /// The churn and expansion scores and the renewal forecast methods, with their backtests
    /// (only with mrr.csv or renewal history).
    Scores,
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
    templates: &'a Templates,
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
    /// The pages being rendered, against the time limit.
    watch: Watch<'a>,
    /// The CSV files of rendered pages' tables, waiting for the output writer.
    downloads: Mutex<Vec<(String, Vec<u8>)>>,
    /// The alerts of the project's rules on the as-of date.
    alerts: Vec<crate::metrics::alerts::Alert>,
    /// For each report (by index), which accounts its `select:` gives a page; None for every
    /// account (and for the reports that are not `per: account`).
    selections: Vec<Option<Arc<[bool]>>>,
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
        templates: &'a Templates,
        as_of: NaiveDate,
        pdf: bool,
    ) -> Site<'a> {
        let ctx = Context {
            data: &project.data,
            config: &project.config,
            as_of,
        };
        let selections: Vec<Option<Arc<[bool]>>> = project
            .reports
            .iter()
            .map(|r| match (&r.front.per, &r.front.select) {
                (Some(Per::Account), Some(s)) => Some(Arc::from(s.select(&ctx))),
                _ => None,
            })
            .collect();
        let mut links = Links::default();
        for (r, selection) in project.reports.iter().zip(&selections) {
            if r.front.per == Some(Per::Account) && links.account.is_none() {
                links.account_pages = selection.clone();
            }
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
            templates,
            facts: Facts::new(ctx),
            links,
            as_of,
            pdf,
            segments,
            dimensions: super::dimensions(&project.data),
            native_tables: project.theme.is_default(TABLE_TEMPLATE),
            watch: Watch::new(Watch::limit_from_env(), Watch::memory_from_env()),
            downloads: Mutex::new(Vec::new()),
            alerts: crate::metrics::alerts::evaluate(&ctx, &project.rules),
            selections,
        }
    }

    /// Registers `hook` to run when a page passes the time limit, before the process ends
    /// (`build` removes its unfinished output folder with it).
    pub fn on_abort(&self, hook: impl Fn() + Send + Sync + 'static) {
        if let Ok(mut hooks) = self.watch.hooks.lock() {
            hooks.push(Box::new(hook));
        }
    }

    /// Runs `work` with a thread beside it that stops the process when a page passes the time
    /// limit (`Watch`).
    fn watched<T: Send>(&self, work: impl FnOnce() -> T + Send) -> T {
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let monitor = s.spawn(|| {
                while !done.load(Ordering::Acquire) {
                    // Often enough to catch memory doubling before it takes the machine.
                    std::thread::park_timeout(Duration::from_millis(20));
                    self.watch.check();
                }
            });
            let out = work();
            done.store(true, Ordering::Release);
            monitor.thread().unpark();
            out
        })
    }

    /// The file (and its first template line) a job's page comes from, for the time limit.
    fn job_file(&self, job: &Job) -> (&'a str, usize) {
        let project: &'a Project = self.project;
        match job {
            Job::Report { report, .. } => {
                let r = &project.reports[*report];
                (r.file.as_str(), r.body_line)
            }
            Job::Archive { .. } => ("themes/default/templates/archive.html", 1),
            Job::Entities { .. } => ("themes/default/templates/index_list.html", 1),
            Job::Metric(_) => ("themes/default/templates/metric.html", 1),
            Job::Definitions => ("themes/default/templates/definitions.html", 1),
            Job::DataQuality => ("themes/default/templates/data_quality.html", 1),
            Job::Alerts => ("themes/default/templates/alerts.html", 1),
            Job::Conventions => ("themes/default/templates/conventions.html", 1),
            Job::Scenarios => ("themes/default/templates/scenarios.html", 1),
            Job::Scores => ("themes/default/templates/scores.html", 1),
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
    /// month, the churn and expansion scores) in parallel before the pages render.
    pub fn precompute(&self) {
        let month = Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal());
        rayon::join(
            || self.facts.snapshots().len(),
            || {
                rayon::join(
                    || self.facts.team(&month).0.len(),
                    || self.facts.scoreboard().is_some(),
                )
            },
        );
    }

    /// The numbers of the run: every metric over the periods of the company-wide report pages
    /// of `jobs` (and the periods their KPI tiles headline), the KPI tiles of the per-CSM and
    /// per-segment pages, and the alerts, from the facts the pages read.
    pub(crate) fn numbers(&self, jobs: &[Job], inputs: super::numbers::Inputs) -> Numbers {
        let mut periods: Vec<Period> = jobs
            .iter()
            .filter_map(|job| match job {
                Job::Report {
                    period,
                    entity: Entity::All,
                    ..
                } => Some(period.clone()),
                _ => None,
            })
            .collect();
        periods.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
        periods.dedup();
        let mut entities = Vec::new();
        for r in &self.project.reports {
            let metrics = Self::tile_metrics(r);
            let Some(per) = r.front.per.filter(|p| *p != Per::Account) else {
                continue;
            };
            if metrics.is_empty() {
                continue;
            }
            for (entity, id, _) in self.entities(per) {
                let kind = if per == Per::Csm { "csm" } else { "segment" };
                entities.push(super::numbers::EntityTiles {
                    entity,
                    scope: format!("{kind}:{id}"),
                    period: self.latest(r),
                    metrics: metrics.clone(),
                });
            }
        }
        super::numbers::compute(&self.facts, &periods, &entities, &self.alerts, inputs)
    }

    /// The metrics of a report's `kpis` components, in order, once each.
    fn tile_metrics(r: &Report) -> Vec<&'static MetricDef> {
        let mut out: Vec<&'static MetricDef> = Vec::new();
        for call in r.calls.iter().filter(|c| c.name == "kpis") {
            let args: Vec<(String, Option<Json>)> = call
                .args
                .iter()
                .map(|a| (a.key.clone(), a.value.clone()))
                .collect();
            if let Ok(Component::Kpis(defs)) = component::check(&call.name, &args, &[]) {
                for d in defs {
                    if !out.iter().any(|o| o.id == d.id) {
                        out.push(d);
                    }
                }
            }
        }
        out
    }

    /// Every page of the site.
    pub fn plan(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for (i, r) in self.project.reports.iter().enumerate() {
            if let Some(per) = r.front.per {
                let period = self.latest(r);
                let selection = self.selections.get(i).and_then(Option::as_deref);
                for (entity, id, _) in self.entities(per) {
                    if let (Some(pages), Entity::Account(a)) = (selection, &entity)
                        && !pages.get(*a as usize).copied().unwrap_or(false)
                    {
                        continue;
                    }
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
        if data.mrr.is_some() {
            jobs.push(Job::Conventions);
        }
        if !self.project.rules.0.is_empty() {
            jobs.push(Job::Alerts);
        }
        if !self.project.scenarios.is_empty() {
            jobs.push(Job::Scenarios);
        }
        if data.mrr.is_some() || (data.renewals.is_some() && data.renewal_stages.is_some()) {
            jobs.push(Job::Scores);
        }
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
        let results: Vec<Result<(usize, usize, u64, Duration), Diagnostic>> = self.watched(|| {
            jobs.par_iter()
                .with_max_len(8)
                .map(|job| {
                    let started = Instant::now();
                    let (file, line) = self.job_file(job);
                    let watched = self.watch.start(file, line);
                    let (path, html) = self.render(job, &nav)?;
                    drop(watched);
                    let mut bytes = html.len() as u64;
                    write(path.clone(), html.into_bytes())
                        .map_err(|e| Diagnostic::file_error(&path, format!("{e:#}")))?;
                    // The CSV files of the page's tables (any thread's, all written once).
                    let files = std::mem::take(
                        &mut *self.downloads.lock().unwrap_or_else(|e| e.into_inner()),
                    );
                    let downloads = files.len();
                    for (file, csv) in files {
                        bytes += csv.len() as u64;
                        write(file.clone(), csv)
                            .map_err(|e| Diagnostic::file_error(file, format!("{e:#}")))?;
                    }
                    bar.inc(1);
                    Ok((self.kind(job), downloads, bytes, started.elapsed()))
                })
                .collect()
        });
        bar.finish_and_clear();
        let mut rendered = Rendered {
            pages: 0,
            downloads: 0,
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
                Ok((kind, downloads, bytes, took)) => {
                    rendered.pages += 1;
                    rendered.downloads += downloads;
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
    /// definitions, data-quality and alerts pages).
    fn kind(&self, job: &Job) -> usize {
        match job {
            Job::Report { report, .. } | Job::Archive { report } | Job::Entities { report } => {
                *report
            }
            Job::Metric(_)
            | Job::Definitions
            | Job::DataQuality
            | Job::Alerts
            | Job::Conventions
            | Job::Scenarios
            | Job::Scores => self.project.reports.len(),
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
        if !self.project.rules.0.is_empty() {
            items.push(NavItem {
                title: "Alerts".into(),
                href: "alerts.html".into(),
                current: false,
            });
        }
        if !self.project.scenarios.is_empty() {
            items.push(NavItem {
                title: "Scenarios".into(),
                href: "scenarios.html".into(),
                current: false,
            });
        }
        let data = &self.project.data;
        if data.mrr.is_some() || (data.renewals.is_some() && data.renewal_stages.is_some()) {
            items.push(NavItem {
                title: "Scores".into(),
                href: SCORES_PAGE.into(),
                current: false,
            });
        }
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
            tera: &self.templates.theme,
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
            path: path.to_string(),
            tables: Cell::new(0),
            downloads: &self.downloads,
        }
    }

    /// Renders theme template `name`; `given` is the size of the HTML the site hands it, which
    /// it may write on top of [`THEME_BYTES`].
    fn template(
        &self,
        name: &str,
        ctx: &tera::Context,
        file: &str,
        given: usize,
    ) -> Result<String, Diagnostic> {
        render_bounded(&self.templates.theme, name, ctx, THEME_BYTES + given).map_err(|e| match e {
            Some(e) => Diagnostic::file_error(file, super::theme::tera_error(&e)),
            None => Diagnostic::file_error(
                file,
                format!(
                    "{name} wrote more than {} MB for one page",
                    THEME_BYTES >> 20
                ),
            )
            .with_help("look for loops inside loops in the template"),
        })
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
                    0,
                )
                .map(|h| (path, h))
            }
            Job::Entities { report } => {
                let r = &self.project.reports[*report];
                self.index_page(r, nav)
            }
            Job::Metric(def) => self.metric_page(def, nav),
            Job::Definitions => self.definitions_page(nav),
            Job::DataQuality => self.data_quality_page(nav),
            Job::Alerts => self.alerts_page(nav),
            Job::Conventions => self.conventions_page(nav),
            Job::Scenarios => self.scenarios_page(nav),
            Job::Scores => self.scores_page(nav),
        }
    }

    /// The alerts as `templates` show them on the page at `path`.
    fn alert_views(
        &self,
        alerts: &[&crate::metrics::alerts::Alert],
        path: &str,
    ) -> Vec<super::alerts::AlertView> {
        super::alerts::views(
            alerts,
            &self.links,
            &self.project.data,
            &"../".repeat(path.matches('/').count()),
            &self.project.config.currency,
            self.as_of,
        )
    }

    /// `alerts.html`: every alert of the project's rules on the as-of date.
    fn alerts_page(&self, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = "alerts.html".to_string();
        let all: Vec<&crate::metrics::alerts::Alert> = self.alerts.iter().collect();
        let mut ctx = self.base_context(nav, &path, "Alerts");
        ctx.insert("alerts", &self.alert_views(&all, &path));
        ctx.insert("rules", &self.project.rules.0.len());
        ctx.insert(
            "previous",
            &crate::metrics::alerts::previous_date(self.as_of).to_string(),
        );
        self.template(
            "alerts.html",
            &ctx,
            "themes/default/templates/alerts.html",
            0,
        )
        .map(|h| (path, h))
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
            Entity::Account(a) => data
                .accounts
                .rows
                .get(*a as usize)
                .map(|_| self.facts.account_label(*a)),
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
        let alerts = super::alerts::of_entity(&self.alerts, entity, &self.project.data);
        ctx.insert("alerts", &self.alert_views(&alerts, path));
        let body_len = body.len();
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
        self.template("report.html", &ctx, &r.file, body_len)
    }

    /// The Markdown body of a report for one page: its Tera template evaluated, with component
    /// calls left as placeholders.
    fn body_text(&self, r: &Report, page: &Page) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::new();
        let mut value = |key: &str, v: Json| ctx.insert(key, &plain(v));
        value("project", Json::String(self.project.config.name.clone()));
        value("as_of", Json::String(self.as_of.to_string()));
        value(
            "period",
            serde_json::json!({"id": page.period.id, "label": page.period.label(),
                "start": page.period.start.to_string(), "end": page.period.end.to_string()}),
        );
        let entity = match &page.entity {
            Entity::All => Json::Null,
            e => serde_json::json!({"name": self.entity_name(e), "kind": match e {
                Entity::Csm(_) => "csm", Entity::Segment(_) => "segment", _ => "account" }}),
        };
        value("entity", entity);
        value("segments", serde_json::json!(self.segments));
        render_bounded(
            &self.templates.bodies,
            &body_template(&r.slug),
            &ctx,
            PAGE_BYTES,
        )
        .map_err(|e| match e {
            Some(e) => r.template_problem(&e),
            None => Diagnostic::error(
                &r.file,
                r.body_line,
                1,
                format!(
                    "the body wrote more than {} MB for one page",
                    PAGE_BYTES >> 20
                ),
            )
            .with_help("look for loops inside loops over large ranges or lists"),
        })
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
        let results: Vec<Result<PdfSource, Diagnostic>> = self.watched(|| {
            reports
                .par_iter()
                .map(|r| {
                    let _watched = self.watch.start(&r.file, r.body_line);
                    self.pdf_source(r, &self.latest(r))
                })
                .collect()
        });
        let (ok, problems): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        if problems.is_empty() {
            Ok(ok.into_iter().filter_map(Result::ok).collect())
        } else {
            Err(problems.into_iter().filter_map(Result::err).collect())
        }
    }

    /// The takeaway title of each level-1 section of a deck's body (`super::takeaways`): none
    /// where the report keeps the heading or no component of the section leads it.
    fn takeaways(
        &self,
        r: &Report,
        page: &Page,
        text: &str,
        dims: &[&str],
    ) -> Result<Vec<Option<String>>, Diagnostic> {
        use super::takeaways::{Lead, lead, reading, sections};
        use crate::render::takeaway;
        let currency = self.project.config.currency.as_str();
        let mut titles = Vec::new();
        for section in sections(text, (OPEN, CLOSE)) {
            let mut title = None;
            if r.front.pdf.takeaway(&section.heading) {
                for hex in &section.components {
                    let lead = decode(hex)
                        .and_then(|(name, args)| component::check(&name, &args, dims).ok())
                        .as_ref()
                        .and_then(lead);
                    title = match lead {
                        Some(lead @ (Lead::Metric(_) | Lead::Headline(_))) => {
                            reading(&self.facts, page, lead, currency)
                                .and_then(|r| takeaway::sentence(&r))
                        }
                        Some(Lead::FirstChange) => match self.component(hex, r, page, dims)? {
                            Block::Changes(changes) => changes.first().map(takeaway::change),
                            _ => None,
                        },
                        None => continue,
                    };
                    break;
                }
            }
            titles.push(title);
        }
        Ok(titles)
    }

    /// The Typst source of one report issue and its chart SVGs.
    fn pdf_source(&self, r: &Report, period: &Period) -> Result<PdfSource, Diagnostic> {
        let html_path = Self::report_path(r, period);
        let base = html_path.trim_end_matches(".html").to_string();
        let page = self.page(&html_path, period.clone(), Entity::All);
        let dims: Vec<&str> = self.dimensions.iter().map(String::as_str).collect();
        let stem = base.rsplit('/').next().unwrap_or(&base).to_string();
        let (layout, paper) = (r.front.pdf.layout, r.front.pdf.paper);
        let mut assets = typst::Assets {
            dir: stem.clone(),
            frame: match layout {
                Layout::Onepager => crate::render::charts::PdfFrame::Column,
                Layout::Deck | Layout::Document => crate::render::charts::PdfFrame::Full,
            },
            ..typst::Assets::default()
        };
        let text = self.body_text(r, &page)?;
        let titles = match layout {
            Layout::Deck => self.takeaways(r, &page, &text, &dims)?,
            Layout::Onepager | Layout::Document => Vec::new(),
        };
        let sections = match layout {
            Layout::Deck => typst::Sections::Slides(&titles),
            Layout::Onepager | Layout::Document => typst::Sections::Headings,
        };
        let body = typst::markdown(&text, (OPEN, CLOSE), sections, &mut |hex| {
            self.component(hex, r, &page, &dims)
                .map(|b| typst::block(&b, &mut assets))
        })?;
        // The period and the date the data runs to, so a printed page says how fresh it is.
        let mut subtitle = format!("{} · as of {}", period.label(), self.as_of);
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
                .page_html(page, &self.component(hex, r, page, &dims)?)
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
        if def.is_snapshot() {
            body.push_str(&format!(
                "<p class=\"note\">A snapshot as of {}: postsale keeps no history of it, so it has no trend and no comparison with earlier periods.</p>\n",
                self.as_of
            ));
        } else {
            body.push_str(
                &renderer
                    .render(
                        &page,
                        &Component::Chart {
                            kind: ChartType::Line,
                            source: Source::Metrics(vec![def]),
                            periods: 24,
                            title: Some(format!(
                                "{} by month, last 24 months",
                                basis::named(def, Basis::of(def, &period))
                            )),
                        },
                    )
                    .map_err(err)?,
            );
        }
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
                let words = crate::render::format::phrase_with(&self.project.config.labels, dim);
                body.push_str(&format!("<h3>By {}</h3>\n", escape(&words)));
                body.push_str(
                    &renderer
                        .render(
                            &page,
                            &Component::Table {
                                of: TableKind::Breakdown,
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
            .map(|b| {
                serde_json::json!({"label": b.label, "status": status_class(b.status),
                    "range": crate::render::format::band_range(def, b)})
            })
            .collect();
        let bases = self.metric_bases(def, &period);
        let target = self
            .project
            .config
            .targets
            .get(def.id)
            .map(|t| crate::render::format::target(def, t, &self.project.config.currency));
        let mut ctx = self.base_context(nav, &path, def.name);
        ctx.insert(
            "metric",
            &serde_json::json!({
                "id": def.id, "name": def.name, "section": def.section.name(), "unit": def.unit.name(),
                "direction": def.direction.name(), "formula": def.formula, "bands": bands,
                "target": target, "bases": bases, "tables": def.tables.iter().map(|t| format!("{t}.csv")).collect::<Vec<_>>().join(", "),
            }),
        );
        ctx.insert("body", &body);
        ctx.insert("explain", &explain::explain(def.id));
        ctx.insert("footnote", &explain::footnote(def.id, &self.project.config));
        self.template("metric.html", &ctx, file, body.len())
            .map(|h| (path, h))
    }

    /// A rate's value on each basis as of the latest complete month (`month`): the trailing
    /// twelve months ending at the month, the latest complete quarter and the month, each judged
    /// only by a target or bands on its own basis. Empty for a metric that is not a rate over a
    /// window.
    fn metric_bases(&self, def: &MetricDef, month: &Period) -> Vec<Json> {
        if def.windowing() != Windowing::Window {
            return Vec::new();
        }
        let currency = &self.project.config.currency;
        let quarter = Period::latest_complete(PeriodKind::Quarter, self.as_of, self.fiscal());
        let ttm = Period::ttm_ending(month.months().1);
        [ttm, quarter, month.clone()]
            .iter()
            .map(|p| {
                let v = self.facts.value(&Entity::All, p, def.id);
                let b = Basis::of(def, p);
                let j = basis::judge(def, v, b, self.project.config.target(def.id, b));
                let show = |v| crate::render::format::value(def, v, currency);
                serde_json::json!({
                    "basis": b.map_or("", Basis::label), "key": b.map_or("", Basis::key),
                    "period": p.label(), "value": show(v),
                    "status": status_class(j.status), "status_label": j.status.label(),
                    "judged_on": j.judged_on, "why": j.why_neutral,
                    "target": j.target.map(|t| show(Some(t))),
                })
            })
            .collect()
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
                    let target = self.project.config.targets.get(d.id).map(|t| {
                        crate::render::format::target(d, t, &self.project.config.currency)
                    });
                    serde_json::json!({"id": d.id, "name": d.name, "formula": d.formula,
                        "bands": crate::render::format::bands(d), "target": target})
                })
                .collect();
            if !metrics.is_empty() {
                sections.push(serde_json::json!({"id": file_id(&name.to_lowercase()), "name": name, "metrics": metrics}));
            }
        }
        let mut ctx = self.base_context(nav, &path, "Definitions");
        ctx.insert("sections", &sections);
        ctx.insert("conventions", &self.project.data.mrr.is_some());
        // Plain words, why it matters and footnotes, by metric id.
        let explained: BTreeMap<&str, Json> = catalog::CATALOG
            .iter()
            .map(|d| {
                let e = explain::explain(d.id);
                let note = explain::footnote(d.id, &self.project.config);
                let json = serde_json::json!({"plain": e.map(|e| e.plain),
                    "why": e.map(|e| e.why), "footnote": note});
                (d.id, json)
            })
            .collect();
        ctx.insert("explain", &explained);
        self.template(
            "definitions.html",
            &ctx,
            "themes/default/templates/definitions.html",
            0,
        )
        .map(|h| (path, h))
    }

    /// The index of a per-entity report: a sortable table of its accounts, CSMs or segments
    /// with a filter box (the theme's script shows it; without the script the table is plain),
    /// and the table as a CSV file beside the page.
    fn index_page(&self, r: &Report, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = format!("{}/index.html", r.slug);
        let currency = &self.project.config.currency;
        let page = self.page(
            &path,
            Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal()),
            Entity::All,
        );
        let selection = self
            .project
            .reports
            .iter()
            .position(|x| std::ptr::eq(x, r))
            .and_then(|i| self.selections.get(i)?.as_deref());
        let (table, noun) = match r.front.per.unwrap_or(Per::Account) {
            Per::Account => (
                index_table::accounts(&self.facts, &self.links, &page.root, currency, selection),
                "accounts",
            ),
            Per::Csm => (
                index_table::csms(&self.facts, &self.links, &page.root, currency),
                "CSMs",
            ),
            Per::Segment => (index_table::segments(&self.segments), "segments"),
        };
        let download = page.download(&table, currency);
        let mut ctx = self.base_context(nav, &path, &r.front.title);
        ctx.insert("heading", &r.front.title);
        ctx.insert("description", &r.front.description);
        ctx.insert("columns", &table.columns);
        ctx.insert("rows", &table.rows);
        ctx.insert("download", &download);
        ctx.insert("noun", noun);
        let selected = match (selection, &r.front.select) {
            (Some(pages), Some(select)) => format!(
                "{} of {} accounts have a page: {}. The others are listed without one.",
                crate::render::format::count(pages.iter().filter(|p| **p).count() as f64),
                crate::render::format::count(pages.len() as f64),
                select.describe()
            ),
            _ => String::new(),
        };
        ctx.insert("selection", &selected);
        let file = "themes/default/templates/index_list.html";
        // About 150 bytes of markup per cell.
        let given = table.rows.len() * table.columns.len() * 150;
        self.template("index_list.html", &ctx, file, given)
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
            notes: Vec::new(),
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
                    ..TableCell::default()
                },
            ]);
        }
        let coverage = crate::metrics::coverage::coverage(&self.facts.ctx, self.facts.snapshots());
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
            notes: Vec::new(),
        };
        for c in coverage {
            let n = c.accounts;
            cov.rows.push(vec![
                TableCell {
                    text: c.label.into(),
                    ..TableCell::default()
                },
                TableCell {
                    text: crate::render::format::count(n as f64),
                    class: Some("num".into()),
                    sort: Some(n.to_string()),
                    ..TableCell::default()
                },
                TableCell {
                    text: c.share.map_or(crate::render::format::MISSING.into(), |s| {
                        crate::render::format::percent(s)
                    }),
                    class: Some("num".into()),
                    sort: c.share.map(|s| format!("{s}")),
                    ..TableCell::default()
                },
            ]);
        }
        let file = "themes/default/templates/data_quality.html";
        let err = |e: String| Diagnostic::file_error(file, e);
        // Each table with its CSV file beside the page, as on every other page.
        let page = self.page(
            &path,
            Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal()),
            Entity::All,
        );
        let currency = &self.project.config.currency;
        let mut html = String::new();
        for table in [&tables, &cov] {
            html.push_str(&renderer.render_table(table).map_err(err)?);
            html.push_str(&page.download(table, currency));
        }
        let mut ctx = self.base_context(nav, &path, "Data quality");
        ctx.insert("tables", &html);
        ctx.insert("problems", &self.project.data_notes);
        self.template("data_quality.html", &ctx, file, html.len())
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

/// The URL with what browsers ignore removed (spaces and control characters anywhere) and
/// backslashes read as slashes, as browsers read them.
fn normalized_url(url: &str) -> String {
    url.chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .map(|c| {
            if c == '\\' {
                '/'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// The scheme of a URL (`https`, `javascript`), if it has one.
fn scheme(url: &str) -> Option<String> {
    let url = normalized_url(url);
    let end = url.find(':')?;
    let scheme = &url[..end];
    let valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| scheme.to_string())
}

/// Whether a link of a report body may be a link: a relative link, or one to the web or an
/// e-mail address; never `javascript:`, `data:`, `vbscript:` or another scheme.
fn safe_link(url: &str) -> bool {
    scheme(url).is_none_or(|s| matches!(s.as_str(), "http" | "https" | "mailto" | "tel"))
}

/// Whether an image of a report body is loaded from the site itself (a relative or absolute
/// path), never from another host or a `data:` URL.
fn local_image(url: &str) -> bool {
    scheme(url).is_none() && !normalized_url(url).starts_with("//")
}

/// Markdown to HTML (tables, strikethrough), with headings moved one level down so that the
/// page's title stays its only `h1`. A report body is Markdown only: raw HTML in it prints as
/// text (HTML belongs in the theme's templates), a link whose URL has a scheme other than
/// http, https, mailto or tel prints as its text, and an image from another host or a `data:`
/// URL prints as its description.
pub fn markdown(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let shift = |l: HeadingLevel| match l {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    // Whether each open link and image is kept.
    let mut kept: Vec<bool> = Vec::new();
    let events = Parser::new_ext(text, options).filter_map(|e| {
        Some(match e {
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
            Event::Start(tag @ (Tag::Link { .. } | Tag::Image { .. })) => {
                let keep = match &tag {
                    Tag::Link { dest_url, .. } => safe_link(dest_url),
                    Tag::Image { dest_url, .. } => local_image(dest_url),
                    _ => true,
                };
                // Links and images close in the order they opened: one stack serves both.
                kept.push(keep);
                if !keep {
                    return None;
                }
                Event::Start(tag)
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
                if !kept.pop().unwrap_or(true) {
                    return None;
                }
                Event::End(end)
            }
            Event::Start(Tag::HtmlBlock) => Event::Start(Tag::Paragraph),
            Event::End(TagEnd::HtmlBlock) => Event::End(TagEnd::Paragraph),
            Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
            other => other,
        })
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

    /// A body rendered as a build renders it: Tera with Markdown escaping, then Markdown.
    fn body(template: &str, name: &str) -> String {
        let mut tera = tera::Tera::default();
        guard::secure(&mut tera);
        tera.register_function("kpis", |_: &HashMap<String, Json>| {
            Ok(Json::String(placeholder("[\"kpis\",{}]")))
        });
        tera.add_raw_template("reports/x.md", template)
            .expect("parses");
        tera.autoescape_on(vec![".md"]);
        tera.set_escape_fn(markdown_escape);
        let mut ctx = tera::Context::new();
        ctx.insert("name", &plain(Json::String(name.into())));
        markdown(&tera.render("reports/x.md", &ctx).expect("renders"))
    }

    #[test]
    fn values_reach_the_page_as_literal_text() {
        for (name, shown) in [
            (
                "[click](javascript:alert(1))",
                "[click](javascript:alert(1))",
            ),
            (
                "![t](https://attacker.example/p.png?leak=1)",
                "![t](https://attacker.example/p.png?leak=1)",
            ),
            ("..\\..\\win", "..\\..\\win"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            (
                "*a* _b_ `c` ~~d~~ &amp; # 1. + -",
                "*a* _b_ `c` ~~d~~ &amp;amp; # 1. + -",
            ),
            ("line\n# heading\r\n- item", "line # heading  - item"),
            ("<http://x.example>", "&lt;http://x.example&gt;"),
        ] {
            assert_eq!(
                body("{{ name }}", name),
                format!("<p>{shown}</p>\n"),
                "{name}"
            );
            assert_eq!(
                body("# {{ name }}", name),
                format!("<h2>{shown}</h2>\n"),
                "{name}"
            );
        }
        // In a table cell, a pipe stays in its cell.
        let table = body("| a | b |\n|---|---|\n| {{ name }} | x |\n", "p | q");
        assert!(table.contains("<td>p | q</td><td>x</td>"), "{table}");
        // As a link's text and destination: a relative link to the literal text.
        assert_eq!(
            body("[{{ name }}]({{ name }})", "javascript:alert(1)"),
            "<p>javascript:alert(1)</p>\n"
        );
    }

    #[test]
    fn data_cannot_make_a_component_placeholder_but_components_still_work() {
        let forged = format!("{OPEN}5b226b70697322{CLOSE}");
        let html = body("{{ name }}", &forged);
        assert_eq!(html, "<p>5b226b70697322</p>\n");
        let html = body("{{ kpis() }}", "");
        assert_eq!(html, format!("<p>{}</p>\n", placeholder("[\"kpis\",{}]")));
        // `| safe` prints the value as Markdown, still without unsafe links or raw HTML.
        let html = body("{{ name | safe }}", "[a](javascript:x) <b>b</b> *c*");
        assert_eq!(html, "<p>a &lt;b&gt;b&lt;/b&gt; <em>c</em></p>\n");
    }

    #[test]
    fn markdown_drops_unsafe_links_external_images_and_raw_html() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "javascript&#58;alert(1)",
            "&#x6A;avascript:alert(1)",
            " vbscript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "file:///etc/passwd",
        ] {
            let html = markdown(&format!("[text](<{url}>)"));
            assert_eq!(html, "<p>text</p>\n", "{url}");
        }
        assert_eq!(
            markdown("[ok](https://example.com/a) [rel](../x.html) [m](mailto:a@b.c)"),
            "<p><a href=\"https://example.com/a\">ok</a> <a href=\"../x.html\">rel</a> <a href=\"mailto:a@b.c\">m</a></p>\n"
        );
        for url in [
            "https://attacker.example/p.png",
            "HTTP://x.example/p.png",
            "//attacker.example/p.png",
            r"\\\\attacker.example/p.png",
            "data:image/png;base64,AAAA",
        ] {
            let html = markdown(&format!("![alt *text*](<{url}>)"));
            assert_eq!(html, "<p>alt <em>text</em></p>\n", "{url}");
        }
        assert_eq!(
            markdown("![chart](../assets/logo.png)"),
            "<p><img src=\"../assets/logo.png\" alt=\"chart\" /></p>\n"
        );
        assert_eq!(
            markdown("<script>alert(1)</script>\n\nText <b onclick=\"x\">bold</b>\n"),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt;\n</p>\n<p>Text &lt;b onclick=\"x\"&gt;bold&lt;/b&gt;</p>\n"
        );
    }

    #[test]
    fn the_watch_calls_its_hook_for_a_page_past_the_limit() {
        use std::sync::Arc;
        let mut watch = Watch::new(Duration::from_millis(20), RENDER_MEMORY_MB);
        let seen: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
        let record = Arc::clone(&seen);
        watch.stuck = Box::new(move |file, line, _| {
            record.lock().expect("lock").push((file.to_string(), line));
        });
        let aborted = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&aborted);
        watch
            .hooks
            .lock()
            .expect("lock")
            .push(Box::new(move || flag.store(true, Ordering::SeqCst)));
        {
            let _quick = watch.start("reports/quick.md", 3);
            watch.check();
        }
        assert!(seen.lock().expect("lock").is_empty());
        let _slow = watch.start("reports/slow.md", 7);
        std::thread::sleep(Duration::from_millis(40));
        watch.check();
        assert_eq!(
            *seen.lock().expect("lock"),
            vec![("reports/slow.md".to_string(), 7)]
        );
        assert!(aborted.load(Ordering::SeqCst));
    }

    #[test]
    fn the_watch_stops_the_longest_running_page_when_memory_passes_its_bound() {
        use std::sync::Arc;
        let seen: Arc<Mutex<Vec<(String, usize, bool)>>> = Arc::default();
        let watch_with = |memory: Option<u64>| {
            let mut watch = Watch::new(Duration::from_secs(60), RENDER_MEMORY_MB);
            let record = Arc::clone(&seen);
            watch.stuck = Box::new(move |file, line, exceeded| {
                let memory = matches!(exceeded, Exceeded::Memory(held) if held > 0);
                record
                    .lock()
                    .expect("lock")
                    .push((file.to_string(), line, memory));
            });
            if memory.is_some() {
                watch.memory = memory;
            }
            watch
        };
        // Within the bound: nothing happens.
        let calm = watch_with(None);
        let _page = calm.start("reports/calm.md", 2);
        calm.check();
        assert!(seen.lock().expect("lock").is_empty());
        if resident_bytes().is_some() {
            // Any process holds more than nothing: the page rendering longest is named.
            let greedy = watch_with(Some(0));
            let _first = greedy.start("reports/first.md", 3);
            std::thread::sleep(Duration::from_millis(5));
            let _second = greedy.start("reports/second.md", 9);
            greedy.check();
            assert_eq!(
                *seen.lock().expect("lock"),
                vec![("reports/first.md".to_string(), 3, true)]
            );
        }
    }

    #[test]
    fn a_bounded_render_stops_at_its_limit() {
        let mut tera = tera::Tera::default();
        guard::secure(&mut tera);
        tera.add_raw_template("t", "{% for i in range(end=1000) %}0123456789{% endfor %}")
            .expect("parses");
        let ctx = tera::Context::new();
        assert_eq!(
            render_bounded(&tera, "t", &ctx, 10_000)
                .map(|s| s.len())
                .ok(),
            Some(10_000)
        );
        assert!(matches!(render_bounded(&tera, "t", &ctx, 9_999), Err(None)));
    }

    #[test]
    fn deeply_nested_markdown_does_not_overflow() {
        for text in [
            ">".repeat(50_000),
            "[".repeat(50_000),
            "*".repeat(50_000),
            "- ".repeat(50_000),
            format!("{}x{}", "![".repeat(20_000), "](a)".repeat(20_000)),
        ] {
            let html = markdown(&text);
            assert!(!html.is_empty());
            let typ = typst::markdown(
                &text,
                (OPEN, CLOSE),
                typst::Sections::Headings,
                &mut |_: &str| Ok::<_, ()>(String::new()),
            );
            assert!(typ.is_ok());
        }
    }

    #[test]
    fn markdown_headings_move_down_one_level() {
        let html = markdown("# Title\n\nText *em*\n");
        assert_eq!(html, "<h2>Title</h2>\n<p>Text <em>em</em></p>\n");
    }
}
