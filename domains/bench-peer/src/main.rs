// SPDX-License-Identifier: MIT
//! `bench-peer`: the other end of the benchmark's IPC channel. It sleeps in
//! native `wfi`; each doorbell wakes it, it counts the EL2 instructions its
//! pCPU spent between going to sleep and waking (the doorbell's delivery),
//! takes the doorbell and rings back. After `SAMPLES` rounds it reports the
//! median delivery cost.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, pending};
use domain_rt::probe::pmu;
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// Rounds the benchmark domain runs (it sends one more to collect this
/// domain's report).
const SAMPLES: usize = 101;
/// PMEVTYPER: EL2 only; every level.
const EL2_ONLY: u64 = (1 << 31) | (1 << 30) | (1 << 27) | 0x08;
const ALL_LEVELS: u64 = (1 << 27) | 0x08;
const EL1_ONLY: u64 = (1 << 30) | 0x08;

fn main(_boot: Boot) {
    pmu::start([EL2_ONLY, ALL_LEVELS, EL1_ONLY]);
    let Some(end) = ChannelEnd::find("bench-ipc") else { return };
    let mut deliver = [0u64; SAMPLES];
    for sample in deliver.iter_mut() {
        let before = pmu::counter0();
        while pending() & end.bit() == 0 {
            domain_rt::wait_for_interrupt();
        }
        *sample = pmu::counter0().wrapping_sub(before);
        end.notify();
    }
    deliver.sort_unstable();
    let _ = writeln!(Console, "BENCH ipc_notify_deliver_el2_insns={}", deliver[SAMPLES / 2]);
}
