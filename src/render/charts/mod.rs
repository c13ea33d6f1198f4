//! SVG charts for pages and decks: line, bar, scatter, heat map, waterfall, funnel, donut and
//! sparkline, written as SVG into a string (`canvas`). Charts only lay out values they are
//! given; they compute no metric (the one exception is the optional rolling-12 average of a
//! line, a display smoothing). The chart has no visible title: the page or deck shows it, and the
//! SVG carries it as `<title>`/`<desc>` for assistive technology.
//!
//! A chart is laid out for the size it is shown at, so its text keeps its size in pixels: [`svg`]
//! draws it once at the standard size (PDF decks), [`html`] twice, for a desktop page's content
//! width and for a phone's, and the theme's stylesheet shows the one that fits the screen.
//!
//! Drawing never fails in practice (the canvas writes to a `String`); should a chart report an
//! error anyway, [`svg`] returns the "No data for this period" SVG rather than a half-drawn
//! chart.

mod bar;
mod canvas;
mod cartesian;
mod donut;
mod funnel;
mod heatmap;
mod line;
mod scale;
mod scatter;
mod sparkline;
mod waterfall;

use crate::render::format;
use canvas::Failed;

/// Green: good status, gains.
pub const GOOD: &str = "#1a7f37";
/// Amber: warning status.
pub const WARNING: &str = "#b7791f";
/// Red: bad status, losses.
pub const BAD: &str = "#c0392b";
/// Grey: missing or unknown.
pub const MISSING: &str = "#8c959f";
/// Dark grey: neutral series and totals.
pub const NEUTRAL: &str = "#57606a";
/// Categorical colours, distinguishable with the common colour-vision deficiencies (after
/// Okabe–Ito) and each at least 3:1 against white.
pub const ACCENTS: [&str; 6] = [
    "#2563eb", "#d55e00", "#009e73", "#cc79a7", "#7c3aed", "#0e7490",
];
/// Text colour: 14.7:1 on white, well above WCAG AA.
pub const TEXT: &str = "#24292f";
/// Secondary text (axis titles, notes): 6.4:1 on white.
pub const TEXT_MUTED: &str = "#57606a";
/// Grid lines.
pub const GRID: &str = "#d8dee4";

/// What an empty chart says.
pub const NO_DATA: &str = "No data for this period";

/// Colour role of a series, slice, bar or point: one palette everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Warning,
    Bad,
    Missing,
    Neutral,
    /// The i-th categorical colour (wraps around [`ACCENTS`]).
    Accent(usize),
}

impl Tone {
    /// The colour as `#rrggbb`.
    pub fn hex(self) -> &'static str {
        match self {
            Tone::Good => GOOD,
            Tone::Warning => WARNING,
            Tone::Bad => BAD,
            Tone::Missing => MISSING,
            Tone::Neutral => NEUTRAL,
            Tone::Accent(i) => ACCENTS[i % ACCENTS.len()],
        }
    }
}

/// How axis ticks and labels are formatted.
#[derive(Debug, Clone, PartialEq)]
pub enum Axis {
    Money {
        currency: String,
    },
    Percent,
    Count,
    Ratio,
    Days,
    Score,
    /// An account health score, 0–100 in whole numbers.
    Health,
}

impl Axis {
    /// A value as a chart label: `$1.2M`, `105.0%`, `1,234`, `3.2×`, `12 d`, `42` / `4.25`.
    pub fn label(&self, value: f64) -> String {
        match self {
            Axis::Money { currency } => format::money_short(value, currency),
            Axis::Percent => format::percent(value),
            Axis::Count => format::count(value),
            Axis::Ratio => format::ratio(value),
            Axis::Days => format::days_short(value),
            // NPS lives on −100..100 and reads as an integer; CSAT and CES on 1..7 need decimals.
            Axis::Score if value.abs() >= 10.0 => format::fixed(value, 0),
            Axis::Score => format::fixed(value, 2),
            Axis::Health => format::fixed(value, 0),
        }
    }

    /// Whether values on this axis are whole numbers, so ticks should be too.
    fn integral(&self) -> bool {
        matches!(self, Axis::Count | Axis::Days | Axis::Health)
    }

