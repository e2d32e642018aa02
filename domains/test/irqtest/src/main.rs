// SPDX-License-Identifier: MIT
//! `irqtest`: the guest side of the virtual GICv3's tests, on two vCPUs.
//! It also boots natively (QEMU virt, `-smp 2`, real GICv3 and PL031).
//!
//! vCPU 0 sets up the distributor and its CPU interface and runs each check
//! in turn, printing `irqtest: <name> ok` or `irqtest: <name> FAILED: <why>`,
//! then `irqtest: all ok` or `irqtest: done, N failed`, and powers off:
//!
//! - `rate`: a 1 ms periodic tick on absolute deadlines (start + k ms), 300
//!   of them: every deadline gives exactly one INTID 27, none before its
//!   deadline, and the 300 take at most 20% longer than 300 ms. On the test
//!   board another domain storms itself with interrupts meanwhile.
//! - `timer`: vCPU 0 arms its virtual timer 10 times, 1 ms each (from
//!   CNTFRQ_EL0), and takes exactly one INTID 27 per shot, never before the
//!   shot's deadline (the counter read in the handler is at or past it).
//!   Even shots sleep in `wfi` until the interrupt, odd ones spin.
//! - `spi`: vCPU 0 sets the PL031 RTC (0x0901_0000, SPI 34, level) to match
//!   one second ahead and sleeps in `wfi`: INTID 34 arrives within 3 s and
//!   is taken exactly once (the handler clears it with RTCICR).
//! - `sgi`: vCPU 0 starts vCPU 1 (PSCI CPU_ON), which installs its vectors,
//!   sets up its CPU interface and enables SGI 3. 100 rounds: vCPU 0 sends
//!   SGI 3 to vCPU 1, which answers with SGI 5 to vCPU 0; after each round
//!   each side has taken exactly one more of its own SGI, both sleeping in
//!   `wfi`, and neither ever takes the other's.
//! - `many`: with IRQs masked, vCPU 0 sends itself SGIs 8..13 and arms its
//!   timer to fire at once, waits 2 ms (none may be taken), then unmasks:
//!   each of the 7 is taken exactly once (more pending interrupts than a
//!   GIC's 4 list registers hold).
//! - `stray`: over the whole run, no vCPU took an INTID it never enabled.
//!
//! Lines `irqtest: <name>: ...` are information only. Natively under
//! `-icount shift=0,sleep=off` virtual time outruns the RTC (host time):
//! add `-rtc clock=vm` there, or `spi` fails.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::SeqCst};
use domain_rt::gic::{self, Trigger};
use domain_rt::{Boot, Console, irq, probe, timer};

domain_rt::entry!(main);

/// vCPUs of this domain.
const VCPUS: usize = 2;
/// INTIDs counted one by one (others count as untracked).
const TRACKED: usize = 64;

/// The PL031 RTC and its registers.
const RTC: u64 = 0x0901_0000;
const RTC_DR: u64 = 0x00;
const RTC_MR: u64 = 0x04;
const RTC_IMSC: u64 = 0x10;
const RTC_RIS: u64 = 0x14;
const RTC_ICR: u64 = 0x1c;
/// The RTC's interrupt (SPI 2).
const RTC_INTID: u32 = 34;

/// vCPU 0 to vCPU 1, and the answer.
const SGI_PING: u32 = 3;
const SGI_PONG: u32 = 5;
/// The SGIs of `many`.
const MANY_SGIS: core::ops::RangeInclusive<u32> = 8..=13;
/// Timer shots of `timer`; rounds of `sgi`.
const TIMER_SHOTS: u64 = 10;
const ROUNDS: u32 = 100;

/// Interrupts taken, by vCPU and INTID.
static COUNTS: [[AtomicU32; TRACKED]; VCPUS] = [const { [const { AtomicU32::new(0) }; TRACKED] }; VCPUS];
/// Interrupts taken with an INTID >= TRACKED, by vCPU.
static UNTRACKED: [AtomicU32; VCPUS] = [const { AtomicU32::new(0) }; VCPUS];
/// The virtual counter when each vCPU last took its timer interrupt.
static TIMER_AT: [AtomicU64; VCPUS] = [const { AtomicU64::new(0) }; VCPUS];
/// The order in which vCPU 0 took interrupts while `LOGGING`.
static LOG: [AtomicU32; 16] = [const { AtomicU32::new(0) }; 16];
static LOG_LEN: AtomicUsize = AtomicUsize::new(0);
static LOGGING: AtomicBool = AtomicBool::new(false);

/// vCPU 1's progress: ready for SGIs; finished; the round it gave up in.
static SECONDARY_READY: AtomicBool = AtomicBool::new(false);
static SECONDARY_DONE: AtomicBool = AtomicBool::new(false);
static SECONDARY_GAVE_UP: AtomicU32 = AtomicU32::new(0);

