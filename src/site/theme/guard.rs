//! What report and theme templates may do. Every Tera instance postsale makes goes through
//! [`secure`]: no environment access (`get_env` is removed, and so are `now` and `get_random`,
//! which would make builds differ), and a `range` that makes at most [`RANGE_LIMIT`] numbers.
//! [`check`] reads the parsed templates (Tera's AST) before anything renders and reports, at the
//! template's file:line:column, what is known to be unbounded: a call of `get_env` or of an
//! unknown function, a literal `range` beyond the limit, a `set` that uses its own target twice
//! (doubling a value at every step), and macros or includes that call themselves, directly or
//! through others (Tera would overflow the stack). [`nesting`] bounds how deeply tags nest, so that
//! neither Tera's parser nor its renderer can recurse without limit. Bounds on a page's size and
//! rendering time are the renderer's (`crate::site::pages`).

use crate::diagnostic::Diagnostic;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tera::ast::{Expr, ExprVal, FunctionCall, Node};

/// The most numbers one `range(...)` call may make.
pub(crate) const RANGE_LIMIT: usize = 10_000;

/// How deeply tags (`for`, `if`, `macro`, ...) and brackets inside a tag may nest.
pub(crate) const NESTING_LIMIT: usize = 64;

/// How many operators (`+`, `~`, `and`, `|`, ...) one tag may hold: Tera nests an expression one
/// level per operator, and parses and evaluates it recursively.
pub(crate) const OPERATOR_LIMIT: usize = 256;

/// Functions Tera offers that templates do not get: they read the environment or the clock, or
/// draw random numbers.
const REMOVED: &[&str] = &["get_env", "now", "get_random"];

/// Removes the functions templates must not call and bounds `range`.
pub(crate) fn secure(tera: &mut tera::Tera) {
    for name in REMOVED {
        tera.functions.remove(*name);
    }
    tera.register_function("range", bounded_range);
}

/// Tera's `range(start=0, end, step_by=1)`, refusing a step of zero and more than
/// [`RANGE_LIMIT`] numbers.
fn bounded_range(args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let number = |key: &str, default: Option<usize>| -> tera::Result<usize> {
        match args.get(key) {
            Some(v) => v.as_u64().map(|n| n as usize).ok_or_else(|| {
                tera::Error::msg(format!(
                    "range() received {key}={v}, but {key} must be a whole number 0 or more"
                ))
            }),
            None => default.ok_or_else(|| tera::Error::msg("range() needs an `end` argument")),
        }
    };
    let start = number("start", Some(0))?;
    let end = number("end", None)?;
    let step = number("step_by", Some(1))?;
    let count = range_count(start, end, step).map_err(tera::Error::msg)?;
    Ok(tera::Value::Array(
        (0..count)
            .map(|i| tera::Value::from(start + i * step))
            .collect(),
    ))
}

/// How many numbers `range(start, end, step_by)` makes, or why it may not.
fn range_count(start: usize, end: usize, step: usize) -> Result<usize, String> {
    if step == 0 {
        return Err("range() with step_by=0 would never end".into());
    }
    if start > end {
        return Err(format!("range() has start={start} greater than end={end}"));
    }
    let count = (end - start).div_ceil(step);
    if count > RANGE_LIMIT {
        return Err(format!(
            "range() would make {count} numbers; templates may make at most {RANGE_LIMIT}"
        ));
    }
    Ok(count)
}

/// Where a template's text comes from, for positions in diagnostics.
pub(crate) struct Source<'s> {
    /// The template's name in Tera (`components/table.html`, `reports/board.md`).
    pub(crate) name: String,
    /// The file as diagnostics show it (`themes/default/templates/components/table.html`).
    pub(crate) file: String,
    /// The template's text.
    pub(crate) text: &'s str,
    /// The line of the file where the text starts (1, or a report body's first line).
    pub(crate) first_line: usize,
}

