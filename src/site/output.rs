//! The output folder and its safety: which folder a build may replace (absent, empty, or marked
//! as postsale's own by [`MARKER`]; never the project, an ancestor of it or a folder holding or
//! inside an input), the lock that keeps two builds apart (on the folder holding the output), the cleanup of what a killed build
//! left, and the atomic write: the whole output goes to a temporary folder beside the target,
//! the files the user keeps (`.git`, `CNAME`, `.nojekyll`, the `keep:` globs) are carried over,
//! and one atomic exchange swaps it in. A reader sees the old or the new site, never none; a
//! build that fails before the swap leaves the previous site exactly as it was.
//!
//! It does not decide what goes into the site (that is `crate::site`).

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};
use anyhow::{Context, bail};
use rayon::prelude::*;
use std::path::{Component, Path, PathBuf};

/// The file every output holds: it marks the folder as postsale's to replace. Its content is
/// the same in every build, so two builds of the same inputs give the same bytes.
pub const MARKER: &str = ".postsale-output";

/// The marker's content.
const MARKER_TEXT: &str = "This folder is written by `postsale build`: every build replaces it.\n\
Only .git, CNAME, .nojekyll and the `keep:` globs of postsale.yaml are carried over.\n";

/// What every build keeps in the output besides the `keep:` globs: a site published to a git
/// branch or a static host needs them.
pub(crate) const ALWAYS_KEPT: [&str; 3] = [".git", "CNAME", ".nojekyll"];

/// How many entries an error lists before it gives only the count.
const SHOWN: usize = 5;

// ---------------------------------------------------------------------------------------------
// Globs

/// Why `pattern` is not a valid `keep:` glob, if it is not one: globs are relative to the output
/// folder, with `/` between folders, and never leave it.
pub(crate) fn keep_glob_problem(pattern: &str) -> Option<&'static str> {
    if pattern.is_empty() {
        Some("an empty glob")
    } else if pattern.starts_with('/') || pattern.contains(':') {
        Some("an absolute path; keep globs are relative to the output folder")
    } else if pattern.contains('\\') {
        Some("a backslash; separate folders with /")
    } else if pattern
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        Some("an empty, `.` or `..` part; keep globs stay inside the output folder")
    } else {
        None
    }
}

/// True when the glob `pattern` matches `path` (both relative, `/`-separated): `*` is any text
/// within one name, `?` one character, and a `**` part any number of folders (none included).
pub(crate) fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    parts_match(&pattern, &path)
}

fn parts_match(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| parts_match(rest, &path[skip..])),
        Some((first, rest)) => match path.split_first() {
            Some((name, tail)) => name_matches(first, name) && parts_match(rest, tail),
            None => false,
        },
    }
}

/// `*` and `?` within one name.
fn name_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // The classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(c) if *c == '?' || *c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    p = sp + 1;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// The entries the user keeps in the output: [`ALWAYS_KEPT`] and the `keep:` globs.
#[derive(Debug, Clone)]
pub(crate) struct Keep {
    globs: Vec<String>,
    /// How deep a match can lie (None: any depth, for `**`), so a walk stops early.
    depth: Option<usize>,
}

impl Keep {
    /// The kept entries of a project with `config`. Invalid globs (reported by the config's
    /// validation) are left out.
    pub(crate) fn new(config: &Config) -> Keep {
        let globs: Vec<String> = ALWAYS_KEPT
            .iter()
            .map(|g| g.to_string())
            .chain(
                config
                    .keep
                    .iter()
                    .filter(|g| keep_glob_problem(g).is_none())
                    .cloned(),
            )
            .collect();
        let depth = globs.iter().try_fold(1, |d, g| {
            (!g.split('/').any(|s| s == "**")).then(|| d.max(g.split('/').count()))
        });
        Keep { globs, depth }
    }

    /// True when the entry at `rel` (relative to the output) is kept. The marker never is:
    /// every build writes its own.
    pub(crate) fn matches(&self, rel: &str) -> bool {
        rel != MARKER && self.globs.iter().any(|g| glob_matches(g, rel))
    }

