//! The loader on bad (and awkward but valid) input: one test per kind of problem, each asserting
//! the exact message a user sees. Data folders are written from strings so each test shows its
//! whole input.

use postsale::data::load::{LoadOptions, Loaded, load};
use postsale::data::{Money, RenewalStage};
use std::path::Path;

const ACCOUNTS: &str = "account_id,name,segment\nA1,Acme,SMB\nA2,Beta,Enterprise\n";

/// Writes `files` into a fresh folder `data/` and loads it; diagnostics are shown relative to the
/// folder, as the CLI shows them relative to the project. Returns the folder to keep it alive.
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

fn ok(files: &[(&str, &[u8])]) -> Loaded {
    match load_files(files, &LoadOptions::default()).1 {
        Ok(l) => l,
        Err(e) => panic!("expected a clean load, got:\n{}", e.join("\n")),
    }
}

#[test]
fn bad_date() {
    let e = errors(&[(
        "accounts.csv",
        b"account_id,name,signed_on\nA1,Acme,2025-02-30\n",
    )]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:2:3: error: bad date in column 'signed_on' (found '2025-02-30', expected a date like 2026-01-31)"
        ]
    );
}

#[test]
fn bad_month() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("mrr.csv", b"account_id,month,mrr\nA1,2026-13,10\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:2:2: error: bad month in column 'month' (found '2026-13', expected a month like 2026-01)"
        ]
    );
}

#[test]
fn bad_number() {
    let e = errors(&[("accounts.csv", b"account_id,name,seats\nA1,Acme,ten\n")]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:2:3: error: bad whole number in column 'seats' (found 'ten', expected a whole number like 12)"
        ]
    );
}

#[test]
fn bad_money() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("mrr.csv", b"account_id,month,mrr\nA1,2026-01,\"1,200\"\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:2:3: error: bad amount in column 'mrr' (found '1,200', expected a decimal number like 1234.56)"
        ]
    );
}

#[test]
fn negative_money() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("mrr.csv", b"account_id,month,mrr\nA1,2026-01,-50\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:2:3: error: negative amount in column 'mrr' (found '-50', expected an amount of 0 or more)"
        ]
    );
}

#[test]
fn unknown_enum_value_suggests_the_closest() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "renewals.csv",
            b"renewal_id,account_id,due_on,arr,stage\nR1,A1,2026-01-01,1000,closed_wn\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/renewals.csv:2:5: error: unknown stage in column 'stage' (found 'closed_wn', expected one of not_engaged, initial_discussion, proposal_sent, negotiation, closed_won, closed_lost)\n  help: did you mean `closed_won`?"
        ]
    );
}

#[test]
fn missing_required_column_suggests_the_header() {
    let e = errors(&[("accounts.csv", b"acount_id,name\nA1,Acme\n")]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:1:1: error: missing required column 'account_id' (found columns 'acount_id', 'name', expected a column named 'account_id')\n  help: did you mean `acount_id`? Rename that column to 'account_id'"
        ]
    );
}

#[test]
fn duplicate_key() {
    let e = errors(&[(
        "accounts.csv",
        b"account_id,name\nA1,Acme\nA2,Beta\nA1,Again\n",
    )]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:4:1: error: duplicate account_id (found 'A1' again, expected each account_id once; first on line 2)"
        ]
    );
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "mrr.csv",
            b"account_id,month,mrr\nA1,2026-01,10\nA1,2026-01,12\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:3:1: error: duplicate month for an account (found 'A1, 2026-01' again, expected one row per account and month; first on line 2)"
        ]
    );
}

#[test]
fn duplicate_ids_in_event_tables() {
    // Keys of the large tables are checked after the read; the message is the same.
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("activities.csv", b"activity_id,account_id,date,type\nX1,A1,2026-01-01,call\nX2,A1,2026-01-02,call\nX1,A2,2026-01-03,email\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/activities.csv:4:1: error: duplicate activity_id (found 'X1' again, expected each activity_id once; first on line 2)"
        ]
    );
}

