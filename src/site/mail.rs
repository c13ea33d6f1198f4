//! The e-mail digests a build prepares in the site's `mail/` folder, once, from the same blocks
//! as the pages and PDFs (`crate::render::block`): for each report with a cadence a digest of
//! its latest issue, for each CSM of a `per: csm` report a digest of their own book, and for each
//! recipient of the alert rules the alerts routed to it; each as HTML for mail clients (the
//! theme's `mail/digest.html`) and its plain-text alternative (`mail/digest.txt`), with the
//! charts' SVGs beside them, listed in `mail/index.json` (`crate::delivery::MailIndex`).
//! `postsale deliver` only reads these files: nothing here computes a number, and nothing here
//! sends anything.

use super::{CLOSE, OPEN, Site, decode};
use crate::delivery::{Mail, MailImage, MailIndex, MailScope};
use crate::diagnostic::Diagnostic;
use crate::metrics::alerts::{Alert, Evidence};
use crate::period::{Period, PeriodKind};
use crate::render::block::{Attention, Block, Change, Column, Fact, Table, Tile};
use crate::render::charts::{self, PdfFrame};
use crate::report::{Per, Report};
use crate::site::alerts::{AlertLine, AlertView};
use crate::site::facts::Entity;
use crate::site::links::file_id;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// The folder of the digests inside the site.
pub(crate) const DIR: &str = "mail";

/// The most charts a report digest shows.
const CHARTS: usize = 2;

/// The width charts are shown at in a message, in CSS pixels (the layout is 640 px wide with
/// 20 px of padding each side). The SVG is drawn 440 px wide (`PdfFrame::Mail`, the one-page
/// PDF's column width, taller): one image for every screen, its text still legible scaled down
/// to a phone's width.
const CHART_WIDTH: u32 = 600;

/// The most alerts a digest lists; the alerts page has them all.
const ALERTS: usize = 20;

/// The most matching accounts or renewals an alert lists in a digest.
const MATCHES: usize = 10;

/// The most rows of a CSM digest's action list, and of its renewals.
const ACTIONS: u64 = 10;
const RENEWALS: u64 = 20;

/// The colours of the status and alert severity names, for inline styles (mail clients ignore
/// style sheets).
const COLOURS: [(&str, &str); 7] = [
    ("good", "#1a7f37"),
    ("warning", "#9a6700"),
    ("bad", "#cf222e"),
    ("missing", "#57606a"),
    ("neutral", "#57606a"),
    ("critical", "#cf222e"),
    ("info", "#0969da"),
];

/// A chart of a digest, as the templates show it.
#[derive(Debug, Clone, Serialize)]
struct ChartView {
    /// The image's path relative to the HTML file (a working preview in a browser).
    src: String,
    title: String,
    alt: String,
    width: u32,
}

/// A table of a digest: the cells' words, alignment and status.
#[derive(Debug, Clone, Serialize)]
struct TableView {
    title: String,
    caption: Option<String>,
    columns: Vec<Column>,
    rows: Vec<Vec<CellView>>,
    notes: Vec<String>,
}

/// One cell of a digest's table.
#[derive(Debug, Clone, Serialize)]
struct CellView {
    text: String,
    numeric: bool,
    /// The status colouring the cell, if any (not `neutral`).
    status: Option<String>,
}

impl TableView {
    fn new(title: &str, table: &Table) -> TableView {
        TableView {
            title: title.to_string(),
            caption: table.caption.clone(),
            columns: table.columns.clone(),
            rows: table
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|c| CellView {
                            text: c.text.clone(),
                            numeric: c.numeric(),
                            status: c.status().filter(|s| *s != "neutral").map(str::to_string),
                        })
                        .collect()
                })
                .collect(),
            notes: table.notes.iter().map(|n| n.text.clone()).collect(),
        }
    }
}

/// The link to the full report.
#[derive(Debug, Clone, Serialize)]
struct LinkView {
    /// The page on the published site, or relative to the HTML file without `site_url`.
    href: String,
    /// The page's path inside the site.
    path: String,
    /// Whether `site_url` is configured (`href` is then absolute).
    absolute: bool,
}

