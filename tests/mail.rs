//! The e-mail digests a build prepares in `mail/`: the index lists one digest per cadence report,
//! per CSM and per recipient of the alert rules; every headline tile of a digest shows its
//! numbers.json entry (company digests) or its page's tile (CSM digests), so pages, PDFs and
//! e-mails agree; alert digests hold only the alerts routed to their recipient; names from the
//! data print as text; `site_url` makes the links absolute; two builds write the same bytes.
//! Built from the example project (as of 2026-11-01: week 2026-W43, month 2026-10, quarter
//! 2026-Q3).

#[path = "common/mod.rs"]
mod common;
#[path = "common/tiles.rs"]
mod tiles;

use tiles::{Tile, assert_shows_its_entry, attr, entries, page_tiles, unescape};

use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Json {
    serde_json::from_str(&read(path)).expect("JSON")
}

/// The headline tiles of a digest.
fn mail_tiles(html: &str) -> Vec<Tile> {
    html.split("<td class=\"tile\"")
        .skip(1)
        .map(|t| {
            let tag = &t[..t.find('>').expect("tag end")];
            let value = t
                .split("class=\"tile-value\"")
                .nth(1)
                .and_then(|v| v.split_once('>'))
                .and_then(|(_, v)| v.split("</div>").next())
                .expect("a tile value");
            Tile {
                metric: attr(tag, "data-metric").expect("data-metric"),
                period: attr(tag, "data-period").expect("data-period"),
                basis: attr(tag, "data-basis"),
                status: attr(tag, "data-status").expect("data-status"),
                value: unescape(value),
            }
        })
        .collect()
}

/// The KPI tiles of a site page, without their labels.
fn site_tiles(html: &str) -> Vec<Tile> {
    page_tiles(html).into_iter().map(|(_, t)| t).collect()
}

/// The (report, scope) of each mail of an index, in order, with the scope as `kind:key`.
fn listed(index: &Json) -> Vec<String> {
    index["mails"]
        .as_array()
        .expect("mails")
        .iter()
        .map(|m| {
            let scope = match &m["scope"] {
                Json::String(s) => s.clone(),
                Json::Object(o) => {
                    let (k, v) = o.iter().next().expect("a scope");
                    format!("{k}:{}", v.as_str().expect("a key"))
                }
                other => panic!("scope {other}"),
            };
            format!("{} {scope}", m["report"].as_str().expect("report"))
        })
        .collect()
}

/// The mail of `report` for `scope` (as `listed` writes it).
fn mail<'i>(index: &'i Json, report: &str, scope: &str) -> &'i Json {
    let at = listed(index)
        .iter()
        .position(|l| l == &format!("{report} {scope}"))
        .unwrap_or_else(|| panic!("no mail {report} {scope}"));
    &index["mails"][at]
}