#[test]
fn duplicate_ids_in_a_large_file_read_in_pieces() {
    // Some 40,000 tickets (over 1 MB, so read in parallel pieces), ids increasing, then rows
    // written late: T00007 again (a duplicate, reported against its first line); T99999 twice,
    // the first time with a bad date (a row not kept is no first occurrence); and a new id out
    // of order, which is no error.
    let mut tickets = String::from("ticket_id,account_id,opened_at\n");
    for i in 0..40_000 {
        tickets.push_str(&format!("T{i:05},A1,2026-01-01 09:00\n"));
    }
    tickets.push_str("T00007,A2,2026-02-01 09:00\n"); // line 40,002
    tickets.push_str("T99999,A2,2026-13-01 09:00\n"); // line 40,003: bad date
    tickets.push_str("T99999,A2,2026-02-02 09:00\n"); // line 40,004: kept, not a duplicate
    tickets.push_str("T00003x,A1,2026-02-03 09:00\n"); // out of order, new
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("tickets.csv", tickets.as_bytes()),
    ]);
    assert_eq!(
        e,
        [
            "data/tickets.csv:40002:1: error: duplicate ticket_id (found 'T00007' again, expected each ticket_id once; first on line 9)",
            "data/tickets.csv:40003:3: error: bad date-time in column 'opened_at' (found '2026-13-01 09:00', expected RFC 3339 or YYYY-MM-DD HH:MM[:SS])",
        ]
    );
}

#[test]
fn columns_no_metric_reads_are_still_checked() {
    // usage.sessions and activities.response_hours are validated though not kept.
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "usage.csv",
            b"account_id,date,sessions,session_minutes\nA1,2026-01-01,-2,12.5\n",
        ),
        (
            "activities.csv",
            b"activity_id,account_id,date,type,responded,response_hours\nX1,A1,2026-01-01,email,maybe,-1\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/activities.csv:2:5: error: bad yes/no value in column 'responded' (found 'maybe', expected true/false, yes/no or 1/0)",
            "data/activities.csv:2:6: error: value out of range in column 'response_hours' (found '-1', expected a number of 0 or more)",
            "data/usage.csv:2:3: error: value out of range in column 'sessions' (found '-2', expected a whole number from 0 to 9223372036854775807)",
        ]
    );
}

#[test]
fn unknown_account_reference() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("mrr.csv", b"account_id,month,mrr\nA9,2026-01,10\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:2:1: error: unknown account in column 'account_id' (found 'A9', expected an id listed in accounts.csv)"
        ]
    );
}

#[test]
fn unknown_csm_reference() {
    let e = errors(&[
        (
            "accounts.csv",
            b"account_id,name,csm_id\nA1,Acme,C1\nA2,Beta,C7\n",
        ),
        ("csms.csv", b"csm_id,name\nC1,Casey\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:3:3: error: unknown csm in column 'csm_id' (found 'C7', expected an id listed in csms.csv)"
        ]
    );
}

#[test]
fn unknown_renewal_reference() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "renewals.csv",
            b"renewal_id,account_id,due_on,arr,stage\nR1,A1,2026-01-01,1000,negotiation\n",
        ),
        (
            "renewal_stages.csv",
            b"renewal_id,stage,entered_on\nR2,negotiation,2025-12-01\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/renewal_stages.csv:2:1: error: unknown renewal in column 'renewal_id' (found 'R2', expected an id listed in renewals.csv)"
        ]
    );
}

#[test]
fn empty_file() {
    let e = errors(&[("accounts.csv", ACCOUNTS.as_bytes()), ("mrr.csv", b"")]);
    assert_eq!(
        e,
        [
            "data/mrr.csv: error: empty file (found no header row, expected a header with the table's column names)"
        ]
    );
}

#[test]
fn header_only_is_a_valid_empty_table() {
    let loaded = ok(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("surveys.csv", b"response_id,account_id,date,kind,score\n"),
    ]);
    assert_eq!(loaded.dataset.surveys.as_deref(), Some(&[][..]));
    assert_eq!(loaded.dataset.row_counts.get("surveys"), Some(&0));
}

#[test]
fn bom_is_ignored() {
    let loaded = ok(&[("accounts.csv", b"\xEF\xBB\xBFaccount_id,name\nA1,Acme\n")]);
    assert_eq!(loaded.dataset.accounts.rows[0].id, "A1");
}

#[test]
fn quoted_commas_quotes_and_newlines_are_kept() {
    let loaded = ok(&[(
        "accounts.csv",
        b"account_id,name\nA1,\"Acme, Inc.\"\nA2,\"Say \"\"hi\"\"\nthere\"\n",
    )]);
    assert_eq!(loaded.dataset.accounts.rows[0].name, "Acme, Inc.");
    assert_eq!(loaded.dataset.accounts.rows[1].name, "Say \"hi\"\nthere");
}

