//! CSV files of page tables: exact values, quoted fields, cells guarded against spreadsheet
//! formulas.

use super::*;

/// A CSV field: a text from the data guarded against spreadsheet formulas (a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a `'`), quoted when it holds a comma, quote or line
/// break.
pub(crate) fn csv_field(text: &str, guard: bool) -> String {
    let guarded = if guard && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A numeric cell's exact value for a CSV file, from the number it was built from (its sort
/// key): money (shown with the currency's symbol) in currency units with two decimals, every
/// other number (percents as numbers, ratios, counts, days) as the engine computed it to ten
/// decimals; empty when missing. `None` for a cell without a number.
pub(super) fn csv_number(cell: &TableCell, currency: &str) -> Option<String> {
    let v: f64 = cell.sort.as_deref()?.parse().ok()?;
    if !v.is_finite() {
        return Some(String::new());
    }
    let shown = cell.text.trim_start_matches('-');
    let symbol = format::money(0.0, currency);
    let symbol = symbol.trim_end_matches('0');
    let money = !symbol.is_empty() && shown.starts_with(symbol);
    Some(if money {
        format::fixed(v, 2)
    } else {
        // Ten decimals, trailing zeros dropped: the engine's value without the last bits of
        // floating-point noise (`6.300000000000011` → `6.3`); no "-0".
        let text = format::fixed(v, 10);
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    })
}

/// A table as a CSV file: the column labels, then one line per row; numbers exact (see
/// `csv_number`), texts as shown, guarded by `csv_field`. Lines end with CRLF (RFC 4180).
pub(crate) fn table_csv(table: &Table, currency: &str) -> String {
    let mut out = String::new();
    let header: Vec<String> = table
        .columns
        .iter()
        .map(|c| csv_field(&c.label, true))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|cell| {
                if cell.numeric() {
                    if cell.sort.as_deref() == Some("") && cell.text == format::MISSING {
                        return String::new();
                    }
                    if let Some(n) = csv_number(cell, currency) {
                        return n;
                    }
                }
                csv_field(&cell.text, true)
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}