/// The tags of a template: (byte offset of `{{` or `{%`, the text between the delimiters).
fn tags(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(found) = text[i..].find('{') {
        let start = i + found;
        let close = match text.as_bytes().get(start + 1) {
            Some(b'{') => "}}",
            Some(b'%') => "%}",
            Some(b'#') => "#}",
            _ => {
                i = start + 1;
                continue;
            }
        };
        let Some(len) = text[start + 2..].find(close) else {
            break;
        };
        let inner = &text[start + 2..start + 2 + len];
        if close != "#}" {
            out.push((start, inner));
        }
        i = start + 2 + len + 2;
        // The text of a raw block is not Tera: skip to its end tag.
        if close == "%}" && inner.trim_matches(['-', ' ', '\t', '\r', '\n']) == "raw" {
            match text[i..].find("endraw") {
                Some(end) => i += end,
                None => break,
            }
        }
    }
    out
}

/// The words (identifiers) of a tag outside its string literals, with their offsets in the tag.
fn words(tag: &str) -> Vec<(usize, &str)> {
    let bytes = tag.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'"' | b'\'' | b'`') {
            i += tag[i + 1..].find(b as char).map_or(bytes.len(), |n| n + 2);
            continue;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push((start, &tag[start..i]));
            continue;
        }
        i += 1;
    }
    out
}

/// The file's line and column (the text starting at line `first_line`) of the first place
/// inside a tag where `needle` stands as a whole word or path (`total`, `entity.name`).
pub(crate) fn locate(text: &str, first_line: usize, needle: &str) -> Option<(usize, usize)> {
    let ident = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
    let offset = tags(text).into_iter().find_map(|(start, tag)| {
        tag.match_indices(needle)
            .find(|(i, _)| {
                let bytes = tag.as_bytes();
                !ident(i.checked_sub(1).and_then(|j| bytes.get(j)))
                    && !ident(bytes.get(i + needle.len()))
            })
            .map(|(i, _)| start + 2 + i)
    })?;
    let source = Source {
        name: String::new(),
        file: String::new(),
        text,
        first_line,
    };
    Some(source.position(offset))
}

impl Source<'_> {
    /// The file's line and column of byte `offset` of the text.
    fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.text[..offset.min(self.text.len())];
        let line = self.first_line + before.matches('\n').count();
        let column = before
            .rfind('\n')
            .map_or(before.chars().count(), |n| before[n + 1..].chars().count())
            + 1;
        (line, column)
    }

    /// The offset of the `nth` tag word for which `found` holds (the tag's words and this
    /// word's index given), or of the last such word, or of the text's start.
    fn find(&self, nth: usize, found: impl Fn(&[(usize, &str)], usize) -> bool) -> usize {
        let mut hits = Vec::new();
        for (start, tag) in tags(self.text) {
            let words = words(tag);
            for i in 0..words.len() {
                if found(&words, i) {
                    hits.push(start + 2 + words[i].0);
                }
            }
        }
        hits.get(nth).or(hits.last()).copied().unwrap_or(0)
    }

    fn error(&self, offset: usize, message: String) -> Diagnostic {
        let (line, column) = self.position(offset);
        Diagnostic::error(&self.file, line, column, message)
    }
}

/// A node of the call graph: a template's top level (`None`) or one of its macros.
type Key = (String, Option<String>);

/// What the walk of one template found.
#[derive(Default)]
struct Findings {
    /// Function names called, in order.
    calls: Vec<String>,
    /// `range` calls whose literal arguments exceed the bounds, with the reason; the index
    /// counts every `range` call.
    ranges: Vec<(usize, String)>,
    range_calls: usize,
    /// `set` targets whose value uses them twice, with the index among `set`s of that target.
    doubling: Vec<(String, usize)>,
    sets: HashMap<String, usize>,
    /// Calls between macros and templates.
    edges: BTreeMap<Key, BTreeSet<Key>>,
}

struct Walker<'t> {
    tera: &'t tera::Tera,
    template: String,
    node: Key,
    found: Findings,
}

