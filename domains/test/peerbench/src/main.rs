// SPDX-License-Identifier: MIT
//! `peerbench`: one image, measured natively, under Bulkhead and under
//! Xen 4.17 (a dom0less domU), on the same QEMU, for
//! `cargo xtask bench --peers` (`build/src/cmd/bench/xen.rs` runs it and
//! says how).
//!
//! Where it runs it learns at entry: Bulkhead passes its entry magic in x3
//! (`domain_rt::native()` is false); a Linux-style boot passes a device
//! tree in x0, and Xen's has its vpl011 (`arm,sbsa-uart`); natively QEMU boots
//! the ELF with x0 = 0. The only differences between the runs are two
//! shims: where the console and the GIC are (Xen's guest layout: vpl011 at
//! 0x2200_0000, GICD 0x0300_1000, GICR 0x0302_0000), and which hypercall
//! is the cheapest (Bulkhead's `Null`, `hvc #0`; Xen's `xen_version`,
//! `hvc #0xEA1`, x16 = 17). Everything is counted with the virtual counter
//! (`isb` before each read): with `-icount shift=0` and `-cpu max` on an
//! unversioned `virt` machine it runs at 1 GHz, one tick per instruction
//! at any level (Xen keeps the PMU from its guests, so the PMU is not used).
//!
//! 1. Hypercall round trip: the median of [`HVC_SAMPLES`] counter brackets
//!    around the call, minus the median of as many empty brackets.
//! 2. Virtual-timer latency, guest busy: IRQs unmasked, the vCPU spinning
//!    on a flag (no `wfi`), the timer armed at a pseudo-random distance
//!    ([`MIN_AHEAD`] plus an xorshift draw below [`SPREAD`]) so deadlines
//!    fall at every phase of the loop and of whatever runs underneath. The
//!    latency is the counter read by the third instruction of the IRQ
//!    vector (`domain_rt::irq::entry_stamp`) minus the deadline. After
//!    [`WARMUP`] samples it keeps [`SAMPLES`] and prints every one.
//! 3. Device-SPI latency, guest busy: QEMU virt's PL031 RTC ([`RTC`], SPI 2
//!    = INTID 34, level-sensitive), passed through to the guest (a board
//!    device under Bulkhead, `xen,passthrough` under Xen). Its raw
//!    interrupt status is latched once (match register = current count),
//!    so unmasking it (`RTCIMSC` = 1) raises the line at once, and the
//!    handler masks it again before its EOI. Each sample spins an
//!    xorshift-drawn 0..[`SPREAD`] iterations with IRQs unmasked, reads the
//!    counter, then unmasks: the latency is the counter at the third
//!    instruction of the IRQ vector minus that read. The device, not the
//!    GIC's `ISPENDR`, raises the line, so under trap-and-inject the path
//!    is the physical SPI into EL2, its injection and the guest's vector
//!    (an `ISPENDR` write would be trapped and time the distributor's
//!    emulation instead). The phase is the guest's own store, so the spin
//!    varies only what runs underneath meanwhile.
//!
//! Output: `BENCH name=value` lines and `SAMPLES timer_busy|spi_busy
//! <first> v,v,...` lines (short: Xen's vpl011 breaks lines at 128 bytes), then
//! `BENCH done`. A figure that cannot be right (a latency with the stamp
//! before the deadline, a bracket no longer than the empty one, a Xen
//! version that is not 4.17) panics instead.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use bulkhead_abi::Hypercall;
use core::fmt::Write;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};
use domain_rt::peer;
use domain_rt::{Boot, Console, gic, irq, probe, timer};

domain_rt::entry!(main);

