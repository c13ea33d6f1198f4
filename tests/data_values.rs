//! Values the loader bounds, and how it reports rows it cannot keep: amounts beyond the money
//! bounds, dates outside the configured window, the memory of a far-off month, one bad row of
//! accounts.csv reported once (not once per row that refers to it), and lenient mode (an empty
//! required cell skips the row; `check` and `build` print the warnings and the skipped rows;
//! counts leave them out).

use postsale::config::DateWindow;
use postsale::data::Money;
use postsale::data::load::{LoadOptions, Loaded, load};
use postsale::period::Month;
use std::path::Path;
use std::process::Command;

/// Writes `files` into a fresh `data/` folder and loads it; diagnostics are shown relative to the
/// folder. Returns the folder to keep it alive.
fn load_files(
    files: &[(&str, &[u8])],
    options: &LoadOptions,
) -> (tempfile::TempDir, Result<Loaded, Vec<String>>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    for (name, content) in files {
        std::fs::write(data.join(name), content).expect("write");
    }
    let prefix = format!("{}/", dir.path().display());
    let result = load(&data, options).map_err(|d| {
        d.0.iter()
            .map(|d| d.to_string().replace(&prefix, ""))
            .collect()
    });
    (dir, result)
}

fn errors(files: &[(&str, &[u8])]) -> Vec<String> {
    match load_files(files, &LoadOptions::default()).1 {
        Ok(_) => Vec::new(),
        Err(e) => e,
    }
}

fn lenient() -> LoadOptions {
    LoadOptions {
        lenient: true,
        ..LoadOptions::default()
    }
}

/// The warnings of a lenient load, relative to its folder.
fn warnings(dir: &tempfile::TempDir, loaded: &Loaded) -> Vec<String> {
    let prefix = format!("{}/", dir.path().display());
    loaded
        .warnings
        .iter()
        .map(|w| w.to_string().replace(&prefix, ""))
        .collect()
}

const ACCOUNTS: &str = "account_id,name\nA1,Acme\nA2,Beta\n";

#[test]
fn an_amount_beyond_the_bound_is_an_error_not_a_wrapped_number() {
    // 9.2e16 units used to wrap i64 cents into a negative MRR; 5e13 units was kept as is.
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "mrr.csv",
            b"account_id,month,mrr\nA1,2026-01,92233720368547758.07\nA2,2026-01,50000000000000\nA2,2026-02,10000000000000\n",
        ),
    ]);
    let help = "  help: amounts are whole currency units with up to two decimals (1234.56), at most 10^13; a larger figure is usually in cents or has lost its decimal point";
    assert_eq!(
        e,
        [
            format!(
                "data/mrr.csv:2:3: error: amount out of range in column 'mrr' (found '92233720368547758.07', expected at most 10000000000000.00 in currency units)\n{help}"
            ),
            format!(
                "data/mrr.csv:3:3: error: amount out of range in column 'mrr' (found '50000000000000', expected at most 10000000000000.00 in currency units)\n{help}"
            ),
        ]
    );
    // Every money column has the bound (renewals' arr here, and the bound itself is accepted).
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "renewals.csv",
            b"renewal_id,account_id,due_on,arr,stage,expansion_arr\nR1,A1,2026-01-01,10000000000000,negotiation,99999999999999999999\n",
        ),
    ]);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("data/renewals.csv:2:6: error: amount out of range in column 'expansion_arr' (found '99999999999999999999'"),
        "{e:?}"
    );
}

#[test]
fn a_money_column_whose_total_passes_the_bound_fails_even_in_lenient_mode() {
    // 101 months at the bound of one amount (10^13) add up to more than 10^15 units.
    let mut mrr = String::from("account_id,month,mrr\n");
    for m in 0..101 {
        let month = Month::new(2010, 1).plus(m);
        mrr.push_str(&format!("A1,{month},10000000000000\n"));
    }
    let files: [(&str, &[u8]); 2] = [
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("mrr.csv", mrr.as_bytes()),
    ];
    let expected = [
        "data/mrr.csv: error: the amounts of column 'mrr' add up to more than the sums postsale can add exactly (found a total of 1010000000000000.00, expected at most 1000000000000000.00)\n  help: check the unit of the column (whole currency units, not cents); postsale sums one column to at most 10^15 currency units",
    ];
    assert_eq!(errors(&files), expected);
    let (_dir, result) = load_files(&files, &lenient());
    assert_eq!(
        result.err().as_deref(),
        Some(&expected.map(String::from)[..])
    );
    // One row fewer is exactly the bound: it loads, and its sum is exact.
    let at_bound: String = mrr.lines().take(101).map(|l| format!("{l}\n")).collect();
    let (_dir, result) = load_files(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("mrr.csv", at_bound.as_bytes()),
        ],
        &LoadOptions::default(),
    );
    let mrr = result.expect("loads").dataset.mrr.expect("mrr");
    assert_eq!(mrr.total(), i128::from(Money::MAX_TOTAL.cents()));
}

