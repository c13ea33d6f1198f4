//! Number formatting shared by the terminal, pages and PDFs: money with thousands separators,
//! short money for tiles ($1.2M), percent with one decimal, ratios, counts, scores, and changes.
//! Missing values print as "—".

use crate::metrics::Value;
use crate::metrics::catalog::{MetricDef, Unit};

/// What a missing value prints as.
pub const MISSING: &str = "—";

/// The symbol for a currency code, or the code and a space.
fn symbol(currency: &str) -> String {
    match currency {
        "USD" => "$".into(),
        "EUR" => "€".into(),
        "GBP" => "£".into(),
        "JPY" => "¥".into(),
        other => format!("{other} "),
    }
}

/// Groups the digits of a non-negative whole number: 1234567 → "1,234,567".
fn grouped(whole: u64) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Money in whole units with separators: `$1,234,567`, `-$12`.
pub fn money(value: f64, currency: &str) -> String {
    let rounded = value.round();
    let sign = if rounded < 0.0 { "-" } else { "" };
    format!(
        "{sign}{}{}",
        symbol(currency),
        grouped(rounded.abs() as u64)
    )
}

/// Money for tiles: `$1.2M`, `$350K`, `$980`, `-$1.2M`.
pub fn money_short(value: f64, currency: &str) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    let abs = value.abs();
    let sym = symbol(currency);
    // Round first, so 999,950 shows as $1.0M rather than $1000.0K.
    if abs >= 999_950.0 {
        format!("{sign}{sym}{:.1}M", abs / 1_000_000.0)
    } else if abs >= 999.5 {
        format!("{sign}{sym}{:.0}K", abs / 1_000.0)
    } else {
        format!("{sign}{sym}{:.0}", abs)
    }
}

/// Percent with one decimal: `105.0%`.
pub fn percent(value: f64) -> String {
    format!("{value:.1}%")
}

/// A multiple: `3.2×`.
pub fn ratio(value: f64) -> String {
    format!("{value:.1}×")
}

/// Days for chart axes and labels: `12 d`.
pub fn days_short(value: f64) -> String {
    format!("{value:.0} d")
}

/// A plain number with a fixed number of decimals: `4.25`, `-12`.
pub fn fixed(value: f64, places: usize) -> String {
    format!("{value:.places$}")
}

/// A count with separators.
pub fn count(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}{}", grouped(value.abs().round() as u64))
}

/// A score: NPS as an integer (its scale is −100..100), CSAT and CES with two decimals.
pub fn score(def: &MetricDef, value: f64) -> String {
    if def.id == "nps" {
        format!("{:.0}", value)
    } else {
        format!("{value:.2}")
    }
}

/// A metric value in its unit, "—" when missing.
pub fn value(def: &MetricDef, value: Value, currency: &str) -> String {
    let Some(v) = value else {
        return MISSING.into();
    };
    match def.unit {
        Unit::Money => money(v, currency),
        Unit::Percent => percent(v),
        Unit::Count => count(v),
        Unit::Ratio => ratio(v),
        Unit::Score => score(def, v),
        Unit::Days => format!("{v:.0} days"),
        Unit::Hours => format!("{v:.1} h"),
    }
}

/// The change from `previous` to `current`: points for percent metrics and scores
/// (`+2.3 pts`), relative change otherwise (`+12.0%`); "—" when either is missing or the
/// relative base is zero.
pub fn change(def: &MetricDef, current: Value, previous: Value) -> String {
    let (Some(c), Some(p)) = (current, previous) else {
        return MISSING.into();
    };
    match def.unit {
        Unit::Percent | Unit::Score => format!("{:+.1} pts", c - p),
        Unit::Days => format!("{:+.0} days", c - p),
        Unit::Hours => format!("{:+.1} h", c - p),
        _ if p == 0.0 => MISSING.into(),
        _ => format!("{:+.1}%", (c - p) / p.abs() * 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::catalog::get;

    fn def(id: &str) -> &'static MetricDef {
        get(id).unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn money_formats() {
        assert_eq!(money(1_234_567.4, "USD"), "$1,234,567");
        assert_eq!(money(-12.0, "USD"), "-$12");
        assert_eq!(money(999.5, "EUR"), "€1,000");
        assert_eq!(money(1234.0, "CHF"), "CHF 1,234");
        assert_eq!(money(0.0, "USD"), "$0");
    }

    #[test]
    fn short_money_for_tiles() {
        assert_eq!(money_short(1_234_567.0, "USD"), "$1.2M");
        assert_eq!(money_short(999_950.0, "USD"), "$1.0M");
        assert_eq!(money_short(350_000.0, "USD"), "$350K");
        assert_eq!(money_short(999.4, "USD"), "$999");
        assert_eq!(money_short(-1_200_000.0, "USD"), "-$1.2M");
    }

    #[test]
    fn percent_ratio_count_score() {
        assert_eq!(percent(105.0), "105.0%");
        assert_eq!(percent(11.4707), "11.5%");
        assert_eq!(ratio(3.25), "3.2×");
        assert_eq!(count(1234.0), "1,234");
        assert_eq!(score(def("nps"), -12.4), "-12");
        assert_eq!(score(def("csat"), 4.25), "4.25");
    }

    #[test]
    fn days_and_fixed() {
        assert_eq!(days_short(12.4), "12 d");
        assert_eq!(days_short(0.0), "0 d");
        assert_eq!(fixed(4.254, 2), "4.25");
        assert_eq!(fixed(-12.0, 0), "-12");
    }

    #[test]
    fn values_and_changes_by_unit() {
        assert_eq!(value(def("nrr"), Some(88.46), "USD"), "88.5%");
        assert_eq!(value(def("nrr"), None, "USD"), "—");
        assert_eq!(value(def("mrr"), Some(1650.0), "USD"), "$1,650");
        assert_eq!(value(def("active_accounts"), Some(3.0), "USD"), "3");
        assert_eq!(change(def("nrr"), Some(105.0), Some(102.7)), "+2.3 pts");
        assert_eq!(change(def("mrr"), Some(1120.0), Some(1000.0)), "+12.0%");
        assert_eq!(change(def("mrr"), Some(10.0), Some(0.0)), "—");
        assert_eq!(change(def("nrr"), None, Some(1.0)), "—");
    }
}
