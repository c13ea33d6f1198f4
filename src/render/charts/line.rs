//! Line charts: time series with a gap wherever a value is missing, an optional dashed rolling
//! 12-period average of the first series, an optional dashed target line and labelled reference
//! lines (health band bounds). Dated labels that are not evenly spaced are placed by time, not
//! one slot apart.

use super::canvas::RGBColor;
use super::canvas::{self, Anchor, Canvas, Font, Res, SMALL};
use super::canvas::{HPos, VPos};
use super::cartesian::{Entry, Frame, Mark, Spec};
use super::scale::{self, Scale};
use super::{Axis, Drawn, Reference, Series, Size, TEXT_MUTED, finite};

/// Periods in the rolling average.
const WINDOW: usize = 12;

/// How a series joins its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// Straight lines from value to value.
    Lines,
    /// A value holds until the next category, then a vertical drop or rise to the next value.
    Steps,
}

pub(super) fn render(
    labels: &[String],
    series: &[Series],
    rolling12: bool,
    (target, references): (Option<f64>, &[Reference]),
    (axis, shape): (&Axis, Shape),
    size: Size,
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
    let references: Vec<&Reference> = references.iter().filter(|r| r.value.is_finite()).collect();
    all.extend(references.iter().map(|r| r.value));
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
        size,
        legend,
        // A survival staircase is read against the whole 0–100 % range: a cut axis would make
        // a 10-point drop look like a collapse.
        y: Scale::nice(
            &all,
            axis.starts_at_zero() || shape == Shape::Steps,
            axis.integral(),
        ),
        axis,
        categories: labels,
        points: true,
        thin: true,
        above_legend: 0,
        x_title: None,
        y_title: None,
    })
    .placed(scale::time_positions(labels));

    let svg = Canvas::draw(size.width, size.height, |c| {
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
        for r in &references {
            let y = frame.y.px(r.value);
            let line = [(frame.plot.left, y), (frame.plot.right, y)];
            c.line(&line, canvas::rgb(r.tone.hex()), 1, true)?;
            let above = Anchor {
                h: HPos::Left,
                v: VPos::Bottom,
            };
            let font = Font::new(SMALL, TEXT_MUTED);
            c.text(&r.label, (frame.plot.left + 4, y - 2), font, above)?;
        }
        if let Some((color, r)) = &rolling {
            runs(c, &frame, r, *color, (true, Shape::Lines))?;
        }
        for (s, values) in &lines {
            runs(c, &frame, values, canvas::rgb(s.tone.hex()), (false, shape))?;
        }
        frame.draw_categories(c, labels)
    })?;
    Ok(Some(svg))
}

