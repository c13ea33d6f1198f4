//! Typst source for the PDFs: report Markdown (pulldown-cmark events) to Typst markup, component
//! values (`crate::render::block`) to calls of the theme's Typst functions
//! (`themes/default/typst/postsale.typ`), and the escaping of every string that comes from data or
//! config. Prose is escaped character by character; data goes into Typst string literals. This
//! module writes text only; running the `typst` program is `crate::site::pdf`.

use crate::render::block::{Block, Change, Table};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Escapes text for Typst markup: every character with a meaning in markup gets a backslash, so
/// the text prints literally.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '#' | '*' | '_' | '$' | '@' | '<' | '>' | '[' | ']' | '`' | '~' | '/' | '='
            | '-' | '+' | '\'' | '"' | '.' | ':' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Typst string literal holding `text` exactly.
pub(crate) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn optional(text: Option<&str>) -> String {
    text.map_or_else(|| "none".to_string(), string)
}

/// The SVG files a Typst source refers to, named relative to the source's folder.
#[derive(Debug, Default)]
pub(crate) struct Assets {
    /// The folder of the images, relative to the `.typ` (e.g. `2026-Q3`).
    pub(crate) dir: String,
    /// (path relative to the `.typ`, bytes).
    pub(crate) files: Vec<(String, Vec<u8>)>,
    /// Where the charts are shown: a slide or full page, or a column of the one-pager.
    pub(crate) frame: crate::render::charts::PdfFrame,
}

impl Assets {
    /// Stores an SVG and returns the `image(...)` call that shows it.
    fn image(&mut self, svg: &str, alt: &str, extra: &str) -> String {
        let path = format!("{}/chart-{}.svg", self.dir, self.files.len() + 1);
        self.files.push((path.clone(), svg.as_bytes().to_vec()));
        format!("image({}, alt: {}{extra})", string(&path), string(alt))
    }
}

fn table(t: &Table) -> String {
    let columns: Vec<String> = t.columns.iter().map(|c| string(&c.label)).collect();
    let numeric: Vec<&str> = t
        .columns
        .iter()
        .map(|c| if c.numeric { "true" } else { "false" })
        .collect();
    let rows: Vec<String> = t
        .rows
        .iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .map(|c| format!("({}, {})", string(&c.text), optional(c.status())))
                .collect();
            format!("  ({},),\n", cells.join(", "))
        })
        .collect();
    // Notes under the table (a truncation notice, a footnote) in small grey type; a PDF names
    // the full list but cannot link to the site's page.
    let notes: String = t
        .notes
        .iter()
        .map(|n| {
            let words = match &n.link {
                Some((label, _)) => format!("{} · {label}", n.text),
                None => n.text.clone(),
            };
            format!(
                "#block(text(size: 0.85em, fill: luma(90), {}))\n",
                string(&words)
            )
        })
        .collect();
    format!(
        "#data-table(caption: {}, ({},), ({},), (\n{}));\n{notes}",
        optional(t.caption.as_deref()),
        columns.join(", "),
        numeric.join(", "),
        rows.concat()
    )
}

/// "What changed" lines as a Typst array of dictionaries.
fn change_items(changes: &[Change]) -> String {
    let items: Vec<String> = changes
        .iter()
        .map(|c| {
            format!(
                "  (name: {}, verb: {}, change: {}, value: {}, previous: {}, status: {}, movement: {}),\n",
                string(&c.name),
                string(c.verb),
                string(&c.change),
                string(&c.value),
                string(&c.previous),
                string(c.status),
                string(c.movement)
            )
        })
        .collect();
    format!("(\n{})", items.concat())
}

