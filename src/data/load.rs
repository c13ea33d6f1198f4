//! Loads the CSV tables of DATA.md from a folder into a `Dataset`, applying every validation
//! rule: types, ranges, vocabularies, required columns, duplicate keys and references between
//! tables. Every problem of every file is collected (capped per file) and returned at once.
//! Tables are parsed in parallel; accounts and CSMs first, since the others refer to them.

use super::csv_table::{Col, FileDiags, Row, open};
use super::mapped::FileBytes;
use super::model::*;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::period::Month;
use rustc_hash::FxHashMap;
use std::path::Path;

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
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            lenient: false,
            max_per_file: 20,
            only: None,
        }
    }
}

/// A loaded data set with what the build summary should mention.
#[derive(Debug)]
pub struct Loaded {
    pub dataset: Dataset,
    /// Skipped rows in lenient mode.
    pub warnings: Vec<Diagnostic>,
    /// One line per absent optional table, e.g. `tickets.csv not found; skipping support metrics`.
    pub notices: Vec<String>,
}

/// What each optional table feeds, for the notice when it is absent.
const FEEDS: &[(&str, &str)] = &[
    ("csms", "CSM names, capacity and quota"),
    ("mrr", "revenue metrics"),
    ("renewals", "renewal metrics"),
    ("renewal_stages", "time in stage"),
    ("forecasts", "forecast accuracy and at-risk ARR history"),
    ("health", "health metrics"),
    ("usage", "usage metrics"),
    ("activities", "activity metrics"),
    ("tasks", "task lists"),
    ("tickets", "support metrics"),
    ("surveys", "experience metrics (NPS, CSAT, CES)"),
    ("churns", "churn reasons"),
    ("opportunities", "the expansion pipeline"),
    ("onboarding", "time to value"),
    ("sponsor_changes", "sponsor-change risk factors"),
];

