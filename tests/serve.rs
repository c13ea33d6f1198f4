//! `postsale serve` as a user gets it: the real binary on a copy of the site fixture, on a free
//! port, asked over plain HTTP (a std `TcpStream`). The site is served from 127.0.0.1 only, with
//! the live-reload script in the HTML responses but not in the files; paths leaving the site are
//! refused; a report edit, a new scenario or alert rule is rebuilt without reloading the data and
//! the build counter moves; a bad data file keeps the previous site served until it is fixed.

#[path = "common/tree.rs"]
mod tree;

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
    tree::copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    assert!(
        served.url.starts_with("http://127.0.0.1:"),
        "{}",
        served.url
    );
    assert!(
        served.stdout().contains("built 112 pages"),
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
    tree::copy_dir(&fixture(), &project);
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
        line.contains("→ reloaded reports, rebuilt 112 pages in"),
        "{line}"
    );
    assert!(line.ends_with("(data, rules and theme kept)"), "{line}");
}

#[test]
fn a_new_scenario_or_alert_rule_is_rebuilt_without_reloading_the_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    assert_eq!(served.get("/scenarios.html").0, 404);

    // A scenarios folder created while serving is watched from then on.
    std::fs::create_dir_all(project.join("scenarios")).expect("mkdir");
    wait_until("the new folder's rebuild", || {
        served
            .stdout()
            .contains("scenario changed: scenarios → reloaded rules")
    });
    // The example's price scenario, added while serving: the scenarios page appears.
    let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/price-increase.yaml");
    std::fs::copy(&example, project.join("scenarios/price-increase.yaml")).expect("copy");
    wait_until("the scenarios page", || {
        served.get("/scenarios.html").0 == 200
    });
    assert!(
        served
            .get("/scenarios.html")
            .2
            .contains("Price +10 % with churn elasticity 0.5")
    );
    wait_until("the rebuild line", || {
        served
            .stdout()
            .contains("scenario changed: scenarios/price-increase.yaml → reloaded rules")
    });
    let stdout = served.stdout();
    let line = stdout
        .lines()
        .find(|l| l.starts_with("scenario changed: scenarios/price-increase.yaml"))
        .expect("rebuild line");
    assert!(line.ends_with("(data, reports and theme kept)"), "{line}");

    // An alert rule on an unknown metric is refused with its place; the site stays.
    std::fs::write(
        project.join("alerts.yaml"),
        "rules:\n  low-nrr:\n    metric: nrrr\n    below: 100\n",
    )
    .expect("write");
    wait_until("the alert error", || {
        served.stderr().contains("alerts.yaml:3:")
    });
    assert!(
        served.stderr().contains("unknown metric 'nrrr'"),
        "{}",
        served.stderr()
    );
    assert_eq!(served.get("/scenarios.html").0, 200);
}

#[test]
fn a_bad_data_file_keeps_the_previous_site_until_it_is_fixed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
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
            .contains("data changed: data/mrr.csv → reloaded data, reports and rules")
    });
    assert_eq!(served.get("/").0, 200);
}

#[test]
fn a_project_that_does_not_build_is_served_once_fixed_and_theme_edits_apply() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
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
    // The site is swapped in before the line is printed: wait for it rather than race it.
    wait_until("the line of the first good build", || {
        served
            .stdout()
            .contains("report changed: reports/broken.md → reloaded everything")
    });
    assert!(served.get("/assets/style.css").2.contains("color: #111"));

    std::fs::write(&css, "body { color: #222; }\n").expect("write");
    wait_until("the new stylesheet", || {
        served.get("/assets/style.css").2.contains("color: #222")
    });
    wait_until("the rebuild line", || {
        served.stdout().contains(
            "theme changed: themes/default/static/style.css → reloaded theme, rebuilt 112 pages",
        )
    });
    assert!(served.stdout().contains("(data, reports and rules kept)"));
}

/// Sends `request` as it is on a new connection and returns the whole answer.
fn raw(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream.write_all(request.as_bytes()).expect("sends");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("reads");
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn a_request_for_another_host_name_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    let port = served.addr.port();
    // A web page on rebind.example whose name now resolves to 127.0.0.1 cannot read the site,
    // nor poll the build counter.
    for path in ["/", "/assets/style.css", "/__postsale/version"] {
        let answer = raw(
            served.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: rebind.example:{port}\r\n\r\n"),
        );
        assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
        assert!(
            answer.contains("answers only requests addressed to it"),
            "{answer}"
        );
        assert!(!answer.contains("Executive dashboard"));
    }
    // The same port on another name, and no name at all, are refused too.
    for host in [format!("127.0.0.1:{}", port + 1), "localhost".to_string()] {
        let answer = raw(
            served.addr,
            &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        );
        assert!(answer.starts_with("HTTP/1.1 403 "), "{host}: {answer}");
    }
    assert!(raw(served.addr, "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 403 "));
    // The names of this server are answered.
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        let answer = raw(
            served.addr,
            &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        );
        assert!(
            answer.starts_with("HTTP/1.1 200 OK\r\n"),
            "{host}: {answer}"
        );
        assert!(answer.contains("Executive dashboard"));
    }
}

