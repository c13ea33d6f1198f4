//! The frame shared by charts with a value axis (line, bar, waterfall, scatter): legend row, plot
//! rectangle, grid lines with tick labels, axis titles, and category labels along the bottom,
//! thinned (time) or turned upright (names) when they would not fit side by side.

use super::canvas::RGBColor;
use super::canvas::{self, ABOVE, Anchor, BELOW, Canvas, Font, LEFT, NORMAL, RIGHT, Res, SMALL};
use super::canvas::{HPos, VPos};
use super::scale::Scale;
use super::{Axis, GRID, MISSING, Size, TEXT, TEXT_MUTED};

/// Outer padding.
pub(super) const PAD: i32 = 12;
/// Height of one legend row.
pub(super) const LEGEND_ROW: i32 = 20;
/// Longest upright category label, in characters.
const UPRIGHT_CHARS: usize = 20;

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mark {
    Line,
    Dashed,
    Square,
    /// A dot, as a scatter draws its points.
    Dot,
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub name: String,
    pub color: RGBColor,
    pub mark: Mark,
}

/// The plot area in pixels.
#[derive(Debug, Clone, Copy)]
pub(super) struct Plot {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
}

/// Category labels along the bottom.
#[derive(Debug, Clone, Copy, PartialEq)]
enum XLabels {
    /// Side by side, every n-th shown (counting back from the last).
    Across { every: usize },
    /// Turned to read upwards, every n-th shown.
    Upright { every: usize },
}

/// What a chart asks of its frame.
pub(super) struct Spec<'a> {
    /// The canvas the frame fills.
    pub size: Size,
    pub legend: Vec<Entry>,
    pub y: Scale,
    pub axis: &'a Axis,
    /// Category labels (empty for a numeric x axis).
    pub categories: &'a [String],
    /// Categories are points on a line (first and last at the edges) rather than bands.
    pub points: bool,
    /// Thin out crowded labels (time axes) rather than turning them upright (names).
    pub thin: bool,
    /// Pixels kept free above the legend for a line of the chart's own (a waterfall's net
    /// change when it does not fit beside the legend).
    pub above_legend: i32,
    pub x_title: Option<&'a str>,
    pub y_title: Option<&'a str>,
}

/// The computed frame: where everything goes.
pub(super) struct Frame {
    /// The canvas the frame fills.
    pub size: Size,
    pub plot: Plot,
    pub y: Scale,
    y_labels: Vec<(f64, String)>,
    legend: Vec<(Entry, (i32, i32))>,
    x_labels: XLabels,
    x_title: Option<String>,
    y_title: Option<String>,
    /// Pixel distance between categories.
    slot: f64,
    points: bool,
    /// Where each category falls along the plot (0 left, 1 right) on an irregular time axis;
    /// `None`: one slot apart.
    positions: Option<Vec<f64>>,
}

impl Frame {
    /// Lays out the frame on the spec's canvas.
    pub fn new(spec: Spec) -> Frame {
        let width = spec.size.width as i32;
        let height = spec.size.height as i32;
        let legend = if spec.legend.len() >= 2 {
            legend_layout(spec.legend, PAD, width - PAD, spec.above_legend)
        } else {
            Vec::new()
        };
        let legend_height = legend
            .last()
            .map_or(spec.above_legend, |(_, (_, y))| y + LEGEND_ROW / 2 + 4);
        let top = legend_height.max(PAD) + 8;
        let y_labels = spec.y.labels(spec.axis);
        let label_width = y_labels
            .iter()
            .map(|(_, l)| canvas::text_width(l, SMALL))
            .max()
            .unwrap_or(0);
        let y_title_width = if spec.y_title.is_some() { 20 } else { 0 };
        let left = PAD + y_title_width + label_width + 8;
        let right = width - 24;
        let n = spec.categories.len();
        let slots = if spec.points { n.saturating_sub(1) } else { n }.max(1);
        let slot = f64::from(right - left) / slots as f64;
        let x_labels = x_layout(spec.categories, slot, spec.thin);
        let label_height = match x_labels {
            XLabels::Across { .. } => 22,
            XLabels::Upright { .. } => {
                spec.categories
                    .iter()
                    .map(|l| canvas::text_width(&canvas::clip(l, UPRIGHT_CHARS), SMALL))
                    .max()
                    .unwrap_or(0)
                    + 12
            }
        };
        let x_title_height = if spec.x_title.is_some() { 20 } else { 0 };
        let bottom = height - PAD - x_title_height - label_height;
        let plot = Plot {
            left,
            top,
            right,
            bottom: bottom.max(top + 40),
        };
        Frame {
            size: spec.size,
            plot,
            y: spec.y.span(plot.bottom, plot.top),
            y_labels,
            legend,
            x_labels,
            x_title: spec.x_title.map(|t| canvas::clip(t, 80)),
            y_title: spec.y_title.map(|t| canvas::clip(t, 40)),
            slot,
            points: spec.points,
            positions: None,
        }
    }

