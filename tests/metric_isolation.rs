//! A metric's value never depends on which other metrics are asked for: `postsale metrics ID`
//! alone prints what the full run prints, for every metric and several periods. Also the at-risk
//! rule on the hand-computed project tests/fixtures/projects/at-risk, as of 2026-07-02:
//! - R1: open renewal N1 ($1,200) flagged at risk, due 1 July: overdue by a day, still at risk.
//! - R2: red health (30), open renewal N2 ($2,400) due 30 September, within 180 days: at risk.
//! - R3: red health (20), but N3 ($3,600) is due 1 March 2027, 242 days out: not at risk.
//! - R4: green health, N4 ($4,800) not flagged: not at risk.
//! - R5: N5 ($6,000) flagged, but closed lost: nothing left at risk.
//!
//! So 2 accounts and $3,600, whether health metrics are asked for too or not.

use std::path::{Path, PathBuf};
use std::process::Command;

fn project(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if name == "example" {
        root.to_path_buf()
    } else {
        root.join("tests/fixtures/projects").join(name)
    }
}

/// `postsale metrics ARGS --format json` on `project`: the metrics object.
fn metrics(project: &Path, args: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("metrics")
        .args(args)
        .args(["--format", "json", "--project"])
        .arg(project)
        .output()
        .expect("the postsale binary runs");
    assert!(
        out.status.success(),
        "postsale metrics {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    json["metrics"].as_object().cloned().unwrap_or_default()
}

fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(1.0),
        _ => a == b,
    }
}

#[test]
fn at_risk_counts_overdue_renewals_and_red_health_alone() {
    let at_risk = project("at-risk");
    for as_of in ["2026-07-01", "2026-07-02", "2026-08-01"] {
        for extra in [&[][..], &["health_score_avg"][..]] {
            let mut args = vec!["at_risk_accounts", "at_risk_arr", "--as-of", as_of];
            args.extend_from_slice(extra);
            let m = metrics(&at_risk, &args);
            assert_eq!(
                (m["at_risk_accounts"].as_f64(), m["at_risk_arr"].as_f64()),
                (Some(2.0), Some(3_600.0)),
                "as of {as_of}, with {extra:?}"
            );
        }
    }
}

#[test]
fn every_metric_alone_equals_the_full_run() {
    let runs = [
        ("example", "2026-11-01", "2026-10"),
        ("example", "2026-11-01", "2026-Q3"),
        ("example", "2026-11-01", "ttm"),
        ("example", "2026-07-02", "2026-06"),
        ("at-risk", "2026-07-02", "2026-06"),
        ("at-risk", "2026-07-02", "ttm"),
    ];
    for (name, as_of, period) in runs {
        let dir = project(name);
        let common = ["--as-of", as_of, "--period", period];
        let full = metrics(&dir, &common);
        assert!(full.len() > 5, "{name} {period}: {} metrics", full.len());
        let ids: Vec<&String> = full.keys().collect();
        // Four at a time: each run is a separate process.
        let mismatches: Vec<String> = std::thread::scope(|s| {
            ids.chunks(ids.len().div_ceil(4))
                .map(|chunk| {
                    let (dir, full) = (&dir, &full);
                    s.spawn(move || {
                        chunk
                            .iter()
                            .filter_map(|id| {
                                let mut args = vec![id.as_str()];
                                args.extend_from_slice(&common);
                                let alone = metrics(dir, &args)[id.as_str()].clone();
                                (!same(&alone, &full[id.as_str()])).then(|| {
                                    format!("{id}: alone {alone}, full run {}", full[id.as_str()])
                                })
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .flat_map(|h| h.join().expect("a run thread"))
                .collect()
        });
        assert!(
            mismatches.is_empty(),
            "{name} as of {as_of}, {period}:\n{}",
            mismatches.join("\n")
        );
    }
}