/// Loads every table found in `dir`.
pub fn load(dir: &Path, options: &LoadOptions) -> Result<Loaded, Diagnostics> {
    let file = |table: &str| dir.join(format!("{table}.csv")).display().to_string();
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
    let read = |table: &str| -> Option<Result<FileBytes, Diagnostic>> {
        if !wanted(table) {
            return None;
        }
        let path = dir.join(format!("{table}.csv"));
        match FileBytes::open(&path) {
            Ok(bytes) => Some(Ok(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => Some(Err(Diagnostic::file_error(
                file(table),
                format!("cannot read the file: {e}"),
            ))),
        }
    };
    let new_diags = |table: &str| FileDiags::new(file(table), options.max_per_file);

    // Stage 1: accounts and CSMs.
    let (accounts, csms) = rayon::join(
        || read("accounts").map(|r| r.map(|bytes| read_accounts(&bytes, new_diags("accounts")))),
        || read("csms").map(|r| r.map(|bytes| read_csms(&bytes, new_diags("csms")))),
    );
    let mut all: Vec<Vec<Diagnostic>> = Vec::new();
    let mut io_errors = Vec::new();
    let mut dataset = Dataset::default();
    let (mut accounts, mut account_diags, pending_csm_refs, account_rows) = match accounts {
        None => {
            return Err(Diagnostics(vec![Diagnostic::file_error(
                file("accounts"),
                "accounts.csv not found (expected the required accounts table in the data folder)",
            )]));
        }
        Some(Err(d)) => return Err(Diagnostics(vec![d])),
        Some(Ok(parts)) => parts,
    };
    dataset
        .row_counts
        .insert("accounts.csv".into(), account_rows);
    match csms {
        Some(Ok((csms, diags, rows))) => {
            dataset.row_counts.insert("csms.csv".into(), rows);
            all.push(diags.finish());
            dataset.csms = Some(csms);
        }
        Some(Err(d)) => io_errors.push(d),
        None => {}
    }
    // accounts.csm_id against csms.csv, when it exists.
    if let Some(csms) = &dataset.csms {
        for (account, line, column, id) in pending_csm_refs {
            match csms.index.get(&id) {
                Some(&ix) => accounts.rows[account as usize].csm = Some(ix),
                None => {
                    account_diags.at(line, column, unknown_ref("csm", &id, "csm_id", "csms.csv"))
                }
            }
        }
    }
    all.push(account_diags.finish());
    dataset.accounts = accounts;

    // Stage 2: every other table at once, each also parsed in parallel chunks, so both cores
    // stay busy through the serial steps of one table (its merge, sort and duplicate check).
    // Renewals go first on one side, since stage history and forecasts refer to them; the rest,
    // largest first, on the other.
    let (renewal_side, rest) = rayon::join(
        || {
            let renewals = read("renewals").map(|bytes| {
                bytes.map(|bytes| {
                    let mut d = new_diags("renewals");
                    let (rows, count) = read_renewals(&bytes, &dataset.accounts, &mut d);
                    // Sorted by account before the index that stages and forecasts resolve
                    // against.
                    let rows = rows.map(|mut rows| {
                        rows.sort_by(|a, b| {
                            (a.account, a.due_on, &a.id).cmp(&(b.account, b.due_on, &b.id))
                        });
                        rows
                    });
                    (rows, count, d)
                })
            });
            let renewal_index: FxHashMap<&str, RenewalIx> = match &renewals {
                Some(Ok((Some(rows), _, _))) => rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (r.id.as_str(), i as RenewalIx))
                    .collect(),
                _ => FxHashMap::default(),
            };
            let refs = Refs {
                accounts: &dataset.accounts,
                csms: dataset.csms.as_ref(),
                renewals: &renewal_index,
            };
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
                    let size =
                        std::fs::metadata(dir.join(format!("{t}.csv"))).map_or(0, |m| m.len());
                    (size, t)
                })
                .collect();
            order.sort_by_key(|&(size, t)| (std::cmp::Reverse(size), t));
            let order: Vec<&str> = order.into_iter().map(|(_, t)| t).collect();
            let refs = Refs {
                accounts: &dataset.accounts,
                csms: dataset.csms.as_ref(),
                renewals: &FxHashMap::default(),
            };
            read_tables(&order, &read, &new_diags, &refs)
        },
    );
    let (renewals, dependents) = renewal_side;
    match renewals {
        Some(Ok((rows, count, d))) => {
            dataset.row_counts.insert("renewals.csv".into(), count);
            dataset.renewals = rows;
            all.push(d.finish());
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
                dataset.row_counts.insert(format!("{table}.csv"), count);
                all.push(d.finish());
                parsed.store(&mut dataset);
            }
        }
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
    let notices = FEEDS
        .iter()
        .filter(|(table, _)| wanted(table) && !dataset.has_table(table))
        .map(|(table, feeds)| format!("{table}.csv not found; skipping {feeds}"))
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
        // Structural problems (a missing required column, an empty file) cannot be skipped.
        let fatal: Vec<Diagnostic> = diagnostics
            .iter()
            .filter(|d| {
                d.message.starts_with("missing required column")
                    || d.message.starts_with("empty file")
                    || d.message.starts_with("cannot read")
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
        });
    }
    if diagnostics.is_empty() {
        Ok(Loaded {
            dataset,
            warnings: Vec::new(),
            notices,
        })
    } else {
        Err(Diagnostics(diagnostics))
    }
}

fn unknown_ref(what: &str, id: &str, column: &str, table: &str) -> String {
    format!("unknown {what} in column '{column}' (found '{id}', expected an id listed in {table})")
}

fn duplicate(what: &str, id: &str, first_line: usize) -> String {
    format!(
        "duplicate {what} (found '{id}' again, expected each {what} once; first on line {first_line})"
    )
}

/// One dependent table as read: its rows, its row count and its diagnostics.
type TableRead = (Parsed, usize, FileDiags);

