//! Waterfall charts (the MRR bridge): totals stand on the axis, changes float from the running
//! total, green up and red down, joined by dashed connectors and labelled on their own bars, with
//! the net change (last total − first) named in the legend row. When the movements are small
//! against the totals the value axis is zoomed: it starts near the lowest running total less the
//! movements, not at zero, and a break mark across the foot of each total bar and on the axis
//! says so. Every movement is at least `MIN_BAR` px tall; a movement of exactly zero is a thin
//! grey line labelled "$0".

use super::canvas::{self, ABOVE, BELOW, Canvas, Font, NORMAL, RIGHT, Res, SMALL};
use super::cartesian::{Entry, Frame, LEGEND_ROW, Mark, PAD, Spec, legend_width};
use super::scale::{self, Scale};
use super::{Axis, Drawn, MISSING, Size, Step, TEXT, Tone, format};

/// Share of a step's band the bar fills.
const FILL: f64 = 0.6;
/// The shortest movement bar, in pixels.
const MIN_BAR: i32 = 4;
/// The zoomed axis is used when a zero-based one would spend more than this share of the plot
/// under the lowest value.
const ZOOM_WHEN: f64 = 0.25;

pub(super) fn render(steps: &[Step], axis: &Axis, size: Size) -> Drawn {
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
    let y = value_scale(steps, &bars, axis);
    let zoomed = y.lo > 0.0;
    let labels: Vec<String> = steps.iter().map(|s| s.label.clone()).collect();
    let legend = [
        ("MRR", Tone::Accent(0)),
        ("increase", Tone::Good),
        ("decrease", Tone::Bad),
    ]
    .into_iter()
    .map(|(name, tone)| Entry {
        name: name.into(),
        color: canvas::rgb(tone.hex()),
        mark: Mark::Square,
    })
    .collect::<Vec<_>>();
    // The net change stands right of the legend, or on a line of its own above it when the two
    // would meet (on a narrow canvas).
    let net_width = totals(steps, &bars).map_or(0, |(first, last)| {
        canvas::text_width(&net_change_text(first, last, axis), NORMAL)
    });
    let beside = 2 * PAD + legend_width(&legend) + net_width + 16 <= size.width as i32;
    let frame = Frame::new(Spec {
        size,
        legend,
        y,
        axis,
        categories: &labels,
        points: false,
        thin: false,
        above_legend: if beside { 0 } else { LEGEND_ROW },
        x_title: None,
        y_title: None,
    });
    let svg = Canvas::draw(size.width, size.height, |c| {
        frame.draw(c)?;
        let half = frame.slot() * FILL / 2.0;
        let value_font = Font::new(SMALL, TEXT);
        let floor = frame.y.lo;
        // Zoomed, values in full ("$1,806,200"), when every one fits its bar's slot; otherwise
        // short ("$1.8M") and the net change line gives the exact difference.
        let in_full = zoomed
            && steps.iter().zip(&bars).all(|(s, &(from, to))| {
                let value = if s.total { to } else { to - from };
                f64::from(canvas::text_width(&full(axis, value), SMALL) + 6) <= frame.slot()
            });
        let amount = |value: f64| {
            if in_full {
                full(axis, value)
            } else {
                axis.label(value)
            }
        };
        for (i, (step, &(from, to))) in steps.iter().zip(&bars).enumerate() {
            let centre = frame.x(i);
            let x0 = (f64::from(centre) - half).round() as i32;
            let x1 = ((f64::from(centre) + half).round() as i32).max(x0 + 1);
            let top = frame.y.px(to);
            if step.total {
                let base = frame.y.px(from.max(floor));
                if to != from {
                    c.rect((x0, base), (x1, top), canvas::rgb(Tone::Accent(0).hex()))?;
                }
                if zoomed {
                    break_mark(c, x0 - 3, x1 + 3, base - 10)?;
                }
                // On a zoomed axis the totals differ by less than the short form shows.
                let text = amount(to);
                c.text(&text, (centre, top.min(base) - 3), value_font, ABOVE)?;
            } else if to == from {
                // No movement: a thin grey line at the running total.
                c.line(&[(x0, top), (x1, top)], canvas::rgb(MISSING), 2, false)?;
                c.text(&axis.label(0.0), (centre, top - 3), value_font, ABOVE)?;
            } else {
                let up = to > from;
                let start = frame.y.px(from);
                // Up bars grow upwards (smaller pixel), down bars downwards.
                let end = if up {
                    top.min(start - MIN_BAR)
                } else {
                    top.max(start + MIN_BAR)
                };
                let tone = if up { Tone::Good } else { Tone::Bad };
                c.rect((x0, start), (x1, end), canvas::rgb(tone.hex()))?;
                // Zoomed, in full: the movements then add up to the net change as shown.
                let change = to - from;
                let text = signed(amount(change), up);
                if up {
                    c.text(&text, (centre, end - 3), value_font, ABOVE)?;
                } else {
                    c.text(&text, (centre, end + 3), value_font, BELOW)?;
                }
            }
            // The connector to the next bar, at the running total.
            if i + 1 < steps.len() {
                let next = (f64::from(frame.x(i + 1)) - half).round() as i32;
                c.line(&[(x1, top), (next, top)], canvas::rgb(MISSING), 1, true)?;
            }
        }
        if zoomed {
            // Two slashes on the value axis at its foot: it does not start at zero.
            let (x, bottom) = (frame.plot.left, frame.plot.bottom);
            break_mark(c, x - 6, x + 6, bottom - 10)?;
        }
        net_change(c, &frame, steps, &bars, axis)?;
        frame.draw_categories(c, &labels)
    })?;
    Ok(Some(svg))
}

