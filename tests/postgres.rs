//! PostgreSQL against a real server (a throwaway cluster, `common/pg.rs`): the client signs in
//! with every password method and over TLS as `sslmode` asks, reads typed results as text and
//! reports server errors clearly; the example project and a demo set read from the database
//! (tables by name, schema-qualified and quoted, and by query; one table left as CSV) give the
//! same `metrics --format json` and the same site, byte for byte, as from CSV (only the inputs'
//! names and fingerprint, which record the files read, differ); bad rows are named
//! `postgres:<table> row N (key=...)`; a missing variable, a wrong password and a table given
//! twice are clear errors.

#[path = "common/tree.rs"]
mod tree;

#[path = "common/pg.rs"]
mod pg;

use postsale::data::postgres::Client;
use std::path::Path;
use std::process::{Command, Output};

/// The client's checks share one cluster (a static one would never be stopped).
#[test]
fn the_client_against_a_real_server() {
    let c = pg::Cluster::start();
    signs_in_with_scram_md5_a_cleartext_password_and_trust(&c);
    a_wrong_password_is_refused_by_the_server_without_echoing_it(&c);
    tls_is_used_as_sslmode_asks_and_verify_full_checks_the_certificate(&c);
    typed_columns_come_back_as_text_and_errors_are_clear(&c);
}

fn signs_in_with_scram_md5_a_cleartext_password_and_trust(c: &pg::Cluster) {
    for user in ["postsale", "md5user", "plainuser", "trustuser"] {
        let mut client = Client::connect(&c.url(user, "postgres", "sslmode=disable"))
            .unwrap_or_else(|e| panic!("{user}: {e}"));
        let rows = client.query("select current_user").expect("query");
        assert_eq!(rows.rows, [[Some(user.to_string())]]);
    }
    // The methods are the ones the passwords were stored for.
    // Over the Unix socket (trust there, as pg_hba.conf says; never TLS).
    let socket = format!(
        "postgres://postsale@/postgres?host={}&port={}&sslmode=require",
        c.socket_dir().display(),
        c.port
    );
    let mut client = Client::connect(&socket).unwrap_or_else(|e| panic!("socket: {e}"));
    assert!(!client.is_tls());
    let rows = client
        .query("select coalesce(inet_client_addr()::text, 'local')")
        .expect("query");
    assert_eq!(rows.rows, [[Some("local".to_string())]]);
    let methods = c.psql(
        "postgres",
        "select rolname, left(rolpassword, 3) from pg_authid where rolname in ('postsale', 'md5user') order by 1",
    );
    assert_eq!(methods, "md5user|md5\npostsale|SCR\n");
}

fn a_wrong_password_is_refused_by_the_server_without_echoing_it(c: &pg::Cluster) {
    for user in ["postsale", "md5user", "plainuser"] {
        let url = c
            .url(user, "postgres", "sslmode=disable")
            .replace("s3cret", "wrong");
        let e = Client::connect(&url).expect_err("refused");
        assert_eq!(
            e.to_string(),
            format!(
                "the server said: FATAL 28P01: password authentication failed for user \"{user}\""
            )
        );
        assert_eq!(e.code.as_deref(), Some("28P01"));
    }
    let no_password = format!("postgres://postsale@127.0.0.1:{}/postgres", c.port);
    let e = Client::connect(&no_password).expect_err("no password");
    assert_eq!(
        e.to_string(),
        "authentication failed: the server asks a password for user \"postsale\" and the connection string has none"
    );
}

fn tls_is_used_as_sslmode_asks_and_verify_full_checks_the_certificate(c: &pg::Cluster) {
    let ssl = "select ssl::text from pg_stat_ssl where pid = pg_backend_pid()";
    let ca = c.ca.display().to_string();
    for (params, tls) in [
        ("sslmode=disable".to_string(), false),
        (String::new(), true),
        ("sslmode=prefer".to_string(), true),
        ("sslmode=require".to_string(), true),
        (format!("sslmode=verify-ca&sslrootcert={ca}"), true),
        (format!("sslmode=verify-full&sslrootcert={ca}"), true),
    ] {
        let mut client = Client::connect(&c.url("postsale", "postgres", &params))
            .unwrap_or_else(|e| panic!("{params}: {e}"));
        assert_eq!(client.is_tls(), tls, "{params}");
        let rows = client.query(ssl).expect("query");
        assert_eq!(rows.rows, [[Some(tls.to_string())]], "{params}");
    }
    // The server's certificate is not signed by a public authority.
    let e = Client::connect(&c.url("postsale", "postgres", "sslmode=verify-full"))
        .expect_err("untrusted");
    assert!(
        e.to_string().starts_with(&format!(
            "TLS: handshake with 127.0.0.1:{} failed: invalid peer certificate: UnknownIssuer",
            c.port
        )),
        "{e}"
    );
}

