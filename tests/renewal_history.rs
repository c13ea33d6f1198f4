//! `postsale analyze renewals` on the example project: each backtested quarter's ARR due and
//! renewed are recomputed from renewals.csv, the learned rates are shares, and the forecast by
//! learned rates beats the configured stage weights on this data (the example's stage weights
//! are the defaults, which under-forecast its renewals).

use serde_json::Value as Json;
use std::path::PathBuf;
use std::process::Command;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_backtest_is_recomputed_from_renewals_csv() {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["analyze", "renewals", "--format", "json", "--project"])
        .arg(project())
        .output()
        .expect("postsale runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let quarters = json["backtest"].as_array().expect("backtest");
    assert_eq!(quarters.len(), 6);
    let mut reader = csv::Reader::from_path(project().join("data/renewals.csv")).expect("csv");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (due, arr, stage, renewed) = (col("due_on"), col("arr"), col("stage"), col("renewed_arr"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    for q in quarters {
        let id = q["quarter"].as_str().expect("id");
        let (year, n) = id.split_once("-Q").expect("a quarter id");
        let months: Vec<String> = (1..=3)
            .map(|k| format!("{year}-{:02}", (n.parse::<u32>().expect("n") - 1) * 3 + k))
            .collect();
        let mine: Vec<&csv::StringRecord> = rows
            .iter()
            .filter(|r| months.iter().any(|m| r[due].starts_with(m.as_str())))
            .collect();
        let sum = |f: &dyn Fn(&csv::StringRecord) -> f64| mine.iter().map(|r| f(r)).sum::<f64>();
        let due_arr = sum(&|r| r[arr].parse::<f64>().expect("arr"));
        let kept = sum(&|r| match &r[stage] {
            "closed_lost" => 0.0,
            _ if r[renewed].is_empty() => r[arr].parse::<f64>().expect("arr"),
            _ => r[renewed].parse::<f64>().expect("renewed"),
        });
        assert_eq!(q["renewals"].as_u64(), Some(mine.len() as u64), "{id}");
        assert!(
            (q["due"].as_f64().expect("due") - due_arr).abs() < 0.005,
            "{id}"
        );
        assert!(
            (q["actual"].as_f64().expect("actual") - kept).abs() < 0.005,
            "{id}"
        );
    }
    for cell in json["rates"].as_array().expect("rates") {
        if let Some(rate) = cell["rate"].as_f64() {
            assert!((0.0..=1.0).contains(&rate), "{cell}");
        }
    }
    let weights = json["mean_abs_error_weights_pct"]
        .as_f64()
        .expect("weights");
    let history = json["mean_abs_error_history_pct"]
        .as_f64()
        .expect("history");
    assert!(history < weights, "history {history} vs weights {weights}");
}
