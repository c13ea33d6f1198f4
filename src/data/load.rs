//! Loads the tables of DATA.md from a folder (each a CSV or a Parquet file, see `source`) into a
//! `Dataset`, applying every validation rule, the same whatever the source: types, ranges,
//! vocabularies, required columns (from `schema`), duplicate keys and references between tables.
//! Every problem of every file is collected (capped per file) and returned at once.
//! Tables are parsed in parallel; accounts and CSMs first, since the others refer to them.
//!
//! Besides each cell's grammar (`csv_table`), the loader bounds the values: an amount is at most
//! `Money::MAX_AMOUNT` and a money column adds up to at most `Money::MAX_TOTAL` (see `money`),
//! and every date and month lies in the configured window (`dates:` in postsale.yaml). Rows that
//! refer to an id their table lacks are reported once per file and id, with a count, and say so
//! when that id's own row had an error: one bad row of accounts.csv is one problem, not one per
//! row of every table that mentions the account.

use super::csv_table::{Col, FileDiags, Row};
use super::model::*;
use super::money::{Money, MoneyError};
use super::schema;
use super::source::{self, Input};
use crate::config::{Config, DatabaseConfig, DateWindow};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::period::Month;
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

/// How strictly to load.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Skip rows with errors (reported as warnings) instead of failing.
    pub lenient: bool,
    /// At most this many diagnostics per file; the rest are counted.
    pub max_per_file: usize,
    /// Load only these tables (accounts.csv always, and the tables they refer to); None loads
    /// every table. `postsale metrics` loads what its metrics need; `check` loads everything.
    pub only: Option<Vec<&'static str>>,
    /// The dates (and months) the data may hold; any other is an error.
    pub dates: DateWindow,
    /// The tables read from a database instead of the folder (`database:` in postsale.yaml).
    pub database: Option<DatabaseConfig>,
    /// Digest the rows read from the database (`Loaded::database`), for a build's inputs'
    /// fingerprint; other commands skip the pass over every cell.
    pub digests: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            lenient: false,
            max_per_file: 20,
            only: None,
            dates: DateWindow::default(),
            database: None,
            digests: false,
        }
    }
}

impl LoadOptions {
    /// The options `config` asks for (`lenient`, `dates`), every table.
    pub fn from_config(config: &Config) -> LoadOptions {
        LoadOptions {
            lenient: config.lenient,
            dates: config.dates.clone(),
            database: config.database.clone(),
            ..LoadOptions::default()
        }
    }
}

/// A loaded data set with what the build summary should mention.
#[derive(Debug)]
pub struct Loaded {
    pub dataset: Dataset,
    /// Why rows were skipped, in lenient mode (capped per file, as errors are).
    pub warnings: Vec<Diagnostic>,
    /// One line per absent optional table, e.g. `tickets.csv not found; skipping support metrics`.
    pub notices: Vec<String>,
    /// File name → rows read but not kept (lenient mode), for the files with any.
    pub skipped: BTreeMap<String, usize>,
    /// The tables read from the database: `postgres:<table>` and the digest of its rows
    /// (`Input::digest`), for the inputs' fingerprint; empty unless `LoadOptions::digests`.
    pub database: Vec<(String, String)>,
}

