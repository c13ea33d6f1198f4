//! The drawing surface every chart uses: an SVG writer into a string, a handful of primitives in
//! pixel coordinates, and text size estimates. It writes the compact form the charts were first
//! drawn in with plotters' SVG backend (one element a line, text content next to its tags, no
//! default opacity, the font family left to the root element, dashed lines dashed), directly:
//! no attribute is formatted twice and nothing is searched and replaced afterwards. No chart
//! logic here.

use std::cell::RefCell;
use std::fmt::Write as _;

/// A drawing error. Writing into a string cannot fail; the type is kept so that charts can
/// still report one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Failed;

/// The result of one drawing call.
pub(super) type Res = Result<(), Failed>;

/// A drawn chart: its size and its elements, without the root `<svg>` element.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Svg {
    pub width: u32,
    pub height: u32,
    pub elements: String,
}

/// An opaque colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RGBColor(pub u8, pub u8, pub u8);

/// White, the background of every canvas that has one.
pub(super) const WHITE: RGBColor = RGBColor(255, 255, 255);

/// Tick labels and most text, in px (the minimum for legibility).
pub(super) const SMALL: u32 = 11;
/// Legend and value labels, in px.
pub(super) const NORMAL: u32 = 12;
/// Emphasised values (the donut total), in px.
pub(super) const LARGE: u32 = 16;

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

/// `#rrggbb` as a colour; anything unparsable is the neutral grey.
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

/// Pixel coordinates clamped to a sane range, so wild values cannot produce wild numbers.
fn px(v: i32) -> i32 {
    v.clamp(-10_000, 10_000)
}

/// Where text sits horizontally relative to its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HPos {
    Left,
    Center,
    Right,
}

/// Where text sits vertically relative to its point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum VPos {
    Top,
    Center,
    Bottom,
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

/// Appends `#RRGGBB` (upper-case hex digits).
fn push_color(out: &mut String, RGBColor(r, g, b): RGBColor) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('#');
    for v in [r, g, b] {
        out.push(char::from(HEX[usize::from(v >> 4)]));
        out.push(char::from(HEX[usize::from(v & 15)]));
    }
}

/// Appends a whole number in decimal.
fn push_int(out: &mut String, v: i64) {
    let mut digits = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

/// Appends ` name="v"` for a whole number.
fn attr_int(out: &mut String, name: &str, v: i64) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_int(out, v);
    out.push('"');
}

/// Appends `x,y x,y ... ` (each point followed by a space).
fn push_points(out: &mut String, points: impl Iterator<Item = (i32, i32)>) {
    for (x, y) in points {
        push_int(out, i64::from(px(x)));
        out.push(',');
        push_int(out, i64::from(px(y)));
        out.push(' ');
    }
}

/// Appends text content, escaped for XML (quotes and apostrophes included), with control
/// characters as spaces.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
}

/// The `font-size` of text of `px`: the size as the charts were first written (plotters took
/// sizes divided by 1.24 and multiplied them back), so a size prints as the same number.
fn push_font_size(out: &mut String, px: u32) {
    let size = f64::from(px) * 1.24 / 1.24;
    if size == size.trunc() && size.abs() < 1e15 {
        push_int(out, size as i64);
    } else {
        let _ = write!(out, "{size}");
    }
}

/// A canvas of a fixed size in pixels, origin at the top left, white unless transparent.
pub(super) struct Canvas {
    out: RefCell<String>,
}

