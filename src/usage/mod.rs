//! Report usage from web-server access logs: which reports people read, how many and how
//! recently, and which nobody read in 90 days (the sunset candidates). Reading the logs is
//! `log`; turning a request into a report is `map`; this module counts.

pub(crate) mod log;
