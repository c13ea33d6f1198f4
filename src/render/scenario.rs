//! Scenario projections as text cells, shared by `postsale analyze scenario` and the scenarios
//! page: the per-quarter rows (baseline, scenario, difference) and each assumption's value.

use crate::analytics::scenario::{Point, Projection, Quantity};
use crate::render::format;

/// The column heads of the projection table, in row order.
pub const HEADS: [&str; 11] = [
    "quarter",
    "ARR baseline",
    "ARR scenario",
    "ARR difference",
    "NRR baseline",
    "NRR scenario",
    "GRR baseline",
    "GRR scenario",
    "logos baseline",
    "logos scenario",
    "logos difference",
];

/// A quarterly rate in percent with one decimal, `–` when missing.
fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_string(), format::percent)
}

/// Money with a sign: `+$12,345`, `-$1,200`, `$0`.
fn signed_money(cents: i64, currency: &str) -> String {
    let text = format::money(cents as f64 / 100.0, currency);
    if cents >= 50 {
        format!("+{text}")
    } else {
        text
    }
}

/// One row per projected quarter: the cells under `HEADS`.
pub fn rows(p: &Projection, currency: &str) -> Vec<[String; 11]> {
    let money = |m: crate::data::Money| format::money(m.to_f64(), currency);
    p.periods
        .iter()
        .zip(p.baseline.iter().zip(&p.scenario))
        .map(|(period, (b, s)): (_, (&Point, &Point))| {
            [
                period.label(),
                money(b.arr),
                money(s.arr),
                signed_money((s.arr - b.arr).0, currency),
                rate(b.nrr),
                rate(s.nrr),
                rate(b.grr),
                rate(s.grr),
                format::count(b.logos),
                format::count(s.logos),
                format::signed(s.logos.round() - b.logos.round(), 0),
            ]
        })
        .collect()
}

/// An assumption's value: `2.35%`, `$1,234`, `312`, `0.50`.
pub fn quantity(q: Quantity, currency: &str) -> String {
    match q {
        Quantity::Percent(v) => format!("{}%", format::fixed(v, 2)),
        Quantity::Money(m) => format::money(m.to_f64(), currency),
        Quantity::Count(v) if v.fract() == 0.0 => format::count(v),
        Quantity::Count(v) => format::fixed(v, 1),
        Quantity::Number(v) => format::fixed(v, 2),
    }
}