/// Draws each unbroken run of values as one polyline (a staircase for [`Shape::Steps`]); a lone
/// value as a dot.
fn runs(
    c: &Canvas,
    frame: &Frame,
    values: &[Option<f64>],
    color: RGBColor,
    (dashed, shape): (bool, Shape),
) -> Res {
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
            Some(v) => {
                let point = (frame.x(i), frame.y.px(*v));
                if let (Shape::Steps, Some(&(_, y))) = (shape, run.last()) {
                    // Level until this category, then straight down (or up).
                    run.push((point.0, y));
                }
                run.push(point);
            }
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
    use super::super::{Chart, NO_DATA, Reference, Tone, svg};
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
            references: vec![],
            axis: usd(),
        }
    }

    /// The number of vertices of each data line.
    fn data_lines(svg: &str) -> Vec<usize> {
        data_points(svg).iter().map(Vec::len).collect()
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

    /// The vertices of each data line (2 px wide; grid lines are 1 px, legend marks 3 px), as
    /// (x, y) pairs.
    fn data_points(svg: &str) -> Vec<Vec<(i32, i32)>> {
        svg.split("stroke-width=\"2\" points=\"")
            .skip(1)
            .map(|rest| {
                rest.split('"')
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .filter_map(|p| {
                        let (x, y) = p.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn steps_hold_each_value_until_the_next_category() {
        let chart = Chart::Steps {
            labels: (0..4).map(|m| format!("M{m}")).collect(),
            series: vec![Series {
                name: "all accounts".into(),
                values: vec![Some(100.0), Some(100.0), Some(80.0), Some(50.0)],
                tone: Tone::Accent(0),
            }],
            axis: Axis::Percent,
        };
        let out = svg(&chart, "km", "Customer lifetime", "d");
        assert_well_formed(&out, "km");
        let lines = data_points(&out);
        assert_eq!(lines.len(), 1, "{out}");
        let p = &lines[0];
        // Four values and a corner before each of the last three: 7 points, alternating a
        // level segment and a vertical one.
        assert_eq!(p.len(), 7, "{p:?}");
        for pair in p.windows(2).step_by(2) {
            assert_eq!(pair[0].1, pair[1].1, "level: {p:?}");
        }
        for pair in p.windows(2).skip(1).step_by(2) {
            assert_eq!(pair[0].0, pair[1].0, "vertical: {p:?}");
        }
        // The drops go down the page (SVG y grows downwards): 100 % → 80 % → 50 %.
        assert!(
            p[2].1 == p[1].1 && p[4].1 > p[2].1 && p[6].1 > p[4].1,
            "{p:?}"
        );
        // The axis runs from 0 %, not from the lowest value.
        assert!(out.contains(">0.0%</text>"), "{out}");
        // The same values as a line chart have no corners.
        let Chart::Steps {
            labels,
            series,
            axis,
        } = chart
        else {
            return;
        };
        let line = Chart::lines(labels, series, axis);
        assert_eq!(data_lines(&svg(&line, "l", "t", "d")), vec![4]);
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
            references: vec![],
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
            references: vec![],
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

    /// The health line of an account scored on irregular days.
    fn health(days: &[&str]) -> Chart {
        Chart::Line {
            labels: days.iter().map(|d| (*d).to_string()).collect(),
            series: vec![Series {
                name: "Health".into(),
                values: (0..days.len()).map(|i| Some(60.0 + i as f64)).collect(),
                tone: Tone::Accent(0),
            }],
            rolling12: false,
            target: None,
            references: vec![],
            axis: Axis::Score,
        }
    }

    /// The value tick labels: right-aligned text left of the plot.
    fn ticks(svg: &str) -> Vec<String> {
        svg.lines()
            .filter(|l| l.contains("text-anchor=\"end\""))
            .filter_map(|l| l.rsplit_once("\">"))
            .map(|(_, t)| t.trim_end_matches("</text>").to_string())
            .collect()
    }

    #[test]
    fn health_ticks_are_whole_scores_and_band_lines_stand_at_their_bounds() {
        // Scores 62.0 to 64.5 span 2.5 points: a plain score axis ticks at halves.
        let narrow = |axis: Axis, references: Vec<Reference>| Chart::Line {
            labels: (1..=6).map(|d| format!("2026-01-{d:02}")).collect(),
            series: vec![Series {
                name: "Health".into(),
                values: (0..6).map(|i| Some(62.0 + 0.5 * f64::from(i))).collect(),
                tone: Tone::Accent(0),
            }],
            rolling12: false,
            target: None,
            references,
            axis,
        };
        let halves = svg(&narrow(Axis::Score, vec![]), "s", "t", "d");
        assert!(ticks(&halves).contains(&"62.5".to_string()), "{halves}");
        // A health axis ticks in whole scores.
        let whole = svg(&narrow(Axis::Health, vec![]), "h", "t", "d");
        let labels = ticks(&whole);
        assert!(labels.len() >= 3, "{whole}");
        assert!(
            labels.iter().all(|t| t.parse::<u32>().is_ok()),
            "{labels:?}"
        );
        // With the band bounds the axis reaches 50 and 80, and each bound is a dashed line in its
        // band's colour level with its tick, labelled.
        let bands = vec![
            Reference {
                value: 80.0,
                label: "green ≥ 80".into(),
                tone: Tone::Good,
            },
            Reference {
                value: 50.0,
                label: "yellow ≥ 50".into(),
                tone: Tone::Warning,
            },
        ];
        let out = svg(&narrow(Axis::Health, bands), "b", "t", "d");
        assert_well_formed(&out, "b");
        for (tick, colour, label) in [
            ("80", "#1A7F37", "green ≥ 80"),
            ("50", "#B7791F", "yellow ≥ 50"),
        ] {
            let tick_y = out
                .lines()
                .find(|l| l.ends_with(&format!(">{tick}</text>")))
                .and_then(|l| {
                    l.split(" y=\"")
                        .nth(1)?
                        .split('"')
                        .next()
                        .map(str::to_string)
                })
                .unwrap_or_default();
            let line = out
                .lines()
                .find(|l| l.contains("stroke-dasharray") && l.contains(colour))
                .unwrap_or_default();
            assert!(line.contains(&format!(",{tick_y} ")), "{tick}: {line}");
            assert!(out.contains(&format!(">{label}</text>")), "{out}");
        }
        assert!(
            ticks(&out).iter().all(|t| t.parse::<u32>().is_ok()),
            "{out}"
        );
    }

    /// The x pixels of the first data line's vertices.
    fn line_xs(svg: &str) -> Vec<i32> {
        svg.split("stroke-width=\"2\" points=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|p| p.split(',').next()?.parse().ok())
            .collect()
    }

    /// The `x` of the text element whose content is `label`.
    fn label_x(svg: &str, label: &str) -> Option<i32> {
        let line = svg
            .lines()
            .find(|l| l.ends_with(&format!(">{label}</text>")))?;
        line.split("x=\"").nth(1)?.split('"').next()?.parse().ok()
    }

    #[test]
    fn irregular_dates_are_placed_by_time() {
        // Scored on Jan 1, Jan 2, Jan 11 and Jan 31: 0, 1, 10 and 30 days in.
        let out = svg(
            &health(&["2026-01-01", "2026-01-02", "2026-01-11", "2026-01-31"]),
            "h",
            "t",
            "d",
        );
        assert_well_formed(&out, "h");
        let xs = line_xs(&out);
        assert_eq!(xs.len(), 4, "{out}");
        let span = f64::from(xs[3] - xs[0]);
        for (x, days) in xs.iter().zip([0.0, 1.0, 10.0, 30.0]) {
            let expected = f64::from(xs[0]) + span * days / 30.0;
            assert!((f64::from(*x) - expected).abs() <= 1.0, "{xs:?}");
        }
        // Jan 1 and Jan 2 are 1/30 of the axis apart: too close for both labels, so the later
        // one is drawn and the earlier one left out.
        assert!(out.contains(">2026-01-02</text>"));
        assert!(!out.contains(">2026-01-01</text>"), "{out}");
        assert!(out.contains(">2026-01-11</text>"));
    }

    #[test]
    fn even_dates_keep_even_slots() {
        let out = svg(
            &health(&["2026-01-01", "2026-01-08", "2026-01-15", "2026-01-22"]),
            "h",
            "t",
            "d",
        );
        let xs = line_xs(&out);
        let gaps: Vec<i32> = xs.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().all(|g| (g - gaps[0]).abs() <= 1), "{xs:?}");
    }

    #[test]
    fn the_last_label_stays_inside_the_view_box() {
        for (chart, last) in [
            (
                health(&["2026-01-01", "2026-01-02", "2026-01-11", "2026-01-31"]),
                "2026-01-31",
            ),
            (mrr(6), "2024-06"),
        ] {
            let out = svg(&chart, "h", "t", "d");
            assert!(out.contains("viewBox=\"0 0 720 360\""));
            let x = label_x(&out, last).unwrap_or_else(|| panic!("{last} drawn: {out}"));
            // Centred text of 0.6 em a character at 11 px.
            let half = canvas::text_width(last, SMALL) / 2;
            assert!(x - half >= 0 && x + half <= 720, "{last} at {x}: {out}");
        }
    }
}
