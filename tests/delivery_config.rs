//! `postsale check` on `delivery.yaml`, run as a user would: a fresh `postsale init` project is
//! clean and lists its schedules with their next send times; broken files give every problem at
//! its file:line:column. The projects are tests/fixtures/projects/alerts (two CSMs: C1 Casey Lane
//! manages C2 Drew Moss; rules naming leadership, manager, csm and team) with the standard reports.

#[path = "common/tree.rs"]
mod tree;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn postsale(args: &[&str], project: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg("--project")
        .arg(project)
        .output()
        .expect("the postsale binary runs")
}

/// The alerts fixture with the standard reports and `delivery` as its delivery.yaml.
fn project(delivery: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("p");
    tree::copy_dir(&repo().join("tests/fixtures/projects/alerts"), &root);
    tree::copy_dir(&repo().join("reports"), &root.join("reports"));
    std::fs::write(root.join("delivery.yaml"), delivery).expect("write delivery.yaml");
    (tmp, root)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim_end().to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_fresh_init_project_is_clean_and_lists_its_schedules() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("cs");
    let init = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("init")
        .arg(&root)
        .output()
        .expect("runs");
    assert!(init.status.success(), "{}", stderr(&init));
    // The example's rules and schedules, as in the repository.
    for file in ["alerts.yaml", "delivery.yaml"] {
        assert_eq!(
            std::fs::read_to_string(root.join(file)).expect("init wrote it"),
            std::fs::read_to_string(repo().join(file)).expect("the example's"),
            "{file}"
        );
    }
    // Tuesday 1 December 2026, 07:00 in New York (EST, −5).
    let out = postsale(&["check", "--now", "2026-12-01T12:00:00Z"], &root);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    let delivery: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("ok: delivery.yaml"))
        .collect();
    assert_eq!(
        delivery,
        [
            "ok: delivery.yaml: 5 schedules, 3 lists",
            // 06:30 this morning is half an hour ago: within the 12 grace hours.
            "  alerts: the alert digests to each rule's recipients; daily at 06:30 America/New_York; next Wed 2026-12-02 06:30 EST; due now (the Tue 2026-12-01 06:30 EST send)",
            // The board meets on 10 December: the pack goes on the 3rd.
            "  board-pack: report 'board' to board, cc executives; 7 days before each board meeting at 09:00 America/New_York; next Thu 2026-12-03 09:00 EST",
            "  csm-digest: report 'csm' to csm, cc manager; every monday at 07:30 America/New_York; next Mon 2026-12-07 07:30 EST",
            "  monthly-review: report 'monthly' to leadership; monthly on day 2 at 08:00 America/New_York; next Wed 2026-12-02 08:00 EST",
            "  weekly-review: report 'weekly' to leadership, managers; every monday at 07:00 America/New_York; next Mon 2026-12-07 07:00 EST",
        ]
    );
}

#[test]
fn without_a_delivery_file_check_says_nothing_of_delivery() {
    let (_tmp, root) = project("");
    std::fs::remove_file(root.join("delivery.yaml")).expect("remove");
    let out = postsale(&["check"], &root);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("delivery"), "{}", stdout(&out));
}

