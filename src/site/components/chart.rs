//! Chart components: metric histories and the data sources (MRR movements and bridge, health
//! bands, renewal stages and pipeline, cohorts, ...) as charts with their data tables.

use super::*;

/// One series of values as a bar chart (`kind` bar) or a plain line chart.
pub(super) fn one_series(
    kind: ChartType,
    labels: Vec<String>,
    name: &str,
    values: Vec<Option<f64>>,
    axis: Axis,
) -> Chart {
    let series = vec![Series {
        name: name.into(),
        values,
        tone: Tone::Accent(0),
    }];
    if kind == ChartType::Bar {
        Chart::Bar {
            labels,
            series,
            stacked: false,
            axis,
        }
    } else {
        Chart::lines(labels, series, axis)
    }
}

impl Renderer<'_, '_> {
    /// Open renewals due in the next `DUE_WINDOW_DAYS` (90) days per stage (see [`renewal_stages_figure`]); the
    /// engine sums them (`renewals::open_by_stage`), this only formats.
    pub(super) fn renewal_stages(&self, scope: Scope) -> (Chart, String, String, Table) {
        let stages = renewals::open_by_stage(&self.facts.ctx, scope, renewals::DUE_WINDOW_DAYS);
        renewal_stages_figure(&stages, self.currency)
    }

    pub(super) fn chart(
        &self,
        page: &Page,
        kind: ChartType,
        source: &Source,
        periods: usize,
        title: Option<&str>,
    ) -> Result<Figure, String> {
        let (chart, default_title, desc, table) = self.chart_data(page, kind, source, periods)?;
        let mut title = title.map_or(default_title, str::to_string);
        // A chart of LTV states its lifetime cap in its title.
        let defs: &[&MetricDef] = match source {
            Source::Metrics(defs) | Source::Trailing(defs) => defs,
            Source::Breakdown(def, _) => std::slice::from_ref(def),
            Source::Data(..) => &[],
        };
        if let Some(note) = defs
            .iter()
            .find_map(|d| crate::metrics::explain::footnote(d.id, self.facts.ctx.config))
        {
            title = format!("{title}. {note}");
        }
        let id = self.next_chart_id(page);
        Ok(Figure {
            html: charts::html(&chart, &id, &title, &desc),
            chart,
            id,
            title,
            alt: desc,
            table,
        })
    }

