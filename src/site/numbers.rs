//! The numbers of one build as a plain value, written to the site as `numbers.json`: every
//! metric value the company-wide report pages show, the KPI tiles of the per-CSM and
//! per-segment pages, each with its period, basis, scope and status, the alerts of the run, and
//! a fingerprint of the inputs. It reads the build's `Facts`, so nothing is computed twice;
//! it does not format anything (pages and PDFs format from the same `Facts`, and a test checks
//! that they agree with this file).

use super::facts::{Entity, Facts};
use crate::files::{FileBytes, Fnv};
use crate::metrics::alerts::Alert;
use crate::metrics::basis::{self, Basis};
use crate::metrics::catalog::{self, MetricDef};
use crate::metrics::experience;
use crate::metrics::status::Status;
use crate::period::Period;
use chrono::NaiveDate;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The site path of the numbers.
pub(crate) const FILE: &str = "numbers.json";

/// The numbers of a run. Fields are declared in alphabetical order, so the JSON keys are sorted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Numbers {
    /// The alerts of the project's rules on the as-of date: the evaluation the alerts page, the
    /// pages of each scope and the e-mails show.
    pub alerts: Vec<Alert>,
    /// The date the numbers are computed as of.
    pub as_of: NaiveDate,
    /// The metric conventions they follow: the profile and its settings in words.
    pub conventions: String,
    /// What the numbers were computed from.
    pub inputs: Inputs,
    /// One entry per metric, period and scope, sorted by scope, period and metric.
    pub numbers: Vec<Number>,
}

/// The input files of a run and their fingerprint.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Inputs {
    /// The project-relative names of the files read: postsale.yaml and the data tables.
    pub files: Vec<String>,
    /// `fnv1a64:` and 16 hex digits: FNV-1a over each file's name and bytes, in name order.
    pub fingerprint: String,
}

/// One metric value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Number {
    /// The window of a rate (`month`, `quarter`, `year`, `ttm`, `annualised`); none otherwise.
    pub basis: Option<&'static str>,
    /// The METRICS.md id.
    pub metric: &'static str,
    pub period: PeriodRef,
    /// `company` (every account), `csm:<csm_id>` (a CSM's book) or `segment:<name>`.
    pub scope: String,
    /// As a KPI tile shows it: `good`, `warning`, `bad`, `neutral` or `missing`; a survey score
    /// from a small sample is `neutral`.
    pub status: &'static str,
    /// The target that judged the value, if one did.
    pub target: Option<f64>,
    /// The engine's value, unrounded (money in the currency's units); none when undefined.
    pub value: Option<f64>,
}

/// A period as numbers.json names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct PeriodRef {
    pub end: NaiveDate,
    pub id: String,
    /// `week`, `month`, `quarter`, `year` or `ttm`.
    pub kind: String,
    pub start: NaiveDate,
}

impl PeriodRef {
    fn of(p: &Period) -> PeriodRef {
        PeriodRef {
            end: p.end,
            id: p.id.clone(),
            kind: format!("{:?}", p.kind).to_lowercase(),
            start: p.start,
        }
    }
}

/// The tiles of a per-entity page: whose (entity and its scope name), over which period, and
/// the metrics its `kpis` components show.
pub(crate) struct EntityTiles {
    pub entity: Entity,
    pub scope: String,
    pub period: Period,
    pub metrics: Vec<&'static MetricDef>,
}

