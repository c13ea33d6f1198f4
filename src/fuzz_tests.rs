//! Property-based fuzzing of everything that reads untrusted text: the CSV loader (a valid demo
//! data set mutated with hostile bytes), the `postsale.yaml` and front matter parsers, the
//! component scanner, and the HTML, Markdown and Typst escaping. Each property holds for every input:
//! nothing panics, every diagnostic points at a real line, and escaped text reads back as the
//! same literal text. The regular test run tries a few cases of each; `scripts/fuzz.sh` runs
//! them with large case counts for a set time (see README, Reliability). The case count comes
//! from `POSTSALE_FUZZ_CASES`.

use crate::data::load::{LoadOptions, load};
use crate::diagnostic::Diagnostic;
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::path::Path;
use std::sync::OnceLock;

/// Cases per property: `POSTSALE_FUZZ_CASES`, else a few for the regular test run.
fn config() -> Config {
    let cases = std::env::var("POSTSALE_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    Config {
        cases,
        // A failing case is reported with its input; nothing is written into the source tree.
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text pieces that have broken CSV readers, YAML parsers and escapers before.
const HOSTILE: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    "\r\n",
    "\n",
    "\r",
    "\t",
    " ",
    "\u{feff}",
    "\0",
    "\u{e000}",
    "\u{e001}",
    "\u{202e}",
    "é",
    "99999999999999999999",
    "92233720368547758.07",
    "-1",
    "1,000.50",
    "1e308",
    "NaN",
    "inf",
    "0206-03",
    "0001-01",
    "9999-12-31",
    "2026-02-30",
    "index",
    "../..",
    "..\\..\\win",
    "#read(\"/etc/passwd\")",
    "[click](javascript:alert(1))",
    "![t](https://attacker.example/p.png)",
    "<script>alert(1)</script>",
    "{{ get_env(name=\"PATH\") }}",
    "{%",
    "}}",
    "$x$",
    "*_`~@<>[]=-+/'.:",
];

/// A hostile piece, or one of a few random strings.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(HOSTILE).prop_map(str::to_string),
        1 => "\\PC{0,12}",
        1 => proptest::collection::vec(any::<u8>(), 0..8)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => Just("x".repeat(5000)),
    ]
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Mutation {
    /// Insert bytes at a fraction of the length.
    Insert(f64, Vec<u8>),
    /// Delete `len` bytes at a fraction of the length.
    Delete(f64, usize),
    /// Cut the file at a fraction of its length.
    Truncate(f64),
    /// Repeat the line at a fraction of the line count.
    DuplicateLine(f64),
    /// Every `\n` becomes `\r\n`.
    Crlf,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0f64;
    prop_oneof![
        6 => (at.clone(), piece()).prop_map(|(a, p)| Mutation::Insert(a, p.into_bytes())),
        2 => (at.clone(), 1..40usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
        1 => (0.0..1.0f64).prop_map(Mutation::Truncate),
        2 => (0.0..1.0f64).prop_map(Mutation::DuplicateLine),
        1 => Just(Mutation::Crlf),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |f: f64, len: usize| ((len as f64 * f) as usize).min(len);
    match m {
        Mutation::Insert(f, piece) => {
            let i = at(*f, bytes.len());
            bytes.splice(i..i, piece.iter().copied());
        }
        Mutation::Delete(f, n) => {
            let i = at(*f, bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Truncate(f) => bytes.truncate(at(*f, bytes.len())),
        Mutation::DuplicateLine(f) => {
            let lines: Vec<Vec<u8>> = bytes
                .split_inclusive(|b| *b == b'\n')
                .map(<[u8]>::to_vec)
                .collect();
            if !lines.is_empty() {
                let i = at(*f, lines.len() - 1);
                let mut out = Vec::with_capacity(bytes.len());
                for (n, line) in lines.iter().enumerate() {
                    out.extend_from_slice(line);
                    if n == i {
                        out.extend_from_slice(line);
                    }
                }
                *bytes = out;
            }
        }
        Mutation::Crlf => {
            let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
            for b in bytes.iter() {
                if *b == b'\n' {
                    out.push(b'\r');
                }
                out.push(*b);
            }
            *bytes = out;
        }
    }
}

/// A small valid data set (the demo generator's), as (file name, bytes), made once.
fn seed() -> &'static [(String, Vec<u8>)] {
    static SEED: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let options = crate::demo::Options {
            accounts: 6,
            months: 4,
            seed: 7,
            end: crate::period::Month::parse("2026-10").expect("month"),
        };
        crate::demo::generate(&options, dir.path()).expect("demo data");
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(Result::ok)
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                )
            })
            .collect();
        files.sort();
        files
    })
}

