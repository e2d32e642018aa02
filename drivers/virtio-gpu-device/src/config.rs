// SPDX-License-Identifier: MIT
//! The virtio-gpu configuration space (`struct virtio_gpu_config`, 16
//! bytes, little endian): `events_read`, `events_clear` (write 1s to clear),
//! `num_scanouts`, `num_capsets` (0).
//!
//! Owns the layout and the pending events; must not know the scanouts
//! beyond their number.

use crate::wire::put_u32;

/// Bytes of the configuration space.
pub const CONFIG_LEN: u32 = 16;
/// VIRTIO_GPU_EVENT_DISPLAY: the display configuration changed.
pub const EVENT_DISPLAY: u32 = 1 << 0;

/// The device-written part of the configuration space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ConfigSpace {
    pub events_read: u32,
}

impl ConfigSpace {
    /// A driver read of `out.len()` bytes at `offset`; `events_clear` reads
    /// 0, bytes outside the space read 0.
    pub fn read(&self, num_scanouts: u32, offset: u32, out: &mut [u8]) {
        let mut view = [0u8; 16];
        put_u32(&mut view, 0, self.events_read);
        put_u32(&mut view, 8, num_scanouts);
        out.fill(0);
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        for (i, o) in out.iter_mut().enumerate() {
            if let Some(b) = start.checked_add(i).and_then(|at| view.get(at)) {
                *o = *b;
            }
        }
    }

    /// A driver write of `data` at `offset`: the bytes that land in
    /// `events_clear` (offsets 4..8) clear those bits of `events_read`;
    /// everything else is ignored.
    pub fn write(&mut self, offset: u32, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            let at = u32::try_from(i).ok().and_then(|i| offset.checked_add(i));
            if let Some(at @ 4..=7) = at {
                self.events_read &= !(u32::from(b) << (8 * (at - 4)));
            }
        }
    }
}
