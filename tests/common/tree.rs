//! Folders for integration tests (include with `#[path = "common/tree.rs"] mod tree;`): copying
//! a project, and reading a built site to compare two builds.
// Each test uses the part it needs.
#![allow(dead_code)]

use std::path::Path;

/// Copies the folder `from` (with its subfolders) to `to`, creating `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// Every file of the built site `dir`, relative path → bytes, sorted, with the inputs' names
/// (`data/...` files, `postgres:...` tables) and fingerprint taken out of the JSON files that
/// record them: the same for the same data read from different sources.
pub fn site_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let name = path
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            let mut bytes = std::fs::read(&path).expect("read");
            if name.ends_with(".json") {
                let text = String::from_utf8(bytes).expect("UTF-8 JSON");
                let kept: Vec<&str> = text
                    .lines()
                    .filter(|l| {
                        !["\"fingerprint\"", "\"data/", "\"postgres:"]
                            .iter()
                            .any(|input| l.contains(input))
                    })
                    // The last file kept may or may not have had one after it.
                    .map(|l| l.trim_end_matches(','))
                    .collect();
                bytes = kept.join("\n").into_bytes();
            }
            out.push((name, bytes));
        }
    }
    out.sort();
    out
}
