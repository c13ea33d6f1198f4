//! Web-server access logs: Common Log Format and Combined Log Format lines (Apache, nginx), read
//! line by line from a plain or gzip-compressed file (told apart by the gzip magic bytes, not by
//! the file name), so a log of any size streams through in constant memory. A line that is not
//! in either format is a warning with its file:line:column, never a stop; what a request means
//! for a report is `super::map`'s business, not this module's.

use crate::diagnostic::{Diagnostic, shown};
use chrono::{DateTime, FixedOffset};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// How many malformed lines of one file are shown; the rest are counted.
pub(crate) const SHOWN_PER_FILE: usize = 20;

/// One request of an access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// The client address (`%h`).
    pub(crate) client: String,
    /// The authenticated user (`%u`), when the log has one (not `-`).
    pub(crate) user: Option<String>,
    /// When the request was received, with the offset the log wrote.
    pub(crate) time: DateTime<FixedOffset>,
    /// `GET`, `HEAD`, ...; empty when the request line is not `METHOD TARGET [PROTOCOL]`.
    pub(crate) method: String,
    /// The request target as sent (`/weekly/2026-W43.html?x=1`); empty as the method.
    pub(crate) target: String,
    /// The response status.
    pub(crate) status: u16,
    /// The User-Agent header (Combined Log Format only; `None` for `-` or a common-format line).
    pub(crate) user_agent: Option<String>,
}

/// Why a line is not a log line: the 1-based column where parsing stopped and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Malformed {
    pub(crate) column: usize,
    pub(crate) message: String,
}

/// A cursor over one line, tracking the byte position for columns.
struct Cursor<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn fail<T>(&self, what: &str) -> Result<T, Malformed> {
        Err(Malformed {
            column: self.line[..self.pos].chars().count() + 1,
            message: format!("expected {what}"),
        })
    }

    fn rest(&self) -> &'a str {
        &self.line[self.pos..]
    }

    /// A field up to the next space (at least one character), and the space after it.
    fn word(&mut self, what: &str) -> Result<&'a str, Malformed> {
        let rest = self.rest();
        let end = rest.find(' ').unwrap_or(rest.len());
        if end == 0 {
            return self.fail(what);
        }
        self.pos += end;
        self.space();
        Ok(&rest[..end])
    }

    fn space(&mut self) {
        self.pos += self.rest().len() - self.rest().trim_start_matches(' ').len();
    }

    /// A field between `open` and `close` (no nesting), and the space after it.
    fn bracketed(&mut self, open: char, close: char, what: &str) -> Result<&'a str, Malformed> {
        let rest = self.rest();
        let Some(inner) = rest.strip_prefix(open) else {
            return self.fail(what);
        };
        let Some(end) = inner.find(close) else {
            return self.fail(what);
        };
        self.pos += end + 2;
        self.space();
        Ok(&inner[..end])
    }

    /// A double-quoted field with backslash escapes (Apache writes `\"`, nginx `\x22`), unescaped
    /// only for `\"` and `\\`, and the space after it.
    fn quoted(&mut self, what: &str) -> Result<String, Malformed> {
        let rest = self.rest();
        if !rest.starts_with('"') {
            return self.fail(what);
        }
        let mut out = String::new();
        let mut chars = rest.char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    self.space();
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => out.push(e),
                    Some((_, e)) => {
                        out.push('\\');
                        out.push(e);
                    }
                    None => break,
                },
                c => out.push(c),
            }
        }
        self.fail(&format!("{what} to end with '\"'"))
    }
}

