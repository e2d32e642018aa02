// SPDX-License-Identifier: MIT
//! `lifecycle`: a two-vCPU test domain that walks through a domain's life:
//! life 0 starts its second vCPU and panics (a fault: the kernel must stop
//! both vCPUs and restart the domain); life 1 does it again and asks for
//! PSCI SYSTEM_RESET; life 2 starts its second vCPU, which powers the
//! domain off with SYSTEM_OFF (so that a watchdog armed on vCPU 0's pCPU
//! must not fire afterwards). vCPU 0 beats the watchdog while it waits.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};
use domain_rt::{Boot, Console};

domain_rt::entry!(main);

static SECOND_VCPU_SPINS: AtomicU64 = AtomicU64::new(0);

/// Reads ID_AA64PFR0_EL1 into a caller-saved (x3) and a callee-saved
/// (x20) register: the kernel emulates the read (HCR_EL2.TID3) and must
/// return the same sanitised value in both.
fn report_cpu_features() {
    let (low, high) = domain_rt::probe::id_aa64pfr0_via_x3_and_x20();
    let field = |v: u64, lo: u32| (v >> lo) & 0xf;
    let _ = writeln!(
        Console,
        "ID_AA64PFR0_EL1 via x3 {:#x} via x20 {:#x}: EL2 {} SVE {} FP {}",
        low,
        high,
        field(low, 8),
        field(low, 32),
        field(low, 16)
    );
}

fn main(boot: Boot) {
    if boot.vcpu == 1 {
        if boot.restarts >= 2 {
            let _ = writeln!(Console, "vCPU 1 powering off");
            domain_rt::system_off();
        }
        loop {
            SECOND_VCPU_SPINS.fetch_add(1, Ordering::Relaxed);
        }
    }
    let _ = writeln!(Console, "life {}", boot.restarts);
    if boot.restarts == 0 {
        report_cpu_features();
    }
    let status = domain_rt::cpu_on(1, 0);
    if boot.restarts >= 2 {
        // vCPU 1 powers the domain off; until then this vCPU runs on.
        loop {
            domain_rt::heartbeat();
            core::hint::spin_loop();
        }
    }
    while SECOND_VCPU_SPINS.load(Ordering::Relaxed) < 1000 {
        domain_rt::heartbeat();
        core::hint::spin_loop();
    }
    let _ = writeln!(Console, "vCPU 1 started ({status}) and running");
    if boot.restarts == 0 {
        panic!("deliberate panic with vCPU 1 running");
    }
    let _ = writeln!(Console, "asking for a reset");
    domain_rt::system_reset();
}
