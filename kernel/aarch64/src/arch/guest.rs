// SPDX-License-Identifier: MIT
//! Entering a domain's vCPU: EL2 trap controls, EL1 state reset, `eret`.
//!
//! Null scheduling: a pCPU runs one vCPU for ever, so EL1 system registers
//! and FP/SIMD registers stay live in the CPU and are only reset here, when
//! a vCPU starts fresh (first start, CPU_ON, domain restart). A trap saves
//! the general registers only (see `vectors.rs`).
//!
//! Mechanism only: which trap bits are set is `kernel_core::el2ctl`'s
//! decision (HCR, CPTR, MDCR, HCRX, which debug registers and keys exist);
//! this file reads the ID registers, hands them over and writes the
//! results.

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{
    CNTHCTL_EL2, CNTVOFF_EL2, CPTR_EL2, HCR_EL2, ID_AA64DFR0_EL1, ID_AA64ISAR1_EL1, ID_AA64MMFR1_EL1, ID_AA64PFR0_EL1,
    MDCR_EL2, MIDR_EL1, Readable, VMPIDR_EL2, VTCR_EL2, VTTBR_EL2, Writeable,
};
use bulkhead_bootcfg::TrapPolicy;
use core::arch::{asm, global_asm};
use kernel_core::el2ctl;

/// What the kernel needs to start a vCPU.
pub struct VcpuSetup {
    /// VTTBR_EL2 (VMID and stage-2 root).
    pub vttbr: u64,
    /// The vCPU's compact id (MPIDR Aff0).
    pub vcpu_index: u64,
    /// `wfi` policy.
    pub wfi: TrapPolicy,
    /// `wfe` policy.
    pub wfe: TrapPolicy,
    /// Benchmark build: let the domain use the PMU and count EL2.
    pub pmu: bool,
    /// Direct interrupt delivery: HCR_EL2.IMO=0.
    pub direct: bool,
}

/// HCR_EL2 for `setup`'s domain (`kernel_core::el2ctl::hcr_for`).
fn hcr_for(setup: &VcpuSetup) -> u64 {
    el2ctl::hcr_for(&el2ctl::HcrInputs {
        pfr0: ID_AA64PFR0_EL1.get(),
        isar1: ID_AA64ISAR1_EL1.get(),
        wfi: setup.wfi,
        wfe: setup.wfe,
        direct: setup.direct,
    })
}

/// MDCR_EL2 (`kernel_core::el2ctl::mdcr`), reading PMCR_EL0 only where a
/// PMU exists.
fn mdcr(pmu: bool) -> u64 {
    let dfr0 = ID_AA64DFR0_EL1.get();
    let mut pmcr = 0;
    if el2ctl::has_pmu(dfr0) {
        // SAFETY: the PMU exists (PMUVer), so reading PMCR_EL0 at EL2 is
        // defined and has no side effects.
        unsafe { asm!("mrs {0}, pmcr_el0", out(reg) pmcr, options(nomem, nostack, preserves_flags)) };
    }
    el2ctl::mdcr(dfr0, pmcr, pmu)
}

/// Raises or lowers this pCPU's virtual IRQ line (HCR_EL2.VI): the
/// doorbell interrupt of the vCPU it runs. On the `Wait` and `Pending`
/// paths: raw `mrs`/`msr` that leave the flags alone.
pub fn set_virtual_irq(raised: bool) {
    let hcr: u64;
    // SAFETY: reads HCR_EL2.
    unsafe { asm!("mrs {0}, hcr_el2", out(reg) hcr, options(nomem, nostack, preserves_flags)) };
    let wanted = el2ctl::with_virtual_irq(hcr, raised);
    if wanted != hcr {
        // SAFETY: flips HCR_EL2.VI of this pCPU, which only affects the
        // vCPU it runs (a pending virtual IRQ).
        unsafe { asm!("msr hcr_el2, {0}", "isb", in(reg) wanted, options(nomem, nostack, preserves_flags)) };
    }
}

