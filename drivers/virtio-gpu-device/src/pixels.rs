// SPDX-License-Identifier: MIT
//! What a scanout shows: [`ScanoutSource`] (the resource and its backing
//! entries) and [`ReadError`]; copying a rectangle of a scanout out of the
//! backing pages in guest memory as XRGB8888, row by row, checked and
//! bounded.
//!
//! Owns reading pixels for the domain; must not change any state nor
//! write guest memory.

use bulkhead_virtio_device::GuestMemory;

use crate::format::BYTES_PER_PIXEL;
use crate::rect::Rect;
use crate::resource::{MemEntry, ResourceInfo, read_backing};
use crate::state::GpuState;

/// Pixels converted per guest read (a row is read in pieces this long).
const CHUNK_PIXELS: usize = 256;

/// What scanout shows: the resource, the part of it shown and its backing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanoutSource<'a> {
    /// The resource shown.
    pub resource: ResourceInfo,
    /// The part of the resource shown (the scanout's size is its size).
    pub rect: Rect,
    /// The backing entries (empty: none attached, nothing to show).
    pub backing: &'a [MemEntry],
}

/// Why [`crate::GpuDevice::read_rect`] read nothing (or not all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// No such scanout, or it shows no resource.
    NoScanout,
    /// The resource shown has no backing.
    NoBacking,
    /// The rectangle is empty or not within the scanout.
    OutOfBounds,
    /// `out` holds fewer than width × height pixels.
    ShortOutput,
    /// Guest memory refused a read of the backing (`out` is then partly
    /// written).
    Memory,
}

impl GpuState {
    /// What scanout `scanout` shows, None if it shows nothing.
    pub fn source(&self, scanout: u32) -> Option<ScanoutSource<'_>> {
        let s = self.scanout(scanout)?;
        let r = self.resource(s.resource)?;
        Some(ScanoutSource { resource: r.info, rect: s.rect, backing: &r.backing })
    }

    /// Copies `rect` of scanout `scanout` (in its coordinates) into `out`,
    /// row after row (`rect.width` pixels apart), as XRGB8888.
    pub fn read_rect(&self, mem: &dyn GuestMemory, scanout: u32, rect: Rect, out: &mut [u32]) -> Result<(), ReadError> {
        let src = self.source(scanout).ok_or(ReadError::NoScanout)?;
        if src.backing.is_empty() {
            return Err(ReadError::NoBacking);
        }
        if rect.is_empty() || !rect.within(src.rect.width, src.rect.height) {
            return Err(ReadError::OutOfBounds);
        }
        let width = usize::try_from(rect.width).map_err(|_| ReadError::OutOfBounds)?;
        let height = usize::try_from(rect.height).map_err(|_| ReadError::OutOfBounds)?;
        let pixels = width.checked_mul(height).ok_or(ReadError::ShortOutput)?;
        if out.len() < pixels {
            return Err(ReadError::ShortOutput);
        }
        // Within the resource: the scanout's rect is, and `rect` is within it.
        let x0 = u64::from(src.rect.x) + u64::from(rect.x);
        let y0 = u64::from(src.rect.y) + u64::from(rect.y);
        let bpp = u64::from(BYTES_PER_PIXEL);
        let mut bytes = [0u8; CHUNK_PIXELS * 4];
        for (row, line) in out.chunks_mut(width).take(height).enumerate() {
            let y = y0 + u64::try_from(row).map_err(|_| ReadError::OutOfBounds)?;
            let mut offset = (y * u64::from(src.resource.width) + x0) * bpp;
            for piece in line.chunks_mut(CHUNK_PIXELS) {
                let buf = bytes.get_mut(..piece.len() * 4).ok_or(ReadError::OutOfBounds)?;
                read_backing(src.backing, mem, offset, buf).map_err(|_| ReadError::Memory)?;
                for (px, b) in piece.iter_mut().zip(buf.chunks_exact(4)) {
                    *px = src.resource.format.to_xrgb(b.try_into().unwrap_or_default());
                }
                offset += u64::try_from(buf.len()).map_err(|_| ReadError::OutOfBounds)?;
            }
        }
        Ok(())
    }
}
