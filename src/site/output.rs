//! The atomic write: the whole output goes to a temporary folder beside the target, which then
//! replaces the target with two renames. A build that fails before the swap leaves the previous
//! site exactly as it was.

use anyhow::{Context, bail};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// A sibling of `out` named `.{name}.{tag}-{pid}`.
fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "site".into());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// The temporary folder a new output is written into. [`Staging::commit`] swaps it in; dropping
/// it uncommitted removes it, so a failed build leaves the previous output as it was.
pub struct Staging {
    out: PathBuf,
    temp: PathBuf,
    committed: bool,
}

impl Staging {
    /// An empty temporary folder beside `out`.
    pub fn create(out: &Path) -> anyhow::Result<Staging> {
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("failed to create {}", parent.display()))?;
        }
        let temp = sibling(out, "tmp");
        if temp.exists() {
            std::fs::remove_dir_all(&temp)
                .with_context(|| format!("failed to remove {}", temp.display()))?;
        }
        std::fs::create_dir_all(&temp)
            .with_context(|| format!("failed to create {}", temp.display()))?;
        Ok(Staging {
            out: out.to_path_buf(),
            temp,
            committed: false,
        })
    }

    /// The temporary folder (for programs that write into it, like typst).
    pub fn dir(&self) -> &Path {
        &self.temp
    }

    /// Writes files (relative path → bytes) into the temporary folder, in parallel.
    pub fn write(&self, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
        files
            .par_iter()
            .try_for_each(|(path, bytes)| self.write_file(path, bytes))
    }

    /// Writes one file (a relative path) into the temporary folder, creating its folders.
    /// Several threads may write at once: the pages go to disk as they render.
    pub fn write_file(&self, path: &str, bytes: &[u8]) -> anyhow::Result<()> {
        if path.starts_with('/') || path.split('/').any(|p| p == ".." || p.is_empty()) {
            bail!("refusing to write outside the output folder: {path}");
        }
        let target = self.temp.join(path);
        let written = match std::fs::write(&target, bytes) {
            // The first file of a folder creates it (no check per file).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match target.parent() {
                Some(dir) => std::fs::create_dir_all(dir)
                    .with_context(|| format!("failed to create {}", dir.display()))
                    .and_then(|()| std::fs::write(&target, bytes).map_err(Into::into)),
                None => Err(e.into()),
            },
            other => other.map_err(Into::into),
        };
        written.with_context(|| format!("failed to write {}", target.display()))
    }

    /// Replaces the output with the temporary folder, with two renames.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let (out, temp) = (&self.out, &self.temp);
        let old = sibling(out, "old");
        if out.exists() {
            std::fs::rename(out, &old).with_context(|| {
                format!("failed to move the old output {} aside", out.display())
            })?;
        }
        if let Err(e) = std::fs::rename(temp, out) {
            // Put the old site back before reporting.
            let _ = std::fs::rename(&old, out);
            return Err(e)
                .with_context(|| format!("failed to move the new output to {}", out.display()));
        }
        self.committed = true;
        if old.exists() {
            std::fs::remove_dir_all(&old)
                .with_context(|| format!("failed to remove the old output {}", old.display()))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the old site is untouched either way.
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `files` as the new content of `out`, as a build does.
    fn write_atomically(out: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
        let staging = Staging::create(out)?;
        staging.write(files)?;
        staging.commit()
    }

    #[test]
    fn replaces_the_old_output_and_refuses_escapes() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("site");
        write_atomically(&out, &[("a/b.html".into(), b"one".to_vec())]).expect("first");
        write_atomically(
            &out,
            &[
                ("c.html".into(), b"two".to_vec()),
                ("d/e/f.html".into(), b"three".to_vec()),
            ],
        )
        .expect("second");
        assert!(!out.join("a/b.html").exists());
        assert_eq!(std::fs::read(out.join("c.html")).expect("read"), b"two");
        assert_eq!(
            std::fs::read(out.join("d/e/f.html")).expect("read"),
            b"three"
        );
        let err = write_atomically(&out, &[("../x".into(), Vec::new())]).expect_err("escape");
        assert!(err.to_string().contains("outside"));
        // The failed write left the previous site in place.
        assert_eq!(std::fs::read(out.join("c.html")).expect("read"), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).expect("ls").collect();
        assert_eq!(leftovers.len(), 1);
    }
}
