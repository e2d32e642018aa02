// SPDX-License-Identifier: MIT
//! `ringbench`: the ring benchmark as domains run it, in instructions
//! (`cargo xtask bench --ring-only`; method: `build/src/cmd/bench/ring.rs`).
//!
//! Every count is PMU event 0x08 (INST_RETIRED) at EL1 only, on the vCPU
//! that runs the code, read (`isb; mrs`) around the measured loop; the
//! cost of an empty read pair (the median of `EMPTY` of them, per vCPU) is
//! subtracted for every measured region (`domain_benchkit::difference`).
//!
//! - Messages: vCPU 0 produces and vCPU 1 consumes, in batches of `BATCH`
//!   64-byte postcard frames handed over by a flag (so no push finds the
//!   ring full and no pop finds it empty): first through our ring
//!   (`Producer::send`, `Consumer::receive` over the real `SharedWindow`
//!   in this domain's RAM), then through `rtrb` carrying the same frames
//!   in `[u8; 64]` slots (encode, push; pop, decode), both checking every
//!   message. Each side reports its total instructions over all its
//!   batches; the waiting between batches is not counted.
//! - Bulk: one 64 KiB copy into a data area (`DataArea::put` through the
//!   real `SharedWindow`: the volatile 16-byte loop of `bulkhead-ring-hal`)
//!   and one `copy_from_slice` into plain memory, `COPIES` times each
//!   (median), page-aligned buffers, then both read back and compared.
//!   vCPU 1 is not started yet.
//!
//! The waiting vCPU waits in `wfe`, which under QEMU's TCG yields to the
//! other vCPU: the counter (which QEMU derives from the global instruction
//! count) then advances only by the measuring vCPU's own instructions.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

extern crate alloc;

use alloc::vec;
use bulkhead_ring::bench_message::{FRAME, Request};
use bulkhead_ring::{Consumer, DataArea, DataRef, Producer, RingLayout};
use bulkhead_ring_hal::SharedWindow;
use core::fmt::Write;
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering, compiler_fence};
use domain_benchkit::{difference, median, report};
use domain_rt::arena::WindowArena;
use domain_rt::probe::pmu;
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// Messages per contender.
const MESSAGES: usize = 10_000;
/// Messages per hand-over (both rings hold a whole batch).
const BATCH: usize = 250;
/// Our ring's data bytes: room for a batch of 68-byte frames.
const CAPACITY: u32 = 32 * 1024;
/// Bytes per bulk copy.
const BYTES: usize = 64 * 1024;
/// Copies per contender (odd: a true median).
const COPIES: usize = 5;
/// Empty read pairs for the baseline (odd).
const EMPTY: usize = 101;
/// Page size, for alignment.
const PAGE: usize = 4096;

/// PMEVTYPER: INST_RETIRED at EL1 only (not EL0: U; not EL2: NSH clear).
const EL1_ONLY: u64 = (1 << 30) | 0x08;

/// The message ring's window: header and data (checked by `RingLayout`).
static RING: WindowArena<{ CAPACITY as usize + PAGE }> = WindowArena::new();
/// A channel-like window: a 4 KiB ring, then the 64 KiB data area on the
/// next page.
static BULK: WindowArena<{ 2 * PAGE + BYTES }> = WindowArena::new();

/// Hand-over steps: even = the producer's turn for batch `step / 2`, odd
/// = the consumer's; our ring's batches first, then rtrb's.
static STEP: AtomicU32 = AtomicU32::new(0);
/// The consuming ends, handed from vCPU 0 to vCPU 1.
static CONSUMERS: spin::Mutex<Option<Ends>> = spin::Mutex::new(None);
/// vCPU 1's totals (ours, rtrb's) and its baseline per region, published
/// before the last step.
static RECEIVED: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

type Ends = (Consumer<SharedWindow>, rtrb::Consumer<[u8; FRAME]>);

/// EL1 instructions `f` takes, plus one empty read pair.
fn counted(f: impl FnOnce()) -> u64 {
    let before = pmu::counter2();
    compiler_fence(Ordering::SeqCst);
    f();
    compiler_fence(Ordering::SeqCst);
    pmu::counter2().wrapping_sub(before)
}

/// The median cost of an empty read pair on this vCPU.
fn empty() -> u64 {
    let mut samples = [0u64; EMPTY];
    for s in &mut samples {
        *s = counted(|| ());
    }
    median(&mut samples)
}

/// Waits for hand-over step `step`.
fn wait_for(step: u32) {
    while STEP.load(Ordering::Acquire) != step {
        domain_rt::wait_for_event();
    }
}

/// Hands over to step `step`.
fn hand_over(step: u32) {
    STEP.store(step, Ordering::Release);
    domain_rt::send_event();
}

const BATCHES: u32 = (MESSAGES / BATCH) as u32;

fn main(boot: Boot) {
    pmu::start([EL1_ONLY; 3]);
    if boot.vcpu == 1 {
        consume();
        return;
    }
    domain_benchkit::report_icount_proof();
    let empty = empty();
    bulk(empty);
    messages(empty);
    let _ = writeln!(Console, "BENCH done");
}

