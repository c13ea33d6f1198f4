//! Tables written straight to HTML, exactly as the default theme's table template renders them.

use super::*;

/// The theme file `table_html` stands in for.
pub const TABLE_TEMPLATE: &str = "templates/components/table.html";

/// A table exactly as the default theme's `components/table.html` renders it (a test compares
/// the two on tables with every kind of cell), written directly: values escaped as Tera's
/// autoescape does.
pub fn table_html(table: &Table) -> String {
    let mut out = String::with_capacity(256 + table.rows.len() * table.columns.len() * 48);
    // Each value escaped straight into the page, as `tera::escape_html` escapes it.
    let esc = push_tera_escaped;
    out.push_str("<div class=\"table-wrap\">\n<table class=\"data");
    if table.sortable {
        out.push_str(" sortable");
    }
    out.push_str("\">\n");
    if let Some(caption) = table.caption.as_deref().filter(|c| !c.is_empty()) {
        out.push_str("<caption>");
        esc(&mut out, caption);
        out.push_str("</caption>");
    }
    out.push_str("\n<thead><tr>");
    for c in &table.columns {
        out.push_str("<th scope=\"col\"");
        if c.numeric {
            out.push_str(" class=\"num\"");
        }
        out.push('>');
        esc(&mut out, &c.label);
        out.push_str("</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            out.push_str(if i == 0 { "<th scope=\"row\"" } else { "<td" });
            if let Some(class) = cell.class.as_deref().filter(|c| !c.is_empty()) {
                out.push_str(" class=\"");
                esc(&mut out, class);
                out.push('"');
            }
            if let Some(sort) = cell.sort.as_deref().filter(|c| !c.is_empty()) {
                out.push_str(" data-sort=\"");
                esc(&mut out, sort);
                out.push('"');
            }
            push_basis_attributes(&mut out, cell.basis, cell.judged_on);
            if let Some(title) = cell.title.as_deref().filter(|c| !c.is_empty()) {
                out.push_str(" title=\"");
                esc(&mut out, title);
                out.push('"');
            }
            out.push('>');
            if !cell.chips.is_empty() {
                out.push_str("<span class=\"chips\">");
                for c in &cell.chips {
                    out.push_str("<span class=\"chip chip-");
                    esc(&mut out, c.kind);
                    out.push_str("\">");
                    esc(&mut out, &c.text);
                    out.push_str("</span>");
                }
                out.push_str("</span>");
            } else {
                match cell.href.as_deref().filter(|c| !c.is_empty()) {
                    Some(href) => {
                        out.push_str("<a href=\"");
                        esc(&mut out, href);
                        out.push_str("\">");
                        esc(&mut out, &cell.text);
                        out.push_str("</a>");
                    }
                    None => esc(&mut out, &cell.text),
                }
            }
            out.push_str(if i == 0 { "</th>" } else { "</td>" });
        }
        out.push_str("</tr>\n");
    }
    if table.rows.is_empty() {
        out.push_str("<tr><td colspan=\"");
        out.push_str(&table.columns.len().to_string());
        out.push_str("\" class=\"empty\">Nothing to show for this period.</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>");
    for n in &table.notes {
        out.push_str("\n<p class=\"table-note\">");
        esc(&mut out, &n.text);
        if let Some((label, href)) = &n.link {
            out.push_str(" · <a href=\"");
            esc(&mut out, href);
            out.push_str("\">");
            esc(&mut out, label);
            out.push_str("</a>");
        }
        out.push_str("</p>");
    }
    out.push('\n');
    out
}

/// Appends `text` escaped exactly as `tera::escape_html` escapes it (`&`, `<`, `>`, `"`, `'`
/// and `/`), without a string of its own; text with nothing to escape is copied at once.
fn push_tera_escaped(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'', '/']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#x27;",
            _ => "&#x2F;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Appends the attributes of `basis_attributes`.
fn push_basis_attributes(out: &mut String, basis: Option<&str>, judged_on: Option<&str>) {
    if let Some(b) = basis {
        out.push_str(" data-basis=\"");
        out.push_str(b);
        out.push('"');
    }
    if let Some(j) = judged_on {
        out.push_str(" data-judged-on=\"");
        out.push_str(j);
        out.push('"');
    }
}

/// The ` data-basis="…" data-judged-on="…"` attributes of a rate (empty for other metrics), so
/// a test can check that every status compares values on one basis.
pub(super) fn basis_attributes(basis: Option<&str>, judged_on: Option<&str>) -> String {
    let mut out = String::new();
    push_basis_attributes(&mut out, basis, judged_on);
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
