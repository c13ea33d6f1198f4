//! The drawing surface every chart uses: plotters' SVG backend writing into a string, a handful
//! of primitives in pixel coordinates, text size estimates, and the clean-up of plotters' output
//! (dashes, which the backend cannot express, and compact text elements). No chart logic here.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Plotters reported a drawing error (it cannot with a string backend; kept for the types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Failed;

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for Failed {
    fn from(_: DrawingAreaErrorKind<E>) -> Self {
        Failed
    }
}

/// The result of one drawing call.
pub(super) type Res = Result<(), Failed>;

/// A drawn chart: its size and its elements, without the root `<svg>` element.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Svg {
    pub width: u32,
    pub height: u32,
    pub elements: String,
}

/// Tick labels and most text, in px (the minimum for legibility).
pub(super) const SMALL: u32 = 11;
/// Legend and value labels, in px.
pub(super) const NORMAL: u32 = 12;
/// Emphasised values (the donut total), in px.
pub(super) const LARGE: u32 = 16;

/// Plotters writes `font-size` as the requested size divided by 1.24; these sizes come out
/// as whole pixels.
fn plotters_size(px: u32) -> f64 {
    f64::from(px) * 1.24
}

/// The estimated width of `text` at `px`, for layout: 0.6 em a character is generous for
/// sans-serif digits and lower case, so labels get room rather than overlap.
pub(super) fn text_width(text: &str, px: u32) -> i32 {
    (text.chars().count() as f64 * 0.6 * f64::from(px)).ceil() as i32
}

/// `text` on one line, at most `max` characters (an ellipsis marks a cut).
pub(super) fn clip(text: &str, max: usize) -> String {
    let one_line = text.chars().map(|c| if c.is_control() { ' ' } else { c });
    if text.chars().count() <= max {
        one_line.collect()
    } else {
        let mut cut: String = one_line.take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// `#rrggbb` as a plotters colour; anything unparsable is the neutral grey.
pub(super) fn rgb(hex: &str) -> RGBColor {
    let channel = |range: std::ops::Range<usize>| {
        hex.get(range)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0x57)
    };
    RGBColor(channel(1..3), channel(3..5), channel(5..7))
}

/// The colour `t` of the way from `a` to `b` (`t` clamped to 0..=1).
pub(super) fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let lerp = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Lines drawn with this opacity become dashed in [`Canvas::finish`]: the SVG backend has no
/// dash support, and drawing a dash per segment would bloat the file.
const DASH_ALPHA: f64 = 0.999;

/// Pixel coordinates clamped to a sane range, so wild values cannot produce wild numbers.
fn px(v: i32) -> i32 {
    v.clamp(-10_000, 10_000)
}

/// Where text sits relative to its point.
#[derive(Clone, Copy)]
pub(super) struct Anchor {
    pub h: HPos,
    pub v: VPos,
}

/// Left-aligned, vertically centred.
pub(super) const LEFT: Anchor = Anchor {
    h: HPos::Left,
    v: VPos::Center,
};
/// Right-aligned, vertically centred.
pub(super) const RIGHT: Anchor = Anchor {
    h: HPos::Right,
    v: VPos::Center,
};
/// Centred on the point.
pub(super) const CENTER: Anchor = Anchor {
    h: HPos::Center,
    v: VPos::Center,
};
/// Centred horizontally, hanging below the point.
pub(super) const BELOW: Anchor = Anchor {
    h: HPos::Center,
    v: VPos::Top,
};
/// Centred horizontally, standing on the point.
pub(super) const ABOVE: Anchor = Anchor {
    h: HPos::Center,
    v: VPos::Bottom,
};

/// How a piece of text is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) struct Font {
    pub px: u32,
    pub bold: bool,
    pub color: RGBColor,
    /// Rotated a quarter turn counter-clockwise (reads bottom to top).
    pub vertical: bool,
}

impl Font {
    /// Regular text of `px` in `hex`.
    pub fn new(px: u32, hex: &str) -> Self {
        Font {
            px,
            bold: false,
            color: rgb(hex),
            vertical: false,
        }
    }

    /// The same font in bold.
    pub fn bold(self) -> Self {
        Font { bold: true, ..self }
    }

    /// The same font rotated to read upwards.
    pub fn vertical(self) -> Self {
        Font {
            vertical: true,
            ..self
        }
    }
}

/// A white canvas of a fixed size in pixels, origin at the top left.
pub(super) struct Canvas<'a> {
    area: DrawingArea<SVGBackend<'a>, Shift>,
}

