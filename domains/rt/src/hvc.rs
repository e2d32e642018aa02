// SPDX-License-Identifier: MIT
//! The `hvc` instruction and the calls built on it.

use bulkhead_abi::Hypercall;
use smccc::psci::{PSCI_CPU_ON_64, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET};

/// Issues `hvc #0` with function `function` and arguments x1..x3; returns x0.
pub fn call(function: u32, a1: u64, a2: u64, a3: u64) -> u64 {
    let result: u64;
    // SAFETY: `hvc` enters the hypervisor, which reads at most the
    // registers passed and the guest memory they name (checked against
    // this domain's grants) and writes only x0.
    unsafe {
        core::arch::asm!(
            "hvc #0",
            inlateout("x0") u64::from(function) => result,
            in("x1") a1,
            in("x2") a2,
            in("x3") a3,
            options(nostack)
        );
    }
    result
}

/// Tells the kernel's watchdog that this domain is alive.
pub fn heartbeat() {
    call(Hypercall::Heartbeat as u32, 0, 0, 0);
}

/// Starts vCPU `vcpu` of this domain at the runtime's entry; returns the
/// PSCI status.
pub fn cpu_on(vcpu: u64, context: u64) -> i64 {
    call(PSCI_CPU_ON_64, vcpu, crate::entry_point(), context) as i64
}

/// Stops this domain (PSCI SYSTEM_OFF).
pub fn system_off() -> ! {
    loop {
        call(PSCI_SYSTEM_OFF, 0, 0, 0);
    }
}

/// Restarts this domain (PSCI SYSTEM_RESET).
pub fn system_reset() -> ! {
    loop {
        call(PSCI_SYSTEM_RESET, 0, 0, 0);
    }
}