    /// The same frame with the categories placed by time (see [`super::scale::time_positions`])
    /// rather than one slot apart; only for points (lines), whose first and last categories sit
    /// at the edges.
    pub fn placed(self, positions: Option<Vec<f64>>) -> Frame {
        Frame {
            positions: positions.filter(|_| self.points),
            ..self
        }
    }

    /// The x pixel of category `i`: the point, or the middle of the band.
    pub fn x(&self, i: usize) -> i32 {
        if let Some(at) = self.positions.as_ref().and_then(|p| p.get(i)) {
            let width = f64::from(self.plot.right - self.plot.left);
            return (f64::from(self.plot.left) + at * width).round() as i32;
        }
        let offset = if self.points { 0.0 } else { 0.5 };
        let x = f64::from(self.plot.left) + (i as f64 + offset) * self.slot;
        x.round() as i32
    }

    /// Pixels between categories.
    pub fn slot(&self) -> f64 {
        self.slot
    }

    /// Legend, grid lines, tick labels, axis titles and the baseline.
    pub fn draw(&self, c: &Canvas) -> Res {
        for (entry, (x, y)) in &self.legend {
            match entry.mark {
                Mark::Square => c.rect((*x, y - 6), (x + 12, y + 6), entry.color)?,
                Mark::Line => c.line(&[(*x, *y), (x + 16, *y)], entry.color, 3, false)?,
                Mark::Dashed => c.line(&[(*x, *y), (x + 16, *y)], entry.color, 2, true)?,
                Mark::Dot => c.circle((x + 6, *y), 5, entry.color)?,
            }
            c.text(&entry.name, (x + 22, *y), Font::new(NORMAL, TEXT), LEFT)?;
        }
        let tick = Font::new(SMALL, TEXT_MUTED);
        for (value, label) in &self.y_labels {
            let y = self.y.px(*value);
            c.line(
                &[(self.plot.left, y), (self.plot.right, y)],
                canvas::rgb(GRID),
                1,
                false,
            )?;
            c.text(label, (self.plot.left - 6, y), tick, RIGHT)?;
        }
        let base = self.y.baseline();
        c.line(
            &[(self.plot.left, base), (self.plot.right, base)],
            canvas::rgb(MISSING),
            1,
            false,
        )?;
        if let Some(title) = &self.y_title {
            let y = (self.plot.top + self.plot.bottom) / 2;
            c.text(title, (PAD, y), tick.vertical(), V_TOP_CENTER)?;
        }
        if let Some(title) = &self.x_title {
            let x = (self.plot.left + self.plot.right) / 2;
            c.text(
                title,
                (x, self.size.height as i32 - PAD),
                tick,
                ABOVE_BOTTOM,
            )?;
        }
        Ok(())
    }