impl Walker<'_> {
    fn edge(&mut self, to: Key) {
        self.found
            .edges
            .entry(self.node.clone())
            .or_default()
            .insert(to);
    }

    /// The template that a macro namespace names from the current template.
    fn namespace(&self, namespace: &str) -> Option<String> {
        if namespace == "self" {
            return Some(self.template.clone());
        }
        let own = self.tera.templates.get(&self.template);
        own.into_iter()
            .chain(self.tera.templates.values())
            .flat_map(|t| t.imported_macro_files.iter())
            .find(|(_, ns)| ns == namespace)
            .map(|(file, _)| file.clone())
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::VariableBlock(_, e) => self.expr(e),
                Node::Include(_, names, _) => {
                    for name in names {
                        self.edge((name.clone(), None));
                    }
                }
                Node::Extends(_, parent) => self.edge((parent.clone(), None)),
                Node::Set(_, set) => {
                    let uses = count_ident(&set.value, &set.key);
                    let seen = self.found.sets.entry(set.key.clone()).or_default();
                    if uses >= 2 {
                        self.found.doubling.push((set.key.clone(), *seen));
                    }
                    *seen += 1;
                    self.expr(&set.value);
                }
                Node::FilterSection(_, f, _) => {
                    self.call(&f.filter, false);
                    self.nodes(&f.body);
                }
                Node::Block(_, b, _) => self.nodes(&b.body),
                Node::Forloop(_, f, _) => {
                    self.expr(&f.container);
                    self.nodes(&f.body);
                    if let Some(body) = &f.empty_body {
                        self.nodes(body);
                    }
                }
                Node::If(i, _) => {
                    for (_, e, body) in &i.conditions {
                        self.expr(e);
                        self.nodes(body);
                    }
                    if let Some((_, body)) = &i.otherwise {
                        self.nodes(body);
                    }
                }
                // Macro bodies are walked as nodes of their own.
                Node::MacroDefinition(..)
                | Node::Super
                | Node::Text(_)
                | Node::ImportMacro(..)
                | Node::Raw(..)
                | Node::Break(_)
                | Node::Continue(_)
                | Node::Comment(..) => {}
            }
        }
    }

    /// The arguments of a function or filter call; `function` says which it is.
    fn call(&mut self, call: &FunctionCall, function: bool) {
        if function {
            self.found.calls.push(call.name.clone());
            if call.name == "range" {
                let literal = |k: &str| match call.args.get(k).map(|e| &e.val) {
                    Some(ExprVal::Int(n)) => Some(usize::try_from(*n).unwrap_or(usize::MAX)),
                    _ => None,
                };
                let (start, end, step) = (literal("start"), literal("end"), literal("step_by"));
                let bounds_known = call.args.keys().all(|k| literal(k).is_some());
                if bounds_known && let Some(end) = end {
                    if let Err(why) = range_count(start.unwrap_or(0), end, step.unwrap_or(1)) {
                        self.found.ranges.push((self.found.range_calls, why));
                    }
                } else if step == Some(0) {
                    self.found.ranges.push((
                        self.found.range_calls,
                        "range() with step_by=0 would never end".into(),
                    ));
                }
                self.found.range_calls += 1;
            }
        }
        for e in call.args.values() {
            self.expr(e);
        }
    }

    fn expr(&mut self, e: &Expr) {
        self.val(&e.val);
        for f in &e.filters {
            self.call(f, false);
        }
    }

    fn val(&mut self, v: &ExprVal) {
        match v {
            ExprVal::Math(m) => {
                self.expr(&m.lhs);
                self.expr(&m.rhs);
            }
            ExprVal::Logic(l) => {
                self.expr(&l.lhs);
                self.expr(&l.rhs);
            }
            ExprVal::In(i) => {
                self.expr(&i.lhs);
                self.expr(&i.rhs);
            }
            ExprVal::Test(t) => {
                for e in &t.args {
                    self.expr(e);
                }
            }
            ExprVal::MacroCall(m) => {
                if let Some(file) = self.namespace(&m.namespace) {
                    self.edge((file, Some(m.name.clone())));
                }
                for e in m.args.values() {
                    self.expr(e);
                }
            }
            ExprVal::FunctionCall(f) => self.call(f, true),
            ExprVal::Array(items) => {
                for e in items {
                    self.expr(e);
                }
            }
            ExprVal::StringConcat(s) => {
                for v in &s.values {
                    self.val(v);
                }
            }
            ExprVal::String(_)
            | ExprVal::Int(_)
            | ExprVal::Float(_)
            | ExprVal::Bool(_)
            | ExprVal::Ident(_) => {}
        }
    }
}

