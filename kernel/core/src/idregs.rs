// SPDX-License-Identifier: MIT
//! The CPU feature policy: what a domain sees in the ID registers.
//!
//! HCR_EL2.TID3 traps every read of the ID group-3 registers (op0=3, op1=0,
//! CRn=0, CRm=1..7) and the kernel answers with the real value, sanitised
//! here. Per feature, the decision is:
//!
//! | feature | policy | why |
//! |---|---|---|
//! | FP/AdvSIMD | enabled | EL1 state stays live under null scheduling; EL2 never touches it (softfloat kernel) |
//! | Pointer authentication | enabled (HCR_EL2.API/APK=1) | keys are EL1 registers that stay live; reset on restart |
//! | BTI, LSE, crypto, ... | enabled | need nothing from EL2 |
//! | MOPS (`CPYx`/`SETx`) | enabled (HCRX_EL2.MSCEn=1, [`hcrx`]) | plain instructions, no state; UNDEFINED at EL1/EL0 without the enable (Debian's glibc uses them for `memcpy`) |
//! | TCR2, SCTLR2, S1PIE, S1POE, D128, FPMR | hidden (HCRX_EL2 enables left clear) | each needs an HCRX_EL2 enable and adds EL1 state the kernel does not reset |
//! | Debug registers | enabled | EL1 state, live; MDSCR_EL1 and every breakpoint/watchpoint reset on restart |
//! | SVE, SME | hidden, trapped (CPTR_EL2.TZ/TSM) | their state would need EL2 save/reset code |
//! | MTE | hidden, tag accesses trapped (HCR_EL2.ATA=0) | tag storage is not partitioned |
//! | AMU, MPAM | hidden, trapped (CPTR_EL2.TAM) | shared counters and partitioning controls |
//! | PMU | hidden, trapped (MDCR_EL2.TPM), except benchmark builds | counters could observe other levels |
//! | SPE, TRBE, BRBE | hidden, trapped (MDCR_EL2) | buffers write memory behind stage 2's back |
//! | Trace unit (ETE/ETM), trace filter | hidden (TraceVer, TraceFilt), trapped (CPTR_EL2.TTA, MDCR_EL2.TTRF: [`crate::el2ctl`]) | a system-wide unit whose output bypasses stage 2 |
//! | RAS error records | hidden, trapped (HCR_EL2.TERR) | records are system-wide |
//! | EL2/EL3, VHE, nested virtualisation, FGT | hidden | a domain runs at EL1 only |
//! | Physical address range | 36 bits | stage 2 covers 39 bits of IPA |

/// Which ID register (CRm, op2 of the group-3 space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdReg {
    /// CRm (1..=7).
    pub crm: u8,
    /// op2 (0..=7).
    pub op2: u8,
}

/// ID_AA64PFR0_EL1.
pub const ID_AA64PFR0: IdReg = IdReg { crm: 4, op2: 0 };
/// ID_AA64PFR1_EL1.
pub const ID_AA64PFR1: IdReg = IdReg { crm: 4, op2: 1 };
/// ID_AA64PFR2_EL1.
pub const ID_AA64PFR2: IdReg = IdReg { crm: 4, op2: 2 };
/// ID_AA64ZFR0_EL1.
pub const ID_AA64ZFR0: IdReg = IdReg { crm: 4, op2: 4 };
/// ID_AA64SMFR0_EL1.
pub const ID_AA64SMFR0: IdReg = IdReg { crm: 4, op2: 5 };
/// ID_AA64DFR0_EL1.
pub const ID_AA64DFR0: IdReg = IdReg { crm: 5, op2: 0 };
/// ID_AA64MMFR0_EL1.
pub const ID_AA64MMFR0: IdReg = IdReg { crm: 7, op2: 0 };
/// ID_AA64MMFR1_EL1.
pub const ID_AA64MMFR1: IdReg = IdReg { crm: 7, op2: 1 };
/// ID_AA64MMFR2_EL1.
pub const ID_AA64MMFR2: IdReg = IdReg { crm: 7, op2: 2 };
/// ID_AA64MMFR3_EL1.
pub const ID_AA64MMFR3: IdReg = IdReg { crm: 7, op2: 3 };
/// ID_AA64ISAR2_EL1.
pub const ID_AA64ISAR2: IdReg = IdReg { crm: 6, op2: 2 };

/// HCRX_EL2.MSCEn: MOPS instructions execute at EL1 and EL0.
pub const HCRX_MSCEN: u64 = 1 << 11;

/// A 4-bit field at bit `lo`.
const fn field(lo: u32) -> u64 {
    0xf << lo
}

/// Whether the register `(op0, op1, crn, crm, op2)` is in the TID3 group.
pub fn is_id_register(op0: u8, op1: u8, crn: u8, crm: u8) -> bool {
    op0 == 3 && op1 == 0 && crn == 0 && (1..=7).contains(&crm)
}

