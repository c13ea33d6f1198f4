//! A small PostgreSQL client: the frontend/backend protocol 3.0 over TCP (or a Unix socket),
//! blocking, without an async runtime. Enough to read tables: the startup message,
//! authentication (trust, cleartext password, MD5, SCRAM-SHA-256), TLS after an SSLRequest as
//! the connection string's `sslmode` asks (`tls`), and the simple query protocol with results
//! as text. A server error becomes a `PgError` with its severity, SQLSTATE, message, detail and
//! hint. The session asks for UTF-8, ISO dates and UTC (`DateStyle=ISO`, `TimeZone=UTC`), so
//! dates read `2026-01-31` and timestamps with a zone read in UTC.
//!
//! ```no_run
//! # use postsale::data::postgres::Client;
//! let mut client = Client::connect("postgres://ana:pw@db.example.com/sales?sslmode=require")?;
//! let rows = client.query("select account_id, mrr from finance.mrr_monthly")?;
//! # Ok::<(), postsale::data::postgres::PgError>(())
//! ```

mod auth;
mod tls;
mod url;

pub use url::{Host, Params, SslMode};

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::Range;

/// What went wrong, as the user should read it; never holds the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgError {
    /// The SQLSTATE code of a server error (`28P01`, `42P01`, ...).
    pub code: Option<String>,
    message: String,
}

impl PgError {
    fn new(message: impl Into<String>) -> PgError {
        PgError {
            code: None,
            message: message.into(),
        }
    }
    fn config(message: impl Into<String>) -> PgError {
        PgError::new(message)
    }
    fn auth(message: impl Into<String>) -> PgError {
        PgError::new(format!("authentication failed: {}", message.into()))
    }
    fn tls(message: impl Into<String>) -> PgError {
        PgError::new(format!("TLS: {}", message.into()))
    }
    fn protocol(message: impl Into<String>) -> PgError {
        PgError::new(format!(
            "unexpected reply from the server: {}",
            message.into()
        ))
    }
    fn io(target: &str, e: &io::Error) -> PgError {
        PgError::new(format!("connection to {target} failed: {e}"))
    }

    /// The message alone.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for PgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PgError {}

/// The result of a query: the column names and every row's cells as text (None for NULL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// One column of a result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    /// The type's OID (`pg_type.oid`: 16 bool, 1082 date, 1700 numeric, ...).
    pub type_oid: u32,
}

/// Type OIDs the readers of results convert.
pub mod oid {
    pub const BOOL: u32 = 16;
    pub const BPCHAR: u32 = 1042;
    pub const DATE: u32 = 1082;
    pub const TIMESTAMP: u32 = 1114;
    pub const TIMESTAMPTZ: u32 = 1184;
}

/// One row of a result as it arrives: its cells as text, without copying.
pub struct DataRow<'a> {
    body: &'a [u8],
    cells: &'a [Option<Range<usize>>],
}

impl<'a> DataRow<'a> {
    /// The number of cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Cell `i` as text; None for NULL (or past the end).
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let range = self.cells.get(i)?.clone()?;
        // Checked to be UTF-8 when the row was read.
        std::str::from_utf8(&self.body[range]).ok()
    }
}

/// Where the rows of a query go, as they arrive (so a large result is held once, by the sink).
pub trait Sink {
    /// The result's columns, before its rows.
    fn columns(&mut self, columns: &[Column]) -> Result<(), PgError>;
    /// One row.
    fn row(&mut self, row: &DataRow<'_>) -> Result<(), PgError>;
}

impl Sink for Rows {
    fn columns(&mut self, columns: &[Column]) -> Result<(), PgError> {
        self.columns = columns.iter().map(|c| c.name.clone()).collect();
        self.rows.clear();
        Ok(())
    }

