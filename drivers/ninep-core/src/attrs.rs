// SPDX-License-Identifier: MIT
//! How a FAT entry reads as 9P2000.L attributes, honestly:
//! - **type and mode**: a directory is `S_IFDIR | 0755`, a file
//!   `S_IFREG | 0644`; FAT's read-only attribute, or a read-only export,
//!   clears the write bits. FAT stores no other permission.
//! - **owner**: uid and gid 0; FAT stores no owner.
//! - **times**: FAT's modification time (2-second resolution) as mtime,
//!   atime and ctime; FAT's access date and creation time are not read.
//! - **links**: 1 (2 for a directory); **blocks**: 512-byte blocks of the
//!   size; **qid.path**: where the entry's directory entry lies (the
//!   root is 0), unique while the entry exists.
//!
//! Owns that mapping; must not touch the volume.

use crate::store::Node;
use bulkhead_ninep::attr::GETATTR_BASIC;
use bulkhead_ninep::{Qid, Stat};
use embedded_sdmmc::Timestamp;

/// `S_IFDIR`.
pub const S_IFDIR: u32 = 0o040_000;
/// `S_IFREG`.
pub const S_IFREG: u32 = 0o100_000;

/// The entry's qid.
#[must_use]
pub fn qid(node: &Node) -> Qid {
    Qid { kind: if node.is_dir { Qid::DIR } else { Qid::FILE }, version: 0, path: node.id }
}

/// The mode the entry reads with, on an export that is `writable` or not.
#[must_use]
pub fn mode(node: &Node, writable: bool) -> u32 {
    let (kind, perm) = if node.is_dir { (S_IFDIR, 0o755) } else { (S_IFREG, 0o644) };
    let perm = if writable && !node.read_only { perm } else { perm & !0o222 };
    kind | perm
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A FAT timestamp as seconds since the Unix epoch.
#[must_use]
pub fn unix_seconds(t: &Timestamp) -> u64 {
    let days = days_from_civil(
        1970 + i64::from(t.year_since_1970),
        i64::from(t.zero_indexed_month) + 1,
        i64::from(t.zero_indexed_day) + 1,
    );
    let secs = days * 86_400 + i64::from(t.hours) * 3600 + i64::from(t.minutes) * 60 + i64::from(t.seconds);
    u64::try_from(secs).unwrap_or(0)
}

/// Rgetattr's body for the entry.
#[must_use]
pub fn stat(node: &Node, writable: bool) -> Stat {
    let time = unix_seconds(&node.mtime);
    let size = u64::from(node.size);
    Stat {
        valid: GETATTR_BASIC,
        qid: qid(node),
        mode: mode(node, writable),
        uid: 0,
        gid: 0,
        nlink: if node.is_dir { 2 } else { 1 },
        rdev: 0,
        size,
        blksize: 512,
        blocks: size.div_ceil(512),
        atime_sec: time,
        atime_nsec: 0,
        mtime_sec: time,
        mtime_nsec: 0,
        ctime_sec: time,
        ctime_nsec: 0,
        btime_sec: 0,
        btime_nsec: 0,
        generation: 0,
        data_version: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use embedded_sdmmc::ShortFileName;

    fn node(is_dir: bool, read_only: bool) -> Node {
        let mtime = Timestamp {
            year_since_1970: 56,
            zero_indexed_month: 11,
            zero_indexed_day: 2,
            hours: 6,
            minutes: 30,
            seconds: 10,
        };
        Node { name: ShortFileName::this_dir(), is_dir, size: 1000, read_only, mtime, id: 7 }
    }

    #[test]
    fn modes_follow_the_kind_the_attribute_and_the_export() {
        assert_eq!(mode(&node(true, false), true), 0o040_755);
        assert_eq!(mode(&node(false, false), true), 0o100_644);
        assert_eq!(mode(&node(false, true), true), 0o100_444);
        assert_eq!(mode(&node(false, false), false), 0o100_444);
        assert_eq!(mode(&node(true, false), false), 0o040_555);
        assert!(qid(&node(true, false)).is_dir() && !qid(&node(false, false)).is_dir());
    }

    #[test]
    fn fat_times_become_unix_seconds() {
        // 2026-12-03 06:30:10 UTC.
        assert_eq!(unix_seconds(&node(false, false).mtime), 1_796_279_410);
        let epoch = Timestamp {
            year_since_1970: 0,
            zero_indexed_month: 0,
            zero_indexed_day: 0,
            hours: 0,
            minutes: 0,
            seconds: 0,
        };
        assert_eq!(unix_seconds(&epoch), 0);
        let s = stat(&node(false, false), true);
        assert_eq!((s.size, s.blocks, s.nlink, s.mtime_sec), (1000, 2, 1, 1_796_279_410));
    }
}
