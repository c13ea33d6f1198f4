//! Bar charts over categories: series side by side (grouped) or on top of each other (stacked,
//! positives up and negatives down from zero). A missing or zero value draws no bar; a category
//! with no value at all says "no data".

use super::canvas::{self, ABOVE, BELOW, Canvas, Font, Res, SMALL};
use super::cartesian::{Entry, Frame, Mark, Spec};
use super::scale::{self, Scale};
use super::{Axis, Drawn, Series, Size, TEXT, finite};

/// Share of a category's band the bars fill.
const FILL: f64 = 0.7;

pub(super) fn render(
    labels: &[String],
    series: &[Series],
    stacked: bool,
    axis: &Axis,
    size: Size,
) -> Drawn {
    let n = labels.len();
    let columns: Vec<Vec<Option<f64>>> = series
        .iter()
        .map(|s| {
            (0..n)
                .map(|i| finite(s.values.get(i).copied().flatten()))
                .collect()
        })
        .collect();
    if !columns.iter().flatten().any(Option::is_some) {
        return Ok(None);
    }
    let extent: Vec<f64> = if stacked {
        (0..n)
            .flat_map(|i| {
                let values = columns.iter().filter_map(|c| c[i]);
                let up: f64 = values.clone().filter(|v| *v > 0.0).sum();
                let down: f64 = values.filter(|v| *v < 0.0).sum();
                [up, down]
            })
            .collect()
    } else {
        columns.iter().flatten().flatten().copied().collect()
    };
    let legend = series
        .iter()
        .map(|s| Entry {
            name: s.name.clone(),
            color: canvas::rgb(s.tone.hex()),
            mark: Mark::Square,
        })
        .collect();
    let frame = Frame::new(Spec {
        size,
        legend,
        // Room over the bars for their values.
        y: Scale::nice(&scale::padded(&extent, 0.08), true, axis.integral()),
        axis,
        categories: labels,
        points: false,
        thin: labels.iter().all(|l| looks_like_period(l)),
        above_legend: 0,
        x_title: None,
        y_title: None,
    });
    let svg = Canvas::draw(size.width, size.height, |c| {
        frame.draw(c)?;
        let band = frame.slot() * FILL;
        let width = if stacked {
            band
        } else {
            band / series.len().max(1) as f64
        };
        // Values on the bars when there is one series and room to print them.
        let widest = (0..n)
            .filter_map(|i| columns.first().and_then(|c| c[i]))
            .map(|v| canvas::text_width(&axis.label(v), SMALL))
            .max()
            .unwrap_or(0);
        let print_values = series.len() == 1 && f64::from(widest + 4) <= frame.slot();
        for i in 0..n {
            if columns.iter().all(|c| c[i].is_none()) {
                frame.mark_missing(c, i)?;
            }
            let left = f64::from(frame.x(i)) - band / 2.0;
            let (mut up, mut down) = (0.0, 0.0);
            for (j, (s, column)) in series.iter().zip(&columns).enumerate() {
                let Some(v) = column[i].filter(|v| *v != 0.0) else {
                    continue;
                };
                let (from, to, x0) = if stacked {
                    let acc = if v > 0.0 { &mut up } else { &mut down };
                    let from = *acc;
                    *acc += v;
                    (from, *acc, left)
                } else {
                    (0.0, v, left + j as f64 * width)
                };
                let x0 = x0.round() as i32;
                // A pixel between neighbouring bars of a group.
                let gap = i32::from(!stacked && width >= 6.0);
                let x1 = ((x0 as f64 + width).round() as i32 - gap).max(x0 + 1);
                let color = canvas::rgb(s.tone.hex());
                c.rect((x0, frame.y.px(from)), (x1, frame.y.px(to)), color)?;
                if print_values {
                    label(c, &frame, axis, v, (x0 + x1) / 2)?;
                }
            }
        }
        frame.draw_categories(c, labels)
    })?;
    Ok(Some(svg))
}

/// The value over a positive bar, under a negative one.
fn label(c: &Canvas, frame: &Frame, axis: &Axis, value: f64, x: i32) -> Res {
    let y = frame.y.px(value);
    let font = Font::new(SMALL, TEXT);
    if value >= 0.0 {
        c.text(&axis.label(value), (x, y - 3), font, ABOVE)
    } else {
        c.text(&axis.label(value), (x, y + 3), font, BELOW)
    }
}

