//! Heat maps (cohort triangles): one coloured cell per value, the value printed in it, the colour
//! stepped over round bins of the values from light (lowest) to dark blue (highest), and
//! a legend under the grid: the colour steps with their bounds, "not yet reached" for the empty
//! outlined box over the cells past the end of a short row, and "no value" for a grey "—" cell.

use super::canvas::RGBColor;
use super::canvas::{self, CENTER, Canvas, Font, LEFT, RIGHT, SMALL};
use super::scale::Scale;
use super::{ACCENTS, Axis, Drawn, MISSING, TEXT, TEXT_MUTED, finite};
use crate::render::format;

const PAD: i32 = 12;
const CELL_HEIGHT: i32 = 26;
const HEADER: i32 = 22;
/// How much of the scale colour the lowest and the highest step get (the rest is white): a
/// single hue judges nothing (a 100 % cell is not "bad" for being the lowest value), and dark
/// text stays readable on the darkest step (about 6:1).
const LIGHTEST: f64 = 0.12;
const DARKEST: f64 = 0.55;
/// Background of a missing value.
const BLANK: &str = "#f6f8fa";
/// Legend: gap above it, swatch height, room for the bound labels under the swatches.
const LEGEND_GAP: i32 = 14;
const SWATCH: i32 = 14;
const LEGEND_LABELS: i32 = 18;
/// The most colour steps in the scale.
const MAX_STEPS: usize = 6;
/// What the outlined empty cells mean.
pub(super) const NOT_REACHED: &str = "not yet reached";
/// What the grey "—" cells mean.
pub(super) const NO_VALUE: &str = "no value";

/// The colour steps: round bounds over the values (`bounds[i]..bounds[i + 1]` is step i, the
/// last step closed) and a colour for each step.
struct Steps {
    bounds: Vec<f64>,
    colors: Vec<RGBColor>,
}

impl Steps {
    fn new(lo: f64, hi: f64, axis: &Axis) -> Steps {
        let scale = Scale::nice(&[lo, hi], false, axis.integral());
        let mut bounds = scale.ticks();
        // At most MAX_STEPS colours, so neighbouring steps stay apart: the next round step
        // (1, 2, 5, 10 …) until the values fit.
        let mut step = scale.step;
        while bounds.len() > MAX_STEPS + 1 && step.is_finite() && step > 0.0 {
            let magnitude = 10f64.powf(step.log10().floor());
            let mantissa = step / magnitude;
            step = magnitude
                * if mantissa < 1.5 {
                    2.0
                } else if mantissa < 3.5 {
                    5.0
                } else {
                    10.0
                };
            let first = (lo / step + 1e-9).floor() as i64;
            let last = ((hi / step - 1e-9).ceil() as i64).max(first + 1);
            bounds = (first..=last).map(|k| k as f64 * step).collect();
        }
        let n = bounds.len().saturating_sub(1).max(1);
        let (white, hue) = (RGBColor(255, 255, 255), canvas::rgb(ACCENTS[0]));
        let colors = (0..n)
            .map(|i| {
                // Step i on 0..1: the lowest step lightest, the highest darkest.
                let t = if n > 1 {
                    i as f64 / (n - 1) as f64
                } else {
                    1.0
                };
                canvas::mix(white, hue, LIGHTEST + t * (DARKEST - LIGHTEST))
            })
            .collect();
        Steps { bounds, colors }
    }

    /// The colour of a value: its step's (a value on a bound takes the step above it).
    fn color(&self, value: f64) -> RGBColor {
        let i = self.bounds[1..]
            .iter()
            .take_while(|&&b| value >= b)
            .count()
            .min(self.colors.len() - 1);
        self.colors[i]
    }
}

