//! What the example site tells a reader about its numbers and hands out: benchmark bands as
//! numbers on metric pages and the Definitions page, survey response counts and small-sample
//! notes, and every data table as CSV: a file beside a report or index page, a `data:` link
//! inside an account or CSM page.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The example project built once for every test of this file (no PDFs).
fn site() -> &'static Path {
    static SITE: OnceLock<tempfile::TempDir> = OnceLock::new();
    SITE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        common::build_site(&root, &tmp.path().join("site"));
        tmp
    })
    .path()
}

fn page(rel: &str) -> String {
    std::fs::read_to_string(site().join("site").join(rel)).expect(rel)
}

/// The text of an HTML fragment with tags removed and the entities Tera writes decoded.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

#[test]
fn metric_page_shows_band_thresholds_and_target_as_numbers() {
    let nrr = text(&page("metrics/nrr.html"));
    assert!(
        nrr.contains(
            "best ≥ 120%; good 110–120%; acceptable 100–110%; warning 90–100%; critical < 90%"
        ),
        "{nrr}"
    );
    let nps = text(&page("metrics/nps.html"));
    assert!(
        nps.contains("best ≥ 50; good 30–50; acceptable 10–30; weak < 10"),
        "{nps}"
    );
    // The example configures an NPS target of 40.
    assert!(
        nps.contains("Target40 (a configured target judges the value instead of the benchmark)"),
        "{nps}"
    );
}

#[test]
fn definitions_page_shows_band_thresholds_and_targets() {
    let defs = text(&page("definitions.html"));
    assert!(
        defs.contains(
            "Benchmark: best ≥ 95%; good 90–95%; acceptable 85–90%; warning 80–85%; critical < 80%"
        ),
        "{defs}"
    );
    assert!(
        defs.contains("Benchmark: best ≥ 50; good 30–50; acceptable 10–30; weak < 10Target: 40"),
        "{defs}"
    );
    assert!(!defs.contains("best; good; acceptable"), "{defs}");
}

/// The tile of `name` on a page: its HTML from its `<section>` to its end.
fn tile<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("aria-label=\"{name}\""))
        .unwrap_or_else(|| panic!("no tile {name}"));
    let start = html[..start].rfind("<section").expect("section");
    let end = start + html[start..].find("</section>").expect("end");
    &html[start..end]
}

#[test]
fn survey_tiles_show_their_response_count_and_small_samples_get_no_status() {
    // October 2026: 20 answered NPS surveys (surveys.csv), fewer than 30.
    let nps = page("metrics/nps.html");
    let t = tile(&nps, "Net Promoter Score");
    assert!(t.contains("tile-value\">10<"), "{t}");
    assert!(t.contains("small sample (n = 20)"), "{t}");
    assert!(t.contains("class=\"tile status-neutral\""), "{t}");
    assert!(!t.contains("status-bad"), "{t}");
    // CSAT rests on 9 answers that month.
    let csat = page("metrics/csat.html");
    assert!(tile(&csat, "CSAT").contains("small sample (n = 9)"));
    // The home page's NPS covers the trailing twelve months: 247 answers, judged as usual.
    let home = page("index.html");
    let t = tile(&home, "Net Promoter Score");
    assert!(t.contains("n = 247 responses"), "{t}");
    assert!(!t.contains("small sample"), "{t}");
    // A non-survey metric has no count.
    assert!(!tile(&home, "Net revenue retention (TTM)").contains("tile-sample"));
}

#[test]
fn every_table_of_a_report_page_has_its_csv_file_beside_the_page() {
    let html = page("monthly/2026-10.html");
    let tables = html.matches("<table").count();
    let links: Vec<&str> = html
        .match_indices("<a href=\"")
        .map(|(i, _)| &html[i + 9..])
        .filter_map(|rest| rest.split('"').next())
        .filter(|href| href.ends_with(".csv"))
        .collect();
    assert!(tables >= 8, "{tables}");
    assert_eq!(links.len(), tables, "{links:?}");
    for (n, href) in links.iter().enumerate() {
        assert_eq!(*href, format!("2026-10.table-{}.csv", n + 1));
        assert!(site().join("site/monthly").join(href).is_file(), "{href}");
    }
    assert_eq!(html.matches(">Download CSV</a>").count(), tables);
}