/// Loads every table found in `dir`.
pub fn load(dir: &Path, options: &LoadOptions) -> Result<Loaded, Diagnostics> {
    let file = |table: &str| source::name(dir, table);
    let wanted = |table: &str| match &options.only {
        None => true,
        Some(list) => {
            table == "accounts"
                || list.contains(&table)
                // Stage history and forecasts refer to renewals.
                || (table == "renewals" && list.iter().any(|t| *t == "renewal_stages" || *t == "forecasts"))
                // Tasks refer to CSMs.
                || (table == "csms" && list.contains(&"tasks"))
        }
    };
    // The database's tables first, over one connection (each held once, as text cells).
    let fetched = match &options.database {
        Some(database) => source::fetch(database, wanted).map_err(|d| Diagnostics(vec![d]))?,
        None => Vec::new(),
    };
    let database: Vec<(String, String)> = fetched
        .iter()
        .filter(|_| options.digests)
        .filter_map(|(_, input)| input.as_ref().ok())
        .map(|input| (input.name().to_string(), input.digest()))
        .collect();
    let sizes: FxHashMap<&str, u64> = fetched
        .iter()
        .map(|(table, input)| (*table, input.as_ref().map_or(0, Input::size)))
        .collect();
    let from_database = |table: &str| {
        options
            .database
            .as_ref()
            .is_some_and(|db| db.tables.contains_key(table))
    };
    let fetched: Mutex<FxHashMap<&str, Result<Input, Diagnostic>>> =
        Mutex::new(fetched.into_iter().collect());
    let read = |table: &str| -> Option<Result<Input, Diagnostic>> {
        if !wanted(table) {
            return None;
        }
        if from_database(table) {
            if let Some(both) = source::also_a_file(dir, table) {
                return Some(Err(both));
            }
            return fetched.lock().ok()?.remove(table);
        }
        source::find(dir, schema::table(table)?)
    };
    let new_diags = |input: &Input| FileDiags::new(input.name().to_string(), options.max_per_file);

    // Stage 1: accounts and CSMs.
    let window = &options.dates;
    let lenient = options.lenient;
    let (accounts, csms) = rayon::join(
        || {
            read("accounts")
                .map(|r| r.map(|input| read_accounts(&input, new_diags(&input), window, lenient)))
        },
        || read("csms").map(|r| r.map(|input| read_csms(&input, new_diags(&input)))),
    );
    // The diagnostics of each file read, finished once the references are reported.
    let mut files: Vec<FileDiags> = Vec::new();
    let mut io_errors = Vec::new();
    let mut dataset = Dataset::default();
    // Rows read and rows kept, per file.
    let mut counts: Vec<(&str, String, usize, usize)> = Vec::new();
    let unknown = Unknown::default();
    let mut csms_file: Option<String> = None;
    let Some(accounts) = accounts else {
        return Err(Diagnostics(vec![Diagnostic::file_error(
            file("accounts"),
            "accounts.csv not found (expected the required accounts table in the data folder)",
        )]));
    };
    let AccountsRead {
        mut accounts,
        diags: mut account_diags,
        csm_refs,
        count: account_rows,
        mut failed,
    } = accounts.map_err(|d| Diagnostics(vec![d]))?;
    match csms {
        Some(Ok((csms, diags, rows, csm_failed))) => {
            counts.push(("csms", diags.file.clone(), rows, csms.rows.len()));
            csms_file = Some(diags.file.clone());
            files.push(diags);
            failed.extend(csm_failed);
            dataset.csms = Some(csms);
        }
        Some(Err(d)) => io_errors.push(d),
        None => {}
    }
    // accounts.csm_id against csms.csv, when it exists.
    if let Some(csms) = &dataset.csms {
        let mut dropped = FxHashMap::default();
        for (account, line, col, id) in csm_refs {
            match csms.index.get(&id) {
                Some(&ix) => accounts.rows[account as usize].csm = Some(ix),
                None => {
                    unknown.note(&account_diags, "csm", col, &id, line);
                    if lenient {
                        dropped.insert(account, line);
                    }
                }
            }
        }
        // In lenient mode the row is skipped, like any row with an error.
        if !dropped.is_empty() {
            let rows = std::mem::take(&mut accounts.rows);
            accounts.index.clear();
            for (ix, account) in rows.into_iter().enumerate() {
                if let Some(&line) = dropped.get(&(ix as AccountIx)) {
                    failed.insert(("account", account.id), line);
                    continue;
                }
                let at = accounts.rows.len() as AccountIx;
                accounts.index.insert(account.id.clone(), at);
                accounts.rows.push(account);
            }
        }
    }
    counts.push((
        "accounts",
        account_diags.file.clone(),
        account_rows,
        accounts.rows.len(),
    ));
    dataset.accounts = accounts;
    let no_renewals = FxHashMap::default();

    // Stage 2: every other table at once, each also parsed in parallel chunks, so both cores
    // stay busy through the serial steps of one table (its merge, sort and duplicate check).
    // Renewals go first on one side, since stage history and forecasts refer to them; the rest,
    // largest first, on the other.
    let (renewal_side, rest) = rayon::join(
        || {
            let renewals = read("renewals").map(|input| {
                input.map(|input| {
                    let mut d = new_diags(&input);
                    let read = read_renewals(
                        &input,
                        &Refs::new(&dataset, window, &unknown, &no_renewals),
                        &mut d,
                    );
                    // Sorted by account before the index that stages and forecasts resolve
                    // against.
                    let rows = read.rows.map(|mut rows| {
                        rows.sort_by(|a, b| {
                            (a.account, a.due_on, &a.id).cmp(&(b.account, b.due_on, &b.id))
                        });
                        rows
                    });
                    (rows, read.count, read.failed, d)
                })
            });
            let renewal_index: FxHashMap<&str, RenewalIx> = match &renewals {
                Some(Ok((Some(rows), _, _, _))) => rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.id.as_str(), i as RenewalIx))
                    .collect(),
                _ => FxHashMap::default(),
            };
            let refs = Refs::new(&dataset, window, &unknown, &renewal_index);
            let dependents =
                read_tables(&["renewal_stages", "forecasts"], &read, &new_diags, &refs);
            (renewals, dependents)
        },
        || {
            let mut order: Vec<(u64, &str)> = TABLES
                .iter()
                .filter(|t| {
                    !matches!(
                        **t,
                        "accounts" | "csms" | "renewals" | "renewal_stages" | "forecasts"
                    )
                })
                .map(|&t| {
                    let size = sizes.get(t).copied();
                    (size.unwrap_or_else(|| source::size(dir, t)), t)
                })
                .collect();
            order.sort_by_key(|&(size, t)| (std::cmp::Reverse(size), t));
            let order: Vec<&str> = order.into_iter().map(|(_, t)| t).collect();
            read_tables(
                &order,
                &read,
                &new_diags,
                &Refs::new(&dataset, window, &unknown, &no_renewals),
            )
        },
    );
    let (renewals, dependents) = renewal_side;
    match renewals {
        Some(Ok((rows, count, renewal_failed, d))) => {
            let kept = rows.as_ref().map_or(0, Vec::len);
            counts.push(("renewals", d.file.clone(), count, kept));
            check_totals(
                &d,
                [
                    ("arr", rows.iter().flatten().map(|r| r.arr).sum_cents()),
                    (
                        "renewed_arr",
                        rows.iter()
                            .flatten()
                            .filter_map(|r| r.renewed_arr)
                            .sum_cents(),
                    ),
                    (
                        "expansion_arr",
                        rows.iter()
                            .flatten()
                            .filter_map(|r| r.expansion_arr)
                            .sum_cents(),
                    ),
                ],
                &mut io_errors,
            );
            dataset.renewals = rows;
            failed.extend(renewal_failed);
            files.push(d);
        }
        Some(Err(e)) => io_errors.push(e),
        None => {}
    }
    let mut rest: Vec<(&str, Option<Result<TableRead, Diagnostic>>)> = rest;
    rest.extend(dependents);
    // Stored in TABLES order, as before.
    rest.sort_by_key(|(table, _)| TABLES.iter().position(|t| t == table));
    for (table, result) in rest {
        match result {
            None => {}
            Some(Err(e)) => io_errors.push(e),
            Some(Ok((parsed, count, d))) => {
                counts.push((table, d.file.clone(), count, parsed.rows()));
                check_totals(&d, parsed.totals(), &mut io_errors);
                files.push(d);
                parsed.store(&mut dataset);
            }
        }
    }
    check_totals(
        &account_diags,
        [(
            "acquisition_cost",
            dataset
                .accounts
                .rows
                .iter()
                .filter_map(|a| a.acquisition_cost)
                .sum_cents(),
        )],
        &mut io_errors,
    );
    if let Some(csms) = &dataset.csms {
        let total = csms
            .rows
            .iter()
            .filter_map(|c| c.expansion_quota)
            .sum_cents();
        if let Some(d) = files.iter().find(|d| Some(&d.file) == csms_file.as_ref()) {
            check_totals(d, [("expansion_quota", total)], &mut io_errors);
        }
    }
    let listed: Listed = std::iter::once(&account_diags)
        .chain(&files)
        .filter_map(|d| {
            let table = counts.iter().find(|c| c.1 == d.file)?.0;
            let kind = ID_TABLES.iter().find(|k| k.1 == table)?.0;
            Some((kind, (short_name(&d.file), d.ids)))
        })
        .collect();
    unknown.report(&mut account_diags, &failed, &listed);
    let mut all: Vec<Vec<Diagnostic>> = vec![account_diags.finish()];
    for mut d in files {
        unknown.report(&mut d, &failed, &listed);
        all.push(d.finish());
    }
    let mut skipped = BTreeMap::new();
    for (table, file, read, kept) in counts {
        if read > kept {
            skipped.insert(short_name(&file), read - kept);
        }
        dataset.row_counts.insert(table.to_string(), kept);
    }

    // Forecast snapshots by renewal, then day: "the latest snapshot on or before a day" of one
    // renewal is a binary search ((snapshot_on, renewal) is the key, so the order is total).
    if let Some(rows) = &mut dataset.forecasts {
        rows.sort_unstable_by_key(|r| (r.renewal, r.snapshot_on));
    }
    // Tasks by account, those without an account first (they count in every scope), so a scope's
    // tasks are a prefix and one slice per account.
    if let Some(rows) = &mut dataset.tasks {
        rows.sort_by_key(|t| t.account);
    }
    // Opportunities by account (file order within one), so an account's or a CSM's are found by
    // binary search rather than by scanning the table.
    if let Some(rows) = &mut dataset.opportunities {
        rows.sort_by_key(|o| o.account);
    }
    let notices = schema::SCHEMA
        .iter()
        .filter(|t| !t.required() && wanted(t.name) && !dataset.has_table(t.name))
        .map(|t| format!("{}.csv not found; skipping {}", t.name, t.feeds))
        .collect();
    let mut diagnostics: Vec<Diagnostic> = io_errors;
    diagnostics.extend(all.into_iter().flatten());
    diagnostics.sort_by(|a, b| {
        (&a.file, a.line.is_none(), a.line, a.column).cmp(&(
            &b.file,
            b.line.is_none(),
            b.line,
            b.column,
        ))
    });
    if options.lenient {
        // Structural problems (a missing or repeated column, an unreadable header, an empty
        // file) cannot be skipped: they are about the whole file, not a row.
        let fatal: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|d| {
                d.message.starts_with("missing required column")
                    || d.message.starts_with("empty file")
                    || d.message.starts_with("cannot read")
                    || d.message.starts_with("two files for the")
                    || d.message.starts_with("duplicate column")
                    || d.message.starts_with("invalid UTF-8 in the header")
                    || d.message.starts_with(TOTAL_TOO_LARGE)
            })
            .cloned()
            .collect();
        if !fatal.is_empty() {
            return Err(Diagnostics(fatal));
        }
        let warnings = diagnostics.into_iter().map(Diagnostic::warning).collect();
        return Ok(Loaded {
            dataset,
            warnings,
            notices,
            skipped,
            database,
        });
    }
    if diagnostics.is_empty() {
        Ok(Loaded {
            dataset,
            warnings: Vec::new(),
            notices,
            skipped,
            database,
        })
    } else {
        Err(Diagnostics(diagnostics))
    }
}

fn unknown_ref(what: &str, id: &str, column: &str, table: &str) -> String {
    format!("unknown {what} in column '{column}' (found '{id}', expected an id listed in {table})")
}

fn duplicate(what: &str, id: &str, first: usize, d: &FileDiags) -> String {
    let first = first_at(first, d);
    format!("duplicate {what} (found '{id}' again, expected each {what} once; first {first})")
}

/// Where the first of two rows is, as `d`'s source numbers rows: `on line 3` or `in row 3`.
fn first_at(first: usize, d: &FileDiags) -> String {
    match d.ids {
        source::RowIds::Lines => format!("on line {first}"),
        source::RowIds::Records => format!("in row {first}"),
    }
}

/// One dependent table as read: its rows, its row count and its diagnostics.
type TableRead = (Parsed, usize, FileDiags);

/// Reads and parses `tables` in parallel (each also in parallel chunks), dropping each file's
/// input as soon as it is parsed. Absent or unwanted tables come back as None.
fn read_tables<'t>(
    tables: &[&'t str],
    read: &(impl Fn(&str) -> Option<Result<Input, Diagnostic>> + Sync),
    new_diags: &(impl Fn(&Input) -> FileDiags + Sync),
    refs: &Refs,
) -> Vec<(&'t str, Option<Result<TableRead, Diagnostic>>)> {
    use rayon::prelude::*;
    tables
        .par_iter()
        .map(|&table| {
            let result = read(table).map(|input| {
                input.map(|input| {
                    let mut d = new_diags(&input);
                    let (parsed, count) = read_table(table, &input, refs, &mut d);
                    (parsed, count, d)
                })
            });
            (table, result)
        })
        .collect()
}

