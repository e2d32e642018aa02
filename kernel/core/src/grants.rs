// SPDX-License-Identifier: MIT
//! Defence in depth at boot: no stage-2 grant of any domain may cover what
//! no domain may reach, whatever the configuration says.
//!
//! The build tool's validator refuses such a board file, and the kernel
//! checks the configuration's CRC, but a CRC is no authentication: a
//! configuration re-encoded with a correct CRC passes it. So before any
//! stage-2 table is built, every mapping of every domain's plan (its RAM,
//! its devices, its channel windows, by physical address) is checked
//! against the kernel's region (as linked, and as the configuration
//! states it), the GIC (distributor, one redistributor frame per CPU, the
//! ITS if the board has one), the kernel's console UART and every other
//! domain's RAM. Channel windows are shared by design and are nobody's RAM.

use crate::boot_error::BootError;
use crate::stage2::{Backing, Stage2Plan};
use bulkhead_abi::{DomainId, PAGE_SIZE, PhysAddr};
use bulkhead_bootcfg::{BootConfig, PhysRange};

/// The GIC distributor's frame.
const GICD_SIZE: u64 = 0x1_0000;
/// One CPU's redistributor frames (RD_base and SGI_base).
const GICR_FRAME_SIZE: u64 = 0x2_0000;
/// The ITS's control and translation frames.
const GITS_SIZE: u64 = 0x2_0000;

/// What no domain may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protected {
    /// The kernel's region: code, data, stacks, page tables, the payload.
    Kernel,
    /// The GIC distributor.
    GicDistributor,
    /// The GIC redistributors (one frame pair per CPU).
    GicRedistributors,
    /// The GIC ITS.
    GicIts,
    /// The kernel's console UART.
    ConsoleUart,
    /// The RAM of another domain.
    DomainRam {
        /// Its index.
        domain: usize,
    },
}

/// A grant that covers something protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantConflict {
    /// The domain that has the grant.
    pub domain: usize,
    /// What the grant is.
    pub backing: Backing,
    /// The grant, physically.
    pub grant: PhysRange,
    /// What it covers.
    pub protected: Protected,
    /// Where that is.
    pub range: PhysRange,
}

/// Whether two ranges share a byte (a range that wraps shares with all).
fn overlaps(a: &PhysRange, b: &PhysRange) -> bool {
    match (a.end(), b.end()) {
        (Some(a_end), Some(b_end)) => a.base < b_end && b.base < a_end,
        _ => true,
    }
}

fn range(base: PhysAddr, size: u64) -> PhysRange {
    PhysRange { base, size }
}

/// Whether `domain` holds a capability to `target`'s RAM (a device
/// model's `DmMemory`): that RAM is not protected from it.
fn models_memory(config: &BootConfig, domain: usize, target: usize) -> bool {
    config.domains.get(domain).is_some_and(|d| {
        d.caps
            .iter()
            .any(|c| matches!(*c, bulkhead_bootcfg::Capability::DmMemory { target: t, .. } if usize::from(t) == target))
    })
}

/// Everything protected from domain `domain`: the kernel's region as
/// linked (`kernel`, from the arch layer) and as configured, the GIC, the
/// console UART's page, and every other domain's RAM and kept memory but a
/// target's RAM whose device model it is with that target's memory
/// (`DmMemory`).
fn protected(config: &BootConfig, kernel: PhysRange, domain: usize) -> impl Iterator<Item = (Protected, PhysRange)> {
    let gic = &config.gic;
    let console = PhysAddr::new(config.console.base.raw() & !(PAGE_SIZE - 1));
    let fixed = [
        Some((Protected::Kernel, kernel)),
        Some((Protected::Kernel, config.kernel)),
        Some((Protected::GicDistributor, range(gic.distributor, GICD_SIZE))),
        Some((Protected::GicRedistributors, range(gic.redistributors, GICR_FRAME_SIZE * u64::from(config.pcpus)))),
        gic.its.map(|its| (Protected::GicIts, range(its, GITS_SIZE))),
        Some((Protected::ConsoleUart, range(console, PAGE_SIZE))),
    ];
    let others = config.domains.iter().enumerate().filter(move |&(i, _)| i != domain).flat_map(move |(i, d)| {
        let ram = d.ram.iter().filter(move |_| !models_memory(config, domain, i)).map(|r| range(r.phys, r.size));
        let kept = d.caps.iter().filter_map(|c| match *c {
            bulkhead_bootcfg::Capability::Kept { phys, size, .. } => Some(range(phys, size)),
            _ => None,
        });
        ram.chain(kept).map(move |r| (Protected::DomainRam { domain: i }, r))
    });
    fixed.into_iter().flatten().chain(others)
}

