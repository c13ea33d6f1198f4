//! Report definitions: `reports/*.md`, each a YAML front matter block and a Markdown body with
//! embedded components. This module parses and checks them against the metric catalog; it does
//! not render anything (that is `crate::site`).

pub mod component;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::period::PeriodKind;
use serde::Deserialize;
use std::path::Path;

/// How often a report is published; each cadence has its period kind and an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Weekly,
    Monthly,
    Quarterly,
    Annual,
    /// The board snapshot: one fiscal quarter.
    Board,
}

impl Cadence {
    /// The period one issue of the report covers.
    pub fn period_kind(self) -> PeriodKind {
        match self {
            Cadence::Weekly => PeriodKind::Week,
            Cadence::Monthly => PeriodKind::Month,
            Cadence::Quarterly | Cadence::Board => PeriodKind::Quarter,
            Cadence::Annual => PeriodKind::Year,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Cadence::Weekly => "weekly",
            Cadence::Monthly => "monthly",
            Cadence::Quarterly => "quarterly",
            Cadence::Annual => "annual",
            Cadence::Board => "board",
        }
    }
}

/// What a report is rendered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    Html,
    Pdf,
}

/// The PDF layout of a report with `pdf` among its outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One page: the executive numbers.
    Onepager,
    /// 16:9 slides, one per section.
    Deck,
    /// Flowing pages.
    #[default]
    Document,
}

/// Paper size of `onepager` and `document` PDFs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

/// PDF options of the front matter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PdfOptions {
    pub layout: Layout,
    pub paper: Paper,
    /// Whether a deck's slides are titled with the takeaway from their numbers (the default)
    /// rather than their headings; decks only.
    pub takeaways: Option<bool>,
    /// The sections (level-1 headings, as written) whose slides keep their heading; decks only.
    pub keep_headings: Vec<String>,
}

impl PdfOptions {
    /// Whether the slide of the section headed `heading` is titled with its takeaway.
    pub fn takeaway(&self, heading: &str) -> bool {
        self.layout == Layout::Deck
            && self.takeaways != Some(false)
            && !self.keep_headings.iter().any(|h| h == heading)
    }
}

/// The level-1 headings written in a body (`# Retention`), for checking `keep_headings`.
fn written_headings(body: &str) -> Vec<&str> {
    body.lines()
        .filter_map(|l| l.strip_prefix("# "))
        .map(str::trim)
        .collect()
}

/// Problems with the takeaway options: set on a layout that is not a deck, or naming a heading
/// the body does not write.
fn check_takeaways(
    front: &FrontMatter,
    front_text: &str,
    body: &str,
    file: &str,
) -> Vec<Diagnostic> {
    let pdf = &front.pdf;
    let mut problems = Vec::new();
    let at = |key: &str| {
        let (line, column) = crate::yaml::locate(front_text, &["pdf", key]);
        (line + 1, column)
    };
    if pdf.layout != Layout::Deck {
        for (key, set) in [
            ("takeaways", pdf.takeaways.is_some()),
            ("keep_headings", !pdf.keep_headings.is_empty()),
        ] {
            if set {
                let (line, column) = at(key);
                problems.push(
                    Diagnostic::error(file, line, column, format!("`{key}` applies to decks only"))
                        .with_help("set `layout: deck`, or remove the key: only slides have takeaway titles"),
                );
            }
        }
        return problems;
    }
    let headings = written_headings(body);
    for heading in &pdf.keep_headings {
        if !headings.contains(&heading.as_str()) {
            let (line, column) = at("keep_headings");
            let help = match crate::diagnostic::suggest(heading, headings.iter().copied()) {
                Some(h) => format!("did you mean `{h}`?"),
                None if headings.is_empty() => "the body has no `# ` heading".to_string(),
                None => format!("the body's headings: {}", headings.join(", ")),
            };
            problems.push(
                Diagnostic::error(
                    file,
                    line,
                    column,
                    format!(
                        "`keep_headings` names `{heading}`, which is not a `# ` heading of the body"
                    ),
                )
                .with_help(help),
            );
        }
    }
    problems
}

