//! Where a table's rows come from: the sources, each yielding the rows of one table as cells the
//! validator reads by the schema's types, and the identity of a row in diagnostics. The loader
//! (`load`) validates and assembles every source's rows the same way (types, references,
//! duplicates, ordering, indexes); a source only finds its table, names it and hands over rows.
//!
//! A table of the data folder is `<table>.csv` (the default, whose rows are text cells read in
//! place: zero-copy, in parallel chunks) or `<table>.parquet` (`parquet`); both at once is an
//! error. A table listed under `database.tables` in postsale.yaml is the result of a query to a
//! PostgreSQL database instead (`fetch`, with the client of `postgres`), and a file for it too is
//! an error. Parquet and PostgreSQL rows arrive whole, as text cells in the CSV grammar
//! (`Input::Rows`), named by number and key (`data/mrr.parquet row 4 (account_id=ACC9)`,
//! `postgres:mrr row 1234 (account_id=ACC9)`); CSV rows by line (`data/mrr.csv:4:2`).
//!
//! PostgreSQL's text output of typed columns is turned into the CSV grammar as it arrives:
//! booleans `t`/`f` become `true`/`false`, a timestamp with time zone (read in UTC) loses its
//! `+00`, a timestamp with fractional seconds becomes RFC 3339 (`2026-01-05T09:30:00.5Z`), a
//! `date` in a month column gives its month when it is the first of the month (`2026-01-01` →
//! `2026-01`; any other day is reported as a bad month), `char(n)` loses its padding, and NULL
//! is an empty cell. Numbers (`1200.00`), dates (`2026-01-31`) and text pass as they are.

use super::csv_table::{self, Col, Collected, FileDiags, Row, TextRows};
use super::postgres::{Client, Column, DataRow, PgError, Sink, oid};
use super::schema::{self, Table, Type};
use crate::config::DatabaseConfig;
use crate::diagnostic::Diagnostic;
use crate::files::FileBytes;
use std::path::{Path, PathBuf};

/// How a source numbers its rows, and so how a diagnostic names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowIds {
    /// Lines of a text file, with the field number: `data/mrr.csv:4:2`.
    Lines,
    /// Numbered records of a file or a query result (1-based), with the row's key when known:
    /// `data/mrr.parquet row 4 (account_id=ACC9)`, `postgres:mrr row 1234 (account_id=ACC9)`.
    Records,
}

/// The identity of one row (and cell) of a source, for a diagnostic.
#[derive(Debug, Clone, Copy)]
pub struct RowId<'a> {
    /// The source as the user knows it: a path (`data/mrr.csv`) or `kind:table`.
    pub source: &'a str,
    pub ids: RowIds,
    /// The line (`Lines`) or the 1-based record number (`Records`).
    pub row: usize,
    /// The 1-based column (field) of the cell.
    pub column: usize,
    /// The row's key column and value, when the source names rows by record.
    pub key: Option<(&'a str, &'a str)>,
}

impl RowId<'_> {
    /// An error about this row.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        let d = Diagnostic::error(self.source, self.row, self.column, message);
        match self.ids {
            RowIds::Lines => d,
            RowIds::Records => {
                let key = self
                    .key
                    .map(|(column, value)| format!(" ({column}={value})"))
                    .unwrap_or_default();
                d.at_record(format!("row {}{key}", self.row))
            }
        }
    }
}

/// One table as a source holds it, before its rows are read.
pub(crate) enum Input {
    /// A CSV file's bytes, and its name.
    Csv { name: String, bytes: FileBytes },
    /// Rows read whole as text cells, with their column names: a Parquet file's or a
    /// database query's.
    Rows {
        name: String,
        header: Vec<String>,
        rows: TextRows,
    },
}

/// The file formats a table may be in, by extension.
const FORMATS: [&str; 2] = ["csv", "parquet"];

