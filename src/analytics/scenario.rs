//! What-if scenarios: ARR, NRR, GRR and logos projected 4–8 quarters ahead from the current
//! rates (the baseline) and with a scenario's changes, every assumption listed. Pure functions:
//! the rates come from the metric engine (`metrics::compute_part`), nothing here reads files or
//! formats numbers.
//!
//! **Baseline rates.** The four quarters ending with the latest complete quarter (the trailing
//! twelve months in quarters), each computed by the engine under the project's conventions:
//!
//! - gross churn `c` = Σ churned MRR / Σ starting MRR, contraction `k` and expansion `x` the
//!   same way (per quarter, weighted by each quarter's starting MRR);
//! - logo churn `l` = Σ churned logos / Σ starting logos (churned logos = the quarter's logo
//!   churn rate × its starting cohort, the active accounts at the previous quarter's end);
//! - new MRR `N` and reactivation MRR `R`: the mean per quarter, in cents;
//! - logos gained `G` = mean of (active at end − active at start + churned logos).
//!
//! **Projection**, quarter by quarter from the MRR `M` and active logos `L` at the end of the
//! latest complete quarter, with a price change `p` (fraction) and churn multiplier `m`:
//!
//! - `U = M × p` in the first quarter only (the price change, counted as expansion), `B = M + U`;
//! - churned = `B × min(1, c × m)`, contraction = `B × k`, expansion = `B × x + U`;
//! - `M' = round(B − churned − contraction + B × x + (N + R) × (1 + p))` to the cent;
//! - NRR = (M − churned − contraction + expansion) / M, GRR = (M − churned − contraction) / M
//!   (quarterly, missing when `M` is 0); ARR = 12 × M';
//! - `L' = L − L × min(1, l × m) + G`.
//!
//! The baseline is the same with `p = 0` and `m = 1`. A scenario that changes a segment's churn
//! projects each segment (and the accounts without one) on its own rates and adds them up, the
//! baseline included, so the difference is the change alone.
//!
//! **Churn multipliers** (multiplied together; each listed with its source):
//!
//! - price: `1 + e × p`, `e` the stated `churn_elasticity` (required);
//! - CSM coverage from `r0` to `r1` accounts per CSM: `1 + e × (r1 / r0 − 1)`, `e` stated or
//!   from the data: the slope `β` of each CSM book's gross churn against its size (least
//!   squares weighted by the book's starting MRR, at least three books of different sizes; its
//!   R² is listed, and it is a correlation across books, not a measured effect of hiring),
//!   `e = β × r0 / c̄`;
//! - onboarding completion from `a` to `b`: `(b × c₁ + (1 − b) × c₀) / (a × c₁ + (1 − a) × c₀)`,
//!   `c₁`, `c₀` the gross churn of accounts that completed onboarding and of those that did not
//!   (onboarding.csv), `a` the share that completed;
//! - save rate from `s0` to `s1`: `(1 − s1) / (1 − s0)`, `s0` the engine's ARR save rate over
//!   the trailing twelve months: churn is taken to be the at-risk ARR not saved;
//! - a segment: its churn set to `churn_rate_pct` (logo churn scaled by the same ratio) or
//!   multiplied by `1 + churn_change_pct / 100`.

pub mod file;

use crate::data::{AccountIx, Money};
use crate::metrics::{Context, Part, Scope, Value, Values, compute_part};
use crate::period::{Period, PeriodKind};
pub use file::Scenario;

/// One group's quarterly rates, from the engine (see the module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rates {
    /// MRR at the end of the latest complete quarter.
    pub mrr: Money,
    /// Active accounts then.
    pub logos: f64,
    /// Gross churn, contraction and expansion per quarter, fractions of starting MRR.
    pub churn: f64,
    pub contraction: f64,
    pub expansion: f64,
    /// Logo churn per quarter, fraction of starting logos.
    pub logo_churn: f64,
    /// New and reactivation MRR per quarter, cents.
    pub new_mrr: f64,
    pub reactivation_mrr: f64,
    /// Logos gained per quarter (new and returning).
    pub new_logos: f64,
    /// Mean starting logos and Σ starting MRR (cents) of the four quarters: the weight of
    /// these rates.
    pub mean_start_logos: f64,
    pub start_weight: f64,
}

/// A group projected on its own rates: the company, or one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub rates: Rates,
}

/// What a scenario does to one group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// Price change, fraction (0.1 = +10 %).
    pub price: f64,
    /// Multiplies the gross and logo churn rates.
    pub churn_multiplier: f64,
    /// Replaces the gross churn rate (fraction per quarter) before the multiplier; logo churn
    /// is scaled by the same ratio.
    pub churn_rate: Option<f64>,
}

impl Effect {
    /// No change: the baseline.
    pub const NONE: Effect = Effect {
        price: 0.0,
        churn_multiplier: 1.0,
        churn_rate: None,
    };
}

/// One projected quarter.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub arr: Money,
    /// Quarterly NRR and GRR, percent.
    pub nrr: Value,
    pub grr: Value,
    pub logos: f64,
}

