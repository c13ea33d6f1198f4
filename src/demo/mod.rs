//! The synthetic data generator behind `postsale demo`: every table of DATA.md, with dynamics
//! that make the analytics meaningful. SMB churns more than Enterprise; expansion concentrates in
//! healthy accounts; health and usage decline, sponsors change, value reviews are skipped and
//! contact goes quiet before a renewal is lost; renewals carry stages, stage history, weekly
//! forecast snapshots and checklists. Accounts are simulated contract by contract, each from
//! its own random stream, so the same options always give the same bytes. Never reads the clock.

mod rng;

use crate::data::{Money, schema};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::period::Month;
use anyhow::Context as _;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rng::Rng;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub accounts: usize,
    /// Months of MRR history, ending with `end`.
    pub months: usize,
    pub seed: u64,
    /// The last month of history; "now" is the first day after it.
    pub end: Month,
}

impl Default for Options {
    /// The example data set: 300 accounts, 36 months to October 2026, seed 1.
    fn default() -> Self {
        Options {
            accounts: 300,
            months: 36,
            seed: 1,
            end: Month::new(2026, 10),
        }
    }
}

/// Rows written per file, in DATA.md order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: Vec<(String, usize)>,
}

/// The file format `demo` writes the tables in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `<table>.csv`, the default.
    #[default]
    Csv,
    /// `<table>.parquet` (typed columns, Snappy-compressed).
    Parquet,
}

impl Format {
    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }
}

/// One output table.
struct Table {
    name: &'static str,
    sink: Sink,
    rows: usize,
}

/// Where a table's rows go.
enum Sink {
    Csv(Box<csv::Writer<BufWriter<File>>>),
    Parquet(Box<crate::data::parquet::Writer>),
}

impl Table {
    /// The file of `table`, with its schema's columns and then `extra` ones in the header.
    fn create(
        dir: &Path,
        table: &'static schema::Table,
        extra: &[&str],
        format: Format,
    ) -> anyhow::Result<Table> {
        let name = table.name;
        let path = dir.join(format!("{name}.{}", format.extension()));
        let sink = match format {
            Format::Csv => {
                let header: Vec<&str> = table
                    .header()
                    .into_iter()
                    .chain(extra.iter().copied())
                    .collect();
                let file = File::create(&path)
                    .with_context(|| format!("failed to create {}", path.display()))?;
                let mut writer = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, file));
                writer
                    .write_record(&header)
                    .with_context(|| format!("failed to write {}", path.display()))?;
                Sink::Csv(Box::new(writer))
            }
            Format::Parquet => Sink::Parquet(Box::new(crate::data::parquet::Writer::create(
                &path, table, extra,
            )?)),
        };
        Ok(Table {
            name,
            sink,
            rows: 0,
        })
    }

    fn row<I, T>(&mut self, cells: I) -> anyhow::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.rows += 1;
        match &mut self.sink {
            Sink::Csv(writer) => writer
                .write_record(cells)
                .with_context(|| format!("failed to write {}.csv", self.name)),
            Sink::Parquet(writer) => writer.row(cells),
        }
    }

    /// Writes what is buffered and closes the file.
    fn finish(self) -> anyhow::Result<(String, usize)> {
        let Table { name, sink, rows } = self;
        match sink {
            Sink::Csv(mut writer) => {
                writer
                    .flush()
                    .with_context(|| format!("failed to write {name}.csv"))?;
                Ok((format!("{name}.csv"), rows))
            }
            Sink::Parquet(writer) => {
                writer.finish()?;
                Ok((format!("{name}.parquet"), rows))
            }
        }
    }
}

/// The segments, with their dynamics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment {
    Smb,
    MidMarket,
    Enterprise,
}

impl Segment {
    fn name(self) -> &'static str {
        match self {
            Segment::Smb => "SMB",
            Segment::MidMarket => "Mid-Market",
            Segment::Enterprise => "Enterprise",
        }
    }
    /// Probability that a renewal is lost, before the health adjustment.
    fn churn(self) -> f64 {
        match self {
            Segment::Smb => 0.30,
            Segment::MidMarket => 0.10,
            Segment::Enterprise => 0.045,
        }
    }
    /// Median MRR in currency units.
    fn mrr(self) -> f64 {
        match self {
            Segment::Smb => 700.0,
            Segment::MidMarket => 4_500.0,
            Segment::Enterprise => 25_000.0,
        }
    }
    fn seats(self) -> (i64, i64) {
        match self {
            Segment::Smb => (5, 40),
            Segment::MidMarket => (40, 250),
            Segment::Enterprise => (250, 2_000),
        }
    }
    /// Target book size of a CSM of this segment.
    fn capacity(self) -> usize {
        match self {
            Segment::Smb => 60,
            Segment::MidMarket => 35,
            Segment::Enterprise => 15,
        }
    }
    /// Activities per month.
    fn touches(self) -> f64 {
        match self {
            Segment::Smb => 0.5,
            Segment::MidMarket => 1.0,
            Segment::Enterprise => 2.0,
        }
    }
    /// Tickets per month.
    fn tickets(self) -> f64 {
        match self {
            Segment::Smb => 0.25,
            Segment::MidMarket => 0.5,
            Segment::Enterprise => 1.0,
        }
    }
    /// Days from signature to first value (time to value benchmarks of METRICS.md).
    fn time_to_value(self) -> (i64, i64) {
        match self {
            Segment::Smb => (7, 30),
            Segment::MidMarket => (30, 60),
            Segment::Enterprise => (60, 120),
        }
    }
    fn team(self) -> &'static str {
        match self {
            Segment::Smb => "SMB Pod",
            Segment::MidMarket => "Mid-Market",
            Segment::Enterprise => "Enterprise",
        }
    }
}

const SEGMENTS: [Segment; 3] = [Segment::Smb, Segment::MidMarket, Segment::Enterprise];
const INDUSTRIES: [&str; 8] = [
    "Software",
    "Retail",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Education",
    "Logistics",
    "Media",
];
const REGIONS: [(&str, &[&str]); 4] = [
    ("NA", &["US", "CA"]),
    ("EMEA", &["GB", "DE", "FR", "NL", "SE"]),
    ("APAC", &["AU", "JP", "SG", "IN"]),
    ("LATAM", &["BR", "MX"]),
];
const SOURCES: [&str; 4] = ["inbound", "outbound", "partner", "referral"];
const FIRST: [&str; 16] = [
    "Nor", "Vel", "Quin", "Astra", "Bright", "Cobalt", "Delta", "Ever", "Fjord", "Gale", "Helio",
    "Iron", "Juno", "Kestrel", "Lumen", "Mosaic",
];
const SECOND: [&str; 12] = [
    "vex", "path", "loop", "stone", "wave", "field", "works", "line", "bridge", "spark", "grid",
    "nest",
];
const SUFFIX: [&str; 8] = [
    "Labs",
    "Systems",
    "Group",
    "Health",
    "Logistics",
    "Analytics",
    "Retail",
    "Partners",
];
const PEOPLE: [&str; 20] = [
    "Avery Stone",
    "Blake Moreno",
    "Casey Lee",
    "Dana Whitfield",
    "Eli Novak",
    "Frankie Ito",
    "Gray Okafor",
    "Harper Diaz",
    "Indy Larsen",
    "Jordan Patel",
    "Kai Fischer",
    "Logan Reyes",
    "Morgan Chen",
    "Noa Berg",
    "Oakley Singh",
    "Parker Romano",
    "Quinn Adeyemi",
    "Riley Kowalski",
    "Sage Duarte",
    "Taylor Brooks",
];

