//! Which accounts get a page of a `per: account` report: the `select:` of its front matter. A
//! site for 500,000 accounts does not need 500,000 account pages; a team picks the ones its
//! readers open (the account index lists every account either way, linking those with a page).
//!
//! An account is selected when it meets **any** of the criteria given:
//!
//! - `at_risk: true`: it has an open renewal at risk on as-of, by the rule of `at_risk_accounts`
//!   (flagged at risk, or red health and due within 180 days; overdue included), so the pages
//!   and the metric count the same accounts;
//! - `top_arr: N`: it is among the N accounts with the largest ARR (12 × MRR of the latest
//!   complete month; ties by account id; accounts without ARR never count);
//! - `renewal_within_days: D`: it has an open renewal due at most D days after as-of (an overdue
//!   one included: it is more pressing, not less);
//! - `where`: a condition `column op value`, or a list of them that must **all** hold, on a
//!   column of accounts.csv (extra columns included) or on `arr`, `health_score` or
//!   `health_band` (on as-of). `op` is one of `=`, `!=`, `<`, `<=`, `>`, `>=`. Numbers compare
//!   as numbers (`arr` and `acquisition_cost` exactly, in cents), dates as dates, text
//!   ignoring ASCII letter case; an extra column compares as numbers when both sides are
//!   numbers. An empty cell meets no condition (as SQL's NULL), `!=` included.

use super::health::{HealthBand, score_on};
use super::{Context, Scope, renewals};
use crate::data::{Account, AccountIx, Accounts, Money};
use crate::period::Month;
use serde::Deserialize;
use std::cmp::Ordering;

/// The `select:` of a `per: account` report.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Selection {
    pub at_risk: bool,
    pub top_arr: Option<usize>,
    pub renewal_within_days: Option<u32>,
    /// All must hold (one condition written as a string is a list of one).
    #[serde(rename = "where", deserialize_with = "conditions")]
    pub conditions: Vec<Condition>,
}

/// `column op value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub column: String,
    pub op: Op,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    /// Longest first, so `<=` is not read as `<`.
    const ALL: [(&'static str, Op); 6] = [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("!=", Op::Ne),
        ("=", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];

    pub fn text(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("=", |(t, _)| t)
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Op::Eq => ordering == Ordering::Equal,
            Op::Ne => ordering != Ordering::Equal,
            Op::Lt => ordering == Ordering::Less,
            Op::Le => ordering != Ordering::Greater,
            Op::Gt => ordering == Ordering::Greater,
            Op::Ge => ordering != Ordering::Less,
        }
    }
}

/// How a column's values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Money,
    Date,
    Band,
    /// An extra column: numbers when both sides are numbers, else text.
    Free,
}

/// The columns a condition may name besides the extra ones, with how they compare.
const COLUMNS: [(&str, Kind); 15] = [
    ("account_id", Kind::Text),
    ("name", Kind::Text),
    ("segment", Kind::Text),
    ("industry", Kind::Text),
    ("region", Kind::Text),
    ("source", Kind::Text),
    ("csm_id", Kind::Text),
    ("plan", Kind::Text),
    ("seats", Kind::Number),
    ("signed_on", Kind::Date),
    ("acquisition_cost", Kind::Money),
    ("sales_cycle_days", Kind::Number),
    ("arr", Kind::Money),
    ("health_score", Kind::Number),
    ("health_band", Kind::Band),
];

/// The column names a condition may use before the data is read (extra columns come on top).
pub fn known_columns() -> impl Iterator<Item = &'static str> {
    COLUMNS.iter().map(|(name, _)| *name)
}

fn kind_of(column: &str) -> Kind {
    COLUMNS
        .iter()
        .find(|(name, _)| *name == column)
        .map_or(Kind::Free, |(_, kind)| *kind)
}

