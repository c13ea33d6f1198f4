//! The account and CSM index pages as sortable, filterable tables of the engine's values, and
//! the data-quality page's tables as CSV files beside it (issue 12, parts 5 and 9).

mod common;

use std::path::{Path, PathBuf};

/// Builds the `site` fixture (8 accounts, 3 CSMs, as of 2026-04-01) into a temporary folder.
fn fixture() -> (tempfile::TempDir, PathBuf) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    common::build_site(&root.join("tests/fixtures/projects/site"), &out);
    (tmp, out)
}

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The `<tr>` of the table whose first cell links to `href`.
fn row<'a>(html: &'a str, href: &str) -> &'a str {
    let at = html
        .find(&format!("<th scope=\"row\"><a href=\"{href}\">"))
        .unwrap_or_else(|| panic!("row {href}"));
    let start = html[..at].rfind("<tr>").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}

#[test]
fn account_index_is_a_sortable_filterable_table_of_arr_health_owner_and_status() {
    let (_tmp, out) = fixture();
    let html = read(&out, "accounts/index.html");
    assert!(html.contains(
        "<thead><tr><th scope=\"col\">account</th><th scope=\"col\">id</th><th scope=\"col\">owner</th><th scope=\"col\">segment</th><th scope=\"col\" class=\"num\">ARR</th><th scope=\"col\" class=\"num\">health</th><th scope=\"col\">status</th></tr></thead>"
    ));
    assert!(html.contains("<table class=\"data sortable entity-index\">"));
    // The filter box filters the table's rows; the script shows it (hidden without scripts).
    assert!(html.contains("data-filter=\"entity-rows\" hidden>"));
    assert!(html.contains("<tbody id=\"entity-rows\">"));
    assert!(html.contains("assets/index-table.js"));
    assert!(html.contains(">8 accounts</span>"));
    // ACC00001: ARR = 12 × $5,490 (March 2026 MRR) = $65,880; health 89, green; CSM002 owns it;
    // first MRR November 2025, more than 90 days before as-of: active.
    let r = row(&html, "ACC00001.html");
    assert!(
        r.contains("<td><a href=\"..&#x2F;csm&#x2F;CSM002.html\">Blake Moreno</a></td>"),
        "{r}"
    );
    assert!(
        r.contains("<td class=\"num\" data-sort=\"65880\">$65,880</td>"),
        "{r}"
    );
    assert!(
        r.contains("<td class=\"num status-good\" data-sort=\"89\">89</td>"),
        "{r}"
    );
    assert!(r.contains("<td data-sort=\"3\">active</td>"), "{r}");
    // ACC00006 never paid: no score, no sort key, "no revenue yet".
    let r = row(&html, "ACC00006.html");
    assert!(r.contains("<td class=\"num\">—</td>"), "{r}");
    assert!(r.contains("no revenue yet</td>"), "{r}");
    // A name with markup is text.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt; &amp; Co</a>"));
    assert!(!html.contains("<script>alert(1)"));
    // The same table as a CSV file beside the page, exact values.
    let csv = read(&out, "accounts/index.table-1.csv");
    assert!(html.contains("<a href=\"index.table-1.csv\" download>Download CSV</a>"));
    assert!(csv.starts_with("account,id,owner,segment,ARR,health,status\r\n"));
    assert!(csv.contains(
        "\r\nBrightgrid Logistics,ACC00001,Blake Moreno,Mid-Market,65880.00,89,active\r\n"
    ));
    assert!(csv.contains("\r\nIronwave Labs,ACC00006,Avery Stone,SMB,0.00,,no revenue yet\r\n"));
}

#[test]
fn csm_index_lists_each_book_with_its_arr_health_mix_and_risk() {
    let (_tmp, out) = fixture();
    let html = read(&out, "csm/index.html");
    for column in ["CSM", "team", "manager"] {
        assert!(
            html.contains(&format!("<th scope=\"col\">{column}</th>")),
            "{column}"
        );
    }
    for column in ["accounts", "ARR", "green", "yellow", "red", "at risk"] {
        assert!(
            html.contains(&format!("<th scope=\"col\" class=\"num\">{column}</th>")),
            "{column}"
        );
    }
    assert!(html.contains("data-filter=\"entity-rows\""));
    // CSM002's book: ACC00001, 02, 03, 05 and 08 at March 2026 MRR 5,490 + 11,160 + 2,180 +
    // 11,780 + 5,630 = 36,240, so ARR 434,880; one green (ACC00001, 89), four yellow.
    let r = row(&html, "CSM002.html");
    assert!(
        r.contains("<td class=\"num\" data-sort=\"5\">5</td>"),
        "{r}"
    );
    assert!(
        r.contains("<td class=\"num\" data-sort=\"434880\">$434,880</td>"),
        "{r}"
    );
    assert!(
        r.contains("<td class=\"num\" data-sort=\"1\">1</td><td class=\"num\" data-sort=\"4\">4</td><td class=\"num\" data-sort=\"0\">0</td>"),
        "{r}"
    );
    let csv = read(&out, "csm/index.table-1.csv");
    assert!(
        csv.contains("\r\nBlake Moreno,Mid-Market,,5,434880.00,1,4,0,0\r\n"),
        "{csv}"
    );
}

#[test]
fn data_quality_tables_have_csv_files_beside_the_page() {
    let (_tmp, out) = fixture();
    let html = read(&out, "data-quality.html");
    for n in [1, 2] {
        assert!(
            html.contains(&format!(
                "<a href=\"data-quality.table-{n}.csv\" download>Download CSV</a>"
            )),
            "link {n}"
        );
    }
    // mrr.csv of the fixture has 84 rows; the page shows the same count.
    let rows = read(&out, "data-quality.table-1.csv");
    assert!(rows.starts_with("table,rows\r\naccounts,8\r\n"), "{rows}");
    assert!(rows.contains("\r\nmrr,84\r\n"), "{rows}");
    assert!(html.contains("<td class=\"num\" data-sort=\"84\">84</td>"));
    // 7 of the 8 accounts had MRR in March 2026: 87.5 % on the page and in the file.
    let coverage = read(&out, "data-quality.table-2.csv");
    assert!(
        coverage.starts_with("field,accounts,share\r\n"),
        "{coverage}"
    );
    assert!(
        coverage.contains("\r\naccounts with MRR last month,7,87.5\r\n"),
        "{coverage}"
    );
    assert!(html.contains("data-sort=\"87.5\">87.5%</td>"));
}
