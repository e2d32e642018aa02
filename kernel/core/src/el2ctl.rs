// SPDX-License-Identifier: MIT
//! The EL2 trap controls of a domain's vCPU: HCR_EL2, CPTR_EL2 and
//! MDCR_EL2, computed from the hardware's ID registers and the domain's
//! board-file policy. Pure: the arch layer reads the ID registers (and
//! PMCR_EL0 where a PMU exists), calls these and writes the results
//! (`arch/guest.rs`). Which features a domain gets, and why, is the policy
//! table of [`crate::idregs`]; this module is how the traps enforce it.

use bulkhead_bootcfg::TrapPolicy;

/// HCR_EL2 bits.
pub mod hcr {
    /// Stage-2 translation on.
    pub const VM: u64 = 1 << 0;
    /// Set/way invalidation becomes clean and invalidate.
    pub const SWIO: u64 = 1 << 1;
    /// Physical FIQs to EL2.
    pub const FMO: u64 = 1 << 3;
    /// Physical IRQs to EL2 (and the virtual CPU interface for EL1).
    pub const IMO: u64 = 1 << 4;
    /// SErrors to EL2.
    pub const AMO: u64 = 1 << 5;
    /// Virtual IRQ pending (the doorbell of a vCPU in trap mode).
    pub const VI: u64 = 1 << 7;
    /// Trap `wfi`.
    pub const TWI: u64 = 1 << 13;
    /// Trap `wfe`.
    pub const TWE: u64 = 1 << 14;
    /// Trap reads of the ID group-3 registers.
    pub const TID3: u64 = 1 << 18;
    /// Trap `smc`.
    pub const TSC: u64 = 1 << 19;
    /// Trap IMPLEMENTATION DEFINED registers.
    pub const TIDCP: u64 = 1 << 20;
    /// EL1 is AArch64.
    pub const RW: u64 = 1 << 31;
    /// Trap RAS error record accesses (FEAT_RAS).
    pub const TERR: u64 = 1 << 36;
    /// Route synchronous external aborts to EL2 (FEAT_RAS).
    pub const TEA: u64 = 1 << 37;
    /// Pointer-authentication key registers not trapped.
    pub const APK: u64 = 1 << 40;
    /// Pointer-authentication instructions not trapped.
    pub const API: u64 = 1 << 41;
}

/// CPTR_EL2 bits (HCR_EL2.E2H = 0).
pub mod cptr {
    /// RES1 bits: 7:0, 9 and 13.
    pub const RES1: u64 = 0xff | (1 << 9) | (1 << 13);
    /// Trap SVE (RES1 without SVE).
    pub const TZ: u64 = 1 << 8;
    /// Trap SME (RES1 without SME).
    pub const TSM: u64 = 1 << 12;
    /// Trap System register accesses to the trace unit (every implemented
    /// trace register, e.g. TRCIDR0).
    pub const TTA: u64 = 1 << 20;
    /// Trap the Activity Monitors (FEAT_AMUv1).
    pub const TAM: u64 = 1 << 30;
}

/// MDCR_EL2 bits.
pub mod mdcr {
    /// HPMN: the event counters EL1 and EL0 may use (bits 4:0).
    pub const HPMN: u64 = 0x1f;
    /// Trap PMCR_EL0.
    pub const TPMCR: u64 = 1 << 5;
    /// Trap every PMU register.
    pub const TPM: u64 = 1 << 6;
    /// Trap the Statistical Profiling Extension's registers.
    pub const TPMS: u64 = 1 << 14;
    /// Event counting prohibited at EL2 (PMUv3p1).
    pub const HPMD: u64 = 1 << 17;
    /// Trap TRFCR_EL1, the trace filter control (FEAT_TRF).
    pub const TTRF: u64 = 1 << 19;
}

/// CNTHCTL_EL2 (HCR_EL2.E2H = 0): EL1PCTEN and EL1PCEN, so guests use
/// their physical counter and timer without trapping.
pub const CNTHCTL: u64 = 0b11;

/// VMPIDR_EL2 of vCPU `index`: compact ids (Aff0 = the index) with the
/// RES1 bit 31.
pub const fn vmpidr(index: u64) -> u64 {
    (1 << 31) | index
}

/// Whether pointer authentication is implemented: ID_AA64ISAR1_EL1's APA
/// `[7:4]`, API `[11:8]`, GPA `[27:24]` or GPI `[31:28]` non-zero. Its key
/// registers exist (and are reset at a vCPU start) only then, and only
/// then are HCR_EL2.API and APK set.
pub const fn has_pauth(isar1: u64) -> bool {
    isar1 & 0xff00_0ff0 != 0
}

/// Whether HCRX_EL2 exists (FEAT_HCX: ID_AA64MMFR1_EL1.HCX `[43:40]`).
pub const fn has_hcrx(mmfr1: u64) -> bool {
    field(mmfr1, 40) != 0
}

/// How many hardware breakpoints and watchpoints this CPU has
/// (ID_AA64DFR0_EL1.BRPs `[15:12]` and WRPs `[23:20]`, each one less than
/// the count): the pairs a vCPU start resets.
pub const fn debug_pairs(dfr0: u64) -> (u64, u64) {
    (field(dfr0, 12) + 1, field(dfr0, 20) + 1)
}