    fn row(&mut self, row: &DataRow<'_>) -> Result<(), PgError> {
        self.rows.push(
            (0..row.len())
                .map(|i| row.get(i).map(str::to_string))
                .collect(),
        );
        Ok(())
    }
}

/// The byte stream to the server.
enum Stream {
    Tcp(TcpStream),
    Unix(std::os::unix::net::UnixStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Unix(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// A connection to a PostgreSQL server.
pub struct Client {
    reader: BufReader<Stream>,
    /// `host:port`, for messages.
    target: String,
    /// The body of the last message read.
    body: Vec<u8>,
    /// Whether the connection is encrypted.
    tls: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("target", &self.target)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// The protocol version, 3.0.
const PROTOCOL: i32 = 196_608;
/// The SSLRequest code.
const SSL_REQUEST: i32 = 80_877_103;

impl Client {
    /// Connects and authenticates as the connection string `url` says.
    pub fn connect(url: &str) -> Result<Client, PgError> {
        Client::connect_with(&Params::parse(url)?)
    }

    /// Connects with parsed parameters.
    pub fn connect_with(params: &Params) -> Result<Client, PgError> {
        let target = params.target();
        let io = |e: io::Error| PgError::io(&target, &e);
        let (stream, tls) = match &params.host {
            Host::Socket(dir) => {
                // libpq ignores sslmode on a Unix socket too.
                let path = format!("{dir}/.s.PGSQL.{}", params.port);
                (
                    Stream::Unix(std::os::unix::net::UnixStream::connect(path).map_err(io)?),
                    false,
                )
            }
            Host::Tcp(host) => {
                let mut tcp = connect_tcp(host, params)?;
                tcp.set_nodelay(true).map_err(io)?;
                if params.sslmode == SslMode::Disable {
                    (Stream::Tcp(tcp), false)
                } else {
                    let mut request = Vec::with_capacity(8);
                    request.extend_from_slice(&8i32.to_be_bytes());
                    request.extend_from_slice(&SSL_REQUEST.to_be_bytes());
                    tcp.write_all(&request).map_err(io)?;
                    let mut answer = [0u8; 1];
                    tcp.read_exact(&mut answer).map_err(io)?;
                    match (answer[0], params.sslmode) {
                        (b'S', _) => {
                            let connection = rustls::ClientConnection::new(
                                tls::config(params)?,
                                tls::server_name(host)?,
                            )
                            .map_err(|e| PgError::tls(format!("cannot start: {e}")))?;
                            let mut stream = rustls::StreamOwned::new(connection, tcp);
                            // The handshake now, so its failure says so.
                            while stream.conn.is_handshaking() {
                                stream.conn.complete_io(&mut stream.sock).map_err(|e| {
                                    PgError::tls(format!("handshake with {target} failed: {e}"))
                                })?;
                            }
                            (Stream::Tls(Box::new(stream)), true)
                        }
                        (b'N', SslMode::Prefer) => (Stream::Tcp(tcp), false),
                        (b'N', mode) => {
                            return Err(PgError::tls(format!(
                                "the server at {target} does not offer TLS (sslmode={} requires it; sslmode=prefer or disable connects without)",
                                mode.name()
                            )));
                        }
                        (other, _) => {
                            return Err(PgError::protocol(format!(
                                "answer '{}' to the SSLRequest (expected S or N)",
                                char::from(other).escape_default()
                            )));
                        }
                    }
                }
            }
        };
        let mut client = Client {
            reader: BufReader::with_capacity(1 << 16, stream),
            target,
            body: Vec::new(),
            tls,
        };
        client.startup(params)?;
        Ok(client)
    }

    /// Whether the connection is encrypted with TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Runs `sql` (one statement, or several: the last result with rows is kept) and returns
    /// every row.
    pub fn query(&mut self, sql: &str) -> Result<Rows, PgError> {
        let mut rows = Rows::default();
        self.query_into(sql, &mut rows)?;
        Ok(rows)
    }

    /// Runs `sql` and hands each result's columns, then rows, to `sink` as they arrive.
    /// Returns the number of rows. A sink's error stops the reading (the rest of the result is
    /// read and dropped, so the connection stays usable) and is returned.
    pub fn query_into(&mut self, sql: &str, sink: &mut dyn Sink) -> Result<usize, PgError> {
        if sql.contains('\0') {
            return Err(PgError::new("the query holds a NUL character"));
        }
        let mut message = Vec::with_capacity(sql.len() + 1);
        message.extend_from_slice(sql.as_bytes());
        message.push(0);
        self.send(b'Q', &message)?;
        let mut failed: Option<PgError> = None;
        let mut count = 0;
        let mut cells: Vec<Option<Range<usize>>> = Vec::new();
        loop {
            let tag = self.read_message()?;
            match tag {
                b'T' => {
                    let columns = row_description(&self.body)?;
                    count = 0;
                    if failed.is_none()
                        && let Err(e) = sink.columns(&columns)
                    {
                        failed = Some(e);
                    }
                }
                b'D' => {
                    if failed.is_some() {
                        continue;
                    }
                    data_row(&self.body, &mut cells)?;
                    let row = DataRow {
                        body: &self.body,
                        cells: &cells,
                    };
                    count += 1;
                    if let Err(e) = sink.row(&row) {
                        failed = Some(e);
                    }
                }
                b'E' => {
                    let e = server_error(&self.body);
                    failed.get_or_insert(e);
                }
                b'G' => {
                    // COPY FROM STDIN: refused.
                    self.send(b'f', b"postsale reads tables only\0")?;
                }
                b'C' | b'I' | b'N' | b'S' | b'H' | b'd' | b'c' | b'A' => {}
                b'Z' => break,
                other => {
                    return Err(PgError::protocol(format!(
                        "message '{}' during a query",
                        char::from(other).escape_default()
                    )));
                }
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(count),
        }
    }

    /// The startup message and authentication, up to ReadyForQuery.
    fn startup(&mut self, params: &Params) -> Result<(), PgError> {
        let mut body = Vec::new();
        body.extend_from_slice(&PROTOCOL.to_be_bytes());
        for (key, value) in [
            ("user", params.user.as_str()),
            ("database", params.dbname.as_str()),
            ("application_name", params.application_name.as_str()),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, YMD"),
            ("TimeZone", "UTC"),
        ] {
            body.extend_from_slice(key.as_bytes());
            body.push(0);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut message = Vec::with_capacity(body.len() + 4);
        message.extend_from_slice(&len(body.len() + 4)?.to_be_bytes());
        message.extend_from_slice(&body);
        self.write(&message)?;

        let password = || {
            params.password.as_deref().ok_or_else(|| {
                PgError::auth(format!(
                    "the server asks a password for user \"{}\" and the connection string has none",
                    params.user
                ))
            })
        };
        let mut scram: Option<auth::Scram> = None;
        loop {
            match self.read_message()? {
                b'R' => {
                    let code = be_i32(&self.body, 0)?;
                    match code {
                        0 => {}
                        3 => {
                            let mut p = password()?.as_bytes().to_vec();
                            p.push(0);
                            self.send(b'p', &p)?;
                        }
                        5 => {
                            let salt: [u8; 4] = self
                                .body
                                .get(4..8)
                                .and_then(|s| s.try_into().ok())
                                .ok_or_else(|| PgError::protocol("an MD5 request without salt"))?;
                            let mut p =
                                auth::md5_password(&params.user, password()?, salt).into_bytes();
                            p.push(0);
                            self.send(b'p', &p)?;
                        }
                        10 => {
                            let mechanisms: Vec<&[u8]> = self.body[4..]
                                .split(|b| *b == 0)
                                .filter(|m| !m.is_empty())
                                .collect();
                            if !mechanisms.contains(&b"SCRAM-SHA-256".as_slice()) {
                                let names: Vec<String> = mechanisms
                                    .iter()
                                    .map(|m| String::from_utf8_lossy(m).into_owned())
                                    .collect();
                                return Err(PgError::auth(format!(
                                    "the server offers SASL {} (expected SCRAM-SHA-256)",
                                    names.join(", ")
                                )));
                            }
                            let s = auth::Scram::new(password()?)?;
                            let first = s.client_first();
                            let mut m = b"SCRAM-SHA-256\0".to_vec();
                            m.extend_from_slice(&len(first.len())?.to_be_bytes());
                            m.extend_from_slice(first.as_bytes());
                            self.send(b'p', &m)?;
                            scram = Some(s);
                        }
                        11 => {
                            let s = scram.as_mut().ok_or_else(|| {
                                PgError::protocol("SASL continue before SASL start")
                            })?;
                            let server_first = String::from_utf8_lossy(&self.body[4..]);
                            let last = s.client_final(&server_first)?;
                            self.send(b'p', last.as_bytes())?;
                        }
                        12 => {
                            let s = scram
                                .as_ref()
                                .ok_or_else(|| PgError::protocol("SASL final before SASL start"))?;
                            s.verify(&String::from_utf8_lossy(&self.body[4..]))?;
                        }
                        2 | 6 | 7 | 8 | 9 => {
                            return Err(PgError::auth(format!(
                                "the server asks for Kerberos, GSSAPI or SSPI (request {code}), which postsale does not support (expected trust, password, md5 or scram-sha-256 in pg_hba.conf)"
                            )));
                        }
                        other => {
                            return Err(PgError::auth(format!(
                                "unknown authentication request {other}"
                            )));
                        }
                    }
                }
                b'E' => return Err(server_error(&self.body)),
                b'S' | b'K' | b'N' | b'v' => {}
                b'Z' => return Ok(()),
                other => {
                    return Err(PgError::protocol(format!(
                        "message '{}' during startup",
                        char::from(other).escape_default()
                    )));
                }
            }
        }
    }

    /// Sends one message: its tag, length and body.
    fn send(&mut self, tag: u8, body: &[u8]) -> Result<(), PgError> {
        let mut message = Vec::with_capacity(body.len() + 5);
        message.push(tag);
        message.extend_from_slice(&len(body.len() + 4)?.to_be_bytes());
        message.extend_from_slice(body);
        self.write(&message)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), PgError> {
        let mut out = BufWriter::new(self.reader.get_mut());
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|e| PgError::io(&self.target, &e))
    }

    /// Reads one message into `body`; returns its tag.
    fn read_message(&mut self) -> Result<u8, PgError> {
        let target = &self.target;
        let io = |e: io::Error| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                PgError::new(format!("the server at {target} closed the connection"))
            } else {
                PgError::io(target, &e)
            }
        };
        let mut head = [0u8; 5];
        self.reader.read_exact(&mut head).map_err(io)?;
        let length = i32::from_be_bytes([head[1], head[2], head[3], head[4]]);
        let length = usize::try_from(length)
            .ok()
            .and_then(|l| l.checked_sub(4))
            .ok_or_else(|| PgError::protocol(format!("a message of length {length}")))?;
        self.body.clear();
        self.body.resize(length, 0);
        self.reader.read_exact(&mut self.body).map_err(io)?;
        Ok(head[0])
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Terminate; the server closes the connection either way.
        let _ = self.send(b'X', &[]);
    }
}

/// A TCP connection to `host` (every address it resolves to, in turn).
fn connect_tcp(host: &str, params: &Params) -> Result<TcpStream, PgError> {
    let target = params.target();
    let addresses = (host, params.port)
        .to_socket_addrs()
        .map_err(|e| PgError::new(format!("cannot resolve {host}: {e}")))?;
    let mut last = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, params.connect_timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => PgError::io(&target, &e),
        None => PgError::new(format!("cannot resolve {host}: no address")),
    })
}

/// A message length as the protocol's int32.
fn len(n: usize) -> Result<i32, PgError> {
    i32::try_from(n).map_err(|_| PgError::new("a message too large for the protocol"))
}

fn be_i32(body: &[u8], at: usize) -> Result<i32, PgError> {
    body.get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(i32::from_be_bytes)
        .ok_or_else(|| PgError::protocol("a message cut short"))
}

fn be_i16(body: &[u8], at: usize) -> Result<i16, PgError> {
    body.get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map(i16::from_be_bytes)
        .ok_or_else(|| PgError::protocol("a message cut short"))
}

/// The columns of a RowDescription.
fn row_description(body: &[u8]) -> Result<Vec<Column>, PgError> {
    let count = be_i16(body, 0)?;
    let mut at = 2;
    let mut columns = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    for _ in 0..count {
        let end = body[at..]
            .iter()
            .position(|b| *b == 0)
            .map(|p| at + p)
            .ok_or_else(|| PgError::protocol("a column name without its end"))?;
        let name = String::from_utf8_lossy(&body[at..end]).into_owned();
        // table oid (4), attribute number (2), type oid (4), size (2), modifier (4), format (2)
        let type_oid = be_i32(body, end + 7)? as u32;
        if be_i16(body, end + 17)? != 0 {
            return Err(PgError::protocol("a binary column in a text query"));
        }
        columns.push(Column { name, type_oid });
        at = end + 19;
    }
    Ok(columns)
}

/// The cells of a DataRow as ranges of `body` (None for NULL), each checked to be UTF-8.
fn data_row(body: &[u8], cells: &mut Vec<Option<Range<usize>>>) -> Result<(), PgError> {
    let count = be_i16(body, 0)?;
    cells.clear();
    let mut at = 2;
    for _ in 0..count {
        let length = be_i32(body, at)?;
        at += 4;
        if length < 0 {
            cells.push(None);
            continue;
        }
        let end = at + length as usize;
        let text = body
            .get(at..end)
            .ok_or_else(|| PgError::protocol("a row cut short"))?;
        if std::str::from_utf8(text).is_err() {
            return Err(PgError::protocol("a cell that is not UTF-8"));
        }
        cells.push(Some(at..end));
        at = end;
    }
    Ok(())
}

/// An ErrorResponse as a message: `ERROR 42P01: relation "x" does not exist (detail: ...;
/// hint: ...)`.
fn server_error(body: &[u8]) -> PgError {
    let mut severity = None;
    let mut code = None;
    let mut message = None;
    let mut detail = None;
    let mut hint = None;
    for field in body.split(|b| *b == 0) {
        let Some((&kind, value)) = field.split_first() else {
            continue;
        };
        let value = String::from_utf8_lossy(value).into_owned();
        match kind {
            b'V' => severity = Some(value),
            b'S' if severity.is_none() => severity = Some(value),
            b'C' => code = Some(value),
            b'M' => message = Some(value),
            b'D' => detail = Some(value),
            b'H' => hint = Some(value),
            _ => {}
        }
    }
    let mut text = format!(
        "{} {}: {}",
        severity.as_deref().unwrap_or("ERROR"),
        code.as_deref().unwrap_or("?????"),
        message.as_deref().unwrap_or("(no message)")
    );
    let extra: Vec<String> = [("detail", detail), ("hint", hint)]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
        .collect();
    if !extra.is_empty() {
        text.push_str(&format!(" ({})", extra.join("; ")));
    }
    PgError {
        code,
        message: format!("the server said: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn an_error_response_names_severity_code_message_detail_and_hint() {
        let body = b"SERROR\0VERROR\0C42P01\0Mrelation \"nope\" does not exist\0Dno such thing\0Hcheck the name\0P15\0\0";
        let e = server_error(body);
        assert_eq!(e.code.as_deref(), Some("42P01"));
        assert_eq!(
            e.to_string(),
            "the server said: ERROR 42P01: relation \"nope\" does not exist (detail: no such thing; hint: check the name)"
        );
    }

    /// A server that answers the SSLRequest with `answer` and closes.
    fn fake_server(answer: u8) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut request = [0u8; 8];
                let _ = s.read_exact(&mut request);
                let _ = s.write_all(&[answer]);
            }
        });
        port
    }

    #[test]
    fn sslmode_require_fails_when_the_server_offers_no_tls() {
        let port = fake_server(b'N');
        let e = Client::connect(&format!(
            "postgres://u:secret@127.0.0.1:{port}/db?sslmode=require"
        ))
        .expect_err("no TLS");
        assert_eq!(
            e.to_string(),
            format!(
                "TLS: the server at 127.0.0.1:{port} does not offer TLS (sslmode=require requires it; sslmode=prefer or disable connects without)"
            )
        );
    }

    #[test]
    fn a_refused_connection_names_the_target_not_the_password() {
        // A port just released: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let e = Client::connect(&format!("postgres://u:secret@127.0.0.1:{port}/db"))
            .expect_err("refused");
        let text = e.to_string();
        assert!(
            text.starts_with(&format!("connection to 127.0.0.1:{port} failed: ")),
            "{text}"
        );
        assert!(!text.contains("secret"));
    }

    #[test]
    fn rows_are_read_from_a_data_row_without_copying() {
        // Two cells: "ACC1" and NULL.
        let mut body = 2i16.to_be_bytes().to_vec();
        body.extend_from_slice(&4i32.to_be_bytes());
        body.extend_from_slice(b"ACC1");
        body.extend_from_slice(&(-1i32).to_be_bytes());
        let mut cells = Vec::new();
        data_row(&body, &mut cells).expect("row");
        let row = DataRow {
            body: &body,
            cells: &cells,
        };
        assert_eq!((row.len(), row.get(0), row.get(1)), (2, Some("ACC1"), None));
        // Cut short: an error, not a panic.
        assert!(data_row(&body[..7], &mut cells).is_err());
    }
}
