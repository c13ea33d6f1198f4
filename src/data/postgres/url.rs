//! The connection string: `postgres://user:password@host:port/dbname?param=value&...` (or
//! `postgresql://`), percent-decoded, as libpq reads it. Query parameters: `sslmode`
//! (disable, prefer (default), require, verify-ca, verify-full), `sslrootcert` (a PEM file of
//! trusted certificates for verify-ca/verify-full; default: the Mozilla roots), `host` (also a
//! Unix socket folder, starting with `/`), `port`, `user`, `password`, `dbname`,
//! `application_name` and `connect_timeout` (seconds, default 30).

use super::PgError;
use std::time::Duration;

/// How to use TLS (libpq's `sslmode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never.
    Disable,
    /// When the server offers it, without checking its certificate.
    Prefer,
    /// Always, without checking the certificate.
    Require,
    /// Always, with a certificate signed by a trusted authority (any name).
    VerifyCa,
    /// Always, with a trusted certificate for the host's name.
    VerifyFull,
}

impl SslMode {
    /// The name the connection string gives the mode.
    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or an IP address.
    Tcp(String),
    /// The folder of a Unix socket (`/var/run/postgresql`).
    Socket(String),
}

/// A parsed connection string.
#[derive(Clone, PartialEq, Eq)]
pub struct Params {
    pub host: Host,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub dbname: String,
    pub sslmode: SslMode,
    pub sslrootcert: Option<String>,
    pub application_name: String,
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for Params {
    // Never the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Params")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("dbname", &self.dbname)
            .field("sslmode", &self.sslmode)
            .finish_non_exhaustive()
    }
}

impl Params {
    /// Where the client connects, for messages: `host:port` or the socket's path.
    pub fn target(&self) -> String {
        match &self.host {
            Host::Tcp(host) if host.contains(':') => format!("[{host}]:{}", self.port),
            Host::Tcp(host) => format!("{host}:{}", self.port),
            Host::Socket(dir) => format!("{dir}/.s.PGSQL.{}", self.port),
        }
    }

    /// Reads `url`; errors say what is wrong without repeating the string (it may hold a
    /// password).
    pub fn parse(url: &str) -> Result<Params, PgError> {
        let bad = |what: String| {
            PgError::config(format!(
                "invalid connection string: {what} (expected postgres://user:password@host:port/dbname?sslmode=...)"
            ))
        };
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| bad("it does not start with postgres:// or postgresql://".into()))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let mut user = None;
        let mut password = None;
        if let Some(info) = userinfo {
            let (u, p) = match info.split_once(':') {
                Some((u, p)) => (u, Some(p)),
                None => (info, None),
            };
            if !u.is_empty() {
                user = Some(decode(u).map_err(|e| bad(format!("the user name {e}")))?);
            }
            if let Some(p) = p {
                password = Some(decode(p).map_err(|e| bad(format!("the password {e}")))?);
            }
        }
        let (host, port) = split_host_port(hostport).map_err(bad)?;
        let mut host = match host {
            "" => None,
            h => Some(decode(h).map_err(|e| bad(format!("the host {e}")))?),
        };
        let mut port = match port {
            Some(p) => Some(parse_port(p).map_err(bad)?),
            None => None,
        };
        let mut dbname = match path {
            "" => None,
            p => Some(decode(p).map_err(|e| bad(format!("the database name {e}")))?),
        };
        let mut sslmode = SslMode::Prefer;
        let mut sslrootcert = None;
        let mut application_name = "postsale".to_string();
        let mut connect_timeout = Duration::from_secs(30);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| bad(format!("parameter '{pair}' has no value")))?;
            let value = decode(value).map_err(|e| bad(format!("parameter {key} {e}")))?;
            match key {
                "sslmode" => {
                    sslmode = match value.as_str() {
                        "disable" => SslMode::Disable,
                        "prefer" => SslMode::Prefer,
                        "require" => SslMode::Require,
                        "verify-ca" => SslMode::VerifyCa,
                        "verify-full" => SslMode::VerifyFull,
                        other => {
                            return Err(bad(format!(
                                "sslmode '{other}' is not supported (expected disable, prefer, require, verify-ca or verify-full)"
                            )));
                        }
                    }
                }
                "sslrootcert" => sslrootcert = Some(value),
                "host" => host = Some(value),
                "port" => port = Some(parse_port(&value).map_err(bad)?),
                "user" => user = Some(value),
                "password" => password = Some(value),
                "dbname" => dbname = Some(value),
                "application_name" => application_name = value,
                "connect_timeout" => {
                    let seconds: u64 = value.parse().map_err(|_| {
                        bad(format!(
                            "connect_timeout '{value}' is not a whole number of seconds"
                        ))
                    })?;
                    connect_timeout = Duration::from_secs(seconds.max(1));
                }
                other => {
                    return Err(bad(format!(
                        "unknown parameter '{other}' (expected sslmode, sslrootcert, host, port, user, password, dbname, application_name or connect_timeout)"
                    )));
                }
            }
        }
        let user = match user {
            Some(u) => u,
            None => std::env::var("USER")
                .ok()
                .filter(|u| !u.is_empty())
                .ok_or_else(|| bad("no user name".into()))?,
        };
        let host = match host {
            Some(h) if h.starts_with('/') => Host::Socket(h),
            Some(h) => Host::Tcp(h),
            None => Host::Tcp("localhost".into()),
        };
        Ok(Params {
            host,
            port: port.unwrap_or(5432),
            dbname: dbname.unwrap_or_else(|| user.clone()),
            user,
            password,
            sslmode,
            sslrootcert,
            application_name,
            connect_timeout,
        })
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "an IPv6 address without its closing ']'".to_string())?;
        return match after {
            "" => Ok((host, None)),
            p => p
                .strip_prefix(':')
                .map(|p| (host, Some(p)))
                .ok_or_else(|| format!("unexpected '{p}' after the IPv6 address")),
        };
    }
    Ok(match text.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    })
}