    /// The kept entries under `dir` (relative paths, `/`-separated, sorted): a matching folder
    /// as a whole, without looking inside it.
    fn find(&self, dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        let mut walk = walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name();
        if let Some(depth) = self.depth {
            walk = walk.max_depth(depth);
        }
        let mut it = walk.into_iter();
        while let Some(entry) = it.next() {
            let Ok(entry) = entry else { continue };
            let Some(rel) = relative(dir, entry.path()) else {
                continue;
            };
            if self.matches(&rel) {
                found.push(rel);
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
            }
        }
        found
    }
}

/// `path` relative to `dir`, `/`-separated, when it is valid UTF-8.
fn relative(dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

// ---------------------------------------------------------------------------------------------
// Which folder may be replaced

/// `path` made absolute, with symbolic links resolved: its nearest existing ancestor
/// canonicalized, the rest (which does not exist yet) appended with `.` and `..` resolved.
pub(crate) fn resolve(path: &Path) -> anyhow::Result<PathBuf> {
    let absolute = std::path::absolute(path)
        .with_context(|| format!("cannot resolve the path {}", path.display()))?;
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        match existing.canonicalize() {
            Ok(mut base) => {
                for part in rest.iter().rev() {
                    if part == ".." {
                        base.pop();
                    } else if part != "." {
                        base.push(part);
                    }
                }
                return Ok(base);
            }
            Err(_) => {
                let Some(parent) = existing.parent() else {
                    bail!("cannot resolve the path {}", path.display());
                };
                match existing.components().next_back() {
                    Some(Component::Normal(name)) => rest.push(name.to_os_string()),
                    Some(Component::ParentDir) => rest.push("..".into()),
                    _ => rest.push(".".into()),
                }
                existing = parent;
            }
        }
    }
}

/// One refusal, as the user reads it.
fn refusal(out: &Path, message: String, help: &str) -> anyhow::Error {
    Diagnostics(vec![
        Diagnostic::file_error(out.display().to_string(), message).with_help(help),
    ])
    .into()
}

/// Checks that the output may never hold or lie inside the project's inputs: not the project,
/// not an ancestor of it, not a folder holding (or inside) the data folder, `reports/`,
/// `themes/` or `postsale.yaml`. Paths are compared resolved, so a symbolic link or `..` does
/// not hide an input.
fn check_inputs(project: &Path, config: &Config, out: &Path, real: &Path) -> anyhow::Result<()> {
    let help = "give --out a folder of its own, such as `site` (the default)";
    let root = resolve(project)?;
    if root.starts_with(real) {
        let what = if root == real {
            "is the project folder".to_string()
        } else {
            format!("holds the project folder {}", root.display())
        };
        return Err(refusal(
            out,
            format!("the output folder {what}; a build replaces its output folder as a whole"),
            help,
        ));
    }
    let inputs = [
        (
            "the data folder (`data_dir`)",
            project.join(&config.data_dir),
        ),
        ("the reports folder", project.join("reports")),
        ("the themes folder", project.join("themes")),
        ("the configuration file", project.join(crate::config::FILE)),
    ];
    for (what, input) in inputs {
        let input = resolve(&input)?;
        let relation = if input == real {
            "is"
        } else if input.starts_with(real) {
            "holds"
        } else if real.starts_with(&input) {
            "lies inside"
        } else {
            continue;
        };
        return Err(refusal(
            out,
            format!(
                "the output folder {relation} {what} of the project, {}; a build would replace it",
                input.display()
            ),
            help,
        ));
    }
    Ok(())
}

