//! PostgreSQL against a real server (a throwaway cluster, `common/pg.rs`): the client signs in
//! with every password method and over TLS as `sslmode` asks, reads typed results as text and
//! reports server errors clearly.

#[path = "common/pg.rs"]
mod pg;

use postsale::data::postgres::Client;

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
