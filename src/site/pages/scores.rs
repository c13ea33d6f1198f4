//! The scores page (`scores.html`): each account's churn and expansion scores with the models'
//! time-based backtests beside them (AUC, Brier score, lift and MRR capture in the riskiest
//! tenth against the baselines, and the reliability table), what raises the churn score, the
//! riskiest accounts, and the renewal forecast of the configured stage weights against the win
//! rates learned from history, quarter by quarter. The numbers come from `metrics::scores` and
//! `metrics::win_rates`; this module only lays them out.

use super::{NavItem, SCORES_PAGE, Site};
use crate::diagnostic::Diagnostic;
use crate::metrics::scores::{Backtest, Evaluation, FEATURES, Scoreboard};
use crate::metrics::win_rates;
use crate::period::{Period, PeriodKind};
use crate::render::block::{Table, TableCell};
use crate::render::format;
use crate::site::facts::Entity;

/// The riskiest accounts listed on the page.
const LISTED: usize = 25;

/// One model's backtest as the template shows it.
#[derive(serde::Serialize)]
struct ModelView {
    title: String,
    summary: String,
    verdict: String,
    beats: bool,
    table: String,
    reliability: String,
}

/// A cell of a number (right-aligned, sorted by its exact value).
fn num(text: String, value: Option<f64>) -> TableCell {
    TableCell {
        text,
        class: Some("num".into()),
        sort: Some(value.map_or(String::new(), |v| v.to_string())),
        ..TableCell::default()
    }
}

fn cell(text: impl Into<String>) -> TableCell {
    TableCell {
        text: text.into(),
        ..TableCell::default()
    }
}

/// `v` to `digits` decimals, or the missing mark.
fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or(format::MISSING.into(), |v| format::fixed(v, digits))
}

/// A share (0–1) in percent, or the missing mark.
fn share(v: Option<f64>) -> String {
    v.map_or(format::MISSING.into(), |v| format::percent(v * 100.0))
}

