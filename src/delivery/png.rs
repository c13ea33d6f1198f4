//! The charts of a message as PNG (mail clients do not show SVG): the site's SVG drawn with
//! resvg at twice its display width, with the site's own fonts (`assets/fonts`, the theme's
//! Liberation Sans) and never the system's, so the same SVG gives the same PNG bytes on every
//! machine. It draws; it does not decide which charts a message has (`mail/index.json` does).

use resvg::tiny_skia;
use resvg::usvg;
use std::path::Path;

/// The family every generic family (`sans-serif`, `serif`, `monospace`...) maps to: the theme's
/// font, which the site copies to `assets/fonts`.
const FAMILY: &str = "Liberation Sans";

/// Draws SVGs with the fonts of one site.
pub(crate) struct Rasteriser {
    options: usvg::Options<'static>,
}

impl Rasteriser {
    /// A rasteriser with the fonts of the `site` folder (`assets/fonts`, written by a build
    /// with PDFs), or, when the site has none (a `--no-pdf` build), the fonts of the `project`'s
    /// theme, which a build with PDFs would have copied there.
    pub(crate) fn new(site: &Path, project: &Path) -> Result<Rasteriser, String> {
        let mut fonts = site_fonts(&site.join(crate::site::pdf::FONTS_DIR))?;
        if fonts.is_empty() {
            let theme = crate::site::theme::Theme::load(project).map_err(|problems| {
                let text: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
                text.join("\n")
            })?;
            fonts = theme
                .under("fonts")
                .filter(|(name, _)| is_font(Path::new(name)))
                .map(|(_, bytes)| bytes.to_vec())
                .collect();
        }
        Rasteriser::with_fonts(fonts)
    }

    /// A rasteriser with these font files; an error when there are none (the charts' text
    /// would not be drawn).
    fn with_fonts(fonts: Vec<Vec<u8>>) -> Result<Rasteriser, String> {
        let mut options = usvg::Options {
            font_family: FAMILY.to_string(),
            ..usvg::Options::default()
        };
        let db = options.fontdb_mut();
        for bytes in fonts {
            db.load_font_data(bytes);
        }
        if db.is_empty() {
            return Err(
                "no font for the charts' text: neither the site's assets/fonts nor the theme's fonts/ has one".into(),
            );
        }
        db.set_sans_serif_family(FAMILY);
        db.set_serif_family(FAMILY);
        db.set_monospace_family(FAMILY);
        db.set_cursive_family(FAMILY);
        db.set_fantasy_family(FAMILY);
        Ok(Rasteriser { options })
    }

    /// `svg` drawn `2 × width` pixels wide (its height in proportion) on white, as PNG bytes.
    pub(crate) fn png(&self, svg: &[u8], width: u32) -> Result<Vec<u8>, String> {
        let tree = usvg::Tree::from_data(svg, &self.options).map_err(|e| e.to_string())?;
        let size = tree.size();
        let px = width.max(1) * 2;
        let scale = px as f32 / size.width();
        let height = (size.height() * scale).ceil().max(1.0) as u32;
        let mut pixmap = tiny_skia::Pixmap::new(px, height)
            .ok_or_else(|| format!("cannot draw an image of {px} × {height} pixels"))?;
        pixmap.fill(tiny_skia::Color::WHITE);
        resvg::render(
            &tree,
            tiny_skia::Transform::from_scale(scale, scale),
            &mut pixmap.as_mut(),
        );
        pixmap.encode_png().map_err(|e| e.to_string())
    }
}

/// The `.ttf`/`.otf` files of `dir`, in name order; none when the folder does not exist.
fn site_fonts(dir: &Path) -> Result<Vec<Vec<u8>>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!(
                "failed to read the fonts folder {}: {e}",
                dir.display()
            ));
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_font(p))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            std::fs::read(p).map_err(|e| format!("failed to read the font {}: {e}", p.display()))
        })
        .collect()
}

fn is_font(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x.eq_ignore_ascii_case("ttf") || x.eq_ignore_ascii_case("otf"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site folder holding only the theme's fonts.
    fn site_with_fonts() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let fonts = tmp.path().join(crate::site::pdf::FONTS_DIR);
        std::fs::create_dir_all(&fonts).unwrap();
        let theme = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/fonts");
        for name in ["LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"] {
            std::fs::copy(theme.join(name), fonts.join(name)).unwrap();
        }
        tmp
    }

    /// The PNG's width and height, from its IHDR chunk.
    fn dimensions(png: &[u8]) -> (u32, u32) {
        let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
        (be(16), be(20))
    }

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100" font-family="sans-serif"><rect x="0" y="0" width="150" height="100" fill="#0969DA"/><text x="160" y="60" font-size="30">ARR</text></svg>"##;

    #[test]
    fn a_chart_is_drawn_at_twice_its_width_with_the_sites_font() {
        let site = site_with_fonts();
        let r = Rasteriser::new(site.path(), site.path()).unwrap();
        let png = r.png(SVG.as_bytes(), 300).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        // 300 CSS pixels wide → 600 pixels; 300 × 100 keeps its 3:1 shape.
        assert_eq!(dimensions(&png), (600, 200));
        // The same SVG, the same bytes.
        assert_eq!(png, r.png(SVG.as_bytes(), 300).unwrap());
        // The text is drawn: without it (the same SVG, no text) the image differs.
        let no_text = SVG.replace("ARR", "");
        assert_ne!(png, r.png(no_text.as_bytes(), 300).unwrap());
        // Drawn at a smaller display width, the image is scaled, not cropped.
        assert_eq!(dimensions(&r.png(SVG.as_bytes(), 150).unwrap()), (300, 100));
    }

    #[test]
    fn without_site_fonts_the_themes_are_used_and_without_any_it_is_an_error() {
        let with_fonts = site_with_fonts();
        let site = Rasteriser::new(with_fonts.path(), with_fonts.path()).unwrap();
        // A --no-pdf site has no assets/fonts: the project's theme (here the embedded default)
        // gives the same Liberation Sans, so the same image.
        let bare = tempfile::tempdir().unwrap();
        let theme = Rasteriser::new(bare.path(), bare.path()).unwrap();
        assert_eq!(
            site.png(SVG.as_bytes(), 300).unwrap(),
            theme.png(SVG.as_bytes(), 300).unwrap()
        );
        let err = Rasteriser::with_fonts(Vec::new()).err().unwrap();
        assert!(err.starts_with("no font for the charts' text"), "{err}");
        assert!(site.png(b"<svg", 100).is_err());
    }
}
