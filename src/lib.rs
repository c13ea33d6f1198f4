//! postsale: reports as code for customer success. The library behind the `postsale` binary:
//! load → validate → compute → render → write.

pub mod alerts;
pub mod analytics;
pub mod cmd;
pub mod config;
pub mod data;
pub mod delivery;
pub mod demo;
pub mod diagnostic;
pub(crate) mod files;
pub mod metrics;
pub mod period;
pub mod pushdown;
pub mod render;
pub mod report;
pub mod site;
pub mod usage;
pub mod yaml;

#[cfg(test)]
mod fuzz_tests;
