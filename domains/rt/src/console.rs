// SPDX-License-Identifier: MIT
//! The domain's console: bytes go to the kernel through the console
//! hypercall, which prefixes them with the domain's name.

use crate::hvc::call;
use bulkhead_abi::Hypercall;
use core::fmt;
use core::sync::atomic::{AtomicUsize, Ordering};

/// The console, as a `fmt::Write`.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        print(s);
        Ok(())
    }
}

/// QEMU virt's PL011, for native runs only.
const NATIVE_UART: usize = 0x0900_0000;

/// The PL011 a run without Bulkhead prints on (see [`set_native_uart`]).
static UART: AtomicUsize = AtomicUsize::new(NATIVE_UART);

/// Prints on the PL011 at `base` instead of QEMU virt's in a run without
/// Bulkhead (a guest of another hypervisor: Xen's vpl011 sits at
/// 0x2200_0000). `base` must be a PL011 (or an emulated one) this image
/// may drive.
pub fn set_native_uart(base: usize) {
    UART.store(base, Ordering::Relaxed);
}

fn native_print(s: &str) {
    let uart = UART.load(Ordering::Relaxed);
    for &b in s.as_bytes() {
        // SAFETY: only in a run without Bulkhead, where this domain is the
        // only software driving the PL011 at `uart` (QEMU virt's, or the
        // one `set_native_uart` named): read FR.
        while unsafe { core::ptr::read_volatile((uart + 0x18) as *const u32) } & (1 << 5) != 0 {}
        // SAFETY: as above: write DR.
        unsafe { core::ptr::write_volatile(uart as *mut u32, u32::from(b)) };
    }
}

/// Writes `s` to the console.
pub fn print(s: &str) {
    if crate::native() {
        return native_print(s);
    }
    // The IPA of the string is its address: domains run with their MMU
    // off or identity-mapped at boot.
    for chunk in s.as_bytes().chunks(bulkhead_abi::hypercall::CONSOLE_WRITE_MAX as usize) {
        call(Hypercall::ConsoleWrite as u32, chunk.as_ptr() as u64, chunk.len() as u64, 0);
    }
}
