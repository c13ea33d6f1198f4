//! `alerts.yaml` → `Rules`: the alert rules of a project (optional; no file, no rules), read with
//! `crate::yaml` and validated like `postsale.yaml`: every problem at once, each at its
//! file:line:column with a "did you mean". Evaluation is the engine's (`metrics::alerts`); this
//! module only knows the file.

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::metrics::catalog::{self, MetricDef};
use crate::period::PeriodKind;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The rules file's name inside a project.
pub const FILE: &str = "alerts.yaml";

/// The recipient roles a rule may name (besides e-mail addresses).
pub(crate) const ROLES: [&str; 6] = [
    "csm",
    "manager",
    "team",
    "leadership",
    "executives",
    "board",
];

/// The validated rules, in id order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules(pub Vec<Rule>);

/// One alert rule: when it fires (condition, scope) and who hears of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's key in `rules:`.
    pub id: String,
    pub condition: Condition,
    pub scope: RuleScope,
    pub severity: Severity,
    /// Roles (`csm`, `manager`, `team`, `leadership`, `executives`, `board`) or addresses, as
    /// written; resolved to people by the distribution lists.
    pub recipients: Vec<String>,
    /// Report the alert at every evaluation while its condition holds (`ongoing`), not only
    /// when it starts (`new`).
    pub every_time: bool,
    /// Report the evaluation at which the condition stops holding (`resolved`).
    pub resolved: bool,
    /// Line and column of the rule's scope (or of the rule), and of its condition, for the
    /// problems found against the data (`check_against`).
    at: [(usize, usize); 2],
}

/// What makes a rule fire.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A metric below or above a threshold.
    Threshold {
        metric: &'static MetricDef,
        window: Window,
        /// Fires when the value is above the threshold (else below).
        above: bool,
        threshold: f64,
    },
    /// A metric changing by at least `by` (negative: a fall) against an earlier value.
    Change {
        metric: &'static MetricDef,
        window: Window,
        change: Change,
    },
    /// Any account whose health score is below this.
    HealthBelow(f64),
    /// Any open renewal at risk (`renewals::is_at_risk`) due within this many days (overdue
    /// included).
    RenewalAtRisk { due_within_days: i64 },
    /// Any account with the usage-decline risk factor.
    UsageDecline,
}

/// `change:` of a rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// At least this change: negative for a fall, positive for a rise.
    pub by: f64,
    /// Percent of the earlier value rather than points (the metric's own unit).
    pub relative: bool,
    /// Against the previous week's value rather than the previous period's.
    pub against_week: bool,
}

/// The window a metric is taken over: the latest complete one on the evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Month,
    Quarter,
    Year,
    Ttm,
}

