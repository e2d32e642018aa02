// SPDX-License-Identifier: MIT
//! The ring over the real [`SharedWindow`] (heap memory standing in for a
//! mapped window): frames of every length at every 4-aligned position,
//! wrapping around the end, and bulk data at every alignment, arrive
//! exactly as sent.

use bulkhead_ring::{Consumer, DataArea, DataRef, Producer, RingLayout, Window};
use bulkhead_ring_hal::SharedWindow;

/// Zeroed heap memory for a window; kept alive by the test that made it.
struct Memory(Vec<u128>);

impl Memory {
    fn new(size: usize) -> Self {
        Self(vec![0; size.div_ceil(16)])
    }

    fn window(&mut self) -> SharedWindow {
        let size = self.0.len() * 16;
        // SAFETY: the vector's buffer is allocated, 16-aligned and outlives
        // every window of the test; once the windows exist, the test only
        // reaches it through them.
        unsafe { SharedWindow::new(self.0.as_mut_ptr().cast::<u8>(), size) }
    }
}

#[test]
fn frames_of_every_length_wrap_and_arrive_whole() {
    let layout = RingLayout { base: 0, capacity: 256 };
    let mut memory = Memory::new(layout.footprint());
    let mut p = Producer::new(memory.window(), layout).unwrap();
    let mut c = Consumer::new(memory.window(), layout).unwrap();
    let mut buf = [0u8; 252];
    for round in 0..4u8 {
        for len in 0..=252usize {
            let frame: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(31) ^ round).collect();
            p.push(&frame).unwrap();
            assert_eq!(c.pop(&mut buf).unwrap(), &frame[..], "round {round}, length {len}");
        }
    }
}

#[test]
fn bulk_data_at_every_alignment_round_trips() {
    let area = DataArea { base: 4096, size: 8192 };
    let mut memory = Memory::new(area.base + area.size);
    let w = memory.window();
    for offset in 0..40u32 {
        for len in [0u32, 1, 3, 4, 7, 15, 16, 17, 33, 100, 2047, 2048, 2049, 5000] {
            let r = DataRef { offset, len };
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + offset) as u8).collect();
            area.put(&w, r, &data).unwrap();
            let mut out = vec![0u8; len as usize];
            area.get(&w, r, &mut out).unwrap();
            assert_eq!(out, data, "offset {offset}, length {len}");
        }
    }
    // The last put (offset 39) left its bytes in place: byte 1 is at 40.
    let mut word = [0u8; 4];
    w.read(area.base + 40, &mut word);
    assert_eq!(word.to_vec(), (1..5u32).map(|i| (i * 7 + 39) as u8).collect::<Vec<_>>());
}
