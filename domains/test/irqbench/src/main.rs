// SPDX-License-Identifier: MIT
//! `irqbench`: guest timer-interrupt latency, the way the Bao and Xen
//! latency papers measure it. The same image runs natively (no hypervisor),
//! under Bulkhead with trap-and-inject delivery, and with direct delivery;
//! `cargo xtask bench` runs all three under `-icount shift=0` (the counter
//! runs at 1 GHz there: 1 tick = 1 ns = 1 instruction).
//!
//! Each sample arms the virtual timer 5,000 ticks ahead (CNTV_CVAL_EL0),
//! sleeps in `wfi` with IRQs masked, unmasks when woken, and takes the
//! interrupt. The latency is the counter value read by the third
//! instruction of the IRQ vector (`domain_rt::irq::entry_stamp`) minus the
//! deadline: the same guest code in every configuration. After 20 warm-up
//! samples it takes 1,000 and prints their mean and max, the median EL2
//! instructions per interrupt (PMU, EL2 only; a sleeping vCPU sleeps at
//! EL1 here, so nothing else is counted) and the EL2 entries its pCPU took
//! per interrupt (rounded up: 0 means none at all).
//!
//! Runs on pCPU 1 of its benchmark boards (`PCPU`), every other vCPU halted.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_abi::Hypercall;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use domain_benchkit::report;
use domain_rt::probe::pmu;
use domain_rt::{Boot, Console, gic, irq, timer};

domain_rt::entry!(main);

const WARMUP: usize = 20;
const SAMPLES: usize = 1000;
/// Ticks between arming and the deadline.
const AHEAD: u64 = 5_000;
/// The pCPU the benchmark boards pin this domain to.
const PCPU: u64 = 1;
/// The virtual timer's INTID.
const VTIMER: u32 = 27;
/// PMEVTYPER: EL2 only; every level; EL1 only.
const EL2_ONLY: u64 = (1 << 31) | (1 << 30) | (1 << 27) | 0x08;
const ALL_LEVELS: u64 = (1 << 27) | 0x08;
const EL1_ONLY: u64 = (1 << 30) | 0x08;

static DEADLINE: AtomicU64 = AtomicU64::new(0);
static LATENCY: AtomicU64 = AtomicU64::new(0);
static FIRED: AtomicU32 = AtomicU32::new(0);
static OTHER: AtomicU32 = AtomicU32::new(0);

fn on_irq(intid: u32) {
    if intid == VTIMER {
        let stamp = irq::entry_stamp();
        timer::stop();
        LATENCY.store(stamp.wrapping_sub(DEADLINE.load(SeqCst)), SeqCst);
        FIRED.fetch_add(1, SeqCst);
    } else {
        OTHER.fetch_add(1, SeqCst);
    }
}

fn el2_entries() -> u64 {
    domain_rt::call(Hypercall::BenchEl2Entries as u32, PCPU, 0, 0)
}

fn main(_boot: Boot) {
    let native = domain_rt::native();
    pmu::start([EL2_ONLY, ALL_LEVELS, EL1_ONLY]);
    domain_benchkit::report_icount_proof();
    gic::init_distributor();
    gic::init_cpu(0);
    irq::install(on_irq);
    gic::enable(VTIMER, 0);
    let mut latency = [0u64; SAMPLES];
    let mut el2 = [0u64; SAMPLES];
    let mut entries_before = 0;
    for i in 0..WARMUP + SAMPLES {
        if i == WARMUP && !native {
            entries_before = el2_entries();
        }
        let el2_before = pmu::counter0();
        let deadline = timer::counter() + AHEAD;
        DEADLINE.store(deadline, SeqCst);
        timer::arm_at(deadline);
        let want = i as u32 + 1;
        irq::wait_until(|| FIRED.load(SeqCst) >= want);
        let spent = pmu::counter0().wrapping_sub(el2_before);
        if let Some(k) = i.checked_sub(WARMUP) {
            latency[k] = LATENCY.load(SeqCst);
            el2[k] = spent;
        }
    }
    // The two BenchEl2Entries calls enter EL2 once each; the first is
    // counted before its read, the second before its read too.
    let entries_after = if native { 0 } else { el2_entries() };
    let mean = latency.iter().sum::<u64>() / SAMPLES as u64;
    let max = latency.iter().copied().max().unwrap_or(0);
    el2.sort_unstable();
    report("irq_latency_mean", mean);
    report("irq_latency_max", max);
    report("irq_el2_insns", el2[SAMPLES / 2]);
    if native {
        report("irq_el2_entries", 0);
    } else if let Some(entries) = entries_after.checked_sub(entries_before + 1) {
        report("irq_el2_entries", entries.div_ceil(SAMPLES as u64));
    } else {
        let _ =
            writeln!(Console, "BENCH-ERROR irq_el2_entries: {entries_after} entries after, {entries_before} before");
    }
    report("irq_counter_hz", timer::frequency());
    report("irq_other", u64::from(OTHER.load(SeqCst)));
    let _ = writeln!(Console, "BENCH done");
}
