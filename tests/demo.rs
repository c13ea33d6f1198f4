//! `postsale demo` as a user runs it: deterministic bytes, every table of DATA.md, data the
//! loader accepts, and dynamics the analytics can find (churn is preceded by falling health).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

fn demo(dir: &Path, seed: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "demo",
            "--accounts",
            "200",
            "--months",
            "24",
            "--seed",
            seed,
            "--out",
        ])
        .arg(dir)
        .output()
        .expect("postsale runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(dir: &Path, table: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(dir.join(format!("{table}.csv"))).expect("table exists");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.expect("valid CSV");
            header
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn same_seed_same_bytes_and_every_table() {
    let (a, b, c) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    demo(a.path(), "5");
    demo(b.path(), "5");
    demo(c.path(), "6");
    for table in postsale::data::TABLES {
        let name = format!("{table}.csv");
        let x = std::fs::read(a.path().join(&name)).unwrap_or_else(|_| panic!("{name} is written"));
        let y = std::fs::read(b.path().join(&name)).expect("read");
        assert!(x == y, "{name} differs between two runs with the same seed");
        assert!(x.len() > 40, "{name} has rows");
    }
    let x = std::fs::read(a.path().join("mrr.csv")).expect("read");
    let z = std::fs::read(c.path().join("mrr.csv")).expect("read");
    assert!(x != z, "another seed gives other data");
}

#[test]
fn the_loader_accepts_it_and_references_hold() {
    let dir = tempfile::tempdir().expect("dir");
    demo(dir.path(), "3");
    let loaded = postsale::data::load::load(dir.path(), &Default::default())
        .unwrap_or_else(|d| panic!("{d}"));
    assert!(loaded.notices.is_empty(), "{:?}", loaded.notices);
    let renewals = read(dir.path(), "renewals");
    for r in &renewals {
        if r["stage"] == "closed_lost" {
            assert_eq!(r["renewed_arr"], "0.00", "a lost renewal keeps nothing");
        }
    }
    // Every closed_lost renewal has its churn row on the due date.
    let churns: BTreeSet<(String, String)> = read(dir.path(), "churns")
        .into_iter()
        .map(|c| (c["account_id"].clone(), c["churned_on"].clone()))
        .collect();
    for r in renewals.iter().filter(|r| r["stage"] == "closed_lost") {
        assert!(
            churns.contains(&(r["account_id"].clone(), r["due_on"].clone())),
            "churn row for {}",
            r["renewal_id"]
        );
    }
}

#[test]
fn health_falls_before_churn() {
    let dir = tempfile::tempdir().expect("dir");
    demo(dir.path(), "11");
    let lost: BTreeSet<(String, String)> = read(dir.path(), "renewals")
        .into_iter()
        .filter(|r| r["stage"] == "closed_lost" || r["stage"] == "closed_won")
        .map(|r| {
            (
                r["account_id"].clone() + "|" + &r["stage"],
                r["due_on"].clone(),
            )
        })
        .collect();
    // Mean of the usage component in the 60 days before each closed renewal, by outcome.
    let health = read(dir.path(), "health");
    let mut sums: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (key, due) in &lost {
        let (account, stage) = key.split_once('|').expect("key");
        let due = chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").expect("date");
        for h in health.iter().filter(|h| h["account_id"] == account) {
            let date = chrono::NaiveDate::parse_from_str(&h["date"], "%Y-%m-%d").expect("date");
            let days = (due - date).num_days();
            if (1..=60).contains(&days) {
                let e = sums
                    .entry(if stage == "closed_lost" {
                        "lost"
                    } else {
                        "won"
                    })
                    .or_default();
                e.0 += h["engagement"].parse::<f64>().expect("number");
                e.1 += 1.0;
            }
        }
    }
    let mean = |k: &str| sums.get(k).map_or(f64::NAN, |(s, n)| s / n);
    assert!(
        mean("lost") + 15.0 < mean("won"),
        "lost {} vs won {}",
        mean("lost"),
        mean("won")
    );
}
