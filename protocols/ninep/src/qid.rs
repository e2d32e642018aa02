// SPDX-License-Identifier: MIT
//! [`Qid`]: the server's unique identity of a file, and its type bits.

/// A file's identity: type\[1\] version\[4\] path\[8\] on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Qid {
    /// Type bits (`Qid::DIR`, `Qid::SYMLINK`, ...; 0 for a plain file).
    pub kind: u8,
    /// Changes whenever the file is modified (0 if the server does not track it).
    pub version: u32,
    /// Unique among all files of the tree (an inode number, typically).
    pub path: u64,
}

impl Qid {
    /// Bytes of a qid on the wire.
    pub const LEN: usize = 13;
    /// A directory.
    pub const DIR: u8 = 0x80;
    /// An append-only file.
    pub const APPEND: u8 = 0x40;
    /// An exclusive-use file.
    pub const EXCL: u8 = 0x20;
    /// A mount point.
    pub const MOUNT: u8 = 0x10;
    /// An authentication file.
    pub const AUTH: u8 = 0x08;
    /// A non-backed-up file.
    pub const TMP: u8 = 0x04;
    /// A symbolic link.
    pub const SYMLINK: u8 = 0x02;
    /// A hard link.
    pub const LINK: u8 = 0x01;
    /// A plain file.
    pub const FILE: u8 = 0x00;

    /// Whether the qid names a directory.
    #[must_use]
    pub const fn is_dir(&self) -> bool {
        self.kind & Self::DIR != 0
    }
}
