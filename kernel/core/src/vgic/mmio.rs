// SPDX-License-Identifier: MIT
//! Decoding a trapped stage-2 data abort into an MMIO access. Owns the
//! HPFAR_EL2/FAR_EL2 layout of the faulting IPA (ESR_EL2's fields are
//! `crate::esr`'s); must not know what lives at the address or touch the
//! guest's registers (the arch layer moves the data).

use crate::esr::{Esr, ExceptionClass};

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
    /// A load that sign-extends the value to the register's width (ISS.SSE).
    pub sign_extend: bool,
    /// The register is 64 bits wide (ISS.SF): Xt, not Wt.
    pub wide: bool,
}

impl MmioAccess {
    /// What a load puts in its register when the device answers `read`:
    /// the access's `size` bytes of it, sign-extended (`ldrsb`, `ldrsh`,
    /// `ldrsw`) or zero-extended to the register's width, and as every
    /// write of a W register does, bits 63:32 cleared when it is 32 bits
    /// wide.
    pub fn loaded(&self, read: u64) -> u64 {
        let bits = u32::from(self.size) * 8;
        let value = if bits >= 64 {
            read
        } else {
            let value = read & ((1u64 << bits) - 1);
            let negative = value >> (bits - 1) & 1 == 1;
            if self.sign_extend && negative { value | (u64::MAX << bits) } else { value }
        };
        if self.wide { value } else { value & u64::from(u32::MAX) }
    }
}

/// From ESR_EL2 (must be EC 0x24, data abort from a lower EL), HPFAR_EL2
/// and FAR_EL2; `None` if EC differs or ISV=0.
/// IPA = `(HPFAR_EL2[43:4] << 12) | (FAR_EL2 & 0xfff)`; ISS: ISV bit 24,
/// SAS bits 23:22 (size = 1 << SAS), SSE bit 21, SRT bits 20:16, SF bit
/// 15, WnR bit 6.
pub fn decode_mmio(esr: u64, hpfar: u64, far: u64) -> Option<MmioAccess> {
    let esr = Esr::new(esr);
    let iss = esr.abort();
    if esr.class() != ExceptionClass::DataAbortLower || !iss.isv {
        return None;
    }
    let ipa = crate::trap::fault_page(hpfar) | (far & 0xfff);
    Some(MmioAccess { ipa, size: 1 << iss.sas, write: iss.wnr, rt: iss.srt, sign_extend: iss.sse, wide: iss.sf })
}

#[cfg(test)]
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
        assert_eq!(
            access,
            MmioAccess { ipa: 0x0800_0100, size: 4, write: true, rt: 1, sign_extend: false, wide: false }
        );
    }

    #[test]
    fn ldr_x5_and_ldrb_wzr() {
        // ldr x5, [x0, #0x6100]: SAS=3, SRT=5, SF, read.
        let esr = (0x24 << 26) | (1 << 25) | (1 << 24) | (3 << 22) | (5 << 16) | (1 << 15);
        let access = decode_mmio(esr, hpfar(0x0800_6100), 0x6100).unwrap();
        assert_eq!(
            access,
            MmioAccess { ipa: 0x0800_6100, size: 8, write: false, rt: 5, sign_extend: false, wide: true }
        );
        // strb wzr: SAS=0, SRT=31.
        let esr = (0x24 << 26) | (1 << 25) | (1 << 24) | (31 << 16) | (1 << 6);
        let access = decode_mmio(esr, hpfar(0x080A_0423), 0x423).unwrap();
        assert_eq!(
            access,
            MmioAccess { ipa: 0x080A_0423, size: 1, write: true, rt: 31, sign_extend: false, wide: false }
        );
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

    /// The ESR of a load of `sas` (size = 1 << sas) into register 3, with
    /// ISS.SSE and ISS.SF as given.
    fn load(sas: u64, sse: bool, sf: bool) -> u64 {
        (0x24 << 26) | (1 << 25) | (1 << 24) | (sas << 22) | (u64::from(sse) << 21) | (3 << 16) | (u64::from(sf) << 15)
    }

    fn loaded(esr: u64, read: u64) -> u64 {
        decode_mmio(esr, hpfar(0x0800_0000), 0x8).unwrap().loaded(read)
    }

    #[test]
    fn sign_and_width_of_loads_are_decoded() {
        let a = decode_mmio(load(0, true, false), hpfar(0x0800_0000), 0x8).unwrap();
        assert_eq!((a.size, a.sign_extend, a.wide, a.rt, a.write), (1, true, false, 3, false), "ldrsb w3");
        let a = decode_mmio(load(2, true, true), hpfar(0x0800_0000), 0x8).unwrap();
        assert_eq!((a.size, a.sign_extend, a.wide), (4, true, true), "ldrsw x3");
    }

    #[test]
    fn zero_extending_loads_keep_only_their_bytes() {
        // ldrb w3 / ldrh w3 / ldr w3 / ldr x3.
        assert_eq!(loaded(load(0, false, false), 0x0000_1234_0043_b480), 0x80);
        assert_eq!(loaded(load(1, false, false), 0x0000_1234_0043_b480), 0xb480);
        assert_eq!(loaded(load(2, false, false), 0xffff_ffff_8043_b480), 0x8043_b480);
        assert_eq!(loaded(load(3, false, true), 0xffff_ffff_8043_b480), 0xffff_ffff_8043_b480);
    }

    #[test]
    fn sign_extending_loads_extend_to_the_register_width() {
        // ldrsb w3 of 0x80: 0xffffff80, and bits 63:32 of x3 clear.
        assert_eq!(loaded(load(0, true, false), 0x0043_b480), 0xffff_ff80);
        // ldrsb x3 of 0x80.
        assert_eq!(loaded(load(0, true, true), 0x0043_b480), 0xffff_ffff_ffff_ff80);
        // ldrsh w3 / x3 of 0xb480.
        assert_eq!(loaded(load(1, true, false), 0x0043_b480), 0xffff_b480);
        assert_eq!(loaded(load(1, true, true), 0x0043_b480), 0xffff_ffff_ffff_b480);
        // ldrsw x3 of 0x8043b480.
        assert_eq!(loaded(load(2, true, true), 0x8043_b480), 0xffff_ffff_8043_b480);
        // Positive values are not extended: ldrsb of 0x7f, ldrsh of 0x7fff, ldrsw of 0x7fffffff.
        assert_eq!(loaded(load(0, true, true), 0xff7f), 0x7f);
        assert_eq!(loaded(load(1, true, true), 0xff_7fff), 0x7fff);
        assert_eq!(loaded(load(2, true, true), 0xffff_ffff_7fff_ffff), 0x7fff_ffff);
    }
}
