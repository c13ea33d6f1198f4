//! `postsale serve`: build the site, serve it on a local address, and on every change of the
//! project redo only the work the change needs, then reload the open pages.
//!
//! The loop: the [`watch`] module turns file events into a batch of [`ChangeKind`]s; [`Plan`]
//! says which parts of the [`Project`] they invalidate (a report never reloads the data);
//! [`reload`] reloads those parts and nothing else, all or nothing; [`super::build`] writes the
//! site exactly as `postsale build` does (atomically, so a failed rebuild keeps the previous
//! site); the [`http`] server serves the output folder and tells the pages' live-reload script
//! about the new build. What happens is reported to the caller as [`Event`]s, which it prints.

pub mod http;
pub mod watch;

use super::{Project, Summary, load_data, load_project, load_reports, load_rules, load_theme};
use crate::diagnostic::Diagnostics;
use anyhow::Context as _;
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
pub use watch::ChangeKind;
use watch::{Batch, Layout, Watcher};

/// Options of `postsale serve`.
#[derive(Debug, Clone)]
pub struct Options {
    /// The address to listen on (127.0.0.1 unless asked otherwise).
    pub bind: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// `--as-of`, which overrides the config's `as_of` in every rebuild.
    pub as_of: Option<NaiveDate>,
    /// Today, the as-of date when neither the flag nor the config gives one.
    pub today: NaiveDate,
    /// The output folder, relative to the project (or absolute): the site is built there, as by
    /// `postsale build`, and served from there.
    pub out: PathBuf,
    /// Show a progress bar during the first build (only on a terminal); rebuilds print a line.
    pub progress: bool,
    /// Build the PDFs too (false with `--no-pdf`); without typst, only their Typst sources.
    pub pdf: bool,
}

/// What happened, for the caller to print.
#[derive(Debug)]
pub enum Event<'a> {
    /// The first successful build.
    Built {
        /// What the build did.
        summary: &'a Summary,
        /// The output folder.
        out: &'a Path,
        /// The as-of date of the build.
        as_of: NaiveDate,
        /// Load and build time.
        seconds: f64,
    },
    /// The server listens: the folder served and its URL.
    Serving {
        /// The output folder.
        out: &'a Path,
        /// `http://127.0.0.1:PORT/`.
        url: &'a str,
    },
    /// A change was rebuilt.
    Rebuilt {
        /// What changed (`report changed: reports/weekly.md`).
        change: &'a str,
        /// What was reloaded and what was kept.
        plan: Plan,
        /// Pages rendered.
        pages: usize,
        /// Reload and build time.
        seconds: f64,
    },
    /// A (re)build failed; the previous site is still served.
    Failed {
        /// What changed, or `None` for the first build.
        change: Option<&'a str>,
        /// The problems, printed as `postsale build` prints them.
        error: &'a anyhow::Error,
    },
    /// A problem of the watcher, not of the project.
    Warning(&'a str),
}

/// The parts of the project a batch of changes makes serve reload. The rest is kept as loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// Reload everything, starting from `postsale.yaml`.
    pub config: bool,
    /// Reload the data tables.
    pub data: bool,
    /// Re-parse and re-check the report definitions.
    pub reports: bool,
    /// Re-read and re-check the alert rules and the what-if scenarios.
    pub rules: bool,
    /// Reload the theme.
    pub theme: bool,
}

impl Plan {
    /// Everything: the first load, and any config change.
    pub const EVERYTHING: Plan = Plan {
        config: true,
        data: true,
        reports: true,
        rules: true,
        theme: true,
    };

    /// The least work for `kinds`: the config reloads everything; data reloads the data, the
    /// reports, the alert rules and the scenarios (all checked against the data's columns and
    /// values); a report reloads the reports; `alerts.yaml` or a scenario reloads the rules and
    /// scenarios; a theme file reloads the theme. Every plan re-renders the site.
    pub fn for_changes(kinds: &BTreeSet<ChangeKind>) -> Plan {
        if kinds.contains(&ChangeKind::Config) {
            return Plan::EVERYTHING;
        }
        let data = kinds.contains(&ChangeKind::Data);
        Plan {
            config: false,
            data,
            reports: data || kinds.contains(&ChangeKind::Report),
            rules: data
                || kinds.contains(&ChangeKind::Alerts)
                || kinds.contains(&ChangeKind::Scenario),
            theme: kinds.contains(&ChangeKind::Theme),
        }
    }

