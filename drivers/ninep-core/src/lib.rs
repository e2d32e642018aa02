// SPDX-License-Identifier: MIT
//! The 9pfs driver domain's logic, host-tested: a 9P2000.L server
//! ([`Server`]) over a FAT32 volume on a block device ([`Store`], through
//! `embedded-sdmmc`), each client confined to its export with its rights
//! and quotas ([`Export`], from the board file), and the transport that
//! carries one 9P message per ring frame on each client's channel
//! ([`Connection`]).
//!
//! No unsafe; the device comes in through the [`Disk`] trait, which the
//! domain implements over virtio-blk and the tests over memory.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod attrs;
pub mod cache;
pub mod exports;
pub mod fids;
pub mod server;
pub mod store;
pub mod transport;

pub use cache::Cached;
pub use exports::{Export, ExportError, MAX_CLIENTS};
pub use server::{Counts, Server, StartError, Usage};
pub use store::{Disk, Node, Store, StoreError};
pub use transport::{Connection, Served};
