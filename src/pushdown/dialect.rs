//! The SQL dialects pushdown writes for, and every construct in which they differ. The rest of
//! `pushdown` writes only what PostgreSQL, Citus, YugabyteDB, Redshift and Greenplum share (CTEs,
//! `GROUP BY`, `CASE`, `NULLIF`, `COALESCE`, `UNION ALL`, `LAG ... OVER (PARTITION BY ... ORDER
//! BY ...)`, `CAST`, `SUBSTRING ... FROM ... FOR`); whatever differs goes through a method here.
//! The README's dialect table lists the same differences.

use std::fmt;

/// A PostgreSQL-protocol engine family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// PostgreSQL, and the engines that speak its SQL unchanged: Citus, YugabyteDB.
    Postgres,
    /// Amazon Redshift.
    Redshift,
    /// Greenplum.
    Greenplum,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Dialect::Postgres => "postgres",
            Dialect::Redshift => "redshift",
            Dialect::Greenplum => "greenplum",
        })
    }
}

impl Dialect {
    /// The dialect of a server from its `SELECT version()` text: Redshift and Greenplum name
    /// themselves there; anything else (PostgreSQL, Citus, YugabyteDB) is `Postgres`.
    pub fn detect(version: &str) -> Dialect {
        let lower = version.to_ascii_lowercase();
        if lower.contains("redshift") {
            Dialect::Redshift
        } else if lower.contains("greenplum") {
            Dialect::Greenplum
        } else {
            Dialect::Postgres
        }
    }

    /// Whole days from date `from` to date `to` (`to − from`). PostgreSQL and Greenplum subtract
    /// dates to an integer; Redshift spells it `DATEDIFF(day, from, to)`.
    pub fn days_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::Postgres | Dialect::Greenplum => format!("({to} - {from})"),
            Dialect::Redshift => format!("DATEDIFF(day, {from}, {to})"),
        }
    }

    /// `numerator / denominator`, missing (NULL) when the denominator is 0, for the readable
    /// metric columns. PostgreSQL and Greenplum divide NUMERIC with at least 16 significant
    /// digits; Redshift's NUMERIC division keeps as few as 4 decimals, so it divides in DOUBLE
    /// PRECISION. (`postsale metrics` never reads these columns: it reads the exact integer
    /// sums and divides them itself, as the in-process engine does.)
    pub fn divide(self, numerator: &str, denominator: &str) -> String {
        match self {
            Dialect::Postgres | Dialect::Greenplum => {
                format!("CAST({numerator} AS NUMERIC) / NULLIF({denominator}, 0)")
            }
            Dialect::Redshift => {
                format!("CAST({numerator} AS DOUBLE PRECISION) / NULLIF({denominator}, 0)")
            }
        }
    }

    /// `numerator / denominator × 100` (`divide`), as the engine's `pct`.
    pub fn percent(self, numerator: &str, denominator: &str) -> String {
        format!("{} * 100", self.divide(numerator, denominator))
    }

    /// An amount in minor units (cents) as a readable amount in currency units, exact.
    pub fn units(self, cents: &str) -> String {
        format!("CAST({cents} / 100.0 AS NUMERIC(38, 2))")
    }

    /// A month column (text `YYYY-MM`, or a date: its first ten characters read the same) as
    /// the month number `year × 12 + month − 1` the engine counts months in. Shared by every
    /// dialect (Redshift casts a DATE to `YYYY-MM-DD` text like the others), kept here because
    /// it depends on each engine's date-to-text form (PostgreSQL's default ISO DateStyle).
    pub fn month_number(self, column: &str) -> String {
        let text = format!("CAST({column} AS VARCHAR(10))");
        format!(
            "CAST(SUBSTRING({text} FROM 1 FOR 4) AS INTEGER) * 12 \
             + CAST(SUBSTRING({text} FROM 6 FOR 2) AS INTEGER) - 1"
        )
    }

    /// A money column (NUMERIC, DOUBLE PRECISION or text) in integer minor units, rounded half
    /// away from zero to the cent as the CSV reader does. NUMERIC gets an explicit precision:
    /// Redshift's bare NUMERIC is NUMERIC(18, 0), which would drop the cents.
    pub fn cents(self, column: &str) -> String {
        format!("CAST(ROUND(CAST({column} AS NUMERIC(38, 10)) * 100, 0) AS BIGINT)")
    }

    /// A text value (`CAST` to text of any attribute column). Redshift's VARCHAR is at most
    /// 65535 bytes; PostgreSQL's unbounded VARCHAR would do, but the bounded one works on all.
    pub fn text(self, expr: &str) -> String {
        format!("CAST({expr} AS VARCHAR(65535))")
    }

    /// A date column (DATE or ISO text) as a DATE.
    pub fn date(self, column: &str) -> String {
        format!("CAST({column} AS DATE)")
    }

    /// A date literal.
    pub fn date_literal(self, date: chrono::NaiveDate) -> String {
        format!("CAST('{date}' AS DATE)")
    }
}

/// A string literal, quotes doubled (standard SQL, every dialect).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A quoted identifier (standard SQL, every dialect). Redshift folds identifiers to lower case
/// unless `enable_case_sensitive_identifier` is on: name columns in lower case there.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_dialect_from_the_version_text() {
        assert_eq!(
            Dialect::detect("PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64"),
            Dialect::Postgres
        );
        assert_eq!(
            Dialect::detect("PostgreSQL 8.0.2 on i686-pc-linux-gnu, Redshift 1.0.77467"),
            Dialect::Redshift
        );
        assert_eq!(
            Dialect::detect("PostgreSQL 12.12 (Greenplum Database 7.0.0 build commit:...)"),
            Dialect::Greenplum
        );
        assert_eq!(
            Dialect::detect("PostgreSQL 11.2-YB-2.20.1.0-b0"),
            Dialect::Postgres
        );
    }

    #[test]
    fn differences_are_spelled_per_dialect() {
        assert_eq!(Dialect::Postgres.days_between("a", "b"), "(b - a)");
        assert_eq!(
            Dialect::Redshift.days_between("a", "b"),
            "DATEDIFF(day, a, b)"
        );
        assert!(
            Dialect::Redshift
                .percent("n", "d")
                .contains("DOUBLE PRECISION")
        );
        assert!(!Dialect::Greenplum.percent("n", "d").contains("DOUBLE"));
        assert_eq!(literal("O'Brien"), "'O''Brien'");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
    }
}
