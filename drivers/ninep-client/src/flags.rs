// SPDX-License-Identifier: MIT
//! Open flags of Tlopen and Tlcreate as 9P2000.L carries them (Linux's
//! `P9_DOTL_*` values, the same on every architecture), and the flags a
//! reopen after a restart must not repeat.

/// Read only.
pub const O_RDONLY: u32 = 0o0;
/// Write only.
pub const O_WRONLY: u32 = 0o1;
/// Read and write.
pub const O_RDWR: u32 = 0o2;
/// Create if missing.
pub const O_CREAT: u32 = 0o100;
/// With `O_CREAT`: fail if it exists.
pub const O_EXCL: u32 = 0o200;
/// Truncate to length 0.
pub const O_TRUNC: u32 = 0o1000;
/// Every write appends.
pub const O_APPEND: u32 = 0o2000;
/// Must be a directory.
pub const O_DIRECTORY: u32 = 0o200_000;

/// The flags that change the file when it is opened: a
/// [`FidBook`](crate::FidBook) drops them from what it records, so that
/// reopening after a restart neither truncates nor fails on a file that
/// now exists.
pub const ONCE_ONLY: u32 = O_CREAT | O_EXCL | O_TRUNC;
