//! Waterfall charts (the MRR bridge): totals stand on zero, changes float from the running
//! total, green up and red down, joined by dashed connectors and labelled with their values.

use super::canvas::{self, ABOVE, BELOW, Canvas, Font, SMALL};
use super::cartesian::{Frame, HEIGHT, Spec, WIDTH};
use super::scale::{self, Scale};
use super::{Axis, Drawn, MISSING, Step, TEXT, Tone};

/// Share of a step's band the bar fills.
const FILL: f64 = 0.6;

pub(super) fn render(steps: &[Step], axis: &Axis) -> Drawn {
    if steps.is_empty() {
        return Ok(None);
    }
    // Each bar runs from `from` to `to`; a non-finite value changes nothing.
    let mut running = 0.0;
    let bars: Vec<(f64, f64)> = steps
        .iter()
        .map(|s| {
            let v = if s.value.is_finite() { s.value } else { 0.0 };
            let from = if s.total { 0.0 } else { running };
            running = if s.total { v } else { running + v };
            (from, running)
        })
        .collect();
    let extent: Vec<f64> = bars.iter().flat_map(|&(a, b)| [a, b]).collect();
    let labels: Vec<String> = steps.iter().map(|s| s.label.clone()).collect();
    let frame = Frame::new(Spec {
        legend: Vec::new(),
        y: Scale::nice(&scale::padded(&extent, 0.08), true, axis.integral()),
        axis,
        categories: &labels,
        points: false,
        thin: false,
        x_title: None,
        y_title: None,
    });
    let svg = Canvas::draw(WIDTH, HEIGHT, |c| {
        frame.draw(c)?;
        let half = frame.slot() * FILL / 2.0;
        let value_font = Font::new(SMALL, TEXT);
        for (i, (step, &(from, to))) in steps.iter().zip(&bars).enumerate() {
            let centre = frame.x(i);
            let x0 = (f64::from(centre) - half).round() as i32;
            let x1 = (f64::from(centre) + half).round() as i32;
            let tone = if step.total {
                Tone::Accent(0)
            } else if to >= from {
                Tone::Good
            } else {
                Tone::Bad
            };
            if to != from {
                let color = canvas::rgb(tone.hex());
                c.rect(
                    (x0, frame.y.px(from)),
                    (x1.max(x0 + 1), frame.y.px(to)),
                    color,
                )?;
            }
            let text = if step.total {
                axis.label(to)
            } else if to >= from {
                format!("+{}", axis.label(to - from))
            } else {
                axis.label(to - from)
            };
            if to >= from {
                c.text(&text, (centre, frame.y.px(to) - 3), value_font, ABOVE)?;
            } else {
                c.text(&text, (centre, frame.y.px(to) + 3), value_font, BELOW)?;
            }
            // The connector to the next bar, at the running total.
            if i + 1 < steps.len() {
                let y = frame.y.px(to);
                let next = (f64::from(frame.x(i + 1)) - half).round() as i32;
                c.line(&[(x1, y), (next, y)], canvas::rgb(MISSING), 1, true)?;
            }
        }
        frame.draw_categories(c, &labels)
    })?;
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences, usd};
    use super::super::{Chart, svg};
    use super::*;

    fn step(label: &str, value: f64, total: bool) -> Step {
        Step {
            label: label.into(),
            value,
            total,
        }
    }

    fn fill(tone: Tone) -> String {
        format!("fill=\"{}\"", tone.hex().to_uppercase())
    }

    #[test]
    fn mrr_bridge() {
        let chart = Chart::Waterfall {
            steps: vec![
                step("Opening MRR", 1_000_000.0, true),
                step("New", 120_000.0, false),
                step("Expansion", 80_000.0, false),
                step("Contraction", -30_000.0, false),
                step("Churn", -70_000.0, false),
                step("Closing MRR", 1_100_000.0, true),
            ],
            axis: usd(),
        };
        let out = svg(&chart, "w", "MRR bridge", "From $1.0M to $1.1M");
        assert_well_formed(&out, "w");
        assert_eq!(occurrences(&out, &fill(Tone::Accent(0))), 2);
        assert_eq!(occurrences(&out, &fill(Tone::Good)), 2);
        assert_eq!(occurrences(&out, &fill(Tone::Bad)), 2);
        // Five dashed connectors between six bars.
        assert_eq!(occurrences(&out, "stroke-dasharray"), 5);
        assert!(out.contains(">+$120K</text>"));
        assert!(out.contains(">-$70K</text>"));
        assert!(out.contains(">$1.1M</text>"));
        assert!(out.contains(">Contraction</text>"));
    }

    #[test]
    fn zero_and_non_finite_steps() {
        let chart = Chart::Waterfall {
            steps: vec![
                step("Open", 0.0, true),
                step("Odd", f64::NAN, false),
                step("Close", 0.0, true),
            ],
            axis: usd(),
        };
        let out = svg(&chart, "z", "t", "d");
        assert_well_formed(&out, "z");
        // Nothing to draw but the background; labels still say $0.
        assert_eq!(occurrences(&out, "<rect"), 1);
        assert!(out.contains(">+$0</text>"));
    }
}
