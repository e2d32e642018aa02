// SPDX-License-Identifier: MIT
//! A loom model of the ring: a producer and a consumer thread run every
//! interleaving loom can find; frames must arrive whole and in order.
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p bulkhead-ring --test loom`
//! (`cargo xtask test` does).
#![cfg(loom)]

use bulkhead_ring::{Consumer, Producer, RingError, RingLayout, Window};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicU32, Ordering};

#[derive(Clone)]
struct LoomWindow(Arc<Vec<AtomicU32>>);

impl Window for LoomWindow {
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
            let w = &self.0[at / 4];
            let old = w.load(Ordering::Relaxed);
            w.store((old & !(0xff << shift)) | (u32::from(b) << shift), Ordering::Relaxed);
        }
    }
    fn load_acquire(&self, offset: usize) -> u32 {
        self.0[offset / 4].load(Ordering::Acquire)
    }
    fn store_release(&self, offset: usize, value: u32) {
        self.0[offset / 4].store(value, Ordering::Release);
    }
}

#[test]
fn concurrent_push_and_pop_deliver_whole_frames_in_order() {
    loom::model(|| {
        let layout = RingLayout { base: 0, capacity: 64 };
        let w = LoomWindow(Arc::new((0..layout.footprint() / 4).map(|_| AtomicU32::new(0)).collect()));
        let mut p = Producer::new(w.clone(), layout).unwrap();
        let mut c = Consumer::new(w, layout).unwrap();
        let producer = loom::thread::spawn(move || {
            for frame in [&[1u8, 2, 3][..], &[4u8; 6][..]] {
                loop {
                    match p.push(frame) {
                        Ok(()) => break,
                        Err(RingError::Full) => loom::thread::yield_now(),
                        Err(e) => panic!("{e:?}"),
                    }
                }
            }
        });
        let mut got = Vec::new();
        let mut buf = [0u8; 16];
        while got.len() < 2 {
            match c.pop(&mut buf) {
                Ok(frame) => got.push(frame.to_vec()),
                Err(RingError::Empty) => loom::thread::yield_now(),
                Err(e) => panic!("{e:?}"),
            }
        }
        producer.join().unwrap();
        assert_eq!(got, vec![vec![1, 2, 3], vec![4; 6]]);
    });
}
