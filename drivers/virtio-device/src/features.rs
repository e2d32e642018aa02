// SPDX-License-Identifier: MIT
//! The feature bits and device status bits this core knows, and which
//! features it offers.
//!
//! Owns the offer (what a [`crate::Device`] may ask for, what the core adds)
//! and the acceptance check; must not touch registers or queues.

/// VIRTIO_F_RING_INDIRECT_DESC: indirect descriptor tables (offered by the core).
pub const VIRTIO_F_RING_INDIRECT_DESC: u64 = 1 << 28;
/// VIRTIO_F_RING_EVENT_IDX: never offered.
pub const VIRTIO_F_RING_EVENT_IDX: u64 = 1 << 29;
/// VIRTIO_F_VERSION_1: mandatory, offered by the core; a driver that does
/// not accept it is refused.
pub const VIRTIO_F_VERSION_1: u64 = 1 << 32;
/// VIRTIO_F_ACCESS_PLATFORM: offered only if the device asks for it.
pub const VIRTIO_F_ACCESS_PLATFORM: u64 = 1 << 33;
/// VIRTIO_F_RING_PACKED: never offered.
pub const VIRTIO_F_RING_PACKED: u64 = 1 << 34;

/// The device-type-specific feature bits (0 to 23) a device may offer.
const DEVICE_SPECIFIC: u64 = (1 << 24) - 1;

/// Device status: the guest noticed the device.
pub const STATUS_ACKNOWLEDGE: u32 = 1;
/// Device status: the guest has a driver for it.
pub const STATUS_DRIVER: u32 = 2;
/// Device status: the driver is set up and ready.
pub const STATUS_DRIVER_OK: u32 = 4;
/// Device status: feature negotiation is complete.
pub const STATUS_FEATURES_OK: u32 = 8;
/// Device status: the device failed and needs a reset.
pub const STATUS_DEVICE_NEEDS_RESET: u32 = 0x40;
/// Device status: the driver gave up on the device.
pub const STATUS_FAILED: u32 = 0x80;

/// InterruptStatus bit: a queue has new used buffers.
pub const INTERRUPT_USED_BUFFER: u32 = 1;
/// InterruptStatus bit: the configuration (or the status) changed.
pub const INTERRUPT_CONFIG_CHANGE: u32 = 2;

/// What the core offers for a device that asks for `device`: its
/// device-specific bits and ACCESS_PLATFORM if asked, plus VERSION_1 and
/// RING_INDIRECT_DESC; nothing else (no EVENT_IDX, no packed ring).
pub const fn offered(device: u64) -> u64 {
    (device & (DEVICE_SPECIFIC | VIRTIO_F_ACCESS_PLATFORM)) | VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC
}

/// Whether a driver that wrote `driver` may have FEATURES_OK: only offered
/// bits, and VERSION_1 among them.
pub const fn acceptable(offered: u64, driver: u64) -> bool {
    driver & !offered == 0 && driver & VIRTIO_F_VERSION_1 != 0
}
