//! The local HTTP server of `postsale serve`: serves the built output folder as it is on disk
//! (GET and HEAD only), with the right content types, `index.html` for folders and a 404 page;
//! refuses any path that could leave the folder; adds the live-reload script to HTML responses
//! (never to the files) and answers `/__postsale/version` with the build counter the script
//! polls. It does not build anything.
//!
//! A small HTTP/1.1 server on `std::net`, bounded so that no client can hold it: a fixed number
//! of threads (one accepting, one reading request heads, [`Limits::workers`] answering), at most
//! [`Limits::max_open`] connections waiting for their request head (the oldest is closed when a
//! new one would pass the bound), a deadline for the whole request head and a size limit on it,
//! and a deadline for writing the response. Every connection answers one request and is closed
//! (`Connection: close`). Only requests naming this server in their `Host` header are answered,
//! so a web page cannot read the site through a name of its own that resolves to this machine
//! (DNS rebinding).

use anyhow::Context as _;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The URL the live-reload script polls; it answers the build counter as text.
pub const VERSION_URL: &str = "/__postsale/version";

/// The live-reload script, with `__POSTSALE_VERSION__` standing for the page's build counter.
const LIVE_RELOAD: &str = include_str!("live_reload.html");

/// The bounds of the server: threads, open connections, time and size of a request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Threads answering requests (a page, its stylesheet and script, and the poll at once).
    pub(crate) workers: usize,
    /// Connections waiting for their request head (or for a free worker); beyond this the
    /// oldest is closed with 503.
    pub(crate) max_open: usize,
    /// Time a client has from connecting to the end of its request head (408 after it).
    pub(crate) head_timeout: Duration,
    /// Size of a request head (request line and headers; 431 beyond it).
    pub(crate) head_bytes: usize,
    /// Time one write of the response may block.
    pub(crate) write_timeout: Duration,
    /// Time the whole response may take to send.
    pub(crate) write_deadline: Duration,
    /// Pause of the head reader when no connection made progress.
    pub(crate) poll: Duration,
}

impl Limits {
    /// The bounds of `postsale serve`.
    pub(crate) const SERVE: Limits = Limits {
        workers: 4,
        max_open: 256,
        head_timeout: Duration::from_secs(5),
        head_bytes: 16 * 1024,
        write_timeout: Duration::from_secs(5),
        write_deadline: Duration::from_secs(60),
        poll: Duration::from_millis(5),
    };
}

/// Listens on `bind:port` (port 0 picks a free port), then serves `root` in background threads
/// and returns the address actually bound. `version` is the build counter, raised after each
/// successful rebuild. Fails at once when the address cannot be bound (a port in use).
pub fn start(
    bind: IpAddr,
    port: u16,
    root: PathBuf,
    version: Arc<AtomicU64>,
) -> anyhow::Result<SocketAddr> {
    start_with(bind, port, root, version, Limits::SERVE)
}

/// [`start`] with other bounds (the tests use short ones).
pub(crate) fn start_with(
    bind: IpAddr,
    port: u16,
    root: PathBuf,
    version: Arc<AtomicU64>,
    limits: Limits,
) -> anyhow::Result<SocketAddr> {
    let listener = TcpListener::bind(SocketAddr::new(bind, port))
        .with_context(|| format!("failed to listen on {}", SocketAddr::new(bind, port)))?;
    let addr = listener
        .local_addr()
        .with_context(|| format!("failed to listen on {}", SocketAddr::new(bind, port)))?;
    let site = Arc::new(Site {
        root,
        version,
        bind: addr.ip(),
        port: addr.port(),
    });
    let (accepted, incoming) = std::sync::mpsc::channel::<TcpStream>();
    let (jobs, queue) = std::sync::mpsc::sync_channel::<Job>(limits.workers * 4);
    let queue = Arc::new(Mutex::new(queue));
    for n in 0..limits.workers {
        let queue = Arc::clone(&queue);
        let site = Arc::clone(&site);
        spawn(&format!("postsale-http-{n}"), move || {
            work(&queue, &site, &limits)
        })?;
    }
    spawn("postsale-http-read", move || {
        read_heads(&incoming, &jobs, &limits)
    })?;
    spawn("postsale-http-accept", move || accept(&listener, &accepted))?;
    Ok(addr)
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> anyhow::Result<()> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(f)
        .map(drop)
        .with_context(|| format!("failed to start the server thread {name}"))
}

