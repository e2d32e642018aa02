// SPDX-License-Identifier: MIT
//! One domain's virtual GICv3: its state, the public operations on it, and
//! the routing of a trapped access to the GICD (`dist`) or a GICR
//! (`redist`) emulation. Owns what the guest sees of the GIC and which SPIs
//! are the domain's; must not touch the physical GIC: every change a write
//! makes to a physical interrupt comes back as a [`PhysEffect`] for the arch
//! layer to carry out, and pending state lives in the list registers (an
//! ISPENDR write comes back in [`MmioResult::pended`]).
//!
//! Documented limitations: ISPENDR/ISACTIVER (and their clear twins) read
//! as 0; ICPENDR, ISACTIVER and ICACTIVER writes are accepted for the
//! domain's interrupts and change nothing. Priorities written to SPIs the
//! domain does not own are ignored without a refusal, because Linux writes
//! the default priority to every SPI at boot.

use super::mmio::MmioAccess;
use super::regs;
use super::state::{RedistState, SPI_END, SPI_FIRST, SpiState, route_to_vcpu};
use super::{MAX_OWNED_SPIS, MAX_VGIC_VCPUS, VgicLayout};
use heapless::Vec;

/// Most physical effects or pended interrupts one access produces (a
/// 32-bit enable or pending row).
pub const MAX_EFFECTS: usize = 32;

/// What the arch layer must do to the physical GIC after an access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhysEffect {
    /// Enable or disable the owned SPI `intid`.
    EnableSpi {
        /// The SPI.
        intid: u32,
        /// Enable (`true`) or disable.
        enable: bool,
    },
    /// Route the owned SPI `intid` to the pCPU running vCPU `vcpu`.
    RouteSpi {
        /// The SPI.
        intid: u32,
        /// The domain's vCPU index.
        vcpu: usize,
    },
    /// Make the owned SPI `intid` edge-triggered (`true`) or level-sensitive.
    ConfigureSpi {
        /// The SPI.
        intid: u32,
        /// Edge-triggered.
        edge: bool,
    },
}

/// Why (part of) a write was not carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The write tried to change an SPI of another domain (the first such
    /// INTID in the access).
    NotOwned {
        /// The INTID.
        intid: u32,
    },
    /// Unaligned, or the wrong size for that register: nothing happened.
    BadAccess,
}

/// The outcome of one access to the virtual GIC.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MmioResult {
    /// The value read (0 for writes).
    pub value: u64,
    /// Changes to make to physical interrupts, in order.
    pub effects: Vec<PhysEffect, MAX_EFFECTS>,
    /// Set if the access was (partly) refused.
    pub refused: Option<Refusal>,
    /// ISPENDR writes that made something pending: (vCPU, INTID), for the
    /// arch layer to queue and kick.
    pub pended: Vec<(usize, u32), MAX_EFFECTS>,
}

impl MmioResult {
    /// Notes a refusal (the first one is kept).
    pub(super) fn refuse(&mut self, why: Refusal) {
        if self.refused.is_none() {
            self.refused = Some(why);
        }
    }

    /// Adds an effect. One access touches at most 32 interrupts, so this
    /// never overflows.
    pub(super) fn effect(&mut self, effect: PhysEffect) {
        let _ = self.effects.push(effect);
    }

    /// Notes that `intid` became pending for `vcpu`.
    pub(super) fn pend(&mut self, vcpu: usize, intid: u32) {
        let _ = self.pended.push((vcpu, intid));
    }
}

/// One domain's virtual GICv3.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualGic {
    /// vCPUs (redistributors), at most `MAX_VGIC_VCPUS`.
    pub(super) vcpus: usize,
    /// GICD_CTLR.EnableGrp1.
    pub(super) enable_grp1: bool,
    /// The owned SPIs; the first `nspis` entries are used.
    pub(super) spis: [SpiState; MAX_OWNED_SPIS],
    pub(super) nspis: usize,
    /// One redistributor per vCPU.
    pub(super) redists: [RedistState; MAX_VGIC_VCPUS],
    /// Refused writes so far.
    pub(super) refused: u32,
}

