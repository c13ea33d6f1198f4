//! Report usage from web-server access logs: which reports people read, how much and how
//! recently, and which nobody read in 90 days (the sunset candidates). Reading the logs is
//! `log`; turning a request path into a report is `map`; this module decides what counts and
//! counts it. Formatting is `cmd::usage`'s.
//!
//! A *view* is a successful GET (2xx except 206, or 304) of a report's page or PDF by a client
//! whose user agent does not say bot, crawler or spider. A *reader* is the authenticated user
//! when the log line has one, else the pair (client address, user agent). Days are the log's
//! own dates (the offset each line was written with); the windows are the 30 and 90 days before
//! the as-of date, which is never counted itself.

pub(crate) mod log;
pub(crate) mod map;
pub(crate) mod page;

use crate::diagnostic::Diagnostic;
use crate::report::Report;
use chrono::{Days, NaiveDate};
use log::Request;
use map::{SiteMap, Target};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The two windows, in days before the as-of date; a report with no view in the longer one is a
/// sunset candidate.
pub(crate) const WINDOWS: [u64; 2] = [30, 90];

/// One report's use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ReportUsage {
    /// The file stem: `weekly`.
    pub(crate) report: String,
    pub(crate) title: String,
    /// `reports/weekly.md`.
    pub(crate) file: String,
    pub(crate) views_30: u64,
    pub(crate) readers_30: usize,
    pub(crate) views_90: u64,
    pub(crate) readers_90: usize,
    /// The last day before as-of with a view, in the whole of the logs.
    pub(crate) last_view: Option<NaiveDate>,
}

/// What the logs held, for the reader to judge the numbers by.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct LogSummary {
    pub(crate) files: usize,
    /// Non-blank lines read.
    pub(crate) lines: u64,
    /// Lines skipped as not in Common or Combined Log Format.
    pub(crate) malformed: u64,
    /// The first and last day of any request in the logs.
    pub(crate) first_day: Option<NaiveDate>,
    pub(crate) last_day: Option<NaiveDate>,
    /// Views of the site's own pages (metric pages, definitions, data quality).
    pub(crate) site_page_views: u64,
    /// Successful page and PDF requests from bots, left out.
    pub(crate) bot_requests: u64,
    /// Views on or after the as-of date, left out.
    pub(crate) after_as_of: u64,
}

/// The usage of every report of a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Usage {
    pub(crate) as_of: NaiveDate,
    /// The path the site is served under (`/`, `/cs/`).
    pub(crate) base_path: String,
    /// Most viewed in 90 days first, then in 30 days, then by file name.
    pub(crate) reports: Vec<ReportUsage>,
    /// The reports with no view in the 90 days before as-of: never viewed first, then the
    /// longest unread.
    pub(crate) sunset: Vec<String>,
    /// Days of the 90-day window the logs cover (fewer than 90: a sunset candidate may have been
    /// read before the logs start).
    pub(crate) covered_days: u64,
    pub(crate) logs: LogSummary,
}

/// Whether a response counts as a read: 2xx or 304, but not 206 (the further pieces of a PDF a
/// browser fetches in ranges after its first request).
fn successful(status: u16) -> bool {
    (200..300).contains(&status) && status != 206 || status == 304
}

/// Whether a user agent is a robot's.
fn is_bot(agent: Option<&str>) -> bool {
    agent.is_some_and(|a| {
        let a = a.to_ascii_lowercase();
        ["bot", "crawler", "spider"].iter().any(|w| a.contains(w))
    })
}

/// One report's counts while the logs are read.
#[derive(Default)]
struct Counts {
    views: [u64; 2],
    readers: [FxHashSet<u32>; 2],
    last_view: Option<NaiveDate>,
}

/// The counting of views as requests stream in.
pub(crate) struct Tally {
    map: SiteMap,
    as_of: NaiveDate,
    /// The first day of each window.
    starts: [NaiveDate; 2],
    /// Reader keys, numbered.
    readers: FxHashMap<String, u32>,
    counts: Vec<Counts>,
    logs: LogSummary,
}

impl Tally {
    /// A tally for `reports`, served under `base_path`, as of `as_of`.
    pub(crate) fn new(reports: &[Report], base_path: &str, as_of: NaiveDate) -> Tally {
        let start = |days| {
            as_of
                .checked_sub_days(Days::new(days))
                .unwrap_or(NaiveDate::MIN)
        };
        Tally {
            map: SiteMap::new(reports, base_path),
            as_of,
            starts: WINDOWS.map(start),
            readers: FxHashMap::default(),
            counts: reports.iter().map(|_| Counts::default()).collect(),
            logs: LogSummary::default(),
        }
    }