/// Programs this pCPU's EL2 controls for `setup`'s domain: the values come
/// from `kernel_core::el2ctl`; this function only reads the ID registers
/// and writes the results.
pub fn configure(setup: &VcpuSetup) {
    let midr = MIDR_EL1.get();
    // SAFETY: VPIDR_EL2 (what the domain reads as MIDR_EL1) only affects
    // the lower ELs; the domain is not running.
    unsafe { asm!("msr vpidr_el2, {0}", in(reg) midr, options(nomem, nostack, preserves_flags)) };
    VMPIDR_EL2.set(el2ctl::vmpidr(setup.vcpu_index));
    VTCR_EL2.set(super::stage2::VTCR);
    VTTBR_EL2.set(setup.vttbr);
    CPTR_EL2.set(el2ctl::cptr(ID_AA64PFR0_EL1.get()));
    MDCR_EL2.set(mdcr(setup.pmu));
    CNTHCTL_EL2.set(el2ctl::CNTHCTL);
    CNTVOFF_EL2.set(0);
    HCR_EL2.set(hcr_for(setup));
    barrier::isb(barrier::SY);
    if el2ctl::has_hcrx(ID_AA64MMFR1_EL1.get()) {
        let hcrx = kernel_core::idregs::hcrx(super::idregs::read(6, 2));
        // SAFETY: HCRX_EL2 exists (FEAT_HCX); its enables only affect what
        // the lower ELs may execute, and the domain is not running.
        unsafe { asm!("msr S3_4_C1_C2_2, {0}", "isb", in(reg) hcrx, options(nostack, preserves_flags)) };
    }
}