/// HCR_EL2 `hcr` with the virtual IRQ line (VI) `raised` or lowered.
pub const fn with_virtual_irq(hcr: u64, raised: bool) -> u64 {
    if raised { hcr | hcr::VI } else { hcr & !hcr::VI }
}

/// A 4-bit ID register field at bit `lo`.
const fn field(reg: u64, lo: u32) -> u64 {
    (reg >> lo) & 0xf
}

/// The hardware facts and the domain's policy that HCR_EL2 depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HcrInputs {
    /// ID_AA64PFR0_EL1 (RAS `[31:28]`).
    pub pfr0: u64,
    /// ID_AA64ISAR1_EL1 (APA `[7:4]`, API `[11:8]`, GPA `[27:24]`, GPI `[31:28]`).
    pub isar1: u64,
    /// The domain's `wfi` policy.
    pub wfi: TrapPolicy,
    /// The domain's `wfe` policy.
    pub wfe: TrapPolicy,
    /// Direct interrupt delivery: physical IRQs go to EL1 (IMO = 0).
    pub direct: bool,
}

/// HCR_EL2 for a domain's vCPU: stage 2 on, `smc`, ID and IMPLEMENTATION
/// DEFINED registers trapped, FIQs, IRQs (unless delivered directly) and
/// SErrors to EL2. Bits of optional features (TERR and TEA need FEAT_RAS,
/// API and APK pointer authentication) are set only where the feature
/// exists: elsewhere they are RES0.
pub fn hcr_for(i: &HcrInputs) -> u64 {
    let mut v = hcr::VM | hcr::SWIO | hcr::FMO | hcr::IMO | hcr::AMO | hcr::TID3 | hcr::TSC | hcr::TIDCP | hcr::RW;
    if field(i.pfr0, 28) != 0 {
        v |= hcr::TERR | hcr::TEA;
    }
    if has_pauth(i.isar1) {
        v |= hcr::APK | hcr::API;
    }
    if i.wfi == TrapPolicy::Trap {
        v |= hcr::TWI;
    }
    if i.wfe == TrapPolicy::Trap {
        v |= hcr::TWE;
    }
    if i.direct {
        v &= !hcr::IMO;
    }
    v
}

/// CPTR_EL2 from ID_AA64PFR0_EL1: the RES1 bits, SVE and SME trapped (TZ
/// and TSM, RES1 anyway without them), trace registers trapped (TTA: a
/// trace unit is system-wide and its buffers bypass stage 2), the
/// Activity Monitors trapped (TAM) where they exist (AMU `[47:44]`; RES0
/// otherwise), FP/SIMD not trapped (its state stays live, `idregs`).
pub fn cptr(pfr0: u64) -> u64 {
    let tam = if field(pfr0, 44) != 0 { cptr::TAM } else { 0 };
    cptr::RES1 | cptr::TZ | cptr::TSM | cptr::TTA | tam
}

/// Whether a PMUv3 is implemented (ID_AA64DFR0_EL1.PMUVer `[11:8]` neither
/// 0 nor 0xf, IMPLEMENTATION DEFINED): only then may PMCR_EL0 be read for
/// [`mdcr`].
pub fn has_pmu(dfr0: u64) -> bool {
    !matches!(field(dfr0, 8), 0 | 0xf)
}

