// SPDX-License-Identifier: MIT
//! The attribute records of Rgetattr ([`Stat`]), Tsetattr ([`SetAttr`]) and
//! Rstatfs ([`StatFs`]), their wire layouts, and the mask bits that say
//! which of their fields are meaningful.

use crate::codec::{Reader, Sink};
use crate::error::WireError;
use crate::qid::Qid;

/// Tgetattr `request_mask` / Rgetattr `valid`: the mode.
pub const GETATTR_MODE: u64 = 0x0001;
/// The link count.
pub const GETATTR_NLINK: u64 = 0x0002;
/// The owner.
pub const GETATTR_UID: u64 = 0x0004;
/// The group.
pub const GETATTR_GID: u64 = 0x0008;
/// The device number.
pub const GETATTR_RDEV: u64 = 0x0010;
/// The access time.
pub const GETATTR_ATIME: u64 = 0x0020;
/// The modification time.
pub const GETATTR_MTIME: u64 = 0x0040;
/// The change time.
pub const GETATTR_CTIME: u64 = 0x0080;
/// The inode number (the qid's path).
pub const GETATTR_INO: u64 = 0x0100;
/// The size.
pub const GETATTR_SIZE: u64 = 0x0200;
/// The block count.
pub const GETATTR_BLOCKS: u64 = 0x0400;
/// The birth time.
pub const GETATTR_BTIME: u64 = 0x0800;
/// The generation number.
pub const GETATTR_GEN: u64 = 0x1000;
/// The data version.
pub const GETATTR_DATA_VERSION: u64 = 0x2000;
/// Everything `stat(2)` returns (mode through blocks).
pub const GETATTR_BASIC: u64 = 0x07ff;
/// Every field.
pub const GETATTR_ALL: u64 = 0x3fff;

/// Tsetattr `valid`: set the mode.
pub const SETATTR_MODE: u32 = 1 << 0;
/// Set the owner.
pub const SETATTR_UID: u32 = 1 << 1;
/// Set the group.
pub const SETATTR_GID: u32 = 1 << 2;
/// Set the size (truncate).
pub const SETATTR_SIZE: u32 = 1 << 3;
/// Set the access time (to the server's clock unless `SETATTR_ATIME_SET`).
pub const SETATTR_ATIME: u32 = 1 << 4;
/// Set the modification time (to the server's clock unless `SETATTR_MTIME_SET`).
pub const SETATTR_MTIME: u32 = 1 << 5;
/// Set the change time.
pub const SETATTR_CTIME: u32 = 1 << 6;
/// The access time is the one given.
pub const SETATTR_ATIME_SET: u32 = 1 << 7;
/// The modification time is the one given.
pub const SETATTR_MTIME_SET: u32 = 1 << 8;

/// Rgetattr's body: a file's attributes (Linux `struct p9_stat_dotl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stat {
    /// Which fields are meaningful (`GETATTR_*` bits).
    pub valid: u64,
    /// The file's qid.
    pub qid: Qid,
    /// Mode: permission and file-type bits.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Link count.
    pub nlink: u64,
    /// Device number (special files).
    pub rdev: u64,
    /// Size in bytes.
    pub size: u64,
    /// Preferred I/O block size.
    pub blksize: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    /// Access time, seconds.
    pub atime_sec: u64,
    /// Access time, nanoseconds.
    pub atime_nsec: u64,
    /// Modification time, seconds.
    pub mtime_sec: u64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: u64,
    /// Change time, seconds.
    pub ctime_sec: u64,
    /// Change time, nanoseconds.
    pub ctime_nsec: u64,
    /// Birth time, seconds (reserved).
    pub btime_sec: u64,
    /// Birth time, nanoseconds (reserved).
    pub btime_nsec: u64,
    /// Generation number (reserved; `gen` in Linux).
    pub generation: u64,
    /// Data version (reserved).
    pub data_version: u64,
}

