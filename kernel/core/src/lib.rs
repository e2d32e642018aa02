// SPDX-License-Identifier: MIT
//! The Bulkhead kernel's logic that needs no hardware: it runs on the host
//! under `cargo test` exactly as it runs at EL2.
//!
//! This crate owns the kernel's decisions: what the firmware's device tree
//! says and whether it agrees with the configuration (`platform`,
//! `crosscheck`), which pCPU runs which vCPU (`pinning`), what each domain
//! may map (`stage2`), what a trap means (its syndrome decoded once in `esr`; `trap`,
//! `fault`, `serror`), what a
//! domain sees of the CPU (`idregs`) and how EL2 traps enforce it
//! (`el2ctl`), what its vCPUs start with (`entry`),
//! what the trap census of instrumented builds prints (`census`),
//! and what a hypercall or PSCI call does
//! (`hypercall`, `psci`, `console`, its output budget `ratelimit` and its
//! input focus `input_switch`), what a physical interrupt is for (`irq`),
//! when a failing domain is restarted (`restart`), and what a capability slot
//! looks like from inside (`caps`). It must never touch a register or a raw
//! pointer: the arch layer (`kernel/aarch64`) reads the hardware, hands this
//! crate plain data and carries out what it decides.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::cast_possible_truncation)]

pub mod banner;
pub mod boot_error;
pub mod caps;
pub mod census;
pub mod console;
pub mod crosscheck;
pub mod dirty;
pub mod dmop_audit;
pub mod el2ctl;
pub mod entry;
pub mod esr;
pub mod fault;
pub mod grants;
pub mod hypercall;
pub mod idregs;
pub mod input_switch;
pub mod ioreq;
pub mod irq;
pub mod pinning;
pub mod platform;
pub mod psci;
pub mod ratelimit;
pub mod restart;
pub mod serror;
pub mod shared_mmio;
pub mod stage2;
pub mod trap;
pub mod vgic;
pub mod vuart;

#[cfg(test)]
mod testing;

pub use banner::Banner;
pub use boot_error::BootError;
pub use crosscheck::cross_check;
pub use platform::{PlatformFacts, read_platform};
