// SPDX-License-Identifier: MIT
//! The syndrome register ESR_EL2, decoded once: its exception class and the
//! ISS fields of the classes the kernel handles (data and instruction
//! aborts, trapped system register accesses, `wfi`/`wfe`, SErrors).
//!
//! Owns the bit layout only (Arm ARM D24.2.47, ESR_EL2). Must not decide
//! anything: what a trap means is `trap`, `fault` and `serror`'s business,
//! what an emulated access is `vgic::mmio`'s, and the arch layer reads the
//! register and hands its value here.

/// An exception class (ESR_EL2.EC, bits 31:26) the kernel tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionClass {
    /// EC 0x00: unknown reason (an undefined instruction, ...).
    Unknown,
    /// EC 0x01: a trapped `wfi` or `wfe`.
    Wfx,
    /// EC 0x16: `hvc` from AArch64.
    Hvc64,
    /// EC 0x17: `smc` from AArch64, trapped by HCR_EL2.TSC.
    Smc64,
    /// EC 0x18: a trapped MSR, MRS or system instruction from AArch64.
    SysReg64,
    /// EC 0x19: an SVE instruction, trapped by CPTR_EL2.TZ.
    Sve,
    /// EC 0x20: an instruction abort from a lower exception level.
    InstructionAbortLower,
    /// EC 0x24: a data abort from a lower exception level.
    DataAbortLower,
    /// EC 0x2f: an SError.
    SError,
    /// Any other class (its EC).
    Other(u8),
}

/// The EC values of [`ExceptionClass`].
mod ec {
    pub const UNKNOWN: u8 = 0x00;
    pub const WFX: u8 = 0x01;
    pub const HVC64: u8 = 0x16;
    pub const SMC64: u8 = 0x17;
    pub const SYSREG64: u8 = 0x18;
    pub const SVE: u8 = 0x19;
    pub const IABT_LOWER: u8 = 0x20;
    pub const DABT_LOWER: u8 = 0x24;
    pub const SERROR: u8 = 0x2f;
}

impl ExceptionClass {
    /// The class of EC value `ec` (bits above the field's six ignored).
    pub fn from_ec(ec: u8) -> Self {
        match ec & 0x3f {
            ec::UNKNOWN => Self::Unknown,
            ec::WFX => Self::Wfx,
            ec::HVC64 => Self::Hvc64,
            ec::SMC64 => Self::Smc64,
            ec::SYSREG64 => Self::SysReg64,
            ec::SVE => Self::Sve,
            ec::IABT_LOWER => Self::InstructionAbortLower,
            ec::DABT_LOWER => Self::DataAbortLower,
            ec::SERROR => Self::SError,
            other => Self::Other(other),
        }
    }

    /// Its EC value.
    pub fn ec(self) -> u8 {
        match self {
            Self::Unknown => ec::UNKNOWN,
            Self::Wfx => ec::WFX,
            Self::Hvc64 => ec::HVC64,
            Self::Smc64 => ec::SMC64,
            Self::SysReg64 => ec::SYSREG64,
            Self::Sve => ec::SVE,
            Self::InstructionAbortLower => ec::IABT_LOWER,
            Self::DataAbortLower => ec::DABT_LOWER,
            Self::SError => ec::SERROR,
            Self::Other(ec) => ec,
        }
    }
}

/// `len` bits of `value` from bit `lo`, as a byte (`len` <= 8).
fn field(value: u64, lo: u32, len: u32) -> u8 {
    u8::try_from((value >> lo) & ((1 << len) - 1)).unwrap_or(u8::MAX)
}

/// `value`'s bit `bit`.
const fn bit(value: u64, bit: u32) -> bool {
    (value >> bit) & 1 == 1
}

/// A value of ESR_EL2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Esr(u64);

impl Esr {
    /// The syndrome `raw`, as read from ESR_EL2.
    #[inline(always)]
    pub const fn new(raw: u64) -> Self {
        Self(raw)
    }

    /// The raw value (for log lines).
    #[inline(always)]
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// EC, bits 31:26.
    pub fn ec(self) -> u8 {
        field(self.0, 26, 6)
    }

    /// The exception class.
    pub fn class(self) -> ExceptionClass {
        ExceptionClass::from_ec(self.ec())
    }

