//! Pushdown on a real PostgreSQL server: the metrics computed as SQL (`postsale::pushdown`)
//! equal the in-process engine's `metrics --format json`, number for number as printed, metric
//! by metric and group by group, for months, quarters, years and ttm at three as-of dates, on
//! the example project and a small `postsale demo` set; and the SQL `postsale sql` prints runs
//! in psql and gives the same numbers. A throwaway cluster is started in a temporary folder on
//! a free local port; without PostgreSQL's binaries the test fails, naming what is missing.

use postsale::config::Config;
use postsale::period::Period;
use postsale::pushdown::warehouse::{self, Database, Table};
use postsale::pushdown::{self, GroupBy, Relations};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A throwaway PostgreSQL cluster (initdb + pg_ctl), stopped and removed when dropped.
struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    root: bool,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                versions
                    .filter_map(|v| v.ok().map(|v| v.path().join("bin")))
                    .filter(|b| b.join("initdb").exists())
                    .max()
            })
            .expect(
                "PostgreSQL's server binaries (/usr/lib/postgresql/*/bin/initdb): install the \
                 Debian package `postgresql` to run the pushdown tests",
            );
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        let dir = tempfile::tempdir().expect("a temporary folder");
        if root {
            run(Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path()));
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Cluster {
            dir,
            bin,
            port,
            root,
        };
        let data = cluster.dir.path().join("data");
        cluster.server(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "postgres",
            ],
        );
        let options = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {}",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("log");
        cluster.server(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        );
        cluster
    }

    /// Runs one of the server programs, as the postgres user when we are root.
    fn server(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        run(command.args(args));
    }

    fn psql(&self, db: &str) -> Command {
        let mut c = Command::new("psql");
        c.args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
        ])
        .arg("-p")
        .arg(self.port.to_string())
        .arg("-d")
        .arg(db);
        c
    }

    /// Creates database `db` with a typed table per CSV of `data` (the schema's types: a month
    /// as the date of its first day, money NUMERIC(18,2), flags BOOLEAN), copied in with \copy.
    fn load(&self, db: &str, data: &Path) {
        run(self
            .psql("postgres")
            .arg("-c")
            .arg(format!("create database {db}")));
        let mut script = String::new();
        for table in postsale::data::schema::SCHEMA {
            let file = data.join(format!("{}.csv", table.name));
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let header: Vec<&str> = text.lines().next().unwrap_or("").split(',').collect();
            let mut columns = Vec::new();
            let mut months = Vec::new();
            for name in &header {
                use postsale::data::schema::Type;
                let ty = table.column(name).map(|c| c.ty);
                let sql = match ty {
                    Some(Type::Month) => {
                        months.push(*name);
                        "text"
                    }
                    Some(Type::Date) => "date",
                    Some(Type::Money) => "numeric(18,2)",
                    Some(Type::Int { .. }) => "bigint",
                    Some(Type::Number { .. }) => "double precision",
                    Some(Type::Bool) => "boolean",
                    _ => "text",
                };
                columns.push(format!("\"{name}\" {sql}"));
            }
            script.push_str(&format!(
                "create table {} ({});\n\\copy {} from '{}' with (format csv, header true)\n",
                table.name,
                columns.join(", "),
                table.name,
                file.display()
            ));
            for m in months {
                script.push_str(&format!(
                    "alter table {0} alter column \"{m}\" type date using (\"{m}\" || '-01')::date;\n",
                    table.name
                ));
            }
        }
        let path = self.dir.path().join(format!("{db}.sql"));
        std::fs::write(&path, script).expect("write the load script");
        run(self.psql(db).arg("-f").arg(&path));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let path = self.bin.join("pg_ctl");
        let mut command = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let _ = command
            .args(["-D", &data.to_string_lossy(), "-m", "immediate", "stop"])
            .output();
    }
}

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
    let text = run(cluster
        .psql(db)
        .args(["-A", "-F", "\u{1f}", "-P", "footer=off", "-P"])
        .arg(format!("null={NULL}"))
        .arg("-c")
        .arg(sql));
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

/// The database as pushdown sees it, through psql.
struct Psql<'a> {
    cluster: &'a Cluster,
    db: &'a str,
}

impl Database for Psql<'_> {
    fn rows(&mut self, sql: &str) -> Result<Table, String> {
        Ok(psql_table(self.cluster, self.db, sql))
    }
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
                    &mut Psql { cluster, db },
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

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn pushdown_equals_the_in_process_engine_on_the_example_and_a_demo_set() {
    let cluster = Cluster::start();
    cluster.load("example", &example().join("data"));
    compare(
        &cluster,
        "example",
        &example(),
        &["2026-11-01", "2026-07-15", "2025-12-31"],
        &["2026-10", "2026-06", "2026-Q3", "2025-Q4", "2025", "ttm"],
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let demo = demo_project(dir.path());
    cluster.load("demo", &demo.join("data"));
    compare(
        &cluster,
        "demo",
        &demo,
        &["2026-11-01", "2026-04-03", "2025-09-30"],
        &["2026-03", "2026-Q1", "2025", "ttm"],
    );
}

/// Whether two numbers agree to 12 significant digits (psql prints NUMERIC division to 20
/// digits and DOUBLE PRECISION to 15; the engine prints the nearest f64).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn the_printed_sql_runs_in_psql_and_gives_the_engines_numbers() {
    let cluster = Cluster::start();
    cluster.load("example", &example().join("data"));
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
