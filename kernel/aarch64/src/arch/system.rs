// SPDX-License-Identifier: MIT
//! Stopping the machine: this CPU, or all of them with a verdict.
//!
//! The verdict is the kernel's last line, `system stop: exit <code>`
//! (`bulkhead_abi::exit`); then the machine powers off through PSCI, or
//! parks if it can't. No semihosting: QEMU serves it at EL1, so it would
//! hand every guest the host.

use bulkhead_abi::ExitCode;
use core::sync::atomic::{AtomicBool, Ordering};

/// Set when the system stops; parked secondaries see it and halt.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Whether some CPU has begun stopping the system.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::Acquire)
}

/// One step of a short busy wait: the `yield` hint, which tells a
/// simulator (QEMU's round-robin vCPU loop, which `-icount` forces) to run
/// another CPU now instead of spinning out this one's time slice, and a
/// multithreaded core to favour its other thread.
#[inline(always)]
pub fn relax() {
    // SAFETY: `yield` is a hint with no architectural effect.
    unsafe { core::arch::asm!("yield", options(nomem, nostack, preserves_flags)) };
}

/// Parks this CPU for good, interrupts masked.
pub fn halt_this_cpu() -> ! {
    loop {
        aarch64_cpu::asm::wfi();
    }
}

/// Tells every other CPU to halt: parked CPUs see [`stopping`] when the
/// kick wakes them, CPUs running a domain take the kick at EL2 and halt,
/// CPUs still booting poll it between `wfe`s.
pub fn halt_others() {
    STOPPING.store(true, Ordering::SeqCst);
    aarch64_cpu::asm::sev();
    super::gic::kick_all_others();
}

/// Set by the first CPU that stops the system: a fault while stopping
/// must not recurse.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Stops the whole system with `code`: the first CPU to get here calls
/// `announce` (the kernel's last line, `log::stop_line`: passed in, as the
/// arch layer calls nothing above it), then PSCI SYSTEM_OFF.
pub fn stop(code: ExitCode, announce: fn(ExitCode)) -> ! {
    halt_others();
    if EXITING.swap(true, Ordering::AcqRel) {
        halt_this_cpu();
    }
    announce(code);
    super::psci::system_off();
    halt_this_cpu()
}
