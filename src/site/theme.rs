//! The theme: Tera templates, static files (CSS, the small script) and, for the PDFs, Typst
//! templates and fonts. The default theme is compiled into the binary; a project's
//! `themes/default/` overrides it file by file, so a team restyles one template without copying
//! the rest.

pub(crate) mod guard;

use crate::diagnostic::Diagnostic;
use include_dir::{Dir, include_dir};
use std::collections::BTreeMap;
use std::path::Path;

/// The default theme, embedded.
pub static DEFAULT: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/themes/default");

/// The theme's files, relative path → bytes (embedded defaults overlaid with the project's).
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub files: BTreeMap<String, Vec<u8>>,
}

fn collect(dir: &Dir<'static>, out: &mut BTreeMap<String, Vec<u8>>) {
    for file in dir.files() {
        out.insert(
            file.path().to_string_lossy().replace('\\', "/"),
            file.contents().to_vec(),
        );
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

impl Theme {
    /// The embedded default theme overlaid with the files of `project/themes/default/`.
    pub fn load(project: &Path) -> Result<Theme, Vec<Diagnostic>> {
        let mut files = BTreeMap::new();
        collect(&DEFAULT, &mut files);
        let own = project.join("themes").join("default");
        let mut problems = Vec::new();
        if own.is_dir() {
            for entry in walkdir::WalkDir::new(&own).sort_by_file_name() {
                let entry = match entry {
                    Ok(e) => e,
                    Err(e) => {
                        problems.push(Diagnostic::file_error(
                            "themes/default",
                            format!("cannot read: {e}"),
                        ));
                        continue;
                    }
                };
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry
                    .path()
                    .strip_prefix(&own)
                    .map(|p| p.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                match std::fs::read(entry.path()) {
                    Ok(bytes) => {
                        files.insert(rel, bytes);
                    }
                    Err(e) => problems.push(Diagnostic::file_error(
                        format!("themes/default/{rel}"),
                        format!("cannot read: {e}"),
                    )),
                }
            }
        }
        if problems.is_empty() {
            Ok(Theme { files })
        } else {
            Err(problems)
        }
    }

    /// Whether the file at `path` (e.g. `templates/components/table.html`) is the embedded
    /// default's, not overridden by the project.
    pub fn is_default(&self, path: &str) -> bool {
        match (DEFAULT.get_file(path), self.files.get(path)) {
            (Some(embedded), Some(ours)) => embedded.contents() == ours.as_slice(),
            _ => false,
        }
    }

    /// The files under `prefix/` (e.g. `static`), with the prefix removed.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        self.files.iter().filter_map(move |(path, bytes)| {
            path.strip_prefix(prefix)
                .and_then(|p| p.strip_prefix('/'))
                .map(|p| (p, bytes.as_slice()))
        })
    }

    /// Parses every template once, with the functions templates may call (`guard::secure`), and
    /// checks them statically (`guard::check`). Template errors point at the theme file.
    pub fn tera(&self) -> Result<tera::Tera, Vec<Diagnostic>> {
        let mut tera = tera::Tera::default();
        guard::secure(&mut tera);
        let mut templates = Vec::new();
        let mut problems = Vec::new();
        for (name, bytes) in self.under("templates") {
            let file = format!("themes/default/templates/{name}");
            match std::str::from_utf8(bytes) {
                Ok(text) => templates.push(guard::Source {
                    name: name.to_string(),
                    file,
                    text,
                    first_line: 1,
                }),
                Err(_) => problems.push(Diagnostic::file_error(file, "not UTF-8 text")),
            }
        }
        problems.extend(templates.iter().filter_map(guard::nesting));
        if !problems.is_empty() {
            return Err(problems);
        }
        let raw: Vec<(&str, &str)> = templates
            .iter()
            .map(|t| (t.name.as_str(), t.text))
            .collect();
        if let Err(e) = tera.add_raw_templates(raw) {
            problems.push(
                Diagnostic::file_error("themes/default/templates", tera_error(&e))
                    .with_help("fix the template syntax (Tera, like Jinja2)"),
            );
            return Err(problems);
        }
        tera.autoescape_on(vec![".html", ".svg", ".xml"]);
        problems.extend(guard::check(&tera, &templates));
        if problems.is_empty() {
            Ok(tera)
        } else {
            Err(problems)
        }
    }
}

/// A Tera error with its causes on one line.
pub fn tera_error(err: &tera::Error) -> String {
    use std::error::Error;
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
