// SPDX-License-Identifier: MIT
//! The runtime of a bare-metal Bulkhead domain (EL1): entry, stack, `.bss`,
//! hypercalls, console and panic. One of the places `unsafe` may live.
//!
//! A domain crate writes `domain_rt::entry!(main);` and a `fn main()`. The
//! runtime owns the CPU from reset to `main`, and turns a return or a panic
//! into a PSCI `SYSTEM_OFF` of the domain. It must not know about any
//! particular domain.
#![no_std]
#![warn(missing_docs)]

mod console;
mod hvc;

pub use console::{Console, print};
pub use hvc::{heartbeat, system_off};

core::arch::global_asm!(
    r#"
    .section .text.entry, "ax"
    .global _start
_start:
    ldr     x1, =__bss_start
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  ldr     x1, =__stack_top
    mov     sp, x1
    bl      domain_rt_start
3:  wfi
    b       3b
"#
);

unsafe extern "Rust" {
    /// The domain's `main`, provided through [`entry!`].
    safe fn __domain_main();
}

#[unsafe(no_mangle)]
extern "C" fn domain_rt_start() -> ! {
    __domain_main();
    system_off()
}

/// Declares the domain's `main` function.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn __domain_main() {
            let main: fn() = $main;
            main()
        }
    };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    use core::fmt::Write;
    let _ = writeln!(Console, "panic: {}", info.message());
    system_off()
}
