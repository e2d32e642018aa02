// SPDX-License-Identifier: MIT
//! The EL2 exception vector table.
//!
//! The kernel takes no exception of its own at this stage: no guest runs
//! and interrupts stay masked. Any entry is therefore a kernel bug (or a
//! synchronous external abort from a bad physical access) and becomes a
//! panic that reports the vector, ESR, ELR and FAR.

use core::arch::global_asm;

global_asm!(
    r#"
    .macro vector_entry index
    .balign 0x80
    mov     x0, #\index
    b       el2_unexpected_entry
    .endm

    .section .text.vectors, "ax"
    .balign 0x800
    .global el2_vectors
el2_vectors:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vector_entry \i
    .endr

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
        esr >> 26
    );
}
