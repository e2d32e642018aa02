// SPDX-License-Identifier: MIT
//! Hypercall function numbers, in the SMCCC "vendor-specific hypervisor
//! service" range (fast calls, 64-bit: 0xC600_0000..). Arguments in x1..x3,
//! result in x0 (0 or a negative [`crate::Error`]). PSCI calls use their
//! standard numbers and return PSCI codes.

/// Bulkhead's own hypercalls, one enum for kernel and domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Hypercall {
    /// Write bytes to the domain's console: x1 = IPA, x2 = length (at most
    /// [`CONSOLE_WRITE_MAX`]).
    ConsoleWrite = 0xC600_0000,
    /// Tell the watchdog the domain is alive.
    Heartbeat = 0xC600_0001,
    /// The domain panicked (x1 = IPA, x2 = length of a message): a fault.
    Panic = 0xC600_0002,
    /// Does nothing; the cost of a hypercall round trip.
    Null = 0xC600_0003,
    /// Benchmark builds only: EL2 entries so far on pCPU x1.
    BenchEl2Entries = 0xC600_0004,
    /// Benchmark builds only: the caller's pCPU sleeps in `wfi` for x1
    /// milliseconds on the kernel's timer, so that other pCPUs run.
    BenchSleep = 0xC600_0005,
}

/// Longest console write accepted in one call.
pub const CONSOLE_WRITE_MAX: u64 = 256;

impl Hypercall {
    /// Every hypercall, for exhaustiveness checks.
    pub const ALL: [Hypercall; 6] =
        [Self::ConsoleWrite, Self::Heartbeat, Self::Panic, Self::Null, Self::BenchEl2Entries, Self::BenchSleep];

    /// Decodes a function number; `None` for anything else.
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0xC600_0000 => Some(Self::ConsoleWrite),
            0xC600_0001 => Some(Self::Heartbeat),
            0xC600_0002 => Some(Self::Panic),
            0xC600_0003 => Some(Self::Null),
            0xC600_0004 => Some(Self::BenchEl2Entries),
            0xC600_0005 => Some(Self::BenchSleep),
            _ => None,
        }
    }
}

/// PSCI function numbers (PSCI 1.1, SMC64 variants where both exist).
pub mod psci {
    /// PSCI_VERSION.
    pub const VERSION: u32 = 0x8400_0000;
    /// CPU_SUSPEND (SMC32).
    pub const CPU_SUSPEND_32: u32 = 0x8400_0001;
    /// CPU_SUSPEND (SMC64).
    pub const CPU_SUSPEND: u32 = 0xC400_0001;
    /// CPU_OFF.
    pub const CPU_OFF: u32 = 0x8400_0002;
    /// CPU_ON (SMC32).
    pub const CPU_ON_32: u32 = 0x8400_0003;
    /// CPU_ON (SMC64).
    pub const CPU_ON: u32 = 0xC400_0003;
    /// AFFINITY_INFO (SMC32).
    pub const AFFINITY_INFO_32: u32 = 0x8400_0004;
    /// AFFINITY_INFO (SMC64).
    pub const AFFINITY_INFO: u32 = 0xC400_0004;
    /// MIGRATE_INFO_TYPE.
    pub const MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
    /// SYSTEM_OFF.
    pub const SYSTEM_OFF: u32 = 0x8400_0008;
    /// SYSTEM_RESET.
    pub const SYSTEM_RESET: u32 = 0x8400_0009;
    /// PSCI_FEATURES.
    pub const FEATURES: u32 = 0x8400_000A;

    /// Success.
    pub const SUCCESS: i64 = 0;
    /// NOT_SUPPORTED.
    pub const NOT_SUPPORTED: i64 = -1;
    /// INVALID_PARAMETERS.
    pub const INVALID_PARAMETERS: i64 = -2;
    /// ALREADY_ON.
    pub const ALREADY_ON: i64 = -4;
    /// INVALID_ADDRESS.
    pub const INVALID_ADDRESS: i64 = -9;
}

/// PSCI `SYSTEM_OFF`.
pub const PSCI_SYSTEM_OFF: u32 = psci::SYSTEM_OFF;

/// Value of x3 when the kernel enters a domain ("BULKHEAD", little
/// endian): a domain image booted natively (no hypervisor, as the
/// benchmarks' native runs do) sees something else there.
pub const ENTRY_MAGIC: u64 = u64::from_le_bytes(*b"BULKHEAD");

#[allow(clippy::indexing_slicing, reason = "a compile-time loop bounded by its condition")]
const _: () = {
    let mut i = 0;
    while i < Hypercall::ALL.len() {
        let h = Hypercall::ALL[i];
        assert!(matches!(Hypercall::from_raw(h as u32), Some(d) if d as u32 == h as u32));
        i += 1;
    }
};

#[cfg(test)]
#[allow(
    clippy::identity_op,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    clippy::unwrap_used,
    reason = "tests"
)]
mod tests {
    use super::*;

    #[test]
    fn decoding_matches_the_discriminants() {
        for h in Hypercall::ALL {
            assert_eq!(Hypercall::from_raw(h as u32), Some(h));
        }
        assert_eq!(Hypercall::from_raw(0xC600_00FF), None);
        assert_eq!(Hypercall::from_raw(PSCI_SYSTEM_OFF), None);
    }
}
