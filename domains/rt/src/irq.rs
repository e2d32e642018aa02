// SPDX-License-Identifier: MIT
//! Interrupts at EL1: the domain's exception vector table and IRQ masking.
//!
//! [`install`] points this vCPU's `VBAR_EL1` at the runtime's table and
//! registers its handler. An IRQ taken at EL1 on SP_EL1 (the runtime's own
//! mode) saves the caller-saved registers (x0..x18, x29, x30, q0..q7,
//! q16..q31, FPCR, FPSR, ELR_EL1, SPSR_EL1) on the interrupted stack, then
//! loops: read `ICC_IAR1_EL1`; stop at a special INTID (1020..1023, 1023
//! meaning nothing pending); call the handler with the INTID; write
//! `ICC_EOIR1_EL1` (EOImode 0, see [`crate::gic::init_cpu`]: the EOI also
//! deactivates). Handlers run with IRQs masked. Any other exception (a
//! synchronous one, FIQ, SError, or anything from EL0 or on SP_EL0) prints
//! what happened on the console and panics.
//!
//! Interrupts stay masked (PSTATE.I, as at entry) until [`enable`].

use core::arch::{asm, global_asm};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// vCPUs the runtime gives a stack (see the entry code).
const MAX_VCPUS: usize = 4;

/// The registered handler of each vCPU, as a `fn(u32)` address (0: none).
static HANDLERS: [AtomicUsize; MAX_VCPUS] = [const { AtomicUsize::new(0) }; MAX_VCPUS];

/// CNTVCT_EL0 as read by the third instruction of the last IRQ entry on
/// each vCPU (interrupt-latency benchmarks: the deadline to this stamp).
#[unsafe(no_mangle)]
#[allow(non_upper_case_globals, reason = "named for the vector code that writes it")]
static domain_rt_irq_stamps: [AtomicU64; MAX_VCPUS] = [const { AtomicU64::new(0) }; MAX_VCPUS];

/// The counter value the last IRQ entry on this vCPU read (its third
/// instruction: `sub sp`, `stp`, then `mrs cntvct_el0`).
pub fn entry_stamp() -> u64 {
    domain_rt_irq_stamps.get(this_vcpu()).map_or(0, |s| s.load(Ordering::SeqCst))
}

/// Bytes the IRQ entry saves (a multiple of 16).
const FRAME: usize = 592;

