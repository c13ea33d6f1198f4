//! Line charts: time series with a gap wherever a value is missing, an optional dashed rolling
//! 12-period average of the first series, and an optional dashed target line.

use super::canvas::{self, Anchor, Canvas, Font, Res, SMALL};
use super::cartesian::{Entry, Frame, HEIGHT, Mark, Spec, WIDTH};
use super::scale::Scale;
use super::{Axis, Drawn, Series, TEXT_MUTED, finite};
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, VPos};

/// Periods in the rolling average.
const WINDOW: usize = 12;

pub(super) fn render(
    labels: &[String],
    series: &[Series],
    rolling12: bool,
    target: Option<f64>,
    axis: &Axis,
) -> Drawn {
    let n = labels.len();
    let aligned = |s: &Series| -> Vec<Option<f64>> {
        (0..n)
            .map(|i| finite(s.values.get(i).copied().flatten()))
            .collect()
    };
    let lines: Vec<(&Series, Vec<Option<f64>>)> = series.iter().map(|s| (s, aligned(s))).collect();
    if !lines.iter().any(|(_, v)| v.iter().any(Option::is_some)) {
        return Ok(None);
    }
    let rolling = lines
        .first()
        .filter(|_| rolling12)
        .map(|(s, v)| (canvas::rgb(s.tone.hex()), rolling_mean(v, WINDOW)))
        .filter(|(_, r)| r.iter().any(Option::is_some));
    let target = finite(target);

    let mut all: Vec<f64> = lines
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .copied()
        .collect();
    if let Some((_, r)) = &rolling {
        all.extend(r.iter().flatten());
    }
    all.extend(target);
    let mut legend: Vec<Entry> = lines
        .iter()
        .map(|(s, _)| Entry {
            name: s.name.clone(),
            color: canvas::rgb(s.tone.hex()),
            mark: Mark::Line,
        })
        .collect();
    if let Some((color, _)) = &rolling {
        legend.push(Entry {
            name: format!("{WINDOW}-month average"),
            color: *color,
            mark: Mark::Dashed,
        });
    }
    let frame = Frame::new(Spec {
        legend,
        y: Scale::nice(&all, axis.starts_at_zero(), axis.integral()),
        axis,
        categories: labels,
        points: true,
        thin: true,
        x_title: None,
        y_title: None,
    });

    let svg = Canvas::draw(WIDTH, HEIGHT, |c| {
        frame.draw(c)?;
        if let Some(t) = target {
            let y = frame.y.px(t);
            let muted = canvas::rgb(TEXT_MUTED);
            c.line(
                &[(frame.plot.left, y), (frame.plot.right, y)],
                muted,
                1,
                true,
            )?;
            let above = Anchor {
                h: HPos::Right,
                v: VPos::Bottom,
            };
            let font = Font::new(SMALL, TEXT_MUTED);
            c.text("target", (frame.plot.right, y - 2), font, above)?;
        }
        if let Some((color, r)) = &rolling {
            runs(c, &frame, r, *color, true)?;
        }
        for (s, values) in &lines {
            runs(c, &frame, values, canvas::rgb(s.tone.hex()), false)?;
        }
        frame.draw_categories(c, labels)
    })?;
    Ok(Some(svg))
}

/// Draws each unbroken run of values as one polyline; a lone value as a dot.
fn runs(c: &Canvas, frame: &Frame, values: &[Option<f64>], color: RGBColor, dashed: bool) -> Res {
    let mut run: Vec<(i32, i32)> = Vec::new();
    let flush = |run: &mut Vec<(i32, i32)>| -> Res {
        match run.as_slice() {
            [] => {}
            [single] => c.circle(*single, 3, color)?,
            points => c.line(points, color, 2, dashed)?,
        }
        run.clear();
        Ok(())
    };
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => run.push((frame.x(i), frame.y.px(*v))),
            None => flush(&mut run)?,
        }
    }
    flush(&mut run)
}