impl Default for VirtualGic {
    fn default() -> Self {
        Self::new()
    }
}

impl VirtualGic {
    /// A GIC with no vCPUs and no SPIs; `reset` sets it up.
    pub const fn new() -> Self {
        Self {
            vcpus: 0,
            enable_grp1: false,
            spis: [SpiState::reset(0); MAX_OWNED_SPIS],
            nspis: 0,
            redists: [RedistState::RESET; MAX_VGIC_VCPUS],
            refused: 0,
        }
    }

    /// Boot and every restart of the domain: `vcpus` vCPUs (at most
    /// `MAX_VGIC_VCPUS`); it owns exactly the SPIs in `owned` (INTIDs
    /// 32..1019; others, duplicates and any beyond `MAX_OWNED_SPIS` are
    /// dropped). Everything disabled, not pending or active, priority 0,
    /// level-sensitive, routed to vCPU 0, GICD_CTLR 0 (ARE_NS and DS read as
    /// 1), every GICR_WAKER.ProcessorSleep = 1. The refusal count restarts.
    pub fn reset(&mut self, vcpus: usize, owned: &[u32]) {
        *self = Self::new();
        self.vcpus = vcpus.min(MAX_VGIC_VCPUS);
        for &intid in owned {
            if !(SPI_FIRST..SPI_END).contains(&intid) || self.owns(intid) {
                continue;
            }
            let Some(slot) = self.spis.get_mut(self.nspis) else { break };
            *slot = SpiState::reset(intid);
            self.nspis += 1;
        }
    }

    /// An access by vCPU `vcpu` to the domain's GIC frames
    /// (`layout.contains(access.ipa)` is true; anything else reads as 0).
    /// Any vCPU may access any redistributor. For writes `value` is the
    /// register's new value (already truncated to `access.size`).
    pub fn mmio(&mut self, layout: &VgicLayout, vcpu: usize, access: MmioAccess, value: u64) -> MmioResult {
        let _ = vcpu;
        let mut res = MmioResult::default();
        let value = if access.write { value } else { 0 };
        let read = if !regs::aligned(&access) {
            res.refuse(Refusal::BadAccess);
            0
        } else if let Some(off) = layout.dist_offset(access.ipa) {
            self.dist_access(off, &access, value, &mut res)
        } else if let Some((frame, off)) = layout.redist_offset(access.ipa) {
            if frame < self.vcpus { self.redist_access(frame, off, &access, value, &mut res) } else { 0 }
        } else {
            0
        };
        if access.write {
            if res.refused.is_some() {
                self.refused = self.refused.saturating_add(1);
            }
        } else {
            res.value = read;
        }
        res
    }

    /// Whether `vcpu` should be given `intid` now: GICD_CTLR.EnableGrp1 set
    /// and the interrupt enabled (SGI/PPI: that vCPU's redistributor; SPI:
    /// owned and enabled).
    pub fn deliverable(&self, vcpu: usize, intid: u32) -> bool {
        if !self.enable_grp1 {
            return false;
        }
        if intid < SPI_FIRST {
            return self.redist(vcpu).is_some_and(|r| r.enabled & (1 << intid) != 0);
        }
        self.spi(intid).is_some_and(|spi| spi.enabled)
    }

    /// The priority the guest gave `intid` (for an SGI/PPI: in `vcpu`'s
    /// redistributor); 0 for one that does not exist or is not owned.
    pub fn priority(&self, vcpu: usize, intid: u32) -> u8 {
        if intid < SPI_FIRST {
            let index = usize::try_from(intid).unwrap_or(usize::MAX);
            return self.redist(vcpu).and_then(|r| r.priority.get(index).copied()).unwrap_or(0);
        }
        self.spi(intid).map_or(0, |spi| spi.priority)
    }

    /// The vCPU an owned SPI is routed to (IROUTER: Aff0 = vCPU index,
    /// others 0; IRM=1, other affinities or an Aff0 beyond the vCPUs mean
    /// vCPU 0); `None` if not owned.
    pub fn target(&self, intid: u32) -> Option<usize> {
        self.spi(intid).map(|spi| route_to_vcpu(spi.router, self.vcpus))
    }

