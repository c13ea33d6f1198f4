//! The delivery ledger: what `postsale deliver` has sent, so a rerun (cron every hour, a retried
//! CI job) does not send it again. It records and answers "was this sent?"; it does not decide
//! what is due.
//!
//! The file (`ledger:` in delivery.yaml, by default `.postsale/deliveries.jsonl` in the
//! project) is JSON Lines: one object per sent message, appended after the server accepted it
//! and flushed to disk (fsync) before the next message is sent, so a crash mid-run resends
//! nothing that went out. A line's keys:
//!
//! - `schedule`: the schedule's id in delivery.yaml;
//! - `occurrence`: the schedule's time the message is for, RFC 3339 in UTC;
//! - `scope`: `"company"`, or `{"csm": "<id>"}`, `{"manager": "<id>"}`,
//!   `{"recipient": "<role or address>"}`;
//! - `recipients`: the To and Cc addresses;
//! - `message_id`: the Message-ID header;
//! - `sent_at`: when the server accepted it (the clock's time, even under `--now`), RFC 3339
//!   in UTC.
//!
//! A message is sent once per (schedule, occurrence, scope). Deleting a line sends that message
//! again on the next run. While a run is going, it holds an exclusive lock on the file, so two
//! overlapping runs cannot both send.

use super::MailScope;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// One line of the ledger: one message the server accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Record {
    pub schedule: String,
    pub occurrence: DateTime<Utc>,
    pub scope: MailScope,
    pub recipients: Vec<String>,
    pub message_id: String,
    pub sent_at: DateTime<Utc>,
}

/// What identifies a message in the ledger.
type Key = (String, DateTime<Utc>, MailScope);

/// The ledger file, open and locked for one run.
pub(crate) struct Ledger {
    path: PathBuf,
    file: File,
    sent: BTreeSet<Key>,
}

impl Ledger {
    /// Opens (creating it and its folder if needed), locks and reads the ledger at `path`. A
    /// line that is not a record is an error naming the file and line: the ledger is never
    /// guessed at.
    pub(crate) fn open(path: &Path) -> Result<Ledger, String> {
        let fail =
            |what: &str, e: std::io::Error| format!("failed to {what} {}: {e}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail("create the folder of", e))?;
        }
        let file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| fail("open", e))?;
        lock(&file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                format!(
                    "{} is locked: another `postsale deliver` is running",
                    path.display()
                )
            } else {
                fail("lock", e)
            }
        })?;
        let mut sent = BTreeSet::new();
        for (n, line) in std::io::BufReader::new(&file).lines().enumerate() {
            let line = line.map_err(|e| fail("read", e))?;
            if line.trim().is_empty() {
                continue;
            }
            let record: Record = serde_json::from_str(&line).map_err(|e| {
                format!(
                    "{}:{}:{}: error: not a delivery record: {e}\nhelp: each line is one JSON object with schedule, occurrence, scope, recipients, message_id and sent_at",
                    path.display(),
                    n + 1,
                    e.column()
                )
            })?;
            sent.insert(key(&record.schedule, record.occurrence, &record.scope));
        }
        Ok(Ledger {
            path: path.to_path_buf(),
            file,
            sent,
        })
    }

    /// Whether the message of `schedule`'s `occurrence` for `scope` was sent.
    pub(crate) fn contains(
        &self,
        schedule: &str,
        occurrence: DateTime<Utc>,
        scope: &MailScope,
    ) -> bool {
        self.sent.contains(&key(schedule, occurrence, scope))
    }

    /// Whether any message of `schedule`'s `occurrence` was sent (so a late run does not call
    /// it missed).
    pub(crate) fn has_occurrence(&self, schedule: &str, occurrence: DateTime<Utc>) -> bool {
        self.sent
            .iter()
            .any(|(s, o, _)| s == schedule && *o == occurrence)
    }

    /// Appends `record` as one line and flushes it to disk before returning.
    pub(crate) fn record(&mut self, record: &Record) -> Result<(), String> {
        let mut line = serde_json::to_string(record).map_err(|e| e.to_string())?;
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("failed to write {}: {e}", self.path.display()))?;
        self.sent
            .insert(key(&record.schedule, record.occurrence, &record.scope));
        Ok(())
    }
}

fn key(schedule: &str, occurrence: DateTime<Utc>, scope: &MailScope) -> Key {
    (schedule.to_string(), occurrence, scope.clone())
}

/// An exclusive, non-blocking lock on `file`, released when it is closed.
fn lock(file: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a file descriptor this `File` owns for the call's duration.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(scope: MailScope) -> Record {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap();
        Record {
            schedule: "weekly".into(),
            occurrence: at,
            scope,
            recipients: vec!["vp@example.com".into()],
            message_id: "<postsale.1@example.com>".into(),
            sent_at: at + chrono::Duration::minutes(5),
        }
    }

    #[test]
    fn a_recorded_message_is_known_to_the_next_run() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(".postsale/deliveries.jsonl");
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap();
        {
            let mut ledger = Ledger::open(&path).unwrap();
            assert!(!ledger.contains("weekly", at, &MailScope::Company));
            ledger.record(&record(MailScope::Company)).unwrap();
            ledger
                .record(&record(MailScope::Csm("C01".into())))
                .unwrap();
            assert!(ledger.contains("weekly", at, &MailScope::Company));
            assert!(ledger.has_occurrence("weekly", at));
            assert!(!ledger.has_occurrence("weekly", at + chrono::Duration::days(7)));
        }
        let ledger = Ledger::open(&path).unwrap();
        assert!(ledger.contains("weekly", at, &MailScope::Company));
        assert!(ledger.contains("weekly", at, &MailScope::Csm("C01".into())));
        // Another CSM, occurrence or schedule is another message.
        assert!(!ledger.contains("weekly", at, &MailScope::Csm("C02".into())));
        assert!(!ledger.contains(
            "weekly",
            at + chrono::Duration::days(7),
            &MailScope::Company
        ));
        assert!(!ledger.contains("monthly", at, &MailScope::Company));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.lines().next().unwrap(),
            r#"{"schedule":"weekly","occurrence":"2026-11-02T07:00:00Z","scope":"company","recipients":["vp@example.com"],"message_id":"<postsale.1@example.com>","sent_at":"2026-11-02T07:05:00Z"}"#
        );
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .contains(r#""scope":{"csm":"C01"}"#),
            "{text}"
        );
    }

    #[test]
    fn a_second_run_at_once_is_refused_and_a_broken_line_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("deliveries.jsonl");
        let first = Ledger::open(&path).unwrap();
        let err = Ledger::open(&path).err().unwrap();
        assert!(
            err.ends_with("is locked: another `postsale deliver` is running"),
            "{err}"
        );
        drop(first);
        std::fs::write(&path, "{\"schedule\":\"weekly\"}\n").unwrap();
        let err = Ledger::open(&path).err().unwrap();
        assert!(err.contains("deliveries.jsonl:1:"), "{err}");
        assert!(
            err.contains("error: not a delivery record: missing field"),
            "{err}"
        );
    }
}
