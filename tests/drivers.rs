//! `postsale analyze drivers` on the example project: the QBR driver of lost renewals is
//! recomputed here from renewals.csv and activities.csv (a completed QBR in the 180 days before
//! T-90), every effect's interval contains its difference, and the drivers page shows the study.

mod common;
#[path = "common/run.rs"]
mod run;

use chrono::{Days, NaiveDate};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
}

#[test]
fn the_qbr_driver_of_lost_renewals_is_recomputed_from_the_csv_files() {
    let json: Json = serde_json::from_str(&run::postsale(
        &["analyze", "drivers", "--format", "json"],
        &project(),
    ))
    .expect("JSON");
    let effects = json["effects"].as_array().expect("effects");
    assert_eq!(effects.len(), 4 * 9, "every driver against every outcome");
    for e in effects {
        if let (Some(d), Some(l), Some(u)) = (
            e["difference_pts"].as_f64(),
            e["lower_pts"].as_f64(),
            e["upper_pts"].as_f64(),
        ) {
            assert!(l <= d && d <= u, "{e}");
        }
    }
    let qbr = effects
        .iter()
        .find(|e| e["outcome"] == "renewal lost" && e["driver"] == "qbr")
        .expect("the QBR effect");

    // Completed QBR dates per account.
    let mut qbrs: BTreeMap<String, Vec<NaiveDate>> = BTreeMap::new();
    let mut reader =
        csv::Reader::from_path(project().join("data/activities.csv")).expect("activities");
    for row in reader.records() {
        let row = row.expect("row");
        if &row[4] == "qbr" && &row[5] == "completed" {
            qbrs.entry(row[1].to_string())
                .or_default()
                .push(date(&row[3]));
        }
    }
    let as_of = date("2026-11-01");
    let (mut with, mut without) = ((0u64, 0u64), (0u64, 0u64));
    let mut reader = csv::Reader::from_path(project().join("data/renewals.csv")).expect("renewals");
    let headers = reader.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (account, due, stage) = (col("account_id"), col("due_on"), col("stage"));
    for row in reader.records() {
        let row = row.expect("row");
        let closed = matches!(&row[stage], "closed_won" | "closed_lost");
        let due_on = date(&row[due]);
        if !closed || due_on >= as_of {
            continue;
        }
        let t = due_on - Days::new(90);
        let held = qbrs
            .get(&row[account])
            .is_some_and(|days| days.iter().any(|d| t - Days::new(180) <= *d && *d < t));
        let lost = u64::from(&row[stage] == "closed_lost");
        let group = if held { &mut without } else { &mut with };
        group.0 += 1;
        group.1 += lost;
    }
    assert_eq!(qbr["with"]["units"], with.0);
    assert_eq!(qbr["with"]["outcomes"], with.1);
    assert_eq!(qbr["without"]["units"], without.0);
    assert_eq!(qbr["without"]["outcomes"], without.1);
    let expected = (with.1 as f64 / with.0 as f64 - without.1 as f64 / without.0 as f64) * 100.0;
    let got = qbr["difference_pts"].as_f64().expect("a difference");
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
}

#[test]
fn the_drivers_page_shows_the_study_and_its_caveat() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("site");
    common::build_site(&project(), &out);
    let html = std::fs::read_to_string(out.join("drivers.html")).expect("the page");
    assert!(html.contains("Outcome: renewal lost"));
    assert!(html.contains("not causes"));
    assert!(html.contains("Customer lifetime by segment"));
}