/// The `Threads:` line of `/proc/PID/status`.
#[cfg(target_os = "linux")]
fn threads(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a thread count")
}

#[cfg(target_os = "linux")]
#[test]
fn idle_and_half_sent_connections_neither_add_threads_nor_hold_the_server() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    let pid = served.child.id();
    assert_eq!(served.get("/").0, 200);
    let before = threads(pid);

    // 300 connections that send nothing or half a request head, and stay open.
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut stream =
            TcpStream::connect_timeout(&served.addr, Duration::from_secs(10)).expect("connects");
        if i % 2 == 1 {
            stream
                .write_all(format!("GET / HTTP/1.1\r\nHost: {}", served.addr).as_bytes())
                .expect("sends");
        }
        idle.push(stream);
    }
    std::thread::sleep(Duration::from_millis(500));
    let during = threads(pid);
    assert!(
        during <= before + 2,
        "{before} threads before, {during} with 300 idle connections"
    );
    // The server answers at once meanwhile.
    let started = Instant::now();
    assert_eq!(served.get("/").0, 200);
    assert_eq!(served.get("/assets/style.css").0, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Half a request is answered 408 and closed after a few seconds, not held.
    let mut half =
        TcpStream::connect_timeout(&served.addr, Duration::from_secs(10)).expect("connects");
    half.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let sent = Instant::now();
    half.write_all(format!("GET / HTTP/1.1\r\nHost: {}\r\n", served.addr).as_bytes())
        .expect("sends");
    let mut answer = String::new();
    half.read_to_string(&mut answer)
        .expect("closed by the server");
    let held = sent.elapsed();
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    assert!(
        held >= Duration::from_secs(3) && held < Duration::from_secs(15),
        "{held:?}"
    );
    drop(idle);
    assert!(threads(pid) <= before + 2);
    assert_eq!(served.get("/").0, 200);
}

#[test]
fn a_busy_port_fails_before_building_anything() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = busy.local_addr().expect("address").port();
    let listing = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing(&project);
    let output = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "serve",
            "--no-pdf",
            "--port",
            &port.to_string(),
            "--project",
        ])
        .arg(&project)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("failed to listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing was built");
    // No output folder, no temporary folder: the project is as it was.
    assert_eq!(listing(&project), before);
    assert!(!project.join("site").exists());
}

#[test]
fn a_rebuild_that_fails_while_rendering_keeps_the_site_and_leaves_no_temporary_folder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
    let served = Served::start(&project);
    let before = served.version();
    let (_, _, home_before) = served.get("/");

    // Loads and checks, fails only while its page renders (after the temporary folder exists).
    std::fs::write(
        project.join("reports/late.md"),
        "---\ntitle: Late\n---\n{{ nosuch_variable }}\n",
    )
    .expect("write");
    wait_until("the failed rebuild", || {
        served
            .stderr()
            .contains("report changed: reports/late.md → build failed")
    });
    assert!(
        served.stderr().contains("nosuch_variable"),
        "{}",
        served.stderr()
    );
    let leftovers: Vec<String> = std::fs::read_dir(&project)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(served.version(), before);
    assert_eq!(served.get("/").2, home_before);

    std::fs::remove_file(project.join("reports/late.md")).expect("rm");
    wait_until("the rebuild after the fix", || served.version() != before);
    assert_eq!(served.get("/").0, 200);
}

/// Passes with a loader that reads data files into memory; a memory-mapped file truncated while
/// it is parsed stops the process with SIGBUS (the serve helper's branch alone, before the data
/// files were read rather than mapped, fails here).
#[test]
fn a_data_file_rewritten_in_place_over_and_over_never_stops_the_server() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&fixture(), &project);
    let mut served = Served::start(&project);
    let (_, _, home_before) = served.get("/");

    // An editor or a script truncating and rewriting the file in place, while serve reads it.
    let csv = project.join("data/activities.csv");
    let good = std::fs::read(&csv).expect("read");
    let rows = good
        .iter()
        .position(|&b| b == b'\n')
        .map_or(&good[..0], |at| &good[at + 1..]);
    let mut big = good.clone();
    for _ in 0..200 {
        big.extend_from_slice(rows);
    }
    let started = Instant::now();
    let mut rewrites = 0;
    while started.elapsed() < Duration::from_secs(15) {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&csv)
            .expect("open");
        file.set_len(0).expect("truncate");
        file.write_all(&big[..big.len() / 2]).expect("write");
        std::thread::sleep(Duration::from_millis(10));
        file.write_all(&big[big.len() / 2..]).expect("write");
        drop(file);
        rewrites += 1;
        let status = served.child.try_wait().expect("status");
        assert!(
            status.is_none(),
            "the server stopped ({status:?}) after {rewrites} rewrites:\n{}",
            served.stderr()
        );
        std::thread::sleep(Duration::from_millis(40));
    }
    std::fs::write(&csv, &good).expect("write");
    wait_until("the site as it was", || {
        served.get("/").2 == home_before || served.child.try_wait().ok().flatten().is_some()
    });
    assert!(
        served.child.try_wait().expect("status").is_none(),
        "{}",
        served.stderr()
    );
    assert_eq!(served.get("/").2, home_before);
}
