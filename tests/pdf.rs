//! The PDFs as a reader gets them: `postsale build` with the real `typst` on the example project
//! and on the hostile fixture, then checked with poppler and qpdf as a reader's tools would see
//! them: valid files, page counts, the snapshot's figures equal to `postsale metrics`, pages that
//! are not blank, hostile names printed literally, the same bytes twice, and the behaviour without
//! typst. The tools are required: a missing one fails the test with how to install it.

use postsale::metrics::catalog;
use postsale::render::format;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hostile() -> PathBuf {
    root().join("tests/fixtures/projects/hostile")
}

/// Runs a tool, failing the test with an install hint when it is missing.
fn tool(program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "`{program}` is needed by the PDF tests and cannot be run ({e}): install it \
             (typst: `cargo install typst-cli --locked`; pdfinfo, pdftotext, pdftoppm: \
             `apt-get install poppler-utils`; qpdf: `apt-get install qpdf`)"
            )
        })
}

fn typst_program() -> String {
    std::env::var("POSTSALE_TYPST").unwrap_or_else(|_| "typst".into())
}

fn require_tools() {
    let typst = typst_program();
    for (program, arg) in [
        (typst.as_str(), "--version"),
        ("pdfinfo", "-v"),
        ("pdftotext", "-v"),
        ("pdftoppm", "-v"),
        ("qpdf", "--version"),
    ] {
        tool(program, &[arg]);
    }
}

fn build(project: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("build")
        .args(extra)
        .arg("--project")
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs postsale")
}

fn built(project: &Path, out: &Path) {
    let result = build(project, out, &[]);
    assert!(
        result.status.success(),
        "build failed:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// The example project's site with its PDFs, built once for every test of this file.
fn example() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            require_tools();
            let tmp = tempfile::tempdir().expect("tempdir");
            let out = tmp.path().join("site");
            built(&root(), &out);
            (tmp, out)
        })
        .1
}

