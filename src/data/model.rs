//! The typed in-memory tables of DATA.md: what every data source must produce. Plain data, no
//! parsing (see `load`) and no metrics (see `metrics`). References between tables are resolved
//! to indexes at load time, so the engine never looks up strings.

use super::money::Money;
use crate::period::Month;
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;
use std::sync::OnceLock;

/// Index of an account in `Dataset::accounts.rows`.
pub type AccountIx = u32;
/// Index of a CSM in `Dataset::csms.rows`.
pub type CsmIx = u32;
/// Index of a renewal in `Dataset::renewals`.
pub type RenewalIx = u32;

/// Short text kept inline (up to 24 bytes) rather than on the heap: the ids and open
/// vocabularies of the tables with millions of rows, so a row costs no allocation of its own.
pub type Text = compact_str::CompactString;

/// An optional finite number in 8 bytes instead of the 16 of `Option<f64>`, for the number
/// columns of the tables with millions of rows: NaN stands for "missing" (the loader accepts
/// finite numbers only, and `From` maps `Some(NaN)` to missing too).
#[derive(Clone, Copy)]
pub struct OptF64(f64);

impl OptF64 {
    pub const NONE: OptF64 = OptF64(f64::NAN);

    pub fn get(self) -> Option<f64> {
        (!self.0.is_nan()).then_some(self.0)
    }

    pub fn is_some(self) -> bool {
        !self.0.is_nan()
    }
}

impl From<Option<f64>> for OptF64 {
    fn from(value: Option<f64>) -> OptF64 {
        OptF64(value.unwrap_or(f64::NAN))
    }
}

impl PartialEq for OptF64 {
    fn eq(&self, other: &OptF64) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for OptF64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// An optional whole number in 8 bytes instead of the 16 of `Option<i64>`: `i64::MIN` stands for
/// "missing". The columns stored this way accept 0 or more only, so no value is lost.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct OptI64(i64);

impl OptI64 {
    pub const NONE: OptI64 = OptI64(i64::MIN);

    pub fn get(self) -> Option<i64> {
        (self.0 != i64::MIN).then_some(self.0)
    }

    pub fn is_some(self) -> bool {
        self.0 != i64::MIN
    }
}

impl From<Option<i64>> for OptI64 {
    fn from(value: Option<i64>) -> OptI64 {
        OptI64(value.unwrap_or(i64::MIN))
    }
}

impl std::fmt::Debug for OptI64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// Every table of a project. Optional tables are `None` when their file is absent.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub accounts: Accounts,
    pub csms: Option<Csms>,
    pub mrr: Option<MrrTable>,
    /// Sorted by (account, due_on, renewal_id).
    pub renewals: Option<Vec<Renewal>>,
    pub renewal_stages: Option<Vec<RenewalStageEntry>>,
    pub forecasts: Option<Vec<ForecastSnapshot>>,
    /// Sorted by (account, date).
    pub health: Option<Vec<HealthRow>>,
    /// Sorted by (account, date).
    pub usage: Option<Vec<UsageRow>>,
    /// Sorted by (account, date), file order within a day.
    pub activities: Option<Vec<Activity>>,
    pub tasks: Option<Vec<Task>>,
    /// Sorted by (account, opened_at).
    pub tickets: Option<Vec<Ticket>>,
    /// Sorted by (account, date).
    pub surveys: Option<Vec<SurveyResponse>>,
    pub churns: Option<Vec<Churn>>,
    /// Sorted by account, file order within one.
    pub opportunities: Option<Vec<Opportunity>>,
    pub onboarding: Option<Vec<Onboarding>>,
    /// Sorted by (account, date).
    pub sponsor_changes: Option<Vec<SponsorChange>>,
    /// In file order.
    pub actions: Option<Vec<Action>>,
    /// Rows kept per table (table name → data rows), for the data-quality page.
    pub row_counts: std::collections::BTreeMap<String, usize>,
    /// Where each account's rows are in the tables the engine reads per account most.
    pub index: RowIndex,
    /// `mrr` with churn recognised at the end of the paid term (the `term_end` convention),
    /// built on first use by the metric engine.
    pub(crate) term_end_mrr: OnceLock<MrrTable>,
    /// The renewal win rates learned from history, per as-of day (the `history` forecast
    /// method), built on first use by the metric engine.
    pub(crate) win_rates: PerDay<crate::metrics::win_rates::WinRates>,
}