/// How many times the expression reads the variable `name` (or a field of it).
fn count_ident(e: &Expr, name: &str) -> usize {
    fn val(v: &ExprVal, name: &str) -> usize {
        match v {
            ExprVal::Ident(i) => usize::from(
                i == name
                    || i.strip_prefix(name)
                        .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('[')),
            ),
            ExprVal::Math(m) => count_ident(&m.lhs, name) + count_ident(&m.rhs, name),
            ExprVal::Logic(l) => count_ident(&l.lhs, name) + count_ident(&l.rhs, name),
            ExprVal::In(i) => count_ident(&i.lhs, name) + count_ident(&i.rhs, name),
            ExprVal::Test(t) => t.args.iter().map(|e| count_ident(e, name)).sum(),
            ExprVal::MacroCall(m) => m.args.values().map(|e| count_ident(e, name)).sum(),
            ExprVal::FunctionCall(f) => f.args.values().map(|e| count_ident(e, name)).sum(),
            ExprVal::Array(items) => items.iter().map(|e| count_ident(e, name)).sum(),
            ExprVal::StringConcat(s) => s.values.iter().map(|v| val(v, name)).sum(),
            ExprVal::String(_) | ExprVal::Int(_) | ExprVal::Float(_) | ExprVal::Bool(_) => 0,
        }
    }
    val(&e.val, name)
        + e.filters
            .iter()
            .flat_map(|f| f.args.values())
            .map(|a| count_ident(a, name))
            .sum::<usize>()
}

/// Checks the templates of `sources` (parsed in `tera`) for what would read the environment or
/// never end; see the module's documentation.
pub(crate) fn check(tera: &tera::Tera, sources: &[Source]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let mut edges: BTreeMap<Key, BTreeSet<Key>> = BTreeMap::new();
    let by_name: HashMap<&str, &Source> = sources.iter().map(|s| (s.name.as_str(), s)).collect();
    for source in sources {
        let Some(template) = tera.templates.get(&source.name) else {
            continue;
        };
        let mut walker = Walker {
            tera,
            template: source.name.clone(),
            node: (source.name.clone(), None),
            found: Findings::default(),
        };
        walker.nodes(&template.ast);
        let mut macros: Vec<_> = template.macros.iter().collect();
        macros.sort_by_key(|(name, _)| name.as_str());
        for (name, def) in macros {
            walker.node = (source.name.clone(), Some(name.clone()));
            // Make the macro a node even when it calls nothing.
            walker.found.edges.entry(walker.node.clone()).or_default();
            for default in def.args.values().flatten() {
                walker.expr(default);
            }
            walker.nodes(&def.body);
        }
        let found = walker.found;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for name in &found.calls {
            let nth = seen.entry(name.as_str()).or_default();
            let at = source.find(*nth, |w, i| {
                w[i].1 == name.as_str() && (i == 0 || w[i - 1].1 != "macro")
            });
            *nth += 1;
            if REMOVED.contains(&name.as_str()) {
                let message = if name == "get_env" {
                    "templates cannot read the environment: get_env() is not available".to_string()
                } else {
                    format!(
                        "{name}() is not available: templates cannot read the clock or draw \
                         random numbers, so that a build gives the same site every time"
                    )
                };
                problems.push(
                    source
                        .error(at, message)
                        .with_help("put the value in postsale.yaml or in the data instead"),
                );
            } else if !tera.functions.contains_key(name) {
                let mut known: Vec<&str> = tera.functions.keys().map(String::as_str).collect();
                known.sort_unstable();
                problems.push(
                    source
                        .error(at, format!("unknown function {name}()"))
                        .with_help(crate::diagnostic::did_you_mean(name, &known)),
                );
            }
        }
        for (nth, why) in found.ranges {
            let at = source.find(nth, |w, i| w[i].1 == "range");
            problems.push(source.error(at, why).with_help(format!(
                "loop over at most {RANGE_LIMIT} numbers (nest two loops for a grid)"
            )));
        }
        for (key, nth) in found.doubling {
            let at = source.find(nth, |w, i| {
                i > 0 && w[i].1 == key && matches!(w[i - 1].1, "set" | "set_global")
            });
            problems.push(
                source
                    .error(
                        at,
                        format!(
                            "`{key}` is set from a value that uses `{key}` more than once: \
                             repeated, it doubles at every step and exhausts memory"
                        ),
                    )
                    .with_help(format!(
                        "add a fixed piece to `{key}` at each step instead (`{key} ~ \"...\"`)"
                    )),
            );
        }
        for (from, to) in found.edges {
            edges.entry(from).or_default().extend(to);
        }
    }
    for cycle in cycles(&edges) {
        let Some(first) = cycle.first() else {
            continue;
        };
        let Some(source) = by_name.get(first.0.as_str()) else {
            continue;
        };
        let next = cycle.get(1).unwrap_or(first);
        let at = match &first.1 {
            Some(m) => source.find(0, |w, i| i > 0 && w[i - 1].1 == "macro" && w[i].1 == m),
            None => {
                let name = next.0.as_str();
                tags(source.text)
                    .into_iter()
                    .find(|(_, tag)| tag.trim_start().starts_with("include") && tag.contains(name))
                    .map_or(0, |(start, _)| start)
            }
        };
        let show = |k: &Key| match &k.1 {
            Some(m) if k.0 == first.0 => format!("macro {m}"),
            Some(m) => format!("macro {m} of {}", k.0),
            None => format!("template {}", k.0),
        };
        let path: Vec<String> = cycle.iter().chain([first]).map(show).collect();
        let message = if cycle.len() == 1 {
            format!(
                "{} calls itself: recursion is not allowed in templates",
                show(first)
            )
        } else {
            format!(
                "{} calls itself through others ({}): recursion is not allowed in templates",
                show(first),
                path.join(" → ")
            )
        };
        problems.push(
            source
                .error(at, message)
                .with_help("write the levels out, or loop over a list instead"),
        );
    }
    problems
}