impl Condition {
    /// Reads `column op value` (the value may be quoted), checking that the value suits the
    /// column's type; the message says what was found and what was expected.
    pub fn parse(text: &str) -> Result<Condition, String> {
        let found = Op::ALL
            .iter()
            .filter_map(|(t, op)| text.find(t).map(|at| (at, t.len(), *op)))
            .min_by_key(|(at, len, _)| (*at, std::cmp::Reverse(*len)));
        let Some((at, len, op)) = found else {
            return Err(format!(
                "`{text}` has no comparison (expected `column op value`, op one of =, !=, <, <=, >, >=)"
            ));
        };
        let column = text[..at].trim().to_string();
        let raw = text[at + len..].trim();
        let value = ['"', '\'']
            .iter()
            .find_map(|q| raw.strip_prefix(*q)?.strip_suffix(*q))
            .unwrap_or(raw)
            .to_string();
        if column.is_empty() {
            return Err(format!("`{text}` names no column before `{}`", op.text()));
        }
        if value.is_empty() {
            return Err(format!("`{text}` has no value after `{}`", op.text()));
        }
        let expected = match kind_of(&column) {
            Kind::Number if value.parse::<f64>().is_err() => Some("a number"),
            Kind::Money if Money::parse(&value).is_none() => Some("an amount such as 100000"),
            Kind::Date if chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_err() => {
                Some("a date such as 2026-01-31")
            }
            Kind::Band if band(&value).is_none() => Some("green, yellow or red"),
            _ => None,
        };
        if let Some(expected) = expected {
            return Err(format!(
                "`{column}` compares with {expected}; found `{value}`"
            ));
        }
        Ok(Condition { column, op, value })
    }

    /// Whether `account` meets the condition; `arr` and `health` are its values on as-of.
    fn holds(&self, accounts: &Accounts, account: &Account, facts: &Facts) -> bool {
        let text = |v: Option<&str>| {
            v.is_some_and(|v| {
                self.op
                    .holds(v.to_ascii_lowercase().cmp(&self.value.to_ascii_lowercase()))
            })
        };
        let number = |v: Option<f64>| {
            let wanted = self.value.parse::<f64>().ok();
            match (v, wanted) {
                (Some(v), Some(w)) => v.partial_cmp(&w).is_some_and(|o| self.op.holds(o)),
                _ => false,
            }
        };
        let money = |v: Option<Money>| match (v, Money::parse(&self.value)) {
            (Some(v), Some(w)) => self.op.holds(v.cmp(&w)),
            _ => false,
        };
        match self.column.as_str() {
            "account_id" => text(Some(&account.id)),
            "name" => text(Some(&account.name)),
            "segment" => text(account.segment.as_deref()),
            "industry" => text(account.industry.as_deref()),
            "region" => text(account.region.as_deref()),
            "source" => text(account.source.as_deref()),
            "csm_id" => text(account.csm_id.as_deref()),
            "plan" => text(account.plan.as_deref()),
            "seats" => number(account.seats.map(|s| s as f64)),
            "sales_cycle_days" => number(account.sales_cycle_days.map(|s| s as f64)),
            "signed_on" => match (
                account.signed_on,
                chrono::NaiveDate::parse_from_str(&self.value, "%Y-%m-%d").ok(),
            ) {
                (Some(day), Some(wanted)) => self.op.holds(day.cmp(&wanted)),
                _ => false,
            },
            "acquisition_cost" => money(account.acquisition_cost),
            "arr" => money(facts.arr),
            "health_score" => number(facts.health),
            "health_band" => match (facts.band, band(&self.value)) {
                (Some(have), Some(wanted)) => self.op.holds(have.cmp(&wanted)),
                _ => false,
            },
            column => {
                let cell = accounts
                    .extra_columns
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(column))
                    .and_then(|i| account.extra.get(i)?.as_deref());
                match (
                    cell.and_then(|c| c.parse::<f64>().ok()),
                    self.value.parse::<f64>(),
                ) {
                    (Some(_), Ok(_)) => number(cell.and_then(|c| c.parse().ok())),
                    _ => text(cell),
                }
            }
        }
    }

    /// The condition as written, normalised: `segment = Enterprise`.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.column, self.op.text(), self.value)
    }
}

/// A health band by name; bands order red < yellow < green, so `health_band >= yellow` reads as
/// "yellow or green".
fn band(text: &str) -> Option<Rank> {
    match text.to_ascii_lowercase().as_str() {
        "red" => Some(Rank(0)),
        "yellow" => Some(Rank(1)),
        "green" => Some(Rank(2)),
        _ => None,
    }
}

