//! Which report a request read: the site's URL paths, as `site::pages` names them, mapped back to
//! the report definition (`reports/<slug>.md`) that produced them. A standing report is one page
//! (`index.html` or `/` for the home page, `<slug>.html` for the others); a cadence or `per:`
//! report is a folder (`<slug>/`, `<slug>/index.html`, `<slug>/<issue or entity>.html` and
//! `<slug>/<issue>.pdf`). Only pages and PDFs are reads: stylesheets, scripts, chart images,
//! CSV downloads and Typst sources are not. The site may live under a sub-path (`--base-path`).

use crate::report::Report;

/// What a request path is on the site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A page or PDF of the report at this index of the project's reports.
    Report(usize),
    /// A page of the site that no report defines (metric pages, definitions, data quality).
    SitePage,
    /// Anything else: assets, downloads, other sites' paths.
    Other,
}

/// How a report's output is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One page: `<slug>.html` (`index.html` and `/` for `index`).
    Page,
    /// A folder of issues or entity pages: `<slug>/...`.
    Folder,
}

/// The site's paths for the project's reports, under a base path.
#[derive(Debug, Clone)]
pub(crate) struct SiteMap {
    /// Always starts and ends with `/`.
    base: String,
    /// (slug, shape) in the project's report order.
    reports: Vec<(String, Shape)>,
}

/// The site's own pages that are not reports (`site::pages`): one folder and two pages.
const SITE_FOLDER: &str = "metrics";
const SITE_PAGES: &[&str] = &["definitions.html", "data-quality.html"];

impl SiteMap {
    /// The map of `reports` for a site served under `base` (`/`, `/cs`, `/cs/`).
    pub(crate) fn new(reports: &[Report], base: &str) -> SiteMap {
        let trimmed = base.trim_matches('/');
        let base = if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        };
        let reports = reports
            .iter()
            .map(|r| {
                let shape = if r.front.cadence.is_some() || r.front.per.is_some() {
                    Shape::Folder
                } else {
                    Shape::Page
                };
                (r.slug.clone(), shape)
            })
            .collect();
        SiteMap { base, reports }
    }

    /// The base path, normalised (`/cs/`).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// What the request target `target` (`/cs/weekly/2026-W43.html?x`, or an absolute
    /// `http://host/...`) is on the site.
    pub(crate) fn target(&self, target: &str) -> Target {
        let Some(path) = site_path(target, &self.base) else {
            return Target::Other;
        };
        let find = |slug: &str, shape: Shape| {
            self.reports
                .iter()
                .position(|(s, sh)| s == slug && *sh == shape)
        };
        let segments: Vec<&str> = path.split('/').collect();
        match segments.as_slice() {
            [""] | ["index.html"] => {
                find("index", Shape::Page).map_or(Target::Other, Target::Report)
            }
            [page] => {
                if SITE_PAGES.contains(page) {
                    return Target::SitePage;
                }
                let found = if let Some(stem) = page.strip_suffix(".html") {
                    find(stem, Shape::Page)
                } else if let Some(stem) = page.strip_suffix(".pdf") {
                    find(stem, Shape::Page)
                } else if !page.contains('.') {
                    // `/operations` for servers that add `.html` themselves; `/weekly` (no
                    // slash) is the folder.
                    find(page, Shape::Page).or_else(|| find(page, Shape::Folder))
                } else {
                    None
                };
                found.map_or(Target::Other, Target::Report)
            }
            [folder, file] => {
                let page = file.is_empty()
                    || file.ends_with(".html")
                    || file.ends_with(".pdf")
                    || !file.contains('.');
                if !page {
                    return Target::Other;
                }
                if *folder == SITE_FOLDER {
                    return Target::SitePage;
                }
                find(folder, Shape::Folder).map_or(Target::Other, Target::Report)
            }
            _ => Target::Other,
        }
    }
}

/// The path of `target` below `base`, percent-decoded, without query or fragment; `None` when
/// it is not under `base`.
fn site_path(target: &str, base: &str) -> Option<String> {
    // An absolute-form target (a request through a proxy): drop the scheme and host.
    let target = match target.split_once("://") {
        Some((scheme, rest)) if !scheme.contains('/') => &rest[rest.find('/')?..],
        _ => target,
    };
    let end = target.find(['?', '#']).unwrap_or(target.len());
    let path = percent_decode(&target[..end]);
    if !path.starts_with('/') {
        return None;
    }
    // `/cs` is the folder `/cs/`.
    if path == base.trim_end_matches('/') {
        return Some(String::new());
    }
    path.strip_prefix(base).map(str::to_string)
}

