// SPDX-License-Identifier: MIT
//! Sample frames shared by the tests: at least one of every message type.
#![allow(dead_code, reason = "each test crate uses a part")]

use bulkhead_ninep::{
    AT_REMOVEDIR, Frame, Message, NOFID, NOTAG, Qid, SetAttr, Stat, StatFs, VERSION_9P2000L, WalkNames, WalkQids, attr,
    errno,
};

/// Number of `Message` variants.
pub const VARIANTS: usize = 37;

/// A distinct index per variant. The match has no wildcard, so a new
/// variant does not compile until it is listed here (and in `samples`).
pub fn variant_index(m: &Message<'_>) -> usize {
    match m {
        Message::Tversion { .. } => 0,
        Message::Rversion { .. } => 1,
        Message::Tattach { .. } => 2,
        Message::Rattach { .. } => 3,
        Message::Twalk { .. } => 4,
        Message::Rwalk { .. } => 5,
        Message::Tlopen { .. } => 6,
        Message::Rlopen { .. } => 7,
        Message::Tlcreate { .. } => 8,
        Message::Rlcreate { .. } => 9,
        Message::Tread { .. } => 10,
        Message::Rread { .. } => 11,
        Message::Twrite { .. } => 12,
        Message::Rwrite { .. } => 13,
        Message::Tclunk { .. } => 14,
        Message::Rclunk => 15,
        Message::Tgetattr { .. } => 16,
        Message::Rgetattr(_) => 17,
        Message::Tsetattr { .. } => 18,
        Message::Rsetattr => 19,
        Message::Treaddir { .. } => 20,
        Message::Rreaddir { .. } => 21,
        Message::Tmkdir { .. } => 22,
        Message::Rmkdir { .. } => 23,
        Message::Tunlinkat { .. } => 24,
        Message::Runlinkat => 25,
        Message::Trenameat { .. } => 26,
        Message::Rrenameat => 27,
        Message::Tstatfs { .. } => 28,
        Message::Rstatfs(_) => 29,
        Message::Tfsync { .. } => 30,
        Message::Rfsync => 31,
        Message::Txattrwalk { .. } => 32,
        Message::Rxattrwalk { .. } => 33,
        Message::Tflush { .. } => 34,
        Message::Rflush => 35,
        Message::Rlerror { .. } => 36,
    }
}

pub const DIR_QID: Qid = Qid { kind: Qid::DIR, version: 0, path: 1 };
pub const FILE_QID: Qid = Qid { kind: Qid::FILE, version: 0xDEAD_BEEF, path: 0x0123_4567_89AB_CDEF };

