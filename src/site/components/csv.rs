//! CSV files of page tables: exact values, quoted fields, cells guarded against spreadsheet
//! formulas.

use super::*;

/// A CSV text as a `data:` URL for an `href`: `text/csv` in UTF-8, every byte but the
/// unreserved characters and `,` percent-encoded, so the URL needs no further HTML escaping.
pub(crate) fn data_url(csv: &str) -> String {
    const PREFIX: &str = "data:text/csv;charset=utf-8,";
    let mut url = String::with_capacity(PREFIX.len() + csv.len() * 11 / 10);
    url.push_str(PREFIX);
    for &b in csv.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b',') {
            url.push(b as char);
        } else {
            url.push('%');
            url.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            url.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    url
}

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
/// `symbol` is the currency's (`$`, see `money_symbol`).
fn csv_number(cell: &TableCell, symbol: &str) -> Option<String> {
    let v: f64 = cell.sort.as_deref()?.parse().ok()?;
    if !v.is_finite() {
        return Some(String::new());
    }
    let shown = cell.text.trim_start_matches('-');
    let money = !symbol.is_empty() && shown.starts_with(symbol);
    Some(if money {
        format::fixed(v, 2)
    } else {
        // Ten decimals, trailing zeros dropped: the engine's value without the last bits of
        // floating-point noise (`6.300000000000011` → `6.3`); no "-0".
        let mut text = format::fixed(v, 10);
        let kept = text.trim_end_matches('0').trim_end_matches('.').len();
        text.truncate(kept);
        text
    })
}

/// Appends a CSV field (see `csv_field`) to `out`.
fn push_field(out: &mut String, text: &str) {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) || text.contains([',', '"', '\n', '\r']) {
        out.push_str(&csv_field(text, true));
    } else {
        out.push_str(text);
    }
}

/// The text of zero in `currency` (`$0`), whose start is the symbol money is shown with.
fn money_symbol(currency: &str) -> String {
    format::money(0.0, currency)
}

/// A table as a CSV file: the column labels, then one line per row; numbers exact (see
/// `csv_number`), texts as shown, guarded by `csv_field`. Lines end with CRLF (RFC 4180).
pub(crate) fn table_csv(table: &Table, currency: &str) -> String {
    let zero = money_symbol(currency);
    let symbol = zero.trim_end_matches('0');
    let mut out = String::with_capacity(64 + table.rows.len() * table.columns.len() * 12);
    for (i, c) in table.columns.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(&mut out, &c.label);
    }
    out.push_str("\r\n");
    for row in &table.rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if cell.numeric() {
                if cell.sort.as_deref() == Some("") && cell.text == format::MISSING {
                    continue;
                }
                if let Some(n) = csv_number(cell, symbol) {
                    out.push_str(&n);
                    continue;
                }
            }
            push_field(&mut out, &cell.text);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::data_url;

    #[test]
    fn a_data_url_percent_encodes_all_but_unreserved_characters_and_commas() {
        assert_eq!(
            data_url("Month,MRR\n2026-10,\"$1,200.00\"\nÉ & <b>#%\n"),
            "data:text/csv;charset=utf-8,Month,MRR%0A2026-10,%22%241,200.00%22%0A\
             %C3%89%20%26%20%3Cb%3E%23%25%0A"
        );
    }
}
