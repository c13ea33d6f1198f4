//! Funnels (renewal stages): one centred horizontal bar per stage, as wide as its value against
//! the largest, the stage name on the left and the value with its share of the first stage on
//! the right.

use super::canvas::{self, Canvas, Font, LEFT, NORMAL, RIGHT};
use super::{ACCENTS, Axis, Drawn, Size, TEXT, format};

const PAD: i32 = 12;
const ROW: i32 = 36;
const BAR: i32 = 26;

pub(super) fn render(stages: &[(String, f64)], axis: &Axis, size: Size) -> Drawn {
    let stages: Vec<(String, f64)> = stages
        .iter()
        .map(|(name, v)| {
            (
                canvas::clip(name, 24),
                if v.is_finite() { v.max(0.0) } else { 0.0 },
            )
        })
        .collect();
    let max = stages.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    if max <= 0.0 {
        return Ok(None);
    }
    let first = stages.first().map_or(0.0, |(_, v)| *v);
    let values: Vec<String> = stages
        .iter()
        .map(|(_, v)| {
            if first > 0.0 {
                format!(
                    "{} ({})",
                    axis.label(*v),
                    format::percent(v / first * 100.0)
                )
            } else {
                axis.label(*v)
            }
        })
        .collect();
    let widest = |texts: &mut dyn Iterator<Item = &String>| {
        texts
            .map(|t| canvas::text_width(t, NORMAL))
            .max()
            .unwrap_or(0)
    };
    let name_width = widest(&mut stages.iter().map(|(n, _)| n)) + 16;
    let value_width = widest(&mut values.iter()) + 16;
    let left = PAD + name_width;
    let right = (size.width as i32 - PAD - value_width).max(left + 100);
    let width = right + value_width + PAD;
    let rows = i32::try_from(stages.len()).unwrap_or(i32::MAX).min(500);
    let height = 2 * PAD + rows * ROW;
    let centre = f64::from(left + right) / 2.0;
    let span = f64::from(right - left);
    let color = canvas::rgb(ACCENTS[0]);
    let svg = Canvas::draw(width as u32, height as u32, |c| {
        let font = Font::new(NORMAL, TEXT);
        for (i, ((name, v), value)) in stages.iter().zip(&values).enumerate() {
            let mid = PAD + i as i32 * ROW + ROW / 2;
            c.text(name, (left - 10, mid), font, RIGHT)?;
            if *v > 0.0 {
                let half = (v / max * span / 2.0).max(1.0);
                let x0 = (centre - half).round() as i32;
                let x1 = (centre + half).round() as i32;
                c.rect((x0, mid - BAR / 2), (x1, mid + BAR / 2), color)?;
            }
            c.text(value, (right + 10, mid), font, LEFT)?;
        }
        Ok(())
    })?;
    Ok(Some(svg))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_well_formed, occurrences, usd};
    use super::super::{Chart, svg};
    use super::*;

    #[test]
    fn one_bar_per_stage_centred() {
        let chart = Chart::Funnel {
            stages: vec![
                ("Upcoming".into(), 1_200_000.0),
                ("In negotiation".into(), 900_000.0),
                ("Committed".into(), 600_000.0),
                ("Lost".into(), 0.0),
            ],
            axis: usd(),
        };
        let out = svg(&chart, "f", "Renewal funnel", "d");
        assert_well_formed(&out, "f");
        let bars = format!("fill=\"{}\"", ACCENTS[0].to_uppercase());
        // The empty stage keeps its row and text but has no bar.
        assert_eq!(occurrences(&out, &bars), 3);
        assert!(out.contains(">$900K (75.0%)</text>"));
        assert!(out.contains(">Lost</text>"));
        // Centred: the half-size bar starts a quarter of the span in from the widest one.
        let xs: Vec<i32> = out
            .split("<rect x=\"")
            .skip(2)
            .filter_map(|r| r.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(xs.len(), 3);
        assert!(xs[0] < xs[1] && xs[1] < xs[2]);
    }
}