    /// Whether it is `hvc` from AArch64: the hypercall hot path's one test,
    /// a shift and a compare. Bits 63:32 (ISS2) are RES0 for an `hvc`, so
    /// everything above bit 26 is compared: a value with ISS2 bits set is
    /// not taken for an `hvc` (it goes to the full classification).
    #[inline(always)]
    pub const fn is_hvc64(self) -> bool {
        self.0 >> 26 == ec::HVC64 as u64
    }

    /// IL, bit 25: the trapped instruction was 32 bits long (A64, or a
    /// 32-bit T32 instruction) rather than a 16-bit T32 one.
    pub const fn il(self) -> bool {
        bit(self.0, 25)
    }

    /// How many bytes to advance ELR_EL2 to skip the trapped instruction:
    /// 4, or 2 where IL says a 16-bit T32 instruction (which an AArch64
    /// domain cannot execute; the kernel follows the architecture's rule
    /// rather than assuming).
    pub const fn instruction_length(self) -> u64 {
        if self.il() { 4 } else { 2 }
    }

    /// ISS, bits 24:0.
    pub fn iss(self) -> u32 {
        u32::try_from(self.0 & 0x1ff_ffff).unwrap_or(0)
    }

    /// The ISS of a data or instruction abort (meaningful for EC 0x20,
    /// 0x21, 0x24, 0x25).
    pub fn abort(self) -> AbortIss {
        let v = self.0;
        AbortIss {
            isv: bit(v, 24),
            sas: field(v, 22, 2),
            sse: bit(v, 21),
            srt: field(v, 16, 5),
            sf: bit(v, 15),
            wnr: bit(v, 6),
            fsc: field(v, 0, 6),
        }
    }

    /// The ISS of a trapped MSR/MRS (meaningful for EC 0x18).
    pub fn sysreg(self) -> SysRegIss {
        let v = self.0;
        SysRegIss {
            op0: field(v, 20, 2),
            op2: field(v, 17, 3),
            op1: field(v, 14, 3),
            crn: field(v, 10, 4),
            rt: field(v, 5, 5),
            crm: field(v, 1, 4),
            read: bit(v, 0),
        }
    }

    /// ISS.TI bit 0 of a trapped `wfi`/`wfe` (EC 0x01): `wfe` (or `wfet`).
    pub const fn wfx_is_wfe(self) -> bool {
        bit(self.0, 0)
    }

    /// The ISS of an SError (meaningful for EC 0x2f).
    pub fn serror(self) -> SErrorIss {
        let v = self.0;
        SErrorIss { ids: bit(v, 24), aet: field(v, 10, 3), dfsc: field(v, 0, 6) }
    }
}

/// ISS of a data or instruction abort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortIss {
    /// ISV, bit 24: SAS, SSE, SRT, SF describe the access (data aborts).
    pub isv: bool,
    /// SAS, bits 23:22: the access size is `1 << sas` bytes.
    pub sas: u8,
    /// SSE, bit 21: a load that sign-extends (`ldrsb`, `ldrsh`, `ldrsw`).
    pub sse: bool,
    /// SRT, bits 20:16: the transfer register (31 = xzr/wzr).
    pub srt: u8,
    /// SF, bit 15: the transfer register is 64 bits wide (Xt, not Wt).
    pub sf: bool,
    /// WnR, bit 6: a write (data aborts).
    pub wnr: bool,
    /// DFSC/IFSC, bits 5:0: the fault status code.
    pub fsc: u8,
}

/// ISS of a trapped MSR/MRS: the register's encoding and the transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysRegIss {
    /// Op0, bits 21:20.
    pub op0: u8,
    /// Op2, bits 19:17.
    pub op2: u8,
    /// Op1, bits 16:14.
    pub op1: u8,
    /// CRn, bits 13:10.
    pub crn: u8,
    /// Rt, bits 9:5 (31 = xzr).
    pub rt: u8,
    /// CRm, bits 4:1.
    pub crm: u8,
    /// Direction, bit 0: MRS (a read).
    pub read: bool,
}

/// ISS of an SError.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SErrorIss {
    /// IDS, bit 24: an IMPLEMENTATION DEFINED syndrome.
    pub ids: bool,
    /// AET, bits 12:10: the error's grade (FEAT_RAS).
    pub aet: u8,
    /// DFSC, bits 5:0 (0x11: an asynchronous SError, graded by AET).
    pub dfsc: u8,
}

#[cfg(test)]
#[allow(clippy::identity_op, reason = "tests spell every field")]
mod tests {
    use super::*;

