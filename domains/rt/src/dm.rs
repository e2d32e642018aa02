// SPDX-License-Identifier: MIT
//! A device model's calls (DMOP): its device-model capabilities as seen
//! from inside, its ioreq page, and the operations on its targets, each
//! naming the target by the capability slot that grants it. The kernel
//! checks every call against that capability and audits refusals.
//!
//! Owns the wrappers only; what an ioreq means is the device model's.

use crate::caps::info;
use crate::hvc::call;
use crate::kept::KeptMemory;
use bulkhead_abi::ioreq::{IoreqSlot, PAGE_BYTES, SLOT_BYTES, completion_x2};
use bulkhead_abi::{CapInfo, CapKind, Hypercall};
use core::sync::atomic::{AtomicU32, Ordering};

/// Slots a domain can have.
const MAX_SLOTS: u64 = bulkhead_abi::CAP_SLOTS as u64;

/// One device-model capability: a range of a target it emulates.
#[derive(Debug, Clone, Copy)]
pub struct DmTarget {
    /// The slot (names the target in every call; its bit in the
    /// doorbells says an ioreq is posted).
    pub slot: u64,
    /// The description: `end` is the target's domain index, `ipa` and
    /// `size` the range, `name` the target's name.
    pub info: CapInfo,
}

/// One emulated device's interrupt: a virtual SPI of a target that this
/// device model raises and lowers.
#[derive(Debug, Clone, Copy)]
pub struct DmIrq {
    /// The slot (names the interrupt in [`set_irq_level`]).
    pub slot: u64,
    /// The target's domain index.
    pub target: u32,
    /// The SPI's INTID.
    pub intid: u32,
}

/// A part of a target's RAM whose writes the kernel tracks for this device
/// model (its board entry's `vram`).
#[derive(Debug, Clone, Copy)]
pub struct DmVram {
    /// The slot (names the range in [`track_dirty`] and
    /// [`modified_memory`]).
    pub slot: u64,
    /// The target's domain index.
    pub target: u32,
    /// Where the range is in the target's address space.
    pub ipa: u64,
    /// Its size in bytes.
    pub size: u64,
}

/// The pages of the range in `slot` written since the last call: bit n of
/// `bitmap` (one bit per page, at least) is page n; the call's x0 (how
/// many, or a negative error). The pages are write-protected again.
pub fn track_dirty(slot: u64, bitmap: &mut [u8]) -> u64 {
    call(Hypercall::DmTrackDirty as u32, slot, bitmap.as_mut_ptr() as u64, bitmap.len() as u64)
}

/// Tells the kernel this device model wrote pages `first..first + count`
/// of the range in `slot` itself; the call's x0.
pub fn modified_memory(slot: u64, first: u64, count: u64) -> u64 {
    call(Hypercall::DmModifiedMemory as u32, slot, first, count)
}

/// Raises (`high`) or lowers the line of the interrupt in `slot`; the
/// call's x0.
pub fn set_irq_level(slot: u64, high: bool) -> u64 {
    call(Hypercall::DmSetIrqLevel as u32, slot, u64::from(high), 0)
}

/// A target's RAM as its device model reaches it (`memory = true` in the
/// board entry): every guest address the target gives is an allegation,
/// checked against the RAM's range here before a byte moves, and copied
/// out before use.
#[derive(Debug, Clone, Copy)]
pub struct TargetMemory {
    /// The target's domain index.
    pub target: u32,
    /// The RAM's guest address (in the target's space).
    pub guest_base: u64,
    /// Its size.
    pub size: u64,
    /// Where it is in this domain's space.
    window: u64,
}

/// The guest range is not inside the target's RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideGuestRam;

/// This domain's device-model capabilities, read from its capability
/// table in one walk (in slot order). The table is dense from slot 0, so
/// the walk ends at the first empty slot: one `CapInfo` the kernel
/// refuses (and audits), however many lists the domain uses.
#[derive(Debug, Default)]
pub struct DmCaps {
    /// The emulated ranges (`DmTarget`).
    pub targets: heapless::Vec<DmTarget, { MAX_SLOTS as usize }>,
    /// The emulated devices' interrupts (`DmIrq`).
    pub irqs: heapless::Vec<DmIrq, { MAX_SLOTS as usize }>,
    /// The targets' RAM (`DmMemory`).
    pub memories: heapless::Vec<TargetMemory, { MAX_SLOTS as usize }>,
    /// The tracked ranges of targets' RAM (`DmVram`).
    pub vrams: heapless::Vec<DmVram, { MAX_SLOTS as usize }>,
    /// The domain's own kept memory, if the board gives it one (where a
    /// device model keeps its devices' state across its restarts).
    pub kept: Option<KeptMemory>,
}

impl DmCaps {
    /// Reads the table.
    pub fn read() -> Self {
        use bulkhead_abi::ioreq::{GUEST_WINDOW_SIZE, GUEST_WINDOWS};
        let mut caps = Self::default();
        for (slot, info) in (0..MAX_SLOTS).map_while(|slot| info(slot).map(|info| (slot, info))) {
            let kind = u8::try_from(info.kind).unwrap_or(0);
            // Each list holds at most MAX_SLOTS: a push cannot fail.
            if kind == <bulkhead_abi::DmTarget as CapKind>::TAG {
                let _ = caps.targets.push(DmTarget { slot, info });
            } else if kind == <bulkhead_abi::DmIrq as CapKind>::TAG {
                let intid = u32::try_from(info.size).unwrap_or(0);
                let _ = caps.irqs.push(DmIrq { slot, target: info.end, intid });
            } else if kind == <bulkhead_abi::DmVram as CapKind>::TAG {
                let _ = caps.vrams.push(DmVram { slot, target: info.end, ipa: info.ipa, size: info.size });
            } else if let Some(kept) = KeptMemory::from_info(&info) {
                caps.kept = Some(kept);
            } else if kind == <bulkhead_abi::DmMemory as CapKind>::TAG
                && let Some(k) = info.ipa.checked_sub(GUEST_WINDOWS).map(|o| o / GUEST_WINDOW_SIZE)
            {
                let window = GUEST_WINDOWS + k * GUEST_WINDOW_SIZE;
                let memory = TargetMemory { target: info.end, guest_base: info.ipa - window, size: info.size, window };
                let _ = caps.memories.push(memory);
            }
        }
        caps
    }

