//! The site as a user gets it: `postsale build` on the example project and on small fixture
//! projects, then every internal link and asset followed, no external reference, the same bytes
//! twice, a failed build leaving the old site alone, `check` on broken reports, and `init`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build(project: &Path, out: &Path) -> std::process::Output {
    bin()
        .args(["build", "--no-pdf", "--project"])
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs postsale")
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(entry.path()).expect("read"));
        }
    }
    out
}

/// The values of `attr="..."` in an HTML text, with character references decoded as a
/// browser does (Tera escapes `/` as `&#x2F;`).
fn attributes(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"').map(|end| {
                rest[..end]
                    .replace("&#x2F;", "/")
                    .replace("&#x27;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&")
            })
        })
        .collect()
}

/// Resolves a relative reference from the page at `page` (a path in the site).
fn resolve(page: &str, reference: &str) -> String {
    let target = reference.split(['#', '?']).next().unwrap_or("");
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for p in target.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn check_links(site: &BTreeMap<String, Vec<u8>>) -> usize {
    let mut followed = 0;
    let mut broken = BTreeSet::new();
    for (path, bytes) in site {
        if !path.ends_with(".html") {
            continue;
        }
        let html = std::str::from_utf8(bytes).expect("UTF-8 page");
        for attr in ["href", "src"] {
            for reference in attributes(html, attr) {
                assert!(
                    !reference.contains("://") && !reference.starts_with("//"),
                    "{path}: external reference {reference}"
                );
                assert!(
                    !reference.starts_with('/'),
                    "{path}: absolute link {reference} (links must be relative)"
                );
                if reference.starts_with('#') || reference.starts_with("mailto:") {
                    continue;
                }
                // An entity page's CSV downloads travel inside it.
                if let Some(data) = reference.strip_prefix("data:") {
                    assert!(
                        data.starts_with("text/csv;charset=utf-8,"),
                        "{path}: data link {reference}"
                    );
                    continue;
                }
                followed += 1;
                let target = resolve(path, &reference);
                if !site.contains_key(&target) {
                    broken.insert(format!("{path} -> {reference}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    followed
}

#[test]
fn example_site_has_every_page_kind_and_no_broken_link() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let result = build(&root(), &out);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let site = files(&out);
    for page in [
        "index.html",
        "operations.html",
        "monthly/2026-10.html",
        "monthly/index.html",
        "weekly/2026-W43.html",
        "quarterly/2026-Q3.html",
        "annual/2025.html",
        "board/2026-Q3.html",
        "csm/index.html",
        "csm/CSM001.html",
        "accounts/ACC00001.html",
        "segments/Enterprise.html",
        "metrics/nrr.html",
        "definitions.html",
        "data-quality.html",
        "assets/style.css",
        "assets/site.js",
    ] {
        assert!(site.contains_key(page), "missing {page}");
    }
    let followed = check_links(&site);
    assert!(followed > 10_000, "only {followed} links followed");
    // Every chart carries its text alternative.
    let home = String::from_utf8_lossy(&site["index.html"]).into_owned();
    assert!(home.contains("<title id=\"chart-"));
    assert!(home.contains("<desc id=\"chart-"));
    // The archive links the issues to each other.
    let monthly = String::from_utf8_lossy(&site["monthly/2026-09.html"]).into_owned();
    assert!(monthly.contains("href=\"2026-08.html\""));
    assert!(monthly.contains("href=\"2026-10.html\""));
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = root().join("tests/fixtures/projects/site");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(build(&project, &a).status.success());
    assert!(build(&project, &b).status.success());
    assert_eq!(files(&a), files(&b));
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    copy_dir(&root().join("tests/fixtures/projects/site"), &project);
    let out = tmp.path().join("site");
    assert!(build(&project, &out).status.success());
    let before = files(&out);
    std::fs::write(
        project.join("reports/broken.md"),
        "---\ntitle: Broken\n---\n{{ kpis(metrics=\"nrrr\") }}\n",
    )
    .expect("write");
    let result = build(&project, &out);
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        stderr.contains("reports/broken.md:4:9: error: unknown metric 'nrrr'"),
        "{stderr}"
    );
    assert_eq!(files(&out), before);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in files(from) {
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
}

#[test]
fn check_reports_every_report_problem_with_its_position() {
    let result = bin()
        .args(["check", "--project"])
        .arg(root().join("tests/fixtures/projects/bad-reports"))
        .output()
        .expect("runs");
    assert_eq!(result.status.code(), Some(1));
    assert!(result.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&result.stderr);
    insta::assert_snapshot!("check_bad_reports", stderr);
}

#[test]
fn values_from_data_are_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let result = build(&root().join("tests/fixtures/projects/site"), &out);
    assert!(result.status.success());
    let site = files(&out);
    let account = String::from_utf8_lossy(&site["accounts/ACC00003.html"]).into_owned();
    assert!(
        account.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; Co"),
        "name not escaped"
    );
    assert!(!account.contains("<script>alert(1)"));
}

#[test]
fn fixture_pages_match_their_snapshots() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let result = build(&root().join("tests/fixtures/projects/site"), &out);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let site = files(&out);
    for page in [
        "index.html",
        "accounts/ACC00001.html",
        "csm/CSM001.html",
        "monthly/2026-03.html",
    ] {
        let html = String::from_utf8_lossy(&site[page]).into_owned();
        insta::assert_snapshot!(page.replace(['/', '.'], "_"), html);
    }
}

#[test]
fn init_creates_a_project_that_builds() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("cs");
    let result = bin().arg("init").arg(&project).output().expect("runs");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    for f in [
        "postsale.yaml",
        "data/accounts.csv",
        "reports/index.md",
        "themes/default/templates/base.html",
    ] {
        assert!(project.join(f).exists(), "init did not write {f}");
    }
    let check = bin()
        .args(["check", "--project"])
        .arg(&project)
        .output()
        .expect("runs");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // A second init into the same folder refuses.
    let again = bin().arg("init").arg(&project).output().expect("runs");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
}

#[test]
fn timings_list_every_step_and_every_report_with_its_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let result = bin()
        .args(["build", "--no-pdf", "--timings", "--project"])
        .arg(root())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs postsale");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    for step in [
        "templates",
        "plan",
        "views",
        "render, write and compile",
        "swap",
    ] {
        assert!(
            stderr.lines().any(|l| l.starts_with(step)),
            "no step {step}:\n{stderr}"
        );
    }
    // Each report's line gives the pages it rendered: the example has 300 accounts (and their
    // index page) and 96 catalog pages (90 metrics, Definitions, data quality, alerts,
    // conventions, scenarios, scores).
    let pages = |name: &str| -> Option<usize> {
        stderr
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l[name.len()..].split_whitespace().next())
            .and_then(|n| n.parse().ok())
    };
    let html = files(&out)
        .keys()
        .filter(|p| p.starts_with("accounts/") && p.ends_with(".html"))
        .count();
    assert_eq!(pages("accounts "), Some(html));
    assert_eq!(pages("catalog pages"), Some(96));
    // Without --timings, stderr stays quiet.
    let quiet = build(&root(), &tmp.path().join("quiet"));
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("seconds"));
}