/// The id indexes the dependent tables resolve against, the date window their cells must lie
/// in, and where the references to missing ids are gathered.
struct Refs<'a> {
    accounts: &'a Accounts,
    csms: Option<&'a Csms>,
    renewals: &'a FxHashMap<&'a str, RenewalIx>,
    window: &'a DateWindow,
    unknown: &'a Unknown,
}

impl<'a> Refs<'a> {
    fn new(
        dataset: &'a Dataset,
        window: &'a DateWindow,
        unknown: &'a Unknown,
        renewals: &'a FxHashMap<&'a str, RenewalIx>,
    ) -> Refs<'a> {
        Refs {
            accounts: &dataset.accounts,
            csms: dataset.csms.as_ref(),
            renewals,
            window,
            unknown,
        }
    }

    /// A date cell within the window.
    fn date(
        &self,
        row: &mut Row,
        d: &mut FileDiags,
        col: Col,
        required: bool,
    ) -> Option<NaiveDate> {
        date_in(row, d, col, required, self.window)
    }

    /// A month cell within the window.
    fn month(&self, row: &mut Row, d: &mut FileDiags, col: Col, required: bool) -> Option<Month> {
        let month = row.month(d, col, required)?;
        let (earliest, latest) = (
            Month::of(self.window.earliest),
            Month::of(self.window.latest),
        );
        if month < earliest || month > latest {
            outside(row, d, col, "month", (&earliest, &latest));
            return None;
        }
        Some(month)
    }

    /// A date-time cell whose day is within the window.
    fn datetime(
        &self,
        row: &mut Row,
        d: &mut FileDiags,
        col: Col,
        required: bool,
    ) -> Option<NaiveDateTime> {
        let at = row.datetime(d, col, required)?;
        let w = self.window;
        if at.date() < w.earliest || at.date() > w.latest {
            outside(row, d, col, "date", (&w.earliest, &w.latest));
            return None;
        }
        Some(at)
    }

    fn account(&self, row: &mut Row, d: &mut FileDiags, col: Col) -> Option<AccountIx> {
        let id = row.raw(col)?;
        // The rows of one account usually follow each other, the accounts in the order of
        // accounts.csv: the account found last (kept in the row's memo) and the one after it are
        // checked first, cheaper than a hash lookup (whose buckets are cold). Every account of
        // the index is at its index in `rows`, under the same id, so a match is the right one.
        let last = row.memo[0].get();
        for ix in [last, last.wrapping_add(1)] {
            if self
                .accounts
                .rows
                .get(ix as usize)
                .is_some_and(|a| same_id(&a.id, id))
            {
                row.memo[0].set(ix);
                return Some(ix);
            }
        }
        match self.accounts.index.get(id) {
            Some(&ix) => {
                row.memo[0].set(ix);
                Some(ix)
            }
            None => {
                row.failed = true;
                self.unknown.note(d, "account", col, id, row.line);
                None
            }
        }
    }

    /// A required account reference.
    fn req_account(&self, row: &mut Row, d: &mut FileDiags, col: Col) -> Option<AccountIx> {
        if row.raw(col).is_none() {
            row.bad(d, col, "missing value", "", "an account_id of accounts.csv");
            return None;
        }
        self.account(row, d, col)
    }

    /// An optional CSM reference, checked only when csms.csv exists.
    fn csm(&self, row: &mut Row, d: &mut FileDiags, col: Col) -> Option<CsmIx> {
        let id = row.raw(col)?;
        let csms = self.csms?;
        // An account's rows usually name the same CSM: the last one found is checked first.
        let last = row.memo[1].get();
        if csms
            .rows
            .get(last as usize)
            .is_some_and(|c| same_id(&c.id, id))
        {
            return Some(last);
        }
        match csms.index.get(id) {
            Some(&ix) => {
                row.memo[1].set(ix);
                Some(ix)
            }
            None => {
                row.failed = true;
                self.unknown.note(d, "csm", col, id, row.line);
                None
            }
        }
    }

    fn renewal(&self, row: &mut Row, d: &mut FileDiags, col: Col) -> Option<RenewalIx> {
        let id = row.raw(col)?;
        match self.renewals.get(id) {
            Some(&ix) => Some(ix),
            None => {
                row.failed = true;
                self.unknown.note(d, "renewal", col, id, row.line);
                None
            }
        }
    }
}

/// A date cell within `window`.
fn date_in(
    row: &mut Row,
    d: &mut FileDiags,
    col: Col,
    required: bool,
    window: &DateWindow,
) -> Option<NaiveDate> {
    let date = row.date(d, col, required)?;
    if date < window.earliest || date > window.latest {
        outside(row, d, col, "date", (&window.earliest, &window.latest));
        return None;
    }
    Some(date)
}

/// Reports a date or month outside the window `(earliest, latest)`.
fn outside(
    row: &mut Row,
    d: &mut FileDiags,
    col: Col,
    what: &str,
    (earliest, latest): (&dyn std::fmt::Display, &dyn std::fmt::Display),
) {
    let found = row.raw(col).unwrap_or_default().to_string();
    row.bad_with_help(
        d,
        col,
        format!(
            "{what} outside the allowed dates in column '{}' (found '{found}', expected a {what} from {earliest} to {latest})",
            col.name
        ),
        format!(
            "correct the {what}, or widen the window with the key `dates: {{ earliest, latest }}` in postsale.yaml if it is right"
        ),
    );
}

/// An amount cell: `Row::money`, and at most `Money::MAX_AMOUNT`.
fn amount(row: &mut Row, d: &mut FileDiags, col: Col, required: bool) -> Option<Money> {
    // Thirteen characters hold at most thirteen digits, below the bound: only a longer cell
    // needs the check (nearly every cell is shorter).
    if let Some(text) = row.raw(col)
        && text.len() > 13
        && Money::parse_checked(text) == Err(MoneyError::OutOfRange)
    {
        let found = text.to_string();
        row.bad_with_help(
            d,
            col,
            format!(
                "amount out of range in column '{}' (found '{found}', expected at most {} in currency units)",
                col.name,
                Money::MAX_AMOUNT
            ),
            "amounts are whole currency units with up to two decimals (1234.56), at most 10^13; \
             a larger figure is usually in cents or has lost its decimal point"
                .to_string(),
        );
        return None;
    }
    row.money(d, col, required)
}

/// The start of the message of a money column whose total is beyond `Money::MAX_TOTAL` (an
/// error even in lenient mode: the sums of the engine are only safe below it).
const TOTAL_TOO_LARGE: &str = "the amounts of column";

/// Sums of money in `i128`, which no file can overflow.
trait SumCents {
    fn sum_cents(self) -> i128;
}

impl<I: Iterator<Item = Money>> SumCents for I {
    fn sum_cents(self) -> i128 {
        self.map(|m| i128::from(m.cents())).sum()
    }
}

/// Reports each money column of `d`'s file whose total (of the rows kept) passes
/// `Money::MAX_TOTAL`.
fn check_totals<'c>(
    d: &FileDiags,
    totals: impl IntoIterator<Item = (&'c str, i128)>,
    out: &mut Vec<Diagnostic>,
) {
    for (column, total) in totals {
        if total > i128::from(Money::MAX_TOTAL.cents()) {
            let found = match i64::try_from(total) {
                Ok(cents) => Money(cents).to_string(),
                Err(_) => format!("{}", total / 100),
            };
            out.push(
                Diagnostic::file_error(
                    d.file.clone(),
                    format!(
                        "{TOTAL_TOO_LARGE} '{column}' add up to more than the sums postsale can add exactly (found a total of {found}, expected at most {})",
                        Money::MAX_TOTAL
                    ),
                )
                .with_help(
                    "check the unit of the column (whole currency units, not cents); \
                     postsale sums one column to at most 10^15 currency units",
                ),
            );
        }
    }
}

/// The references of one file to one missing id.
#[derive(Debug)]
struct Missing {
    column: &'static str,
    /// 1-based column of the cell.
    at: usize,
    rows: usize,
    first: usize,
    last: usize,
}

