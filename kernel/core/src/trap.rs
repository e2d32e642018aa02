// SPDX-License-Identifier: MIT
//! Classification of exceptions taken from a domain (EL1) to EL2, from the
//! syndrome register (ESR_EL2, whose fields `esr` decodes). Pure: what to
//! do about a trap is decided by the caller (`fault`).

use crate::esr::{Esr, ExceptionClass};

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

fn abort(esr: Esr, fetch: bool) -> Abort {
    let iss = esr.abort();
    let fsc = iss.fsc;
    let level = fsc & 3;
    let kind = match fsc & !3 {
        0x04 => AbortKind::Translation(level),
        0x08 => AbortKind::AccessFlag(level),
        0x0c => AbortKind::Permission(level),
        0x10 => AbortKind::External,
        _ => AbortKind::Other(fsc),
    };
    let kind = if fsc == 0x10 { AbortKind::External } else { kind };
    Abort { kind, write: !fetch && iss.wnr, fetch }
}

/// The guest page address a stage-2 abort reports in HPFAR_EL2 (FIPA,
/// bits 4 to 43: the IPA's bits 12 to 51).
pub fn fault_page(hpfar: u64) -> u64 {
    ((hpfar >> 4) & ((1 << 40) - 1)) << 12
}

/// Classifies a trap from ESR_EL2.
pub fn classify(esr: u64) -> Trap {
    let esr = Esr::new(esr);
    match esr.class() {
        ExceptionClass::Hvc64 => Trap::Hvc,
        ExceptionClass::Smc64 => Trap::Smc,
        ExceptionClass::Wfx => Trap::Wfx { wfe: esr.wfx_is_wfe() },
        ExceptionClass::SysReg64 => {
            let iss = esr.sysreg();
            Trap::SysReg(SysRegAccess {
                encoding: SysReg { op0: iss.op0, op1: iss.op1, crn: iss.crn, crm: iss.crm, op2: iss.op2 },
                rt: iss.rt,
                read: iss.read,
            })
        }
        ExceptionClass::DataAbortLower => Trap::DataAbort(abort(esr, false)),
        ExceptionClass::InstructionAbortLower => Trap::InstructionAbort(abort(esr, true)),
        ExceptionClass::Sve => Trap::Sve,
        ExceptionClass::SError => Trap::SError,
        ExceptionClass::Unknown => Trap::Other { ec: 0 },
        ExceptionClass::Other(ec) => Trap::Other { ec },
    }
}

/// How many bytes to advance ELR_EL2 to skip the trapped instruction
/// (ESR_EL2.IL: [`Esr::instruction_length`]).
pub const fn instruction_length(esr: u64) -> u64 {
    Esr::new(esr).instruction_length()
}

#[cfg(test)]
#[allow(clippy::identity_op, clippy::cast_possible_truncation, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_faulting_page_comes_from_hpfar() {
        assert_eq!(fault_page(0x4010_3000 >> 8), 0x4010_3000);
        assert_eq!(fault_page((0x8_4010_3000 >> 8) | 0xf), 0x8_4010_3000, "low bits are not the address");
    }

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
