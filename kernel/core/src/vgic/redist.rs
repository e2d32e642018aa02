// SPDX-License-Identifier: MIT
//! The redistributor (GICR) frames of one vCPU: RD_base (identification,
//! power via WAKER) and SGI_base (the vCPU's SGIs and PPIs). These
//! interrupts are virtual and private to the domain, so nothing here is
//! refused for ownership and no write has a physical effect; an ISPENDR0
//! write comes back as pended for the frame's vCPU. Owns the GICR register
//! map; must not touch hardware.

use super::SGI_BASE_OFFSET;
use super::mmio::MmioAccess;
use super::model::{MmioResult, Refusal, VirtualGic};
use super::regs::{self, Bank, Width};
use super::state::{RedistState, set_bits};

/// GICR_TYPER.Last: the last redistributor of the region.
const TYPER_LAST: u64 = 1 << 4;
/// GICR_WAKER.ProcessorSleep.
const WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
/// GICR_WAKER.ChildrenAsleep.
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;

/// A GICR register, as far as an access needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reg {
    Iidr,
    /// GICR_TYPER and the offset inside it (0 or 4).
    Typer(u64),
    Waker,
    Pidr2,
    /// Read-as-zero words: CTLR, STATUSR, IGRPMODR0, NSACR, the rows of
    /// the banks beyond row 0.
    Zero,
    /// Read-as-zero doublewords: PROPBASER, PENDBASER.
    Zero64,
    /// A bank's row 0 (SGI_base).
    Bank(Bank),
    /// IPRIORITYR, from the INTID of the accessed byte.
    Priority(u32),
    Icfgr0,
    Icfgr1,
    /// Nothing here: RAZ/WI for any aligned access.
    Other,
}

impl Reg {
    fn at(off: u64) -> Reg {
        let word = off & !3;
        if let Some(sgi) = off.checked_sub(SGI_BASE_OFFSET) {
            let sgi_word = word - SGI_BASE_OFFSET;
            return match sgi_word {
                0x080..=0x3ff => match regs::bank(sgi_word) {
                    Some((bank, 0)) => Reg::Bank(bank),
                    _ => Reg::Zero,
                },
                0x400..=0x41f => u32::try_from(sgi - regs::IPRIORITYR).map_or(Reg::Other, Reg::Priority),
                0xc00 => Reg::Icfgr0,
                0xc04 => Reg::Icfgr1,
                0xd00 | 0xe00 => Reg::Zero,
                _ => Reg::Other,
            };
        }
        match word {
            0x00 | 0x10 => Reg::Zero,
            0x04 => Reg::Iidr,
            0x08 | 0x0c => Reg::Typer(off & 4),
            0x14 => Reg::Waker,
            0x70..=0x7f => Reg::Zero64,
            regs::PIDR2 => Reg::Pidr2,
            _ => Reg::Other,
        }
    }

    fn width(self) -> Option<Width> {
        match self {
            Reg::Priority(_) => Some(Width::ByteOrWord),
            Reg::Typer(_) | Reg::Zero64 => Some(Width::Double),
            Reg::Other => None,
            _ => Some(Width::Word),
        }
    }
}

impl VirtualGic {
    /// An aligned access at `off` in vCPU `frame`'s redistributor (RD_base
    /// and SGI_base); returns the value read.
    pub(super) fn redist_access(
        &mut self,
        frame: usize,
        off: u64,
        access: &MmioAccess,
        value: u64,
        res: &mut MmioResult,
    ) -> u64 {
        let reg = Reg::at(off);
        if reg.width().is_some_and(|width| !width.allows(access.size)) {
            res.refuse(Refusal::BadAccess);
            return 0;
        }
        let last = frame + 1 == self.vcpus;
        let Some(redist) = self.redist_mut(frame) else { return 0 };
        let bits = regs::low32(value);
        match reg {
            Reg::Iidr => u64::from(regs::IIDR_VALUE),
            Reg::Pidr2 => u64::from(regs::PIDR2_VALUE),
            Reg::Typer(half) => {
                let index = u64::try_from(frame).unwrap_or(0);
                let typer = (index << 32) | (index << 8) | if last { TYPER_LAST } else { 0 };
                regs::read_half(typer, access, half)
            }
            Reg::Waker => {
                if access.write {
                    redist.asleep = bits & WAKER_PROCESSOR_SLEEP != 0;
                }
                u64::from(if redist.asleep { WAKER_PROCESSOR_SLEEP | WAKER_CHILDREN_ASLEEP } else { 0 })
            }
            Reg::Zero | Reg::Zero64 | Reg::Other => 0,
            Reg::Bank(bank) => {
                if access.write {
                    bank_write(redist, frame, bank, bits, res);
                }
                u64::from(match bank {
                    Bank::Group => u32::MAX,
                    Bank::SetEnable | Bank::ClearEnable => redist.enabled,
                    _ => 0,
                })
            }
            Reg::Priority(first) => {
                let mut read = 0;
                for index in 0..u32::from(access.size) {
                    let slot = usize::try_from(first + index).unwrap_or(usize::MAX);
                    let Some(priority) = redist.priority.get_mut(slot) else { continue };
                    if access.write {
                        *priority = regs::byte(value, index);
                    }
                    read |= u64::from(*priority) << (8 * index);
                }
                read
            }
            Reg::Icfgr0 => u64::from(regs::ICFGR_ALL_EDGE),
            Reg::Icfgr1 => {
                if access.write {
                    redist.icfgr1 = bits & regs::ICFGR_ALL_EDGE;
                }
                u64::from(redist.icfgr1)
            }
        }
    }
}