/// The numbers of `pages` (the periods of the company-wide report pages): for each metric the
/// data supports, its value over each page period and over the period its KPI tile headlines
/// (`basis::headline_period`); then each of `entities`' tile metrics over its page period and
/// headline period; all read from `facts` (which computes each once, for the pages too).
pub(crate) fn compute(
    facts: &Facts,
    pages: &[Period],
    entities: &[EntityTiles],
    alerts: &[Alert],
    inputs: Inputs,
) -> Numbers {
    use rayon::prelude::*;
    let data = facts.ctx.data;
    let supported = |d: &&'static MetricDef| d.tables.iter().all(|t| data.has_table(t));
    let entity_supported = |d: &&&'static MetricDef| supported(d);
    let defs: Vec<&'static MetricDef> = catalog::CATALOG.iter().filter(supported).collect();
    let mut wanted: Vec<Wanted> = pages
        .iter()
        .flat_map(|p| {
            defs.iter().flat_map(move |d| {
                [p.clone(), basis::headline_period(d, p)].map(|period| Wanted {
                    scope: COMPANY.to_string(),
                    entity: Entity::All,
                    period,
                    def: d,
                })
            })
        })
        .collect();
    for e in entities {
        for d in e.metrics.iter().filter(entity_supported) {
            for period in [e.period.clone(), basis::headline_period(d, &e.period)] {
                wanted.push(Wanted {
                    scope: e.scope.clone(),
                    entity: e.entity.clone(),
                    period,
                    def: d,
                });
            }
        }
    }
    let key = |w: &Wanted| {
        (
            w.scope.clone(),
            w.period.kind,
            w.period.id.clone(),
            w.def.id,
        )
    };
    wanted.sort_by_key(key);
    wanted.dedup_by_key(|w| key(w));
    // Grouped by scope and period, so that each one's survey answers are counted once.
    let groups: Vec<&[Wanted]> = wanted
        .chunk_by(|a, b| a.scope == b.scope && a.period == b.period)
        .collect();
    let numbers = groups
        .par_iter()
        .flat_map_iter(|group| {
            let responses = group.first().map(|w| facts.responses(&w.entity, &w.period));
            group.iter().map(move |w| {
                let answers = responses.as_ref().and_then(|r| r.of(w.def.id));
                number(facts, w, answers)
            })
        })
        .collect();
    Numbers {
        alerts: alerts.to_vec(),
        as_of: facts.ctx.as_of,
        conventions: facts.ctx.config.conventions.label(),
        inputs,
        numbers,
    }
}

/// The scope name of every account.
const COMPANY: &str = "company";

/// One number to compute.
struct Wanted {
    scope: String,
    entity: Entity,
    period: Period,
    def: &'static MetricDef,
}

/// A metric over a period for a scope, judged as a KPI tile judges it (`answers`: the survey
/// answers a survey score rests on).
fn number(facts: &Facts, w: &Wanted, answers: Option<u64>) -> Number {
    let (def, period) = (w.def, &w.period);
    let value = facts.value(&w.entity, period, def.id);
    let b = Basis::of(def, period);
    let j = basis::judge(def, value, b, facts.ctx.config.target(def.id, b));
    let small = answers.is_some_and(|n| n < experience::SMALL_SAMPLE);
    let status = if small && value.is_some() {
        Status::Neutral
    } else {
        j.status
    };
    Number {
        basis: j.basis.map(Basis::key),
        metric: def.id,
        period: PeriodRef::of(period),
        scope: w.scope.clone(),
        status: super::components::status_name(status),
        target: j.target,
        value,
    }
}

