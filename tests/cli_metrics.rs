//! `postsale metrics` run as a user would, on the tiny fixture project whose numbers are
//! computed by hand below.
//!
//! tests/fixtures/projects/tiny, as of 2026-05-10 → latest complete month 2026-04:
//! - A1 100/month Jan–Mar, nothing in April: churned (−100).
//! - A2 200/month Jan–Mar, 250 in April: expansion (+50).
//! - A3 1000/month Jan–Mar, 900 in April: contraction (−100).
//! - A4 first MRR 500 in April: new (+500).
//!   Starting cohort {A1, A2, A3}: S = 1300, Σ end = 0 + 250 + 900 = 1150, Σ min = 0 + 200 + 900.
//! - April NPS answers 10, 9, 7, 3 → 2 promoters, 1 detractor of 4 → 25; one unanswered;
//!   the 0 on 2026-03-31 is outside the period.

use std::path::Path;
use std::process::{Command, Output};

fn postsale(args: &[&str]) -> Output {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/tiny");
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg("--project")
        .arg(&project)
        .output()
        .expect("the postsale binary runs")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = postsale(args);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

fn close(value: &serde_json::Value, expected: f64) {
    let v = value
        .as_f64()
        .unwrap_or_else(|| panic!("expected a number, found {value}"));
    assert!(
        (v - expected).abs() < 1e-9,
        "expected {expected}, found {v}"
    );
}

#[test]
fn json_has_the_shape_of_product_md_and_hand_computed_values() {
    let out = json(&["metrics", "--format", "json"]);
    assert_eq!(out["as_of"], "2026-05-10");
    assert_eq!(
        out["period"],
        serde_json::json!({"id": "2026-04", "start": "2026-04-01", "end": "2026-04-30"})
    );
    let m = &out["metrics"];
    close(&m["starting_mrr"], 1300.0);
    close(&m["mrr"], 1650.0); // 250 + 900 + 500
    close(&m["arr"], 19800.0);
    close(&m["active_accounts"], 3.0);
    close(&m["arpa"], 6600.0); // 19800 / 3
    close(&m["new_mrr"], 500.0);
    close(&m["reactivation_mrr"], 0.0);
    close(&m["expansion_mrr"], 50.0);
    close(&m["contraction_mrr"], 100.0);
    close(&m["churned_mrr"], 100.0);
    close(&m["nrr"], 1150.0 / 1300.0 * 100.0);
    close(&m["grr"], 1100.0 / 1300.0 * 100.0);
    close(&m["logo_churn_rate"], 100.0 / 3.0);
    close(&m["nps"], 25.0);
    close(&m["survey_response_rate"], 80.0); // 4 answered of 5 sent in April
    // No CSAT answers: missing, printed as null, never 0.
    assert!(m["csat"].is_null());
    assert!(out.get("groups").is_none());
}

#[test]
fn the_bridge_in_the_json_balances() {
    let m = json(&["metrics", "--format", "json"])["metrics"].clone();
    let f = |id: &str| m[id].as_f64().unwrap_or(f64::NAN);
    let bridge = f("starting_mrr") + f("new_mrr") + f("reactivation_mrr") + f("expansion_mrr")
        - f("contraction_mrr")
        - f("churned_mrr");
    assert!((bridge - f("mrr")).abs() < 1e-9);
}

#[test]
fn by_segment_groups_recombine() {
    let out = json(&[
        "metrics", "nrr", "mrr", "--by", "segment", "--format", "json",
    ]);
    let metrics = out["metrics"].as_object().expect("metrics object");
    assert_eq!(metrics.keys().collect::<Vec<_>>(), ["mrr", "nrr"]);
    let groups = &out["groups"];
    close(&groups["SMB"]["nrr"], 250.0 / 300.0 * 100.0); // A1 churned, A2 200 → 250
    close(&groups["Enterprise"]["nrr"], 90.0); // A3 1000 → 900; A4 is new
    close(&groups["SMB"]["mrr"], 250.0);
    close(&groups["Enterprise"]["mrr"], 1400.0);
}

#[test]
fn period_flag_selects_a_quarter() {
    let out = json(&[
        "metrics", "mrr", "nrr", "--period", "2026-Q1", "--format", "json",
    ]);
    assert_eq!(out["period"]["id"], "2026-Q1");
    // No MRR before January: the starting cohort is empty, so NRR is missing.
    assert!(out["metrics"]["nrr"].is_null());
    close(&out["metrics"]["mrr"], 1300.0);
}

#[test]
fn csv_is_tidy() {
    let out = postsale(&["metrics", "nrr", "mrr", "--format", "csv", "--by", "region"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "period,group,metric,value");
    // Rows follow the order the metrics were asked for; the total comes first, with no group.
    assert_eq!(lines[1], "2026-04,,nrr,88.46153846153845");
    assert_eq!(lines[2], "2026-04,,mrr,1650");
    assert!(lines.contains(&"2026-04,EU,mrr,500"), "{text}");
    assert!(lines.contains(&"2026-04,US,mrr,1150"), "{text}");
}

#[test]
fn table_is_for_people() {
    let out = postsale(&["metrics", "nrr", "mrr", "nps"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Tiny — April 2026"), "{text}");
    assert!(text.contains("Net revenue retention"), "{text}");
    assert!(text.contains("88.5%"), "{text}");
    assert!(text.contains("$1,650"), "{text}");
}

#[test]
fn a_single_metric_equals_its_value_in_the_full_set() {
    // Asking for one metric loads fewer tables; the number must not change.
    let all = json(&["metrics", "--format", "json"]);
    for id in ["nrr", "nps", "active_accounts"] {
        let one = json(&["metrics", id, "--format", "json"]);
        assert_eq!(one["metrics"][id], all["metrics"][id], "{id}");
    }
}

#[test]
fn unknown_metric_is_an_error_with_a_suggestion() {
    let out = postsale(&["metrics", "nrrr"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error: unknown metric 'nrrr'"), "{err}");
    assert!(err.contains("did you mean `nrr`?"), "{err}");
}

#[test]
fn unknown_dimension_suggests_the_attribute() {
    let out = postsale(&["metrics", "--by", "segmnt"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("segment"), "{err}");
}

#[test]
fn a_metric_whose_table_is_absent_names_the_file() {
    // The tiny project without surveys.csv.
    let dir = tempfile::tempdir().expect("temp dir");
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/tiny");
    std::fs::create_dir(dir.path().join("data")).expect("mkdir");
    std::fs::copy(tiny.join("postsale.yaml"), dir.path().join("postsale.yaml")).expect("copy");
    for table in ["accounts.csv", "mrr.csv"] {
        std::fs::copy(
            tiny.join("data").join(table),
            dir.path().join("data").join(table),
        )
        .expect("copy");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["metrics", "nps", "--project"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("metric 'nps' needs surveys.csv"), "{err}");
    // Without explicit ids, metrics of absent tables are simply left out.
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["metrics", "--format", "json", "--project"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(json["metrics"].get("nps").is_none());
    assert!(json["metrics"].get("nrr").is_some());
}

/// On the example project, every count read from a table sorted by account (activities,
/// tickets, renewals) adds up over the CSM groups to the total: scoped metrics read exactly the
/// rows of their accounts.
#[test]
fn counts_by_csm_recombine_to_the_total_on_the_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ids = [
        "activities_completed",
        "tickets_opened",
        "renewals_due",
        "renewals_due_arr",
        "at_risk_accounts",
        "at_risk_arr",
        "accounts_not_contacted_60d",
        "active_accounts",
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "metrics", "--period", "2026-Q3", "--by", "csm_id", "--format", "json",
        ])
        .args(ids)
        .arg("--project")
        .arg(root)
        .output()
        .expect("the postsale binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let groups = v["groups"].as_object().expect("groups");
    assert!(groups.len() > 3, "several CSMs: {}", groups.len());
    for id in ids {
        let total = v["metrics"][id].as_f64().expect("a total");
        let sum: f64 = groups.values().map(|g| g[id].as_f64().unwrap_or(0.0)).sum();
        assert!(
            (sum - total).abs() < 1e-6,
            "{id}: groups sum to {sum}, total {total}"
        );
        assert!(total > 0.0, "{id} is exercised: {total}");
    }
}
