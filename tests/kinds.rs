//! Every chart type, chart data source and table kind that `postsale check` accepts renders on a
//! built page: the reports here are written from the enums themselves (`ChartType::ALL`,
//! `DataSource::ALL` with its `types()`, `TableKind::ALL`), so a kind added to the enums is
//! drawn by this test too (issue 12, part 10: kinds are enums shared by `check` and rendering).

#[path = "common/tree.rs"]
mod tree;

mod common;

use postsale::report::component::{ChartType, DataSource, TableKind};
use std::path::{Path, PathBuf};

/// Data sources drawn only on account pages.
fn account_only(d: DataSource) -> bool {
    matches!(d, DataSource::Health | DataSource::Usage)
}

/// Table kinds listed only on account pages.
fn account_table(t: TableKind) -> bool {
    matches!(t, TableKind::Activities | TableKind::Tickets)
}

/// A report with one titled chart per (data source, allowed type) and one table per kind, for
/// the company (`per` None) or each account.
fn report(per: Option<&str>) -> (String, usize) {
    let on_account = per.is_some();
    let mut body = format!(
        "---\ntitle: Every kind{}\n{}order: 99\n---\n",
        if on_account { " per account" } else { "" },
        per.map_or(String::new(), |p| format!("per: {p}\n"))
    );
    let mut charts = 0;
    for data in DataSource::ALL {
        if account_only(*data) != on_account {
            continue;
        }
        for kind in data.types() {
            body.push_str(&format!(
                "{{{{ chart(type=\"{}\", data=\"{}\", title=\"kind {} {}\") }}}}\n\n",
                kind.name(),
                data.name(),
                data.name(),
                kind.name()
            ));
            charts += 1;
        }
    }
    if !on_account {
        for kind in ChartType::ALL {
            if matches!(
                kind,
                ChartType::Line | ChartType::Bar | ChartType::Sparkline
            ) {
                body.push_str(&format!(
                    "{{{{ chart(type=\"{}\", metric=\"nrr\", title=\"kind history {}\") }}}}\n\n",
                    kind.name(),
                    kind.name()
                ));
                charts += 1;
            }
        }
        body.push_str(
            "{{ chart(type=\"bar\", metric=\"nrr\", by=\"segment\", title=\"kind breakdown bar\") }}\n\n",
        );
        charts += 1;
    }
    for kind in TableKind::ALL {
        if account_table(*kind) != on_account && !matches!(kind, TableKind::Renewals) {
            continue;
        }
        let metrics = match kind {
            TableKind::Metrics => ", metrics=\"nrr, grr\"",
            TableKind::Breakdown => ", metrics=\"nrr\", by=\"segment\"",
            _ => "",
        };
        body.push_str(&format!(
            "{{{{ table(of=\"{}\"{metrics}) }}}}\n\n",
            kind.name()
        ));
    }
    (body, charts)
}

/// Every `.html` file under `dir`.
fn pages(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(pages(&path));
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    out
}

#[test]
fn every_kind_check_accepts_renders() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    tree::copy_dir(&root.join("tests/fixtures/projects/site"), &project);
    let (company, company_charts) = report(None);
    let (account, account_charts) = report(Some("account"));
    std::fs::write(project.join("reports/every.md"), &company).expect("write");
    std::fs::write(project.join("reports/every_account.md"), &account).expect("write");
    // 14 data sources draw as 21 (source, type) pairs: 18 on the company page, with three
    // metric histories and a breakdown; 3 on each account page.
    assert_eq!((company_charts, account_charts), (18 + 4, 3));
    let out = tmp.path().join("site");
    common::build_site(&project, &out);
    let html: Vec<String> = pages(&out)
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("page"))
        .collect();
    let company_page = html
        .iter()
        .find(|h| h.contains("kind breakdown bar"))
        .expect("the company page");
    for data in DataSource::ALL.iter().filter(|d| !account_only(**d)) {
        for kind in data.types() {
            let caption = format!("kind {} {}", data.name(), kind.name());
            assert!(company_page.contains(&caption), "{caption}");
        }
    }
    for kind in ["line", "bar", "sparkline"] {
        assert!(company_page.contains(&format!("kind history {kind}")));
    }
    let account_page = html
        .iter()
        .find(|h| h.contains("kind health line"))
        .expect("an account page");
    for caption in ["kind health line", "kind usage line", "kind usage bar"] {
        assert!(account_page.contains(caption), "{caption}");
    }
    // One table per kind on the company page (activities and tickets only on account pages),
    // and every chart's data table beside it.
    let tables = |h: &str| h.matches("<table").count();
    assert!(tables(company_page) >= company_charts + TableKind::ALL.len() - 2);
    assert!(tables(account_page) >= account_charts + 3);
}
