// SPDX-License-Identifier: MIT
//! Devices on pages that other domains' devices share: QEMU `virt`'s
//! virtio-mmio transports are 0x200 bytes, eight to a 4 KiB page, and
//! stage 2 isolates whole pages. Such a page is mapped into no domain;
//! each owner's accesses to its own device there trap, and the kernel
//! performs them on the device (the arch layer's `shared_mmio`) if they lie
//! inside that owner's device, naturally aligned; anything else on the
//! page is refused like any unmapped address. So a domain reaches exactly
//! its own 0x200 bytes, at the cost of a trap per register access.
//!
//! Owns the decisions (which pages are shared, which accesses pass); must
//! not touch a device.

use bulkhead_abi::PAGE_SIZE;
use bulkhead_bootcfg::BootConfig;

/// The pages `base..base + size` covers.
fn pages(base: u64, size: u64) -> impl Iterator<Item = u64> {
    let first = base / PAGE_SIZE;
    let last = base.saturating_add(size.max(1)).saturating_sub(1) / PAGE_SIZE;
    (first..=last).map(|p| p * PAGE_SIZE)
}

/// Whether the page at `page` holds a device of some domain other than
/// `owner`.
pub fn page_is_shared(config: &BootConfig, owner: usize, page: u64) -> bool {
    config.domains.iter().enumerate().any(|(d, domain)| {
        d != owner && domain.devices.iter().any(|dev| pages(dev.mmio.base.raw(), dev.mmio.size).any(|p| p == page))
    })
}

/// Where domain `owner`'s trapped access of `size` bytes at `ipa` goes, if
/// it is a naturally aligned access inside one of its devices on a shared
/// page (devices are at IPA == PA).
pub fn trapped_access(config: &BootConfig, owner: usize, ipa: u64, size: u8) -> Option<u64> {
    let size = u64::from(size);
    if !matches!(size, 1 | 2 | 4 | 8) || !ipa.is_multiple_of(size) {
        return None;
    }
    let domain = config.domains.get(owner)?;
    let end = ipa.checked_add(size)?;
    domain
        .devices
        .iter()
        .find(|dev| ipa >= dev.mmio.base.raw() && end <= dev.mmio.base.raw().saturating_add(dev.mmio.size))
        .filter(|_| page_is_shared(config, owner, ipa & !(PAGE_SIZE - 1)))
        .map(|_| ipa)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    extern crate std;
    use super::*;
    use crate::testing::{config_with, device};

    fn two_domains() -> BootConfig {
        config_with(&[&[1], &[2]])
    }

    #[test]
    fn two_owners_of_one_page_each_reach_only_their_device() {
        let mut c = two_domains();
        c.domains[0].devices.push(device(0x0a00_3e00, 0x200)).unwrap();
        c.domains[1].devices.push(device(0x0a00_3c00, 0x200)).unwrap();
        assert!(page_is_shared(&c, 0, 0x0a00_3000) && page_is_shared(&c, 1, 0x0a00_3000));
        assert_eq!(trapped_access(&c, 0, 0x0a00_3e70, 4), Some(0x0a00_3e70));
        assert_eq!(trapped_access(&c, 1, 0x0a00_3c50, 4), Some(0x0a00_3c50));
        assert_eq!(trapped_access(&c, 0, 0x0a00_3c50, 4), None, "the other domain's device");
        assert_eq!(trapped_access(&c, 0, 0x0a00_3a00, 4), None, "nobody's transport on the page");
        assert_eq!(trapped_access(&c, 0, 0x0a00_3e72, 4), None, "misaligned");
        assert_eq!(trapped_access(&c, 0, 0x0a00_3ffc, 8), None, "beyond the device");
        assert_eq!(trapped_access(&c, 0, 0x0a00_3e00, 3), None, "no 3-byte access");
    }

    #[test]
    fn a_shared_page_is_in_no_stage_2_plan() {
        let mut c = two_domains();
        c.domains[0].devices.push(device(0x0a00_3e00, 0x200)).unwrap();
        c.domains[0].devices.push(device(0x0a00_2e00, 0x200)).unwrap();
        c.domains[1].devices.push(device(0x0a00_3c00, 0x200)).unwrap();
        for d in 0..2 {
            let plan = crate::stage2::Stage2Plan::for_domain(&c, bulkhead_abi::DomainId::new(d)).unwrap();
            let devices: std::vec::Vec<_> = plan
                .mappings()
                .iter()
                .filter(|m| m.backing == crate::stage2::Backing::Device)
                .map(|m| (m.ipa.raw(), m.size))
                .collect();
            let expected: &[(u64, u64)] = if d == 0 { &[(0x0a00_2000, 0x1000)] } else { &[] };
            assert_eq!(devices, expected, "domain {d}");
        }
    }

    #[test]
    fn a_page_of_one_owner_is_not_shared() {
        let mut c = two_domains();
        c.domains[0].devices.push(device(0x0a00_3e00, 0x200)).unwrap();
        c.domains[0].devices.push(device(0x0a00_3c00, 0x200)).unwrap();
        c.domains[1].devices.push(device(0x0a00_2e00, 0x200)).unwrap();
        assert!(!page_is_shared(&c, 0, 0x0a00_3000));
        assert_eq!(trapped_access(&c, 0, 0x0a00_3e70, 4), None, "mapped: it never traps");
    }
}
