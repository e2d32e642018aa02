// SPDX-License-Identifier: MIT
//! The initramfs archive: cpio "newc" (ASCII headers, `070701`), the one
//! format the Linux initramfs unpacker reads, written and read with the
//! `cpio` crate: regular files, directories, symlinks and device nodes.
//!
//! This module owns what makes the output deterministic, which the crate
//! leaves to its caller: inodes are numbered in order from 1, every mtime
//! is 0 and every owner is root, so the same entries give the same bytes.

use cpio::newc::{Builder, Reader, trailer};
use std::io::{Read, Write};

/// File-type bits of `st_mode`.
const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

/// A cpio archive being written.
pub struct Archive {
    bytes: Vec<u8>,
    next_inode: u32,
    error: Option<String>,
}

impl Default for Archive {
    fn default() -> Self {
        Self::new()
    }
}

impl Archive {
    /// An empty archive.
    pub fn new() -> Self {
        Self { bytes: Vec::new(), next_inode: 1, error: None }
    }

    /// A directory (`path` without a leading `/`, as in `bin`).
    pub fn dir(&mut self, path: &str, perm: u32) {
        self.entry(Builder::new(path).mode(S_IFDIR | perm).nlink(2), &[]);
    }

    /// A regular file.
    pub fn file(&mut self, path: &str, perm: u32, data: &[u8]) {
        self.entry(Builder::new(path).mode(S_IFREG | perm), data);
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, path: &str, target: &str) {
        self.entry(Builder::new(path).mode(S_IFLNK | 0o777), target.as_bytes());
    }

    /// A character device node.
    pub fn char_dev(&mut self, path: &str, perm: u32, major: u32, minor: u32) {
        self.entry(Builder::new(path).mode(S_IFCHR | perm).rdev_major(major).rdev_minor(minor), &[]);
    }

    /// Ends the archive with its trailer and returns its bytes, or the
    /// first entry that could not be written (a file of 4 GiB or more).
    pub fn finish(self) -> Result<Vec<u8>, String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        trailer(self.bytes).map_err(|e| format!("cpio trailer: {e}"))
    }

    /// Appends one entry: `builder` with this archive's inode, owner and
    /// mtime (root, 0), then `data`.
    fn entry(&mut self, builder: Builder, data: &[u8]) {
        let inode = self.next_inode;
        self.next_inode = self.next_inode.wrapping_add(1).max(1);
        let builder = builder.ino(inode).uid(0).gid(0).mtime(0);
        let result = u32::try_from(data.len()).map_err(|_| "is 4 GiB or more".to_owned()).and_then(|size| {
            let mut writer = builder.write(std::mem::take(&mut self.bytes), size);
            writer.write_all(data).map_err(|e| e.to_string())?;
            writer.finish().map_err(|e| e.to_string())
        });
        match result {
            Ok(bytes) => self.bytes = bytes,
            Err(e) => {
                self.error.get_or_insert(format!("cpio entry #{inode}: {e}"));
            }
        }
    }
}

/// One entry read back (for tests and checks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path.
    pub name: String,
    /// `st_mode`.
    pub mode: u32,
    /// Device numbers of a device node.
    pub rdev: (u32, u32),
    /// File contents or link target.
    pub data: Vec<u8>,
}

impl Entry {
    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
    /// Whether it is a regular file.
    pub fn is_file(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }
    /// Whether it is a symlink.
    pub fn is_symlink(&self) -> bool {
        self.mode & S_IFMT == S_IFLNK
    }
    /// Whether it is a character device.
    pub fn is_char_dev(&self) -> bool {
        self.mode & S_IFMT == S_IFCHR
    }
}

/// Reads a newc archive up to its trailer; the error names the offset.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    loop {
        let at = bytes.len() - rest.len();
        let mut reader = Reader::new(rest).map_err(|e| format!("bad entry at offset {at}: {e}"))?;
        let header = reader.entry();
        if header.is_trailer() {
            return Ok(entries);
        }
        let (name, mode, rdev) = (header.name().to_owned(), header.mode(), (header.rdev_major(), header.rdev_minor()));
        let mut data = Vec::new();
        reader.read_to_end(&mut data).map_err(|e| format!("truncated data of `{name}`: {e}"))?;
        rest = reader.finish().map_err(|e| format!("after `{name}`: {e}"))?;
        entries.push(Entry { name, mode, rdev, data });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut a = Archive::new();
        a.dir("bin", 0o755);
        a.file("bin/busybox", 0o755, b"\x7fELF...");
        a.symlink("bin/sh", "busybox");
        a.char_dev("dev/console", 0o600, 5, 1);
        a.file("init", 0o755, b"#!/bin/sh\nexec sh\n");
        a.finish().unwrap()
    }

    #[test]
    fn round_trip_of_every_kind() {
        let bytes = sample();
        assert_eq!(bytes.len() % 4, 0);
        let entries = read(&bytes).unwrap();
        assert_eq!(entries.len(), 5);
        assert!(entries[0].is_dir() && entries[0].name == "bin");
        assert!(entries[1].is_file() && entries[1].data == b"\x7fELF..." && entries[1].mode & 0o777 == 0o755);
        assert!(entries[2].is_symlink() && entries[2].data == b"busybox");
        assert!(entries[3].is_char_dev() && entries[3].rdev == (5, 1));
        assert_eq!(
            entries[4],
            Entry { name: "init".into(), mode: 0o100_755, rdev: (0, 0), data: b"#!/bin/sh\nexec sh\n".to_vec() }
        );
    }

    #[test]
    fn the_same_entries_give_the_same_bytes() {
        let bytes = sample();
        assert_eq!(bytes, sample());
        assert_eq!(bytes.len(), 760);
        // Inode 1, mode 040755, owner root, nlink 2, mtime 0, whatever the host.
        assert!(bytes.starts_with(b"07070100000001000041ed000000000000000000000002000000000000000000"));
        assert!(bytes.windows(10).any(|w| w == b"TRAILER!!!"));
    }

    #[test]
    fn the_header_is_newc() {
        let mut a = Archive::new();
        a.file("init", 0o755, b"#!/bin/sh\n");
        let bytes = a.finish().unwrap();
        // magic, ino 1, mode 0100755, uid, gid, nlink 1, mtime 0, size 10.
        assert!(bytes.starts_with(b"07070100000001000081ed000000000000000000000001000000000000000a"));
        assert!(bytes.windows(10).any(|w| w == b"TRAILER!!!"));
    }

    #[test]
    fn damage_is_reported_with_its_offset() {
        let mut bytes = sample();
        bytes[0] = b'X';
        assert!(read(&bytes).unwrap_err().starts_with("bad entry at offset 0:"));
        let bytes = sample();
        assert!(read(&bytes[..200]).is_err());
    }
}