/// A value derived from the data once per as-of day, on first use. A copy of the data starts
/// with none.
#[derive(Debug, Default)]
pub(crate) struct PerDay<T>(
    std::sync::Mutex<std::collections::BTreeMap<NaiveDate, std::sync::Arc<T>>>,
);

impl<T> Clone for PerDay<T> {
    fn clone(&self) -> Self {
        PerDay(std::sync::Mutex::new(std::collections::BTreeMap::new()))
    }
}

impl<T> PerDay<T> {
    /// The value of `day`, made by `make` the first time it is asked for.
    pub(crate) fn get_or(&self, day: NaiveDate, make: impl FnOnce() -> T) -> std::sync::Arc<T> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(day)
            .or_insert_with(|| std::sync::Arc::new(make()))
            .clone()
    }
}

/// For each table sorted by account that the engine reads one account at a time (health,
/// usage, activities, tickets): where every account's rows start, so they are a slice away
/// rather than two binary searches of a million rows. Built on first use, from the table as it
/// is then.
#[derive(Debug, Clone, Default)]
pub struct RowIndex {
    health: OnceLock<Vec<u32>>,
    usage: OnceLock<Vec<u32>>,
    activities: OnceLock<Vec<u32>>,
    tickets: OnceLock<Vec<u32>>,
}

/// The rows of `account` in `rows` (sorted by account), by the index in `starts`.
fn rows_of<'r, T>(
    rows: &'r [T],
    starts: &OnceLock<Vec<u32>>,
    account: AccountIx,
    key: fn(&T) -> AccountIx,
) -> &'r [T] {
    let starts = starts.get_or_init(|| {
        // starts[a]..starts[a + 1] are account a's rows, for every account up to the last.
        let accounts = rows.last().map_or(0, |r| key(r) as usize + 1);
        let mut starts = vec![0u32; accounts + 1];
        for r in rows {
            starts[key(r) as usize + 1] += 1;
        }
        for a in 1..starts.len() {
            starts[a] += starts[a - 1];
        }
        starts
    });
    let a = account as usize;
    match (starts.get(a), starts.get(a + 1)) {
        (Some(&lo), Some(&hi)) => rows.get(lo as usize..hi as usize).unwrap_or_default(),
        _ => &[],
    }
}

impl Dataset {
    /// The health rows of one account, by date (None without health.csv).
    pub fn health_of(&self, account: AccountIx) -> Option<&[HealthRow]> {
        let rows = self.health.as_deref()?;
        Some(rows_of(rows, &self.index.health, account, |r| r.account))
    }

    /// The usage rows of one account, by date (None without usage.csv).
    pub fn usage_of(&self, account: AccountIx) -> Option<&[UsageRow]> {
        let rows = self.usage.as_deref()?;
        Some(rows_of(rows, &self.index.usage, account, |r| r.account))
    }

    /// The activities of one account, by date (None without activities.csv).
    pub fn activities_of(&self, account: AccountIx) -> Option<&[Activity]> {
        let rows = self.activities.as_deref()?;
        Some(rows_of(rows, &self.index.activities, account, |r| {
            r.account
        }))
    }

    /// The tickets of one account, by opening time (None without tickets.csv).
    pub fn tickets_of(&self, account: AccountIx) -> Option<&[Ticket]> {
        let rows = self.tickets.as_deref()?;
        Some(rows_of(rows, &self.index.tickets, account, |r| r.account))
    }

    /// Whether the table named `table` (a CSV stem of `TABLES`) was loaded. accounts always is.
    pub fn has_table(&self, table: &str) -> bool {
        match table {
            "accounts" => true,
            "csms" => self.csms.is_some(),
            "mrr" => self.mrr.is_some(),
            "renewals" => self.renewals.is_some(),
            "renewal_stages" => self.renewal_stages.is_some(),
            "forecasts" => self.forecasts.is_some(),
            "health" => self.health.is_some(),
            "usage" => self.usage.is_some(),
            "activities" => self.activities.is_some(),
            "tasks" => self.tasks.is_some(),
            "tickets" => self.tickets.is_some(),
            "surveys" => self.surveys.is_some(),
            "churns" => self.churns.is_some(),
            "opportunities" => self.opportunities.is_some(),
            "onboarding" => self.onboarding.is_some(),
            "sponsor_changes" => self.sponsor_changes.is_some(),
            "actions" => self.actions.is_some(),
            _ => false,
        }
    }
}

