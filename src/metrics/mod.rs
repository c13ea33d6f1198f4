//! The metric engine: the catalog of definitions (`catalog`) and the pure functions that compute
//! them from a `Dataset`, a `Period` and the `Config`. Every number any output shows comes from
//! here; nothing here knows about HTML, Typst or the terminal.

pub(crate) mod actions;
pub mod alerts;
pub(crate) mod attention;
pub mod basis;
pub mod breakdown;
pub mod catalog;
pub mod cohorts;
pub mod conventions;
pub(crate) mod coverage;
pub mod drivers;
pub mod experience;
pub(crate) mod explain;
#[cfg(test)]
pub(crate) mod fixture;
pub mod health;
pub mod operations;
pub mod renewals;
pub mod revenue;
pub mod scores;
pub mod segments;
pub mod selection;
pub mod signals;
pub mod status;
pub mod survival;
pub mod views;
pub mod win_rates;

use crate::config::Config;
use crate::data::{AccountIx, Dataset, MrrTable};
use crate::period::Period;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// A metric value: `None` is *missing* (zero denominator or no data), never 0 or NaN.
pub type Value = Option<f64>;

/// Metric id → value, in id order.
pub type Values = BTreeMap<&'static str, Value>;

/// What every metric function reads: the data, the config and "now".
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub data: &'a Dataset,
    pub config: &'a Config,
    pub as_of: NaiveDate,
}

impl<'a> Context<'a> {
    /// The MRR table the revenue metrics read, under the configured churn recognition: mrr.csv
    /// as loaded, or with churn at the end of the paid term (built once per dataset). None
    /// without mrr.csv.
    pub fn mrr(&self) -> Option<&'a MrrTable> {
        let mrr = self.data.mrr.as_ref()?;
        let data = self.data;
        match self.conventions().churn_recognition {
            conventions::ChurnRecognition::MrrStop => Some(mrr),
            conventions::ChurnRecognition::TermEnd => Some(
                data.term_end_mrr
                    .get_or_init(|| conventions::recognise_at_term_end(data, mrr)),
            ),
        }
    }

    /// The metric conventions in force.
    pub fn conventions(&self) -> conventions::Conventions {
        self.config.conventions.resolved()
    }
}

/// The accounts a computation is restricted to: all of them, one breakdown group, or one account
/// (an account page: no mask over every account for it).
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    /// `mask[account]` is true for the accounts in scope.
    Only(&'a [bool]),
    /// Just this account.
    One(AccountIx),
    /// `mask[account]` is true for the accounts in scope, which `list` holds in order: a small
    /// group (a CSM's book) is walked without scanning a mask over every account.
    Members {
        mask: &'a [bool],
        list: &'a [AccountIx],
    },
}

impl Scope<'_> {
    /// Whether the account is in scope.
    pub fn includes(&self, account: AccountIx) -> bool {
        match self {
            Scope::All => true,
            Scope::Only(mask) => mask.get(account as usize).copied().unwrap_or(false),
            Scope::One(one) => *one == account,
            Scope::Members { mask, .. } => mask.get(account as usize).copied().unwrap_or(false),
        }
    }

    /// The accounts of `0..count` in scope, in order (one step for a single account).
    pub fn accounts(self, count: AccountIx) -> impl Iterator<Item = AccountIx> {
        let (range, list): (std::ops::Range<AccountIx>, &[AccountIx]) = match self {
            Scope::One(a) => (a.min(count)..(a.saturating_add(1)).min(count), &[]),
            Scope::Members { list, .. } => (0..0, list),
            _ => (0..count, &[]),
        };
        range
            .filter(move |&a| self.includes(a))
            .chain(list.iter().copied().filter(move |&a| a < count))
    }
}

/// The rows of a table sorted by account that belong to accounts in scope, in table order. The
/// whole-table scope walks the table; a narrower one jumps to each account's rows by binary
/// search, so a CSM's or an account's numbers cost their own rows rather than the whole table.
pub(crate) fn scoped_rows<'r, T>(
    rows: &'r [T],
    scope: Scope<'r>,
    count: AccountIx,
    key: fn(&T) -> AccountIx,
) -> impl Iterator<Item = &'r T> + 'r {
    let whole = matches!(scope, Scope::All);
    let walk = whole.then(|| rows.iter()).into_iter().flatten();
    let jump = (!whole)
        .then(move || {
            scope
                .accounts(count)
                .flat_map(move |a| health::account_rows(rows, a, key))
        })
        .into_iter()
        .flatten();
    walk.chain(jump)
}

/// A ratio in percent, missing when the denominator is zero.
pub fn pct(numerator: f64, denominator: f64) -> Value {
    if denominator == 0.0 {
        None
    } else {
        Some(numerator / denominator * 100.0)
    }
}

