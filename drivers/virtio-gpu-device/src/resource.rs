// SPDX-License-Identifier: MIT
//! Resources: [`ResourceInfo`] (id, format, size), the backing pages
//! ([`MemEntry`]) as checked when attached, and reading bytes of a
//! resource out of its backing.
//!
//! Owns one resource's description and its backing; must not decide which
//! command does what (see `execute`) nor convert pixels (see `format`).

use bulkhead_virtio_device::{GuestMemory, MemoryError};
use heapless::Vec;

use crate::format::{BYTES_PER_PIXEL, Format};
use crate::wire::{MEM_ENTRY_LEN, u32_at, u64_at};

/// The most backing entries one resource may have; an ATTACH_BACKING with
/// more is refused with ERR_OUT_OF_MEMORY (Linux merges contiguous pages,
/// so a framebuffer usually needs far fewer).
pub const MAX_ENTRIES: usize = 256;
/// The largest width and height of a resource.
pub const MAX_DIM: u32 = 4096;

/// One `struct virtio_gpu_mem_entry`: `len` bytes of guest RAM at `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemEntry {
    /// Guest physical address.
    pub addr: u64,
    /// Length in bytes.
    pub len: u32,
}

impl MemEntry {
    /// Entry `i` of the array starting at byte `at` of `b`.
    pub(crate) fn parse(b: &[u8], at: usize, i: usize) -> Option<Self> {
        let at = at.checked_add(i.checked_mul(MEM_ENTRY_LEN)?)?;
        Some(Self { addr: u64_at(b, at)?, len: u32_at(b, at.checked_add(8)?)? })
    }

    /// One past the last byte (None if it wraps).
    fn end(&self) -> Option<u64> {
        self.addr.checked_add(u64::from(self.len))
    }

    /// Whether two entries share a byte.
    fn overlaps(&self, other: &Self) -> bool {
        match (self.end(), other.end()) {
            (Some(a), Some(b)) => self.addr < b && other.addr < a,
            _ => true,
        }
    }
}

/// What a resource is, without its backing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResourceInfo {
    /// The driver's id (never 0).
    pub id: u32,
    /// Its pixel format.
    pub format: Format,
    /// Columns (1..=[`MAX_DIM`]).
    pub width: u32,
    /// Rows (1..=[`MAX_DIM`]).
    pub height: u32,
}

impl ResourceInfo {
    /// Bytes of one row.
    pub fn stride(&self) -> u64 {
        u64::from(self.width) * u64::from(BYTES_PER_PIXEL)
    }

    /// Bytes of the whole resource (at most 64 MiB).
    pub fn size(&self) -> u64 {
        self.stride() * u64::from(self.height)
    }
}

/// Why backing entries were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BackingError {
    /// An entry of length 0, outside guest RAM, wrapping, overlapping
    /// another, or all together shorter than the resource.
    Invalid,
}

/// A resource and its backing (empty: none attached).
#[derive(Clone, Debug)]
pub(crate) struct Resource {
    pub info: ResourceInfo,
    pub backing: Vec<MemEntry, MAX_ENTRIES>,
}

impl Resource {
    /// Checks `entries` against guest memory and the resource's size: each
    /// is non-empty, wholly guest RAM and disjoint from the others, and
    /// together they cover the resource. Copies them in on success.
    pub fn attach(
        &mut self,
        entries: impl Iterator<Item = MemEntry>,
        mem: &dyn GuestMemory,
    ) -> Result<(), BackingError> {
        let mut backing: Vec<MemEntry, MAX_ENTRIES> = Vec::new();
        let mut total = 0u64;
        for e in entries {
            if e.len == 0 || !mem.contains(e.addr, u64::from(e.len)) || backing.iter().any(|b| b.overlaps(&e)) {
                return Err(BackingError::Invalid);
            }
            backing.push(e).map_err(|_| BackingError::Invalid)?;
            total += u64::from(e.len);
        }
        if total < self.info.size() {
            return Err(BackingError::Invalid);
        }
        self.backing = backing;
        Ok(())
    }

    /// Total bytes of the backing.
    pub fn backing_len(&self) -> u64 {
        self.backing.iter().map(|e| u64::from(e.len)).sum()
    }
}

/// Fills `out` with the backing's bytes from byte `offset` of the resource
/// (the entries laid end to end), crossing entries as needed. Err if the
/// backing is too short or guest memory refuses a read.
pub(crate) fn read_backing(
    backing: &[MemEntry],
    mem: &dyn GuestMemory,
    offset: u64,
    out: &mut [u8],
) -> Result<(), MemoryError> {
    let mut start = 0u64;
    let mut pos = offset;
    let mut done = 0usize;
    for e in backing {
        if done == out.len() {
            break;
        }
        let end = start + u64::from(e.len);
        if pos < end {
            let skip = pos - start;
            let avail = u64::from(e.len) - skip;
            let want = u64::try_from(out.len() - done).map_err(|_| MemoryError)?;
            let n = avail.min(want);
            let n_usize = usize::try_from(n).map_err(|_| MemoryError)?;
            let dst = out.get_mut(done..done + n_usize).ok_or(MemoryError)?;
            mem.read(e.addr.checked_add(skip).ok_or(MemoryError)?, dst)?;
            done += n_usize;
            pos += n;
        }
        start = end;
    }
    if done == out.len() { Ok(()) } else { Err(MemoryError) }
}

/// The most resources the device holds at once; a RESOURCE_CREATE_2D
/// beyond it is refused with ERR_OUT_OF_MEMORY.
pub const MAX_RESOURCES: usize = 16;
