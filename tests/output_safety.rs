//! What `build`, `serve` and `demo` may never delete, as a user meets it: the real binary on a
//! copy of the site fixture. An output folder that holds an input, the project or files postsale
//! did not write is refused before any work, with what would be lost; `.git`, `CNAME`,
//! `.nojekyll` and the `keep:` globs survive rebuilds; what a killed build left is cleaned up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/site")
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(entry.path()).expect("read"));
        }
    }
    out
}

/// A copy of the site fixture at `to`.
fn project(to: &Path) -> PathBuf {
    for (rel, bytes) in files(&fixture()) {
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    to.to_path_buf()
}

fn build(project: &Path, out: &Path) -> Output {
    bin()
        .args(["build", "--no-pdf", "--project"])
        .arg(project)
        .arg("--out")
        .arg(out)
        .output()
        .expect("runs postsale")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn built(project: &Path, out: &Path) {
    let result = build(project, out);
    assert!(result.status.success(), "{}", stderr(&result));
}

/// The build failed before doing anything: no summary line, and the message says why.
fn refused(result: &Output, says: &str) {
    let text = stderr(result);
    assert!(!result.status.success(), "the build went ahead");
    assert!(
        result.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&result.stdout)
    );
    assert!(text.contains(says), "expected `{says}` in:\n{text}");
}

#[test]
fn the_data_folder_is_refused_and_the_csvs_stay() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let before = files(&project);
    // Relative to the project, as a user types it, and absolute.
    refused(
        &build(&project, Path::new("data")),
        "the output folder is the data folder (`data_dir`) of the project",
    );
    refused(
        &build(&project, &project.join("data")),
        "is the data folder",
    );
    refused(
        &build(&project, &project.join("data/..")),
        "is the project folder",
    );
    refused(
        &build(&project, Path::new("data/site")),
        "lies inside the data folder",
    );
    // A configured data folder is protected the same way.
    std::fs::rename(project.join("data"), project.join("tables")).expect("mv");
    let config = project.join("postsale.yaml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("data_dir: tables\n");
    std::fs::write(&config, text).expect("config");
    refused(&build(&project, Path::new("tables")), "is the data folder");
    std::fs::rename(project.join("tables"), project.join("data")).expect("mv");
    std::fs::write(&config, &before["postsale.yaml"]).expect("config");
    assert_eq!(files(&project), before, "the project is untouched");
}

#[test]
fn reports_themes_the_project_and_its_parents_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("a/proj"));
    std::fs::create_dir_all(project.join("themes/default")).expect("themes");
    std::fs::write(project.join("themes/default/x.css"), "mine").expect("theme");
    let before = files(tmp.path());
    refused(
        &build(&project, Path::new("reports")),
        "is the reports folder",
    );
    refused(
        &build(&project, Path::new("themes/default")),
        "lies inside the themes folder",
    );
    refused(
        &build(&project, Path::new(".")),
        "the output folder is the project folder",
    );
    // `--project a/proj --out a`: the folder above the project.
    refused(
        &build(&project, &tmp.path().join("a")),
        "holds the project folder",
    );
    refused(
        &build(&project, Path::new("..")),
        "holds the project folder",
    );
    // Through a symbolic link to the project.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&project, tmp.path().join("link")).expect("link");
        refused(
            &build(&project, &tmp.path().join("link/reports")),
            "is the reports folder",
        );
        std::fs::remove_file(tmp.path().join("link")).expect("rm link");
    }
    assert_eq!(files(tmp.path()), before, "nothing was touched");
}