    /// The chart, its default title, its text description and its data as a table.
    pub(super) fn chart_data(
        &self,
        page: &Page,
        kind: ChartType,
        source: &Source,
        periods: usize,
    ) -> Result<(Chart, String, String, Table), String> {
        let fiscal = self.fiscal();
        let data = self.facts.ctx.data;
        let mask = self.group_mask(page);
        let scope = page_scope(page, &mask);
        match source {
            Source::Metrics(defs) | Source::Trailing(defs) => {
                let periods_shown = page.period.history(periods, fiscal);
                let labels: Vec<String> = periods_shown.iter().map(short_id).collect();
                // `basis="ttm"`: each point is the twelve months ending at its period's end.
                let trailing = |p: &Period| match source {
                    Source::Trailing(_) => Period::ttm_ending(p.months().1),
                    _ => p.clone(),
                };
                let history: Vec<Period> = periods_shown.iter().map(trailing).collect();
                let own = trailing(&page.period);
                // Each series names its basis ("Net revenue retention (TTM)"), so a chart of
                // trailing-twelve-month values by month says so.
                let names: Vec<String> = defs.iter().map(|d| self.named(d, &own)).collect();
                let mut table = Table::new(&[("period", false)]);
                table.columns.extend(names.iter().map(|name| Column {
                    label: name.clone(),
                    numeric: true,
                }));
                let series: Vec<Series> = defs
                    .iter()
                    .zip(&names)
                    .enumerate()
                    .map(|(i, (d, name))| Series {
                        name: name.clone(),
                        // A snapshot has only its value now, at the last period.
                        values: history
                            .iter()
                            .map(|p| {
                                if p == &own {
                                    self.facts.value(&page.entity, p, d.id)
                                } else {
                                    self.earlier(page, d, p)
                                }
                            })
                            .collect(),
                        tone: Tone::Accent(i),
                    })
                    .collect();
                for (i, label) in labels.iter().enumerate() {
                    let mut row = vec![text(label.clone())];
                    for (s, d) in series.iter().zip(defs) {
                        let v = s.values[i];
                        row.push(num(self.fmt(d, v), v));
                    }
                    table.rows.push(row);
                }
                let unit = defs.first().map_or(Unit::Count, |d| d.unit);
                let title = format!("{} by {}", names.join(", "), kind_noun(page.period.kind));
                let last = series
                    .first()
                    .and_then(|s| s.values.last().copied().flatten())
                    .zip(defs.first())
                    .map(|(v, d)| format!(" The latest value is {}.", self.fmt(d, Some(v))))
                    .unwrap_or_default();
                let desc = format!(
                    "{} over the {} periods from {} to {}.{last}",
                    names.join(", "),
                    labels.len(),
                    labels.first().cloned().unwrap_or_default(),
                    labels.last().cloned().unwrap_or_default()
                );
                // A target line only for a target on the values' own basis: a monthly NRR
                // chart gets no annual 110 % line.
                let target = match defs.as_slice() {
                    [d] => {
                        let b = Basis::of(d, &own);
                        self.facts.ctx.config.target(d.id, b)
                    }
                    _ => None,
                };
                let chart = match kind {
                    ChartType::Bar => Chart::Bar {
                        labels,
                        series,
                        stacked: false,
                        axis: self.axis(unit),
                    },
                    ChartType::Sparkline => Chart::Sparkline {
                        values: series
                            .into_iter()
                            .next()
                            .map(|s| s.values)
                            .unwrap_or_default(),
                        tone: Tone::Accent(0),
                    },
                    // `check` lets only line, bar and sparkline draw histories.
                    ChartType::Line
                    | ChartType::StackedBar
                    | ChartType::Scatter
                    | ChartType::Heatmap
                    | ChartType::Waterfall
                    | ChartType::Funnel
                    | ChartType::Donut => Chart::Line {
                        labels,
                        rolling12: defs.len() == 1 && periods >= 13,
                        series,
                        target,
                        references: Vec::new(),
                        axis: self.axis(unit),
                    },
                };
                Ok((chart, title, desc, table))
            }
            Source::Breakdown(def, dim_name) => {
                let dim = breakdown::Dimension::parse(dim_name, &data.accounts)?;
                let mut labels = Vec::new();
                let mut values = Vec::new();
                let dim_label = self.words(dim.name());
                // The values are over the page's period: a rate names its basis.
                let name = self.named(def, &page.period);
                let mut table = Table::new(&[(dim_label.as_str(), false), (name.as_str(), true)]);
                for (label, group) in breakdown::groups(&self.facts.ctx, &dim, &page.period) {
                    let group: Vec<bool> = match &mask {
                        Some(m) => group.iter().zip(m.iter()).map(|(a, b)| *a && *b).collect(),
                        None => group,
                    };
                    if !group.iter().any(|g| *g) {
                        continue;
                    }
                    let v = self
                        .facts
                        .group_values(
                            &page.entity,
                            (dim.name(), &label),
                            &group,
                            &page.period,
                            &[*def],
                        )
                        .get(def.id)
                        .copied()
                        .flatten();
                    let label = self.words(&label);
                    table
                        .rows
                        .push(vec![text(label.clone()), num(self.fmt(def, v), v)]);
                    labels.push(label);
                    values.push(v);
                }
                let title = format!("{name} by {}", self.phrase(dim.name()));
                let desc = format!(
                    "{} for {} by {}: {}.",
                    name,
                    page.period.label(),
                    self.phrase(dim.name()),
                    labels
                        .iter()
                        .zip(&values)
                        .map(|(l, v)| format!("{l} {}", self.fmt(def, *v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let chart = Chart::Bar {
                    labels,
                    series: vec![Series {
                        name: name.clone(),
                        values,
                        tone: Tone::Accent(0),
                    }],
                    stacked: false,
                    axis: self.axis(def.unit),
                };
                Ok((chart, title, desc, table))
            }
            Source::Data(name, by) => {
                self.data_chart(page, kind, *name, by.as_deref(), periods, scope)
            }
        }
    }

    #[allow(clippy::too_many_lines)]
    pub(super) fn data_chart(
        &self,
        page: &Page,
        kind: ChartType,
        name: DataSource,
        by: Option<&str>,
        periods: usize,
        scope: Scope,
    ) -> Result<(Chart, String, String, Table), String> {
        let fiscal = self.fiscal();
        let data = self.facts.ctx.data;
        let mrr = self.facts.ctx.mrr().ok_or("this chart needs mrr.csv")?;
        let conv = self.facts.ctx.conventions();
        let money = |v: f64| self.money(v);
        match name {
            DataSource::MrrMovements => {
                // Movements of trailing-twelve-month pages are drawn per month.
                let base = if page.period.kind == PeriodKind::Ttm {
                    Period::month(page.period.months().1)
                } else {
                    page.period.clone()
                };
                let history = base.history(periods, fiscal);
                let mut table = Table::new(&[
                    ("period", false),
                    ("new", true),
                    ("expansion", true),
                    ("reactivation", true),
                    ("contraction", true),
                    ("churned", true),
                ]);
                let mut s: [Vec<Option<f64>>; 5] = Default::default();
                let labels: Vec<String> = history.iter().map(|p| p.id.clone()).collect();
                for p in &history {
                    let (first, last) = p.months();
                    let m = revenue::movements(mrr, conv, scope, first, last);
                    let vals = [
                        m.new.to_f64(),
                        m.expansion.to_f64(),
                        m.reactivation.to_f64(),
                        -m.contraction.to_f64(),
                        -m.churned.to_f64(),
                    ];
                    let mut row = vec![text(p.id.clone())];
                    for (i, v) in vals.iter().enumerate() {
                        s[i].push(Some(*v));
                        row.push(num(money(*v), Some(*v)));
                    }
                    table.rows.push(row);
                }
                let [new, expansion, reactivation, contraction, churned] = s;
                let series = vec![
                    Series {
                        name: "new".into(),
                        values: new,
                        tone: Tone::Good,
                    },
                    Series {
                        name: "expansion".into(),
                        values: expansion,
                        tone: Tone::Accent(0),
                    },
                    Series {
                        name: "reactivation".into(),
                        values: reactivation,
                        tone: Tone::Accent(1),
                    },
                    Series {
                        name: "contraction".into(),
                        values: contraction,
                        tone: Tone::Warning,
                    },
                    Series {
                        name: "churned".into(),
                        values: churned,
                        tone: Tone::Bad,
                    },
                ];
                Ok((
                    Chart::Bar {
                        labels: labels.clone(),
                        series,
                        stacked: kind == ChartType::StackedBar,
                        axis: self.money_axis(),
                    },
                    "MRR movements".into(),
                    format!(
                        "New, expansion and reactivation MRR (up) against contraction and churned MRR (down) for the {} periods from {} to {}.",
                        labels.len(),
                        labels.first().cloned().unwrap_or_default(),
                        labels.last().cloned().unwrap_or_default()
                    ),
                    table,
                ))
            }
            DataSource::MrrBridge => {
                let (first, last) = page.period.months();
                let m = revenue::movements(mrr, conv, scope, first, last);
                let steps = [
                    ("start MRR", m.starting.to_f64(), true),
                    ("new", m.new.to_f64(), false),
                    ("reactivated", m.reactivation.to_f64(), false),
                    ("expansion", m.expansion.to_f64(), false),
                    ("contraction", -m.contraction.to_f64(), false),
                    ("churned", -m.churned.to_f64(), false),
                    ("end MRR", m.ending.to_f64(), true),
                ];
                let mut table = Table::new(&[("step", false), ("MRR", true)]);
                table.sortable = false;
                for (l, v, _) in &steps {
                    table.rows.push(vec![text(*l), num(money(*v), Some(*v))]);
                }
                Ok((
                    Chart::Waterfall {
                        steps: steps
                            .iter()
                            .map(|(l, v, t)| Step {
                                label: (*l).to_string(),
                                value: *v,
                                total: *t,
                            })
                            .collect(),
                        axis: self.money_axis(),
                    },
                    format!("MRR bridge, {}", page.period.label()),
                    format!(
                        "MRR went from {} to {}: new {}, reactivation {}, expansion {}, contraction −{}, churned −{}.",
                        money(m.starting.to_f64()),
                        money(m.ending.to_f64()),
                        money(m.new.to_f64()),
                        money(m.reactivation.to_f64()),
                        money(m.expansion.to_f64()),
                        money(m.contraction.to_f64()),
                        money(m.churned.to_f64())
                    ),
                    table,
                ))
            }
            DataSource::HealthBands | DataSource::HealthBandsArr => {
                let by_arr = name == DataSource::HealthBandsArr;
                let what = if by_arr { "ARR" } else { "Accounts" };
                if kind == ChartType::StackedBar {
                    let dim = breakdown::Dimension::parse(by.unwrap_or("segment"), &data.accounts)?;
                    let mut labels = Vec::new();
                    let mut series: Vec<Series> = health::BANDS
                        .iter()
                        .map(|b| Series {
                            name: b.name().into(),
                            values: Vec::new(),
                            tone: band_tone(*b),
                        })
                        .collect();
                    let dim_label = self.words(dim.name());
                    let mut table = Table::new(&[
                        (dim_label.as_str(), false),
                        ("green", true),
                        ("yellow", true),
                        ("red", true),
                    ]);
                    let groups = breakdown::band_totals_by_group(
                        &self.facts.ctx,
                        &dim,
                        &page.period,
                        self.facts.snapshots(),
                        scope,
                    );
                    for (label, totals) in groups {
                        let label = self.words(&label);
                        let mut row = vec![text(label.clone())];
                        for (i, b) in totals.bands.iter().enumerate() {
                            let v = if by_arr {
                                b.arr.to_f64()
                            } else {
                                b.accounts as f64
                            };
                            series[i].values.push(Some(v));
                            row.push(num(
                                if by_arr { money(v) } else { format::count(v) },
                                Some(v),
                            ));
                        }
                        table.rows.push(row);
                        labels.push(label);
                    }
                    return Ok((
                        Chart::Bar {
                            labels,
                            series,
                            stacked: true,
                            axis: if by_arr {
                                self.money_axis()
                            } else {
                                Axis::Count
                            },
                        },
                        format!(
                            "Health bands by {} ({})",
                            self.phrase(dim.name()),
                            what.to_lowercase()
                        ),
                        format!(
                            "{what} in the green, yellow and red health bands per {}.",
                            self.phrase(dim.name())
                        ),
                        table,
                    ));
                }
                let totals = health::band_totals(self.facts.snapshots(), scope);
                let vals: Vec<(HealthBand, f64, Option<f64>)> = totals
                    .bands
                    .iter()
                    .map(|b| {
                        if by_arr {
                            (b.band, b.arr.to_f64(), b.arr_share)
                        } else {
                            (b.band, b.accounts as f64, b.accounts_share)
                        }
                    })
                    .collect();
                let mut table = Table::new(&[("band", false), (what, true), ("share", true)]);
                table.sortable = false;
                let mut parts = Vec::new();
                for (b, v, share) in &vals {
                    let shown = if by_arr { money(*v) } else { format::count(*v) };
                    let share_text = share.map_or(format::MISSING.into(), format::percent);
                    parts.push(format!("{} {} ({share_text})", b.name(), shown));
                    table.rows.push(vec![
                        text(b.name()),
                        num(shown, Some(*v)),
                        num(share_text, *share),
                    ]);
                }
                let chart = if kind == ChartType::Donut {
                    Chart::Donut {
                        slices: vals
                            .iter()
                            .map(|(b, v, _)| (b.name().to_string(), *v, band_tone(*b)))
                            .collect(),
                        axis: if by_arr {
                            self.money_axis()
                        } else {
                            Axis::Count
                        },
                    }
                } else {
                    Chart::Bar {
                        labels: vals.iter().map(|(b, ..)| b.name().to_string()).collect(),
                        series: vec![Series {
                            name: what.into(),
                            values: vals.iter().map(|(_, v, _)| Some(*v)).collect(),
                            tone: Tone::Accent(0),
                        }],
                        stacked: false,
                        axis: if by_arr {
                            self.money_axis()
                        } else {
                            Axis::Count
                        },
                    }
                };
                Ok((
                    chart,
                    format!(
                        "Health distribution by {}",
                        if by_arr { "ARR" } else { "customers" }
                    ),
                    format!("{what} per health band today: {}.", parts.join(", ")),
                    table,
                ))
            }
            DataSource::RenewalStages => Ok(self.renewal_stages(scope)),
            DataSource::RenewalPipeline => {
                let stage_names = ["not engaged", "in progress", "won", "lost"];
                let pipeline = renewals::pipeline_by_month(&self.facts.ctx, scope, 6);
                let months: Vec<Month> = pipeline.iter().map(|(m, _)| *m).collect();
                let grid: Vec<[f64; 4]> = pipeline
                    .iter()
                    .map(|(_, row)| row.map(crate::data::Money::to_f64))
                    .collect();
                let labels: Vec<String> = months.iter().map(|m| m.to_string()).collect();
                let tones = [Tone::Missing, Tone::Accent(0), Tone::Good, Tone::Bad];
                let series = (0..4)
                    .map(|j| Series {
                        name: stage_names[j].into(),
                        values: grid.iter().map(|row| Some(row[j])).collect(),
                        tone: tones[j],
                    })
                    .collect();
                let mut table = Table::new(&[
                    ("month", false),
                    ("not engaged", true),
                    ("in progress", true),
                    ("won", true),
                    ("lost", true),
                ]);
                table.sortable = false;
                for (l, row) in labels.iter().zip(&grid) {
                    let mut cells = vec![text(l.clone())];
                    cells.extend(row.iter().map(|v| num(money(*v), Some(*v))));
                    table.rows.push(cells);
                }
                Ok((
                    Chart::Bar {
                        labels,
                        series,
                        stacked: true,
                        axis: self.money_axis(),
                    },
                    "Renewal pipeline by month and stage".into(),
                    "Renewal ARR due in each of the next six months, by stage.".into(),
                    table,
                ))
            }
            DataSource::Cohorts | DataSource::CohortsRevenue => {
                let (_, last) = page.period.months();
                let rows = cohorts::triangle(mrr, scope, cohorts::CohortGrain::Quarter, last);
                Ok(cohorts_figure(
                    &rows,
                    name == DataSource::CohortsRevenue,
                    last,
                    self.currency,
                ))
            }
            DataSource::CohortCurves => {
                let (_, last) = page.period.months();
                let rows = cohorts::triangle(mrr, scope, cohorts::CohortGrain::Quarter, last);
                Ok(self.cohort_curves(&rows))
            }
            DataSource::Survival => self.survival_curves(page, by, scope),
            DataSource::Accounts => {
                let mut points: Vec<(&AccountSnapshot, f64)> = self
                    .facts
                    .snapshots()
                    .iter()
                    .filter(|s| s.arr > Money::ZERO && scope.includes(s.account))
                    .filter_map(|s| s.health.map(|h| (s, h)))
                    .collect();
                points.sort_by(|a, b| b.0.arr.cmp(&a.0.arr).then(a.0.account.cmp(&b.0.account)));
                points.truncate(300);
                let mut table = Table::new(&[("account", false), ("ARR", true), ("health", true)]);
                for (s, h) in &points {
                    table.rows.push(vec![
                        self.account_cell(page, s.account),
                        num(money(s.arr.to_f64()), Some(s.arr.to_f64())),
                        num(format!("{h:.0}"), Some(*h)),
                    ]);
                }
                Ok((
                    Chart::Scatter {
                        points: points
                            .iter()
                            .map(|(s, h)| Point {
                                x: s.arr.to_f64(),
                                y: *h,
                                label: self.account_name(s.account),
                                tone: s.band.map_or(Tone::Missing, band_tone),
                                href: page.links.account(
                                    &page.root,
                                    self.facts.ctx.data,
                                    s.account,
                                ),
                            })
                            .collect(),
                        legend: [HealthBand::Green, HealthBand::Yellow, HealthBand::Red]
                            .map(|b| (format!("health {}", b.name()), band_tone(b)))
                            .into(),
                        x_axis: self.money_axis(),
                        y_axis: Axis::Score,
                        x_title: "ARR".into(),
                        y_title: "health score".into(),
                    },
                    "Health against ARR".into(),
                    format!(
                        "Health score against ARR for the {} largest active accounts, coloured by health band.",
                        points.len()
                    ),
                    table,
                ))
            }
            DataSource::Mrr => {
                let (_, last) = page.period.months();
                let first = last.plus(-(periods as i32) + 1);
                let series = revenue::mrr_series(mrr, scope, first, last);
                let labels: Vec<String> = series.iter().map(|(m, _)| m.to_string()).collect();
                let values: Vec<Option<f64>> =
                    series.iter().map(|(_, v)| Some(v.to_f64())).collect();
                let mut table = Table::new(&[("month", false), ("MRR", true)]);
                for (l, v) in labels.iter().zip(&values) {
                    table.rows.push(vec![
                        text(l.clone()),
                        num(v.map_or(String::new(), money), *v),
                    ]);
                }
                let desc = format!(
                    "MRR per month from {} to {}; the latest is {}.",
                    labels.first().cloned().unwrap_or_default(),
                    labels.last().cloned().unwrap_or_default(),
                    values
                        .last()
                        .copied()
                        .flatten()
                        .map_or(format::MISSING.into(), money)
                );
                let chart = one_series(kind, labels, "MRR", values, self.money_axis());
                Ok((chart, "MRR".into(), desc, table))
            }
            DataSource::Health | DataSource::Usage => {
                let Entity::Account(a) = page.entity else {
                    return Err(format!(
                        "data '{}' belongs on an account page (per: account)",
                        name.name()
                    ));
                };
                let s = self
                    .facts
                    .snapshots()
                    .get(a as usize)
                    .ok_or("unknown account")?;
                let (labels, values, title, axis): (Vec<String>, Vec<Option<f64>>, &str, Axis) =
                    if name == DataSource::Health {
                        (
                            s.health_trend.iter().map(|(d, _)| d.to_string()).collect(),
                            s.health_trend.iter().map(|(_, v)| Some(*v)).collect(),
                            "Health score, last 90 days",
                            Axis::Health,
                        )
                    } else {
                        (
                            s.usage_trend.iter().map(|(m, _)| m.to_string()).collect(),
                            // Already in percent (METRICS.md `dau_mau`): shown as computed.
                            s.usage_trend.iter().map(|(_, v)| *v).collect(),
                            "DAU/MAU, last six months",
                            Axis::Percent,
                        )
                    };
                let mut table = Table::new(&[
                    ("date", false),
                    (
                        if name == DataSource::Health {
                            "score"
                        } else {
                            "DAU/MAU"
                        },
                        true,
                    ),
                ]);
                for (l, v) in labels.iter().zip(&values) {
                    let shown = match (name, v) {
                        (_, None) => format::MISSING.to_string(),
                        (DataSource::Health, Some(v)) => format!("{v:.0}"),
                        (_, Some(v)) => format::percent(*v),
                    };
                    table.rows.push(vec![text(l.clone()), num(shown, *v)]);
                }
                let desc = format!(
                    "{title}: {} points, the latest {}.",
                    labels.len(),
                    table
                        .rows
                        .last()
                        .and_then(|r| r.get(1))
                        .map_or(format::MISSING.to_string(), |c| c.text.clone())
                );
                let mut chart = one_series(kind, labels, title, values, axis);
                if let (Chart::Line { references, .. }, DataSource::Health) = (&mut chart, name) {
                    *references = band_lines(&self.facts.ctx.config.health.bands);
                }
                Ok((chart, title.into(), desc, table))
            }
        }
    }
}

/// The health bands' lower bounds as reference lines on a health score chart: green from the
/// green bound, yellow from the yellow one, red below it.
fn band_lines(bands: &crate::config::HealthBands) -> Vec<charts::Reference> {
    let bound = |v: f64| format::fixed(v, 0);
    vec![
        charts::Reference {
            value: bands.green,
            label: format!("green ≥ {}", bound(bands.green)),
            tone: Tone::Good,
        },
        charts::Reference {
            value: bands.yellow,
            label: format!("yellow ≥ {}, red below", bound(bands.yellow)),
            tone: Tone::Warning,
        },
    ]
}

/// Open renewals per stage as bars of ARR in stage order, each stage's count in its label, with
/// the table and the description: the stages are groups, not steps of a conversion, so no
/// funnel.
pub(super) fn renewal_stages_figure(
    stages: &[renewals::StageTotal],
    currency: &str,
) -> (Chart, String, String, Table) {
    let name = |s: RenewalStage| s.name().replace('_', " ");
    let count = |t: &renewals::StageTotal| format::count(t.count as f64);
    let money = |t: &renewals::StageTotal| format::money(t.arr.to_f64(), currency);
    let mut table = Table::new(&[("stage", false), ("renewals", true), ("ARR", true)]);
    table.sortable = false;
    for t in stages {
        table.rows.push(vec![
            text(name(t.stage)),
            num(count(t), Some(t.count as f64)),
            num(money(t), Some(t.arr.to_f64())),
        ]);
    }
    let desc = format!(
        "Open renewals due in the next {} days by stage (count, ARR): {}.",
        renewals::DUE_WINDOW_DAYS,
        stages
            .iter()
            .map(|t| format!("{} {} ({})", name(t.stage), count(t), money(t)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let chart = Chart::Bar {
        labels: stages
            .iter()
            .map(|t| format!("{} ({})", name(t.stage), count(t)))
            .collect(),
        series: vec![Series {
            name: "ARR".into(),
            // An empty stage has no bar; no renewals at all is "no data", not a row of zeros.
            values: stages
                .iter()
                .map(|t| (t.count > 0).then(|| t.arr.to_f64()))
                .collect(),
            tone: Tone::Accent(0),
        }],
        stacked: false,
        axis: Axis::Money {
            currency: currency.to_string(),
        },
    };
    let title = format!("Renewal stages, next {} days", renewals::DUE_WINDOW_DAYS);
    (chart, title, desc, table)
}

/// The cohort heat maps show the cohorts that started in this many months up to the period's
/// end, at every third month of age (M0, M3, …) up to the oldest any of them has reached.
const COHORT_MONTHS: i32 = 36;

/// Quarterly cohorts of the 36 months ending with `last` as a heat map of logo retention (or,
/// with `revenue`, revenue retention) at every third month of age, with the same numbers as a
/// table; ages a cohort has not reached stay empty. The engine computes every value
/// ([`cohorts::triangle`]); this only selects and formats.
pub(super) fn cohorts_figure(
    rows: &[cohorts::CohortRow],
    revenue: bool,
    last: Month,
    currency: &str,
) -> (Chart, String, String, Table) {
    let window = last.plus(1 - COHORT_MONTHS);
    let rows: Vec<&cohorts::CohortRow> = rows.iter().filter(|r| r.first >= window).collect();
    // Up to the oldest age any cohort shown has reached.
    let reached = rows.iter().map(|r| r.logo.len()).max().unwrap_or(0);
    let ages: Vec<usize> = (0..(COHORT_MONTHS as usize).min(reached))
        .step_by(3)
        .collect();
    let columns: Vec<String> = ages.iter().map(|a| format!("M{a}")).collect();
    let mut table = Table::new(&[("cohort", false), ("accounts", true)]);
    if revenue {
        table.columns.push(Column {
            label: "MRR at M0".into(),
            numeric: true,
        });
    }
    table.columns.extend(columns.iter().map(|c| Column {
        label: c.clone(),
        numeric: true,
    }));
    table.sortable = false;
    let cells: Vec<Vec<Option<f64>>> = rows
        .iter()
        .map(|r| {
            let values = if revenue { &r.revenue } else { &r.logo };
            ages.iter().map_while(|&a| values.get(a).copied()).collect()
        })
        .collect();
    for (r, c) in rows.iter().zip(&cells) {
        let mut row = vec![
            text(r.cohort.clone()),
            num(format::count(r.size as f64), Some(r.size as f64)),
        ];
        if revenue {
            let start = crate::data::Money(r.start_mrr).to_f64();
            row.push(num(format::money(start, currency), Some(start)));
        }
        row.extend(
            c.iter()
                .map(|v| num(v.map_or(format::MISSING.into(), format::percent), *v)),
        );
        // Ages not reached yet: empty cells, as in the chart.
        row.extend((c.len()..ages.len()).map(|_| num("", None)));
        table.rows.push(row);
    }
    let (title, what) = if revenue {
        (
            "Revenue retention by quarterly cohort",
            "Each quarterly cohort's MRR as a share of its MRR at M0 (expansion included, so above 100 % when the cohort grew)",
        )
    } else {
        (
            "Logo retention by quarterly cohort",
            "Share of each quarterly cohort's accounts still paying",
        )
    };
    let cohorts = match rows.len() {
        1 => "the one cohort".to_string(),
        n => format!("the {n} cohorts"),
    };
    let desc = format!(
        "{what}, by months since each account's first month with MRR (M0), every third month; {cohorts} that started in the {COHORT_MONTHS} months to {last}. Empty cells: ages not reached yet. The quarter of the data's first month is left out: accounts already paying then started earlier."
    );
    (
        Chart::Heatmap {
            rows: rows.iter().map(|r| r.cohort.clone()).collect(),
            columns,
            cells,
            axis: Axis::Percent,
        },
        title.into(),
        desc,
        table,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cohort: &str, first: Month, logo: &[f64], revenue: &[f64]) -> cohorts::CohortRow {
        cohorts::CohortRow {
            cohort: cohort.into(),
            first,
            size: 4,
            start_mrr: 1_000_000,
            active: Vec::new(),
            mrr: Vec::new(),
            logo: logo.iter().map(|v| Some(*v)).collect(),
            revenue: revenue.iter().map(|v| Some(*v)).collect(),
            kept: Vec::new(),
            gross: Vec::new(),
            lost_12m: None,
            churn_12m: None,
        }
    }

    #[test]
    fn cohort_heat_maps_show_every_third_age_of_the_last_36_months_and_list_the_same_numbers() {
        let last = Month::new(2026, 10);
        let rows = vec![
            // Started before the 36 months to October 2026 (from November 2023): not shown.
            row("2023-Q3", Month::new(2023, 7), &[100.0; 40], &[100.0; 40]),
            // Ages 0..=7 reached: M0, M3 and M6.
            row(
                "2024-Q1",
                Month::new(2024, 1),
                &[100.0, 100.0, 100.0, 75.0, 75.0, 75.0, 50.0, 50.0],
                &[100.0, 101.0, 102.0, 90.5, 90.0, 90.0, 60.0, 60.0],
            ),
            // Ages 0..=4 reached: M0 and M3; M6 is empty.
            row(
                "2024-Q2",
                Month::new(2024, 4),
                &[100.0, 100.0, 100.0, 100.0, 100.0],
                &[100.0, 100.0, 100.0, 125.0, 125.0],
            ),
        ];
        let (chart, title, desc, table) = cohorts_figure(&rows, false, last, "USD");
        assert_eq!(title, "Logo retention by quarterly cohort");
        assert!(desc.contains("the 2 cohorts that started in the 36 months to 2026-10"));
        let Chart::Heatmap {
            rows: labels,
            columns,
            cells,
            ..
        } = &chart
        else {
            panic!("{chart:?}")
        };
        assert_eq!(labels, &["2024-Q1", "2024-Q2"]);
        assert_eq!(columns, &["M0", "M3", "M6"]);
        assert_eq!(cells[0], vec![Some(100.0), Some(75.0), Some(50.0)]);
        // Not reached: a short row, not a None.
        assert_eq!(cells[1], vec![Some(100.0), Some(100.0)]);
        let texts: Vec<Vec<&str>> = table
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.text.as_str()).collect())
            .collect();
        assert_eq!(texts[0], ["2024-Q1", "4", "100.0%", "75.0%", "50.0%"]);
        assert_eq!(texts[1], ["2024-Q2", "4", "100.0%", "100.0%", ""]);

        let (chart, title, _, table) = cohorts_figure(&rows, true, last, "USD");
        assert_eq!(title, "Revenue retention by quarterly cohort");
        let Chart::Heatmap { cells, .. } = &chart else {
            panic!("{chart:?}")
        };
        assert_eq!(cells[1], vec![Some(100.0), Some(125.0)]);
        let header: Vec<&str> = table.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            header,
            ["cohort", "accounts", "MRR at M0", "M0", "M3", "M6"]
        );
        let first: Vec<&str> = table.rows[0].iter().map(|c| c.text.as_str()).collect();
        // start_mrr 1,000,000 cents = $10,000.
        assert_eq!(
            first,
            ["2024-Q1", "4", "$10,000", "100.0%", "90.5%", "60.0%"]
        );
    }
}
