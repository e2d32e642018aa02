// SPDX-License-Identifier: MIT
//! Reading and validating one descriptor chain (virtio 1.x, 2.7.5 and
//! 2.7.5.3) into a [`Chain`].
//!
//! Owns the descriptor checks; must not touch the available or used rings
//! (see `queue`) and never writes guest memory.

use crate::chain::{Chain, ChainError, Segment};
use crate::memory::{GuestMemory, offset};

/// VIRTQ_DESC_F_NEXT: the chain continues at `next`.
const F_NEXT: u16 = 1;
/// VIRTQ_DESC_F_WRITE: the buffer is device-writable.
const F_WRITE: u16 = 2;
/// VIRTQ_DESC_F_INDIRECT: the buffer is a table of descriptors.
const F_INDIRECT: u16 = 4;
/// Bytes per descriptor.
pub(crate) const DESC_SIZE: u64 = 16;

/// One descriptor as the guest wrote it (nothing checked yet).
struct Desc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

/// Descriptor `index` of the table at `table` (the caller checked `index`
/// against the table's size).
fn read_desc(mem: &dyn GuestMemory, table: u64, index: u16) -> Result<Desc, ChainError> {
    let at = offset(table, DESC_SIZE * u64::from(index))?;
    let mut b = [0u8; 16];
    mem.read(at, &mut b)?;
    let [a0, a1, a2, a3, a4, a5, a6, a7, l0, l1, l2, l3, f0, f1, n0, n1] = b;
    Ok(Desc {
        addr: u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
        len: u32::from_le_bytes([l0, l1, l2, l3]),
        flags: u16::from_le_bytes([f0, f1]),
        next: u16::from_le_bytes([n0, n1]),
    })
}

/// Where a walk stands: which table, its size, and descriptors left before
/// the chain counts as a loop.
struct Table {
    addr: u64,
    size: u16,
    budget: u16,
    indirect: bool,
}

/// What the queue tells the walk.
pub(crate) struct Walk {
    /// The queue the chain belongs to.
    pub queue: u16,
    /// The queue size (a power of two, at most 32768).
    pub size: u16,
    /// The descriptor table's guest address.
    pub desc: u64,
    /// Whether RING_INDIRECT_DESC was negotiated.
    pub indirect_ok: bool,
}

impl Walk {
    /// The chain starting at `head`, every descriptor checked: indices in
    /// range, at most `size` descriptors (and at most the table's in an
    /// indirect table: each counts once, so a loop ends), each buffer guest
    /// RAM without wrapping, total length within `u32`, readable buffers
    /// before writable ones, indirect tables only as negotiated, well sized,
    /// in RAM, not nested and not combined with NEXT.
    pub(crate) fn chain(&self, mem: &dyn GuestMemory, head: u16) -> Result<Chain, ChainError> {
        let mut chain = Chain { queue: self.queue, head, segments: heapless::Vec::new(), readable: 0, writable: 0 };
        let mut table = Table { addr: self.desc, size: self.size, budget: self.size, indirect: false };
        if head >= self.size {
            return Err(ChainError::IndexOutOfRange);
        }
        let mut index = head;
        let mut total: u32 = 0;
        let mut seen_writable = false;
        loop {
            table.budget = table.budget.checked_sub(1).ok_or(ChainError::Loop)?;
            let d = read_desc(mem, table.addr, index)?;
            if d.flags & F_INDIRECT != 0 {
                table = self.indirect(mem, &table, &d)?;
                index = 0;
                continue;
            }
            let writable = d.flags & F_WRITE != 0;
            if !writable && seen_writable {
                return Err(ChainError::ReadableAfterWritable);
            }
            seen_writable |= writable;
            if !mem.contains(d.addr, u64::from(d.len)) {
                return Err(ChainError::OutOfMemory);
            }
            total = total.checked_add(d.len).ok_or(ChainError::LengthOverflow)?;
            // Neither part can overflow: their sum (`total`) did not.
            if writable {
                chain.writable = chain.writable.saturating_add(d.len);
            } else {
                chain.readable = chain.readable.saturating_add(d.len);
            }
            chain.segments.push(Segment { addr: d.addr, len: d.len, writable }).map_err(|_| ChainError::TooLong)?;
            if d.flags & F_NEXT == 0 {
                return Ok(chain);
            }
            if d.next >= table.size {
                return Err(ChainError::IndexOutOfRange);
            }
            index = d.next;
        }
    }

    /// The indirect table `d` points to, checked.
    fn indirect(&self, mem: &dyn GuestMemory, current: &Table, d: &Desc) -> Result<Table, ChainError> {
        if current.indirect {
            return Err(ChainError::NestedIndirect);
        }
        if !self.indirect_ok || d.flags & F_NEXT != 0 || d.len == 0 || !u64::from(d.len).is_multiple_of(DESC_SIZE) {
            return Err(ChainError::BadIndirect);
        }
        let entries = u16::try_from(u64::from(d.len) / DESC_SIZE).map_err(|_| ChainError::BadIndirect)?;
        if entries > self.size {
            return Err(ChainError::BadIndirect);
        }
        if !mem.contains(d.addr, u64::from(d.len)) {
            return Err(ChainError::OutOfMemory);
        }
        Ok(Table { addr: d.addr, size: entries, budget: entries, indirect: true })
    }
}
