//! Watching the project for `postsale serve`: which folders are watched, which file changes
//! matter and what each one invalidates ([`classify`]), and the debounce that turns a burst of
//! file-system events (an editor's save, a `git checkout`) into one [`Batch`]. It does not
//! reload or build anything.

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// What a changed file invalidates, from the widest to the narrowest. Like Zola's `ChangeKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// `postsale.yaml`: everything depends on it (data folder, leniency, targets, as-of).
    Config,
    /// A data table: the dataset, and the reports checked against its dimensions.
    Data,
    /// A report definition: the reports only.
    Report,
    /// `alerts.yaml`: the alert rules (checked against the data).
    Alerts,
    /// A what-if scenario of `scenarios/`: the scenarios (checked against the data).
    Scenario,
    /// A theme template or static file: the theme only.
    Theme,
}

impl ChangeKind {
    /// The word used in the rebuild line (`report changed: ...`).
    pub fn noun(self) -> &'static str {
        match self {
            ChangeKind::Config => "config",
            ChangeKind::Data => "data",
            ChangeKind::Report => "report",
            ChangeKind::Alerts => "alert rules",
            ChangeKind::Scenario => "scenario",
            ChangeKind::Theme => "theme",
        }
    }
}

/// Where the parts of a project live, as absolute paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The project folder.
    pub project: PathBuf,
    /// The data folder (`data_dir` of the config; may lie outside the project).
    pub data: PathBuf,
    /// The output folder, whose changes (our own builds) are ignored.
    pub out: PathBuf,
}

impl Layout {
    /// The layout of `project` with the configured `data_dir` and output folder `out`. Existing
    /// folders are canonicalised, so they compare equal to the paths the watcher reports.
    pub fn new(project: &Path, data_dir: &str, out: &Path) -> Layout {
        let canonical = |p: PathBuf| p.canonicalize().unwrap_or(p);
        let project = canonical(project.to_path_buf());
        Layout {
            data: canonical(project.join(data_dir)),
            out: canonical(project.join(out)),
            project,
        }
    }

    fn config(&self) -> PathBuf {
        self.project.join(crate::config::FILE)
    }

    fn reports(&self) -> PathBuf {
        self.project.join("reports")
    }

    fn themes(&self) -> PathBuf {
        self.project.join("themes")
    }

    fn alerts(&self) -> PathBuf {
        self.project.join(crate::alerts::FILE)
    }

    fn scenarios(&self) -> PathBuf {
        self.project.join(crate::analytics::scenario::file::DIR)
    }

    /// The folders watched recursively: data, reports, themes and scenarios.
    fn roots(&self) -> [PathBuf; 4] {
        [
            self.data.clone(),
            self.reports(),
            self.themes(),
            self.scenarios(),
        ]
    }

    /// `path` relative to the project, for messages (as given when outside it).
    pub fn display(&self, path: &Path) -> String {
        path.strip_prefix(&self.project)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }
}