/// The problems of a `select:`: only with `per: account`, at least one criterion, and columns
/// that accounts.csv has (`dimensions`, the valid `by` values, name its extra columns; empty:
/// any column is taken).
fn check_selection(
    front: &FrontMatter,
    front_text: &str,
    file: &str,
    dimensions: &[&str],
) -> Vec<Diagnostic> {
    use crate::metrics::selection::known_columns;
    let Some(select) = &front.select else {
        return Vec::new();
    };
    let at = |path: &[&str]| {
        let (line, column) = crate::yaml::locate(front_text, path);
        (line + 1, column)
    };
    let mut problems = Vec::new();
    if front.per != Some(Per::Account) {
        let (line, column) = at(&["select"]);
        problems.push(
            Diagnostic::error(
                file,
                line,
                column,
                "`select` applies to `per: account` reports only",
            )
            .with_help("add `per: account`, or remove `select`"),
        );
    } else if select.is_empty() {
        let (line, column) = at(&["select"]);
        problems.push(
            Diagnostic::error(file, line, column, "`select` names no criterion")
                .with_help("give at least one of at_risk: true, top_arr: N, renewal_within_days: D, where: \"column op value\"; or remove `select` for every account"),
        );
    }
    if !dimensions.is_empty() {
        let builtin: &[&str] = &crate::metrics::breakdown::ATTRIBUTES;
        let extra = dimensions
            .iter()
            .copied()
            .filter(|d| !builtin.contains(d) && !["acv_band", "cohort"].contains(d));
        let mut known: Vec<&str> = extra.collect();
        for c in known_columns() {
            known.push(c);
        }
        for c in &select.conditions {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(&c.column)) {
                let (line, column) = at(&["select", "where"]);
                problems.push(
                    Diagnostic::error(
                        file,
                        line,
                        column,
                        format!(
                            "`where` names the column `{}`, which accounts have not",
                            c.column
                        ),
                    )
                    .with_help(did_you_mean(&c.column, &known)),
                );
            }
        }
    }
    problems
}

/// The entities a `per:` report renders one page for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Csm,
    Segment,
    Account,
}

impl Per {
    pub fn name(self) -> &'static str {
        match self {
            Per::Csm => "csm",
            Per::Segment => "segment",
            Per::Account => "account",
        }
    }
}

/// The period a standing (cadence-less) report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Span {
    Week,
    #[default]
    Month,
    Quarter,
    Year,
    Ttm,
}

impl Span {
    pub fn kind(self) -> PeriodKind {
        match self {
            Span::Week => PeriodKind::Week,
            Span::Month => PeriodKind::Month,
            Span::Quarter => PeriodKind::Quarter,
            Span::Year => PeriodKind::Year,
            Span::Ttm => PeriodKind::Ttm,
        }
    }
}

/// The YAML front matter of a report.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    pub cadence: Option<Cadence>,
    pub audience: String,
    pub description: String,
    pub outputs: Vec<Output>,
    pub pdf: PdfOptions,
    /// How many issues the archive keeps, the latest included.
    pub archive: usize,
    pub per: Option<Per>,
    /// Which accounts get a page of a `per: account` report (None: every account).
    pub select: Option<crate::metrics::selection::Selection>,
    /// The period of a standing report (ignored with a cadence).
    pub period: Span,
    /// Position in the site navigation (lower first); reports with `per` are never in it.
    pub order: i32,
    /// Whether the report is listed in the navigation.
    pub nav: bool,
}

impl Default for FrontMatter {
    fn default() -> Self {
        FrontMatter {
            title: String::new(),
            cadence: None,
            audience: String::new(),
            description: String::new(),
            outputs: vec![Output::Html],
            pdf: PdfOptions::default(),
            archive: 12,
            per: None,
            select: None,
            period: Span::default(),
            order: 50,
            nav: true,
        }
    }
}

/// One parsed report definition.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file as shown in diagnostics: `reports/monthly.md`.
    pub file: String,
    /// The file stem: `monthly`. `index` is the home page.
    pub slug: String,
    pub front: FrontMatter,
    /// The Markdown body (a Tera template).
    pub body: String,
    /// The 1-based line of the file where the body starts.
    pub body_line: usize,
    /// The component calls found in the body.
    pub calls: Vec<component::Call>,
}

