// SPDX-License-Identifier: MIT
//! A validated descriptor chain ([`Chain`]) and what can be wrong with one
//! ([`ChainError`]); copying to and from its buffers.
//!
//! Owns the chain once validated; must not read descriptors (see `walk`)
//! nor touch the rings (see `queue`).

use heapless::Vec;

use crate::{GuestMemory, MemoryError};

/// The most buffers one chain may have (a longer one is
/// [`ChainError::TooLong`]); devices advertise limits below it.
pub const MAX_SEGMENTS: usize = 64;

/// Why a descriptor chain (or the available ring) was refused. Every one
/// breaks the queue: the device then reports DEVICE_NEEDS_RESET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainError {
    /// A head or `next` index at or beyond the queue (or indirect table) size.
    IndexOutOfRange,
    /// More descriptors than the queue size: the chain loops.
    Loop,
    /// More than [`MAX_SEGMENTS`] buffers.
    TooLong,
    /// The buffers' total length does not fit a `u32`.
    LengthOverflow,
    /// A buffer, the descriptor table, an indirect table or a ring is not
    /// (wholly) guest RAM, or its range wraps.
    OutOfMemory,
    /// An indirect descriptor while RING_INDIRECT_DESC is not negotiated, an
    /// indirect table whose length is 0, not a multiple of 16 or longer than
    /// the queue, or an indirect descriptor that also has NEXT.
    BadIndirect,
    /// An indirect descriptor inside an indirect table.
    NestedIndirect,
    /// A device-readable buffer after a device-writable one.
    ReadableAfterWritable,
    /// The available index moved by more than the queue size.
    AvailIndexJump,
    /// The queue broke earlier; only a reset mends it.
    Broken,
}

impl From<MemoryError> for ChainError {
    fn from(_: MemoryError) -> Self {
        Self::OutOfMemory
    }
}

/// One buffer of a chain: `[addr, addr + len)`, checked to be guest RAM
/// when the chain was popped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Guest physical address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
    /// Device-writable (else device-readable).
    pub writable: bool,
}

/// A validated descriptor chain taken from the available ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub(crate) queue: u16,
    pub(crate) head: u16,
    pub(crate) segments: Vec<Segment, MAX_SEGMENTS>,
    pub(crate) readable: u32,
    pub(crate) writable: u32,
}

impl Chain {
    /// The queue it came from.
    pub fn queue(&self) -> u16 {
        self.queue
    }

    /// The head descriptor index (the used ring's id).
    pub fn head(&self) -> u16 {
        self.head
    }

    /// The buffers, device-readable ones first.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Total bytes of the device-readable buffers.
    pub fn readable_len(&self) -> u32 {
        self.readable
    }

    /// Total bytes of the device-writable buffers.
    pub fn writable_len(&self) -> u32 {
        self.writable
    }

    /// Copies the device-readable part into `out` (as much as fits), so
    /// that the device works on a copy the guest cannot change; the number
    /// of bytes copied.
    pub fn read_all(&self, mem: &dyn GuestMemory, out: &mut [u8]) -> Result<usize, MemoryError> {
        let mut done = 0usize;
        for seg in self.segments.iter().filter(|s| !s.writable) {
            let rest = out.get_mut(done..).unwrap_or_default();
            if rest.is_empty() {
                break;
            }
            let n = rest.len().min(len_usize(seg.len));
            mem.read(seg.addr, rest.get_mut(..n).ok_or(MemoryError)?)?;
            done += n;
        }
        Ok(done)
    }

    /// Copies `data` into the device-writable part (as much as fits); the
    /// number of bytes written, which is what [`crate::Queues::push_used`]
    /// should report.
    pub fn write_all(&self, mem: &mut dyn GuestMemory, data: &[u8]) -> Result<usize, MemoryError> {
        let mut done = 0usize;
        for seg in self.segments.iter().filter(|s| s.writable) {
            let rest = data.get(done..).unwrap_or_default();
            if rest.is_empty() {
                break;
            }
            let n = rest.len().min(len_usize(seg.len));
            mem.write(seg.addr, rest.get(..n).ok_or(MemoryError)?)?;
            done += n;
        }
        Ok(done)
    }
}

/// A descriptor length as a `usize` (saturating on 16-bit targets).
fn len_usize(len: u32) -> usize {
    usize::try_from(len).unwrap_or(usize::MAX)
}