/// Projects `quarters` quarters of the groups under their effects (`effects[i]` for
/// `groups[i]`), summed over the groups. See the module docs for the formulas.
pub fn project(groups: &[Group], effects: &[Effect], quarters: u32) -> Vec<Point> {
    let mut mrr: Vec<f64> = groups.iter().map(|g| g.rates.mrr.0 as f64).collect();
    let mut logos: Vec<f64> = groups.iter().map(|g| g.rates.logos).collect();
    let mut out = Vec::new();
    for q in 0..quarters {
        let (mut start, mut lost, mut contracted, mut expanded) = (0.0, 0.0, 0.0, 0.0);
        let mut arr = Money::ZERO;
        let mut count = 0.0;
        for (i, group) in groups.iter().enumerate() {
            let r = &group.rates;
            let e = effects.get(i).copied().unwrap_or(Effect::NONE);
            let (churn, logo_churn) = match e.churn_rate {
                Some(rate) if r.churn > 0.0 => (rate, r.logo_churn * rate / r.churn),
                Some(rate) => (rate, rate),
                None => (r.churn, r.logo_churn),
            };
            let churn = (churn * e.churn_multiplier).clamp(0.0, 1.0);
            let logo_churn = (logo_churn * e.churn_multiplier).clamp(0.0, 1.0);
            let m = mrr[i];
            let uplift = if q == 0 { m * e.price } else { 0.0 };
            let base = m + uplift;
            let churned = base * churn;
            let contraction = base * r.contraction;
            let expansion = base * r.expansion;
            let gained = (r.new_mrr + r.reactivation_mrr) * (1.0 + e.price);
            let next = (base - churned - contraction + expansion + gained)
                .round()
                .max(0.0);
            start += m;
            lost += churned;
            contracted += contraction;
            expanded += expansion + uplift;
            mrr[i] = next;
            arr += Money(next as i64) * 12;
            logos[i] = (logos[i] - logos[i] * logo_churn + r.new_logos).max(0.0);
            count += logos[i];
        }
        let pct = |v: f64| (start > 0.0).then(|| v / start * 100.0);
        out.push(Point {
            arr,
            nrr: pct(start - lost - contracted + expanded),
            grr: pct(start - lost - contracted),
            logos: count,
        });
    }
    out
}

/// The four quarters of the baseline (oldest first) and the one before them, whose end is the
/// first one's start: the latest complete quarter on `as_of` last.
pub fn baseline_quarters(as_of: chrono::NaiveDate, fiscal_start: u32) -> Vec<Period> {
    Period::latest_complete(PeriodKind::Quarter, as_of, fiscal_start).history(5, fiscal_start)
}

/// The baseline rates of the accounts in `scope` over `quarters` (from `baseline_quarters`),
/// each quarter's numbers from the engine. None without MRR data.
pub fn rates(ctx: &Context, quarters: &[Period], scope: Scope) -> Option<Rates> {
    let values: Vec<Values> = quarters
        .iter()
        .map(|q| compute_part(ctx, q, scope, Part::Revenue))
        .collect();
    let get = |v: &Values, id: &str| v.get(id).copied().flatten().unwrap_or(0.0);
    let cents = |v: &Values, id: &str| (get(v, id) * 100.0).round();
    let last = values.last()?;
    let mut r = Rates {
        mrr: Money(cents(last, "mrr") as i64),
        logos: get(last, "active_accounts"),
        ..Rates::default()
    };
    let (mut start, mut churned, mut contraction, mut expansion) = (0.0, 0.0, 0.0, 0.0);
    let (mut start_logos, mut lost_logos, mut gained_logos) = (0.0, 0.0, 0.0);
    let (mut new, mut reactivation) = (0.0, 0.0);
    for pair in values.windows(2) {
        let (before, v) = (&pair[0], &pair[1]);
        let cohort = get(before, "active_accounts");
        let lost = (get(v, "logo_churn_rate") / 100.0 * cohort).round();
        start += cents(v, "starting_mrr");
        churned += cents(v, "churned_mrr");
        contraction += cents(v, "contraction_mrr");
        expansion += cents(v, "expansion_mrr");
        new += cents(v, "new_mrr");
        reactivation += cents(v, "reactivation_mrr");
        start_logos += cohort;
        lost_logos += lost;
        gained_logos += get(v, "active_accounts") - cohort + lost;
    }
    let n = (values.len().saturating_sub(1)).max(1) as f64;
    let share = |part: f64, whole: f64| if whole > 0.0 { part / whole } else { 0.0 };
    r.churn = share(churned, start);
    r.contraction = share(contraction, start);
    r.expansion = share(expansion, start);
    r.logo_churn = share(lost_logos, start_logos);
    r.new_mrr = new / n;
    r.reactivation_mrr = reactivation / n;
    r.new_logos = gained_logos / n;
    r.mean_start_logos = start_logos / n;
    r.start_weight = start;
    Some(r)
}

/// How an assumption's number reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantity {
    /// Percent.
    Percent(f64),
    Money(Money),
    /// A count of accounts or people.
    Count(f64),
    /// A plain number (an elasticity, a multiplier).
    Number(f64),
}

