//! The usage page: one standalone HTML file (the theme's stylesheet inlined, no script, no
//! external request) showing a computed `Usage`, so it can be opened from anywhere or copied
//! into the published site. Formatting only: every number comes from `super::Tally`.

use super::{Usage, WINDOWS};
use tera::escape_html as esc;

/// The page for `usage` of the project named `project`, styled with `css` (the theme's
/// `static/style.css`).
pub(crate) fn html(usage: &Usage, project: &str, css: &str) -> String {
    let mut rows = String::new();
    for r in &usage.reports {
        // A sunset candidate's last view in the site's "bad" colour.
        let class = if r.views_90 == 0 {
            " class=\"status-bad\""
        } else {
            ""
        };
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{title}<br><code>{file}</code></th>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td{class}>{last}</td></tr>\n",
            r.views_30,
            r.readers_30,
            r.views_90,
            r.readers_90,
            title = esc(&r.title),
            file = esc(&r.file),
            last = r
                .last_view
                .map_or_else(|| "never".to_string(), |d| d.to_string()),
        ));
    }
    let sunset = if usage.sunset.is_empty() {
        format!(
            "<p>Every report was viewed in the {} days before {}.</p>",
            WINDOWS[1], usage.as_of
        )
    } else {
        let items: String = usage
            .sunset
            .iter()
            .filter_map(|slug| usage.reports.iter().find(|r| &r.report == slug))
            .map(|r| {
                format!(
                    "<li><strong>{}</strong> (<code>{}</code>): {}</li>\n",
                    esc(&r.title),
                    esc(&r.file),
                    r.last_view.map_or_else(
                        || "never viewed in these logs".to_string(),
                        |d| format!("last viewed {d}")
                    )
                )
            })
            .collect();
        format!(
            "<p>No view in the {} days before {}: retire them, merge them into a report people \
             read, or ask their audience why.</p>\n<ul>\n{items}</ul>",
            WINDOWS[1], usage.as_of
        )
    };
    let coverage = coverage_note(usage)
        .map(|n| format!("<p class=\"table-note\">Note: {}</p>\n", esc(&n)))
        .unwrap_or_default();
    let logs = &usage.logs;
    let span = match (logs.first_day, logs.last_day) {
        (Some(a), Some(b)) => format!(", {a} to {b}"),
        _ => String::new(),
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Report usage · {project}</title>\n<style>\n{css}</style>\n</head>\n<body>\n\
         <header class=\"site-header\"><p class=\"brand\">{project}</p></header>\n\
         <main id=\"main\">\n<h1>Report usage</h1>\n\
         <p class=\"lede\">Views and readers of each report in the {w0} and {w1} days before \
         {as_of}, from the site's access logs.</p>\n\
         <div class=\"table-wrap\"><table class=\"data\">\n\
         <caption>Views and distinct readers per report, most read first</caption>\n\
         <thead><tr><th scope=\"col\">Report</th><th scope=\"col\" class=\"num\">Views, {w0} days</th>\
         <th scope=\"col\" class=\"num\">Readers, {w0} days</th><th scope=\"col\" class=\"num\">Views, {w1} days</th>\
         <th scope=\"col\" class=\"num\">Readers, {w1} days</th><th scope=\"col\">Last view</th></tr></thead>\n\
         <tbody>\n{rows}</tbody>\n</table></div>\n{coverage}\
         <h2>Sunset candidates</h2>\n{sunset}\n\
         <h2>What counts</h2>\n<p>A view is a successful GET (2xx except 206, or 304) of a report's \
         page or PDF by a client whose user agent does not say bot, crawler or spider; stylesheets, \
         images and CSV downloads are not views. A reader is the signed-in user when the log has \
         one, else one address with one browser. Site path: <code>{base}</code>.</p>\n\
         </main>\n<footer class=\"site-footer\"><p>{files}, {lines} ({malformed} not in log \
         format){span}; left out: {bots}, {after} from {as_of} on · built by postsale</p>\
         </footer>\n</body>\n</html>\n",
        project = esc(project),
        w0 = WINDOWS[0],
        w1 = WINDOWS[1],
        as_of = usage.as_of,
        base = esc(&usage.base_path),
        files = count(logs.files as u64, "log file"),
        lines = count(logs.lines, "line"),
        malformed = logs.malformed,
        bots = count(logs.bot_requests, "bot request"),
        after = count(logs.after_as_of, "view"),
    )
}

/// A note when the logs do not cover the whole 90-day window.
pub(crate) fn coverage_note(usage: &Usage) -> Option<String> {
    (usage.covered_days < WINDOWS[1]).then(|| {
        format!(
            "the logs cover {} of the {} days before {}: a report unread in them may have been \
             read before they start.",
            usage.covered_days, WINDOWS[1], usage.as_of
        )
    })
}

/// `n` and `word`, with an `s` unless `n` is 1: `1 log file`, `2 lines`.
pub(crate) fn count(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}