/// References to ids their table lacks, by (file, kind of id, id): reported once each after
/// the read, with a count, rather than once per row.
#[derive(Debug, Default)]
struct Unknown(Mutex<BTreeMap<(String, &'static str, String), Missing>>);

/// Ids whose own row had an error: (kind, id) → the row's line (0 when not known).
type Failed = FxHashMap<(&'static str, String), usize>;

/// Each kind of id that rows refer to, and the table that lists it.
const ID_TABLES: [(&str, &str); 3] = [
    ("account", "accounts"),
    ("csm", "csms"),
    ("renewal", "renewals"),
];

/// Where each kind of id is listed, as read: (kind → the source's short name and how it numbers
/// rows), e.g. `account` → `accounts.parquet` or `postgres:accounts`.
type Listed = FxHashMap<&'static str, (String, source::RowIds)>;

/// The short name of a source: a file's name without its folder, or `postgres:<table>`.
fn short_name(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map_or(file.to_string(), |n| n.to_string_lossy().into_owned())
}

/// The source a kind of id is listed in, and how it numbers rows; the CSV file's name when that
/// table was not read.
fn table_of(what: &str, listed: &Listed) -> (String, source::RowIds) {
    listed.get(what).cloned().unwrap_or_else(|| {
        let table = ID_TABLES
            .iter()
            .find(|k| k.0 == what)
            .map_or("renewals", |k| k.1);
        (format!("{table}.csv"), source::RowIds::Lines)
    })
}

impl Unknown {
    /// Notes that the row at `line` of `d`'s file refers to the missing `id` in `col`.
    fn note(&self, d: &FileDiags, what: &'static str, col: Col, id: &str, line: usize) {
        if d.file.is_empty() {
            // A second, quiet read of a file (see `read_again`): reported by the first.
            return;
        }
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let m = map
            .entry((d.file.clone(), what, id.to_string()))
            .or_insert(Missing {
                column: col.name,
                at: col.index.map_or(1, |i| i + 1),
                rows: 0,
                first: line,
                last: line,
            });
        m.rows += 1;
        m.first = m.first.min(line);
        m.last = m.last.max(line);
    }

    /// Reports the missing ids of `d`'s file, one diagnostic per id at its first row.
    fn report(&self, d: &mut FileDiags, failed: &Failed, listed: &Listed) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let keys: Vec<(String, &'static str, String)> = map
            .range((d.file.clone(), "", String::new())..)
            .take_while(|((file, _, _), _)| *file == d.file)
            .map(|(k, _)| k.clone())
            .collect();
        let mut found: Vec<(&'static str, String, Missing)> = keys
            .into_iter()
            .filter_map(|k| map.remove(&k).map(|m| (k.1, k.2, m)))
            .collect();
        found.sort_by_key(|(_, _, m)| m.first);
        let name = short_name(&d.file);
        for (what, id, m) in found {
            let (table, ids) = table_of(what, listed);
            let span = if m.rows > 1 {
                format!("; first here, last on line {}", m.last)
            } else {
                String::new()
            };
            let message = match failed.get(&(what, id.clone())) {
                Some(&line) => {
                    let at = match ids {
                        _ if line == 0 => table.clone(),
                        source::RowIds::Lines => format!("{table}:{line}"),
                        source::RowIds::Records => format!("{table} row {line}"),
                    };
                    let rows = if m.rows == 1 {
                        format!("1 row of {name} refers")
                    } else {
                        format!("{} rows of {name} refer", m.rows)
                    };
                    format!("{rows} to {what} '{id}', whose own row has an error (see {at}){span}")
                }
                None if m.rows == 1 => unknown_ref(what, &id, m.column, &table),
                None => format!(
                    "unknown {what} in column '{}' (found '{id}' on {} rows{span}, expected an id listed in {table})",
                    m.column, m.rows
                ),
            };
            d.at(m.first, m.at, message);
        }
    }
}

/// `a == b` for the short ids of references (checked millions of times a load) without a call
/// to `memcmp` for the common lengths: 4 to 16 bytes are two overlapping word comparisons.
fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        8..=16 => {
            a.first_chunk::<8>() == b.first_chunk::<8>()
                && a.last_chunk::<8>() == b.last_chunk::<8>()
        }
        4..=7 => {
            a.first_chunk::<4>() == b.first_chunk::<4>()
                && a.last_chunk::<4>() == b.last_chunk::<4>()
        }
        _ => a == b,
    }
}

/// Checks `id` is new in `seen`; reports a duplicate otherwise.
fn unique(
    seen: &mut FxHashMap<String, usize>,
    id: &str,
    what: &str,
    row: &mut Row,
    d: &mut FileDiags,
    col: Col,
) -> bool {
    if let Some(&first) = seen.get(id) {
        let message = duplicate(what, id, first, d);
        row.failed = true;
        d.at(row.line, col.index.map_or(1, |i| i + 1), message);
        return false;
    }
    seen.insert(id.to_string(), row.line);
    true
}

/// accounts.csv as read.
struct AccountsRead {
    accounts: Accounts,
    diags: FileDiags,
    /// (account, line, csm_id column, csm id): checked against csms.csv once it is read.
    csm_refs: Vec<(AccountIx, usize, Col, String)>,
    /// Records read.
    count: usize,
    /// The accounts whose row had an error and is not kept, with its line.
    failed: Failed,
}

/// Reads accounts.csv. A row with a bad cell is kept with that cell empty, so the rows that
/// refer to it are not reported again (the load fails anyway), except in lenient mode, where it
/// is skipped like any other row with an error. A row without an id, or unreadable, is never
/// kept; its id, when one can be read, is remembered for the messages of the rows that refer
/// to it.
fn read_accounts(
    input: &Input,
    mut d: FileDiags,
    window: &DateWindow,
    lenient: bool,
) -> AccountsRead {
    let mut read = AccountsRead {
        accounts: Accounts::default(),
        diags: FileDiags::new(String::new(), 0),
        csm_refs: Vec::new(),
        count: 0,
        failed: Failed::default(),
    };
    let Some(sheet) = input.open(&mut d) else {
        read.diags = d;
        return read;
    };
    let Some(
        [
            id,
            name,
            segment,
            industry,
            region,
            source,
            csm_id,
            plan,
            seats,
            signed_on,
            cac,
            cycle,
        ],
    ) = sheet.columns_of(schema::ACCOUNTS, &mut d)
    else {
        read.diags = d;
        return read;
    };
    let accounts = &mut read.accounts;
    let known = schema::ACCOUNTS.header();
    let extra: Vec<(usize, String)> = sheet
        .header()
        .iter()
        .enumerate()
        .filter(|(_, h)| !known.contains(&h.to_ascii_lowercase().as_str()))
        .map(|(i, h)| (i, h.clone()))
        .collect();
    accounts.extra_columns = extra.iter().map(|(_, h)| h.clone()).collect();
    let extra_cols: Vec<Col> = extra
        .iter()
        .map(|(i, _)| Col {
            name: "extra",
            index: Some(*i),
        })
        .collect();
    // Parsed in parallel chunks; then, in file order, the duplicate check and the index.
    let handed = std::sync::atomic::AtomicUsize::new(0);
    let got = sheet.collect(&mut d, None, true, |row, d| {
        handed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let account = Account {
            id: row.id(d, id).unwrap_or_default(),
            name: row.id(d, name).unwrap_or_default(),
            segment: row.text(segment),
            industry: row.text(industry),
            region: row.text(region),
            source: row.lower(source),
            csm_id: row.text(csm_id),
            csm: None,
            plan: row.text(plan),
            seats: row.int(d, seats, false),
            signed_on: date_in(row, d, signed_on, false, window),
            acquisition_cost: amount(row, d, cac, false),
            sales_cycle_days: row.int(d, cycle, false),
            extra: extra_cols.iter().map(|c| row.text(*c)).collect(),
        };
        // Handed on with its verdict, so the failed rows' ids are known too.
        let failed = row.failed;
        row.failed = false;
        (!account.id.is_empty()).then_some((account, failed))
    });
    let id_column = id.index.map_or(1, |i| i + 1);
    let (parsed, lines, count) = (got.values, got.lines, got.count);
    read.count = count;
    if handed.into_inner() < count {
        // Some records were not handed over at all (not UTF-8): their ids, when readable.
        for (line, account) in input.unreadable_ids(id.index) {
            read.failed.insert(("account", account), line);
        }
    }
    // The line of each account kept, by index, for the duplicate message.
    let mut first_lines: Vec<u32> = Vec::with_capacity(parsed.len());
    accounts.rows.reserve(parsed.len());
    accounts.index.reserve(parsed.len());
    for ((account, failed), line) in parsed.into_iter().zip(lines) {
        if failed && lenient {
            read.failed
                .entry(("account", account.id))
                .or_insert(line as usize);
            continue;
        }
        if let Some(&ix) = accounts.index.get(&account.id) {
            let first = first_lines[ix as usize] as usize;
            d.at(
                line as usize,
                id_column,
                duplicate("account_id", &account.id, first, &d),
            );
            continue;
        }
        let ix = accounts.rows.len() as AccountIx;
        if let Some(csm) = &account.csm_id {
            read.csm_refs.push((ix, line as usize, csm_id, csm.clone()));
        }
        first_lines.push(line);
        read.failed.remove(&("account", account.id.clone()));
        accounts.index.insert(account.id.clone(), ix);
        accounts.rows.push(account);
    }
    read.diags = d;
    read
}

/// Reads csms.csv; also returns the CSMs whose row had an error (not kept), with its line.
fn read_csms(input: &Input, mut d: FileDiags) -> (Csms, FileDiags, usize, Failed) {
    let mut csms = Csms::default();
    let mut failed = Failed::default();
    let Some(sheet) = input.open(&mut d) else {
        return (csms, d, 0, failed);
    };
    let Some([id, name, email, manager, team, capacity, quota]) =
        sheet.columns_of(schema::CSMS, &mut d)
    else {
        return (csms, d, 0, failed);
    };
    let mut seen = FxHashMap::default();
    let mut managers = Vec::new();
    let count = sheet.rows(&mut d, |row, d| {
        let csm = Csm {
            id: row.id(d, id).unwrap_or_default(),
            name: row.id(d, name).unwrap_or_default(),
            email: row.text(email),
            manager_id: row.text(manager),
            team: row.text(team),
            capacity_accounts: row.int_in(d, capacity, false, 0, i64::MAX),
            expansion_quota: amount(row, d, quota, false),
        };
        if row.failed && !csm.id.is_empty() && !seen.contains_key(&csm.id) {
            failed.insert(("csm", csm.id.clone()), row.line);
        }
        if !csm.id.is_empty() && unique(&mut seen, &csm.id, "csm_id", row, d, id) && !row.failed {
            if let Some(m) = &csm.manager_id {
                managers.push((row.line, m.clone()));
            }
            csms.index.insert(csm.id.clone(), csms.rows.len() as CsmIx);
            csms.rows.push(csm);
        }
    });
    let column = manager.index.map_or(1, |i| i + 1);
    let name = short_name(&d.file);
    for (line, m) in managers {
        if !csms.index.contains_key(&m) {
            d.at(
                line,
                column,
                unknown_ref("manager", &m, "manager_id", &name),
            );
        }
    }
    (csms, d, count, failed)
}

/// renewals.csv as read.
struct RenewalsRead {
    rows: Option<Vec<Renewal>>,
    /// Records read.
    count: usize,
    /// The renewals whose row had an error (not kept), with its line.
    failed: Failed,
}

fn read_renewals(input: &Input, refs: &Refs, d: &mut FileDiags) -> RenewalsRead {
    let mut read = RenewalsRead {
        rows: None,
        count: 0,
        failed: Failed::default(),
    };
    let Some(sheet) = input.open(d) else {
        return read;
    };
    let Some(
        [
            id,
            account,
            due_on,
            arr,
            stage,
            probability,
            at_risk,
            risk_reason,
            renewed_arr,
            expansion_arr,
            expansion_type,
            discount,
            closed_on,
            outreach,
            proposal_on,
            escalated,
            term,
            value_review,
            c1,
            c2,
            c3,
            c4,
            c5,
        ],
    ) = sheet.columns_of(schema::RENEWALS, d)
    else {
        return read;
    };
    let mut rows = Vec::new();
    let mut seen = FxHashMap::default();
    let count = sheet.rows(d, |row, d| {
        let rid = row.id(d, id);
        let acc = refs.req_account(row, d, account);
        let due = refs.date(row, d, due_on, true);
        let arr_v = amount(row, d, arr, true);
        let stage_v = row.vocab(d, stage, true, &RenewalStage::NAMES, RenewalStage::parse);
        let renewed = amount(row, d, renewed_arr, false);
        if let (Some(r), Some(a)) = (renewed, arr_v)
            && r > a
        {
            let found = row.raw(renewed_arr).unwrap_or_default().to_string();
            row.bad(
                d,
                renewed_arr,
                "renewed ARR above the ARR up for renewal",
                &found,
                &format!("at most the arr {a}"),
            );
        }
        let renewal = Renewal {
            id: rid.clone().unwrap_or_default(),
            account: acc.unwrap_or_default(),
            due_on: due.unwrap_or_default(),
            arr: arr_v.unwrap_or_default(),
            stage: stage_v.unwrap_or(RenewalStage::NotEngaged),
            forecast_probability: row.number(d, probability, false, 0.0, 1.0),
            at_risk: row.bool(d, at_risk).unwrap_or(false),
            risk_reason: row.vocab(d, risk_reason, false, RiskReason::NAMES, RiskReason::parse),
            renewed_arr: renewed,
            expansion_arr: amount(row, d, expansion_arr, false),
            expansion_type: row.vocab(
                d,
                expansion_type,
                false,
                ExpansionType::NAMES,
                ExpansionType::parse,
            ),
            discount_pct: row.number(d, discount, false, 0.0, 100.0),
            closed_on: refs.date(row, d, closed_on, false),
            first_outreach_on: refs.date(row, d, outreach, false),
            proposal_sent_on: refs.date(row, d, proposal_on, false),
            escalated: row.bool(d, escalated).unwrap_or(false),
            term_months: row.int_in(d, term, false, 1, 1200).unwrap_or(12),
            value_review_done: row.bool(d, value_review),
            checklist: [
                row.bool(d, c1),
                row.bool(d, c2),
                row.bool(d, c3),
                row.bool(d, c4),
                row.bool(d, c5),
            ],
        };
        if let Some(rid) = rid {
            if row.failed && !seen.contains_key(&rid) {
                read.failed.insert(("renewal", rid.clone()), row.line);
            }
            if unique(&mut seen, &rid, "renewal_id", row, d, id) && !row.failed {
                rows.push(renewal);
            }
        }
    });
    read.rows = Some(rows);
    read.count = count;
    read
}

/// The rows of one dependent table.
enum Parsed {
    /// The table and the number of rows it holds.
    Mrr(Option<MrrTable>, usize),
    Stages(Option<Vec<RenewalStageEntry>>),
    Forecasts(Option<Vec<ForecastSnapshot>>),
    Health(Option<Vec<HealthRow>>),
    Usage(Option<Vec<UsageRow>>),
    Activities(Option<Vec<Activity>>),
    Tasks(Option<Vec<Task>>),
    Tickets(Option<Vec<Ticket>>),
    Surveys(Option<Vec<SurveyResponse>>),
    Churns(Option<Vec<Churn>>),
    Opportunities(Option<Vec<Opportunity>>),
    Onboarding(Option<Vec<Onboarding>>),
    Sponsors(Option<Vec<SponsorChange>>),
    Actions(Option<Vec<Action>>),
}

impl Parsed {
    /// The rows kept.
    fn rows(&self) -> usize {
        fn len<T>(rows: &Option<Vec<T>>) -> usize {
            rows.as_ref().map_or(0, Vec::len)
        }
        match self {
            Parsed::Mrr(_, kept) => *kept,
            Parsed::Stages(t) => len(t),
            Parsed::Forecasts(t) => len(t),
            Parsed::Health(t) => len(t),
            Parsed::Usage(t) => len(t),
            Parsed::Activities(t) => len(t),
            Parsed::Tasks(t) => len(t),
            Parsed::Tickets(t) => len(t),
            Parsed::Surveys(t) => len(t),
            Parsed::Churns(t) => len(t),
            Parsed::Opportunities(t) => len(t),
            Parsed::Onboarding(t) => len(t),
            Parsed::Sponsors(t) => len(t),
            Parsed::Actions(t) => len(t),
        }
    }

    /// The total of each money column (of the rows kept).
    fn totals(&self) -> Vec<(&'static str, i128)> {
        match self {
            Parsed::Mrr(Some(t), _) => vec![("mrr", t.total())],
            Parsed::Forecasts(Some(rows)) => {
                vec![(
                    "forecast_arr",
                    rows.iter().map(|r| r.forecast_arr).sum_cents(),
                )]
            }
            Parsed::Opportunities(Some(rows)) => {
                vec![("arr", rows.iter().map(|r| r.arr).sum_cents())]
            }
            _ => Vec::new(),
        }
    }

    fn store(self, ds: &mut Dataset) {
        match self {
            Parsed::Mrr(t, _) => ds.mrr = t,
            Parsed::Stages(t) => ds.renewal_stages = t,
            Parsed::Forecasts(t) => ds.forecasts = t,
            Parsed::Health(t) => ds.health = t,
            Parsed::Usage(t) => ds.usage = t,
            Parsed::Activities(t) => ds.activities = t,
            Parsed::Tasks(t) => ds.tasks = t,
            Parsed::Tickets(t) => ds.tickets = t,
            Parsed::Surveys(t) => ds.surveys = t,
            Parsed::Churns(t) => ds.churns = t,
            Parsed::Opportunities(t) => ds.opportunities = t,
            Parsed::Onboarding(t) => ds.onboarding = t,
            Parsed::Sponsors(t) => ds.sponsor_changes = t,
            Parsed::Actions(t) => ds.actions = t,
        }
    }
}

/// Reads all rows of a sheet with `columns`, keeping those `make` accepts on rows without errors
/// (in parallel chunks for a large file; see `Sheet::collect`).
fn collect<T: Send, const N: usize>(
    input: &Input,
    d: &mut FileDiags,
    table: &'static schema::Table,
    make: impl Fn(&mut Row, &mut FileDiags, &[Col; N]) -> Option<T> + Sync,
) -> (Option<Vec<T>>, usize) {
    let Some(sheet) = input.open(d) else {
        return (None, 0);
    };
    let Some(cols) = sheet.columns_of(table, d) else {
        return (None, 0);
    };
    let key = table
        .single_key()
        .and_then(|what| cols.iter().copied().find(|c| c.name == what));
    let got = sheet.collect(d, key, false, |row, d| make(row, d, &cols));
    let mut rows = got.values;
    if let Some(key) = key
        && !got.increasing
    {
        // Ids out of order (those written in increasing order, as most exports are, cannot
        // repeat): the file is read again for the ids and lines of the same rows (the same
        // checks keep the same rows), which the rows themselves do not store.
        let ids = input.again(|row, d| {
            make(row, d, &cols)?;
            row.raw(key).map(Text::from)
        });
        let column = key.index.map_or(1, |i| i + 1);
        drop_duplicates(&mut rows, &ids.values, &ids.lines, key.name, column, d);
    }
    (Some(rows), got.count)
}

/// Reports every row whose key (`keys[i]` for `rows[i]`) appeared on an earlier line and
/// removes it.
fn drop_duplicates<T>(
    rows: &mut Vec<T>,
    keys: &[Text],
    lines: &[u32],
    what: &str,
    column: usize,
    d: &mut FileDiags,
) {
    let mut order: Vec<usize> = (0..rows.len().min(keys.len())).collect();
    order.sort_unstable_by(|&a, &b| keys[a].cmp(&keys[b]).then(lines[a].cmp(&lines[b])));
    let mut duplicate = vec![false; rows.len()];
    for pair in order.chunk_by(|&a, &b| keys[a] == keys[b]) {
        let first = pair[0];
        for &later in &pair[1..] {
            duplicate[later] = true;
            let message = self::duplicate(what, &keys[later], lines[first] as usize, d);
            d.at(lines[later] as usize, column, message);
        }
    }
    if duplicate.iter().any(|x| *x) {
        let mut i = 0;
        rows.retain(|_| {
            i += 1;
            !duplicate[i - 1]
        });
    }
}

/// Sorts the rows of a table the engine searches by account and time ("the latest row on or
/// before a day", by binary search) by (account, time), keeping file order among equal keys: the
/// result of a stable `sort_by_key`. Rows already in account order (as exports usually are) only
/// need each account's run sorted by time, stably, in parallel. Otherwise, rather than sorting
/// the rows, it counts them per account, sorts each account's (time, position) pairs, then swaps
/// every row into place at most once.
fn by_account<T: Send, K: Ord + Copy>(
    (rows, count): (Option<Vec<T>>, usize),
    key: impl Fn(&T) -> (AccountIx, K) + Sync,
) -> (Option<Vec<T>>, usize) {
    use rayon::prelude::*;
    let mut rows = rows;
    if let Some(rows) = &mut rows
        && rows.is_sorted_by_key(|r| key(r).0)
    {
        rows.par_chunk_by_mut(|a, b| key(a).0 == key(b).0)
            .for_each(|run| run.sort_by_key(|r| key(r).1));
    } else if let Some(rows) = &mut rows
        && !rows.is_sorted_by_key(&key)
    {
        let accounts = rows
            .iter()
            .map(|r| key(r).0 as usize + 1)
            .max()
            .unwrap_or(0);
        // starts[a]: where account a's rows begin in sorted order.
        let mut starts = vec![0usize; accounts + 1];
        for r in rows.iter() {
            starts[key(r).0 as usize + 1] += 1;
        }
        for a in 1..starts.len() {
            starts[a] += starts[a - 1];
        }
        let mut next = starts.clone();
        let mut order: Vec<(K, u32)> = Vec::with_capacity(rows.len());
        order.resize(rows.len(), (key(&rows[0]).1, 0));
        for (i, r) in rows.iter().enumerate() {
            let (account, time) = key(r);
            order[next[account as usize]] = (time, i as u32);
            next[account as usize] += 1;
        }
        for group in starts.windows(2) {
            // Positions are unique, so the unstable sort keeps equal times in file order.
            order[group[0]..group[1]].sort_unstable();
        }
        // source[k]: the position of the row that belongs at k; set to k once it is there.
        let mut source: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
        for start in 0..rows.len() {
            let mut at = start;
            while source[at] as usize != at {
                let from = source[at] as usize;
                source[at] = at as u32;
                if from == start {
                    break;
                }
                rows.swap(at, from);
                at = from;
            }
        }
    }
    (rows, count)
}

fn read_table(table: &str, input: &Input, refs: &Refs, d: &mut FileDiags) -> (Parsed, usize) {
    match table {
        "mrr" => {
            let (t, n, kept) = read_mrr(input, refs, d);
            (Parsed::Mrr(t, kept), n)
        }
        "renewal_stages" => {
            let (t, n) = collect(input, d, schema::RENEWAL_STAGES, |row, d, &[r, s, e]| {
                Some(RenewalStageEntry {
                    renewal: refs.renewal(row, d, r).or_else(|| missing(row, d, r))?,
                    stage: row.vocab(d, s, true, &RenewalStage::NAMES, RenewalStage::parse)?,
                    entered_on: refs.date(row, d, e, true)?,
                })
            });
            (Parsed::Stages(t), n)
        }
        "forecasts" => {
            let (t, n) = collect(input, d, schema::FORECASTS, |row, d, &[s, r, f, a]| {
                let snapshot_on = refs.date(row, d, s, true);
                let renewal = refs.renewal(row, d, r).or_else(|| missing(row, d, r));
                let forecast_arr = amount(row, d, f, true);
                let at_risk = row.bool(d, a).unwrap_or(false);
                Some(ForecastSnapshot {
                    snapshot_on: snapshot_on?,
                    renewal: renewal?,
                    forecast_arr: forecast_arr?,
                    at_risk,
                })
            });
            (Parsed::Forecasts(t), n)
        }
        "health" => {
            let (t, n) = by_account(
                collect(
                    input,
                    d,
                    schema::HEALTH,
                    |row, d, &[a, dt, score, usage, engagement, support, outcomes]| {
                        let account = refs.req_account(row, d, a);
                        let date = refs.date(row, d, dt, true);
                        let h = HealthRow {
                            account: account?,
                            date: date?,
                            score: row.number(d, score, false, 0.0, 100.0).into(),
                            usage: row.number(d, usage, false, 0.0, 100.0).into(),
                            engagement: row.number(d, engagement, false, 0.0, 100.0).into(),
                            support: row.number(d, support, false, 0.0, 100.0).into(),
                            outcomes: row.number(d, outcomes, false, 0.0, 100.0).into(),
                        };
                        let present = [score, usage, engagement, support, outcomes]
                            .iter()
                            .any(|c| row.raw(*c).is_some());
                        if !present {
                            row.bad(
                                d,
                                score,
                                "no health value",
                                "",
                                "a score or at least one of usage, engagement, support, outcomes",
                            );
                        }
                        Some(h)
                    },
                ),
                |r| (r.account, r.date),
            );
            (Parsed::Health(t), n)
        }
        "usage" => {
            let (t, n) = by_account(
                collect(
                    input,
                    d,
                    schema::USAGE,
                    |row, d, &[a, dt, au, mau, seats, sessions, minutes, used, available]| {
                        let account = refs.req_account(row, d, a);
                        let date = refs.date(row, d, dt, true);
                        let (account, date) = (account?, date?);
                        let active_users = row.number(d, au, false, 0.0, f64::MAX).into();
                        let monthly_active_users = row.number(d, mau, false, 0.0, f64::MAX).into();
                        let seats = row.int_in(d, seats, false, 0, i64::MAX).into();
                        // Checked as DATA.md types them, not kept: no metric or page reads them.
                        row.int_in(d, sessions, false, 0, i64::MAX);
                        row.number(d, minutes, false, 0.0, f64::MAX);
                        Some(UsageRow {
                            account,
                            date,
                            active_users,
                            monthly_active_users,
                            seats,
                            features_used: row.int_in(d, used, false, 0, i64::MAX).into(),
                            features_available: row.int_in(d, available, false, 0, i64::MAX).into(),
                        })
                    },
                ),
                |r| (r.account, r.date),
            );
            (Parsed::Usage(t), n)
        }
        "activities" => {
            let (t, n) = by_account(
                collect(
                    input,
                    d,
                    schema::ACTIVITIES,
                    |row,
                     d,
                     &[
                        id,
                        a,
                        c,
                        dt,
                        kind,
                        status,
                        category,
                        minutes,
                        responded,
                        hours,
                    ]| {
                        let rid = row.present(d, id);
                        let account = refs.req_account(row, d, a);
                        let csm = refs.csm(row, d, c);
                        let date = refs.date(row, d, dt, true);
                        let kind = row.lower(kind).or_else(|| {
                            row.bad(
                                d,
                                kind,
                                "missing value",
                                "",
                                "an activity type such as call, email, meeting, qbr",
                            );
                            None
                        });
                        rid?;
                        let activity = Activity {
                            account: account?,
                            csm,
                            date: date?,
                            kind: kind?,
                            status: row
                                .vocab(
                                    d,
                                    status,
                                    false,
                                    ActivityStatus::NAMES,
                                    ActivityStatus::parse,
                                )
                                .unwrap_or(ActivityStatus::Completed),
                            category: row.vocab(
                                d,
                                category,
                                false,
                                ActivityCategory::NAMES,
                                ActivityCategory::parse,
                            ),
                            minutes: row.int_in(d, minutes, false, 0, i64::MAX).into(),
                        };
                        // Checked as DATA.md types them, not kept: no metric or page reads them.
                        row.bool(d, responded);
                        row.number(d, hours, false, 0.0, f64::MAX);
                        Some(activity)
                    },
                ),
                |a| (a.account, a.date),
            );
            (Parsed::Activities(t), n)
        }
        "tasks" => {
            let (t, n) = collect(
                input,
                d,
                schema::TASKS,
                |row, d, &[id, c, a, title, due, status, completed, source, playbook]| {
                    let rid = row.id(d, id);
                    let csm = match refs.csms {
                        Some(_) => refs.csm(row, d, c).or_else(|| missing(row, d, c)),
                        None => {
                            let found = row.raw(c).unwrap_or_default().to_string();
                            row.bad(
                                d,
                                c,
                                "unknown csm",
                                &found,
                                "an id listed in csms.csv, which is missing",
                            );
                            None
                        }
                    };
                    let account = refs.account(row, d, a);
                    let task = Task {
                        id: rid?,
                        csm: csm?,
                        account,
                        title: row.id(d, title)?,
                        due_on: refs.date(row, d, due, true)?,
                        status: row.vocab(d, status, true, TaskStatus::NAMES, TaskStatus::parse)?,
                        completed_on: refs.date(row, d, completed, false),
                        source: row.vocab(d, source, false, TaskSource::NAMES, TaskSource::parse),
                        playbook: row.text(playbook),
                    };
                    Some(task)
                },
            );
            (Parsed::Tasks(t), n)
        }
        "tickets" => {
            let (t, n) = by_account(
                collect(
                    input,
                    d,
                    schema::TICKETS,
                    |row,
                     d,
                     &[
                        id,
                        a,
                        opened,
                        first,
                        resolved,
                        priority,
                        escalated,
                        reopened,
                        csat,
                    ]| {
                        row.present(d, id)?;
                        let account = refs.req_account(row, d, a);
                        let ticket = Ticket {
                            account: account?,
                            opened_at: refs.datetime(row, d, opened, true)?,
                            first_response_at: refs.datetime(row, d, first, false),
                            resolved_at: refs.datetime(row, d, resolved, false),
                            priority: row.lower(priority),
                            escalated: row.bool(d, escalated).unwrap_or(false),
                            reopened: row.bool(d, reopened).unwrap_or(false),
                            csat: row.int_in(d, csat, false, 1, 5),
                        };
                        Some(ticket)
                    },
                ),
                |t| (t.account, t.opened_at),
            );
            (Parsed::Tickets(t), n)
        }
        "surveys" => {
            let (t, n) = by_account(
                collect(
                    input,
                    d,
                    schema::SURVEYS,
                    |row, d, &[id, a, dt, kind, score, touchpoint]| {
                        let rid = row.present(d, id);
                        let account = refs.req_account(row, d, a);
                        let date = refs.date(row, d, dt, true);
                        let kind = row.vocab(d, kind, true, SurveyKind::NAMES, SurveyKind::parse);
                        let (lo, hi) = match kind {
                            Some(SurveyKind::Nps) => (0, 10),
                            Some(SurveyKind::Csat) => (1, 5),
                            Some(SurveyKind::Ces) => (1, 7),
                            None => (i64::MIN, i64::MAX),
                        };
                        rid?;
                        let response = SurveyResponse {
                            account: account?,
                            date: date?,
                            kind: kind?,
                            score: row.int_in(d, score, false, lo, hi),
                            touchpoint: row.lower(touchpoint),
                        };
                        Some(response)
                    },
                ),
                |r| (r.account, r.date),
            );
            (Parsed::Surveys(t), n)
        }
        "churns" => {
            let (t, n) = collect(
                input,
                d,
                schema::CHURNS,
                |row, d, &[a, on, reason, competitor, note]| {
                    let account = refs.req_account(row, d, a);
                    let churned_on = refs.date(row, d, on, true);
                    Some(Churn {
                        account: account?,
                        churned_on: churned_on?,
                        reason: row.vocab(
                            d,
                            reason,
                            true,
                            ChurnReason::NAMES,
                            ChurnReason::parse,
                        )?,
                        competitor: row.text(competitor),
                        note: row.text(note),
                    })
                },
            );
            (Parsed::Churns(t), n)
        }
        "opportunities" => {
            let (t, n) = collect(
                input,
                d,
                schema::OPPORTUNITIES,
                |row, d, &[id, a, created, arr, kind, stage, closed]| {
                    let rid = row.id(d, id);
                    let account = refs.req_account(row, d, a);
                    let opportunity = Opportunity {
                        id: rid?,
                        account: account?,
                        created_on: refs.date(row, d, created, true)?,
                        arr: amount(row, d, arr, true)?,
                        kind: row.vocab(d, kind, false, ExpansionType::NAMES, ExpansionType::parse),
                        stage: row.vocab(
                            d,
                            stage,
                            true,
                            OpportunityStage::NAMES,
                            OpportunityStage::parse,
                        )?,
                        closed_on: refs.date(row, d, closed, false),
                    };
                    Some(opportunity)
                },
            );
            (Parsed::Opportunities(t), n)
        }
        "onboarding" => {
            let (t, n) = read_onboarding(input, refs, d);
            (Parsed::Onboarding(t), n)
        }
        "actions" => {
            let (t, n) = read_actions(input, refs, d);
            (Parsed::Actions(t), n)
        }
        _ => {
            let (t, n) = by_account(
                collect(
                    input,
                    d,
                    schema::SPONSOR_CHANGES,
                    |row, d, &[a, dt, role]| {
                        let account = refs.req_account(row, d, a);
                        let date = refs.date(row, d, dt, true);
                        Some(SponsorChange {
                            account: account?,
                            date: date?,
                            role: row.vocab(
                                d,
                                role,
                                true,
                                SponsorRole::NAMES,
                                SponsorRole::parse,
                            )?,
                        })
                    },
                ),
                |r| (r.account, r.date),
            );
            (Parsed::Sponsors(t), n)
        }
    }
}

/// onboarding.csv, one row per account (read in order: a repeated account is reported against
/// its first row).
fn read_onboarding(
    input: &Input,
    refs: &Refs,
    d: &mut FileDiags,
) -> (Option<Vec<Onboarding>>, usize) {
    let Some(sheet) = input.open(d) else {
        return (None, 0);
    };
    let Some([a, signed, login, completed, value]) = sheet.columns_of(schema::ONBOARDING, d) else {
        return (None, 0);
    };
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    let mut rows = Vec::new();
    let count = sheet.rows(d, |row, d| {
        let Some(account) = refs.req_account(row, d, a) else {
            return;
        };
        let id = refs.accounts.rows[account as usize].id.clone();
        let entry = Onboarding {
            account,
            signed_on: row
                .date(d, signed, false)
                .or(refs.accounts.rows[account as usize].signed_on),
            first_login_on: refs.date(row, d, login, false),
            onboarding_completed_on: refs.date(row, d, completed, false),
            first_value_on: refs.date(row, d, value, false),
        };
        if unique(&mut seen, &id, "account_id", row, d, a) && !row.failed {
            rows.push(entry);
        }
    });
    (Some(rows), count)
}

/// actions.csv: each action's owner resolved to a CSM where one matches (csm_id, then e-mail,
/// then name), its account, segment and metric checked against accounts.csv and the catalog,
/// and its dates against each other (closed_on required unless open, neither closed_on nor
/// due_on before created_on).
fn read_actions(input: &Input, refs: &Refs, d: &mut FileDiags) -> (Option<Vec<Action>>, usize) {
    let mut segments: Vec<&str> = refs
        .accounts
        .rows
        .iter()
        .filter_map(|a| a.segment.as_deref())
        .collect();
    segments.sort_unstable();
    segments.dedup();
    let metrics: Vec<&str> = crate::metrics::catalog::ids().collect();
    collect(
        input,
        d,
        schema::ACTIONS,
        |row,
         d,
         &[
            id,
            title,
            owner,
            a,
            segment,
            metric,
            created,
            due,
            status,
            closed,
            outcome,
        ]| {
            let rid: Option<String> = row.id(d, id);
            let title: Option<String> = row.id(d, title);
            let owner = row
                .id::<String>(d, owner)
                .map(|o| action_owner(refs.csms, o));
            let account = refs.account(row, d, a);
            let segment = row.raw(segment).and_then(|text| {
                if segments.binary_search(&text).is_ok() {
                    return Some(text.to_string());
                }
                let message = format!(
                    "unknown segment in column 'segment' (found '{text}', expected a segment of accounts.csv)"
                );
                let help = crate::diagnostic::did_you_mean(text, &segments);
                row.bad_with_help(d, segment, message, help);
                None
            });
            let metric = row.raw(metric).and_then(|text| {
                if let Some(def) = crate::metrics::catalog::get(text) {
                    return Some(def.id);
                }
                let message = format!(
                    "unknown metric in column 'metric' (found '{text}', expected a metric id of the catalog)"
                );
                let help = crate::diagnostic::did_you_mean(text, &metrics);
                row.bad_with_help(d, metric, message, help);
                None
            });
            let created_on = refs.date(row, d, created, true);
            let due_on = refs.date(row, d, due, false);
            let status = row.vocab(d, status, true, ActionStatus::NAMES, ActionStatus::parse);
            let closed_on = refs.date(row, d, closed, false);
            match (status, closed_on) {
                (Some(ActionStatus::Open), Some(on)) => row.bad_with_help(
                    d,
                    closed,
                    format!(
                        "closing date on an open action in column 'closed_on' (found '{on}', expected no date while the status is open)"
                    ),
                    "set the status to done or dropped, or clear closed_on".into(),
                ),
                (Some(s @ (ActionStatus::Done | ActionStatus::Dropped)), None)
                    if row.raw(closed).is_none() =>
                {
                    let expected = format!("the date the action was {}", s.name());
                    row.bad(d, closed, "missing value", "", &expected);
                }
                _ => {}
            }
            for (col, date, what) in [(closed, closed_on, "closed"), (due, due_on, "due")] {
                if let (Some(date), Some(created)) = (date, created_on)
                    && date < created
                {
                    let found = date.to_string();
                    row.bad(
                        d,
                        col,
                        &format!("{what} before created"),
                        &found,
                        &format!("a date on or after created_on {created}"),
                    );
                }
            }
            let action = Action {
                id: rid?,
                title: title?,
                owner: owner?,
                account,
                segment,
                metric,
                created_on: created_on?,
                due_on,
                status: status?,
                closed_on,
                outcome: row.text(outcome),
            };
            Some(action)
        },
    )
}

/// The owner of an action: the CSM whose csm_id, e-mail (any case) or name (any case) is
/// `owner`, else `owner` as written.
fn action_owner(csms: Option<&Csms>, owner: String) -> ActionOwner {
    let Some(csms) = csms else {
        return ActionOwner::Other(owner);
    };
    if let Some(&ix) = csms.index.get(&owner) {
        return ActionOwner::Csm(ix);
    }
    let by_email = csms.rows.iter().position(|c| {
        c.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(&owner))
    });
    let by_name = || {
        csms.rows
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(&owner))
    };
    match by_email.or_else(by_name) {
        Some(ix) => ActionOwner::Csm(ix as CsmIx),
        None => ActionOwner::Other(owner),
    }
}

