//! `delivery.yaml` → `Delivery`: the sender, the mail server, the distribution lists and the
//! schedules of a project (optional; no file, no delivery), read with `crate::yaml` and validated
//! like `alerts.yaml`: every problem at once, each at its file:line:column with a "did you mean".
//! `check_against` then compares the file with the project (report ids, the people of csms.csv,
//! the recipients of the alert rules). Positions are found in the files' text when a problem is
//! reported, so the shared types carry none. Resolving names to people is `recipients`'; when a
//! schedule sends is `schedule`'s.

use super::recipients::{self, Directory};
use super::{Delivery, FILE, MailScope, Schedule, Security, Smtp, When};
use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean, suggest};
use crate::report::{Per, Report};
use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use std::path::Path;

/// The ledger's place unless the file says otherwise, relative to the project folder.
const LEDGER: &str = ".postsale/deliveries.jsonl";
/// How late a missed occurrence is still sent unless the file says otherwise.
const GRACE_HOURS: u32 = 12;
/// The report id of the alert digests.
pub(crate) const ALERTS: &str = "alerts";
const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const SECURITIES: [&str; 3] = ["starttls", "tls", "none"];

/// The file as written: every key optional, checked by `Checker`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawFile {
    from: Option<String>,
    timezone: Option<String>,
    smtp: Option<RawSmtp>,
    ledger: Option<String>,
    grace_hours: Option<u32>,
    lists: BTreeMap<String, Vec<String>>,
    board_calendar: Vec<String>,
    schedules: BTreeMap<String, RawSchedule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSmtp {
    host: Option<String>,
    port: Option<u16>,
    security: Option<String>,
    username_env: Option<String>,
    password_env: Option<String>,
    /// Secrets: present only to say where they belong instead.
    username: Option<IgnoredAny>,
    password: Option<IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSchedule {
    report: Option<String>,
    to: Vec<String>,
    cc: Vec<String>,
    timezone: Option<String>,
    daily: Option<RawAt>,
    weekly: Option<RawDay>,
    monthly: Option<RawDay>,
    before_board: Option<RawBefore>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawAt {
    at: Option<String>,
}

/// `weekly: { day: monday, at: ... }` and `monthly: { day: 2, at: ... }` (a day name or number).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawDay {
    day: Option<serde_yaml::Value>,
    at: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawBefore {
    days: Option<u32>,
    at: Option<String>,
}

/// Reads `delivery.yaml` from `project` (none when absent) and validates it, reporting all
/// problems at once with their line and column.
pub(crate) fn load(project: &Path) -> Result<Option<Delivery>, Diagnostics> {
    let path = project.join(FILE);
    let text = match crate::files::read_text(&path, "a YAML file") {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Diagnostics(vec![Diagnostic::file_error(
                FILE,
                format!("cannot read the file: {e}"),
            )]));
        }
    };
    parse(&text).map(Some)
}

/// The delivery settings of `text` (the file's content), or every problem in it.
pub(crate) fn parse(text: &str) -> Result<Delivery, Diagnostics> {
    let (raw, mut problems) = crate::yaml::parse_all::<RawFile>(text, FILE);
    let Some(raw) = raw else {
        return Err(Diagnostics(problems));
    };
    let mut checker = Checker {
        text,
        problems: &mut problems,
    };
    let delivery = checker.file(&raw);
    problems.sort_by_key(|d| (d.line, d.column));
    match delivery {
        Some(d) if problems.is_empty() => Ok(d),
        _ => Err(Diagnostics(problems)),
    }
}

