//! The one module that parses YAML (`postsale.yaml` and report front matter). It reports every
//! problem of a document in one run, each at its line and column and in our words: duplicate
//! keys (at the second occurrence, naming the first's line), unknown keys with a "did you mean",
//! values of the wrong type or shape, and syntax errors. Swapping the YAML crate for a maintained
//! fork is a change to this file only. It does not validate values (ranges, consistency): the
//! callers do that on the typed result, locating keys with `locate`.
//!
//! How: the text is read three ways, all with the YAML crate's own parser. A `Shape` tree (keys
//! in file order, repeats kept) finds duplicate keys and empty values; the typed value is read
//! through `Wrap`, which intercepts every struct (the one place the field names are known) to
//! set aside unknown and repeated keys, and which records the field whose value failed so the
//! next attempt skips it (the field keeps its default) until a read succeeds; positions come from
//! reads that stop on purpose at the key or value sought, whose error carries the parser's mark.

use crate::diagnostic::{Diagnostic, did_you_mean};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess,
    Visitor,
};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Parses `text` (shown as `file` in diagnostics) into `T`, failing with the first problem in
/// file order; `parse_all` gives every problem. An empty document (or one with only comments)
/// gives `T::default()`.
pub fn parse<T: DeserializeOwned + Default>(text: &str, file: &str) -> Result<T, Diagnostic> {
    let (value, problems) = parse_all(text, file);
    match (value, problems.into_iter().next()) {
        (_, Some(first)) => Err(first),
        (Some(value), None) => Ok(value),
        (None, None) => Ok(T::default()),
    }
}

/// At most this many problems are located and shown (each one is found by reading the document
/// again, so a hostile file cannot make the work grow with the square of its size).
const MAX_PROBLEMS: usize = 50;

/// Parses `text` (shown as `file` in diagnostics) into `T` and returns every problem, sorted by
/// position. The value is `Some` whenever the document is a readable mapping: a key with a bad
/// value, an unknown key or a repeated key is set aside and the rest is read (a set-aside field
/// keeps its default), so the caller can still validate the other values. An empty document (or
/// one with only comments) gives `T::default()`.
pub(crate) fn parse_all<T: DeserializeOwned + Default>(
    text: &str,
    file: &str,
) -> (Option<T>, Vec<Diagnostic>) {
    // A byte-order mark (Windows editors write one) is not part of the text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let is_empty = text.lines().all(|l| {
        let t = l.trim();
        t.is_empty() || t.starts_with('#') || t == "---"
    });
    if is_empty {
        return (Some(T::default()), Vec::new());
    }
    let shape = match serde_yaml::from_str::<Shape>(text) {
        Ok(shape) => shape,
        Err(err) => return (None, vec![syntax_error(&err, text, file)]),
    };
    let mut problems = Vec::new();
    shape.duplicates(&mut Vec::new(), &mut problems);
    let mut skip: Vec<Vec<String>> = Vec::new();
    let mut failures = Vec::new();
    let mut capped = false;
    let value = loop {
        let state = State {
            shape: &shape,
            skip: &skip,
            problems: RefCell::default(),
            failed: RefCell::default(),
        };
        let result = T::deserialize(Wrap {
            inner: serde_yaml::Deserializer::from_str(text),
            path: Vec::new(),
            state: &state,
        });
        let failed = state.failed.take();
        let found = state.problems.take();
        match result {
            Ok(value) => {
                problems.extend(failures);
                problems.extend(found);
                break Some(value);
            }
            Err(err) => {
                let (path, message) = failed.unwrap_or_else(|| (Vec::new(), err.to_string()));
                failures.push(Problem::Bad {
                    path: path.clone(),
                    message,
                });
                capped = skip.len() >= MAX_PROBLEMS;
                match (!path.is_empty()).then_some(path) {
                    // A field failed: read again without it (at most once per field).
                    Some(path) if !skip.contains(&path) && !capped => skip.push(path),
                    // The document itself is not what `T` needs (or too many fields failed):
                    // nothing more to read.
                    _ => {
                        problems.extend(failures);
                        problems.extend(found);
                        break None;
                    }
                }
            }
        }
    };
    let stopped = capped || problems.len() > MAX_PROBLEMS;
    problems.truncate(MAX_PROBLEMS);
    let mut diagnostics: Vec<Diagnostic> = problems
        .iter()
        .map(|p| p.diagnostic(text, file, &shape))
        .collect();
    diagnostics.sort_by_key(|d| (d.line, d.column));
    diagnostics.dedup_by(|a, b| a.to_string() == b.to_string());
    if stopped {
        diagnostics.push(Diagnostic::file_error(
            file,
            format!("... and more problems in {file}: only the first {MAX_PROBLEMS} are shown"),
        ));
    }
    (value, diagnostics)
}

