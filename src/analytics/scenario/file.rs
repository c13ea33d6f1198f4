//! Scenario files (`scenarios/*.yaml`) → `Scenario`: read with `crate::yaml` and validated like
//! `alerts.yaml`: every problem at once, each at its file:line:column, unknown keys with a
//! "did you mean". This module only knows the files; the projection is `super`'s.

use crate::diagnostic::{Diagnostic, Diagnostics};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The folder of scenario files inside a project.
pub const DIR: &str = "scenarios";

/// Quarters projected when the file does not say.
pub const DEFAULT_QUARTERS: u32 = 8;

/// A validated scenario: what it changes and how far it looks.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file name without `.yaml`: the scenario's id in links and JSON.
    pub id: String,
    /// `name:`, or the id.
    pub name: String,
    pub description: Option<String>,
    /// Quarters to project, 4–8.
    pub quarters: u32,
    pub coverage: Option<Coverage>,
    pub price: Option<Price>,
    pub onboarding: Option<Onboarding>,
    pub save_rate: Option<SaveRate>,
    /// Segment name → its churn change, in name order.
    pub segments: Vec<(String, SegmentChurn)>,
    /// The file as shown in diagnostics, and the line and column of each segment's key, for
    /// the problems found against the data (`check_against`).
    file: String,
    segments_at: Vec<(usize, usize)>,
}

/// `csm_coverage:` accounts per CSM from the current ratio to `accounts_per_csm`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub accounts_per_csm: f64,
    /// Stated elasticity of churn to book size; `None`: from the data (churn by book size).
    pub churn_elasticity: Option<f64>,
}

/// `price:` a price change for every account and new sale, with its stated churn elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Price {
    /// Percent (10 = +10 %).
    pub change_pct: f64,
    /// Churn rate × (1 + elasticity × change).
    pub churn_elasticity: f64,
}

/// `onboarding:` the share of accounts completing onboarding moved to `completion_pct`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Onboarding {
    pub completion_pct: f64,
    /// Stated current completion share; `None`: from onboarding.csv.
    pub from_pct: Option<f64>,
    /// Stated quarterly gross MRR churn in percent of accounts that completed onboarding and of
    /// those that did not; `None`: from the data.
    pub churn: Option<(f64, f64)>,
}

/// `save_rate:` the ARR save rate of at-risk renewals moved to `to_pct`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SaveRate {
    pub to_pct: f64,
    /// Stated current save rate; `None`: the engine's `arr_save_rate` over the trailing twelve
    /// months.
    pub from_pct: Option<f64>,
}