/// The parts of the engine, each computing the metrics of some catalog sections, so a page that
/// shows three metrics computes only their parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Revenue and growth.
    Revenue,
    Experience,
    Health,
    Renewals,
    /// Expansion pipeline, operations and support.
    Operations,
}

impl Part {
    /// Every part, in the order `compute` runs them.
    pub const ALL: [Part; 5] = [
        Part::Revenue,
        Part::Experience,
        Part::Health,
        Part::Renewals,
        Part::Operations,
    ];

    /// The part that computes the metrics of a catalog section.
    pub fn of(section: catalog::Section) -> Part {
        use catalog::Section;
        match section {
            Section::Revenue | Section::Growth => Part::Revenue,
            Section::Health => Part::Health,
            Section::Renewals => Part::Renewals,
            Section::Expansion | Section::Operations | Section::Support => Part::Operations,
            Section::Experience => Part::Experience,
        }
    }

    /// The independent groups of this part's engine function, in the order it merges them
    /// (a part with one group: its function).
    pub fn groups(self) -> &'static [Group] {
        match self {
            Part::Revenue => &[revenue::compute],
            Part::Experience => &[experience::compute],
            Part::Health => &health::GROUPS,
            Part::Renewals => &renewals::GROUPS,
            Part::Operations => &operations::GROUPS,
        }
    }

    /// The engine function that computes this part.
    fn group(self) -> Group {
        match self {
            Part::Revenue => revenue::compute,
            Part::Experience => experience::compute,
            Part::Health => health::compute,
            Part::Renewals => renewals::compute,
            Part::Operations => operations::compute,
        }
    }
}

/// The metrics of one part for `period` over the accounts in `scope`.
pub fn compute_part(ctx: &Context, period: &Period, scope: Scope, part: Part) -> Values {
    let mut out = Values::new();
    part.group()(ctx, period, scope, &mut out);
    out
}

/// A group of metrics that adds its values to `out`.
pub type Group = fn(&Context, &Period, Scope, &mut Values);

/// For the metrics of a part with several groups, the group that computes each (the last one
/// that writes it, as the part merges them), found by running the part and each group over no
/// account for `period`. A metric missing here is computed with its whole part.
pub fn group_index(
    ctx: &Context,
    period: &Period,
) -> std::collections::HashMap<&'static str, (Part, usize)> {
    let none = Scope::Members {
        mask: &[],
        list: &[],
    };
    let mut out = std::collections::HashMap::new();
    for part in Part::ALL {
        let groups = part.groups();
        if groups.len() < 2 {
            continue;
        }
        let whole = compute_part(ctx, period, none, part);
        for (i, group) in groups.iter().enumerate() {
            let mut values = Values::new();
            group(ctx, period, none, &mut values);
            for id in values.keys().filter(|id| whole.contains_key(*id)) {
                out.insert(*id, (part, i));
            }
        }
    }
    out
}

/// The metrics of one group of `part` (`Part::groups`) for `period` over the accounts in `scope`.
pub fn compute_group(
    ctx: &Context,
    period: &Period,
    scope: Scope,
    part: Part,
    group: usize,
) -> Values {
    let mut out = Values::new();
    if let Some(g) = part.groups().get(group) {
        g(ctx, period, scope, &mut out);
    }
    out
}

/// Computes independent `groups` of one part in parallel (each reads only the data) and adds
/// their values to `out`.
fn in_parallel(ctx: &Context, period: &Period, scope: Scope, groups: &[Group], out: &mut Values) {
    use rayon::prelude::*;
    let parts: Vec<Values> = groups
        .par_iter()
        .map(|group| {
            let mut values = Values::new();
            group(ctx, period, scope, &mut values);
            values
        })
        .collect();
    for mut part in parts {
        out.append(&mut part);
    }
}