impl Site<'_> {
    /// The page, rendered.
    pub(super) fn scores_page(&self, nav: &[NavItem]) -> Result<(String, String), Diagnostic> {
        let path = SCORES_PAGE.to_string();
        let file = "themes/default/templates/scores.html";
        let ctx = &self.facts.ctx;
        let currency = &self.project.config.currency;
        let last = Period::latest_complete(PeriodKind::Month, self.as_of, self.fiscal());
        let page = self.page(&path, last, Entity::All);
        let renderer = self.renderer();
        let err = |e: String| Diagnostic::file_error(file, e);
        let mut tera = self.base_context(nav, &path, "Scores and forecasts");
        let mut size = 0;
        let board = self.facts.scoreboard();
        tera.insert("scored", &board.is_some());
        if let Some(board) = board {
            tera.insert("scored_on", &board.scored_on.to_string());
            let mut models = Vec::new();
            for t in &board.backtests {
                let table = renderer.render_table(&evaluations(t)).map_err(err)?;
                let reliability = renderer.render_table(&reliability(t)).map_err(err)?;
                size += table.len() + reliability.len();
                models.push(ModelView {
                    title: format::capitalised(t.target.name()),
                    summary: format!(
                        "Trained on {} monthly snapshots of months before {}; tested on {} \
                         snapshots from {} on, whose outcome is known ({} events, {}).{}",
                        format::count(t.train_examples as f64),
                        t.cutoff,
                        format::count(t.test_examples as f64),
                        t.cutoff,
                        format::count(t.test_events as f64),
                        share(
                            (t.test_examples > 0)
                                .then(|| t.test_events as f64 / t.test_examples as f64)
                        ),
                        if t.history_stride > 1 {
                            format!(
                                " The history is read for one account in {} (by account \
                                 order), at most {} account-months; every paying account is \
                                 scored.",
                                t.history_stride,
                                format::count(crate::metrics::scores::MAX_HISTORY as f64)
                            )
                        } else {
                            String::new()
                        }
                    ),
                    verdict: verdict(t),
                    beats: t.beats_baselines,
                    table,
                    reliability,
                });
            }
            tera.insert("models", &models);
            let factors = renderer.render_table(&factors(board)).map_err(err)?;
            let riskiest = self.riskiest(&page, board);
            let listed = renderer.render_table(&riskiest).map_err(err)?;
            size += factors.len() + listed.len();
            tera.insert("factors", &factors);
            tera.insert("riskiest", &(listed + &page.download(&riskiest, currency)));
            tera.insert(
                "scored_accounts",
                &format::count(board.by_account.iter().flatten().count() as f64),
            );
        }
        let renewals = ctx.data.renewals.is_some() && ctx.data.renewal_stages.is_some();
        tera.insert("renewals", &renewals);
        if renewals {
            let tests = win_rates::backtest(ctx, 6);
            let table = renderer
                .render_table(&forecast_table(&tests, currency))
                .map_err(err)?;
            size += table.len();
            tera.insert("forecast", &table);
            let mae = |pick: fn(&win_rates::Backtest) -> f64| {
                win_rates::mean_abs_error(&tests, pick)
                    .map_or(format::MISSING.into(), format::percent)
            };
            tera.insert("mae_weights", &mae(|t| t.by_weights));
            tera.insert("mae_history", &mae(|t| t.by_history));
            tera.insert("method", self.project.config.renewals.forecast.describe());
            tera.insert("quarters", &tests.len());
        }
        self.template("scores.html", &tera, file, size)
            .map(|h| (path, h))
    }

    /// The riskiest scored accounts by churn probability, riskiest first.
    fn riskiest(&self, page: &crate::site::components::Page, board: &Scoreboard) -> Table {
        let data = self.facts.ctx.data;
        let mut scored: Vec<_> = board.by_account.iter().flatten().collect();
        scored.sort_by(|a, b| b.churn.total_cmp(&a.churn).then(a.account.cmp(&b.account)));
        let mut table = Table::new(&[
            ("account", false),
            ("churn risk (90 d)", true),
            ("expansion chance (180 d)", true),
            ("raised by", false),
        ]);
        table.caption = Some(format!(
            "The {} accounts with the highest churn scores on {}, of {} scored",
            LISTED.min(scored.len()),
            board.scored_on,
            scored.len()
        ));
        for s in scored.into_iter().take(LISTED) {
            table.rows.push(vec![
                TableCell {
                    text: self.facts.account_label(s.account),
                    href: page.links.account(&page.root, data, s.account),
                    ..TableCell::default()
                },
                TableCell {
                    class: Some(if board.is_riskiest(s.account) {
                        "num status-bad".into()
                    } else {
                        "num".into()
                    }),
                    ..num(format::probability(s.churn), Some(s.churn))
                },
                num(format::probability(s.expansion), Some(s.expansion)),
                cell(
                    board
                        .churn_factors(s.account)
                        .iter()
                        .map(|f| f.0.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]);
        }
        table
    }
}

/// Whether the model beats its baselines, in words with the AUCs.
fn verdict(t: &Backtest) -> String {
    let auc = |e: &Evaluation| fixed(e.auc, 3);
    let baselines: Vec<String> = t
        .baselines
        .iter()
        .map(|b| format!("{} {}", b.name, auc(b)))
        .collect();
    if t.beats_baselines {
        format!(
            "The model ranks better than its baselines: AUC {} against {}.",
            auc(&t.model),
            baselines.join(" and ")
        )
    } else {
        format!(
            "The model does not beat its baselines: AUC {} against {}. Prefer the simpler score \
             for this outcome; the model's numbers are shown for reference.",
            auc(&t.model),
            baselines.join(" and ")
        )
    }
}

/// The model against its baselines on the test snapshots.
fn evaluations(t: &Backtest) -> Table {
    let mut table = Table::new(&[
        ("score", false),
        ("AUC", true),
        ("Brier score", true),
        ("lift, riskiest tenth", true),
        ("MRR captured, riskiest tenth", true),
    ]);
    table.sortable = false;
    table.caption = Some(format!(
        "{}: the model against its baselines on the test snapshots from {} (AUC: 0.5 is chance, \
         1 is a perfect ranking; Brier: lower is better, for probabilities only)",
        format::capitalised(t.target.name()),
        t.cutoff
    ));
    for e in std::iter::once(&t.model).chain(&t.baselines) {
        table.rows.push(vec![
            cell(e.name),
            num(fixed(e.auc, 3), e.auc),
            num(fixed(e.brier, 4), e.brier),
            num(e.lift.map_or(format::MISSING.into(), format::ratio), e.lift),
            num(share(e.mrr_capture), e.mrr_capture),
        ]);
    }
    table
}

/// The reliability table: predicted against observed, by tenth of the predictions.
fn reliability(t: &Backtest) -> Table {
    let mut table = Table::new(&[
        ("tenth by prediction", true),
        ("snapshots", true),
        ("mean predicted", true),
        ("observed", true),
    ]);
    table.sortable = false;
    table.caption = Some(format!(
        "{}: calibration on the test snapshots (a calibrated model's predicted and observed \
         rates agree in every tenth)",
        format::capitalised(t.target.name())
    ));
    for (i, b) in t.reliability.iter().enumerate() {
        table.rows.push(vec![
            num((i + 1).to_string(), Some((i + 1) as f64)),
            num(format::count(b.examples as f64), Some(b.examples as f64)),
            num(format::probability(b.predicted), Some(b.predicted)),
            num(format::percent(b.observed * 100.0), Some(b.observed)),
        ]);
    }
    table
}

/// The churn model's coefficients as odds ratios per standard deviation of each feature.
fn factors(board: &Scoreboard) -> Table {
    let mut table = Table::new(&[
        ("feature", false),
        ("odds of churn per standard deviation", true),
        ("direction", false),
    ]);
    table.sortable = false;
    table.caption = Some(format!(
        "The churn model on {} snapshots ({} churned within 90 days): how each feature, one \
         standard deviation higher, multiplies the odds of churn with the others held equal \
         (MRR on a log scale; a yes/no feature is 1 when it holds)",
        format::count(board.churn.examples as f64),
        format::count(board.churn.events as f64)
    ));
    let mut rows: Vec<(usize, f64)> = (0..FEATURES.len())
        .map(|i| (i, board.churn.coef[i + 1]))
        .collect();
    rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
    for (i, c) in rows {
        let odds = c.exp();
        table.rows.push(vec![
            cell(FEATURES[i]),
            num(format!("{}×", format::fixed(odds, 2)), Some(odds)),
            cell(if c > 0.0 { "raises" } else { "lowers" }),
        ]);
    }
    table
}

/// The renewal forecast of each method against the renewed ARR, quarter by quarter.
fn forecast_table(tests: &[win_rates::Backtest], currency: &str) -> Table {
    let mut table = Table::new(&[
        ("quarter", false),
        ("renewals", true),
        ("ARR due", true),
        ("renewed ARR", true),
        ("forecast: stage weights", true),
        ("error", true),
        ("forecast: history", true),
        ("error", true),
    ]);
    table.sortable = false;
    table.caption = Some(
        "Each past quarter's renewals forecast on its first day, by the configured stage weights \
         and by the win rates learned from the renewals closed before that day, against the ARR \
         they renewed"
            .into(),
    );
    let money = |v: f64| num(format::money(v, currency), Some(v));
    let error = |forecast: f64, actual: f64| {
        let e = win_rates::Backtest::error(forecast, actual);
        num(
            e.map_or(format::MISSING.into(), |e| {
                format!("{}%", format::signed(e, 1))
            }),
            e,
        )
    };
    for t in tests {
        table.rows.push(vec![
            cell(t.quarter.label()),
            num(format::count(t.renewals as f64), Some(t.renewals as f64)),
            money(t.due),
            money(t.actual),
            money(t.by_weights),
            error(t.by_weights, t.actual),
            money(t.by_history),
            error(t.by_history, t.actual),
        ]);
    }
    table
}
