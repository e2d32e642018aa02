// SPDX-License-Identifier: MIT
//! Decoding a trapped stage-2 data abort into an MMIO access. Owns the
//! ESR_EL2/HPFAR_EL2/FAR_EL2 field layout for data aborts with a valid
//! instruction syndrome; must not know what lives at the address or touch
//! the guest's registers (the arch layer moves the data).

/// ESR_EL2 exception class of a data abort from a lower exception level.
const EC_DABT_LOW: u64 = 0x24;
/// ISS.ISV: the syndrome describes the access.
const ISV: u64 = 1 << 24;
/// ISS.WnR: the access was a write.
const WNR: u64 = 1 << 6;
/// HPFAR_EL2.FIPA, bits 43:4 (IPA bits 51:12).
const FIPA_MASK: u64 = (1 << 40) - 1;

/// One load or store a guest made to an emulated device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmioAccess {
    /// The faulting IPA.
    pub ipa: u64,
    /// Access size in bytes: 1, 2, 4 or 8.
    pub size: u8,
    /// A store.
    pub write: bool,
    /// The transfer register (31 = xzr/wzr).
    pub rt: u8,
}

/// From ESR_EL2 (must be EC 0x24, data abort from a lower EL), HPFAR_EL2
/// and FAR_EL2; `None` if EC differs or ISV=0.
/// IPA = `(HPFAR_EL2[43:4] << 12) | (FAR_EL2 & 0xfff)`; ISS: ISV bit 24,
/// SAS bits 23:22 (size = 1 << SAS), SRT bits 20:16, WnR bit 6.
pub fn decode_mmio(esr: u64, hpfar: u64, far: u64) -> Option<MmioAccess> {
    if (esr >> 26) & 0x3f != EC_DABT_LOW || esr & ISV == 0 {
        return None;
    }
    let size = match (esr >> 22) & 0b11 {
        0 => 1,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    let rt = u8::try_from((esr >> 16) & 0x1f).ok()?;
    let ipa = (((hpfar >> 4) & FIPA_MASK) << 12) | (far & 0xfff);
    Some(MmioAccess { ipa, size, write: esr & WNR != 0, rt })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// HPFAR_EL2 for an IPA: FIPA holds IPA[51:12] at bits 43:4.
    fn hpfar(ipa: u64) -> u64 {
        (ipa >> 12) << 4
    }

    #[test]
    fn str_w1_to_gicd_isenabler() {
        // str w1, [x0] with x0 = 0x0800_0100: EC 0x24, IL, ISV, SAS=2, SRT=1, WnR.
        let esr = (0x24 << 26) | (1 << 25) | (1 << 24) | (2 << 22) | (1 << 16) | (1 << 6);
        let access = decode_mmio(esr, hpfar(0x0800_0100), 0xffff_0000_0800_0100).unwrap();
        assert_eq!(access, MmioAccess { ipa: 0x0800_0100, size: 4, write: true, rt: 1 });
    }

    #[test]
    fn ldr_x5_and_ldrb_wzr() {
        // ldr x5, [x0, #0x6100]: SAS=3, SRT=5, SF, read.
        let esr = (0x24 << 26) | (1 << 25) | (1 << 24) | (3 << 22) | (5 << 16) | (1 << 15);
        let access = decode_mmio(esr, hpfar(0x0800_6100), 0x6100).unwrap();
        assert_eq!(access, MmioAccess { ipa: 0x0800_6100, size: 8, write: false, rt: 5 });
        // strb wzr: SAS=0, SRT=31.
        let esr = (0x24 << 26) | (1 << 25) | (1 << 24) | (31 << 16) | (1 << 6);
        let access = decode_mmio(esr, hpfar(0x080A_0423), 0x423).unwrap();
        assert_eq!(access, MmioAccess { ipa: 0x080A_0423, size: 1, write: true, rt: 31 });
        // ldrh: SAS=1.
        let esr = (0x24 << 26) | (1 << 24) | (1 << 22) | (2 << 16);
        assert_eq!(decode_mmio(esr, hpfar(0x1000), 2).unwrap().size, 2);
    }

    #[test]
    fn high_ipa_bits_come_from_hpfar_only() {
        let esr = (0x24 << 26) | (1 << 24) | (2 << 22);
        let ipa = 0x000f_ffff_f000_0123;
        let access = decode_mmio(esr, hpfar(ipa), 0xdead_b123).unwrap();
        assert_eq!(access.ipa, 0x000f_ffff_f000_0123, "52-bit IPA");
        // Bits of HPFAR above 43 (and NS at 63) are not part of the IPA.
        let access = decode_mmio(esr, hpfar(0x1000) | (1 << 63) | (0xf << 44), 0).unwrap();
        assert_eq!(access.ipa, 0x1000);
    }

    #[test]
    fn other_classes_and_no_syndrome_are_refused() {
        let isv = (1 << 24) | (2 << 22);
        assert_eq!(decode_mmio((0x20 << 26) | isv, 0, 0), None, "instruction abort");
        assert_eq!(decode_mmio((0x25 << 26) | isv, 0, 0), None, "data abort at EL2");
        assert_eq!(decode_mmio((0x16 << 26) | isv, 0, 0), None, "hvc");
        assert_eq!(decode_mmio((0x24 << 26) | (2 << 22) | (1 << 6), 0, 0), None, "ISV clear");
    }
}
