// SPDX-License-Identifier: MIT
//! Configurations for unit tests.

use bulkhead_abi::{Ipa, PhysAddr};
use bulkhead_bootcfg::*;

/// A QEMU-virt-like configuration with one domain per entry of `pcpus`
/// (its pinned pCPUs), each with 2 MiB of RAM at IPA 0x4000_0000.
#[allow(clippy::unwrap_used, reason = "test helper")]
pub fn config_with(pcpus: &[&[u8]]) -> BootConfig {
    let mut domains = heapless::Vec::new();
    for (i, cpus) in pcpus.iter().enumerate() {
        let phys = 0x4200_0000 + 0x20_0000 * i as u64;
        let _ = domains.push(Domain {
            name: Name::try_from("d").unwrap(),
            pcpus: heapless::Vec::from_slice(cpus).unwrap(),
            ram: heapless::Vec::from_slice(&[RamRegion {
                ipa: Ipa::new(0x4000_0000),
                phys: PhysAddr::new(phys),
                size: 0x20_0000,
            }])
            .unwrap(),
            devices: heapless::Vec::new(),
            irqs: heapless::Vec::new(),
            wfi: TrapPolicy::Native,
            wfe: TrapPolicy::Native,
            on_fault: FaultPolicy::Restart,
            watchdog_ms: 0,
            image: ImageRef { offset: 0, size: 0, crc32: 0, load: Ipa::new(0x4000_0000), entry: Ipa::new(0x4000_0000) },
        });
    }
    BootConfig {
        board: Name::try_from("test").unwrap(),
        pcpus: 8,
        ram: PhysRange { base: PhysAddr::new(0x4000_0000), size: 0x4000_0000 },
        kernel: PhysRange { base: PhysAddr::new(0x4020_0000), size: 0x100_0000 },
        gic: Gic {
            distributor: PhysAddr::new(0x0800_0000),
            redistributors: PhysAddr::new(0x080a_0000),
            maintenance_irq: 25,
        },
        console: Console { kind: UartKind::Pl011, base: PhysAddr::new(0x0900_0000), irq: 33 },
        reserved_irqs: heapless::Vec::new(),
        domains,
        channels: heapless::Vec::new(),
    }
}
