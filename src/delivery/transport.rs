//! Where composed messages go: the mail server of delivery.yaml (lettre's blocking SMTP client,
//! STARTTLS required, implicit TLS or none, credentials only from environment variables), or
//! with `--outbox DIR` one `.eml` file per message. It moves bytes; the ledger is the caller's.

use super::{MailScope, Security, Smtp};
use chrono::{DateTime, Utc};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Message, SmtpTransport, Transport};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long the client waits for the server at each step before the message fails.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Where the messages of a run go.
pub(crate) enum Sink {
    /// Sent through this server.
    Smtp(Box<SmtpTransport>),
    /// Written into this folder.
    Outbox(PathBuf),
}

impl Sink {
    /// The server of `smtp`, with the credentials read from the environment variables it names
    /// (`env` looks a variable up). A named variable that is not set is an error naming it.
    pub(crate) fn smtp(smtp: &Smtp, env: &dyn Fn(&str) -> Option<String>) -> Result<Sink, String> {
        let builder = match smtp.security {
            Security::StartTls => SmtpTransport::starttls_relay(&smtp.host),
            Security::Tls => SmtpTransport::relay(&smtp.host),
            Security::None => Ok(SmtpTransport::builder_dangerous(&smtp.host)),
        }
        .map_err(|e| format!("cannot set up TLS for {}: {e}", smtp.host))?;
        let var = |name: &Option<String>, what: &str| -> Result<Option<String>, String> {
            match name {
                None => Ok(None),
                Some(name) => env(name).map(Some).ok_or_else(|| {
                    format!(
                        "the SMTP {what} is read from the environment variable {name} (smtp in delivery.yaml), which is not set"
                    )
                }),
            }
        };
        let user = var(&smtp.username_env, "user name")?;
        let password = var(&smtp.password_env, "password")?;
        let mut builder = builder.port(smtp.port).timeout(Some(TIMEOUT));
        match (user, password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user, password));
            }
            (None, None) => {}
            _ => {
                return Err(
                    "smtp in delivery.yaml names only one of username_env and password_env: give both, or neither for a server without login".into(),
                );
            }
        }
        Ok(Sink::Smtp(Box::new(builder.build())))
    }

    /// The outbox folder `dir`, created if needed.
    pub(crate) fn outbox(dir: &Path) -> Result<Sink, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("failed to create the outbox {}: {e}", dir.display()))?;
        Ok(Sink::Outbox(dir.to_path_buf()))
    }

    /// Sends `message`, or writes it to the outbox as `name`. The error is the server's reply
    /// (`permanent error (550): ...`) or the connection's or file's problem.
    pub(crate) fn deliver(&self, message: &Message, name: &str) -> Result<(), String> {
        match self {
            Sink::Smtp(transport) => transport
                .send(message)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Sink::Outbox(dir) => {
                let path = dir.join(name);
                std::fs::write(&path, message.formatted())
                    .map_err(|e| format!("failed to write {}: {e}", path.display()))
            }
        }
    }
}

/// The outbox file of a message: `<schedule>--<occurrence as yyyymmddThhmmZ>--<scope>.eml`,
/// e.g. `weekly--20261102T0700Z--csm-C01.eml`; characters other than letters, digits and
/// `@._-` become `_`.
pub(crate) fn file_name(schedule: &str, occurrence: DateTime<Utc>, scope: &MailScope) -> String {
    let scope = match scope {
        MailScope::Company => "company".to_string(),
        MailScope::Csm(id) => format!("csm-{id}"),
        MailScope::Recipient(r) => format!("recipient-{r}"),
        MailScope::Manager(id) => format!("manager-{id}"),
    };
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{}--{}--{}.eml",
        clean(schedule),
        occurrence.format("%Y%m%dT%H%MZ"),
        clean(&scope)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn smtp(user: Option<&str>, password: Option<&str>) -> Smtp {
        Smtp {
            host: "127.0.0.1".into(),
            port: 2525,
            security: Security::None,
            username_env: user.map(Into::into),
            password_env: password.map(Into::into),
        }
    }

    #[test]
    fn credentials_come_only_from_the_named_environment_variables() {
        let env = |name: &str| (name == "SMTP_USER").then(|| "reports".to_string());
        assert!(Sink::smtp(&smtp(None, None), &env).is_ok());
        let err = Sink::smtp(&smtp(Some("SMTP_USER"), Some("SMTP_PASSWORD")), &env)
            .err()
            .unwrap();
        assert_eq!(
            err,
            "the SMTP password is read from the environment variable SMTP_PASSWORD (smtp in delivery.yaml), which is not set"
        );
        let all = |_: &str| Some("x".to_string());
        assert!(Sink::smtp(&smtp(Some("SMTP_USER"), Some("SMTP_PASSWORD")), &all).is_ok());
        let err = Sink::smtp(&smtp(Some("SMTP_USER"), None), &all)
            .err()
            .unwrap();
        assert!(
            err.contains("only one of username_env and password_env"),
            "{err}"
        );
        // STARTTLS and TLS set up for a host name.
        let mut tls = smtp(None, None);
        tls.host = "smtp.example.com".into();
        tls.security = Security::StartTls;
        assert!(Sink::smtp(&tls, &all).is_ok());
        tls.security = Security::Tls;
        assert!(Sink::smtp(&tls, &all).is_ok());
    }

    #[test]
    fn outbox_names_say_schedule_occurrence_and_scope() {
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 7, 0, 0).unwrap();
        assert_eq!(
            file_name("weekly", at, &MailScope::Company),
            "weekly--20261102T0700Z--company.eml"
        );
        assert_eq!(
            file_name("csm-digest", at, &MailScope::Csm("C01".into())),
            "csm-digest--20261102T0700Z--csm-C01.eml"
        );
        assert_eq!(
            file_name(
                "alerts",
                at,
                &MailScope::Recipient("ops lead/x@example.com".into())
            ),
            "alerts--20261102T0700Z--recipient-ops_lead_x@example.com.eml"
        );
        assert_eq!(
            file_name("alerts", at, &MailScope::Manager("M1".into())),
            "alerts--20261102T0700Z--manager-M1.eml"
        );
    }

    #[test]
    fn a_closed_port_fails_with_the_connection_error() {
        // A port nobody listens on: bound, then released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut s = smtp(None, None);
        s.port = port;
        let sink = Sink::smtp(&s, &|_| None).unwrap();
        let message = Message::builder()
            .from("a@example.com".parse().unwrap())
            .to("b@example.com".parse().unwrap())
            .subject("x")
            .body(String::from("x"))
            .unwrap();
        let err = sink.deliver(&message, "x.eml").unwrap_err();
        assert!(err.to_lowercase().contains("connection"), "{err}");
        // The outbox writes the message's bytes.
        let tmp = tempfile::tempdir().unwrap();
        let outbox = Sink::outbox(&tmp.path().join("out")).unwrap();
        outbox.deliver(&message, "x.eml").unwrap();
        assert_eq!(
            std::fs::read(tmp.path().join("out/x.eml")).unwrap(),
            message.formatted()
        );
    }
}
