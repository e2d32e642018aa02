// SPDX-License-Identifier: MIT
//! Bringing the secondary CPUs up and keeping them parked.
//!
//! Every CPU the device tree lists is started with PSCI CPU_ON and reports
//! in by setting its bit in `ONLINE`, then waits for the boot CPU to build
//! the world before it enters its run loop.
#![deny(unsafe_code)]

use crate::arch::percpu;
use crate::arch::{entry, gic, psci, system, timer};
use crate::domains;
use aarch64_cpu::registers::{MPIDR_EL1, Readable};
use core::sync::atomic::{AtomicU32, Ordering};
use kernel_core::BootError;

/// Bit i: device-tree CPU i has reported in.
static ONLINE: AtomicU32 = AtomicU32::new(0);

/// How long secondaries get to report in.
const BRING_UP_TIMEOUT_MS: u64 = 2000;

/// The affinity fields of MPIDR_EL1 (Aff3..Aff0), as the device tree
/// writes them in `/cpus/cpu@*/reg`.
fn my_mpidr() -> u64 {
    MPIDR_EL1.get() & 0xff_00ff_ffff
}

/// Starts every CPU in `mpidrs` other than this one and waits for all of
/// them. Returns how many CPUs are online (this one included) and this
/// CPU's index.
pub fn start_secondaries(mpidrs: &[u64]) -> Result<(usize, usize), BootError> {
    let me = my_mpidr();
    let boot_index =
        mpidrs.iter().position(|&m| m == me).ok_or(BootError::CpuDidNotStart { cpu: 0, psci_status: 0 })?;
    percpu::set_this(boot_index);
    kprintln!("pCPU {} online (MPIDR {:#x}, boot CPU)", boot_index, me);
    ONLINE.fetch_or(1 << boot_index, Ordering::AcqRel);
    for (index, &mpidr) in mpidrs.iter().enumerate().filter(|&(i, _)| i != boot_index) {
        psci::cpu_on(mpidr, entry::secondary_entry as *const () as usize, index as u64)
            .map_err(|psci_status| BootError::CpuDidNotStart { cpu: index, psci_status })?;
    }
    let all = (1u32 << mpidrs.len()) - 1;
    let deadline = timer::deadline_after_ms(BRING_UP_TIMEOUT_MS);
    while ONLINE.load(Ordering::Acquire) != all {
        if timer::passed(deadline) {
            let missing = (!ONLINE.load(Ordering::Acquire) & all).trailing_zeros() as usize;
            return Err(BootError::CpuDidNotStart { cpu: missing, psci_status: 0 });
        }
        core::hint::spin_loop();
    }
    Ok((all.count_ones() as usize, boot_index))
}

/// A secondary CPU, fresh from `arch::entry`'s `secondary_entry` stub;
/// `index` is its device-tree CPU index.
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_secondary_main(index: usize) -> ! {
    percpu::set_this(index);
    kprintln!("pCPU {} online (MPIDR {:#x})", index, my_mpidr());
    ONLINE.fetch_or(1 << index, Ordering::AcqRel);
    while !domains::released() {
        if system::stopping() {
            system::halt_this_cpu();
        }
        aarch64_cpu::asm::wfe();
    }
    gic::init_cpu(index);
    domains::run_pcpu(index)
}
