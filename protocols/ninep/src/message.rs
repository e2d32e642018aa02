// SPDX-License-Identifier: MIT
//! [`Message`]: every 9P2000.L request (T) and response (R) this codec
//! carries, with its fields; strings and data borrow from the received
//! frame.

use crate::attr::{SetAttr, Stat, StatFs};
use crate::consts::MAXWELEM;
use crate::msgtype as t;
use crate::qid::Qid;

/// The names of a Twalk (at most [`MAXWELEM`]).
pub type WalkNames<'a> = heapless::Vec<&'a str, MAXWELEM>;

/// The qids of an Rwalk (at most [`MAXWELEM`]).
pub type WalkQids = heapless::Vec<Qid, MAXWELEM>;

/// A 9P2000.L message body. Field names follow the 9P2000.L documentation
/// (diod's `protocol.md`) and Linux's `net/9p/client.c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// version: msize\[4\] version\[s\]. Sent with tag [`NOTAG`](crate::NOTAG).
    Tversion {
        /// Largest message the client will send or receive.
        msize: u32,
        /// Protocol version the client offers ("9P2000.L").
        version: &'a str,
    },
    /// msize\[4\] version\[s\].
    Rversion {
        /// Largest message (at most the client's).
        msize: u32,
        /// Version chosen, or "unknown".
        version: &'a str,
    },
    /// attach: fid\[4\] afid\[4\] uname\[s\] aname\[s\] n_uname\[4\].
    Tattach {
        /// New fid for the tree's root.
        fid: u32,
        /// Authentication fid ([`NOFID`](crate::NOFID): none).
        afid: u32,
        /// User name.
        uname: &'a str,
        /// Tree to attach.
        aname: &'a str,
        /// Numeric user id.
        n_uname: u32,
    },
    /// qid\[13\].
    Rattach {
        /// The root's qid.
        qid: Qid,
    },
    /// walk: fid\[4\] newfid\[4\] nwname\[2\] nwname*(wname\[s\]).
    Twalk {
        /// Starting fid.
        fid: u32,
        /// Fid for the result (may equal `fid`).
        newfid: u32,
        /// Path elements (none: clone `fid`).
        names: WalkNames<'a>,
    },
    /// nwqid\[2\] nwqid*(qid\[13\]).
    Rwalk {
        /// One qid per element walked (fewer than asked: the walk stopped).
        qids: WalkQids,
    },
    /// lopen: fid\[4\] flags\[4\].
    Tlopen {
        /// Fid to open.
        fid: u32,
        /// Linux open flags.
        flags: u32,
    },
    /// qid\[13\] iounit\[4\].
    Rlopen {
        /// The file's qid.
        qid: Qid,
        /// Largest I/O that is atomic (0: msize - IOHDRSZ).
        iounit: u32,
    },
    /// lcreate: fid\[4\] name\[s\] flags\[4\] mode\[4\] gid\[4\].
    Tlcreate {
        /// Directory fid; becomes the new open file.
        fid: u32,
        /// New file's name.
        name: &'a str,
        /// Linux open flags.
        flags: u32,
        /// Permission bits.
        mode: u32,
        /// Group.
        gid: u32,
    },
    /// qid\[13\] iounit\[4\].
    Rlcreate {
        /// The new file's qid.
        qid: Qid,
        /// As in Rlopen.
        iounit: u32,
    },
    /// read: fid\[4\] offset\[8\] count\[4\].
    Tread {
        /// Open fid.
        fid: u32,
        /// Byte offset.
        offset: u64,
        /// Most bytes wanted.
        count: u32,
    },
    /// count\[4\] data\[count\].
    Rread {
        /// Bytes read.
        data: &'a [u8],
    },
    /// write: fid\[4\] offset\[8\] count\[4\] data\[count\].
    Twrite {
        /// Open fid.
        fid: u32,
        /// Byte offset.
        offset: u64,
        /// Bytes to write.
        data: &'a [u8],
    },
    /// count\[4\].
    Rwrite {
        /// Bytes written.
        count: u32,
    },
    /// clunk: fid\[4\].
    Tclunk {
        /// Fid to forget.
        fid: u32,
    },
    /// (empty).
    Rclunk,
    /// getattr: fid\[4\] request_mask\[8\].
    Tgetattr {
        /// Fid.
        fid: u32,
        /// Fields wanted (`GETATTR_*` bits).
        request_mask: u64,
    },
    /// valid\[8\] qid\[13\] mode\[4\] uid\[4\] gid\[4\] nlink\[8\] rdev\[8\] size\[8\]
    /// blksize\[8\] blocks\[8\] atime_sec\[8\] atime_nsec\[8\] mtime_sec\[8\]
    /// mtime_nsec\[8\] ctime_sec\[8\] ctime_nsec\[8\] btime_sec\[8\] btime_nsec\[8\]
    /// gen\[8\] data_version\[8\].
    Rgetattr(Stat),
    /// setattr: fid\[4\] valid\[4\] mode\[4\] uid\[4\] gid\[4\] size\[8\]
    /// atime_sec\[8\] atime_nsec\[8\] mtime_sec\[8\] mtime_nsec\[8\].
    Tsetattr {
        /// Fid.
        fid: u32,
        /// What to set.
        attr: SetAttr,
    },
    /// (empty).
    Rsetattr,
    /// readdir: fid\[4\] offset\[8\] count\[4\].
    Treaddir {
        /// Open directory fid.
        fid: u32,
        /// Offset of a previous entry (0: from the start).
        offset: u64,
        /// Most bytes of entries wanted.
        count: u32,
    },
    /// count\[4\] data\[count\]: packed directory entries (see [`Dirents`](crate::Dirents)).
    Rreaddir {
        /// Encoded entries.
        data: &'a [u8],
    },
    /// mkdir: dfid\[4\] name\[s\] mode\[4\] gid\[4\].
    Tmkdir {
        /// Parent directory fid.
        dfid: u32,
        /// New directory's name.
        name: &'a str,
        /// Permission bits.
        mode: u32,
        /// Group.
        gid: u32,
    },
    /// qid\[13\].
    Rmkdir {
        /// The new directory's qid.
        qid: Qid,
    },
    /// unlinkat: dirfid\[4\] name\[s\] flags\[4\].
    Tunlinkat {
        /// Directory fid.
        dirfid: u32,
        /// Name to remove.
        name: &'a str,
        /// 0, or [`AT_REMOVEDIR`](crate::AT_REMOVEDIR).
        flags: u32,
    },
    /// (empty).
    Runlinkat,
    /// renameat: olddirfid\[4\] oldname\[s\] newdirfid\[4\] newname\[s\].
    Trenameat {
        /// Source directory fid.
        olddirfid: u32,
        /// Source name.
        oldname: &'a str,
        /// Target directory fid.
        newdirfid: u32,
        /// Target name.
        newname: &'a str,
    },
    /// (empty).
    Rrenameat,
    /// statfs: fid\[4\].
    Tstatfs {
        /// Any fid in the file system.
        fid: u32,
    },
    /// type\[4\] bsize\[4\] blocks\[8\] bfree\[8\] bavail\[8\] files\[8\] ffree\[8\]
    /// fsid\[8\] namelen\[4\].
    Rstatfs(StatFs),
    /// fsync: fid\[4\] datasync\[4\].
    Tfsync {
        /// Open fid.
        fid: u32,
        /// Nonzero: data only (`fdatasync`).
        datasync: u32,
    },
    /// (empty).
    Rfsync,
    /// xattrwalk: fid\[4\] newfid\[4\] name\[s\].
    Txattrwalk {
        /// File fid.
        fid: u32,
        /// Fid through which the attribute's value is read.
        newfid: u32,
        /// Attribute name (empty: the list of names).
        name: &'a str,
    },
    /// size\[8\].
    Rxattrwalk {
        /// Bytes of the attribute's value.
        size: u64,
    },
    /// flush: oldtag\[2\].
    Tflush {
        /// Tag of the request to abort.
        oldtag: u16,
    },
    /// (empty).
    Rflush,
    /// lerror: ecode\[4\]. The error reply to any request.
    Rlerror {
        /// Linux errno (see [`errno`](crate::errno)).
        ecode: u32,
    },
}