/// `%2D` → `-`; an invalid escape stays as written; bytes that are not UTF-8 become U+FFFD.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example_reports() -> Vec<Report> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        crate::report::load_dir(&dir, "reports", &[]).unwrap()
    }

    fn slug_of(map: &SiteMap, reports: &[Report], path: &str) -> String {
        match map.target(path) {
            Target::Report(i) => reports[i].slug.clone(),
            Target::SitePage => "(site page)".into(),
            Target::Other => "(other)".into(),
        }
    }

    #[test]
    fn every_kind_of_report_of_the_example_maps_back_to_its_file() {
        let reports = example_reports();
        let map = SiteMap::new(&reports, "/");
        let cases = [
            // The home page: standing report `index`.
            ("/", "index"),
            ("/index.html", "index"),
            ("/index.html?utm_source=mail", "index"),
            // Standing pages.
            ("/operations.html", "operations"),
            ("/operations", "operations"),
            // A standing report with a PDF has it beside its page.
            ("/operations.pdf", "operations"),
            // Cadence reports: an issue, its PDF, the archive.
            ("/weekly/2026-W43.html", "weekly"),
            ("/weekly/2026-W43.pdf", "weekly"),
            ("/weekly/", "weekly"),
            ("/weekly", "weekly"),
            ("/weekly/index.html", "weekly"),
            ("/monthly/", "monthly"),
            ("/monthly/2026-10.pdf", "monthly"),
            ("/quarterly/2026-Q3.html", "quarterly"),
            ("/annual/2025.html", "annual"),
            ("/board/2026-Q3.pdf", "board"),
            ("/board-deck/2026-Q3.html", "board-deck"),
            // `per:` reports: an entity page and the list.
            ("/accounts/ACC00030.html", "accounts"),
            ("/accounts/ACC%2D00030.html", "accounts"),
            ("/csm/index.html", "csm"),
            ("/segments/Enterprise.html", "segments"),
            // The site's own pages.
            ("/metrics/nrr.html", "(site page)"),
            ("/definitions.html", "(site page)"),
            ("/data-quality.html", "(site page)"),
            // Proxies send absolute targets.
            ("http://cs.example.com/monthly/2026-10.html", "monthly"),
        ];
        for (path, slug) in cases {
            assert_eq!(slug_of(&map, &reports, path), slug, "{path}");
        }
    }

    #[test]
    fn assets_downloads_and_unknown_paths_are_not_reads() {
        let reports = example_reports();
        let map = SiteMap::new(&reports, "/");
        for path in [
            "/assets/style.css",
            "/assets/site.js",
            "/weekly/2026-W43/chart-1.svg",
            "/weekly/2026-W43.typ",
            "/weekly/2026-W43/table-2.csv",
            "/accounts/ACC00030.csv",
            "/favicon.ico",
            "/operations/x.html",
            "/weekly.html",
            "/nonexistent.html",
            "/wp-login.php",
            "",
        ] {
            assert_eq!(map.target(path), Target::Other, "{path}");
        }
    }

    #[test]
    fn a_site_under_a_sub_path_maps_only_below_it() {
        let reports = example_reports();
        for base in ["/reports/cs", "/reports/cs/", "reports/cs"] {
            let map = SiteMap::new(&reports, base);
            assert_eq!(map.base(), "/reports/cs/");
            assert_eq!(slug_of(&map, &reports, "/reports/cs/"), "index");
            assert_eq!(slug_of(&map, &reports, "/reports/cs"), "index");
            assert_eq!(
                slug_of(&map, &reports, "/reports/cs/weekly/2026-W43.html"),
                "weekly"
            );
            assert_eq!(
                slug_of(&map, &reports, "/reports/cs/accounts/ACC00030.html"),
                "accounts"
            );
            // The same paths at the server's root are another site.
            assert_eq!(slug_of(&map, &reports, "/weekly/2026-W43.html"), "(other)");
            assert_eq!(slug_of(&map, &reports, "/"), "(other)");
            assert_eq!(slug_of(&map, &reports, "/reports/csv/"), "(other)");
        }
    }

    #[test]
    fn percent_escapes_decode_and_bad_ones_stay() {
        assert_eq!(percent_decode("/a%20b%2fc"), "/a b/c");
        assert_eq!(percent_decode("/100%"), "/100%");
        assert_eq!(percent_decode("/%zz"), "/%zz");
    }
}
