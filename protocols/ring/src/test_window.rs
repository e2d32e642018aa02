// SPDX-License-Identifier: MIT
//! [`TestWindow`] (feature `test-window`, host tests only): a window in
//! host memory that two threads can share, for the tests of this crate and
//! of every crate built on it (the input backend and client). Never in a
//! domain: the real window is `bulkhead-ring-hal`'s.

extern crate std;

use crate::Window;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::vec::Vec;

/// 32-bit atomic words, bytes updated by compare-and-swap, so that a
/// producer and a consumer thread (or a backend and its clients) can share
/// it as two domains share a board-file window. Clones share the words.
#[derive(Clone)]
pub struct TestWindow(Arc<Vec<AtomicU32>>);

impl TestWindow {
    /// A zeroed window of `size` bytes (rounded up to whole words).
    pub fn new(size: usize) -> Self {
        Self(Arc::new((0..size.div_ceil(4)).map(|_| AtomicU32::new(0)).collect()))
    }

    /// Overwrites the word at byte `offset` as a hostile peer would.
    ///
    /// # Panics
    /// If `offset` is outside the window (a test bug).
    #[allow(clippy::indexing_slicing, reason = "a test helper: an offset outside the window is a bug in the test")]
    pub fn scribble(&self, offset: usize, value: u32) {
        self.0[offset / 4].store(value, Ordering::SeqCst);
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        #[allow(clippy::indexing_slicing, reason = "the ring checks every offset against size() first")]
        &self.0[offset / 4]
    }
}

impl Window for TestWindow {
    fn size(&self) -> usize {
        self.0.len() * 4
    }

    fn read(&self, offset: usize, out: &mut [u8]) {
        for (i, b) in out.iter_mut().enumerate() {
            let at = offset + i;
            #[allow(clippy::cast_possible_truncation, reason = "one byte of the word, by design")]
            let byte = (self.word(at).load(Ordering::Relaxed) >> (8 * (at % 4))) as u8;
            *b = byte;
        }
    }

    fn write(&self, offset: usize, data: &[u8]) {
        for (i, &b) in data.iter().enumerate() {
            let at = offset + i;
            let shift = 8 * (at % 4);
            let _ = self.word(at).fetch_update(Ordering::Relaxed, Ordering::Relaxed, |w| {
                Some((w & !(0xff << shift)) | (u32::from(b) << shift))
            });
        }
    }

    fn load_acquire(&self, offset: usize) -> u32 {
        self.word(offset).load(Ordering::Acquire)
    }

    fn store_release(&self, offset: usize, value: u32) {
        self.word(offset).store(value, Ordering::Release);
    }
}
