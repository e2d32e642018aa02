// SPDX-License-Identifier: MIT
//! The 9pfs protocol's message layer: a 9P2000.L wire codec, so that real
//! 9P2000.L clients (Linux v9fs, diod's tools) can talk to Bulkhead's 9pfs
//! domain. Unlike the other protocol crates this is not postcard: it is
//! the real 9P format, little-endian, each message size\[4\] type\[1\]
//! tag\[2\] then its fields; strings are len\[2\] + UTF-8, a qid is
//! type\[1\] version\[4\] path\[8\].
//!
//! Coverage (PROTOCOLS.md, 9pfs): version, attach, walk, lopen, lcreate,
//! read, write, clunk, getattr, setattr, readdir (with its directory
//! entries), mkdir, unlinkat, renameat, statfs, fsync, xattrwalk, flush,
//! each as request and response, and Rlerror; the Xen 9pfs transport's
//! per-message header ([`Header`]).
//!
//! `no_std`, no allocation: [`Frame::decode`] borrows names and data from
//! the input, enforces [`MAX_MSIZE`] (or a smaller negotiated msize) and
//! checks that the size field matches the fields exactly. Input is
//! untrusted: every malformed frame gives a [`WireError`], never a panic.
//! Left out (9P2000/9P2000.u, the optional 9P2000.L operations, server
//! semantics): see the crate's README.md.
//!
//! ```
//! use bulkhead_ninep::{Frame, MAX_MSIZE, Message, VERSION_9P2000L, errno};
//!
//! // A server answers a Tversion, and any request it cannot serve.
//! let mut buf = [0u8; 64];
//! let len = Frame::new(0xFFFF, Message::Tversion { msize: 1 << 20, version: "9P2000.L" }).encode(&mut buf)?;
//! let (request, used) = Frame::decode(&buf[..len])?;
//! assert_eq!(used, len);
//! let reply = match request.message {
//!     Message::Tversion { msize, version } => Message::Rversion {
//!         msize: msize.min(MAX_MSIZE),
//!         version: if version == VERSION_9P2000L { VERSION_9P2000L } else { "unknown" },
//!     },
//!     _ => Message::Rlerror { ecode: errno::EOPNOTSUPP },
//! };
//! let mut out = [0u8; 64];
//! let n = Frame::new(request.tag, reply).encode(&mut out)?;
//! assert_eq!(&out[..7], &[n as u8, 0, 0, 0, 101, 0xFF, 0xFF]);
//! # Ok::<(), bulkhead_ninep::WireError>(())
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod attr;
pub mod channel;
mod codec;
mod consts;
mod decode;
mod dirent;
mod encode;
pub mod errno;
mod error;
mod frame;
mod header;
mod message;
pub mod msgtype;
mod qid;

pub use attr::{SetAttr, Stat, StatFs};
pub use consts::{
    AT_REMOVEDIR, HEADER_LEN, IOHDRSZ, MAX_MSIZE, MAXWELEM, NOFID, NOTAG, VERSION_9P2000L, VERSION_UNKNOWN,
};
pub use dirent::{Dirent, DirentWriter, Dirents};
pub use error::WireError;
pub use frame::{Frame, decode};
pub use header::Header;
pub use message::{Message, WalkNames, WalkQids};
pub use qid::Qid;
