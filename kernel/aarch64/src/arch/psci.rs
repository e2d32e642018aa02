// SPDX-License-Identifier: MIT
//! Calls to the firmware's PSCI over `smc` (through the `smccc` crate).

use smccc::Smc;
use smccc::psci;

/// Starts the CPU with affinity `mpidr` at `entry` with `context` in x0.
/// Returns the PSCI status code on failure.
pub fn cpu_on(mpidr: u64, entry: usize, context: u64) -> Result<(), i64> {
    psci::cpu_on::<Smc>(mpidr, entry as u64, context).map_err(i64::from)
}

/// Powers the machine off. Returns only if the firmware refuses.
pub fn system_off() {
    let _ = psci::system_off::<Smc>();
}