/// The mean of the last `window` values at each position, where all of them are present.
fn rolling_mean(values: &[Option<f64>], window: usize) -> Vec<Option<f64>> {
    (0..values.len())
        .map(|i| {
            let start = (i + 1).checked_sub(window)?;
            let slice = &values[start..=i];
            let sum = slice.iter().try_fold(0.0, |acc, v| v.map(|v| acc + v))?;
            Some(sum / window as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences, usd};
    use super::super::{Chart, NO_DATA, Tone, svg};
    use super::*;

    fn months(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("{}-{:02}", 2024 + i / 12, i % 12 + 1))
            .collect()
    }

    fn mrr(n: usize) -> Chart {
        let values = (0..n)
            .map(|i| {
                if i == 10 {
                    None
                } else {
                    Some(800_000.0 + 12_500.0 * i as f64)
                }
            })
            .collect();
        Chart::Line {
            labels: months(n),
            series: vec![Series {
                name: "MRR".into(),
                values,
                tone: Tone::Accent(0),
            }],
            rolling12: false,
            target: None,
            axis: usd(),
        }
    }

    /// The vertices of each data line (2 px wide; grid lines are 1 px, legend marks 3 px).
    fn data_lines(svg: &str) -> Vec<usize> {
        svg.split("stroke-width=\"2\" points=\"")
            .skip(1)
            .map(|rest| {
                rest.split('"')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .count()
            })
            .collect()
    }

    #[test]
    fn a_gap_splits_the_line() {
        let out = svg(
            &mrr(36),
            "mrr",
            "MRR",
            "Monthly recurring revenue, 36 months",
        );
        assert_well_formed(&out, "mrr");
        // Index 10 is missing: two runs, 10 + 25 points; the grid lines are <line>s.
        assert_eq!(data_lines(&out), vec![10, 25]);
        // One series: no legend; months every 6th, counting back from the last (2026-12).
        assert!(!out.contains("MRR</text>"));
        assert!(out.contains(">2026-12</text>"));
        assert!(out.contains(">2026-06</text>"));
        assert!(!out.contains(">2026-11</text>"));
        assert!(out.contains(">$1.2M</text>"), "{out}");
        assert!(out.len() < 20_000, "{} bytes", out.len());
    }

    #[test]
    fn rolling_average_target_and_legend() {
        let Chart::Line { labels, series, .. } = mrr(24) else {
            return;
        };
        let second = Series {
            name: "Plan <v2>".into(),
            values: vec![Some(900_000.0); 24],
            tone: Tone::Neutral,
        };
        let chart = Chart::Line {
            labels,
            series: vec![series[0].clone(), second],
            rolling12: true,
            target: Some(1_000_000.0),
            axis: usd(),
        };
        let out = svg(&chart, "l", "t", "d");
        assert_well_formed(&out, "l");
        // Legend: both series and the average; target labelled on its line.
        assert!(out.contains(">MRR</text>"));
        assert!(out.contains(">Plan &lt;v2&gt;</text>"));
        assert!(out.contains(">12-month average</text>"));
        assert!(out.contains(">target</text>"));
        // The average only exists from the 12th month after the gap (index 22 on), the target
        // line and the legend mark: dashed.
        assert_eq!(occurrences(&out, "stroke-dasharray"), 3, "{out}");
    }

    #[test]
    fn single_points_and_flat_lines() {
        let one = Chart::Line {
            labels: vec!["2026-01".into()],
            series: vec![Series {
                name: "NRR".into(),
                values: vec![Some(100.0)],
                tone: Tone::Good,
            }],
            rolling12: true,
            target: Some(100.0),
            axis: Axis::Percent,
        };
        let out = svg(&one, "one", "t", "d");
        assert_well_formed(&out, "one");
        assert!(!out.contains(NO_DATA));
        assert_eq!(occurrences(&out, "<circle"), 1);
        assert!(out.contains(">100.0%</text>"));
    }

    #[test]
    fn rolling_mean_needs_a_full_window() {
        let values: Vec<Option<f64>> = (1..=13).map(|v| Some(f64::from(v))).collect();
        let r = rolling_mean(&values, 12);
        assert_eq!(r[10], None);
        // (1 + … + 12) / 12 = 6.5, then (2 + … + 13) / 12 = 7.5.
        assert_eq!(r[11], Some(6.5));
        assert_eq!(r[12], Some(7.5));
        let gap = [Some(1.0), None, Some(3.0)];
        assert_eq!(rolling_mean(&gap, 2), vec![None, None, None]);
    }
}
