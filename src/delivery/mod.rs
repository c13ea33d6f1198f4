//! Scheduled delivery of the reports by e-mail: the project's `delivery.yaml` (distribution
//! lists, schedules, SMTP), the mails a build prepares in the site (`mail/index.json`), and
//! `postsale deliver`, which sends the ones that are due. This file holds the types the parts
//! share; each part lives in its own module.
//!
//! The split: the build renders every digest once, from the same computed numbers as the pages
//! and PDFs, into `mail/` (`crate::site::mail`); `deliver` never computes a number, it only picks
//! what is due (`schedule`), resolves recipients (`recipients`), turns the prepared HTML into a
//! MIME message with inline PNG charts and the PDF attached (`compose`), sends it or writes it to
//! the outbox (`transport`) and records it in the ledger (`ledger`).

pub(crate) mod config;
pub(crate) mod recipients;
pub(crate) mod schedule;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The delivery file's name inside a project.
pub const FILE: &str = "delivery.yaml";

/// The validated `delivery.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// The sender, as a mailbox: `Example CS <cs-reports@example.com>`.
    pub from: String,
    /// How to reach the mail server; none when the project only writes an outbox.
    pub smtp: Option<Smtp>,
    /// The time zone schedules are in unless a schedule names its own.
    pub timezone: chrono_tz::Tz,
    /// Named lists: each entry an address, a role, or another list's name.
    pub lists: BTreeMap<String, Vec<String>>,
    /// The board meetings, for `before_board` schedules.
    pub board_calendar: Vec<NaiveDate>,
    /// The schedules, in id order.
    pub schedules: Vec<Schedule>,
    /// Where the ledger of sent messages lives, relative to the project folder.
    pub ledger: String,
    /// How long after its time a missed occurrence is still sent (a late cron run); older ones
    /// are skipped and reported.
    pub grace_hours: u32,
}

/// The mail server.
#[derive(Debug, Clone, PartialEq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The environment variables holding the user name and password (never the secrets).
    pub username_env: Option<String>,
    pub password_env: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    StartTls,
    /// TLS from the first byte, usually port 465.
    Tls,
    /// No encryption: only for a relay on the same machine or a test server.
    None,
}

/// Who gets a report and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The schedule's key in `schedules:`.
    pub id: String,
    /// A report id (`weekly`, `csm`, ...), or `alerts` for the alert digests.
    pub report: String,
    /// Recipients: addresses, roles (`csm`, `manager`, `csms`, `managers`, `team`) or list names.
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub when: When,
    /// This schedule's time zone, if not the file's.
    pub timezone: Option<chrono_tz::Tz>,
}

/// When a schedule sends, in its time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Daily {
        at: NaiveTime,
    },
    Weekly {
        day: Weekday,
        at: NaiveTime,
    },
    /// `day` 1–28, or 0 for the month's last day.
    Monthly {
        day: u32,
        at: NaiveTime,
    },
    /// `days` before each date of the board calendar.
    BeforeBoard {
        days: u32,
        at: NaiveTime,
    },
}

/// `mail/index.json` in a built site: every message the build prepared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailIndex {
    /// The as-of date of the build.
    pub as_of: NaiveDate,
    /// The inputs' fingerprint of the build (as in numbers.json).
    pub fingerprint: String,
    /// The site's published address, if postsale.yaml sets `site_url`.
    pub site_url: Option<String>,
    pub mails: Vec<Mail>,
}

/// One prepared message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mail {
    /// The report id (`weekly`, `csm`...), or `alerts`.
    pub report: String,
    /// Whose numbers it holds.
    pub scope: MailScope,
    pub subject: String,
    /// Site-relative paths of the HTML body and its plain-text alternative.
    pub html: String,
    pub text: String,
    /// The inline images: each `src` in the HTML file becomes `cid:<cid>`.
    pub images: Vec<MailImage>,
    /// The site-relative PDF to attach, if the report has one.
    pub pdf: Option<String>,
    /// The site-relative page the message links to.
    pub page: String,
    /// Nothing to say (an alert digest with no alerts): not sent.
    pub empty: bool,
}

/// Whose numbers a message holds, and so who may receive it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailScope {
    /// Every account: for company-wide recipients.
    Company,
    /// One CSM's book: for that CSM (role `csm`) and their manager (role `manager`).
    Csm(String),
    /// The alerts routed to one role of the alert rules (`leadership`, `team`...) or address.
    Recipient(String),
    /// The alerts of the CSMs one manager manages.
    Manager(String),
}

/// One inline image of a message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailImage {
    /// The `src` attribute value in the HTML file (a path relative to it).
    pub src: String,
    /// The site-relative SVG to rasterise.
    pub svg: String,
    /// The Content-ID, without angle brackets.
    pub cid: String,
    /// The image's width in CSS pixels (the PNG is drawn at twice this).
    pub width: u32,
}

// `postsale deliver`: composing, drawing, recording and sending.
pub(crate) mod compose;
pub(crate) mod ledger;
pub(crate) mod plan;
pub(crate) mod png;
pub(crate) mod transport;
