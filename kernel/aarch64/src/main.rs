// SPDX-License-Identifier: MIT
//! The Bulkhead EL2 kernel for aarch64.
//!
//! `arch/` is the only place with `unsafe` blocks: entry, vectors, per-CPU
//! register, firmware calls, UART registers, raw views of the device tree
//! and payload, the defmt logger. Every other module says
//! `#![deny(unsafe_code)]`; the one exception it allows, item by item, is
//! `#[unsafe(no_mangle)]` on the Rust functions the arch layer's assembly
//! calls by name (the CPU entries here and in `cpus.rs`, the trap handlers
//! in `traps.rs`). Everything that decides something lives in
//! `kernel-core` and is tested on the host. This file is the boot sequence
//! and nothing else.
//!
//! Modules, bottom up (none imports one above it): `arch` (mechanism),
//! `log`; `world` (shared state); `console`, `vgic`, `doorbell`; `vuart`;
//! `console_input`; `irqs`; `domains` (lives of domains); `traps`, `cpus`,
//! `boot`.
#![no_std]
#![no_main]

mod arch;
#[macro_use]
mod log;
mod boot;
mod console;
mod console_input;
mod cpus;
mod dirty;
mod domains;
mod doorbell;
mod ioreq;
mod irqs;
mod panic;
mod traps;
mod vgic;
mod vuart;
mod world;

use bulkhead_abi::ExitCode;

/// The primary CPU's Rust entry, called by `arch::entry`'s stub with the
/// device tree's address.
#[allow(unsafe_code, reason = "exported under the name the arch layer's assembly calls")]
#[unsafe(no_mangle)]
extern "C" fn bulkhead_primary_main(dtb_addr: usize) -> ! {
    match boot::boot(dtb_addr) {
        Ok(boot_cpu) => domains::run_pcpu(boot_cpu),
        Err(error) => {
            kprintln!("boot error: {}", log::Show(&error));
            arch::system::stop(ExitCode::BootError, log::stop_line)
        }
    }
}
