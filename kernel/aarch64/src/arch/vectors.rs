// SPDX-License-Identifier: MIT
//! The EL2 exception vector table.
//!
//! From a domain (lower EL, AArch64): synchronous traps, IRQs and SErrors
//! save x0..x30 in a [`Frame`] on this pCPU's stack, call the Rust handler,
//! restore and `eret`. Nothing else is saved: EL1 state stays live (null
//! scheduling). From EL2 itself, and from AArch32, every exception is a
//! kernel bug and becomes a panic that reports ESR, ELR and FAR.

use aarch64_cpu::registers::{
    ELR_EL1, ELR_EL2, ESR_EL1, ESR_EL2, FAR_EL1, FAR_EL2, HPFAR_EL2, Readable, SPSR_EL1, SPSR_EL2, VBAR_EL1, Writeable,
};
use core::arch::global_asm;

/// The caller-saved general registers of the interrupted vCPU: x0..x18
/// (x30 is kept in slot 19). x19..x29 are not saved: the Rust handlers
/// preserve them (AAPCS64), and the one handler that must change one of
/// them (an ID register read into x19..x29) asks the stub to.
#[repr(C)]
pub struct Frame {
    /// x0..x18.
    pub x: [u64; 19],
    /// x30.
    pub lr: u64,
}

/// A [`Frame`] followed by x19..x29, for the rare handler that must read
/// one of those (an emulated store from x19..x29): a handler that returns
/// [`NEED_ALL_REGISTERS`] as its register number makes the stub save them
/// (the first handler preserved them, so they hold the vCPU's values again)
/// and call `bulkhead_lower_sync_full` with this frame.
#[repr(C)]
pub struct FullFrame {
    /// x0..x18 and x30.
    pub base: Frame,
    /// x19..x29.
    pub high: [u64; 11],
}

/// See [`FullFrame`].
pub const NEED_ALL_REGISTERS: u64 = 64;

