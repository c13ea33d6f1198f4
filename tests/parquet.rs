//! Parquet tables: the example project built from `demo --format parquet` gives the same metrics
//! and the same site, byte for byte, as from CSV (only the inputs' names and fingerprint, which
//! record the files read, differ); bad Parquet rows are named by row and key; a table given
//! both as CSV and as Parquet is an error naming both.

#[path = "common/tree.rs"]
mod tree;

use std::path::Path;
use std::process::{Command, Output};

fn postsale(args: &[&str], project: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(args)
        .arg("--project")
        .arg(project)
        .output()
        .expect("postsale runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The example project (config, reports, alert rules) with demo data in `format`.
fn project(dir: &Path, format: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir).expect("mkdir");
    for file in ["postsale.yaml", "alerts.yaml"] {
        std::fs::copy(root.join(file), dir.join(file)).expect("copy");
    }
    tree::copy_dir(&root.join("reports"), &dir.join("reports"));
    let out = Command::new(env!("CARGO_BIN_EXE_postsale"))
        .args(["demo", "--format", format, "--out"])
        .arg(dir.join("data"))
        .output()
        .expect("postsale runs");
    ok(&out);
}

#[test]
fn the_example_builds_the_same_site_from_csv_and_from_parquet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (csv, parquet) = (tmp.path().join("csv"), tmp.path().join("parquet"));
    project(&csv, "csv");
    project(&parquet, "parquet");
    assert!(parquet.join("data/mrr.parquet").exists());
    assert!(!parquet.join("data/mrr.csv").exists());

    let metrics = ["metrics", "--format", "json"];
    let from_csv = ok(&postsale(&metrics, &csv));
    assert_eq!(from_csv, ok(&postsale(&metrics, &parquet)));
    let check = ok(&postsale(&["check"], &parquet));
    assert!(check.contains("17 tables (38768 rows)"), "{check}");

    for project in [&csv, &parquet] {
        ok(&postsale(&["build", "--no-pdf", "--out", "site"], project));
    }
    let (a, b) = (
        tree::site_files(&csv.join("site")),
        tree::site_files(&parquet.join("site")),
    );
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the CSV and the Parquet build"
        );
    }
}

#[test]
fn parquet_rows_are_named_by_number_and_key_and_both_formats_at_once_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    project(dir, "parquet");
    // A CSV beside the Parquet file of the same table.
    std::fs::write(
        dir.join("data/mrr.csv"),
        "account_id,month,mrr\nACC00001,2026-01,10\n",
    )
    .expect("write");
    let out = postsale(&["check"], dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("data/mrr.parquet: error: two files for the mrr table (found ")
            && err.contains("data/mrr.csv and ")
            && err.contains("help: remove or rename the one that is not current"),
        "{err}"
    );
    std::fs::remove_file(dir.join("data/mrr.csv")).expect("rm");

    // Bad rows, in a file of text columns as another tool may write it.
    write_mrr(
        &dir.join("data/mrr.parquet"),
        &[
            ["ACC00001", "2026-01", "10.00"],
            ["ACC00001", "2026-13", "5"],
            ["NOPE", "2026-02", "5"],
            ["ACC00001", "2026-01", "12.00"],
        ],
    );
    let out = postsale(&["check"], dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("data/mrr.parquet row 2 (account_id=ACC00001): error: bad month in column 'month' (found '2026-13', expected a month like 2026-01)"),
        "{err}"
    );
    assert!(
        err.contains("data/mrr.parquet row 3: error: unknown account in column 'account_id' (found 'NOPE', expected an id listed in accounts.parquet)"),
        "{err}"
    );
    assert!(
        err.contains("data/mrr.parquet row 4: error: duplicate month for an account (found 'ACC00001, 2026-01' again, expected one row per account and month; first in row 1)"),
        "{err}"
    );
}

/// Writes an mrr table of three text columns, required (no nulls).
fn write_mrr(path: &Path, rows: &[[&str; 3]]) {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let schema = parquet::schema::parser::parse_message_type(
        "message mrr { REQUIRED BYTE_ARRAY account_id (UTF8); REQUIRED BYTE_ARRAY month (UTF8); REQUIRED BYTE_ARRAY mrr (UTF8); }",
    )
    .expect("schema");
    let file = std::fs::File::create(path).expect("create");
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema), props).expect("writer");
    let mut group = writer.next_row_group().expect("group");
    for i in 0..rows[0].len() {
        let mut column = group.next_column().expect("column").expect("three columns");
        let values: Vec<ByteArray> = rows.iter().map(|r| ByteArray::from(r[i])).collect();
        column
            .typed::<ByteArrayType>()
            .write_batch(&values, None, None)
            .expect("write");
        column.close().expect("close");
    }
    group.close().expect("close");
    writer.close().expect("close");
}