/// One problem found while reading, located and worded by `diagnostic`.
enum Problem {
    /// A key that appears again in the same mapping (`path` ends with the key), for the `nth`
    /// time (1 for the second occurrence).
    Duplicate { path: Vec<String>, nth: usize },
    /// A key the struct at `path`'s parent does not have; `known` are the keys it has.
    Unknown {
        path: Vec<String>,
        known: &'static [&'static str],
    },
    /// The value at `path` could not be read: the YAML crate's message, ending with " at line
    /// L column C" when the crate knows where.
    Bad { path: Vec<String>, message: String },
}

impl Problem {
    fn diagnostic(&self, text: &str, file: &str, shape: &Shape) -> Diagnostic {
        match self {
            Problem::Duplicate { path, nth } => {
                let key = path.last().map_or("", String::as_str);
                let (line, column) = position(text, path, Spot::Key(*nth)).unwrap_or((1, 1));
                let first = position(text, path, Spot::Key(0)).map_or(1, |(l, _)| l);
                Diagnostic::error(
                    file,
                    line,
                    column,
                    format!(
                        "duplicate key '{}' (found '{key}' again, expected each key once in a mapping; first on line {first})",
                        path.join(".")
                    ),
                )
                .with_help(format!(
                    "keep one '{key}' (YAML would silently use only one of them)"
                ))
            }
            Problem::Unknown { path, known } => {
                let key = path.last().map_or("", String::as_str);
                let (line, column) = position(text, path, Spot::Key(0)).unwrap_or((1, 1));
                let place = match &path[..path.len().saturating_sub(1)] {
                    [] => String::new(),
                    parent => format!(" in '{}'", parent.join(".")),
                };
                Diagnostic::error(file, line, column, format!("unknown key '{key}'{place}"))
                    .with_help(did_you_mean(key, known).replace('`', "'"))
            }
            Problem::Bad { path, message } => bad_value(text, file, shape, path, message),
        }
    }
}

/// A syntax error: the document is not YAML (no keys can be read).
fn syntax_error(err: &serde_yaml::Error, text: &str, file: &str) -> Diagnostic {
    let (line, column) = err
        .location()
        .map_or((1, 1), |l| within(text, l.line(), l.column()));
    let message = without_position(&err.to_string());
    let d = Diagnostic::error(file, line, column, format!("invalid YAML: {message}"));
    if message.contains("mapping values are not allowed") {
        return d.with_help("a value that contains ': ' must be in quotes");
    }
    if message.contains("more than one document") {
        return d.with_help("keep one document: remove the extra `---` line");
    }
    if message.contains("found character that cannot start any token") {
        return d.with_help("indent with spaces, not tabs; quote a value that starts with @ or `");
    }
    d
}

