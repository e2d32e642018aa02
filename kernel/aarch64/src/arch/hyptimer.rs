// SPDX-License-Identifier: MIT
//! The EL2 physical timer (CNTHP): the kernel's only timer, armed only on
//! pCPUs whose domain has a watchdog, and on a parked pCPU that waits out a
//! restart's back-off. No tick anywhere else.

use core::arch::asm;

/// Fires after `ms` milliseconds. The deadline is absolute (CVAL): the
/// 32-bit signed TVAL would wrap for periods over about 2 s at 1 GHz.
pub fn arm_ms(ms: u64) {
    let (freq, now): (u64, u64);
    // SAFETY: reads the counter and its frequency.
    unsafe {
        asm!("isb", "mrs {0}, cntfrq_el0", "mrs {1}, cntpct_el0", out(reg) freq, out(reg) now,
            options(nomem, nostack, preserves_flags))
    };
    arm_at(now.saturating_add((freq / 1000).saturating_mul(ms)));
}

/// Fires once the physical counter reaches `deadline` (an absolute
/// CNTPCT_EL0 value).
pub fn arm_at(deadline: u64) {
    // SAFETY: arms this pCPU's EL2 timer; only the kernel uses it.
    unsafe {
        asm!(
            "msr cnthp_cval_el2, {t}",
            "msr cnthp_ctl_el2, {on}",
            "isb",
            t = in(reg) deadline,
            on = in(reg) 1u64,
            options(nostack, preserves_flags)
        );
    }
}

/// Whether the armed deadline has passed (CNTHP_CTL_EL2.ISTATUS).
pub fn fired() -> bool {
    let ctl: u64;
    // SAFETY: reads this pCPU's EL2 timer status.
    unsafe { asm!("mrs {0}, cnthp_ctl_el2", out(reg) ctl, options(nomem, nostack, preserves_flags)) };
    ctl & 0b101 == 0b101
}

/// Stops it.
pub fn disarm() {
    // SAFETY: disables this pCPU's EL2 timer.
    unsafe { asm!("msr cnthp_ctl_el2, xzr", "isb", options(nostack, preserves_flags)) };
}

/// Sleeps `ms` milliseconds in `wfi` (interrupts stay masked at EL2: the
/// timer's pending interrupt ends the `wfi`), then disarms the timer so
/// that its level interrupt is no longer pending.
pub fn sleep_ms(ms: u64) {
    arm_ms(ms);
    loop {
        let ctl: u64;
        // SAFETY: waits for an interrupt and reads this pCPU's timer status.
        unsafe { asm!("wfi", "mrs {0}, cnthp_ctl_el2", out(reg) ctl, options(nomem, nostack, preserves_flags)) };
        if ctl & 0b100 != 0 {
            break;
        }
    }
    disarm();
}
