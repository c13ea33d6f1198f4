//! The README's metrics reference is generated from the catalog and checked here, so the docs
//! cannot drift from the code. After changing the catalog, run
//! `POSTSALE_BLESS=1 cargo test --test readme` and review the README diff.

use postsale::metrics::catalog::{Band, CATALOG, MetricDef};
use std::path::Path;

const START: &str =
    "<!-- metrics-reference:start (generated from src/metrics/catalog.rs by tests/readme.rs) -->";
const END: &str = "<!-- metrics-reference:end -->";

fn bound(v: f64) -> String {
    format!("{v}")
}

fn band_text(b: &Band) -> String {
    let range = match (b.min, b.max) {
        (Some(lo), Some(hi)) => format!("{}–{}", bound(lo), bound(hi)),
        (Some(lo), None) => format!("≥ {}", bound(lo)),
        (None, Some(hi)) => format!("< {}", bound(hi)),
        (None, None) => "any".into(),
    };
    format!("{} {range}", b.label)
}

fn row(m: &MetricDef) -> String {
    let bands = if m.bands.is_empty() {
        "—".to_string()
    } else {
        m.bands.iter().map(band_text).collect::<Vec<_>>().join("; ")
    };
    format!(
        "| `{}` | {} | {} | {} | {} | {} | {} |",
        m.id,
        m.name,
        m.unit.name(),
        m.direction.name(),
        m.formula.replace('|', "\\|"),
        bands,
        m.tables
            .iter()
            .map(|t| format!("{t}.csv"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn reference() -> String {
    let mut text = String::new();
    let mut section = None;
    for m in CATALOG {
        if section != Some(m.section) {
            section = Some(m.section);
            text.push_str(&format!("\n#### {}\n\n", m.section.name()));
            text.push_str(
                "| id | name | unit | direction | definition | benchmark bands | tables |\n",
            );
            text.push_str("|---|---|---|---|---|---|---|\n");
        }
        text.push_str(&row(m));
        text.push('\n');
    }
    text
}

#[test]
fn readme_metrics_reference_matches_the_catalog() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md is readable");
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the metrics-reference markers");
    };
    let current = &readme[start + START.len()..end];
    let expected = format!("\n{}\n", reference().trim());
    if current != expected {
        if std::env::var_os("POSTSALE_BLESS").is_some() {
            let updated = format!("{}{START}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, updated).expect("README.md is writable");
        } else {
            panic!(
                "the README's metrics reference is out of date with the catalog: \
                 run `POSTSALE_BLESS=1 cargo test --test readme` and review the diff"
            );
        }
    }
}

#[test]
fn readme_gives_the_two_setup_commands_that_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(
        readme.contains("cargo test --locked"),
        "README names the test command"
    );
    assert!(
        ci.contains("\ncargo test --locked\n"),
        ".ci/run runs the README's test command"
    );
}
