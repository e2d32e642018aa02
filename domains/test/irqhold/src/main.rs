// SPDX-License-Identifier: MIT
//! `irqhold`: a two-vCPU test domain that stops while its secondary vCPU
//! holds a physical interrupt, to show that nothing of that life stays
//! pending or active once it has stopped.
//!
//! - Life 0: vCPU 0 starts vCPU 1, which routes the PL031 RTC's SPI
//!   (INTID 34, level) to itself, makes the RTC match one second ahead and,
//!   with IRQs masked, polls its CPU interface until it acknowledges
//!   INTID 34; it never ends it. Under trap-and-inject the kernel has
//!   acknowledged the physical SPI and put it in a hardware-linked list
//!   register of vCPU 1, so it stays active until vCPU 1's EOI, which
//!   never comes. vCPU 0 then asks for PSCI SYSTEM_RESET.
//! - Life 1: vCPU 0 alone (vCPU 1 stays off) clears the RTC, routes INTID
//!   34 to itself, makes the RTC match again and polls for up to 3 s. The
//!   SPI arrives only if the kernel deactivated it when the domain stopped,
//!   rather than when vCPU 1 next starts. vCPU 0 then powers off.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, Ordering::SeqCst};
use domain_rt::gic::{self, Trigger};
use domain_rt::probe::{self, gic_poll};
use domain_rt::{Boot, Console, timer};

domain_rt::entry!(main);

/// The PL031 RTC and its registers.
const RTC: u64 = 0x0901_0000;
const RTC_DR: u64 = 0x00;
const RTC_MR: u64 = 0x04;
const RTC_IMSC: u64 = 0x10;
const RTC_ICR: u64 = 0x1c;
/// The RTC's interrupt (SPI 2).
const RTC_INTID: u32 = 34;
/// ICC_IAR1_EL1's answer when nothing is pending.
const SPURIOUS: u32 = 1023;

/// Life 0: vCPU 1 has acknowledged INTID 34 (and will never end it).
static HELD: AtomicBool = AtomicBool::new(false);

fn main(boot: Boot) {
    match (boot.vcpu, boot.restarts) {
        (0, 0) => life0(),
        (0, n) => life1(n),
        (_, 0) => hold(),
        (_, _) => {}
    }
}

/// Clears the RTC's interrupt and makes it match about one second ahead.
fn arm_rtc() {
    probe::write_u32(RTC + RTC_IMSC, 0);
    probe::write_u32(RTC + RTC_ICR, 1);
    let now = probe::read_u32(RTC + RTC_DR);
    probe::write_u32(RTC + RTC_MR, now.wrapping_add(1));
    probe::write_u32(RTC + RTC_IMSC, 1);
}

/// Polls this vCPU's CPU interface (IRQs masked) for up to `ticks` of the
/// virtual counter until it acknowledges `intid`; other INTIDs are ended.
fn acknowledge_within(intid: u32, ticks: u64) -> bool {
    let end = timer::counter() + ticks;
    while timer::counter() < end {
        match gic_poll::acknowledge() {
            SPURIOUS => core::hint::spin_loop(),
            got if got == intid => return true,
            other => gic_poll::end(other),
        }
    }
    false
}

/// Life 0, vCPU 0: starts vCPU 1, waits until it holds INTID 34, resets.
fn life0() -> ! {
    let freq = timer::frequency();
    let _ = writeln!(Console, "irqhold: life 0");
    gic::init_distributor();
    let status = domain_rt::cpu_on(1, 0);
    if status != 0 {
        let _ = writeln!(Console, "irqhold: FAILED: CPU_ON of vCPU 1 returned {status}");
    }
    let end = timer::counter() + 4 * freq;
    while !HELD.load(SeqCst) && timer::counter() < end {
        core::hint::spin_loop();
    }
    if HELD.load(SeqCst) {
        let _ = writeln!(Console, "irqhold: life 0: vCPU 1 holds INTID 34; vCPU 0 asks for SYSTEM_RESET");
    } else {
        let _ = writeln!(Console, "irqhold: FAILED: vCPU 1 did not take INTID 34 within 4 s");
    }
    domain_rt::system_reset();
}

/// Life 0, vCPU 1: takes INTID 34 and never ends it.
fn hold() -> ! {
    gic::init_cpu(1);
    gic::set_trigger(RTC_INTID, 1, Trigger::Level);
    gic::enable(RTC_INTID, 1);
    arm_rtc();
    if acknowledge_within(RTC_INTID, 3 * timer::frequency()) {
        HELD.store(true, SeqCst);
    }
    loop {
        core::hint::spin_loop();
    }
}

/// Life 1, vCPU 0: INTID 34 must reach it.
fn life1(restarts: u64) -> ! {
    let freq = timer::frequency();
    let _ = writeln!(Console, "irqhold: life {restarts}");
    gic::init_distributor();
    gic::init_cpu(0);
    // The RTC still raises life 0's match: clear it first, so that what
    // arrives is this life's.
    let start = timer::counter();
    arm_rtc();
    gic::set_trigger(RTC_INTID, 0, Trigger::Level);
    gic::enable(RTC_INTID, 0);
    if acknowledge_within(RTC_INTID, 3 * freq) {
        probe::write_u32(RTC + RTC_IMSC, 0);
        probe::write_u32(RTC + RTC_ICR, 1);
        gic_poll::end(RTC_INTID);
        let ms = (timer::counter() - start) * 1000 / freq;
        let _ = writeln!(Console, "irqhold: life {restarts}: INTID 34 taken on vCPU 0 after {ms} ms");
    } else {
        let _ = writeln!(Console, "irqhold: life {restarts}: FAILED: no INTID 34 within 3 s");
    }
    domain_rt::system_off();
}