/// Where an assumption's number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Written in the scenario file.
    Stated,
    /// Computed from the project's data.
    Data,
    /// A consequence of other assumptions (a multiplier, a default).
    Derived,
}

impl Source {
    /// The name as shown: `stated`, `data`, `derived`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Stated => "stated",
            Source::Data => "data",
            Source::Derived => "derived",
        }
    }
}

/// One assumption behind a projection, listed beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    pub label: String,
    pub quantity: Quantity,
    pub source: Source,
    /// How it was obtained, in words.
    pub note: String,
}

/// A scenario's projection: baseline and scenario per quarter, and the assumptions.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// The latest complete quarter, whose end the projection starts from.
    pub from: Period,
    /// The projected quarters.
    pub periods: Vec<Period>,
    pub baseline: Vec<Point>,
    pub scenario: Vec<Point>,
    /// Projected by segment (a segment's churn changes).
    pub by_segment: bool,
    pub assumptions: Vec<Assumption>,
}

/// Why a scenario cannot be projected on this data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unprojectable(pub String);

impl std::fmt::Display for Unprojectable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unprojectable {}

/// Projects `scenario` on the data of `ctx` from the latest complete quarter on `ctx.as_of`.
pub fn run(ctx: &Context, scenario: &Scenario) -> Result<Projection, Unprojectable> {
    let fiscal = ctx.config.fiscal_year_start;
    let quarters = baseline_quarters(ctx.as_of, fiscal);
    let from = quarters
        .last()
        .cloned()
        .ok_or_else(|| Unprojectable("no quarter to start from".into()))?;
    let no_mrr = || Unprojectable("scenarios need mrr.csv".into());
    let company = rates(ctx, &quarters, Scope::All).ok_or_else(no_mrr)?;
    let mut assumptions = baseline_assumptions(&company, &quarters);
    let (multiplier, price) = levers(ctx, scenario, &quarters, &company, &mut assumptions)?;
    let by_segment = !scenario.segments.is_empty();
    let groups = if by_segment {
        segment_groups(ctx, &quarters)?
    } else {
        vec![Group {
            name: "all accounts".into(),
            rates: company,
        }]
    };
    let mut effects = Vec::new();
    for g in &groups {
        let mut e = Effect {
            price,
            churn_multiplier: multiplier,
            churn_rate: None,
        };
        if let Some((_, change)) = scenario.segments.iter().find(|(s, _)| *s == g.name) {
            let (rate, note) = match *change {
                file::SegmentChurn::Rate(r) => (r / 100.0, "set in the scenario"),
                file::SegmentChurn::Change(c) => (
                    g.rates.churn * (1.0 + c / 100.0),
                    "the baseline rate changed by churn_change_pct",
                ),
            };
            e.churn_rate = Some(rate);
            assumptions.push(Assumption {
                label: format!("{}: gross MRR churn per quarter, baseline", g.name),
                quantity: Quantity::Percent(g.rates.churn * 100.0),
                source: Source::Data,
                note: "the segment's rate over the same four quarters".into(),
            });
            assumptions.push(Assumption {
                label: format!("{}: gross MRR churn per quarter, scenario", g.name),
                quantity: Quantity::Percent(rate * 100.0),
                source: Source::Stated,
                note: format!("{note}; logo churn scaled by the same ratio"),
            });
        }
        effects.push(e);
    }
    for (name, _) in &scenario.segments {
        if !groups.iter().any(|g| g.name == *name) {
            let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
            return Err(Unprojectable(format!(
                "no account is in segment '{name}' (segments: {})",
                known.join(", ")
            )));
        }
    }
    if by_segment {
        assumptions.push(Assumption {
            label: "groups projected".into(),
            quantity: Quantity::Count(groups.len() as f64),
            source: Source::Derived,
            note: "each segment on its own rates, baseline and scenario alike".into(),
        });
    }
    let periods = (1..=scenario.quarters as i32)
        .map(|i| from.shift(i, fiscal))
        .collect();
    let none = vec![Effect::NONE; groups.len()];
    Ok(Projection {
        from,
        periods,
        baseline: project(&groups, &none, scenario.quarters),
        scenario: project(&groups, &effects, scenario.quarters),
        by_segment,
        assumptions,
    })
}

/// The label of the first assumption: the MRR the projection starts from.
pub const STARTING_MRR: &str = "starting MRR";

