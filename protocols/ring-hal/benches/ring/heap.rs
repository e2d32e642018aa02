// SPDX-License-Identifier: MIT
//! A [`SharedWindow`] over heap memory: the benchmark's stand-in for a
//! channel window mapped from another domain.

use bulkhead_ring_hal::SharedWindow;
use std::alloc::{Layout, alloc_zeroed, handle_alloc_error};

/// Page alignment, like a real window.
const ALIGN: usize = 4096;

/// Zeroed, page-aligned heap memory of `size` bytes that lives for the rest
/// of the process and is only ever reached through [`SharedWindow`]s.
#[derive(Clone, Copy)]
pub struct HeapWindow {
    base: *mut u8,
    size: usize,
}

impl HeapWindow {
    /// Allocates the memory (never freed: the benchmark runs once).
    pub fn new(size: usize) -> Self {
        let layout = Layout::from_size_align(size.max(ALIGN), ALIGN).expect("window layout");
        // SAFETY: the layout has a non-zero size.
        let base = unsafe { alloc_zeroed(layout) };
        if base.is_null() {
            handle_alloc_error(layout);
        }
        Self { base, size }
    }

    /// One accessor of the memory (a ring's producer and consumer each
    /// take one, as two domains would).
    pub fn window(&self) -> SharedWindow {
        // SAFETY: `base..base + size` is allocated, readable and writable,
        // page-aligned, never freed, and no Rust reference to it exists:
        // it is reached only through `SharedWindow` accessors.
        unsafe { SharedWindow::new(self.base, self.size) }
    }
}
