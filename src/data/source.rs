//! Where a table's rows come from: the sources, each yielding the rows of one table as cells the
//! validator reads by the schema's types, and the identity of a row in diagnostics. The loader
//! (`load`) validates and assembles every source's rows the same way (types, references,
//! duplicates, ordering, indexes); a source only finds its table, names it and hands over rows.
//!
//! A table of the data folder is `<table>.csv` (the default, whose rows are text cells read in
//! place: zero-copy, in parallel chunks) or `<table>.parquet` (`parquet`); both at once is an
//! error. A new source is one more `Input` variant, handing over its rows as a `Sheet`; a row's identity already covers numbered records (`data/mrr.parquet row 4
//! (account_id=ACC9)`, `postgres:mrr row 1234 (account_id=ACC9)`) besides file lines
//! (`data/mrr.csv:4:2`).

use super::csv_table::{self, Col, Collected, FileDiags, Row, TextRows};
use super::schema::Table;
use crate::diagnostic::Diagnostic;
use crate::files::FileBytes;
use std::path::Path;

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
    /// A Parquet file's column names and rows.
    Parquet {
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
            Ok((header, rows)) => Ok(Input::Parquet {
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
            Input::Parquet { .. } => RowIds::Records,
        }
    }

    /// The name diagnostics give the input (its path).
    pub fn name(&self) -> &str {
        match self {
            Input::Csv { name, .. } | Input::Parquet { name, .. } => name,
        }
    }

    /// The rows, after the header (or schema) is read; None when it cannot be (reported).
    pub fn open<'a>(&'a self, d: &mut FileDiags) -> Option<Sheet<'a>> {
        d.ids = self.ids();
        match self {
            Input::Csv { bytes, .. } => csv_table::open(bytes, d).map(Sheet::Csv),
            Input::Parquet { header, rows, .. } => Some(Sheet::Rows { header, rows }),
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
            Input::Parquet { .. } => Vec::new(),
        }
    }
}

/// The rows of one table, ready to read.
pub(crate) enum Sheet<'a> {
    Csv(csv_table::Sheet<'a>),
    /// Rows read whole, with their column names (Parquet).
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
}
