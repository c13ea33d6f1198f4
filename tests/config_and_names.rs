//! `postsale.yaml` problems all reported in one run with their lines, and entity page names that
//! neither overwrite the list page, nor pass the file-name limit, nor collide unseen: the real
//! binary on small projects written here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
}

fn run(args: &[&str], project: &Path, out: Option<&Path>) -> Output {
    let mut cmd = bin();
    cmd.args(args).arg("--project").arg(project);
    if let Some(out) = out {
        cmd.arg("--out").arg(out);
    }
    cmd.output().expect("runs postsale")
}

/// A project with `accounts` (the rows of accounts.csv after its header), MRR for each account,
/// `config` as postsale.yaml and `reports` as (file name, text).
fn project(
    dir: &Path,
    config: &str,
    accounts: &[(&str, &str)],
    reports: &[(&str, &str)],
) -> PathBuf {
    let root = dir.join("project");
    std::fs::create_dir_all(root.join("data")).expect("mkdir");
    std::fs::create_dir_all(root.join("reports")).expect("mkdir");
    std::fs::write(root.join("postsale.yaml"), config).expect("write");
    let mut csv = String::from("account_id,name,segment\n");
    let mut mrr = String::from("account_id,month,mrr\n");
    for (id, segment) in accounts {
        csv.push_str(&format!("{id},Name of {id},{segment}\n"));
        mrr.push_str(&format!("{id},2026-01,100\n{id},2026-02,100\n"));
    }
    std::fs::write(root.join("data/accounts.csv"), csv).expect("write");
    std::fs::write(root.join("data/mrr.csv"), mrr).expect("write");
    for (name, text) in reports {
        std::fs::write(root.join("reports").join(name), text).expect("write");
    }
    root
}

const PER_ACCOUNT: &str = "---\ntitle: Accounts\nper: account\n---\nOne account.\n";
const PER_SEGMENT: &str = "---\ntitle: Segments\nper: segment\n---\nOne segment.\n";

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_config_problem_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = "\
name: Acme
curency: EUR
gross_margin: lots
health:
renewals:
  early_days: -5
name: Again
";
    let root = project(tmp.path(), config, &[("A1", "SMB")], &[]);
    let output = run(&["check"], &root, None);
    assert!(!output.status.success());
    let lines = stderr_lines(&output);
    let errors: Vec<&String> = lines.iter().filter(|l| l.contains(": error: ")).collect();
    // Before: one error, "postsale.yaml:1:1: error: duplicate field `name`".
    assert_eq!(
        errors,
        [
            "postsale.yaml:2:1: error: unknown key 'curency'",
            "postsale.yaml:3:15: error: 'gross_margin' should be a number; found the text 'lots'",
            "postsale.yaml:4:8: error: 'health' should be a mapping of keys such as weights, bands, significant_drop; found nothing",
            "postsale.yaml:6:3: error: bad value for 'renewals.early_days' (found '-5', expected 0 or more days)",
            "postsale.yaml:7:1: error: duplicate key 'name' (found 'name' again, expected each key once in a mapping; first on line 1)",
        ],
        "{lines:#?}"
    );
    assert!(lines.contains(&"  help: did you mean 'currency'?".to_string()));
}

#[test]
fn a_config_that_is_a_list_says_so_in_our_words() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = project(tmp.path(), "- name: Acme\n", &[("A1", "SMB")], &[]);
    let output = run(&["check"], &root, None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("postsale.yaml:1:1: error: postsale.yaml as a whole should be a mapping of keys such as name, currency, fiscal_year_start; found a list"),
        "{stderr}"
    );
    assert!(!stderr.contains("expected struct"), "{stderr}");
}

#[test]
fn an_id_named_index_and_a_256_byte_segment_build_their_own_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let long = "s".repeat(256);
    let root = project(
        tmp.path(),
        "name: Names\nas_of: 2026-03-10\n",
        &[("index", "SMB"), ("A2", &long)],
        &[("accounts.md", PER_ACCOUNT), ("segments.md", PER_SEGMENT)],
    );
    let check = run(&["check"], &root, None);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let out = tmp.path().join("site");
    let build = run(&["build", "--no-pdf"], &root, Some(&out));
    // Before: the 256-byte name failed the build ("File name too long").
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    // Before: the account `index` was written over the list page accounts/index.html.
    let list = std::fs::read_to_string(out.join("accounts/index.html")).expect("list page");
    assert!(list.contains("href=\"_69ndex.html\""), "{list}");
    assert!(list.contains("href=\"A2.html\""), "{list}");
    let page = std::fs::read_to_string(out.join("accounts/_69ndex.html")).expect("account page");
    assert!(page.contains("Name of index"));
    // The long segment: a readable prefix and a hash, well under the 255-byte limit.
    let names: Vec<String> = std::fs::read_dir(out.join("segments"))
        .expect("segments folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    let prefix = format!("{}_h", "s".repeat(80));
    let long_page = names
        .iter()
        .find(|n| n.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no page for the long segment in {names:?}"));
    assert_eq!(long_page.len(), 80 + 2 + 16 + ".html".len());
    assert!(names.contains(&"SMB.html".to_string()), "{names:?}");
    assert!(names.contains(&"index.html".to_string()), "{names:?}");
    let segments = std::fs::read_to_string(out.join("segments/index.html")).expect("list");
    assert!(
        segments.contains(&format!("href=\"{long_page}\"")),
        "{segments}"
    );
    // The same ids give the same names on every build.
    let again = tmp.path().join("again");
    assert!(
        run(&["build", "--no-pdf"], &root, Some(&again))
            .status
            .success()
    );
    assert!(again.join("segments").join(long_page).exists());
}

#[test]
fn ids_that_differ_only_in_case_are_reported_with_both_lines() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = project(
        tmp.path(),
        "name: Case\nas_of: 2026-03-10\n",
        &[("ACC1", "SMB"), ("B2", "smb"), ("acc1", "SMB")],
        &[("accounts.md", PER_ACCOUNT)],
    );
    let output = run(&["check"], &root, None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let accounts = root.join("data/accounts.csv").display().to_string();
    assert!(
        stderr.contains(&format!("{accounts}:4:1: error: account id 'acc1' gets the same page as account id 'ACC1' (line 2): 'accounts/acc1.html' on a file system that ignores letter case (macOS, Windows)")),
        "{stderr}"
    );
    // Segments `SMB` and `smb` have no pages here (no `per: segment` report): not an error.
    assert!(!stderr.contains("segment 'smb'"), "{stderr}");
    assert_eq!(stderr.matches(": error: ").count(), 1, "{stderr}");
    // build refuses them too, before writing anything.
    let output = run(&["build", "--no-pdf"], &root, None);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("account id 'acc1' gets the same page as account id 'ACC1'"),
        "{stderr}"
    );
    assert!(!root.join("site").exists());
}