fn on_irq_vcpu0(intid: u32) {
    handle(0, intid);
}

fn on_irq_vcpu1(intid: u32) {
    handle(1, intid);
}

fn handle(vcpu: usize, intid: u32) {
    match intid {
        timer::INTID => {
            if let Some(at) = TIMER_AT.get(vcpu) {
                at.store(timer::counter(), SeqCst);
            }
            timer::stop();
        }
        RTC_INTID => {
            probe::write_u32(RTC + RTC_ICR, 1);
            // Read back, so the clear has reached the RTC before the EOI.
            let _ = probe::read_u32(RTC + RTC_RIS);
        }
        _ => {}
    }
    if vcpu == 0 && LOGGING.load(SeqCst) {
        let at = LOG_LEN.fetch_add(1, SeqCst);
        if let Some(slot) = LOG.get(at) {
            slot.store(intid, SeqCst);
        }
    }
    let counter = COUNTS.get(vcpu).and_then(|c| c.get(intid as usize)).or(UNTRACKED.get(vcpu));
    if let Some(counter) = counter {
        counter.fetch_add(1, SeqCst);
    }
}

/// Interrupts `intid` taken by `vcpu` so far.
fn count(vcpu: usize, intid: u32) -> u32 {
    COUNTS.get(vcpu).and_then(|c| c.get(intid as usize)).map_or(0, |c| c.load(SeqCst))
}

/// Spins (interrupts as they are) for `ticks` of the virtual counter.
fn spin_for(ticks: u64) {
    let end = timer::counter() + ticks;
    while timer::counter() < end {
        core::hint::spin_loop();
    }
}

/// Spins until `done()` or `ticks` have passed; returns `done()`.
fn spin_until(ticks: u64, mut done: impl FnMut() -> bool) -> bool {
    let end = timer::counter() + ticks;
    while !done() && timer::counter() < end {
        core::hint::spin_loop();
    }
    done()
}

/// Sleeps in `wfi` until `done()` or `ticks` have passed (the virtual
/// timer, armed for the deadline, wakes it); returns `done()`.
fn sleep_until(ticks: u64, mut done: impl FnMut() -> bool) -> bool {
    let end = timer::counter() + ticks;
    timer::arm_at(end);
    irq::wait_until(|| done() || timer::counter() >= end);
    timer::stop();
    done()
}

/// Why a check failed (a fixed buffer: there is no allocator).
struct Why {
    buf: [u8; 160],
    len: usize,
}

impl Why {
    fn new(args: fmt::Arguments<'_>) -> Self {
        let mut why = Self { buf: [0; 160], len: 0 };
        let _ = why.write_fmt(args);
        why
    }
}

impl Write for Why {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.buf.get(..self.len).unwrap_or(&[]);
        f.write_str(core::str::from_utf8(bytes).unwrap_or("(garbled)"))
    }
}

/// A check failed; why is in its `Why`.
struct Failed;

/// Writes why into `$why` and fails the check.
macro_rules! fail {
    ($why:expr, $($arg:tt)*) => {{
        let _ = write!($why, $($arg)*);
        return Err(Failed);
    }};
}

type Check = fn(&mut Why) -> Result<(), Failed>;

fn main(boot: Boot) {
    if boot.vcpu != 0 {
        return secondary();
    }
    let how = if domain_rt::native() { "natively" } else { "under Bulkhead" };
    let _ = writeln!(Console, "irqtest: start ({how}, counter at {} Hz)", timer::frequency());
    irq::install(on_irq_vcpu0);
    gic::init_distributor();
    gic::init_cpu(0);
    gic::enable(timer::INTID, 0);
    gic::enable(SGI_PONG, 0);
    for sgi in MANY_SGIS {
        gic::enable(sgi, 0);
    }
    irq::enable();

    let checks: [(&str, Check); 6] = [
        ("rate", check_rate),
        ("timer", check_timer),
        ("spi", check_spi),
        ("sgi", check_sgi),
        ("many", check_many),
        ("stray", check_stray),
    ];
    let mut failed = 0;
    for (name, check) in checks {
        let mut why = Why::new(format_args!(""));
        match check(&mut why) {
            Ok(()) => {
                let _ = writeln!(Console, "irqtest: {name} ok");
            }
            Err(Failed) => {
                failed += 1;
                let _ = writeln!(Console, "irqtest: {name} FAILED: {why}");
            }
        }
    }
    irq::disable();
    if failed == 0 {
        let _ = writeln!(Console, "irqtest: all ok");
    } else {
        let _ = writeln!(Console, "irqtest: done, {failed} failed");
    }
}

/// Ticks of the `rate` check.
const RATE_TICKS: u64 = 300;