/// Reads and parses `tables` in parallel (each also in parallel chunks), dropping each file's
/// bytes as soon as it is parsed. Absent or unwanted tables come back as None.
fn read_tables<'t>(
    tables: &[&'t str],
    read: &(impl Fn(&str) -> Option<Result<FileBytes, Diagnostic>> + Sync),
    new_diags: &(impl Fn(&str) -> FileDiags + Sync),
    refs: &Refs,
) -> Vec<(&'t str, Option<Result<TableRead, Diagnostic>>)> {
    use rayon::prelude::*;
    tables
        .par_iter()
        .map(|&table| {
            let result = read(table).map(|bytes| {
                bytes.map(|bytes| {
                    let mut d = new_diags(table);
                    let (parsed, count) = read_table(table, &bytes, refs, &mut d);
                    (parsed, count, d)
                })
            });
            (table, result)
        })
        .collect()
}

/// The id indexes the dependent tables resolve against.
struct Refs<'a> {
    accounts: &'a Accounts,
    csms: Option<&'a Csms>,
    renewals: &'a FxHashMap<&'a str, RenewalIx>,
}

impl Refs<'_> {
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
                let message = unknown_ref("account", id, col.name, "accounts.csv");
                row.failed = true;
                d.at(row.line, col.index.map_or(1, |i| i + 1), message);
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
                let message = unknown_ref("csm", id, col.name, "csms.csv");
                row.failed = true;
                d.at(row.line, col.index.map_or(1, |i| i + 1), message);
                None
            }
        }
    }

    fn renewal(&self, row: &mut Row, d: &mut FileDiags, col: Col) -> Option<RenewalIx> {
        let id = row.raw(col)?;
        match self.renewals.get(id) {
            Some(&ix) => Some(ix),
            None => {
                let message = unknown_ref("renewal", id, col.name, "renewals.csv");
                row.failed = true;
                d.at(row.line, col.index.map_or(1, |i| i + 1), message);
                None
            }
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
        let message = duplicate(what, id, first);
        row.failed = true;
        d.at(row.line, col.index.map_or(1, |i| i + 1), message);
        return false;
    }
    seen.insert(id.to_string(), row.line);
    true
}

type AccountParts = (
    Accounts,
    FileDiags,
    Vec<(AccountIx, usize, usize, String)>,
    usize,
);

fn read_accounts(bytes: &[u8], mut d: FileDiags) -> AccountParts {
    let mut accounts = Accounts::default();
    let mut pending = Vec::new();
    let Some(sheet) = open(bytes, &mut d) else {
        return (accounts, d, pending, 0);
    };
    const KNOWN: [&str; 12] = [
        "account_id*",
        "name*",
        "segment",
        "industry",
        "region",
        "source",
        "csm_id",
        "plan",
        "seats",
        "signed_on",
        "acquisition_cost",
        "sales_cycle_days",
    ];
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
    ) = sheet.columns(KNOWN, &mut d)
    else {
        return (accounts, d, pending, 0);
    };
    let known: Vec<&str> = KNOWN.iter().map(|k| k.trim_end_matches('*')).collect();
    let extra: Vec<(usize, String)> = sheet
        .header
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
    let got = sheet.collect(&mut d, None, true, |row, d| {
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
            signed_on: row.date(d, signed_on, false),
            acquisition_cost: row.money(d, cac, false),
            sales_cycle_days: row.int(d, cycle, false),
            extra: extra_cols.iter().map(|c| row.text(*c)).collect(),
        };
        // An account with a bad cell stays in the index (with that cell empty), so the rows
        // that refer to it are not reported a second time as unknown references.
        row.failed = false;
        (!account.id.is_empty()).then_some(account)
    });
    let id_column = id.index.map_or(1, |i| i + 1);
    let csm_column = csm_id.index.map_or(1, |i| i + 1);
    let (parsed, lines, count) = (got.values, got.lines, got.count);
    // The line of each account kept, by index, for the duplicate message.
    let mut first_lines: Vec<u32> = Vec::with_capacity(parsed.len());
    accounts.rows.reserve(parsed.len());
    accounts.index.reserve(parsed.len());
    for (account, line) in parsed.into_iter().zip(lines) {
        if let Some(&ix) = accounts.index.get(&account.id) {
            let first = first_lines[ix as usize] as usize;
            d.at(
                line as usize,
                id_column,
                duplicate("account_id", &account.id, first),
            );
            continue;
        }
        let ix = accounts.rows.len() as AccountIx;
        if let Some(csm) = &account.csm_id {
            pending.push((ix, line as usize, csm_column, csm.clone()));
        }
        first_lines.push(line);
        accounts.index.insert(account.id.clone(), ix);
        accounts.rows.push(account);
    }
    (accounts, d, pending, count)
}