impl Canvas<'_> {
    /// Draws with `paint` on a white `width` × `height` canvas and returns the cleaned elements.
    pub fn draw(
        width: u32,
        height: u32,
        paint: impl FnOnce(&Canvas) -> Res,
    ) -> Result<Svg, Failed> {
        Self::draw_on(width, height, true, paint)
    }

    /// Draws on a transparent canvas (for sparklines inside tiles).
    pub fn draw_transparent(
        width: u32,
        height: u32,
        paint: impl FnOnce(&Canvas) -> Res,
    ) -> Result<Svg, Failed> {
        Self::draw_on(width, height, false, paint)
    }

    fn draw_on(
        width: u32,
        height: u32,
        white: bool,
        paint: impl FnOnce(&Canvas) -> Res,
    ) -> Result<Svg, Failed> {
        let mut buffer = String::new();
        {
            let canvas = Canvas {
                area: SVGBackend::with_string(&mut buffer, (width, height)).into_drawing_area(),
            };
            if white {
                canvas.area.fill(&WHITE)?;
            }
            paint(&canvas)?;
            canvas.area.present()?;
        }
        Ok(Svg {
            width,
            height,
            elements: finish(&buffer),
        })
    }

    /// A filled rectangle between two corners (in any order).
    pub fn rect(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: RGBColor) -> Res {
        let (x0, x1) = (px(x0.min(x1)), px(x0.max(x1)));
        let (y0, y1) = (px(y0.min(y1)), px(y0.max(y1)));
        self.area
            .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))?;
        Ok(())
    }

    /// A polyline; dashed lines are for averages, targets and connectors.
    pub fn line(&self, points: &[(i32, i32)], color: RGBColor, width: u32, dashed: bool) -> Res {
        if points.len() < 2 {
            return Ok(());
        }
        let alpha = if dashed { DASH_ALPHA } else { 1.0 };
        let style = ShapeStyle {
            color: color.mix(alpha),
            filled: false,
            stroke_width: width,
        };
        let points: Vec<(i32, i32)> = points.iter().map(|&(x, y)| (px(x), px(y))).collect();
        self.area.draw(&PathElement::new(points, style))?;
        Ok(())
    }

    /// A filled circle.
    pub fn circle(&self, (x, y): (i32, i32), radius: u32, color: RGBColor) -> Res {
        self.area
            .draw(&Circle::new((px(x), px(y)), radius, color.filled()))?;
        Ok(())
    }

    /// A filled polygon.
    pub fn polygon(&self, points: Vec<(i32, i32)>, color: RGBColor) -> Res {
        if points.len() < 3 {
            return Ok(());
        }
        let points: Vec<(i32, i32)> = points.into_iter().map(|(x, y)| (px(x), px(y))).collect();
        self.area.draw(&Polygon::new(points, color.filled()))?;
        Ok(())
    }

    /// Text at a point; plotters escapes it, and control characters become spaces.
    pub fn text(&self, text: &str, (x, y): (i32, i32), font: Font, anchor: Anchor) -> Res {
        if text.trim().is_empty() {
            return Ok(());
        }
        let style = if font.bold {
            FontStyle::Bold
        } else {
            FontStyle::Normal
        };
        let mut desc = FontDesc::new(FontFamily::SansSerif, plotters_size(font.px), style);
        if font.vertical {
            desc = desc.transform(FontTransform::Rotate270);
        }
        let style = TextStyle::from(desc)
            .color(&font.color)
            .pos(Pos::new(anchor.h, anchor.v));
        let one_line = clip(text, usize::MAX);
        self.area
            .draw(&Text::new(one_line, (px(x), px(y)), style))?;
        Ok(())
    }
}

/// Plotters' output without its root element, compacted: every element on one line, text
/// content next to its tags, default opacity dropped, the font family left to the root element
/// (which sets `sans-serif`), and dash-marked lines dashed. Text content
/// is escaped by plotters (quotes and angle brackets included), so these attribute patterns
/// cannot match inside it.
fn finish(raw: &str) -> String {
    let body = match raw.find(">\n") {
        Some(end) if raw.starts_with("<svg") => &raw[end + 2..],
        _ => raw,
    };
    let body = body.strip_suffix("</svg>\n").unwrap_or(body);
    body.replace('\n', "")
        .replace("/>", "/>\n")
        .replace("</text>", "</text>\n")
        .replace(" opacity=\"1\"", "")
        .replace(" font-family=\"sans-serif\"", "")
        .replace(
            &format!(" opacity=\"{DASH_ALPHA}\""),
            " stroke-dasharray=\"5 4\"",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_and_measure() {
        assert_eq!(clip("Enterprise", 20), "Enterprise");
        assert_eq!(clip("Enterprise accounts", 8), "Enterpr…");
        assert_eq!(clip("a\nb", 8), "a b");
        // 10 characters at 0.6 em of 12 px.
        assert_eq!(text_width("2026-01-31", 12), 72);
    }

    #[test]
    fn colours_parse_and_mix() {
        assert_eq!(rgb("#1a7f37"), RGBColor(0x1a, 0x7f, 0x37));
        assert_eq!(rgb("nonsense"), RGBColor(0x57, 0x57, 0x57));
        assert_eq!(
            mix(RGBColor(0, 0, 0), RGBColor(200, 100, 50), 0.5),
            RGBColor(100, 50, 25)
        );
    }

    #[test]
    fn output_is_compact_and_dashed() {
        let svg = Canvas::draw(100, 50, |c| {
            c.line(&[(0, 0), (10, 10)], rgb("#000000"), 2, true)?;
            c.text("<a> & \"b\"", (5, 5), Font::new(SMALL, "#000000"), LEFT)
        });
        let svg = svg.map(|s| s.elements).unwrap_or_default();
        assert!(svg.contains("stroke-dasharray=\"5 4\""), "{svg}");
        assert!(!svg.contains("<svg"));
        assert!(!svg.contains("opacity=\"1\""));
        assert!(svg.contains("font-size=\"11\""), "{svg}");
        assert!(
            svg.contains(">&lt;a&gt; &amp; &quot;b&quot;</text>\n"),
            "{svg}"
        );
    }
}