/// What the server serves and the names it answers to.
struct Site {
    root: PathBuf,
    version: Arc<AtomicU64>,
    /// The address bound (maybe unspecified, `0.0.0.0` or `::`).
    bind: IpAddr,
    /// The port bound.
    port: u16,
}

/// A request head: what the server reads of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Head {
    method: String,
    target: String,
    /// The `Host` header, if there was exactly one.
    host: Option<String>,
}

/// A connection whose request head was read, for a worker.
struct Job {
    stream: TcpStream,
    head: Head,
}

/// A connection waiting for the rest of its request head, or for a free worker.
struct Pending {
    stream: TcpStream,
    bytes: Vec<u8>,
    since: Instant,
    head: Option<Head>,
}

/// The accept loop: hands every connection to the head reader. A failed accept (too many open
/// files) pauses briefly rather than spinning; the loop ends with the reader.
fn accept(listener: &TcpListener, accepted: &std::sync::mpsc::Sender<TcpStream>) {
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                if accepted.send(stream).is_err() {
                    return;
                }
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// The head reader: one thread reads every waiting connection without blocking, passes the
/// complete heads to the workers and closes the connections that are too slow, too large, or
/// the oldest beyond [`Limits::max_open`].
fn read_heads(incoming: &Receiver<TcpStream>, jobs: &SyncSender<Job>, limits: &Limits) {
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let add = |pending: &mut VecDeque<Pending>, stream: TcpStream| {
        if stream.set_nonblocking(true).is_ok() {
            pending.push_back(Pending {
                stream,
                bytes: Vec::new(),
                since: Instant::now(),
                head: None,
            });
        }
    };
    loop {
        if pending.is_empty() {
            match incoming.recv() {
                Ok(stream) => add(&mut pending, stream),
                Err(_) => return,
            }
        }
        while let Ok(stream) = incoming.try_recv() {
            add(&mut pending, stream);
        }
        while pending.len() > limits.max_open {
            if let Some(oldest) = pending.pop_front() {
                refuse(oldest.stream, 503, "busy: too many open connections\n");
            }
        }
        let mut progress = false;
        let mut waiting = VecDeque::with_capacity(pending.len());
        for mut p in pending.drain(..) {
            if p.head.is_none() {
                match read_head(&mut p, limits, &mut progress) {
                    Progress::Waiting => {
                        waiting.push_back(p);
                        continue;
                    }
                    Progress::Gone => continue,
                    Progress::Refuse(status, text) => {
                        refuse(p.stream, status, text);
                        continue;
                    }
                    Progress::Ready(head) => p.head = Some(head),
                }
            }
            let Some(head) = p.head.take() else { continue };
            match jobs.try_send(Job {
                stream: p.stream,
                head,
            }) {
                Ok(()) => progress = true,
                Err(TrySendError::Full(job)) => waiting.push_back(Pending {
                    stream: job.stream,
                    bytes: Vec::new(),
                    since: p.since,
                    head: Some(job.head),
                }),
                Err(TrySendError::Disconnected(_)) => return,
            }
        }
        pending = waiting;
        if !progress && !pending.is_empty() {
            std::thread::sleep(limits.poll);
        }
    }
}

/// Where the reading of a request head stands.
enum Progress {
    /// More bytes are needed.
    Waiting,
    /// The client closed the connection (or it failed).
    Gone,
    /// The head is complete.
    Ready(Head),
    /// The request is refused with this status and text.
    Refuse(u16, &'static str),
}

/// Reads what `p`'s client has sent so far, without blocking.
fn read_head(p: &mut Pending, limits: &Limits, progress: &mut bool) -> Progress {
    let mut buf = [0u8; 4096];
    loop {
        match p.stream.read(&mut buf) {
            Ok(0) => return Progress::Gone,
            Ok(n) => {
                *progress = true;
                p.bytes.extend_from_slice(&buf[..n]);
                match head_end(&p.bytes) {
                    Some(end) if end <= limits.head_bytes => {
                        return match parse_head(&p.bytes[..end]) {
                            Some(head) => Progress::Ready(head),
                            None => {
                                Progress::Refuse(400, "bad request: not an HTTP/1 request head\n")
                            }
                        };
                    }
                    None if p.bytes.len() <= limits.head_bytes => {}
                    _ => return Progress::Refuse(431, "request head too large\n"),
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => return Progress::Gone,
        }
    }
    if p.since.elapsed() > limits.head_timeout {
        return Progress::Refuse(
            408,
            "request timeout: the request head did not arrive in time\n",
        );
    }
    Progress::Waiting
}

/// The length of the request head in `bytes` (up to and without its empty line), once the
/// empty line (CRLF or a bare LF) has arrived.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            let line = &bytes[line_start..i];
            if (line.is_empty() || line == b"\r") && line_start > 0 {
                return Some(line_start);
            }
            line_start = i + 1;
        }
    }
    None
}

/// Parses a request head: `METHOD TARGET HTTP/1.x`, then `Name: value` lines. `None` for
/// anything else (including text that is not UTF-8).
fn parse_head(bytes: &[u8]) -> Option<Head> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut request = lines.next()?.split(' ');
    let (method, target, version) = (request.next()?, request.next()?, request.next()?);
    if request.next().is_some()
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || target.is_empty()
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
    {
        return None;
    }
    let mut hosts = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains([' ', '\t']) {
            return None;
        }
        if name.eq_ignore_ascii_case("host") {
            hosts.push(value.trim().to_string());
        }
    }
    Some(Head {
        method: method.to_string(),
        target: target.to_string(),
        host: if hosts.len() == 1 { hosts.pop() } else { None },
    })
}