fn typed_columns_come_back_as_text_and_errors_are_clear(c: &pg::Cluster) {
    let mut client = Client::connect(&c.url("postsale", "postgres", "")).expect("connect");
    let rows = client
        .query(
            "select 1200::numeric(18,2) as mrr, date '2026-01-31' as d, true as b, \
             timestamptz '2026-01-05 10:30:00+01' as at, null::text as n, 'Zoë, \"Q\"' as name",
        )
        .expect("query");
    assert_eq!(rows.columns, ["mrr", "d", "b", "at", "n", "name"]);
    assert_eq!(
        rows.rows,
        [[
            Some("1200.00".to_string()),
            Some("2026-01-31".to_string()),
            Some("t".to_string()),
            Some("2026-01-05 09:30:00+00".to_string()),
            None,
            Some("Zoë, \"Q\"".to_string()),
        ]]
    );
    let e = client.query("select * from nope").expect_err("no table");
    assert_eq!(
        e.to_string(),
        "the server said: ERROR 42P01: relation \"nope\" does not exist"
    );
    // The connection stays usable after an error.
    let rows = client
        .query("select generate_series(1, 3)::text")
        .expect("query");
    assert_eq!(rows.rows.len(), 3);
}

const VAR: &str = "POSTSALE_TEST_DATABASE_URL";

/// `postsale ARGS --project PROJECT` with the database URL in VAR (when given).
fn postsale(args: &[&str], project: &Path, url: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_postsale"));
    command.args(args).arg("--project").arg(project);
    command.env_remove(VAR);
    if let Some(url) = url {
        command.env(VAR, url);
    }
    command.output().expect("postsale runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A project in `dir` with demo data (`demo` arguments `demo`); with the example's config,
/// reports and alert rules when `example`.
fn project(dir: &Path, example: bool, demo: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir).expect("mkdir");
    if example {
        for file in ["postsale.yaml", "alerts.yaml"] {
            std::fs::copy(root.join(file), dir.join(file)).expect("copy");
        }
        tree::copy_dir(&root.join("reports"), &dir.join("reports"));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .arg("demo")
        .args(demo)
        .arg("--out")
        .arg(dir.join("data"))
        .output()
        .expect("postsale runs");
    ok(&out);
}

/// Copies the CSV project `csv` to `to`, loads its data into database `db` of `c` and moves
/// every table but csms there: accounts as `crm."Accounts"`, mrr read by a query on
/// `finance.mrr_monthly`, the rest by name; their CSV files are removed. Returns the URL.
fn database_project(c: &pg::Cluster, csv: &Path, to: &Path, db: &str) -> String {
    tree::copy_dir(csv, to);
    c.create_db(db);
    c.load_csv(db, "public", &to.join("data"));
    c.psql(
        db,
        "create schema crm; create schema finance; \
         alter table public.accounts set schema crm; alter table crm.accounts rename to \"Accounts\"; \
         alter table public.mrr set schema finance; alter table finance.mrr rename to mrr_monthly",
    );
    let mut section = format!("\ndatabase:\n  url_env: {VAR}\n  tables:\n");
    for table in postsale::data::schema::TABLES {
        let file = to.join("data").join(format!("{table}.csv"));
        if *table == "csms" || !file.exists() {
            continue;
        }
        std::fs::remove_file(&file).expect("rm");
        let source = match *table {
            "accounts" => "'crm.\"Accounts\"'".to_string(),
            "mrr" => "select account_id, month, mrr from finance.mrr_monthly".to_string(),
            t => t.to_string(),
        };
        section.push_str(&format!("    {table}: {source}\n"));
    }
    let config = to.join("postsale.yaml");
    let text = std::fs::read_to_string(&config).unwrap_or_default();
    std::fs::write(&config, text + &section).expect("write the config");
    c.url("postsale", db, "sslmode=require")
}

#[test]
fn the_example_and_a_demo_set_give_the_same_numbers_and_site_from_postgres_as_from_csv() {
    let c = pg::Cluster::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let (csv, db) = (tmp.path().join("csv"), tmp.path().join("db"));
    project(&csv, true, &[]);
    let url = database_project(&c, &csv, &db, "example");
    assert!(!db.join("data/mrr.csv").exists() && db.join("data/csms.csv").exists());

    let metrics = ["metrics", "--format", "json"];
    let from_csv = ok(&postsale(&metrics, &csv, None));
    assert_eq!(from_csv, ok(&postsale(&metrics, &db, Some(&url))));
    let check = ok(&postsale(&["check"], &db, Some(&url)));
    assert!(check.contains("17 tables (38768 rows)"), "{check}");

    ok(&postsale(
        &["build", "--no-pdf", "--out", "site"],
        &csv,
        None,
    ));
    ok(&postsale(
        &["build", "--no-pdf", "--out", "site"],
        &db,
        Some(&url),
    ));
    let (a, b) = (
        tree::site_files(&csv.join("site")),
        tree::site_files(&db.join("site")),
    );
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the CSV and the PostgreSQL build"
        );
    }

    // A demo set of another size, with the default config.
    let (csv, db) = (tmp.path().join("csv2"), tmp.path().join("db2"));
    project(
        &csv,
        false,
        &["--accounts", "120", "--months", "30", "--seed", "7"],
    );
    let url = database_project(&c, &csv, &db, "demo");
    let period = ["metrics", "--format", "json", "--period", "ttm"];
    assert_eq!(
        ok(&postsale(&period, &csv, None)),
        ok(&postsale(&period, &db, Some(&url)))
    );
}

