// SPDX-License-Identifier: MIT
//! The distributor (GICD) frame: decoding an offset into a register and
//! reading or writing it. With affinity routing always on, the SGI/PPI rows
//! are RAZ/WI (they live in the redistributors) and only the domain's own
//! SPIs read or change anything; a write that would change another
//! domain's SPI is dropped and refused. Owns the GICD register map; must
//! not touch hardware (physical changes go out as `PhysEffect`s).

use super::mmio::MmioAccess;
use super::model::{MmioResult, PhysEffect, Refusal, VirtualGic};
use super::regs::{self, Bank, Width};
use super::state::{IROUTER_MASK, SPI_END, SPI_FIRST, route_to_vcpu, row_mask, set_bits};

/// GICD_CTLR.EnableGrp1 (single security state view).
const CTLR_ENABLE_GRP1: u32 = 1 << 1;
/// GICD_CTLR.ARE (RAO/WI).
const CTLR_ARE: u32 = 1 << 4;
/// GICD_CTLR.DS (RAO/WI: the GIC has a single security state, as under KVM).
const CTLR_DS: u32 = 1 << 6;

/// GICD_TYPER.ITLinesNumber = 31: INTIDs up to 1019 exist.
const TYPER_IT_LINES: u32 = 31;
/// GICD_TYPER.IDbits = 9: 10 bits of INTID, no LPIs.
const TYPER_ID_BITS: u32 = 9 << 19;

/// First IROUTER (for INTID 0; the SPIs' start at 0x6100).
const IROUTER: u64 = 0x6000;

/// A GICD register, as far as an access needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reg {
    Ctlr,
    Typer,
    Iidr,
    /// A read-only zero word: TYPER2, STATUSR, IGRPMODR, ICFGR0/1.
    Zero,
    Bank(Bank, u32),
    /// IPRIORITYR, from the INTID of the accessed byte.
    Priority(u32),
    /// ICFGR row starting at an INTID (16 per word).
    Config(u32),
    /// `IROUTER<n>` and the offset inside it (0 or 4).
    Router(u32, u64),
    Pidr2,
    /// Nothing (or nothing emulated) here: RAZ/WI for any aligned access.
    Other,
}

impl Reg {
    fn at(off: u64) -> Reg {
        let word = off & !3;
        match word {
            0x000 => Reg::Ctlr,
            0x004 => Reg::Typer,
            0x008 => Reg::Iidr,
            0x00c | 0x010 | 0xd00..=0xd7f => Reg::Zero,
            0x080..=0x3ff => regs::bank(word).map_or(Reg::Other, |(bank, first)| Reg::Bank(bank, first)),
            0x400..=0x7ff => u32::try_from(off - regs::IPRIORITYR).map_or(Reg::Other, Reg::Priority),
            0xc00..=0xcff => u32::try_from((word - regs::ICFGR) / 4 * 16).map_or(Reg::Other, Reg::Config),
            IROUTER..=0x7fff => u32::try_from((off - IROUTER) / 8).map_or(Reg::Other, |n| Reg::Router(n, off & 4)),
            regs::PIDR2 => Reg::Pidr2,
            _ => Reg::Other,
        }
    }

    fn width(self) -> Option<Width> {
        match self {
            Reg::Priority(_) => Some(Width::ByteOrWord),
            Reg::Router(..) => Some(Width::Double),
            Reg::Other => None,
            _ => Some(Width::Word),
        }
    }
}