/// Finds `table` in `dir`, as `<table>.csv` or `<table>.parquet`: None when the project has
/// neither, an error when it cannot be read or has both.
pub(crate) fn find(dir: &Path, table: &Table) -> Option<Result<Input, Diagnostic>> {
    let [csv, parquet] = FORMATS.map(|ext| dir.join(format!("{}.{ext}", table.name)));
    let name = |path: &Path| path.display().to_string();
    if csv.exists() && parquet.exists() {
        return Some(Err(Diagnostic::file_error(
            name(&parquet),
            format!(
                "two files for the {} table (found {} and {}, expected one)",
                table.name,
                name(&csv),
                name(&parquet)
            ),
        )
        .with_help("remove or rename the one that is not current")));
    }
    if parquet.exists() {
        return Some(match super::parquet::read(&parquet) {
            Ok((header, rows)) => Ok(Input::Rows {
                name: name(&parquet),
                header,
                rows,
            }),
            Err(message) => Err(Diagnostic::file_error(name(&parquet), message)),
        });
    }
    match FileBytes::open(&csv, "a CSV file") {
        Ok(bytes) => Some(Ok(Input::Csv {
            name: name(&csv),
            bytes,
        })),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err(Diagnostic::file_error(
            name(&csv),
            format!("cannot read the file: {e}"),
        ))),
    }
}

/// The name diagnostics give `table` of `dir` when it is missing: its CSV file.
pub(crate) fn name(dir: &Path, table: &str) -> String {
    dir.join(format!("{table}.csv")).display().to_string()
}

/// The error when `table`, read from the database, also has a file in `dir`.
pub(crate) fn also_a_file(dir: &Path, table: &str) -> Option<Diagnostic> {
    let file: PathBuf = FORMATS
        .iter()
        .map(|ext| dir.join(format!("{table}.{ext}")))
        .find(|path| path.exists())?;
    let db = database_name(table);
    Some(
        Diagnostic::file_error(
            &db,
            format!(
                "two sources for the {table} table (found {} and {db}, database.tables.{table} in postsale.yaml; expected one)",
                file.display()
            ),
        )
        .with_help("remove the file, or the table from database.tables"),
    )
}

/// The size of `table` in `dir` in bytes (0 when absent), to read the largest tables first.
pub(crate) fn size(dir: &Path, table: &str) -> u64 {
    FORMATS
        .iter()
        .filter_map(|ext| std::fs::metadata(dir.join(format!("{table}.{ext}"))).ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0)
}

/// The files a project's `table` may be read from, relative to the data folder.
pub fn files(table: &str) -> [String; 2] {
    FORMATS.map(|ext| format!("{table}.{ext}"))
}

impl Input {
    /// How diagnostics number this input's rows.
    pub fn ids(&self) -> RowIds {
        match self {
            Input::Csv { .. } => RowIds::Lines,
            Input::Rows { .. } => RowIds::Records,
        }
    }

    /// The bytes of text the input holds, to read the largest tables first.
    pub fn size(&self) -> u64 {
        match self {
            Input::Csv { bytes, .. } => bytes.len() as u64,
            Input::Rows { rows, .. } => rows.text.len() as u64,
        }
    }

    /// The digest of what the input holds, `fnv1a64:` and 16 hex digits: the file's bytes, or
    /// the column names and every cell of its rows (cell by cell, so moving text between cells
    /// changes it too). The inputs' fingerprint counts a database table by it.
    pub fn digest(&self) -> String {
        let mut h = crate::files::Fnv::new();
        match self {
            Input::Csv { bytes, .. } => h.write(bytes),
            Input::Rows { header, rows, .. } => {
                for name in header {
                    h.file(name, &[]);
                }
                for (number, cells) in &rows.rows {
                    h.write(&(*number as u64).to_le_bytes());
                    for cell in &rows.bounds[cells.clone()] {
                        let text = rows.text.get(cell.clone()).unwrap_or_default();
                        h.write(&(text.len() as u64).to_le_bytes());
                        h.write(text.as_bytes());
                    }
                }
            }
        }
        h.finish()
    }

    /// The name diagnostics give the input (its path).
    pub fn name(&self) -> &str {
        match self {
            Input::Csv { name, .. } | Input::Rows { name, .. } => name,
        }
    }