    /// Counts one request.
    pub(crate) fn add(&mut self, r: Request) {
        let day = r.time.date_naive();
        self.logs.first_day = Some(self.logs.first_day.map_or(day, |d| d.min(day)));
        self.logs.last_day = Some(self.logs.last_day.map_or(day, |d| d.max(day)));
        if r.method != "GET" || !successful(r.status) {
            return;
        }
        let report = match self.map.target(&r.target) {
            Target::Report(i) => i,
            Target::SitePage => {
                if !is_bot(r.user_agent.as_deref()) && day < self.as_of {
                    self.logs.site_page_views += 1;
                }
                return;
            }
            Target::Other => return,
        };
        if is_bot(r.user_agent.as_deref()) {
            self.logs.bot_requests += 1;
            return;
        }
        if day >= self.as_of {
            self.logs.after_as_of += 1;
            return;
        }
        let key = match r.user {
            Some(user) => format!("user\t{user}"),
            None => format!(
                "client\t{}\t{}",
                r.client,
                r.user_agent.as_deref().unwrap_or("")
            ),
        };
        let next = self.readers.len() as u32;
        let reader = *self.readers.entry(key).or_insert(next);
        let counts = &mut self.counts[report];
        counts.last_view = Some(counts.last_view.map_or(day, |d| d.max(day)));
        for (w, start) in self.starts.iter().enumerate() {
            if day >= *start {
                counts.views[w] += 1;
                counts.readers[w].insert(reader);
            }
        }
    }

    /// Adds what reading one file found.
    pub(crate) fn add_file(&mut self, scan: &log::Scan) {
        self.logs.files += 1;
        self.logs.lines += scan.lines;
        self.logs.malformed += scan.malformed;
    }

    /// The usage of `reports` (the same the tally was made for).
    pub(crate) fn finish(self, reports: &[Report]) -> Usage {
        let mut rows: Vec<ReportUsage> = reports
            .iter()
            .zip(self.counts)
            .map(|(r, c)| ReportUsage {
                report: r.slug.clone(),
                title: if r.front.title.is_empty() {
                    r.slug.clone()
                } else {
                    r.front.title.clone()
                },
                file: r.file.clone(),
                views_30: c.views[0],
                readers_30: c.readers[0].len(),
                views_90: c.views[1],
                readers_90: c.readers[1].len(),
                last_view: c.last_view,
            })
            .collect();
        rows.sort_by(|a, b| {
            (b.views_90, b.views_30)
                .cmp(&(a.views_90, a.views_30))
                .then_with(|| a.report.cmp(&b.report))
        });
        let mut unread: Vec<&ReportUsage> = rows.iter().filter(|r| r.views_90 == 0).collect();
        // `None` (never viewed) sorts before any day.
        unread.sort_by(|a, b| {
            a.last_view
                .cmp(&b.last_view)
                .then_with(|| a.report.cmp(&b.report))
        });
        let sunset = unread.iter().map(|r| r.report.clone()).collect();
        let covered_days = match self.logs.first_day {
            Some(first) if first < self.as_of => {
                let from = first.max(self.starts[1]);
                (self.as_of - from).num_days().unsigned_abs()
            }
            _ => 0,
        };
        Usage {
            as_of: self.as_of,
            base_path: self.map.base().to_string(),
            reports: rows,
            sunset,
            covered_days,
            logs: self.logs,
        }
    }
}

/// A warning when the logs have requests but none is a view of a report: most likely the site
/// is served under a sub-path that `--base-path` does not give.
pub(crate) fn nothing_mapped(usage: &Usage) -> Option<String> {
    let none = usage.reports.iter().all(|r| r.last_view.is_none());
    (none && usage.logs.lines > usage.logs.malformed).then(|| {
        format!(
            "warning: no request in the logs is a view of a report under '{}'\n  help: if the \
             site is served under a sub-path, pass it with --base-path (for example \
             --base-path /reports/)",
            usage.base_path
        )
    })
}

/// One warning per sunset candidate, at its report file, for `postsale check`.
pub(crate) fn sunset_warnings(usage: &Usage) -> Vec<Diagnostic> {
    usage
        .sunset
        .iter()
        .filter_map(|slug| usage.reports.iter().find(|r| &r.report == slug))
        .map(|r| {
            let last = r.last_view.map_or_else(
                || "never viewed in the logs".into(),
                |d| format!("last viewed {d}"),
            );
            Diagnostic::file_error(
                &r.file,
                format!(
                    "no view in the {} days before {} ({last}): a sunset candidate",
                    WINDOWS[1], usage.as_of
                ),
            )
            .warning()
            .with_help(
                "retire the report, merge it into one people read, or ask its audience; \
                 `postsale usage` shows the counts",
            )
        })
        .collect()
}