    /// Whether the domain owns SPI `intid`.
    pub fn owns(&self, intid: u32) -> bool {
        self.spi(intid).is_some()
    }

    /// A trapped ICC_SGI1R_EL1 write by `vcpu`: the SGI's INTID (bits 27:24)
    /// and the target vCPUs as a bit mask. IRM (bit 40) targets every vCPU
    /// but the sender; otherwise Aff3/Aff2/Aff1 (bits 55:48, 39:32, 23:16)
    /// and RS (47:44) must be 0, and TargetList (15:0) bits name vCPU
    /// indices (those not below `vcpus` are dropped).
    pub fn sgi1r(&self, vcpu: usize, value: u64) -> (u32, u32) {
        const IRM: u64 = 1 << 40;
        const AFF_RS: u64 = (0xff << 48) | (0xf << 44) | (0xff << 32) | (0xff << 16);
        let intid = u32::try_from((value >> 24) & 0xf).unwrap_or(0);
        let all = u32::try_from((1u64 << self.vcpus) - 1).unwrap_or(u32::MAX);
        let targets = if value & IRM != 0 {
            let me = u32::try_from(vcpu).ok().and_then(|v| 1u32.checked_shl(v)).unwrap_or(0);
            all & !me
        } else if value & AFF_RS != 0 {
            0
        } else {
            u32::try_from(value & 0xffff).unwrap_or(0) & all
        };
        (intid, targets)
    }

    /// Refused writes so far.
    pub fn refused(&self) -> u32 {
        self.refused
    }

    /// The owned SPIs.
    pub(super) fn owned_spis(&self) -> impl Iterator<Item = &SpiState> {
        self.spis.iter().take(self.nspis)
    }

    /// The state of owned SPI `intid`.
    pub(super) fn spi(&self, intid: u32) -> Option<&SpiState> {
        self.owned_spis().find(|spi| spi.intid == intid)
    }

    /// The state of owned SPI `intid`, to change.
    pub(super) fn spi_mut(&mut self, intid: u32) -> Option<&mut SpiState> {
        self.spis.iter_mut().take(self.nspis).find(|spi| spi.intid == intid)
    }

    /// `vcpu`'s redistributor, if the domain has that vCPU.
    pub(super) fn redist(&self, vcpu: usize) -> Option<&RedistState> {
        self.redists.get(vcpu).filter(|_| vcpu < self.vcpus)
    }

    /// `vcpu`'s redistributor, to change.
    pub(super) fn redist_mut(&mut self, vcpu: usize) -> Option<&mut RedistState> {
        if vcpu < self.vcpus { self.redists.get_mut(vcpu) } else { None }
    }
}

#[cfg(test)]
#[allow(clippy::cast_possible_truncation, reason = "tests")]
mod tests {
    use super::super::test_support::{Bus, GICD, rd, sgi};
    use super::super::{REDIST_STRIDE, SGI_BASE_OFFSET};
    use super::*;

    /// The arch layer keeps one per domain in a static.
    static _CONST_CONSTRUCTIBLE: VirtualGic = VirtualGic::new();

    const GICD_CTLR: u64 = GICD;
    const GICD_TYPER: u64 = GICD + 0x4;
    const GICD_IIDR: u64 = GICD + 0x8;
    const GICD_TYPER2: u64 = GICD + 0xc;
    const GICD_IGROUPR: u64 = GICD + 0x80;
    const GICD_ISENABLER: u64 = GICD + 0x100;
    const GICD_ICENABLER: u64 = GICD + 0x180;
    const GICD_ISPENDR: u64 = GICD + 0x200;
    const GICD_ISACTIVER: u64 = GICD + 0x300;
    const GICD_ICACTIVER: u64 = GICD + 0x380;
    const GICD_IPRIORITYR: u64 = GICD + 0x400;
    const GICD_ICFGR: u64 = GICD + 0xc00;
    const GICD_IROUTER: u64 = GICD + 0x6000;
    const GICD_PIDR2: u64 = GICD + 0xffe8;
    const GICR_CTLR: u64 = 0x0;
    const GICR_TYPER: u64 = 0x8;
    const GICR_WAKER: u64 = 0x14;
    const GICR_PIDR2: u64 = 0xffe8;
    const GICR_IGROUPR0: u64 = 0x80;
    const GICR_ISENABLER0: u64 = 0x100;
    const GICR_ICENABLER0: u64 = 0x180;
    const GICR_ICACTIVER0: u64 = 0x380;
    const GICR_IPRIORITYR0: u64 = 0x400;
    const GICR_ICFGR1: u64 = 0xc04;
    const DEF_PRI_X4: u32 = 0xa0a0_a0a0;