/// The names of the tables, in DATA.md order (see `schema`).
pub use super::schema::TABLES;

/// accounts.csv with its id index and the extra (free-form attribute) columns.
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    pub rows: Vec<Account>,
    /// account_id → index.
    pub index: FxHashMap<String, AccountIx>,
    /// Names of the unknown columns of accounts.csv, as written in the header (trimmed), in file
    /// order. `Account::extra[i]` is the value of `extra_columns[i]`.
    pub extra_columns: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub segment: Option<String>,
    pub industry: Option<String>,
    pub region: Option<String>,
    pub source: Option<String>,
    pub csm_id: Option<String>,
    /// `csm_id` resolved against csms.csv (None when csms.csv is absent or the cell is empty).
    pub csm: Option<CsmIx>,
    pub plan: Option<String>,
    pub seats: Option<i64>,
    pub signed_on: Option<NaiveDate>,
    pub acquisition_cost: Option<Money>,
    pub sales_cycle_days: Option<i64>,
    /// Values of `Accounts::extra_columns`, empty cells as None.
    pub extra: Vec<Option<String>>,
}

/// csms.csv with its id index.
#[derive(Debug, Clone, Default)]
pub struct Csms {
    pub rows: Vec<Csm>,
    pub index: FxHashMap<String, CsmIx>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csm {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub manager_id: Option<String>,
    pub team: Option<String>,
    pub capacity_accounts: Option<i64>,
    pub expansion_quota: Option<Money>,
}

/// mrr.csv: for each account, one cell per month from its own first row to its own last, 0 for
/// a month without a row (and outside that range). Memory follows the data, not the calendar:
/// one account's far-off month (a 1971 next to 2026) lengthens that account's cells only, where
/// one matrix over the file's whole span would hold every account's months in between.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MrrTable {
    /// `starts[a]..starts[a + 1]` are account a's cells in `values`.
    starts: Vec<usize>,
    /// The month of each account's first cell (any month when it has none).
    firsts: Vec<Month>,
    /// Cents.
    values: Vec<i64>,
}

impl MrrTable {
    /// An all-zero table for `accounts` accounts, each over `first..=last` (none when last <
    /// first).
    pub fn zeros(accounts: usize, first: Month, last: Month) -> MrrTable {
        let span = (first <= last).then_some((first, last));
        MrrTable::spans(&vec![span; accounts])
    }

    /// An all-zero table whose account a covers the months `spans[a]` (first, last), if any.
    pub fn spans(spans: &[Option<(Month, Month)>]) -> MrrTable {
        let mut starts = Vec::with_capacity(spans.len() + 1);
        let mut firsts = Vec::with_capacity(spans.len());
        let mut cells = 0usize;
        for span in spans {
            starts.push(cells);
            let (first, last) = span.unwrap_or((Month(0), Month(-1)));
            firsts.push(first);
            cells += usize::try_from(last.0 - first.0 + 1).unwrap_or(0);
        }
        starts.push(cells);
        MrrTable {
            starts,
            firsts,
            values: vec![0; cells],
        }
    }

    /// The number of accounts (those of accounts.csv).
    pub fn accounts(&self) -> usize {
        self.firsts.len()
    }

    /// The cells held, over all accounts: what the table costs, in 8 bytes each.
    pub fn cells(&self) -> usize {
        self.values.len()
    }

    /// Where mrr(account, month) is in `values`, if the table holds it.
    fn slot(&self, account: AccountIx, month: Month) -> Option<usize> {
        let a = account as usize;
        let (start, end) = (*self.starts.get(a)?, *self.starts.get(a + 1)?);
        let offset = usize::try_from(month.0 - self.firsts[a].0).ok()?;
        (offset < end - start).then_some(start + offset)
    }

    /// mrr(a, m): 0 outside the account's range.
    pub fn get(&self, account: AccountIx, month: Month) -> Money {
        self.slot(account, month)
            .map_or(Money::ZERO, |i| Money(self.values[i]))
    }

    /// Set mrr(a, m) and return true when the month is inside the account's range; outside it,
    /// nothing is set and false is returned.
    pub fn set(&mut self, account: AccountIx, month: Month, value: Money) -> bool {
        match self.slot(account, month) {
            Some(i) => {
                self.values[i] = value.0;
                true
            }
            None => false,
        }
    }

