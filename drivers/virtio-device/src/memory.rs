// SPDX-License-Identifier: MIT
//! Guest memory as the device sees it: the [`GuestMemory`] interface and
//! little-endian helpers over it.
//!
//! Owns the one way this crate reaches guest RAM; must not interpret what
//! it reads (the queue and chain modules do) nor know how the RAM is mapped
//! (the device-model domain implements the trait).

/// A guest physical access that fell (partly) outside the guest's RAM, or
/// whose address range wraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryError;

/// Guest memory as the device sees it: every address is an allegation.
///
/// One small interface so that a bounce-window mode (restricted-dma-pool)
/// can be added later behind it.
pub trait GuestMemory {
    /// Copies `out.len()` bytes at guest physical address `addr`; Err if any
    /// byte is outside the guest's RAM (nothing is then promised about `out`).
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), MemoryError>;

    /// Copies `data` to guest physical address `addr`; Err, writing nothing,
    /// if any byte is outside the guest's RAM.
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError>;

    /// Whether every byte of `[addr, addr + len)` is guest RAM (false if the
    /// range wraps). The default probes the first and the last byte, which
    /// is exact for RAM without holes; an implementation with holes must
    /// override it.
    fn contains(&self, addr: u64, len: u64) -> bool {
        let Some(last) = len.checked_sub(1) else {
            return true;
        };
        let Some(end) = addr.checked_add(last) else {
            return false;
        };
        let mut byte = [0u8; 1];
        self.read(addr, &mut byte).is_ok() && self.read(end, &mut byte).is_ok()
    }
}

/// `base + offset`, or the error an overflowing guest address is.
pub(crate) fn offset(base: u64, offset: u64) -> Result<u64, MemoryError> {
    base.checked_add(offset).ok_or(MemoryError)
}

/// A little-endian `u16` at `addr`.
pub(crate) fn read_u16(mem: &dyn GuestMemory, addr: u64) -> Result<u16, MemoryError> {
    let mut b = [0u8; 2];
    mem.read(addr, &mut b)?;
    Ok(u16::from_le_bytes(b))
}

/// Writes a little-endian `u16` at `addr`.
pub(crate) fn write_u16(mem: &mut dyn GuestMemory, addr: u64, v: u16) -> Result<(), MemoryError> {
    mem.write(addr, &v.to_le_bytes())
}
