// SPDX-License-Identifier: MIT
//! Protocol constants: sizes, the special tag and fid, version strings, and
//! the flag values the carried messages use.

/// Bytes in the 9P header: size\[4\] type\[1\] tag\[2\].
pub const HEADER_LEN: usize = 7;

/// The largest message (header included) this codec encodes or decodes,
/// unless a smaller negotiated msize is passed in. A server answers a
/// Tversion asking for more with this value in its Rversion; Linux v9fs
/// and diod accept a smaller msize from the server.
pub const MAX_MSIZE: u32 = 64 * 1024;

/// Bytes of an Rread's (or Twrite's) framing before its data:
/// header, then count\[4\] (Twrite: fid\[4\] offset\[8\] count\[4\]).
/// `msize - IOHDRSZ` is the most data one message can carry.
pub const IOHDRSZ: u32 = 24;

/// Most names in a Twalk and qids in an Rwalk.
pub const MAXWELEM: usize = 16;

/// The tag of a Tversion/Rversion (no other message may use it).
pub const NOTAG: u16 = 0xFFFF;

/// "No fid": Tattach's `afid` when there is no authentication.
pub const NOFID: u32 = 0xFFFF_FFFF;

/// The protocol version string this codec speaks.
pub const VERSION_9P2000L: &str = "9P2000.L";

/// The version string a server answers with when it speaks none of the
/// versions the client offered.
pub const VERSION_UNKNOWN: &str = "unknown";

/// Tunlinkat flag: remove a directory (Linux `AT_REMOVEDIR`).
pub const AT_REMOVEDIR: u32 = 0x200;
