// SPDX-License-Identifier: MIT
//! The virtio-mmio version 2 register offsets (virtio 1.x, 4.2.2).
//!
//! Owns the numbers only; must not hold state (see [`crate::MmioDevice`]).

/// MagicValue (R): "virt".
pub const MAGIC_VALUE: u64 = 0x000;
/// Version (R): 2.
pub const VERSION: u64 = 0x004;
/// DeviceID (R).
pub const DEVICE_ID: u64 = 0x008;
/// VendorID (R).
pub const VENDOR_ID: u64 = 0x00c;
/// DeviceFeatures (R): 32 bits selected by DeviceFeaturesSel.
pub const DEVICE_FEATURES: u64 = 0x010;
/// DeviceFeaturesSel (W).
pub const DEVICE_FEATURES_SEL: u64 = 0x014;
/// DriverFeatures (W): 32 bits selected by DriverFeaturesSel.
pub const DRIVER_FEATURES: u64 = 0x020;
/// DriverFeaturesSel (W).
pub const DRIVER_FEATURES_SEL: u64 = 0x024;
/// QueueSel (W).
pub const QUEUE_SEL: u64 = 0x030;
/// QueueNumMax (R): 0 if the selected queue does not exist.
pub const QUEUE_NUM_MAX: u64 = 0x034;
/// QueueNum (W).
pub const QUEUE_NUM: u64 = 0x038;
/// QueueReady (RW).
pub const QUEUE_READY: u64 = 0x044;
/// QueueNotify (W): the queue index.
pub const QUEUE_NOTIFY: u64 = 0x050;
/// InterruptStatus (R).
pub const INTERRUPT_STATUS: u64 = 0x060;
/// InterruptACK (W).
pub const INTERRUPT_ACK: u64 = 0x064;
/// Status (RW).
pub const STATUS: u64 = 0x070;
/// QueueDescLow (W).
pub const QUEUE_DESC_LOW: u64 = 0x080;
/// QueueDescHigh (W).
pub const QUEUE_DESC_HIGH: u64 = 0x084;
/// QueueDriverLow (W): the available ring.
pub const QUEUE_DRIVER_LOW: u64 = 0x090;
/// QueueDriverHigh (W).
pub const QUEUE_DRIVER_HIGH: u64 = 0x094;
/// QueueDeviceLow (W): the used ring.
pub const QUEUE_DEVICE_LOW: u64 = 0x0a0;
/// QueueDeviceHigh (W).
pub const QUEUE_DEVICE_HIGH: u64 = 0x0a4;
/// SHMSel (W): no shared memory regions here.
pub const SHM_SEL: u64 = 0x0ac;
/// SHMLenLow (R): -1, no such region.
pub const SHM_LEN_LOW: u64 = 0x0b0;
/// SHMLenHigh (R): -1.
pub const SHM_LEN_HIGH: u64 = 0x0b4;
/// SHMBaseLow (R): -1.
pub const SHM_BASE_LOW: u64 = 0x0b8;
/// SHMBaseHigh (R): -1.
pub const SHM_BASE_HIGH: u64 = 0x0bc;
/// ConfigGeneration (R).
pub const CONFIG_GENERATION: u64 = 0x0fc;
/// Config (RW): the device-specific configuration space starts here.
pub const CONFIG: u64 = 0x100;

/// MagicValue's value, "virt" little-endian.
pub const MAGIC: u32 = 0x7472_6976;
/// The register layout version served (no legacy).
pub const MMIO_VERSION: u32 = 2;
/// The VendorID served ("BULK" would do; QEMU's 0x554d4551 is not ours).
pub const VENDOR: u32 = 0x4b4c_5542;
