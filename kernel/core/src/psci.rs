// SPDX-License-Identifier: MIT
//! PSCI for domains: what a call from a domain does, acting only on that
//! domain's own vCPUs (addressed by compact ids, MPIDR Aff0 = vCPU index).
//! Pure: the arch layer carries out the returned [`PsciAction`].
//!
//! The kernel implements PSCI 1.1 and, for the probes an unmodified Linux
//! makes beside it, the SMCCC 1.1 architecture calls: `SMCCC_VERSION`
//! answers 1.1, `SMCCC_ARCH_FEATURES` knows only the two calls themselves
//! and answers NOT_SUPPORTED (-1) for everything else (the Spectre and SSBD
//! firmware workarounds and `SMCCC_ARCH_SOC_ID` included: there is no
//! firmware behind the kernel), as does every unknown function number.

use smccc::arch::{SMCCC_ARCH_FEATURES, SMCCC_VERSION};
use smccc::psci::error::{ALREADY_ON, INVALID_ADDRESS, INVALID_PARAMETERS, NOT_SUPPORTED, ON_PENDING, SUCCESS};
use smccc::psci::{
    PSCI_AFFINITY_INFO_32, PSCI_AFFINITY_INFO_64, PSCI_CPU_OFF, PSCI_CPU_ON_32, PSCI_CPU_ON_64, PSCI_CPU_SUSPEND_32,
    PSCI_CPU_SUSPEND_64, PSCI_FEATURES, PSCI_MIGRATE_INFO_TYPE, PSCI_SYSTEM_OFF, PSCI_SYSTEM_RESET, PSCI_VERSION,
};

/// A vCPU's power state as PSCI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VcpuPower {
    /// Off.
    Off,
    /// CPU_ON accepted, not yet running.
    OnPending,
    /// Running.
    On,
}

/// What the kernel must do after answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PsciAction {
    /// Nothing: return the value to the caller.
    None,
    /// Start vCPU `vcpu` at `entry` with `context` in x0.
    CpuOn {
        /// The vCPU index.
        vcpu: usize,
        /// Guest entry address.
        entry: u64,
        /// Value for x0.
        context: u64,
    },
    /// Power the calling vCPU off.
    CpuOff,
    /// Resume the calling vCPU at `entry` with `context` in x0 (CPU_SUSPEND
    /// to a powerdown state, woken at once).
    ResumeAt {
        /// Guest entry address.
        entry: u64,
        /// Value for x0.
        context: u64,
    },
    /// Stop the whole domain.
    SystemOff,
    /// Restart the whole domain.
    SystemReset,
}

/// The answer (for x0) and the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PsciOutcome {
    /// Value for x0.
    pub ret: i64,
    /// What to do.
    pub action: PsciAction,
}

const SUPPORTED: [u32; 12] = [
    PSCI_VERSION,
    PSCI_CPU_SUSPEND_32,
    PSCI_CPU_SUSPEND_64,
    PSCI_CPU_OFF,
    PSCI_CPU_ON_32,
    PSCI_CPU_ON_64,
    PSCI_AFFINITY_INFO_32,
    PSCI_AFFINITY_INFO_64,
    PSCI_MIGRATE_INFO_TYPE,
    PSCI_SYSTEM_OFF,
    PSCI_SYSTEM_RESET,
    PSCI_FEATURES,
];

/// PSCI 1.1, the version the kernel implements.
const PSCI_VERSION_1_1: i32 = 0x0001_0001;
/// SMCCC 1.1, the version the kernel implements.
const SMCCC_VERSION_1_1: i32 = 0x0001_0001;
/// MIGRATE_INFO_TYPE: no Trusted OS that needs migration.
const MIGRATION_NOT_REQUIRED: i32 = 2;

/// Whether `function` is a PSCI function number (any, supported or not).
pub fn is_psci(function: u32) -> bool {
    matches!(function & 0xbfff_ffe0, 0x8400_0000)
}

/// Whether `function` is an Arm architecture call of SMCCC (owner 0, fast
/// call, SMC32 or SMC64; any, supported or not): answered by [`call`].
pub fn is_arch_call(function: u32) -> bool {
    function & 0xbfff_0000 == 0x8000_0000
}