/// The value axis: from zero, or zoomed to start near the lowest total less the movements when
/// a zero-based axis would leave the movements a sliver of the plot.
fn value_scale(steps: &[Step], bars: &[(f64, f64)], axis: &Axis) -> Scale {
    // Every level the chart shows: each running total, and where each movement starts.
    let levels: Vec<f64> = steps
        .iter()
        .zip(bars)
        .flat_map(|(s, &(from, to))| if s.total { vec![to] } else { vec![from, to] })
        .collect();
    let lowest = levels.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = levels.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let moved: f64 = bars
        .iter()
        .zip(steps)
        .filter(|(_, s)| !s.total)
        .map(|(&(from, to), _)| (to - from).abs())
        .sum();
    // Room under the lowest level for the totals to read as bars: the movements. When nothing
    // moved there is nothing to zoom in on.
    let floor = lowest - moved;
    if moved > 0.0 && lowest.is_finite() && floor > 0.0 && floor > highest * ZOOM_WHEN {
        let zoomed = Scale::nice(
            &scale::padded(&[floor, highest], 0.08),
            false,
            axis.integral(),
        );
        if zoomed.lo > 0.0 {
            return zoomed;
        }
    }
    let extent: Vec<f64> = bars.iter().flat_map(|&(a, b)| [a, b]).collect();
    Scale::nice(&scale::padded(&extent, 0.08), true, axis.integral())
}

/// A change with its sign: "+$6.2K", "-$2K"; no sign on zero.
fn signed(label: String, up: bool) -> String {
    if up && !label.starts_with('-') {
        format!("+{label}")
    } else {
        label
    }
}

/// A break across a bar or the axis at pixel row `y`: a white band between two parallel slashes.
fn break_mark(c: &Canvas, x0: i32, x1: i32, y: i32) -> Res {
    let rise = 4;
    c.polygon(
        vec![
            (x0, y + rise),
            (x1, y - rise),
            (x1, y - rise + 5),
            (x0, y + rise + 5),
        ],
        canvas::WHITE,
    )?;
    let grey = canvas::rgb(MISSING);
    c.line(&[(x0, y + rise), (x1, y - rise)], grey, 1, false)?;
    c.line(&[(x0, y + rise + 5), (x1, y - rise + 5)], grey, 1, false)
}

/// "Net change +$6,200 (+0.3%)" at the right of the first row (the legend's, or its own), green when the last total is
/// above the first, red when below, dark grey when equal.
fn net_change(c: &Canvas, frame: &Frame, steps: &[Step], bars: &[(f64, f64)], axis: &Axis) -> Res {
    let Some((first, last)) = totals(steps, bars) else {
        return Ok(());
    };
    let text = net_change_text(first, last, axis);
    let tone = if last > first {
        Tone::Good
    } else if last < first {
        Tone::Bad
    } else {
        Tone::Neutral
    };
    let font = Font::new(NORMAL, tone.hex()).bold();
    c.text(&text, (frame.plot.right, 22), font, RIGHT)
}

/// The first and the last total, when there are two or more.
fn totals(steps: &[Step], bars: &[(f64, f64)]) -> Option<(f64, f64)> {
    let totals: Vec<f64> = steps
        .iter()
        .zip(bars)
        .filter(|(s, _)| s.total)
        .map(|(_, &(_, to))| to)
        .collect();
    match totals.as_slice() {
        [first, .., last] => Some((*first, *last)),
        _ => None,
    }
}

/// A value in full: "$1,806,200" where the axis label would say "$1.8M".
fn full(axis: &Axis, value: f64) -> String {
    match axis {
        Axis::Money { currency } => format::money(value, currency),
        other => other.label(value),
    }
}