/// A worker: answers the connections the head reader passes on, one at a time. A panic while
/// answering is a 500 for that request, not a lost worker.
fn work(queue: &Mutex<Receiver<Job>>, site: &Site, limits: &Limits) {
    loop {
        let job = {
            let queue = queue.lock().unwrap_or_else(|e| e.into_inner());
            queue.recv()
        };
        let Ok(job) = job else { return };
        let response =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| respond(&job.head, site)))
                .unwrap_or_else(|_| text(500, "internal error while answering this request\n"));
        let head_only = job.head.method == "HEAD";
        send(job.stream, &response, head_only, limits);
    }
}

/// A response: status, headers, body.
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn with_header(mut self, name: &'static str, value: &str) -> Response {
        self.headers.push((name, value.to_string()));
        self
    }

    /// The response as sent: status line, headers (with the length and `Connection: close`),
    /// the empty line and, unless `head_only`, the body.
    fn bytes(&self, head_only: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!(
            "Content-Length: {}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut bytes = out.into_bytes();
        if !head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Sends `response` and closes the connection; gives up on a client that does not read it
/// within the write bounds.
fn send(mut stream: TcpStream, response: &Response, head_only: bool, limits: &Limits) {
    if stream.set_nonblocking(false).is_err()
        || stream
            .set_write_timeout(Some(limits.write_timeout))
            .is_err()
    {
        return;
    }
    let bytes = response.bytes(head_only);
    let started = Instant::now();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() && started.elapsed() < limits.write_deadline {
        match stream.write(&rest[..rest.len().min(64 * 1024)]) {
            Ok(0) => return,
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // The browser went away or stopped reading; nothing to do about it.
            Err(_) => return,
        }
    }
    let _ = stream.shutdown(Shutdown::Write);
}

/// Closes a connection with a short answer, without waiting for the client (the answer fits
/// in an empty send buffer; if not, the connection is closed anyway).
fn refuse(mut stream: TcpStream, status: u16, message: &str) {
    let _ = stream.write(&text(status, message).bytes(false));
    let _ = stream.shutdown(Shutdown::Both);
}

/// True when `host` (a `Host` header) names this server: `127.0.0.1`, `localhost` or `[::1]`,
/// or the address it is bound to, each with the port bound (no port means 80). Bound to every
/// address (`0.0.0.0`, `::`), any IP address of the right family is accepted too, for other
/// machines; never a domain name, which a web page could point at this machine.
fn host_allowed(host: &str, bind: IpAddr, port: u16) -> bool {
    let (name, given) = match host.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((name, "")) => (name, None),
            Some((name, tail)) => match tail.strip_prefix(':') {
                Some(p) => (name, Some(p)),
                None => return false,
            },
            None => return false,
        },
        None => match host.split_once(':') {
            Some((name, p)) => (name, Some(p)),
            None => (host, None),
        },
    };
    let given = match given {
        None => 80,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            match p.parse::<u16>() {
                Ok(p) => p,
                Err(_) => return false,
            }
        }
        Some(_) => return false,
    };
    if given != port {
        return false;
    }
    if name.eq_ignore_ascii_case("localhost") {
        return true;
    }
    // An IPv6 address only in brackets, an IPv4 address never in them.
    let bracketed = host.starts_with('[');
    let ip: IpAddr = match name.parse() {
        Ok(ip @ IpAddr::V6(_)) if bracketed => ip,
        Ok(ip @ IpAddr::V4(_)) if !bracketed => ip,
        _ => return false,
    };
    ip == IpAddr::V4(Ipv4Addr::LOCALHOST)
        || ip == IpAddr::V6(Ipv6Addr::LOCALHOST)
        || ip == bind
        || match bind {
            IpAddr::V4(b) => b.is_unspecified() && ip.is_ipv4(),
            IpAddr::V6(b) => b.is_unspecified(),
        }
}

