//! The one module that parses YAML (config now, report front matter later). It maps the YAML
//! crate's errors to diagnostics with line, column and a "did you mean", so swapping the crate
//! for a maintained fork is a change to this file only.

use crate::diagnostic::{Diagnostic, did_you_mean};
use serde::de::DeserializeOwned;

/// Parses `text` (shown as `file` in diagnostics) into `T`. An empty document (or one with only
/// comments) gives `T::default()`.
pub fn parse<T: DeserializeOwned + Default>(text: &str, file: &str) -> Result<T, Diagnostic> {
    let is_empty = text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    });
    if is_empty {
        return Ok(T::default());
    }
    serde_yaml::from_str(text).map_err(|err| {
        let (line, column) = err.location().map_or((1, 1), |l| (l.line(), l.column()));
        let raw = err.to_string();
        let message = match raw.find(" at line ") {
            Some(i) => raw[..i].to_string(),
            None => raw,
        };
        diagnostic_for(&message, file, line, column)
    })
}

/// The names between backticks in `text`, in order.
fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn diagnostic_for(message: &str, file: &str, line: usize, column: usize) -> Diagnostic {
    if let Some((_, rest)) = message.split_once("unknown field ") {
        let names = backticked(rest);
        if let Some((key, known)) = names.split_first() {
            return Diagnostic::error(file, line, column, format!("unknown key '{key}'"))
                .with_help(did_you_mean(key, known).replace('`', "'"));
        }
    }
    if let Some((path, detail)) = message.split_once(": invalid type: ") {
        return Diagnostic::error(
            file,
            line,
            column,
            format!(
                "bad value for '{path}': {}",
                detail.replace("invalid type: ", "")
            ),
        );
    }
    if let Some(detail) = message.strip_prefix("invalid type: ") {
        return Diagnostic::error(file, line, column, format!("bad value: {detail}"));
    }
    if let Some((path, detail)) = message.split_once(": ")
        && !path.contains(' ')
    {
        return Diagnostic::error(
            file,
            line,
            column,
            format!("bad value for '{path}': {detail}"),
        );
    }
    let d = Diagnostic::error(file, line, column, message.to_string());
    if message.contains("mapping values are not allowed") {
        return d.with_help("a value that contains ': ' must be in quotes");
    }
    d
}

/// The 1-based line and column of the key at `path` (e.g. `["health", "weights", "usage"]`) in a
/// block or flow YAML mapping, found by scanning the text; `(1, 1)` when it is not found.
pub fn locate(text: &str, path: &[&str]) -> (usize, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut found = (1, 1);
    for key in path {
        let needle = format!("{key}:");
        let hit = lines.iter().enumerate().skip(from).find_map(|(i, l)| {
            let code = l.split(" #").next().unwrap_or(l);
            let trimmed = code.trim_start();
            if trimmed.starts_with(&needle) {
                return Some((i, code.len() - trimmed.len()));
            }
            // In a flow mapping: `weights: { usage: 40 }`.
            code.find(&format!("{{ {needle}"))
                .map(|c| c + 2)
                .or_else(|| code.find(&format!(", {needle}")).map(|c| c + 2))
                .or_else(|| code.find(&format!("{{{needle}")).map(|c| c + 1))
                .map(|c| (i, c))
        });
        match hit {
            Some((i, c)) => {
                found = (i + 1, c + 1);
                from = i;
            }
            None => return found,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_block_and_flow_keys() {
        let text =
            "name: x\nhealth:\n  weights: { usage: 40, engagement: 30 }\n  bands:\n    green: 80\n";
        assert_eq!(locate(text, &["health", "bands", "green"]), (5, 5));
        assert_eq!(locate(text, &["health", "weights", "engagement"]), (3, 25));
        assert_eq!(locate(text, &["health", "weights", "usage"]), (3, 14));
        assert_eq!(locate(text, &["missing"]), (1, 1));
    }
}
