//! Cohort heat maps on a built monthly review: logo and revenue retention by quarterly cohort,
//! their legend, and the same numbers in the chart's data table (issue 12, "charts that tell the
//! truth").

mod common;

use std::path::PathBuf;

#[test]
fn monthly_review_shows_logo_and_revenue_retention_by_quarterly_cohort() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    common::build_site(&root.join("tests/fixtures/projects/site"), &out);
    let html = std::fs::read_to_string(out.join("monthly/2026-03.html")).expect("page written");

    // mrr.csv starts in January 2025, so 2025-Q1's members are unknown and left out. 2025-Q4:
    // ACC00001 from November 2025 at $4,500 (age 3 = February 2026: $5,490) and ACC00003 from
    // December at $2,180 (age 3 = March 2026: $2,180). March 2026 is age 3 of the cohort's
    // last month, so M0 and M3 are reached.
    let logo = &html[html
        .find("<figcaption>Logo retention by quarterly cohort</figcaption>")
        .expect("logo heat map")..];
    let revenue_at = logo
        .find("<figcaption>Revenue retention by quarterly cohort</figcaption>")
        .expect("revenue heat map after the logo one");
    let (logo, revenue) = logo.split_at(revenue_at);
    let row = |section: &str| {
        let at = section
            .find("<tr><th scope=\"row\">2025-Q4</th>")
            .expect("2025-Q4 row");
        let end = at + section[at..].find("</tr>").expect("row end");
        section[at..end].to_string()
    };
    assert!(!logo.contains(">2025-Q1<"), "{logo}");
    // Logo: 2 of 2 at M0 and at M3.
    let r = row(logo);
    assert!(r.contains(">2</td>"), "{r}");
    assert_eq!(r.matches(">100.0%</td>").count(), 2, "{r}");
    // Revenue: M3 = (5,490 + 2,180) / (4,500 + 2,180) = 7,670 / 6,680 = 114.8 %.
    let r = row(revenue);
    assert!(r.contains(">$6,680</td>"), "{r}");
    assert!(r.contains(">114.8%</td>"), "{r}");
    // The chart prints the same value in its cell, and a legend of its colour steps.
    let svg = &revenue[..revenue.find("</svg>").expect("svg")];
    assert!(svg.contains(">114.8%</text>"), "{svg}");
    assert!(svg.contains(">M3</text>"), "{svg}");
    assert!(
        svg.contains(">105.0%</text>") && svg.contains(">115.0%</text>"),
        "{svg}"
    );
}
