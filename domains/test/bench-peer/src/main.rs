// SPDX-License-Identifier: MIT
//! `bench-peer`: the other end of the benchmark's IPC channel. It waits
//! for doorbells with the `Wait` hypercall (the pCPU sleeps in the kernel
//! and the call returns the doorbell); for each one it counts the EL2
//! instructions of that call, rings back, and after `SAMPLES` rounds
//! reports the median delivery cost.
//!
//! Under `-icount`, a vCPU's PMU keeps counting while it sleeps: it counts
//! the instructions other vCPUs run meanwhile, at the exception level
//! where it sleeps (here EL2). The kernel's benchmark build reports how
//! much counter 0 advanced during its `wfi`s (`BenchWaitSlept`); that is
//! subtracted, so a sample is the kernel's own work for the delivery.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_abi::Hypercall;
use core::fmt::Write;
use domain_rt::caps::{ChannelEnd, wait};
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

fn slept() -> u64 {
    domain_rt::call(Hypercall::BenchWaitSlept as u32, 0, 0, 0)
}

fn main(_boot: Boot) {
    pmu::start([EL2_ONLY, ALL_LEVELS, EL1_ONLY]);
    let Some(end) = ChannelEnd::find("bench-ipc") else { return };
    let mut deliver = [0u64; SAMPLES];
    for sample in deliver.iter_mut() {
        let slept_before = slept();
        let before = pmu::counter0();
        while wait() & end.bit() == 0 {}
        let el2 = pmu::counter0().wrapping_sub(before);
        let asleep = slept().wrapping_sub(slept_before);
        // The second `BenchWaitSlept` call's own EL2 work is not counted:
        // counter 0 was read before it. Sleeping longer than the whole
        // call is impossible: such a sample is reported as an error.
        let Some(work) = el2.checked_sub(asleep) else {
            let _ =
                writeln!(Console, "BENCH-ERROR ipc_notify_deliver_el2_insns: slept {asleep} of {el2} EL2 instructions");
            return;
        };
        *sample = work;
        end.notify();
    }
    domain_benchkit::report("ipc_notify_deliver_el2_insns", domain_benchkit::median(&mut deliver));
}
