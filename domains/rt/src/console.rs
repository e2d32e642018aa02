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

/// Writes `s` to the console.
pub fn print(s: &str) {
    // The IPA of the string is its address: domains run with their MMU
    // off or identity-mapped at boot.
    for chunk in s.as_bytes().chunks(bulkhead_abi::hypercall::CONSOLE_WRITE_MAX as usize) {
        call(Hypercall::ConsoleWrite as u32, chunk.as_ptr() as u64, chunk.len() as u64, 0);
    }
}