/// The line and column of the YAML crate's message's " at line L column C" tail.
fn at_line(message: &str) -> Option<(usize, usize)> {
    let tail = &message[message.rfind(" at line ")? + " at line ".len()..];
    let (line, column) = tail.split_once(" column ")?;
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// The YAML crate's message without its " at line L column C" tail.
fn without_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A value that could not be read, in our words: "'health' should be a mapping of keys such as
/// weights, bands, significant_drop; found nothing".
fn bad_value(text: &str, file: &str, shape: &Shape, path: &[String], message: &str) -> Diagnostic {
    let (line, column) = at_line(message)
        .or_else(|| position(text, path, Spot::Value))
        .unwrap_or((1, 1));
    let raw = without_position(message);
    // The crate prefixes its own path (`health.weights: invalid type: ...`): ours is `path`.
    let message = ["invalid type: ", "invalid value: ", "invalid length "]
        .iter()
        .find_map(|p| raw.find(p).map(|i| &raw[i..]))
        .unwrap_or_else(|| match raw.split_once(": ") {
            Some((prefix, rest)) if !prefix.contains(' ') => rest,
            _ => raw.as_str(),
        });
    let subject = if path.is_empty() {
        format!("{file} as a whole")
    } else {
        format!("'{}'", path.join("."))
    };
    // The value at the field itself, or something inside it (an item of a list, a value of a map)?
    let inside =
        !path.is_empty() && position(text, path, Spot::Value).is_some_and(|p| p != (line, column));
    let subject = if inside {
        format!("a value inside {subject}")
    } else {
        subject
    };
    let typed = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "));
    if let Some((found, expected)) = typed.and_then(|t| t.rsplit_once(", expected ")) {
        let d = Diagnostic::error(
            file,
            line,
            column,
            format!(
                "{subject} should be {}; found {}",
                expected_words(expected),
                found_words(found)
            ),
        );
        return match (found, path.is_empty()) {
            ("unit value", false) => d.with_help(
                "remove the key to keep its defaults, or indent the keys that belong under it",
            ),
            _ => d,
        };
    }
    // serde's "unknown variant `histroy`, expected `weights` or `history`": the choices, and the
    // nearest one.
    if let Some((found, expected)) = message
        .strip_prefix("unknown variant `")
        .and_then(|rest| rest.split_once("`, expected "))
    {
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let d = Diagnostic::error(
            file,
            line,
            column,
            format!(
                "bad value for {subject} (found '{}', expected one of: {})",
                cut(found),
                known.join(", ")
            ),
        );
        return match crate::diagnostic::suggest(found, known.iter().copied()) {
            Some(near) => d.with_help(format!("did you mean '{near}'?")),
            None => d,
        };
    }
    let found = match shape.at(path) {
        Some(Shape::Scalar(s)) if !inside => format!("found '{}', ", cut(s)),
        _ => String::new(),
    };
    Diagnostic::error(
        file,
        line,
        column,
        format!("bad value for {subject} ({found}{message})"),
    )
}

/// What serde expected, in our words.
fn expected_words(expected: &str) -> String {
    match expected {
        "f32" | "f64" => "a number".into(),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".into(),
        "a string" | "a borrowed string" | "string" => "text".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list".into(),
        "a map" => "a mapping of keys to values".into(),
        "a formatted date string" => "a date such as 2026-11-30".into(),
        other => match other.strip_prefix("struct ") {
            Some(name) => format!("a mapping (the {name} keys)"),
            None => other.replace('`', "'"),
        },
    }
}

/// What serde found, in our words.
fn found_words(found: &str) -> String {
    if let Some(s) = found.strip_prefix("string ") {
        let s = s.trim_matches('"');
        return format!("the text '{}'", cut(s));
    }
    for (prefix, noun) in [
        ("integer ", "the number"),
        ("floating point ", "the number"),
        ("boolean ", ""),
    ] {
        if let Some(v) = found.strip_prefix(prefix) {
            let v = v.trim_matches('`');
            return if noun.is_empty() {
                v.to_string()
            } else {
                format!("{noun} {v}")
            };
        }
    }
    match found {
        "unit value" => "nothing".into(),
        "sequence" => "a list".into(),
        "map" => "a mapping".into(),
        other => other.replace('`', "'"),
    }
}

/// `s` cut to 60 characters, so a huge value is not echoed whole.
fn cut(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// "a mapping of keys such as weights, bands, significant_drop".
struct MappingOf(&'static [&'static str]);

impl fmt::Display for MappingOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let some: Vec<&str> = self.0.iter().take(3).copied().collect();
        write!(f, "a mapping of keys such as {}", some.join(", "))
    }
}

// ---------------------------------------------------------------------------------------------
// The shape of the document: keys in file order with repeats, and what each value is.

/// A YAML node as far as diagnostics need it.
enum Shape {
    /// An empty value or `~`/`null`.
    Nothing,
    /// A scalar, as text.
    Scalar(String),
    /// A list (its items are not looked into).
    List,
    /// A mapping: keys (as text) and values, in file order, repeated keys kept.
    Map(Vec<(String, Shape)>),
}

