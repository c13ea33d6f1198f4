//! The site: a project (config, data, reports, theme) loaded and checked as one value, the page
//! plan, parallel rendering, the PDFs (Typst sources, compiled beside the pages) and the atomic
//! write. `build` lists the steps in order; `serve` rebuilds on changes, reloading only the parts
//! of the project a change touches.

pub(crate) mod alerts;
pub mod components;
pub mod facts;
mod index_table;
pub mod links;
pub(crate) mod numbers;
pub mod output;
pub mod pages;
pub mod pdf;
pub mod serve;
pub(crate) mod takeaways;
pub mod theme;

use crate::config::Config;
use crate::data::Dataset;
use crate::data::load::{LoadOptions, load};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::metrics::breakdown::{ATTRIBUTES, Dimension};
use crate::report::{self, Report};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use theme::Theme;

/// A project, loaded and checked: everything a build reads.
pub struct Project {
    pub dir: PathBuf,
    pub config: Config,
    pub data: Dataset,
    /// Warnings, skipped rows and notices of the data load, for the data-quality page and the
    /// commands' output.
    pub data_notes: DataNotes,
    pub reports: Vec<Report>,
    pub theme: Theme,
    /// The alert rules of `alerts.yaml` (none without the file).
    pub rules: crate::alerts::Rules,
    /// The what-if scenarios of `scenarios/*.yaml`, in file-name order.
    pub scenarios: Vec<crate::analytics::scenario::Scenario>,
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

/// What a data load says besides its errors.
#[derive(Debug, Clone, Default)]
pub struct DataNotes {
    /// Why rows were skipped (lenient mode), capped per file as errors are.
    pub warnings: Vec<Diagnostic>,
    /// File name → rows skipped, for the files with any.
    pub skipped: BTreeMap<String, usize>,
    /// One line per absent optional table.
    pub notices: Vec<String>,
    /// The tables read from the database and the digest of their rows, for the inputs'
    /// fingerprint.
    pub database: Vec<(String, String)>,
}

/// At most this many warnings are printed; the data-quality page lists them all.
const PRINTED_WARNINGS: usize = 20;

impl DataNotes {
    /// One line per file with skipped rows, e.g. `accounts.csv: 2 rows skipped (lenient: true), ...`.
    pub fn skipped_lines(&self) -> Vec<String> {
        self.skipped
            .iter()
            .map(|(file, &n)| {
                let rows = if n == 1 { "row" } else { "rows" };
                format!(
                    "{file}: {n} {rows} skipped (lenient: true), left out of every count and metric"
                )
            })
            .collect()
    }

    /// Everything, one entry each, for the data-quality page: the skipped-row counts, the
    /// warnings, the notices.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.skipped_lines();
        lines.extend(self.warnings.iter().map(Diagnostic::to_string));
        lines.extend(self.notices.iter().cloned());
        lines
    }

    /// Prints the warnings to stderr (the first `PRINTED_WARNINGS`, then how many more), then
    /// one line per file with skipped rows. `build` and `check` call it once the project loads.
    pub fn print_warnings(&self) {
        for warning in self.warnings.iter().take(PRINTED_WARNINGS) {
            eprintln!("{warning}");
        }
        if self.warnings.len() > PRINTED_WARNINGS {
            eprintln!(
                "... and {} more warnings (all are listed on the data-quality page)",
                self.warnings.len() - PRINTED_WARNINGS
            );
        }
        for line in self.skipped_lines() {
            eprintln!("warning: {line}");
        }
    }
}

impl serde::Serialize for DataNotes {
    /// As the list of `lines`, which is what a template shows.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.lines())
    }
}

/// The loaded data tables and what their load said besides errors.
pub type LoadedData = (Dataset, DataNotes);