    /// What was reloaded (`reloaded reports`) and, in brackets, what was kept (`data and
    /// theme kept`), for the rebuild line.
    pub fn describe(&self) -> (String, String) {
        if self.config {
            return ("reloaded everything".into(), String::new());
        }
        let parts = [
            ("data", self.data),
            ("reports", self.reports),
            ("rules", self.rules),
            ("theme", self.theme),
        ];
        let list = |reloaded: bool| -> String {
            let names: Vec<&str> = parts
                .iter()
                .filter(|(_, r)| *r == reloaded)
                .map(|(n, _)| *n)
                .collect();
            match names.as_slice() {
                [] => String::new(),
                [one] => one.to_string(),
                [init @ .., last] => format!("{} and {last}", init.join(", ")),
            }
        };
        let redone = list(true);
        let kept = list(false);
        (
            if redone.is_empty() {
                "reloaded nothing".into()
            } else {
                format!("reloaded {redone}")
            },
            if kept.is_empty() {
                kept
            } else {
                format!("{kept} kept")
            },
        )
    }
}

/// Reloads the parts of `project` that `plan` names, keeping the others as loaded. All or
/// nothing: on any problem `project` is left as it was and every problem of the reloaded parts
/// is returned, as `load_project` reports them. Without a project (the first load failed) or
/// with a config change, the whole project is loaded.
pub fn reload(dir: &Path, project: &mut Option<Project>, plan: Plan) -> Result<(), Diagnostics> {
    let current = match project {
        Some(p) if !plan.config => p,
        _ => {
            *project = Some(load_project(dir)?);
            return Ok(());
        }
    };
    let mut problems = Vec::new();
    let data = if plan.data {
        load_data(dir, &current.config)
            .map_err(|d| problems.extend(d))
            .ok()
    } else {
        None
    };
    // Reports, rules and scenarios are checked against the new data when it loaded, the kept
    // data when it was not reloaded, and without the data checks when the new data failed.
    let dataset = match &data {
        Some((d, _)) => Some(d),
        None if plan.data => None,
        None => Some(&current.data),
    };
    let reports = if plan.reports {
        load_reports(dir, dataset)
            .map_err(|d| problems.extend(d))
            .ok()
    } else {
        None
    };
    let rules = if plan.rules {
        load_rules(dir, dataset)
            .map_err(|d| problems.extend(d))
            .ok()
    } else {
        None
    };
    let theme = if plan.theme {
        load_theme(dir).map_err(|d| problems.extend(d)).ok()
    } else {
        None
    };
    if !problems.is_empty() {
        return Err(Diagnostics(problems));
    }
    if let Some((data, notes)) = data {
        current.data = data;
        current.data_notes = notes;
    }
    if let Some(reports) = reports {
        current.reports = reports;
    }
    if let Some((rules, scenarios)) = rules {
        current.rules = rules;
        current.scenarios = scenarios;
    }
    if let Some(theme) = theme {
        current.theme = theme;
    }
    Ok(())
}

/// `report changed: reports/weekly.md` (the first three files of a batch).
fn describe_batch(batch: &Batch) -> String {
    let kinds: Vec<&str> = batch.kinds.iter().map(|k| k.noun()).collect();
    let files: Vec<&str> = batch.paths.iter().map(String::as_str).take(3).collect();
    let mut text = format!("{} changed: {}", kinds.join(" and "), files.join(", "));
    if batch.paths.len() > files.len() {
        text.push_str(&format!(" and {} more", batch.paths.len() - files.len()));
    }
    text
}

/// The address to open in a browser: an unspecified bind address (`0.0.0.0`, `::`) listens on
/// loopback too, and is not an address a browser can open.
fn browsable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// A panic caught by [`guarded`], with its message.
#[derive(Debug)]
struct Panicked(String);

impl std::fmt::Display for Panicked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the build stopped on an internal error: {} (this is a bug in postsale; the \
             previous site is still served and the next change builds again)",
            self.0
        )
    }
}

