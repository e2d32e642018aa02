// SPDX-License-Identifier: MIT
//! The GICv3 virtual CPU interface control registers (ICH_*_EL2) of this
//! pCPU, and the physical CPU interface's deactivation (ICC_DIR_EL1).
//!
//! Owns the register accesses only: which interrupt goes in which list
//! register is decided by `kernel_core::vgic` and `crate::vgic`.

use core::arch::asm;

/// ICH_HCR_EL2.En: the virtual CPU interface signals virtual interrupts.
pub const HCR_EN: u64 = 1 << 0;
/// ICH_HCR_EL2.UIE: maintenance interrupt when at most one list register
/// holds an interrupt (time to refill from the overflow queue).
pub const HCR_UIE: u64 = 1 << 1;

/// Most list registers this kernel uses (QEMU has 4; GIC-500/600 have 4).
pub const MAX_LRS: usize = 8;

macro_rules! sysreg_rw {
    ($read:ident, $write:ident, $name:literal) => {
        #[inline(always)]
        fn $read() -> u64 {
            let v: u64;
            // SAFETY: reading an EL2 GIC virtualization register has no
            // side effect on memory or on the running guest.
            unsafe { asm!(concat!("mrs {0}, ", $name), out(reg) v, options(nomem, nostack, preserves_flags)) };
            v
        }
        #[inline(always)]
        fn $write(v: u64) {
            // SAFETY: the register only affects the virtual CPU interface of
            // the vCPU this pCPU runs; callers pass values built for it.
            unsafe { asm!(concat!("msr ", $name, ", {0}"), in(reg) v, options(nomem, nostack, preserves_flags)) };
        }
    };
}

sysreg_rw!(lr0, set_lr0, "ich_lr0_el2");
sysreg_rw!(lr1, set_lr1, "ich_lr1_el2");
sysreg_rw!(lr2, set_lr2, "ich_lr2_el2");
sysreg_rw!(lr3, set_lr3, "ich_lr3_el2");
sysreg_rw!(lr4, set_lr4, "ich_lr4_el2");
sysreg_rw!(lr5, set_lr5, "ich_lr5_el2");
sysreg_rw!(lr6, set_lr6, "ich_lr6_el2");
sysreg_rw!(lr7, set_lr7, "ich_lr7_el2");
sysreg_rw!(ich_hcr, set_ich_hcr, "ich_hcr_el2");
sysreg_rw!(ich_vmcr, set_ich_vmcr, "ich_vmcr_el2");
sysreg_rw!(ich_ap1r0, set_ich_ap1r0, "ich_ap1r0_el2");
sysreg_rw!(ich_ap0r0, set_ich_ap0r0, "ich_ap0r0_el2");

/// ICH_ELRSR_EL2: bit n set when list register n is empty (free).
#[inline(always)]
pub fn empty_lrs() -> u64 {
    let v: u64;
    // SAFETY: reads a read-only status register of the virtual interface.
    unsafe { asm!("mrs {0}, ich_elrsr_el2", out(reg) v, options(nomem, nostack, preserves_flags)) };
    v
}

/// List registers this CPU interface has (ICH_VTR_EL2.ListRegs + 1),
/// capped at [`MAX_LRS`].
pub fn lr_count() -> usize {
    let vtr: u64;
    // SAFETY: reads ICH_VTR_EL2 (a read-only ID register).
    unsafe { asm!("mrs {0}, ich_vtr_el2", out(reg) vtr, options(nomem, nostack, preserves_flags)) };
    (((vtr & 0x1f) + 1) as usize).min(MAX_LRS)
}

/// List register `n`.
#[inline(always)]
pub fn read_lr(n: usize) -> u64 {
    match n {
        0 => lr0(),
        1 => lr1(),
        2 => lr2(),
        3 => lr3(),
        4 => lr4(),
        5 => lr5(),
        6 => lr6(),
        7 => lr7(),
        _ => 0,
    }
}