/// Every diagnostic names a file and, when it has a line, a line of `1..=max_line`.
fn well_placed(diags: &[Diagnostic], max_line: usize) -> Result<(), TestCaseError> {
    for d in diags {
        prop_assert!(!d.message.is_empty(), "empty message: {d:?}");
        if let Some(line) = d.line {
            prop_assert!(
                (1..=max_line).contains(&line),
                "line {line} outside 1..={max_line}: {d}"
            );
        }
    }
    Ok(())
}

/// The lines of `text` as an editor shows them: `\n`, `\r\n` and a lone `\r` end a line.
fn editor_lines(text: &str) -> usize {
    text.split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .count()
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write");
    }
}

proptest! {
    #![proptest_config(config())]

    /// The loader on a valid data set with hostile mutations: never panics, strict or lenient;
    /// every problem names a line of its file.
    #[test]
    fn csv_loader_survives_mutated_data(
        table in 0..64usize,
        mutations in proptest::collection::vec(mutation(), 1..6),
        lenient in any::<bool>(),
    ) {
        let mut files = seed().to_vec();
        let target = table % files.len();
        for m in &mutations {
            apply(&mut files[target].1, m);
        }
        let dir = tempfile::tempdir().expect("temp dir");
        write_all(dir.path(), &files);
        let options = LoadOptions { lenient, ..LoadOptions::default() };
        let max_line = files
            .iter()
            .map(|(_, b)| b.iter().filter(|c| **c == b'\n' || **c == b'\r').count() + 1)
            .max()
            .unwrap_or(1);
        match load(dir.path(), &options) {
            Ok(loaded) => well_placed(&loaded.warnings, max_line)?,
            Err(problems) => {
                prop_assert!(!problems.0.is_empty());
                well_placed(&problems.0, max_line)?;
            }
        }
    }

    /// `postsale.yaml` built from real and misspelt keys, odd values and indentation: never
    /// panics, and every problem points at a line of the file.
    #[test]
    fn config_parser_survives_hostile_yaml(
        lines in proptest::collection::vec(
            (0..3usize, proptest::sample::select(CONFIG_KEYS), config_value()),
            0..12,
        ),
        extra in piece(),
    ) {
        let mut text = String::new();
        for (indent, key, value) in &lines {
            text.push_str(&"  ".repeat(*indent));
            text.push_str(key);
            text.push_str(": ");
            text.push_str(value);
            text.push('\n');
        }
        text.push_str(&extra);
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(crate::config::FILE), &text).expect("write");
        if let Err(problems) = crate::config::load(dir.path()) {
            prop_assert!(!problems.0.is_empty());
            well_placed(&problems.0, editor_lines(&text))?;
        }
    }

    /// A report file (front matter and a body of Tera and component calls, hostile pieces
    /// between them): parsing, the component scan and the checks never panic, and every
    /// problem points at a line of the file.
    #[test]
    fn report_parser_survives_hostile_definitions(
        front in proptest::collection::vec(
            (proptest::sample::select(FRONT_KEYS), config_value()),
            0..6,
        ),
        body in proptest::collection::vec(
            prop_oneof![3 => proptest::sample::select(BODY_PIECES).prop_map(str::to_string), 2 => piece()],
            0..16,
        ),
        fenced in any::<bool>(),
    ) {
        let mut text = String::new();
        if fenced {
            text.push_str("---\n");
        }
        for (key, value) in &front {
            text.push_str(&format!("{key}: {value}\n"));
        }
        if fenced {
            text.push_str("---\n");
        }
        text.push_str(&body.concat());
        let lines = editor_lines(&text);
        if let Err(problems) = crate::report::parse(&text, "reports/x.md", "x", &[]) {
            prop_assert!(!problems.is_empty());
            well_placed(&problems, lines)?;
        }
        let (_, problems) = crate::report::component::scan(&body.concat(), "reports/x.md", 1);
        well_placed(&problems, lines)?;
    }

    /// Markdown escaping of values in report bodies: whatever a value holds, it comes out of the
    /// Markdown renderer as the same text (control characters as spaces), never as a link, an
    /// image, markup or a new block, and in a table it stays in its one cell.
    #[test]
    fn markdown_escaping_keeps_values_literal(parts in proptest::collection::vec(piece(), 0..8)) {
        let text = parts.concat();
        let escaped = crate::site::pages::markdown_escape(&text);
        let html = crate::site::pages::markdown(&format!("Name: {escaped} end"));
        let shown: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        prop_assert_eq!(html, format!("<p>Name: {shown} end</p>\n"));
        let table = crate::site::pages::markdown(&format!("| a | b |\n|---|---|\n| {escaped} | x |\n"));
        prop_assert_eq!(table.matches("<td").count(), 2, "{}", table);
        prop_assert!(!table.contains("<a ") && !table.contains("<img"), "{}", table);
    }

    /// Typst markup escaping: the escaped text reads back as the input (newlines and tabs as
    /// spaces), and no markup character is left unescaped.
    #[test]
    fn typst_escaping_keeps_text_literal(
        parts in proptest::collection::vec(piece(), 0..8),
    ) {
        let text = parts.concat();
        let escaped = crate::render::typst::escape(&text);
        let mut read = String::new();
        let mut chars = escaped.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let next = chars.next();
                prop_assert!(next.is_some_and(|n| TYPST_SPECIAL.contains(n)), "stray backslash in {escaped:?}");
                read.extend(next);
            } else {
                prop_assert!(!TYPST_SPECIAL.contains(c), "unescaped {c:?} in {escaped:?}");
                read.push(c);
            }
        }
        let expected: String = text
            .chars()
            .map(|c| if matches!(c, '\n' | '\r' | '\t') { ' ' } else { c })
            .collect();
        prop_assert_eq!(read, expected);
    }

    /// Typst string literals: the literal reads back as the input.
    #[test]
    fn typst_strings_keep_text_literal(parts in proptest::collection::vec(piece(), 0..8)) {
        let text = parts.concat();
        let literal = crate::render::typst::string(&text);
        prop_assert!(literal.starts_with('"') && literal.ends_with('"') && literal.len() >= 2);
        let inner = &literal[1..literal.len() - 1];
        let mut read = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('\\') => read.push('\\'),
                    Some('"') => read.push('"'),
                    Some('n') => read.push('\n'),
                    Some('r') => read.push('\r'),
                    Some('t') => read.push('\t'),
                    other => prop_assert!(false, "unknown escape {other:?} in {literal:?}"),
                },
                '"' => prop_assert!(false, "unescaped quote in {literal:?}"),
                c => read.push(c),
            }
        }
        prop_assert_eq!(read, text);
    }

    /// HTML escaping: no markup character survives, and unescaping gives the input back.
    #[test]
    fn html_escaping_keeps_text_literal(parts in proptest::collection::vec(piece(), 0..8)) {
        let text = parts.concat();
        let escaped = crate::site::components::escape(&text);
        prop_assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped:?}");
        let read = escaped
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        prop_assert_eq!(read, text);
    }
}