/// A component value as a call of the theme's Typst functions; images go to `assets`.
pub(crate) fn block(b: &Block, assets: &mut Assets) -> String {
    match b {
        Block::Tiles(tiles) => {
            let items: Vec<String> = tiles
                .iter()
                .map(|t| {
                    format!(
                        "  (name: {}, value: {}, aside: {}, status: {}, status-label: {}, target: {}, sample: {}, change: {}, change-year: {}, previous: {}, year-ago: {}, spark: {}),\n",
                        string(&t.name),
                        string(&t.value),
                        optional(t.aside.as_deref()),
                        string(t.status),
                        string(t.status_label),
                        optional(t.target.as_deref()),
                        optional(t.sample.as_deref()),
                        string(&t.change),
                        string(&t.change_year),
                        string(&t.previous_label),
                        string(&t.year_ago_label),
                        assets.image(&t.sparkline, &format!("{} trend", t.name), ", height: 2em"),
                    )
                })
                .collect();
            format!("#tiles((\n{}));\n", items.concat())
        }
        Block::Inline { text, status, .. } => {
            format!("#value({}, {});", string(text), string(status))
        }
        Block::Figure(f) => {
            let svg =
                crate::render::charts::pdf_svg(&f.chart, &f.id, &f.title, &f.alt, assets.frame);
            format!(
                "#chart({}, {});\n",
                assets.image(&svg, &f.alt, ""),
                string(&f.title)
            )
        }
        Block::Table(t) => table(t),
        Block::Changes(changes) => format!("#changes({});\n", change_items(changes)),
        Block::Snapshot { facts, risks } => {
            let items: Vec<String> = facts
                .iter()
                .map(|f| {
                    format!(
                        "  (label: {}, value: {}, status: {}),\n",
                        string(f.label),
                        string(&f.value),
                        optional(f.status)
                    )
                })
                .collect();
            let risks = match risks {
                Some(risks) => format!(
                    "({})",
                    risks
                        .iter()
                        .map(|r| format!("{},", string(r)))
                        .collect::<String>()
                ),
                None => "none".into(),
            };
            format!("#snapshot((\n{}), {risks});\n", items.concat())
        }
        Block::Attention(a) => {
            let windows: Vec<String> = a
                .windows
                .iter()
                .map(|w| {
                    format!(
                        "  (label: {}, value: {}, status: {}),\n",
                        string(&w.label),
                        string(&w.value),
                        optional(w.status)
                    )
                })
                .collect();
            let risks: Vec<String> = a
                .risks
                .iter()
                .map(|r| {
                    let reasons: String = r.reasons.iter().map(|x| string(x) + ",").collect();
                    // The tracked action (or "no action") on a second line under the due date,
                    // beside the reasons, which usually take two lines anyway.
                    let due = match &r.action {
                        Some(chip) => format!("{}\n{}", r.due, chip.text),
                        None => r.due.clone(),
                    };
                    // The churn score under the account's name, in the site's words; red for
                    // the riskiest tenth.
                    format!(
                        "  (account: {}, csm: {}, arr: {}, due: {}, overdue: {}, reasons: ({reasons}), churn: {}, churn-bad: {}),\n",
                        string(&r.account),
                        string(&r.csm),
                        string(&r.arr),
                        string(&due),
                        r.overdue,
                        optional(r.churn.as_ref().map(|c| c.text.as_str())),
                        r.churn.as_ref().is_some_and(|c| c.kind == "bad")
                    )
                })
                .collect();
            // "N of M at-risk accounts have no owned action" in small type under the block.
            let note = a.actions_note.as_ref().map_or(String::new(), |n| {
                format!(
                    "#block(text(size: 0.85em, fill: luma(90), {}))\n",
                    string(n)
                )
            });
            format!(
                "#attention({}, (\n{}), (\n{}), {}, {});\n{note}",
                string(&a.as_of),
                windows.concat(),
                risks.concat(),
                string(&a.risks_caption),
                change_items(&a.changes)
            )
        }
    }
}

/// How a source writes the report's top-level sections.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Sections<'a> {
    /// Level-1 headings stay Typst headings (`= Retention`).
    Headings,
    /// The level-1 sections are one call of the theme's `slides(((name, takeaway, body), ...))`,
    /// which places them on the deck's slides; the n-th section gets the n-th takeaway as its
    /// title (none: the heading is the title).
    Slides(&'a [Option<String>]),
}

