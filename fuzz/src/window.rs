// SPDX-License-Identifier: MIT
//! A host [`Window`] for the ring fuzz target: plain bytes shared by the
//! ring's two ends and a hostile peer, which checks that each end touches
//! only what it may. A consumer reads the producer index and the data area
//! and writes nothing but its own index; a producer reads the consumer index
//! and writes the data area and its own index. Every access must lie inside
//! the ring's footprint, so an access outside it fails the target even when
//! it is still inside the window.

use bulkhead_ring::{RING_HEADER, RingLayout, Window};
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;

/// Offset of the producer index in a ring (`bulkhead_ring`'s layout).
pub const PRODUCER_INDEX: usize = 0;
/// Offset of the consumer index in a ring.
pub const CONSUMER_INDEX: usize = 64;

/// Which end of the ring holds a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The producing end.
    Producer,
    /// The consuming end.
    Consumer,
}

/// The window's bytes and the ring they hold.
#[derive(Debug)]
pub struct Shared {
    bytes: RefCell<Vec<u8>>,
    layout: RingLayout,
}

impl Shared {
    /// A zeroed window of `size` bytes holding a ring at `layout`.
    pub fn new(size: usize, layout: RingLayout) -> Rc<Self> {
        Rc::new(Self { bytes: RefCell::new(vec![0; size]), layout })
    }

    /// The window as one end sees it.
    pub fn end(self: &Rc<Self>, side: Side) -> FuzzWindow {
        FuzzWindow { shared: Rc::clone(self), side }
    }

    /// The hostile peer overwrites bytes at `offset` (clipped to the window).
    pub fn poke(&self, offset: usize, data: &[u8]) {
        let mut bytes = self.bytes.borrow_mut();
        let start = offset.min(bytes.len());
        let n = data.len().min(bytes.len() - start);
        bytes[start..start + n].copy_from_slice(&data[..n]);
    }

    /// The word at `offset`, as the other end would read it.
    pub fn word(&self, offset: usize) -> u32 {
        let bytes = self.bytes.borrow();
        u32::from_le_bytes(bytes[offset..offset + 4].try_into().expect("4 bytes"))
    }

    fn data_area(&self) -> Range<usize> {
        let start = self.layout.base + RING_HEADER;
        start..start + self.layout.capacity as usize
    }

    fn index(&self, of: Side) -> usize {
        self.layout.base + if of == Side::Producer { PRODUCER_INDEX } else { CONSUMER_INDEX }
    }
}

/// One end's view of a [`Shared`] window.
#[derive(Debug, Clone)]
pub struct FuzzWindow {
    shared: Rc<Shared>,
    side: Side,
}

impl FuzzWindow {
    fn peer(&self) -> Side {
        if self.side == Side::Producer { Side::Consumer } else { Side::Producer }
    }

    fn assert_in_data(&self, what: &str, offset: usize, len: usize) {
        let area = self.shared.data_area();
        assert!(
            offset >= area.start && offset.checked_add(len).is_some_and(|end| end <= area.end),
            "{:?} {what} {len} bytes at {offset:#x}, outside the data area {area:#x?}",
            self.side
        );
    }
}

impl Window for FuzzWindow {
    fn size(&self) -> usize {
        self.shared.bytes.borrow().len()
    }

    fn read(&self, offset: usize, out: &mut [u8]) {
        assert_eq!(self.side, Side::Consumer, "the producer never reads frames");
        self.assert_in_data("reads", offset, out.len());
        out.copy_from_slice(&self.shared.bytes.borrow()[offset..offset + out.len()]);
    }

    fn write(&self, offset: usize, data: &[u8]) {
        assert_eq!(self.side, Side::Producer, "the consumer never writes frames");
        self.assert_in_data("writes", offset, data.len());
        self.shared.poke(offset, data);
    }

    fn load_acquire(&self, offset: usize) -> u32 {
        assert_eq!(offset, self.shared.index(self.peer()), "{:?} loads a word that is not the peer's index", self.side);
        self.shared.word(offset)
    }

    fn store_release(&self, offset: usize, value: u32) {
        assert_eq!(offset, self.shared.index(self.side), "{:?} stores a word that is not its own index", self.side);
        self.shared.poke(offset, &value.to_le_bytes());
    }
}
