// SPDX-License-Identifier: MIT
//! A write-through cache of recently used blocks in front of the disk, so
//! that the FAT and directory blocks every request walks are read from
//! the device once, not once per request.
//!
//! Write-through: a write reaches the device before the cache keeps it,
//! and a failed write forgets the block, so the cache never holds what
//! the device does not and changes nothing about what is acknowledged
//! when. It assumes it is the device's only writer (the 9pfs domain owns
//! its disk). Direct-mapped: block `n` lives in slot `n % slots`.
//!
//! A miss reads ahead: the block and the [`READ_AHEAD`] - 1 after it come
//! in one device request (a file on a fresh FAT volume lies in
//! consecutive clusters, and `embedded-sdmmc` asks for one block at a
//! time).
//!
//! Owns the cached copies; must not reorder or delay a write.

use crate::store::Disk;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use embedded_sdmmc::{Block, BlockCount, BlockDevice, BlockIdx};

/// Blocks one miss reads.
pub const READ_AHEAD: u32 = 16;

/// A disk with a write-through cache.
pub struct Cached<D: Disk> {
    disk: D,
    slots: RefCell<Vec<Option<(u32, Block)>>>,
    /// Blocks served from the cache, and read from the device.
    hits: Cell<u64>,
    misses: Cell<u64>,
}

impl<D: Disk> Cached<D> {
    /// `disk` with a cache of `slots` blocks (at least one).
    pub fn new(disk: D, slots: usize) -> Self {
        Self { disk, slots: RefCell::new(vec![None; slots.max(1)]), hits: Cell::new(0), misses: Cell::new(0) }
    }

    /// The disk underneath.
    pub fn inner(&self) -> &D {
        &self.disk
    }

    /// (hits, misses) so far.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits.get(), self.misses.get())
    }

    fn slot(&self, index: u32) -> usize {
        let n = self.slots.borrow().len();
        usize::try_from(index).unwrap_or(0) % n
    }
}

impl<D: Disk> BlockDevice for Cached<D> {
    type Error = D::Error;

    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), D::Error> {
        for (index, block) in (start.0..).zip(blocks.iter_mut()) {
            let slot = self.slot(index);
            let cached = self.slots.borrow().get(slot).and_then(|s| s.as_ref().filter(|(i, _)| *i == index).cloned());
            if let Some((_, b)) = cached {
                *block = b;
                self.hits.set(self.hits.get() + 1);
                continue;
            }
            let ahead = self.disk.num_blocks()?.0.saturating_sub(index).clamp(1, READ_AHEAD);
            let mut fetched = vec![Block::new(); usize::try_from(ahead).unwrap_or(1)];
            self.disk.read(&mut fetched, BlockIdx(index))?;
            self.misses.set(self.misses.get() + 1);
            // Ahead blocks never evict the one asked for.
            for (n, b) in (index..).zip(fetched.iter()).filter(|(n, _)| *n == index || self.slot(*n) != slot) {
                let slot = self.slot(n);
                if let Some(s) = self.slots.borrow_mut().get_mut(slot) {
                    *s = Some((n, b.clone()));
                }
            }
            if let Some(first) = fetched.first() {
                *block = first.clone();
            }
        }
        Ok(())
    }

    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), D::Error> {
        for (index, block) in (start.0..).zip(blocks.iter()) {
            let slot = self.slot(index);
            let written = self.disk.write(core::slice::from_ref(block), BlockIdx(index));
            if let Some(s) = self.slots.borrow_mut().get_mut(slot) {
                *s = match written {
                    Ok(()) => Some((index, block.clone())),
                    Err(_) => None,
                };
            }
            written?;
        }
        Ok(())
    }

    fn num_blocks(&self) -> Result<BlockCount, D::Error> {
        self.disk.num_blocks()
    }
}

impl<D: Disk> Disk for Cached<D> {
    fn flush(&self) -> Result<(), D::Error> {
        self.disk.flush()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;
    use std::cell::RefCell as StdRefCell;

    #[derive(Debug)]
    struct Refused;
    impl core::fmt::Display for Refused {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("refused")
        }
    }
    impl core::error::Error for Refused {}

    /// Eight blocks; counts reads; refuses writes while `broken`.
    #[derive(Default)]
    struct Fake {
        blocks: StdRefCell<[u8; 8]>,
        reads: Cell<u32>,
        broken: Cell<bool>,
    }

    impl BlockDevice for Fake {
        type Error = Refused;
        fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), Refused> {
            self.reads.set(self.reads.get() + 1);
            for (i, b) in blocks.iter_mut().enumerate() {
                b.contents[0] = self.blocks.borrow()[start.0 as usize + i];
            }
            Ok(())
        }
        fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), Refused> {
            if self.broken.get() {
                return Err(Refused);
            }
            self.blocks.borrow_mut()[start.0 as usize] = blocks[0].contents[0];
            Ok(())
        }
        fn num_blocks(&self) -> Result<BlockCount, Refused> {
            Ok(BlockCount(8))
        }
    }

    impl Disk for Fake {
        fn flush(&self) -> Result<(), Refused> {
            Ok(())
        }
    }

    fn read(c: &Cached<Fake>, n: u32) -> u8 {
        let mut b = [Block::new()];
        c.read(&mut b, BlockIdx(n)).unwrap();
        b[0].contents[0]
    }

    fn write(c: &Cached<Fake>, n: u32, v: u8) -> Result<(), Refused> {
        let mut b = Block::new();
        b.contents[0] = v;
        c.write(&[b], BlockIdx(n))
    }

    #[test]
    fn a_block_is_read_from_the_device_once() {
        let c = Cached::new(Fake::default(), 4);
        c.inner().blocks.borrow_mut()[1] = 7;
        c.inner().blocks.borrow_mut()[6] = 3;
        assert_eq!((read(&c, 1), read(&c, 1), read(&c, 1)), (7, 7, 7));
        assert_eq!(c.inner().reads.get(), 1);
        assert_eq!(c.stats(), (2, 1));
        // Block 5 came with block 1, but shares its slot: it was not kept.
        // Asked for, it evicts block 1.
        read(&c, 5);
        read(&c, 1);
        assert_eq!(c.inner().reads.get(), 3);
        let before = c.inner().reads.get();
        assert_eq!((read(&c, 6), c.inner().reads.get()), (3, before), "block 6 came ahead with block 5");
    }

    #[test]
    fn writes_reach_the_device_first_and_a_failed_one_is_forgotten() {
        let c = Cached::new(Fake::default(), 4);
        write(&c, 2, 9).unwrap();
        assert_eq!(c.inner().blocks.borrow()[2], 9, "written through at once");
        assert_eq!(read(&c, 2), 9);
        assert_eq!(c.inner().reads.get(), 0, "the written block is cached");
        c.inner().broken.set(true);
        assert!(write(&c, 2, 4).is_err());
        assert_eq!(read(&c, 2), 9, "the device's block, not the failed write's");
        assert_eq!(c.inner().reads.get(), 1, "read again from the device");
    }
}