impl Report {
    /// The period kind one page of the report covers.
    pub fn period_kind(&self) -> PeriodKind {
        match self.front.cadence {
            Some(c) => c.period_kind(),
            None => self.front.period.kind(),
        }
    }

    pub fn has_output(&self, output: Output) -> bool {
        self.front.outputs.contains(&output)
    }
}

/// The front matter and the body of a report's text, with the body's first line.
fn split_front_matter(text: &str) -> Option<(&str, &str, usize)> {
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let mut offset = 0;
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        if line.trim_end() == "---" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            return Some((front, body, i + 3));
        }
        offset += line.len();
    }
    None
}

/// Parses one report and checks its components and template syntax; `file` is its display path,
/// `slug` its file stem, `dimensions` the valid `by` values (empty: any).
pub fn parse(
    text: &str,
    file: &str,
    slug: &str,
    dimensions: &[&str],
) -> Result<Report, Vec<Diagnostic>> {
    let Some((front_text, body, body_line)) = split_front_matter(text) else {
        return Err(vec![
            Diagnostic::error(file, 1, 1, "missing front matter").with_help(
                "start the file with a `---` line, the YAML keys (title, cadence, ...), and a closing `---` line",
            ),
        ]);
    };
    // The front matter starts on line 2: shift the YAML's positions.
    let (front, mut problems) = crate::yaml::parse_all::<FrontMatter>(front_text, file);
    for d in &mut problems {
        d.line = d.line.map(|l| l + 1);
    }
    let Some(front) = front else {
        return Err(problems);
    };
    // A title set aside for a bad value is reported already.
    if front.title.trim().is_empty() && !problems.iter().any(|d| d.message.contains("'title'")) {
        problems.push(
            Diagnostic::error(file, 2, 1, "the front matter has no title")
                .with_help("add `title: ...`"),
        );
    }
    if front.archive == 0 {
        let (line, column) = crate::yaml::locate(front_text, &["archive"]);
        problems.push(
            Diagnostic::error(file, line + 1, column, "archive must be at least 1")
                .with_help("`archive: 12` keeps the latest issue and the 11 before it"),
        );
    }
    if front.per.is_some() && front.cadence.is_some() {
        let (line, column) = crate::yaml::locate(front_text, &["per"]);
        problems.push(
            Diagnostic::error(
                file,
                line + 1,
                column,
                "a report cannot have both `per` and `cadence`",
            )
            .with_help("entity pages show the current state; drop one of the two keys"),
        );
    }
    problems.extend(check_takeaways(&front, front_text, body, file));
    problems.extend(check_selection(&front, front_text, file, dimensions));
    let (calls, scan_problems) = component::scan(body, file, body_line);
    let scan_count = scan_problems.len();
    problems.extend(scan_problems);
    problems.extend(component::validate(&calls, file, dimensions));
    let report = Report {
        file: file.to_string(),
        slug: slug.to_string(),
        front,
        body: body.to_string(),
        body_line,
        calls,
    };
    // The body is a Tera template: its syntax is checked here, once (a malformed component
    // call is reported above already), and what it may not do (`guard::check`).
    if scan_count == 0 {
        problems.extend(check_template(&report));
    }
    problems.sort_by_key(|d| (d.line, d.column));
    if problems.is_empty() {
        Ok(report)
    } else {
        Err(problems)
    }
}

/// Parses a report's body as Tera does when building (with the component functions and only
/// the functions templates may call) and checks it statically: nesting first, so that Tera's
/// parser never recurses without bound, then syntax, then `guard::check`.
fn check_template(report: &Report) -> Vec<Diagnostic> {
    use crate::site::theme::guard;
    let source = guard::Source {
        name: report.slug.clone(),
        file: report.file.clone(),
        text: &report.body,
        first_line: report.body_line,
    };
    if let Some(d) = guard::nesting(&source) {
        return vec![d];
    }
    let mut tera = tera::Tera::default();
    guard::secure(&mut tera);
    for def in component::COMPONENTS {
        tera.register_function(
            def.name,
            |_: &std::collections::HashMap<String, tera::Value>| Ok(tera::Value::Null),
        );
    }
    if let Err(e) = tera.add_raw_template(&report.slug, &report.body) {
        return vec![report.template_problem(&e)];
    }
    guard::check(&tera, &[source])
}

