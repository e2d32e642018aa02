// SPDX-License-Identifier: MIT
//! The stage-2 plan of a domain: every guest-physical range it may touch
//! and what backs it, computed from its grants (RAM, devices at IPA == PA,
//! channel windows). The arch layer writes exactly this into the tables;
//! the hypercall layer uses it to check guest pointers, which are
//! allegations until a RAM grant covers them.

use bulkhead_abi::{DomainId, Ipa, PAGE_SIZE, PhysAddr};
use bulkhead_bootcfg::{BootConfig, RamRegion};
use heapless::Vec;

/// Most mappings of one domain.
pub const MAX_MAPPINGS: usize = 32;

/// What backs a mapping (and so its memory attributes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backing {
    /// The domain's RAM: normal memory, executable.
    Ram,
    /// A device: device memory, never executable.
    Device,
    /// A channel window: normal memory, never executable.
    Channel,
    /// A device model's view of its target's RAM: normal memory, never
    /// executable, never its own RAM (hypercall buffers are refused there).
    Guest,
    /// A tracked range of the domain's RAM (its device model's `vram`):
    /// normal memory, never executable, mapped page by page and
    /// read-only until the domain writes a page (`dirty`).
    Tracked,
    /// The domain's kept memory (it survives restarts): normal memory,
    /// never executable, not RAM for hypercall buffers either.
    Kept,
}

/// One mapping: `size` bytes at `ipa` backed by `pa`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// Guest-physical start (page aligned).
    pub ipa: Ipa,
    /// Physical start (page aligned).
    pub pa: PhysAddr,
    /// Length (whole pages).
    pub size: u64,
    /// What it is.
    pub backing: Backing,
}

impl Mapping {
    fn ipa_end(&self) -> Option<u64> {
        self.ipa.raw().checked_add(self.size)
    }
}

/// Why a plan could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanError {
    /// A range is not page aligned, empty or wraps.
    BadRange,
    /// Two ranges overlap in the guest's address space.
    Overlap,
    /// More than [`MAX_MAPPINGS`].
    TooMany,
    /// No such domain.
    NoDomain,
}

/// A domain's mappings, sorted by IPA, non-overlapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage2Plan {
    mappings: Vec<Mapping, MAX_MAPPINGS>,
}

fn round_out(base: u64, size: u64) -> Option<(u64, u64)> {
    let start = base & !(PAGE_SIZE - 1);
    let end = base.checked_add(size)?.checked_add(PAGE_SIZE - 1)? & !(PAGE_SIZE - 1);
    Some((start, end - start))
}

/// RAM region `r` cut around the guard pages that lie in it (at most one
/// piece more than there are guards).
fn without_guards(r: &RamRegion, guards: &[Ipa]) -> Vec<RamRegion, { bulkhead_bootcfg::MAX_PCPUS + 1 }> {
    let mut pieces: Vec<RamRegion, { bulkhead_bootcfg::MAX_PCPUS + 1 }> = Vec::new();
    let mut sorted: Vec<u64, { bulkhead_bootcfg::MAX_PCPUS }> = guards
        .iter()
        .map(|g| g.raw())
        .filter(|&g| g >= r.ipa.raw() && g.checked_add(PAGE_SIZE).is_some_and(|end| end <= r.ipa.raw() + r.size))
        .collect();
    sorted.sort_unstable();
    let mut start = r.ipa.raw();
    for g in sorted.iter().copied().chain(core::iter::once(r.ipa.raw() + r.size)) {
        if g > start {
            let offset = start - r.ipa.raw();
            let _ = pieces.push(RamRegion {
                ipa: Ipa::new(start),
                phys: PhysAddr::new(r.phys.raw() + offset),
                size: g - start,
            });
        }
        start = start.max(g.saturating_add(PAGE_SIZE));
    }
    pieces
}

