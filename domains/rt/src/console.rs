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
    call(Hypercall::ConsoleWrite as u32, s.as_ptr() as u64, s.len() as u64);
}