#[test]
fn the_example_prepares_one_digest_per_report_csm_and_alert_recipient() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    common::build_site(&example(), &out);
    let index = json(&out.join("mail/index.json"));
    let numbers = json(&out.join("numbers.json"));
    assert_eq!(index["as_of"], "2026-11-01");
    assert_eq!(index["fingerprint"], numbers["inputs"]["fingerprint"]);
    assert_eq!(index["site_url"], Json::Null);
    // The attention list says which at-risk accounts have an owned action, as the home page
    // does, in both parts of the message.
    let weekly = read(&out.join("mail/weekly.html"));
    let weekly_text = read(&out.join("mail/weekly.txt"));
    for text in [&weekly, &weekly_text] {
        assert!(text.contains("11 of 20 at-risk accounts have no owned action"));
        assert!(text.contains("action: Harper Diaz") && text.contains("no action"));
    }
    // Each listed account carries its churn score, the same as the home page's chips, in the
    // same order.
    let scores = |text: &str| -> Vec<String> {
        text.split("churn risk ")
            .skip(1)
            .filter_map(|rest| rest.split_once(" in 90 days").map(|(p, _)| p.to_string()))
            .collect()
    };
    let home = scores(&read(&out.join("index.html")));
    for text in [&weekly, &weekly_text] {
        let listed = scores(text);
        assert_eq!(listed.len(), 5, "{listed:?}");
        assert_eq!(
            listed[..],
            home[..5],
            "{listed:?} against the home page's {home:?}"
        );
    }
    assert_eq!(home[..3], ["99.8%", "99.0%", "over 99.9%"]);

    let csms: Vec<String> = (1..=11).map(|i| format!("CSM{i:03}")).collect();
    let mut expected: Vec<String> = csms.iter().map(|c| format!("alerts csm:{c}")).collect();
    // By report, then by scope: company, CSM, recipient, manager.
    expected.extend(
        ["cs-ops@example.com", "leadership", "team"].map(|r| format!("alerts recipient:{r}")),
    );
    expected.extend(["CSM001", "CSM005", "CSM009"].map(|m| format!("alerts manager:{m}")));
    expected.extend(["annual", "board", "board-deck"].map(|r| format!("{r} company")));
    expected.extend(csms.iter().map(|c| format!("csm csm:{c}")));
    expected.extend(["monthly", "quarterly", "weekly"].map(|r| format!("{r} company")));
    assert_eq!(listed(&index), expected);

    // Every listed file is there, and every image's src resolves beside its HTML file to the
    // SVG the index names.
    for m in index["mails"].as_array().expect("mails") {
        for key in ["html", "text", "page"] {
            let path = m[key].as_str().expect("a path");
            assert!(out.join(path).is_file(), "{path}");
        }
        assert_eq!(m["pdf"], Json::Null, "a --no-pdf build attaches nothing");
        let html = read(&out.join(m["html"].as_str().expect("html")));
        let folder = Path::new(m["html"].as_str().expect("html"))
            .parent()
            .expect("a folder");
        for image in m["images"].as_array().expect("images") {
            let src = image["src"].as_str().expect("src");
            assert_eq!(
                folder.join(src),
                Path::new(image["svg"].as_str().expect("svg"))
            );
            assert!(html.contains(&format!("<img src=\"{}\"", src.replace('/', "&#x2F;"))));
            assert!(read(&out.join(folder.join(src))).starts_with("<svg"));
            assert!(image["width"].as_u64().expect("width") <= 600);
        }
        assert!(!html.contains("<script") && !html.contains("<style") && !html.contains("<link"));
    }

    let weekly = mail(&index, "weekly", "company");
    assert_eq!(
        weekly["subject"],
        "Weekly business review, Week 43, 2026: ARR held at $21.7M"
    );
    assert_eq!(weekly["page"], "weekly/2026-W43.html");
    assert_eq!(weekly["html"], "mail/weekly.html");
    assert_eq!(weekly["images"][0]["svg"], "mail/weekly/chart-1.svg");
    assert_eq!(weekly["images"][0]["cid"], "chart-1.weekly@postsale");
    let monthly = mail(&index, "monthly", "company");
    assert_eq!(
        monthly["subject"],
        "Monthly metrics review, October 2026: Net revenue retention (TTM) fell 0.2 pts to 101.6%, below the 110.0% target"
    );
    assert_eq!(monthly["images"].as_array().expect("images").len(), 2);

    // The weekly digest in order: header, headline numbers, alerts, what changed, attention,
    // the chart, the link.
    let html = read(&out.join("mail/weekly.html"));
    let text = read(&out.join("mail/weekly.txt"));
    let mut at = 0;
    for part in [
        "Weekly business review",
        "Week 43, 2026 (19–25 Oct)",
        "Data as of 2026-11-01",
        "Headline numbers",
        "Alerts",
        "What changed",
        "What needs attention",
        "39 renewals due in the next 30 days",
        "Everfield Retail (ACC00030)",
        "Renewal stages, next 90 days",
        "Open the full report",
    ] {
        let found = html[at..]
            .find(part)
            .unwrap_or_else(|| panic!("{part} after byte {at}"));
        at += found;
    }
    assert!(html.contains("href=\"..&#x2F;weekly&#x2F;2026-W43.html\""));
    assert!(html.contains("not configured"));
    assert!(text.contains("Open the full report: weekly/2026-W43.html in the site folder"));
    assert!(
        text.starts_with(
            "Weekly business review\nWeek 43, 2026 (19–25 Oct)\nData as of 2026-11-01\n"
        ),
        "{text}"
    );
    assert!(text.contains("- ARR: $21.7M\n"), "{text}");
    assert!(
        text.contains(
            "1. Everfield Retail (ACC00030), $62,040: due today (2026-11-01); CSM Gray Okafor"
        ),
        "{text}"
    );
    assert!(!text.contains('<') && !text.contains("&amp;"), "{text}");

    // The CSM digest is about the CSM's book: their actions (top 10) and renewals.
    let csm = read(&out.join("mail/csm/CSM002.html"));
    assert!(csm.contains("CSM books: Blake Moreno"));
    assert!(csm.contains("Your actions") && csm.contains("Showing 10 of 16 accounts to act on"));
    assert!(csm.contains("Your renewals"));
    assert!(csm.contains("href=\"..&#x2F;..&#x2F;csm&#x2F;CSM002.html\""));

    // `empty` marks the alert digests with nothing to say.
    let empty = |report: &str, scope: &str| mail(&index, report, scope)["empty"].clone();
    assert_eq!(empty("alerts", "csm:CSM001"), false);
    assert_eq!(empty("alerts", "csm:CSM002"), true);
    assert_eq!(empty("alerts", "recipient:leadership"), true);
    assert_eq!(empty("alerts", "recipient:team"), true);
    assert_eq!(empty("alerts", "manager:CSM005"), false);
    assert_eq!(empty("weekly", "company"), false);
    assert!(read(&out.join("mail/alerts/team.txt")).contains("No alert fires for this digest."));
}

