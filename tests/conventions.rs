//! Metric conventions on the example project: the conventions page's columns are what `postsale
//! metrics --profile NAME` prints for each profile (and its own column what the site shows), an
//! unknown profile is an error with a suggestion, and a project's `conventions:` changes its
//! numbers.

mod common;

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const METRICS: [&str; 7] = [
    "nrr",
    "grr",
    "revenue_churn_rate",
    "logo_churn_rate",
    "new_mrr",
    "reactivation_mrr",
    "churned_mrr",
];

/// `postsale metrics METRICS --period ttm --format json [--profile NAME]` in `dir`.
fn metrics(dir: &Path, profile: Option<&str>) -> BTreeMap<String, f64> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_postsale"));
    cmd.arg("metrics")
        .args(METRICS)
        .args(["--period", "ttm", "--format", "json", "--project"])
        .arg(dir);
    if let Some(name) = profile {
        cmd.args(["--profile", name]);
    }
    let out = cmd.output().expect("postsale metrics runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    if profile.is_some_and(|p| p != "postsale") {
        assert!(
            json["conventions"]
                .as_str()
                .is_some_and(|c| c.starts_with(profile.unwrap_or_default())),
            "the JSON says which conventions: {json}"
        );
    }
    METRICS
        .iter()
        .map(|id| {
            (
                id.to_string(),
                json["metrics"][id].as_f64().expect("a value"),
            )
        })
        .collect()
}

/// The conventions page's TTM table: metric name → column → exact value.
fn page_table(out: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(out.join("conventions.table-1.csv")).expect("the CSV");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            columns
                .iter()
                .cloned()
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() < 1e-6 * b.abs().max(1.0),
        "{what}: page {a}, metrics {b}"
    );
}

#[test]
fn the_page_shows_what_metrics_prints_under_each_profile() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("site");
    common::build_site(&project(), &out);
    let html = std::fs::read_to_string(out.join("conventions.html")).expect("the page");
    for name in ["postsale", "chartmogul", "profitwell", "baremetrics"] {
        assert!(
            html.contains(&format!("<code>{name}</code>")),
            "profile {name} listed"
        );
    }
    assert!(html.contains("What differs and why"));
    let rows = page_table(&out);
    let names: BTreeMap<&str, &str> = [
        ("nrr", "Net revenue retention"),
        ("grr", "Gross revenue retention"),
        ("revenue_churn_rate", "Revenue churn rate"),
        ("logo_churn_rate", "Logo churn rate"),
        ("new_mrr", "New MRR"),
        ("reactivation_mrr", "Reactivation MRR"),
        ("churned_mrr", "Churned MRR"),
    ]
    .into();
    for (profile, column) in [
        ("postsale", "postsale (this site)"),
        ("chartmogul", "ChartMogul"),
        ("profitwell", "ProfitWell (Paddle)"),
        ("baremetrics", "Baremetrics"),
    ] {
        let printed = metrics(&project(), Some(profile));
        for (id, value) in &printed {
            let row = rows
                .iter()
                .find(|r| r["metric"] == names[id.as_str()])
                .unwrap_or_else(|| panic!("row {id}"));
            let shown: f64 = row[column].parse().expect("a number");
            close(shown, *value, &format!("{profile} {id}"));
        }
    }
    // The example's data: ChartMogul's aggregate NRR differs from the cohort NRR.
    let cohort = metrics(&project(), None)["nrr"];
    let aggregate = metrics(&project(), Some("chartmogul"))["nrr"];
    assert!((cohort - aggregate).abs() > 0.01, "{cohort} vs {aggregate}");
    assert_eq!(metrics(&project(), Some("postsale"))["nrr"], cohort);
}

#[test]
fn an_unknown_profile_is_an_error_with_a_suggestion() {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["metrics", "nrr", "--profile", "chartmogull", "--project"])
        .arg(project())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown conventions profile 'chartmogull'") && err.contains("chartmogul"),
        "{err}"
    );
}

#[test]
fn a_projects_conventions_change_its_numbers_and_the_page_says_so() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("project");
    std::fs::create_dir_all(&dir).expect("dir");
    let copy = |from: &Path, to: &Path| {
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.expect("entry");
            let rel = entry.path().strip_prefix(from).expect("inside");
            let target = to.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&target).expect("dir");
            } else {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
        }
    };
    copy(&project().join("data"), &dir.join("data"));
    let config = std::fs::read_to_string(project().join("postsale.yaml")).expect("config");
    std::fs::write(
        dir.join("postsale.yaml"),
        format!("{config}\nconventions:\n  profile: chartmogul\n  reactivation_window_months: 3\n"),
    )
    .expect("write");
    let own = metrics(&dir, None);
    let chartmogul = metrics(&project(), Some("chartmogul"));
    // The window turns returns after more than three empty months into new MRR.
    assert!(
        own["nrr"] < chartmogul["nrr"],
        "aggregate NRR counts reactivation only"
    );
    assert!(own["reactivation_mrr"] < chartmogul["reactivation_mrr"]);
    assert_eq!(
        own["new_mrr"] + own["reactivation_mrr"],
        chartmogul["new_mrr"] + chartmogul["reactivation_mrr"]
    );
    let out = tmp.path().join("site");
    common::build_site(&dir, &out);
    let html = std::fs::read_to_string(out.join("conventions.html")).expect("the page");
    assert!(
        html.contains("This site follows <strong>chartmogul, with overrides ("),
        "{html}"
    );
    let rows = page_table(&out);
    assert!(rows[0].contains_key("This project (chartmogul, with overrides) (this site)"));
}
