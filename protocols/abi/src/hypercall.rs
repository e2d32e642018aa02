// SPDX-License-Identifier: MIT
//! Hypercall function numbers, in the SMCCC "vendor-specific hypervisor
//! service" range (fast calls, 64-bit: 0xC600_0000..=0xC600_FFFF).
//! Arguments in x1..x3, result in x0 (0 or a negative [`crate::Error`]).
//! PSCI and the SMCCC architecture calls use their standard numbers, which
//! the `smccc` crate defines, and return PSCI codes.
//!
//! Each number is written once, as the discriminant of a [`Hypercall`]
//! variant: decoding (`Hypercall::try_from(u32)`) is derived from it, and
//! [`Hypercall::all`] finds every variant by decoding the whole range. To
//! add a hypercall: a variant here, its arm in the kernel's
//! `kernel_core::hypercall::dispatch` (the compiler asks for it), and, if
//! it needs the kernel's help, a method of `kernel_core::hypercall::Services`
//! implemented by the arch layer's `Caller` and the tests' fake; a wrapper
//! in `domain_rt` if domains call it.

use num_enum::{IntoPrimitive, TryFromPrimitive};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Bulkhead's own hypercalls, one enum for kernel and domains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, TryFromPrimitive, IntoPrimitive)]
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
    /// Device model: the page at IPA x2 (4 KiB, in the caller's RAM)
    /// receives the ioreqs of the target named by device-model slot x1,
    /// one [`crate::ioreq::IoreqSlot`] per target vCPU
    /// ([`crate::ioreq`]); the kernel writes it, never reads it. Until a
    /// device model registers one (again after each of its restarts), the
    /// target's accesses wait and then fail as bus errors.
    DmIoreqPage = 0xC600_000D,
    /// Device model: completes the ioreq `x2 & 0xffff_ffff` (its id) of
    /// target vCPU `x2 >> 32` of the target named by slot x1; x3 is the
    /// value a read returns (ignored for a write).
    DmIoreqComplete = 0xC600_000E,
    /// Device model: how many vCPUs the target named by slot x1 has.
    DmNrVcpus = 0xC600_000F,
    /// Device model: stops the target named by slot x1 (x2 = 0), or
    /// restarts it (x2 = 1), as its board entry's `on_fault` would.
    DmRemoteShutdown = 0xC600_0010,
    /// Device model: sets the line of the interrupt in device-model slot
    /// x1 (an emulated device's SPI in its target's virtual GIC) high
    /// (x2 = 1: pending for the vCPU the target routed it to) or low
    /// (x2 = 0: a copy not yet delivered is withdrawn).
    DmSetIrqLevel = 0xC600_0011,
    /// Device model: the life of the target named by slot x1, a number
    /// that changes the moment the target begins to stop (a fault, a
    /// restart, a remote shutdown) and stays the same for the whole of
    /// one life. A device model whose target's life changed resets its
    /// devices: the queues it knew are in memory the kernel reloads.
    DmTargetLife = 0xC600_0012,
    /// Device model: the dirty pages of the tracked range in slot x1 (a
    /// `DmVram` capability): bit n of the bitmap written at IPA x2 (x3
    /// bytes, in the caller's RAM, at least one bit per page of the range)
    /// says page n was written (by the target, or by the device model's
    /// `DmModifiedMemory`) since the last call; returns how many. The
    /// pages reported are write-protected again, so that the target's
    /// next write to each is seen.
    DmTrackDirty = 0xC600_0013,
    /// Device model: marks pages x2..x2 + x3 of the tracked range in slot
    /// x1 dirty (it wrote them itself), so that the next `DmTrackDirty`
    /// reports them.
    DmModifiedMemory = 0xC600_0014,
}

