//! Parquet tables: `data/<table>.parquet` read into rows for the loader, and written by
//! `postsale demo --format parquet`. Uses the `parquet` crate without Arrow and with the Snappy
//! codec only (what common exports use by default, and what `demo` writes).
//!
//! Reading: each value of a typed column (integers, doubles, decimals, booleans, dates,
//! timestamps, text) is written as the CSV grammar writes it (a decimal exactly, with its scale;
//! a double as its shortest round-trip decimal; a date as `YYYY-MM-DD`; a timestamp as
//! `YYYY-MM-DD HH:MM:SS` in UTC), so the loader checks it with the same rules as a CSV cell and
//! an export of the same data gives the same tables. Rows are named by number
//! (`data/mrr.parquet row 4 (account_id=ACC9)`).
//!
//! Writing: each column gets the Parquet type of its schema type (date → DATE, money →
//! DECIMAL(18,2), int → INT64, number → DOUBLE, bool → BOOLEAN, datetime → TIMESTAMP(MILLIS),
//! the rest → UTF8), every column optional (an empty cell is a null).

use super::csv_table::{TextRows, parse_bool, parse_date, parse_datetime, parse_f64};
use super::money::Money;
use super::schema::{Table, Type};
use anyhow::Context as _;
use chrono::{DateTime, NaiveDate};
use parquet::basic::Compression;
use parquet::basic::{ConvertedType, LogicalType, TimeUnit};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnDescriptor;
use std::fmt::Write as _;
use std::fs::File;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// The column names of the Parquet file at `path` and all its rows as text cells. Each row
/// group is decoded a column at a time, the columns in parallel.
pub(crate) fn read(path: &Path) -> Result<(Vec<String>, TextRows), String> {
    use rayon::prelude::*;
    // In memory, so the columns are read in parallel from one buffer (a `File` reader's clones
    // would share one file position).
    let file = crate::files::FileBytes::open(path, "a Parquet file")
        .map_err(|e| format!("cannot read the file: {e}"))?;
    let unreadable = |e: ParquetError| format!("cannot read the file as Parquet: {e}");
    let reader =
        SerializedFileReader::new(bytes::Bytes::copy_from_slice(&file)).map_err(unreadable)?;
    drop(file);
    let schema = reader.metadata().file_metadata().schema_descr_ptr();
    let fields = schema.root_schema().get_fields();
    if fields.len() != schema.num_columns() || fields.iter().any(|f| f.is_group()) {
        return Err(
            "cannot read the file: nested columns (lists, maps, groups) are not supported \
             (expected one flat column per column of the table)"
                .into(),
        );
    }
    let width = schema.num_columns();
    let header: Vec<String> = (0..width)
        .map(|i| schema.column(i).name().trim().to_string())
        .collect();
    let mut out = TextRows::default();
    for g in 0..reader.num_row_groups() {
        let group = reader.get_row_group(g).map_err(unreadable)?;
        let rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        let readers = (0..width)
            .map(|i| group.get_column_reader(i).map(|r| (r, schema.column(i))))
            .collect::<Result<Vec<_>, _>>()
            .map_err(unreadable)?;
        let columns = readers
            .into_par_iter()
            .map(|(reader, descr)| {
                decode(reader, &descr, rows)
                    .map_err(|e| format!("cannot read column '{}': {e}", descr.name()))
            })
            .collect::<Result<Vec<Cells>, String>>()?;
        let mut offsets = Vec::with_capacity(width);
        for column in &columns {
            offsets.push(out.text.len());
            out.text.push_str(&column.text);
        }
        let first = out.rows.len();
        out.bounds.reserve(rows * width);
        for r in 0..rows {
            let start = out.bounds.len();
            for (column, offset) in columns.iter().zip(&offsets) {
                let cell = column.bounds.get(r).cloned().unwrap_or(0..0);
                out.bounds.push(offset + cell.start..offset + cell.end);
            }
            out.rows.push((first + r + 1, start..out.bounds.len()));
        }
    }
    Ok((header, out))
}

/// One column of a row group as text: the cells end to end, and each row's range.
struct Cells {
    text: String,
    bounds: Vec<Range<usize>>,
}