/// Validates the file, pushing its problems.
struct Checker<'a> {
    text: &'a str,
    problems: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    /// An error at the key `path` (or the nearest key above it that exists).
    fn error(&mut self, path: &[&str], message: String, help: String) {
        self.problems.push(error_at(self.text, path, message, help));
    }

    fn file(&mut self, raw: &RawFile) -> Option<Delivery> {
        let from = match raw.from.as_deref().map(str::trim) {
            None | Some("") => {
                self.error(
                    &["from"],
                    format!("{FILE} has no 'from' (the sender of the mails)"),
                    "add one, such as from: \"Example CS <cs-reports@example.com>\"".into(),
                );
                String::new()
            }
            Some(from) => {
                if from.parse::<lettre::message::Mailbox>().is_err() {
                    self.error(
                        &["from"],
                        format!("bad sender '{from}' in 'from'"),
                        "write an address or a name and an address: \"Example CS <cs-reports@example.com>\"".into(),
                    );
                }
                from.to_string()
            }
        };
        let timezone = match raw.timezone.as_deref() {
            None => chrono_tz::UTC,
            Some(name) => self.zone(&["timezone"], name).unwrap_or(chrono_tz::UTC),
        };
        let smtp = raw.smtp.as_ref().and_then(|s| self.smtp(s));
        let ledger = match raw.ledger.as_deref().map(str::trim) {
            None => LEDGER.to_string(),
            Some("") => {
                self.error(
                    &["ledger"],
                    "'ledger' is empty".into(),
                    format!("remove the key to keep the ledger in {LEDGER}"),
                );
                String::new()
            }
            Some(path) => path.to_string(),
        };
        let grace_hours = raw.grace_hours.unwrap_or(GRACE_HOURS);
        if grace_hours == 0 {
            self.error(
                &["grace_hours"],
                "'grace_hours' is 0: no run would ever be on time".into(),
                "give the hours a late run may still send, such as grace_hours: 12".into(),
            );
        }
        self.lists(&raw.lists);
        let mut board_calendar = Vec::new();
        for text in &raw.board_calendar {
            match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
                Ok(date) => board_calendar.push(date),
                Err(_) => self.error(
                    &["board_calendar"],
                    format!("bad date '{text}' in 'board_calendar' (expected YYYY-MM-DD)"),
                    "write each board meeting as a date such as 2026-12-10".into(),
                ),
            }
        }
        board_calendar.sort_unstable();
        board_calendar.dedup();
        let mut schedules = Vec::new();
        for (id, raw_schedule) in &raw.schedules {
            if let Some(s) = self.schedule(id, raw_schedule, &raw.lists, &board_calendar) {
                schedules.push(s);
            }
        }
        Some(Delivery {
            from,
            smtp,
            timezone,
            lists: raw.lists.clone(),
            board_calendar,
            schedules,
            ledger,
            grace_hours,
        })
    }

    /// An IANA time zone name.
    fn zone(&mut self, path: &[&str], name: &str) -> Option<chrono_tz::Tz> {
        match name.trim().parse::<chrono_tz::Tz>() {
            Ok(tz) => Some(tz),
            Err(_) => {
                let known = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
                let help = match suggest(name, known) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => "give an IANA time zone name, such as America/New_York, Europe/Berlin or UTC".into(),
                };
                self.error(path, format!("unknown time zone '{name}'"), help);
                None
            }
        }
    }

    fn smtp(&mut self, raw: &RawSmtp) -> Option<Smtp> {
        for (key, present, env) in [
            (
                "username",
                raw.username.is_some(),
                "username_env: POSTSALE_SMTP_USER",
            ),
            (
                "password",
                raw.password.is_some(),
                "password_env: POSTSALE_SMTP_PASSWORD",
            ),
        ] {
            if present {
                self.error(
                    &["smtp", key],
                    format!("'smtp.{key}' would put a secret in {FILE}, which is kept in git"),
                    format!("name the environment variable that holds it instead: {env}"),
                );
            }
        }
        let host = raw.host.as_deref().map(str::trim).unwrap_or_default();
        if host.is_empty() {
            self.error(
                &["smtp", "host"],
                "'smtp' has no 'host' (the mail server)".into(),
                "add one, such as host: smtp.example.com".into(),
            );
        }
        let security = match raw.security.as_deref().map(str::trim) {
            None | Some("starttls") => Security::StartTls,
            Some("tls") => Security::Tls,
            Some("none") => Security::None,
            Some(other) => {
                self.error(
                    &["smtp", "security"],
                    format!("unknown SMTP security '{other}'"),
                    did_you_mean(other, &SECURITIES).replace('`', "'"),
                );
                Security::StartTls
            }
        };
        let port = raw.port.unwrap_or(match security {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        });
        if port == 0 {
            self.error(
                &["smtp", "port"],
                "bad value for 'smtp.port' (found '0', expected 1-65535)".into(),
                "remove the key for the usual port (587 starttls, 465 tls, 25 none)".into(),
            );
        }
        for (key, value) in [
            ("username_env", &raw.username_env),
            ("password_env", &raw.password_env),
        ] {
            if let Some(name) = value
                && (name.is_empty()
                    || name.starts_with(|c: char| c.is_ascii_digit())
                    || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                self.error(
                    &["smtp", key],
                    format!("bad environment variable name '{name}' in 'smtp.{key}'"),
                    "use letters, digits and _, such as POSTSALE_SMTP_PASSWORD".into(),
                );
            }
        }
        match (&raw.username_env, &raw.password_env) {
            (Some(_), None) => self.error(
                &["smtp", "username_env"],
                "'smtp.username_env' without 'password_env'".into(),
                "give both (password_env: POSTSALE_SMTP_PASSWORD), or neither for a server without login".into(),
            ),
            (None, Some(_)) => self.error(
                &["smtp", "password_env"],
                "'smtp.password_env' without 'username_env'".into(),
                "give both (username_env: POSTSALE_SMTP_USER), or neither for a server without login".into(),
            ),
            _ => {}
        }
        Some(Smtp {
            host: host.to_string(),
            port,
            security,
            username_env: raw.username_env.clone(),
            password_env: raw.password_env.clone(),
        })
    }

    /// List names, entries (addresses, lists, roles) and cycles.
    fn lists(&mut self, lists: &BTreeMap<String, Vec<String>>) {
        for (name, entries) in lists {
            if !is_id(name) {
                self.error(
                    &["lists", name],
                    format!("bad list name '{name}' (expected lowercase letters, digits, - and _)"),
                    "list names are used in 'to' and 'cc', such as 'leadership'".into(),
                );
            }
            for entry in entries {
                self.name(&["lists", name], entry, lists, &format!("list '{name}'"));
            }
        }
        // Cycles: a list that includes itself through others (reported once per cycle, at
        // the list whose name sorts first).
        let mut reported: Vec<Vec<String>> = Vec::new();
        for name in lists.keys() {
            if let Some(cycle) = cycle_from(name, lists) {
                let mut members = cycle.clone();
                members.sort_unstable();
                members.dedup();
                if reported.contains(&members) {
                    continue;
                }
                reported.push(members);
                self.error(
                    &["lists", name],
                    format!("list '{name}' includes itself ({})", cycle.join(" → ")),
                    "remove one of the inclusions: a list cannot contain itself".into(),
                );
            }
        }
    }

    /// One recipient name of a list, `to` or `cc`: an address, a list, or a role.
    fn name(
        &mut self,
        path: &[&str],
        name: &str,
        lists: &BTreeMap<String, Vec<String>>,
        place: &str,
    ) {
        if name.contains('@') {
            if name.trim().parse::<lettre::message::Mailbox>().is_err() {
                self.error(
                    path,
                    format!("bad address '{name}' in {place}"),
                    "write an address (ceo@example.com) or a name and an address (\"Jane Doe <ceo@example.com>\")".into(),
                );
            }
            return;
        }
        if lists.contains_key(name) || recipients::ROLES.contains(&name) {
            return;
        }
        if crate::alerts::ROLES.contains(&name) {
            self.error(
                path,
                format!("'{name}' in {place} is not a list of {FILE}"),
                format!("define who it is under 'lists', such as {name}: [someone@example.com]"),
            );
            return;
        }
        let known: Vec<&str> = lists
            .keys()
            .map(String::as_str)
            .chain(recipients::ROLES)
            .collect();
        let help = match suggest(name, known.iter().copied()) {
            Some(s) => format!("did you mean '{s}'?"),
            None => format!(
                "give an address, a list of 'lists' or a role ({})",
                recipients::ROLES.join(", ")
            ),
        };
        self.error(path, format!("unknown recipient '{name}' in {place}"), help);
    }

    fn schedule(
        &mut self,
        id: &str,
        raw: &RawSchedule,
        lists: &BTreeMap<String, Vec<String>>,
        board_calendar: &[NaiveDate],
    ) -> Option<Schedule> {
        let before = self.problems.len();
        let at = |key: &'static str| ["schedules", id, key];
        if !is_id(id) {
            self.error(
                &["schedules", id],
                format!("bad schedule id '{id}' (expected lowercase letters, digits, - and _)"),
                "schedule ids name deliveries in the ledger and output, such as 'weekly-review'"
                    .into(),
            );
        }
        let report = raw.report.as_deref().map(str::trim).unwrap_or_default();
        if report.is_empty() {
            self.error(
                &["schedules", id],
                format!("schedule '{id}' has no 'report'"),
                "name the report it sends, such as report: weekly (or report: alerts)".into(),
            );
        }
        if report == ALERTS {
            for (key, names) in [("to", &raw.to), ("cc", &raw.cc)] {
                if !names.is_empty() {
                    self.error(
                        &at(key),
                        format!("'{key}' in schedule '{id}': alert digests go to the recipients of the rules"),
                        format!("remove '{key}'; each rule's 'recipients' in alerts.yaml decide who hears of it"),
                    );
                }
            }
        } else if !report.is_empty() && raw.to.is_empty() {
            self.error(
                &["schedules", id],
                format!("schedule '{id}' has no 'to'"),
                "say who gets it, such as to: [leadership]".into(),
            );
        }
        for (key, names) in [("to", &raw.to), ("cc", &raw.cc)] {
            for name in names {
                self.name(&at(key), name, lists, &format!("schedule '{id}'"));
            }
        }
        let timezone = match raw.timezone.as_deref() {
            None => None,
            Some(name) => self.zone(&at("timezone"), name),
        };
        let mut kinds = Vec::new();
        if raw.daily.is_some() {
            kinds.push("daily");
        }
        if raw.weekly.is_some() {
            kinds.push("weekly");
        }
        if raw.monthly.is_some() {
            kinds.push("monthly");
        }
        if raw.before_board.is_some() {
            kinds.push("before_board");
        }
        const HELP: &str = "give one of daily: { at: \"06:30\" }, weekly: { day: monday, at: \"07:00\" }, monthly: { day: 2, at: \"08:00\" } or before_board: { days: 7, at: \"09:00\" }";
        let when = match kinds.as_slice() {
            [] => {
                self.error(
                    &["schedules", id],
                    format!("schedule '{id}' does not say when it sends"),
                    HELP.into(),
                );
                None
            }
            [_, second, ..] => {
                self.error(
                    &at(second),
                    format!(
                        "schedule '{id}' has more than one time ({})",
                        kinds.join(", ")
                    ),
                    format!("{HELP}; write two schedules to send twice"),
                );
                None
            }
            [_] => self.when(id, raw, board_calendar),
        };
        let when = when?;
        (self.problems.len() == before).then(|| Schedule {
            id: id.to_string(),
            report: report.to_string(),
            to: raw.to.clone(),
            cc: raw.cc.clone(),
            when,
            timezone,
        })
    }

    /// The one time key of a schedule.
    fn when(&mut self, id: &str, raw: &RawSchedule, board_calendar: &[NaiveDate]) -> Option<When> {
        if let Some(daily) = &raw.daily {
            let at = self.at(id, "daily", daily.at.as_deref())?;
            return Some(When::Daily { at });
        }
        if let Some(weekly) = &raw.weekly {
            let day = self.weekday(id, weekly.day.as_ref());
            let at = self.at(id, "weekly", weekly.at.as_deref());
            return Some(When::Weekly { day: day?, at: at? });
        }
        if let Some(monthly) = &raw.monthly {
            let day = self.month_day(id, monthly.day.as_ref());
            let at = self.at(id, "monthly", monthly.at.as_deref());
            return Some(When::Monthly { day: day?, at: at? });
        }
        let before = raw.before_board.as_ref()?;
        let days = match before.days {
            Some(days) => Some(days),
            None => {
                self.error(
                    &["schedules", id, "before_board"],
                    format!("'before_board' in schedule '{id}' has no 'days'"),
                    "say how many days before each meeting, such as days: 7 (0: the day itself)"
                        .into(),
                );
                None
            }
        };
        if board_calendar.is_empty() {
            self.error(
                &["schedules", id, "before_board"],
                format!(
                    "schedule '{id}' sends before board meetings, but 'board_calendar' has none"
                ),
                "list the meetings: board_calendar: [2026-12-10, 2027-03-11]".into(),
            );
        }
        let at = self.at(id, "before_board", before.at.as_deref());
        Some(When::BeforeBoard {
            days: days?,
            at: at?,
        })
    }

    /// `at: "HH:MM"` of a schedule's time key.
    fn at(&mut self, id: &str, key: &str, text: Option<&str>) -> Option<NaiveTime> {
        let Some(text) = text else {
            self.error(
                &["schedules", id, key],
                format!("'{key}' in schedule '{id}' has no 'at'"),
                "give the local time it sends, such as at: \"07:00\"".into(),
            );
            return None;
        };
        let parsed = NaiveTime::parse_from_str(text.trim(), "%H:%M").ok();
        if parsed.is_none() {
            self.error(
                &["schedules", id, key, "at"],
                format!("bad time '{text}' in schedule '{id}' (expected HH:MM, 24-hour)"),
                "write the local time like \"07:00\" or \"18:30\"".into(),
            );
        }
        parsed
    }

    fn weekday(&mut self, id: &str, day: Option<&serde_yaml::Value>) -> Option<Weekday> {
        let path = ["schedules", id, "weekly", "day"];
        let Some(day) = day else {
            self.error(
                &path,
                format!("'weekly' in schedule '{id}' has no 'day'"),
                "give the weekday, such as day: monday".into(),
            );
            return None;
        };
        let text = scalar(day);
        // The full name or its first three letters, in any case.
        let given = text.trim().to_ascii_lowercase();
        match WEEKDAYS
            .iter()
            .position(|w| *w == given || (given.len() == 3 && w.starts_with(&given)))
        {
            Some(i) => Some(WEEKDAYS_IN_ORDER[i]),
            None => {
                self.error(
                    &path,
                    format!("unknown weekday '{text}' in schedule '{id}'"),
                    did_you_mean(&text, &WEEKDAYS).replace('`', "'"),
                );
                None
            }
        }
    }

    fn month_day(&mut self, id: &str, day: Option<&serde_yaml::Value>) -> Option<u32> {
        let path = ["schedules", id, "monthly", "day"];
        let help = "give a day 1-28, or 0 for the month's last day";
        let Some(day) = day else {
            self.error(
                &path,
                format!("'monthly' in schedule '{id}' has no 'day'"),
                help.into(),
            );
            return None;
        };
        match day.as_u64() {
            Some(d) if d <= 28 => u32::try_from(d).ok(),
            Some(d) if d <= 31 => {
                self.error(
                    &path,
                    format!("day {d} in schedule '{id}' does not exist in every month"),
                    "use 0 for the month's last day, or a day 1-28".into(),
                );
                None
            }
            _ => {
                self.error(
                    &path,
                    format!(
                        "bad day '{}' in schedule '{id}' (expected 1-28, or 0)",
                        scalar(day)
                    ),
                    help.into(),
                );
                None
            }
        }
    }
}

