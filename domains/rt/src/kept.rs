// SPDX-License-Identifier: MIT
//! Kept memory (`kept = { ipa, size }` in the board file): pages of the
//! domain's own that the kernel zeroes once at boot and never again, so
//! that what one life writes there the next life finds. A life can crash
//! half-way through a write: whatever is read back is checked by its
//! reader before it is believed (the device model's saved state carries
//! its own checksum).
//!
//! Owns the checked, volatile byte access to that range; what the bytes
//! mean is the domain's.

use bulkhead_abi::{CapInfo, CapKind};

/// The domain's kept memory.
#[derive(Debug, Clone, Copy)]
pub struct KeptMemory {
    base: u64,
    size: u64,
}

/// A range outside the kept memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutsideKeptMemory;

impl KeptMemory {
    /// The kept memory a capability describes, if it is one.
    pub fn from_info(info: &CapInfo) -> Option<Self> {
        (u8::try_from(info.kind).ok()? == <bulkhead_abi::Kept as CapKind>::TAG && info.size > 0)
            .then_some(Self { base: info.ipa, size: info.size })
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    fn at(&self, offset: u64, len: usize) -> Result<usize, OutsideKeptMemory> {
        let end = offset.checked_add(len as u64).ok_or(OutsideKeptMemory)?;
        if end > self.size {
            return Err(OutsideKeptMemory);
        }
        usize::try_from(self.base + offset).map_err(|_| OutsideKeptMemory)
    }

    /// Copies `out.len()` bytes at `offset` out.
    pub fn read(&self, offset: u64, out: &mut [u8]) -> Result<(), OutsideKeptMemory> {
        let at = self.at(offset, out.len())?;
        for (i, b) in out.iter_mut().enumerate() {
            // SAFETY: `at..at + out.len()` lies inside the kept range the
            // kernel maps for this domain (its Kept capability, at IPA ==
            // VA with the stage-1 MMU off); no Rust object lives there: a
            // volatile byte copy, never a reference.
            *b = unsafe { core::ptr::read_volatile((at + i) as *const u8) };
        }
        Ok(())
    }

    /// Copies `data` in at `offset`.
    pub fn write(&self, offset: u64, data: &[u8]) -> Result<(), OutsideKeptMemory> {
        let at = self.at(offset, data.len())?;
        for (i, b) in data.iter().enumerate() {
            // SAFETY: as in `read`: inside the mapped range, no Rust
            // object there, a volatile byte store.
            unsafe { core::ptr::write_volatile((at + i) as *mut u8, *b) };
        }
        Ok(())
    }
}
