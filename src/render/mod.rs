//! Rendering: turning computed values into text and pictures for people (numbers, money,
//! percent, SVG charts). Nothing here computes a metric.

pub mod alerts;
pub mod block;
pub mod charts;
pub mod format;
pub mod scenario;
pub mod takeaway;
pub mod typst;
