//! `postsale analyze renewals` on the example project: each backtested quarter's ARR due and
//! renewed are recomputed from renewals.csv, the learned rates are shares, and the forecast by
//! learned rates beats the configured stage weights on this data (the example's stage weights
//! are the defaults, which under-forecast its renewals); and with `renewals.forecast: history`
//! the renewal forecast prices each open renewal at its learned rate, recomputed here from the
//! learned cells and renewals.csv.

#[path = "common/run.rs"]
mod run;

use run::postsale;
use serde_json::Value as Json;
use std::path::PathBuf;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_backtest_is_recomputed_from_renewals_csv() {
    let json: Json = serde_json::from_str(&postsale(
        &["analyze", "renewals", "--format", "json"],
        &project(),
    ))
    .expect("JSON");
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

#[test]
fn forecast_history_prices_open_renewals_at_the_learned_rates() {
    // The example with `renewals.forecast: history`.
    let tmp = tempfile::tempdir().expect("temp dir");
    let config = std::fs::read_to_string(project().join("postsale.yaml")).expect("config");
    assert!(config.contains("renewals:\n"));
    std::fs::write(
        tmp.path().join("postsale.yaml"),
        config.replacen("renewals:\n", "renewals:\n  forecast: history\n", 1),
    )
    .expect("write");
    std::fs::create_dir_all(tmp.path().join("data")).expect("dir");
    for entry in std::fs::read_dir(project().join("data")).expect("data") {
        let path = entry.expect("entry").path();
        std::fs::copy(
            &path,
            tmp.path()
                .join("data")
                .join(path.file_name().expect("name")),
        )
        .expect("copy");
    }
    // The learned cells, bucket by bucket (T-120+, 90–120, 60–90, 30–60, under 30), each over
    // the open stages.
    let json: Json = serde_json::from_str(&postsale(
        &["analyze", "renewals", "--format", "json"],
        &project(),
    ))
    .expect("JSON");
    let min_cell = json["min_cell"].as_u64().expect("min_cell");
    let cells: Vec<(u64, f64, f64)> = json["rates"]
        .as_array()
        .expect("rates")
        .iter()
        .map(|c| {
            (
                c["renewals"].as_u64().expect("n"),
                c["arr"].as_f64().expect("arr"),
                c["renewed_arr"].as_f64().expect("renewed"),
            )
        })
        .collect();
    assert_eq!(cells.len(), 5 * 4);
    // As postsale.yaml sets them, by stage.
    let weights = [
        ("not_engaged", 0.5),
        ("initial_discussion", 0.6),
        ("proposal_sent", 0.75),
        ("negotiation", 0.85),
    ];
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
    let mut reader = csv::Reader::from_path(project().join("data/renewals.csv")).expect("csv");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let cents = |text: &str| -> i64 {
        if text.is_empty() {
            return 0;
        }
        let (units, fraction) = text.split_once('.').unwrap_or((text, "0"));
        units.parse::<i64>().expect("units") * 100
            + format!("{fraction:0<2}")[..2]
                .parse::<i64>()
                .expect("cents")
    };
    let (mut weighted, mut learned, mut open_priced) = (0.0, 0.0, 0);
    for row in reader.records().map(|r| r.expect("row")) {
        let due = chrono::NaiveDate::parse_from_str(&row[col("due_on")], "%Y-%m-%d").expect("due");
        if !("2026-10".."2027-01").contains(&&row[col("due_on")][..7]) {
            continue;
        }
        let arr = cents(&row[col("arr")]) as f64;
        let stage = &row[col("stage")];
        let (w, h) = match stage {
            "closed_won" => {
                let renewed = &row[col("renewed_arr")];
                let v = if renewed.is_empty() {
                    arr
                } else {
                    cents(renewed) as f64
                };
                (v, v)
            }
            "closed_lost" => (0.0, 0.0),
            open => {
                let s = weights
                    .iter()
                    .position(|(n, _)| *n == open)
                    .expect("open stage");
                let stated = &row[col("forecast_probability")];
                if stated.is_empty() {
                    open_priced += 1;
                    let days = (due - as_of).num_days();
                    let b = match days {
                        d if d >= 120 => 0,
                        d if d >= 90 => 1,
                        d if d >= 60 => 2,
                        d if d >= 30 => 3,
                        _ => 4,
                    };
                    let (n, a, r) = cells[b * 4 + s];
                    let whole = (0..5)
                        .map(|k| cells[k * 4 + s])
                        .fold((0, 0.0, 0.0), |t, c| (t.0 + c.0, t.1 + c.1, t.2 + c.2));
                    let rate = if n >= min_cell && a > 0.0 {
                        r / a
                    } else if whole.0 >= min_cell && whole.1 > 0.0 {
                        whole.2 / whole.1
                    } else {
                        weights[s].1
                    };
                    (arr * weights[s].1, arr * rate)
                } else {
                    let p: f64 = stated.parse().expect("probability");
                    (arr * p, arr * p)
                }
            }
        };
        weighted += w;
        learned += h;
    }
    assert!(
        open_priced > 0,
        "the quarter has open renewals priced by stage"
    );
    let forecast = |dir: &std::path::Path| -> f64 {
        let json: Json = serde_json::from_str(&postsale(
            &[
                "metrics",
                "renewal_forecast_arr",
                "--period",
                "2026-Q4",
                "--format",
                "json",
            ],
            dir,
        ))
        .expect("JSON");
        json["metrics"]["renewal_forecast_arr"]
            .as_f64()
            .unwrap_or_else(|| panic!("a forecast in {json}"))
    };
    let close = |a: f64, b: f64| (a - b).abs() < 0.01;
    let by_weights = forecast(&project());
    let by_history = forecast(tmp.path());
    assert!(
        close(by_weights, weighted / 100.0),
        "{by_weights} vs {weighted}"
    );
    assert!(
        close(by_history, learned / 100.0),
        "{by_history} vs {learned}"
    );
    assert!(!close(by_weights, by_history));
}