/// The baseline rates, listed.
fn baseline_assumptions(r: &Rates, quarters: &[Period]) -> Vec<Assumption> {
    let span = match (quarters.get(1), quarters.last()) {
        (Some(a), Some(b)) => format!("{} to {}", a.label(), b.label()),
        _ => String::new(),
    };
    let per_quarter = format!("per quarter, {span}, from the metric engine");
    let rate = |label: &str, v: f64, what: &str| Assumption {
        label: label.into(),
        quantity: Quantity::Percent(v * 100.0),
        source: Source::Data,
        note: format!("Σ {what} / Σ starting MRR of the quarters {span}, from the metric engine"),
    };
    vec![
        Assumption {
            label: STARTING_MRR.into(),
            quantity: Quantity::Money(r.mrr),
            source: Source::Data,
            note: format!(
                "MRR at the end of {}",
                quarters.last().map(Period::label).unwrap_or_default()
            ),
        },
        Assumption {
            label: "starting logos".into(),
            quantity: Quantity::Count(r.logos),
            source: Source::Data,
            note: "active accounts then".into(),
        },
        rate("gross MRR churn per quarter", r.churn, "churned MRR"),
        rate("contraction per quarter", r.contraction, "contraction MRR"),
        rate("expansion per quarter", r.expansion, "expansion MRR"),
        Assumption {
            label: "logo churn per quarter".into(),
            quantity: Quantity::Percent(r.logo_churn * 100.0),
            source: Source::Data,
            note: format!(
                "Σ churned logos / Σ starting logos of the quarters {span}, from the metric engine"
            ),
        },
        Assumption {
            label: "new MRR per quarter".into(),
            quantity: Quantity::Money(Money(r.new_mrr.round() as i64)),
            source: Source::Data,
            note: format!("mean {per_quarter}"),
        },
        Assumption {
            label: "reactivation MRR per quarter".into(),
            quantity: Quantity::Money(Money(r.reactivation_mrr.round() as i64)),
            source: Source::Data,
            note: format!("mean {per_quarter}"),
        },
        Assumption {
            label: "logos gained per quarter".into(),
            quantity: Quantity::Count(r.new_logos),
            source: Source::Data,
            note: format!("mean of active at end − at start + churned, {span}"),
        },
    ]
}

/// The company-wide churn multiplier and price change of the scenario's levers, each listed.
fn levers(
    ctx: &Context,
    s: &Scenario,
    quarters: &[Period],
    company: &Rates,
    out: &mut Vec<Assumption>,
) -> Result<(f64, f64), Unprojectable> {
    let mut multiplier = 1.0;
    let mut price = 0.0;
    let mut push = |label: &str, quantity: Quantity, source: Source, note: String| {
        out.push(Assumption {
            label: label.into(),
            quantity,
            source,
            note,
        })
    };
    if let Some(p) = s.price {
        price = p.change_pct / 100.0;
        let m = (1.0 + p.churn_elasticity * price).max(0.0);
        multiplier *= m;
        push(
            "price change",
            Quantity::Percent(p.change_pct),
            Source::Stated,
            "applied to every account's MRR at the start of the first quarter (counted as \
             expansion) and to new and reactivation MRR"
                .into(),
        );
        push(
            "price: churn elasticity",
            Quantity::Number(p.churn_elasticity),
            Source::Stated,
            "churn rate × (1 + elasticity × price change)".into(),
        );
        push(
            "price: churn multiplier",
            Quantity::Number(m),
            Source::Derived,
            "on gross MRR churn and logo churn".into(),
        );
    }
    if let Some(c) = s.coverage {
        let book = coverage(ctx, quarters, company)?;
        let (elasticity, source, note) = match c.churn_elasticity {
            Some(e) => (e, Source::Stated, "written in the scenario".to_string()),
            None => {
                let fit = book.fit.ok_or_else(|| {
                    Unprojectable(
                        "csm_coverage: the data cannot give churn by book size (fewer than three \
                         CSM books of different sizes with MRR, or no churn); state \
                         churn_elasticity in the file"
                            .into(),
                    )
                })?;
                let (lo, hi) = fit.sizes;
                let outside = if c.accounts_per_csm < lo || c.accounts_per_csm > hi {
                    format!(
                        "; extrapolated: the books in the data hold {lo:.0} to {hi:.0} accounts"
                    )
                } else {
                    String::new()
                };
                (
                    fit.elasticity,
                    Source::Data,
                    format!(
                        "slope of each book's quarterly gross churn against its size, {} books \
                         weighted by starting MRR: {:+.3} points per 10 accounts, R² {:.2}; \
                         elasticity = slope × current ratio / mean churn{outside}. A correlation \
                         across books, not a measured effect of hiring",
                        fit.books,
                        fit.slope * 1000.0,
                        fit.r_squared
                    ),
                )
            }
        };
        let m = (1.0 + elasticity * (c.accounts_per_csm / book.ratio - 1.0)).max(0.0);
        multiplier *= m;
        push(
            "accounts per CSM, now",
            Quantity::Number(book.ratio),
            Source::Data,
            format!(
                "{} active accounts with a CSM / {} CSMs with a book",
                book.accounts, book.csms
            ),
        );
        push(
            "accounts per CSM, scenario",
            Quantity::Number(c.accounts_per_csm),
            Source::Stated,
            format!(
                "{} CSMs for today's accounts ({} more)",
                (book.accounts as f64 / c.accounts_per_csm).ceil(),
                ((book.accounts as f64 / c.accounts_per_csm).ceil() - book.csms as f64).max(0.0)
            ),
        );
        if let Some(capacity) = book.capacity {
            push(
                "CSM capacity in csms.csv",
                Quantity::Count(capacity as f64),
                Source::Data,
                "Σ capacity_accounts of the CSMs with a book".into(),
            );
        }
        push(
            "coverage: churn elasticity to book size",
            Quantity::Number(elasticity),
            source,
            note,
        );
        push(
            "coverage: churn multiplier",
            Quantity::Number(m),
            Source::Derived,
            "1 + elasticity × (scenario ratio / current ratio − 1)".into(),
        );
    }
    if let Some(o) = s.onboarding {
        let (m, notes) = onboarding(ctx, quarters, o)?;
        multiplier *= m;
        for (label, q, source, note) in notes {
            push(label, q, source, note);
        }
        push(
            "onboarding: churn multiplier",
            Quantity::Number(m),
            Source::Derived,
            "(b × c₁ + (1 − b) × c₀) / (a × c₁ + (1 − a) × c₀); applied to the whole book, an \
             upper bound: in practice only accounts still onboarding change"
                .into(),
        );
    }
    if let Some(sr) = s.save_rate {
        let (from, source, note) = match sr.from_pct {
            Some(f) => (f, Source::Stated, "written in the scenario".to_string()),
            None => {
                let ttm = Period::ttm_ending(
                    quarters
                        .last()
                        .map(|q| q.months().1)
                        .ok_or_else(|| Unprojectable("no quarter to start from".into()))?,
                );
                let v = compute_part(ctx, &ttm, Scope::All, Part::Renewals);
                let f = v.get("arr_save_rate").copied().flatten().ok_or_else(|| {
                    Unprojectable(
                        "save_rate: the data has no at-risk renewals to give the save rate; \
                         state from_pct in the file"
                            .into(),
                    )
                })?;
                (
                    f,
                    Source::Data,
                    format!("the ARR save rate of at-risk renewals, {}", ttm.label()),
                )
            }
        };
        if from >= 100.0 {
            return Err(Unprojectable(
                "save_rate: the current save rate is 100 %, so churn cannot be scaled from it"
                    .into(),
            ));
        }
        let m = (1.0 - sr.to_pct / 100.0) / (1.0 - from / 100.0);
        multiplier *= m;
        push("save rate, now", Quantity::Percent(from), source, note);
        push(
            "save rate, scenario",
            Quantity::Percent(sr.to_pct),
            Source::Stated,
            "written in the scenario".into(),
        );
        push(
            "save rate: churn multiplier",
            Quantity::Number(m),
            Source::Derived,
            "(1 − new save rate) / (1 − current save rate): churn taken as the at-risk ARR not \
             saved"
                .into(),
        );
    }
    if multiplier != 1.0 || s.price.is_some() {
        push(
            "churn multiplier, all levers",
            Quantity::Number(multiplier),
            Source::Derived,
            "the product of the multipliers above".into(),
        );
    }
    Ok((multiplier, price))
}