impl Report {
    /// A Tera error of this report's body, at the file's line and column: where Tera names one
    /// (syntax errors), else where the body first uses the variable, filter or function the
    /// error names (errors while rendering), else at the file.
    pub fn template_problem(&self, e: &tera::Error) -> Diagnostic {
        use std::error::Error;
        let mut text = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        // Tera's parse errors carry ` --> line:column` relative to the body.
        let position = text.split("--> ").nth(1).and_then(|rest| {
            let mut parts = rest
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty());
            Some((
                parts.next()?.parse::<usize>().ok()?,
                parts.next()?.parse::<usize>().ok()?,
            ))
        });
        let position = position.or_else(|| self.render_error_position(&text));
        let message = text
            .replace(&format!("'reports/{}.md'", self.slug), "the body")
            .replace(&format!("'{}'", self.slug), "the body")
            .split("--> ")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_string()
                } else {
                    part.trim_start_matches(|c: char| c.is_ascii_digit() || c == ':')
                        .to_string()
                }
            })
            .collect::<String>()
            .lines()
            .map(|l| l.trim().trim_start_matches("= "))
            .filter(|l| {
                !l.is_empty()
                    && !l.starts_with("-->")
                    && !l.ends_with('|')
                    && !l.starts_with('|')
                    && !l.chars().next().is_some_and(|c| c.is_ascii_digit())
            })
            .collect::<Vec<_>>()
            .join(" ");
        match position {
            Some((line, column)) => {
                Diagnostic::error(&self.file, self.body_line + line - 1, column, message)
            }
            None => Diagnostic::file_error(&self.file, message),
        }
    }
}

impl Report {
    /// Where the body first uses a name quoted in a rendering error ("Variable `entity.nme` not
    /// found", "Filter `round` ..."), as the file's (line, column) counted from the body's start.
    fn render_error_position(&self, text: &str) -> Option<(usize, usize)> {
        let template = format!("reports/{}.md", self.slug);
        let mut names = Vec::new();
        for quote in ['`', '\'', '"'] {
            let parts: Vec<&str> = text.split(quote).collect();
            names.extend(parts.iter().skip(1).step_by(2).copied());
        }
        names
            .into_iter()
            .filter(|n| {
                !n.is_empty()
                    && *n != self.slug
                    && *n != template
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '[' | ']'))
            })
            .find_map(|n| crate::site::theme::guard::locate(&self.body, 1, n))
    }
}

/// Reads every `*.md` of `dir` (sorted by name). A missing folder gives no reports.
pub fn load_dir(
    dir: &Path,
    display_dir: &str,
    dimensions: &[&str],
) -> Result<Vec<Report>, Vec<Diagnostic>> {
    let mut files: Vec<_> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    files.sort();
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = format!("{display_dir}/{name}");
        let slug = name.trim_end_matches(".md").to_string();
        if !slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            problems.push(
                Diagnostic::file_error(&file, "a report's file name becomes its URL")
                    .with_help("use only letters, digits, '-' and '_' in the file name"),
            );
            continue;
        }
        match crate::files::read_text(&path, "a Markdown file") {
            Ok(text) => match parse(&text, &file, &slug, dimensions) {
                Ok(r) => reports.push(r),
                Err(d) => problems.extend(d),
            },
            Err(e) => problems.push(Diagnostic::file_error(&file, format!("cannot read: {e}"))),
        }
    }
    let mut slugs: Vec<&str> = reports.iter().map(|r| r.slug.as_str()).collect();
    slugs.sort_unstable();
    for reserved in RESERVED {
        if slugs.binary_search(reserved).is_ok() {
            problems.push(
                Diagnostic::file_error(
                    format!("{display_dir}/{reserved}.md"),
                    format!("'{reserved}' is a name the site uses for its own pages"),
                )
                .with_help("rename the file"),
            );
        }
    }
    if problems.is_empty() {
        Ok(reports)
    } else {
        Err(problems)
    }
}