/// Whether `function` is a discovery call that an unmodified Linux makes of
/// a service the kernel does not offer: the SMCCC TRNG interface
/// (`TRNG_VERSION` .. `TRNG_RND`, SMC32 or SMC64) or a General Service
/// Query (Call Count, Call UID, Revision: functions 0xFF00..0xFF03 of any
/// owner, e.g. Linux's vendor hypervisor UID probe `0x8600ff01`). [`call`]
/// answers NOT_SUPPORTED; probing is not misbehaviour, so it is not audited.
pub fn is_service_probe(function: u32) -> bool {
    let fast = function & 0x8000_0000 != 0;
    let trng = matches!(function & 0xbfff_ffff, 0x8400_0050..=0x8400_0053);
    let query = matches!(function & 0xffff, 0xff00..=0xff03);
    fast && (trng || query)
}

/// The SMCCC architecture calls the kernel implements.
const ARCH_CALLS: [u32; 2] = [SMCCC_VERSION, SMCCC_ARCH_FEATURES];

fn reply(ret: i32) -> PsciOutcome {
    PsciOutcome { ret: ret.into(), action: PsciAction::None }
}

/// The vCPU index that a PSCI target MPIDR names, if it is one of the
/// domain's.
fn target(mpidr: u64, vcpus: &[VcpuPower]) -> Option<usize> {
    let index = usize::try_from(mpidr & 0xff).ok()?;
    (mpidr & !0xff == 0 && index < vcpus.len()).then_some(index)
}