/// The cells of one column chunk of `rows` rows, each value written as a CSV cell holds it.
fn decode(
    reader: ColumnReader,
    descr: &ColumnDescriptor,
    rows: usize,
) -> Result<Cells, ParquetError> {
    let scale = descr.type_scale();
    let kind = descr.converted_type();
    let nanos = matches!(
        descr.logical_type_ref(),
        Some(LogicalType::Timestamp(t)) if t.unit == TimeUnit::NANOS
    );
    // Writing to a String cannot fail.
    match reader {
        ColumnReader::BoolColumnReader(r) => cells(r, descr, rows, |v, t| {
            let _ = write!(t, "{v}");
        }),
        ColumnReader::Int32ColumnReader(r) => match kind {
            ConvertedType::DATE => cells(r, descr, rows, |v, t| date(i64::from(*v), t)),
            ConvertedType::DECIMAL => {
                cells(r, descr, rows, |v, t| decimal(&v.to_be_bytes(), scale, t))
            }
            ConvertedType::UINT_8 | ConvertedType::UINT_16 | ConvertedType::UINT_32 => {
                cells(r, descr, rows, |v, t| {
                    let _ = write!(t, "{}", *v as u32);
                })
            }
            _ => cells(r, descr, rows, |v, t| {
                let _ = write!(t, "{v}");
            }),
        },
        ColumnReader::Int64ColumnReader(r) => match kind {
            ConvertedType::DECIMAL => {
                cells(r, descr, rows, |v, t| decimal(&v.to_be_bytes(), scale, t))
            }
            ConvertedType::TIMESTAMP_MILLIS => cells(r, descr, rows, |v, t| {
                timestamp(DateTime::from_timestamp_millis(*v), *v, t)
            }),
            ConvertedType::TIMESTAMP_MICROS => cells(r, descr, rows, |v, t| {
                timestamp(DateTime::from_timestamp_micros(*v), *v, t)
            }),
            _ if nanos => cells(r, descr, rows, |v, t| {
                timestamp(Some(DateTime::from_timestamp_nanos(*v)), *v, t)
            }),
            ConvertedType::UINT_64 => cells(r, descr, rows, |v, t| {
                let _ = write!(t, "{}", *v as u64);
            }),
            _ => cells(r, descr, rows, |v, t| {
                let _ = write!(t, "{v}");
            }),
        },
        ColumnReader::FloatColumnReader(r) => cells(r, descr, rows, |v, t| {
            let _ = write!(t, "{v}");
        }),
        ColumnReader::DoubleColumnReader(r) => cells(r, descr, rows, |v, t| {
            let _ = write!(t, "{v}");
        }),
        ColumnReader::ByteArrayColumnReader(r) => match kind {
            ConvertedType::DECIMAL => cells(r, descr, rows, |v, t| decimal(v.data(), scale, t)),
            _ => cells(r, descr, rows, |v, t| {
                t.push_str(&String::from_utf8_lossy(v.data()));
            }),
        },
        ColumnReader::FixedLenByteArrayColumnReader(r) => match kind {
            ConvertedType::DECIMAL => cells(r, descr, rows, |v, t| decimal(v.data(), scale, t)),
            _ => cells(r, descr, rows, |v, t| {
                t.push_str(&String::from_utf8_lossy(v.data()));
            }),
        },
        ColumnReader::Int96ColumnReader(_) => Err(ParquetError::General(
            "INT96 timestamps are not supported (expected a TIMESTAMP column)".into(),
        )),
    }
}

/// Reads the `rows` values of a column chunk and writes each with `put` (nothing for a null).
fn cells<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    descr: &ColumnDescriptor,
    rows: usize,
    put: impl Fn(&T::T, &mut String),
) -> Result<Cells, ParquetError> {
    let max_def = descr.max_def_level();
    let mut values: Vec<T::T> = Vec::with_capacity(rows);
    let mut defs: Vec<i16> = Vec::with_capacity(rows);
    let (records, _, _) =
        reader.read_records(rows, (max_def > 0).then_some(&mut defs), None, &mut values)?;
    if records != rows || (max_def > 0 && defs.len() != rows) {
        return Err(ParquetError::General(format!(
            "found {records} values, expected {rows}"
        )));
    }
    let mut out = Cells {
        text: String::new(),
        bounds: Vec::with_capacity(rows),
    };
    let mut next = values.iter();
    for row in 0..rows {
        let at = out.text.len();
        if (max_def == 0 || defs.get(row) == Some(&max_def))
            && let Some(value) = next.next()
        {
            put(value, &mut out.text);
        }
        out.bounds.push(at..out.text.len());
    }
    Ok(out)
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn date(days: i64, text: &mut String) {
    let _ = match NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(days)))
    {
        Some(date) => write!(text, "{date}"),
        None => write!(text, "date {days}"),
    };
}

