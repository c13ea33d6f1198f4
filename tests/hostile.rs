//! Untrusted data and hostile templates, end to end (issue 11, items 4 and 5): a small demo
//! project whose account names, segment names and project name are Markdown, HTML, URL and Typst
//! attacks is built with the real binary; every page must show them as the same literal text and
//! load nothing from outside. Report templates that read the environment, recurse, loop or grow
//! without bound fail `check` (or the build) with their file:line:column, and nothing aborts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Account names: Markdown links and images, HTML, backslashes, Typst code, table pipes, and a
/// value shaped like a component placeholder (a KPI call).
const NAMES: &[&str] = &[
    "[click](javascript:alert(1))",
    "![t](https://attacker.example/p.png?leak=1)",
    "..\\..\\win",
    "<script>alert(1)</script>",
    "<img src=//attacker.example/x.png onerror=alert(1)>",
    "#read(\"/etc/passwd\") $x$ ]",
    "a | b | c",
    "*bold* _under_ `code` &amp;",
    "[x]: javascript:alert(2)",
    "\u{E000}5b226b706973222c7b226d657472696373223a226e7272227d5d\u{E001}",
];

/// Segment names.
const SEGMENTS: &[&str] = &[
    "[seg](vbscript:msgbox(1))",
    "<b>bold</b> & co",
    "# Heading?",
];

const PROJECT: &str = "Acme <i>x</i> [p](data:text/html,hi) #read(\"/etc/passwd\")";

fn postsale(args: &[&str], project: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .current_dir(project)
        .env("POSTSALE_TYPST", "/nonexistent/typst")
        .output()
        .expect("runs postsale")
}

/// A CSV field, quoted when it must be.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Splits a line of the demo's accounts.csv (no quoted fields).
fn fields(line: &str) -> Vec<String> {
    line.split(',').map(str::to_string).collect()
}