/// Period ids start with a four-digit year ("2026-03", "2026-Q1", "2026"): crowded ones are
/// thinned rather than turned upright.
fn looks_like_period(label: &str) -> bool {
    label.len() >= 4 && label.bytes().take(4).all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences};
    use super::super::{Chart, NO_DATA, Tone, svg};
    use super::*;

    fn segments() -> Vec<String> {
        vec!["SMB".into(), "Mid-market".into(), "Enterprise".into()]
    }

    fn fill(tone: Tone) -> String {
        format!("fill=\"{}\"", tone.hex().to_uppercase())
    }

    #[test]
    fn grouped_bars_one_per_value() {
        let chart = Chart::Bar {
            labels: segments(),
            series: vec![
                Series {
                    name: "Renewed".into(),
                    values: vec![Some(12.0), Some(7.0), None],
                    tone: Tone::Good,
                },
                Series {
                    name: "Churned".into(),
                    values: vec![Some(3.0), Some(1.0), Some(2.0)],
                    tone: Tone::Bad,
                },
            ],
            stacked: false,
            axis: Axis::Count,
        };
        let out = svg(&chart, "b", "Renewals by segment", "d");
        assert_well_formed(&out, "b");
        // Two bars plus the legend swatch for Renewed (the None draws nothing), three plus one
        // for Churned.
        assert_eq!(occurrences(&out, &fill(Tone::Good)), 3);
        assert_eq!(occurrences(&out, &fill(Tone::Bad)), 4);
        assert!(out.contains(">Churned</text>"));
        assert!(out.contains(">Mid-market</text>"));
        // Count ticks are whole numbers with separators.
        assert!(out.contains(">12</text>"));
        assert!(!out.contains(".5</text>"));
    }

    #[test]
    fn stacked_bars_and_negative_values() {
        let chart = Chart::Bar {
            labels: vec!["2026-01".into(), "2026-02".into()],
            series: vec![
                Series {
                    name: "Expansion".into(),
                    values: vec![Some(20_000.0), Some(35_000.0)],
                    tone: Tone::Good,
                },
                Series {
                    name: "Churn".into(),
                    values: vec![Some(-15_000.0), Some(0.0)],
                    tone: Tone::Bad,
                },
            ],
            stacked: true,
            axis: super::super::tests::usd(),
        };
        let out = svg(&chart, "s", "t", "d");
        assert_well_formed(&out, "s");
        assert_eq!(occurrences(&out, &fill(Tone::Good)), 3);
        // The zero churn draws no bar: one bar and the swatch.
        assert_eq!(occurrences(&out, &fill(Tone::Bad)), 2);
        assert!(out.contains(">-$20K</text>"), "{out}");
    }

    #[test]
    fn labels_are_escaped() {
        let label = "<script>alert(1)</script> & \"x\"".to_string();
        let chart = Chart::Bar {
            labels: vec![label, "b".into()],
            series: vec![Series {
                name: "n".into(),
                values: vec![Some(1.0), Some(2.0)],
                tone: Tone::Accent(0),
            }],
            stacked: false,
            axis: Axis::Count,
        };
        let out = svg(&chart, "x", "t", "d");
        assert_well_formed(&out, "x");
        assert!(!out.contains("<script"));
        assert!(out.contains(">&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;</text>"));
        // One series with room: values printed over the bars.
        assert!(out.contains(">2</text>"));
    }

    #[test]
    fn many_names_stand_upright_and_all_zero_is_empty() {
        let labels: Vec<String> = (0..40).map(|i| format!("Account {i:02}")).collect();
        let chart = Chart::Bar {
            labels: labels.clone(),
            series: vec![Series {
                name: "ARR".into(),
                values: (0..40).map(|i| Some(f64::from(i) * 1000.0)).collect(),
                tone: Tone::Accent(1),
            }],
            stacked: false,
            axis: super::super::tests::usd(),
        };
        let out = svg(&chart, "u", "t", "d");
        assert!(out.contains("rotate(270"));
        // Bars for 1..39 (the zero draws none), no legend for one series.
        assert_eq!(occurrences(&out, &fill(Tone::Accent(1))), 39);
        let none = Chart::Bar {
            labels,
            series: vec![],
            stacked: false,
            axis: Axis::Count,
        };
        assert!(svg(&none, "n", "t", "d").contains(NO_DATA));
    }
}
