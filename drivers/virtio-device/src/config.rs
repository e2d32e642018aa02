// SPDX-License-Identifier: MIT
//! Accesses to the device-specific configuration space (offset 0x100 on):
//! sizes and bounds checked before the [`Device`] sees them.
//!
//! Owns the bounds check only; must not interpret the configuration (the
//! device does).

use crate::Device;

/// The configuration-space range `[offset, offset + size)` as the device's
/// offset and a byte count, if `size` is 1, 2, 4 or 8 and the range lies
/// inside `len` bytes.
fn range(offset: u64, size: u8, len: u32) -> Option<(u32, usize)> {
    if !matches!(size, 1 | 2 | 4 | 8) {
        return None;
    }
    let start = u32::try_from(offset).ok()?;
    let end = start.checked_add(u32::from(size))?;
    (end <= len).then_some((start, usize::from(size)))
}

/// A driver read at `offset` into the configuration space; 0 outside it.
pub(crate) fn read<D: Device>(device: &D, offset: u64, size: u8) -> u64 {
    let Some((start, n)) = range(offset, size, device.config_len()) else {
        return 0;
    };
    let mut buf = [0u8; 8];
    let Some(part) = buf.get_mut(..n) else {
        return 0;
    };
    device.read_config(start, part);
    u64::from_le_bytes(buf)
}

/// A driver write at `offset` into the configuration space; ignored
/// outside it.
pub(crate) fn write<D: Device>(device: &mut D, offset: u64, size: u8, value: u64) {
    let Some((start, n)) = range(offset, size, device.config_len()) else {
        return;
    };
    let bytes = value.to_le_bytes();
    if let Some(part) = bytes.get(..n) {
        device.write_config(start, part);
    }
}
