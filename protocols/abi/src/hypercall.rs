// SPDX-License-Identifier: MIT
//! Hypercall function numbers, in the SMCCC "vendor-specific hypervisor
//! service" range (fast calls, 64-bit: 0xC600_0000..). Arguments in x1..x6,
//! result in x0. PSCI calls use their standard numbers.

/// Bulkhead's own hypercalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Hypercall {
    /// Write bytes to the domain's console: x1 = IPA, x2 = length.
    ConsoleWrite = 0xC600_0000,
    /// Tell the watchdog the domain is alive.
    Heartbeat = 0xC600_0001,
}

impl Hypercall {
    /// Decodes a function number; `None` for anything else.
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0xC600_0000 => Some(Self::ConsoleWrite),
            0xC600_0001 => Some(Self::Heartbeat),
            _ => None,
        }
    }
}

/// PSCI `SYSTEM_OFF`.
pub const PSCI_SYSTEM_OFF: u32 = 0x8400_0008;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_matches_the_discriminants() {
        for h in [Hypercall::ConsoleWrite, Hypercall::Heartbeat] {
            assert_eq!(Hypercall::from_raw(h as u32), Some(h));
        }
        assert_eq!(Hypercall::from_raw(0xC600_00FF), None);
        assert_eq!(Hypercall::from_raw(PSCI_SYSTEM_OFF), None);
    }
}
