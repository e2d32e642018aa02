// SPDX-License-Identifier: MIT
//! A single-producer, single-consumer ring of variable-size frames in a
//! shared-memory window, `no_std`, for Bulkhead channels.
//!
//! The window is memory a peer writes concurrently, so it is never a Rust
//! slice: the ring reaches it only through [`Window`], a trait of copies and
//! acquire/release index accesses whose real implementation lives in
//! `bulkhead-ring-hal` (volatile MMIO-style accesses); a host one,
//! `TestWindow` (feature `test-window`), serves the host tests of this crate
//! and of the crates built on it. This crate has no `unsafe`.
//!
//! Everything the peer writes is untrusted: its index and every frame
//! length are validated before use; a violation marks the ring broken
//! (sticky) and returns an error, never a panic and never an access outside
//! the ring. Each side keeps its own index locally and only publishes it, so
//! a peer that scribbles over our index cannot make us misbehave.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

#[cfg(feature = "bench-message")]
pub mod bench_message;
mod bulk;
mod client;
mod client_window;
mod layout;
mod link;
mod message;
mod port;
mod ring;
#[cfg(feature = "test-window")]
mod test_window;
mod window;

pub use bulk::{DataArea, DataRef};
pub use client::{Answer, ClientFailure, RequestClient};
pub use client_window::{Checked, ClientWindow};
pub use layout::{FRAME_HEADER, LayoutError, RING_HEADER, RingLayout};
pub use link::{Agreed, Hello, LINK_HEADER, Link, LinkError, SetupError, Version};
pub use message::{MessageError, Undecodable, decode};
pub use port::Port;
pub use ring::{Consumer, Corruption, Producer, RingError};
#[cfg(feature = "test-window")]
pub use test_window::TestWindow;
pub use window::Window;
