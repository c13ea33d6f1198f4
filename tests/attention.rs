//! The attention block and the one meaning of "at risk" and "renewals due" as the reader sees
//! them: on the example's home page (values checked against data/renewals.csv as of 2026-11-01:
//! 39 open renewals worth $2,312,400 due by 1 December, 50 worth $2,709,120 by 30 January, none
//! overdue, 20 accounts with a flagged open renewal worth $563,880, and no unflagged red-health
//! renewal within 180 days), and on the hand-computed project tests/fixtures/projects/at-risk as
//! of 2026-07-02 (see tests/metric_isolation.rs): R1's flagged $1,200 renewal is a day overdue,
//! R2's $2,400 renewal is red and due in 90 days, R4's $4,800 is due in 44 days, R3's is 242
//! days out.

mod common;
#[path = "common/text.rs"]
mod text;

use std::path::{Path, PathBuf};
use text::text;

/// The attention block of a page's HTML.
fn attention(html: &str) -> &str {
    let start = html
        .find("<section class=\"attention\"")
        .expect("the page has the attention block");
    let end = start + html[start..].find("</section>").expect("the block ends");
    &html[start..end]
}

fn built(project: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    common::build_site(project, &out);
    (tmp, out)
}

fn read(out: &Path, page: &str) -> String {
    std::fs::read_to_string(out.join(page)).expect("page")
}

#[test]
fn the_home_page_says_what_needs_attention() {
    let (_tmp, out) = built(Path::new(env!("CARGO_MANIFEST_DIR")));
    let home = read(&out, "index.html");
    let block = attention(&home);
    let shown = text(block);
    assert!(
        shown.starts_with(
            "Open renewal ARR as of 2026-11-01 \
             39 renewals due in the next 30 days $2,312,400 \
             50 renewals due in the next 90 days $2,709,120 \
             0 renewals overdue $0 \
             20 accounts at risk $563,880 \
             The 5 most urgent of 20 open renewals at risk on 2026-11-01 (flagged at risk, or red \
             health and due within 180 days; overdue included)."
        ),
        "{shown}"
    );
    // The five most urgent, each linked to its account page and its CSM's, with the renewal's
    // ARR, its due date in days and its reasons in words.
    for (account, line) in [
        (
            "ACC00030",
            "Everfield Retail (ACC00030) $62,040 due today (2026-11-01) · CSM Gray Okafor flagged: usage decline red health sponsor change ticket spike",
        ),
        (
            "ACC00012",
            "Fjordworks Health $43,800 2026-12-01, in 30 days · CSM Gray Okafor flagged: competition red health no contact in 60+ days sponsor change",
        ),
        (
            "ACC00189",
            "Mosaicspark Retail $4,920 due today (2026-11-01) · CSM Casey Lee",
        ),
        (
            "ACC00124",
            "Cobaltnest Systems $83,520 2026-12-01, in 30 days · CSM Harper Diaz flagged: competition red health",
        ),
        (
            "ACC00194",
            "Brightpath Analytics $14,160 2027-01-01, in 61 days · CSM Avery Stone",
        ),
    ] {
        assert!(
            block.contains(&format!("href=\"accounts&#x2F;{account}.html\"")),
            "{account}"
        );
        assert!(shown.contains(line), "{line}\n{shown}");
    }
    assert_eq!(block.matches("<li>").count(), 5);
    assert!(block.contains("href=\"csm&#x2F;CSM007.html\">Gray Okafor</a>"));
    // A factor the flag already names is not said twice; then a chip says no open tracked
    // action covers the account (tests/actions.rs checks those chips), the last one gives its
    // churn score, and a line what raises it (tests/scores.rs checks the scores).
    assert_eq!(
        text(&block[block.find("Mosaicspark").unwrap_or(0)..])
            .split(" CSM Casey Lee ")
            .nth(1)
            .and_then(|rest| rest.split(" Cobaltnest").next()),
        Some(
            "flagged: usage decline red health no contact in 60+ days sponsor change no action \
             churn risk over 99.9% in 90 days Churn score raised by sponsor change in 90 days, \
             usage declining, low DAU&#x2F;MAU"
        )
    );
    assert!(shown.contains("What changed against the previous period"));

    // The forecast looks forward from as-of, and its at-risk ARR is the block's.
    let page = text(&home);
    assert!(
        page.contains(
            "Renewals due in the 12 months from November 2026 to October 2027, as of 2026-11-01; \
             at risk: open renewals flagged at risk"
        ),
        "{page}"
    );
    assert!(page.contains("at risk $563,880 7.1%"), "{page}");

    // The weekly review: the tiles name their window, the same block, the same at-risk list.
    let weekly = text(&read(&out, "weekly/2026-W43.html"));
    assert!(
        weekly.contains("At-risk ARR, as of 2026-11-01 $564K"),
        "{weekly}"
    );
    // Renewals due are the attention block's next 30 and 90 days, not a tile of the week
    // (the week's own renewals due are $0 while 50 are due in the next 90 days).
    assert!(!weekly.contains("ARR up for renewal"), "{weekly}");
    assert!(
        weekly.contains("50 renewals due in the next 90 days $2,709,120"),
        "{weekly}"
    );
    assert!(weekly.contains(
        "20 open renewals at risk on 2026-11-01, 15 most urgent shown (flagged at risk, or red health and due within 180 days; overdue included)"
    ));
    assert!(weekly.contains(
        "Open renewals due in the next 90 days (to 2027-01-30) or overdue, as of 2026-11-01"
    ));

    // The board's forecast is the next quarter, labelled, with the same rule.
    let board = text(&read(&out, "board/2026-Q3.html"));
    assert!(
        board.contains("Renewals due in Q4 2026, as of 2026-11-01; at risk: open renewals"),
        "{board}"
    );
    assert!(board.contains("at risk $398,280 7.1%"), "{board}");
    // The weekly review carries the block too; W43's NPS of 100 rests on one answer (against
    // 25 on four the week before), so it is not news in "what changed".
    let weekly = read(&out, "weekly/2026-W43.html");
    let shown = text(attention(&weekly));
    assert!(
        shown.contains("39 renewals due in the next 30 days $2,312,400"),
        "{shown}"
    );
    assert!(!shown.contains("Net Promoter Score"), "{shown}");
}