    /// The interrupt of target `target`'s `n`th emulated device, if any.
    pub fn irq(&self, target: u32, n: usize) -> Option<DmIrq> {
        self.irqs.iter().filter(|i| i.target == target).nth(n).copied()
    }

    /// Target `target`'s RAM, if this domain may reach it.
    pub fn memory(&self, target: u32) -> Option<TargetMemory> {
        self.memories.iter().find(|m| m.target == target).copied()
    }
}

impl TargetMemory {
    /// This domain's address of `len` bytes at guest address `gpa`, if
    /// they lie inside the target's RAM.
    fn at(&self, gpa: u64, len: usize) -> Result<usize, OutsideGuestRam> {
        let offset = gpa.checked_sub(self.guest_base).ok_or(OutsideGuestRam)?;
        let end = offset.checked_add(len as u64).ok_or(OutsideGuestRam)?;
        if end > self.size {
            return Err(OutsideGuestRam);
        }
        usize::try_from(self.window + gpa).map_err(|_| OutsideGuestRam)
    }

    /// Copies `out.len()` bytes at guest address `gpa` out of the target.
    pub fn read(&self, gpa: u64, out: &mut [u8]) -> Result<(), OutsideGuestRam> {
        let at = self.at(gpa, out.len())?;
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `at..at + out.len()` lies inside the window the
            // kernel maps (the DmMemory capability: the target's RAM, at
            // this domain's IPA == VA with its stage-1 MMU off); no Rust
            // object lives there (it is the target's memory, which it
            // writes concurrently: a volatile byte copy, never a reference).
            *b = unsafe { core::ptr::read_volatile((at + i) as *const u8) };
        }
        Ok(())
    }

    /// Copies `data` into the target at guest address `gpa`.
    pub fn write(&self, gpa: u64, data: &[u8]) -> Result<(), OutsideGuestRam> {
        let at = self.at(gpa, data.len())?;
        for (i, b) in data.iter().enumerate() {
            // SAFETY: as in `read`: inside the mapped window, no Rust
            // object there, a volatile byte store.
            unsafe { core::ptr::write_volatile((at + i) as *mut u8, *b) };
        }
        Ok(())
    }
}

/// The page the kernel writes a target's ioreqs into: 4 KiB of this
/// domain's RAM, one slot per target vCPU. Registered with
/// [`IoreqPage::register`], again in every life.
#[repr(C, align(4096))]
pub struct IoreqPage([AtomicU32; PAGE_BYTES / 4]);

impl IoreqPage {
    /// A zeroed page (put it in a `static`).
    pub const fn new() -> Self {
        Self([const { AtomicU32::new(0) }; PAGE_BYTES / 4])
    }

    /// Registers the page for the target of `slot`; the call's x0 (0, or
    /// a negative error).
    pub fn register(&'static self, slot: u64) -> u64 {
        call(Hypercall::DmIoreqPage as u32, slot, self.0.as_ptr() as u64, 0)
    }

    /// Takes vCPU `vcpu`'s posted ioreq, if one is there (its state word
    /// goes back to 0).
    pub fn take(&self, vcpu: usize) -> Option<IoreqSlot> {
        let first = vcpu.checked_mul(SLOT_BYTES / 4)?;
        let words = self.0.get(first..first + SLOT_BYTES / 4)?;
        let state = words.first()?;
        if state.load(Ordering::Acquire) != bulkhead_abi::ioreq::READY {
            return None;
        }
        let mut bytes = [0u8; SLOT_BYTES];
        for (chunk, word) in bytes.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&word.load(Ordering::Acquire).to_le_bytes());
        }
        state.store(0, Ordering::Release);
        Some(IoreqSlot::from_bytes(&bytes))
    }
}

impl Default for IoreqPage {
    fn default() -> Self {
        Self::new()
    }
}

/// Answers ioreq `id` of target vCPU `vcpu` (target of `slot`) with
/// `data` (what a read returns); the call's x0.
pub fn complete(slot: u64, vcpu: u8, id: u32, data: u64) -> u64 {
    call(Hypercall::DmIoreqComplete as u32, slot, completion_x2(u32::from(vcpu), id), data)
}

/// How many vCPUs the target of `slot` has (or a negative error).
pub fn nr_vcpus(slot: u64) -> u64 {
    call(Hypercall::DmNrVcpus as u32, slot, 0, 0)
}

/// The life of the target of `slot`: a number that changes the moment the
/// target begins to stop (its devices must then be reset) and stays the
/// same for one life.
pub fn target_life(slot: u64) -> u64 {
    call(Hypercall::DmTargetLife as u32, slot, 0, 0)
}

/// Stops the target of `slot` (restarts it if `restart`); the call's x0.
pub fn remote_shutdown(slot: u64, restart: bool) -> u64 {
    call(Hypercall::DmRemoteShutdown as u32, slot, u64::from(restart), 0)
}