fn day(month: Month, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(month.year(), month.month(), day.min(28)).unwrap_or(month.first_day())
}

fn plus_days(date: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
            .unwrap_or(date)
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
            .unwrap_or(date)
    }
}

fn yes(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

fn clamp(v: f64) -> f64 {
    v.clamp(0.0, 100.0)
}

/// The account's plan for one contract.
struct Contract {
    start: Month,
    term: i32,
    /// The renewal at the end of this contract will be lost.
    churns: bool,
    /// Health declines from this month to the contract end (churn, or a scare that is saved).
    decline_from: Option<Month>,
}

/// All the output tables.
struct Tables {
    accounts: Table,
    csms: Table,
    mrr: Table,
    renewals: Table,
    stages: Table,
    forecasts: Table,
    health: Table,
    usage: Table,
    activities: Table,
    tasks: Table,
    tickets: Table,
    surveys: Table,
    churns: Table,
    opportunities: Table,
    onboarding: Table,
    sponsors: Table,
    actions: Table,
    /// What the accounts' simulations leave for the actions, which are drawn afterwards from
    /// their own random stream (so every other table is the same with or without them).
    seen: Seen,
}

/// Facts about the present recorded while the accounts are simulated, for the actions.
#[derive(Default)]
struct Seen {
    /// Active accounts: (index, health in the last month of history).
    active: Vec<(usize, f64)>,
    /// Accounts whose open renewal is flagged at risk, with its due date.
    at_risk: Vec<(usize, NaiveDate)>,
}

/// Running id counters, so every id is unique and ordered by generation.
#[derive(Default)]
struct Ids {
    renewal: u64,
    activity: u64,
    task: u64,
    ticket: u64,
    response: u64,
    opportunity: u64,
}

/// Checks that `out` may receive the data set before anything is generated: never a project
/// root (a folder holding postsale.yaml, whose data and reports sit beside it), and, unless
/// `force`, a folder that is absent or empty: demo cannot tell its own tables from a user's
/// tables of the same names, so a folder holding anything is refused.
pub(crate) fn check_out(out: &Path, force: bool) -> anyhow::Result<()> {
    let refuse = |message: String, help: &str| -> anyhow::Error {
        Diagnostics(vec![
            Diagnostic::file_error(out.display().to_string(), message).with_help(help),
        ])
        .into()
    };
    if out.join(crate::config::FILE).exists() {
        return Err(refuse(
            format!(
                "the folder is a project root (it holds {}); demo never writes there, even with --force",
                crate::config::FILE
            ),
            "give the project's data folder instead, such as --out data",
        ));
    }
    let entries = match std::fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if out.exists() && !out.is_dir() => {
            return Err(refuse(
                "the output is a file, not a folder".into(),
                "give --out a new or empty folder",
            ));
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", out.display())),
    };
    if force {
        return Ok(());
    }
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let count = names.len();
    let mut shown = names[..count.min(5)].join(", ");
    if count > 5 {
        shown.push_str(&format!(", and {} more", count - 5));
    }
    Err(refuse(
        format!(
            "the folder is not empty ({count} entr{}: {shown}); demo would overwrite its tables of \
             the same names",
            if count == 1 { "y" } else { "ies" }
        ),
        "give --out a new or empty folder, or add --force to overwrite the tables demo writes \
         (other files are left alone)",
    ))
}

/// Writes the data set into `out` (created if missing). See [`check_out`] for the folders it
/// may write into.
pub fn generate(opts: &Options, out: &Path) -> anyhow::Result<Summary> {
    generate_as(opts, out, Format::Csv)
}

/// `generate`, writing the tables in `format`.
pub fn generate_as(opts: &Options, out: &Path, format: Format) -> anyhow::Result<Summary> {
    std::fs::create_dir_all(out).with_context(|| format!("failed to create {}", out.display()))?;
    let mut t = Tables {
        accounts: Table::create(out, schema::ACCOUNTS, &["country", "tier"], format)?,
        csms: Table::create(out, schema::CSMS, &[], format)?,
        mrr: Table::create(out, schema::MRR, &[], format)?,
        renewals: Table::create(out, schema::RENEWALS, &[], format)?,
        stages: Table::create(out, schema::RENEWAL_STAGES, &[], format)?,
        forecasts: Table::create(out, schema::FORECASTS, &[], format)?,
        health: Table::create(out, schema::HEALTH, &[], format)?,
        usage: Table::create(out, schema::USAGE, &[], format)?,
        activities: Table::create(out, schema::ACTIVITIES, &[], format)?,
        tasks: Table::create(out, schema::TASKS, &[], format)?,
        tickets: Table::create(out, schema::TICKETS, &[], format)?,
        surveys: Table::create(out, schema::SURVEYS, &[], format)?,
        churns: Table::create(out, schema::CHURNS, &[], format)?,
        opportunities: Table::create(out, schema::OPPORTUNITIES, &[], format)?,
        onboarding: Table::create(out, schema::ONBOARDING, &[], format)?,
        sponsors: Table::create(out, schema::SPONSOR_CHANGES, &[], format)?,
        actions: Table::create(out, schema::ACTIONS, &[], format)?,
        seen: Seen::default(),
    };
    let root = Rng::new(opts.seed);

    // Segments first: they decide how many CSMs each team needs.
    let mut seg_rng = root.fork(u64::MAX);
    let segments: Vec<Segment> = (0..opts.accounts)
        .map(|_| SEGMENTS[seg_rng.weighted(&[0.55, 0.30, 0.15])])
        .collect();
    let mut csm_of_segment: Vec<Vec<String>> = vec![Vec::new(); 3];
    // (csm_id, e-mail) of each CSM, in order.
    let mut people: Vec<(String, String)> = Vec::new();
    let mut csm_count = 0usize;
    for (si, seg) in SEGMENTS.iter().enumerate() {
        let n = segments.iter().filter(|s| *s == seg).count();
        let needed = n.div_ceil(seg.capacity() * 9 / 10).max(1);
        let mut lead = String::new();
        for k in 0..needed {
            csm_count += 1;
            let id = format!("CSM{csm_count:03}");
            let name = format!(
                "{} {}",
                PEOPLE[(csm_count - 1) % PEOPLE.len()],
                if csm_count > PEOPLE.len() {
                    format!("{}", csm_count / PEOPLE.len() + 1)
                } else {
                    String::new()
                }
            );
            let name = name.trim().to_string();
            let email = format!(
                "{}@example.com",
                name.to_ascii_lowercase().replace(' ', ".")
            );
            let quota = Money::units(match seg {
                Segment::Smb => 60_000,
                Segment::MidMarket => 150_000,
                Segment::Enterprise => 400_000,
            });
            t.csms.row([
                id.as_str(),
                &name,
                &email,
                if k == 0 { "" } else { &lead },
                seg.team(),
                &seg.capacity().to_string(),
                &quota.to_string(),
            ])?;
            if k == 0 {
                lead = id.clone();
            }
            people.push((id.clone(), email));
            csm_of_segment[si].push(id);
        }
    }

    let start = opts.end.plus(1 - opts.months as i32);
    let now = opts.end.next().first_day();
    let mut ids = Ids::default();
    let mut seen_per_segment = [0usize; 3];
    let mut owners: Vec<String> = Vec::with_capacity(segments.len());
    for (i, seg) in segments.iter().enumerate() {
        let si = SEGMENTS.iter().position(|s| s == seg).unwrap_or(0);
        let csms = &csm_of_segment[si];
        let csm = csms[seen_per_segment[si] % csms.len()].clone();
        seen_per_segment[si] += 1;
        let mut rng = root.fork(i as u64);
        let account = AccountSim {
            index: i,
            id: format!("ACC{:05}", i + 1),
            segment: *seg,
            csm: csm.clone(),
            start,
            end: opts.end,
            now,
        };
        account.simulate(&mut rng, &mut t, &mut ids)?;
        owners.push(csm);
    }
    let cast = Cast {
        segments: &segments,
        owners: &owners,
        people: &people,
        leads: &csm_of_segment,
    };
    actions(&mut root.fork(u64::MAX - 1), &mut t, &cast, now)?;

    let mut files = Vec::new();
    for table in [
        t.accounts,
        t.csms,
        t.mrr,
        t.renewals,
        t.stages,
        t.forecasts,
        t.health,
        t.usage,
        t.activities,
        t.tasks,
        t.tickets,
        t.surveys,
        t.churns,
        t.opportunities,
        t.onboarding,
        t.sponsors,
        t.actions,
    ] {
        files.push(table.finish()?);
    }
    Ok(Summary { files })
}

/// Who the actions can be about and owned by.
struct Cast<'a> {
    /// Each account's segment, by index.
    segments: &'a [Segment],
    /// Each account's CSM id, by index.
    owners: &'a [String],
    /// (csm_id, e-mail) of every CSM.
    people: &'a [(String, String)],
    /// The CSM ids of each segment's team, its lead first.
    leads: &'a [Vec<String>],
}

