//! The HTML pages of a built site, for the tests that read them (included with
//! `#[path = "common/pages.rs"] mod pages;`).

use std::collections::BTreeMap;
use std::path::Path;

/// The HTML pages under `out`, site path (`/`-separated) → text.
pub fn pages(out: &Path) -> BTreeMap<String, String> {
    let mut pages = BTreeMap::new();
    let mut dirs = vec![out.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                let name = path.strip_prefix(out).expect("inside");
                let name = name.to_string_lossy().replace('\\', "/");
                pages.insert(name, std::fs::read_to_string(&path).expect("read"));
            }
        }
    }
    pages
}
