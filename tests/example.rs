//! The repository is its own example project: its `data/` must be exactly what `postsale demo`
//! writes with the documented arguments, it must pass `postsale check`, and its metrics must be
//! those of a believable CS business.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn postsale(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .output()
        .expect("postsale runs")
}

#[test]
fn example_data_is_the_demo_output() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().to_str().expect("utf-8 temp path");
    // The arguments the README documents for the example.
    let out = postsale(&[
        "demo",
        "--accounts",
        "300",
        "--months",
        "36",
        "--seed",
        "1",
        "--end",
        "2026-10",
        "--out",
        out_dir,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<_> = std::fs::read_dir(root().join("data"))
        .expect("data/ exists")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    names.sort();
    let mut generated: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    generated.sort();
    assert_eq!(names, generated, "data/ holds exactly the demo's files");
    for name in names {
        let committed = std::fs::read(root().join("data").join(&name)).expect("read committed");
        let fresh = std::fs::read(dir.path().join(&name)).expect("read generated");
        assert!(
            committed == fresh,
            "data/{} differs from the demo output: regenerate it with the command in the README",
            name.to_string_lossy()
        );
    }
}

#[test]
fn example_project_passes_check() {
    let out = postsale(&["check", "--project", root().to_str().expect("utf-8 path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("ok:"), "{text}");
}

#[test]
fn example_metrics_are_believable() {
    let out = postsale(&[
        "metrics",
        "--period",
        "ttm",
        "--format",
        "json",
        "--project",
        root().to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        json["as_of"], "2026-11-01",
        "postsale.yaml pins as_of to the end of the data"
    );
    assert_eq!(json["period"]["id"], "ttm-2026-10");
    let m = &json["metrics"];
    let get = |id: &str| {
        m[id]
            .as_f64()
            .unwrap_or_else(|| panic!("{id} is missing: {m}"))
    };
    assert!((85.0..=130.0).contains(&get("nrr")), "nrr {}", get("nrr"));
    assert!((70.0..=98.0).contains(&get("grr")), "grr {}", get("grr"));
    assert!(get("nrr") > get("grr"), "expansion lifts NRR above GRR");
    assert!(get("new_mrr") > 0.0 && get("churned_mrr") > 0.0 && get("expansion_mrr") > 0.0);
    assert!((-100.0..=100.0).contains(&get("nps")));
    // Segment dynamics: SMB churns more logos than Enterprise.
    let out = postsale(&[
        "metrics",
        "logo_churn_rate",
        "--by",
        "segment",
        "--period",
        "ttm",
        "--format",
        "json",
        "--project",
        root().to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let churn = |segment: &str| {
        json["groups"][segment]["logo_churn_rate"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    assert!(
        churn("SMB") > churn("Enterprise"),
        "SMB {} vs Enterprise {}",
        churn("SMB"),
        churn("Enterprise")
    );
}

#[test]
fn one_metric_alone_equals_its_value_in_the_full_set() {
    // `metrics ID` loads only what ID needs; the number must be the same as in the full set.
    let project = root().to_str().expect("path");
    let get = |args: &[&str]| -> serde_json::Value {
        let mut all = vec![
            "metrics",
            "--period",
            "2026-10",
            "--format",
            "json",
            "--project",
            project,
        ];
        all.extend_from_slice(args);
        let out = postsale(&all);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let full = get(&[]);
    for id in [
        "health_red_pct",
        "health_green_arr_pct",
        "dau_mau",
        "nps",
        "grr",
    ] {
        assert_eq!(get(&[id])["metrics"][id], full["metrics"][id], "{id}");
    }
}