impl VirtualGic {
    /// An aligned access at `off` in the GICD frame; returns the value read.
    pub(super) fn dist_access(&mut self, off: u64, access: &MmioAccess, value: u64, res: &mut MmioResult) -> u64 {
        let reg = Reg::at(off);
        if reg.width().is_some_and(|width| !width.allows(access.size)) {
            res.refuse(Refusal::BadAccess);
            return 0;
        }
        match reg {
            Reg::Ctlr => {
                if access.write {
                    self.enable_grp1 = regs::low32(value) & CTLR_ENABLE_GRP1 != 0;
                }
                u64::from(if self.enable_grp1 { CTLR_ENABLE_GRP1 } else { 0 } | CTLR_ARE | CTLR_DS)
            }
            Reg::Typer => {
                let cpus = u32::try_from(self.vcpus.saturating_sub(1)).unwrap_or(0) & 7;
                u64::from(TYPER_IT_LINES | (cpus << 5) | TYPER_ID_BITS)
            }
            Reg::Iidr => u64::from(regs::IIDR_VALUE),
            Reg::Pidr2 => u64::from(regs::PIDR2_VALUE),
            Reg::Zero | Reg::Other => 0,
            Reg::Bank(_, first) | Reg::Config(first) if first < SPI_FIRST => 0,
            Reg::Bank(bank, first) => {
                if access.write {
                    self.dist_bank_write(bank, first, regs::low32(value), res);
                }
                u64::from(self.dist_bank_read(bank, first))
            }
            Reg::Priority(first) => self.dist_priority(first, access, value),
            Reg::Config(first) => {
                if access.write {
                    self.dist_config_write(first, regs::low32(value), res);
                }
                u64::from(self.dist_config_read(first))
            }
            Reg::Router(n, half) if (SPI_FIRST..SPI_END).contains(&n) => self.dist_router(n, half, access, value, res),
            Reg::Router(..) => 0,
        }
    }

    /// A one-bit-per-SPI row starting at `first` (>= 32).
    fn dist_bank_read(&self, bank: Bank, first: u32) -> u32 {
        match bank {
            Bank::Group => row_mask(first),
            Bank::SetEnable | Bank::ClearEnable => self
                .owned_spis()
                .filter(|spi| spi.enabled && (first..first + 32).contains(&spi.intid))
                .fold(0, |bits, spi| bits | 1 << (spi.intid - first)),
            _ => 0,
        }
    }

    fn dist_bank_write(&mut self, bank: Bank, first: u32, bits: u32, res: &mut MmioResult) {
        let vcpus = self.vcpus;
        for intid in set_bits(bits & row_mask(first)).map(|bit| first + bit) {
            let Some(spi) = self.spi_mut(intid) else {
                if bank.sets() {
                    res.refuse(Refusal::NotOwned { intid });
                }
                continue;
            };
            match bank {
                Bank::SetEnable | Bank::ClearEnable => {
                    spi.enabled = bank == Bank::SetEnable;
                    res.effect(PhysEffect::EnableSpi { intid, enable: spi.enabled });
                }
                Bank::SetPending => res.pend(route_to_vcpu(spi.router, vcpus), intid),
                _ => {}
            }
        }
    }

    /// IPRIORITYR bytes from INTID `first`: one byte or a word of four.
    /// Bytes of SGIs/PPIs and of SPIs the domain does not own read as 0 and
    /// ignore writes (Linux writes every SPI's priority at boot).
    fn dist_priority(&mut self, first: u32, access: &MmioAccess, value: u64) -> u64 {
        let mut read = 0;
        for index in 0..u32::from(access.size) {
            let Some(spi) = self.spi_mut(first + index) else { continue };
            if access.write {
                spi.priority = regs::byte(value, index);
            }
            read |= u64::from(spi.priority) << (8 * index);
        }
        read
    }

    /// ICFGR row of 16 SPIs from `first` (>= 32): bit 1 of each field is edge.
    fn dist_config_read(&self, first: u32) -> u32 {
        self.owned_spis()
            .filter(|spi| spi.edge && (first..first + 16).contains(&spi.intid))
            .fold(0, |bits, spi| bits | 2 << (2 * (spi.intid - first)))
    }

    fn dist_config_write(&mut self, first: u32, bits: u32, res: &mut MmioResult) {
        for field in 0..16 {
            let intid = first + field;
            let edge = bits & (2 << (2 * field)) != 0;
            match self.spi_mut(intid) {
                Some(spi) => {
                    spi.edge = edge;
                    res.effect(PhysEffect::ConfigureSpi { intid, edge });
                }
                None if edge && intid < SPI_END => res.refuse(Refusal::NotOwned { intid }),
                None => {}
            }
        }
    }

    /// `IROUTER<n>` (32 <= n < 1020), whole or one half at `half`.
    fn dist_router(&mut self, intid: u32, half: u64, access: &MmioAccess, value: u64, res: &mut MmioResult) -> u64 {
        let vcpus = self.vcpus;
        let Some(spi) = self.spi_mut(intid) else {
            if access.write && regs::write_half(0, access, half, value) & IROUTER_MASK != 0 {
                res.refuse(Refusal::NotOwned { intid });
            }
            return 0;
        };
        if access.write {
            spi.router = regs::write_half(spi.router, access, half, value) & IROUTER_MASK;
            res.effect(PhysEffect::RouteSpi { intid, vcpu: route_to_vcpu(spi.router, vcpus) });
        }
        regs::read_half(spi.router, access, half)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Bus, GICD};
    use super::*;

