//! Where entity pages live, so every table can link an account, a CSM or a segment to its page
//! (drill-down) with a relative URL, and the file names of those pages. Entity ids become file
//! names through `file_id`, a pure function of the id (the same id always gives the same name,
//! so builds are reproducible):
//!
//! - letters, digits and `-` stay; every other byte becomes `_` and two lowercase hex digits
//!   (`a/b c` → `a_2fb_20c`, `a_b` → `a_5fb`), so no name holds a path separator, a dot or
//!   anything a file system treats specially, and distinct ids give distinct names;
//! - an id equal, in any letter case, to a name the site writes in the same folder (`index`, the
//!   list page) or one Windows reserves (`con`, `nul`, `com1`, ...) has its first letter encoded
//!   too (`index` → `_69ndex`), so it cannot overwrite the list page or fail on Windows;
//! - an encoding longer than 100 bytes (file systems allow 255) keeps its first 80 bytes and
//!   ends with `_h` and a 64-bit hash of the whole id (FNV-1a) in hex, so a 256-byte segment
//!   name builds; `_h` never appears in a name kept whole.
//!
//! Two ids that differ only in letter case (`ACC1`, `acc1`) still give names that a file system
//! ignoring case (macOS, Windows) takes for one file: `name_collisions`, run by `check`, reports
//! them (and, in theory, two long ids with the same hash) as errors naming both ids and lines.

use super::Project;
use crate::data::csv_table::{FileDiags, open};
use crate::data::{AccountIx, CsmIx, Dataset};
use crate::diagnostic::Diagnostic;
use crate::report::Per;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The folders of the `per:` reports (the first report per entity kind), if any.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub account: Option<String>,
    /// Which accounts have a page in `account` (its report's `select:`); None: every account.
    pub account_pages: Option<Arc<[bool]>>,
    pub csm: Option<String>,
    pub segment: Option<String>,
}

