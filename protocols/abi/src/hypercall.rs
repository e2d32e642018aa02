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
    /// Describes capability slot x1 into the buffer at IPA x2 (x3 bytes,
    /// at least [`CAP_INFO_LEN`]); see [`CapInfo`].
    CapInfo = 0xC600_0006,
    /// Rings the doorbell of the channel in slot x1: the peer's pending
    /// set gains the peer's slot for that channel, and it is woken.
    Notify = 0xC600_0007,
    /// Returns and clears the caller's pending doorbells (bit n: slot n).
    Pending = 0xC600_0008,
    /// The connection epoch of the channel in slot x1 (a positive number
    /// that changes whenever a domain at either end stops).
    ChannelEpoch = 0xC600_0009,
    /// Waits for doorbells with WFI semantics: returns and clears the
    /// caller's pending doorbells (bit n: slot n) as soon as there are
    /// any; otherwise the pCPU sleeps at EL2 until something wakes it and
    /// the call may return 0 (a spurious wake-up, as `wfi` may have).
    Wait = 0xC600_000A,
    /// Benchmark builds only: how much the caller's PMU event counter 0
    /// advanced while its pCPU slept inside `Wait` (under `-icount`, a
    /// sleeping vCPU's counter keeps counting other vCPUs' instructions;
    /// this is what to subtract to get the kernel's own work).
    BenchWaitSlept = 0xC600_000B,
    /// Copies the domain's parameter string (the board file's `params`)
    /// into the buffer at IPA x1 (x2 bytes); returns its length. A buffer
    /// too small gets as much as fits; the full length is still returned.
    Params = 0xC600_000C,
}

/// Bytes of a [`CapInfo`] record.
pub const CAP_INFO_BYTES: usize = 48;
/// The same, as a hypercall argument.
pub const CAP_INFO_LEN: u64 = CAP_INFO_BYTES as u64;

/// What `CapInfo` writes, little endian: kind (u32: 1 channel, 2 device,
/// 3 interrupt, 4 console, 5 device-model target), end (u32), guest
/// address (u64), size (u64), then the name (24 bytes, NUL padded).
///
/// Per kind: a channel gives its window (address, size), this domain's end
/// and the channel's name; a device its MMIO range, its first interrupt's
/// INTID in `end` (0 if it has none) and its name; an interrupt
/// its INTID in `end` and the name "irq"; a device-model target the target
/// domain's index in `end`, the emulated range in the target's address
/// space, and the target's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapInfo {
    /// [`crate::CapKind::TAG`] of what the slot holds.
    pub kind: u32,
    /// A channel: this domain's end (0 or 1); an interrupt: its INTID; a
    /// device-model target: the target domain's index.
    pub end: u32,
    /// Where it is (channel window, device MMIO, the emulated range in the
    /// target's address space; 0 otherwise).
    pub ipa: u64,
    /// Its size.
    pub size: u64,
    /// Its name in the board file.
    pub name: [u8; 24],
}

impl CapInfo {
    /// The record as bytes.
    pub fn to_bytes(&self) -> [u8; CAP_INFO_BYTES] {
        let mut out = [0u8; CAP_INFO_BYTES];
        let (head, name) = out.split_at_mut(24);
        let (kind, rest) = head.split_at_mut(4);
        let (end, rest) = rest.split_at_mut(4);
        let (ipa, size) = rest.split_at_mut(8);
        kind.copy_from_slice(&self.kind.to_le_bytes());
        end.copy_from_slice(&self.end.to_le_bytes());
        ipa.copy_from_slice(&self.ipa.to_le_bytes());
        size.copy_from_slice(&self.size.to_le_bytes());
        name.copy_from_slice(&self.name);
        out
    }

    /// Parses a record.
    pub fn from_bytes(bytes: &[u8; CAP_INFO_BYTES]) -> Self {
        let word = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(bytes.get(at..at + 8).unwrap_or(&[0; 8]));
            u64::from_le_bytes(b)
        };
        let mut name = [0u8; 24];
        name.copy_from_slice(bytes.get(24..48).unwrap_or(&[0; 24]));
        Self { kind: (word(0) & 0xffff_ffff) as u32, end: (word(0) >> 32) as u32, ipa: word(8), size: word(16), name }
    }
}

/// Longest console write accepted in one call.
pub const CONSOLE_WRITE_MAX: u64 = 256;

impl Hypercall {
    /// Every hypercall, for exhaustiveness checks.
    pub const ALL: [Hypercall; 13] = [
        Self::ConsoleWrite,
        Self::Heartbeat,
        Self::Panic,
        Self::Null,
        Self::BenchEl2Entries,
        Self::BenchSleep,
        Self::CapInfo,
        Self::Notify,
        Self::Pending,
        Self::ChannelEpoch,
        Self::Wait,
        Self::BenchWaitSlept,
        Self::Params,
    ];

    /// Decodes a function number; `None` for anything else.
    pub const fn from_raw(raw: u32) -> Option<Self> {
        match raw {
            0xC600_0000 => Some(Self::ConsoleWrite),
            0xC600_0001 => Some(Self::Heartbeat),
            0xC600_0002 => Some(Self::Panic),
            0xC600_0003 => Some(Self::Null),
            0xC600_0004 => Some(Self::BenchEl2Entries),
            0xC600_0005 => Some(Self::BenchSleep),
            0xC600_0006 => Some(Self::CapInfo),
            0xC600_0007 => Some(Self::Notify),
            0xC600_0008 => Some(Self::Pending),
            0xC600_0009 => Some(Self::ChannelEpoch),
            0xC600_000A => Some(Self::Wait),
            0xC600_000B => Some(Self::BenchWaitSlept),
            0xC600_000C => Some(Self::Params),
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

/// Arm architecture calls of the SMC Calling Convention (SMCCC 1.1,
/// owner 0), which Linux probes next to PSCI.
pub mod smccc {
    /// SMCCC_VERSION.
    pub const VERSION: u32 = 0x8000_0000;
    /// SMCCC_ARCH_FEATURES.
    pub const ARCH_FEATURES: u32 = 0x8000_0001;
    /// SMCCC_ARCH_SOC_ID.
    pub const ARCH_SOC_ID: u32 = 0x8000_0002;
    /// SMCCC_ARCH_WORKAROUND_1 (Spectre variant 2).
    pub const ARCH_WORKAROUND_1: u32 = 0x8000_8000;
    /// SMCCC_ARCH_WORKAROUND_2 (speculative store bypass).
    pub const ARCH_WORKAROUND_2: u32 = 0x8000_7FFF;
    /// SMCCC_ARCH_WORKAROUND_3 (branch history injection).
    pub const ARCH_WORKAROUND_3: u32 = 0x8000_3FFF;
    /// The version the kernel implements: 1.1.
    pub const VERSION_1_1: i64 = 0x0001_0001;
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
    fn cap_info_round_trips() {
        let mut name = [0u8; 24];
        name[..4].copy_from_slice(b"ping");
        let info = CapInfo { kind: 1, end: 1, ipa: 0x5000_0000, size: 0x1_0000, name };
        assert_eq!(CapInfo::from_bytes(&info.to_bytes()), info);
    }

    #[test]
    fn decoding_matches_the_discriminants() {
        for h in Hypercall::ALL {
            assert_eq!(Hypercall::from_raw(h as u32), Some(h));
        }
        assert_eq!(Hypercall::from_raw(0xC600_00FF), None);
        assert_eq!(Hypercall::from_raw(PSCI_SYSTEM_OFF), None);
    }
}