/// Reads the data tables of the project (from the configured `data_dir`), with the options of
/// its config (`lenient`, the `dates` window).
pub fn load_data(dir: &Path, config: &Config) -> Result<LoadedData, Vec<Diagnostic>> {
    match load(
        &dir.join(&config.data_dir),
        &LoadOptions {
            digests: true,
            ..LoadOptions::from_config(config)
        },
    ) {
        Ok(l) => Ok((
            l.dataset,
            DataNotes {
                warnings: l.warnings,
                skipped: l.skipped,
                notices: l.notices,
                database: l.database,
            },
        )),
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

/// The alert rules of `alerts.yaml` and the what-if scenarios of `scenarios/`, each checked
/// against `data` when it loaded, with every problem of both.
pub fn load_rules(
    dir: &Path,
    data: Option<&Dataset>,
) -> Result<
    (
        crate::alerts::Rules,
        Vec<crate::analytics::scenario::Scenario>,
    ),
    Vec<Diagnostic>,
> {
    let mut problems = Vec::new();
    let rules = crate::alerts::load(dir).unwrap_or_else(|Diagnostics(d)| {
        problems.extend(d);
        crate::alerts::Rules::default()
    });
    if let Some(data) = data {
        problems.extend(crate::alerts::check_against(&rules, data));
    }
    let scenarios = crate::analytics::scenario::file::load_all(dir).unwrap_or_else(|d| {
        problems.extend(d.0);
        Vec::new()
    });
    if let Some(data) = data {
        problems.extend(crate::analytics::scenario::file::check_against(
            &scenarios, data,
        ));
    }
    if problems.is_empty() {
        Ok((rules, scenarios))
    } else {
        Err(problems)
    }
}

/// Loads config, data, reports, theme, alert rules and scenarios, reporting every problem of
/// them all at once.
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
            (None, DataNotes::default())
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
    let (rules, scenarios) = load_rules(dir, data.as_ref()).unwrap_or_else(|d| {
        problems.extend(d);
        Default::default()
    });
    match data {
        Some(data) if problems.is_empty() => Ok(Project {
            dir: dir.to_path_buf(),
            config,
            data,
            data_notes,
            reports,
            theme,
            rules,
            scenarios,
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
    /// PDFs compiled.
    pub pdfs: usize,
    /// Wall time of the PDF compilation, which runs beside the HTML rendering.
    pub pdf_time: Duration,
    /// Step name → duration, in order.
    pub steps: Vec<(&'static str, Duration)>,
    /// Report slug (and "catalog pages") → pages rendered and the rendering time summed over
    /// threads.
    pub reports: Vec<(String, (usize, Duration))>,
}

/// What a build does about PDFs.
#[derive(Debug, Clone)]
pub enum Pdf {
    /// No PDFs, no Typst sources (`--no-pdf`).
    Skip,
    /// Typst sources only: typst is missing, so the PDFs cannot be compiled.
    SourcesOnly,
    /// Sources and PDFs, compiled with this program.
    Compile(pdf::Typst),
}

/// Options of one build.
#[derive(Debug, Clone)]
pub struct Options {
    pub as_of: NaiveDate,
    pub out: PathBuf,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
    pub pdf: Pdf,
}

/// Builds the site of `project` into `options.out`, atomically: the Typst sources, then the
/// pages rendered in parallel while typst compiles the PDFs, all into a temporary folder beside
/// the output, which replaces the old output only when every page and every PDF succeeded.
pub fn build(project: &Project, options: &Options) -> anyhow::Result<Summary> {
    let mut summary = Summary::default();
    let mut clock = Instant::now();
    let mut step = |summary: &mut Summary, name: &'static str| {
        summary.steps.push((name, clock.elapsed()));
        clock = Instant::now();
    };

    // 1. Templates and report bodies, parsed once; entity pages whose names would collide on a
    //    file system that ignores letter case are refused with the templates' problems.
    let (tera, mut problems) = match pages::tera(project) {
        Ok(t) => (Some(t), Vec::new()),
        Err(d) => (None, d),
    };
    problems.extend(links::name_collisions(project));
    let tera = match tera {
        Some(t) if problems.is_empty() => t,
        _ => return Err(Diagnostics(problems).into()),
    };
    step(&mut summary, "templates");

    // 2. The page plan: every page of the site, with its period and entity.
    let with_pdf = matches!(options.pdf, Pdf::Compile(_));
    let site = pages::Site::new(project, &tera, options.as_of, with_pdf);
    let jobs = site.plan();
    step(&mut summary, "plan");

    // 3. The shared views every entity page reads (account snapshots, the team view), computed
    //    up front on every core rather than by the first page that asks while the others wait.
    site.precompute();
    step(&mut summary, "views");

    // 4. The numbers of the run (every metric over the company-wide pages' periods, with the
    //    fingerprint of the inputs), computed once into the facts the pages read, and written
    //    as numbers.json. Reading and fingerprinting the inputs (one thread, mostly waiting on
    //    the disk) runs beside the metrics.
    let (inputs, mut numbers) = rayon::join(
        || {
            numbers::inputs(
                &project.dir,
                &project.config.data_dir,
                &project.data_notes.database,
            )
        },
        || {
            let pending = numbers::Inputs {
                files: Vec::new(),
                fingerprint: String::new(),
            };
            site.numbers(&jobs, pending)
        },
    );
    numbers.inputs = inputs
        .with_context(|| format!("failed to read the inputs of {}", project.dir.display()))?;
    let numbers_json = (numbers::FILE.to_string(), numbers::to_json(&numbers)?);
    step(&mut summary, "numbers");

    // 5. The Typst sources of the PDFs (the latest issue of each PDF report), their charts, the
    //    theme's Typst templates and fonts, written into the temporary output folder.
    let staging = output::Staging::create(&options.out, &project.dir, &project.config)?;
    site.on_abort(staging.abort_hook());
    staging.write(std::slice::from_ref(&numbers_json))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut compile: Vec<pdf::Compile> = Vec::new();
    if !matches!(options.pdf, Pdf::Skip) {
        let sources = site.pdf_sources().map_err(Diagnostics)?;
        for s in sources {
            compile.push(pdf::Compile {
                report: s.report,
                source: s.source,
                pdf: s.pdf,
            });
            files.extend(s.files);
        }
        for dir in ["typst", "fonts"] {
            files.extend(
                project
                    .theme
                    .under(dir)
                    .map(|(p, b)| (format!("assets/{dir}/{p}"), b.to_vec())),
            );
        }
        staging.write(&files)?;
    }
    step(&mut summary, "typst sources");

    // 6. Render every page in parallel (metrics are computed on first use and shared), while
    //    typst compiles the PDFs in the temporary folder. One thread writes the pages there as
    //    they come: files created in one folder by several threads at once wait on each other
    //    in the kernel (a quarter of the CPU time of a large build went to that contention).
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (pages, written) = std::sync::mpsc::sync_channel::<(String, Vec<u8>)>(256);
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let (rendered, compiled, writer) = std::thread::scope(|s| {
        let compiling = match &options.pdf {
            Pdf::Compile(typst) if !compile.is_empty() => Some(s.spawn(|| {
                let started = Instant::now();
                let result = typst.compile_all(
                    staging.dir(),
                    &compile,
                    pdf::timestamp(options.as_of),
                    parallel,
                    &cancel,
                );
                (result, started.elapsed())
            })),
            _ => None,
        };
        let staging = &staging;
        let writer = s.spawn(move || -> anyhow::Result<()> {
            for (path, bytes) in written {
                staging.write_file(&path, &bytes)?;
            }
            Ok(())
        });
        let write = |path: String, bytes: Vec<u8>| {
            pages
                .send((path, bytes))
                .map_err(|_| anyhow::anyhow!("the output writer stopped"))
        };
        let _stop = pdf::StopOnDrop(&cancel);
        let rendered = site.render_all(&jobs, options.progress, &write);
        drop(pages);
        let writer = writer.join();
        // A failed build stops typst rather than waiting for PDFs nobody will see.
        if rendered.is_err() || !matches!(writer, Ok(Ok(()))) {
            cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        let compiled = compiling.map(|h| h.join());
        (rendered, compiled, writer)
    });
    match writer {
        Ok(result) => result?,
        Err(_) => anyhow::bail!("writing the pages stopped unexpectedly"),
    }
    let rendered = rendered.map_err(Diagnostics)?;
    summary.pages = rendered.pages;
    summary.reports = rendered.reports;
    match compiled {
        Some(Ok((Ok(()), took))) => {
            summary.pdfs = compile.len();
            summary.pdf_time = took;
        }
        Some(Ok((Err(problems), _))) => anyhow::bail!("{}", problems.join("\n")),
        Some(Err(_)) => anyhow::bail!("the PDF compilation stopped unexpectedly"),
        None => {}
    }
    step(&mut summary, "render, write and compile");

    // 7. The e-mail digests (`mail/`), from the blocks the pages are made of: the latest issue
    //    of each cadence report, each CSM's book, the alerts of each recipient.
    let mails = site
        .mails(&numbers.inputs.fingerprint)
        .map_err(Diagnostics)?;
    staging.write(&mails)?;
    files.extend(mails);
    step(&mut summary, "mail");

    // 8. The theme's static files and, when postsale.yaml names access logs, the usage page;
    //    then swap the folder in.
    let mut assets = site.static_files();
    let css = project.theme.files.get("static/style.css");
    let css = css.map(|b| String::from_utf8_lossy(b)).unwrap_or_default();
    if let Some((page, warnings)) =
        crate::usage::site_page(project, options.as_of, &css).map_err(Diagnostics)?
    {
        for warning in &warnings {
            eprintln!("{warning}");
        }
        assets.push(page);
    }
    staging.write(&assets)?;
    files.extend(assets);
    files.push(numbers_json);
    summary.files = files.len() + summary.pages + rendered.downloads + summary.pdfs;
    summary.bytes = rendered.bytes
        + files.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
        + compile
            .iter()
            .filter_map(|c| std::fs::metadata(staging.dir().join(&c.pdf)).ok())
            .map(|m| m.len())
            .sum::<u64>();
    staging.commit()?;
    step(&mut summary, "swap");
    Ok(summary)
}
