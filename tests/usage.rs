//! `postsale usage` run as a user would, on the repository's example project (as of 2026-11-01,
//! pinned in postsale.yaml) with access logs written below, one plain and one gzip-compressed
//! under a name without `.gz`. The expected counts are worked out by hand next to each line.

#[path = "common/tree.rs"]
mod tree;

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FF: &str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0";
const CHROME: &str = "Mozilla/5.0 Chrome/131.0";

fn combined(
    client: &str,
    user: &str,
    time: &str,
    request: &str,
    status: u16,
    agent: &str,
) -> String {
    format!("{client} - {user} [{time}] \"{request}\" {status} 1234 \"-\" \"{agent}\"\n")
}

/// The plain log, with what each line counts as.
fn plain_log(prefix: &str) -> String {
    let get = |path: &str| format!("GET {prefix}{path} HTTP/1.1");
    [
        // 1. index, reader (10.0.0.1, Firefox).
        combined(
            "10.0.0.1",
            "-",
            "30/Oct/2026:09:00:00 +0000",
            &get("/index.html"),
            200,
            FF,
        ),
        // 2. A stylesheet: not a view.
        combined(
            "10.0.0.1",
            "-",
            "30/Oct/2026:09:00:01 +0000",
            &get("/assets/style.css"),
            200,
            FF,
        ),
        // 3. index again (the site root, not modified), same reader.
        combined(
            "10.0.0.1",
            "-",
            "25/Oct/2026:09:00:00 +0000",
            &get("/"),
            304,
            FF,
        ),
        // 4. weekly, reader (10.0.0.2, Chrome).
        combined(
            "10.0.0.2",
            "-",
            "20/Oct/2026:10:00:00 +0000",
            &get("/weekly/2026-W42.html"),
            200,
            CHROME,
        ),
        // 5. A further range of a PDF: not a view.
        combined(
            "10.0.0.2",
            "-",
            "20/Oct/2026:10:00:05 +0000",
            &get("/weekly/2026-W42.pdf"),
            206,
            CHROME,
        ),
        // 6. monthly PDF 52 days before as-of: in the 90-day window only.
        combined(
            "10.0.0.2",
            "-",
            "10/Sep/2026:10:00:00 +0000",
            &get("/monthly/2026-08.pdf"),
            200,
            CHROME,
        ),
        // 7. accounts, user bob, 31 days before as-of: 90-day window only (Common Log Format).
        format!(
            "10.0.0.3 - bob [01/Oct/2026:08:00:00 +0000] \"{}\" 200 512\n",
            get("/accounts/ACC00030.html")
        ),
        // 8. accounts, bob from another address, 30 days before: both windows, same reader.
        format!(
            "10.0.0.4 - bob [02/Oct/2026:08:00:00 +0000] \"{}\" 200 512\n",
            get("/accounts/index.html")
        ),
        // 9. A crawler: left out.
        combined(
            "66.249.66.1",
            "-",
            "28/Oct/2026:00:00:00 +0000",
            &get("/operations.html"),
            200,
            "Googlebot/2.1",
        ),
        // 10. Not a log line.
        "oops\n".to_string(),
        // 11. On the as-of date: left out.
        combined(
            "10.0.0.5",
            "-",
            "01/Nov/2026:07:00:00 +0000",
            &get("/weekly/"),
            200,
            FF,
        ),
        // 12. A metric page: the site's own, not a report.
        combined(
            "10.0.0.5",
            "-",
            "29/Oct/2026:07:00:00 +0000",
            &get("/metrics/nrr.html"),
            200,
            FF,
        ),
        // 13. Not a GET.
        combined(
            "10.0.0.5",
            "-",
            "29/Oct/2026:07:00:00 +0000",
            &format!("POST {prefix}/weekly/ HTTP/1.1"),
            200,
            FF,
        ),
    ]
    .concat()
}

/// The gzip log.
fn gzip_log(prefix: &str) -> Vec<u8> {
    let get = |path: &str| format!("GET {prefix}{path} HTTP/1.1");
    let text = [
        // 1. board, 123 days before as-of: only its last view.
        combined(
            "10.0.0.6",
            "-",
            "01/Jul/2026:12:00:00 +0000",
            &get("/board/2026-Q2.html"),
            200,
            "Safari/17",
        ),
        // 2. quarterly at 23:30 on 31 October at -07:00 (1 November in UTC): the log's day
        //    counts, so it is before as-of.
        combined(
            "10.0.0.1",
            "-",
            "31/Oct/2026:23:30:00 -0700",
            &get("/quarterly/2026-Q3.html"),
            200,
            FF,
        ),
    ]
    .concat();
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

fn write_logs(dir: &Path, prefix: &str) -> [PathBuf; 2] {
    let plain = dir.join("access.log");
    let gz = dir.join("access.log.2");
    std::fs::write(&plain, plain_log(prefix)).unwrap();
    std::fs::write(&gz, gzip_log(prefix)).unwrap();
    [plain, gz]
}

fn postsale(args: &[&str], logs: &[PathBuf]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postsale"));
    cmd.arg("usage")
        .arg("--project")
        .arg(env!("CARGO_MANIFEST_DIR"));
    for log in logs {
        cmd.arg("--log").arg(log);
    }
    cmd.args(args).output().expect("the postsale binary runs")
}

fn json(args: &[&str], logs: &[PathBuf]) -> (serde_json::Value, String) {
    let out = postsale(&[args, &["--format", "json"]].concat(), logs);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "stderr: {stderr}");
    (serde_json::from_slice(&out.stdout).unwrap(), stderr)
}

