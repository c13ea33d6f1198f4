//! The numbers of one build, asked for by pages and computed once: metric values per scope and
//! period, the team view, CSM books and account snapshots. Every value comes from the metric
//! engine (`crate::metrics`); this module only remembers results so that parallel pages share
//! them.

use crate::data::{AccountIx, CsmIx};
use crate::metrics::attention::RiskItem;
use crate::metrics::operations::CsmPerformance;
use crate::metrics::scores::Scoreboard;
use crate::metrics::views::{self, AccountSnapshot, CsmBook};
use crate::metrics::{self, Context, Part, Scope, Values, experience};
use crate::period::Period;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Whose numbers a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Entity {
    All,
    Csm(CsmIx),
    Segment(String),
    Account(AccountIx),
}

/// The accounts of a mask, in order.
fn members(mask: &[bool]) -> Vec<AccountIx> {
    (0..mask.len())
        .filter(|&a| mask[a])
        .map(|a| a as AccountIx)
        .collect()
}

/// One group of a part for a page: (entity, period id, part, group).
type GroupPartKey = (Entity, String, Part, usize);

/// Metric id → the part and group that computes it.
type GroupIndex = HashMap<&'static str, (Part, usize)>;

/// A breakdown group of a page: (page entity, dimension, group, period id, part).
type GroupKey = (Entity, String, String, String, Part);

/// The cache of one build.
pub struct Facts<'a> {
    pub ctx: Context<'a>,
    values: Mutex<HashMap<(Entity, String, Part), Arc<Values>>>,
    /// One group of a part (`metrics::compute_group`): (entity, period, part, group) → values.
    group_parts: Mutex<HashMap<GroupPartKey, Arc<Values>>>,
    /// Per period, the group of its part that computes each metric (`metrics::group_index`).
    group_index: Mutex<HashMap<String, Arc<GroupIndex>>>,
    /// Breakdown groups: (page entity, dimension, group, period) and part → values.
    groups: Mutex<HashMap<GroupKey, Arc<Values>>>,
    masks: Mutex<HashMap<Entity, Arc<Vec<bool>>>>,
    team: OnceLock<(Vec<CsmPerformance>, Vec<RiskItem>)>,
    books: Mutex<HashMap<CsmIx, Arc<CsmBook>>>,
    snapshots: OnceLock<Vec<AccountSnapshot>>,
    /// The churn and expansion scores with their backtests (None without a model).
    scoreboard: OnceLock<Option<Scoreboard>>,
    /// Account names as shown, "Name (ID)" where names repeat.
    account_labels: OnceLock<Vec<String>>,
}

impl<'a> Facts<'a> {
    pub fn new(ctx: Context<'a>) -> Facts<'a> {
        Facts {
            ctx,
            values: Mutex::new(HashMap::new()),
            group_parts: Mutex::new(HashMap::new()),
            group_index: Mutex::new(HashMap::new()),
            groups: Mutex::new(HashMap::new()),
            masks: Mutex::new(HashMap::new()),
            team: OnceLock::new(),
            books: Mutex::new(HashMap::new()),
            snapshots: OnceLock::new(),
            scoreboard: OnceLock::new(),
            account_labels: OnceLock::new(),
        }
    }

    /// The name account `a` is shown by: its name, or "Name (ID)" when another account has
    /// the same name (see `format::account_labels`).
    pub fn account_label(&self, a: AccountIx) -> String {
        self.account_labels
            .get_or_init(|| crate::render::format::account_labels(&self.ctx.data.accounts.rows))
            .get(a as usize)
            .cloned()
            .unwrap_or_default()
    }

    /// The accounts of an entity as a mask (`None` for everyone).
    pub fn mask(&self, entity: &Entity) -> Option<Arc<Vec<bool>>> {
        if *entity == Entity::All {
            return None;
        }
        // One account's mask is cheap to make and would cost a mask over every account per
        // account page if kept.
        if let Entity::Account(x) = entity {
            let rows = self.ctx.data.accounts.rows.len();
            return Some(Arc::new((0..rows).map(|i| i as AccountIx == *x).collect()));
        }
        let mut masks = self.masks.lock().unwrap_or_else(|e| e.into_inner());
        let mask = masks.entry(entity.clone()).or_insert_with(|| {
            let rows = &self.ctx.data.accounts.rows;
            Arc::new(match entity {
                Entity::All => vec![true; rows.len()],
                Entity::Csm(c) => rows.iter().map(|a| a.csm == Some(*c)).collect(),
                Entity::Segment(s) => rows
                    .iter()
                    .map(|a| a.segment.as_deref() == Some(s.as_str()))
                    .collect(),
                Entity::Account(x) => (0..rows.len()).map(|i| i as AccountIx == *x).collect(),
            })
        });
        Some(mask.clone())
    }

    /// The metrics of one engine part for `period` and `entity`'s accounts, computed once.
    fn part(&self, entity: &Entity, period: &Period, part: Part) -> Arc<Values> {
        let key = (
            entity.clone(),
            format!("{:?}:{}", period.kind, period.id),
            part,
        );
        if let Some(v) = self
            .values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return v.clone();
        }
        let computed = Arc::new(self.in_scope(entity, |scope| {
            metrics::compute_part(&self.ctx, period, scope, part)
        }));
        self.values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(computed)
            .clone()
    }