    /// Whether a chart of amounts should start at zero (percentages and scores zoom in).
    fn starts_at_zero(&self) -> bool {
        matches!(self, Axis::Money { .. } | Axis::Count | Axis::Days)
    }
}

/// One named series of a line or bar chart; `None` is a gap.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub tone: Tone,
}

/// A labelled horizontal reference line across a line chart, such as the lower bound of a
/// health band; the value axis always reaches it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub value: f64,
    pub label: String,
    pub tone: Tone,
}

/// One point of a scatter chart; its label is printed next to it when there are few points and
/// is always its tooltip (`<title>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub label: String,
    pub tone: Tone,
    /// A relative link to the point's page (an account page); the dot becomes a link to it.
    pub href: Option<String>,
}

/// One step of a waterfall: a total (a bar from zero) or a signed change from the running total.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    pub value: f64,
    pub total: bool,
}

/// A chart and its data.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Time series: x labels (e.g. "2026-01"), one or more series; optional rolling-12 average of
    /// the first series (dashed), a horizontal target line (labelled "target") and labelled
    /// reference lines in their tones (health band bounds).
    Line {
        labels: Vec<String>,
        series: Vec<Series>,
        rolling12: bool,
        target: Option<f64>,
        references: Vec<Reference>,
        axis: Axis,
    },
    /// Step functions over ordered categories (Kaplan–Meier survival curves): each value holds
    /// until the next category, where the line drops (or rises) to the next value.
    Steps {
        labels: Vec<String>,
        series: Vec<Series>,
        axis: Axis,
    },
    /// Grouped or stacked bars over categories.
    Bar {
        labels: Vec<String>,
        series: Vec<Series>,
        stacked: bool,
        axis: Axis,
    },
    /// Points on two numeric axes, each axis kept within the data's domain (no negative money
    /// when every amount is positive, a 0–100 score within 0–100); `legend` names the point
    /// colours (entries whose tone no point has are left out).
    Scatter {
        points: Vec<Point>,
        legend: Vec<(String, Tone)>,
        x_axis: Axis,
        y_axis: Axis,
        x_title: String,
        y_title: String,
    },
    /// Cohort triangle: rows (cohorts) × columns (age), colour stepped from light (low) to dark
    /// blue (high) with a legend of the steps; value printed in each cell. A row
    /// shorter than `columns` has not reached the remaining ages: they are drawn empty and
    /// outlined ("not yet reached"); a `None` cell shows a grey "—" ("no value").
    Heatmap {
        rows: Vec<String>,
        columns: Vec<String>,
        cells: Vec<Vec<Option<f64>>>,
        axis: Axis,
    },
    /// MRR bridge: first step is the opening total, then signed deltas, last is the closing total.
    Waterfall { steps: Vec<Step>, axis: Axis },
    /// Renewal stages: decreasing horizontal bars, centred.
    Funnel {
        stages: Vec<(String, f64)>,
        axis: Axis,
    },
    /// Share of a whole; negative and zero slices are left out.
    Donut {
        slices: Vec<(String, f64, Tone)>,
        axis: Axis,
    },
    /// Tiny inline trend line, no axes, no text except title/desc; last point marked.
    Sparkline {
        values: Vec<Option<f64>>,
        tone: Tone,
    },
}

impl Chart {
    /// Plain lines: `series` over `labels`, without an average, a target or reference lines.
    pub fn lines(labels: Vec<String>, series: Vec<Series>, axis: Axis) -> Chart {
        Chart::Line {
            labels,
            series,
            rolling12: false,
            target: None,
            references: Vec::new(),
            axis,
        }
    }
}

/// The canvas a chart is laid out on, in px.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Size {
    pub(crate) width: u32,
    pub(crate) height: u32,
}

/// The standalone chart and the PDF decks' figures.
pub(crate) const STANDARD: Size = Size {
    width: 720,
    height: 360,
};
/// Pages on a desktop: the content width of the theme's 72rem page (1104 px at the default
/// 16 px font), so the chart fills it at about its own scale.
pub(crate) const WIDE: Size = Size {
    width: 1104,
    height: 400,
};
/// Pages on a phone: narrower than the content of a 420 px screen (372 px), so 11 px text
/// stays at least 11 px when the chart fills it.
pub(crate) const COMPACT: Size = Size {
    width: 360,
    height: 320,
};