/// What an account action is, with the metric it is meant to move and the outcomes it ends
/// with when done or dropped.
struct Play {
    title: &'static str,
    metric: &'static str,
    done: &'static str,
    dropped: &'static str,
}

const SAVE_PLAYS: [Play; 5] = [
    Play {
        title: "Run a save plan with the sponsor",
        metric: "health_score_avg",
        done: "Save plan agreed; renewal call booked",
        dropped: "Sponsor declined a save plan",
    },
    Play {
        title: "Adoption workshop for the main team",
        metric: "health_score_avg",
        done: "Workshop held; weekly active users up",
        dropped: "Superseded by the renewal negotiation",
    },
    Play {
        title: "Escalate the product blockers to engineering",
        metric: "",
        done: "Two blockers fixed in the October release",
        dropped: "Blockers not reproducible",
    },
    Play {
        title: "Executive sponsor call before the renewal",
        metric: "",
        done: "Sponsor confirmed the renewal budget",
        dropped: "Sponsor left the company",
    },
    Play {
        title: "Renewal proposal with a multi-year option",
        metric: "grr",
        done: "Two-year proposal accepted in principle",
        dropped: "Customer wants a one-year term",
    },
];

const GROWTH_PLAYS: [Play; 2] = [
    Play {
        title: "Expansion proposal for extra seats",
        metric: "nrr",
        done: "Seat expansion signed",
        dropped: "Budget frozen until next year",
    },
    Play {
        title: "Invite the team to the advanced training",
        metric: "",
        done: "Training held for the whole team",
        dropped: "Rescheduled into the QBR",
    },
];

/// Segment actions of each segment's team lead, by segment: (title, metric, outcome when done).
const SEGMENT_PLAYS: [(&str, &str, &str); 3] = [
    (
        "Onboarding e-mail sequence for new SMB accounts",
        "logo_churn_rate",
        "Sequence live for every new account",
    ),
    (
        "Quarterly value review for every Mid-Market account",
        "grr",
        "Reviews booked for the whole book",
    ),
    (
        "Map an executive sponsor for every Enterprise account",
        "nrr",
        "Sponsors mapped for four accounts in five",
    ),
];

/// Company actions of CS operations: (title, owner, metric, outcome when done).
const COMPANY_PLAYS: [(&str, &str, &str, &str); 3] = [
    (
        "Pricing review for the renewals at risk",
        "cs-ops@example.com",
        "grr",
        "Discount guidance published",
    ),
    (
        "Recalibrate the health score weights",
        "Dana Whitfield",
        "health_score_avg",
        "New weights live since October",
    ),
    (
        "Win-back campaign for churned accounts",
        "cs-ops@example.com",
        "logo_churn_rate",
        "",
    ),
];

/// One action before its id is given.
struct Drawn {
    created: NaiveDate,
    cells: [String; 10],
}

/// The status, closing date and outcome of an action created on `created`, due on `due`, as
/// of `now`: most actions past their due date are closed, some are overdue, the rest open.
fn settle(
    rng: &mut Rng,
    created: NaiveDate,
    due: NaiveDate,
    now: NaiveDate,
    (done, dropped): (&str, &str),
) -> (&'static str, String, String) {
    let (p_done, p_dropped) = if due < now { (0.5, 0.1) } else { (0.12, 0.05) };
    let pick = rng.weighted(&[p_done, p_dropped, 1.0 - p_done - p_dropped]);
    if pick == 2 || (pick == 1 && dropped.is_empty()) {
        return ("open", String::new(), String::new());
    }
    let latest = plus_days(now, -1).min(plus_days(due, 7));
    let span = (latest - created).num_days().max(1);
    let closed = plus_days(created, rng.int(1, span)).min(plus_days(now, -1));
    if pick == 0 {
        ("done", closed.to_string(), done.to_string())
    } else {
        ("dropped", closed.to_string(), dropped.to_string())
    }
}