/// True for the files editors and tools write beside the real ones: hidden files (vim's
/// `.x.swp`, emacs's `.#x`, the build's `.site.tmp-*`), backups (`x~`, `x.bak`), emacs
/// auto-saves (`#x#`), vim's write test `4913`, and JetBrains' and other tools' temporary files.
pub fn is_temp_file(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy()) else {
        return false;
    };
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name.contains("___jb_")
        || [".swp", ".swx", ".swo", ".tmp", ".bak", ".crswap"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// What a change of `path` (absolute) invalidates, or `None` when it does not matter: the
/// output folder, editor temporary files, files outside the project's parts.
pub fn classify(path: &Path, layout: &Layout) -> Option<ChangeKind> {
    if path.starts_with(&layout.out) || is_temp_file(path) {
        return None;
    }
    let inside = |root: &Path| path.starts_with(root);
    if path == layout.config() {
        Some(ChangeKind::Config)
    } else if path == layout.alerts() {
        Some(ChangeKind::Alerts)
    } else if inside(&layout.data) {
        Some(ChangeKind::Data)
    } else if inside(&layout.reports()) {
        Some(ChangeKind::Report)
    } else if inside(&layout.themes()) {
        Some(ChangeKind::Theme)
    } else if inside(&layout.scenarios()) {
        Some(ChangeKind::Scenario)
    } else {
        None
    }
}

/// True for the event kinds that mean content changed (not the reads of our own build).
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The changes of one burst of events.
#[derive(Debug, Default)]
pub struct Batch {
    /// What the changes invalidate.
    pub kinds: BTreeSet<ChangeKind>,
    /// The changed files, relative to the project, sorted.
    pub paths: BTreeSet<String>,
}

/// A file-system watcher over the project's config, data, reports, themes, alert rules and
/// scenarios.
pub struct Watcher {
    watcher: RecommendedWatcher,
    events: Receiver<notify::Result<notify::Event>>,
    watched: BTreeSet<PathBuf>,
    /// Problems of the watcher itself (not of the project), for the caller to print.
    pub problems: Vec<String>,
}

/// Quiet time that ends a burst of events.
const QUIET: Duration = Duration::from_millis(150);
/// The longest a burst is collected before a rebuild starts anyway.
const LONGEST: Duration = Duration::from_secs(2);

impl Watcher {
    /// Starts watching the project folder (for `postsale.yaml` and new folders) and every
    /// existing part of `layout`.
    pub fn new(layout: &Layout) -> anyhow::Result<Watcher> {
        use anyhow::Context as _;
        let (tx, rx) = channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            // The receiver lives as long as the watcher; a failed send means it is gone.
            let _ = tx.send(event);
        })
        .context("failed to start the file watcher")?;
        watcher
            .watch(&layout.project, RecursiveMode::NonRecursive)
            .with_context(|| format!("failed to watch {}", layout.project.display()))?;
        let mut watcher = Watcher {
            watcher,
            events: rx,
            watched: BTreeSet::new(),
            problems: Vec::new(),
        };
        watcher.sync(layout);
        Ok(watcher)
    }

    /// Watches the parts of `layout` that exist and are not watched yet, and forgets those that
    /// are gone (a new data folder after a config change, `themes/` created later).
    pub fn sync(&mut self, layout: &Layout) {
        let roots = layout.roots();
        let stale: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|w| !roots.contains(w) || !w.is_dir())
            .cloned()
            .collect();
        for path in stale {
            // The folder may be gone already, which removed its watch.
            let _ = self.watcher.unwatch(&path);
            self.watched.remove(&path);
        }
        for root in roots {
            if root.is_dir() && !self.watched.contains(&root) {
                match self.watcher.watch(&root, RecursiveMode::Recursive) {
                    Ok(()) => {
                        self.watched.insert(root);
                    }
                    Err(e) => self
                        .problems
                        .push(format!("cannot watch {}: {e}", root.display())),
                }
            }
        }
    }

    /// Blocks until a change that matters, then collects the rest of its burst. `None` when the
    /// watcher stopped.
    pub fn next_batch(&mut self, layout: &Layout) -> Option<Batch> {
        let mut batch = Batch::default();
        let mut started: Option<Instant> = None;
        loop {
            let event = match started {
                None => self.events.recv().ok()?,
                Some(at) => {
                    if at.elapsed() >= LONGEST {
                        return Some(batch);
                    }
                    match self.events.recv_timeout(QUIET) {
                        Ok(event) => event,
                        Err(RecvTimeoutError::Timeout) => return Some(batch),
                        Err(RecvTimeoutError::Disconnected) => return Some(batch),
                    }
                }
            };
            let event = match event {
                Ok(e) => e,
                Err(e) => {
                    self.problems.push(format!("file watcher: {e}"));
                    continue;
                }
            };
            if !is_change(&event.kind) {
                continue;
            }
            for path in &event.paths {
                if let Some(kind) = classify(path, layout) {
                    batch.kinds.insert(kind);
                    batch.paths.insert(layout.display(path));
                    started.get_or_insert_with(Instant::now);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            project: PathBuf::from("/p"),
            data: PathBuf::from("/p/data"),
            out: PathBuf::from("/p/site"),
        }
    }

    fn kind(path: &str) -> Option<ChangeKind> {
        classify(Path::new(path), &layout())
    }

    #[test]
    fn each_part_of_the_project_has_its_kind() {
        assert_eq!(kind("/p/postsale.yaml"), Some(ChangeKind::Config));
        assert_eq!(kind("/p/data/mrr.csv"), Some(ChangeKind::Data));
        // A removed or renamed data folder is a data change too.
        assert_eq!(kind("/p/data"), Some(ChangeKind::Data));
        assert_eq!(kind("/p/reports/weekly.md"), Some(ChangeKind::Report));
        assert_eq!(
            kind("/p/themes/default/templates/base.html"),
            Some(ChangeKind::Theme)
        );
        assert_eq!(
            kind("/p/themes/default/static/style.css"),
            Some(ChangeKind::Theme)
        );
        assert_eq!(kind("/p/alerts.yaml"), Some(ChangeKind::Alerts));
        assert_eq!(
            kind("/p/scenarios/price-rise.yaml"),
            Some(ChangeKind::Scenario)
        );
        // A removed scenarios folder is a scenario change too.
        assert_eq!(kind("/p/scenarios"), Some(ChangeKind::Scenario));
    }

    #[test]
    fn the_output_editor_files_and_other_files_are_ignored() {
        // Our own build writes these.
        assert_eq!(kind("/p/site/index.html"), None);
        assert_eq!(kind("/p/site"), None);
        assert_eq!(kind("/p/.site.tmp-42/index.html"), None);
        // Editors write these beside the real file.
        for temp in [
            "/p/reports/.weekly.md.swp",
            "/p/reports/weekly.md~",
            "/p/reports/#weekly.md#",
            "/p/reports/.#weekly.md",
            "/p/reports/4913",
            "/p/data/mrr.csv.tmp",
            "/p/themes/default/static/style.css___jb_tmp___",
        ] {
            assert_eq!(kind(temp), None, "{temp}");
        }
        // Not a part of the project.
        assert_eq!(kind("/p/README.md"), None);
        assert_eq!(kind("/p/postsale.yaml.orig"), None);
        assert_eq!(kind("/p/alerts.yaml.orig"), None);
        assert_eq!(kind("/p/delivery.yaml"), None);
        assert_eq!(kind("/p/reportsx/a.md"), None);
        assert_eq!(kind("/elsewhere/data/mrr.csv"), None);
    }

    #[test]
    fn a_data_folder_outside_the_project_is_data() {
        let layout = Layout {
            data: PathBuf::from("/shared/cs-data"),
            ..layout()
        };
        assert_eq!(
            classify(Path::new("/shared/cs-data/mrr.csv"), &layout),
            Some(ChangeKind::Data)
        );
        assert_eq!(classify(Path::new("/p/data/mrr.csv"), &layout), None);
    }

    #[test]
    fn reads_are_not_changes() {
        use notify::event::{CreateKind, ModifyKind};
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Any
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Modify(ModifyKind::Any)));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
    }
}