/// A column of the one-page PDF (about 85 mm wide): a narrower canvas, so its text prints at a
/// readable size when the chart is scaled down to the column.
pub(crate) const COLUMN: Size = Size {
    width: 440,
    height: 250,
};

/// An e-mail digest's chart: as narrow as the one-pager's column, so its text stays legible on
/// a phone, but taller, so that slanted category labels leave the plot its height.
pub(crate) const MAIL: Size = Size {
    width: 440,
    height: 330,
};

/// Where a PDF (or an e-mail) shows its charts, which chooses the canvas they are laid out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PdfFrame {
    /// A slide or a page of the full width: [`STANDARD`].
    #[default]
    Full,
    /// A column of the one-pager: [`COLUMN`].
    Column,
    /// An e-mail digest: [`MAIL`].
    Mail,
}

/// The chart as a standalone SVG for a PDF, laid out for `frame`.
pub fn pdf_svg(chart: &Chart, id: &str, title: &str, desc: &str, frame: PdfFrame) -> String {
    let size = match frame {
        PdfFrame::Full => STANDARD,
        PdfFrame::Column => COLUMN,
        PdfFrame::Mail => MAIL,
    };
    match draw(chart, size) {
        Ok(Some(body)) => document(&body, id, title, desc, None),
        Ok(None) | Err(Failed) => no_data(chart, id, title, desc, None),
    }
}

/// Renders a chart to a standalone SVG document string (no XML prolog, so it can be inlined in
/// HTML as is), laid out at the [`STANDARD`] size. `id` is a page-unique HTML id prefix (ASCII
/// `[a-z0-9-]`; anything else becomes `-`); `title` and `desc` are plain text. Empty data gives
/// a small "No data for this period" SVG. Same input, same bytes.
pub fn svg(chart: &Chart, id: &str, title: &str, desc: &str) -> String {
    pdf_svg(chart, id, title, desc, PdfFrame::Full)
}

/// The chart for a web page: laid out [`WIDE`] (class `chart-wide`) and [`COMPACT`] (class
/// `chart-compact`, ids suffixed `-c`), the stylesheet showing one of them by screen width. A
/// donut keeps the width of its content in both (class `chart-natural` too); a heat map, a
/// sparkline and a chart with no data are drawn once, with class `chart-fixed`, at their own
/// size.
pub fn html(chart: &Chart, id: &str, title: &str, desc: &str) -> String {
    let fixed = Some("chart-fixed");
    if matches!(chart, Chart::Heatmap { .. } | Chart::Sparkline { .. }) {
        return match draw(chart, STANDARD) {
            Ok(Some(body)) => document(&body, id, title, desc, fixed),
            Ok(None) | Err(Failed) => no_data(chart, id, title, desc, fixed),
        };
    }
    let (wide, compact) = if matches!(chart, Chart::Donut { .. }) {
        ("chart-wide chart-natural", "chart-compact chart-natural")
    } else {
        ("chart-wide", "chart-compact")
    };
    match (draw(chart, WIDE), draw(chart, COMPACT)) {
        (Ok(Some(w)), Ok(Some(c))) => {
            let compact_id = format!("{}-c", clean_id(id));
            document(&w, id, title, desc, Some(wide))
                + &document(&c, &compact_id, title, desc, Some(compact))
        }
        _ => no_data(chart, id, title, desc, fixed),
    }
}

