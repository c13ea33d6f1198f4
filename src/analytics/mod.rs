//! Analytics beyond the metric catalog: models built on the metric engine's numbers (what-if
//! scenarios, ...). Pure computations; the commands and the site format them.

pub mod scenario;
