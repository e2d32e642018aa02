// SPDX-License-Identifier: MIT
//! A writer of the cpio "newc" format (ASCII headers, `070701`), the one
//! format the Linux initramfs unpacker reads: regular files, directories,
//! symlinks and device nodes. Output is deterministic: inodes are numbered
//! in order, every mtime is 0 and every owner is root.

/// File-type bits of `st_mode`.
const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

/// A cpio archive being written.
#[derive(Default)]
pub struct Archive {
    bytes: Vec<u8>,
    next_inode: u32,
}

impl Archive {
    /// An empty archive.
    pub fn new() -> Self {
        Self { bytes: Vec::new(), next_inode: 1 }
    }

    /// A directory (`path` without a leading `/`, as in `bin`).
    pub fn dir(&mut self, path: &str, perm: u32) {
        self.entry(path, S_IFDIR | perm, 2, (0, 0), &[]);
    }

    /// A regular file.
    pub fn file(&mut self, path: &str, perm: u32, data: &[u8]) {
        self.entry(path, S_IFREG | perm, 1, (0, 0), data);
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, path: &str, target: &str) {
        self.entry(path, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes());
    }

    /// A character device node.
    pub fn char_dev(&mut self, path: &str, perm: u32, major: u32, minor: u32) {
        self.entry(path, S_IFCHR | perm, 1, (major, minor), &[]);
    }

    /// Ends the archive with its trailer and returns its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.next_inode = 0;
        self.entry("TRAILER!!!", 0, 1, (0, 0), &[]);
        self.bytes
    }

    fn entry(&mut self, name: &str, mode: u32, nlink: u32, rdev: (u32, u32), data: &[u8]) {
        let inode = self.next_inode;
        self.next_inode = self.next_inode.wrapping_add(1).max(1);
        let fields = [
            inode,
            mode,
            0, // uid
            0, // gid
            nlink,
            0, // mtime
            u32::try_from(data.len()).unwrap_or(u32::MAX),
            0, // devmajor
            0, // devminor
            rdev.0,
            rdev.1,
            u32::try_from(name.len() + 1).unwrap_or(u32::MAX),
            0, // check
        ];
        self.bytes.extend_from_slice(b"070701");
        for field in fields {
            self.bytes.extend_from_slice(format!("{field:08x}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.bytes.len().is_multiple_of(4) {
            self.bytes.push(0);
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
        self.mode & 0o170_000 == S_IFDIR
    }
    /// Whether it is a regular file.
    pub fn is_file(&self) -> bool {
        self.mode & 0o170_000 == S_IFREG
    }
    /// Whether it is a symlink.
    pub fn is_symlink(&self) -> bool {
        self.mode & 0o170_000 == S_IFLNK
    }
    /// Whether it is a character device.
    pub fn is_char_dev(&self) -> bool {
        self.mode & 0o170_000 == S_IFCHR
    }
}

/// Reads a newc archive up to its trailer; the error names the offset.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    let mut at = 0usize;
    loop {
        let header = bytes.get(at..at + 110).ok_or(format!("truncated header at offset {at}"))?;
        if &header[..6] != b"070701" {
            return Err(format!("bad magic at offset {at}"));
        }
        let field = |i: usize| {
            std::str::from_utf8(&header[6 + 8 * i..14 + 8 * i])
                .ok()
                .and_then(|s| u32::from_str_radix(s, 16).ok())
                .ok_or(format!("bad header field {i} at offset {at}"))
        };
        let (mode, size, rdev, name_len) =
            (field(1)?, field(6)? as usize, (field(9)?, field(10)?), field(11)? as usize);
        let name_start = at + 110;
        let name = bytes.get(name_start..name_start + name_len.saturating_sub(1)).ok_or("truncated name")?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| format!("name at offset {at} is not UTF-8"))?;
        let data_start = (name_start + name_len).next_multiple_of(4);
        let data = bytes.get(data_start..data_start + size).ok_or(format!("truncated data of `{name}`"))?.to_vec();
        at = (data_start + size).next_multiple_of(4);
        if name == "TRAILER!!!" {
            return Ok(entries);
        }
        entries.push(Entry { name, mode, rdev, data });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_of_every_kind() {
        let mut a = Archive::new();
        a.dir("bin", 0o755);
        a.file("bin/busybox", 0o755, b"\x7fELF...");
        a.symlink("bin/sh", "busybox");
        a.char_dev("dev/console", 0o600, 5, 1);
        let bytes = a.finish();
        assert_eq!(bytes.len() % 4, 0);
        let entries = read(&bytes).unwrap();
        assert_eq!(entries.len(), 4);
        assert!(entries[0].is_dir() && entries[0].name == "bin");
        assert!(entries[1].is_file() && entries[1].data == b"\x7fELF..." && entries[1].mode & 0o777 == 0o755);
        assert!(entries[2].is_symlink() && entries[2].data == b"busybox");
        assert!(entries[3].is_char_dev() && entries[3].rdev == (5, 1));
    }

    #[test]
    fn the_header_is_newc() {
        let mut a = Archive::new();
        a.file("init", 0o755, b"#!/bin/sh\n");
        let bytes = a.finish();
        // magic, ino 1, mode 0100755, uid, gid, nlink 1, mtime 0, size 10.
        assert!(bytes.starts_with(b"07070100000001000081ed000000000000000000000001000000000000000a"));
        assert!(bytes.windows(10).any(|w| w == b"TRAILER!!!"));
    }
}