/// (report, views 30, readers 30, views 90, readers 90, last view), in output order.
fn rows(usage: &serde_json::Value) -> Vec<(String, u64, u64, u64, u64, String)> {
    usage["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["report"].as_str().unwrap().to_string(),
                r["views_30"].as_u64().unwrap(),
                r["readers_30"].as_u64().unwrap(),
                r["views_90"].as_u64().unwrap(),
                r["readers_90"].as_u64().unwrap(),
                r["last_view"].as_str().unwrap_or("never").to_string(),
            )
        })
        .collect()
}

fn expected() -> Vec<(String, u64, u64, u64, u64, String)> {
    [
        ("index", 2, 1, 2, 1, "2026-10-30"),
        ("accounts", 1, 1, 2, 1, "2026-10-02"),
        ("quarterly", 1, 1, 1, 1, "2026-10-31"),
        ("weekly", 1, 1, 1, 1, "2026-10-20"),
        ("monthly", 0, 0, 1, 1, "2026-09-10"),
        ("annual", 0, 0, 0, 0, "never"),
        ("board", 0, 0, 0, 0, "2026-07-01"),
        ("board-deck", 0, 0, 0, 0, "never"),
        ("csm", 0, 0, 0, 0, "never"),
        ("drivers", 0, 0, 0, 0, "never"),
        ("operations", 0, 0, 0, 0, "never"),
        ("segments", 0, 0, 0, 0, "never"),
    ]
    .map(|(s, a, b, c, d, e)| (s.to_string(), a, b, c, d, e.to_string()))
    .to_vec()
}

#[test]
fn usage_of_the_example_project_from_a_plain_and_a_gzip_log() {
    let dir = tempfile::tempdir().unwrap();
    let logs = write_logs(dir.path(), "");
    let (usage, stderr) = json(&[], &logs);
    assert_eq!(usage["as_of"], "2026-11-01");
    assert_eq!(rows(&usage), expected());
    // Never viewed first (by name), then the longest unread.
    assert_eq!(
        usage["sunset"],
        serde_json::json!([
            "annual",
            "board-deck",
            "csm",
            "drivers",
            "operations",
            "segments",
            "board"
        ])
    );
    assert_eq!(
        usage["logs"],
        serde_json::json!({
            "files": 2, "lines": 15, "malformed": 1,
            "first_day": "2026-07-01", "last_day": "2026-11-01",
            "site_page_views": 1, "bot_requests": 1, "after_as_of": 1
        })
    );
    assert_eq!(usage["covered_days"], 90);
    // The bad line, by file and line, and nothing else.
    let log = logs[0].display().to_string();
    assert_eq!(
        stderr,
        format!(
            "{log}:10:5: warning: expected the identity field ('-')\n  help: the line is skipped\n"
        )
    );
}

#[test]
fn the_table_lists_reports_then_sunset_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let logs = write_logs(dir.path(), "");
    let out = postsale(&["--as-of", "2026-11-01"], &logs);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Report usage as of 2026-11-01 (the 30 and 90 days before; site path /)"
    );
    assert_eq!(
        lines[1].split_whitespace().collect::<Vec<_>>().join(" "),
        "report title views 30d readers 30d views 90d readers 90d last view"
    );
    assert_eq!(
        lines[2].split_whitespace().collect::<Vec<_>>().join(" "),
        "index Executive dashboard 2 1 2 1 2026-10-30"
    );
    assert!(text.contains(
        "Sunset candidates (no view in 90 days):\n  reports/annual.md (Annual review): never viewed\n"
    ));
    assert!(text.contains("  reports/board.md (Board snapshot): last viewed 2026-07-01\n"));
    assert!(text.contains(
        "left out: 1 bot request, 1 view from 2026-11-01 on; 1 view of the site's own pages."
    ));
}

#[test]
fn a_site_under_a_sub_path_counts_only_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let logs = write_logs(dir.path(), "/reports/cs");
    let (usage, _) = json(&["--base-path", "/reports/cs/"], &logs);
    assert_eq!(usage["base_path"], "/reports/cs/");
    assert_eq!(rows(&usage), expected());
    // Without the base path nothing maps, and the command says what to pass.
    let out = postsale(&[], &logs);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: no request in the logs is a view of a report under '/'")
            && stderr.contains("pass it with --base-path"),
        "{stderr}"
    );
}