/// Names an id may not take as they are (in any letter case): the list page of an entity
/// folder, and the device names Windows reserves whatever the extension.
const RESERVED: [&str; 23] = [
    "index", "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7",
    "com8", "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// The longest encoding kept whole, in bytes (the page adds `.html`).
const LONGEST: usize = 100;

/// How much of a longer encoding is kept before its hash, in bytes.
const READABLE: usize = 80;

/// A file name (without `.html`) for an entity id: `ACME-1` stays, `a/b c` becomes `a_2fb_20c`,
/// `index` becomes `_69ndex`, and an id whose encoding passes 100 bytes becomes its first 80
/// bytes plus `_h` and a hash of the whole id. See the module header for the rules.
pub fn file_id(id: &str) -> String {
    let reserved = RESERVED.iter().any(|r| r.eq_ignore_ascii_case(id));
    let mut out = String::with_capacity(id.len());
    // Where each byte's encoding ends, to cut a long name between two of them.
    let mut ends = Vec::with_capacity(id.len());
    for (i, b) in id.bytes().enumerate() {
        if (b.is_ascii_alphanumeric() || b == b'-') && !(reserved && i == 0) {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
        ends.push(out.len());
    }
    if out.is_empty() {
        out.push('_');
    }
    if out.len() > LONGEST {
        let keep = ends
            .iter()
            .rev()
            .find(|&&e| e <= READABLE)
            .copied()
            .unwrap_or(0);
        out.truncate(keep);
        out.push_str(&format!("_h{:016x}", fnv1a(id.as_bytes())));
    }
    out
}

/// The 64-bit FNV-1a hash: tiny, and the same on every machine and Rust version.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Links {
    /// The page of an account, relative to `root`.
    pub fn account(&self, root: &str, data: &Dataset, a: AccountIx) -> Option<String> {
        let dir = self.account.as_ref()?;
        if let Some(pages) = &self.account_pages {
            pages.get(a as usize).copied().filter(|has| *has)?;
        }
        let id = &data.accounts.rows.get(a as usize)?.id;
        Some(format!("{root}{dir}/{}.html", file_id(id)))
    }

    /// The page of a CSM, relative to `root`.
    pub fn csm(&self, root: &str, data: &Dataset, c: CsmIx) -> Option<String> {
        let dir = self.csm.as_ref()?;
        let id = &data.csms.as_ref()?.rows.get(c as usize)?.id;
        Some(format!("{root}{dir}/{}.html", file_id(id)))
    }

    /// The page of a segment, relative to `root`.
    pub fn segment(&self, root: &str, segment: &str) -> Option<String> {
        let dir = self.segment.as_ref()?;
        Some(format!("{root}{dir}/{}.html", file_id(segment)))
    }
}

/// One kind of entity page: its `per:` value, where its ids come from, and what to call one.
struct Kind {
    per: Per,
    table: &'static str,
    column: &'static str,
    noun: &'static str,
}

const KINDS: [Kind; 3] = [
    Kind {
        per: Per::Account,
        table: "accounts",
        column: "account_id",
        noun: "account id",
    },
    Kind {
        per: Per::Csm,
        table: "csms",
        column: "csm_id",
        noun: "CSM id",
    },
    Kind {
        per: Per::Segment,
        table: "accounts",
        column: "segment",
        noun: "segment",
    },
];

/// The ids of one kind of entity, in file order (segments: by first appearance).
fn ids_of(data: &Dataset, per: Per) -> Vec<&str> {
    match per {
        Per::Account => data.accounts.rows.iter().map(|a| a.id.as_str()).collect(),
        Per::Csm => data
            .csms
            .iter()
            .flat_map(|t| t.rows.iter().map(|c| c.id.as_str()))
            .collect(),
        Per::Segment => {
            let mut seen = std::collections::HashSet::new();
            data.accounts
                .rows
                .iter()
                .filter_map(|a| a.segment.as_deref())
                .filter(|s| seen.insert(*s))
                .collect()
        }
    }
}

/// Pairs of distinct ids whose file names are the same when letter case is ignored: (the
/// earlier id, the later one), in `ids` order.
fn colliding<'a>(ids: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    let mut by_name: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for id in ids {
        by_name
            .entry(file_id(id).to_ascii_lowercase())
            .or_default()
            .push(id);
    }
    let mut pairs: Vec<(&str, &str)> = by_name
        .into_values()
        .filter(|group| group.len() > 1)
        .flat_map(|group| {
            let first = group[0];
            group.into_iter().skip(1).map(move |other| (first, other))
        })
        .collect();
    let order: BTreeMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    pairs.sort_by_key(|(_, b)| order.get(b).copied());
    pairs
}

/// Every pair of entities of a kind that has `per:` pages whose page files would be one file on
/// a file system that ignores letter case (macOS, Windows): an error at the later id's line,
/// naming both ids and the earlier one's line.
pub(crate) fn name_collisions(project: &Project) -> Vec<Diagnostic> {
    let data_dir = project.dir.join(&project.config.data_dir);
    let mut problems = Vec::new();
    for kind in &KINDS {
        let Some(report) = project
            .reports
            .iter()
            .find(|r| r.front.per == Some(kind.per))
        else {
            continue;
        };
        let pairs = colliding(&ids_of(&project.data, kind.per));
        if pairs.is_empty() {
            continue;
        }
        let path = data_dir.join(format!("{}.csv", kind.table));
        let file = path.display().to_string();
        let wanted: Vec<&str> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
        let (lines, column) = lines_of(&path, kind.column, &wanted);
        for (first, second) in pairs {
            let name = file_id(second);
            let message = format!(
                "{noun} '{second}' gets the same page as {noun} '{first}'{on}: '{folder}/{name}.html' on a file system that ignores letter case (macOS, Windows)",
                noun = kind.noun,
                on = lines
                    .get(first)
                    .map_or(String::new(), |l| format!(" (line {l})")),
                folder = report.slug,
            );
            let d = match lines.get(second) {
                Some(&line) => Diagnostic::error(&file, line, column, message),
                None => Diagnostic::file_error(&file, message),
            };
            problems.push(d.with_help(format!(
                "make the two {noun}s differ by more than letter case; there, one page would overwrite the other",
                noun = kind.noun
            )));
        }
    }
    problems
}

