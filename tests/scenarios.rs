//! `postsale analyze scenario` on the example project: the baseline's first quarter against an
//! independent computation from `postsale metrics --format json`, the scenario's assumptions,
//! byte-reproducible output, and a bad scenario file's located errors.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn example() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn postsale(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg("--project")
        .arg(example())
        .output()
        .expect("the postsale binary runs")
}

fn json(args: &[&str]) -> Value {
    let out = postsale(args);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The revenue metrics of one quarter, from `postsale metrics`.
fn quarter(id: &str) -> Value {
    json(&[
        "metrics",
        "mrr",
        "active_accounts",
        "starting_mrr",
        "new_mrr",
        "reactivation_mrr",
        "expansion_mrr",
        "contraction_mrr",
        "churned_mrr",
        "logo_churn_rate",
        "--period",
        id,
        "--as-of",
        "2026-11-01",
        "--format",
        "json",
    ])["metrics"]
        .clone()
}

fn cents(v: &Value) -> i64 {
    (v.as_f64().expect("a number") * 100.0).round() as i64
}

#[test]
fn the_baseline_first_quarter_follows_from_the_metrics() {
    let path = example().join("scenarios/price-increase.yaml");
    let args = [
        "analyze",
        "scenario",
        path.to_str().expect("a UTF-8 path"),
        "--as-of",
        "2026-11-01",
        "--format",
        "json",
    ];
    let doc = json(&args);
    assert_eq!(doc["from"], "Q3 2026");
    assert_eq!(doc["quarters"][0]["period"], "Q4 2026");
    assert_eq!(doc["quarters"].as_array().map(Vec::len), Some(8));
    // The rates over 2025-Q4 … 2026-Q3, weighted by each quarter's starting MRR; the starting
    // logos of a quarter are the active accounts at the end of the one before.
    let ids = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"];
    let q: Vec<Value> = ids.iter().map(|id| quarter(id)).collect();
    let sum = |key: &str| q[1..].iter().map(|v| cents(&v[key])).sum::<i64>() as f64;
    let start = sum("starting_mrr");
    let (churn, contraction, expansion) = (
        sum("churned_mrr") / start,
        sum("contraction_mrr") / start,
        sum("expansion_mrr") / start,
    );
    let gained = (sum("new_mrr") + sum("reactivation_mrr")) / 4.0;
    let m = cents(&q[4]["mrr"]) as f64;
    // First quarter: M × (1 − churn − contraction + expansion) + new + reactivation, to the cent.
    let next = (m - m * churn - m * contraction + m * expansion + gained).round() as i64;
    let baseline = &doc["quarters"][0]["baseline"];
    assert_eq!(cents(&baseline["arr"]), next * 12);
    let grr = (1.0 - churn - contraction) * 100.0;
    let nrr = (1.0 - churn - contraction + expansion) * 100.0;
    assert!((baseline["grr"].as_f64().unwrap_or_default() - grr).abs() < 1e-4);
    assert!((baseline["nrr"].as_f64().unwrap_or_default() - nrr).abs() < 1e-4);
    // Logos: L − L × logo churn + gained, logo churn = Σ churned logos / Σ starting logos.
    let (mut lost, mut cohort, mut won) = (0.0, 0.0, 0.0);
    for pair in q.windows(2) {
        let before = pair[0]["active_accounts"].as_f64().unwrap_or_default();
        let out =
            (pair[1]["logo_churn_rate"].as_f64().unwrap_or_default() / 100.0 * before).round();
        lost += out;
        cohort += before;
        won += pair[1]["active_accounts"].as_f64().unwrap_or_default() - before + out;
    }
    let l = q[4]["active_accounts"].as_f64().unwrap_or_default();
    let logos = l - l * lost / cohort + won / 4.0;
    assert!((baseline["logos"].as_f64().unwrap_or_default() - logos).abs() < 1e-3);
    // The scenario: +10 % price with churn × 1.05, listed as stated.
    let scenario = &doc["quarters"][0]["scenario"];
    assert!(cents(&scenario["arr"]) > cents(&baseline["arr"]));
    let stated: Vec<&str> = doc["assumptions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["source"] == "stated")
        .filter_map(|a| a["label"].as_str())
        .collect();
    assert_eq!(stated, ["price change", "price: churn elasticity"]);
    // The same bytes twice.
    assert_eq!(postsale(&args).stdout, postsale(&args).stdout);
}

#[test]
fn the_table_names_periods_and_lists_assumptions() {
    let path = example().join("scenarios/csm-coverage.yaml");
    let out = postsale(&[
        "analyze",
        "scenario",
        path.to_str().expect("a UTF-8 path"),
        "--as-of",
        "2026-11-01",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Projected from the end of Q3 2026"), "{text}");
    assert!(text.contains("\nQ4 2026 "), "{text}");
    assert!(
        text.contains("accounts per CSM, scenario: 15.00 (stated"),
        "{text}"
    );
    assert!(
        text.contains("coverage: churn elasticity to book size"),
        "{text}"
    );
}

#[test]
fn a_bad_scenario_file_gives_located_errors() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("bad.yaml");
    std::fs::write(
        &file,
        "name: Bad\nquarters: 12\nprice:\n  change_pct: 10\n  churn_elastcity: 0.5\n",
    )
    .expect("write");
    let shown = file.display().to_string();
    let out = postsale(&["analyze", "scenario", &shown]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{shown}:2:1: error: quarters is 12")),
        "{err}"
    );
    assert!(err.contains(&format!("{shown}:5:3:")), "{err}");
    assert!(err.contains("did you mean 'churn_elasticity'?"), "{err}");
}