impl Window {
    const NAMES: [&'static str; 4] = ["month", "quarter", "year", "ttm"];

    fn parse(text: &str) -> Option<Window> {
        Some(match text {
            "month" => Window::Month,
            "quarter" => Window::Quarter,
            "year" => Window::Year,
            "ttm" => Window::Ttm,
            _ => return None,
        })
    }

    /// The period kind of the window.
    pub fn kind(self) -> PeriodKind {
        match self {
            Window::Month => PeriodKind::Month,
            Window::Quarter => PeriodKind::Quarter,
            Window::Year => PeriodKind::Year,
            Window::Ttm => PeriodKind::Ttm,
        }
    }

    /// The default window of a metric: the trailing twelve months for a rate over a window (the
    /// headline basis), else the month.
    fn default_for(def: &MetricDef) -> Window {
        match def.windowing() {
            crate::metrics::basis::Windowing::Window => Window::Ttm,
            _ => Window::Month,
        }
    }
}

/// Which accounts a rule watches, and how they are split into alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleScope {
    /// Every account: one alert.
    Company,
    /// One segment (`Some`), or each segment its own alert (`None`).
    Segment(Option<String>),
    /// One CSM's book by csm id (`Some`), or each book its own alert (`None`).
    Csm(Option<String>),
    /// Each account its own alert.
    Account,
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    /// The name as written and shown.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The file as written: every key optional, checked by `validate`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawFile {
    rules: BTreeMap<String, RawRule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawRule {
    metric: Option<String>,
    basis: Option<String>,
    below: Option<f64>,
    above: Option<f64>,
    change: Option<RawChange>,
    health_below: Option<f64>,
    renewal_at_risk: Option<RawRenewalAtRisk>,
    usage_decline: Option<bool>,
    scope: Option<RawScope>,
    severity: Option<String>,
    recipients: Vec<String>,
    every_time: bool,
    resolved: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawChange {
    by: Option<f64>,
    unit: Option<String>,
    against: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawRenewalAtRisk {
    due_within_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawScope {
    segment: Option<String>,
    csm: Option<String>,
    account: Option<String>,
}

/// Reads `alerts.yaml` from `project_dir` (no rules when absent) and validates every rule,
/// reporting all problems at once with their line and column.
pub fn load(project_dir: &Path) -> Result<Rules, Diagnostics> {
    let path = project_dir.join(FILE);
    let text = match crate::files::read_text(&path, "a YAML file") {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Rules::default()),
        Err(e) => {
            return Err(Diagnostics(vec![Diagnostic::file_error(
                FILE,
                format!("cannot read the file: {e}"),
            )]));
        }
    };
    parse(&text)
}

/// The rules of `text` (the file's content), or every problem in it.
pub fn parse(text: &str) -> Result<Rules, Diagnostics> {
    let (raw, mut problems) = crate::yaml::parse_all::<RawFile>(text, FILE);
    let Some(raw) = raw else {
        return Err(Diagnostics(problems));
    };
    let mut rules = Vec::new();
    for (id, rule) in &raw.rules {
        let mut checker = Checker {
            text,
            id,
            problems: &mut problems,
        };
        if let Some(rule) = checker.rule(rule) {
            rules.push(rule);
        }
    }
    problems.sort_by_key(|d| (d.line, d.column));
    if problems.is_empty() {
        Ok(Rules(rules))
    } else {
        Err(Diagnostics(problems))
    }
}

/// The problems of `rules` against the data: a segment or CSM no account has (the rule could
/// never fire) and a metric or condition whose table the project lacks.
pub fn check_against(rules: &Rules, data: &crate::data::Dataset) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let accounts = &data.accounts.rows;
    let mut segments: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a.segment.as_deref())
        .collect();
    let mut csms: Vec<&str> = accounts
        .iter()
        .filter_map(|a| a.csm_id.as_deref())
        .collect();
    segments.sort_unstable();
    segments.dedup();
    csms.sort_unstable();
    csms.dedup();
    for rule in &rules.0 {
        let error =
            |at: (usize, usize), message: String| Diagnostic::error(FILE, at.0, at.1, message);
        let (kind, known, value) = match &rule.scope {
            RuleScope::Segment(Some(v)) => ("segment", &segments, v),
            RuleScope::Csm(Some(v)) => ("csm", &csms, v),
            _ => ("", &segments, &rule.id),
        };
        if !kind.is_empty() && !known.contains(&value.as_str()) {
            let help = if known.is_empty() {
                format!("no account has a {kind}: check data/accounts.csv")
            } else {
                did_you_mean(value, known).replace('`', "'")
            };
            problems.push(
                error(
                    rule.at[0],
                    format!(
                        "rule '{}' watches {kind} '{value}', which no account has",
                        rule.id
                    ),
                )
                .with_help(help),
            );
        }
        let tables: &[&str] = match &rule.condition {
            Condition::Threshold { metric, .. } | Condition::Change { metric, .. } => metric.tables,
            Condition::HealthBelow(_) => &["health"],
            Condition::RenewalAtRisk { .. } => &["renewals"],
            Condition::UsageDecline => &["usage"],
        };
        if let Some(table) = tables.iter().find(|t| !data.has_table(t)) {
            problems.push(error(
                rule.at[1],
                format!(
                    "rule '{}' needs {table}.csv, which the project does not have",
                    rule.id
                ),
            ));
        }
    }
    problems
}

/// Validates one rule, pushing its problems.
struct Checker<'a> {
    text: &'a str,
    id: &'a str,
    problems: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    /// An error at `rules.<id>.<path>`.
    fn error(&mut self, path: &[&str], message: String, help: String) {
        let mut full = vec!["rules", self.id];
        full.extend_from_slice(path);
        let (line, column) = crate::yaml::locate(self.text, &full);
        let d = Diagnostic::error(FILE, line, column, message);
        self.problems.push(if help.is_empty() {
            d
        } else {
            d.with_help(help)
        });
    }

