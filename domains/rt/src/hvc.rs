// SPDX-License-Identifier: MIT
//! The `hvc` instruction and the calls built on it.

use bulkhead_abi::{Hypercall, PSCI_SYSTEM_OFF};

/// Issues `hvc #0` with function `function` and arguments; returns x0.
pub fn call(function: u32, a1: u64, a2: u64) -> u64 {
    let result: u64;
    // SAFETY: `hvc` enters the hypervisor, which reads at most the
    // registers passed and the guest memory they name (bounded by a2 and
    // checked against this domain's grants); it clobbers nothing else the
    // compiler relies on beyond the registers declared here.
    unsafe {
        core::arch::asm!(
            "hvc #0",
            inlateout("x0") u64::from(function) => result,
            inlateout("x1") a1 => _,
            inlateout("x2") a2 => _,
            lateout("x3") _,
            options(nostack)
        );
    }
    result
}

/// Tells the kernel's watchdog that this domain is alive.
pub fn heartbeat() {
    call(Hypercall::Heartbeat as u32, 0, 0);
}

/// Stops this domain (PSCI SYSTEM_OFF).
pub fn system_off() -> ! {
    loop {
        call(PSCI_SYSTEM_OFF, 0, 0);
    }
}