/// A health band's rank (red 0, yellow 1, green 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank(u8);

impl From<HealthBand> for Rank {
    fn from(b: HealthBand) -> Rank {
        match b {
            HealthBand::Red => Rank(0),
            HealthBand::Yellow => Rank(1),
            HealthBand::Green => Rank(2),
        }
    }
}

/// An account's values on as-of that conditions may read.
struct Facts {
    arr: Option<Money>,
    health: Option<f64>,
    band: Option<Rank>,
}

impl Selection {
    /// Whether the selection names no criterion at all (`select: {}`).
    pub fn is_empty(&self) -> bool {
        *self == Selection::default()
    }

    /// The selection in words, for the account index: "at risk, the top 500 by ARR, or renewal
    /// due within 90 days".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.at_risk {
            parts.push("at risk".to_string());
        }
        if let Some(n) = self.top_arr {
            parts.push(format!("the top {n} by ARR"));
        }
        if let Some(d) = self.renewal_within_days {
            parts.push(format!("a renewal due within {d} days (or overdue)"));
        }
        if !self.conditions.is_empty() {
            let all: Vec<String> = self.conditions.iter().map(Condition::describe).collect();
            parts.push(all.join(" and "));
        }
        match parts.len() {
            0 => String::new(),
            1 => parts.remove(0),
            n => {
                let last = parts.remove(n - 1);
                format!("{}, or {last}", parts.join(", "))
            }
        }
    }

    /// `mask[account]`: whether the account meets any criterion on `ctx.as_of`.
    pub fn select(&self, ctx: &Context) -> Vec<bool> {
        let data = ctx.data;
        let count = data.accounts.rows.len();
        let mut mask = vec![false; count];
        let month = Month::of(ctx.as_of).prev();
        let arr = |a: AccountIx| ctx.mrr().map(|m| m.get(a, month) * 12);
        if self.at_risk {
            for r in renewals::at_risk(ctx, Scope::All) {
                mask[r.account as usize] = true;
            }
        }
        if let Some(days) = self.renewal_within_days {
            for r in data.renewals.as_deref().unwrap_or_default() {
                if !r.stage.is_closed() && (r.due_on - ctx.as_of).num_days() <= i64::from(days) {
                    mask[r.account as usize] = true;
                }
            }
        }
        if let Some(n) = self.top_arr {
            let mut ranked: Vec<(Money, &str, usize)> = (0..count)
                .filter_map(|i| {
                    let v = arr(i as AccountIx)?;
                    (v > Money::ZERO).then(|| (v, data.accounts.rows[i].id.as_str(), i))
                })
                .collect();
            ranked.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            for (_, _, i) in ranked.into_iter().take(n) {
                mask[i] = true;
            }
        }
        if !self.conditions.is_empty() {
            let bands = &ctx.config.health.bands;
            for (i, account) in data.accounts.rows.iter().enumerate() {
                let a = i as AccountIx;
                let health = score_on(ctx, a, ctx.as_of);
                let facts = Facts {
                    arr: arr(a),
                    health,
                    band: health.map(|s| HealthBand::of(s, bands).into()),
                };
                if self
                    .conditions
                    .iter()
                    .all(|c| c.holds(&data.accounts, account, &facts))
                {
                    mask[i] = true;
                }
            }
        }
        mask
    }
}

