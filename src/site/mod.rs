//! The site: a project (config, data, reports, theme) loaded and checked as one value, the page
//! plan, parallel rendering and the atomic write. `build` lists the steps in order; `serve`
//! rebuilds on changes, reloading only the parts of the project a change touches.

pub mod components;
pub mod facts;
pub mod links;
pub mod output;
pub mod pages;
pub mod serve;
pub mod theme;

use crate::config::Config;
use crate::data::Dataset;
use crate::data::load::{LoadOptions, load};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::metrics::breakdown::{ATTRIBUTES, Dimension};
use crate::report::{self, Report};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use theme::Theme;

/// A project, loaded and checked: everything a build reads.
pub struct Project {
    pub dir: PathBuf,
    pub config: Config,
    pub data: Dataset,
    /// Warnings and notices of the data load, for the data-quality page.
    pub data_notes: Vec<String>,
    pub reports: Vec<Report>,
    pub theme: Theme,
}

/// The `by` dimensions the project's data offers.
pub fn dimensions(data: &Dataset) -> Vec<String> {
    let mut out: Vec<String> = ATTRIBUTES
        .iter()
        .chain(["acv_band", "cohort"].iter())
        .filter(|d| Dimension::parse(d, &data.accounts).is_ok())
        .map(|d| d.to_string())
        .collect();
    out.extend(data.accounts.extra_columns.iter().cloned());
    out
}

/// The loaded data tables and the warnings and notices of their load.
pub type LoadedData = (Dataset, Vec<String>);

/// Reads the data tables of the project (from the configured `data_dir`).
pub fn load_data(dir: &Path, config: &Config) -> Result<LoadedData, Vec<Diagnostic>> {
    let loaded = load(
        &dir.join(&config.data_dir),
        &LoadOptions {
            lenient: config.lenient,
            ..LoadOptions::default()
        },
    );
    match loaded {
        Ok(l) => {
            let mut notes: Vec<String> = l.warnings.iter().map(|w| w.to_string()).collect();
            notes.extend(l.notices);
            Ok((l.dataset, notes))
        }
        Err(Diagnostics(d)) => Err(d),
    }
}

/// Parses and checks the report definitions of `reports/`. The data, when it loaded, says which
/// `by` dimensions a report may use; without it they are not checked.
pub fn load_reports(dir: &Path, data: Option<&Dataset>) -> Result<Vec<Report>, Vec<Diagnostic>> {
    let dims = data.map(dimensions).unwrap_or_default();
    let dims: Vec<&str> = dims.iter().map(String::as_str).collect();
    report::load_dir(&dir.join("reports"), "reports", &dims)
}

/// Reads the theme (the embedded default overlaid with the project's files) and parses its
/// templates.
pub fn load_theme(dir: &Path) -> Result<Theme, Vec<Diagnostic>> {
    let theme = Theme::load(dir)?;
    theme.tera()?;
    Ok(theme)
}

/// Loads config, data, reports and theme, reporting every problem of all four at once.
pub fn load_project(dir: &Path) -> Result<Project, Diagnostics> {
    let mut problems: Vec<Diagnostic> = Vec::new();
    let config = match crate::config::load(dir) {
        Ok(c) => c,
        Err(Diagnostics(d)) => {
            problems.extend(d);
            Config::default()
        }
    };
    let (data, data_notes) = match load_data(dir, &config) {
        Ok((data, notes)) => (Some(data), notes),
        Err(d) => {
            problems.extend(d);
            (None, Vec::new())
        }
    };
    let reports = load_reports(dir, data.as_ref()).unwrap_or_else(|d| {
        problems.extend(d);
        Vec::new()
    });
    let theme = load_theme(dir).unwrap_or_else(|d| {
        problems.extend(d);
        Theme::default()
    });
    match data {
        Some(data) if problems.is_empty() => Ok(Project {
            dir: dir.to_path_buf(),
            config,
            data,
            data_notes,
            reports,
            theme,
        }),
        _ => Err(Diagnostics(problems)),
    }
}

/// What a build did, for the summary line and the benchmark.
#[derive(Debug, Default)]
pub struct Summary {
    pub pages: usize,
    pub files: usize,
    pub bytes: u64,
    /// Step name → duration, in order.
    pub steps: Vec<(&'static str, Duration)>,
}

/// Options of one build.
#[derive(Debug, Clone)]
pub struct Options {
    pub as_of: NaiveDate,
    pub out: PathBuf,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
}

/// Builds the site of `project` into `options.out`, atomically: pages are rendered in parallel
/// into a temporary folder beside it, which replaces the old output only when every page
/// succeeded.
pub fn build(project: &Project, options: &Options) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    let mut clock = Instant::now();
    let mut step = |summary: &mut Summary, name: &'static str| {
        summary.steps.push((name, clock.elapsed()));
        clock = Instant::now();
    };

    // 1. Templates and report bodies, parsed once.
    let tera = pages::tera(project).map_err(Diagnostics)?;
    step(&mut summary, "templates");

    // 2. The page plan: every page of the site, with its period and entity.
    let site = pages::Site::new(project, &tera, options.as_of);
    let jobs = site.plan();
    step(&mut summary, "plan");

    // 3. Render every page in parallel (metrics are computed on first use and shared).
    let rendered = site
        .render_all(&jobs, options.progress)
        .map_err(Diagnostics)?;
    summary.pages = rendered.len();
    step(&mut summary, "render");

    // 4. Write into a temporary folder, add the theme's static files, swap it in.
    let mut files = rendered;
    files.extend(site.static_files());
    summary.files = files.len();
    summary.bytes = files.iter().map(|(_, b)| b.len() as u64).sum();
    output::write_atomically(&options.out, &files)?;
    step(&mut summary, "write");
    Ok(summary)
}
