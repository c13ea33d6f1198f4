//! `chart(type="line", data="survival", by=...)`: Kaplan–Meier curves of customer lifetime from
//! `metrics::survival`, one per group of the dimension (or one for every account in the page's
//! scope), with a table of each curve's accounts, churned, median, survival at 12, 24 and 36
//! months and restricted mean lifetime, and the log-rank test in the description. The engine
//! computes every number; this selects and formats.

use super::*;
use crate::metrics::breakdown::Dimension;
use crate::metrics::survival::{self, Curve, Spell};
use crate::render::charts::Series;

/// The months the curves are drawn over, at most.
const HORIZON: u32 = 60;

impl Renderer<'_, '_> {
    pub(super) fn survival_curves(
        &self,
        page: &Page,
        by: Option<&str>,
        scope: Scope,
    ) -> Result<(Chart, String, String, Table), String> {
        let ctx = &self.facts.ctx;
        let mrr = ctx.mrr().ok_or("this chart needs mrr.csv")?;
        // Censored at the page's last month: an archived issue sees nothing after its period.
        let (_, last) = page.period.months();
        let spells_of = |scope: Scope| -> Vec<(u32, Spell)> {
            survival::spells(&ctx.data.accounts, mrr, scope, last)
        };
        let mut groups: Vec<(String, Vec<Spell>)> = Vec::new();
        let in_scope = |a: u32| scope.includes(a);
        match by {
            None => groups.push((
                "all accounts".into(),
                spells_of(scope).into_iter().map(|(_, s)| s).collect(),
            )),
            Some(name) => {
                let dim = Dimension::parse(name, &ctx.data.accounts)?;
                if dim == Dimension::AcvBand {
                    return Err("survival by acv_band is not offered: a churned account has no ARR band; use segment or cohort".into());
                }
                let all = spells_of(Scope::All);
                for (label, mask) in breakdown::groups(ctx, &dim, &page.period) {
                    let spells: Vec<Spell> = all
                        .iter()
                        .filter(|(a, _)| {
                            in_scope(*a) && mask.get(*a as usize).copied().unwrap_or(false)
                        })
                        .map(|(_, s)| *s)
                        .collect();
                    if !spells.is_empty() {
                        groups.push((self.words(&label), spells));
                    }
                }
            }
        }
        let curves: Vec<(String, Curve, &[Spell])> = groups
            .iter()
            .map(|(name, spells)| {
                (
                    name.clone(),
                    survival::kaplan_meier(spells),
                    spells.as_slice(),
                )
            })
            .collect();
        let longest = curves
            .iter()
            .filter_map(|(_, c, _)| c.steps.last().map(|s| s.month))
            .max()
            .unwrap_or(0)
            .min(HORIZON);
        let labels: Vec<String> = (0..=longest).map(|m| format!("M{m}")).collect();
        let series: Vec<Series> = curves
            .iter()
            .enumerate()
            .map(|(i, (name, c, _))| {
                let last = c.steps.last().map_or(0, |s| s.month);
                Series {
                    name: name.clone(),
                    values: (0..=longest)
                        .map(|m| (m <= last).then(|| c.survival_at(m) * 100.0))
                        .collect(),
                    tone: charts::Tone::Accent(i),
                }
            })
            .collect();
        let horizon_months = (ctx.config.ltv.max_lifetime_years * 12.0).round().max(0.0) as u32;
        let mut table = Table::new(&[
            (if by.is_some() { "group" } else { "accounts" }, false),
            ("accounts", true),
            ("churned", true),
            ("median", true),
            ("after 12 months", true),
            ("after 24 months", true),
            ("after 36 months", true),
            ("mean lifetime", true),
        ]);
        if let Some(name) = by {
            table.columns[0].label = self.words(name);
        } else {
            table.columns[0].label = "curve".into();
        }
        for (name, c, _) in &curves {
            let at = |m: u32| -> TableCell {
                let step = c.steps.iter().take_while(|s| s.month <= m).last();
                match step.filter(|_| c.steps.last().is_some_and(|s| s.month >= m)) {
                    Some(s) => num(
                        format!(
                            "{} ({}–{})",
                            format::percent(s.survival * 100.0),
                            format::percent(s.lower * 100.0),
                            format::percent(s.upper * 100.0)
                        ),
                        Some(s.survival * 100.0),
                    ),
                    None => num(format::MISSING, None),
                }
            };
            let mean = c.restricted_mean(horizon_months).map(|m| m / 12.0);
            table.rows.push(vec![
                text(name.clone()),
                num(format::count(c.subjects as f64), Some(c.subjects as f64)),
                num(format::count(c.events as f64), Some(c.events as f64)),
                match c.median {
                    Some(m) => num(format!("{m} months"), Some(f64::from(m))),
                    None => num("not reached", None),
                },
                at(12),
                at(24),
                at(36),
                num(
                    mean.map_or(format::MISSING.into(), |y| format!("{y:.1} years")),
                    mean,
                ),
            ]);
        }
        table.sortable = false;
        let parts: Vec<&[Spell]> = curves.iter().map(|(_, _, s)| *s).collect();
        let test = match survival::log_rank(&parts) {
            Some(t) if curves.len() > 1 => format!(
                " Log-rank test of equal survival across the groups: χ² = {:.1} on {} degrees of \
                 freedom, p {}{}.",
                t.chi2,
                t.df,
                if t.p < 0.0001 {
                    "< 0.0001".to_string()
                } else {
                    format!("= {:.4}", t.p)
                },
                if t.p < 0.05 {
                    ": the groups' lifetimes differ"
                } else {
                    ": no evidence the groups' lifetimes differ"
                }
            ),
            _ => String::new(),
        };
        let desc = format!(
            "Share of accounts still paying N months after the start of their first subscription \
             (Kaplan–Meier; the table gives 95 % Greenwood intervals), counted to {}; accounts \
             still paying then are censored, and accounts paying before the data starts are \
             counted from their signed_on date. Mean lifetime: the area under the curve over \
             {} years, the curve extended with its own monthly hazard.{test}",
            Period::month(last).label(),
            ctx.config.ltv.max_lifetime_years
        );
        let title = match by {
            Some(name) => format!("Customer lifetime by {}", self.words(name).to_lowercase()),
            None => "Customer lifetime".into(),
        };
        Ok((
            Chart::Steps {
                labels,
                series,
                axis: Axis::Percent,
            },
            title,
            desc,
            table,
        ))
    }
}
