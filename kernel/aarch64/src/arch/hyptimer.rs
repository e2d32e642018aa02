// SPDX-License-Identifier: MIT
//! The EL2 physical timer (CNTHP): the kernel's only timer, armed only on
//! pCPUs whose domain has a watchdog. No tick anywhere else.

use core::arch::asm;

/// Fires after `ms` milliseconds.
pub fn arm_ms(ms: u64) {
    let freq: u64;
    // SAFETY: reads the counter frequency; arms this pCPU's EL2 timer.
    unsafe {
        asm!("mrs {0}, cntfrq_el0", out(reg) freq, options(nomem, nostack, preserves_flags));
        asm!(
            "msr cnthp_tval_el2, {t}",
            "msr cnthp_ctl_el2, {on}",
            "isb",
            t = in(reg) freq / 1000 * ms,
            on = in(reg) 1u64,
            options(nostack, preserves_flags)
        );
    }
}

/// Stops it.
pub fn disarm() {
    // SAFETY: disables this pCPU's EL2 timer.
    unsafe { asm!("msr cnthp_ctl_el2, xzr", "isb", options(nostack, preserves_flags)) };
}
