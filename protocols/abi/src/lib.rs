// SPDX-License-Identifier: MIT
//! The ABI shared by the Bulkhead kernel, the build tool and every domain.
//!
//! This crate owns the vocabulary that crosses a privilege boundary: typed
//! addresses and identifiers, hypercall numbers, error codes, capability
//! handles and exit codes. It holds no behaviour beyond checked arithmetic
//! on those types and must never depend on kernel or domain code.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

mod addr;
mod cap;
mod error;
mod exit;
pub mod hypercall;
mod id;
pub mod ioreq;

pub use addr::{Ipa, PAGE_SIZE, PhysAddr};
pub use cap::{CAP_SLOTS, Cap, CapKind, Channel, Console, Device, DmIrq, DmMemory, DmTarget, DmVram, Irq, Kept};
pub use error::Error;
pub use exit::{ExitCode, STOP_LINE_PREFIX};
pub use hypercall::{CapInfo, Hypercall};
pub use id::DomainId;