/// The PDFs of a site, as paths relative to it, sorted.
fn pdfs(site: &Path) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(site)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "pdf"))
        .filter_map(|e| {
            e.path()
                .strip_prefix(site)
                .ok()
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .collect();
    out.sort();
    out
}

/// The one PDF of a report folder (only the latest issue has one).
fn pdf_of(site: &Path, report: &str) -> PathBuf {
    let found: Vec<String> = pdfs(site)
        .into_iter()
        .filter(|p| p.starts_with(&format!("{report}/")))
        .collect();
    assert_eq!(found.len(), 1, "{report}: {found:?}");
    site.join(&found[0])
}

fn pages(pdf: &Path) -> usize {
    let out = tool("pdfinfo", &[&pdf.to_string_lossy()]);
    assert!(out.status.success(), "pdfinfo {}", pdf.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count for {}", pdf.display()))
}

fn text(pdf: &Path) -> String {
    let out = tool("pdftotext", &["-layout", &pdf.to_string_lossy(), "-"]);
    assert!(out.status.success(), "pdftotext {}", pdf.display());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn every_pdf_of_the_example_passes_qpdf_check() {
    let site = example();
    let all = pdfs(site);
    for report in ["board", "board-deck", "monthly", "weekly"] {
        assert!(
            all.iter().any(|p| p.starts_with(&format!("{report}/"))),
            "no PDF for {report}: {all:?}"
        );
    }
    for pdf in &all {
        let out = tool("qpdf", &["--check", &site.join(pdf).to_string_lossy()]);
        assert!(
            out.status.success(),
            "qpdf --check {pdf}:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        // Tagged (PDF/UA-1), titled, and dated by the as-of day, not by the clock.
        let info = tool("pdfinfo", &[&site.join(pdf).to_string_lossy()]);
        let info = String::from_utf8_lossy(&info.stdout);
        assert!(info.contains("Tagged:          yes"), "{pdf}:\n{info}");
        assert!(info.contains("Title:"), "{pdf}:\n{info}");
        assert!(info.contains("Nov  1 00:00:00 2026"), "{pdf}:\n{info}");
        // The source and its page sit beside the PDF.
        let typ = site.join(pdf.replace(".pdf", ".typ"));
        assert!(typ.is_file(), "{} missing", typ.display());
        let html = std::fs::read_to_string(site.join(pdf.replace(".pdf", ".html"))).expect("page");
        let name = pdf.rsplit('/').next().expect("file name");
        assert!(
            html.contains(&format!("href=\"{name}\"")),
            "{pdf}: the page does not link to its PDF"
        );
    }
}

#[test]
fn the_snapshot_has_one_page_and_the_board_deck_five_to_ten() {
    let site = example();
    assert_eq!(pages(&pdf_of(site, "board")), 1);
    let deck = pages(&pdf_of(site, "board-deck"));
    assert!((5..=10).contains(&deck), "board deck has {deck} slides");
    assert!(pages(&pdf_of(site, "monthly")) >= 3);
    assert!(pages(&pdf_of(site, "weekly")) >= 3);
}

#[test]
fn the_snapshot_shows_the_engines_nrr_grr_and_arr() {
    let site = example();
    let pdf = pdf_of(site, "board");
    let period = pdf
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .expect("period");
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["metrics", "nrr", "grr", "arr", "--format", "json"])
        .args(["--period", &period, "--project"])
        .arg(root())
        .output()
        .expect("runs postsale metrics");
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let shown = text(&pdf);
    for id in ["nrr", "grr", "arr"] {
        let def = catalog::get(id).expect("in the catalog");
        let v = json["metrics"][id].as_f64();
        assert!(v.is_some(), "{id} missing for {period}");
        // KPI tiles show money short ($21.7M), the rest with the metric's own format.
        let formatted = if id == "arr" {
            v.map(|v| format::money_short(v, "USD")).unwrap_or_default()
        } else {
            format::value(def, v, "USD")
        };
        assert!(
            shown.contains(&formatted),
            "{id} = {formatted} not in the snapshot:\n{shown}"
        );
    }
    assert!(shown.contains("What changed"), "{shown}");
    assert!(shown.contains("Renewal forecast"), "{shown}");
}

/// The share of pixels darker than near-white in a binary PGM (P5, 8-bit).
fn ink_share(pgm: &[u8]) -> f64 {
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 && i < pgm.len() {
        while i < pgm.len() && pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < pgm.len() && !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..i]).into_owned());
    }
    assert_eq!(fields.first().map(String::as_str), Some("P5"), "not a PGM");
    let pixels = &pgm[i + 1..];
    let dark = pixels.iter().filter(|p| **p < 235).count();
    dark as f64 / pixels.len().max(1) as f64
}

#[test]
fn rendered_pages_are_not_blank() {
    let site = example();
    let tmp = tempfile::tempdir().expect("tempdir");
    for report in ["board", "board-deck"] {
        let pdf = pdf_of(site, report);
        let prefix = tmp.path().join(report);
        let out = tool(
            "pdftoppm",
            &[
                "-gray",
                "-r",
                "30",
                &pdf.to_string_lossy(),
                &prefix.to_string_lossy(),
            ],
        );
        assert!(out.status.success(), "pdftoppm {report}");
        let mut rendered = 0;
        for entry in std::fs::read_dir(tmp.path()).expect("ls") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if !name.starts_with(&format!("{report}-")) {
                continue;
            }
            rendered += 1;
            let share = ink_share(&std::fs::read(&path).expect("read"));
            assert!(share > 0.01, "{name} is almost blank ({share:.4} ink)");
        }
        assert_eq!(rendered, pages(&pdf), "{report}: one image per page");
    }
}

