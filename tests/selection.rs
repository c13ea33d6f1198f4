//! `per: account` reports with a `select:` (issue 16, part 5): only the selected accounts get a
//! page, every link to an account page points at a page that exists, and the account index
//! still lists every account. The expected accounts are recomputed here from the example's
//! CSV files (as of 2026-11-01, postsale.yaml), not read from postsale.

#[path = "common/tree.rs"]
mod tree;

mod common;

#[path = "common/run.rs"]
mod run;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The example project (config, data, reports) with the accounts report's front matter given
/// `select` (YAML lines under `select:`).
fn example_with(dir: &Path, select: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = dir.join("project");
    for folder in ["data", "reports"] {
        tree::copy_dir(&root.join(folder), &project.join(folder));
    }
    std::fs::copy(root.join("postsale.yaml"), project.join("postsale.yaml")).expect("copy");
    let report = project.join("reports/accounts.md");
    let text = std::fs::read_to_string(&report).expect("accounts.md");
    let text = text.replacen(
        "per: account\n",
        &format!("per: account\nselect:\n{select}"),
        1,
    );
    std::fs::write(&report, text).expect("write");
    project
}

/// The rows of a CSV file as maps of column → cell (the example has no quoted commas in the
/// columns read here).
fn csv(file: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(file).expect("csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The account pages written (file stems), the index excluded.
fn pages(site: &Path) -> BTreeSet<String> {
    std::fs::read_dir(site.join("accounts"))
        .expect("accounts folder")
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".html")
                .map(String::from)
        })
        .filter(|name| name != "index")
        .collect()
}

/// Every `href` of every page of the site that points into `accounts/` must name a file that
/// exists; returns how many such links there were.
fn account_links_resolve(site: &Path) -> usize {
    let mut checked = 0;
    for entry in walk(site) {
        if entry.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(&entry).expect("page");
        let dir = entry.parent().expect("folder");
        for href in html
            .split("href=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            let href = href.replace("&#x2F;", "/");
            let local = !href.contains(':') && !href.starts_with('#');
            let into_accounts =
                href.contains("accounts/") || (dir.ends_with("accounts") && !href.contains('/'));
            if !local || !into_accounts {
                continue;
            }
            let target = dir.join(href.split('#').next().unwrap_or_default());
            assert!(
                target.exists(),
                "{} links to {href}, which does not exist",
                entry.display()
            );
            checked += 1;
        }
    }
    checked
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn at_risk_accounts_get_a_page_and_match_the_metric() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = example_with(tmp.path(), "  at_risk: true\n");
    let site = tmp.path().join("site");
    common::build_site(&project, &site);
    let json = run::postsale(
        &["metrics", "at_risk_accounts", "--format", "json"],
        &project,
    );
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let at_risk = json["metrics"]["at_risk_accounts"]
        .as_f64()
        .expect("a count");
    assert!(at_risk > 0.0);
    assert_eq!(pages(&site).len() as f64, at_risk);
    assert!(account_links_resolve(&site) > 0);
}

#[test]
fn criteria_combine_with_or_and_conditions_with_and() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let select = "  top_arr: 10\n  renewal_within_days: 30\n  where: [\"segment = enterprise\", \"tier = gold\"]\n";
    let project = example_with(tmp.path(), select);
    let site = tmp.path().join("site");
    common::build_site(&project, &site);

    let data = project.join("data");
    let mut expected = BTreeSet::new();
    // Renewal due within 30 days of 2026-11-01 (by 2026-12-01), or overdue, and still open.
    for r in csv(&data.join("renewals.csv")) {
        let open = !r["stage"].starts_with("closed_");
        if open && r["due_on"].as_str() <= "2026-12-01" {
            expected.insert(r["account_id"].clone());
        }
    }
    let soon = expected.len();
    // The 10 largest ARRs: 12 × October 2026's MRR, in cents; ties by id.
    let mut arr: Vec<(i64, String)> = csv(&data.join("mrr.csv"))
        .into_iter()
        .filter(|r| r["month"] == "2026-10")
        .map(|r| {
            let cents = (r["mrr"].parse::<f64>().expect("mrr") * 100.0).round() as i64;
            (cents * 12, r["account_id"].clone())
        })
        .filter(|(cents, _)| *cents > 0)
        .collect();
    arr.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    expected.extend(arr.into_iter().take(10).map(|(_, id)| id));
    // Enterprise (any letter case) and gold: both conditions.
    let accounts = csv(&data.join("accounts.csv"));
    let gold: Vec<&String> = accounts
        .iter()
        .filter(|a| a["segment"].eq_ignore_ascii_case("enterprise") && a["tier"] == "gold")
        .map(|a| &a["account_id"])
        .collect();
    assert!(!gold.is_empty() && gold.len() < accounts.len());
    expected.extend(gold.into_iter().cloned());
    assert!(
        soon > 0 && expected.len() < accounts.len(),
        "a real selection"
    );

    assert_eq!(pages(&site), expected);
    assert!(account_links_resolve(&site) > 0);

    // The index lists every account, links those with a page, and says which have one.
    let index = std::fs::read_to_string(site.join("accounts/index.html")).expect("index");
    assert_eq!(
        index.matches("<tr><th scope=\"row\">").count(),
        accounts.len()
    );
    assert_eq!(
        index.matches("<tr><th scope=\"row\"><a href=").count(),
        expected.len()
    );
    let sentence = format!(
        "{} of {} accounts have a page: the top 10 by ARR, a renewal due within 30 days (or overdue), or segment = enterprise and tier = gold. The others are listed without one.",
        expected.len(),
        accounts.len()
    );
    assert!(
        index.contains(&sentence),
        "the index says which accounts have a page"
    );
}

#[test]
fn bad_selections_are_located_and_explained() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = example_with(tmp.path(), "  top_arr: 5\n  where: [\"segmnt = SMB\"]\n");
    std::fs::write(
        project.join("reports/stray.md"),
        "---\ntitle: Stray\nselect:\n  at_risk: true\n---\nText.\n",
    )
    .expect("write");
    std::fs::write(
        project.join("reports/empty.md"),
        "---\ntitle: Empty\nper: account\nselect: {}\n---\nText.\n",
    )
    .expect("write");
    std::fs::write(
        project.join("reports/typed.md"),
        "---\ntitle: Typed\nper: account\nselect:\n  where: \"arr > lots\"\n---\nText.\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["check", "--project"])
        .arg(&project)
        .output()
        .expect("postsale runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for wanted in [
        "reports/accounts.md:6:3: error: `where` names the column `segmnt`, which accounts have not",
        "did you mean `segment`?",
        "reports/stray.md:3:1: error: `select` applies to `per: account` reports only",
        "reports/empty.md:4:1: error: `select` names no criterion",
        "reports/typed.md:5:10: error:",
        "`arr` compares with an amount such as 100000; found `lots`",
    ] {
        assert!(err.contains(wanted), "missing {wanted:?} in:\n{err}");
    }
}
