//! A throwaway PostgreSQL cluster for tests (include with `#[path = "common/pg.rs"] mod pg;`):
//! `initdb` into a temporary folder, `pg_ctl start` on a free 127.0.0.1 port with TLS on (a
//! certificate of a test authority made with `openssl`), stopped and removed on drop. Password
//! authentication is SCRAM-SHA-256 for the superuser `postsale` (password `PASSWORD`); besides,
//! user `md5user` signs in with MD5, `plainuser` with a cleartext password and `trustuser`
//! without one (all with password `PASSWORD`, superusers), so every method is tested. When the
//! tests run as root (CI), the server runs as the `postgres` user (`runuser`), which Debian's
//! package creates. PostgreSQL missing fails the test: scripts/test.sh installs it.
//!
//! `load_csv` creates a project's tables with the SQL type of each column and fills them with
//! psql's `\copy`: the script of `postsale sql --load`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The superuser's password (and every test user's).
pub const PASSWORD: &str = "s3cret pass:word@!";

/// A running cluster; stopped on drop.
pub struct Cluster {
    pub port: u16,
    /// The certificate of the authority that signed the server's (for sslrootcert).
    pub ca: PathBuf,
    bin: PathBuf,
    data: PathBuf,
    root: bool,
    dir: tempfile::TempDir,
}

/// The folder of PostgreSQL's server programs: the newest `/usr/lib/postgresql/*/bin` with
/// `initdb`, else `pg_config --bindir`.
fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    if let Some((_, bin)) = found.pop() {
        return bin;
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if bin.join("initdb").exists() {
            return bin;
        }
    }
    panic!(
        "PostgreSQL's server programs (initdb, pg_ctl) are missing: these tests need them; \
         install Debian's postgresql package (scripts/test.sh does)"
    );
}

fn ok(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Cluster {
    /// Creates and starts a cluster.
    pub fn start() -> Cluster {
        let bin = bin_dir();
        let root = is_root();
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, format!("{PASSWORD}\n")).expect("write");
        let ca = make_certificates(dir.path());
        if root {
            ok(
                "chown",
                Command::new("chown")
                    .args(["-R", "postgres:"])
                    .arg(dir.path())
                    .output(),
            );
        }
        let cluster = Cluster {
            port: free_port(),
            ca,
            bin,
            data,
            root,
            dir,
        };
        let data = cluster.data.clone();
        cluster.server(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                "postsale".as_ref(),
                "--pwfile".as_ref(),
                pwfile.as_os_str(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--auth-local=trust".as_ref(),
                "--auth-host=scram-sha-256".as_ref(),
            ],
        );
        let dir = cluster.dir.path().to_path_buf();
        let conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n\
             password_encryption = 'scram-sha-256'\nssl = on\nssl_cert_file = '{}'\n\
             ssl_key_file = '{}'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
            cluster.port,
            dir.display(),
            dir.join("server.crt").display(),
            dir.join("server.key").display(),
        );
        append(&data.join("postgresql.conf"), &conf);
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             host all md5user 127.0.0.1/32 md5\n\
             host all plainuser 127.0.0.1/32 password\n\
             host all trustuser 127.0.0.1/32 trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        )
        .expect("write pg_hba.conf");
        if cluster.root {
            ok(
                "chown",
                Command::new("chown")
                    .args(["postgres:"])
                    .arg(data.join("pg_hba.conf"))
                    .output(),
            );
        }
        let log = dir.join("server.log");
        let start = cluster.server_output(
            "pg_ctl",
            &[
                "start".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
            ],
        );
        if !start.status.success() {
            panic!(
                "pg_ctl start failed: {}{}\n{}",
                String::from_utf8_lossy(&start.stdout),
                String::from_utf8_lossy(&start.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        // The other users, with their passwords hashed for their method.
        cluster.psql(
            "postgres",
            &format!(
                "set password_encryption = 'md5'; create role md5user login superuser password '{PASSWORD}';\n\
                 set password_encryption = 'scram-sha-256';\n\
                 create role plainuser login superuser password '{PASSWORD}';\n\
                 create role trustuser login superuser;"
            ),
        );
        cluster
    }

    /// The connection string for `user` (with the password) to `db`, with `params` (such as
    /// `sslmode=disable`) after `?`.
    pub fn url(&self, user: &str, db: &str, params: &str) -> String {
        let password = PASSWORD
            .replace('%', "%25")
            .replace(' ', "%20")
            .replace(':', "%3A")
            .replace('@', "%40");
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{params}")
        };
        format!(
            "postgres://{user}:{password}@127.0.0.1:{}/{db}{query}",
            self.port
        )
    }

    /// The folder of the server's Unix socket (`host=` of a connection string).
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `sql` with psql as the superuser over TCP (SCRAM); panics with psql's message on
    /// failure. Returns the output (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = ok(
            "psql",
            Command::new("psql")
                .args([
                    "-X",
                    "-q",
                    "-A",
                    "-t",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-h",
                    "127.0.0.1",
                ])
                .arg("-p")
                .arg(self.port.to_string())
                .args(["-U", "postsale", "-d", db, "-c", sql])
                .env("PGPASSWORD", PASSWORD)
                .env("PGSSLMODE", "disable")
                .output(),
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates database `db`.
    pub fn create_db(&self, db: &str) {
        self.psql("postgres", &format!("create database \"{db}\""));
    }

    /// Creates, in `db` (schema `schema`), a table for each `<table>.csv` of `data` and copies
    /// the file in, by the script of `postsale sql --load`.
    pub fn load_csv(&self, db: &str, schema: &str, data: &Path) {
        let script = postsale::pushdown::load::script(data, schema).expect("the load script");
        self.psql_script(db, &script);
    }

    /// Runs a psql script (psql meta-commands allowed), as `psql`.
    pub fn psql_script(&self, db: &str, script: &str) {
        let path = self.dir.path().join("script.sql");
        std::fs::write(&path, script).expect("write the script");
        ok(
            "psql -f",
            Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
                .arg("-p")
                .arg(self.port.to_string())
                .args(["-U", "postsale", "-d", db, "-f"])
                .arg(&path)
                .env("PGPASSWORD", PASSWORD)
                .env("PGSSLMODE", "disable")
                .output(),
        );
    }

    /// Runs one of the server's programs (as `postgres` when root).
    fn server(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let out = self.server_output(program, args);
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn server_output(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let path = self.bin.join(program);
        let mut command = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        command
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.clone();
        let _ = self.server_output(
            "pg_ctl",
            &[
                "stop".as_ref(),
                "-w".as_ref(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "-D".as_ref(),
                data.as_os_str(),
            ],
        );
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("open to append");
    f.write_all(text.as_bytes()).expect("append");
}

/// A test authority (`ca.crt`) and the server's key and certificate for 127.0.0.1 and
/// localhost, signed by it, in `dir`. Returns the authority's certificate.
fn make_certificates(dir: &Path) -> PathBuf {
    let run = |args: &[&str]| {
        ok(
            "openssl",
            Command::new("openssl").args(args).current_dir(dir).output(),
        )
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=postsale test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .expect("write");
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "san.ext",
        "-out",
        "server.crt",
    ]);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    dir.join("ca.crt")
}