#[test]
fn dates_and_months_outside_the_window_are_errors_naming_the_key() {
    let help = |what: &str| {
        format!(
            "  help: correct the {what}, or widen the window with the key `dates: {{ earliest, latest }}` in postsale.yaml if it is right"
        )
    };
    let e = errors(&[
        (
            "accounts.csv",
            b"account_id,name,signed_on\nA1,Acme,1969-12-31\nA2,Beta,2026-01-01\n",
        ),
        (
            "mrr.csv",
            b"account_id,month,mrr\nA1,0206-03,10\nA2,2026-03,10\n",
        ),
        (
            "tickets.csv",
            b"ticket_id,account_id,opened_at\nT1,A2,2200-01-01 09:00\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            format!(
                "data/accounts.csv:2:3: error: date outside the allowed dates in column 'signed_on' (found '1969-12-31', expected a date from 1970-01-01 to 2199-12-31)\n{}",
                help("date")
            ),
            format!(
                "data/mrr.csv:2:2: error: month outside the allowed dates in column 'month' (found '0206-03', expected a month from 1970-01 to 2199-12)\n{}",
                help("month")
            ),
            format!(
                "data/tickets.csv:2:3: error: date outside the allowed dates in column 'opened_at' (found '2200-01-01 09:00', expected a date from 1970-01-01 to 2199-12-31)\n{}",
                help("date")
            ),
        ]
    );
    // A narrower window, as `dates:` in postsale.yaml gives it.
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let (_dir, result) = load_files(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            (
                "mrr.csv",
                b"account_id,month,mrr\nA1,2019-12,10\nA1,2020-01,10\n",
            ),
        ],
        &LoadOptions {
            dates: DateWindow {
                earliest: day(2020, 1, 15),
                latest: day(2030, 12, 31),
            },
            ..LoadOptions::default()
        },
    );
    let Err(e) = result else {
        panic!("expected an error")
    };
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("data/mrr.csv:2:2: error: month outside the allowed dates in column 'month' (found '2019-12', expected a month from 2020-01 to 2030-12)"),
        "{e:?}"
    );
}

#[test]
fn the_window_comes_from_postsale_yaml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path();
    std::fs::create_dir(project.join("data")).expect("mkdir");
    std::fs::write(
        project.join("postsale.yaml"),
        "name: Window\ndates:\n  earliest: 2020-01-01\n  latest: 2030-12-31\n",
    )
    .expect("write");
    std::fs::write(project.join("data/accounts.csv"), ACCOUNTS).expect("write");
    std::fs::write(
        project.join("data/mrr.csv"),
        "account_id,month,mrr\nA1,2019-06,10\nA1,2026-01,10\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["check", "--project"])
        .arg(project)
        .output()
        .expect("runs postsale");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("data/mrr.csv:2:2: error: month outside the allowed dates in column 'month' (found '2019-06', expected a month from 2020-01 to 2030-12)"),
        "{stderr}"
    );
}

#[test]
fn a_far_off_month_costs_one_account_not_every_account() {
    // 1,000 accounts with ten months of 2026 each, and one typo-like month in 1971 for A1: the
    // table holds 10,000 cells plus A1's 670 (1971-01 to 2026-10), where one matrix over the
    // file's span would hold 1,000 × 670.
    let mut accounts = String::from("account_id,name\n");
    let mut mrr = String::from("account_id,month,mrr\n");
    for a in 1..=1000 {
        accounts.push_str(&format!("A{a},Account {a}\n"));
        for m in 1..=10 {
            mrr.push_str(&format!("A{a},2026-{m:02},100\n"));
        }
    }
    mrr.push_str("A1,1971-01,5\n");
    let (_dir, result) = load_files(
        &[
            ("accounts.csv", accounts.as_bytes()),
            ("mrr.csv", mrr.as_bytes()),
        ],
        &LoadOptions::default(),
    );
    let loaded = result.expect("loads");
    let table = loaded.dataset.mrr.expect("mrr");
    assert_eq!(table.cells(), 999 * 10 + 670);
    assert_eq!(table.accounts(), 1000);
    assert_eq!(table.get(0, Month::new(1971, 1)), Money(500));
    assert_eq!(table.get(0, Month::new(1990, 1)), Money::ZERO);
    assert_eq!(table.get(1, Month::new(1971, 1)), Money::ZERO);
    assert_eq!(table.get(1, Month::new(2026, 10)), Money(10_000));
    assert_eq!(table.first_active(0), Some(Month::new(1971, 1)));
    assert_eq!(table.first_active(999), Some(Month::new(2026, 1)));
    assert_eq!(loaded.dataset.row_counts.get("mrr"), Some(&10_001));
}

