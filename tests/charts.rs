//! Charts as a reader sees them on built pages: the numbers drawn and listed under a chart are the
//! metric engine's, on the same scale as the company figures (issue 12, "charts that tell the
//! truth").

mod common;

use std::path::PathBuf;

/// Builds the `site` fixture and returns one page's HTML.
fn fixture_page(page: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("site");
    common::build_site(&root.join("tests/fixtures/projects/site"), &out);
    std::fs::read_to_string(out.join(page)).expect("page written")
}

#[test]
fn account_dau_mau_is_a_percentage_not_a_hundredfold_one() {
    let html = fixture_page("accounts/ACC00001.html");
    // usage.csv, ACC00001, March 2026: one row, active_users 44.1, monthly_active_users 101, so
    // DAU/MAU = 44.1 / 101 × 100 = 43.66 %, as `dau_mau` defines it for the company.
    assert!(
        html.contains("<dt>DAU&#x2F;MAU, latest month</dt><dd>43.7%</dd>"),
        "tile: {html}"
    );
    assert!(html.contains("DAU/MAU, last six months: 6 points, the latest 43.7%."));
    // The chart's data table, month by month: 35.3 / 91, 45.7 / 104, 43.2 / 98, 41.0 / 102.
    let usage = &html[html.find("<figcaption>DAU&#x2F;MAU").expect("usage chart")..];
    for (month, shown) in [
        ("2025-11", "38.8%"),
        ("2025-12", "43.9%"),
        ("2026-01", "44.1%"),
        ("2026-02", "40.2%"),
        ("2026-03", "43.7%"),
    ] {
        let row = format!("<tr><th scope=\"row\">{month}</th><td class=\"num\"");
        let at = usage.find(&row).unwrap_or_else(|| panic!("row {month}"));
        let cell = &usage[at..at + 200];
        assert!(cell.contains(&format!(">{shown}</td>")), "{month}: {cell}");
    }
    // The bars' value axis stops at a percentage a ratio can reach.
    let svg = &usage[..usage.find("</svg>").expect("svg")];
    assert!(!svg.contains(">1000.0%</text>"), "{svg}");
    assert!(
        svg.contains(">40.0%</text>") || svg.contains(">50.0%</text>"),
        "{svg}"
    );
}

/// The `y` attribute of the first `<text>` in `svg` whose content is `content`.
fn text_y(svg: &str, content: &str) -> Option<i32> {
    let line = svg
        .lines()
        .find(|l| l.starts_with("<text") && l.ends_with(&format!(">{content}</text>")))?;
    line.split(" y=\"").nth(1)?.split('"').next()?.parse().ok()
}

/// The `y` of the dashed horizontal line drawn in `colour`.
fn dashed_line_y(svg: &str, colour: &str) -> Option<i32> {
    let line = svg.lines().find(|l| {
        l.starts_with("<polyline") && l.contains("stroke-dasharray") && l.contains(colour)
    })?;
    let points = line.split("points=\"").nth(1)?.split('"').next()?;
    let ys: Vec<&str> = points
        .split_whitespace()
        .filter_map(|p| p.split(',').nth(1))
        .collect();
    (ys.len() == 2 && ys[0] == ys[1]).then(|| ys[0].parse().ok())?
}

#[test]
fn account_health_chart_shows_its_band_lines_on_whole_number_ticks() {
    let html = fixture_page("accounts/ACC00001.html");
    let figure = &html[html
        .find("<figcaption>Health score, last 90 days")
        .expect("health chart")..];
    let figure = &figure[..figure.find("</figure>").expect("figure end")];
    // The desktop and the phone drawing of the chart.
    let svgs: Vec<&str> = figure
        .split("<svg ")
        .skip(1)
        .map(|s| &s[..s.find("</svg>").expect("svg end")])
        .collect();
    assert_eq!(svgs.len(), 2, "{figure}");
    for svg in svgs {
        // postsale.yaml keeps the default bands: green from 80, yellow from 50, red below. Each
        // bound is a dashed line in its band's colour, level with the axis tick of its value.
        let green = dashed_line_y(svg, "#1A7F37").expect("green band line");
        let yellow = dashed_line_y(svg, "#B7791F").expect("yellow band line");
        assert_eq!(Some(green), text_y(svg, "80"), "{svg}");
        assert_eq!(Some(yellow), text_y(svg, "50"), "{svg}");
        assert!(svg.contains(">green ≥ 80</text>"), "{svg}");
        assert!(svg.contains(">yellow ≥ 50, red below</text>"), "{svg}");
        // Value ticks (right-aligned, left of the plot) are whole scores.
        let ticks: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("text-anchor=\"end\""))
            .filter_map(|l| {
                l.rsplit_once("\">")
                    .map(|(_, t)| t.trim_end_matches("</text>"))
            })
            .collect();
        assert!(ticks.len() >= 3, "{svg}");
        for tick in ticks {
            assert!(tick.parse::<u32>().is_ok(), "tick {tick:?} in {svg}");
        }
    }
}
