//! `postsale deliver` against a real SMTP server: Python's aiosmtpd, started on 127.0.0.1 by each
//! test and stopped when it ends. The example project is built, a delivery.yaml points at the
//! server, and the messages that arrive are parsed by Python's `email` package (a second, strict
//! reader of the MIME we write): recipients per scope, every `cid:` image a PNG part, the PDF
//! attached, nothing sent twice, the outbox the same messages, failures named.
//!
//! aiosmtpd comes from `scripts/test.sh` (Debian's python3-aiosmtpd, or pip).

#[path = "common/mod.rs"]
mod common;

use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Monday 2 November 2026, 07:05 in New York (EST since 1 November): the weekly schedules at
/// 07:00 are due, the monthly one (the 2nd at 08:00) was last due in October and is missed.
const MONDAY: &str = "2026-11-02T07:05:00-05:00";

/// A Python with aiosmtpd: `POSTSALE_PYTHON`, else `python3`, else the system's
/// `/usr/bin/python3` (where Debian's package installs it when `python3` is another Python).
fn python() -> String {
    let candidates = std::env::var("POSTSALE_PYTHON")
        .into_iter()
        .chain(["python3".to_string(), "/usr/bin/python3".to_string()]);
    for python in candidates {
        let ok = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return python;
        }
    }
    panic!(
        "these tests need Python's aiosmtpd (a local SMTP server), which is missing: \
         scripts/test.sh installs it (apt-get install python3-aiosmtpd, or pip install aiosmtpd)"
    );
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A handler that stores messages in a Maildir like aiosmtpd's `Mailbox` but refuses one
/// recipient with a 550 reply.
const REJECTING: &str = r#"
from aiosmtpd.handlers import Mailbox

class Rejecting(Mailbox):
    def __init__(self, mail_dir, refused):
        super().__init__(mail_dir)
        self.refused = refused

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(args[0], args[1])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

/// Reads a Maildir or .eml files with Python's `email` package and prints, per message, its
/// headers, envelope recipients, outbox file name, part tree (type, Content-ID, file name, first bytes), the
/// image `src`s of the HTML, the text part and any defect the parser found.
const PARSE: &str = r#"
import email, email.policy, json, mailbox, os, re, sys

def tree(part):
    node = {"type": part.get_content_type()}
    if part.is_multipart():
        node["parts"] = [tree(p) for p in part.iter_parts()]
        return node
    payload = part.get_payload(decode=True) or b""
    node["size"] = len(payload)
    node["head"] = payload[:8].hex()
    if part["Content-ID"]:
        node["cid"] = str(part["Content-ID"]).strip().strip("<>")
    if part.get_filename():
        node["filename"] = part.get_filename()
    node["disposition"] = part.get_content_disposition()
    return node

