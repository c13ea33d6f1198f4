//! `postsale alerts` and the checking of `alerts.yaml`, run as a user would: on the small fixture
//! project whose alerts are computed by hand below, and on the example project.
//!
//! tests/fixtures/projects/alerts, as of 2026-11-03; the previous evaluation is a week earlier,
//! 2026-10-27. The latest complete month is October now, September then.
//! - MRR: A1 100, A2 200 every month; A3 (Enterprise) 1,000 in August and September, 600 in
//!   October. Company MRR: 1,300 in September, 900 in October.
//! - Health: A1 70, then 35 from 2 November; A2 30 throughout; A3 45, then 80 from 1 November.
//! - Renewal N1 of A2 ($2,400.50) is flagged at risk and due 1 December: 28 days away now, 35
//!   days away then.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/alerts")
}

fn postsale(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg("--project")
        .arg(project)
        .output()
        .expect("the postsale binary runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_fixture_alerts_computed_by_hand() {
    let text = stdout(&postsale(&fixture(), &["alerts"]));
    // Critical first, then by rule id, then by scope.
    // - due-soon: N1 is due within 30 days now (28), not then (35): new.
    // - mrr-low: $900 in October < $1,000; September's $1,300 was not: new.
    // - cleared: A3 was at 45 < 50 then, 80 now: resolved (the rule asks for it), listing A3
    //   as it was then (ARR 12 × September's $1,000).
    // - mrr-drop: Enterprise fell from $1,000 to $600 (−40 % ≤ −20 %); September against
    //   August was 0 %: new. SMB stayed at $300: nothing.
    // - red-health: Casey Lane's book (A1, A3) has A1 newly below 40: new; Drew Moss's (A2) was
    //   and is: ongoing, reported because of every_time.
    assert_eq!(
        text,
        "Alerts as of 2026-11-03 (against the evaluation of 2026-10-27): 6 alerts from 5 rules

new       critical  due-soon  company
  1 renewal matching 'renewal at risk due within 30 days', $2,401 ARR
    Beech (A2) renewal N1 due 2026-12-01, ARR $2,401, new
  to: team, cs-ops@example.com

new       critical  mrr-low  company
  MRR $900 over 2026-10: below $1,000
  to: leadership

resolved  warning   cleared  segment Enterprise
  no account matches 'health below 50' any more; on 2026-10-27: 1 account, $12,000 ARR
    Cypress (A3) health 45, ARR $12,000

new       warning   mrr-drop  segment Enterprise
  MRR $600 over 2026-10: -40.0 % from $1,000 over 2026-09 (at least -20.0 %)
  to: manager

new       warning   red-health  csm Casey Lane (C1)
  1 account matching 'health below 40', $1,200 ARR
    Alder (A1) health 35, ARR $1,200, new
  to: csm

ongoing   warning   red-health  csm Drew Moss (C2)
  1 account matching 'health below 40', $2,400 ARR
    Beech (A2) health 30, ARR $2,400
  to: csm
"
    );
}

#[test]
fn the_fixture_alerts_as_json() {
    let out: serde_json::Value = serde_json::from_str(&stdout(&postsale(
        &fixture(),
        &["alerts", "--format", "json"],
    )))
    .expect("one JSON object");
    assert_eq!(out["as_of"], "2026-11-03");
    assert_eq!(out["previous"], "2026-10-27");
    let alerts = out["alerts"].as_array().expect("a list of alerts");
    let ids: Vec<String> = alerts
        .iter()
        .map(|a| format!("{} {} {}", a["rule"], a["status"], a["scope"]["key"]))
        .collect();
    assert_eq!(
        ids,
        [
            r#""due-soon" "new" null"#,
            r#""mrr-low" "new" null"#,
            r#""cleared" "resolved" "Enterprise""#,
            r#""mrr-drop" "new" "Enterprise""#,
            r#""red-health" "new" "C1""#,
            r#""red-health" "ongoing" "C2""#,
        ]
    );
    // The renewal's ARR to the cent, its due date and that it is new.
    let due = &alerts[0]["evidence"];
    assert_eq!(due["kind"], "matches");
    assert_eq!(due["arr"], 2400.5);
    assert_eq!(
        due["matches"][0],
        serde_json::json!({
            "account": "A2", "name": "Beech", "renewal": "N1", "due_on": "2026-12-01",
            "health": null, "arr": 2400.5, "new": true
        })
    );
    assert_eq!(
        alerts[1]["evidence"],
        serde_json::json!({
            "kind": "threshold", "metric": "mrr", "period": "2026-10", "basis": null,
            "value": 900.0, "above": false, "threshold": 1000.0
        })
    );
    // (600 − 1,000) / 1,000 = −40 %.
    let drop = &alerts[3]["evidence"];
    assert_eq!(drop["change"], -40.0);
    assert_eq!(drop["earlier_period"], "2026-09");
    assert_eq!(
        alerts[0]["recipients"],
        serde_json::json!(["team", "cs-ops@example.com"])
    );
    assert_eq!(alerts[4]["scope"]["name"], "Casey Lane");
}

#[test]
fn a_week_later_only_what_changed_is_reported() {
    // As of 2026-11-10 (against 2026-11-03) nothing moved: the October values hold then and
    // now, so only red-health's every_time alerts remain (both books ongoing).
    let text = stdout(&postsale(&fixture(), &["alerts", "--as-of", "2026-11-10"]));
    let heads: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .collect();
    assert_eq!(
        heads,
        [
            "Alerts as of 2026-11-10 (against the evaluation of 2026-11-03): 2 alerts from 5 rules",
            "ongoing   warning   red-health  csm Casey Lane (C1)",
            "ongoing   warning   red-health  csm Drew Moss (C2)",
        ]
    );
}

#[test]
fn check_reports_every_problem_of_the_rules_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(fixture().join("data")).expect("fixture data") {
        let entry = entry.expect("entry");
        std::fs::create_dir_all(tmp.path().join("data")).expect("data dir");
        std::fs::copy(
            entry.path(),
            tmp.path().join("data").join(entry.file_name()),
        )
        .expect("copy");
    }
    std::fs::write(
        tmp.path().join("alerts.yaml"),
        "rules:
  a:
    metric: nrrr
    below: 100
  b:
    health_below: 50
    scope: { segment: Enterprize }
  c:
    usage_decline: true
    severity: hot
",
    )
    .expect("write");
    let out = postsale(tmp.path(), &["check"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The file's own problems and those against the data (a segment no account has; a
    // condition whose table is missing is only found once the rule is valid).
    assert!(
        err.contains(
            "alerts.yaml:3:5: error: unknown metric 'nrrr' in rule 'a'\n  help: did you mean 'nrr'?"
        ),
        "{err}"
    );
    assert!(
        err.contains("alerts.yaml:10:5: error: unknown severity 'hot' in rule 'c'"),
        "{err}"
    );
    let out = postsale(tmp.path(), &["alerts"]);
    assert!(!out.status.success());
    std::fs::write(
        tmp.path().join("alerts.yaml"),
        "rules:
  b:
    health_below: 50
    scope: { segment: Enterprize }
  c:
    usage_decline: true
",
    )
    .expect("write");
    let out = postsale(tmp.path(), &["check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim_end(),
        "alerts.yaml:4:14: error: rule 'b' watches segment 'Enterprize', which no account has
  help: did you mean 'Enterprise'?
alerts.yaml:6:5: error: rule 'c' needs usage.csv, which the project does not have
2 errors"
    );
}

#[test]
fn the_example_project_rules_are_valid_and_evaluate() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR"));
    let check = stdout(&postsale(example, &["check"]));
    assert!(
        check.contains(", 6 alert rules and 2 scenarios are valid"),
        "{check}"
    );
    // As of 2026-10-01: SMB's churned MRR rose from $2,560 in August to $4,100 in September
    // (+60.2 %, at least +25 %), and CSM001's book has a new account below health 40.
    let text = stdout(&postsale(example, &["alerts", "--as-of", "2026-10-01"]));
    assert!(
        text.contains(
            "new       warning   churn-up-by-segment  segment SMB
  Churned MRR $4,100 over 2026-09: +60.2 % from $2,560 over 2026-08 (at least +25.0 %)
  to: leadership, manager"
        ),
        "{text}"
    );
    assert!(
        text.contains("new       warning   red-health-book  csm Avery Stone (CSM001)"),
        "{text}"
    );
    let out: serde_json::Value =
        serde_json::from_str(&stdout(&postsale(example, &["alerts", "--format", "json"])))
            .expect("one JSON object");
    let alerts = out["alerts"].as_array().expect("alerts");
    assert!(!alerts.is_empty());
    for alert in alerts {
        assert!(
            ["new", "ongoing", "resolved"].contains(&alert["status"].as_str().unwrap_or("")),
            "{alert}"
        );
        // Ongoing alerts come only from every_time rules.
        if alert["status"] == "ongoing" {
            assert_eq!(alert["rule"], "red-health-book");
        }
    }
}

#[test]
fn the_site_lists_alerts_and_shows_each_on_its_scope_page() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR"));
    // The output inside its own temporary folder: the build locks the folder that holds it.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    common::build_site(example, &out);
    let read = |page: &str| std::fs::read_to_string(out.join(page)).expect(page);
    let alerts = read("alerts.html");
    // In the navigation of every page, current on its own.
    assert!(alerts.contains(r#"<a href="alerts.html" aria-current="page">Alerts</a>"#));
    assert!(read("index.html").contains(r#"<a href="alerts.html">Alerts</a>"#));
    // As of 2026-11-01: Avery Stone's book has a new account below health 40, linked to the
    // CSM's page.
    assert!(
        alerts.contains(r#"<strong>red-health-book</strong> · csm <a href="csm&#x2F;CSM001.html">Avery Stone</a>"#),
        "{alerts}"
    );
    // Each matching account's line links to the account's page.
    assert!(alerts.contains(
        r#"<a href="accounts&#x2F;ACC00194.html">Brightpath Analytics (ACC00194) health 33, ARR $14,160, new</a>"#
    ));
    // The CSM's page shows its own alert; a book without one shows none.
    let own = read("csm/CSM001.html");
    assert!(own.contains(r#"<section class="alerts" aria-label="Alerts">"#));
    assert!(own.contains("<strong>red-health-book</strong></p>"));
    assert!(!read("csm/CSM002.html").contains(r#"class="alerts""#));
}

#[test]
fn names_on_the_alerts_page_are_escaped() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("data")).expect("data dir");
    for entry in std::fs::read_dir(fixture().join("data")).expect("fixture data") {
        let entry = entry.expect("entry");
        let text = std::fs::read_to_string(entry.path()).expect("read");
        // A3's segment and A1's name carry markup.
        let text = text
            .replace("A3,Cypress,Enterprise", "A3,Cypress,<i>Ent</i>")
            .replace("A1,Alder,", "A1,<b>Alder</b>,");
        std::fs::write(tmp.path().join("data").join(entry.file_name()), text).expect("write");
    }
    std::fs::copy(
        fixture().join("postsale.yaml"),
        tmp.path().join("postsale.yaml"),
    )
    .expect("copy");
    let rules = std::fs::read_to_string(fixture().join("alerts.yaml"))
        .expect("rules")
        .replace("segment: Enterprise", "segment: <i>Ent</i>");
    std::fs::write(tmp.path().join("alerts.yaml"), rules).expect("write");
    let out = tmp.path().join("site");
    common::build_site(tmp.path(), &out);
    let page = std::fs::read_to_string(out.join("alerts.html")).expect("alerts page");
    assert!(!page.contains("<i>") && !page.contains("<b>"), "{page}");
    assert!(
        page.contains("segment &lt;i&gt;Ent&lt;&#x2F;i&gt;"),
        "{page}"
    );
    assert!(
        page.contains("&lt;b&gt;Alder&lt;&#x2F;b&gt; (A1) health 35"),
        "{page}"
    );
}

#[test]
fn the_alerts_command_reports_config_and_rules_problems_together() {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("postsale.yaml"), "currency: usd\n").expect("write");
    std::fs::write(
        tmp.path().join("alerts.yaml"),
        "rules:\n  x: { metric: nrrr, below: 1 }\n",
    )
    .expect("write");
    let out = postsale(tmp.path(), &["alerts"]);
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "postsale.yaml:1:1: error: bad value for 'currency' (found 'usd', expected a three-letter ISO 4217 code such as USD)
alerts.yaml:2:8: error: unknown metric 'nrrr' in rule 'x'
  help: did you mean 'nrr'?
2 errors"
    );
}
