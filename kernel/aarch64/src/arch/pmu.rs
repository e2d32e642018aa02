// SPDX-License-Identifier: MIT
//! The guest's PMU as the benchmark kernel reads it: event counter 0, which
//! the measuring domain programs. Benchmark builds only call this (normal
//! builds trap guest PMU access and never read it).

/// PMEVCNTR0_EL0.
#[inline(always)]
pub fn counter0() -> u64 {
    let value: u64;
    // SAFETY: reads a PMU counter; no memory or state is changed. EL2 may
    // always read the PMU registers.
    unsafe { core::arch::asm!("mrs {0}, pmevcntr0_el0", out(reg) value, options(nomem, nostack, preserves_flags)) };
    value
}
