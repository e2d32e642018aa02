// SPDX-License-Identifier: MIT
//! The target's RAM as the virtio devices reach it: every access goes
//! through `domain_rt::dm::TargetMemory`, which checks it against the
//! target's one RAM region and copies.
//!
//! Owns only the adaptation; must not decide what an address means.

use bulkhead_virtio_device::{GuestMemory, MemoryError};
use domain_rt::dm::TargetMemory;

/// The target's RAM.
pub struct Guest(pub TargetMemory);

impl GuestMemory for Guest {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), MemoryError> {
        self.0.read(addr, out).map_err(|_| MemoryError)
    }
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        self.0.write(addr, data).map_err(|_| MemoryError)
    }
}
