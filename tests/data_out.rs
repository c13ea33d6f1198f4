//! What the example site tells a reader about its numbers and hands out: benchmark bands as
//! numbers on metric pages and the Definitions page, survey response counts and small-sample
//! notes, and every data table as a CSV file beside its page.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The example project built once for every test of this file (no PDFs).
fn site() -> &'static Path {
    static SITE: OnceLock<tempfile::TempDir> = OnceLock::new();
    SITE.get_or_init(|| {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args(["build", "--no-pdf", "--project"])
            .arg(&root)
            .arg("--out")
            .arg(tmp.path().join("site"))
            .output()
            .expect("runs postsale");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
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
        defs.contains("Benchmark: best ≥ 50; good 30–50; acceptable 10–30; weak < 10 Target: 40"),
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
    assert!(!tile(&home, "Net revenue retention").contains("tile-sample"));
}