impl Canvas {
    /// Draws with `paint` on a white `width` × `height` canvas and returns the elements.
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
        let canvas = Canvas {
            out: RefCell::new(String::with_capacity(4096)),
        };
        if white {
            // The background: the whole canvas, corner to corner.
            let w = i32::try_from(width).unwrap_or(i32::MAX);
            let h = i32::try_from(height).unwrap_or(i32::MAX);
            canvas.filled_rect((0, 0), (w, h), WHITE);
        }
        paint(&canvas)?;
        Ok(Svg {
            width,
            height,
            elements: canvas.out.into_inner(),
        })
    }

    /// `<rect>` between the corners as given (upper left, lower right).
    fn filled_rect(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: RGBColor) {
        let out = &mut *self.out.borrow_mut();
        out.push_str("<rect");
        attr_int(out, "x", i64::from(x0));
        attr_int(out, "y", i64::from(y0));
        attr_int(out, "width", i64::from(x1) - i64::from(x0));
        attr_int(out, "height", i64::from(y1) - i64::from(y0));
        out.push_str(" fill=\"");
        push_color(out, color);
        out.push_str("\" stroke=\"none\"/>\n");
    }

    /// A filled rectangle between two corners (in any order).
    pub fn rect(&self, (x0, y0): (i32, i32), (x1, y1): (i32, i32), color: RGBColor) -> Res {
        let (x0, x1) = (px(x0.min(x1)), px(x0.max(x1)));
        let (y0, y1) = (px(y0.min(y1)), px(y0.max(y1)));
        self.filled_rect((x0, y0), (x1, y1), color);
        Ok(())
    }

    /// A polyline; dashed lines are for averages, targets and connectors.
    pub fn line(&self, points: &[(i32, i32)], color: RGBColor, width: u32, dashed: bool) -> Res {
        if points.len() < 2 {
            return Ok(());
        }
        let out = &mut *self.out.borrow_mut();
        out.push_str("<polyline fill=\"none\"");
        if dashed {
            out.push_str(" stroke-dasharray=\"5 4\"");
        }
        out.push_str(" stroke=\"");
        push_color(out, color);
        out.push('"');
        attr_int(out, "stroke-width", i64::from(width));
        out.push_str(" points=\"");
        push_points(out, points.iter().copied());
        out.push_str("\"/>\n");
        Ok(())
    }

    /// A filled circle.
    pub fn circle(&self, (x, y): (i32, i32), radius: u32, color: RGBColor) -> Res {
        let out = &mut *self.out.borrow_mut();
        out.push_str("<circle");
        attr_int(out, "cx", i64::from(px(x)));
        attr_int(out, "cy", i64::from(px(y)));
        attr_int(out, "r", i64::from(radius));
        out.push_str(" fill=\"");
        push_color(out, color);
        out.push_str("\" stroke=\"none\" stroke-width=\"1\"/>\n");
        Ok(())
    }

    /// A filled polygon.
    pub fn polygon(&self, points: Vec<(i32, i32)>, color: RGBColor) -> Res {
        if points.len() < 3 {
            return Ok(());
        }
        let out = &mut *self.out.borrow_mut();
        out.push_str("<polygon fill=\"");
        push_color(out, color);
        out.push_str("\" points=\"");
        push_points(out, points.into_iter());
        out.push_str("\"/>\n");
        Ok(())
    }

    /// Text at a point, escaped; control characters become spaces.
    pub fn text(&self, text: &str, (x, y): (i32, i32), font: Font, anchor: Anchor) -> Res {
        if text.trim().is_empty() {
            return Ok(());
        }
        let (x, y) = (i64::from(px(x)), i64::from(px(y)));
        let out = &mut *self.out.borrow_mut();
        out.push_str("<text");
        attr_int(out, "x", x);
        attr_int(out, "y", y);
        out.push_str(match anchor.v {
            VPos::Top => " dy=\"0.76em\"",
            VPos::Center => " dy=\"0.5ex\"",
            VPos::Bottom => " dy=\"-0.5ex\"",
        });
        out.push_str(match anchor.h {
            HPos::Left => " text-anchor=\"start\"",
            HPos::Right => " text-anchor=\"end\"",
            HPos::Center => " text-anchor=\"middle\"",
        });
        out.push_str(" font-size=\"");
        push_font_size(out, font.px);
        out.push_str("\" fill=\"");
        push_color(out, font.color);
        out.push('"');
        if font.bold {
            out.push_str(" font-weight=\"bold\"");
        }
        if font.vertical {
            out.push_str(" transform=\"rotate(270, ");
            push_int(out, x);
            out.push_str(", ");
            push_int(out, y);
            out.push_str(")\"");
        }
        out.push('>');
        push_text(out, text);
        out.push_str("</text>\n");
        Ok(())
    }
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
