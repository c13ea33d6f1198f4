//! Pushdown on a real PostgreSQL server: the metrics computed as SQL (`postsale::pushdown`)
//! equal the in-process engine's `metrics --format json`, number for number as printed, metric
//! by metric and group by group, for months, quarters, years and ttm at three as-of dates, on
//! the example project and a small `postsale demo` set; and the SQL `postsale sql` prints runs
//! in psql and gives the same numbers; and `engine: warehouse` prints `metrics`' output. The
//! throwaway cluster of `common/pg.rs` (a temporary folder, a free local port) holds the data,
//! typed and copied in with \copy; without PostgreSQL's binaries the tests fail.

#[path = "common/pg.rs"]
mod pg;

use pg::{Cluster, PASSWORD};
use postsale::config::Config;
use postsale::period::Period;
use postsale::pushdown::warehouse::{self, Database, Table};
use postsale::pushdown::{self, GroupBy, Relations};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a command that must succeed, returning its stdout.
fn run(command: &mut Command) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// NULL as psql prints it here (no value of these queries reads so).
const NULL: &str = "<NULL>";

/// Runs a query in psql and splits its unaligned output into columns and cells.
fn psql_table(cluster: &Cluster, db: &str, sql: &str) -> Table {
    let text = run(Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postsale",
        ])
        .arg("-p")
        .arg(cluster.port.to_string())
        .args(["-d", db, "-A", "-F", "\u{1f}", "-P", "footer=off", "-P"])
        .arg(format!("null={NULL}"))
        .arg("-c")
        .arg(sql)
        .env("PGPASSWORD", PASSWORD)
        .env("PGSSLMODE", "disable"));
    let mut lines = text.lines();
    let columns: Vec<String> = lines
        .next()
        .unwrap_or("")
        .split('\u{1f}')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| {
            l.split('\u{1f}')
                .map(|c| (c != NULL).then(|| c.to_string()))
                .collect()
        })
        .collect();
    Table { columns, rows }
}

/// `postsale ARGS`, which must succeed: its stdout.
fn postsale(args: &[&str]) -> String {
    run(Command::new(env!("CARGO_BIN_EXE_postsale")).args(args))
}

/// A number as `metrics --format json` prints it.
fn json(value: Option<f64>) -> serde_json::Value {
    value
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// The numbers of `metrics --format json` output as printed, by (group or None, metric id).
/// Read from the text, not through serde_json's parser: without its `float_roundtrip` feature
/// that may land one unit in the last place away from the printed number.
fn printed_numbers(text: &str) -> BTreeMap<(Option<String>, String), String> {
    let mut out = BTreeMap::new();
    let (mut in_metrics, mut in_groups, mut group): (bool, bool, Option<String>) =
        (false, false, None);
    let key = |k: &str| serde_json::from_str::<String>(k.trim()).expect("a JSON key");
    for line in text.lines() {
        let t = line.trim().trim_end_matches(',');
        if t == "\"metrics\": {" {
            in_metrics = true;
        } else if t == "\"groups\": {" {
            in_groups = true;
        } else if t == "}" {
            if group.is_some() {
                group = None;
            } else {
                in_metrics = false;
                in_groups = false;
            }
        } else if let Some((k, v)) = t.split_once(": ") {
            if in_groups && group.is_none() && v == "{" {
                group = Some(key(k));
            } else if in_metrics || group.is_some() {
                out.insert((group.clone(), key(k)), v.to_string());
            }
        }
    }
    out
}

/// The metrics of the catalog pushdown computes that the project's data has.
fn metrics_of(project: &Path) -> Vec<&'static str> {
    let has = |t: &str| project.join("data").join(format!("{t}.csv")).exists();
    pushdown::supported()
        .filter(|id| pushdown::family(id).is_some_and(|f| f.tables().iter().all(|t| has(t))))
        .collect()
}

