// SPDX-License-Identifier: MIT
//! Why a domain is stopped, and what each trap means for it.

use crate::idregs::{IdReg, is_id_register};
use crate::trap::{AbortKind, Trap};
use core::fmt;

/// A reason to stop (or restart) a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultReason {
    /// An access outside its stage-2 grants.
    Stage2Abort,
    /// The bus refused an access (synchronous external abort).
    ExternalAbort,
    /// A trapped system register it may not use.
    ForbiddenSysReg,
    /// An instruction the kernel does not allow (SVE, or a trapped one).
    ForbiddenInstruction,
    /// An SError attributed to it.
    SError,
    /// It reported a panic.
    Panic,
    /// It missed its watchdog heartbeat.
    Watchdog,
    /// It ran off the bottom of a vCPU's stack into that stack's guard
    /// page (an access there; see [`in_stack_guard`]).
    StackOverflow,
}

/// Whether guest address `ipa` lies in one of a domain's stack guard pages
/// (`bulkhead_bootcfg::Domain::guards`): a stage-2 fault there is a stack
/// overflow.
pub fn in_stack_guard(guards: &[bulkhead_abi::Ipa], ipa: u64) -> bool {
    guards.iter().any(|g| ipa.checked_sub(g.raw()).is_some_and(|offset| offset < bulkhead_abi::PAGE_SIZE))
}

impl fmt::Display for FaultReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Stage2Abort => "stage-2 abort outside its grants",
            Self::ExternalAbort => "external abort",
            Self::ForbiddenSysReg => "forbidden system register access",
            Self::ForbiddenInstruction => "forbidden instruction",
            Self::SError => "SError",
            Self::Panic => "domain panic",
            Self::Watchdog => "missed watchdog heartbeat",
            Self::StackOverflow => "stack overflow (into its guard page)",
        })
    }
}

/// What the kernel does with a trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapAction {
    /// A hypercall or PSCI call; for `smc` the PC must be advanced.
    Call {
        /// Whether to skip the trapping instruction (smc).
        advance: bool,
    },
    /// A trapped `wfi`/`wfe`: skip it.
    Wait,
    /// Answer an ID register read into `rt`.
    IdRead {
        /// Which register.
        reg: IdReg,
        /// Destination register.
        rt: u8,
    },
    /// A write to ICC_SGI1R_EL1 (trapped because HCR_EL2.IMO=1): send the
    /// SGI it describes to the domain's own vCPUs; skip it.
    GicSgi {
        /// The source register.
        rt: u8,
    },
    /// A write the domain may make but that means nothing for it
    /// (ICC_SGI0R_EL1, ICC_ASGI1R_EL1: Group 0 and Secure SGIs): skip it.
    Ignore,
    /// Stop the domain.
    Fault(FaultReason),
}

/// Decides what a classified trap means.
pub fn on_trap(trap: Trap) -> TrapAction {
    match trap {
        Trap::Hvc => TrapAction::Call { advance: false },
        Trap::Smc => TrapAction::Call { advance: true },
        Trap::Wfx { .. } => TrapAction::Wait,
        Trap::SysReg(a) => {
            let e = a.encoding;
            let icc_sgi = (e.op0, e.op1, e.crn, e.crm) == (3, 0, 12, 11);
            if a.read && is_id_register(e.op0, e.op1, e.crn, e.crm) {
                TrapAction::IdRead { reg: IdReg { crm: e.crm, op2: e.op2 }, rt: a.rt }
            } else if icc_sgi && !a.read && e.op2 == 5 {
                TrapAction::GicSgi { rt: a.rt }
            } else if icc_sgi && !a.read && (e.op2 == 6 || e.op2 == 7) {
                TrapAction::Ignore
            } else {
                TrapAction::Fault(FaultReason::ForbiddenSysReg)
            }
        }
        Trap::DataAbort(a) | Trap::InstructionAbort(a) => TrapAction::Fault(match a.kind {
            AbortKind::External => FaultReason::ExternalAbort,
            _ => FaultReason::Stage2Abort,
        }),
        Trap::SError => TrapAction::Fault(FaultReason::SError),
        Trap::Sve | Trap::Other { .. } => TrapAction::Fault(FaultReason::ForbiddenInstruction),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trap::classify;

    #[test]
    fn a_guard_page_is_exactly_its_4_kib() {
        let guards = [bulkhead_abi::Ipa::new(0x4001_0000), bulkhead_abi::Ipa::new(0x4001_5000)];
        assert!(in_stack_guard(&guards, 0x4001_0000) && in_stack_guard(&guards, 0x4001_0fff));
        assert!(in_stack_guard(&guards, 0x4001_5ff8));
        assert!(!in_stack_guard(&guards, 0x4000_ffff) && !in_stack_guard(&guards, 0x4001_1000));
        assert!(!in_stack_guard(&[], 0x4001_0000));
    }

    #[test]
    fn traps_map_to_actions() {
        assert_eq!(on_trap(classify(0x16 << 26)), TrapAction::Call { advance: false });
        assert_eq!(on_trap(classify(0x17 << 26)), TrapAction::Call { advance: true });
        assert_eq!(on_trap(classify(0x01 << 26)), TrapAction::Wait);
        assert_eq!(on_trap(classify((0x24 << 26) | 0x07)), TrapAction::Fault(FaultReason::Stage2Abort));
        assert_eq!(on_trap(classify((0x24 << 26) | 0x10)), TrapAction::Fault(FaultReason::ExternalAbort));
        assert_eq!(on_trap(classify(0x19 << 26)), TrapAction::Fault(FaultReason::ForbiddenInstruction));
        // MRS x2, ID_AA64PFR0_EL1
        let read = (0x18 << 26) | (3 << 20) | (2 << 5) | (4 << 1) | 1;
        assert_eq!(on_trap(classify(read)), TrapAction::IdRead { reg: IdReg { crm: 4, op2: 0 }, rt: 2 });
        // MSR PMCR_EL0, x0 (op0=3 op1=3 CRn=9 CRm=12 op2=0)
        let pmcr = (0x18 << 26) | (3 << 20) | (3 << 14) | (9 << 10) | (12 << 1);
        assert_eq!(on_trap(classify(pmcr)), TrapAction::Fault(FaultReason::ForbiddenSysReg));
        // MSR ICC_SGI1R_EL1, x20 (op0=3 op1=0 CRn=12 CRm=11 op2=5)
        let sgi1r = (0x18 << 26) | (5 << 17) | (12 << 10) | (20 << 5) | (11 << 1);
        assert_eq!(on_trap(classify(sgi1r | (3 << 20))), TrapAction::GicSgi { rt: 20 });
        // MSR ICC_SGI0R_EL1 (op2=7) and ICC_ASGI1R_EL1 (op2=6): ignored.
        let sgi0r = (0x18 << 26) | (3 << 20) | (7 << 17) | (12 << 10) | (11 << 1);
        assert_eq!(on_trap(classify(sgi0r)), TrapAction::Ignore);
        let asgi1r = (0x18 << 26) | (3 << 20) | (6 << 17) | (12 << 10) | (11 << 1);
        assert_eq!(on_trap(classify(asgi1r)), TrapAction::Ignore);
        // Reading ICC_SGI1R_EL1 is not a thing: forbidden.
        assert_eq!(on_trap(classify(sgi1r | (3 << 20) | 1)), TrapAction::Fault(FaultReason::ForbiddenSysReg));
    }
}
