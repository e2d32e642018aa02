// SPDX-License-Identifier: MIT
//! Register layout shared by the GICD and the GICR SGI_base frame: the
//! one-bit-per-interrupt banks, the priority and configuration arrays, ID
//! values, and which access sizes each kind of register takes. Owns offsets
//! and widths only; must not hold or change state.

use super::mmio::MmioAccess;

/// GICD_IIDR / GICR_IIDR: implementer Arm (0x43B), product 0x42 ('B').
pub(super) const IIDR_VALUE: u32 = 0x4200_043b;
/// GICD_PIDR2 / GICR_PIDR2 offset.
pub(super) const PIDR2: u64 = 0xffe8;
/// PIDR2.ArchRev = 3: GICv3.
pub(super) const PIDR2_VALUE: u32 = 0x30;

/// First byte of the IPRIORITYR array.
pub(super) const IPRIORITYR: u64 = 0x400;
/// First word of the ICFGR array.
pub(super) const ICFGR: u64 = 0xc00;
/// ICFGR value with every field edge-triggered (bit 1 of each 2-bit field).
pub(super) const ICFGR_ALL_EDGE: u32 = 0xaaaa_aaaa;

/// Access sizes a register takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Width {
    /// A 32-bit register: word accesses only.
    Word,
    /// Byte-accessible (IPRIORITYR): byte or word.
    ByteOrWord,
    /// A 64-bit register: doubleword, or word to either half.
    Double,
}

impl Width {
    /// Whether an (aligned) access of `size` bytes is allowed.
    pub(super) fn allows(self, size: u8) -> bool {
        match self {
            Width::Word => size == 4,
            Width::ByteOrWord => size == 1 || size == 4,
            Width::Double => size == 4 || size == 8,
        }
    }
}

/// Whether the access is naturally aligned and of an architectural size.
pub(super) fn aligned(access: &MmioAccess) -> bool {
    matches!(access.size, 1 | 2 | 4 | 8) && access.ipa.is_multiple_of(u64::from(access.size))
}

/// A one-bit-per-interrupt register bank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bank {
    /// IGROUPR (RAO/WI: everything is group 1).
    Group,
    /// ISENABLER.
    SetEnable,
    /// ICENABLER.
    ClearEnable,
    /// ISPENDR.
    SetPending,
    /// ICPENDR.
    ClearPending,
    /// ISACTIVER.
    SetActive,
    /// ICACTIVER.
    ClearActive,
}

impl Bank {
    /// Whether a 1 written here would make a reads-as-0 interrupt read
    /// differently (a set register): such bits on a foreign SPI are refused.
    pub(super) fn sets(self) -> bool {
        matches!(self, Bank::SetEnable | Bank::SetPending | Bank::SetActive)
    }
}

/// The bank a register offset (0x080..0x3ff) lies in and the first INTID
/// of its row.
pub(super) fn bank(off: u64) -> Option<(Bank, u32)> {
    let bank = match off {
        0x080..=0x0ff => Bank::Group,
        0x100..=0x17f => Bank::SetEnable,
        0x180..=0x1ff => Bank::ClearEnable,
        0x200..=0x27f => Bank::SetPending,
        0x280..=0x2ff => Bank::ClearPending,
        0x300..=0x37f => Bank::SetActive,
        0x380..=0x3ff => Bank::ClearActive,
        _ => return None,
    };
    let first = u32::try_from((off & 0x7f) / 4 * 32).ok()?;
    Some((bank, first))
}

/// The low or high half of a 64-bit register, as a word access at `off`
/// (relative to the register) sees it.
pub(super) fn read_half(value: u64, access: &MmioAccess, off: u64) -> u64 {
    match (access.size, off) {
        (8, _) => value,
        (_, 0) => value & 0xffff_ffff,
        _ => value >> 32,
    }
}

/// A 64-bit register after a doubleword write or a word write to one half.
pub(super) fn write_half(old: u64, access: &MmioAccess, off: u64, value: u64) -> u64 {
    match (access.size, off) {
        (8, _) => value,
        (_, 0) => (old & !0xffff_ffff) | (value & 0xffff_ffff),
        _ => (old & 0xffff_ffff) | (value << 32),
    }
}

/// A word's low 32 bits.
pub(super) fn low32(value: u64) -> u32 {
    u32::try_from(value & 0xffff_ffff).unwrap_or(0)
}

/// Byte `index` (0 = least significant) of `value`.
pub(super) fn byte(value: u64, index: u32) -> u8 {
    u8::try_from(value.checked_shr(8 * index).unwrap_or(0) & 0xff).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acc(ipa: u64, size: u8) -> MmioAccess {
        MmioAccess { ipa, size, write: false, rt: 0, sign_extend: false, wide: size == 8 }
    }

    #[test]
    fn banks() {
        assert_eq!(bank(0x80), Some((Bank::Group, 0)));
        assert_eq!(bank(0x104), Some((Bank::SetEnable, 32)));
        assert_eq!(bank(0x1fc), Some((Bank::ClearEnable, 992)));
        assert_eq!(bank(0x200), Some((Bank::SetPending, 0)));
        assert_eq!(bank(0x2a0), Some((Bank::ClearPending, 256)));
        assert_eq!(bank(0x304), Some((Bank::SetActive, 32)));
        assert_eq!(bank(0x384), Some((Bank::ClearActive, 32)));
        assert_eq!(bank(0x400), None);
        assert_eq!(bank(0x7c), None);
    }

    #[test]
    fn widths_and_alignment() {
        assert!(Width::Word.allows(4) && !Width::Word.allows(8) && !Width::Word.allows(1));
        assert!(Width::ByteOrWord.allows(1) && Width::ByteOrWord.allows(4) && !Width::ByteOrWord.allows(2));
        assert!(Width::Double.allows(8) && Width::Double.allows(4) && !Width::Double.allows(2));
        assert!(aligned(&acc(0x1004, 4)));
        assert!(!aligned(&acc(0x1002, 4)));
        assert!(!aligned(&acc(0x1004, 8)));
        assert!(aligned(&acc(0x1003, 1)));
        assert!(!aligned(&acc(0x1000, 3)));
        assert!(!aligned(&acc(0x1000, 16)));
    }

    #[test]
    fn halves() {
        let v = 0x1122_3344_5566_7788;
        assert_eq!(read_half(v, &acc(0, 8), 0), v);
        assert_eq!(read_half(v, &acc(0, 4), 0), 0x5566_7788);
        assert_eq!(read_half(v, &acc(4, 4), 4), 0x1122_3344);
        assert_eq!(write_half(v, &acc(0, 4), 0, 0xaabb_ccdd), 0x1122_3344_aabb_ccdd);
        assert_eq!(write_half(v, &acc(4, 4), 4, 0xaabb_ccdd), 0xaabb_ccdd_5566_7788);
        assert_eq!(write_half(v, &acc(0, 8), 0, 7), 7);
        assert_eq!(byte(v, 0), 0x88);
        assert_eq!(byte(v, 7), 0x11);
        assert_eq!(byte(v, 8), 0);
        assert_eq!(low32(v), 0x5566_7788);
    }
}