/// Report names the site keeps for its own pages and folders.
pub const RESERVED: &[&str] = &[
    "assets",
    "metrics",
    "definitions",
    "data-quality",
    "alerts",
    "mail",
];

/// A "did you mean" over a list of choices, in the diagnostics' quoting style.
pub(crate) fn suggestion(input: &str, known: &[&str]) -> String {
    did_you_mean(input, known).replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_and_finds_the_body_line() {
        let text = "---\ntitle: Monthly\ncadence: monthly\noutputs: [html, pdf]\npdf: { layout: deck }\narchive: 6\n---\n# Hello\n\n{{ kpis(metrics=\"nrr, grr\") }}\n";
        let r = parse(text, "reports/monthly.md", "monthly", &[]).expect("valid");
        assert_eq!(r.front.title, "Monthly");
        assert_eq!(r.front.cadence, Some(Cadence::Monthly));
        assert_eq!(r.front.pdf.layout, Layout::Deck);
        assert_eq!(r.front.archive, 6);
        assert_eq!(r.body_line, 8);
        assert!(r.body.starts_with("# Hello"));
        assert_eq!(r.calls.len(), 1);
        assert_eq!(r.calls[0].line, 10);
        assert!(r.has_output(Output::Pdf));
    }

    #[test]
    fn unknown_front_matter_key_points_at_its_line() {
        let text = "---\ntitle: X\ncadense: monthly\n---\nbody\n";
        let err = parse(text, "reports/x.md", "x", &[]).expect_err("invalid");
        let shown = err[0].to_string();
        assert!(
            shown.starts_with("reports/x.md:3:1: error: unknown key 'cadense'"),
            "{shown}"
        );
        assert!(shown.contains("did you mean 'cadence'?"), "{shown}");
    }

    #[test]
    fn missing_front_matter_and_title_are_errors() {
        let err = parse("# no front matter\n", "reports/x.md", "x", &[]).expect_err("invalid");
        assert!(err[0].message.contains("missing front matter"));
        let err =
            parse("---\ncadence: weekly\n---\n", "reports/x.md", "x", &[]).expect_err("no title");
        assert!(err[0].message.contains("no title"));
    }

    #[test]
    fn hostile_templates_fail_at_parse_with_their_position() {
        let text = "---\ntitle: X\n---\nIntro\n\n{{ get_env(name=\"HOME\") }}\n{% for i in range(end=20000) %}{% endfor %}\n";
        let err = parse(text, "reports/x.md", "x", &[]).expect_err("invalid");
        let shown: Vec<String> = err.iter().map(|d| d.to_string()).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0].starts_with("reports/x.md:6:4: error: templates cannot read the environment"),
            "{shown:?}"
        );
        assert!(
            shown[1].starts_with("reports/x.md:7:13: error: range() would make 20000 numbers"),
            "{shown:?}"
        );
        // Components are known functions; a recursive macro is not allowed.
        let text = "---\ntitle: X\n---\n{{ kpis(metrics=\"nrr\") }}\n{% macro m() %}{{ self::m() }}{% endmacro m %}\n";
        let err = parse(text, "reports/x.md", "x", &[]).expect_err("invalid");
        assert_eq!(err.len(), 1, "{err:?}");
        assert!(
            err[0]
                .to_string()
                .starts_with("reports/x.md:5:10: error: macro m calls itself"),
            "{err:?}"
        );
    }

    #[test]
    fn render_errors_point_at_the_name_they_quote() {
        let text = "---\ntitle: X\n---\n# Title\n\nHello {{ entity.nmae }}.\n";
        let report = parse(text, "reports/x.md", "x", &[]).expect("valid");
        let mut tera = tera::Tera::default();
        tera.add_raw_template("reports/x.md", &report.body)
            .expect("parses");
        let mut ctx = tera::Context::new();
        ctx.insert("entity", &serde_json::json!({"name": "A"}));
        let err = tera.render("reports/x.md", &ctx).expect_err("undefined");
        let shown = report.template_problem(&err).to_string();
        assert!(shown.starts_with("reports/x.md:6:10: error: "), "{shown}");
        assert!(shown.contains("entity.nmae"), "{shown}");
        assert!(shown.contains("the body"), "{shown}");
        let text = "---\ntitle: X\n---\nA\n{{ \"x\" | round }}\n";
        let report = parse(text, "reports/x.md", "x", &[]).expect("valid");
        let mut tera = tera::Tera::default();
        tera.add_raw_template("reports/x.md", &report.body)
            .expect("parses");
        let err = tera
            .render("reports/x.md", &tera::Context::new())
            .expect_err("not a number");
        let shown = report.template_problem(&err).to_string();
        assert!(shown.starts_with("reports/x.md:5:10: error: "), "{shown}");
    }

    #[test]
    fn every_front_matter_problem_is_reported_at_once() {
        let text = "---\ntitle: X\ncadense: monthly\narchive: many\ntitle: Y\n---\nbody\n";
        let err = parse(text, "reports/x.md", "x", &[]).expect_err("invalid");
        let shown: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with("reports/x.md:3:1: error: unknown key 'cadense'"),
            "{shown:?}"
        );
        assert!(shown[1].starts_with("reports/x.md:4:"), "{shown:?}");
        assert!(shown[1].contains("archive"), "{shown:?}");
        assert!(
            shown[2].starts_with("reports/x.md:5:1: error: duplicate key 'title'"),
            "{shown:?}"
        );
    }

    #[test]
    fn a_deck_keeps_the_headings_it_names_or_all_of_them() {
        let deck = "---\ntitle: D\noutputs: [html, pdf]\npdf: { layout: deck, keep_headings: [Cohorts] }\n---\n# Retention\n\n# Cohorts\n";
        let r = parse(deck, "reports/d.md", "d", &[]).expect("valid");
        assert!(r.front.pdf.takeaway("Retention"));
        assert!(!r.front.pdf.takeaway("Cohorts"));
        let off = "---\ntitle: D\npdf: { layout: deck, takeaways: false }\n---\n# Retention\n";
        let r = parse(off, "reports/d.md", "d", &[]).expect("valid");
        assert!(!r.front.pdf.takeaway("Retention"));
        // Documents and one-pagers have no takeaway titles.
        let doc = "---\ntitle: D\n---\n# Retention\n";
        let r = parse(doc, "reports/d.md", "d", &[]).expect("valid");
        assert!(!r.front.pdf.takeaway("Retention"));
    }

    #[test]
    fn takeaway_options_are_checked_against_the_layout_and_the_headings() {
        let text = "---\ntitle: D\npdf:\n  layout: deck\n  keep_headings: [Cohort, Nowhere]\n---\n# Retention\n\n# Cohorts\n";
        let shown: Vec<String> = parse(text, "reports/d.md", "d", &[])
            .expect_err("invalid")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0].starts_with("reports/d.md:5:3: error: `keep_headings` names `Cohort`, which is not a `# ` heading of the body"),
            "{shown:?}"
        );
        assert!(
            shown[0].contains("help: did you mean `Cohorts`?"),
            "{shown:?}"
        );
        assert!(
            shown[1].contains("help: the body's headings: Retention, Cohorts"),
            "{shown:?}"
        );
        let text = "---\ntitle: D\npdf: { layout: onepager, takeaways: true }\n---\n# Retention\n";
        let shown = parse(text, "reports/d.md", "d", &[]).expect_err("invalid")[0].to_string();
        assert!(
            shown.starts_with("reports/d.md:3:")
                && shown.contains("`takeaways` applies to decks only"),
            "{shown}"
        );
    }

    #[test]
    fn bad_cadence_value_is_reported() {
        let err = parse(
            "---\ntitle: X\ncadence: daily\n---\n",
            "reports/x.md",
            "x",
            &[],
        )
        .expect_err("invalid");
        let shown = err[0].to_string();
        assert!(shown.contains("reports/x.md:3:"), "{shown}");
        assert!(shown.contains("daily"), "{shown}");
    }
}