    const CTLR: u64 = GICD;
    const ISENABLER: u64 = GICD + 0x100;
    const ICENABLER: u64 = GICD + 0x180;
    const ISPENDR: u64 = GICD + 0x200;
    const ICPENDR: u64 = GICD + 0x280;
    const ISACTIVER: u64 = GICD + 0x300;
    const ICACTIVER: u64 = GICD + 0x380;
    const IPRIORITYR: u64 = GICD + 0x400;
    const ICFGR: u64 = GICD + 0xc00;
    const IROUTER: u64 = GICD + 0x6000;

    /// 2 vCPUs owning SPIs 33, 34 and 79.
    fn bus() -> Bus {
        Bus::new(2, &[33, 34, 79])
    }

    #[test]
    fn ctlr_enable_grp1_rw_are_and_ds_rao_rwp_zero() {
        let mut b = bus();
        assert_eq!(b.r32(CTLR), 0x50);
        b.w32(CTLR, 0x13);
        assert_eq!(b.r32(CTLR), 0x52, "EnableGrp1 kept, Grp0 and ARE writes ignored");
        assert_eq!(b.r32(CTLR) & (1 << 31), 0, "RWP");
        b.w32(CTLR, 0);
        assert_eq!(b.r32(CTLR), 0x50, "ARE cannot be cleared");
    }

    #[test]
    fn id_registers() {
        let mut b = bus();
        let typer = b.r32(GICD + 0x4);
        assert_eq!(typer & 0x1f, 31, "ITLinesNumber: 1020 INTIDs");
        assert_eq!((typer >> 19) & 0x1f, 9, "IDbits");
        assert_eq!((typer >> 5) & 7, 1, "CPUNumber = vCPUs - 1");
        assert_eq!(typer & (1 << 10), 0, "SecurityExtn");
        assert_eq!(typer & (3 << 16), 0, "no LPIs, no MBIS");
        assert_eq!(typer & (1 << 8), 0, "no ESPI");
        assert_eq!(b.r32(GICD + 0x8), 0x4200_043b);
        assert_eq!(b.r32(GICD + 0xc), 0, "TYPER2");
        assert_eq!(b.r32(GICD + 0x10), 0, "STATUSR");
        assert_eq!(b.r32(GICD + 0xffe8), 0x30, "PIDR2.ArchRev = 3");
        // Writes to read-only registers are ignored, not refused.
        b.w32(GICD + 0x4, 0);
        b.w32(GICD + 0xffe8, 0);
        assert_eq!(b.r32(GICD + 0x4) & 0x1f, 31);
        assert_eq!(b.r32(GICD + 0xffe8), 0x30);
    }

    #[test]
    fn igroupr_rao_wi_and_sgi_row_razwi() {
        let mut b = bus();
        assert_eq!(b.r32(GICD + 0x80), 0, "SGI/PPI row with ARE");
        assert_eq!(b.r32(GICD + 0x84), u32::MAX);
        assert_eq!(b.r32(GICD + 0xf8), u32::MAX, "other domains' rows read group 1 too");
        assert_eq!(b.r32(GICD + 0xfc), 0x0fff_ffff, "INTIDs 1020..1023 do not exist");
        b.w32(GICD + 0x84, 0);
        assert_eq!(b.r32(GICD + 0x84), u32::MAX);
        assert_eq!(b.gic.refused(), 0);
    }

    #[test]
    fn enable_set_and_clear() {
        let mut b = bus();
        let res = b.w32(ISENABLER + 4, 1 << 1);
        assert_eq!(res.effects, [PhysEffect::EnableSpi { intid: 33, enable: true }]);
        assert_eq!(b.r32(ISENABLER + 4), 1 << 1);
        assert_eq!(b.r32(ICENABLER + 4), 1 << 1, "ICENABLER reads the same state");
        let res = b.w32(ISENABLER + 8, 1 << 15);
        assert_eq!(res.effects, [PhysEffect::EnableSpi { intid: 79, enable: true }]);
        let res = b.w32(ICENABLER + 4, 1 << 1 | 1 << 2);
        assert_eq!(
            res.effects,
            [PhysEffect::EnableSpi { intid: 33, enable: false }, PhysEffect::EnableSpi { intid: 34, enable: false }]
        );
        assert_eq!(b.r32(ISENABLER + 4), 0);
        assert_eq!(b.r32(ISENABLER + 8), 1 << 15);
        assert_eq!(b.r32(ISENABLER), 0, "SGI/PPI row RAZ");
    }