impl Stage2Plan {
    /// The plan of domain `id` in `config`.
    pub fn for_domain(config: &BootConfig, id: DomainId) -> Result<Self, PlanError> {
        let domain = config.domains.get(id.index()).ok_or(PlanError::NoDomain)?;
        let mut mappings: Vec<Mapping, MAX_MAPPINGS> = Vec::new();
        let mut add = |m: Mapping| mappings.push(m).map_err(|_| PlanError::TooMany);
        let tracked = crate::dirty::tracked(config, id.index());
        // Guard pages are holes in the RAM mappings (below).
        for r in domain.ram.iter().flat_map(|r| without_guards(r, &domain.guards)) {
            // A tracked range (a device model's `vram`) is its own mapping,
            // page by page and read-only until written.
            let inside = tracked.filter(|t| {
                let size = t.pages * PAGE_SIZE;
                t.ipa >= r.ipa.raw() && t.ipa.checked_add(size).is_some_and(|end| end <= r.ipa.raw() + r.size)
            });
            let Some(t) = inside else {
                add(Mapping { ipa: r.ipa, pa: r.phys, size: r.size, backing: Backing::Ram })?;
                continue;
            };
            let (before, size) = (t.ipa - r.ipa.raw(), t.pages * PAGE_SIZE);
            let after = r.size - before - size;
            let pa = |offset: u64| r.phys.checked_add(offset).ok_or(PlanError::BadRange);
            if before > 0 {
                add(Mapping { ipa: r.ipa, pa: r.phys, size: before, backing: Backing::Ram })?;
            }
            add(Mapping { ipa: Ipa::new(t.ipa), pa: pa(before)?, size, backing: Backing::Tracked })?;
            if after > 0 {
                add(Mapping {
                    ipa: Ipa::new(t.ipa + size),
                    pa: pa(before + size)?,
                    size: after,
                    backing: Backing::Ram,
                })?;
            }
        }
        // A device's pages, but for those another domain's device shares:
        // those trap, and the kernel performs its accesses (`shared_mmio`).
        for d in &domain.devices {
            let (start, size) = round_out(d.mmio.base.raw(), d.mmio.size).ok_or(PlanError::BadRange)?;
            let mut run: Option<(u64, u64)> = None;
            for page in (0..size / PAGE_SIZE).map(|i| start + i * PAGE_SIZE) {
                if crate::shared_mmio::page_is_shared(config, id.index(), page) {
                    if let Some((s, n)) = run.take() {
                        add(Mapping { ipa: Ipa::new(s), pa: PhysAddr::new(s), size: n, backing: Backing::Device })?;
                    }
                } else {
                    run = Some(run.map_or((page, PAGE_SIZE), |(s, n)| (s, n + PAGE_SIZE)));
                }
            }
            if let Some((s, n)) = run {
                add(Mapping { ipa: Ipa::new(s), pa: PhysAddr::new(s), size: n, backing: Backing::Device })?;
            }
        }
        for cap in &domain.caps {
            if let bulkhead_bootcfg::Capability::Kept { ipa, phys, size } = *cap {
                add(Mapping { ipa, pa: phys, size, backing: Backing::Kept })?;
                continue;
            }
            let bulkhead_bootcfg::Capability::DmMemory { target, window } = *cap else { continue };
            let t = config.domains.get(usize::from(target)).ok_or(PlanError::NoDomain)?;
            let base = bulkhead_abi::ioreq::guest_window(window);
            for r in &t.ram {
                let ipa = base.checked_add(r.ipa.raw()).ok_or(PlanError::BadRange)?;
                add(Mapping { ipa: Ipa::new(ipa), pa: r.phys, size: r.size, backing: Backing::Guest })?;
            }
        }
        for ch in &config.channels {
            for end in ch.ends.iter().filter(|e| e.domain == id) {
                add(Mapping { ipa: end.ipa, pa: ch.window.base, size: ch.window.size, backing: Backing::Channel })?;
            }
        }
        // Devices of one domain may share a page (virtio-mmio transports):
        // merge identical device pages, refuse every other overlap.
        mappings.sort_unstable_by_key(|m| m.ipa);
        let mut merged: Vec<Mapping, MAX_MAPPINGS> = Vec::new();
        for m in mappings {
            let aligned = m.ipa.is_aligned(PAGE_SIZE) && m.pa.is_aligned(PAGE_SIZE) && m.size % PAGE_SIZE == 0;
            if !aligned || m.size == 0 || m.ipa_end().is_none() || m.pa.checked_add(m.size).is_none() {
                return Err(PlanError::BadRange);
            }
            if let Some(last) = merged.last_mut() {
                let last_end = last.ipa_end().ok_or(PlanError::BadRange)?;
                if m.ipa.raw() < last_end {
                    let both_devices = m.backing == Backing::Device && last.backing == Backing::Device;
                    if !both_devices {
                        return Err(PlanError::Overlap);
                    }
                    let end = last_end.max(m.ipa_end().ok_or(PlanError::BadRange)?);
                    last.size = end - last.ipa.raw();
                    continue;
                }
            }
            merged.push(m).map_err(|_| PlanError::TooMany)?;
        }
        Ok(Self { mappings: merged })
    }