#[test]
fn hostile_names_print_literally_and_builds_are_byte_identical() {
    require_tools();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
    built(&hostile(), &one);
    built(&hostile(), &two);
    let all = pdfs(&one);
    assert_eq!(all, pdfs(&two));
    assert!(all.len() >= 3, "{all:?}");
    for pdf in &all {
        let (a, b) = (
            std::fs::read(one.join(pdf)).expect("read"),
            std::fs::read(two.join(pdf)).expect("read"),
        );
        assert!(a == b, "{pdf} differs between two builds");
    }
    let shown = text(&pdf_of(&one, "review"));
    for literal in [
        "#read(\"/etc/passwd\")",
        "*bold* Logistics",
        "$x$ Partners",
        "@ref Health",
        "<label> Health",
        "back\\slash",
        "@ref <label>",
        "Net revenue retention was ",
        "Prose with markup characters: #read(\"/etc/passwd\"), $x$, @ref, <label>, back\\slash and \"quotes\".",
    ] {
        assert!(
            shown.contains(literal),
            "{literal} not printed literally:\n{shown}"
        );
    }
    // The file typst would have read is not in the PDF.
    assert!(!shown.contains("root:"), "{shown}");
}

#[test]
fn without_typst_the_html_site_is_written_and_the_build_fails_unless_no_pdf() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .env("POSTSALE_TYPST", "/nonexistent/typst")
        .args(["build", "--project"])
        .arg(hostile())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs postsale");
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "exit 0 without typst");
    assert!(
        stderr.contains("typst not found")
            && stderr.contains("cargo install typst-cli --locked")
            && stderr.contains("POSTSALE_TYPST")
            && stderr.contains("the HTML site was written to"),
        "{stderr}"
    );
    assert!(out.join("review/2026-03.html").is_file());
    assert!(pdfs(&out).is_empty());
    let no_pdf = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .env("POSTSALE_TYPST", "/nonexistent/typst")
        .args(["build", "--no-pdf", "--project"])
        .arg(hostile())
        .arg("--out")
        .arg(&out)
        .output()
        .expect("runs postsale");
    assert!(
        no_pdf.status.success(),
        "{}",
        String::from_utf8_lossy(&no_pdf.stderr)
    );
    assert!(out.join("review/2026-03.html").is_file());
}

