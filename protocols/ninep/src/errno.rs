// SPDX-License-Identifier: MIT
//! Linux error numbers, as an Rlerror's `ecode` carries them. They are
//! Linux's (the generic table that arm64 and x86 share) whatever the
//! server's own platform uses, because the client is Linux v9fs or a
//! client that speaks its numbers.

/// Operation not permitted.
pub const EPERM: u32 = 1;
/// No such file or directory.
pub const ENOENT: u32 = 2;
/// I/O error.
pub const EIO: u32 = 5;
/// Bad file descriptor: an unknown or unopened fid.
pub const EBADF: u32 = 9;
/// Try again.
pub const EAGAIN: u32 = 11;
/// Out of memory (or out of server table slots).
pub const ENOMEM: u32 = 12;
/// Permission denied.
pub const EACCES: u32 = 13;
/// Device or resource busy.
pub const EBUSY: u32 = 16;
/// File exists.
pub const EEXIST: u32 = 17;
/// Cross-device link.
pub const EXDEV: u32 = 18;
/// Not a directory.
pub const ENOTDIR: u32 = 20;
/// Is a directory.
pub const EISDIR: u32 = 21;
/// Invalid argument.
pub const EINVAL: u32 = 22;
/// Too many open files.
pub const EMFILE: u32 = 24;
/// File too large.
pub const EFBIG: u32 = 27;
/// No space left on device.
pub const ENOSPC: u32 = 28;
/// Read-only file system.
pub const EROFS: u32 = 30;
/// Too many links.
pub const EMLINK: u32 = 31;
/// Result out of range (an xattr larger than the buffer).
pub const ERANGE: u32 = 34;
/// File name too long.
pub const ENAMETOOLONG: u32 = 36;
/// Function not implemented.
pub const ENOSYS: u32 = 38;
/// Directory not empty.
pub const ENOTEMPTY: u32 = 39;
/// Too many symbolic links.
pub const ELOOP: u32 = 40;
/// No data available (no such xattr: `ENOATTR`).
pub const ENODATA: u32 = 61;
/// Protocol error: a malformed or out-of-sequence message.
pub const EPROTO: u32 = 71;
/// Value too large for defined data type.
pub const EOVERFLOW: u32 = 75;
/// Message too long (a 9P message over the negotiated msize).
pub const EMSGSIZE: u32 = 90;
/// Operation not supported (also `ENOTSUP`): a message this server does not carry.
pub const EOPNOTSUPP: u32 = 95;
/// Disk quota exceeded (a client's export is full).
pub const EDQUOT: u32 = 122;

/// The symbolic name of an error number listed here.
#[must_use]
pub const fn name(ecode: u32) -> Option<&'static str> {
    Some(match ecode {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        EIO => "EIO",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        EXDEV => "EXDEV",
        ENOTDIR => "ENOTDIR",
        EISDIR => "EISDIR",
        EINVAL => "EINVAL",
        EMFILE => "EMFILE",
        EFBIG => "EFBIG",
        ENOSPC => "ENOSPC",
        EROFS => "EROFS",
        EMLINK => "EMLINK",
        ERANGE => "ERANGE",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENOSYS => "ENOSYS",
        ENOTEMPTY => "ENOTEMPTY",
        ELOOP => "ELOOP",
        ENODATA => "ENODATA",
        EPROTO => "EPROTO",
        EOVERFLOW => "EOVERFLOW",
        EMSGSIZE => "EMSGSIZE",
        EOPNOTSUPP => "EOPNOTSUPP",
        EDQUOT => "EDQUOT",
        _ => return None,
    })
}