global_asm!(
    r#"
    .arch_extension fp
    .arch_extension simd
    .section .text.guest, "ax"

    // Resets the EL1/EL0 state a domain can see to its reset values.
    .global bulkhead_reset_el1
bulkhead_reset_el1:
    ldr     x9, =0x30d00800
    msr     sctlr_el1, x9
    msr     tcr_el1, xzr
    msr     ttbr0_el1, xzr
    msr     ttbr1_el1, xzr
    msr     mair_el1, xzr
    msr     amair_el1, xzr
    msr     vbar_el1, xzr
    msr     contextidr_el1, xzr
    msr     tpidr_el1, xzr
    msr     tpidr_el0, xzr
    msr     tpidrro_el0, xzr
    msr     sp_el0, xzr
    msr     sp_el1, xzr
    msr     elr_el1, xzr
    msr     spsr_el1, xzr
    msr     esr_el1, xzr
    msr     far_el1, xzr
    msr     afsr0_el1, xzr
    msr     afsr1_el1, xzr
    msr     par_el1, xzr
    msr     cpacr_el1, xzr
    msr     cntkctl_el1, xzr
    msr     cntv_ctl_el0, xzr
    msr     cntv_cval_el0, xzr
    msr     cntp_ctl_el0, xzr
    msr     cntp_cval_el0, xzr
    msr     mdscr_el1, xzr
    msr     fpcr, xzr
    msr     fpsr, xzr
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    movi    v\n\().2d, #0
    .endr
    isb
    ret

    // Enters EL1 at x0 with the four words at [x1] in x0..x3 and every
    // other general register zero; SP_EL2 reset to x2.
    .global bulkhead_enter_guest
bulkhead_enter_guest:
    msr     elr_el2, x0
    mov     x9, #0x3c5              // EL1h, DAIF masked
    msr     spsr_el2, x9
    mov     sp, x2
    ldp     x2, x3, [x1, #16]
    ldp     x0, x1, [x1]
    .irp n, 4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
    mov     x\n, xzr
    .endr
    eret

    // Pointer-authentication keys (only called when PAuth exists).
    .global bulkhead_reset_pauth_keys
bulkhead_reset_pauth_keys:
    msr     S3_0_C2_C1_0, xzr       // APIAKeyLo_EL1
    msr     S3_0_C2_C1_1, xzr
    msr     S3_0_C2_C1_2, xzr       // APIBKey
    msr     S3_0_C2_C1_3, xzr
    msr     S3_0_C2_C2_0, xzr       // APDAKey
    msr     S3_0_C2_C2_1, xzr
    msr     S3_0_C2_C2_2, xzr       // APDBKey
    msr     S3_0_C2_C2_3, xzr
    msr     S3_0_C2_C3_0, xzr       // APGAKey
    msr     S3_0_C2_C3_1, xzr
    ret
"#
);

unsafe extern "C" {
    fn bulkhead_reset_el1();
    fn bulkhead_reset_pauth_keys();
    fn bulkhead_enter_guest(entry: u64, regs: *const [u64; 4], stack_top: usize) -> !;
}

/// Disables hardware breakpoint and watchpoint `n` (control registers to
/// 0), for the `n` this CPU implements.
macro_rules! reset_debug_pair {
    ($n:expr, $($i:literal)*) => {
        match $n {
            $($i => {
                // SAFETY: breakpoint/watchpoint `$i` exists (the caller
                // checked ID_AA64DFR0_EL1); clearing its control disables it.
                unsafe {
                    core::arch::asm!(
                        concat!("msr dbgbcr", $i, "_el1, xzr"), concat!("msr dbgbvr", $i, "_el1, xzr"),
                        options(nomem, nostack, preserves_flags))
                };
            })*
            _ => {}
        }
    };
}

macro_rules! reset_watch_pair {
    ($n:expr, $($i:literal)*) => {
        match $n {
            $($i => {
                // SAFETY: as above, for watchpoint `$i`.
                unsafe {
                    core::arch::asm!(
                        concat!("msr dbgwcr", $i, "_el1, xzr"), concat!("msr dbgwvr", $i, "_el1, xzr"),
                        options(nomem, nostack, preserves_flags))
                };
            })*
            _ => {}
        }
    };
}

/// Resets the vCPU's EL1 state (system registers, timers, FP/SIMD, keys,
/// breakpoints and watchpoints).
pub fn reset_el1() {
    // SAFETY: writes only EL1/EL0 state of this pCPU's (stopped) vCPU.
    unsafe { bulkhead_reset_el1() };
    if el2ctl::has_pauth(ID_AA64ISAR1_EL1.get()) {
        // SAFETY: PAuth is implemented, so the key registers exist.
        unsafe { bulkhead_reset_pauth_keys() };
    }
    let (breakpoints, watchpoints) = el2ctl::debug_pairs(ID_AA64DFR0_EL1.get());
    for n in 0..breakpoints {
        reset_debug_pair!(n, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
    for n in 0..watchpoints {
        reset_watch_pair!(n, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    }
}

/// Switches off the EL1 virtual and physical timers of the vCPU this pCPU
/// ran, which has stopped: a timer it left enabled with a passed deadline
/// holds its level-triggered PPI (27 or 30) asserted, and a parked pCPU
/// would take it again after every acknowledgement and never see its
/// kick. The next start resets them anyway ([`reset_el1`]).
pub fn stop_el1_timers() {
    // SAFETY: writes only the timer controls of this pCPU's stopped vCPU.
    unsafe { asm!("msr cntv_ctl_el0, xzr", "msr cntp_ctl_el0, xzr", "isb", options(nomem, nostack, preserves_flags)) };
}

/// Enters the vCPU at `entry` with `regs` in x0..x3 (the domain's entry
/// convention, `kernel_core::entry`) and zero in every other general
/// register; this pCPU's EL2 stack restarts at `stack_top`. Never returns:
/// traps come back through the vector table.
pub fn enter(entry: u64, regs: [u64; 4], stack_top: usize) -> ! {
    // SAFETY: EL2 controls and the vCPU's EL1 state are set up; the stack
    // top belongs to this pCPU and nothing on the current stack is needed
    // any more. `regs` lives on the current stack and is read (both `ldp`)
    // before anything is written there: the stub only moves SP, it never
    // stores.
    unsafe { bulkhead_enter_guest(entry, &raw const regs, stack_top) }
}