/// Five accounts; A3's row has a byte that is not UTF-8 (a Latin-1 é in its name); 12 rows of
/// mrr.csv and 5 of health.csv refer to A3, and 3 rows of mrr.csv to A9, which is nowhere.
fn cascade_files() -> Vec<(&'static str, Vec<u8>)> {
    let accounts =
        b"account_id,name\nA1,Acme\nA2,Beta\nA3,Soci\xE9t\xE9\nA4,Delta\nA5,Echo\n".to_vec();
    let mut mrr = String::from("account_id,month,mrr\n");
    for m in 1..=12 {
        mrr.push_str(&format!("A1,2025-{m:02},10\nA3,2025-{m:02},10\n"));
    }
    mrr.push_str("A9,2026-01,1\nA9,2026-02,1\nA9,2026-03,1\n");
    let mut health = String::from("account_id,date,score\n");
    for d in 1..=5 {
        health.push_str(&format!("A3,2026-01-0{d},50\nA2,2026-01-0{d},60\n"));
    }
    vec![
        ("accounts.csv", accounts),
        ("mrr.csv", mrr.into_bytes()),
        ("health.csv", health.into_bytes()),
    ]
}

#[test]
fn one_bad_account_row_is_one_error_and_one_line_per_table_that_refers_to_it() {
    let files = cascade_files();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    // Before: one error for the byte, then one "unknown account" per row of every table.
    assert_eq!(
        errors(&files),
        [
            "data/accounts.csv:4:2: error: invalid UTF-8 (found byte 0xE9 at byte 5 of the cell, expected UTF-8 text)",
            "data/health.csv:2:1: error: 5 rows of health.csv refer to account 'A3', whose own row has an error (see accounts.csv:4); first here, last on line 10",
            "data/mrr.csv:3:1: error: 12 rows of mrr.csv refer to account 'A3', whose own row has an error (see accounts.csv:4); first here, last on line 25",
            "data/mrr.csv:26:1: error: unknown account in column 'account_id' (found 'A9' on 3 rows; first here, last on line 28, expected an id listed in accounts.csv)",
        ]
    );
}

#[test]
fn lenient_mode_skips_the_referring_rows_and_counts_them() {
    let files = cascade_files();
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let (dir, result) = load_files(&files, &lenient());
    let loaded = result.expect("lenient load succeeds");
    assert_eq!(warnings(&dir, &loaded).len(), 4);
    let skipped: Vec<(&str, usize)> = loaded
        .skipped
        .iter()
        .map(|(f, n)| (f.as_str(), *n))
        .collect();
    assert_eq!(
        skipped,
        [("accounts.csv", 1), ("health.csv", 5), ("mrr.csv", 15)]
    );
    let counts = &loaded.dataset.row_counts;
    assert_eq!(counts.get("accounts"), Some(&4));
    assert_eq!(counts.get("mrr"), Some(&12));
    assert_eq!(counts.get("health"), Some(&5));
}

#[test]
fn lenient_mode_never_keeps_an_account_with_an_empty_name() {
    let (dir, result) = load_files(
        &[
            ("accounts.csv", b"account_id,name\nA1,Acme\nA2,\n"),
            (
                "mrr.csv",
                b"account_id,month,mrr\nA1,2026-01,10\nA2,2026-01,20\nA2,2026-02,20\n",
            ),
        ],
        &lenient(),
    );
    let loaded = result.expect("lenient load succeeds");
    assert_eq!(
        warnings(&dir, &loaded),
        [
            "data/accounts.csv:3:2: warning: missing value in column 'name' (found '', expected a non-empty value)",
            "data/mrr.csv:3:1: warning: 2 rows of mrr.csv refer to account 'A2', whose own row has an error (see accounts.csv:3); first here, last on line 4",
        ]
    );
    let ids: Vec<&str> = loaded
        .dataset
        .accounts
        .rows
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(ids, ["A1"]);
    assert!(!loaded.dataset.accounts.index.contains_key("A2"));
    assert_eq!(loaded.dataset.row_counts.get("accounts"), Some(&1));
    assert_eq!(loaded.dataset.row_counts.get("mrr"), Some(&1));
    // A bad optional cell skips the account too in lenient mode (strict mode fails the load).
    let (_dir, result) = load_files(
        &[(
            "accounts.csv",
            b"account_id,name,seats\nA1,Acme,x\nA2,Beta,3\n",
        )],
        &lenient(),
    );
    let loaded = result.expect("lenient load succeeds");
    assert_eq!(loaded.dataset.accounts.rows.len(), 1);
    assert_eq!(loaded.skipped.get("accounts.csv"), Some(&1));
}