global_asm!(
    r#"
    .section .text.vectors, "ax"
    .balign 2048
    .global domain_rt_vectors
domain_rt_vectors:
    .irp kind, 0, 1, 2, 3, 4
    .balign 0x80
    mov     x0, #\kind
    b       domain_rt_unexpected
    .endr
    .balign 0x80                    // current EL, SP_ELx: IRQ
    sub     sp, sp, #{frame}
    stp     x0, x1, [sp, #0]
    mrs     x0, cntvct_el0          // the entry stamp (3rd instruction)
    mrs     x1, mpidr_el1
    and     x1, x1, #3
    stp     x2, x3, [sp, #16]
    adrp    x2, domain_rt_irq_stamps
    add     x2, x2, :lo12:domain_rt_irq_stamps
    str     x0, [x2, x1, lsl #3]
    b       domain_rt_irq_entry
    .irp kind, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #\kind
    b       domain_rt_unexpected
    .endr

    .text
domain_rt_unexpected:
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    mrs     x4, spsr_el1
    bl      domain_rt_exception
0:  wfi
    b       0b

domain_rt_irq_entry:
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x29, [sp, #144]
    mrs     x0, elr_el1
    stp     x30, x0, [sp, #160]
    mrs     x0, spsr_el1
    mrs     x1, fpcr
    stp     x0, x1, [sp, #176]
    mrs     x0, fpsr
    str     x0, [sp, #192]
    stp     q0, q1, [sp, #208]
    stp     q2, q3, [sp, #240]
    stp     q4, q5, [sp, #272]
    stp     q6, q7, [sp, #304]
    stp     q16, q17, [sp, #336]
    stp     q18, q19, [sp, #368]
    stp     q20, q21, [sp, #400]
    stp     q22, q23, [sp, #432]
    stp     q24, q25, [sp, #464]
    stp     q26, q27, [sp, #496]
    stp     q28, q29, [sp, #528]
    stp     q30, q31, [sp, #560]
    bl      domain_rt_irq
    ldp     q0, q1, [sp, #208]
    ldp     q2, q3, [sp, #240]
    ldp     q4, q5, [sp, #272]
    ldp     q6, q7, [sp, #304]
    ldp     q16, q17, [sp, #336]
    ldp     q18, q19, [sp, #368]
    ldp     q20, q21, [sp, #400]
    ldp     q22, q23, [sp, #432]
    ldp     q24, q25, [sp, #464]
    ldp     q26, q27, [sp, #496]
    ldp     q28, q29, [sp, #528]
    ldp     q30, q31, [sp, #560]
    ldr     x0, [sp, #192]
    msr     fpsr, x0
    ldp     x0, x1, [sp, #176]
    msr     spsr_el1, x0
    msr     fpcr, x1
    ldp     x30, x0, [sp, #160]
    msr     elr_el1, x0
    ldp     x18, x29, [sp, #144]
    ldp     x16, x17, [sp, #128]
    ldp     x14, x15, [sp, #112]
    ldp     x12, x13, [sp, #96]
    ldp     x10, x11, [sp, #80]
    ldp     x8, x9, [sp, #64]
    ldp     x6, x7, [sp, #48]
    ldp     x4, x5, [sp, #32]
    ldp     x2, x3, [sp, #16]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #{frame}
    eret
"#,
    frame = const FRAME,
);

/// This vCPU's compact id (MPIDR_EL1.Aff0, as the entry code computes it).
fn this_vcpu() -> usize {
    let mpidr: u64;
    // SAFETY: reads this vCPU's MPIDR_EL1; no memory is touched.
    unsafe { asm!("mrs {0}, mpidr_el1", out(reg) mpidr, options(nomem, nostack, preserves_flags)) };
    (mpidr & 0xff) as usize
}

/// Points this vCPU's `VBAR_EL1` at the runtime's vector table and makes
/// `handler` its IRQ handler (called with each acknowledged INTID, IRQs
/// masked). Each vCPU that takes interrupts calls it for itself; calling
/// it again replaces the handler. IRQs stay masked until [`enable`].
pub fn install(handler: fn(u32)) {
    let slot = HANDLERS.get(this_vcpu()).expect("the runtime runs at most 4 vCPUs");
    slot.store(handler as usize, Ordering::SeqCst);
    unsafe extern "C" {
        static domain_rt_vectors: u8;
    }
    let table = &raw const domain_rt_vectors as u64;
    // SAFETY: `domain_rt_vectors` is the 2 KiB aligned table above, whose
    // entries save what they clobber (IRQ) or never return (the rest).
    unsafe { asm!("msr vbar_el1, {0}", "isb", in(reg) table, options(nostack, preserves_flags)) };
}

/// Unmasks IRQs on this vCPU (clears PSTATE.I).
pub fn enable() {
    // SAFETY: unmasks IRQs; the vector table must be installed (a handler
    // then runs, and memory it changes is re-read: no `nomem`).
    unsafe { asm!("msr daifclr, #2", "isb", options(nostack, preserves_flags)) };
}

/// Masks IRQs on this vCPU (sets PSTATE.I).
pub fn disable() {
    // SAFETY: masks IRQs; acts as a compiler barrier (no `nomem`).
    unsafe { asm!("msr daifset, #2", options(nostack, preserves_flags)) };
}

/// Whether IRQs are unmasked on this vCPU.
pub fn enabled() -> bool {
    daif() & (1 << 7) == 0
}

fn daif() -> u64 {
    let daif: u64;
    // SAFETY: reads PSTATE's interrupt masks; no memory is touched.
    unsafe { asm!("mrs {0}, daif", out(reg) daif, options(nomem, nostack, preserves_flags)) };
    daif
}

/// Runs `f` with IRQs masked, then restores the previous mask.
pub fn without<R>(f: impl FnOnce() -> R) -> R {
    let was_enabled = enabled();
    disable();
    let result = f();
    if was_enabled {
        enable();
    }
    result
}

/// Sleeps in `wfi` until `done()` holds, taking interrupts meanwhile:
/// `done` is checked with IRQs masked, so an interrupt arriving between
/// the check and the `wfi` still ends the `wfi` (a pending IRQ wakes it
/// even masked); IRQs are then unmasked for a moment so the handler runs.
/// Something must eventually interrupt this vCPU (arm the virtual timer
/// for a timeout). Returns with IRQs as they were.
pub fn wait_until(mut done: impl FnMut() -> bool) {
    let was_enabled = enabled();
    loop {
        disable();
        if done() {
            break;
        }
        crate::wait_for_interrupt();
        enable();
    }
    if was_enabled {
        enable();
    }
}

/// Called by the IRQ entry: acknowledges, handles and ends every pending
/// Group 1 interrupt.
#[unsafe(no_mangle)]
extern "C" fn domain_rt_irq() {
    let handler = HANDLERS.get(this_vcpu()).map_or(0, |h| h.load(Ordering::SeqCst));
    loop {
        let iar: u64;
        // SAFETY: acknowledges the highest-priority pending interrupt of
        // this vCPU's CPU interface; no memory is touched.
        unsafe { asm!("mrs {0}, icc_iar1_el1", out(reg) iar, options(nomem, nostack, preserves_flags)) };
        let intid = (iar & 0xff_ffff) as u32;
        if intid >= 1020 {
            break;
        }
        if handler != 0 {
            // SAFETY: HANDLERS only ever holds 0 or the address of a
            // `fn(u32)` (see `install`).
            let handler: fn(u32) = unsafe { core::mem::transmute::<usize, fn(u32)>(handler) };
            handler(intid);
        }
        // SAFETY: ends (and, EOImode 0, deactivates) the interrupt just
        // acknowledged; a barrier for the handler's memory effects.
        unsafe { asm!("msr icc_eoir1_el1, {0}", "isb", in(reg) iar, options(nostack, preserves_flags)) };
    }
}

/// Exception kinds by vector slot.
const KINDS: [&str; 16] = [
    "synchronous (EL1, SP_EL0)",
    "IRQ (EL1, SP_EL0)",
    "FIQ (EL1, SP_EL0)",
    "SError (EL1, SP_EL0)",
    "synchronous (EL1)",
    "IRQ (EL1)",
    "FIQ (EL1)",
    "SError (EL1)",
    "synchronous (EL0, AArch64)",
    "IRQ (EL0, AArch64)",
    "FIQ (EL0, AArch64)",
    "SError (EL0, AArch64)",
    "synchronous (EL0, AArch32)",
    "IRQ (EL0, AArch32)",
    "FIQ (EL0, AArch32)",
    "SError (EL0, AArch32)",
];

/// Called by every vector but the IRQ one: reports and panics.
#[unsafe(no_mangle)]
extern "C" fn domain_rt_exception(kind: u64, esr: u64, elr: u64, far: u64, spsr: u64) -> ! {
    let name = KINDS.get(kind as usize).copied().unwrap_or("unknown");
    let _ = core::fmt::Write::write_fmt(
        &mut crate::Console,
        format_args!(
            "vCPU {}: unexpected exception: {name}: ESR_EL1={esr:#x} ELR_EL1={elr:#x} FAR_EL1={far:#x} SPSR_EL1={spsr:#x}\n",
            this_vcpu()
        ),
    );
    panic!("unexpected exception: {name} at {elr:#x} (ESR_EL1 {esr:#x})");
}