#[test]
fn a_typst_error_names_its_report_and_leaves_the_previous_site() {
    require_tools();
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    for entry in walkdir::WalkDir::new(hostile()) {
        let entry = entry.expect("walk");
        let to = project.join(entry.path().strip_prefix(hostile()).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
    let out = tmp.path().join("site");
    built(&project, &out);
    let before = std::fs::read(out.join("review/2026-03.html")).expect("index");
    let theme = project.join("themes/default/typst");
    std::fs::create_dir_all(&theme).expect("mkdir");
    std::fs::write(
        theme.join("postsale.typ"),
        "#let layout-document(..args) = {\n",
    )
    .expect("write");
    let result = build(&project, &out, &[]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success());
    assert!(
        stderr.contains("reports/review.md") && stderr.contains("review/2026-03.typ"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(out.join("review/2026-03.html")).expect("index"),
        before
    );
}

/// The accounts, owners and ARR of the board page's "Top five risks" table, as the HTML shows them.
fn top_risks(html: &str) -> Vec<(String, String, String)> {
    let start = html
        .find("Top five risks</h2>")
        .expect("the board page has its top risks");
    let end = start
        + html[start..]
            .find("</tbody>")
            .expect("the risks table ends");
    let cell = |row: &str, after: &str| -> String {
        let from = row.find(after).map(|i| i + after.len()).unwrap_or(0);
        let text = &row[from..];
        let open = text.find('>').map_or(0, |i| i + 1);
        text[open..]
            .split('<')
            .next()
            .unwrap_or_default()
            .replace("&amp;", "&")
    };
    html[start..end]
        .split("<tr>")
        .filter(|row| row.contains("accounts&#x2F;"))
        .map(|row| {
            (
                cell(row, "accounts&#x2F;"),
                cell(row, "csm&#x2F;"),
                cell(row, "class=\"num\""),
            )
        })
        .collect()
}

#[test]
fn the_board_page_says_its_as_of_date_its_top_risks_and_the_bridge() {
    let site = example();
    let pdf = pdf_of(site, "board");
    assert_eq!(pages(&pdf), 1, "the board snapshot is one page");
    let shown = text(&pdf);
    // The period and the day the data runs to, in the header.
    assert!(shown.contains("Q3 2026 · as of 2026-11-01"), "{shown}");
    // The top five risks with their owners and ARR, the same as the HTML page's.
    let html = std::fs::read_to_string(pdf.with_extension("html")).expect("board page");
    let risks = top_risks(&html);
    assert_eq!(risks.len(), 5, "{risks:?}");
    for (account, owner, arr) in &risks {
        assert!(!account.is_empty() && arr.starts_with('$'), "{risks:?}");
        // A name shared by two accounts carries its id ("Everfield Retail (ACC00030)"), which
        // may wrap to the next line in the narrow risk table.
        let name = account.split(" (").next().unwrap_or(account);
        let line = shown
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{account} not in the snapshot:\n{shown}"));
        assert!(
            line.contains(owner.as_str()) && line.contains(arr.as_str()),
            "{account}: {owner} {arr} not on its line: {line}"
        );
    }
    // The quarter's MRR bridge, its net change labelled, and the trend charts.
    for part in [
        "Top five risks",
        "MRR bridge",
        "Net change",
        "ARR by quarter",
        "NRR and GRR (TTM) by quarter",
        "Commentary and asks",
        "Asks of the board.",
    ] {
        assert!(shown.contains(part), "{part} not in the snapshot:\n{shown}");
    }
}

/// Every `(name: ..., verb: ..., ...)` item of the `#changes((...))` call of a generated source.
fn changes_call(typ: &str) -> &str {
    let start = typ
        .find("#changes((")
        .expect("the source lists what changed");
    let len = typ[start..].find("));").expect("the call ends");
    &typ[start + "#changes(".len()..start + len + 1]
}

#[test]
fn a_bad_change_on_the_board_page_is_red_and_a_good_one_green() {
    let site = example();
    let typ_path = pdf_of(site, "board").with_extension("typ");
    let typ = std::fs::read_to_string(&typ_path).expect("the board source");
    let items = changes_call(&typ);
    // Churned MRR rose this quarter: bad news whatever the level.
    assert!(
        items.contains("(name: \"Churned MRR\", verb: \"rose\"")
            && items.contains("movement: \"bad\""),
        "{items}"
    );
    // Typst itself checks the colour each line gets from the theme: a rise of a lower-is-better
    // metric or a fall of a higher-is-better one is red, the other way green.
    let check = typ_path.with_file_name("colour-check.typ");
    let out_dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        &check,
        format!(
            "#import \"../assets/typst/postsale.typ\": *\n\
             #let lower = (\"Churned MRR\", \"Contraction MRR\", \"Logo churn rate\")\n\
             #let higher = (\"ARR\", \"MRR\", \"New MRR\", \"Expansion MRR\", \"Net revenue retention\", \"Gross revenue retention\")\n\
             #let items = {items}\n\
             #for c in items {{\n\
               let worse = (c.name in lower and c.verb == \"rose\") or (c.name in higher and c.verb == \"fell\")\n\
               let better = (c.name in lower and c.verb == \"fell\") or (c.name in higher and c.verb == \"rose\")\n\
               if worse {{ assert.eq(change-colour(c), bad, message: c.name + \" \" + c.verb + \" is not red\") }}\n\
               if better {{ assert.eq(change-colour(c), good, message: c.name + \" \" + c.verb + \" is not green\") }}\n\
             }}\n\
             #assert(items.any(c => c.name == \"Churned MRR\" and c.verb == \"rose\"))\n\
             checked\n"
        ),
    )
    .expect("writes the check");
    let out = tool(
        &typst_program(),
        &[
            "compile",
            "--root",
            &site.to_string_lossy(),
            "--font-path",
            &site.join("assets/fonts").to_string_lossy(),
            "--ignore-system-fonts",
            &check.to_string_lossy(),
            &out_dir.path().join("colour-check.pdf").to_string_lossy(),
        ],
    );
    std::fs::remove_file(&check).expect("removes the check");
    assert!(
        out.status.success(),
        "the theme colours a change wrongly:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The number of slides of each deck of the example: a title slide, then its sections, short
/// ones sharing a slide and long tables going on over the next.
#[test]
fn each_deck_has_its_slide_count() {
    let site = example();
    // Weekly: the 20 renewals of the next 90 days take two slides, as names shared by two
    // accounts carry their id (a wider account column). Weekly and monthly: the ten most overdue
    // open tracked actions take two slides, those closed since the previous issue one.
    for (report, slides) in [("board-deck", 6), ("monthly", 12), ("weekly", 13)] {
        assert_eq!(pages(&pdf_of(site, report)), slides, "{report}");
    }
}

/// One word of `pdftotext -bbox`: its box (points, y down) and text.
struct Word {
    top: f64,
    bottom: f64,
    text: String,
}

/// The value of `name="..."` in a tag of `pdftotext -bbox` output.
fn attribute(tag: &str, name: &str) -> f64 {
    let key = format!("{name}=\"");
    let from = tag.find(&key).expect("attribute") + key.len();
    tag[from..]
        .split('"')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a number")
}

/// The words of each page of a PDF, with the page's height.
fn words(pdf: &Path) -> Vec<(f64, Vec<Word>)> {
    let out = tool("pdftotext", &["-bbox", &pdf.to_string_lossy(), "-"]);
    assert!(out.status.success(), "pdftotext -bbox {}", pdf.display());
    let html = String::from_utf8_lossy(&out.stdout).into_owned();
    html.split("<page ")
        .skip(1)
        .map(|page| {
            let height = attribute(page, "height");
            let words = page
                .split("<word ")
                .skip(1)
                .map(|w| Word {
                    top: attribute(w, "yMin"),
                    bottom: attribute(w, "yMax"),
                    text: w
                        .split('>')
                        .nth(1)
                        .and_then(|t| t.split('<').next())
                        .unwrap_or_default()
                        .replace("&amp;", "&")
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\""),
                })
                .collect();
            (height, words)
        })
        .collect()
}

/// The text of a PDF with its white space collapsed, so a title wrapped over two lines reads
/// as one.
fn flat_text(pdf: &Path) -> String {
    text(pdf).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The engine's values of `ids` for `period`, from `postsale metrics`.
fn engine(period: &str, ids: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("metrics")
        .args(ids)
        .args(["--format", "json", "--period", period, "--project"])
        .arg(root())
        .output()
        .expect("runs postsale metrics");
    assert!(out.status.success(), "postsale metrics {period}");
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")["metrics"].clone()
}

#[test]
fn deck_slides_are_titled_with_the_takeaway_from_the_engines_numbers() {
    let site = example();
    let pdf = pdf_of(site, "board-deck");
    let shown = flat_text(&pdf);
    let (now, before) = (
        engine("2026-Q3", &["arr", "mrr"]),
        engine("2026-Q2", &["arr", "mrr"]),
    );
    // NRR leads on the basis its tile and the retention chart show: the trailing twelve
    // months ending at the quarter's end (and, before, at the previous quarter's end).
    let ttm = |as_of: &str| -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args([
                "metrics", "nrr", "--format", "json", "--period", "ttm", "--as-of",
            ])
            .arg(as_of)
            .arg("--project")
            .arg(root())
            .output()
            .expect("runs postsale metrics");
        assert!(out.status.success(), "postsale metrics ttm as of {as_of}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON")["metrics"]["nrr"]
            .clone()
    };
    let (nrr_now, nrr_before) = (ttm("2026-10-01"), ttm("2026-07-01"));
    // "<metric> <rose|fell> <change as shown> to <value as the tiles show it>": the move is
    // measured between the two values as they are shown (format::delta).
    for id in ["arr", "mrr", "nrr"] {
        let def = catalog::get(id).expect("in the catalog");
        let (a, b) = if id == "nrr" {
            (nrr_now.as_f64(), nrr_before.as_f64())
        } else {
            (now[id].as_f64(), before[id].as_f64())
        };
        let delta = format::delta(def, a, b).expect("both quarters have a value");
        let value = match def.unit {
            catalog::Unit::Money => format::money_short(a.expect("value"), "USD"),
            _ => format::value(def, a, "USD"),
        };
        // A rate names its basis: "Net revenue retention (TTM)".
        let name = if id == "nrr" {
            format!("{} (TTM)", def.name)
        } else {
            def.name.to_string()
        };
        let title = format!("{name} {} {} to {value}", delta.verb(), delta.size);
        assert!(shown.contains(&title), "no slide says `{title}`:\n{shown}");
    }
    // The example's quarter: TTM NRR fell 4.1 points, below the annual 110 % target it is
    // judged against; the section's name stays above the takeaway.
    assert!(
        shown.contains(
            "RETENTION Net revenue retention (TTM) fell 4.1 pts to 101.8%, below the 110.0% target"
        ),
        "{shown}"
    );
    // "What changed" leads with its first line; a section with no metric keeps its heading.
    let typ = std::fs::read_to_string(pdf.with_extension("typ")).expect("the deck source");
    let first = changes_call(&typ)
        .split("(name: \"")
        .nth(1)
        .expect("a change");
    let field = |key: &str| {
        first
            .split(&format!("{key}: \""))
            .nth(1)
            .and_then(|v| v.split('"').next())
            .expect("field")
            .to_string()
    };
    let name = first.split('"').next().expect("name");
    let change = format!(
        "WHAT CHANGED {name} {} {} to {}",
        field("verb"),
        field("change"),
        field("value")
    );
    assert!(shown.contains(&change), "no `{change}`:\n{shown}");
    assert!(shown.contains("Customer health"), "{shown}");
}

/// The string literals of the `#data-table(...)` calls of a generated source, and those of the
/// rest of it.
fn table_literals(typ: &str) -> (Vec<String>, Vec<String>) {
    let literals = |code: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut chars = code.chars();
        while let Some(c) = chars.next() {
            if c != '"' {
                continue;
            }
            let mut s = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => s.extend(chars.next()),
                    '"' => break,
                    c => s.push(c),
                }
            }
            out.push(s);
        }
        out
    };
    let (mut tables, mut rest) = (Vec::new(), Vec::new());
    let mut text = typ;
    while let Some(start) = text.find("#data-table(") {
        rest.extend(literals(&text[..start]));
        let len = text[start..].find("));\n").expect("the call ends");
        tables.extend(literals(&text[start..start + len]));
        text = &text[start + len..];
    }
    rest.extend(literals(text));
    (tables, rest)
}