/// The CSM books today and, where the data gives it, churn's elasticity to book size.
struct Books {
    accounts: u64,
    csms: u64,
    ratio: f64,
    capacity: Option<i64>,
    fit: Option<Fit>,
}

/// A weighted least-squares line of quarterly gross churn against book size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fit {
    books: usize,
    /// Churn (fraction) per account of book size.
    slope: f64,
    elasticity: f64,
    /// The smallest and largest mean book size of the fit.
    sizes: (f64, f64),
    r_squared: f64,
}

/// The share of the weighted variance of `y` the line explains (R²), 0 without spread in `y`.
fn r_squared(points: &[(f64, f64, f64)], slope: f64, mx: f64, my: f64) -> f64 {
    let sxx: f64 = points.iter().map(|p| p.2 * (p.0 - mx).powi(2)).sum();
    let syy: f64 = points.iter().map(|p| p.2 * (p.1 - my).powi(2)).sum();
    if syy > 0.0 {
        (slope * slope * sxx / syy).min(1.0)
    } else {
        0.0
    }
}

/// The slope of `y` on `x` weighted by `w`, and the weighted means; None without spread in `x`.
fn weighted_fit(points: &[(f64, f64, f64)]) -> Option<(f64, f64, f64)> {
    let w: f64 = points.iter().map(|p| p.2).sum();
    if w <= 0.0 {
        return None;
    }
    let mx = points.iter().map(|p| p.0 * p.2).sum::<f64>() / w;
    let my = points.iter().map(|p| p.1 * p.2).sum::<f64>() / w;
    let sxx: f64 = points.iter().map(|p| p.2 * (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| p.2 * (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| (sxy / sxx, mx, my))
}

fn coverage(ctx: &Context, quarters: &[Period], company: &Rates) -> Result<Books, Unprojectable> {
    let mrr = ctx
        .mrr()
        .ok_or_else(|| Unprojectable("scenarios need mrr.csv".into()))?;
    let last = quarters
        .last()
        .map(|q| q.months().1)
        .ok_or_else(|| Unprojectable("no quarter to start from".into()))?;
    let accounts = &ctx.data.accounts.rows;
    let count = accounts.len();
    let mut books: std::collections::BTreeMap<usize, Vec<AccountIx>> = Default::default();
    for (a, account) in accounts.iter().enumerate() {
        if let Some(c) = account.csm {
            books.entry(c as usize).or_default().push(a as AccountIx);
        }
    }
    let (mut active, mut csms, mut capacity) = (0u64, 0u64, None::<i64>);
    let mut points = Vec::new();
    for (csm, list) in &books {
        let now = list.iter().filter(|&&a| mrr.get(a, last).0 > 0).count() as u64;
        if now > 0 {
            active += now;
            csms += 1;
            let cap = ctx
                .data
                .csms
                .as_ref()
                .and_then(|c| c.rows.get(*csm))
                .and_then(|c| c.capacity_accounts);
            if let Some(cap) = cap {
                capacity = Some(capacity.unwrap_or(0) + cap);
            }
        }
        let mut mask = vec![false; count];
        for &a in list {
            mask[a as usize] = true;
        }
        let scope = Scope::Members { mask: &mask, list };
        if let Some(r) = rates(ctx, quarters, scope)
            && r.start_weight > 0.0
        {
            points.push((r.mean_start_logos, r.churn, r.start_weight));
        }
    }
    if csms == 0 {
        return Err(Unprojectable(
            "csm_coverage: no active account has a CSM (accounts.csv csm_id)".into(),
        ));
    }
    let ratio = active as f64 / csms as f64;
    let fit = if points.len() >= 3 {
        weighted_fit(&points).and_then(|(slope, mx, mean)| {
            let r_squared = r_squared(&points, slope, mx, mean);
            let mean = if mean > 0.0 { mean } else { company.churn };
            let sizes = points
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), p| (lo.min(p.0), hi.max(p.0)));
            (mean > 0.0).then(|| Fit {
                sizes,
                r_squared,
                books: points.len(),
                slope,
                elasticity: slope * ratio / mean,
            })
        })
    } else {
        None
    };
    Ok(Books {
        accounts: active,
        csms,
        ratio,
        capacity,
        fit,
    })
}

