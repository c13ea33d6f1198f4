//! `postsale deliver`: send the mails of the built site that are due now. Loads postsale.yaml
//! and delivery.yaml, reads the site's `mail/index.json` (refusing a site built from other
//! inputs or another as-of date), asks `delivery::schedule` what is due, `delivery::plan` which
//! messages that means, and for each composes (`delivery::compose`), sends or writes to the
//! outbox (`delivery::transport`) and records it in the ledger (`delivery::ledger`). Computes
//! no number: the build did.

use crate::delivery::compose::{self, Envelope, MessageId};
use crate::delivery::ledger::{Ledger, Record};
use crate::delivery::plan::{self, Planned, Step};
use crate::delivery::png::Rasteriser;
use crate::delivery::recipients::Directory;
use crate::delivery::schedule::{self, Due};
use crate::delivery::transport::{self, Sink};
use crate::delivery::{MailIndex, MailScope};
use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};

/// Arguments of `postsale deliver`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The instant to deliver for, RFC 3339 (`2026-11-02T07:05:00+01:00`); default: now.
    #[arg(long)]
    pub now: Option<DateTime<chrono::FixedOffset>>,
    /// Write each message as an .eml file into this folder instead of sending it (the ledger
    /// is neither read nor written).
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// The built site to send from (relative to the project), as `postsale build --out`.
    #[arg(long, default_value = "site")]
    pub site: PathBuf,
    /// The as-of date the site must have been built for (YYYY-MM-DD); overrides as_of in
    /// postsale.yaml, as for `postsale build`.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// List what would be sent, and to whom, without sending or writing anything.
    #[arg(long)]
    pub plan: bool,
    /// The project folder (with postsale.yaml and delivery.yaml).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Runs the command: one line per message on stdout, missed occurrences and skipped messages
