//! The data contract as data: every table of DATA.md with its columns (name, type, required or
//! optional, value rule), its key, the tables it refers to and what it feeds. Defined once and
//! read by the loader (column lookup, required columns, key and reference checks, the notice of
//! an absent table), by `demo` (the headers it writes), by the README's data reference (generated
//! by tests/readme.rs) and by any source (CSV today): a source finds a table's columns by these
//! names, whatever its format. Holds no parsing and no rows.

use super::model::{
    ActionStatus, ActivityCategory, ActivityStatus, ChurnReason, ExpansionType, OpportunityStage,
    RenewalStage, RiskReason, SponsorRole, SurveyKind, TaskSource, TaskStatus,
};

/// The type of a column's cells (DATA.md's types).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Type {
    /// Non-empty text naming a row (an id, a name, a title).
    Id,
    /// Free text.
    Text,
    /// Text of an open vocabulary, compared lower-cased.
    Lower,
    /// A whole number within the bounds.
    Int { min: i64, max: i64 },
    /// A number within the bounds.
    Number { min: f64, max: f64 },
    /// An amount of money, 0 or more, exact to the cent.
    Money,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM`.
    Month,
    /// RFC 3339 or `YYYY-MM-DD HH:MM[:SS]` (UTC without a zone).
    DateTime,
    /// true/false, yes/no, 1/0.
    Bool,
    /// One of a closed vocabulary (any case).
    Vocab(&'static [&'static str]),
    /// The key of a row of another table.
    Ref(&'static str),
}

impl Type {
    /// The type as the data reference writes it.
    pub fn describe(&self) -> String {
        match *self {
            Type::Id => "id".into(),
            Type::Text => "text".into(),
            Type::Lower => "text (any case)".into(),
            Type::Int { min, max } => match (min, max) {
                (i64::MIN, i64::MAX) => "int".into(),
                (min, i64::MAX) => format!("int ≥ {min}"),
                (min, max) => format!("int {min}–{max}"),
            },
            Type::Number { min, max } if max == f64::MAX => format!("number ≥ {min}"),
            Type::Number { min, max } => format!("number {min}–{max}"),
            Type::Money => "money ≥ 0".into(),
            Type::Date => "date".into(),
            Type::Month => "month".into(),
            Type::DateTime => "datetime".into(),
            Type::Bool => "bool".into(),
            Type::Vocab(names) => names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            Type::Ref(table) => format!("id of {table}"),
        }
    }
}

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: Type,
    /// A row must have a value (and a file the column).
    pub required: bool,
    /// A rule beyond the type, for the data reference ("" when none).
    pub rule: &'static str,
}

/// One table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// The name, also the file stem (`mrr` is `data/mrr.csv`).
    pub name: &'static str,
    pub columns: &'static [Column],
    /// The columns whose values are unique together (empty: no key).
    pub key: &'static [&'static str],
    /// What the table feeds (for the notice when an optional table is absent); "" for accounts,
    /// which is required.
    pub feeds: &'static str,
    /// Whether columns beyond `columns` are kept (as account attributes).
    pub extra_columns: bool,
}

impl Table {
    /// Each column's name and whether it is required, in schema order (N must be their
    /// number; None otherwise).
    pub fn specs<const N: usize>(&self) -> Option<[(&'static str, bool); N]> {
        self.columns
            .iter()
            .map(|c| (c.name, c.required))
            .collect::<Vec<_>>()
            .try_into()
            .ok()
    }

    /// Whether a project must have this table.
    pub fn required(&self) -> bool {
        self.feeds.is_empty()
    }

    /// The column names in schema order (the header `demo` writes).
    pub fn header(&self) -> Vec<&'static str> {
        self.columns.iter().map(|c| c.name).collect()
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The tables its rows refer to, in column order, once each.
    pub fn references(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for c in self.columns {
            if let Type::Ref(t) = c.ty
                && !out.contains(&t)
            {
                out.push(t);
            }
        }
        out
    }

    /// The single key column, if the key is one column.
    pub fn single_key(&self) -> Option<&'static str> {
        match self.key {
            [one] => Some(one),
            _ => None,
        }
    }
}

/// The table named `name`.
pub fn table(name: &str) -> Option<&'static Table> {
    SCHEMA.iter().find(|t| t.name == name)
}

const fn req(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        required: true,
        rule: "",
    }
}

const fn opt(name: &'static str, ty: Type) -> Column {
    Column {
        name,
        ty,
        required: false,
        rule: "",
    }
}

const fn rule(column: Column, rule: &'static str) -> Column {
    Column { rule, ..column }
}

const COUNT: Type = Type::Int {
    min: 0,
    max: i64::MAX,
};
const INT: Type = Type::Int {
    min: i64::MIN,
    max: i64::MAX,
};
const PCT: Type = Type::Number {
    min: 0.0,
    max: 100.0,
};
const AMOUNT: Type = Type::Number {
    min: 0.0,
    max: f64::MAX,
};
const ACCOUNT: Type = Type::Ref("accounts");
const CSM: Type = Type::Ref("csms");
const RENEWAL: Type = Type::Ref("renewals");

/// Every table, in DATA.md order.
pub const SCHEMA: &[Table] = &[
    Table {
        name: "accounts",
        columns: &[
            req("account_id", Type::Id),
            req("name", Type::Id),
            rule(
                opt("segment", Type::Text),
                "conventionally SMB, Mid-Market, Enterprise",
            ),
            opt("industry", Type::Text),
            opt("region", Type::Text),
            opt("source", Type::Lower),
            opt("csm_id", CSM),
            opt("plan", Type::Text),
            opt("seats", INT),
            rule(opt("signed_on", Type::Date), "first contract signed"),
            rule(opt("acquisition_cost", Type::Money), "CAC"),
            opt("sales_cycle_days", INT),
        ],
        key: &["account_id"],
        feeds: "",
        extra_columns: true,
    },
    Table {
        name: "csms",
        columns: &[
            req("csm_id", Type::Id),
            req("name", Type::Id),
            opt("email", Type::Text),
            rule(opt("manager_id", Type::Text), "a csm_id of this table"),
            opt("team", Type::Text),
            rule(opt("capacity_accounts", COUNT), "target book size"),
            rule(opt("expansion_quota", Type::Money), "ARR per year"),
        ],
        key: &["csm_id"],
        feeds: "CSM names, capacity and quota",
        extra_columns: false,
    },
    Table {
        name: "mrr",
        columns: &[
            req("account_id", ACCOUNT),
            req("month", Type::Month),
            req("mrr", Type::Money),
        ],
        key: &["account_id", "month"],
        feeds: "revenue metrics",
        extra_columns: false,
    },
    Table {
        name: "renewals",
        columns: &[
            req("renewal_id", Type::Id),
            req("account_id", ACCOUNT),
            rule(req("due_on", Type::Date), "contract end"),
            rule(req("arr", Type::Money), "ARR up for renewal"),
            req("stage", Type::Vocab(&RenewalStage::NAMES)),
            rule(
                opt("forecast_probability", Type::Number { min: 0.0, max: 1.0 }),
                "default: the configured weight of the stage",
            ),
            opt("at_risk", Type::Bool),
            opt("risk_reason", Type::Vocab(RiskReason::NAMES)),
            rule(opt("renewed_arr", Type::Money), "at most arr"),
            opt("expansion_arr", Type::Money),
            opt("expansion_type", Type::Vocab(ExpansionType::NAMES)),
            opt("discount_pct", PCT),
            opt("closed_on", Type::Date),
            opt("first_outreach_on", Type::Date),
            opt("proposal_sent_on", Type::Date),
            opt("escalated", Type::Bool),
            rule(
                opt("term_months", Type::Int { min: 1, max: 1200 }),
                "default 12",
            ),
            opt("value_review_done", Type::Bool),
            opt("initial_conversation", Type::Bool),
            opt("value_documented", Type::Bool),
            opt("proposal_sent", Type::Bool),
            opt("objections_handled", Type::Bool),
            opt("contract_ready", Type::Bool),
        ],
        key: &["renewal_id"],
        feeds: "renewal metrics",
        extra_columns: false,
    },
    Table {
        name: "renewal_stages",
        columns: &[
            req("renewal_id", RENEWAL),
            req("stage", Type::Vocab(&RenewalStage::NAMES)),
            req("entered_on", Type::Date),
        ],
        key: &[],
        feeds: "time in stage",
        extra_columns: false,
    },
    Table {
        name: "forecasts",
        columns: &[
            req("snapshot_on", Type::Date),
            req("renewal_id", RENEWAL),
            req("forecast_arr", Type::Money),
            opt("at_risk", Type::Bool),
        ],
        key: &[],
        feeds: "forecast accuracy and at-risk ARR history",
        extra_columns: false,
    },
    Table {
        name: "health",
        columns: &[
            req("account_id", ACCOUNT),
            req("date", Type::Date),
            rule(opt("score", PCT), "a score or at least one component"),
            opt("usage", PCT),
            opt("engagement", PCT),
            opt("support", PCT),
            opt("outcomes", PCT),
        ],
        key: &[],
        feeds: "health metrics",
        extra_columns: false,
    },
    Table {
        name: "usage",
        columns: &[
            req("account_id", ACCOUNT),
            req("date", Type::Date),
            opt("active_users", AMOUNT),
            opt("monthly_active_users", AMOUNT),
            opt("seats", COUNT),
            opt("sessions", COUNT),
            opt("session_minutes", AMOUNT),
            opt("features_used", COUNT),
            opt("features_available", COUNT),
        ],
        key: &[],
        feeds: "usage metrics",
        extra_columns: false,
    },
    Table {
        name: "activities",
        columns: &[
            req("activity_id", Type::Id),
            req("account_id", ACCOUNT),
            opt("csm_id", CSM),
            req("date", Type::Date),
            rule(
                req("type", Type::Lower),
                "call, email, meeting, qbr, training, check_in, onboarding, escalation, ...",
            ),
            rule(
                opt("status", Type::Vocab(ActivityStatus::NAMES)),
                "default completed",
            ),
            opt("category", Type::Vocab(ActivityCategory::NAMES)),
            opt("minutes", COUNT),
            opt("responded", Type::Bool),
            opt("response_hours", AMOUNT),
        ],
        key: &["activity_id"],
        feeds: "activity metrics",
        extra_columns: false,
    },
    Table {
        name: "tasks",
        columns: &[
            req("task_id", Type::Id),
            req("csm_id", CSM),
            opt("account_id", ACCOUNT),
            req("title", Type::Id),
            req("due_on", Type::Date),
            req("status", Type::Vocab(TaskStatus::NAMES)),
            opt("completed_on", Type::Date),
            opt("source", Type::Vocab(TaskSource::NAMES)),
            opt("playbook", Type::Text),
        ],
        key: &["task_id"],
        feeds: "task lists",
        extra_columns: false,
    },
    Table {
        name: "tickets",
        columns: &[
            req("ticket_id", Type::Id),
            req("account_id", ACCOUNT),
            req("opened_at", Type::DateTime),
            opt("first_response_at", Type::DateTime),
            opt("resolved_at", Type::DateTime),
            opt("priority", Type::Lower),
            opt("escalated", Type::Bool),
            opt("reopened", Type::Bool),
            opt("csat", Type::Int { min: 1, max: 5 }),
        ],
        key: &["ticket_id"],
        feeds: "support metrics",
        extra_columns: false,
    },
    Table {
        name: "surveys",
        columns: &[
            req("response_id", Type::Id),
            req("account_id", ACCOUNT),
            req("date", Type::Date),
            req("kind", Type::Vocab(SurveyKind::NAMES)),
            rule(
                opt("score", INT),
                "nps 0–10, csat 1–5, ces 1–7; empty = sent but not answered",
            ),
            opt("touchpoint", Type::Lower),
        ],
        key: &["response_id"],
        feeds: "experience metrics (NPS, CSAT, CES)",
        extra_columns: false,
    },
    Table {
        name: "churns",
        columns: &[
            req("account_id", ACCOUNT),
            req("churned_on", Type::Date),
            req("reason", Type::Vocab(ChurnReason::NAMES)),
            opt("competitor", Type::Text),
            opt("note", Type::Text),
        ],
        key: &[],
        feeds: "churn reasons",
        extra_columns: false,
    },
    Table {
        name: "opportunities",
        columns: &[
            req("opportunity_id", Type::Id),
            req("account_id", ACCOUNT),
            req("created_on", Type::Date),
            req("arr", Type::Money),
            opt("type", Type::Vocab(ExpansionType::NAMES)),
            req("stage", Type::Vocab(OpportunityStage::NAMES)),
            opt("closed_on", Type::Date),
        ],
        key: &["opportunity_id"],
        feeds: "the expansion pipeline",
        extra_columns: false,
    },
    Table {
        name: "onboarding",
        columns: &[
            req("account_id", ACCOUNT),
            rule(opt("signed_on", Type::Date), "default accounts.signed_on"),
            opt("first_login_on", Type::Date),
            opt("onboarding_completed_on", Type::Date),
            opt("first_value_on", Type::Date),
        ],
        key: &["account_id"],
        feeds: "time to value",
        extra_columns: false,
    },
    Table {
        name: "sponsor_changes",
        columns: &[
            req("account_id", ACCOUNT),
            req("date", Type::Date),
            req("role", Type::Vocab(SponsorRole::NAMES)),
        ],
        key: &[],
        feeds: "sponsor-change risk factors",
        extra_columns: false,
    },
    Table {
        name: "actions",
        columns: &[
            req("action_id", Type::Id),
            req("title", Type::Id),
            rule(
                req("owner", Type::Id),
                "a csm_id, or any name or e-mail address",
            ),
            opt("account_id", ACCOUNT),
            rule(opt("segment", Type::Text), "a segment of accounts"),
            rule(opt("metric", Type::Text), "a metric id of the catalog"),
            req("created_on", Type::Date),
            rule(opt("due_on", Type::Date), "not before created_on"),
            req("status", Type::Vocab(ActionStatus::NAMES)),
            rule(
                opt("closed_on", Type::Date),
                "required unless open; not before created_on",
            ),
            opt("outcome", Type::Text),
        ],
        key: &["action_id"],
        feeds: "tracked actions",
        extra_columns: false,
    },
];

/// The `accounts` table.
pub const ACCOUNTS: &Table = &SCHEMA[0];
/// The `csms` table.
pub const CSMS: &Table = &SCHEMA[1];
/// The `mrr` table.
pub const MRR: &Table = &SCHEMA[2];
/// The `renewals` table.
pub const RENEWALS: &Table = &SCHEMA[3];
/// The `renewal_stages` table.
pub const RENEWAL_STAGES: &Table = &SCHEMA[4];
/// The `forecasts` table.
pub const FORECASTS: &Table = &SCHEMA[5];
/// The `health` table.
pub const HEALTH: &Table = &SCHEMA[6];
/// The `usage` table.
pub const USAGE: &Table = &SCHEMA[7];
/// The `activities` table.
pub const ACTIVITIES: &Table = &SCHEMA[8];
/// The `tasks` table.
pub const TASKS: &Table = &SCHEMA[9];
/// The `tickets` table.
pub const TICKETS: &Table = &SCHEMA[10];
/// The `surveys` table.
pub const SURVEYS: &Table = &SCHEMA[11];
/// The `churns` table.
pub const CHURNS: &Table = &SCHEMA[12];
/// The `opportunities` table.
pub const OPPORTUNITIES: &Table = &SCHEMA[13];
/// The `onboarding` table.
pub const ONBOARDING: &Table = &SCHEMA[14];
/// The `sponsor_changes` table.
pub const SPONSOR_CHANGES: &Table = &SCHEMA[15];
/// The `actions` table.
pub const ACTIONS: &Table = &SCHEMA[16];

const NAMES: [&str; SCHEMA.len()] = {
    let mut names = [""; SCHEMA.len()];
    let mut i = 0;
    while i < SCHEMA.len() {
        names[i] = SCHEMA[i].name;
        i += 1;
    }
    names
};

/// The names of the tables, in DATA.md order.
pub const TABLES: &[&str] = &NAMES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_references_name_known_columns_and_tables() {
        for t in SCHEMA {
            for k in t.key {
                assert!(t.column(k).is_some(), "{}: key {k}", t.name);
            }
            for r in t.references() {
                assert!(table(r).is_some(), "{}: refers to {r}", t.name);
            }
        }
        // Only accounts is required, and it comes first (the others refer to it).
        assert_eq!(SCHEMA[0].name, "accounts");
        assert!(SCHEMA.iter().skip(1).all(|t| !t.required()));
    }

    #[test]
    fn named_tables_are_their_schema_entries() {
        let named = [
            ACCOUNTS,
            CSMS,
            MRR,
            RENEWALS,
            RENEWAL_STAGES,
            FORECASTS,
            HEALTH,
            USAGE,
            ACTIVITIES,
            TASKS,
            TICKETS,
            SURVEYS,
            CHURNS,
            OPPORTUNITIES,
            ONBOARDING,
            SPONSOR_CHANGES,
            ACTIONS,
        ];
        let names: Vec<&str> = named.iter().map(|t| t.name).collect();
        assert_eq!(names, TABLES);
    }

    #[test]
    fn renewal_checklist_columns_are_the_model_checklist() {
        let renewals = table("renewals").map(Table::header).unwrap_or_default();
        assert_eq!(renewals[renewals.len() - 5..], super::super::CHECKLIST);
    }
}
