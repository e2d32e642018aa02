// SPDX-License-Identifier: MIT
//! Classification of exceptions taken from a domain (EL1) to EL2, from the
//! syndrome register (ESR_EL2). Pure decoding: what to do about a trap is
//! decided by the caller.

/// Exception classes (ESR_EL2.EC) the kernel distinguishes.
mod ec {
    pub const UNKNOWN: u64 = 0x00;
    pub const WFX: u64 = 0x01;
    pub const HVC64: u64 = 0x16;
    pub const SMC64: u64 = 0x17;
    pub const SYSREG: u64 = 0x18;
    pub const SVE: u64 = 0x19;
    pub const IABT_LOWER: u64 = 0x20;
    pub const DABT_LOWER: u64 = 0x24;
    pub const SERROR: u64 = 0x2f;
}

/// What a stage-2 (or external) abort was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbortKind {
    /// No mapping at this level (outside the domain's grants).
    Translation(u8),
    /// Access flag fault.
    AccessFlag(u8),
    /// Permission fault (e.g. write to a read-only grant).
    Permission(u8),
    /// Synchronous external abort: the bus refused the access.
    External,
    /// Any other fault status code.
    Other(u8),
}

/// A data or instruction abort from the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abort {
    /// What went wrong.
    pub kind: AbortKind,
    /// A write (data aborts only).
    pub write: bool,
    /// An instruction fetch.
    pub fetch: bool,
}

/// A trapped MSR/MRS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysRegAccess {
    /// The register's encoding (op0, op1, CRn, CRm, op2).
    pub encoding: SysReg,
    /// The general register (x0..x30, 31 = xzr).
    pub rt: u8,
    /// MRS (read) rather than MSR (write).
    pub read: bool,
}

/// A system register's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SysReg {
    /// op0.
    pub op0: u8,
    /// op1.
    pub op1: u8,
    /// CRn.
    pub crn: u8,
    /// CRm.
    pub crm: u8,
    /// op2.
    pub op2: u8,
}

/// A trap from the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trap {
    /// `hvc #imm`: a hypercall (ELR already points past it).
    Hvc,
    /// `smc #imm` trapped by HCR_EL2.TSC (ELR points at it).
    Smc,
    /// A trapped `wfi` or `wfe`.
    Wfx {
        /// `wfe` rather than `wfi`.
        wfe: bool,
    },
    /// A trapped system register access.
    SysReg(SysRegAccess),
    /// A stage-2 or external abort on a data access.
    DataAbort(Abort),
    /// A stage-2 or external abort on an instruction fetch.
    InstructionAbort(Abort),
    /// An SVE instruction (SVE is hidden and trapped).
    Sve,
    /// An SError taken to EL2.
    SError,
    /// Anything else (undefined instruction at EL2's request, ...).
    Other {
        /// The exception class.
        ec: u8,
    },
}

fn bits(value: u64, lo: u32, len: u32) -> u64 {
    (value >> lo) & ((1 << len) - 1)
}

fn narrow(value: u64) -> u8 {
    u8::try_from(value & 0xff).unwrap_or(u8::MAX)
}

fn abort(iss: u64, fetch: bool) -> Abort {
    let fsc = bits(iss, 0, 6);
    let level = narrow(fsc & 3);
    let kind = match fsc & !3 {
        0x04 => AbortKind::Translation(level),
        0x08 => AbortKind::AccessFlag(level),
        0x0c => AbortKind::Permission(level),
        0x10 => AbortKind::External,
        _ => AbortKind::Other(narrow(fsc)),
    };
    let kind = if fsc == 0x10 { AbortKind::External } else { kind };
    Abort { kind, write: !fetch && bits(iss, 6, 1) == 1, fetch }
}

/// Classifies a trap from ESR_EL2.
pub fn classify(esr: u64) -> Trap {
    let class = bits(esr, 26, 6);
    let iss = bits(esr, 0, 25);
    match class {
        ec::HVC64 => Trap::Hvc,
        ec::SMC64 => Trap::Smc,
        ec::WFX => Trap::Wfx { wfe: bits(iss, 0, 1) == 1 },
        ec::SYSREG => Trap::SysReg(SysRegAccess {
            encoding: SysReg {
                op0: narrow(bits(iss, 20, 2)),
                op2: narrow(bits(iss, 17, 3)),
                op1: narrow(bits(iss, 14, 3)),
                crn: narrow(bits(iss, 10, 4)),
                crm: narrow(bits(iss, 1, 4)),
            },
            rt: narrow(bits(iss, 5, 5)),
            read: bits(iss, 0, 1) == 1,
        }),
        ec::DABT_LOWER => Trap::DataAbort(abort(iss, false)),
        ec::IABT_LOWER => Trap::InstructionAbort(abort(iss, true)),
        ec::SVE => Trap::Sve,
        ec::SERROR => Trap::SError,
        ec::UNKNOWN => Trap::Other { ec: 0 },
        other => Trap::Other { ec: narrow(other) },
    }
}