/// Hypercall brackets per figure (odd: a true median).
const HVC_SAMPLES: usize = 1001;
/// Timer samples dropped before measuring.
const WARMUP: usize = 50;
/// Timer samples kept.
const SAMPLES: usize = 1000;
/// Shortest distance from arming to the deadline, in ticks.
const MIN_AHEAD: u64 = 3000;
/// The random part of the distance: below this many ticks.
const SPREAD: u64 = 4096;
/// Samples per `SAMPLES` line.
const PER_LINE: usize = 12;
/// The virtual timer's INTID.
const VTIMER: u32 = timer::INTID;
/// QEMU virt's PL031 RTC (the same guest address natively, under Bulkhead
/// and under Xen) and its registers.
const RTC: u64 = 0x0901_0000;
const RTC_DR: u64 = 0x00;
const RTC_MR: u64 = 0x04;
const RTC_IMSC: u64 = 0x10;
const RTC_RIS: u64 = 0x14;
/// The RTC's interrupt (SPI 2).
const RTC_INTID: u32 = 34;
/// `xen_version(XENVER_version)` on Xen 4.17.
const XEN_4_17: u64 = (4 << 16) | 17;

/// Where this image runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Host {
    Native,
    Bulkhead,
    Xen,
}

impl Host {
    fn name(self) -> &'static str {
        match self {
            Host::Native => "native",
            Host::Bulkhead => "bulkhead",
            Host::Xen => "xen",
        }
    }
}

static DEADLINE: AtomicU64 = AtomicU64::new(0);
static STAMP: AtomicU64 = AtomicU64::new(0);
static FIRED: AtomicU32 = AtomicU32::new(0);
static OTHER: AtomicU32 = AtomicU32::new(0);

fn on_irq(intid: u32) {
    match intid {
        VTIMER => timer::stop(),
        RTC_INTID => {
            // Lower the line before the EOI (read back: the mask has
            // reached the device), or the level would fire again.
            probe::write_u32(RTC + RTC_IMSC, 0);
            let _ = probe::read_u32(RTC + RTC_IMSC);
        }
        _ => {
            OTHER.fetch_add(1, SeqCst);
            return;
        }
    }
    STAMP.store(irq::entry_stamp(), SeqCst);
    FIRED.fetch_add(1, SeqCst);
}

fn detect(boot: &Boot) -> Host {
    if !domain_rt::native() {
        return Host::Bulkhead;
    }
    match peer::boot_fdt(boot.context) {
        // Xen's domU tree has its vpl011 (`arm,sbsa-uart`), and `xen,xen`
        // in `/hypervisor` when the domain is dom0less-enhanced.
        Some(fdt) if [&b"arm,sbsa-uart"[..], b"xen,xen"].iter().any(|s| fdt.windows(s.len()).any(|w| w == *s)) => {
            Host::Xen
        }
        _ => Host::Native,
    }
}

fn report(name: &str, value: u64) {
    let _ = writeln!(Console, "BENCH {name}={value}");
}

fn median(samples: &mut [u64]) -> u64 {
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or(0)
}

/// Median ticks of `f` over [`HVC_SAMPLES`] calls.
fn median_of(mut f: impl FnMut() -> u64) -> u64 {
    let mut samples = [0u64; HVC_SAMPLES];
    for s in samples.iter_mut() {
        *s = f();
    }
    median(&mut samples)
}

/// The hypercall round trip, empty bracket subtracted.
fn hypercall(host: Host) {
    let empty = median_of(peer::cntvct_across_nothing);
    let call = match host {
        Host::Native => return,
        Host::Bulkhead => median_of(|| {
            let (ticks, ret) = peer::cntvct_across_hvc(Hypercall::Null as u64);
            assert_eq!(ret, 0, "the Null hypercall failed");
            ticks
        }),
        Host::Xen => median_of(|| {
            let (ticks, ret) =
                peer::cntvct_across_xen_hypercall(peer::XEN_HYPERCALL_XEN_VERSION, peer::XENVER_VERSION, 0);
            assert_eq!(ret, XEN_4_17, "xen_version did not say 4.17");
            ticks
        }),
    };
    let Some(roundtrip) = call.checked_sub(empty).filter(|&r| r > 0) else {
        panic!("the hypercall bracket ({call} ticks) is not longer than the empty one ({empty})");
    };
    report("hypercall_empty_bracket_insns", empty);
    report("hypercall_roundtrip_insns", roundtrip);
}

