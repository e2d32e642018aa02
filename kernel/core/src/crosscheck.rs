// SPDX-License-Identifier: MIT
//! Does the machine match the board file the image was built for?
//!
//! The board file is the whole truth about the system, but the firmware's
//! device tree is the truth about the machine: if they disagree, the image
//! runs on the wrong board (or the wrong QEMU command line) and the kernel
//! refuses to start any domain.

use crate::boot_error::BootError;
use crate::platform::PlatformFacts;
use bulkhead_bootcfg::BootConfig;

/// Checks RAM, CPU count, GIC and console UART against the device tree.
pub fn cross_check(facts: &PlatformFacts<'_>, config: &BootConfig) -> Result<(), BootError> {
    if !facts.ram.iter().any(|r| r.contains(&config.ram)) {
        return Err(BootError::RamMismatch { board: config.ram, dtb: facts.ram.first().copied() });
    }
    if facts.cpu_count != usize::from(config.pcpus) {
        return Err(BootError::CpuCountMismatch { board: config.pcpus, dtb: facts.cpu_count });
    }
    let board_gic = (config.gic.distributor, config.gic.redistributors);
    if facts.gicv3 != Some(board_gic) {
        return Err(BootError::GicMismatch { board: board_gic, dtb: facts.gicv3 });
    }
    if !facts.uarts.contains(&(config.console.kind, config.console.base)) {
        return Err(BootError::ConsoleMissing { base: config.console.base });
    }
    Ok(())
}