/// The net change in full: "Net change +$6,200 (+0.3%)", "Net change -$2,000 (-0.1%)",
/// "Net change $0".
pub(super) fn net_change_text(first: f64, last: f64, axis: &Axis) -> String {
    let change = last - first;
    let amount = full(axis, change);
    if change == 0.0 {
        return format!("Net change {amount}");
    }
    let sign = if change > 0.0 { "+" } else { "-" };
    // The sign is the change's, so a share that rounds to 0.0 % never reads "-0.0%".
    let share = if first > 0.0 {
        let pct = (change / first * 100.0).abs();
        // Two decimals where one would round a real change to 0.0 %.
        let pct = if pct < 0.05 {
            format!("{}%", format::fixed(pct, 2))
        } else {
            format::percent(pct)
        };
        format!(" ({sign}{pct})")
    } else {
        String::new()
    };
    let amount = amount.trim_start_matches('-');
    format!("Net change {sign}{amount}{share}")
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
        // Two bars of each colour and a legend swatch; the net change is written in green.
        assert_eq!(occurrences(&out, &fill(Tone::Accent(0))), 3);
        assert_eq!(occurrences(&out, &fill(Tone::Good)), 4);
        assert_eq!(occurrences(&out, &fill(Tone::Bad)), 3);
        assert!(out.contains(">increase</text>") && out.contains(">decrease</text>"));
        // Five dashed connectors between six bars.
        assert_eq!(occurrences(&out, "stroke-dasharray"), 5);
        assert!(out.contains(">+$120,000</text>"));
        assert!(out.contains(">-$70,000</text>"));
        // Zoomed, the totals are written in full.
        assert!(out.contains(">$1,100,000</text>"));
        assert!(out.contains(">Contraction</text>"));
        // $1.0M to $1.1M is up $100,000, a tenth.
        assert!(
            out.contains(">Net change +$100,000 (+10.0%)</text>"),
            "{out}"
        );
        // Movements of $300K against $1.2M: zoomed to start at $600K (the lowest level less the
        // movements, padded and rounded to the $100K step), not at zero.
        assert!(out.contains(">$600K</text>"));
        assert!(!out.contains(">$0</text>"));
    }

    /// The y pixels of the filled rectangles of `tone` (top, bottom), in drawing order.
    fn rects(out: &str, tone: Tone) -> Vec<(i32, i32)> {
        out.split("<rect ")
            .skip(1)
            .filter_map(|r| r.split("/>").next())
            .filter(|r| r.contains(&fill(tone)))
            .filter_map(|r| {
                let attr = |name: &str| -> Option<i32> {
                    r.split(&format!(" {name}=\""))
                        .nth(1)?
                        .split('"')
                        .next()?
                        .parse()
                        .ok()
                };
                let y = attr("y")?;
                Some((y, y + attr("height")?))
            })
            .collect()
    }

    #[test]
    fn small_movements_on_a_large_base_are_zoomed_and_readable() {
        // The October 2026 bridge of the example: $6K movements against $1.8M.
        let chart = Chart::Waterfall {
            steps: vec![
                step("starting MRR", 1_800_000.0, true),
                step("new", 6_200.0, false),
                step("reactivation", 440.0, false),
                step("expansion", 6_000.0, false),
                step("contraction", -11_000.0, false),
                step("churned", -2_000.0, false),
                step("ending MRR", 1_799_640.0, true),
            ],
            axis: usd(),
        };
        let out = svg(&chart, "m", "t", "d");
        assert_well_formed(&out, "m");
        // $1,800,000 to $1,799,640: down $360, 0.02 %, in the colour of a fall.
        let net = format!(
            "fill=\"{}\" font-weight=\"bold\">Net change -$360 (-0.02%)</text>",
            Tone::Bad.hex().to_uppercase()
        );
        assert!(out.contains(&net), "{out}");
        // Zoomed: the axis starts near the lowest level ($1,799,640) less the $25,640 moved,
        // padded and rounded down to the $10K step: $1,770,000; no tick reads $0.
        assert!(!out.contains(">$0</text>"));
        assert!(out.contains(">$1,770,000</text>"), "{out}");
        assert!(!out.contains(">$1,760,000</text>"));
        // Break marks: one across the foot of each total bar and one on the axis.
        assert_eq!(occurrences(&out, "<polygon"), 3);
        // Every movement bar is at least four pixels tall; the +$440 one too.
        let bars: Vec<(i32, i32)> = [Tone::Good, Tone::Bad]
            .into_iter()
            .flat_map(|t| rects(&out, t).into_iter().skip(1))
            .collect();
        assert_eq!(bars.len(), 5);
        assert!(
            bars.iter().all(|(top, bottom)| bottom - top >= 4),
            "{bars:?}"
        );
        // Labels in full, on their own bars: they add up to the net change.
        assert!(out.contains(">+$440</text>"));
        assert!(out.contains(">+$6,200</text>") && out.contains(">+$6,000</text>"));
        assert!(out.contains(">-$11,000</text>") && out.contains(">-$2,000</text>"));
    }

    /// The `y` of the text element whose content is `content`.
    fn text_y(out: &str, content: &str) -> Option<i32> {
        let line = out
            .lines()
            .find(|l| l.contains(&format!(">{content}</text>")))?;
        line.split(" y=\"").nth(1)?.split('"').next()?.parse().ok()
    }

    #[test]
    fn on_a_phone_the_net_change_has_its_own_line_and_values_are_short() {
        let steps = [
            step("starting MRR", 1_810_150.0, true),
            step("new", 6_200.0, false),
            step("reactivated", 440.0, false),
            step("expansion", 5_720.0, false),
            step("contraction", -11_160.0, false),
            step("churned", -2_400.0, false),
            step("ending MRR", 1_808_950.0, true),
        ];
        let phone = render(&steps, &usd(), super::super::COMPACT)
            .ok()
            .flatten()
            .map(|svg| svg.elements)
            .unwrap_or_default();
        // 360 px hold the legend or "Net change -$1,200 (-0.1%)", not both: the net change
        // takes the first line, the legend the next.
        let net = text_y(&phone, "Net change -$1,200 (-0.1%)").expect("net change");
        let legend = text_y(&phone, "MRR").expect("legend");
        assert!(net + 16 <= legend, "{net} / {legend}: {phone}");
        // Seven bars in under 300 px leave no room for "$1,810,150": every value is short.
        assert!(phone.contains(">$1.8M</text>"), "{phone}");
        assert!(phone.contains(">-$11K</text>"), "{phone}");
        assert!(!phone.contains(">$1,810,150</text>"), "{phone}");
        // At the standard size both fit on one line, the values in full.
        let standard = render(&steps, &usd(), super::super::STANDARD)
            .ok()
            .flatten()
            .map(|svg| svg.elements)
            .unwrap_or_default();
        let net = text_y(&standard, "Net change -$1,200 (-0.1%)");
        assert_eq!(net, text_y(&standard, "MRR"), "{standard}");
        assert!(standard.contains(">$1,810,150</text>"), "{standard}");
    }

    #[test]
    fn net_change_reads_in_full_with_its_sign() {
        let usd = usd();
        assert_eq!(
            net_change_text(1_800_000.0, 1_806_200.0, &usd),
            "Net change +$6,200 (+0.3%)"
        );
        assert_eq!(
            net_change_text(1_800_000.0, 1_799_640.0, &usd),
            "Net change -$360 (-0.02%)"
        );
        assert_eq!(
            net_change_text(100.0, 90.0, &usd),
            "Net change -$10 (-10.0%)"
        );
        assert_eq!(net_change_text(100.0, 100.0, &usd), "Net change $0");
        assert_eq!(net_change_text(0.0, 50.0, &usd), "Net change +$50");
    }

    #[test]
    fn large_movements_keep_the_zero_axis() {
        // $600K of movements on a $500K base: a zero-based axis reads well, so no break.
        let chart = Chart::Waterfall {
            steps: vec![
                step("Opening", 500_000.0, true),
                step("New", 400_000.0, false),
                step("Churn", -200_000.0, false),
                step("Closing", 700_000.0, true),
            ],
            axis: usd(),
        };
        let out = svg(&chart, "l", "t", "d");
        assert!(out.contains(">$0</text>"));
        assert_eq!(occurrences(&out, "<polygon"), 0);
        assert!(out.contains(">Net change +$200,000 (+40.0%)</text>"));
        // Not zoomed: the short labels.
        assert!(out.contains(">+$400K</text>") && out.contains(">$700K</text>"));
    }

    #[test]
    fn nothing_moved_keeps_the_zero_axis() {
        // A still month: no zoom (nothing to read), each step a grey line labelled $0.
        let chart = Chart::Waterfall {
            steps: vec![
                step("start MRR", 37_370.0, true),
                step("new", 0.0, false),
                step("churned", 0.0, false),
                step("end MRR", 37_370.0, true),
            ],
            axis: usd(),
        };
        let out = svg(&chart, "n", "t", "d");
        assert!(out.contains(">$0</text>"));
        assert_eq!(occurrences(&out, "<polygon"), 0);
        assert_eq!(occurrences(&out, ">$37K</text>"), 2);
        let grey = format!("stroke=\"{}\" stroke-width=\"2\"", MISSING.to_uppercase());
        assert_eq!(occurrences(&out, &grey), 2);
        assert!(out.contains(">Net change $0</text>"));
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
        // Nothing to draw but the background and the legend swatches; the still step is a
        // thin line labelled $0, unsigned.
        assert_eq!(occurrences(&out, "<rect"), 4);
        assert!(out.contains(">$0</text>"));
        assert!(!out.contains(">+$0</text>"));
        assert!(out.contains(">Net change $0</text>"));
    }
}
