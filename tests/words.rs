//! Words and numbers on the example site as a reader sees them: no signed zero, a change said
//! once (the verb carries its sign) and in agreement with the rounded values beside it, data codes
//! as words, health scores as whole numbers and ACV bands in band order.

#[path = "common/tree.rs"]
mod tree;

mod common;
#[path = "common/pages.rs"]
mod pages;

/// The example site's HTML pages, path → text.
fn example_site(out: &Path) -> BTreeMap<String, String> {
    common::build_site(&root(), out);
    pages::pages(out)
}

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The texts between `>` and `<` of a page: what a reader sees, tag by tag.
fn texts(html: &str) -> impl Iterator<Item = &str> {
    html.split('>').filter_map(|s| s.split('<').next())
}

/// The "what changed" lines of a page: `rose 12.5 pts to 87.5% (from 75.0%)`.
fn change_lines(html: &str) -> Vec<String> {
    html.split("</a> ")
        .skip(1)
        .filter(|s| s.starts_with("rose ") || s.starts_with("fell ") || s.starts_with("held "))
        .filter_map(|s| s.split(".</li>").next())
        .map(str::to_string)
        .collect()
}

/// A shown number read back: "87.5%" → 87.5, "-12" → -12.
fn number(text: &str) -> Option<f64> {
    text.trim_end_matches('%').replace(',', "").parse().ok()
}

#[test]
fn the_example_site_reads_as_words_and_agreeing_numbers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let site = example_site(&tmp.path().join("site"));
    assert!(site.len() > 100, "{} pages", site.len());

    let mut lines = 0;
    for (page, html) in &site {
        // (a) No signed zero anywhere a reader looks.
        for text in texts(html) {
            for zero in ["-0.0", "−0.0", "+0.0", "-0 ", "+0 "] {
                let hit = text.match_indices(zero).any(|(i, _)| {
                    !text[i + zero.len()..].starts_with(|c: char| c.is_ascii_digit())
                });
                assert!(!hit, "{page}: '{text}' prints a signed zero");
            }
        }
        // (b, c) Each change is said once and agrees with the values shown.
        for line in change_lines(html) {
            lines += 1;
            let words: Vec<&str> = line.split(' ').collect();
            let (verb, size) = (words[0], words[1]);
            assert!(
                !size.starts_with(['+', '-', '−']),
                "{page}: '{line}' repeats the sign"
            );
            if words.get(2) == Some(&"pts") {
                // "fell 8 pts to 10 (from 18)"
                let to = number(words[4]).expect("value");
                let from = number(words[6].trim_matches(['(', ')'])).expect("previous");
                let places = size.split('.').nth(1).map_or(0, str::len);
                let shown = format!("{:.places$}", (to - from).abs());
                assert_eq!(shown, size, "{page}: '{line}' disagrees with its values");
                assert_eq!(verb == "rose", to > from, "{page}: '{line}'");
            }
        }
        // (d) Codes of the data's vocabularies are words.
        for code in [
            "check_in",
            "no_show",
            "product_fit",
            "adoption_failure",
            "acv_band",
        ] {
            assert!(
                !texts(html).any(|t| t.trim() == code),
                "{page}: shows the code '{code}'"
            );
        }
    }
    assert!(lines > 20, "only {lines} change lines");

    // (b, c) The home page: NPS over the trailing twelve months (247 answers) is said in whole
    // points, from the two values as shown.
    let home = &site["index.html"];
    assert!(
        home.contains("Net Promoter Score</a> fell 4 pts to 40 (from 44).</li>"),
        "{}",
        change_lines(home).join("\n")
    );
    // The October review's NPS (17.6 → 10.0) rests on 20 answers: a small sample is not news,
    // so "what changed" leaves it out.
    let october = &site["monthly/2026-10.html"];
    assert!(
        !october.contains("Net Promoter Score</a> fell ")
            && !october.contains("Net Promoter Score</a> rose "),
        "{}",
        change_lines(october).join("\n")
    );
    // (a) A tile whose change rounds to zero prints it without a sign (July's TTM GRR).
    assert!(
        site["monthly/2026-07.html"].contains("<dt>vs previous</dt><dd>0.0 pts</dd>"),
        "no unsigned zero change on the July tiles"
    );

    // (d) Activity types and statuses, churn reasons and dimension names as words.
    let activities = site
        .values()
        .any(|h| h.contains("<td>Check-in</td><td>Completed</td>"));
    assert!(activities, "no account page lists a completed check-in");
    assert!(site.values().any(|h| h.contains("<td>No-show</td>")));
    assert!(
        site.values()
            .any(|h| h.contains("<th scope=\"row\">Product fit</th>"))
    );
    let quarter = &site["quarterly/2026-Q3.html"];
    assert!(quarter.contains("<th scope=\"col\">ACV band</th>"));

    // (f) ACV bands in band order, smallest first.
    let at = |label: &str| {
        quarter
            .find(&format!("<th scope=\"row\">{label}</th>"))
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    assert!(at("&lt; 10K") < at("10K–50K"));
    assert!(at("10K–50K") < at("≥ 50K"));
    assert!(at("≥ 50K") < at("no ARR at start"));

    // (e) Health scores are whole numbers: the average health score's page and every CSM page.
    for (page, html) in site
        .iter()
        .filter(|(p, _)| *p == "metrics/health_score_avg.html" || p.starts_with("csm/"))
    {
        for text in texts(html) {
            let decimals = text
                .split('.')
                .nth(1)
                .is_some_and(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()));
            assert!(
                !(decimals && number(text).is_some_and(|v| (10.0..=100.0).contains(&v))),
                "{page}: health score '{text}' has decimals"
            );
        }
    }
    assert!(site["metrics/health_score_avg.html"].contains(">73<"));
}

