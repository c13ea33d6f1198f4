//! The local HTTP server of `postsale serve`: serves the built output folder as it is on disk
//! (GET and HEAD only), with the right content types, `index.html` for folders and a 404 page;
//! refuses any path that could leave the folder; adds the live-reload script to HTML responses
//! (never to the files) and answers `/__postsale/version` with the build counter the script
//! polls. It does not build anything.

use anyhow::Context as _;
use std::io::Cursor;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tiny_http::{Header, Method, Request, Response, StatusCode};

/// The URL the live-reload script polls; it answers the build counter as text.
pub const VERSION_URL: &str = "/__postsale/version";

/// The live-reload script, with `__POSTSALE_VERSION__` standing for the page's build counter.
const LIVE_RELOAD: &str = include_str!("live_reload.html");

/// Threads answering requests (a page, its stylesheet and script, and the poll at once).
const THREADS: usize = 4;

/// Starts serving `root` on `bind:port` (port 0 picks a free port) in background threads and
/// returns the address actually bound. `version` is the build counter, raised after each
/// successful rebuild.
pub fn start(
    bind: IpAddr,
    port: u16,
    root: PathBuf,
    version: Arc<AtomicU64>,
) -> anyhow::Result<SocketAddr> {
    let server = tiny_http::Server::http(SocketAddr::new(bind, port))
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("failed to listen on {bind}:{port}"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .with_context(|| format!("failed to listen on {bind}:{port}"))?;
    let server = Arc::new(server);
    for _ in 0..THREADS {
        let server = Arc::clone(&server);
        let root = root.clone();
        let version = Arc::clone(&version);
        std::thread::spawn(move || {
            for request in server.incoming_requests() {
                let response = respond(&request, &root, version.load(Ordering::SeqCst));
                // The browser may have gone away; nothing to do about it.
                let _ = request.respond(response);
            }
        });
    }
    Ok(addr)
}

/// The response to one request.
fn respond(request: &Request, root: &Path, version: u64) -> Response<Cursor<Vec<u8>>> {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return with_header(
            text(405, "only GET and HEAD are served\n"),
            "Allow",
            "GET, HEAD",
        );
    }
    let url = request.url();
    let path = url.split(['?', '#']).next().unwrap_or("");
    if path == VERSION_URL {
        return text(200, &version.to_string());
    }
    let Some(rel) = request_path(path) else {
        return text(
            400,
            "bad request: the path is not a plain path inside the site\n",
        );
    };
    let mut file = root.join(&rel);
    if rel.is_empty() || rel.ends_with('/') {
        file.push("index.html");
    } else if file.is_dir() {
        // Relative links in the folder's index only work from `folder/`.
        return with_header(
            text(301, "moved: the folder's address ends with '/'\n"),
            "Location",
            &format!("{path}/"),
        );
    }
    match std::fs::read(&file) {
        Ok(bytes) => {
            let kind = content_type(&file);
            let body = if kind.starts_with("text/html") {
                inject(&String::from_utf8_lossy(&bytes), version).into_bytes()
            } else {
                bytes
            };
            page(200, kind, body)
        }
        Err(_) => page(
            404,
            "text/html; charset=utf-8",
            inject(&not_found(&rel), version).into_bytes(),
        ),
    }
}

/// `response` with the header `name: value` (left out if it is not valid header text).
fn with_header(
    response: Response<Cursor<Vec<u8>>>,
    name: &str,
    value: &str,
) -> Response<Cursor<Vec<u8>>> {
    match Header::from_bytes(name.as_bytes(), value.as_bytes()) {
        Ok(h) => response.with_header(h),
        Err(()) => response,
    }
}

fn page(status: u16, kind: &str, body: Vec<u8>) -> Response<Cursor<Vec<u8>>> {
    let response = Response::from_data(body).with_status_code(StatusCode(status));
    let response = with_header(response, "Content-Type", kind);
    with_header(response, "Cache-Control", "no-store")
}

fn text(status: u16, body: &str) -> Response<Cursor<Vec<u8>>> {
    page(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
    )
}

fn not_found(rel: &str) -> String {
    let shown: String = rel
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Not found</title></head>\n\
         <body>\n<h1>Not found</h1>\n<p>The site has no page <code>/{shown}</code>. \
         <a href=\"/\">Home</a></p>\n</body>\n</html>\n"
    )
}

/// The live-reload script for a page built as `version`, inserted before the last `</body>`
/// (or at the end of a page without one).
pub fn inject(html: &str, version: u64) -> String {
    let script = LIVE_RELOAD.replace("__POSTSALE_VERSION__", &version.to_string());
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}

/// The content type of a served file, by extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "csv" => "text/csv; charset=utf-8",
        "typ" | "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The path of a request inside the site, percent-decoded and relative (`""` for the root,
/// with the trailing `/` of a folder kept), or `None` for anything that is not a plain path
/// inside it: no leading `/`, bad percent-encoding, `..` or `.` segments (also encoded, as
/// `%2e%2e`), empty segments, hidden files, backslashes, NUL.
pub fn request_path(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    let decoded = percent_decode(rest)?;
    if decoded.is_empty() {
        return Some(String::new());
    }
    let (body, folder) = match decoded.strip_suffix('/') {
        Some(body) => (body, true),
        None => (decoded.as_str(), false),
    };
    for segment in body.split('/') {
        if segment.is_empty() || segment.starts_with('.') || segment.contains(['\\', '\0', ':']) {
            return None;
        }
    }
    Some(if folder {
        format!("{body}/")
    } else {
        body.to_string()
    })
}

/// Decodes `%XX` escapes; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_are_served_relative_to_the_site() {
        assert_eq!(request_path("/").as_deref(), Some(""));
        assert_eq!(request_path("/index.html").as_deref(), Some("index.html"));
        assert_eq!(request_path("/monthly/").as_deref(), Some("monthly/"));
        assert_eq!(
            request_path("/monthly/2026-03.html").as_deref(),
            Some("monthly/2026-03.html")
        );
        // Entity ids may need escaping in URLs.
        assert_eq!(
            request_path("/segments/Mid%20Market.html").as_deref(),
            Some("segments/Mid Market.html")
        );
    }

    #[test]
    fn paths_leaving_the_site_are_refused() {
        for bad in [
            "/../../etc/passwd",
            "/monthly/../../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%2f..%2fetc/passwd",
            "/./index.html",
            "/..",
            "//etc/passwd",
            "/a//b",
            "/..\\..\\etc\\passwd",
            "/%5c..%5cetc",
            "/index.html%00.css",
            "/C:/Windows",
            "/.git/config",
            "/%zz",
            "/%2",
            "/%ff",
            "etc/passwd",
            "http://example.com/",
        ] {
            assert_eq!(request_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type(Path::new("a/index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("assets/style.css")),
            "text/css; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("assets/site.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("c.svg")), "image/svg+xml");
        assert_eq!(content_type(Path::new("board.pdf")), "application/pdf");
        assert_eq!(content_type(Path::new("logo.PNG")), "image/png");
        assert_eq!(
            content_type(Path::new("board.typ")),
            "text/plain; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x")), "application/octet-stream");
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let page = inject("<html><body><p>x</p></BODY></html>", 7);
        let script = page.find("<script>").expect("script");
        assert!(script < page.find("</BODY>").expect("body end"));
        assert!(page.contains("var version = \"7\""));
        assert!(page.ends_with("</BODY></html>"));
        // A fragment without a body gets it at the end.
        assert!(inject("<p>x</p>", 1).starts_with("<p>x</p><script>"));
    }
}
