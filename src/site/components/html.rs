//! Tables written straight to HTML, exactly as the default theme's table template renders them.

use super::*;

/// The theme file `table_html` stands in for.
pub const TABLE_TEMPLATE: &str = "templates/components/table.html";

/// A table exactly as the default theme's `components/table.html` renders it (a test compares
/// the two on tables with every kind of cell), written directly: values escaped as Tera's
/// autoescape does.
pub fn table_html(table: &Table) -> String {
    use std::fmt::Write;
    let esc = tera::escape_html;
    let mut out = String::with_capacity(256 + table.rows.len() * table.columns.len() * 48);
    out.push_str("<div class=\"table-wrap\">\n<table class=\"data");
    if table.sortable {
        out.push_str(" sortable");
    }
    out.push_str("\">\n");
    if let Some(caption) = table.caption.as_deref().filter(|c| !c.is_empty()) {
        let _ = write!(out, "<caption>{}</caption>", esc(caption));
    }
    out.push_str("\n<thead><tr>");
    for c in &table.columns {
        out.push_str("<th scope=\"col\"");
        if c.numeric {
            out.push_str(" class=\"num\"");
        }
        let _ = write!(out, ">{}</th>", esc(&c.label));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            out.push_str(if i == 0 { "<th scope=\"row\"" } else { "<td" });
            if let Some(class) = cell.class.as_deref().filter(|c| !c.is_empty()) {
                let _ = write!(out, " class=\"{}\"", esc(class));
            }
            if let Some(sort) = cell.sort.as_deref().filter(|c| !c.is_empty()) {
                let _ = write!(out, " data-sort=\"{}\"", esc(sort));
            }
            out.push_str(&basis_attributes(cell.basis, cell.judged_on));
            if let Some(title) = cell.title.as_deref().filter(|c| !c.is_empty()) {
                let _ = write!(out, " title=\"{}\"", esc(title));
            }
            out.push('>');
            if !cell.chips.is_empty() {
                out.push_str("<span class=\"chips\">");
                for c in &cell.chips {
                    let _ = write!(
                        out,
                        "<span class=\"chip chip-{}\">{}</span>",
                        esc(c.kind),
                        esc(&c.text)
                    );
                }
                out.push_str("</span>");
            } else {
                match cell.href.as_deref().filter(|c| !c.is_empty()) {
                    Some(href) => {
                        let _ = write!(out, "<a href=\"{}\">{}</a>", esc(href), esc(&cell.text));
                    }
                    None => out.push_str(&esc(&cell.text)),
                }
            }
            out.push_str(if i == 0 { "</th>" } else { "</td>" });
        }
        out.push_str("</tr>\n");
    }
    if table.rows.is_empty() {
        let _ = writeln!(
            out,
            "<tr><td colspan=\"{}\" class=\"empty\">Nothing to show for this period.</td></tr>",
            table.columns.len()
        );
    }
    out.push_str("</tbody>\n</table>\n</div>");
    for n in &table.notes {
        let _ = write!(out, "\n<p class=\"table-note\">{}", esc(&n.text));
        if let Some((label, href)) = &n.link {
            let _ = write!(out, " · <a href=\"{}\">{}</a>", esc(href), esc(label));
        }
        out.push_str("</p>");
    }
    out.push('\n');
    out
}

/// The ` data-basis="…" data-judged-on="…"` attributes of a rate (empty for other metrics), so
/// a test can check that every status compares values on one basis.
pub(super) fn basis_attributes(basis: Option<&str>, judged_on: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(b) = basis {
        out.push_str(&format!(" data-basis=\"{b}\""));
    }
    if let Some(j) = judged_on {
        out.push_str(&format!(" data-judged-on=\"{j}\""));
    }
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