#[test]
fn the_usage_page_is_standalone() {
    let dir = tempfile::tempdir().unwrap();
    let logs = write_logs(dir.path(), "");
    let page = dir.path().join("usage.html");
    let out = postsale(&["--html", page.to_str().unwrap()], &logs);
    assert!(out.status.success());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<title>Report usage · Example CS</title>"));
    // The theme's stylesheet inlined; nothing fetched. (Tera's escaping writes `/` as `&#x2F;`.)
    assert!(html.contains("<style>") && html.contains("table.data"));
    assert!(!html.contains("<link") && !html.contains("<script") && !html.contains("src="));
    assert!(html.contains(
        "<tr><th scope=\"row\">Executive dashboard<br><code>reports&#x2F;index.md</code></th>\
         <td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">2</td>\
         <td class=\"num\">1</td><td>2026-10-30</td></tr>"
    ));
    assert!(html.contains(
        "<li><strong>Board snapshot</strong> (<code>reports&#x2F;board.md</code>): last viewed 2026-07-01</li>"
    ));
}

#[test]
fn unreadable_logs_fail_with_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.log");
    let json_log = dir.path().join("app.json");
    std::fs::write(&json_log, "{\"level\":\"info\"}\n").unwrap();
    let out = postsale(&[], &[missing.clone(), json_log.clone()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{}: error: cannot read the log:",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{}: error: no line is in Common or Combined Log Format",
            json_log.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:1:", json_log.display())),
        "{stderr}"
    );
}

#[test]
fn check_warns_about_the_sunset_candidates_at_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let logs = write_logs(dir.path(), "");
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("check")
        .arg("--project")
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg("--usage-log")
        .args(&logs)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Warnings: check still passes.
    assert!(out.status.success(), "{stderr}");
    let sunset: Vec<&str> = stderr
        .lines()
        .filter(|l| l.ends_with("a sunset candidate"))
        .collect();
    assert_eq!(sunset.len(), 7, "{stderr}");
    assert_eq!(
        sunset[0],
        "reports/annual.md: warning: no view in the 90 days before 2026-11-01 (never viewed in the logs): a sunset candidate"
    );
    assert_eq!(
        sunset[6],
        "reports/board.md: warning: no view in the 90 days before 2026-11-01 (last viewed 2026-07-01): a sunset candidate"
    );
    assert!(stderr.contains(":10:5: warning: expected the identity field"));
}

#[test]
fn logs_named_in_postsale_yaml_give_the_site_a_usage_page_and_check_its_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["data", "reports", "themes"] {
        tree::copy_dir(&root.join(folder), &project.join(folder));
    }
    let mut config = std::fs::read_to_string(root.join("postsale.yaml")).unwrap();
    config.push_str("usage:\n  logs: [logs/]\n  base_path: /cs/\n");
    std::fs::write(project.join("postsale.yaml"), config).unwrap();
    std::fs::create_dir_all(project.join("logs")).unwrap();
    write_logs(&project.join("logs"), "/cs");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args(args)
            .arg("--project")
            .arg(&project)
            .output()
            .unwrap()
    };

    // `postsale usage` with no --log reads the folder's two logs, under the configured path.
    let out = run(&["usage", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let usage: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows(&usage), expected());
    assert_eq!(usage["base_path"], "/cs/");

    // The build writes the usage page into the site, and repeats the sunset warnings.
    let site = dir.path().join("out").join("site");
    let out = run(&["build", "--no-pdf", "--out", site.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let html = std::fs::read_to_string(site.join("usage.html")).unwrap();
    assert!(html.contains(
        "<tr><th scope=\"row\">Executive dashboard<br><code>reports&#x2F;index.md</code></th>\
         <td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">2</td>\
         <td class=\"num\">1</td><td>2026-10-30</td></tr>"
    ));
    assert_eq!(stderr.matches("a sunset candidate").count(), 7, "{stderr}");

    // `postsale check` warns without being given the logs.
    let out = run(&["check"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(
        "reports/annual.md: warning: no view in the 90 days before 2026-11-01 (never viewed in the logs): a sunset candidate"
    ), "{stderr}");

    // A log path that is not there fails the build and check, naming it.
    let mut config = std::fs::read_to_string(project.join("postsale.yaml")).unwrap();
    config = config.replace("logs: [logs/]", "logs: [logs/, old/access.log]");
    std::fs::write(project.join("postsale.yaml"), config).unwrap();
    for args in [
        &["check"][..],
        &["build", "--no-pdf", "--out", site.to_str().unwrap()],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains(
            "postsale.yaml: error: the usage log 'old/access.log' does not exist (expected a file or a folder of access logs)"
        ));
    }
    // The failed build left the site as it was.
    assert!(site.join("usage.html").is_file());
}