/// Every scalar metric of the catalog for `period` over the accounts in `scope`. Metrics whose
/// tables are absent are left out (not reported as missing). The parts are computed in parallel
/// (each reads only the data) and merged.
pub fn compute(ctx: &Context, period: &Period, scope: Scope) -> Values {
    let mut out = Values::new();
    in_parallel(ctx, period, scope, &Part::ALL.map(Part::group), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::fixture::{config, dataset, month};
    use super::*;

    /// The example project's data and the fixture config.
    fn example() -> (crate::data::load::Loaded, Config) {
        let loaded = crate::data::load::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data"),
            &crate::data::load::LoadOptions::default(),
        );
        let Ok(loaded) = loaded else {
            panic!("the example data loads");
        };
        (loaded, config())
    }

    #[test]
    fn each_catalog_metric_is_computed_by_its_part() {
        let (loaded, config) = example();
        let ctx = Context {
            data: &loaded.dataset,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        };
        let period = Period::month(month("2026-10"));
        let all = compute(&ctx, &period, Scope::All);
        for def in catalog::CATALOG {
            let part = compute_part(&ctx, &period, Scope::All, Part::of(def.section));
            assert!(
                part.contains_key(def.id),
                "{} is not computed by {:?}",
                def.id,
                Part::of(def.section)
            );
            assert_eq!(part[def.id], all[def.id], "{}", def.id);
        }
        assert_eq!(all.len(), catalog::CATALOG.len());
    }

    #[test]
    fn a_metric_computed_by_its_group_alone_equals_its_whole_part() {
        let (loaded, config) = example();
        let ctx = Context {
            data: &loaded.dataset,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        };
        let rows = loaded.dataset.accounts.rows.len();
        let mask: Vec<bool> = (0..rows).map(|a| a % 3 == 0).collect();
        let list: Vec<AccountIx> = (0..rows as AccountIx).filter(|a| a % 3 == 0).collect();
        for period in [
            Period::month(month("2026-10")),
            Period::ttm_ending(month("2026-10")),
            Period::quarter_of(month("2026-07"), 1),
        ] {
            let index = group_index(&ctx, &period);
            // Every metric of the parts with several groups is found in one of them.
            for def in catalog::CATALOG {
                let part = Part::of(def.section);
                if part.groups().len() > 1 {
                    assert!(index.contains_key(def.id), "{} in {}", def.id, period.id);
                }
            }
            for scope in [
                Scope::All,
                Scope::Members {
                    mask: &mask,
                    list: &list,
                },
                Scope::One(3),
            ] {
                for (id, (part, group)) in &index {
                    let whole = compute_part(&ctx, &period, scope, *part);
                    let alone = compute_group(&ctx, &period, scope, *part, *group);
                    assert_eq!(whole.get(id), alone.get(id), "{id} in {}", period.id);
                }
            }
        }
    }

    #[test]
    fn snapshot_metrics_are_taken_on_the_as_of_date_whatever_the_period() {
        // Why pages show no change for them: over the example data, at-risk ARR, open tasks and
        // the open pipeline of October and of a year earlier are the same numbers (computed on
        // 2026-11-01), so "vs a year ago" would always read +0.0 %.
        let (loaded, config) = example();
        let ctx = Context {
            data: &loaded.dataset,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        };
        let now = compute(&ctx, &Period::month(month("2026-10")), Scope::All);
        let before = compute(&ctx, &Period::month(month("2025-10")), Scope::All);
        for id in [
            "at_risk_accounts",
            "at_risk_arr",
            "tasks_overdue",
            "tasks_due_today",
            "tasks_due_this_week",
        ] {
            assert!(catalog::get(id).is_some_and(|d| d.is_snapshot()), "{id}");
            assert_eq!(now[id], before[id], "{id}");
        }
        assert!(now["at_risk_arr"].is_some_and(|v| v > 0.0));
        // Values over the period are not snapshots.
        for id in [
            "mrr",
            "nrr",
            "accounts_not_contacted_60d",
            "ticket_spike_accounts",
        ] {
            assert!(catalog::get(id).is_some_and(|d| !d.is_snapshot()), "{id}");
        }
    }

    #[test]
    fn one_account_scope_equals_a_mask_of_that_account() {
        // b: 100 → 150 over the quarter (NRR 150 %); a and c must not count.
        let ds = dataset(
            &[("a", "SMB"), ("b", "SMB"), ("c", "Enterprise")],
            &[
                ("a", "2026-03", 1_000),
                ("b", "2026-03", 100),
                ("b", "2026-06", 150),
                ("c", "2026-06", 70),
            ],
        );
        let config = config();
        let ctx = Context {
            data: &ds,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default(),
        };
        let period = Period::months_range(
            crate::period::PeriodKind::Quarter,
            "2026-Q2",
            month("2026-04"),
            month("2026-06"),
        );
        let one = compute(&ctx, &period, Scope::One(1));
        let mask = compute(&ctx, &period, Scope::Only(&[false, true, false]));
        assert_eq!(one, mask);
        assert_eq!(one["nrr"], Some(150.0));
        assert_eq!(Scope::One(1).accounts(3).collect::<Vec<_>>(), [1]);
        assert_eq!(Scope::One(5).accounts(3).count(), 0);
        assert_eq!(Scope::All.accounts(3).collect::<Vec<_>>(), [0, 1, 2]);
        let members = Scope::Members {
            mask: &[false, true, false],
            list: &[1],
        };
        assert_eq!(compute(&ctx, &period, members), mask);
        assert_eq!(members.accounts(3).collect::<Vec<_>>(), [1]);
    }
}