/// actions.csv: what the reviews decided. Most accounts with a renewal at risk get an owned
/// save action (some do not: the attention list shows them), some other struggling accounts
/// one too, a few healthy ones an expansion
/// action, each segment lead one action for the segment and CS operations a few for the
/// company; created in the 90 days before `now`, due two to six weeks later.
fn actions(rng: &mut Rng, t: &mut Tables, cast: &Cast, now: NaiveDate) -> anyhow::Result<()> {
    let mut drawn: Vec<Drawn> = Vec::new();
    let email_of = |csm: &str| {
        cast.people
            .iter()
            .find(|(id, _)| id == csm)
            .map_or_else(|| csm.to_string(), |(_, e)| e.clone())
    };
    // A save action for a renewal at risk is recent (`days` back at most), others up to 90.
    let mut account_action = |rng: &mut Rng, account: usize, play: &Play, days: i64| {
        let created = plus_days(now, -rng.int(5, days));
        let due = plus_days(created, rng.int(14, 45));
        let (status, closed, outcome) = settle(rng, created, due, now, (play.done, play.dropped));
        let csm = &cast.owners[account];
        // Most owners are written as the CSM's id, some as the CSM's e-mail address.
        let owner = if rng.chance(0.8) {
            csm.clone()
        } else {
            email_of(csm)
        };
        let metric = if play.metric.is_empty() || rng.chance(0.2) {
            ""
        } else {
            play.metric
        };
        drawn.push(Drawn {
            created,
            cells: [
                play.title.to_string(),
                owner,
                format!("ACC{:05}", account + 1),
                String::new(),
                metric.to_string(),
                created.to_string(),
                due.to_string(),
                status.to_string(),
                closed,
                outcome,
            ],
        });
    };
    let mut at_risk = t.seen.at_risk.clone();
    at_risk.sort_unstable_by_key(|&(account, _)| account);
    at_risk.dedup_by_key(|&mut (account, _)| account);
    for &(account, _) in &at_risk {
        if rng.chance(0.7) {
            let play = rng.pick(&SAVE_PLAYS);
            account_action(rng, account, play, 45);
        }
    }
    for &(account, health) in &t.seen.active {
        let flagged = at_risk.binary_search_by_key(&account, |&(a, _)| a).is_ok();
        if health < 60.0 && !flagged && rng.chance(0.5) {
            let play = rng.pick(&SAVE_PLAYS);
            account_action(rng, account, play, 90);
        } else if health >= 80.0 && rng.chance(0.07) {
            let play = rng.pick(&GROWTH_PLAYS);
            account_action(rng, account, play, 90);
        }
    }
    for (si, &(title, metric, done)) in SEGMENT_PLAYS.iter().enumerate() {
        let (Some(lead), true) = (
            cast.leads[si].first(),
            cast.segments.contains(&SEGMENTS[si]),
        ) else {
            continue;
        };
        let created = plus_days(now, -rng.int(30, 80));
        let due = plus_days(created, rng.int(30, 60));
        let (status, closed, outcome) = settle(rng, created, due, now, (done, ""));
        drawn.push(Drawn {
            created,
            cells: [
                title.to_string(),
                lead.clone(),
                String::new(),
                SEGMENTS[si].name().to_string(),
                metric.to_string(),
                created.to_string(),
                due.to_string(),
                status.to_string(),
                closed,
                outcome,
            ],
        });
    }
    for &(title, owner, metric, done) in &COMPANY_PLAYS {
        let created = plus_days(now, -rng.int(20, 85));
        let due = plus_days(created, rng.int(21, 60));
        let (status, closed, outcome) = if done.is_empty() {
            let closed = plus_days(created, rng.int(3, 15)).min(plus_days(now, -1));
            (
                "dropped",
                closed.to_string(),
                "Paused: the team focuses on saves this quarter".to_string(),
            )
        } else {
            settle(rng, created, due, now, (done, ""))
        };
        drawn.push(Drawn {
            created,
            cells: [
                title.to_string(),
                owner.to_string(),
                String::new(),
                String::new(),
                metric.to_string(),
                created.to_string(),
                due.to_string(),
                status.to_string(),
                closed,
                outcome,
            ],
        });
    }
    // Ids in the order the actions were created.
    drawn.sort_by_key(|a| a.created);
    for (n, action) in drawn.iter().enumerate() {
        let id = format!("AXN{:05}", n + 1);
        t.actions
            .row(std::iter::once(id.as_str()).chain(action.cells.iter().map(String::as_str)))?;
    }
    Ok(())
}

/// One account's life.
struct AccountSim {
    /// The account's position in accounts.csv.
    index: usize,
    id: String,
    segment: Segment,
    csm: String,
    /// First month of history.
    start: Month,
    /// Last month of history.
    end: Month,
    now: NaiveDate,
}

impl AccountSim {
    fn simulate(&self, rng: &mut Rng, t: &mut Tables, ids: &mut Ids) -> anyhow::Result<()> {
        let seg = self.segment;
        let months = self.end.0 - self.start.0 + 1;
        // Contract start: up to 30 months before history, spread over it.
        let first_start = self.start.plus(rng.int(-30, i64::from(months) - 1) as i32);
        let signed_on = day(first_start.prev(), rng.int(3, 27) as u32);
        let base_health = rng.normal(74.0, 11.0).clamp(35.0, 98.0);
        let mut mrr_units = (seg.mrr() * rng.normal(0.0, 0.45).exp()).max(seg.mrr() * 0.2);
        mrr_units = (mrr_units / 10.0).round() * 10.0;
        let seats = rng.int(seg.seats().0, seg.seats().1);
        let (region, countries) = *rng.pick(&REGIONS);
        let initial_arr = mrr_units * 12.0;
        let tier = if initial_arr >= 150_000.0 {
            "gold"
        } else if initial_arr >= 30_000.0 {
            "silver"
        } else {
            "bronze"
        };
        let name = format!(
            "{}{} {}",
            rng.pick(&FIRST),
            rng.pick(&SECOND),
            rng.pick(&SUFFIX)
        );
        let plan = match seg {
            Segment::Smb => *rng.pick(&["starter", "growth"]),
            Segment::MidMarket => *rng.pick(&["growth", "business"]),
            Segment::Enterprise => *rng.pick(&["business", "enterprise"]),
        };
        let (cycle_lo, cycle_hi) = match seg {
            Segment::Smb => (10, 45),
            Segment::MidMarket => (40, 90),
            Segment::Enterprise => (90, 210),
        };
        // Acquisition costs about one first-year ARR, more for the larger deals.
        let cac = initial_arr * rng.int(60, 160) as f64 / 100.0;
        t.accounts.row([
            self.id.as_str(),
            &name,
            seg.name(),
            *rng.pick(&INDUSTRIES),
            region,
            *rng.pick(&SOURCES),
            &self.csm,
            plan,
            &seats.to_string(),
            &signed_on.to_string(),
            &Money::units(cac.round() as i64).to_string(),
            &rng.int(cycle_lo, cycle_hi).to_string(),
            *rng.pick(countries),
            tier,
        ])?;
        self.onboarding(rng, t, ids, signed_on, base_health)?;

        let mut mrr = Money::units(mrr_units as i64);
        let mut contract = self.plan_contract(rng, first_start, base_health);
        let mut month = first_start;
        let mut dark = false;
        loop {
            let due = contract.start.plus(contract.term);
            // The months of this contract.
            while month < due && month <= self.end {
                let h = self.health_at(rng, &contract, month, base_health);
                if month > contract.start {
                    mrr = self.change_mrr(rng, t, ids, month, mrr, h)?;
                }
                if month >= self.start {
                    self.month_rows(rng, t, ids, month, mrr, h, seats, &contract, dark)?;
                }
                month = month.next();
            }
            if due > self.end {
                // The renewal is still ahead of "now" (or closed early); write it if due soon.
                if due.first_day() <= plus_days(self.now, 200) {
                    let h = self.health_at(rng, &contract, self.end, base_health);
                    self.open_renewal(rng, t, ids, &contract, mrr, h)?;
                }
                self.current_rows(rng, t, ids, mrr, base_health, &contract)?;
                return Ok(());
            }
            let h = self.health_at(rng, &contract, due.prev(), base_health);
            let outcome = self.closed_renewal(rng, t, ids, &contract, mrr, h)?;
            match outcome {
                Some(next_mrr) => {
                    mrr = next_mrr;
                    contract = self.plan_contract(rng, due, base_health);
                    dark = false;
                }
                None => {
                    // Lost: a few come back after a gap, as reactivations.
                    if rng.chance(0.1) {
                        let back = due.plus(rng.int(3, 9) as i32);
                        if back > self.end {
                            return Ok(());
                        }
                        month = back;
                        mrr = Money::units(
                            ((mrr.to_f64() * rng.normal(0.8, 0.1)) / 10.0).round() as i64 * 10,
                        );
                        contract = self.plan_contract(rng, back, base_health);
                        dark = false;
                    } else {
                        return Ok(());
                    }
                }
            }
            // Churners often go quiet in their last months.
            if contract.churns && rng.chance(0.5) {
                dark = true;
            }
        }
    }

