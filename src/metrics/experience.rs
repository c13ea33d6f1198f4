//! Experience metrics from surveys.csv (METRICS.md, Experience).

use super::{Context, Scope, Values};
use crate::period::Period;

/// Adds the experience metrics of `period` for the accounts in `scope` to `out`.
pub fn compute(_ctx: &Context, _period: &Period, _scope: Scope, _out: &mut Values) {}
