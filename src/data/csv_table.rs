//! One CSV file as a sequence of rows with typed, validated cell accessors. Every bad cell
//! becomes a diagnostic `file:line:column: ... (found 'X', expected Y)` and marks its row as
//! failed; the caller keeps the row only if nothing failed. Knows DATA.md's value grammar (ids,
//! dates, months, money, numbers, bools, enums), not any particular table.
//!
//! A file without a quote character (nearly every export) is split into records by hand and, when
//! large, parsed in parallel chunks; a file with quotes goes through the `csv` crate, one record
//! after the other. Both paths yield the same records, line numbers and diagnostics (the tests
//! below compare them on generated input).
//!
//! A record's line is the line of its first byte as an editor counts lines: `\n`, `\r\n` and a
//! lone `\r` each end one, inside quoted fields too (not csv-core's count, which lags by one
//! after a `\r\n` and skips blank lines). Every record must have as many fields as the header,
//! and a header may not name a column twice.

use super::money::Money;
use super::schema::Table;
use super::source::{RowId, RowIds};
use crate::diagnostic::{Diagnostic, did_you_mean, shown};
use crate::period::Month;
use chrono::{NaiveDate, NaiveDateTime};
use csv::ByteRecord;
use rayon::prelude::*;
use std::cell::Cell;
use std::ops::Range;

/// Bytes per chunk when a quote-free file is parsed in parallel.
const CHUNK: usize = 1 << 20;

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// The diagnostics of one file, capped at `max` (the rest are only counted).
#[derive(Debug)]
pub(crate) struct FileDiags {
    pub file: String,
    pub list: Vec<Diagnostic>,
    pub dropped: usize,
    pub max: usize,
    /// How the source numbers its rows.
    pub ids: RowIds,
    /// The column whose value names a row, for a source that numbers records.
    pub key: Option<Col>,
}

impl FileDiags {
    pub fn new(file: String, max: usize) -> Self {
        FileDiags {
            file,
            list: Vec::new(),
            dropped: 0,
            max,
            ids: RowIds::Lines,
            key: None,
        }
    }

    /// The identity of `row` (a line or a record number) and the cell at `column`, with the
    /// row's key value `key` when known.
    pub fn row_id<'a>(&'a self, row: usize, column: usize, key: Option<&'a str>) -> RowId<'a> {
        RowId {
            source: &self.file,
            ids: self.ids,
            row,
            column,
            key: match (self.key, key) {
                (Some(col), Some(value)) => Some((col.name, value)),
                _ => None,
            },
        }
    }

    /// An error at `row`, `column` of a row whose key value is `key`.
    fn at_key(&mut self, row: usize, column: usize, key: Option<&str>, message: String) {
        if self.list.len() >= self.max {
            self.dropped += 1;
            return;
        }
        let d = self.row_id(row, column, key).error(message);
        self.push(d);
    }

    pub fn push(&mut self, d: Diagnostic) {
        if self.list.len() < self.max {
            self.list.push(d);
        } else {
            self.dropped += 1;
        }
    }

    pub fn at(&mut self, line: usize, column: usize, message: String) {
        if self.list.len() >= self.max {
            // Not built only to be counted (a file with a bad row in every line).
            self.dropped += 1;
            return;
        }
        let d = self.row_id(line, column, None).error(message);
        self.push(d);
    }

    /// An empty list for the same file, for one chunk of a parallel read.
    fn fork(&self) -> FileDiags {
        FileDiags {
            ids: self.ids,
            key: self.key,
            ..FileDiags::new(self.file.clone(), self.max)
        }
    }

    /// Appends the diagnostics of the next chunk, as if they had been pushed here one by one:
    /// the first `max` of all chunks in file order are kept, the rest counted.
    fn absorb(&mut self, chunk: FileDiags) {
        for d in chunk.list {
            self.push(d);
        }
        self.dropped += chunk.dropped;
    }

    /// All diagnostics sorted by position, plus the "and N more" line when capped.
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.list.sort_by_key(|d| (d.line, d.column));
        if self.dropped > 0 {
            let noun = if self.dropped == 1 { "error" } else { "errors" };
            self.list.push(Diagnostic::file_error(
                self.file.clone(),
                format!("... and {} more {noun} in {}", self.dropped, self.file),
            ));
        }
        self.list
    }
}

/// A column the table reads: its DATA.md name and where it is in this file (None if absent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Col {
    pub name: &'static str,
    pub index: Option<usize>,
}

/// A parsed header plus the records of one file.
pub(crate) struct Sheet<'a> {
    /// Header names as written (trimmed), in file order.
    pub header: Vec<String>,
    /// The line of the header (1 unless blank lines come before it).
    header_line: usize,
    body: Body<'a>,
}

/// The data records after the header.
enum Body<'a> {
    /// No quote character in the file: the records start at byte `start`, on line `line`.
    Plain {
        bytes: &'a [u8],
        start: usize,
        line: usize,
    },
    /// Quoted fields: `bytes` read by the `csv` crate.
    Quoted {
        bytes: &'a [u8],
        reader: csv::Reader<&'a [u8]>,
    },
}

/// Reads `bytes` (a whole file) as CSV with a header. An empty file is an error.
pub(crate) fn open<'a>(bytes: &'a [u8], diags: &mut FileDiags) -> Option<Sheet<'a>> {
    let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
    if bytes[skip..].iter().all(u8::is_ascii_whitespace) {
        diags.push(Diagnostic::file_error(
            diags.file.clone(),
            "empty file (found no header row, expected a header with the table's column names)",
        ));
        return None;
    }
    if memchr::memchr(b'"', bytes).is_none() {
        // csv-core itself skips a BOM at the start of what it is given, so a second one goes too.
        let start = if bytes[skip..].starts_with(BOM) {
            skip + BOM.len()
        } else {
            skip
        };
        let mut records = Records::new(bytes, start, 1);
        let (header_line, names) = match records.next_record() {
            Some((line, header)) => {
                let names = header_names(bytes[header].split(|&b| b == b','), line, diags)?;
                (line, names)
            }
            None => (1, Vec::new()),
        };
        let (start, line) = (records.start, records.line);
        let body = Body::Plain { bytes, start, line };
        return Some(Sheet::new(names, header_line, body));
    }
    quoted_sheet(&bytes[skip..], diags)
}

/// `open` by the `csv` crate, for a file with quotes (`bytes` without the BOM).
fn quoted_sheet<'a>(bytes: &'a [u8], diags: &mut FileDiags) -> Option<Sheet<'a>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    // csv-core skips the line ends before the header.
    let first = bytes.iter().position(|&b| !is_terminator(b)).unwrap_or(0);
    let line = 1 + line_breaks(bytes, 0..first);
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            diags.at(line, 1, format!("unreadable header ({e})"));
            return None;
        }
    };
    let names = header_names(header.iter(), line, diags)?;
    Some(Sheet::new(names, line, Body::Quoted { bytes, reader }))
}

