//! Cohorts in depth: the cohort table (logo, net and gross revenue retention at fixed ages,
//! churn in year one; per cohort, or pooled per group of a dimension) and the logo retention
//! curves of the latest quarterly cohorts. The engine computes every value
//! (`metrics::cohorts`); this only selects and formats.

use super::*;
use crate::metrics::breakdown::Dimension;
use crate::metrics::cohorts::{self, CohortGrain, CohortRow};
use crate::render::charts::Series;
use crate::report::component::TableKind;

/// The ages, in months, the table shows logo retention at.
const LOGO_AGES: [usize; 4] = [3, 6, 12, 24];
/// The age the table shows NRR and GRR at.
const REVENUE_AGE: usize = 12;
/// The curves drawn: the latest quarterly cohorts that have reached this age...
const CURVE_MIN_AGE: usize = 6;
/// ...this many of them.
const CURVES: usize = 6;

impl Renderer<'_, '_> {
    /// `table(of="cohorts" | "cohorts_monthly", by=...)`: one row per cohort (newest first, up
    /// to `limit`, default 12), or with `by` one row per group, its cohorts pooled.
    pub(super) fn cohorts_table(
        &self,
        page: &Page,
        of: TableKind,
        dim: Option<&Dimension>,
        columns: &[&str],
        limit: Option<usize>,
        table: &mut Table,
    ) {
        let Some(mrr) = self.facts.ctx.mrr() else {
            return;
        };
        let grain = if of == TableKind::CohortsMonthly {
            CohortGrain::Month
        } else {
            CohortGrain::Quarter
        };
        let noun = if grain == CohortGrain::Month {
            "monthly"
        } else {
            "quarterly"
        };
        let (_, last) = page.period.months();
        let through = Period::month(last).label();
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        let pct = |v: Option<f64>| num(v.map_or(format::MISSING.into(), format::percent), v);
        let blank = || num(format::MISSING, None);
        match dim {
            None => {
                table.caption = Some(format!(
                    "{} cohorts to {through}, newest first: accounts by the {} of their first month \
                     with MRR. Logos at N mo: the share still paying N months after each \
                     account's own first month (— : not reached yet); NRR counts expansion, GRR \
                     keeps at most each account's starting MRR; lost in year 1: the share that \
                     stopped paying in some month of the first 12",
                    format::capitalised(noun),
                    if grain == CohortGrain::Month {
                        "month"
                    } else {
                        "quarter"
                    },
                ));
                let rows = cohorts::triangle(mrr, scope, grain, last);
                for r in rows.iter().rev().take(limit.unwrap_or(12)) {
                    let at =
                        |values: &[Option<f64>], age: usize| values.get(age).copied().flatten();
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "cohort" => text(r.cohort.clone()),
                            "customers" => num(format::count(r.size as f64), Some(r.size as f64)),
                            "start_mrr" => {
                                let v = crate::data::Money(r.start_mrr).to_f64();
                                num(self.money(v), Some(v))
                            }
                            "nrr_12" => pct(at(&r.revenue, REVENUE_AGE)),
                            "grr_12" => pct(at(&r.gross, REVENUE_AGE)),
                            "churn_12m" => pct(r.churn_12m),
                            logo => match logo_age(logo) {
                                Some(age) => pct(at(&r.logo, age)),
                                None => blank(),
                            },
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
            Some(dim) => {
                let name = self.words(dim.name());
                // The rows are the dimension's groups: the first column is named after it.
                if let (Some(first), Some(&"cohort")) = (table.columns.first_mut(), columns.first())
                {
                    first.label = name.clone();
                }
                table.caption = Some(format!(
                    "{} cohorts to {through} by {}, pooled: each column sums the members (or MRR) of \
                     the cohorts that have reached its age, so a group's figures weigh its \
                     cohorts by their size",
                    format::capitalised(noun),
                    name.to_lowercase()
                ));
                for (label, group) in breakdown::groups(&self.facts.ctx, dim, &page.period) {
                    let mask: Vec<bool> = match &mask {
                        Some(m) => group.iter().zip(m.iter()).map(|(a, b)| *a && *b).collect(),
                        None => group,
                    };
                    let rows: Vec<CohortRow> =
                        cohorts::triangle(mrr, Scope::Only(&mask), grain, last);
                    if rows.is_empty() {
                        continue;
                    }
                    let all = cohorts::pooled(&rows, 0);
                    let twelve = cohorts::pooled(&rows, REVENUE_AGE);
                    let row = columns
                        .iter()
                        .map(|c| match *c {
                            "cohort" => text(self.words(&label)),
                            "customers" => {
                                num(format::count(all.size as f64), Some(all.size as f64))
                            }
                            "start_mrr" => {
                                let v = crate::data::Money(all.start_mrr).to_f64();
                                num(self.money(v), Some(v))
                            }
                            "nrr_12" => pct(twelve.revenue),
                            "grr_12" => pct(twelve.gross),
                            "churn_12m" => pct(twelve.churn_12m),
                            logo => match logo_age(logo) {
                                Some(age) => pct(cohorts::pooled(&rows, age).logo),
                                None => blank(),
                            },
                        })
                        .collect();
                    table.rows.push(row);
                }
            }
        }
        table.sortable = false;
    }

    /// `chart(type="line", data="cohort_curves")`: the logo retention of the latest quarterly
    /// cohorts that have reached six months, month by month of age, with the same numbers as a
    /// table.
    pub(super) fn cohort_curves(&self, rows: &[CohortRow]) -> (Chart, String, String, Table) {
        let shown: Vec<&CohortRow> = rows
            .iter()
            .filter(|r| r.logo.len() > CURVE_MIN_AGE)
            .rev()
            .take(CURVES)
            .collect();
        let ages = shown.iter().map(|r| r.logo.len()).max().unwrap_or(0);
        let labels: Vec<String> = (0..ages).map(|a| format!("M{a}")).collect();
        let series: Vec<Series> = shown
            .iter()
            .enumerate()
            .map(|(i, r)| Series {
                name: r.cohort.clone(),
                values: (0..ages)
                    .map(|a| r.logo.get(a).copied().flatten())
                    .collect(),
                tone: charts::Tone::Accent(i),
            })
            .collect();
        let mut table = Table::new(&[("cohort", false), ("accounts", true)]);
        table.columns.extend(labels.iter().map(|l| Column {
            label: l.clone(),
            numeric: true,
        }));
        for r in &shown {
            let mut row = vec![
                text(r.cohort.clone()),
                num(format::count(r.size as f64), Some(r.size as f64)),
            ];
            row.extend((0..ages).map(|a| {
                let v = r.logo.get(a).copied().flatten();
                num(v.map_or(String::new(), format::percent), v)
            }));
            table.rows.push(row);
        }
        table.sortable = false;
        let desc = format!(
            "Share of each cohort's accounts still paying, by months since each account's first \
             month with MRR (M0); the {} latest quarterly cohorts that have reached M{CURVE_MIN_AGE}. \
             A line stops at the age its cohort has reached.",
            shown.len()
        );
        (
            Chart::lines(labels, series, Axis::Percent),
            "Logo retention curves by quarterly cohort".into(),
            desc,
            table,
        )
    }
}

/// The age of a `logo_N` column.
fn logo_age(column: &str) -> Option<usize> {
    let age: usize = column.strip_prefix("logo_")?.parse().ok()?;
    LOGO_AGES.contains(&age).then_some(age)
}