impl Stat {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Self {
            valid: r.u64()?,
            qid: r.qid()?,
            mode: r.u32()?,
            uid: r.u32()?,
            gid: r.u32()?,
            nlink: r.u64()?,
            rdev: r.u64()?,
            size: r.u64()?,
            blksize: r.u64()?,
            blocks: r.u64()?,
            atime_sec: r.u64()?,
            atime_nsec: r.u64()?,
            mtime_sec: r.u64()?,
            mtime_nsec: r.u64()?,
            ctime_sec: r.u64()?,
            ctime_nsec: r.u64()?,
            btime_sec: r.u64()?,
            btime_nsec: r.u64()?,
            generation: r.u64()?,
            data_version: r.u64()?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, w: &mut S) -> Result<(), WireError> {
        w.u64(self.valid)?;
        w.qid(&self.qid)?;
        w.u32(self.mode)?;
        w.u32(self.uid)?;
        w.u32(self.gid)?;
        for v in [
            self.nlink,
            self.rdev,
            self.size,
            self.blksize,
            self.blocks,
            self.atime_sec,
            self.atime_nsec,
            self.mtime_sec,
            self.mtime_nsec,
            self.ctime_sec,
            self.ctime_nsec,
            self.btime_sec,
            self.btime_nsec,
            self.generation,
            self.data_version,
        ] {
            w.u64(v)?;
        }
        Ok(())
    }
}

/// Tsetattr's attributes (Linux `struct p9_iattr_dotl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SetAttr {
    /// Which fields to set (`SETATTR_*` bits).
    pub valid: u32,
    /// New mode.
    pub mode: u32,
    /// New owner.
    pub uid: u32,
    /// New group.
    pub gid: u32,
    /// New size.
    pub size: u64,
    /// New access time, seconds.
    pub atime_sec: u64,
    /// New access time, nanoseconds.
    pub atime_nsec: u64,
    /// New modification time, seconds.
    pub mtime_sec: u64,
    /// New modification time, nanoseconds.
    pub mtime_nsec: u64,
}

impl SetAttr {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Self {
            valid: r.u32()?,
            mode: r.u32()?,
            uid: r.u32()?,
            gid: r.u32()?,
            size: r.u64()?,
            atime_sec: r.u64()?,
            atime_nsec: r.u64()?,
            mtime_sec: r.u64()?,
            mtime_nsec: r.u64()?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, w: &mut S) -> Result<(), WireError> {
        w.u32(self.valid)?;
        w.u32(self.mode)?;
        w.u32(self.uid)?;
        w.u32(self.gid)?;
        w.u64(self.size)?;
        w.u64(self.atime_sec)?;
        w.u64(self.atime_nsec)?;
        w.u64(self.mtime_sec)?;
        w.u64(self.mtime_nsec)
    }
}

/// Rstatfs's body: file system statistics (Linux `struct p9_rstatfs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StatFs {
    /// File system type (a `statfs(2)` magic number).
    pub fs_type: u32,
    /// Block size.
    pub bsize: u32,
    /// Total blocks.
    pub blocks: u64,
    /// Free blocks.
    pub bfree: u64,
    /// Free blocks available to unprivileged users.
    pub bavail: u64,
    /// Total file nodes.
    pub files: u64,
    /// Free file nodes.
    pub ffree: u64,
    /// File system id.
    pub fsid: u64,
    /// Longest file name.
    pub namelen: u32,
}

impl StatFs {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Self {
            fs_type: r.u32()?,
            bsize: r.u32()?,
            blocks: r.u64()?,
            bfree: r.u64()?,
            bavail: r.u64()?,
            files: r.u64()?,
            ffree: r.u64()?,
            fsid: r.u64()?,
            namelen: r.u32()?,
        })
    }

    pub(crate) fn write<S: Sink>(&self, w: &mut S) -> Result<(), WireError> {
        w.u32(self.fs_type)?;
        w.u32(self.bsize)?;
        w.u64(self.blocks)?;
        w.u64(self.bfree)?;
        w.u64(self.bavail)?;
        w.u64(self.files)?;
        w.u64(self.ffree)?;
        w.u64(self.fsid)?;
        w.u32(self.namelen)
    }
}
