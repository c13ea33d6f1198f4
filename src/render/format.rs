//! Number and word formatting shared by the terminal, pages and PDFs: money with thousands
//! separators, short money for tiles ($1.2M), percent with one decimal, ratios, counts, scores,
//! changes, and the words for data codes (`check_in` → "Check-in"). Missing values print as "—".
//! A value that rounds to zero never prints a sign ("0.0%", not "-0.0%"); a change is computed
//! from the values as they are shown, so "18 → 10" reads as a fall of 8 points.

use crate::config::Target;
use crate::metrics::Value;
use crate::metrics::basis::{Basis, Windowing};
use crate::metrics::catalog::{Band, MetricDef, Unit};
use std::cmp::Ordering;
use std::collections::BTreeMap;

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
    let sign = if rounded <= -1.0 { "-" } else { "" };
    format!(
        "{sign}{}{}",
        symbol(currency),
        grouped(rounded.abs() as u64)
    )
}

/// Money for tiles: `$1.2M`, `$350K`, `$980`, `-$1.2M`.
pub fn money_short(value: f64, currency: &str) -> String {
    let abs = value.abs();
    let sym = symbol(currency);
    // Round first, so 999,950 shows as $1.0M rather than $1000.0K.
    let body = if abs >= 999_950.0 {
        format!("{:.1}M", abs / 1_000_000.0)
    } else if abs >= 999.5 {
        format!("{:.0}K", abs / 1_000.0)
    } else {
        format!("{:.0}", abs)
    };
    let sign = if value < 0.0 && !is_zero(&body) {
        "-"
    } else {
        ""
    };
    format!("{sign}{sym}{body}")
}

/// Whether a formatted number shows no non-zero digit ("0", "0.0", "-0.00").
fn is_zero(text: &str) -> bool {
    !text.bytes().any(|b| b.is_ascii_digit() && b != b'0')
}

/// Percent with one decimal: `105.0%`.
pub fn percent(value: f64) -> String {
    format!("{}%", fixed(value, 1))
}

/// A probability (0–1) in percent to one decimal, "under 0.1%" and "over 99.9%" at the ends
/// rather than a certain-looking 0.0% or 100.0%.
pub fn probability(p: f64) -> String {
    if p < 0.0005 {
        "under 0.1%".into()
    } else if p >= 0.9995 {
        "over 99.9%".into()
    } else {
        percent(p * 100.0)
    }
}

/// A multiple: `3.2×`.
pub fn ratio(value: f64) -> String {
    format!("{}×", fixed(value, 1))
}

/// Days for chart axes and labels: `12 d`.
pub fn days_short(value: f64) -> String {
    format!("{} d", fixed(value, 0))
}

/// A plain number with a fixed number of decimals: `4.25`, `-12`; a value that rounds to zero
/// prints without a sign (`-0.04` → `0.0`).
pub fn fixed(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    match text.strip_prefix('-') {
        Some(rest) if is_zero(rest) => rest.to_string(),
        _ => text,
    }
}

/// A number with a sign when it shows a non-zero digit: `+2.3`, `-0.1`, `0.0` (for `-0.04`).
pub fn signed(value: f64, places: usize) -> String {
    let text = fixed(value, places);
    if text.starts_with('-') || is_zero(&text) {
        text
    } else {
        format!("+{text}")
    }
}

/// A count with separators.
pub fn count(value: f64) -> String {
    let rounded = value.round();
    let sign = if rounded <= -1.0 { "-" } else { "" };
    format!("{sign}{}", grouped(rounded.abs() as u64))
}

/// Whether a score metric reads as a whole number: NPS (its scale is −100..100) and the
/// health score (0..100).
fn whole_score(def: &MetricDef) -> bool {
    matches!(def.id, "nps" | "health_score_avg")
}

/// The decimals a metric's value is shown with.
fn places(def: &MetricDef) -> usize {
    match def.unit {
        Unit::Money | Unit::Count | Unit::Days => 0,
        Unit::Percent | Unit::Ratio | Unit::Hours => 1,
        Unit::Score if whole_score(def) => 0,
        Unit::Score => 2,
    }
}

