// SPDX-License-Identifier: MIT
//! The architected counter: bounded waits at boot, time for the console
//! output budget.

use aarch64_cpu::registers::{CNTFRQ_EL0, CNTPCT_EL0, Readable};

/// A deadline `ms` milliseconds from now, in counter ticks.
pub fn deadline_after_ms(ms: u64) -> u64 {
    let per_ms = CNTFRQ_EL0.get() / 1000;
    CNTPCT_EL0.get().saturating_add(per_ms.saturating_mul(ms))
}

/// Whether `deadline` has passed.
pub fn passed(deadline: u64) -> bool {
    CNTPCT_EL0.get() >= deadline
}

/// The physical counter, CNTPCT_EL0.
pub fn now() -> u64 {
    CNTPCT_EL0.get()
}

/// The counter's frequency in Hz, CNTFRQ_EL0.
pub fn frequency() -> u64 {
    CNTFRQ_EL0.get()
}