fn check_rate(why: &mut Why) -> Result<(), Failed> {
    let freq = timer::frequency();
    let period = (freq / 1000).max(1);
    let before = count(0, timer::INTID);
    let start = timer::counter();
    let mut latest = 0;
    let mut last = start;
    for k in 1..=RATE_TICKS {
        let deadline = start + k * period;
        TIMER_AT[0].store(0, SeqCst);
        timer::arm_at(deadline);
        let want = before + k as u32;
        if !spin_until(freq, || count(0, timer::INTID) >= want) {
            timer::stop();
            fail!(why, "tick {k}: no INTID 27 within 1 s of its deadline");
        }
        let at = TIMER_AT[0].load(SeqCst);
        if at < deadline {
            fail!(why, "tick {k}: taken at counter {at}, before its deadline {deadline}");
        }
        latest = latest.max(at - deadline);
        last = at;
    }
    let taken = u64::from(count(0, timer::INTID) - before);
    if taken != RATE_TICKS {
        fail!(why, "{taken} INTID 27 interrupts for {RATE_TICKS} deadlines");
    }
    let elapsed = last - start;
    let _ = writeln!(
        Console,
        "irqtest: rate: {RATE_TICKS} ticks of 1 ms in {} us, each at most {} us late",
        elapsed * 1_000_000 / freq,
        latest * 1_000_000 / freq
    );
    if elapsed > RATE_TICKS * period * 6 / 5 {
        fail!(why, "{RATE_TICKS} ticks of 1 ms took {} us (more than 20% slow)", elapsed * 1_000_000 / freq);
    }
    Ok(())
}

fn check_timer(why: &mut Why) -> Result<(), Failed> {
    let freq = timer::frequency();
    let period = (freq / 1000).max(1);
    let before_all = count(0, timer::INTID);
    let mut latest = 0;
    for shot in 0..TIMER_SHOTS {
        let before = count(0, timer::INTID);
        TIMER_AT[0].store(0, SeqCst);
        let deadline = timer::counter() + period;
        timer::arm_after_ticks(period as u32);
        let fired = || count(0, timer::INTID) != before;
        if shot % 2 == 0 {
            // Nothing else wakes this `wfi`: a timer that never fires hangs here.
            irq::wait_until(fired);
        } else if !spin_until(freq, fired) {
            timer::stop();
            fail!(why, "shot {shot}: no INTID 27 within 1 s of arming a 1 ms timer");
        }
        let at = TIMER_AT[0].load(SeqCst);
        if at < deadline {
            fail!(why, "shot {shot}: INTID 27 taken at counter {at}, before the deadline {deadline}");
        }
        latest = latest.max(at - deadline);
    }
    spin_for(2 * period);
    let taken = count(0, timer::INTID) - before_all;
    if taken != TIMER_SHOTS as u32 {
        fail!(why, "{taken} INTID 27 interrupts for {TIMER_SHOTS} shots");
    }
    let _ = writeln!(Console, "irqtest: timer: each shot taken at most {} us late", latest * 1_000_000 / freq);
    Ok(())
}

fn check_spi(why: &mut Why) -> Result<(), Failed> {
    let freq = timer::frequency();
    gic::set_trigger(RTC_INTID, 0, Trigger::Level);
    gic::enable(RTC_INTID, 0);
    probe::write_u32(RTC + RTC_IMSC, 0);
    probe::write_u32(RTC + RTC_ICR, 1);
    let before = count(0, RTC_INTID);
    let start = timer::counter();
    let now = probe::read_u32(RTC + RTC_DR);
    probe::write_u32(RTC + RTC_MR, now.wrapping_add(1));
    probe::write_u32(RTC + RTC_IMSC, 1);
    let arrived = sleep_until(3 * freq, || count(0, RTC_INTID) != before);
    let waited_ms = (timer::counter() - start) * 1000 / freq;
    probe::write_u32(RTC + RTC_IMSC, 0);
    spin_for(freq / 100);
    gic::disable(RTC_INTID, 0);
    let taken = count(0, RTC_INTID) - before;
    if !arrived {
        let ris = probe::read_u32(RTC + RTC_RIS);
        fail!(why, "no INTID 34 within 3 s (RTCDR was {now}, RTCRIS is {ris})");
    }
    if taken != 1 {
        fail!(why, "INTID 34 taken {taken} times for one match");
    }
    let _ = writeln!(Console, "irqtest: spi: INTID 34 after {waited_ms} ms");
    Ok(())
}