pub(super) fn render(
    rows: &[String],
    columns: &[String],
    cells: &[Vec<Option<f64>>],
    axis: &Axis,
) -> Drawn {
    // Only cells with both a row and a column label are drawn; a row shorter than the columns
    // has not reached the rest.
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
    let steps = Steps::new(lo, hi, axis);
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
    let short_rows = grid.iter().any(|row| row.len() < n_columns as usize);
    let missing = grid.iter().flatten().any(Option::is_none);

    // The legend: one swatch per step, its bounds under the edges; then the empty-cell keys.
    let bound_labels: Vec<String> = steps.bounds.iter().map(|&b| axis.label(b)).collect();
    let swatch_width = bound_labels
        .iter()
        .map(|l| canvas::text_width(l, SMALL) + 8)
        .max()
        .unwrap_or(0)
        .max(36);
    let legend_top = top + n_rows * CELL_HEIGHT + LEGEND_GAP;
    let mut keys: Vec<(&str, bool)> = Vec::new();
    if short_rows {
        keys.push((NOT_REACHED, false));
    }
    if missing {
        keys.push((NO_VALUE, true));
    }
    let steps_width = steps.colors.len() as i32 * swatch_width;
    let keys_width: i32 = keys
        .iter()
        .map(|(k, _)| 24 + SWATCH + 6 + canvas::text_width(k, SMALL))
        .sum();
    let legend_width = left + steps_width + swatch_width / 2 + keys_width + PAD;

    let width = (left + n_columns * cell_width + PAD).max(legend_width);
    let height = legend_top + SWATCH + LEGEND_LABELS + PAD;
    let outline = canvas::rgb(MISSING);
    // Empty cells: a dashed outline, no fill, no text.
    let empty = |c: &Canvas, (x0, y0): (i32, i32), (x1, y1): (i32, i32)| {
        let corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)];
        c.line(&corners, outline, 1, true)
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
            for (j, value) in row.iter().enumerate() {
                let x = left + j as i32 * cell_width;
                let (from, to) = ((x + 1, y + 1), (x + cell_width - 1, y + CELL_HEIGHT - 1));
                let (fill, ink) = match value {
                    Some(v) => (steps.color(*v), TEXT),
                    None => (canvas::rgb(BLANK), MISSING),
                };
                c.rect(from, to, fill)?;
                let centre = (x + cell_width / 2, y + CELL_HEIGHT / 2);
                c.text(&texts[i][j], centre, Font::new(SMALL, ink), CENTER)?;
            }
            // The ages this row has not reached: one empty outlined box over their cells.
            let reached = row.len() as i32;
            if reached < n_columns {
                let from = (left + reached * cell_width + 2, y + 2);
                empty(
                    c,
                    from,
                    (left + n_columns * cell_width - 2, y + CELL_HEIGHT - 2),
                )?;
            }
        }
        for (i, color) in steps.colors.iter().enumerate() {
            let x = left + i as i32 * swatch_width;
            c.rect(
                (x, legend_top),
                (x + swatch_width, legend_top + SWATCH),
                *color,
            )?;
        }
        for (i, label) in bound_labels.iter().enumerate() {
            let x = left + i as i32 * swatch_width;
            let y = legend_top + SWATCH + LEGEND_LABELS / 2;
            c.text(label, (x, y), muted, CENTER)?;
        }
        let mut x = left + steps_width + swatch_width / 2 + 24;
        for (key, grey) in &keys {
            let (from, to) = ((x, legend_top), (x + SWATCH, legend_top + SWATCH));
            if *grey {
                c.rect(from, to, canvas::rgb(BLANK))?;
                let centre = (x + SWATCH / 2, legend_top + SWATCH / 2);
                c.text(format::MISSING, centre, Font::new(SMALL, MISSING), CENTER)?;
            } else {
                empty(c, from, to)?;
            }
            c.text(key, (x + SWATCH + 6, legend_top + SWATCH / 2), muted, LEFT)?;
            x += 24 + SWATCH + 6 + canvas::text_width(key, SMALL);
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
            rows: vec!["2025-Q1".into(), "2025-Q2".into(), "2025-Q3".into()],
            columns: vec!["M0".into(), "M3".into(), "M6".into()],
            cells: vec![
                vec![Some(100.0), Some(96.0), Some(71.5)],
                vec![Some(100.0), None],
                vec![Some(100.0)],
            ],
            axis: Axis::Percent,
        }
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    #[test]
    fn one_cell_per_value_a_dash_for_missing_and_outlines_for_ages_not_reached() {
        let out = svg(&triangle(), "h", "Logo retention by cohort", "d");
        assert_well_formed(&out, "h");
        // The background, six cells (3 + 2 + 1, the None included), the steps of 70–100 % by 5
        // (six swatches) and the grey "no value" key.
        assert_eq!(occurrences(&out, "<rect"), 1 + 6 + 6 + 1);
        assert_eq!(occurrences(&out, ">100.0%</text>"), 3 + 1);
        assert!(out.contains(">71.5%</text>"));
        assert!(out.contains(&format!("fill=\"{}\">—</text>", MISSING.to_uppercase())));
        assert!(out.contains(">M6</text>"));
        // Cells not reached (one in row 2, two in row 3), one outlined box per row, and the
        // legend's key: dashed outlines with no text, unlike a 0 % cell.
        assert_eq!(occurrences(&out, "stroke-dasharray"), 2 + 1);
        assert!(out.contains("points=\"125,88 225,88 225,110 125,110 125,88 \""));
        assert!(out.contains(">not yet reached</text>"));
        assert!(out.contains(">no value</text>"));
    }

    #[test]
    fn the_legend_shows_the_colour_steps_and_their_bounds() {
        let out = svg(&triangle(), "h", "t", "d");
        // Values 71.5–100 on round steps of 5: bounds 70, 75, …, 100, one swatch per step.
        for bound in ["70.0%", "75.0%", "80.0%", "85.0%", "90.0%", "95.0%"] {
            assert_eq!(occurrences(&out, &format!(">{bound}</text>")), 1, "{bound}");
        }
        let steps = Steps::new(71.5, 100.0, &Axis::Percent);
        assert_eq!(
            steps.bounds,
            vec![70.0, 75.0, 80.0, 85.0, 90.0, 95.0, 100.0]
        );
        assert_eq!(steps.colors.len(), 6);
        let white = RGBColor(255, 255, 255);
        let low = canvas::mix(white, canvas::rgb(ACCENTS[0]), LIGHTEST);
        let high = canvas::mix(white, canvas::rgb(ACCENTS[0]), DARKEST);
        assert_eq!((steps.colors[0], steps.colors[5]), (low, high));
        // 100 % lies on the top bound: the top step. 96 %: the top step too; 71.5 %: the bottom.
        assert_eq!(steps.color(100.0), high);
        assert_eq!(steps.color(96.0), high);
        assert_eq!(steps.color(71.5), low);
        // Each colour: its cells and its swatch. Four cells at 95 % or more, one in 70–75 %.
        assert_eq!(occurrences(&out, &hex(high)), 4 + 1);
        assert_eq!(occurrences(&out, &hex(low)), 1 + 1);
    }

    #[test]
    fn at_most_six_steps_on_round_bounds() {
        // 100–114.8 on steps of 2 would be eight colours; steps of 5 give three.
        let steps = Steps::new(100.0, 114.8, &Axis::Percent);
        assert_eq!(steps.bounds, vec![100.0, 105.0, 110.0, 115.0]);
        // 3–97 on steps of 20: five.
        let steps = Steps::new(3.0, 97.0, &Axis::Percent);
        assert_eq!(steps.bounds, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(steps.colors.len(), 5);
    }

    #[test]
    fn a_zero_is_a_light_cell_with_its_value_not_an_empty_one() {
        let chart = Chart::Heatmap {
            rows: vec!["a".into()],
            columns: vec!["M0".into(), "M1".into()],
            cells: vec![vec![Some(100.0), Some(0.0)]],
            axis: Axis::Percent,
        };
        let out = svg(&chart, "z", "t", "d");
        assert!(out.contains(">0.0%</text>"));
        assert!(!out.contains("stroke-dasharray"));
        assert!(!out.contains(NOT_REACHED));
        let low = canvas::mix(RGBColor(255, 255, 255), canvas::rgb(ACCENTS[0]), LIGHTEST);
        assert_eq!(occurrences(&out, &hex(low)), 1 + 1);
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
        // 6 is only the legend's upper bound (steps 4–5–6), not a cell.
        assert_eq!(occurrences(&out, ">6</text>"), 1);
        assert_eq!(occurrences(&out, ">5</text>"), 2);
        // Row b has no cell: one empty outline and the legend's key.
        assert_eq!(occurrences(&out, "stroke-dasharray"), 2);
    }
}