#[test]
fn bad_rows_are_named_by_row_and_key_and_setup_errors_are_clear() {
    let c = pg::Cluster::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    std::fs::write(
        dir.join("data/accounts.csv"),
        "account_id,name\nACC1,Acme\nACC2,Globex\n",
    )
    .expect("write");
    c.create_db("bad");
    c.psql(
        "bad",
        "create table mrr (account_id text, month date, mrr numeric(18,2)); \
         insert into mrr values ('ACC1', '2026-01-01', 100), ('ACC1', '2026-02-14', 100), \
         ('NOPE', '2026-02-01', 5), ('ACC2', '2026-01-01', null), ('ACC1', '2026-01-01', 7); \
         create table renewals (renewal_id text, account_id text, due_on text, arr numeric, stage text, at_risk boolean); \
         insert into renewals values ('R1', 'ACC1', '2026-02-30', 1000, 'negotiation', true), \
         ('R2', 'ACC2', '2026-03-31', 1000, 'won', false)",
    );
    std::fs::write(
        dir.join("postsale.yaml"),
        format!("database:\n  url_env: {VAR}\n  tables:\n    mrr: mrr\n    renewals: select * from renewals order by renewal_id\n"),
    )
    .expect("write");
    let url = c.url("postsale", "bad", "");
    let out = postsale(&["check"], dir, Some(&url));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "postgres:mrr row 2 (account_id=ACC1): error: bad month in column 'month' (found '2026-02-14', expected a month like 2026-01)",
        "postgres:mrr row 3: error: unknown account in column 'account_id' (found 'NOPE', expected an id listed in accounts.csv)",
        "postgres:mrr row 4 (account_id=ACC2): error: missing value in column 'mrr'",
        "postgres:mrr row 5: error: duplicate month for an account (found 'ACC1, 2026-01' again, expected one row per account and month; first in row 1)",
        "postgres:renewals row 1 (renewal_id=R1): error: bad date in column 'due_on' (found '2026-02-30'",
    ] {
        assert!(err.contains(expected), "{expected}\nnot in:\n{err}");
    }

    // The variable unset.
    let out = postsale(&["check"], dir, None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("postsale.yaml:2:3: error: the environment variable {VAR} is not set (expected the connection string of the database, such as postgres://user:password@host:5432/dbname, for the tables of database.tables)")),
        "{err}"
    );
    // A wrong password: the server's words, never the password given.
    let wrong = url.replace("s3cret", "wrong");
    let out = postsale(&["check"], dir, Some(&wrong));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("postgres: error: cannot read the database given by {VAR}: the server said: FATAL 28P01: password authentication failed for user \"postsale\"")),
        "{err}"
    );
    assert!(!err.contains("wrong"), "{err}");
    // A query that fails names its table and the query.
    std::fs::write(
        dir.join("postsale.yaml"),
        format!("database:\n  url_env: {VAR}\n  tables:\n    mrr: finance.nope\n"),
    )
    .expect("write");
    let err = String::from_utf8_lossy(&postsale(&["check"], dir, Some(&url)).stderr).into_owned();
    assert!(
        err.contains("postgres:mrr: error: the query failed: the server said: ERROR 42P01: relation \"finance.nope\" does not exist")
            && err.contains("help: database.tables.mrr in postsale.yaml reads it with: select * from finance.nope"),
        "{err}"
    );
    // A table both in the database and in the data folder.
    std::fs::write(dir.join("data/mrr.csv"), "account_id,month,mrr\n").expect("write");
    let err = String::from_utf8_lossy(&postsale(&["check"], dir, Some(&url)).stderr).into_owned();
    assert!(
        err.contains("postgres:mrr: error: two sources for the mrr table (found ")
            && err.contains(
                "data/mrr.csv and postgres:mrr, database.tables.mrr in postsale.yaml; expected one)"
            ),
        "{err}"
    );

    // Every table from the database: no data folder at all.
    c.create_db("only");
    c.psql(
        "only",
        "create table accounts (account_id char(8), name text, segment text); \
         insert into accounts values ('ACC1', 'Acme', 'SMB'), ('ACC2', 'Globex', 'Enterprise'); \
         create table mrr (account_id text, month date, mrr numeric(18,2)); \
         insert into mrr values ('ACC1', '2026-01-01', 100), ('ACC1', '2026-02-01', 120.50), ('ACC2', '2026-02-01', 900)",
    );
    let only = tmp.path().join("only");
    std::fs::create_dir_all(&only).expect("mkdir");
    std::fs::write(
        only.join("postsale.yaml"),
        format!("as_of: 2026-03-01\ndatabase:\n  url_env: {VAR}\n  tables:\n    accounts: accounts\n    mrr: mrr\n"),
    )
    .expect("write");
    let url = c.url("postsale", "only", "");
    let check = ok(&postsale(&["check"], &only, Some(&url)));
    assert!(check.contains("2 tables (5 rows)"), "{check}");
    let json = ok(&postsale(
        &["metrics", "mrr", "--period", "2026-02", "--format", "json"],
        &only,
        Some(&url),
    ));
    assert!(json.contains("\"mrr\": 1020.5"), "{json}");
    ok(&postsale(
        &["build", "--no-pdf", "--out", "site"],
        &only,
        Some(&url),
    ));
    let quality = std::fs::read_to_string(only.join("site/data-quality.html")).expect("built");
    assert!(
        quality.contains("Globex") || quality.contains("accounts"),
        "{quality}"
    );
    // The inputs' fingerprint counts the database's rows: a changed cell changes it.
    let inputs = |dir: &Path| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join("site/numbers.json")).expect("numbers.json");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        json["inputs"].clone()
    };
    let before = inputs(&only);
    assert_eq!(
        before["files"],
        serde_json::json!(["postsale.yaml", "postgres:accounts", "postgres:mrr"])
    );
    c.psql(
        "only",
        "update accounts set segment = 'Mid-Market' where account_id = 'ACC1'",
    );
    ok(&postsale(
        &["build", "--no-pdf", "--out", "site"],
        &only,
        Some(&url),
    ));
    assert_ne!(before["fingerprint"], inputs(&only)["fingerprint"]);
    // A reference to an account the database lacks names the table it is looked up in.
    c.psql("only", "insert into mrr values ('NOPE', '2026-02-01', 5)");
    let out = postsale(&["check"], &only, Some(&url));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres:mrr row 4: error: unknown account in column 'account_id' (found 'NOPE', expected an id listed in postgres:accounts)"),
        "{err}"
    );
}
