//! `postsale check` on data files that are not ordinary CSV files, or that change while they are
//! read: every case ends with exit status 0 or 1 and a message, never a signal or a hang.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A fresh example project (`postsale init`) in a temporary folder.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("p");
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("init")
        .arg(&root)
        .output()
        .expect("run postsale init");
    assert!(out.status.success(), "init failed: {out:?}");
    (dir, root)
}

/// `postsale check` in `root`, killed after `limit` (a hang fails the test).
fn check(root: &Path, limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("check")
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run postsale check");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("postsale check still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

/// The error lines of a failed check (stderr without the final count).
fn errors(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_file_rewritten_while_check_reads_it_never_kills_check() {
    let (_dir, root) = project();
    let file = root.join("data/activities.csv");
    let content = std::fs::read(&file).expect("read");
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, file, content) = (Arc::clone(&stop), file.clone(), content.clone());
        std::thread::spawn(move || {
            let mut rewrites = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // Truncated, then written back in two steps: a reader sees an empty, a partial
                // or the whole file.
                std::fs::write(&file, &content[..content.len() / 3]).expect("truncate");
                std::fs::write(&file, &content).expect("rewrite");
                rewrites += 1;
            }
            rewrites
        })
    };
    let mut codes = Vec::new();
    for _ in 0..30 {
        let out = check(&root, Duration::from_secs(60));
        // `code()` is None when a signal (SIGBUS on a mapped file) ended the process.
        codes.push(out.status.code());
    }
    stop.store(true, Ordering::Relaxed);
    let rewrites = writer.join().expect("writer");
    assert!(rewrites > 0);
    assert!(
        codes.iter().all(|c| matches!(c, Some(0 | 1))),
        "exit codes {codes:?}"
    );
    // Once the file is whole again, the project is valid.
    assert_eq!(check(&root, Duration::from_secs(60)).status.code(), Some(0));
}

#[test]
fn a_directory_is_one_clear_error() {
    let (_dir, root) = project();
    let file = root.join("data/churns.csv");
    std::fs::remove_file(&file).expect("rm");
    std::fs::create_dir(&file).expect("mkdir");
    assert_eq!(
        errors(&check(&root, Duration::from_secs(60))),
        "./data/churns.csv: error: cannot read the file: found a directory, expected a CSV file\n1 error\n"
    );
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_is_one_clear_error() {
    let (_dir, root) = project();
    let file = root.join("data/churns.csv");
    std::fs::remove_file(&file).expect("rm");
    std::os::unix::fs::symlink("gone.csv", &file).expect("symlink");
    assert_eq!(
        errors(&check(&root, Duration::from_secs(60))),
        "./data/churns.csv: error: cannot read the file: found a symbolic link to 'gone.csv' whose target does not exist, expected a CSV file\n1 error\n"
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_refused_without_waiting_for_a_writer() {
    let (_dir, root) = project();
    let file = root.join("data/churns.csv");
    std::fs::remove_file(&file).expect("rm");
    let made = Command::new("mkfifo").arg(&file).status().expect("mkfifo");
    assert!(made.success());
    // Opening a pipe for reading waits for a writer: before, check hung here forever.
    assert_eq!(
        errors(&check(&root, Duration::from_secs(60))),
        "./data/churns.csv: error: cannot read the file: found a named pipe (FIFO), which postsale does not read since it may never end, expected a CSV file\n1 error\n"
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_as_the_config_or_a_report_is_refused_too() {
    let (_dir, root) = project();
    let config = root.join("postsale.yaml");
    let _ = std::fs::remove_file(&config);
    let made = Command::new("mkfifo")
        .arg(&config)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let report = root.join("reports/pipe.md");
    std::fs::create_dir_all(root.join("reports")).expect("mkdir");
    let made = Command::new("mkfifo")
        .arg(&report)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let shown = errors(&check(&root, Duration::from_secs(60)));
    assert!(
        shown.contains("postsale.yaml: error: cannot read the file: found a named pipe (FIFO), which postsale does not read since it may never end, expected a YAML file"),
        "{shown}"
    );
    assert!(
        shown.contains("reports/pipe.md: error: cannot read: found a named pipe (FIFO), which postsale does not read since it may never end, expected a Markdown file"),
        "{shown}"
    );
}
