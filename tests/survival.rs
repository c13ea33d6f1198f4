//! `postsale analyze survival` on the example project: the overall Kaplan–Meier curve is
//! recomputed here independently from data/mrr.csv and data/accounts.csv (first spells, delayed
//! entry for accounts paying before the data starts, censoring at October 2026), the intervals
//! bracket the curve, the segments differ significantly (the demo data churns SMB most), and
//! bad requests are errors.

use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analyze(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["analyze", "survival"])
        .args(args)
        .arg("--project")
        .arg(project())
        .output()
        .expect("postsale runs")
}

/// A month as a number of months since year 0.
fn month(text: &str) -> i32 {
    let (y, m) = text.split_at(4);
    y.parse::<i32>().expect("year") * 12 + m[1..3].parse::<i32>().expect("month") - 1
}

/// (months, event, entry) of every account's first spell, recomputed from the CSV files.
fn spells() -> Vec<(i32, bool, i32)> {
    let mut paying: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(project().join("data/mrr.csv")).expect("mrr.csv");
    for row in reader.records() {
        let row = row.expect("row");
        let cents: f64 = row[2].parse().expect("mrr");
        if cents > 0.0 {
            paying
                .entry(row[0].to_string())
                .or_default()
                .insert(month(&row[1]));
        }
    }
    let mut signed: BTreeMap<String, i32> = BTreeMap::new();
    let mut reader =
        csv::Reader::from_path(project().join("data/accounts.csv")).expect("accounts.csv");
    for row in reader.records() {
        let row = row.expect("row");
        if !row[9].is_empty() {
            signed.insert(row[0].to_string(), month(&row[9]));
        }
    }
    let data_start = paying
        .values()
        .filter_map(|m| m.first())
        .min()
        .copied()
        .expect("data");
    let last = month("2026-10");
    paying
        .iter()
        .filter_map(|(id, months)| {
            let first = *months.first()?;
            if first > last {
                return None;
            }
            let mut m = first + 1;
            while m <= last && months.contains(&m) {
                m += 1;
            }
            let start = match signed.get(id) {
                Some(&s) if first == data_start && s < first => s,
                _ => first,
            };
            Some((m - start, m <= last, first - start))
        })
        .collect()
}

#[test]
fn the_overall_curve_is_the_kaplan_meier_of_the_first_spells() {
    let out = analyze(&["--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("group,month,at_risk,events,survival,lower,upper")
    );
    let spells = spells();
    let mut survival = 1.0f64;
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], "all");
        let t: i32 = cells[1].parse().expect("month");
        let at_risk = spells.iter().filter(|s| s.2 < t && s.0 >= t).count();
        let events = spells.iter().filter(|s| s.1 && s.0 == t).count();
        assert_eq!(cells[2], at_risk.to_string(), "at risk at month {t}");
        assert_eq!(cells[3], events.to_string(), "events at month {t}");
        survival *= 1.0 - events as f64 / at_risk as f64;
        assert_eq!(cells[4], format!("{survival:.6}"), "S({t})");
        let (lower, upper): (f64, f64) = (
            cells[5].parse().expect("lower"),
            cells[6].parse().expect("upper"),
        );
        assert!(
            lower <= survival + 1e-6 && survival <= upper + 1e-6,
            "interval at {t}"
        );
        checked += 1;
    }
    assert!(checked > 30, "{checked} months");
}

#[test]
fn segments_differ_and_the_json_has_medians_and_the_log_rank_test() {
    let out = analyze(&["--by", "segment", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let groups: Vec<&str> = json["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["group"].as_str().expect("name"))
        .collect();
    assert_eq!(groups, ["Enterprise", "Mid-Market", "SMB"]);
    let accounts: u64 = json["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["accounts"].as_u64().expect("accounts"))
        .sum();
    assert_eq!(
        accounts as usize,
        spells().len(),
        "the groups recombine to every account"
    );
    assert_eq!(json["log_rank"]["df"], 2);
    assert!(
        json["log_rank"]["p"].as_f64().expect("p") < 0.05,
        "{}",
        json["log_rank"]
    );
    assert_eq!(json["last_month"], "2026-10");
    let table = analyze(&["--by", "segment"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("censored at October 2026") && text.contains("Log-rank test"),
        "{text}"
    );
}

#[test]
fn acv_bands_and_unknown_dimensions_are_refused() {
    let out = analyze(&["--by", "acv_band"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("churned account"));
    let out = analyze(&["--by", "segmnt"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("segment"));
}
