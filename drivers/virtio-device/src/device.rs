// SPDX-License-Identifier: MIT
//! The [`Device`] trait: what one emulated device (virtio-input, ...) gives
//! the core.
//!
//! Owns the contract only; must not hold register or queue state (the core
//! does) nor reach guest memory except through the queues it is handed.

use crate::{GuestMemory, Queues};

/// One emulated virtio device behind the virtio-mmio register file.
pub trait Device {
    /// The virtio device ID (e.g. 18 for input); 0 hides the device.
    fn device_id(&self) -> u32;

    /// The device's feature bits. The core keeps the device-specific ones
    /// (0 to 23) and ACCESS_PLATFORM (33) if set, adds VERSION_1 (32) and
    /// RING_INDIRECT_DESC (28), and drops everything else.
    fn features(&self) -> u64;

    /// The largest size of `queue`, or None if there is no such queue. The
    /// core serves at most [`crate::MAX_QUEUES`] queues of at most
    /// [`crate::MAX_QUEUE_SIZE`] entries.
    fn queue_max(&self, queue: u16) -> Option<u16>;

    /// The size in bytes of the configuration space; accesses beyond it read
    /// 0 and are ignored.
    fn config_len(&self) -> u32;

    /// Fills `out` from the configuration space at `offset` (the core has
    /// checked that the whole range is inside [`Device::config_len`]).
    fn read_config(&self, offset: u32, out: &mut [u8]);

    /// A driver write of `data` at `offset` of the configuration space
    /// (bounds-checked by the core).
    fn write_config(&mut self, offset: u32, data: &[u8]);

    /// The driver reset the device (wrote 0 to Status): forget everything
    /// the driver set up. The core has already reset the queues.
    fn reset(&mut self);

    /// The driver notified `queue`: take available chains with
    /// `queues.pop(queue, mem)` and complete them with `queues.push_used`.
    fn notify(&mut self, queue: u16, queues: &mut Queues, mem: &mut dyn GuestMemory);
}
