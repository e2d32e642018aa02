// SPDX-License-Identifier: MIT
//! Where the client places its sockets' data rings: a fixed-slot
//! allocator over its data area ([`bulkhead_pvcalls::channel::data_area`]).
//!
//! Owns only the arithmetic of the slots and which are taken. Must not
//! touch the window (the client resets the streams' headers) nor decide
//! when a slot is freed (the client does, on release, on a failed
//! CONNECT or ACCEPT, and when a new epoch forgets every socket).
//!
//! Slot `i` is one [`DataRing`]: its inbound stream at `i * stride`, its
//! outbound stream right after, each [`STREAM_HEADER`] bytes of header
//! and `capacity` bytes of data. `capacity` is a power of two of at least
//! 64 and the header is 128 bytes, so every stream starts 64-byte aligned
//! (offsets are relative to the data area, itself 64 KiB aligned). The
//! slots together never exceed the greeting's `max_ring_bytes` nor the
//! data area.

use bulkhead_pvcalls::stream::STREAM_HEADER;
use bulkhead_pvcalls::{DataRef, DataRing};

/// The most data rings a client has at once.
pub const MAX_RINGS: usize = 8;
/// The largest stream capacity the client uses (bytes of data per
/// direction per socket).
pub const STREAM_CAPACITY: u32 = 16 * 1024;
/// Capacities are halved down to this before the number of slots is cut.
const PREFERRED_MIN: u32 = 1024;
/// The smallest capacity the protocol accepts.
const MIN_CAPACITY: u32 = 64;

/// The data-ring slots of one epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slots {
    capacity: u32,
    count: usize,
    used: u16,
}

impl Slots {
    /// No slot at all (before the greeting).
    pub const fn none() -> Self {
        Self { capacity: MIN_CAPACITY, count: 0, used: 0 }
    }

    /// Slots for a data area of `area` bytes under a limit of
    /// `max_ring_bytes`, for at most `max_sockets` sockets: up to
    /// [`MAX_RINGS`] slots of [`STREAM_CAPACITY`]; the capacity is halved
    /// (to 1 KiB), then slots are dropped, then the capacity is halved
    /// again (to 64 bytes) until they fit. Maybe none.
    pub fn plan(area: usize, max_ring_bytes: u32, max_sockets: u16) -> Self {
        let budget = area.min(usize::try_from(max_ring_bytes).unwrap_or(usize::MAX));
        let mut capacity = STREAM_CAPACITY;
        let mut count = MAX_RINGS.min(usize::from(max_sockets));
        while count > 0 && count.saturating_mul(Self::stride_of(capacity)) > budget {
            if capacity > PREFERRED_MIN {
                capacity /= 2;
            } else if count > 1 {
                count -= 1;
            } else if capacity > MIN_CAPACITY {
                capacity /= 2;
            } else {
                count = 0;
            }
        }
        Self { capacity, count, used: 0 }
    }

    const fn stride_of(capacity: u32) -> usize {
        2 * (STREAM_HEADER + capacity as usize)
    }

    /// Data bytes of each stream.
    pub const fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Slots in all.
    pub const fn count(&self) -> usize {
        self.count
    }

    /// Slots free now.
    pub fn free(&self) -> usize {
        self.count - self.used.count_ones() as usize
    }

    /// The ring of slot `index`.
    pub fn ring(&self, index: usize) -> Option<DataRing> {
        if index >= self.count {
            return None;
        }
        let stream = u32::try_from(STREAM_HEADER).ok()? + self.capacity;
        let base = u32::try_from(index * Self::stride_of(self.capacity)).ok()?;
        Some(DataRing {
            inbound: DataRef { offset: base, len: stream },
            outbound: DataRef { offset: base + stream, len: stream },
            event: u8::try_from(index).ok()?,
        })
    }

    /// Takes a free slot: its index and ring.
    pub fn take(&mut self) -> Option<(usize, DataRing)> {
        let index = (0..self.count).find(|i| self.used & (1 << i) == 0)?;
        let ring = self.ring(index)?;
        self.used |= 1 << index;
        Some((index, ring))
    }

    /// Frees slot `index` (nothing if it was free or does not exist).
    pub fn release(&mut self, index: usize) {
        if index < self.count {
            self.used &= !(1 << index);
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use bulkhead_pvcalls::channel::data_area;
    use bulkhead_pvcalls::stream::StreamLayout;
    use std::vec::Vec;

    fn layouts(slots: &Slots, rings: &[DataRing], window: usize) -> Vec<StreamLayout> {
        let area = data_area(window);
        let mut out = Vec::new();
        for r in rings {
            for s in [r.inbound, r.outbound] {
                let l = StreamLayout::resolve(&area, s).unwrap();
                assert_eq!(l.capacity, slots.capacity());
                out.push(l);
            }
        }
        out
    }

    #[test]
    fn slots_never_overlap_stay_in_budget_and_are_freed() {
        for (window, max_bytes, max_sockets) in [
            (1 << 20, 1 << 20, 16),
            (1 << 20, 20_000, 16),
            (128 * 1024, u32::MAX, 4),
            (bulkhead_pvcalls::channel::MIN_WINDOW, u32::MAX, 16),
            (96 * 1024, 3000, 16),
        ] {
            let mut slots = Slots::plan(data_area(window).size, max_bytes, max_sockets);
            assert!(slots.count() >= 1, "{window} {max_bytes}");
            assert!(slots.count() <= usize::from(max_sockets));
            let mut rings = Vec::new();
            while let Some((i, r)) = slots.take() {
                assert_eq!(slots.ring(i), Some(r));
                rings.push((i, r));
            }
            assert_eq!(rings.len(), slots.count());
            assert_eq!(slots.free(), 0);
            let all: Vec<DataRing> = rings.iter().map(|(_, r)| *r).collect();
            let streams = layouts(&slots, &all, window);
            let total: usize = streams.iter().map(|l| l.span().len()).sum();
            assert!(total <= max_bytes as usize && total <= data_area(window).size);
            for (a, la) in streams.iter().enumerate() {
                for lb in streams.iter().skip(a + 1) {
                    assert!(!la.overlaps(lb), "{la:?} {lb:?}");
                }
            }
            // Free one in the middle: it is the next taken, the same ring.
            let (i, r) = rings[rings.len() / 2];
            slots.release(i);
            assert_eq!(slots.free(), 1);
            assert_eq!(slots.take(), Some((i, r)));
            slots.release(99);
            for (i, _) in &rings {
                slots.release(*i);
            }
            assert_eq!(slots.free(), slots.count());
        }
    }

    #[test]
    fn too_little_room_means_no_slot() {
        assert_eq!(Slots::plan(100, u32::MAX, 8).count(), 0);
        assert_eq!(Slots::plan(1 << 20, 100, 8).count(), 0);
        assert_eq!(Slots::plan(1 << 20, 1 << 20, 0).count(), 0);
        assert_eq!(Slots::none().free(), 0);
        let mut none = Slots::none();
        assert_eq!(none.take(), None);
    }
}