/// Parses one Common or Combined Log Format line:
/// `host ident authuser [day/Mon/year:hh:mm:ss ±zzzz] "request" status bytes ["referer" "agent"]`.
pub(crate) fn parse_line(line: &str) -> Result<Request, Malformed> {
    let mut c = Cursor { line, pos: 0 };
    let client = c.word("the client address")?.to_string();
    c.word("the identity field ('-')")?;
    let user = match c.word("the user field ('-' or a name)")? {
        "-" => None,
        name => Some(name.to_string()),
    };
    let at = c.pos;
    let stamp = c.bracketed('[', ']', "a time like [10/Oct/2026:13:55:36 -0700]")?;
    let time = DateTime::parse_from_str(stamp, "%d/%b/%Y:%H:%M:%S %z").or_else(|_| {
        c.pos = at;
        c.fail(&format!(
            "a time like [10/Oct/2026:13:55:36 -0700], found '{}'",
            shown(stamp)
        ))
    })?;
    let request = c.quoted("the request in double quotes (\"GET /path HTTP/1.1\")")?;
    let at = c.pos;
    let status = c.word("the status code")?;
    let status = match status.parse::<u16>() {
        Ok(s) if (100..=599).contains(&s) && status.len() == 3 => s,
        _ => {
            c.pos = at;
            return c.fail(&format!(
                "a three-digit status code, found '{}'",
                shown(status)
            ));
        }
    };
    let at = c.pos;
    let bytes = c.word("the response size ('-' or a number)")?;
    if bytes != "-" && !bytes.bytes().all(|b| b.is_ascii_digit()) {
        c.pos = at;
        return c.fail(&format!(
            "the response size ('-' or a number), found '{}'",
            shown(bytes)
        ));
    }
    let user_agent = if c.rest().is_empty() {
        None
    } else {
        c.quoted("the referer in double quotes (Combined Log Format)")?;
        let agent = c.quoted("the user agent in double quotes (Combined Log Format)")?;
        // Fields some servers append after the agent (nginx's $http_x_forwarded_for, ...) are
        // allowed and ignored.
        Some(agent).filter(|a| a != "-" && !a.is_empty())
    };
    let mut parts = request.split(' ').filter(|p| !p.is_empty());
    let (method, target) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), _, None) => (m.to_string(), t.to_string()),
        _ => (String::new(), String::new()),
    };
    Ok(Request {
        client,
        user,
        time,
        method,
        target,
        status,
        user_agent,
    })
}

/// What reading one log file found besides its requests.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    /// Non-blank lines read.
    pub(crate) lines: u64,
    /// Lines that were not log lines.
    pub(crate) malformed: u64,
    /// The first `SHOWN_PER_FILE` malformed lines as warnings, then one warning counting the
    /// rest; and an error when the file cannot be read to its end or holds no log line at all.
    pub(crate) problems: Vec<Diagnostic>,
}

/// Reads the log at `path` (shown as `display` in messages) line by line, plain or gzip, handing
/// each request to `each`. Never stops at a bad line; a read error ends the file with an error.
pub(crate) fn scan(path: &Path, display: &str, each: &mut dyn FnMut(Request)) -> Scan {
    let mut scan = Scan::default();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            scan.problems.push(
                Diagnostic::file_error(display, format!("cannot read the log: {e}"))
                    .with_help("pass the path of an access log with --log"),
            );
            return scan;
        }
    };
    let mut plain = BufReader::with_capacity(1 << 16, file);
    let gzip = match plain.fill_buf() {
        Ok(head) => head.starts_with(&GZIP_MAGIC),
        Err(e) => {
            scan.problems.push(Diagnostic::file_error(
                display,
                format!("cannot read the log: {e}"),
            ));
            return scan;
        }
    };
    let mut reader: Box<dyn BufRead> = if gzip {
        // Multi-member: `cat a.gz b.gz` and some rotators write several gzip members.
        Box::new(BufReader::with_capacity(
            1 << 16,
            flate2::read::MultiGzDecoder::new(plain),
        ))
    } else {
        Box::new(plain)
    };
    read_lines(&mut reader, display, gzip, &mut scan, each);
    if scan.lines > 0 && scan.lines == scan.malformed {
        scan.problems.push(
            Diagnostic::file_error(display, "no line is in Common or Combined Log Format")
                .with_help(
                    "postsale reads access logs like Apache's `combined` and nginx's default \
                     `main` format: host ident user [time] \"request\" status bytes \
                     \"referer\" \"user-agent\"",
                ),
        );
    }
    scan
}