/// The response to one request.
fn respond(request: &Head, site: &Site) -> Response {
    let allowed = request
        .host
        .as_deref()
        .is_some_and(|h| host_allowed(h, site.bind, site.port));
    if !allowed {
        return text(
            403,
            "forbidden: this server answers only requests addressed to it (the Host header \
             must be 127.0.0.1, localhost or [::1] with its port, or the address given to \
             --bind)\n",
        );
    }
    if !matches!(request.method.as_str(), "GET" | "HEAD") {
        return text(405, "only GET and HEAD are served\n").with_header("Allow", "GET, HEAD");
    }
    let version = site.version.load(Ordering::SeqCst);
    let path = request.target.split(['?', '#']).next().unwrap_or("");
    if path == VERSION_URL {
        return text(200, &version.to_string());
    }
    let Some(rel) = request_path(path) else {
        return text(
            400,
            "bad request: the path is not a plain path inside the site\n",
        );
    };
    let mut file = site.root.join(&rel);
    if rel.is_empty() || rel.ends_with('/') {
        file.push("index.html");
    } else if file.is_dir() {
        // Relative links in the folder's index only work from `folder/`.
        return text(301, "moved: the folder's address ends with '/'\n")
            .with_header("Location", &format!("{path}/"));
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

fn page(status: u16, kind: &str, body: Vec<u8>) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body,
    }
    .with_header("Content-Type", kind)
    .with_header("Cache-Control", "no-store")
}