/// `segments: NAME:` the segment's quarterly gross MRR churn set or changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SegmentChurn {
    /// `churn_rate_pct`: the quarterly gross MRR churn rate, percent.
    Rate(f64),
    /// `churn_change_pct`: the baseline rate changed by this percent (−20 = a fifth less).
    Change(f64),
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawFile {
    name: Option<String>,
    description: Option<String>,
    quarters: Option<u32>,
    // Not `Option`s: `crate::yaml` reads a struct field by field (an unknown key inside gets its
    // own located "did you mean"); a lever is present when any of its keys is.
    csm_coverage: RawCoverage,
    price: RawPrice,
    onboarding: RawOnboarding,
    save_rate: RawSaveRate,
    segments: BTreeMap<String, RawSegment>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawCoverage {
    accounts_per_csm: Option<f64>,
    churn_elasticity: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawPrice {
    change_pct: Option<f64>,
    churn_elasticity: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawOnboarding {
    completion_pct: Option<f64>,
    from_pct: Option<f64>,
    churn_completed_pct: Option<f64>,
    churn_not_completed_pct: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSaveRate {
    to_pct: Option<f64>,
    from_pct: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawSegment {
    churn_rate_pct: Option<f64>,
    churn_change_pct: Option<f64>,
}

/// The scenario files of a project (`scenarios/*.yaml`, in file-name order; none without the
/// folder), or every problem in them.
pub fn load_all(project_dir: &Path) -> Result<Vec<Scenario>, Diagnostics> {
    let dir = project_dir.join(DIR);
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Diagnostics(vec![Diagnostic::file_error(
                DIR,
                format!("cannot read the folder: {e}"),
            )]));
        }
    };
    names.sort();
    let (mut scenarios, mut problems) = (Vec::new(), Vec::new());
    for name in names {
        match load(&dir.join(&name), &format!("{DIR}/{name}")) {
            Ok(s) => scenarios.push(s),
            Err(Diagnostics(d)) => problems.extend(d),
        }
    }
    if problems.is_empty() {
        Ok(scenarios)
    } else {
        Err(Diagnostics(problems))
    }
}

/// One scenario file at `path`, shown as `shown` in diagnostics.
pub fn load(path: &Path, shown: &str) -> Result<Scenario, Diagnostics> {
    let text = crate::files::read_text(path, "a YAML file").map_err(|e| {
        Diagnostics(vec![Diagnostic::file_error(
            shown,
            format!("cannot read the file: {e}"),
        )])
    })?;
    let id = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(&text, shown, &id)
}

/// The scenario of `text` (a file shown as `file`, id `id`), or every problem in it.
pub fn parse(text: &str, file: &str, id: &str) -> Result<Scenario, Diagnostics> {
    let (raw, mut problems) = crate::yaml::parse_all::<RawFile>(text, file);
    let Some(raw) = raw else {
        return Err(Diagnostics(problems));
    };
    let mut check = Checker {
        text,
        file,
        problems: &mut problems,
    };
    let scenario = check.scenario(raw, id);
    problems.sort_by_key(|d| (d.line, d.column));
    if problems.is_empty() {
        Ok(scenario)
    } else {
        Err(Diagnostics(problems))
    }
}

/// Validates the values of one file, pushing its problems.
struct Checker<'a> {
    text: &'a str,
    file: &'a str,
    problems: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, path: &[&str], message: String, help: &str) {
        let (line, column) = crate::yaml::locate(self.text, path);
        let d = Diagnostic::error(self.file, line, column, message);
        self.problems.push(if help.is_empty() {
            d
        } else {
            d.with_help(help)
        });
    }

    /// `value` at `path` when present and inside `lo..=hi` (or `lo < value` when `open`).
    fn range(&mut self, path: &[&str], value: Option<f64>, lo: f64, hi: f64, open: bool) {
        let Some(v) = value else { return };
        let below = if open { v <= lo } else { v < lo };
        if !v.is_finite() || below || v > hi {
            let low = if open { "above" } else { "at least" };
            let key = path.last().copied().unwrap_or_default();
            self.error(
                path,
                format!("{key} is {v}; it must be {low} {lo} and at most {hi}"),
                "",
            );
        }
    }

    /// A required key: an error at its parent when missing.
    fn required(&mut self, path: &[&str], value: Option<f64>, help: &str) -> f64 {
        if value.is_none() {
            let key = path.last().copied().unwrap_or_default();
            let parent = &path[..path.len().saturating_sub(1)];
            let message = format!("{} needs {key}", parent.join("."));
            self.error(parent, message, help);
        }
        value.unwrap_or_default()
    }

    fn scenario(&mut self, raw: RawFile, id: &str) -> Scenario {
        let quarters = raw.quarters.unwrap_or(DEFAULT_QUARTERS);
        if !(4..=8).contains(&quarters) {
            self.error(
                &["quarters"],
                format!("quarters is {quarters}; a scenario projects 4 to 8 quarters"),
                "",
            );
        }
        let c = &raw.csm_coverage;
        let present = c.accounts_per_csm.is_some() || c.churn_elasticity.is_some();
        let coverage = present.then(|| {
            let path = ["csm_coverage", "accounts_per_csm"];
            let ratio = self.required(&path, c.accounts_per_csm, "e.g. accounts_per_csm: 75");
            self.range(&path, c.accounts_per_csm, 0.0, 100_000.0, true);
            self.range(
                &["csm_coverage", "churn_elasticity"],
                c.churn_elasticity,
                -10.0,
                10.0,
                false,
            );
            Coverage {
                accounts_per_csm: ratio,
                churn_elasticity: c.churn_elasticity,
            }
        });
        let p = &raw.price;
        let present = p.change_pct.is_some() || p.churn_elasticity.is_some();
        let price = present.then(|| {
            let change = self.required(
                &["price", "change_pct"],
                p.change_pct,
                "e.g. change_pct: 10",
            );
            self.range(&["price", "change_pct"], p.change_pct, -100.0, 1000.0, true);
            let elasticity = self.required(
                &["price", "churn_elasticity"],
                p.churn_elasticity,
                "a price change must state its effect on churn: churn_elasticity: 0.5 means \
                 +10 % price gives churn rate × 1.05",
            );
            self.range(
                &["price", "churn_elasticity"],
                p.churn_elasticity,
                -10.0,
                10.0,
                false,
            );
            Price {
                change_pct: change,
                churn_elasticity: elasticity,
            }
        });
        let o = &raw.onboarding;
        let present = o.completion_pct.is_some()
            || o.from_pct.is_some()
            || o.churn_completed_pct.is_some()
            || o.churn_not_completed_pct.is_some();
        let onboarding = present.then(|| {
            let to = self.required(
                &["onboarding", "completion_pct"],
                o.completion_pct,
                "e.g. completion_pct: 85",
            );
            for (key, v) in [
                ("completion_pct", o.completion_pct),
                ("from_pct", o.from_pct),
                ("churn_completed_pct", o.churn_completed_pct),
                ("churn_not_completed_pct", o.churn_not_completed_pct),
            ] {
                self.range(&["onboarding", key], v, 0.0, 100.0, false);
            }
            let churn = match (o.churn_completed_pct, o.churn_not_completed_pct) {
                (Some(a), Some(b)) => Some((a, b)),
                (None, None) => None,
                _ => {
                    self.error(
                        &["onboarding"],
                        "onboarding states one churn rate without the other".into(),
                        "give both churn_completed_pct and churn_not_completed_pct, or neither \
                         (then both come from the data)",
                    );
                    None
                }
            };
            Onboarding {
                completion_pct: to,
                from_pct: o.from_pct,
                churn,
            }
        });
        let s = &raw.save_rate;
        let present = s.to_pct.is_some() || s.from_pct.is_some();
        let save_rate = present.then(|| {
            let to = self.required(&["save_rate", "to_pct"], s.to_pct, "e.g. to_pct: 60");
            self.range(&["save_rate", "to_pct"], s.to_pct, 0.0, 100.0, false);
            self.range(&["save_rate", "from_pct"], s.from_pct, 0.0, 100.0, false);
            if s.from_pct == Some(100.0) {
                self.error(
                    &["save_rate", "from_pct"],
                    "from_pct is 100: every at-risk renewal is saved already, so churn cannot \
                     be scaled from it"
                        .into(),
                    "",
                );
            }
            SaveRate {
                to_pct: to,
                from_pct: s.from_pct,
            }
        });
        let mut segments = Vec::new();
        let mut segments_at = Vec::new();
        for (name, s) in raw.segments {
            let key_at = crate::yaml::locate(self.text, &["segments", &name]);
            let at = |key: &'static str| ["segments", "", key];
            let change = match (s.churn_rate_pct, s.churn_change_pct) {
                (Some(r), None) => {
                    let mut path = at("churn_rate_pct");
                    path[1] = &name;
                    self.range(&path, Some(r), 0.0, 100.0, false);
                    Some(SegmentChurn::Rate(r))
                }
                (None, Some(c)) => {
                    let mut path = at("churn_change_pct");
                    path[1] = &name;
                    self.range(&path, Some(c), -100.0, 1000.0, false);
                    Some(SegmentChurn::Change(c))
                }
                _ => {
                    self.error(
                        &["segments", &name],
                        format!(
                            "segment '{name}' needs one of churn_rate_pct and churn_change_pct"
                        ),
                        "churn_rate_pct: 3 sets the quarterly gross MRR churn to 3 %; \
                         churn_change_pct: -20 lowers the baseline rate by a fifth",
                    );
                    None
                }
            };
            if let Some(change) = change {
                segments.push((name, change));
                segments_at.push(key_at);
            }
        }
        if coverage.is_none()
            && price.is_none()
            && onboarding.is_none()
            && save_rate.is_none()
            && segments.is_empty()
        {
            self.error(
                &[],
                "the scenario changes nothing".into(),
                "add one of csm_coverage, price, onboarding, save_rate, segments",
            );
        }
        Scenario {
            id: id.to_string(),
            name: raw.name.unwrap_or_else(|| id.to_string()),
            description: raw.description,
            quarters,
            coverage,
            price,
            onboarding,
            save_rate,
            segments,
            file: self.file.to_string(),
            segments_at,
        }
    }
}

