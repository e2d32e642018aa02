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
            if a.read && is_id_register(e.op0, e.op1, e.crn, e.crm) {
                TrapAction::IdRead { reg: IdReg { crm: e.crm, op2: e.op2 }, rt: a.rt }
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
#[allow(
    clippy::identity_op,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    reason = "tests"
)]
mod tests {
    use super::*;
    use crate::trap::classify;

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
    }
}
