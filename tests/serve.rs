//! `postsale serve` as a user gets it: the real binary on a copy of the site fixture, on a free
//! port, asked over plain HTTP (a std `TcpStream`). The site is served from 127.0.0.1 only, with
//! the live-reload script in the HTML responses but not in the files; paths leaving the site are
//! refused; a report edit is rebuilt without reloading the data and the build counter moves; a
//! bad data file keeps the previous site served until it is fixed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a build may take on a busy machine before a test gives up.
const PATIENCE: Duration = Duration::from_secs(60);

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/site")
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Polls `done` every 100 ms until it holds or `PATIENCE` runs out.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running `postsale serve`, killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
    url: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies everything `stream` prints into a shared string.
fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            let mut sink = sink.lock().expect("lock");
            sink.push_str(&line);
            sink.push('\n');
        }
    });
    text
}

impl Served {
    /// Starts `postsale serve --port 0` on `project` and waits for its URL.
    fn start(project: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args(["serve", "--port", "0", "--no-pdf", "--project"])
            .arg(project)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs postsale serve");
        let stdout = collect(child.stdout.take().expect("stdout"));
        let stderr = collect(child.stderr.take().expect("stderr"));
        let mut served = Served {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            url: String::new(),
            stdout,
            stderr,
        };
        wait_until("the serving line", || {
            served.stdout().contains("(Ctrl+C to stop)")
                || served.child.try_wait().ok().flatten().is_some()
        });
        let stdout = served.stdout();
        let line = stdout
            .lines()
            .find(|l| l.starts_with("serving "))
            .unwrap_or_else(|| panic!("no serving line: {stdout}\n{}", served.stderr()));
        let url = line
            .split(" at ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .expect("a URL")
            .to_string();
        served.addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("an address");
        served.url = url;
        served
    }

    fn stdout(&self) -> String {
        self.stdout.lock().expect("lock").clone()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Sends a raw request for `path` and returns the status, the headers and the body.
    fn request(&self, method: &str, path: &str) -> (u16, String, String) {
        let mut stream =
            TcpStream::connect_timeout(&self.addr, Duration::from_secs(10)).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("sends");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("reads");
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response.split_once("\r\n\r\n").expect("a response");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        (status, head.to_ascii_lowercase(), body.to_string())
    }

    fn get(&self, path: &str) -> (u16, String, String) {
        self.request("GET", path)
    }

    fn version(&self) -> String {
        let (status, _, body) = self.get("/__postsale/version");
        assert_eq!(status, 200);
        body
    }
}

#[test]
fn serves_the_site_from_loopback_with_live_reload_and_refuses_traversal() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    assert!(
        served.stdout().contains("built 110 pages"),
        "{}",
        served.stdout()
    );

    let (status, head, home) = served.get("/");
    assert_eq!(status, 200);
    assert!(
        head.contains("content-type: text/html; charset=utf-8"),
        "{head}"
    );
    assert!(home.contains("Executive dashboard"));
    let script = home
        .find("/__postsale/version")
        .expect("the live-reload script");
    assert!(script < home.rfind("</body>").expect("body end"));
    // Served from the build output, which is what `postsale build` writes: no script in it.
    let on_disk = std::fs::read_to_string(project.join("site/index.html")).expect("built");
    assert!(!on_disk.contains("__postsale"));

    let (status, head, _) = served.get("/assets/style.css");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/css"), "{head}");
    let (status, head, _) = served.get("/monthly/2026-03.html?x=1");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    // A folder is its index page, at an address ending with '/' so relative links work.
    assert_eq!(served.get("/monthly/").0, 200);
    let (status, head, _) = served.get("/monthly");
    assert_eq!(status, 301);
    assert!(head.contains("location: /monthly/"), "{head}");

    let (status, _, page) = served.get("/no-such-page.html");
    assert_eq!(status, 404);
    assert!(
        page.contains("/__postsale/version"),
        "the 404 page reloads too"
    );
    for traversal in [
        "/../../etc/passwd",
        "/monthly/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
    ] {
        let (status, _, body) = served.get(traversal);
        assert!(status == 400 || status == 404, "{traversal}: {status}");
        assert!(!body.contains("root:"), "{traversal}");
    }
    assert_eq!(served.request("POST", "/").0, 405);
    assert_eq!(served.request("HEAD", "/").0, 200);

    // A second server on the same port says so at once, before building anything (into an
    // output folder elsewhere: the first server holds the lock of the project's outputs).
    let second = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "serve",
            "--port",
            &served.addr.port().to_string(),
            "--project",
        ])
        .arg(&project)
        .arg("--out")
        .arg(tmp.path().join("elsewhere/site"))
        .output()
        .expect("runs");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains(&format!(
            "failed to listen on 127.0.0.1:{}",
            served.addr.port()
        )),
        "{stderr}"
    );
    assert!(second.stdout.is_empty());
    // Into the same output folder, the first server's lock refuses it.
    let third = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["serve", "--port", "0", "--project"])
        .arg(&project)
        .output()
        .expect("runs");
    assert!(!third.status.success());
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(
        stderr.contains("another postsale build or serve is writing an output folder in"),
        "{stderr}"
    );

    // Bound to 127.0.0.1 itself, not to every address: another loopback address is refused.
    #[cfg(target_os = "linux")]
    {
        let other = SocketAddr::from(([127, 0, 0, 2], served.addr.port()));
        assert!(TcpStream::connect_timeout(&other, Duration::from_secs(2)).is_err());
    }
}