/// vCPU 0: the bulk copies.
fn bulk(empty: u64) {
    let area =
        DataArea { base: RingLayout { base: 0, capacity: 4096 }.footprint().next_multiple_of(PAGE), size: BYTES };
    let window = BULK.window();
    let whole = DataRef { offset: 0, len: BYTES as u32 };
    let (mut source_storage, mut plain_storage) = (vec![0u8; BYTES + PAGE], vec![0u8; BYTES + PAGE]);
    let at = source_storage.as_ptr().align_offset(PAGE);
    let source = &mut source_storage[at..at + BYTES];
    source.iter_mut().enumerate().for_each(|(i, b)| *b = (i * 7 + 3) as u8);
    let source = &*source;
    let at = plain_storage.as_ptr().align_offset(PAGE);
    let plain = &mut plain_storage[at..at + BYTES];
    let (mut ours, mut theirs) = ([0u64; COPIES], [0u64; COPIES]);
    for k in 0..COPIES {
        ours[k] = counted(|| area.put(black_box(&window), black_box(whole), black_box(source)).expect("in the area"));
        theirs[k] = counted(|| black_box(&mut *plain).copy_from_slice(black_box(source)));
    }
    assert!(*plain == *source, "the plain copy went wrong");
    plain.fill(0);
    area.get(&window, whole, plain).expect("in the area");
    assert!(*plain == *source, "the copy into the data area went wrong");
    difference("ring_bulk_insns", median(&mut ours), empty);
    difference("ring_bulk_memcpy_insns", median(&mut theirs), empty);
}

/// vCPU 0: the producing side, then the report.
fn messages(empty: u64) {
    let mut slot = [0u8; FRAME];
    assert_eq!(postcard::to_slice(&Request::new(0), &mut slot).map(|s| s.len()), Ok(FRAME));
    assert_eq!(postcard::to_slice(&Request::new(MESSAGES), &mut slot).map(|s| s.len()), Ok(FRAME));
    let layout = RingLayout { base: 0, capacity: CAPACITY };
    let mut p = Producer::new(RING.window(), layout).expect("layout");
    let c = Consumer::new(RING.window(), layout).expect("layout");
    let (mut rp, rc) = rtrb::RingBuffer::new(BATCH);
    *CONSUMERS.lock() = Some((c, rc));
    let status = domain_rt::cpu_on(1, 0);
    assert!(status == 0, "cpu_on vCPU 1: {status}");

    let mut scratch = [0u8; FRAME];
    let mut ours = 0u64;
    for batch in 0..BATCHES {
        wait_for(2 * batch);
        let start = batch as usize * BATCH;
        ours += counted(|| {
            for i in start..start + BATCH {
                p.send(black_box(&Request::new(i)), &mut scratch).expect("send");
            }
        });
        hand_over(2 * batch + 1);
    }
    let mut theirs = 0u64;
    for batch in BATCHES..2 * BATCHES {
        wait_for(2 * batch);
        let start = (batch - BATCHES) as usize * BATCH;
        theirs += counted(|| {
            for i in start..start + BATCH {
                let mut slot = [0u8; FRAME];
                postcard::to_slice(black_box(&Request::new(i)), &mut slot).expect("encode");
                rp.push(slot).expect("push");
            }
        });
        hand_over(2 * batch + 1);
    }
    wait_for(4 * BATCHES);
    let baseline = u64::from(BATCHES) * empty;
    let received = RECEIVED.each_ref().map(|r| r.load(Ordering::Acquire));
    report("ring_msgs_messages", MESSAGES as u64);
    difference("ring_msgs_send_insns", ours, baseline);
    difference("ring_msgs_receive_insns", received[0], received[2]);
    difference("ring_msgs_rtrb_send_insns", theirs, baseline);
    difference("ring_msgs_rtrb_receive_insns", received[1], received[2]);
}

/// vCPU 1: the consuming side.
fn consume() {
    let empty = empty();
    let Some((mut c, mut rc)) = CONSUMERS.lock().take() else {
        panic!("vCPU 1 started before the ends were ready");
    };
    let mut buf = [0u8; FRAME];
    let mut ours = 0u64;
    for batch in 0..BATCHES {
        wait_for(2 * batch + 1);
        let start = batch as usize * BATCH;
        ours += counted(|| {
            for i in start..start + BATCH {
                let m: Request<'_> = c.receive(&mut buf).expect("receive");
                black_box(&m).check(i);
            }
        });
        hand_over(2 * batch + 2);
    }
    let mut theirs = 0u64;
    for batch in BATCHES..2 * BATCHES {
        wait_for(2 * batch + 1);
        let start = (batch - BATCHES) as usize * BATCH;
        theirs += counted(|| {
            for i in start..start + BATCH {
                let slot = rc.pop().expect("pop");
                let m: Request<'_> = postcard::from_bytes(&slot).expect("decode");
                black_box(&m).check(i);
            }
        });
        if batch + 1 == 2 * BATCHES {
            RECEIVED[0].store(ours, Ordering::Relaxed);
            RECEIVED[1].store(theirs, Ordering::Relaxed);
            RECEIVED[2].store(u64::from(BATCHES) * empty, Ordering::Relaxed);
        }
        hand_over(2 * batch + 2);
    }
}
