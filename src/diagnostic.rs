//! Diagnostics: user-facing problems as values (file, line, column, message, help).
//! Loaders and validators push them and keep going; a stage fails once, with all of them.
//! Rendering follows rustc/Typst: `path:line:col: error: message`, then `help: ...`.
//!
//! Values from a user's files are shown bounded: `shown` cuts a value to `SHOWN` characters
//! (with `…` and its full length) and escapes control characters, so a 1 MB cell or a terminal
//! escape sequence never reaches the terminal whole. Messages quote values as `'value'`; every
//! message and help passes through `bounded`, which applies `shown` to each quoted stretch, so
//! messages built anywhere benefit (code that quotes a value itself should still call `shown`:
//! a value holding a `'` is only bounded in pieces by the second pass).

use std::borrow::Cow;
use std::fmt;

/// The most characters of a value a message shows.
pub(crate) const SHOWN: usize = 60;

/// How serious a diagnostic is. Errors fail the stage; warnings are reported and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a user's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user would type it (relative to the project when possible).
    pub file: String,
    /// 1-based line, when the problem has a position.
    pub line: Option<usize>,
    /// 1-based column, when the problem has a position.
    pub column: Option<usize>,
    /// How a source that numbers records rather than lines names the row (`row 4
    /// (account_id=ACC9)`), shown instead of `:line:column`; None for a text file. Boxed, so a
    /// diagnostic stays small enough to be returned by value everywhere.
    pub record: Option<Box<String>>,
    pub message: String,
    /// A fix or a "did you mean" suggestion.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `file:line:column`.
    pub fn error(
        file: impl Into<String>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: Some(line),
            column: Some(column),
            record: None,
            message: bounded(message.into()),
            help: None,
        }
    }

    /// An error about a whole file (no position).
    pub fn file_error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            column: None,
            record: None,
            message: bounded(message.into()),
            help: None,
        }
    }

    /// The same diagnostic located by a record (`row 4 (account_id=ACC9)`) rather than a line
    /// and column; `line` and `column` still order it among the others.
    pub fn at_record(mut self, record: String) -> Self {
        self.record = Some(Box::new(bounded(record)));
        self
    }

    /// The same diagnostic as a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    /// Attach a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(bounded(help.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(record) = &self.record {
            write!(f, " {record}")?;
        } else if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, ": {kind}: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// `value` as a message shows it: control characters escaped (`\n`, `\u{1b}`) and, beyond
/// `SHOWN` characters, cut with `…` and the value's length.
pub(crate) fn shown(value: &str) -> Cow<'_, str> {
    let plain = value.len() <= SHOWN && !value.chars().any(char::is_control);
    if plain || was_shown(value) {
        return Cow::Borrowed(value);
    }
    let mut out = String::new();
    let mut count = 0;
    for c in value.chars() {
        count += 1;
        if count > SHOWN {
            continue;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if count > SHOWN {
        out.push_str("… (");
        out.push_str(&count.to_string());
        out.push_str(" characters)");
    }
    Cow::Owned(out)
}

/// Whether `value` is what `shown` made of a longer value (so a message that quotes a shown
/// value is not cut again by `bounded`).
fn was_shown(value: &str) -> bool {
    value
        .strip_suffix(" characters)")
        .and_then(|v| v.rsplit_once("… ("))
        .is_some_and(|(head, count)| {
            !count.is_empty()
                && count.bytes().all(|b| b.is_ascii_digit())
                && head.chars().count() <= SHOWN
                && !head.chars().any(char::is_control)
        })
}

/// `message` with `shown` applied to every stretch between two single quotes.
fn bounded(message: String) -> String {
    let long = message.len() > SHOWN;
    if !long && !message.chars().any(char::is_control) {
        return message;
    }
    let mut out = String::with_capacity(message.len().min(4 * SHOWN));
    let mut rest = message.as_str();
    while let Some(open) = rest.find('\'') {
        let Some(close) = rest[open + 1..].find('\'') else {
            break;
        };
        let value = &rest[open + 1..open + 1 + close];
        out.push_str(&rest[..=open]);
        out.push_str(&shown(value));
        out.push('\'');
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

/// The closest known name to `input` (case-insensitive edit distance), if it is close enough
/// to be a plausible typo. Used for every "did you mean" in config, data and reports.
pub fn suggest<'a>(input: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let needle = input.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::levenshtein(&needle, &k.to_ascii_lowercase()), k))
        .filter(|(d, k)| *d <= (k.len().max(needle.len()) / 3).max(1))
        .min_by_key(|(d, k)| (*d, *k))
        .map(|(_, k)| k)
}

/// "did you mean `x`?" when a suggestion exists, else the list of accepted values.
pub fn did_you_mean(input: &str, known: &[&str]) -> String {
    match suggest(input, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("expected one of: {}", known.join(", ")),
    }
}

/// Failure of a stage: every diagnostic it collected (at least one error).
#[derive(Debug)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        let errors = self.0.iter().filter(|d| d.is_error()).count();
        write!(f, "{errors} error{}", if errors == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_rustc() {
        let d = Diagnostic::error(
            "data/mrr.csv",
            3,
            2,
            "bad month (found '2026-13', expected YYYY-MM)",
        )
        .with_help("months are written like 2026-01");
        assert_eq!(
            d.to_string(),
            "data/mrr.csv:3:2: error: bad month (found '2026-13', expected YYYY-MM)\n  help: months are written like 2026-01"
        );
    }

    #[test]
    fn long_values_are_cut_and_control_characters_escaped() {
        let long = "x".repeat(1 << 20);
        let d = Diagnostic::error(
            "data/a.csv",
            2,
            3,
            format!("bad date in column 'signed_on' (found '{long}', expected a date)"),
        );
        // 60 characters of the value, then its length; the rest of the message intact.
        let x60 = "x".repeat(60);
        assert_eq!(
            d.message,
            format!(
                "bad date in column 'signed_on' (found '{x60}… (1048576 characters)', expected a date)"
            )
        );
        let d = Diagnostic::file_error("f", "found 'a\nb\u{1b}[2J'").with_help(format!("'{long}'"));
        assert_eq!(d.message, "found 'a\\nb\\u{1b}[2J'");
        assert_eq!(d.help, Some(format!("'{x60}… (1048576 characters)'")));
        // A message quoting a value already shown keeps it as it is.
        let once = format!("found '{}'", shown(&long));
        assert_eq!(Diagnostic::file_error("f", once.clone()).message, once);
        // Characters, not bytes; a value of exactly 60 stays whole.
        assert_eq!(shown(&"é".repeat(60)), "é".repeat(60));
        assert_eq!(
            shown(&"é".repeat(61)),
            format!("{}… (61 characters)", "é".repeat(60))
        );
        // Prose with an apostrophe and no closing quote is left alone.
        let prose = "a report's file name becomes its URL, whatever it is and however long it is";
        assert_eq!(Diagnostic::file_error("f", prose).message, prose);
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("nrrr", ["nrr", "grr", "arr"]), Some("nrr"));
        assert_eq!(suggest("Segmnt", ["segment", "region"]), Some("segment"));
        assert_eq!(suggest("zzzzzz", ["nrr", "grr"]), None);
    }
}