    /// Owned: the UART (33), a virtio device (79) and a high SPI (1000).
    const OWNED: [u32; 3] = [33, 79, 1000];

    /// Every access Linux's gic_dist_init makes (through gic_dist_config),
    /// GIC_LINE_NR derived from GICD_TYPER as Linux does.
    fn linux_dist_init(b: &mut Bus) -> Vec<PhysEffect, 128> {
        let mut effects: Vec<PhysEffect, 128> = Vec::new();
        let mut collect = |res: MmioResult| {
            assert_eq!(res.refused, None);
            assert!(res.pended.is_empty());
            effects.extend(res.effects);
        };
        // gic_of_init / gic_init_bases.
        assert_eq!(b.r32(GICD_PIDR2) & 0xf0, 0x30, "GICv3");
        let typer = b.r32(GICD_TYPER);
        let _ = b.r32(GICD_IIDR);
        let _ = b.r32(GICD_TYPER2);
        let lines = (((typer & 0x1f) + 1) * 32).min(1020);
        assert_eq!(lines, 1020);
        assert_eq!(1 << (((typer >> 19) & 0x1f) + 1), 1024, "GIC_ID_NR");
        assert_eq!(typer & (1 << 8), 0, "no ESPI range");
        // Disable the distributor.
        collect(b.w32(GICD_CTLR, 0));
        assert_eq!(b.r32(GICD_CTLR) & (1 << 31), 0, "RWP");
        for i in (32..lines).step_by(32) {
            collect(b.w32(GICD_IGROUPR + u64::from(i / 8), !0));
        }
        // gic_dist_config.
        for i in (32..lines).step_by(16) {
            collect(b.w32(GICD_ICFGR + u64::from(i / 4), 0));
        }
        for i in (32..lines).step_by(4) {
            collect(b.w32(GICD_IPRIORITYR + u64::from(i), DEF_PRI_X4));
        }
        for i in (32..lines).step_by(32) {
            collect(b.w32(GICD_ICACTIVER + u64::from(i / 8), !0));
            collect(b.w32(GICD_ICENABLER + u64::from(i / 8), !0));
        }
        assert_eq!(b.r32(GICD_CTLR) & (1 << 31), 0, "RWP");
        // ARE_NS | EnableGrp1A | EnableGrp1.
        collect(b.w32(GICD_CTLR, 1 << 4 | 1 << 1 | 1));
        // Everything to the boot CPU (affinity 0), 64-bit writes.
        for i in 32..lines {
            collect(b.w64(GICD_IROUTER + 8 * u64::from(i), 0));
        }
        effects
    }

