//! Where entity pages live, so every table can link an account, a CSM or a segment to its page
//! (drill-down) with a relative URL. Entity ids become file names through `file_id`, which keeps
//! letters, digits, `-` and `_` and encodes every other byte, so any id is a safe, unique name.

use crate::data::{AccountIx, CsmIx, Dataset};

/// The folders of the `per:` reports (the first report per entity kind), if any.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub account: Option<String>,
    pub csm: Option<String>,
    pub segment: Option<String>,
}

/// A file name for an entity id: `ACME-1` stays, `a/b c` becomes `a_2fb_20c`.
pub fn file_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

impl Links {
    /// The page of an account, relative to `root`.
    pub fn account(&self, root: &str, data: &Dataset, a: AccountIx) -> Option<String> {
        let dir = self.account.as_ref()?;
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
}