#[test]
fn a_folder_postsale_did_not_write_is_refused_with_what_would_be_lost() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let out = tmp.path().join("thesis");
    std::fs::create_dir_all(out.join("chapters")).expect("mkdir");
    std::fs::write(out.join("thesis.txt"), "four years of work").expect("write");
    std::fs::write(out.join("CNAME"), "kept anyway").expect("write");
    let result = build(&project, &out);
    refused(&result, "has no .postsale-output file");
    let text = stderr(&result);
    assert!(
        text.contains(&format!("{}: error: ", out.display())),
        "names the folder: {text}"
    );
    assert!(
        text.contains("would delete its 2 entries: chapters/, thesis.txt"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.txt")).expect("intact"),
        "four years of work"
    );
    // A site of an older postsale (no marker) is refused too, with how to move on.
    let legacy = tmp.path().join("site");
    std::fs::create_dir_all(&legacy).expect("mkdir");
    std::fs::write(legacy.join("index.html"), "<p>old</p>").expect("write");
    let result = build(&project, &legacy);
    refused(&result, "would delete its 1 entry: index.html");
    assert!(
        stderr(&result)
            .contains("a site built by an older postsale has no marker: delete that folder once"),
        "{}",
        stderr(&result)
    );
    // A file is not a folder.
    let file = tmp.path().join("notes.md");
    std::fs::write(&file, "notes").expect("write");
    refused(&build(&project, &file), "the output is a file");
    assert_eq!(std::fs::read_to_string(&file).expect("intact"), "notes");
}

#[test]
fn kept_files_survive_rebuilds_and_every_output_is_marked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let config = project.join("postsale.yaml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("keep: [\"notes/**\", \"*.txt\"]\n");
    std::fs::write(&config, text).expect("config");
    let out = tmp.path().join("site");
    // A clone of the publishing branch: only kept entries, so nothing would be lost.
    std::fs::create_dir_all(out.join(".git/refs")).expect("git");
    std::fs::write(out.join(".git/HEAD"), "ref: refs/heads/gh-pages\n").expect("git");
    std::fs::write(out.join("CNAME"), "cs.example.com\n").expect("cname");
    built(&project, &out);
    std::fs::write(out.join(".nojekyll"), "").expect("nojekyll");
    std::fs::create_dir_all(out.join("notes/2026")).expect("notes");
    std::fs::write(out.join("notes/2026/q1.md"), "board notes").expect("notes");
    std::fs::write(out.join("robots.txt"), "User-agent: *\n").expect("robots");
    std::fs::write(out.join("stale.html"), "not kept").expect("stale");
    built(&project, &out);
    built(&project, &out);
    let site = files(&out);
    assert_eq!(site[".git/HEAD"], b"ref: refs/heads/gh-pages\n");
    assert_eq!(site["CNAME"], b"cs.example.com\n");
    assert_eq!(site[".nojekyll"], b"");
    assert_eq!(site["notes/2026/q1.md"], b"board notes");
    assert_eq!(site["robots.txt"], b"User-agent: *\n");
    assert!(
        !site.contains_key("stale.html"),
        "what is not kept is replaced"
    );
    assert!(site.contains_key("index.html"));
    let marker = String::from_utf8_lossy(&site[".postsale-output"]).into_owned();
    assert!(marker.contains("postsale build"), "{marker}");
    // The marker is the same in every output, so builds stay reproducible.
    let other = tmp.path().join("other");
    built(&project, &other);
    assert_eq!(files(&other)[".postsale-output"], site[".postsale-output"]);
    // Nothing is left beside the outputs: no temporary, old or lock folder.
    let mut beside: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    beside.sort();
    assert_eq!(beside, ["cs", "other", "site"]);
}

#[test]
fn a_bad_keep_glob_is_a_config_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let config = project.join("postsale.yaml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("keep: [\"../elsewhere\"]\n");
    std::fs::write(&config, text).expect("config");
    let result = build(&project, &tmp.path().join("site"));
    refused(&result, "bad value for 'keep' (found '../elsewhere'");
}