/// Everything one digest shows, in the order it shows it.
#[derive(Debug, Clone, Serialize)]
struct Digest {
    project: String,
    title: String,
    /// The period in words ("Week 43, 2026 (19–25 Oct 2026)"), for a report issue.
    period: Option<String>,
    as_of: String,
    /// A line under the header (who an alert digest is for).
    intro: Option<String>,
    tiles: Vec<Tile>,
    /// A CSM's book in figures (the snapshot block).
    facts: Vec<Fact>,
    /// Whether the alerts section shows (also when empty: "no alerts").
    show_alerts: bool,
    alerts: Vec<AlertView>,
    /// Alerts beyond the ones listed.
    alerts_more: usize,
    /// Whether the "what changed" section shows (also when nothing moved).
    show_changes: bool,
    changes: Vec<Change>,
    attention: Option<Attention>,
    /// A CSM's action list and renewals.
    tables: Vec<TableView>,
    charts: Vec<ChartView>,
    link: LinkView,
    /// The link's words.
    link_text: String,
    pdf: bool,
}

/// One prepared message and its files (site path → bytes).
struct Prepared {
    mail: Mail,
    files: Vec<(String, Vec<u8>)>,
}

/// What a digest is made for.
enum Job<'r> {
    /// The latest issue of a cadence report.
    Report(&'r Report),
    /// One CSM's book in a `per: csm` report: (report, entity, csm id, name).
    Csm(&'r Report, Entity, String, String),
    /// The alerts routed to one recipient.
    Alerts(MailScope),
}

/// The component placeholders of a report body, in order, with their component names.
fn placeholders(text: &str) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len_utf8()..];
        let Some(len) = after.find(CLOSE) else {
            break;
        };
        let hex = &after[..len];
        if let Some((name, _)) = decode(hex) {
            out.push((name, hex));
        }
        rest = &after[len + CLOSE.len_utf8()..];
    }
    out
}

/// The period in a subject: "Week 43, 2026", "October 2026", "Q3 2026".
fn short_label(period: &Period) -> String {
    let label = period.label();
    match (period.kind, label.split_once(" (")) {
        (PeriodKind::Week, Some((short, _))) => short.to_string(),
        _ => label,
    }
}

/// A subject on one line: line breaks and other control characters in names from the data
/// become spaces, so no value can add a header to the message.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The key of a recipient's alert digest, for its file name.
fn scope_key(scope: &MailScope) -> String {
    match scope {
        MailScope::Company => "company".into(),
        MailScope::Recipient(r) => file_id(r),
        MailScope::Csm(id) => format!("csm-{}", file_id(id)),
        MailScope::Manager(id) => format!("manager-{}", file_id(id)),
    }
}