type Note = (&'static str, Quantity, Source, String);

/// The onboarding lever's churn multiplier and its assumptions.
fn onboarding(
    ctx: &Context,
    quarters: &[Period],
    o: file::Onboarding,
) -> Result<(f64, Vec<Note>), Unprojectable> {
    let end = quarters
        .last()
        .map(|q| q.end)
        .ok_or_else(|| Unprojectable("no quarter to start from".into()))?;
    let count = ctx.data.accounts.rows.len();
    let (mut done, mut not) = (vec![false; count], vec![false; count]);
    let (mut n_done, mut n_not) = (0u64, 0u64);
    for row in ctx.data.onboarding.iter().flatten() {
        let a = row.account as usize;
        if a >= count || done[a] || not[a] {
            continue;
        }
        if row.onboarding_completed_on.is_some_and(|d| d <= end) {
            done[a] = true;
            n_done += 1;
        } else {
            not[a] = true;
            n_not += 1;
        }
    }
    let mut notes: Vec<Note> = Vec::new();
    let from = match o.from_pct {
        Some(f) => {
            notes.push((
                "onboarding completion, now",
                Quantity::Percent(f),
                Source::Stated,
                "written in the scenario".into(),
            ));
            f / 100.0
        }
        None => {
            let total = n_done + n_not;
            if total == 0 {
                return Err(Unprojectable(
                    "onboarding: onboarding.csv has no accounts; state from_pct and both churn \
                     rates in the file"
                        .into(),
                ));
            }
            let f = n_done as f64 / total as f64;
            notes.push((
                "onboarding completion, now",
                Quantity::Percent(f * 100.0),
                Source::Data,
                format!("{n_done} of {total} accounts in onboarding.csv completed by {end}"),
            ));
            f
        }
    };
    notes.push((
        "onboarding completion, scenario",
        Quantity::Percent(o.completion_pct),
        Source::Stated,
        "written in the scenario".into(),
    ));
    let (c1, c0) = match o.churn {
        Some((a, b)) => {
            for (label, v) in [
                ("churn, onboarding completed", a),
                ("churn, onboarding not completed", b),
            ] {
                notes.push((
                    label,
                    Quantity::Percent(v),
                    Source::Stated,
                    "quarterly gross MRR churn, written in the scenario".into(),
                ));
            }
            (a / 100.0, b / 100.0)
        }
        None => {
            let mut rate = |mask: &[bool], label: &'static str| {
                let r = rates(ctx, quarters, Scope::Only(mask)).filter(|r| r.start_weight > 0.0);
                if let Some(r) = r {
                    notes.push((
                        label,
                        Quantity::Percent(r.churn * 100.0),
                        Source::Data,
                        "quarterly gross MRR churn of these accounts, same four quarters".into(),
                    ));
                }
                r.map(|r| r.churn)
            };
            match (
                rate(&done, "churn, onboarding completed"),
                rate(&not, "churn, onboarding not completed"),
            ) {
                (Some(a), Some(b)) => (a, b),
                _ => {
                    return Err(Unprojectable(format!(
                        "onboarding: the data cannot give the churn of both groups ({n_done} \
                         accounts in onboarding.csv completed by {end}, {n_not} did not, and a \
                         group needs MRR in the four quarters); state churn_completed_pct and \
                         churn_not_completed_pct"
                    )));
                }
            }
        }
    };
    let to = o.completion_pct / 100.0;
    let now = from * c1 + (1.0 - from) * c0;
    let m = if now > 0.0 {
        (to * c1 + (1.0 - to) * c0) / now
    } else {
        1.0
    };
    Ok((m, notes))
}