    /// What CPU `cpu` does at bring-up: gic_populate_rdist (walk the frames
    /// until GICR_TYPER's affinity matches), gic_enable_redist(true),
    /// gic_cpu_init and gic_cpu_config.
    fn linux_cpu_init(b: &mut Bus, cpu: usize) {
        b.cpu = cpu;
        let mut frame = rd(0);
        assert_eq!(b.r32(frame + GICR_PIDR2) & 0xf0, 0x30);
        loop {
            let typer = b.r64(frame + GICR_TYPER);
            if typer >> 32 == cpu as u64 {
                break;
            }
            assert_eq!(typer & (1 << 4), 0, "CPU{cpu} has no redistributor");
            frame += REDIST_STRIDE;
        }
        // gic_enable_redist(true).
        let waker = b.r32(frame + GICR_WAKER);
        b.w32(frame + GICR_WAKER, waker & !(1 << 1));
        let mut tries = 0;
        while b.r32(frame + GICR_WAKER) & (1 << 2) != 0 {
            tries += 1;
            assert!(tries < 10, "ChildrenAsleep never cleared");
        }
        // The PPI count comes from GICR_TYPER on every frame.
        assert_eq!((b.r64(frame + GICR_TYPER) >> 27) & 0x1f, 0);
        let sgi_base = frame + SGI_BASE_OFFSET;
        let ppi_nr = 16;
        for i in (0..ppi_nr + 16).step_by(32) {
            assert!(b.w32(sgi_base + GICR_IGROUPR0 + i / 8, !0).effects.is_empty());
        }
        // gic_cpu_config.
        for i in (0..ppi_nr + 16).step_by(32) {
            b.w32(sgi_base + GICR_ICACTIVER0 + i / 8, !0);
            b.w32(sgi_base + GICR_ICENABLER0 + i / 8, !0);
        }
        for i in (0..ppi_nr + 16).step_by(4) {
            b.w32(sgi_base + GICR_IPRIORITYR0 + i, DEF_PRI_X4);
        }
        b.w32(sgi_base + GICR_ISENABLER0, 0x0000_ffff);
        assert_eq!(b.r32(frame + GICR_CTLR) & (1 << 3), 0, "GICR RWP");
    }

    /// gic_configure_irq: read-modify-write of one ICFGR field, then a
    /// read-back that must match.
    fn linux_set_type(b: &mut Bus, reg: u64, index: u32, edge: bool) -> MmioResult {
        let reg = reg + u64::from(index / 16) * 4;
        let bit = 2 << ((index % 16) * 2);
        let old = b.r32(reg);
        let new = if edge { old | bit } else { old & !bit };
        let res = b.w32(reg, new);
        assert_eq!(b.r32(reg), new, "read-back after set_type");
        res
    }