#[test]
fn a_report_edit_is_rebuilt_without_reloading_the_data_and_the_page_reloads() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    let before = served.version();

    let report = project.join("reports/index.md");
    let mut text = std::fs::read_to_string(&report).expect("read");
    text.push_str("\nA sentence added while serving.\n");
    std::fs::write(&report, text).expect("write");

    wait_until("a new build", || served.version() != before);
    let (_, _, home) = served.get("/");
    assert!(home.contains("A sentence added while serving."));
    wait_until("the rebuild line", || {
        served.stdout().contains("report changed: reports/index.md")
    });
    let stdout = served.stdout();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("report changed"))
        .expect("rebuild line");
    assert!(
        line.contains("→ reloaded reports, rebuilt 110 pages in"),
        "{line}"
    );
    assert!(line.ends_with("(data and theme kept)"), "{line}");
}

#[test]
fn a_bad_data_file_keeps_the_previous_site_until_it_is_fixed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    let before = served.version();
    let (_, _, home_before) = served.get("/");

    let mrr = project.join("data/mrr.csv");
    let good = std::fs::read_to_string(&mrr).expect("read");
    std::fs::write(&mrr, format!("{good}ACC00001,2026-13,100.00\n")).expect("write");
    wait_until("the failed rebuild", || {
        served
            .stderr()
            .contains("data changed: data/mrr.csv → build failed")
    });
    let stderr = served.stderr();
    assert!(
        stderr.contains("data/mrr.csv:") && stderr.contains("error: bad month in column 'month'"),
        "{stderr}"
    );
    // The previous site is still served, and no reload is asked for.
    assert_eq!(served.version(), before);
    let (status, _, home) = served.get("/");
    assert_eq!(status, 200);
    assert_eq!(home, home_before);

    std::fs::write(&mrr, good).expect("write");
    wait_until("the rebuild after the fix", || served.version() != before);
    wait_until("the rebuild line", || {
        served
            .stdout()
            .contains("data changed: data/mrr.csv → reloaded data and reports")
    });
    assert_eq!(served.get("/").0, 200);
}

#[test]
fn a_project_that_does_not_build_is_served_once_fixed_and_theme_edits_apply() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    copy_dir(&fixture(), &project);
    let broken = project.join("reports/broken.md");
    std::fs::write(
        &broken,
        "---\ntitle: Broken\n---\n{{ kpis(metrics=\"nrrr\") }}\n",
    )
    .expect("write");
    let css = project.join("themes/default/static/style.css");
    std::fs::create_dir_all(css.parent().expect("parent")).expect("mkdir");
    std::fs::write(&css, "body { color: #111; }\n").expect("write");

    // The server starts anyway, with the problems printed as `postsale build` prints them.
    let served = Served::start(&project);
    wait_until("the problems", || {
        served.stderr().contains("the first build failed")
    });
    let stderr = served.stderr();
    assert!(
        stderr.contains("reports/broken.md:4:9: error: unknown metric 'nrrr'"),
        "{stderr}"
    );
    assert_eq!(served.get("/").0, 404);

    std::fs::remove_file(&broken).expect("rm");
    wait_until("the first good build", || served.get("/").0 == 200);
    assert!(
        served
            .stdout()
            .contains("report changed: reports/broken.md → reloaded everything")
    );
    assert!(served.get("/assets/style.css").2.contains("color: #111"));

    std::fs::write(&css, "body { color: #222; }\n").expect("write");
    wait_until("the new stylesheet", || {
        served.get("/assets/style.css").2.contains("color: #222")
    });
    wait_until("the rebuild line", || {
        served.stdout().contains(
            "theme changed: themes/default/static/style.css → reloaded theme, rebuilt 110 pages",
        )
    });
    assert!(served.stdout().contains("(data and reports kept)"));
}
