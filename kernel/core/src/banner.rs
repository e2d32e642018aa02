// SPDX-License-Identifier: MIT
//! The boot banner: version, board, pCPUs online, RAM and the domains in
//! the image. Tests and operators read it, so its lines are stable:
//! `pCPUs: <online> online of <board>` is what the QEMU tests look for.

use bulkhead_bootcfg::BootConfig;
use core::fmt;

/// Everything the banner reports.
pub struct Banner<'a> {
    /// The kernel's version.
    pub version: &'a str,
    /// The validated configuration.
    pub config: &'a BootConfig,
    /// How many pCPUs reported in (the boot CPU included).
    pub online: usize,
}

const MIB: u64 = 1024 * 1024;

impl fmt::Display for Banner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.config;
        writeln!(f, "Bulkhead {} - static partitioning hypervisor (EL2)", self.version)?;
        writeln!(f, "  board:   {}", c.board)?;
        writeln!(f, "  pCPUs:   {} online of {}", self.online, c.pcpus)?;
        writeln!(
            f,
            "  RAM:     {} MiB at {:#x}, kernel {} MiB at {:#x}",
            c.ram.size / MIB,
            c.ram.base.raw(),
            c.kernel.size / MIB,
            c.kernel.base.raw()
        )?;
        write!(f, "  domains: {}", c.domains.len())?;
        for d in &c.domains {
            let ram: u64 = d.ram.iter().map(|r| r.size).sum();
            write!(f, "\n    {:<12} vCPUs {} on pCPU", d.name, d.pcpus.len())?;
            for p in &d.pcpus {
                write!(f, " {p}")?;
            }
            write!(f, ", RAM {} KiB, devices {}, image {} bytes", ram / 1024, d.devices.len(), d.image.size)?;
        }
        Ok(())
    }
}