/// MDCR_EL2 from ID_AA64DFR0_EL1 and PMCR_EL0 (read only where
/// [`has_pmu`]; 0 otherwise): every PMU counter given to EL1 (HPMN = PMCR.N)
/// but every PMU access trapped, unless `pmu_open` (benchmark builds), and
/// then EL2 counting allowed; SPE trapped (TPMS) and the trace filter
/// (TTRF) where they exist; SPE and TRBE owned by EL2 (E2PB = E2TB = 0);
/// debug registers not trapped (EL1 state, live).
pub fn mdcr(dfr0: u64, pmcr: u64, pmu_open: bool) -> u64 {
    let mut v = 0;
    if has_pmu(dfr0) {
        v |= (pmcr >> 11) & mdcr::HPMN;
        if !pmu_open {
            v |= mdcr::TPMCR | mdcr::TPM;
            if field(dfr0, 8) >= 4 {
                v |= mdcr::HPMD;
            }
        }
    }
    if field(dfr0, 32) != 0 {
        v |= mdcr::TPMS;
    }
    if field(dfr0, 40) != 0 {
        v |= mdcr::TTRF;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QEMU 10 `-cpu max`: ID_AA64PFR0_EL1 (RAS 2, AMU 1, SVE 1, ...).
    const QEMU_MAX_PFR0: u64 = 0x1201_1111_1111_2222 | (1 << 44);
    /// ID_AA64ISAR1_EL1 with APA = 5 and GPA = 1 (QARMA5).
    const PAUTH_ISAR1: u64 = 0x0000_0000_0100_0050;

    fn inputs() -> HcrInputs {
        HcrInputs { pfr0: 0, isar1: 0, wfi: TrapPolicy::Native, wfe: TrapPolicy::Native, direct: false }
    }

    #[test]
    fn hcr_minimum_traps_everything_it_must() {
        assert_eq!(hcr_for(&inputs()), 0x801c_003b, "VM SWIO FMO IMO AMO TID3 TSC TIDCP RW, nothing else");
    }

    #[test]
    fn hcr_optional_features_only_where_implemented() {
        let v = hcr_for(&HcrInputs { pfr0: QEMU_MAX_PFR0, isar1: PAUTH_ISAR1, ..inputs() });
        assert_eq!(v, 0x801c_003b | hcr::TERR | hcr::TEA | hcr::APK | hcr::API);
        // RAS [31:28] = 0, no pointer authentication: RES0 bits stay clear.
        let v = hcr_for(&HcrInputs { pfr0: QEMU_MAX_PFR0 & !(0xf << 28), ..inputs() });
        assert_eq!(v & (hcr::TERR | hcr::TEA | hcr::APK | hcr::API), 0);
    }

    #[test]
    fn feature_probes_read_their_fields() {
        assert!(has_pauth(PAUTH_ISAR1));
        assert!(has_pauth(1 << 28), "GPI");
        assert!(has_pauth(1 << 8), "API");
        assert!(!has_pauth(!0xff00_0ff0), "every other field set");
        assert!(has_hcrx(1 << 40));
        assert!(!has_hcrx(!(0xf << 40)));
        // QEMU max: BRPs = 5, WRPs = 3 (6 breakpoints, 4 watchpoints).
        assert_eq!(debug_pairs(0x0000_0000_0030_5000), (6, 4));
        assert_eq!(debug_pairs(0), (1, 1));
        assert_eq!(debug_pairs(0xf0_f000), (16, 16));
    }

    #[test]
    fn small_controls() {
        assert_eq!(vmpidr(0), 0x8000_0000);
        assert_eq!(vmpidr(3), 0x8000_0003);
        assert_eq!(CNTHCTL, 3);
        assert_eq!(with_virtual_irq(0x801c_003b, true), 0x801c_00bb);
        assert_eq!(with_virtual_irq(0x801c_00bb, false), 0x801c_003b);
        assert_eq!(with_virtual_irq(0x801c_003b, false), 0x801c_003b);
    }

    #[test]
    fn hcr_follows_the_board_policy() {
        let v = hcr_for(&HcrInputs { wfi: TrapPolicy::Trap, ..inputs() });
        assert_eq!(v & (hcr::TWI | hcr::TWE), hcr::TWI);
        let v = hcr_for(&HcrInputs { wfe: TrapPolicy::Trap, ..inputs() });
        assert_eq!(v & (hcr::TWI | hcr::TWE), hcr::TWE);
        let v = hcr_for(&HcrInputs { direct: true, ..inputs() });
        assert_eq!(v & (hcr::IMO | hcr::FMO | hcr::AMO), hcr::FMO | hcr::AMO, "direct: IMO = 0, FIQs still to EL2");
    }

    #[test]
    fn cptr_traps_trace_sve_sme_and_the_amu() {
        // No AMU: RES1 | TZ | TSM | TTA.
        assert_eq!(cptr(0), 0x0010_33ff);
        assert_ne!(cptr(0) & cptr::TTA, 0, "trace registers trapped");
        assert_eq!(cptr(0) & (1 << 10), 0, "FP/SIMD not trapped (TFP = 0)");
        // With the AMU (QEMU max): TAM too.
        assert_eq!(cptr(QEMU_MAX_PFR0), 0x4010_33ff);
        assert_eq!(cptr(QEMU_MAX_PFR0) & (1 << 31), 0, "CPACR_EL1 not trapped (TCPAC = 0)");
    }

    #[test]
    fn mdcr_traps_the_pmu_outside_benchmarks() {
        // PMUVer 6 (PMUv3p5), PMCR_EL0.N = 6.
        let dfr0 = 0x6 << 8;
        let pmcr = 6 << 11;
        assert!(has_pmu(dfr0));
        assert_eq!(mdcr(dfr0, pmcr, false), 6 | mdcr::TPMCR | mdcr::TPM | mdcr::HPMD);
        assert_eq!(mdcr(dfr0, pmcr, true), 6, "benchmark builds: open, EL2 counts");
        // PMUv3 (1): no HPMD (PMUv3p1 only).
        assert_eq!(mdcr(0x1 << 8, pmcr, false), 6 | mdcr::TPMCR | mdcr::TPM);
    }

    #[test]
    fn mdcr_without_a_pmu_ignores_pmcr() {
        for ver in [0x0, 0xf] {
            assert!(!has_pmu(ver << 8));
            assert_eq!(mdcr(ver << 8, u64::MAX, false), 0, "PMUVer {ver:#x}");
        }
    }

    #[test]
    fn mdcr_traps_spe_and_the_trace_filter_where_implemented() {
        assert_eq!(mdcr(1 << 32, 0, false), mdcr::TPMS);
        assert_eq!(mdcr(1 << 40, 0, false), mdcr::TTRF);
        assert_eq!(mdcr(0, 0, false), 0);
    }
}