    #[test]
    fn linux_boot_sequence() {
        let mut b = Bus::new(2, &OWNED);
        let effects = linux_dist_init(&mut b);
        assert_eq!(b.gic.refused(), 0, "a Linux boot is never refused");
        assert!(effects.contains(&PhysEffect::ConfigureSpi { intid: 79, edge: false }));
        assert!(effects.contains(&PhysEffect::EnableSpi { intid: 1000, enable: false }));
        assert!(effects.contains(&PhysEffect::RouteSpi { intid: 33, vcpu: 0 }));
        assert_eq!(effects.len(), 3 * 3, "configure, disable and route each owned SPI once");
        assert_eq!(b.r32(GICD_CTLR), 0x52);
        for intid in OWNED {
            assert_eq!(b.gic.priority(0, intid), 0xa0);
            assert_eq!(b.gic.target(intid), Some(0));
            assert!(!b.gic.deliverable(0, intid), "disabled");
        }
        for cpu in 0..2 {
            linux_cpu_init(&mut b, cpu);
        }
        assert_eq!(b.gic.refused(), 0);
        for cpu in 0..2u64 {
            let vcpu = cpu as usize;
            assert_eq!(b.r32(rd(cpu) + GICR_WAKER), 0, "awake");
            assert_eq!(b.r32(sgi(cpu) + GICR_ISENABLER0), 0xffff, "SGIs enabled, PPIs not");
            assert!(b.gic.deliverable(vcpu, 1));
            assert!(!b.gic.deliverable(vcpu, 27));
            assert_eq!(b.gic.priority(vcpu, 27), 0xa0);
        }

        // request_irq on the virtio SPI 79: set_type edge, set_affinity
        // to CPU 1, unmask.
        b.cpu = 0;
        let res = linux_set_type(&mut b, GICD_ICFGR, 79, true);
        assert!(res.effects.contains(&PhysEffect::ConfigureSpi { intid: 79, edge: true }));
        assert_eq!(b.r32(GICD_ISENABLER + 8) & (1 << 15), 0, "gic_peek_irq: not enabled");
        let res = b.w64(GICD_IROUTER + 8 * 79, 1);
        assert_eq!(res.effects, [PhysEffect::RouteSpi { intid: 79, vcpu: 1 }]);
        assert_eq!(b.r32(GICD_CTLR) & (1 << 31), 0);
        let res = b.w32(GICD_ISENABLER + 8, 1 << 15);
        assert_eq!(res.effects, [PhysEffect::EnableSpi { intid: 79, enable: true }]);
        assert_eq!(b.gic.target(79), Some(1));
        assert!(b.gic.deliverable(1, 79));
        // The UART (33, level) on CPU 0.
        let res = linux_set_type(&mut b, GICD_ICFGR, 33, false);
        assert!(res.effects.contains(&PhysEffect::ConfigureSpi { intid: 33, edge: false }));
        b.w32(GICD_ISENABLER + 4, 1 << 1);
        assert!(b.gic.deliverable(0, 33));

        // The arch timer PPI 27 (level) enabled on each CPU.
        for cpu in 0..2u64 {
            b.cpu = cpu as usize;
            linux_set_type(&mut b, sgi(cpu) + 0xc00, 27, false);
            b.w32(sgi(cpu) + GICR_ISENABLER0, 1 << 27);
            assert!(b.gic.deliverable(cpu as usize, 27));
        }

        // irq_get_irqchip_state (synchronize_irq) and mask state.
        assert_eq!(b.r32(GICD_ISPENDR + 8) & (1 << 15), 0);
        assert_eq!(b.r32(GICD_ISACTIVER + 8) & (1 << 15), 0);
        assert_ne!(b.r32(GICD_ISENABLER + 8) & (1 << 15), 0);
        // irq_retrigger: ISPENDR, pended on the routed vCPU.
        let res = b.w32(GICD_ISPENDR + 8, 1 << 15);
        assert_eq!(res.pended, [(1, 79)]);
        // Mask (disable_irq).
        let res = b.w32(GICD_ICENABLER + 8, 1 << 15);
        assert_eq!(res.effects, [PhysEffect::EnableSpi { intid: 79, enable: false }]);
        assert!(!b.gic.deliverable(1, 79));
        assert_eq!(b.gic.refused(), 0);
    }

    #[test]
    fn foreign_spis_read_zero_and_writes_are_refused() {
        let mut b = Bus::new(2, &OWNED);
        // 40 belongs to someone else; 33 is ours, in the same row.
        let res = b.write(GICD_ISENABLER + 4, 4, (1 << 8) | (1 << 1) | (1 << 9));
        assert_eq!(res.refused, Some(Refusal::NotOwned { intid: 40 }), "the first foreign INTID");
        assert_eq!(res.effects, [PhysEffect::EnableSpi { intid: 33, enable: true }], "owned bits still apply");
        assert_eq!(b.gic.refused(), 1, "one refused write");
        assert_eq!(b.r32(GICD_ISENABLER + 4), 1 << 1);
        assert!(!b.gic.owns(40) && b.gic.target(40).is_none());

        let res = b.write(GICD_ISPENDR + 4, 4, 1 << 8);
        assert_eq!(res.refused, Some(Refusal::NotOwned { intid: 40 }));
        assert!(res.pended.is_empty());
        let res = b.write(GICD_ISACTIVER + 4, 4, 1 << 8);
        assert_eq!(res.refused, Some(Refusal::NotOwned { intid: 40 }));
        let res = b.write(GICD_ICFGR + 0x8, 4, 2 << 16);
        assert_eq!(res.refused, Some(Refusal::NotOwned { intid: 40 }));
        assert_eq!(res.effects, [PhysEffect::ConfigureSpi { intid: 33, edge: false }], "33 shares the row");
        let res = b.write(GICD_IROUTER + 8 * 40, 8, 1);
        assert_eq!(res.refused, Some(Refusal::NotOwned { intid: 40 }));
        assert!(res.effects.is_empty());
        let res = b.write(GICD_IROUTER + 8 * 40 + 4, 4, 1);
        assert_eq!(res.refused, Some(Refusal::NotOwned { intid: 40 }), "high half");
        assert_eq!(b.gic.refused(), 6);

        // Writes that change nothing a foreign SPI reads are not counted.
        for (ipa, value) in [
            (GICD_ICENABLER + 4, !0),
            (GICD + 0x280 + 4, !0),
            (GICD_ICACTIVER + 4, !0),
            (GICD_ICFGR + 0x8, 0x5555_5555),
            (GICD_IGROUPR + 4, 0),
            (GICD_IPRIORITYR + 40, u64::from(DEF_PRI_X4)),
        ] {
            assert_eq!(b.write(ipa, 4, value).refused, None, "{ipa:#x}");
        }
        b.w64(GICD_IROUTER + 8 * 40, 0);
        assert_eq!(b.gic.refused(), 6);

        // Everything about 40 reads as 0.
        assert_eq!(b.r64(GICD_IROUTER + 8 * 40), 0);
        assert_eq!(b.r8(GICD_IPRIORITYR + 40), 0);
        assert_eq!(b.r32(GICD_ICFGR + 0x8) & (3 << 16), 0);
        assert_eq!(b.gic.priority(0, 40), 0);
        assert!(!b.gic.deliverable(0, 40));
    }

