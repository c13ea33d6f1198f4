//! The example site checked with real tools, as a reader and a validator see it: the Nu HTML
//! Checker (`vnu-jar`, with CSS and SVG checking) on one page of every kind, then headless
//! Chromium with axe-core (`tests/browser/check.mjs`) on one page of every kind, 1400 and 420 px
//! wide: no console error, no request leaving the site, charts drawn, tables sortable, no
//! accessibility violation, and the layout measured in the browser (no sideways page scroll,
//! chart text at least 11 px as rendered, tables scrolling in their box with a hint, a Menu
//! button on a phone, charts as wide as the content on a desktop). The tools are installed by
//! `scripts/test.sh`; a missing tool fails the test with the command that installs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn browser_dir() -> PathBuf {
    root().join("tests/browser")
}

/// Panics with the install command when `program` is not runnable.
fn require(program: &str, version_arg: &str, install: &str) {
    let ok = Command::new(program)
        .arg(version_arg)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{program}` is needed by this test and was not found; install it with `{install}` \
         (scripts/test.sh installs every tool the tests need)"
    );
}

fn require_node_modules() {
    let modules = browser_dir().join("node_modules");
    for m in ["playwright-core", "axe-core", "vnu-jar"] {
        assert!(
            modules.join(m).is_dir(),
            "tests/browser/node_modules/{m} is missing; install it with \
             `npm ci --prefix tests/browser` (scripts/test.sh does this)"
        );
    }
}

/// Builds the example project (HTML only) into a temporary folder.
fn build_example() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["build", "--no-pdf", "--project"])
        .arg(root())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs postsale");
    assert!(
        result.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    (tmp, out)
}

/// One page of every kind: each top-level page, and in each folder its index and its first
/// other page (an account, a CSM, a metric, a report issue, ...), as paths relative to the site.
fn sample_of_every_kind(site: &Path) -> Vec<String> {
    let mut by_folder: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(site).sort_by_file_name() {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(site)
            .expect("inside")
            .to_string_lossy()
            .replace('\\', "/");
        // The e-mail digests of mail/ are messages, not site pages (no navigation, table
        // layout for mail clients): tests/mail.rs checks them.
        if !rel.ends_with(".html") || rel.starts_with("mail/") {
            continue;
        }
        let folder = rel.rsplit_once('/').map_or("", |(f, _)| f).to_string();
        by_folder.entry(folder).or_default().push(rel);
    }
    let mut sample = Vec::new();
    for (folder, pages) in by_folder {
        if folder.is_empty() {
            sample.extend(pages);
            continue;
        }
        let index = format!("{folder}/index.html");
        if pages.contains(&index) {
            sample.push(index.clone());
        }
        if let Some(first) = pages.iter().find(|p| **p != index) {
            sample.push(first.clone());
        }
    }
    sample
}

#[test]
fn nu_html_checker_finds_no_error_on_any_page_kind() {
    require(
        "java",
        "-version",
        "apt-get install -y default-jre-headless",
    );
    require_node_modules();
    let (_tmp, site) = build_example();
    let pages = sample_of_every_kind(&site);
    assert!(pages.len() >= 15, "too few page kinds: {pages:?}");
    let vnu = browser_dir().join("node_modules/vnu-jar/build/dist/vnu.jar");
    let result = Command::new("java")
        .arg("-jar")
        .arg(&vnu)
        .args(["--errors-only", "--also-check-css", "--also-check-svg"])
        .args(&pages)
        .arg("assets/style.css")
        .current_dir(&site)
        .output()
        .expect("runs the Nu HTML Checker");
    let report = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success() && report.trim().is_empty(),
        "the Nu HTML Checker found errors in {pages:?}:\n{report}"
    );
}

#[test]
fn chromium_shows_every_page_kind_cleanly_at_1400_and_420_px() {
    require("node", "--version", "apt-get install -y nodejs npm");
    let chromium =
        std::env::var("POSTSALE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    require(&chromium, "--version", "apt-get install -y chromium");
    require_node_modules();
    let (tmp, site) = build_example();
    // An account with data behind every chart: the first of the CSM's book, linked from its page.
    let csm = "csm/CSM001.html";
    let csm_html = std::fs::read_to_string(site.join(csm))
        .expect("CSM page")
        .replace("&#x2F;", "/");
    let account = csm_html
        .split("href=\"../accounts/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|file| *file != "index.html")
        .map(|file| format!("accounts/{file}"))
        .expect("the CSM page links to an account");
    let with_charts = ["index.html", csm, &account, "operations.html"].map(String::from);
    let mut pages = with_charts.to_vec();
    for page in sample_of_every_kind(&site) {
        if !pages.contains(&page) {
            pages.push(page);
        }
    }
    let shots = tmp.path().join("screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    let result = Command::new("node")
        .arg(browser_dir().join("check.mjs"))
        .arg(&site)
        .arg(&shots)
        .args(&pages)
        .env("POSTSALE_CHROMIUM", &chromium)
        .output()
        .expect("runs node");
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "browser check failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    // Every page was checked at both widths.
    assert_eq!(stdout.lines().count(), 2 * pages.len(), "{stdout}");
    for line in stdout.lines() {
        assert!(line.ends_with(", 0 problems"), "{line}");
        // "… chart text >= 11.4 px, …": the smallest chart text on screen, as rendered.
        if let Some(px) = line
            .split("chart text >= ")
            .nth(1)
            .and_then(|rest| rest.split(" px").next())
        {
            let px: f64 = px.parse().expect("a size in px");
            assert!(px >= 11.0, "{line}");
        }
    }
    // The pages with charts drew them, on the desktop and on the phone.
    for page in &with_charts {
        for width in ["1400", "420"] {
            let line = stdout
                .lines()
                .find(|l| l.starts_with(&format!("{page} @{width}px:")))
                .unwrap_or_else(|| panic!("{page} at {width} px not checked:\n{stdout}"));
            assert!(!line.contains(": 0 charts"), "no chart drawn: {line}");
            // The CSM page's charts are its tiles' sparklines, without text.
            if page != csm {
                assert!(line.contains("chart text >= "), "no chart text: {line}");
            }
        }
    }
}
