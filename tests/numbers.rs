//! numbers.json, the numbers of a build, against what the build shows: every KPI tile of the
//! home page, the October monthly review, the board snapshot, each CSM's and each segment's
//! page shows the formatted value and the status of its numbers.json entry (at the page's
//! scope), the board's Typst source shows the same tiles, `postsale metrics` prints the same
//! values for the month and the trailing twelve months, and `postsale alerts` the same alerts.
//! Built from the example project (as of 2026-11-01, so the latest complete month is 2026-10
//! and the board quarter 2026-Q3).

#[path = "common/tiles.rs"]
mod tiles;

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use tiles::{assert_shows_its_entry, entries, page_tiles};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the example with PDFs wanted but typst missing: the pages and the Typst sources are
/// written, the PDFs are not (and the build says so).
fn build(out: &Path) {
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["build", "--project"])
        .arg(project())
        .arg("--out")
        .arg(out)
        .env("POSTSALE_TYPST", "/nonexistent/typst")
        .output()
        .expect("runs postsale");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("typst not found"), "{stderr}");
    assert!(out.join("index.html").is_file(), "{stderr}");
}

/// The (name, value, status) of each tile of a Typst source, in order.
fn typst_tiles(source: &str) -> Vec<(String, String, String)> {
    let field = |line: &str, key: &str| -> String {
        let start = line.find(&format!("{key}: \"")).expect("a field") + key.len() + 3;
        let mut out = String::new();
        let mut chars = line[start..].chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '"' => break,
                c => out.push(c),
            }
        }
        out
    };
    let start = source.find("#tiles((\n").expect("a #tiles call");
    let block = &source[start..];
    let block = &block[..block.find("\n));").expect("the end of #tiles")];
    block
        .lines()
        .filter(|l| l.starts_with("  (name: \""))
        .map(|l| (field(l, "name"), field(l, "value"), field(l, "status")))
        .collect()
}

#[test]
fn pages_typst_sources_and_the_metrics_command_agree_with_numbers_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    build(&out);
    let text = std::fs::read_to_string(out.join("numbers.json")).expect("numbers.json");
    let numbers: Json = serde_json::from_str(&text).expect("numbers.json parses");
    assert_eq!(numbers["as_of"], "2026-11-01");
    let company = entries(&numbers, "company");
    let currency = postsale::config::load(&project())
        .expect("the example's config")
        .currency;

    let mut checked = 0;
    let company_pages = ["index.html", "monthly/2026-10.html", "board/2026-Q3.html"];
    let mut pages: Vec<(String, String, usize)> = company_pages
        .into_iter()
        .map(|p| (p.to_string(), "company".to_string(), 6))
        .collect();
    for (folder, kind, ids) in [
        ("csm", "csm", vec!["CSM001", "CSM002", "CSM007"]),
        (
            "segments",
            "segment",
            vec!["SMB", "Mid-Market", "Enterprise"],
        ),
    ] {
        for id in ids {
            pages.push((format!("{folder}/{id}.html"), format!("{kind}:{id}"), 3));
        }
    }
    for (page, scope, at_least) in &pages {
        let entries = entries(&numbers, scope);
        let html = std::fs::read_to_string(out.join(page)).expect(page);
        let tiles = page_tiles(&html);
        assert!(tiles.len() >= *at_least, "{page}: {} tiles", tiles.len());
        for (name, t) in &tiles {
            let what = format!("{page}: {name} ({}, {})", t.metric, t.period);
            assert_shows_its_entry(t, &entries, &currency, &what);
            checked += 1;
        }
    }
    assert!(checked >= 36, "{checked} tiles");

    // The home page headlines the trailing twelve months; the monthly page's NRR tile too.
    let home = page_tiles(&std::fs::read_to_string(out.join("index.html")).expect("home"));
    assert!(
        home.iter().all(|(_, t)| t.period == "ttm-2026-10"),
        "{home:?}"
    );

    // The board's PDF source shows the board page's tiles, value and status alike.
    let board =
        page_tiles(&std::fs::read_to_string(out.join("board/2026-Q3.html")).expect("board"));
    let source = std::fs::read_to_string(out.join("board/2026-Q3.typ")).expect("board source");
    let typst = typst_tiles(&source);
    assert_eq!(typst.len(), board.len(), "{source}");
    for ((label, t), (name, value, status)) in board.iter().zip(&typst) {
        assert_eq!((label, &t.value, &t.status), (name, value, status));
    }

    // `postsale metrics` computes October's values, and the trailing twelve months' the home
    // page headlines, on its own: the same numbers, to the bit.
    for (flag, period) in [("2026-10", "2026-10"), ("ttm", "ttm-2026-10")] {
        let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args(["metrics", "--period", flag, "--format", "json", "--project"])
            .arg(project())
            .output()
            .expect("runs postsale metrics");
        assert!(result.status.success());
        let metrics: Json = serde_json::from_slice(&result.stdout).expect("metrics JSON");
        let metrics = metrics["metrics"].as_object().expect("metrics");
        let entries: Vec<_> = company.iter().filter(|((_, p), _)| p == period).collect();
        assert!(
            entries.len() >= 50,
            "{} entries for {period}",
            entries.len()
        );
        for ((metric, _), (value, _, _)) in entries {
            assert_eq!(metrics.get(metric), Some(value), "{metric} over {period}");
        }
    }

    // `postsale alerts` evaluates the same rules on the same date: the alerts numbers.json
    // records, field for field.
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["alerts", "--format", "json", "--project"])
        .arg(project())
        .output()
        .expect("runs postsale alerts");
    assert!(result.status.success());
    let listed: Json = serde_json::from_slice(&result.stdout).expect("alerts JSON");
    let recorded = numbers["alerts"].as_array().expect("alerts");
    assert!(recorded.len() >= 3, "{} alerts", recorded.len());
    assert_eq!(&listed["alerts"], &numbers["alerts"]);
}

#[test]
fn numbers_json_is_the_same_bytes_for_the_same_inputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        build(out);
    }
    let read = |out: &Path| std::fs::read(out.join("numbers.json")).expect("numbers.json");
    assert_eq!(read(&a), read(&b));
    let text = String::from_utf8(read(&a)).expect("utf-8");
    let numbers: Json = serde_json::from_str(&text).expect("parses");
    let fingerprint = numbers["inputs"]["fingerprint"].as_str().expect("a string");
    assert!(fingerprint.starts_with("fnv1a64:"), "{fingerprint}");
    assert_eq!(numbers["inputs"]["files"][0], "alerts.yaml");
    assert_eq!(numbers["inputs"]["files"][1], "data/accounts.csv");
    // Sorted keys: in each object of the pretty-printed file, each key sorts after the one
    // before it (an object's keys are the lines one indent deeper than its braces).
    let mut last: BTreeMap<usize, String> = BTreeMap::new();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if trimmed.starts_with('}') {
            last.remove(&(indent + 2));
        } else if let Some(key) = trimmed.strip_prefix('"').and_then(|k| k.split_once("\":")) {
            let key = key.0.to_string();
            if let Some(before) = last.get(&indent) {
                assert!(*before < key, "{before} before {key}");
            }
            last.insert(indent, key);
        }
    }
    assert!(text.ends_with("]\n}\n") && !text.contains("generated"));
}
