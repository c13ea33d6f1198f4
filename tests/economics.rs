//! "Where churn comes from" on the quarterly deep dive of the example project, read from the
//! tables' CSV downloads: each breakdown's churned MRR per group is the engine's `churned_mrr`
//! for that group (`postsale metrics --by`), the groups recombine to the company's total, and
//! every share column sums to 100; the economics table's LTV:CAC is its LTV over its CAC.

mod common;

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The CSV downloads of a page whose header starts with `header`, as rows of column → cell.
fn tables(out: &Path, page: &str, header: &str) -> Vec<Vec<BTreeMap<String, String>>> {
    let mut found = Vec::new();
    for n in 1.. {
        let path = out.join(format!("{page}.table-{n}.csv"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            break;
        };
        if !text.starts_with(header) {
            continue;
        }
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let columns: Vec<String> = reader
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                let r = r.expect("a row");
                columns
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_string))
                    .collect()
            })
            .collect();
        found.push(rows);
    }
    found
}

fn number(cell: &str) -> f64 {
    cell.parse().unwrap_or_else(|_| panic!("a number: {cell}"))
}

/// `postsale metrics churned_mrr` for 2026-Q3 by `by`: (groups, total).
fn churned_by(by: &str) -> (BTreeMap<String, f64>, f64) {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "metrics",
            "churned_mrr",
            "--period",
            "2026-Q3",
            "--by",
            by,
            "--format",
            "json",
        ])
        .arg("--project")
        .arg(project())
        .output()
        .expect("runs postsale metrics");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    let groups = json["groups"]
        .as_object()
        .expect("groups")
        .iter()
        .map(|(g, v)| (g.clone(), v["churned_mrr"].as_f64().unwrap_or(0.0)))
        .collect();
    (
        groups,
        json["metrics"]["churned_mrr"].as_f64().expect("total"),
    )
}

#[test]
fn churn_composition_recombines_to_the_engine_s_totals() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    common::build_site(&project(), &out);
    let page = "quarterly/2026-Q3";
    let compositions = tables(&out, page, "group,share of customers,");
    assert_eq!(compositions.len(), 4, "segment, ACV band, industry, region");
    for (rows, by) in compositions
        .iter()
        .zip(["segment", "acv_band", "industry", "region"])
    {
        let (groups, total) = churned_by(by);
        let mut sum = 0.0;
        for row in rows {
            let churned = number(&row["churned MRR"]);
            sum += churned;
            if by != "acv_band" {
                assert_eq!(Some(&churned), groups.get(&row["group"]), "{by}: {row:?}");
            }
            // Churn vs weight is the difference of the two MRR shares.
            let over = number(&row["churn vs weight"]);
            let diff = number(&row["share of churned MRR"]) - number(&row["share of MRR"]);
            assert!((over - diff).abs() < 1e-6, "{by}: {row:?}");
        }
        assert!((sum - total).abs() < 0.005, "{by}: {sum} against {total}");
        for column in [
            "share of customers",
            "share of churned logos",
            "share of MRR",
            "share of churned MRR",
        ] {
            let shares: f64 = rows.iter().map(|r| number(&r[column])).sum();
            assert!(
                (shares - 100.0).abs() < 1e-6,
                "{by}: {column} sums to {shares}"
            );
        }
    }
    // The example's SMB accounts are 5.5 % of the MRR and 20.0 % of the churned MRR.
    let smb = compositions[0]
        .iter()
        .find(|r| r["group"] == "SMB")
        .expect("an SMB row");
    assert_eq!(smb["churned MRR"], "9100.00");
    let html = std::fs::read_to_string(out.join(format!("{page}.html"))).expect("the page");
    assert!(html.contains("<h2>Where churn comes from</h2>"));
    assert!(
        html.contains("<td class=\"num status-bad\" data-sort=\"14.54"),
        "SMB flagged"
    );

    let economics = tables(&out, page, "group,accounts,CAC,");
    assert_eq!(economics.len(), 2, "by segment and by source");
    for row in economics.iter().flatten() {
        let (ltv, cac, ratio) = (
            number(&row["LTV"]),
            number(&row["CAC"]),
            number(&row["LTV:CAC"]),
        );
        assert!((ltv / cac - ratio).abs() < 1e-3, "{row:?}");
        // Lifetime is capped at the configured 5 years.
        assert!(number(&row["lifetime (months)"]) <= 60.0, "{row:?}");
    }
}