fn read_lines(
    reader: &mut dyn BufRead,
    display: &str,
    gzip: bool,
    scan: &mut Scan,
    each: &mut dyn FnMut(Request),
) {
    let mut buf = Vec::new();
    let mut number = 0usize;
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let what = if gzip { "decompress" } else { "read" };
                scan.problems.push(
                    Diagnostic::file_error(
                        display,
                        format!("cannot {what} the log after line {number}: {e}"),
                    )
                    .with_help("the lines before it are counted; check the file is complete"),
                );
                break;
            }
        }
        number += 1;
        // User agents and paths may hold bytes that are not UTF-8: they are kept as U+FFFD.
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim_end_matches(['\n', '\r']);
        if line.trim().is_empty() {
            continue;
        }
        scan.lines += 1;
        match parse_line(line) {
            Ok(request) => each(request),
            Err(bad) => {
                scan.malformed += 1;
                if scan.malformed as usize <= SHOWN_PER_FILE {
                    scan.problems.push(
                        Diagnostic::error(display, number, bad.column, bad.message)
                            .warning()
                            .with_help("the line is skipped"),
                    );
                }
            }
        }
    }
    if scan.malformed as usize > SHOWN_PER_FILE {
        scan.problems.push(
            Diagnostic::file_error(
                display,
                format!(
                    "{} more lines not in Common or Combined Log Format were skipped",
                    scan.malformed as usize - SHOWN_PER_FILE
                ),
            )
            .warning(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    const CLF: &str = r#"127.0.0.1 - frank [10/Oct/2026:13:55:36 -0700] "GET /weekly/2026-W43.html HTTP/1.0" 200 2326"#;
    const COMBINED: &str = r#"203.0.113.9 - - [01/Nov/2026:08:05:00 +0100] "GET /monthly/2026-10.pdf HTTP/1.1" 304 - "https://cs.example.com/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0""#;

    proptest::proptest! {
        /// Any text is either a request or a column inside the line: never a panic.
        #[test]
        fn any_line_parses_or_says_where(line in "\\PC{0,80}", tail in "[ -~\u{e9}\u{1f600}]{0,40}") {
            for text in [line.clone(), format!("{CLF}{tail}"), format!("1.2.3.4 - - [{tail}")] {
                if let Err(bad) = parse_line(&text) {
                    proptest::prop_assert!(bad.column >= 1 && bad.column <= text.chars().count() + 1);
                }
            }
        }
    }

    #[test]
    fn common_log_format_keeps_user_and_offset() {
        let r = parse_line(CLF).unwrap();
        assert_eq!(r.client, "127.0.0.1");
        assert_eq!(r.user.as_deref(), Some("frank"));
        assert_eq!(r.method, "GET");
        assert_eq!(r.target, "/weekly/2026-W43.html");
        assert_eq!(r.status, 200);
        assert_eq!(r.user_agent, None);
        // 13:55:36 at -07:00 is 20:55:36 UTC; the local date stays the 10th.
        assert_eq!(r.time.to_rfc3339(), "2026-10-10T13:55:36-07:00");
        assert_eq!(r.time.naive_utc().to_string(), "2026-10-10 20:55:36");
    }

    #[test]
    fn combined_log_format_has_the_user_agent() {
        let r = parse_line(COMBINED).unwrap();
        assert_eq!(r.user, None);
        assert_eq!(r.status, 304);
        assert_eq!(r.target, "/monthly/2026-10.pdf");
        assert_eq!(
            r.user_agent.as_deref(),
            Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
        );
        assert_eq!(r.time.to_rfc3339(), "2026-11-01T08:05:00+01:00");
    }

    #[test]
    fn escaped_quotes_and_odd_requests_still_parse() {
        let line = r#"::1 - - [01/Nov/2026:00:00:00 +0000] "GET /a\"b.html HTTP/1.1" 404 12 "-" "Agent \"x\"" "10.0.0.1""#;
        let r = parse_line(line).unwrap();
        assert_eq!(r.target, "/a\"b.html");
        assert_eq!(r.user_agent.as_deref(), Some("Agent \"x\""));
        // A request line that is not METHOD TARGET PROTOCOL is a log line with no target.
        let junk = r#"10.0.0.2 - - [01/Nov/2026:00:00:00 +0000] "\x16\x03\x01" 400 0 "-" "-""#;
        let r = parse_line(junk).unwrap();
        assert_eq!(
            (r.method.as_str(), r.target.as_str(), r.status),
            ("", "", 400)
        );
        assert_eq!(r.user_agent, None);
    }

    #[test]
    fn malformed_lines_say_where_they_go_wrong() {
        let cases = [
            ("", 1, "expected the client address"),
            ("1.2.3.4 - - 10/Oct/2026", 13, "expected a time like"),
            (
                "1.2.3.4 - - [10/Okt/2026:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1",
                13,
                "found '10/Okt/2026:13:55:36 -0700'",
            ),
            (
                "1.2.3.4 - - [10/Oct/2026:13:55:36 -0700] GET / 200 1",
                42,
                "expected the request in double quotes",
            ),
            (
                "1.2.3.4 - - [10/Oct/2026:13:55:36 -0700] \"GET / HTTP/1.1\" OK 1",
                59,
                "three-digit status code, found 'OK'",
            ),
            (
                "1.2.3.4 - - [10/Oct/2026:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"-\" \"unterminated",
                69,
                "expected the user agent in double quotes (Combined Log Format) to end with '\"'",
            ),
        ];
        for (line, column, message) in cases {
            let bad = parse_line(line).unwrap_err();
            assert_eq!(bad.column, column, "{line}");
            assert!(bad.message.contains(message), "{line}: {}", bad.message);
        }
    }

    fn scan_bytes(bytes: &[u8]) -> (Vec<Request>, Scan) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log.1");
        std::fs::write(&path, bytes).unwrap();
        let mut got = Vec::new();
        let scan = scan(&path, "logs/access.log.1", &mut |r| got.push(r));
        (got, scan)
    }

    #[test]
    fn a_file_streams_with_every_bad_line_reported_by_number() {
        let text = format!("{CLF}\nnot a log line\n\n{COMBINED}\r\n{CLF} trailing\n");
        let (got, scan) = scan_bytes(text.as_bytes());
        assert_eq!(got.len(), 2);
        assert_eq!((scan.lines, scan.malformed), (4, 2));
        let shown: Vec<String> = scan.problems.iter().map(|d| d.to_string()).collect();
        assert_eq!(shown.len(), 2);
        assert!(
            shown[0].starts_with("logs/access.log.1:2:11: warning: expected a time like"),
            "{}",
            shown[0]
        );
        assert!(shown[1].starts_with("logs/access.log.1:5:"), "{}", shown[1]);
    }

    #[test]
    fn gzip_is_recognised_by_its_bytes_not_its_name() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(format!("{CLF}\n").as_bytes()).unwrap();
        let mut gz = enc.finish().unwrap();
        // A second member, as `cat a.gz b.gz` makes.
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(format!("{COMBINED}\n").as_bytes()).unwrap();
        gz.extend(enc.finish().unwrap());
        assert!(gz.starts_with(&GZIP_MAGIC));
        let (got, scan) = scan_bytes(&gz);
        assert_eq!(got.len(), 2, "{:?}", scan.problems);
        assert_eq!(got[1].status, 304);
        assert!(scan.problems.is_empty());
    }

    #[test]
    fn a_cut_gzip_file_is_an_error_after_the_lines_it_gave() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        for _ in 0..200 {
            enc.write_all(format!("{CLF}\n").as_bytes()).unwrap();
        }
        let gz = enc.finish().unwrap();
        let (_, scan) = scan_bytes(&gz[..gz.len() / 2]);
        let last = scan.problems.last().unwrap().to_string();
        assert!(
            last.contains("error: cannot decompress the log after line"),
            "{last}"
        );
    }

    #[test]
    fn a_file_of_no_log_lines_is_an_error_and_bad_lines_are_capped() {
        let text = "{\"json\": 1}\n".repeat(SHOWN_PER_FILE + 3);
        let (_, scan) = scan_bytes(text.as_bytes());
        assert_eq!(scan.malformed, SHOWN_PER_FILE as u64 + 3);
        let shown: Vec<String> = scan.problems.iter().map(|d| d.to_string()).collect();
        assert_eq!(shown.len(), SHOWN_PER_FILE + 2);
        assert!(shown[SHOWN_PER_FILE].contains("warning: 3 more lines"));
        assert!(shown[SHOWN_PER_FILE + 1].contains("error: no line is in Common or Combined"));
    }
}