pub fn names(list: &[&'static str]) -> WalkNames<'static> {
    list.iter().copied().collect()
}

pub fn qids(n: usize) -> WalkQids {
    (0..n).map(|i| Qid { kind: 0, version: 0, path: i as u64 }).collect()
}

pub fn stat() -> Stat {
    Stat {
        valid: attr::GETATTR_BASIC,
        qid: FILE_QID,
        mode: 0o100_644,
        uid: 1000,
        gid: 1000,
        nlink: 1,
        rdev: 0,
        size: 12345,
        blksize: 4096,
        blocks: 32,
        atime_sec: 1_700_000_000,
        atime_nsec: 1,
        mtime_sec: 1_700_000_001,
        mtime_nsec: 2,
        ctime_sec: 1_700_000_002,
        ctime_nsec: 3,
        btime_sec: 4,
        btime_nsec: 5,
        generation: 6,
        data_version: 7,
    }
}

pub fn set_attr() -> SetAttr {
    SetAttr {
        valid: attr::SETATTR_SIZE | attr::SETATTR_MTIME | attr::SETATTR_MTIME_SET,
        mode: 0o644,
        uid: 1,
        gid: 2,
        size: 4096,
        atime_sec: u64::MAX,
        atime_nsec: 0,
        mtime_sec: 1_700_000_000,
        mtime_nsec: 999_999_999,
    }
}

pub fn statfs() -> StatFs {
    StatFs {
        fs_type: 0x0102_1997,
        bsize: 4096,
        blocks: 1 << 20,
        bfree: 1 << 19,
        bavail: 1 << 18,
        files: 65536,
        ffree: 60000,
        fsid: 42,
        namelen: 255,
    }
}

/// Every variant at least once, several with edge values.
pub fn samples() -> Vec<Frame<'static>> {
    let messages: Vec<Message<'static>> = vec![
        Message::Tversion { msize: 8192, version: VERSION_9P2000L },
        Message::Rversion { msize: 8192, version: VERSION_9P2000L },
        Message::Rversion { msize: 0, version: "unknown" },
        Message::Tattach { fid: 0, afid: NOFID, uname: "root", aname: "/share", n_uname: 0 },
        Message::Tattach { fid: u32::MAX, afid: 0, uname: "", aname: "", n_uname: u32::MAX },
        Message::Rattach { qid: DIR_QID },
        Message::Twalk { fid: 0, newfid: 1, names: names(&[]) },
        Message::Twalk { fid: 0, newfid: 1, names: names(&["usr", "share", "dokumentü"]) },
        Message::Twalk { fid: 0, newfid: 1, names: names(&["a"; 16]) },
        Message::Rwalk { qids: qids(0) },
        Message::Rwalk { qids: qids(3) },
        Message::Rwalk { qids: qids(16) },
        Message::Tlopen { fid: 1, flags: 0o2 },
        Message::Rlopen { qid: FILE_QID, iounit: 0 },
        Message::Tlcreate { fid: 1, name: "new.txt", flags: 0o101, mode: 0o644, gid: 100 },
        Message::Rlcreate { qid: FILE_QID, iounit: 8168 },
        Message::Tread { fid: 1, offset: u64::MAX, count: 8168 },
        Message::Rread { data: b"" },
        Message::Rread { data: b"hello, world\n\0\xff" },
        Message::Twrite { fid: 1, offset: 4096, data: &[0xA5; 300] },
        Message::Twrite { fid: 1, offset: 0, data: b"" },
        Message::Rwrite { count: 300 },
        Message::Tclunk { fid: 1 },
        Message::Rclunk,
        Message::Tgetattr { fid: 1, request_mask: attr::GETATTR_ALL },
        Message::Rgetattr(stat()),
        Message::Tsetattr { fid: 1, attr: set_attr() },
        Message::Rsetattr,
        Message::Treaddir { fid: 2, offset: 0, count: 4096 },
        Message::Rreaddir { data: b"" },
        Message::Rreaddir {
            data: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 0, 0],
        },
        Message::Tmkdir { dfid: 2, name: "sub", mode: 0o755, gid: 0 },
        Message::Rmkdir { qid: DIR_QID },
        Message::Tunlinkat { dirfid: 2, name: "sub", flags: AT_REMOVEDIR },
        Message::Runlinkat,
        Message::Trenameat { olddirfid: 2, oldname: "a", newdirfid: 3, newname: "b" },
        Message::Rrenameat,
        Message::Tstatfs { fid: 0 },
        Message::Rstatfs(statfs()),
        Message::Tfsync { fid: 1, datasync: 1 },
        Message::Rfsync,
        Message::Txattrwalk { fid: 1, newfid: 5, name: "user.comment" },
        Message::Txattrwalk { fid: 1, newfid: 5, name: "" },
        Message::Rxattrwalk { size: 17 },
        Message::Tflush { oldtag: 3 },
        Message::Rflush,
        Message::Rlerror { ecode: errno::ENOENT },
        Message::Rlerror { ecode: errno::EOPNOTSUPP },
    ];
    messages
        .into_iter()
        .enumerate()
        .map(|(i, message)| {
            let tag =
                if matches!(message, Message::Tversion { .. } | Message::Rversion { .. }) { NOTAG } else { i as u16 };
            Frame::new(tag, message)
        })
        .collect()
}

/// Encodes a frame into a fresh vector of exactly its length.
pub fn encode(frame: &Frame<'_>) -> Vec<u8> {
    let mut buf = vec![0; frame.encoded_len().unwrap()];
    let n = frame.encode(&mut buf).unwrap();
    assert_eq!(n, buf.len());
    buf
}