/// on stderr, then a summary. Fails, after trying every message, when any could not be sent.
pub fn run(args: Args) -> anyhow::Result<()> {
    let project = &args.project;
    let (config, delivery) = match (
        crate::config::load(project),
        crate::delivery::config::load(project),
    ) {
        (Ok(config), Ok(Some(delivery))) => (config, delivery),
        (Ok(_), Ok(None)) => anyhow::bail!(
            "no {} in {}: write one to say who gets which report and when (see the README)",
            crate::delivery::FILE,
            project.display()
        ),
        (config, delivery) => {
            let mut problems = config.err().map(|d| d.0).unwrap_or_default();
            problems.extend(delivery.err().map(|d| d.0).unwrap_or_default());
            return Err(crate::diagnostic::Diagnostics(problems).into());
        }
    };
    let site = if args.site.is_absolute() {
        args.site.clone()
    } else {
        project.join(&args.site)
    };
    let index = read_index(&site)?;
    let as_of = config.resolve_as_of(args.as_of, super::metrics::today());
    // Tables read from the database count by what their queries return now.
    let database = match &config.database {
        Some(database) => crate::data::source::digests(database)
            .map_err(|d| crate::diagnostic::Diagnostics(vec![d]))?,
        None => Vec::new(),
    };
    let inputs = crate::site::numbers::inputs(project, &config.data_dir, &database)
        .context("failed to read the project's inputs")?;
    check_site(&site, &index, as_of, &inputs.fingerprint)?;
    let now = args.now.map_or_else(
        || DateTime::<Utc>::from(std::time::SystemTime::now()),
        |t| t.with_timezone(&Utc),
    );

    // Who is who: csms.csv (with accounts.csv, which the loader always reads).
    let options = crate::data::load::LoadOptions {
        only: Some(vec!["csms"]),
        ..crate::data::load::LoadOptions::from_config(&config)
    };
    let loaded = crate::data::load::load(&project.join(&config.data_dir), &options)?;
    let directory = Directory::new(loaded.dataset.csms.as_ref());
    let resolve =
        |names: &[String], scope: &MailScope| directory.resolve(names, &delivery.lists, scope);

    // Where the messages go, checked (credentials included) before anything is sent.
    let sink = match (&args.outbox, &delivery.smtp, args.plan) {
        (_, _, true) => None,
        (Some(dir), _, false) => Some(Sink::outbox(dir).map_err(anyhow::Error::msg)?),
        (None, Some(smtp), false) => {
            Some(Sink::smtp(smtp, &|name| std::env::var(name).ok()).map_err(anyhow::Error::msg)?)
        }
        (None, None, false) => anyhow::bail!(
            "{} has no `smtp:` section: add the mail server, or write the messages with --outbox DIR",
            crate::delivery::FILE
        ),
    };
    let png = match sink {
        Some(_) => Some(Rasteriser::new(&site, project).map_err(anyhow::Error::msg)?),
        None => None,
    };
    // The outbox neither reads nor writes the ledger; `--plan` reads it when it exists.
    let ledger_path = project.join(&delivery.ledger);
    let mut ledger = match (&args.outbox, args.plan) {
        (Some(_), _) => None,
        (None, true) if !ledger_path.exists() => None,
        (None, _) => Some(Ledger::open(&ledger_path).map_err(anyhow::Error::msg)?),
    };
    let mut due = Vec::new();
    for s in &delivery.schedules {
        match schedule::due(s, &delivery, now) {
            Due::NotDue => {}
            Due::Due { occurrence } => due.push((s, occurrence)),
            // Sent in time by an earlier run: nothing to say.
            Due::Missed { occurrence }
                if ledger
                    .as_ref()
                    .is_some_and(|l| l.has_occurrence(&s.id, occurrence)) => {}
            Due::Missed { occurrence } => eprintln!(
                "missed   {} {}: more than {} hours late at {}; not sent (the next one is sent on time)",
                s.id,
                stamp(occurrence),
                delivery.grace_hours,
                stamp(now)
            ),
        }
    }

    let steps = {
        let sent = |s: &str, o: DateTime<Utc>, scope: &MailScope| {
            ledger.as_ref().is_some_and(|l| l.contains(s, o, scope))
        };
        plan::plan(&index, &due, &resolve, &sent)
    };

    let mut counts = Counts::default();
    let from = compose::mailbox(&delivery.from)
        .map_err(|e| anyhow::anyhow!("`from` in {}: {e}", crate::delivery::FILE))?;
    let mut failures = Vec::new();
    for step in &steps {
        match step {
            Step::AlreadySent {
                schedule,
                occurrence,
                scope,
            } => {
                counts.already += 1;
                println!(
                    "skipped  {} {} {}: already sent (in {})",
                    schedule.id,
                    stamp(*occurrence),
                    scope_name(scope),
                    delivery.ledger
                );
            }
            Step::Skipped {
                schedule,
                scope,
                reason,
            } => {
                counts.skipped += 1;
                let scope = scope.as_ref().map(scope_name).unwrap_or_default();
                eprintln!("warning: {} {scope}: not sent: {reason}", schedule.id);
            }
            Step::Send(p) => {
                let (Some(sink), Some(png)) = (&sink, &png) else {
                    counts.planned += 1;
                    println!("would send {}", describe(p));
                    continue;
                };
                match send(p, sink, png, &site, &index, &from, now) {
                    Ok(id) => {
                        if let Some(ledger) = &mut ledger {
                            ledger
                                .record(&Record {
                                    schedule: p.schedule.id.clone(),
                                    occurrence: p.occurrence,
                                    scope: p.mail.scope.clone(),
                                    recipients: p.to.iter().chain(&p.cc).cloned().collect(),
                                    message_id: id,
                                    sent_at: DateTime::<Utc>::from(std::time::SystemTime::now()),
                                })
                                .map_err(|e| {
                                    // Stop: a message sent but not recorded would go out again.
                                    anyhow::anyhow!(
                                        "{} was sent but not recorded: {e}; stopped so that nothing more is sent unrecorded",
                                        describe(p)
                                    )
                                })?;
                            counts.sent += 1;
                            println!("sent     {}", describe(p));
                        } else {
                            counts.written += 1;
                            println!(
                                "written  {} as {}",
                                describe(p),
                                transport::file_name(&p.schedule.id, p.occurrence, &p.mail.scope)
                            );
                        }
                    }
                    Err(e) => {
                        let line = format!("{}: {e}", describe(p));
                        eprintln!("failed   {line}");
                        failures.push(line);
                    }
                }
            }
        }
    }
    println!("{}", counts.summary(failures.len(), now));
    if !failures.is_empty() {
        anyhow::bail!(
            "{} not sent:\n  {}",
            crate::render::alerts::plural(failures.len(), "message"),
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// Composes and sends (or writes) one message; its Message-ID on success.
fn send(
    p: &Planned,
    sink: &Sink,
    png: &Rasteriser,
    site: &Path,
    index: &MailIndex,
    from: &lettre::message::Mailbox,
    now: DateTime<Utc>,
) -> Result<String, String> {
    let mailboxes = |list: &[String]| -> Result<Vec<_>, String> {
        list.iter().map(|m| compose::mailbox(m)).collect()
    };
    let id = MessageId::new(
        &p.schedule.id,
        p.occurrence,
        &p.mail.scope,
        &index.fingerprint,
        from,
    );
    let envelope = Envelope {
        from: from.clone(),
        to: mailboxes(&p.to)?,
        cc: mailboxes(&p.cc)?,
        id: id.clone(),
        date: now,
    };
    let message = compose::compose(site, p.mail, &envelope, png)?;
    sink.deliver(
        &message,
        &transport::file_name(&p.schedule.id, p.occurrence, &p.mail.scope),
    )?;
    Ok(id.header())
}

/// Reads `<site>/mail/index.json`, or says to build first.
fn read_index(site: &Path) -> anyhow::Result<MailIndex> {
    if !site.is_dir() {
        anyhow::bail!(
            "no site at {}: run `postsale build` first (or give its folder with --site)",
            site.display()
        );
    }
    let path = site.join("mail/index.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "{} has no mail/index.json: run `postsale build` first (the site was built without the mails)",
            site.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("failed to read {}", path.display())),
    };
    serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not a mail index of this postsale: run `postsale build` again",
            path.display()
        )
    })
}

