//! Tracked actions (actions.csv) end to end: the loader's checks with the exact messages a user
//! sees, and the example project's reviews, account and CSM pages and home attention block.

use postsale::data::load::{LoadOptions, load};
use postsale::data::{ActionOwner, ActionStatus};

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