    #[test]
    fn reset_clears_everything() {
        let mut b = Bus::new(2, &OWNED);
        linux_dist_init(&mut b);
        linux_cpu_init(&mut b, 0);
        b.w32(GICD_ISENABLER + 8, 1 << 15);
        b.w64(GICD_IROUTER + 8 * 79, 1);
        b.w32(GICD_ICFGR + 0x10, 2 << 30);
        b.w8(GICD_IPRIORITYR + 79, 0x10);
        b.w32(sgi(1) + GICR_ICFGR1, !0);
        b.write(GICD_ISENABLER + 4, 4, 1 << 8);
        assert_eq!(b.gic.refused(), 1);

        b.gic.reset(2, &OWNED);
        assert_eq!(b.gic, {
            let mut fresh = VirtualGic::new();
            fresh.reset(2, &OWNED);
            fresh
        });
        assert_eq!(b.gic.refused(), 0);
        assert_eq!(b.r32(GICD_CTLR), 0x50);
        assert_eq!(b.r32(GICD_ISENABLER + 8), 0);
        assert_eq!(b.r64(GICD_IROUTER + 8 * 79), 0);
        assert_eq!(b.r32(GICD_ICFGR + 0x10), 0);
        assert_eq!(b.r8(GICD_IPRIORITYR + 79), 0);
        assert_eq!(b.r32(sgi(0) + GICR_ISENABLER0), 0);
        assert_eq!(b.r32(sgi(0) + GICR_IPRIORITYR0), 0);
        assert_eq!(b.r32(sgi(1) + GICR_ICFGR1), 0);
        assert_eq!(b.r32(rd(0) + GICR_WAKER), 0b110);
        assert_eq!(b.r32(rd(1) + GICR_WAKER), 0b110);
        assert_eq!(b.gic.target(79), Some(0));

        // A restart with fewer SPIs forgets the others.
        b.gic.reset(1, &[33]);
        assert!(b.gic.owns(33) && !b.gic.owns(79));
    }

    #[test]
    fn reset_validates_the_owned_list() {
        let mut gic = VirtualGic::new();
        gic.reset(20, &[0, 31, 32, 32, 1019, 1020, 5000]);
        assert_eq!(gic.vcpus, MAX_VGIC_VCPUS, "vCPUs capped");
        assert!(gic.owns(32) && gic.owns(1019));
        assert!(!gic.owns(31) && !gic.owns(0) && !gic.owns(1020) && !gic.owns(5000));
        assert_eq!(gic.nspis, 2, "duplicates dropped");
        let many: [u32; 60] = core::array::from_fn(|i| 100 + i as u32);
        gic.reset(1, &many);
        assert_eq!(gic.nspis, MAX_OWNED_SPIS);
        assert!(gic.owns(147) && !gic.owns(148));
    }

