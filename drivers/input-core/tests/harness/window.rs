// SPDX-License-Identifier: MIT
//! A host channel window: 32-bit atomic words (the pattern of
//! `protocols/ring/tests/common`), shared by the backend's and a client's
//! link ends, as the two domains share a board-file window.

use bulkhead_ring::Window;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Clone)]
pub struct TestWindow(Arc<Vec<AtomicU32>>);

impl TestWindow {
    pub fn new(size: usize) -> Self {
        Self(Arc::new((0..size.div_ceil(4)).map(|_| AtomicU32::new(0)).collect()))
    }

    /// Overwrites a word as a hostile peer would.
    pub fn scribble(&self, offset: usize, value: u32) {
        self.0[offset / 4].store(value, Ordering::SeqCst);
    }
}

impl Window for TestWindow {
    fn size(&self) -> usize {
        self.0.len() * 4
    }

    fn read(&self, offset: usize, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            let at = offset + i;
            *b = (self.0[at / 4].load(Ordering::Relaxed) >> (8 * (at % 4))) as u8;
        }
    }

    fn write(&self, offset: usize, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            let at = offset + i;
            let shift = 8 * (at % 4);
            let _ = self.0[at / 4].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
                Some((w & !(0xff << shift)) | (u32::from(b) << shift))
            });
        }
    }

    fn load_acquire(&self, offset: usize) -> u32 {
        self.0[offset / 4].load(Ordering::Acquire)
    }

    fn store_release(&self, offset: usize, value: u32) {
        self.0[offset / 4].store(value, Ordering::Release);
    }
}
