//! Components: the Tera function calls a report body embeds (`{{ kpis(metrics="nrr, grr") }}`),
//! their catalog of names, arguments, chart types, data sources and table columns, the scanner that
//! finds calls in a body with their line and column, and the checks that turn a call's arguments
//! into a typed `Component`. One set of rules serves `postsale check` (literal arguments, before
//! rendering) and the build (every argument, after Tera has evaluated them).

use crate::diagnostic::Diagnostic;
use crate::metrics::catalog::{self, MetricDef};
use serde_json::Value as Json;

/// A component known to the site: its name, its arguments and what it is for.
#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    /// Inline components sit inside a sentence; the others are blocks on a line of their own.
    pub inline: bool,
    pub args: &'static [&'static str],
    pub required: &'static [&'static str],
    pub summary: &'static str,
}

/// Every component.
pub const COMPONENTS: &[Def] = &[
    Def {
        name: "kpis",
        inline: false,
        args: &["metrics"],
        required: &["metrics"],
        summary: "KPI tiles: value (a rate: over the trailing twelve months, the period's own figure beside it), change against the previous period and a year ago, status colour, sparkline; each links to the metric's page",
    },
    Def {
        name: "value",
        inline: true,
        args: &["metric", "show"],
        required: &["metric"],
        summary: "one formatted number inside a sentence; `show` is value (default), previous, year_ago, change, change_year, target or status",
    },
    Def {
        name: "chart",
        inline: false,
        args: &[
            "type", "metric", "metrics", "data", "by", "periods", "title", "basis",
        ],
        required: &["type"],
        summary: "an SVG chart with its data table; see the chart types and data sources; `basis=\"ttm\"` plots metric histories over the trailing twelve months ending at each period's end",
    },
    Def {
        name: "table",
        inline: false,
        args: &["of", "metrics", "by", "columns", "limit"],
        required: &["of"],
        summary: "a sortable table; see the table kinds and their columns",
    },
    Def {
        name: "changes",
        inline: false,
        args: &["count"],
        required: &[],
        summary: "\"what changed\": the metrics that moved most against the previous period, as bullets",
    },
    Def {
        name: "attention",
        inline: false,
        args: &["limit", "changes"],
        required: &[],
        summary: "what needs attention on the as-of date: the open ARR due in the next 30 and 90 days and overdue, the `limit` most urgent open renewals at risk (default 5) with owner, ARR, due date or days overdue and reasons, each linked, and the `changes` metrics that moved most (default 3)",
    },
    Def {
        name: "tracked_actions",
        inline: false,
        args: &["show", "limit"],
        required: &[],
        summary: "the tracked actions of actions.csv in one issue of a review (taken the day after the page's period ends, or on the as-of date for the latest issue): `show=\"open\"` (default) the actions open that day by owner, with target, created and due dates, days overdue and how the target metric moved since the action was opened; `show=\"closed\"` those done or dropped since the previous issue, with their outcome; `show=\"all\"` every action, open first; `limit` rows at most. A CSM page lists the CSM's own actions, an account page the account's, a segment page the segment's and its accounts'",
    },
    Def {
        name: "snapshot",
        inline: false,
        args: &[],
        required: &[],
        summary: "the account snapshot (on `per: account` pages): lifecycle, ARR, health, usage, contact, renewal, risk factors; on `per: csm` pages the book's summary: ARR, health mix, renewals due in 30 and 90 days, open tasks",
    },
];

/// Tera's own functions, which a body may call too.
const TERA_FUNCTIONS: &[&str] = &["range", "throw", "get_random", "get_env", "now"];

/// A closed set of names a component argument chooses from (chart types, chart data sources,
/// table kinds): one list read by `check`, rendering and the README reference, so the compiler
/// finds every `match` a new kind must join.
pub trait Kind: Copy + PartialEq + 'static {
    /// Every kind, in reference order.
    const ALL: &'static [Self];

    /// The name a report writes (`stacked_bar`, `health_bands`).
    fn name(self) -> &'static str;

    /// The kind named `name`, if any.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Every name, in reference order.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|k| k.name()).collect()
    }
}

/// Declares a [`Kind`] enum: each variant with its documentation and the name reports use. The
/// enum gets `ALL`, `name()` and `parse()` of its own too, so callers need not import the trait.
macro_rules! kinds {
    ($(#[$doc:meta])* $enum:ident { $($(#[$vdoc:meta])* $variant:ident = $name:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $($(#[$vdoc])* $variant,)+
        }

        impl $enum {
            /// Every kind, in reference order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)+];

            /// The name a report writes.
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)+
                }
            }

            /// The kind named `name`, if any.
            pub fn parse(name: &str) -> Option<$enum> {
                <$enum as Kind>::parse(name)
            }
        }

        impl Kind for $enum {
            const ALL: &'static [$enum] = $enum::ALL;

            fn name(self) -> &'static str {
                $enum::name(self)
            }
        }
    };
}

kinds! {
    /// A chart type: how a chart draws its numbers.
    ChartType {
        /// Lines over periods (the default).
        Line = "line",
        /// Bars, one per period or group.
        Bar = "bar",
        /// Bars stacked per period or group.
        StackedBar = "stacked_bar",
        /// Points on two value axes.
        Scatter = "scatter",
        /// A grid of coloured cells.
        Heatmap = "heatmap",
        /// A bridge from a starting to an ending total.
        Waterfall = "waterfall",
        /// Conversion steps.
        Funnel = "funnel",
        /// Shares of a whole.
        Donut = "donut",
        /// A small line without axes.
        Sparkline = "sparkline",
    }
}

impl ChartType {
    /// Whether the type draws metric histories (`metric`/`metrics`); the others take `data`.
    fn draws_histories(self) -> bool {
        matches!(
            self,
            ChartType::Line | ChartType::Bar | ChartType::Sparkline
        )
    }
}

