//! Churn and expansion scores on the example project: no leakage (scores as of T are the same
//! bytes when every row dated on or after T is removed from the files), the backtest's numbers
//! are sound (AUCs in [0, 1], "beats its baselines" exactly when its AUC is the highest), and
//! the scores CSV has one row per paying account.

use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::Command;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analyze(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("analyze")
        .args(args)
        .arg("--project")
        .arg(dir)
        .output()
        .expect("postsale runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// A copy of the example whose dated tables keep only the rows dated before `cutoff` (YYYY-MM):
/// mrr.csv by month; health, usage, activities, surveys and sponsor changes by date; tickets by
/// opened_at.
fn truncated_copy(to: &Path, cutoff: &str) {
    std::fs::create_dir_all(to.join("data")).expect("dir");
    std::fs::copy(project().join("postsale.yaml"), to.join("postsale.yaml")).expect("config");
    for entry in std::fs::read_dir(project().join("data")).expect("data") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("read");
        let column = match name.as_str() {
            "mrr.csv" => Some("month"),
            "health.csv"
            | "usage.csv"
            | "activities.csv"
            | "surveys.csv"
            | "sponsor_changes.csv" => Some("date"),
            "tickets.csv" => Some("opened_at"),
            _ => None,
        };
        let kept = match column {
            None => text,
            Some(column) => {
                let mut reader = csv::Reader::from_reader(text.as_bytes());
                let headers = reader.headers().expect("header").clone();
                let at = headers.iter().position(|h| h == column).expect(column);
                let mut writer = csv::Writer::from_writer(Vec::new());
                writer.write_record(&headers).expect("header");
                for row in reader.records() {
                    let row = row.expect("row");
                    if row[at][..7] < *cutoff {
                        writer.write_record(&row).expect("row");
                    }
                }
                String::from_utf8(writer.into_inner().expect("csv")).expect("UTF-8")
            }
        };
        std::fs::write(to.join("data").join(&name), kept).expect("write");
    }
}

#[test]
fn scores_as_of_t_ignore_every_row_after_t() {
    let tmp = tempfile::tempdir().expect("temp dir");
    truncated_copy(tmp.path(), "2026-08");
    let args = ["scores", "--format", "csv", "--as-of", "2026-08-01"];
    let full = analyze(&project(), &args);
    let cut = analyze(tmp.path(), &args);
    assert_eq!(
        full, cut,
        "a score as of 2026-08-01 read a row dated after it"
    );
    assert!(full.starts_with("account_id,churn_probability,expansion_probability\n"));
    // The later data does change today's scores.
    assert_ne!(full, analyze(&project(), &["scores", "--format", "csv"]));
    for line in full.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        for p in &cells[1..] {
            let p: f64 = p.parse().expect("a probability");
            assert!((0.0..=1.0).contains(&p), "{line}");
        }
    }
}

#[test]
fn the_backtest_reports_auc_brier_lift_and_its_baselines() {
    let json: Json =
        serde_json::from_str(&analyze(&project(), &["churn-model", "--format", "json"]))
            .expect("JSON");
    let tests = json["backtests"].as_array().expect("backtests");
    assert_eq!(tests.len(), 2);
    for t in tests {
        let model = t["model"]["auc"].as_f64().expect("model AUC");
        let best_baseline = t["baselines"]
            .as_array()
            .expect("baselines")
            .iter()
            .filter_map(|b| b["auc"].as_f64())
            .fold(0.0, f64::max);
        assert!((0.0..=1.0).contains(&model));
        assert_eq!(
            t["beats_baselines"].as_bool(),
            Some(model > best_baseline),
            "{t}"
        );
        assert!(
            t["model"]["brier"]
                .as_f64()
                .is_some_and(|b| (0.0..=1.0).contains(&b))
        );
        let bins = t["reliability"].as_array().expect("bins");
        assert_eq!(bins.len(), 10);
        let examples: u64 = bins
            .iter()
            .map(|b| b["examples"].as_u64().expect("n"))
            .sum();
        assert_eq!(Some(examples), t["test_examples"].as_u64());
    }
    // On the example, the churn model ranks better than the health score alone.
    assert_eq!(tests[0]["target"], "churn within 90 days");
    assert_eq!(tests[0]["beats_baselines"], true);
}