#[test]
fn crlf_line_ends() {
    let loaded = ok(&[
        ("accounts.csv", b"account_id,name\r\nA1,Acme\r\n"),
        ("mrr.csv", b"account_id,month,mrr\r\nA1,2026-01,10.5\r\n"),
    ]);
    let mrr = loaded.dataset.mrr.expect("mrr table");
    assert_eq!(
        mrr.get(0, postsale::period::Month::new(2026, 1)),
        Money(1050)
    );
}

#[test]
fn non_utf8_bytes_are_located() {
    let e = errors(&[("accounts.csv", b"account_id,name\nA1,Acme\nA2,Caf\xE9\n")]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:3:2: error: invalid UTF-8 (found byte 0xE9 at byte 4 of the cell, expected UTF-8 text)"
        ]
    );
}

#[test]
fn every_problem_of_every_file_in_one_run() {
    let e = errors(&[
        ("accounts.csv", b"account_id,name,seats\nA1,Acme,x\nA2,,3\n"),
        (
            "mrr.csv",
            b"account_id,month,mrr\nA1,2026-1,10\nA3,2026-02,5\n",
        ),
        (
            "surveys.csv",
            b"response_id,account_id,date,kind,score\nS1,A1,2026-01-05,nps,11\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:2:3: error: bad whole number in column 'seats' (found 'x', expected a whole number like 12)",
            "data/accounts.csv:3:2: error: missing value in column 'name' (found '', expected a non-empty value)",
            "data/mrr.csv:2:2: error: bad month in column 'month' (found '2026-1', expected a month like 2026-01)",
            "data/mrr.csv:3:1: error: unknown account in column 'account_id' (found 'A3', expected an id listed in accounts.csv)",
            "data/surveys.csv:2:5: error: value out of range in column 'score' (found '11', expected a whole number from 0 to 10)",
        ]
    );
}

#[test]
fn errors_are_capped_per_file() {
    let mut mrr = String::from("account_id,month,mrr\n");
    for i in 0..25 {
        mrr.push_str(&format!("A1,2026-{:02},bad\n", i % 12 + 1));
    }
    let (_dir, result) = load_files(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("mrr.csv", mrr.as_bytes()),
        ],
        &LoadOptions {
            max_per_file: 3,
            ..LoadOptions::default()
        },
    );
    let e = result.expect_err("errors");
    assert_eq!(e.len(), 4);
    assert_eq!(
        e[3],
        "data/mrr.csv: error: ... and 22 more errors in data/mrr.csv"
    );
}

#[test]
fn lenient_mode_skips_bad_rows_and_warns() {
    let (_dir, result) = load_files(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            (
                "mrr.csv",
                b"account_id,month,mrr\nA1,2026-01,10\nA2,2026-01,oops\n",
            ),
        ],
        &LoadOptions {
            lenient: true,
            ..LoadOptions::default()
        },
    );
    let loaded = result.expect("lenient load succeeds");
    assert_eq!(loaded.warnings.len(), 1);
    assert_eq!(
        loaded.warnings[0]
            .to_string()
            .replace(&format!("{}/", _dir.path().display()), ""),
        "data/mrr.csv:3:3: warning: bad amount in column 'mrr' (found 'oops', expected a decimal number like 1234.56)"
    );
    let mrr = loaded.dataset.mrr.expect("mrr");
    assert_eq!(
        mrr.get(0, postsale::period::Month::new(2026, 1)),
        Money(1000)
    );
    assert_eq!(
        mrr.get(1, postsale::period::Month::new(2026, 1)),
        Money::ZERO
    );
}

#[test]
fn missing_accounts_table() {
    let e = errors(&[("mrr.csv", b"account_id,month,mrr\n")]);
    assert_eq!(
        e,
        [
            "data/accounts.csv: error: accounts.csv not found (expected the required accounts table in the data folder)"
        ]
    );
}

