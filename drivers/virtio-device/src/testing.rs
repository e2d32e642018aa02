// SPDX-License-Identifier: MIT
//! A host implementation of [`GuestMemory`] for tests and fuzzing (feature
//! `testing`): one contiguous block of RAM at a base address.
//!
//! Owns only that buffer; must not be linked into a domain (it allocates).

use std::vec::Vec;

use crate::{GuestMemory, MemoryError};

/// Guest RAM `[base, base + bytes.len())`, held in a `Vec`.
#[derive(Clone, Debug)]
pub struct VecMemory {
    base: u64,
    bytes: Vec<u8>,
}

impl VecMemory {
    /// `len` zeroed bytes of RAM at guest physical address `base`.
    pub fn new(base: u64, len: usize) -> Self {
        Self { base, bytes: std::vec![0; len] }
    }

    /// RAM at `base` holding `bytes`.
    pub fn from_bytes(base: u64, bytes: Vec<u8>) -> Self {
        Self { base, bytes }
    }

    /// The first guest physical address of the RAM.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The whole RAM.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The whole RAM, writable (the test plays the driver through it).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// The index range in `bytes` of `[addr, addr + len)`, if all RAM.
    fn range(&self, addr: u64, len: usize) -> Result<core::ops::Range<usize>, MemoryError> {
        let start = usize::try_from(addr.checked_sub(self.base).ok_or(MemoryError)?).map_err(|_| MemoryError)?;
        let end = start.checked_add(len).ok_or(MemoryError)?;
        if end > self.bytes.len() {
            return Err(MemoryError);
        }
        Ok(start..end)
    }
}

impl GuestMemory for VecMemory {
    fn read(&self, addr: u64, out: &mut [u8]) -> Result<(), MemoryError> {
        let range = self.range(addr, out.len())?;
        out.copy_from_slice(self.bytes.get(range).ok_or(MemoryError)?);
        Ok(())
    }

    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), MemoryError> {
        let range = self.range(addr, data.len())?;
        self.bytes.get_mut(range).ok_or(MemoryError)?.copy_from_slice(data);
        Ok(())
    }

    fn contains(&self, addr: u64, len: u64) -> bool {
        usize::try_from(len).is_ok_and(|len| self.range(addr, len).is_ok())
    }
}

/// Writes split-queue descriptor `i` of the table at `table` as a driver
/// would (little endian: addr, len, flags, next), for tests that play the
/// driver.
pub fn put_descriptor(
    mem: &mut dyn GuestMemory,
    table: u64,
    i: u16,
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
) -> Result<(), MemoryError> {
    let mut d = [0u8; 16];
    let (a, rest) = d.split_at_mut(8);
    let (l, rest) = rest.split_at_mut(4);
    let (f, n) = rest.split_at_mut(2);
    a.copy_from_slice(&addr.to_le_bytes());
    l.copy_from_slice(&len.to_le_bytes());
    f.copy_from_slice(&flags.to_le_bytes());
    n.copy_from_slice(&next.to_le_bytes());
    mem.write(table + 16 * u64::from(i), &d)
}