#[test]
fn digest_tiles_show_the_numbers_of_numbers_json_and_of_the_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    common::build_site(&example(), &out);
    let numbers = json(&out.join("numbers.json"));
    let company = entries(&numbers, "company");
    let index = json(&out.join("mail/index.json"));
    let mut checked = 0;
    for m in index["mails"].as_array().expect("mails") {
        let path = m["html"].as_str().expect("html");
        let tiles = mail_tiles(&read(&out.join(path)));
        let text = read(&out.join(m["text"].as_str().expect("text")));
        match m["report"].as_str().expect("report") {
            "alerts" => assert!(tiles.is_empty(), "{path}"),
            "csm" => {
                // A CSM's tiles are numbers.json's entries of the CSM's scope, and their page's.
                let scope = format!("csm:{}", m["scope"]["csm"].as_str().expect("a CSM scope"));
                let own = entries(&numbers, &scope);
                for t in &tiles {
                    assert_shows_its_entry(t, &own, "USD", &format!("{path}: {}", t.metric));
                }
                let page = site_tiles(&read(&out.join(m["page"].as_str().expect("page"))));
                assert_eq!(tiles, page, "{path}");
                assert_eq!(tiles.len(), 4, "{path}");
                checked += tiles.len();
            }
            _ => {
                assert!(tiles.len() >= 4, "{path}: {} tiles", tiles.len());
                for t in &tiles {
                    let what = format!("{path}: {} {}", t.metric, t.period);
                    assert_shows_its_entry(t, &company, "USD", &what);
                    assert!(text.contains(&format!(": {}", t.value)), "{what}: {text}");
                    checked += 1;
                }
                // The report page shows the same tiles.
                let page = site_tiles(&read(&out.join(m["page"].as_str().expect("page"))));
                assert_eq!(tiles, page[..tiles.len()], "{path}");
            }
        }
    }
    assert!(checked >= 4 * 6 + 2 * 4 + 11 * 4, "{checked} tiles checked");
}

