//! Benchmark status: where a value sits against its metric's bands from METRICS.md, or against a
//! configured target, which overrides the bands. One status, one colour, everywhere.

use serde::Serialize;

/// The colour of a number: green good, amber warning, red bad, grey missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Good,
    Warning,
    Bad,
    Missing,
}