/// Reports an empty required reference cell (the reference helpers skip empty cells).
fn missing<T>(row: &mut Row, d: &mut FileDiags, col: Col) -> Option<T> {
    if row.raw(col).is_none() {
        row.bad(d, col, "missing value", "", "an id");
    }
    None
}

/// mrr.csv into the dense matrix, with (account_id, month) unique: the table, the rows read and
/// the rows kept.
fn read_mrr(input: &Input, refs: &Refs, d: &mut FileDiags) -> (Option<MrrTable>, usize, usize) {
    let Some(sheet) = input.open(d) else {
        return (None, 0, 0);
    };
    let Some([a, m, v]) = sheet.columns_of(schema::MRR, d) else {
        return (None, 0, 0);
    };
    let cell = |row: &mut Row, d: &mut FileDiags| {
        let account = refs.req_account(row, d, a);
        let month = refs.month(row, d, m, true);
        let value = amount(row, d, v, true);
        Some((account?, month?, value?))
    };
    let got = sheet.collect(d, None, false, cell);
    let (cells, count) = (got.values, got.count);
    // Each account's first and last month: its cells span those, not the whole file's.
    let mut spans: Vec<Option<(Month, Month)>> = vec![None; refs.accounts.rows.len()];
    for &(account, month, _) in &cells {
        let span = &mut spans[account as usize];
        *span = Some(match *span {
            None => (month, month),
            Some((first, last)) => (first.min(month), last.max(month)),
        });
    }
    let mut table = MrrTable::spans(&spans);
    drop(spans);
    // One bit per cell: set once a row fills it.
    let mut filled = vec![0u64; table.cells().div_ceil(64)];
    let mut repeats = 0;
    for &(account, month, value) in &cells {
        let Some(slot) = table.cell(account, month) else {
            continue;
        };
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if filled[word] & bit != 0 {
            repeats += 1;
            continue;
        }
        filled[word] |= bit;
        table.set(account, month, value);
    }
    if repeats > 0 {
        // Some account and month came twice: the file is read again for the lines of its rows
        // (the same checks keep the same rows), to name both lines in each message.
        let again = input.again(cell);
        let mut lines = vec![0u32; table.cells()];
        let column = a.index.map_or(1, |i| i + 1);
        for (&(account, month, _), &line) in again.values.iter().zip(&again.lines) {
            let Some(slot) = table.cell(account, month) else {
                continue;
            };
            if lines[slot] != 0 {
                let id = &refs.accounts.rows[account as usize].id;
                d.at(
                    line as usize,
                    column,
                    format!("duplicate month for an account (found '{id}, {month}' again, expected one row per account and month; first {})", first_at(lines[slot] as usize, d)),
                );
                continue;
            }
            lines[slot] = line;
        }
    }
    (Some(table), count, cells.len() - repeats)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn same_id_is_string_equality(a in "[AB]{0,20}", b in "[AB]{0,20}") {
            proptest::prop_assert_eq!(same_id(&a, &b), a == b);
        }

        #[test]
        fn by_account_is_a_stable_sort(
            keys in proptest::collection::vec((0u32..6, 0i32..5), 0..200),
        ) {
            // (account, time, file position): equal keys must stay in file order.
            let rows: Vec<(u32, i32, usize)> =
                keys.iter().enumerate().map(|(i, &(a, t))| (a, t, i)).collect();
            let mut expected = rows.clone();
            expected.sort_by_key(|r| (r.0, r.1));
            let (sorted, _) = by_account((Some(rows.clone()), 0), |r| (r.0, r.1));
            proptest::prop_assert_eq!(sorted, Some(expected.clone()));
            // The same rows grouped by account (the usual file): the per-account path.
            let mut grouped = rows;
            grouped.sort_by_key(|r| r.0);
            let (sorted, _) = by_account((Some(grouped), 0), |r| (r.0, r.1));
            proptest::prop_assert_eq!(sorted, Some(expected));
        }
    }
}
