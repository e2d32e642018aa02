// SPDX-License-Identifier: MIT
//! Window memory in the domain's own RAM: a page-aligned static region
//! reached only through [`SharedWindow`] accessors, as a channel window
//! would be. For a domain that runs both ends of a ring itself on two
//! vCPUs (the ring benchmark), with the real accessor and without
//! `unsafe` of its own.

use bulkhead_ring_hal::SharedWindow;
use core::cell::UnsafeCell;

/// `N` bytes of zeroed, page-aligned memory (place it in a `static`).
#[repr(C, align(4096))]
pub struct WindowArena<const N: usize>(UnsafeCell<[u8; N]>);

// SAFETY: the bytes are never a Rust object: the field is private and the
// only way in is `window`, whose accessors use volatile and atomic
// accesses only (memory shared between vCPUs, like a channel window).
unsafe impl<const N: usize> Sync for WindowArena<N> {}

impl<const N: usize> WindowArena<N> {
    /// Zeroed memory (in `.bss` when the arena is a `static`).
    pub const fn new() -> Self {
        Self(UnsafeCell::new([0; N]))
    }

    /// One accessor of the whole arena. Several may exist at once (a ring's
    /// producer and consumer each take one, on different vCPUs).
    pub fn window(&'static self) -> SharedWindow {
        // SAFETY: the arena is static (mapped for ever), readable and
        // writable, page-aligned, and only ever reached through accessors
        // like this one (see the `Sync` impl).
        unsafe { SharedWindow::new(self.0.get().cast::<u8>(), N) }
    }
}

impl<const N: usize> Default for WindowArena<N> {
    fn default() -> Self {
        Self::new()
    }
}
