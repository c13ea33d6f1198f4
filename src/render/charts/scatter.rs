//! Scatter charts: points on two value axes, coloured by tone, labelled when there are few.

use super::canvas::{self, BELOW, Canvas, Font, LEFT, RIGHT, SMALL};
use super::cartesian::{Frame, HEIGHT, Spec, WIDTH};
use super::scale::{self, Scale};
use super::{Axis, Drawn, GRID, Point, TEXT, TEXT_MUTED};

/// Up to this many points get their label printed.
const LABELLED: usize = 12;

pub(super) fn render(
    points: &[Point],
    x_axis: &Axis,
    y_axis: &Axis,
    x_title: &str,
    y_title: &str,
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
    let frame = Frame::new(Spec {
        legend: Vec::new(),
        y: Scale::nice(&scale::padded(&ys, 0.05), false, y_axis.integral()),
        axis: y_axis,
        categories: &[],
        points: true,
        thin: true,
        x_title: x_title.as_deref(),
        y_title: y_title.as_deref(),
    });
    let x = Scale::nice(&scale::padded(&xs, 0.05), false, x_axis.integral())
        .span(frame.plot.left, frame.plot.right);
    let svg = Canvas::draw(WIDTH, HEIGHT, |c| {
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
        let labelled = points.len() <= LABELLED;
        for p in &points {
            let at = (x.px(p.x), frame.y.px(p.y));
            c.circle(at, 5, canvas::rgb(p.tone.hex()))?;
            if labelled {
                let text = canvas::clip(&p.label, 24);
                let font = Font::new(SMALL, TEXT);
                // On the right of the dot, or on its left near the right edge.
                if at.0 + 8 + canvas::text_width(&text, SMALL) <= WIDTH as i32 - 4 {
                    c.text(&text, (at.0 + 8, at.1), font, LEFT)?;
                } else {
                    c.text(&text, (at.0 - 8, at.1), font, RIGHT)?;
                }
            }
        }
        Ok(())
    })?;
    Ok(Some(svg))
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
}
