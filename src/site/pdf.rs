//! The only code that runs the `typst` program: finding it (`POSTSALE_TYPST`, then `typst` in
//! postsale.yaml, then PATH) and compiling the generated sources into PDFs, several processes at a
//! time, reproducibly (the theme's fonts only, a creation timestamp from the as-of date). The
//! sources themselves are written by `crate::render::typst` and `crate::site::pages`.

use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// Compiles one source inside `site` (the root typst may read from).
    fn compile(&self, site: &Path, job: &Compile, timestamp: i64) -> Result<(), String> {
        let out = Command::new(&self.program)
            .current_dir(site)
            .env("SOURCE_DATE_EPOCH", timestamp.to_string())
            .args(["compile", "--root", ".", "--font-path", FONTS_DIR])
            .args(["--ignore-system-fonts", "--ignore-embedded-fonts"])
            .args(["--creation-timestamp", &timestamp.to_string()])
            .args(["--pdf-standard", "ua-1", "--diagnostic-format", "human"])
            .arg(&job.source)
            .arg(&job.pdf)
            .output()
            .map_err(|e| format!("{}: cannot run typst: {e}", job.report))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}: typst failed to compile {}:\n{}",
                job.report,
                job.source,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ))
        }
    }

    /// Compiles every job, `parallel` processes at a time; every failure, in job order.
    pub fn compile_all(
        &self,
        site: &Path,
        jobs: &[Compile],
        timestamp: i64,
        parallel: usize,
    ) -> Result<(), Vec<String>> {
        let next = AtomicUsize::new(0);
        let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..parallel.clamp(1, jobs.len().max(1)) {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        if let Err(e) = self.compile(site, job, timestamp)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_is_midnight_utc_of_the_as_of_date() {
        // 2026-11-01 is 20,758 days after 1970-01-01.
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        assert_eq!(timestamp(day), 20_758 * 86_400);
    }
}