#[test]
fn alert_digests_hold_only_the_alerts_routed_to_their_recipient() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    common::build_site(&example(), &out);
    // (rule, scope kind, scope name) of each alert of a digest.
    let alerts = |file: &str| -> Vec<(String, String, String)> {
        read(&out.join("mail/alerts").join(file))
            .split("class=\"alert\"")
            .skip(1)
            .map(|a| {
                let tag = &a[..a.find('>').expect("tag end")];
                (
                    attr(tag, "data-rule").expect("rule"),
                    attr(tag, "data-scope").expect("scope"),
                    attr(tag, "data-scope-name").expect("scope name"),
                )
            })
            .collect()
    };
    let red = |name: &str| {
        (
            "red-health-book".to_string(),
            "csm".to_string(),
            name.to_string(),
        )
    };
    // A CSM hears of their own book only.
    assert_eq!(alerts("csm-CSM007.html"), vec![red("Gray Okafor")]);
    assert_eq!(alerts("csm-CSM003.html"), vec![red("Casey Lee")]);
    assert_eq!(alerts("csm-CSM002.html"), vec![]);
    // Avery Stone (CSM001) manages Blake, Casey and Dana: Casey's alert; Eli Novak (CSM005)
    // manages Frankie, Gray and Harper.
    assert_eq!(alerts("manager-CSM001.html"), vec![red("Casey Lee")]);
    assert_eq!(
        alerts("manager-CSM005.html"),
        vec![red("Gray Okafor"), red("Harper Diaz")]
    );
    assert_eq!(alerts("manager-CSM009.html"), vec![]);
    // Nothing fires for the leadership's, the team's or cs-ops' rules on 2026-11-01.
    for file in [
        "leadership.html",
        "team.html",
        "cs-ops_40example_2ecom.html",
    ] {
        assert_eq!(alerts(file), vec![], "{file}");
    }
}

/// Copies the example project (config, rules, data, reports) into `dir`.
fn copy_example(dir: &Path) {
    for file in ["postsale.yaml", "alerts.yaml"] {
        std::fs::copy(example().join(file), dir.join(file)).expect("copy");
    }
    for folder in ["data", "reports"] {
        std::fs::create_dir_all(dir.join(folder)).expect("mkdir");
        for entry in std::fs::read_dir(example().join(folder)).expect("read_dir") {
            let path = entry.expect("entry").path();
            std::fs::copy(
                &path,
                dir.join(folder).join(path.file_name().expect("name")),
            )
            .expect("copy");
        }
    }
}

