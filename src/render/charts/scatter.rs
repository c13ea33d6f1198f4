//! Scatter charts: points on two value axes kept within the data's domain, coloured by tone with
//! a legend for the colours, each point named by its tooltip, linked to its page when it has
//! one, and labelled when there are few.

use std::fmt::Write as _;

use super::canvas::{self, BELOW, Canvas, Font, LEFT, RIGHT, SMALL};
use super::cartesian::{Entry, Frame, Mark, Spec};
use super::scale::{self, Scale};
use super::{Axis, Drawn, GRID, Point, Size, TEXT, TEXT_MUTED, Tone, escape};

/// Up to this many points get their label printed.
const LABELLED: usize = 12;
/// Radius of a dot, in px.
const RADIUS: i32 = 5;

pub(super) fn render(
    points: &[Point],
    legend: &[(String, Tone)],
    (x_axis, y_axis): (&Axis, &Axis),
    x_title: &str,
    y_title: &str,
    size: Size,
) -> Drawn {
    let points: Vec<&Point> = points
        .iter()
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let xs: Vec<f64> = points.iter().map(|p| p.x).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.y).collect();
    let title = |t: &'_ str| Some(t).filter(|t| !t.trim().is_empty()).map(str::to_owned);
    let (x_title, y_title) = (title(x_title), title(y_title));
    let legend: Vec<Entry> = legend
        .iter()
        .filter(|(_, tone)| points.iter().any(|p| p.tone == *tone))
        .map(|(name, tone)| Entry {
            name: name.clone(),
            color: canvas::rgb(tone.hex()),
            mark: Mark::Dot,
        })
        .collect();
    let frame = Frame::new(Spec {
        size,
        legend,
        y: Scale::nice(
            &scale::padded_within(&ys, 0.05, y_axis),
            false,
            y_axis.integral(),
        ),
        axis: y_axis,
        categories: &[],
        points: true,
        thin: true,
        above_legend: 0,
        x_title: x_title.as_deref(),
        y_title: y_title.as_deref(),
    });
    let x = Scale::nice(
        &scale::padded_within(&xs, 0.05, x_axis),
        false,
        x_axis.integral(),
    )
    .span(frame.plot.left, frame.plot.right);
    let mut svg = Canvas::draw(size.width, size.height, |c| {
        frame.draw(c)?;
        let tick = Font::new(SMALL, TEXT_MUTED);
        for (value, label) in x.labels(x_axis) {
            let px = x.px(value);
            let grid = canvas::rgb(GRID);
            c.line(
                &[(px, frame.plot.top), (px, frame.plot.bottom)],
                grid,
                1,
                false,
            )?;
            c.text(&label, (px, frame.plot.bottom + 6), tick, BELOW)?;
        }
        if points.len() <= LABELLED {
            for p in &points {
                let at = (x.px(p.x), frame.y.px(p.y));
                let text = canvas::clip(&p.label, 24);
                let font = Font::new(SMALL, TEXT);
                // On the right of the dot, or on its left near the right edge.
                if at.0 + 8 + canvas::text_width(&text, SMALL) <= size.width as i32 - 4 {
                    c.text(&text, (at.0 + 8, at.1), font, LEFT)?;
                } else {
                    c.text(&text, (at.0 - 8, at.1), font, RIGHT)?;
                }
            }
        }
        Ok(())
    })?;
    // The dots are written here rather than through the canvas, which has no tooltips or links.
    for p in &points {
        svg.elements.push_str(&dot(p, (x.px(p.x), frame.y.px(p.y))));
    }
    Ok(Some(svg))
}

/// One point: a dot whose `<title>` is its label, inside a link when it has a relative one.
fn dot(p: &Point, (cx, cy): (i32, i32)) -> String {
    let mut out = String::new();
    let href = p.href.as_deref().filter(|h| relative(h));
    if let Some(href) = href {
        let _ = write!(out, "<a href=\"{}\">", escape(href));
    }
    let _ = write!(
        out,
        "<circle cx=\"{cx}\" cy=\"{cy}\" r=\"{RADIUS}\" fill=\"{}\"><title>{}</title></circle>",
        p.tone.hex().to_ascii_uppercase(),
        escape(&canvas::clip(&p.label, 200)),
    );
    if href.is_some() {
        out.push_str("</a>");
    }
    out.push('\n');
    out
}