/// Converts report Markdown to Typst markup. Component placeholders (`open` hex `close`) in the
/// text are handed to `component`, which returns their Typst code; `sections` says how
/// level-1 sections are written.
pub(crate) fn markdown<E>(
    text: &str,
    (open, close): (char, char),
    sections: Sections<'_>,
    component: &mut dyn FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut out = String::with_capacity(text.len() * 2);
    let mut lists: Vec<bool> = Vec::new();
    // The number of slides opened so far (`Sections::Slides`).
    let mut slides = 0;
    let mut pending = String::new();
    let mut flush = |pending: &mut String, out: &mut String| -> Result<(), E> {
        let mut rest = pending.as_str();
        while let Some(start) = rest.find(open) {
            let Some(len) = rest[start..].find(close) else {
                break;
            };
            out.push_str(&escape(&rest[..start]));
            out.push_str(&component(&rest[start + open.len_utf8()..start + len])?);
            rest = &rest[start + len + close.len_utf8()..];
        }
        out.push_str(&escape(rest));
        pending.clear();
        Ok(())
    };
    for event in Parser::new_ext(text, options) {
        if let Event::Text(t) = &event {
            pending.push_str(t);
            continue;
        }
        flush(&mut pending, &mut out)?;
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading {
                    level: HeadingLevel::H1,
                    ..
                } if matches!(sections, Sections::Slides(_)) => {
                    out.push_str(if slides == 0 {
                        "\n#slides((\n(["
                    } else {
                        "]),\n(["
                    });
                    slides += 1;
                }
                Tag::Heading { level, .. } => {
                    out.push('\n');
                    out.push_str(&"=".repeat(level as usize));
                    out.push(' ');
                }
                Tag::Emphasis => out.push_str("#emph["),
                Tag::Strong => out.push_str("#strong["),
                Tag::Strikethrough => out.push_str("#strike["),
                Tag::BlockQuote(_) => out.push_str("#quote(block: true)["),
                Tag::List(first) => {
                    lists.push(first.is_some());
                    out.push('\n');
                }
                Tag::Item => {
                    out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                    out.push_str(if lists.last() == Some(&true) {
                        "+ "
                    } else {
                        "- "
                    });
                }
                Tag::Table(aligns) => {
                    out.push_str(&format!("#table(columns: {}, ", aligns.len().max(1)));
                }
                Tag::TableCell => out.push('['),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(HeadingLevel::H1) if matches!(sections, Sections::Slides(_)) => {
                    let takeaway = match sections {
                        Sections::Slides(titles) => titles.get(slides - 1).cloned().flatten(),
                        Sections::Headings => None,
                    };
                    out.push_str(&format!("], {}, [\n", optional(takeaway.as_deref())));
                }
                TagEnd::Paragraph | TagEnd::Heading(_) => out.push_str("\n\n"),
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => out.push(']'),
                TagEnd::BlockQuote(_) => out.push_str("]\n\n"),
                TagEnd::List(_) => {
                    lists.pop();
                    out.push('\n');
                }
                TagEnd::Item => out.push('\n'),
                TagEnd::TableCell => out.push_str("], "),
                TagEnd::Table => out.push_str(")\n\n"),
                _ => {}
            },
            Event::Code(code) => out.push_str(&format!("#raw({});", string(&code))),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push_str(" \\\n"),
            Event::Rule => out.push_str("#divider()\n\n"),
            Event::Html(html) | Event::InlineHtml(html) => out.push_str(&escape(&html)),
            _ => {}
        }
    }
    flush(&mut pending, &mut out)?;
    if slides > 0 {
        out.push_str("]),\n))\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::block::{Column, TableCell};

    const HOSTILE: &[&str] = &[
        "#read(\"/etc/passwd\")",
        "*bold*",
        "$x$",
        "@ref",
        "<label>",
        "back\\slash \"quoted\"",
        "_under_ `code` [link] ~ = - + 1. a/b",
    ];

    #[test]
    fn escaped_markup_has_no_unescaped_special_character() {
        for text in HOSTILE {
            let escaped = escape(text);
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    // Every backslash escapes the next character.
                    assert!(chars.next().is_some(), "{escaped}");
                } else {
                    assert!(!"#*_$@<>[]`~/=-+'\"\\".contains(c), "{text} -> {escaped}");
                }
            }
        }
        assert_eq!(escape("#read()"), "\\#read()");
    }

    #[test]
    fn values_in_report_prose_print_as_text() {
        // A body's values are escaped for Markdown (`site::pages::markdown_escape`); the
        // Markdown parser gives them back as text, which is escaped for Typst markup.
        for value in HOSTILE.iter().copied().chain([
            "]",
            "a ] b [",
            "#set text(red)",
            "//comment",
            "/* c */",
            "\\",
            "==",
        ]) {
            let body = format!(
                "{}\n\n# {}\n\n| a |\n|---|\n| {} |\n",
                crate::site::pages::markdown_escape(value),
                crate::site::pages::markdown_escape(value),
                crate::site::pages::markdown_escape(value),
            );
            let typ = markdown(
                &body,
                ('\u{E000}', '\u{E001}'),
                Sections::Headings,
                &mut |_: &str| Ok::<_, ()>(String::new()),
            )
            .expect("converts");
            let text = escape(value);
            assert_eq!(
                typ,
                format!("{text}\n\n\n= {text}\n\n#table(columns: 1, [a], [{text}], )\n\n"),
                "{value}"
            );
        }
        assert_eq!(escape("a ] b"), "a \\] b");
        assert_eq!(escape("$x$"), "\\$x\\$");
    }

    #[test]
    fn string_literals_escape_backslashes_and_quotes_only() {
        // `#read("/etc/passwd")` stays text inside a literal: only the quotes need a backslash.
        assert_eq!(
            string("#read(\"/etc/passwd\")"),
            "\"#read(\\\"/etc/passwd\\\")\""
        );
        assert_eq!(string("a\\b\nc"), "\"a\\\\b\\nc\"");
        assert_eq!(
            string("$x$ @ref <label> *bold*"),
            "\"$x$ @ref <label> *bold*\""
        );
    }

    #[test]
    fn markdown_becomes_markup_with_components_in_place() {
        let text = "# Retention\n\nNRR is \u{E000}41\u{E001}, *up*.\n\n- one\n- two\n";
        let typ = markdown(
            text,
            ('\u{E000}', '\u{E001}'),
            Sections::Headings,
            &mut |hex: &str| Ok::<_, ()>(format!("#value({}, \"good\");", string(hex))),
        )
        .expect("converts");
        assert_eq!(
            typ,
            "\n= Retention\n\nNRR is #value(\"41\", \"good\");, #emph[up]\\.\n\n\n- one\n- two\n\n"
        );
    }

    #[test]
    fn tables_and_images_are_calls_with_literals() {
        let mut assets = Assets {
            dir: "2026-Q3".into(),
            ..Assets::default()
        };
        let t = Table {
            caption: None,
            columns: vec![Column {
                label: "account".into(),
                numeric: false,
            }],
            rows: vec![vec![TableCell {
                text: "<label>".into(),
                class: Some("status-bad".into()),
                ..TableCell::default()
            }]],
            sortable: true,
            notes: Vec::new(),
        };
        assert_eq!(
            block(&Block::Table(t.clone()), &mut assets),
            "#data-table(caption: none, (\"account\",), (false,), (\n  ((\"<label>\", \"bad\"),),\n));\n"
        );
        // A truncated table says so under it, naming (not linking) the full list.
        let mut t = t;
        t.notes.push(crate::render::block::TableNote {
            text: "Showing 1 of 3 accounts".into(),
            link: Some(("all accounts".into(), "accounts/index.html".into())),
        });
        assert!(
            block(&Block::Table(t), &mut assets).ends_with(
                "));\n#block(text(size: 0.85em, fill: luma(90), \"Showing 1 of 3 accounts · all accounts\"))\n"
            )
        );
        let fig = crate::render::block::Figure {
            chart: crate::render::charts::Chart::Sparkline {
                values: vec![Some(1.0), Some(2.0)],
                tone: crate::render::charts::Tone::Neutral,
            },
            id: "chart-1".into(),
            html: String::new(),
            title: "MRR".into(),
            alt: "MRR by month".into(),
            table: Table::default(),
        };
        assert_eq!(
            block(&Block::Figure(Box::new(fig)), &mut assets),
            "#chart(image(\"2026-Q3/chart-1.svg\", alt: \"MRR by month\"), \"MRR\");\n"
        );
        assert_eq!(assets.files[0].0, "2026-Q3/chart-1.svg");
    }

    #[test]
    fn changes_carry_whether_the_move_is_good_news_and_rules_become_dividers() {
        let change = crate::render::block::Change {
            name: "Churned MRR".into(),
            href: String::new(),
            verb: "rose",
            change: "549.7%".into(),
            value: "$45,480".into(),
            previous: "$7,000".into(),
            status: "neutral",
            movement: "bad",
        };
        assert_eq!(
            block(&Block::Changes(vec![change]), &mut Assets::default()),
            "#changes((\n  (name: \"Churned MRR\", verb: \"rose\", change: \"549.7%\", value: \"$45,480\", previous: \"$7,000\", status: \"neutral\", movement: \"bad\"),\n));\n"
        );
        // A thematic break is the theme's divider: a rule, or the one-pager's column break.
        let typ = markdown(
            "a\n\n---\n\nb\n",
            ('\u{E000}', '\u{E001}'),
            Sections::Headings,
            &mut |_: &str| Ok::<_, ()>(String::new()),
        )
        .expect("converts");
        assert_eq!(typ, "a\n\n#divider()\n\nb\n\n");
    }

    #[test]
    fn the_attention_block_is_one_call_with_its_windows_risks_and_changes() {
        use crate::render::block::{Attention, RiskRow, Window};
        let a = Attention {
            as_of: "as of 2026-11-01".into(),
            windows: vec![Window {
                label: "2 renewals overdue".into(),
                value: "$12,001".into(),
                status: Some("bad"),
            }],
            risks: vec![RiskRow {
                account: "Acme \"A\"".into(),
                account_href: Some("accounts/A.html".into()),
                csm: "Kai".into(),
                csm_href: None,
                arr: "$12,001".into(),
                due: "overdue 15 days (due 2026-10-17)".into(),
                overdue: true,
                reasons: vec!["flagged at risk (budget)".into(), "red health".into()],
                action: Some(crate::render::block::Chip {
                    text: "no action".into(),
                    kind: "bad",
                }),
                churn: Some(crate::render::block::Chip {
                    text: "churn risk 41.2% in 90 days".into(),
                    kind: "bad",
                }),
                churn_factors: String::new(),
            }],
            risks_caption: "The 1 open renewal at risk".into(),
            actions_note: Some("1 of 1 at-risk account has no owned action.".into()),
            changes: Vec::new(),
        };
        assert_eq!(
            block(&Block::Attention(a), &mut Assets::default()),
            "#attention(\"as of 2026-11-01\", (\n  (label: \"2 renewals overdue\", value: \"$12,001\", status: \"bad\"),\n), (\n  (account: \"Acme \\\"A\\\"\", csm: \"Kai\", arr: \"$12,001\", due: \"overdue 15 days (due 2026-10-17)\\nno action\", overdue: true, reasons: (\"flagged at risk (budget)\",\"red health\",), churn: \"churn risk 41.2% in 90 days\", churn-bad: true),\n), \"The 1 open renewal at risk\", (\n));\n#block(text(size: 0.85em, fill: luma(90), \"1 of 1 at-risk account has no owned action.\"))\n"
        );
    }
}

