//! Tracked actions (actions.csv) end to end: the loader's checks with the exact messages a user
//! sees, and the example project's reviews, account and CSM pages and home attention block.

mod common;
#[path = "common/text.rs"]
mod text;

use postsale::data::load::{LoadOptions, load};
use postsale::data::{ActionOwner, ActionStatus};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use text::text;

const ACCOUNTS: &str = "account_id,name,segment,csm_id\nA1,Acme,SMB,C1\nA2,Beta,Enterprise,C2\n";
const CSMS: &str = "csm_id,name,email\nC1,Ann Lee,ann@example.com\nC2,Bo Chan,bo@example.com\n";
const HEADER: &str =
    "action_id,title,owner,account_id,segment,metric,created_on,due_on,status,closed_on,outcome\n";

/// Loads accounts, CSMs and `actions` (rows after the header) from a fresh data folder: the
/// actions, or the messages relative to the folder.
fn load_actions(actions: &str) -> Result<Vec<postsale::data::Action>, Vec<String>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    std::fs::write(data.join("accounts.csv"), ACCOUNTS).expect("write");
    std::fs::write(data.join("csms.csv"), CSMS).expect("write");
    std::fs::write(data.join("actions.csv"), format!("{HEADER}{actions}")).expect("write");
    let prefix = format!("{}/", dir.path().display());
    load(&data, &LoadOptions::default())
        .map(|l| l.dataset.actions.unwrap_or_default())
        .map_err(|d| {
            d.0.iter()
                .map(|d| d.to_string().replace(&prefix, ""))
                .collect()
        })
}

#[test]
fn a_valid_table_resolves_owners_accounts_segments_and_metrics() {
    let actions = load_actions(
        "X1,Save plan call,C1,A1,,health_score_avg,2026-09-01,2026-10-01,open,,\n\
         X2,Price review,BO@example.com,,Enterprise,grr,2026-08-01,,done,2026-09-15,Kept at list\n\
         X3,Churn post-mortems,Dana Ops,,,logo_churn_rate,2026-08-01,2026-08-30,dropped,2026-08-20,\n\
         X4,Call the sponsor,ann lee,A2,,,2026-10-01,,open,,\n",
    )
    .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    let summary: Vec<_> = actions
        .iter()
        .map(|a| {
            (
                a.id.as_str(),
                a.owner.clone(),
                a.account,
                a.segment.as_deref(),
                a.metric,
                a.status,
                a.closed_on.map(|d| d.to_string()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            // By csm_id, by e-mail in another case, not a CSM, by name in another case.
            (
                "X1",
                ActionOwner::Csm(0),
                Some(0),
                None,
                Some("health_score_avg"),
                ActionStatus::Open,
                None
            ),
            (
                "X2",
                ActionOwner::Csm(1),
                None,
                Some("Enterprise"),
                Some("grr"),
                ActionStatus::Done,
                Some("2026-09-15".into())
            ),
            (
                "X3",
                ActionOwner::Other("Dana Ops".into()),
                None,
                None,
                Some("logo_churn_rate"),
                ActionStatus::Dropped,
                Some("2026-08-20".into())
            ),
            (
                "X4",
                ActionOwner::Csm(0),
                Some(1),
                None,
                None,
                ActionStatus::Open,
                None
            ),
        ]
    );
    assert_eq!(actions[1].outcome.as_deref(), Some("Kept at list"));
}

#[test]
fn every_problem_is_reported_at_its_cell() {
    let e = load_actions(
        "X1,Save plan,C1,A9,,nrrr,2026-09-01,,open,,\n\
         X2,Price review,C2,,Enterprize,grr,2026-08-01,,done,,\n\
         X3,Post-mortems,C2,,,,2026-08-01,2026-07-30,dropped,2026-07-20,\n\
         X4,Call,C1,,,,2026-10-01,,open,2026-10-05,\n\
         X1,Again,C1,,,,2026-10-01,,closed,,\n\
         X6,,,,,,,,,,\n",
    )
    .expect_err("invalid");
    assert_eq!(
        e,
        [
            "data/actions.csv:2:4: error: unknown account in column 'account_id' (found 'A9', expected an id listed in accounts.csv)",
            "data/actions.csv:2:6: error: unknown metric in column 'metric' (found 'nrrr', expected a metric id of the catalog)\n  help: did you mean `nrr`?",
            "data/actions.csv:3:5: error: unknown segment in column 'segment' (found 'Enterprize', expected a segment of accounts.csv)\n  help: did you mean `Enterprise`?",
            "data/actions.csv:3:10: error: missing value in column 'closed_on' (found '', expected the date the action was done)",
            "data/actions.csv:4:8: error: due before created in column 'due_on' (found '2026-07-30', expected a date on or after created_on 2026-08-01)",
            "data/actions.csv:4:10: error: closed before created in column 'closed_on' (found '2026-07-20', expected a date on or after created_on 2026-08-01)",
            "data/actions.csv:5:10: error: closing date on an open action in column 'closed_on' (found '2026-10-05', expected no date while the status is open)\n  help: set the status to done or dropped, or clear closed_on",
            "data/actions.csv:6:9: error: unknown status in column 'status' (found 'closed', expected one of open, done, dropped)\n  help: expected one of: open, done, dropped",
            "data/actions.csv:7:2: error: missing value in column 'title' (found '', expected a non-empty value)",
            "data/actions.csv:7:3: error: missing value in column 'owner' (found '', expected a non-empty value)",
            "data/actions.csv:7:7: error: missing value in column 'created_on' (found '', expected a date like 2026-01-31)",
            "data/actions.csv:7:9: error: missing value in column 'status' (found '', expected one of open, done, dropped)",
        ]
    );
}

#[test]
fn a_repeated_action_id_names_its_first_line() {
    let e = load_actions(
        "X1,Save plan,C1,,,,2026-09-01,,open,,\n\
         X2,Call,C1,,,,2026-09-01,,open,,\n\
         X1,Again,C2,,,,2026-10-01,,open,,\n",
    )
    .expect_err("duplicate");
    assert_eq!(
        e,
        [
            "data/actions.csv:4:1: error: duplicate action_id (found 'X1' again, expected each action_id once; first on line 2)"
        ]
    );
}

/// The rows of a CSV file of the example's data as (column → cell) maps.
fn rows(table: &str) -> Vec<BTreeMap<String, String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("data/{table}.csv"));
    let mut reader = csv::Reader::from_path(path).expect("reads");
    let header = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("valid CSV");
            header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The example's open actions on 2026-11-01 (created before it, status open).
fn open_actions() -> Vec<BTreeMap<String, String>> {
    rows("actions")
        .into_iter()
        .filter(|a| a["status"] == "open" && a["created_on"].as_str() < "2026-11-01")
        .collect()
}

/// The section of `html` from the heading `heading` (a level-1 heading of the report, an
/// `h2` on the page) to the next one.
fn section<'h>(html: &'h str, heading: &str) -> &'h str {
    let start = html
        .find(&format!(">{heading}</h2>"))
        .unwrap_or_else(|| panic!("the page has a '{heading}' section"));
    let end = html[start + 1..]
        .find("<h2")
        .map_or(html.len(), |e| start + 1 + e);
    &html[start..end]
}