/// A weekday as `delivery.yaml` writes it: `monday`.
pub(crate) fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

const WEEKDAYS_IN_ORDER: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A YAML scalar as text (for messages).
fn scalar(value: &serde_yaml::Value) -> String {
    match value {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Number(n) => n.to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Null => String::new(),
        _ => "(a list or mapping)".into(),
    }
}

/// Lowercase letters, digits, `-` and `_`.
fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The chain of list names from `start` back to itself, if `start` includes itself.
fn cycle_from(start: &str, lists: &BTreeMap<String, Vec<String>>) -> Option<Vec<String>> {
    fn walk<'a>(
        at: &'a str,
        start: &str,
        lists: &'a BTreeMap<String, Vec<String>>,
        path: &mut Vec<&'a str>,
    ) -> bool {
        for entry in lists.get(at).into_iter().flatten() {
            if entry == start {
                path.push(entry);
                return true;
            }
            if lists.contains_key(entry) && !path.contains(&entry.as_str()) {
                path.push(entry);
                if walk(entry, start, lists, path) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start];
    walk(start, start, lists, &mut path).then(|| path.iter().map(|s| s.to_string()).collect())
}

/// An error in `text` (a YAML file of the project) at `path`.
fn error_at(text: &str, path: &[&str], message: String, help: String) -> Diagnostic {
    let (line, column) = crate::yaml::locate(text, path);
    let d = Diagnostic::error(FILE, line, column, message);
    if help.is_empty() {
        d
    } else {
        d.with_help(help)
    }
}

/// The problems of `d` against the project in `project` (whose `delivery.yaml` and
/// `alerts.yaml` are read again only to place them): report ids no report has; roles `csm` and
/// `manager` in a schedule of a company-wide report; any name of a schedule, or role of an alert
/// rule, that resolves to nobody; and, as a warning, the CSMs without an e-mail whose personal
/// mails a schedule would send.
pub(crate) fn check_against(
    d: &Delivery,
    project: &Path,
    reports: &[Report],
    directory: &Directory,
    rules: &crate::alerts::Rules,
) -> Vec<Diagnostic> {
    let text = crate::files::read_text(&project.join(FILE), "a YAML file").unwrap_or_default();
    let mut problems = Vec::new();
    let ids: Vec<&str> = reports
        .iter()
        .map(|r| r.slug.as_str())
        .chain([ALERTS])
        .collect();
    for s in &d.schedules {
        let at = |key: &'static str| ["schedules", s.id.as_str(), key];
        let report = reports.iter().find(|r| r.slug == s.report);
        if report.is_none() && s.report != ALERTS {
            problems.push(error_at(
                &text,
                &at("report"),
                format!(
                    "schedule '{}' sends report '{}', which the project does not have",
                    s.id, s.report
                ),
                did_you_mean(&s.report, &ids).replace('`', "'"),
            ));
        }
        let personal = report.is_some_and(|r| r.front.per == Some(Per::Csm));
        for (key, names) in [("to", &s.to), ("cc", &s.cc)] {
            for name in names.iter().filter(|n| !n.contains('@')) {
                let role = !d.lists.contains_key(name.as_str());
                if report.is_some() && !personal && role && (name == "csm" || name == "manager") {
                    let (means, all) = if name == "csm" {
                        ("the CSM of a personal digest", "every CSM with 'csms'")
                    } else {
                        (
                            "the manager of a personal digest's CSM",
                            "every manager with 'managers'",
                        )
                    };
                    let digests: Vec<String> = reports
                        .iter()
                        .filter(|r| r.front.per == Some(Per::Csm))
                        .map(|r| format!("'{}'", r.slug))
                        .collect();
                    let help = match digests.as_slice() {
                        [] => format!("send it to {all}"),
                        _ => format!(
                            "send it to {all}, or schedule a 'per: csm' report ({})",
                            digests.join(", ")
                        ),
                    };
                    problems.push(error_at(
                        &text,
                        &at(key),
                        format!(
                            "'{name}' in schedule '{}' means {means}, but report '{}' is not 'per: csm'",
                            s.id, s.report
                        ),
                        help,
                    ));
                    continue;
                }
                if let Some(why) = nobody(directory, d, name) {
                    problems.push(error_at(
                        &text,
                        &at(key),
                        format!("'{name}' in schedule '{}' resolves to nobody", s.id),
                        why,
                    ));
                }
            }
        }
        let sends_to_csms = if s.report == ALERTS {
            rules
                .0
                .iter()
                .any(|r| r.recipients.iter().any(|n| n == "csm"))
        } else {
            personal && s.to.iter().chain(&s.cc).any(|n| n == "csm")
        };
        let missing = directory.without_email();
        if sends_to_csms && !missing.is_empty() {
            let mut ids: Vec<&str> = missing.iter().take(10).copied().collect();
            let more = missing.len().saturating_sub(ids.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            let key = if s.report == ALERTS { "report" } else { "to" };
            ids.sort_unstable();
            problems.push(
                error_at(
                    &text,
                    &at(key),
                    format!(
                        "schedule '{}' cannot reach {}{tail}: no e-mail in data/csms.csv",
                        s.id,
                        ids.join(", ")
                    ),
                    "add their addresses to the email column of data/csms.csv".into(),
                )
                .warning(),
            );
        }
    }
    let alerts_text = crate::files::read_text(&project.join(crate::alerts::FILE), "a YAML file")
        .unwrap_or_default();
    for rule in &rules.0 {
        for name in rule.recipients.iter().filter(|n| !n.contains('@')) {
            if let Some(why) = nobody(directory, d, name) {
                let (line, column) =
                    crate::yaml::locate(&alerts_text, &["rules", &rule.id, "recipients"]);
                problems.push(
                    Diagnostic::error(
                        crate::alerts::FILE,
                        line,
                        column,
                        format!(
                            "rule '{}' alerts '{name}', which resolves to nobody",
                            rule.id
                        ),
                    )
                    .with_help(why),
                );
            }
        }
    }
    problems.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    problems
}

/// Why `name` (a list or a role) resolves to nobody in the company scope, if it does.
fn nobody(directory: &Directory, d: &Delivery, name: &str) -> Option<String> {
    match directory.resolve(&[name.to_string()], &d.lists, &MailScope::Company) {
        Ok(found) if !found.is_empty() => None,
        Ok(_) if d.lists.contains_key(name) => Some(format!(
            "list '{name}' in {FILE} holds no address (and no role with anyone in data/csms.csv)"
        )),
        Ok(_) if directory.is_empty() => {
            Some("the project has no CSMs: data/csms.csv is missing or empty".into())
        }
        Ok(_) => Some(match name {
            "manager" | "managers" => {
                "no CSM in data/csms.csv has a manager_id of a CSM with an e-mail".into()
            }
            _ => "no CSM in data/csms.csv has an e-mail".into(),
        }),
        Err(_) => Some(format!(
            "define it in {FILE} under 'lists', such as {name}: [someone@example.com]"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(text) {
            Ok(d) => panic!("expected problems, got {d:?}"),
            Err(Diagnostics(d)) => d.iter().map(ToString::to_string).collect(),
        }
    }

    const GOOD: &str = r#"
from: "Example CS <cs-reports@example.com>"
timezone: America/New_York
smtp: { host: smtp.example.com, security: tls, username_env: SMTP_USER, password_env: SMTP_PASSWORD }
lists:
  executives: [ceo@example.com, "CFO <cfo@example.com>"]
  leadership: [executives, vp-cs@example.com]
board_calendar: [2027-03-11, 2026-12-10]
schedules:
  weekly-review: { report: weekly, to: [leadership, managers], weekly: { day: Mon, at: "07:00" } }
  csm-digest: { report: csm, to: [csm], cc: [manager], weekly: { day: monday, at: "07:30" }, timezone: Europe/Berlin }
  month-end: { report: monthly, to: [leadership], monthly: { day: 0, at: "18:00" } }
  board-pack: { report: board, to: [executives], before_board: { days: 7, at: "09:00" } }
  alerts: { report: alerts, daily: { at: "06:30" } }
"#;

    #[test]
    fn a_full_file_is_read_with_defaults() {
        let d = parse(GOOD).unwrap();
        assert_eq!(d.from, "Example CS <cs-reports@example.com>");
        assert_eq!(d.timezone, chrono_tz::America::New_York);
        // tls without a port: 465.
        assert_eq!(
            d.smtp,
            Some(Smtp {
                host: "smtp.example.com".into(),
                port: 465,
                security: Security::Tls,
                username_env: Some("SMTP_USER".into()),
                password_env: Some("SMTP_PASSWORD".into()),
            })
        );
        assert_eq!(d.ledger, ".postsale/deliveries.jsonl");
        assert_eq!(d.grace_hours, 12);
        // Sorted.
        assert_eq!(
            d.board_calendar,
            [
                NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
                NaiveDate::from_ymd_opt(2027, 3, 11).unwrap()
            ]
        );
        let ids: Vec<&str> = d.schedules.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "alerts",
                "board-pack",
                "csm-digest",
                "month-end",
                "weekly-review"
            ]
        );
        let csm = &d.schedules[2];
        assert_eq!(csm.to, ["csm"]);
        assert_eq!(csm.cc, ["manager"]);
        assert_eq!(csm.timezone, Some(chrono_tz::Europe::Berlin));
        assert_eq!(
            csm.when,
            When::Weekly {
                day: Weekday::Mon,
                at: NaiveTime::from_hms_opt(7, 30, 0).unwrap()
            }
        );
        assert_eq!(
            d.schedules[3].when,
            When::Monthly {
                day: 0,
                at: NaiveTime::from_hms_opt(18, 0, 0).unwrap()
            }
        );
        assert_eq!(
            d.schedules[1].when,
            When::BeforeBoard {
                days: 7,
                at: NaiveTime::from_hms_opt(9, 0, 0).unwrap()
            }
        );
    }

    #[test]
    fn ports_default_by_security_and_utc_by_default() {
        let d = parse("from: cs@example.com\nsmtp: { host: localhost, security: none }\n").unwrap();
        assert_eq!(
            d.smtp.map(|s| (s.port, s.security)),
            Some((25, Security::None))
        );
        assert_eq!(d.timezone, chrono_tz::UTC);
        let d = parse("from: cs@example.com\nsmtp: { host: mail.example.com }\n").unwrap();
        assert_eq!(
            d.smtp.map(|s| (s.port, s.security)),
            Some((587, Security::StartTls))
        );
        let d = parse("from: cs@example.com\nsmtp: { host: h, port: 2525 }\n").unwrap();
        assert_eq!(d.smtp.map(|s| s.port), Some(2525));
    }

    #[test]
    fn secrets_are_refused() {
        assert_eq!(
            problems(
                "from: cs@example.com\nsmtp:\n  host: h\n  username: me\n  password: hunter2\n"
            ),
            [
                "delivery.yaml:4:3: error: 'smtp.username' would put a secret in delivery.yaml, which is kept in git\n  help: name the environment variable that holds it instead: username_env: POSTSALE_SMTP_USER",
                "delivery.yaml:5:3: error: 'smtp.password' would put a secret in delivery.yaml, which is kept in git\n  help: name the environment variable that holds it instead: password_env: POSTSALE_SMTP_PASSWORD",
            ]
        );
    }

    #[test]
    fn every_problem_of_a_schedule_is_reported() {
        let text = "\
from: cs@example.com
timezone: America/NewYork
lists:
  execs: [ceo@example.com, leadrship]
schedules:
  a: { report: weekly, to: [execs], weekly: { day: mondey, at: \"7am\" } }
  b: { report: monthly, to: [leadership], monthly: { day: 31, at: \"08:00\" } }
  c: { report: alerts, to: [execs], daily: { at: \"06:30\" } }
  d: { report: weekly, to: [execs], daily: { at: \"06:30\" }, weekly: { day: monday, at: \"07:00\" } }
  e: { report: board, to: [execs], before_board: { days: 7, at: \"09:00\" } }
  f: { report: weekly, to: [execs], timezone: Mars/Olympus }
";
        assert_eq!(
            problems(text),
            [
                "delivery.yaml:2:1: error: unknown time zone 'America/NewYork'\n  help: did you mean 'America/New_York'?",
                "delivery.yaml:4:3: error: unknown recipient 'leadrship' in list 'execs'\n  help: give an address, a list of 'lists' or a role (csm, manager, csms, managers, team)",
                "delivery.yaml:6:47: error: unknown weekday 'mondey' in schedule 'a'\n  help: did you mean 'monday'?",
                "delivery.yaml:6:60: error: bad time '7am' in schedule 'a' (expected HH:MM, 24-hour)\n  help: write the local time like \"07:00\" or \"18:30\"",
                "delivery.yaml:7:25: error: 'leadership' in schedule 'b' is not a list of delivery.yaml\n  help: define who it is under 'lists', such as leadership: [someone@example.com]",
                "delivery.yaml:7:54: error: day 31 in schedule 'b' does not exist in every month\n  help: use 0 for the month's last day, or a day 1-28",
                "delivery.yaml:8:24: error: 'to' in schedule 'c': alert digests go to the recipients of the rules\n  help: remove 'to'; each rule's 'recipients' in alerts.yaml decide who hears of it",
                "delivery.yaml:9:61: error: schedule 'd' has more than one time (daily, weekly)\n  help: give one of daily: { at: \"06:30\" }, weekly: { day: monday, at: \"07:00\" }, monthly: { day: 2, at: \"08:00\" } or before_board: { days: 7, at: \"09:00\" }; write two schedules to send twice",
                "delivery.yaml:10:36: error: schedule 'e' sends before board meetings, but 'board_calendar' has none\n  help: list the meetings: board_calendar: [2026-12-10, 2027-03-11]",
                "delivery.yaml:11:3: error: schedule 'f' does not say when it sends\n  help: give one of daily: { at: \"06:30\" }, weekly: { day: monday, at: \"07:00\" }, monthly: { day: 2, at: \"08:00\" } or before_board: { days: 7, at: \"09:00\" }",
                "delivery.yaml:11:37: error: unknown time zone 'Mars/Olympus'\n  help: give an IANA time zone name, such as America/New_York, Europe/Berlin or UTC",
            ]
        );
    }

    #[test]
    fn list_cycles_and_bad_addresses_are_load_errors() {
        let text = "\
from: not an address
lists:
  a: [b]
  b: [c, \"x@\"]
  c: [a]
  d: [d]
";
        assert_eq!(
            problems(text),
            [
                "delivery.yaml:1:1: error: bad sender 'not an address' in 'from'\n  help: write an address or a name and an address: \"Example CS <cs-reports@example.com>\"",
                "delivery.yaml:3:3: error: list 'a' includes itself (a → b → c → a)\n  help: remove one of the inclusions: a list cannot contain itself",
                "delivery.yaml:4:3: error: bad address 'x@' in list 'b'\n  help: write an address (ceo@example.com) or a name and an address (\"Jane Doe <ceo@example.com>\")",
                "delivery.yaml:6:3: error: list 'd' includes itself (d → d)\n  help: remove one of the inclusions: a list cannot contain itself",
            ]
        );
        assert_eq!(
            problems("timezone: UTC\n"),
            [
                "delivery.yaml:1:1: error: delivery.yaml has no 'from' (the sender of the mails)\n  help: add one, such as from: \"Example CS <cs-reports@example.com>\""
            ]
        );
    }

    #[test]
    fn roles_of_csms_csv_that_resolve_to_nobody() {
        // No csms.csv: `csms` and `managers` are nobody; an address and a list with one are fine.
        let text = "\
from: cs@example.com
lists:
  execs: [ceo@example.com]
schedules:
  a: { report: alerts, daily: { at: \"06:30\" } }
  b: { report: alerts2, to: [csms, execs, x@example.com], cc: [managers], daily: { at: \"06:30\" } }
";
        let d = parse(text).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(FILE), text).unwrap();
        let rules = crate::alerts::parse("rules:\n  r:\n    usage_decline: true\n    recipients: [team, board, ops@example.com]\n").unwrap();
        std::fs::write(
            tmp.path().join(crate::alerts::FILE),
            "rules:\n  r:\n    usage_decline: true\n    recipients: [team, board, ops@example.com]\n",
        )
        .unwrap();
        let found: Vec<String> = check_against(&d, tmp.path(), &[], &Directory::new(None), &rules)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "alerts.yaml:4:5: error: rule 'r' alerts 'team', which resolves to nobody\n  help: the project has no CSMs: data/csms.csv is missing or empty",
                "alerts.yaml:4:5: error: rule 'r' alerts 'board', which resolves to nobody\n  help: define it in delivery.yaml under 'lists', such as board: [someone@example.com]",
                "delivery.yaml:6:8: error: schedule 'b' sends report 'alerts2', which the project does not have\n  help: did you mean 'alerts'?",
                "delivery.yaml:6:25: error: 'csms' in schedule 'b' resolves to nobody\n  help: the project has no CSMs: data/csms.csv is missing or empty",
                "delivery.yaml:6:59: error: 'managers' in schedule 'b' resolves to nobody\n  help: the project has no CSMs: data/csms.csv is missing or empty",
            ]
        );
    }

    #[test]
    fn managers_without_anyone_managed_are_nobody() {
        let text = "from: cs@example.com\nschedules:\n  a: { report: alerts3, to: [csms], cc: [managers], daily: { at: \"06:30\" } }\n";
        let d = parse(text).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(FILE), text).unwrap();
        // One CSM with an address, managed by nobody.
        let csms = crate::data::Csms {
            rows: vec![crate::data::Csm {
                id: "C1".into(),
                name: "Casey Lane".into(),
                email: Some("casey@example.com".into()),
                ..Default::default()
            }],
            index: Default::default(),
        };
        let rules = crate::alerts::Rules::default();
        let found: Vec<String> =
            check_against(&d, tmp.path(), &[], &Directory::new(Some(&csms)), &rules)
                .iter()
                .map(ToString::to_string)
                .collect();
        assert_eq!(
            found,
            [
                "delivery.yaml:3:8: error: schedule 'a' sends report 'alerts3', which the project does not have\n  help: did you mean 'alerts'?",
                "delivery.yaml:3:37: error: 'managers' in schedule 'a' resolves to nobody\n  help: no CSM in data/csms.csv has a manager_id of a CSM with an e-mail",
            ]
        );
    }
}