/// A UTC instant as `YYYY-MM-DD HH:MM:SS` (`raw` when out of range).
fn timestamp(at: Option<DateTime<chrono::Utc>>, raw: i64, text: &mut String) {
    let _ = match at {
        Some(at) => write!(text, "{}", at.naive_utc().format("%Y-%m-%d %H:%M:%S")),
        None => write!(text, "timestamp {raw}"),
    };
}

/// A decimal's big-endian two's-complement `bytes` with `scale` decimals, exactly.
fn decimal(bytes: &[u8], scale: i32, text: &mut String) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let mut value: i128 = if negative { -1 } else { 0 };
    for b in bytes.iter().rev().take(16).rev() {
        value = (value << 8) | i128::from(*b);
    }
    let digits = value.unsigned_abs().to_string();
    let scale = usize::try_from(scale).unwrap_or(0);
    let digits = format!("{digits:0>width$}", width = scale + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale);
    if negative {
        text.push('-');
    }
    text.push_str(whole);
    if scale > 0 {
        text.push('.');
        text.push_str(fraction);
    }
}

/// Rows per row group `demo` writes.
const GROUP: usize = 100_000;

/// One table `demo` writes as Parquet: rows gathered as text (as for CSV), written a row group
/// at a time in the Parquet type of each column.
pub(crate) struct Writer {
    name: String,
    types: Vec<Type>,
    columns: Vec<Vec<Option<String>>>,
    writer: SerializedFileWriter<File>,
}