global_asm!(
    r#"
    .macro unexpected index
    .balign 0x80
    mov     x0, #\index
    b       el2_unexpected_entry
    .endm

    // A trap from a domain: save x0..x18 and x30 (the registers a Rust
    // function may clobber), call the handler with the frame, then restore
    // (in `el2_restore`) and `eret`. Fits in one 0x80-byte vector slot.
    .macro from_domain handler
    .balign 0x80
    sub     sp, sp, #256
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x30, [sp, #144]
    mov     x0, sp
    bl      \handler
    b       el2_restore
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global el2_vectors
el2_vectors:
    .irp i, 0,1,2,3,4,5,6,7
    unexpected \i
    .endr
    from_domain bulkhead_lower_sync
    from_domain bulkhead_lower_irq
    from_domain bulkhead_lower_fiq
    from_domain bulkhead_lower_serror
    .irp i, 12,13,14,15
    unexpected \i
    .endr

    // After a handler: if it returned a register number in x0 (19..29),
    // write x1 into that register; restore the frame and `eret`.
el2_restore:
    cbz     x0, 3f
    cmp     x0, #64
    b.eq    5f
    sub     x0, x0, #19
    adr     x2, 1f
    add     x2, x2, x0, lsl #3
    br      x2
1:  mov     x19, x1
    b       3f
    mov     x20, x1
    b       3f
    mov     x21, x1
    b       3f
    mov     x22, x1
    b       3f
    mov     x23, x1
    b       3f
    mov     x24, x1
    b       3f
    mov     x25, x1
    b       3f
    mov     x26, x1
    b       3f
    mov     x27, x1
    b       3f
    mov     x28, x1
    b       3f
    mov     x29, x1
3:  ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x30, [sp, #144]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #256
    eret
    // The handler needs x19..x29 too (see `FullFrame`).
5:  stp     x19, x20, [sp, #160]
    stp     x21, x22, [sp, #176]
    stp     x23, x24, [sp, #192]
    stp     x25, x26, [sp, #208]
    stp     x27, x28, [sp, #224]
    str     x29, [sp, #240]
    mov     x0, sp
    bl      bulkhead_lower_sync_full
    b       el2_restore

el2_unexpected_entry:
    mrs     x1, esr_el2
    mrs     x2, elr_el2
    mrs     x3, far_el2
    bl      bulkhead_el2_unexpected
1:  wfe
    b       1b
"#
);

const KINDS: [&str; 4] = ["synchronous", "IRQ", "FIQ", "SError"];
const ORIGINS: [&str; 4] = ["EL2 with SP_EL0", "EL2 with SP_EL2", "lower EL (AArch64)", "lower EL (AArch32)"];

/// Called from the vector table with the vector's index and the syndrome.
#[unsafe(no_mangle)]
extern "C" fn bulkhead_el2_unexpected(vector: usize, esr: u64, elr: u64, far: u64) -> ! {
    let kind = KINDS.get(vector % 4).copied().unwrap_or("?");
    let origin = ORIGINS.get(vector / 4).copied().unwrap_or("?");
    panic!(
        "unexpected {kind} exception from {origin}: ESR_EL2 {esr:#x} (EC {:#x}) ELR_EL2 {elr:#x} FAR_EL2 {far:#x}",
        kernel_core::esr::Esr::new(esr).ec()
    );
}

/// Makes the vCPU resume at `entry` in EL1h with interrupts masked (as at
/// a fresh start) when the trap returns.
pub fn resume_at(entry: u64) {
    // Where and how the interrupted vCPU resumes; `entry` is a guest
    // address checked against its RAM by the PSCI layer.
    ELR_EL2.set(entry);
    SPSR_EL2.write(
        SPSR_EL2::M::EL1h + SPSR_EL2::D::Masked + SPSR_EL2::A::Masked + SPSR_EL2::I::Masked + SPSR_EL2::F::Masked,
    );
}

/// Makes the trapped data access fail in the vCPU as a synchronous
/// external abort (a bus error): the vCPU takes its own EL1 data-abort
/// exception at the faulting instruction, as on hardware whose device did
/// not answer, with FAR_EL1 the faulting address and ESR_EL1 an external
/// abort (DFSC 0x10) that says whether it was a write.
pub fn inject_external_abort(write: bool) {
    let spsr = SPSR_EL2.get();
    let from_el0 = spsr & 0xf == 0;
    // EC 0x24: data abort from a lower EL (EL0); 0x25: from EL1 itself.
    // IL = 1 (32-bit instruction); ISV = 0; WnR; DFSC = synchronous
    // external abort, not on a table walk.
    let ec: u64 = if from_el0 { 0x24 } else { 0x25 };
    let esr = (ec << 26) | (1 << 25) | (u64::from(write) << 6) | 0x10;
    ESR_EL1.set(esr);
    FAR_EL1.set(FAR_EL2.get());
    ELR_EL1.set(ELR_EL2.get());
    SPSR_EL1.set(spsr);
    // The vector: current EL with SP_ELx (EL1h) at +0x200, with SP_EL0
    // (EL1t) at +0x000, lower EL in AArch64 at +0x400; synchronous is the
    // first entry of each group.
    let offset = match spsr & 0xf {
        0b0101 => 0x200,
        0b0100 => 0x000,
        _ => 0x400,
    };
    ELR_EL2.set(VBAR_EL1.get().wrapping_add(offset));
    SPSR_EL2.write(
        SPSR_EL2::M::EL1h + SPSR_EL2::D::Masked + SPSR_EL2::A::Masked + SPSR_EL2::I::Masked + SPSR_EL2::F::Masked,
    );
}

/// Syndrome registers of the current trap.
#[derive(Debug, Clone, Copy)]
pub struct Syndrome {
    /// ESR_EL2.
    pub esr: u64,
    /// FAR_EL2.
    pub far: u64,
    /// HPFAR_EL2.
    pub hpfar: u64,
    /// ELR_EL2.
    pub elr: u64,
}

/// Reads the syndrome of the trap being handled.
pub fn syndrome() -> Syndrome {
    Syndrome { esr: ESR_EL2.get(), far: FAR_EL2.get(), hpfar: HPFAR_EL2.get(), elr: ELR_EL2.get() }
}

/// ESR_EL2 alone (the hot path of a hypercall needs nothing else): a raw
/// `mrs` that, unlike `aarch64_cpu`'s, tells the compiler the flags stay.
pub fn esr() -> u64 {
    let esr: u64;
    // SAFETY: reading ESR_EL2 has no side effects.
    unsafe { core::arch::asm!("mrs {0}, esr_el2", out(reg) esr, options(nomem, nostack, preserves_flags)) };
    esr
}

/// Moves the vCPU past the trapping instruction, `bytes` long (from
/// ESR_EL2.IL: `kernel_core::trap::instruction_length`).
pub fn skip_instruction(bytes: u64) {
    // SAFETY: advances ELR_EL2 by the trapped instruction's length; the
    // vCPU resumes there at `eret`.
    unsafe {
        core::arch::asm!("mrs {t}, elr_el2", "add {t}, {t}, {n}", "msr elr_el2, {t}", t = out(reg) _,
            n = in(reg) bytes, options(nomem, nostack, preserves_flags));
    }
}