impl std::error::Error for Panicked {}

/// Runs `f`, turning a panic into a [`Panicked`] error, so no rebuild takes the server down.
fn guarded<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Err(Panicked(message).into())
    })
}

/// The serve loop's state: the project as loaded, the parts whose reload is still owed.
struct State {
    dir: PathBuf,
    out: PathBuf,
    options: Options,
    project: Option<Project>,
    /// Kinds of changes not yet reloaded successfully (a failed reload is retried with the
    /// next change).
    pending: BTreeSet<ChangeKind>,
    /// The build counter the live-reload script polls.
    version: Arc<AtomicU64>,
}

impl State {
    /// Reloads what the pending changes need and builds; the plan that ran, and the summary or
    /// the error. A panic of the reload or the build is an error too (the build's temporary
    /// folder is removed as the panic unwinds), and the next change reloads everything.
    fn rebuild(&mut self, progress: bool) -> (Plan, anyhow::Result<(Summary, NaiveDate)>) {
        let plan = if self.project.is_none() {
            Plan::EVERYTHING
        } else {
            Plan::for_changes(&self.pending)
        };
        let result = guarded(|| self.reload_and_build(plan, progress));
        if result.as_ref().is_err_and(|e| e.is::<Panicked>()) {
            self.project = None;
        }
        (plan, result)
    }

    fn reload_and_build(
        &mut self,
        plan: Plan,
        progress: bool,
    ) -> anyhow::Result<(Summary, NaiveDate)> {
        if let Err(d) = reload(&self.dir, &mut self.project, plan) {
            return Err(d.into());
        }
        self.pending.clear();
        let Some(project) = &self.project else {
            anyhow::bail!("the project is not loaded");
        };
        let as_of = project
            .config
            .resolve_as_of(self.options.as_of, self.options.today);
        let built = super::build(
            project,
            &super::Options {
                as_of,
                out: self.out.clone(),
                progress,
                pdf: if self.options.pdf {
                    match super::pdf::find(project.config.typst.as_deref(), &project.dir) {
                        Ok(typst) => super::Pdf::Compile(typst),
                        Err(_) => super::Pdf::SourcesOnly,
                    }
                } else {
                    super::Pdf::Skip
                },
            },
        );
        if built.is_ok() {
            self.version.fetch_add(1, Ordering::SeqCst);
        }
        built.map(|summary| (summary, as_of))
    }

    /// Where the project's parts are, with the data folder of the config as it is now on disk.
    fn layout(&self) -> Layout {
        let data_dir = match &self.project {
            Some(p) => p.config.data_dir.clone(),
            None => crate::config::load(&self.dir)
                .map(|c| c.data_dir)
                .unwrap_or_else(|_| crate::config::Config::default().data_dir),
        };
        Layout::new(&self.dir, &data_dir, &self.out)
    }
}

