// SPDX-License-Identifier: MIT
//! The domain's console: bytes go to the kernel through the console
//! hypercall, which prefixes them with the domain's name.

use crate::hvc::call;
use bulkhead_abi::Hypercall;
use core::fmt;

/// The console, as a `fmt::Write`.
pub struct Console;

impl fmt::Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        print(s);
        Ok(())
    }
}

/// QEMU virt's PL011 data and flag registers, for native runs only.
const NATIVE_UART: usize = 0x0900_0000;

fn native_print(s: &str) {
    for &b in s.as_bytes() {
        // SAFETY: only in a native run on QEMU virt, where this domain is
        // the only software and the PL011 sits at NATIVE_UART: read FR.
        while unsafe { core::ptr::read_volatile((NATIVE_UART + 0x18) as *const u32) } & (1 << 5) != 0 {}
        // SAFETY: as above: write DR.
        unsafe { core::ptr::write_volatile(NATIVE_UART as *mut u32, u32::from(b)) };
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
