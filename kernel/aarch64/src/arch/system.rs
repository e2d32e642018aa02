// SPDX-License-Identifier: MIT
//! Stopping the machine: this CPU, or all of them with a verdict.
//!
//! Built with the `qemu` feature, the verdict leaves QEMU as its exit
//! status through semihosting `SYS_EXIT` (QEMU runs with `-semihosting`).
//! Otherwise the machine powers off through PSCI, or parks if it can't.

use bulkhead_abi::ExitCode;
use core::sync::atomic::{AtomicBool, Ordering};

/// Set when the system stops; parked secondaries see it and halt.
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Whether some CPU has begun stopping the system.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::Acquire)
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
/// (say, semihosting absent, so `hlt` is undefined) must not recurse.
static EXITING: AtomicBool = AtomicBool::new(false);

/// Stops the whole system with `code`.
pub fn stop(code: ExitCode) -> ! {
    halt_others();
    if EXITING.swap(true, Ordering::AcqRel) {
        halt_this_cpu();
    }
    #[cfg(feature = "qemu")]
    semihosting_exit(code as u32);
    #[cfg(not(feature = "qemu"))]
    let _ = code;
    super::psci::system_off();
    halt_this_cpu()
}

#[cfg(feature = "qemu")]
fn semihosting_exit(code: u32) {
    /// ADP_Stopped_ApplicationExit: "exit with this status".
    const APPLICATION_EXIT: u64 = 0x2_0026;
    /// SYS_EXIT operation number.
    const SYS_EXIT: u64 = 0x18;
    let block = [APPLICATION_EXIT, u64::from(code)];
    // SAFETY: the semihosting call reads the two-word parameter block that
    // lives on this stack frame for the duration of the call; under QEMU
    // with -semihosting it does not return.
    unsafe {
        core::arch::asm!("hlt #0xf000", in("x0") SYS_EXIT, in("x1") block.as_ptr(), options(nostack));
    }
}