impl Shape {
    /// The node at `path` (the first occurrence of each key).
    fn at(&self, path: &[String]) -> Option<&Shape> {
        match path.split_first() {
            None => Some(self),
            Some((key, rest)) => match self {
                Shape::Map(entries) => entries
                    .iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, v)| v.at(rest)),
                _ => None,
            },
        }
    }

    /// Pushes a `Duplicate` for every key seen before in the same mapping, below `path`.
    fn duplicates(&self, path: &mut Vec<String>, out: &mut Vec<Problem>) {
        if let Shape::Map(entries) = self {
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for (key, value) in entries {
                path.push(key.clone());
                let count = seen.entry(key).or_default();
                let nth = *count;
                *count += 1;
                if nth > 0 {
                    out.push(Problem::Duplicate {
                        path: path.clone(),
                        nth,
                    });
                } else {
                    value.duplicates(path, out);
                }
                path.pop();
            }
        }
    }
}

impl<'de> de::Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Shape, E> {
        Ok(Shape::Nothing)
    }
    fn visit_none<E>(self) -> Result<Shape, E> {
        Ok(Shape::Nothing)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Shape, E> {
        Ok(Shape::Scalar(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Shape, E> {
        Ok(Shape::Scalar(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Shape, E> {
        Ok(Shape::Scalar(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Shape, E> {
        Ok(Shape::Scalar(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Shape, E> {
        Ok(Shape::Scalar(v.to_string()))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::List)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let mut entries = Vec::new();
        while let Some(KeyText(key)) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Shape::Map(entries))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Shape, A::Error> {
        Err(de::Error::custom(
            "a tag such as `!name` is not supported here",
        ))
    }
}

/// A mapping key as text (`1`, `true` and `null` keys too).
struct KeyText(String);

impl<'de> de::Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<KeyText, D::Error> {
        match d.deserialize_any(ShapeVisitor)? {
            Shape::Scalar(s) => Ok(KeyText(s)),
            Shape::Nothing => Ok(KeyText("null".into())),
            _ => Err(de::Error::custom(
                "a key must be plain text, not a list or a mapping",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Positions: a read that stops on purpose at the key or value sought.

/// What to find at a path: the key (its `n`th occurrence in its mapping, from 0) or the value
/// of the first occurrence.
#[derive(Clone, Copy, PartialEq)]
enum Spot {
    Key(usize),
    Value,
}

/// `line:column` moved onto the text: the parser places an unexpected end of the file on the line
/// after the last one, which an editor does not show; it becomes the end of the last line. Lines
/// end at `\n`, `\r\n` or a lone `\r`, as in YAML.
fn within(text: &str, line: usize, column: usize) -> (usize, usize) {
    let lines: Vec<&str> = text
        .split("\r\n")
        .flat_map(|l| l.split(['\n', '\r']))
        .collect();
    match lines.last() {
        Some(last) if line > lines.len() => (lines.len(), last.chars().count() + 1),
        _ => (line, column),
    }
}

/// The message of the error raised on purpose where the sought node is.
const HERE: &str = "\u{1}postsale: here";

/// The 1-based line and column of the key or value at `path` in `text`, None when absent.
fn position(text: &str, path: &[String], spot: Spot) -> Option<(usize, usize)> {
    let seek = Seek { path, spot };
    match seek.deserialize(serde_yaml::Deserializer::from_str(text)) {
        Err(err) if err.to_string().contains(HERE) => {
            err.location().map(|l| (l.line(), l.column()))
        }
        _ => None,
    }
}

/// Descends along `path` through mappings; raises `HERE` at the spot.
struct Seek<'a> {
    path: &'a [String],
    spot: Spot,
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.path.is_empty() {
            return d.deserialize_any(Here);
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((key, rest)) = self.path.split_first() else {
            return Ok(());
        };
        let mut seen = 0;
        loop {
            let raise = match self.spot {
                Spot::Key(n) if rest.is_empty() => (n == seen).then_some(key.as_str()),
                _ => None,
            };
            let Some(found) = map.next_key_seed(KeySeek { raise })? else {
                return Ok(());
            };
            if found != *key {
                map.next_value::<IgnoredAny>()?;
            } else if seen > 0 || (rest.is_empty() && self.spot != Spot::Value) {
                seen += 1;
                map.next_value::<IgnoredAny>()?;
            } else {
                seen += 1;
                map.next_value_seed(Seek {
                    path: rest,
                    spot: self.spot,
                })?;
            }
        }
    }
}

/// Reads a key as text; raises `HERE` when it is `raise`.
struct KeySeek<'a> {
    raise: Option<&'a str>,
}

impl<'de> DeserializeSeed<'de> for KeySeek<'_> {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        let raise = self.raise;
        d.deserialize_any(KeySeekVisitor(raise))
    }
}

struct KeySeekVisitor<'a>(Option<&'a str>);

impl KeySeekVisitor<'_> {
    fn check<E: de::Error>(self, key: String) -> Result<String, E> {
        if self.0 == Some(key.as_str()) {
            Err(E::custom(HERE))
        } else {
            Ok(key)
        }
    }
}

impl<'de> Visitor<'de> for KeySeekVisitor<'_> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        self.check("null".into())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        self.check(v.to_string())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(String::new())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(String::new())
    }
}

/// Raises `HERE` on whatever value it is given (the error takes the value's position).
struct Here;

impl<'de> Visitor<'de> for Here {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(HERE)
    }
}

// ---------------------------------------------------------------------------------------------
// The typed read: every struct sets aside unknown and repeated keys, and the fields to skip.

/// What one attempt at the typed read shares.
struct State<'s> {
    shape: &'s Shape,
    /// Fields whose values failed in an earlier attempt: read as absent.
    skip: &'s [Vec<String>],
    /// Unknown keys found in this attempt.
    problems: RefCell<Vec<Problem>>,
    /// The innermost field whose value failed in this attempt, with the error's text as it left
    /// that field (with the value's position if the crate knew it: an enclosing mapping would
    /// give it its own position instead).
    failed: RefCell<Option<(Vec<String>, String)>>,
}

/// A deserializer at `path` that hands every struct a `StructVisitor`.
struct Wrap<'s, D> {
    inner: D,
    path: Vec<String>,
    state: &'s State<'s>,
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Wrap<'_, D> {
    type Error = D::Error;

    forward! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16();
        deserialize_i32(); deserialize_i64(); deserialize_i128(); deserialize_u8();
        deserialize_u16(); deserialize_u32(); deserialize_u64(); deserialize_u128();
        deserialize_f32(); deserialize_f64(); deserialize_char(); deserialize_str();
        deserialize_string(); deserialize_bytes(); deserialize_byte_buf(); deserialize_option();
        deserialize_unit(); deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str); deserialize_seq();
        deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any();
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(
            name,
            fields,
            StructVisitor {
                inner: visitor,
                path: self.path,
                fields,
                state: self.state,
            },
        )
    }

    /// A mapping of names to values (`targets:`, a rules file's rules) is read entry by entry
    /// like a struct, without a list of fields: a bad value fails its own entry only, and a
    /// struct inside a value still reports its unknown keys.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(EntriesVisitor {
            inner: visitor,
            path: self.path,
            state: self.state,
        })
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// Reads a mapping through `StructMap` with any key accepted.
struct EntriesVisitor<'s, V> {
    inner: V,
    path: Vec<String>,
    state: &'s State<'s>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for EntriesVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(StructMap {
            inner: map,
            path: self.path,
            fields: None,
            state: self.state,
            seen: HashSet::new(),
            current: Vec::new(),
        })
    }
}