/// Pushdown against the in-process engine for every period, as-of date and grouping.
fn compare(cluster: &Cluster, db: &str, project: &Path, as_ofs: &[&str], periods: &[&str]) {
    let config: Config = postsale::config::load(project).expect("the config loads");
    let ids = metrics_of(project);
    let project_arg = project.to_string_lossy().to_string();
    let mut client = postsale::data::postgres::Client::connect(&cluster.url("postsale", db, ""))
        .expect("connects to the cluster");
    let mut compared = 0;
    for as_of in as_ofs {
        let day: chrono::NaiveDate = as_of.parse().expect("a date");
        for period_text in periods {
            let period =
                Period::parse(period_text, config.fiscal_year_start, day).expect("a period");
            for by in [
                None,
                Some("segment"),
                Some("region"),
                Some("acv_band"),
                Some("cohort"),
            ] {
                let mut args = vec!["metrics"];
                args.extend(ids.iter().copied());
                args.extend([
                    "--period",
                    period_text,
                    "--as-of",
                    as_of,
                    "--format",
                    "json",
                    "--project",
                    &project_arg,
                ]);
                if let Some(by) = by {
                    args.extend(["--by", by]);
                }
                let printed = postsale(&args);
                let expected: serde_json::Value =
                    serde_json::from_str(&printed).expect("metrics prints JSON");
                let numbers = printed_numbers(&printed);
                let number = |group: Option<&str>, id: &str| {
                    numbers
                        .get(&(group.map(String::from), id.to_string()))
                        .cloned()
                        .unwrap_or_else(|| panic!("{id} of {group:?} is printed"))
                };
                let group_by = by.map(|b| GroupBy::parse(b).expect("a dimension"));
                let computed = warehouse::compute(
                    &mut client as &mut dyn Database,
                    &ids,
                    &period,
                    group_by.as_ref(),
                    &config,
                    &Relations::named(),
                )
                .unwrap_or_else(|e| panic!("pushdown of {period_text} at {as_of}: {e:#}"));
                let context = format!("{db} {period_text} as of {as_of} by {by:?}");
                for id in &ids {
                    assert_eq!(
                        json(computed.total.get(id).copied().flatten()).to_string(),
                        number(None, id),
                        "{id} total, {context}"
                    );
                    compared += 1;
                }
                if by.is_some() {
                    let groups = computed.groups.as_deref().unwrap_or_default();
                    let labels: Vec<&str> = groups.iter().map(|(l, _)| l.as_str()).collect();
                    let expected_labels: Vec<&str> = expected["groups"]
                        .as_object()
                        .map(|m| m.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let mut sorted = labels.clone();
                    sorted.sort_unstable();
                    assert_eq!(sorted, expected_labels, "groups, {context}");
                    for (label, values) in groups {
                        for id in &ids {
                            assert_eq!(
                                json(values.get(id).copied().flatten()).to_string(),
                                number(Some(label), id),
                                "{id} in {label}, {context}"
                            );
                            compared += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(compared > 1000, "{compared} values compared");
}

/// A small demo data set as a project (no postsale.yaml: the defaults).
fn demo_project(dir: &Path) -> PathBuf {
    let project = dir.join("demo");
    postsale(&[
        "demo",
        "--accounts",
        "60",
        "--months",
        "30",
        "--seed",
        "7",
        "--out",
        &project.join("data").to_string_lossy(),
    ]);
    project
}

/// A database `db` with the tables of `data` in its public schema.
fn load(cluster: &Cluster, db: &str, data: &Path) {
    cluster.create_db(db);
    cluster.load_csv(db, "public", data);
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn pushdown_equals_the_in_process_engine_on_the_example_and_a_demo_set() {
    let cluster = Cluster::start();
    load(&cluster, "example", &example().join("data"));
    compare(
        &cluster,
        "example",
        &example(),
        &["2026-11-01", "2026-07-15", "2025-12-31"],
        &["2026-10", "2026-06", "2026-Q3", "2025-Q4", "2025", "ttm"],
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let demo = demo_project(dir.path());
    load(&cluster, "demo", &demo.join("data"));
    compare(
        &cluster,
        "demo",
        &demo,
        &["2026-11-01", "2026-04-03", "2025-09-30"],
        &["2026-03", "2026-Q1", "2025", "ttm"],
    );
}

#[test]
fn pushdown_follows_the_conventions_it_supports() {
    // A reactivation window, starts-and-churns ignored and aggregate retention at once, and
    // the baremetrics profile: both change the example's numbers, and pushdown follows.
    let cluster = Cluster::start();
    load(&cluster, "example", &example().join("data"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = std::fs::read_to_string(example().join("postsale.yaml")).expect("the config");
    for (name, conventions) in [
        (
            "settings",
            "conventions:\n  reactivation_window_months: 2\n  same_period_start_and_churn: ignored\n  retention: aggregate\n",
        ),
        ("baremetrics", "conventions:\n  profile: baremetrics\n"),
    ] {
        let project = dir.path().join(name);
        std::fs::create_dir_all(&project).expect("a project folder");
        std::os::unix::fs::symlink(example().join("data"), project.join("data"))
            .expect("link the data");
        std::fs::write(
            project.join("postsale.yaml"),
            format!("{config}\n{conventions}"),
        )
        .expect("write the config");
        compare(
            &cluster,
            "example",
            &project,
            &["2026-11-01", "2026-02-10"],
            &["2026-10", "2025-Q4", "2026-Q2", "ttm"],
        );
    }
}

#[test]
fn cohort_retention_in_sql_equals_the_engines_triangle() {
    use postsale::metrics::cohorts::{CohortGrain, triangle};
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let demo = demo_project(dir.path());
    for (db, project) in [("example", example()), ("demo", demo)] {
        load(&cluster, db, &project.join("data"));
        let config: Config = postsale::config::load(&project).expect("the config loads");
        let loaded = postsale::data::load::load(
            &project.join("data"),
            &postsale::data::load::LoadOptions::default(),
        )
        .expect("the data loads");
        let mrr = loaded.dataset.mrr.as_ref().expect("an mrr table");
        let mut client =
            postsale::data::postgres::Client::connect(&cluster.url("postsale", db, ""))
                .expect("connects to the cluster");
        let mut checked = 0;
        for month in ["2026-10", "2026-03", "2025-06"] {
            let period =
                Period::parse(month, 1, "2026-11-01".parse().expect("a date")).expect("a period");
            let last = period.months().1;
            for grain in [CohortGrain::Month, CohortGrain::Quarter] {
                let sql = warehouse::cohort_triangle(
                    &mut client,
                    &period,
                    grain,
                    &config,
                    &Relations::named(),
                )
                .expect("the cohort query runs");
                let engine = triangle(mrr, postsale::metrics::Scope::All, grain, last);
                assert_eq!(sql, engine, "{db} {month} {grain:?}");
                checked += engine.len();
            }
        }
        assert!(checked > 20, "{checked} cohorts compared in {db}");
    }
}

/// Whether two numbers agree to 12 significant digits (psql prints NUMERIC division to 20
/// digits and DOUBLE PRECISION to 15; the engine prints the nearest f64).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_printed_sql_runs_in_psql_and_gives_the_engines_numbers() {
    let cluster = Cluster::start();
    load(&cluster, "example", &example().join("data"));
    let project = example().to_string_lossy().to_string();
    let ids = metrics_of(&example());
    for (period, by) in [
        ("2026-Q3", None),
        ("ttm", Some("segment")),
        ("2026-10", Some("acv_band")),
    ] {
        let mut args = vec!["sql"];
        args.extend(ids.iter().copied());
        args.extend(["--period", period, "--project", &project]);
        let mut metrics_args = vec!["metrics"];
        metrics_args.extend(ids.iter().copied());
        metrics_args.extend([
            "--period",
            period,
            "--format",
            "json",
            "--project",
            &project,
        ]);
        if let Some(by) = by {
            args.extend(["--by", by]);
            metrics_args.extend(["--by", by]);
        }
        let sql = postsale(&args);
        assert!(sql.starts_with("-- postsale"), "{sql}");
        assert!(
            sql.contains("-- nrr (Net revenue retention): Σ end_a / Σ start_a"),
            "{sql}"
        );
        let expected: serde_json::Value =
            serde_json::from_str(&postsale(&metrics_args)).expect("metrics prints JSON");
        // The statements as psql runs them from a file, one result each.
        let mut checked = 0;
        for statement in sql.split(";\n").filter(|s| s.contains("SELECT")) {
            let table = psql_table(&cluster, "example", statement);
            for row in &table.rows {
                let cell = |name: &str| {
                    table
                        .columns
                        .iter()
                        .position(|c| c == name)
                        .and_then(|i| row[i].clone())
                };
                let values = match by {
                    Some(_) => {
                        let label = cell("group_label").expect("a group label");
                        expected["groups"][label].clone()
                    }
                    None => expected["metrics"].clone(),
                };
                for id in &ids {
                    let Some(column) = table.columns.iter().position(|c| c == id) else {
                        continue;
                    };
                    let engine = values[id].as_f64();
                    let sql_value = row[column].as_deref().map(|t| {
                        t.parse::<f64>()
                            .unwrap_or_else(|_| panic!("{id}: '{t}' is not a number"))
                    });
                    match (engine, sql_value) {
                        (Some(a), Some(b)) => {
                            assert!(close(a, b), "{id} {period} {by:?}: {a} vs {b}")
                        }
                        (a, b) => assert_eq!(a, b, "{id} {period} {by:?}"),
                    }
                    checked += 1;
                }
            }
        }
        assert!(
            checked >= ids.len(),
            "{checked} values checked for {period}"
        );
    }
}

#[test]
fn a_convention_pushdown_cannot_reproduce_is_refused_by_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["sql", "nrr", "--profile", "chartmogul", "--project"])
        .arg(example())
        .output()
        .expect("runs postsale");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("churn_recognition: term_end"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["sql", "ltv", "--project"])
        .arg(example())
        .output()
        .expect("runs postsale");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pushdown does not compute ltv"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn engine_warehouse_prints_what_the_in_process_engine_prints() {
    let cluster = Cluster::start();
    load(&cluster, "example", &example().join("data"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    // The example's configuration, its tables read from the database by pushdown.
    let config = std::fs::read_to_string(example().join("postsale.yaml")).expect("the config");
    let warehouse = dir.path().join("warehouse");
    std::fs::create_dir_all(&warehouse).expect("a project folder");
    std::fs::write(
        warehouse.join("postsale.yaml"),
        format!(
            "{config}\nengine: warehouse\ndatabase:\n  url_env: PUSHDOWN_TEST_URL\n  tables:\n    \
             accounts: public.accounts\n    mrr: select * from mrr\n    renewals: renewals\n    \
             health: health\n"
        ),
    )
    .expect("write the config");
    let url = cluster.url("postsale", "example", "");
    let ids = metrics_of(&example());
    for (period, by, format) in [
        ("2026-Q3", None, "json"),
        ("ttm", Some("segment"), "json"),
        ("2026-10", Some("acv_band"), "csv"),
        ("2026-10", None, "table"),
    ] {
        let run_on = |project: &Path| {
            let mut command = Command::new(env!("CARGO_BIN_EXE_postsale"));
            command
                .arg("metrics")
                .args(&ids)
                .args(["--period", period, "--format", format, "--project"])
                .arg(project)
                .env("PUSHDOWN_TEST_URL", &url);
            if let Some(by) = by {
                command.args(["--by", by]);
            }
            run(&mut command)
        };
        assert_eq!(
            run_on(&warehouse),
            run_on(&example()),
            "{period} by {by:?} as {format}"
        );
    }
    // A metric pushdown does not compute is an error naming it.
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["metrics", "nps", "--project"])
        .arg(&warehouse)
        .env("PUSHDOWN_TEST_URL", &url)
        .output()
        .expect("runs postsale");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pushdown does not compute nps"), "{err}");
}
