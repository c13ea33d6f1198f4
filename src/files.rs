//! Reading the project's own files (the CSV tables, `postsale.yaml`, reports, theme files): the
//! bytes of one file, read into memory in one go. Safe against a concurrent writer: the file is
//! copied, never memory-mapped (a mapped file truncated by another program while it is
//! parsed stops the process with SIGBUS), and read to its end whatever its size was when opened,
//! so a file that shrinks or grows during the read gives whatever bytes it held (at worst parse
//! errors), never a crash. Only regular files are opened: a directory, a named pipe (whose
//! `open` would wait forever for a writer), a socket, a device or a dangling symbolic link is
//! refused with its own message, checked before the file is opened and again on what was opened
//! (opened without blocking, so a pipe swapped in between the two is refused, not waited on).

use std::fs::{File, FileType, Metadata};
use std::io::{self, Read};
use std::ops::Deref;
use std::path::Path;

/// A whole file's bytes.
pub(crate) struct FileBytes(Vec<u8>);

impl FileBytes {
    /// Reads the regular file at `path` (following symbolic links); `expected` names what it
    /// should be in messages ("a CSV file"). An absent file is an error of kind `NotFound`;
    /// every other kind of path is an error whose text says what was found.
    pub(crate) fn open(path: &Path, expected: &str) -> io::Result<FileBytes> {
        let meta = regular(path, expected)?;
        let mut file = open_without_blocking(path)?;
        // The path may have been replaced between the check and the open: what was opened is
        // checked again.
        let opened = file.metadata()?;
        not_regular(opened.file_type()).map_or(Ok(()), |what| Err(refused(what, expected)))?;
        // The size when checked is only a hint: reading to the end tolerates a file that shrank
        // or grew since (one more byte of capacity lets the end be seen without a reallocation).
        let hint = usize::try_from(opened.len().max(meta.len())).unwrap_or(0);
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(hint.saturating_add(1)).ok();
        file.read_to_end(&mut bytes)?;
        Ok(FileBytes(bytes))
    }
}

/// Reads the regular file at `path` as UTF-8 text (see [`FileBytes::open`]), without the
/// byte-order mark some editors put first.
pub(crate) fn read_text(path: &Path, expected: &str) -> io::Result<String> {
    let mut bytes = FileBytes::open(path, expected)?.0;
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "found a byte that is not UTF-8 at byte {}, expected {expected} in UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Opens `path` for reading; on Unix without blocking, so that a named pipe cannot hold the
/// open (reads of a regular file ignore the flag).
fn open_without_blocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// The metadata of `path` if it is (or links to) a regular file; otherwise an error saying what
/// it is.
fn regular(path: &Path, expected: &str) -> io::Result<Metadata> {
    let link = std::fs::symlink_metadata(path)?;
    let meta = if link.file_type().is_symlink() {
        match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let target = std::fs::read_link(path)
                    .map(|t| format!(" to '{}'", t.display()))
                    .unwrap_or_default();
                return Err(io::Error::other(format!(
                    "found a symbolic link{target} whose target does not exist, expected {expected}"
                )));
            }
            Err(e) => return Err(e),
        }
    } else {
        link
    };
    match not_regular(meta.file_type()) {
        Some(what) => Err(refused(what, expected)),
        None => Ok(meta),
    }
}

/// What a path is when it is not a regular file.
fn not_regular(kind: FileType) -> Option<&'static str> {
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some(
                "a named pipe (FIFO), which postsale does not read since it may never end",
            );
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    Some("something other than a regular file")
}

fn refused(what: &str, expected: &str) -> io::Error {
    io::Error::other(format!("found {what}, expected {expected}"))
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// FNV-1a, 64 bits, fed in pieces (also the seed of the delivery's Message-IDs).
pub(crate) struct Fnv(u64);

impl Fnv {
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Adds one file: its name, its length and its bytes, so that moving bytes between files
    /// changes the hash too.
    pub(crate) fn file(&mut self, name: &str, bytes: &[u8]) {
        self.write(name.as_bytes());
        self.write(&[0]);
        self.write(&(bytes.len() as u64).to_le_bytes());
        self.write(bytes);
    }

    /// `fnv1a64:` and the hash in 16 hex digits.
    pub(crate) fn finish(&self) -> String {
        format!("fnv1a64:{:016x}", self.0)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(path: &Path) -> String {
        match FileBytes::open(path, "a CSV file") {
            Ok(_) => panic!("{} was read", path.display()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn text_is_read_without_a_byte_order_mark() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("r.md");
        std::fs::write(&file, "\u{feff}---\ntitle: X\n---\n").expect("write");
        assert_eq!(
            read_text(&file, "a Markdown file").expect("read"),
            "---\ntitle: X\n---\n"
        );
        std::fs::write(&file, b"ok \xff").expect("write");
        assert_eq!(
            read_text(&file, "a Markdown file")
                .map_err(|e| e.to_string())
                .err(),
            Some(
                "found a byte that is not UTF-8 at byte 3, expected a Markdown file in UTF-8"
                    .into()
            )
        );
    }

    #[test]
    fn reads_regular_files_and_refuses_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("a.csv");
        std::fs::write(&file, "a,b\n1,2\n").expect("write");
        assert_eq!(
            &*FileBytes::open(&file, "a CSV file").expect("read"),
            b"a,b\n1,2\n"
        );
        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, "").expect("write");
        assert!(
            FileBytes::open(&empty, "a CSV file")
                .expect("read")
                .is_empty()
        );

        let absent = FileBytes::open(&dir.path().join("absent.csv"), "a CSV file").err();
        assert_eq!(absent.map(|e| e.kind()), Some(io::ErrorKind::NotFound));

        let sub = dir.path().join("dir.csv");
        std::fs::create_dir(&sub).expect("mkdir");
        assert_eq!(error(&sub), "found a directory, expected a CSV file");

        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&file, &link).expect("symlink");
            assert_eq!(
                &*FileBytes::open(&link, "a CSV file").expect("read"),
                b"a,b\n1,2\n"
            );
            let dangling = dir.path().join("dangling.csv");
            std::os::unix::fs::symlink("/no/such/file.csv", &dangling).expect("symlink");
            assert_eq!(
                error(&dangling),
                "found a symbolic link to '/no/such/file.csv' whose target does not exist, expected a CSV file"
            );
            let to_dir = dir.path().join("to_dir.csv");
            std::os::unix::fs::symlink(&sub, &to_dir).expect("symlink");
            assert_eq!(error(&to_dir), "found a directory, expected a CSV file");
        }
    }
}