    /// Every mapping, by IPA.
    pub fn mappings(&self) -> &[Mapping] {
        &self.mappings
    }

    /// Where the `len` bytes at guest address `ipa` are, if they lie
    /// entirely inside one RAM grant. Anything else (device, channel,
    /// unmapped, straddling, wrapping) is refused.
    pub fn ram_span(&self, ipa: u64, len: u64) -> Option<PhysAddr> {
        let end = ipa.checked_add(len)?;
        self.mappings.iter().filter(|m| matches!(m.backing, Backing::Ram | Backing::Tracked)).find_map(|m| {
            let offset = ipa.checked_sub(m.ipa.raw())?;
            (end <= m.ipa_end()?).then(|| m.pa.checked_add(offset)).flatten()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::config_with;
    use bulkhead_bootcfg::{Channel, ChannelEnd, DeviceGrant, Name, NotifyBudget, PhysRange};

    fn with_devices_and_channel() -> BootConfig {
        let mut c = config_with(&[&[1], &[2]]);
        for (name, base) in [("v0", 0x0a00_3e00u64), ("v1", 0x0a00_3c00)] {
            c.domains[0]
                .devices
                .push(DeviceGrant {
                    name: Name::try_from(name).unwrap(),
                    mmio: PhysRange { base: PhysAddr::new(base), size: 0x200 },
                    irqs: heapless::Vec::new(),
                    reset: bulkhead_bootcfg::DeviceReset::None,
                })
                .unwrap();
        }
        c.channels
            .push(Channel {
                name: Name::try_from("ab").unwrap(),
                window: PhysRange { base: PhysAddr::new(0x4800_0000), size: 0x1_0000 },
                ends: [
                    ChannelEnd { domain: DomainId::new(0), ipa: Ipa::new(0x5000_0000) },
                    ChannelEnd { domain: DomainId::new(1), ipa: Ipa::new(0x6000_0000) },
                ],
                notify_budget: NotifyBudget::DEFAULT,
            })
            .unwrap();
        c
    }

    #[test]
    fn guard_pages_are_holes_in_the_ram() {
        let mut c = config_with(&[&[1]]);
        for g in [0x4001_5000u64, 0x4001_0000] {
            c.domains[0].guards.push(Ipa::new(g)).unwrap();
        }
        let plan = Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap();
        let got: heapless::Vec<(u64, u64, u64), 8> =
            plan.mappings().iter().map(|m| (m.ipa.raw(), m.pa.raw(), m.size)).collect();
        assert_eq!(
            got.as_slice(),
            [
                (0x4000_0000, 0x4200_0000, 0x1_0000),
                (0x4001_1000, 0x4201_1000, 0x4000),
                (0x4001_6000, 0x4201_6000, 0x20_0000 - 0x1_6000),
            ]
        );
        assert_eq!(plan.ram_span(0x4001_0ff0, 8), None, "a guard page is no buffer either");
        // A guard outside the RAM changes nothing.
        c.domains[0].guards.clear();
        c.domains[0].guards.push(Ipa::new(0x9000_0000)).unwrap();
        assert_eq!(Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap().mappings().len(), 1);
    }

    #[test]
    fn a_tracked_range_is_its_own_mapping_inside_the_targets_ram() {
        let mut c = config_with(&[&[1], &[2]]);
        // Domain 1 tracks 16 pages in the middle of domain 0's 2 MiB.
        let vram = bulkhead_bootcfg::Capability::DmVram { target: 0, ipa: Ipa::new(0x4010_0000), size: 0x1_0000 };
        c.domains[1].caps.push(vram).unwrap();
        let plan = Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap();
        let got: heapless::Vec<(u64, u64, u64, Backing), 8> =
            plan.mappings().iter().map(|m| (m.ipa.raw(), m.pa.raw(), m.size, m.backing)).collect();
        assert_eq!(
            got.as_slice(),
            [
                (0x4000_0000, 0x4200_0000, 0x10_0000, Backing::Ram),
                (0x4010_0000, 0x4210_0000, 0x1_0000, Backing::Tracked),
                (0x4011_0000, 0x4211_0000, 0xf_0000, Backing::Ram),
            ]
        );
        // Still RAM for hypercall buffers; the other domain is unchanged.
        assert_eq!(plan.ram_span(0x4010_0ff0, 16), Some(PhysAddr::new(0x4210_0ff0)));
        let other = Stage2Plan::for_domain(&c, DomainId::new(1)).unwrap();
        assert!(other.mappings().iter().all(|m| m.backing != Backing::Tracked));
        // At the very start and end of the RAM: no empty pieces.
        c.domains[1].caps[0] =
            bulkhead_bootcfg::Capability::DmVram { target: 0, ipa: Ipa::new(0x4000_0000), size: 0x20_0000 };
        let whole = Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap();
        assert_eq!(whole.mappings().len(), 1);
        assert_eq!(whole.mappings()[0].backing, Backing::Tracked);
    }

    #[test]
    fn ram_devices_and_channels_are_planned() {
        let c = with_devices_and_channel();
        let plan = Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap();
        let m = plan.mappings();
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!(
            m[0],
            Mapping {
                ipa: Ipa::new(0x0a00_3000),
                pa: PhysAddr::new(0x0a00_3000),
                size: 0x1000,
                backing: Backing::Device
            }
        );
        assert_eq!(m[1].backing, Backing::Ram);
        assert_eq!(
            m[2],
            Mapping {
                ipa: Ipa::new(0x5000_0000),
                pa: PhysAddr::new(0x4800_0000),
                size: 0x1_0000,
                backing: Backing::Channel
            }
        );
        let other = Stage2Plan::for_domain(&c, DomainId::new(1)).unwrap();
        assert_eq!(other.mappings().len(), 2);
        assert_eq!(other.mappings()[1].ipa, Ipa::new(0x6000_0000));
    }

    #[test]
    fn guest_pointers_are_checked_against_ram_grants() {
        let c = with_devices_and_channel();
        let plan = Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap();
        let ram = plan.mappings()[1];
        let base = ram.ipa.raw();
        assert_eq!(plan.ram_span(base + 0x10, 16), Some(ram.pa.checked_add(0x10).unwrap()));
        assert_eq!(plan.ram_span(base + ram.size - 4, 4), ram.pa.checked_add(ram.size - 4));
        assert_eq!(plan.ram_span(base + ram.size - 4, 8), None, "straddles the end");
        assert_eq!(plan.ram_span(base - 1, 2), None, "straddles the start");
        assert_eq!(plan.ram_span(0x5000_0000, 4), None, "channel window is not RAM");
        assert_eq!(plan.ram_span(0x0a00_3e00, 4), None, "device is not RAM");
        assert_eq!(plan.ram_span(u64::MAX - 1, 4), None, "wraps");
    }

    #[test]
    fn overlaps_are_refused() {
        let mut c = with_devices_and_channel();
        c.channels[0].ends[0].ipa = Ipa::new(c.domains[0].ram[0].ipa.raw() + 0x1000);
        assert_eq!(Stage2Plan::for_domain(&c, DomainId::new(0)), Err(PlanError::Overlap));
        assert_eq!(Stage2Plan::for_domain(&c, DomainId::new(9)), Err(PlanError::NoDomain));
    }
}