/// The `data:` links of a page as (file name, decoded CSV), in page order.
fn data_links(html: &str) -> Vec<(String, String)> {
    let prefix = "<a href=\"data:text/csv;charset=utf-8,";
    html.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &html[i + prefix.len()..];
            let (encoded, rest) = rest.split_once('"').expect("a closed href");
            let name = rest
                .strip_prefix(" download=\"")
                .and_then(|r| r.split('"').next())
                .expect("a download name");
            let bytes = encoded.as_bytes();
            let mut out = Vec::new();
            let mut k = 0;
            while k < bytes.len() {
                if bytes[k] == b'%' {
                    let hex = std::str::from_utf8(&bytes[k + 1..k + 3]).expect("hex");
                    out.push(u8::from_str_radix(hex, 16).expect("a hex byte"));
                    k += 3;
                } else {
                    assert!(
                        bytes[k].is_ascii_alphanumeric() || b"-._~,".contains(&bytes[k]),
                        "unencoded byte {} in {encoded}",
                        bytes[k] as char
                    );
                    out.push(bytes[k]);
                    k += 1;
                }
            }
            (name.to_string(), String::from_utf8(out).expect("UTF-8"))
        })
        .collect()
}

#[test]
fn entity_pages_carry_their_tables_csv_inside_the_page() {
    // An account page: every table has its CSV as a data: link named like a file beside it.
    let html = page("accounts/ACC00001.html");
    let tables = html.matches("<table").count();
    let links = data_links(&html);
    assert!(tables >= 5, "{tables}");
    assert_eq!(links.len(), tables);
    for (n, (name, _)) in links.iter().enumerate() {
        assert_eq!(*name, format!("ACC00001.table-{}.csv", n + 1));
    }
    // Its MRR history, exact from mrr.csv (ACC00001: 4,500.00 from 2024-12).
    let (_, mrr) = links
        .iter()
        .find(|(_, csv)| csv.starts_with("month,MRR\r\n"))
        .expect("the MRR table");
    assert!(
        mrr.starts_with("month,MRR\r\n2024-11,0.00\r\n2024-12,4500.00\r\n"),
        "{mrr}"
    );
    // A CSM page likewise; no CSV file is written beside either kind of page.
    let csm = page("csm/CSM001.html");
    assert_eq!(data_links(&csm).len(), csm.matches("<table").count());
    for folder in ["accounts", "csm"] {
        for entry in std::fs::read_dir(site().join("site").join(folder)).expect(folder) {
            let name = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .to_string();
            assert!(
                !name.ends_with(".csv") || name.starts_with("index."),
                "{folder}/{name}"
            );
        }
    }
}

#[test]
fn csv_files_hold_exact_values() {
    let csv = |rel: &str| std::fs::read_to_string(site().join("site").join(rel)).expect(rel);
    // The October 2026 MRR bridge: September's and October's MRR are the sums of mrr.csv
    // (1,810,150.00 and 1,808,950.00), in currency units with two decimals.
    let bridge = csv("monthly/2026-10.table-1.csv");
    assert!(
        bridge.starts_with("step,MRR\r\nstart MRR,1810150.00\r\nnew,6200.00\r\n"),
        "{bridge}"
    );
    assert!(bridge.ends_with("\r\nend MRR,1808950.00\r\n"), "{bridge}");
    // Percents as numbers, not "99.6%".
    let headline = csv("monthly/2026-10.table-3.csv");
    assert!(
        headline.contains("\r\nNet revenue retention (month),99.5668867221,99.13073694,"),
        "{headline}"
    );
    assert!(
        !headline.contains("99.6%") && !headline.contains("$"),
        "{headline}"
    );
}

#[test]
fn names_from_the_data_are_quoted_and_guarded_in_csv_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/hostile");
    let out = tmp.path().join("site");
    common::build_site(&project, &out);
    let mut all = String::new();
    for entry in walkdir::WalkDir::new(&out).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.path().extension().is_some_and(|e| e == "csv") {
            all.push_str(&std::fs::read_to_string(entry.path()).expect("csv"));
        }
    }
    // accounts.csv names: `@ref Health`, `#read("/etc/passwd")`.
    assert!(all.contains("\n'@ref Health,"), "{all}");
    assert!(!all.contains("\n@ref Health"), "{all}");
    assert!(all.contains("\n\"#read(\"\"/etc/passwd\"\")\","), "{all}");
}