/// ESR_ELx.IL: the trapped instruction was 32 bits long.
const IL: u64 = 1 << 25;

/// How many bytes to advance ELR_EL2 to skip the trapped instruction:
/// ESR_EL2.IL says whether it was a 32-bit (A64, or 32-bit T32)
/// instruction or a 16-bit T32 one. A domain runs in AArch64 only, so the
/// answer is 4 in practice, but the architecture's rule is IL, and the
/// kernel follows it rather than assuming.
pub const fn instruction_length(esr: u64) -> u64 {
    if esr & IL != 0 { 4 } else { 2 }
}

#[cfg(test)]
#[allow(clippy::identity_op, clippy::cast_possible_truncation, reason = "tests")]
mod tests {
    use super::*;

    fn esr(class: u64, iss: u64) -> u64 {
        (class << 26) | (1 << 25) | iss
    }

    #[test]
    fn calls_and_waits() {
        assert_eq!(classify(esr(0x16, 0)), Trap::Hvc);
        assert_eq!(classify(esr(0x17, 0)), Trap::Smc);
        assert_eq!(classify(esr(0x01, 0)), Trap::Wfx { wfe: false });
        assert_eq!(classify(esr(0x01, 1)), Trap::Wfx { wfe: true });
    }

    #[test]
    fn sysreg_fields() {
        // MSR MDSCR_EL1, x3: op0=2 op1=0 CRn=0 CRm=2 op2=2, write.
        let iss = (2 << 20) | (2 << 17) | (0 << 14) | (0 << 10) | (3 << 5) | (2 << 1);
        let Trap::SysReg(a) = classify(esr(0x18, iss)) else { panic!() };
        assert_eq!(a.encoding, SysReg { op0: 2, op1: 0, crn: 0, crm: 2, op2: 2 });
        assert_eq!((a.rt, a.read), (3, false));
        // MRS x7, ID_AA64PFR0_EL1: op0=3 op1=0 CRn=0 CRm=4 op2=0, read.
        let iss = (3 << 20) | (0 << 17) | (0 << 14) | (0 << 10) | (7 << 5) | (4 << 1) | 1;
        let Trap::SysReg(a) = classify(esr(0x18, iss)) else { panic!() };
        assert_eq!(a.encoding, SysReg { op0: 3, op1: 0, crn: 0, crm: 4, op2: 0 });
        assert_eq!((a.rt, a.read), (7, true));
    }

    #[test]
    fn aborts() {
        // Stage-2 translation fault, level 2, on a write.
        assert_eq!(
            classify(esr(0x24, (1 << 6) | 0x06)),
            Trap::DataAbort(Abort { kind: AbortKind::Translation(2), write: true, fetch: false })
        );
        assert_eq!(
            classify(esr(0x24, 0x10)),
            Trap::DataAbort(Abort { kind: AbortKind::External, write: false, fetch: false })
        );
        assert_eq!(
            classify(esr(0x20, 0x0f)),
            Trap::InstructionAbort(Abort { kind: AbortKind::Permission(3), write: false, fetch: true })
        );
        assert_eq!(
            classify(esr(0x24, 0x21)),
            Trap::DataAbort(Abort { kind: AbortKind::Other(0x21), write: false, fetch: false })
        );
    }

    #[test]
    fn others() {
        assert_eq!(classify(esr(0x19, 0)), Trap::Sve);
        assert_eq!(classify(esr(0x00, 0)), Trap::Other { ec: 0 });
        assert_eq!(classify(esr(0x07, 0)), Trap::Other { ec: 7 });
    }

    #[test]
    fn skipped_length_follows_il() {
        // A trapped `smc` (EC 0x17) with IL=1: a 32-bit instruction.
        assert_eq!(instruction_length((0x17 << 26) | (1 << 25)), 4);
        // A trapped MSR with IL=1 and every ISS bit set.
        assert_eq!(instruction_length((0x18 << 26) | (1 << 25) | 0x1ff_ffff), 4);
        // IL=0: a 16-bit T32 instruction, whatever else the syndrome says.
        assert_eq!(instruction_length(0x17 << 26), 2);
        assert_eq!(instruction_length((0x24 << 26) | 0x1ff_ffff), 2);
        // Bits above ESR_EL2[31] (ISS2) do not matter.
        assert_eq!(instruction_length((0xffu64 << 32) | (0x01 << 26)), 2);
        assert_eq!(instruction_length((0xffu64 << 32) | (0x01 << 26) | (1 << 25)), 4);
    }
}
