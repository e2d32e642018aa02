// SPDX-License-Identifier: MIT
//! `counter`: runs for ever and proves it. Every vCPU counts; vCPU 0 starts
//! the others, prints a growing count and beats the kernel's watchdog.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

/// Loop iterations between two reports.
const REPORT_EVERY: u64 = 1 << 21;
/// vCPUs this domain starts (the board pins two).
const VCPUS: u64 = 2;

/// Progress of the secondary vCPU.
static SECONDARY: AtomicU64 = AtomicU64::new(0);

fn main(boot: Boot) {
    if boot.vcpu != 0 {
        loop {
            SECONDARY.fetch_add(1, Ordering::Relaxed);
        }
    }
    let _ = writeln!(Console, "counter up (restarts: {})", boot.restarts);
    for vcpu in 1..VCPUS {
        let status = domain_rt::cpu_on(vcpu, 0);
        let _ = writeln!(Console, "cpu_on vCPU {vcpu}: {status}");
    }
    let mut count: u64 = 0;
    loop {
        count = count.wrapping_add(1);
        if count.is_multiple_of(REPORT_EVERY) {
            domain_rt::heartbeat();
            let _ =
                writeln!(Console, "count {} (vCPU 1 at {})", count / REPORT_EVERY, SECONDARY.load(Ordering::Relaxed));
        }
        core::hint::spin_loop();
    }
}