#[test]
fn the_metrics_command_lists_acv_bands_in_band_order() {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args([
            "metrics",
            "nrr",
            "--period",
            "2026-Q3",
            "--by",
            "acv_band",
            "--project",
        ])
        .arg(root())
        .output()
        .expect("runs postsale");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let header = text
        .lines()
        .find(|l| l.starts_with("Metric"))
        .expect("a header line");
    let columns: Vec<&str> = header
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    assert_eq!(
        columns,
        [
            "Metric",
            "Total",
            "< 10K",
            "10K–50K",
            "≥ 50K",
            "no ARR at start"
        ]
    );
}

#[test]
fn the_projects_labels_name_its_codes_on_the_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&root().join("tests/fixtures/projects/site"), &project);
    let config = project.join("postsale.yaml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("labels:\n  email: E-mail\n  no_show: Missed\n");
    std::fs::write(&config, text).expect("write config");
    let out = tmp.path().join("site");
    common::build_site(&project, &out);
    let account = std::fs::read_to_string(out.join("accounts/ACC00001.html")).expect("page");
    assert!(
        account.contains("<tr><th scope=\"row\">2025-11-03</th><td>E-mail</td><td>Missed</td>"),
        "the labels are not used"
    );
    // Codes the labels do not name are humanised.
    assert!(account.contains("<td>Call</td><td>Completed</td>"));
}