kinds! {
    /// A chart's data source other than metric histories (`chart(data=...)`).
    DataSource {
        /// MRR movements per period.
        MrrMovements = "mrr_movements",
        /// The MRR bridge of the period.
        MrrBridge = "mrr_bridge",
        /// Accounts per health band.
        HealthBands = "health_bands",
        /// ARR per health band.
        HealthBandsArr = "health_bands_arr",
        /// Open renewals due soon, by stage.
        RenewalStages = "renewal_stages",
        /// Renewal ARR due per month, by stage.
        RenewalPipeline = "renewal_pipeline",
        /// Logo retention by cohort and age.
        Cohorts = "cohorts",
        /// Logo retention curves of the latest quarterly cohorts.
        CohortCurves = "cohort_curves",
        /// Kaplan–Meier survival of customer lifetime, overall or by a dimension.
        Survival = "survival",
        CohortsRevenue = "cohorts_revenue",
        /// Active accounts: health against ARR.
        Accounts = "accounts",
        /// MRR per month.
        Mrr = "mrr",
        /// An account's health score over time.
        Health = "health",
        /// An account's DAU/MAU over time.
        Usage = "usage",
    }
}

impl DataSource {
    /// The chart types that can draw the source.
    pub fn types(self) -> &'static [ChartType] {
        use ChartType::*;
        match self {
            DataSource::MrrMovements => &[StackedBar, Bar],
            DataSource::MrrBridge => &[Waterfall],
            DataSource::HealthBands | DataSource::HealthBandsArr => &[Donut, Bar, StackedBar],
            DataSource::RenewalStages => &[Bar],
            DataSource::RenewalPipeline => &[StackedBar],
            DataSource::Cohorts | DataSource::CohortsRevenue => &[Heatmap],
            DataSource::CohortCurves | DataSource::Survival => &[Line],
            DataSource::Accounts => &[Scatter],
            DataSource::Mrr | DataSource::Usage => &[Line, Bar],
            DataSource::Health => &[Line],
        }
    }

    /// What the source shows, for the README reference.
    pub fn summary(self) -> &'static str {
        match self {
            DataSource::MrrMovements => "new, expansion, contraction and churned MRR per period",
            DataSource::MrrBridge => "the MRR bridge of the period: opening, movements, closing",
            DataSource::HealthBands => "accounts per health band (stacked_bar: by segment)",
            DataSource::HealthBandsArr => "ARR per health band (stacked_bar: by segment)",
            DataSource::RenewalStages => {
                "open renewals due in the next 90 days by stage: ARR bars, the count in each label"
            }
            DataSource::RenewalPipeline => {
                "renewal ARR due in each of the next six months, by stage"
            }
            DataSource::Cohorts => {
                "logo retention by quarterly cohort (the last 36 months) at every third month of age"
            }
            DataSource::CohortsRevenue => {
                "revenue retention (MRR against the cohort's MRR at M0) by quarterly cohort (the last 36 months) at every third month of age"
            }
            DataSource::CohortCurves => {
                "logo retention curves, month by month of age, of the six latest quarterly cohorts that have reached 6 months"
            }
            DataSource::Survival => {
                "Kaplan–Meier survival of customer lifetime (first subscription spells), drawn as steps, with its table: medians, survival at 12/24/36 months, the log-rank test (by=: one curve per group)"
            }
            DataSource::Accounts => {
                "every active account: health score against ARR, coloured by band"
            }
            DataSource::Mrr => "MRR per month (on an account page: the account's)",
            DataSource::Health => {
                "the account's health score over the last 90 days (account pages)"
            }
            DataSource::Usage => "the account's DAU/MAU over the last six months (account pages)",
        }
    }
}

kinds! {
    /// A table kind (`table(of=...)`).
    TableKind {
        /// Catalog metrics for the period, the previous period and a year ago.
        Metrics = "metrics",
        /// Catalog metrics split by a dimension.
        Breakdown = "breakdown",
        /// Accounts at risk, most urgent first.
        AtRisk = "at_risk",
        /// The accounts (a CSM's book on a CSM page).
        Accounts = "accounts",
        /// Open renewals due soon (an account's renewals on its page).
        Renewals = "renewals",
        /// The largest health score changes of the week.
        Movers = "movers",
        /// Every CSM side by side.
        Team = "team",
        /// The ranked action list.
        Actions = "actions",
        /// Open tasks by due bucket.
        Tasks = "tasks",
        /// The renewal board line.
        Forecast = "forecast",
        /// Accounts and ARR per health band.
        HealthBands = "health_bands",
        /// Churned accounts of the period by reason.
        ChurnReasons = "churn_reasons",
        /// An account's latest activities.
        Activities = "activities",
        /// Renewal outcomes by what was known before (health at T-90, value review, sponsor
        /// change, usage decline at T-60).
        LeadingIndicators = "leading_indicators",
        /// Open renewals by stage: ARR, stalled, mean days in stage.
        StageHealth = "stage_health",
        /// ARR of the period's renewals flagged at risk at T-90, T-60 and T-30.
        AtRiskTrajectory = "at_risk_trajectory",
        /// Unit economics per group of a dimension.
        Economics = "economics",
        /// Each group's share of churn against its share of the base.
        ChurnComposition = "churn_composition",
        /// Churned accounts of the period by group and reason.
        ChurnReasonsBy = "churn_reasons_by",
        /// What goes with each outcome: rates with and without each driver, differences with
        /// 95 % intervals.
        Drivers = "drivers",
        /// Quarterly cohorts: logo, net and gross revenue retention by age, churn in year one.
        Cohorts = "cohorts",
        /// The same by monthly cohort.
        CohortsMonthly = "cohorts_monthly",
        /// An account's latest support tickets.
        Tickets = "tickets",
    }
}

kinds! {
    /// What `tracked_actions(show=...)` lists.
    ActionsShow {
        /// The actions open on the day, by owner.
        Open = "open",
        /// The actions closed since the previous issue.
        Closed = "closed",
        /// Every action up to the day, open first.
        All = "all",
    }
}