/// Reads every log in `logs` (path, display name) and counts the views of `reports`. Returns the
/// usage and every problem found (malformed lines as warnings; unreadable files and files with
/// no log line as errors), in file order.
pub(crate) fn read_logs(
    logs: &[(PathBuf, String)],
    reports: &[Report],
    base_path: &str,
    as_of: NaiveDate,
) -> (Usage, Vec<Diagnostic>) {
    let mut tally = Tally::new(reports, base_path, as_of);
    let mut problems = Vec::new();
    for (path, display) in logs {
        let scan = log::scan(path, display, &mut |r| tally.add(r));
        tally.add_file(&scan);
        problems.extend(scan.problems);
    }
    (tally.finish(reports), problems)
}

/// The logs of `usage.logs` in postsale.yaml, relative to `project`: each file as named, each
/// folder's files in name order; a path that does not exist is an error naming it.
pub(crate) fn configured_logs(
    project: &Path,
    logs: &[String],
) -> Result<Vec<(PathBuf, String)>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for name in logs {
        let path = project.join(name);
        if path.is_dir() {
            let mut files: Vec<(PathBuf, String)> = walkdir::WalkDir::new(&path)
                .min_depth(1)
                .max_depth(1)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| {
                    let shown = format!(
                        "{}/{}",
                        name.trim_end_matches('/'),
                        e.file_name().to_string_lossy()
                    );
                    (e.into_path(), shown)
                })
                .collect();
            out.append(&mut files);
        } else if path.is_file() {
            out.push((path, name.clone()));
        } else {
            problems.push(
                Diagnostic::file_error(
                    crate::config::FILE,
                    format!("the usage log '{name}' does not exist (expected a file or a folder of access logs)"),
                )
                .with_help("fix the path under `usage: logs:` (relative to the project folder), or remove it"),
            );
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A page of the site (path, bytes) with the warnings found making it.
pub(crate) type PageWithWarnings = ((String, Vec<u8>), Vec<Diagnostic>);

/// The usage page of the site, `usage.html`, when postsale.yaml names access logs: the logs'
/// warnings (malformed lines, sunset candidates) are returned beside it; unreadable logs are
/// errors.
pub(crate) fn site_page(
    project: &crate::site::Project,
    as_of: NaiveDate,
    css: &str,
) -> Result<Option<PageWithWarnings>, Vec<Diagnostic>> {
    let config = &project.config.usage;
    if config.logs.is_empty() {
        return Ok(None);
    }
    let logs = configured_logs(&project.dir, &config.logs)?;
    let (usage, problems) = read_logs(&logs, &project.reports, &config.base_path, as_of);
    let (errors, mut warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(|d| d.is_error());
    if !errors.is_empty() {
        return Err(errors);
    }
    warnings.extend(sunset_warnings(&usage));
    let html = page::html(&usage, &project.config.name, css);
    Ok(Some(((PAGE.to_string(), html.into_bytes()), warnings)))
}

/// The usage page's path in the site.
pub(crate) const PAGE: &str = "usage.html";

#[cfg(test)]
mod tests {
    use super::*;

    fn example_reports() -> Vec<Report> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        crate::report::load_dir(&dir, "reports", &[]).unwrap()
    }

    fn line(client: &str, user: &str, day: &str, target: &str, status: u16, agent: &str) -> String {
        format!(
            "{client} - {user} [{day}:12:00:00 +0000] \"GET {target} HTTP/1.1\" {status} 100 \"-\" \"{agent}\""
        )
    }

    fn usage(lines: &[String], as_of: &str) -> Usage {
        let reports = example_reports();
        let as_of: NaiveDate = as_of.parse().unwrap();
        let mut tally = Tally::new(&reports, "/", as_of);
        for l in lines {
            tally.add(log::parse_line(l).unwrap());
        }
        tally.finish(&reports)
    }

    fn row<'u>(u: &'u Usage, slug: &str) -> &'u ReportUsage {
        u.reports.iter().find(|r| r.report == slug).unwrap()
    }

    const FF: &str = "Mozilla/5.0 Firefox/133.0";

    #[test]
    fn views_readers_and_windows() {
        let lines = [
            // Two views by one reader (same address and agent), 5 and 40 days before as-of.
            line(
                "10.0.0.1",
                "-",
                "27/Oct/2026",
                "/weekly/2026-W43.html",
                200,
                FF,
            ),
            line(
                "10.0.0.1",
                "-",
                "22/Sep/2026",
                "/weekly/2026-W38.pdf",
                304,
                FF,
            ),
            // Same address, another browser: another reader.
            line("10.0.0.1", "-", "30/Oct/2026", "/weekly/", 200, "Safari/17"),
            // An authenticated user is one reader from any address.
            line(
                "10.0.0.2",
                "ann",
                "29/Oct/2026",
                "/weekly/2026-W43.html",
                200,
                FF,
            ),
            line(
                "10.0.0.3",
                "ann",
                "29/Oct/2026",
                "/weekly/2026-W43.html",
                200,
                "Chrome/131",
            ),
            // 100 days before as-of: only the last view date.
            line(
                "10.0.0.4",
                "-",
                "24/Jul/2026",
                "/board/2026-Q2.html",
                200,
                FF,
            ),
        ];
        let u = usage(&lines, "2026-11-01");
        let w = row(&u, "weekly");
        assert_eq!((w.views_30, w.readers_30), (4, 3));
        assert_eq!((w.views_90, w.readers_90), (5, 3));
        assert_eq!(w.last_view, "2026-10-30".parse().ok());
        let b = row(&u, "board");
        assert_eq!((b.views_90, b.last_view), (0, "2026-07-24".parse().ok()));
        // Board was read once, long ago: it comes after the never-read reports.
        assert_eq!(u.sunset.last().map(String::as_str), Some("board"));
        assert!(u.sunset.contains(&"operations".to_string()));
        assert!(!u.sunset.contains(&"weekly".to_string()));
        assert_eq!(u.reports[0].report, "weekly");
        assert_eq!(u.sunset.len(), 11);
        // The logs start on 24 July, before the 90-day window: it is covered whole.
        assert_eq!(u.covered_days, 90);
    }

    #[test]
    fn failures_partial_content_other_methods_bots_and_assets_are_not_views() {
        let mut lines = vec![
            line(
                "10.0.0.1",
                "-",
                "27/Oct/2026",
                "/monthly/2026-10.html",
                404,
                FF,
            ),
            line(
                "10.0.0.1",
                "-",
                "27/Oct/2026",
                "/monthly/2026-10.pdf",
                206,
                FF,
            ),
            line(
                "10.0.0.1",
                "-",
                "27/Oct/2026",
                "/monthly/2026-10.html",
                301,
                FF,
            ),
            line("10.0.0.1", "-", "27/Oct/2026", "/assets/style.css", 200, FF),
            line(
                "10.0.0.1",
                "-",
                "27/Oct/2026",
                "/monthly/2026-10/table-1.csv",
                200,
                FF,
            ),
            line(
                "66.249.66.1",
                "-",
                "27/Oct/2026",
                "/monthly/",
                200,
                "Googlebot/2.1",
            ),
            line(
                "10.0.0.9",
                "-",
                "27/Oct/2026",
                "/monthly/",
                200,
                "SomeCrawler 1.0",
            ),
            line(
                "10.0.0.9",
                "-",
                "27/Oct/2026",
                "/monthly/",
                200,
                "Baiduspider",
            ),
            line("10.0.0.1", "-", "27/Oct/2026", "/metrics/nrr.html", 200, FF),
            // On the as-of date: after the window.
            line("10.0.0.1", "-", "01/Nov/2026", "/monthly/", 200, FF),
        ];
        lines.push(
            "10.0.0.1 - - [27/Oct/2026:12:00:00 +0000] \"HEAD /monthly/ HTTP/1.1\" 200 0 \"-\" \"x\""
                .into(),
        );
        let u = usage(&lines, "2026-11-01");
        assert_eq!(row(&u, "monthly").views_90, 0);
        assert_eq!(u.logs.bot_requests, 3);
        assert_eq!(u.logs.site_page_views, 1);
        assert_eq!(u.logs.after_as_of, 1);
        assert_eq!(u.sunset.len(), 12);
        // The logs start 5 days before as-of.
        assert_eq!(u.covered_days, 5);
    }

    #[test]
    fn a_day_is_the_one_the_log_line_was_written_on() {
        // 23:30 on 31 October at -07:00 is 1 November in UTC; the log's own day counts, so the
        // view is before an as-of of 1 November.
        let l = "10.0.0.1 - - [31/Oct/2026:23:30:00 -0700] \"GET /index.html HTTP/1.1\" 200 1"
            .to_string();
        let u = usage(&[l], "2026-11-01");
        assert_eq!(row(&u, "index").views_30, 1);
        assert_eq!(row(&u, "index").last_view, "2026-10-31".parse().ok());
    }
}