/// The header cells (on `line`) as trimmed text; invalid UTF-8 and a name given twice
/// (ignoring case) are errors.
fn header_names<'a>(
    fields: impl Iterator<Item = &'a [u8]>,
    line: usize,
    diags: &mut FileDiags,
) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    let mut ok = true;
    for (i, field) in fields.enumerate() {
        match std::str::from_utf8(field) {
            Ok(s) => {
                let name = s.trim();
                let first = names
                    .iter()
                    .position(|n| !name.is_empty() && n.eq_ignore_ascii_case(name));
                if let Some(first) = first {
                    ok = false;
                    let d = Diagnostic::error(
                        diags.file.clone(),
                        line,
                        i + 1,
                        format!(
                            "duplicate column '{}' in the header (found it again in column {}, expected each column name once; first in column {})",
                            shown(name),
                            i + 1,
                            first + 1
                        ),
                    )
                    .with_help("remove one of the two columns, or rename it");
                    diags.push(d);
                }
                names.push(name.to_string());
            }
            Err(e) => {
                diags.at(
                    line,
                    i + 1,
                    format!(
                        "invalid UTF-8 in the header (found byte 0x{:02X}, expected UTF-8 text)",
                        field[e.valid_up_to()]
                    ),
                );
                return None;
            }
        }
    }
    ok.then_some(names)
}

/// The line ends in `bytes[range]` as an editor counts them: every `\n`, and every `\r` not
/// followed by a `\n` (looked up in all of `bytes`, so a `\r\n` cut by the end of the range is
/// counted once, with its `\n`).
fn line_breaks(bytes: &[u8], range: Range<usize>) -> usize {
    let piece = &bytes[range.clone()];
    let lf = memchr::memchr_iter(b'\n', piece).count();
    let cr = memchr::memchr_iter(b'\r', piece)
        .filter(|&i| bytes.get(range.start + i + 1) != Some(&b'\n'))
        .count();
    lf + cr
}

/// The records of quote-free CSV exactly as csv-core reads them: `\r`, `\n` and `\r\n` each end a
/// record, empty lines are skipped and commas separate fields. A record's line is that of its
/// first byte (see `line_breaks`). Scans eight bytes at a time for the three delimiters, with the
/// terminators in a mask of their own, so a comma (most delimiters) is told apart without reading
/// its byte.
struct Records<'a> {
    bytes: &'a [u8],
    /// Offset of the word whose delimiters `mask` holds; the next word follows it.
    base: usize,
    /// The delimiters of the current word not handled yet: bit 7 of each byte that is one.
    mask: u64,
    /// The terminators (`\r`, `\n`) of the current word, the same way.
    terms: u64,
    /// The line after the bytes handled so far (1 + their line ends).
    line: usize,
    /// Where the current record starts (just after the last terminator).
    start: usize,
    /// Where the current field starts.
    field: usize,
    /// The fields of the current record, relative to its start.
    fields: Vec<Range<usize>>,
}

const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
const ONES: u64 = 0x0101_0101_0101_0101;

