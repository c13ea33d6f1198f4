//! `postsale build`: claim the output folder (refused, before any work, when the build may not
//! replace it), load and check the project, compute, render every page in parallel and swap the
//! new site in atomically. A failed build leaves the previous output untouched.

use crate::site::{self, Options, Pdf};
use chrono::NaiveDate;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Arguments of `postsale build`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub target: Target,
    /// Print how long each step took and the rendering time of each report's pages (summed
    /// over threads) to stderr: where a slow build spends its time.
    #[arg(long)]
    pub timings: bool,
}

/// What to build and where: the arguments `postsale build` and `postsale serve` share.
#[derive(Debug, clap::Args)]
#[group(skip)]
pub struct Target {
    /// "Now" for the build (YYYY-MM-DD); overrides as_of in postsale.yaml.
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Output folder, replaced atomically (relative to the project). Only a folder that is
    /// absent, empty or built by postsale (it holds a .postsale-output file) is replaced; .git,
    /// CNAME, .nojekyll and the `keep:` globs of postsale.yaml survive every build.
    #[arg(long, default_value = "site")]
    pub out: PathBuf,
    /// Build the HTML site only, without the PDFs.
    #[arg(long)]
    pub no_pdf: bool,
    /// The project folder (with postsale.yaml, data/, reports/).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

impl Target {
    /// The output folder: `--out`, relative to the project unless absolute.
    pub fn out_dir(&self) -> PathBuf {
        if self.out.is_absolute() {
            self.out.clone()
        } else {
            self.project.join(&self.out)
        }
    }

    /// Checks that the build may replace the output folder and takes its lock, before anything
    /// is loaded (see `site::output::claim`). A config that does not load is reported by the
    /// load that follows; the check then uses the default data folder.
    pub(crate) fn claim(&self) -> anyhow::Result<site::output::Claim> {
        let config = crate::config::load(&self.project).ok();
        site::output::claim(&self.project, config.as_ref(), &self.out_dir())
    }
}

/// Runs the build and prints a one-line summary.
pub fn run(
    Args {
        target: args,
        timings,
    }: Args,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let _claim = args.claim()?;
    let project = site::load_project(&args.project)?;
    project.data_notes.print_warnings();
    let as_of = project
        .config
        .resolve_as_of(args.as_of, super::metrics::today());
    let out = args.out_dir();
    // Without typst, the HTML site (and the Typst sources) are still written; the build then
    // fails unless --no-pdf said PDFs were not wanted.
    let (pdf, missing) = if args.no_pdf {
        (Pdf::Skip, None)
    } else {
        match site::pdf::find(project.config.typst.as_deref(), &project.dir) {
            Ok(typst) => (Pdf::Compile(typst), None),
            Err(message) => (Pdf::SourcesOnly, Some(message)),
        }
    };
    let summary = site::build(
        &project,
        &Options {
            as_of,
            out: out.clone(),
            progress: std::io::stderr().is_terminal(),
            pdf,
        },
    )?;
    let pdfs = if summary.pdfs > 0 {
        format!(
            ", {} PDFs in {:.2} s beside the pages",
            summary.pdfs,
            summary.pdf_time.as_secs_f64()
        )
    } else {
        String::new()
    };
    println!(
        "built {} pages{pdfs} ({} files, {:.1} MB) into {} in {:.2} s (as of {as_of})",
        summary.pages,
        summary.files,
        summary.bytes as f64 / 1_000_000.0,
        out.display(),
        started.elapsed().as_secs_f64()
    );
    if timings {
        print_timings(&summary);
    }
    if let Some(message) = missing {
        anyhow::bail!(
            "{message}; the HTML site was written to {} without PDFs (build with --no-pdf to skip them)",
            out.display()
        );
    }
    Ok(())
}

/// The `--timings` table: the steps in order, then the reports by rendering time, slowest first.
fn print_timings(summary: &site::Summary) {
    let mut out = String::from("step                          seconds\n");
    for (name, took) in &summary.steps {
        out.push_str(&format!("{name:<28} {:>9.2}\n", took.as_secs_f64()));
    }
    let mut reports: Vec<_> = summary
        .reports
        .iter()
        .filter(|(_, (n, _))| *n > 0)
        .collect();
    reports.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(&b.0)));
    out.push_str(
        "\nreport              pages   seconds   ms/page  (render time summed over threads)\n",
    );
    for (name, (pages, took)) in reports {
        let s = took.as_secs_f64();
        out.push_str(&format!(
            "{name:<16} {pages:>8} {s:>9.2} {:>9.2}\n",
            s * 1000.0 / *pages as f64
        ));
    }
    eprint!("{out}");
}
