// SPDX-License-Identifier: MIT
//! `bench`: the measuring guest of `cargo xtask bench`.
//!
//! It counts instructions with the PMU (event 0x08, INST_RETIRED, which
//! QEMU counts under `-icount`): counter 0 counts EL2 only (P=U=1, NSH=1),
//! counter 1 counts every level (NSH=1). The kernel lets a guest do this in
//! benchmark builds only. Each figure is the median of `SAMPLES` samples
//! minus the median of the same number of empty measurements. Results are
//! printed as `BENCH <name>=<value>` lines for the build tool to collect
//! (`domain_benchkit`: a baseline above its figure is a `BENCH-ERROR`).
//! It also runs the icount proof (`domain_benchkit::report_icount_proof`).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_abi::Hypercall;
use core::fmt::Write;
use domain_benchkit::{difference, median, report};
use domain_rt::probe::{self, pmu};
use domain_rt::{Boot, Console, call};

domain_rt::entry!(main);

/// Samples per figure (odd, for a true median).
const SAMPLES: usize = 101;
/// The native-WFI domain's pCPU on the bench board.
const IDLE_PCPU: u64 = 3;
/// The same domain with `wfi` trapped, for comparison.
const TRAPPED_PCPU: u64 = 2;
/// How long the idle domain is watched, in milliseconds of virtual time.
const IDLE_MS: u64 = 10;

/// INST_RETIRED.
const INST_RETIRED: u64 = 0x08;
/// PMEVTYPER: do not count EL1 (P), do not count EL0 (U), count EL2 (NSH).
const EL2_ONLY: u64 = (1 << 31) | (1 << 30) | (1 << 27) | INST_RETIRED;
/// PMEVTYPER: count every level, EL2 included.
const ALL_LEVELS: u64 = (1 << 27) | INST_RETIRED;
/// PMEVTYPER: count EL1 only (not EL0, not EL2).
const EL1_ONLY: u64 = (1 << 30) | INST_RETIRED;
fn sample_hvc() -> (u64, u64) {
    pmu::across_hvc(Hypercall::Null as u64)
}

fn sample_heartbeat() -> (u64, u64) {
    pmu::across_hvc(Hypercall::Heartbeat as u64)
}

fn measure(f: fn() -> (u64, u64)) -> (u64, u64) {
    let mut el2 = [0u64; SAMPLES];
    let mut all = [0u64; SAMPLES];
    for i in 0..SAMPLES {
        (el2[i], all[i]) = f();
    }
    (median(&mut el2), median(&mut all))
}

/// IPC over the channel `bench-ipc` to `bench-peer`: the notify
/// hypercall's EL2 cost, and the round trip (we notify, the peer wakes and
/// notifies back, we see it) counted on this vCPU at every level. Under
/// `-icount` only one vCPU executes at a time and a vCPU's PMU counts every
/// instruction executed while it waits (virtual time), so with every other
/// vCPU halted this one count covers both sides. The peer reports what
/// delivering a doorbell costs on its pCPU.
fn ipc() {
    let Some(end) = domain_rt::caps::ChannelEnd::find("bench-ipc") else {
        return;
    };
    let mut send = [0u64; SAMPLES];
    let mut round = [0u64; SAMPLES];
    for i in 0..SAMPLES {
        domain_rt::caps::pending();
        let start = pmu::counter1();
        let (el2, _) = pmu::across_hvc_with(Hypercall::Notify as u64, end.slot);
        while domain_rt::caps::wait() & end.bit() == 0 {}
        round[i] = pmu::counter1().wrapping_sub(start);
        send[i] = el2;
    }
    let (base_el2, _) = measure(pmu::across_nothing);
    difference("ipc_notify_send_el2_insns", median(&mut send), base_el2);
    report("ipc_pingpong_roundtrip_insns", median(&mut round));
}

fn main(_boot: Boot) {
    pmu::start([EL2_ONLY, ALL_LEVELS, EL1_ONLY]);
    domain_benchkit::report_icount_proof();
    let (base_el2, base_all) = measure(pmu::across_nothing);
    let (hvc_el2, hvc_all) = measure(sample_hvc);
    difference("hvc_null_roundtrip_el2_insns", hvc_el2, base_el2);
    difference("hvc_null_roundtrip_insns", hvc_all, base_all);
    let (beat_el2, _) = measure(sample_heartbeat);
    difference("hvc_heartbeat_roundtrip_el2_insns", beat_el2, base_el2);

    ipc();

    // The idle domain sleeps in native `wfi`. This pCPU sleeps IDLE_MS on
    // the kernel's timer (which keeps virtual time moving while every vCPU
    // sleeps), and the kernel's entries on the idle pCPU are counted.
    let before = call(Hypercall::BenchEl2Entries as u32, IDLE_PCPU, 0, 0);
    let trapped_before = call(Hypercall::BenchEl2Entries as u32, TRAPPED_PCPU, 0, 0);
    let (start, _) = probe::counter();
    call(Hypercall::BenchSleep as u32, IDLE_MS, 0, 0);
    let after = call(Hypercall::BenchEl2Entries as u32, IDLE_PCPU, 0, 0);
    let trapped_after = call(Hypercall::BenchEl2Entries as u32, TRAPPED_PCPU, 0, 0);
    difference("idle_el2_entries", after, before);
    difference("idle_trapped_wfi_el2_entries", trapped_after, trapped_before);
    difference("idle_window_ticks", probe::counter().0, start);
    let _ = writeln!(Console, "BENCH done");
}
