//! Data: the schema of DATA.md's tables (`schema`), their typed rows (`model`), exact money
//! (`money`), the sources a table is read from (`source`: CSV files by `csv_table`, Parquet files
//! by `parquet`, PostgreSQL queries by `postgres`) and the loader with every validation rule (`load`), the same for every source.
//! Produces a `Dataset` or all the problems found.

pub(crate) mod csv_table;
pub mod load;
pub mod model;
pub mod money;
pub(crate) mod parquet;
pub mod postgres;
pub mod schema;
pub mod source;

pub use model::*;
pub use money::Money;
