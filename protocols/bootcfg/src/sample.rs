// SPDX-License-Identifier: MIT
//! Sample configurations for tests (feature `sample`, and this crate's own
//! tests): a QEMU-virt-like board and simple domains, so that every test
//! suite builds its configurations the same way.

use crate::model::*;
use bulkhead_abi::{Ipa, PhysAddr};

/// A QEMU virt board: `pcpus` CPUs, 1 GiB at 0x4000_0000, GICv3, PL011,
/// the kernel's 16 MiB at 0x4020_0000, no domains or channels.
pub fn board(pcpus: u8) -> BootConfig {
    BootConfig {
        board: Name::try_from("qemu-virt").unwrap_or_default(),
        pcpus,
        ram: PhysRange { base: PhysAddr::new(0x4000_0000), size: 0x4000_0000 },
        kernel: PhysRange { base: PhysAddr::new(0x4020_0000), size: 0x100_0000 },
        gic: Gic {
            distributor: PhysAddr::new(0x0800_0000),
            redistributors: PhysAddr::new(0x080a_0000),
            maintenance_irq: 25,
            its: Some(PhysAddr::new(0x0808_0000)),
        },
        console: Console { kind: UartKind::Pl011, base: PhysAddr::new(0x0900_0000), irq: 33 },
        reserved_irqs: heapless::Vec::from_slice(&[0, 1, 25, 33]).unwrap_or_default(),
        domains: heapless::Vec::new(),
        channels: heapless::Vec::new(),
    }
}

/// A domain called `name` on `pcpus`, with 2 MiB of RAM at IPA
/// 0x4000_0000 backed at `phys`, its image entered at the start of RAM.
pub fn domain(name: &str, pcpus: &[u8], phys: u64) -> Domain {
    Domain {
        name: Name::try_from(name).unwrap_or_default(),
        pcpus: heapless::Vec::from_slice(pcpus).unwrap_or_default(),
        ram: heapless::Vec::from_slice(&[RamRegion {
            ipa: Ipa::new(0x4000_0000),
            phys: PhysAddr::new(phys),
            size: 0x20_0000,
        }])
        .unwrap_or_default(),
        devices: heapless::Vec::new(),
        irqs: heapless::Vec::new(),
        wfi: TrapPolicy::Native,
        wfe: TrapPolicy::Native,
        delivery: Delivery::Trap,
        on_fault: FaultPolicy::Restart,
        watchdog_ms: 0,
        max_restarts: crate::DEFAULT_MAX_RESTARTS,
        params: heapless::String::new(),
        image: ImageRef { offset: 0, size: 0, crc32: 0, load: Ipa::new(0x4000_0000), entry: Ipa::new(0x4000_0000) },
        boot_files: heapless::Vec::new(),
        entry_abi: EntryAbi::Bulkhead,
        caps: heapless::Vec::new(),
        console: None,
        guards: heapless::Vec::new(),
    }
}
