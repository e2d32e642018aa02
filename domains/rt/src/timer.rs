// SPDX-License-Identifier: MIT
//! The vCPU's virtual timer (CNTV_*_EL0) and virtual counter. Its
//! interrupt is PPI [`INTID`] (level-sensitive, asserted while the timer is
//! enabled, unmasked and expired): a handler must [`stop`] or re-arm it
//! before the EOI, or it is taken again at once.

use core::arch::asm;

/// The virtual timer's interrupt (PPI 11).
pub const INTID: u32 = 27;

/// CNTV_CTL_EL0.ENABLE (IMASK, bit 1, clear: the interrupt is not masked).
const CTL_ENABLE: u64 = 1;

/// The virtual counter, CNTVCT_EL0 (after an `isb`, so not read early).
pub fn counter() -> u64 {
    let count: u64;
    // SAFETY: reads this vCPU's virtual counter; no memory is touched.
    unsafe { asm!("isb", "mrs {0}, cntvct_el0", out(reg) count, options(nomem, nostack, preserves_flags)) };
    count
}

/// The counter's frequency in Hz, CNTFRQ_EL0.
pub fn frequency() -> u64 {
    let freq: u64;
    // SAFETY: reads a constant of the system counter; no memory is touched.
    unsafe { asm!("mrs {0}, cntfrq_el0", out(reg) freq, options(nomem, nostack, preserves_flags)) };
    freq
}

/// Arms the timer to expire `ticks` counter ticks from now (CNTV_TVAL_EL0,
/// at most `i32::MAX`), its interrupt unmasked.
pub fn arm_after_ticks(ticks: u32) {
    let ticks = u64::from(ticks.min(i32::MAX as u32));
    // SAFETY: programs this vCPU's own virtual timer; no memory is touched.
    unsafe {
        asm!(
            "msr cntv_tval_el0, {ticks}",
            "msr cntv_ctl_el0, {ctl}",
            "isb",
            ticks = in(reg) ticks,
            ctl = in(reg) CTL_ENABLE,
            options(nomem, nostack, preserves_flags)
        );
    }
}

/// Arms the timer to expire when the virtual counter reaches `deadline`
/// (CNTV_CVAL_EL0), its interrupt unmasked.
pub fn arm_at(deadline: u64) {
    // SAFETY: programs this vCPU's own virtual timer; no memory is touched.
    unsafe {
        asm!(
            "msr cntv_cval_el0, {deadline}",
            "msr cntv_ctl_el0, {ctl}",
            "isb",
            deadline = in(reg) deadline,
            ctl = in(reg) CTL_ENABLE,
            options(nomem, nostack, preserves_flags)
        );
    }
}

/// Disables the timer, which also drops its interrupt.
pub fn stop() {
    // SAFETY: disables this vCPU's own virtual timer; no memory is touched.
    unsafe { asm!("msr cntv_ctl_el0, xzr", "isb", options(nomem, nostack, preserves_flags)) };
}
