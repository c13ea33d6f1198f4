//! `postsale check`: loads and validates the config, every data table, every report definition
//! (front matter, component calls, template syntax) and the theme; prints every problem with
//! file:line:column; writes nothing. Exit status 1 on any error. With `--usage-log` (or the
//! logs `usage:` names in postsale.yaml), also warns about the reports nobody read in 90 days
//! (`crate::usage`). With a `delivery.yaml`, also checks it against the project
//! (`delivery::config::check_against`) and prints each schedule with its next send time (after
//! `--now`, default the current time).

use crate::delivery::{self, Delivery, Schedule, When, schedule};
use crate::diagnostic::Diagnostics;
use crate::site;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// Arguments of `postsale check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The project folder (with postsale.yaml, data/, reports/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
    /// Access logs of the published site: warn about reports with no view in 90 days
    /// (default: the logs `usage: logs:` names in postsale.yaml).
    #[arg(long = "usage-log", value_name = "FILE", num_args = 1..)]
    pub usage_logs: Vec<PathBuf>,
    /// The URL path the site is served under in those logs, e.g. /reports/cs/ (default:
    /// `usage: base_path:` in postsale.yaml, else /).
    #[arg(long)]
    pub base_path: Option<String>,
    /// The instant the schedules' next send times are counted from (RFC 3339, such as
    /// 2026-12-07T12:00:00Z); default now.
    #[arg(long, value_name = "TIME", value_parser = schedule::parse_instant)]
    pub now: Option<DateTime<Utc>>,
}

/// Runs the checks; the summary goes to stdout, problems to stderr.
pub fn run(args: Args) -> anyhow::Result<()> {
    let delivery = delivery::config::load(&args.project);
    let project = match site::load_project(&args.project) {
        Ok(project) => project,
        Err(Diagnostics(mut problems)) => {
            if let Err(Diagnostics(more)) = delivery {
                problems.extend(more);
            }
            return Err(Diagnostics(problems).into());
        }
    };
    // Template problems, entity page names that collide and the delivery settings' problems,
    // reported together.
    let mut problems = site::pages::tera(&project).err().unwrap_or_default();
    problems.extend(site::links::name_collisions(&project));
    let delivery = match delivery {
        Ok(delivery) => delivery,
        Err(Diagnostics(more)) => {
            problems.extend(more);
            None
        }
    };
    if let Some(d) = &delivery {
        let directory = delivery::recipients::Directory::new(project.data.csms.as_ref());
        let found = delivery::config::check_against(
            d,
            &args.project,
            &project.reports,
            &directory,
            &project.rules,
        );
        let (errors, warnings): (Vec<_>, Vec<_>) = found.into_iter().partition(|d| d.is_error());
        problems.extend(errors);
        for warning in &warnings {
            eprintln!("{warning}");
        }
    }
    if !problems.is_empty() {
        return Err(Diagnostics(problems).into());
    }
    project.data_notes.print_warnings();
    for notice in &project.data_notes.notices {
        println!("note: {notice}");
    }
    let configured = &project.config.usage;
    if !args.usage_logs.is_empty() || !configured.logs.is_empty() {
        let as_of = project.config.resolve_as_of(None, super::metrics::today());
        // The logs given on the command line, else those postsale.yaml names.
        let (logs, base_path) = if args.usage_logs.is_empty() {
            let logs = crate::usage::configured_logs(&project.dir, &configured.logs)
                .map_err(crate::diagnostic::Diagnostics)?;
            (
                logs,
                args.base_path
                    .clone()
                    .unwrap_or_else(|| configured.base_path.clone()),
            )
        } else {
            let logs = args
                .usage_logs
                .iter()
                .map(|p| (p.clone(), p.display().to_string()))
                .collect();
            (logs, args.base_path.clone().unwrap_or_else(|| "/".into()))
        };
        let (usage, problems) = crate::usage::read_logs(&logs, &project.reports, &base_path, as_of);
        let (errors, warnings): (Vec<_>, Vec<_>) = problems.into_iter().partition(|d| d.is_error());
        if !errors.is_empty() {
            return Err(crate::diagnostic::Diagnostics(errors).into());
        }
        for warning in warnings
            .iter()
            .chain(&crate::usage::sunset_warnings(&usage))
        {
            eprintln!("{warning}");
        }
    }
    let rows: usize = project.data.row_counts.values().sum();
    let tables = format!("{} tables ({rows} rows)", project.data.row_counts.len());
    let reports = format!("{} reports", project.reports.len());
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut parts = vec![tables, reports];
    if !project.rules.0.is_empty() {
        parts.push(plural(project.rules.0.len(), "alert rule"));
    }
    if !project.scenarios.is_empty() {
        parts.push(plural(project.scenarios.len(), "scenario"));
    }
    let last = parts.pop().unwrap_or_default();
    println!(
        "ok: postsale.yaml, {} and {last} are valid",
        parts.join(", ")
    );
    if let Some(d) = &delivery {
        let now = args
            .now
            .unwrap_or_else(|| std::time::SystemTime::now().into());
        print_schedules(d, now);
    }
    // The process ends here: let it hand the memory back at once rather than free millions of
    // rows one by one.
    std::mem::forget(project);
    Ok(())
}

/// The delivery summary: one line per schedule, with its next send time in its own zone.
fn print_schedules(d: &Delivery, now: DateTime<Utc>) {
    let n = d.schedules.len();
    println!(
        "ok: {}: {n} schedule{}, {} list{}",
        delivery::FILE,
        if n == 1 { "" } else { "s" },
        d.lists.len(),
        if d.lists.len() == 1 { "" } else { "s" }
    );
    for s in &d.schedules {
        println!("  {}", describe(s, d, now));
    }
}

/// `weekly-review: report 'weekly' to leadership, managers; every monday at 07:00
/// America/New_York; next Mon 2026-12-07 07:00 EST`, and `due now` while the latest occurrence
/// is within the grace period (`deliver` would send it unless the ledger has it).
fn describe(s: &Schedule, d: &Delivery, now: DateTime<Utc>) -> String {
    let tz = s.timezone.unwrap_or(d.timezone);
    let who = if s.report == delivery::config::ALERTS {
        "the alert digests to each rule's recipients".to_string()
    } else {
        let mut who = format!("report '{}' to {}", s.report, s.to.join(", "));
        if !s.cc.is_empty() {
            who.push_str(&format!(", cc {}", s.cc.join(", ")));
        }
        who
    };
    let when = match s.when {
        When::Daily { at } => format!("daily at {}", at.format("%H:%M")),
        When::Weekly { day, at } => format!(
            "every {} at {}",
            delivery::config::weekday_name(day),
            at.format("%H:%M")
        ),
        When::Monthly { day: 0, at } => {
            format!("monthly on the last day at {}", at.format("%H:%M"))
        }
        When::Monthly { day, at } => format!("monthly on day {day} at {}", at.format("%H:%M")),
        When::BeforeBoard { days, at } => format!(
            "{days} day{} before each board meeting at {}",
            if days == 1 { "" } else { "s" },
            at.format("%H:%M")
        ),
    };
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%a %Y-%m-%d %H:%M %Z");
    let next = match schedule::next(s, d, now) {
        Some(t) => format!("next {}", local(t)),
        None => "no next send (add the coming board meetings to board_calendar)".into(),
    };
    let due = match schedule::due(s, d, now) {
        schedule::Due::Due { occurrence } => format!("; due now (the {} send)", local(occurrence)),
        schedule::Due::NotDue | schedule::Due::Missed { .. } => String::new(),
    };
    format!("{}: {who}; {when} {tz}; {next}{due}", s.id)
}
