//! The account and CSM pages of the example as a reader sees them: the lifecycle badge, no risk
//! on a churned account, a lost renewal read as lost, and the CSM book's summary (values checked
//! by hand against data/*.csv as of 2026-11-01).

mod common;
#[path = "common/text.rs"]
mod text;

use std::path::PathBuf;
use text::text;

#[test]
fn account_and_csm_pages_of_the_example() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    common::build_site(&root, &out);
    let page = |p: &str| text(&std::fs::read_to_string(out.join(p)).expect("page"));

    // ACC00001 paid until November 2025, lost its renewal of 1 December 2025 (closed 16
    // November) and has had no MRR since.
    let churned = page("accounts/ACC00001.html");
    assert!(
        churned.contains("Status churned on 2025-12-01"),
        "{churned}"
    );
    assert!(!churned.contains("Urgency"), "{churned}");
    assert!(!churned.contains("Risk factors"), "{churned}");
    assert!(!churned.contains("No risk factors"), "{churned}");
    assert!(
        churned.contains("2025-12-01 closed 2025-11-16 $54,000 lost lost 2 of 5"),
        "{churned}"
    );
    assert!(!churned.contains("-335"), "{churned}");
    assert!(!churned.contains("at risk"), "{churned}");

    // A paying account keeps its badge, urgency and risk line.
    let active = page("accounts/ACC00002.html");
    assert!(active.contains("Status active"), "{active}");
    assert!(active.contains("Urgency"), "{active}");
    assert!(active.contains("risk factors"), "{active}");

    // Avery Stone's book: 22 paying accounts at 12 × October MRR, open renewals due by
    // 1 December (2) and by 30 January (4), 14 open tasks of which 6 past due.
    let csm = page("csm/CSM001.html");
    let lead = csm.find("Book ARR").expect("summary");
    let actions = csm.find("Actions").expect("actions");
    assert!(lead < actions, "the summary leads the page");
    assert!(
        csm.contains(
            "Book ARR $268,440 Accounts 22 Health mix 8 green, 12 yellow, 2 red \
             Renewals due in 30 days 2 ($14,880) Renewals due in 90 days 4 ($41,520) \
             Open tasks 14 (6 overdue)"
        ),
        "{csm}"
    );
}

#[test]
fn the_csm_action_list_and_a_churned_accounts_health() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    common::build_site(&root, &out);
    let read = |p: &str| std::fs::read_to_string(out.join(p)).expect("page");

    // ACC00001 churned on 1 December 2025: its last score (from before it left) is not its
    // health now.
    let churned = text(&read("accounts/ACC00001.html"));
    assert!(
        churned.contains("Health — (churned on 2025-12-01) Health change, 90 days —"),
        "{churned}"
    );

    // Avery Stone's actions as of 2026-11-01: one row per account. Norgrid Retail's renewal is
    // due today, so it leads, above the accounts not contacted for months; its overdue task is
    // named with its due date.
    let html = read("csm/CSM001.html");
    let start = html
        .find("<h2 id=\"actions\"")
        .or_else(|| html.find(">Actions<"))
        .expect("actions");
    let table = &html[start..];
    let table = &table[..table.find("</table>").expect("table end")];
    let rows: Vec<String> = table.split("<tr>").skip(2).map(text).collect();
    assert_eq!(
        rows[0],
        "1 Norgrid Retail renewal due today 1 task overdue no contact in 187 days \
         Schedule training (8 days overdue) $7,080 0"
    );
    assert_eq!(
        rows[1],
        "2 Norline Analytics renewal due in 30 days expansion-ready $7,800 30"
    );
    // Each row links its account once: the ids of the links.
    let accounts: Vec<&str> = table
        .split("accounts&#x2F;")
        .skip(1)
        .filter_map(|r| r.split(".html").next())
        .collect();
    let mut unique = accounts.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        accounts.len(),
        "an account listed twice: {accounts:?}"
    );
    assert_eq!(accounts.len(), 17);
    // Chips carry their status colour.
    assert!(table.contains("<span class=\"chip chip-bad\">renewal due today</span>"));
    assert!(
        table.contains("<span class=\"chip chip-task\">Schedule training (8 days overdue)</span>")
    );
}
