//! `postsale init DIR`: a new project with the example configuration, alert rules, delivery
//! schedules and what-if scenarios, the example data set (the demo generator's default output),
//! the standard reports and the default theme, all embedded in the binary, so `postsale build`
//! and `postsale check` work inside it at once.

use anyhow::{Context, bail};
use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};

static REPORTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/reports");
static SCENARIOS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/scenarios");
const CONFIG: &str = include_str!("../../postsale.yaml");
const ALERTS: &str = include_str!("../../alerts.yaml");
const DELIVERY: &str = include_str!("../../delivery.yaml");

/// Arguments of `postsale init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create (must be absent or empty).
    pub dir: PathBuf,
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create {}", parent.display()))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("failed to write {}", path.display()))
}

fn write_dir(dir: &Dir<'static>, to: &Path) -> anyhow::Result<usize> {
    let mut n = 0;
    for file in dir.files() {
        write(&to.join(file.path()), file.contents())?;
        n += 1;
    }
    for sub in dir.dirs() {
        n += write_dir(sub, to)?;
    }
    Ok(n)
}

/// Creates the project.
pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = &args.dir;
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("failed to read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!("{} is not empty; give a new or empty folder", dir.display());
    }
    write(&dir.join("postsale.yaml"), CONFIG.as_bytes())?;
    write(&dir.join(crate::alerts::FILE), ALERTS.as_bytes())?;
    write(&dir.join(crate::delivery::FILE), DELIVERY.as_bytes())?;
    let reports = write_dir(&REPORTS, &dir.join("reports"))?;
    let scenarios = write_dir(&SCENARIOS, &dir.join(crate::analytics::scenario::file::DIR))?;
    let theme = write_dir(
        &crate::site::theme::DEFAULT,
        &dir.join("themes").join("default"),
    )?;
    let data = crate::demo::generate(&crate::demo::Options::default(), &dir.join("data"))?;
    write(&dir.join(".gitignore"), b"/site/\n")?;
    println!(
        "created {}: postsale.yaml, alerts.yaml, delivery.yaml, {} data tables, {reports} reports, {scenarios} scenarios, {theme} theme files\nnext: cd {} && postsale build",
        dir.display(),
        data.files.len(),
        dir.display()
    );
    Ok(())
}