#[test]
fn the_example_reviews_track_their_actions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    common::build_site(Path::new(env!("CARGO_MANIFEST_DIR")), &out);
    let read = |page: &str| std::fs::read_to_string(out.join(page)).expect("page");

    // Counted from actions.csv: open on 2026-11-01, and those due before it.
    let open = open_actions();
    let overdue = open
        .iter()
        .filter(|a| !a["due_on"].is_empty() && a["due_on"].as_str() < "2026-11-01")
        .count();
    assert!(
        open.len() > 10 && overdue > 0,
        "the example has open and overdue actions"
    );

    // The latest weekly issue (week 43) is taken on as-of: the open actions, ten shown, and
    // those closed from 19 to 31 October.
    let weekly = read("weekly/2026-W43.html");
    let actions = text(section(&weekly, "Tracked actions"));
    assert!(
        actions.contains(&format!(
            "{} open, {overdue} overdue, on 2026-11-01.",
            open.len()
        )),
        "{actions}"
    );
    assert!(
        actions.contains(&format!(
            "Showing 10 of {}, the most overdue first",
            open.len()
        )),
        "{actions}"
    );
    let closed: Vec<_> = rows("actions")
        .into_iter()
        .filter(|a| {
            a["status"] != "open" && ("2026-10-19".."2026-11-01").contains(&a["closed_on"].as_str())
        })
        .collect();
    assert!(
        actions.contains(&format!(
            "{} done or dropped since the previous issue (2026-10-19 to 2026-10-31).",
            closed.len()
        )),
        "{actions}"
    );
    for a in &closed {
        let state = format!("{} {}", a["status"], a["closed_on"]);
        assert!(actions.contains(&state), "{state}\n{actions}");
        assert!(actions.contains(&a["outcome"]), "{}", a["outcome"]);
    }
    // Every row shown is open and overdue ones say by how much: the most overdue action
    // (created 2026-08-14, due 2026-09-24, Eli Novak's) is 38 days late.
    assert!(
        actions.contains("Eli Novak Renewal proposal with a multi-year option Kestrelvex Systems: Gross revenue retention (TTM) 2026-08-14 2026-09-24 38 days"),
        "{actions}"
    );
    // A rate's movement is on the TTM basis, from the month before the action to October.
    assert!(
        actions.contains("SMB segment: Logo churn rate (TTM)"),
        "{actions}"
    );
    assert!(
        weekly.contains("title=\"Logo churn rate (TTM): "),
        "{weekly}"
    );
    assert!(actions.contains("Movement: the target metric over the last complete month before the action was opened, then before 2026-11-01; rates (NRR, GRR, churn) over the twelve months to those months (TTM)."), "{actions}");

    // The monthly review shows them too.
    let monthly = text(section(&read("monthly/2026-10.html"), "Tracked actions"));
    assert!(
        monthly.contains(&format!(
            "{} open, {overdue} overdue, on 2026-11-01.",
            open.len()
        )),
        "{monthly}"
    );

    // The home page's attention list: each at-risk account with its open action's owner or
    // "no action", and how many of the at-risk accounts no open action covers. At risk here:
    // the accounts with an open renewal flagged at risk (tests/attention.rs).
    let at_risk: BTreeSet<String> = rows("renewals")
        .into_iter()
        .filter(|r| r["at_risk"] == "true" && !r["stage"].starts_with("closed"))
        .map(|r| r["account_id"].clone())
        .collect();
    let covered: BTreeSet<String> = open.iter().map(|a| a["account_id"].clone()).collect();
    let uncovered = at_risk.difference(&covered).count();
    assert!(uncovered > 0 && uncovered < at_risk.len());
    let home = read("index.html");
    let block = text(&home[home.find("<section class=\"attention\"").expect("block")..]);
    assert!(
        block.contains(&format!(
            "{uncovered} of {} at-risk accounts have no owned action.",
            at_risk.len()
        )),
        "{block}"
    );
    assert_eq!(
        home.matches("chip chip-bad\">no action<").count()
            + home.matches("chip chip-task\">action: ").count(),
        5
    );
    // Cobaltnest Systems (ACC00124) is Harper Diaz's open save action.
    assert!(
        block.contains("Cobaltnest Systems $83,520 2026-12-01, in 30 days · CSM Harper Diaz flagged: competition red health action: Harper Diaz"),
        "{block}"
    );

    // An account's page lists its actions, ever: ACC00192's workshop, done on 26 October.
    let account = text(section(&read("accounts/ACC00192.html"), "Tracked actions"));
    assert!(
        account.contains("1 in all: 0 open (0 overdue), 1 closed, as of 2026-11-01."),
        "{account}"
    );
    assert!(
        account.contains("Gray Okafor Adoption workshop for the main team Cobaltgrid Group (ACC00192): Average health score 2026-10-02 2026-10-20 done 2026-10-26 Workshop held; weekly active users up 72 → 64 (-8 pts)"),
        "{account}"
    );
    // A CSM's page lists the open actions the CSM owns, by id or e-mail: Casey Lee's.
    let mine: Vec<_> = open
        .iter()
        .filter(|a| a["owner"] == "CSM003" || a["owner"] == "casey.lee@example.com")
        .collect();
    let csm = text(section(&read("csm/CSM003.html"), "Tracked actions"));
    assert!(csm.contains(&format!("{} open, ", mine.len())), "{csm}");
    for a in mine {
        assert!(csm.contains(&a["title"]), "{}", a["title"]);
    }
    assert!(!csm.contains("Avery Stone"), "{csm}");
}