impl TableKind {
    /// The kind's columns, in display order; empty when its columns are its `metrics`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            TableKind::Metrics => &[
                "metric",
                "value",
                "previous",
                "change",
                "year_ago",
                "change_year",
                "target",
                "status",
            ],
            TableKind::Breakdown => &[],
            TableKind::AtRisk => &[
                "account",
                "arr",
                "segment",
                "csm",
                "health",
                "days_to_renewal",
                "stage",
                "risk_factors",
                "urgency",
                "churn_risk",
                "expansion_chance",
                "churn_factors",
            ],
            TableKind::Accounts => &[
                "account",
                "segment",
                "csm",
                "arr",
                "health",
                "band",
                "health_change",
                "last_contact",
                "touchpoints",
                "qbr",
                "nps",
                "open_tickets",
                "next_renewal",
                "days_to_renewal",
                "risk_factors",
                "urgency",
                "churn_risk",
                "expansion_chance",
                "churn_factors",
            ],
            TableKind::Renewals => &[
                "account",
                "csm",
                "due_on",
                "days",
                "arr",
                "stage",
                "forecast",
                "checklist",
                "renewed_arr",
            ],
            TableKind::Movers => &["account", "csm", "before", "after", "change", "arr"],
            TableKind::Team => &[
                "csm",
                "accounts",
                "arr",
                "capacity_use",
                "expansion_arr",
                "quota_attainment",
            ],
            TableKind::Actions => &[
                "rank",
                "account",
                "action",
                "arr",
                "days_to_renewal",
                "urgency",
            ],
            TableKind::Tasks => &["bucket", "tasks"],
            TableKind::Forecast => &["line", "arr", "share"],
            TableKind::HealthBands => &["band", "accounts", "accounts_share", "arr", "arr_share"],
            TableKind::ChurnReasons => &["reason", "accounts", "mrr", "share"],
            TableKind::LeadingIndicators => &[
                "signal",
                "group",
                "closed",
                "won",
                "renewal_rate",
                "difference",
            ],
            TableKind::StageHealth => &["stage", "open", "arr", "stalled", "days_in_stage"],
            TableKind::AtRiskTrajectory => &["when", "at_risk_arr", "share_of_due"],
            TableKind::Economics => &[
                "group",
                "accounts",
                "cac",
                "sales_cycle_days",
                "payback_months",
                "lifetime_months",
                "ltv",
                "ltv_cac",
            ],
            TableKind::ChurnComposition => &[
                "group",
                "base_logo_share",
                "churned_logos",
                "churned_logo_share",
                "base_mrr_share",
                "churned_mrr",
                "churned_mrr_share",
                "over_representation",
            ],
            TableKind::ChurnReasonsBy => &["group", "reason", "accounts", "mrr", "share"],
            TableKind::Drivers => &[
                "driver",
                "with",
                "without",
                "driver_gap",
                "interval",
                "note",
            ],
            TableKind::Cohorts | TableKind::CohortsMonthly => &[
                "cohort",
                "customers",
                "start_mrr",
                "logo_3",
                "logo_6",
                "logo_12",
                "logo_24",
                "nrr_12",
                "grr_12",
                "churn_12m",
            ],
            TableKind::Activities => &["date", "type", "status", "csm", "minutes"],
            TableKind::Tickets => &[
                "opened",
                "priority",
                "status",
                "first_response_hours",
                "csat",
            ],
        }
    }

    /// The columns shown when a report names none.
    pub fn defaults(self) -> &'static [&'static str] {
        match self {
            TableKind::Metrics => &[
                "metric",
                "value",
                "previous",
                "change",
                "year_ago",
                "change_year",
                "status",
            ],
            TableKind::AtRisk => &[
                "account",
                "arr",
                "days_to_renewal",
                "csm",
                "health",
                "risk_factors",
            ],
            TableKind::Accounts => &[
                "account",
                "arr",
                "health",
                "health_change",
                "last_contact",
                "days_to_renewal",
                "risk_factors",
            ],
            TableKind::Renewals => &[
                "account",
                "due_on",
                "days",
                "arr",
                "stage",
                "forecast",
                "checklist",
            ],
            TableKind::Actions => &["rank", "account", "action", "arr", "days_to_renewal"],
            TableKind::Activities => &["date", "type", "status", "csm"],
            TableKind::Tickets => &["opened", "priority", "status", "first_response_hours"],
            TableKind::Breakdown
            | TableKind::Movers
            | TableKind::Team
            | TableKind::Tasks
            | TableKind::Forecast
            | TableKind::HealthBands
            | TableKind::ChurnReasons
            | TableKind::LeadingIndicators
            | TableKind::StageHealth
            | TableKind::AtRiskTrajectory
            | TableKind::Economics
            | TableKind::ChurnComposition
            | TableKind::ChurnReasonsBy
            | TableKind::Drivers
            | TableKind::Cohorts
            | TableKind::CohortsMonthly => self.columns(),
        }
    }

    /// What the table lists, for the README reference.
    pub fn summary(self) -> &'static str {
        match self {
            TableKind::Metrics => {
                "the `metrics` for the period, the previous period and a year ago"
            }
            TableKind::Breakdown => {
                "the `metrics` split `by` a dimension (segment, region, csm_id, acv_band, any accounts.csv column)"
            }
            TableKind::AtRisk => {
                "the open renewals at risk on the as-of date (flagged at risk, or red health and due within 180 days; overdue included), most urgent first, each with its own ARR and days to go or overdue"
            }
            TableKind::Accounts => "the accounts (on a CSM page: the book), most urgent first",
            TableKind::Renewals => {
                "open renewals due in the next 90 days or overdue, soonest first (on an account page: all its renewals)"
            }
            TableKind::Movers => "the largest health score changes of the last 7 days",
            TableKind::Team => "every CSM side by side; add catalog `metrics` as extra columns",
            TableKind::Actions => {
                "the ranked action list (a CSM page: theirs; elsewhere: the whole team's)"
            }
            TableKind::Tasks => "open tasks overdue, due today and due later this week",
            TableKind::Forecast => {
                "the renewal board line of the period: due, high confidence, at risk, lost, forecast"
            }
            TableKind::HealthBands => "accounts and ARR per health band",
            TableKind::ChurnReasons => "churned accounts of the period by reason",
            TableKind::Activities => "the latest activities (account pages)",
            TableKind::Tickets => "the latest support tickets (account pages)",
            TableKind::LeadingIndicators => {
                "renewal rate of the period's closed renewals by what was known before they closed: health at T-90, value review done, a sponsor change in the 90 days before due, usage decline at T-60; small samples marked"
            }
            TableKind::StageHealth => {
                "open renewals due from the as-of date on, by stage: count, ARR, how many are stalled, mean days spent in the stage"
            }
            TableKind::AtRiskTrajectory => {
                "the ARR of the period's renewals flagged at risk in the forecast snapshot 90, 60 and 30 days before each due date"
            }
            TableKind::Economics => {
                "unit economics per group `by` a dimension (default segment; company-wide): CAC, sales cycle, payback months, lifetime, LTV, LTV:CAC"
            }
            TableKind::ChurnComposition => {
                "each group `by` a dimension (default segment; company-wide): its share of the base at the period start beside its share of the period's churned logos and MRR; over-represented groups flagged"
            }
            TableKind::Cohorts => {
                "quarterly cohorts, newest first (`limit`, default 12): customers, starting MRR, logo retention at 3, 6, 12 and 24 months, NRR and GRR at 12 months, share lost in the first 12 months; with `by`, each group's cohorts pooled"
            }
            TableKind::CohortsMonthly => "the same by monthly cohort",
            TableKind::Drivers => {
                "for each outcome (renewal lost, churned within 90 or 180 days, expanded within 12 months) the candidate drivers known before it (QBR, early adoption, tickets, health, NPS, time to value, sponsor change, usage decline, CSM load): the outcome's rate with and without, the difference in points with a 95 % interval, small samples flagged, ranked; associations, not causes"
            }
            TableKind::ChurnReasonsBy => {
                "churned accounts of the period by group `by` a dimension (default segment) and reason, with each reason's share of the group's churned MRR"
            }
        }
    }

    /// Whether the table's rows are its `metrics` (which it then needs).
    fn lists_metrics(self) -> bool {
        matches!(self, TableKind::Metrics | TableKind::Breakdown)
    }
}