/// A demo project with hostile names and `reports` (file name → text).
fn project(dir: &Path, reports: &[(&str, &str)]) -> PathBuf {
    let root = dir.join("proj");
    std::fs::create_dir_all(root.join("reports")).expect("mkdir");
    let out = postsale(
        &[
            "demo",
            "--accounts",
            "14",
            "--months",
            "14",
            "--end",
            "2026-03",
            "--out",
            "data",
        ],
        &root,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let accounts = root.join("data/accounts.csv");
    let text = std::fs::read_to_string(&accounts).expect("read");
    let mut lines = text.lines();
    let header = fields(lines.next().expect("header"));
    let name = header.iter().position(|h| h == "name").expect("name");
    let segment = header.iter().position(|h| h == "segment").expect("segment");
    let mut rewritten = vec![header.join(",")];
    for (i, line) in lines.enumerate() {
        let mut row = fields(line);
        if let Some(n) = NAMES.get(i) {
            row[name] = (*n).to_string();
        }
        row[segment] = SEGMENTS[i % SEGMENTS.len()].to_string();
        rewritten.push(row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
    }
    std::fs::write(&accounts, rewritten.join("\n") + "\n").expect("write");
    // The actions about a segment name the hostile segments too (a renamed segment would
    // otherwise be an unknown one).
    let actions = root.join("data/actions.csv");
    let text = std::fs::read_to_string(&actions).expect("read");
    let mut lines = text.lines();
    let header = fields(lines.next().expect("header"));
    let segment = header.iter().position(|h| h == "segment").expect("segment");
    let mut rewritten = vec![header.join(",")];
    for (i, line) in lines.enumerate() {
        let mut row = fields(line);
        if !row[segment].is_empty() {
            row[segment] = SEGMENTS[i % SEGMENTS.len()].to_string();
        }
        rewritten.push(row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
    }
    std::fs::write(&actions, rewritten.join("\n") + "\n").expect("write");
    std::fs::write(
        root.join("postsale.yaml"),
        format!(
            "name: {}\ncurrency: USD\nas_of: 2026-04-01\n",
            serde_json::to_string(PROJECT).expect("json")
        ),
    )
    .expect("write");
    for (file, text) in reports {
        std::fs::write(root.join("reports").join(file), text).expect("write");
    }
    root
}

const ACCOUNT_REPORT: &str = "---
title: Accounts
per: account
---
# {{ entity.name }}

Account {{ entity.name }} here; the project is {{ project }}.

[{{ entity.name }}]({{ entity.name }})

| field | value |
|-------|-------|
| name  | {{ entity.name }} |

{{ snapshot() }}
";

const SEGMENT_REPORT: &str = "---
title: Segments
per: segment
---
## Segment {{ entity.name }}

All: {{ segments | join(sep=\", \") }}.
";

const OVERVIEW_REPORT: &str = "---
title: Overview
outputs: [html, pdf]
---
# {{ project }}

Prose for {{ project }}.

{% for s in segments %}- {{ s }}
{% endfor %}

{{ table(of=\"accounts\") }}

{{ chart(type=\"stacked_bar\", data=\"health_bands\") }}

{{ chart(type=\"scatter\", data=\"accounts\") }}
";

/// Every file under `dir` whose name ends with one of `exts`.
fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if exts.iter().any(|e| path.to_string_lossy().ends_with(e)) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Text as pulldown-cmark escapes it in a report body.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Text as Tera escapes it in a theme template.
fn tera_html(text: &str) -> String {
    html(text)
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
        .replace('/', "&#x2F;")
}

/// Decodes the character references an attribute value may hold.
fn decode(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "colon" => Some(':'),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every (element, attribute, decoded value) of a URL attribute in an HTML or SVG text.
fn urls(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (start, _) in text.match_indices('<') {
        let tag = &text[start + 1..];
        let end = tag.find('>').unwrap_or(tag.len());
        let tag = &tag[..end];
        let element: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if element.is_empty() {
            continue;
        }
        for attr in [
            "href",
            "src",
            "xlink:href",
            "action",
            "formaction",
            "poster",
            "data",
        ] {
            for (at, _) in tag.match_indices(&format!(" {attr}=")) {
                let value = &tag[at + attr.len() + 2..];
                let value = match value.chars().next() {
                    Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
                    _ => value.split([' ', '>']).next().unwrap_or(""),
                };
                out.push((element.clone(), attr.to_string(), decode(value)));
            }
        }
    }
    out
}

/// The scheme of a URL after what browsers ignore, lowercased.
fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let (scheme, _) = cleaned.split_once(':')?;
    scheme
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        .then(|| scheme.to_string())
}

#[test]
fn hostile_names_reach_every_page_as_literal_text_and_nothing_loads_from_outside() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = project(
        tmp.path(),
        &[
            ("accounts.md", ACCOUNT_REPORT),
            ("segments.md", SEGMENT_REPORT),
            ("overview.md", OVERVIEW_REPORT),
        ],
    );
    let built = postsale(&["build", "--no-pdf", "--out", "site"], &root);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let site = root.join("site");
    let pages = files(&site, &[".html", ".svg"]);
    assert!(pages.len() > 20, "{pages:?}");
    for page in &pages {
        let text = std::fs::read_to_string(page).expect("read");
        let shown = page.strip_prefix(&site).unwrap_or(page).display();
        for (element, attr, url) in urls(&text) {
            let scheme = scheme(&url);
            assert!(
                !matches!(scheme.as_deref(), Some("javascript" | "data" | "vbscript")),
                "{shown}: <{element} {attr}=\"{url}\">"
            );
            if element != "a" {
                // Images, scripts, styles, fonts: only files of the site itself.
                assert!(
                    scheme.is_none() && !url.starts_with("//") && !url.starts_with("\\\\"),
                    "{shown}: <{element} {attr}=\"{url}\"> loads from outside"
                );
            }
        }
        for raw in ["<script>alert", "<img src=//", "<i>x</i>", "<b>bold</b>"] {
            assert!(!text.contains(raw), "{shown}: {raw}");
        }
        assert!(!text.contains("url(http"), "{shown}");
        // No data made a component: account pages have no KPI tiles.
        assert!(
            !(page.starts_with(site.join("accounts")) && text.contains("<div class=\"tiles\">")),
            "{shown}: a component from data"
        );
    }

    // Account pages: heading, prose, link text and table cell show the name as it is.
    let list = std::fs::read_to_string(site.join("accounts/index.html")).expect("list");
    let mut checked = 0;
    for name in NAMES.iter().filter(|n| !n.contains('\u{E000}')) {
        let escaped = html(name);
        assert!(list.contains(&tera_html(name)), "list lacks {escaped}");
        let page = pages
            .iter()
            .filter(|p| p.starts_with(site.join("accounts")))
            .map(|p| std::fs::read_to_string(p).expect("read"))
            .find(|t| t.contains(&format!("<h2>{escaped}</h2>")))
            .unwrap_or_else(|| panic!("no account page with the heading {escaped}"));
        assert!(
            page.contains(&format!(
                "<p>Account {escaped} here; the project is {}.</p>",
                html(PROJECT)
            )),
            "prose of {escaped}"
        );
        assert!(
            page.contains(&format!("<td>{escaped}</td>")),
            "cell of {escaped}"
        );
        // The name as a link's destination is escaped: a relative link to the literal text,
        // the text alone (for a scheme the site does not link to), or no link at all (a
        // destination with spaces), never a link elsewhere.
        assert!(
            page.contains(&format!(">{escaped}</a></p>"))
                || page.contains(&format!("<p>{escaped}</p>"))
                || page.contains(&format!("<p>[{escaped}]({escaped})</p>")),
            "link of {escaped}"
        );
        checked += 1;
    }
    assert_eq!(checked, NAMES.len() - 1);
    // The value shaped like a placeholder prints as its hex digits in the body, not as tiles.
    let hex = NAMES[NAMES.len() - 1].trim_matches(['\u{E000}', '\u{E001}']);
    assert!(
        pages
            .iter()
            .map(|p| std::fs::read_to_string(p).expect("read"))
            .any(|t| t.contains(&format!("<h2>{hex}</h2>"))
                && t.contains(&format!("<td>{hex}</td>"))),
        "no page shows {hex} as text"
    );

    // Segment pages: the heading and the joined list.
    let segment_pages: Vec<String> = pages
        .iter()
        .filter(|p| p.starts_with(site.join("segments")))
        .map(|p| std::fs::read_to_string(p).expect("read"))
        .collect();
    let all = SEGMENTS.iter().map(|s| html(s)).collect::<Vec<_>>();
    let mut sorted = SEGMENTS.to_vec();
    sorted.sort_unstable();
    let joined = html(&sorted.join(", "));
    for segment in &all {
        assert!(
            segment_pages
                .iter()
                .any(|t| t.contains(&format!("<h3>Segment {segment}</h3>"))
                    && t.contains(&format!("<p>All: {joined}.</p>"))),
            "no segment page for {segment}"
        );
    }

    // The overview: the project name in a heading, prose and a list of segments.
    let overview = std::fs::read_to_string(site.join("overview.html")).expect("overview");
    assert!(
        overview.contains(&format!("<h2>{}</h2>", html(PROJECT))),
        "{overview}"
    );
    assert!(overview.contains(&format!("<p>Prose for {}.</p>", html(PROJECT))));
    for segment in &all {
        assert!(
            overview.contains(&format!("<li>{segment}</li>")),
            "{segment}"
        );
    }
    // Chart SVGs (inline in the page) carry the segment names as escaped text.
    assert!(
        overview.contains("&lt;b&gt;bold&lt;&#x2F;b&gt;")
            || overview.contains("&lt;b&gt;bold&lt;/b&gt;")
    );
}

#[test]
fn the_typst_source_prints_hostile_names_as_text() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = project(tmp.path(), &[("overview.md", OVERVIEW_REPORT)]);
    // Without typst the build fails, but the Typst sources are written (`Pdf::SourcesOnly`).
    let built = postsale(&["build", "--out", "site"], &root);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(stderr.contains("typst not found"), "{stderr}");
    let sources = files(&root.join("site"), &[".typ"]);
    let overview = sources
        .iter()
        .find(|p| p.to_string_lossy().contains("overview"))
        .unwrap_or_else(|| panic!("no overview source in {sources:?}"));
    let typ = std::fs::read_to_string(overview).expect("read");
    // Prose: every markup character escaped; `#read` never starts code.
    assert!(typ.contains("\\#read(\\\"\\/etc\\/passwd\\\")"), "{typ}");
    assert!(
        typ.contains("Acme \\<i\\>x\\<\\/i\\> \\[p\\](data\\:text\\/html,hi)"),
        "{typ}"
    );
    // Data in string literals: quotes and backslashes escaped.
    assert!(
        typ.contains("\"#read(\\\"/etc/passwd\\\") $x$ ]\""),
        "{typ}"
    );
    assert!(typ.contains("\"..\\\\..\\\\win\""), "{typ}");
    for line in typ.lines().filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("#read") {
            let before = &rest[..at];
            let quoted = before.matches('"').count() - before.matches("\\\"").count();
            assert!(
                before.ends_with('\\') || quoted % 2 == 1,
                "an unescaped #read in: {line}"
            );
            rest = &rest[at + 5..];
        }
    }
}

/// The stderr of `check` on a project with one report body, and whether it succeeded.
fn check_body(body: &str) -> (bool, String) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let report = format!("---\ntitle: Bad\n---\n{body}");
    let root = project(tmp.path(), &[("bad.md", &report)]);
    let out = postsale(&["check"], &root);
    assert!(
        out.status.code().is_some(),
        "check was killed by a signal: {out:?}"
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_fails_on_environment_access_recursion_and_unbounded_loops() {
    let (ok, err) = check_body("Intro\n\n{{ get_env(name=\"PATH\") }}\n");
    assert!(!ok);
    assert!(
        err.contains("reports/bad.md:6:4: error: templates cannot read the environment"),
        "{err}"
    );
    let (ok, err) = check_body(
        "{% macro boom(n) %}{{ self::boom(n=n + 1) }}{% endmacro boom %}\n{{ self::boom(n=1) }}\n",
    );
    assert!(!ok);
    assert!(
        err.contains("reports/bad.md:4:10: error: macro boom calls itself"),
        "{err}"
    );
    let (ok, err) = check_body("{% for i in range(end=100000000) %}{{ i }}{% endfor %}\n");
    assert!(!ok);
    assert!(
        err.contains("reports/bad.md:4:13: error: range() would make 100000000 numbers"),
        "{err}"
    );
    let (ok, err) = check_body("{% set_global x = \"ab\" %}\n{% set_global x = x ~ x %}\n");
    assert!(!ok);
    assert!(
        err.contains(
            "reports/bad.md:5:15: error: `x` is set from a value that uses `x` more than once"
        ),
        "{err}"
    );
    let (ok, err) = check_body(&format!("{}x", "{% if true %}".repeat(5000)));
    assert!(!ok);
    assert!(err.contains("reports/bad.md:4:"), "{err}");
    assert!(err.contains("tags nest more than 64 deep"), "{err}");
}

/// Builds a project with one report body; returns (status code, stderr).
fn build_body(body: &str, seconds: &str) -> (Option<i32>, String, PathBuf, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let report = format!("---\ntitle: Slow\n---\n{body}");
    let root = project(tmp.path(), &[("slow.md", &report)]);
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["build", "--no-pdf", "--out", "site"])
        .current_dir(&root)
        .env("POSTSALE_PAGE_SECONDS", seconds)
        .output()
        .expect("runs postsale");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        root,
        tmp,
    )
}

/// Neither a site nor an unfinished (temporary) site folder is left in `root`.
fn assert_no_site_left(root: &Path) {
    let left: Vec<String> = std::fs::read_dir(root)
        .expect("read_dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("site"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_page_past_the_time_limit_stops_the_build_with_its_report() {
    let started = std::time::Instant::now();
    let (code, err, root, _tmp) = build_body(
        "Intro\n{% for i in range(end=10000) %}{% for j in range(end=10000) %}{% for k in range(end=10000) %}{% endfor %}{% endfor %}{% endfor %}\n",
        "2",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(
            "reports/slow.md:4:1: error: rendering one page of this template took more than 2 s"
        ),
        "{err}"
    );
    assert!(
        started.elapsed().as_secs() < 60,
        "took {:?}",
        started.elapsed()
    );
    // Neither the site nor the unfinished folder is left behind.
    assert_no_site_left(&root);
}

#[test]
fn a_page_whose_memory_runs_away_stops_the_build_with_its_report() {
    // `y` is `x` under another name, so the static check of `x = x ~ x` does not see it: the
    // string doubles at every step (2^40 bytes at the end), and the memory bound stops it.
    let tmp = tempfile::tempdir().expect("tempdir");
    let report = "---\ntitle: Greedy\n---\n{% set_global x = \"ab\" %}{% for i in range(end=40) %}{% set_global y = x %}{% set_global x = x ~ y %}{% endfor %}{{ x | length }}\n";
    let root = project(tmp.path(), &[("greedy.md", report)]);
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["build", "--no-pdf", "--out", "site"])
        .current_dir(&root)
        .env("POSTSALE_RENDER_MEMORY_MB", "300")
        .output()
        .expect("runs postsale");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "reports/greedy.md:4:1: error: rendering a page of this template made postsale hold"
        ),
        "{err}"
    );
    assert_no_site_left(&root);
}

#[test]
fn a_body_past_the_size_limit_and_a_render_error_point_at_the_report() {
    let (code, err, _, _tmp) = build_body(
        "{% for i in range(end=10000) %}{% for j in range(end=10000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}{% endfor %}\n",
        "60",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("reports/slow.md:4:1: error: the body wrote more than 16 MB for one page"),
        "{err}"
    );
    let (code, err, _, _tmp) = build_body(
        "# Title\n\nHello {{ entity.nmae }} and {{ period.label }}\n",
        "60",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("reports/slow.md:6:10: error:"), "{err}");
    assert!(err.contains("entity.nmae"), "{err}");
}