/// Checks that the output is absent, empty, marked as postsale's own, or holds only kept
/// entries; else names what replacing it would delete.
fn check_contents(out: &Path, real: &Path, keep: &Keep) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(real) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    };
    if meta.file_type().is_symlink() {
        return Err(refusal(
            out,
            "the output folder is a symbolic link; a build would replace the link".into(),
            "give --out the folder the link points to, or a new folder",
        ));
    }
    if !meta.is_dir() {
        return Err(refusal(
            out,
            "the output is a file, not a folder; a build would delete it".into(),
            "give --out a new or empty folder, such as `site` (the default)",
        ));
    }
    if std::fs::symlink_metadata(real.join(MARKER)).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    let mut lost: Vec<String> = std::fs::read_dir(real)
        .with_context(|| format!("cannot read {}", out.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let dir = e.file_type().is_ok_and(|t| t.is_dir());
            (!keep.matches(&name)).then(|| if dir { format!("{name}/") } else { name })
        })
        .collect();
    if lost.is_empty() {
        return Ok(());
    }
    lost.sort();
    let count = lost.len();
    let mut shown = lost[..count.min(SHOWN)].join(", ");
    if count > SHOWN {
        shown.push_str(&format!(", and {} more", count - SHOWN));
    }
    Err(refusal(
        out,
        format!(
            "the output folder holds files postsale did not write (it has no {MARKER} file); \
             a build would delete its {count} entr{}: {shown}",
            if count == 1 { "y" } else { "ies" }
        ),
        "give --out a new or empty folder, or move these files away; a site built by an older \
         postsale has no marker: delete that folder once, and every later build replaces it",
    ))
}

/// Checks that a build of the project in `project` may replace `out`: the inputs it must not
/// touch, then the folder's contents. Writes nothing.
pub(crate) fn check(project: &Path, config: &Config, out: &Path) -> anyhow::Result<()> {
    let real = resolve(out)?;
    check_inputs(project, config, out, &real)?;
    check_contents(out, &real, &Keep::new(config))
}

/// The right to build into one output folder, held from before the project loads to the end of
/// the build (or of `serve`): the checks of [`check`] passed, the lock is held, and what a
/// killed build left is cleaned up. Dropping it releases the lock.
pub(crate) struct Claim {
    _lock: Lock,
}

/// Checks the output folder, takes the lock, and cleans up what killed builds left: the first
/// thing `build` and `serve` do, before loading anything. Without a config (it does not load,
/// and the build will fail on it) the defaults are checked and leftovers are left alone, as
/// they may hold files the config's `keep:` globs would rescue.
pub(crate) fn claim(project: &Path, config: Option<&Config>, out: &Path) -> anyhow::Result<Claim> {
    let real = resolve(out)?;
    let default = Config::default();
    check_inputs(project, config.unwrap_or(&default), out, &real)?;
    let lock = Lock::take(&real, out)?;
    clean_up_on_signals();
    let keep = Keep::new(config.unwrap_or(&default));
    // Only a folder the build may replace is touched: an unmarked one is refused as it is.
    check_contents(out, &real, &keep)?;
    if config.is_some() {
        recover(&real, &keep)?;
        check_contents(out, &real, &keep)?;
    }
    Ok(Claim { _lock: lock })
}

// ---------------------------------------------------------------------------------------------
// The lock

/// An exclusive `flock` on the folder that holds the output (so no lock file is left behind,
/// even by a killed build): one build or serve at a time writes into a folder's outputs. The
/// kernel releases it when the process ends, however it ends.
struct Lock {
    /// Open while the lock is held: closing it releases the lock.
    _dir: std::fs::File,
}

impl Lock {
    fn take(real: &Path, out: &Path) -> anyhow::Result<Lock> {
        let Some(parent) = real.parent() else {
            bail!("{} has no parent folder to write beside", out.display());
        };
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create {}", parent.display()))?;
        let dir = std::fs::File::open(parent)
            .with_context(|| format!("cannot open {}", parent.display()))?;
        if !try_lock(&dir) {
            return Err(refusal(
                out,
                format!(
                    "another postsale build or serve is writing an output folder in {}",
                    parent.display()
                ),
                "wait for it to finish or stop it, or give --out a folder elsewhere",
            ));
        }
        Ok(Lock { _dir: dir })
    }
}