    fn plan_contract(&self, rng: &mut Rng, start: Month, base_health: f64) -> Contract {
        let term = match self.segment {
            Segment::Enterprise => [12, 24, 36][rng.weighted(&[0.6, 0.3, 0.1])],
            _ => [12, 24][rng.weighted(&[0.9, 0.1])],
        };
        let health_factor = if base_health < 62.0 {
            1.9
        } else if base_health > 82.0 {
            0.5
        } else {
            1.0
        };
        let churns = rng.chance((self.segment.churn() * health_factor).min(0.9));
        let due = start.plus(term);
        let decline_from = if churns {
            Some(due.plus(-(rng.int(2, 4) as i32)))
        } else if rng.chance(0.12) {
            // A scare: health dips before the renewal, which is then saved.
            Some(due.plus(-3))
        } else {
            None
        };
        Contract {
            start,
            term,
            churns,
            decline_from,
        }
    }

    /// Health in `month`: the account's level plus noise, falling steeply once a decline starts.
    fn health_at(&self, rng: &mut Rng, c: &Contract, month: Month, base: f64) -> f64 {
        let mut h = base + rng.normal(0.0, 4.0);
        if let Some(from) = c.decline_from
            && month >= from
        {
            let depth = f64::from(month.0 - from.0 + 1) * if c.churns { 13.0 } else { 8.0 };
            h -= depth;
        }
        clamp(h)
    }

    /// Mid-contract upsells (healthy accounts) and downgrades (struggling ones).
    fn change_mrr(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        month: Month,
        mrr: Money,
        h: f64,
    ) -> anyhow::Result<Money> {
        let p_up = if h >= 80.0 {
            0.045
        } else if h >= 65.0 {
            0.015
        } else {
            0.002
        };
        let p_down = if h < 55.0 { 0.06 } else { 0.004 };
        if rng.chance(p_up) {
            let new = Money::units(
                ((mrr.to_f64() * (1.0 + rng.int(10, 35) as f64 / 100.0)) / 10.0).round() as i64
                    * 10,
            );
            if month >= self.start {
                let created = plus_days(month.first_day(), -rng.int(20, 60));
                let closed = day(month.prev(), rng.int(10, 27) as u32);
                ids.opportunity += 1;
                let kind = *rng.pick(&["seats", "tier", "module", "new_product"]);
                t.opportunities.row([
                    format!("OPP{:06}", ids.opportunity).as_str(),
                    &self.id,
                    &created.min(closed).to_string(),
                    &((new - mrr) * 12).to_string(),
                    kind,
                    "won",
                    &closed.to_string(),
                ])?;
            }
            return Ok(new);
        }
        if rng.chance(p_down) {
            return Ok(Money::units(
                ((mrr.to_f64() * (1.0 - rng.int(10, 25) as f64 / 100.0)) / 10.0)
                    .round()
                    .max(1.0) as i64
                    * 10,
            ));
        }
        // Healthy accounts also open expansion deals that are lost.
        if h >= 75.0 && rng.chance(0.008) && month >= self.start {
            let created = day(month, rng.int(1, 10) as u32);
            ids.opportunity += 1;
            t.opportunities.row([
                format!("OPP{:06}", ids.opportunity).as_str(),
                &self.id,
                &created.to_string(),
                &Money::units((mrr.to_f64() * 12.0 * 0.2).round() as i64).to_string(),
                *rng.pick(&["seats", "tier", "module"]),
                "lost",
                &plus_days(created, rng.int(15, 60))
                    .min(plus_days(self.now, -1))
                    .to_string(),
            ])?;
        }
        Ok(mrr)
    }

    /// MRR, health, usage, activities, tickets and surveys of one history month.
    #[allow(clippy::too_many_arguments)]
    fn month_rows(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        month: Month,
        mrr: Money,
        h: f64,
        seats: i64,
        c: &Contract,
        dark: bool,
    ) -> anyhow::Result<()> {
        let first = month.first_day();
        let date = first.to_string();
        t.mrr
            .row([self.id.as_str(), &month.to_string(), &mrr.to_string()])?;
        self.health_row(rng, t, first, h)?;
        // Usage follows health; it falls harder once a decline starts.
        let adoption = (0.25 + 0.7 * h / 100.0).clamp(0.05, 0.98);
        let mau = (seats as f64 * adoption * rng.normal(1.0, 0.05))
            .max(1.0)
            .round();
        // Stickiness falls faster than health: a red account's users stop logging in daily.
        let dau = (mau * (0.05 + 0.45 * h / 100.0) * rng.normal(1.0, 0.05)).max(0.0);
        let features_available = 12 + (seats / 200).min(8);
        let used = ((features_available as f64) * (0.2 + 0.7 * h / 100.0)).round() as i64;
        let sessions = (dau * 21.0).round() as i64;
        t.usage.row([
            self.id.as_str(),
            &date,
            &format!("{dau:.1}"),
            &format!("{mau:.0}"),
            &seats.to_string(),
            &sessions.to_string(),
            &format!("{:.0}", sessions as f64 * rng.normal(18.0, 3.0).max(2.0)),
            &used.clamp(0, features_available).to_string(),
            &features_available.to_string(),
        ])?;

        let due = c.start.plus(c.term);
        let declining = c.decline_from.is_some_and(|f| month >= f);
        let quiet = dark && due.0 - month.0 <= 3;
        if !quiet {
            let n = rng.poisson(self.segment.touches());
            for _ in 0..n {
                let kind = [
                    "email",
                    "call",
                    "meeting",
                    "check_in",
                    "training",
                    "escalation",
                ][rng.weighted(&[
                    35.0,
                    25.0,
                    15.0,
                    12.0,
                    5.0,
                    if declining { 8.0 } else { 1.0 },
                ])];
                let date = day(month, rng.int(1, 28) as u32);
                self.activity(rng, t, ids, date, kind, h, "completed")?;
            }
            // Quarterly business reviews for the larger accounts; churners often skip them.
            let age = month.0 - c.start.0;
            if self.segment != Segment::Smb && age % 3 == 2 && !(c.churns && rng.chance(0.6)) {
                let date = day(month, rng.int(5, 25) as u32);
                self.activity(rng, t, ids, date, "qbr", h, "completed")?;
            }
        }
        let tickets = rng.poisson(self.segment.tickets() * if declining { 3.0 } else { 1.0 });
        for _ in 0..tickets {
            self.ticket(rng, t, ids, month, h, declining)?;
        }
        // Relationship NPS twice a year.
        if (month.0 - c.start.0).rem_euclid(6) == 2 {
            let date = day(month, rng.int(1, 28) as u32);
            self.survey(rng, t, ids, date, "nps", h, "relationship")?;
        }
        Ok(())
    }