/// The chart laid out on a canvas of `size` (charts that size themselves by content ignore it).
fn draw(chart: &Chart, size: Size) -> Drawn {
    match chart {
        Chart::Line {
            labels,
            series,
            rolling12,
            target,
            references,
            axis,
        } => line::render(
            labels,
            series,
            *rolling12,
            (*target, references),
            (axis, line::Shape::Lines),
            size,
        ),
        Chart::Steps {
            labels,
            series,
            axis,
        } => line::render(
            labels,
            series,
            false,
            (None, &[]),
            (axis, line::Shape::Steps),
            size,
        ),
        Chart::Bar {
            labels,
            series,
            stacked,
            axis,
        } => bar::render(labels, series, *stacked, axis, size),
        Chart::Scatter {
            points,
            legend,
            x_axis,
            y_axis,
            x_title,
            y_title,
        } => scatter::render(points, legend, (x_axis, y_axis), x_title, y_title, size),
        Chart::Heatmap {
            rows,
            columns,
            cells,
            axis,
        } => heatmap::render(rows, columns, cells, axis),
        Chart::Waterfall { steps, axis } => waterfall::render(steps, axis, size),
        Chart::Funnel { stages, axis } => funnel::render(stages, axis, size),
        Chart::Donut { slices, axis } => donut::render(slices, axis, size),
        Chart::Sparkline { values, tone } => sparkline::render(values, *tone),
    }
}

/// What a chart module returns: the drawn SVG, `None` when there is nothing to draw.
type Drawn = Result<Option<canvas::Svg>, Failed>;

/// The finite value of an optional number; NaN and infinities count as missing.
fn finite(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite())
}

/// Escapes text for XML content and attribute values; control characters become spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The id prefix restricted to `[a-z0-9-]`, never empty.
fn clean_id(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    if cleaned.is_empty() {
        "chart".into()
    } else {
        cleaned
    }
}

/// The root element with its accessible name and description (and `class`, if any), then the
/// body. A chart whose points are links is a `group`, so the links stay reachable (an `img` has
/// no interactive children).
fn document(body: &canvas::Svg, id: &str, title: &str, desc: &str, class: Option<&str>) -> String {
    let id = clean_id(id);
    let class = class.map_or(String::new(), |c| format!("class=\"{c}\" "));
    let role = if body.elements.contains("<a href=") {
        "group"
    } else {
        "img"
    };
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" {class}width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" role=\"{role}\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"sans-serif\">\n\
         <title id=\"{id}-title\">{title}</title>\n<desc id=\"{id}-desc\">{desc}</desc>\n{body}</svg>\n",
        w = body.width,
        h = body.height,
        title = escape(title),
        desc = escape(desc),
        body = body.elements,
    )
}

