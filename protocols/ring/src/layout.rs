// SPDX-License-Identifier: MIT
//! Where one ring lives inside a window.
//!
//! ```text
//! base + 0     producer index (u32, free-running byte count)
//! base + 64    consumer index (u32), on its own cache line
//! base + 128   data: `capacity` bytes, a power of two
//! ```
//! A frame is a 4-byte little-endian length, then the payload, padded to
//! 4 bytes; it may wrap around the end of the data area.

/// Bytes before the data area.
pub const RING_HEADER: usize = 128;
/// Bytes of a frame's length prefix.
pub const FRAME_HEADER: usize = 4;
/// Offset of the producer index.
pub(crate) const PRODUCER_INDEX: usize = 0;
/// Offset of the consumer index.
pub(crate) const CONSUMER_INDEX: usize = 64;

/// One ring's place in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingLayout {
    /// Offset of the ring in the window (4-aligned).
    pub base: usize,
    /// Data bytes (a power of two, at least 64).
    pub capacity: u32,
}

/// Why a layout is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutError {
    /// The capacity is not a power of two of at least 64 bytes.
    BadCapacity,
    /// The base is not 4-byte aligned.
    Misaligned,
    /// The ring does not fit in the window.
    OutsideWindow,
}

impl RingLayout {
    /// Bytes the ring occupies.
    pub fn footprint(&self) -> usize {
        RING_HEADER + self.capacity as usize
    }

    /// Checks the layout against a window of `window_size` bytes.
    pub fn check(&self, window_size: usize) -> Result<(), LayoutError> {
        if !self.capacity.is_power_of_two() || self.capacity < 64 {
            return Err(LayoutError::BadCapacity);
        }
        if !self.base.is_multiple_of(4) {
            return Err(LayoutError::Misaligned);
        }
        match self.base.checked_add(self.footprint()) {
            Some(end) if end <= window_size => Ok(()),
            _ => Err(LayoutError::OutsideWindow),
        }
    }

    /// Largest payload one frame can carry.
    pub fn max_payload(&self) -> usize {
        self.capacity as usize - FRAME_HEADER
    }

    pub(crate) fn data(&self) -> usize {
        self.base + RING_HEADER
    }
}
