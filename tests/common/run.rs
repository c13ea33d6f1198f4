//! Running postsale in a test and reading its output (included with
//! `#[path = "common/run.rs"] mod run;`).

use std::path::Path;
use std::process::Command;

/// The standard output of `postsale ARGS --project PROJECT`; a failure fails the test with
/// postsale's stderr.
pub fn postsale(args: &[&str], project: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg("--project")
        .arg(project)
        .output()
        .expect("postsale runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}