/// Refuses a site whose mails were not computed from the project's current inputs and as-of
/// date: sending them would mail stale or other numbers.
fn check_site(
    site: &Path,
    index: &MailIndex,
    as_of: NaiveDate,
    fingerprint: &str,
) -> anyhow::Result<()> {
    if index.fingerprint != fingerprint {
        anyhow::bail!(
            "the site at {} was built from other inputs (postsale.yaml, alerts.yaml, a data file or a database table changed since: {} there, {fingerprint} now): run `postsale build` before `postsale deliver`",
            site.display(),
            index.fingerprint
        );
    }
    if index.as_of != as_of {
        anyhow::bail!(
            "the site at {} was built as of {}, not {as_of}: run `postsale build` (with the same --as-of) before `postsale deliver`",
            site.display(),
            index.as_of
        );
    }
    Ok(())
}

/// What a run did, for the summary line.
#[derive(Debug, Default)]
struct Counts {
    sent: usize,
    written: usize,
    planned: usize,
    already: usize,
    skipped: usize,
}

impl Counts {
    fn summary(&self, failed: usize, now: DateTime<Utc>) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.sent, "sent"),
            (self.written, "written to the outbox"),
            (self.planned, "to send"),
            (self.already, "already sent"),
            (self.skipped, "skipped"),
            (failed, "failed"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        if parts.is_empty() {
            parts.push("nothing due".into());
        }
        format!("deliver at {}: {}", stamp(now), parts.join(", "))
    }
}

/// `schedule occurrence scope → to; cc ...`.
fn describe(p: &Planned) -> String {
    let cc = if p.cc.is_empty() {
        String::new()
    } else {
        format!("; cc {}", p.cc.join(", "))
    };
    format!(
        "{} {} {} to {}{cc}",
        p.schedule.id,
        stamp(p.occurrence),
        scope_name(&p.mail.scope),
        p.to.join(", ")
    )
}

/// An instant as the output shows it: `2026-11-02T07:00Z`.
fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%MZ").to_string()
}

/// `company`, `csm C01`, `manager M1`, `recipient leadership`.
fn scope_name(scope: &MailScope) -> String {
    match scope {
        MailScope::Company => "company".into(),
        MailScope::Csm(id) => format!("csm {id}"),
        MailScope::Manager(id) => format!("manager {id}"),
        MailScope::Recipient(r) => format!("recipient {r}"),
    }
}
