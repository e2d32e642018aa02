// SPDX-License-Identifier: MIT
//! The 9pfs domain's block device: the board's virtio-blk device
//! (`virtio-blk-device`, virtio-mmio v2) through `virtio-drivers`, as the
//! `Disk` that `bulkhead_ninep_core::Store` needs.
//!
//! Every request is synchronous: it is queued, the device is notified and
//! the domain polls for its completion, so a write has completed on the
//! device when `write` returns, and `flush` returns after the device
//! finished `VIRTIO_BLK_T_FLUSH` (its write cache is on stable storage).
//! Owns the device; must not know about files.

use bulkhead_ninep_core::Disk;
use bulkhead_virtio_hal::IdentityHal;
use core::cell::RefCell;
use embedded_sdmmc::{Block, BlockCount, BlockDevice, BlockIdx};
use virtio_drivers::device::blk::{SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::mmio::MmioTransport;

/// The device failed a request.
#[derive(Debug, Clone, Copy)]
pub struct DeviceError(pub virtio_drivers::Error);

impl core::fmt::Display for DeviceError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "virtio-blk: {}", self.0)
    }
}

impl core::error::Error for DeviceError {}

/// The virtio-blk device, in 512-byte blocks.
pub struct VirtioDisk {
    blk: RefCell<VirtIOBlk<IdentityHal, MmioTransport<'static>>>,
    blocks: u32,
    /// Blocks written, and flushes, for the domain's summary.
    pub writes: core::cell::Cell<u64>,
}

impl VirtioDisk {
    /// Takes the device on `transport`.
    pub fn new(transport: MmioTransport<'static>) -> Result<Self, DeviceError> {
        let blk = VirtIOBlk::new(transport).map_err(DeviceError)?;
        let blocks = u32::try_from(blk.capacity()).unwrap_or(u32::MAX);
        Ok(Self { blk: RefCell::new(blk), blocks, writes: core::cell::Cell::new(0) })
    }

    /// Whether the device refuses writes.
    pub fn read_only(&self) -> bool {
        self.blk.borrow().readonly()
    }
}

const _: () = assert!(SECTOR_SIZE == Block::LEN);

impl BlockDevice for VirtioDisk {
    type Error = DeviceError;

    /// One device request for all of `blocks` (they are consecutive).
    fn read(&self, blocks: &mut [Block], start: BlockIdx) -> Result<(), DeviceError> {
        let mut bounce = alloc::vec![0u8; blocks.len() * Block::LEN];
        self.blk.borrow_mut().read_blocks(start.0 as usize, &mut bounce).map_err(DeviceError)?;
        for (block, bytes) in blocks.iter_mut().zip(bounce.chunks_exact(Block::LEN)) {
            block.contents.copy_from_slice(bytes);
        }
        Ok(())
    }

    fn write(&self, blocks: &[Block], start: BlockIdx) -> Result<(), DeviceError> {
        let mut blk = self.blk.borrow_mut();
        for (n, block) in (start.0..).zip(blocks.iter()) {
            blk.write_blocks(n as usize, &block.contents).map_err(DeviceError)?;
            self.writes.set(self.writes.get() + 1);
        }
        Ok(())
    }

    fn num_blocks(&self) -> Result<BlockCount, DeviceError> {
        Ok(BlockCount(self.blocks))
    }
}

impl Disk for VirtioDisk {
    fn flush(&self) -> Result<(), DeviceError> {
        self.blk.borrow_mut().flush().map_err(DeviceError)
    }
}