/// Writes list register `n`.
#[inline(always)]
pub fn write_lr(n: usize, value: u64) {
    match n {
        0 => set_lr0(value),
        1 => set_lr1(value),
        2 => set_lr2(value),
        3 => set_lr3(value),
        4 => set_lr4(value),
        5 => set_lr5(value),
        6 => set_lr6(value),
        7 => set_lr7(value),
        _ => {}
    }
}

/// ICH_HCR_EL2.
pub fn hcr() -> u64 {
    ich_hcr()
}

/// Sets ICH_HCR_EL2.
pub fn set_hcr(value: u64) {
    set_ich_hcr(value);
}

/// Puts the virtual CPU interface in its reset state for a vCPU that
/// starts afresh: no list register in use, no active priorities, the
/// guest's own interface controls (ICH_VMCR_EL2) at reset, enabled.
pub fn reset_interface(lrs: usize, enable: bool) {
    for n in 0..lrs {
        write_lr(n, 0);
    }
    set_ich_ap0r0(0);
    set_ich_ap1r0(0);
    set_ich_vmcr(0);
    set_ich_hcr(if enable { HCR_EN } else { 0 });
    let _ = (ich_vmcr(), ich_ap0r0(), ich_ap1r0());
}

/// ICC_DIR_EL1: deactivates physical interrupt `intid` (EOImode 1).
#[inline(always)]
pub fn deactivate(intid: u32) {
    // SAFETY: deactivating an interrupt this CPU acknowledged has no effect
    // on memory.
    unsafe { asm!("msr icc_dir_el1, {0}", in(reg) u64::from(intid), options(nomem, nostack, preserves_flags)) };
}

/// ICC_EOIR1_EL1 alone: with EOImode 1 it only drops the running priority
/// (the interrupt stays active until deactivated).
#[inline(always)]
pub fn priority_drop(intid: u32) {
    // SAFETY: as `deactivate`.
    unsafe { asm!("msr icc_eoir1_el1, {0}", in(reg) u64::from(intid), options(nomem, nostack, preserves_flags)) };
}

/// Whether this CPU runs with EOImode 1 (EOI and deactivation split).
#[inline(always)]
pub fn eoi_split() -> bool {
    let ctlr: u64;
    // SAFETY: reads this CPU's ICC_CTLR_EL1.
    unsafe { asm!("mrs {0}, icc_ctlr_el1", out(reg) ctlr, options(nomem, nostack, preserves_flags)) };
    ctlr & 0b10 != 0
}

/// Sets ICC_CTLR_EL1.EOImode = 0 on this CPU (direct delivery).
pub fn unified_eoi() {
    let ctlr: u64;
    // SAFETY: reads this CPU's ICC_CTLR_EL1 (written back below) while no
    // interrupt is active on it.
    unsafe { asm!("mrs {0}, icc_ctlr_el1", out(reg) ctlr, options(nomem, nostack, preserves_flags)) };
    // SAFETY: as above.
    unsafe { asm!("msr icc_ctlr_el1, {0}", "isb", in(reg) ctlr & !0b10, options(nomem, nostack, preserves_flags)) };
}

/// Sets ICC_CTLR_EL1.EOImode = 1 on this CPU: EOI drops the priority,
/// deactivation is separate (ICC_DIR_EL1, or a guest's EOI of a
/// hardware-linked list register).
pub fn split_eoi() {
    let ctlr: u64;
    // SAFETY: reads this CPU's ICC_CTLR_EL1 (then writes it back below) at boot, before any
    // interrupt is acknowledged.
    unsafe { asm!("mrs {0}, icc_ctlr_el1", out(reg) ctlr, options(nomem, nostack, preserves_flags)) };
    // SAFETY: as above.
    unsafe { asm!("msr icc_ctlr_el1, {0}", "isb", in(reg) ctlr | 0b10, options(nomem, nostack, preserves_flags)) };
}