#[test]
fn every_problem_of_the_file_is_placed() {
    let (_tmp, root) = project(
        "\
from: cs@example.com
timezone: Europe/Berln
grace_hours: 0
smtp:
  host: smtp.example.com
  security: starttsl
  password: hunter2
  username_env: SMTP_USER
lists:
  execs: [ceo@example.com, \"bad@\", leadrs]
  loop: [loop]
board_calendar: [2026-12-10, 10/03/2027]
shedules: {}
schedules:
  weekly-review: { report: weekly, to: [leadership], weekly: { day: mondy, at: \"7:00 am\" } }
  month-end: { report: monthly, to: [execs], monthly: { day: 30, at: \"18:00\" } }
  alerts: { report: alerts, cc: [execs], daily: { at: \"06:30\" }, weekly: { day: monday, at: \"07:00\" } }
  Board: { report: board, to: [execs], before_board: { at: \"09:00\" } }
",
    );
    let out = postsale(&["check"], &root);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "\
delivery.yaml:2:1: error: unknown time zone 'Europe/Berln'
  help: did you mean 'Europe/Berlin'?
delivery.yaml:3:1: error: 'grace_hours' is 0: no run would ever be on time
  help: give the hours a late run may still send, such as grace_hours: 12
delivery.yaml:6:3: error: unknown SMTP security 'starttsl'
  help: did you mean 'starttls'?
delivery.yaml:7:3: error: 'smtp.password' would put a secret in delivery.yaml, which is kept in git
  help: name the environment variable that holds it instead: password_env: POSTSALE_SMTP_PASSWORD
delivery.yaml:8:3: error: 'smtp.username_env' without 'password_env'
  help: give both (password_env: POSTSALE_SMTP_PASSWORD), or neither for a server without login
delivery.yaml:10:3: error: bad address 'bad@' in list 'execs'
  help: write an address (ceo@example.com) or a name and an address (\"Jane Doe <ceo@example.com>\")
delivery.yaml:10:3: error: unknown recipient 'leadrs' in list 'execs'
  help: give an address, a list of 'lists' or a role (csm, manager, csms, managers, team)
delivery.yaml:11:3: error: list 'loop' includes itself (loop → loop)
  help: remove one of the inclusions: a list cannot contain itself
delivery.yaml:12:1: error: bad date '10/03/2027' in 'board_calendar' (expected YYYY-MM-DD)
  help: write each board meeting as a date such as 2026-12-10
delivery.yaml:13:1: error: unknown key 'shedules'
  help: did you mean 'schedules'?
delivery.yaml:15:36: error: 'leadership' in schedule 'weekly-review' is not a list of delivery.yaml
  help: define who it is under 'lists', such as leadership: [someone@example.com]
delivery.yaml:15:64: error: unknown weekday 'mondy' in schedule 'weekly-review'
  help: did you mean 'monday'?
delivery.yaml:15:76: error: bad time '7:00 am' in schedule 'weekly-review' (expected HH:MM, 24-hour)
  help: write the local time like \"07:00\" or \"18:30\"
delivery.yaml:16:57: error: day 30 in schedule 'month-end' does not exist in every month
  help: use 0 for the month's last day, or a day 1-28
delivery.yaml:17:29: error: 'cc' in schedule 'alerts': alert digests go to the recipients of the rules
  help: remove 'cc'; each rule's 'recipients' in alerts.yaml decide who hears of it
delivery.yaml:17:66: error: schedule 'alerts' has more than one time (daily, weekly)
  help: give one of daily: { at: \"06:30\" }, weekly: { day: monday, at: \"07:00\" }, monthly: { day: 2, at: \"08:00\" } or before_board: { days: 7, at: \"09:00\" }; write two schedules to send twice
delivery.yaml:18:3: error: bad schedule id 'Board' (expected lowercase letters, digits, - and _)
  help: schedule ids name deliveries in the ledger and output, such as 'weekly-review'
delivery.yaml:18:40: error: 'before_board' in schedule 'Board' has no 'days'
  help: say how many days before each meeting, such as days: 7 (0: the day itself)
18 errors"
    );
}

#[test]
fn problems_against_the_project_and_the_rules() {
    let (_tmp, root) = project(
        "\
from: cs@example.com
lists:
  board: []
  executives: [ceo@example.com]
schedules:
  weekly-review: { report: weekley, to: [executives], weekly: { day: monday, at: \"07:00\" } }
  monthly-review: { report: monthly, to: [csm, board], cc: [manager], monthly: { day: 2, at: \"08:00\" } }
  csm-digest: { report: csm, to: [csm], cc: [manager], weekly: { day: monday, at: \"07:30\" } }
  alerts: { report: alerts, daily: { at: \"06:30\" } }
",
    );
    // Drew Moss (C2) has no e-mail: his digest and his alerts cannot be sent.
    let csms = root.join("data/csms.csv");
    let text = std::fs::read_to_string(&csms).expect("csms.csv");
    std::fs::write(
        &csms,
        text.replace("Drew Moss,drew@example.com", "Drew Moss,"),
    )
    .expect("write");
    let out = postsale(&["check"], &root);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "\
delivery.yaml:8:30: warning: schedule 'csm-digest' cannot reach C2: no e-mail in data/csms.csv
  help: add their addresses to the email column of data/csms.csv
delivery.yaml:9:13: warning: schedule 'alerts' cannot reach C2: no e-mail in data/csms.csv
  help: add their addresses to the email column of data/csms.csv
alerts.yaml:7:5: error: rule 'mrr-low' alerts 'leadership', which resolves to nobody
  help: define it in delivery.yaml under 'lists', such as leadership: [someone@example.com]
delivery.yaml:6:20: error: schedule 'weekly-review' sends report 'weekley', which the project does not have
  help: did you mean 'weekly'?
delivery.yaml:7:38: error: 'csm' in schedule 'monthly-review' means the CSM of a personal digest, but report 'monthly' is not 'per: csm'
  help: send it to every CSM with 'csms', or schedule a 'per: csm' report ('csm')
delivery.yaml:7:38: error: 'board' in schedule 'monthly-review' resolves to nobody
  help: list 'board' in delivery.yaml holds no address (and no role with anyone in data/csms.csv)
delivery.yaml:7:56: error: 'manager' in schedule 'monthly-review' means the manager of a personal digest's CSM, but report 'monthly' is not 'per: csm'
  help: send it to every manager with 'managers', or schedule a 'per: csm' report ('csm')
5 errors"
    );
}

#[test]
fn delivery_problems_come_with_the_project_s_own() {
    let (_tmp, root) = project("from: cs@example.com\nschedules:\n  x: { report: weekly }\n");
    std::fs::write(root.join("postsale.yaml"), "name: Alerts\nas_of: someday\n").expect("write");
    let out = postsale(&["check"], &root);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("postsale.yaml:2:"), "{err}");
    assert!(
        err.contains("delivery.yaml:3:3: error: schedule 'x' has no 'to'"),
        "{err}"
    );
}

#[test]
fn now_must_carry_an_offset() {
    let (_tmp, root) = project("from: cs@example.com\n");
    let out = postsale(&["check", "--now", "2026-12-01 07:00"], &root);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("bad time '2026-12-01 07:00' (expected RFC 3339 with an offset, such as 2026-12-07T12:00:00Z)"),
        "{}",
        stderr(&out)
    );
}
