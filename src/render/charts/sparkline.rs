//! Sparklines for KPI tiles: a tiny trend line with gaps for missing values and a dot on the
//! last value; no axes and no text.

use super::canvas::{self, Canvas};
use super::{Drawn, Tone, finite};

/// Canvas size.
pub(super) const WIDTH: u32 = 120;
pub(super) const HEIGHT: u32 = 32;
/// Room for the end dot.
const PAD: f64 = 4.0;

pub(super) fn render(values: &[Option<f64>], tone: Tone) -> Drawn {
    let values: Vec<Option<f64>> = values.iter().map(|v| finite(*v)).collect();
    let present = values.iter().flatten().copied();
    let (lo, hi) = present.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi {
        return Ok(None);
    }
    let (w, h) = (f64::from(WIDTH) - 2.0 * PAD, f64::from(HEIGHT) - 2.0 * PAD);
    let n = values.len();
    let x = |i: usize| {
        let t = if n > 1 {
            i as f64 / (n - 1) as f64
        } else {
            0.5
        };
        (PAD + t * w).round() as i32
    };
    let y = |v: f64| {
        // A flat series sits in the middle.
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        (PAD + (1.0 - t) * h).round() as i32
    };
    let color = canvas::rgb(tone.hex());
    let svg = Canvas::draw_transparent(WIDTH, HEIGHT, |c| {
        let mut run = Vec::new();
        for (i, value) in values.iter().enumerate() {
            match value {
                Some(v) => run.push((x(i), y(*v))),
                None => {
                    c.line(&run, color, 2, false)?;
                    run.clear();
                }
            }
        }
        c.line(&run, color, 2, false)?;
        if let Some((i, Some(v))) = values.iter().enumerate().rfind(|(_, v)| v.is_some()) {
            c.circle((x(i), y(*v)), 3, color)?;
        }
        Ok(())
    })?;
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences};
    use super::super::{Chart, svg};
    use super::*;

    fn spark(values: Vec<Option<f64>>) -> String {
        svg(
            &Chart::Sparkline {
                values,
                tone: Tone::Good,
            },
            "k",
            "NRR trend",
            "Up from 98% to 105% over 12 months",
        )
    }

    #[test]
    fn trend_with_gap_and_last_point() {
        let out = spark(vec![Some(98.0), Some(99.0), None, Some(101.0), Some(105.0)]);
        assert_well_formed(&out, "k");
        assert_eq!(occurrences(&out, "<polyline"), 2);
        assert_eq!(occurrences(&out, "<circle"), 1);
        // No axes and no text but title and desc.
        assert_eq!(occurrences(&out, "<text"), 0);
        assert!(out.contains("viewBox=\"0 0 120 32\""));
        // The last value is the highest: its dot is at the top padding.
        assert!(out.contains("cx=\"116\" cy=\"4\""), "{out}");
    }

    #[test]
    fn flat_and_single_values() {
        let flat = spark(vec![Some(5.0); 4]);
        assert!(flat.contains("cy=\"16\""));
        let single = spark(vec![None, Some(5.0)]);
        assert_eq!(occurrences(&single, "<polyline"), 0);
        assert_eq!(occurrences(&single, "<circle"), 1);
    }

    #[test]
    fn deterministic() {
        let values = vec![Some(1.0), Some(2.5), Some(f64::NAN), Some(0.1)];
        assert_eq!(spark(values.clone()), spark(values));
    }
}
