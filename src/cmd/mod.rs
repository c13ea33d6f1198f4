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
