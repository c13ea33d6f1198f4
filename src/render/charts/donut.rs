//! Donut charts: the share of each slice of a whole, clockwise from the top, the total in the
//! middle and a legend with values and shares, beside the ring or, when it would not fit the
//! width it is drawn for, under it. The canvas is as wide as its content. Negative and zero
//! slices are left out.

use super::canvas::RGBColor;
use super::canvas::{self, ABOVE, BELOW, Canvas, Font, LARGE, LEFT, NORMAL, SMALL};
use super::{Axis, Drawn, Size, TEXT, TEXT_MUTED, Tone, format};
use std::f64::consts::{FRAC_PI_2, TAU};

const PAD: i32 = 12;
const OUTER: f64 = 90.0;
const INNER: f64 = 56.0;
const ROW: i32 = 22;
/// Largest angle between two vertices of an arc (3°): smooth enough, few points.
const ARC_STEP: f64 = TAU / 120.0;

pub(super) fn render(slices: &[(String, f64, Tone)], axis: &Axis, size: Size) -> Drawn {
    let slices: Vec<(&String, f64, Tone)> = slices
        .iter()
        .filter(|(_, v, _)| v.is_finite() && *v > 0.0)
        .map(|(name, v, tone)| (name, *v, *tone))
        .collect();
    let total: f64 = slices.iter().map(|(_, v, _)| v).sum();
    if slices.is_empty() || !total.is_finite() || total <= 0.0 {
        return Ok(None);
    }
    let legend: Vec<String> = slices
        .iter()
        .map(|(name, v, _)| {
            let share = format::percent(v / total * 100.0);
            format!("{} {} ({share})", canvas::clip(name, 28), axis.label(*v))
        })
        .collect();
    let diameter = (2.0 * OUTER) as i32;
    let cx = PAD + diameter / 2 + 4;
    let widest = legend
        .iter()
        .map(|t| canvas::text_width(t, NORMAL))
        .max()
        .unwrap_or(0);
    let rows = i32::try_from(legend.len()).unwrap_or(i32::MAX).min(200);
    let ring_height = 2 * PAD + diameter + 8;
    let beside = PAD + diameter + 32;
    // Left of the legend marks, middle of the first legend row, canvas width and height, and
    // the middle of the ring.
    let (legend_x, top, width, height, cy) = if beside + 20 + widest + PAD <= size.width as i32 {
        let height = ring_height.max(2 * PAD + rows * ROW);
        let top = height / 2 - rows * ROW / 2 + ROW / 2;
        let width = (beside + 20 + widest + PAD).max(360);
        (beside, top, width, height, height / 2)
    } else {
        let width = (PAD + 20 + widest + PAD).max(ring_height);
        let height = ring_height + rows * ROW + PAD;
        (PAD, ring_height + ROW / 2, width, height, ring_height / 2)
    };
    let centre = (f64::from(cx), f64::from(cy));
    let svg = Canvas::draw(width as u32, height as u32, |c| {
        let mut start = -FRAC_PI_2;
        let mut boundaries = Vec::new();
        for (_, v, tone) in &slices {
            let end = start + v / total * TAU;
            c.polygon(ring(centre, start, end), canvas::rgb(tone.hex()))?;
            boundaries.push(start);
            start = end;
        }
        // Thin white cuts between slices.
        if slices.len() > 1 {
            for angle in boundaries {
                let cut = [
                    point(centre, INNER - 1.0, angle),
                    point(centre, OUTER + 1.0, angle),
                ];
                c.line(&cut, RGBColor(255, 255, 255), 2, false)?;
            }
        }
        c.text(
            &axis.label(total),
            (cx, cy + 2),
            Font::new(LARGE, TEXT).bold(),
            ABOVE,
        )?;
        c.text("total", (cx, cy + 6), Font::new(SMALL, TEXT_MUTED), BELOW)?;
        for (i, (text, (_, _, tone))) in legend.iter().zip(&slices).enumerate() {
            let y = top + i as i32 * ROW;
            c.rect(
                (legend_x, y - 6),
                (legend_x + 12, y + 6),
                canvas::rgb(tone.hex()),
            )?;
            c.text(text, (legend_x + 20, y), Font::new(NORMAL, TEXT), LEFT)?;
        }
        Ok(())
    })?;
    Ok(Some(svg))
}

/// The pixel at `radius` and `angle` (radians clockwise from three o'clock) from `centre`.
fn point((cx, cy): (f64, f64), radius: f64, angle: f64) -> (i32, i32) {
    (
        (cx + radius * angle.cos()).round() as i32,
        (cy + radius * angle.sin()).round() as i32,
    )
}

/// The ring segment from `start` to `end`: out along the outer arc, back along the inner one.
fn ring(centre: (f64, f64), start: f64, end: f64) -> Vec<(i32, i32)> {
    let steps = ((end - start) / ARC_STEP).ceil().clamp(1.0, 120.0) as usize;
    let angle = |i: usize| start + (end - start) * i as f64 / steps as f64;
    let outer = (0..=steps).map(|i| point(centre, OUTER, angle(i)));
    let inner = (0..=steps).rev().map(|i| point(centre, INNER, angle(i)));
    outer.chain(inner).collect()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences};
    use super::super::{Chart, svg};
    use super::*;

    fn health() -> Chart {
        Chart::Donut {
            slices: vec![
                ("Healthy".into(), 62.0, Tone::Good),
                ("At risk".into(), 25.0, Tone::Warning),
                ("Critical".into(), 10.0, Tone::Bad),
                ("No score".into(), 3.0, Tone::Missing),
                ("Negative".into(), -4.0, Tone::Neutral),
            ],
            axis: Axis::Count,
        }
    }

    #[test]
    fn one_slice_per_positive_value() {
        let out = svg(&health(), "d", "Health distribution", "62 healthy of 100");
        assert_well_formed(&out, "d");
        assert_eq!(occurrences(&out, "<polygon"), 4);
        assert!(out.contains(">Healthy 62 (62.0%)</text>"));
        assert!(out.contains(">100</text>"));
        assert!(!out.contains("Negative"));
        assert!(out.len() < 20_000, "{} bytes", out.len());
    }

    #[test]
    fn a_single_slice_is_a_full_ring() {
        let chart = Chart::Donut {
            slices: vec![("All".into(), 5.0, Tone::Accent(2))],
            axis: Axis::Count,
        };
        let out = svg(&chart, "one", "t", "d");
        assert_eq!(occurrences(&out, "<polygon"), 1);
        // No cut in a single slice.
        assert_eq!(occurrences(&out, "<polyline"), 0);
    }

    #[test]
    fn ring_closes() {
        let points = ring((100.0, 100.0), -FRAC_PI_2, -FRAC_PI_2 + TAU);
        assert_eq!(points.first(), Some(&(100, 10)));
        assert_eq!(points.last(), Some(&(100, 44)));
        assert_eq!(points.len(), 2 * 121);
    }
}
