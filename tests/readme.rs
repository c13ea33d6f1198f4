//! The README's metrics, component and data references are generated from the catalogs and the
//! data schema and checked here, so the docs cannot drift from the code. After changing a catalog, run
//! `POSTSALE_BLESS=1 cargo test --test readme` and review the README diff.

use postsale::data::schema::SCHEMA;
use postsale::metrics::catalog::{Band, CATALOG, MetricDef};
use postsale::report::component::{COMPONENTS, ChartType, DataSource, SHOWS, TableKind};
use std::path::Path;

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

fn code_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The component reference: calls, chart types, chart data sources, table kinds and columns.
fn components() -> String {
    let mut text = String::from(
        "\n#### Components\n\n| call | placement | arguments (required in bold) | what it renders |\n|---|---|---|---|\n",
    );
    for c in COMPONENTS {
        let args: Vec<String> = c
            .args
            .iter()
            .map(|a| {
                if c.required.contains(a) {
                    format!("**`{a}`**")
                } else {
                    format!("`{a}`")
                }
            })
            .collect();
        text.push_str(&format!(
            "| `{}()` | {} | {} | {} |\n",
            c.name,
            if c.inline {
                "inline, in a sentence"
            } else {
                "block, on its own line"
            },
            if args.is_empty() {
                "—".into()
            } else {
                args.join(", ")
            },
            c.summary.replace('|', "\\|")
        ));
    }
    text.push_str(&format!(
        "\n`value(show=...)`: {}.\n\n#### Chart types\n\n{}\n\n#### Chart data sources (`chart(data=...)`)\n\n| data | chart types | what it shows |\n|---|---|---|\n",
        code_list(SHOWS),
        code_list(&ChartType::ALL.iter().map(|t| t.name()).collect::<Vec<_>>())
    ));
    for data in DataSource::ALL {
        let kinds: Vec<&str> = data.types().iter().map(|t| t.name()).collect();
        text.push_str(&format!(
            "| `{}` | {} | {} |\n",
            data.name(),
            code_list(&kinds),
            data.summary()
        ));
    }
    text.push_str("\n#### Table kinds (`table(of=...)`)\n\n| of | columns (the default selection in bold) | what it lists |\n|---|---|---|\n");
    for kind in TableKind::ALL {
        let (name, columns, defaults, what) =
            (kind.name(), kind.columns(), kind.defaults(), kind.summary());
        let cols: Vec<String> = columns
            .iter()
            .map(|c| {
                if defaults.contains(c) {
                    format!("**`{c}`**")
                } else {
                    format!("`{c}`")
                }
            })
            .collect();
        text.push_str(&format!(
            "| `{name}` | {} | {what} |\n",
            if cols.is_empty() {
                "one column per metric".into()
            } else {
                cols.join(", ")
            }
        ));
    }
    text
}

/// Checks (or, with POSTSALE_BLESS, rewrites) the README block between the `name` markers.
fn check_block(name: &str, source: &str, content: &str) {
    let start_marker =
        format!("<!-- {name}:start (generated from {source} by tests/readme.rs) -->");
    let end_marker = format!("<!-- {name}:end -->");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("README.md is readable");
    let (Some(start), Some(end)) = (readme.find(&start_marker), readme.find(&end_marker)) else {
        panic!("README.md lacks the {name} markers");
    };
    let current = &readme[start + start_marker.len()..end];
    let expected = format!("\n{}\n", content.trim());
    if current != expected {
        if std::env::var_os("POSTSALE_BLESS").is_some() {
            let updated = format!(
                "{}{start_marker}{expected}{}",
                &readme[..start],
                &readme[end..]
            );
            std::fs::write(&path, updated).expect("README.md is writable");
        } else {
            panic!(
                "the README's {name} is out of date with {source}: \
                 run `POSTSALE_BLESS=1 cargo test --test readme` and review the diff"
            );
        }
    }
}

#[test]
fn readme_metrics_reference_matches_the_catalog() {
    check_block("metrics-reference", "src/metrics/catalog.rs", &reference());
}

/// The data reference: every table of the schema with its columns, types and rules.
fn data_reference() -> String {
    let mut text = String::new();
    for t in SCHEMA {
        let status = if t.required() {
            "required".to_string()
        } else {
            format!("optional; feeds {}", t.feeds)
        };
        let key = match t.key {
            [] => String::new(),
            key => format!(
                " Key: {}.",
                key.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(" + ")
            ),
        };
        let extra = if t.extra_columns {
            " Further columns are kept as account attributes."
        } else {
            ""
        };
        text.push_str(&format!(
            "\n#### {} ({status})\n\n`data/{}.csv`.{key}{extra}\n\n| column | type | rule |\n|---|---|---|\n",
            t.name, t.name
        ));
        for c in t.columns {
            let name = if c.required {
                format!("**`{}`**", c.name)
            } else {
                format!("`{}`", c.name)
            };
            text.push_str(&format!("| {name} | {} | {} |\n", c.ty.describe(), c.rule));
        }
    }
    text
}

#[test]
fn readme_data_reference_matches_the_schema() {
    check_block("data-reference", "src/data/schema.rs", &data_reference());
}

#[test]
fn readme_components_reference_matches_the_component_catalog() {
    check_block(
        "components-reference",
        "src/report/component.rs",
        &components(),
    );
}

#[test]
fn readme_gives_the_two_setup_commands_that_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    let setup = readme
        .split("## Set-up on a fresh machine")
        .nth(1)
        .and_then(|s| s.split("```sh").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("README has a set-up block");
    let commands: Vec<&str> = setup
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        commands.len(),
        2,
        "exactly two set-up commands: {commands:?}"
    );
    assert!(commands[1] == "scripts/test.sh", "{commands:?}");
    assert!(
        ci.lines().any(|l| l.trim() == "scripts/test.sh"),
        ".ci/run runs the README's test command"
    );
}