#[test]
fn absent_optional_tables_give_one_notice_each() {
    let loaded = ok(&[("accounts.csv", ACCOUNTS.as_bytes())]);
    assert!(loaded.dataset.tickets.is_none());
    assert!(
        loaded
            .notices
            .contains(&"tickets.csv not found; skipping support metrics".to_string()),
        "{:?}",
        loaded.notices
    );
    assert_eq!(loaded.notices.len(), 16);
}

#[test]
fn only_the_tables_asked_for_are_read() {
    // A broken tickets.csv does not stop a load that only needs MRR.
    let files: &[(&str, &[u8])] = &[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("mrr.csv", b"account_id,month,mrr\nA1,2026-01,10\n"),
        ("tickets.csv", b"ticket_id\n"),
    ];
    let (_dir, result) = load_files(
        files,
        &LoadOptions {
            only: Some(vec!["mrr"]),
            ..LoadOptions::default()
        },
    );
    let loaded = result.expect("loads");
    assert!(loaded.dataset.mrr.is_some());
    assert!(loaded.dataset.tickets.is_none());
    assert!(
        loaded.notices.is_empty(),
        "absent tables that were not asked for are not mentioned"
    );
    assert!(
        !errors(files).is_empty(),
        "a full load reports the broken tickets.csv"
    );
}

#[test]
fn renewed_arr_cannot_exceed_arr() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        ("renewals.csv", b"renewal_id,account_id,due_on,arr,stage,renewed_arr\nR1,A1,2026-01-01,1000,closed_won,1200\n"),
    ]);
    assert_eq!(
        e,
        [
            "data/renewals.csv:2:6: error: renewed ARR above the ARR up for renewal in column 'renewed_arr' (found '1200', expected at most the arr 1000.00)"
        ]
    );
}

#[test]
fn the_small_fixture_loads_every_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/small");
    let loaded = load(&dir, &LoadOptions::default()).unwrap_or_else(|d| panic!("{d}"));
    assert!(loaded.notices.is_empty(), "{:?}", loaded.notices);
    let ds = &loaded.dataset;
    assert_eq!(ds.accounts.rows.len(), 5);
    assert_eq!(ds.accounts.extra_columns, ["tier"]);
    assert_eq!(ds.accounts.rows[1].name, "Beta, Inc.");
    assert_eq!(ds.accounts.rows[0].acquisition_cost, Some(Money(120_050)));
    assert_eq!(ds.accounts.rows[2].csm, Some(1));
    let renewals = ds.renewals.as_ref().expect("renewals");
    let renewal = |id: &str| renewals.iter().find(|r| r.id == id).expect("renewal");
    // Renewals are kept sorted by account: A1's R2 first.
    let ids: Vec<&str> = renewals.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["R2", "R1", "R3"]);
    assert_eq!(renewal("R2").stage, RenewalStage::ClosedLost);
    // A closed_lost renewal kept nothing; a closed_won one keeps renewed_arr.
    assert_eq!(renewal("R2").renewed(), Some(Money::ZERO));
    assert_eq!(renewal("R1").renewed(), Some(Money::units(216_000)));
    assert_eq!(renewal("R3").term_months, 12);
    // Stage history points at the right renewal after the sort.
    let stages = ds.renewal_stages.as_ref().expect("stages");
    assert!(
        stages
            .iter()
            .filter(|s| renewals[s.renewal as usize].id == "R3")
            .count()
            == 2
    );
    assert_eq!(
        ds.activities.as_ref().map(|a| a[0].kind.as_str()),
        Some("call")
    );
    // Tasks are kept sorted by account, those without one first: T2, then A1's T1.
    let titles: Vec<&str> = ds
        .tasks
        .iter()
        .flatten()
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["Prepare QBR deck", "Follow up on \"renewal\" risk"]
    );
    assert_eq!(
        ds.onboarding
            .as_ref()
            .and_then(|o| o[0].signed_on)
            .map(|d| d.to_string())
            .as_deref(),
        Some("2025-03-10")
    );
    let mrr = ds.mrr.as_ref().expect("mrr");
    assert_eq!(
        mrr.get(2, postsale::period::Month::new(2025, 3)),
        Money(1_800_050)
    );
    assert_eq!(ds.row_counts.get("mrr"), Some(&12));
    assert_eq!(ds.row_counts.len(), 17);
    // actions.csv: owners by csm_id and by e-mail; a done action with its closing date.
    let actions = ds.actions.as_ref().expect("actions");
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].owner, postsale::data::ActionOwner::Csm(0));
    assert_eq!(actions[1].owner, postsale::data::ActionOwner::Csm(1));
    assert_eq!(actions[1].title, "Pricing review, SMB");
    assert_eq!(
        actions[1].closed_on.map(|d| d.to_string()),
        Some("2026-02-20".into())
    );
}