#[test]
fn a_project_without_actions_says_so_and_marks_no_attention_row() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/at-risk");
    let tmp = tempfile::tempdir().expect("tempdir");
    // The fixture's own reports, plus a review with the component.
    let copy = tmp.path().join("project");
    std::fs::create_dir_all(copy.join("reports")).expect("mkdir");
    for dir in ["data", "reports"] {
        std::fs::create_dir_all(copy.join(dir)).expect("mkdir");
        for entry in std::fs::read_dir(project.join(dir)).expect("ls") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), copy.join(dir).join(entry.file_name())).expect("copy");
        }
    }
    std::fs::copy(project.join("postsale.yaml"), copy.join("postsale.yaml")).expect("copy");
    std::fs::write(
        copy.join("reports/review.md"),
        "---\ntitle: Review\ncadence: monthly\n---\n# Tracked actions\n\n{{ tracked_actions() }}\n",
    )
    .expect("write");
    let out = tmp.path().join("site");
    common::build_site(&copy, &out);
    let home = std::fs::read_to_string(out.join("index.html")).expect("home");
    assert!(!home.contains("no owned action"));
    assert!(!home.contains("no action"));
    let page = std::fs::read_dir(out.join("review"))
        .expect("review pages")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "html") && !p.ends_with("index.html"))
        .expect("an issue");
    let review = text(&std::fs::read_to_string(page).expect("page"));
    assert!(
        review.contains("No tracked actions: the project has no actions.csv."),
        "{review}"
    );
}