/// Checks domain `domain`'s stage-2 `plan` against everything protected.
pub fn check_plan(
    config: &BootConfig,
    kernel: PhysRange,
    domain: usize,
    plan: &Stage2Plan,
) -> Result<(), GrantConflict> {
    for m in plan.mappings() {
        let grant = range(m.pa, m.size);
        if let Some((protected, range)) = protected(config, kernel, domain).find(|(_, r)| overlaps(&grant, r)) {
            return Err(GrantConflict { domain, backing: m.backing, grant, protected, range });
        }
    }
    Ok(())
}

/// Checks every domain's plan ([`check_plan`]); `kernel` is the kernel's
/// region as linked. A plan that cannot be made is refused as the world's
/// construction would refuse it.
pub fn check_all(config: &BootConfig, kernel: PhysRange) -> Result<(), BootError> {
    for (i, _) in config.domains.iter().enumerate() {
        let id = DomainId::new(u16::try_from(i).unwrap_or(u16::MAX));
        let plan = Stage2Plan::for_domain(config, id).map_err(|error| BootError::Stage2 { domain: i, error })?;
        check_plan(config, kernel, i, &plan).map_err(BootError::Grant)?;
    }
    Ok(())
}

/// What a grant is, in a log line.
pub fn backing_name(m: Backing) -> &'static str {
    match m {
        Backing::Ram => "RAM",
        Backing::Device => "a device",
        Backing::Channel => "a channel window",
        Backing::Guest => "a device model's view of its target's RAM",
        Backing::Kept => "kept memory",
        Backing::Tracked => "RAM tracked for its device model",
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use crate::testing::{config_with, device};
    use bulkhead_abi::Ipa;
    use bulkhead_bootcfg::{Channel, ChannelEnd, Name, NotifyBudget, RamRegion};

    /// The kernel's region as linked on the sample board.
    const KERNEL: PhysRange = PhysRange { base: PhysAddr::new(0x4020_0000), size: 0x100_0000 };

    fn two_domains() -> BootConfig {
        // Domain RAM at 0x4200_0000 and 0x4220_0000 (above the kernel's
        // 16 MiB at 0x4020_0000).
        config_with(&[&[1], &[2]])
    }

    #[test]
    fn a_valid_configuration_passes() {
        let mut c = two_domains();
        c.domains[0].devices.push(device(0x0a00_3e00, 0x200)).unwrap();
        c.channels
            .push(Channel {
                name: Name::try_from("ab").unwrap(),
                window: PhysRange { base: PhysAddr::new(0x4800_0000), size: 0x1_0000 },
                ends: [
                    ChannelEnd { domain: DomainId::new(0), ipa: Ipa::new(0x5000_0000) },
                    ChannelEnd { domain: DomainId::new(1), ipa: Ipa::new(0x5000_0000) },
                ],
                notify_budget: NotifyBudget::DEFAULT,
            })
            .unwrap();
        assert_eq!(check_all(&c, KERNEL), Ok(()));
    }

    #[test]
    fn ram_over_the_kernel_is_refused() {
        // A re-encoded configuration: domain 1's RAM moved onto the kernel.
        let mut c = two_domains();
        c.domains[1].ram[0].phys = PhysAddr::new(0x4020_0000);
        let err = check_all(&c, KERNEL).unwrap_err();
        assert_eq!(
            err,
            BootError::Grant(GrantConflict {
                domain: 1,
                backing: Backing::Ram,
                grant: range(PhysAddr::new(0x4020_0000), 0x20_0000),
                protected: Protected::Kernel,
                range: KERNEL,
            })
        );
        // The last page of the kernel's region is enough.
        c.domains[1].ram[0].phys = PhysAddr::new(0x4020_0000 + 0x100_0000 - 0x20_0000 + 0x1000);
        assert!(matches!(
            check_all(&c, KERNEL),
            Err(BootError::Grant(GrantConflict { protected: Protected::Kernel, .. }))
        ));
        // Right after it is fine.
        c.domains[1].ram[0].phys = PhysAddr::new(0x4120_0000);
        assert_eq!(check_all(&c, KERNEL), Ok(()));
    }

    #[test]
    fn the_kernel_as_linked_counts_even_if_the_configuration_shrinks_it() {
        let mut c = two_domains();
        c.kernel.size = 0x10_0000; // the configuration claims 1 MiB
        c.domains[1].ram[0].phys = PhysAddr::new(0x4100_0000); // inside the linked 16 MiB
        let err = check_all(&c, KERNEL).unwrap_err();
        assert!(
            matches!(err, BootError::Grant(GrantConflict { domain: 1, protected: Protected::Kernel, .. })),
            "{err:?}"
        );
    }

    #[test]
    fn kept_memory_is_mapped_for_its_domain_and_protected_from_every_other() {
        let mut c = config_with(&[&[1], &[2], &[3]]);
        let kept = bulkhead_bootcfg::Capability::Kept {
            ipa: Ipa::new(0x4900_0000),
            phys: PhysAddr::new(0x4400_0000),
            size: 0x1000,
        };
        c.domains[0].caps.push(kept).unwrap();
        // Domain 1 models domain 0 with its memory: RAM, not kept memory.
        c.domains[1].caps.push(bulkhead_bootcfg::Capability::DmMemory { target: 0, window: 0 }).unwrap();
        assert_eq!(check_all(&c, KERNEL), Ok(()));
        let plan = Stage2Plan::for_domain(&c, DomainId::new(0)).unwrap();
        let m = plan.mappings().iter().find(|m| m.backing == Backing::Kept).unwrap();
        assert_eq!((m.ipa.raw(), m.pa.raw(), m.size), (0x4900_0000, 0x4400_0000, 0x1000));
        // Not RAM for hypercall buffers.
        assert_eq!(plan.ram_span(0x4900_0000, 16), None);
        let dm = Stage2Plan::for_domain(&c, DomainId::new(1)).unwrap();
        assert!(dm.mappings().iter().all(|m| m.pa.raw() != 0x4400_0000));
        for (other, id) in [(1usize, DomainId::new(1)), (2, DomainId::new(2))] {
            c.domains[other]
                .ram
                .push(RamRegion { ipa: Ipa::new(0x4800_0000), phys: PhysAddr::new(0x4400_0000), size: 0x1000 })
                .unwrap();
            let plan = Stage2Plan::for_domain(&c, id).unwrap();
            assert!(
                matches!(
                    check_plan(&c, KERNEL, other, &plan),
                    Err(GrantConflict { domain, protected: Protected::DomainRam { domain: 0 }, .. }) if domain == other
                ),
                "domain {other} reached domain 0's kept memory"
            );
            c.domains[other].ram.pop();
        }
    }

    #[test]
    fn a_device_model_reaches_its_targets_ram_and_no_other() {
        let mut c = config_with(&[&[1], &[2], &[3]]);
        // Domain 1 models domain 0, with its memory.
        c.domains[1].caps.push(bulkhead_bootcfg::Capability::DmMemory { target: 0, window: 0 }).unwrap();
        assert_eq!(check_all(&c, KERNEL), Ok(()));
        let plan = Stage2Plan::for_domain(&c, DomainId::new(1)).unwrap();
        let guest = plan.mappings().iter().find(|m| m.backing == Backing::Guest).unwrap();
        assert_eq!((guest.ipa.raw(), guest.pa.raw(), guest.size), (0x8_4000_0000, 0x4200_0000, 0x20_0000));
        // Hypercall buffers are never in it.
        assert_eq!(plan.ram_span(0x8_4000_0000, 16), None);
        // Domain 2's RAM is still protected from domain 1.
        c.domains[1]
            .ram
            .push(RamRegion { ipa: Ipa::new(0x4800_0000), phys: PhysAddr::new(0x4240_0000), size: 0x1000 })
            .unwrap();
        assert!(matches!(
            check_all(&c, KERNEL),
            Err(BootError::Grant(GrantConflict { protected: Protected::DomainRam { domain: 2 }, .. }))
        ));
    }

    #[test]
    fn another_domains_ram_is_refused() {
        let mut c = two_domains();
        // Domain 0 gets a second region backed by domain 1's RAM.
        c.domains[0]
            .ram
            .push(RamRegion { ipa: Ipa::new(0x4800_0000), phys: PhysAddr::new(0x4220_1000), size: 0x1000 })
            .unwrap();
        let err = check_all(&c, KERNEL).unwrap_err();
        assert_eq!(
            err,
            BootError::Grant(GrantConflict {
                domain: 0,
                backing: Backing::Ram,
                grant: range(PhysAddr::new(0x4220_1000), 0x1000),
                protected: Protected::DomainRam { domain: 1 },
                range: range(PhysAddr::new(0x4220_0000), 0x20_0000),
            })
        );
    }

    #[test]
    fn a_channel_window_over_a_domains_ram_is_refused() {
        let mut c = two_domains();
        c.channels
            .push(Channel {
                name: Name::try_from("ab").unwrap(),
                window: PhysRange { base: PhysAddr::new(0x4200_0000), size: 0x1000 },
                ends: [
                    ChannelEnd { domain: DomainId::new(0), ipa: Ipa::new(0x5000_0000) },
                    ChannelEnd { domain: DomainId::new(1), ipa: Ipa::new(0x5000_0000) },
                ],
                notify_budget: NotifyBudget::DEFAULT,
            })
            .unwrap();
        // Domain 0 maps it beside its own RAM; domain 1 maps domain 0's RAM.
        let err = check_all(&c, KERNEL).unwrap_err();
        assert!(
            matches!(
                err,
                BootError::Grant(GrantConflict {
                    backing: Backing::Channel,
                    protected: Protected::DomainRam { domain: 0 },
                    domain: 1,
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn the_gic_and_the_console_are_refused() {
        for (base, protected) in [
            (0x0800_f000, Protected::GicDistributor),
            (0x080a_0000 + 8 * 0x2_0000 - 0x1000, Protected::GicRedistributors),
            (0x0809_f000, Protected::GicIts),
            (0x0900_0000, Protected::ConsoleUart),
        ] {
            let mut c = two_domains();
            c.domains[0].devices.push(device(base, 0x1000)).unwrap();
            let err = check_all(&c, KERNEL).unwrap_err();
            let BootError::Grant(conflict) = err else { panic!("{err:?}") };
            assert_eq!((conflict.domain, conflict.backing, conflict.protected), (0, Backing::Device, protected));
        }
        // Beyond the 8 CPUs' redistributors, and without an ITS, nothing is
        // protected there.
        let mut c = two_domains();
        c.gic.its = None;
        c.domains[0].devices.push(device(0x080a_0000 + 8 * 0x2_0000, 0x1000)).unwrap();
        c.domains[0].devices.push(device(0x0808_0000, 0x1000)).unwrap();
        assert_eq!(check_all(&c, KERNEL), Ok(()));
    }

    #[test]
    fn conflicts_read_as_a_boot_error_line() {
        let mut c = two_domains();
        c.domains[1].ram[0].phys = PhysAddr::new(0x4020_0000);
        let line = std::format!("{}", check_all(&c, KERNEL).unwrap_err());
        assert_eq!(
            line,
            "domain 1: its RAM grant 0x40200000+0x200000 covers the kernel's region 0x40200000+0x1000000: \
             this configuration was not checked by the build tool; rebuild the image"
        );
        c.domains[1].ram[0].phys = PhysAddr::new(0x4220_0000);
        c.domains[0].ram[0].phys = PhysAddr::new(0x4220_0000);
        let line = std::format!("{}", check_all(&c, KERNEL).unwrap_err());
        assert!(
            line.starts_with("domain 0: its RAM grant 0x42200000+0x200000 covers domain 1's RAM 0x42200000+0x200000")
        );
    }
}