fn read_csms(bytes: &[u8], mut d: FileDiags) -> (Csms, FileDiags, usize) {
    let mut csms = Csms::default();
    let Some(sheet) = open(bytes, &mut d) else {
        return (csms, d, 0);
    };
    let Some([id, name, email, manager, team, capacity, quota]) = sheet.columns(
        [
            "csm_id*",
            "name*",
            "email",
            "manager_id",
            "team",
            "capacity_accounts",
            "expansion_quota",
        ],
        &mut d,
    ) else {
        return (csms, d, 0);
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
            expansion_quota: row.money(d, quota, false),
        };
        if !csm.id.is_empty() && unique(&mut seen, &csm.id, "csm_id", row, d, id) && !row.failed {
            if let Some(m) = &csm.manager_id {
                managers.push((row.line, m.clone()));
            }
            csms.index.insert(csm.id.clone(), csms.rows.len() as CsmIx);
            csms.rows.push(csm);
        }
    });
    let column = manager.index.map_or(1, |i| i + 1);
    for (line, m) in managers {
        if !csms.index.contains_key(&m) {
            d.at(
                line,
                column,
                unknown_ref("manager", &m, "manager_id", "csms.csv"),
            );
        }
    }
    (csms, d, count)
}

fn read_renewals(
    bytes: &[u8],
    accounts: &Accounts,
    d: &mut FileDiags,
) -> (Option<Vec<Renewal>>, usize) {
    let Some(sheet) = open(bytes, d) else {
        return (None, 0);
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
    ) = sheet.columns(
        [
            "renewal_id*",
            "account_id*",
            "due_on*",
            "arr*",
            "stage*",
            "forecast_probability",
            "at_risk",
            "risk_reason",
            "renewed_arr",
            "expansion_arr",
            "expansion_type",
            "discount_pct",
            "closed_on",
            "first_outreach_on",
            "proposal_sent_on",
            "escalated",
            "term_months",
            "value_review_done",
            CHECKLIST[0],
            CHECKLIST[1],
            CHECKLIST[2],
            CHECKLIST[3],
            CHECKLIST[4],
        ],
        d,
    )
    else {
        return (None, 0);
    };
    let refs_accounts = Refs {
        accounts,
        csms: None,
        renewals: &FxHashMap::default(),
    };
    let mut rows = Vec::new();
    let mut seen = FxHashMap::default();
    let count = sheet.rows(d, |row, d| {
        let rid = row.id(d, id);
        let acc = refs_accounts.req_account(row, d, account);
        let due = row.date(d, due_on, true);
        let arr_v = row.money(d, arr, true);
        let stage_v = row.vocab(d, stage, true, &RenewalStage::NAMES, RenewalStage::parse);
        let renewed = row.money(d, renewed_arr, false);
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
            expansion_arr: row.money(d, expansion_arr, false),
            expansion_type: row.vocab(
                d,
                expansion_type,
                false,
                ExpansionType::NAMES,
                ExpansionType::parse,
            ),
            discount_pct: row.number(d, discount, false, 0.0, 100.0),
            closed_on: row.date(d, closed_on, false),
            first_outreach_on: row.date(d, outreach, false),
            proposal_sent_on: row.date(d, proposal_on, false),
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
        if let Some(rid) = rid
            && unique(&mut seen, &rid, "renewal_id", row, d, id)
            && !row.failed
        {
            rows.push(renewal);
        }
    });
    (Some(rows), count)
}

/// The rows of one dependent table.
enum Parsed {
    Mrr(Option<MrrTable>),
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
}

impl Parsed {
    fn store(self, ds: &mut Dataset) {
        match self {
            Parsed::Mrr(t) => ds.mrr = t,
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
        }
    }
}

