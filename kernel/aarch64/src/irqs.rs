// SPDX-License-Identifier: MIT
//! Physical interrupts acknowledged at EL2, below every path that takes
//! them (the trap handlers, `Wait`, a parked pCPU): what one is for
//! (`kernel_core::irq` classifies), the console's input ended at EL2, a
//! guest's interrupt forwarded to its vCPU.
//!
//! Owns nothing; must not decide a domain's life (a kick or the watchdog
//! is the caller's to act on: `domains`). No `unsafe`.
#![deny(unsafe_code)]

use crate::arch::gic;
use kernel_core::irq::{KernelIrqs, PhysIrq};

/// What a physical interrupt acknowledged at EL2 is for: the one
/// classification (`kernel_core::irq`) that every path taking interrupts
/// uses (this file's IRQ and FIQ paths, `Wait`, a parked pCPU), so that no
/// path forwards one of the kernel's own (the console's input among them)
/// to a guest.
#[inline(always)]
pub fn classify_irq(intid: u32) -> PhysIrq {
    let kernel = KernelIrqs {
        kick: u32::from(gic::KICK),
        hyp_timer: u32::from(gic::HYP_TIMER),
        maintenance: u32::from(gic::MAINTENANCE),
        vtimer: u32::from(gic::VTIMER),
        console_input: crate::console_input::input_irq(),
    };
    kernel_core::irq::classify(intid, &kernel)
}

/// The kernel's console input, taken at EL2 (the IRQ path and `Wait`):
/// never the domain's, whatever its virtual GIC calls that number.
#[inline(always)]
pub fn console_input(intid: arm_gic::IntId) {
    crate::console_input::physical_input();
    gic::end(intid);
}

/// A guest's interrupt taken at EL2 on pCPU `p` (the IRQ path and `Wait`):
/// its priority dropped now and forwarded to the vCPU (whose EOI
/// deactivates it), or deactivated as stray.
#[inline(always)]
pub fn forward_guest_irq(p: usize, intid: arm_gic::IntId) {
    gic::priority_drop(intid);
    if !crate::vgic::forward(p, u32::from(intid)) {
        crate::arch::vgic::deactivate(u32::from(intid));
    }
}