/// Every cycle of the call graph, once each (as its nodes from the smallest, in call order).
fn cycles(edges: &BTreeMap<Key, BTreeSet<Key>>) -> Vec<Vec<Key>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let mut marks: BTreeMap<&Key, Mark> = edges.keys().map(|k| (k, Mark::New)).collect();
    let mut found: BTreeSet<Vec<Key>> = BTreeSet::new();
    for root in edges.keys() {
        if marks.get(root) != Some(&Mark::New) {
            continue;
        }
        // An explicit stack: (node, its successors still to visit).
        let mut stack: Vec<(&Key, Vec<&Key>)> = Vec::new();
        marks.insert(root, Mark::Open);
        stack.push((root, edges[root].iter().rev().collect()));
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            match next.pop() {
                Some(to) => match marks.get(to).copied().unwrap_or(Mark::Done) {
                    Mark::New => {
                        marks.insert(to, Mark::Open);
                        let succ = edges
                            .get(to)
                            .map(|s| s.iter().rev().collect())
                            .unwrap_or_default();
                        stack.push((to, succ));
                    }
                    Mark::Open => {
                        let at = stack.iter().position(|(k, _)| *k == to).unwrap_or(0);
                        let mut cycle: Vec<Key> =
                            stack[at..].iter().map(|(k, _)| (*k).clone()).collect();
                        let smallest = cycle
                            .iter()
                            .enumerate()
                            .min_by(|a, b| a.1.cmp(b.1))
                            .map_or(0, |(i, _)| i);
                        cycle.rotate_left(smallest);
                        found.insert(cycle);
                    }
                    Mark::Done => {}
                },
                None => {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
    }
    found.into_iter().collect()
}

/// Checks that tags and the brackets inside tags nest at most [`NESTING_LIMIT`] deep, before
/// Tera parses the text (its parser recurses once per level). Returns the problem, if any.
pub(crate) fn nesting(source: &Source) -> Option<Diagnostic> {
    const OPENERS: &[&str] = &["for", "if", "macro", "filter", "block", "raw"];
    let mut depth = 0usize;
    for (start, tag) in tags(source.text) {
        let mut brackets = 0usize;
        let mut quote: Option<char> = None;
        // Operators (an expression nests one level per operator) and the words that are.
        let mut operators = words(tag)
            .iter()
            .filter(|(_, w)| matches!(*w, "and" | "or" | "not" | "in" | "is"))
            .count();
        let too_many = |at: usize| {
            source
                .error(
                    at,
                    format!("one tag holds more than {OPERATOR_LIMIT} operators"),
                )
                .with_help("split the expression with `set` over several tags")
        };
        if operators > OPERATOR_LIMIT {
            return Some(too_many(start));
        }
        for (i, c) in tag.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'' | '`') => quote = Some(c),
                (None, '+' | '-' | '*' | '/' | '%' | '~' | '<' | '>' | '=' | '!' | '|') => {
                    operators += 1;
                    if operators > OPERATOR_LIMIT {
                        return Some(too_many(start + 2 + i));
                    }
                }
                (None, '(' | '[' | '{') => {
                    brackets += 1;
                    if brackets > NESTING_LIMIT {
                        return Some(source.error(
                            start + 2 + i,
                            format!("brackets nest more than {NESTING_LIMIT} deep"),
                        ));
                    }
                }
                (None, ')' | ']' | '}') => brackets = brackets.saturating_sub(1),
                _ => {}
            }
        }
        if source.text.as_bytes().get(start + 1) != Some(&b'%') {
            continue;
        }
        let first = tag.trim_start_matches(['-', ' ', '\t', '\r', '\n']);
        let word: String = first
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if OPENERS.contains(&word.as_str()) {
            depth += 1;
            if depth > NESTING_LIMIT {
                return Some(
                    source
                        .error(start, format!("tags nest more than {NESTING_LIMIT} deep"))
                        .with_help("split the template into macros or simpler loops"),
                );
            }
        } else if word.starts_with("end") {
            depth = depth.saturating_sub(1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        let mut tera = tera::Tera::default();
        secure(&mut tera);
        let source = Source {
            name: "reports/x.md".into(),
            file: "reports/x.md".into(),
            text,
            first_line: 5,
        };
        if let Some(d) = nesting(&source) {
            return vec![d.to_string()];
        }
        tera.add_raw_template("reports/x.md", text).expect("parses");
        check(&tera, &[source])
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn get_env_is_gone_and_reported_where_it_is_called() {
        let mut tera = tera::Tera::default();
        secure(&mut tera);
        assert!(!tera.functions.contains_key("get_env"));
        assert!(!tera.functions.contains_key("now"));
        assert!(!tera.functions.contains_key("get_random"));
        let found = problems("Hello\n\nPath: {{ get_env(name=\"PATH\") }}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        // Line 7 of the file: the body starts on line 5, the call is on its third line.
        assert!(
            found[0].starts_with("reports/x.md:7:10: error: templates cannot read the environment"),
            "{found:?}"
        );
        let rendered = tera.render_str("{{ get_env(name=\"PATH\") }}", &tera::Context::new());
        assert!(rendered.is_err());
    }

    #[test]
    fn unknown_functions_are_reported() {
        let found = problems("{{ rang(end=3) }}");
        assert!(
            found[0].starts_with("reports/x.md:5:4: error: unknown function rang()"),
            "{found:?}"
        );
        assert!(found[0].contains("did you mean `range`?"), "{found:?}");
    }

    #[test]
    fn range_is_bounded_statically_and_when_rendering() {
        let found = problems("{% for i in range(end=100000000) %}{{ i }}{% endfor %}");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "reports/x.md:5:13: error: range() would make 100000000 numbers; templates may make at most 10000"
            ),
            "{found:?}"
        );
        assert!(problems("{% for i in range(end=10000) %}{% endfor %}").is_empty());
        assert!(
            problems("{% for i in range(end=3, step_by=0) %}{% endfor %}")[0]
                .contains("step_by=0 would never end")
        );
        let mut tera = tera::Tera::default();
        secure(&mut tera);
        let mut ctx = tera::Context::new();
        ctx.insert("n", &100_000_000);
        let err = tera
            .render_str("{% for i in range(end=n) %}{% endfor %}", &ctx)
            .expect_err("too long");
        assert!(
            super::super::tera_error(&err).contains("at most 10000"),
            "{err:?}"
        );
        let ok = tera
            .render_str(
                "{% for i in range(start=2, end=9, step_by=3) %}{{ i }},{% endfor %}",
                &ctx,
            )
            .expect("renders");
        assert_eq!(ok, "2,5,8,");
    }

    #[test]
    fn a_set_that_doubles_its_target_is_reported() {
        let found = problems("{% set_global x = \"a\" %}\n{% set_global x = x ~ x %}\n");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "reports/x.md:6:15: error: `x` is set from a value that uses `x` more than once"
            ),
            "{found:?}"
        );
        assert_eq!(
            problems("{% set l = [1] %}{% set l = l | concat(with=l) %}").len(),
            1
        );
        assert!(problems("{% set x = \"a\" %}{% set x = x ~ \"b\" %}").is_empty());
    }

    #[test]
    fn recursive_macros_are_reported_at_their_definition() {
        let direct =
            "{% macro boom(n) %}{{ self::boom(n=n) }}{% endmacro boom %}\n{{ self::boom(n=1) }}";
        let found = problems(direct);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(
                "reports/x.md:5:10: error: macro boom calls itself: recursion is not allowed"
            ),
            "{found:?}"
        );
        let mutual = "x\n{% macro a() %}{{ self::b() }}{% endmacro a %}\n{% macro b() %}{{ self::a() }}{% endmacro b %}\n";
        let found = problems(mutual);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("reports/x.md:6:10: error: macro a calls itself through others (macro a → macro b → macro a)"),
            "{found:?}"
        );
        let fine = "{% macro a() %}1{% endmacro a %}{% macro b() %}{{ self::a() }}{{ self::a() }}{% endmacro b %}";
        assert!(problems(fine).is_empty());
    }

    #[test]
    fn macros_through_imports_and_include_cycles_are_found() {
        let mut tera = tera::Tera::default();
        secure(&mut tera);
        tera.add_raw_templates(vec![
            (
                "m.html",
                "{% import \"n.html\" as n %}{% macro a() %}{{ n::b() }}{% endmacro a %}",
            ),
            (
                "n.html",
                "{% import \"m.html\" as m %}{% macro b() %}{{ m::a() }}{% endmacro b %}",
            ),
            ("p.html", "{% include \"q.html\" %}"),
            ("q.html", "\n{% include \"p.html\" %}"),
        ])
        .expect("parses");
        let source = |name: &'static str, text: &'static str| Source {
            name: name.into(),
            file: format!("themes/default/templates/{name}"),
            text,
            first_line: 1,
        };
        let found: Vec<String> = check(
            &tera,
            &[
                source(
                    "m.html",
                    "{% import \"n.html\" as n %}{% macro a() %}{{ n::b() }}{% endmacro a %}",
                ),
                source(
                    "n.html",
                    "{% import \"m.html\" as m %}{% macro b() %}{{ m::a() }}{% endmacro b %}",
                ),
                source("p.html", "{% include \"q.html\" %}"),
                source("q.html", "\n{% include \"p.html\" %}"),
            ],
        )
        .iter()
        .map(|d| d.to_string())
        .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].starts_with("themes/default/templates/m.html:1:36: error: macro a calls itself through others (macro a → macro b of n.html → macro a)"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("themes/default/templates/p.html:1:1: error: template p.html calls itself through others"),
            "{found:?}"
        );
    }

    #[test]
    fn long_operator_chains_are_refused_before_parsing() {
        let chain = format!("{{{{ 1{} }}}}", " + 1".repeat(100_000));
        let found = problems(&chain);
        assert!(
            found[0]
                .starts_with("reports/x.md:5:1030: error: one tag holds more than 256 operators"),
            "{found:?}"
        );
        let words = format!("{{% if a{} %}}{{% endif %}}", " or a".repeat(300));
        assert!(problems(&words)[0].contains("more than 256 operators"));
        // At the limit, Tera parses and the checks walk it without trouble.
        let chain = format!("{{{{ 1{} }}}}", " + 1".repeat(256));
        assert!(problems(&chain).is_empty());
        let mut tera = tera::Tera::default();
        let sum = tera.render_str(&chain, &tera::Context::new());
        assert_eq!(sum.expect("renders"), "257");
    }

    #[test]
    fn raw_blocks_are_not_read_as_tags() {
        let text = "{% raw %}{{ get_env(name=\"X\") }}{% endraw %} {{ rang(end=1) }}";
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("reports/x.md:5:49: error: unknown function rang()"),
            "{found:?}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("{{{{ {}1{} }}}}", "(".repeat(100_000), ")".repeat(100_000));
        let found = problems(&deep);
        assert!(
            found[0].contains("brackets nest more than 64 deep"),
            "{found:?}"
        );
        let ifs = "{% if true %}".repeat(65);
        let found = problems(&ifs);
        assert!(
            found[0].contains("tags nest more than 64 deep"),
            "{found:?}"
        );
        assert!(
            nesting(&Source {
                name: "x".into(),
                file: "x".into(),
                text: &format!("{}{}", "{% if true %}".repeat(64), "{% endif %}".repeat(64)),
                first_line: 1,
            })
            .is_none()
        );
    }
}