    fn health_row(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        date: NaiveDate,
        h: f64,
    ) -> anyhow::Result<()> {
        let c = |rng: &mut Rng, bias: f64| format!("{:.0}", clamp(h + bias + rng.normal(0.0, 6.0)));
        let usage = c(rng, -2.0);
        let engagement = c(rng, 1.0);
        let support = c(rng, 4.0);
        let outcomes = c(rng, -1.0);
        t.health.row([
            self.id.as_str(),
            &date.to_string(),
            "",
            &usage,
            &engagement,
            &support,
            &outcomes,
        ])
    }

    #[allow(clippy::too_many_arguments)]
    fn activity(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        date: NaiveDate,
        kind: &str,
        h: f64,
        status: &str,
    ) -> anyhow::Result<()> {
        if date >= self.now && status == "completed" {
            return Ok(());
        }
        ids.activity += 1;
        let status = if status == "completed" {
            ["completed", "cancelled", "no_show"][rng.weighted(&[92.0, 5.0, 3.0])]
        } else {
            status
        };
        let reactive = rng.chance(if h < 50.0 { 0.55 } else { 0.2 }) || kind == "escalation";
        let minutes = match kind {
            "email" => rng.int(5, 15),
            "call" | "check_in" => rng.int(15, 45),
            "meeting" | "training" => rng.int(30, 90),
            "qbr" => rng.int(60, 120),
            _ => rng.int(30, 120),
        };
        let outreach = matches!(kind, "email" | "call");
        let responded = outreach && rng.chance((h / 100.0).clamp(0.1, 0.95));
        t.activities.row([
            format!("ACT{:07}", ids.activity).as_str(),
            &self.id,
            &self.csm,
            &date.to_string(),
            kind,
            status,
            if reactive { "reactive" } else { "proactive" },
            &minutes.to_string(),
            if outreach { yes(responded) } else { "" },
            &if responded {
                format!("{:.1}", rng.normal(20.0, 12.0).max(0.5))
            } else {
                String::new()
            },
        ])
    }