/// The problems of `scenarios` against the data: a segment no account has (the scenario could
/// not be projected).
pub fn check_against(scenarios: &[Scenario], data: &crate::data::Dataset) -> Vec<Diagnostic> {
    let mut known: Vec<&str> = data
        .accounts
        .rows
        .iter()
        .filter_map(|a| a.segment.as_deref())
        .collect();
    known.sort_unstable();
    known.dedup();
    let mut problems = Vec::new();
    for s in scenarios {
        for ((name, _), &(line, column)) in s.segments.iter().zip(&s.segments_at) {
            if known.contains(&name.as_str()) {
                continue;
            }
            let help = if known.is_empty() {
                "no account has a segment: check data/accounts.csv".to_string()
            } else {
                crate::diagnostic::did_you_mean(name, &known).replace('`', "'")
            };
            problems.push(
                Diagnostic::error(
                    &s.file,
                    line,
                    column,
                    format!(
                        "scenario '{}' changes segment '{name}', which no account has",
                        s.id
                    ),
                )
                .with_help(help),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(text, "scenarios/x.yaml", "x") {
            Ok(_) => Vec::new(),
            Err(d) => d.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn a_full_file_reads() {
        let text = "name: All levers\nquarters: 4\ncsm_coverage:\n  accounts_per_csm: 75\n\
                    price:\n  change_pct: 10\n  churn_elasticity: 0.5\nonboarding:\n  \
                    completion_pct: 85\nsave_rate:\n  to_pct: 60\nsegments:\n  SMB:\n    \
                    churn_change_pct: -20\n";
        let s = parse(text, "f", "all").unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(s.quarters, 4);
        assert_eq!(s.name, "All levers");
        assert_eq!(
            s.price,
            Some(Price {
                change_pct: 10.0,
                churn_elasticity: 0.5
            })
        );
        assert_eq!(s.segments, [("SMB".into(), SegmentChurn::Change(-20.0))]);
        assert_eq!(s.coverage.map(|c| c.churn_elasticity), Some(None));
    }

    #[test]
    fn problems_are_located_with_did_you_mean() {
        let found = problems("quarters: 9\nprice:\n  change_pct: 10\n  churn_elastcity: 0.5\n");
        assert!(found.iter().any(|p| p.contains("x.yaml:1:")), "{found:?}");
        let unknown = found.iter().find(|p| p.contains("churn_elastcity"));
        assert!(
            unknown.is_some_and(|p| p.contains(":4:3") && p.contains("churn_elasticity")),
            "{found:?}"
        );
        assert!(problems("").iter().any(|p| p.contains("changes nothing")));
        // A price change without its elasticity: at the `price` key.
        let found = problems("quarters: 4\nprice:\n  change_pct: 10\n");
        assert!(
            found
                .iter()
                .any(|p| p.contains("x.yaml:2:1:") && p.contains("needs churn_elasticity")),
            "{found:?}"
        );
    }

    #[test]
    fn a_segment_no_account_has_is_located_with_did_you_mean() {
        let data = crate::metrics::fixture::dataset(&[("a", "SMB")], &[("a", "2026-01", 100)]);
        let text = "segments:\n  SMB:\n    churn_rate_pct: 2\n  Smb:\n    churn_change_pct: -10\n";
        let s = parse(text, "scenarios/x.yaml", "x").unwrap_or_else(|d| panic!("{d}"));
        let found: Vec<String> = check_against(&[s], &data)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("scenarios/x.yaml:4:3: error: scenario 'x' changes segment 'Smb'")
                && found[0].contains("did you mean 'SMB'?"),
            "{found:?}"
        );
    }
}