/// A write to row 0 of a bank in vCPU `frame`'s SGI_base.
fn bank_write(redist: &mut RedistState, frame: usize, bank: Bank, bits: u32, res: &mut MmioResult) {
    match bank {
        Bank::SetEnable => redist.enabled |= bits,
        Bank::ClearEnable => redist.enabled &= !bits,
        Bank::SetPending => set_bits(bits).for_each(|intid| res.pend(frame, intid)),
        Bank::Group | Bank::ClearPending | Bank::SetActive | Bank::ClearActive => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{Bus, rd, sgi};
    use super::*;

    #[test]
    fn typer_affinity_processor_number_last() {
        let mut b = Bus::new(3, &[]);
        for vcpu in 0..3u64 {
            let typer = b.r64(rd(vcpu) + 0x8);
            assert_eq!(typer >> 32, vcpu, "Aff0 = vCPU index");
            assert_eq!((typer >> 8) & 0xffff, vcpu, "Processor_Number");
            assert_eq!(typer & (1 << 4) != 0, vcpu == 2, "Last");
            assert_eq!(typer & 0b1111, 0, "no PLPIS, VLPIS, Dirty, DirectLPI");
            assert_eq!((typer >> 27) & 0x1f, 0, "16 PPIs");
            assert_eq!(u64::from(b.r32(rd(vcpu) + 0x8)), typer & 0xffff_ffff);
            assert_eq!(u64::from(b.r32(rd(vcpu) + 0xc)), typer >> 32);
        }
        b.w64(rd(1) + 0x8, 0);
        assert_eq!(b.r64(rd(1) + 0x8) >> 32, 1, "read-only");
    }

    #[test]
    fn id_and_zero_registers() {
        let mut b = Bus::new(2, &[]);
        assert_eq!(b.r32(rd(1) + 0xffe8), 0x30);
        assert_eq!(b.r32(rd(0) + 0x4), 0x4200_043b);
        for reg in [0x0, 0x10] {
            b.w32(rd(0) + reg, u32::MAX);
            assert_eq!(b.r32(rd(0) + reg), 0, "{reg:#x}");
        }
        for reg in [0x70, 0x78] {
            b.w64(rd(0) + reg, u64::MAX);
            assert_eq!(b.r64(rd(0) + reg), 0, "PROPBASER/PENDBASER {reg:#x}");
            b.w32(rd(0) + reg + 4, u32::MAX);
            assert_eq!(b.r32(rd(0) + reg + 4), 0);
        }
        for reg in [0x80, 0xd00, 0xe00] {
            b.w32(sgi(0) + reg, 0);
        }
        assert_eq!(b.r32(sgi(0) + 0x80), u32::MAX, "IGROUPR0 RAO/WI");
        assert_eq!(b.r32(sgi(0) + 0xd00), 0, "IGRPMODR0");
        assert_eq!(b.r32(sgi(0) + 0xe00), 0, "NSACR");
        assert_eq!(b.r32(sgi(0) + 0x104), 0, "no extended PPIs");
        assert_eq!(b.r32(rd(0) + 0x1000), 0, "unknown offset");
        assert_eq!(b.gic.refused(), 0);
    }

    #[test]
    fn waker_processor_sleep_and_children_asleep() {
        let mut b = Bus::new(2, &[]);
        assert_eq!(b.r32(rd(0) + 0x14), 0b110, "asleep after reset");
        b.w32(rd(0) + 0x14, 0b110 & !0b10);
        assert_eq!(b.r32(rd(0) + 0x14), 0, "awake: ChildrenAsleep follows");
        assert_eq!(b.r32(rd(1) + 0x14), 0b110, "per vCPU");
        b.w32(rd(0) + 0x14, 0b10);
        assert_eq!(b.r32(rd(0) + 0x14), 0b110);
        b.w32(rd(0) + 0x14, 0b101);
        assert_eq!(b.r32(rd(0) + 0x14), 0, "bit 0 and ChildrenAsleep are not writable");
    }

    #[test]
    fn enables_per_vcpu() {
        let mut b = Bus::new(2, &[]);
        b.gic.enable_grp1 = true;
        let res = b.w32(sgi(1) + 0x100, 1 << 27 | 1);
        assert!(res.effects.is_empty(), "SGIs/PPIs are virtual: no physical effect");
        assert_eq!(b.r32(sgi(1) + 0x100), 1 << 27 | 1);
        assert_eq!(b.r32(sgi(1) + 0x180), 1 << 27 | 1);
        assert_eq!(b.r32(sgi(0) + 0x100), 0);
        assert!(b.gic.deliverable(1, 27) && b.gic.deliverable(1, 0));
        assert!(!b.gic.deliverable(0, 27));
        b.w32(sgi(1) + 0x180, 1);
        assert_eq!(b.r32(sgi(1) + 0x100), 1 << 27);
        assert!(!b.gic.deliverable(1, 0));
    }

    #[test]
    fn ispendr0_pends_on_the_frames_vcpu_from_any_vcpu() {
        let mut b = Bus::new(2, &[]);
        b.cpu = 0;
        let res = b.w32(sgi(1) + 0x200, 1 << 27 | 1 << 3);
        assert_eq!(res.pended, [(1, 3), (1, 27)]);
        assert_eq!(b.r32(sgi(1) + 0x200), 0, "documented: reads 0");
        for reg in [0x280, 0x300, 0x380] {
            let res = b.w32(sgi(1) + reg, u32::MAX);
            assert!(res.pended.is_empty() && res.effects.is_empty());
            assert_eq!(b.r32(sgi(1) + reg), 0);
        }
    }

    #[test]
    fn priorities_bytes_and_words() {
        let mut b = Bus::new(2, &[]);
        b.w32(sgi(0) + 0x400 + 24, 0x1122_3344);
        assert_eq!(b.gic.priority(0, 24), 0x44);
        assert_eq!(b.gic.priority(0, 27), 0x11);
        assert_eq!(b.gic.priority(1, 27), 0);
        b.w8(sgi(1) + 0x400 + 31, 0x90);
        assert_eq!(b.r8(sgi(1) + 0x41f), 0x90);
        assert_eq!(b.r32(sgi(1) + 0x41c), 0x9000_0000);
        assert_eq!(b.r32(sgi(0) + 0x418), 0x1122_3344);
        assert_eq!(b.write(sgi(0) + 0x400, 2, 0).refused, Some(Refusal::BadAccess));
        assert_eq!(b.write(sgi(0) + 0x400, 8, 0).refused, Some(Refusal::BadAccess));
        assert_eq!(b.r32(sgi(0) + 0x420), 0, "no extended PPIs");
    }

    #[test]
    fn icfgr0_fixed_edge_icfgr1_rw() {
        let mut b = Bus::new(2, &[]);
        assert_eq!(b.r32(sgi(0) + 0xc00), 0xaaaa_aaaa);
        b.w32(sgi(0) + 0xc00, 0);
        assert_eq!(b.r32(sgi(0) + 0xc00), 0xaaaa_aaaa);
        assert_eq!(b.r32(sgi(0) + 0xc04), 0, "PPIs level after reset");
        let res = b.w32(sgi(0) + 0xc04, u32::MAX);
        assert!(res.effects.is_empty());
        assert_eq!(b.r32(sgi(0) + 0xc04), 0xaaaa_aaaa);
        assert_eq!(b.r32(sgi(1) + 0xc04), 0);
    }

    #[test]
    fn bad_accesses() {
        let mut b = Bus::new(2, &[]);
        for (ipa, size) in [
            (rd(0) + 0x14, 8),
            (rd(0) + 0x14, 1),
            (rd(0) + 0x8, 2),
            (sgi(0) + 0x100, 8),
            (sgi(0) + 0xc04, 2),
            (rd(0) + 0x15, 1),
            (rd(0) + 0xc, 8),
        ] {
            let res = b.write(ipa, size, u64::MAX);
            assert_eq!(res.refused, Some(Refusal::BadAccess), "{ipa:#x}/{size}");
        }
        assert_eq!(b.r32(rd(0) + 0x14), 0b110);
        assert_eq!(b.r32(sgi(0) + 0x100), 0);
        assert_eq!(b.gic.refused(), 7);
    }

    #[test]
    fn frames_beyond_the_gics_vcpus_read_zero() {
        // A layout with more frames than the GIC has vCPUs: the extra frame is inert.
        let mut b = Bus::new(1, &[]);
        b.layout.vcpus = 2;
        assert_eq!(b.r64(rd(1) + 0x8), 0);
        b.w32(sgi(1) + 0x100, u32::MAX);
        assert_eq!(b.r32(sgi(1) + 0x100), 0);
        assert_eq!(b.r64(rd(0) + 0x8) & (1 << 4), 1 << 4, "frame 0 is the last");
    }
}
