// SPDX-License-Identifier: MIT
//! The Bulkhead EL2 kernel for aarch64.
//!
//! `arch/` is the only place with `unsafe`: entry, vectors, firmware calls,
//! UART registers, raw views of the device tree and payload. Everything
//! that decides something lives in `kernel-core` and is tested on the host.
//! This file is the boot sequence and nothing else.
#![no_std]
#![no_main]

mod arch;
#[macro_use]
mod log;
mod boot;
mod console;
mod cpus;
mod domains;
mod doorbell;
mod panic;
mod percpu;
mod traps;
mod vgic;
mod vuart;

use bulkhead_abi::ExitCode;

/// The primary CPU's Rust entry, called by `arch::entry` with the device
/// tree's address.
fn primary_main(dtb_addr: usize) -> ! {
    match boot::boot(dtb_addr) {
        Ok(boot_cpu) => domains::run_pcpu(boot_cpu),
        Err(error) => {
            kprintln!("boot error: {}", log::Show(&error));
            arch::system::stop(ExitCode::BootError)
        }
    }
}