/// The text of a page with tags dropped and whitespace collapsed.
fn plain(html: &str) -> String {
    texts(html)
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_project_names_accounts_apart_says_what_a_table_leaves_out_and_caps_ltv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&root().join("tests/fixtures/projects/site"), &project);
    // Two accounts called "Brightgrid Logistics" (ACC00001 and ACC00002), and a 2-year cap.
    let accounts = project.join("data/accounts.csv");
    let csv = std::fs::read_to_string(&accounts).expect("accounts");
    std::fs::write(
        &accounts,
        csv.replace("Deltaline Partners", "brightgrid logistics"),
    )
    .expect("write accounts");
    let config = project.join("postsale.yaml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("ltv:\n  max_lifetime_years: 2\n");
    std::fs::write(&config, text).expect("write config");
    std::fs::write(
        project.join("reports/lists.md"),
        "---\ntitle: Lists\n---\n{{ table(of=\"accounts\", columns=\"account, arr\", limit=2) }}\n\n\
         {{ kpis(metrics=\"ltv, arpa\") }}\n\n{{ table(of=\"breakdown\", metrics=\"ltv\", by=\"segment\") }}\n",
    )
    .expect("write report");
    let out = tmp.path().join("site");
    common::build_site(&project, &out);
    let lists = std::fs::read_to_string(out.join("lists.html")).expect("page");
    // Eight accounts, seven paying in March 2026 (ACC00006 churned in 2024), the list cut at two.
    assert!(
        lists.contains(
            "<p class=\"table-note\">Showing 2 of 7 accounts · <a href=\"accounts&#x2F;index.html\">all accounts</a></p>"
        ),
        "{lists}"
    );
    // The cap is stated under the LTV tile and the LTV table, and ARPA says it is annual.
    assert!(
        lists.contains("<p class=\"tile-sample\">Customer lifetime capped at 2 years.</p>"),
        "{lists}"
    );
    assert!(
        lists.contains("<p class=\"table-note\">Customer lifetime capped at 2 years.</p>"),
        "{lists}"
    );
    assert!(lists.contains(">ARPA (annual)<"), "{lists}");
    // Wherever the two accounts are listed, each carries its id; other names stay as they are.
    let csm = plain(&std::fs::read_to_string(out.join("csm/CSM002.html")).expect("csm page"));
    assert!(csm.contains("Brightgrid Logistics (ACC00001)"), "{csm}");
    assert!(csm.contains("brightgrid logistics (ACC00002)"), "{csm}");
    assert!(!csm.contains("Brightgrid Logistics $"), "{csm}");
    let page = plain(&std::fs::read_to_string(out.join("accounts/ACC00002.html")).expect("page"));
    assert!(
        page.starts_with("Accounts: brightgrid logistics (ACC00002) · Fixture CS"),
        "{page}"
    );
    let other = plain(&std::fs::read_to_string(out.join("accounts/ACC00004.html")).expect("page"));
    assert!(
        other.starts_with("Accounts: Kestrelbridge Health · Fixture CS"),
        "{other}"
    );
}

#[test]
fn metric_pages_and_definitions_explain_every_metric_and_the_ltv_cap() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let pages = example_site(&out);
    let nrr = plain(&pages["metrics/nrr.html"]);
    assert!(
        nrr.contains(
            "In plain words: Of every dollar the starting customers paid, how many they pay now, \
             with upgrades, downgrades and losses counted. Why it matters: Above 100 % the \
             customer base grows on its own; it is the number investors ask for first."
        ),
        "{nrr}"
    );
    // Every metric page has both texts; the Definitions page one "Why it matters" per metric.
    for (path, html) in pages.iter().filter(|(p, _)| p.starts_with("metrics/")) {
        let text = plain(html);
        assert!(
            text.contains("In plain words:") && text.contains("Why it matters:"),
            "{path}"
        );
    }
    let definitions = &pages["definitions.html"];
    assert_eq!(
        definitions.matches("<em>Why it matters:</em>").count(),
        definitions.matches("<dt id=").count()
    );
    // LTV: capped at the default 5 years, said on its page and in the economics table (CAC,
    // sales cycle, payback months, lifetime months, LTV, LTV:CAC), so Enterprise LTV is $1.57M
    // at 4.9× CAC (not $35.7M at 94×).
    let ltv = plain(&pages["metrics/ltv.html"]);
    assert!(
        ltv.contains("Customer lifetime capped at 5 years. LTV counts at most"),
        "{ltv}"
    );
    let quarterly = plain(&pages["quarterly/2026-Q3.html"]);
    assert!(
        quarterly.contains(
            "Enterprise 38 $322,032 148 12.3 60 $1,567,421 4.9× Mid-Market 97 $71,447 64 14.5 60 \
             $295,547 4.1× SMB 165 $10,101 27 13.6 48 $35,700 3.5× Customer lifetime capped at 5 \
             years."
        ),
        "{quarterly}"
    );
    // A table cut short says so.
    assert!(
        plain(&pages["weekly/2026-W43.html"])
            .contains("Showing 10 of 221 accounts whose health moved")
    );
}