/// Reads `where:` as one condition or a list of them.
fn conditions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Condition>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Vec<Condition>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a condition such as \"segment = Enterprise\", or a list of them")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Condition::parse(v).map(|c| vec![c]).map_err(E::custom)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            use serde::de::Error;
            let mut out = Vec::new();
            while let Some(text) = seq.next_element::<String>()? {
                out.push(Condition::parse(&text).map_err(A::Error::custom)?);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Visitor)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{config, dataset, renewal};
    use super::*;
    use chrono::NaiveDate;

    fn cond(text: &str) -> Condition {
        Condition::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn conditions_read_their_operator_column_and_value() {
        let c = cond("segment = 'Mid Market'");
        assert_eq!(
            (c.column.as_str(), c.op, c.value.as_str()),
            ("segment", Op::Eq, "Mid Market")
        );
        assert_eq!(cond("arr>=100000").op, Op::Ge);
        assert_eq!(cond("seats <= 10").op, Op::Le);
        assert_eq!(cond("region != EMEA").op, Op::Ne);
        assert_eq!(cond("seats < 3").op, Op::Lt);
        assert_eq!(cond("health_band > red").describe(), "health_band > red");
    }

    #[test]
    fn bad_conditions_say_what_was_found_and_expected() {
        let err = |t: &str| Condition::parse(t).err().unwrap_or_default();
        assert!(err("segment Enterprise").contains("has no comparison"));
        assert!(err("= 3").contains("names no column"));
        assert!(err("seats >").contains("has no value"));
        assert_eq!(
            err("arr > lots"),
            "`arr` compares with an amount such as 100000; found `lots`"
        );
        assert!(err("signed_on < yesterday").contains("a date such as 2026-01-31"));
        assert!(err("health_band = blue").contains("green, yellow or red"));
    }

    /// Three accounts: ACC1 $1,000 MRR Enterprise, ACC2 $3,000 SMB with an open renewal due in
    /// 20 days, ACC3 $3,000 Enterprise with an overdue open renewal flagged at risk; as-of
    /// 2026-07-15, so ARR is 12 × June's MRR.
    fn three() -> (crate::data::Dataset, crate::config::Config) {
        let mut data = dataset(
            &[
                ("ACC1", "Enterprise"),
                ("ACC2", "SMB"),
                ("ACC3", "Enterprise"),
            ],
            &[
                ("ACC1", "2026-06", 1_000),
                ("ACC2", "2026-06", 3_000),
                ("ACC3", "2026-06", 3_000),
            ],
        );
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
        let arr = Money::units(36_000);
        data.renewals = Some(vec![
            renewal(1, day(8, 4), arr, false),
            renewal(2, day(7, 1), arr, true),
        ]);
        (data, config())
    }

    fn picked(selection: &Selection) -> Vec<bool> {
        let (data, config) = three();
        let ctx = Context {
            data: &data,
            config: &config,
            as_of: NaiveDate::from_ymd_opt(2026, 7, 15).unwrap_or_default(),
        };
        selection.select(&ctx)
    }

    #[test]
    fn each_criterion_picks_its_accounts_and_criteria_combine_with_or() {
        let at_risk = Selection {
            at_risk: true,
            ..Selection::default()
        };
        assert_eq!(picked(&at_risk), [false, false, true]);
        let soon = Selection {
            renewal_within_days: Some(30),
            ..Selection::default()
        };
        assert_eq!(
            picked(&soon),
            [false, true, true],
            "20 days ahead and overdue"
        );
        let soon = Selection {
            renewal_within_days: Some(10),
            ..Selection::default()
        };
        assert_eq!(picked(&soon), [false, false, true], "overdue only");
        // ACC2 and ACC3 tie at $36,000: the id breaks the tie.
        let top = Selection {
            top_arr: Some(1),
            ..Selection::default()
        };
        assert_eq!(picked(&top), [false, true, false]);
        let top = Selection {
            top_arr: Some(9),
            ..Selection::default()
        };
        assert_eq!(picked(&top), [true, true, true]);
        let big_enterprise = Selection {
            conditions: vec![cond("segment = enterprise"), cond("arr > 12000")],
            ..Selection::default()
        };
        assert_eq!(
            picked(&big_enterprise),
            [false, false, true],
            "all conditions hold"
        );
        let either = Selection {
            top_arr: Some(1),
            conditions: vec![cond("arr <= 12000")],
            ..Selection::default()
        };
        assert_eq!(picked(&either), [true, true, false]);
        assert_eq!(either.describe(), "the top 1 by ARR, or arr <= 12000");
    }

    #[test]
    fn an_empty_cell_meets_no_condition() {
        // The fixture's accounts have no region, industry nor health.
        for text in [
            "region != EMEA",
            "region = EMEA",
            "health_score >= 0",
            "health_band != red",
        ] {
            let s = Selection {
                conditions: vec![cond(text)],
                ..Selection::default()
            };
            assert_eq!(picked(&s), [false, false, false], "{text}");
        }
    }
}