    /// The index in `0..self.cells()` of mrr(a, m), for a per-cell mark (the loader's check
    /// of repeated months); None outside the account's range.
    pub fn cell(&self, account: AccountIx, month: Month) -> Option<usize> {
        self.slot(account, month)
    }

    /// The sum of every cell, in cents (`i128`: no file can overflow it).
    pub fn total(&self) -> i128 {
        self.values.iter().map(|&v| i128::from(v)).sum()
    }

    /// The months the table holds for each account (first, last), None for an account with none.
    pub fn spans_held(&self) -> Vec<Option<(Month, Month)>> {
        (0..self.accounts() as AccountIx)
            .map(|a| self.span_of(a))
            .collect()
    }

    /// The months the table holds for the account (first, last), None when it holds none.
    pub fn span_of(&self, account: AccountIx) -> Option<(Month, Month)> {
        let a = account as usize;
        let (start, end) = (*self.starts.get(a)?, *self.starts.get(a + 1)?);
        let count = i32::try_from(end.checked_sub(start)?).ok()?;
        (count > 0).then(|| (self.firsts[a], self.firsts[a].plus(count - 1)))
    }

    /// The last month before `month` in which the account had MRR (above 0), None if never.
    pub fn last_active_before(&self, account: AccountIx, month: Month) -> Option<Month> {
        let (first, _) = self.span_of(account)?;
        let mut m = month.prev();
        while m >= first {
            if self.get(account, m).0 > 0 {
                return Some(m);
            }
            m = m.prev();
        }
        None
    }

    /// The first month in which the account had MRR (above 0), None if never.
    pub fn first_active(&self, account: AccountIx) -> Option<Month> {
        let a = account as usize;
        let (start, end) = (*self.starts.get(a)?, *self.starts.get(a + 1)?);
        let offset = self.values[start..end].iter().position(|&v| v > 0)?;
        Some(self.firsts[a].plus(offset as i32))
    }
}

/// Renewal stages, in pipeline order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RenewalStage {
    NotEngaged,
    InitialDiscussion,
    ProposalSent,
    Negotiation,
    ClosedWon,
    ClosedLost,
}

impl RenewalStage {
    pub const ALL: [RenewalStage; 6] = [
        RenewalStage::NotEngaged,
        RenewalStage::InitialDiscussion,
        RenewalStage::ProposalSent,
        RenewalStage::Negotiation,
        RenewalStage::ClosedWon,
        RenewalStage::ClosedLost,
    ];
    pub const NAMES: [&'static str; 6] = [
        "not_engaged",
        "initial_discussion",
        "proposal_sent",
        "negotiation",
        "closed_won",
        "closed_lost",
    ];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(text))
            .map(|i| Self::ALL[i])
    }

    pub fn is_closed(self) -> bool {
        matches!(self, RenewalStage::ClosedWon | RenewalStage::ClosedLost)
    }
}

/// Declares a closed vocabulary of DATA.md: the enum, its names, `name()` and `parse()`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            pub fn name(self) -> &'static str {
                Self::NAMES[self as usize]
            }

            /// Case-insensitive match against the DATA.md spelling.
            pub fn parse(text: &str) -> Option<Self> {
                Self::NAMES.iter().position(|n| n.eq_ignore_ascii_case(text)).map(|i| Self::ALL[i])
            }
        }
    };
}

vocabulary!(
    /// renewals.risk_reason
    RiskReason { Product = "product", Competition = "competition", Budget = "budget", ChampionChange = "champion_change", UsageDecline = "usage_decline", Other = "other" }
);
vocabulary!(
    /// renewals.expansion_type and opportunities.type
    ExpansionType { Seats = "seats", Tier = "tier", Module = "module", NewProduct = "new_product" }
);
vocabulary!(
    /// activities.status
    ActivityStatus { Completed = "completed", Scheduled = "scheduled", Cancelled = "cancelled", NoShow = "no_show" }
);
vocabulary!(
    /// activities.category
    ActivityCategory { Proactive = "proactive", Reactive = "reactive" }
);
vocabulary!(
    /// tasks.status
    TaskStatus { Open = "open", Done = "done" }
);
vocabulary!(
    /// tasks.source
    TaskSource { Manual = "manual", Playbook = "playbook" }
);
vocabulary!(
    /// surveys.kind
    SurveyKind { Nps = "nps", Csat = "csat", Ces = "ces" }
);
vocabulary!(
    /// churns.reason
    ChurnReason { ProductFit = "product_fit", Price = "price", AdoptionFailure = "adoption_failure", Competition = "competition", BusinessClosure = "business_closure", Other = "other" }
);
vocabulary!(
    /// opportunities.stage
    OpportunityStage { Open = "open", Won = "won", Lost = "lost" }
);
vocabulary!(
    /// actions.status
    ActionStatus { Open = "open", Done = "done", Dropped = "dropped" }
);
vocabulary!(
    /// sponsor_changes.role
    SponsorRole { Champion = "champion", ExecutiveSponsor = "executive_sponsor" }
);

