// SPDX-License-Identifier: MIT
//! The boot configuration: what the build tool validated, in the form the
//! kernel reads at boot.
//!
//! This crate owns the types of the configuration ([`model`]), their
//! versioned, checksummed postcard encoding ([`blob`]) and the layout of the
//! payload that follows the kernel in the image ([`payload`]). It holds no
//! validation of board files (that is the build tool's job) and no hardware
//! access (that is the kernel's).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod blob;
pub mod model;
pub mod payload;
#[cfg(any(test, feature = "sample"))]
pub mod sample;

pub use blob::{BlobError, HEADER_LEN, MAGIC, VERSION, decode, encode};
pub use model::*;
