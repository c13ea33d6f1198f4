//! What a run of `postsale deliver` sends: for each schedule that is due, the messages of its
//! report among the mails the build prepared, each with its recipients resolved for its scope,
//! minus those the ledger says went out. It decides; it does not compose or send.
//!
//! Which mails a schedule sends: a company report (`weekly`, `monthly`...) its company digest,
//! to the schedule's `to` and `cc`; `csm` one digest per CSM, each to/cc resolved for that
//! CSM's book (`csm` is that CSM, `manager` their manager); `alerts` every alert digest that has
//! something to say, to the recipients of its scope (a role or address of the alert rules, a
//! CSM, or a manager), with the schedule's `cc`.

use super::{Mail, MailIndex, MailScope, Schedule};
use chrono::{DateTime, Utc};

/// Resolves recipient names (addresses, roles, lists) for a scope into mailboxes.
pub(crate) type Resolve<'a> = dyn Fn(&[String], &MailScope) -> Result<Vec<String>, String> + 'a;

/// Whether the ledger holds the message of (schedule, occurrence, scope).
pub(crate) type Sent<'a> = dyn Fn(&str, DateTime<Utc>, &MailScope) -> bool + 'a;

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Planned<'a> {
    pub schedule: &'a Schedule,
    /// The schedule's time this message is for.
    pub occurrence: DateTime<Utc>,
    pub mail: &'a Mail,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step<'a> {
    Send(Planned<'a>),
    /// In the ledger: sent by an earlier run.
    AlreadySent {
        schedule: &'a Schedule,
        occurrence: DateTime<Utc>,
        scope: MailScope,
    },
    /// Not sent, and why (a warning: no address for a CSM, no mail for the report).
    Skipped {
        schedule: &'a Schedule,
        scope: Option<MailScope>,
        reason: String,
    },
}

/// The steps for the schedules that are `due` (each with its occurrence, in the order given),
/// from the mails of `index`; within a schedule, messages in scope order.
pub(crate) fn plan<'a>(
    index: &'a MailIndex,
    due: &[(&'a Schedule, DateTime<Utc>)],
    resolve: &Resolve<'_>,
    sent: &Sent<'_>,
) -> Vec<Step<'a>> {
    let mut steps = Vec::new();
    for &(schedule, occurrence) in due {
        let mut mails: Vec<&Mail> = index
            .mails
            .iter()
            .filter(|m| m.report == schedule.report && !m.empty)
            .filter(|m| match schedule.report.as_str() {
                "csm" => matches!(m.scope, MailScope::Csm(_)),
                "alerts" => true,
                _ => m.scope == MailScope::Company,
            })
            .collect();
        mails.sort_by(|a, b| a.scope.cmp(&b.scope));
        if mails.is_empty() && schedule.report != "alerts" {
            steps.push(Step::Skipped {
                schedule,
                scope: None,
                reason: format!(
                    "the site has no mail for report `{}` (run `postsale build` again)",
                    schedule.report
                ),
            });
        }
        for mail in mails {
            if sent(&schedule.id, occurrence, &mail.scope) {
                steps.push(Step::AlreadySent {
                    schedule,
                    occurrence,
                    scope: mail.scope.clone(),
                });
                continue;
            }
            steps.push(match recipients(schedule, mail, resolve) {
                Ok((to, cc)) => Step::Send(Planned {
                    schedule,
                    occurrence,
                    mail,
                    to,
                    cc,
                }),
                Err(reason) => Step::Skipped {
                    schedule,
                    scope: Some(mail.scope.clone()),
                    reason,
                },
            });
        }
    }
    steps
}

/// The To and Cc mailboxes of `mail` sent by `schedule`: each once, an address in To not
/// repeated in Cc; an error when To is empty (a CSM digest is not sent to the manager alone).
fn recipients(
    schedule: &Schedule,
    mail: &Mail,
    resolve: &Resolve<'_>,
) -> Result<(Vec<String>, Vec<String>), String> {
    let (to, scope) = match (&mail.scope, schedule.report.as_str()) {
        (MailScope::Recipient(r), "alerts") => (
            resolve(std::slice::from_ref(r), &MailScope::Company)?,
            MailScope::Company,
        ),
        (MailScope::Csm(_), "alerts") => {
            (resolve(&["csm".into()], &mail.scope)?, mail.scope.clone())
        }
        (MailScope::Manager(_), "alerts") => (
            resolve(&["manager".into()], &mail.scope)?,
            mail.scope.clone(),
        ),
        (scope, _) => (resolve(&schedule.to, scope)?, scope.clone()),
    };
    let cc = if schedule.cc.is_empty() {
        Vec::new()
    } else {
        resolve(&schedule.cc, &scope)?
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut once = |list: Vec<String>| -> Vec<String> {
        list.into_iter()
            .filter(|m| seen.insert(address(m).to_lowercase()))
            .collect()
    };
    let to = once(to);
    let cc = once(cc);
    if to.is_empty() {
        // The resolver leaves out people without an address; unknown names are its errors.
        return Err(match &mail.scope {
            MailScope::Csm(id) => format!("CSM {id} has no e-mail address in csms.csv"),
            MailScope::Manager(id) => format!("manager {id} has no e-mail address in csms.csv"),
            _ => "its `to` resolves to no address".into(),
        });
    }
    Ok((to, cc))
}

/// The address of a mailbox written `Name <address>` or bare.
fn address(mailbox: &str) -> &str {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(a), Some(b)) if a < b => &mailbox[a + 1..b],
        _ => mailbox.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::When;
    use chrono::{NaiveTime, TimeZone, Weekday};

    fn schedule(id: &str, report: &str, to: &[&str], cc: &[&str]) -> Schedule {
        Schedule {
            id: id.into(),
            report: report.into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            cc: cc.iter().map(|s| s.to_string()).collect(),
            when: When::Weekly {
                day: Weekday::Mon,
                at: NaiveTime::from_hms_opt(7, 0, 0).unwrap(),
            },
            timezone: None,
        }
    }

    fn mail(report: &str, scope: MailScope, empty: bool) -> Mail {
        Mail {
            report: report.into(),
            scope,
            subject: format!("{report} digest"),
            html: format!("mail/{report}.html"),
            text: format!("mail/{report}.txt"),
            images: Vec::new(),
            pdf: None,
            page: format!("{report}/index.html"),
            empty,
        }
    }

    fn index() -> MailIndex {
        MailIndex {
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            fingerprint: "fnv1a64:0".into(),
            site_url: None,
            mails: vec![
                mail("weekly", MailScope::Company, false),
                mail("csm", MailScope::Csm("C02".into()), false),
                mail("csm", MailScope::Csm("C01".into()), false),
                mail("csm", MailScope::Csm("C03".into()), false),
                mail("alerts", MailScope::Recipient("leadership".into()), false),
                mail("alerts", MailScope::Csm("C01".into()), false),
                mail("alerts", MailScope::Manager("M1".into()), false),
                mail("alerts", MailScope::Recipient("team".into()), true),
            ],
        }
    }

    /// A directory of two CSMs with addresses (C01, C02, both managed by M1) and one without
    /// (C03); lists `execs` and `leadership`.
    fn resolve(names: &[String], scope: &MailScope) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for name in names {
            match (name.as_str(), scope) {
                // Like recipients::Directory, people without an address are left out.
                ("csm", MailScope::Csm(id)) if id == "C03" => {}
                ("csm", MailScope::Csm(id)) => {
                    out.push(format!("{}@example.com", id.to_lowercase()))
                }
                ("manager", MailScope::Csm(_) | MailScope::Manager(_)) => {
                    out.push("Mia Manager <m1@example.com>".into())
                }
                ("execs" | "leadership", _) => out.push("vp@example.com".into()),
                (address, _) if address.contains('@') => out.push(address.into()),
                (other, _) => return Err(format!("unknown recipient `{other}`")),
            }
        }
        Ok(out)
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap()
    }

    #[test]
    fn each_report_sends_its_own_mails_to_the_recipients_of_their_scope() {
        let index = index();
        let weekly = schedule(
            "weekly",
            "weekly",
            &["execs"],
            &["VP@example.com", "cs@example.com"],
        );
        let csm = schedule("csm-digest", "csm", &["csm"], &["manager"]);
        let alerts = schedule("alerts", "alerts", &[], &[]);
        let steps = plan(
            &index,
            &[(&weekly, at()), (&csm, at()), (&alerts, at())],
            &resolve,
            &|_, _, _| false,
        );
        let lines: Vec<String> = steps
            .iter()
            .map(|s| match s {
                Step::Send(p) => format!(
                    "send {} {:?} to {} cc {}",
                    p.schedule.id,
                    p.mail.scope,
                    p.to.join(","),
                    p.cc.join(",")
                ),
                Step::AlreadySent {
                    schedule, scope, ..
                } => format!("sent {} {scope:?}", schedule.id),
                Step::Skipped {
                    schedule,
                    scope,
                    reason,
                } => {
                    format!("skip {} {scope:?}: {reason}", schedule.id)
                }
            })
            .collect();
        assert_eq!(
            lines,
            [
                // vp@ is in To already: Cc keeps only cs@.
                "send weekly Company to vp@example.com cc cs@example.com",
                // CSM digests in scope order, each to its CSM, cc their manager.
                "send csm-digest Csm(\"C01\") to c01@example.com cc Mia Manager <m1@example.com>",
                "send csm-digest Csm(\"C02\") to c02@example.com cc Mia Manager <m1@example.com>",
                "skip csm-digest Some(Csm(\"C03\")): CSM C03 has no e-mail address in csms.csv",
                // Alerts: the empty `team` digest is not sent.
                "send alerts Csm(\"C01\") to c01@example.com cc ",
                "send alerts Recipient(\"leadership\") to vp@example.com cc ",
                "send alerts Manager(\"M1\") to Mia Manager <m1@example.com> cc ",
            ]
        );
    }

    #[test]
    fn the_ledger_and_missing_mails_are_reported_not_sent() {
        let index = index();
        let weekly = schedule("weekly", "weekly", &["execs"], &[]);
        let monthly = schedule("monthly", "monthly", &["execs"], &[]);
        let steps = plan(
            &index,
            &[(&weekly, at()), (&monthly, at())],
            &resolve,
            &|s, o, scope| s == "weekly" && o == at() && *scope == MailScope::Company,
        );
        assert_eq!(
            steps,
            [
                Step::AlreadySent {
                    schedule: &weekly,
                    occurrence: at(),
                    scope: MailScope::Company
                },
                Step::Skipped {
                    schedule: &monthly,
                    scope: None,
                    reason:
                        "the site has no mail for report `monthly` (run `postsale build` again)"
                            .into()
                },
            ]
        );
        // An unknown name is the resolver's error, on that message only.
        let odd = schedule("weekly", "weekly", &["nobody"], &[]);
        let steps = plan(&index, &[(&odd, at())], &resolve, &|_, _, _| false);
        assert!(
            matches!(&steps[..], [Step::Skipped { reason, .. }] if reason == "unknown recipient `nobody`"),
            "{steps:?}"
        );
        assert_eq!(address("Mia <m1@example.com>"), "m1@example.com");
        assert_eq!(address(" m1@example.com"), "m1@example.com");
    }
}