def describe(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    html = ""
    text = ""
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            html = part.get_content()
        elif part.get_content_type() == "text/plain":
            text = part.get_content()
    defects = [str(d) for part in msg.walk() for d in part.defects]
    header = lambda name: str(msg[name]) if msg[name] is not None else None
    return {
        "subject": header("Subject"),
        "from": header("From"),
        "to": [str(a) for a in msg["To"].addresses] if msg["To"] else [],
        "cc": [str(a) for a in msg["Cc"].addresses] if msg["Cc"] else [],
        "message_id": header("Message-ID"),
        "date": header("Date"),
        "rcpt_to": header("X-RcptTo"),
        "tree": tree(msg),
        "srcs": re.findall(r'src="([^"]*)"', html),
        "html": html,
        "text": text,
        "defects": defects,
    }

path = sys.argv[1]
if os.path.isdir(os.path.join(path, "new")):
    box = mailbox.Maildir(path, factory=None, create=False)
    raws = [(None, box.get_bytes(key)) for key in box.keys()]
else:
    raws = [(n, open(os.path.join(path, n), "rb").read()) for n in sorted(os.listdir(path)) if n.endswith(".eml")]
out = [dict(describe(r), file=n) for (n, r) in raws]
out.sort(key=lambda m: m["message_id"] or "")
json.dump(out, sys.stdout)
"#;

/// An aiosmtpd server on a free port, killed when dropped.
struct Server {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Server {
    /// Starts aiosmtpd storing into `<dir>/maildir`; with `refuse`, refusing that recipient.
    fn start(dir: &Path, refuse: Option<&str>) -> Server {
        let port = free_port();
        let maildir = dir.join("maildir");
        std::fs::write(dir.join("rejecting.py"), REJECTING).expect("write handler");
        let mut cmd = Command::new(python());
        cmd.env("PYTHONPATH", dir)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"));
        match refuse {
            None => cmd.args(["-c", "aiosmtpd.handlers.Mailbox"]).arg(&maildir),
            Some(address) => cmd
                .args(["-c", "rejecting.Rejecting"])
                .arg(&maildir)
                .arg(address),
        };
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts aiosmtpd");
        let mut server = Server {
            child,
            port,
            maildir,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = server.child.try_wait().expect("try_wait") {
                let mut err = String::new();
                if let Some(mut e) = server.child.stderr.take() {
                    std::io::Read::read_to_string(&mut e, &mut err).ok();
                }
                panic!("aiosmtpd exited ({status}): {err}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not listen on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// The messages received so far.
    fn messages(&self) -> Vec<Value> {
        if !self.maildir.join("new").is_dir() {
            return Vec::new();
        }
        parse(&self.maildir)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// The messages of a Maildir or an outbox folder, as `PARSE` describes them.
fn parse(path: &Path) -> Vec<Value> {
    let out = Command::new(python())
        .args(["-c", PARSE])
        .arg(path)
        .output()
        .expect("runs python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A copy of the example project (config, rules, reports, data) in `dir/project`, built into
/// `dir/site` (with the PDFs when `pdf`).
fn example(dir: &Path, pdf: bool) -> PathBuf {
    example_with(dir, pdf, |_| {})
}

/// `example`, with `edit` run on the project before the build.
fn example_with(dir: &Path, pdf: bool, edit: impl FnOnce(&Path)) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = dir.join("project");
    for folder in ["data", "reports"] {
        std::fs::create_dir_all(project.join(folder)).expect("mkdir");
        for entry in std::fs::read_dir(root.join(folder)).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_file() {
                let name = path.file_name().expect("name");
                std::fs::copy(&path, project.join(folder).join(name)).expect("copy");
            }
        }
    }
    for file in ["postsale.yaml", "alerts.yaml"] {
        std::fs::copy(root.join(file), project.join(file)).expect("copy");
    }
    edit(&project);
    let site = dir.join("site");
    if pdf {
        let out = postsale(&["build", "--project"], &project, &["--out", path(&site)]);
        assert!(out.status.success(), "{}", stderr(&out));
    } else {
        common::build_site(&project, &site);
    }
    project
}

/// The test's delivery.yaml: weekly review and CSM digests Monday 07:00 New York time, the
/// monthly review on the 2nd at 08:00, the alerts daily at 06:30, through `port`.
fn delivery_yaml(project: &Path, port: u16, extra_smtp: &str) {
    let yaml = format!(
        r#"from: "Example CS <cs-reports@example.com>"
timezone: America/New_York
smtp: {{ host: 127.0.0.1, port: {port}, security: none{extra_smtp} }}
lists:
  executives: [ceo@example.com, cfo@example.com]
  leadership: [executives, vp-cs@example.com]
schedules:
  weekly-review:
    report: weekly
    to: [leadership]
    cc: [cs-ops@example.com]
    weekly: {{ day: monday, at: "07:00" }}
  csm-digest:
    report: csm
    to: [csm]
    cc: [manager]
    weekly: {{ day: monday, at: "07:00" }}
  monthly-review:
    report: monthly
    to: [leadership]
    monthly: {{ day: 2, at: "08:00" }}
  alerts:
    report: alerts
    daily: {{ at: "06:30" }}
"#
    );
    std::fs::write(project.join("delivery.yaml"), yaml).expect("write delivery.yaml");
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs postsale with `args`, then `--project <project>`, then `rest`.
fn postsale(args: &[&str], project: &Path, rest: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg(project)
        .args(rest)
        .env_remove("POSTSALE_SMTP_USER")
        .env_remove("POSTSALE_SMTP_PASSWORD")
        .output()
        .expect("runs postsale")
}

/// `postsale deliver --project <project> --now MONDAY --site <dir>/site` and `rest`.
fn deliver(dir: &Path, project: &Path, rest: &[&str]) -> Output {
    let site = dir.join("site");
    let mut args = vec!["--now", MONDAY, "--site", path(&site)];
    args.extend_from_slice(rest);
    postsale(&["deliver", "--project"], project, &args)
}

/// The lines of `text` that start with `prefix`.
fn lines<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

/// The message whose subject or `X-RcptTo` matches: the one sent to exactly `to`.
fn to<'a>(messages: &'a [Value], to: &[&str]) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| {
            let list: Vec<&str> = m["to"]
                .as_array()
                .expect("to")
                .iter()
                .map(|v| v.as_str().expect("str"))
                .collect();
            list == to
        })
        .collect()
}

/// Checks a message's MIME: no parser defect, mixed[related[alternative[plain, html], png...],
/// pdf?], each image `src` a `cid:` of a PNG part; returns the attachments' file names.
fn check_mime(m: &Value) -> Vec<String> {
    assert_eq!(m["defects"], serde_json::json!([]), "{}", m["subject"]);
    let tree = &m["tree"];
    assert_eq!(tree["type"], "multipart/mixed");
    let related = &tree["parts"][0];
    assert_eq!(related["type"], "multipart/related");
    let alternative = &related["parts"][0];
    assert_eq!(alternative["type"], "multipart/alternative");
    assert_eq!(alternative["parts"][0]["type"], "text/plain");
    assert_eq!(alternative["parts"][1]["type"], "text/html");
    let images: Vec<&Value> = related["parts"].as_array().expect("parts")[1..]
        .iter()
        .collect();
    for src in m["srcs"].as_array().expect("srcs") {
        let src = src.as_str().expect("str");
        let cid = src
            .strip_prefix("cid:")
            .unwrap_or_else(|| panic!("{src}: every image of a message is inline"));
        let part = images
            .iter()
            .find(|p| p["cid"] == cid)
            .unwrap_or_else(|| panic!("no part with Content-ID {cid} in {}", m["subject"]));
        assert_eq!(part["type"], "image/png");
        assert_eq!(part["head"], "89504e470d0a1a0a", "the PNG signature");
        assert!(part["size"].as_u64().expect("size") > 1000);
    }
    // Every image part is used by the HTML.
    assert_eq!(images.len(), m["srcs"].as_array().expect("srcs").len());
    tree["parts"].as_array().expect("parts")[1..]
        .iter()
        .map(|p| {
            assert_eq!(p["disposition"], "attachment");
            p["filename"].as_str().expect("filename").to_string()
        })
        .collect()
}

#[test]
fn due_mails_arrive_once_as_valid_mime_with_inline_charts_and_the_right_recipients() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    // Casey Lee (CSM003) has no e-mail address.
    let project = example_with(dir, false, |project| {
        let csv = project.join("data/csms.csv");
        let text = std::fs::read_to_string(&csv).expect("csms");
        let text = text.replace("Casey Lee,casey.lee@example.com,", "Casey Lee,,");
        std::fs::write(&csv, text).expect("write");
    });
    let server = Server::start(dir, None);
    delivery_yaml(&project, server.port, "");

    // --plan says what would go out, and sends nothing.
    let out = deliver(dir, &project, &["--plan"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let planned = lines(&stdout(&out), "would send ").len();
    assert!(planned > 10, "{}", stdout(&out));
    assert!(server.messages().is_empty());
    assert!(!project.join(".postsale/deliveries.jsonl").exists());

    let out = deliver(dir, &project, &[]);
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "{text}{err}");
    let sent = lines(&text, "sent     ");
    assert_eq!(sent.len(), planned, "{text}");
    assert!(
        sent.contains(
            &"sent     weekly-review 2026-11-02T12:00Z company to ceo@example.com, cfo@example.com, vp-cs@example.com; cc cs-ops@example.com"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "sent     csm-digest 2026-11-02T12:00Z csm CSM002 to Blake Moreno <blake.moreno@example.com>; cc Avery Stone <avery.stone@example.com>"
        ),
        "{text}"
    );
    // The monthly review was due on 2 October: missed, said on stderr, not sent.
    assert!(
        err.contains("missed   monthly-review 2026-10-02T12:00Z: more than 12 hours late"),
        "{err}"
    );
    // Casey's digest is not sent, with a warning saying why.
    assert!(
        err.contains(
            "warning: csm-digest csm CSM003: not sent: CSM CSM003 has no e-mail address in csms.csv"
        ),
        "{err}"
    );
    let skipped = lines(&err, "warning: ").len();
    assert!(
        text.ends_with(&format!(
            "deliver at 2026-11-02T12:05Z: {} sent, {skipped} skipped\n",
            sent.len()
        )),
        "{text}"
    );

    let messages = server.messages();
    assert_eq!(messages.len(), sent.len());
    for m in &messages {
        assert_eq!(m["from"], "Example CS <cs-reports@example.com>");
        assert_eq!(m["date"], "Mon, 02 Nov 2026 12:05:00 +0000");
        let id = m["message_id"].as_str().expect("id");
        assert!(
            id.starts_with("<postsale.") && id.ends_with("@example.com>"),
            "{id}"
        );
        assert!(check_mime(m).is_empty(), "no PDF without --no-pdf's PDFs");
    }
    // The weekly review: to leadership (the executives and the VP), cc CS ops; the envelope
    // holds all four.
    let leadership = to(
        &messages,
        &["ceo@example.com", "cfo@example.com", "vp-cs@example.com"],
    );
    let weekly: Vec<&&Value> = leadership
        .iter()
        .filter(|m| m["cc"] == serde_json::json!(["cs-ops@example.com"]))
        .collect();
    assert_eq!(weekly.len(), 1, "{leadership:?}");
    let weekly = weekly[0];
    assert_eq!(
        weekly["rcpt_to"],
        "ceo@example.com, cfo@example.com, vp-cs@example.com, cs-ops@example.com"
    );
    assert!(
        !weekly["srcs"].as_array().expect("srcs").is_empty(),
        "charts"
    );
    assert!(
        weekly["text"]
            .as_str()
            .expect("text")
            .contains("weekly/2026-W43.html"),
        "{}",
        weekly["text"]
    );
    // A CSM's digest goes to that CSM with their manager in copy; a CSM without a manager
    // gets it alone.
    let blake = to(&messages, &["Blake Moreno <blake.moreno@example.com>"]);
    let digest: Vec<&&Value> = blake
        .iter()
        .filter(|m| m["cc"] == serde_json::json!(["Avery Stone <avery.stone@example.com>"]))
        .collect();
    assert!(!digest.is_empty(), "{blake:?}");
    let avery = to(&messages, &["Avery Stone <avery.stone@example.com>"]);
    assert!(avery.iter().any(|m| m["cc"] == serde_json::json!([])));

    // The ledger has one line per message; a second run sends nothing new.
    let ledger =
        std::fs::read_to_string(project.join(".postsale/deliveries.jsonl")).expect("ledger");
    assert_eq!(ledger.lines().count(), sent.len());
    assert!(ledger.contains(r#""schedule":"csm-digest","occurrence":"2026-11-02T12:00:00Z","scope":{"csm":"CSM002"}"#), "{ledger}");
    let out = deliver(dir, &project, &[]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(lines(&text, "sent ").is_empty(), "{text}");
    assert_eq!(lines(&text, "skipped  ").len(), sent.len(), "{text}");
    assert!(
        text.contains("skipped  weekly-review 2026-11-02T12:00Z company: already sent (in .postsale/deliveries.jsonl)"),
        "{text}"
    );
    assert_eq!(server.messages().len(), messages.len());
    // An hour later the weekly digests are still in the grace period and not resent; the
    // monthly review (the 2nd at 08:00, 13:00 UTC) is now due and goes out, alone.
    let later = postsale(
        &["deliver", "--project"],
        &project,
        &[
            "--now",
            "2026-11-02T13:05:00Z",
            "--site",
            path(&dir.join("site")),
        ],
    );
    assert!(later.status.success(), "{}", stderr(&later));
    assert_eq!(
        lines(&stdout(&later), "sent "),
        [
            "sent     monthly-review 2026-11-02T13:00Z company to ceo@example.com, cfo@example.com, vp-cs@example.com"
        ]
    );
    assert_eq!(server.messages().len(), messages.len() + 1);
    let ledger =
        std::fs::read_to_string(project.join(".postsale/deliveries.jsonl")).expect("ledger");
    assert_eq!(ledger.lines().count(), sent.len() + 1);

    // The outbox gets the same messages, with the same Message-IDs, and the ledger is untouched.
    let outbox = dir.join("outbox");
    let out = deliver(dir, &project, &["--outbox", path(&outbox)]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lines(&text, "written  ").len(), sent.len(), "{text}");
    assert!(
        outbox
            .join("csm-digest--20261102T1200Z--csm-CSM002.eml")
            .is_file()
    );
    let written = parse(&outbox);
    let ids = |ms: &[Value]| -> Vec<String> {
        ms.iter()
            .map(|m| m["message_id"].as_str().expect("id").to_string())
            .collect()
    };
    assert_eq!(ids(&written), ids(&messages));
    assert_eq!(
        std::fs::read_to_string(project.join(".postsale/deliveries.jsonl")).expect("ledger"),
        ledger
    );
    assert_eq!(server.messages().len(), messages.len() + 1);
}

#[test]
fn the_report_pdf_is_attached() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let project = example(dir, true);
    // A closed port: the outbox never connects.
    delivery_yaml(&project, free_port(), "");
    let outbox = dir.join("outbox");
    let out = deliver(dir, &project, &["--outbox", path(&outbox)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let eml =
        std::fs::read(outbox.join("weekly-review--20261102T1200Z--company.eml")).expect("eml");
    let messages = parse(&outbox);
    let weekly = messages
        .iter()
        .find(|m| m["file"] == "weekly-review--20261102T1200Z--company.eml")
        .expect("the weekly review");
    assert_eq!(check_mime(weekly), ["weekly-2026-W43.pdf"]);
    let pdf = &weekly["tree"]["parts"][1];
    assert_eq!(pdf["type"], "application/pdf");
    assert_eq!(
        pdf["head"].as_str().expect("head")[..8],
        *"25504446",
        "%PDF"
    );
    assert!(pdf["size"].as_u64().expect("size") > 10_000);
    // The outbox file is the message's bytes: written twice, the same bytes.
    let again = dir.join("again");
    let out = deliver(dir, &project, &["--outbox", path(&again)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(again.join("weekly-review--20261102T1200Z--company.eml")).expect("eml"),
        eml
    );
}

#[test]
fn a_refused_recipient_fails_with_the_server_reply_and_the_rest_is_sent() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let project = example(dir, false);
    let server = Server::start(dir, Some("cfo@example.com"));
    delivery_yaml(&project, server.port, "");
    let out = deliver(dir, &project, &[]);
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(!out.status.success(), "{text}");
    // The weekly review (to the CFO among others) and the alerts to leadership fail; each
    // failure names its recipients and the server's reply.
    let failed = lines(&err, "failed   ");
    assert!(
        failed.contains(
            &"failed   weekly-review 2026-11-02T12:00Z company to ceo@example.com, cfo@example.com, vp-cs@example.com; cc cs-ops@example.com: permanent error (550): 5.1.1 <cfo@example.com>: mailbox unavailable"
        ),
        "{err}"
    );
    let plural = if failed.len() == 1 { "" } else { "s" };
    assert!(
        err.contains(&format!(
            "error: {} message{plural} not sent:\n  weekly-review 2026-11-02T12:00Z company to ceo@example.com",
            failed.len()
        )),
        "{err}"
    );
    // The others went out and are in the ledger; the failed ones are not.
    let sent = lines(&text, "sent     ").len();
    assert!(sent > 10, "{text}");
    assert_eq!(server.messages().len(), sent);
    let ledger =
        std::fs::read_to_string(project.join(".postsale/deliveries.jsonl")).expect("ledger");
    assert_eq!(ledger.lines().count(), sent);
    assert!(!ledger.contains("cfo@example.com"), "{ledger}");
    assert!(
        text.contains(&format!("{sent} sent, {} failed", failed.len())),
        "{text}"
    );
    // The next run retries only the failed ones.
    let out = deliver(dir, &project, &[]);
    assert!(!out.status.success());
    assert!(lines(&stdout(&out), "sent ").is_empty());
    assert_eq!(lines(&stderr(&out), "failed   ").len(), failed.len());
}

#[test]
fn a_server_that_does_not_answer_fails_every_message_and_exits_non_zero() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let project = example(dir, false);
    delivery_yaml(&project, free_port(), "");
    let out = deliver(dir, &project, &[]);
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("failed   weekly-review 2026-11-02T12:00Z company to ceo@example.com, cfo@example.com, vp-cs@example.com; cc cs-ops@example.com: Connection error"),
        "{err}"
    );
    assert!(lines(&stdout(&out), "sent ").is_empty());
    let ledger =
        std::fs::read_to_string(project.join(".postsale/deliveries.jsonl")).expect("ledger");
    assert_eq!(ledger, "");
}

#[test]
fn deliver_refuses_a_stale_or_missing_site_and_missing_credentials() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let project = example(dir, false);
    delivery_yaml(
        &project,
        free_port(),
        ", username_env: POSTSALE_SMTP_USER, password_env: POSTSALE_SMTP_PASSWORD",
    );
    // Credentials named in delivery.yaml but absent from the environment.
    let out = deliver(dir, &project, &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).ends_with(
            "error: the SMTP user name is read from the environment variable POSTSALE_SMTP_USER (smtp in delivery.yaml), which is not set\n"
        ),
        "{}",
        stderr(&out)
    );
    // Refused before anything is sent or recorded.
    assert!(!project.join(".postsale/deliveries.jsonl").exists());
    // No site.
    let out = postsale(
        &["deliver", "--project"],
        &project,
        &["--now", MONDAY, "--site", path(&dir.join("nowhere"))],
    );
    assert!(stderr(&out).contains("no site at "), "{}", stderr(&out));
    assert!(stderr(&out).contains("run `postsale build` first"));
    // Another as-of date than the site's.
    let out = deliver(dir, &project, &["--as-of", "2026-10-01"]);
    assert!(
        stderr(&out).contains("was built as of 2026-11-01, not 2026-10-01"),
        "{}",
        stderr(&out)
    );
    // The data changed after the build.
    let csv = project.join("data/csms.csv");
    let mut text = std::fs::read_to_string(&csv).expect("csms");
    text.push_str("CSM099,New Person,new.person@example.com,,SMB Pod,60,60000.00\n");
    std::fs::write(&csv, text).expect("write");
    let out = deliver(dir, &project, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("was built from other inputs"), "{err}");
    assert!(
        err.contains("run `postsale build` before `postsale deliver`"),
        "{err}"
    );
}
