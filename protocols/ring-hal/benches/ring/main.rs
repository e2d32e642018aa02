// SPDX-License-Identifier: MIT
//! Host benchmark of the ring with its real window accessor
//! (`cargo bench -p bulkhead-ring-hal --bench ring`; `cargo xtask bench`
//! runs it and records its `BENCH name=value` lines in `results.json`).
//!
//! It lives here, as a bench target of `bulkhead-ring-hal`, because the
//! real [`SharedWindow`](bulkhead_ring_hal::SharedWindow) over heap memory
//! can only be made with `unsafe`, which the workspace allows only in
//! `*-hal` crates; a bench target adds no crate and keeps its
//! dependencies (`rtrb`) out of every domain's build.
//!
//! Method (for a noisy two-core machine): single-threaded, each contender
//! runs in rounds interleaved with the other's, in alternating order,
//! after a warm-up; each time is the median of its rounds, each ratio the
//! median of the paired rounds' ratios, reported with their least and
//! most (`_lo`, `_hi`: the spread a wall clock gives); every input
//! and output passes through `std::hint::black_box`. The message benchmark
//! pushes a batch of 250 frames, then pops them: the SPSC discipline holds
//! (one producer, one consumer, each index published with release and read
//! with acquire), only the two ends share a thread. Built with cargo's
//! bench profile, that is the release profile (opt-level "s", LTO, one
//! codegen unit): the code as the domains ship it.
//!
//! - `ring_msgs_*_host`: [`msgs`]; the ratio is our messages/s over rtrb's.
//! - `ring_bulk_*_host`: [`bulk`]; the ratio is memcpy's time over ours.
//!
//! These wall-clock figures are information only: the targets are counted
//! in instructions as the domains run the same code (`domains/test/ringbench`,
//! `cargo xtask bench --ring-only`), which repeat exactly; here, on x86-64,
//! long copies are one `rep movsb`, not the domains' 16-byte loop.
//!
//! An argument `msgs` or `bulk` (`cargo bench ... -- msgs`) runs only that
//! half.

mod bulk;
mod heap;
mod measure;
mod msgs;

fn main() {
    println!(
        "ring benchmark: {} rounds each, interleaved; {} messages of {} bytes, {} KiB copies",
        measure::ROUNDS,
        msgs::MESSAGES,
        msgs::FRAME,
        bulk::BYTES / 1024
    );
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut results = Vec::new();
    if wanted("msgs") {
        results.extend(msgs::run());
    }
    if wanted("bulk") {
        results.extend(bulk::run());
    }
    for (name, value) in results {
        println!("BENCH {name}={value}");
    }
}
