//! Revenue metrics from mrr.csv (METRICS.md, Revenue and Growth).

use super::{Context, Scope, Values};
use crate::period::Period;

/// Adds the revenue metrics of `period` for the accounts in `scope` to `out`.
pub fn compute(_ctx: &Context, _period: &Period, _scope: Scope, _out: &mut Values) {}
