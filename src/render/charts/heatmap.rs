//! Heat maps (cohort triangles): one coloured cell per value, from red (lowest) through amber to
//! green (highest), the value printed in it; a grey "—" for a missing value, nothing past the end
//! of a short row.

use super::canvas::{self, CENTER, Canvas, Font, RIGHT, SMALL};
use super::{Axis, BAD, Drawn, GOOD, MISSING, TEXT, TEXT_MUTED, WARNING, finite};
use crate::render::format;
use plotters::style::RGBColor;

const PAD: i32 = 12;
const CELL_HEIGHT: i32 = 26;
const HEADER: i32 = 22;
/// How much of the scale colour a cell gets (the rest is white), so dark text stays readable.
const STRENGTH: f64 = 0.5;
/// Background of a missing value.
const BLANK: &str = "#f6f8fa";

pub(super) fn render(
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Option<f64>>],
    axis: &Axis,
) -> Drawn {
    // Only cells with both a row and a column label are drawn.
    let grid: Vec<Vec<Option<f64>>> = (0..rows.len())
        .map(|r| {
            let row = cells.get(r).map_or(&[][..], |row| &row[..]);
            row.iter().take(columns.len()).map(|v| finite(*v)).collect()
        })
        .collect();
    let values = grid.iter().flatten().flatten().copied();
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if lo > hi {
        return Ok(None);
    }
    let texts: Vec<Vec<String>> = grid
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| v.map_or(format::MISSING.to_string(), |v| axis.label(v)))
                .collect()
        })
        .collect();
    let widest = texts
        .iter()
        .flatten()
        .map(|t| canvas::text_width(t, SMALL))
        .max()
        .unwrap_or(0);
    let cell_width = (widest + 12).max(44);
    let row_labels: Vec<String> = rows.iter().map(|r| canvas::clip(r, 20)).collect();
    let label_width = row_labels
        .iter()
        .map(|r| canvas::text_width(r, SMALL))
        .max()
        .unwrap_or(0)
        + 12;
    // Column headers share the cell width.
    let header_chars = (f64::from(cell_width - 4) / (0.6 * f64::from(SMALL))).floor() as usize;
    let left = PAD + label_width;
    let top = PAD + HEADER;
    let n_columns = i32::try_from(columns.len()).unwrap_or(i32::MAX).min(200);
    let n_rows = i32::try_from(rows.len()).unwrap_or(i32::MAX).min(500);
    let width = left + n_columns * cell_width + PAD;
    let height = top + n_rows * CELL_HEIGHT + PAD;
    let (good, warning, bad) = (canvas::rgb(GOOD), canvas::rgb(WARNING), canvas::rgb(BAD));
    let white = RGBColor(255, 255, 255);
    let shade = |v: f64| {
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let hue = if t < 0.5 {
            canvas::mix(bad, warning, t * 2.0)
        } else {
            canvas::mix(warning, good, (t - 0.5) * 2.0)
        };
        canvas::mix(white, hue, STRENGTH)
    };
    let svg = Canvas::draw(width as u32, height as u32, |c| {
        let muted = Font::new(SMALL, TEXT_MUTED);
        for (j, column) in columns.iter().enumerate().take(n_columns as usize) {
            let x = left + j as i32 * cell_width + cell_width / 2;
            let text = canvas::clip(column, header_chars);
            c.text(&text, (x, PAD + HEADER / 2), muted, CENTER)?;
        }
        for (i, (label, row)) in row_labels.iter().zip(&grid).enumerate() {
            let y = top + i as i32 * CELL_HEIGHT;
            c.text(label, (left - 8, y + CELL_HEIGHT / 2), muted, RIGHT)?;
            for (j, (value, text)) in row.iter().zip(&texts[i]).enumerate() {
                let x = left + j as i32 * cell_width;
                let (fill, ink) = match value {
                    Some(v) => (shade(*v), TEXT),
                    None => (canvas::rgb(BLANK), MISSING),
                };
                c.rect(
                    (x + 1, y + 1),
                    (x + cell_width - 1, y + CELL_HEIGHT - 1),
                    fill,
                )?;
                let centre = (x + cell_width / 2, y + CELL_HEIGHT / 2);
                c.text(text, centre, Font::new(SMALL, ink), CENTER)?;
            }
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

    fn triangle() -> Chart {
        Chart::Heatmap {
            rows: vec!["2025-01".into(), "2025-02".into(), "2025-03".into()],
            columns: vec!["M0".into(), "M1".into(), "M2".into()],
            cells: vec![
                vec![Some(100.0), Some(96.0), Some(91.5)],
                vec![Some(100.0), None],
                vec![Some(100.0)],
            ],
            axis: Axis::Percent,
        }
    }

    #[test]
    fn one_cell_per_value_and_a_dash_for_missing() {
        let out = svg(&triangle(), "h", "Logo retention by cohort", "d");
        assert_well_formed(&out, "h");
        // The background and six cells (3 + 2 + 1, the None included).
        assert_eq!(occurrences(&out, "<rect"), 7);
        assert_eq!(occurrences(&out, ">100.0%</text>"), 3);
        assert!(out.contains(">91.5%</text>"));
        assert!(out.contains(&format!("fill=\"{}\">—</text>", MISSING.to_uppercase())));
        assert!(out.contains(">M2</text>"));
    }

    #[test]
    fn colours_run_from_red_to_green() {
        let out = svg(&triangle(), "h", "t", "d");
        let white = RGBColor(255, 255, 255);
        let hex = |c: RGBColor| format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2);
        let low = canvas::mix(white, canvas::rgb(BAD), STRENGTH);
        let high = canvas::mix(white, canvas::rgb(GOOD), STRENGTH);
        assert_eq!(occurrences(&out, &hex(high)), 3);
        assert_eq!(occurrences(&out, &hex(low)), 1);
    }

    #[test]
    fn equal_values_and_ragged_input() {
        let chart = Chart::Heatmap {
            rows: vec!["a".into(), "b".into()],
            columns: vec!["0".into()],
            // More cells than columns, fewer rows than labels: no panic, extra cells ignored.
            cells: vec![vec![Some(5.0), Some(6.0)]],
            axis: Axis::Count,
        };
        let out = svg(&chart, "r", "t", "d");
        assert_well_formed(&out, "r");
        assert_eq!(occurrences(&out, "<rect"), 2);
        assert!(!out.contains(">6</text>"));
    }
}