/// Reads the inputs of the project in `dir`: postsale.yaml, alerts.yaml and the data tables the
/// loader reads (`<table>.csv` or `.parquet` in the data folder, those present), in name order,
/// then the tables read from the database (`database`: each `postgres:<table>` with the digest
/// of its rows, [`crate::data::source::digest`]), and fingerprints them, holding one file in
/// memory at a time.
pub(crate) fn inputs(
    dir: &Path,
    data_dir: &str,
    database: &[(String, String)],
) -> std::io::Result<Inputs> {
    let prefix = data_dir.trim_end_matches('/');
    let mut wanted: Vec<(String, PathBuf)> = crate::data::TABLES
        .iter()
        .flat_map(|t| crate::data::source::files(t))
        .map(|f| (format!("{prefix}/{f}"), dir.join(data_dir).join(f)))
        .collect();
    wanted.push(("postsale.yaml".into(), dir.join("postsale.yaml")));
    // The alert rules decide the alerts numbers.json records.
    let rules = crate::alerts::FILE;
    wanted.push((rules.into(), dir.join(rules)));
    wanted.sort();
    let mut h = Fnv::new();
    let mut files = Vec::new();
    for (name, path) in wanted {
        let bytes = match FileBytes::open(&path, "an input file") {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        h.file(&name, &bytes);
        files.push(name);
    }
    let mut tables: Vec<&(String, String)> = database.iter().collect();
    tables.sort();
    for (name, digest) in tables {
        h.file(name, digest.as_bytes());
        files.push(name.clone());
    }
    Ok(Inputs {
        fingerprint: h.finish(),
        files,
    })
}

/// `numbers` as JSON, pretty-printed with sorted keys and a final newline: the same bytes for
/// the same inputs and as-of date.
pub(crate) fn to_json(numbers: &Numbers) -> serde_json::Result<Vec<u8>> {
    // Through a `Value`, whose maps sort their keys: the alerts' fields are declared in
    // reading order.
    let mut out = serde_json::to_vec_pretty(&serde_json::to_value(numbers)?)?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint of files given as (name, bytes), in name order.
    fn fingerprint(files: &[(String, Vec<u8>)]) -> String {
        let mut h = Fnv::new();
        for (name, bytes) in files {
            h.file(name, bytes);
        }
        h.finish()
    }

    fn files(csv: &str) -> Vec<(String, Vec<u8>)> {
        vec![
            ("data/accounts.csv".into(), csv.as_bytes().to_vec()),
            ("postsale.yaml".into(), b"as_of: 2026-11-01\n".to_vec()),
        ]
    }

    #[test]
    fn the_fingerprint_is_stable_and_changes_with_any_byte() {
        let a = fingerprint(&files("id,name\nA1,Acme\n"));
        assert_eq!(a, fingerprint(&files("id,name\nA1,Acme\n")));
        assert!(a.starts_with("fnv1a64:") && a.len() == 8 + 16, "{a}");
        // One byte of one data file differs.
        assert_ne!(a, fingerprint(&files("id,name\nA1,Acmf\n")));
        // The same bytes under another name are other inputs.
        let renamed = vec![
            ("data/accountz.csv".into(), b"id,name\nA1,Acme\n".to_vec()),
            ("postsale.yaml".into(), b"as_of: 2026-11-01\n".to_vec()),
        ];
        assert_ne!(a, fingerprint(&renamed));
        // The FNV-1a offset basis: no input, no bytes hashed.
        assert_eq!(fingerprint(&[]), "fnv1a64:cbf29ce484222325");
    }

    #[test]
    fn inputs_reads_the_config_and_the_data_files_in_name_order() {
        let dir = std::env::temp_dir().join(format!("postsale-numbers-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::write(dir.join("postsale.yaml"), "as_of: 2026-11-01\n").unwrap();
        std::fs::write(dir.join("data/mrr.csv"), "account_id,month,mrr\n").unwrap();
        // Not a table: not an input.
        std::fs::write(dir.join("data/notes.txt"), "draft\n").unwrap();
        std::fs::write(dir.join("data/accounts.csv"), "id,name\n").unwrap();
        let before = inputs(&dir, "data", &[]).unwrap();
        assert_eq!(
            before.files,
            ["data/accounts.csv", "data/mrr.csv", "postsale.yaml"]
        );
        assert_eq!(before, inputs(&dir, "data", &[]).unwrap());
        std::fs::write(
            dir.join("data/mrr.csv"),
            "account_id,month,mrr\nA1,2026-10,5\n",
        )
        .unwrap();
        let after = inputs(&dir, "data", &[]).unwrap();
        assert_ne!(before.fingerprint, after.fingerprint);
        // A table read from the database counts by the digest of its rows, after the files.
        let table = |digest: &str| [("postgres:renewals".to_string(), digest.to_string())];
        let from_db = inputs(&dir, "data", &table("fnv1a64:0000000000000001")).unwrap();
        assert_eq!(
            from_db.files,
            [
                "data/accounts.csv",
                "data/mrr.csv",
                "postsale.yaml",
                "postgres:renewals"
            ]
        );
        assert_ne!(from_db.fingerprint, after.fingerprint);
        let changed = inputs(&dir, "data", &table("fnv1a64:0000000000000002")).unwrap();
        assert_ne!(from_db.fingerprint, changed.fingerprint);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_json_has_sorted_keys_and_no_timestamp() {
        let numbers = Numbers {
            alerts: Vec::new(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            conventions: "postsale".into(),
            inputs: Inputs {
                files: vec!["postsale.yaml".into()],
                fingerprint: "fnv1a64:0000000000000001".into(),
            },
            numbers: vec![Number {
                basis: Some("ttm"),
                metric: "nrr",
                period: PeriodRef {
                    end: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap(),
                    id: "ttm-2026-10".into(),
                    kind: "ttm".into(),
                    start: NaiveDate::from_ymd_opt(2025, 11, 1).unwrap(),
                },
                scope: "company".into(),
                status: "good",
                target: Some(110.0),
                value: Some(112.5),
            }],
        };
        let json = String::from_utf8(to_json(&numbers).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{
  "alerts": [],
  "as_of": "2026-11-01",
  "conventions": "postsale",
  "inputs": {
    "files": [
      "postsale.yaml"
    ],
    "fingerprint": "fnv1a64:0000000000000001"
  },
  "numbers": [
    {
      "basis": "ttm",
      "metric": "nrr",
      "period": {
        "end": "2026-10-31",
        "id": "ttm-2026-10",
        "kind": "ttm",
        "start": "2025-11-01"
      },
      "scope": "company",
      "status": "good",
      "target": 110.0,
      "value": 112.5
    }
  ]
}
"#
        );
    }
}