    /// The category labels under the plot, each kept inside the canvas (the last one of a time
    /// axis sits at the right edge of the plot and would otherwise be cut in half).
    pub fn draw_categories(&self, c: &Canvas, labels: &[String]) -> Res {
        let n = labels.len();
        let tick = Font::new(SMALL, TEXT_MUTED);
        if self.positions.is_some() {
            // Irregular spacing: from the last label back, each one that keeps clear of the one
            // drawn after it.
            // The left edge of the label drawn last.
            let mut limit = i32::MAX;
            for (i, label) in labels.iter().enumerate().rev() {
                let x = self.inside(self.x(i), label);
                let half = canvas::text_width(label, SMALL) / 2;
                if x + half + 10 <= limit {
                    c.text(label, (x, self.plot.bottom + 6), tick, BELOW)?;
                    limit = x - half;
                }
            }
            return Ok(());
        }
        for (i, label) in labels.iter().enumerate() {
            let (every, upright) = match self.x_labels {
                XLabels::Across { every } => (every, false),
                XLabels::Upright { every } => (every, true),
            };
            if !(n - 1 - i).is_multiple_of(every) {
                continue;
            }
            let x = self.x(i);
            if upright {
                let text = canvas::clip(label, UPRIGHT_CHARS);
                c.text(&text, (x, self.plot.bottom + 6), tick.vertical(), UPRIGHT)?;
            } else {
                c.text(
                    label,
                    (self.inside(x, label), self.plot.bottom + 6),
                    tick,
                    BELOW,
                )?;
            }
        }
        Ok(())
    }
}

impl Frame {
    /// Says "no data" just above the baseline at category `i`, a period with nothing to draw,
    /// when the words fit in its slot (otherwise the chart's data table shows "—" alone).
    pub fn mark_missing(&self, c: &Canvas, i: usize) -> Res {
        if f64::from(canvas::text_width(MISSING_WORDS, SMALL) + 4) > self.slot {
            return Ok(());
        }
        let at = (self.x(i), self.y.baseline() - 4);
        c.text(MISSING_WORDS, at, Font::new(SMALL, TEXT_MUTED), ABOVE)
    }

    /// The x of a label centred on `x`, moved so that all of it stays on the canvas.
    fn inside(&self, x: i32, label: &str) -> i32 {
        let half = canvas::text_width(label, SMALL) / 2;
        x.min(self.size.width as i32 - 2 - half).max(2 + half)
    }
}

/// What a period without data says inside a chart that has data elsewhere.
pub(super) const MISSING_WORDS: &str = "no data";

/// For text turned upwards: the end of the text at the point, centred on it across.
const UPRIGHT: Anchor = Anchor {
    h: HPos::Right,
    v: VPos::Center,
};
/// For an upright axis title: centred along, its top edge at the point.
const V_TOP_CENTER: Anchor = Anchor {
    h: HPos::Center,
    v: VPos::Top,
};
/// For the x axis title: centred, standing on the point.
const ABOVE_BOTTOM: Anchor = Anchor {
    h: HPos::Center,
    v: VPos::Bottom,
};

/// The width of a legend of `entries` on one row.
pub(super) fn legend_width(entries: &[Entry]) -> i32 {
    entries.iter().map(entry_width).sum()
}

/// The room one legend entry takes: its mark, its name and the gap to the next.
fn entry_width(entry: &Entry) -> i32 {
    22 + canvas::text_width(&canvas::clip(&entry.name, 40), NORMAL) + 18
}

/// Entries flowing left to right, wrapping, from `above` pixels under the top padding; each with
/// the point of its mark's left middle.
fn legend_layout(
    entries: Vec<Entry>,
    left: i32,
    right: i32,
    above: i32,
) -> Vec<(Entry, (i32, i32))> {
    let (mut x, mut y) = (left, PAD + above + LEGEND_ROW / 2);
    let mut placed = Vec::with_capacity(entries.len());
    for mut entry in entries {
        let w = entry_width(&entry);
        entry.name = canvas::clip(&entry.name, 40);
        if x > left && x + w > right {
            x = left;
            y += LEGEND_ROW;
        }
        placed.push((entry, (x, y)));
        x += w;
    }
    placed
}

