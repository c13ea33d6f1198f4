//! The bytes of one data file, memory-mapped rather than copied: the loader reads each file once,
//! front to back, so mapping the page cache saves the copy into a fresh buffer and the faults that
//! zero it (about a third of the system time of a load on the benchmark data set). The only
//! `unsafe` of the loader.

use memmap2::Mmap;
use std::fs::File;
use std::io;
use std::ops::Deref;
use std::path::Path;

/// A whole file's bytes, mapped (or read, when it is empty).
pub(crate) struct FileBytes(Inner);

enum Inner {
    Mapped(Mmap),
    Empty,
}

impl FileBytes {
    /// Maps the file at `path` read-only.
    pub fn open(path: &Path) -> io::Result<FileBytes> {
        let file = File::open(path)?;
        if file.metadata()?.len() == 0 {
            // Some systems refuse to map zero bytes.
            return Ok(FileBytes(Inner::Empty));
        }
        // SAFETY: a mapping is only sound while no one changes the file. postsale never writes
        // its data files, and keeps the mapping only while it parses the file (a few hundred
        // milliseconds at most), then drops it; a file truncated by another program in that
        // window would stop the process with SIGBUS rather than be misread, the same trade every
        // mapping reader (ripgrep, git) makes.
        let map = unsafe { Mmap::map(&file)? };
        Ok(FileBytes(Inner::Mapped(map)))
    }
}

impl Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Mapped(map) => map,
            Inner::Empty => &[],
        }
    }
}