/// Accepts only a mapping (an empty value is "nothing", not an empty mapping) and reads it
/// through `StructMap`.
struct StructVisitor<'s, V> {
    inner: V,
    path: Vec<String>,
    fields: &'static [&'static str],
    state: &'s State<'s>,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", MappingOf(self.fields))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        if matches!(self.state.shape.at(&self.path), Some(Shape::Nothing)) {
            return Err(de::Error::invalid_type(de::Unexpected::Unit, &self));
        }
        let (path, fields, state) = (self.path.clone(), self.fields, self.state);
        self.inner.visit_map(StructMap {
            inner: map,
            path,
            fields: Some(fields),
            state,
            seen: HashSet::new(),
            current: Vec::new(),
        })
    }
}

/// The entries of a struct's mapping (or of a mapping of names to values, `fields: None`),
/// without unknown keys, repeated keys and skipped fields.
struct StructMap<'s, A> {
    inner: A,
    path: Vec<String>,
    fields: Option<&'static [&'static str]>,
    state: &'s State<'s>,
    seen: HashSet<String>,
    /// The path of the key just handed out.
    current: Vec<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StructMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(KeyText(key)) = self.inner.next_key()? else {
                return Ok(None);
            };
            let mut path = self.path.clone();
            path.push(key.clone());
            let repeated = !self.seen.insert(key.clone());
            if repeated || self.state.skip.contains(&path) {
                self.inner.next_value::<IgnoredAny>()?;
                continue;
            }
            if let Some(known) = self.fields.filter(|f| !f.contains(&key.as_str())) {
                self.state
                    .problems
                    .borrow_mut()
                    .push(Problem::Unknown { path, known });
                self.inner.next_value::<IgnoredAny>()?;
                continue;
            }
            self.current = path;
            return seed.deserialize(key.into_deserializer()).map(Some);
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let path = std::mem::take(&mut self.current);
        let result = self.inner.next_value_seed(FieldSeed {
            inner: seed,
            path: path.clone(),
            state: self.state,
        });
        if let Err(err) = &result {
            let mut failed = self.state.failed.borrow_mut();
            if failed.is_none() {
                *failed = Some((path, err.to_string()));
            }
        }
        result
    }
}