    #[test]
    fn sgi_ppi_rows_are_razwi() {
        let mut b = bus();
        for reg in [ISENABLER, ICENABLER, ISPENDR, ICPENDR, ISACTIVER, ICACTIVER, ICFGR, ICFGR + 4] {
            let res = b.w32(reg, u32::MAX);
            assert!(res.effects.is_empty() && res.pended.is_empty(), "{reg:#x}");
            assert_eq!(b.r32(reg), 0, "{reg:#x}");
        }
        b.w32(IPRIORITYR, 0xa0a0_a0a0);
        assert_eq!(b.r32(IPRIORITYR), 0);
        b.w64(IROUTER + 8 * 5, 1);
        assert_eq!(b.r64(IROUTER + 8 * 5), 0);
        assert_eq!(b.gic.refused(), 0);
    }

    #[test]
    fn pending_and_active() {
        let mut b = bus();
        b.w64(IROUTER + 8 * 34, 1);
        let res = b.w32(ISPENDR + 4, 1 << 1 | 1 << 2);
        assert_eq!(res.pended, [(0, 33), (1, 34)], "pended on the routed vCPU");
        assert!(res.effects.is_empty());
        assert_eq!(b.r32(ISPENDR + 4), 0, "documented: pending state lives in the LRs");
        let res = b.w32(ICPENDR + 4, 1 << 1);
        assert!(res.effects.is_empty() && res.pended.is_empty());
        let res = b.w32(ISACTIVER + 4, 1 << 1);
        assert!(res.effects.is_empty() && res.pended.is_empty());
        assert_eq!(b.r32(ISACTIVER + 4), 0);
        b.w32(ICACTIVER + 4, u32::MAX);
        assert_eq!(b.r32(ICACTIVER + 4), 0);
        assert_eq!(b.gic.refused(), 0);
    }

    #[test]
    fn priority_bytes_and_words() {
        let mut b = bus();
        b.w8(IPRIORITYR + 33, 0x80);
        assert_eq!(b.r8(IPRIORITYR + 33), 0x80);
        assert_eq!(b.gic.priority(0, 33), 0x80);
        // Word at 32..35: 32 and 35 are not owned (read 0, ignored).
        b.w32(IPRIORITYR + 32, 0x1122_3344);
        assert_eq!(b.r32(IPRIORITYR + 32), 0x0022_3300);
        assert_eq!(b.gic.priority(1, 33), 0x33);
        assert_eq!(b.gic.priority(0, 34), 0x22);
        assert_eq!(b.r8(IPRIORITYR + 34), 0x22);
        assert_eq!(b.r8(IPRIORITYR + 35), 0);
        assert_eq!(b.gic.refused(), 0, "priorities of other SPIs are ignored silently");
        assert_eq!(b.write(IPRIORITYR + 32, 2, 0).refused, Some(Refusal::BadAccess));
        assert_eq!(b.write(IPRIORITYR + 32, 8, 0).refused, Some(Refusal::BadAccess));
        assert_eq!(b.gic.priority(0, 33), 0x33, "no effect");
    }

    #[test]
    fn icfgr_edge_bits() {
        let mut b = bus();
        // INTIDs 64..79 are row 4 (0xc10); 79 is field 15.
        let res = b.w32(ICFGR + 0x10, 2 << 30);
        assert_eq!(res.effects, [PhysEffect::ConfigureSpi { intid: 79, edge: true }]);
        assert_eq!(b.r32(ICFGR + 0x10), 2 << 30);
        let res = b.w32(ICFGR + 0x10, 1 << 30);
        assert_eq!(res.effects, [PhysEffect::ConfigureSpi { intid: 79, edge: false }], "bit 0 is reserved");
        assert_eq!(b.r32(ICFGR + 0x10), 0);
        // Row 2 (32..47): 33 and 34 edge.
        let res = b.w32(ICFGR + 0x8, 0b1010 << 2);
        assert_eq!(
            res.effects,
            [PhysEffect::ConfigureSpi { intid: 33, edge: true }, PhysEffect::ConfigureSpi { intid: 34, edge: true }]
        );
        assert_eq!(b.r32(ICFGR + 0x8), 0b1010 << 2);
    }

