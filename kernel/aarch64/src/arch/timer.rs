// SPDX-License-Identifier: MIT
//! The architected counter, for bounded waits at boot.

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
