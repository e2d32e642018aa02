// SPDX-License-Identifier: MIT
//! `silencer`: a hostile two-vCPU test domain for direct delivery
//! (`interrupts = "direct"`, HCR_EL2.IMO = 0), where the Group 1 registers
//! of the CPU interface are the physical ones.
//!
//! - Life 0: vCPU 0 starts vCPU 1, which sets up its CPU interface, writes
//!   1 to ICC_AP1R0_EL1 (priority 0 active: nothing, not even the kernel's
//!   Group 0 kick and watchdog, can preempt on its pCPU) and spins for ever
//!   without trapping. About 200 ms later vCPU 0 asks for PSCI
//!   SYSTEM_RESET: the kernel must still stop vCPU 1's pCPU, clean its CPU
//!   interface and restart the domain.
//! - Life 1 (and any later one): vCPU 0 takes its virtual timer's
//!   interrupt (INTID 27, armed 1 ms ahead, waited for up to 100 ms), then
//!   starts vCPU 1, which does the same on the formerly silenced pCPU;
//!   then vCPU 0 powers the domain off (PSCI SYSTEM_OFF).
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use domain_rt::{Boot, Console, gic, irq, timer};

domain_rt::entry!(main);

/// Virtual timer interrupts taken, by vCPU.
static TIMER_TAKEN: [AtomicU32; 2] = [const { AtomicU32::new(0) }; 2];
/// Life 0: vCPU 1 has written ICC_AP1R0_EL1.
static SILENCED: AtomicBool = AtomicBool::new(false);
/// Life 1: vCPU 1 has finished its timer check.
static SECONDARY_DONE: AtomicBool = AtomicBool::new(false);

fn on_irq_vcpu0(intid: u32) {
    handle(0, intid);
}

fn on_irq_vcpu1(intid: u32) {
    handle(1, intid);
}

fn handle(vcpu: usize, intid: u32) {
    if intid == timer::INTID {
        timer::stop();
        if let Some(taken) = TIMER_TAKEN.get(vcpu) {
            taken.fetch_add(1, SeqCst);
        }
    }
}

/// Spins until `done()` or `ticks` of the virtual counter have passed;
/// returns `done()`.
fn spin_until(ticks: u64, mut done: impl FnMut() -> bool) -> bool {
    let end = timer::counter() + ticks;
    while !done() && timer::counter() < end {
        core::hint::spin_loop();
    }
    done()
}

/// Spins for `ticks` of the virtual counter.
fn spin_for(ticks: u64) {
    let end = timer::counter() + ticks;
    while timer::counter() < end {
        core::hint::spin_loop();
    }
}

fn main(boot: Boot) {
    match (boot.vcpu, boot.restarts) {
        (0, 0) => life0(),
        (0, _) => life1(boot.restarts),
        (_, 0) => silence(),
        (_, _) => secondary_life1(),
    }
}

/// Life 0, vCPU 0: starts vCPU 1, lets it silence its pCPU, asks for a reset.
fn life0() -> ! {
    let freq = timer::frequency();
    let _ = writeln!(Console, "silencer: life 0");
    let status = domain_rt::cpu_on(1, 0);
    if status != 0 {
        let _ = writeln!(Console, "silencer: FAILED: CPU_ON of vCPU 1 returned {status}");
    }
    if !spin_until(2 * freq, || SILENCED.load(SeqCst)) {
        let _ = writeln!(Console, "silencer: FAILED: vCPU 1 did not silence its pCPU within 2 s");
    }
    spin_for(freq / 5);
    let _ = writeln!(Console, "silencer: vCPU 0 asks for SYSTEM_RESET");
    domain_rt::system_reset();
}

/// Life 0, vCPU 1: makes priority 0 active on its pCPU's (physical) CPU
/// interface, then spins for ever with nothing that traps.
fn silence() -> ! {
    // The interface as a guest driver leaves it (system registers on,
    // Group 1 enabled): the kernel must clean that too.
    gic::init_cpu(1);
    let _ = writeln!(Console, "silencer: vCPU 1 silences its pCPU (ICC_AP1R0_EL1 = 1)");
    gic::icc_ap1r0_write(1);
    SILENCED.store(true, SeqCst);
    loop {
        core::hint::spin_loop();
    }
}

/// Arms this vCPU's virtual timer 1 ms ahead and waits up to 100 ms for
/// its interrupt (the CPU interface set up, `handler` installed); returns
/// whether it was taken.
fn timer_interrupt_taken(vcpu: usize, handler: fn(u32)) -> bool {
    let freq = timer::frequency();
    irq::install(handler);
    gic::init_cpu(vcpu);
    gic::enable(timer::INTID, vcpu);
    irq::enable();
    let taken = || TIMER_TAKEN.get(vcpu).is_some_and(|t| t.load(SeqCst) != 0);
    timer::arm_after_ticks((freq / 1000).max(1) as u32);
    let ok = spin_until(freq / 10, taken);
    timer::stop();
    irq::disable();
    ok
}

/// Life 1, vCPU 0: takes a timer interrupt, has vCPU 1 do the same on the
/// formerly silenced pCPU, powers off.
fn life1(restarts: u64) -> ! {
    let freq = timer::frequency();
    let _ = writeln!(Console, "silencer: life {restarts}");
    gic::init_distributor();
    if timer_interrupt_taken(0, on_irq_vcpu0) {
        let _ = writeln!(Console, "silencer: life 1: timer interrupt taken");
    } else {
        let _ = writeln!(Console, "silencer: life 1: FAILED: no timer interrupt");
    }
    let status = domain_rt::cpu_on(1, 0);
    if status != 0 {
        let _ = writeln!(Console, "silencer: life 1: FAILED: CPU_ON of vCPU 1 returned {status}");
    } else if !spin_until(2 * freq, || SECONDARY_DONE.load(SeqCst)) {
        let _ = writeln!(Console, "silencer: life 1: FAILED: vCPU 1 did not finish within 2 s");
    }
    domain_rt::system_off();
}

/// Life 1, vCPU 1: runs on the pCPU it silenced in life 0 and takes its
/// own timer interrupt there.
fn secondary_life1() {
    let _ = writeln!(Console, "silencer: life 1: vCPU 1 running");
    if timer_interrupt_taken(1, on_irq_vcpu1) {
        let _ = writeln!(Console, "silencer: life 1: vCPU 1 timer interrupt taken");
    } else {
        let _ = writeln!(Console, "silencer: life 1: FAILED: vCPU 1 took no timer interrupt");
    }
    SECONDARY_DONE.store(true, SeqCst);
}