#[cfg(unix)]
fn try_lock(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor we own; no memory is passed.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Elsewhere there is no lock: two builds into one folder at once are the user's to avoid.
#[cfg(not(unix))]
fn try_lock(_: &std::fs::File) -> bool {
    true
}

// ---------------------------------------------------------------------------------------------
// Leftovers of killed builds

/// True when the process `pid` is running (or cannot be told apart from a running one).
#[cfg(unix)]
fn running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Elsewhere every process counts as running: leftovers are kept rather than risked.
#[cfg(not(unix))]
fn running(_: u32) -> bool {
    true
}

/// The temporary and old folders (`.{name}.tmp-PID`, `.{name}.old-PID`) beside the output
/// whose process is gone (or is this one, from before: a reused PID), with their tag. The
/// lock already keeps other builds out; the PID check also spares one that predates it.
fn leftovers(real: &Path) -> Vec<(PathBuf, &'static str)> {
    let (Some(parent), Some(name)) = (real.parent(), real.file_name()) else {
        return Vec::new();
    };
    let name = name.to_string_lossy();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, &'static str)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let rest = file.strip_prefix('.')?.strip_prefix(name.as_ref())?;
            let (tag, pid) = ["tmp", "old"]
                .into_iter()
                .find_map(|t| Some((t, rest.strip_prefix(&format!(".{t}-"))?)))?;
            let pid: u32 = pid.parse().ok()?;
            let gone = pid == std::process::id() || !running(pid);
            (gone && e.file_type().is_ok_and(|t| t.is_dir())).then(|| (e.path(), tag))
        })
        .collect();
    found.sort();
    found
}

/// Cleans up after killed builds (under the lock): an old output whose replacement never came
/// is put back; kept entries still in a leftover go back into the output; then the leftovers
/// are removed.
fn recover(real: &Path, keep: &Keep) -> anyhow::Result<()> {
    for (dir, tag) in leftovers(real) {
        if tag == "old" && std::fs::symlink_metadata(real).is_err() {
            std::fs::rename(&dir, real)
                .with_context(|| format!("failed to put the old output {} back", dir.display()))?;
            continue;
        }
        if real.is_dir() {
            for rel in keep.find(&dir) {
                let to = real.join(&rel);
                if std::fs::symlink_metadata(&to).is_err() {
                    if let Some(parent) = to.parent() {
                        std::fs::create_dir_all(parent)
                            .with_context(|| format!("failed to create {}", parent.display()))?;
                    }
                    std::fs::rename(dir.join(&rel), &to).with_context(|| {
                        format!("failed to put the kept {rel} back into {}", real.display())
                    })?;
                }
            }
        }
        std::fs::remove_dir_all(&dir).with_context(|| {
            format!(
                "failed to remove {}, left by a build that was stopped",
                dir.display()
            )
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The atomic write

/// A sibling of `out` named `.{name}.{tag}-{pid}` (this process).
fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Swaps the two paths atomically: Linux's `renameat2(RENAME_EXCHANGE)`. Where the file system
/// does not offer it (and on other systems), two renames: the old aside, the new in, the old
/// back if the second fails; a kill between the two leaves the old output beside the target,
/// and the next build puts it back.
fn exchange(new: &Path, out: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        match exchange_linux(new, out) {
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP)
                ) => {}
            other => return other,
        }
    }
    exchange_by_renames(new, out)
}

#[cfg(target_os = "linux")]
fn exchange_linux(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that live across the call; the syscall takes them
    // relative to the working directory (AT_FDCWD) and swaps them in one step.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// The fallback: after it, `new` holds the old output, as after an exchange.
fn exchange_by_renames(new: &Path, out: &Path) -> std::io::Result<()> {
    let old = sibling(out, "old");
    std::fs::rename(out, &old)?;
    if let Err(e) = std::fs::rename(new, out) {
        let _ = std::fs::rename(&old, out);
        return Err(e);
    }
    // The swap is done; an old output that stays beside it is removed by the next build.
    let _ = std::fs::rename(&old, new);
    Ok(())
}

/// The temporary folders of this process, removed when it is interrupted.
static STAGED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn staged() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    STAGED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// On SIGINT or SIGTERM (Ctrl+C, a stopped CI job) the temporary folders are removed before the
/// process dies as the signal says. The signals are blocked in this thread and the threads it
/// starts later, and one thread waits for them, so the cleanup is ordinary code rather than a
/// signal handler. Installed once, by [`claim`], before the build starts any thread; the one
/// child program, typst, is started with no signal blocked (`crate::site::pdf`).
#[cfg(target_os = "linux")]
fn clean_up_on_signals() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: plain libc calls on a signal set that lives on this stack, then in the
        // closure that owns a copy of it.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGINT);
            libc::sigaddset(&mut set, libc::SIGTERM);
            if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
                return;
            }
            let waiter = std::thread::Builder::new()
                .name("signals".into())
                .spawn(move || {
                    let mut signal: libc::c_int = 0;
                    if libc::sigwait(&set, &mut signal) == 0 {
                        for dir in staged().iter() {
                            // Writers may still add files: a few tries.
                            for _ in 0..3 {
                                if std::fs::remove_dir_all(dir).is_ok() || !dir.exists() {
                                    break;
                                }
                            }
                        }
                        libc::signal(signal, libc::SIG_DFL);
                        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
                        libc::raise(signal);
                    }
                });
            if waiter.is_err() {
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            }
        }
    });
}