fn parse_port(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("port '{text}' is not a number from 1 to 65535"))
}

/// Percent-decoding (`%40` is `@`); the result must be UTF-8.
fn decode(text: &str) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("has a '%' not followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "is not UTF-8 once percent-decoded")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_gives_every_part_percent_decoded() {
        let p = Params::parse(
            "postgresql://ana%40corp:p%3Ass%2Fw@db.example.com:6543/sales%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=ps",
        )
        .expect("parses");
        assert_eq!(p.user, "ana@corp");
        assert_eq!(p.password.as_deref(), Some("p:ss/w"));
        assert_eq!(p.host, Host::Tcp("db.example.com".into()));
        assert_eq!(p.port, 6543);
        assert_eq!(p.dbname, "sales db");
        assert_eq!(p.sslmode, SslMode::VerifyFull);
        assert_eq!(p.sslrootcert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(p.application_name, "ps");
        assert_eq!(p.target(), "db.example.com:6543");
        // The password never shows in a debug print.
        assert!(!format!("{p:?}").contains("p:ss/w"));
    }

    #[test]
    fn defaults_ipv6_and_a_socket_folder() {
        let p = Params::parse("postgres://u@[::1]/").expect("parses");
        assert_eq!(p.host, Host::Tcp("::1".into()));
        assert_eq!((p.port, p.dbname.as_str()), (5432, "u"));
        assert_eq!(p.sslmode, SslMode::Prefer);
        assert_eq!(p.target(), "[::1]:5432");
        let p = Params::parse("postgres://u@/db?host=%2Fvar%2Frun%2Fpostgresql&port=5433")
            .expect("parses");
        assert_eq!(p.host, Host::Socket("/var/run/postgresql".into()));
        assert_eq!(p.target(), "/var/run/postgresql/.s.PGSQL.5433");
    }

    #[test]
    fn errors_say_what_is_wrong_without_the_password() {
        let err = |url: &str| Params::parse(url).expect_err("fails").to_string();
        assert!(err("mysql://u:secret@h/db").contains("does not start with postgres://"));
        let e = err("postgres://u:secret@h:99999/db");
        assert!(
            e.contains("port '99999' is not a number from 1 to 65535"),
            "{e}"
        );
        assert!(!e.contains("secret"));
        assert!(err("postgres://u:secret@h/db?sslmode=allow").contains("sslmode 'allow'"));
        assert!(err("postgres://u:secret@h/db?sslcert=x").contains("unknown parameter 'sslcert'"));
        assert!(err("postgres://u:%zz@h/db").contains("the password has a '%'"));
    }
}
