//! Data: the typed tables of DATA.md (`model`), exact money (`money`) and the CSV loader with
//! every validation rule (`load`). Produces a `Dataset` or all the problems found.

pub(crate) mod csv_table;
pub mod load;
pub mod model;
pub mod money;
pub(crate) mod parquet;
pub mod schema;
pub mod source;

pub use model::*;
pub use money::Money;