#[cfg(test)]
mod deck_tests {
    use super::*;
    use crate::render::block::Tile;

    #[test]
    fn deck_sections_become_one_slides_call_titled_with_their_takeaways() {
        let text = "Intro.\n\n# Retention\n\nNRR *fell*.\n\n## Detail\n\n# Cohorts\n\nMore.\n";
        let titles = [Some("NRR fell 6.0 pts to 97.0%".to_string()), None];
        let typ = markdown(
            text,
            ('\u{E000}', '\u{E001}'),
            Sections::Slides(&titles),
            &mut |_: &str| Ok::<_, ()>(String::new()),
        )
        .expect("converts");
        assert_eq!(
            typ,
            "Intro\\.\n\n\n#slides((\n([Retention], \"NRR fell 6.0 pts to 97.0%\", [\nNRR #emph[fell]\\.\n\n\n== Detail\n\n]),\n([Cohorts], none, [\nMore\\.\n\n]),\n))\n"
        );
    }

    #[test]
    fn a_survey_tile_carries_its_sample_note() {
        let tile = Tile {
            name: "Net Promoter Score".into(),
            metric: "nps",
            period: "2026-10".into(),
            basis: None,
            judged_on: None,
            why_neutral: None,
            aside: None,
            change_title: None,
            href: String::new(),
            value: "10".into(),
            status: "neutral",
            status_label: "",
            target: Some("40".into()),
            change: "-8 pts".into(),
            change_year: "-40 pts".into(),
            previous_label: "previous".into(),
            year_ago_label: "a year ago".into(),
            sample: Some("small sample (n = 20)".into()),
            sparkline: "<svg/>".into(),
        };
        let typ = block(&Block::Tiles(vec![tile]), &mut Assets::default());
        assert!(
            typ.contains("target: \"40\", sample: \"small sample (n = 20)\", change: \"-8 pts\""),
            "{typ}"
        );
    }
}
