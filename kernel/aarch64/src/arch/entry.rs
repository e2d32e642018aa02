// SPDX-License-Identifier: MIT
//! The image's first bytes: the arm64 `Image` header, then the EL2 entry of
//! the boot CPU and of each secondary CPU.
//!
//! The header (Linux `Documentation/arch/arm64/booting.rst`) lets QEMU's
//! `-kernel` and U-Boot's `booti` load the image at RAM base +
//! `text_offset` with the device tree's address in x0. Flags: little
//! endian, 4 KiB pages, not relocatable (the kernel is linked at its
//! physical address). `image_size` covers the kernel's whole region, so a
//! loader places the device tree and initrd outside it.
//!
//! The stubs call `bulkhead_primary_main(dtb)` and
//! `bulkhead_secondary_main(index)`, which the kernel above the arch layer
//! defines (`main.rs`, `cpus.rs`), as the vector table calls the trap
//! handlers `traps.rs` defines: the arch layer names no module above it.

use core::arch::global_asm;

/// Bytes of each secondary CPU's stack (must match `STACKS` in build.rs).
pub const STACK_SIZE: usize = 128 * 1024;
/// Bytes of the boot CPU's stack, slot 0 (must match build.rs): it decodes
/// the boot configuration (39 KiB with 16 domains of 32 capabilities), and
/// serde's and `bulkhead_primary_main`'s frames hold it by value several
/// times over (about 330 KiB measured).
pub const BOOT_STACK_SIZE: usize = 1024 * 1024;

global_asm!(
    r#"
    .section .text.head, "ax"
    .global _start
_start:
    b       primary_entry           // code0
    .long   0                       // code1
    .quad   __text_offset           // text_offset
    .quad   __image_size            // image_size
    .quad   0x2                     // flags: LE, 4 KiB pages, at RAM base
    .quad   0                       // res2
    .quad   0                       // res3
    .quad   0                       // res4
    .ascii  "ARM\x64"               // magic
    .long   0                       // res5: no PE/COFF header

primary_entry:
    mov     x19, x0                 // device tree address
    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #2
    b.ne    cpu_park                // not entered at EL2: nothing to do
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  ldr     x1, =__stacks_start
    add     x1, x1, #{boot_stack}   // slot 0: the boot CPU
    mov     sp, x1
    ldr     x1, =el2_vectors
    msr     vbar_el2, x1
    isb
    mov     x0, x19
    bl      bulkhead_primary_main
    b       cpu_park

    .global secondary_entry
secondary_entry:                    // x0 = context id = device-tree CPU index
    ldr     x1, =__stacks_start
    add     x1, x1, #{boot_stack}   // past slot 0
    add     x2, x0, #1              // slot i+1, stack top at its end
    mov     x3, #{stack}
    madd    x1, x2, x3, x1
    mov     sp, x1
    ldr     x1, =el2_vectors
    msr     vbar_el2, x1
    isb
    bl      bulkhead_secondary_main
cpu_park:
    wfe
    b       cpu_park
"#,
    stack = const STACK_SIZE,
    boot_stack = const BOOT_STACK_SIZE,
);

unsafe extern "C" {
    /// PSCI CPU_ON entry point of secondary CPUs (defined above).
    pub safe fn secondary_entry();
}