/// Reads all rows of a sheet with `columns`, keeping those `make` accepts on rows without errors
/// (in parallel chunks for a large file; see `Sheet::collect`).
fn collect<T: Keyed + Send, const N: usize>(
    bytes: &[u8],
    d: &mut FileDiags,
    columns: [&'static str; N],
    make: impl Fn(&mut Row, &mut FileDiags, &[Col; N]) -> Option<T> + Sync,
) -> (Option<Vec<T>>, usize) {
    let Some(sheet) = open(bytes, d) else {
        return (None, 0);
    };
    let Some(cols) = sheet.columns(columns, d) else {
        return (None, 0);
    };
    let key = T::KEY.and_then(|what| cols.iter().copied().find(|c| c.name == what));
    let got = sheet.collect(d, key, false, |row, d| make(row, d, &cols));
    let mut rows = got.values;
    if let Some(key) = key
        && !got.increasing
    {
        // Ids out of order (those written in increasing order, as most exports are, cannot
        // repeat): the file is read again for the ids and lines of the same rows (the same
        // checks keep the same rows), which the rows themselves do not store.
        let ids = read_again(bytes, |row, d| {
            make(row, d, &cols)?;
            row.raw(key).map(Text::from)
        });
        let column = key.index.map_or(1, |i| i + 1);
        drop_duplicates(&mut rows, &ids.values, &ids.lines, key.name, column, d);
    }
    (Some(rows), got.count)
}

/// The file read again with `make` (the checks of the first read, so the same rows are kept),
/// for what the first read did not keep: each row's value and line. Its diagnostics, reported
/// already, are dropped.
fn read_again<T: Send>(
    bytes: &[u8],
    make: impl Fn(&mut Row, &mut FileDiags) -> Option<T> + Sync,
) -> super::csv_table::Collected<T> {
    let mut quiet = FileDiags::new(String::new(), 0);
    match open(bytes, &mut quiet) {
        Some(sheet) => sheet.collect(&mut quiet, None, true, make),
        None => super::csv_table::Collected {
            values: Vec::new(),
            lines: Vec::new(),
            count: 0,
            increasing: true,
        },
    }
}

/// A table whose rows have a primary key (a single column), checked for duplicates after the
/// read: as the rows are read when the ids increase, else by sorting (no per-row hash map).
trait Keyed {
    /// The key column, None when the table has no single-column key.
    const KEY: Option<&'static str> = None;
}

macro_rules! keyed {
    ($($t:ty => $col:literal),*) => {$(
        impl Keyed for $t {
            const KEY: Option<&'static str> = Some($col);
        }
    )*};
}
keyed!(Activity => "activity_id", Task => "task_id", Ticket => "ticket_id", SurveyResponse => "response_id", Opportunity => "opportunity_id");
impl Keyed for RenewalStageEntry {}
impl Keyed for ForecastSnapshot {}
impl Keyed for HealthRow {}
impl Keyed for UsageRow {}
impl Keyed for Churn {}
impl Keyed for Onboarding {}
impl Keyed for SponsorChange {}

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
            d.at(
                lines[later] as usize,
                column,
                self::duplicate(what, &keys[later], lines[first] as usize),
            );
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

fn read_table(table: &str, bytes: &[u8], refs: &Refs, d: &mut FileDiags) -> (Parsed, usize) {
    match table {
        "mrr" => {
            let (t, n) = read_mrr(bytes, refs, d);
            (Parsed::Mrr(t), n)
        }
        "renewal_stages" => {
            let (t, n) = collect(
                bytes,
                d,
                ["renewal_id*", "stage*", "entered_on*"],
                |row, d, &[r, s, e]| {
                    Some(RenewalStageEntry {
                        renewal: refs.renewal(row, d, r).or_else(|| missing(row, d, r))?,
                        stage: row.vocab(d, s, true, &RenewalStage::NAMES, RenewalStage::parse)?,
                        entered_on: row.date(d, e, true)?,
                    })
                },
            );
            (Parsed::Stages(t), n)
        }
        "forecasts" => {
            let (t, n) = collect(
                bytes,
                d,
                ["snapshot_on*", "renewal_id*", "forecast_arr*", "at_risk"],
                |row, d, &[s, r, f, a]| {
                    let snapshot_on = row.date(d, s, true);
                    let renewal = refs.renewal(row, d, r).or_else(|| missing(row, d, r));
                    let forecast_arr = row.money(d, f, true);
                    let at_risk = row.bool(d, a).unwrap_or(false);
                    Some(ForecastSnapshot {
                        snapshot_on: snapshot_on?,
                        renewal: renewal?,
                        forecast_arr: forecast_arr?,
                        at_risk,
                    })
                },
            );
            (Parsed::Forecasts(t), n)
        }
        "health" => {
            let (t, n) = by_account(
                collect(
                    bytes,
                    d,
                    [
                        "account_id*",
                        "date*",
                        "score",
                        "usage",
                        "engagement",
                        "support",
                        "outcomes",
                    ],
                    |row, d, &[a, dt, score, usage, engagement, support, outcomes]| {
                        let account = refs.req_account(row, d, a);
                        let date = row.date(d, dt, true);
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
                    bytes,
                    d,
                    [
                        "account_id*",
                        "date*",
                        "active_users",
                        "monthly_active_users",
                        "seats",
                        "sessions",
                        "session_minutes",
                        "features_used",
                        "features_available",
                    ],
                    |row, d, &[a, dt, au, mau, seats, sessions, minutes, used, available]| {
                        let account = refs.req_account(row, d, a);
                        let date = row.date(d, dt, true);
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
                    bytes,
                    d,
                    [
                        "activity_id*",
                        "account_id*",
                        "csm_id",
                        "date*",
                        "type*",
                        "status",
                        "category",
                        "minutes",
                        "responded",
                        "response_hours",
                    ],
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
                        let date = row.date(d, dt, true);
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
                bytes,
                d,
                [
                    "task_id*",
                    "csm_id*",
                    "account_id",
                    "title*",
                    "due_on*",
                    "status*",
                    "completed_on",
                    "source",
                    "playbook",
                ],
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
                        due_on: row.date(d, due, true)?,
                        status: row.vocab(d, status, true, TaskStatus::NAMES, TaskStatus::parse)?,
                        completed_on: row.date(d, completed, false),
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
                    bytes,
                    d,
                    [
                        "ticket_id*",
                        "account_id*",
                        "opened_at*",
                        "first_response_at",
                        "resolved_at",
                        "priority",
                        "escalated",
                        "reopened",
                        "csat",
                    ],
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
                            opened_at: row.datetime(d, opened, true)?,
                            first_response_at: row.datetime(d, first, false),
                            resolved_at: row.datetime(d, resolved, false),
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
                    bytes,
                    d,
                    [
                        "response_id*",
                        "account_id*",
                        "date*",
                        "kind*",
                        "score",
                        "touchpoint",
                    ],
                    |row, d, &[id, a, dt, kind, score, touchpoint]| {
                        let rid = row.present(d, id);
                        let account = refs.req_account(row, d, a);
                        let date = row.date(d, dt, true);
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
                bytes,
                d,
                [
                    "account_id*",
                    "churned_on*",
                    "reason*",
                    "competitor",
                    "note",
                ],
                |row, d, &[a, on, reason, competitor, note]| {
                    let account = refs.req_account(row, d, a);
                    let churned_on = row.date(d, on, true);
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
                bytes,
                d,
                [
                    "opportunity_id*",
                    "account_id*",
                    "created_on*",
                    "arr*",
                    "type",
                    "stage*",
                    "closed_on",
                ],
                |row, d, &[id, a, created, arr, kind, stage, closed]| {
                    let rid = row.id(d, id);
                    let account = refs.req_account(row, d, a);
                    let opportunity = Opportunity {
                        id: rid?,
                        account: account?,
                        created_on: row.date(d, created, true)?,
                        arr: row.money(d, arr, true)?,
                        kind: row.vocab(d, kind, false, ExpansionType::NAMES, ExpansionType::parse),
                        stage: row.vocab(
                            d,
                            stage,
                            true,
                            OpportunityStage::NAMES,
                            OpportunityStage::parse,
                        )?,
                        closed_on: row.date(d, closed, false),
                    };
                    Some(opportunity)
                },
            );
            (Parsed::Opportunities(t), n)
        }
        "onboarding" => {
            let (t, n) = read_onboarding(bytes, refs, d);
            (Parsed::Onboarding(t), n)
        }
        _ => {
            let (t, n) = by_account(
                collect(
                    bytes,
                    d,
                    ["account_id*", "date*", "role*"],
                    |row, d, &[a, dt, role]| {
                        let account = refs.req_account(row, d, a);
                        let date = row.date(d, dt, true);
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
    bytes: &[u8],
    refs: &Refs,
    d: &mut FileDiags,
) -> (Option<Vec<Onboarding>>, usize) {
    let Some(sheet) = open(bytes, d) else {
        return (None, 0);
    };
    let Some([a, signed, login, completed, value]) = sheet.columns(
        [
            "account_id*",
            "signed_on",
            "first_login_on",
            "onboarding_completed_on",
            "first_value_on",
        ],
        d,
    ) else {
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
            first_login_on: row.date(d, login, false),
            onboarding_completed_on: row.date(d, completed, false),
            first_value_on: row.date(d, value, false),
        };
        if unique(&mut seen, &id, "account_id", row, d, a) && !row.failed {
            rows.push(entry);
        }
    });
    (Some(rows), count)
}

/// Reports an empty required reference cell (the reference helpers skip empty cells).
fn missing<T>(row: &mut Row, d: &mut FileDiags, col: Col) -> Option<T> {
    if row.raw(col).is_none() {
        row.bad(d, col, "missing value", "", "an id");
    }
    None
}

/// mrr.csv into the dense matrix, with (account_id, month) unique.
fn read_mrr(bytes: &[u8], refs: &Refs, d: &mut FileDiags) -> (Option<MrrTable>, usize) {
    let Some(sheet) = open(bytes, d) else {
        return (None, 0);
    };
    let Some([a, m, v]) = sheet.columns(["account_id*", "month*", "mrr*"], d) else {
        return (None, 0);
    };
    let cell = |row: &mut Row, d: &mut FileDiags| {
        let account = refs.req_account(row, d, a);
        let month = row.month(d, m, true);
        let value = row.money(d, v, true);
        Some((account?, month?, value?))
    };
    let got = sheet.collect(d, None, false, cell);
    let (cells, count) = (got.values, got.count);
    let (Some(first), Some(last)) = (
        cells.iter().map(|c| c.1).min(),
        cells.iter().map(|c| c.1).max(),
    ) else {
        return (
            Some(MrrTable::zeros(
                refs.accounts.rows.len(),
                Month(0),
                Month(-1),
            )),
            count,
        );
    };
    let mut table = MrrTable::zeros(refs.accounts.rows.len(), first, last);
    // One bit per account and month: set once a row fills it.
    let mut filled = vec![0u64; table.values.len().div_ceil(64)];
    let mut repeats = false;
    let slot = |account: AccountIx, month: Month| {
        account as usize * table.months + (month.0 - first.0) as usize
    };
    for &(account, month, value) in &cells {
        let slot = slot(account, month);
        let (word, bit) = (slot / 64, 1u64 << (slot % 64));
        if filled[word] & bit != 0 {
            repeats = true;
            continue;
        }
        filled[word] |= bit;
        table.values[slot] = value.cents();
    }
    if repeats {
        // Some account and month came twice: the file is read again for the lines of its rows
        // (the same checks keep the same rows), to name both lines in each message.
        let again = read_again(bytes, cell);
        let mut lines = vec![0u32; table.values.len()];
        let column = a.index.map_or(1, |i| i + 1);
        for (&(account, month, _), &line) in again.values.iter().zip(&again.lines) {
            let slot = slot(account, month);
            if lines[slot] != 0 {
                let id = &refs.accounts.rows[account as usize].id;
                d.at(
                    line as usize,
                    column,
                    format!("duplicate month for an account (found '{id}, {month}' again, expected one row per account and month; first on line {})", lines[slot]),
                );
                continue;
            }
            lines[slot] = line;
        }
    }
    (Some(table), count)
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