impl Message<'_> {
    /// The message's type number.
    #[must_use]
    pub const fn kind(&self) -> u8 {
        match self {
            Self::Tversion { .. } => t::TVERSION,
            Self::Rversion { .. } => t::RVERSION,
            Self::Tattach { .. } => t::TATTACH,
            Self::Rattach { .. } => t::RATTACH,
            Self::Twalk { .. } => t::TWALK,
            Self::Rwalk { .. } => t::RWALK,
            Self::Tlopen { .. } => t::TLOPEN,
            Self::Rlopen { .. } => t::RLOPEN,
            Self::Tlcreate { .. } => t::TLCREATE,
            Self::Rlcreate { .. } => t::RLCREATE,
            Self::Tread { .. } => t::TREAD,
            Self::Rread { .. } => t::RREAD,
            Self::Twrite { .. } => t::TWRITE,
            Self::Rwrite { .. } => t::RWRITE,
            Self::Tclunk { .. } => t::TCLUNK,
            Self::Rclunk => t::RCLUNK,
            Self::Tgetattr { .. } => t::TGETATTR,
            Self::Rgetattr(_) => t::RGETATTR,
            Self::Tsetattr { .. } => t::TSETATTR,
            Self::Rsetattr => t::RSETATTR,
            Self::Treaddir { .. } => t::TREADDIR,
            Self::Rreaddir { .. } => t::RREADDIR,
            Self::Tmkdir { .. } => t::TMKDIR,
            Self::Rmkdir { .. } => t::RMKDIR,
            Self::Tunlinkat { .. } => t::TUNLINKAT,
            Self::Runlinkat => t::RUNLINKAT,
            Self::Trenameat { .. } => t::TRENAMEAT,
            Self::Rrenameat => t::RRENAMEAT,
            Self::Tstatfs { .. } => t::TSTATFS,
            Self::Rstatfs(_) => t::RSTATFS,
            Self::Tfsync { .. } => t::TFSYNC,
            Self::Rfsync => t::RFSYNC,
            Self::Txattrwalk { .. } => t::TXATTRWALK,
            Self::Rxattrwalk { .. } => t::RXATTRWALK,
            Self::Tflush { .. } => t::TFLUSH,
            Self::Rflush => t::RFLUSH,
            Self::Rlerror { .. } => t::RLERROR,
        }
    }

    /// Whether this is a request (T-message): T types are even, R types odd.
    #[must_use]
    pub const fn is_request(&self) -> bool {
        self.kind().is_multiple_of(2)
    }
}
