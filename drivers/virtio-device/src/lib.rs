// SPDX-License-Identifier: MIT
//! The device side of virtio for the device-model domain: the virtio-mmio
//! version 2 register file, feature negotiation, split virtqueues with
//! descriptor-chain validation, the used ring and the interrupt status,
//! over a checked guest-memory interface. `no_std`, no `alloc`, so all of
//! it runs on the host.
//!
//! Owns the transport and the rings; must not emulate any particular
//! device (a [`Device`] does), raise interrupts (the domain reads
//! [`MmioDevice::interrupt_pending`]) nor map guest memory (the domain
//! implements [`GuestMemory`]).
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

#[cfg(feature = "testing")]
extern crate std;

mod chain;
mod config;
mod device;
pub mod features;
mod memory;
mod mmio;
mod queue;
pub mod regs;
pub mod saved;
#[cfg(feature = "testing")]
pub mod testing;
mod walk;

pub use chain::{Chain, ChainError, MAX_SEGMENTS, Segment};
pub use device::Device;
pub use memory::{GuestMemory, MemoryError};
pub use mmio::{MmioDevice, RestoreError};
pub use queue::{MAX_QUEUE_SIZE, MAX_QUEUES, QueueInfo, Queues};