/// The five checklist columns of renewals.csv, in this order.
pub const CHECKLIST: [&str; 5] = [
    "initial_conversation",
    "value_documented",
    "proposal_sent",
    "objections_handled",
    "contract_ready",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Renewal {
    pub id: String,
    pub account: AccountIx,
    pub due_on: NaiveDate,
    pub arr: Money,
    pub stage: RenewalStage,
    /// As written; None means "use the configured stage weight".
    pub forecast_probability: Option<f64>,
    pub at_risk: bool,
    pub risk_reason: Option<RiskReason>,
    /// As written; for closed_won an empty cell means `arr`, for closed_lost it is 0 (see
    /// `Renewal::renewed`).
    pub renewed_arr: Option<Money>,
    pub expansion_arr: Option<Money>,
    pub expansion_type: Option<ExpansionType>,
    pub discount_pct: Option<f64>,
    pub closed_on: Option<NaiveDate>,
    pub first_outreach_on: Option<NaiveDate>,
    pub proposal_sent_on: Option<NaiveDate>,
    pub escalated: bool,
    /// Default 12.
    pub term_months: i64,
    pub value_review_done: Option<bool>,
    /// `CHECKLIST` items, in order.
    pub checklist: [Option<bool>; 5],
}

impl Renewal {
    /// ARR kept after the renewal: renewed_arr, defaulting to arr for closed_won; 0 for
    /// closed_lost; None while open (unless written).
    pub fn renewed(&self) -> Option<Money> {
        match self.stage {
            RenewalStage::ClosedWon => Some(self.renewed_arr.unwrap_or(self.arr)),
            RenewalStage::ClosedLost => Some(Money::ZERO),
            _ => self.renewed_arr,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RenewalStageEntry {
    pub renewal: RenewalIx,
    pub stage: RenewalStage,
    pub entered_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForecastSnapshot {
    pub snapshot_on: NaiveDate,
    pub renewal: RenewalIx,
    pub forecast_arr: Money,
    pub at_risk: bool,
}

/// One health.csv row: a score and/or components (0–100), as written.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthRow {
    pub account: AccountIx,
    pub date: NaiveDate,
    pub score: OptF64,
    pub usage: OptF64,
    pub engagement: OptF64,
    pub support: OptF64,
    pub outcomes: OptF64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    pub account: AccountIx,
    pub date: NaiveDate,
    pub active_users: OptF64,
    pub monthly_active_users: OptF64,
    pub seats: OptI64,
    pub features_used: OptI64,
    pub features_available: OptI64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub account: AccountIx,
    pub csm: Option<CsmIx>,
    pub date: NaiveDate,
    /// Open vocabulary (`call`, `email`, `meeting`, `qbr`, ...), lower-cased.
    pub kind: Text,
    /// Default completed.
    pub status: ActivityStatus,
    pub category: Option<ActivityCategory>,
    /// 0 or more.
    pub minutes: OptI64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub csm: CsmIx,
    pub account: Option<AccountIx>,
    pub title: String,
    pub due_on: NaiveDate,
    pub status: TaskStatus,
    pub completed_on: Option<NaiveDate>,
    pub source: Option<TaskSource>,
    pub playbook: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub account: AccountIx,
    /// UTC.
    pub opened_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub priority: Option<Text>,
    pub escalated: bool,
    pub reopened: bool,
    /// 1–5.
    pub csat: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SurveyResponse {
    pub account: AccountIx,
    pub date: NaiveDate,
    pub kind: SurveyKind,
    /// None = sent but not answered.
    pub score: Option<i64>,
    /// Open vocabulary, lower-cased.
    pub touchpoint: Option<Text>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Churn {
    pub account: AccountIx,
    pub churned_on: NaiveDate,
    pub reason: ChurnReason,
    pub competitor: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    pub id: String,
    pub account: AccountIx,
    pub created_on: NaiveDate,
    pub arr: Money,
    pub kind: Option<ExpansionType>,
    pub stage: OpportunityStage,
    pub closed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Onboarding {
    pub account: AccountIx,
    /// Defaulted from accounts.signed_on at load time when empty.
    pub signed_on: Option<NaiveDate>,
    pub first_login_on: Option<NaiveDate>,
    pub onboarding_completed_on: Option<NaiveDate>,
    pub first_value_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SponsorChange {
    pub account: AccountIx,
    pub date: NaiveDate,
    pub role: SponsorRole,
}

/// Who owns an action: a CSM of csms.csv (named by csm_id, e-mail or name), or anyone else by
/// the name or e-mail address written.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionOwner {
    Csm(CsmIx),
    Other(String),
}

/// One actions.csv row: an action a review decided on, tracked by the next reviews.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: String,
    pub title: String,
    pub owner: ActionOwner,
    /// The account it is about.
    pub account: Option<AccountIx>,
    /// The segment it is about (a segment of accounts.csv, as written there).
    pub segment: Option<String>,
    /// The catalog id of the metric it is meant to move.
    pub metric: Option<&'static str>,
    pub created_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    /// Set unless open; never before `created_on`.
    pub closed_on: Option<NaiveDate>,
    pub outcome: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ticket told apart by its CSAT score.
    fn ticket(account: AccountIx, csat: i64) -> Ticket {
        Ticket {
            account,
            opened_at: NaiveDate::from_ymd_opt(2026, 1, 1)
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .unwrap_or_default(),
            first_response_at: None,
            resolved_at: None,
            priority: None,
            escalated: false,
            reopened: false,
            csat: Some(csat),
        }
    }

    #[test]
    fn mrr_cells_follow_each_accounts_own_months() {
        let (jan, dec) = (Month::new(2026, 1), Month::new(2026, 12));
        // Account 0 covers 1971-01..2026-12 (672 months), account 1 none, account 2 one month.
        let mut t = MrrTable::spans(&[Some((Month::new(1971, 1), dec)), None, Some((jan, jan))]);
        assert_eq!((t.accounts(), t.cells()), (3, 672 + 1));
        assert!(t.set(0, Month::new(1971, 1), Money(5)));
        assert!(t.set(0, dec, Money(700)));
        assert!(t.set(2, jan, Money(900)));
        // Outside an account's own months nothing is set and every month reads 0.
        assert!(!t.set(1, jan, Money(1)));
        assert!(!t.set(2, dec, Money(1)));
        assert_eq!(t.get(0, Month::new(1971, 1)), Money(5));
        assert_eq!(t.get(0, Month::new(2000, 6)), Money::ZERO);
        assert_eq!(t.get(1, jan), Money::ZERO);
        assert_eq!(t.get(2, dec), Money::ZERO);
        assert_eq!(t.get(3, jan), Money::ZERO, "no such account");
        assert_eq!(t.first_active(0), Some(Month::new(1971, 1)));
        assert_eq!(t.first_active(1), None);
        assert_eq!(t.first_active(2), Some(jan));
        assert_eq!(t.total(), 5 + 700 + 900);
        // zeros: every account over the same months, as the fixtures build them.
        let z = MrrTable::zeros(4, jan, dec);
        assert_eq!((z.accounts(), z.cells()), (4, 48));
        assert_eq!(MrrTable::zeros(4, dec, jan).cells(), 0);
    }

    #[test]
    fn the_row_index_gives_each_account_its_rows() {
        let mut ds = Dataset::default();
        assert!(ds.tickets_of(0).is_none(), "no table, no rows");
        // Account 1 has no tickets; 0 has two, 2 has one; nothing after 2.
        ds.tickets = Some(vec![ticket(0, 1), ticket(0, 2), ticket(2, 3)]);
        let ids = |a| {
            ds.tickets_of(a)
                .unwrap_or_default()
                .iter()
                .map(|t| t.csat)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(0), [Some(1), Some(2)]);
        assert!(ids(1).is_empty());
        assert_eq!(ids(2), [Some(3)]);
        assert!(ids(3).is_empty());
        assert!(ids(AccountIx::MAX).is_empty());
        let empty = Dataset {
            tickets: Some(Vec::new()),
            ..Dataset::default()
        };
        assert_eq!(empty.tickets_of(0).map(<[Ticket]>::len), Some(0));
    }
}
