//! Rendering: turning computed values into text for people (numbers, money, percent). Nothing
//! here computes a metric.

pub mod format;