/// What `value(show=...)` prints.
pub const SHOWS: &[&str] = &[
    "value",
    "previous",
    "year_ago",
    "change",
    "change_year",
    "target",
    "status",
];

/// One argument of a call: its value when it is a literal, `None` when it is a Tera expression
/// (checked only once rendering has evaluated it).
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub key: String,
    pub value: Option<Json>,
    pub line: usize,
    pub column: usize,
}

/// A component call found in a body.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Vec<Arg>,
    pub line: usize,
    pub column: usize,
}

/// A chart's source of numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// History of catalog metrics over the report's periods.
    Metrics(Vec<&'static MetricDef>),
    /// History of catalog metrics over the trailing twelve months ending at the last month of
    /// each of the report's periods (`basis="ttm"`): TTM retention by quarter on a board page.
    Trailing(Vec<&'static MetricDef>),
    /// One metric split by a dimension.
    Breakdown(&'static MetricDef, String),
    /// A data source, optionally split by a dimension.
    Data(DataSource, Option<String>),
}

/// A checked component, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub enum Component {
    Kpis(Vec<&'static MetricDef>),
    Value {
        metric: &'static MetricDef,
        show: &'static str,
    },
    Chart {
        kind: ChartType,
        source: Source,
        periods: usize,
        title: Option<String>,
    },
    Table {
        of: TableKind,
        columns: Vec<&'static str>,
        metrics: Vec<&'static MetricDef>,
        by: Option<String>,
        limit: Option<usize>,
    },
    Changes(usize),
    Snapshot,
    /// What needs attention: `limit` at-risk renewals and `changes` "what changed" lines.
    Attention {
        limit: usize,
        changes: usize,
    },
    /// The tracked actions of actions.csv: which, and at most `limit` rows.
    TrackedActions {
        show: ActionsShow,
        limit: Option<usize>,
    },
}

/// A problem with one argument (or the whole call when `arg` is None).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub arg: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    fn new(arg: &str, message: String, help: Option<String>) -> Problem {
        Problem {
            arg: Some(arg.to_string()),
            message,
            help,
        }
    }
}

/// The component definition named `name`.
pub fn def(name: &str) -> Option<&'static Def> {
    COMPONENTS.iter().find(|d| d.name == name)
}

/// Splits a comma-separated list, trimming blanks.
fn list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn text_arg<'a>(args: &'a [(String, Option<Json>)], key: &str) -> Option<Option<&'a Json>> {
    args.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_ref())
}

