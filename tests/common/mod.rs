//! What several integration tests share: a `--no-pdf` build of a project that must succeed.

use std::path::Path;
use std::process::Command;

/// Builds `project` without PDFs into `out`; a failed build fails the test with postsale's
/// stderr.
pub fn build_site(project: &Path, out: &Path) {
    let result = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["build", "--no-pdf", "--project"])
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs postsale");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
}