fn check_sgi(why: &mut Why) -> Result<(), Failed> {
    let freq = timer::frequency();
    let status = domain_rt::cpu_on(1, 0);
    if status != 0 {
        fail!(why, "CPU_ON of vCPU 1 returned {status}");
    }
    if !spin_until(2 * freq, || SECONDARY_READY.load(SeqCst)) {
        fail!(why, "vCPU 1 did not get ready within 2 s");
    }
    for round in 1..=ROUNDS {
        gic::send_sgi(SGI_PING, 1 << 1);
        sleep_until(freq, || count(0, SGI_PONG) >= round);
        let (pings, pongs) = (count(1, SGI_PING), count(0, SGI_PONG));
        if pings != round || pongs != round {
            fail!(why, "round {round}: vCPU 1 took {pings} SGI {SGI_PING}, vCPU 0 took {pongs} SGI {SGI_PONG}");
        }
    }
    if !spin_until(2 * freq, || SECONDARY_DONE.load(SeqCst)) {
        fail!(why, "vCPU 1 did not finish within 2 s");
    }
    spin_for(freq / 100);
    let gave_up = SECONDARY_GAVE_UP.load(SeqCst);
    if gave_up != 0 {
        fail!(why, "vCPU 1 waited 2 s for SGI {SGI_PING} in round {gave_up}");
    }
    let (pings, pongs) = (count(1, SGI_PING), count(0, SGI_PONG));
    let (wrong0, wrong1) = (count(0, SGI_PING), count(1, SGI_PONG));
    if pings != ROUNDS || pongs != ROUNDS || wrong0 != 0 || wrong1 != 0 {
        fail!(
            why,
            "after {ROUNDS} rounds: vCPU 1 took {pings} SGI {SGI_PING} and {wrong1} SGI {SGI_PONG}, \
             vCPU 0 took {pongs} SGI {SGI_PONG} and {wrong0} SGI {SGI_PING}"
        );
    }
    Ok(())
}

/// vCPU 1: answers each SGI 3 with an SGI 5 to vCPU 0, `ROUNDS` times.
fn secondary() {
    let freq = timer::frequency();
    irq::install(on_irq_vcpu1);
    gic::init_cpu(1);
    gic::enable(SGI_PING, 1);
    gic::enable(timer::INTID, 1);
    irq::enable();
    SECONDARY_READY.store(true, SeqCst);
    for round in 1..=ROUNDS {
        if !sleep_until(2 * freq, || count(1, SGI_PING) >= round) {
            SECONDARY_GAVE_UP.store(round, SeqCst);
            break;
        }
        gic::send_sgi(SGI_PONG, 1 << 0);
    }
    irq::disable();
    SECONDARY_DONE.store(true, SeqCst);
}

fn check_many(why: &mut Why) -> Result<(), Failed> {
    let freq = timer::frequency();
    let intids = || MANY_SGIS.chain(core::iter::once(timer::INTID));
    let mut before = [0u32; TRACKED];
    for intid in intids() {
        if let Some(slot) = before.get_mut(intid as usize) {
            *slot = count(0, intid);
        }
    }
    let taken = |intid: u32| count(0, intid) - before.get(intid as usize).copied().unwrap_or(0);
    LOG_LEN.store(0, SeqCst);
    LOGGING.store(true, SeqCst);
    irq::disable();
    for sgi in MANY_SGIS {
        gic::send_sgi(sgi, 1 << 0);
    }
    timer::arm_after_ticks(0);
    spin_for(freq / 500);
    let early = intids().map(taken).sum::<u32>();
    irq::enable();
    let all = spin_until(freq, || intids().all(|intid| taken(intid) >= 1));
    spin_for(freq / 100);
    LOGGING.store(false, SeqCst);
    timer::stop();
    let mut order = Why::new(format_args!(""));
    for slot in LOG.iter().take(LOG_LEN.load(SeqCst)) {
        let _ = write!(order, " {}", slot.load(SeqCst));
    }
    let _ = writeln!(Console, "irqtest: many: taken in the order{order}");
    if early != 0 {
        fail!(why, "{early} interrupts taken while IRQs were masked");
    }
    for intid in intids() {
        let n = taken(intid);
        if n != 1 {
            let late = if all { "" } else { " (not all arrived within 1 s)" };
            fail!(why, "INTID {intid} taken {n} times{late}");
        }
    }
    Ok(())
}

fn check_stray(why: &mut Why) -> Result<(), Failed> {
    let expected: [&[u32]; VCPUS] =
        [&[timer::INTID, RTC_INTID, SGI_PONG, 8, 9, 10, 11, 12, 13], &[timer::INTID, SGI_PING]];
    for (vcpu, allowed) in expected.iter().enumerate() {
        let untracked = UNTRACKED.get(vcpu).map_or(0, |u| u.load(SeqCst));
        if untracked != 0 {
            fail!(why, "vCPU {vcpu} took {untracked} interrupts with an INTID >= {TRACKED}");
        }
        for intid in 0..TRACKED as u32 {
            let n = count(vcpu, intid);
            if n != 0 && !allowed.contains(&intid) {
                fail!(why, "vCPU {vcpu} took INTID {intid} {n} times");
            }
        }
    }
    Ok(())
}