/// Answers PSCI call `function(args)` from a domain whose vCPUs are in
/// `vcpus`; `entry_ok` tells whether an address is in the domain's RAM.
pub fn call(function: u32, args: [u64; 3], vcpus: &[VcpuPower], entry_ok: impl Fn(u64) -> bool) -> PsciOutcome {
    let narrow = |v: u64, smc32: bool| if smc32 { v & 0xffff_ffff } else { v };
    match function {
        PSCI_VERSION => reply(PSCI_VERSION_1_1),
        PSCI_FEATURES => {
            // SMCCC_VERSION is discovered through PSCI_FEATURES (SMCCC 1.1).
            let asked = u32::try_from(args[0]).unwrap_or(0);
            let known = SUPPORTED.contains(&asked) || asked == SMCCC_VERSION;
            reply(if known { SUCCESS } else { NOT_SUPPORTED })
        }
        SMCCC_VERSION => reply(SMCCC_VERSION_1_1),
        SMCCC_ARCH_FEATURES => {
            let asked = u32::try_from(args[0]).unwrap_or(0);
            reply(if ARCH_CALLS.contains(&asked) { SUCCESS } else { NOT_SUPPORTED })
        }
        PSCI_MIGRATE_INFO_TYPE => reply(MIGRATION_NOT_REQUIRED),
        PSCI_CPU_OFF => PsciOutcome { ret: SUCCESS.into(), action: PsciAction::CpuOff },
        PSCI_CPU_SUSPEND_64 | PSCI_CPU_SUSPEND_32 => {
            // Original power_state format: StateType (bit 16) 0 = standby,
            // 1 = powerdown. The kernel has no deeper state than running:
            // standby returns at once (as if woken), powerdown resumes at
            // the entry point at once (as after a wake-up).
            let smc32 = function == PSCI_CPU_SUSPEND_32;
            if args[0] & (1 << 16) == 0 {
                return reply(SUCCESS);
            }
            let entry = narrow(args[1], smc32);
            if !entry_ok(entry) {
                return reply(INVALID_ADDRESS);
            }
            PsciOutcome { ret: SUCCESS.into(), action: PsciAction::ResumeAt { entry, context: narrow(args[2], smc32) } }
        }
        PSCI_SYSTEM_OFF => PsciOutcome { ret: SUCCESS.into(), action: PsciAction::SystemOff },
        PSCI_SYSTEM_RESET => PsciOutcome { ret: SUCCESS.into(), action: PsciAction::SystemReset },
        PSCI_CPU_ON_64 | PSCI_CPU_ON_32 => {
            let smc32 = function == PSCI_CPU_ON_32;
            let Some(vcpu) = target(narrow(args[0], smc32), vcpus) else {
                return reply(INVALID_PARAMETERS);
            };
            let entry = narrow(args[1], smc32);
            match vcpus.get(vcpu) {
                Some(VcpuPower::On) => reply(ALREADY_ON),
                Some(VcpuPower::OnPending) => reply(ON_PENDING),
                _ if !entry_ok(entry) => reply(INVALID_ADDRESS),
                _ => PsciOutcome {
                    ret: SUCCESS.into(),
                    action: PsciAction::CpuOn { vcpu, entry, context: narrow(args[2], smc32) },
                },
            }
        }
        PSCI_AFFINITY_INFO_64 | PSCI_AFFINITY_INFO_32 => {
            let smc32 = function == PSCI_AFFINITY_INFO_32;
            match (target(narrow(args[0], smc32), vcpus), args[1]) {
                (Some(vcpu), 0) => reply(match vcpus.get(vcpu) {
                    Some(VcpuPower::On) => 0,
                    Some(VcpuPower::OnPending) => 2,
                    _ => 1,
                }),
                _ => reply(INVALID_PARAMETERS),
            }
        }
        _ => reply(NOT_SUPPORTED),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use VcpuPower::*;

    fn ram(addr: u64) -> bool {
        (0x4000_0000..0x4020_0000).contains(&addr)
    }

    #[test]
    fn probes() {
        assert_eq!(call(PSCI_VERSION, [0; 3], &[On], ram).ret, 0x1_0001);
        assert_eq!(call(PSCI_FEATURES, [PSCI_CPU_ON_64 as u64, 0, 0], &[On], ram).ret, 0);
        assert_eq!(
            call(PSCI_FEATURES, [u64::from(smccc::psci::PSCI_MIGRATE_32), 0, 0], &[On], ram).ret,
            -1,
            "MIGRATE is not supported"
        );
        assert_eq!(
            call(PSCI_FEATURES, [u64::from(smccc::psci::PSCI_SYSTEM_SUSPEND_32), 0, 0], &[On], ram).ret,
            -1,
            "SYSTEM_SUSPEND neither"
        );
        assert_eq!(
            call(PSCI_FEATURES, [u64::from(smccc::psci::PSCI_SYSTEM_RESET2_64), 0, 0], &[On], ram).ret,
            -1,
            "SYSTEM_RESET2 neither"
        );
        assert_eq!(call(PSCI_MIGRATE_INFO_TYPE, [0; 3], &[On], ram).ret, 2);
        assert_eq!(call(smccc::psci::PSCI_STAT_RESIDENCY_32, [0; 3], &[On], ram), reply(-1));
        assert!(is_psci(0x8400_0008) && is_psci(0xC400_0003) && !is_psci(0xC600_0000));
    }

    #[test]
    fn smccc_1_1_as_linux_probes_it() {
        // Linux: PSCI_FEATURES(SMCCC_VERSION), then SMCCC_VERSION, then
        // ARCH_FEATURES for each firmware workaround and the SoC id.
        assert_eq!(call(PSCI_FEATURES, [u64::from(SMCCC_VERSION), 0, 0], &[On], ram).ret, 0);
        assert_eq!(call(SMCCC_VERSION, [0; 3], &[On], ram), reply(0x1_0001));
        for known in [SMCCC_VERSION, SMCCC_ARCH_FEATURES] {
            assert_eq!(call(SMCCC_ARCH_FEATURES, [u64::from(known), 0, 0], &[On], ram).ret, 0);
        }
        for unknown in [
            smccc::arch::SMCCC_ARCH_WORKAROUND_1,
            smccc::arch::SMCCC_ARCH_WORKAROUND_2,
            smccc::arch::SMCCC_ARCH_WORKAROUND_3,
            smccc::arch::SMCCC_ARCH_SOC_ID,
            0x8000_0003,
        ] {
            assert_eq!(call(SMCCC_ARCH_FEATURES, [u64::from(unknown), 0, 0], &[On], ram), reply(-1), "{unknown:#x}");
        }
        assert_eq!(call(smccc::arch::SMCCC_ARCH_WORKAROUND_1, [0; 3], &[On], ram), reply(-1), "not implemented either");
        assert_eq!(call(0xC000_0001, [0; 3], &[On], ram), reply(-1), "no SMC64 architecture calls");
        assert!(is_arch_call(0x8000_0000) && is_arch_call(0x8000_8000) && is_arch_call(0xC000_0001));
        assert!(!is_arch_call(0x8400_0000) && !is_arch_call(0xC600_0003) && !is_arch_call(0x8001_0000));
    }

    #[test]
    fn linux_service_probes_are_not_supported() {
        // Linux 6.12's TRNG probe and its vendor hypervisor UID probe.
        for probe in [0x8400_0050, 0x8400_0053, 0xc400_0053, 0x8600_ff01, 0x8600_ff03, 0x8500_ff00] {
            assert!(is_service_probe(probe), "{probe:#x}");
            assert_eq!(call(probe, [0; 3], &[On], ram), reply(-1), "{probe:#x}");
        }
        // Neither other functions of those owners nor yielding calls.
        for other in [0x8400_0054, 0x8400_004f, 0xc600_00ff, 0x8600_ff04, 0x0600_ff01, 0x8400_0000] {
            assert!(!is_service_probe(other), "{other:#x}");
        }
    }

    #[test]
    fn cpu_on_only_for_own_vcpus() {
        let vcpus = [On, Off];
        assert_eq!(
            call(PSCI_CPU_ON_64, [1, 0x4000_1000, 7], &vcpus, ram),
            PsciOutcome { ret: 0, action: PsciAction::CpuOn { vcpu: 1, entry: 0x4000_1000, context: 7 } }
        );
        assert_eq!(call(PSCI_CPU_ON_64, [5, 0x4000_1000, 0], &vcpus, ram), reply(-2), "not its vCPU");
        assert_eq!(call(PSCI_CPU_ON_64, [0x100, 0x4000_1000, 0], &vcpus, ram), reply(-2), "Aff1 set");
        assert_eq!(call(PSCI_CPU_ON_64, [0, 0x4000_1000, 0], &vcpus, ram), reply(-4), "already on");
        assert_eq!(call(PSCI_CPU_ON_64, [1, 0x9000_0000, 0], &vcpus, ram), reply(-9), "entry outside RAM");
        assert_eq!(call(PSCI_CPU_ON_64, [1, 0x4000_1000, 0], &[On, OnPending], ram), reply(-5));
    }

    #[test]
    fn cpu_suspend_standby_and_powerdown() {
        assert_eq!(call(PSCI_CPU_SUSPEND_64, [0, 0, 0], &[On], ram), reply(0), "standby returns at once");
        assert_eq!(
            call(PSCI_CPU_SUSPEND_64, [1 << 16, 0x4000_2000, 9], &[On], ram),
            PsciOutcome { ret: 0, action: PsciAction::ResumeAt { entry: 0x4000_2000, context: 9 } }
        );
        assert_eq!(call(PSCI_CPU_SUSPEND_64, [1 << 16, 0x10, 9], &[On], ram), reply(-9));
        assert_eq!(call(PSCI_FEATURES, [PSCI_CPU_SUSPEND_64 as u64, 0, 0], &[On], ram).ret, 0);
    }

    #[test]
    fn affinity_and_power() {
        let vcpus = [On, Off, OnPending];
        assert_eq!(call(PSCI_AFFINITY_INFO_64, [0, 0, 0], &vcpus, ram).ret, 0);
        assert_eq!(call(PSCI_AFFINITY_INFO_64, [1, 0, 0], &vcpus, ram).ret, 1);
        assert_eq!(call(PSCI_AFFINITY_INFO_64, [2, 0, 0], &vcpus, ram).ret, 2);
        assert_eq!(call(PSCI_AFFINITY_INFO_64, [3, 0, 0], &vcpus, ram).ret, -2);
        assert_eq!(call(PSCI_CPU_OFF, [0; 3], &vcpus, ram).action, PsciAction::CpuOff);
        assert_eq!(call(PSCI_SYSTEM_OFF, [0; 3], &vcpus, ram).action, PsciAction::SystemOff);
        assert_eq!(call(PSCI_SYSTEM_RESET, [0; 3], &vcpus, ram).action, PsciAction::SystemReset);
    }
}