#[test]
fn overdue_renewals_stay_at_risk_and_say_so() {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/at-risk");
    let (_tmp, out) = built(&project);
    let home = read(&out, "index.html");
    let shown = text(attention(&home));
    assert_eq!(
        shown,
        "Open renewal ARR as of 2026-07-02 \
         0 renewals due in the next 30 days $0 \
         2 renewals due in the next 90 days $7,200 \
         1 renewal overdue $1,200 \
         2 accounts at risk $3,600 \
         The 2 open renewals at risk on 2026-07-02, most urgent first (flagged at risk, or red \
         health and due within 180 days; overdue included). \
         Rowan $2,400 2026-09-30, in 90 days · CSM — red health \
         Redwood $1,200 overdue 1 day (due 2026-07-01) · CSM — flagged"
    );
    assert!(home.contains("attention-due status-bad\">overdue 1 day"));
    // The at-risk table: one row per renewal, the overdue one marked; the forecast of the
    // twelve months from July 2026 counts both as at risk ($1,200 + $2,400 of $12,000 due).
    let page = text(&home);
    assert!(
        page.contains("Rowan $2,400 90 — 30 red health Redwood $1,200 overdue 1 — 70 flagged"),
        "{page}"
    );
    assert!(
        page.contains("due $12,000 100.0% high confidence $8,400 70.0% at risk $3,600 30.0%"),
        "{page}"
    );

    // The account page: the overdue renewal is its next one, in the bad colour, and its
    // renewals table says "overdue 1".
    let account = read(&out, "accounts/R1.html");
    let page = text(&account);
    assert!(
        page.contains("Next renewal overdue 1 day (due 2026-07-01), $1,200 (negotiation)"),
        "{page}"
    );
    assert!(account.contains("<div class=\"fact status-bad\"><dt>Next renewal</dt>"));
    assert!(
        page.contains("Redwood 2026-07-01 overdue 1 $1,200 negotiation, at risk"),
        "{page}"
    );
    // R2's unflagged renewal is at risk by red health, so its stage says so too.
    assert!(text(&read(&out, "accounts/R2.html")).contains("proposal sent, at risk"));
}
