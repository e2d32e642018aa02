// SPDX-License-Identifier: MIT
//! The registers a vCPU starts with, per domain entry convention
//! ([`EntryAbi`]): what a bare-metal domain expects from Bulkhead, and what
//! the arm64 Linux boot protocol requires (x0 = device tree, x1..x3 = 0).
//!
//! Owns that choice only; the arch layer puts the values in x0..x3 and
//! enters the vCPU with every other general register zero.

use bulkhead_abi::hypercall::ENTRY_MAGIC;
use bulkhead_bootcfg::EntryAbi;

/// Why a vCPU starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// The domain's first vCPU, at boot or after a restart.
    Boot,
    /// A vCPU started by `CPU_ON` with `context` (PSCI's context id).
    CpuOn {
        /// The caller's context id, for x0.
        context: u64,
    },
}

/// x0..x3 for a vCPU of a domain with convention `abi` that has restarted
/// `restarts` times and whose first RAM region is at physical address
/// `ram_phys`. A bare-metal domain gets x0 = 0 (or `CPU_ON`'s context),
/// x1 = its restarts, x2 = `ram_phys` (what its devices must be given as
/// the address of its memory: they DMA with physical addresses, and its
/// RAM is wherever the board placed it), x3 = [`ENTRY_MAGIC`].
pub fn registers(abi: EntryAbi, start: Start, restarts: u32, ram_phys: u64) -> [u64; 4] {
    let x0 = match (abi, start) {
        (_, Start::CpuOn { context }) => context,
        (EntryAbi::Bulkhead, Start::Boot) => 0,
        (EntryAbi::Linux { dtb }, Start::Boot) => dtb.raw(),
    };
    match abi {
        EntryAbi::Bulkhead => [x0, u64::from(restarts), ram_phys, ENTRY_MAGIC],
        EntryAbi::Linux { .. } => [x0, 0, 0, 0],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bulkhead_abi::Ipa;

    #[test]
    fn bare_metal_gets_restarts_and_the_magic() {
        assert_eq!(registers(EntryAbi::Bulkhead, Start::Boot, 3, 0x4d40_0000), [0, 3, 0x4d40_0000, ENTRY_MAGIC]);
        assert_eq!(
            registers(EntryAbi::Bulkhead, Start::CpuOn { context: 7 }, 1, 0x4d40_0000),
            [7, 1, 0x4d40_0000, ENTRY_MAGIC]
        );
    }

    #[test]
    fn linux_gets_its_device_tree_and_zeros() {
        let linux = EntryAbi::Linux { dtb: Ipa::new(0x4fe0_0000) };
        assert_eq!(registers(linux, Start::Boot, 0, 0x5000_0000), [0x4fe0_0000, 0, 0, 0]);
        assert_eq!(
            registers(linux, Start::Boot, 5, 0x5000_0000),
            [0x4fe0_0000, 0, 0, 0],
            "a restart boots the same way"
        );
        assert_eq!(registers(linux, Start::CpuOn { context: 0x1234 }, 5, 0x5000_0000), [0x1234, 0, 0, 0]);
    }
}