/// The value a domain reads from `reg` when the hardware holds `raw`.
/// `pmu_visible` is true in benchmark builds only.
pub fn sanitize(reg: IdReg, raw: u64, pmu_visible: bool) -> u64 {
    match reg {
        // EL2 [11:8], EL3 [15:12], RAS [31:28], SVE [35:32], SEL2 [39:36],
        // MPAM [43:40], AMU [47:44], RME [55:52].
        ID_AA64PFR0 => {
            raw & !(field(8) | field(12) | field(28) | field(32) | field(36) | field(40) | field(44) | field(52))
        }
        // MTE [11:8], RAS_frac [15:12], MPAM_frac [19:16], SME [27:24],
        // NMI [39:36], GCS [47:44], THE [51:48].
        ID_AA64PFR1 => raw & !(field(8) | field(12) | field(16) | field(24) | field(36) | field(44) | field(48)),
        ID_AA64ZFR0 | ID_AA64SMFR0 => 0,
        // TraceVer [7:4], PMUVer [11:8], PMSVer [35:32], TraceFilt [43:40],
        // TraceBuffer [47:44], BRBE [55:52].
        ID_AA64DFR0 => {
            let pmu = if pmu_visible { 0 } else { field(8) };
            raw & !(field(4) | pmu | field(32) | field(40) | field(44) | field(52))
        }
        // PARange [3:0] = 36 bits; FGT [59:56] is an EL2 feature.
        ID_AA64MMFR0 => (raw & !(field(0) | field(56))) | 0b0001,
        // VH [11:8].
        ID_AA64MMFR1 => raw & !field(8),
        // NV [27:24].
        ID_AA64MMFR2 => raw & !field(24),
        // FPMR [35:32] (needs HCRX_EL2.EnFPM).
        ID_AA64PFR2 => raw & !field(32),
        // TCRX [3:0], SCTLRX [7:4] (HCRX_EL2.TCR2En, SCTLR2En), S1PIE
        // [11:8] and S1POE [19:16] (enabled through TCR2_EL1), D128 [35:32]
        // (HCRX_EL2.D128En).
        ID_AA64MMFR3 => raw & !(field(0) | field(4) | field(8) | field(16) | field(32)),
        _ => raw,
    }
}

/// HCRX_EL2 for every domain (where FEAT_HCX exists), from the hardware's
/// ID_AA64ISAR2_EL1: MOPS enabled where implemented (MOPS [19:16]); every
/// other enable clear, so the features behind them trap or are UNDEFINED
/// (and [`sanitize`] hides them).
pub fn hcrx(isar2: u64) -> u64 {
    if isar2 & field(16) != 0 { HCRX_MSCEN } else { 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QEMU_MAX_PFR0: u64 = 0x1201_1111_1111_2222;

    #[test]
    fn sve_el2_and_ras_are_hidden() {
        let v = sanitize(ID_AA64PFR0, QEMU_MAX_PFR0 | (1 << 32), false);
        assert_eq!((v >> 32) & 0xf, 0, "SVE");
        assert_eq!((v >> 8) & 0xf, 0, "EL2");
        assert_eq!((v >> 28) & 0xf, 0, "RAS");
        assert_eq!(v & 0xf, 2, "EL0 kept");
        assert_eq!((v >> 16) & 0xf, 1, "FP kept");
    }

    #[test]
    fn pmu_only_in_benchmarks() {
        let raw = 0x0000_0001_0000_0506u64;
        assert_eq!((sanitize(ID_AA64DFR0, raw, false) >> 8) & 0xf, 0);
        assert_eq!((sanitize(ID_AA64DFR0, raw, true) >> 8) & 0xf, 5);
        assert_eq!(sanitize(ID_AA64DFR0, raw, true) & 0xf, 6, "DebugVer kept");
        assert_eq!((sanitize(ID_AA64DFR0, raw, true) >> 32) & 0xf, 0, "SPE hidden");
    }

    #[test]
    fn sve_sme_feature_registers_read_zero() {
        assert_eq!(sanitize(ID_AA64ZFR0, u64::MAX, false), 0);
        assert_eq!(sanitize(ID_AA64SMFR0, u64::MAX, true), 0);
    }

    #[test]
    fn address_range_and_virtualisation() {
        assert_eq!(sanitize(ID_AA64MMFR0, 0x0100_0000_0000_0006, false) & 0xf, 1);
        assert_eq!(sanitize(ID_AA64MMFR0, 0x0100_0000_0000_0006, false) >> 56, 0);
        assert_eq!((sanitize(ID_AA64MMFR1, 0x100, false) >> 8) & 0xf, 0);
        assert_eq!(sanitize(ID_AA64MMFR2, 0x0100_0000, false), 0);
    }

    #[test]
    fn mops_is_enabled_where_implemented() {
        // QEMU 10 `-cpu max`: WFxT, RPRES, MOPS, BC, PAC_frac, CLRBHB.
        let isar2 = 0x0000_0000_1011_1012u64 | (1 << 16);
        assert_eq!(hcrx(isar2), HCRX_MSCEN);
        assert_eq!(hcrx(isar2 & !(0xf << 16)), 0, "no MOPS, no enable");
        assert_eq!(sanitize(ID_AA64ISAR2, isar2, false), isar2, "MOPS stays visible");
    }

    #[test]
    fn features_behind_other_hcrx_enables_are_hidden() {
        let mmfr3 = 0x0000_0011_0011_1111u64;
        assert_eq!(sanitize(ID_AA64MMFR3, mmfr3, false), 0x0000_0010_0010_1000, "stage-2 fields, D128_2 kept");
        assert_eq!(sanitize(ID_AA64PFR2, 0x0000_0001_0000_0011, false), 0x11, "FPMR hidden, MTE bits kept");
    }

    #[test]
    fn pauth_is_visible_and_others_pass() {
        let isar1 = IdReg { crm: 6, op2: 1 };
        assert_eq!(sanitize(isar1, 0x0011_0000_0000_0110, false), 0x0011_0000_0000_0110);
        assert!(is_id_register(3, 0, 0, 4));
        assert!(!is_id_register(3, 0, 1, 0));
        assert!(!is_id_register(3, 3, 0, 4));
    }
}