    #[test]
    fn deliverable_needs_enable_grp1() {
        let mut b = Bus::new(2, &OWNED);
        b.w32(GICD_ISENABLER + 4, 1 << 1);
        b.w32(sgi(0) + GICR_ISENABLER0, 1 << 5);
        assert!(!b.gic.deliverable(0, 33) && !b.gic.deliverable(0, 5), "distributor off");
        b.w32(GICD_CTLR, 1 << 1);
        assert!(b.gic.deliverable(0, 33) && b.gic.deliverable(1, 33), "an SPI is deliverable to any vCPU asked");
        assert!(b.gic.deliverable(0, 5) && !b.gic.deliverable(1, 5));
        assert!(!b.gic.deliverable(2, 5), "no vCPU 2");
        assert!(!b.gic.deliverable(0, 1020) && !b.gic.deliverable(0, u32::MAX));
        b.w32(GICD_CTLR, 1);
        assert!(!b.gic.deliverable(0, 33), "EnableGrp0 alone is not enough");
        assert_eq!(b.gic.priority(5, 5), 0);
        assert_eq!(b.gic.priority(0, u32::MAX), 0);
    }

    #[test]
    fn sgi1r_target_list() {
        let mut gic = VirtualGic::new();
        gic.reset(4, &[]);
        // Linux's gic_send_sgi: SGI 3 to CPUs 1 and 2 (cluster 0).
        assert_eq!(gic.sgi1r(0, (3 << 24) | 0b0110), (3, 0b0110));
        // Targets beyond the vCPUs are dropped.
        assert_eq!(gic.sgi1r(0, (15 << 24) | 0xfff1), (15, 0b0001));
        // Bits 39:32 are Aff2, 23:16 Aff1, 55:48 Aff3, 47:44 RS: a target
        // in another cluster is no vCPU of the domain.
        assert_eq!(gic.sgi1r(0, (1 << 16) | 1), (0, 0));
        assert_eq!(gic.sgi1r(0, (1 << 32) | 1), (0, 0));
        assert_eq!(gic.sgi1r(0, (1 << 48) | 1), (0, 0));
        assert_eq!(gic.sgi1r(0, (1 << 44) | 1), (0, 0));
        // Sending to itself is allowed.
        assert_eq!(gic.sgi1r(2, (1 << 24) | 0b0100), (1, 0b0100));
    }

    #[test]
    fn sgi1r_irm_is_everyone_but_the_sender() {
        let mut gic = VirtualGic::new();
        gic.reset(4, &[]);
        assert_eq!(gic.sgi1r(1, (1 << 40) | (7 << 24) | 0b0010), (7, 0b1101), "TargetList ignored");
        assert_eq!(gic.sgi1r(0, (1 << 40) | (1 << 16)), (0, 0b1110), "affinity ignored with IRM");
        gic.reset(1, &[]);
        assert_eq!(gic.sgi1r(0, 1 << 40), (0, 0));
        gic.reset(8, &[]);
        assert_eq!(gic.sgi1r(7, 1 << 40), (0, 0x7f));
        assert_eq!(gic.sgi1r(0, 0xffff), (0, 0xff));
    }

    #[test]
    fn accesses_outside_the_frames_or_unaligned() {
        let mut b = Bus::new(2, &OWNED);
        let outside = MmioAccess { ipa: 0x1000, size: 4, write: true, rt: 0, sign_extend: false, wide: false };
        let res = b.gic.mmio(&b.layout, 0, outside, 1);
        assert_eq!(res, MmioResult::default());
        let odd = MmioAccess { ipa: GICD + 0x101, size: 4, write: true, rt: 0, sign_extend: false, wide: false };
        assert_eq!(b.gic.mmio(&b.layout, 0, odd, 1).refused, Some(Refusal::BadAccess));
        let three = MmioAccess { ipa: GICD + 0x100, size: 3, write: false, rt: 0, sign_extend: false, wide: false };
        assert_eq!(b.gic.mmio(&b.layout, 0, three, 0).refused, Some(Refusal::BadAccess));
        assert_eq!(b.gic.refused(), 1);
    }
}