#[test]
fn deck_table_text_is_at_least_12_pt() {
    let site = example();
    for report in ["board-deck", "monthly", "weekly"] {
        let pdf = pdf_of(site, report);
        let typ = std::fs::read_to_string(pdf.with_extension("typ")).expect("source");
        // The words only tables print: in no other literal of the source, nor in its charts,
        // nor in the theme (which writes the tiles' "vs previous").
        let (tables, rest) = table_literals(&typ);
        let theme = std::fs::read_to_string(site.join("assets/typst/postsale.typ")).expect("theme");
        let charts: String = walkdir::WalkDir::new(pdf.with_extension(""))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
            .map(|e| std::fs::read_to_string(e.path()).expect("chart"))
            .collect();
        let elsewhere: std::collections::BTreeSet<&str> =
            rest.iter().flat_map(|l| l.split_whitespace()).collect();
        let only: std::collections::BTreeSet<&str> = tables
            .iter()
            .flat_map(|l| l.split_whitespace())
            .filter(|w| !elsewhere.contains(w) && !charts.contains(w) && !theme.contains(w))
            .collect();
        let pages = words(&pdf);
        // Calibrate the word box to the font size with the title slide's 30 pt title.
        let title = &pages[0].1[0];
        let scale = (title.bottom - title.top) / 30.0;
        let mut checked = 0;
        for (n, (_, page)) in pages.iter().enumerate() {
            for w in page.iter().filter(|w| only.contains(w.text.as_str())) {
                let size = (w.bottom - w.top) / scale;
                assert!(
                    size >= 11.9,
                    "{report} slide {}: `{}` is set at {size:.1} pt",
                    n + 1,
                    w.text
                );
                checked += 1;
            }
        }
        assert!(checked >= 10, "{report}: only {checked} table words found");
    }
}