/// The small SVG for a chart with nothing to show: the title and [`NO_DATA`]. A sparkline keeps
/// its own size and says only "No data". `class` as in [`document`].
fn no_data(chart: &Chart, id: &str, title: &str, desc: &str, class: Option<&str>) -> String {
    let body = match chart {
        Chart::Sparkline { .. } => canvas::Svg {
            width: sparkline::WIDTH,
            height: sparkline::HEIGHT,
            elements: format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" \
                 font-size=\"11\" fill=\"{TEXT_MUTED}\">No data</text>\n",
                sparkline::WIDTH / 2,
                sparkline::HEIGHT / 2 + 4,
            ),
        },
        _ => canvas::Svg {
            width: 360,
            height: 72,
            elements: format!(
                "<text x=\"12\" y=\"28\" font-size=\"14\" \
                 font-weight=\"bold\" fill=\"{TEXT}\">{}</text>\n\
                 <text x=\"12\" y=\"52\" font-size=\"13\" \
                 fill=\"{TEXT_MUTED}\">{NO_DATA}</text>\n",
                escape(&canvas::clip(title, 44)),
            ),
        },
    };
    document(&body, id, title, desc, class)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// How many times `needle` occurs in `haystack`.
    pub(crate) fn occurrences(haystack: &str, needle: &str) -> usize {
        haystack.matches(needle).count()
    }

    /// The checks every chart must pass: the root element, accessible name, first children.
    pub(crate) fn assert_well_formed(svg: &str, id: &str) {
        assert!(
            svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
            "{svg}"
        );
        assert!(!svg.contains("<?xml"));
        assert!(svg.contains(&format!("aria-labelledby=\"{id}-title {id}-desc\"")));
        assert!(svg.contains("role=\"img\"") || svg.contains("role=\"group\""));
        assert!(svg.contains("viewBox=\"0 0 "));
        let after_root = &svg[svg.find(">\n").map_or(0, |i| i + 2)..];
        assert!(
            after_root.starts_with(&format!("<title id=\"{id}-title\">")),
            "{svg}"
        );
        let after_title = &after_root[after_root.find("</title>\n").map_or(0, |i| i + 9)..];
        assert!(
            after_title.starts_with(&format!("<desc id=\"{id}-desc\">")),
            "{svg}"
        );
        assert_eq!(occurrences(svg, "<svg"), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
        // Balanced text elements: nothing left open.
        assert_eq!(occurrences(svg, "<text"), occurrences(svg, "</text>"));
    }

    pub(crate) fn usd() -> Axis {
        Axis::Money {
            currency: "USD".into(),
        }
    }

    #[test]
    fn axis_labels_reuse_the_site_formats() {
        assert_eq!(usd().label(1_234_567.0), "$1.2M");
        assert_eq!(usd().label(850_000.0), "$850K");
        assert_eq!(usd().label(950.0), "$950");
        let eur = Axis::Money {
            currency: "EUR".into(),
        };
        assert_eq!(eur.label(2_000.0), "€2K");
        let chf = Axis::Money {
            currency: "CHF".into(),
        };
        assert_eq!(chf.label(2_000.0), "CHF 2K");
        assert_eq!(Axis::Percent.label(105.0), "105.0%");
        assert_eq!(Axis::Count.label(12_345.0), "12,345");
        assert_eq!(Axis::Days.label(12.0), "12 d");
        assert_eq!(Axis::Ratio.label(3.25), "3.2×");
        assert_eq!(Axis::Score.label(42.0), "42");
        assert_eq!(Axis::Score.label(4.25), "4.25");
    }

    #[test]
    fn tones_map_to_one_palette() {
        assert_eq!(Tone::Good.hex(), "#1a7f37");
        assert_eq!(Tone::Accent(0).hex(), "#2563eb");
        // Accents wrap around rather than panic.
        assert_eq!(Tone::Accent(ACCENTS.len()).hex(), ACCENTS[0]);
    }

    #[test]
    fn title_desc_and_id_are_escaped() {
        let chart = Chart::Sparkline {
            values: vec![Some(1.0), Some(2.0)],
            tone: Tone::Good,
        };
        let out = svg(
            &chart,
            "Tile 1\"><x",
            "<b>MRR</b> & 'more'",
            "a \"quoted\" <desc>",
        );
        assert_well_formed(&out, "tile-1---x");
        assert!(out.contains("&lt;b&gt;MRR&lt;/b&gt; &amp; &apos;more&apos;"));
        assert!(out.contains("a &quot;quoted&quot; &lt;desc&gt;"));
        assert!(!out.contains("<b>"));
    }

    #[test]
    fn data_labels_are_escaped_in_every_chart_type() {
        let evil = "<script>alert(1)</script> & \"q\" 'a'";
        let name = || evil.to_string();
        let series = |tone| Series {
            name: name(),
            values: vec![Some(3.0), Some(5.0)],
            tone,
        };
        let charts = [
            Chart::Line {
                labels: vec![name(), name()],
                series: vec![series(Tone::Accent(0))],
                rolling12: false,
                target: None,
                references: vec![Reference {
                    value: 4.0,
                    label: name(),
                    tone: Tone::Good,
                }],
                axis: Axis::Count,
            },
            Chart::Steps {
                labels: vec![name(), name()],
                series: vec![series(Tone::Accent(0))],
                axis: Axis::Percent,
            },
            Chart::Bar {
                labels: vec![name(), "b".into()],
                series: vec![series(Tone::Accent(0)), series(Tone::Accent(1))],
                stacked: true,
                axis: Axis::Count,
            },
            Chart::Scatter {
                points: vec![Point {
                    x: 1.0,
                    y: 2.0,
                    label: name(),
                    tone: Tone::Good,
                    href: None,
                }],
                legend: vec![(name(), Tone::Good)],
                x_axis: Axis::Count,
                y_axis: Axis::Count,
                x_title: name(),
                y_title: name(),
            },
            Chart::Heatmap {
                rows: vec![name()],
                columns: vec![name()],
                cells: vec![vec![Some(50.0)]],
                axis: Axis::Percent,
            },
            Chart::Waterfall {
                steps: vec![
                    Step {
                        label: name(),
                        value: 10.0,
                        total: true,
                    },
                    Step {
                        label: name(),
                        value: 2.0,
                        total: false,
                    },
                ],
                axis: Axis::Count,
            },
            Chart::Funnel {
                stages: vec![(name(), 5.0), (name(), 3.0)],
                axis: Axis::Count,
            },
            Chart::Donut {
                slices: vec![(name(), 5.0, Tone::Good), (name(), 3.0, Tone::Bad)],
                axis: Axis::Count,
            },
        ];
        for chart in &charts {
            let out = svg(chart, "evil", evil, evil);
            assert_well_formed(&out, "evil");
            assert!(!out.contains("<script"), "{out}");
            assert!(!out.contains("\"q\""), "{out}");
            assert!(out.contains("&lt;script&gt;"), "{out}");
            // The labels themselves are drawn, escaped, not only the title.
            assert!(occurrences(&out, "&lt;script&gt;") >= 3, "{out}");
        }
    }

    #[test]
    fn every_empty_chart_says_no_data() {
        let empty = [
            Chart::Line {
                labels: vec![],
                series: vec![],
                rolling12: true,
                target: Some(1.0),
                references: vec![],
                axis: Axis::Percent,
            },
            Chart::Line {
                labels: vec!["2026-01".into(), "2026-02".into()],
                series: vec![Series {
                    name: "NRR".into(),
                    values: vec![None, Some(f64::NAN)],
                    tone: Tone::Accent(0),
                }],
                rolling12: false,
                target: None,
                references: vec![],
                axis: Axis::Percent,
            },
            Chart::Steps {
                labels: vec!["M0".into()],
                series: vec![],
                axis: Axis::Percent,
            },
            Chart::Bar {
                labels: vec!["a".into()],
                series: vec![],
                stacked: true,
                axis: Axis::Count,
            },
            Chart::Scatter {
                points: vec![],
                legend: vec![],
                x_axis: Axis::Count,
                y_axis: Axis::Count,
                x_title: "x".into(),
                y_title: "y".into(),
            },
            Chart::Heatmap {
                rows: vec!["2025-01".into()],
                columns: vec!["0".into()],
                cells: vec![vec![None]],
                axis: Axis::Percent,
            },
            Chart::Waterfall {
                steps: vec![],
                axis: usd(),
            },
            Chart::Funnel {
                stages: vec![("Open".into(), 0.0)],
                axis: usd(),
            },
            Chart::Donut {
                slices: vec![("Healthy".into(), 0.0, Tone::Good)],
                axis: Axis::Count,
            },
        ];
        for chart in &empty {
            let out = svg(chart, "e", "Net <revenue>", "d");
            assert_well_formed(&out, "e");
            assert!(out.contains(NO_DATA), "{chart:?}");
            assert!(out.contains("Net &lt;revenue&gt;"));
        }
        let spark = svg(
            &Chart::Sparkline {
                values: vec![None],
                tone: Tone::Good,
            },
            "s",
            "t",
            "d",
        );
        assert_well_formed(&spark, "s");
        assert!(spark.contains(">No data</text>"));
    }

    /// One realistic chart of each kind.
    fn samples() -> Vec<(&'static str, Chart)> {
        let months: Vec<String> = (0..36)
            .map(|i| format!("{}-{:02}", 2024 + i / 12, i % 12 + 1))
            .collect();
        let wave = |i: usize, base: f64, amp: f64| base + amp * ((i as f64) / 3.0).sin();
        let nrr: Vec<Option<f64>> = (0..36)
            .map(|i| (i != 14).then(|| wave(i, 101.0 + i as f64 * 0.15, 3.0)))
            .collect();
        let grr: Vec<Option<f64>> = (0..36).map(|i| Some(wave(i, 91.0, 1.5))).collect();
        let segments = ["SMB", "Mid-market", "Enterprise", "Strategic"].map(String::from);
        vec![
            (
                "line",
                Chart::Line {
                    labels: months.clone(),
                    series: vec![
                        Series {
                            name: "NRR".into(),
                            values: nrr.clone(),
                            tone: Tone::Accent(0),
                        },
                        Series {
                            name: "GRR".into(),
                            values: grr,
                            tone: Tone::Accent(1),
                        },
                    ],
                    rolling12: true,
                    target: Some(105.0),
                    references: vec![],
                    axis: Axis::Percent,
                },
            ),
            (
                "bar",
                Chart::Bar {
                    labels: segments.to_vec(),
                    series: vec![
                        Series {
                            name: "New".into(),
                            values: vec![Some(42_000.0), Some(120_000.0), Some(310_000.0), None],
                            tone: Tone::Accent(0),
                        },
                        Series {
                            name: "Expansion".into(),
                            values: vec![
                                Some(18_000.0),
                                Some(64_000.0),
                                Some(150_000.0),
                                Some(90_000.0),
                            ],
                            tone: Tone::Accent(2),
                        },
                    ],
                    stacked: false,
                    axis: usd(),
                },
            ),
            (
                "stacked",
                Chart::Bar {
                    labels: months[24..].to_vec(),
                    series: ["Healthy", "At risk", "Critical"]
                        .iter()
                        .zip([Tone::Good, Tone::Warning, Tone::Bad])
                        .enumerate()
                        .map(|(k, (name, tone))| Series {
                            name: (*name).into(),
                            values: (0..12)
                                .map(|i| Some(wave(i + k, 40.0 / (k + 1) as f64, 5.0).round()))
                                .collect(),
                            tone,
                        })
                        .collect(),
                    stacked: true,
                    axis: Axis::Count,
                },
            ),
            (
                "scatter",
                Chart::Scatter {
                    points: (0..10)
                        .map(|i| Point {
                            x: 20_000.0 + 17_000.0 * i as f64,
                            y: wave(i, 60.0, 25.0),
                            label: format!("Account {i}"),
                            tone: [Tone::Good, Tone::Warning, Tone::Bad][i % 3],
                            href: Some(format!("../accounts/ACC{i:05}.html")),
                        })
                        .collect(),
                    legend: vec![
                        ("Green".into(), Tone::Good),
                        ("Yellow".into(), Tone::Warning),
                        ("Red".into(), Tone::Bad),
                    ],
                    x_axis: usd(),
                    y_axis: Axis::Score,
                    x_title: "ARR".into(),
                    y_title: "Health score".into(),
                },
            ),
            (
                "heatmap",
                Chart::Heatmap {
                    rows: months[..12].to_vec(),
                    columns: (0..12).map(|m| format!("M{m}")).collect(),
                    cells: (0..12)
                        .map(|r| {
                            (0..12 - r)
                                .map(|c| {
                                    (c != 5 || r != 2)
                                        .then_some(100.0 - c as f64 * (1.0 + r as f64 * 0.3))
                                })
                                .collect()
                        })
                        .collect(),
                    axis: Axis::Percent,
                },
            ),
            (
                "waterfall",
                Chart::Waterfall {
                    steps: vec![
                        Step {
                            label: "Opening MRR".into(),
                            value: 1_000_000.0,
                            total: true,
                        },
                        Step {
                            label: "New".into(),
                            value: 120_000.0,
                            total: false,
                        },
                        Step {
                            label: "Expansion".into(),
                            value: 80_000.0,
                            total: false,
                        },
                        Step {
                            label: "Contraction".into(),
                            value: -30_000.0,
                            total: false,
                        },
                        Step {
                            label: "Churn".into(),
                            value: -70_000.0,
                            total: false,
                        },
                        Step {
                            label: "Closing MRR".into(),
                            value: 1_100_000.0,
                            total: true,
                        },
                    ],
                    axis: usd(),
                },
            ),
            (
                "funnel",
                Chart::Funnel {
                    stages: vec![
                        ("Upcoming".into(), 1_200_000.0),
                        ("Engaged".into(), 1_050_000.0),
                        ("In negotiation".into(), 900_000.0),
                        ("Committed".into(), 600_000.0),
                        ("Closed won".into(), 450_000.0),
                    ],
                    axis: usd(),
                },
            ),
            (
                "donut",
                Chart::Donut {
                    slices: vec![
                        ("Healthy".into(), 62.0, Tone::Good),
                        ("At risk".into(), 25.0, Tone::Warning),
                        ("Critical".into(), 10.0, Tone::Bad),
                        ("No score".into(), 3.0, Tone::Missing),
                    ],
                    axis: Axis::Count,
                },
            ),
            (
                "sparkline",
                Chart::Sparkline {
                    values: nrr[..12].to_vec(),
                    tone: Tone::Good,
                },
            ),
            (
                "empty",
                Chart::Line {
                    labels: months,
                    series: vec![],
                    rolling12: false,
                    target: None,
                    references: vec![],
                    axis: Axis::Percent,
                },
            ),
        ]
    }

    #[test]
    fn same_input_same_bytes() {
        for (name, chart) in samples() {
            let a = svg(&chart, name, "Title", "Description");
            assert_well_formed(&a, name);
            assert_eq!(
                a,
                svg(&chart.clone(), name, "Title", "Description"),
                "{name}"
            );
            assert!(a.len() < 20_000, "{name}: {} bytes", a.len());
        }
    }

    #[test]
    fn web_pages_get_a_desktop_and_a_phone_drawing() {
        for (name, chart) in samples() {
            let out = html(&chart, name, "Title", "Description");
            let roots: Vec<&str> = out.lines().filter(|l| l.starts_with("<svg ")).collect();
            let by_content =
                matches!(chart, Chart::Heatmap { .. } | Chart::Sparkline { .. }) || name == "empty";
            if by_content {
                assert_eq!(roots.len(), 1, "{name}: {out}");
                assert!(roots[0].contains("class=\"chart-fixed\""), "{name}");
                continue;
            }
            // 1104 px for a desktop page's content, 360 px for a phone's, each with its own ids
            // (a funnel's height follows its stages; a donut is as wide as its legend).
            assert_eq!(roots.len(), 2, "{name}: {out}");
            if name == "donut" {
                assert!(roots[0].contains("class=\"chart-wide chart-natural\""));
                assert!(roots[1].contains("class=\"chart-compact chart-natural\""));
                // On a phone the legend goes under the ring: no wider than the phone drawing.
                let width: u32 = roots[1]
                    .split(" width=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(0);
                assert!((200..=360).contains(&width), "{}", roots[1]);
                continue;
            }
            assert!(
                roots[0].contains("class=\"chart-wide\" width=\"1104\" height=\""),
                "{name}: {}",
                roots[0]
            );
            assert!(
                roots[1].contains("class=\"chart-compact\" width=\"360\" height=\""),
                "{name}: {}",
                roots[1]
            );
            assert!(roots[0].contains(&format!("\"{name}-title {name}-desc\"")));
            assert!(roots[1].contains(&format!("\"{name}-c-title {name}-c-desc\"")));
            // Shown at about its own size, no chart text is below 11 px, and none starts
            // outside the phone drawing.
            let phone = &out[out.find("class=\"chart-compact\"").unwrap_or(0)..];
            for line in out.lines().filter(|l| l.starts_with("<text")) {
                let size: f64 = line
                    .split("font-size=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0);
                assert!(size >= 11.0, "{name}: {line}");
            }
            for line in phone.lines().filter(|l| l.starts_with("<text")) {
                let x: i32 = line
                    .split(" x=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(-1);
                assert!((0..=360).contains(&x), "{name}: {line}");
            }
        }
    }

    /// Writes the samples to `$TMPDIR/postsale-charts/` for a look in a browser and for the
    /// Nu HTML checker: `cargo test --lib render::charts -- --ignored`.
    #[test]
    #[ignore]
    fn write_samples() -> std::io::Result<()> {
        let dir = std::env::temp_dir().join("postsale-charts");
        std::fs::create_dir_all(&dir)?;
        for (name, chart) in samples() {
            let title = format!("Sample {name} <chart> & \"friends\"");
            let out = svg(&chart, name, &title, "A sample chart for a visual check.");
            std::fs::write(dir.join(format!("{name}.svg")), out)?;
        }
        Ok(())
    }
}
