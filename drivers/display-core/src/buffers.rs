// SPDX-License-Identifier: MIT
//! One client's display buffers and framebuffers (DBUF_CREATE/DESTROY,
//! FB_ATTACH/DETACH), every size, stride and offset checked against the
//! client's window before it is kept.
//!
//! Owns the two tables and the allocator of backend-allocated buffers
//! (first fit inside the client's backend area). Must not read pixels or
//! know about connectors beyond "is this framebuffer shown".

use crate::pixel::{Layout, bytes_per_pixel};
use bulkhead_display::{BufferSource, DataRef, PixelFormat, Status};
use heapless::Vec;

/// Display buffers per client.
pub const MAX_DBUFS: usize = 16;
/// Framebuffers per client.
pub const MAX_FBS: usize = 16;

/// A display buffer: a checked range of the client's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dbuf {
    /// The client's cookie.
    pub cookie: u64,
    /// Where it is in the window.
    pub range: DataRef,
    /// Whether the backend allocated it.
    pub backend: bool,
    /// Its depth, bits per pixel.
    pub bpp: u8,
}

/// A framebuffer over a display buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framebuffer {
    /// The client's cookie.
    pub cookie: u64,
    /// The display buffer's cookie.
    pub dbuf: u64,
    /// Its pixels inside the display buffer (checked).
    pub layout: Layout,
}

/// A client's tables.
#[derive(Debug, Default)]
pub struct Buffers {
    dbufs: Vec<Dbuf, MAX_DBUFS>,
    fbs: Vec<Framebuffer, MAX_FBS>,
}

/// The window a client shares with the backend, as the tables see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSpan {
    /// The window's size in bytes.
    pub len: u64,
    /// The part of it the backend allocates buffers in.
    pub backend_area: DataRef,
}

fn end(r: DataRef) -> u64 {
    u64::from(r.offset) + u64::from(r.len)
}

impl Buffers {
    /// DBUF_CREATE: a `width` x `height` buffer of `bpp` bits per pixel
    /// (16 or 32), in the client's range or allocated by the backend.
    pub fn create(
        &mut self,
        window: WindowSpan,
        cookie: u64,
        (width, height, bpp): (u32, u32, u8),
        source: BufferSource,
    ) -> Result<Dbuf, Status> {
        if self.dbuf(cookie).is_some() {
            return Err(Status::InvalidArgument);
        }
        if width == 0 || height == 0 || !matches!(bpp, 16 | 32) {
            return Err(Status::InvalidArgument);
        }
        // At most (2^32 - 1)^2 * 4: checked, as that passes u64.
        let need =
            (u64::from(width) * u64::from(height)).checked_mul(u64::from(bpp / 8)).ok_or(Status::InvalidArgument)?;
        let range = match source {
            BufferSource::Client(r) => {
                if end(r) > window.len || u64::from(r.len) < need {
                    return Err(Status::InvalidArgument);
                }
                r
            }
            BufferSource::Backend => {
                let len = u32::try_from(need).map_err(|_| Status::NoMemory)?;
                self.allocate(window.backend_area, len).ok_or(Status::NoMemory)?
            }
        };
        let dbuf = Dbuf { cookie, range, backend: source == BufferSource::Backend, bpp };
        self.dbufs.push(dbuf).map_err(|_| Status::NoMemory)?;
        Ok(dbuf)
    }

    /// First fit of `len` bytes (16-byte aligned) in `area` among the
    /// backend-allocated buffers.
    fn allocate(&self, area: DataRef, len: u32) -> Option<DataRef> {
        let mut at = u64::from(area.offset);
        loop {
            let start = at.next_multiple_of(16);
            let stop = start + u64::from(len);
            if stop > end(area) {
                return None;
            }
            let blocker = self
                .dbufs
                .iter()
                .filter(|d| d.backend)
                .filter(|d| u64::from(d.range.offset) < stop && end(d.range) > start)
                .map(|d| end(d.range))
                .max();
            match blocker {
                Some(next) => at = next,
                None => return Some(DataRef { offset: u32::try_from(start).ok()?, len }),
            }
        }
    }

    /// DBUF_DESTROY: refused while a framebuffer uses it.
    pub fn destroy(&mut self, cookie: u64) -> Result<(), Status> {
        let i = self.dbufs.iter().position(|d| d.cookie == cookie).ok_or(Status::NotFound)?;
        if self.fbs.iter().any(|f| f.dbuf == cookie) {
            return Err(Status::Busy);
        }
        self.dbufs.swap_remove(i);
        Ok(())
    }

    /// FB_ATTACH: a framebuffer over display buffer `dbuf`; its rows must
    /// lie inside the buffer and its format match the buffer's depth.
    pub fn attach(&mut self, cookie: u64, dbuf: u64, layout: Layout) -> Result<Framebuffer, Status> {
        if self.fb(cookie).is_some() {
            return Err(Status::InvalidArgument);
        }
        let d = self.dbuf(dbuf).ok_or(Status::NotFound)?;
        if bits_per_pixel(layout.format) != d.bpp {
            return Err(Status::InvalidArgument);
        }
        let layout = layout.checked(u64::from(d.range.len)).map_err(|_| Status::InvalidArgument)?;
        let fb = Framebuffer { cookie, dbuf, layout };
        self.fbs.push(fb).map_err(|_| Status::NoMemory)?;
        Ok(fb)
    }

    /// FB_DETACH; `shown` says whether a connector shows it (refused then).
    pub fn detach(&mut self, cookie: u64, shown: bool) -> Result<(), Status> {
        let i = self.fbs.iter().position(|f| f.cookie == cookie).ok_or(Status::NotFound)?;
        if shown {
            return Err(Status::Busy);
        }
        self.fbs.swap_remove(i);
        Ok(())
    }

    /// A display buffer by cookie.
    pub fn dbuf(&self, cookie: u64) -> Option<&Dbuf> {
        self.dbufs.iter().find(|d| d.cookie == cookie)
    }

    /// A framebuffer by cookie.
    pub fn fb(&self, cookie: u64) -> Option<&Framebuffer> {
        self.fbs.iter().find(|f| f.cookie == cookie)
    }

    /// Where framebuffer `cookie`'s bytes start in the window, and its layout.
    pub fn fb_in_window(&self, cookie: u64) -> Option<(u64, Layout)> {
        let fb = self.fb(cookie)?;
        let d = self.dbuf(fb.dbuf)?;
        Some((u64::from(d.range.offset), fb.layout))
    }
}

/// Bits per pixel of a format (what DBUF_CREATE's `bpp` must say).
pub const fn bits_per_pixel(format: PixelFormat) -> u8 {
    match bytes_per_pixel(format) {
        2 => 16,
        _ => 32,
    }
}
