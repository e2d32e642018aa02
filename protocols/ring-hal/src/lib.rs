// SPDX-License-Identifier: MIT
//! The one real [`Window`]: a shared-memory window mapped into this domain,
//! reached by volatile copies (aligned accesses of up to 16 bytes, long
//! runs as one `rep movsb` on x86-64: see `copy`) and acquire/release word
//! accesses, never through a Rust reference (the peer writes it
//! concurrently). Every access is bounds-checked against the window's
//! size; out-of-range requests are ignored (reads return zeros), which the
//! ring never makes.
#![no_std]
#![warn(missing_docs)]

mod copy;

use bulkhead_ring::Window;
use core::sync::atomic::{AtomicU32, Ordering};

/// A mapped shared window.
pub struct SharedWindow {
    base: *mut u8,
    size: usize,
}

// SAFETY: the window is memory shared with another domain by design; all
// accesses are volatile or atomic, so handing the accessor to another
// thread of this domain adds no data race the peer could not cause anyway.
unsafe impl Send for SharedWindow {}

impl SharedWindow {
    /// # Safety
    /// `base..base + size` must be mapped, readable and writable for the
    /// life of the value, 4-byte aligned, and not used as a Rust object by
    /// anyone (only through accessors like this one).
    pub const unsafe fn new(base: *mut u8, size: usize) -> Self {
        Self { base, size }
    }

    fn in_range(&self, offset: usize, len: usize) -> bool {
        offset.checked_add(len).is_some_and(|end| end <= self.size)
    }

    fn word(&self, offset: usize) -> Option<&AtomicU32> {
        if !offset.is_multiple_of(4) || !self.in_range(offset, 4) {
            return None;
        }
        // SAFETY: in range and 4-aligned (checked above, base aligned per
        // `new`); an AtomicU32 may alias memory another agent writes
        // atomically, and the window is never a plain Rust object.
        Some(unsafe { &*self.base.wrapping_add(offset).cast::<AtomicU32>() })
    }
}

impl Window for SharedWindow {
    fn size(&self) -> usize {
        self.size
    }

    fn read(&self, offset: usize, out: &mut [u8]) {
        if !self.in_range(offset, out.len()) {
            out.fill(0);
            return;
        }
        // SAFETY: `offset..offset + out.len()` is inside the window
        // (checked above), which `new` requires to be mapped.
        unsafe { copy::copy_out(self.base.wrapping_add(offset), out) };
    }

    fn write(&self, offset: usize, data: &[u8]) {
        if !self.in_range(offset, data.len()) {
            return;
        }
        // SAFETY: `offset..offset + data.len()` is inside the window
        // (checked above), which `new` requires to be mapped.
        unsafe { copy::copy_in(self.base.wrapping_add(offset), data) };
    }

    fn load_acquire(&self, offset: usize) -> u32 {
        self.word(offset).map_or(0, |w| w.load(Ordering::Acquire))
    }

    fn store_release(&self, offset: usize, value: u32) {
        if let Some(w) = self.word(offset) {
            w.store(value, Ordering::Release);
        }
    }
}