/// `../` for each folder of a site path.
fn up(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

impl Site<'_> {
    /// Renders every digest and `mail/index.json`: the files to write into the site. `fingerprint`
    /// is the inputs' fingerprint of numbers.json.
    pub(crate) fn mails(
        &self,
        fingerprint: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, Vec<Diagnostic>> {
        let mut jobs: Vec<Job> = Vec::new();
        for r in &self.project.reports {
            if r.front.cadence.is_some() && r.front.per.is_none() {
                jobs.push(Job::Report(r));
            }
        }
        if let Some(r) = self
            .project
            .reports
            .iter()
            .find(|r| r.front.per == Some(Per::Csm))
        {
            for (entity, id, name) in self.entities(Per::Csm) {
                jobs.push(Job::Csm(r, entity, id, name));
            }
        }
        jobs.extend(self.alert_scopes().into_iter().map(Job::Alerts));
        let results: Vec<Result<Prepared, Diagnostic>> =
            jobs.par_iter().map(|job| self.prepare(job)).collect();
        let mut problems = Vec::new();
        let mut prepared = Vec::new();
        for r in results {
            match r {
                Ok(p) => prepared.push(p),
                Err(d) => problems.push(d),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        prepared
            .sort_by(|a, b| (&a.mail.report, &a.mail.scope).cmp(&(&b.mail.report, &b.mail.scope)));
        let mut files = Vec::new();
        let mut mails = Vec::new();
        for p in prepared {
            files.extend(p.files);
            mails.push(p.mail);
        }
        let index = MailIndex {
            as_of: self.as_of,
            fingerprint: fingerprint.to_string(),
            site_url: self.project.config.site_url.clone(),
            mails,
        };
        let mut json = serde_json::to_vec_pretty(&index).map_err(|e| {
            vec![Diagnostic::file_error(
                format!("{DIR}/index.json"),
                e.to_string(),
            )]
        })?;
        json.push(b'\n');
        files.push((format!("{DIR}/index.json"), json));
        Ok(files)
    }

    /// The recipients of the alert rules, each with a digest: a role or address as written,
    /// each CSM for role `csm`, each manager (a `manager_id` of csms.csv) for role `manager`.
    fn alert_scopes(&self) -> Vec<MailScope> {
        let data = &self.project.data;
        let csms = data
            .csms
            .as_ref()
            .map(|c| c.rows.as_slice())
            .unwrap_or_default();
        let mut scopes = BTreeSet::new();
        for rule in &self.project.rules.0 {
            for recipient in &rule.recipients {
                match recipient.as_str() {
                    "csm" => scopes.extend(csms.iter().map(|c| MailScope::Csm(c.id.clone()))),
                    "manager" => scopes.extend(
                        csms.iter()
                            .filter_map(|c| c.manager_id.clone())
                            .filter(|m| csms.iter().any(|c| &c.id == m))
                            .map(MailScope::Manager),
                    ),
                    other => {
                        scopes.insert(MailScope::Recipient(other.to_string()));
                    }
                }
            }
        }
        scopes.into_iter().collect()
    }

    /// Whether `alert` is about the book of the CSM with id `csm`: its scope is that book or one
    /// of its accounts, or an account it names is in it; a company-wide alert without accounts
    /// is about every book, a segment's about the books with accounts in the segment.
    fn in_book(&self, alert: &Alert, csm: &str) -> bool {
        let data = &self.project.data;
        let owner = |account: &str| {
            data.accounts
                .index
                .get(account)
                .and_then(|&a| data.accounts.rows.get(a as usize))
                .and_then(|a| a.csm_id.as_deref())
                == Some(csm)
        };
        if let Evidence::Matches { matches, .. } = &alert.evidence {
            return matches.iter().any(|m| owner(&m.account))
                || (alert.scope.kind == "csm" && alert.scope.key.as_deref() == Some(csm));
        }
        let key = alert.scope.key.as_deref().unwrap_or_default();
        match alert.scope.kind {
            "csm" => key == csm,
            "account" => owner(key),
            "segment" => data
                .accounts
                .rows
                .iter()
                .any(|a| a.csm_id.as_deref() == Some(csm) && a.segment.as_deref() == Some(key)),
            _ => true,
        }
    }

    /// The alerts routed to `scope`.
    fn routed(&self, scope: &MailScope) -> Vec<&Alert> {
        let to = |a: &Alert, role: &str| a.recipients.iter().any(|r| r == role);
        match scope {
            MailScope::Company => self.alerts.iter().collect(),
            MailScope::Recipient(r) => self.alerts.iter().filter(|a| to(a, r)).collect(),
            MailScope::Csm(id) => self
                .alerts
                .iter()
                .filter(|a| to(a, "csm") && self.in_book(a, id))
                .collect(),
            MailScope::Manager(id) => {
                let managed: Vec<&str> = self
                    .project
                    .data
                    .csms
                    .as_ref()
                    .map(|c| c.rows.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .filter(|c| c.manager_id.as_deref() == Some(id))
                    .map(|c| c.id.as_str())
                    .collect();
                self.alerts
                    .iter()
                    .filter(|a| to(a, "manager") && managed.iter().any(|c| self.in_book(a, c)))
                    .collect()
            }
        }
    }

    /// The alerts as a digest lists them: at most `ALERTS`, and how many more.
    fn alert_list(&self, alerts: &[&Alert]) -> (Vec<AlertView>, usize) {
        let shown = &alerts[..alerts.len().min(ALERTS)];
        let mut views = self.alert_views(shown, "");
        for view in &mut views {
            // A mail links the report page only: site paths do not resolve from a mailbox.
            for line in &mut view.lines {
                line.href = None;
            }
            // The summary line, then the largest matches.
            let more = view.lines.len().saturating_sub(1 + MATCHES);
            if more > 0 {
                view.lines.truncate(1 + MATCHES);
                view.lines.push(AlertLine {
                    text: format!("… and {more} more on the alerts page"),
                    href: None,
                });
            }
        }
        (views, alerts.len() - shown.len())
    }

    /// The link to `page` from the HTML file at `html`.
    fn link(&self, page: &str, html: &str) -> LinkView {
        match &self.project.config.site_url {
            Some(url) => LinkView {
                href: format!("{url}{page}"),
                path: page.to_string(),
                absolute: true,
            },
            None => LinkView {
                href: format!("{}{page}", up(html)),
                path: page.to_string(),
                absolute: false,
            },
        }
    }

    fn empty_digest(&self, title: String, link: LinkView, link_text: &str) -> Digest {
        Digest {
            project: self.project.config.name.clone(),
            title,
            period: None,
            as_of: self.as_of.to_string(),
            intro: None,
            tiles: Vec::new(),
            facts: Vec::new(),
            show_alerts: true,
            alerts: Vec::new(),
            alerts_more: 0,
            show_changes: false,
            changes: Vec::new(),
            attention: None,
            tables: Vec::new(),
            charts: Vec::new(),
            link,
            link_text: link_text.to_string(),
            pdf: false,
        }
    }

    /// One digest and its files.
    fn prepare(&self, job: &Job) -> Result<Prepared, Diagnostic> {
        match job {
            Job::Report(r) => self.report_digest(r),
            Job::Csm(r, entity, id, name) => self.csm_digest(r, entity, id, name),
            Job::Alerts(scope) => self.alert_digest(scope),
        }
    }

    /// A component of the project's reports built on `page` from its placeholder.
    fn built(&self, r: &Report, page: &super::Page, hex: &str) -> Result<Block, Diagnostic> {
        let dims: Vec<&str> = self.dimensions.iter().map(String::as_str).collect();
        self.component(hex, r, page, &dims)
    }

    /// A component made for a digest (`name(args)`), built on `page`.
    fn made(
        &self,
        r: &Report,
        page: &super::Page,
        name: &str,
        args: &[(&str, Json)],
    ) -> Result<Block, Diagnostic> {
        let dims: Vec<&str> = self.dimensions.iter().map(String::as_str).collect();
        let args: Vec<(String, Option<Json>)> = args
            .iter()
            .map(|(k, v)| ((*k).to_string(), Some(v.clone())))
            .collect();
        let component = crate::report::component::check(name, &args, &dims).map_err(|p| {
            let text: Vec<String> = p.iter().map(|p| p.message.clone()).collect();
            Diagnostic::file_error(
                &r.file,
                format!("in the digest's {name}(): {}", text.join("; ")),
            )
        })?;
        self.renderer()
            .build(page, &component)
            .map_err(|e| Diagnostic::file_error(&r.file, format!("in the digest's {name}(): {e}")))
    }

    /// The headline tiles of a report without `kpis(...)`: the executive dashboard's (the
    /// `index` report's first), built for `page`.
    fn dashboard_tiles(&self, page: &super::Page) -> Result<Vec<Tile>, Diagnostic> {
        let Some(index) = self.project.reports.iter().find(|r| r.slug == "index") else {
            return Ok(Vec::new());
        };
        let text = self.body_text(index, page)?;
        for (name, hex) in placeholders(&text) {
            if name == "kpis"
                && let Block::Tiles(tiles) = self.built(index, page, hex)?
            {
                return Ok(tiles);
            }
        }
        Ok(Vec::new())
    }

    /// The takeaway of the headline: the engine's reading of the first tile judged bad (else
    /// warning, else the first tile) in words, "ARR rose 0.5% to $21.7M".
    fn takeaway(&self, page: &super::Page, tiles: &[Tile]) -> Option<String> {
        let tile = tiles
            .iter()
            .find(|t| t.status == "bad")
            .or_else(|| tiles.iter().find(|t| t.status == "warning"))
            .or_else(|| tiles.first())?;
        let def = crate::metrics::catalog::get(tile.metric)?;
        let reading = crate::site::takeaways::reading(
            &self.facts,
            page,
            crate::site::takeaways::Lead::Headline(def),
            &self.project.config.currency,
        )?;
        crate::render::takeaway::sentence(&reading)
    }

    /// The digest of the latest issue of a cadence report.
    fn report_digest(&self, r: &Report) -> Result<Prepared, Diagnostic> {
        let period = self.latest(r);
        let page_path = Self::report_path(r, &period);
        let page = self.page(&page_path, period.clone(), Entity::All);
        let html = format!("{DIR}/{}.html", r.slug);
        let text = self.body_text(r, &page)?;
        let mut tiles = None;
        let mut changes = None;
        let mut attention: Option<Attention> = None;
        let mut figures = Vec::new();
        for (name, hex) in placeholders(&text) {
            let wanted = match name.as_str() {
                "kpis" => tiles.is_none(),
                "changes" => changes.is_none(),
                "attention" => attention.is_none(),
                "chart" => figures.len() < CHARTS,
                _ => false,
            };
            if !wanted {
                continue;
            }
            match self.built(r, &page, hex)? {
                Block::Tiles(t) => tiles = Some(t),
                Block::Changes(c) => changes = Some(c),
                Block::Attention(a) => attention = Some(a),
                Block::Figure(f) => figures.push(f),
                _ => {}
            }
        }
        let tiles = match tiles {
            Some(t) => t,
            None => self.dashboard_tiles(&page)?,
        };
        let mut attention = match attention {
            Some(a) => Some(a),
            None => match self.made(r, &page, "attention", &[("limit", Json::from(5))])? {
                Block::Attention(a) => Some(a),
                _ => None,
            },
        };
        let mut changes = changes.unwrap_or_default();
        if let Some(a) = attention.as_mut() {
            // The attention block's own "what changed" lines, when the report has no list of
            // its own; shown once, in the "what changed" section.
            if changes.is_empty() {
                changes = std::mem::take(&mut a.changes);
            }
            a.changes.clear();
        }
        if changes.is_empty()
            && let Block::Changes(c) =
                self.made(r, &page, "changes", &[("count", Json::from(3))])?
        {
            changes = c;
        }

        let mut files = Vec::new();
        let mut images = Vec::new();
        let mut charts_view = Vec::new();
        for (i, f) in figures.iter().enumerate() {
            let n = i + 1;
            let svg = charts::pdf_svg(&f.chart, &f.id, &f.title, &f.alt, PdfFrame::Mail);
            let src = format!("{}/chart-{n}.svg", r.slug);
            files.push((format!("{DIR}/{src}"), svg.into_bytes()));
            images.push(MailImage {
                src: src.clone(),
                svg: format!("{DIR}/{src}"),
                cid: format!("chart-{n}.{}@postsale", file_id(&r.slug)),
                width: CHART_WIDTH,
            });
            charts_view.push(ChartView {
                src,
                title: f.title.clone(),
                alt: f.alt.clone(),
                width: CHART_WIDTH,
            });
        }
        let pdf = (self.pdf && self.gets_pdf(r))
            .then(|| format!("{}.pdf", page_path.trim_end_matches(".html")));
        let (alerts, alerts_more) = self.alert_list(&self.routed(&MailScope::Company));
        let subject = match self.takeaway(&page, &tiles) {
            Some(t) => format!("{}, {}: {t}", r.front.title, short_label(&period)),
            None => format!("{}, {}", r.front.title, short_label(&period)),
        };
        let digest = Digest {
            period: Some(period.label()),
            tiles,
            show_alerts: !self.project.rules.0.is_empty(),
            alerts,
            alerts_more,
            show_changes: true,
            changes,
            attention,
            charts: charts_view,
            pdf: pdf.is_some(),
            ..self.empty_digest(
                r.front.title.clone(),
                self.link(&page_path, &html),
                "Open the full report",
            )
        };
        self.finish(
            Mail {
                report: r.slug.clone(),
                scope: MailScope::Company,
                subject,
                html,
                text: format!("{DIR}/{}.txt", r.slug),
                images,
                pdf,
                page: page_path,
                empty: false,
            },
            &digest,
            files,
        )
    }

    /// The digest of one CSM's book: their tiles and snapshot, their alerts, their ranked
    /// actions and their renewals in the next 90 days.
    fn csm_digest(
        &self,
        r: &Report,
        entity: &Entity,
        id: &str,
        name: &str,
    ) -> Result<Prepared, Diagnostic> {
        let period = self.latest(r);
        let page_path = format!("{}/{}.html", r.slug, file_id(id));
        let page = self.page(&page_path, period, entity.clone());
        let html = format!("{DIR}/{}/{}.html", r.slug, file_id(id));
        let text = self.body_text(r, &page)?;
        let mut tiles = None;
        let mut facts = None;
        for (component, hex) in placeholders(&text) {
            let wanted = match component.as_str() {
                "kpis" => tiles.is_none(),
                "snapshot" => facts.is_none(),
                _ => false,
            };
            if !wanted {
                continue;
            }
            match self.built(r, &page, hex)? {
                Block::Tiles(t) => tiles = Some(t),
                Block::Snapshot { facts: f, .. } => facts = Some(f),
                _ => {}
            }
        }
        let mut tables = Vec::new();
        // Four columns each, so the tables fit a phone's screen.
        for (of, columns, limit, title) in [
            (
                "actions",
                "rank, account, action, arr",
                ACTIONS,
                "Your actions",
            ),
            (
                "renewals",
                "account, due_on, arr, stage",
                RENEWALS,
                "Your renewals",
            ),
        ] {
            if let Block::Table(t) = self.made(
                r,
                &page,
                "table",
                &[
                    ("of", Json::from(of)),
                    ("columns", Json::from(columns)),
                    ("limit", Json::from(limit)),
                ],
            )? {
                tables.push(TableView::new(title, &t));
            }
        }
        let tiles = tiles.unwrap_or_default();
        let mine: Vec<&Alert> = self.alerts.iter().filter(|a| self.in_book(a, id)).collect();
        let (alerts, alerts_more) = self.alert_list(&mine);
        let subject = match self.takeaway(&page, &tiles) {
            Some(t) => format!("Your book, {name}, as of {}: {t}", self.as_of),
            None => format!("Your book, {name}, as of {}", self.as_of),
        };
        let digest = Digest {
            tiles,
            facts: facts.unwrap_or_default(),
            show_alerts: !self.project.rules.0.is_empty(),
            alerts,
            alerts_more,
            tables,
            ..self.empty_digest(
                format!("{}: {name}", r.front.title),
                self.link(&page_path, &html),
                "Open your book",
            )
        };
        self.finish(
            Mail {
                report: r.slug.clone(),
                scope: MailScope::Csm(id.to_string()),
                subject,
                text: html.replace(".html", ".txt"),
                html,
                images: Vec::new(),
                pdf: None,
                page: page_path,
                empty: false,
            },
            &digest,
            Vec::new(),
        )
    }

    /// The alerts routed to one recipient of the rules.
    fn alert_digest(&self, scope: &MailScope) -> Result<Prepared, Diagnostic> {
        let key = scope_key(scope);
        let html = format!("{DIR}/alerts/{key}.html");
        let page_path = "alerts.html".to_string();
        let routed = self.routed(scope);
        let csm_name = |id: &str| {
            self.project
                .data
                .csms
                .as_ref()
                .and_then(|c| c.index.get(id))
                .and_then(|&i| self.project.data.csms.as_ref()?.rows.get(i as usize))
                .map_or_else(|| id.to_string(), |c| format!("{} ({id})", c.name))
        };
        let whom = match scope {
            MailScope::Company => "everyone".to_string(),
            MailScope::Recipient(r) => r.clone(),
            MailScope::Csm(id) => format!("{}, for their book", csm_name(id)),
            MailScope::Manager(id) => format!("{}, for the books of their team", csm_name(id)),
        };
        let (alerts, alerts_more) = self.alert_list(&routed);
        let count = routed.len();
        let subject = format!(
            "Alerts, {}: {} for {whom}",
            self.as_of,
            match count {
                0 => "none".to_string(),
                1 => "1 alert".to_string(),
                n => format!("{n} alerts"),
            }
        );
        let digest = Digest {
            intro: Some(format!(
                "The alerts of {} (against the evaluation of {}) for {whom}.",
                self.as_of,
                crate::metrics::alerts::previous_date(self.as_of)
            )),
            alerts,
            alerts_more,
            ..self.empty_digest(
                "Alerts".to_string(),
                self.link(&page_path, &html),
                "Open the alerts page",
            )
        };
        self.finish(
            Mail {
                report: "alerts".into(),
                scope: scope.clone(),
                subject,
                text: format!("{DIR}/alerts/{key}.txt"),
                html,
                images: Vec::new(),
                pdf: None,
                page: page_path,
                empty: count == 0,
            },
            &digest,
            Vec::new(),
        )
    }

    /// Renders the digest's HTML and text into `mail`'s files.
    fn finish(
        &self,
        mut mail: Mail,
        digest: &Digest,
        mut files: Vec<(String, Vec<u8>)>,
    ) -> Result<Prepared, Diagnostic> {
        mail.subject = one_line(&mail.subject);
        let mut ctx = tera::Context::new();
        ctx.insert("mail", digest);
        ctx.insert("subject", &mail.subject);
        ctx.insert(
            "colours",
            &COLOURS
                .iter()
                .map(|(k, v)| (*k, *v))
                .collect::<std::collections::BTreeMap<_, _>>(),
        );
        for (template, path) in [
            ("mail/digest.html", &mail.html),
            ("mail/digest.txt", &mail.text),
        ] {
            let body = self.template(
                template,
                &ctx,
                &format!("themes/default/templates/{template}"),
                0,
            )?;
            files.push((path.clone(), body.into_bytes()));
        }
        Ok(Prepared { mail, files })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_name_a_week_without_its_days() {
        let week = Period::parse(
            "2026-W43",
            1,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        )
        .expect("a week");
        assert_eq!(week.label(), "Week 43, 2026 (19–25 Oct)");
        assert_eq!(short_label(&week), "Week 43, 2026");
        let month = Period::parse(
            "2026-10",
            1,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        )
        .expect("a month");
        assert_eq!(short_label(&month), "October 2026");
    }

    #[test]
    fn every_status_and_severity_has_a_colour() {
        use crate::alerts::Severity;
        use crate::metrics::status::Status;
        let names: Vec<&str> = [
            Status::Good,
            Status::Warning,
            Status::Bad,
            Status::Missing,
            Status::Neutral,
        ]
        .into_iter()
        .map(crate::site::components::status_name)
        .chain([Severity::Critical, Severity::Warning, Severity::Info].map(Severity::name))
        .collect();
        for name in names {
            assert!(COLOURS.iter().any(|(n, _)| *n == name), "{name}");
        }
    }

    #[test]
    fn subjects_stay_on_one_line() {
        assert_eq!(
            one_line("Your book, Ann\r\nBcc: x@example.com"),
            "Your book, Ann  Bcc: x@example.com"
        );
    }

    #[test]
    fn alert_digests_are_named_by_role_address_or_person() {
        assert_eq!(
            scope_key(&MailScope::Recipient("leadership".into())),
            "leadership"
        );
        assert_eq!(scope_key(&MailScope::Csm("CSM002".into())), "csm-CSM002");
        assert_eq!(
            scope_key(&MailScope::Manager("CSM001".into())),
            "manager-CSM001"
        );
        assert_eq!(up("mail/alerts/x.html"), "../../");
    }

    #[test]
    fn placeholders_come_in_body_order() {
        let payload = |name: &str| {
            let json = serde_json::json!([name, {}]).to_string();
            super::super::placeholder(&json)
        };
        let text = format!(
            "# A\n\n{}\n\ntext {} more\n",
            payload("kpis"),
            payload("chart")
        );
        let names: Vec<String> = placeholders(&text).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["kpis", "chart"]);
    }
}
