//! The only code that runs the `typst` program: finding it (`POSTSALE_TYPST`, then `typst` in
//! postsale.yaml, then PATH) and compiling the generated sources into PDFs, several processes at a
//! time, reproducibly (the theme's fonts only, a creation timestamp from the as-of date). The
//! sources themselves are written by `crate::render::typst` and `crate::site::pages`.
//!
//! typst never outlives the build: a failed build stops the running compilations (kill, then
//! wait), and on Linux each child gets `PR_SET_PDEATHSIG`, so it dies with postsale even when
//! postsale is killed. The signal follows the thread that spawned the child, so each child is
//! spawned and waited for on the same worker thread.

use chrono::NaiveDate;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How to install typst, for the "not found" message.
pub const INSTALL_HINT: &str =
    "install it with `cargo install typst-cli --locked` (about 8 minutes) or set POSTSALE_TYPST";

/// The fonts folder of the site, given to typst with `--font-path`.
pub const FONTS_DIR: &str = "assets/fonts";

/// A `typst` program that answered `typst --version`.
#[derive(Debug, Clone)]
pub struct Typst {
    program: PathBuf,
    /// What `typst --version` printed, e.g. `typst 0.14.0 (...)`.
    pub version: String,
}

/// One PDF to compile: the source and the PDF, relative to the site folder, and the report
/// they come from (for error messages).
#[derive(Debug, Clone)]
pub struct Compile {
    pub report: String,
    pub source: String,
    pub pdf: String,
}

/// The program to run: `POSTSALE_TYPST`, else `configured` (the `typst` key of postsale.yaml,
/// relative to the project), else `typst` on PATH.
pub fn find(configured: Option<&str>, project: &Path) -> Result<Typst, String> {
    let (program, origin) = match std::env::var_os("POSTSALE_TYPST").filter(|v| !v.is_empty()) {
        Some(p) => (PathBuf::from(p), "POSTSALE_TYPST"),
        None => match configured {
            Some(p) if p.contains('/') || p.contains('\\') => {
                (project.join(p), "the `typst` setting of postsale.yaml")
            }
            Some(p) => (PathBuf::from(p), "the `typst` setting of postsale.yaml"),
            None => (PathBuf::from("typst"), "PATH"),
        },
    };
    let shown = program.display().to_string();
    match Command::new(&program).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(Typst {
            program,
            version: String::from_utf8_lossy(&out.stdout).trim().to_string(),
        }),
        Ok(out) => Err(format!(
            "typst not found: {INSTALL_HINT} (`{shown} --version`, from {origin}, failed: {})",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!(
            "typst not found: {INSTALL_HINT} (cannot run `{shown}`, from {origin}: {e})"
        )),
    }
}

/// The creation timestamp of every PDF: the as-of date at 00:00 UTC, in Unix seconds.
pub fn timestamp(as_of: NaiveDate) -> i64 {
    as_of.and_time(chrono::NaiveTime::MIN).and_utc().timestamp()
}

impl Typst {
    /// Compiles one source inside `site` (the root typst may read from); stops it when `cancel`
    /// is set.
    fn compile(
        &self,
        site: &Path,
        job: &Compile,
        timestamp: i64,
        cancel: &AtomicBool,
    ) -> Result<(), String> {
        let mut command = Command::new(&self.program);
        command
            .current_dir(site)
            .env("SOURCE_DATE_EPOCH", timestamp.to_string())
            .args(["compile", "--root", ".", "--font-path", FONTS_DIR])
            .args(["--ignore-system-fonts", "--ignore-embedded-fonts"])
            .args(["--creation-timestamp", &timestamp.to_string()])
            .args(["--pdf-standard", "ua-1", "--diagnostic-format", "human"])
            .arg(&job.source)
            .arg(&job.pdf);
        let (status, stderr) = run_stoppable(command, cancel)
            .map_err(|e| format!("{}: cannot run typst: {e}", job.report))?;
        match status {
            Some(status) if status.success() => Ok(()),
            Some(_) => Err(format!(
                "{}: typst failed to compile {}:\n{}",
                job.report,
                job.source,
                String::from_utf8_lossy(&stderr).trim_end()
            )),
            None => Err(format!(
                "{}: the compilation of {} was stopped (the build failed)",
                job.report, job.source
            )),
        }
    }

