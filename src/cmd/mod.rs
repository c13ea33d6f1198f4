//! The commands: thin wiring of the pipeline stages. Each takes its parsed arguments and returns
//! `anyhow::Result`; `main` prints the error chain once.

pub mod alerts;
pub mod analyze;
pub mod build;
pub mod check;
pub mod deliver;
pub mod demo;
pub mod init;
pub mod metrics;
pub mod serve;
pub mod sql;
pub mod usage;

/// The error as printed to stderr: diagnostics as they are, anything else as `error: ...` with
/// its cause chain.
pub fn render_error(err: &anyhow::Error) -> String {
    if let Some(diags) = err.downcast_ref::<crate::diagnostic::Diagnostics>() {
        return diags.to_string();
    }
    let mut text = format!("error: {err}");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    text
}

/// `--period`: the period `text` names (2026-W47, 2026-10, 2026-Q3, 2026, ttm), or the latest
/// complete month before `as_of`.
pub(crate) fn period_arg(
    text: Option<&str>,
    config: &crate::config::Config,
    as_of: chrono::NaiveDate,
) -> anyhow::Result<crate::period::Period> {
    use crate::period::{Period, PeriodKind};
    match text {
        Some(text) => Period::parse(text, config.fiscal_year_start, as_of)
            .map_err(|e| anyhow::anyhow!("--period: {e}")),
        None => Ok(Period::latest_complete(
            PeriodKind::Month,
            as_of,
            config.fiscal_year_start,
        )),
    }
}

/// The catalog metrics `requested` names, in order, each passed through `check` (a metric the
/// project cannot compute is its problem). Every unknown id (with the nearest known one) and
/// every problem `check` finds are reported at once, as `command`'s.
pub(crate) fn catalog_metrics(
    requested: &[String],
    command: &str,
    check: impl Fn(&'static crate::metrics::catalog::MetricDef) -> Option<String>,
) -> Result<Vec<&'static crate::metrics::catalog::MetricDef>, crate::diagnostic::Diagnostics> {
    use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
    use crate::metrics::catalog;
    let known: Vec<&str> = catalog::ids().collect();
    let mut problems = Vec::new();
    let mut selected = Vec::new();
    for id in requested {
        match catalog::get(id) {
            Some(def) => match check(def) {
                Some(problem) => problems.push(Diagnostic::file_error(command, problem)),
                None => selected.push(def),
            },
            None => problems.push(
                Diagnostic::file_error(command, format!("unknown metric '{id}'"))
                    .with_help(did_you_mean(id, &known)),
            ),
        }
    }
    if problems.is_empty() {
        Ok(selected)
    } else {
        Err(Diagnostics(problems))
    }
}