/// How to fit `labels` `slot` pixels apart.
fn x_layout(labels: &[String], slot: f64, thin: bool) -> XLabels {
    let widest = labels
        .iter()
        .map(|l| canvas::text_width(l, SMALL))
        .max()
        .unwrap_or(0);
    let need = f64::from(widest + 10);
    if need <= slot {
        return XLabels::Across { every: 1 };
    }
    let slot = slot.max(1.0);
    if thin {
        let raw = (need / slot).ceil() as usize;
        // Steps that keep months in step with quarters and years.
        let every = [2, 3, 6, 12]
            .into_iter()
            .find(|&s| s >= raw)
            .unwrap_or_else(|| raw.div_ceil(12) * 12);
        XLabels::Across { every }
    } else {
        // An upright label needs about one line height across.
        let every = (f64::from(SMALL + 4) / slot).ceil().max(1.0) as usize;
        XLabels::Upright { every }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(n: usize) -> Vec<String> {
        (0..n)
            .map(|i| format!("{}-{:02}", 2024 + i / 12, i % 12 + 1))
            .collect()
    }

    #[test]
    fn crowded_time_labels_are_thinned() {
        // 7-character months at 11 px need about 57 px; 36 months on ~620 px get 17 px each.
        assert_eq!(
            x_layout(&months(36), 17.7, true),
            XLabels::Across { every: 6 }
        );
        assert_eq!(
            x_layout(&months(12), 55.0, true),
            XLabels::Across { every: 2 }
        );
        assert_eq!(
            x_layout(&months(6), 120.0, true),
            XLabels::Across { every: 1 }
        );
        assert_eq!(
            x_layout(&months(240), 2.6, true),
            XLabels::Across { every: 24 }
        );
    }

    #[test]
    fn crowded_names_stand_upright() {
        let names: Vec<String> = (0..30).map(|i| format!("Customer {i}")).collect();
        assert_eq!(x_layout(&names, 20.0, false), XLabels::Upright { every: 1 });
        assert_eq!(x_layout(&names, 5.0, false), XLabels::Upright { every: 3 });
    }

    #[test]
    fn legends_wrap() {
        let entries: Vec<Entry> = (0..8)
            .map(|i| Entry {
                name: format!("Segment number {i}"),
                color: RGBColor(0, 0, 0),
                mark: Mark::Square,
            })
            .collect();
        let width = super::super::STANDARD.width as i32;
        let placed = legend_layout(entries, PAD, width - PAD, 0);
        let rows = placed.iter().map(|(_, (_, y))| *y).collect::<Vec<_>>();
        assert!(rows.windows(2).all(|w| w[0] <= w[1]));
        assert!(rows.last() > rows.first());
        assert!(placed.iter().all(|(_, (x, _))| *x < width - PAD));
    }

    #[test]
    fn an_empty_period_says_no_data() {
        use super::super::{Chart, Series, Tone, svg};
        // NRR and GRR by year: 2023 has neither, 2024 has only NRR.
        let chart = Chart::Bar {
            labels: vec!["2023".into(), "2024".into(), "2025".into()],
            series: vec![
                Series {
                    name: "NRR".into(),
                    values: vec![None, Some(108.7), Some(103.8)],
                    tone: Tone::Accent(0),
                },
                Series {
                    name: "GRR".into(),
                    values: vec![None, None, Some(95.6)],
                    tone: Tone::Accent(1),
                },
            ],
            stacked: false,
            axis: Axis::Percent,
        };
        let out = svg(&chart, "b", "t", "d");
        // Once, over 2023 (the first of three 200 px bands), not over 2024's missing GRR.
        assert_eq!(out.matches(">no data</text>").count(), 1, "{out}");
        let line = out
            .lines()
            .find(|l| l.ends_with(">no data</text>"))
            .unwrap_or_default();
        let x: i32 = line
            .split("x=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        let year = out
            .lines()
            .find(|l| l.ends_with(">2023</text>"))
            .unwrap_or_default();
        assert!(year.contains(&format!("x=\"{x}\"")), "{line} / {year}");
        // Twelve months in a row have no room for the words: the table says "—" instead.
        let months = Chart::Bar {
            labels: (1..=36).map(|m| format!("2026-{m:02}")).collect(),
            series: vec![Series {
                name: "MRR".into(),
                values: (0..36).map(|i| (i > 0).then_some(1.0)).collect(),
                tone: Tone::Accent(0),
            }],
            stacked: false,
            axis: Axis::Count,
        };
        assert!(!svg(&months, "m", "t", "d").contains(">no data</text>"));
    }
}