#[cfg(unix)]
#[test]
fn leftovers_of_a_killed_build_are_removed_unless_their_build_runs() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let out = tmp.path().join("site");
    built(&project, &out);
    // PIDs beyond pid_max never run; the test's own process does.
    let dead_tmp = tmp.path().join(".site.tmp-4294967295");
    let dead_old = tmp.path().join(".site.old-4294967294");
    let running = tmp.path().join(format!(".site.tmp-{}", std::process::id()));
    for dir in [&dead_tmp, &dead_old, &running] {
        std::fs::create_dir_all(dir.join("monthly")).expect("mkdir");
        std::fs::write(dir.join("monthly/2026-03.html"), "19 MB of pages").expect("write");
    }
    // The killed build had carried CNAME over already: it goes back into the site.
    std::fs::write(dead_tmp.join("CNAME"), "cs.example.com").expect("cname");
    built(&project, &out);
    assert!(
        !dead_tmp.exists() && !dead_old.exists(),
        "leftovers removed"
    );
    assert!(running.exists(), "a running build's folder is left alone");
    assert_eq!(
        std::fs::read_to_string(out.join("CNAME")).expect("rescued"),
        "cs.example.com"
    );
}

#[cfg(unix)]
#[test]
fn a_killed_swap_is_undone_by_the_next_build() {
    // The fallback's window: the old output moved aside, the new one not yet in.
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let out = tmp.path().join("site");
    built(&project, &out);
    std::fs::write(out.join("CNAME"), "cs.example.com").expect("cname");
    std::fs::rename(&out, tmp.path().join(".site.old-4294967295")).expect("aside");
    built(&project, &out);
    assert_eq!(
        std::fs::read_to_string(out.join("CNAME")).expect("kept"),
        "cs.example.com"
    );
    assert!(!tmp.path().join(".site.old-4294967295").exists());
}

#[test]
fn serve_refuses_the_same_folders_before_listening() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let before = files(&project);
    let result = bin()
        .args(["serve", "--no-pdf", "--port", "0", "--project"])
        .arg(&project)
        .args(["--out", "data"])
        .output()
        .expect("runs postsale");
    refused(&result, "is the data folder");
    assert_eq!(files(&project), before);
}

