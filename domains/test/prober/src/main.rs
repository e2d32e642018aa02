// SPDX-License-Identifier: MIT
//! `prober`: a hostile test domain that tries to burn the kernel's audit
//! budget in advance and then probe unseen. It makes [`BURN`] harmless
//! refused calls (PSCI `CPU_ON` of vCPU 5, which it does not have), waits
//! [`QUIET_MS`], makes one distinct refused call (`CPU_ON` of vCPU 0x77,
//! the probe) and powers off. The kernel must log the probe: audit lines
//! have a refilling budget, not a fixed allowance per life.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::{Boot, Console, timer};

domain_rt::entry!(main);

/// Refused calls made at once: more than the audit budget's burst (32).
const BURN: u32 = 40;
/// The quiet spell before the probe: the budget earns two lines meanwhile.
const QUIET_MS: u64 = 1200;

fn main(_boot: Boot) {
    let _ = writeln!(Console, "prober: burning the audit budget with {BURN} refused calls");
    for _ in 0..BURN {
        let _ = domain_rt::cpu_on(5, 0);
    }
    let deadline = timer::counter() + timer::frequency() / 1000 * QUIET_MS;
    while timer::counter() < deadline {
        core::hint::spin_loop();
    }
    let _ = writeln!(Console, "prober: probing (CPU_ON of vCPU 0x77)");
    let status = domain_rt::cpu_on(0x77, 0);
    let _ = writeln!(Console, "prober: probe answered {status}");
    domain_rt::system_off();
}