/// Whether `href` is a relative URL as the site's links are: no scheme (`javascript:`), no
/// host (`//…`), nothing empty.
fn relative(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or("");
    !href.trim().is_empty()
        && !href.starts_with("//")
        && !path.split('/').next().unwrap_or("").contains(':')
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences, usd};
    use super::super::{Chart, Tone, svg};
    use super::*;

    fn point(x: f64, y: f64, label: &str, tone: Tone) -> Point {
        Point {
            x,
            y,
            label: label.into(),
            tone,
            href: None,
        }
    }

    #[test]
    fn one_circle_per_point_with_titles() {
        let chart = Chart::Scatter {
            points: vec![
                point(120_000.0, 82.0, "Acme & Co", Tone::Good),
                point(45_000.0, 41.0, "Globex", Tone::Bad),
                point(80_000.0, f64::NAN, "Broken", Tone::Missing),
                point(60_000.0, 63.0, "Initech", Tone::Warning),
            ],
            legend: Vec::new(),
            x_axis: usd(),
            y_axis: Axis::Score,
            x_title: "ARR".into(),
            y_title: "Health score".into(),
        };
        let out = svg(&chart, "sc", "Health against ARR", "d");
        assert_well_formed(&out, "sc");
        // The NaN point is left out.
        assert_eq!(occurrences(&out, "<circle"), 3);
        assert!(out.contains(">Acme &amp; Co</text>"));
        assert!(out.contains(">Health score</text>"));
        assert!(out.contains(">ARR</text>"));
        assert!(out.contains(">$100K</text>"), "{out}");
    }

    #[test]
    fn a_single_point_or_a_crowd() {
        let one = Chart::Scatter {
            points: vec![point(0.0, 0.0, "only", Tone::Neutral)],
            legend: Vec::new(),
            x_axis: Axis::Count,
            y_axis: Axis::Percent,
            x_title: String::new(),
            y_title: String::new(),
        };
        let out = svg(&one, "one", "t", "d");
        assert_well_formed(&out, "one");
        assert_eq!(occurrences(&out, "<circle"), 1);
        let crowd: Vec<Point> = (0..100)
            .map(|i| point(f64::from(i), f64::from(i % 7), "p", Tone::Accent(0)))
            .collect();
        let out = svg(
            &Chart::Scatter {
                points: crowd,
                legend: Vec::new(),
                x_axis: Axis::Days,
                y_axis: Axis::Count,
                x_title: "Days to renewal".into(),
                y_title: String::new(),
            },
            "c",
            "t",
            "d",
        );
        assert_eq!(occurrences(&out, "<circle"), 100);
        // Too many to label.
        assert!(!out.contains(">p</text>"));
        assert!(out.contains(" d</text>"));
    }

    /// Health against ARR as the accounts page draws it: amounts from $5K, scores up to 97.
    fn health_against_arr() -> Chart {
        let mut acme = point(5_000.0, 97.0, "Acme <&> \"Co\"", Tone::Good);
        acme.href = Some("../accounts/ACC00001.html".into());
        let mut globex = point(200_000.0, 12.0, "Globex", Tone::Bad);
        globex.href = Some("javascript:alert(1)".into());
        Chart::Scatter {
            points: vec![
                acme,
                globex,
                point(90_000.0, 55.0, "Initech", Tone::Warning),
            ],
            legend: vec![
                ("Health green".into(), Tone::Good),
                ("Health yellow".into(), Tone::Warning),
                ("Health red".into(), Tone::Bad),
                ("No score".into(), Tone::Missing),
            ],
            x_axis: usd(),
            y_axis: Axis::Score,
            x_title: "ARR".into(),
            y_title: "Health score".into(),
        }
    }

    #[test]
    fn axes_stay_within_the_data_domain() {
        let out = svg(&health_against_arr(), "h", "t", "d");
        assert_well_formed(&out, "h");
        // 5K − 5 % of 195K would be −$4.75K, which rounded out to a −$50K tick: now $0.
        assert!(out.contains(">$0</text>"), "{out}");
        assert!(!out.contains(">-$") && !out.contains(">−$"), "{out}");
        // 97 + 5 % of 85 would be 101.25, a 120 tick: a 0–100 score ends at 100.
        assert!(out.contains(">100</text>"), "{out}");
        assert!(!out.contains(">120</text>"), "{out}");
        assert!(out.contains(">0</text>"), "{out}");
    }

    #[test]
    fn legend_names_the_colours_present() {
        let out = svg(&health_against_arr(), "h", "t", "d");
        assert!(out.contains(">Health green</text>"), "{out}");
        assert!(out.contains(">Health yellow</text>"));
        assert!(out.contains(">Health red</text>"));
        // No point is grey, so grey is not explained.
        assert!(!out.contains(">No score</text>"));
        // Legend dots (three) and the points (three).
        assert_eq!(occurrences(&out, "<circle"), 6);
    }

    #[test]
    fn each_point_names_and_links_its_account() {
        let out = svg(&health_against_arr(), "h", "t", "d");
        // x: $0..$250K on pixels 60..696, so $5K is at 60 + 636 × 0.02 = 72.7; y: 0..100 on
        // 306..44, so 97 is at 306 − 262 × 0.97 = 51.9.
        assert!(
            out.contains(
                "<a href=\"../accounts/ACC00001.html\"><circle cx=\"73\" cy=\"52\" r=\"5\" \
                 fill=\"#1A7F37\"><title>Acme &lt;&amp;&gt; &quot;Co&quot;</title></circle></a>"
            ),
            "{out}"
        );
        // A link that is not a relative URL is dropped; the name stays.
        assert!(!out.contains("javascript"), "{out}");
        assert!(out.contains("<title>Globex</title></circle>\n"));
        assert!(out.contains("<title>Initech</title></circle>\n"));
        assert_eq!(occurrences(&out, "<a "), 1);
        // Its links stay reachable: the chart is a group, not an image.
        assert!(out.contains("role=\"group\""), "{out}");
        assert_eq!(occurrences(&out, "</a>"), 1);
    }

    #[test]
    fn only_relative_links() {
        assert!(relative("../accounts/ACC00001.html"));
        assert!(relative("ACC00001.html#renewals"));
        assert!(relative("a.html?x=http://y"));
        assert!(!relative("javascript:alert(1)"));
        assert!(!relative("https://example.com/"));
        assert!(!relative("//example.com/"));
        assert!(!relative(" "));
    }
}