    /// Compiles every job, `parallel` processes at a time; every failure, in job order. Setting
    /// `cancel` (the build failed) kills the running compilations and starts no more.
    pub fn compile_all(
        &self,
        site: &Path,
        jobs: &[Compile],
        timestamp: i64,
        parallel: usize,
        cancel: &AtomicBool,
    ) -> Result<(), Vec<String>> {
        let next = AtomicUsize::new(0);
        let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..parallel.clamp(1, jobs.len().max(1)) {
                s.spawn(|| {
                    loop {
                        if cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        if let Err(e) = self.compile(site, job, timestamp, cancel)
                            && let Ok(mut f) = failures.lock()
                        {
                            f.push((i, e));
                        }
                    }
                });
            }
        });
        let mut failures = failures.into_inner().unwrap_or_default();
        failures.sort();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.into_iter().map(|(_, e)| e).collect())
        }
    }
}

/// Sets its flag when dropped: a build that unwinds (a panic while rendering) stops the typst
/// compilations as a failed one does.
pub struct StopOnDrop<'a>(pub &'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `command` to its end, or until `cancel` is set (then kills and reaps it: `None`), with
/// its stderr. Called on the thread that waits for the child, as `PR_SET_PDEATHSIG` requires.
fn run_stoppable(
    mut command: Command,
    cancel: &AtomicBool,
) -> std::io::Result<(Option<std::process::ExitStatus>, Vec<u8>)> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    die_with_parent(&mut command);
    let mut child = command.spawn()?;
    let mut stderr = child.stderr.take();
    std::thread::scope(|s| {
        // The pipe is drained beside the wait, so a chatty child never blocks on it.
        let reader = s.spawn(move || {
            let mut text = Vec::new();
            if let Some(pipe) = stderr.as_mut() {
                let _ = pipe.read_to_end(&mut text);
            }
            text
        });
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if cancel.load(Ordering::Relaxed) {
                let _ = child.kill();
                child.wait()?;
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Ok((status, reader.join().unwrap_or_default()))
    })
}

/// On Linux, the child gets SIGKILL when the thread that spawned it ends (with postsale, when
/// postsale is killed), and starts with no signal blocked.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id();
    // SAFETY: the closure runs in the child between fork and exec and only makes
    // async-signal-safe calls (sigemptyset, pthread_sigmask, prctl, getppid, _exit).
    unsafe {
        command.pre_exec(move || {
            // postsale blocks SIGINT and SIGTERM for its signal thread (see
            // `crate::site::output`); typst gets them as usual.
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent died before the signal was set up: do not run on.
            if u32::try_from(libc::getppid()).ok() != Some(parent) {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// Elsewhere only a failed build stops the children (see `run_stoppable`).
#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_is_midnight_utc_of_the_as_of_date() {
        // 2026-11-01 is 20,758 days after 1970-01-01.
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        assert_eq!(timestamp(day), 20_758 * 86_400);
    }

    #[cfg(unix)]
    #[test]
    fn a_cancelled_build_kills_its_typst_children() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let program = tmp.path().join("typst");
        // A typst that takes a minute for every PDF and records its PID.
        std::fs::write(&program, "#!/bin/sh\necho $$ >> pids\nexec sleep 60\n").expect("write");
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let typst = Typst {
            program,
            version: "fake".into(),
        };
        let jobs: Vec<Compile> = (0..4)
            .map(|i| Compile {
                report: format!("r{i}"),
                source: format!("{i}.typ"),
                pdf: format!("{i}.pdf"),
            })
            .collect();
        let cancel = AtomicBool::new(false);
        let started = std::time::Instant::now();
        let result = std::thread::scope(|s| {
            let compiling = s.spawn(|| typst.compile_all(tmp.path(), &jobs, 0, 2, &cancel));
            std::thread::sleep(Duration::from_millis(500));
            cancel.store(true, Ordering::Relaxed);
            compiling.join().expect("join")
        });
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "waited for typst"
        );
        let problems = result.expect_err("stopped");
        assert_eq!(
            problems.len(),
            2,
            "two ran, two never started: {problems:?}"
        );
        assert!(problems[0].contains("was stopped"), "{problems:?}");
        // The children are gone (killed and reaped).
        let pids = std::fs::read_to_string(tmp.path().join("pids")).expect("pids");
        for pid in pids.split_whitespace() {
            let pid: i32 = pid.parse().expect("pid");
            // SAFETY: signal 0 only checks that the process exists.
            assert_ne!(unsafe { libc::kill(pid, 0) }, 0, "typst {pid} still runs");
        }
    }
}
