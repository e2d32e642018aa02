// SPDX-License-Identifier: MIT
//! Configurations for unit tests.

use bulkhead_bootcfg::*;

/// A QEMU-virt-like configuration with one domain per entry of `pcpus`
/// (its pinned pCPUs), each with 2 MiB of RAM at IPA 0x4000_0000.
pub fn config_with(pcpus: &[&[u8]]) -> BootConfig {
    let mut config = bulkhead_bootcfg::sample::board(8);
    for (i, cpus) in pcpus.iter().enumerate() {
        config.domains.push(bulkhead_bootcfg::sample::domain("d", cpus, 0x4200_0000 + 0x20_0000 * i as u64)).unwrap();
    }
    config
}

/// A device grant named `dev` at `base`, `size` bytes, no interrupts.
pub fn device(base: u64, size: u64) -> DeviceGrant {
    DeviceGrant {
        name: Name::try_from("dev").unwrap_or_default(),
        mmio: PhysRange { base: bulkhead_abi::PhysAddr::new(base), size },
        irqs: heapless::Vec::new(),
        reset: DeviceReset::None,
    }
}
