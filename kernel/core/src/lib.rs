// SPDX-License-Identifier: MIT
//! The Bulkhead kernel's logic that needs no hardware: it runs on the host
//! under `cargo test` exactly as it runs at EL2.
//!
//! This crate owns the decisions of boot (what the firmware's device tree
//! says, whether it agrees with the image's configuration, what the banner
//! reports). It must never touch a register or a raw pointer: the arch layer
//! (`kernel/aarch64`) reads the hardware and hands this crate plain data.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod banner;
pub mod boot_error;
pub mod crosscheck;
pub mod platform;

pub use banner::Banner;
pub use boot_error::BootError;
pub use crosscheck::cross_check;
pub use platform::{PlatformFacts, read_platform};
