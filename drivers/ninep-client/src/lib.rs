// SPDX-License-Identifier: MIT
//! A client of Bulkhead's 9pfs domain for a bare-metal guest (`no_std`, no
//! allocation): speaks 9P2000.L ([`bulkhead_ninep`]) over a channel's
//! [`Link`](bulkhead_ring::Link), one message per ring frame
//! ([`bulkhead_ninep::channel`]), one request outstanding at a time.
//!
//! [`NinepClient`] negotiates the msize ([`NinepClient::version`]) and
//! makes typed calls (attach, walk, lopen, lcreate, read, write, clunk,
//! getattr, setattr, readdir, mkdir, unlinkat, renameat, statfs, fsync,
//! flush): each sends one T-message with a fresh tag and waits, through a
//! [`Port`], for the R-message with that tag. An Rlerror is
//! [`ClientError::Remote`]; every other reply is checked against the
//! request, and nothing the server sends can make the client panic.
//!
//! Every call follows the channel's epoch first. A new epoch is
//! [`ClientError::Restarted`]: the server forgot every fid. A
//! [`FidBook`] that saw the caller's attach, walks, opens and clunks
//! makes them again ([`FidBook::restore`]); what the server acknowledged
//! before the crash is there to be found. What is left out: the crate's
//! README.md.
//!
//! ```text
//! // Two msize buffers, never on a domain's stack: leaked from the heap.
//! let tx: &'static mut [u8] = Box::leak(vec![0; MAX_MSIZE as usize].into_boxed_slice());
//! let rx: &'static mut [u8] = Box::leak(vec![0; MAX_MSIZE as usize].into_boxed_slice());
//! let mut client = NinepClient::connect(&window, end.epoch(), tx, rx)?;
//! let mut book = FidBook::<8>::new();
//! client.version(&end, MAX_MSIZE)?;
//! book.attach(&mut client, &end, ROOT, "guest", "", 1000)?;
//! book.walk(&mut client, &end, ROOT, LOG, &["var", "log"])?;
//! book.lopen(&mut client, &end, LOG, flags::O_RDWR)?;
//! match client.write_all(&end, LOG, offset, bytes) {
//!     Err(ClientError::Restarted) => { book.restore(&mut client, &end, MAX_MSIZE)?; /* write again */ }
//!     r => r?,
//! }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod book;
mod client;
mod error;
pub mod flags;
mod transport;

pub use book::{FidBook, NAME_MAX, PATH_MAX, Restored};
pub use bulkhead_ring::Port;
pub use client::NinepClient;
pub use error::{BookError, ClientError};
pub use transport::{CLIENT_END, MIN_MSIZE};