/// A field's value, read through `Wrap` at the field's path.
struct FieldSeed<'s, S> {
    inner: S,
    path: Vec<String>,
    state: &'s State<'s>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for FieldSeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Wrap {
            inner: d,
            path: self.path,
            state: self.state,
        })
    }
}

// ---------------------------------------------------------------------------------------------

/// The 1-based line and column of the key at `path` (e.g. `["health", "weights", "usage"]`),
/// or of the deepest key of `path` that exists; `(1, 1)` when not even the first one does. Read
/// with the YAML parser, so flow mappings, quoted keys and comments are handled; a document
/// that is not valid YAML falls back to a scan of the text.
pub fn locate(text: &str, path: &[&str]) -> (usize, usize) {
    let owned: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    if serde_yaml::from_str::<Shape>(text).is_ok() {
        for end in (1..=owned.len()).rev() {
            if let Some(found) = position(text, &owned[..end], Spot::Key(0)) {
                return found;
            }
        }
        return (1, 1);
    }
    scan(text, path)
}

/// `locate` by scanning lines for `key:`, for a document the parser cannot read.
fn scan(text: &str, path: &[&str]) -> (usize, usize) {
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
    use serde::Deserialize;

    #[test]
    fn locates_block_and_flow_keys() {
        let text =
            "name: x\nhealth:\n  weights: { usage: 40, engagement: 30 }\n  bands:\n    green: 80\n";
        assert_eq!(locate(text, &["health", "bands", "green"]), (5, 5));
        assert_eq!(locate(text, &["health", "weights", "engagement"]), (3, 25));
        assert_eq!(locate(text, &["health", "weights", "usage"]), (3, 14));
        assert_eq!(locate(text, &["missing"]), (1, 1));
        // The deepest key that exists.
        assert_eq!(locate(text, &["health", "bands", "red"]), (4, 3));
        // Not fooled by a key of the same name elsewhere, or one in a comment.
        let text = "# green: 1\nother:\n  green: 2\nbands:\n  green: 3\n";
        assert_eq!(locate(text, &["bands", "green"]), (5, 3));
        // Not YAML: the text scan.
        assert_eq!(locate("a: b: c\nx: 1\n", &["x"]), (2, 1));
    }

    #[test]
    fn finds_each_occurrence_of_a_key_and_a_value() {
        let text = "a:\n  b: 1\n  c: [1, 2]\n  b: 2\n";
        let path = ["a".to_string(), "b".to_string()];
        assert_eq!(position(text, &path, Spot::Key(0)), Some((2, 3)));
        assert_eq!(position(text, &path, Spot::Key(1)), Some((4, 3)));
        assert_eq!(position(text, &path, Spot::Key(2)), None);
        assert_eq!(position(text, &path, Spot::Value), Some((2, 6)));
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Inner {
        x: f64,
        y: u32,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(default, deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Inner,
        list: Vec<f64>,
    }

    fn all(text: &str) -> (Option<Outer>, Vec<String>) {
        let (v, d) = parse_all::<Outer>(text, "f.yaml");
        (v, d.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn every_problem_is_reported_and_the_rest_is_read() {
        let (value, problems) =
            all("name: a\ninner:\n  x: lots\n  y: 2\n  zz: 1\nnames: b\nname: c\nlist: [1, two]\n");
        assert_eq!(
            problems,
            [
                "f.yaml:3:6: error: 'inner.x' should be a number; found the text 'lots'",
                "f.yaml:5:3: error: unknown key 'zz' in 'inner'\n  help: expected one of: x, y",
                "f.yaml:6:1: error: unknown key 'names'\n  help: did you mean 'name'?",
                "f.yaml:7:1: error: duplicate key 'name' (found 'name' again, expected each key once in a mapping; first on line 1)\n  help: keep one 'name' (YAML would silently use only one of them)",
                "f.yaml:8:11: error: a value inside 'list' should be a number; found the text 'two'",
            ]
        );
        // What could be read was read; the bad fields kept their defaults.
        assert_eq!(
            value,
            Some(Outer {
                name: "a".into(),
                inner: Inner { x: 0.0, y: 2 },
                list: Vec::new(),
            })
        );
    }

    #[test]
    fn an_empty_or_wrong_shaped_value_is_named() {
        assert_eq!(
            all("inner:\nname: x\n").1,
            [
                "f.yaml:1:7: error: 'inner' should be a mapping of keys such as x, y; found nothing\n  help: remove the key to keep its defaults, or indent the keys that belong under it"
            ]
        );
        assert_eq!(
            all("inner: [1]\n").1,
            ["f.yaml:1:8: error: 'inner' should be a mapping of keys such as x, y; found a list"]
        );
        assert_eq!(
            all("- a\n- b\n").1,
            [
                "f.yaml:1:1: error: f.yaml as a whole should be a mapping of keys such as name, inner, list; found a list"
            ]
        );
        assert_eq!(
            all("hello\n").1,
            [
                "f.yaml:1:1: error: f.yaml as a whole should be a mapping of keys such as name, inner, list; found the text 'hello'"
            ]
        );
        // An explicit empty mapping is fine.
        assert!(all("inner: {}\n").1.is_empty());
    }

    #[test]
    fn a_syntax_error_is_one_diagnostic() {
        assert_eq!(
            all("name: a: b\n").1,
            [
                "f.yaml:1:8: error: invalid YAML: mapping values are not allowed in this context\n  help: a value that contains ': ' must be in quotes"
            ]
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_text() {
        // Found by the fuzzer: a file of only a BOM was "nothing" at line 2.
        let (config, problems) = parse_all::<crate::config::Config>("\u{feff}", "f.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config, Some(crate::config::Config::default()));
        let (config, problems) =
            parse_all::<crate::config::Config>("\u{feff}name: Acme\n", "f.yaml");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(config.map(|c| c.name), Some("Acme".to_string()));
    }

    #[test]
    fn an_unexpected_end_is_placed_on_the_last_line() {
        // Found by the fuzzer: the parser placed it on line 4 of a 3-line file (a lone CR ends
        // a line in YAML).
        let (_, problems) = parse_all::<crate::config::Config>("name: {\n#\r(", "f.yaml");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (Some(3), Some(2)));
        assert_eq!(within("a\nb\n", 3, 1), (3, 1));
        assert_eq!(within("a\nb", 3, 1), (2, 2));
    }

    #[test]
    fn parse_gives_the_first_problem() {
        let first = parse::<Outer>("names: b\ninner:\n  x: no\n", "f.yaml")
            .err()
            .map(|d| d.to_string());
        assert_eq!(
            first.as_deref(),
            Some("f.yaml:1:1: error: unknown key 'names'\n  help: did you mean 'name'?")
        );
    }

    #[test]
    fn a_flood_of_problems_is_capped() {
        let text: String = (0..500)
            .map(|i| format!("k{i}: 1\ninner:\n  x: bad{i}\n"))
            .collect();
        let (_, problems) = parse_all::<Outer>(&text, "f.yaml");
        assert_eq!(problems.len(), MAX_PROBLEMS + 1, "{problems:?}");
        assert_eq!(
            problems.last().map(ToString::to_string).as_deref(),
            Some("f.yaml: error: ... and more problems in f.yaml: only the first 50 are shown")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Any text gives a value or located problems, never a panic; a value comes with no
        /// more problems than the cap allows.
        #[test]
        fn any_text_is_read_or_reported(text in "([a-z]{1,3}|: |\\n|  |- |\\[|\\]|\\{|\\}|, |~|\"|'|#|&a |\\*a|!t |[0-9]{1,3}){0,40}") {
            let (value, problems) = parse_all::<crate::config::Config>(&text, "f.yaml");
            proptest::prop_assert!(value.is_some() || !problems.is_empty());
            proptest::prop_assert!(problems.len() <= MAX_PROBLEMS + 1);
        }
    }
}