/// xorshift64: the arming distances.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// Timer latency with the vCPU busy; prints every kept sample.
fn timer_busy() {
    gic::init_distributor();
    gic::init_cpu(0);
    irq::install(on_irq);
    gic::enable(VTIMER, 0);
    irq::enable();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut latency = [0u64; SAMPLES];
    let mut spins = 0u64;
    for i in 0..WARMUP + SAMPLES {
        let want = i as u32 + 1;
        let deadline = timer::counter() + MIN_AHEAD + rng.next() % SPREAD;
        DEADLINE.store(deadline, SeqCst);
        timer::arm_at(deadline);
        // Busy: IRQs unmasked, no `wfi`; the interrupt lands anywhere in here.
        while FIRED.load(SeqCst) < want {
            spins = spins.wrapping_add(1);
        }
        let stamp = STAMP.load(SeqCst);
        let Some(late) = stamp.checked_sub(deadline).filter(|&l| l > 0) else {
            panic!("sample {i}: the IRQ vector ran at {stamp}, not after the deadline {deadline}");
        };
        if let Some(k) = i.checked_sub(WARMUP) {
            latency[k] = late;
        }
    }
    irq::disable();
    gic::disable(VTIMER, 0);
    report("timer_busy_samples", SAMPLES as u64);
    report("timer_busy_spins", spins);
    print_samples("timer_busy", &latency);
}

/// Prints `samples` as `SAMPLES <series> <first> v,v,...` lines.
fn print_samples(series: &str, samples: &[u64]) {
    for (line, chunk) in samples.chunks(PER_LINE).enumerate() {
        let mut out = Console;
        let _ = write!(out, "SAMPLES {series} {} ", line * PER_LINE);
        for (j, v) in chunk.iter().enumerate() {
            let _ = write!(out, "{}{v}", if j == 0 { "" } else { "," });
        }
        let _ = writeln!(out);
    }
}

/// Latches the RTC's raw interrupt status (match register = the current
/// count: QEMU's PL031 raises it at once) with the line masked. The count
/// can tick between the read and the write, so it tries a few times.
fn latch_rtc() {
    probe::write_u32(RTC + RTC_IMSC, 0);
    for _ in 0..8 {
        let now = probe::read_u32(RTC + RTC_DR);
        probe::write_u32(RTC + RTC_MR, now);
        if probe::read_u32(RTC + RTC_RIS) & 1 == 1 {
            return;
        }
    }
    panic!("the PL031 at {RTC:#x} did not latch its interrupt: is it there?");
}

/// Device-SPI latency with the vCPU busy; prints every kept sample.
fn spi_busy() {
    latch_rtc();
    gic::enable(RTC_INTID, 0);
    irq::enable();
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    let mut latency = [0u64; SAMPLES];
    let mut spins = 0u64;
    let base = FIRED.load(SeqCst);
    for i in 0..WARMUP + SAMPLES {
        let want = base + i as u32 + 1;
        // Busy first, for a pseudo-random while: IRQs unmasked, no `wfi`.
        for _ in 0..rng.next() % SPREAD {
            spins = core::hint::black_box(spins.wrapping_add(1));
        }
        let raised = timer::counter();
        probe::write_u32(RTC + RTC_IMSC, 1);
        while FIRED.load(SeqCst) < want {
            spins = spins.wrapping_add(1);
        }
        let stamp = STAMP.load(SeqCst);
        let Some(late) = stamp.checked_sub(raised).filter(|&l| l > 0) else {
            panic!("sample {i}: the IRQ vector ran at {stamp}, not after the SPI was raised at {raised}");
        };
        if let Some(k) = i.checked_sub(WARMUP) {
            latency[k] = late;
        }
    }
    irq::disable();
    gic::disable(RTC_INTID, 0);
    report("spi_busy_samples", SAMPLES as u64);
    report("spi_busy_spins", spins);
    print_samples("spi_busy", &latency);
}

fn main(boot: Boot) {
    let host = detect(&boot);
    if host == Host::Xen {
        domain_rt::set_native_uart(peer::XEN_VPL011);
        gic::relocate(peer::XEN_GICD, peer::XEN_GICR);
    }
    let _ = writeln!(Console, "peerbench: running {}", host.name());
    report("counter_hz", timer::frequency());
    domain_benchkit::report_icount_proof();
    hypercall(host);
    timer_busy();
    spi_busy();
    report("irq_other", u64::from(OTHER.load(SeqCst)));
    let _ = writeln!(Console, "BENCH done");
}