#[test]
fn no_deck_slide_is_mostly_empty() {
    let site = example();
    // The slides' margins (13 mm) hold the "continued" line and the footer.
    let margin = 13.0 * 72.0 / 25.4;
    for report in ["board-deck", "monthly", "weekly"] {
        let pdf = pdf_of(site, report);
        for (n, (height, page)) in words(&pdf).iter().enumerate().skip(1) {
            let inside: Vec<&Word> = page
                .iter()
                .filter(|w| w.top >= margin - 1.0 && w.bottom <= height - margin + 1.0)
                .collect();
            let top = inside.iter().map(|w| w.top).fold(f64::MAX, f64::min);
            let bottom = inside.iter().map(|w| w.bottom).fold(0.0, f64::max);
            let share = (bottom - top).max(0.0) / (height - 2.0 * margin);
            assert!(
                share >= 0.4,
                "{report} slide {}: its text spans {:.0}% of the slide",
                n + 1,
                share * 100.0
            );
        }
    }
}

#[test]
fn survey_tiles_in_the_pdfs_name_their_sample() {
    let site = example();
    for report in ["monthly", "board-deck"] {
        let pdf = pdf_of(site, report);
        // The note the HTML tile shows ("small sample (n = 20)", "n = 64 responses").
        let html = std::fs::read_to_string(pdf.with_extension("html")).expect("page");
        let note = html
            .split('>')
            .filter_map(|t| t.split('<').next())
            .map(str::trim)
            .find(|t| {
                (t.starts_with("small sample (n = ") && t.ends_with(')'))
                    || (t.starts_with("n = ") && t.ends_with(" responses"))
            })
            .expect("the page shows a survey sample");
        assert!(
            flat_text(&pdf).contains(note),
            "{report}: `{note}` not in the PDF"
        );
    }
}

/// The one-pager draws its charts on a narrower canvas than the decks, so their text prints at
/// a readable size in a column of the page; sparklines keep their own size.
#[test]
fn one_pager_charts_are_laid_out_for_a_column() {
    let site = example();
    let view_box = |report: &str, title: &str| -> String {
        let pdf = pdf_of(site, report);
        let dir = pdf.with_extension("");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).expect("the PDF's chart folder") {
            let svg = std::fs::read_to_string(entry.expect("entry").path()).expect("svg");
            if svg.contains(&format!("-title\">{title}</title>")) {
                let start = svg.find("viewBox=\"").expect("a viewBox") + 9;
                found.push(svg[start..].split('"').next().expect("value").to_string());
            }
        }
        assert_eq!(found.len(), 1, "{report}: {title}");
        found.remove(0)
    };
    assert_eq!(view_box("board", "ARR by quarter"), "0 0 440 250");
    assert_eq!(view_box("board", "MRR bridge, Q3 2026"), "0 0 440 250");
    assert_eq!(view_box("board-deck", "MRR bridge, Q3 2026"), "0 0 720 360");
    assert_eq!(pages(&pdf_of(site, "board")), 1);
}