/// Each segment of accounts.csv (and the accounts without one) as a group with its own rates,
/// in name order.
fn segment_groups(ctx: &Context, quarters: &[Period]) -> Result<Vec<Group>, Unprojectable> {
    let accounts = &ctx.data.accounts.rows;
    let mut names: Vec<&str> = accounts
        .iter()
        .map(|a| a.segment.as_deref().unwrap_or(NO_SEGMENT))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut groups = Vec::new();
    for name in names {
        let mask: Vec<bool> = accounts
            .iter()
            .map(|a| a.segment.as_deref().unwrap_or(NO_SEGMENT) == name)
            .collect();
        let rates = rates(ctx, quarters, Scope::Only(&mask))
            .ok_or_else(|| Unprojectable("scenarios need mrr.csv".into()))?;
        groups.push(Group {
            name: name.to_string(),
            rates,
        });
    }
    Ok(groups)
}

/// The group of the accounts without a segment.
const NO_SEGMENT: &str = "(no segment)";

#[cfg(test)]
mod tests {
    use super::*;

    /// MRR 100,000.00 (ARR 1,200,000), quarterly churn 2 %, contraction 1 %, expansion 2 %
    /// (GRR 97 %, NRR 99 %), new MRR 500.00 a quarter; 100 logos, logo churn 3 %, 2 gained.
    fn company() -> Group {
        Group {
            name: "all accounts".into(),
            rates: Rates {
                mrr: Money::units(100_000),
                logos: 100.0,
                churn: 0.02,
                contraction: 0.01,
                expansion: 0.02,
                logo_churn: 0.03,
                new_mrr: 50_000.0,
                reactivation_mrr: 0.0,
                new_logos: 2.0,
                mean_start_logos: 100.0,
                start_weight: 1.0,
            },
        }
    }

    fn close(v: Option<f64>, expected: f64) {
        let v = v.unwrap_or(f64::NAN);
        assert!(
            (v - expected).abs() < 1e-9,
            "expected {expected}, found {v}"
        );
    }

    #[test]
    fn baseline_by_hand() {
        let p = project(&[company()], &[Effect::NONE], 2);
        // Q1: 100,000 × (1 − 0.02 − 0.01 + 0.02) + 500 = 99,000 + 500 = 99,500 → ARR 1,194,000.
        assert_eq!(p[0].arr, Money::units(1_194_000));
        close(p[0].grr, 97.0);
        close(p[0].nrr, 99.0);
        // Logos: 100 − 3 + 2 = 99.
        close(Some(p[0].logos), 99.0);
        // Q2: 99,500 × 0.99 + 500 = 98,505 + 500 = 99,005 → ARR 1,188,060.
        assert_eq!(p[1].arr, Money::units(1_188_060));
        // 99 − 2.97 + 2 = 98.03.
        close(Some(p[1].logos), 98.03);
    }

    #[test]
    fn price_plus_10_with_elasticity_half_by_hand() {
        // Churn × (1 + 0.5 × 0.10) = × 1.05: 2 % → 2.1 %, logo churn 3 % → 3.15 %.
        let e = Effect {
            price: 0.10,
            churn_multiplier: 1.05,
            churn_rate: None,
        };
        let p = project(&[company()], &[e], 2);
        // Q1: uplift 10,000, base 110,000; churn 2,310, contraction 1,100, expansion 2,200,
        // new 500 × 1.1 = 550 → 110,000 − 2,310 − 1,100 + 2,200 + 550 = 109,340 → ARR 1,312,080.
        assert_eq!(p[0].arr, Money::units(1_312_080));
        // NRR = (100,000 − 2,310 − 1,100 + 2,200 + 10,000) / 100,000 = 108.79 %;
        // GRR = (100,000 − 3,410) / 100,000 = 96.59 %.
        close(p[0].nrr, 108.79);
        close(p[0].grr, 96.59);
        close(Some(p[0].logos), 100.0 - 3.15 + 2.0);
        // Q2, no uplift: 109,340 × (1 − 0.021 − 0.01 + 0.02) + 550 = 108,137.26 + 550
        // = 108,687.26 → 108,687.26 (whole cents) → ARR 1,304,247.12.
        assert_eq!(p[1].arr, Money(130_424_712));
        close(p[1].nrr, 98.9);
    }