impl Writer {
    /// `path` for `table`, with `extra` text columns after the schema's.
    pub fn create(path: &Path, table: &Table, extra: &[&str]) -> anyhow::Result<Writer> {
        let mut types: Vec<Type> = table.columns.iter().map(|c| c.ty).collect();
        types.extend(extra.iter().map(|_| Type::Text));
        let names = table.header().into_iter().chain(extra.iter().copied());
        let mut message = format!("message {} {{\n", table.name);
        for (name, ty) in names.zip(&types) {
            let (physical, logical) = match ty {
                Type::Date => ("INT32", " (DATE)"),
                Type::Money => ("INT64", " (DECIMAL(18,2))"),
                Type::Int { .. } => ("INT64", ""),
                Type::Number { .. } => ("DOUBLE", ""),
                Type::Bool => ("BOOLEAN", ""),
                Type::DateTime => ("INT64", " (TIMESTAMP(MILLIS,true))"),
                _ => ("BYTE_ARRAY", " (UTF8)"),
            };
            let _ = writeln!(message, "  OPTIONAL {physical} {name}{logical};");
        }
        message.push('}');
        let schema = parquet::schema::parser::parse_message_type(&message)
            .with_context(|| format!("the Parquet schema of {}", table.name))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by("postsale demo".into())
            .build();
        let file =
            File::create(path).with_context(|| format!("failed to create {}", path.display()))?;
        let writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))
            .with_context(|| format!("failed to write {}", path.display()))?;
        Ok(Writer {
            name: path.display().to_string(),
            columns: vec![Vec::new(); types.len()],
            types,
            writer,
        })
    }

    /// Adds one row of text cells (an empty cell is a null).
    pub fn row<T: AsRef<[u8]>>(
        &mut self,
        cells: impl IntoIterator<Item = T>,
    ) -> anyhow::Result<()> {
        for (column, value) in self.columns.iter_mut().zip(cells) {
            let value = String::from_utf8_lossy(value.as_ref());
            column.push((!value.is_empty()).then(|| value.into_owned()));
        }
        if self.columns.first().map_or(0, Vec::len) >= GROUP {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the rows gathered as one row group.
    fn flush(&mut self) -> anyhow::Result<()> {
        if self.columns.first().is_none_or(Vec::is_empty) {
            return Ok(());
        }
        let name = self.name.clone();
        let mut group = self
            .writer
            .next_row_group()
            .with_context(|| format!("failed to write {name}"))?;
        for (cells, ty) in self.columns.iter_mut().zip(&self.types) {
            let Some(mut column) = group
                .next_column()
                .with_context(|| format!("failed to write {name}"))?
            else {
                anyhow::bail!("failed to write {name}: fewer columns than the schema");
            };
            let levels: Vec<i16> = cells.iter().map(|c| i16::from(c.is_some())).collect();
            let values = cells.iter().flatten();
            let bad = |text: &str| anyhow::anyhow!("{name}: '{text}' is no {ty:?} value");
            let written = match ty {
                Type::Date => {
                    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
                    let days = values
                        .map(|t| {
                            parse_date(t)
                                .and_then(|d| i32::try_from((d - epoch).num_days()).ok())
                                .ok_or_else(|| bad(t))
                        })
                        .collect::<anyhow::Result<Vec<i32>>>()?;
                    column
                        .typed::<Int32Type>()
                        .write_batch(&days, Some(&levels), None)
                }
                Type::Money => {
                    let cents = values
                        .map(|t| Money::parse(t).map(|m| m.cents()).ok_or_else(|| bad(t)))
                        .collect::<anyhow::Result<Vec<i64>>>()?;
                    column
                        .typed::<Int64Type>()
                        .write_batch(&cents, Some(&levels), None)
                }
                Type::Int { .. } => {
                    let ints = values
                        .map(|t| t.parse::<i64>().map_err(|_| bad(t)))
                        .collect::<anyhow::Result<Vec<i64>>>()?;
                    column
                        .typed::<Int64Type>()
                        .write_batch(&ints, Some(&levels), None)
                }
                Type::Number { .. } => {
                    let numbers = values
                        .map(|t| parse_f64(t).ok_or_else(|| bad(t)))
                        .collect::<anyhow::Result<Vec<f64>>>()?;
                    column
                        .typed::<DoubleType>()
                        .write_batch(&numbers, Some(&levels), None)
                }
                Type::Bool => {
                    let bools = values
                        .map(|t| parse_bool(t).ok_or_else(|| bad(t)))
                        .collect::<anyhow::Result<Vec<bool>>>()?;
                    column
                        .typed::<BoolType>()
                        .write_batch(&bools, Some(&levels), None)
                }
                Type::DateTime => {
                    let millis = values
                        .map(|t| {
                            parse_datetime(t)
                                .map(|at| at.and_utc().timestamp_millis())
                                .ok_or_else(|| bad(t))
                        })
                        .collect::<anyhow::Result<Vec<i64>>>()?;
                    column
                        .typed::<Int64Type>()
                        .write_batch(&millis, Some(&levels), None)
                }
                _ => {
                    let texts: Vec<ByteArray> =
                        values.map(|t| ByteArray::from(t.as_str())).collect();
                    column
                        .typed::<ByteArrayType>()
                        .write_batch(&texts, Some(&levels), None)
                }
            };
            written.with_context(|| format!("failed to write {name}"))?;
            column
                .close()
                .with_context(|| format!("failed to write {name}"))?;
            cells.clear();
        }
        group
            .close()
            .with_context(|| format!("failed to write {name}"))?;
        Ok(())
    }

    /// Writes the last row group and the footer.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.flush()?;
        let name = self.name.clone();
        self.writer
            .close()
            .with_context(|| format!("failed to write {name}"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_exactly() {
        let text = |bytes: &[u8], scale| {
            let mut t = String::new();
            decimal(bytes, scale, &mut t);
            t
        };
        // 123450 cents with two decimals.
        assert_eq!(text(&123_450i64.to_be_bytes(), 2), "1234.50");
        assert_eq!(text(&(-5i64).to_be_bytes(), 2), "-0.05");
        assert_eq!(text(&7i32.to_be_bytes(), 0), "7");
    }

    #[test]
    fn typed_columns_read_back_as_their_csv_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tickets.parquet");
        let table = super::super::schema::TICKETS;
        let mut w = Writer::create(&path, table, &[]).expect("create");
        w.row([
            "T1",
            "A1",
            "2026-01-05 09:30:00",
            "",
            "",
            "high",
            "yes",
            "0",
            "4",
        ])
        .expect("row");
        w.finish().expect("finish");
        let (header, rows) = read(&path).expect("read");
        assert_eq!(header, table.header());
        let cells: Vec<&str> = rows.bounds.iter().map(|b| &rows.text[b.clone()]).collect();
        assert_eq!(
            cells,
            [
                "T1",
                "A1",
                "2026-01-05 09:30:00",
                "",
                "",
                "high",
                "true",
                "false",
                "4"
            ]
        );
    }
}
