// SPDX-License-Identifier: MIT
//! Messages: 64-byte postcard frames through our ring (encode, push; pop,
//! validate, decode, as `Producer::send` and `Consumer::receive` do) and
//! through `rtrb` (encode into a 64-byte slot, push; pop, decode). rtrb
//! carries `[u8; 64]` slots, its idiomatic and fastest form (plain moves
//! into memory it owns), rather than variable-size byte chunks: the
//! stricter baseline. Both decode every message and check its id.

use crate::heap::HeapWindow;
use crate::measure::{self, round};
use bulkhead_ring::bench_message::Request;
use bulkhead_ring::{Consumer, Producer, RingLayout};
use bulkhead_ring_hal::SharedWindow;
use std::hint::black_box;

/// Messages per round.
pub const MESSAGES: usize = 100_000;
/// Messages pushed before they are popped (both rings hold a whole batch).
const BATCH: usize = 250;
pub use bulkhead_ring::bench_message::FRAME;
/// Our ring's data bytes: room for a batch of 68-byte frames.
const CAPACITY: u32 = 32 * 1024;

/// Our ring, through the real [`SharedWindow`].
fn ours(p: &mut Producer<SharedWindow>, c: &mut Consumer<SharedWindow>) {
    let (mut scratch, mut buf) = ([0u8; FRAME], [0u8; FRAME]);
    for start in (0..MESSAGES).step_by(BATCH) {
        for i in start..start + BATCH {
            p.send(black_box(&Request::new(i)), &mut scratch).expect("send");
        }
        for i in start..start + BATCH {
            let m: Request<'_> = c.receive(&mut buf).expect("receive");
            black_box(&m).check(i);
        }
    }
}

/// `rtrb` carrying the same encoded frames in 64-byte slots.
fn theirs(p: &mut rtrb::Producer<[u8; FRAME]>, c: &mut rtrb::Consumer<[u8; FRAME]>) {
    for start in (0..MESSAGES).step_by(BATCH) {
        for i in start..start + BATCH {
            let mut slot = [0u8; FRAME];
            postcard::to_slice(black_box(&Request::new(i)), &mut slot).expect("encode");
            p.push(slot).expect("push");
        }
        for i in start..start + BATCH {
            let slot = c.pop().expect("pop");
            let m: Request<'_> = postcard::from_bytes(&slot).expect("decode");
            black_box(&m).check(i);
        }
    }
}

/// Runs the comparison; returns `BENCH` metrics.
pub fn run() -> Vec<(&'static str, f64)> {
    let mut slot = [0u8; FRAME];
    assert_eq!(postcard::to_slice(&Request::new(0), &mut slot).map(|s| s.len()), Ok(FRAME));
    assert_eq!(postcard::to_slice(&Request::new(MESSAGES), &mut slot).map(|s| s.len()), Ok(FRAME));
    assert!(MESSAGES.is_multiple_of(BATCH));

    let layout = RingLayout { base: 0, capacity: CAPACITY };
    let memory = HeapWindow::new(layout.footprint());
    let mut p = Producer::new(memory.window(), layout).expect("layout");
    let mut c = Consumer::new(memory.window(), layout).expect("layout");
    let (mut rp, mut rc) = rtrb::RingBuffer::new(BATCH);

    let rounds = measure::interleaved(|| ours(&mut p, &mut c), || theirs(&mut rp, &mut rc));
    let (a, b) = rounds.medians();
    let (ratio, lo, hi) = rounds.ratio();
    let ns = |d: std::time::Duration| d.as_secs_f64() * 1e9 / MESSAGES as f64;
    vec![
        ("ring_msgs_ns_per_msg_host", round(ns(a), 2)),
        ("ring_msgs_rtrb_ns_per_msg_host", round(ns(b), 2)),
        // Throughput ratio: messages per second, ours over rtrb's; the
        // median of the paired rounds' ratios, and their least and most.
        ("ring_msgs_ratio_vs_rtrb_host", round(ratio, 3)),
        ("ring_msgs_ratio_vs_rtrb_host_lo", round(lo, 3)),
        ("ring_msgs_ratio_vs_rtrb_host_hi", round(hi, 3)),
    ]
}