/// Bit 7 set in each byte of `word` equal to `byte`, nothing else (no carries between bytes).
fn bytes_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The delimiters and the terminators among the eight bytes of `bytes` at `at` (fewer at the
/// end of the input).
fn delimiters(bytes: &[u8], at: usize) -> (u64, u64) {
    let rest = bytes.get(at..).unwrap_or_default();
    let word = match rest.first_chunk::<8>() {
        Some(word) => *word,
        None => {
            // Zero bytes are no delimiter.
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            word
        }
    };
    let word = u64::from_le_bytes(word);
    let terms = bytes_equal(word, b'\n') | bytes_equal(word, b'\r');
    (bytes_equal(word, b',') | terms, terms)
}

impl<'a> Records<'a> {
    /// Reads `bytes[start..]`, which starts on line `line`.
    fn new(bytes: &'a [u8], start: usize, line: usize) -> Records<'a> {
        let (mask, terms) = delimiters(bytes, start);
        Records {
            bytes,
            base: start,
            mask,
            terms,
            line,
            start,
            field: start,
            fields: Vec::new(),
        }
    }

    /// The next record: its line and byte range; its fields are then in `fields`.
    fn next_record(&mut self) -> Option<(usize, Range<usize>)> {
        self.fields.clear();
        // The hot state in locals, written back when a record is returned.
        let bytes = self.bytes;
        let (mut base, mut mask, mut terms) = (self.base, self.mask, self.terms);
        let (mut start, mut field) = (self.start, self.field);
        loop {
            while mask == 0 {
                base += 8;
                if base >= bytes.len() {
                    let end = bytes.len();
                    (self.base, self.mask, self.terms) = (base, 0, 0);
                    if start >= end {
                        (self.start, self.field) = (start, field);
                        return None;
                    }
                    self.fields.push(field - start..end - start);
                    (self.start, self.field) = (end, field);
                    return Some((self.line, start..end));
                }
                (mask, terms) = delimiters(bytes, base);
            }
            let bit = mask & mask.wrapping_neg();
            mask ^= bit;
            let at = base + (bit.trailing_zeros() / 8) as usize;
            if terms & bit == 0 {
                self.fields.push(field - start..at - start);
                field = at + 1;
                continue;
            }
            // A terminator: it ends the record, if there is one, which began on the line before
            // it (no line end inside a quote-free record).
            let record = start..at;
            let last = field;
            let line = self.line;
            self.line += usize::from(bytes[at] == b'\n' || bytes.get(at + 1) != Some(&b'\n'));
            start = at + 1;
            field = at + 1;
            if !record.is_empty() {
                self.fields.push(last - record.start..record.len());
                (self.base, self.mask, self.terms) = (base, mask, terms);
                (self.start, self.field) = (start, field);
                return Some((line, record));
            }
        }
    }
}

fn is_terminator(b: u8) -> bool {
    b == b'\n' || b == b'\r'
}

/// Cuts `bytes[start..]` into pieces of about `size` bytes, each ending just after the
/// terminator of a record, so each piece starts where a sequential read would start a record.
fn chunks(bytes: &[u8], start: usize, size: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut from = start;
    let mut probe = start + size;
    while probe < bytes.len() {
        let Some(i) = memchr::memchr2(b'\n', b'\r', &bytes[probe..]) else {
            break;
        };
        let t = probe + i;
        if is_terminator(bytes[t - 1]) {
            // A blank line or the `\n` of a `\r\n`: not the end of a record.
            probe = t + 1;
            continue;
        }
        pieces.push(from..t + 1);
        from = t + 1;
        probe = from + size;
    }
    pieces.push(from..bytes.len());
    pieces
}

/// Hands every record of quote-free `bytes[range]` with `width` fields to `each` (the range
/// starting on line `line`) and reports the others. Returns the number of records.
fn plain_rows(
    bytes: &[u8],
    range: Range<usize>,
    line: usize,
    width: usize,
    diags: &mut FileDiags,
    mut each: impl FnMut(&mut Row<'_>, &mut FileDiags),
) -> usize {
    let piece = &bytes[range];
    // One check for the whole piece instead of one per record.
    let text = std::str::from_utf8(piece).ok();
    let mut count = 0;
    let memo = Memo::default();
    let mut records = Records::new(piece, 0, line);
    while let Some((line, range)) = records.next_record() {
        count += 1;
        let record = &piece[range.clone()];
        let bounds = &records.fields;
        if bounds.len() != width {
            let cells: Vec<&[u8]> = bounds.iter().map(|f| &record[f.clone()]).collect();
            wrong_width(line, width, &cells, diags);
            continue;
        }
        let valid = match text {
            Some(text) => Some(&text[range]),
            None => std::str::from_utf8(record).ok(),
        };
        match valid {
            Some(text) => {
                let mut row = Row {
                    text,
                    bounds,
                    line,
                    failed: false,
                    memo: &memo,
                };
                each(&mut row, diags);
            }
            None => {
                // Laid out as the csv crate hands a record over: the fields end to end.
                let mut joined = Vec::with_capacity(record.len());
                let mut ranges = Vec::with_capacity(bounds.len());
                for field in bounds {
                    let at = joined.len();
                    joined.extend_from_slice(&record[field.clone()]);
                    ranges.push(at..joined.len());
                }
                checked_row(line, &joined, &ranges, &memo, diags, &mut each);
            }
        }
    }
    count
}

/// A record given as its fields laid end to end (`ByteRecord::as_slice`): handed to `each` if
/// that is UTF-8, else reported at the first field that is not, and skipped. (A character split
/// across two fields leaves the record valid but both cells unreadable, hence empty.)
fn checked_row(
    line: usize,
    joined: &[u8],
    ranges: &[Range<usize>],
    memo: &Memo,
    diags: &mut FileDiags,
    each: &mut impl FnMut(&mut Row<'_>, &mut FileDiags),
) {
    if let Ok(text) = std::str::from_utf8(joined) {
        let mut row = Row {
            text,
            bounds: ranges,
            line,
            failed: false,
            memo,
        };
        each(&mut row, diags);
        return;
    }
    for (i, field) in ranges.iter().enumerate() {
        let field = &joined[field.clone()];
        if let Err(e) = std::str::from_utf8(field) {
            diags.at(
                line,
                i + 1,
                format!(
                    "invalid UTF-8 (found byte 0x{:02X} at byte {} of the cell, expected UTF-8 text)",
                    field[e.valid_up_to()],
                    e.valid_up_to() + 1
                ),
            );
            break;
        }
    }
}

impl<'a> Sheet<'a> {
    fn new(header: Vec<String>, header_line: usize, body: Body<'a>) -> Sheet<'a> {
        Sheet {
            header,
            header_line,
            body,
        }
    }

    /// Locates `names` (a trailing `*` marks a required column). Each missing required column is
    /// an error at line 1 with a "did you mean" against the header; returns None if any is
    /// missing.
    pub fn columns<const N: usize>(
        &self,
        names: [&'static str; N],
        diags: &mut FileDiags,
    ) -> Option<[Col; N]> {
        let specs = names.map(|spec| match spec.strip_suffix('*') {
            Some(n) => (n, true),
            None => (spec, false),
        });
        self.locate(specs, diags)
    }

    /// `columns` for the columns of `table` in schema order (N must be their number).
    pub fn columns_of<const N: usize>(
        &self,
        table: &Table,
        diags: &mut FileDiags,
    ) -> Option<[Col; N]> {
        debug_assert_eq!(table.columns.len(), N, "the columns of {}", table.name);
        self.locate(table.specs()?, diags)
    }

    /// Locates each (name, required) column.
    fn locate<const N: usize>(
        &self,
        specs: [(&'static str, bool); N],
        diags: &mut FileDiags,
    ) -> Option<[Col; N]> {
        locate(&self.header, Some(self.header_line), specs, diags)
    }

    /// Calls `each` for every data record, in file order. Records with invalid UTF-8 are reported
    /// and skipped. Returns the number of records.
    pub fn rows(
        self,
        diags: &mut FileDiags,
        each: impl FnMut(&mut Row<'_>, &mut FileDiags),
    ) -> usize {
        body_rows(self.body, self.header.len(), diags, each)
    }

    /// The values `make` returns for the records without errors, in file order, with their
    /// lines if `lines`, the number of records and whether the cells of column `key` (if given)
    /// strictly increase over the rows kept (then none repeats). Diagnostics are the same as
    /// those of `rows`; a large quote-free file is parsed in parallel chunks.
    pub fn collect<T: Send>(
        self,
        diags: &mut FileDiags,
        key: Option<Col>,
        lines: bool,
        make: impl Fn(&mut Row<'_>, &mut FileDiags) -> Option<T> + Sync,
    ) -> Collected<T> {
        self.collect_in(CHUNK, diags, (key, lines), make)
    }

    /// `collect` with pieces of `size` bytes.
    fn collect_in<T: Send>(
        self,
        size: usize,
        diags: &mut FileDiags,
        (key, lines): (Option<Col>, bool),
        make: impl Fn(&mut Row<'_>, &mut FileDiags) -> Option<T> + Sync,
    ) -> Collected<T> {
        let width = self.header.len();
        let (bytes, start, line) = match self.body {
            Body::Plain { bytes, start, line } if bytes.len() - start > size => {
                (bytes, start, line)
            }
            body => {
                let mut kept = Kept::new(key, lines, 0);
                let count = body_rows(body, width, diags, kept.keeper(&make));
                return kept.finish(count);
            }
        };
        let pieces = chunks(bytes, start, size);
        let breaks: Vec<usize> = pieces
            .par_iter()
            .map(|r| line_breaks(bytes, r.clone()))
            .collect();
        let firsts = breaks.iter().scan(line, |line, n| {
            let first = *line;
            *line += n;
            Some(first)
        });
        let jobs: Vec<(Range<usize>, usize, usize)> = pieces
            .into_iter()
            .zip(firsts)
            .zip(&breaks)
            .map(|((r, first), &n)| (r, first, n))
            .collect();
        // A few pieces per thread at a time, appended as they come, so the parsed rows are held
        // once (plus a window), not once in pieces and once more in the result.
        let records = breaks.iter().sum::<usize>() + jobs.len();
        let mut all = Kept::new(key, lines, records);
        let mut count = 0;
        for window in jobs.chunks(4 * rayon::current_num_threads()) {
            let parts: Vec<(Kept<T>, usize, FileDiags)> = window
                .par_iter()
                .map(|(range, first, breaks)| {
                    let mut d = diags.fork();
                    let mut kept = Kept::new(key, lines, breaks + 1);
                    let count = plain_rows(
                        bytes,
                        range.clone(),
                        *first,
                        width,
                        &mut d,
                        kept.keeper(&make),
                    );
                    (kept, count, d)
                })
                .collect();
            for (kept, n, d) in parts {
                all.append(kept);
                count += n;
                diags.absorb(d);
            }
        }
        all.finish(count)
    }
}

/// Locates each (name, required) column in `header` (column names matched ignoring case).
/// Each missing required column is an error (at `line`, the header's, for a text file), with a
/// "did you mean" against the header; returns None if any is missing.
pub(crate) fn locate<const N: usize>(
    header: &[String],
    line: Option<usize>,
    specs: [(&'static str, bool); N],
    diags: &mut FileDiags,
) -> Option<[Col; N]> {
    let mut ok = true;
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let cols = specs.map(|(name, required)| {
        let index = header.iter().position(|h| h.eq_ignore_ascii_case(name));
        if index.is_none() && required {
            ok = false;
            let message = format!(
                "missing required column '{name}' (found columns {}, expected a column named '{name}')",
                quoted(&names)
            );
            let d = match line {
                Some(line) => Diagnostic::error(diags.file.clone(), line, 1, message),
                None => Diagnostic::file_error(diags.file.clone(), message),
            };
            let d = match crate::diagnostic::suggest(name, names.iter().copied()) {
                Some(s) => {
                    d.with_help(format!("did you mean `{s}`? Rename that column to '{name}'"))
                }
                None => d,
            };
            diags.push(d);
        }
        Col { name, index }
    });
    ok.then_some(cols)
}

/// Rows whose cells are text laid end to end, from a source that is not a CSV file (its typed
/// values written as the CSV grammar writes them): read with the same accessors and checks as
/// a CSV record, each named by its 1-based number.
#[derive(Debug, Default)]
pub(crate) struct TextRows {
    pub text: String,
    /// Each row: its number and the range of its cells in `bounds`.
    pub rows: Vec<(usize, Range<usize>)>,
    /// The byte range of each cell in `text`.
    pub bounds: Vec<Range<usize>>,
}

impl TextRows {
    /// Calls `each` for every row, in order. Returns the number of rows.
    pub fn each(
        &self,
        diags: &mut FileDiags,
        mut each: impl FnMut(&mut Row<'_>, &mut FileDiags),
    ) -> usize {
        let memo = Memo::default();
        for (number, cells) in &self.rows {
            let mut row = Row {
                text: &self.text,
                bounds: &self.bounds[cells.clone()],
                line: *number,
                failed: false,
                memo: &memo,
            };
            each(&mut row, diags);
        }
        self.rows.len()
    }

    /// `Sheet::collect` for these rows.
    pub fn collect<T>(
        &self,
        diags: &mut FileDiags,
        key: Option<Col>,
        lines: bool,
        make: impl Fn(&mut Row<'_>, &mut FileDiags) -> Option<T>,
    ) -> Collected<T> {
        let mut kept = Kept::new(key, lines, self.rows.len());
        let count = self.each(diags, kept.keeper(&make));
        kept.finish(count)
    }
}

/// What `Sheet::collect` returns.
pub(crate) struct Collected<T> {
    /// What `make` returned for each row kept, in file order.
    pub values: Vec<T>,
    /// The line of each (empty unless asked for).
    pub lines: Vec<u32>,
    /// Records read (kept or not).
    pub count: usize,
    /// Whether the key column's cells strictly increase over the rows kept (true without one).
    pub increasing: bool,
}

/// The rows kept from one piece of a file (or all of it), with their lines and the order of
/// their keys.
struct Kept<T> {
    values: Vec<T>,
    lines: Vec<u32>,
    keep_lines: bool,
    key: Option<Col>,
    order: Increasing,
}

impl<T> Kept<T> {
    fn new(key: Option<Col>, keep_lines: bool, capacity: usize) -> Kept<T> {
        Kept {
            values: Vec::with_capacity(capacity),
            lines: Vec::with_capacity(if keep_lines { capacity } else { 0 }),
            keep_lines,
            key,
            order: Increasing::default(),
        }
    }

    /// The per-record step: keeps what `make` returns for a row without errors.
    fn keeper<'k>(
        &'k mut self,
        make: &'k (impl Fn(&mut Row<'_>, &mut FileDiags) -> Option<T> + ?Sized),
    ) -> impl FnMut(&mut Row<'_>, &mut FileDiags) + 'k {
        move |row, d| {
            if let Some(value) = make(row, d)
                && !row.failed
            {
                if let Some(key) = self.key {
                    self.order.push(row.raw(key).unwrap_or_default());
                }
                self.values.push(value);
                if self.keep_lines {
                    self.lines.push(row.line as u32);
                }
            }
        }
    }

    /// What `Sheet::collect` returns for these rows, `count` records having been read.
    fn finish(self, count: usize) -> Collected<T> {
        Collected {
            values: self.values,
            lines: self.lines,
            count,
            increasing: !self.order.broken,
        }
    }

    /// Appends the rows of the next piece.
    fn append(&mut self, next: Kept<T>) {
        self.values.extend(next.values);
        self.lines.extend(next.lines);
        self.order.then(next.order);
    }
}

/// Whether a sequence of cells strictly increases, followed as they are read: the first and
/// the last cell are kept (to join two pieces), nothing else.
#[derive(Debug, Default)]
struct Increasing {
    first: Option<String>,
    last: String,
    broken: bool,
}

impl Increasing {
    fn push(&mut self, cell: &str) {
        if self.broken {
            return;
        }
        if self.first.is_none() {
            self.first = Some(cell.to_string());
        } else if cell <= self.last.as_str() {
            self.broken = true;
            return;
        }
        self.last.clear();
        self.last.push_str(cell);
    }

    /// Followed by the cells of `next`.
    fn then(&mut self, next: Increasing) {
        let Some(first) = next.first else {
            return;
        };
        if self.first.is_none() {
            *self = Increasing {
                first: Some(first),
                ..next
            };
            return;
        }
        // A broken sequence stops following its cells: `last` may be stale, `broken` stays.
        self.broken |= next.broken || first.as_str() <= self.last.as_str();
        self.last = next.last;
    }
}

/// Reports a record whose fields (`cells`) are more or fewer than the header's `width`.
fn wrong_width(line: usize, width: usize, cells: &[&[u8]], diags: &mut FileDiags) {
    let found = cells.len();
    let (what, column, help) = if found > width {
        match split_number(cells) {
            Some(split) => {
                let number = split
                    .clone()
                    .map(|i| String::from_utf8_lossy(cells[i].trim_ascii()));
                let number: Vec<_> = number.collect();
                let help = format!(
                    "'{}' looks like one number with thousands separators, read as {} fields: write it without them ({}), or quote it (\"{}\")",
                    shown(&number.join(",")),
                    split.len(),
                    shown(&number.concat()),
                    shown(&number.join(","))
                );
                ("too many", split.start + 2, help)
            }
            None => (
                "too many",
                width + 1,
                "a value that holds a comma must be quoted, like \"Acme, Inc.\"".to_string(),
            ),
        }
    } else {
        (
            "too few",
            found + 1,
            "every row needs one value per header column; an empty value is nothing between two commas, like a,,c"
                .to_string(),
        )
    };
    let fields = |n: usize| if n == 1 { "field" } else { "fields" };
    let d = Diagnostic::error(
        diags.file.clone(),
        line,
        column,
        format!(
            "{what} fields (found {found} {}, expected {width} as in the header)",
            fields(found)
        ),
    )
    .with_help(help);
    diags.push(d);
}

/// The cells of a number written with thousands separators and so split at its commas, such as
/// `1` `000.50` or `-12` `345` `678`: the first such run, if any.
fn split_number(cells: &[&[u8]]) -> Option<Range<usize>> {
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let lead = |b: &[u8]| {
        let b = b.strip_prefix(b"-").unwrap_or(b);
        (1..=3).contains(&b.len()) && digits(b)
    };
    // Three digits, the last group possibly with decimals.
    let group = |b: &[u8]| {
        b.len() >= 3 && digits(&b[..3]) && (b.len() == 3 || (b[3] == b'.' && digits(&b[4..])))
    };
    let cell = |i: usize| cells[i].trim_ascii();
    let start = (1..cells.len()).find(|&i| lead(cell(i - 1)) && group(cell(i)))? - 1;
    let mut end = start + 2;
    while end < cells.len() && cell(end - 1).len() == 3 && group(cell(end)) {
        end += 1;
    }
    Some(start..end)
}

/// The line of the record that csv-core starts reading at a byte: the line of its first byte
/// (csv-core skips the line ends before a record), counted on from the previous record.
struct Lines<'a> {
    bytes: &'a [u8],
    /// Bytes counted so far, and the line after them.
    at: usize,
    line: usize,
}

impl Lines<'_> {
    fn of(&mut self, position: Option<&csv::Position>) -> usize {
        let from = position.map_or(self.at, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let rest = self.bytes.get(from..).unwrap_or_default();
        let first = from
            + rest
                .iter()
                .position(|&b| !is_terminator(b))
                .unwrap_or(rest.len());
        if first > self.at && first <= self.bytes.len() {
            self.line += line_breaks(self.bytes, self.at..first);
            self.at = first;
        }
        self.line
    }
}

/// `Sheet::rows` on the records after the header, which should have `width` fields.
fn body_rows(
    body: Body<'_>,
    width: usize,
    diags: &mut FileDiags,
    mut each: impl FnMut(&mut Row<'_>, &mut FileDiags),
) -> usize {
    let (bytes, mut reader) = match body {
        Body::Plain { bytes, start, line } => {
            return plain_rows(bytes, start..bytes.len(), line, width, diags, each);
        }
        Body::Quoted { bytes, reader } => (bytes, reader),
    };
    let mut lines = Lines {
        bytes,
        at: 0,
        line: 1,
    };
    let mut record = ByteRecord::new();
    let mut ranges = Vec::new();
    let memo = Memo::default();
    let mut count = 0;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.of(e.position());
                diags.at(line, 1, format!("unreadable CSV record ({e})"));
                count += 1;
                continue;
            }
        }
        count += 1;
        let line = lines.of(record.position());
        if record.len() != width {
            let cells: Vec<&[u8]> = record.iter().collect();
            wrong_width(line, width, &cells, diags);
            continue;
        }
        ranges.clear();
        ranges.extend((0..record.len()).filter_map(|i| record.range(i)));
        checked_row(line, record.as_slice(), &ranges, &memo, diags, &mut each);
    }
    count
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{}'", shown(n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a read keeps from one row to the next for the caller (see `Row::memo`).
pub(crate) type Memo = [Cell<u32>; 2];

/// One record being read. Accessors return None for an empty cell or a bad value; a bad value is
/// reported and sets `failed`.
pub(crate) struct Row<'a> {
    /// The record's text; `bounds[i]` is the byte range of field i in it.
    text: &'a str,
    bounds: &'a [Range<usize>],
    pub line: usize,
    pub failed: bool,
    /// Numbers the caller may keep from one row to the next of the same read (of one chunk,
    /// when parallel), such as the last account and CSM found.
    pub memo: &'a Memo,
}

/// `str::trim`, skipping the Unicode scan when both ends are visible ASCII (nearly every cell).
fn trim(text: &str) -> &str {
    match (text.as_bytes().first(), text.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => text,
        _ => text.trim(),
    }
}

impl<'a> Row<'a> {
    /// The trimmed text of a cell; None when the column is absent, the cell empty or not UTF-8
    /// on its own.
    pub fn raw(&self, col: Col) -> Option<&'a str> {
        let field = self.bounds.get(col.index?)?;
        let text = trim(self.text.get(field.clone())?);
        (!text.is_empty()).then_some(text)
    }

    /// Reports a bad value in `col`.
    pub fn bad(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        what: &str,
        found: &str,
        expected: &str,
    ) {
        self.failed = true;
        if diags.list.len() >= diags.max {
            diags.dropped += 1;
            return;
        }
        let message = format!(
            "{what} in column '{}' (found '{}', expected {expected})",
            col.name,
            shown(found)
        );
        let key = diags.key.and_then(|k| self.raw(k));
        diags.at_key(self.line, col.index.map_or(1, |i| i + 1), key, message);
    }

    /// Reports a problem with a help line.
    pub fn bad_with_help(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        message: String,
        help: String,
    ) {
        self.failed = true;
        let key = diags.key.and_then(|k| self.raw(k));
        let d = diags
            .row_id(self.line, col.index.map_or(1, |i| i + 1), key)
            .error(message)
            .with_help(help);
        diags.push(d);
    }

    /// A required text cell (id or name), as a `String` or an inline `Text`.
    pub fn id<S: for<'s> From<&'s str>>(&mut self, diags: &mut FileDiags, col: Col) -> Option<S> {
        match self.raw(col) {
            Some(t) => Some(S::from(t)),
            None => {
                self.bad(diags, col, "missing value", "", "a non-empty value");
                None
            }
        }
    }

    /// A required cell whose value the caller does not keep (a key checked as the rows are
    /// read): Some when it has one, else reported as missing.
    pub fn present(&mut self, diags: &mut FileDiags, col: Col) -> Option<()> {
        match self.raw(col) {
            Some(_) => Some(()),
            None => {
                self.bad(diags, col, "missing value", "", "a non-empty value");
                None
            }
        }
    }

    /// An optional text cell.
    pub fn text(&self, col: Col) -> Option<String> {
        self.raw(col).map(str::to_string)
    }

    /// An optional text cell, lower-cased (open vocabularies), as a `String` or an inline `Text`.
    pub fn lower<S: for<'s> From<&'s str> + std::ops::DerefMut<Target = str>>(
        &self,
        col: Col,
    ) -> Option<S> {
        self.raw(col).map(|t| {
            let mut text = S::from(t);
            text.make_ascii_lowercase();
            text
        })
    }

    fn parsed<T>(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        required: bool,
        what: &str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        match self.raw(col) {
            None => {
                if required {
                    self.bad(diags, col, "missing value", "", expected);
                }
                None
            }
            Some(text) => match parse(text) {
                Some(v) => Some(v),
                None => {
                    let found = text.to_string();
                    self.bad(diags, col, what, &found, expected);
                    None
                }
            },
        }
    }

    pub fn date(&mut self, diags: &mut FileDiags, col: Col, required: bool) -> Option<NaiveDate> {
        self.parsed(
            diags,
            col,
            required,
            "bad date",
            "a date like 2026-01-31",
            parse_date,
        )
    }

    pub fn month(&mut self, diags: &mut FileDiags, col: Col, required: bool) -> Option<Month> {
        self.parsed(
            diags,
            col,
            required,
            "bad month",
            "a month like 2026-01",
            Month::parse,
        )
    }

    pub fn datetime(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        required: bool,
    ) -> Option<NaiveDateTime> {
        self.parsed(
            diags,
            col,
            required,
            "bad date-time",
            "RFC 3339 or YYYY-MM-DD HH:MM[:SS]",
            parse_datetime,
        )
    }

    /// Money >= 0 (DATA.md allows no negative amounts in these tables).
    pub fn money(&mut self, diags: &mut FileDiags, col: Col, required: bool) -> Option<Money> {
        let m = self.parsed(
            diags,
            col,
            required,
            "bad amount",
            "a decimal number like 1234.56",
            Money::parse,
        )?;
        if m.cents() < 0 {
            let found = self.raw(col).unwrap_or_default().to_string();
            self.bad(
                diags,
                col,
                "negative amount",
                &found,
                "an amount of 0 or more",
            );
            return None;
        }
        Some(m)
    }

    pub fn int(&mut self, diags: &mut FileDiags, col: Col, required: bool) -> Option<i64> {
        self.parsed(
            diags,
            col,
            required,
            "bad whole number",
            "a whole number like 12",
            |t| t.parse::<i64>().ok(),
        )
    }

    /// A number within `min..=max`.
    pub fn number(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        required: bool,
        min: f64,
        max: f64,
    ) -> Option<f64> {
        let v = self.parsed(
            diags,
            col,
            required,
            "bad number",
            "a number like 12.5",
            |t| parse_f64(t).filter(|v| v.is_finite()),
        )?;
        if v < min || v > max {
            let found = self.raw(col).unwrap_or_default().to_string();
            let expected = if max == f64::MAX {
                format!("a number of {min} or more")
            } else {
                format!("a number from {min} to {max}")
            };
            self.bad(diags, col, "value out of range", &found, &expected);
            return None;
        }
        Some(v)
    }

    /// A whole number within `min..=max`.
    pub fn int_in(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        required: bool,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let v = self.int(diags, col, required)?;
        if v < min || v > max {
            let found = v.to_string();
            self.bad(
                diags,
                col,
                "value out of range",
                &found,
                &format!("a whole number from {min} to {max}"),
            );
            return None;
        }
        Some(v)
    }

    pub fn bool(&mut self, diags: &mut FileDiags, col: Col) -> Option<bool> {
        self.parsed(
            diags,
            col,
            false,
            "bad yes/no value",
            "true/false, yes/no or 1/0",
            parse_bool,
        )
    }

    /// A value of a closed vocabulary, with a "did you mean" help.
    pub fn vocab<T>(
        &mut self,
        diags: &mut FileDiags,
        col: Col,
        required: bool,
        names: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = match self.raw(col) {
            Some(t) => t,
            None => {
                if required {
                    self.bad(
                        diags,
                        col,
                        "missing value",
                        "",
                        &format!("one of {}", names.join(", ")),
                    );
                }
                return None;
            }
        };
        match parse(text) {
            Some(v) => Some(v),
            None => {
                let message = format!(
                    "unknown {} in column '{}' (found '{}', expected one of {})",
                    col.name,
                    col.name,
                    shown(text),
                    names.join(", ")
                );
                self.bad_with_help(diags, col, message, did_you_mean(text, names));
                None
            }
        }
    }
}

/// The (line, id) of each record of `bytes` that is not UTF-8 but whose id cell (column
/// `index`) is: the rows `Sheet::collect` reports and skips without handing them over.
pub(crate) fn unreadable_ids(bytes: &[u8], index: Option<usize>) -> Vec<(usize, String)> {
    let Some(index) = index else {
        return Vec::new();
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(bytes);
    let mut out = Vec::new();
    for record in reader.byte_records().flatten() {
        if std::str::from_utf8(record.as_slice()).is_ok() {
            continue;
        }
        let id = record
            .get(index)
            .and_then(|cell| std::str::from_utf8(cell).ok())
            .map(str::trim)
            .filter(|id| !id.is_empty());
        if let (Some(id), Some(at)) = (id, record.position()) {
            out.push((at.line() as usize, id.to_string()));
        }
    }
    out
}

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// RFC 3339 (converted to UTC) or `YYYY-MM-DD HH:MM[:SS]` / `YYYY-MM-DDTHH:MM[:SS]` taken as UTC.
pub(crate) fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
    // The common zone-less forms, byte by byte (chrono's format parser is slow on millions).
    let b = text.as_bytes();
    if (b.len() == 16 || b.len() == 19) && (b[10] == b' ' || b[10] == b'T') && b[13] == b':' {
        let date = parse_date(&text[..10])?;
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, &c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        let seconds = if b.len() == 19 {
            if b[16] != b':' {
                return None;
            }
            num(17..19)?
        } else {
            0
        };
        return date.and_hms_opt(num(11..13)?, num(14..16)?, seconds);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|dt| dt.naive_utc())
}

/// `str::parse::<f64>`, with a short cut for plain decimals such as `26.5` or `-3`: with at most
/// 15 digits, the digits as an integer and the power of ten are exact doubles, so one division
/// gives the correctly rounded result, as the standard parser's own fast path (Clinger's) does.
pub(crate) fn parse_f64(text: &str) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let bytes = text.as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut mantissa: u64 = 0;
    let mut i = 0;
    while let Some(&b) = digits.get(i)
        && b.is_ascii_digit()
    {
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        i += 1;
    }
    let whole = i;
    if digits.get(i) == Some(&b'.') {
        i += 1;
        while let Some(&b) = digits.get(i)
            && b.is_ascii_digit()
        {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            i += 1;
        }
    }
    let decimals = i - whole - usize::from(i > whole);
    // At most 15 digits: below 10^15 < 2^53, so no wrap-around happened and the value is exact.
    if i != digits.len() || whole + decimals == 0 || whole + decimals > 15 {
        return text.parse().ok();
    }
    // A whole number needs no division (most health and usage cells).
    let value = match decimals {
        0 => mantissa as f64,
        _ => mantissa as f64 / POW10[decimals],
    };
    Some(if negative { -value } else { value })
}

/// `true/false/yes/no/1/0`, case-insensitive.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if is("true") || is("yes") || text == "1" {
        Some(true)
    } else if is("false") || is("no") || text == "0" {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_grammar() {
        assert_eq!(
            parse_date("2026-02-28"),
            NaiveDate::from_ymd_opt(2026, 2, 28)
        );
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-2-28"), None);
        assert_eq!(parse_date("28/02/2026"), None);
        let utc = parse_datetime("2026-03-01T10:00:00+02:00").map(|d| d.to_string());
        assert_eq!(utc.as_deref(), Some("2026-03-01 08:00:00"));
        assert_eq!(
            parse_datetime("2026-03-01 10:00")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-03-01 10:00:00")
        );
        assert_eq!(parse_datetime("2026-03-01"), None);
        assert_eq!(
            parse_datetime("2026-03-01T10:05")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-03-01 10:05:00")
        );
        assert_eq!(parse_datetime("2026-03-01 24:00"), None);
        assert_eq!(parse_datetime("2026-03-01 10:00:0x"), None);
        assert_eq!(
            parse_datetime("2026-03-01T10:00:00Z")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2026-03-01 10:00:00")
        );
        assert_eq!(parse_bool("YES"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("y"), None);
    }

    /// Quote-free CSV-ish bytes: short cells, every kind of line end, blank lines, spaces, a
    /// two-byte character, a byte that is never UTF-8 and a BOM.
    fn plain_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        let pieces: Vec<&'static [u8]> = vec![
            b"a",
            b"bc",
            b"12",
            b"-3.5",
            b",",
            b",",
            b",",
            b"\n",
            b"\n",
            b"\r\n",
            b"\r",
            b" ",
            b"\xC3\xA9",
            b"\xC3",
            b"\xA9",
            b"\xFF",
            b"\xEF\xBB\xBF",
            b"\t",
        ];
        proptest::collection::vec(proptest::sample::select(pieces), 0..80)
            .prop_map(|parts| parts.concat())
    }

    use proptest::strategy::Strategy as _;

    /// The line of the record csv-core starts reading at byte `at`, counted naively: the line
    /// ends before its first byte, after `\r\n` became `\n`.
    fn naive_line(bytes: &[u8], at: usize) -> usize {
        // The csv crate drops a BOM at the start.
        let at = if at == 0 && bytes.starts_with(BOM) {
            BOM.len()
        } else {
            at
        };
        let first = at
            + bytes[at..]
                .iter()
                .take_while(|&&b| is_terminator(b))
                .count();
        let text = String::from_utf8_lossy(&bytes[..first]).replace("\r\n", "\n");
        1 + text.matches(['\n', '\r']).count()
    }

    /// Every record of `bytes` as the csv crate reads it: (line, fields).
    fn csv_records(bytes: &[u8]) -> Vec<(usize, Vec<Vec<u8>>)> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut out = Vec::new();
        let mut record = ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            let at = record.position().map_or(0, |p| p.byte() as usize);
            let line = naive_line(bytes, at);
            out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
        }
        out
    }

    /// What a read yields, to compare two: per row its line, its cells as `raw` gives them and
    /// whether it failed (an id in column 2 of a month is checked); then the diagnostics.
    fn rows_of(sheet: Sheet<'_>, chunk: Option<usize>) -> (Vec<String>, usize, Vec<String>) {
        let mut d = FileDiags::new("t.csv".into(), 5);
        let cols: Vec<Col> = (0..4)
            .map(|i| Col {
                name: "c",
                index: Some(i),
            })
            .collect();
        let make = |row: &mut Row<'_>, d: &mut FileDiags| {
            let month = row.month(d, cols[1], false);
            Some(format!(
                "{} {:?} {month:?} {}",
                row.line,
                cols.iter().map(|c| row.raw(*c)).collect::<Vec<_>>(),
                row.failed
            ))
        };
        let (rows, count) = match chunk {
            Some(size) => {
                let got = sheet.collect_in(size, &mut d, (Some(cols[0]), true), make);
                assert_eq!(got.values.len(), got.lines.len());
                (got.values, got.count)
            }
            None => {
                let mut kept = Kept::new(None, false, 0);
                let count = sheet.rows(&mut d, kept.keeper(&make));
                (kept.values, count)
            }
        };
        let diags = d.finish().iter().map(ToString::to_string).collect();
        (rows, count, diags)
    }

    proptest::proptest! {
        #[test]
        fn records_are_split_as_the_csv_crate_splits_them(bytes in plain_bytes()) {
            // (csv-core skips a BOM at the start; `open` does that before.)
            let start = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
            let mut records = Records::new(&bytes, start, 1);
            let mut ours = Vec::new();
            while let Some((line, range)) = records.next_record() {
                let record = &bytes[range];
                let fields = records.fields.iter().map(|f| record[f.clone()].to_vec()).collect();
                ours.push((line, fields));
            }
            proptest::prop_assert_eq!(ours, csv_records(&bytes));
        }

        #[test]
        fn plain_and_parallel_reads_match_the_csv_crate(
            bytes in plain_bytes(),
            size in 1usize..40,
        ) {
            let mut d = FileDiags::new("t.csv".into(), 5);
            let skip = if bytes.starts_with(BOM) { BOM.len() } else { 0 };
            let reference = quoted_sheet(&bytes[skip..], &mut d);
            let plain = open(&bytes, &mut d);
            if bytes[skip..].iter().all(u8::is_ascii_whitespace) {
                proptest::prop_assert!(plain.is_none());
                return Ok(());
            }
            let (Some(reference), Some(plain)) = (reference, plain) else {
                // Invalid UTF-8 in the header: both refuse the file.
                let again = open(&bytes, &mut FileDiags::new("t.csv".into(), 5));
                proptest::prop_assert!(again.is_none());
                return Ok(());
            };
            let is_plain = matches!(plain.body, Body::Plain { .. });
            proptest::prop_assert!(is_plain);
            proptest::prop_assert_eq!(&plain.header, &reference.header);
            let expected = rows_of(reference, None);
            proptest::prop_assert_eq!(&rows_of(plain, None), &expected);
            let Some(parallel) = open(&bytes, &mut d) else {
                return Err(proptest::test_runner::TestCaseError::fail("no sheet"));
            };
            proptest::prop_assert_eq!(&rows_of(parallel, Some(size)), &expected);
        }

        #[test]
        fn pieces_of_a_sequence_join_into_its_order(
            cells in proptest::collection::vec("[a-c]{0,2}", 0..12),
            cuts in proptest::collection::vec(0usize..12, 0..4),
        ) {
            let expected = cells.windows(2).all(|w| w[0] < w[1]);
            // The cells cut into pieces (some empty) at `cuts`, each followed on its own.
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(cells.len())).collect();
            cuts.push(0);
            cuts.push(cells.len());
            cuts.sort_unstable();
            let mut joined = Increasing::default();
            for piece in cuts.windows(2) {
                let mut order = Increasing::default();
                for cell in &cells[piece[0]..piece[1]] {
                    order.push(cell);
                }
                joined.then(order);
            }
            proptest::prop_assert_eq!(!joined.broken, expected);
        }

        #[test]
        fn dates_parse_as_chrono_does(
            days in proptest::collection::vec((1990i32..2040, 0u32..14, 0u32..33), 1..400),
            junk in "[0-9-]{10}",
        ) {
            for &(y, m, d) in &days {
                let text = format!("{y:04}-{m:02}-{d:02}");
                proptest::prop_assert_eq!(parse_date(&text), NaiveDate::from_ymd_opt(y, m, d));
            }
            let expected = NaiveDate::parse_from_str(&junk, "%Y-%m-%d")
                .ok()
                .filter(|_| junk.as_bytes()[4] == b'-' && junk.as_bytes()[7] == b'-')
                .filter(|_| junk.bytes().filter(u8::is_ascii_digit).count() == 8);
            proptest::prop_assert_eq!(parse_date(&junk), expected);
        }

        #[test]
        fn decimals_parse_as_the_standard_parser_does(
            text in "[+-]?[0-9]{0,18}(\\.[0-9]{0,18})?",
            x in proptest::num::f64::NORMAL,
        ) {
            let ours = parse_f64(&text).map(f64::to_bits);
            proptest::prop_assert_eq!(ours, text.parse::<f64>().ok().map(f64::to_bits));
            let text = x.to_string();
            proptest::prop_assert_eq!(parse_f64(&text).map(f64::to_bits), Some(x.to_bits()));
        }
    }

    #[test]
    fn quoted_files_use_the_csv_crate() {
        let mut d = FileDiags::new("t.csv".into(), 5);
        let sheet = open(b"a,b\n\"x,y\",2\n", &mut d);
        assert!(matches!(sheet.map(|s| s.body), Some(Body::Quoted { .. })));
    }

    /// Each row's line and first cell, and the diagnostics, of `bytes` read whole (`size` None)
    /// or in pieces of `size` bytes.
    fn lines_of(bytes: &[u8], size: Option<usize>) -> (Vec<(usize, String)>, Vec<String>) {
        let mut d = FileDiags::new("t.csv".into(), 10);
        let Some(sheet) = open(bytes, &mut d) else {
            return (
                Vec::new(),
                d.finish().iter().map(ToString::to_string).collect(),
            );
        };
        let col = Col {
            name: "a",
            index: Some(0),
        };
        let make = |row: &mut Row<'_>, _: &mut FileDiags| {
            Some((row.line, row.text(col).unwrap_or_default()))
        };
        let rows = sheet
            .collect_in(size.unwrap_or(CHUNK), &mut d, (None, false), make)
            .values;
        (rows, d.finish().iter().map(ToString::to_string).collect())
    }

    #[test]
    fn lines_are_counted_as_an_editor_counts_them() {
        let row = |line: usize, cell: &str| (line, cell.to_string());
        // csv-core would say 1, 1, 2: it counts the `\n` of a `\r\n` only when it reads the
        // next record, and the blank line not at all.
        let bytes = b"h\r\na\r\n\r\nb\n";
        let mut records = Records::new(bytes, 0, 1);
        let mut lines = Vec::new();
        while let Some((line, _)) = records.next_record() {
            lines.push(line);
        }
        assert_eq!(lines, [1, 2, 4]);
        // A lone `\r` ends a line too (old Mac files).
        let (rows, _) = lines_of(b"h\ra\rb\r", None);
        assert_eq!(rows, [row(2, "a"), row(3, "b")]);
        // Blank lines before the header move it.
        let (_, diags) = lines_of(b"\r\n\r\nh,h\r\n", None);
        assert_eq!(diags.len(), 1);
        assert!(diags[0].starts_with("t.csv:3:2: error: duplicate column 'h'"));
        // In pieces of a few bytes, cut inside `\r\n`s: the same lines.
        let bytes = b"h\r\na\r\n\r\nb\r\nc\r\r\nd\n";
        let expected = [row(2, "a"), row(4, "b"), row(5, "c"), row(7, "d")];
        for size in [None, Some(1), Some(2), Some(3)] {
            assert_eq!(lines_of(bytes, size).0, expected, "pieces of {size:?}");
        }
    }

    #[test]
    fn crlf_lines_after_a_quoted_line_end() {
        // Lines 2-3 hold one record (a quoted line end); the next record starts on line 4.
        let bytes = b"a,b\r\n1,\"two\r\nlines\"\r\n2,x\r\n\r\n3,\"\"\r\n";
        let (rows, _) = lines_of(bytes, None);
        assert_eq!(
            rows,
            [
                (2, "1".to_string()),
                (4, "2".to_string()),
                (6, "3".to_string())
            ]
        );
        let (_, diags) = lines_of(b"a,b\r\n1,\"x\r\ny\"\r\n2\r\n", None);
        assert_eq!(
            diags,
            [
                "t.csv:4:2: error: too few fields (found 1 field, expected 2 as in the header)\n  help: every row needs one value per header column; an empty value is nothing between two commas, like a,,c"
            ]
        );
    }

    #[test]
    fn records_must_have_as_many_fields_as_the_header() {
        let plain = b"account_id,month,mrr\nA1,2025-03,1,000.50\nA1,2025-04,12,345,678.90\nA2,2025-03,5,x\nA3\nA4,2025-03,7\n";
        let mut quoted = plain.to_vec();
        quoted.extend_from_slice(b"\"A5\",2025-03,8\n");
        for (bytes, kept) in [(&plain[..], 1), (&quoted[..], 2)] {
            let (rows, diags) = lines_of(bytes, None);
            assert_eq!(rows.len(), kept);
            assert_eq!(
                diags,
                [
                    "t.csv:2:4: error: too many fields (found 4 fields, expected 3 as in the header)\n  help: '1,000.50' looks like one number with thousands separators, read as 2 fields: write it without them (1000.50), or quote it (\"1,000.50\")",
                    "t.csv:3:4: error: too many fields (found 5 fields, expected 3 as in the header)\n  help: '12,345,678.90' looks like one number with thousands separators, read as 3 fields: write it without them (12345678.90), or quote it (\"12,345,678.90\")",
                    "t.csv:4:4: error: too many fields (found 4 fields, expected 3 as in the header)\n  help: a value that holds a comma must be quoted, like \"Acme, Inc.\"",
                    "t.csv:5:2: error: too few fields (found 1 field, expected 3 as in the header)\n  help: every row needs one value per header column; an empty value is nothing between two commas, like a,,c",
                ]
            );
        }
        assert_eq!(split_number(&[b"A1", b"2025", b"1", b"000.5"]), Some(2..4));
        assert_eq!(split_number(&[b"-1", b"000", b"000"]), Some(0..3));
        // `2025-03` is no number, `12` no group of three.
        assert_eq!(split_number(&[b"2025-03", b"100", b"1", b"12"]), None);
    }

    #[test]
    fn a_header_names_each_column_once() {
        let cases: [(&[u8], &str); 2] = [
            (b"account_id,month,mrr,MRR\nA1,2025-03,1,2\n", "MRR"),
            (b"account_id,month,mrr,mrr\n\"A1\",2025-03,1,2\n", "mrr"),
        ];
        for (bytes, name) in cases {
            let (rows, diags) = lines_of(bytes, None);
            assert!(rows.is_empty());
            assert_eq!(
                diags,
                [format!(
                    "t.csv:1:4: error: duplicate column '{name}' in the header (found it again in column 4, expected each column name once; first in column 3)\n  help: remove one of the two columns, or rename it"
                )]
            );
        }
        // Empty names (a trailing comma) are no duplicates.
        let (rows, diags) = lines_of(b"a,,\n1,,\n", None);
        assert_eq!((rows.len(), diags.len()), (1, 0));
    }

    #[test]
    fn invalid_utf8_is_located_after_quoted_line_ends() {
        let bytes = b"a,b\r\n1,\"x\r\ny\"\r\n2,Caf\xE9\r\n";
        let (rows, diags) = lines_of(bytes, None);
        assert_eq!(rows, [(2, "1".to_string())]);
        assert_eq!(
            diags,
            [
                "t.csv:4:2: error: invalid UTF-8 (found byte 0xE9 at byte 4 of the cell, expected UTF-8 text)"
            ]
        );
    }
}