/// Elsewhere an interrupted build leaves its temporary folder to the next build.
#[cfg(not(target_os = "linux"))]
fn clean_up_on_signals() {}

/// The temporary folder a new output is written into. [`Staging::commit`] swaps it in; dropping
/// it uncommitted removes it, so a failed build leaves the previous output as it was.
pub struct Staging {
    out: PathBuf,
    temp: PathBuf,
    keep: Keep,
    committed: bool,
    /// Set by the abort hook: no file is written any more.
    aborted: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Staging {
    /// An empty temporary folder (holding only the marker) beside `out`, after checking that a
    /// build of the project in `project` may replace `out` (see [`check`]).
    pub fn create(out: &Path, project: &Path, config: &Config) -> anyhow::Result<Staging> {
        check(project, config, out)?;
        let out = resolve(out)?;
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create {}", parent.display()))?;
        }
        let temp = sibling(&out, "tmp");
        if temp.exists() {
            std::fs::remove_dir_all(&temp)
                .with_context(|| format!("failed to remove {}", temp.display()))?;
        }
        staged().push(temp.clone());
        std::fs::create_dir_all(&temp)
            .with_context(|| format!("failed to create {}", temp.display()))?;
        let staging = Staging {
            out,
            temp,
            keep: Keep::new(config),
            committed: false,
            aborted: Default::default(),
        };
        staging.write_file(MARKER, MARKER_TEXT.as_bytes())?;
        Ok(staging)
    }

