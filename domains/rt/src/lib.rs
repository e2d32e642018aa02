// SPDX-License-Identifier: MIT
//! The runtime of a bare-metal Bulkhead domain (EL1): entry, stacks, `.bss`,
//! hypercalls, console, panic, and interrupts ([`irq`], [`gic`], [`timer`]).
//! One of the places `unsafe` may live.
//!
//! A domain crate writes `domain_rt::entry!(main);` and a
//! `fn main(boot: Boot)`. vCPU 0 enters first (the kernel passes the number
//! of restarts in x1); other vCPUs enter the same way after `cpu_on`. The
//! runtime turns a return from `main` into CPU_OFF (other vCPUs) or
//! SYSTEM_OFF (vCPU 0), and a panic into the panic hypercall. It must not
//! know about any particular domain.
#![no_std]
#![warn(missing_docs)]

pub mod arena;
pub mod caps;
mod console;
pub mod dm;
pub mod dma;
pub mod gic;
#[cfg(feature = "heap")]
mod heap;
mod hvc;
pub mod irq;
pub mod kept;
pub mod nap;
pub mod peer;
pub mod probe;
pub mod timer;

use core::sync::atomic::{AtomicBool, Ordering};

pub use console::{Console, print, set_native_uart};
pub use hvc::{call, cpu_on, heartbeat, system_off, system_reset};

/// With the `image-header` feature the image starts with the 64-byte arm64
/// `Image` header (Linux's Documentation/arch/arm64/booting.rst: a branch
/// over it, text_offset 0, image_size up to the end of the stacks, the
/// `ARM\x64` magic), so that a hypervisor that boots only Linux-style
/// images (Xen) can load it; the ELF entry is still `_start`.
#[cfg(feature = "image-header")]
macro_rules! image_header {
    () => {
        r#"
    .section .text.entry, "ax"
    .global _start
_start:
    b       .Lpast_header           // code0
    .word   0                       // code1
    .quad   0                       // text_offset
    .quad   __stacks_end - _start   // image_size
    .quad   0                       // flags: little-endian
    .quad   0, 0, 0                 // res2..res4
    .byte   0x41, 0x52, 0x4d, 0x64  // magic "ARM\x64"
    .word   0                       // res5
.Lpast_header:
"#
    };
}
#[cfg(not(feature = "image-header"))]
macro_rules! image_header {
    () => {
        r#"
    .section .text.entry, "ax"
    .global _start
_start:
"#
    };
}

core::arch::global_asm!(
    image_header!(),
    r#"
    mov     x9, #(3 << 20)          // CPACR_EL1.FPEN: Rust code for this
    msr     cpacr_el1, x9           // target may use FP/SIMD registers
    isb
    mrs     x9, mpidr_el1
    and     x9, x9, #0xff           // compact vCPU id
    cmp     x9, #4
    b.hs    4f
    cbnz    x9, 2f                  // only vCPU 0 clears .bss
    ldr     x10, =__bss_start
    ldr     x11, =__bss_end
1:  cmp     x10, x11
    b.hs    2f
    stp     xzr, xzr, [x10], #16
    b       1b
2:  ldr     x10, =__stacks_start
    add     x11, x9, #1
    ldr     x12, =__stack_slot_bytes    // guard page + stack (domain.x)
    madd    x10, x11, x12, x10
    mov     sp, x10
    mov     x4, x9                  // x0 context, x1 restarts, x2 RAM's PA, x3 magic, x4 vCPU
    bl      domain_rt_start
4:  wfi
    b       4b
"#,
);

/// What a vCPU learns at entry.
#[derive(Debug, Clone, Copy)]
pub struct Boot {
    /// Its compact id (0 for the first vCPU).
    pub vcpu: usize,
    /// x0 at entry: CPU_ON's context id (0 for the first vCPU).
    pub context: u64,
    /// How many times the kernel restarted this domain.
    pub restarts: u64,
}

unsafe extern "Rust" {
    /// The domain's `main`, provided through [`entry!`].
    safe fn __domain_main(boot: Boot);
}

/// Set when the image was booted without Bulkhead (benchmarks' native runs).
static NATIVE: AtomicBool = AtomicBool::new(false);

/// Whether this image runs without the hypervisor (a native benchmark run
/// on QEMU virt: console on its PL011, PSCI through QEMU's firmware).
pub fn native() -> bool {
    NATIVE.load(Ordering::Relaxed)
}

#[unsafe(no_mangle)]
extern "C" fn domain_rt_start(context: u64, restarts: u64, ram_phys: u64, magic: u64, vcpu: usize) -> ! {
    if vcpu == 0 {
        let native = magic != bulkhead_abi::hypercall::ENTRY_MAGIC;
        NATIVE.store(native, Ordering::Relaxed);
        dma::set_ram_phys(if native { dma::image_base() } else { ram_phys });
        #[cfg(feature = "heap")]
        heap::init();
    }
    __domain_main(Boot { vcpu, context, restarts });
    if vcpu == 0 {
        system_off()
    }
    loop {
        call(smccc::psci::PSCI_CPU_OFF, 0, 0, 0);
    }
}

/// The address where every vCPU enters (for `cpu_on`).
pub fn entry_point() -> u64 {
    unsafe extern "C" {
        fn _start();
    }
    _start as *const () as u64
}

/// Declares the domain's `main(boot: Boot)`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn __domain_main(boot: $crate::Boot) {
            let main: fn($crate::Boot) = $main;
            main(boot)
        }
    };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut message = heapless_line::Line::new();
    let _ = core::fmt::Write::write_fmt(&mut message, format_args!("panic: {}", info.message()));
    let bytes = message.as_bytes();
    if native() {
        // No kernel to report to: say it on the PL011 and stop the machine.
        print(core::str::from_utf8(bytes).unwrap_or("panic"));
        print("\n");
        system_off();
    }
    loop {
        call(bulkhead_abi::Hypercall::Panic as u32, bytes.as_ptr() as u64, bytes.len() as u64, 0);
    }
}

mod heapless_line {
    //! A fixed buffer for the panic message (no allocator).
    pub struct Line {
        buf: [u8; 200],
        len: usize,
    }

    impl Line {
        pub const fn new() -> Self {
            Self { buf: [0; 200], len: 0 }
        }

        pub fn as_bytes(&self) -> &[u8] {
            self.buf.get(..self.len).unwrap_or(&[])
        }
    }

    impl core::fmt::Write for Line {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            for &b in s.as_bytes() {
                if let Some(slot) = self.buf.get_mut(self.len) {
                    *slot = b;
                    self.len += 1;
                }
            }
            Ok(())
        }
    }
}

/// `wfi`: sleeps until an interrupt (natively, or trapped, as the board
/// file says).
pub fn wait_for_interrupt() {
    // SAFETY: `wfi` only waits; it touches no memory.
    unsafe { core::arch::asm!("wfi", options(nomem, nostack, preserves_flags)) };
}

/// `wfe`: waits for an event or yields (under QEMU's TCG it yields the
/// host thread to the next vCPU). For vCPUs handing work over by a flag:
/// the other side calls [`send_event`] after setting it.
pub fn wait_for_event() {
    // SAFETY: `wfe` only waits; it touches no memory.
    unsafe { core::arch::asm!("wfe", options(nomem, nostack, preserves_flags)) };
}

/// `sev`: wakes every vCPU waiting in [`wait_for_event`].
pub fn send_event() {
    // SAFETY: `sev` only signals an event; it touches no memory.
    unsafe { core::arch::asm!("sev", options(nomem, nostack, preserves_flags)) };
}
