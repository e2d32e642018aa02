// SPDX-License-Identifier: MIT
//! Bulk data: one 64 KiB copy into a data area (`DataArea::put` through the
//! real [`SharedWindow`]) against `copy_from_slice` into plain memory.
//! Source, area and plain destination all start on a page boundary, so
//! neither contender gains or loses from how its buffers alias in the
//! cache (memcpy's speed depends on the source-destination distance
//! modulo 4 KiB).
//!
//! [`SharedWindow`]: bulkhead_ring_hal::SharedWindow

use crate::heap::HeapWindow;
use crate::measure::{self, round};
use bulkhead_ring::{DataArea, DataRef, RingLayout};
use std::hint::black_box;

/// Bytes per copy.
pub const BYTES: usize = 64 * 1024;
/// Copies per round (256 MiB).
const COPIES: usize = 4096;

/// Page size, for alignment.
const PAGE: usize = 4096;

/// `BYTES` bytes of plain memory starting on a page boundary.
fn page_aligned(storage: &mut Vec<u8>) -> &mut [u8] {
    *storage = vec![0u8; BYTES + PAGE];
    let start = storage.as_ptr().align_offset(PAGE);
    &mut storage[start..start + BYTES]
}

/// Runs the comparison; returns `BENCH` metrics.
pub fn run() -> Vec<(&'static str, f64)> {
    // A channel window: a 4 KiB ring, then the data area on the next page.
    let ring = RingLayout { base: 0, capacity: 4096 };
    let area = DataArea { base: ring.footprint().next_multiple_of(PAGE), size: BYTES };
    let memory = HeapWindow::new(area.base + area.size);
    let window = memory.window();
    let whole = DataRef { offset: 0, len: BYTES as u32 };
    let (mut source_storage, mut plain_storage) = (Vec::new(), Vec::new());
    let source = page_aligned(&mut source_storage);
    source.iter_mut().enumerate().for_each(|(i, b)| *b = (i * 7 + 3) as u8);
    let source = &*source;
    let plain = page_aligned(&mut plain_storage);

    let rounds = measure::interleaved(
        || {
            for _ in 0..COPIES {
                area.put(black_box(&window), black_box(whole), black_box(source)).expect("in the area");
            }
        },
        || {
            for _ in 0..COPIES {
                black_box(&mut *plain).copy_from_slice(black_box(source));
            }
        },
    );
    let mut back = vec![0u8; BYTES];
    area.get(&window, whole, &mut back).expect("in the area");
    assert!(back == source && *plain == *source, "a copy went wrong");

    let (a, b) = rounds.medians();
    let (ratio, lo, hi) = rounds.ratio();
    let gbps = |d: std::time::Duration| (BYTES * COPIES) as f64 / d.as_secs_f64() / 1e9;
    vec![
        ("ring_bulk_gbps_host", round(gbps(a), 2)),
        ("ring_bulk_memcpy_gbps_host", round(gbps(b), 2)),
        // Time ratio: memcpy's time over ours (1.0 = as fast as memcpy);
        // the median of the paired rounds' ratios, and their least and most.
        ("ring_bulk_ratio_vs_memcpy_host", round(ratio, 3)),
        ("ring_bulk_ratio_vs_memcpy_host_lo", round(lo, 3)),
        ("ring_bulk_ratio_vs_memcpy_host_hi", round(hi, 3)),
    ]
}