fn text(status: u16, body: &str) -> Response {
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

    #[test]
    fn only_the_names_of_this_server_are_answered() {
        let local: IpAddr = "127.0.0.1".parse().expect("ip");
        for good in [
            "127.0.0.1:1111",
            "localhost:1111",
            "LocalHost:1111",
            "[::1]:1111",
        ] {
            assert!(host_allowed(good, local, 1111), "{good}");
        }
        for bad in [
            "evil.example:1111",
            "evil.example",
            "127.0.0.1:1112",
            "127.0.0.1",
            "localhost",
            "localhost.:1111",
            "127.0.0.2:1111",
            "[127.0.0.1]:1111",
            "::1:1111",
            "[::1]1111",
            "127.0.0.1:+1111",
            "127.0.0.1:",
            "",
            "192.168.1.5:1111",
            "1111",
        ] {
            assert!(!host_allowed(bad, local, 1111), "{bad}");
        }
        // Port 80 may be left out, as browsers do.
        assert!(host_allowed("localhost", local, 80));
        // The address given to --bind is answered too.
        let lan: IpAddr = "192.168.1.5".parse().expect("ip");
        assert!(host_allowed("192.168.1.5:1111", lan, 1111));
        // Bound to every address: any IP address (another machine's view of this one), but no
        // domain name, which a web page could point at this machine.
        let any: IpAddr = "0.0.0.0".parse().expect("ip");
        assert!(host_allowed("192.168.1.5:1111", any, 1111));
        assert!(!host_allowed("[fe80::1]:1111", any, 1111));
        assert!(!host_allowed("files.example.com:1111", any, 1111));
        let any6: IpAddr = "::".parse().expect("ip");
        assert!(host_allowed("[fe80::1]:1111", any6, 1111));
        assert!(host_allowed("10.0.0.2:1111", any6, 1111));
    }

    #[test]
    fn a_request_head_is_parsed_strictly() {
        let head = |t: &str| {
            let end = head_end(t.as_bytes())?;
            parse_head(&t.as_bytes()[..end])
        };
        assert_eq!(
            head("GET /a?b HTTP/1.1\r\nHost: localhost:1\r\nAccept: */*\r\n\r\n"),
            Some(Head {
                method: "GET".into(),
                target: "/a?b".into(),
                host: Some("localhost:1".into()),
            })
        );
        // Bare line feeds are accepted; a head without Host has none.
        assert_eq!(
            head("HEAD / HTTP/1.0\n\n").map(|h| (h.method, h.host)),
            Some(("HEAD".into(), None))
        );
        // Two Host headers are as good as none.
        assert_eq!(
            head("GET / HTTP/1.1\r\nHost: a:1\r\nhost: b:1\r\n\r\n").map(|h| h.host),
            Some(None)
        );
        // Not complete yet.
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a"), None);
        for bad in [
            "GET / HTTP/2\r\n\r\n",
            "GET /\r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "get / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nno colon\r\n\r\n",
            "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "\r\n\r\n",
        ] {
            assert_eq!(head(bad), None, "{bad:?}");
        }
    }

    /// A server on a free port with short bounds, serving an empty folder.
    fn server(limits: Limits) -> (tempfile::TempDir, SocketAddr) {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("index.html"), "<body>home</body>").expect("write");
        let addr = start_with(
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            0,
            tmp.path().to_path_buf(),
            Arc::new(AtomicU64::new(3)),
            limits,
        )
        .expect("listens");
        (tmp, addr)
    }

    const SHORT: Limits = Limits {
        workers: 2,
        max_open: 64,
        head_timeout: Duration::from_millis(300),
        head_bytes: 1024,
        write_timeout: Duration::from_secs(5),
        write_deadline: Duration::from_secs(10),
        poll: Duration::from_millis(2),
    };

    /// Sends `request` on a new connection and reads the answer to its end.
    fn ask(addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        stream.write_all(request.as_bytes()).expect("sends");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reads");
        answer
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        ask(
            addr,
            &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
        )
    }

    #[test]
    fn slow_idle_and_large_requests_are_closed_and_never_hold_the_server() {
        let (_tmp, addr) = server(Limits {
            max_open: 128,
            head_timeout: Duration::from_secs(2),
            ..SHORT
        });
        // 50 clients that connect and send nothing, and 50 that send half a head.
        let mut idle: Vec<TcpStream> = (0..100)
            .map(|i| {
                let mut s = TcpStream::connect(addr).expect("connects");
                if i % 2 == 1 {
                    s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.")
                        .expect("sends");
                }
                s
            })
            .collect();
        // Two workers, 100 idle connections: a real request is answered at once.
        let started = Instant::now();
        let home = get(addr, "/");
        assert!(home.starts_with("HTTP/1.1 200 OK\r\n"), "{home}");
        assert!(home.contains("<body>home<script>"), "{home}");
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        // After the head deadline every idle connection is answered 408 and closed.
        for s in &mut idle {
            s.set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            let mut answer = String::new();
            s.read_to_string(&mut answer)
                .expect("closed, not timed out");
            assert!(
                answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
                "{answer}"
            );
        }
        assert!(started.elapsed() < Duration::from_secs(6));
        // A head beyond the size bound is refused.
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(2000));
        assert!(ask(addr, &big).starts_with("HTTP/1.1 431 "));
        assert!(ask(addr, "BREW\r\n\r\n").starts_with("HTTP/1.1 400 "));
    }

    #[test]
    fn beyond_the_bound_of_open_connections_the_oldest_is_closed() {
        let (_tmp, addr) = server(Limits {
            max_open: 8,
            head_timeout: Duration::from_secs(30),
            ..SHORT
        });
        let mut first = TcpStream::connect(addr).expect("connects");
        first
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let _others: Vec<TcpStream> = (0..8)
            .map(|_| TcpStream::connect(addr).expect("connects"))
            .collect();
        let mut answer = String::new();
        first.read_to_string(&mut answer).expect("closed");
        assert!(answer.starts_with("HTTP/1.1 503 "), "{answer}");
        // The newest connections are still served.
        assert!(get(addr, "/").starts_with("HTTP/1.1 200 OK"));
    }

    #[test]
    fn a_foreign_host_is_refused_everywhere() {
        let (_tmp, addr) = server(SHORT);
        for path in ["/", VERSION_URL, "/missing.html"] {
            let answer = ask(
                addr,
                &format!(
                    "GET {path} HTTP/1.1\r\nHost: rebind.example:{}\r\n\r\n",
                    addr.port()
                ),
            );
            assert!(answer.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{answer}");
            assert!(
                answer.contains("answers only requests addressed to it"),
                "{answer}"
            );
            assert!(!answer.contains("home"));
        }
        // No Host at all is refused too; the right one is answered, the version as text.
        assert!(ask(addr, "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.1 403 "));
        let version = get(addr, VERSION_URL);
        assert!(version.ends_with("\r\n\r\n3"), "{version}");
        let head = ask(
            addr,
            &format!("HEAD / HTTP/1.1\r\nHost: localhost:{}\r\n\r\n", addr.port()),
        );
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.ends_with("\r\n\r\n"), "no body for HEAD: {head}");
        assert!(head.contains("Content-Length: "), "{head}");
    }
}