    /// What a build that must stop at once (a runaway page) runs before the process ends:
    /// no file is written from then on, and the temporary folder is removed, again while a
    /// writer that was already past the check adds to it.
    pub fn abort_hook(&self) -> impl Fn() + Send + Sync + 'static {
        let (aborted, temp) = (self.aborted.clone(), self.temp.clone());
        move || {
            aborted.store(true, std::sync::atomic::Ordering::SeqCst);
            for _ in 0..100 {
                match std::fs::remove_dir_all(&temp) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                    _ => break,
                }
            }
        }
    }

    /// The temporary folder (for programs that write into it, like typst).
    pub fn dir(&self) -> &Path {
        &self.temp
    }

    /// Writes files (relative path → bytes) into the temporary folder, in parallel.
    pub fn write(&self, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
        files
            .par_iter()
            .try_for_each(|(path, bytes)| self.write_file(path, bytes))
    }

    /// Writes one file (a relative path) into the temporary folder, creating its folders.
    /// Several threads may write at once: the pages go to disk as they render.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
        if path.starts_with('/') || path.split('/').any(|p| p == ".." || p.is_empty()) {
            bail!("refusing to write outside the output folder: {path}");
        }
        if self.aborted.load(std::sync::atomic::Ordering::SeqCst) {
            bail!("the build stopped");
        }
        let target = self.temp.join(path);
        let written = match std::fs::write(&target, bytes) {
            // The first file of a folder creates it (no check per file), folder by folder below
            // the temporary folder, never the temporary folder itself: an aborted build removes
            // it, and a late writer must not bring it back.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut dir = self.temp.clone();
                let mut folders = Path::new(path)
                    .parent()
                    .into_iter()
                    .flat_map(Path::components);
                folders
                    .try_for_each(|part| {
                        dir.push(part);
                        match std::fs::create_dir(&dir) {
                            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
                            _ => Ok(()),
                        }
                    })
                    .with_context(|| format!("failed to create {}", dir.display()))
                    .and_then(|()| std::fs::write(&target, bytes).map_err(Into::into))
            }
            other => other.map_err(Into::into),
        };
        written.with_context(|| format!("failed to write {}", target.display()))
    }

    /// Moves the kept entries of the old output into the new one (a kept entry replaces what
    /// the build wrote at the same path: it is the user's); the entries moved.
    fn carry_kept(&self) -> anyhow::Result<Vec<String>> {
        let mut moved = Vec::new();
        for rel in self.keep.find(&self.out) {
            let to = self.temp.join(&rel);
            let done = remove_any(&to)
                .and_then(|()| match to.parent() {
                    Some(parent) => std::fs::create_dir_all(parent),
                    None => Ok(()),
                })
                .and_then(|()| std::fs::rename(self.out.join(&rel), &to));
            if let Err(e) = done {
                self.put_back(&moved);
                return Err(e).with_context(|| {
                    format!("failed to carry the kept {rel} over into the new output")
                });
            }
            moved.push(rel);
        }
        Ok(moved)
    }

    /// Moves carried entries back into the old output (the swap did not happen).
    fn put_back(&self, moved: &[String]) {
        for rel in moved.iter().rev() {
            let _ = std::fs::rename(self.temp.join(rel), self.out.join(rel));
        }
    }

    /// Replaces the output with the temporary folder in one atomic exchange (a plain rename for
    /// a first build), carrying the kept entries over first; the old output is then removed.
    pub fn commit(mut self) -> anyhow::Result<()> {
        // From here an interruption leaves the temporary folder alone: it is about to hold the
        // kept files, which the next build puts back.
        staged().retain(|dir| *dir != self.temp);
        if std::fs::symlink_metadata(&self.out).is_err() {
            std::fs::rename(&self.temp, &self.out).with_context(|| {
                format!("failed to move the new output to {}", self.out.display())
            })?;
            self.committed = true;
            return Ok(());
        }
        let moved = self.carry_kept()?;
        if let Err(e) = exchange(&self.temp, &self.out) {
            self.put_back(&moved);
            return Err(e).with_context(|| {
                format!("failed to swap the new output into {}", self.out.display())
            });
        }
        self.committed = true;
        // The temporary folder now holds the old output.
        match remove_any(&self.temp) {
            Ok(()) => Ok(()),
            Err(e) => Err(e).with_context(|| {
                format!("failed to remove the old output {}", self.temp.display())
            }),
        }
    }
}