    #[test]
    fn igrpmodr_razwi() {
        let mut b = bus();
        b.w32(GICD + 0xd04, u32::MAX);
        assert_eq!(b.r32(GICD + 0xd04), 0);
        assert_eq!(b.gic.refused(), 0);
    }

    #[test]
    fn irouter_64_and_halves() {
        let mut b = bus();
        let r79 = IROUTER + 8 * 79;
        assert_eq!(b.r64(r79), 0);
        let res = b.w64(r79, 1);
        assert_eq!(res.effects, [PhysEffect::RouteSpi { intid: 79, vcpu: 1 }]);
        assert_eq!(b.r64(r79), 1);
        assert_eq!(b.gic.target(79), Some(1));
        let res = b.w64(r79, 1 << 31);
        assert_eq!(res.effects, [PhysEffect::RouteSpi { intid: 79, vcpu: 0 }], "IRM");
        assert_eq!(b.r64(r79), 1 << 31);
        let res = b.w64(r79, 5);
        assert_eq!(res.effects, [PhysEffect::RouteSpi { intid: 79, vcpu: 0 }], "no vCPU 5");
        assert_eq!(b.gic.target(79), Some(0));
        // 32-bit halves (what a 32-bit guest does: low then high).
        b.w32(r79, 1);
        assert_eq!(b.gic.target(79), Some(1));
        let res = b.w32(r79 + 4, 0x7);
        assert_eq!(res.effects, [PhysEffect::RouteSpi { intid: 79, vcpu: 0 }], "Aff3 set");
        assert_eq!(b.r64(r79), (7 << 32) | 1);
        assert_eq!(b.r32(r79), 1);
        assert_eq!(b.r32(r79 + 4), 7);
        b.w32(r79 + 4, 0);
        assert_eq!(b.gic.target(79), Some(1));
        // Reserved bits are not stored.
        b.w64(r79, 0xffff_ffff_7f00_0000);
        assert_eq!(b.r64(r79), 0xff_0000_0000);
        assert_eq!(b.gic.refused(), 0);
        // Beyond 1019: RAZ/WI.
        b.w64(IROUTER + 8 * 1020, 1);
        assert_eq!(b.r64(IROUTER + 8 * 1020), 0);
    }

    #[test]
    fn bad_accesses_do_nothing() {
        let mut b = bus();
        for (ipa, size) in [
            (ISENABLER + 8, 8),
            (CTLR, 8),
            (CTLR, 1),
            (CTLR + 1, 1),
            (ISENABLER + 4, 2),
            (ICFGR + 8, 1),
            (IROUTER + 8 * 79, 1),
            (IROUTER + 8 * 79, 2),
            (ISENABLER + 6, 4),
            (IROUTER + 8 * 79 + 4, 8),
        ] {
            let res = b.write(ipa, size, u64::MAX);
            assert_eq!(res.refused, Some(Refusal::BadAccess), "{ipa:#x}/{size}");
            assert!(res.effects.is_empty() && res.pended.is_empty());
            let res = b.access(ipa, size, false, 0);
            assert_eq!((res.refused, res.value), (Some(Refusal::BadAccess), 0), "read {ipa:#x}/{size}");
        }
        assert_eq!(b.gic.refused(), 10, "refused writes are counted, reads are not");
        assert_eq!(b.r32(ISENABLER + 8), 0);
        assert_eq!(b.r32(CTLR), 0x50);
        assert_eq!(b.gic.target(79), Some(0));
    }

    #[test]
    fn unknown_offsets_razwi() {
        let mut b = bus();
        for ipa in [GICD + 0x14, GICD + 0x40, GICD + 0x800, GICD + 0xe00, GICD + 0xf00, GICD + 0x1000, GICD + 0xfffc] {
            let res = b.write(ipa, 4, u64::from(u32::MAX));
            assert_eq!(res.refused, None);
            assert_eq!(b.r32(ipa), 0, "{ipa:#x}");
        }
        assert_eq!(b.r64(GICD + 0x8000), 0);
        assert_eq!(b.r8(GICD + 0x801), 0);
        assert_eq!(b.gic.refused(), 0);
    }
}