/// What `CapInfo` writes, little endian: kind (u32: 1 channel, 2 device,
/// 3 interrupt, 4 console, 5 device-model target, 6 device-model
/// interrupt, 7 a target's memory, 8 kept memory, 9 a tracked range of a
/// target's RAM), end (u32), guest
/// address (u64), size (u64), then the name (24 bytes, NUL padded). The
/// bytes are the struct's own (`zerocopy::IntoBytes`, no padding): both
/// ends are little-endian aarch64 (and the host tests little-endian too).
///
/// Per kind: a channel gives its window (address, size), this domain's end
/// and the channel's name; a device its MMIO range, its first interrupt's
/// INTID in `end` (0 if it has none) and its name; an interrupt
/// its INTID in `end` and the name "irq"; a device-model target the target
/// domain's index in `end`, the emulated range in the target's address
/// space, and the target's name; a device-model interrupt the target's
/// index in `end`, the INTID in `size` and the target's name; a target's
/// memory the target's index in `end`, where its RAM appears in the
/// device model's space (`ioreq::guest_window(k)` plus the RAM's guest
/// address) in `ipa`, the RAM's size, and the target's name; kept memory
/// (the domain's own, which the kernel zeroes at boot and never again) its
/// range and the name "kept"; a tracked range the target's index in `end`,
/// the range in the target's address space and the target's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
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

#[cfg(not(target_endian = "little"))]
compile_error!("CapInfo is written in the CPU's byte order, which the ABI fixes as little endian");

/// Bytes of a [`CapInfo`] record.
pub const CAP_INFO_BYTES: usize = core::mem::size_of::<CapInfo>();
/// The same, as a hypercall argument.
pub const CAP_INFO_LEN: u64 = CAP_INFO_BYTES as u64;
const _: () = assert!(CAP_INFO_BYTES == 48);

impl CapInfo {
    /// The record as bytes (its memory, see [`CapInfo`]).
    pub fn to_bytes(&self) -> [u8; CAP_INFO_BYTES] {
        zerocopy::transmute!(*self)
    }

    /// Reads a record.
    pub fn from_bytes(bytes: &[u8; CAP_INFO_BYTES]) -> Self {
        zerocopy::transmute!(*bytes)
    }
}

/// Longest console write accepted in one call.
pub const CONSOLE_WRITE_MAX: u64 = 256;

impl Hypercall {
    /// Every hypercall, in number order: each function number of the
    /// vendor-specific hypervisor service range that decodes.
    pub fn all() -> impl Iterator<Item = Hypercall> {
        (0xC600_0000..=0xC600_FFFF_u32).filter_map(|raw| Self::try_from(raw).ok())
    }
}

/// Value of x3 when the kernel enters a domain ("BULKHEAD", little
/// endian): a domain image booted natively (no hypervisor, as the
/// benchmarks' native runs do) sees something else there. With it, x1
/// holds the domain's restarts and x2 the physical address of its first
/// RAM region (the address its devices' DMA must use for it).
pub const ENTRY_MAGIC: u64 = u64::from_le_bytes(*b"BULKHEAD");

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    #[test]
    fn cap_info_is_laid_out_as_documented() {
        let mut name = [0u8; 24];
        name[..4].copy_from_slice(b"ping");
        let info = CapInfo { kind: 1, end: 1, ipa: 0x5000_0000, size: 0x1_0000, name };
        let mut expected = [0u8; CAP_INFO_BYTES];
        expected[0] = 1;
        expected[4] = 1;
        expected[8..16].copy_from_slice(&0x5000_0000u64.to_le_bytes());
        expected[16..24].copy_from_slice(&0x1_0000u64.to_le_bytes());
        expected[24..28].copy_from_slice(b"ping");
        assert_eq!(info.to_bytes(), expected);
        assert_eq!(info.as_bytes(), expected);
        assert_eq!(CapInfo::from_bytes(&expected), info);
    }

    #[test]
    fn decoding_matches_the_discriminants() {
        let all: Vec<Hypercall> = Hypercall::all().collect();
        assert_eq!(all.len(), 21);
        assert_eq!(all.first(), Some(&Hypercall::ConsoleWrite));
        assert_eq!(all.last(), Some(&Hypercall::DmModifiedMemory));
        for h in all {
            assert_eq!(Hypercall::try_from(u32::from(h)), Ok(h));
        }
        assert!(Hypercall::try_from(0xC600_00FF).is_err());
        assert!(Hypercall::try_from(smccc::psci::PSCI_SYSTEM_OFF).is_err());
    }
}
