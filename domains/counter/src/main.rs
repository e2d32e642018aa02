// SPDX-License-Identifier: MIT
//! `counter`: runs for ever and proves it: prints a growing count and beats
//! the kernel's watchdog at a steady rate.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use domain_rt::Console;

domain_rt::entry!(main);

/// Loop iterations between two reports.
const REPORT_EVERY: u64 = 1 << 20;

fn main() {
    let mut count: u64 = 0;
    loop {
        count = count.wrapping_add(1);
        if count.is_multiple_of(REPORT_EVERY) {
            domain_rt::heartbeat();
            let _ = writeln!(Console, "count {}", count / REPORT_EVERY);
        }
        core::hint::spin_loop();
    }
}