    #[test]
    fn every_named_class_round_trips_and_others_keep_their_ec() {
        for ec in 0..64u8 {
            let class = ExceptionClass::from_ec(ec);
            assert_eq!(class.ec(), ec);
            assert_eq!(Esr::new(u64::from(ec) << 26).class(), class);
        }
        assert_eq!(ExceptionClass::from_ec(0x16), ExceptionClass::Hvc64);
        assert_eq!(ExceptionClass::from_ec(0x24), ExceptionClass::DataAbortLower);
        assert_eq!(ExceptionClass::from_ec(0x25), ExceptionClass::Other(0x25), "data abort at EL2");
        assert_eq!(ExceptionClass::from_ec(0x2f), ExceptionClass::SError);
    }

    #[test]
    fn hvc_test_matches_the_class_and_ignores_iss() {
        // `hvc #0` with IL: 0x5a000000.
        assert!(Esr::new(0x5a00_0000).is_hvc64());
        assert!(Esr::new((0x16 << 26) | 0x1ff_ffff).is_hvc64(), "IL and ISS (the immediate)");
        assert!(!Esr::new(0x17 << 26).is_hvc64(), "smc");
        // ISS2 is RES0 for hvc: with bits there it is not the hot path's.
        assert!(!Esr::new((0x16 << 26) | (1 << 32)).is_hvc64());
        assert_eq!(Esr::new((0x16 << 26) | (1 << 32)).class(), ExceptionClass::Hvc64);
        for ec in 0..64u64 {
            assert_eq!(Esr::new(ec << 26).is_hvc64(), ec == 0x16);
        }
    }

    #[test]
    fn il_gives_the_instruction_length() {
        assert_eq!(Esr::new((0x18 << 26) | (1 << 25)).instruction_length(), 4);
        assert_eq!(Esr::new((0x24 << 26) | 0x1ff_ffff).instruction_length(), 2);
        assert_eq!(Esr::new((0x01 << 26) | (1 << 25)).iss(), 0);
        assert_eq!(Esr::new(u64::MAX).iss(), 0x1ff_ffff);
    }

    #[test]
    fn abort_fields() {
        // ldrsh x7, [..] faulting on a translation fault level 3:
        // ISV, SAS=1, SSE, SRT=7, SF, read, DFSC 0x07.
        let esr = Esr::new((0x24 << 26) | (1 << 25) | (1 << 24) | (1 << 22) | (1 << 21) | (7 << 16) | (1 << 15) | 0x07);
        assert_eq!(esr.abort(), AbortIss { isv: true, sas: 1, sse: true, srt: 7, sf: true, wnr: false, fsc: 0x07 });
        // strb wzr: SAS=0, SRT=31, WnR, no SSE/SF, DFSC 0x3f.
        let esr = Esr::new((0x24 << 26) | (1 << 24) | (31 << 16) | (1 << 6) | 0x3f);
        assert_eq!(esr.abort(), AbortIss { isv: true, sas: 0, sse: false, srt: 31, sf: false, wnr: true, fsc: 0x3f });
    }

    #[test]
    fn sysreg_fields() {
        // MRS x7, ID_AA64PFR0_EL1: op0=3 op1=0 CRn=0 CRm=4 op2=0, read.
        let iss = (3 << 20) | (0 << 17) | (0 << 14) | (0 << 10) | (7 << 5) | (4 << 1) | 1;
        assert_eq!(
            Esr::new((0x18 << 26) | iss).sysreg(),
            SysRegIss { op0: 3, op2: 0, op1: 0, crn: 0, rt: 7, crm: 4, read: true }
        );
        // Every field at its maximum.
        let iss = (3 << 20) | (7 << 17) | (7 << 14) | (15 << 10) | (31 << 5) | (15 << 1);
        assert_eq!(
            Esr::new((0x18 << 26) | iss).sysreg(),
            SysRegIss { op0: 3, op2: 7, op1: 7, crn: 15, rt: 31, crm: 15, read: false }
        );
    }

    #[test]
    fn wfx_and_serror_fields() {
        assert!(!Esr::new(0x01 << 26).wfx_is_wfe());
        assert!(Esr::new((0x01 << 26) | 1).wfx_is_wfe());
        let esr = Esr::new((0x2f << 26) | (6 << 10) | 0x11);
        assert_eq!(esr.serror(), SErrorIss { ids: false, aet: 6, dfsc: 0x11 });
        let esr = Esr::new((0x2f << 26) | (1 << 24) | 0x3f);
        assert_eq!(esr.serror(), SErrorIss { ids: true, aet: 0, dfsc: 0x3f });
    }
}