#[test]
fn names_from_the_data_print_as_text_and_site_url_makes_links_absolute() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    copy_example(&project);
    let account = "Everfield <script>alert(1)</script> {{ project }}";
    let csm = "Gray <b>Okafor</b> {{ 7 * 7 }} & Co";
    for (file, from, to) in [
        ("data/accounts.csv", "Everfield Retail", account),
        ("data/csms.csv", "Gray Okafor", csm),
    ] {
        let text = read(&project.join(file));
        assert!(text.contains(from));
        std::fs::write(project.join(file), text.replace(from, to)).expect("write");
    }
    // A cadence report without KPI tiles: its digest headlines the executive dashboard's set.
    let quarterly = read(&project.join("reports/quarterly.md"));
    let kpis = "{{ kpis(metrics=\"nrr, grr, logo_churn_rate, expansion_rate\") }}";
    assert!(quarterly.contains(kpis));
    std::fs::write(
        project.join("reports/quarterly.md"),
        quarterly.replace(kpis, ""),
    )
    .expect("write");
    let config = read(&project.join("postsale.yaml"));
    std::fs::write(
        project.join("postsale.yaml"),
        format!("{config}site_url: https://reports.example.com/cs\n"),
    )
    .expect("write");
    let out = dir.path().join("site");
    common::build_site(&project, &out);

    let index = json(&out.join("mail/index.json"));
    assert_eq!(index["site_url"], "https://reports.example.com/cs/");
    let headline: Vec<(String, String)> = mail_tiles(&read(&out.join("mail/quarterly.html")))
        .into_iter()
        .map(|t| (t.metric, t.period))
        .collect();
    let expected: Vec<(String, String)> = ["arr", "nrr", "grr", "logo_churn_rate", "ltv", "nps"]
        .iter()
        .map(|m| {
            let period = match *m {
                "arr" | "ltv" | "nps" => "2026-Q3",
                _ => "ttm-2026-09",
            };
            (m.to_string(), period.to_string())
        })
        .collect();
    assert_eq!(headline, expected);
    // The account leads the weekly attention list, the CSM owns it and has an alert.
    for (html, txt, name) in [
        ("mail/weekly.html", "mail/weekly.txt", account),
        ("mail/weekly.html", "mail/weekly.txt", csm),
        ("mail/csm/CSM007.html", "mail/csm/CSM007.txt", csm),
        (
            "mail/alerts/csm-CSM007.html",
            "mail/alerts/csm-CSM007.txt",
            csm,
        ),
    ] {
        let page = read(&out.join(html));
        let text = read(&out.join(txt));
        assert!(!page.contains("<script") && !page.contains("<b>"), "{html}");
        assert!(
            page.contains(
                &name
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('/', "&#x2F;")
            ),
            "{html}: {name}"
        );
        assert!(text.contains(name), "{txt}: {name}");
    }
    // Links to the published site, in the HTML and in the text.
    let weekly = read(&out.join("mail/weekly.html"));
    assert!(weekly.contains(
        "href=\"https:&#x2F;&#x2F;reports.example.com&#x2F;cs&#x2F;weekly&#x2F;2026-W43.html\""
    ));
    assert!(!weekly.contains("not configured"));
    let text = read(&out.join("mail/weekly.txt"));
    assert!(
        text.contains(
            "Open the full report: https://reports.example.com/cs/weekly/2026-W43.html\n"
        ),
        "{text}"
    );
    let alerts = read(&out.join("mail/alerts/leadership.txt"));
    assert!(alerts.contains("Open the alerts page: https://reports.example.com/cs/alerts.html"));
}

#[test]
fn digests_attach_the_pdf_of_the_issue_when_the_build_makes_pdfs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("site");
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["build", "--project"])
        .arg(example())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs postsale");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let index = json(&out.join("mail/index.json"));
    for (report, pdf) in [
        ("weekly", Some("weekly/2026-W43.pdf")),
        ("monthly", Some("monthly/2026-10.pdf")),
        ("board", Some("board/2026-Q3.pdf")),
        ("quarterly", None),
    ] {
        let m = mail(&index, report, "company");
        assert_eq!(m["pdf"].as_str(), pdf, "{report}");
        let html = read(&out.join(m["html"].as_str().expect("html")));
        assert_eq!(html.contains("PDF attached"), pdf.is_some(), "{report}");
        if let Some(pdf) = pdf {
            assert!(out.join(pdf).is_file(), "{pdf}");
        }
    }
}

#[test]
fn two_builds_write_the_same_mail_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        common::build_site(&example(), &out.join("site"));
    }
    let files = |root: &Path| -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut dirs = vec![root.join("site/mail")];
        while let Some(d) = dirs.pop() {
            for entry in std::fs::read_dir(&d).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    let rel = path
                        .strip_prefix(root)
                        .expect("inside")
                        .to_string_lossy()
                        .to_string();
                    files.insert(rel, std::fs::read(&path).expect("read"));
                }
            }
        }
        files
    };
    let (first, second) = (files(&a), files(&b));
    assert!(first.len() > 70, "{} files", first.len());
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{path} differs");
    }
}

#[test]
fn reports_cannot_take_the_names_of_the_mail_folder_or_the_alerts_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_example(dir.path());
    for name in ["mail", "alerts"] {
        std::fs::write(
            dir.path().join(format!("reports/{name}.md")),
            "---\ntitle: Mine\n---\nHello.\n",
        )
        .expect("write");
    }
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["check", "--project"])
        .arg(dir.path())
        .output()
        .expect("runs postsale");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    for name in ["mail", "alerts"] {
        assert!(
            stderr.contains(&format!(
                "reports/{name}.md: error: '{name}' is a name the site uses for its own pages"
            )),
            "{stderr}"
        );
    }
}
