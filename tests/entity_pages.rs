//! The account and CSM pages of the example as a reader sees them: the lifecycle badge, no risk
//! on a churned account, a lost renewal read as lost, and the CSM book's summary (values checked
//! by hand against data/*.csv as of 2026-11-01).

mod common;

use std::path::PathBuf;

/// The text of an HTML page with tags dropped and whitespace collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

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