/// The characters Typst markup gives a meaning to (those `render::typst::escape` escapes).
const TYPST_SPECIAL: &str = "\\#*_$@<>[]`~/=-+'\".:";

/// Config keys, real, nested and misspelt.
const CONFIG_KEYS: &[&str] = &[
    "name",
    "currency",
    "fiscal_year_start",
    "as_of",
    "gross_margin",
    "acv_bands",
    "data_dir",
    "health",
    "weights",
    "bands",
    "green",
    "yellow",
    "usage",
    "renewals",
    "stage_weights",
    "early_days",
    "lenient",
    "targets",
    "nrr",
    "typst",
    "keep",
    "dates",
    "earliest",
    "latest",
    "gross_margn",
    "- item",
    "? complex",
    "<<",
    "&anchor",
];

/// Front matter keys, real and misspelt.
const FRONT_KEYS: &[&str] = &[
    "title", "cadence", "audience", "outputs", "pdf", "archive", "per", "period", "order", "nav",
    "cadense", "layout",
];

/// Body pieces: component calls (good and broken) and Tera syntax.
const BODY_PIECES: &[&str] = &[
    "{{ kpis(metrics=\"nrr, grr\") }}",
    "{{ kpis(metrics=\"nrrr\") }}",
    "{{ chart(type=\"line\", metrics=\"mrr\") }}",
    "{{ chart(type=\"pie\") }}",
    "{{ table(kind=\"accounts\", columns=\"name\") }}",
    "{{ period.label }}",
    "{{ entity.name }}",
    "{% for s in segments %}{{ s }}{% endfor %}",
    "{% if true %}",
    "{% endif %}",
    "{{ kpis(",
    "# Heading\n",
    "\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    "{# comment #}",
    "{% raw %}{{{% endraw %}",
];

/// A YAML value: scalars, flow collections, nothing, or a hostile piece.
fn config_value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "",
                "1",
                "-5",
                "13",
                "80",
                "0.5",
                "true",
                "null",
                "~",
                "USD",
                "usd",
                "april",
                "2026-11-01",
                "0206-03-01",
                "[10000, 50000]",
                "[50000, 10000]",
                "{ usage: 40 }",
                "{ green: 40, yellow: 60 }",
                "[html, pdf]",
                "monthly",
                "daily",
                "*anchor",
                "'quoted'",
                "\"unterminated",
                "|",
                ">",
                "{",
                "[",
            ][..]
        )
        .prop_map(str::to_string),
        piece(),
    ]
}
