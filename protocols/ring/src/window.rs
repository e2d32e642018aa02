// SPDX-License-Identifier: MIT
//! The only way the ring touches shared memory.

/// A shared-memory window. Offsets are bytes from the window's start; the
/// ring checks every offset and length against its layout before calling,
/// so an implementation may treat an out-of-range access as a bug (but must
/// not be unsound on it).
pub trait Window {
    /// Size of the window in bytes.
    fn size(&self) -> usize;
    /// Copies `out.len()` bytes at `offset` out of the window.
    fn read(&self, offset: usize, out: &mut [u8]);
    /// Copies `data` into the window at `offset`.
    fn write(&self, offset: usize, data: &[u8]);
    /// Reads the 32-bit little-endian word at `offset` (4-aligned) with
    /// acquire ordering: data written before the peer's matching release
    /// store is visible after it.
    fn load_acquire(&self, offset: usize) -> u32;
    /// Writes the word at `offset` with release ordering.
    fn store_release(&self, offset: usize, value: u32);
}

/// A borrowed window is a window: several ring ends can share one.
impl<W: Window + ?Sized> Window for &W {
    fn size(&self) -> usize {
        (**self).size()
    }
    fn read(&self, offset: usize, out: &mut [u8]) {
        (**self).read(offset, out);
    }
    fn write(&self, offset: usize, data: &[u8]) {
        (**self).write(offset, data);
    }
    fn load_acquire(&self, offset: usize) -> u32 {
        (**self).load_acquire(offset)
    }
    fn store_release(&self, offset: usize, value: u32) {
        (**self).store_release(offset, value);
    }
}