    /// The rows, after the header (or schema) is read; None when it cannot be (reported).
    pub fn open<'a>(&'a self, d: &mut FileDiags) -> Option<Sheet<'a>> {
        d.ids = self.ids();
        match self {
            Input::Csv { bytes, .. } => csv_table::open(bytes, d).map(Sheet::Csv),
            Input::Rows { header, rows, .. } => Some(Sheet::Rows { header, rows }),
        }
    }

    /// The rows read again with `make` (the checks of the first read, so the same rows are
    /// kept), for what the first read did not keep: each row's value and line. Its diagnostics,
    /// reported already, are dropped.
    pub fn again<T: Send>(
        &self,
        make: impl Fn(&mut Row, &mut FileDiags) -> Option<T> + Sync,
    ) -> Collected<T> {
        let mut quiet = FileDiags::new(String::new(), 0);
        match self.open(&mut quiet) {
            Some(sheet) => sheet.collect(&mut quiet, None, true, make),
            None => Collected {
                values: Vec::new(),
                lines: Vec::new(),
                count: 0,
                increasing: true,
            },
        }
    }

    /// The (row, id) of each row that is not handed to the reader at all (a CSV record that is
    /// not UTF-8) but whose cell in column `index` is readable.
    pub fn unreadable_ids(&self, index: Option<usize>) -> Vec<(usize, String)> {
        match self {
            Input::Csv { bytes, .. } => csv_table::unreadable_ids(bytes, index),
            Input::Rows { .. } => Vec::new(),
        }
    }
}

/// The rows of one table, ready to read.
pub(crate) enum Sheet<'a> {
    Csv(csv_table::Sheet<'a>),
    /// Rows read whole, with their column names (Parquet, PostgreSQL).
    Rows {
        header: &'a [String],
        rows: &'a TextRows,
    },
}

impl<'a> Sheet<'a> {
    /// The column names as the source has them, in its order.
    pub fn header(&self) -> &[String] {
        match self {
            Sheet::Csv(sheet) => &sheet.header,
            Sheet::Rows { header, .. } => header,
        }
    }

    /// Locates the columns of `table` (N must be their number); a missing required column is
    /// reported, and then None.
    pub fn columns_of<const N: usize>(&self, table: &Table, d: &mut FileDiags) -> Option<[Col; N]> {
        let cols: [Col; N] = match self {
            Sheet::Csv(sheet) => sheet.columns_of(table, d),
            Sheet::Rows { header, .. } => csv_table::locate(header, None, table.specs()?, d),
        }?;
        if d.ids == RowIds::Records {
            // A record is named by the table's first key column (its account for a table
            // without a key of its own).
            let name = table.key.first().copied().unwrap_or("account_id");
            d.key = cols
                .iter()
                .copied()
                .find(|c| c.name == name && c.index.is_some());
        }
        Some(cols)
    }

