//! Churn and expansion scores on the example project: no leakage (scores as of T are the same
//! bytes when every row dated on or after T is removed from the files), the backtest's numbers
//! are sound (AUCs in [0, 1], "beats its baselines" exactly when its AUC is the highest), the
//! scores CSV has one row per paying account, and the site shows what the CLI prints: each
//! backtest's verdict and AUCs, each account's scores, the renewal forecast methods' errors.

mod common;
#[path = "common/run.rs"]
mod run;
#[path = "common/text.rs"]
mod text;

use serde_json::Value as Json;
use std::path::{Path, PathBuf};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analyze(dir: &Path, args: &[&str]) -> String {
    let args: Vec<&str> = std::iter::once("analyze")
        .chain(args.iter().copied())
        .collect();
    run::postsale(&args, dir)
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

/// A probability as the site prints it: one decimal, "under 0.1%" and "over 99.9%" at the ends.
fn probability(p: f64) -> String {
    if p < 0.0005 {
        "under 0.1%".into()
    } else if p >= 0.9995 {
        "over 99.9%".into()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// The text of a page, tags dropped, whitespace collapsed and the escapes the pages use read.
fn page_text(path: &Path) -> String {
    text::text(&std::fs::read_to_string(path).expect("page"))
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
        .replace("&#x27;", "'")
}

#[test]
fn the_site_shows_the_scores_and_backtests_the_cli_prints() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("site");
    common::build_site(&project(), &out);
    let page = page_text(&out.join("scores.html"));
    // Each backtest's verdict with the model's and the baselines' AUCs, as `churn-model` has them.
    let json: Json =
        serde_json::from_str(&analyze(&project(), &["churn-model", "--format", "json"]))
            .expect("JSON");
    for t in json["backtests"].as_array().expect("backtests") {
        let auc = |e: &Json| format!("{:.3}", e["auc"].as_f64().expect("AUC"));
        let baselines: Vec<String> = t["baselines"]
            .as_array()
            .expect("baselines")
            .iter()
            .map(|b| format!("{} {}", b["name"].as_str().expect("name"), auc(b)))
            .collect();
        let verdict = if t["beats_baselines"] == true {
            "The model ranks better than its baselines"
        } else {
            "The model does not beat its baselines"
        };
        let expected = format!(
            "{verdict}: AUC {} against {}.",
            auc(&t["model"]),
            baselines.join(" and ")
        );
        assert!(page.contains(&expected), "missing: {expected}\n{page}");
        let tested = format!(
            "tested on {} snapshots",
            t["test_examples"].as_u64().expect("n")
        );
        // Counts print with thousands separators.
        let n = t["test_examples"].as_u64().expect("n");
        let grouped = if n >= 1000 {
            format!("tested on {},{:03} snapshots", n / 1000, n % 1000)
        } else {
            tested
        };
        assert!(page.contains(&grouped), "missing: {grouped}");
    }
    // The riskiest account's page shows its churn and expansion scores as `scores` prints them,
    // and it heads the scores page's list.
    let csv = analyze(&project(), &["scores", "--format", "csv"]);
    let mut rows: Vec<(String, f64, f64)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[0].to_string(),
                c[1].parse().expect("p"),
                c[2].parse().expect("p"),
            )
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (id, churn, expansion) in rows.iter().take(3) {
        let account = page_text(&out.join("accounts").join(format!("{id}.html")));
        let churn_fact = format!("Churn risk, next 90 days {}", probability(*churn));
        assert!(account.contains(&churn_fact), "{id}: missing {churn_fact}");
        let expansion_fact = format!(
            "Expansion chance, next 180 days {}",
            probability(*expansion)
        );
        assert!(
            account.contains(&expansion_fact),
            "{id}: missing {expansion_fact}"
        );
        assert!(account.contains("Churn score raised by"), "{id}");
    }
    // The renewal forecast methods' mean errors, as `analyze renewals` prints them.
    let renewals: Json =
        serde_json::from_str(&analyze(&project(), &["renewals", "--format", "json"]))
            .expect("JSON");
    let mae = |key: &str| format!("{:.1}%", renewals[key].as_f64().expect(key));
    let sentence = format!(
        "the configured stage weights missed the renewed ARR by {} on average, the win rates learned from history by {}.",
        mae("mean_abs_error_weights_pct"),
        mae("mean_abs_error_history_pct")
    );
    assert!(page.contains(&sentence), "missing: {sentence}");
}