    #[test]
    fn a_segment_rate_replaces_its_churn_and_scales_logo_churn() {
        // Segment churn set to 4 % (twice 2 %): logo churn 3 % → 6 %.
        let e = Effect {
            churn_rate: Some(0.04),
            ..Effect::NONE
        };
        let p = project(&[company()], &[e], 1);
        // 100,000 × (1 − 0.04 − 0.01 + 0.02) + 500 = 97,500 → ARR 1,170,000; GRR 95 %.
        assert_eq!(p[0].arr, Money::units(1_170_000));
        close(p[0].grr, 95.0);
        close(Some(p[0].logos), 100.0 - 6.0 + 2.0);
        // Two groups add up: the second one unchanged.
        let p = project(&[company(), company()], &[e, Effect::NONE], 1);
        assert_eq!(p[0].arr, Money::units(1_170_000 + 1_194_000));
        // GRR over both: (200,000 − 4,000 − 2,000 − 2,000) / 200,000 = 96 %.
        close(p[0].grr, 96.0);
    }

    #[test]
    fn zero_and_empty() {
        assert!(
            project(&[], &[], 4)
                .iter()
                .all(|p| p.arr == Money::ZERO && p.nrr.is_none())
        );
        assert_eq!(project(&[], &[], 4).len(), 4);
        let mut g = company();
        g.rates = Rates::default();
        let p = project(&[g], &[Effect::NONE], 4);
        assert!(
            p.iter()
                .all(|p| p.arr == Money::ZERO && p.grr.is_none() && p.logos == 0.0)
        );
        // A churn multiplier never takes churn above 100 %.
        let e = Effect {
            churn_multiplier: 100.0,
            ..Effect::NONE
        };
        let p = project(&[company()], &[e], 1);
        // 100,000 × (1 − 1 − 0.01 + 0.02) + 500 = 1,500 → ARR 18,000.
        assert_eq!(p[0].arr, Money::units(18_000));
        close(Some(p[0].logos), 2.0);
    }

    #[test]
    fn the_fit_of_churn_on_book_size() {
        // Churn 2 %, 3 %, 4 % at 50, 100, 150 accounts: 0.02 points per account.
        let fit = weighted_fit(&[(50.0, 0.02, 1.0), (100.0, 0.03, 1.0), (150.0, 0.04, 1.0)]);
        let Some((slope, mx, my)) = fit else {
            panic!("a line");
        };
        assert!((slope - 0.0002).abs() < 1e-12);
        assert!((mx - 100.0).abs() < 1e-12 && (my - 0.03).abs() < 1e-12);
        // On the line: all the variance explained.
        let points = [(50.0, 0.02, 1.0), (100.0, 0.03, 1.0), (150.0, 0.04, 1.0)];
        assert!((r_squared(&points, slope, mx, my) - 1.0).abs() < 1e-9);
        // y = 0, 1, 0 at x = 0, 1, 2: a flat line, R² 0.
        let points = [(0.0, 0.0, 1.0), (1.0, 1.0, 1.0), (2.0, 0.0, 1.0)];
        let Some((flat, mx, my)) = weighted_fit(&points) else {
            panic!("a line");
        };
        assert!(flat.abs() < 1e-12 && r_squared(&points, flat, mx, my).abs() < 1e-12);
        // No spread in size: no line.
        assert_eq!(weighted_fit(&[(10.0, 0.1, 1.0), (10.0, 0.2, 1.0)]), None);
        assert_eq!(weighted_fit(&[]), None);
    }

    #[test]
    fn the_example_baseline_matches_the_engine_and_is_reproducible() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let Ok(loaded) = crate::data::load::load(
            &dir.join("data"),
            &crate::data::load::LoadOptions::default(),
        ) else {
            panic!("the example data loads");
        };
        let config = crate::metrics::fixture::config();
        let ctx = Context {
            data: &loaded.dataset,
            config: &config,
            as_of: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default(),
        };
        let text = "price:\n  change_pct: 10\n  churn_elasticity: 0.5\nquarters: 4\n";
        let Ok(s) = file::parse(text, "p.yaml", "p") else {
            panic!("parses");
        };
        let Ok(p) = run(&ctx, &s) else {
            panic!("projects");
        };
        assert_eq!(p.from.label(), "Q3 2026");
        assert_eq!(p.periods.len(), 4);
        assert_eq!(p.periods[0].label(), "Q4 2026");
        // The starting MRR is the engine's MRR of September 2026.
        let sept = compute_part(
            &ctx,
            &Period::month(crate::period::Month::new(2026, 9)),
            Scope::All,
            Part::Revenue,
        );
        assert_eq!(
            p.assumptions[0].quantity,
            Quantity::Money(Money(
                (sept["mrr"].unwrap_or_default() * 100.0).round() as i64
            ))
        );
        // The scenario raises ARR in the first quarter; the same run gives the same numbers.
        assert!(p.scenario[0].arr > p.baseline[0].arr);
        assert_eq!(run(&ctx, &s), Ok(p));
        // A segment no account has cannot be projected.
        let Ok(s) = file::parse("segments:\n  Smb:\n    churn_rate_pct: 1\n", "s.yaml", "s") else {
            panic!("parses");
        };
        assert!(run(&ctx, &s).is_err_and(|e| e.0.contains("segment 'Smb'")));
    }
}