    fn ticket(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        month: Month,
        h: f64,
        declining: bool,
    ) -> anyhow::Result<()> {
        let opened = day(month, rng.int(1, 28) as u32)
            .and_hms_opt(rng.int(7, 19) as u32, rng.int(0, 59) as u32, 0)
            .unwrap_or_default();
        if opened.date() >= self.now {
            return Ok(());
        }
        ids.ticket += 1;
        let first = opened + chrono::Duration::minutes((rng.normal(1.0, 0.9).exp() * 60.0) as i64);
        let resolved =
            first + chrono::Duration::minutes((rng.normal(2.6, 0.8).exp() * 60.0) as i64);
        let resolved_cell = if resolved.date() < self.now {
            resolved.to_string()
        } else {
            String::new()
        };
        let first_cell = if first.date() < self.now {
            first.to_string()
        } else {
            String::new()
        };
        let csat = if !resolved_cell.is_empty() && rng.chance(0.35) {
            ((h / 22.0).round() as i64 + rng.int(-1, 1))
                .clamp(1, 5)
                .to_string()
        } else {
            String::new()
        };
        t.tickets.row([
            format!("TCK{:07}", ids.ticket).as_str(),
            &self.id,
            &opened.to_string(),
            &first_cell,
            &resolved_cell,
            ["low", "normal", "high", "urgent"][rng.weighted(&[30.0, 45.0, 20.0, 5.0])],
            yes(rng.chance(if declining { 0.2 } else { 0.05 })),
            yes(rng.chance(0.05)),
            &csat,
        ])?;
        if !resolved_cell.is_empty() {
            match rng.weighted(&[15.0, 8.0, 77.0]) {
                0 => self.survey(rng, t, ids, resolved.date(), "csat", h, "support")?,
                1 => self.survey(rng, t, ids, resolved.date(), "ces", h, "support")?,
                _ => {}
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn survey(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        date: NaiveDate,
        kind: &str,
        h: f64,
        touchpoint: &str,
    ) -> anyhow::Result<()> {
        if date >= self.now {
            return Ok(());
        }
        ids.response += 1;
        let answered = rng.chance(0.6);
        let score = if !answered {
            String::new()
        } else {
            match kind {
                "nps" => {
                    let promoter = ((h - 55.0) / 40.0).clamp(0.02, 0.9);
                    let detractor = ((72.0 - h) / 45.0).clamp(0.03, 0.9);
                    match rng.weighted(&[
                        promoter,
                        (1.0 - promoter - detractor).max(0.05),
                        detractor,
                    ]) {
                        0 => rng.int(9, 10),
                        1 => rng.int(7, 8),
                        _ => rng.int(0, 6),
                    }
                    .to_string()
                }
                "csat" => ((h / 22.0).round() as i64 + rng.int(-1, 1))
                    .clamp(1, 5)
                    .to_string(),
                _ => ((100.0 - h) / 16.0).round().clamp(1.0, 7.0).to_string(),
            }
        };
        t.surveys.row([
            format!("SRV{:07}", ids.response).as_str(),
            &self.id,
            &date.to_string(),
            kind,
            &score,
            touchpoint,
        ])
    }

    /// Onboarding milestones for accounts signed in history, and the effort survey that follows.
    fn onboarding(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        signed_on: NaiveDate,
        h: f64,
    ) -> anyhow::Result<()> {
        if Month::of(signed_on) < self.start.prev() {
            return Ok(());
        }
        let (lo, hi) = self.segment.time_to_value();
        let slow = if h < 60.0 { 1.4 } else { 1.0 };
        let login = plus_days(signed_on, rng.int(1, (lo / 3).max(3)));
        let value = plus_days(signed_on, (rng.int(lo, hi) as f64 * slow) as i64);
        let completed = plus_days(value, -rng.int(0, (hi - lo) / 4));
        let cell = |d: NaiveDate| {
            if d < self.now {
                d.to_string()
            } else {
                String::new()
            }
        };
        t.onboarding.row([
            self.id.as_str(),
            "",
            &cell(login),
            &cell(completed.max(login)),
            &cell(value.max(login)),
        ])?;
        self.survey(
            rng,
            t,
            ids,
            plus_days(completed.max(login), 2),
            "ces",
            h,
            "onboarding",
        )
    }

    /// A renewal whose due date is inside history: won (returns the new MRR) or lost (None).
    fn closed_renewal(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        c: &Contract,
        mrr: Money,
        h: f64,
    ) -> anyhow::Result<Option<Money>> {
        let due = c.start.plus(c.term);
        let due_on = due.first_day();
        let arr = mrr * 12;
        ids.renewal += 1;
        let rid = format!("REN{:06}", ids.renewal);
        let outreach = plus_days(due_on, -rng.int(80, 125));
        let proposal = plus_days(due_on, -rng.int(25, 60));
        let at_risk = c.decline_from.is_some();
        let reason = if c.churns {
            [
                "product",
                "competition",
                "budget",
                "champion_change",
                "usage_decline",
                "other",
            ][rng.weighted(&[20.0, 20.0, 20.0, 15.0, 20.0, 5.0])]
        } else if at_risk {
            ["budget", "usage_decline", "champion_change"][rng.weighted(&[1.0, 1.0, 1.0])]
        } else {
            ""
        };
        let escalated = at_risk && rng.chance(0.3) || rng.chance(0.03);
        let next_term = c.term;
        let value_review = if c.churns {
            rng.chance(0.25)
        } else {
            rng.chance(0.82)
        };
        self.sponsor_change(rng, t, c, due_on)?;
        let (stage, closed_on, renewed, expansion, discount) = if c.churns {
            (
                ("closed_lost", "proposal_sent"),
                plus_days(due_on, -rng.int(-5, 20)),
                Money::ZERO,
                Money::ZERO,
                String::new(),
            )
        } else {
            let early = rng.chance(0.35);
            let closed = if early {
                plus_days(due_on, -rng.int(30, 75))
            } else {
                plus_days(due_on, -rng.int(-7, 29))
            };
            let renewed = if h < 60.0 {
                Money::units(((arr.to_f64() * 0.85) / 10.0).round() as i64 * 10)
            } else {
                arr
            };
            let expansion = if h >= 75.0 && rng.chance(0.45) {
                Money::units(
                    ((arr.to_f64() * rng.int(8, 30) as f64 / 100.0) / 10.0).round() as i64 * 10,
                )
            } else {
                Money::ZERO
            };
            let discount = if at_risk {
                rng.int(10, 25)
            } else {
                rng.int(0, 12)
            };
            (
                ("closed_won", "negotiation"),
                closed,
                renewed,
                expansion,
                discount.to_string(),
            )
        };
        let closed_on = closed_on.min(plus_days(self.now, -1));
        let expansion_type = if expansion.is_zero() {
            ""
        } else {
            *rng.pick(&["seats", "tier", "module", "new_product"])
        };
        let won = stage.0 == "closed_won";
        let checklist: Vec<&str> = (0..5).map(|i| yes(won || i < 2)).collect();
        let mut row: Vec<String> = vec![
            rid.clone(),
            self.id.clone(),
            due_on.to_string(),
            arr.to_string(),
            stage.0.into(),
            String::new(),
            yes(at_risk).into(),
            reason.into(),
            if won && renewed == arr {
                String::new()
            } else {
                renewed.to_string()
            },
            if expansion.is_zero() {
                String::new()
            } else {
                expansion.to_string()
            },
            expansion_type.into(),
            discount,
            closed_on.to_string(),
            outreach.to_string(),
            proposal.to_string(),
            yes(escalated).into(),
            next_term.to_string(),
            yes(value_review).into(),
        ];
        row.extend(checklist.iter().map(|s| s.to_string()));
        t.renewals.row(&row)?;
        // Stage history: discussion at outreach, proposal, then negotiation or the loss, then close.
        t.stages
            .row([rid.as_str(), "initial_discussion", &outreach.to_string()])?;
        t.stages.row([
            rid.as_str(),
            "proposal_sent",
            &proposal.min(closed_on).max(outreach).to_string(),
        ])?;
        if won {
            let negotiation = plus_days(proposal, rng.int(5, 15)).min(closed_on);
            t.stages.row([
                rid.as_str(),
                "negotiation",
                &negotiation.max(proposal).to_string(),
            ])?;
        }
        t.stages
            .row([rid.as_str(), stage.0, &closed_on.to_string()])?;
        self.snapshots(rng, t, &rid, due_on, closed_on, arr, renewed, c)?;
        if !won {
            let reason = match reason {
                "product" => "product_fit",
                "competition" => "competition",
                "budget" => "price",
                "usage_decline" => "adoption_failure",
                _ => ["business_closure", "other"][rng.weighted(&[1.0, 2.0])],
            };
            let competitor = if reason == "competition" {
                *rng.pick(&["Rivalry", "Churnly", "Competo"])
            } else {
                ""
            };
            t.churns.row([
                self.id.as_str(),
                &due_on.to_string(),
                reason,
                competitor,
                "",
            ])?;
            return Ok(None);
        }
        Ok(Some(Money::units(
            (renewed + expansion).to_f64().round() as i64 / 120 * 10,
        )))
    }

    /// A renewal due after "now": open, with a stage that fits the time left (some stalled).
    fn open_renewal(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        c: &Contract,
        mrr: Money,
        h: f64,
    ) -> anyhow::Result<()> {
        let due_on = c.start.plus(c.term).first_day();
        let arr = mrr * 12;
        let days = (due_on - self.now).num_days();
        ids.renewal += 1;
        let rid = format!("REN{:06}", ids.renewal);
        let stalled = rng.chance(0.2);
        let stage_index = match days {
            d if d > 120 => 0,
            d if d > 90 => rng.int(0, 1) as usize,
            d if d > 60 => 1,
            d if d > 30 => 2,
            _ => 3,
        };
        let stage_index = if stalled {
            stage_index.saturating_sub(1)
        } else {
            stage_index
        };
        // A few safe renewals due soon are already signed.
        let closed_early = !c.churns && days <= 60 && rng.chance(0.25);
        let names = [
            "not_engaged",
            "initial_discussion",
            "proposal_sent",
            "negotiation",
        ];
        let at_risk = c.decline_from.is_some_and(|f| f.first_day() <= self.now) || (h < 50.0);
        if at_risk && !closed_early {
            t.seen.at_risk.push((self.index, due_on));
        }
        let outreach = plus_days(due_on, -rng.int(90, 125));
        let proposal = plus_days(due_on, -rng.int(35, 60));
        let stage = if closed_early {
            "closed_won"
        } else {
            names[stage_index]
        };
        let closed_on = if closed_early {
            plus_days(self.now, -rng.int(1, 20))
        } else {
            due_on
        };
        let probability = if !closed_early && rng.chance(0.4) {
            format!("{:.2}", if at_risk { 0.35 } else { 0.8 })
        } else {
            String::new()
        };
        let mut row: Vec<String> = vec![
            rid.clone(),
            self.id.clone(),
            due_on.to_string(),
            arr.to_string(),
            stage.into(),
            probability,
            yes(at_risk).into(),
            if at_risk {
                ["budget", "usage_decline", "champion_change", "competition"]
                    [rng.weighted(&[1.0, 1.0, 1.0, 1.0])]
                .into()
            } else {
                String::new()
            },
            String::new(),
            String::new(),
            String::new(),
            if closed_early {
                rng.int(0, 10).to_string()
            } else {
                String::new()
            },
            if closed_early {
                closed_on.to_string()
            } else {
                String::new()
            },
            if stage_index >= 1 || closed_early {
                outreach.min(plus_days(self.now, -1)).to_string()
            } else {
                String::new()
            },
            if stage_index >= 2 || closed_early {
                proposal.min(plus_days(self.now, -1)).to_string()
            } else {
                String::new()
            },
            yes(at_risk && rng.chance(0.3)).into(),
            c.term.to_string(),
            if stage_index >= 2 || closed_early {
                yes(!c.churns || rng.chance(0.3)).into()
            } else {
                String::new()
            },
        ];
        let done = if closed_early { 5 } else { stage_index + 1 };
        row.extend((0..5).map(|i| yes(i < done).to_string()));
        t.renewals.row(&row)?;
        if stage_index >= 1 || closed_early {
            t.stages.row([
                rid.as_str(),
                "initial_discussion",
                &outreach.min(plus_days(self.now, -1)).to_string(),
            ])?;
        }
        if stage_index >= 2 || closed_early {
            t.stages.row([
                rid.as_str(),
                "proposal_sent",
                &proposal.min(plus_days(self.now, -1)).to_string(),
            ])?;
        }
        if stage_index >= 3 && !closed_early {
            t.stages.row([
                rid.as_str(),
                "negotiation",
                &plus_days(proposal, 7)
                    .min(plus_days(self.now, -1))
                    .to_string(),
            ])?;
        }
        if closed_early {
            t.stages
                .row([rid.as_str(), "closed_won", &closed_on.to_string()])?;
        }
        let expected = if c.churns { Money::ZERO } else { arr };
        self.snapshots(
            rng,
            t,
            &rid,
            due_on,
            if closed_early { closed_on } else { self.now },
            arr,
            expected,
            c,
        )?;
        self.sponsor_change(rng, t, c, due_on)
    }

    /// Weekly forecast snapshots (Mondays) from 120 days before due until the close or "now",
    /// drifting from a stage-weighted guess toward the outcome. Only for renewals due within
    /// the last year of history or later, to keep the table a sensible size.
    #[allow(clippy::too_many_arguments)]
    fn snapshots(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        rid: &str,
        due_on: NaiveDate,
        until: NaiveDate,
        arr: Money,
        outcome: Money,
        c: &Contract,
    ) -> anyhow::Result<()> {
        if due_on < plus_days(self.now, -365) {
            return Ok(());
        }
        let mut d = plus_days(due_on, -120);
        while d.weekday() != Weekday::Mon {
            d = plus_days(d, 1);
        }
        while d < until.min(self.now) {
            let progress = 1.0 - ((due_on - d).num_days() as f64 / 120.0).clamp(0.0, 1.0);
            let declining = c.decline_from.is_some_and(|f| d >= f.first_day());
            let guess = arr.to_f64() * 0.8;
            let value = guess
                + (outcome.to_f64() - guess) * progress.powf(1.5)
                + rng.normal(0.0, arr.to_f64() * 0.03);
            let value = Money::units(value.clamp(0.0, arr.to_f64()).round() as i64);
            t.forecasts.row([
                d.to_string().as_str(),
                rid,
                &value.to_string(),
                yes(declining),
            ])?;
            d = plus_days(d, 7);
        }
        Ok(())
    }

    /// Sponsor changes: common in the 90 days before a lost renewal, rare otherwise.
    fn sponsor_change(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        c: &Contract,
        due_on: NaiveDate,
    ) -> anyhow::Result<()> {
        let p = if c.churns { 0.5 } else { 0.06 };
        if rng.chance(p) {
            let date = plus_days(due_on, -rng.int(15, 90));
            if date < self.now && Month::of(date) >= self.start {
                t.sponsors.row([
                    self.id.as_str(),
                    &date.to_string(),
                    *rng.pick(&["champion", "executive_sponsor"]),
                ])?;
            }
        }
        Ok(())
    }

    /// Rows about the present for accounts still active: weekly health for the last eight
    /// weeks, scheduled activities, tasks and open expansion deals.
    fn current_rows(
        &self,
        rng: &mut Rng,
        t: &mut Tables,
        ids: &mut Ids,
        mrr: Money,
        base: f64,
        c: &Contract,
    ) -> anyhow::Result<()> {
        let mut monday = plus_days(self.now, -56);
        while monday.weekday() != Weekday::Mon {
            monday = plus_days(monday, 1);
        }
        while monday < self.now {
            if monday.day() != 1 {
                let h = self.health_at(rng, c, Month::of(monday), base);
                self.health_row(rng, t, monday, h)?;
            }
            monday = plus_days(monday, 7);
        }
        let h = self.health_at(rng, c, self.end, base);
        t.seen.active.push((self.index, h));
        for _ in 0..rng.int(0, 2) {
            let date = plus_days(self.now, rng.int(0, 20));
            let kind = *rng.pick(&["call", "meeting", "check_in", "qbr"]);
            self.activity(rng, t, ids, date, kind, h, "scheduled")?;
        }
        let at_risk = h < 55.0;
        for _ in 0..rng.poisson(1.0) {
            ids.task += 1;
            let due = plus_days(self.now, rng.int(-45, 20));
            let done = due < self.now && rng.chance(0.75);
            let (title, source, playbook) = if at_risk {
                (
                    *rng.pick(&[
                        "Run save plan call",
                        "Escalate adoption blockers",
                        "Confirm executive sponsor",
                    ]),
                    "playbook",
                    "at-risk",
                )
            } else {
                (
                    *rng.pick(&[
                        "Send QBR recap",
                        "Share usage report",
                        "Schedule training",
                        "Follow up on renewal",
                    ]),
                    "manual",
                    "",
                )
            };
            t.tasks.row([
                format!("TSK{:06}", ids.task).as_str(),
                &self.csm,
                &self.id,
                title,
                &due.to_string(),
                if done { "done" } else { "open" },
                &if done {
                    plus_days(due, -rng.int(0, 3)).to_string()
                } else {
                    String::new()
                },
                source,
                playbook,
            ])?;
        }
        if h >= 75.0 && rng.chance(0.15) {
            ids.opportunity += 1;
            t.opportunities.row([
                format!("OPP{:06}", ids.opportunity).as_str(),
                &self.id,
                &plus_days(self.now, -rng.int(1, 60)).to_string(),
                &Money::units(
                    (mrr.to_f64() * 12.0 * rng.int(10, 40) as f64 / 100.0).round() as i64,
                )
                .to_string(),
                *rng.pick(&["seats", "tier", "module", "new_product"]),
                "open",
                "",
            ])?;
        }
        Ok(())
    }
}