/// Removes a file, link or folder at `path`, if there is one.
fn remove_any(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        staged().retain(|dir| *dir != self.temp);
        if !self.committed {
            // Best effort: the old site is untouched either way.
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` as the new content of `out`, as a build does.
    fn write_atomically(out: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
        write_keeping(out, files, &Config::default())
    }

    fn write_keeping(
        out: &Path,
        files: &[(String, Vec<u8>)],
        config: &Config,
    ) -> anyhow::Result<()> {
        // The project is a folder of its own beside the output.
        let project = out.with_file_name("project");
        std::fs::create_dir_all(&project).expect("project");
        let staging = Staging::create(out, &project, config)?;
        staging.write(files)?;
        staging.commit()
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_old_output_and_refuses_escapes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("site");
        write_atomically(&out, &[("a/b.html".into(), b"one".to_vec())]).expect("first");
        write_atomically(
            &out,
            &[
                ("c.html".into(), b"two".to_vec()),
                ("d/e/f.html".into(), b"three".to_vec()),
            ],
        )
        .expect("second");
        assert!(!out.join("a/b.html").exists());
        assert_eq!(std::fs::read(out.join("c.html")).expect("read"), b"two");
        assert_eq!(
            std::fs::read(out.join("d/e/f.html")).expect("read"),
            b"three"
        );
        assert_eq!(
            std::fs::read_to_string(out.join(MARKER)).expect("marker"),
            MARKER_TEXT
        );
        let err = write_atomically(&out, &[("../x".into(), Vec::new())]).expect_err("escape");
        assert!(err.to_string().contains("outside"));
        // The failed write left the previous site in place.
        assert_eq!(std::fs::read(out.join("c.html")).expect("read"), b"two");
        assert_eq!(names(tmp.path()), ["project", "site"]);
    }

    #[test]
    fn globs_match_names_folders_and_any_depth() {
        let cases = [
            ("CNAME", "CNAME", true),
            ("CNAME", "docs/CNAME", false),
            ("*.txt", "notes.txt", true),
            // `*` stays within one name.
            ("*.txt", "docs/notes.txt", false),
            ("docs/*.txt", "docs/notes.txt", true),
            ("**/*.txt", "docs/a/notes.txt", true),
            ("**/*.txt", "notes.txt", true),
            ("docs/**", "docs/a/b", true),
            ("docs/**", "docs", true),
            ("docs/**", "other/a", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("*", ".git", true),
            ("**", "x/y/z", true),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(glob_matches(pattern, path), expected, "{pattern} ~ {path}");
        }
        assert_eq!(keep_glob_problem("docs/**"), None);
        assert!(keep_glob_problem("../x").is_some());
        assert!(keep_glob_problem("/etc").is_some());
        assert!(keep_glob_problem("").is_some());
        assert!(keep_glob_problem("a//b").is_some());
    }

    #[test]
    fn kept_entries_survive_and_the_marker_is_never_carried() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("site");
        let config = Config {
            keep: vec!["docs/**".into(), "*.txt".into()],
            ..Config::default()
        };
        write_keeping(&out, &[("index.html".into(), b"1".to_vec())], &config).expect("first");
        std::fs::create_dir_all(out.join(".git/objects")).expect("git");
        std::fs::write(out.join(".git/objects/x"), "obj").expect("git");
        std::fs::write(out.join("CNAME"), "example.com").expect("cname");
        std::fs::create_dir_all(out.join("docs/a")).expect("docs");
        std::fs::write(out.join("docs/a/b.md"), "doc").expect("doc");
        std::fs::write(out.join("notes.txt"), "mine").expect("txt");
        std::fs::write(out.join("stale.html"), "old").expect("stale");
        // The build writes a notes.txt too: the user's is kept.
        let files = [
            ("index.html".into(), b"2".to_vec()),
            ("notes.txt".into(), b"built".to_vec()),
        ];
        write_keeping(&out, &files, &config).expect("second");
        write_keeping(&out, &files, &config).expect("third");
        assert_eq!(
            std::fs::read_to_string(out.join(".git/objects/x")).expect("git"),
            "obj"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("CNAME")).expect("c"),
            "example.com"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("docs/a/b.md")).expect("d"),
            "doc"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).expect("t"),
            "mine"
        );
        assert!(!out.join("stale.html").exists());
        assert_eq!(
            std::fs::read_to_string(out.join(MARKER)).expect("m"),
            MARKER_TEXT
        );
    }

    #[test]
    fn the_exchange_swaps_and_the_target_always_exists() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir_all(&a).expect("a");
        std::fs::create_dir_all(&b).expect("b");
        std::fs::write(a.join("which"), "new").expect("w");
        std::fs::write(b.join("which"), "old").expect("w");
        // A reader polls the target while it is swapped back and forth.
        let stop = std::sync::atomic::AtomicBool::new(false);
        let missing = std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut missing = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if std::fs::read(b.join("which")).is_err() {
                        missing += 1;
                    }
                }
                missing
            });
            for _ in 0..2000 {
                exchange(&a, &b).expect("exchange");
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            reader.join().expect("reader")
        });
        // An even number of swaps: each folder is back where it started.
        assert_eq!(std::fs::read_to_string(b.join("which")).expect("r"), "old");
        assert_eq!(std::fs::read_to_string(a.join("which")).expect("r"), "new");
        #[cfg(target_os = "linux")]
        assert_eq!(missing, 0, "the target was missing during a swap");
        let _ = missing;
    }

    #[test]
    fn refuses_unmarked_folders_and_inputs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = tmp.path().join("project");
        std::fs::create_dir_all(project.join("data")).expect("data");
        let config = Config::default();
        let out = tmp.path().join("site");
        std::fs::create_dir_all(out.join("chapters")).expect("out");
        std::fs::write(out.join("thesis.txt"), "years").expect("thesis");
        std::fs::write(out.join("CNAME"), "kept").expect("cname");
        let err = check(&project, &config, &out).expect_err("unmarked");
        let text = err.to_string();
        assert!(
            text.contains("would delete its 2 entries: chapters/, thesis.txt"),
            "{text}"
        );
        assert!(text.contains("help: "), "{text}");
        // Only kept entries: nothing would be lost.
        std::fs::remove_dir_all(out.join("chapters")).expect("rm");
        std::fs::remove_file(out.join("thesis.txt")).expect("rm");
        check(&project, &config, &out).expect("only kept entries");
        for bad in [
            project.join("data"),
            project.join("data/sub"),
            project.clone(),
            tmp.path().to_path_buf(),
            project.join("reports"),
        ] {
            let err = check(&project, &config, &bad).expect_err("an input");
            assert!(err.to_string().contains("the output folder"), "{err}");
        }
        // Through `..` and a symbolic link too.
        check(&project, &config, &project.join("x/../data")).expect_err("dots");
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&project, &link).expect("link");
            check(&project, &config, &link.join("data")).expect_err("link");
        }
    }

    #[cfg(unix)]
    #[test]
    fn leftovers_of_dead_builds_are_removed_and_kept_files_rescued() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let project = tmp.path().join("project");
        std::fs::create_dir_all(&project).expect("project");
        let out = tmp.path().join("site");
        let config = Config::default();
        write_keeping(&out, &[("index.html".into(), b"1".to_vec())], &config).expect("first");
        // A build killed after carrying CNAME into its temporary folder; PID 0 never runs a build
        // and u32::MAX is beyond any PID.
        let dead = tmp.path().join(format!(".site.tmp-{}", u32::MAX));
        std::fs::create_dir_all(&dead).expect("dead");
        std::fs::write(dead.join("CNAME"), "example.com").expect("cname");
        let alive = tmp
            .path()
            .join(format!(".site.old-{}", std::os::unix::process::parent_id()));
        std::fs::create_dir_all(&alive).expect("alive");
        let claim = claim(&project, Some(&config), &out).expect("claim");
        assert_eq!(
            std::fs::read_to_string(out.join("CNAME")).expect("rescued"),
            "example.com"
        );
        assert!(!dead.exists());
        assert!(alive.exists(), "a running build's folder is left alone");
        // A second claim on the same folder is refused while the first holds it.
        let err = super::claim(&project, Some(&config), &out)
            .err()
            .expect("second claim");
        assert!(
            err.to_string()
                .contains("another postsale build or serve is writing an output folder in"),
            "{err}"
        );
        drop(claim);
        super::claim(&project, Some(&config), &out).expect("free again");
        // Nothing is left beside the output: no lock file.
        assert_eq!(
            names(tmp.path()),
            [
                format!(".site.old-{}", std::os::unix::process::parent_id()),
                "project".into(),
                "site".into()
            ]
        );
    }
}