/// A score: NPS and the health score as whole numbers, CSAT and CES with two decimals.
pub fn score(def: &MetricDef, value: f64) -> String {
    fixed(value, places(def))
}

/// A health score as shown everywhere: a whole number (`73.12` → `73`).
pub fn health(value: f64) -> String {
    fixed(value, 0)
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
        Unit::Days => format!("{} days", fixed(v, 0)),
        Unit::Hours => format!("{} h", fixed(v, 1)),
    }
}

/// A configured target as text, each with the basis it judges: `110%` for a metric with no
/// basis, `110% (annual)` for a rate, `110% (annual), 102% (quarter), 100.5% (month)` for one set
/// per basis (annual first).
pub fn target(def: &MetricDef, target: &Target, currency: &str) -> String {
    let windowed = def.windowing() != Windowing::None;
    match target {
        Target::Annual(t) if windowed => format!("{} (annual)", value(def, Some(*t), currency)),
        Target::Annual(t) => value(def, Some(*t), currency),
        Target::PerBasis(_) => ["annual", "quarter", "month"]
            .iter()
            .filter_map(|key| {
                let basis = match *key {
                    "annual" => Basis::Ttm,
                    "quarter" => Basis::Quarter,
                    _ => Basis::Month,
                };
                let t = target.for_basis(Some(basis))?;
                Some(format!("{} ({key})", value(def, Some(t), currency)))
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Why a snapshot metric (`MetricDef::is_snapshot`) shows "—" where other metrics show their
/// change: it has no history.
pub const NO_HISTORY: &str = "snapshot: no history";

/// A band threshold in the metric's unit, with as few decimals as it needs: `120%`, `1.5×`,
/// `4 h`, `50`; money thresholds (none in the catalog today) as plain currency units.
pub fn threshold(def: &MetricDef, value: f64) -> String {
    let text = trimmed(value);
    match def.unit {
        Unit::Percent => format!("{text}%"),
        Unit::Money | Unit::Count | Unit::Score => text,
        Unit::Ratio => format!("{text}×"),
        Unit::Days => format!("{text} days"),
        Unit::Hours => format!("{text} h"),
    }
}

/// A number with up to two decimals and no trailing zeros: `120`, `1.5`, `0.25`.
fn trimmed(value: f64) -> String {
    let text = fixed(value, 2);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The range a benchmark band covers (`min <= value < max`), in the metric's unit:
/// `≥ 120%`, `110–120%`, `< 90%`; "any value" for a band open at both ends.
pub fn band_range(def: &MetricDef, band: &Band) -> String {
    match (band.min, band.max) {
        // The unit is written once, after the upper end: `110–120%`.
        (Some(lo), Some(hi)) => format!("{}–{}", trimmed(lo), threshold(def, hi)),
        (Some(lo), None) => format!("≥ {}", threshold(def, lo)),
        (None, Some(hi)) => format!("< {}", threshold(def, hi)),
        (None, None) => "any value".into(),
    }
}

/// A metric's benchmark bands as one line of text, best first as the catalog lists them:
/// `best ≥ 120%; good 110–120%; acceptable 100–110%; warning 90–100%; critical < 90%`; empty
/// when the metric has no bands.
pub fn bands(def: &MetricDef) -> String {
    def.bands
        .iter()
        .map(|b| format!("{} {}", b.label, band_range(def, b)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A change as it is shown: its direction and its size without a sign (`7.6 pts`, `12.0%`),
/// both from the two values as they are displayed, so the change always agrees with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    /// `Greater` when the shown value rose, `Less` when it fell, `Equal` when the shown change
    /// is zero.
    pub direction: Ordering,
    /// The size of the change without a sign.
    pub size: String,
}

impl Delta {
    /// "rose", "fell" or "held" for sentences such as "NRR fell 2.3 pts to 97.0%".
    pub fn verb(&self) -> &'static str {
        match self.direction {
            Ordering::Greater => "rose",
            Ordering::Less => "fell",
            Ordering::Equal => "held",
        }
    }

    /// The change with its sign: `+2.3 pts`, `-12.0%`, `0.0 pts` (no sign when it is zero).
    pub fn signed(&self) -> String {
        match self.direction {
            Ordering::Greater => format!("+{}", self.size),
            Ordering::Less => format!("-{}", self.size),
            Ordering::Equal => self.size.clone(),
        }
    }
}

/// A value as shown with `places` decimals, in units of the last decimal (17.64 at one place
/// → 176): the displayed text read back, so it agrees with `fixed` on every rounding tie.
fn shown_units(value: f64, places: usize) -> Option<i64> {
    let shown: f64 = fixed(value, places).parse().ok()?;
    let units = (shown * 10f64.powi(places as i32)).round();
    (units.is_finite() && units.abs() < 9.0e15).then_some(units as i64)
}

/// `units` hundredths (or tenths, …) as text with `places` decimals, without a sign.
fn units_text(units: i64, places: usize) -> String {
    fixed(
        units.unsigned_abs() as f64 / 10f64.powi(places as i32),
        places,
    )
}

/// The change from `previous` to `current` as shown: points for percent metrics and scores,
/// days and hours for durations, relative change otherwise; computed from the two values
/// rounded as they are displayed. `None` when either is missing or the relative base shows as
/// zero.
pub fn delta(def: &MetricDef, current: Value, previous: Value) -> Option<Delta> {
    let (c, p) = (current?, previous?);
    let places = places(def);
    let (cu, pu) = (shown_units(c, places)?, shown_units(p, places)?);
    let unit = match def.unit {
        Unit::Percent | Unit::Score => Some(" pts"),
        Unit::Days => Some(" days"),
        Unit::Hours => Some(" h"),
        _ => None,
    };
    if let Some(unit) = unit {
        let diff = cu - pu;
        return Some(Delta {
            direction: diff.cmp(&0),
            size: format!("{}{unit}", units_text(diff, places)),
        });
    }
    if pu == 0 {
        return None;
    }
    let relative = (cu - pu) as f64 / pu.unsigned_abs() as f64 * 100.0;
    let tenths = shown_units(relative, 1)?;
    Some(Delta {
        direction: tenths.cmp(&0),
        size: format!("{}%", units_text(tenths, 1)),
    })
}

/// The change from `previous` to `current` with its sign, as `delta` computes it: `+2.3 pts`,
/// `-12.0%`, `0.0 pts`; "—" when either is missing or the relative base is zero.
pub fn change(def: &MetricDef, current: Value, previous: Value) -> String {
    delta(def, current, previous).map_or(MISSING.into(), |d| d.signed())
}

/// Rows as aligned plain text for the terminal: the columns in `left` left-aligned, the others
/// right-aligned, two spaces apart, trailing spaces trimmed.
pub fn text_table(rows: &[Vec<String>], left: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(widths[c].saturating_sub(cell.chars().count()));
                if left.contains(&c) {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

/// `text` with its first letter in capitals ("renewal lost" → "Renewal lost").
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Words a code is spelled with when humanised, where the rule (first letter capital, `_` as a
/// space) would not do.
const WORDS: &[(&str, &str)] = &[
    ("check_in", "Check-in"),
    ("no_show", "No-show"),
    ("follow_up", "Follow-up"),
    ("csm_id", "CSM"),
    ("csm", "CSM"),
];

/// Abbreviations kept in capitals inside a humanised code.
const ACRONYMS: &[&str] = &[
    "acv", "arr", "mrr", "nrr", "grr", "csm", "qbr", "nps", "csat", "ces", "ltv", "cac", "arpa",
    "smb", "id", "kpi", "ebr",
];

/// The words for a data code shown to readers: `product_fit` → "Product fit", `check_in` →
/// "Check-in", `no_show` → "No-show", `acv_band` → "ACV band", `email` → "Email". Only codes
/// are changed (lowercase letters, digits and `_`); any other text, such as a segment named
/// "Mid-Market" or a band "< 10K", is returned as written.
pub fn words(code: &str) -> String {
    let is_code = code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !is_code {
        return code.to_string();
    }
    if let Some((_, w)) = WORDS.iter().find(|(c, _)| *c == code) {
        return (*w).to_string();
    }
    let mut out = String::with_capacity(code.len());
    for (i, part) in code.split('_').filter(|p| !p.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if ACRONYMS.contains(&part) {
            out.push_str(&part.to_ascii_uppercase());
        } else if i == 0 {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                out.push(first.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        } else {
            out.push_str(part);
        }
    }
    out
}

/// The words for a code inside a sentence ("NRR by ACV band", "by segment"): as `words`, with
/// the first word in lower case unless it is an abbreviation; the project's `labels` win.
pub fn phrase_with(labels: &BTreeMap<String, String>, code: &str) -> String {
    if let Some(label) = labels.get(code) {
        return label.clone();
    }
    let w = words(code);
    let first = code.split('_').next().unwrap_or_default();
    if w == code || ACRONYMS.contains(&first) {
        return w;
    }
    let mut chars = w.chars();
    chars.next().map_or(String::new(), |c| {
        c.to_lowercase().chain(chars).collect::<String>()
    })
}

/// `words`, with the project's own names first: `labels` (the `labels:` map of postsale.yaml,
/// code → label) wins for any text it names.
pub fn words_with(labels: &BTreeMap<String, String>, code: &str) -> String {
    match labels.get(code) {
        Some(label) => label.clone(),
        None => words(code),
    }
}

/// The names accounts are shown by, one per account in order: the account's name, or "Name
/// (ID)" when another account has the same name (ignoring letter case and surrounding spaces),
/// so that two "Acme Corp" rows can be told apart wherever accounts are listed.
pub(crate) fn account_labels(accounts: &[crate::data::Account]) -> Vec<String> {
    let key = |name: &str| name.trim().to_lowercase();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for a in accounts {
        *seen.entry(key(&a.name)).or_default() += 1;
    }
    accounts
        .iter()
        .map(|a| {
            if seen.get(&key(&a.name)).is_some_and(|n| *n > 1) {
                format!("{} ({})", a.name.trim(), a.id)
            } else {
                a.name.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_never_print_as_certain() {
        assert_eq!(probability(0.0), "under 0.1%");
        assert_eq!(probability(0.0004), "under 0.1%");
        assert_eq!(probability(0.0005), "0.1%");
        assert_eq!(probability(0.123), "12.3%");
        assert_eq!(probability(0.9994), "99.9%");
        assert_eq!(probability(0.9995), "over 99.9%");
        assert_eq!(probability(1.0), "over 99.9%");
    }
    use crate::metrics::catalog::get;

    fn def(id: &str) -> &'static MetricDef {
        get(id).unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn targets_say_the_basis_they_judge() {
        let per_basis = Target::PerBasis(BTreeMap::from([
            ("month".to_string(), 100.5),
            ("ttm".to_string(), 110.0),
            ("quarter".to_string(), 102.0),
        ]));
        assert_eq!(
            target(def("nrr"), &per_basis, "USD"),
            "110.0% (annual), 102.0% (quarter), 100.5% (month)"
        );
        assert_eq!(
            target(def("grr"), &Target::Annual(90.0), "USD"),
            "90.0% (annual)"
        );
        assert_eq!(target(def("nps"), &Target::Annual(40.0), "USD"), "40");
    }

    #[test]
    fn bands_are_written_as_numbers_in_the_metric_unit() {
        assert_eq!(
            bands(def("nrr")),
            "best ≥ 120%; good 110–120%; acceptable 100–110%; warning 90–100%; critical < 90%"
        );
        assert_eq!(
            bands(def("nps")),
            "best ≥ 50; good 30–50; acceptable 10–30; weak < 10"
        );
        assert_eq!(
            bands(def("land_expand_ratio")),
            "excellent ≥ 2×; good 1.5–2×; fair 1.2–1.5×; weak < 1.2×"
        );
        assert_eq!(
            bands(def("first_response_hours")),
            "on target < 4 h; slow ≥ 4 h"
        );
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

    #[test]
    fn a_value_that_rounds_to_zero_has_no_sign() {
        assert_eq!(fixed(-0.04, 1), "0.0");
        assert_eq!(fixed(-0.0, 1), "0.0");
        assert_eq!(fixed(0.04, 1), "0.0");
        assert_eq!(fixed(-0.06, 1), "-0.1");
        assert_eq!(percent(-0.04), "0.0%");
        assert_eq!(percent(-0.0), "0.0%");
        assert_eq!(ratio(-0.01), "0.0×");
        assert_eq!(count(-0.3), "0");
        assert_eq!(money(-0.4, "USD"), "$0");
        assert_eq!(money_short(-0.4, "USD"), "$0");
        assert_eq!(money_short(-400.0, "USD"), "-$400");
        assert_eq!(days_short(-0.2), "0 d");
        assert_eq!(signed(-0.04, 1), "0.0");
        assert_eq!(signed(-0.0, 1), "0.0");
        assert_eq!(signed(0.04, 1), "0.0");
        assert_eq!(signed(0.06, 1), "+0.1");
        assert_eq!(signed(-3.0, 0), "-3");
        assert_eq!(value(def("nrr"), Some(-0.04), "USD"), "0.0%");
        assert_eq!(
            value(def("first_response_hours"), Some(-0.01), "USD"),
            "0.0 h"
        );
    }

    #[test]
    fn a_change_that_shows_as_zero_has_no_sign() {
        // Percent points: 85.04 and 84.96 both show as 85.0%.
        assert_eq!(change(def("nrr"), Some(85.04), Some(84.96)), "0.0 pts");
        assert_eq!(change(def("nrr"), Some(84.96), Some(85.04)), "0.0 pts");
        assert_eq!(change(def("nrr"), Some(85.0), Some(85.0)), "0.0 pts");
        assert_eq!(change(def("nrr"), Some(-0.0), Some(0.04)), "0.0 pts");
        // Relative: $10,000 → $10,004 is +0.04 %, shown as 0.0%.
        assert_eq!(change(def("mrr"), Some(10_004.0), Some(10_000.0)), "0.0%");
        assert_eq!(change(def("mrr"), Some(9_996.0), Some(10_000.0)), "0.0%");
        let d = delta(def("nrr"), Some(85.04), Some(84.96)).expect("delta");
        assert_eq!((d.direction, d.verb()), (Ordering::Equal, "held"));
    }

    #[test]
    fn a_change_agrees_with_the_values_shown() {
        // NPS shows whole numbers: 17.6 → 10.0 reads "18" → "10", a fall of 8 points.
        let d = delta(def("nps"), Some(10.0), Some(17.6)).expect("delta");
        assert_eq!((d.verb(), d.size.as_str()), ("fell", "8 pts"));
        assert_eq!(value(def("nps"), Some(17.6), "USD"), "18");
        assert_eq!(change(def("nps"), Some(37.4), Some(25.2)), "+12 pts");
        // Percent shows one decimal: 85.66 → 76.34 reads 85.7% → 76.3%, a fall of 9.4 points.
        assert_eq!(change(def("nrr"), Some(76.34), Some(85.66)), "-9.4 pts");
        assert_eq!(change(def("nrr"), Some(85.66), Some(76.34)), "+9.4 pts");
        // CSAT shows two decimals, and so does its change.
        assert_eq!(change(def("csat"), Some(4.1), Some(4.25)), "-0.15 pts");
        // Relative change from whole currency units as shown.
        assert_eq!(change(def("mrr"), Some(1_120.4), Some(1_000.4)), "+12.0%");
        assert_eq!(change(def("mrr"), Some(0.4), Some(0.3)), "—");
        assert_eq!(
            change(def("first_response_hours"), Some(4.26), Some(4.04)),
            "+0.3 h"
        );
    }

    #[test]
    fn a_delta_has_its_sign_in_the_verb_not_the_size() {
        let rose = delta(def("nrr"), Some(87.5), Some(75.0)).expect("delta");
        assert_eq!(
            format!("rose {} to {}", rose.size, percent(87.5)),
            "rose 12.5 pts to 87.5%"
        );
        assert_eq!(rose.verb(), "rose");
        let fell = delta(def("churned_mrr"), Some(1_500.0), Some(10_000.0)).expect("delta");
        assert_eq!((fell.verb(), fell.size.as_str()), ("fell", "85.0%"));
        assert_eq!(fell.signed(), "-85.0%");
    }

    #[test]
    fn health_scores_are_whole_numbers() {
        assert_eq!(health(73.12), "73");
        assert_eq!(health(73.5), "74");
        assert_eq!(value(def("health_score_avg"), Some(73.12), "USD"), "73");
        assert_eq!(score(def("health_score_avg"), 74.42), "74");
        assert_eq!(
            change(def("health_score_avg"), Some(74.42), Some(73.19)),
            "+1 pts"
        );
    }

    #[test]
    fn codes_become_words() {
        assert_eq!(words("product_fit"), "Product fit");
        assert_eq!(words("check_in"), "Check-in");
        assert_eq!(words("no_show"), "No-show");
        assert_eq!(words("acv_band"), "ACV band");
        assert_eq!(words("adoption_failure"), "Adoption failure");
        assert_eq!(words("csm_id"), "CSM");
        assert_eq!(words("qbr"), "QBR");
        assert_eq!(words("email"), "Email");
        assert_eq!(words("not_engaged"), "Not engaged");
        // Anything that is not a code stays as written.
        assert_eq!(words("Mid-Market"), "Mid-Market");
        assert_eq!(words("< 10K"), "< 10K");
        assert_eq!(words("2025-Q1"), "2025-Q1");
        assert_eq!(words("no ARR at start"), "no ARR at start");
        assert_eq!(words("(none)"), "(none)");
        assert_eq!(words(""), "");
    }

    #[test]
    fn the_projects_labels_name_its_own_codes() {
        let labels: BTreeMap<String, String> = [
            ("check_in".to_string(), "Weekly sync".to_string()),
            ("tier_b".to_string(), "Tier B".to_string()),
        ]
        .into();
        assert_eq!(words_with(&labels, "check_in"), "Weekly sync");
        assert_eq!(words_with(&labels, "tier_b"), "Tier B");
        assert_eq!(words_with(&labels, "no_show"), "No-show");
        assert_eq!(phrase_with(&labels, "tier_b"), "Tier B");
        let none = BTreeMap::new();
        assert_eq!(phrase_with(&none, "acv_band"), "ACV band");
        assert_eq!(phrase_with(&none, "segment"), "segment");
        assert_eq!(phrase_with(&none, "csm_id"), "CSM");
        assert_eq!(phrase_with(&none, "check_in"), "check-in");
        assert_eq!(phrase_with(&none, "Tier"), "Tier");
    }

    #[test]
    fn accounts_sharing_a_name_carry_their_id() {
        let account = |id: &str, name: &str| crate::data::Account {
            id: id.into(),
            name: name.into(),
            ..crate::data::Account::default()
        };
        let rows = [
            account("ACC00012", "Acme Corp"),
            account("ACC00007", "Globex"),
            account("ACC00031", "acme corp "),
            account("ACC00040", "Initech"),
        ];
        assert_eq!(
            account_labels(&rows),
            [
                "Acme Corp (ACC00012)",
                "Globex",
                "acme corp (ACC00031)",
                "Initech"
            ]
        );
    }
}