    fn rule(&mut self, raw: &RawRule) -> Option<Rule> {
        let id = self.id;
        let before = self.problems.len();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            self.error(
                &[],
                format!("bad rule id '{id}' (expected lowercase letters, digits, - and _)"),
                "rule ids name alerts in output and links, such as 'nrr-below-target'".into(),
            );
        }
        let condition = self.condition(raw);
        let scope = self.scope(raw.scope.as_ref());
        let severity = match raw.severity.as_deref() {
            None | Some("warning") => Severity::Warning,
            Some("critical") => Severity::Critical,
            Some("info") => Severity::Info,
            Some(other) => {
                self.error(
                    &["severity"],
                    format!("unknown severity '{other}' in rule '{id}'"),
                    did_you_mean(other, &["info", "warning", "critical"]).replace('`', "'"),
                );
                Severity::Warning
            }
        };
        for recipient in &raw.recipients {
            let address = recipient.contains('@') && !recipient.contains(char::is_whitespace);
            if !address && !ROLES.contains(&recipient.as_str()) {
                let help = match crate::diagnostic::suggest(recipient, ROLES) {
                    Some(s) => format!("did you mean '{s}'?"),
                    None => format!("give a role ({}) or an e-mail address", ROLES.join(", ")),
                };
                self.error(
                    &["recipients"],
                    format!("unknown recipient '{recipient}' in rule '{id}'"),
                    help,
                );
            }
        }
        let condition = condition?;
        let scope_key = match &scope {
            RuleScope::Company => None,
            RuleScope::Segment(_) => Some("segment"),
            RuleScope::Csm(_) => Some("csm"),
            RuleScope::Account => Some("account"),
        };
        let condition_key = match &condition {
            Condition::Threshold { .. } | Condition::Change { .. } => "metric",
            Condition::HealthBelow(_) => "health_below",
            Condition::RenewalAtRisk { .. } => "renewal_at_risk",
            Condition::UsageDecline => "usage_decline",
        };
        let at = |path: &[&str]| crate::yaml::locate(self.text, &[&["rules", id], path].concat());
        let at = [
            at(&scope_key.map_or(Vec::new(), |k| vec!["scope", k])),
            at(&[condition_key]),
        ];
        (self.problems.len() == before).then(|| Rule {
            id: id.to_string(),
            condition,
            scope,
            severity,
            recipients: raw.recipients.clone(),
            every_time: raw.every_time,
            resolved: raw.resolved,
            at,
        })
    }

    fn condition(&mut self, raw: &RawRule) -> Option<Condition> {
        let id = self.id;
        let mut kinds: Vec<&str> = Vec::new();
        if raw.metric.is_some() {
            kinds.push("metric");
        }
        if raw.health_below.is_some() {
            kinds.push("health_below");
        }
        if raw.renewal_at_risk.is_some() {
            kinds.push("renewal_at_risk");
        }
        if raw.usage_decline.is_some() {
            kinds.push("usage_decline");
        }
        const HELP: &str = "give one condition: 'metric' with 'below', 'above' or 'change'; 'health_below'; 'renewal_at_risk'; or 'usage_decline: true'";
        match kinds.as_slice() {
            [] => {
                self.error(&[], format!("rule '{id}' has no condition"), HELP.into());
                return None;
            }
            [_, second, ..] => {
                self.error(
                    &[second],
                    format!(
                        "rule '{id}' has more than one condition ({})",
                        kinds.join(", ")
                    ),
                    HELP.into(),
                );
                return None;
            }
            [_] => {}
        }
        if raw.metric.is_none() {
            for (key, set) in [
                ("basis", raw.basis.is_some()),
                ("below", raw.below.is_some()),
                ("above", raw.above.is_some()),
                ("change", raw.change.is_some()),
            ] {
                if set {
                    self.error(
                        &[key],
                        format!("'{key}' in rule '{id}' needs a 'metric'"),
                        "name the metric it applies to, such as 'metric: nrr'".into(),
                    );
                }
            }
        }
        if let Some(limit) = raw.health_below {
            if !(0.0..=100.0).contains(&limit) {
                self.error(
                    &["health_below"],
                    format!(
                        "bad value for 'health_below' (found '{limit}', expected a score 0-100)"
                    ),
                    String::new(),
                );
            }
            return Some(Condition::HealthBelow(limit));
        }
        if let Some(r) = &raw.renewal_at_risk {
            let days = r.due_within_days.unwrap_or(90);
            if days < 0 {
                self.error(
                    &["renewal_at_risk", "due_within_days"],
                    format!(
                        "bad value for 'due_within_days' (found '{days}', expected 0 or more days)"
                    ),
                    String::new(),
                );
            }
            return Some(Condition::RenewalAtRisk {
                due_within_days: days,
            });
        }
        if let Some(on) = raw.usage_decline {
            if !on {
                self.error(
                    &["usage_decline"],
                    format!("'usage_decline: false' in rule '{id}' is no condition"),
                    "write 'usage_decline: true', or remove the rule".into(),
                );
            }
            return Some(Condition::UsageDecline);
        }
        let name = raw.metric.as_deref().unwrap_or_default();
        let Some(metric) = catalog::get(name) else {
            let known: Vec<&str> = catalog::ids().collect();
            self.error(
                &["metric"],
                format!("unknown metric '{name}' in rule '{id}'"),
                did_you_mean(name, &known).replace('`', "'"),
            );
            return None;
        };
        let window = match raw.basis.as_deref() {
            None => Window::default_for(metric),
            Some(text) => match Window::parse(text) {
                Some(w) => w,
                None => {
                    self.error(
                        &["basis"],
                        format!("unknown basis '{text}' in rule '{id}'"),
                        did_you_mean(text, &Window::NAMES).replace('`', "'"),
                    );
                    return None;
                }
            },
        };
        match (raw.below, raw.above, &raw.change) {
            (Some(threshold), None, None) | (None, Some(threshold), None) => {
                Some(Condition::Threshold {
                    metric,
                    window,
                    above: raw.above.is_some(),
                    threshold,
                })
            }
            (None, None, Some(change)) => Some(Condition::Change {
                metric,
                window,
                change: self.change(change)?,
            }),
            (None, None, None) => {
                self.error(
                    &["metric"],
                    format!("rule '{id}' names metric '{name}' but no 'below', 'above' or 'change'"),
                    "add 'below: N', 'above: N' or 'change: { by: -2, unit: pts, against: previous_period }'".into(),
                );
                None
            }
            _ => {
                let second = if raw.change.is_some() {
                    "change"
                } else {
                    "above"
                };
                self.error(
                    &[second],
                    format!("rule '{id}' mixes 'below', 'above' and 'change'"),
                    "give one of them; write two rules for two conditions".into(),
                );
                None
            }
        }
    }

    fn change(&mut self, raw: &RawChange) -> Option<Change> {
        let id = self.id;
        let by = match raw.by {
            Some(by) if by != 0.0 && by.is_finite() => by,
            found => {
                self.error(
                    &["change", "by"],
                    format!(
                        "'change.by' in rule '{id}' should be a change other than 0 (found '{}')",
                        found.map_or("nothing".into(), |f| f.to_string())
                    ),
                    "negative for a fall (by: -2), positive for a rise (by: 5)".into(),
                );
                return None;
            }
        };
        let relative = match raw.unit.as_deref() {
            None | Some("pts") => false,
            Some("pct") => true,
            Some(other) => {
                self.error(
                    &["change", "unit"],
                    format!("unknown unit '{other}' in rule '{id}'"),
                    did_you_mean(other, &["pts", "pct"]).replace('`', "'"),
                );
                return None;
            }
        };
        let against_week = match raw.against.as_deref() {
            None | Some("previous_period") => false,
            Some("previous_week") => true,
            Some(other) => {
                self.error(
                    &["change", "against"],
                    format!("unknown 'against' '{other}' in rule '{id}'"),
                    did_you_mean(other, &["previous_period", "previous_week"]).replace('`', "'"),
                );
                return None;
            }
        };
        Some(Change {
            by,
            relative,
            against_week,
        })
    }

    fn scope(&mut self, raw: Option<&RawScope>) -> RuleScope {
        let Some(raw) = raw else {
            return RuleScope::Company;
        };
        let each = |v: &String| (v != "each").then(|| v.clone());
        let set: Vec<&str> = [
            ("segment", raw.segment.is_some()),
            ("csm", raw.csm.is_some()),
            ("account", raw.account.is_some()),
        ]
        .iter()
        .filter(|(_, s)| *s)
        .map(|(k, _)| *k)
        .collect();
        if set.len() > 1 {
            self.error(
                &["scope", set[1]],
                format!(
                    "the scope of rule '{}' names {}",
                    self.id,
                    set.join(" and ")
                ),
                "give one of segment, csm or account (no scope: the whole company)".into(),
            );
        }
        if let Some(account) = &raw.account
            && account != "each"
        {
            self.error(
                &["scope", "account"],
                format!("bad value for 'scope.account' (found '{account}', expected each)"),
                "an account scope makes one alert per account: 'account: each'".into(),
            );
        }
        if let Some(segment) = &raw.segment {
            RuleScope::Segment(each(segment))
        } else if let Some(csm) = &raw.csm {
            RuleScope::Csm(each(csm))
        } else if raw.account.is_some() {
            RuleScope::Account
        } else {
            RuleScope::Company
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse(text) {
            Ok(rules) => panic!("expected problems, got {rules:?}"),
            Err(d) => d.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn reads_every_kind_of_rule() {
        let text = "rules:
  nrr-low:
    metric: nrr
    below: 100
    severity: critical
    recipients: [leadership, cs-ops@example.com]
  nrr-drop:
    metric: nrr
    basis: month
    change: { by: -2, unit: pts, against: previous_week }
    resolved: true
  red:
    health_below: 50
    scope: { csm: each }
    recipients: [csm, manager]
    every_time: true
  due:
    renewal_at_risk: { due_within_days: 60 }
    scope: { segment: Enterprise }
  usage:
    usage_decline: true
    scope: { account: each }
    severity: info
";
        let Ok(Rules(rules)) = parse(text) else {
            panic!("valid rules");
        };
        // In id order.
        let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["due", "nrr-drop", "nrr-low", "red", "usage"]);
        assert_eq!(
            rules[0].condition,
            Condition::RenewalAtRisk {
                due_within_days: 60
            }
        );
        assert_eq!(
            rules[0].scope,
            RuleScope::Segment(Some("Enterprise".into()))
        );
        assert_eq!(rules[0].severity, Severity::Warning);
        let Condition::Change {
            metric,
            window,
            change,
        } = &rules[1].condition
        else {
            panic!("a change rule");
        };
        assert_eq!((metric.id, *window), ("nrr", Window::Month));
        assert_eq!(
            *change,
            Change {
                by: -2.0,
                relative: false,
                against_week: true
            }
        );
        assert!(rules[1].resolved && !rules[1].every_time);
        // A rate's default window is the trailing twelve months.
        let Condition::Threshold {
            window,
            above,
            threshold,
            ..
        } = &rules[2].condition
        else {
            panic!("a threshold rule");
        };
        assert_eq!((*window, *above, *threshold), (Window::Ttm, false, 100.0));
        assert_eq!(rules[2].recipients, ["leadership", "cs-ops@example.com"]);
        assert_eq!(rules[3].condition, Condition::HealthBelow(50.0));
        assert_eq!(rules[3].scope, RuleScope::Csm(None));
        assert!(rules[3].every_time);
        assert_eq!(rules[4].scope, RuleScope::Account);
        assert_eq!(rules[4].severity, Severity::Info);
        // No file content, no rules.
        assert_eq!(parse("# nothing yet\n").ok(), Some(Rules::default()));
    }

    #[test]
    fn reports_every_problem_with_its_position() {
        let text = "rules:
  a:
    metric: nrrr
    below: 100
  b:
    metric: nrr
    change: { by: -2, unit: points }
    severity: urgent
  c:
    health_below: 50
    usage_decline: true
    recipients: [managr]
  d:
    metric: grr
    basis: weekly
    above: 1
    colour: red
  e:
    scope: { account: acme }
";
        assert_eq!(
            errors(text),
            [
                "alerts.yaml:3:5: error: unknown metric 'nrrr' in rule 'a'\n  help: did you mean 'nrr'?",
                "alerts.yaml:7:23: error: unknown unit 'points' in rule 'b'\n  help: expected one of: pts, pct",
                "alerts.yaml:8:5: error: unknown severity 'urgent' in rule 'b'\n  help: expected one of: info, warning, critical",
                "alerts.yaml:11:5: error: rule 'c' has more than one condition (health_below, usage_decline)\n  help: give one condition: 'metric' with 'below', 'above' or 'change'; 'health_below'; 'renewal_at_risk'; or 'usage_decline: true'",
                "alerts.yaml:12:5: error: unknown recipient 'managr' in rule 'c'\n  help: did you mean 'manager'?",
                "alerts.yaml:15:5: error: unknown basis 'weekly' in rule 'd'\n  help: expected one of: month, quarter, year, ttm",
                "alerts.yaml:17:5: error: unknown key 'colour' in 'rules.d'\n  help: expected one of: metric, basis, below, above, change, health_below, renewal_at_risk, usage_decline, scope, severity, recipients, every_time, resolved",
                "alerts.yaml:18:3: error: rule 'e' has no condition\n  help: give one condition: 'metric' with 'below', 'above' or 'change'; 'health_below'; 'renewal_at_risk'; or 'usage_decline: true'",
                "alerts.yaml:19:14: error: bad value for 'scope.account' (found 'acme', expected each)\n  help: an account scope makes one alert per account: 'account: each'",
            ]
        );
    }
}