proptest::proptest! {
    /// Whatever bytes a file holds, the loader reports and never panics.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let mut mrr = b"account_id,month,mrr\n".to_vec();
        mrr.extend_from_slice(&bytes);
        let _ = load_files(&[("accounts.csv", ACCOUNTS.as_bytes()), ("mrr.csv", &mrr), ("renewals.csv", &bytes)], &LoadOptions::default());
    }
}

#[test]
fn more_or_fewer_fields_than_the_header() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "mrr.csv",
            b"account_id,month,mrr\nA1,2025-03,1,000.50\nA2,2025-03\nA2,2025-04,7\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:2:4: error: too many fields (found 4 fields, expected 3 as in the header)\n  help: '1,000.50' looks like one number with thousands separators, read as 2 fields: write it without them (1000.50), or quote it (\"1,000.50\")",
            "data/mrr.csv:3:3: error: too few fields (found 2 fields, expected 3 as in the header)\n  help: every row needs one value per header column; an empty value is nothing between two commas, like a,,c",
        ]
    );
}

#[test]
fn a_column_named_twice_in_the_header() {
    let e = errors(&[
        ("accounts.csv", ACCOUNTS.as_bytes()),
        (
            "mrr.csv",
            b"account_id,month,mrr,mrr\nA1,2025-03,1,000.50\n",
        ),
    ]);
    assert_eq!(
        e,
        [
            "data/mrr.csv:1:4: error: duplicate column 'mrr' in the header (found it again in column 4, expected each column name once; first in column 3)\n  help: remove one of the two columns, or rename it"
        ]
    );
}

#[test]
fn crlf_lines_after_a_quoted_line_end() {
    // The quoted name spans lines 2 and 3, so the bad row is line 4.
    let e = errors(&[(
        "accounts.csv",
        b"account_id,name,seats\r\nA1,\"two\r\nlines\",3\r\nA2,Beta,x\r\n",
    )]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:4:3: error: bad whole number in column 'seats' (found 'x', expected a whole number like 12)"
        ]
    );
    let e = errors(&[(
        "accounts.csv",
        b"account_id,name,seats\r\nA1,Acme,3\r\nA2,Beta,x\r\n",
    )]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:3:3: error: bad whole number in column 'seats' (found 'x', expected a whole number like 12)"
        ]
    );
}

#[test]
fn long_values_are_cut_in_messages() {
    let long = "x".repeat(1 << 20);
    let accounts = format!("account_id,name,seats\nA1,Acme,{long}\n");
    let mrr = format!("account_id,month,mrr\n{long},2025-03,1\n");
    let e = errors(&[
        ("accounts.csv", accounts.as_bytes()),
        ("mrr.csv", mrr.as_bytes()),
    ]);
    let x60 = "x".repeat(60);
    assert_eq!(
        e,
        [
            format!(
                "data/accounts.csv:2:3: error: bad whole number in column 'seats' (found '{x60}… (1048576 characters)', expected a whole number like 12)"
            ),
            format!(
                "data/mrr.csv:2:1: error: unknown account in column 'account_id' (found '{x60}… (1048576 characters)', expected an id listed in accounts.csv)"
            ),
        ]
    );
}

#[test]
fn a_bad_byte_in_a_large_crlf_file_is_located() {
    // Over a megabyte, so the file is read in parallel pieces; CRLF line ends.
    let mut accounts = b"account_id,name\r\n".to_vec();
    for i in 0..80_000 {
        accounts.extend_from_slice(format!("A{i:05},Name {i}\r\n").as_bytes());
    }
    let row = b"A70000,Name 70000\r\n";
    let at = accounts
        .windows(row.len())
        .position(|w| w == row)
        .expect("row");
    accounts[at + 9] = 0xFF;
    let e = errors(&[("accounts.csv", &accounts)]);
    assert_eq!(
        e,
        [
            "data/accounts.csv:70002:2: error: invalid UTF-8 (found byte 0xFF at byte 3 of the cell, expected UTF-8 text)"
        ]
    );
}