/// The line of the first row whose `column` holds each of `wanted`, and the column's 1-based
/// number; read again from the file (the dataset keeps no lines), only when there is a
/// collision to report.
fn lines_of(
    path: &Path,
    column: &'static str,
    wanted: &[&str],
) -> (BTreeMap<String, usize>, usize) {
    let mut lines = BTreeMap::new();
    let Ok(bytes) = crate::files::FileBytes::open(path, "a CSV file") else {
        return (lines, 1);
    };
    let mut quiet = FileDiags::new(String::new(), 0);
    let Some(sheet) = open(&bytes, &mut quiet) else {
        return (lines, 1);
    };
    let Some([col]) = sheet.columns([column], &mut quiet) else {
        return (lines, 1);
    };
    sheet.rows(&mut quiet, |row, _| {
        if let Some(value) = row.raw(col)
            && wanted.contains(&value)
            && !lines.contains_key(value)
        {
            lines.insert(value.to_string(), row.line);
        }
    });
    (lines, col.index.map_or(1, |i| i + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_ids_are_safe_and_distinct() {
        assert_eq!(file_id("ACME-001"), "ACME-001");
        assert_eq!(file_id("a/b c"), "a_2fb_20c");
        assert_eq!(file_id("a_b"), "a_5fb");
        assert_ne!(file_id("a_b"), file_id("a/b"));
        assert_eq!(file_id("../x"), "_2e_2e_2fx");
        assert_eq!(file_id(""), "_");
    }

    #[test]
    fn names_the_site_or_windows_uses_are_encoded() {
        // Before: `index` was `index`, the list page of the folder.
        assert_eq!(file_id("index"), "_69ndex");
        assert_eq!(file_id("INDEX"), "_49NDEX");
        assert_eq!(file_id("Con"), "_43on");
        assert_eq!(file_id("com1"), "_63om1");
        // Only the whole id: these stay as they are.
        assert_eq!(file_id("index2"), "index2");
        assert_eq!(file_id("my-index"), "my-index");
    }

    #[test]
    fn long_ids_are_cut_and_hashed_stably() {
        let long = "s".repeat(256);
        let name = file_id(&long);
        // Before: 256 bytes plus `.html`, which no file system accepts.
        assert_eq!(
            name,
            format!("{}_h{:016x}", "s".repeat(80), fnv1a(long.as_bytes()))
        );
        assert_eq!(name.len(), 98);
        // The hash of the 64-bit FNV-1a test vector "a": the same on every machine.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        // Two long ids with the same first 80 bytes differ by their hash.
        let other = format!("{}t", "s".repeat(255));
        assert_ne!(file_id(&other), name);
        assert!(file_id(&other).starts_with(&"s".repeat(80)));
        // Never cut inside an escape: 79 letters and a space give 79 + 3 bytes, cut at 79.
        let spaced = format!("{} {}", "a".repeat(79), "b".repeat(30));
        assert!(file_id(&spaced).starts_with(&format!("{}_h", "a".repeat(79))));
        // 100 bytes stay whole, 101 do not.
        assert_eq!(file_id(&"x".repeat(100)), "x".repeat(100));
        assert_eq!(file_id(&"x".repeat(101)).len(), 98);
        // Multi-byte text is all escapes: cut between two of them.
        let name = file_id(&"é".repeat(40));
        assert!(name.starts_with(&"_c3_a9".repeat(13)), "{name}");
        assert_eq!(name.len(), 78 + 18);
    }

    #[test]
    fn ids_differing_only_in_case_collide() {
        assert_eq!(
            colliding(&["ACC1", "B", "acc1", "Acc1", "b-2"]),
            [("ACC1", "acc1"), ("ACC1", "Acc1")]
        );
        assert!(colliding(&["index", "_69ndex", "a/b", "a_2fb"]).is_empty());
    }
}