    /// The answered survey responses behind `entity`'s survey metrics in `period`.
    pub fn responses(&self, entity: &Entity, period: &Period) -> experience::ResponseCounts {
        self.in_scope(entity, |scope| {
            experience::response_counts(&self.ctx, scope, period.start, period.end)
        })
    }

    /// Runs `f` with the engine's scope of `entity`: one account, the members of a CSM's book
    /// or segment, or every account.
    fn in_scope<R>(&self, entity: &Entity, f: impl FnOnce(Scope) -> R) -> R {
        let mask = match entity {
            Entity::Account(_) => None,
            _ => self.mask(entity),
        };
        let list: Vec<AccountIx> = mask.as_deref().map_or_else(Vec::new, |m| members(m));
        let scope = match (entity, &mask) {
            (Entity::Account(a), _) => Scope::One(*a),
            (_, Some(m)) => Scope::Members {
                mask: m,
                list: &list,
            },
            (_, None) => Scope::All,
        };
        f(scope)
    }

    /// The metrics of `defs` for one breakdown group (`mask`: the group's accounts among the
    /// page entity's), computing only their parts, each once per build for every page asking.
    pub fn group_values(
        &self,
        entity: &Entity,
        (dimension, group): (&str, &str),
        mask: &[bool],
        period: &Period,
        defs: &[&crate::metrics::catalog::MetricDef],
    ) -> Values {
        let mut parts: Vec<Part> = defs.iter().map(|d| Part::of(d.section)).collect();
        parts.sort_unstable();
        parts.dedup();
        let mut out = Values::new();
        for part in parts {
            let key = (
                entity.clone(),
                dimension.to_string(),
                group.to_string(),
                format!("{:?}:{}", period.kind, period.id),
                part,
            );
            let cached = self
                .groups
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .cloned();
            let values = cached.unwrap_or_else(|| {
                let list = members(mask);
                let computed = Arc::new(metrics::compute_part(
                    &self.ctx,
                    period,
                    Scope::Members { mask, list: &list },
                    part,
                ));
                self.groups
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(key)
                    .or_insert(computed)
                    .clone()
            });
            out.extend(values.iter().map(|(k, v)| (*k, *v)));
        }
        out
    }

    /// Every metric of `period` for `entity`'s accounts.
    pub fn values(&self, entity: &Entity, period: &Period) -> Values {
        let mut all = Values::new();
        for part in Part::ALL {
            all.extend(
                self.part(entity, period, part)
                    .iter()
                    .map(|(k, v)| (*k, *v)),
            );
        }
        all
    }

    /// One metric's value: from its part when that is computed already, else only the group
    /// of the part that computes it runs (a sparkline of one health metric need not compute
    /// usage and onboarding), else its whole part.
    pub fn value(&self, entity: &Entity, period: &Period, id: &str) -> metrics::Value {
        let def = crate::metrics::catalog::get(id)?;
        let part = Part::of(def.section);
        let period_key = format!("{:?}:{}", period.kind, period.id);
        let whole = (entity.clone(), period_key.clone(), part);
        let cached = self
            .values
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&whole)
            .cloned();
        if let Some(values) = cached {
            return values.get(id).copied().flatten();
        }
        let index = {
            let mut map = self.group_index.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(period_key.clone())
                .or_insert_with(|| Arc::new(metrics::group_index(&self.ctx, period)))
                .clone()
        };
        let Some(&(_, group)) = index.get(id) else {
            return self.part(entity, period, part).get(id).copied().flatten();
        };
        let key = (entity.clone(), period_key, part, group);
        let cached = self
            .group_parts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        let values = cached.unwrap_or_else(|| {
            let computed = Arc::new(self.in_scope(entity, |scope| {
                metrics::compute_group(&self.ctx, period, scope, part, group)
            }));
            self.group_parts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_insert(computed)
                .clone()
        });
        values.get(id).copied().flatten()
    }

    /// The team view of the latest complete month: performance per CSM and the at-risk list.
    pub(crate) fn team(&self, period: &Period) -> &(Vec<CsmPerformance>, Vec<RiskItem>) {
        self.team
            .get_or_init(|| views::team_view(&self.ctx, period))
    }

    /// A CSM's book.
    pub fn book(&self, csm: CsmIx) -> Arc<CsmBook> {
        if let Some(b) = self
            .books
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&csm)
        {
            return b.clone();
        }
        let snapshots = self.snapshots();
        let book = Arc::new(views::csm_book(&self.ctx, csm, &|a| {
            snapshots
                .get(a as usize)
                .cloned()
                .unwrap_or_else(|| views::account_snapshot(&self.ctx, a))
        }));
        self.books
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(csm)
            .or_insert(book)
            .clone()
    }

    /// The churn and expansion scores of every paying account with the models' backtests
    /// (computed once; None without a model).
    pub fn scoreboard(&self) -> Option<&Scoreboard> {
        self.scoreboard
            .get_or_init(|| Scoreboard::new(&self.ctx))
            .as_ref()
    }

    /// The snapshot of every account, in account order (computed once, in parallel).
    pub fn snapshots(&self) -> &[AccountSnapshot] {
        self.snapshots.get_or_init(|| {
            use rayon::prelude::*;
            (0..self.ctx.data.accounts.rows.len() as AccountIx)
                .into_par_iter()
                .map(|a| views::account_snapshot(&self.ctx, a))
                .collect()
        })
    }
}