fn demo(out: &Path, extra: &[&str]) -> Output {
    bin()
        .args(["demo", "--accounts", "3", "--months", "3", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("runs postsale")
}

#[test]
fn demo_refuses_a_folder_with_files_unless_forced_and_never_a_project_root() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = project(&tmp.path().join("cs"));
    let data = project.join("data");
    let before = files(&project);
    let result = demo(&data, &[]);
    let text = stderr(&result);
    assert!(!result.status.success());
    assert!(
        text.contains("the folder is not empty (16 entries: accounts.csv, activities.csv"),
        "{text}"
    );
    assert!(text.contains("--force"), "{text}");
    assert_eq!(files(&project), before, "no CSV was touched");
    // The project root, even with --force.
    for extra in [&[][..], &["--force"][..]] {
        let result = demo(&project, extra);
        assert!(!result.status.success());
        assert!(
            stderr(&result).contains("the folder is a project root"),
            "{}",
            stderr(&result)
        );
    }
    assert_eq!(files(&project), before);
    // --force overwrites the tables and leaves other files alone.
    std::fs::write(data.join("README.txt"), "where the exports come from").expect("write");
    let result = demo(&data, &["--force"]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_ne!(files(&data)["accounts.csv"], before["data/accounts.csv"]);
    assert_eq!(
        std::fs::read_to_string(data.join("README.txt")).expect("kept"),
        "where the exports come from"
    );
    // A new or empty folder needs nothing.
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).expect("mkdir");
    assert!(demo(&empty, &[]).status.success());
    assert!(demo(&tmp.path().join("new/folder"), &[]).status.success());
}

/// True while `pid` is a live process (a zombie waiting to be reaped counts as gone).
#[cfg(target_os = "linux")]
fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(") ")?.1.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

/// A copy of the fixture with a PDF report in `dir`/cs, a typst in `dir` that answers
/// --version and then takes a minute for every PDF, and the file where it writes its PIDs.
#[cfg(target_os = "linux")]
fn with_slow_typst(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let project = dir.join("cs");
    let hostile = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/projects/hostile");
    for (rel, bytes) in files(&hostile) {
        let target = project.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::write(target, bytes).expect("write");
    }
    let pids = dir.join("pids");
    let typst = dir.join("typst");
    std::fs::write(
        &typst,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'typst 0.0.0 (fake)'; exit 0; fi\n\
             echo $$ >> '{}'\nexec sleep 60\n",
            pids.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&typst, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (project, typst, pids)
}

/// Waits until the slow typst wrote its PIDs.
#[cfg(target_os = "linux")]
fn typst_started(pids: &Path) {
    let wait = std::time::Instant::now();
    while !pids.exists() {
        assert!(
            wait.elapsed() < std::time::Duration::from_secs(60),
            "typst never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Waits (5 s at most) until every typst that started is gone.
#[cfg(target_os = "linux")]
fn typst_ended(pids: &Path) {
    let list = std::fs::read_to_string(pids).unwrap_or_default();
    let wait = std::time::Instant::now();
    for pid in list.split_whitespace() {
        while alive(pid) {
            assert!(
                wait.elapsed() < std::time::Duration::from_secs(5),
                "typst {pid} outlived the build"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

/// The names beside the outputs in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_build_stops_its_typst_children() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (project, typst, pids) = with_slow_typst(tmp.path());
    // Loads and checks; fails only while its page renders, with typst running.
    std::fs::write(
        project.join("reports/late.md"),
        "---\ntitle: Late\n---\n{{ nosuch_variable }}\n",
    )
    .expect("write");
    let started = std::time::Instant::now();
    let result = bin()
        .env("POSTSALE_TYPST", &typst)
        .args(["build", "--project"])
        .arg(&project)
        .arg("--out")
        .arg(tmp.path().join("site"))
        .output()
        .expect("runs postsale");
    assert!(!result.status.success());
    assert!(
        stderr(&result).contains("nosuch_variable"),
        "{}",
        stderr(&result)
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the failed build waited {:?} for typst",
        started.elapsed()
    );
    typst_ended(&pids);
    assert_eq!(listing(tmp.path()), ["cs", "pids", "typst"]);
}

#[cfg(target_os = "linux")]
#[test]
fn typst_dies_with_a_killed_build() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (project, typst, pids) = with_slow_typst(tmp.path());
    let mut child = bin()
        .env("POSTSALE_TYPST", &typst)
        .args(["build", "--project"])
        .arg(&project)
        .arg("--out")
        .arg(tmp.path().join("site"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("runs postsale");
    typst_started(&pids);
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().expect("kill postsale");
    child.wait().expect("reap postsale");
    typst_ended(&pids);
    // The next build removes what the killed one left.
    let result = build(&project, &tmp.path().join("site"));
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(listing(tmp.path()), ["cs", "pids", "site", "typst"]);
}

#[cfg(target_os = "linux")]
#[test]
fn an_interrupted_build_removes_its_temporary_folder() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let (project, typst, pids) = with_slow_typst(tmp.path());
    let out = tmp.path().join("site");
    built(&project, &out);
    let before = files(&out);
    let mut child = bin()
        .env("POSTSALE_TYPST", &typst)
        .args(["build", "--project"])
        .arg(&project)
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("runs postsale");
    let temp = tmp.path().join(format!(".site.tmp-{}", child.id()));
    typst_started(&pids);
    assert!(temp.exists(), "the build writes into {}", temp.display());
    // typst gets Ctrl+C as usual: postsale's blocked signals are not passed on.
    let first = std::fs::read_to_string(&pids).expect("pids");
    let first = first.split_whitespace().next().expect("a pid");
    let status = std::fs::read_to_string(format!("/proc/{first}/status")).expect("status");
    assert!(status.contains("SigBlk:\t0000000000000000"), "{status}");
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sends SIGINT (Ctrl+C) to the child this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let status = child.wait().expect("reap postsale");
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    typst_ended(&pids);
    assert!(!temp.exists(), "the temporary folder is removed");
    assert_eq!(files(&out), before, "the site is as it was");
}