/// Builds the project in `dir` into the output folder, serves it, and rebuilds on every change
/// until the process is stopped (or the watcher fails). A failed build is reported and the
/// previous site stays served; the next change tries again.
pub fn run(dir: &Path, options: &Options, on_event: &mut dyn FnMut(Event)) -> anyhow::Result<()> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot open the project folder {}", dir.display()))?;
    let out = dir.join(&options.out);
    // Listen before anything else, so a port in use is reported at once, before the output
    // folder is touched.
    let version = Arc::new(AtomicU64::new(0));
    let addr: SocketAddr = http::start(
        options.bind,
        options.port,
        out.clone(),
        Arc::clone(&version),
    )?;
    let mut state = State {
        dir: dir.clone(),
        out: out.clone(),
        options: options.clone(),
        project: None,
        pending: BTreeSet::from([ChangeKind::Config]),
        version,
    };
    let mut layout = state.layout();
    let mut watcher = Watcher::new(&layout)?;

    let started = Instant::now();
    match state.rebuild(options.progress) {
        (_, Ok((summary, as_of))) => on_event(Event::Built {
            summary: &summary,
            out: &out,
            as_of,
            seconds: started.elapsed().as_secs_f64(),
        }),
        (_, Err(error)) => on_event(Event::Failed {
            change: None,
            error: &error,
        }),
    }
    layout = state.layout();
    watcher.sync(&layout);
    for problem in watcher.problems.drain(..) {
        on_event(Event::Warning(&problem));
    }
    let url = format!("http://{}/", browsable(addr));
    on_event(Event::Serving {
        out: &out,
        url: &url,
    });

    while let Some(batch) = watcher.next_batch(&layout) {
        for problem in watcher.problems.drain(..) {
            on_event(Event::Warning(&problem));
        }
        let change = describe_batch(&batch);
        state.pending.extend(batch.kinds.iter().copied());
        let started = Instant::now();
        match state.rebuild(false) {
            (plan, Ok((summary, _))) => on_event(Event::Rebuilt {
                change: &change,
                plan,
                pages: summary.pages,
                seconds: started.elapsed().as_secs_f64(),
            }),
            (_, Err(error)) => on_event(Event::Failed {
                change: Some(&change),
                error: &error,
            }),
        }
        // A config change may move the data folder; new folders get watched.
        layout = state.layout();
        watcher.sync(&layout);
    }
    anyhow::bail!("the file watcher stopped")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(kinds: &[ChangeKind]) -> Plan {
        Plan::for_changes(&kinds.iter().copied().collect())
    }

    #[test]
    fn each_change_reloads_only_what_depends_on_it() {
        use ChangeKind::*;
        // Editing a report must not reload the data.
        assert_eq!(
            plan(&[Report]),
            Plan {
                reports: true,
                ..Plan::default()
            }
        );
        // The reports, rules and scenarios are checked against the data's columns, so new
        // data re-checks them.
        assert_eq!(
            plan(&[Data]),
            Plan {
                data: true,
                reports: true,
                rules: true,
                ..Plan::default()
            }
        );
        // An alert rule or a scenario reloads only the rules and scenarios.
        for kind in [Alerts, Scenario] {
            assert_eq!(
                plan(&[kind]),
                Plan {
                    rules: true,
                    ..Plan::default()
                }
            );
        }
        assert_eq!(
            plan(&[Theme]),
            Plan {
                theme: true,
                ..Plan::default()
            }
        );
        assert_eq!(
            plan(&[Report, Theme]),
            Plan {
                reports: true,
                theme: true,
                ..Plan::default()
            }
        );
        assert_eq!(plan(&[Config, Report]), Plan::EVERYTHING);
    }

    /// A copy of the site fixture, loaded.
    fn fixture() -> (tempfile::TempDir, PathBuf, Option<Project>) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("project");
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/site");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.expect("walk");
            let target = dir.join(entry.path().strip_prefix(&from).expect("inside"));
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
        let mut project = None;
        reload(&dir, &mut project, Plan::EVERYTHING).expect("the fixture loads");
        (tmp, dir, project)
    }

    fn plan_of(kind: ChangeKind) -> Plan {
        Plan::for_changes(&BTreeSet::from([kind]))
    }

    #[test]
    fn a_report_reload_does_not_read_the_data() {
        let (_tmp, dir, mut project) = fixture();
        let rows = project.as_ref().map(|p| p.data.row_counts.clone());
        // Without its data folder the project no longer loads, but a report change never looks.
        std::fs::remove_dir_all(dir.join("data")).expect("rm");
        std::fs::write(
            dir.join("reports/extra.md"),
            "---\ntitle: Extra\n---\n{{ value(metric=\"nrr\") }}\n",
        )
        .expect("write");
        reload(&dir, &mut project, plan_of(ChangeKind::Report)).expect("reports reload");
        let project = project.expect("loaded");
        assert!(project.reports.iter().any(|r| r.slug == "extra"));
        assert_eq!(Some(project.data.row_counts.clone()), rows);
        // A theme change reads neither data nor reports.
        let mut project = Some(project);
        reload(&dir, &mut project, plan_of(ChangeKind::Theme)).expect("theme reload");
        // A data change does read the data, and fails without it.
        assert!(reload(&dir, &mut project, plan_of(ChangeKind::Data)).is_err());
    }

    #[test]
    fn a_failed_reload_keeps_the_project_as_it_was() {
        let (_tmp, dir, mut project) = fixture();
        let reports = |p: &Option<Project>| -> Vec<String> {
            p.iter()
                .flat_map(|p| p.reports.iter().map(|r| r.slug.clone()))
                .collect()
        };
        let before = reports(&project);
        std::fs::write(
            dir.join("reports/broken.md"),
            "---\ntitle: Broken\n---\n{{ kpis(metrics=\"nrrr\") }}\n",
        )
        .expect("write");
        let err = reload(&dir, &mut project, plan_of(ChangeKind::Report)).expect_err("broken");
        assert!(err.to_string().contains("unknown metric 'nrrr'"), "{err}");
        assert_eq!(reports(&project), before);
        // A config problem keeps the whole project too.
        std::fs::write(dir.join("postsale.yaml"), "gross_margn: 80\n").expect("write");
        assert!(reload(&dir, &mut project, plan_of(ChangeKind::Config)).is_err());
        assert_eq!(reports(&project), before);
    }

    #[test]
    fn the_rebuild_line_says_what_was_kept() {
        use ChangeKind::*;
        assert_eq!(
            plan(&[Report]).describe(),
            (
                "reloaded reports".into(),
                "data, rules and theme kept".into()
            )
        );
        assert_eq!(
            plan(&[Data]).describe(),
            (
                "reloaded data, reports and rules".into(),
                "theme kept".into()
            )
        );
        assert_eq!(
            plan(&[Theme]).describe(),
            (
                "reloaded theme".into(),
                "data, reports and rules kept".into()
            )
        );
        assert_eq!(
            plan(&[Alerts, Scenario]).describe(),
            (
                "reloaded rules".into(),
                "data, reports and theme kept".into()
            )
        );
        assert_eq!(
            Plan::EVERYTHING.describe(),
            ("reloaded everything".into(), String::new())
        );
    }

    #[test]
    fn a_panic_in_a_rebuild_is_an_error_and_cleans_up_as_it_unwinds() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let temp = tmp.path().join(".site.tmp-1");
        /// Removes its folder when dropped, as the build's temporary output does.
        struct Staged(PathBuf);
        impl Drop for Staged {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        let result: anyhow::Result<()> = guarded(|| {
            std::fs::create_dir(&temp)?;
            let _staged = Staged(temp.clone());
            let pages: Vec<u32> = Vec::new();
            let _ = pages[pages.len()];
            Ok(())
        });
        let error = result.expect_err("the panic is an error");
        assert!(error.is::<Panicked>());
        let text = error.to_string();
        assert!(
            text.starts_with("the build stopped on an internal error: index out of bounds"),
            "{text}"
        );
        assert!(text.contains("the previous site is still served"), "{text}");
        assert!(!temp.exists(), "the temporary folder is removed");
        // A plain error passes through untouched.
        let plain: anyhow::Result<()> = guarded(|| anyhow::bail!("bad month"));
        assert_eq!(plain.expect_err("error").to_string(), "bad month");
    }

    #[test]
    fn the_printed_url_is_one_a_browser_opens() {
        let url = |a: &str| browsable(a.parse().expect("address")).to_string();
        assert_eq!(url("0.0.0.0:1111"), "127.0.0.1:1111");
        assert_eq!(url("[::]:1111"), "[::1]:1111");
        assert_eq!(url("192.168.1.5:80"), "192.168.1.5:80");
    }

    #[test]
    fn a_batch_names_its_kinds_and_first_files() {
        let batch = Batch {
            kinds: BTreeSet::from([ChangeKind::Report]),
            paths: BTreeSet::from(["reports/weekly.md".to_string()]),
        };
        assert_eq!(describe_batch(&batch), "report changed: reports/weekly.md");
        let batch = Batch {
            kinds: BTreeSet::from([ChangeKind::Data, ChangeKind::Report]),
            paths: ["data/a.csv", "data/b.csv", "data/c.csv", "reports/x.md"]
                .iter()
                .map(|p| p.to_string())
                .collect(),
        };
        assert_eq!(
            describe_batch(&batch),
            "data and report changed: data/a.csv, data/b.csv, data/c.csv and 1 more"
        );
    }
}
