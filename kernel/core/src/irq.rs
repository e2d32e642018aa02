// SPDX-License-Identifier: MIT
//! What a physical interrupt acknowledged at EL2 is for: the one
//! classification every place that takes interrupts uses (a domain's trap
//! path, the `Wait` sleep, a parked pCPU, the Group 0 path), so that none
//! of them can hand one of the kernel's interrupts to a guest.
//!
//! The danger this closes: a domain with an emulated console owns virtual
//! SPI 33, the same number as the console UART's physical receive
//! interrupt on QEMU virt. A path that forwarded "anything not the kick,
//! the timer or maintenance" by number gave the kernel's console input to
//! that domain (whose disabled virtual SPI then kept the physical one
//! active: no input for anyone).
//!
//! This module owns the decision only; the arch layer passes the numbers
//! in (its constants and the console's receive interrupt, once enabled)
//! and does what the class says.

/// The kernel's own interrupt numbers (GIC INTIDs) on this pCPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelIrqs {
    /// The kick SGI.
    pub kick: u32,
    /// The EL2 physical timer's PPI (watchdog, restart back-off).
    pub hyp_timer: u32,
    /// The GIC maintenance PPI.
    pub maintenance: u32,
    /// The EL1 virtual timer's PPI (a guest interrupt, checked first: the
    /// most frequent one).
    pub vtimer: u32,
    /// The console UART's receive SPI, once enabled (0: none).
    pub console_input: u32,
}

/// What to do with an acknowledged physical interrupt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhysIrq {
    /// The running vCPU's virtual timer: forward it.
    GuestTimer,
    /// The kernel's kick: look at the mailbox and the domain's state.
    Kick,
    /// The EL2 physical timer.
    HypTimer,
    /// List registers need refilling.
    Maintenance,
    /// Bytes were typed on the kernel's console: the kernel reads them,
    /// whatever the number means in any domain's virtual GIC.
    ConsoleInput,
    /// Anything else: forwarded if the running domain owns it, else
    /// deactivated as stray.
    Guest,
}

/// Classifies `intid`.
#[inline(always)]
pub fn classify(intid: u32, k: &KernelIrqs) -> PhysIrq {
    if intid == k.vtimer {
        PhysIrq::GuestTimer
    } else if intid == k.kick {
        PhysIrq::Kick
    } else if intid == k.hyp_timer {
        PhysIrq::HypTimer
    } else if intid == k.maintenance {
        PhysIrq::Maintenance
    } else if intid >= 32 && intid == k.console_input {
        PhysIrq::ConsoleInput
    } else {
        PhysIrq::Guest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: KernelIrqs = KernelIrqs { kick: 0, hyp_timer: 26, maintenance: 25, vtimer: 27, console_input: 33 };

    #[test]
    fn the_kernels_interrupts_are_its_own() {
        assert_eq!(classify(27, &K), PhysIrq::GuestTimer);
        assert_eq!(classify(0, &K), PhysIrq::Kick);
        assert_eq!(classify(26, &K), PhysIrq::HypTimer);
        assert_eq!(classify(25, &K), PhysIrq::Maintenance);
        // INTID 33 is also a console domain's virtual SPI: physically it
        // is always the kernel's console input.
        assert_eq!(classify(33, &K), PhysIrq::ConsoleInput);
    }

    #[test]
    fn everything_else_is_a_guests() {
        for intid in [1, 2, 16, 30, 32, 34, 48, 1019] {
            assert_eq!(classify(intid, &K), PhysIrq::Guest, "INTID {intid}");
        }
    }

    #[test]
    fn no_console_input_until_enabled() {
        let k = KernelIrqs { console_input: 0, ..K };
        assert_eq!(classify(33, &k), PhysIrq::Guest);
        assert_eq!(classify(0, &k), PhysIrq::Kick, "0 means none, not the kick");
    }
}