    /// Calls `each` for every row, in order. Returns the number of rows.
    pub fn rows(self, d: &mut FileDiags, each: impl FnMut(&mut Row<'_>, &mut FileDiags)) -> usize {
        match self {
            Sheet::Csv(sheet) => sheet.rows(d, each),
            Sheet::Rows { rows, .. } => rows.each(d, each),
        }
    }

    /// The values `make` returns for the rows without errors, in order (see
    /// `csv_table::Sheet::collect`).
    pub fn collect<T: Send>(
        self,
        d: &mut FileDiags,
        key: Option<Col>,
        lines: bool,
        make: impl Fn(&mut Row<'_>, &mut FileDiags) -> Option<T> + Sync,
    ) -> Collected<T> {
        match self {
            Sheet::Csv(sheet) => sheet.collect(d, key, lines, make),
            Sheet::Rows { rows, .. } => rows.collect(d, key, lines, make),
        }
    }
}

/// The name diagnostics give a table read from the database: `postgres:mrr`.
pub fn database_name(table: &str) -> String {
    format!("postgres:{table}")
}

/// A connection to the database `database.url_env` names: the variable's value is the
/// connection string. `purpose` ends the message when the variable is missing ("for the tables
/// of database.tables"); a missing variable is reported at `url_env` in postsale.yaml, a failed
/// connection as a `postgres` error naming the variable.
pub(crate) fn connect(database: &DatabaseConfig, purpose: &str) -> Result<Client, Diagnostic> {
    let var = &database.url_env;
    let (line, column) = database.at;
    let url = std::env::var(var).map_err(|e| {
        let found = match e {
            std::env::VarError::NotPresent => "is not set",
            std::env::VarError::NotUnicode(_) => "is not valid UTF-8",
        };
        Diagnostic::error(
            crate::config::FILE,
            line,
            column,
            format!(
                "the environment variable {var} {found} (expected the connection string of the database, such as postgres://user:password@host:5432/dbname, {purpose})"
            ),
        )
        .with_help(format!(
            "set it before running postsale (export {var}=postgres://...), or change database.url_env"
        ))
    })?;
    Client::connect(&url).map_err(|e| {
        Diagnostic::file_error(
            "postgres",
            format!("cannot read the database given by {var}: {e}"),
        )
    })
}

/// The tables of `database` as the inputs' fingerprint counts them: each `postgres:<table>` with
/// the digest of the rows its query returns now ([`Input::digest`]). A query that fails is its
/// error.
pub fn digests(database: &DatabaseConfig) -> Result<Vec<(String, String)>, Diagnostic> {
    fetch(database, |_| true)?
        .into_iter()
        .map(|(_, input)| input.map(|input| (input.name().to_string(), input.digest())))
        .collect()
}

/// A table read from the database: its name and its rows, or the error of its query.
pub(crate) type Fetched = (&'static str, Result<Input, Diagnostic>);

/// The tables of `database` that `wanted` accepts, in schema order, each read with its query
/// over one connection: rows named `postgres:<table>`, or the query's error. The connection
/// string is the value of the environment variable `database.url_env` names; a missing variable
/// or a connection that fails is one error, for every table.
pub(crate) fn fetch(
    database: &DatabaseConfig,
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<Fetched>, Diagnostic> {
    let tables: Vec<&'static Table> = schema::SCHEMA
        .iter()
        .filter(|t| database.tables.contains_key(t.name) && wanted(t.name))
        .collect();
    if tables.is_empty() {
        return Ok(Vec::new());
    }
    let mut client = connect(database, "for the tables of database.tables")?;
    Ok(tables
        .into_iter()
        .map(|table| {
            let name = database_name(table.name);
            let sql = database.sql(table.name).unwrap_or_default();
            let mut sink = TableSink::new(table);
            let result = match client.query_into(&sql, &mut sink) {
                Ok(_) => Ok(Input::Rows {
                    name,
                    header: sink.header,
                    rows: sink.rows,
                }),
                Err(e) => Err(
                    Diagnostic::file_error(name, format!("the query failed: {e}")).with_help(
                        format!(
                            "database.tables.{} in postsale.yaml reads it with: {sql}",
                            table.name
                        ),
                    ),
                ),
            };
            (table.name, result)
        })
        .collect())
}

/// How a cell of a column is turned into the CSV grammar.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Convert {
    AsIs,
    /// `t`/`f` → `true`/`false`.
    Bool,
    /// `2026-01-05 09:30:00+00` → `2026-01-05 09:30:00`; with a fraction, RFC 3339 in UTC.
    Timestamp,
    /// `2026-01-01` → `2026-01` in a month column.
    Month,
    /// `char(n)` padding dropped.
    Trim,
}

/// The rows of a query as text cells, converted as they arrive (so the result is held once).
struct TableSink {
    table: &'static Table,
    header: Vec<String>,
    convert: Vec<Convert>,
    rows: TextRows,
}

impl TableSink {
    fn new(table: &'static Table) -> TableSink {
        TableSink {
            table,
            header: Vec::new(),
            convert: Vec::new(),
            rows: TextRows::default(),
        }
    }
}

impl Sink for TableSink {
    fn columns(&mut self, columns: &[Column]) -> Result<(), PgError> {
        self.header = columns.iter().map(|c| c.name.clone()).collect();
        self.convert = columns
            .iter()
            .map(|c| {
                // Columns are matched in any case, as in a file's header.
                let month = self.table.columns.iter().any(|col| {
                    col.ty == Type::Month && col.name.eq_ignore_ascii_case(c.name.trim())
                });
                match c.type_oid {
                    oid::BOOL => Convert::Bool,
                    oid::TIMESTAMP | oid::TIMESTAMPTZ => Convert::Timestamp,
                    oid::DATE if month => Convert::Month,
                    oid::BPCHAR => Convert::Trim,
                    _ => Convert::AsIs,
                }
            })
            .collect();
        self.rows = TextRows::default();
        Ok(())
    }

    fn row(&mut self, row: &DataRow<'_>) -> Result<(), PgError> {
        let out = &mut self.rows;
        let start = out.bounds.len();
        for (i, convert) in self.convert.iter().enumerate() {
            let at = out.text.len();
            if let Some(cell) = row.get(i) {
                put(*convert, cell, &mut out.text);
            }
            out.bounds.push(at..out.text.len());
        }
        let number = out.rows.len() + 1;
        out.rows.push((number, start..out.bounds.len()));
        Ok(())
    }
}

/// Writes `cell` converted by `convert` to `text`.
fn put(convert: Convert, cell: &str, text: &mut String) {
    match convert {
        Convert::AsIs => text.push_str(cell),
        Convert::Bool => text.push_str(match cell {
            "t" => "true",
            "f" => "false",
            other => other,
        }),
        Convert::Timestamp => {
            let naive = cell.strip_suffix("+00").unwrap_or(cell);
            match naive.split_once('.') {
                // Fractional seconds: RFC 3339, which the datetime grammar reads with them.
                Some(_) if naive.len() > 19 && naive.as_bytes().get(10) == Some(&b' ') => {
                    text.push_str(&naive[..10]);
                    text.push('T');
                    text.push_str(&naive[11..]);
                    text.push('Z');
                }
                _ => text.push_str(naive),
            }
        }
        Convert::Month => match cell.strip_suffix("-01") {
            Some(month) if cell.len() == 10 => text.push_str(month),
            _ => text.push_str(cell),
        },
        Convert::Trim => text.push_str(cell.trim_end_matches(' ')),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_named_by_its_line_or_by_its_number_and_key() {
        let line = RowId {
            source: "data/mrr.csv",
            ids: RowIds::Lines,
            row: 4,
            column: 2,
            key: Some(("account_id", "ACC9")),
        };
        assert_eq!(
            line.error("bad month").to_string(),
            "data/mrr.csv:4:2: error: bad month"
        );
        // A query's rows: what a database source will say.
        let record = RowId {
            source: "postgres:mrr",
            ids: RowIds::Records,
            row: 1234,
            ..line
        };
        assert_eq!(
            record.error("bad month").to_string(),
            "postgres:mrr row 1234 (account_id=ACC9): error: bad month"
        );
        let unnamed = RowId {
            key: None,
            ..record
        };
        assert_eq!(
            unnamed.error("bad month").to_string(),
            "postgres:mrr row 1234: error: bad month"
        );
    }

    #[test]
    fn postgres_text_becomes_the_csv_grammar() {
        let text = |convert, cell| {
            let mut t = String::new();
            put(convert, cell, &mut t);
            t
        };
        assert_eq!(text(Convert::Bool, "t"), "true");
        assert_eq!(text(Convert::Bool, "f"), "false");
        assert_eq!(
            text(Convert::Timestamp, "2026-01-05 09:30:00+00"),
            "2026-01-05 09:30:00"
        );
        assert_eq!(
            text(Convert::Timestamp, "2026-01-05 09:30:00.25+00"),
            "2026-01-05T09:30:00.25Z"
        );
        assert_eq!(
            text(Convert::Timestamp, "2026-01-05 09:30:00.5"),
            "2026-01-05T09:30:00.5Z"
        );
        assert_eq!(text(Convert::Month, "2026-01-01"), "2026-01");
        // Any other day stays, for the loader to report as a bad month.
        assert_eq!(text(Convert::Month, "2026-01-31"), "2026-01-31");
        assert_eq!(text(Convert::Trim, "ACC1   "), "ACC1");
        assert_eq!(text(Convert::AsIs, "1200.00"), "1200.00");
        for cell in ["2026-01-05T09:30:00.25Z", "2026-01-05 09:30:00"] {
            assert!(csv_table::parse_datetime(cell).is_some(), "{cell}");
        }
    }
}