#[test]
fn lenient_mode_does_not_skip_a_broken_header() {
    // A repeated column or a bad byte in the header is about the whole file: even lenient mode
    // fails rather than drop the table.
    for header in [&b"account_id,name,name\n"[..], b"account_id,n\xffme\n"] {
        let mut accounts = header.to_vec();
        accounts.extend_from_slice(b"A1,Acme,Acme\n");
        let (_dir, result) = load_files(&[("accounts.csv", &accounts)], &lenient());
        let errors = result.expect_err("a broken header fails the load");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].contains("duplicate column")
                || errors[0].contains("invalid UTF-8 in the header"),
            "{errors:?}"
        );
        assert!(errors[0].contains(": error: "), "{errors:?}");
    }
}

/// A project with `lenient: true`, an account with an empty name and 25 bad amounts.
fn lenient_project(dir: &Path) {
    std::fs::create_dir(dir.join("data")).expect("mkdir");
    std::fs::write(
        dir.join("postsale.yaml"),
        "name: Lenient\nas_of: 2026-05-10\nlenient: true\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("data/accounts.csv"),
        "account_id,name,segment\nA1,Acme,SMB\nA2,,SMB\nA3,Gamma,Enterprise\n",
    )
    .expect("write");
    let mut mrr = String::from("account_id,month,mrr\n");
    for m in 1..=4 {
        mrr.push_str(&format!(
            "A1,2026-{m:02},100\nA2,2026-{m:02},100\nA3,2026-{m:02},300\n"
        ));
    }
    for m in 1..=25 {
        mrr.push_str(&format!("A3,{},oops\n", Month::new(2023, 1).plus(m)));
    }
    std::fs::write(dir.join("data/mrr.csv"), mrr).expect("write");
}

#[test]
fn check_and_build_print_the_warnings_and_the_skipped_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("p");
    std::fs::create_dir(&project).expect("mkdir");
    lenient_project(&project);
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
            .args(args)
            .arg("--project")
            .arg(&project)
            .output()
            .expect("runs postsale");
        let stderr =
            String::from_utf8_lossy(&out.stderr).replace(&format!("{}/", project.display()), "");
        (
            out.status.success(),
            stderr,
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let out_dir = dir.path().join("site");
    let out_dir = out_dir.to_string_lossy().into_owned();
    for (ok, stderr, stdout) in [
        run(&["check"]),
        run(&["build", "--no-pdf", "--out", &out_dir]),
    ] {
        assert!(ok, "{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        // The first 20 warnings (the loader keeps 20 per file, then counts the rest), then
        // the skipped rows per file.
        assert!(
            lines.contains(&"data/accounts.csv:3:2: warning: missing value in column 'name' (found '', expected a non-empty value)"),
            "{stderr}"
        );
        assert!(
            lines.contains(&"warning: accounts.csv: 1 row skipped (lenient: true), left out of every count and metric"),
            "{stderr}"
        );
        assert!(
            lines.contains(&"warning: mrr.csv: 29 rows skipped (lenient: true), left out of every count and metric"),
            "{stderr}"
        );
        assert!(
            lines.contains(&"... and 2 more warnings (all are listed on the data-quality page)"),
            "{stderr}"
        );
        assert_eq!(
            lines.iter().filter(|l| l.contains(": warning: ")).count(),
            20,
            "{stderr}"
        );
        if stdout.starts_with("ok:") {
            // check's count: 2 accounts and 8 MRR rows kept.
            assert!(stdout.contains("(10 rows)"), "{stdout}");
        }
    }
    let quality = std::fs::read_to_string(dir.path().join("site/data-quality.html"))
        .expect("data-quality page");
    assert!(
        quality.contains("mrr.csv: 29 rows skipped"),
        "data-quality page"
    );
    assert!(
        !quality.contains("Accounts: <"),
        "no account without a name"
    );
}
