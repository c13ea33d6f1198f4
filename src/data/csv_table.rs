//! One CSV file as a sequence of rows with typed, validated cell accessors. Every bad cell
//! becomes a diagnostic `file:line:column: ... (found 'X', expected Y)` and marks its row as
//! failed; the caller keeps the row only if nothing failed. Knows DATA.md's value grammar (ids,
//! dates, months, money, numbers, bools, enums), not any particular table.

use super::money::Money;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::period::Month;
use chrono::{NaiveDate, NaiveDateTime};
use csv::ByteRecord;

/// The diagnostics of one file, capped at `max` (the rest are only counted).
#[derive(Debug)]
pub(crate) struct FileDiags {
    pub file: String,
    pub list: Vec<Diagnostic>,
    pub dropped: usize,
    pub max: usize,
}

impl FileDiags {
    pub fn new(file: String, max: usize) -> Self {
        FileDiags {
            file,
            list: Vec::new(),
            dropped: 0,
            max,
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        if self.list.len() < self.max {
            self.list.push(d);
        } else {
            self.dropped += 1;
        }
    }

    pub fn at(&mut self, line: usize, column: usize, message: String) {
        let d = Diagnostic::error(self.file.clone(), line, column, message);
        self.push(d);
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
pub(crate) struct Sheet {
    /// Header names as written (trimmed), in file order.
    pub header: Vec<String>,
    lower: Vec<String>,
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
}

/// Reads `bytes` (a whole file) as CSV with a header. An empty file is an error.
pub(crate) fn open(mut bytes: Vec<u8>, diags: &mut FileDiags) -> Option<Sheet> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        diags.push(Diagnostic::file_error(
            diags.file.clone(),
            "empty file (found no header row, expected a header with the table's column names)",
        ));
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(std::io::Cursor::new(bytes));
    let header = match reader.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            diags.at(1, 1, format!("unreadable header ({e})"));
            return None;
        }
    };
    let mut names = Vec::with_capacity(header.len());
    for (i, field) in header.iter().enumerate() {
        match std::str::from_utf8(field) {
            Ok(s) => names.push(s.trim().to_string()),
            Err(e) => {
                diags.at(
                    1,
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
    let lower = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    Some(Sheet {
        header: names,
        lower,
        reader,
    })
}

impl Sheet {
    /// Locates `names` (a trailing `*` marks a required column). Each missing required column is
    /// an error at line 1 with a "did you mean" against the header; returns None if any is
    /// missing.
    pub fn columns<const N: usize>(
        &self,
        names: [&'static str; N],
        diags: &mut FileDiags,
    ) -> Option<[Col; N]> {
        let mut ok = true;
        let header: Vec<&str> = self.header.iter().map(String::as_str).collect();
        let cols = names.map(|spec| {
            let (name, required) = match spec.strip_suffix('*') {
                Some(n) => (n, true),
                None => (spec, false),
            };
            let index = self.lower.iter().position(|h| h == name);
            if index.is_none() && required {
                ok = false;
                let d = Diagnostic::error(
                    diags.file.clone(),
                    1,
                    1,
                    format!("missing required column '{name}' (found columns {}, expected a column named '{name}')", quoted(&header)),
                );
                let d = match crate::diagnostic::suggest(name, header.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`? Rename that column to '{name}'")),
                    None => d,
                };
                diags.push(d);
            }
            Col { name, index }
        });
        ok.then_some(cols)
    }

    /// Calls `each` for every data record. Records with invalid UTF-8 are reported and skipped.
    pub fn rows(
        mut self,
        diags: &mut FileDiags,
        mut each: impl FnMut(&mut Row<'_>, &mut FileDiags),
    ) -> usize {
        let mut record = ByteRecord::new();
        let mut count = 0;
        loop {
            match self.reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    diags.at(line, 1, format!("unreadable CSV record ({e})"));
                    count += 1;
                    continue;
                }
            }
            count += 1;
            let line = record.position().map_or(0, |p| p.line() as usize);
            if std::str::from_utf8(record.as_slice()).is_err() {
                for (i, field) in record.iter().enumerate() {
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
                continue;
            }
            let mut row = Row {
                record: &record,
                line,
                failed: false,
            };
            each(&mut row, diags);
        }
        count
    }
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One record being read. Accessors return None for an empty cell or a bad value; a bad value is
/// reported and sets `failed`.
pub(crate) struct Row<'a> {
    record: &'a ByteRecord,
    pub line: usize,
    pub failed: bool,
}

impl Row<'_> {
    /// The trimmed text of a cell; None when the column is absent or the cell empty.
    pub fn raw(&self, col: Col) -> Option<&str> {
        let field = self.record.get(col.index?)?;
        // The whole record was checked to be UTF-8 in `Sheet::rows`.
        let text = std::str::from_utf8(field).ok()?.trim();
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
        diags.at(
            self.line,
            col.index.map_or(1, |i| i + 1),
            format!(
                "{what} in column '{}' (found '{found}', expected {expected})",
                col.name
            ),
        );
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
        let d = Diagnostic::error(
            diags.file.clone(),
            self.line,
            col.index.map_or(1, |i| i + 1),
            message,
        )
        .with_help(help);
        diags.push(d);
    }

    /// A required text cell (id or name).
    pub fn id(&mut self, diags: &mut FileDiags, col: Col) -> Option<String> {
        match self.raw(col) {
            Some(t) => Some(t.to_string()),
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

    /// An optional text cell, lower-cased (open vocabularies).
    pub fn lower(&self, col: Col) -> Option<String> {
        self.raw(col).map(str::to_ascii_lowercase)
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
            |t| t.parse::<f64>().ok().filter(|v| v.is_finite()),
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
            Some(t) => t.to_string(),
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
        match parse(&text) {
            Some(v) => Some(v),
            None => {
                let message = format!(
                    "unknown {} in column '{}' (found '{text}', expected one of {})",
                    col.name,
                    col.name,
                    names.join(", ")
                );
                self.bad_with_help(diags, col, message, did_you_mean(&text, names));
                None
            }
        }
    }
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

/// `true/false/yes/no/1/0`, case-insensitive.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Some(true),
        "false" | "no" | "0" => Some(false),
        _ => None,
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
}
