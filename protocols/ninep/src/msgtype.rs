// SPDX-License-Identifier: MIT
//! The 9P2000.L message type numbers this codec carries, as in Linux's
//! `include/net/9p/9p.h`. An R-message's number is its T-message's plus one.

/// Not sent by clients; listed because its number pairs with Rlerror.
pub const TLERROR: u8 = 6;
/// Error reply to any request: a Linux errno.
pub const RLERROR: u8 = 7;
/// File system statistics.
pub const TSTATFS: u8 = 8;
/// Reply to Tstatfs.
pub const RSTATFS: u8 = 9;
/// Open a fid with Linux open flags.
pub const TLOPEN: u8 = 12;
/// Reply to Tlopen.
pub const RLOPEN: u8 = 13;
/// Create and open a regular file.
pub const TLCREATE: u8 = 14;
/// Reply to Tlcreate.
pub const RLCREATE: u8 = 15;
/// Get attributes.
pub const TGETATTR: u8 = 24;
/// Reply to Tgetattr.
pub const RGETATTR: u8 = 25;
/// Set attributes.
pub const TSETATTR: u8 = 26;
/// Reply to Tsetattr.
pub const RSETATTR: u8 = 27;
/// Open an extended attribute (or the list of them) as a fid.
pub const TXATTRWALK: u8 = 30;
/// Reply to Txattrwalk.
pub const RXATTRWALK: u8 = 31;
/// Read directory entries.
pub const TREADDIR: u8 = 40;
/// Reply to Treaddir.
pub const RREADDIR: u8 = 41;
/// Flush a file to stable storage.
pub const TFSYNC: u8 = 50;
/// Reply to Tfsync.
pub const RFSYNC: u8 = 51;
/// Create a directory.
pub const TMKDIR: u8 = 72;
/// Reply to Tmkdir.
pub const RMKDIR: u8 = 73;
/// Rename a name from one directory to another.
pub const TRENAMEAT: u8 = 74;
/// Reply to Trenameat.
pub const RRENAMEAT: u8 = 75;
/// Remove a name from a directory.
pub const TUNLINKAT: u8 = 76;
/// Reply to Tunlinkat.
pub const RUNLINKAT: u8 = 77;
/// Negotiate msize and protocol version.
pub const TVERSION: u8 = 100;
/// Reply to Tversion.
pub const RVERSION: u8 = 101;
/// Attach a fid to a file tree's root.
pub const TATTACH: u8 = 104;
/// Reply to Tattach.
pub const RATTACH: u8 = 105;
/// Abort an outstanding request.
pub const TFLUSH: u8 = 108;
/// Reply to Tflush.
pub const RFLUSH: u8 = 109;
/// Walk a fid down a path to a new fid.
pub const TWALK: u8 = 110;
/// Reply to Twalk.
pub const RWALK: u8 = 111;
/// Read from an open fid.
pub const TREAD: u8 = 116;
/// Reply to Tread.
pub const RREAD: u8 = 117;
/// Write to an open fid.
pub const TWRITE: u8 = 118;
/// Reply to Twrite.
pub const RWRITE: u8 = 119;
/// Forget a fid.
pub const TCLUNK: u8 = 120;
/// Reply to Tclunk.
pub const RCLUNK: u8 = 121;