/// Checks a call's arguments and builds the component. Arguments whose value is `None` (not
/// known before rendering) are skipped; `dimensions` are the valid `by` values.
pub fn check(
    name: &str,
    args: &[(String, Option<Json>)],
    dimensions: &[&str],
) -> Result<Component, Vec<Problem>> {
    let Some(def) = def(name) else {
        let known: Vec<&str> = COMPONENTS.iter().map(|d| d.name).collect();
        return Err(vec![Problem {
            arg: None,
            message: format!("unknown component '{name}'"),
            help: Some(super::suggestion(name, &known)),
        }]);
    };
    let mut problems = Vec::new();
    for (key, _) in args {
        if !def.args.contains(&key.as_str()) {
            let help = if def.args.is_empty() {
                format!("'{name}' takes no arguments")
            } else {
                super::suggestion(key, def.args)
            };
            problems.push(Problem::new(
                key,
                format!("'{name}' has no argument '{key}'"),
                Some(help),
            ));
        }
    }
    for required in def.required {
        if text_arg(args, required).is_none() {
            problems.push(Problem {
                arg: None,
                message: format!("'{name}' needs the argument '{required}'"),
                help: Some(format!("for example {}", example(name))),
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut b = Builder {
        args,
        problems: Vec::new(),
        dimensions,
    };
    let component = match name {
        "kpis" => Component::Kpis(b.metrics("metrics")),
        "value" => Component::Value {
            metric: b
                .metrics("metric")
                .first()
                .copied()
                .unwrap_or(&catalog::CATALOG[0]),
            show: b.choice("show", SHOWS).unwrap_or("value"),
        },
        "chart" => b.chart(),
        "table" => b.table(),
        "changes" => Component::Changes(b.count("count").unwrap_or(3)),
        "attention" => Component::Attention {
            limit: b.count("limit").unwrap_or(5),
            changes: b.count("changes").unwrap_or(3),
        },
        "tracked_actions" => Component::TrackedActions {
            show: b.kind("show").unwrap_or(ActionsShow::Open),
            limit: b.count("limit"),
        },
        _ => Component::Snapshot,
    };
    if b.problems.is_empty() {
        Ok(component)
    } else {
        Err(b.problems)
    }
}

/// A one-line example of a call, for help texts.
pub fn example(name: &str) -> &'static str {
    match name {
        "kpis" => "{{ kpis(metrics=\"nrr, grr, logo_churn_rate\") }}",
        "value" => "{{ value(metric=\"nrr\") }}",
        "chart" => "{{ chart(type=\"line\", metric=\"nrr\") }}",
        "table" => "{{ table(of=\"at_risk\", limit=10) }}",
        "changes" => "{{ changes(count=3) }}",
        "attention" => "{{ attention(limit=5) }}",
        "tracked_actions" => "{{ tracked_actions(show=\"open\") }}",
        _ => "{{ snapshot() }}",
    }
}

struct Builder<'a> {
    args: &'a [(String, Option<Json>)],
    problems: Vec<Problem>,
    dimensions: &'a [&'a str],
}

impl Builder<'_> {
    /// The argument as a string: `None` when absent or not known yet.
    fn string(&mut self, key: &str) -> Option<String> {
        match text_arg(self.args, key)?? {
            Json::String(s) => Some(s.clone()),
            other => {
                self.problems.push(Problem::new(
                    key,
                    format!("'{key}' must be a text in quotes, found {other}"),
                    None,
                ));
                None
            }
        }
    }

    fn count(&mut self, key: &str) -> Option<usize> {
        match text_arg(self.args, key)?? {
            Json::Number(n) if n.as_u64().is_some_and(|n| (1..=1000).contains(&n)) => {
                n.as_u64().map(|n| n as usize)
            }
            other => {
                self.problems.push(Problem::new(
                    key,
                    format!("'{key}' must be a whole number from 1 to 1000, found {other}"),
                    None,
                ));
                None
            }
        }
    }

    fn choice(&mut self, key: &str, known: &[&'static str]) -> Option<&'static str> {
        let text = self.string(key)?;
        match known.iter().find(|k| **k == text) {
            Some(k) => Some(k),
            None => {
                self.problems.push(Problem::new(
                    key,
                    format!("unknown {key} '{text}'"),
                    Some(super::suggestion(&text, known)),
                ));
                None
            }
        }
    }

    /// The argument as a kind of `K`, with a "did you mean" over its names when unknown.
    fn kind<K: Kind>(&mut self, key: &str) -> Option<K> {
        self.choice(key, &K::names()).and_then(K::parse)
    }

    fn metrics(&mut self, key: &str) -> Vec<&'static MetricDef> {
        let Some(text) = self.string(key) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let known: Vec<&str> = catalog::ids().collect();
        for id in list(&text) {
            match catalog::get(id) {
                Some(def) => out.push(def),
                None => self.problems.push(Problem::new(
                    key,
                    format!("unknown metric '{id}'"),
                    Some(super::suggestion(id, &known)),
                )),
            }
        }
        if out.is_empty() && self.problems.is_empty() {
            self.problems.push(Problem::new(
                key,
                format!("'{key}' names no metric"),
                Some("give catalog ids, e.g. \"nrr, grr\"".into()),
            ));
        }
        out
    }

    fn dimension(&mut self) -> Option<String> {
        let text = self.string("by")?;
        if self.dimensions.is_empty() || self.dimensions.contains(&text.as_str()) {
            Some(text)
        } else {
            self.problems.push(Problem::new(
                "by",
                format!("unknown dimension '{text}'"),
                Some(super::suggestion(&text, self.dimensions)),
            ));
            None
        }
    }

    fn chart(&mut self) -> Component {
        let kind = self.kind("type").unwrap_or(ChartType::Line);
        let periods = self.count("periods").unwrap_or(12);
        let title = self.string("title");
        let by = self.dimension();
        let data: Option<DataSource> = self.kind("data");
        let has_metric = text_arg(self.args, "metric").is_some();
        let has_metrics = text_arg(self.args, "metrics").is_some();
        let mut metrics = Vec::new();
        if has_metric {
            metrics.extend(self.metrics("metric"));
        }
        if has_metrics {
            metrics.extend(self.metrics("metrics"));
        }
        let source = match (data, metrics.is_empty()) {
            (Some(d), true) => {
                let types = d.types();
                if !types.contains(&kind) {
                    let why = if kind == ChartType::Funnel {
                        " (a funnel draws conversion steps, and these are separate groups)"
                    } else {
                        ""
                    };
                    let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
                    self.problems.push(Problem::new(
                        "type",
                        format!(
                            "data '{}' cannot be drawn as a {} chart{why}",
                            d.name(),
                            kind.name()
                        ),
                        Some(format!("use type {}", names.join(" or "))),
                    ));
                }
                Source::Data(d, by)
            }
            (None, false) => {
                if !kind.draws_histories() {
                    self.problems.push(Problem::new(
                        "type",
                        format!("a {} chart does not draw metric histories", kind.name()),
                        Some(
                            "metric histories are line, bar or sparkline charts; other types take `data`"
                                .into(),
                        ),
                    ));
                }
                match by {
                    Some(dim) if kind == ChartType::Bar && metrics.len() == 1 => {
                        Source::Breakdown(metrics[0], dim)
                    }
                    Some(_) => {
                        self.problems.push(Problem::new(
                            "by",
                            "`by` with metrics draws one metric as a bar chart".into(),
                            Some("use type=\"bar\" and a single `metric`".into()),
                        ));
                        Source::Metrics(metrics)
                    }
                    None => Source::Metrics(metrics),
                }
            }
            (Some(_), false) => {
                self.problems.push(Problem::new(
                    "data",
                    "a chart takes either metrics or data, not both".into(),
                    None,
                ));
                Source::Metrics(metrics)
            }
            (None, true) => {
                let known_unevaluated = ["data", "metric", "metrics"]
                    .iter()
                    .any(|k| matches!(text_arg(self.args, k), Some(None)));
                if !known_unevaluated && self.problems.is_empty() {
                    self.problems.push(Problem {
                        arg: None,
                        message: "a chart needs `metric`, `metrics` or `data`".into(),
                        help: Some(format!("data sources: {}", DataSource::names().join(", "))),
                    });
                }
                Source::Metrics(Vec::new())
            }
        };
        let source = match (self.string("basis").as_deref(), source) {
            (None, source) => source,
            (Some("ttm"), Source::Metrics(metrics)) => Source::Trailing(metrics),
            (Some("ttm"), source) => {
                self.problems.push(Problem::new(
                    "basis",
                    "`basis` applies to metric histories, not to data sources or breakdowns".into(),
                    Some("drop `basis`, or chart `metric`/`metrics` without `by`".into()),
                ));
                source
            }
            (Some(other), source) => {
                self.problems.push(Problem::new(
                    "basis",
                    format!("unknown basis '{other}'"),
                    Some("the one basis a chart can ask for is \"ttm\"".into()),
                ));
                source
            }
        };
        Component::Chart {
            kind,
            source,
            periods,
            title,
        }
    }

    fn table(&mut self) -> Component {
        let of = self.kind("of").unwrap_or(TableKind::Metrics);
        let (all, defaults) = (of.columns(), of.defaults());
        let name = of.name();
        let metrics = if text_arg(self.args, "metrics").is_some() {
            self.metrics("metrics")
        } else {
            Vec::new()
        };
        let by = self.dimension();
        let limit = self.count("limit");
        let columns = match self.string("columns") {
            Some(text) if all.is_empty() => {
                self.problems.push(Problem::new(
                    "columns",
                    format!("a {name} table's columns are its `metrics`"),
                    Some(format!("drop columns=\"{text}\"")),
                ));
                Vec::new()
            }
            Some(text) => {
                let mut out = Vec::new();
                for c in list(&text) {
                    match all.iter().find(|k| **k == c) {
                        Some(k) => out.push(*k),
                        None => self.problems.push(Problem::new(
                            "columns",
                            format!("the {name} table has no column '{c}'"),
                            Some(super::suggestion(c, all)),
                        )),
                    }
                }
                out
            }
            None => defaults.to_vec(),
        };
        if of.lists_metrics() && metrics.is_empty() && self.problems.is_empty() {
            let given = text_arg(self.args, "metrics").is_some();
            if !given {
                self.problems.push(Problem {
                    arg: None,
                    message: format!("a {name} table needs `metrics`"),
                    help: Some(format!(
                        "for example table(of=\"{name}\", metrics=\"nrr, grr\"{})",
                        if of == TableKind::Breakdown {
                            ", by=\"segment\""
                        } else {
                            ""
                        }
                    )),
                });
            }
        }
        if of == TableKind::Breakdown && by.is_none() && text_arg(self.args, "by").is_none() {
            self.problems.push(Problem {
                arg: None,
                message: "a breakdown table needs `by`".into(),
                help: Some("for example by=\"segment\"".into()),
            });
        }
        Component::Table {
            of,
            columns,
            metrics,
            by,
            limit,
        }
    }
}

/// Finds every `{{ name(args) }}` call in a body whose first line is `first_line` of `file`.
/// Expressions that are not calls (`{{ period.label }}`) and Tera's own functions are skipped;
/// a call with a malformed argument list is a problem.
pub fn scan(body: &str, file: &str, first_line: usize) -> (Vec<Call>, Vec<Diagnostic>) {
    let mut calls = Vec::new();
    let mut problems = Vec::new();
    let bytes = body.as_bytes();
    let mut i = 0;
    while let Some(found) = body[i..].find("{{") {
        let start = i + found;
        let Some(end_rel) = body[start..].find("}}") else {
            break;
        };
        let end = start + end_rel;
        i = end + 2;
        let inner_start = start + 2;
        let inner = &body[inner_start..end];
        let lead = inner.len() - inner.trim_start_matches([' ', '-', '\t']).len();
        let expr_start = inner_start + lead;
        let name_len = body[expr_start..end]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
            .count();
        if name_len == 0 || bytes.get(expr_start + name_len) != Some(&b'(') {
            continue;
        }
        let name = &body[expr_start..expr_start + name_len];
        if TERA_FUNCTIONS.contains(&name) {
            continue;
        }
        let (line, column) = position(body, expr_start, first_line);
        match parse_args(body, expr_start + name_len + 1, end, first_line) {
            Ok(args) => calls.push(Call {
                name: name.to_string(),
                args,
                line,
                column,
            }),
            Err((offset, message)) => {
                let (l, c) = position(body, offset, first_line);
                problems.push(
                    Diagnostic::error(file, l, c, message)
                        .with_help(format!("write it like {}", example(name))),
                );
            }
        }
    }
    (calls, problems)
}

/// The 1-based line (offset by `first_line`) and column of byte `offset`.
fn position(body: &str, offset: usize, first_line: usize) -> (usize, usize) {
    let before = &body[..offset];
    let line = first_line + before.matches('\n').count();
    let column = before
        .rfind('\n')
        .map_or(before.chars().count(), |n| before[n + 1..].chars().count())
        + 1;
    (line, column)
}

/// Parses `key=value, ...)` from `from` (just after the opening parenthesis) up to `end`.
fn parse_args(
    body: &str,
    from: usize,
    end: usize,
    first_line: usize,
) -> Result<Vec<Arg>, (usize, String)> {
    let bytes = body.as_bytes();
    let mut i = from;
    let mut args = Vec::new();
    let skip_ws = |mut i: usize| {
        while i < end && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        if i >= end {
            return Err((i.min(body.len()), "missing ')' closing the call".into()));
        }
        if bytes[i] == b')' {
            return Ok(args);
        }
        let key_start = i;
        while i < end && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i == key_start {
            return Err((
                i,
                format!(
                    "expected an argument name, found '{}'",
                    body[i..].chars().next().unwrap_or(' ')
                ),
            ));
        }
        let key = body[key_start..i].to_string();
        i = skip_ws(i);
        if i >= end || bytes[i] != b'=' {
            return Err((i, format!("expected '=' after '{key}'")));
        }
        i = skip_ws(i + 1);
        let value_start = i;
        let value = match bytes.get(i) {
            Some(q @ (b'"' | b'\'' | b'`')) => {
                let close = body[i + 1..end]
                    .find(*q as char)
                    .ok_or((i, "unterminated text".to_string()))?;
                let text = &body[i + 1..i + 1 + close];
                i += close + 2;
                Some(Json::String(text.to_string()))
            }
            _ => {
                let mut depth = 0i32;
                while i < end {
                    match bytes[i] {
                        b'(' | b'[' => depth += 1,
                        b')' | b']' if depth > 0 => depth -= 1,
                        b',' | b')' if depth == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                let raw = body[value_start..i].trim();
                if raw.is_empty() {
                    return Err((value_start, format!("'{key}' has no value")));
                }
                match raw {
                    "true" => Some(Json::Bool(true)),
                    "false" => Some(Json::Bool(false)),
                    _ => raw
                        .parse::<u64>()
                        .ok()
                        .map(|n| Json::Number(n.into()))
                        .or_else(|| raw.parse::<f64>().ok().map(Json::from)),
                }
            }
        };
        let (line, column) = position(body, key_start, first_line);
        args.push(Arg {
            key,
            value,
            line,
            column,
        });
        i = skip_ws(i);
        match bytes.get(i) {
            Some(b',') => i += 1,
            Some(b')') => {}
            _ => return Err((i.min(body.len()), "expected ',' or ')'".into())),
        }
    }
}

/// Checks every call of a report against the catalogs; `dimensions` are the valid `by` values.
pub fn validate(calls: &[Call], file: &str, dimensions: &[&str]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for call in calls {
        let args: Vec<(String, Option<Json>)> = call
            .args
            .iter()
            .map(|a| (a.key.clone(), a.value.clone()))
            .collect();
        if let Err(problems) = check(&call.name, &args, dimensions) {
            for p in problems {
                let (line, column) = p
                    .arg
                    .as_ref()
                    .and_then(|k| call.args.iter().find(|a| &a.key == k))
                    .map_or((call.line, call.column), |a| (a.line, a.column));
                let mut d = Diagnostic::error(file, line, column, p.message);
                if let Some(h) = p.help {
                    d = d.with_help(h);
                }
                out.push(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(body: &str) -> Vec<String> {
        let (calls, problems) = scan(body, "reports/r.md", 5);
        assert!(problems.is_empty(), "{problems:?}");
        validate(&calls, "reports/r.md", &["segment", "region", "csm_id"])
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn scans_calls_with_positions_and_skips_plain_expressions() {
        let body = "# Title {{ period.label }}\n\nNRR was {{ value(metric=\"nrr\") }}.\n{{ chart(type='line', metric=\"nrr\", periods=24) }}\n{% for s in segments %}{{ kpis(metrics=s) }}{% endfor %}\n";
        let (calls, problems) = scan(body, "reports/r.md", 5);
        assert!(problems.is_empty());
        assert_eq!(calls.len(), 3);
        assert_eq!(
            (calls[0].name.as_str(), calls[0].line, calls[0].column),
            ("value", 7, 12)
        );
        assert_eq!(calls[1].args[2].value, Some(Json::from(24u64)));
        assert_eq!(calls[1].args[0].value, Some(Json::String("line".into())));
        // A variable argument is checked only after rendering.
        assert_eq!(calls[2].args[0].value, None);
        assert!(checked(body).is_empty());
    }

    #[test]
    fn unknown_metric_component_chart_type_and_column_suggest() {
        let errors = checked(
            "{{ value(metric=\"nrrr\") }}\n{{ kpi(metrics=\"nrr\") }}\n{{ chart(type=\"lines\", metric=\"nrr\") }}\n{{ table(of=\"at_risk\", columns=\"acount, arr\") }}\n",
        );
        assert_eq!(
            errors,
            vec![
                "reports/r.md:5:10: error: unknown metric 'nrrr'\n  help: did you mean 'nrr'?",
                "reports/r.md:6:4: error: unknown component 'kpi'\n  help: did you mean 'kpis'?",
                "reports/r.md:7:10: error: unknown type 'lines'\n  help: did you mean 'line'?",
                "reports/r.md:8:24: error: the at_risk table has no column 'acount'\n  help: did you mean 'account'?",
            ]
        );
    }

    #[test]
    fn unknown_argument_missing_argument_and_bad_dimension() {
        let errors = checked(
            "{{ kpis(metric=\"nrr\") }}\n{{ table(of=\"breakdown\", metrics=\"nrr\", by=\"segmnt\") }}\n",
        );
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(errors[0].contains("'kpis' has no argument 'metric'"));
        assert!(errors[0].contains("did you mean 'metrics'?"));
        assert!(errors[1].contains("'kpis' needs the argument 'metrics'"));
        assert!(errors[2].starts_with("reports/r.md:6:"));
        assert!(errors[2].contains("unknown dimension 'segmnt'"));
    }

    #[test]
    fn chart_data_must_fit_the_type() {
        let errors = checked("{{ chart(type=\"line\", data=\"cohorts\") }}\n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains("data 'cohorts' cannot be drawn as a line chart"));
        assert!(errors[0].contains("use type heatmap"));
        assert!(checked("{{ chart(type=\"heatmap\", data=\"cohorts\") }}").is_empty());
        // Renewal stages are groups, not conversion steps: bars, never a funnel.
        let errors = checked("{{ chart(type=\"funnel\", data=\"renewal_stages\") }}\n");
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains(
            "data 'renewal_stages' cannot be drawn as a funnel chart (a funnel draws conversion steps, and these are separate groups)"
        ));
        assert!(errors[0].contains("use type bar"));
        assert!(checked("{{ chart(type=\"bar\", data=\"renewal_stages\") }}").is_empty());
        assert!(checked("{{ chart(type=\"bar\", metric=\"nrr\", by=\"segment\") }}").is_empty());
    }

    #[test]
    fn malformed_call_is_a_problem_with_position() {
        let (_, problems) = scan("text\n{{ value(metric) }}\n", "reports/r.md", 3);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(4));
        assert!(problems[0].message.contains("expected '=' after 'metric'"));
    }

    #[test]
    fn kinds_parse_their_own_names_and_nothing_else() {
        fn round_trip<K: Kind + std::fmt::Debug>() {
            for k in K::ALL {
                assert_eq!(K::parse(k.name()), Some(*k));
            }
            let mut names = K::names();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), K::ALL.len(), "names are unique");
            assert_eq!(K::parse("Line"), None, "names are exact");
        }
        round_trip::<ChartType>();
        round_trip::<DataSource>();
        round_trip::<TableKind>();
        round_trip::<ActionsShow>();
        assert_eq!(ChartType::parse("stacked_bar"), Some(ChartType::StackedBar));
        assert_eq!(
            DataSource::parse("health_bands_arr"),
            Some(DataSource::HealthBandsArr)
        );
        assert_eq!(
            TableKind::parse("churn_reasons"),
            Some(TableKind::ChurnReasons)
        );
        // Every data source can be drawn, and its default columns are among a table's columns.
        assert!(DataSource::ALL.iter().all(|d| !d.types().is_empty()));
        for t in TableKind::ALL {
            assert!(
                t.defaults().iter().all(|c| t.columns().contains(c)),
                "{t:?}"
            );
        }
    }

    #[test]
    fn check_builds_typed_charts_and_suggests_unknown_kinds() {
        let args = |pairs: &[(&str, &str)]| -> Vec<(String, Option<Json>)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Some(Json::String(v.to_string()))))
                .collect()
        };
        match check(
            "chart",
            &args(&[("type", "donut"), ("data", "health_bands_arr")]),
            &[],
        ) {
            Ok(Component::Chart { kind, source, .. }) => {
                assert_eq!(kind, ChartType::Donut);
                assert_eq!(source, Source::Data(DataSource::HealthBandsArr, None));
            }
            other => panic!("unexpected {other:?}"),
        }
        let errors = checked(
            "{{ chart(type=\"donut\", data=\"health_band\") }}\n{{ table(of=\"churn_reason\") }}\n",
        );
        assert_eq!(
            errors,
            vec![
                "reports/r.md:5:24: error: unknown data 'health_band'\n  help: did you mean 'health_bands'?",
                "reports/r.md:6:10: error: unknown of 'churn_reason'\n  help: did you mean 'churn_reasons'?",
            ]
        );
    }

    #[test]
    fn check_builds_typed_components() {
        let args = vec![
            ("of".to_string(), Some(Json::String("renewals".into()))),
            ("limit".to_string(), Some(Json::from(5u64))),
        ];
        match check("table", &args, &[]) {
            Ok(Component::Table {
                of, columns, limit, ..
            }) => {
                assert_eq!(of, TableKind::Renewals);
                assert_eq!(limit, Some(5));
                assert_eq!(columns[0], "account");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn attention_takes_a_limit_and_a_changes_count() {
        let args = vec![("limit".to_string(), Some(Json::from(7u64)))];
        assert_eq!(
            check("attention", &args, &[]),
            Ok(Component::Attention {
                limit: 7,
                changes: 3
            })
        );
        assert_eq!(
            check("attention", &[], &[]),
            Ok(Component::Attention {
                limit: 5,
                changes: 3
            })
        );
        let errors = checked("{{ attention(limit=0) }}\n{{ attention(count=2) }}\n");
        assert_eq!(
            errors,
            vec![
                "reports/r.md:5:14: error: 'limit' must be a whole number from 1 to 1000, found 0",
                "reports/r.md:6:14: error: 'attention' has no argument 'count'\n  help: expected one of: limit, changes",
            ]
        );
    }

    #[test]
    fn tracked_actions_show_open_closed_or_all() {
        let args = |show: &str| vec![("show".to_string(), Some(Json::from(show)))];
        assert_eq!(
            check("tracked_actions", &[], &[]),
            Ok(Component::TrackedActions {
                show: ActionsShow::Open,
                limit: None
            })
        );
        assert_eq!(
            check("tracked_actions", &args("closed"), &[]),
            Ok(Component::TrackedActions {
                show: ActionsShow::Closed,
                limit: None
            })
        );
        let errors =
            checked("{{ tracked_actions(show=\"close\") }}\n{{ tracked_actions(limit=0) }}\n");
        assert_eq!(
            errors,
            vec![
                "reports/r.md:5:20: error: unknown show 'close'\n  help: did you mean 'closed'?",
                "reports/r.md:6:20: error: 'limit' must be a whole number from 1 to 1000, found 0",
            ]
        );
    }

    #[test]
    fn a_chart_of_metrics_takes_the_ttm_basis_and_nothing_else_does() {
        let args = vec![
            ("type".to_string(), Some(Json::from("line"))),
            ("metrics".to_string(), Some(Json::from("nrr, grr"))),
            ("basis".to_string(), Some(Json::from("ttm"))),
        ];
        match check("chart", &args, &[]) {
            Ok(Component::Chart {
                source: Source::Trailing(defs),
                ..
            }) => assert_eq!(
                defs.iter().map(|d| d.id).collect::<Vec<_>>(),
                ["nrr", "grr"]
            ),
            other => panic!("unexpected {other:?}"),
        }
        let errors = checked(
            "{{ chart(type=\"line\", metric=\"nrr\", basis=\"month\") }}\n{{ chart(type=\"waterfall\", data=\"mrr_bridge\", basis=\"ttm\") }}\n",
        );
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].contains("unknown basis 'month'"), "{}", errors[0]);
        assert!(
            errors[1].contains("`basis` applies to metric histories"),
            "{}",
            errors[1]
        );
    }
}
